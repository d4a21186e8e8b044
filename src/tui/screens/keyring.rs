//! The keyring (gpg-tui-like): every key with its validity and role, and
//! the selected key's full fingerprint, grouped for reading aloud.

use dossier::error::{Error, Unchanged};
use dossier::vault::keyring::Validity;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row, Table};
use ratatui::Frame;

use crate::tui::action::{bind as b, Action, Action as A, Binding, Key, Keymap, Rest};
use crate::tui::component::{Effect, Screen};
use crate::tui::data::Change;
use crate::tui::overlays::confirm::{Confirm, OnYes};
use crate::tui::overlays::form::generate_form;
use crate::tui::overlays::prompt::{Prompt, PromptPurpose};
use crate::tui::shared::Shared;
use crate::tui::theme::Role;
use crate::tui::widgets::{row_style, scroll_window, step, validity_style};

/// The keyring's keys.
pub const KEYS: Keymap = Keymap {
    title: "Keyring",
    bindings: &[
        b(Key::ch('c'), A::KeyCertify, "certify", true),
        b(Key::ch('i'), A::KeyImport, "import", true),
        b(Key::ch('x'), A::KeyExport, "export", true),
        b(Key::ch('n'), A::KeyGenerate, "generate your identity", false),
        b(Key::ch('R'), A::KeyRevoke, "revoke selected key", false),
    ],
    rest: Rest::Global,
};

/// The keyring screen: which key is selected.
#[derive(Debug, Default)]
pub struct KeyringScreen {
    /// Selected row.
    pub selected: usize,
    /// First row on screen.
    pub offset: usize,
}

impl KeyringScreen {
    /// Keeps the selection on a key when the keyring shrank.
    fn clamp(&mut self, ctx: &Shared) {
        self.selected = self.selected.min(ctx.info.keys.len().saturating_sub(1));
    }
}

impl Screen for KeyringScreen {
    fn keys(&self) -> &'static Keymap {
        &KEYS
    }

    /// Certifying is offered to administrators only, and only for a key
    /// that is not certified yet; the rest to everyone.
    fn hint(&self, bd: &Binding, ctx: &Shared) -> Option<&'static str> {
        let admin = ctx.me().is_some_and(|me| ctx.info.is_admin(&me));
        let selected = ctx.info.keys.get(self.selected);
        match bd.action {
            Action::KeyCertify => (admin
                && selected.is_some_and(|k| k.validity == Validity::Uncertified))
            .then_some(bd.desc),
            _ => bd.hint.then_some(bd.desc),
        }
    }

    fn update(&mut self, a: Action, ctx: &mut Shared) -> Vec<Effect> {
        self.clamp(ctx);
        let n = ctx.info.keys.len();
        let selected = ctx.info.keys.get(self.selected).cloned();
        match a {
            a if a.moves() => {
                self.selected = step(self.selected, n, a, ctx.page);
            }
            Action::KeyCertify => match selected {
                Some(k) if k.validity == Validity::Certified => {
                    ctx.error_msg(Error::from(Unchanged::Certified { key: k.name.clone() }).to_string());
                }
                Some(k) => return vec![Confirm::ask(
                    format!(
                        "Certify {} <{}>?\nOnly if you compared this fingerprint with them in person or by phone:\n{}",
                        k.name,
                        k.email,
                        k.fingerprint.grouped()
                    ),
                    OnYes::Change(Change::Certify(k.fingerprint)),
                )],
                None => {}
            },
            Action::KeyImport => {
                return vec![Prompt::open(PromptPurpose::ImportCard, "import card from file", "")]
            }
            Action::KeyExport => {
                if let Some(k) = selected {
                    let name = format!("{}.card.yaml", k.name.to_lowercase().replace(' ', "-"));
                    return vec![Prompt::open(PromptPurpose::ExportCard(k.fingerprint), "write card to", &name)];
                }
            }
            Action::KeyGenerate => match &ctx.identity {
                Some(id) => ctx.error_msg(format!(
                    "you already have an identity ({}); dossier keeps one per identity directory",
                    id.fingerprint().short()
                )),
                None => return vec![Effect::Push(Box::new(generate_form()))],
            },
            Action::KeyRevoke => match selected {
                Some(k) if k.validity == Validity::Revoked => {
                    ctx.error_msg(Error::from(Unchanged::Revoked { key: k.name.clone() }).to_string());
                }
                Some(k) => return vec![Confirm::ask(
                    format!(
                        "Revoke the key of {} <{}>?\n{}\nThey leave every case and group; the cases you can read are re-encrypted without them. This cannot be undone.",
                        k.name,
                        k.email,
                        k.fingerprint.grouped()
                    ),
                    OnYes::Change(Change::RevokeKey(k.fingerprint)),
                )],
                None => {}
            },
            Action::Back => return vec![Effect::Home],
            other => return vec![Effect::Global(other)],
        }
        Vec::new()
    }

    fn tab(&self) -> Option<Action> {
        Some(Action::ShowKeyring)
    }

    fn tab_name(&self) -> Option<&'static str> {
        Some("Keyring")
    }

    fn command(&mut self, name: &str, _arg: &str, ctx: &mut Shared) -> Option<Vec<Effect>> {
        (name == "revoke").then(|| self.update(Action::KeyRevoke, ctx))
    }

    fn render(&mut self, f: &mut Frame, area: Rect, ctx: &Shared) {
        let t = &ctx.theme;
        self.clamp(ctx);
        let [head, table, detail] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Min(3),
            Constraint::Length(7),
        ])
        .areas(area);
        f.render_widget(
            Paragraph::new(Line::styled(
                format!(" Keyring: {} key(s)", ctx.info.keys.len()),
                t.style(Role::Header),
            )),
            head,
        );
        let height = table.height.saturating_sub(1) as usize;
        let selected = self.selected;
        let offset = scroll_window(selected, self.offset, height);
        let rows: Vec<Row> = ctx
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
                .style(row_style(t, i == selected, t.style(Role::Text)))
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
        if selected < ctx.info.keys.len() {
            crate::tui::widgets::paint_selection(f, t, table, selected, offset);
        }
        let block = Block::default()
            .borders(Borders::TOP)
            .border_style(t.style(Role::Border));
        let lines: Vec<Line> = match ctx.info.keys.get(selected) {
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
                            .map(|c| format!("{} {}", ctx.info.name_of(&c), c.short()))
                            .unwrap_or_else(|| "nobody (not trusted for encryption)".into()),
                    ),
                ]
            }
            None => vec![Line::styled(" The keyring is empty.", t.style(Role::Muted))],
        };
        f.render_widget(Paragraph::new(lines).block(block), detail);
        self.offset = offset;
    }
}
