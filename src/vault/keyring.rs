//! The vault's keyring: everyone's public cards and what the vault thinks of
//! them (DESIGN §4).
//!
//! Layout under `.dossier/keyring/`:
//! - `<fp-id>.yaml`: the card, exactly as its owner exported it;
//! - `<fp-id>.yaml.sig`: an administrator's certification (SSHSIG over the card bytes);
//! - `<fp-id>.revoked.yaml` (+ `.sig`): a signed revocation;
//! - `<fp-id>.binding.yaml` (+ `.sig`): the owner's statement of their
//!   current encryption key and expiry (see [`crate::keys::binding`]).
//!
//! A card is *valid* when it is self-signed, certified by a valid
//! administrator, not revoked and not expired. Roots (from `vault.yaml`,
//! pinned by the client) are valid administrators by definition; other
//! administrators are valid when their own card is.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::keys::binding::Binding;
use crate::keys::card::KeyCard;
use crate::keys::fingerprint::{normalise_query, Fingerprint};
use crate::keys::signature::{self, DOCUMENT_NAMESPACE};
use crate::keys::signed::Signed;
use crate::repo::snapshot::Files;
use crate::support::yaml;

/// How the vault regards a key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "state", content = "detail")]
pub enum Validity {
    /// Certified by a valid administrator, not revoked, not expired.
    Certified,
    /// Present but not (validly) certified.
    Uncertified,
    /// Past its expiry date.
    Expired,
    /// Revoked.
    Revoked,
    /// Its binding (current encryption key) is present but not validly signed.
    Invalid,
}

impl std::fmt::Display for Validity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Validity::Certified => "certified",
            Validity::Uncertified => "uncertified",
            Validity::Expired => "expired",
            Validity::Revoked => "revoked",
            Validity::Invalid => "invalid binding",
        })
    }
}

/// A signed statement that a key must no longer be used.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Revocation {
    /// Format version.
    pub dossier_revocation: u32,
    /// The revoked key.
    pub key: Fingerprint,
    /// When.
    pub revoked_at: DateTime<Utc>,
    /// Why (free text, not confidential: "left the firm", "laptop lost").
    #[serde(default)]
    pub reason: String,
}

/// One key as the vault sees it.
#[derive(Debug, Clone)]
pub struct KeyEntry {
    /// The card.
    pub card: KeyCard,
    /// The fingerprint.
    pub fingerprint: Fingerprint,
    /// Who certified it, if the certification verified.
    pub certified_by: Option<Fingerprint>,
    /// The revocation, if one verified.
    pub revocation: Option<Revocation>,
    /// Whether it is a root or administrator of the vault.
    pub role: Role,
    /// The owner's current binding (rotated key, changed expiry), if any.
    pub binding: Option<Binding>,
    /// Why a binding file present for this key was not accepted.
    pub binding_problem: Option<String>,
}

impl KeyEntry {
    /// The current age recipient: the binding's, else the card's.
    pub fn age_recipient(&self) -> &str {
        match &self.binding {
            Some(b) => &b.age_recipient,
            None => &self.card.age_recipient,
        }
    }

    /// The current age recipient, parsed.
    pub fn recipient(&self) -> Result<age::x25519::Recipient> {
        match &self.binding {
            Some(b) => b.recipient(),
            None => self.card.recipient(),
        }
    }

    /// The current expiry: the binding's, else the card's.
    pub fn expires(&self) -> Option<DateTime<Utc>> {
        match &self.binding {
            Some(b) => b.expires,
            None => self.card.expires,
        }
    }

    /// Whether the key has expired at `now`.
    pub fn is_expired(&self, now: DateTime<Utc>) -> bool {
        self.expires().is_some_and(|e| e <= now)
    }
}

/// A key's role in the vault.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// A root administrator named in `vault.yaml`.
    Root,
    /// An administrator named in `vault.yaml`.
    Admin,
    /// Everyone else.
    Staff,
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Role::Root => "root",
            Role::Admin => "admin",
            Role::Staff => "staff",
        })
    }
}

/// All keys of a vault, with validity worked out at load time.
#[derive(Debug, Clone, Default)]
pub struct Keyring {
    entries: BTreeMap<Fingerprint, KeyEntry>,
    problems: Vec<String>,
}

pub use crate::vault::layout::KEYRING_DIR;
use crate::vault::layout::{card_path, certification_path, revocation_path, KeyringFile};

impl Keyring {
    /// Loads the keyring of any vault state (a commit, or a working tree),
    /// given the vault's roots and administrators.
    pub fn load_from(
        files: &dyn Files,
        roots: &[Fingerprint],
        admins: &[Fingerprint],
    ) -> Result<Keyring> {
        let mut ring = Keyring::default();
        let mut certs: BTreeMap<Fingerprint, Vec<u8>> = BTreeMap::new();
        let mut card_bytes: BTreeMap<Fingerprint, Vec<u8>> = BTreeMap::new();
        let mut revocations: BTreeMap<Fingerprint, (Vec<u8>, Option<Vec<u8>>)> = BTreeMap::new();
        let mut bindings: BTreeMap<Fingerprint, (Vec<u8>, Option<Vec<u8>>)> = BTreeMap::new();
        let read = |name: &str| -> Result<Vec<u8>> {
            Ok(files
                .read(&format!("{KEYRING_DIR}/{name}"))?
                .unwrap_or_default())
        };
        let read_sig = |name: &str| -> Result<Option<Vec<u8>>> {
            files.read(&format!("{KEYRING_DIR}/{name}.sig"))
        };
        for name in files.list(KEYRING_DIR)? {
            let Some((kind, is_sig, id)) = KeyringFile::classify(&name) else {
                continue;
            };
            if is_sig {
                continue; // read with the document it signs
            }
            let Some(fp) = Fingerprint::from_file_id(id) else {
                if kind == KeyringFile::Card {
                    ring.problems.push(format!(
                        "{KEYRING_DIR}/{name}: not named after a fingerprint"
                    ));
                }
                continue;
            };
            match kind {
                KeyringFile::Revocation => {
                    revocations.insert(fp, (read(&name)?, read_sig(&name)?));
                }
                KeyringFile::Binding => {
                    bindings.insert(fp, (read(&name)?, read_sig(&name)?));
                }
                KeyringFile::Certification => {
                    certs.insert(fp, read(&name)?);
                }
                KeyringFile::Card => {
                    card_bytes.insert(fp, read(&name)?);
                }
            }
        }
        for (fp, bytes) in &card_bytes {
            let what = format!("the key card {}", card_path(fp));
            match KeyCard::parse(bytes, &what) {
                Ok(card) if card.fingerprint().ok() == Some(*fp) => {
                    let role = if roots.contains(fp) {
                        Role::Root
                    } else if admins.contains(fp) {
                        Role::Admin
                    } else {
                        Role::Staff
                    };
                    ring.entries.insert(
                        *fp,
                        KeyEntry {
                            card,
                            fingerprint: *fp,
                            certified_by: None,
                            revocation: None,
                            role,
                            binding: None,
                            binding_problem: None,
                        },
                    );
                }
                Ok(_) => ring.problems.push(format!(
                    "{}: the card inside has a different fingerprint",
                    card_path(fp)
                )),
                Err(e) => ring.problems.push(format!("{}: {e}", card_path(fp))),
            }
        }
        ring.apply_revocations(&revocations);
        ring.apply_bindings(&bindings);
        ring.apply_certifications(&certs, &card_bytes);
        Ok(ring)
    }

    fn apply_bindings(&mut self, bindings: &BTreeMap<Fingerprint, (Vec<u8>, Option<Vec<u8>>)>) {
        for (fp, (bytes, sig)) in bindings {
            let Some(entry) = self.entries.get_mut(fp) else {
                continue;
            };
            match Binding::verify(
                bytes,
                sig.as_deref(),
                fp,
                entry.card.created,
                &crate::vault::layout::binding_path(fp),
            ) {
                Ok(b) => entry.binding = Some(b),
                Err(e) => {
                    self.problems.push(e.to_string());
                    entry.binding_problem = Some(e.to_string());
                }
            }
        }
    }

    fn apply_revocations(
        &mut self,
        revocations: &BTreeMap<Fingerprint, (Vec<u8>, Option<Vec<u8>>)>,
    ) {
        // A revocation counts when signed by the key itself or by any root or
        // administrator: revoking can only take trust away, so an
        // administrator whose own standing is in doubt may still revoke.
        for (fp, (bytes, sig)) in revocations {
            let what = revocation_path(fp);
            let Some(sig) = sig else {
                self.problems
                    .push(format!("{what}: the revocation is not signed"));
                continue;
            };
            let entries = &self.entries;
            let verdict = yaml::parse_bytes::<Revocation>(bytes, &what)
                .and_then(|rev| Signed::verify(rev, bytes.clone(), Some(sig), &what, ""))
                .and_then(|signed| {
                    signed.signed_by(
                        |rev, signer| {
                            rev.key == *fp
                                && (signer == fp
                                    || entries.get(signer).is_some_and(|e| e.role != Role::Staff))
                        },
                        &what,
                        "who may not revoke this key",
                    )
                })
                .map(|signed| signed.doc);
            match (verdict, self.entries.get_mut(fp)) {
                (Ok(rev), Some(entry)) => entry.revocation = Some(rev),
                (Ok(_), None) => {}
                (Err(e), _) => self.problems.push(e.to_string()),
            }
        }
    }

    fn apply_certifications(
        &mut self,
        certs: &BTreeMap<Fingerprint, Vec<u8>>,
        card_bytes: &BTreeMap<Fingerprint, Vec<u8>>,
    ) {
        // Each certification's signature is checked once; then a fixpoint:
        // roots certify; a certified, unrevoked administrator certifies
        // too. Certifications by anyone else are ignored.
        let signers: BTreeMap<Fingerprint, std::result::Result<Fingerprint, String>> = certs
            .iter()
            .filter_map(|(fp, sig)| {
                let bytes = card_bytes.get(fp)?;
                let signer = signature::verify(sig, DOCUMENT_NAMESPACE, bytes).map(|v| v.signer);
                Some((*fp, signer))
            })
            .collect();
        let now = Utc::now();
        loop {
            let mut changed = false;
            let certifiers: Vec<Fingerprint> = self
                .entries
                .values()
                .filter(|e| match e.role {
                    Role::Root => e.revocation.is_none(),
                    Role::Admin => {
                        e.certified_by.is_some()
                            && e.revocation.is_none()
                            && e.binding_problem.is_none()
                            && !e.is_expired(now)
                    }
                    Role::Staff => false,
                })
                .map(|e| e.fingerprint)
                .collect();
            for (fp, signer) in &signers {
                let Ok(signer) = signer else { continue };
                if !certifiers.contains(signer) {
                    continue;
                }
                if let Some(entry) = self.entries.get_mut(fp) {
                    if entry.certified_by.is_none() {
                        entry.certified_by = Some(*signer);
                        changed = true;
                    }
                }
            }
            if !changed {
                break;
            }
        }
        for (fp, signer) in &signers {
            if self
                .entries
                .get(fp)
                .is_some_and(|e| e.certified_by.is_none())
            {
                let why = match signer {
                    Ok(signer) => {
                        format!("certified by {signer}, who is not a valid administrator")
                    }
                    Err(reason) => reason.clone(),
                };
                self.problems.push(format!(
                    "{}: certification not accepted: {why}",
                    certification_path(fp)
                ));
            }
        }
    }

    /// The key's validity now.
    pub fn validity(&self, fp: &Fingerprint) -> Option<Validity> {
        self.entries.get(fp).map(|e| entry_validity(e, Utc::now()))
    }

    /// The key's validity at `when` (a commit's date): revoked whatever the
    /// date, expired when `when` is past its expiry.
    pub fn validity_at(&self, fp: &Fingerprint, when: DateTime<Utc>) -> Option<Validity> {
        self.entries.get(fp).map(|e| entry_validity(e, when))
    }

    /// A card by fingerprint.
    pub fn get(&self, fp: &Fingerprint) -> Option<&KeyEntry> {
        self.entries.get(fp)
    }

    /// Every key.
    pub fn entries(&self) -> impl Iterator<Item = &KeyEntry> {
        self.entries.values()
    }

    /// Problems found while loading (unreadable cards, rejected signatures).
    pub fn problems(&self) -> &[String] {
        &self.problems
    }

    /// Whether `fp` may act as an administrator now.
    pub fn is_valid_admin(&self, fp: &Fingerprint) -> bool {
        self.is_valid_admin_at(fp, Utc::now())
    }

    /// Whether `fp` could act as an administrator at `when` (a revoked key
    /// never can, whatever `when` is; `when` only decides expiry).
    pub fn is_valid_admin_at(&self, fp: &Fingerprint, when: DateTime<Utc>) -> bool {
        self.entries.get(fp).is_some_and(|e| {
            e.role != Role::Staff && entry_validity(e, when) == Validity::Certified
        })
    }

    /// Resolves what a user typed (a fingerprint or a unique prefix of one)
    /// to a key in the keyring.
    pub fn resolve(&self, query: &str) -> Result<Fingerprint> {
        if let Ok(fp) = query.parse::<Fingerprint>() {
            if self.entries.contains_key(&fp) {
                return Ok(fp);
            }
        }
        let wanted = normalise_query(query);
        if wanted.len() < "SHA256:".len() + 4 {
            return Err(Error::UnknownKey(query.to_string()));
        }
        let matches: Vec<&Fingerprint> = self
            .entries
            .keys()
            .filter(|fp| fp.to_string().starts_with(&wanted))
            .collect();
        match matches.as_slice() {
            [one] => Ok(**one),
            [] => Err(Error::UnknownKey(query.to_string())),
            _ => Err(Error::AmbiguousKey(query.to_string())),
        }
    }

    /// A short human label: `Name <email>` or the fingerprint.
    pub fn label(&self, fp: &Fingerprint) -> String {
        match self.entries.get(fp) {
            Some(e) => format!("{} <{}> {}", e.card.name, e.card.email, fp),
            None => fp.to_string(),
        }
    }

    /// The `allowed_signers` file for stock `git` and `ssh-keygen`: every
    /// certified key, principal = fingerprint. Revoked keys stay, limited
    /// with `valid-before` to their revocation time, so history signed
    /// before it still verifies.
    pub fn allowed_signers(&self) -> String {
        let mut out = String::from(
            "# Generated by dossier from .dossier/keyring: principal = key fingerprint.\n",
        );
        for e in self.entries.values() {
            if e.certified_by.is_none() {
                continue;
            }
            let mut options = vec!["namespaces=\"git,dossier\"".to_string()];
            if let Some(rev) = &e.revocation {
                options.push(format!(
                    "valid-before=\"{}\"",
                    rev.revoked_at.format("%Y%m%d%H%M%SZ")
                ));
            } else if let Some(exp) = e.expires() {
                options.push(format!("valid-before=\"{}\"", exp.format("%Y%m%d%H%M%SZ")));
            }
            out.push_str(&format!(
                "{} {} {}\n",
                e.fingerprint,
                options.join(","),
                e.card.signing_key
            ));
        }
        out
    }
}

fn entry_validity(e: &KeyEntry, now: DateTime<Utc>) -> Validity {
    if e.revocation.is_some() {
        Validity::Revoked
    } else if e.binding_problem.is_some() {
        Validity::Invalid
    } else if e.is_expired(now) {
        Validity::Expired
    } else if e.certified_by.is_some() {
        Validity::Certified
    } else {
        Validity::Uncertified
    }
}

impl Keyring {
    /// Adds or replaces a card as certified by `by` (for building the
    /// allowed-signers file of a change before it is committed).
    pub(crate) fn insert_certified(
        &mut self,
        card: KeyCard,
        by: Fingerprint,
        role: Role,
    ) -> Result<()> {
        let fp = card.fingerprint()?;
        let old = self.entries.get(&fp);
        let revocation = old.and_then(|e| e.revocation.clone());
        let binding = old.and_then(|e| e.binding.clone());
        let binding_problem = old.and_then(|e| e.binding_problem.clone());
        self.entries.insert(
            fp,
            KeyEntry {
                card,
                fingerprint: fp,
                certified_by: Some(by),
                revocation,
                role,
                binding,
                binding_problem,
            },
        );
        Ok(())
    }

    /// Marks a key revoked (for working out the state a change will create).
    pub(crate) fn set_revocation(&mut self, fp: &Fingerprint, revocation: Revocation) {
        if let Some(e) = self.entries.get_mut(fp) {
            e.revocation = Some(revocation);
        }
    }

    /// Records a key's new binding (for working out the state a change will create).
    pub(crate) fn set_binding(&mut self, fp: &Fingerprint, binding: Binding) {
        if let Some(e) = self.entries.get_mut(fp) {
            e.binding = Some(binding);
            e.binding_problem = None;
        }
    }

    /// Drops a card's certification (its card is being replaced).
    pub(crate) fn uncertify(&mut self, fp: &Fingerprint) {
        if let Some(e) = self.entries.get_mut(fp) {
            e.certified_by = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::KeyringFile::{self, *};

    #[test]
    fn keyring_file_names_are_classified_once_for_loader_and_incoming_checks() {
        let cases = [
            ("AB.yaml", Some((Card, false, "AB"))),
            ("AB.yaml.sig", Some((Certification, false, "AB"))),
            ("AB.revoked.yaml", Some((Revocation, false, "AB"))),
            ("AB.revoked.yaml.sig", Some((Revocation, true, "AB"))),
            ("AB.binding.yaml", Some((Binding, false, "AB"))),
            ("AB.binding.yaml.sig", Some((Binding, true, "AB"))),
            ("README", None),
            ("AB.txt.sig", None),
        ];
        for (name, want) in cases {
            assert_eq!(KeyringFile::classify(name), want, "{name}");
        }
    }
}
