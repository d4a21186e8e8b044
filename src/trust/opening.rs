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
use crate::vault::Vault;

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
        open(root, progress, false)
    }

    /// Opens the vault for reading its history and reporting on it (`log`,
    /// `verify`, who could read): history that does not verify is not
    /// refused but reported by [`Vault::history_problem`], and the trust
    /// state is read from `HEAD` as it is. Nothing may be written through a
    /// vault opened this way while it reports a problem.
    pub fn open_for_audit(root: &Path, progress: &mut dyn FnMut(usize, usize)) -> Result<Vault> {
        open(root, progress, true)
    }

    /// Re-reads config, keyring and groups after a change.
    pub fn reload(&mut self) -> Result<()> {
        let fresh = Vault::open(self.root())?;
        *self = fresh;
        Ok(())
    }
}

fn open(root: &Path, progress: &mut dyn FnMut(usize, usize), audit: bool) -> Result<Vault> {
    let (repo, root) = Vault::repository(root)?;
    let history_problem = match verified::ensure(&repo, progress) {
        Ok(_) => None,
        Err(e @ Error::UnverifiedHistory { .. }) if audit => Some(e.to_string()),
        Err(e) => return Err(e),
    };
    let (vault, signer) = Vault::load(repo, root, history_problem)?;
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
