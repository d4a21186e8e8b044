//! Layer 5, repo: the git repository underneath a vault.
//!
//! [`store`] is the one place commits are made (signed, journaled, the
//! branch moved last); [`journal`] records an interrupted multi-commit
//! write so the next open finishes or undoes it; [`snapshot`] reads any
//! state (a commit, the working tree) as files; [`history`] holds the
//! primitives for walking history (who signed a commit, which commit
//! introduced a file's content); [`status`] the working state a status line
//! shows. Invariants: nothing here judges trust — a signer is reported, never
//! accepted or refused (that is `trust`).

pub mod history;
pub mod journal;
pub mod lock;
pub mod snapshot;
pub mod status;
pub mod store;
