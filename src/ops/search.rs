//! Full-text search over everything the session can decrypt.
//!
//! Decryption runs in parallel; matching is a regular expression, case
//! insensitive unless the pattern has an upper-case letter (smart case, as
//! ripgrep does). Hits are returned to the caller, never logged. The work
//! itself is [`search_cases`], which the TUI runs cancellably on the cases
//! it has listed; [`grep`] is its all-readable-cases form for the CLI.

use std::sync::atomic::{AtomicBool, Ordering};

use rayon::prelude::*;
use regex::RegexBuilder;
use serde::Serialize;

use crate::case::{CaseId, CaseRecord};
use crate::crypto;
use crate::error::{Error, Result};
use crate::keys::identity::Session;
use crate::ops::cases;
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
    /// Where in `line` (bytes) the first match is, for highlighting.
    #[serde(skip)]
    pub span: std::ops::Range<usize>,
}

/// Searches every readable case's record and notes for `pattern`.
pub fn grep(vault: &Vault, session: &Session, pattern: &str) -> Result<Vec<Hit>> {
    // Choose by the access lists alone: the search decrypts each case once.
    let listed = policy::cases_listing(vault, &session.fingerprint())?;
    let never = std::sync::atomic::AtomicBool::new(false);
    search_cases(vault, session, &listed, pattern, &never)
}

/// Searches the records and notes of the cases `ids` (those the caller knows
/// are readable) for `pattern`, with the same smart-case rule as
/// [`grep`]. Cases that cannot be read are skipped. Stops
/// early once `cancel` is set, returning the hits found so far.
pub fn search_cases(
    vault: &Vault,
    session: &Session,
    ids: &[CaseId],
    pattern: &str,
    cancel: &AtomicBool,
) -> Result<Vec<Hit>> {
    let smart_insensitive = !pattern.chars().any(char::is_uppercase);
    let re = RegexBuilder::new(pattern)
        .case_insensitive(smart_insensitive)
        .size_limit(1 << 20)
        .build()
        .map_err(|_| Error::InvalidValue {
            field: "search pattern".into(),
            reason: "it is not a valid regular expression".into(),
        })?;
    let key = session.decryption_keys()?;
    let root = vault.root();
    let work: Vec<(CaseId, Vec<String>)> = ids
        .iter()
        .map(|id| (id.clone(), vault.note_files(id).unwrap_or_default()))
        .collect();
    let mut hits: Vec<Hit> = work
        .par_iter()
        .map(|(id, note_names)| -> Vec<Hit> {
            let mut out = Vec::new();
            if cancel.load(Ordering::Relaxed) {
                return out;
            }
            let path = root.join(cases::record_path(id));
            let record = crate::support::fsio::read_in_vault(root, &cases::record_path(id))
                .and_then(|ct| crypto::decrypt(&ct, key, &path))
                .and_then(|plain| CaseRecord::parse(&plain, "a case record"));
            let mut matches = |text: &str, location: &dyn Fn() -> String| {
                for line in text.lines().map(str::trim) {
                    if let Some(m) = re.find(line) {
                        out.push(Hit {
                            case: id.clone(),
                            location: location(),
                            line: line.to_string(),
                            span: m.range(),
                        });
                    }
                }
            };
            if let Ok(text) = record.and_then(|r| r.to_yaml()) {
                matches(&text, &|| "record".into());
            }
            let notes = cases::read_notes(root, key, id, note_names).unwrap_or_default();
            for note in &notes {
                matches(&note.text, &|| format!("note {}", note.file));
            }
            out
        })
        .flatten()
        .collect();
    hits.sort_by(|a, b| (&a.case, &a.location).cmp(&(&b.case, &b.location)));
    Ok(hits)
}
