//! Verified history: the local watermark (DESIGN §4 "Trust is a property
//! of history, not of a snapshot").
//!
//! A vault state is trusted only when every commit from the vault's first
//! one to it was verified by the rules of [`crate::trust::incoming`], the same
//! rules `sync` applies to what arrives from a remote. Commits made with
//! plain git (`git commit`, `git pull`, `git merge`, `git am`) reach the
//! branch without those checks, so before a command reads trust or writes,
//! [`ensure`] verifies the commits between the watermark and `HEAD`.
//!
//! The watermark is the local ref [`WATERMARK`] (`refs/dossier/verified`):
//! every ancestor of it was verified here. It is never pushed (dossier
//! pushes only the branch) and moves only forward, to a descendant. Its
//! trust state is the local verified state: a key revoked there refuses
//! every commit signed by that key that is not already an ancestor of it,
//! whatever date the commit claims. If `HEAD` leaves the watermark's line
//! (a reset to an older commit, then new work), the watermark stays, and
//! the commits of `HEAD` it lacks are verified on each open.
//!
//! A person who has inspected history that dossier refuses (say, a vault
//! written by an older version with plain-git commits in it) and decides to
//! trust it can move the watermark with stock git:
//! `git update-ref refs/dossier/verified <commit>`. That is a local
//! decision; it changes nothing for anyone else.

use crate::error::{Error, Result};
use crate::repo::snapshot::CommitTree;
use crate::trust::incoming::{self, TrustState};

/// The local ref naming the newest verified commit.
pub const WATERMARK: &str = "refs/dossier/verified";

/// The vault's first commit, recorded once history verified from it.
pub const GENESIS: &str = "refs/dossier/genesis";

/// How many unverified commits make [`ensure`] report progress.
pub const PROGRESS_THRESHOLD: usize = 50;

/// The watermark, if one was recorded.
pub fn watermark(repo: &git2::Repository) -> Option<git2::Oid> {
    repo.refname_to_id(WATERMARK).ok()
}

/// Verifies every commit of `HEAD` that the watermark does not cover and
/// moves the watermark forward to `HEAD`. Refuses (with
/// [`Error::UnverifiedHistory`]) a `HEAD` whose history does not verify,
/// naming the first bad commit. `progress` is told `(checked, total)` when
/// there are more than [`PROGRESS_THRESHOLD`] commits to check. Returns
/// how many commits were verified.
pub fn ensure(repo: &git2::Repository, progress: &mut dyn FnMut(usize, usize)) -> Result<usize> {
    let Some(head) = repo.head().ok().and_then(|h| h.target()) else {
        return Ok(0); // an empty repository: nothing to trust yet
    };
    let mark = watermark(repo);
    if let Some(mark) = mark {
        if mark == head || repo.graph_descendant_of(mark, head)? {
            return Ok(0);
        }
    }
    let local = match mark {
        Some(mark) => Some(TrustState::load(&CommitTree::new(repo, mark)?)?),
        None => None,
    };
    let known: Vec<git2::Oid> = mark.into_iter().collect();
    let mut report = |done: usize, all: usize| {
        if all > PROGRESS_THRESHOLD {
            progress(done, all)
        }
    };
    let checked = incoming::verify_with_progress(
        repo,
        local.as_ref().map(|s| &s.keyring),
        &known,
        head,
        &mut report,
    )
    .map_err(|e| match e {
        Error::IncomingRejected { commit, reason } => Error::UnverifiedHistory {
            last_verified: last_good(repo, mark, &commit),
            commit,
            reason,
        },
        other => other,
    })?;
    advance(repo, mark, head)?;
    Ok(checked)
}

/// Records that `to`, a descendant of the verified `from`, was verified
/// too (by a sync that checked what it brought): the watermark moves to
/// `to` if it stood at `from`.
pub fn record(repo: &git2::Repository, from: git2::Oid, to: git2::Oid) -> Result<()> {
    if watermark(repo) == Some(from) {
        advance(repo, Some(from), to)?;
    }
    Ok(())
}

/// The id of the vault's first commit, the same in every clone (the key of
/// its root pins). While the watermark stands at `HEAD` the id recorded in
/// [`GENESIS`] is used, so opening a vault with a long history does not walk
/// it; otherwise first parents are walked from `HEAD` and the answer
/// recorded for next time.
pub fn first_commit(repo: &git2::Repository) -> Result<git2::Oid> {
    let head = repo.head()?.peel_to_commit()?;
    let settled = watermark(repo) == Some(head.id());
    if settled {
        if let Ok(first) = repo.refname_to_id(GENESIS) {
            return Ok(first);
        }
    }
    let mut commit = head;
    while let Ok(parent) = commit.parent(0) {
        commit = parent;
    }
    if settled {
        let record = || repo.reference(GENESIS, commit.id(), true, "dossier: first commit");
        if record().is_err() && clear_stale_lock(repo, GENESIS) {
            let _ = record();
        }
    }
    Ok(commit.id())
}

/// Moves the watermark from `from` to `to` when `to` descends from it;
/// a concurrent process that moved it first wins. A lock a killed process
/// left on the watermark is removed and the move tried once more.
fn advance(repo: &git2::Repository, from: Option<git2::Oid>, to: git2::Oid) -> Result<()> {
    let message = "dossier: history verified";
    let moved = || match from {
        None => repo.reference(WATERMARK, to, false, message).is_ok(),
        Some(from) => repo
            .reference_matching(WATERMARK, to, true, from, message)
            .is_ok(),
    };
    if let Some(from) = from {
        if !repo.graph_descendant_of(to, from)? {
            return Ok(());
        }
    }
    if !moved() && clear_stale_lock(repo, WATERMARK) {
        moved();
    }
    Ok(())
}

/// How old a ref's lock file must be before it counts as left by a killed
/// process: git holds one for the instant of a write, never for seconds.
const STALE_REF_LOCK: std::time::Duration = std::time::Duration::from_secs(10);

/// Removes `refname`'s lock file when it is older than [`STALE_REF_LOCK`].
/// Only dossier's own refs get this: they only ever speed verification up,
/// so losing a racing write to one costs a verification, never trust.
fn clear_stale_lock(repo: &git2::Repository, refname: &str) -> bool {
    let lock = repo.path().join(format!("{refname}.lock"));
    let stale = std::fs::metadata(&lock)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| t.elapsed().ok())
        .is_some_and(|age| age > STALE_REF_LOCK);
    stale && crate::support::fsio::remove_if_exists(&lock).is_ok()
}

/// A commit known good to return to: the refused commit's first parent
/// (verification goes parents first, so it verified), else the watermark.
fn last_good(repo: &git2::Repository, mark: Option<git2::Oid>, refused: &str) -> Option<String> {
    git2::Oid::from_str(refused)
        .ok()
        .and_then(|id| repo.find_commit(id).ok())
        .and_then(|c| c.parent_id(0).ok())
        .or(mark)
        .map(|id| id.to_string())
}
