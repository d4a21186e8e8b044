//! A case in tabs: overview, parties, deadlines, notes, documents,
//! consents, disclosures, access, history. A case the user cannot read
//! shows its id and owners and nothing else. Opening a case decrypts it in
//! a job (and, with `log_views`, records the view there).

use dossier::case::{CaseId, CaseRecord};
use dossier::ops::cases::{CaseSummary, SummaryState};
use dossier::audit::log::LogEntry;
use ratatui::crossterm::event::KeyCode as K;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row, Table, Tabs, Wrap};
use ratatui::Frame;

use crate::tui::action::{bind as b, Action, Action as A, Key, Keymap, Rest};
use crate::tui::component::{Effect, JobResult, Reload, Screen, Taken};
use crate::tui::data::{self, Change};
use crate::tui::jobs::{JobKind, JobOutput};
use crate::tui::model::{AccessKind, LoadedCase};
use crate::tui::overlays::confirm::{Confirm, OnYes};
use crate::tui::overlays::editor::NoteEditor;
use crate::tui::overlays::form::edit_form;
use crate::tui::overlays::prompt::{Prompt, PromptPurpose};
use crate::tui::shared::Shared;
use crate::tui::text::TextArea;
use crate::tui::theme::{Role, Theme};
use crate::tui::widgets::{
    log_table, row_style, scroll_window, sensitivity_style, step, validity_style,
};

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
    /// Disclosures.
    Disclosures,
    /// Who can read it.
    Access,
    /// Its commits.
    History,
}

impl Tab {
    /// Every tab, in order.
    pub const ALL: [Tab; 9] = [
        Tab::Overview,
        Tab::Parties,
        Tab::Deadlines,
        Tab::Notes,
        Tab::Documents,
        Tab::Consents,
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
            Action::Grant => vec![Prompt::open(
                PromptPurpose::Grant(id),
                "grant access to (fingerprint or @group)",
                "",
            )],
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
            (Some(l), _) => header_line(t, &l.case.record, &d.id.to_string()),
            (None, Some(s)) => match &s.state {
                SummaryState::Readable { record } => header_line(t, record, &d.id.to_string()),
                _ => Line::styled(format!(" Case {}", d.id), t.style(Role::Header)),
            },
            (None, None) => Line::styled(format!(" Case {}", d.id), t.style(Role::Header)),
        };
        f.render_widget(Paragraph::new(title), head);

        let blocked = blocked_text(ctx, d);
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

        let titles: Vec<Line> = Tab::ALL.iter().map(|tab| Line::from(tab.title())).collect();
        f.render_widget(
            Tabs::new(titles)
                .select(d.tab.index())
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
            Tab::Overview => overview(f, t, l, d.selected, body),
            Tab::Notes => notes(f, ctx, l, d.selected, body),
            Tab::History => history(f, ctx, d, offset, body),
            _ => table_tab(f, ctx, d, l, offset, body),
        }
        if let Some(d) = &mut self.case {
            d.offset = offset;
        }
    }
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
        Tab::Disclosures => r.disclosures.len(),
        Tab::Access => l.access.len(),
        Tab::History => d.history.as_ref().map(Vec::len).unwrap_or(0),
    }
}

fn header_line<'a>(t: &Theme, r: &CaseRecord, id: &str) -> Line<'a> {
    let sens = sensitivity_style(t, r.sensitivity);
    Line::from(vec![
        Span::styled(
            format!(" {} · {}", r.reference, r.title),
            t.style(Role::Header),
        ),
        Span::styled(format!("  [{}]", r.status), t.style(Role::Accent)),
        Span::styled(format!(" [{}]", r.sensitivity), sens),
        Span::styled(format!("  {id}"), t.style(Role::Muted)),
    ])
}

/// The whole body for a case that cannot be shown: locked, damaged,
/// failed, or still loading.
fn blocked_text<'a>(ctx: &Shared, d: &DetailState) -> Option<Vec<Line<'a>>> {
    let t = &ctx.theme;
    let owners = |d: &DetailState| -> Vec<Line<'a>> {
        d.summary
            .iter()
            .flat_map(|s| s.owners.iter())
            .map(|o| {
                Line::from(vec![
                    Span::raw("   "),
                    Span::styled(ctx.info.name_of(o), t.style(Role::Text)),
                    Span::styled(format!("  {}", o.grouped()), t.style(Role::Muted)),
                ])
            })
            .collect()
    };
    if let Some(s) = &d.summary {
        match &s.state {
            SummaryState::Locked => {
                let mut lines = vec![
                    Line::default(),
                    Line::styled(
                        format!(" Locked: case {} is not encrypted to your key.", d.id),
                        t.style(Role::Locked),
                    ),
                    Line::default(),
                    Line::styled(" Its owners can grant you access:", t.style(Role::Text)),
                ];
                lines.extend(owners(d));
                return Some(lines);
            }
            SummaryState::Damaged { problem } => {
                let mut lines = vec![
                    Line::default(),
                    Line::styled(format!(" {problem}"), t.style(Role::Danger)),
                    Line::default(),
                    Line::styled(" Owners:", t.style(Role::Text)),
                ];
                lines.extend(owners(d));
                return Some(lines);
            }
            SummaryState::Readable { .. } => {}
        }
    }
    if let Some(e) = &d.error {
        return Some(vec![
            Line::default(),
            Line::styled(format!(" {e}"), t.style(Role::Danger)),
        ]);
    }
    if d.loaded.is_none() {
        return Some(vec![
            Line::default(),
            Line::styled(" Decrypting the case…", t.style(Role::Muted)),
        ]);
    }
    None
}

fn overview(f: &mut Frame, t: &Theme, l: &LoadedCase, scroll: usize, area: Rect) {
    let r = &l.case.record;
    let date = |d: Option<chrono::NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
    let opt = |s: &Option<String>| s.clone().unwrap_or_default();
    let mut client = r.client.name.clone();
    if r.protected_identity {
        client.push_str(&format!(
            "  (protected: lists show \"{}\")",
            r.pseudonym.as_deref().unwrap_or("(protected)")
        ));
    }
    let identifiers: Vec<String> = r
        .client
        .identifiers
        .iter()
        .map(|i| format!("{}: {}", i.kind, i.value))
        .collect();
    let next = r
        .next_deadline()
        .map(|d| format!("{}  {}", d.date, d.what))
        .unwrap_or_default();
    let rows: Vec<(&str, String)> = vec![
        ("Reference", r.reference.clone()),
        ("Title", r.title.clone()),
        ("Status", r.status.to_string()),
        ("Sensitivity", r.sensitivity.to_string()),
        ("Practice area", opt(&r.practice_area)),
        ("Jurisdictions", r.jurisdictions.join(", ")),
        ("Opened", date(r.opened)),
        ("Closed", date(r.closed)),
        ("Client", client),
        ("Date of birth", date(r.client.date_of_birth)),
        ("Nationality", opt(&r.client.nationality)),
        ("Identifiers", identifiers.join("; ")),
        ("Email", opt(&r.client.contact.email)),
        ("Phone", opt(&r.client.contact.phone)),
        ("Address", opt(&r.client.contact.address)),
        ("Next deadline", next),
        ("Retention until", date(r.retention_until)),
        ("Tags", r.tags.join(", ")),
        (
            "Contents",
            format!(
                "{} note(s), {} document(s), {} part(ies), {} disclosure(s)",
                l.case.notes.len(),
                l.documents.len(),
                r.parties.len(),
                r.disclosures.len()
            ),
        ),
    ];
    let lines: Vec<Line> = rows
        .into_iter()
        .map(|(k, v)| {
            Line::from(vec![
                Span::styled(format!(" {k:<16}"), t.style(Role::Muted)),
                Span::styled(v, t.style(Role::Text)),
            ])
        })
        .collect();
    let max = lines.len().saturating_sub(area.height as usize);
    f.render_widget(
        Paragraph::new(lines).scroll((scroll.min(max) as u16, 0)),
        area,
    );
}

fn notes(f: &mut Frame, ctx: &Shared, l: &LoadedCase, scroll: usize, area: Rect) {
    let t = &ctx.theme;
    let mut lines: Vec<Line> = Vec::new();
    if l.case.notes.is_empty() {
        lines.push(Line::styled(
            " No notes yet. Press a to write one.",
            t.style(Role::Muted),
        ));
    }
    for n in l.case.notes.iter().rev() {
        lines.push(Line::from(vec![
            Span::styled(
                format!(" {} ", n.created.format("%Y-%m-%d %H:%M")),
                t.style(Role::Accent),
            ),
            Span::styled(ctx.info.name_of(&n.author), t.style(Role::Muted)),
        ]));
        for text in n.text.trim_end().lines() {
            lines.push(Line::styled(format!("   {text}"), t.style(Role::Text)));
        }
        lines.push(Line::default());
    }
    let max = lines.len().saturating_sub(area.height as usize);
    f.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .scroll((scroll.min(max) as u16, 0)),
        area,
    );
}

/// A tab's table: header, widths, rows with their style, and the text shown when empty.
type TabTable<'a> = (
    Vec<&'static str>,
    Vec<Constraint>,
    Vec<(Vec<Cell<'a>>, Style)>,
    &'static str,
);

fn table_tab(f: &mut Frame, ctx: &Shared, d: &DetailState, l: &LoadedCase, offset: usize, area: Rect) {
    let t = &ctx.theme;
    let r = &l.case.record;
    let (header, widths, rows, empty): TabTable = match d.tab {
        Tab::Parties => (
            vec!["Name", "Role"],
            vec![Constraint::Percentage(60), Constraint::Percentage(40)],
            r.parties
                .iter()
                .map(|p| {
                    (
                        vec![Cell::from(p.name.clone()), Cell::from(p.role.clone())],
                        t.style(Role::Text),
                    )
                })
                .collect(),
            "No parties recorded. Add them with e (field `parties`).",
        ),
        Tab::Deadlines => {
            let today = chrono::Utc::now().date_naive();
            let mut ds: Vec<_> = r.deadlines.iter().collect();
            ds.sort_by_key(|x| x.date);
            (
                vec!["Date", "What", "Done"],
                vec![
                    Constraint::Length(11),
                    Constraint::Min(10),
                    Constraint::Length(5),
                ],
                ds.into_iter()
                    .map(|x| {
                        let style = if x.done {
                            t.style(Role::Muted)
                        } else if x.date < today {
                            t.style(Role::Danger)
                        } else {
                            t.style(Role::Text)
                        };
                        (
                            vec![
                                Cell::from(x.date.to_string()),
                                Cell::from(x.what.clone()),
                                Cell::from(if x.done { "done" } else { "" }),
                            ],
                            style,
                        )
                    })
                    .collect(),
                "No deadlines. Add them with e (field `deadlines`).",
            )
        }
        Tab::Documents => (
            vec!["Name", "Size", "Added", "By"],
            vec![
                Constraint::Min(16),
                Constraint::Length(10),
                Constraint::Length(11),
                Constraint::Length(16),
            ],
            l.documents
                .iter()
                .map(|doc| {
                    (
                        vec![
                            Cell::from(doc.name.clone()),
                            Cell::from(human_size(doc.size)),
                            Cell::from(doc.added.format("%Y-%m-%d").to_string()),
                            Cell::from(ctx.info.name_of(&doc.added_by)),
                        ],
                        t.style(Role::Text),
                    )
                })
                .collect(),
            "No documents. Press A to attach a file; x exports the selected one.",
        ),
        Tab::Consents => (
            vec!["Date", "Given by", "Scope", "Expires"],
            vec![
                Constraint::Length(11),
                Constraint::Length(18),
                Constraint::Min(10),
                Constraint::Length(11),
            ],
            r.consents
                .iter()
                .map(|c| {
                    (
                        vec![
                            Cell::from(c.date.to_string()),
                            Cell::from(c.given_by.clone()),
                            Cell::from(c.scope.clone()),
                            Cell::from(c.expiry.map(|e| e.to_string()).unwrap_or_default()),
                        ],
                        t.style(Role::Text),
                    )
                })
                .collect(),
            "No consents recorded.",
        ),
        Tab::Disclosures => (
            vec!["Date", "To", "Legal basis", "Scope", "Authorised by", "Ref"],
            vec![
                Constraint::Length(11),
                Constraint::Length(14),
                Constraint::Length(13),
                Constraint::Min(8),
                Constraint::Length(12),
                Constraint::Length(12),
            ],
            r.disclosures
                .iter()
                .map(|x| {
                    (
                        vec![
                            Cell::from(x.date.to_string()),
                            Cell::from(x.to.clone()),
                            Cell::from(x.legal_basis.clone()),
                            Cell::from(x.scope.clone()),
                            Cell::from(x.authorised_by.clone()),
                            Cell::from(x.reference.clone().unwrap_or_default()),
                        ],
                        t.style(Role::Text),
                    )
                })
                .collect(),
            "No disclosures recorded.",
        ),
        Tab::Access => (
            vec!["Access", "Name", "Fingerprint", "Validity"],
            vec![
                Constraint::Length(12),
                Constraint::Length(18),
                Constraint::Min(20),
                Constraint::Length(11),
            ],
            l.access
                .iter()
                .map(|a| {
                    let kind = match &a.kind {
                        AccessKind::Owner => "owner".to_string(),
                        AccessKind::Reader => "reader".to_string(),
                        AccessKind::Group(_) => "group".to_string(),
                        AccessKind::Member(_) => "  member".to_string(),
                    };
                    (
                        vec![
                            Cell::from(kind),
                            Cell::from(a.name.clone()),
                            Cell::from(a.fingerprint.map(|f| f.to_string()).unwrap_or_default()),
                            Cell::from(Span::styled(
                                a.validity
                                    .as_ref()
                                    .map(|v| v.to_string())
                                    .unwrap_or_default(),
                                a.validity
                                    .as_ref()
                                    .map_or(t.style(Role::Muted), |v| validity_style(t, v)),
                            )),
                        ],
                        t.style(Role::Text),
                    )
                })
                .collect(),
            "",
        ),
        _ => return,
    };
    let mut area = area;
    if d.tab == Tab::Access {
        let me = ctx.session.as_ref().map(|s| s.fingerprint());
        let may = me.is_some_and(|m| l.case.access.owners.contains(&m) || ctx.info.is_admin(&m));
        let note = if may {
            " You may change access: + grants, - revokes the selected entry."
        } else {
            " Only the case's owners and administrators can change access."
        };
        let [table, foot] =
            Layout::vertical([Constraint::Min(1), Constraint::Length(1)]).areas(area);
        f.render_widget(
            Paragraph::new(Line::styled(note, t.style(Role::Muted))),
            foot,
        );
        area = table;
    }
    if rows.is_empty() {
        f.render_widget(
            Paragraph::new(vec![
                Line::default(),
                Line::styled(format!(" {empty}"), t.style(Role::Muted)),
            ]),
            area,
        );
        return;
    }
    let height = area.height.saturating_sub(1) as usize;
    let rows: Vec<Row> = rows
        .into_iter()
        .enumerate()
        .skip(offset)
        .take(height)
        .map(|(i, (cells, style))| Row::new(cells).style(row_style(t, i == d.selected, style)))
        .collect();
    f.render_widget(
        Table::new(rows, widths)
            .header(Row::new(header).style(t.style(Role::Header)))
            .column_spacing(1),
        area,
    );
}

fn history(f: &mut Frame, ctx: &Shared, d: &DetailState, offset: usize, area: Rect) {
    let t = &ctx.theme;
    let Some(entries) = &d.history else {
        f.render_widget(
            Paragraph::new(Line::styled(" Reading history…", t.style(Role::Muted))),
            area,
        );
        return;
    };
    log_table(f, ctx, entries, d.selected, offset, area, false);
}

fn human_size(n: u64) -> String {
    if n < 1024 {
        format!("{n} B")
    } else if n < 1024 * 1024 {
        format!("{:.1} KiB", n as f64 / 1024.0)
    } else {
        format!("{:.1} MiB", n as f64 / (1024.0 * 1024.0))
    }
}
