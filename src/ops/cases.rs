//! Case operations: create, read, list, edit, close, notes, grant, revoke.
//!
//! Every change follows the same path: take the vault lock, check the
//! access list may be honoured ([`policy::verified_access`]), resolve the
//! recipients (refusing any invalid entry), decrypt what must be read,
//! encrypt to exactly those recipients, and record one signed commit.
//! Validation happens before anything is written, so a refused change leaves
//! the vault as it was.
//!
//! A file that cannot be decrypted never blocks an access change (DESIGN
//! §4): it is left as it was and named ([`UnreadableFile`]), and
//! [`repair`] is how an owner removes it.

use chrono::Utc;
use rayon::prelude::*;
use serde::Serialize;

use crate::case::fields;
use crate::case::{
    AccessEntry, AccessList, CaseId, CaseRecord, Note, RecordMerge, Sensitivity, Side, Status,
};
use crate::crypto;
use crate::error::{Error, Result, Unchanged};
use crate::keys::fingerprint::Fingerprint;
use crate::keys::identity::Session;
use crate::keys::signature::{self, DOCUMENT_NAMESPACE};
use crate::ops::blind_index;
use crate::ops::rekey::UnreadableFile;
use crate::repo::store::{Change, CommitMessage};
use crate::support::secret::Zeroizing;
use crate::trust::policy::{self, Readers};
use crate::vault::layout::access_path;
use crate::vault::Vault;

/// Relative path of a note of a case, by its file name.
pub fn note_path(id: &CaseId, name: &str) -> String {
    crate::vault::layout::VaultPath::case(
        id,
        crate::vault::layout::CaseFile::Note(name.to_string()),
    )
    .to_string()
}

/// Relative path of a case's record.
pub fn record_path(id: &CaseId) -> String {
    crate::vault::layout::VaultPath::case(id, crate::vault::layout::CaseFile::Record).to_string()
}

/// What `case new` needs.
#[derive(Debug, Clone, Default)]
pub struct NewCase {
    /// Title.
    pub title: String,
    /// Client's name.
    pub client: Option<String>,
    /// The firm's reference (defaults to the case id).
    pub reference: Option<String>,
    /// Extra readers.
    pub grants: Vec<AccessEntry>,
    /// When set, the client's identity is protected from the start and
    /// lists show this instead.
    pub pseudonym: Option<String>,
    /// A conflict check made before the case was opened, recorded on it.
    pub conflict_check: Option<Box<crate::case::record::ConflictCheck>>,
}

/// Creates a case owned by the acting person; returns its id.
pub fn create(vault: &Vault, session: &Session, new: NewCase) -> Result<CaseId> {
    let pseudonym = match new.pseudonym.map(|p| p.trim().to_string()) {
        Some(p) if p.is_empty() || Some(&p) == new.client.as_ref() => {
            return Err(Error::PseudonymNeeded)
        }
        other => other,
    };
    let lock = vault.lock()?;
    let me = session.fingerprint();
    let mut id = CaseId::random();
    while vault.root().join(Vault::case_dir(&id)).exists() {
        id = CaseId::random();
    }
    let mut list = AccessList::new(id.clone(), me);
    for g in new.grants {
        list.grant(g);
    }
    let recipients = policy::recipients(vault, &list)?;
    let mut record = CaseRecord::default();
    record.reference = new.reference.unwrap_or_else(|| id.to_string());
    record.title = new.title;
    record.opened = Some(Utc::now().date_naive());
    record.client.name = new.client.unwrap_or_default();
    record.protected_identity = pseudonym.is_some();
    record.pseudonym = pseudonym;
    record.conflict_checks = new.conflict_check.into_iter().map(|c| *c).collect();
    let mut changes = vec![encrypt_record(&id, &record, &recipients)?];
    changes.extend(signed_access(vault, session, &list)?);
    let secret = blind_index::secret_if_held(vault, session)?;
    changes.extend(blind_index::index_change(
        vault,
        secret.as_ref(),
        &id,
        None,
        &record,
    )?);
    vault.commit(
        &lock,
        session,
        &CommitMessage::for_case("create", &id, me),
        &changes,
    )?;
    Ok(id)
}

/// A case as shown in lists.
#[derive(Debug, Clone, Serialize)]
pub struct CaseSummary {
    /// The id.
    pub id: CaseId,
    /// Its owners (public).
    pub owners: Vec<Fingerprint>,
    /// What could be read.
    #[serde(flatten)]
    pub state: SummaryState,
}

/// Whether a listed case could be read.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "access", rename_all = "lowercase")]
pub enum SummaryState {
    /// Decrypted.
    Readable {
        /// The record.
        record: Box<CaseRecord>,
    },
    /// Not encrypted to this person.
    Locked,
    /// Listed for this person but could not be read.
    Damaged {
        /// One sentence why.
        problem: String,
    },
}

/// Lists every case, decrypting those the session can read, in parallel.
pub fn list(vault: &Vault, session: &Session) -> Result<Vec<CaseSummary>> {
    let ids = vault.case_ids()?;
    let keys = session.decryption_keys()?;
    let me = session.fingerprint();
    let (root, groups) = (vault.root(), vault.groups());
    Ok(ids
        .par_iter()
        .map(|id| summarise(root, groups, &me, keys, id))
        .collect())
}

/// One case as a list shows it: locked unless `me` is listed, decrypted
/// otherwise, damaged (with one sentence) when that fails. Needs only paths
/// and keys, so it runs on any thread.
pub(crate) fn summarise(
    root: &std::path::Path,
    groups: &crate::vault::groups::Groups,
    me: &Fingerprint,
    keys: &crypto::DecryptionKeys,
    id: &CaseId,
) -> CaseSummary {
    let damaged = |owners: Vec<Fingerprint>, e: Error| CaseSummary {
        id: id.clone(),
        owners,
        state: SummaryState::Damaged {
            problem: e.to_string(),
        },
    };
    let list = match crate::support::fsio::read_in_vault(root, &access_path(id))
        .and_then(|b| AccessList::parse(&b, id))
    {
        Ok(l) => l,
        Err(e) => return damaged(Vec::new(), e),
    };
    if !policy::listed_readers(groups, &list).contains(me) {
        return CaseSummary {
            id: id.clone(),
            owners: list.owners,
            state: SummaryState::Locked,
        };
    }
    match decrypt_record(root, keys, id) {
        Ok(record) => CaseSummary {
            id: id.clone(),
            owners: list.owners,
            state: SummaryState::Readable {
                record: Box::new(record),
            },
        },
        Err(e) => damaged(list.owners, e),
    }
}

/// A case opened for reading.
#[derive(Debug, Clone, Serialize)]
pub struct OpenCase {
    /// The id.
    pub id: CaseId,
    /// The record.
    pub record: CaseRecord,
    /// The access list.
    pub access: AccessList,
    /// Notes, oldest first.
    pub notes: Vec<Note>,
    /// The `view` commit that recorded this opening, when the vault logs
    /// views (`settings.log_views`).
    #[serde(skip)]
    pub view: Option<git2::Oid>,
}

/// The records of every case (or only `only`) that `session` can read,
/// and how many it could not.
pub fn readable_records(
    vault: &Vault,
    session: &Session,
    only: Option<&CaseId>,
) -> Result<(Vec<(CaseId, CaseRecord)>, usize)> {
    let me = session.fingerprint();
    let mut records = Vec::new();
    let mut unreadable = 0;
    for id in vault.case_ids()? {
        if only.is_some_and(|o| *o != id) {
            continue;
        }
        let listed = vault
            .access_list(&id)
            .is_ok_and(|l| policy::listed_readers(vault.groups(), &l).contains(&me));
        match listed.then(|| read_record(vault, session, &id)) {
            Some(Ok(record)) => records.push((id, record)),
            _ => unreadable += 1,
        }
    }
    Ok((records, unreadable))
}

/// Decrypts a case's record and notes. When the vault logs views
/// (`settings.log_views`), the opening is then recorded as a signed `view`
/// commit, and if that fails nothing decrypted is returned: the error is
/// [`Error::ViewNotRecorded`], saying why.
pub fn open(vault: &Vault, session: &Session, id: &CaseId) -> Result<OpenCase> {
    let access = vault.access_list(id)?;
    ensure_listed(vault, session, &access)?;
    let record = read_record(vault, session, id)?;
    let notes = read_notes(
        vault.root(),
        session.decryption_keys()?,
        id,
        &vault.note_files(id)?,
    )?;
    let view = record_view(vault, session, id)?;
    Ok(OpenCase {
        id: id.clone(),
        record,
        access,
        notes,
        view,
    })
}

/// Records a view of case `id` when the vault asks for it (fail closed).
fn record_view(vault: &Vault, session: &Session, id: &CaseId) -> Result<Option<git2::Oid>> {
    if !vault.config().settings.log_views {
        return Ok(None);
    }
    let message = CommitMessage::for_case("view", id, session.fingerprint());
    crate::repo::store::record_event(vault.repo(), session, &message)
        .inspect(|event| vault.followed_by(*event))
        .map(Some)
        .map_err(|e| Error::ViewNotRecorded {
            case: id.to_string(),
            reason: e.to_string(),
        })
}

/// Decrypts the named notes of a case (in parallel; needs only paths and the key).
pub fn read_notes(
    root: &std::path::Path,
    key: &crate::crypto::DecryptionKeys,
    id: &CaseId,
    names: &[String],
) -> Result<Vec<Note>> {
    names
        .par_iter()
        .map(|name| {
            let rel = note_path(id, name);
            let path = root.join(&rel);
            let bytes = crate::support::fsio::read_in_vault(root, &rel)?;
            let plain = crypto::decrypt(&bytes, key, &path).map_err(|e| match e {
                // Say which note, and that an owner can remove it.
                Error::CannotDecrypt { .. } => Error::UnreadableNote {
                    case: id.to_string(),
                    path: rel.clone(),
                },
                other => other,
            })?;
            Note::parse(name, &plain)
        })
        .collect()
}

/// Adds, edits or removes one item of a list of a case's record (see
/// [`crate::case::items`]) in one commit; returns the item's id.
pub fn edit_item(
    vault: &Vault,
    session: &Session,
    id: &CaseId,
    list: &str,
    change: crate::case::items::ItemChange<'_>,
) -> Result<String> {
    let mut item = String::new();
    edit_record(vault, session, id, "edit", |record| {
        let (updated, changed) = crate::case::items::apply(record, list, change)?;
        item = changed;
        Ok(updated)
    })?;
    Ok(item)
}

/// Sets fields (`FIELD=VALUE`) of a case's record in one commit.
pub fn set_fields(
    vault: &Vault,
    session: &Session,
    id: &CaseId,
    assignments: &[String],
) -> Result<()> {
    edit_record(vault, session, id, "edit", |record| {
        let mut updated = record.clone();
        for a in assignments {
            let (field, value) = fields::split_assignment(a)?;
            updated = fields::set(&updated, field, value)?;
        }
        Ok(updated)
    })
}

/// Closes a case (status closed, closed today), dated for retention by the
/// vault's policy when it has no `retention_until` yet.
pub fn close(vault: &Vault, session: &Session, id: &CaseId) -> Result<()> {
    edit_record(vault, session, id, "close", |record| {
        if record.status == Status::Closed {
            return Err(Unchanged::Closed {
                case: id.to_string(),
            }
            .into());
        }
        let mut updated = record.clone();
        let today = Utc::now().date_naive();
        updated.status = Status::Closed;
        updated.closed = Some(today);
        // The retention policy dates the file's review for destruction,
        // unless a date was set by hand.
        if updated.retention_until.is_none() {
            let years = vault
                .config()
                .settings
                .retention_years(updated.practice_area.as_deref());
            updated.retention_until =
                years.and_then(|y| today.checked_add_months(chrono::Months::new(12 * y)));
        }
        Ok(updated)
    })
}

/// Replaces a case's record with `updated` (from `case edit` or the TUI).
pub fn replace_record(
    vault: &Vault,
    session: &Session,
    id: &CaseId,
    updated: CaseRecord,
) -> Result<()> {
    edit_record(vault, session, id, "edit", |_| Ok(updated.clone()))
}

fn edit_record(
    vault: &Vault,
    session: &Session,
    id: &CaseId,
    action: &str,
    change: impl FnOnce(&CaseRecord) -> Result<CaseRecord>,
) -> Result<()> {
    let lock = vault.lock()?;
    let (_, recipients) = writable(vault, session, id)?;
    let record = read_record(vault, session, id)?;
    let updated = change(&record)?;
    if updated == record {
        return Err(Unchanged::Commit.into());
    }
    if updated.sensitivity == Sensitivity::Restricted {
        refuse_groups_on_restricted(vault, id)?;
    }
    let mut changes = vec![encrypt_record(id, &updated, &recipients)?];
    let secret = blind_index::secret_if_held(vault, session)?;
    changes.extend(blind_index::index_change(
        vault,
        secret.as_ref(),
        id,
        Some(&record),
        &updated,
    )?);
    vault.commit(
        &lock,
        session,
        &CommitMessage::for_case(action, id, session.fingerprint()),
        &changes,
    )?;
    Ok(())
}

/// A restricted case is read by named people only: refuses while its
/// access list names a group.
fn refuse_groups_on_restricted(vault: &Vault, id: &CaseId) -> Result<()> {
    let groups: Vec<String> = vault
        .access_list(id)?
        .entries()
        .into_iter()
        .filter(|e| matches!(e, AccessEntry::Group(_)))
        .map(|e| e.to_string())
        .collect();
    if groups.is_empty() {
        Ok(())
    } else {
        Err(Error::RestrictedWithGroups {
            case: id.to_string(),
            groups: groups.join(", "),
        })
    }
}

/// Adds a note to a case.
pub fn add_note(vault: &Vault, session: &Session, id: &CaseId, text: &str) -> Result<String> {
    if text.trim().is_empty() {
        return Err(Error::EmptyNote);
    }
    let lock = vault.lock()?;
    let (_, recipients) = writable(vault, session, id)?;
    let now = Utc::now();
    let name = Note::file_name(now);
    let plain = Note::plaintext(session.fingerprint(), now, text)?;
    let ct = crypto::encrypt(&plain, &recipients)?;
    let changes = vec![Change::write(note_path(id, &name), ct)];
    vault.commit(
        &lock,
        session,
        &CommitMessage::for_case("note", id, session.fingerprint()),
        &changes,
    )?;
    Ok(name)
}

/// Which way an access change went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccessAction {
    /// [`grant`]: the entry was added to the list.
    Granted,
    /// [`revoke_access`]: the entry was taken off the list.
    Revoked,
    /// [`add_owner`]: the person became an owner.
    OwnerAdded,
    /// [`remove_owner`]: the owner became a reader.
    OwnerRemoved,
}

/// What an access change did.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct AccessChange {
    /// The case.
    pub case: CaseId,
    /// Whose access changed.
    pub entry: AccessEntry,
    /// Granted or revoked.
    pub action: AccessAction,
    /// The person removed can still read the case through a group on its
    /// list (revoking a key only).
    pub still_listed: bool,
    /// Files that could not be decrypted, so were not re-encrypted: they
    /// are still encrypted to whoever could read them before the change.
    pub unreadable: Vec<UnreadableFile>,
}

impl AccessChange {
    /// The files that could not be re-encrypted, as the faces print them
    /// after the headline ([`crate::ops::rekey::unreadable_report`]); empty
    /// when there are none.
    pub fn details(&self) -> String {
        crate::ops::rekey::unreadable_report(&self.unreadable)
    }
}

/// The headline, as `dossier grant` and `dossier revoke-access` print it.
/// A revocation always says what DESIGN §4 requires: copies already
/// fetched, and old versions in history, stay readable to whoever had
/// them, so the underlying secrets must be rotated where that matters
/// (unless the person can still read the case through a group, which is
/// what it says instead).
impl std::fmt::Display for AccessChange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        const STILL_READABLE: &str = "Copies already fetched, and older versions in history, stay readable to whoever had them: rotate any underlying secrets where that matters.";
        let (entry, id) = (&self.entry, &self.case);
        match self.action {
            AccessAction::Granted => write!(f, "{entry} can now read case {id}"),
            AccessAction::Revoked if self.still_listed => write!(
                f,
                "{entry} was removed as a reader but can still read case {id} through a group on its access list; remove them from the group or the group from the case."
            ),
            AccessAction::Revoked if self.unreadable.is_empty() => write!(
                f,
                "{entry} can no longer read case {id}'s current files. {STILL_READABLE}"
            ),
            AccessAction::Revoked => write!(
                f,
                "{entry} was removed from case {id}'s access list and every file that could be decrypted was re-encrypted without them. {STILL_READABLE}"
            ),
            AccessAction::OwnerAdded => write!(
                f,
                "{entry} is now an owner of case {id}: they can change who reads it"
            ),
            AccessAction::OwnerRemoved => write!(
                f,
                "{entry} is no longer an owner of case {id} and stays a reader (`revoke-access` removes their access)"
            ),
        }
    }
}

/// Makes `fp` an owner of case `id` (owners and administrators may; a
/// reader cannot make themselves one, since only the owners as the list
/// stood before sign it), re-encrypting when they could not read it yet.
pub fn add_owner(
    vault: &Vault,
    session: &Session,
    id: &CaseId,
    fp: Fingerprint,
) -> Result<AccessChange> {
    let entry = AccessEntry::Key(fp);
    change_access(
        vault,
        session,
        id,
        &entry,
        AccessAction::OwnerAdded,
        |list| {
            if !list.add_owner(fp) {
                return Err(Unchanged::Granted {
                    case: id.to_string(),
                    entry: format!("{fp} (already an owner)"),
                }
                .into());
            }
            Ok(())
        },
    )
}

/// Makes owner `fp` of case `id` a reader; the last owner stays.
pub fn remove_owner(
    vault: &Vault,
    session: &Session,
    id: &CaseId,
    fp: Fingerprint,
) -> Result<AccessChange> {
    let entry = AccessEntry::Key(fp);
    change_access(
        vault,
        session,
        id,
        &entry,
        AccessAction::OwnerRemoved,
        |list| {
            if !list.remove_owner(&fp)? {
                return Err(Error::NotAnOwner {
                    case: id.to_string(),
                    key: fp.to_string(),
                });
            }
            Ok(())
        },
    )
}

/// Gives `entry` read access and re-encrypts the case's files to it.
pub fn grant(
    vault: &Vault,
    session: &Session,
    id: &CaseId,
    entry: AccessEntry,
) -> Result<AccessChange> {
    change_access(vault, session, id, &entry, AccessAction::Granted, |list| {
        if !list.grant(entry.clone()) {
            return Err(Unchanged::Granted {
                case: id.to_string(),
                entry: entry.to_string(),
            }
            .into());
        }
        Ok(())
    })
}

/// Removes `entry`'s access and re-encrypts the case's current files
/// without them. Copies fetched earlier, and older versions in history,
/// stay readable to whoever had them; so do files that could not be
/// decrypted (named in the result). The result also says whether the person
/// removed can still read the case through a group on its list.
pub fn revoke_access(
    vault: &Vault,
    session: &Session,
    id: &CaseId,
    entry: AccessEntry,
) -> Result<AccessChange> {
    let mut still_listed = false;
    let mut change = change_access(vault, session, id, &entry, AccessAction::Revoked, |list| {
        if !list.revoke(&entry)? {
            return Err(Error::NotOnAccessList {
                case: id.to_string(),
                entry: entry.to_string(),
            });
        }
        if let AccessEntry::Key(fp) = &entry {
            still_listed = policy::listed_readers(vault.groups(), list).contains(fp);
        }
        Ok(())
    })?;
    change.still_listed = still_listed;
    Ok(change)
}

fn change_access(
    vault: &Vault,
    session: &Session,
    id: &CaseId,
    entry: &AccessEntry,
    action: AccessAction,
    edit: impl FnOnce(&mut AccessList) -> Result<()>,
) -> Result<AccessChange> {
    let commit_action = match action {
        AccessAction::Granted => "grant",
        AccessAction::Revoked => "revoke-access",
        AccessAction::OwnerAdded => "owner-add",
        AccessAction::OwnerRemoved => "owner-remove",
    };
    let lock = vault.lock()?;
    let me = session.fingerprint();
    let current = policy::verified_access(vault, id)?;
    policy::check_may_change_access(vault, &me, &current.list)?;
    let mut list = current.list.clone();
    edit(&mut list)?;
    if let AccessEntry::Group(group) = entry {
        let restricted = matches!(action, AccessAction::Granted)
            && read_record(vault, session, id)?.sensitivity == Sensitivity::Restricted;
        if restricted {
            return Err(Error::RestrictedGroupGrant {
                case: id.to_string(),
                group: group.clone(),
            });
        }
    }
    let recipients = policy::recipients(vault, &list)?;
    let Reencryption {
        mut changes,
        unreadable,
    } = reencrypt_case(vault, session, id, &recipients)?;
    // The list changes whatever could not be re-encrypted.
    changes.extend(signed_access(vault, session, &list)?);
    vault.commit(
        &lock,
        session,
        &CommitMessage::for_case(commit_action, id, me),
        &changes,
    )?;
    Ok(AccessChange {
        case: id.clone(),
        entry: entry.clone(),
        action,
        still_listed: false,
        unreadable,
    })
}

/// The re-encryption of one case's files.
#[derive(Debug, Default)]
struct Reencryption {
    /// New ciphertexts of every file that could be decrypted.
    changes: Vec<Change>,
    /// Files that could not be decrypted and are not among the changes, so
    /// they stay as they were (encrypted to whoever could read them
    /// before), sorted by path.
    unreadable: Vec<UnreadableFile>,
}

/// Re-encrypts every encrypted file of a case to `recipients`; a file the
/// session cannot decrypt is left out and named, never an error.
fn reencrypt_case(
    vault: &Vault,
    session: &Session,
    id: &CaseId,
    recipients: &Readers,
) -> Result<Reencryption> {
    let access = vault.access_list(id)?;
    ensure_listed(vault, session, &access)?;
    let key = session.decryption_keys()?;
    let root = vault.root();
    let results = vault
        .encrypted_files(id)?
        .par_iter()
        .map(|rel| {
            let ct = crate::support::fsio::read_in_vault(root, rel)?;
            let new = crypto::reencrypt(&ct, key, recipients, &root.join(rel))?;
            Ok((rel.clone(), new))
        })
        .collect::<Result<Vec<_>>>()?;
    let mut out = Reencryption::default();
    for (rel, new) in results {
        match new {
            Some(ct) => out.changes.push(Change::write(rel, ct)),
            None => out.unreadable.push(UnreadableFile {
                case: id.clone(),
                path: rel,
            }),
        }
    }
    Ok(out)
}

/// What `dossier case repair` will do to one case: found by
/// [`repair_plan`], carried out by [`repair`].
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct RepairPlan {
    /// The case.
    pub case: CaseId,
    /// Files the session cannot decrypt, to be removed. The record is among
    /// them only when the plan was asked to include it.
    pub remove: Vec<String>,
    /// Files that decrypt but whose header carries a different number of
    /// recipient stanzas than the case has recipients: they are re-encrypted
    /// to exactly those recipients, never removed (their content is
    /// readable, and may be genuine: a case left unrekeyed after a
    /// revocation looks the same).
    pub reencrypt: Vec<String>,
    /// The changes, worked out while planning (each file decrypted once).
    changes: Vec<Change>,
    /// Blob ids of the case's files and access list as the plan saw them:
    /// [`repair`] writes only if they are still the same.
    seen: Vec<(String, git2::Oid)>,
}

/// The blob id of each encrypted file of a case and of its access list, as
/// they are now: what a repair plan was made from.
fn case_state(vault: &Vault, id: &CaseId) -> Result<Vec<(String, git2::Oid)>> {
    let mut out = Vec::new();
    for rel in vault
        .encrypted_files(id)?
        .into_iter()
        .chain([access_path(id)])
    {
        let bytes = vault.read(&rel)?;
        out.push((rel, git2::Oid::hash_object(git2::ObjectType::Blob, &bytes)?));
    }
    Ok(out)
}

/// Finds what [`repair`] would change in case `id`; changes nothing.
///
/// Only an owner of the case or an administrator may repair it, and only
/// while they are one of its recipients (to someone the case was never
/// encrypted to, every file would look damaged). A record the session
/// cannot decrypt is removed only with `include_record`; without it the
/// plan is refused with [`Error::RecordUnreadable`], because a record you
/// cannot open more often means the case was never re-encrypted to you than
/// that it is damaged. A case with nothing to change is
/// [`Error::NothingToRepair`].
pub fn repair_plan(
    vault: &Vault,
    session: &Session,
    id: &CaseId,
    include_record: bool,
) -> Result<RepairPlan> {
    let me = session.fingerprint();
    let verified = policy::verified_access(vault, id)?;
    policy::check_may_manage(vault, &me, &verified.list, &format!("repair case {id}"))?;
    let (_, recipients) = writable(vault, session, id)?;
    let keys = session.decryption_keys()?;
    let record = record_path(id);
    let mut plan = RepairPlan {
        case: id.clone(),
        remove: Vec::new(),
        reencrypt: Vec::new(),
        changes: Vec::new(),
        seen: case_state(vault, id)?,
    };
    for rel in vault.encrypted_files(id)? {
        let path = vault.root().join(&rel);
        let bytes = vault.read(&rel)?;
        match crypto::decrypt(&bytes, keys, &path) {
            Ok(plain) => {
                if crypto::x25519_stanza_count(&bytes) != Some(recipients.len()) {
                    plan.changes.push(Change::write(
                        rel.clone(),
                        crypto::encrypt(&plain, &recipients)?,
                    ));
                    plan.reencrypt.push(rel);
                }
            }
            Err(Error::CannotDecrypt { .. }) => {
                if rel == record && !include_record {
                    return Err(Error::RecordUnreadable {
                        case: id.to_string(),
                    });
                }
                plan.changes.push(Change::delete(rel.clone()));
                plan.remove.push(rel);
            }
            Err(e) => return Err(e),
        }
    }
    if plan.remove.is_empty() && plan.reencrypt.is_empty() {
        return Err(Error::NothingToRepair {
            case: id.to_string(),
        });
    }
    Ok(plan)
}

/// Carries out `plan` (from [`repair_plan`], usually shown to the person
/// first) as one signed `repair` commit: the files it names for removal are
/// removed (they stay in history), the others it names are re-encrypted to
/// the case's recipients, and nothing else is touched. If any file of the
/// case or its access list changed since the plan was made, nothing is
/// written and the error is [`Error::Raced`].
pub fn repair(vault: &Vault, session: &Session, plan: &RepairPlan) -> Result<Repaired> {
    let lock = vault.lock()?;
    if case_state(vault, &plan.case)? != plan.seen {
        return Err(Error::Raced);
    }
    let commit = vault.commit(
        &lock,
        session,
        &CommitMessage::for_case("repair", &plan.case, session.fingerprint()),
        &plan.changes,
    )?;
    Ok(Repaired {
        case: plan.case.clone(),
        removed: plan.remove.clone(),
        reencrypted: plan.reencrypt.clone(),
        commit,
    })
}

/// What a [`repair`] did, in its one commit.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Repaired {
    /// The case.
    pub case: CaseId,
    /// Files removed because they could not be decrypted (they stay in
    /// history).
    pub removed: Vec<String>,
    /// Files re-encrypted to exactly the case's recipients.
    pub reencrypted: Vec<String>,
    /// The `repair` commit.
    pub commit: git2::Oid,
}

impl Repaired {
    /// One line per file and what was done to it, as `dossier case repair`
    /// prints them before its headline; every line ends in a newline.
    pub fn details(&self) -> String {
        let mut out = String::new();
        for rel in &self.removed {
            out.push_str(&format!(
                "removed {rel}: it could not be decrypted with your keys\n"
            ));
        }
        for rel in &self.reencrypted {
            out.push_str(&format!(
                "re-encrypted {rel} to exactly the case's recipients\n"
            ));
        }
        out
    }
}

/// The headline, as `dossier case repair` prints it.
impl std::fmt::Display for Repaired {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Repaired case {}: {} file(s) removed, {} re-encrypted, in one commit.",
            self.case,
            self.removed.len(),
            self.reencrypted.len()
        )
    }
}

/// Reads, decrypts and parses the record of case `id` from the working
/// tree at `root` with `keys` (for work spread over threads, which hold a
/// root path rather than a [`Vault`]).
pub(crate) fn decrypt_record(
    root: &std::path::Path,
    keys: &crate::crypto::DecryptionKeys,
    id: &CaseId,
) -> Result<CaseRecord> {
    let path = root.join(record_path(id));
    let ct = crate::support::fsio::read_in_vault(root, &record_path(id))?;
    let plain = crypto::decrypt(&ct, keys, &path)?;
    CaseRecord::parse(&plain, &format!("the record of case {id}"))
}

/// Decrypts a case's record.
pub fn read_record(vault: &Vault, session: &Session, id: &CaseId) -> Result<CaseRecord> {
    let path = vault.root().join(record_path(id));
    let ct = match vault.read(&record_path(id)) {
        Ok(ct) => ct,
        Err(e @ Error::SymlinkInVault(_)) => return Err(e),
        Err(_) => return Err(Error::UnknownCase(id.to_string())),
    };
    let plain = crypto::decrypt(&ct, session.decryption_keys()?, &path)?;
    CaseRecord::parse(&plain, &format!("the record of case {id}"))
}

/// Checks the access list may be honoured and resolves its recipients;
/// refuses unless the acting person is one of them.
pub(crate) fn writable(
    vault: &Vault,
    session: &Session,
    id: &CaseId,
) -> Result<(AccessList, Readers)> {
    let verified = policy::verified_access(vault, id)?;
    let recipients = policy::recipients(vault, &verified.list)?;
    if !recipients.labels().any(|fp| *fp == session.fingerprint()) {
        return Err(not_a_recipient(vault, &verified.list));
    }
    Ok((verified.list, recipients))
}

fn ensure_listed(vault: &Vault, session: &Session, list: &AccessList) -> Result<()> {
    if policy::listed_readers(vault.groups(), list).contains(&session.fingerprint()) {
        Ok(())
    } else {
        Err(not_a_recipient(vault, list))
    }
}

fn not_a_recipient(vault: &Vault, list: &AccessList) -> Error {
    let owners: Vec<String> = list
        .owners
        .iter()
        .map(|o| vault.keyring().label(o))
        .collect();
    Error::NotARecipient {
        case: list.case.to_string(),
        owners: owners.join(", "),
    }
}

pub(crate) fn encrypt_record(
    id: &CaseId,
    record: &CaseRecord,
    recipients: &Readers,
) -> Result<Change> {
    Ok(Change::write(
        record_path(id),
        encrypt_record_bytes(record, recipients)?,
    ))
}

/// The content of `case.yaml.age` for `record`, encrypted to exactly
/// `recipients`.
pub fn encrypt_record_bytes(record: &CaseRecord, recipients: &Readers) -> Result<Vec<u8>> {
    let text: Zeroizing<String> = record.to_yaml()?;
    crypto::encrypt(text.as_bytes(), recipients)
}

/// Decrypts three versions of a case's `case.yaml.age` (`base` is `None`
/// when the record has no common version) and merges them field by field
/// (see [`crate::case::merge`]). Failures name the record's path, never its
/// content; any version the keys cannot open is [`Error::CannotDecrypt`].
pub fn merge_record_files(
    keys: &crypto::DecryptionKeys,
    id: &CaseId,
    base: Option<&[u8]>,
    ours: &[u8],
    theirs: &[u8],
    resolve: &dyn Fn(&str) -> Option<Side>,
) -> Result<RecordMerge> {
    let rel = std::path::PathBuf::from(record_path(id));
    let what = format!("the record of case {id}");
    let open = |ct: &[u8]| -> Result<CaseRecord> {
        CaseRecord::parse(&crypto::decrypt(ct, keys, &rel)?, &what)
    };
    let base = base.map(open).transpose()?;
    crate::case::merge_records(base.as_ref(), &open(ours)?, &open(theirs)?, resolve)
}

/// The access list and its signature as changes: the list in the current
/// format, naming the committed version it replaces ([`crate::vault::succession`]).
pub fn signed_access(vault: &Vault, session: &Session, list: &AccessList) -> Result<Vec<Change>> {
    let mut list = list.clone();
    crate::vault::succession::chain(
        vault,
        &access_path(&list.case),
        &mut list.dossier_access,
        &mut list.replaces,
    )?;
    let text = list.to_yaml()?;
    let sig = signature::sign(session.signer()?, DOCUMENT_NAMESPACE, text.as_bytes())?;
    let rel = access_path(&list.case);
    Ok(vec![
        Change::write(rel.clone(), text),
        Change::write(format!("{rel}.sig"), sig),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(action: AccessAction, entry: AccessEntry) -> AccessChange {
        AccessChange {
            case: "27T8E7KFWC".parse().unwrap(),
            entry,
            action,
            still_listed: false,
            unreadable: Vec::new(),
        }
    }

    fn key() -> Fingerprint {
        Fingerprint::from_file_id(&"A".repeat(43)).unwrap()
    }

    #[test]
    fn revoking_access_always_warns_that_fetched_copies_stay_readable() {
        const WARNING: &str = "Copies already fetched, and older versions in history, stay readable to whoever had them: rotate any underlying secrets where that matters.";
        let fp = key();
        let clean = change(AccessAction::Revoked, AccessEntry::Key(fp));
        assert_eq!(
            clean.to_string(),
            format!("{fp} can no longer read case 27T8E7KFWC's current files. {WARNING}")
        );
        let damaged = AccessChange {
            unreadable: vec![UnreadableFile {
                case: clean.case.clone(),
                path: "cases/27T8E7KFWC/notes/x.md.age".into(),
            }],
            ..clean.clone()
        };
        assert_eq!(
            damaged.to_string(),
            format!("{fp} was removed from case 27T8E7KFWC's access list and every file that could be decrypted was re-encrypted without them. {WARNING}")
        );
        assert_eq!(
            damaged.details(),
            "  1 file(s) could not be decrypted with your keys, so were not re-encrypted:\n    cases/27T8E7KFWC/notes/x.md.age: could not be decrypted; left exactly as it was\n  They are still encrypted to whoever could read them before this change, including anyone it removed. Remove them with `dossier case repair 27T8E7KFWC`.\n"
        );
        assert_eq!(clean.details(), "");
        let through_group = AccessChange {
            still_listed: true,
            ..clean
        };
        assert_eq!(
            through_group.to_string(),
            format!("{fp} was removed as a reader but can still read case 27T8E7KFWC through a group on its access list; remove them from the group or the group from the case.")
        );
    }

    #[test]
    fn a_grant_and_a_repair_say_what_they_did() {
        let granted = change(
            AccessAction::Granted,
            AccessEntry::Group("immigration".into()),
        );
        assert_eq!(
            granted.to_string(),
            "@immigration can now read case 27T8E7KFWC"
        );
        let repaired = Repaired {
            case: granted.case.clone(),
            removed: vec!["cases/27T8E7KFWC/notes/a.md.age".into()],
            reencrypted: vec!["cases/27T8E7KFWC/case.yaml.age".into()],
            commit: git2::Oid::ZERO_SHA1,
        };
        assert_eq!(
            repaired.details(),
            "removed cases/27T8E7KFWC/notes/a.md.age: it could not be decrypted with your keys\nre-encrypted cases/27T8E7KFWC/case.yaml.age to exactly the case's recipients\n"
        );
        assert_eq!(
            repaired.to_string(),
            "Repaired case 27T8E7KFWC: 1 file(s) removed, 1 re-encrypted, in one commit."
        );
    }
}
