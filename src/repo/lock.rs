//! The vault's write lock: one writer at a time, across processes.
//!
//! A [`WriteLock`] is the proof a writer holds `.git/dossier.lock`: every
//! function that moves the branch ([`crate::repo::store::Writer`] and
//! friends) takes one, so a change cannot be committed by code that forgot
//! to lock. The lock is an OS file lock, released when the guard drops or
//! the process dies (a killed writer never leaves the vault locked).
//!
//! A second writer waits for the first ([`WriteLock::wait`]) rather than
//! failing at once: scripts running commands side by side, and a TUI with
//! a background job, then take turns. How long it waits, and who is told
//! that it is waiting, is the front end's choice ([`configure`]).

use std::fs::File;
use std::path::PathBuf;
use std::sync::RwLock;
use std::time::{Duration, Instant};

use crate::error::{Error, Result};
use crate::support::fsio;

/// The name of the lock file in the git directory.
pub const LOCK_FILE: &str = "dossier.lock";

/// How long a writer waits for another to finish unless told otherwise.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// After this long waiting, the front end's notice is given (once).
const NOTICE_AFTER: Duration = Duration::from_secs(1);

/// How often a waiting writer tries the lock again.
const RETRY_EVERY: Duration = Duration::from_millis(40);

/// How this process waits for a busy vault.
#[derive(Clone, Copy)]
struct WaitPolicy {
    timeout: Duration,
    notice: Option<fn()>,
}

static POLICY: RwLock<WaitPolicy> = RwLock::new(WaitPolicy {
    timeout: DEFAULT_TIMEOUT,
    notice: None,
});

/// Sets, for this process, how long [`WriteLock::wait`] waits for another
/// writer before giving up with [`Error::Busy`], and the `notice` it gives
/// once when it has waited a second (the CLI prints a line; the TUI's
/// background jobs wait silently behind their progress line).
pub fn configure(timeout: Duration, notice: Option<fn()>) {
    if let Ok(mut policy) = POLICY.write() {
        *policy = WaitPolicy { timeout, notice };
    }
}

fn policy() -> WaitPolicy {
    POLICY.read().map(|p| *p).unwrap_or(WaitPolicy {
        timeout: DEFAULT_TIMEOUT,
        notice: None,
    })
}

/// Held while this process writes to one vault.
#[derive(Debug)]
pub struct WriteLock {
    file: File,
    git_dir: PathBuf,
}

impl WriteLock {
    /// Takes the write lock of `repo` without waiting: a vault another
    /// process is changing is [`Error::Busy`].
    pub fn take(repo: &git2::Repository) -> Result<WriteLock> {
        let file = match fsio::lock_exclusive(&repo.path().join(LOCK_FILE)) {
            Err(Error::Io { source, .. }) if fsio::is_read_only(&source) => {
                let vault = repo.workdir().unwrap_or(repo.path());
                return Err(Error::ReadOnly(vault.components().collect()));
            }
            other => other?,
        };
        Ok(WriteLock {
            file,
            git_dir: repo.path().to_path_buf(),
        })
    }

    /// Takes the write lock of `repo`, waiting for another writer to
    /// finish for as long as [`configure`] allows; still busy after that,
    /// [`Error::Busy`] says how long it waited.
    pub fn wait(repo: &git2::Repository) -> Result<WriteLock> {
        let policy = policy();
        let start = Instant::now();
        let mut noticed = false;
        loop {
            match WriteLock::take(repo) {
                Err(Error::Busy) => {}
                other => return other,
            }
            let waited = start.elapsed();
            if waited >= policy.timeout {
                return Err(Error::BusyAfter(policy.timeout.as_secs()));
            }
            if !noticed && waited >= NOTICE_AFTER {
                noticed = true;
                if let Some(notice) = policy.notice {
                    notice();
                }
            }
            std::thread::sleep(RETRY_EVERY.min(policy.timeout - waited));
        }
    }

    /// The lock for recovering from an interrupted writer: a second guard
    /// on `held` (this process's own lock, if it has one), else the lock
    /// taken without waiting; `None` while another process holds it (that
    /// writer is still at work, and recovery is its business).
    pub(crate) fn for_recovery(
        repo: &git2::Repository,
        held: Option<&WriteLock>,
    ) -> Result<Option<WriteLock>> {
        let lock = match held {
            Some(lock) => lock.share(),
            None => WriteLock::take(repo),
        };
        match lock {
            Ok(lock) => Ok(Some(lock)),
            Err(Error::Busy) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// A second guard on the lock this one holds (the same OS lock: it is
    /// released when every guard on it has dropped).
    pub(crate) fn share(&self) -> Result<WriteLock> {
        let file = self
            .file
            .try_clone()
            .map_err(Error::io("share the lock", &self.git_dir))?;
        Ok(WriteLock {
            file,
            git_dir: self.git_dir.clone(),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_waiting_writer_gets_the_lock_when_the_first_lets_go() {
        let dir = tempfile::tempdir().unwrap();
        let repo = git2::Repository::init(dir.path()).unwrap();
        let first = WriteLock::take(&repo).unwrap();
        let shared = first.share().unwrap();
        let path = dir.path().to_path_buf();
        let waiter = std::thread::spawn(move || {
            let repo = git2::Repository::open(&path).unwrap();
            WriteLock::wait(&repo).map(|_| ())
        });
        std::thread::sleep(Duration::from_millis(150));
        drop(first);
        // Still held through the shared guard.
        std::thread::sleep(Duration::from_millis(150));
        assert!(!waiter.is_finished());
        drop(shared);
        waiter.join().unwrap().unwrap();
    }
}
