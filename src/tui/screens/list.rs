//! The case list: one row per case, windowed so a 10,000-case vault builds
//! only the rows on screen, with the instant filter, full-text search,
//! status filter and sort. Locked cases show their id and owners, never
//! content; protected identities show their pseudonym.
//!
//! The summaries themselves are shared ([`crate::tui::shared::CaseIndex`]);
//! this screen owns the view of them: which rows show, in what order, and
//! the selection.

use std::collections::BTreeMap;

use dossier::case::{CaseId, CaseRecord, Status};
use dossier::ops::cases::{CaseSummary, SummaryState};
use dossier::ops::search::{CaseMatches, Corpus};
use ratatui::crossterm::event::KeyCode as K;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table};
use ratatui::Frame;

use crate::tui::action::{bind as b, Action, Action as A, Key, Keymap, Rest};
use crate::tui::component::{Effect, FilterEdit, JobResult, Screen, Taken};
use crate::tui::data::{self, SyncRequest};
use crate::tui::jobs::{JobKind, JobOutput};
use crate::tui::model::VaultInfo;
use crate::tui::overlays::form::new_case_form;
use crate::tui::overlays::prompt::{Prompt, PromptPurpose};
use crate::tui::shared::Shared;
use crate::tui::theme::Role;
use crate::tui::widgets::{clip, row_style, scroll_window, sensitivity_style, step};

/// The case list's keys.
pub const KEYS: Keymap = Keymap {
    title: "Case list",
    bindings: &[
        b(Key::plain(K::Enter), A::Open, "open", true),
        b(Key::ch('l'), A::Open, "open case", false),
        b(Key::ch('S'), A::Sync, "sync", true),
        b(Key::ch('/'), A::Filter, "filter", true),
        b(Key::ch('F'), A::Search, "search all text", true),
        b(Key::ch('c'), A::ClearFilter, "clear filter and search", false),
        b(Key::ch('s'), A::CycleSort, "sort", true),
        b(Key::ch('r'), A::ReverseSort, "reverse sort", false),
        b(Key::ch('f'), A::CycleStatus, "status", true),
        b(Key::ch('n'), A::NewCase, "new case", true),
        b(Key::ch('K'), A::CheckConflicts, "check names for conflicts of interest", false),
    ],
    rest: Rest::Global,
};

/// Columns the case list sorts by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortKey {
    /// Reference (or pseudonym).
    Reference,
    /// Title.
    Title,
    /// Status.
    Status,
    /// Sensitivity.
    Sensitivity,
    /// Next deadline.
    Deadline,
    /// Last change.
    Changed,
}

impl SortKey {
    /// Every column, in the order `s` cycles through them.
    pub const ALL: [SortKey; 6] = [
        SortKey::Reference,
        SortKey::Title,
        SortKey::Status,
        SortKey::Sensitivity,
        SortKey::Deadline,
        SortKey::Changed,
    ];
    /// Column name.
    pub fn name(self) -> &'static str {
        match self {
            SortKey::Reference => "reference",
            SortKey::Title => "title",
            SortKey::Status => "status",
            SortKey::Sensitivity => "sensitivity",
            SortKey::Deadline => "deadline",
            SortKey::Changed => "changed",
        }
    }
    /// The column named `s`.
    pub fn parse(s: &str) -> Option<SortKey> {
        SortKey::ALL.into_iter().find(|k| k.name() == s)
    }
}

/// A full-text search and what it found.
#[derive(Debug, Clone, Default)]
pub struct SearchState {
    /// The pattern.
    pub pattern: String,
    /// What matched, per case; `None` while running.
    pub hits: Option<BTreeMap<CaseId, CaseMatches>>,
}

/// The case list.
#[derive(Debug)]
pub struct ListScreen {
    /// The instant filter.
    pub filter: String,
    /// The full-text search.
    pub search: Option<SearchState>,
    /// Only this status.
    pub status_filter: Option<Status>,
    /// Sort column.
    pub sort: SortKey,
    /// Sort descending.
    pub reverse: bool,
    /// Indices into the shared rows of the visible rows, in order.
    pub visible: Vec<usize>,
    /// Selected visible row.
    pub selected: usize,
    /// First visible row on screen.
    pub offset: usize,
    /// The filter when its prompt opened, which Esc there restores.
    filter_before: String,
    /// The search when its prompt opened, which Esc there restores.
    search_before: Option<SearchState>,
    /// The text the search runs over, with the list generation it was
    /// read from; `None` until first needed, and after a lock.
    text: Option<(u64, Corpus)>,
    /// The pattern to search once the text is read.
    waiting: Option<String>,
    /// Each row's filter text, lower-cased, from the last full refresh.
    haystacks: Vec<String>,
    /// The filter typed longer since the last refresh: the visible rows
    /// need only be narrowed to it (lower-cased), not recomputed.
    narrowing: Option<String>,
    dirty: bool,
    /// The shared rows' generation `visible` was computed from.
    seen: Option<u64>,
}

impl Default for ListScreen {
    fn default() -> Self {
        ListScreen {
            filter: String::new(),
            search: None,
            status_filter: None,
            sort: SortKey::Reference,
            reverse: false,
            visible: Vec::new(),
            selected: 0,
            offset: 0,
            filter_before: String::new(),
            search_before: None,
            text: None,
            waiting: None,
            haystacks: Vec::new(),
            narrowing: None,
            dirty: true,
            seen: None,
        }
    }
}

impl ListScreen {
    /// Recomputes the visible rows when something changed, keeping the
    /// selected case selected.
    pub fn refresh_visible(&mut self, ctx: &Shared) {
        let generation = ctx.cases.generation();
        if !self.dirty && self.seen == Some(generation) {
            if let Some(needle) = self.narrowing.take() {
                self.narrow(&needle, ctx);
            }
            return;
        }
        self.dirty = false;
        self.narrowing = None;
        self.seen = Some(generation);
        let (info, rows, changes) = (&ctx.info, &ctx.cases.rows, &ctx.cases.last_changes);
        let keep = self
            .visible
            .get(self.selected)
            .map(|&i| rows[i].id.clone());
        let needle = self.filter.to_lowercase();
        self.haystacks = rows
            .iter()
            .map(|s| filter_text(s, info).to_lowercase())
            .collect();
        let haystacks = &self.haystacks;
        let mut visible: Vec<usize> = (0..rows.len())
            .filter(|&i| {
                let s = &rows[i];
                if let Some(want) = self.status_filter {
                    match &s.state {
                        SummaryState::Readable { record } if record.status == want => {}
                        _ => return false,
                    }
                }
                if let Some(SearchState { hits: Some(h), .. }) = &self.search {
                    if !h.contains_key(&s.id) {
                        return false;
                    }
                }
                needle.is_empty() || haystacks[i].contains(&needle)
            })
            .collect();
        visible.sort_by(|&a, &b| {
            let (x, y) = (&rows[a], &rows[b]);
            let ord = match self.sort {
                SortKey::Reference => list_reference(x).cmp(&list_reference(y)),
                SortKey::Title => title_of(x).cmp(&title_of(y)),
                SortKey::Status => record_of(x)
                    .map(|r| r.status)
                    .cmp(&record_of(y).map(|r| r.status)),
                SortKey::Sensitivity => record_of(y)
                    .map(|r| r.sensitivity)
                    .cmp(&record_of(x).map(|r| r.sensitivity)),
                SortKey::Deadline => {
                    let d = |s: &CaseSummary| {
                        record_of(s).and_then(|r| r.next_deadline()).map(|d| d.date)
                    };
                    // Cases without a deadline go last.
                    match (d(x), d(y)) {
                        (Some(a), Some(b)) => a.cmp(&b),
                        (Some(_), None) => std::cmp::Ordering::Less,
                        (None, Some(_)) => std::cmp::Ordering::Greater,
                        (None, None) => std::cmp::Ordering::Equal,
                    }
                }
                SortKey::Changed => changes.get(&y.id).cmp(&changes.get(&x.id)),
            };
            let ord = ord.then_with(|| x.id.cmp(&y.id));
            if self.reverse {
                ord.reverse()
            } else {
                ord
            }
        });
        self.visible = visible;
        self.selected = keep
            .and_then(|id| self.visible.iter().position(|&i| rows[i].id == id))
            .unwrap_or(self.selected)
            .min(self.visible.len().saturating_sub(1));
    }

    /// Keeps, of the visible rows and in their order, those whose filter
    /// text holds `needle`: a filter typed longer only ever drops rows.
    fn narrow(&mut self, needle: &str, ctx: &Shared) {
        let rows = &ctx.cases.rows;
        let keep = self
            .visible
            .get(self.selected)
            .map(|&i| rows[i].id.clone());
        let haystacks = &self.haystacks;
        self.visible
            .retain(|&i| haystacks.get(i).is_some_and(|h| h.contains(needle)));
        self.selected = keep
            .and_then(|id| self.visible.iter().position(|&i| rows[i].id == id))
            .unwrap_or(self.selected)
            .min(self.visible.len().saturating_sub(1));
    }

    /// Applies what happened in the filter or search prompt.
    pub fn filter_edit(&mut self, edit: FilterEdit, ctx: &mut Shared) {
        match edit {
            FilterEdit::Typed(text) => {
                let longer = text.starts_with(&self.filter) && !self.haystacks.is_empty();
                self.filter = text;
                self.selected = 0;
                if longer && !self.dirty {
                    self.narrowing = Some(self.filter.to_lowercase());
                } else {
                    self.dirty = true;
                }
            }
            FilterEdit::Cancelled => {
                self.filter = std::mem::take(&mut self.filter_before);
                self.dirty = true;
            }
            FilterEdit::Kept => {
                self.filter_before.clear();
                if !self.filter.is_empty() {
                    ctx.info_msg(format!(
                        "filter: {}; / changes it, c clears it",
                        self.filter
                    ));
                }
            }
            FilterEdit::SearchTyped(pattern) => {
                self.search_for(pattern.trim().to_string(), true, ctx);
            }
            FilterEdit::SearchCancelled => {
                self.waiting = None;
                self.search = self.search_before.take();
                self.dirty = true;
            }
            FilterEdit::Search(pattern) => {
                self.search_before = None;
                self.search_for(pattern, false, ctx);
            }
        }
    }

    fn clear_filter(&mut self, ctx: &mut Shared) {
        ctx.jobs.cancel(JobKind::Search);
        self.filter.clear();
        self.search = None;
        self.waiting = None;
        self.dirty = true;
    }

    /// Drops the decrypted text the search runs over (on lock): it is
    /// zeroized, and read again when next searched.
    pub fn forget_text(&mut self, ctx: &mut Shared) {
        ctx.jobs.cancel(JobKind::Search);
        self.text = None;
        self.waiting = None;
    }

    /// Searches the text in memory for `pattern`: at once when the text
    /// read is that of the rows shown, else once it has been read (in the
    /// background; [`Self::read_text`]). While `typing`, a pattern that is
    /// not (yet) a valid regular expression keeps the hits shown.
    fn search_for(&mut self, pattern: String, typing: bool, ctx: &mut Shared) {
        if pattern.is_empty() {
            self.waiting = None;
            self.search = None;
            self.dirty = true;
            return;
        }
        let generation = ctx.cases.generation();
        let Some((_, text)) = self.text.as_ref().filter(|(g, _)| *g == generation) else {
            self.waiting = Some(pattern.clone());
            self.search = Some(SearchState {
                pattern,
                hits: None,
            });
            self.dirty = true;
            self.read_text(ctx);
            return;
        };
        match text.matches_per_case(&pattern) {
            Ok(found) => self.show_hits(pattern, found, ctx),
            Err(_) if typing => {}
            Err(e) => {
                self.search = None;
                self.dirty = true;
                ctx.error_msg(e.to_string());
            }
        }
    }

    /// Reads, in the background, the text of the readable rows: their
    /// records as the list holds them (nothing decrypted again) and their
    /// notes, of which only those new or changed since the last reading
    /// are decrypted. One reading at a time.
    fn read_text(&mut self, ctx: &mut Shared) {
        if ctx.jobs.is_running(JobKind::Search) {
            return;
        }
        let Some(session) = ctx.session.clone() else {
            return;
        };
        let records: Vec<(CaseId, CaseRecord)> = ctx
            .cases
            .rows
            .iter()
            .filter_map(|s| match &s.state {
                SummaryState::Readable { record } => Some((s.id.clone(), record.as_ref().clone())),
                _ => None,
            })
            .collect();
        let generation = ctx.cases.generation();
        let previous = self.text.take().map(|(_, text)| text);
        let root = ctx.jobs.vault_root.clone();
        ctx.jobs.spawn(
            JobKind::Search,
            "reading the text to search (Esc cancels)",
            move |job| data::run_index(job, &root, &session, records, previous, generation),
        );
    }

    fn show_hits(&mut self, pattern: String, found: Vec<CaseMatches>, ctx: &mut Shared) {
        let total: usize = found.iter().map(|m| m.lines).sum();
        let per_case: BTreeMap<CaseId, CaseMatches> = found
            .into_iter()
            .map(|m| (m.first.case.clone(), m))
            .collect();
        let n = per_case.len();
        self.search = Some(SearchState {
            pattern,
            hits: Some(per_case),
        });
        self.dirty = true;
        self.selected = 0;
        ctx.info_msg(format!(
            "{total} matching line(s) in {n} case(s); Esc clears"
        ));
    }

    fn open_selected(&mut self, ctx: &Shared) -> Vec<Effect> {
        self.refresh_visible(ctx);
        match self.visible.get(self.selected) {
            Some(&i) => vec![Effect::Open(ctx.cases.rows[i].id.clone())],
            None => Vec::new(),
        }
    }

    fn cycle_status(&mut self, ctx: &mut Shared) {
        self.status_filter = match self.status_filter {
            None => Some(Status::Open),
            Some(Status::Open) => Some(Status::Pending),
            Some(Status::Pending) => Some(Status::Closed),
            Some(Status::Closed) => Some(Status::Archived),
            Some(Status::Archived) => None,
        };
        self.dirty = true;
        self.selected = 0;
        let label = self
            .status_filter
            .map(|s| format!("Showing {s} cases"))
            .unwrap_or_else(|| "Showing all cases".into());
        ctx.info_msg(label);
    }

    /// Esc stops this screen's long jobs first; pressed again, it clears the
    /// filter and search.
    fn back(&mut self, ctx: &mut Shared) {
        let stopped = ctx.stop(&[JobKind::List, JobKind::Search, JobKind::LastChanges]);
        // Only what the stopped jobs were filling in is reset.
        if stopped.contains(&JobKind::List) {
            ctx.cases.loading = false;
        }
        if stopped.contains(&JobKind::Search) {
            self.search = None;
            self.waiting = None;
            self.dirty = true;
        }
        if stopped.is_empty() && (!self.filter.is_empty() || self.search.is_some()) {
            self.clear_filter(ctx);
        }
    }

    fn open_prefix(&mut self, arg: &str, ctx: &mut Shared) -> Vec<Effect> {
        let wanted = arg.to_uppercase();
        let found: Vec<CaseId> = ctx
            .cases
            .rows
            .iter()
            .map(|s| s.id.clone())
            .filter(|id| id.as_str().starts_with(&wanted))
            .collect();
        match found.as_slice() {
            [one] => return vec![Effect::Open(one.clone())],
            [] => ctx.error_msg(format!("no case id starts with {arg}")),
            _ => ctx.error_msg(format!(
                "{arg} matches {} cases; type more of the id",
                found.len()
            )),
        }
        Vec::new()
    }
}

impl Screen for ListScreen {
    fn keys(&self) -> &'static Keymap {
        &KEYS
    }

    fn update(&mut self, a: Action, ctx: &mut Shared) -> Vec<Effect> {
        self.refresh_visible(ctx);
        let n = self.visible.len();
        match a {
            a if a.moves() => {
                self.selected = step(self.selected, n, a, ctx.page);
            }
            Action::Open => return self.open_selected(ctx),
            Action::Filter => {
                self.filter_before = self.filter.clone();
                return vec![Prompt::open(PromptPurpose::Filter, "/", &self.filter)];
            }
            Action::Search => {
                self.search_before = self.search.clone();
                if self.text.is_none() {
                    self.read_text(ctx); // while the pattern is typed
                }
                let current = self.search.as_ref().map(|s| s.pattern.as_str());
                return vec![Prompt::open(
                    PromptPurpose::Search,
                    "search all text (regex):",
                    current.unwrap_or(""),
                )];
            }
            Action::ClearFilter => self.clear_filter(ctx),
            Action::CycleSort => {
                let i = SortKey::ALL
                    .iter()
                    .position(|k| *k == self.sort)
                    .unwrap_or(0);
                self.sort = SortKey::ALL[(i + 1) % SortKey::ALL.len()];
                self.dirty = true;
                ctx.info_msg(format!("Sorted by {}", self.sort.name()));
            }
            Action::ReverseSort => {
                self.reverse = !self.reverse;
                self.dirty = true;
            }
            Action::CycleStatus => self.cycle_status(ctx),
            Action::NewCase => return vec![Effect::Push(Box::new(new_case_form()))],
            Action::CheckConflicts => {
                return vec![Prompt::open(
                    PromptPurpose::ConflictCheck,
                    "check for conflicts (names, `;` between them)",
                    "",
                )]
            }
            Action::Sync => {
                ctx.start_sync(SyncRequest::default());
            }
            Action::Back => self.back(ctx),
            other => return vec![Effect::Global(other)],
        }
        Vec::new()
    }

    fn tab(&self) -> Option<Action> {
        Some(Action::ShowCases)
    }

    fn tab_name(&self) -> Option<&'static str> {
        Some("Cases")
    }

    fn on_job(&mut self, kind: JobKind, result: JobResult, ctx: &mut Shared) -> Taken {
        match (kind, result) {
            (JobKind::Search, Ok(JobOutput::Corpus { corpus, generation })) => {
                self.text = Some((generation, *corpus));
                if let Some(pattern) = self.waiting.take() {
                    self.search_for(pattern, false, ctx);
                }
                Taken::Yes(Vec::new())
            }
            (JobKind::Search, Err(e)) => {
                self.search = None;
                self.waiting = None;
                self.dirty = true;
                ctx.error_msg(e.to_string());
                Taken::Yes(Vec::new())
            }
            (kind, result) => Taken::No(kind, result),
        }
    }

    fn command(&mut self, name: &str, arg: &str, ctx: &mut Shared) -> Option<Vec<Effect>> {
        match name {
            "new" => return Some(vec![Effect::Push(Box::new(new_case_form()))]),
            "search" if !arg.is_empty() => self.search_for(arg.to_string(), false, ctx),
            "filter" => {
                self.filter = arg.to_string();
                self.dirty = true;
            }
            "open" if !arg.is_empty() => return Some(self.open_prefix(arg, ctx)),
            "status" => {
                self.status_filter = match arg {
                    "open" => Some(Status::Open),
                    "pending" => Some(Status::Pending),
                    "closed" => Some(Status::Closed),
                    "archived" => Some(Status::Archived),
                    _ => None,
                };
                self.dirty = true;
                return Some(Vec::new());
            }
            "sort" => {
                match SortKey::parse(arg) {
                    Some(k) => {
                        self.sort = k;
                        self.dirty = true;
                    }
                    None => ctx.error_msg(
                        "sort by reference, title, status, sensitivity, deadline or changed",
                    ),
                }
                return Some(Vec::new());
            }
            _ => return None,
        }
        // `search` and `filter` show the list.
        Some(vec![Effect::Home])
    }

    fn render(&mut self, f: &mut Frame, area: Rect, ctx: &Shared) {
        self.refresh_visible(ctx);
        let [head, table] = Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(area);
        let t = &ctx.theme;
        let c = &*self;
        let index = &ctx.cases;

        let mut spans = vec![Span::styled(
            format!(" Cases {} of {}", c.visible.len(), index.rows.len()),
            t.style(Role::Header),
        )];
        if index.loading {
            let total = index.total.map(|n| n.to_string()).unwrap_or_else(|| "?".into());
            spans.push(Span::styled(
                format!("  loading {}/{total} (Esc stops)", index.rows.len()),
                t.style(Role::Warning),
            ));
        }
        let arrow = if c.reverse { "↑" } else { "↓" };
        spans.push(Span::styled(
            format!("  sort: {}{arrow}", c.sort.name()),
            t.style(Role::Muted),
        ));
        if let Some(s) = c.status_filter {
            spans.push(Span::styled(
                format!("  status: {s}"),
                t.style(Role::Accent),
            ));
        }
        if !c.filter.is_empty() {
            spans.push(Span::styled(
                format!("  filter: {}", c.filter),
                t.style(Role::Accent),
            ));
        }
        if let Some(s) = &c.search {
            let what = match &s.hits {
                None => format!("  searching /{}/…", s.pattern),
                Some(h) => format!("  search /{}/: {} case(s)", s.pattern, h.len()),
            };
            spans.push(Span::styled(what, t.style(Role::Accent)));
        }
        f.render_widget(Paragraph::new(Line::from(spans)), head);

        let wide = area.width >= 100;
        let height = table.height.saturating_sub(1) as usize;
        let offset = scroll_window(c.selected, c.offset, height);
        let found = c.search.as_ref().and_then(|s| s.hits.as_ref());
        let (widths, header): (Vec<Constraint>, Vec<&str>) = match found {
            // Search results: the matching line takes the room of the
            // columns that only describe the case.
            Some(_) => {
                let title = (table.width.saturating_sub(15) * 3 / 10).max(10);
                (
                    vec![
                        Constraint::Length(13),
                        Constraint::Length(title),
                        Constraint::Min(10),
                    ],
                    vec!["Reference", "Title", "Matching line"],
                )
            }
            None => {
                let mut widths = vec![Constraint::Length(13)];
                let mut header = vec!["Reference"];
                if wide {
                    widths.push(Constraint::Length(18));
                    header.push("Client");
                }
                widths.extend([
                    Constraint::Min(10),
                    Constraint::Length(8),
                    Constraint::Length(12),
                    Constraint::Length(10),
                    Constraint::Length(10),
                ]);
                header.extend(["Title", "Status", "Sensitivity", "Deadline", "Changed"]);
                (widths, header)
            }
        };
        let match_width = match &widths[..] {
            [_, Constraint::Length(title), _] => {
                table.width.saturating_sub(13 + title + 2) as usize
            }
            _ => 0,
        };

        let rows: Vec<Row> = c
            .visible
            .iter()
            .enumerate()
            .skip(offset)
            .take(height)
            .map(|(pos, &i)| {
                let summary = &index.rows[i];
                let selected = pos == c.selected;
                match found {
                    Some(found) => {
                        match_row(ctx, summary, found.get(&summary.id), match_width, selected)
                    }
                    None => case_row(ctx, summary, wide, selected),
                }
            })
            .collect();
        let empty = rows.is_empty();
        let widget = Table::new(rows, widths)
            .header(Row::new(header).style(t.style(Role::Header)))
            .column_spacing(1);
        f.render_widget(widget, table);
        if !empty {
            crate::tui::widgets::paint_selection(f, t, table, c.selected, offset);
        }
        if empty && !index.loading && table.height > 2 {
            let text = if index.failed {
                "The cases could not be loaded: the reason is in :messages; Ctrl-R tries again."
            } else if index.rows.is_empty() {
                "No cases yet. Press n to create one."
            } else {
                "No case matches. Press c to clear the filter."
            };
            let y = table.y + 2;
            f.render_widget(
                Paragraph::new(Line::styled(format!(" {text}"), t.style(Role::Muted))),
                Rect {
                    y,
                    height: 1,
                    ..table
                },
            );
        }
        self.offset = offset;
    }
}

fn record_of(s: &CaseSummary) -> Option<&CaseRecord> {
    match &s.state {
        SummaryState::Readable { record } => Some(record),
        _ => None,
    }
}

/// What the reference column shows: the pseudonym for protected
/// identities, else the reference; the id for cases that cannot be read.
pub fn list_reference(s: &CaseSummary) -> String {
    match record_of(s) {
        Some(r) if r.protected_identity => r.display_client().to_string(),
        Some(r) => r.reference.clone(),
        None => s.id.to_string(),
    }
}

fn title_of(s: &CaseSummary) -> String {
    record_of(s).map(|r| r.title.clone()).unwrap_or_default()
}

/// The text the instant filter matches: only what the list shows (so a
/// protected client's real name is not matched; full-text search does that).
fn filter_text(s: &CaseSummary, info: &VaultInfo) -> String {
    match &s.state {
        SummaryState::Readable { record } => format!(
            "{} {} {} {} {} {} {} {}",
            s.id,
            list_reference(s),
            record.title,
            record.display_client(),
            record.status,
            record.sensitivity,
            record.practice_area.as_deref().unwrap_or(""),
            record.tags.join(" ")
        ),
        _ => format!(
            "{} locked {}",
            s.id,
            s.owners
                .iter()
                .map(|o| info.name_of(o))
                .collect::<Vec<_>>()
                .join(" ")
        ),
    }
}

/// A search result: reference, title and the first matching line, the
/// match highlighted and in view.
fn match_row<'a>(
    ctx: &Shared,
    s: &CaseSummary,
    found: Option<&CaseMatches>,
    width: usize,
    selected: bool,
) -> Row<'a> {
    let t = &ctx.theme;
    let line = match found {
        Some(m) => {
            let more = match m.lines {
                1 => String::new(),
                n => format!(" (+{})", n - 1),
            };
            let place = if m.first.location == "record" { "record" } else { "note" };
            let prefix = format!("{place}: ");
            let budget = width.saturating_sub(prefix.chars().count() + more.chars().count());
            let (before, hit, after) = snippet(&m.first.line, m.first.span.clone(), budget);
            Line::from(vec![
                Span::styled(prefix, t.style(Role::Muted)),
                Span::styled(before, t.style(Role::Text)),
                Span::styled(
                    hit,
                    t.style(Role::Accent)
                        .add_modifier(Modifier::BOLD | Modifier::UNDERLINED),
                ),
                Span::styled(after, t.style(Role::Text)),
                Span::styled(more, t.style(Role::Muted)),
            ])
        }
        None => Line::default(),
    };
    let cells = vec![
        Cell::from(list_reference(s)),
        Cell::from(title_of(s)),
        Cell::from(line),
    ];
    Row::new(cells).style(row_style(t, selected, t.style(Role::Text)))
}

/// `line` cut to `budget` characters around the match at `span` (bytes):
/// what comes before it, the match, what comes after, with `…` where text
/// was cut. The match starts within the first third when the line is long.
pub fn snippet(
    line: &str,
    span: std::ops::Range<usize>,
    budget: usize,
) -> (String, String, String) {
    let clamp = |i: usize| {
        let mut i = i.min(line.len());
        while !line.is_char_boundary(i) {
            i -= 1;
        }
        i
    };
    let (start, end) = (clamp(span.start), clamp(span.end.max(span.start)));
    let before: Vec<char> = line[..start].chars().collect();
    let hit: String = line[start..end].chars().take(budget.max(1)).collect();
    let room = budget.saturating_sub(hit.chars().count());
    let lead = room / 3;
    let before = if before.len() > lead {
        let kept: String = before[before.len() - lead.saturating_sub(1)..].iter().collect();
        format!("…{kept}")
    } else {
        before.iter().collect()
    };
    let room = room.saturating_sub(before.chars().count());
    let after: Vec<char> = line[end..].chars().collect();
    let after = if after.len() > room {
        let kept: String = after[..room.saturating_sub(1)].iter().collect();
        format!("{kept}…")
    } else {
        after.iter().collect()
    };
    (before, hit, after)
}

fn case_row<'a>(ctx: &Shared, s: &CaseSummary, wide: bool, selected: bool) -> Row<'a> {
    let t = &ctx.theme;
    let mut cells: Vec<Cell> = Vec::new();
    match &s.state {
        SummaryState::Readable { record } => {
            let reference = list_reference(s);
            let ref_style = if record.protected_identity {
                t.style(Role::Restricted)
            } else {
                t.style(Role::Text)
            };
            cells.push(Cell::from(Span::styled(reference, ref_style)));
            if wide {
                if record.protected_identity {
                    cells.push(Cell::from(Span::styled(
                        "(protected)",
                        t.style(Role::Muted),
                    )));
                } else {
                    cells.push(Cell::from(record.client.name.clone()));
                }
            }
            cells.push(Cell::from(record.title.clone()));
            cells.push(Cell::from(record.status.to_string()));
            let sens = sensitivity_style(t, record.sensitivity);
            cells.push(Cell::from(Span::styled(
                record.sensitivity.to_string(),
                sens,
            )));
            cells.push(Cell::from(
                record
                    .next_deadline()
                    .map(|d| d.date.format("%Y-%m-%d").to_string())
                    .unwrap_or_default(),
            ));
        }
        SummaryState::Locked => {
            let owners: Vec<String> = s.owners.iter().map(|o| ctx.info.name_of(o)).collect();
            cells.push(Cell::from(s.id.to_string()));
            if wide {
                cells.push(Cell::from("—"));
            }
            cells.push(Cell::from(clip(
                &format!("locked · owners: {}", owners.join(", ")),
                200,
            )));
            cells.extend(["—", "—", "—"].map(Cell::from));
        }
        SummaryState::Damaged { problem } => {
            cells.push(Cell::from(s.id.to_string()));
            if wide {
                cells.push(Cell::from("—"));
            }
            cells.push(Cell::from(Span::styled(
                format!("cannot be read: {problem}"),
                t.style(Role::Danger),
            )));
            cells.extend(["—", "—", "—"].map(Cell::from));
        }
    }
    cells.push(Cell::from(
        ctx.cases
            .last_changes
            .get(&s.id)
            .map(|d| d.format("%Y-%m-%d").to_string())
            .unwrap_or_default(),
    ));
    let normal = match s.state {
        SummaryState::Locked => t.style(Role::Locked),
        _ => t.style(Role::Text),
    };
    Row::new(cells).style(row_style(t, selected, normal))
}
