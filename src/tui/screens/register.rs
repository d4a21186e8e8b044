//! The disclosure register (`:disclosures`): every disclosure recorded in
//! the cases the user can read, newest first, with basis, recipient, scope
//! and who authorised it; protected cases show their pseudonym. How many
//! cases could not be read is said, never what they hold.

use dossier::ops::disclose::Register;
use ratatui::crossterm::event::KeyCode as K;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Row, Table};
use ratatui::Frame;

use crate::tui::action::{bind as b, Action, Action as A, Key, Keymap, Rest};
use crate::tui::component::{Effect, JobResult, Reload, Screen, Taken};
use crate::tui::data;
use crate::tui::jobs::{JobKind, JobOutput};
use crate::tui::shared::Shared;
use crate::tui::theme::Role;
use crate::tui::screens::report;
use crate::tui::widgets::{row_style, scroll_window};

/// The register's keys.
pub const KEYS: Keymap = Keymap {
    title: "Disclosure register",
    bindings: &[b(
        Key::plain(K::Enter),
        A::Open,
        "open the disclosure's case",
        true,
    )],
    rest: Rest::Global,
};

/// The register screen.
#[derive(Debug, Default)]
pub struct RegisterScreen {
    /// The register, once read.
    pub register: Option<Register>,
    /// Selected row.
    pub selected: usize,
    /// First row on screen.
    pub offset: usize,
}

fn load(ctx: &mut Shared) {
    report::load(
        ctx,
        JobKind::Register,
        "reading the disclosure register",
        data::run_register,
    );
}

impl Screen for RegisterScreen {
    fn keys(&self) -> &'static Keymap {
        &KEYS
    }

    fn update(&mut self, a: Action, ctx: &mut Shared) -> Vec<Effect> {
        let register = &self.register;
        let n = register.as_ref().map_or(0, |r| r.rows.len());
        report::update(a, ctx, JobKind::Register, n, &mut self.selected, |i| {
            register.as_ref()?.rows.get(i).map(|row| row.case.clone())
        })
    }

    fn command(&mut self, name: &str, _arg: &str, ctx: &mut Shared) -> Option<Vec<Effect>> {
        matches!(name, "disclosures" | "register").then(|| {
            load(ctx);
            vec![Effect::ShowCaller]
        })
    }

    fn on_job(&mut self, kind: JobKind, result: JobResult, _ctx: &mut Shared) -> Taken {
        match (kind, result) {
            (JobKind::Register, Ok(JobOutput::Register(register))) => {
                self.register = Some(*register);
                self.selected = 0;
                Taken::Yes(Vec::new())
            }
            (kind, result) => Taken::No(kind, result),
        }
    }

    fn reload(&mut self, _why: &Reload, active: bool, ctx: &mut Shared) {
        if active || self.register.is_some() {
            load(ctx);
        }
    }

    fn render(&mut self, f: &mut Frame, area: Rect, ctx: &Shared) {
        let t = &ctx.theme;
        let [head, body] =
            Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(area);
        let Some(register) = &self.register else {
            crate::tui::widgets::reading(f, t, head, "the disclosure register");
            return;
        };
        let mut spans = vec![Span::styled(
            format!(" Disclosure register: {} disclosure(s)", register.rows.len()),
            t.style(Role::Header),
        )];
        if register.unreadable > 0 {
            spans.push(Span::styled(
                format!(
                    "  {} case(s) you cannot read are not in it",
                    register.unreadable
                ),
                t.style(Role::Muted),
            ));
        }
        f.render_widget(Paragraph::new(Line::from(spans)), head);
        let height = body.height.saturating_sub(1) as usize;
        let offset = scroll_window(self.selected, self.offset, height);
        self.offset = offset;
        let rows: Vec<Row> = register
            .rows
            .iter()
            .enumerate()
            .skip(offset)
            .take(height)
            .map(|(i, r)| {
                let case = r.pseudonym.clone().unwrap_or_else(|| r.reference.clone());
                Row::new(vec![
                    r.date.to_string(),
                    case,
                    r.basis.clone(),
                    r.to.chars().take(24).collect(),
                    r.scope.clone(),
                    r.authorised_by.split(" <").next().unwrap_or_default().to_string(),
                ])
                .style(row_style(t, i == self.selected, t.style(Role::Text)))
            })
            .collect();
        let widths = [
            Constraint::Length(10),
            Constraint::Length(16),
            Constraint::Length(16),
            Constraint::Length(24),
            Constraint::Min(12),
            Constraint::Length(16),
        ];
        f.render_widget(
            Table::new(rows, widths)
                .header(
                    Row::new(["Date", "Case", "Basis", "To", "Scope", "Authorised by"])
                        .style(t.style(Role::Header)),
                )
                .column_spacing(1),
            body,
        );
    }
}
