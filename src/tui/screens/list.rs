//! The case list: one row per case, windowed so a 10,000-case vault builds
//! only the rows on screen. Locked cases show their id and owners, never
//! content; protected identities show their pseudonym.

use dossier::ops::cases::{CaseSummary, SummaryState};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table};
use ratatui::Frame;

use super::{clip, row_style, scroll_window, sensitivity_style};
use crate::tui::app::{list_reference, App};
use crate::tui::theme::Role;

/// Draws the list.
pub fn render(f: &mut Frame, app: &mut App, area: Rect) {
    app.cases.refresh_visible(&app.info);
    let [head, table] = Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(area);
    let t = &app.theme;
    let c = &app.cases;

    let mut spans = vec![Span::styled(
        format!(" Cases {} of {}", c.visible.len(), c.rows.len()),
        t.style(Role::Header),
    )];
    if c.loading {
        let total = c.total.map(|n| n.to_string()).unwrap_or_else(|| "?".into());
        spans.push(Span::styled(
            format!("  loading {}/{total} (Esc stops)", c.rows.len()),
            t.style(Role::Warning),
        ));
    }
    let arrow = if c.reverse { "↑" } else { "↓" };
    spans.push(Span::styled(
        format!("  sort: {}{arrow}", c.sort.name()),
        t.style(Role::Muted),
    ));
    if let Some(s) = c.status_filter {
        spans.push(Span::styled(
            format!("  status: {s}"),
            t.style(Role::Accent),
        ));
    }
    if !c.filter.is_empty() {
        spans.push(Span::styled(
            format!("  filter: {}", c.filter),
            t.style(Role::Accent),
        ));
    }
    if let Some(s) = &c.search {
        let what = match &s.hits {
            None => format!("  searching /{}/…", s.pattern),
            Some(h) => format!("  search /{}/: {} case(s)", s.pattern, h.len()),
        };
        spans.push(Span::styled(what, t.style(Role::Accent)));
    }
    f.render_widget(Paragraph::new(Line::from(spans)), head);

    let wide = area.width >= 100;
    let height = table.height.saturating_sub(1) as usize;
    let offset = scroll_window(c.selected, c.offset, height);
    let mut widths = vec![Constraint::Length(13)];
    let mut header = vec!["Reference"];
    if wide {
        widths.push(Constraint::Length(18));
        header.push("Client");
    }
    widths.extend([
        Constraint::Min(10),
        Constraint::Length(8),
        Constraint::Length(12),
        Constraint::Length(10),
        Constraint::Length(10),
    ]);
    header.extend(["Title", "Status", "Sensitivity", "Deadline", "Changed"]);

    let rows: Vec<Row> = c
        .visible
        .iter()
        .enumerate()
        .skip(offset)
        .take(height)
        .map(|(pos, &i)| case_row(app, &c.rows[i], wide, pos == c.selected))
        .collect();
    let empty = rows.is_empty();
    let widget = Table::new(rows, widths)
        .header(Row::new(header).style(t.style(Role::Header)))
        .column_spacing(1);
    f.render_widget(widget, table);
    if empty && !c.loading && table.height > 2 {
        let text = if c.rows.is_empty() {
            "No cases yet. Press n to create one."
        } else {
            "No case matches. Press c to clear the filter."
        };
        let y = table.y + 2;
        f.render_widget(
            Paragraph::new(Line::styled(format!(" {text}"), t.style(Role::Muted))),
            Rect {
                y,
                height: 1,
                ..table
            },
        );
    }
    app.cases.offset = offset;
}

fn case_row<'a>(app: &App, s: &CaseSummary, wide: bool, selected: bool) -> Row<'a> {
    let t = &app.theme;
    let mut cells: Vec<Cell> = Vec::new();
    match &s.state {
        SummaryState::Readable { record } => {
            let reference = list_reference(s);
            let ref_style = if record.protected_identity {
                t.style(Role::Restricted)
            } else {
                t.style(Role::Text)
            };
            cells.push(Cell::from(Span::styled(reference, ref_style)));
            if wide {
                if record.protected_identity {
                    cells.push(Cell::from(Span::styled(
                        "(protected)",
                        t.style(Role::Muted),
                    )));
                } else {
                    cells.push(Cell::from(record.client.name.clone()));
                }
            }
            cells.push(Cell::from(record.title.clone()));
            cells.push(Cell::from(record.status.to_string()));
            let sens = sensitivity_style(t, record.sensitivity);
            cells.push(Cell::from(Span::styled(
                record.sensitivity.to_string(),
                sens,
            )));
            cells.push(Cell::from(
                record
                    .next_deadline()
                    .map(|d| d.date.format("%Y-%m-%d").to_string())
                    .unwrap_or_default(),
            ));
        }
        SummaryState::Locked => {
            let owners: Vec<String> = s.owners.iter().map(|o| app.info.name_of(o)).collect();
            cells.push(Cell::from(s.id.to_string()));
            if wide {
                cells.push(Cell::from("—"));
            }
            cells.push(Cell::from(clip(
                &format!("locked · owners: {}", owners.join(", ")),
                200,
            )));
            cells.extend(["—", "—", "—"].map(Cell::from));
        }
        SummaryState::Damaged { problem } => {
            cells.push(Cell::from(s.id.to_string()));
            if wide {
                cells.push(Cell::from("—"));
            }
            cells.push(Cell::from(Span::styled(
                format!("cannot be read: {problem}"),
                t.style(Role::Danger),
            )));
            cells.extend(["—", "—", "—"].map(Cell::from));
        }
    }
    cells.push(Cell::from(
        app.cases
            .last_changes
            .get(&s.id)
            .map(|d| d.format("%Y-%m-%d").to_string())
            .unwrap_or_default(),
    ));
    let normal = match s.state {
        SummaryState::Locked => t.style(Role::Locked),
        _ => t.style(Role::Text),
    };
    Row::new(cells).style(row_style(app, selected, normal))
}
