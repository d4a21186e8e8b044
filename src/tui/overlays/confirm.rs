//! A yes/no question before something destructive or unsaved is lost.

use ratatui::crossterm::event::KeyCode as K;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::Frame;

use crate::tui::action::{bind as b, Action, Action as A, Key, Keymap, Rest};
use crate::tui::component::{Effect, Overlay};
use crate::tui::data::Change;
use crate::tui::shared::Shared;
use crate::tui::theme::Role;
use crate::tui::widgets::message_box;

/// The confirmation's keys.
pub const KEYS: Keymap = Keymap {
    title: "Confirmations",
    bindings: &[
        b(Key::ch('y'), A::Yes, "yes", true),
        b(Key::ch('n'), A::No, "no", true),
        b(Key::plain(K::Esc), A::No, "no", false),
    ],
    rest: Rest::Nothing,
};

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

impl Confirm {
    /// An effect that asks `question`.
    pub fn ask(question: impl Into<String>, on_yes: OnYes) -> Effect {
        Effect::Push(Box::new(Confirm {
            question: question.into(),
            on_yes,
        }))
    }
}

impl Overlay for Confirm {
    fn keys(&self) -> &'static Keymap {
        &KEYS
    }

    fn update(&mut self, a: Action, ctx: &mut Shared) -> Vec<Effect> {
        match a {
            Action::Yes => match std::mem::replace(&mut self.on_yes, OnYes::Discard) {
                OnYes::Change(change) => {
                    ctx.start_change(change);
                    vec![Effect::Close]
                }
                OnYes::Discard => vec![Effect::Close, Effect::Close],
                OnYes::Quit => vec![Effect::Close, Effect::Quit],
            },
            Action::No => vec![Effect::Close],
            _ => Vec::new(),
        }
    }

    fn render(&mut self, f: &mut Frame, main: Rect, _hints: Rect, _top: bool, ctx: &Shared) {
        let t = &ctx.theme;
        let keys = Line::from(vec![
            Span::styled("y", t.style(Role::HintKey)),
            Span::styled(" yes   ", t.style(Role::HintText)),
            Span::styled("n", t.style(Role::HintKey)),
            Span::styled(" no", t.style(Role::HintText)),
        ]);
        let border = t.style(Role::Warning);
        message_box(f, t, main, 64, ("Confirm", border), &self.question, keys);
    }
}
