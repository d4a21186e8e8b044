//! The keyring (gpg-tui-like): every key with its validity and role, and
//! the selected key's full fingerprint, grouped for reading aloud.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row, Table};
use ratatui::Frame;

use super::{row_style, scroll_window, validity_style};
use crate::tui::app::App;
use crate::tui::theme::Role;

/// Draws the keyring.
pub fn render(f: &mut Frame, app: &mut App, area: Rect) {
    let t = &app.theme;
    let [head, table, detail] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(3),
        Constraint::Length(7),
    ])
    .areas(area);
    f.render_widget(
        Paragraph::new(Line::styled(
            format!(" Keyring: {} key(s)", app.info.keys.len()),
            t.style(Role::Header),
        )),
        head,
    );
    let height = table.height.saturating_sub(1) as usize;
    let selected = app.keyring.selected;
    let offset = scroll_window(selected, app.keyring.offset, height);
    let rows: Vec<Row> = app
        .info
        .keys
        .iter()
        .enumerate()
        .skip(offset)
        .take(height)
        .map(|(i, k)| {
            let vstyle = validity_style(t, &k.validity);
            Row::new(vec![
                Cell::from(if k.me { "*" } else { " " }),
                Cell::from(k.name.clone()),
                Cell::from(k.email.clone()),
                Cell::from(Span::styled(k.validity.to_string(), vstyle)),
                Cell::from(k.role.to_string()),
                Cell::from(k.fingerprint.short()),
            ])
            .style(row_style(app, i == selected, t.style(Role::Text)))
        })
        .collect();
    f.render_widget(
        Table::new(
            rows,
            [
                Constraint::Length(1),
                Constraint::Length(16),
                Constraint::Min(12),
                Constraint::Length(11),
                Constraint::Length(5),
                Constraint::Length(19),
            ],
        )
        .header(
            Row::new(["", "Name", "Email", "Validity", "Role", "Fingerprint"])
                .style(t.style(Role::Header)),
        )
        .column_spacing(1),
        table,
    );
    let block = Block::default()
        .borders(Borders::TOP)
        .border_style(t.style(Role::Border));
    let lines: Vec<Line> = match app.info.keys.get(selected) {
        Some(k) => {
            let field = |name: &str, value: String| {
                Line::from(vec![
                    Span::styled(format!(" {name:<14}"), t.style(Role::Muted)),
                    Span::styled(value, t.style(Role::Text)),
                ])
            };
            vec![
                field("Fingerprint", k.fingerprint.grouped()),
                field("Age recipient", k.age_recipient.clone()),
                field("Created", k.created.format("%Y-%m-%d").to_string()),
                field(
                    "Expires",
                    k.expires
                        .map(|e| e.format("%Y-%m-%d").to_string())
                        .unwrap_or_else(|| "never".into()),
                ),
                field(
                    "Certified by",
                    k.certified_by
                        .map(|c| format!("{} {}", app.info.name_of(&c), c.short()))
                        .unwrap_or_else(|| "nobody (not trusted for encryption)".into()),
                ),
            ]
        }
        None => vec![Line::styled(" The keyring is empty.", t.style(Role::Muted))],
    };
    f.render_widget(Paragraph::new(lines).block(block), detail);
    app.keyring.offset = offset;
}
