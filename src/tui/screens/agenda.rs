//! The deadlines agenda (`4`, `:agenda [DAYS]`): every deadline not yet
//! done in the cases the user can read, overdue first, then by date up to
//! [`DEFAULT_WINDOW_DAYS`] (or `DAYS`) ahead, with the case (its pseudonym
//! when protected, never the client's name), what is due, and the case's
//! owners. How soon each is due is written in its own column (`OVERDUE`,
//! `TODAY`, `this week`, `later`), not shown by colour alone. `Enter` opens
//! the case; `Space` marks the deadline done (one signed commit) and the
//! agenda is read again. How many cases could not be read is said, never
//! what they hold.

use dossier::ops::agenda::{Agenda, AgendaRow, Bucket, DEFAULT_WINDOW_DAYS};
use ratatui::crossterm::event::KeyCode as K;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Row, Table};
use ratatui::Frame;

use crate::tui::action::{bind as b, Action, Action as A, Key, Keymap, Rest};
use crate::tui::component::{Effect, JobResult, Reload, Screen, Taken};
use crate::tui::data::{self, Change, ItemOp};
use crate::tui::jobs::{JobKind, JobOutput};
use crate::tui::shared::Shared;
use crate::tui::theme::Role;
use crate::tui::widgets::{row_style, scroll_window, step};

/// The agenda's keys.
pub const KEYS: Keymap = Keymap {
    title: "Agenda",
    bindings: &[
        b(Key::plain(K::Enter), A::Open, "open the deadline's case", true),
        b(Key::ch(' '), A::Toggle, "mark the deadline done", true),
    ],
    rest: Rest::Global,
};

/// The agenda screen.
#[derive(Debug, Default)]
pub struct AgendaScreen {
    /// The agenda, once read.
    pub agenda: Option<Agenda>,
    /// How many days ahead it looks (`:agenda DAYS`); the default when unset.
    pub days: Option<u32>,
    /// Selected row.
    pub selected: usize,
    /// First row on screen.
    pub offset: usize,
}

impl AgendaScreen {
    fn load(&self, ctx: &mut Shared) {
        let Some(session) = ctx.session.clone() else {
            return;
        };
        let root = ctx.jobs.vault_root.clone();
        let (today, days) = (ctx.today, self.days.unwrap_or(DEFAULT_WINDOW_DAYS));
        ctx.jobs.spawn(
            JobKind::Agenda,
            "reading the deadlines agenda",
            move |job| data::run_agenda(job, &root, &session, today, days),
        );
    }

    fn row(&self) -> Option<&AgendaRow> {
        self.agenda.as_ref().and_then(|a| a.rows.get(self.selected))
    }
}

/// The owners of a row by the names on their key cards (the short
/// fingerprint of a key the keyring does not have).
fn owners(row: &AgendaRow, ctx: &Shared) -> String {
    let names: Vec<String> = row
        .owners
        .iter()
        .map(|fp| {
            ctx.info
                .keys
                .iter()
                .find(|k| k.fingerprint == *fp)
                .map(|k| k.name.clone())
                .unwrap_or_else(|| fp.short())
        })
        .collect();
    names.join(", ")
}

impl Screen for AgendaScreen {
    fn keys(&self) -> &'static Keymap {
        &KEYS
    }

    fn update(&mut self, a: Action, ctx: &mut Shared) -> Vec<Effect> {
        let n = self.agenda.as_ref().map_or(0, |r| r.rows.len());
        match a {
            a if a.moves() => self.selected = step(self.selected, n, a, ctx.page),
            Action::Open => {
                if let Some(id) = self.row().map(|r| r.case.clone()) {
                    return vec![Effect::Open(id)];
                }
            }
            Action::Toggle => match self.row() {
                Some(row) => {
                    let op = ItemOp::Edit(row.deadline.clone(), vec!["done=true".into()]);
                    let change = Change::Item(row.case.clone(), "deadlines", op);
                    ctx.start_change(change);
                }
                None => ctx.error_msg("there is no deadline to mark done"),
            },
            // Esc stops the reading first; pressed again, it goes back.
            Action::Back => {
                if ctx.stop(&[JobKind::Agenda]).is_empty() {
                    return vec![Effect::Home];
                }
            }
            other => return vec![Effect::Global(other)],
        }
        Vec::new()
    }

    fn tab(&self) -> Option<Action> {
        Some(Action::ShowAgenda)
    }

    fn tab_name(&self) -> Option<&'static str> {
        Some("Agenda")
    }

    fn on_show(&mut self, ctx: &mut Shared) {
        if self.agenda.is_none() && !ctx.jobs.is_running(JobKind::Agenda) {
            self.load(ctx);
        }
    }

    fn command(&mut self, name: &str, arg: &str, ctx: &mut Shared) -> Option<Vec<Effect>> {
        if !matches!(name, "agenda" | "deadlines") {
            return None;
        }
        if !arg.is_empty() {
            match arg.parse::<u32>() {
                Ok(days) => self.days = Some(days),
                Err(_) => {
                    ctx.error_msg(format!(
                        "`:agenda {arg}`: give the number of days to look ahead, e.g. `:agenda 30`"
                    ));
                    return Some(Vec::new());
                }
            }
        }
        self.load(ctx);
        Some(vec![Effect::ShowCaller])
    }

    fn on_job(&mut self, kind: JobKind, result: JobResult, _ctx: &mut Shared) -> Taken {
        match (kind, result) {
            (JobKind::Agenda, Ok(JobOutput::Agenda(agenda))) => {
                // Keep the place: after a deadline is marked done, the
                // selection rests on the one that followed it.
                self.selected = self.selected.min(agenda.rows.len().saturating_sub(1));
                self.agenda = Some(*agenda);
                Taken::Yes(Vec::new())
            }
            (kind, result) => Taken::No(kind, result),
        }
    }

    fn reload(&mut self, _why: &Reload, active: bool, ctx: &mut Shared) {
        if active || self.agenda.is_some() {
            self.load(ctx);
        }
    }

    fn render(&mut self, f: &mut Frame, area: Rect, ctx: &Shared) {
        let t = &ctx.theme;
        let [head, body] =
            Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(area);
        let Some(agenda) = &self.agenda else {
            crate::tui::widgets::reading(f, t, head, "the deadlines agenda");
            return;
        };
        let (heading, until) = match agenda.until {
            Some(u) => (
                format!(
                    " Agenda to {u}: {} deadline(s), {} overdue",
                    agenda.rows.len(),
                    agenda.overdue()
                ),
                format!("due by {u}"),
            ),
            None => (
                format!(" Agenda: {} overdue deadline(s)", agenda.rows.len()),
                "overdue".to_string(),
            ),
        };
        let mut spans = vec![Span::styled(heading, t.style(Role::Header))];
        if agenda.unreadable > 0 {
            spans.push(Span::styled(
                format!("  {} unreadable case(s) left out", agenda.unreadable),
                t.style(Role::Muted),
            ));
        }
        f.render_widget(Paragraph::new(Line::from(spans)), head);
        if agenda.rows.is_empty() {
            f.render_widget(
                Paragraph::new(Line::styled(
                    format!(" Nothing overdue or {until} in the cases you can read."),
                    t.style(Role::Muted),
                )),
                body,
            );
            return;
        }
        let height = body.height.saturating_sub(1) as usize;
        let offset = scroll_window(self.selected, self.offset, height);
        self.offset = offset;
        let rows: Vec<Row> = agenda
            .rows
            .iter()
            .enumerate()
            .skip(offset)
            .take(height)
            .map(|(i, r)| {
                let normal = match r.bucket {
                    Bucket::Overdue => t.style(Role::Danger),
                    Bucket::Today => t.style(Role::Warning),
                    Bucket::ThisWeek | Bucket::Later => t.style(Role::Text),
                };
                Row::new(vec![
                    r.bucket.label().to_string(),
                    r.date.to_string(),
                    r.shown().to_string(),
                    r.what.clone(),
                    owners(r, ctx),
                ])
                .style(row_style(t, i == self.selected, normal))
            })
            .collect();
        let widths = [
            Constraint::Length(9),
            Constraint::Length(10),
            Constraint::Length(14),
            Constraint::Fill(2),
            Constraint::Fill(1),
        ];
        f.render_widget(
            Table::new(rows, widths)
                .header(
                    Row::new(["Due", "Date", "Case", "What", "Owners"])
                        .style(t.style(Role::Header)),
                )
                .column_spacing(1),
            body,
        );
    }
}
