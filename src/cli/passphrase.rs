//! Where the CLI gets passphrases: `DOSSIER_PASSPHRASE`, `--passphrase-file`,
//! or a no-echo prompt on the terminal. Never from argv.

use std::io::IsTerminal;
use std::path::PathBuf;

use dossier::support::secret::{ExposeSecret, PassphraseSource, SecretString};
use dossier::{Error, Result};

/// The CLI's passphrase source.
pub struct CliPassphrase {
    file: Option<PathBuf>,
}

impl CliPassphrase {
    pub fn new(file: Option<PathBuf>) -> CliPassphrase {
        CliPassphrase { file }
    }

    fn preset(&self) -> Result<Option<SecretString>> {
        if let Some(path) = &self.file {
            let text = std::fs::read_to_string(path)
                .map_err(Error::io("read the passphrase file", path))?;
            let line = text.lines().next().unwrap_or("").to_string();
            return Ok(Some(SecretString::from(line)));
        }
        if let Ok(v) = std::env::var("DOSSIER_PASSPHRASE") {
            return Ok(Some(SecretString::from(v)));
        }
        Ok(None)
    }

    /// A passphrase for a new identity: preset, or asked twice on a terminal.
    pub fn new_passphrase(&self) -> Result<SecretString> {
        if let Some(p) = self.preset()? {
            return Ok(p);
        }
        require_terminal()?;
        let first = prompt("New passphrase: ")?;
        if first.expose_secret().is_empty() {
            return Err(Error::EmptyPassphrase);
        }
        let second = prompt("Repeat passphrase: ")?;
        if first.expose_secret() != second.expose_secret() {
            return Err(Error::Refused(
                "the two passphrases differ; nothing was created".into(),
            ));
        }
        Ok(first)
    }
}

impl PassphraseSource for CliPassphrase {
    fn passphrase(&self, purpose: &str) -> Result<SecretString> {
        if let Some(p) = self.preset()? {
            return Ok(p);
        }
        require_terminal()?;
        prompt(&format!("Passphrase to {purpose}: "))
    }
}

fn require_terminal() -> Result<()> {
    if std::io::stdin().is_terminal() {
        Ok(())
    } else {
        Err(Error::NoPassphrase(
            "there is no terminal to ask on; set DOSSIER_PASSPHRASE or use --passphrase-file"
                .into(),
        ))
    }
}

fn prompt(text: &str) -> Result<SecretString> {
    rpassword::prompt_password(text)
        .map(SecretString::from)
        .map_err(|e| Error::NoPassphrase(format!("could not read it from the terminal ({e})")))
}
