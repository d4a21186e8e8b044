//! The guided disclosure: choose the legal basis → the dialog says what it
//! requires and takes it → pick the fields, documents and notes, with a
//! preview of exactly what will leave → the recipient's key (pasted, or a
//! file the recipient sent), with its fingerprint to read aloud, and where
//! the export goes → confirm.
//!
//! Before the last step the library's [`disclose::assess`] checks the
//! whole disclosure against the case as loaded (basis, consent, conditions,
//! items) and says what is missing in its own sentence; confirming runs the
//! disclosure as a change job, which checks everything again. A disclosure
//! that needs a second person's approval (public safety, a restricted case)
//! only records the request.

use dossier::case::fields::FIELDS;
use dossier::case::{CaseId, CaseRecord};
use dossier::ops::disclose::{self, Assessment, LegalBasis, Request};
use dossier::ops::documents::Document;
use ratatui::crossterm::event::KeyCode as K;
use ratatui::layout::{Constraint, Layout, Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};
use ratatui::Frame;

use crate::tui::action::{bind as b, Action, Action as A, Key, Keymap, Rest};
use crate::tui::component::{stays_after_saving, Effect, Overlay};
use crate::tui::data::{self, Change};
use crate::tui::jobs::JobKind;
use crate::tui::model::LoadedCase;
use crate::tui::overlays::confirm::{Confirm, OnYes};
use crate::tui::overlays::prompt::{self, expand_path};
use crate::tui::shared::Shared;
use crate::tui::text::TextInput;
use crate::tui::theme::{Role, Theme};
use crate::tui::widgets::{centered, clip, scroll_window, step};

/// The dialog's keys (while a field is edited, the prompt's).
pub const KEYS: Keymap = Keymap {
    title: "Disclosure dialog",
    bindings: &[
        b(Key::plain(K::Tab), A::NextTab, "next step", true),
        b(Key::plain(K::BackTab), A::PrevTab, "previous step", true),
        b(
            Key::plain(K::Enter),
            A::Submit,
            "choose / edit the field",
            true,
        ),
        b(
            Key::ch(' '),
            A::Toggle,
            "include or leave out the item",
            false,
        ),
        b(
            Key::ctrl('s'),
            A::Save,
            "disclose (on the last step)",
            false,
        ),
        b(Key::plain(K::Esc), A::Back, "cancel", true),
        b(Key::ch('k'), A::Up, "up", false),
        b(Key::plain(K::Up), A::Up, "up", false),
        b(Key::ch('j'), A::Down, "down", false),
        b(Key::plain(K::Down), A::Down, "down", false),
    ],
    rest: Rest::CtrlCQuits,
};

/// The dialog's steps, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Which legal basis.
    Basis,
    /// What the basis requires (reference, instrument, justification).
    Requirements,
    /// Which fields, documents and notes.
    Items,
    /// To whom, and where the export goes.
    Recipient,
    /// Everything, once more, before it leaves.
    Confirm,
}

impl Step {
    const ALL: [Step; 5] = [
        Step::Basis,
        Step::Requirements,
        Step::Items,
        Step::Recipient,
        Step::Confirm,
    ];

    fn title(self) -> &'static str {
        match self {
            Step::Basis => "1 Basis",
            Step::Requirements => "2 Requirements",
            Step::Items => "3 What leaves",
            Step::Recipient => "4 Recipient",
            Step::Confirm => "5 Confirm",
        }
    }

    fn index(self) -> usize {
        Step::ALL.iter().position(|s| *s == self).unwrap_or(0)
    }
}

/// What kind of item a row of the checklist is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemKind {
    /// A field path of the record.
    Field,
    /// An attached document, by id.
    Document,
    /// A note, by file name.
    Note,
}

/// One row of the checklist.
#[derive(Debug, Clone)]
pub struct Pick {
    /// What it is.
    pub kind: ItemKind,
    /// Its name as the request names it (field path, document id, note file).
    pub name: String,
    /// How the list shows it.
    pub label: String,
    /// Exactly what would leave, for the preview.
    pub preview: String,
    /// Whether it is chosen.
    pub chosen: bool,
}

/// One text field of a step.
#[derive(Debug)]
pub struct Entry {
    /// Its name.
    pub key: &'static str,
    /// What it takes.
    pub hint: &'static str,
    /// Its text.
    pub value: TextInput,
}

/// The guided disclosure dialog.
#[derive(Debug)]
pub struct DisclosureDialog {
    /// The case.
    pub case: CaseId,
    record: CaseRecord,
    note_files: Vec<String>,
    /// The step shown.
    pub step: Step,
    /// The chosen basis, an index into [`LegalBasis::ALL`].
    pub basis: usize,
    /// Reference, jurisdiction, instrument, justification.
    pub details: Vec<Entry>,
    /// The checklist.
    pub items: Vec<Pick>,
    /// Recipient key (or the file it is in) and the export's path.
    pub recipient: Vec<Entry>,
    /// The selected row of the step.
    pub selected: usize,
    offset: usize,
    /// The field being edited.
    pub editing: Option<TextInput>,
    /// Why the last step could not be left, in the library's sentence.
    pub problem: Option<String>,
    /// The checked disclosure, on the last step.
    pub assessment: Option<Assessment>,
    /// The key the recipient field resolved to.
    pub key: Option<String>,
    /// The recipient field read once when it was accepted (a pasted key
    /// or the file it came in): the key and how it is read aloud, or why
    /// not. Drawing never reads the file again.
    resolved: Option<Result<(String, String), String>>,
    saving: bool,
}

fn entry(key: &'static str, hint: &'static str, value: &str) -> Entry {
    Entry {
        key,
        hint,
        value: TextInput::with(value),
    }
}

impl DisclosureDialog {
    /// A dialog for the case `l`, on its first step, nothing chosen.
    pub fn new(l: &LoadedCase, ctx: &Shared) -> DisclosureDialog {
        let record = l.case.record.clone();
        let items = checklist(&record, &l.documents, &l.case.notes);
        let out = format!(
            "~/disclosure-{}-{}.age",
            file_safe(&record.reference),
            ctx.today
        );
        DisclosureDialog {
            case: l.case.id.clone(),
            note_files: l.case.notes.iter().map(|n| n.file.clone()).collect(),
            record,
            step: Step::Basis,
            basis: 0,
            details: vec![
                entry("reference", "the order's or request's reference", ""),
                entry("jurisdiction", "the recipient's country code, e.g. GB", ""),
                entry("instrument", "the treaty or request it rests on", ""),
                entry("justification", "why, in writing (basis other)", ""),
            ],
            items,
            recipient: vec![
                entry(
                    "recipient",
                    "paste the age1… or ssh-ed25519 key, or give the file it came in",
                    "",
                ),
                entry("save as", "a new file (never over one)", &out),
            ],
            selected: 0,
            offset: 0,
            editing: None,
            problem: None,
            assessment: None,
            key: None,
            resolved: None,
            saving: false,
        }
    }

    /// The chosen basis.
    pub fn basis(&self) -> LegalBasis {
        LegalBasis::ALL[self.basis.min(LegalBasis::ALL.len() - 1)]
    }

    fn rows(&self) -> usize {
        match self.step {
            Step::Basis => LegalBasis::ALL.len(),
            Step::Requirements => self.details.len(),
            Step::Items => self.items.len(),
            Step::Recipient => self.recipient.len(),
            Step::Confirm => 0,
        }
    }

    fn entries(&mut self) -> Option<&mut Vec<Entry>> {
        match self.step {
            Step::Requirements => Some(&mut self.details),
            Step::Recipient => Some(&mut self.recipient),
            _ => None,
        }
    }

    fn detail(&self, key: &str) -> Option<String> {
        self.details
            .iter()
            .find(|e| e.key == key)
            .map(|e| e.value.value().trim().to_string())
            .filter(|v| !v.is_empty())
    }

    /// The request as the dialog stands (`to` as resolved, if it was).
    pub fn request(&self) -> Request {
        let chosen = |kind| {
            self.items
                .iter()
                .filter(|p| p.kind == kind && p.chosen)
                .map(|p| p.name.clone())
                .collect()
        };
        Request {
            case: self.case.clone(),
            to: self.key.clone().unwrap_or_default(),
            basis: self.basis(),
            fields: chosen(ItemKind::Field),
            documents: chosen(ItemKind::Document),
            notes: chosen(ItemKind::Note),
            reference: self.detail("reference"),
            jurisdiction: self.detail("jurisdiction"),
            instrument: self.detail("instrument"),
            justification: self.detail("justification"),
            out: expand_path(self.recipient[1].value.value().trim()),
        }
    }

    fn go(&mut self, to: Step) {
        self.step = to;
        self.selected = 0;
        self.offset = 0;
        self.problem = None;
    }

    /// Tab: on to the next step, once this one is complete.
    fn next(&mut self, ctx: &Shared) {
        match self.step {
            Step::Basis => self.go(Step::Requirements),
            Step::Requirements => self.go(Step::Items),
            Step::Items if !self.items.iter().any(|p| p.chosen) => {
                self.problem = Some(
                    "choose at least one field, document or note (Space includes the selected one)"
                        .into(),
                );
            }
            Step::Items => self.go(Step::Recipient),
            Step::Recipient => self.check(ctx),
            Step::Confirm => {}
        }
    }

    /// Resolves the recipient and asks the library whether the disclosure
    /// would be allowed; only then is the last step shown.
    fn check(&mut self, ctx: &Shared) {
        if self.resolved.is_none() {
            self.resolve();
        }
        let key = match &self.resolved {
            Some(Ok((key, _))) => key.clone(),
            Some(Err(e)) => {
                self.problem = Some(e.clone());
                return;
            }
            None => return,
        };
        self.key = Some(key);
        let request = self.request();
        match disclose::assess(&self.record, &self.note_files, &request, ctx.today) {
            Ok(assessment) => {
                if assessment.approval.is_none() && request.out.as_os_str().is_empty() {
                    self.problem = Some("say where the export is saved".into());
                    return;
                }
                self.assessment = Some(assessment);
                self.go(Step::Confirm);
            }
            Err(e) => self.problem = Some(e.to_string()),
        }
    }

    fn save(&mut self, ctx: &mut Shared) {
        let Some(assessment) = &self.assessment else {
            return;
        };
        let request = Box::new(self.request());
        let change = if assessment.approval.is_some() {
            Change::RequestDisclosure(request)
        } else {
            Change::Disclose(request)
        };
        self.saving = ctx.start_change(change);
    }

    /// Reads the recipient field: a key, or the file it came in.
    fn resolve(&mut self) {
        self.resolved = Some(
            resolve_recipient(self.recipient[0].value.value()).and_then(|key| {
                disclose::recipient_fingerprint(&key)
                    .map(|fp| (key, fp))
                    .map_err(|e| e.to_string())
            }),
        );
    }

    fn started(&self) -> bool {
        self.items.iter().any(|p| p.chosen)
            || self.details.iter().any(|e| !e.value.value().is_empty())
            || !self.recipient[0].value.value().is_empty()
    }
}

/// The recipient field as a key: a key pasted, or the file it came in.
fn resolve_recipient(text: &str) -> Result<String, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err("give the recipient's public key, or the file it came in".into());
    }
    if text.starts_with("age1") || text.starts_with("ssh-") {
        return disclose::recipient_in(text).map_err(|e| e.to_string());
    }
    let path = expand_path(text);
    let meta = std::fs::metadata(&path).map_err(|e| {
        format!(
            "cannot read the recipient's key file {}: {e}",
            path.display()
        )
    })?;
    if meta.len() > 64 * 1024 {
        return Err(format!(
            "{} is too large to be a public key file",
            path.display()
        ));
    }
    let bytes = dossier::support::fsio::read(&path).map_err(|e| e.to_string())?;
    let content = String::from_utf8_lossy(&bytes);
    disclose::recipient_in(&content).map_err(|e| format!("{}: {e}", path.display()))
}

/// Every item the case has that could leave: the record's non-empty
/// fields, its documents and its notes, each with what would leave.
fn checklist(
    record: &CaseRecord,
    documents: &[Document],
    notes: &[dossier::case::Note],
) -> Vec<Pick> {
    let mut items: Vec<Pick> = FIELDS
        .iter()
        .filter_map(|(path, _)| {
            let value = data::field_text(record, path);
            (!value.is_empty()).then(|| Pick {
                kind: ItemKind::Field,
                name: (*path).to_string(),
                label: format!("field {path}"),
                preview: value,
                chosen: false,
            })
        })
        .collect();
    items.extend(documents.iter().map(|d| Pick {
        kind: ItemKind::Document,
        name: d.id.clone(),
        label: format!("document {}", d.name),
        preview: format!(
            "The file {} ({} bytes, sha256 {}), whole.",
            d.name, d.size, d.sha256
        ),
        chosen: false,
    }));
    items.extend(notes.iter().map(|n| Pick {
        kind: ItemKind::Note,
        name: n.file.clone(),
        label: format!("note of {}", n.created.format("%Y-%m-%d %H:%M")),
        preview: n.text.clone(),
        chosen: false,
    }));
    items
}

/// A reference as part of a file name.
fn file_safe(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

impl Overlay for DisclosureDialog {
    fn keys(&self) -> &'static Keymap {
        if self.editing.is_some() {
            &prompt::KEYS
        } else {
            &KEYS
        }
    }

    fn update(&mut self, a: Action, ctx: &mut Shared) -> Vec<Effect> {
        if self.saving {
            return Vec::new();
        }
        if let Some(mut input) = self.editing.take() {
            match a {
                Action::Back => {}
                Action::Submit => {
                    let i = self.selected;
                    if let Some(e) = self.entries().and_then(|es| es.get_mut(i)) {
                        e.value = input;
                    }
                    if self.step == Step::Recipient && i == 0 {
                        self.resolve();
                    }
                    self.assessment = None;
                }
                other => {
                    input.edit(other);
                    self.editing = Some(input);
                }
            }
            return Vec::new();
        }
        let rows = self.rows();
        match a {
            Action::Up | Action::Down => self.selected = step(self.selected, rows, a, ctx.page),
            Action::NextTab => self.next(ctx),
            Action::PrevTab => {
                let i = self.step.index();
                if i > 0 {
                    self.go(Step::ALL[i - 1]);
                }
            }
            Action::Submit => match self.step {
                Step::Basis => {
                    self.basis = self.selected;
                    self.go(Step::Requirements);
                }
                Step::Items => self.toggle(),
                Step::Requirements | Step::Recipient => {
                    let i = self.selected;
                    if let Some(e) = self.entries().and_then(|es| es.get(i)) {
                        self.editing = Some(TextInput::with(e.value.value()));
                    }
                }
                Step::Confirm => self.save(ctx),
            },
            Action::Toggle if self.step == Step::Items => self.toggle(),
            Action::Save if self.step == Step::Confirm => self.save(ctx),
            Action::Back if self.started() => {
                return vec![Confirm::ask(
                    "Leave the disclosure? Nothing has left the firm.",
                    OnYes::Discard,
                )];
            }
            Action::Back => return vec![Effect::Close],
            Action::Quit => return vec![Confirm::ask("Quit without disclosing?", OnYes::Quit)],
            _ => {}
        }
        Vec::new()
    }

    fn render(&mut self, f: &mut Frame, main: Rect, _hints: Rect, top: bool, ctx: &Shared) {
        let t = &ctx.theme;
        let area = centered(main, 100.min(main.width), main.height.min(30));
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(t.style(Role::Accent))
            .title(Span::styled(
                format!(" Disclose from case {} ", self.case),
                t.style(Role::Title),
            ));
        let inner = block.inner(area);
        f.render_widget(Clear, area);
        f.render_widget(block, area);
        let [steps, body, foot] = Layout::vertical([
            Constraint::Length(2),
            Constraint::Min(1),
            Constraint::Length(2),
        ])
        .areas(inner);
        let mut spans = Vec::new();
        for s in Step::ALL {
            let style = if s == self.step {
                t.style(Role::TabActive)
            } else {
                t.style(Role::TabInactive)
            };
            spans.push(Span::styled(format!(" {} ", s.title()), style));
            spans.push(Span::styled("›", t.style(Role::Muted)));
        }
        spans.pop();
        f.render_widget(Paragraph::new(Line::from(spans)), steps);
        let height = body.height as usize;
        self.offset = scroll_window(self.selected, self.offset, height.saturating_sub(3));
        let cursor = match self.step {
            Step::Basis => {
                draw_basis(f, t, self, body);
                None
            }
            Step::Requirements => draw_entries(f, t, self, &self.details, body, true),
            Step::Items => {
                draw_items(f, t, self, body, ctx);
                None
            }
            Step::Recipient => draw_entries(f, t, self, &self.recipient, body, false),
            Step::Confirm => {
                draw_confirm(f, t, self, body);
                None
            }
        };
        let (text, style) = match (&self.problem, self.saving) {
            (Some(p), _) => (p.clone(), t.style(Role::Danger)),
            (None, true) => ("Working…".into(), t.style(Role::Accent)),
            (None, false) => (footer(self).into(), t.style(Role::Muted)),
        };
        f.render_widget(
            Paragraph::new(Line::styled(text, style)).wrap(Wrap { trim: true }),
            foot,
        );
        if let (true, Some((x, y))) = (top, cursor) {
            f.set_cursor_position(Position::new(x, y));
        }
    }

    fn job_ended(&mut self, kind: JobKind, ok: bool) -> bool {
        stays_after_saving(&mut self.saving, kind, ok)
    }
}

impl DisclosureDialog {
    fn toggle(&mut self) {
        if let Some(p) = self.items.get_mut(self.selected) {
            p.chosen = !p.chosen;
            self.assessment = None;
            self.problem = None;
        }
    }
}

fn footer(d: &DisclosureDialog) -> &'static str {
    if d.editing.is_some() {
        return "Editing: Enter accepts, Esc leaves it as it was";
    }
    match d.step {
        Step::Basis => "Enter chooses the basis · Esc cancels",
        Step::Requirements | Step::Recipient => {
            "Enter edits the field · Tab next step · S-Tab back · Esc cancels"
        }
        Step::Items => "Space includes or leaves out · Tab next step · S-Tab back · Esc cancels",
        Step::Confirm if d.assessment.as_ref().is_some_and(|a| a.approval.is_some()) => {
            "Ctrl-S records the request · S-Tab back · Esc cancels"
        }
        Step::Confirm => "Ctrl-S discloses · S-Tab back · Esc cancels",
    }
}

fn draw_basis(f: &mut Frame, t: &Theme, d: &DisclosureDialog, area: Rect) {
    let mut lines = vec![Line::styled(
        " On what legal basis does this information leave the firm?",
        t.style(Role::Text),
    )];
    lines.push(Line::default());
    for (i, b) in LegalBasis::ALL.iter().enumerate() {
        let mark = if i == d.basis { "●" } else { "○" };
        let style = if i == d.selected {
            t.style(Role::Selection)
        } else {
            t.style(Role::Text)
        };
        lines.push(Line::styled(format!(" {mark} {}", b.token()), style));
    }
    let highlighted = LegalBasis::ALL[d.selected.min(LegalBasis::ALL.len() - 1)];
    lines.push(Line::default());
    lines.push(Line::styled(
        format!(
            " {} requires {}.",
            highlighted.token(),
            highlighted.requires()
        ),
        t.style(Role::Muted),
    ));
    f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), area);
}

/// Draws text fields; returns where the cursor goes while one is edited.
fn draw_entries(
    f: &mut Frame,
    t: &Theme,
    d: &DisclosureDialog,
    entries: &[Entry],
    area: Rect,
    requirements: bool,
) -> Option<(u16, u16)> {
    let basis = d.basis();
    let head_rows = if requirements { 5 } else { 2 };
    let [head, area] =
        Layout::vertical([Constraint::Length(head_rows), Constraint::Min(1)]).areas(area);
    let mut lines = Vec::new();
    if requirements {
        lines.push(Line::styled(
            format!(" {}: requires {}.", basis.token(), basis.requires()),
            t.style(Role::Text),
        ));
        if let Some(why) = disclose::needs_approval(&d.record, basis) {
            lines.push(Line::styled(
                format!(" Four eyes: {why}, so an administrator other than you must approve it; confirming records the request."),
                t.style(Role::Warning),
            ));
        }
        if basis == LegalBasis::ClientConsent {
            lines.push(Line::styled(
                format!(
                    " The case records {} consent(s); see the Consents tab.",
                    d.record.consents.len()
                ),
                t.style(Role::Muted),
            ));
        }
    } else {
        lines.push(Line::styled(
            " The export is encrypted to this key alone: no one at the firm, you included, can open it.",
            t.style(Role::Text),
        ));
    }
    f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), head);
    let mut lines = Vec::new();
    let top = 0;
    let key_w = 16usize;
    let value_w = (area.width as usize).saturating_sub(key_w + 2);
    let mut cursor = None;
    for (i, e) in entries.iter().enumerate() {
        let selected = i == d.selected;
        let key_style = if selected {
            t.style(Role::Selection)
        } else {
            t.style(Role::Muted)
        };
        let (shown, style) = match (&d.editing, selected) {
            (Some(input), true) => {
                let (text, at) = input.view(value_w);
                cursor = Some((area.x + (key_w + 2 + at) as u16, area.y + (top + i) as u16));
                (text, t.style(Role::Input))
            }
            _ if e.value.value().is_empty() => (format!("({})", e.hint), t.style(Role::Muted)),
            _ => (e.value.display(), t.style(Role::Text)),
        };
        lines.push(Line::from(vec![
            Span::styled(format!(" {:<key_w$} ", e.key), key_style),
            Span::styled(clip(&shown, value_w), style),
        ]));
    }
    if !requirements {
        if let Some(Ok((_, fp))) = &d.resolved {
            lines.push(Line::default());
            lines.push(Line::styled(
                " Read this to the recipient, who checks it against their own key:",
                t.style(Role::Text),
            ));
            lines.push(Line::styled(format!("   {fp}"), t.style(Role::Accent)));
        }
    }
    f.render_widget(Paragraph::new(lines), area);
    cursor
}

fn draw_items(f: &mut Frame, t: &Theme, d: &DisclosureDialog, area: Rect, ctx: &Shared) {
    let [list, preview] =
        Layout::horizontal([Constraint::Percentage(45), Constraint::Percentage(55)]).areas(area);
    let height = list.height.saturating_sub(1) as usize;
    let offset = scroll_window(d.selected, d.offset, height);
    let chosen = d.items.iter().filter(|p| p.chosen).count();
    let mut lines = vec![Line::styled(
        format!(" {chosen} of {} chosen: only these leave", d.items.len()),
        t.style(Role::Text),
    )];
    for (i, p) in d.items.iter().enumerate().skip(offset).take(height) {
        let mark = if p.chosen { "[x]" } else { "[ ]" };
        let bound = condition_on(&d.record, p, ctx).is_some();
        let style = if i == d.selected {
            t.style(Role::Selection)
        } else if bound {
            t.style(Role::Warning)
        } else {
            t.style(Role::Text)
        };
        let flag = if bound { " [condition]" } else { "" };
        let width = (list.width as usize).saturating_sub(6 + flag.len());
        lines.push(Line::styled(
            format!(" {mark} {}{flag}", clip(&p.label, width)),
            style,
        ));
    }
    f.render_widget(Paragraph::new(lines), list);
    let Some(p) = d.items.get(d.selected) else {
        return;
    };
    let mut shown = vec![Line::styled(
        format!("Leaves as: {}", p.label),
        t.style(Role::Header),
    )];
    if let Some(c) = condition_on(&d.record, p, ctx) {
        shown.push(Line::styled(
            format!(
                "Condition {} set by {} binds it: release it first (Conditions tab), or leave it out.",
                c.id, c.set_by
            ),
            t.style(Role::Warning),
        ));
    }
    shown.extend(
        p.preview
            .lines()
            .map(|l| Line::styled(l.to_string(), t.style(Role::Text))),
    );
    f.render_widget(
        Paragraph::new(shown).wrap(Wrap { trim: false }).block(
            Block::default()
                .borders(Borders::LEFT)
                .border_style(t.style(Role::Border)),
        ),
        preview,
    );
}

fn condition_on<'a>(
    record: &'a CaseRecord,
    p: &Pick,
    ctx: &Shared,
) -> Option<&'a dossier::case::record::Condition> {
    let kind = match p.kind {
        ItemKind::Field => "field",
        ItemKind::Document => "document",
        ItemKind::Note => "note",
    };
    let key = format!("{kind}:{}", p.name);
    record
        .conditions
        .iter()
        .find(|c| c.item.trim() == key && disclose::in_force(c, ctx.today))
}

fn draw_confirm(f: &mut Frame, t: &Theme, d: &DisclosureDialog, area: Rect) {
    let Some(a) = &d.assessment else {
        return;
    };
    let request = d.request();
    let shown = d
        .record
        .shown_pseudonym()
        .map(|p| format!(" ({p})"))
        .unwrap_or_default();
    let mut lines = vec![Line::styled(
        format!(
            " From case {}{shown}, on the basis {}.",
            d.record.reference, request.basis
        ),
        t.style(Role::Text),
    )];
    let given = [
        ("Reference", &request.reference),
        ("Jurisdiction", &request.jurisdiction),
        ("Instrument", &request.instrument),
        ("Justification", &request.justification),
    ];
    for (label, value) in given {
        if let Some(v) = value {
            lines.push(Line::styled(format!(" {label}: {v}"), t.style(Role::Text)));
        }
    }
    lines.push(Line::styled(
        format!(" To {} only.", clip(&a.recipient, 80)),
        t.style(Role::Text),
    ));
    lines.push(Line::styled(
        format!("   read aloud: {}", a.fingerprint),
        t.style(Role::Accent),
    ));
    let chosen: Vec<&Pick> = d.items.iter().filter(|p| p.chosen).collect();
    lines.push(Line::styled(
        format!(" Enclosed, {} item(s), nothing else:", chosen.len()),
        t.style(Role::Text),
    ));
    for p in chosen {
        lines.push(Line::styled(format!("   {}", p.label), t.style(Role::Text)));
    }
    lines.push(Line::default());
    match a.approval {
        Some(why) => lines.push(Line::styled(
            format!(" Four eyes: {why}. Confirming records a request on the case in a signed commit; nothing leaves the firm until an administrator other than you approves it."),
            t.style(Role::Warning),
        )),
        None => lines.push(Line::styled(
            format!(
                " Confirming writes {} (encrypted to the recipient alone) and records the disclosure on the case in the same signed commit.",
                request.out.display()
            ),
            t.style(Role::Warning),
        )),
    }
    f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), area);
}
