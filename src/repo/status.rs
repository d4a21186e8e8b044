//! A vault's working state for status lines: whether the working tree
//! differs from the last commit, and how far the branch is ahead of or
//! behind its upstream (only when the branch has one).
//!
//! Read-only and cheap; front ends poll it after each change. It opens its
//! own repository handle from a path, so it can run on any thread.

use std::path::Path;

use crate::error::Result;
use crate::support::fsio;

/// What a status line shows about a vault.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VaultStatus {
    /// The current branch, if HEAD is on one.
    pub branch: Option<String>,
    /// Files in the working tree differ from HEAD (e.g. an interrupted change
    /// or a hand edit).
    pub dirty: bool,
    /// Commits ahead of and behind the branch's upstream; `None` when the
    /// branch has no upstream.
    pub ahead_behind: Option<(usize, usize)>,
}

/// Makes `repo`'s status (this handle's only) pass over the temporary files
/// of an interrupted write ([`fsio::TEMP_PREFIX`]): they are not changes,
/// and the next change's journal removes them.
pub fn ignore_temporary_files(repo: &git2::Repository) -> Result<()> {
    repo.add_ignore_rule(&format!("{}*", fsio::TEMP_PREFIX))?;
    Ok(())
}

/// Reads the status of the vault whose working tree is `root`.
pub fn read(root: &Path) -> Result<VaultStatus> {
    let repo = git2::Repository::open(root)?;
    ignore_temporary_files(&repo)?;
    let mut status = VaultStatus::default();
    let mut opts = git2::StatusOptions::new();
    opts.include_untracked(true)
        .include_ignored(false)
        .exclude_submodules(true);
    status.dirty = repo
        .statuses(Some(&mut opts))?
        .iter()
        .any(|e| e.status() != git2::Status::CURRENT && e.status() != git2::Status::IGNORED);
    let Ok(head) = repo.head() else {
        return Ok(status);
    };
    if !head.is_branch() {
        return Ok(status);
    }
    let Some(name) = head.shorthand().ok().map(str::to_string) else {
        return Ok(status);
    };
    status.branch = Some(name.clone());
    let local = repo.find_branch(&name, git2::BranchType::Local)?;
    if let (Ok(upstream), Some(ours)) = (local.upstream(), head.target()) {
        if let Some(theirs) = upstream.get().target() {
            status.ahead_behind = Some(repo.graph_ahead_behind(ours, theirs)?);
        }
    }
    Ok(status)
}
