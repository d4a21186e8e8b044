//! A case in tabs: overview, parties, deadlines, notes, documents,
//! consents, conditions, disclosures, access, history. A case the user
//! cannot read shows its id and owners and nothing else. Opening a case
//! decrypts it in a job (and, with `log_views`, records the view there).
//! The list tabs have row editors ([`rows`]); drawing is in [`view`].

mod rows;
mod view;

use dossier::audit::log::LogEntry;
use dossier::case::record::DisclosureRequest;
use dossier::case::{CaseId, CaseRecord};
use dossier::ops::cases::{CaseSummary, SummaryState};
use ratatui::crossterm::event::KeyCode as K;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Paragraph, Tabs, Wrap};
use ratatui::Frame;

use crate::tui::action::{bind as b, Action, Action as A, Binding, Key, Keymap, Rest};
use crate::tui::component::{Effect, JobResult, Reload, Screen, Taken};
use crate::tui::data::{self, Change};
use crate::tui::jobs::{JobKind, JobOutput};
use crate::tui::model::{AccessKind, LoadedCase};
use crate::tui::overlays::confirm::{Confirm, OnYes};
use crate::tui::overlays::editor::NoteEditor;
use crate::tui::overlays::form::edit_form;
use crate::tui::overlays::picker::GrantPicker;
use crate::tui::overlays::prompt::{Prompt, PromptPurpose};
use crate::tui::shared::Shared;
use crate::tui::text::TextArea;
use crate::tui::theme::Role;
use crate::tui::widgets::{scroll_window, step};

pub use view::deadlines_shown;

/// The case detail's keys.
pub const KEYS: Keymap = Keymap {
    title: "Case detail",
    bindings: &[
        b(Key::plain(K::Tab), A::NextTab, "next tab", true),
        b(Key::ch('L'), A::NextTab, "next tab", false),
        b(Key::plain(K::Right), A::NextTab, "next tab", false),
        b(Key::plain(K::BackTab), A::PrevTab, "previous tab", false),
        b(Key::ch('H'), A::PrevTab, "previous tab", false),
        b(Key::plain(K::Left), A::PrevTab, "previous tab", false),
        b(Key::ch('h'), A::Back, "back to the list", false),
        b(Key::ch('e'), A::EditCase, "edit", true),
        b(Key::ch('a'), A::AddNote, "note", true),
        b(Key::ch('E'), A::AddNoteExternal, "add a note in $EDITOR (opt-in)", false),
        b(Key::ch('A'), A::AttachDocument, "attach a file", false),
        b(Key::ch('x'), A::ExportDocument, "export the selected document", false),
        b(Key::ch('+'), A::Grant, "grant access", false),
        b(Key::ch('-'), A::RevokeAccess, "revoke the selected access", false),
        b(Key::ch('C'), A::CloseCase, "close the case", false),
        b(Key::ch('o'), A::AddItem, "add a row (parties, deadlines, consents, conditions)", false),
        b(Key::plain(K::Enter), A::EditItem, "edit the selected row / show the disclosure", false),
        b(Key::ch('d'), A::RemoveItem, "delete the row / withdraw the consent / release the condition", false),
        b(Key::ch(' '), A::Toggle, "mark the selected deadline done or not done", false),
        b(Key::ch('D'), A::Disclose, "disclose (guided)", true),
    ],
    rest: Rest::Global,
};

/// The detail tabs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tab {
    /// Fields.
    Overview,
    /// Parties.
    Parties,
    /// Deadlines.
    Deadlines,
    /// Notes.
    Notes,
    /// Attachments.
    Documents,
    /// Consents.
    Consents,
    /// Conditions on information received.
    Conditions,
    /// Disclosures.
    Disclosures,
    /// Who can read it.
    Access,
    /// Its commits.
    History,
}

impl Tab {
    /// Every tab, in order.
    pub const ALL: [Tab; 10] = [
        Tab::Overview,
        Tab::Parties,
        Tab::Deadlines,
        Tab::Notes,
        Tab::Documents,
        Tab::Consents,
        Tab::Conditions,
        Tab::Disclosures,
        Tab::Access,
        Tab::History,
    ];
    /// Tab title.
    pub fn title(self) -> &'static str {
        match self {
            Tab::Overview => "Overview",
            Tab::Parties => "Parties",
            Tab::Deadlines => "Deadlines",
            Tab::Notes => "Notes",
            Tab::Documents => "Documents",
            Tab::Consents => "Consents",
            Tab::Conditions => "Conditions",
            Tab::Disclosures => "Disclosures",
            Tab::Access => "Access",
            Tab::History => "History",
        }
    }
    /// Its position in [`Tab::ALL`].
    pub fn index(self) -> usize {
        Tab::ALL.iter().position(|t| *t == self).unwrap_or(0)
    }
}

/// One opened case.
#[derive(Debug)]
pub struct DetailState {
    /// The case.
    pub id: CaseId,
    /// Current tab.
    pub tab: Tab,
    /// Its summary from the list (all a locked case has).
    pub summary: Option<CaseSummary>,
    /// Decrypted content, once loaded.
    pub loaded: Option<LoadedCase>,
    /// Its commits, once loaded.
    pub history: Option<Vec<LogEntry>>,
    /// Why it could not be opened.
    pub error: Option<String>,
    /// Selected row in list tabs / scroll in text tabs.
    pub selected: usize,
    /// First row on screen.
    pub offset: usize,
}

/// The case detail screen.
#[derive(Debug, Default)]
pub struct DetailScreen {
    /// The open case, if any.
    pub case: Option<DetailState>,
}

const NOT_OPEN: &str = "this case is not open (locked, unreadable, or still loading)";

impl DetailScreen {
    /// Shows case `id` (with its list summary, if loaded) on its first tab,
    /// and starts decrypting it unless it is known to be unreadable.
    pub fn open(&mut self, id: CaseId, summary: Option<CaseSummary>, ctx: &mut Shared) {
        let readable = !matches!(
            summary.as_ref().map(|s| &s.state),
            Some(SummaryState::Locked) | Some(SummaryState::Damaged { .. })
        );
        self.case = Some(DetailState {
            id: id.clone(),
            tab: Tab::Overview,
            summary,
            loaded: None,
            history: None,
            error: None,
            selected: 0,
            offset: 0,
        });
        if readable {
            load_case(&id, ctx);
        }
    }

    fn readable_case(&self, ctx: &mut Shared) -> Option<CaseId> {
        match &self.case {
            Some(DetailState {
                loaded: Some(l), ..
            }) => Some(l.case.id.clone()),
            Some(_) => {
                ctx.error_msg(NOT_OPEN);
                None
            }
            None => None,
        }
    }

    fn edit_case(&self, ctx: &mut Shared) -> Vec<Effect> {
        let Some((id, record)) = self
            .case
            .as_ref()
            .and_then(|d| d.loaded.as_ref())
            .map(|l| (l.case.id.clone(), l.case.record.clone()))
        else {
            ctx.error_msg(NOT_OPEN);
            return Vec::new();
        };
        vec![Effect::Push(Box::new(edit_form(id, record)))]
    }

    fn export_document(&self, ctx: &mut Shared) -> Vec<Effect> {
        let Some(d) = &self.case else {
            return Vec::new();
        };
        if d.tab != Tab::Documents {
            ctx.error_msg("go to the Documents tab and select a document to export");
            return Vec::new();
        }
        let Some(doc) = d.loaded.as_ref().and_then(|l| l.documents.get(d.selected)) else {
            ctx.error_msg("there is no document to export");
            return Vec::new();
        };
        let purpose = PromptPurpose::ExportDocument(d.id.clone(), doc.id.clone());
        vec![Prompt::open(purpose, "save a decrypted copy as", &doc.name)]
    }

    fn revoke_selected(&self, ctx: &mut Shared) -> Vec<Effect> {
        let Some(d) = &self.case else {
            return Vec::new();
        };
        if d.tab != Tab::Access {
            ctx.error_msg("go to the Access tab and select whose access to revoke");
            return Vec::new();
        }
        let Some(row) = d.loaded.as_ref().and_then(|l| l.access.get(d.selected)) else {
            return Vec::new();
        };
        let Some(entry) = row.entry.clone() else {
            if let AccessKind::Member(g) = &row.kind {
                ctx.error_msg(format!(
                    "{} reads through @{g}: revoke the group, or change the group",
                    row.name
                ));
            }
            return Vec::new();
        };
        let question = format!(
            "Revoke {}'s access to case {}? Its files are re-encrypted without them; copies they already fetched, and old versions in history, stay readable to them.",
            row.name, d.id
        );
        vec![Confirm::ask(
            question,
            OnYes::Change(Change::Revoke(d.id.clone(), entry)),
        )]
    }

    /// Keys that need a readable case.
    fn on_case(&mut self, a: Action, ctx: &mut Shared) -> Vec<Effect> {
        let Some(id) = self.readable_case(ctx) else {
            return Vec::new();
        };
        match a {
            Action::AddNote => vec![Effect::Push(Box::new(NoteEditor::new(
                id,
                TextArea::default(),
            )))],
            Action::AddNoteExternal => vec![Effect::External(id)],
            Action::AttachDocument => vec![Prompt::open(
                PromptPurpose::Attach(id),
                "attach file",
                "",
            )],
            Action::Grant => {
                let listed = self
                    .case
                    .as_ref()
                    .and_then(|d| d.loaded.as_ref())
                    .map(|l| l.case.access.entries())
                    .unwrap_or_default();
                vec![Effect::Push(Box::new(GrantPicker::new(id, &ctx.info, &listed)))]
            }
            Action::CloseCase => vec![Confirm::ask(
                format!("Close case {id}? Its status becomes closed, dated today."),
                OnYes::Change(Change::Close(id)),
            )],
            _ => Vec::new(),
        }
    }
}

fn load_case(id: &CaseId, ctx: &mut Shared) {
    let (Some(session), Some(me)) = (ctx.session.clone(), ctx.me()) else {
        return;
    };
    let root = ctx.jobs.vault_root.clone();
    let case = id.clone();
    ctx.jobs
        .spawn(JobKind::OpenCase, "opening the case", move |_| {
            data::run_open(&root, &session, &case, me)
        });
    load_case_history(id, ctx);
}

fn load_case_history(id: &CaseId, ctx: &mut Shared) {
    let root = ctx.jobs.vault_root.clone();
    let case = id.clone();
    ctx.jobs.spawn(
        JobKind::CaseHistory,
        "reading the case history",
        move |_| data::run_case_history(&root, &case),
    );
}

impl Screen for DetailScreen {
    fn keys(&self) -> &'static Keymap {
        &KEYS
    }

    fn update(&mut self, a: Action, ctx: &mut Shared) -> Vec<Effect> {
        let Some(d) = &mut self.case else {
            return vec![Effect::Home];
        };
        let rows = detail_rows(d);
        match a {
            Action::NextTab | Action::PrevTab => {
                let i = d.tab.index();
                let n = Tab::ALL.len();
                d.tab = Tab::ALL[if a == Action::NextTab {
                    (i + 1) % n
                } else {
                    (i + n - 1) % n
                }];
                d.selected = 0;
                d.offset = 0;
            }
            a if a.moves() => {
                d.selected = step(d.selected, rows, a, ctx.page);
            }
            Action::EditCase => return self.edit_case(ctx),
            Action::AddNoteExternal if !ctx.config.external_editor => {
                ctx.error_msg("writing notes in $EDITOR is off; opt in with `external_editor: true` in config.yaml (use `a` for the built-in editor)");
            }
            Action::AddNote
            | Action::AddNoteExternal
            | Action::AttachDocument
            | Action::Grant
            | Action::CloseCase => return self.on_case(a, ctx),
            Action::ExportDocument => return self.export_document(ctx),
            Action::AddItem
            | Action::EditItem
            | Action::RemoveItem
            | Action::Toggle
            | Action::Disclose => return rows::on_row(self, a, ctx),
            Action::RevokeAccess => return self.revoke_selected(ctx),
            // Esc stops the opening first; pressed again, it goes back.
            Action::Back => {
                if ctx
                    .stop(&[JobKind::OpenCase, JobKind::CaseHistory])
                    .is_empty()
                {
                    return vec![Effect::Home];
                }
            }
            other => return vec![Effect::Global(other)],
        }
        Vec::new()
    }

    fn tab(&self) -> Option<Action> {
        Some(Action::ShowCases)
    }

    /// The hint bar offers what this tab of this case lets you do: nothing
    /// of a case that is locked or not open, the row keys on list tabs,
    /// access changes only to owners and administrators.
    fn hint(&self, bd: &Binding, ctx: &Shared) -> Option<&'static str> {
        let a = bd.action;
        if matches!(a, Action::NextTab) {
            return bd.hint.then_some("next tab");
        }
        let d = self.case.as_ref()?;
        let l = d.loaded.as_ref()?;
        let me = ctx.session.as_ref().map(|s| s.fingerprint());
        let may_change_access =
            me.is_some_and(|m| l.case.access.owners.contains(&m) || ctx.info.is_admin(&m));
        let list_tab = matches!(
            d.tab,
            Tab::Parties | Tab::Deadlines | Tab::Consents | Tab::Conditions
        );
        // Only the first key of each action is hinted (the others share it).
        let first = KEYS.bindings.iter().find(|b| b.action == a).map(|b| b.key);
        if first != Some(bd.key) {
            return None;
        }
        match (a, d.tab) {
            (Action::EditCase, Tab::Overview) => Some("edit"),
            (Action::AddNote, Tab::Overview | Tab::Notes) => Some("note"),
            (Action::AddItem, _) if list_tab => Some("add"),
            (Action::EditItem, _) if list_tab && detail_rows(d) > 0 => Some("edit row"),
            (Action::RemoveItem, Tab::Parties | Tab::Deadlines) if detail_rows(d) > 0 => {
                Some("delete")
            }
            (Action::RemoveItem, Tab::Consents) if detail_rows(d) > 0 => Some("withdraw"),
            (Action::RemoveItem, Tab::Conditions) if detail_rows(d) > 0 => Some("release"),
            (Action::Toggle, Tab::Deadlines) if detail_rows(d) > 0 => Some("done"),
            (Action::EditItem, Tab::Disclosures) if detail_rows(d) > 0 => Some("details"),
            (Action::Disclose, Tab::Overview | Tab::Disclosures | Tab::Documents) => {
                Some("disclose")
            }
            (Action::AttachDocument, Tab::Documents) => Some("attach"),
            (Action::ExportDocument, Tab::Documents) if !l.documents.is_empty() => {
                Some("export")
            }
            (Action::Grant, Tab::Access) if may_change_access => Some("grant"),
            (Action::RevokeAccess, Tab::Access) if may_change_access => Some("revoke"),
            _ => None,
        }
    }

    fn on_job(&mut self, kind: JobKind, result: JobResult, ctx: &mut Shared) -> Taken {
        match (kind, result) {
            (JobKind::OpenCase, Ok(JobOutput::CaseOpened(loaded))) => {
                let mut viewed = None;
                if let Some(d) = &mut self.case {
                    if d.id == loaded.case.id {
                        d.error = None;
                        if loaded.case.view.is_some() {
                            viewed = Some(d.id.clone());
                        }
                        d.loaded = Some(*loaded);
                    }
                }
                // The opening was recorded as a `view` commit
                // (settings.log_views): re-read what shows commits. The
                // history read alongside the opening may predate it, and
                // the branch is one commit further ahead.
                match viewed {
                    Some(id) => {
                        load_case_history(&id, ctx);
                        Taken::Yes(vec![Effect::Reload(Reload::Commits)])
                    }
                    None => Taken::Yes(Vec::new()),
                }
            }
            (JobKind::OpenCase, Err(e)) => {
                if let Some(d) = &mut self.case {
                    d.error = Some(e.to_string());
                }
                Taken::Yes(Vec::new())
            }
            (JobKind::CaseHistory, Ok(JobOutput::CaseHistory(id, entries))) => {
                if let Some(d) = &mut self.case {
                    if d.id == id {
                        d.history = Some(entries);
                    }
                }
                Taken::Yes(Vec::new())
            }
            (kind, result) => Taken::No(kind, result),
        }
    }

    fn reload(&mut self, why: &Reload, active: bool, ctx: &mut Shared) {
        let (Reload::Changed(changed), Some(d)) = (why, &self.case) else {
            return;
        };
        if active && changed.as_ref().is_none_or(|c| *c == d.id) {
            let id = d.id.clone();
            load_case(&id, ctx);
        }
    }

    fn render(&mut self, f: &mut Frame, area: Rect, ctx: &Shared) {
        let Some(d) = &self.case else {
            return;
        };
        let t = &ctx.theme;
        let [head, tabs, body] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Length(1),
            Constraint::Min(1),
        ])
        .areas(area);

        let title = match (&d.loaded, &d.summary) {
            (Some(l), _) => {
                dossier::support::fault::panic_point("rendering", l.case.record.title.as_bytes());
                view::header_line(t, &l.case.record, &d.id.to_string())
            }
            (None, Some(s)) => match &s.state {
                SummaryState::Readable { record } => {
                    view::header_line(t, record, &d.id.to_string())
                }
                _ => Line::styled(format!(" Case {}", d.id), t.style(Role::Header)),
            },
            (None, None) => Line::styled(format!(" Case {}", d.id), t.style(Role::Header)),
        };
        f.render_widget(Paragraph::new(title), head);

        let blocked = view::blocked_text(ctx, d);
        if let Some(lines) = blocked {
            let block = Block::default()
                .borders(Borders::TOP)
                .border_style(t.style(Role::Border));
            f.render_widget(
                Paragraph::new(lines)
                    .block(block)
                    .wrap(Wrap { trim: false }),
                Rect {
                    y: tabs.y,
                    height: tabs.height + body.height,
                    ..tabs
                },
            );
            return;
        }

        // On a narrow terminal the bar starts late enough to show the
        // current tab.
        let first = first_tab_shown(d.tab, tabs.width as usize);
        let titles: Vec<Line> = Tab::ALL[first..]
            .iter()
            .map(|tab| Line::from(tab.title()))
            .collect();
        f.render_widget(
            Tabs::new(titles)
                .select(d.tab.index() - first)
                .style(t.style(Role::TabInactive))
                .highlight_style(t.style(Role::TabActive))
                .divider("│")
                .padding(" ", " "),
            tabs,
        );

        let Some(l) = &d.loaded else {
            return;
        };
        let height = body.height.saturating_sub(1) as usize;
        let offset = scroll_window(d.selected, d.offset, height);
        match d.tab {
            Tab::Overview => view::overview(f, ctx, l, d.selected, body),
            Tab::Notes => view::notes(f, ctx, l, d.selected, body),
            Tab::History => view::history(f, ctx, d, offset, body),
            _ => view::table_tab(f, ctx, d, l, offset, body),
        }
        if let Some(d) = &mut self.case {
            d.offset = offset;
        }
    }
}

/// The first tab the bar shows so that `current` fits in `width` columns
/// (each title takes its length and three columns of padding and divider).
fn first_tab_shown(current: Tab, width: usize) -> usize {
    let end = current.index();
    let cost = |from: usize| -> usize {
        Tab::ALL[from..=end]
            .iter()
            .map(|t| t.title().chars().count() + 3)
            .sum()
    };
    (0..=end).find(|&from| cost(from) <= width).unwrap_or(end)
}

/// How many selectable rows the current detail tab has.
pub fn detail_rows(d: &DetailState) -> usize {
    let Some(l) = &d.loaded else {
        return 0;
    };
    let r = &l.case.record;
    match d.tab {
        Tab::Overview => 64,
        Tab::Parties => r.parties.len(),
        Tab::Deadlines => r.deadlines.len(),
        Tab::Notes => l.case.notes.len().max(1) * 8,
        Tab::Documents => l.documents.len(),
        Tab::Consents => r.consents.len(),
        Tab::Conditions => r.conditions.len(),
        Tab::Disclosures => r.disclosures.len() + pending_requests(r).count(),
        Tab::Access => l.access.len(),
        Tab::History => d.history.as_ref().map(Vec::len).unwrap_or(0),
    }
}


/// The disclosure requests of `r` still awaiting approval, in the order
/// the Disclosures tab lists them (after the disclosures).
pub fn pending_requests(r: &CaseRecord) -> impl Iterator<Item = &DisclosureRequest> {
    r.disclosure_requests
        .iter()
        .filter(|q| q.approved.is_none())
}
