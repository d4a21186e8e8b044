//! Three-way merge of case records and access lists, field by field.
//!
//! When two clones changed the same case record, the record is merged on its
//! YAML value tree (so fields this version does not know, kept in `extra`,
//! merge too), never on text:
//! - mappings merge key by key; a key added, changed or removed on one side
//!   is applied; changed on both sides to different values is a conflict at
//!   that key's path (`client.contact.phone`);
//! - lists whose items carry an `id` (parties, deadlines, consents,
//!   disclosures) merge by that id: items added on either side are kept,
//!   an item deleted on one side and untouched on the other is deleted, one
//!   deleted on one side and changed on the other is a conflict on the whole
//!   item (`deadlines[<id>]`), and one changed on both sides merges field by
//!   field (`deadlines[<id>].date`). Order: ours, then theirs' new items;
//! - other lists (tags, jurisdictions, client identifiers) are sets: an
//!   addition on either side is kept, a removal on either side applied;
//! - anything else changed on both sides differently is a conflict.
//!
//! Without a common version (`base` is `None`) both sides count as added:
//! equal fields are fine, different ones conflict (lists take the union).
//!
//! A conflict keeps ours' value in the merged record and is reported with
//! one-line renderings of the three values, for the person who asked for
//! the merge (a recipient of the case) to see and choose. Nothing here does
//! I/O: callers decrypt before and encrypt after.

use std::fmt;

use crate::case::{AccessList, CaseRecord};
use crate::error::{Error, Result};
use crate::support::yaml::{self, Mapping, Value};

/// Which side's value to take for a conflicting field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// The local version (the branch being merged into).
    Ours,
    /// The incoming version.
    Theirs,
}

/// A field both sides changed to different values.
///
/// The values are decrypted content: show them only to the person who asked
/// for the merge. `Debug` prints the field path only.
#[derive(Clone, PartialEq, Eq)]
pub struct FieldConflict {
    /// A stable path: `title`, `client.contact.phone`, `deadlines[<id>].date`,
    /// `deadlines[<id>]` (the whole item: deleted on one side, changed on the
    /// other), `tags`.
    pub field: String,
    /// The common version's value, one line (`None`: absent).
    pub base: Option<String>,
    /// Ours, one line (`None`: absent or deleted).
    pub ours: Option<String>,
    /// Theirs, one line (`None`: absent or deleted).
    pub theirs: Option<String>,
}

impl fmt::Debug for FieldConflict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "FieldConflict({}, [redacted])", self.field)
    }
}

/// The outcome of [`merge_records`].
#[derive(Debug, Clone, PartialEq)]
pub struct RecordMerge {
    /// The merged record; holds ours' value wherever a conflict remains.
    pub merged: CaseRecord,
    /// Conflicts not resolved by the caller's choice; the merge must not be
    /// committed while any remain.
    pub conflicts: Vec<FieldConflict>,
}

/// Merges two versions of a case record against their common version.
///
/// `resolve(field)` may pick a side for a conflict (a person choosing after
/// seeing it); resolved conflicts are applied and not listed. Fails only
/// when the merged tree is no longer a valid record, which merging valid
/// records does not produce.
pub fn merge_records(
    base: Option<&CaseRecord>,
    ours: &CaseRecord,
    theirs: &CaseRecord,
    resolve: &dyn Fn(&str) -> Option<Side>,
) -> Result<RecordMerge> {
    let base = base.map(yaml::to_value).transpose()?;
    let ours = yaml::to_value(ours)?;
    let theirs = yaml::to_value(theirs)?;
    let mut merger = Merger {
        resolve,
        conflicts: Vec::new(),
    };
    let merged = merger.value("", base.as_ref(), Some(&ours), Some(&theirs));
    Ok(RecordMerge {
        merged: into_record(merged.unwrap_or(ours))?,
        conflicts: merger.conflicts,
    })
}

/// Merges two versions of an access list against their common version:
/// owners and readers as sets (an addition on either side is kept, a removal
/// on either side applied; never a conflict), in ours' order followed by
/// theirs' additions. Whether the result may be honoured is for
/// [`crate::trust::policy`] to decide.
pub fn merge_access(
    base: Option<&AccessList>,
    ours: &AccessList,
    theirs: &AccessList,
) -> AccessList {
    AccessList {
        dossier_access: ours.dossier_access.max(theirs.dossier_access),
        // The merge replaces ours (the branch it is committed on).
        replaces: ours.replaces.clone(),
        case: ours.case.clone(),
        owners: set_merge(
            base.map(|b| b.owners.as_slice()).unwrap_or(&[]),
            &ours.owners,
            &theirs.owners,
        ),
        readers: set_merge(
            base.map(|b| b.readers.as_slice()).unwrap_or(&[]),
            &ours.readers,
            &theirs.readers,
        ),
    }
}

/// Reads a merged value tree back through the typed schema.
fn into_record(value: Value) -> Result<CaseRecord> {
    yaml::from_value(value, "the merged case record").map_err(|e| {
        let detail = match e {
            Error::MalformedYaml { detail, .. } => detail,
            other => other.to_string(),
        };
        Error::UnmergeableRecord { detail }
    })
}

struct Merger<'a> {
    resolve: &'a dyn Fn(&str) -> Option<Side>,
    conflicts: Vec<FieldConflict>,
}

impl Merger<'_> {
    /// The merged value at `path`; `None` means absent.
    fn value(
        &mut self,
        path: &str,
        base: Option<&Value>,
        ours: Option<&Value>,
        theirs: Option<&Value>,
    ) -> Option<Value> {
        if ours == theirs || base == theirs {
            return ours.cloned();
        }
        if base == ours {
            return theirs.cloned();
        }
        // Both sides changed it, differently.
        let either_absent = ours.is_none() || theirs.is_none();
        if mapping_or_absent(ours) && mapping_or_absent(theirs) {
            let merged = self.mapping(
                path,
                base.and_then(Value::as_mapping),
                ours.and_then(Value::as_mapping),
                theirs.and_then(Value::as_mapping),
            );
            return (!(merged.is_empty() && either_absent)).then_some(Value::Mapping(merged));
        }
        if sequence_or_absent(ours) && sequence_or_absent(theirs) {
            let b = base.and_then(Value::as_sequence).map_or(&[][..], |s| s);
            let o = ours.and_then(Value::as_sequence).map_or(&[][..], |s| s);
            let t = theirs.and_then(Value::as_sequence).map_or(&[][..], |s| s);
            let merged = if keyed_by_id(&[b, o, t]) {
                self.by_id(path, b, o, t)
            } else {
                set_merge(b, o, t)
            };
            return (!(merged.is_empty() && either_absent)).then_some(Value::Sequence(merged));
        }
        self.conflict(path, base, ours, theirs)
    }

    fn mapping(
        &mut self,
        path: &str,
        base: Option<&Mapping>,
        ours: Option<&Mapping>,
        theirs: Option<&Mapping>,
    ) -> Mapping {
        let mut keys: Vec<&Value> = Vec::new();
        for m in [ours, theirs, base].into_iter().flatten() {
            for k in m.keys() {
                if !keys.contains(&k) {
                    keys.push(k);
                }
            }
        }
        let mut out = Mapping::new();
        for key in keys {
            let child = child_path(path, key);
            let (b, o, t) = (
                base.and_then(|m| m.get(key)),
                ours.and_then(|m| m.get(key)),
                theirs.and_then(|m| m.get(key)),
            );
            if let Some(v) = self.value(&child, b, o, t) {
                out.insert(key.clone(), v);
            }
        }
        out
    }

    /// Merges lists keyed by `id` (see [`keyed_by_id`]): ours' ids in
    /// order, then theirs' new ones.
    fn by_id(
        &mut self,
        path: &str,
        base: &[Value],
        ours: &[Value],
        theirs: &[Value],
    ) -> Vec<Value> {
        fn find<'v>(list: &'v [Value], id: &str) -> Option<&'v Value> {
            list.iter().find(|v| item_id(v) == Some(id))
        }
        let mut ids: Vec<&str> = ours.iter().filter_map(item_id).collect();
        for id in theirs.iter().filter_map(item_id) {
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
        let mut out = Vec::new();
        for id in ids {
            let p = format!("{path}[{id}]");
            let merged = match (find(base, id), find(ours, id), find(theirs, id)) {
                (b, Some(o), Some(t)) => self.value(&p, b, Some(o), Some(t)),
                // Added on one side.
                (None, o, t) => o.or(t).cloned(),
                // Deleted on one side, untouched on the other.
                (Some(b), o, t) if o.or(t) == Some(b) => None,
                // Deleted on one side, changed on the other.
                (b, o, t) => self.conflict(&p, b, o, t),
            };
            out.extend(merged);
        }
        out
    }

    /// Both sides changed `path` in ways that cannot be combined: the
    /// caller's choice, or ours with the conflict recorded.
    fn conflict(
        &mut self,
        path: &str,
        base: Option<&Value>,
        ours: Option<&Value>,
        theirs: Option<&Value>,
    ) -> Option<Value> {
        let field = if path.is_empty() { "record" } else { path };
        match (self.resolve)(field) {
            Some(Side::Ours) => ours.cloned(),
            Some(Side::Theirs) => theirs.cloned(),
            None => {
                self.conflicts.push(FieldConflict {
                    field: field.to_string(),
                    base: base.map(one_line),
                    ours: ours.map(one_line),
                    theirs: theirs.map(one_line),
                });
                ours.cloned()
            }
        }
    }
}

fn mapping_or_absent(v: Option<&Value>) -> bool {
    v.is_none_or(Value::is_mapping)
}

fn sequence_or_absent(v: Option<&Value>) -> bool {
    v.is_none_or(Value::is_sequence)
}

fn item_id(v: &Value) -> Option<&str> {
    v.as_mapping()?.get("id")?.as_str()
}

/// Whether every item of every list is a mapping with a string `id`, unique
/// within its list (and there is at least one item).
fn keyed_by_id(lists: &[&[Value]]) -> bool {
    let mut any = false;
    for list in lists {
        let mut seen: Vec<&str> = Vec::new();
        for item in *list {
            match item_id(item) {
                Some(id) if !seen.contains(&id) => seen.push(id),
                _ => return false,
            }
            any = true;
        }
    }
    any
}

/// Three-way set merge: ours' items not removed by theirs, then theirs'
/// additions; each item once.
fn set_merge<T: PartialEq + Clone>(base: &[T], ours: &[T], theirs: &[T]) -> Vec<T> {
    let mut out: Vec<T> = Vec::new();
    for v in ours {
        let removed_by_theirs = base.contains(v) && !theirs.contains(v);
        if !removed_by_theirs && !out.contains(v) {
            out.push(v.clone());
        }
    }
    for v in theirs {
        if !base.contains(v) && !out.contains(v) {
            out.push(v.clone());
        }
    }
    out
}

fn child_path(path: &str, key: &Value) -> String {
    let key = key.as_str().map_or_else(|| one_line(key), str::to_string);
    if path.is_empty() {
        key
    } else {
        format!("{path}.{key}")
    }
}

/// A value on one line: text as it is (line breaks shown as `\n`), anything
/// else in JSON-like flow form.
fn one_line(v: &Value) -> String {
    match v {
        Value::String(s) => s
            .replace('\\', "\\\\")
            .replace('\n', "\\n")
            .replace('\r', "\\r")
            .replace('\t', "\\t"),
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        other => serde_json::to_string(other)
            .unwrap_or_else(|_| yaml::render(other).unwrap_or_default().replace('\n', " ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::case::record::{Client, Contact, Deadline, Identifier, Party};
    use chrono::NaiveDate;

    fn none(_: &str) -> Option<Side> {
        None
    }

    fn rec(yaml_text: &str) -> CaseRecord {
        CaseRecord::parse(yaml_text.as_bytes(), "test").unwrap()
    }

    fn merge(b: &CaseRecord, o: &CaseRecord, t: &CaseRecord) -> RecordMerge {
        merge_records(Some(b), o, t, &none).unwrap()
    }

    fn fields(m: &RecordMerge) -> Vec<&str> {
        m.conflicts.iter().map(|c| c.field.as_str()).collect()
    }

    const BASE: &str = "reference: R-1\ntitle: Appeal\npractice_area: immigration\nclient:\n  name: Miriam\n  contact:\n    phone: '111'\n    email: m@x\ntags: [urgent, legal-aid]\nparties:\n- {id: p1, name: Opponent, role: respondent}\n- {id: p2, name: Witness, role: witness}\ndeadlines:\n- {id: d1, date: 2026-03-01, what: file appeal}\n- {id: d2, date: 2026-04-01, what: hearing}\n";

    #[test]
    fn changes_to_different_fields_both_apply() {
        let base = rec(BASE);
        let mut ours = base.clone();
        ours.title = "Appeal (expedited)".into();
        let mut theirs = base.clone();
        theirs.client.contact.phone = Some("222".into());
        let m = merge(&base, &ours, &theirs);
        assert!(m.conflicts.is_empty());
        assert_eq!(m.merged.title, "Appeal (expedited)");
        assert_eq!(m.merged.client.contact.phone.as_deref(), Some("222"));
        assert_eq!(m.merged.client.contact.email.as_deref(), Some("m@x"));
    }

    #[test]
    fn the_same_field_changed_differently_is_a_conflict_that_keeps_ours() {
        let base = rec(BASE);
        let mut ours = base.clone();
        ours.client.contact.phone = Some("222".into());
        ours.title = "Ours".into();
        let mut theirs = base.clone();
        theirs.client.contact.phone = Some("333".into());
        theirs.status = crate::case::Status::Pending;
        let m = merge(&base, &ours, &theirs);
        assert_eq!(fields(&m), ["client.contact.phone"]);
        let c = &m.conflicts[0];
        assert_eq!(c.base.as_deref(), Some("111"));
        assert_eq!(c.ours.as_deref(), Some("222"));
        assert_eq!(c.theirs.as_deref(), Some("333"));
        assert_eq!(m.merged.client.contact.phone.as_deref(), Some("222"));
        assert_eq!(m.merged.title, "Ours");
        assert_eq!(m.merged.status, crate::case::Status::Pending);
        assert!(
            !format!("{c:?}").contains("222"),
            "Debug must not show values"
        );
    }

    #[test]
    fn the_same_change_on_both_sides_is_not_a_conflict() {
        let base = rec(BASE);
        let mut ours = base.clone();
        ours.title = "Same".into();
        ours.practice_area = None;
        let theirs = ours.clone();
        let m = merge(&base, &ours, &theirs);
        assert!(m.conflicts.is_empty());
        assert_eq!(m.merged, ours);
    }

    #[test]
    fn a_key_added_or_removed_on_one_side_applies() {
        let base = rec(BASE);
        let mut ours = base.clone();
        ours.practice_area = None;
        let mut theirs = base.clone();
        theirs.pseudonym = Some("Client K".into());
        theirs.client.nationality = Some("Eritrean".into());
        let m = merge(&base, &ours, &theirs);
        assert!(m.conflicts.is_empty());
        assert_eq!(m.merged.practice_area, None);
        assert_eq!(m.merged.pseudonym.as_deref(), Some("Client K"));
        assert_eq!(m.merged.client.nationality.as_deref(), Some("Eritrean"));
    }

    #[test]
    fn removed_on_one_side_and_changed_on_the_other_is_a_conflict() {
        let base = rec(BASE);
        let mut ours = base.clone();
        ours.practice_area = None;
        let mut theirs = base.clone();
        theirs.practice_area = Some("asylum".into());
        let m = merge(&base, &ours, &theirs);
        assert_eq!(fields(&m), ["practice_area"]);
        assert_eq!(m.conflicts[0].ours, None);
        assert_eq!(m.conflicts[0].theirs.as_deref(), Some("asylum"));
        assert_eq!(m.merged.practice_area, None);
    }

    #[test]
    fn a_whole_mapping_cleared_on_one_side_merges_key_by_key() {
        let base = rec(BASE);
        let mut ours = base.clone();
        ours.client.contact = Contact::default();
        let mut theirs = base.clone();
        theirs.client.contact.phone = Some("999".into());
        let m = merge(&base, &ours, &theirs);
        // email: removed by ours, untouched by theirs: removed. phone: conflict.
        assert_eq!(fields(&m), ["client.contact.phone"]);
        assert_eq!(m.merged.client.contact.email, None);
    }

    #[test]
    fn items_added_on_each_side_are_both_kept_ours_first() {
        let base = rec(BASE);
        let mut ours = base.clone();
        ours.parties.push(Party {
            id: "p3".into(),
            name: "Sponsor".into(),
            role: "sponsor".into(),
            ..Default::default()
        });
        let mut theirs = base.clone();
        theirs.parties.insert(
            0,
            Party {
                id: "p4".into(),
                name: "Interpreter".into(),
                role: "interpreter".into(),
                ..Default::default()
            },
        );
        let m = merge(&base, &ours, &theirs);
        assert!(m.conflicts.is_empty());
        let ids: Vec<&str> = m.merged.parties.iter().map(|p| p.id.as_str()).collect();
        assert_eq!(ids, ["p1", "p2", "p3", "p4"]);
    }

    #[test]
    fn an_item_deleted_on_one_side_and_untouched_on_the_other_is_deleted() {
        let base = rec(BASE);
        let mut ours = base.clone();
        ours.parties.retain(|p| p.id != "p1");
        let mut theirs = base.clone();
        theirs.deadlines.retain(|d| d.id != "d2");
        theirs.parties[1].role = "expert".into();
        let m = merge(&base, &ours, &theirs);
        assert!(m.conflicts.is_empty());
        let ids: Vec<&str> = m.merged.parties.iter().map(|p| p.id.as_str()).collect();
        assert_eq!(ids, ["p2"]);
        assert_eq!(m.merged.parties[0].role, "expert");
        assert_eq!(m.merged.deadlines.len(), 1);
        assert_eq!(m.merged.deadlines[0].id, "d1");
    }

    #[test]
    fn an_item_deleted_on_one_side_and_changed_on_the_other_is_a_conflict_on_the_item() {
        let base = rec(BASE);
        let mut ours = base.clone();
        ours.deadlines[0].done = true;
        let mut theirs = base.clone();
        theirs.deadlines.remove(0);
        let m = merge(&base, &ours, &theirs);
        assert_eq!(fields(&m), ["deadlines[d1]"]);
        assert_eq!(m.conflicts[0].theirs, None);
        assert!(m.conflicts[0]
            .ours
            .as_deref()
            .unwrap()
            .contains("file appeal"));
        assert_eq!(m.merged.deadlines.len(), 2, "ours kept while unresolved");

        // The mirror image: ours deleted, theirs changed.
        let m = merge(&base, &theirs, &ours);
        assert_eq!(fields(&m), ["deadlines[d1]"]);
        assert_eq!(m.conflicts[0].ours, None);
        assert_eq!(m.merged.deadlines.len(), 1);
    }

    #[test]
    fn an_item_changed_on_both_sides_merges_field_by_field() {
        let base = rec(BASE);
        let mut ours = base.clone();
        ours.deadlines[0].done = true;
        ours.deadlines[1].date = NaiveDate::from_ymd_opt(2026, 5, 1).unwrap();
        let mut theirs = base.clone();
        theirs.deadlines[0].what = "file appeal bundle".into();
        theirs.deadlines[1].date = NaiveDate::from_ymd_opt(2026, 6, 1).unwrap();
        let m = merge(&base, &ours, &theirs);
        assert_eq!(fields(&m), ["deadlines[d2].date"]);
        assert_eq!(m.conflicts[0].ours.as_deref(), Some("2026-05-01"));
        assert_eq!(m.conflicts[0].theirs.as_deref(), Some("2026-06-01"));
        let d1 = &m.merged.deadlines[0];
        assert!(d1.done);
        assert_eq!(d1.what, "file appeal bundle");
    }

    #[test]
    fn scalar_lists_merge_as_sets() {
        let base = rec(BASE);
        let mut ours = base.clone();
        ours.tags = vec!["urgent".into(), "legal-aid".into(), "detained".into()];
        ours.jurisdictions = vec!["UK".into()];
        let mut theirs = base.clone();
        theirs.tags = vec!["legal-aid".into(), "appeal".into()];
        theirs.jurisdictions = vec!["IE".into()];
        let m = merge(&base, &ours, &theirs);
        assert!(m.conflicts.is_empty());
        assert_eq!(m.merged.tags, ["legal-aid", "detained", "appeal"]);
        assert_eq!(m.merged.jurisdictions, ["UK", "IE"]);
    }

    #[test]
    fn lists_of_mappings_without_ids_merge_as_sets_of_whole_items() {
        let id = |kind: &str, value: &str| Identifier {
            kind: kind.into(),
            value: value.into(),
            ..Default::default()
        };
        let mut base = rec(BASE);
        base.client.identifiers = vec![id("passport", "P1"), id("ho-ref", "H1")];
        let mut ours = base.clone();
        ours.client.identifiers = vec![id("passport", "P2"), id("ho-ref", "H1")];
        let mut theirs = base.clone();
        theirs.client.identifiers.push(id("nino", "N1"));
        let m = merge(&base, &ours, &theirs);
        assert!(m.conflicts.is_empty());
        assert_eq!(
            m.merged.client.identifiers,
            [id("passport", "P2"), id("ho-ref", "H1"), id("nino", "N1")]
        );
    }

    #[test]
    fn unknown_fields_merge_too_at_every_level() {
        let base = rec(
            "reference: R\ntitle: T\nfuture: {a: 1, b: 2}\nclient: {name: C, badge: x}\nparties:\n- {id: p1, name: P, rank: 1}\n",
        );
        let ours = rec(
            "reference: R\ntitle: T\nfuture: {a: 10, b: 2}\nclient: {name: C, badge: y}\nparties:\n- {id: p1, name: P, rank: 2}\nnewer: ours\n",
        );
        let theirs = rec(
            "reference: R\ntitle: T\nfuture: {a: 1, b: 20}\nclient: {name: C, badge: z}\nparties:\n- {id: p1, name: Q, rank: 1}\n",
        );
        let m = merge(&base, &ours, &theirs);
        assert_eq!(fields(&m), ["client.badge"]);
        let out = m.merged.to_yaml().unwrap();
        assert_eq!(
            m.merged.extra["future"],
            yaml::parse::<Value>("{a: 10, b: 20}", "t").unwrap()
        );
        assert_eq!(m.merged.extra["newer"], Value::String("ours".into()));
        assert_eq!(m.merged.parties[0].name, "Q");
        assert_eq!(m.merged.parties[0].extra["rank"], Value::Number(2.into()));
        assert!(out.contains("badge: y"), "ours kept on conflict");
    }

    #[test]
    fn a_shape_change_on_both_sides_is_a_conflict_at_that_path() {
        let base = rec("reference: R\ntitle: T\nfuture: 1\n");
        let ours = rec("reference: R\ntitle: T\nfuture: {a: 1}\n");
        let theirs = rec("reference: R\ntitle: T\nfuture: [1, 2]\n");
        let m = merge(&base, &ours, &theirs);
        assert_eq!(fields(&m), ["future"]);
        assert_eq!(m.conflicts[0].ours.as_deref(), Some(r#"{"a":1}"#));
        assert_eq!(m.conflicts[0].theirs.as_deref(), Some("[1,2]"));
        assert_eq!(m.conflicts[0].base.as_deref(), Some("1"));
    }

    #[test]
    fn without_a_base_equal_fields_are_fine_and_different_ones_conflict() {
        let ours = rec("reference: R\ntitle: T\nstatus: pending\ntags: [a]\nclient: {name: C}\n");
        let theirs = rec("reference: R\ntitle: U\nstatus: pending\ntags: [b]\nclient: {name: C}\n");
        let m = merge_records(None, &ours, &theirs, &none).unwrap();
        assert_eq!(fields(&m), ["title"]);
        assert_eq!(m.conflicts[0].base, None);
        assert_eq!(m.merged.tags, ["a", "b"]);
    }

    #[test]
    fn a_chosen_side_is_applied_and_no_longer_listed() {
        let base = rec(BASE);
        let mut ours = base.clone();
        ours.title = "Ours".into();
        ours.deadlines.remove(0);
        ours.client.contact.phone = Some("222".into());
        let mut theirs = base.clone();
        theirs.title = "Theirs".into();
        theirs.deadlines[0].done = true;
        theirs.client.contact.phone = Some("333".into());
        let pick = |f: &str| match f {
            "title" => Some(Side::Theirs),
            "deadlines[d1]" => Some(Side::Theirs),
            "client.contact.phone" => Some(Side::Ours),
            _ => None,
        };
        let m = merge_records(Some(&base), &ours, &theirs, &pick).unwrap();
        assert!(m.conflicts.is_empty(), "{:?}", m.conflicts);
        assert_eq!(m.merged.title, "Theirs");
        assert_eq!(m.merged.client.contact.phone.as_deref(), Some("222"));
        assert!(m.merged.deadlines.iter().any(|d| d.id == "d1" && d.done));
    }

    #[test]
    fn a_merged_tree_that_is_not_a_record_is_an_error_not_a_panic() {
        let tree = yaml::parse::<Value>("reference: R\ntitle: [not, text]\n", "t").unwrap();
        let err = into_record(tree).unwrap_err().to_string();
        assert!(err.contains("cannot be combined"), "{err}");
    }

    #[test]
    fn duplicate_ids_fall_back_to_set_semantics() {
        let v = |t: &str| yaml::parse::<Value>(t, "t").unwrap();
        let seq = v("[{id: a, n: 1}, {id: a, n: 2}]");
        assert!(!keyed_by_id(&[seq.as_sequence().unwrap()]));
        assert!(keyed_by_id(&[
            v("[{id: a}, {id: b}]").as_sequence().unwrap(),
            &[]
        ]));
        assert!(!keyed_by_id(&[&[], &[]]));
    }

    #[test]
    fn access_lists_merge_as_sets_never_conflicting() {
        use crate::case::{AccessEntry, CaseId};
        use crate::keys::fingerprint::Fingerprint;
        let fp = |b: u8| -> Fingerprint {
            format!(
                "SHA256:{}",
                base64::Engine::encode(&base64::engine::general_purpose::STANDARD_NO_PAD, [b; 32])
            )
            .parse()
            .unwrap()
        };
        let id = CaseId::random();
        let mut base = AccessList::new(id.clone(), fp(1));
        base.grant(AccessEntry::Key(fp(2)));
        base.grant(AccessEntry::Group("team".into()));
        let mut ours = base.clone();
        ours.grant(AccessEntry::Key(fp(3)));
        ours.revoke(&AccessEntry::Group("team".into())).unwrap();
        let mut theirs = base.clone();
        theirs.revoke(&AccessEntry::Key(fp(2))).unwrap();
        theirs.grant(AccessEntry::Key(fp(4)));
        theirs.owners.push(fp(5));
        let merged = merge_access(Some(&base), &ours, &theirs);
        assert_eq!(merged.case, id);
        assert_eq!(merged.owners, [fp(1), fp(5)]);
        assert_eq!(
            merged.readers,
            [AccessEntry::Key(fp(3)), AccessEntry::Key(fp(4))]
        );
        // Without a base, both sides' entries are kept.
        let union = merge_access(None, &ours, &theirs);
        assert_eq!(union.readers.len(), 4);
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        fn pick<T: Clone + std::fmt::Debug + 'static>(
            pool: &'static [T],
        ) -> impl Strategy<Value = T> {
            proptest::sample::select(pool)
        }

        fn subset(pool: &'static [&'static str]) -> impl Strategy<Value = Vec<String>> {
            proptest::sample::subsequence(pool, 0..=pool.len())
                .prop_map(|v| v.into_iter().map(String::from).collect())
        }

        fn date(day: u32) -> NaiveDate {
            NaiveDate::from_ymd_opt(2026, 1, day).unwrap()
        }

        fn record() -> impl Strategy<Value = CaseRecord> {
            let parties = proptest::sample::subsequence(&["p1", "p2", "p3"][..], 0..=3)
                .prop_flat_map(|ids| {
                    let n = ids.len();
                    (
                        Just(ids),
                        proptest::collection::vec((pick(&["A", "B"]), pick(&["x", "y"])), n),
                    )
                })
                .prop_map(|(ids, attrs)| {
                    ids.into_iter()
                        .zip(attrs)
                        .map(|(id, (name, role))| Party {
                            id: id.into(),
                            name: name.into(),
                            role: role.into(),
                            ..Default::default()
                        })
                        .collect::<Vec<_>>()
                });
            let deadlines = proptest::sample::subsequence(&["d1", "d2"][..], 0..=2)
                .prop_flat_map(|ids| {
                    let n = ids.len();
                    (
                        Just(ids),
                        proptest::collection::vec((1u32..3, any::<bool>()), n),
                    )
                })
                .prop_map(|(ids, attrs)| {
                    ids.into_iter()
                        .zip(attrs)
                        .map(|(id, (day, done))| Deadline {
                            id: id.into(),
                            date: date(day),
                            what: "w".into(),
                            done,
                            ..Default::default()
                        })
                        .collect::<Vec<_>>()
                });
            (
                pick(&["T1", "T2", "T3"]),
                proptest::option::of(pick(&["area1", "area2"])),
                proptest::option::of(pick(&["111", "222"])),
                subset(&["a", "b", "c"]),
                parties,
                deadlines,
                proptest::option::of(pick(&["e1", "e2"])),
            )
                .prop_map(|(title, area, phone, tags, parties, deadlines, extra)| {
                    let mut r = CaseRecord::default();
                    r.reference = "R".into();
                    r.title = title.into();
                    r.practice_area = area.map(String::from);
                    r.client = Client {
                        name: "C".into(),
                        contact: Contact {
                            phone: phone.map(String::from),
                            ..Default::default()
                        },
                        ..Default::default()
                    };
                    r.tags = tags;
                    r.parties = parties;
                    r.deadlines = deadlines;
                    if let Some(e) = extra {
                        r.extra.insert("future".into(), Value::String(e.into()));
                    }
                    r
                })
        }

        /// Lists sorted, so merges that differ only in order compare equal.
        fn normalized(mut r: CaseRecord) -> CaseRecord {
            r.tags.sort();
            r.parties.sort_by(|a, b| a.id.cmp(&b.id));
            r.deadlines.sort_by(|a, b| a.id.cmp(&b.id));
            r
        }

        fn conflict_fields(m: &RecordMerge) -> Vec<String> {
            let mut f: Vec<String> = m.conflicts.iter().map(|c| c.field.clone()).collect();
            f.sort();
            f
        }

        proptest! {
            #[test]
            fn only_ours_changed_gives_ours(b in record(), x in record()) {
                let m = merge_records(Some(&b), &x, &b, &none).unwrap();
                prop_assert!(m.conflicts.is_empty());
                prop_assert_eq!(m.merged, x);
            }

            #[test]
            fn only_theirs_changed_gives_theirs(b in record(), x in record()) {
                let m = merge_records(Some(&b), &b, &x, &none).unwrap();
                prop_assert!(m.conflicts.is_empty());
                prop_assert_eq!(m.merged, x);
            }

            #[test]
            fn nothing_changed_gives_the_same(x in record()) {
                let m = merge_records(Some(&x), &x, &x, &none).unwrap();
                prop_assert!(m.conflicts.is_empty());
                prop_assert_eq!(m.merged, x);
            }

            #[test]
            fn swapping_sides_gives_the_same_result(b in record(), o in record(), t in record()) {
                let ot = merge_records(Some(&b), &o, &t, &none).unwrap();
                let to = merge_records(Some(&b), &t, &o, &none).unwrap();
                prop_assert_eq!(conflict_fields(&ot), conflict_fields(&to));
                if ot.conflicts.is_empty() {
                    prop_assert_eq!(normalized(ot.merged), normalized(to.merged));
                }
            }

            #[test]
            fn taking_ours_for_every_conflict_leaves_none(b in record(), o in record(), t in record()) {
                let m = merge_records(Some(&b), &o, &t, &|_| Some(Side::Ours)).unwrap();
                prop_assert!(m.conflicts.is_empty());
                let unresolved = merge_records(Some(&b), &o, &t, &none).unwrap();
                prop_assert_eq!(m.merged, unresolved.merged);
            }
        }
    }

    mod edit_properties {
        //! Property tests (issue 16, point 4): a merge never loses an edit
        //! only one side made, is symmetric when the sides touch different
        //! fields, and keeps fields dossier does not know.
        use super::*;
        use proptest::prelude::*;

        /// Fields a person may edit, by path (the `x_` ones are unknown to
        /// dossier, as a newer version's would be).
        const FIELDS: &[&str] = &[
            "title",
            "reference",
            "practice_area",
            "retention_until",
            "client.name",
            "client.nationality",
            "x_future_field",
            "client.x_future_client_field",
        ];

        fn value_for(field: &str, n: u16) -> serde_yaml::Value {
            if field == "retention_until" {
                // One year per value, so different values are different dates.
                return format!("{}-01-01", 2100 + u32::from(n)).into();
            }
            format!("{field} value {n}").into()
        }

        fn set(doc: &mut serde_yaml::Value, path: &str, value: serde_yaml::Value) {
            let mut at = doc;
            let mut parts = path.split('.').peekable();
            while let Some(key) = parts.next() {
                let map = at.as_mapping_mut().expect("a mapping");
                if parts.peek().is_none() {
                    map.insert(key.into(), value);
                    return;
                }
                at = map
                    .entry(key.into())
                    .or_insert_with(|| serde_yaml::Mapping::new().into());
            }
        }

        fn record(doc: &serde_yaml::Value) -> CaseRecord {
            let text = serde_yaml::to_string(doc).unwrap();
            CaseRecord::parse(text.as_bytes(), "prop").unwrap()
        }

        fn base_doc(values: &[u16]) -> serde_yaml::Value {
            let mut doc: serde_yaml::Value = serde_yaml::Mapping::new().into();
            for (field, n) in FIELDS.iter().zip(values) {
                set(&mut doc, field, value_for(field, *n));
            }
            doc
        }

        /// Which side edits each field: 0 neither, 1 ours, 2 theirs.
        fn plan() -> impl Strategy<Value = (Vec<u16>, Vec<(u8, u16)>)> {
            (
                prop::collection::vec(0u16..500, FIELDS.len()),
                prop::collection::vec((0u8..3, 500u16..1000), FIELDS.len()),
            )
        }

        proptest! {
            #[test]
            fn edits_on_different_fields_all_survive_in_either_order((base, edits) in plan()) {
                let base_doc = base_doc(&base);
                let (mut ours, mut theirs) = (base_doc.clone(), base_doc.clone());
                let mut expected = base_doc.clone();
                for ((field, (side, n)), _) in FIELDS.iter().zip(&edits).zip(&base) {
                    let v = value_for(field, *n);
                    match side {
                        1 => set(&mut ours, field, v.clone()),
                        2 => set(&mut theirs, field, v.clone()),
                        _ => continue,
                    }
                    set(&mut expected, field, v);
                }
                let (base, ours, theirs) = (record(&base_doc), record(&ours), record(&theirs));
                let one = merge_records(Some(&base), &ours, &theirs, &none).unwrap();
                let other = merge_records(Some(&base), &theirs, &ours, &none).unwrap();
                prop_assert!(one.conflicts.is_empty());
                prop_assert!(other.conflicts.is_empty());
                prop_assert!(one.merged == record(&expected), "an edit was lost");
                prop_assert!(one.merged == other.merged, "the merge is not symmetric");
            }

            #[test]
            fn the_same_field_changed_differently_is_one_conflict_either_way(
                (base, _) in plan(),
                field in 0usize..FIELDS.len(),
            ) {
                let base_doc = base_doc(&base);
                let (mut ours, mut theirs) = (base_doc.clone(), base_doc.clone());
                set(&mut ours, FIELDS[field], value_for(FIELDS[field], 600));
                set(&mut theirs, FIELDS[field], value_for(FIELDS[field], 700));
                let (b, o, t) = (record(&base_doc), record(&ours), record(&theirs));
                let one = merge_records(Some(&b), &o, &t, &none).unwrap();
                let other = merge_records(Some(&b), &t, &o, &none).unwrap();
                prop_assert_eq!(one.conflicts.len(), 1);
                prop_assert_eq!(other.conflicts.len(), 1);
                prop_assert!(one.merged == o, "ours is kept while the conflict stands");
            }

            #[test]
            fn a_record_written_back_keeps_every_field_it_does_not_know((base, _) in plan()) {
                let doc = base_doc(&base);
                let parsed = record(&doc);
                let again = CaseRecord::parse(parsed.to_yaml().unwrap().as_bytes(), "prop").unwrap();
                prop_assert!(again == parsed);
                let text = parsed.to_yaml().unwrap();
                prop_assert!(text.contains("x_future_field: x_future_field value"));
                prop_assert!(text.contains("x_future_client_field: client.x_future_client_field value"));
            }
        }
    }
}
