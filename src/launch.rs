//! What the binary resolves before either face starts: the context the CLI
//! and the TUI both run from.
//!
//! The CLI resolves the vault and identity from its flags and environment
//! and hands the TUI a [`Launch`]; the TUI never looks at the command line.
//! Both take the scrypt cost of a new identity from [`scrypt_log_n`], so the
//! TUI does not import the CLI (no `cli` ↔ `tui` cycle).

use std::path::PathBuf;

use dossier::keys::identity::{self, Home};

/// The resolved context the TUI starts from.
pub struct Launch {
    /// The vault's working tree.
    pub vault_root: PathBuf,
    /// The identity directory.
    pub home: Home,
    /// `--theme`, if given.
    pub theme: Option<String>,
    /// The scrypt work factor for an identity created in this session.
    pub scrypt_log_n: u8,
}

impl Launch {
    /// A launch on `vault_root` for the identity in `home`, with the scrypt
    /// cost from the environment ([`scrypt_log_n`]).
    pub fn new(vault_root: PathBuf, home: Home, theme: Option<String>) -> Launch {
        Launch {
            vault_root,
            home,
            theme,
            scrypt_log_n: scrypt_log_n(),
        }
    }
}

/// The scrypt work factor for new identities. `DOSSIER_SCRYPT_LOG_N` lowers
/// or raises it (10..=22) for slow hardware and test suites.
pub fn scrypt_log_n() -> u8 {
    std::env::var("DOSSIER_SCRYPT_LOG_N")
        .ok()
        .and_then(|v| v.parse::<u8>().ok())
        .filter(|n| (10..=22).contains(n))
        .unwrap_or(identity::DEFAULT_SCRYPT_LOG_N)
}
