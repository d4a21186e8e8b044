//! Full-text search over everything the session can decrypt.
//!
//! Decryption runs in parallel; matching is a regular expression, case
//! insensitive unless the pattern has an upper-case letter (smart case, as
//! ripgrep does). Hits are returned to the caller, never logged.

use rayon::prelude::*;
use regex::RegexBuilder;
use serde::Serialize;

use crate::case::CaseId;
use crate::cases;
use crate::error::{Error, Result};
use crate::identity::Session;
use crate::vault::Vault;

/// One matching line.
#[derive(Debug, Clone, Serialize)]
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
    let smart_insensitive = !pattern.chars().any(char::is_uppercase);
    let re = RegexBuilder::new(pattern)
        .case_insensitive(smart_insensitive)
        .size_limit(1 << 20)
        .build()
        .map_err(|_| Error::InvalidValue {
            field: "PATTERN".into(),
            reason: "it is not a valid regular expression".into(),
        })?;
    let summaries = cases::list(vault, session)?;
    let mut readable = Vec::new();
    for s in summaries {
        if let cases::SummaryState::Readable { record } = s.state {
            let notes = vault.note_files(&s.id)?;
            readable.push((s.id, record, notes));
        }
    }
    let key = session.decryption_keys()?;
    let root = vault.root();
    let mut hits: Vec<Hit> = readable
        .par_iter()
        .map(|(id, record, note_names)| -> Vec<Hit> {
            let notes = cases::read_notes(root, key, id, note_names).unwrap_or_default();
            let mut out = Vec::new();
            if let Ok(text) = record.to_yaml() {
                for line in text.lines().filter(|l| re.is_match(l)) {
                    out.push(Hit {
                        case: id.clone(),
                        location: "record".into(),
                        line: line.trim().to_string(),
                    });
                }
            }
            for note in &notes {
                for line in note.text.lines().filter(|l| re.is_match(l)) {
                    out.push(Hit {
                        case: id.clone(),
                        location: format!("note {}", note.file),
                        line: line.trim().to_string(),
                    });
                }
            }
            out
        })
        .flatten()
        .collect();
    hits.sort_by(|a, b| (&a.case, &a.location).cmp(&(&b.case, &b.location)));
    Ok(hits)
}
