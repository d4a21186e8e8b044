//! dossier: a case manager for people who hold other people's secrets.
//!
//! This library is the whole product minus its faces: identities and keys,
//! the vault store (a git repository of age-encrypted case files), the case
//! model, trust policy, history and search. It knows nothing of terminals;
//! the CLI (`src/cli/`) and the TUI (`src/tui/`) are thin layers over it.
//!
//! Layers, lowest first. A module may import its own layer and the layers
//! below it, never one above (`tests/integration/layers.rs` fails the build
//! when one does), and modules within a layer import each other without
//! cycles:
//!
//! 1. [`support`]: files, YAML, paths, secrets, fault injection;
//! 2. [`crypto`]: age and SSHSIG, composed, never hand-rolled;
//! 3. [`keys`]: fingerprints, key cards, bindings, one's own identity;
//! 4. [`case`]: the case model (records, notes, access lists, merges), pure;
//! 5. [`repo`]: the git repository (the one commit writer, journal, history
//!    primitives, snapshots, working status);
//! 6. [`vault`]: what a vault holds (layout, keyring, groups, settings, pins);
//! 7. [`trust`]: whom it believes (policy, incoming history, the watermark,
//!    opening a vault);
//! 8. [`audit`]: reading the record back (log, exposure, verify);
//! 9. [`ops`]: one function per user action;
//! 10. [`sync`]: sharing a vault (remotes, transports, bundles, merges, the
//!     stock-git merge driver);
//! 11. [`samples`]: the demo vault and the benchmark generator;
//!     [`fuzz_targets`]: the fuzzers' entry points, over all the layers.
//!
//! [`error`] is shared by all layers.

#![warn(missing_docs)]
// Nothing a user can cause may panic: outside tests, failures are `Error`s.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

pub mod error;

pub mod support;

pub mod crypto;

pub mod keys;

pub mod case;

pub mod repo;

pub mod vault;

pub mod trust;

pub mod audit;

pub mod ops;

pub mod sync;

pub mod samples;

// A fuzz target panics on purpose when a property fails: that is a finding.
#[allow(clippy::expect_used, clippy::unwrap_used)]
pub mod fuzz_targets;

pub use error::{Error, Result};
