//! Revoking a key (DESIGN §3–§4): one signed commit that records the
//! revocation, takes the person off every access list and group, re-signs
//! every list their key had signed, and re-encrypts every affected case the
//! administrator can read (through [`crate::ops::rekey`], journaled).
//!
//! The report says which cases the person could read at any point of
//! history: those are the secrets to rotate, because copies already fetched
//! and old ciphertext in history stay readable to them. Cases the
//! administrator cannot read (or whose list cannot be honoured) are still
//! taken off the person's lists, and named, so an owner re-encrypts them
//! with `dossier rekey`.

use std::collections::BTreeSet;

use crate::case::{AccessEntry, AccessList, CaseId};
use crate::error::{Error, Result, Unchanged};
use crate::keys::fingerprint::Fingerprint;
use crate::keys::identity::Session;
use crate::keys::signature::{self, DOCUMENT_NAMESPACE};
use crate::ops::rekey::{self, Outcome, Plan, Progress, Target};
use crate::repo::store::{Change, CommitMessage};
use crate::support::yaml;
use crate::trust::policy;
use crate::vault::groups::Groups;
use crate::vault::keyring::{Revocation, Role};
use crate::vault::layout;
use crate::vault::{Vault, ALLOWED_SIGNERS_PATH};

/// What a revocation did and what it means.
#[derive(Debug, Clone)]
pub struct RevocationReport {
    /// The revoked key.
    pub key: Fingerprint,
    /// How the keyring names the person (`name <email> fingerprint`).
    pub label: String,
    /// Cases whose access list named the person (directly or by group) at
    /// any point of history: their contents may be in the person's hands.
    pub ever_readable: BTreeSet<CaseId>,
    /// Cases whose current list named them (or was signed by them) and was
    /// changed or re-signed.
    pub lists_changed: Vec<CaseId>,
    /// The re-encryption.
    pub outcome: Outcome,
    /// When the vault has a conflict secret: it was rotated, and these
    /// cases (that the revoker cannot read) still carry an index under the
    /// old one until someone who can read them re-indexes them.
    pub conflict_index_left: Option<Vec<CaseId>>,
}

/// The whole report, as `dossier key revoke` prints it (several lines):
/// who was revoked, how many lists changed and cases were re-encrypted,
/// what was left undone ([`Outcome::details`]), and the cases history says
/// they could read, with DESIGN §4's warning that copies already fetched
/// and old ciphertext stay readable, so the underlying secrets must be
/// rotated where that matters.
impl std::fmt::Display for RevocationReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "Revoked {}", self.label)?;
        writeln!(
            f,
            "  taken off {} access list(s); {} case(s) re-encrypted without them{}",
            self.lists_changed.len(),
            self.outcome.reencrypted.len(),
            self.outcome.resumed_note()
        )?;
        f.write_str(&self.outcome.details())?;
        match &self.conflict_index_left {
            Some(left) if left.is_empty() => writeln!(
                f,
                "  the conflict secret was rotated and every case re-indexed under it;"
            )?,
            Some(left) => writeln!(
                f,
                "  the conflict secret was rotated; {} case(s) you cannot read keep an index under the old secret until someone who can runs `dossier conflicts --reindex`: {};",
                left.len(),
                left.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
            )?,
            None => {}
        }
        if self.ever_readable.is_empty() {
            return f.write_str("  history shows they could never read any case.");
        }
        writeln!(
            f,
            "  at some point in history they could read {} case(s):",
            self.ever_readable.len()
        )?;
        for id in &self.ever_readable {
            writeln!(f, "    {id}")?;
        }
        f.write_str("Copies they already fetched, and older versions in history, stay readable to them: rotate the underlying secrets (passwords, account numbers, safe addresses) where that matters.")
    }
}

/// Revokes `fp`: see the module documentation. Administrators only; a root
/// or administrator key can only be revoked by a root.
pub fn revoke(
    vault: &Vault,
    session: &Session,
    fp: &Fingerprint,
    reason: &str,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<RevocationReport> {
    let me = session.fingerprint();
    let ring = vault.keyring();
    if !ring.is_valid_admin(&me) {
        return Err(Error::NotEntitled {
            action: "revoke keys".into(),
            required: "vault administrators".into(),
            actor: me.to_string(),
        });
    }
    if reason.chars().any(char::is_control) {
        return Err(Error::InvalidValue {
            field: "reason".into(),
            reason: "give the reason as one line of text".into(),
        });
    }
    let entry = ring
        .get(fp)
        .ok_or_else(|| Error::UnknownKey(fp.to_string()))?;
    if entry.revocation.is_some() {
        return Err(Unchanged::Revoked {
            key: fp.to_string(),
        }
        .into());
    }
    if *fp == me {
        return Err(Error::OwnKeyRevocation);
    }
    let my_role = ring.get(&me).map(|e| e.role);
    if entry.role != Role::Staff && my_role != Some(Role::Root) {
        return Err(Error::NotEntitled {
            action: format!("revoke the administrator key {fp}"),
            required: "root administrators".into(),
            actor: me.to_string(),
        });
    }
    let label = ring.label(fp);
    let lock = vault.lock()?;
    let key = session.signer()?;

    // The state the revocation creates: the key revoked, and out of every group.
    let revocation = Revocation {
        dossier_revocation: 1,
        key: *fp,
        revoked_at: yaml::now(),
        reason: reason.trim().to_string(),
    };
    let revocation_text = yaml::render(&revocation)?;
    let mut changes = vec![
        Change::write(
            format!("{}.sig", layout::revocation_path(fp)),
            signature::sign(key, DOCUMENT_NAMESPACE, revocation_text.as_bytes())?,
        ),
        Change::write(layout::revocation_path(fp), revocation_text),
    ];
    let mut new_ring = ring.clone();
    new_ring.set_revocation(fp, revocation);
    changes.push(Change::write(
        ALLOWED_SIGNERS_PATH,
        new_ring.allowed_signers(),
    ));

    let mut doc = vault.groups().doc().clone();
    let mut groups_changed = false;
    for members in doc.groups.values_mut() {
        let before = members.len();
        members.retain(|m| m != fp);
        groups_changed |= members.len() != before;
    }
    // A group left with no members is removed, and so is its grant on
    // every case: a list naming a group that no longer exists cannot be
    // encrypted to.
    let emptied: Vec<String> = doc
        .groups
        .iter()
        .filter(|(_, m)| m.is_empty())
        .map(|(g, _)| g.clone())
        .collect();
    doc.groups.retain(|_, m| !m.is_empty());
    if groups_changed {
        changes.extend(crate::ops::admin::signed_groups(vault, key, &mut doc)?);
    }
    let new_groups = Groups::from_doc(doc);

    // Every case the key could read or had signed for.
    let mut plan = Plan::default();
    let mut lists_changed = Vec::new();
    for id in vault.case_ids()? {
        let Ok(bytes) = vault.read(&crate::vault::layout::access_path(&id)) else {
            continue;
        };
        let Ok(list) = AccessList::parse(&bytes, &id) else {
            continue;
        };
        let listed = policy::listed_readers(vault.groups(), &list).contains(fp);
        let signed_by_them = signer_of(vault, &id, &bytes) == Some(*fp);
        if !listed && !signed_by_them {
            continue;
        }
        let current = match policy::verified_access(vault, &id) {
            Ok(v) => v.list,
            // A list that cannot be honoured is not re-signed: that would
            // launder whatever was slipped into it.
            Err(e) if !signed_by_them => {
                plan.skipped.push((id, e.to_string()));
                continue;
            }
            // Signed by the key being revoked: honoured until now, by the
            // rules at the time; re-signing it is what keeps the case usable.
            Err(_) => list,
        };
        let mut edited = current.clone();
        let mut lost_group = false;
        for g in &emptied {
            lost_group |= edited
                .revoke(&AccessEntry::Group(g.clone()))
                .unwrap_or(false);
        }
        if edited.remove_key(fp) || signed_by_them || lost_group {
            changes.extend(crate::ops::cases::signed_access(vault, session, &edited)?);
            lists_changed.push(id.clone());
        }
        if !policy::listed_readers(vault.groups(), &current).contains(&me) {
            plan.skipped.push((
                id,
                "you cannot read it, so it was not re-encrypted; one of its owners must run `dossier rekey`".into(),
            ));
            continue;
        }
        let target = policy::resolve(&new_ring, &new_groups, &edited).map(|recipients| Target {
            id: id.clone(),
            recipients,
        });
        plan.add(id, target);
    }

    // A new conflict secret the revoked key never holds, and the cases
    // re-indexed under it (DESIGN §8).
    let conflict_index_left =
        match crate::ops::conflicts::rotation_changes(vault, session, &new_ring)? {
            Some((more, left)) => {
                changes.extend(more);
                Some(left)
            }
            None => None,
        };
    let ever_readable = crate::audit::exposure::cases_ever_readable_by(vault.repo(), fp)?;
    let outcome = rekey::reencrypt_and_commit(
        vault,
        &lock,
        session,
        &CommitMessage::for_key("revoke-key", *fp, me),
        "",
        Plan {
            extra: changes,
            ..plan
        },
        progress,
    )?;
    Ok(RevocationReport {
        key: *fp,
        label,
        ever_readable,
        lists_changed,
        outcome,
        conflict_index_left,
    })
}

fn signer_of(vault: &Vault, id: &CaseId, bytes: &[u8]) -> Option<Fingerprint> {
    let sig = vault
        .read(&format!("{}.sig", crate::vault::layout::access_path(id)))
        .ok()?;
    crate::keys::signed::signer_of(bytes, &sig)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcome(reencrypted: &[&str]) -> Outcome {
        Outcome {
            commit: git2::Oid::ZERO_SHA1,
            reencrypted: reencrypted.iter().map(|c| c.parse().unwrap()).collect(),
            resumed: 0,
            skipped: Vec::new(),
            unreadable: Vec::new(),
        }
    }

    #[test]
    fn a_key_revocation_names_what_they_could_read_and_says_to_rotate_secrets() {
        let key = Fingerprint::from_file_id(&"A".repeat(43)).unwrap();
        let case: CaseId = "27T8E7KFWC".parse().unwrap();
        let mut outcome = outcome(&["27T8E7KFWC"]);
        outcome.resumed = 2;
        outcome
            .skipped
            .push(("3M4N5P6Q7R".parse().unwrap(), "you cannot read it".into()));
        let report = RevocationReport {
            key,
            label: format!("Bo <bo@firm.example> {key}"),
            ever_readable: [case.clone()].into(),
            lists_changed: vec![case],
            outcome,
            conflict_index_left: None,
        };
        assert_eq!(
            report.to_string(),
            format!(
                "Revoked Bo <bo@firm.example> {key}\n  taken off 1 access list(s); 1 case(s) re-encrypted without them (2 prepared by an interrupted run were reused)\n  1 case(s) were not re-encrypted:\n    3M4N5P6Q7R: you cannot read it\n  at some point in history they could read 1 case(s):\n    27T8E7KFWC\nCopies they already fetched, and older versions in history, stay readable to them: rotate the underlying secrets (passwords, account numbers, safe addresses) where that matters."
            )
        );
        let never = RevocationReport {
            ever_readable: BTreeSet::new(),
            lists_changed: Vec::new(),
            outcome: self::outcome(&[]),
            ..report
        };
        assert_eq!(
            never.to_string(),
            format!("Revoked Bo <bo@firm.example> {key}\n  taken off 0 access list(s); 0 case(s) re-encrypted without them\n  history shows they could never read any case.")
        );
    }

    #[test]
    fn rotation_group_and_rekey_reports_say_what_they_did() {
        let o = outcome(&["27T8E7KFWC", "3M4N5P6Q7R"]);
        assert_eq!(
            crate::ops::rotation::Rotation { outcome: o.clone() }.to_string(),
            "New encryption key in place; 2 case(s) re-encrypted to it.\nYour old keys stay in identity.age so history stays readable."
        );
        assert_eq!(
            crate::ops::admin::GroupChange {
                group: "immigration".into(),
                members: 3,
                outcome: o.clone(),
            }
            .to_string(),
            "Group @immigration now has 3 member(s); 2 case(s) granted to it re-encrypted"
        );
        assert_eq!(
            crate::ops::admin::Rekeyed { outcome: o }.to_string(),
            "2 case(s) re-encrypted to exactly their recipients"
        );
    }
}
