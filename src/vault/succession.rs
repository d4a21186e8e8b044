//! Signed documents name the version they replace (DESIGN §4).
//!
//! From format version 2 on, each signed document that is rewritten over
//! time — `vault.yaml`, `groups.yaml`, every `access.yaml`, every key
//! binding — carries `replaces:`, the git blob id of the version of the same
//! file it replaces, inside the signed bytes (absent for a first version).
//! So an older signed version put back (a replay) is told apart from a new
//! decision by the documents alone: its `replaces` names a version from
//! before, not the one it displaces. History verification
//! ([`crate::trust::incoming`]) refuses it, even when the signer was entitled to
//! sign, and even when it arrives as a merge.
//!
//! Upgrade path: documents of version 1 (no `replaces`) are still read. A
//! version-1 document may replace another version-1 document (a vault
//! written before the upgrade), but never a version-2 one (a downgrade).
//! Every document becomes version 2 the next time dossier writes it; until
//! then, a version-1 document's replay is caught only by the entitlement
//! rules.

use serde::Deserialize;

use crate::error::Result;
use crate::support::yaml;
use crate::vault::Vault;

/// The first format version of each document that carries `replaces`.
pub const FIRST_CHAINED_VERSION: u32 = 2;

/// The git blob id (hex) of `bytes`: how `replaces` names a version.
pub fn blob_id(bytes: &[u8]) -> Result<String> {
    Ok(git2::Oid::hash_object(git2::ObjectType::Blob, bytes)?.to_string())
}

/// What a new signed version of `path` replaces: the blob id of the
/// version committed at `HEAD`, if any.
pub fn predecessor(vault: &Vault, path: &str) -> Result<Option<String>> {
    vault
        .read_committed(path)?
        .map(|bytes| blob_id(&bytes))
        .transpose()
}

/// Readies a signed document at `path` for signing: its format `version`
/// raised to at least [`FIRST_CHAINED_VERSION`], and `replaces` naming the
/// version committed at `HEAD` ([`predecessor`]). Every writer of a chained
/// document calls this just before rendering it.
pub fn chain(
    vault: &Vault,
    path: &str,
    version: &mut u32,
    replaces: &mut Option<String>,
) -> Result<()> {
    *version = (*version).max(FIRST_CHAINED_VERSION);
    *replaces = predecessor(vault, path)?;
    Ok(())
}

/// The fields every signed document shares for succession: its format
/// version (under its own name) and `replaces`.
#[derive(Deserialize)]
struct Header {
    dossier_vault: Option<u32>,
    dossier_groups: Option<u32>,
    dossier_access: Option<u32>,
    dossier_binding: Option<u32>,
    replaces: Option<String>,
}

impl Header {
    fn read(bytes: &[u8], what: &str) -> std::result::Result<Header, String> {
        yaml::parse_bytes::<Header>(bytes, what).map_err(|e| e.to_string())
    }

    fn version(&self) -> u32 {
        self.dossier_vault
            .or(self.dossier_groups)
            .or(self.dossier_access)
            .or(self.dossier_binding)
            .unwrap_or(1)
    }

    fn chained(&self) -> bool {
        self.version() >= FIRST_CHAINED_VERSION
    }
}

/// Checks that the new version `new` of the signed document at `path`
/// succeeds `old` (the version it displaces, `None` when there was none):
/// a chained document names `old` in `replaces` — or, in a merge, any of
/// `also` (the other parents' versions) — and a chained document is never
/// replaced by an unchained one. The refusal completes "commit X …".
pub fn check(
    path: &str,
    new: &[u8],
    old: Option<&[u8]>,
    also: &[Option<Vec<u8>>],
) -> std::result::Result<(), String> {
    let new_header = Header::read(new, path)?;
    let old_header = old.map(|b| Header::read(b, path)).transpose()?;
    if !new_header.chained() {
        return match old_header {
            Some(h) if h.chained() => Err(format!(
                "replaces {path}, a document of format version {} that names the version it replaces, with one of version {} that does not; documents only move forward",
                h.version(),
                new_header.version()
            )),
            _ => Ok(()),
        };
    }
    let ids = |b: Option<&[u8]>| b.map(blob_id).transpose().map_err(|e| e.to_string());
    let mut acceptable = vec![ids(old)?];
    for other in also {
        acceptable.push(ids(other.as_deref())?);
    }
    if acceptable.contains(&new_header.replaces) {
        return Ok(());
    }
    let named = new_header
        .replaces
        .as_deref()
        .unwrap_or("no earlier version");
    let before = acceptable[0].as_deref().unwrap_or("none");
    Err(format!(
        "brings a {path} that names {named} as the version it replaces, but the version it displaces is {before}: an older signed version put back is refused (documents name the version they replace)"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(version: u32, replaces: Option<&str>, body: &str) -> Vec<u8> {
        let mut s = format!("dossier_access: {version}\n");
        if let Some(r) = replaces {
            s.push_str(&format!("replaces: {r}\n"));
        }
        s.push_str(body);
        s.into_bytes()
    }

    #[test]
    fn a_chained_document_must_name_the_version_it_displaces() {
        let first = doc(2, None, "owners: [a]\n");
        let id = blob_id(&first).unwrap();
        let second = doc(2, Some(&id), "owners: [a, b]\n");
        assert!(check("x", &first, None, &[]).is_ok());
        assert!(check("x", &second, Some(&first), &[]).is_ok());
        // The first version put back over the second: it names no earlier
        // version, and the second is what it displaces.
        let why = check("x", &first, Some(&second), &[]).unwrap_err();
        assert!(why.contains("older signed version put back"), "{why}");
        // A third version that skips the second.
        let skip = doc(2, Some(&id), "owners: [c]\n");
        assert!(check("x", &skip, Some(&second), &[]).is_err());
    }

    #[test]
    fn a_merge_may_name_any_parents_version() {
        let ours = doc(2, None, "owners: [a]\n");
        let theirs = doc(2, None, "owners: [b]\n");
        let merged = doc(2, Some(&blob_id(&ours).unwrap()), "owners: [a, b]\n");
        assert!(check("x", &merged, Some(&theirs), &[Some(ours.clone())]).is_ok());
        assert!(check("x", &merged, Some(&theirs), &[]).is_err());
    }

    #[test]
    fn version_one_documents_are_read_but_never_replace_version_two() {
        let legacy = doc(1, None, "owners: [a]\n");
        let legacy2 = doc(1, None, "owners: [a, b]\n");
        assert!(
            check("x", &legacy2, Some(&legacy), &[]).is_ok(),
            "before the upgrade"
        );
        let upgraded = doc(2, Some(&blob_id(&legacy2).unwrap()), "owners: [a, b]\n");
        assert!(
            check("x", &upgraded, Some(&legacy2), &[]).is_ok(),
            "the upgrade"
        );
        let why = check("x", &legacy, Some(&upgraded), &[]).unwrap_err();
        assert!(why.contains("only move forward"), "{why}");
    }
}
