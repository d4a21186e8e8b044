//! What every screen and overlay shares: colours, settings, the identity and
//! session, the vault's public state, the loaded case summaries, the jobs
//! and the message line ([`Shared`]).
//!
//! Screens and overlays get `&mut Shared` when they handle a key or a job
//! report and `&Shared` when they draw; they own everything else they show.
//! The helpers here start the jobs several of them need (a change, a sync,
//! the status); none of them blocks, and none touches the vault on this
//! thread.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use dossier::case::CaseId;
use dossier::keys::fingerprint::Fingerprint;
use dossier::keys::identity::{Home, Identity, Session};
use dossier::ops::cases::CaseSummary;
use dossier::repo::status::VaultStatus;

use crate::tui::config::Config;
use crate::tui::data::{self, Change, SyncRequest};
use crate::tui::jobs::{JobKind, JobOutput, Jobs};
use crate::tui::model::VaultInfo;
use crate::tui::theme::Theme;

/// How many messages `:messages` keeps.
pub const MESSAGES_KEPT: usize = 200;

/// A one-line message in the hint bar until the next key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// The sentence.
    pub text: String,
    /// Whether it reports a failure.
    pub error: bool,
}

/// Every case summary loaded so far, in arrival order, with when each case
/// last changed. The case list shows a filtered, sorted view of it; the
/// detail and audit screens look cases up in it; the status bar counts it.
#[derive(Debug, Default)]
pub struct CaseIndex {
    /// The summaries.
    pub rows: Vec<CaseSummary>,
    index: HashMap<CaseId, usize>,
    /// Last change per case.
    pub last_changes: BTreeMap<CaseId, DateTime<Utc>>,
    /// How many cases the vault has (once known).
    pub total: Option<usize>,
    /// Whether the list is still loading.
    pub loading: bool,
    /// Whether the last load failed (its error went to the messages).
    pub failed: bool,
    generation: u64,
}

impl CaseIndex {
    /// The summary of a case, if loaded.
    pub fn get(&self, id: &CaseId) -> Option<&CaseSummary> {
        self.index.get(id).map(|&i| &self.rows[i])
    }

    /// Adds or replaces summaries.
    pub fn upsert(&mut self, batch: Vec<CaseSummary>) {
        for s in batch {
            match self.index.get(&s.id) {
                Some(&i) => self.rows[i] = s,
                None => {
                    self.index.insert(s.id.clone(), self.rows.len());
                    self.rows.push(s);
                }
            }
        }
        self.generation += 1;
    }

    /// Replaces the last-change dates.
    pub fn set_last_changes(&mut self, map: BTreeMap<CaseId, DateTime<Utc>>) {
        self.last_changes = map;
        self.generation += 1;
    }

    /// A number that changes whenever the rows or dates do, so a view of
    /// them knows when to recompute.
    pub fn generation(&self) -> u64 {
        self.generation
    }
}

/// The state shared by every screen and overlay.
pub struct Shared {
    /// Colours.
    pub theme: Theme,
    /// Settings.
    pub config: Config,
    /// Where the identity lives.
    pub home: Home,
    /// The scrypt work factor for an identity created here.
    pub scrypt_log_n: u8,
    /// The identity (public part), if there is one.
    pub identity: Option<Identity>,
    /// The unlocked session.
    pub session: Option<Arc<Session>>,
    /// When the last key was pressed (the agent's idle lock counts from it).
    pub last_input: std::time::Instant,
    /// Vault public state.
    pub info: VaultInfo,
    /// Dirty / ahead / behind.
    pub status: VaultStatus,
    /// The case summaries.
    pub cases: CaseIndex,
    /// Message in the hint bar.
    pub message: Option<Message>,
    /// Background work.
    pub jobs: Jobs,
    /// Spinner frame.
    pub spinner: usize,
    /// Rows in the main area at the last draw (for page keys).
    pub page: usize,
    /// What the running sync job was asked to do (`None` when none runs).
    pub sync_request: Option<SyncRequest>,
    /// The date that consents, conditions and deadlines are judged on
    /// (today, at start; fixed in tests).
    pub today: chrono::NaiveDate,
    /// This session's messages, oldest first (the same sentences as the
    /// hint bar: no case content), at most [`MESSAGES_KEPT`].
    pub messages: Vec<Message>,
    /// Columns of the hint bar at the last draw: a longer message also
    /// opens in a message box.
    pub width: u16,
    /// Every change started, for tests to see what a key asked for.
    #[cfg(test)]
    pub started: Vec<Change>,
}

impl Shared {
    /// Shows a sentence in the hint bar until the next key.
    pub fn update_message(&mut self, text: impl Into<String>, error: bool) {
        let message = Message {
            text: text.into(),
            error,
        };
        if self.messages.len() >= MESSAGES_KEPT {
            self.messages.remove(0);
        }
        self.messages.push(message.clone());
        self.message = Some(message);
    }

    /// Whether the current message is too long for the hint bar.
    pub fn message_too_long(&self) -> bool {
        self.message
            .as_ref()
            .is_some_and(|m| m.text.chars().count() + 1 > self.width as usize)
    }

    /// This session's messages as the `:messages` box shows them.
    pub fn messages_text(&self) -> String {
        if self.messages.is_empty() {
            return "No messages yet.".into();
        }
        self.messages
            .iter()
            .map(|m| {
                let mark = if m.error { "! " } else { "  " };
                format!("{mark}{}", m.text)
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// Shows a sentence that reports progress or success.
    pub fn info_msg(&mut self, text: impl Into<String>) {
        self.update_message(text, false);
    }

    /// Shows a sentence that reports a failure.
    pub fn error_msg(&mut self, text: impl Into<String>) {
        self.update_message(text, true);
    }

    /// The unlocked user's fingerprint.
    pub fn me(&self) -> Option<Fingerprint> {
        self.session.as_ref().map(|s| s.fingerprint())
    }

    /// Cancels whichever of `kinds` run and says so; returns those stopped.
    pub fn stop(&mut self, kinds: &[JobKind]) -> Vec<JobKind> {
        let stopped: Vec<JobKind> = kinds
            .iter()
            .copied()
            .filter(|k| self.jobs.is_running(*k))
            .collect();
        for k in &stopped {
            self.jobs.cancel(*k);
        }
        if !stopped.is_empty() {
            self.info_msg(format!("Cancelled {} running job(s)", stopped.len()));
        }
        stopped
    }

    /// Whether a change is being committed; if so, says to wait (changes
    /// run one at a time).
    pub fn change_running(&mut self) -> bool {
        let running = self.jobs.is_running(JobKind::Change);
        if running {
            self.error_msg("another change is still being saved; try again in a moment");
        }
        running
    }

    /// Starts a change (one commit), unless one is already running; returns
    /// whether it started.
    pub fn start_change(&mut self, change: Change) -> bool {
        let Some(session) = self.session.clone() else {
            self.error_msg("unlock first");
            return false;
        };
        if self.change_running() {
            return false;
        }
        #[cfg(test)]
        self.started.push(change.clone());
        let root = self.jobs.vault_root.clone();
        let label = change.label();
        self.jobs.spawn(JobKind::Change, label, move |_| {
            data::run_change(&root, &session, change)
        });
        true
    }

    /// Starts a conflict check of `names` in the background; its report
    /// goes to the overlay waiting for it, else into a message box.
    pub fn start_conflict_check(&mut self, names: Vec<String>) {
        let Some(session) = self.session.clone() else {
            self.error_msg("unlock first");
            return;
        };
        let root = self.jobs.vault_root.clone();
        self.jobs.spawn(
            JobKind::Conflicts,
            "checking for conflicts of interest",
            move |_| data::run_conflicts(&root, &session, &names),
        );
    }

    /// Starts a sync in the background, unless one (or a change) runs;
    /// returns whether it started.
    pub fn start_sync(&mut self, request: SyncRequest) -> bool {
        let Some(session) = self.session.clone() else {
            self.error_msg("unlock first");
            return false;
        };
        if self.jobs.is_running(JobKind::Sync) {
            self.error_msg("a sync is already running; the status bar shows how far it has got");
            return false;
        }
        if self.jobs.is_running(JobKind::Change) {
            self.error_msg("a change is still being saved; sync when it has finished");
            return false;
        }
        let root = self.jobs.vault_root.clone();
        self.sync_request = Some(request.clone());
        self.jobs
            .spawn(JobKind::Sync, "sync: starting", move |ctx| {
                data::run_sync(ctx, &root, &session, request)
            });
        true
    }

    /// Starts reading everything shared from the vault: its public state,
    /// the case summaries (decrypted as they come), when each case last
    /// changed, and the git status. Nothing before unlocking.
    pub fn load_vault(&mut self) {
        let Some(session) = self.session.clone() else {
            return;
        };
        let root = self.jobs.vault_root.clone();
        let (r, me) = (root.clone(), session.fingerprint());
        self.jobs
            .spawn(JobKind::VaultInfo, "reading the keyring", move |_| {
                Ok(JobOutput::VaultInfo(Box::new(data::load_vault_info(
                    &r, me,
                )?)))
            });
        let r = root.clone();
        self.cases.loading = true;
        self.cases.failed = false;
        self.jobs
            .spawn(JobKind::List, "decrypting cases", move |job| {
                data::run_list(job, &r, &session)
            });
        self.jobs
            .spawn(JobKind::LastChanges, "reading history", move |job| {
                data::run_last_changes(job, &root)
            });
        self.load_status();
    }

    /// Switches to the theme named `name` (`:theme`), saying what was
    /// wrong with it if anything was.
    pub fn set_theme(&mut self, name: &str) {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let dir = crate::tui::config::themes_dir();
        let (theme, problem) = Theme::resolve(Some(name), dir.as_deref(), no_color);
        self.theme = theme;
        if let Some(p) = problem {
            self.error_msg(p);
        }
    }

    /// Re-reads dirty / ahead / behind.
    pub fn load_status(&mut self) {
        let root = self.jobs.vault_root.clone();
        self.jobs
            .spawn(JobKind::Status, "reading status", move |_| {
                Ok(JobOutput::Status(dossier::repo::status::read(&root)?))
            });
    }
}
