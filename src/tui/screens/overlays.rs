//! Overlays drawn over the screen: help (from the key map), prompts (in
//! the hint bar, vim-style), confirmations, the note editor, forms, the
//! sync conflict view ([`super::conflicts`]) and message boxes.

use ratatui::layout::{Constraint, Layout, Position, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};
use ratatui::Frame;

use super::{centered, clip, scroll_window, titled_block};
use crate::tui::action;
use crate::tui::app::{App, Form, NoteEditor, Notice, Overlay};
use crate::tui::theme::Role;

/// Draws every overlay, bottom first.
pub fn render(f: &mut Frame, app: &mut App, main: Rect, hints: Rect) {
    let count = app.overlays.len();
    let mut conflict_offset = None;
    for i in 0..count {
        let top = i + 1 == count;
        // Split borrows: the overlay is drawn from a shared view of the app.
        let Some(o) = app.overlays.get(i) else {
            continue;
        };
        match o {
            Overlay::Help { scroll } => help(f, app, main, *scroll),
            Overlay::Prompt(p) => {
                let t = &app.theme;
                let label = format!(" {} ", p.label);
                let text = p.input.display();
                f.render_widget(Clear, hints);
                f.render_widget(
                    Paragraph::new(Line::from(vec![
                        Span::styled(label.clone(), t.style(Role::HintKey)),
                        Span::styled(text, t.style(Role::Input)),
                    ])),
                    hints,
                );
                if top {
                    let x = hints.x + (label.chars().count() + p.input.cursor()) as u16;
                    f.set_cursor_position(Position::new(
                        x.min(hints.right().saturating_sub(1)),
                        hints.y,
                    ));
                }
            }
            Overlay::Confirm(c) => {
                let t = &app.theme;
                let keys = Line::from(vec![
                    Span::styled("y", t.style(Role::HintKey)),
                    Span::styled(" yes   ", t.style(Role::HintText)),
                    Span::styled("n", t.style(Role::HintKey)),
                    Span::styled(" no", t.style(Role::HintText)),
                ]);
                let border = t.style(Role::Warning);
                message_box(f, app, main, 64, ("Confirm", border), &c.question, keys);
            }
            Overlay::Editor(e) => editor(f, app, e, main, top),
            Overlay::Form(form) => self::form(f, app, form, main, top),
            Overlay::Conflicts(v) => {
                conflict_offset = Some(super::conflicts::render(f, app, v, main));
            }
            Overlay::Notice(n) => notice(f, app, n, main),
        }
    }
    // Remember scroll windows for the next draw.
    let page = app.page;
    for o in &mut app.overlays {
        match o {
            Overlay::Editor(e) => {
                e.offset = scroll_window(e.area.cursor().0, e.offset, page.saturating_sub(1));
            }
            Overlay::Form(form) => {
                form.offset = scroll_window(form.selected, form.offset, form_rows(main));
            }
            Overlay::Conflicts(v) => {
                if let Some(offset) = conflict_offset {
                    v.offset = offset;
                }
            }
            _ => {}
        }
    }
}

fn help(f: &mut Frame, app: &App, main: Rect, scroll: u16) {
    let t = &app.theme;
    let area = centered(main, 76, main.height);
    let mut lines: Vec<Line> = Vec::new();
    for (mode, rows) in action::help_sections() {
        lines.push(Line::styled(
            mode.title().to_string(),
            t.style(Role::Header),
        ));
        for (keys, desc) in rows {
            lines.push(Line::from(vec![
                Span::styled(format!("  {keys:<22}"), t.style(Role::HintKey)),
                Span::styled(desc.to_string(), t.style(Role::Text)),
            ]));
        }
        lines.push(Line::default());
    }
    lines.push(Line::styled(
        "Commands after ':' — quit, cases, keyring, audit, open ID, search TEXT,",
        t.style(Role::Muted),
    ));
    lines.push(Line::styled(
        "filter TEXT, status S, sort COLUMN, theme NAME, new, sync [REMOTE], refresh, help",
        t.style(Role::Muted),
    ));
    let max = lines
        .len()
        .saturating_sub(area.height.saturating_sub(2) as usize) as u16;
    f.render_widget(Clear, area);
    f.render_widget(
        Paragraph::new(lines).scroll((scroll.min(max), 0)).block(
            Block::default()
                .borders(Borders::ALL)
                .border_style(t.style(Role::Border))
                .title(Span::styled(
                    " Keys (j/k scroll, Esc closes) ",
                    t.style(Role::Title),
                )),
        ),
        area,
    );
}

fn notice(f: &mut Frame, app: &App, n: &Notice, main: Rect) {
    let t = &app.theme;
    let border = if n.error {
        t.style(Role::Danger)
    } else {
        t.style(Role::Accent)
    };
    let keys = Line::from(vec![
        Span::styled("Esc", t.style(Role::HintKey)),
        Span::styled(" close", t.style(Role::HintText)),
    ]);
    message_box(f, app, main, 72, (&n.title, border), &n.text, keys);
}

/// A box centred over `main`, at most `width` wide, tall enough for `text`
/// word-wrapped, then a blank line and `keys`; the title and border in the
/// given style.
fn message_box(
    f: &mut Frame,
    app: &App,
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
        .map(|l| Line::styled(l.to_string(), app.theme.style(Role::Text)))
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

fn editor(f: &mut Frame, app: &App, e: &NoteEditor, main: Rect, top: bool) {
    let t = &app.theme;
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
    let (row, col) = e.area.cursor();
    let offset = scroll_window(row, e.offset, height);
    let lines: Vec<Line> = e
        .area
        .lines()
        .iter()
        .skip(offset)
        .take(height)
        .map(|l| Line::styled(l.clone(), t.style(Role::Text)))
        .collect();
    f.render_widget(Clear, main);
    f.render_widget(Paragraph::new(lines).block(block), main);
    if top && !e.saving {
        let x = inner.x + (col as u16).min(inner.width.saturating_sub(1));
        let y = inner.y + (row - offset) as u16;
        f.set_cursor_position(Position::new(x, y));
    }
}

fn form_rows(main: Rect) -> usize {
    // Border (2) and footer (2) around the fields.
    (main.height.saturating_sub(4) as usize).max(1)
}

fn form(f: &mut Frame, app: &App, form: &Form, main: Rect, top: bool) {
    let t = &app.theme;
    let width = 96.min(main.width);
    let rows = form_rows(main).min(form.fields.len());
    let area = centered(main, width, rows as u16 + 4);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(t.style(Role::Accent))
        .title(Span::styled(
            format!(" {} ", form.title),
            t.style(Role::Title),
        ));
    let inner = block.inner(area);
    f.render_widget(Clear, area);
    f.render_widget(block, area);
    let [body, foot] = Layout::vertical([Constraint::Min(1), Constraint::Length(2)]).areas(inner);
    let key_w = 24usize.min(inner.width as usize / 3);
    let offset = scroll_window(form.selected, form.offset, body.height as usize);
    let mut cursor = None;
    let lines: Vec<Line> = form
        .fields
        .iter()
        .enumerate()
        .skip(offset)
        .take(body.height as usize)
        .map(|(i, field)| {
            let selected = i == form.selected;
            let key_style = if field.error.is_some() {
                t.style(Role::Danger)
            } else if selected {
                t.style(Role::Selection)
            } else {
                t.style(Role::Muted)
            };
            let key = format!("{:<key_w$}", clip(field.key, key_w.saturating_sub(1)));
            let value_w = (inner.width as usize).saturating_sub(key_w + 1);
            match (&form.editing, selected) {
                (Some(input), true) => {
                    let text = input.display();
                    cursor = Some((
                        inner.x
                            + (key_w + 1 + input.cursor().min(value_w.saturating_sub(1))) as u16,
                        body.y + (i - offset) as u16,
                    ));
                    Line::from(vec![
                        Span::styled(key, key_style),
                        Span::raw(" "),
                        Span::styled(clip(&text, value_w), t.style(Role::Input)),
                    ])
                }
                _ => {
                    let value = field.value.display();
                    let (shown, style) = if value.is_empty() {
                        (format!("({})", field.hint), t.style(Role::Muted))
                    } else {
                        (value, t.style(Role::Text))
                    };
                    Line::from(vec![
                        Span::styled(key, key_style),
                        Span::raw(" "),
                        Span::styled(clip(&shown, value_w), style),
                    ])
                }
            }
        })
        .collect();
    f.render_widget(Paragraph::new(lines), body);
    let selected = form.fields.get(form.selected);
    let foot_lines = match selected.and_then(|s| s.error.as_ref()) {
        Some(e) => vec![Line::styled(
            clip(e, foot.width as usize),
            t.style(Role::Danger),
        )],
        None if form.saving => vec![Line::styled("Saving…", t.style(Role::Accent))],
        None if form.editing.is_some() => vec![Line::styled(
            format!(
                "Editing {} ({}): Enter accepts, Esc leaves it as it was",
                selected.map(|s| s.key).unwrap_or(""),
                selected.map(|s| s.hint.as_str()).unwrap_or("")
            ),
            t.style(Role::Muted),
        )],
        None => vec![Line::styled(
            "Enter edits the field · Ctrl-S saves · Esc cancels",
            t.style(Role::Muted),
        )],
    };
    f.render_widget(Paragraph::new(foot_lines).wrap(Wrap { trim: true }), foot);
    if top {
        if let Some((x, y)) = cursor {
            f.set_cursor_position(Position::new(x, y));
        }
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
