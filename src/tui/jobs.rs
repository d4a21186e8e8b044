//! The jobs layer (STYLE rule 2): library calls run on worker threads and
//! report over the event channel, tagged with their kind and a serial
//! number. Starting a job of a kind supersedes (and cancels) the previous
//! one of that kind, so a late answer to an old question is recognised as
//! stale and dropped. Failures come back as values for the UI to show.
//!
//! Workers never hold a `Vault` across threads (git2's repository is not
//! `Sync`): each job opens its own from the vault root path. The unlocked
//! [`Session`] is shared read-only behind an `Arc`.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use dossier::audit::log::LogEntry;
use dossier::case::CaseId;
use dossier::keys::identity::Session;
use dossier::ops::cases::CaseSummary;
use dossier::ops::search::Corpus;
use dossier::repo::status::VaultStatus;
use dossier::sync::{Stage, SyncReport};
use dossier::Error;

use crate::tui::model::{LoadedCase, VaultInfo};

/// Where job reports go (the UI's event channel). A function rather than the
/// channel itself, so this layer does not depend on the event type that
/// carries its messages.
pub type Report = Arc<dyn Fn(JobMessage) + Send + Sync>;

/// What a job is for. One job per kind runs at a time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum JobKind {
    /// Decrypting the identity.
    Unlock,
    /// Reading config, keyring and groups.
    VaultInfo,
    /// Decrypting the case list.
    List,
    /// When each case last changed.
    LastChanges,
    /// Reading the text the full-text search searches.
    Search,
    /// Opening one case.
    OpenCase,
    /// One case's history.
    CaseHistory,
    /// The vault's audit trail.
    Audit,
    /// The disclosure register.
    Register,
    /// A conflict-of-interest check.
    Conflicts,
    /// The retention report.
    Retention,
    /// The access review.
    AccessReview,
    /// The deadlines agenda.
    Agenda,
    /// Dirty / ahead / behind.
    Status,
    /// A change to the vault (one commit).
    Change,
    /// Fetch, verify, merge and push with a remote.
    Sync,
}

/// What jobs produce.
#[derive(Debug)]
pub enum JobOutput {
    /// The identity unlocked.
    /// Unlocked; with a sentence when the agent was asked for but could
    /// not be used.
    Unlocked(Arc<Session>, Option<String>),
    /// The vault's public state.
    VaultInfo(Box<VaultInfo>),
    /// How many cases the list will have (sent first).
    ListTotal(usize),
    /// Some summaries, as they are decrypted.
    Summaries(Vec<CaseSummary>),
    /// The list is complete.
    ListDone,
    /// Last change per case.
    LastChanges(BTreeMap<CaseId, DateTime<Utc>>),
    /// The text of the listed cases, to search in memory.
    Corpus {
        /// Records and notes, decrypted (zeroized when dropped).
        corpus: Box<Corpus>,
        /// The list's generation it was built from.
        generation: u64,
    },
    /// A case, opened.
    CaseOpened(Box<LoadedCase>),
    /// A case's commits.
    CaseHistory(CaseId, Vec<LogEntry>),
    /// Every commit.
    Audit(Vec<LogEntry>),
    /// The disclosure register.
    Register(Box<dossier::ops::disclose::Register>),
    /// What a conflict check found.
    Conflicts(Box<dossier::ops::conflicts::Report>),
    /// The cases at or past their retention date.
    Retention(Box<dossier::ops::retention::Due>),
    /// Who can read what, and what to review.
    AccessReview(Box<dossier::ops::access_review::Review>),
    /// The deadlines agenda.
    Agenda(Box<dossier::ops::agenda::Agenda>),
    /// Working state.
    Status(VaultStatus),
    /// A change was committed; the sentence says what happened.
    Changed(String),
    /// A new identity was created.
    Generated(Box<dossier::keys::identity::Identity>),
    /// How far a sync has got.
    SyncProgress(Stage),
    /// A sync finished (its outcome may be conflicts to decide).
    Synced(Box<SyncReport>),
}

/// A job's report.
#[derive(Debug)]
pub struct JobMessage {
    /// The kind.
    pub kind: JobKind,
    /// Its serial number.
    pub serial: u64,
    /// Progress (`Ok` output, more to come) or the final result.
    pub body: JobBody,
}

/// Partial or final.
#[derive(Debug)]
pub enum JobBody {
    /// More is coming.
    Partial(JobOutput),
    /// The end.
    Done(Result<JobOutput, Error>),
}

/// Handed to a running job: where to report and whether to stop.
pub struct JobCtx {
    kind: JobKind,
    serial: u64,
    report: Report,
    cancel: Arc<AtomicBool>,
}

impl JobCtx {
    /// Sends partial output.
    pub fn partial(&self, out: JobOutput) {
        (self.report)(JobMessage {
            kind: self.kind,
            serial: self.serial,
            body: JobBody::Partial(out),
        });
    }

    /// The cancel flag, for library calls that take one.
    pub fn cancel_flag(&self) -> &AtomicBool {
        &self.cancel
    }
}

struct Running {
    serial: u64,
    cancel: Arc<AtomicBool>,
    label: String,
}

/// The UI thread's handle on running jobs.
pub struct Jobs {
    report: Option<Report>,
    serial: u64,
    running: BTreeMap<JobKind, Running>,
    /// Where the vault lives (jobs open their own handle).
    pub vault_root: PathBuf,
}

impl Jobs {
    /// Jobs reporting through `report`.
    pub fn new(report: impl Fn(JobMessage) + Send + Sync + 'static, vault_root: PathBuf) -> Jobs {
        Jobs {
            report: Some(Arc::new(report)),
            serial: 0,
            running: BTreeMap::new(),
            vault_root,
        }
    }

    /// Jobs that never run (render tests and key-handling tests): `spawn`
    /// records the job as running but starts no thread.
    #[cfg(test)]
    pub fn inert(vault_root: PathBuf) -> Jobs {
        Jobs {
            report: None,
            serial: 0,
            running: BTreeMap::new(),
            vault_root,
        }
    }

    /// Runs `work` on a new thread as the current job of `kind`,
    /// cancelling any previous one of that kind.
    pub fn spawn(
        &mut self,
        kind: JobKind,
        label: impl Into<String>,
        work: impl FnOnce(&JobCtx) -> Result<JobOutput, Error> + Send + 'static,
    ) {
        self.cancel(kind);
        self.serial += 1;
        let cancel = Arc::new(AtomicBool::new(false));
        self.running.insert(
            kind,
            Running {
                serial: self.serial,
                cancel: cancel.clone(),
                label: label.into(),
            },
        );
        let Some(report) = self.report.clone() else {
            return;
        };
        let ctx = JobCtx {
            kind,
            serial: self.serial,
            report,
            cancel,
        };
        let root = self.vault_root.clone();
        let spawned = std::thread::Builder::new()
            .name(format!("dossier-job-{kind:?}"))
            .spawn(move || {
                // git failing to read an object is named by the file it holds.
                // A panic is a bug: it becomes an error naming its place.
                let result = dossier::support::hygiene::catch_quietly(|| work(&ctx))
                    .and_then(|done| done)
                    .map_err(|e| dossier::vault::Vault::explain_at(&root, e));
                (ctx.report)(JobMessage {
                    kind: ctx.kind,
                    serial: ctx.serial,
                    body: JobBody::Done(result),
                });
            });
        if spawned.is_err() {
            self.running.remove(&kind);
        }
    }

    /// Whether `msg` answers the current job of its kind (else it is stale
    /// and must be dropped). A final message also retires the job.
    pub fn accept(&mut self, msg: &JobMessage) -> bool {
        let current = self
            .running
            .get(&msg.kind)
            .is_some_and(|r| r.serial == msg.serial);
        if current && matches!(msg.body, JobBody::Done(_)) {
            self.running.remove(&msg.kind);
        }
        current
    }

    /// The serial number of the running job of `kind` (tests answer jobs
    /// by it).
    #[cfg(test)]
    pub fn serial_of(&self, kind: JobKind) -> Option<u64> {
        self.running.get(&kind).map(|r| r.serial)
    }

    /// Cancels the job of `kind`, if any; its answers become stale.
    pub fn cancel(&mut self, kind: JobKind) {
        if let Some(r) = self.running.remove(&kind) {
            r.cancel.store(true, Ordering::SeqCst);
        }
    }

    /// Whether a job of `kind` runs.
    pub fn is_running(&self, kind: JobKind) -> bool {
        self.running.contains_key(&kind)
    }

    /// Whether any job runs.
    pub fn busy(&self) -> bool {
        !self.running.is_empty()
    }

    /// Replaces the status-bar label of the running job of `kind` (for
    /// progress that changes while it runs); nothing if none runs.
    pub fn set_label(&mut self, kind: JobKind, label: impl Into<String>) {
        if let Some(r) = self.running.get_mut(&kind) {
            r.label = label.into();
        }
    }

    /// Labels of running jobs, for the status bar.
    pub fn labels(&self) -> Vec<&str> {
        self.running.values().map(|r| r.label.as_str()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn drain(rx: &std::sync::mpsc::Receiver<JobMessage>) -> Vec<JobMessage> {
        let mut out = Vec::new();
        while let Ok(m) = rx.recv_timeout(std::time::Duration::from_secs(5)) {
            let done = matches!(m.body, JobBody::Done(_));
            out.push(m);
            if done {
                break;
            }
        }
        out
    }

    #[test]
    fn a_superseded_job_is_cancelled_and_its_answer_is_stale() {
        let (tx, rx) = std::sync::mpsc::channel();
        let mut jobs = Jobs::new(
            move |m| {
                let _ = tx.send(m);
            },
            PathBuf::new(),
        );
        let (go_tx, go_rx) = std::sync::mpsc::channel::<()>();
        jobs.spawn(JobKind::Search, "old", move |ctx| {
            let _ = go_rx.recv();
            assert!(
                ctx.cancel_flag().load(Ordering::SeqCst),
                "cancel flag raised"
            );
            Ok(JobOutput::ListDone)
        });
        jobs.spawn(JobKind::Search, "new", |_| Ok(JobOutput::ListDone));
        let newer = drain(&rx);
        let _ = go_tx.send(());
        let older = drain(&rx);
        let (mut fresh, mut stale) = (0, 0);
        for m in newer.iter().chain(older.iter()) {
            if jobs.accept(m) {
                fresh += 1
            } else {
                stale += 1
            }
        }
        assert_eq!((fresh, stale), (1, 1));
        assert!(!jobs.busy());
    }
}
