//! The journal of ref updates made outside a commit: `.git/dossier-refs`.
//!
//! `sync` and `bundle import` write refs of their own (the quarantine ref
//! of what arrived, the remote-tracking branch) and `.git/config` (the
//! upstream). git takes a `<name>.lock` file for each write; a process
//! killed in that instant leaves it, and every later write of the same ref
//! fails ("failed to lock file"). So before writing, [`RefUpdates::begin`]
//! names what will be written, under the vault's write lock; the guard
//! removes the journal when the work ends. If a kill leaves it, the next
//! open ([`recover`]) removes the lock files of exactly those names that
//! were made after the journal (by the killed process: it held the vault
//! lock), and nothing else.

use std::path::Path;

use crate::error::Result;
use crate::repo::lock::WriteLock;
use crate::support::fsio::{self, Mode};

const JOURNAL: &str = "dossier-refs";

/// `.git/config`, in the journal's list of names.
pub const CONFIG: &str = "config";

/// Held while refs named in the journal are written; removes the journal
/// when dropped.
pub struct RefUpdates<'r> {
    repo: &'r git2::Repository,
}

impl std::fmt::Debug for RefUpdates<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "RefUpdates({})", self.repo.path().display())
    }
}

impl<'r> RefUpdates<'r> {
    /// Records, before writing them, the refs (full names, or [`CONFIG`])
    /// this process is about to write under `lock`.
    pub fn begin(
        lock: &WriteLock,
        repo: &'r git2::Repository,
        names: &[&str],
    ) -> Result<RefUpdates<'r>> {
        lock.check_covers(repo)?;
        let text: String = names.iter().map(|n| format!("{n}\n")).collect();
        fsio::write_atomic(&repo.path().join(JOURNAL), text.as_bytes(), Mode::Private)?;
        Ok(RefUpdates { repo })
    }
}

impl Drop for RefUpdates<'_> {
    fn drop(&mut self) {
        let _ = fsio::remove_if_exists(&self.repo.path().join(JOURNAL));
    }
}

/// After a kill: removes the lock files a killed writer left on the names
/// its journal lists, then the journal. `held` is this process's own lock
/// on the vault, if it has one; a vault another writer holds is left alone.
pub fn recover(repo: &git2::Repository, held: Option<&WriteLock>) -> Result<()> {
    let journal = repo.path().join(JOURNAL);
    let Ok(text) = std::fs::read_to_string(&journal) else {
        return Ok(());
    };
    let Some(_lock) = WriteLock::for_recovery(repo, held)? else {
        return Ok(());
    };
    for name in text.lines().filter(|n| is_git_name(n)) {
        remove_lock_made_since(&repo.path().join(format!("{name}.lock")), &journal)?;
    }
    fsio::remove_if_exists(&journal)
}

/// A ref name under `refs/`, or the config: never a path out of `.git`.
fn is_git_name(name: &str) -> bool {
    name == CONFIG
        || (name.starts_with("refs/")
            && name
                .split('/')
                .all(|c| !c.is_empty() && c != "." && c != ".."))
}

/// Removes the regular file `lock` if it was made at or after `journal`
/// (by the process that wrote the journal, which held the vault lock).
pub(crate) fn remove_lock_made_since(lock: &Path, journal: &Path) -> Result<()> {
    let Ok(started) = std::fs::metadata(journal).and_then(|m| m.modified()) else {
        return Ok(());
    };
    let made_since = std::fs::symlink_metadata(lock)
        .ok()
        .filter(|m| m.is_file())
        .and_then(|m| m.modified().ok())
        .is_some_and(|t| t >= started);
    if made_since {
        fsio::remove_if_exists(lock)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_named_locks_made_after_the_journal_are_removed() {
        let dir = tempfile::tempdir().unwrap();
        let repo = git2::Repository::init(dir.path()).unwrap();
        let git = repo.path().to_path_buf();
        let older = git.join("refs/remotes/origin/main.lock");
        std::fs::create_dir_all(older.parent().unwrap()).unwrap();
        std::fs::write(&older, b"").unwrap();
        // A lock older than the journal is not the killed writer's.
        let old_time = std::time::SystemTime::now() - std::time::Duration::from_secs(60);
        std::fs::File::options()
            .write(true)
            .open(&older)
            .unwrap()
            .set_modified(old_time)
            .unwrap();
        {
            let lock = WriteLock::take(&repo).unwrap();
            let updates = RefUpdates::begin(
                &lock,
                &repo,
                &[
                    "refs/dossier/incoming",
                    "refs/remotes/origin/main",
                    CONFIG,
                    "../x",
                ],
            )
            .unwrap();
            std::fs::create_dir_all(git.join("refs/dossier")).unwrap();
            std::fs::write(git.join("refs/dossier/incoming.lock"), b"").unwrap();
            std::fs::write(git.join("config.lock"), b"").unwrap();
            std::fs::write(git.join("refs/heads/other.lock"), b"").unwrap();
            std::mem::forget(updates); // killed: the journal stays
        }
        recover(&repo, None).unwrap();
        assert!(!git.join("refs/dossier/incoming.lock").exists());
        assert!(!git.join("config.lock").exists());
        assert!(older.exists(), "made before the journal");
        assert!(git.join("refs/heads/other.lock").exists(), "not named");
        assert!(!git.join(JOURNAL).exists());
    }
}
