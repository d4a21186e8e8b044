//! History primitives: who signed a commit, and which commit introduced a
//! file's current content (and what the file held before it).
//!
//! These report; they never judge. Whether a signer was entitled is for
//! `trust` (policy, incoming) and the audit log to decide.

use crate::error::Result;
use crate::keys::fingerprint::Fingerprint;
use crate::keys::signature::{self, GIT_NAMESPACE};
use crate::repo::snapshot::id_at;

/// The signer of a commit, when its signature verifies (whoever they are).
pub fn signer(repo: &git2::Repository, oid: git2::Oid) -> Option<Fingerprint> {
    let (sig, data) = repo.extract_signature(&oid, None).ok()?;
    signature::verify(&sig, GIT_NAMESPACE, &data)
        .ok()
        .map(|v| v.signer)
}

/// Walking back along first parents from HEAD while the file at `path`
/// satisfies `holds`: the commit where it started to hold (the one that
/// introduced it), with that commit's verified signer. `None` when it does
/// not hold at HEAD.
pub fn introduced(
    repo: &git2::Repository,
    path: &str,
    holds: impl Fn(&[u8]) -> bool,
) -> Result<Option<(git2::Oid, Option<Fingerprint>)>> {
    let Ok(mut commit) = repo.head().and_then(|h| h.peel_to_commit()) else {
        return Ok(None);
    };
    let p = std::path::Path::new(path);
    let check = |c: &git2::Commit| -> Result<bool> {
        let Ok(entry) = c.tree()?.get_path(p) else {
            return Ok(false);
        };
        Ok(holds(repo.find_blob(entry.id())?.content()))
    };
    if !check(&commit)? {
        return Ok(None);
    }
    while let Ok(parent) = commit.parent(0) {
        if !check(&parent)? {
            break;
        }
        commit = parent;
    }
    Ok(Some((commit.id(), signer(repo, commit.id()))))
}

/// For the file at `path` whose current content has blob id `current`:
/// finds the first-parent commit that introduced that content and returns
/// the newest earlier content of the file (`Some(None)` when the file never
/// existed before). `None` when the content was never committed.
pub fn version_before(
    repo: &git2::Repository,
    path: &str,
    current: git2::Oid,
) -> Result<Option<Option<Vec<u8>>>> {
    let Ok(head) = repo.head().and_then(|h| h.peel_to_commit()) else {
        return Ok(None);
    };
    if id_at(&head.tree()?, path) != Some(current) {
        return Ok(None);
    }
    earlier_version(repo, &head, path).map(Some)
}

/// Walking first parents back from `from`: the commit that introduced the
/// content `from` has at `path`, and the newest earlier commit holding the
/// file (`None` when it never existed before). A gap (the file deleted,
/// then created again) is skipped: deleting a list must not turn its
/// re-creation into a "new case" that anyone may sign.
pub fn introduced_and_before<'r>(
    from: &git2::Commit<'r>,
    path: &str,
) -> Result<(git2::Commit<'r>, Option<git2::Commit<'r>>)> {
    let current = id_at(&from.tree()?, path);
    let mut introduced = from.clone();
    let mut commit = from.clone();
    let mut gap = false;
    while let Ok(parent) = commit.parent(0) {
        match id_at(&parent.tree()?, path) {
            Some(id) if Some(id) == current && !gap => introduced = parent.clone(),
            Some(_) => return Ok((introduced, Some(parent))),
            None => gap = true,
        }
        commit = parent;
    }
    Ok((introduced, None))
}

/// The content of the file at `path` before the commit that introduced
/// its content in `from` (see [`introduced_and_before`]); `None` when it
/// never existed before.
pub fn earlier_version(
    repo: &git2::Repository,
    from: &git2::Commit,
    path: &str,
) -> Result<Option<Vec<u8>>> {
    let (_, before) = introduced_and_before(from, path)?;
    match before.map(|c| c.tree()).transpose()? {
        Some(tree) => match id_at(&tree, path) {
            Some(id) => Ok(Some(repo.find_blob(id)?.content().to_vec())),
            None => Ok(None),
        },
        None => Ok(None),
    }
}
