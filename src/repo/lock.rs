//! The vault's write lock: one writer at a time, across processes.
//!
//! A [`WriteLock`] is the proof a writer holds `.git/dossier.lock`: every
//! function that moves the branch ([`crate::repo::store::Writer`] and
//! friends) takes one, so a change cannot be committed by code that forgot
//! to lock. The lock is an OS file lock, released when the guard drops or
//! the process dies (a killed writer never leaves the vault locked).

use std::fs::File;
use std::path::PathBuf;

use crate::error::{Error, Result};
use crate::support::fsio;

/// The name of the lock file in the git directory.
pub const LOCK_FILE: &str = "dossier.lock";

/// Held while this process writes to one vault.
#[derive(Debug)]
pub struct WriteLock {
    _file: File,
    git_dir: PathBuf,
}

impl WriteLock {
    /// Takes the write lock of `repo` without waiting: a vault another
    /// process is changing is [`Error::Busy`].
    pub fn take(repo: &git2::Repository) -> Result<WriteLock> {
        let file = fsio::lock_exclusive(&repo.path().join(LOCK_FILE))?;
        Ok(WriteLock {
            _file: file,
            git_dir: repo.path().to_path_buf(),
        })
    }

    /// Refuses to write to `repo` under another repository's lock.
    pub(crate) fn check_covers(&self, repo: &git2::Repository) -> Result<()> {
        if self.git_dir == repo.path() {
            Ok(())
        } else {
            Err(Error::Git(format!(
                "the write lock held is for {}, not this vault",
                self.git_dir.display()
            )))
        }
    }
}
