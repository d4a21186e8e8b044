//! `case set FIELD=VALUE`: the settable fields of a case record and how a
//! value typed on the command line becomes part of the record.
//!
//! The table is the single list of field paths; `case set --help` and the
//! docs print it. A value is read according to its field's kind, and the
//! edited record is re-read through the typed schema, so a wrong type or an
//! unknown enum value is refused before anything is written.

use crate::case::record::CaseRecord;
use crate::error::{Error, Result};
use crate::support::yaml::{self, Mapping, Value};

/// How a field's value is written on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Taken literally; empty clears an optional field.
    Text,
    /// Taken literally; must not be empty.
    RequiredText,
    /// `YYYY-MM-DD`; empty clears it.
    Date,
    /// One of a fixed set of words.
    Choice(&'static [&'static str]),
    /// `true` or `false`.
    Flag,
    /// A YAML flow sequence or mapping, e.g. `[a, b]` or `[{name: X, role: witness}]`.
    Yaml,
}

/// Every settable field path and its kind.
pub const FIELDS: &[(&str, Kind)] = &[
    ("reference", Kind::RequiredText),
    ("title", Kind::RequiredText),
    (
        "status",
        Kind::Choice(&["open", "pending", "closed", "archived"]),
    ),
    ("practice_area", Kind::Text),
    ("jurisdictions", Kind::Yaml),
    ("opened", Kind::Date),
    ("closed", Kind::Date),
    (
        "sensitivity",
        Kind::Choice(&["standard", "confidential", "restricted"]),
    ),
    ("protected_identity", Kind::Flag),
    ("pseudonym", Kind::Text),
    ("client.name", Kind::Text),
    ("client.aliases", Kind::Yaml),
    ("client.date_of_birth", Kind::Date),
    ("client.nationality", Kind::Text),
    ("client.identifiers", Kind::Yaml),
    ("client.contact.email", Kind::Text),
    ("client.contact.phone", Kind::Text),
    ("client.contact.address", Kind::Text),
    ("parties", Kind::Yaml),
    ("deadlines", Kind::Yaml),
    ("retention_until", Kind::Date),
    ("tags", Kind::Yaml),
];

/// Lists that are never replaced whole, and how each is changed instead:
/// replacing one could drop a consent, a condition or a disclosure, which
/// stay on the record for good.
pub const KEPT_LISTS: &[(&str, &str)] = &[
    (
        "consents",
        "consents are added and withdrawn one at a time: `case add ID consents ...`, `case edit ID consents ITEM withdrawn=DATE`",
    ),
    (
        "conditions",
        "conditions are added and released one at a time: `case add ID conditions ...`, `case edit ID conditions ITEM released.by=...`",
    ),
    (
        "disclosures",
        "disclosures are recorded only by `disclose`, which makes them",
    ),
    (
        "conflict_checks",
        "conflict checks are recorded only by `conflicts NAME --record ID` and at intake",
    ),
    (
        "disclosure_requests",
        "disclosure requests are recorded only by `disclose --request` and approved by `disclose --approve`",
    ),
];

/// Splits `FIELD=VALUE`.
pub fn split_assignment(assignment: &str) -> Result<(&str, &str)> {
    assignment
        .split_once('=')
        .map(|(f, v)| (f.trim(), v))
        .ok_or_else(|| Error::InvalidValue {
            // Never echo the argument: it may be the confidential value itself.
            field: "case set".into(),
            reason: "write each assignment as FIELD=VALUE".into(),
        })
}

/// Returns `record` with `field` set to `raw`.
pub fn set(record: &CaseRecord, field: &str, raw: &str) -> Result<CaseRecord> {
    if let Some((_, instead)) = KEPT_LISTS.iter().find(|(name, _)| *name == field) {
        return Err(Error::InvalidValue {
            field: field.to_string(),
            reason: (*instead).to_string(),
        });
    }
    let kind = FIELDS
        .iter()
        .find(|(name, _)| *name == field)
        .map(|(_, k)| *k)
        .ok_or_else(|| Error::UnknownField(field.to_string()))?;
    let value = read_value(field, kind, raw)?;
    let mut doc = yaml::to_value(record)?;
    let parts: Vec<&str> = field.split('.').collect();
    put(&mut doc, &parts, value);
    let what = format!("the value of `{field}`");
    let updated: CaseRecord = yaml::from_value(doc, &what).map_err(|e| match e {
        Error::MalformedYaml { detail, .. } => Error::InvalidValue {
            field: field.to_string(),
            reason: detail,
        },
        other => other,
    })?;
    Ok(updated)
}

/// A value of a record as a one-line form shows it: scalars as typed, lists
/// and mappings as YAML flow (JSON syntax), null as empty.
pub fn value_text(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        other => serde_json::to_string(other).unwrap_or_default(),
    }
}

/// Reads `raw` as a value of `kind` for `field`.
pub(crate) fn read_value(field: &str, kind: Kind, raw: &str) -> Result<Value> {
    let invalid = |reason: String| Error::InvalidValue {
        field: field.to_string(),
        reason,
    };
    match kind {
        Kind::Text if raw.is_empty() => Ok(Value::Null),
        Kind::RequiredText if raw.trim().is_empty() => Err(invalid("it must not be empty".into())),
        Kind::RequiredText => Ok(Value::String(raw.to_string())),
        Kind::Text => Ok(Value::String(raw.to_string())),
        Kind::Date if raw.is_empty() => Ok(Value::Null),
        Kind::Date => chrono::NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d")
            .map(|_| Value::String(raw.trim().to_string()))
            .map_err(|_| invalid("expected a date as YYYY-MM-DD".into())),
        Kind::Choice(options) => {
            let v = raw.trim().to_lowercase();
            if options.contains(&v.as_str()) {
                Ok(Value::String(v))
            } else {
                Err(invalid(format!("expected one of: {}", options.join(", "))))
            }
        }
        Kind::Flag => match raw.trim() {
            "true" | "yes" => Ok(Value::Bool(true)),
            "false" | "no" => Ok(Value::Bool(false)),
            _ => Err(invalid("expected true or false".into())),
        },
        Kind::Yaml if raw.trim().is_empty() => Ok(Value::Sequence(Vec::new())),
        Kind::Yaml => yaml::parse::<Value>(raw, &format!("the value of `{field}`")),
    }
}

fn put(doc: &mut Value, path: &[&str], value: Value) {
    let Some((first, rest)) = path.split_first() else {
        *doc = value;
        return;
    };
    if !matches!(doc, Value::Mapping(_)) {
        *doc = Value::Mapping(Mapping::new());
    }
    if let Value::Mapping(map) = doc {
        let key = Value::String(first.to_string());
        if rest.is_empty() {
            if value.is_null() {
                map.remove(&key);
            } else {
                map.insert(key, value);
            }
        } else {
            let child = map.entry(key).or_insert(Value::Mapping(Mapping::new()));
            put(child, rest, value);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record() -> CaseRecord {
        let mut r = CaseRecord::default();
        r.reference = "R".into();
        r.title = "T".into();
        r
    }

    #[test]
    fn every_listed_field_can_be_set() {
        let samples = |k: Kind| match k {
            Kind::Text | Kind::RequiredText => "x: y",
            Kind::Date => "2026-01-31",
            Kind::Choice(o) => o[1],
            Kind::Flag => "true",
            Kind::Yaml => "[]",
        };
        for (field, kind) in FIELDS {
            let sample = match *field {
                "parties" => "[{name: P, role: witness}]",
                "deadlines" => "[{date: 2026-02-01, what: file}]",
                "client.identifiers" => "[{kind: passport, value: X1}]",
                _ => samples(*kind),
            };
            set(&record(), field, sample).unwrap_or_else(|e| panic!("{field}: {e}"));
        }
    }

    #[test]
    fn text_is_literal_and_nested_fields_land_in_place() {
        let r = set(&record(), "title", "Smith v Jones: appeal [2026]").unwrap();
        assert_eq!(r.title, "Smith v Jones: appeal [2026]");
        let r = set(&r, "client.contact.phone", "+44 20").unwrap();
        assert_eq!(r.client.contact.phone.as_deref(), Some("+44 20"));
        let r = set(&r, "client.contact.phone", "").unwrap();
        assert_eq!(r.client.contact.phone, None);
    }

    #[test]
    fn bad_input_is_refused_with_the_field_named() {
        assert!(matches!(
            set(&record(), "colour", "red"),
            Err(Error::UnknownField(_))
        ));
        assert!(matches!(
            set(&record(), "status", "maybe"),
            Err(Error::InvalidValue { .. })
        ));
        assert!(matches!(
            set(&record(), "opened", "31/01/2026"),
            Err(Error::InvalidValue { .. })
        ));
        assert!(matches!(
            set(&record(), "tags", "[unclosed"),
            Err(Error::MalformedYaml { .. })
        ));
        assert!(matches!(
            set(&record(), "deadlines", "[{what: no date}]"),
            Err(Error::InvalidValue { .. })
        ));
    }
}
