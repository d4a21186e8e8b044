//! Layer 1, support: the few primitives every other layer stands on.
//!
//! Invariants: nothing here knows what a vault, a case or a key is. Every
//! file dossier writes goes through [`fsio`] (atomic, never through a
//! symlink); every YAML document is parsed through [`yaml`] (bounded in size,
//! depth and aliases); secret bytes live in [`secret`] types that zeroise on
//! drop and never print; [`hygiene`] keeps every process out of core dumps.

pub mod fault;
pub mod fsio;
pub mod hygiene;
pub mod paths;
pub mod secret;
pub mod yaml;

/// `bytes` as lower-case hexadecimal (digests, tokens).
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
