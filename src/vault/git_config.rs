//! The stock-git set-up of a vault's clone: which programs git runs on it,
//! and how it signs.
//!
//! [`install`] tells a clone's git to merge case records field by field and
//! to show encrypted files as plaintext to whoever can decrypt them (the
//! programs are `dossier merge-driver` and `dossier textconv`, in
//! [`crate::sync::git_integration`]):
//! - attributes go to `.git/info/attributes`, never a committed
//!   `.gitattributes`: which program git runs on a checkout must not be
//!   chosen by whoever pushes to the remote;
//! - the commands go to the repository's local config, with
//!   `diff.dossier.cachetextconv = false`, because a cached textconv would
//!   store the decrypted output as git objects under `refs/notes/textconv`.
//!
//! [`install_signing`] makes `git commit` sign with the user's dossier key,
//! so a commit made with stock git verifies like one made by dossier.

use std::path::Path;

use crate::error::{Error, Result};
use crate::keys::identity::Session;
use crate::support::fsio::{self, Mode};

const ATTRIBUTES_BEGIN: &str = "# dossier: begin (managed by dossier; this block is rewritten)";
const ATTRIBUTES_END: &str = "# dossier: end";
const ATTRIBUTES: &[&str] = &[
    "cases/*/case.yaml.age merge=dossier diff=dossier",
    "cases/*/notes/*.age diff=dossier",
    "cases/*/docs/*.age -diff",
    // Tokens of both sides (a superset, never a missed name); an index
    // under two secrets no longer parses and shows as not indexed.
    "cases/*/blind.idx merge=union",
];

/// Installs the merge driver and textconv for `repo`, running `exe` (the
/// absolute path of the dossier binary). Idempotent: the attributes block
/// is replaced, other lines of `.git/info/attributes` are kept, and the
/// config values are overwritten.
pub fn install(repo: &git2::Repository, exe: &Path) -> Result<()> {
    let exe = exe
        .to_str()
        .ok_or_else(|| Error::ProgramPathNotUtf8(exe.to_path_buf()))?;
    let attributes = repo.path().join("info").join("attributes");
    let existing = match std::fs::read_to_string(&attributes) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(Error::io("read", &attributes)(e)),
    };
    let updated = with_attributes_block(&existing);
    if updated != existing {
        fsio::write_atomic(&attributes, updated.as_bytes(), Mode::Shared)?;
    }

    let mut config = repo.config()?.open_level(git2::ConfigLevel::Local)?;
    let quoted = shell_quote(exe);
    config.set_str(
        "merge.dossier.name",
        "dossier: field-by-field merge of encrypted case records",
    )?;
    config.set_str(
        "merge.dossier.driver",
        &format!("{quoted} merge-driver %O %A %B %P"),
    )?;
    config.set_str("diff.dossier.textconv", &format!("{quoted} textconv"))?;
    config.set_bool("diff.dossier.cachetextconv", false)?;
    Ok(())
}

/// Sets up a clone for stock git: the merge driver and textconv run this
/// binary ([`install`]; skipped when the running program's path cannot be
/// found), and, with a `session`, commits are SSH-signed with its key
/// ([`install_signing`]). Called by `init`, `clone` and `sync`.
pub fn install_for(repo: &git2::Repository, session: Option<&Session>) -> Result<()> {
    if let Ok(exe) = std::env::current_exe() {
        install(repo, &exe)?;
    }
    if let Some(session) = session {
        install_signing(repo, &session.identity().home().signing_key_path())?;
    }
    Ok(())
}

/// Sets up git's SSH commit signing in the vault's local config with the
/// dossier signing key at `signing_key` (`gpg.format = ssh`,
/// `user.signingKey`, `commit.gpgSign = true`, and `allowed_signers` for
/// `git log --show-signature`), so that a merge made with stock `git
/// merge` is signed and dossier accepts it (an unsigned commit never
/// verifies). Values the user already set locally are kept; git asks for
/// the key's passphrase itself (or uses ssh-agent).
pub fn install_signing(repo: &git2::Repository, signing_key: &Path) -> Result<()> {
    let Some(key) = signing_key.to_str() else {
        return Ok(()); // git could not be told the path; merges stay unsigned
    };
    let mut config = repo.config()?.open_level(git2::ConfigLevel::Local)?;
    let mut set_default = |name: &str, value: &str| -> Result<()> {
        if config.get_entry(name).is_err() {
            config.set_str(name, value)?;
        }
        Ok(())
    };
    set_default("gpg.format", "ssh")?;
    set_default("user.signingKey", key)?;
    set_default("commit.gpgSign", "true")?;
    if let Some(signers) = repo.workdir().and_then(|w| {
        w.join(crate::vault::ALLOWED_SIGNERS_PATH)
            .to_str()
            .map(str::to_string)
    }) {
        set_default("gpg.ssh.allowedSignersFile", &signers)?;
    }
    Ok(())
}

/// `existing` with dossier's block (re)placed at its end and every other
/// line kept.
fn with_attributes_block(existing: &str) -> String {
    let mut out = String::new();
    let mut inside = false;
    for line in existing.lines() {
        if line == ATTRIBUTES_BEGIN {
            inside = true;
        } else if line == ATTRIBUTES_END && inside {
            inside = false;
        } else if !inside {
            out.push_str(line);
            out.push('\n');
        }
    }
    out.push_str(ATTRIBUTES_BEGIN);
    out.push('\n');
    for line in ATTRIBUTES {
        out.push_str(line);
        out.push('\n');
    }
    out.push_str(ATTRIBUTES_END);
    out.push('\n');
    out
}

/// `s` as one word for `sh`: single-quoted, with embedded quotes escaped.
fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn install_is_idempotent_and_keeps_the_users_attributes() {
        let dir = tempfile::tempdir().unwrap();
        let repo = git2::Repository::init(dir.path()).unwrap();
        let attributes = repo.path().join("info/attributes");
        std::fs::create_dir_all(attributes.parent().unwrap()).unwrap();
        std::fs::write(&attributes, "*.pdf -diff\n").unwrap();
        let exe = Path::new("/opt/it's here/dossier");
        install(&repo, exe).unwrap();
        let once = std::fs::read_to_string(&attributes).unwrap();
        install(&repo, exe).unwrap();
        let twice = std::fs::read_to_string(&attributes).unwrap();
        assert_eq!(once, twice);
        assert!(once.starts_with("*.pdf -diff\n"), "{once}");
        assert_eq!(once.matches("merge=dossier").count(), 1, "{once}");
        assert!(once.contains("cases/*/docs/*.age -diff"));

        let config = repo.config().unwrap().snapshot().unwrap();
        let driver = config.get_string("merge.dossier.driver").unwrap();
        assert_eq!(
            driver,
            r"'/opt/it'\''s here/dossier' merge-driver %O %A %B %P"
        );
        assert_eq!(
            config.get_string("diff.dossier.textconv").unwrap(),
            r"'/opt/it'\''s here/dossier' textconv"
        );
        assert!(!config.get_bool("diff.dossier.cachetextconv").unwrap());
    }

    #[test]
    fn the_quoted_path_survives_sh() {
        let tricky = "/tmp/a b/it's $HOME `x`";
        let out = std::process::Command::new("sh")
            .args(["-c", &format!("printf %s {}", shell_quote(tricky))])
            .output()
            .unwrap();
        assert_eq!(String::from_utf8(out.stdout).unwrap(), tricky);
    }

    #[test]
    fn init_installs_the_driver_and_no_textconv_cache() {
        let dir = tempfile::tempdir().unwrap();
        let (_session, vault) = crate::samples::testkit::owner_and_vault(dir.path());
        let attributes =
            std::fs::read_to_string(vault.repo().path().join("info/attributes")).unwrap();
        assert!(attributes.contains("cases/*/case.yaml.age merge=dossier diff=dossier"));
        assert!(!vault.root().join(".gitattributes").exists());
        let config = vault.repo().config().unwrap().snapshot().unwrap();
        assert!(config.get_string("merge.dossier.driver").is_ok());
    }
}
