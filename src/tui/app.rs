//! The TUI's state and its one update path.
//!
//! Keys become [`Action`]s through the key map; [`App::update`] applies an
//! action to whatever has the keyboard (the top overlay, else the current
//! screen); job reports arrive through [`App::on_job`]. Nothing here blocks:
//! library calls are started as jobs and their answers handled when they
//! arrive, stale ones dropped by the jobs layer. Rendering reads this state
//! and never changes it (apart from remembering scroll windows and
//! refreshing the case list's visible rows).
//!
//! Screens keep their own state in their own structs (cases, detail,
//! keyring, audit); overlays are a stack, each a self-contained value. A new
//! overlay is one enum variant plus its handler and renderer.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use dossier::audit::log::LogEntry;
use dossier::case::fields::{self, Kind, FIELDS};
use dossier::case::merge::Side;
use dossier::case::{CaseId, CaseRecord, Status};
use dossier::keys::fingerprint::Fingerprint;
use dossier::keys::identity::{self, GenerateOptions, Home, Identity, Session};
use dossier::ops::cases::{CaseSummary, NewCase, SummaryState};
use dossier::repo::status::VaultStatus;
use dossier::support::secret::{FixedPassphrase, SecretString};
use dossier::sync::Outcome;
use dossier::Error;

use crate::tui::action::{self, Action, Mode};
use crate::tui::config::Config;
use crate::tui::conflicts::ConflictView;
use crate::tui::data::{self, AccessKind, Change, LoadedCase, SyncRequest, VaultInfo};
use crate::tui::jobs::{JobBody, JobKind, JobMessage, JobOutput, Jobs};
use crate::tui::text::{TextArea, TextInput};
use crate::tui::theme::Theme;

/// The main screens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Screen {
    /// Passphrase prompt (or, without an identity, its creation form).
    Unlock,
    /// The case list.
    Cases,
    /// One case.
    Detail,
    /// The keyring.
    Keyring,
    /// The audit trail.
    Audit,
}

/// Columns the case list sorts by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortKey {
    /// Reference (or pseudonym).
    Reference,
    /// Title.
    Title,
    /// Status.
    Status,
    /// Sensitivity.
    Sensitivity,
    /// Next deadline.
    Deadline,
    /// Last change.
    Changed,
}

impl SortKey {
    const ALL: [SortKey; 6] = [
        SortKey::Reference,
        SortKey::Title,
        SortKey::Status,
        SortKey::Sensitivity,
        SortKey::Deadline,
        SortKey::Changed,
    ];
    /// Column name.
    pub fn name(self) -> &'static str {
        match self {
            SortKey::Reference => "reference",
            SortKey::Title => "title",
            SortKey::Status => "status",
            SortKey::Sensitivity => "sensitivity",
            SortKey::Deadline => "deadline",
            SortKey::Changed => "changed",
        }
    }
    fn parse(s: &str) -> Option<SortKey> {
        SortKey::ALL.into_iter().find(|k| k.name() == s)
    }
}

/// The detail tabs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tab {
    /// Fields.
    Overview,
    /// Parties.
    Parties,
    /// Deadlines.
    Deadlines,
    /// Notes.
    Notes,
    /// Attachments.
    Documents,
    /// Consents.
    Consents,
    /// Disclosures.
    Disclosures,
    /// Who can read it.
    Access,
    /// Its commits.
    History,
}

impl Tab {
    /// Every tab, in order.
    pub const ALL: [Tab; 9] = [
        Tab::Overview,
        Tab::Parties,
        Tab::Deadlines,
        Tab::Notes,
        Tab::Documents,
        Tab::Consents,
        Tab::Disclosures,
        Tab::Access,
        Tab::History,
    ];
    /// Tab title.
    pub fn title(self) -> &'static str {
        match self {
            Tab::Overview => "Overview",
            Tab::Parties => "Parties",
            Tab::Deadlines => "Deadlines",
            Tab::Notes => "Notes",
            Tab::Documents => "Documents",
            Tab::Consents => "Consents",
            Tab::Disclosures => "Disclosures",
            Tab::Access => "Access",
            Tab::History => "History",
        }
    }
    /// Its position in [`Tab::ALL`].
    pub fn index(self) -> usize {
        Tab::ALL.iter().position(|t| *t == self).unwrap_or(0)
    }
}

/// A one-line message in the hint bar until the next key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// The sentence.
    pub text: String,
    /// Whether it reports a failure.
    pub error: bool,
}

/// The unlock screen.
#[derive(Debug, Default)]
pub struct UnlockState {
    /// The passphrase being typed.
    pub input: TextInput,
    /// Why the last attempt failed.
    pub error: Option<String>,
}

/// A full-text search and what it found.
#[derive(Debug, Clone, Default)]
pub struct SearchState {
    /// The pattern.
    pub pattern: String,
    /// Matching lines per case; `None` while running.
    pub hits: Option<BTreeMap<CaseId, usize>>,
}

/// The case list.
#[derive(Debug)]
pub struct CasesState {
    /// Every case loaded so far.
    pub rows: Vec<CaseSummary>,
    index: HashMap<CaseId, usize>,
    /// Last change per case.
    pub last_changes: BTreeMap<CaseId, DateTime<Utc>>,
    /// How many cases the vault has (once known).
    pub total: Option<usize>,
    /// Whether the list is still loading.
    pub loading: bool,
    /// The instant filter.
    pub filter: String,
    /// The full-text search.
    pub search: Option<SearchState>,
    /// Only this status.
    pub status_filter: Option<Status>,
    /// Sort column.
    pub sort: SortKey,
    /// Sort descending.
    pub reverse: bool,
    /// Indices into `rows` of the visible rows, in order.
    pub visible: Vec<usize>,
    /// Selected visible row.
    pub selected: usize,
    /// First visible row on screen.
    pub offset: usize,
    dirty: bool,
}

impl Default for CasesState {
    fn default() -> Self {
        CasesState {
            rows: Vec::new(),
            index: HashMap::new(),
            last_changes: BTreeMap::new(),
            total: None,
            loading: false,
            filter: String::new(),
            search: None,
            status_filter: None,
            sort: SortKey::Reference,
            reverse: false,
            visible: Vec::new(),
            selected: 0,
            offset: 0,
            dirty: true,
        }
    }
}

/// One opened case.
#[derive(Debug)]
pub struct DetailState {
    /// The case.
    pub id: CaseId,
    /// Current tab.
    pub tab: Tab,
    /// Its summary from the list (all a locked case has).
    pub summary: Option<CaseSummary>,
    /// Decrypted content, once loaded.
    pub loaded: Option<LoadedCase>,
    /// Its commits, once loaded.
    pub history: Option<Vec<LogEntry>>,
    /// Why it could not be opened.
    pub error: Option<String>,
    /// Selected row in list tabs / scroll in text tabs.
    pub selected: usize,
    /// First row on screen.
    pub offset: usize,
}

/// A row-selecting screen (keyring, audit).
#[derive(Debug, Default)]
pub struct TableState {
    /// Selected row.
    pub selected: usize,
    /// First row on screen.
    pub offset: usize,
}

/// What a prompt's answer is for.
#[derive(Debug, Clone)]
pub enum PromptPurpose {
    /// Instant filter (Enter = full-text search).
    Filter,
    /// `:` command.
    Command,
    /// Grant access to a case.
    Grant(CaseId),
    /// Attach a file to a case.
    Attach(CaseId),
    /// Export a document of a case (doc id).
    ExportDocument(CaseId, String),
    /// Import a key card.
    ImportCard,
    /// Export a key card.
    ExportCard(Fingerprint),
}

/// A one-line prompt.
#[derive(Debug)]
pub struct Prompt {
    /// What for.
    pub purpose: PromptPurpose,
    /// Label before the input.
    pub label: String,
    /// The input.
    pub input: TextInput,
}

/// What a "yes" does.
#[derive(Debug)]
pub enum OnYes {
    /// Start a change.
    Change(Change),
    /// Drop the overlay below (discard an editor or form).
    Discard,
    /// Leave dossier.
    Quit,
}

/// A yes/no question.
#[derive(Debug)]
pub struct Confirm {
    /// The question.
    pub question: String,
    /// What yes does.
    pub on_yes: OnYes,
}

/// The built-in note editor.
#[derive(Debug)]
pub struct NoteEditor {
    /// The case.
    pub case: CaseId,
    /// The text.
    pub area: TextArea,
    /// First line on screen.
    pub offset: usize,
    /// Waiting for the save to commit.
    pub saving: bool,
}

/// What a form is for.
#[derive(Debug)]
pub enum FormPurpose {
    /// Editing a case's fields; `draft` has every accepted edit.
    EditCase {
        /// The case.
        id: CaseId,
        /// As loaded.
        original: Box<CaseRecord>,
        /// With edits.
        draft: Box<CaseRecord>,
    },
    /// A new case.
    NewCase,
    /// A new identity.
    Generate,
}

/// One form field.
#[derive(Debug)]
pub struct FormField {
    /// Field path or name.
    pub key: &'static str,
    /// What it takes, shown dimmed.
    pub hint: String,
    /// The current value.
    pub value: TextInput,
    /// Why the last value was refused.
    pub error: Option<String>,
}

/// A form.
#[derive(Debug)]
pub struct Form {
    /// Title.
    pub title: String,
    /// What for.
    pub purpose: FormPurpose,
    /// Fields.
    pub fields: Vec<FormField>,
    /// Selected field.
    pub selected: usize,
    /// First field on screen.
    pub offset: usize,
    /// The field being edited (a copy, accepted with Enter).
    pub editing: Option<TextInput>,
    /// Waiting for the save to finish.
    pub saving: bool,
}

impl Form {
    /// The value of the field named `key` (empty when there is none).
    fn value(&self, key: &str) -> &str {
        self.fields
            .iter()
            .find(|x| x.key == key)
            .map_or("", |x| x.value.value())
    }

    /// A form on its first field, nothing being edited or saved.
    fn new(title: impl Into<String>, purpose: FormPurpose, fields: Vec<FormField>) -> Form {
        Form {
            title: title.into(),
            purpose,
            fields,
            selected: 0,
            offset: 0,
            editing: None,
            saving: false,
        }
    }
}

/// Something drawn over the screen that has the keyboard.
#[derive(Debug)]
pub enum Overlay {
    /// Key map.
    Help {
        /// Scroll position.
        scroll: u16,
    },
    /// One-line prompt.
    Prompt(Prompt),
    /// Yes/no.
    Confirm(Confirm),
    /// Note editor.
    Editor(NoteEditor),
    /// Form.
    Form(Form),
    /// Sync conflicts to decide.
    Conflicts(ConflictView),
    /// A message that needs more than one line (why a sync failed).
    Notice(Notice),
}

/// A message box, closed with Esc.
#[derive(Debug)]
pub struct Notice {
    /// Its title.
    pub title: String,
    /// The sentence(s), wrapped to the box.
    pub text: String,
    /// Whether it reports a failure.
    pub error: bool,
}

/// A request for the run loop to hand the terminal to `$EDITOR`.
#[derive(Debug, Clone)]
pub struct ExternalEdit {
    /// The case the note is for.
    pub case: CaseId,
}

/// All TUI state.
pub struct App {
    /// Colours.
    pub theme: Theme,
    /// Settings.
    pub config: Config,
    /// Where the identity lives.
    pub home: Home,
    /// The identity (public part), if there is one.
    pub identity: Option<Identity>,
    /// The unlocked session.
    pub session: Option<Arc<Session>>,
    /// Vault public state.
    pub info: VaultInfo,
    /// Dirty / ahead / behind.
    pub status: VaultStatus,
    /// Current screen.
    pub screen: Screen,
    /// Unlock screen state.
    pub unlock: UnlockState,
    /// Case list state.
    pub cases: CasesState,
    /// The open case.
    pub detail: Option<DetailState>,
    /// Keyring selection.
    pub keyring: TableState,
    /// Audit trail.
    pub audit: Option<Vec<LogEntry>>,
    /// Audit selection.
    pub audit_table: TableState,
    /// Overlays, top last.
    pub overlays: Vec<Overlay>,
    /// Message in the hint bar.
    pub message: Option<Message>,
    /// Background work.
    pub jobs: Jobs,
    /// Set when the user has quit.
    pub quit: bool,
    /// Set when `$EDITOR` should take the terminal.
    pub external: Option<ExternalEdit>,
    /// Spinner frame.
    pub spinner: usize,
    /// Rows in the main area at the last draw (for page keys).
    pub page: usize,
    /// What the running sync job was asked to do (`None` when none runs).
    pub sync_request: Option<SyncRequest>,
}

impl App {
    /// A fresh app for `home`, before unlocking.
    pub fn new(theme: Theme, config: Config, home: Home, jobs: Jobs) -> App {
        let identity = Identity::load(&home).ok();
        App {
            theme,
            config,
            home,
            identity,
            session: None,
            info: VaultInfo::default(),
            status: VaultStatus::default(),
            screen: Screen::Unlock,
            unlock: UnlockState {
                input: TextInput::masked(),
                error: None,
            },
            cases: CasesState::default(),
            detail: None,
            keyring: TableState::default(),
            audit: None,
            audit_table: TableState::default(),
            overlays: Vec::new(),
            message: None,
            jobs,
            quit: false,
            external: None,
            spinner: 0,
            page: 10,
            sync_request: None,
        }
    }

    /// First steps: without an identity, the form to create one; with an
    /// unprotected identity, straight in; else the passphrase prompt.
    pub fn start(&mut self) {
        match &self.identity {
            None => {
                self.overlays.push(Overlay::Form(generate_form()));
                self.info_msg(
                    "There is no identity on this machine yet: create one (Ctrl-S saves).",
                );
            }
            Some(id) => {
                let session =
                    Session::new(id.clone(), Box::new(dossier::support::secret::NoPassphrase));
                match session.unlock() {
                    Ok(()) => self.unlocked(Arc::new(session)),
                    Err(Error::NoPassphrase(_)) => {}
                    Err(e) => self.unlock.error = Some(e.to_string()),
                }
            }
        }
    }

    /// Who has the keyboard.
    pub fn mode(&self) -> Mode {
        match self.overlays.last() {
            Some(Overlay::Help { .. }) => Mode::Help,
            Some(Overlay::Prompt(_)) => Mode::Prompt,
            Some(Overlay::Confirm(_)) => Mode::Confirm,
            Some(Overlay::Editor(_)) => Mode::Editor,
            Some(Overlay::Form(f)) if f.editing.is_some() => Mode::Prompt,
            Some(Overlay::Form(_)) => Mode::Form,
            Some(Overlay::Conflicts(_)) => Mode::Conflicts,
            Some(Overlay::Notice(_)) => Mode::Notice,
            None => match self.screen {
                Screen::Unlock => Mode::Unlock,
                Screen::Cases => Mode::List,
                Screen::Detail => Mode::Detail,
                Screen::Keyring => Mode::Keyring,
                Screen::Audit => Mode::Audit,
            },
        }
    }

    /// Handles a key press.
    pub fn on_key(&mut self, key: ratatui::crossterm::event::KeyEvent) {
        self.message = None;
        if let Some(a) = action::lookup(self.mode(), &key) {
            self.update(a);
        }
    }

    /// Shows a sentence in the hint bar until the next key.
    pub fn update_message(&mut self, text: impl Into<String>, error: bool) {
        self.message = Some(Message {
            text: text.into(),
            error,
        });
    }

    fn info_msg(&mut self, text: impl Into<String>) {
        self.update_message(text, false);
    }

    fn error_msg(&mut self, text: impl Into<String>) {
        self.update_message(text, true);
    }

    /// Applies an action to whatever has the keyboard.
    pub fn update(&mut self, a: Action) {
        if !self.overlays.is_empty() {
            self.update_overlay(a);
            return;
        }
        match self.screen {
            Screen::Unlock => self.update_unlock(a),
            Screen::Cases => self.update_cases(a),
            Screen::Detail => self.update_detail(a),
            Screen::Keyring => self.update_keyring(a),
            Screen::Audit => self.update_audit(a),
        }
    }

    // ----- global -------------------------------------------------------

    fn global(&mut self, a: Action) {
        match a {
            Action::Quit => self.quit = true,
            Action::Help => self.overlays.push(Overlay::Help { scroll: 0 }),
            Action::Command => self.prompt(PromptPurpose::Command, ":", ""),
            Action::ShowCases => self.screen = Screen::Cases,
            Action::ShowKeyring => self.screen = Screen::Keyring,
            Action::ShowAudit => {
                self.screen = Screen::Audit;
                if self.audit.is_none() && !self.jobs.is_running(JobKind::Audit) {
                    self.load_audit();
                }
            }
            Action::Refresh => {
                self.reload(None);
                self.info_msg("Reloading from disk…");
            }
            Action::Back => {
                // Esc stops this screen's long jobs first; pressed again, it goes back.
                let kinds: &[JobKind] = match self.screen {
                    Screen::Cases => &[JobKind::List, JobKind::Search, JobKind::LastChanges],
                    Screen::Detail => &[JobKind::OpenCase, JobKind::CaseHistory],
                    Screen::Audit => &[JobKind::Audit],
                    _ => &[],
                };
                let stopped: Vec<JobKind> = kinds
                    .iter()
                    .copied()
                    .filter(|k| self.jobs.is_running(*k))
                    .collect();
                for k in &stopped {
                    self.jobs.cancel(*k);
                }
                // Only what the stopped jobs were filling in is reset.
                if stopped.contains(&JobKind::List) {
                    self.cases.loading = false;
                }
                if stopped.contains(&JobKind::Search) {
                    self.cases.search = None;
                    self.cases.dirty = true;
                }
                if !stopped.is_empty() {
                    self.info_msg(format!("Cancelled {} running job(s)", stopped.len()));
                } else if self.screen != Screen::Cases {
                    self.screen = Screen::Cases;
                } else if !self.cases.filter.is_empty() || self.cases.search.is_some() {
                    self.clear_filter();
                }
            }
            _ => {}
        }
    }

    fn prompt(&mut self, purpose: PromptPurpose, label: &str, initial: &str) {
        self.overlays.push(Overlay::Prompt(Prompt {
            purpose,
            label: label.to_string(),
            input: TextInput::with(initial),
        }));
    }

    fn confirm(&mut self, question: impl Into<String>, on_yes: OnYes) {
        self.overlays.push(Overlay::Confirm(Confirm {
            question: question.into(),
            on_yes,
        }));
    }

    // ----- unlock -------------------------------------------------------

    fn update_unlock(&mut self, a: Action) {
        match a {
            Action::Submit => self.submit_unlock(),
            Action::Quit => self.quit = true,
            other => {
                self.unlock.input.edit(other);
            }
        }
    }

    fn submit_unlock(&mut self) {
        if self.jobs.is_running(JobKind::Unlock) {
            return;
        }
        let Some(identity) = self.identity.clone() else {
            return;
        };
        let pass = self.unlock.input.take();
        if pass.is_empty() {
            self.unlock.error = Some("type your passphrase, then Enter".into());
            return;
        }
        self.unlock.error = None;
        let secret = SecretString::from(pass.to_string());
        self.jobs.spawn(JobKind::Unlock, "unlocking", move |_| {
            let session = Session::new(identity, Box::new(FixedPassphrase::new(secret)));
            session.unlock()?;
            Ok(JobOutput::Unlocked(Arc::new(session)))
        });
    }

    fn unlocked(&mut self, session: Arc<Session>) {
        self.session = Some(session);
        self.screen = Screen::Cases;
        self.reload(None);
    }

    // ----- loading ------------------------------------------------------

    fn me(&self) -> Option<Fingerprint> {
        self.session.as_ref().map(|s| s.fingerprint())
    }

    /// Starts (re)loading everything shown; `changed` is the case a change
    /// touched, if any.
    fn reload(&mut self, changed: Option<&CaseId>) {
        let Some(session) = self.session.clone() else {
            return;
        };
        let root = self.jobs.vault_root.clone();
        let me = session.fingerprint();
        let r = root.clone();
        self.jobs
            .spawn(JobKind::VaultInfo, "reading the keyring", move |_| {
                Ok(JobOutput::VaultInfo(Box::new(data::load_vault_info(
                    &r, me,
                )?)))
            });
        let (r, s) = (root.clone(), session.clone());
        self.cases.loading = true;
        self.jobs
            .spawn(JobKind::List, "decrypting cases", move |ctx| {
                data::run_list(ctx, &r, &s)
            });
        let r = root.clone();
        self.jobs
            .spawn(JobKind::LastChanges, "reading history", move |ctx| {
                data::run_last_changes(ctx, &r)
            });
        self.load_status();
        if let Some(d) = &self.detail {
            let reopen = changed.is_none_or(|c| *c == d.id);
            if reopen && self.screen == Screen::Detail {
                let id = d.id.clone();
                self.load_case(&id);
            }
        }
        if self.audit.is_some() || self.screen == Screen::Audit {
            self.load_audit();
        }
    }

    fn load_status(&mut self) {
        let root = self.jobs.vault_root.clone();
        self.jobs
            .spawn(JobKind::Status, "reading status", move |_| {
                Ok(JobOutput::Status(dossier::repo::status::read(&root)?))
            });
    }

    fn load_audit(&mut self) {
        let root = self.jobs.vault_root.clone();
        self.jobs
            .spawn(JobKind::Audit, "reading the audit trail", move |_| {
                data::run_audit(&root)
            });
    }

    fn load_case(&mut self, id: &CaseId) {
        let (Some(session), Some(me)) = (self.session.clone(), self.me()) else {
            return;
        };
        let root = self.jobs.vault_root.clone();
        let case = id.clone();
        self.jobs
            .spawn(JobKind::OpenCase, "opening the case", move |_| {
                data::run_open(&root, &session, &case, me)
            });
        self.load_case_history(id);
    }

    fn load_case_history(&mut self, id: &CaseId) {
        let root = self.jobs.vault_root.clone();
        let case = id.clone();
        self.jobs.spawn(
            JobKind::CaseHistory,
            "reading the case history",
            move |_| data::run_case_history(&root, &case),
        );
    }

    /// Whether a change is being committed; if so, says to wait (changes
    /// run one at a time).
    fn change_running(&mut self) -> bool {
        let running = self.jobs.is_running(JobKind::Change);
        if running {
            self.error_msg("another change is still being saved; try again in a moment");
        }
        running
    }

    /// Starts a change (one commit), unless one is already running.
    fn start_change(&mut self, change: Change) -> bool {
        let Some(session) = self.session.clone() else {
            self.error_msg("unlock first");
            return false;
        };
        if self.change_running() {
            return false;
        }
        let root = self.jobs.vault_root.clone();
        let label = change.label();
        self.jobs.spawn(JobKind::Change, label, move |_| {
            data::run_change(&root, &session, change)
        });
        true
    }

    /// Starts a sync in the background, unless one (or a change) runs.
    fn start_sync(&mut self, request: SyncRequest) -> bool {
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

    fn synced(&mut self, report: dossier::sync::SyncReport) {
        let request = self.sync_request.take();
        self.overlays
            .retain(|o| !matches!(o, Overlay::Conflicts(_)));
        match report.outcome {
            Outcome::Conflicts(list) => {
                let n = list.len();
                let carried = request.map(|r| r.choices.each).unwrap_or_default();
                self.overlays.push(Overlay::Conflicts(ConflictView::new(
                    report.remote.name.clone(),
                    list,
                    carried,
                )));
                self.info_msg(format!(
                    "{n} conflict(s) with {}: nothing was merged; choose a side for each",
                    report.remote.name
                ));
                // The verified remote branch moved: ahead/behind changed.
                self.load_status();
            }
            _ => {
                self.info_msg(data::sync_summary(&report));
                self.reload(None);
            }
        }
    }

    // ----- job results --------------------------------------------------

    /// Applies a job's report (dropped when stale).
    pub fn on_job(&mut self, msg: JobMessage) {
        if !self.jobs.accept(&msg) {
            return;
        }
        let kind = msg.kind;
        match msg.body {
            JobBody::Partial(out) | JobBody::Done(Ok(out)) => self.on_output(out),
            JobBody::Done(Err(e)) => self.on_failure(kind, e),
        }
    }

    fn on_failure(&mut self, kind: JobKind, e: Error) {
        match kind {
            JobKind::Unlock => {
                self.unlock.error = Some(match e {
                    Error::WrongPassphrase => "the passphrase is wrong; try again".to_string(),
                    other => other.to_string(),
                });
            }
            JobKind::List => {
                self.cases.loading = false;
                self.error_msg(e.to_string());
            }
            JobKind::OpenCase => {
                if let Some(d) = &mut self.detail {
                    d.error = Some(e.to_string());
                }
            }
            JobKind::Search => {
                self.cases.search = None;
                self.cases.dirty = true;
                self.error_msg(e.to_string());
            }
            JobKind::Change => {
                for o in &mut self.overlays {
                    match o {
                        Overlay::Editor(ed) => ed.saving = false,
                        Overlay::Form(f) => f.saving = false,
                        _ => {}
                    }
                }
                self.error_msg(e.to_string());
            }
            JobKind::Sync => {
                self.sync_request = None;
                for o in &mut self.overlays {
                    if let Overlay::Conflicts(v) = o {
                        v.merging = false;
                    }
                }
                self.overlays.push(Overlay::Notice(Notice {
                    title: "Sync failed".into(),
                    text: e.to_string(),
                    error: true,
                }));
                self.load_status();
            }
            // Status is decoration: without it the bar shows nothing.
            JobKind::Status => {}
            _ => self.error_msg(e.to_string()),
        }
    }

    fn on_output(&mut self, out: JobOutput) {
        match out {
            JobOutput::Unlocked(s) => {
                self.unlock.error = None;
                self.unlocked(s);
            }
            JobOutput::VaultInfo(info) => {
                if let Some(p) = info.problems.first() {
                    self.error_msg(format!("warning: {p}"));
                }
                self.info = *info;
                self.keyring.selected = self
                    .keyring
                    .selected
                    .min(self.info.keys.len().saturating_sub(1));
            }
            JobOutput::ListTotal(n) => {
                self.cases.total = Some(n);
            }
            JobOutput::Summaries(batch) => self.cases.upsert(batch),
            JobOutput::ListDone => {
                self.cases.loading = false;
            }
            JobOutput::LastChanges(map) => {
                self.cases.last_changes = map;
                self.cases.dirty = true;
            }
            JobOutput::SearchHits { pattern, hits } => {
                let mut per_case: BTreeMap<CaseId, usize> = BTreeMap::new();
                for h in &hits {
                    *per_case.entry(h.case.clone()).or_default() += 1;
                }
                let n = per_case.len();
                self.cases.search = Some(SearchState {
                    pattern,
                    hits: Some(per_case),
                });
                self.cases.dirty = true;
                self.cases.selected = 0;
                self.info_msg(format!(
                    "{} matching line(s) in {n} case(s); Esc clears",
                    hits.len()
                ));
            }
            JobOutput::CaseOpened(loaded) => {
                let mut viewed = None;
                if let Some(d) = &mut self.detail {
                    if d.id == loaded.case.id {
                        d.error = None;
                        if loaded.case.view.is_some() {
                            viewed = Some(d.id.clone());
                        }
                        d.loaded = Some(*loaded);
                    }
                }
                // The opening was recorded as a `view` commit
                // (settings.log_views): re-read what shows commits. The
                // history read alongside the opening may predate it, and
                // the branch is one commit further ahead.
                if let Some(id) = viewed {
                    self.load_case_history(&id);
                    if self.audit.is_some() {
                        self.load_audit();
                    }
                    self.load_status();
                }
            }
            JobOutput::CaseHistory(id, entries) => {
                if let Some(d) = &mut self.detail {
                    if d.id == id {
                        d.history = Some(entries);
                    }
                }
            }
            JobOutput::Audit(entries) => self.audit = Some(entries),
            JobOutput::Status(s) => self.status = s,
            JobOutput::Changed(text) => {
                self.overlays.retain(|o| match o {
                    Overlay::Editor(e) => !e.saving,
                    Overlay::Form(f) => !f.saving,
                    _ => true,
                });
                self.info_msg(text);
                let case = self.detail.as_ref().map(|d| d.id.clone());
                self.reload(case.as_ref());
            }
            JobOutput::Generated(identity) => {
                self.overlays
                    .retain(|o| !matches!(o, Overlay::Form(f) if f.saving));
                self.info_msg(format!(
                    "Created your identity {}. Export your card from the keyring (x) once you are in a vault, and read your fingerprint to an administrator.",
                    identity.fingerprint().grouped()
                ));
                self.identity = Some(*identity);
                self.screen = Screen::Unlock;
            }
            JobOutput::SyncProgress(stage) => {
                self.jobs.set_label(JobKind::Sync, data::stage_text(&stage));
            }
            JobOutput::Synced(report) => self.synced(*report),
        }
    }

    // ----- case list ----------------------------------------------------

    fn update_cases(&mut self, a: Action) {
        self.cases.refresh_visible(&self.info);
        let n = self.cases.visible.len();
        match a {
            a if a.moves() => {
                self.cases.selected = step(self.cases.selected, n, a, self.page);
            }
            Action::Open => self.open_selected(),
            Action::Filter => {
                let f = self.cases.filter.clone();
                self.prompt(PromptPurpose::Filter, "/", &f);
            }
            Action::ClearFilter => self.clear_filter(),
            Action::CycleSort => {
                let i = SortKey::ALL
                    .iter()
                    .position(|k| *k == self.cases.sort)
                    .unwrap_or(0);
                self.cases.sort = SortKey::ALL[(i + 1) % SortKey::ALL.len()];
                self.cases.dirty = true;
                self.info_msg(format!("Sorted by {}", self.cases.sort.name()));
            }
            Action::ReverseSort => {
                self.cases.reverse = !self.cases.reverse;
                self.cases.dirty = true;
            }
            Action::CycleStatus => {
                self.cases.status_filter = match self.cases.status_filter {
                    None => Some(Status::Open),
                    Some(Status::Open) => Some(Status::Pending),
                    Some(Status::Pending) => Some(Status::Closed),
                    Some(Status::Closed) => Some(Status::Archived),
                    Some(Status::Archived) => None,
                };
                self.cases.dirty = true;
                self.cases.selected = 0;
                let label = self
                    .cases
                    .status_filter
                    .map(|s| format!("Showing {s} cases"))
                    .unwrap_or_else(|| "Showing all cases".into());
                self.info_msg(label);
            }
            Action::NewCase => self.overlays.push(Overlay::Form(new_case_form())),
            Action::Sync => {
                self.start_sync(SyncRequest::default());
            }
            other => self.global(other),
        }
    }

    fn clear_filter(&mut self) {
        self.jobs.cancel(JobKind::Search);
        self.cases.filter.clear();
        self.cases.search = None;
        self.cases.dirty = true;
    }

    fn open_selected(&mut self) {
        self.cases.refresh_visible(&self.info);
        let Some(&i) = self.cases.visible.get(self.cases.selected) else {
            return;
        };
        let summary = self.cases.rows[i].clone();
        self.open_case(summary.id.clone(), Some(summary));
    }

    fn open_case(&mut self, id: CaseId, summary: Option<CaseSummary>) {
        let readable = !matches!(
            summary.as_ref().map(|s| &s.state),
            Some(SummaryState::Locked) | Some(SummaryState::Damaged { .. })
        );
        self.detail = Some(DetailState {
            id: id.clone(),
            tab: Tab::Overview,
            summary,
            loaded: None,
            history: None,
            error: None,
            selected: 0,
            offset: 0,
        });
        self.screen = Screen::Detail;
        if readable {
            self.load_case(&id);
        }
    }

    // ----- detail -------------------------------------------------------

    fn update_detail(&mut self, a: Action) {
        let Some(d) = &mut self.detail else {
            self.screen = Screen::Cases;
            return;
        };
        let rows = detail_rows(d);
        match a {
            Action::NextTab | Action::PrevTab => {
                let i = d.tab.index();
                let n = Tab::ALL.len();
                d.tab = Tab::ALL[if a == Action::NextTab {
                    (i + 1) % n
                } else {
                    (i + n - 1) % n
                }];
                d.selected = 0;
                d.offset = 0;
            }
            a if a.moves() => {
                d.selected = step(d.selected, rows, a, self.page);
            }
            Action::EditCase => self.edit_case(),
            Action::AddNote => {
                if let Some(id) = self.readable_case() {
                    self.overlays.push(Overlay::Editor(NoteEditor {
                        case: id,
                        area: TextArea::default(),
                        offset: 0,
                        saving: false,
                    }));
                }
            }
            Action::AddNoteExternal => {
                if !self.config.external_editor {
                    self.error_msg("writing notes in $EDITOR is off; opt in with `external_editor: true` in config.yaml (use `a` for the built-in editor)");
                } else if let Some(id) = self.readable_case() {
                    self.external = Some(ExternalEdit { case: id });
                }
            }
            Action::AttachDocument => {
                if let Some(id) = self.readable_case() {
                    self.prompt(PromptPurpose::Attach(id), "attach file", "");
                }
            }
            Action::ExportDocument => self.export_document(),
            Action::Grant => {
                if let Some(id) = self.readable_case() {
                    self.prompt(
                        PromptPurpose::Grant(id),
                        "grant access to (fingerprint or @group)",
                        "",
                    );
                }
            }
            Action::RevokeAccess => self.revoke_selected(),
            Action::CloseCase => {
                if let Some(id) = self.readable_case() {
                    self.confirm(
                        format!("Close case {id}? Its status becomes closed, dated today."),
                        OnYes::Change(Change::Close(id)),
                    );
                }
            }
            other => self.global(other),
        }
    }

    fn readable_case(&mut self) -> Option<CaseId> {
        match &self.detail {
            Some(DetailState {
                loaded: Some(l), ..
            }) => Some(l.case.id.clone()),
            Some(_) => {
                self.error_msg("this case is not open (locked, unreadable, or still loading)");
                None
            }
            None => None,
        }
    }

    fn edit_case(&mut self) {
        let Some(record) = self
            .detail
            .as_ref()
            .and_then(|d| d.loaded.as_ref())
            .map(|l| (l.case.id.clone(), l.case.record.clone()))
        else {
            self.error_msg("this case is not open (locked, unreadable, or still loading)");
            return;
        };
        let (id, record) = record;
        self.overlays.push(Overlay::Form(edit_form(id, record)));
    }

    fn export_document(&mut self) {
        let Some(d) = &self.detail else { return };
        if d.tab != Tab::Documents {
            self.error_msg("go to the Documents tab and select a document to export");
            return;
        }
        let Some(doc) = d.loaded.as_ref().and_then(|l| l.documents.get(d.selected)) else {
            self.error_msg("there is no document to export");
            return;
        };
        let purpose = PromptPurpose::ExportDocument(d.id.clone(), doc.id.clone());
        let suggestion = doc.name.clone();
        self.prompt(purpose, "save a decrypted copy as", &suggestion);
    }

    fn revoke_selected(&mut self) {
        let Some(d) = &self.detail else { return };
        if d.tab != Tab::Access {
            self.error_msg("go to the Access tab and select whose access to revoke");
            return;
        }
        let Some(row) = d.loaded.as_ref().and_then(|l| l.access.get(d.selected)) else {
            return;
        };
        let Some(entry) = row.entry.clone() else {
            if let AccessKind::Member(g) = &row.kind {
                let g = g.clone();
                self.error_msg(format!(
                    "{} reads through @{g}: revoke the group, or change the group",
                    row.name
                ));
            }
            return;
        };
        let question = format!(
            "Revoke {}'s access to case {}? Its files are re-encrypted without them; copies they already fetched, and old versions in history, stay readable to them.",
            row.name, d.id
        );
        let id = d.id.clone();
        self.confirm(question, OnYes::Change(Change::Revoke(id, entry)));
    }

    // ----- keyring / audit ----------------------------------------------

    fn update_keyring(&mut self, a: Action) {
        let n = self.info.keys.len();
        let selected = self.info.keys.get(self.keyring.selected).cloned();
        match a {
            a if a.moves() => {
                self.keyring.selected = step(self.keyring.selected, n, a, self.page);
            }
            Action::KeyCertify => match selected {
                Some(k) if k.validity == dossier::vault::keyring::Validity::Certified => {
                    self.error_msg(format!("{} is already certified", k.name));
                }
                Some(k) => self.confirm(
                    format!(
                        "Certify {} <{}>?\nOnly if you compared this fingerprint with them in person or by phone:\n{}",
                        k.name,
                        k.email,
                        k.fingerprint.grouped()
                    ),
                    OnYes::Change(Change::Certify(k.fingerprint)),
                ),
                None => {}
            },
            Action::KeyImport => self.prompt(PromptPurpose::ImportCard, "import card from file", ""),
            Action::KeyExport => {
                if let Some(k) = selected {
                    let name = format!("{}.card.yaml", k.name.to_lowercase().replace(' ', "-"));
                    self.prompt(PromptPurpose::ExportCard(k.fingerprint), "write card to", &name);
                }
            }
            Action::KeyGenerate => match &self.identity {
                Some(id) => self.error_msg(format!(
                    "you already have an identity ({}); dossier keeps one per identity directory",
                    id.fingerprint().short()
                )),
                None => self.overlays.push(Overlay::Form(generate_form())),
            },
            Action::KeyRevoke => match selected {
                Some(k) if k.validity == dossier::vault::keyring::Validity::Revoked => {
                    self.error_msg(format!("{} is already revoked", k.name));
                }
                Some(k) => self.confirm(
                    format!(
                        "Revoke the key of {} <{}>?\n{}\nThey leave every case and group; the cases you can read are re-encrypted without them. This cannot be undone.",
                        k.name,
                        k.email,
                        k.fingerprint.grouped()
                    ),
                    OnYes::Change(Change::RevokeKey(k.fingerprint)),
                ),
                None => {}
            },
            other => self.global(other),
        }
    }

    fn update_audit(&mut self, a: Action) {
        let n = self.audit.as_ref().map(Vec::len).unwrap_or(0);
        match a {
            a if a.moves() => {
                self.audit_table.selected = step(self.audit_table.selected, n, a, self.page);
            }
            Action::Open => {
                let case = self
                    .audit
                    .as_ref()
                    .and_then(|e| e.get(self.audit_table.selected))
                    .and_then(|e| e.case.clone())
                    .and_then(|c| c.parse::<CaseId>().ok());
                match case {
                    Some(id) => {
                        let summary = self.cases.get(&id).cloned();
                        self.open_case(id, summary);
                    }
                    None => self.error_msg("this commit is not about a case"),
                }
            }
            other => self.global(other),
        }
    }

    // ----- overlays -----------------------------------------------------

    fn update_overlay(&mut self, a: Action) {
        let Some(top) = self.overlays.pop() else {
            return;
        };
        match top {
            Overlay::Help { scroll } => match a {
                Action::Back => {}
                Action::Down => self.overlays.push(Overlay::Help {
                    scroll: scroll.saturating_add(1),
                }),
                Action::Up => self.overlays.push(Overlay::Help {
                    scroll: scroll.saturating_sub(1),
                }),
                _ => self.overlays.push(Overlay::Help { scroll }),
            },
            Overlay::Confirm(c) => match a {
                Action::Yes => match c.on_yes {
                    OnYes::Change(change) => {
                        self.start_change(change);
                    }
                    OnYes::Discard => {
                        self.overlays.pop();
                    }
                    OnYes::Quit => self.quit = true,
                },
                Action::No => {}
                _ => self.overlays.push(Overlay::Confirm(c)),
            },
            Overlay::Prompt(p) => self.update_prompt(p, a),
            Overlay::Editor(e) => self.update_editor(e, a),
            Overlay::Form(f) => self.update_form(f, a),
            Overlay::Conflicts(v) => self.update_conflicts(v, a),
            Overlay::Notice(n) => {
                if a != Action::Back {
                    self.overlays.push(Overlay::Notice(n));
                }
            }
        }
    }

    fn update_conflicts(&mut self, mut v: ConflictView, a: Action) {
        if v.merging {
            // The sync carrying the choices runs; keep them until it answers.
            self.overlays.push(Overlay::Conflicts(v));
            if a == Action::Quit {
                self.quit = true;
            }
            return;
        }
        match a {
            Action::Up | Action::Down => {
                v.selected = step(v.selected, v.rows.len(), a, self.page);
            }
            Action::TakeOurs => v.choose(Side::Ours),
            Action::TakeTheirs => v.choose(Side::Theirs),
            Action::TakeAllOurs => v.choose_all(Side::Ours),
            Action::TakeAllTheirs => v.choose_all(Side::Theirs),
            Action::Submit => match v.choices() {
                None => {
                    let n = v.undecided();
                    self.error_msg(format!(
                        "{n} of {} conflict(s) still undecided: o takes ours, t theirs (O, T for all)",
                        v.rows.len()
                    ));
                }
                Some(choices) => {
                    let request = SyncRequest {
                        remote: Some(v.remote.clone()),
                        choices,
                    };
                    v.merging = self.start_sync(request);
                }
            },
            Action::Back => {
                self.info_msg(
                    "Left without merging: nothing was merged and nothing was lost; S syncs again",
                );
                return;
            }
            Action::Help => {
                self.overlays.push(Overlay::Conflicts(v));
                self.overlays.push(Overlay::Help { scroll: 0 });
                return;
            }
            Action::Quit => self.quit = true,
            _ => {}
        }
        self.overlays.push(Overlay::Conflicts(v));
    }

    fn update_prompt(&mut self, mut p: Prompt, a: Action) {
        match a {
            Action::Back => {
                if matches!(p.purpose, PromptPurpose::Filter) {
                    self.cases.filter.clear();
                    self.cases.dirty = true;
                }
            }
            Action::Submit => self.submit_prompt(p),
            other => {
                p.input.edit(other);
                if matches!(p.purpose, PromptPurpose::Filter) {
                    self.cases.filter = p.input.value().to_string();
                    self.cases.dirty = true;
                    self.cases.selected = 0;
                }
                self.overlays.push(Overlay::Prompt(p));
            }
        }
    }

    fn submit_prompt(&mut self, mut p: Prompt) {
        let value = p.input.value().trim().to_string();
        match p.purpose.clone() {
            PromptPurpose::Filter => {
                self.cases.filter.clear();
                self.cases.dirty = true;
                if value.is_empty() {
                    self.clear_filter();
                } else {
                    self.start_search(value);
                }
            }
            PromptPurpose::Command => self.run_command(&value),
            _ if value.is_empty() => {
                self.error_msg("nothing was entered; nothing was done");
            }
            PromptPurpose::Grant(id) => {
                self.start_change(Change::Grant(id, value));
            }
            PromptPurpose::Attach(id) => {
                self.start_change(Change::Attach(id, expand_path(&value)));
            }
            PromptPurpose::ExportDocument(id, doc) => {
                self.start_change(Change::Export(id, doc, expand_path(&value)));
            }
            PromptPurpose::ImportCard => {
                self.start_change(Change::ImportCard(expand_path(&value)));
            }
            PromptPurpose::ExportCard(fp) => {
                self.start_change(Change::ExportCard(fp, expand_path(&value)));
            }
        }
        p.input.clear();
    }

    fn start_search(&mut self, pattern: String) {
        let Some(session) = self.session.clone() else {
            return;
        };
        let ids: Vec<CaseId> = self
            .cases
            .rows
            .iter()
            .filter(|s| matches!(s.state, SummaryState::Readable { .. }))
            .map(|s| s.id.clone())
            .collect();
        let root = self.jobs.vault_root.clone();
        self.cases.search = Some(SearchState {
            pattern: pattern.clone(),
            hits: None,
        });
        self.cases.dirty = true;
        self.jobs
            .spawn(JobKind::Search, "searching (Esc cancels)", move |ctx| {
                data::run_search(ctx, &root, &session, &ids, pattern)
            });
    }

    fn run_command(&mut self, line: &str) {
        let (cmd, arg) = match line.split_once(char::is_whitespace) {
            Some((c, a)) => (c, a.trim()),
            None => (line, ""),
        };
        match cmd {
            "" => {}
            "q" | "quit" => self.quit = true,
            "help" => self.overlays.push(Overlay::Help { scroll: 0 }),
            "cases" | "list" => self.screen = Screen::Cases,
            "keyring" | "keys" => self.screen = Screen::Keyring,
            "audit" | "log" => self.global(Action::ShowAudit),
            "refresh" => self.global(Action::Refresh),
            "new" => self.overlays.push(Overlay::Form(new_case_form())),
            "search" if !arg.is_empty() => {
                self.screen = Screen::Cases;
                self.start_search(arg.to_string());
            }
            "filter" => {
                self.screen = Screen::Cases;
                self.cases.filter = arg.to_string();
                self.cases.dirty = true;
            }
            "open" if !arg.is_empty() => {
                let wanted = arg.to_uppercase();
                let found: Vec<CaseId> = self
                    .cases
                    .rows
                    .iter()
                    .map(|s| s.id.clone())
                    .filter(|id| id.as_str().starts_with(&wanted))
                    .collect();
                match found.as_slice() {
                    [one] => {
                        let summary = self.cases.get(one).cloned();
                        self.open_case(one.clone(), summary);
                    }
                    [] => self.error_msg(format!("no case id starts with {arg}")),
                    _ => self.error_msg(format!("{arg} matches {} cases; type more of the id", found.len())),
                }
            }
            "status" => {
                self.cases.status_filter = match arg {
                    "open" => Some(Status::Open),
                    "pending" => Some(Status::Pending),
                    "closed" => Some(Status::Closed),
                    "archived" => Some(Status::Archived),
                    _ => None,
                };
                self.cases.dirty = true;
            }
            "sort" => match SortKey::parse(arg) {
                Some(k) => {
                    self.cases.sort = k;
                    self.cases.dirty = true;
                }
                None => self.error_msg("sort by reference, title, status, sensitivity, deadline or changed"),
            },
            "theme" => {
                let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
                let dir = crate::tui::config::themes_dir();
                let (theme, problem) = Theme::resolve(Some(arg), dir.as_deref(), no_color);
                self.theme = theme;
                if let Some(p) = problem {
                    self.error_msg(p);
                }
            }
            "revoke" => self.update_keyring(Action::KeyRevoke),
            "sync" => {
                let remote = (!arg.is_empty()).then(|| arg.to_string());
                self.start_sync(SyncRequest {
                    remote,
                    ..SyncRequest::default()
                });
            }
            _ => self.error_msg(format!(
                "unknown command `{cmd}`; try quit, cases, keyring, audit, open ID, search TEXT, filter TEXT, status S, sort COLUMN, theme NAME, new, sync [REMOTE], refresh, help"
            )),
        }
    }

    fn update_editor(&mut self, mut e: NoteEditor, a: Action) {
        if e.saving {
            // Keep the text safe until the commit answers.
            self.overlays.push(Overlay::Editor(e));
            return;
        }
        match a {
            Action::Save => {
                if e.area.is_blank() {
                    self.error_msg("the note is empty; write something or press Esc");
                    self.overlays.push(Overlay::Editor(e));
                    return;
                }
                let change = Change::Note(e.case.clone(), e.area.text());
                e.saving = self.start_change(change);
                self.overlays.push(Overlay::Editor(e));
            }
            Action::Back => {
                let blank = e.area.is_blank();
                self.overlays.push(Overlay::Editor(e));
                if blank {
                    self.overlays.pop();
                } else {
                    self.confirm("Discard this note? It was never saved.", OnYes::Discard);
                }
            }
            other => {
                e.area.edit(other);
                self.overlays.push(Overlay::Editor(e));
            }
        }
    }

    fn update_form(&mut self, mut f: Form, a: Action) {
        if f.saving {
            self.overlays.push(Overlay::Form(f));
            return;
        }
        if let Some(mut input) = f.editing.take() {
            match a {
                Action::Back => {}
                Action::Submit => self.accept_field(&mut f, input),
                other => {
                    input.edit(other);
                    f.editing = Some(input);
                }
            }
            self.overlays.push(Overlay::Form(f));
            return;
        }
        let n = f.fields.len();
        match a {
            Action::Up | Action::Down => {
                f.selected = step(f.selected, n, a, self.page);
            }
            Action::Submit => {
                if let Some(field) = f.fields.get(f.selected) {
                    let mut copy = TextInput::with(field.value.value());
                    copy.masked = field.value.masked;
                    f.editing = Some(copy);
                }
            }
            Action::Save => {
                self.save_form(&mut f);
            }
            Action::Back => {
                if form_changed(&f) {
                    self.overlays.push(Overlay::Form(f));
                    self.confirm("Discard your changes?", OnYes::Discard);
                    return;
                }
                return;
            }
            Action::Quit => {
                self.overlays.push(Overlay::Form(f));
                self.confirm("Quit without saving?", OnYes::Quit);
                return;
            }
            _ => {}
        }
        self.overlays.push(Overlay::Form(f));
    }

    fn accept_field(&mut self, f: &mut Form, input: TextInput) {
        let i = f.selected;
        let Some(field) = f.fields.get_mut(i) else {
            return;
        };
        if let FormPurpose::EditCase { draft, .. } = &mut f.purpose {
            match fields::set(draft, field.key, input.value()) {
                Ok(updated) => {
                    **draft = updated;
                    field.value = TextInput::with(&data::field_text(draft, field.key));
                    field.error = None;
                }
                Err(e) => {
                    field.error = Some(e.to_string());
                    f.editing = Some(input);
                    return;
                }
            }
        } else {
            let masked = field.value.masked;
            field.value = TextInput::with(input.value());
            field.value.masked = masked;
            field.error = None;
        }
        if f.selected + 1 < f.fields.len() {
            f.selected += 1;
        }
    }

    fn save_form(&mut self, f: &mut Form) {
        match &f.purpose {
            FormPurpose::EditCase {
                id,
                original,
                draft,
            } => {
                let assignments: Vec<String> = FIELDS
                    .iter()
                    .filter(|(k, _)| data::field_text(original, k) != data::field_text(draft, k))
                    .map(|(k, _)| format!("{k}={}", data::field_text(draft, k)))
                    .collect();
                if assignments.is_empty() {
                    self.error_msg("nothing was changed; Esc closes the form");
                    return;
                }
                f.saving = self.start_change(Change::SetFields(id.clone(), assignments));
            }
            FormPurpose::NewCase => {
                let title = f.value("title").to_string();
                if title.trim().is_empty() {
                    if let Some(field) = f.fields.iter_mut().find(|x| x.key == "title") {
                        field.error = Some("a case needs a title".into());
                    }
                    return;
                }
                let opt = |s: &str| (!s.trim().is_empty()).then(|| s.to_string());
                let new = NewCase {
                    title,
                    client: opt(f.value("client")),
                    reference: opt(f.value("reference")),
                    grants: Vec::new(),
                };
                f.saving = self.start_change(Change::Create(new));
            }
            FormPurpose::Generate => self.save_generate(f),
        }
    }

    fn save_generate(&mut self, f: &mut Form) {
        // Read in place: the passphrase is copied once, into the job's secret.
        let (name, email, pass, again) = (
            f.value("name"),
            f.value("email"),
            f.value("passphrase"),
            f.value("repeat"),
        );
        let mut problem = None;
        if name.trim().is_empty() {
            problem = Some(("name", "give your name as colleagues know it"));
        } else if !email.contains('@') {
            problem = Some(("email", "give your email address"));
        } else if pass.is_empty() {
            problem = Some(("passphrase", "choose a passphrase (it protects both keys)"));
        } else if pass != again {
            problem = Some(("repeat", "the two passphrases differ"));
        }
        if let Some((key, why)) = problem {
            for field in &mut f.fields {
                field.error = (field.key == key).then(|| why.to_string());
            }
            return;
        }
        if self.change_running() {
            return;
        }
        let home = self.home.clone();
        let options = GenerateOptions {
            name: name.trim().to_string(),
            email: email.trim().to_string(),
            passphrase: Some(SecretString::from(pass.to_string())),
            expires: None,
            scrypt_log_n: crate::cli::scrypt_log_n(),
        };
        f.saving = true;
        self.jobs
            .spawn(JobKind::Change, "creating your identity", move |_| {
                identity::generate(&home, options)?;
                Ok(JobOutput::Generated(Box::new(Identity::load(&home)?)))
            });
    }
}

impl CasesState {
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
        self.dirty = true;
    }

    /// Recomputes the visible rows when something changed, keeping the
    /// selected case selected.
    pub fn refresh_visible(&mut self, info: &VaultInfo) {
        if !self.dirty {
            return;
        }
        self.dirty = false;
        let keep = self
            .visible
            .get(self.selected)
            .map(|&i| self.rows[i].id.clone());
        let needle = self.filter.to_lowercase();
        let mut visible: Vec<usize> = (0..self.rows.len())
            .filter(|&i| {
                let s = &self.rows[i];
                if let Some(want) = self.status_filter {
                    match &s.state {
                        SummaryState::Readable { record } if record.status == want => {}
                        _ => return false,
                    }
                }
                if let Some(SearchState { hits: Some(h), .. }) = &self.search {
                    if !h.contains_key(&s.id) {
                        return false;
                    }
                }
                needle.is_empty() || filter_text(s, info).to_lowercase().contains(&needle)
            })
            .collect();
        let rows = &self.rows;
        let changes = &self.last_changes;
        visible.sort_by(|&a, &b| {
            let (x, y) = (&rows[a], &rows[b]);
            let ord = match self.sort {
                SortKey::Reference => list_reference(x).cmp(&list_reference(y)),
                SortKey::Title => title_of(x).cmp(&title_of(y)),
                SortKey::Status => record_of(x)
                    .map(|r| r.status)
                    .cmp(&record_of(y).map(|r| r.status)),
                SortKey::Sensitivity => record_of(y)
                    .map(|r| r.sensitivity)
                    .cmp(&record_of(x).map(|r| r.sensitivity)),
                SortKey::Deadline => {
                    let d = |s: &CaseSummary| {
                        record_of(s).and_then(|r| r.next_deadline()).map(|d| d.date)
                    };
                    // Cases without a deadline go last.
                    match (d(x), d(y)) {
                        (Some(a), Some(b)) => a.cmp(&b),
                        (Some(_), None) => std::cmp::Ordering::Less,
                        (None, Some(_)) => std::cmp::Ordering::Greater,
                        (None, None) => std::cmp::Ordering::Equal,
                    }
                }
                SortKey::Changed => changes.get(&y.id).cmp(&changes.get(&x.id)),
            };
            let ord = ord.then_with(|| x.id.cmp(&y.id));
            if self.reverse {
                ord.reverse()
            } else {
                ord
            }
        });
        self.visible = visible;
        self.selected = keep
            .and_then(|id| self.visible.iter().position(|&i| self.rows[i].id == id))
            .unwrap_or(self.selected)
            .min(self.visible.len().saturating_sub(1));
    }
}

fn record_of(s: &CaseSummary) -> Option<&CaseRecord> {
    match &s.state {
        SummaryState::Readable { record } => Some(record),
        _ => None,
    }
}

/// What the reference column shows: the pseudonym for protected
/// identities, else the reference; the id for cases that cannot be read.
pub fn list_reference(s: &CaseSummary) -> String {
    match record_of(s) {
        Some(r) if r.protected_identity => r.display_client().to_string(),
        Some(r) => r.reference.clone(),
        None => s.id.to_string(),
    }
}

fn title_of(s: &CaseSummary) -> String {
    record_of(s).map(|r| r.title.clone()).unwrap_or_default()
}

/// The text the instant filter matches: only what the list shows (so a
/// protected client's real name is not matched; full-text search does that).
fn filter_text(s: &CaseSummary, info: &VaultInfo) -> String {
    match &s.state {
        SummaryState::Readable { record } => format!(
            "{} {} {} {} {} {} {} {}",
            s.id,
            list_reference(s),
            record.title,
            record.display_client(),
            record.status,
            record.sensitivity,
            record.practice_area.as_deref().unwrap_or(""),
            record.tags.join(" ")
        ),
        _ => format!(
            "{} locked {}",
            s.id,
            s.owners
                .iter()
                .map(|o| info.name_of(o))
                .collect::<Vec<_>>()
                .join(" ")
        ),
    }
}

/// Moves a selection by an action within `n` rows.
pub fn step(cur: usize, n: usize, a: Action, page: usize) -> usize {
    if n == 0 {
        return 0;
    }
    let page = page.max(1);
    let last = n - 1;
    match a {
        Action::Up => cur.saturating_sub(1),
        Action::Down => (cur + 1).min(last),
        Action::PageUp => cur.saturating_sub(page),
        Action::PageDown => (cur + page).min(last),
        Action::Top => 0,
        Action::Bottom => last,
        _ => cur.min(last),
    }
}

/// How many selectable rows the current detail tab has.
pub fn detail_rows(d: &DetailState) -> usize {
    let Some(l) = &d.loaded else {
        return 0;
    };
    let r = &l.case.record;
    match d.tab {
        Tab::Overview => 64,
        Tab::Parties => r.parties.len(),
        Tab::Deadlines => r.deadlines.len(),
        Tab::Notes => l.case.notes.len().max(1) * 8,
        Tab::Documents => l.documents.len(),
        Tab::Consents => r.consents.len(),
        Tab::Disclosures => r.disclosures.len(),
        Tab::Access => l.access.len(),
        Tab::History => d.history.as_ref().map(Vec::len).unwrap_or(0),
    }
}

fn expand_path(s: &str) -> PathBuf {
    if let Some(rest) = s.strip_prefix("~/") {
        if let Some(home) = std::env::var_os("HOME") {
            return PathBuf::from(home).join(rest);
        }
    }
    PathBuf::from(s)
}

fn form_changed(f: &Form) -> bool {
    match &f.purpose {
        FormPurpose::EditCase {
            original, draft, ..
        } => original != draft,
        _ => f.fields.iter().any(|x| !x.value.value().is_empty()),
    }
}

fn kind_hint(kind: Kind) -> String {
    match kind {
        Kind::Text => "text".into(),
        Kind::RequiredText => "text, required".into(),
        Kind::Date => "YYYY-MM-DD".into(),
        Kind::Choice(o) => o.join(" | "),
        Kind::Flag => "true | false".into(),
        Kind::Yaml => "YAML list, e.g. [a, b]".into(),
    }
}

fn field(key: &'static str, hint: &str, value: &str, masked: bool) -> FormField {
    let mut v = TextInput::with(value);
    v.masked = masked;
    FormField {
        key,
        hint: hint.to_string(),
        value: v,
        error: None,
    }
}

/// The form editing every settable field of a record (case/fields.rs).
pub fn edit_form(id: CaseId, record: CaseRecord) -> Form {
    let fields = FIELDS
        .iter()
        .map(|(k, kind)| field(k, &kind_hint(*kind), &data::field_text(&record, k), false))
        .collect();
    let title = format!("Edit case {id}");
    let purpose = FormPurpose::EditCase {
        id,
        original: Box::new(record.clone()),
        draft: Box::new(record),
    };
    Form::new(title, purpose, fields)
}

/// The new-case form.
pub fn new_case_form() -> Form {
    Form::new(
        "New case",
        FormPurpose::NewCase,
        vec![
            field("title", "text, required", "", false),
            field("client", "client's name", "", false),
            field("reference", "default: the case id", "", false),
        ],
    )
}

/// The new-identity form.
pub fn generate_form() -> Form {
    Form::new(
        "Create your identity",
        FormPurpose::Generate,
        vec![
            field("name", "as colleagues know you", "", false),
            field("email", "your address", "", false),
            field("passphrase", "protects both keys", "", true),
            field("repeat", "the passphrase again", "", true),
        ],
    )
}
