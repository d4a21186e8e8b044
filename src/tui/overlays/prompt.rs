//! A one-line prompt in the hint bar, vim-style: the case list's filter,
//! the `:` command line, and the paths and names a change needs. What the
//! answer is for ([`PromptPurpose`]) decides what Enter does.

use std::path::PathBuf;

use dossier::case::CaseId;
use dossier::keys::fingerprint::Fingerprint;
use ratatui::crossterm::event::KeyCode as K;
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};
use ratatui::Frame;

use crate::tui::action::{bind as b, Action, Action as A, Key, Keymap, Rest};
use crate::tui::component::{Effect, FilterEdit, Overlay};
use crate::tui::data::Change;
use crate::tui::shared::Shared;
use crate::tui::text::TextInput;
use crate::tui::theme::Role;

/// The prompt's keys (forms use them too while a field is being edited).
pub const KEYS: Keymap = Keymap {
    title: "Prompts",
    bindings: &[
        b(Key::plain(K::Enter), A::Submit, "accept", true),
        b(Key::plain(K::Esc), A::Back, "cancel", true),
        b(
            Key::plain(K::Backspace),
            A::DeleteBack,
            "delete back",
            false,
        ),
        b(Key::plain(K::Delete), A::DeleteForward, "delete", false),
        b(Key::plain(K::Left), A::Left, "cursor left", false),
        b(Key::plain(K::Right), A::Right, "cursor right", false),
        b(Key::plain(K::Home), A::LineStart, "start of line", false),
        b(Key::ctrl('a'), A::LineStart, "start of line", false),
        b(Key::plain(K::End), A::LineEnd, "end of line", false),
        b(Key::ctrl('e'), A::LineEnd, "end of line", false),
        b(Key::ctrl('u'), A::ClearLine, "clear the line", false),
    ],
    rest: Rest::Text,
};

/// What a prompt's answer is for.
#[derive(Debug, Clone)]
pub enum PromptPurpose {
    /// Instant filter over what the list shows (Enter keeps it, Esc
    /// restores the one before).
    Filter,
    /// Full-text search of every record and note.
    Search,
    /// `:` command.
    Command,
    /// Attach a file to a case.
    Attach(CaseId),
    /// Export a document of a case (doc id).
    ExportDocument(CaseId, String),
    /// Import a key card.
    ImportCard,
    /// Export a key card.
    ExportCard(Fingerprint),
    /// Names to check for conflicts of interest (`;` between names).
    ConflictCheck,
}

/// A one-line prompt.
#[derive(Debug)]
pub struct Prompt {
    /// What for.
    pub purpose: PromptPurpose,
    /// Label before the input.
    pub label: String,
    /// The input.
    pub input: TextInput,
}

impl Prompt {
    /// A prompt for `purpose` labelled `label`, holding `initial`.
    pub fn new(purpose: PromptPurpose, label: &str, initial: &str) -> Prompt {
        Prompt {
            purpose,
            label: label.to_string(),
            input: TextInput::with(initial),
        }
    }

    /// The same, as an effect that opens it.
    pub fn open(purpose: PromptPurpose, label: &str, initial: &str) -> Effect {
        Effect::Push(Box::new(Prompt::new(purpose, label, initial)))
    }

    fn submit(&mut self, ctx: &mut Shared) -> Vec<Effect> {
        let value = self.input.value().trim().to_string();
        let mut effects = vec![Effect::Close];
        match self.purpose.clone() {
            PromptPurpose::Filter => effects.push(Effect::Filter(FilterEdit::Kept)),
            PromptPurpose::Search => effects.push(Effect::Filter(FilterEdit::Search(value))),
            PromptPurpose::Command => effects.push(Effect::Command(value)),
            _ if value.is_empty() => {
                ctx.error_msg("nothing was entered; nothing was done");
            }
            PromptPurpose::Attach(id) => {
                ctx.start_change(Change::Attach(id, expand_path(&value)));
            }
            PromptPurpose::ExportDocument(id, doc) => {
                ctx.start_change(Change::Export(id, doc, expand_path(&value)));
            }
            PromptPurpose::ImportCard => {
                ctx.start_change(Change::ImportCard(expand_path(&value)));
            }
            PromptPurpose::ExportCard(fp) => {
                ctx.start_change(Change::ExportCard(fp, expand_path(&value)));
            }
            PromptPurpose::ConflictCheck => ctx.start_conflict_check(
                value
                    .split(';')
                    .map(str::trim)
                    .filter(|n| !n.is_empty())
                    .map(String::from)
                    .collect(),
            ),
        }
        self.input.clear();
        effects
    }
}

impl Overlay for Prompt {
    fn keys(&self) -> &'static Keymap {
        &KEYS
    }

    fn update(&mut self, a: Action, ctx: &mut Shared) -> Vec<Effect> {
        let filter = matches!(self.purpose, PromptPurpose::Filter);
        let search = matches!(self.purpose, PromptPurpose::Search);
        match a {
            Action::Back if filter => vec![Effect::Close, Effect::Filter(FilterEdit::Cancelled)],
            Action::Back if search => {
                vec![Effect::Close, Effect::Filter(FilterEdit::SearchCancelled)]
            }
            Action::Back => vec![Effect::Close],
            Action::Submit => self.submit(ctx),
            other => {
                self.input.edit(other);
                let text = self.input.value().to_string();
                if filter {
                    vec![Effect::Filter(FilterEdit::Typed(text))]
                } else if search {
                    vec![Effect::Filter(FilterEdit::SearchTyped(text))]
                } else {
                    Vec::new()
                }
            }
        }
    }

    fn render(&mut self, f: &mut Frame, _main: Rect, hints: Rect, top: bool, ctx: &Shared) {
        let t = &ctx.theme;
        let label = format!(" {} ", self.label);
        let room = (hints.width as usize).saturating_sub(label.chars().count());
        let (text, at) = self.input.view(room);
        f.render_widget(Clear, hints);
        f.render_widget(
            Paragraph::new(Line::from(vec![
                Span::styled(label.clone(), t.style(Role::HintKey)),
                Span::styled(text, t.style(Role::Input)),
            ])),
            hints,
        );
        if top {
            let x = hints.x + (label.chars().count() + at) as u16;
            f.set_cursor_position(Position::new(
                x.min(hints.right().saturating_sub(1)),
                hints.y,
            ));
        }
    }
}

/// A path as typed, with `~/` meaning the home directory.
pub fn expand_path(s: &str) -> PathBuf {
    if let Some(rest) = s.strip_prefix("~/") {
        if let Some(home) = std::env::var_os("HOME") {
            return PathBuf::from(home).join(rest);
        }
    }
    PathBuf::from(s)
}
