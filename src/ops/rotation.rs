//! Changes a key owner makes alone, through their binding (see
//! [`crate::keys::binding`]): rotating the encryption key, and setting its expiry.
//!
//! Rotation: a new age key is generated and added to the front of
//! `identity.age` *before* anything is encrypted to it (a crash can never
//! leave a file that only a lost key opens); then one journaled commit
//! publishes the binding and re-encrypts every case the owner can read (see
//! [`crate::ops::rekey`]). Old keys stay in `identity.age`, so history remains
//! readable. An interrupted rotation is resumed with the key it started
//! with: the journal names it, and `identity.age` already holds it.

use chrono::{DateTime, Utc};

use crate::error::{Error, Result, Unchanged};
use crate::keys::binding::Binding;
use crate::keys::identity::Session;
use crate::ops::rekey::{self, Outcome, Plan, Progress};
use crate::repo::store::{Change, CommitMessage};
use crate::trust::policy;
use crate::vault::keyring::Validity;
use crate::vault::layout::binding_path;
use crate::vault::{Vault, ALLOWED_SIGNERS_PATH};

const ROTATE: &str = "rotate-key";

/// What a rotation did.
#[derive(Debug, Clone)]
pub struct Rotation {
    /// The re-encryption to the new key.
    pub outcome: Outcome,
}

/// The whole report, as `dossier key rotate` prints it (several lines):
/// how many cases were re-encrypted, what was left undone
/// ([`Outcome::details`]), and that the old keys are kept for history.
impl std::fmt::Display for Rotation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "New encryption key in place; {} case(s) re-encrypted to it{}.",
            self.outcome.reencrypted.len(),
            self.outcome.resumed_note()
        )?;
        f.write_str(&self.outcome.details())?;
        f.write_str("Your old keys stay in identity.age so history stays readable.")
    }
}

/// Gives the session's owner a new encryption key and re-encrypts to it
/// everything they can read. `scrypt_log_n` protects the rewritten
/// `identity.age`.
pub fn rotate(
    vault: &Vault,
    session: &Session,
    scrypt_log_n: u8,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<Rotation> {
    let me = session.fingerprint();
    let entry = own_entry(vault, session)?;
    if vault.keyring().validity(&me) != Some(Validity::Certified) {
        return Err(Error::NotRotatable {
            validity: vault
                .keyring()
                .validity(&me)
                .map(|v| v.to_string())
                .unwrap_or_default(),
        });
    }
    let lock = vault.lock()?;
    let keys = session.decryption_keys()?;
    let message = CommitMessage::for_key(ROTATE, me, me);

    // Resume with the key an interrupted rotation already stored.
    let resumed = vault
        .pending_rekey()
        .filter(|p| p.operation == message.subject() && keys.has_recipient(&p.param))
        .and_then(|p| p.param.parse::<age::x25519::Recipient>().ok());
    let recipient = match resumed {
        Some(r) => r,
        None => {
            let new = age::x25519::Identity::generate();
            session.add_decryption_key(&new, scrypt_log_n)?;
            new.to_public()
        }
    };

    let (ring, mut changes) = binding_changes(
        vault,
        session,
        Binding::new(me, &recipient, entry.expires()),
    )?;
    // An administrator's rotation reseals the conflict secret to the new
    // key in the same commit; anyone else's waits for an administrator
    // (`dossier conflicts --reseal`): only administrators change it.
    if vault.keyring().is_valid_admin(&me) {
        changes.extend(crate::ops::conflicts::reseal_change(vault, session, &ring)?);
    }

    let mut plan = Plan::default();
    for id in vault.case_ids()? {
        let Ok(list) = vault.access_list(&id) else {
            continue;
        };
        if policy::listed_readers(vault.groups(), &list).contains(&me) {
            let target = rekey::target_for(vault, &id, &me, &ring, vault.groups());
            plan.add(id, target);
        }
    }
    let outcome = rekey::reencrypt_and_commit(
        vault,
        &lock,
        session,
        &message,
        &recipient.to_string(),
        Plan {
            extra: changes,
            ..plan
        },
        progress,
    )?;
    Ok(Rotation { outcome })
}

/// Sets (or, with `None`, removes) the expiry of the session owner's key.
/// Works on an expired key too: extending is how it becomes valid again.
pub fn set_expiry(vault: &Vault, session: &Session, expires: Option<DateTime<Utc>>) -> Result<()> {
    let me = session.fingerprint();
    let entry = own_entry(vault, session)?;
    if expires.is_some_and(|e| e <= Utc::now()) {
        return Err(Error::InvalidValue {
            field: "expiry".into(),
            reason: "it must be in the future".into(),
        });
    }
    if entry.expires() == expires.map(crate::support::yaml::whole_seconds) {
        return Err(Unchanged::Expiry.into());
    }
    let lock = vault.lock()?;
    let (_, changes) = binding_changes(
        vault,
        session,
        Binding::new(me, &entry.recipient()?, expires),
    )?;
    vault.commit(
        &lock,
        session,
        &CommitMessage::for_key("set-expiry", me, me),
        &changes,
    )?;
    Ok(())
}

fn own_entry(vault: &Vault, session: &Session) -> Result<crate::vault::keyring::KeyEntry> {
    let me = session.fingerprint();
    let entry = vault
        .keyring()
        .get(&me)
        .cloned()
        .ok_or_else(|| Error::NotInKeyring {
            key: me.to_string(),
        })?;
    if entry.revocation.is_some() {
        return Err(Error::OwnKeyRevoked {
            key: me.to_string(),
        });
    }
    Ok(entry)
}

/// The files of a new `binding` of the session's key: the binding naming
/// the one it replaces ([`crate::vault::succession`]), its signature, and
/// `allowed_signers` for the keyring it makes (returned too).
fn binding_changes(
    vault: &Vault,
    session: &Session,
    mut binding: Binding,
) -> Result<(crate::vault::keyring::Keyring, Vec<Change>)> {
    let path = binding_path(&binding.key);
    crate::vault::succession::chain(
        vault,
        &path,
        &mut binding.dossier_binding,
        &mut binding.replaces,
    )?;
    let (text, sig) = binding.signed(session.signer()?)?;
    let mut ring = vault.keyring().clone();
    let key = binding.key;
    ring.set_binding(&key, binding);
    let signers = ring.allowed_signers();
    Ok((
        ring,
        vec![
            Change::write(format!("{path}.sig"), sig),
            Change::write(path, text),
            Change::write(ALLOWED_SIGNERS_PATH, signers),
        ],
    ))
}
