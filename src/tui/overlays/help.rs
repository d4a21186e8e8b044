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
}

impl Help {
    /// Help listing `sections`, scrolled to the top.
    pub fn new(sections: Sections) -> Help {
        Help {
            scroll: 0,
            sections,
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
            Action::Down => self.scroll = self.scroll.saturating_add(1),
            Action::Up => self.scroll = self.scroll.saturating_sub(1),
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
            Paragraph::new(lines)
                .scroll((self.scroll.min(max), 0))
                .block(
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
}
