//! The TUI's router: which screen shows, the overlay stack, and the state
//! they share.
//!
//! A key goes to whatever has the keyboard (the top overlay, else the
//! current screen) through that component's key table; job reports are
//! offered to the screens, then handled here when they concern shared state
//! (the vault's public state, the case summaries, changes, syncs). What a
//! component cannot do itself it returns as [`Effect`]s, applied here in
//! order. Nothing here blocks: library calls run as jobs, stale answers are
//! dropped by the jobs layer.

use std::sync::Arc;

use dossier::case::CaseId;
use dossier::keys::identity::{Home, Identity, Session};
use dossier::sync::{Outcome, SyncReport};
use dossier::Error;
use ratatui::layout::{Constraint, Layout};
use ratatui::widgets::Block;
use ratatui::Frame;
use zeroize::Zeroize;

use crate::tui::action::{self, Action, Keymap};
use crate::tui::chrome;
use crate::tui::component::{Effect, Overlay, Reload, Taken};
use crate::tui::config::Config;
use crate::tui::data::{self, SyncRequest};
use crate::tui::jobs::{JobBody, JobKind, JobMessage, JobOutput, Jobs};
use crate::tui::model::VaultInfo;
use crate::tui::overlays::conflicts::ConflictView;
use crate::tui::overlays::form::generate_form;
use crate::tui::overlays::help::Help;
use crate::tui::overlays::notice::Notice;
use crate::tui::overlays::prompt::{Prompt, PromptPurpose};
use crate::tui::overlays::KEYMAPS as OVERLAY_KEYMAPS;
use crate::tui::screens::{ScreenId, Screens};
use crate::tui::shared::{CaseIndex, Shared};
use crate::tui::theme::{Role, Theme};

/// A request for the run loop to hand the terminal to `$EDITOR`.
#[derive(Debug, Clone)]
pub struct ExternalEdit {
    /// The case the note is for.
    pub case: CaseId,
}

/// All TUI state.
pub struct App {
    /// What every screen and overlay shares.
    pub shared: Shared,
    /// Every screen's own state.
    pub screens: Screens,
    /// Current screen.
    pub screen: ScreenId,
    /// Overlays, top last.
    pub overlays: Vec<Box<dyn Overlay>>,
    /// Set when the user has quit.
    pub quit: bool,
    /// Set when `$EDITOR` should take the terminal.
    pub external: Option<ExternalEdit>,
    /// How many of the session's messages have been looked at for being
    /// too long for the hint bar.
    surfaced: usize,
    /// What was open when the TUI locked itself (see `tui/agent.rs`).
    pub locked_away: Option<(ScreenId, Vec<Box<dyn Overlay>>)>,
}

/// The smallest terminal dossier draws its screens in (the design's 80x24
/// fits with room to spare).
pub const MIN_WIDTH: u16 = 60;
/// See [`MIN_WIDTH`].
pub const MIN_HEIGHT: u16 = 10;

/// The `:` commands, as help and the unknown-command sentence list them.
pub const COMMANDS: &[&str] = &[
    "quit",
    "cases",
    "keyring",
    "audit",
    "agenda [DAYS]",
    "open ID",
    "search TEXT",
    "filter TEXT",
    "status S",
    "sort COLUMN",
    "theme NAME",
    "new",
    "sync [REMOTE]",
    "conflicts NAME",
    "disclosures",
    "retention",
    "access-review",
    "messages",
    "refresh",
    "help",
];

impl App {
    /// A fresh app for `home`, before unlocking; an identity created here
    /// costs `scrypt_log_n`.
    pub fn new(theme: Theme, config: Config, home: Home, jobs: Jobs, scrypt_log_n: u8) -> App {
        let identity = Identity::load(&home).ok();
        App {
            shared: Shared {
                theme,
                config,
                home,
                scrypt_log_n,
                identity,
                session: None,
                info: VaultInfo::default(),
                status: Default::default(),
                cases: CaseIndex::default(),
                message: None,
                jobs,
                spinner: 0,
                page: 10,
                sync_request: None,
                last_input: std::time::Instant::now(),
                today: chrono::Utc::now().date_naive(),
                messages: Vec::new(),
                width: 80,
                #[cfg(test)]
                started: Vec::new(),
            },
            screens: Screens::default(),
            screen: ScreenId::Unlock,
            overlays: Vec::new(),
            quit: false,
            external: None,
            surfaced: 0,
            locked_away: None,
        }
    }

    /// First steps: without an identity, the form to create one; with an
    /// unprotected identity, straight in; else the passphrase prompt.
    pub fn start(&mut self) {
        match &self.shared.identity {
            None => {
                self.overlays.push(Box::new(generate_form()));
                self.shared.info_msg(
                    "There is no identity on this machine yet: create one (Ctrl-S saves).",
                );
            }
            Some(id) => {
                if let Some(session) = self.session_from_agent(id) {
                    self.shared.info_msg(
                        "Unlocked by the passphrase agent (`dossier lock` makes it forget your keys)",
                    );
                    return self.apply(vec![Effect::Unlocked(Arc::new(session))]);
                }
                let session =
                    Session::new(id.clone(), Box::new(dossier::support::secret::NoPassphrase));
                match session.unlock() {
                    Ok(()) => self.apply(vec![Effect::Unlocked(Arc::new(session))]),
                    Err(Error::NoPassphrase(_)) => {}
                    Err(e) => self.screens.unlock.error = Some(e.to_string()),
                }
            }
        }
    }

    /// The key table of whatever has the keyboard.
    pub fn keymap(&self) -> &'static Keymap {
        match self.overlays.last() {
            Some(o) => o.keys(),
            None => self.screens.get(self.screen).keys(),
        }
    }

    /// Every key table, in the order the `?` help lists them.
    pub fn keymaps(&self) -> Vec<&'static Keymap> {
        let mut maps = vec![&action::GLOBAL];
        maps.extend(self.screens.keymaps());
        maps.extend(OVERLAY_KEYMAPS.iter().copied());
        maps
    }

    /// Handles a key press.
    pub fn on_key(&mut self, key: ratatui::crossterm::event::KeyEvent) {
        self.shared.message = None;
        self.shared.last_input = std::time::Instant::now();
        if let Some(a) = action::lookup(self.keymap(), &key) {
            self.update(a);
        }
        self.surface_long_message();
    }

    /// Handles pasted text: into the text field that has the keyboard, as
    /// if typed (line breaks become new lines in the note editor and
    /// spaces elsewhere, other control characters are dropped). Where no
    /// text is being entered, nothing is pasted, so pasted text can never
    /// run as commands. The pasted copy is wiped afterwards.
    pub fn on_paste(&mut self, mut text: String) {
        self.shared.message = None;
        self.shared.last_input = std::time::Instant::now();
        let keymap = self.keymap();
        if keymap.rest != action::Rest::Text {
            self.shared
                .error_msg("nothing was pasted: paste into a text field (a prompt, a form field or the note editor)");
            text.zeroize();
            return;
        }
        let multiline = keymap.bindings.iter().any(|b| b.action == Action::Newline);
        // One line break for `\r\n`, `\n` or `\r`; no copy of the text.
        let mut after_cr = false;
        for c in text.chars() {
            let a = match c {
                '\n' if after_cr => {
                    after_cr = false;
                    continue;
                }
                '\n' | '\r' if multiline => Action::Newline,
                '\n' | '\r' | '\t' => Action::Char(' '),
                c if c.is_control() => continue,
                c => Action::Char(c),
            };
            after_cr = c == '\r';
            self.update(a);
        }
        text.zeroize();
        self.surface_long_message();
    }

    /// A new message longer than the hint bar opens whole in a message box
    /// (the bar shows its start); nothing is ever cut off unread.
    fn surface_long_message(&mut self) {
        let n = self.shared.messages.len();
        if n == self.surfaced {
            return;
        }
        self.surfaced = n;
        if !self.shared.message_too_long() {
            return;
        }
        if let Some(m) = &self.shared.message {
            let notice = Notice {
                title: if m.error { "Error" } else { "Message" }.into(),
                text: m.text.clone(),
                error: m.error,
            };
            self.overlays.push(Box::new(notice));
        }
    }

    /// Applies an action to whatever has the keyboard.
    pub fn update(&mut self, a: Action) {
        let effects = match self.overlays.last_mut() {
            Some(top) => top.update(a, &mut self.shared),
            None => self
                .screens
                .get_mut(self.screen)
                .update(a, &mut self.shared),
        };
        self.apply(effects);
    }

    fn apply(&mut self, effects: Vec<Effect>) {
        for effect in effects {
            match effect {
                Effect::Quit => self.quit = true,
                Effect::Global(a) => self.global(a),
                Effect::Home => self.show(ScreenId::Cases),
                // Taken apart in `command`, where the caller is known.
                Effect::ShowCaller => {}
                Effect::Open(id) => {
                    let summary = self.shared.cases.get(&id).cloned();
                    self.screens.detail.open(id, summary, &mut self.shared);
                    self.show(ScreenId::Detail);
                }
                Effect::Push(o) => self.overlays.push(o),
                Effect::Close => {
                    self.overlays.pop();
                }
                Effect::Unlocked(session) => {
                    self.shared.session = Some(session);
                    self.shared.last_input = std::time::Instant::now();
                    if !self.unhide() {
                        self.show(ScreenId::Cases);
                    }
                    self.reload(None);
                }
                Effect::Command(line) => self.run_command(&line),
                Effect::Filter(edit) => self.screens.cases.filter_edit(edit, &mut self.shared),
                Effect::Reload(Reload::Changed(case)) => self.reload(case.as_ref()),
                Effect::Reload(Reload::Commits) => {
                    self.broadcast(&Reload::Commits);
                    self.shared.load_status();
                }
                Effect::External(case) => self.external = Some(ExternalEdit { case }),
            }
        }
    }

    /// The bindings every screen leaves to the app.
    fn global(&mut self, a: Action) {
        match a {
            Action::Quit => self.quit = true,
            Action::Help => {
                let sections = action::help_sections(&self.keymaps());
                let at = self.keymap().title;
                self.overlays
                    .push(Box::new(Help::new(sections, COMMANDS, at)));
            }
            Action::Command => {
                let prompt = Prompt::new(PromptPurpose::Command, ":", "");
                self.overlays.push(Box::new(prompt));
            }
            Action::Refresh => {
                self.reload(None);
                self.shared.info_msg("Reloading from disk…");
            }
            // A screen's tab action shows it.
            other => {
                let found = ScreenId::ALL.iter().copied().find(|id| {
                    let s = self.screens.get(*id);
                    s.tab_name().is_some() && s.tab() == Some(other)
                });
                if let Some(id) = found {
                    self.show(id);
                }
            }
        }
    }

    pub(crate) fn show(&mut self, id: ScreenId) {
        self.screen = id;
        self.screens.get_mut(id).on_show(&mut self.shared);
    }

    /// Starts (re)loading everything shown; `changed` is the case a change
    /// touched, if any.
    fn reload(&mut self, changed: Option<&CaseId>) {
        if self.shared.session.is_none() {
            return;
        }
        self.shared.load_vault();
        self.broadcast(&Reload::Changed(changed.cloned()));
    }

    fn broadcast(&mut self, why: &Reload) {
        for &id in ScreenId::ALL {
            let active = id == self.screen;
            self.screens
                .get_mut(id)
                .reload(why, active, &mut self.shared);
        }
    }

    /// Applies a job's report (dropped when stale): the screens first, then
    /// what concerns shared state.
    pub fn on_job(&mut self, msg: JobMessage) {
        self.take_job(msg);
        // A change that was recorded says what it still has to tell.
        for notice in dossier::repo::notices::take() {
            self.shared.error_msg(format!("warning: {notice}"));
        }
        self.surface_long_message();
    }

    fn take_job(&mut self, msg: JobMessage) {
        if !self.shared.jobs.accept(&msg) {
            return;
        }
        let (mut kind, mut result) = match msg.body {
            JobBody::Partial(out) => (msg.kind, Ok(out)),
            JobBody::Done(result) => (msg.kind, result),
        };
        // With the agent, a failure may only mean it forgot the keys.
        if result.is_err() && self.lock_if_agent_forgot() {
            return;
        }
        for &id in ScreenId::ALL {
            match self
                .screens
                .get_mut(id)
                .on_job(kind, result, &mut self.shared)
            {
                Taken::Yes(effects) => return self.apply(effects),
                Taken::No(k, r) => (kind, result) = (k, r),
            }
        }
        match result {
            Ok(out) => self.on_output(out),
            Err(e) => self.on_failure(kind, e),
        }
    }

    fn on_failure(&mut self, kind: JobKind, e: Error) {
        let ctx = &mut self.shared;
        match kind {
            JobKind::List => {
                ctx.cases.loading = false;
                ctx.cases.failed = true;
                ctx.error_msg(e.to_string());
            }
            JobKind::Change => {
                self.overlays.retain_mut(|o| o.job_ended(kind, false));
                ctx.error_msg(e.to_string());
            }
            JobKind::Sync => {
                ctx.sync_request = None;
                self.overlays.retain_mut(|o| o.job_ended(kind, false));
                // What it received is recorded: the cases changed here.
                let recorded = matches!(e, Error::SyncUnfinished { .. });
                self.overlays.push(Box::new(Notice {
                    title: if recorded {
                        "Sync not finished".into()
                    } else {
                        "Sync failed".into()
                    },
                    text: e.to_string(),
                    error: true,
                }));
                if recorded {
                    self.reload(None);
                } else {
                    self.shared.load_status();
                }
            }
            // Status is decoration: without it the bar shows nothing.
            JobKind::Status => {}
            _ => ctx.error_msg(e.to_string()),
        }
    }

    fn on_output(&mut self, out: JobOutput) {
        let ctx = &mut self.shared;
        match out {
            JobOutput::VaultInfo(info) => {
                if let Some(p) = info.problems.first() {
                    ctx.error_msg(format!("warning: {p}"));
                }
                ctx.info = *info;
            }
            JobOutput::ListTotal(n) => ctx.cases.total = Some(n),
            JobOutput::Summaries(batch) => ctx.cases.upsert(batch),
            JobOutput::ListDone => {
                ctx.cases.loading = false;
                let unreadable =
                    ctx.cases.rows.iter().any(|r| {
                        matches!(r.state, dossier::ops::cases::SummaryState::Damaged { .. })
                    });
                if unreadable {
                    self.lock_if_agent_forgot();
                }
            }
            JobOutput::LastChanges(map) => ctx.cases.set_last_changes(map),
            JobOutput::Status(s) => ctx.status = s,
            JobOutput::Changed(text) => {
                self.overlays
                    .retain_mut(|o| o.job_ended(JobKind::Change, true));
                ctx.info_msg(text);
                let case = self.screens.detail.case.as_ref().map(|d| d.id.clone());
                self.reload(case.as_ref());
            }
            JobOutput::Generated(identity) => {
                self.overlays
                    .retain_mut(|o| o.job_ended(JobKind::Change, true));
                ctx.info_msg(format!(
                    "Created your identity {}. Export your card from the keyring (x) once you are in a vault, and read your fingerprint to an administrator.",
                    identity.fingerprint().grouped()
                ));
                ctx.identity = Some(*identity);
                self.show(ScreenId::Unlock);
            }
            JobOutput::SyncProgress(stage) => {
                ctx.jobs.set_label(JobKind::Sync, data::stage_text(&stage));
            }
            JobOutput::Synced(report) => self.synced(*report),
            JobOutput::Conflicts(report) => {
                let out = JobOutput::Conflicts(report);
                let offered = match self.overlays.last_mut() {
                    Some(top) => top.job_output(out, ctx),
                    None => Err(out),
                };
                match offered {
                    Ok(effects) => self.apply(effects),
                    Err(JobOutput::Conflicts(report)) => self
                        .overlays
                        .push(Box::new(Notice::conflict_check(&report, &self.shared.info))),
                    Err(_) => {}
                }
            }
            // The screens' own outputs were taken by them.
            _ => {}
        }
    }

    fn synced(&mut self, report: SyncReport) {
        let request = self.shared.sync_request.take();
        self.overlays
            .retain_mut(|o| o.job_ended(JobKind::Sync, true));
        match report.outcome {
            Outcome::Conflicts(list) => {
                let n = list.len();
                let carried = request.map(|r| r.choices.each).unwrap_or_default();
                let remote = report.remote.name;
                self.shared.info_msg(format!(
                    "{n} conflict(s) with {remote}: nothing was merged; choose a side for each"
                ));
                self.overlays
                    .push(Box::new(ConflictView::new(remote, list, carried)));
                // The verified remote branch moved: ahead/behind changed.
                self.shared.load_status();
            }
            _ => {
                self.shared.info_msg(report.summary());
                self.reload(None);
            }
        }
    }

    /// Runs a `:` command: the screens' own first, then the app's.
    fn run_command(&mut self, line: &str) {
        let (cmd, arg) = match line.split_once(char::is_whitespace) {
            Some((c, a)) => (c, a.trim()),
            None => (line, ""),
        };
        if cmd.is_empty() {
            return;
        }
        for &id in ScreenId::ALL {
            if let Some(effects) = self.screens.get_mut(id).command(cmd, arg, &mut self.shared) {
                let (show, rest): (Vec<_>, Vec<_>) = effects
                    .into_iter()
                    .partition(|e| matches!(e, Effect::ShowCaller));
                if !show.is_empty() {
                    self.show(id);
                }
                return self.apply(rest);
            }
        }
        match cmd {
            "q" | "quit" => self.quit = true,
            "help" => self.global(Action::Help),
            "cases" | "list" => self.show(ScreenId::Cases),
            "keyring" | "keys" => self.show(ScreenId::Keyring),
            "audit" | "log" => self.global(Action::ShowAudit),
            "refresh" => self.global(Action::Refresh),
            "theme" => self.shared.set_theme(arg),
            "conflicts" | "conflict" if arg.is_empty() => self.shared.error_msg(
                "give the name to look for: `:conflicts NAME` (several, separated by `;`)",
            ),
            "conflicts" | "conflict" => self.shared.start_conflict_check(
                arg.split(';')
                    .map(str::trim)
                    .filter(|n| !n.is_empty())
                    .map(String::from)
                    .collect(),
            ),
            "sync" => {
                let remote = (!arg.is_empty()).then(|| arg.to_string());
                self.shared.start_sync(SyncRequest {
                    remote,
                    ..SyncRequest::default()
                });
            }
            "messages" => {
                let shown = self.shared.messages_text();
                self.overlays.push(Box::new(Notice {
                    title: "Messages this session".into(),
                    text: shown,
                    error: false,
                }));
            }
            _ => self.shared.error_msg(format!(
                "unknown command `{cmd}`; try {}",
                COMMANDS.join(", ")
            )),
        }
    }

    /// Draws the whole frame: title bar, the current screen, status bar,
    /// hint bar, then the overlays bottom first.
    pub fn render(&mut self, f: &mut Frame) {
        let area = f.area();
        f.render_widget(
            Block::default().style(self.shared.theme.style(Role::Text)),
            area,
        );
        // Below this, screens would draw cut in half: say so instead.
        if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
            let said = format!(
                "The terminal is too small ({}x{}): dossier needs at least {MIN_WIDTH}x{MIN_HEIGHT}. Make the window larger; q quits.",
                area.width, area.height
            );
            f.render_widget(
                ratatui::widgets::Paragraph::new(said)
                    .style(self.shared.theme.style(Role::Warning))
                    .wrap(ratatui::widgets::Wrap { trim: true }),
                area,
            );
            return;
        }
        let [top, main, status, hints] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Min(1),
            Constraint::Length(1),
            Constraint::Length(1),
        ])
        .areas(area);
        let tabs = chrome::tabs(&self.screens, self.screen);
        chrome::title_bar(f, &self.shared, &tabs, top);
        self.shared.page = main.height.saturating_sub(3).max(1) as usize;
        self.shared.width = hints.width;
        let ctx = &self.shared;
        self.screens.get_mut(self.screen).render(f, main, ctx);
        chrome::status_bar(f, ctx, status);
        let screen = self
            .overlays
            .is_empty()
            .then(|| self.screens.get(self.screen));
        chrome::hint_bar(f, ctx, self.keymap(), screen, hints);
        let count = self.overlays.len();
        for (i, o) in self.overlays.iter_mut().enumerate() {
            o.render(f, main, hints, i + 1 == count, ctx);
        }
    }

    /// The overlay on top, if it is a `T` (tests look at it).
    #[cfg(test)]
    pub fn top<T: 'static>(&self) -> Option<&T> {
        self.overlays
            .last()
            .and_then(|o| (**o).as_any().downcast_ref::<T>())
    }
}
