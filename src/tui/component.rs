//! What a screen and an overlay are (STYLE rule 12): each owns its state,
//! its key table, its key handling and its drawing, behind the [`Screen`] or
//! [`Overlay`] trait. Handling a key or a job report returns [`Effect`]s, the
//! few things only the app can do (switch screens, stack overlays, quit);
//! everything else a component does itself through [`Shared`].
//!
//! Components draw plain data and never touch the vault: slow work is
//! started as a job through [`Shared::jobs`] and its report arrives later.

use std::any::Any;
use std::sync::Arc;

use dossier::case::CaseId;
use dossier::keys::identity::Session;
use dossier::Error;
use ratatui::layout::Rect;
use ratatui::Frame;

use crate::tui::action::{Action, Binding, Keymap};
use crate::tui::jobs::{JobKind, JobOutput};
use crate::tui::shared::Shared;

/// What a component asks the app to do, in order.
pub enum Effect {
    /// Leave dossier.
    Quit,
    /// A key the component leaves to the app's global bindings (quit,
    /// help, command prompt, screen switches, reload).
    Global(Action),
    /// Show the case list.
    Home,
    /// Open a case in the detail screen.
    Open(CaseId),
    /// Put an overlay on top of the stack.
    Push(Box<dyn Overlay>),
    /// Close the top overlay.
    Close,
    /// The identity unlocked: go in and load the vault.
    Unlocked(Arc<Session>),
    /// Run a `:` command line.
    Command(String),
    /// The case list's filter prompt changed.
    Filter(FilterEdit),
    /// Re-read what the vault shows.
    Reload(Reload),
    /// Hand the terminal to `$EDITOR` for a new note on this case.
    External(CaseId),
    /// Show the screen that returned this (from its `:` command).
    ShowCaller,
}

/// What happened in the case list's filter or search prompt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FilterEdit {
    /// The filter text is now this (filter as you type).
    Typed(String),
    /// Esc in the filter prompt: the filter it started with again.
    Cancelled,
    /// Enter in the filter prompt: the filter stays as typed.
    Kept,
    /// The search prompt's text is now this (search as you type).
    SearchTyped(String),
    /// Esc in the search prompt: the search it started with again.
    SearchCancelled,
    /// Enter in the search prompt: a full-text search for this (an empty
    /// one clears the search).
    Search(String),
}

/// Why screens are asked to re-read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reload {
    /// The vault changed (a change, a sync, a refresh); `Some` names the
    /// one case a change touched.
    Changed(Option<CaseId>),
    /// Only a commit was added (a recorded view): re-read what shows
    /// commits.
    Commits,
}

/// A job's result, as a component receives it (partial output included).
pub type JobResult = Result<JobOutput, Error>;

/// Whether a component took a job report.
pub enum Taken {
    /// It was this component's; the effects follow.
    Yes(Vec<Effect>),
    /// Not this component's: the report, handed back.
    No(JobKind, JobResult),
}

/// One main screen (case list, case detail, keyring, audit, unlock).
pub trait Screen {
    /// The key table in force while this screen has the keyboard; it also
    /// builds this screen's hint bar and its section of the `?` help.
    fn keys(&self) -> &'static Keymap;

    /// Applies an action; what it cannot handle it returns as
    /// [`Effect::Global`].
    fn update(&mut self, a: Action, ctx: &mut Shared) -> Vec<Effect>;

    /// Draws the main area.
    fn render(&mut self, f: &mut Frame, area: Rect, ctx: &Shared);

    /// Whether (and how) the hint bar offers binding `bd` of this screen's
    /// table now: `None` hides it; the default is the table's own choice.
    /// A screen hides what the current tab, case or role cannot do.
    fn hint(&self, bd: &Binding, _ctx: &Shared) -> Option<&'static str> {
        bd.hint.then_some(bd.desc)
    }

    /// The global action whose title-bar tab is lit while this screen shows
    /// (the case detail lights the case list's).
    fn tab(&self) -> Option<Action> {
        None
    }

    /// The name of this screen's own title-bar tab, if it has one; it is
    /// reached by [`Screen::tab`]'s action.
    fn tab_name(&self) -> Option<&'static str> {
        None
    }

    /// Called when the app switches to this screen.
    fn on_show(&mut self, _ctx: &mut Shared) {}

    /// Offers a job report; a screen takes the reports of the jobs it
    /// started for itself and hands back the rest.
    fn on_job(&mut self, kind: JobKind, result: JobResult, _ctx: &mut Shared) -> Taken {
        Taken::No(kind, result)
    }

    /// The vault changed: re-read what this screen shows; `active` says
    /// whether it is the current screen.
    fn reload(&mut self, _why: &Reload, _active: bool, _ctx: &mut Shared) {}

    /// Offers a `:` command (`name`, then the rest of the line); `None`
    /// when it is not this screen's.
    fn command(&mut self, _name: &str, _arg: &str, _ctx: &mut Shared) -> Option<Vec<Effect>> {
        None
    }
}

/// Something drawn over the screen that has the keyboard while it is on
/// top of the stack: help, a prompt, a confirmation, the note editor, a
/// form, the sync conflicts, a message box.
pub trait Overlay: AsAny {
    /// The key table in force while this overlay is on top.
    fn keys(&self) -> &'static Keymap;

    /// Applies an action; [`Effect::Close`] closes it.
    fn update(&mut self, a: Action, ctx: &mut Shared) -> Vec<Effect>;

    /// Draws it over `main` (prompts draw over the hint bar, `hints`);
    /// `top` says whether it has the keyboard (and so the cursor).
    fn render(&mut self, f: &mut Frame, main: Rect, hints: Rect, top: bool, ctx: &Shared);

    /// A job of `kind` ended (`ok` when it succeeded); returns whether the
    /// overlay stays open. Overlays waiting on a change or a sync use it.
    fn job_ended(&mut self, _kind: JobKind, _ok: bool) -> bool {
        true
    }

    /// Offers a job's output the app does not handle itself (a conflict
    /// check's report): the overlay takes it (`Ok`, with what to do next)
    /// or hands it back.
    fn job_output(&mut self, out: JobOutput, _ctx: &mut Shared) -> Result<Vec<Effect>, JobOutput> {
        Err(out)
    }
}

/// Lets tests look at the concrete overlay on top of the stack (the app
/// itself never needs to: overlays are driven through [`Overlay`] alone).
pub trait AsAny: Any {
    /// The value as [`Any`].
    #[cfg_attr(not(test), allow(dead_code))]
    fn as_any(&self) -> &dyn Any;
}

impl<T: Any> AsAny for T {
    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// For an overlay that saves through a change job (`saving` set while it
/// runs): whether it stays open when a job of `kind` ends. A saved change
/// closes it; a failed one leaves it open, no longer saving, so nothing
/// typed is lost.
pub fn stays_after_saving(saving: &mut bool, kind: JobKind, ok: bool) -> bool {
    if kind != JobKind::Change {
        return true;
    }
    if ok {
        return !*saving;
    }
    *saving = false;
    true
}
