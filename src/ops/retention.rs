//! Retention and destruction (DESIGN §7): the cases past their retention
//! date, and destroying a case.
//!
//! The policy (`settings.retention`, years after closing per practice
//! area) dates a case when it is closed ([`crate::ops::cases::close`]).
//! Destroying removes every current file of the case in one signed commit
//! and writes `.dossier/destroyed/<id>.yaml` (date, who, legal ground; no
//! content). It re-encrypts nothing and cannot reach history: every earlier
//! commit, every clone and every bundle still holds the case's ciphertext,
//! readable by whoever held a key to it then. [`Destroyed`]'s report says
//! so, and docs/recovery.md gives the honest options for real erasure.

use std::fmt;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::case::{CaseId, Status};
use crate::error::{Error, Result};
use crate::keys::fingerprint::Fingerprint;
use crate::keys::identity::Session;
use crate::ops::cases;
use crate::repo::store::{Change, CommitMessage};
use crate::support::yaml;
use crate::trust::policy;
use crate::vault::layout::{case_dir, destruction_path};
use crate::vault::Vault;

/// A case past (or at) its retention date.
#[derive(Debug, Clone, Serialize)]
pub struct DueRow {
    /// The case.
    pub case: CaseId,
    /// The firm's reference.
    pub reference: String,
    /// The pseudonym, when the case's identity is protected.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pseudonym: Option<String>,
    /// Its practice area.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub practice_area: Option<String>,
    /// Its status.
    pub status: Status,
    /// When it was closed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub closed: Option<NaiveDate>,
    /// Its retention date.
    pub retention_until: NaiveDate,
    /// Days since that date (0: today).
    pub days_past: i64,
}

/// The retention report of the cases the session can read.
#[derive(Debug, Clone, Serialize)]
pub struct Due {
    /// Cases at or past their date, longest past first.
    pub rows: Vec<DueRow>,
    /// Closed cases with no retention date (no policy for their area when
    /// they were closed): they are never listed as due.
    pub undated_closed: Vec<CaseId>,
    /// Cases that could not be read: their dates stay inside their records.
    pub unreadable: usize,
}

/// The cases the session can read whose retention date is on or before
/// `today`, and the closed cases that have none.
pub fn due(vault: &Vault, session: &Session, today: NaiveDate) -> Result<Due> {
    let (records, unreadable) = cases::readable_records(vault, session, None)?;
    let mut report = Due {
        rows: Vec::new(),
        undated_closed: Vec::new(),
        unreadable,
    };
    for (id, record) in records {
        match record.retention_until {
            Some(until) if until <= today => report.rows.push(DueRow {
                case: id,
                reference: record.reference.clone(),
                pseudonym: record.shown_pseudonym().map(String::from),
                practice_area: record.practice_area.clone(),
                status: record.status,
                closed: record.closed,
                retention_until: until,
                days_past: (today - until).num_days(),
            }),
            None if record.status == Status::Closed => report.undated_closed.push(id),
            _ => {}
        }
    }
    report.rows.sort_by(|a, b| {
        b.days_past
            .cmp(&a.days_past)
            .then_with(|| a.case.cmp(&b.case))
    });
    Ok(report)
}

/// `.dossier/destroyed/<id>.yaml`: that a case was destroyed, and nothing
/// of what it held.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DestructionRecord {
    /// Format version.
    pub dossier_destruction: u32,
    /// The case.
    pub case: CaseId,
    /// When.
    pub destroyed: DateTime<Utc>,
    /// The administrator who destroyed it.
    pub by: Fingerprint,
    /// The legal ground, as given (no names: it is in clear text).
    pub ground: String,
}

/// What destroying a case did, and what it could not do.
#[derive(Debug, Clone)]
pub struct Destroyed {
    /// The case.
    pub case: CaseId,
    /// How many files were removed.
    pub files: usize,
    /// The commit.
    pub commit: git2::Oid,
}

impl fmt::Display for Destroyed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "Destroyed case {}: {} file(s) removed in commit {}, recorded in {}.",
            self.case,
            self.files,
            &self.commit.to_string()[..12],
            destruction_path(&self.case)
        )?;
        write!(
            f,
            "What remains: the case's encrypted files in every earlier commit of this vault's history, in every clone and every bundle made before today, readable by whoever held a key to it then. Real erasure needs the steps in docs/recovery.md (\"Erasing a destroyed case from history\")."
        )
    }
}

/// An administrator destroys case `id` on `ground` (see the module
/// documentation). A case the administrator can read whose retention date
/// is still ahead is refused unless `early`.
pub fn destroy(
    vault: &Vault,
    session: &Session,
    id: &CaseId,
    ground: &str,
    early: bool,
) -> Result<Destroyed> {
    let me = session.fingerprint();
    if !vault.keyring().is_valid_admin(&me) {
        return Err(Error::NotEntitled {
            action: "destroy cases".into(),
            required: "vault administrators".into(),
            actor: me.to_string(),
        });
    }
    let ground = ground.trim();
    if ground.is_empty() || ground.chars().any(char::is_control) {
        return Err(Error::InvalidValue {
            field: "--ground".into(),
            reason: "give the legal ground for the destruction in one line (it is kept in clear text: no names)".into(),
        });
    }
    let lock = vault.lock()?;
    let list = vault.access_list(id)?;
    let readable = policy::listed_readers(vault.groups(), &list).contains(&me);
    if readable && !early {
        let record = cases::read_record(vault, session, id)?;
        let today = Utc::now().date_naive();
        match record.retention_until {
            Some(until) if until > today => {
                return Err(Error::RetentionNotReached {
                    case: id.to_string(),
                    until: until.to_string(),
                })
            }
            _ => {}
        }
    }
    let files = vault.committed_files_under(&case_dir(id))?;
    let mut changes: Vec<Change> = files.iter().map(|f| Change::delete(f.clone())).collect();
    let record = DestructionRecord {
        dossier_destruction: 1,
        case: id.clone(),
        destroyed: yaml::now(),
        by: me,
        ground: ground.to_string(),
    };
    changes.push(Change::write(destruction_path(id), yaml::render(&record)?));
    let commit = vault.commit(
        &lock,
        session,
        &CommitMessage::for_case("destroy", id, me),
        &changes,
    )?;
    Ok(Destroyed {
        case: id.clone(),
        files: files.len(),
        commit,
    })
}

/// The destruction log: every case destroyed, oldest first.
pub fn destroyed(vault: &Vault) -> Result<Vec<DestructionRecord>> {
    let mut out = Vec::new();
    for path in vault.committed_files_under(crate::vault::layout::DESTROYED_DIR)? {
        let Some(bytes) = vault.read_committed(&path)? else {
            continue;
        };
        out.push(yaml::parse_bytes::<DestructionRecord>(&bytes, &path)?);
    }
    out.sort_by_key(|r| r.destroyed);
    Ok(out)
}
