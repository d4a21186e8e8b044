//! Root pinning (DESIGN §3), like ssh's known_hosts.
//!
//! The first time a client opens a vault it records the vault's root
//! fingerprints in `$XDG_CONFIG_HOME/dossier/known_vaults.yaml`, keyed by the
//! vault's first commit (the same in every clone). Later, a `vault.yaml`
//! naming other roots is accepted only when it is signed by one of the
//! pinned roots; otherwise the vault is refused. Without this, whoever can
//! push could name themselves root and sign their own `vault.yaml`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::keys::fingerprint::Fingerprint;
use crate::support::fsio::{self, Mode};
use crate::support::yaml;

/// One pinned vault.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Pin {
    /// The vault's name when pinned (for people reading the file).
    pub name: String,
    /// Where it was last opened.
    pub path: PathBuf,
    /// Its root fingerprints.
    pub roots: Vec<Fingerprint>,
    /// When first seen.
    pub first_seen: DateTime<Utc>,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct KnownVaults {
    #[serde(default)]
    vaults: BTreeMap<String, Pin>,
}

/// The pin file's default location.
pub fn default_file() -> Option<PathBuf> {
    crate::support::paths::config_dir().map(|d| d.join("known_vaults.yaml"))
}

/// Checks a vault's roots against the pin file, pinning on first use.
///
/// `vault_key` identifies the vault across clones (its first commit id);
/// `signer` signed the current `vault.yaml`.
pub fn check(
    file: &Path,
    vault_key: &str,
    vault_path: &Path,
    name: &str,
    roots: &[Fingerprint],
    signer: Fingerprint,
) -> Result<()> {
    let mut known: KnownVaults = if file.exists() {
        yaml::parse_bytes(&fsio::read(file)?, &file.display().to_string())?
    } else {
        KnownVaults::default()
    };
    let mut sorted = roots.to_vec();
    sorted.sort();
    let same_path_other_history = known
        .vaults
        .iter()
        .any(|(k, pin)| k != vault_key && pin.path == vault_path);
    match known.vaults.get(vault_key) {
        Some(pin) if pin.roots == sorted => return Ok(()),
        Some(pin) if pin.roots.contains(&signer) => {} // a pinned root changed the roots
        Some(pin) => {
            return Err(Error::RootsChanged {
                pinned: list(&pin.roots),
                found: list(&sorted),
                config: file.to_path_buf(),
            })
        }
        None if same_path_other_history => {
            return Err(Error::HistoryReplaced {
                vault: vault_path.to_path_buf(),
                config: file.to_path_buf(),
            })
        }
        None => {}
    }
    let first_seen = known
        .vaults
        .get(vault_key)
        .map(|p| p.first_seen)
        .unwrap_or_else(Utc::now);
    known.vaults.insert(
        vault_key.to_string(),
        Pin {
            name: name.to_string(),
            path: vault_path.to_path_buf(),
            roots: sorted,
            first_seen,
        },
    );
    fsio::write_atomic(file, yaml::render(&known)?.as_bytes(), Mode::Private)
}

fn list(fps: &[Fingerprint]) -> String {
    fps.iter()
        .map(|f| f.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}
