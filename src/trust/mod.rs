//! Layer 7, trust: whom a vault believes, and what they may do.
//!
//! [`policy`] decides who may read a case and who may sign each document;
//! [`incoming`] verifies history that arrives from elsewhere, commit by
//! commit and across merges; [`verified`] keeps the watermark of history
//! already verified; [`opening`] is the only way to get a [`crate::vault::Vault`]:
//! it loads the vault and refuses history that does not verify.

pub mod incoming;
pub mod opening;
pub mod policy;
pub mod verified;
