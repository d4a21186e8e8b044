//! What the screens show, as plain data: the vault's public state, an
//! opened case and who can read it.
//!
//! Screens render only these structs, never a `Vault`, so render tests can
//! build them in memory (STYLE: no render test needs a live system). This is
//! the lowest TUI module: the jobs layer carries these values and the job
//! bodies in [`crate::tui::data`] build them.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use dossier::case::{AccessEntry, AccessList};
use dossier::keys::fingerprint::Fingerprint;
use dossier::ops::cases::OpenCase;
use dossier::ops::documents::Document;
use dossier::vault::keyring::{Role, Validity};

/// One key of the keyring, as the keyring view shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyRow {
    /// Fingerprint.
    pub fingerprint: Fingerprint,
    /// Name on the card.
    pub name: String,
    /// Email on the card.
    pub email: String,
    /// Validity now.
    pub validity: Validity,
    /// Role in the vault.
    pub role: Role,
    /// Who certified it.
    pub certified_by: Option<Fingerprint>,
    /// Card creation.
    pub created: DateTime<Utc>,
    /// Current expiry (the binding's, else the card's).
    pub expires: Option<DateTime<Utc>>,
    /// The current age recipient (after any rotation).
    pub age_recipient: String,
    /// Whether it is the user's own key.
    pub me: bool,
}

/// The vault's public state.
#[derive(Debug, Clone, Default)]
pub struct VaultInfo {
    /// The vault's name.
    pub name: String,
    /// Every key.
    pub keys: Vec<KeyRow>,
    /// Groups and members.
    pub groups: BTreeMap<String, Vec<Fingerprint>>,
    /// Warnings found loading the keyring or groups.
    pub problems: Vec<String>,
}

impl VaultInfo {
    /// A person's name, or their short fingerprint when unknown.
    pub fn name_of(&self, fp: &Fingerprint) -> String {
        self.keys
            .iter()
            .find(|k| k.fingerprint == *fp)
            .map(|k| k.name.clone())
            .unwrap_or_else(|| fp.short())
    }

    /// Whether `fp` is a certified root or administrator.
    pub fn is_admin(&self, fp: &Fingerprint) -> bool {
        self.keys.iter().any(|k| {
            k.fingerprint == *fp && k.role != Role::Staff && k.validity == Validity::Certified
        })
    }
}

/// How someone can read a case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AccessKind {
    /// Owner.
    Owner,
    /// Reader by name.
    Reader,
    /// A group entry.
    Group(String),
    /// A member of a group on the list.
    Member(String),
}

/// One row of the access tab.
#[derive(Debug, Clone, PartialEq)]
pub struct AccessRow {
    /// The entry it comes from (for revoking); `None` for group members.
    pub entry: Option<AccessEntry>,
    /// How.
    pub kind: AccessKind,
    /// Name (or group name).
    pub name: String,
    /// Fingerprint, for people.
    pub fingerprint: Option<Fingerprint>,
    /// Validity, for people.
    pub validity: Option<Validity>,
}

/// A case opened in the detail view.
#[derive(Debug, Clone)]
pub struct LoadedCase {
    /// Record, access list, notes.
    pub case: OpenCase,
    /// Attachments.
    pub documents: Vec<Document>,
    /// Who can read it, resolved.
    pub access: Vec<AccessRow>,
}

/// Builds the access rows of a list.
pub fn access_rows(info: &VaultInfo, list: &AccessList) -> Vec<AccessRow> {
    let validity = |fp: &Fingerprint| {
        info.keys
            .iter()
            .find(|k| k.fingerprint == *fp)
            .map(|k| k.validity.clone())
    };
    let mut rows = Vec::new();
    for entry in list.entries() {
        match &entry {
            AccessEntry::Key(fp) => rows.push(AccessRow {
                kind: if list.owners.contains(fp) {
                    AccessKind::Owner
                } else {
                    AccessKind::Reader
                },
                name: info.name_of(fp),
                fingerprint: Some(*fp),
                validity: validity(fp),
                entry: Some(entry.clone()),
            }),
            AccessEntry::Group(g) => {
                rows.push(AccessRow {
                    kind: AccessKind::Group(g.clone()),
                    name: format!("@{g}"),
                    fingerprint: None,
                    validity: None,
                    entry: Some(entry.clone()),
                });
                for m in info.groups.get(g).into_iter().flatten() {
                    rows.push(AccessRow {
                        kind: AccessKind::Member(g.clone()),
                        name: info.name_of(m),
                        fingerprint: Some(*m),
                        validity: validity(m),
                        entry: None,
                    });
                }
            }
        }
    }
    rows
}
