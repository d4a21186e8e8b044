//! A message that needs more than one line (why a sync failed), in a box
//! closed with Esc.

use ratatui::crossterm::event::KeyCode as K;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::Frame;

use dossier::ops::conflicts::{self, Report};

use crate::tui::action::{bind as b, Action, Action as A, Key, Keymap, Rest};
use crate::tui::component::{Effect, Overlay};
use crate::tui::model::VaultInfo;
use crate::tui::shared::Shared;
use crate::tui::theme::Role;
use crate::tui::widgets::message_box;

/// The message box's keys.
pub const KEYS: Keymap = Keymap {
    title: "Messages",
    bindings: &[
        b(Key::plain(K::Esc), A::Back, "close", true),
        b(Key::plain(K::Enter), A::Back, "close", false),
        b(Key::ch('q'), A::Back, "close", false),
    ],
    rest: Rest::Nothing,
};

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

impl Notice {
    /// What a conflict check found, as a message box: for each match the
    /// case id, the role and extent, and the owners to ask; never anything
    /// of the case itself.
    pub fn conflict_check(report: &Report, info: &VaultInfo) -> Notice {
        let mut lines: Vec<String> = report
            .hits
            .iter()
            .map(|h| {
                let how: Vec<String> = h.matches.iter().map(conflicts::describe).collect();
                let owners: Vec<String> = h
                    .owners
                    .iter()
                    .map(|o| format!("{} {}", info.name_of(o), o.short()))
                    .collect();
                format!(
                    "{}: \"{}\" as {}. Ask {}.",
                    h.case,
                    h.name,
                    how.join("; "),
                    owners.join(", ")
                )
            })
            .collect();
        let rest = report.to_string();
        lines.extend(rest.lines().map(String::from));
        Notice {
            title: format!("Conflict check: {}", report.names.join(", ")),
            text: lines.join("\n"),
            error: false,
        }
    }
}

impl Overlay for Notice {
    fn keys(&self) -> &'static Keymap {
        &KEYS
    }

    fn update(&mut self, a: Action, _ctx: &mut Shared) -> Vec<Effect> {
        if a == Action::Back {
            vec![Effect::Close]
        } else {
            Vec::new()
        }
    }

    fn render(&mut self, f: &mut Frame, main: Rect, _hints: Rect, _top: bool, ctx: &Shared) {
        let t = &ctx.theme;
        let border = if self.error {
            t.style(Role::Danger)
        } else {
            t.style(Role::Accent)
        };
        let keys = Line::from(vec![
            Span::styled("Esc", t.style(Role::HintKey)),
            Span::styled(" close", t.style(Role::HintText)),
        ]);
        message_box(f, t, main, 72, (&self.title, border), &self.text, keys);
    }
}
