//! Access lists: who may read a case (`cases/<id>/access.yaml`, signed).
//!
//! Owners are fingerprints; readers are fingerprints or `@group`s. The list
//! names its case, so a signed list cannot be replayed onto another case.
//! Whether a list may be honoured (who signed it) is [`crate::trust::policy`]'s job.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::case::id::CaseId;
use crate::error::{Error, Result};
use crate::keys::fingerprint::Fingerprint;
use crate::support::yaml;

/// Format 2 adds `replaces` ([`crate::vault::succession`]); format 1 is still read.
const ACCESS_VERSION: u32 = 2;

/// One reader entry: a person or a group.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AccessEntry {
    /// A person, by fingerprint.
    Key(Fingerprint),
    /// A named group (`@name`).
    Group(String),
}

impl fmt::Display for AccessEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AccessEntry::Key(fp) => write!(f, "{fp}"),
            AccessEntry::Group(g) => write!(f, "@{g}"),
        }
    }
}

impl FromStr for AccessEntry {
    type Err = Error;
    fn from_str(s: &str) -> Result<AccessEntry> {
        match s.strip_prefix('@') {
            Some(name) if is_group_name(name) => Ok(AccessEntry::Group(name.to_string())),
            Some(name) => Err(Error::UnknownGroup(name.to_string())),
            None => s.parse().map(AccessEntry::Key),
        }
    }
}

/// Whether `name` is a usable group name (letters, digits, `-`, `_`).
pub fn is_group_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

impl Serialize for AccessEntry {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

impl<'de> Deserialize<'de> for AccessEntry {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse()
            .map_err(|_| serde::de::Error::custom("not a fingerprint or @group"))
    }
}

/// The access list of one case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccessList {
    /// Format version.
    pub dossier_access: u32,
    /// The git blob id of the version this one replaces (format 2 on;
    /// absent for a first version): see [`crate::vault::succession`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replaces: Option<String>,
    /// The case this list belongs to.
    pub case: CaseId,
    /// Who may change the list and grant access.
    pub owners: Vec<Fingerprint>,
    /// Who may read, besides the owners.
    #[serde(default)]
    pub readers: Vec<AccessEntry>,
}

impl AccessList {
    /// A new list with one owner.
    pub fn new(case: CaseId, owner: Fingerprint) -> AccessList {
        AccessList {
            dossier_access: ACCESS_VERSION,
            replaces: None,
            case,
            owners: vec![owner],
            readers: Vec::new(),
        }
    }

    /// Parses `access.yaml` and checks it names `expected` case.
    pub fn parse(bytes: &[u8], expected: &CaseId) -> Result<AccessList> {
        let what = format!("the access list of case {expected}");
        let list: AccessList = yaml::parse_bytes(bytes, &what)?;
        if !(1..=ACCESS_VERSION).contains(&list.dossier_access) {
            return Err(Error::MalformedYaml {
                what,
                detail: "unknown format version".into(),
            });
        }
        if &list.case != expected {
            return Err(Error::BadSignature {
                what,
                reason: format!("it belongs to case {}", list.case),
            });
        }
        Ok(list)
    }

    /// Whether both lists give the same people access (their case, owners
    /// and readers), whatever version each replaces.
    pub fn same_access(&self, other: &AccessList) -> bool {
        self.case == other.case && self.owners == other.owners && self.readers == other.readers
    }

    /// The exact bytes to store and sign.
    pub fn to_yaml(&self) -> Result<String> {
        yaml::render(self)
    }

    /// Every entry: owners first (as keys), then readers, without duplicates.
    pub fn entries(&self) -> Vec<AccessEntry> {
        let mut out: Vec<AccessEntry> = self.owners.iter().copied().map(AccessEntry::Key).collect();
        for r in &self.readers {
            if !out.contains(r) {
                out.push(r.clone());
            }
        }
        out
    }

    /// Adds a reader; false when already present.
    pub fn grant(&mut self, entry: AccessEntry) -> bool {
        if self.entries().contains(&entry) {
            return false;
        }
        self.readers.push(entry);
        true
    }

    /// Removes a key from owners and readers alike, even the last owner
    /// (revocation: the case is then administered by administrators only).
    /// False when it was not on the list.
    pub fn remove_key(&mut self, fp: &Fingerprint) -> bool {
        let before = self.owners.len() + self.readers.len();
        self.owners.retain(|o| o != fp);
        self.readers.retain(|r| *r != AccessEntry::Key(*fp));
        self.owners.len() + self.readers.len() != before
    }

    /// Makes `fp` an owner (a reader of it moves up); false when it already is.
    pub fn add_owner(&mut self, fp: Fingerprint) -> bool {
        if self.owners.contains(&fp) {
            return false;
        }
        self.readers.retain(|r| *r != AccessEntry::Key(fp));
        self.owners.push(fp);
        true
    }

    /// Makes owner `fp` a reader, if another owner remains; false when it
    /// is not an owner.
    pub fn remove_owner(&mut self, fp: &Fingerprint) -> Result<bool> {
        if !self.owners.contains(fp) {
            return Ok(false);
        }
        if self.owners.len() == 1 {
            return Err(Error::LastOwner {
                case: self.case.to_string(),
                key: fp.to_string(),
            });
        }
        self.owners.retain(|o| o != fp);
        self.readers.push(AccessEntry::Key(*fp));
        Ok(true)
    }

    /// Removes a reader (or an owner, if another owner remains); false when absent.
    pub fn revoke(&mut self, entry: &AccessEntry) -> Result<bool> {
        if let AccessEntry::Key(fp) = entry {
            if self.owners.contains(fp) {
                if self.owners.len() == 1 {
                    return Err(Error::LastOwner {
                        case: self.case.to_string(),
                        key: fp.to_string(),
                    });
                }
                self.owners.retain(|o| o != fp);
                self.readers.retain(|r| r != entry);
                return Ok(true);
            }
        }
        let before = self.readers.len();
        self.readers.retain(|r| r != entry);
        Ok(self.readers.len() != before)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fp(b: u8) -> Fingerprint {
        let s = format!(
            "SHA256:{}",
            base64::Engine::encode(&base64::engine::general_purpose::STANDARD_NO_PAD, [b; 32])
        );
        s.parse().unwrap()
    }

    #[test]
    fn grant_and_revoke_keep_the_list_tidy() {
        let id = CaseId::random();
        let mut list = AccessList::new(id.clone(), fp(1));
        assert!(list.grant(AccessEntry::Key(fp(2))));
        assert!(!list.grant(AccessEntry::Key(fp(2))));
        assert!(!list.grant(AccessEntry::Key(fp(1))));
        assert!(list.grant("@litigation".parse().unwrap()));
        let text = list.to_yaml().unwrap();
        assert_eq!(AccessList::parse(text.as_bytes(), &id).unwrap(), list);
        assert!(list.revoke(&AccessEntry::Key(fp(2))).unwrap());
        assert!(
            list.revoke(&AccessEntry::Key(fp(1))).is_err(),
            "last owner stays"
        );
    }

    #[test]
    fn a_list_for_another_case_is_refused() {
        let list = AccessList::new(CaseId::random(), fp(1));
        let text = list.to_yaml().unwrap();
        assert!(AccessList::parse(text.as_bytes(), &CaseId::random()).is_err());
    }
}
