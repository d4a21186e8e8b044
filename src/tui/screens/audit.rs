//! The vault audit trail: every commit with its actor, action, case and
//! signature status; unsigned commits, unknown signers and signers not
//! entitled to what they did stand out.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use super::detail::log_table;
use super::{flagged, scroll_window};
use crate::tui::app::App;
use crate::tui::theme::Role;

/// Draws the audit trail.
pub fn render(f: &mut Frame, app: &mut App, area: Rect) {
    let t = &app.theme;
    let [head, table] = Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(area);
    let Some(entries) = &app.audit else {
        f.render_widget(
            Paragraph::new(Line::styled(
                " Reading the audit trail…",
                t.style(Role::Muted),
            )),
            head,
        );
        return;
    };
    let flagged = entries.iter().filter(|e| flagged(e.signature)).count();
    let mut spans = vec![Span::styled(
        format!(" Audit trail: {} commit(s)", entries.len()),
        t.style(Role::Header),
    )];
    if flagged > 0 {
        spans.push(Span::styled(
            format!("  {flagged} unsigned, unknown, bad or not entitled signature(s)"),
            t.style(Role::Unsigned),
        ));
    } else {
        spans.push(Span::styled(
            "  all signatures verified",
            t.style(Role::Verified),
        ));
    }
    f.render_widget(Paragraph::new(Line::from(spans)), head);
    let height = table.height.saturating_sub(1) as usize;
    let selected = app.audit_table.selected;
    let offset = scroll_window(selected, app.audit_table.offset, height);
    log_table(f, app, entries, selected, offset, table, true);
    app.audit_table.offset = offset;
}
