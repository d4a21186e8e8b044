//! Notes: one encrypted file per note (`notes/<time>-<rand>.md.age`), so
//! concurrent notes never conflict on merge. The plaintext is a small YAML
//! header (author, time) then the note's text.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::keys::fingerprint::Fingerprint;
use crate::support::secret::Zeroizing;
use crate::support::yaml;

// Decrypted content: Debug never shows it.
crate::redacted_debug!(Note);

/// A decrypted note.
#[derive(Clone, PartialEq, Serialize)]
pub struct Note {
    /// The file name inside `notes/`.
    pub file: String,
    /// Who wrote it.
    pub author: Fingerprint,
    /// When.
    pub created: DateTime<Utc>,
    /// The text.
    pub text: String,
}

#[derive(Serialize, Deserialize)]
struct Header {
    author: Fingerprint,
    created: DateTime<Utc>,
}

impl Note {
    /// A file name for a new note written at `created`.
    pub fn file_name(created: DateTime<Utc>) -> String {
        format!(
            "{}-{}.md.age",
            created.format("%Y%m%dT%H%M%SZ"),
            crate::case::id::item_id()
        )
    }

    /// The plaintext stored for a note.
    pub fn plaintext(
        author: Fingerprint,
        created: DateTime<Utc>,
        text: &str,
    ) -> Result<Zeroizing<Vec<u8>>> {
        let created = crate::support::yaml::whole_seconds(created);
        let header = yaml::render(&Header { author, created })?;
        // Notes end in a newline, so stock `age -d` prints them cleanly.
        let newline = if text.ends_with('\n') { "" } else { "\n" };
        Ok(Zeroizing::new(
            format!("---\n{header}---\n{text}{newline}").into_bytes(),
        ))
    }

    /// Reads a decrypted note.
    pub fn parse(file: &str, plain: &[u8]) -> Result<Note> {
        let malformed = || Error::MalformedYaml {
            what: format!("note {file}"),
            detail: "the note header is missing".into(),
        };
        let text = std::str::from_utf8(plain).map_err(|_| malformed())?;
        let rest = text.strip_prefix("---\n").ok_or_else(malformed)?;
        let (head, body) = rest.split_once("\n---\n").ok_or_else(malformed)?;
        let header: Header = yaml::parse(head, &format!("note {file}"))?;
        Ok(Note {
            file: file.to_string(),
            author: header.author,
            created: header.created,
            text: body.to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_note_round_trips() {
        let fp: Fingerprint = "SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU"
            .parse()
            .unwrap();
        let now = DateTime::from_timestamp(1_790_000_000, 0).unwrap();
        let plain = Note::plaintext(fp, now, "Met the client.\n---\nmore\n").unwrap();
        let note = Note::parse("f.md.age", &plain).unwrap();
        assert_eq!(note.author, fp);
        assert_eq!(note.created, now);
        assert_eq!(note.text, "Met the client.\n---\nmore\n");
        let unterminated = Note::plaintext(fp, now, "x").unwrap();
        assert!(unterminated.ends_with(b"x\n"));
        assert!(Note::file_name(now).starts_with("20260921T"));
    }
}
