//! Drawing. [`render`] lays out the frame (title bar, main area, status bar,
//! hint bar), asks the current screen to draw the main area, then draws the
//! overlays on top. Every function here reads the [`App`]; the only things
//! written back are where scroll windows start and the page height, so the
//! next key knows how far a page is, and the case list's visible rows,
//! recomputed when stale.

mod audit;
mod conflicts;
mod detail;
mod keyring;
mod list;
mod overlays;
mod unlock;

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};
use ratatui::Frame;

use dossier::audit::log::SignatureStatus;
use dossier::case::Sensitivity;
use dossier::vault::keyring::Validity;

use crate::tui::action;
use crate::tui::app::{App, Screen};
use crate::tui::theme::{Role, Theme};

const SPINNER: [&str; 8] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧"];

/// Draws the whole frame.
pub fn render(f: &mut Frame, app: &mut App) {
    let area = f.area();
    f.render_widget(
        ratatui::widgets::Block::default().style(app.theme.style(Role::Text)),
        area,
    );
    let [top, main, status, hints] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(1),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(area);
    title_bar(f, app, top);
    app.page = main.height.saturating_sub(3).max(1) as usize;
    match app.screen {
        Screen::Unlock => unlock::render(f, app, main),
        Screen::Cases => list::render(f, app, main),
        Screen::Detail => detail::render(f, app, main),
        Screen::Keyring => keyring::render(f, app, main),
        Screen::Audit => audit::render(f, app, main),
    }
    status_bar(f, app, status);
    hint_bar(f, app, hints);
    overlays::render(f, app, main, hints);
}

fn title_bar(f: &mut Frame, app: &App, area: Rect) {
    let t = &app.theme;
    let mut spans = vec![Span::styled(" dossier ", t.style(Role::Title))];
    if app.session.is_some() {
        for (screen, key, name) in [
            (Screen::Cases, "1", "Cases"),
            (Screen::Keyring, "2", "Keyring"),
            (Screen::Audit, "3", "Audit"),
        ] {
            let active =
                app.screen == screen || (screen == Screen::Cases && app.screen == Screen::Detail);
            let style = if active {
                t.style(Role::TabActive)
            } else {
                t.style(Role::TabInactive)
            };
            spans.push(Span::raw(" "));
            spans.push(Span::styled(format!(" {key} {name} "), style));
        }
    }
    f.render_widget(Paragraph::new(Line::from(spans)), area);
}

fn status_bar(f: &mut Frame, app: &App, area: Rect) {
    let t = &app.theme;
    let bar = t.style(Role::StatusBar);
    let mut left = String::from(" ");
    if !app.info.name.is_empty() {
        left.push_str(&app.info.name);
        left.push_str(" │ ");
    }
    match &app.identity {
        Some(id) => {
            left.push_str(&id.card().name);
            left.push(' ');
            left.push_str(&id.fingerprint().short());
            if app.session.is_none() {
                left.push_str(" (locked)");
            }
        }
        None => left.push_str("no identity"),
    }
    let mut right: Vec<String> = Vec::new();
    let labels = app.jobs.labels();
    if !labels.is_empty() {
        let spin = SPINNER[app.spinner % SPINNER.len()];
        let mut label = labels.join(", ");
        if app.cases.loading {
            if let Some(total) = app.cases.total {
                label = format!(
                    "decrypting cases {}/{total}",
                    app.cases.rows.len().min(total)
                );
            }
        }
        right.push(format!("{spin} {label}"));
    }
    let s = &app.status;
    if let Some(branch) = &s.branch {
        let mut git = branch.clone();
        if s.dirty {
            git.push_str(" ✎modified");
        }
        if let Some((ahead, behind)) = s.ahead_behind {
            git.push_str(&format!(" ↑{ahead} ↓{behind}"));
        }
        right.push(git);
    }
    let right = right.join(" │ ") + " ";
    let width = area.width as usize;
    let rw = right.chars().count();
    let left = clip(&left, width.saturating_sub(rw + 1));
    let pad = width.saturating_sub(left.chars().count() + rw);
    let line = Line::from(vec![
        Span::raw(left),
        Span::raw(" ".repeat(pad)),
        Span::raw(right),
    ]);
    f.render_widget(Paragraph::new(line).style(bar), area);
}

fn hint_bar(f: &mut Frame, app: &App, area: Rect) {
    let t = &app.theme;
    if let Some(m) = &app.message {
        let style = if m.error {
            t.style(Role::Danger)
        } else {
            t.style(Role::Accent)
        };
        f.render_widget(
            Paragraph::new(Line::styled(format!(" {}", m.text), style)),
            area,
        );
        return;
    }
    let mut spans = vec![Span::raw(" ")];
    for (key, desc) in action::hints(app.mode()) {
        spans.push(Span::styled(key, t.style(Role::HintKey)));
        spans.push(Span::styled(format!(" {desc}  "), t.style(Role::HintText)));
    }
    f.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// Clips `s` to `width` characters, marking the cut with `…`.
pub fn clip(s: &str, width: usize) -> String {
    let n = s.chars().count();
    if n <= width {
        return s.to_string();
    }
    if width == 0 {
        return String::new();
    }
    let mut out: String = s.chars().take(width - 1).collect();
    out.push('…');
    out
}

/// Keeps `selected` inside a window of `height` rows starting at `offset`;
/// returns the new offset.
pub fn scroll_window(selected: usize, offset: usize, height: usize) -> usize {
    let height = height.max(1);
    if selected < offset {
        selected
    } else if selected >= offset + height {
        selected + 1 - height
    } else {
        offset
    }
}

/// A style for a selected row, or the given one.
pub fn row_style(app: &App, selected: bool, normal: Style) -> Style {
    if selected {
        app.theme.style(Role::Selection)
    } else {
        normal
    }
}

/// A bordered block over `area` with `title` clipped to its width.
pub fn titled_block<'a>(t: &Theme, title: &str, area: Rect, border: Style) -> Block<'a> {
    Block::default()
        .borders(Borders::ALL)
        .border_style(border)
        .title(Span::styled(
            clip(title, area.width.saturating_sub(2) as usize),
            t.style(Role::Title),
        ))
}

/// A centred rectangle of at most `w`×`h` inside `area`.
pub fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + (area.height - h) / 2,
        width: w,
        height: h,
    }
}

/// The style a case's sensitivity is drawn in (list and case header).
pub fn sensitivity_style(t: &Theme, s: Sensitivity) -> Style {
    match s {
        Sensitivity::Restricted => t.style(Role::Restricted),
        Sensitivity::Confidential => t.style(Role::Confidential),
        Sensitivity::Standard => t.style(Role::Muted),
    }
}

/// The style a key's validity is drawn in (keyring and access tab).
pub fn validity_style(t: &Theme, v: &Validity) -> Style {
    match v {
        Validity::Certified => t.style(Role::Verified),
        Validity::Uncertified | Validity::Expired => t.style(Role::Warning),
        Validity::Revoked | Validity::Invalid => t.style(Role::Danger),
    }
}

/// The style a signature status is drawn in.
pub fn signature_style(t: &Theme, s: SignatureStatus) -> Style {
    match s {
        SignatureStatus::Verified => t.style(Role::Verified),
        SignatureStatus::UncertifiedSigner
        | SignatureStatus::RevokedSigner
        | SignatureStatus::ExpiredSigner => t.style(Role::Warning),
        SignatureStatus::UnknownSigner
        | SignatureStatus::Unsigned
        | SignatureStatus::Bad
        | SignatureStatus::SignerNotEntitled => t.style(Role::Unsigned),
    }
}

/// Whether a commit's signature is highlighted and counted in the audit
/// header: anything but verified or an uncertified (known) signer.
pub fn flagged(s: SignatureStatus) -> bool {
    !matches!(
        s,
        SignatureStatus::Verified | SignatureStatus::UncertifiedSigner
    )
}
