//! Named remotes of a vault. They are ordinary git remotes
//! (`remote.NAME.url` in `.git/config`), so stock git sees the same ones;
//! they are local to one clone and never committed.

use crate::error::{Error, Result};
use crate::sync::transport::RemoteUrl;
use crate::vault::Vault;

/// A named remote.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Remote {
    /// Its name, e.g. `origin`.
    pub name: String,
    /// Its URL as written.
    pub url: String,
}

/// Whether `name` is usable as a remote name.
fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && !name.starts_with(['-', '.'])
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// Refuses a network remote when the vault is set offline.
pub fn check_offline(vault: &Vault, url: &RemoteUrl, shown: &str) -> Result<()> {
    if vault.config().settings.offline && url.is_network() {
        Err(Error::Offline(shown.to_string()))
    } else {
        Ok(())
    }
}

/// Adds a remote after checking its name and URL.
pub fn add(vault: &Vault, name: &str, url: &str) -> Result<Remote> {
    if !valid_name(name) {
        return Err(Error::InvalidValue {
            field: "remote name".into(),
            reason: format!("`{name}` is not usable; use letters, digits, `-`, `_` or `.`"),
        });
    }
    let parsed = RemoteUrl::parse(url)?;
    check_offline(vault, &parsed, url)?;
    let repo = vault.repo();
    if repo.find_remote(name).is_ok() {
        return Err(Error::RemoteExists(name.to_string()));
    }
    repo.remote(name, url)?;
    Ok(Remote {
        name: name.to_string(),
        url: url.to_string(),
    })
}

/// Every remote, by name.
pub fn list(vault: &Vault) -> Result<Vec<Remote>> {
    let repo = vault.repo();
    let mut out = Vec::new();
    for name in repo.remotes()?.iter().flatten().flatten() {
        let remote = repo.find_remote(name)?;
        out.push(Remote {
            name: name.to_string(),
            url: remote.url().unwrap_or("").to_string(),
        });
    }
    Ok(out)
}

/// The remote to sync with: the one named, else the only one (or `origin`).
pub fn choose(vault: &Vault, name: Option<&str>) -> Result<Remote> {
    let all = list(vault)?;
    let found = match name {
        Some(n) => all.into_iter().find(|r| r.name == n),
        None if all.len() == 1 => all.into_iter().next(),
        None => all.into_iter().find(|r| r.name == "origin"),
    };
    found.ok_or_else(|| match name {
        Some(n) => Error::UnknownRemote(n.to_string()),
        None => Error::NoDefaultRemote,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remote_names_are_plain_words() {
        for ok in ["origin", "office-2", "usb_a", "a.b"] {
            assert!(valid_name(ok), "{ok}");
        }
        for bad in ["", "-x", ".hidden", "a b", "a/b", "ä"] {
            assert!(!valid_name(bad), "{bad}");
        }
    }
}
