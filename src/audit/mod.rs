//! Layer 8, audit: reading the record back.
//!
//! [`log`] is the signed history shown to people; [`exposure`] answers who
//! could read a case at any point of history; [`verify`] checks a whole
//! vault (signatures, decryptability, the working tree) and names each
//! problem. Invariants: nothing here writes to the vault.

pub mod exposure;
pub mod log;
pub mod verify;
