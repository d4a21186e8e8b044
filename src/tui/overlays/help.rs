//! The `?` help: every key of every table, section by section, then the
//! `:` commands. The sections are built by the app from the same tables
//! that drive the keys and the hint bar, so help can never disagree.

use ratatui::crossterm::event::KeyCode as K;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};
use ratatui::Frame;

use crate::tui::action::{bind as b, Action, Action as A, Key, Keymap, Rest};
use crate::tui::component::{Effect, Overlay};
use crate::tui::shared::Shared;
use crate::tui::theme::Role;
use crate::tui::widgets::centered;

/// The help screen's keys.
pub const KEYS: Keymap = Keymap {
    title: "Help",
    bindings: &[
        b(Key::plain(K::Esc), A::Back, "close help", true),
        b(Key::ch('q'), A::Back, "close help", false),
        b(Key::ch('?'), A::Back, "close help", false),
        b(Key::ch('j'), A::Down, "scroll down", false),
        b(Key::plain(K::Down), A::Down, "scroll down", false),
        b(Key::ch('k'), A::Up, "scroll up", false),
        b(Key::plain(K::Up), A::Up, "scroll up", false),
        b(Key::plain(K::PageDown), A::PageDown, "page down", false),
        b(Key::ctrl('d'), A::PageDown, "page down", false),
        b(Key::plain(K::PageUp), A::PageUp, "page up", false),
        b(Key::ctrl('u'), A::PageUp, "page up", false),
        b(Key::ch('g'), A::Top, "top", false),
        b(Key::plain(K::Home), A::Top, "top", false),
        b(Key::ch('G'), A::Bottom, "end", false),
        b(Key::plain(K::End), A::Bottom, "end", false),
    ],
    rest: Rest::Nothing,
};

/// Help sections: a title, then (keys, description) rows.
pub type Sections = Vec<(&'static str, Vec<(String, &'static str)>)>;

/// The key map.
#[derive(Debug)]
pub struct Help {
    /// Scroll position.
    pub scroll: u16,
    sections: Sections,
    commands: &'static [&'static str],
    /// The lines below the box at the last draw (the most it can scroll).
    max: u16,
    /// Lines in the box at the last draw (a page).
    page: u16,
}

impl Help {
    /// Help listing `sections` and the `:` `commands`, opened at the
    /// section titled `at` (the current screen's).
    pub fn new(sections: Sections, commands: &'static [&'static str], at: &str) -> Help {
        let mut line = 0u16;
        let mut scroll = 0u16;
        for (title, rows) in &sections {
            if *title == at {
                scroll = line;
                break;
            }
            line = line.saturating_add(rows.len() as u16 + 2);
        }
        Help {
            scroll,
            sections,
            commands,
            max: u16::MAX,
            page: 10,
        }
    }
}

impl Overlay for Help {
    fn keys(&self) -> &'static Keymap {
        &KEYS
    }

    fn update(&mut self, a: Action, _ctx: &mut Shared) -> Vec<Effect> {
        match a {
            Action::Back => return vec![Effect::Close],
            Action::Down => self.scroll = self.scroll.saturating_add(1).min(self.max),
            Action::Up => self.scroll = self.scroll.saturating_sub(1),
            Action::PageDown => self.scroll = self.scroll.saturating_add(self.page).min(self.max),
            Action::PageUp => self.scroll = self.scroll.saturating_sub(self.page),
            Action::Top => self.scroll = 0,
            Action::Bottom => self.scroll = self.max,
            _ => {}
        }
        Vec::new()
    }

    fn render(&mut self, f: &mut Frame, main: Rect, _hints: Rect, _top: bool, ctx: &Shared) {
        let t = &ctx.theme;
        let area = centered(main, 76, main.height);
        let mut lines: Vec<Line> = Vec::new();
        for (title, rows) in &self.sections {
            lines.push(Line::styled(title.to_string(), t.style(Role::Header)));
            for (keys, desc) in rows {
                lines.push(Line::from(vec![
                    Span::styled(format!("  {keys:<22}"), t.style(Role::HintKey)),
                    Span::styled(desc.to_string(), t.style(Role::Text)),
                ]));
            }
            lines.push(Line::default());
        }
        // The commands, wrapped here so every line counts for the scroll.
        let width = area.width.saturating_sub(2) as usize;
        let mut line = String::from("Commands after ':' —");
        for (i, cmd) in self.commands.iter().enumerate() {
            let sep = if i + 1 < self.commands.len() { "," } else { "" };
            let word = format!(" {cmd}{sep}");
            if line.chars().count() + word.chars().count() > width && !line.is_empty() {
                lines.push(Line::styled(line.clone(), t.style(Role::Muted)));
                line = String::from(" ");
            }
            line.push_str(&word);
        }
        lines.push(Line::styled(line, t.style(Role::Muted)));
        let inner = area.height.saturating_sub(2);
        let max = lines.len().saturating_sub(inner as usize) as u16;
        self.max = max;
        self.page = inner.max(1);
        self.scroll = self.scroll.min(max);
        f.render_widget(Clear, area);
        f.render_widget(
            Paragraph::new(lines)
                .scroll((self.scroll.min(max), 0))
                .block(
                    Block::default()
                        .borders(Borders::ALL)
                        .border_style(t.style(Role::Border))
                        .title(Span::styled(
                            " Keys (j/k, PgDn/PgUp, g/G scroll; Esc closes) ",
                            t.style(Role::Title),
                        )),
                ),
            area,
        );
    }
}
