//! The built-in multi-line note editor. The text lives only in memory
//! until the save commits it encrypted; the editor stays open (and keeps the
//! text) until that commit answers.

use dossier::case::CaseId;
use ratatui::crossterm::event::KeyCode as K;
use ratatui::layout::{Position, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Clear, Paragraph};
use ratatui::Frame;

use crate::tui::action::{bind as b, Action, Action as A, Key, Keymap, Rest};
use crate::tui::component::{stays_after_saving, Effect, Overlay};
use crate::tui::data::Change;
use crate::tui::jobs::JobKind;
use crate::tui::overlays::confirm::{Confirm, OnYes};
use crate::tui::shared::Shared;
use crate::tui::text::TextArea;
use crate::tui::theme::{Role, Theme};
use crate::tui::widgets::{scroll_window, titled_block};

/// The editor's keys.
pub const KEYS: Keymap = Keymap {
    title: "Note editor",
    bindings: &[
        b(Key::ctrl('s'), A::Save, "save the note", true),
        b(Key::plain(K::Esc), A::Back, "cancel", true),
        b(Key::plain(K::Enter), A::Newline, "new line", false),
        b(
            Key::plain(K::Backspace),
            A::DeleteBack,
            "delete back",
            false,
        ),
        b(Key::plain(K::Delete), A::DeleteForward, "delete", false),
        b(Key::plain(K::Left), A::Left, "cursor left", false),
        b(Key::plain(K::Right), A::Right, "cursor right", false),
        b(Key::plain(K::Up), A::Up, "cursor up", false),
        b(Key::plain(K::Down), A::Down, "cursor down", false),
        b(Key::plain(K::Home), A::LineStart, "start of line", false),
        b(Key::plain(K::End), A::LineEnd, "end of line", false),
    ],
    rest: Rest::Text,
};

/// The built-in note editor.
#[derive(Debug)]
pub struct NoteEditor {
    /// The case.
    pub case: CaseId,
    /// The text.
    pub area: TextArea,
    /// First screen row shown (of the soft-wrapped text).
    pub offset: usize,
    /// The text's width on the last draw, for moving by screen row.
    pub width: usize,
    /// Waiting for the save to commit.
    pub saving: bool,
}

impl NoteEditor {
    /// An editor for a new note on `case`, holding `text`.
    pub fn new(case: CaseId, area: TextArea) -> NoteEditor {
        NoteEditor {
            case,
            area,
            offset: 0,
            width: 0,
            saving: false,
        }
    }
}

impl Overlay for NoteEditor {
    fn keys(&self) -> &'static Keymap {
        &KEYS
    }

    fn update(&mut self, a: Action, ctx: &mut Shared) -> Vec<Effect> {
        if self.saving {
            // Keep the text safe until the commit answers.
            return Vec::new();
        }
        match a {
            Action::Save => {
                if self.area.is_blank() {
                    ctx.error_msg("the note is empty; write something or press Esc");
                    return Vec::new();
                }
                let change = Change::Note(self.case.clone(), self.area.text());
                self.saving = ctx.start_change(change);
            }
            Action::Back if self.area.is_blank() => return vec![Effect::Close],
            Action::Back => {
                return vec![Confirm::ask(
                    "Discard this note? It was never saved.",
                    OnYes::Discard,
                )]
            }
            Action::Up | Action::Down if self.width > 0 => {
                let wrapped = self.area.wrap(self.width);
                self.area.move_on_screen(&wrapped, a == Action::Up);
            }
            other => {
                self.area.edit(other);
            }
        }
        Vec::new()
    }

    fn render(&mut self, f: &mut Frame, main: Rect, _hints: Rect, top: bool, ctx: &Shared) {
        // Remember the width and scroll window for the next keys and draw.
        let (offset, width) = draw(f, &ctx.theme, self, main, top);
        self.offset = offset;
        self.width = width;
    }

    fn job_ended(&mut self, kind: JobKind, ok: bool) -> bool {
        stays_after_saving(&mut self.saving, kind, ok)
    }
}

/// Draws the editor, the text soft-wrapped to the box and scrolled so the
/// cursor is in view; returns the scroll offset and the text's width.
fn draw(f: &mut Frame, t: &Theme, e: &NoteEditor, main: Rect, top: bool) -> (usize, usize) {
    let title = if e.saving {
        format!(" New note for case {} — saving… ", e.case)
    } else {
        format!(
            " New note for case {} — Ctrl-S saves, Esc cancels (kept in memory only) ",
            e.case
        )
    };
    let block = titled_block(t, &title, main, t.style(Role::Accent));
    let inner = block.inner(main);
    let height = inner.height as usize;
    // One cell stays free at the right for the cursor after a full row.
    let width = (inner.width as usize).saturating_sub(1).max(1);
    let wrapped = e.area.wrap(width);
    let (row, col) = e.area.cursor_in(&wrapped);
    let offset = scroll_window(row, e.offset, height);
    let lines: Vec<Line> = wrapped
        .iter()
        .skip(offset)
        .take(height)
        .map(|s| Line::styled(s.of(&e.area.lines()[s.row]), t.style(Role::Text)))
        .collect();
    f.render_widget(Clear, main);
    f.render_widget(Paragraph::new(lines).block(block), main);
    if top && !e.saving && height > 0 {
        let x = inner.x + (col as u16).min(inner.width.saturating_sub(1));
        let y = inner.y + (row - offset) as u16;
        f.set_cursor_position(Position::new(x, y));
    }
    (offset, width)
}
