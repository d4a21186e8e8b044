//! The firm's conflict secret and each case's blind index as the changes
//! of a commit: the secret decrypted for the session, sealed to the active
//! staff, and the `blind.idx` a record calls for (see [`crate::case::blind`]).
//!
//! Every change to a record writes its index in the same commit when the
//! writer holds the secret. A writer who does not (a vault before its
//! first index, a colleague the secret was not yet sealed to) leaves the
//! index as it is when the names did not change, and removes it when they
//! did, so the case shows as not indexed rather than under stale names.

use std::path::Path;

use crate::case::blind::{BlindIndex, FirmSecret};
use crate::case::{CaseId, CaseRecord};
use crate::crypto;
use crate::error::{Error, Result};
use crate::keys::identity::Session;
use crate::repo::store::Change;
use crate::trust::policy;
use crate::vault::keyring::Keyring;
use crate::vault::layout::{blind_index_path, CONFLICT_SECRET_PATH};
use crate::vault::Vault;

/// The firm's conflict secret as committed, decrypted for `session`;
/// `None` when the vault has none yet. A secret not sealed to the
/// session's keys is [`Error::ConflictSecretNotSealedToYou`].
pub fn secret(vault: &Vault, session: &Session) -> Result<Option<FirmSecret>> {
    let Some(sealed) = vault.read_committed(CONFLICT_SECRET_PATH)? else {
        return Ok(None);
    };
    let plain = crypto::decrypt(
        &sealed,
        session.decryption_keys()?,
        Path::new(CONFLICT_SECRET_PATH),
    )
    .map_err(|e| match e {
        Error::CannotDecrypt { .. } => Error::ConflictSecretNotSealedToYou,
        other => other,
    })?;
    FirmSecret::from_bytes(&plain).map(Some)
}

/// The secret, when the session holds it; `None` when the vault has none or
/// it is not sealed to the session (an index is then left or removed, as
/// the module documentation says).
pub fn secret_if_held(vault: &Vault, session: &Session) -> Result<Option<FirmSecret>> {
    match secret(vault, session) {
        Err(Error::ConflictSecretNotSealedToYou) => Ok(None),
        other => other,
    }
}

/// `conflicts.age`: `secret` encrypted to every active member of staff in
/// `keyring` (the keyring as the same commit leaves it).
pub fn seal(secret: &FirmSecret, keyring: &Keyring) -> Result<Change> {
    let staff = policy::active_staff(keyring);
    if staff.is_empty() {
        return Err(Error::NoActiveStaff);
    }
    Ok(Change::write(
        CONFLICT_SECRET_PATH,
        crypto::encrypt(secret.bytes(), &staff)?,
    ))
}

/// The change to case `id`'s `blind.idx` that record `after` calls for
/// (`before`: the record it replaces, if any), or `None` when the
/// committed file is already right.
pub fn index_change(
    vault: &Vault,
    secret: Option<&FirmSecret>,
    id: &CaseId,
    before: Option<&CaseRecord>,
    after: &CaseRecord,
) -> Result<Option<Change>> {
    let path = blind_index_path(id);
    let committed = vault.read_committed(&path)?;
    match secret {
        Some(secret) => {
            let text = BlindIndex::of(after, id, secret).render();
            Ok((committed.as_deref() != Some(text.as_bytes())).then(|| Change::write(path, text)))
        }
        None => {
            let same_names = before.is_some_and(|b| names(b) == names(after));
            Ok((committed.is_some() && !same_names).then(|| Change::delete(path)))
        }
    }
}

/// The names an index is made of, with where they stand.
fn names(r: &CaseRecord) -> Vec<(String, String)> {
    let mut out = vec![("client".to_string(), r.client.name.clone())];
    out.extend(
        r.client
            .aliases
            .iter()
            .map(|a| ("alias".to_string(), a.clone())),
    );
    out.extend(r.parties.iter().map(|p| (p.role.clone(), p.name.clone())));
    out
}

/// Case `id`'s index as committed: `Ok(None)` when it has none.
pub fn committed_index(vault: &Vault, id: &CaseId) -> Result<Option<BlindIndex>> {
    match vault.read_committed(&blind_index_path(id))? {
        None => Ok(None),
        Some(bytes) => BlindIndex::parse(&bytes).map(Some),
    }
}
