//! Attachments: files kept with a case (DESIGN §2, `cases/<id>/docs/<rand>.age`).
//!
//! A document's bytes are age-encrypted to the case's recipients under a
//! random file name; its real name, size and checksum live inside the
//! encrypted case record, in the record's `documents` list, so nothing about
//! the file is visible in cleartext. Attaching writes the document and the
//! re-encrypted record in one signed commit. Re-encryption on grant/revoke
//! already covers `docs/` because it walks every `.age` file of the case.
//!
//! The `documents` list is kept in the record's preserved unknown fields
//! (`CaseRecord::extra`), so records written here stay readable, unchanged,
//! by versions that do not know attachments.
//!
//! Exporting writes a decrypted copy to a path the user chose, mode 0600,
//! refusing to overwrite: the one deliberate exception to "no plaintext on
//! disk", made only on the user's explicit request.

use std::path::Path;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::case::{CaseId, CaseRecord};
use crate::crypto;
use crate::error::{Error, Result};
use crate::keys::fingerprint::Fingerprint;
use crate::keys::identity::Session;
use crate::ops::cases;
use crate::repo::store::{Change, CommitMessage};
use crate::support::fsio::{self, Mode};
use crate::support::hex;
use crate::support::yaml;
use crate::vault::Vault;

/// The record field holding the document list.
pub const RECORD_KEY: &str = "documents";

/// Largest file accepted (age is used over whole buffers here).
pub const MAX_SIZE: u64 = 64 * 1024 * 1024;

/// One attached document, as listed in the encrypted record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Document {
    /// Stable identity for merging.
    pub id: String,
    /// The encrypted file's name inside `cases/<id>/docs/`.
    pub file: String,
    /// The original file name (confidential: only inside the record).
    pub name: String,
    /// Size in bytes of the plaintext.
    pub size: u64,
    /// SHA-256 of the plaintext, hex.
    pub sha256: String,
    /// When attached.
    pub added: DateTime<Utc>,
    /// Who attached it.
    pub added_by: Fingerprint,
}

/// Relative path of a document's encrypted file.
pub fn document_path(case: &CaseId, file: &str) -> String {
    crate::vault::layout::VaultPath::case(
        case,
        crate::vault::layout::CaseFile::Document(file.to_string()),
    )
    .to_string()
}

/// The documents listed in a record (empty when it has none).
pub fn list(record: &CaseRecord) -> Result<Vec<Document>> {
    match record.extra.get(RECORD_KEY) {
        None => Ok(Vec::new()),
        Some(v) => yaml::from_value(v.clone(), "the document list of a case record"),
    }
}

/// Encrypts the file at `source` into the case and lists it in the record,
/// in one commit. Returns what was recorded.
pub fn attach(vault: &Vault, session: &Session, id: &CaseId, source: &Path) -> Result<Document> {
    let name = source
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .filter(|n| !n.is_empty() && !n.chars().any(char::is_control))
        .ok_or_else(|| Error::InvalidValue {
            field: "file".into(),
            reason: "give the path of a file with an ordinary name".into(),
        })?;
    let meta = std::fs::metadata(source).map_err(Error::io("read", source))?;
    if !meta.is_file() {
        return Err(Error::InvalidValue {
            field: "file".into(),
            reason: format!("{} is not a regular file", source.display()),
        });
    }
    if meta.len() > MAX_SIZE {
        return Err(Error::AttachmentTooLarge {
            path: source.to_path_buf(),
            limit_mib: MAX_SIZE / (1024 * 1024),
        });
    }
    let plain = crate::support::secret::Zeroizing::new(fsio::read(source)?);
    let lock = vault.lock()?;
    let (_, recipients) = cases::writable(vault, session, id)?;
    let mut record = cases::read_record(vault, session, id)?;
    let mut docs = list(&record)?;
    let doc = Document {
        id: crate::case::id::item_id(),
        file: format!("{}.age", crate::case::id::item_id()),
        name,
        size: plain.len() as u64,
        sha256: hex(&Sha256::digest(&*plain)),
        added: yaml::now(),
        added_by: session.fingerprint(),
    };
    docs.push(doc.clone());
    record
        .extra
        .insert(RECORD_KEY.to_string(), yaml::to_value(&docs)?);
    let changes = vec![
        Change::write(
            document_path(id, &doc.file),
            crypto::encrypt(&plain, &recipients)?,
        ),
        cases::encrypt_record(id, &record, &recipients)?,
    ];
    vault.commit(
        &lock,
        session,
        &CommitMessage::for_case("attach", id, session.fingerprint()),
        &changes,
    )?;
    Ok(doc)
}

/// Decrypts document `doc_id` of a case and writes it to `dest` (mode
/// 0600), refusing to overwrite an existing file. Checks the checksum.
pub fn export(
    vault: &Vault,
    session: &Session,
    id: &CaseId,
    doc_id: &str,
    dest: &Path,
) -> Result<Document> {
    let record = cases::read_record(vault, session, id)?;
    let doc = list(&record)?
        .into_iter()
        .find(|d| d.id == doc_id)
        .ok_or_else(|| Error::UnknownDocument {
            case: id.to_string(),
            document: doc_id.to_string(),
        })?;
    if dest.exists() {
        // Refused before anything is decrypted; write_new below closes the race.
        return Err(Error::FileExists(dest.to_path_buf()));
    }
    refuse_inside_vault(vault, dest)?;
    let plain = decrypt_document(vault, session, id, &doc)?;
    fsio::write_new(dest, &plain, Mode::Private)?;
    Ok(doc)
}

/// Refuses a destination inside the vault's working tree, where a copy
/// could end up committed by plain git.
pub(crate) fn refuse_inside_vault(vault: &Vault, dest: &Path) -> Result<()> {
    let parent = match dest.parent().filter(|p| !p.as_os_str().is_empty()) {
        Some(p) => p.to_path_buf(),
        None => std::env::current_dir().map_err(Error::io("find", "the current directory"))?,
    };
    if !parent.is_dir() {
        return Err(Error::NoSuchDirectory(parent));
    }
    let parent = parent.canonicalize().map_err(Error::io("find", &parent))?;
    let root = vault
        .root()
        .canonicalize()
        .map_err(Error::io("find", vault.root()))?;
    if parent.starts_with(&root) {
        return Err(Error::ExportInsideVault {
            path: dest.to_path_buf(),
        });
    }
    Ok(())
}

/// A document's plaintext, checked against the checksum its record keeps.
pub(crate) fn decrypt_document(
    vault: &Vault,
    session: &Session,
    id: &CaseId,
    doc: &Document,
) -> Result<crate::support::secret::Zeroizing<Vec<u8>>> {
    let rel = document_path(id, &doc.file);
    let path = vault.root().join(&rel);
    let plain = crypto::decrypt(
        &fsio::read_in_vault(vault.root(), &rel)?,
        session.decryption_keys()?,
        &path,
    )?;
    if hex(&Sha256::digest(&*plain)) != doc.sha256 {
        return Err(Error::CannotDecrypt { path });
    }
    Ok(plain)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_document_round_trips_and_its_name_is_only_inside_the_record() {
        let dir = tempfile::tempdir().unwrap();
        let (session, vault) = crate::samples::testkit::owner_and_vault(dir.path());
        let id = cases::create(
            &vault,
            &session,
            cases::NewCase {
                title: "T".into(),
                ..Default::default()
            },
        )
        .unwrap();
        let src = dir.path().join("Medical report Tesfaye.pdf");
        std::fs::write(&src, b"%PDF secret bytes").unwrap();
        let doc = attach(&vault, &session, &id, &src).unwrap();
        assert_eq!(doc.name, "Medical report Tesfaye.pdf");
        let listed = list(&cases::read_record(&vault, &session, &id).unwrap()).unwrap();
        assert_eq!(listed, vec![doc.clone()]);
        for entry in walkdir::WalkDir::new(vault.root().join("cases")) {
            let entry = entry.unwrap();
            let name = entry.file_name().to_string_lossy();
            assert!(!name.contains("Tesfaye"), "name leaked into {name}");
            if entry.file_type().is_file() {
                let bytes = std::fs::read(entry.path()).unwrap();
                assert!(!String::from_utf8_lossy(&bytes).contains("secret bytes"));
            }
        }
        let inside = vault.root().join("cases/out.pdf");
        assert!(matches!(
            export(&vault, &session, &id, &doc.id, &inside),
            Err(Error::ExportInsideVault { .. })
        ));
        let out = dir.path().join("out.pdf");
        export(&vault, &session, &id, &doc.id, &out).unwrap();
        assert_eq!(std::fs::read(&out).unwrap(), b"%PDF secret bytes");
        assert!(
            export(&vault, &session, &id, &doc.id, &out).is_err(),
            "no overwrite"
        );
    }
}
