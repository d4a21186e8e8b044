//! The worker-side functions that build what the screens show
//! ([`crate::tui::model`]) from the library, and the changes a user can ask
//! for.
//!
//! The `load_*` and `run_*` functions here are the bodies of jobs: they run
//! on worker threads, open their own `Vault` from the root path, and make the
//! blocking library calls. Nothing on the UI thread calls them directly.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use dossier::audit::log;
use dossier::case::items::ItemChange;
use dossier::case::{AccessEntry, CaseId, CaseRecord};
use dossier::keys::fingerprint::Fingerprint;
use dossier::keys::identity::Session;
use dossier::ops::cases::{self, CaseSummary, NewCase};
use dossier::ops::documents;
use dossier::ops::done::Done;
use dossier::ops::search::Corpus;
use dossier::ops::{admin, disclose, listing};
use dossier::sync::transport;
use dossier::sync::{self, Choices, Stage, SyncOptions};
use dossier::vault::keyring::Validity;
use dossier::vault::Vault;
use dossier::{Error, Result};

use crate::tui::jobs::{JobCtx, JobOutput};
use crate::tui::model::{access_rows, KeyRow, LoadedCase, VaultInfo};

/// Reads the vault's public state.
pub fn load_vault_info(root: &Path, me: Fingerprint) -> Result<VaultInfo> {
    Ok(vault_info(&Vault::open(root)?, me))
}

fn vault_info(vault: &Vault, me: Fingerprint) -> VaultInfo {
    let ring = vault.keyring();
    let keys = ring
        .entries()
        .map(|e| KeyRow {
            fingerprint: e.fingerprint,
            name: e.card.name.clone(),
            email: e.card.email.clone(),
            validity: ring
                .validity(&e.fingerprint)
                .unwrap_or(Validity::Uncertified),
            role: e.role,
            certified_by: e.certified_by,
            created: e.card.created,
            expires: e.expires(),
            age_recipient: e.age_recipient().to_string(),
            me: e.fingerprint == me,
        })
        .collect();
    let mut problems: Vec<String> = ring.problems().to_vec();
    problems.extend(vault.groups().problem().map(str::to_string));
    VaultInfo {
        name: vault.config().name.clone(),
        keys,
        groups: vault.groups().doc().groups.clone(),
        problems,
    }
}

/// Decrypts the whole list, reporting progressively.
pub fn run_list(ctx: &JobCtx, root: &Path, session: &Session) -> Result<JobOutput> {
    let vault = Vault::open(root)?;
    let ids = vault.case_ids()?;
    ctx.partial(JobOutput::ListTotal(ids.len()));
    // Batch what the rayon workers produce so a 10,000-case vault sends
    // hundreds of messages, not ten thousand.
    let batch = std::sync::Mutex::new(Vec::<CaseSummary>::new());
    listing::summarise_each(&vault, session, &ids, ctx.cancel_flag(), |s| {
        let full = match batch.lock() {
            Ok(mut b) => {
                b.push(s);
                (b.len() >= 64).then(|| std::mem::take(&mut *b))
            }
            Err(_) => None,
        };
        if let Some(full) = full {
            ctx.partial(JobOutput::Summaries(full));
        }
    })?;
    if let Ok(mut b) = batch.lock() {
        if !b.is_empty() {
            ctx.partial(JobOutput::Summaries(std::mem::take(&mut *b)));
        }
    }
    Ok(JobOutput::ListDone)
}

/// Last change per case.
pub fn run_last_changes(ctx: &JobCtx, root: &Path) -> Result<JobOutput> {
    let vault = Vault::open(root)?;
    Ok(JobOutput::LastChanges(listing::last_changes(
        &vault,
        ctx.cancel_flag(),
    )?))
}

/// The text of `records` and their notes, for the search to search in
/// memory; notes `previous` holds unchanged are not decrypted again.
pub fn run_index(
    ctx: &JobCtx,
    root: &Path,
    session: &Session,
    records: Vec<(CaseId, CaseRecord)>,
    previous: Option<Corpus>,
    generation: u64,
) -> Result<JobOutput> {
    let vault = Vault::open(root)?;
    let corpus = Corpus::build(&vault, session, &records, previous, ctx.cancel_flag())?;
    Ok(JobOutput::Corpus {
        corpus: Box::new(corpus),
        generation,
    })
}

/// Opens a case with its documents and resolved access.
pub fn run_open(root: &Path, session: &Session, id: &CaseId, me: Fingerprint) -> Result<JobOutput> {
    let vault = Vault::open(root)?;
    let info = vault_info(&vault, me);
    let case = cases::open(&vault, session, id)?;
    let documents = documents::list(&case.record)?;
    let access = access_rows(&info, &case.access);
    Ok(JobOutput::CaseOpened(Box::new(LoadedCase {
        case,
        documents,
        access,
    })))
}

/// A case's history.
pub fn run_case_history(root: &Path, id: &CaseId) -> Result<JobOutput> {
    let vault = Vault::open(root)?;
    Ok(JobOutput::CaseHistory(
        id.clone(),
        log::read(&vault, Some(id))?,
    ))
}

/// The access review of everyone, grants a year old flagged.
pub fn run_access_review(root: &Path, session: &Session) -> Result<JobOutput> {
    let vault = Vault::open(root)?;
    let review =
        dossier::ops::access_review::review(&vault, session, None, 365, chrono::Utc::now())?;
    Ok(JobOutput::AccessReview(Box::new(review)))
}

/// The retention report as of `today`.
pub fn run_retention(
    root: &Path,
    session: &Session,
    today: chrono::NaiveDate,
) -> Result<JobOutput> {
    let vault = Vault::open(root)?;
    let due = dossier::ops::retention::due(&vault, session, today)?;
    Ok(JobOutput::Retention(Box::new(due)))
}

/// A conflict check of `names` over every case of the vault.
pub fn run_conflicts(root: &Path, session: &Session, names: &[String]) -> Result<JobOutput> {
    let vault = Vault::open(root)?;
    let report = dossier::ops::conflicts::check(&vault, session, names)?;
    Ok(JobOutput::Conflicts(Box::new(report)))
}

/// The disclosure register of the cases `session` can read.
pub fn run_register(root: &Path, session: &Session) -> Result<JobOutput> {
    let vault = Vault::open(root)?;
    let register = disclose::register(&vault, session, None, None)?;
    Ok(JobOutput::Register(Box::new(register)))
}

/// The deadlines agenda of the cases `session` can read, judged on
/// `today`, looking `days` ahead; stops early when the job is cancelled.
pub fn run_agenda(
    ctx: &JobCtx,
    root: &Path,
    session: &Session,
    today: chrono::NaiveDate,
    days: u32,
) -> Result<JobOutput> {
    let vault = Vault::open(root)?;
    let agenda =
        dossier::ops::agenda::agenda_cancellable(&vault, session, today, days, ctx.cancel_flag())?;
    Ok(JobOutput::Agenda(Box::new(agenda)))
}

/// The vault's audit trail.
pub fn run_audit(root: &Path) -> Result<JobOutput> {
    let vault = Vault::open(root)?;
    Ok(JobOutput::Audit(log::read(&vault, None)?))
}

/// A change to the vault, described for the jobs layer.
#[derive(Clone)]
pub enum Change {
    /// A new case.
    Create(NewCase),
    /// Field assignments (`FIELD=VALUE`), validated again by the library.
    SetFields(CaseId, Vec<String>),
    /// A note (its text is wiped when the change is dropped).
    Note(CaseId, dossier::support::secret::Zeroizing<String>),
    /// Close a case.
    Close(CaseId),
    /// Attach a file.
    Attach(CaseId, PathBuf),
    /// Export a document to a path.
    Export(CaseId, String, PathBuf),
    /// Grant access to a fingerprint prefix or @group (as typed).
    Grant(CaseId, String),
    /// Revoke an entry.
    Revoke(CaseId, AccessEntry),
    /// Import a key card from a file.
    ImportCard(PathBuf),
    /// Export a key card to a file.
    ExportCard(Fingerprint, PathBuf),
    /// Certify a key.
    Certify(Fingerprint),
    /// Revoke a key (re-encrypting every affected case).
    RevokeKey(Fingerprint),
    /// Add, edit or remove one item of a list of a case's record.
    Item(CaseId, &'static str, ItemOp),
    /// Make a disclosure (checked again by the library).
    Disclose(Box<disclose::Request>),
    /// Record a disclosure for a second person's approval.
    RequestDisclosure(Box<disclose::Request>),
}

/// One change to one item of a list (the owned form of
/// [`dossier::case::items::ItemChange`]). Its `Debug` names the item,
/// never a value.
#[derive(Clone, PartialEq, Eq)]
pub enum ItemOp {
    /// A new item with these `FIELD=VALUE` assignments.
    Add(Vec<String>),
    /// The item with this id, these assignments applied.
    Edit(String, Vec<String>),
    /// Remove the item with this id.
    Remove(String),
}

impl std::fmt::Debug for ItemOp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ItemOp::Add(a) => write!(f, "Add({} field(s))", a.len()),
            ItemOp::Edit(item, a) => write!(f, "Edit({item}, {} field(s))", a.len()),
            ItemOp::Remove(item) => write!(f, "Remove({item})"),
        }
    }
}

/// What the change is and the case it is about, never a note's text, a
/// field's value or a new case's title and client.
impl std::fmt::Debug for Change {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let case = match self {
            Change::SetFields(id, _)
            | Change::Note(id, _)
            | Change::Close(id)
            | Change::Attach(id, _)
            | Change::Export(id, ..)
            | Change::Grant(id, _)
            | Change::Revoke(id, _)
            | Change::Item(id, ..) => Some(id),
            Change::Disclose(r) | Change::RequestDisclosure(r) => Some(&r.case),
            _ => None,
        };
        f.debug_struct("Change")
            .field("what", &self.label())
            .field("case", &case)
            .finish_non_exhaustive()
    }
}

impl Change {
    /// What the status bar says while it runs.
    pub fn label(&self) -> &'static str {
        match self {
            Change::Create(_) => "creating the case",
            Change::SetFields(..) => "saving the case",
            Change::Note(..) => "adding the note",
            Change::Close(_) => "closing the case",
            Change::Attach(..) => "encrypting the file",
            Change::Export(..) => "exporting the document",
            Change::Grant(..) => "granting access (re-encrypting)",
            Change::Revoke(..) => "revoking access (re-encrypting)",
            Change::ImportCard(_) => "importing the card",
            Change::ExportCard(..) => "exporting the card",
            Change::Certify(_) => "certifying the key",
            Change::RevokeKey(_) => "revoking the key (re-encrypting its cases)",
            Change::Item(..) => "saving the case",
            Change::Disclose(_) => "disclosing (encrypting to the recipient alone)",
            Change::RequestDisclosure(_) => "recording the disclosure request",
        }
    }
}

/// Carries out a change; returns one sentence saying what happened.
pub fn run_change(root: &Path, session: &Arc<Session>, change: Change) -> Result<JobOutput> {
    // The lock first (waiting for another writer, off the UI thread), so
    // the change is decided on the state it lands on.
    let vault = Vault::open_for_change(root, &mut |_, _| {})?;
    let s = session.as_ref();
    let msg = match change {
        Change::Create(new) => {
            let id = cases::create(&vault, s, new)?;
            format!("Created case {id}")
        }
        Change::SetFields(id, assignments) => {
            cases::set_fields(&vault, s, &id, &assignments)?;
            Done::Updated(id).to_string()
        }
        Change::Note(id, text) => {
            cases::add_note(&vault, s, &id, &text)?;
            Done::NoteAdded(id).to_string()
        }
        Change::Close(id) => {
            cases::close(&vault, s, &id)?;
            Done::Closed(id).to_string()
        }
        Change::Attach(id, path) => {
            let doc = documents::attach(&vault, s, &id, &path)?;
            format!("Attached {} ({} bytes) to case {id}", doc.name, doc.size)
        }
        Change::Export(id, doc, dest) => {
            documents::export(&vault, s, &id, &doc, &dest)?;
            format!(
                "Wrote a decrypted copy to {} (readable by you only); delete it when done",
                dest.display()
            )
        }
        // The library words each result once; the TUI shows the same sentence.
        Change::Grant(id, who) => {
            let entry = vault.resolve_entry(&who)?;
            let change = cases::grant(&vault, s, &id, entry)?;
            format!("{change}{}", unreadable_note(&change.unreadable))
        }
        Change::Revoke(id, entry) => {
            let change = cases::revoke_access(&vault, s, &id, entry)?;
            format!("{change}{}", unreadable_note(&change.unreadable))
        }
        Change::ImportCard(path) => {
            let bytes = dossier::support::fsio::read(&path)?;
            let fp = admin::import_card(&vault, s, &bytes)?;
            let vault = Vault::open(root)?;
            let mut said = Done::Imported(fp).to_string();
            for (other, what) in admin::namesakes(&vault, &fp) {
                said.push_str(&format!(
                    "; warning: its {what} already belong(s) to {}: check the fingerprint with the person before certifying",
                    vault.keyring().label(&other)
                ));
            }
            said
        }
        Change::ExportCard(fp, dest) => {
            let entry = vault
                .keyring()
                .get(&fp)
                .ok_or_else(|| Error::UnknownKey(fp.to_string()))?;
            dossier::support::fsio::write_new(
                &dest,
                entry.card.to_yaml()?.as_bytes(),
                dossier::support::fsio::Mode::Shared,
            )?;
            format!(
                "Wrote the card of {} to {}",
                entry.card.name,
                dest.display()
            )
        }
        Change::Certify(fp) => {
            admin::certify(&vault, s, &fp)?;
            Done::Certified(vault.keyring().label(&fp)).to_string()
        }
        Change::RevokeKey(fp) => {
            let report = dossier::ops::revocation::revoke(&vault, s, &fp, "", &|_| {})?;
            one_line(&report.to_string())
        }
        Change::Item(id, list, op) => {
            let change = match &op {
                ItemOp::Add(a) => ItemChange::Add(a),
                ItemOp::Edit(item, a) => ItemChange::Edit(item, a),
                ItemOp::Remove(item) => ItemChange::Remove(item),
            };
            cases::edit_item(&vault, s, &id, list, change)?;
            Done::Updated(id).to_string()
        }
        Change::Disclose(request) => disclose::disclose(&vault, s, &request)?.to_string(),
        Change::RequestDisclosure(request) => {
            disclose::request_approval(&vault, s, &request)?.to_string()
        }
    };
    Ok(JobOutput::Changed(msg))
}

/// A report of several lines as the one line of the message bar.
fn one_line(report: &str) -> String {
    report
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// A status-line clause naming the files a re-encryption left as they were
/// (empty when none): the TUI shows one line, so the paths are joined.
fn unreadable_note(files: &[dossier::ops::rekey::UnreadableFile]) -> String {
    if files.is_empty() {
        return String::new();
    }
    let paths: Vec<&str> = files.iter().map(|f| f.path.as_str()).collect();
    format!(
        "; {} file(s) could not be decrypted and stay encrypted to whoever could read them before ({}): remove them with {}",
        files.len(),
        paths.join(", "),
        dossier::ops::rekey::repair_commands(files.iter().map(|f| &f.case))
    )
}

/// What a sync job is asked to do. It is plain data so that what would
/// run can be checked without running it (tests, and the conflict view
/// carrying earlier choices into the next run).
#[derive(Debug, Clone, Default)]
pub struct SyncRequest {
    /// The remote's name; `None` is the vault's only (or `origin`) remote.
    pub remote: Option<String>,
    /// Conflicts already decided, by [`dossier::sync::Conflict::key`].
    pub choices: Choices,
}

/// How often receiving progress is forwarded to the UI at most.
const PROGRESS_EVERY: std::time::Duration = std::time::Duration::from_millis(80);

/// Syncs the vault at `root` with a remote. Nothing here may ask on the
/// terminal, which belongs to the UI: an unknown SSH host is refused (the
/// error says how to add it), a protected SSH key file gets no passphrase
/// (use an agent or an unprotected deploy key via `DOSSIER_SSH_KEY`).
/// Progress goes to the UI as [`JobOutput::SyncProgress`], receiving
/// counts at most every [`PROGRESS_EVERY`].
pub fn run_sync(
    ctx: &JobCtx,
    root: &Path,
    session: &Session,
    request: SyncRequest,
) -> Result<JobOutput> {
    let mut vault = Vault::open(root)?;
    let known_hosts = transport::default_known_hosts()?;
    let ssh_key = dossier::sync::transport::ssh_key_from_env();
    let mut last: Option<(Stage, std::time::Instant)> = None;
    let mut progress = |stage: Stage| {
        let now = std::time::Instant::now();
        let due = match &last {
            None => true,
            Some((prev, _)) if std::mem::discriminant(prev) != std::mem::discriminant(&stage) => {
                true
            }
            Some((prev, _)) if *prev == stage => false,
            Some((_, at)) => now.duration_since(*at) >= PROGRESS_EVERY || finished_transfer(&stage),
        };
        if due {
            ctx.partial(JobOutput::SyncProgress(stage.clone()));
            last = Some((stage, now));
        }
    };
    let report = sync::sync(
        &mut vault,
        session,
        request.remote.as_deref(),
        SyncOptions {
            ssh_key,
            known_hosts,
            accept_unknown_host: &|_| false,
            key_passphrase: &|_| None,
            resolver: &request.choices,
            progress: &mut progress,
        },
    )?;
    Ok(JobOutput::Synced(Box::new(report)))
}

fn finished_transfer(stage: &Stage) -> bool {
    match stage {
        Stage::Receiving { objects, total } => objects == total,
        Stage::Pushing { current, total } => current == total,
        _ => false,
    }
}

/// What the status bar says while a sync is at `stage`.
pub fn stage_text(stage: &Stage) -> String {
    format!("sync: {stage}")
}

/// The text of a record field for forms: scalars as typed, lists as
/// one-line YAML flow (JSON syntax), missing as empty.
pub fn field_text(record: &CaseRecord, path: &str) -> String {
    let Ok(mut v) = dossier::support::yaml::to_value(record) else {
        return String::new();
    };
    for part in path.split('.') {
        v = match v {
            dossier::support::yaml::Value::Mapping(mut m) => m
                .remove(dossier::support::yaml::Value::String(part.to_string()))
                .unwrap_or(dossier::support::yaml::Value::Null),
            _ => dossier::support::yaml::Value::Null,
        };
    }
    dossier::case::fields::value_text(&v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_of_a_change_never_prints_what_it_writes() {
        let id: CaseId = "27T8E7KFWC".parse().expect("id");
        let changes = [
            Change::Note(
                id.clone(),
                dossier::support::secret::Zeroizing::new("privileged advice".into()),
            ),
            Change::SetFields(id, vec!["client.name=Tesfaye Bekele".into()]),
            Change::Create(NewCase {
                title: "Asylum appeal".into(),
                client: Some("Tesfaye Bekele".into()),
                ..Default::default()
            }),
        ];
        for change in changes {
            let shown = format!("{change:?}");
            for secret in ["privileged", "Tesfaye", "Asylum"] {
                assert!(!shown.contains(secret), "{shown}");
            }
            assert!(shown.contains(change.label()), "{shown}");
        }
    }
}
