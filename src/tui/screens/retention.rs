//! Retention (`:retention`): the cases the user can read that are at or
//! past their retention date, longest past first, with the closed cases
//! that have no date; protected cases show their pseudonym. Destruction
//! itself is `dossier destroy` (an administrator, on the command line).

use dossier::ops::retention::Due;
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
    title: "Retention",
    bindings: &[b(Key::plain(K::Enter), A::Open, "open the case", true)],
    rest: Rest::Global,
};

/// The retention screen.
#[derive(Debug, Default)]
pub struct RetentionScreen {
    /// The report, once read.
    pub report: Option<Due>,
    /// Selected row.
    pub selected: usize,
    /// First row on screen.
    pub offset: usize,
}

fn load(ctx: &mut Shared) {
    let today = ctx.today;
    report::load(ctx, JobKind::Retention, "reading retention dates", move |root, session| {
        data::run_retention(root, session, today)
    });
}

impl Screen for RetentionScreen {
    fn keys(&self) -> &'static Keymap {
        &KEYS
    }

    fn update(&mut self, a: Action, ctx: &mut Shared) -> Vec<Effect> {
        let report = &self.report;
        let n = report.as_ref().map_or(0, |r| r.rows.len());
        report::update(a, ctx, JobKind::Retention, n, &mut self.selected, |i| {
            report.as_ref()?.rows.get(i).map(|row| row.case.clone())
        })
    }

    fn command(&mut self, name: &str, _arg: &str, ctx: &mut Shared) -> Option<Vec<Effect>> {
        (name == "retention").then(|| {
            load(ctx);
            vec![Effect::ShowCaller]
        })
    }

    fn on_job(&mut self, kind: JobKind, result: JobResult, _ctx: &mut Shared) -> Taken {
        match (kind, result) {
            (JobKind::Retention, Ok(JobOutput::Retention(report))) => {
                self.report = Some(*report);
                self.selected = 0;
                Taken::Yes(Vec::new())
            }
            (kind, result) => Taken::No(kind, result),
        }
    }

    fn reload(&mut self, _why: &Reload, active: bool, ctx: &mut Shared) {
        if active || self.report.is_some() {
            load(ctx);
        }
    }

    fn render(&mut self, f: &mut Frame, area: Rect, ctx: &Shared) {
        let t = &ctx.theme;
        let [head, body] =
            Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(area);
        let Some(report) = &self.report else {
            crate::tui::widgets::reading(f, t, head, "retention dates");
            return;
        };
        let mut spans = vec![Span::styled(
            format!(
                " Retention: {} case(s) at or past their date",
                report.rows.len()
            ),
            t.style(Role::Header),
        )];
        if !report.undated_closed.is_empty() {
            spans.push(Span::styled(
                format!(
                    "  {} closed case(s) have no date",
                    report.undated_closed.len()
                ),
                t.style(Role::Warning),
            ));
        }
        if report.unreadable > 0 {
            spans.push(Span::styled(
                format!("  {} case(s) you cannot read are not in it", report.unreadable),
                t.style(Role::Muted),
            ));
        }
        f.render_widget(Paragraph::new(Line::from(spans)), head);
        let height = body.height.saturating_sub(1) as usize;
        let offset = scroll_window(self.selected, self.offset, height);
        self.offset = offset;
        let rows: Vec<Row> = report
            .rows
            .iter()
            .enumerate()
            .skip(offset)
            .take(height)
            .map(|(i, r)| {
                let case = r.pseudonym.clone().unwrap_or_else(|| r.reference.clone());
                let past = match r.days_past {
                    0 => "DUE TODAY".to_string(),
                    n => format!("PAST {n} day(s)"),
                };
                Row::new(vec![
                    r.case.to_string(),
                    case,
                    r.retention_until.to_string(),
                    past,
                    r.status.to_string(),
                    r.practice_area.clone().unwrap_or_default(),
                ])
                .style(row_style(t, i == self.selected, t.style(Role::Text)))
            })
            .collect();
        let widths = [
            Constraint::Length(10),
            Constraint::Length(18),
            Constraint::Length(11),
            Constraint::Length(16),
            Constraint::Length(9),
            Constraint::Min(8),
        ];
        f.render_widget(
            Table::new(rows, widths)
                .header(
                    Row::new(["Case", "Reference", "Until", "Retention", "Status", "Area"])
                        .style(t.style(Role::Header)),
                )
                .column_spacing(1),
            body,
        );
    }
}
