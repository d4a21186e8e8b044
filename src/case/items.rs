//! Editing one item of a record's list by its id (`case add|edit|rm`, the
//! terminal UI's row editors), so an item is never given a new id and the
//! others are never touched.
//!
//! Each list has its table of fields ([`LISTS`]); a value is read by its
//! field's kind, like `case set`, and the result is read back through the
//! typed schema, so what cannot be a valid record is refused. Consents and
//! conditions are never removed: a consent is withdrawn, a condition
//! released, and both stay on the record; a recorded withdrawal or release
//! is never changed or taken back.

use crate::error::{Error, Result};
use crate::support::yaml::{self, Mapping, Value};

use super::fields::Kind;
use super::record::CaseRecord;

/// One list whose items are edited by id.
#[derive(Debug, Clone, Copy)]
pub struct ItemList {
    /// The record's field (`parties`).
    pub name: &'static str,
    /// One item, as the user reads it (`party`).
    pub item: &'static str,
    /// Whether an item may be removed.
    pub removal: Removal,
    /// The fields an item has, dotted into nested mappings
    /// (`covers.fields`), in the order forms show them.
    pub fields: &'static [(&'static str, Kind)],
    /// The field whose recorded value is never changed or cleared once
    /// set (a withdrawal, a release), if any.
    pub settled_by: Option<&'static str>,
}

const LIST: Kind = Kind::Yaml;

/// The lists items can be added to.
pub const LISTS: &[ItemList] = &[
    ItemList {
        name: "parties",
        item: "party",
        removal: Removal::Allowed,
        fields: &[("name", Kind::RequiredText), ("role", Kind::Text)],
        settled_by: None,
    },
    ItemList {
        name: "deadlines",
        item: "deadline",
        removal: Removal::Allowed,
        fields: &[
            ("date", Kind::Date),
            ("what", Kind::RequiredText),
            ("done", Kind::Flag),
        ],
        settled_by: None,
    },
    ItemList {
        name: "consents",
        item: "consent",
        removal: Removal::Never(
            "withdraw it instead: `case edit ID consents ITEM withdrawn=YYYY-MM-DD`",
        ),
        fields: &[
            ("date", Kind::Date),
            ("given_by", Kind::RequiredText),
            ("scope", Kind::RequiredText),
            ("expiry", Kind::Date),
            ("withdrawn", Kind::Date),
            ("covers.fields", LIST),
            ("covers.documents", LIST),
            ("covers.notes", LIST),
            ("covers.recipients", LIST),
        ],
        settled_by: Some("withdrawn"),
    },
    ItemList {
        name: "conditions",
        item: "condition",
        removal: Removal::Never(
            "release it instead: `case edit ID conditions ITEM released.by=NAME released.date=YYYY-MM-DD released.reference=REF`",
        ),
        fields: &[
            ("item", Kind::RequiredText),
            ("set_by", Kind::RequiredText),
            ("use_only_for", Kind::Text),
            ("no_onward_transfer_without", Kind::Text),
            ("until", Kind::Date),
            ("released.by", Kind::Text),
            ("released.date", Kind::Date),
            ("released.reference", Kind::Text),
        ],
        settled_by: Some("released"),
    },
];

/// The list called `name`; anything else is refused with the names.
pub fn list(name: &str) -> Result<&'static ItemList> {
    LISTS
        .iter()
        .find(|l| l.name == name)
        .ok_or_else(|| Error::InvalidValue {
            field: "LIST".into(),
            reason: format!(
                "items can be added to {}",
                LISTS.iter().map(|l| l.name).collect::<Vec<_>>().join(", ")
            ),
        })
}

/// Whether an item of a list may be removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Removal {
    /// It may.
    Allowed,
    /// It stays on the record; the text says what to do instead.
    Never(&'static str),
}

/// One change to one list.
#[derive(Debug, Clone, Copy)]
pub enum ItemChange<'a> {
    /// A new item with these `FIELD=VALUE` assignments.
    Add(&'a [String]),
    /// The item with this id, these assignments applied.
    Edit(&'a str, &'a [String]),
    /// Remove the item with this id.
    Remove(&'a str),
}

/// `record` with `change` applied to list `name`, and the id of the item.
pub fn apply(
    record: &CaseRecord,
    name: &str,
    change: ItemChange<'_>,
) -> Result<(CaseRecord, String)> {
    let list = list(name)?;
    let mut value = yaml::to_value(record)?;
    let root = value.as_mapping_mut().ok_or_else(not_a_record)?;
    let key = Value::String(name.to_string());
    if !root.contains_key(&key) {
        root.insert(key.clone(), Value::Sequence(Vec::new()));
    }
    let items = root
        .get_mut(&key)
        .and_then(Value::as_sequence_mut)
        .ok_or_else(not_a_record)?;
    let find = |items: &[Value], id: &str| {
        items
            .iter()
            .position(|i| i.get("id").and_then(Value::as_str) == Some(id))
            .ok_or_else(|| Error::UnknownItem {
                list: name.to_string(),
                item: id.to_string(),
            })
    };
    let id = match change {
        ItemChange::Add(assignments) => {
            let id = crate::case::id::item_id();
            let mut item = Mapping::new();
            item.insert(Value::String("id".into()), Value::String(id.clone()));
            assign(list, &mut item, assignments)?;
            items.push(Value::Mapping(item));
            id
        }
        ItemChange::Edit(id, assignments) => {
            let at = find(items, id)?;
            let item = items[at].as_mapping_mut().ok_or_else(not_a_record)?;
            let before = list.settled_by.and_then(|f| item.get(f).cloned());
            assign(list, item, assignments)?;
            if let (Some(field), Some(before)) = (list.settled_by, before) {
                if item.get(field) != Some(&before) {
                    return Err(Error::ItemKept {
                        list: name.to_string(),
                        instead: format!(
                            "its `{field}` is recorded and is never changed or taken back; add a new {} instead",
                            list.item
                        ),
                    });
                }
            }
            id.to_string()
        }
        ItemChange::Remove(id) => {
            if let Removal::Never(instead) = list.removal {
                return Err(Error::ItemKept {
                    list: name.to_string(),
                    instead: instead.to_string(),
                });
            }
            let at = find(items, id)?;
            items.remove(at);
            id.to_string()
        }
    };
    let record = yaml::from_value(value, &format!("the record with that {name} item"))?;
    Ok((record, id))
}

fn not_a_record() -> Error {
    Error::InvalidValue {
        field: "case record".into(),
        reason: "it is not a mapping".into(),
    }
}

/// The text of field `field` of item `id` of list `name` as a form shows
/// it: scalars as typed, lists as one-line YAML flow, missing as empty.
pub fn field_text(record: &CaseRecord, name: &str, id: &str, field: &str) -> String {
    let Ok(value) = yaml::to_value(record) else {
        return String::new();
    };
    let item = value
        .get(name)
        .and_then(Value::as_sequence)
        .and_then(|items| {
            items
                .iter()
                .find(|i| i.get("id").and_then(Value::as_str) == Some(id))
        });
    let mut v = item;
    for part in field.split('.') {
        v = v.and_then(|m| m.get(part));
    }
    v.map(super::fields::value_text).unwrap_or_default()
}

/// Applies `FIELD=VALUE` assignments to one item: a field of the list's
/// table, its value read by its kind (dotted fields reach into nested
/// mappings); an empty value removes the field.
fn assign(list: &ItemList, item: &mut Mapping, assignments: &[String]) -> Result<()> {
    for a in assignments {
        let (field, raw) = super::fields::split_assignment(a)?;
        if field == "id" || field.is_empty() {
            return Err(Error::InvalidValue {
                field: "id".into(),
                reason: "an item's id is given once and never changed".into(),
            });
        }
        let kind = list
            .fields
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, k)| *k)
            .ok_or_else(|| Error::InvalidValue {
                field: field.to_string(),
                reason: format!(
                    "a {} has the fields {}",
                    list.item,
                    list.fields
                        .iter()
                        .map(|(f, _)| *f)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            })?;
        let value = match (kind, raw.trim().is_empty()) {
            (Kind::Yaml, true) => Value::Null,
            _ => super::fields::read_value(field, kind, raw)?,
        };
        let parts: Vec<&str> = field.split('.').collect();
        let mut here = &mut *item;
        for part in &parts[..parts.len() - 1] {
            let key = Value::String((*part).to_string());
            if !here.get(&key).is_some_and(Value::is_mapping) {
                here.insert(key.clone(), Value::Mapping(Mapping::new()));
            }
            here = here
                .get_mut(&key)
                .and_then(Value::as_mapping_mut)
                .ok_or_else(not_a_record)?;
        }
        let key = Value::String(parts[parts.len() - 1].to_string());
        if value.is_null() {
            here.remove(&key);
        } else {
            here.insert(key, value);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record() -> CaseRecord {
        CaseRecord::parse(
            b"reference: R\ntitle: T\nparties:\n- {id: p1, name: Home Office, role: respondent}\nconsents:\n- {id: c1, date: 2026-01-05, given_by: C, scope: S}\n",
            "t",
        )
        .unwrap()
    }

    #[test]
    fn items_are_added_edited_and_removed_by_id_and_keep_their_ids() {
        let args = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let added = args(&["name=Expert witness", "role=witness"]);
        let (r, id) = apply(&record(), "parties", ItemChange::Add(&added)).unwrap();
        assert_eq!(r.parties.len(), 2);
        assert_eq!(r.parties[0].id, "p1");
        assert_eq!(r.parties[1].id, id);
        let edit = args(&["role=expert"]);
        let (r, _) = apply(&r, "parties", ItemChange::Edit(&id, &edit)).unwrap();
        assert_eq!(r.parties[1].id, id);
        let (r, _) = apply(&r, "parties", ItemChange::Remove("p1")).unwrap();
        assert_eq!(r.parties.len(), 1);
        assert_eq!(r.parties[0].id, id);

        let withdraw = args(&["withdrawn=2026-06-01", "covers.fields=[title]"]);
        let (r, _) = apply(&r, "consents", ItemChange::Edit("c1", &withdraw)).unwrap();
        assert!(r.consents[0].withdrawn.is_some());
        assert_eq!(r.consents[0].covers.as_ref().unwrap().fields, vec!["title"]);
        for undo in [args(&["withdrawn="]), args(&["withdrawn=2026-07-01"])] {
            let settled = apply(&r, "consents", ItemChange::Edit("c1", &undo)).unwrap_err();
            assert!(
                settled.to_string().contains("never changed or taken back"),
                "{settled}"
            );
        }
        let scope = args(&["scope=Medical evidence: the expert's report"]);
        let (r, _) = apply(&r, "consents", ItemChange::Edit("c1", &scope)).unwrap();
        assert_eq!(
            r.consents[0].scope, "Medical evidence: the expert's report",
            "text is literal"
        );
        let typo = args(&["withdrawl=2026-06-01"]);
        let unknown_field = apply(&r, "consents", ItemChange::Edit("c1", &typo)).unwrap_err();
        assert!(
            unknown_field
                .to_string()
                .contains("a consent has the fields"),
            "{unknown_field}"
        );
        let kept = apply(&r, "consents", ItemChange::Remove("c1")).unwrap_err();
        assert!(kept.to_string().contains("withdraw it instead"), "{kept}");
        let unknown = apply(&r, "parties", ItemChange::Edit("nope", &edit)).unwrap_err();
        assert!(
            unknown
                .to_string()
                .contains("there is no item nope in parties"),
            "{unknown}"
        );
        let id_change = args(&["id=x"]);
        assert!(apply(&r, "parties", ItemChange::Edit(&id, &id_change)).is_err());
        let invalid = args(&["date=not a date"]);
        assert!(apply(&r, "consents", ItemChange::Edit("c1", &invalid)).is_err());
    }
}
