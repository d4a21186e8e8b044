//! The unlock prompt: who is unlocking, the masked passphrase, and why the
//! last attempt failed. The unlock itself (scrypt, about a second) runs as
//! a job, so the prompt keeps drawing its spinner.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};
use ratatui::Frame;

use super::centered;
use crate::tui::app::App;
use crate::tui::jobs::JobKind;
use crate::tui::theme::Role;

/// Draws the unlock prompt.
pub fn render(f: &mut Frame, app: &mut App, area: Rect) {
    let t = &app.theme;
    let Some(identity) = &app.identity else {
        return;
    };
    let box_area = centered(area, 76, 10);
    let mut lines = vec![
        Line::from(vec![
            Span::styled(" Identity  ", t.style(Role::Muted)),
            Span::styled(
                format!("{} <{}>", identity.card().name, identity.card().email),
                t.style(Role::Text),
            ),
        ]),
        Line::from(vec![
            Span::styled("           ", t.style(Role::Muted)),
            Span::styled(identity.fingerprint().grouped(), t.style(Role::Muted)),
        ]),
        Line::default(),
        Line::from(vec![
            Span::styled(" Passphrase ", t.style(Role::Text)),
            Span::styled(app.unlock.input.display(), t.style(Role::Input)),
            Span::styled("█", t.style(Role::Input)),
        ]),
        Line::default(),
    ];
    if app.jobs.is_running(JobKind::Unlock) {
        lines.push(Line::styled(" Unlocking…", t.style(Role::Accent)));
    } else if let Some(e) = &app.unlock.error {
        lines.push(Line::styled(format!(" {e}"), t.style(Role::Danger)));
    } else {
        lines.push(Line::styled(
            " Type your passphrase and press Enter.",
            t.style(Role::Muted),
        ));
    }
    f.render_widget(Clear, box_area);
    f.render_widget(
        Paragraph::new(lines).block(
            Block::default()
                .borders(Borders::ALL)
                .border_style(t.style(Role::Border))
                .title(Span::styled(" Unlock dossier ", t.style(Role::Title))),
        ),
        box_area,
    );
}
