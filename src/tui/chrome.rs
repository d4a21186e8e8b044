//! The frame around the screens: the title bar with the screen tabs, the
//! status bar (vault, identity, jobs, git state) and the hint bar (the
//! message, else the keys of whatever has the keyboard).

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use crate::tui::action::{self, Keymap};
use crate::tui::component::Screen;
use crate::tui::screens::{ScreenId, Screens};
use crate::tui::shared::Shared;
use crate::tui::theme::Role;
use crate::tui::widgets::clip;

const SPINNER: [&str; 8] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧"];

/// One title-bar tab: its key, its name, and whether it is lit.
pub struct TitleTab {
    /// The key that shows it.
    pub key: String,
    /// Its name.
    pub name: &'static str,
    /// Whether the current screen is (under) it.
    pub active: bool,
}

/// The title-bar tabs: every screen that has one, in table order, lit when
/// `current` is (under) it, with the global key that shows it.
pub fn tabs(screens: &Screens, current: ScreenId) -> Vec<TitleTab> {
    let lit = screens.get(current).tab();
    ScreenId::ALL
        .iter()
        .filter_map(|id| {
            let s = screens.get(*id);
            let (name, shows) = (s.tab_name()?, s.tab()?);
            let key = action::GLOBAL
                .bindings
                .iter()
                .find(|bd| bd.action == shows)?
                .key
                .label();
            Some(TitleTab {
                key,
                name,
                active: lit == Some(shows),
            })
        })
        .collect()
}

/// The title bar: the app's name, then (once unlocked) the screen tabs.
pub fn title_bar(f: &mut Frame, ctx: &Shared, tabs: &[TitleTab], area: Rect) {
    let t = &ctx.theme;
    let mut spans = vec![Span::styled(" dossier ", t.style(Role::Title))];
    if ctx.session.is_some() {
        for TitleTab { key, name, active } in tabs {
            let active = *active;
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

/// The status bar: vault, identity, running jobs, git state.
pub fn status_bar(f: &mut Frame, ctx: &Shared, area: Rect) {
    let t = &ctx.theme;
    let bar = t.style(Role::StatusBar);
    let mut left = String::from(" ");
    if !ctx.info.name.is_empty() {
        left.push_str(&ctx.info.name);
        left.push_str(" │ ");
    }
    match &ctx.identity {
        Some(id) => {
            left.push_str(&id.card().name);
            left.push(' ');
            left.push_str(&id.fingerprint().short());
            if ctx.session.is_none() {
                left.push_str(" (locked)");
            }
        }
        None => left.push_str("no identity"),
    }
    let mut right: Vec<String> = Vec::new();
    let labels = ctx.jobs.labels();
    if !labels.is_empty() {
        let spin = SPINNER[ctx.spinner % SPINNER.len()];
        let mut label = labels.join(", ");
        if ctx.cases.loading {
            if let Some(total) = ctx.cases.total {
                label = format!(
                    "decrypting cases {}/{total}",
                    ctx.cases.rows.len().min(total)
                );
            }
        }
        right.push(format!("{spin} {label}"));
    }
    let s = &ctx.status;
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

/// The hint bar: the message, else the hinted keys of `keys`.
pub fn hint_bar(
    f: &mut Frame,
    ctx: &Shared,
    keys: &Keymap,
    screen: Option<&dyn Screen>,
    area: Rect,
) {
    let t = &ctx.theme;
    if let Some(m) = &ctx.message {
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
    let hinted = match screen {
        Some(s) => action::hints_by(keys, |bd| s.hint(bd, ctx)),
        None => action::hints(keys),
    };
    for (key, desc) in hinted {
        spans.push(Span::styled(key, t.style(Role::HintKey)));
        spans.push(Span::styled(format!(" {desc}  "), t.style(Role::HintText)));
    }
    f.render_widget(Paragraph::new(Line::from(spans)), area);
}
