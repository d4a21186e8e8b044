//! Drawing helpers every screen and overlay uses: clipping, scroll
//! windows, selection, boxes, the semantic styles of sensitivity, validity
//! and signatures, the commit table (case history and audit trail), and
//! moving a selection by a key.

use dossier::audit::log::{LogEntry, SignatureStatus};
use dossier::case::Sensitivity;
use dossier::vault::keyring::Validity;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Clear, Paragraph, Row, Table, Wrap};
use ratatui::Frame;

use crate::tui::action::Action;
use crate::tui::shared::Shared;
use crate::tui::theme::{Role, Theme};

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
pub fn row_style(t: &Theme, selected: bool, normal: Style) -> Style {
    if selected {
        t.style(Role::Selection)
    } else {
        normal
    }
}

/// Paints the selection style over row `selected` of a table drawn in
/// `area` (one header line, rows from `offset` on), after the table: a
/// cell's own colour (a validity, a signature, a condition) then leaves no
/// hole in the highlight.
pub fn paint_selection(f: &mut Frame, t: &Theme, area: Rect, selected: usize, offset: usize) {
    let Some(row) = selected.checked_sub(offset) else {
        return;
    };
    let y = u32::from(area.y) + 1 + row as u32;
    if y >= u32::from(area.y) + u32::from(area.height) {
        return;
    }
    let line = Rect {
        x: area.x,
        y: y as u16,
        width: area.width,
        height: 1,
    };
    f.buffer_mut().set_style(line, t.style(Role::Selection));
}

/// The line a screen shows in `area` while its report is still being read:
/// ` Reading WHAT…`.
pub fn reading(f: &mut Frame, t: &Theme, area: Rect, what: &str) {
    f.render_widget(
        Paragraph::new(Line::styled(
            format!(" Reading {what}…"),
            t.style(Role::Muted),
        )),
        area,
    );
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

/// A table of commits (case history and the vault audit trail).
pub fn log_table(
    f: &mut Frame,
    ctx: &Shared,
    entries: &[LogEntry],
    selected: usize,
    offset: usize,
    area: Rect,
    with_case: bool,
) {
    let t = &ctx.theme;
    let height = area.height.saturating_sub(1) as usize;
    let rows: Vec<Row> = entries
        .iter()
        .enumerate()
        .skip(offset)
        .take(height)
        .map(|(i, e)| {
            let who = e
                .signer
                .or(e.actor)
                .map(|fp| ctx.info.name_of(&fp))
                .unwrap_or_else(|| "-".into());
            let mut cells = vec![
                Cell::from(e.time.format("%Y-%m-%d %H:%M").to_string()),
                Cell::from(e.commit.chars().take(8).collect::<String>()),
                Cell::from(e.action.clone().unwrap_or_else(|| "(not dossier)".into())),
            ];
            if with_case {
                cells.push(Cell::from(
                    e.case
                        .clone()
                        .or_else(|| e.key.as_ref().map(|k| k.chars().take(19).collect()))
                        .unwrap_or_default(),
                ));
            }
            cells.push(Cell::from(who));
            cells.push(Cell::from(Span::styled(
                e.signature.to_string(),
                signature_style(t, e.signature),
            )));
            let normal = if flagged(e.signature) {
                t.style(Role::Danger)
            } else {
                t.style(Role::Text)
            };
            Row::new(cells).style(row_style(t, i == selected, normal))
        })
        .collect();
    let mut widths = vec![
        Constraint::Length(16),
        Constraint::Length(8),
        Constraint::Length(13),
    ];
    let mut header = vec!["Time", "Commit", "Action"];
    if with_case {
        widths.push(Constraint::Length(19));
        header.push("Case / key");
    }
    widths.extend([Constraint::Min(10), Constraint::Length(19)]);
    header.extend(["By", "Signature"]);
    f.render_widget(
        Table::new(rows, widths)
            .header(Row::new(header).style(t.style(Role::Header)))
            .column_spacing(1),
        area,
    );
    if selected < entries.len() {
        paint_selection(f, t, area, selected, offset);
    }
}

/// A box centred over `main`, at most `width` wide, tall enough for `text`
/// word-wrapped, then a blank line and `keys`; the title and border in the
/// given style.
pub fn message_box(
    f: &mut Frame,
    t: &Theme,
    main: Rect,
    width: u16,
    (title, border): (&str, Style),
    text: &str,
    keys: Line,
) {
    let width = width.min(main.width);
    let inner = width.saturating_sub(4).max(1) as usize;
    let wrapped: usize = text.lines().map(|l| wrapped_lines(l, inner)).sum();
    // Text, blank line, keys and borders; `centered` clips it to `main`.
    let height = u16::try_from(wrapped).unwrap_or(u16::MAX).saturating_add(4);
    let area = centered(main, width, height);
    let mut lines: Vec<Line> = text
        .lines()
        .map(|l| Line::styled(l.to_string(), t.style(Role::Text)))
        .collect();
    lines.push(Line::default());
    lines.push(keys);
    f.render_widget(Clear, area);
    f.render_widget(
        Paragraph::new(lines).wrap(Wrap { trim: false }).block(
            Block::default()
                .borders(Borders::ALL)
                .border_style(border)
                .title(Span::styled(format!(" {title} "), border)),
        ),
        area,
    );
}

/// How many lines `text` takes when word-wrapped to `width` columns.
fn wrapped_lines(text: &str, width: usize) -> usize {
    let width = width.max(1);
    let (mut lines, mut used) = (1, 0);
    for word in text.split(' ') {
        let n = word.chars().count();
        let need = if used == 0 { n } else { used + 1 + n };
        if need <= width {
            used = need;
        } else {
            // A new line (unless the word starts one), then the word,
            // broken where it is longer than a line. An empty word (two
            // spaces in a row) counts as the space it stands for.
            if used > 0 {
                lines += 1;
            }
            lines += n.saturating_sub(1) / width;
            used = n.saturating_sub(1) % width + 1;
        }
    }
    lines
}

/// Moves a selection by an action within `n` rows.
pub fn step(cur: usize, n: usize, a: Action, page: usize) -> usize {
    if n == 0 {
        return 0;
    }
    let page = page.max(1);
    let last = n - 1;
    match a {
        Action::Up => cur.saturating_sub(1),
        Action::Down => (cur + 1).min(last),
        Action::PageUp => cur.saturating_sub(page),
        Action::PageDown => (cur + page).min(last),
        Action::Top => 0,
        Action::Bottom => last,
        _ => cur.min(last),
    }
}

#[cfg(test)]
mod tests {
    use super::wrapped_lines;

    #[test]
    fn wrapped_lines_counts_words_long_words_and_double_spaces() {
        assert_eq!(wrapped_lines("", 10), 1);
        assert_eq!(wrapped_lines("two words", 10), 1);
        assert_eq!(wrapped_lines("two words", 5), 2);
        assert_eq!(wrapped_lines("abcdefghij", 4), 3, "hard-broken");
        // A full line followed by two spaces once underflowed (a panic in
        // debug builds, a wrong height in release).
        assert_eq!(wrapped_lines("abcd  efgh", 4), 3);
    }
}
