//! Layer 9, ops: one function per user action.
//!
//! Each action takes an opened [`crate::vault::Vault`] and a
//! [`crate::keys::identity::Session`], checks the rules of `trust`, and
//! writes through [`crate::repo::store`] in one signed commit. The CLI and the
//! TUI call these and nothing lower for any change.

pub mod access_review;
pub mod admin;
pub mod agenda;
pub mod blind_index;
pub mod cases;
pub mod conflicts;
pub mod disclose;
pub mod documents;
pub mod done;
pub mod listing;
pub mod rekey;
pub mod retention;
pub mod revocation;
pub mod rotation;
pub mod search;
