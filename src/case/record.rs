//! The case record: the YAML document inside `case.yaml.age` (DESIGN §5).
//!
//! Every struct keeps the fields it does not know in `extra`, so a record
//! written by a newer dossier survives a rewrite by an older one. List items
//! carry a short random `id` so that concurrent edits can be merged by
//! identity, not position.

use crate::keys::fingerprint::Fingerprint;
use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use zeroize::Zeroize;

use crate::case::id::item_id;
use crate::error::Result;
use crate::support::secret::Zeroizing;
use crate::support::yaml::{self, Value};

/// Fields this version does not know, kept as they were.
pub type Extra = BTreeMap<String, Value>;

/// Where a case stands.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Work in progress.
    #[default]
    Open,
    /// Waiting on someone else.
    Pending,
    /// Finished.
    Closed,
    /// Kept for the record only.
    Archived,
}

/// How carefully a case must be handled.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum Sensitivity {
    /// Ordinary client confidentiality.
    #[default]
    Standard,
    /// Higher care: limited staff.
    Confidential,
    /// Highest care: named individuals only.
    Restricted,
}

macro_rules! text_enum_display {
    ($t:ty) => {
        impl std::fmt::Display for $t {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                let v = serde_yaml_name(self);
                f.write_str(&v)
            }
        }
    };
}
text_enum_display!(Status);
text_enum_display!(Sensitivity);

fn serde_yaml_name<T: Serialize>(v: &T) -> String {
    match yaml::to_value(v) {
        Ok(Value::String(s)) => s,
        _ => String::new(),
    }
}

/// The case record.
#[derive(Clone, Default, PartialEq, Serialize, Deserialize, Zeroize)]
pub struct CaseRecord {
    /// The firm's own reference number.
    pub reference: String,
    /// Short title.
    pub title: String,
    /// Where the case stands.
    #[serde(default)]
    #[zeroize(skip)]
    pub status: Status,
    /// Area of law.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub practice_area: Option<String>,
    /// Jurisdictions involved.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub jurisdictions: Vec<String>,
    /// Date opened.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[zeroize(skip)]
    pub opened: Option<NaiveDate>,
    /// Date closed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[zeroize(skip)]
    pub closed: Option<NaiveDate>,
    /// Handling level.
    #[serde(default)]
    #[zeroize(skip)]
    pub sensitivity: Sensitivity,
    /// Whether the client's identity is protected: lists show the pseudonym.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub protected_identity: bool,
    /// The name shown instead of the client's when the identity is protected.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pseudonym: Option<String>,
    /// The client.
    #[serde(default)]
    pub client: Client,
    /// Other parties.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub parties: Vec<Party>,
    /// Deadlines.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub deadlines: Vec<Deadline>,
    /// Consents given by the client.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub consents: Vec<Consent>,
    /// Disclosures made to third parties.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub disclosures: Vec<Disclosure>,
    /// Conditions on information received (the rule of speciality),
    /// enforced on disclosure until released.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conditions: Vec<Condition>,
    /// Disclosures waiting for a second person's approval (four eyes);
    /// kept once approved.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub disclosure_requests: Vec<DisclosureRequest>,
    /// Conflict-of-interest checks made for this case.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conflict_checks: Vec<ConflictCheck>,
    /// When the file must be reviewed for deletion.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[zeroize(skip)]
    pub retention_until: Option<NaiveDate>,
    /// Free tags.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// Unknown fields, preserved.
    #[serde(flatten)]
    #[zeroize(skip)]
    pub extra: Extra,
}

/// A record wipes its text when dropped: titles, names, notes of
/// deadlines and every unknown field, in this struct and every list item
/// (dates, enums and fingerprints are not content, and stay).
impl Drop for CaseRecord {
    fn drop(&mut self) {
        self.wipe();
    }
}

impl CaseRecord {
    /// Overwrites every text of the record with zeros and empties it.
    fn wipe(&mut self) {
        self.zeroize();
        for extra in self.extras() {
            wipe_extra(extra);
        }
    }

    /// Every map of unknown fields in the record.
    fn extras(&mut self) -> Vec<&mut Extra> {
        let mut all = vec![&mut self.extra, &mut self.client.extra];
        all.push(&mut self.client.contact.extra);
        all.extend(self.client.identifiers.iter_mut().map(|i| &mut i.extra));
        all.extend(self.parties.iter_mut().map(|i| &mut i.extra));
        all.extend(self.deadlines.iter_mut().map(|i| &mut i.extra));
        all.extend(self.consents.iter_mut().map(|i| &mut i.extra));
        all.extend(self.conditions.iter_mut().map(|i| &mut i.extra));
        all.extend(self.disclosures.iter_mut().map(|i| &mut i.extra));
        all.extend(self.disclosure_requests.iter_mut().map(|i| &mut i.extra));
        all
    }
}

/// Wipes every string of a map of unknown fields, then empties it.
fn wipe_extra(extra: &mut Extra) {
    for (mut key, mut value) in std::mem::take(extra) {
        key.zeroize();
        wipe_value(&mut value);
    }
}

/// Wipes every string in a YAML value, keys of mappings included.
fn wipe_value(value: &mut Value) {
    match value {
        Value::String(s) => s.zeroize(),
        Value::Sequence(items) => items.iter_mut().for_each(wipe_value),
        Value::Mapping(map) => {
            for (mut key, mut v) in std::mem::take(map) {
                wipe_value(&mut key);
                wipe_value(&mut v);
            }
        }
        Value::Tagged(tagged) => wipe_value(&mut tagged.value),
        Value::Null | Value::Bool(_) | Value::Number(_) => {}
    }
}

/// The client.
#[derive(Clone, Default, PartialEq, Serialize, Deserialize, Zeroize)]
pub struct Client {
    /// Full name.
    #[serde(default)]
    pub name: String,
    /// Other names the client is known by (maiden names, spellings,
    /// transliterations): the conflict check looks for them too.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    /// Date of birth.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[zeroize(skip)]
    pub date_of_birth: Option<NaiveDate>,
    /// Nationality.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nationality: Option<String>,
    /// Passport, case or file numbers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub identifiers: Vec<Identifier>,
    /// How to reach the client.
    #[serde(default, skip_serializing_if = "Contact::is_empty")]
    pub contact: Contact,
    /// Unknown fields, preserved.
    #[serde(flatten)]
    #[zeroize(skip)]
    pub extra: Extra,
}

/// An identifying number.
#[derive(Clone, Default, PartialEq, Serialize, Deserialize, Zeroize)]
pub struct Identifier {
    /// What it is (passport, national id, Home Office ref...).
    pub kind: String,
    /// The number.
    pub value: String,
    /// Unknown fields, preserved.
    #[serde(flatten)]
    #[zeroize(skip)]
    pub extra: Extra,
}

/// Contact details.
#[derive(Clone, Default, PartialEq, Serialize, Deserialize, Zeroize)]
pub struct Contact {
    /// Email.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Phone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// Postal address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    /// Unknown fields, preserved.
    #[serde(flatten)]
    #[zeroize(skip)]
    pub extra: Extra,
}

impl Contact {
    fn is_empty(&self) -> bool {
        self.email.is_none()
            && self.phone.is_none()
            && self.address.is_none()
            && self.extra.is_empty()
    }
}

/// Another party to the case.
#[derive(Clone, Default, PartialEq, Serialize, Deserialize, Zeroize)]
pub struct Party {
    /// Stable identity for merging.
    #[serde(default = "item_id")]
    pub id: String,
    /// Name.
    pub name: String,
    /// Role (opponent, witness, sponsor...).
    #[serde(default)]
    pub role: String,
    /// Unknown fields, preserved.
    #[serde(flatten)]
    #[zeroize(skip)]
    pub extra: Extra,
}

/// A deadline.
#[derive(Clone, Default, PartialEq, Serialize, Deserialize, Zeroize)]
pub struct Deadline {
    /// Stable identity for merging.
    #[serde(default = "item_id")]
    pub id: String,
    /// Due date.
    #[zeroize(skip)]
    pub date: NaiveDate,
    /// What is due.
    pub what: String,
    /// Whether it is done.
    #[serde(default)]
    pub done: bool,
    /// Unknown fields, preserved.
    #[serde(flatten)]
    #[zeroize(skip)]
    pub extra: Extra,
}

/// A consent given by or for the client.
#[derive(Clone, Default, PartialEq, Serialize, Deserialize, Zeroize)]
pub struct Consent {
    /// Stable identity for merging.
    #[serde(default = "item_id")]
    pub id: String,
    /// When given.
    #[zeroize(skip)]
    pub date: NaiveDate,
    /// Who gave it.
    pub given_by: String,
    /// What it covers.
    pub scope: String,
    /// When it lapses.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[zeroize(skip)]
    pub expiry: Option<NaiveDate>,
    /// When it was withdrawn (kept, never deleted).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[zeroize(skip)]
    pub withdrawn: Option<NaiveDate>,
    /// Exactly what it covers, for enforcement: a disclosure on the basis
    /// of consent must fall inside it. A consent without it covers nothing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub covers: Option<ConsentScope>,
    /// Unknown fields, preserved.
    #[serde(flatten)]
    #[zeroize(skip)]
    pub extra: Extra,
}

/// A condition set by whoever supplied an item (a document or a field):
/// the rule of speciality of mutual legal assistance. While it is in force
/// and not released, a disclosure enclosing the item is refused.
#[derive(Clone, Default, PartialEq, Serialize, Deserialize, Zeroize)]
pub struct Condition {
    /// Stable identity for merging.
    #[serde(default = "item_id")]
    pub id: String,
    /// The item: `field:<path>` or `document:<id>`.
    pub item: String,
    /// Who set it (the supplying authority).
    pub set_by: String,
    /// The only purpose the item may be used for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub use_only_for: Option<String>,
    /// Whose consent an onward transfer needs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub no_onward_transfer_without: Option<String>,
    /// The last day it binds (binding indefinitely without one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[zeroize(skip)]
    pub until: Option<NaiveDate>,
    /// Its release, once recorded (kept, never deleted).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub released: Option<Release>,
    /// Unknown fields, preserved.
    #[serde(flatten)]
    #[zeroize(skip)]
    pub extra: Extra,
}

/// Who released a condition, when, and on what authority.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, Zeroize)]
pub struct Release {
    /// Who recorded the release.
    pub by: String,
    /// When.
    #[zeroize(skip)]
    pub date: NaiveDate,
    /// The authority's consent or decision it rests on.
    pub reference: String,
}

/// A disclosure prepared by one person, waiting for a second person's
/// approval (four eyes): everything the disclosure will be, and who asked.
#[derive(Clone, PartialEq, Serialize, Deserialize, Zeroize)]
pub struct DisclosureRequest {
    /// Stable identity for merging; what `--approve` names.
    #[serde(default = "item_id")]
    pub id: String,
    /// When it was asked for.
    #[zeroize(skip)]
    pub date: NaiveDate,
    /// Who asked (name, address and fingerprint).
    pub requested_by: String,
    /// The fingerprint of who asked: they cannot approve it themselves.
    #[zeroize(skip)]
    pub requested_by_key: Fingerprint,
    /// The recipient's public key.
    pub to: String,
    /// The legal basis token.
    pub basis: String,
    /// Field paths.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<String>,
    /// Document ids.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub documents: Vec<String>,
    /// Note file names.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// The order's or request's reference.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    /// Where the recipient is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jurisdiction: Option<String>,
    /// The instrument of a mutual legal assistance.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instrument: Option<String>,
    /// Why, for the basis `other`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub justification: Option<String>,
    /// Its approval, once given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approved: Option<Approved>,
    /// Unknown fields, preserved.
    #[serde(flatten)]
    #[zeroize(skip)]
    pub extra: Extra,
}

/// A conflict-of-interest check recorded on a case (usually at intake):
/// the names checked, when, by whom, and what it found.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, Zeroize)]
pub struct ConflictCheck {
    /// Stable identity for merging.
    #[serde(default = "item_id")]
    pub id: String,
    /// When.
    #[zeroize(skip)]
    pub date: NaiveDate,
    /// The names looked for.
    pub names: Vec<String>,
    /// What it found, in one sentence (case ids, roles, never content).
    pub result: String,
    /// Who checked (name, address and fingerprint).
    pub checked_by: String,
}

/// Who approved a disclosure request, and when.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, Zeroize)]
pub struct Approved {
    /// The approver (name, address and fingerprint).
    pub by: String,
    /// When.
    #[zeroize(skip)]
    pub date: NaiveDate,
}

/// What a consent allows to be disclosed, and to whom.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, Zeroize)]
pub struct ConsentScope {
    /// Field paths of the record (`client.name`, `title`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<String>,
    /// Document ids.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub documents: Vec<String>,
    /// Note file names.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// Recipients' public keys (`age1…`, `ssh-ed25519 …`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub recipients: Vec<String>,
}

/// One item a disclosure enclosed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, Zeroize)]
pub struct Enclosed {
    /// `field`, `document` or `note`.
    pub kind: String,
    /// The field path, document id or note file name.
    pub name: String,
    /// SHA-256 of the item as enclosed, hex.
    pub sha256: String,
}

/// A disclosure of case information to a third party.
#[derive(Clone, Default, PartialEq, Serialize, Deserialize, Zeroize)]
pub struct Disclosure {
    /// Stable identity for merging.
    #[serde(default = "item_id")]
    pub id: String,
    /// When.
    #[zeroize(skip)]
    pub date: NaiveDate,
    /// To whom.
    pub to: String,
    /// Legal basis (court order, statutory duty, client consent, public safety).
    pub legal_basis: String,
    /// What was disclosed.
    pub scope: String,
    /// Who authorised it.
    pub authorised_by: String,
    /// The order's or request's reference.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    /// Where the recipient is (a country code), for a transfer abroad.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jurisdiction: Option<String>,
    /// The instrument (treaty, request number) of a mutual legal assistance.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instrument: Option<String>,
    /// Why, for a disclosure on the basis `other`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub justification: Option<String>,
    /// The public key the export was encrypted to, alone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recipient_key: Option<String>,
    /// Exactly what left, item by item.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub enclosed: Vec<Enclosed>,
    /// SHA-256 of the export file, hex.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub export_sha256: Option<String>,
    /// Who approved it, when it needed a second person (four eyes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approved_by: Option<String>,
    /// The request it carried out, when it was approved.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<String>,
    /// Unknown fields, preserved.
    #[serde(flatten)]
    #[zeroize(skip)]
    pub extra: Extra,
}

impl CaseRecord {
    /// Parses decrypted record bytes; `what` names the case in errors.
    pub fn parse(plain: &[u8], what: &str) -> Result<CaseRecord> {
        yaml::parse_bytes(plain, what)
    }

    /// The record as YAML, in a buffer wiped on drop.
    pub fn to_yaml(&self) -> Result<Zeroizing<String>> {
        yaml::render(self).map(Zeroizing::new)
    }

    /// What lists and exports show for the client: the pseudonym when the
    /// identity is protected.
    pub fn display_client(&self) -> &str {
        if self.protected_identity {
            self.shown_pseudonym().unwrap_or("(protected)")
        } else {
            &self.client.name
        }
    }

    /// The pseudonym, when the identity is protected and has one: what
    /// lists, registers and cover sheets show instead of the client.
    pub fn shown_pseudonym(&self) -> Option<&str> {
        self.protected_identity
            .then_some(self.pseudonym.as_deref())
            .flatten()
    }

    /// The earliest deadline not yet done.
    pub fn next_deadline(&self) -> Option<&Deadline> {
        self.deadlines
            .iter()
            .filter(|d| !d.done)
            .min_by_key(|d| d.date)
    }
}

// Decrypted content: Debug never shows it.
crate::redacted_debug!(
    CaseRecord,
    Client,
    Identifier,
    Contact,
    Party,
    Deadline,
    Consent,
    Disclosure,
    Condition,
    DisclosureRequest
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wiped_record_keeps_no_text_in_any_field_item_or_unknown_field() {
        let text = "reference: WIPE-ref\ntitle: WIPE title\npractice_area: WIPE\n\
            pseudonym: WIPE p\ntags: [WIPE]\njurisdictions: [WIPE]\n\
            future: {WIPE-key: [WIPE, {deep: WIPE}], n: 1}\n\
            client:\n  name: WIPE name\n  aliases: [WIPE]\n  nationality: WIPE\n\
            \x20 identifiers: [{kind: WIPE, value: WIPE, x: WIPE}]\n\
            \x20 contact: {email: WIPE, phone: WIPE, address: WIPE, pager: WIPE}\n\
            parties: [{id: WIPE, name: WIPE, role: WIPE, badge: WIPE}]\n\
            deadlines: [{id: d1, date: 2026-01-05, what: WIPE, later: WIPE}]\n\
            consents: [{id: c1, date: 2026-01-05, given_by: WIPE, scope: WIPE}]\n";
        let mut record = CaseRecord::parse(text.as_bytes(), "t").unwrap();
        let before = record.to_yaml().unwrap();
        assert_eq!(before.matches("WIPE").count(), 27, "{}", &*before);
        record.wipe();
        let after = record.to_yaml().unwrap();
        assert!(!after.contains("WIPE"), "{}", &*after);
    }

    #[test]
    fn unknown_fields_survive_a_rewrite_at_every_level() {
        let text = "reference: R-1\ntitle: T\nfuture_field: {a: 1}\nclient:\n  name: C\n  new_thing: x\n  contact:\n    email: c@x\n    pager: '123'\nparties:\n- id: p1\n  name: P\n  role: witness\n  badge: 7\n";
        let record = CaseRecord::parse(text.as_bytes(), "t").unwrap();
        let again = CaseRecord::parse(record.to_yaml().unwrap().as_bytes(), "t").unwrap();
        assert_eq!(record, again);
        let out = record.to_yaml().unwrap();
        for needle in ["future_field", "new_thing", "pager", "badge"] {
            assert!(out.contains(needle), "{needle} lost in:\n{}", &*out);
        }
    }

    #[test]
    fn list_items_get_ids_and_protected_clients_show_pseudonyms() {
        let text = "reference: R\ntitle: T\nprotected_identity: true\npseudonym: Client K\nclient: {name: Real Name}\ndeadlines:\n- {date: 2027-01-02, what: file}\n- {date: 2026-12-01, what: serve, done: true}\n";
        let record = CaseRecord::parse(text.as_bytes(), "t").unwrap();
        assert_eq!(record.display_client(), "Client K");
        assert_eq!(record.deadlines[0].id.len(), 8);
        assert_eq!(record.next_deadline().unwrap().what, "file");
        assert_eq!(record.status.to_string(), "open");
    }

    #[test]
    fn a_bad_enum_value_is_a_malformed_record() {
        let err = CaseRecord::parse(b"reference: R\ntitle: T\nstatus: maybe\n", "t").unwrap_err();
        assert!(err.to_string().contains("unknown value"), "{err}");
    }
}
