//! The vault audit trail: every commit with its actor, action, case and
//! signature status; unsigned commits, unknown signers and signers not
//! entitled to what they did stand out.

use dossier::case::CaseId;
use dossier::audit::log::LogEntry;
use ratatui::crossterm::event::KeyCode as K;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use crate::tui::action::{bind as b, Action, Action as A, Key, Keymap, Rest};
use crate::tui::component::{Effect, JobResult, Reload, Screen, Taken};
use crate::tui::data;
use crate::tui::jobs::{JobKind, JobOutput};
use crate::tui::shared::Shared;
use crate::tui::theme::Role;
use crate::tui::widgets::{flagged, log_table, scroll_window, step};

/// The audit trail's keys.
pub const KEYS: Keymap = Keymap {
    title: "Audit",
    bindings: &[
        b(Key::plain(K::Enter), A::Open, "open the commit's case", true),
    ],
    rest: Rest::Global,
};

/// The audit screen.
#[derive(Debug, Default)]
pub struct AuditScreen {
    /// Every commit, once read.
    pub entries: Option<Vec<LogEntry>>,
    /// Selected row.
    pub selected: usize,
    /// First row on screen.
    pub offset: usize,
}

fn load(ctx: &mut Shared) {
    let root = ctx.jobs.vault_root.clone();
    ctx.jobs
        .spawn(JobKind::Audit, "reading the audit trail", move |_| {
            data::run_audit(&root)
        });
}

impl Screen for AuditScreen {
    fn keys(&self) -> &'static Keymap {
        &KEYS
    }

    fn update(&mut self, a: Action, ctx: &mut Shared) -> Vec<Effect> {
        let n = self.entries.as_ref().map(Vec::len).unwrap_or(0);
        match a {
            a if a.moves() => {
                self.selected = step(self.selected, n, a, ctx.page);
            }
            Action::Open => {
                let case = self
                    .entries
                    .as_ref()
                    .and_then(|e| e.get(self.selected))
                    .and_then(|e| e.case.clone())
                    .and_then(|c| c.parse::<CaseId>().ok());
                match case {
                    Some(id) => return vec![Effect::Open(id)],
                    None => ctx.error_msg("this commit is not about a case"),
                }
            }
            // Esc stops the reading first; pressed again, it goes back.
            Action::Back => {
                if ctx.stop(&[JobKind::Audit]).is_empty() {
                    return vec![Effect::Home];
                }
            }
            other => return vec![Effect::Global(other)],
        }
        Vec::new()
    }

    fn tab(&self) -> Option<Action> {
        Some(Action::ShowAudit)
    }

    fn tab_name(&self) -> Option<&'static str> {
        Some("Audit")
    }

    fn on_show(&mut self, ctx: &mut Shared) {
        if self.entries.is_none() && !ctx.jobs.is_running(JobKind::Audit) {
            load(ctx);
        }
    }

    fn on_job(&mut self, kind: JobKind, result: JobResult, _ctx: &mut Shared) -> Taken {
        match (kind, result) {
            (JobKind::Audit, Ok(JobOutput::Audit(entries))) => {
                self.entries = Some(entries);
                Taken::Yes(Vec::new())
            }
            (kind, result) => Taken::No(kind, result),
        }
    }

    fn reload(&mut self, why: &Reload, active: bool, ctx: &mut Shared) {
        let wanted = match why {
            Reload::Changed(_) => self.entries.is_some() || active,
            Reload::Commits => self.entries.is_some(),
        };
        if wanted {
            load(ctx);
        }
    }

    fn render(&mut self, f: &mut Frame, area: Rect, ctx: &Shared) {
        let t = &ctx.theme;
        let [head, table] = Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(area);
        let Some(entries) = &self.entries else {
            crate::tui::widgets::reading(f, t, head, "the audit trail");
            return;
        };
        let flagged = entries.iter().filter(|e| flagged(e.signature)).count();
        let mut spans = vec![Span::styled(
            format!(" Audit trail: {} commit(s)", entries.len()),
            t.style(Role::Header),
        )];
        if flagged > 0 {
            spans.push(Span::styled(
                format!("  {flagged} unsigned, unknown, bad or not entitled signature(s)"),
                t.style(Role::Unsigned),
            ));
        } else {
            spans.push(Span::styled(
                "  all signatures verified",
                t.style(Role::Verified),
            ));
        }
        f.render_widget(Paragraph::new(Line::from(spans)), head);
        let height = table.height.saturating_sub(1) as usize;
        let selected = self.selected;
        let offset = scroll_window(selected, self.offset, height);
        log_table(f, ctx, entries, selected, offset, table, true);
        self.offset = offset;
    }
}
