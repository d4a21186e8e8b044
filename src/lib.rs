//! dossier: a case manager for people who hold other people's secrets.
//!
//! This library is the whole product minus its faces: identities and keys,
//! the vault store (a git repository of age-encrypted case files), the case
//! model, trust policy, history and search. It knows nothing of terminals;
//! the CLI (`src/cli/`) and the TUI are thin layers over it.
//!
//! Module map, one job each:
//! - [`identity`], [`card`], [`fingerprint`], [`secret`]: a person's keys;
//! - [`crypto`], [`signature`]: age and SSHSIG, composed, never hand-rolled;
//! - [`vault`], [`keyring`], [`groups`], [`policy`], [`pins`]: what a vault holds and whom it trusts;
//! - [`case`], [`cases`], [`search`]: case records and operations on them;
//! - [`listing`], [`documents`], [`status`]: progressive listing for front ends,
//!   attachments, and the working state shown in status lines;
//! - [`store`], [`history`], [`exposure`]: the one place commits are made, and reading
//!   them back (the audit trail, who could read what);
//! - [`snapshot`], [`incoming`]: any vault state as files, and verifying history that
//!   arrives from elsewhere, commit by commit;
//! - [`sync`], [`remotes`], [`transport`], [`known_hosts`], [`bundle`], [`git_integration`]:
//!   sharing a vault (fetch, verify, merge, push; bundles; stock-git merge driver);
//! - [`settings`]: the signed vault settings (`log_views`, `offline`);
//! - [`git_integration`]: the merge driver and textconv that let stock git work on a vault;
//! - [`admin`]: vault creation and key administration;
//! - [`fsio`], [`yaml`], [`paths`]: the one place files are written / YAML is parsed.

#![warn(missing_docs)]
// Nothing a user can cause may panic: outside tests, failures are `Error`s.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

pub mod admin;
pub mod binding;
pub mod bundle;
pub mod card;
pub mod case;
pub mod cases;
pub mod crypto;
pub mod demo;
pub mod documents;
pub mod error;
pub mod exposure;
pub mod fault;
pub mod fingerprint;
pub mod fsio;
pub mod generate;
pub mod git_integration;
pub mod groups;
pub mod history;
pub mod identity;
pub mod incoming;
pub mod keyring;
pub mod known_hosts;
pub mod layout;
pub mod listing;
pub mod paths;
pub mod pins;
pub mod policy;
pub mod rekey;
pub mod remotes;
pub mod revocation;
pub mod rotation;
pub mod search;
pub mod secret;
pub mod settings;
pub mod signature;
pub mod snapshot;
pub mod status;
pub mod store;
pub mod succession;
pub mod sync;
#[cfg(test)]
mod testkit;
pub mod transport;
pub mod vault;
pub mod verified;
pub mod verify;
pub mod yaml;

pub use error::{Error, Result};
