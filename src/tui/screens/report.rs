//! What the report screens (disclosure register, retention, access
//! review) share: their report is read in a job for the unlocked session,
//! and their keys move a selection, open the selected row's case, and stop
//! the reading (or go back to the list) on Esc.

use std::path::Path;

use dossier::case::CaseId;
use dossier::keys::identity::Session;
use dossier::Result;

use crate::tui::action::Action;
use crate::tui::component::Effect;
use crate::tui::jobs::{JobKind, JobOutput};
use crate::tui::shared::Shared;
use crate::tui::widgets::step;

/// Starts reading a report as job `kind`: `read` runs on a worker with the
/// vault's root and the session. Nothing happens before unlocking.
pub fn load(
    ctx: &mut Shared,
    kind: JobKind,
    label: &'static str,
    read: impl FnOnce(&Path, &Session) -> Result<JobOutput> + Send + 'static,
) {
    let Some(session) = ctx.session.clone() else {
        return;
    };
    let root = ctx.jobs.vault_root.clone();
    ctx.jobs.spawn(kind, label, move |_| read(&root, &session));
}

/// A report screen's keys over `rows` rows: `case_at` gives a row's case.
pub fn update(
    a: Action,
    ctx: &mut Shared,
    kind: JobKind,
    rows: usize,
    selected: &mut usize,
    case_at: impl FnOnce(usize) -> Option<CaseId>,
) -> Vec<Effect> {
    match a {
        a if a.moves() => *selected = step(*selected, rows, a, ctx.page),
        Action::Open => {
            if let Some(id) = case_at(*selected) {
                return vec![Effect::Open(id)];
            }
        }
        Action::Back => {
            if ctx.stop(&[kind]).is_empty() {
                return vec![Effect::Home];
            }
        }
        other => return vec![Effect::Global(other)],
    }
    Vec::new()
}
