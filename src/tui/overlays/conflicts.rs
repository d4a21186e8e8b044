//! The sync conflict view's state: what both sides changed differently,
//! and the side the user chose for each.
//!
//! A sync that meets a true conflict merges nothing (DESIGN §6, issue 5:
//! never resolved silently). This view lists the conflicts; the user picks
//! ours or theirs per row (or for all), and only when every row has a
//! choice does Enter run the sync again with those choices. Leaving the
//! view merges nothing and loses nothing: the local branch is untouched,
//! the incoming history stays fetched and verified.
//!
//! The values are the user's own decrypted data, shown because they asked
//! for this merge. They live only in memory, and `Debug` prints the
//! conflict keys and choices, never the values.
//!
//! Drawn over the main area: one row per conflict (case, field, ours,
//! theirs, the side taken), values clipped to the width.

use std::collections::BTreeMap;

use dossier::case::merge::Side;
use dossier::sync::{Choices, Conflict};
use ratatui::crossterm::event::KeyCode as K;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Clear, Paragraph, Row, Table};
use ratatui::Frame;

use crate::tui::action::{bind as b, Action, Action as A, Key, Keymap, Rest};
use crate::tui::component::{Effect, Overlay};
use crate::tui::data::SyncRequest;
use crate::tui::jobs::JobKind;
use crate::tui::shared::Shared;
use crate::tui::theme::{Role, Theme};
use crate::tui::widgets::{clip, row_style, scroll_window, step, titled_block};

/// The conflict view's keys.
pub const KEYS: Keymap = Keymap {
    title: "Sync conflicts",
    bindings: &[
        b(Key::ch('o'), A::TakeOurs, "take ours", true),
        b(Key::ch('t'), A::TakeTheirs, "take theirs", true),
        b(Key::ch('O'), A::TakeAllOurs, "take ours for all", false),
        b(Key::ch('T'), A::TakeAllTheirs, "take theirs for all", false),
        b(
            Key::plain(K::Enter),
            A::Submit,
            "merge with these choices",
            true,
        ),
        b(Key::plain(K::Esc), A::Back, "leave without merging", true),
        b(Key::ch('k'), A::Up, "previous conflict", false),
        b(Key::plain(K::Up), A::Up, "previous conflict", false),
        b(Key::ch('j'), A::Down, "next conflict", false),
        b(Key::plain(K::Down), A::Down, "next conflict", false),
        b(Key::ch('?'), A::Help, "help", false),
        b(Key::ctrl('c'), A::Quit, "quit", false),
    ],
    rest: Rest::Nothing,
};

/// One conflict and the side chosen for it, if any.
pub struct ConflictRow {
    /// What both sides changed.
    pub conflict: Conflict,
    /// The side to take; `None` while undecided.
    pub choice: Option<Side>,
}

impl std::fmt::Debug for ConflictRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConflictRow")
            .field("key", &self.conflict.key())
            .field("choice", &self.choice)
            .finish_non_exhaustive()
    }
}

/// The conflict view.
#[derive(Debug)]
pub struct ConflictView {
    /// The remote the sync was with (the next run uses it again).
    pub remote: String,
    /// The conflicts, in the order the library reported them.
    pub rows: Vec<ConflictRow>,
    /// Choices made in earlier rounds (a second sync can meet new
    /// conflicts, e.g. when the remote moved on): kept so that the next
    /// run decides those again the same way.
    pub carried: BTreeMap<String, Side>,
    /// Selected row.
    pub selected: usize,
    /// First row on screen.
    pub offset: usize,
    /// Waiting for the sync that carries the choices.
    pub merging: bool,
}

impl ConflictView {
    /// A view of `conflicts` from a sync with `remote`, none decided yet;
    /// `carried` are choices from an earlier round.
    pub fn new(
        remote: impl Into<String>,
        conflicts: Vec<Conflict>,
        carried: BTreeMap<String, Side>,
    ) -> ConflictView {
        ConflictView {
            remote: remote.into(),
            rows: conflicts
                .into_iter()
                .map(|conflict| ConflictRow {
                    conflict,
                    choice: None,
                })
                .collect(),
            carried,
            selected: 0,
            offset: 0,
            merging: false,
        }
    }

    /// Chooses `side` for the selected conflict and moves to the next
    /// undecided one, if any.
    pub fn choose(&mut self, side: Side) {
        let Some(row) = self.rows.get_mut(self.selected) else {
            return;
        };
        row.choice = Some(side);
        let n = self.rows.len();
        if let Some(next) = (1..n)
            .map(|k| (self.selected + k) % n)
            .find(|&i| self.rows[i].choice.is_none())
        {
            self.selected = next;
        }
    }

    /// Chooses `side` for every conflict.
    pub fn choose_all(&mut self, side: Side) {
        for row in &mut self.rows {
            row.choice = Some(side);
        }
    }

    /// How many conflicts have no choice yet.
    pub fn undecided(&self) -> usize {
        self.rows.iter().filter(|r| r.choice.is_none()).count()
    }

    /// The choices to sync with, once every conflict has one (earlier
    /// rounds' choices included).
    pub fn choices(&self) -> Option<Choices> {
        let mut each = self.carried.clone();
        for row in &self.rows {
            each.insert(row.conflict.key(), row.choice?);
        }
        Some(Choices { all: None, each })
    }
}

impl Overlay for ConflictView {
    fn keys(&self) -> &'static Keymap {
        &KEYS
    }

    fn update(&mut self, a: Action, ctx: &mut Shared) -> Vec<Effect> {
        if self.merging {
            // The sync carrying the choices runs; keep them until it answers.
            return if a == Action::Quit {
                vec![Effect::Quit]
            } else {
                Vec::new()
            };
        }
        match a {
            Action::Up | Action::Down => {
                self.selected = step(self.selected, self.rows.len(), a, ctx.page);
            }
            Action::TakeOurs => self.choose(Side::Ours),
            Action::TakeTheirs => self.choose(Side::Theirs),
            Action::TakeAllOurs => self.choose_all(Side::Ours),
            Action::TakeAllTheirs => self.choose_all(Side::Theirs),
            Action::Submit => match self.choices() {
                None => {
                    let n = self.undecided();
                    ctx.error_msg(format!(
                        "{n} of {} conflict(s) still undecided: o takes ours, t theirs (O, T for all)",
                        self.rows.len()
                    ));
                }
                Some(choices) => {
                    let request = SyncRequest {
                        remote: Some(self.remote.clone()),
                        choices,
                    };
                    self.merging = ctx.start_sync(request);
                }
            },
            Action::Back => {
                ctx.info_msg(
                    "Left without merging: nothing was merged and nothing was lost; S syncs again",
                );
                return vec![Effect::Close];
            }
            Action::Help => return vec![Effect::Global(Action::Help)],
            Action::Quit => return vec![Effect::Quit],
            _ => {}
        }
        Vec::new()
    }

    fn render(&mut self, f: &mut Frame, main: Rect, _hints: Rect, _top: bool, ctx: &Shared) {
        self.offset = draw(f, &ctx.theme, self, main);
    }

    fn job_ended(&mut self, kind: JobKind, ok: bool) -> bool {
        if kind != JobKind::Sync {
            return true;
        }
        // A finished sync closes the view (new conflicts get a new one); a
        // failed one leaves the choices to try again.
        self.merging = false;
        !ok
    }
}

/// Widths of the case and choice columns.
const CASE_W: usize = 10;
const TAKE_W: usize = 6;

/// Draws the view over `main`; returns the first row on screen.
fn draw(f: &mut Frame, t: &Theme, v: &ConflictView, main: Rect) -> usize {
    let title = format!(" Sync with {}: {} conflict(s) ", v.remote, v.rows.len());
    let block = titled_block(t, &title, main, t.style(Role::Warning));
    let inner = block.inner(main);
    f.render_widget(Clear, main);
    f.render_widget(block, main);
    let [intro, table, foot] = Layout::vertical([
        Constraint::Length(2),
        Constraint::Min(1),
        Constraint::Length(1),
    ])
    .areas(inner);
    let width = inner.width as usize;
    f.render_widget(
        Paragraph::new(Line::styled(
            clip(
                "Both sides changed these differently. Nothing is merged until each has a side.",
                width,
            ),
            t.style(Role::Text),
        )),
        intro,
    );

    // Case, field, ours, theirs, take, with one space between columns.
    let rest = width.saturating_sub(CASE_W + TAKE_W + 4);
    let longest = v
        .rows
        .iter()
        .map(|r| r.conflict.field.chars().count())
        .max()
        .unwrap_or(5)
        .max(5);
    let field_w = longest.min(rest * 2 / 5);
    let value_w = rest.saturating_sub(field_w) / 2;
    let height = table.height.saturating_sub(1) as usize;
    let offset = scroll_window(v.selected, v.offset, height);
    let rows: Vec<Row> = v
        .rows
        .iter()
        .enumerate()
        .skip(offset)
        .take(height)
        .map(|(i, r)| row(t, r, i == v.selected, field_w, value_w))
        .collect();
    let widths = [
        Constraint::Length(CASE_W as u16),
        Constraint::Length(field_w as u16),
        Constraint::Length(value_w as u16),
        Constraint::Length(value_w as u16),
        Constraint::Length(TAKE_W as u16),
    ];
    f.render_widget(
        Table::new(rows, widths)
            .header(
                Row::new(["Case", "Field", "Ours", "Theirs", "Take"]).style(t.style(Role::Header)),
            )
            .column_spacing(1),
        table,
    );

    let undecided = v.undecided();
    let (text, style) = if v.merging {
        (
            "Merging with your choices…".to_string(),
            t.style(Role::Accent),
        )
    } else if undecided > 0 {
        (
            format!(
                "{undecided} undecided · o ours · t theirs · O/T all · Esc leaves without merging"
            ),
            t.style(Role::Muted),
        )
    } else {
        (
            "All decided · Enter merges and pushes · Esc leaves without merging".to_string(),
            t.style(Role::Accent),
        )
    };
    f.render_widget(
        Paragraph::new(Line::styled(clip(&text, width), style)),
        foot,
    );
    offset
}

fn row<'a>(t: &Theme, r: &ConflictRow, selected: bool, field_w: usize, value_w: usize) -> Row<'a> {
    let c = &r.conflict;
    let case = c
        .case
        .as_ref()
        .map(|id| id.to_string())
        .unwrap_or_else(|| "(vault)".into());
    // The side not taken is dimmed once a choice is made.
    let value = |v: &Option<String>, side: Side| -> Cell<'a> {
        let style: Style = match r.choice {
            Some(chosen) if chosen == side => t.style(Role::Verified),
            Some(_) => t.style(Role::Muted),
            None => t.style(Role::Text),
        };
        match v {
            Some(text) => Cell::from(Span::styled(clip(text, value_w), style)),
            None => Cell::from(Span::styled("(absent)", t.style(Role::Muted))),
        }
    };
    let take = match r.choice {
        Some(Side::Ours) => Span::styled("ours", t.style(Role::Accent)),
        Some(Side::Theirs) => Span::styled("theirs", t.style(Role::Accent)),
        None => Span::styled("?", t.style(Role::Warning)),
    };
    let cells = vec![
        Cell::from(case),
        Cell::from(clip(&c.field, field_w)),
        value(&c.ours, Side::Ours),
        value(&c.theirs, Side::Theirs),
        Cell::from(take),
    ];
    Row::new(cells).style(row_style(t, selected, t.style(Role::Text)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conflict(field: &str) -> Conflict {
        Conflict {
            case: Some("27T8E7KFWC".parse().expect("id")),
            field: field.into(),
            ours: Some("Fresh claim".into()),
            theirs: None,
        }
    }

    #[test]
    fn choices_exist_only_when_every_conflict_is_decided_and_keep_earlier_rounds() {
        let carried = BTreeMap::from([("X:old".to_string(), Side::Ours)]);
        let mut v = ConflictView::new(
            "origin",
            vec![conflict("title"), conflict("status")],
            carried,
        );
        assert_eq!(v.undecided(), 2);
        assert!(v.choices().is_none());
        v.choose(Side::Theirs);
        assert_eq!(v.selected, 1, "moves on to the next undecided conflict");
        assert_eq!(v.undecided(), 1);
        assert!(v.choices().is_none());
        v.choose(Side::Ours);
        let c = v.choices().expect("all decided");
        assert_eq!(c.all, None);
        assert_eq!(
            c.each,
            BTreeMap::from([
                ("27T8E7KFWC:title".to_string(), Side::Theirs),
                ("27T8E7KFWC:status".to_string(), Side::Ours),
                ("X:old".to_string(), Side::Ours),
            ])
        );
        v.choose_all(Side::Theirs);
        assert!(v.rows.iter().all(|r| r.choice == Some(Side::Theirs)));
    }

    #[test]
    fn debug_never_prints_the_values() {
        let v = ConflictView::new("origin", vec![conflict("title")], BTreeMap::new());
        let text = format!("{v:?}");
        assert!(text.contains("27T8E7KFWC:title"), "{text}");
        assert!(!text.contains("Fresh"), "{text}");
    }
}
