//! Full-text search over everything the session can decrypt.
//!
//! Decryption runs in parallel; matching is a regular expression, case
//! insensitive unless the pattern has an upper-case letter (smart case, as
//! ripgrep does). Hits are returned to the caller, never logged. The work
//! itself is [`crate::ops::listing::search_cases`], which the TUI runs
//! cancellably; this is its all-readable-cases form for the CLI.

use serde::Serialize;

use crate::case::CaseId;
use crate::error::Result;
use crate::keys::identity::Session;
use crate::trust::policy;
use crate::vault::Vault;

// Decrypted content: Debug never shows it.
crate::redacted_debug!(Hit);

/// One matching line.
#[derive(Clone, Serialize)]
pub struct Hit {
    /// The case.
    pub case: CaseId,
    /// `record` or `note <file>`.
    pub location: String,
    /// The matching line.
    pub line: String,
}

/// Searches every readable case's record and notes for `pattern`.
pub fn grep(vault: &Vault, session: &Session, pattern: &str) -> Result<Vec<Hit>> {
    // Choose by the access lists alone: the search decrypts each case once.
    let listed = policy::cases_listing(vault, &session.fingerprint())?;
    let never = std::sync::atomic::AtomicBool::new(false);
    crate::ops::listing::search_cases(vault, session, &listed, pattern, &never)
}
