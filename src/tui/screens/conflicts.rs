//! The sync conflict view: one row per conflict (case, field, ours,
//! theirs, the side taken), values clipped to the width, drawn over the
//! main area. The values are the user's own decrypted data, shown because
//! they asked for this merge.

use dossier::case::merge::Side;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Clear, Paragraph, Row, Table};
use ratatui::Frame;

use super::{clip, row_style, scroll_window, titled_block};
use crate::tui::app::App;
use crate::tui::conflicts::{ConflictRow, ConflictView};
use crate::tui::theme::Role;

/// Widths of the case and choice columns.
const CASE_W: usize = 10;
const TAKE_W: usize = 6;

/// Draws the view over `main`; returns the first row on screen.
pub fn render(f: &mut Frame, app: &App, v: &ConflictView, main: Rect) -> usize {
    let t = &app.theme;
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
        .map(|(i, r)| row(app, r, i == v.selected, field_w, value_w))
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

fn row<'a>(app: &App, r: &ConflictRow, selected: bool, field_w: usize, value_w: usize) -> Row<'a> {
    let t = &app.theme;
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
    Row::new(cells).style(row_style(app, selected, t.style(Role::Text)))
}
