//! Opening a vault: the only way to get a [`Vault`].
//!
//! A vault state is trusted only when its whole history verified (DESIGN
//! §4), so opening is a trust decision, not a file read: [`Vault::open`]
//! finishes an interrupted commit, verifies the history between the
//! watermark and `HEAD` ([`verified::ensure`]), and only then reads the trust
//! state from the verified commit (`Vault::load`) and checks the vault's
//! pinned roots ([`crate::vault::pins`]). The constructors live here, above
//! `vault/`, so that `vault/` never depends on the rules that judge it.

use std::path::Path;

use crate::error::{Error, Result};
use crate::trust::verified;
use crate::vault::pins;
use crate::vault::{Locking, Vault};

impl Vault {
    /// Finds the vault containing `start` (itself or a parent directory).
    pub fn discover(start: &Path) -> Result<Vault> {
        Vault::open(&Vault::find_root(start)?)
    }

    /// Opens the vault rooted at `root`. Its history is verified first, up
    /// to `HEAD` ([`verified::ensure`]): a vault whose history does not
    /// verify is refused. The trust state (config, keyring, groups, and
    /// access lists through [`Vault::access_list`]) is read from the
    /// verified commit, never from the working tree.
    pub fn open(root: &Path) -> Result<Vault> {
        Vault::open_with(root, &mut |_, _| {})
    }

    /// [`Vault::open`], telling `progress` `(checked, total)` while a long
    /// unverified history is verified.
    pub fn open_with(root: &Path, progress: &mut dyn FnMut(usize, usize)) -> Result<Vault> {
        open(root, progress, Purpose::Read, Locking::None)
    }

    /// [`Vault::open_with`] for a command that changes the vault: the
    /// write lock is taken first, waiting for another writer to finish
    /// (see [`crate::repo::lock`]), and held by the vault until it drops,
    /// so what is read and judged here is what the change lands on. Two
    /// commands run side by side take turns instead of one failing.
    pub fn open_for_change(root: &Path, progress: &mut dyn FnMut(usize, usize)) -> Result<Vault> {
        open(root, progress, Purpose::Read, Locking::Wait)
    }

    /// Opens the vault for reading its history and reporting on it (`log`,
    /// `verify`, who could read): history that does not verify is not
    /// refused but reported by [`Vault::history_problem`], and the trust
    /// state is read from `HEAD` as it is. Nothing may be written through a
    /// vault opened this way while it reports a problem.
    pub fn open_for_audit(root: &Path, progress: &mut dyn FnMut(usize, usize)) -> Result<Vault> {
        open(root, progress, Purpose::Audit, Locking::None)
    }

    /// Re-reads config, keyring and groups after a change.
    /// A vault opened for a change keeps its write lock.
    pub fn reload(&mut self) -> Result<()> {
        let lock = match self.release_held() {
            Some(held) => Locking::Held(held),
            None => Locking::None,
        };
        let root = self.root().to_path_buf();
        let fresh = open(&root, &mut |_, _| {}, Purpose::Read, lock)?;
        *self = fresh;
        Ok(())
    }
}

/// Whether history that does not verify is refused (`Read`, for use and
/// change) or reported (`Audit`).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Purpose {
    Read,
    Audit,
}

fn open(
    root: &Path,
    progress: &mut dyn FnMut(usize, usize),
    purpose: Purpose,
    lock: Locking,
) -> Result<Vault> {
    let (repo, root, held) = Vault::repository(root, lock)?;
    let history_problem = match verified::ensure(&repo, progress) {
        Ok(_) => None,
        Err(e) => {
            // A damaged object store is named as such, not blamed on history.
            if let Some(damage) = crate::repo::damage::as_error(&repo) {
                return Err(damage);
            }
            match e {
                Error::UnverifiedHistory { .. } if purpose == Purpose::Audit => Some(e.to_string()),
                e => return Err(e),
            }
        }
    };
    let (vault, signer) = match Vault::load(repo, root.clone(), history_problem, held) {
        Ok(loaded) => loaded,
        Err(e) => return Err(Vault::explain_at(&root, e)),
    };
    if let Some(file) = pins::default_file() {
        let config = vault.config();
        let key = verified::first_commit(vault.repo())?.to_string();
        pins::check(
            &file,
            &key,
            vault.root(),
            &config.name,
            &config.roots,
            signer,
        )?;
    }
    Ok(vault)
}
