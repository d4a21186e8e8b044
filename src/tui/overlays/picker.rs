//! The grant picker: a searchable list of the certified people and the
//! groups of the vault (name, email, short fingerprint, validity), instead
//! of a pasted fingerprint. Typing narrows it (name, email, fingerprint or
//! group); Enter grants the selected entry to the case, after which the
//! usual change job re-encrypts it. Those who can already read the case
//! are marked and cannot be chosen again.

use dossier::case::{AccessEntry, CaseId};
use dossier::vault::keyring::Validity;
use ratatui::crossterm::event::KeyCode as K;
use ratatui::layout::{Constraint, Layout, Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};
use ratatui::Frame;

use crate::tui::action::{bind as b, Action, Action as A, Key, Keymap, Rest};
use crate::tui::component::{stays_after_saving, Effect, Overlay};
use crate::tui::data::Change;
use crate::tui::jobs::JobKind;
use crate::tui::model::VaultInfo;
use crate::tui::shared::Shared;
use crate::tui::text::TextInput;
use crate::tui::theme::Role;
use crate::tui::widgets::{centered, clip, row_style, scroll_window, step};

/// The picker's keys; anything printable narrows the list.
pub const KEYS: Keymap = Keymap {
    title: "Grant picker",
    bindings: &[
        b(
            Key::plain(K::Enter),
            A::Submit,
            "grant to the selected",
            true,
        ),
        b(Key::plain(K::Esc), A::Back, "cancel", true),
        b(Key::plain(K::Up), A::Up, "previous", false),
        b(Key::plain(K::Down), A::Down, "next", false),
        b(
            Key::plain(K::Backspace),
            A::DeleteBack,
            "delete back",
            false,
        ),
        b(Key::ctrl('u'), A::ClearLine, "clear the search", false),
    ],
    rest: Rest::Text,
};

/// One person or group that can be picked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    /// What `grant` takes: a fingerprint or `@group`.
    pub value: String,
    /// Name (or `@group`).
    pub name: String,
    /// Email, short fingerprint and validity (or the members' count).
    pub detail: String,
    /// Whether they can already read the case (not pickable).
    pub already: bool,
}

/// The picker.
#[derive(Debug)]
pub struct GrantPicker {
    /// The case.
    pub case: CaseId,
    /// What is typed.
    pub query: TextInput,
    /// Every certified person and every group.
    pub choices: Vec<Choice>,
    /// Selected row among those shown.
    pub selected: usize,
    offset: usize,
    saving: bool,
}

impl GrantPicker {
    /// A picker for case `case`, whose access list already has `listed`.
    pub fn new(case: CaseId, info: &VaultInfo, listed: &[AccessEntry]) -> GrantPicker {
        let mut choices: Vec<Choice> = info
            .keys
            .iter()
            .filter(|k| k.validity == Validity::Certified)
            .map(|k| Choice {
                value: k.fingerprint.to_string(),
                name: k.name.clone(),
                detail: format!("{}  {}  {}", k.email, k.fingerprint.short(), k.validity),
                already: listed.contains(&AccessEntry::Key(k.fingerprint)),
            })
            .collect();
        choices.sort_by_key(|c| c.name.to_lowercase());
        choices.extend(info.groups.iter().map(|(g, members)| Choice {
            value: format!("@{g}"),
            name: format!("@{g}"),
            detail: format!("group of {}", members.len()),
            already: listed.contains(&AccessEntry::Group(g.clone())),
        }));
        GrantPicker {
            case,
            query: TextInput::default(),
            choices,
            selected: 0,
            offset: 0,
            saving: false,
        }
    }

    /// The choices the search leaves, in order.
    pub fn shown(&self) -> Vec<&Choice> {
        let q = self.query.value().trim().to_lowercase();
        self.choices
            .iter()
            .filter(|c| {
                q.is_empty()
                    || c.name.to_lowercase().contains(&q)
                    || c.detail.to_lowercase().contains(&q)
                    || c.value.to_lowercase().contains(&q)
            })
            .collect()
    }
}

impl Overlay for GrantPicker {
    fn keys(&self) -> &'static Keymap {
        &KEYS
    }

    fn update(&mut self, a: Action, ctx: &mut Shared) -> Vec<Effect> {
        if self.saving {
            return Vec::new();
        }
        let n = self.shown().len();
        match a {
            Action::Back => return vec![Effect::Close],
            Action::Up | Action::Down => self.selected = step(self.selected, n, a, ctx.page),
            Action::Submit => {
                let Some(choice) = self.shown().get(self.selected).map(|c| (*c).clone()) else {
                    ctx.error_msg("nobody matches; Esc cancels");
                    return Vec::new();
                };
                if choice.already {
                    ctx.error_msg(format!(
                        "{} can already read case {}",
                        choice.name, self.case
                    ));
                    return Vec::new();
                }
                self.saving = ctx.start_change(Change::Grant(self.case.clone(), choice.value));
            }
            other => {
                if self.query.edit(other) {
                    self.selected = 0;
                    self.offset = 0;
                }
            }
        }
        Vec::new()
    }

    fn render(&mut self, f: &mut Frame, main: Rect, _hints: Rect, top: bool, ctx: &Shared) {
        let t = &ctx.theme;
        let area = centered(main, 90.min(main.width), main.height.min(20));
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(t.style(Role::Accent))
            .title(Span::styled(
                format!(" Grant access to case {} ", self.case),
                t.style(Role::Title),
            ));
        let inner = block.inner(area);
        f.render_widget(Clear, area);
        f.render_widget(block, area);
        let [search, list, foot] = Layout::vertical([
            Constraint::Length(2),
            Constraint::Min(1),
            Constraint::Length(1),
        ])
        .areas(inner);
        let (query, at) = self.query.view((search.width as usize).saturating_sub(8));
        f.render_widget(
            Paragraph::new(Line::from(vec![
                Span::styled("search: ", t.style(Role::Muted)),
                Span::styled(query, t.style(Role::Input)),
            ])),
            search,
        );
        if top {
            f.set_cursor_position(Position::new(search.x + 8 + at as u16, search.y));
        }
        let height = list.height as usize;
        self.offset = scroll_window(self.selected, self.offset, height);
        let shown = self.shown();
        let width = list.width as usize;
        let lines: Vec<Line> = shown
            .iter()
            .enumerate()
            .skip(self.offset)
            .take(height)
            .map(|(i, c)| {
                let mark = if c.already {
                    "  (can already read it)"
                } else {
                    ""
                };
                let normal = if c.already {
                    t.style(Role::Muted)
                } else {
                    t.style(Role::Text)
                };
                let text = format!(" {:<22} {}{mark}", clip(&c.name, 22), c.detail);
                Line::styled(clip(&text, width), row_style(t, i == self.selected, normal))
            })
            .collect();
        if lines.is_empty() {
            f.render_widget(
                Paragraph::new(Line::styled(
                    " Nobody matches. Only certified people and groups can be granted.",
                    t.style(Role::Muted),
                )),
                list,
            );
        } else {
            f.render_widget(Paragraph::new(lines), list);
        }
        let said = if self.saving {
            "Granting (re-encrypting)…"
        } else {
            "Type to search · ↑/↓ choose · Enter grants · Esc cancels"
        };
        f.render_widget(
            Paragraph::new(Line::styled(said, t.style(Role::Muted))),
            foot,
        );
    }

    fn job_ended(&mut self, kind: JobKind, ok: bool) -> bool {
        stays_after_saving(&mut self.saving, kind, ok)
    }
}
