//! The commands git runs on a vault (installed by
//! [`dossier::vault::git_config::install`]): `merge-driver` for case records
//! and `textconv` for `git diff` / `git log -p`. Hidden from `--help`.

use std::io::Write;
use std::path::{Path, PathBuf};

use dossier::crypto;
use dossier::keys::identity::Session;
use dossier::sync::git_integration::{self, DriverFiles, DriverOutcome, PLACEHOLDER};
use dossier::vault::Vault;
use dossier::{Error, Result};

/// `dossier merge-driver BASE OURS THEIRS PATH`: merges the record, writes
/// it over OURS and succeeds; on conflicts prints one line per field to
/// stderr and fails (exit 1) with OURS untouched, so git marks the file
/// conflicted. The values are printed because the person running the merge
/// is a recipient of the case and asked for it.
pub(super) fn merge_driver(
    session: Session,
    base: PathBuf,
    ours: PathBuf,
    theirs: PathBuf,
    path: String,
) -> Result<()> {
    // git runs drivers at the top of the work tree being merged: that is the
    // vault, whatever DOSSIER_VAULT says.
    let cwd = std::env::current_dir().map_err(Error::io("find", "the current directory"))?;
    let vault = Vault::discover(&cwd)?;
    let theirs_commit = git_integration::merging_commit(vault.repo(), std::env::vars());
    let files = DriverFiles {
        base,
        ours,
        theirs,
        path,
    };
    match git_integration::run_merge_driver(&vault, &session, &files, theirs_commit)? {
        DriverOutcome::Merged => Ok(()),
        DriverOutcome::Conflicts(conflicts) => {
            let shown = |v: &Option<String>| match v {
                Some(v) => format!("\"{v}\""),
                None => "(absent)".to_string(),
            };
            for c in &conflicts {
                eprintln!(
                    "dossier: conflict in {} at {}: ours {}, theirs {}",
                    files.path,
                    c.field,
                    shown(&c.ours),
                    shown(&c.theirs)
                );
            }
            Err(Error::FieldConflicts {
                count: conflicts.len(),
                path: files.path.to_string(),
            })
        }
    }
}

/// `dossier textconv FILE`: the decrypted file on stdout for git's pager,
/// or [`PLACEHOLDER`] when the user cannot decrypt it (so `git log -p` goes
/// on). Failing to unlock the identity (wrong passphrase, no passphrase and
/// no terminal) is an error.
pub(super) fn textconv(session: Result<Session>, file: &Path) -> Result<()> {
    let bytes = dossier::support::fsio::read(file)?;
    let plain = if crypto::looks_like_age(&bytes) {
        match session {
            Ok(session) => crypto::decrypt(&bytes, session.decryption_keys()?, file).ok(),
            Err(Error::NoIdentity(_)) => None,
            Err(e) => return Err(e),
        }
    } else {
        None
    };
    let mut out = std::io::stdout().lock();
    let written = match &plain {
        Some(p) => out.write_all(p),
        None => writeln!(out, "{PLACEHOLDER}"),
    };
    written
        .and_then(|_| out.flush())
        .map_err(Error::io("write", "standard output"))
}
