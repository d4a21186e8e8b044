//! Named groups of people (`.dossier/groups.yaml`, signed by an administrator).
//!
//! A group lets a case be shared with `@litigation` instead of five
//! fingerprints. An unsigned or wrongly signed groups file is not honoured:
//! every group is then unknown, and grants to it are refused.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::keys::fingerprint::Fingerprint;
use crate::keys::signed::Signed;
use crate::repo::snapshot::Files;
use crate::support::yaml;
use crate::vault::keyring::Keyring;

/// Path of the groups file, relative to the vault root.
pub use crate::vault::layout::GROUPS_PATH;

/// The groups document.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct GroupsDoc {
    /// Format version.
    pub dossier_groups: u32,
    /// The git blob id of the version this one replaces (format 2 on;
    /// absent for a first version): see [`crate::vault::succession`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replaces: Option<String>,
    /// Name → members.
    #[serde(default)]
    pub groups: BTreeMap<String, Vec<Fingerprint>>,
}

/// The vault's groups, as far as they can be trusted.
#[derive(Debug, Clone, Default)]
pub struct Groups {
    doc: GroupsDoc,
    problem: Option<String>,
}

impl Groups {
    /// Loads and checks `groups.yaml` of a vault state (a commit, or a
    /// working tree); an untrusted file yields no groups and a problem.
    pub fn load_from(files: &dyn Files, keyring: &Keyring) -> Result<Groups> {
        let read = Signed::read(
            |p| files.read(p),
            GROUPS_PATH,
            GROUPS_PATH,
            |bytes| yaml::parse_bytes::<GroupsDoc>(bytes, GROUPS_PATH),
        );
        let checked = match read {
            Ok(None) => return Ok(Groups::default()),
            Ok(Some(signed)) => signed
                .signed_by(
                    |_, signer| keyring.is_valid_admin(signer),
                    GROUPS_PATH,
                    "who is not a valid administrator",
                )
                .map(|s| s.doc),
            Err(e) => Err(e),
        };
        Ok(match checked {
            Ok(doc) => Groups { doc, problem: None },
            Err(e) => Groups {
                doc: GroupsDoc::default(),
                problem: Some(e.to_string()),
            },
        })
    }

    /// Groups as a change is about to make them (already checked and signed
    /// by the acting administrator).
    pub(crate) fn from_doc(doc: GroupsDoc) -> Groups {
        Groups { doc, problem: None }
    }

    /// Members of a group.
    pub fn members(&self, name: &str) -> Result<&[Fingerprint]> {
        match self.doc.groups.get(name) {
            Some(m) => Ok(m),
            None => match &self.problem {
                Some(p) => Err(Error::UnusableGroup {
                    group: name.to_string(),
                    problem: p.clone(),
                }),
                None => Err(Error::UnknownGroup(name.to_string())),
            },
        }
    }

    /// The document (for editing).
    pub fn doc(&self) -> &GroupsDoc {
        &self.doc
    }

    /// Why the groups file was not honoured, if it was not.
    pub fn problem(&self) -> Option<&str> {
        self.problem.as_deref()
    }
}
