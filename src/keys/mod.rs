//! Layer 3, keys: a person's keys and the signed statements about them.
//!
//! [`identity`] is one's own secret key on disk (passphrase-protected);
//! [`card`] the public key card others import; [`binding`] the signed
//! statement binding a key to a person over time (expiry, succession);
//! [`fingerprint`] the one way a key is named. Invariants: a secret key is
//! only ever decrypted into a [`identity::Session`], never written in clear.

pub mod agent;
pub mod binding;
pub mod card;
pub mod fingerprint;
pub mod identity;
pub mod signature;
pub mod signed;
