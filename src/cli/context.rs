//! What every command starts from: the vault, the identity and the
//! passphrase source resolved from the options, and the opening of the
//! vault with its warnings (an interrupted re-encryption, unverified
//! history) and progress.

use std::path::PathBuf;

use dossier::keys::identity::{Home, Identity, Session};
use dossier::vault::Vault;
use dossier::{Error, Result};

use super::passphrase::CliPassphrase;

/// The resolved options every command starts from: where the vault and
/// the identity are, and where the passphrase comes from.
pub(super) struct Context {
    pub(super) vault: Option<PathBuf>,
    pub(super) home: Option<PathBuf>,
    pub(super) passphrase_file: Option<PathBuf>,
}

impl Context {
    pub(super) fn home(&self) -> Result<Home> {
        match &self.home {
            Some(h) => Ok(Home::new(h)),
            None => Home::default_location()
                .ok_or_else(|| Error::NoIdentity(PathBuf::from("$DOSSIER_HOME (HOME is not set)"))),
        }
    }

    /// The session of the identity: through the passphrase agent when the
    /// user opted in (see [`super::agent`]).
    pub(super) fn session(&self) -> Result<Session> {
        let home = self.home()?;
        let identity = Identity::load(&home)?;
        let source = Box::new(CliPassphrase::new(self.passphrase_file.clone()));
        match crate::passphrase_agent::configured() {
            Some(idle) => super::agent::session(&home, identity, source, idle),
            None => Ok(Session::new(identity, source)),
        }
    }

    /// Opens the vault, warning about an interrupted re-encryption.
    pub(super) fn vault(&self) -> Result<Vault> {
        let vault = self.open_vault()?;
        warn_pending(&vault);
        Ok(vault)
    }

    /// Opens the vault for a command that changes it: the write lock is
    /// taken first, waiting for another writer (a line on stderr after a
    /// second, as `apt` does for its lock), and held until the vault drops.
    pub(super) fn vault_for_change(&self) -> Result<Vault> {
        let vault = Vault::open_for_change(&self.vault_root()?, &mut verifying_progress)?;
        warn_pending(&vault);
        Ok(vault)
    }

    fn open_vault(&self) -> Result<Vault> {
        Vault::open_with(&self.vault_root()?, &mut verifying_progress)
    }

    /// Opens the vault for `log`, `verify` and who-could-read: history that
    /// does not verify is reported (a warning here, a problem in `verify`)
    /// instead of refused, so it can be inspected.
    pub(super) fn audit_vault(&self) -> Result<Vault> {
        let vault = self.audit_vault_quiet()?;
        if let Some(problem) = vault.history_problem() {
            eprintln!("dossier: warning: {problem}");
        }
        Ok(vault)
    }

    /// [`Context::audit_vault`] without the history warning (`verify`
    /// reports it as one of its problems).
    pub(super) fn audit_vault_quiet(&self) -> Result<Vault> {
        let vault = Vault::open_for_audit(&self.vault_root()?, &mut verifying_progress)?;
        warn_pending(&vault);
        Ok(vault)
    }

    pub(super) fn vault_root(&self) -> Result<std::path::PathBuf> {
        match &self.vault {
            Some(dir) => Vault::find_root(dir),
            None => {
                let cwd =
                    std::env::current_dir().map_err(Error::io("find", "the current directory"))?;
                Vault::find_root(&cwd)
            }
        }
    }
}

/// Warns about an interrupted re-encryption left on the current commit.
fn warn_pending(vault: &Vault) {
    if let Some(p) = vault.pending_rekey() {
        eprintln!(
            "dossier: warning: an interrupted `{}` prepared {} of {} cases but committed nothing; the vault is unchanged. Run the same command again to finish it.",
            p.operation, p.done, p.total
        );
    }
}

/// Progress of a first verification of a long history, on a terminal.
fn verifying_progress(done: usize, total: usize) {
    use std::io::IsTerminal;
    if std::io::stderr().is_terminal() {
        eprint!("\rdossier: verifying history: {done}/{total} commits");
        if done == total {
            eprintln!();
        }
    }
}
