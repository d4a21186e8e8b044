//! The access review (`:access-review`): what to look at again first
//! (old grants, cases never opened, busy days, openings outside a group's
//! practice areas), then every grant, by person: the case, how (owner,
//! reader, @group), since when, last opened. Enter opens the case of the
//! selected row.

use dossier::ops::access_review::{Flag, Review, Through};
use dossier::case::CaseId;
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

/// The review's keys.
pub const KEYS: Keymap = Keymap {
    title: "Access review",
    bindings: &[b(Key::plain(K::Enter), A::Open, "open the case", true)],
    rest: Rest::Global,
};

/// The access-review screen.
#[derive(Debug, Default)]
pub struct AccessReviewScreen {
    /// The review, once read.
    pub review: Option<Review>,
    /// Selected row (flags first, then grants).
    pub selected: usize,
    /// First row on screen.
    pub offset: usize,
}

fn load(ctx: &mut Shared) {
    report::load(
        ctx,
        JobKind::AccessReview,
        "reading the access review",
        data::run_access_review,
    );
}

/// The case of row `i`: flags first, then grants (a busy day has none).
fn case_at(review: &Review, i: usize) -> Option<CaseId> {
    match review.flags.get(i) {
        Some(Flag::OldGrant { case, .. })
        | Some(Flag::NeverOpened { case, .. })
        | Some(Flag::OutsideAreas { case, .. }) => Some(case.clone()),
        Some(Flag::BusyDay { .. }) => None,
        None => review
            .grants
            .get(i - review.flags.len())
            .map(|g| g.case.clone()),
    }
}

/// One row: what it says, and whether it is a flag.
fn rows(review: &Review, ctx: &Shared) -> Vec<(Vec<String>, bool)> {
    let name = |fp| ctx.info.name_of(fp);
    let mut out = Vec::new();
    for f in &review.flags {
        let (what, who, case, detail) = match f {
            Flag::OldGrant { case, person, days } => (
                "OLD GRANT",
                name(person),
                Some(case.clone()),
                format!("{days} day(s)"),
            ),
            Flag::NeverOpened { case, person } => (
                "NEVER OPENED",
                name(person),
                Some(case.clone()),
                String::new(),
            ),
            Flag::BusyDay {
                person,
                day,
                opened,
                usual,
            } => (
                "BUSY DAY",
                name(person),
                None,
                format!("{opened} opened on {day}; usually {usual:.1}"),
            ),
            Flag::OutsideAreas { person, case, area } => (
                "OUTSIDE AREAS",
                name(person),
                Some(case.clone()),
                area.clone(),
            ),
        };
        let shown = case.as_ref().map(ToString::to_string).unwrap_or_default();
        out.push((vec![what.to_string(), who, shown, detail], true));
    }
    for g in &review.grants {
        let through = match (g.through, &g.group) {
            (Through::Owner, _) => "owner".to_string(),
            (Through::Group, Some(group)) => format!("@{group}"),
            _ => "reader".to_string(),
        };
        let opened = g
            .last_opened
            .map(|t| format!("last opened {}", t.format("%Y-%m-%d")))
            .unwrap_or_default();
        out.push((
            vec![
                through,
                g.name.clone(),
                g.case.to_string(),
                format!("since {}  {opened}", g.since.format("%Y-%m-%d")),
            ],
            false,
        ));
    }
    out
}

impl Screen for AccessReviewScreen {
    fn keys(&self) -> &'static Keymap {
        &KEYS
    }

    fn update(&mut self, a: Action, ctx: &mut Shared) -> Vec<Effect> {
        let review = &self.review;
        let n = review.as_ref().map_or(0, |r| r.flags.len() + r.grants.len());
        report::update(a, ctx, JobKind::AccessReview, n, &mut self.selected, |i| {
            case_at(review.as_ref()?, i)
        })
    }

    fn command(&mut self, name: &str, _arg: &str, ctx: &mut Shared) -> Option<Vec<Effect>> {
        matches!(name, "access-review" | "review").then(|| {
            load(ctx);
            vec![Effect::ShowCaller]
        })
    }

    fn on_job(&mut self, kind: JobKind, result: JobResult, _ctx: &mut Shared) -> Taken {
        match (kind, result) {
            (JobKind::AccessReview, Ok(JobOutput::AccessReview(review))) => {
                self.review = Some(*review);
                self.selected = 0;
                Taken::Yes(Vec::new())
            }
            (kind, result) => Taken::No(kind, result),
        }
    }

    fn reload(&mut self, _why: &Reload, active: bool, ctx: &mut Shared) {
        if active || self.review.is_some() {
            load(ctx);
        }
    }

    fn render(&mut self, f: &mut Frame, area: Rect, ctx: &Shared) {
        let t = &ctx.theme;
        let [head, table] =
            Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(area);
        let Some(review) = &self.review else {
            crate::tui::widgets::reading(f, t, head, "the access review");
            return;
        };
        let views = if review.views_logged {
            "views logged"
        } else {
            "views not logged: no never-opened or unusual-access checks"
        };
        f.render_widget(
            Paragraph::new(Line::from(vec![
                Span::styled(
                    format!(
                        " Access review: {} to review, {} grant(s)",
                        review.flags.len(),
                        review.grants.len()
                    ),
                    t.style(Role::Header),
                ),
                Span::styled(format!("  {views}"), t.style(Role::Muted)),
            ])),
            head,
        );
        let all = rows(review, ctx);
        let height = table.height.saturating_sub(1) as usize;
        let offset = scroll_window(self.selected, self.offset, height);
        self.offset = offset;
        let shown: Vec<Row> = all
            .into_iter()
            .enumerate()
            .skip(offset)
            .take(height)
            .map(|(i, (cells, flag))| {
                let normal = if flag {
                    t.style(Role::Warning)
                } else {
                    t.style(Role::Text)
                };
                Row::new(cells).style(row_style(t, i == self.selected, normal))
            })
            .collect();
        let widths = [
            Constraint::Length(14),
            Constraint::Length(18),
            Constraint::Length(11),
            Constraint::Min(12),
        ];
        f.render_widget(
            Table::new(shown, widths)
                .header(Row::new(["", "Person", "Case", ""]).style(t.style(Role::Header)))
                .column_spacing(1),
            table,
        );
    }
}
