//! Editing one item of a record's list by its id (`case add|edit|rm`), so
//! an item is never given a new id and the others are never touched.
//!
//! Works on the YAML value tree and reads the result back through the
//! typed schema, so what cannot be a valid record is refused. Consents and
//! conditions are never removed: a consent is withdrawn, a condition
//! released, and both stay on the record.

use crate::error::{Error, Result};
use crate::support::yaml::{self, Mapping, Value};

use super::record::CaseRecord;

/// The lists items can be added to, and whether an item may be removed.
pub const LISTS: &[(&str, Removal)] = &[
    ("parties", Removal::Allowed),
    ("deadlines", Removal::Allowed),
    (
        "consents",
        Removal::Never("withdraw it instead: `case edit ID consents ITEM withdrawn=YYYY-MM-DD`"),
    ),
    (
        "conditions",
        Removal::Never(
            "release it instead: `case edit ID conditions ITEM released.by=NAME released.date=YYYY-MM-DD released.reference=REF`",
        ),
    ),
];

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

/// `record` with `change` applied to `list`, and the id of the item.
pub fn apply(
    record: &CaseRecord,
    list: &str,
    change: ItemChange<'_>,
) -> Result<(CaseRecord, String)> {
    let removal = LISTS
        .iter()
        .find(|(name, _)| *name == list)
        .map(|(_, r)| *r)
        .ok_or_else(|| Error::InvalidValue {
            field: "LIST".into(),
            reason: format!(
                "items can be added to {}",
                LISTS.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ")
            ),
        })?;
    let mut value = yaml::to_value(record)?;
    let root = value.as_mapping_mut().ok_or_else(not_a_record)?;
    let key = Value::String(list.to_string());
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
                list: list.to_string(),
                item: id.to_string(),
            })
    };
    let id = match change {
        ItemChange::Add(assignments) => {
            let id = crate::case::id::item_id();
            let mut item = Mapping::new();
            item.insert(Value::String("id".into()), Value::String(id.clone()));
            assign(&mut item, assignments)?;
            items.push(Value::Mapping(item));
            id
        }
        ItemChange::Edit(id, assignments) => {
            let at = find(items, id)?;
            let item = items[at].as_mapping_mut().ok_or_else(not_a_record)?;
            assign(item, assignments)?;
            id.to_string()
        }
        ItemChange::Remove(id) => {
            if let Removal::Never(instead) = removal {
                return Err(Error::ItemKept {
                    list: list.to_string(),
                    instead: instead.to_string(),
                });
            }
            let at = find(items, id)?;
            items.remove(at);
            id.to_string()
        }
    };
    let record = yaml::from_value(value, &format!("the record with that {list} item"))?;
    Ok((record, id))
}

fn not_a_record() -> Error {
    Error::InvalidValue {
        field: "case record".into(),
        reason: "it is not a mapping".into(),
    }
}

/// Applies `FIELD=VALUE` assignments to one item: dotted fields reach into
/// nested mappings (`covers.fields=[title]`); a value is read as YAML (a
/// list `[a, b]`, a date, `true`); an empty value removes the field.
fn assign(item: &mut Mapping, assignments: &[String]) -> Result<()> {
    for a in assignments {
        let (field, raw) = super::fields::split_assignment(a)?;
        if field == "id" || field.is_empty() {
            return Err(Error::InvalidValue {
                field: "id".into(),
                reason: "an item's id is given once and never changed".into(),
            });
        }
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
        if raw.trim().is_empty() {
            here.remove(&key);
        } else {
            let v: Value = yaml::parse(raw, &format!("the value of {field}"))?;
            here.insert(key, v);
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
