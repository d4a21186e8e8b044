//! The conflict-of-interest check without disclosure (DESIGN §8): any
//! member of staff asks whether a name appears in any case, including cases
//! they cannot read, and learns for each match only the case id, its owners,
//! the role the name has there and whether the whole name or a part of it
//! matched. Never a title, a client's name or any other content.
//!
//! The check reads the committed `blind.idx` of every case (see
//! [`crate::case::blind`]) under the firm secret. A case without an index,
//! or with one made under an earlier secret (before a revocation rotated
//! it), cannot be checked: the report counts those cases and names them,
//! and whoever can read them re-indexes them with [`reindex`].

use std::fmt;

use crate::case::blind::{FirmSecret, Match, Name};
use crate::case::record::ConflictCheck;
use crate::case::CaseId;
use crate::error::{Error, Result, Unchanged};
use crate::keys::fingerprint::Fingerprint;
use crate::keys::identity::Session;
use crate::ops::blind_index::{self, committed_index, index_change};
use crate::ops::cases;
use crate::repo::store::{Change, CommitMessage};
use crate::trust::policy;
use crate::vault::keyring::Keyring;
use crate::vault::Vault;

/// One case a name was found in.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Hit {
    /// The case.
    pub case: CaseId,
    /// Its owners, from its signed access list.
    pub owners: Vec<Fingerprint>,
    /// The name asked about, as given.
    pub name: String,
    /// Where it was found (each role once).
    pub matches: Vec<Match>,
}

/// What a check found.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Report {
    /// The names looked for, as given.
    pub names: Vec<String>,
    /// Every case a name was found in, by case id.
    pub hits: Vec<Hit>,
    /// How many cases were checked.
    pub checked: usize,
    /// Cases with no index, or an index that could not be read: they were
    /// not checked.
    pub not_indexed: Vec<CaseId>,
    /// Cases indexed under an earlier secret: not checked either.
    pub stale: Vec<CaseId>,
}

impl Report {
    /// The one-sentence result recorded on a case (`--record`).
    pub fn summary(&self) -> String {
        let unchecked = self.not_indexed.len() + self.stale.len();
        let tail = if unchecked > 0 {
            format!("; {unchecked} case(s) could not be checked (not indexed)")
        } else {
            String::new()
        };
        if self.hits.is_empty() {
            return format!("no match in {} case(s){tail}", self.checked);
        }
        let hits: Vec<String> = self
            .hits
            .iter()
            .map(|h| {
                let how: Vec<String> = h.matches.iter().map(describe).collect();
                format!("{} ({})", h.case, how.join(", "))
            })
            .collect();
        format!(
            "{} match(es) in {} case(s) checked: {}{tail}",
            hits.len(),
            self.checked,
            hits.join("; ")
        )
    }
}

/// `client, full name` / `witness, name part`.
pub fn describe(m: &Match) -> String {
    let extent = match m.extent {
        crate::case::blind::Extent::Full => "full name",
        crate::case::blind::Extent::Part => "name part",
    };
    format!("{}, {extent}", m.role)
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.hits.is_empty() {
            writeln!(
                f,
                "No match for {} in {} case(s).",
                self.names.join(", "),
                self.checked
            )?;
        }
        let unchecked = self.not_indexed.len() + self.stale.len();
        if unchecked > 0 {
            write!(
                f,
                "{unchecked} case(s) could not be checked: not indexed under the current secret ("
            )?;
            let ids: Vec<String> = self
                .not_indexed
                .iter()
                .chain(&self.stale)
                .map(ToString::to_string)
                .collect();
            writeln!(
                f,
                "{}); whoever can read them indexes them with `dossier conflicts --reindex`.",
                ids.join(", ")
            )?;
        }
        Ok(())
    }
}

/// Looks for each of `names` in every case of the vault (see the module
/// documentation).
pub fn check(vault: &Vault, session: &Session, names: &[String]) -> Result<Report> {
    let secret = blind_index::secret(vault, session)?.ok_or(Error::NoConflictSecret)?;
    let wanted: Vec<(String, Name)> = names
        .iter()
        .map(|n| {
            Name::new(n)
                .map(|name| (n.trim().to_string(), name))
                .ok_or_else(|| Error::InvalidValue {
                    field: "NAME".into(),
                    reason: "a name needs at least one letter or digit".into(),
                })
        })
        .collect::<Result<_>>()?;
    let mut report = Report {
        names: wanted.iter().map(|(n, _)| n.clone()).collect(),
        hits: Vec::new(),
        checked: 0,
        not_indexed: Vec::new(),
        stale: Vec::new(),
    };
    let current = secret.id();
    for id in vault.case_ids()? {
        let index = match committed_index(vault, &id) {
            Ok(Some(index)) => index,
            Ok(None) | Err(Error::MalformedBlindIndex) => {
                report.not_indexed.push(id);
                continue;
            }
            Err(e) => return Err(e),
        };
        if index.secret_id != current {
            report.stale.push(id);
            continue;
        }
        report.checked += 1;
        for (given, name) in &wanted {
            let matches = index.find(&id, &secret, name);
            if !matches.is_empty() {
                report.hits.push(Hit {
                    case: id.clone(),
                    owners: vault.access_list(&id)?.owners,
                    name: given.clone(),
                    matches,
                });
            }
        }
    }
    Ok(report)
}

/// Records the outcome of `report` on case `id` (the check made at
/// intake), in one commit.
pub fn record(vault: &Vault, session: &Session, id: &CaseId, report: &Report) -> Result<()> {
    let mut record = cases::read_record(vault, session, id)?;
    record.conflict_checks.push(entry(session, report));
    cases::replace_record(vault, session, id, record)
}

/// The record entry of a check by `session`.
pub fn entry(session: &Session, report: &Report) -> ConflictCheck {
    let card = session.identity().card();
    ConflictCheck {
        id: crate::case::id::item_id(),
        date: chrono::Utc::now().date_naive(),
        names: report.names.clone(),
        result: report.summary(),
        checked_by: format!("{} <{}> {}", card.name, card.email, session.fingerprint()),
    }
}

/// What [`reindex`] did.
#[derive(Debug, Clone)]
pub struct Reindexed {
    /// Whether it created the firm secret (the vault had none).
    pub created: bool,
    /// The cases whose index it wrote.
    pub indexed: Vec<CaseId>,
    /// Cases still without a current index that the session cannot read:
    /// their owners index them.
    pub left: Vec<CaseId>,
}

impl fmt::Display for Reindexed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.created {
            writeln!(
                f,
                "Created the firm's conflict secret, sealed to every active member of staff."
            )?;
        }
        write!(f, "Indexed {} case(s)", self.indexed.len())?;
        if self.left.is_empty() {
            write!(f, ".")
        } else {
            let ids: Vec<String> = self.left.iter().map(ToString::to_string).collect();
            write!(
                f,
                "; {} case(s) you cannot read still need indexing by someone who can: {}.",
                self.left.len(),
                ids.join(", ")
            )
        }
    }
}

/// Writes the current index of every case the session can read whose
/// committed index is missing, stale or different, in one commit. In a
/// vault with no secret yet, an administrator creates it first (sealed to
/// every active member of staff, in the same commit).
pub fn reindex(vault: &Vault, session: &Session) -> Result<Reindexed> {
    let lock = vault.lock()?;
    let me = session.fingerprint();
    let mut changes = Vec::new();
    let (secret, created) = match blind_index::secret(vault, session)? {
        Some(s) => (s, false),
        None => {
            require_admin(vault, &me, "create the conflict index")?;
            let secret = FirmSecret::generate();
            changes.push(blind_index::seal(&secret, vault.keyring())?);
            (secret, true)
        }
    };
    let (indexed, left) = index_readable(vault, session, &secret, &mut changes)?;
    if changes.is_empty() {
        return Err(Unchanged::Commit.into());
    }
    vault.commit(
        &lock,
        session,
        &CommitMessage::for_vault("conflicts-reindex", me),
        &changes,
    )?;
    Ok(Reindexed {
        created,
        indexed,
        left,
    })
}

/// Pushes the index change of every case `session` can read under
/// `secret`; returns the cases indexed, and those it cannot read whose
/// committed index is not current.
fn index_readable(
    vault: &Vault,
    session: &Session,
    secret: &FirmSecret,
    changes: &mut Vec<Change>,
) -> Result<(Vec<CaseId>, Vec<CaseId>)> {
    let me = session.fingerprint();
    let (mut indexed, mut left) = (Vec::new(), Vec::new());
    for id in vault.case_ids()? {
        let readable = vault
            .access_list(&id)
            .is_ok_and(|l| policy::listed_readers(vault.groups(), &l).contains(&me));
        if !readable {
            let current = committed_index(vault, &id)
                .ok()
                .flatten()
                .is_some_and(|i| i.secret_id == secret.id());
            if !current {
                left.push(id);
            }
            continue;
        }
        let record = cases::read_record(vault, session, &id)?;
        if let Some(change) = index_change(vault, Some(secret), &id, None, &record)? {
            changes.push(change);
            indexed.push(id);
        }
    }
    Ok((indexed, left))
}

/// An administrator seals the secret again to exactly the active staff (a
/// key that expired drops out; a rotated key gets it), in one commit.
pub fn reseal(vault: &Vault, session: &Session) -> Result<usize> {
    let lock = vault.lock()?;
    let me = session.fingerprint();
    require_admin(vault, &me, "reseal the conflict secret")?;
    let secret = blind_index::secret(vault, session)?.ok_or(Error::NoConflictSecret)?;
    let change = blind_index::seal(&secret, vault.keyring())?;
    let staff = policy::active_staff(vault.keyring()).len();
    vault.commit(
        &lock,
        session,
        &CommitMessage::for_vault("conflicts-reseal", me),
        &[change],
    )?;
    Ok(staff)
}

/// For a change to the staff that keeps the secret (a certification, a
/// rotation): the secret sealed to the staff of `after`, when the vault
/// has one and the session holds it.
pub fn reseal_change(vault: &Vault, session: &Session, after: &Keyring) -> Result<Option<Change>> {
    match blind_index::secret_if_held(vault, session)? {
        Some(secret) => blind_index::seal(&secret, after).map(Some),
        None => Ok(None),
    }
}

/// After a revocation: a new secret sealed to the staff of `after` (so the
/// revoked key holds none of it), and the index of every case the session
/// can read under it. Returns the changes and the cases left for their
/// owners to re-index; `None` when the vault has no secret.
pub fn rotation_changes(
    vault: &Vault,
    session: &Session,
    after: &Keyring,
) -> Result<Option<(Vec<Change>, Vec<CaseId>)>> {
    if vault
        .read_committed(crate::vault::layout::CONFLICT_SECRET_PATH)?
        .is_none()
    {
        return Ok(None);
    }
    let secret = FirmSecret::generate();
    let mut changes = vec![blind_index::seal(&secret, after)?];
    let (_, left) = index_readable(vault, session, &secret, &mut changes)?;
    Ok(Some((changes, left)))
}

fn require_admin(vault: &Vault, me: &Fingerprint, action: &str) -> Result<()> {
    if vault.keyring().is_valid_admin(me) {
        Ok(())
    } else {
        Err(Error::NotEntitled {
            action: action.into(),
            required: "vault administrators".into(),
            actor: me.to_string(),
        })
    }
}
