//! Forms: editing a case's fields (validated by the library's field table,
//! case/fields.rs), a new case, a new identity. Enter edits a field in a
//! one-line prompt, Ctrl-S saves; the form stays open until the save
//! answers.

use dossier::case::fields::{self, Kind, FIELDS};
use dossier::case::items::{self, ItemChange, ItemList};
use dossier::case::{CaseId, CaseRecord};
use dossier::keys::identity::{self, GenerateOptions, Identity};
use dossier::ops::cases::NewCase;
use dossier::ops::conflicts::{self, Report};
use dossier::support::secret::SecretString;
use ratatui::crossterm::event::KeyCode as K;
use ratatui::layout::{Constraint, Layout, Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};
use ratatui::Frame;

use crate::tui::action::{bind as b, Action, Action as A, Key, Keymap, Rest};
use crate::tui::component::{stays_after_saving, Effect, Overlay};
use crate::tui::data::{self, Change, ItemOp};
use crate::tui::jobs::{JobKind, JobOutput};
use crate::tui::overlays::notice::Notice;

use crate::tui::overlays::confirm::{Confirm, OnYes};
use crate::tui::overlays::prompt;
use crate::tui::shared::Shared;
use crate::tui::text::TextInput;
use crate::tui::theme::{Role, Theme};
use crate::tui::widgets::{centered, clip, scroll_window, step};

/// The form's keys (while a field is edited, the prompt's).
pub const KEYS: Keymap = Keymap {
    title: "Forms",
    bindings: &[
        b(Key::plain(K::Enter), A::Submit, "edit field / accept", true),
        b(Key::ctrl('s'), A::Save, "save", true),
        b(
            Key::ctrl('k'),
            A::CheckConflicts,
            "check the client's name for conflicts (new case)",
            false,
        ),
        b(Key::plain(K::Esc), A::Back, "cancel", true),
        b(Key::ch('k'), A::Up, "previous field", false),
        b(Key::plain(K::Up), A::Up, "previous field", false),
        b(Key::plain(K::BackTab), A::Up, "previous field", false),
        b(Key::ch('j'), A::Down, "next field", false),
        b(Key::plain(K::Down), A::Down, "next field", false),
        b(Key::plain(K::Tab), A::Down, "next field", false),
    ],
    rest: Rest::CtrlCQuits,
};

/// What a form is for.
#[derive(Debug)]
pub enum FormPurpose {
    /// Editing a case's fields; `draft` has every accepted edit.
    EditCase {
        /// The case.
        id: CaseId,
        /// As loaded.
        original: Box<CaseRecord>,
        /// With edits.
        draft: Box<CaseRecord>,
    },
    /// Adding (`item: None`) or editing one item of a list of a case's
    /// record; `record` is the case as loaded, to check the item against.
    Item {
        /// The case.
        id: CaseId,
        /// Which list.
        list: &'static ItemList,
        /// The item edited, or none for a new one.
        item: Option<String>,
        /// The case's record as loaded.
        record: Box<CaseRecord>,
        /// Each field's text as loaded (empty for a new item).
        original: Vec<String>,
    },
    /// A new case; `checked` is the conflict check made for it, recorded
    /// on the case when it is saved.
    NewCase {
        /// What the check found.
        checked: Option<Box<Report>>,
    },
    /// A new identity.
    Generate,
}

/// One form field.
#[derive(Debug)]
pub struct FormField {
    /// Field path or name.
    pub key: &'static str,
    /// What it takes, shown dimmed.
    pub hint: String,
    /// The current value.
    pub value: TextInput,
    /// Why the last value was refused.
    pub error: Option<String>,
}

/// A form.
#[derive(Debug)]
pub struct Form {
    /// Title.
    pub title: String,
    /// What for.
    pub purpose: FormPurpose,
    /// Fields.
    pub fields: Vec<FormField>,
    /// Selected field.
    pub selected: usize,
    /// First field on screen.
    pub offset: usize,
    /// The field being edited (a copy, accepted with Enter).
    pub editing: Option<TextInput>,
    /// Waiting for the save to finish.
    pub saving: bool,
}

impl Form {
    /// The value of the field named `key` (empty when there is none).
    pub fn value(&self, key: &str) -> &str {
        self.fields
            .iter()
            .find(|x| x.key == key)
            .map_or("", |x| x.value.value())
    }

    /// A form on its first field, nothing being edited or saved.
    pub fn new(title: impl Into<String>, purpose: FormPurpose, fields: Vec<FormField>) -> Form {
        Form {
            title: title.into(),
            purpose,
            fields,
            selected: 0,
            offset: 0,
            editing: None,
            saving: false,
        }
    }
}

impl Overlay for Form {
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
                Action::Submit => self.accept_field(input),
                other => {
                    input.edit(other);
                    self.editing = Some(input);
                }
            }
            return Vec::new();
        }
        let n = self.fields.len();
        match a {
            Action::Up | Action::Down => {
                self.selected = step(self.selected, n, a, ctx.page);
            }
            Action::Submit => {
                // A choice is chosen, not typed: Enter takes the next one.
                if let Some(next) = self.next_choice() {
                    let here = self.selected;
                    self.accept_field(TextInput::with(&next));
                    // Enter again takes the one after: stay on the field.
                    self.selected = here;
                    return Vec::new();
                }
                if let Some(field) = self.fields.get(self.selected) {
                    let mut copy = TextInput::with(field.value.value());
                    copy.masked = field.value.masked;
                    self.editing = Some(copy);
                }
            }
            Action::Save => self.save(ctx),
            Action::CheckConflicts => self.check_conflicts(ctx),
            Action::Back if form_changed(self) => {
                return vec![Confirm::ask("Discard your changes?", OnYes::Discard)];
            }
            Action::Back => return vec![Effect::Close],
            Action::Quit => return vec![Confirm::ask("Quit without saving?", OnYes::Quit)],
            _ => {}
        }
        Vec::new()
    }

    fn render(&mut self, f: &mut Frame, main: Rect, _hints: Rect, top: bool, ctx: &Shared) {
        draw(f, &ctx.theme, self, main, top);
        // Remember the scroll window for the next draw.
        self.offset = scroll_window(self.selected, self.offset, form_rows(main));
    }

    fn job_ended(&mut self, kind: JobKind, ok: bool) -> bool {
        stays_after_saving(&mut self.saving, kind, ok)
    }

    fn job_output(&mut self, out: JobOutput, ctx: &mut Shared) -> Result<Vec<Effect>, JobOutput> {
        match (&mut self.purpose, out) {
            (FormPurpose::NewCase { checked }, JobOutput::Conflicts(report)) => {
                let notice = Notice::conflict_check(&report, &ctx.info);
                ctx.info_msg("The check is recorded on the case when you save it (Ctrl-S).");
                *checked = Some(report);
                Ok(vec![Effect::Push(Box::new(notice))])
            }
            (_, out) => Err(out),
        }
    }
}

impl Form {
    /// Ctrl-K on the new-case form: checks the client's name (intake).
    fn check_conflicts(&mut self, ctx: &mut Shared) {
        if !matches!(self.purpose, FormPurpose::NewCase { .. }) {
            ctx.error_msg(
                "Ctrl-K checks a new case's client for conflicts; elsewhere use `:conflicts NAME`",
            );
            return;
        }
        let client = self.value("client").trim().to_string();
        if client.is_empty() {
            if let Some(field) = self.fields.iter_mut().find(|x| x.key == "client") {
                field.error = Some("give the client's name first, then Ctrl-K checks it".into());
            }
            return;
        }
        ctx.start_conflict_check(vec![client]);
    }
}

impl Form {
    /// For a choice or yes/no field of the case form, the value after the
    /// current one (`None` for a field that is typed).
    fn next_choice(&self) -> Option<String> {
        if !matches!(self.purpose, FormPurpose::EditCase { .. }) {
            return None;
        }
        let field = self.fields.get(self.selected)?;
        let kind = FIELDS
            .iter()
            .find(|(k, _)| *k == field.key)
            .map(|(_, k)| *k)?;
        let options: &[&str] = match kind {
            Kind::Choice(options) => options,
            Kind::Flag => &["false", "true"],
            _ => return None,
        };
        let now = options.iter().position(|o| *o == field.value.value());
        let next = now.map_or(0, |i| (i + 1) % options.len());
        Some(options[next].to_string())
    }

    fn accept_field(&mut self, input: TextInput) {
        let i = self.selected;
        let Some(field) = self.fields.get_mut(i) else {
            return;
        };
        if let FormPurpose::EditCase { draft, .. } = &mut self.purpose {
            match fields::set(draft, field.key, input.value()) {
                Ok(updated) => {
                    **draft = updated;
                    field.value = TextInput::with(&data::field_text(draft, field.key));
                    field.error = None;
                }
                Err(e) => {
                    field.error = Some(e.to_string());
                    self.editing = Some(input);
                    return;
                }
            }
        } else {
            let masked = field.value.masked;
            field.value = TextInput::with(input.value());
            field.value.masked = masked;
            field.error = None;
        }
        if self.selected + 1 < self.fields.len() {
            self.selected += 1;
        }
    }

    fn save(&mut self, ctx: &mut Shared) {
        match &self.purpose {
            FormPurpose::EditCase {
                id,
                original,
                draft,
            } => {
                let assignments: Vec<String> = FIELDS
                    .iter()
                    .filter(|(k, _)| data::field_text(original, k) != data::field_text(draft, k))
                    .map(|(k, _)| format!("{k}={}", data::field_text(draft, k)))
                    .collect();
                if assignments.is_empty() {
                    ctx.error_msg("nothing was changed; Esc closes the form");
                    return;
                }
                self.saving = ctx.start_change(Change::SetFields(id.clone(), assignments));
            }
            FormPurpose::NewCase { checked } => {
                let title = self.value("title").to_string();
                if title.trim().is_empty() {
                    if let Some(field) = self.fields.iter_mut().find(|x| x.key == "title") {
                        field.error = Some("a case needs a title".into());
                    }
                    return;
                }
                let opt = |s: &str| (!s.trim().is_empty()).then(|| s.to_string());
                let new = NewCase {
                    title,
                    client: opt(self.value("client")),
                    reference: opt(self.value("reference")),
                    grants: Vec::new(),
                    // A pseudonym protects the identity from the first commit.
                    pseudonym: opt(self.value("pseudonym")),
                    conflict_check: checked
                        .as_deref()
                        .zip(ctx.session.as_deref())
                        .map(|(report, session)| Box::new(conflicts::entry(session, report))),
                };
                self.saving = ctx.start_change(Change::Create(new));
            }
            FormPurpose::Generate => self.save_generate(ctx),
            FormPurpose::Item { .. } => self.save_item(ctx),
        }
    }

    /// Checks the item against the record as loaded (the library checks
    /// again when it saves), then saves the fields that changed.
    fn save_item(&mut self, ctx: &mut Shared) {
        let FormPurpose::Item {
            id,
            list,
            item,
            record,
            original,
        } = &self.purpose
        else {
            return;
        };
        let assignments: Vec<String> = self
            .fields
            .iter()
            .zip(original)
            .filter(|(field, was)| field.value.value() != was.as_str())
            .map(|(field, _)| format!("{}={}", field.key, field.value.value()))
            .collect();
        if assignments.is_empty() {
            ctx.error_msg("nothing was changed; Esc closes the form");
            return;
        }
        let checked = match item {
            Some(item) => items::apply(record, list.name, ItemChange::Edit(item, &assignments)),
            None => items::apply(record, list.name, ItemChange::Add(&assignments)),
        };
        if let Err(e) = checked {
            let said = e.to_string();
            // The sentence goes under the field it names, else the first.
            let at = self
                .fields
                .iter()
                .position(|f| said.contains(&format!("`{}`", f.key)) || said.contains(f.key))
                .unwrap_or(0);
            self.selected = at;
            self.fields[at].error = Some(said);
            return;
        }
        let op = match item {
            Some(item) => ItemOp::Edit(item.clone(), assignments),
            None => ItemOp::Add(assignments),
        };
        self.saving = ctx.start_change(Change::Item(id.clone(), list.name, op));
    }

    fn save_generate(&mut self, ctx: &mut Shared) {
        // Read in place: the passphrase is copied once, into the job's secret.
        let (name, email, pass, again) = (
            self.value("name"),
            self.value("email"),
            self.value("passphrase"),
            self.value("repeat"),
        );
        let mut problem = None;
        if name.trim().is_empty() {
            problem = Some(("name", "give your name as colleagues know it"));
        } else if !email.contains('@') {
            problem = Some(("email", "give your email address"));
        } else if pass.is_empty() {
            problem = Some(("passphrase", "choose a passphrase (it protects both keys)"));
        } else if pass != again {
            problem = Some(("repeat", "the two passphrases differ"));
        }
        if let Some((key, why)) = problem {
            for field in &mut self.fields {
                field.error = (field.key == key).then(|| why.to_string());
            }
            return;
        }
        if ctx.change_running() {
            return;
        }
        let home = ctx.home.clone();
        let options = GenerateOptions {
            name: name.trim().to_string(),
            email: email.trim().to_string(),
            passphrase: Some(SecretString::from(pass.to_string())),
            expires: None,
            scrypt_log_n: ctx.scrypt_log_n,
        };
        self.saving = true;
        ctx.jobs
            .spawn(JobKind::Change, "creating your identity", move |_| {
                identity::generate(&home, options)?;
                Ok(JobOutput::Generated(Box::new(Identity::load(&home)?)))
            });
    }
}

fn form_changed(f: &Form) -> bool {
    match &f.purpose {
        FormPurpose::EditCase {
            original, draft, ..
        } => original != draft,
        FormPurpose::Item { original, .. } => f
            .fields
            .iter()
            .zip(original)
            .any(|(field, was)| field.value.value() != was.as_str()),
        _ => f.fields.iter().any(|x| !x.value.value().is_empty()),
    }
}

fn kind_hint(kind: Kind) -> String {
    match kind {
        Kind::Text => "text".into(),
        Kind::RequiredText => "text, required".into(),
        Kind::Date => "YYYY-MM-DD".into(),
        Kind::Choice(o) => format!("Enter chooses the next: {}", o.join(" | ")),
        Kind::Flag => "Enter switches: true | false".into(),
        Kind::Yaml => "YAML list, e.g. [a, b]".into(),
    }
}

fn field(key: &'static str, hint: &str, value: &str, masked: bool) -> FormField {
    let mut v = TextInput::with(value);
    v.masked = masked;
    FormField {
        key,
        hint: hint.to_string(),
        value: v,
        error: None,
    }
}

/// The form editing every settable field of a record (case/fields.rs)
/// but the lists that have row editors (their tabs add and edit items).
pub fn edit_form(id: CaseId, record: CaseRecord) -> Form {
    let fields = FIELDS
        .iter()
        .filter(|(k, _)| items::list(k).is_err())
        .map(|(k, kind)| field(k, &kind_hint(*kind), &data::field_text(&record, k), false))
        .collect();
    let title = format!("Edit case {id}");
    let purpose = FormPurpose::EditCase {
        id,
        original: Box::new(record.clone()),
        draft: Box::new(record),
    };
    Form::new(title, purpose, fields)
}

/// The row editor: a form of one item of `list` (`item: None` adds one).
/// With `focus`, that field is selected first (a release, a withdrawal).
pub fn item_form(
    id: CaseId,
    record: CaseRecord,
    list: &'static ItemList,
    item: Option<String>,
    preset: &[(&str, String)],
) -> Form {
    let original: Vec<String> = list
        .fields
        .iter()
        .map(|(k, _)| match &item {
            Some(item) => items::field_text(&record, list.name, item, k),
            None => String::new(),
        })
        .collect();
    let fields = list
        .fields
        .iter()
        .zip(&original)
        .map(|((k, kind), was)| {
            let value = preset
                .iter()
                .find(|(p, _)| p == k)
                .map_or(was.as_str(), |(_, v)| v.as_str());
            field(k, &kind_hint(*kind), value, false)
        })
        .collect();
    let title = match &item {
        Some(item) => format!("Edit {} {item} of case {id}", list.item),
        None => format!("New {} on case {id}", list.item),
    };
    let first = preset
        .last()
        .and_then(|(p, _)| list.fields.iter().position(|(k, _)| k == p))
        .unwrap_or(0);
    let mut form = Form::new(
        title,
        FormPurpose::Item {
            id,
            list,
            item,
            record: Box::new(record),
            original,
        },
        fields,
    );
    form.selected = first;
    form
}

/// The new-case form.
pub fn new_case_form() -> Form {
    Form::new(
        "New case",
        FormPurpose::NewCase { checked: None },
        vec![
            field("title", "text, required", "", false),
            field(
                "client",
                "client's name (Ctrl-K checks it for conflicts)",
                "",
                false,
            ),
            field("reference", "default: the case id", "", false),
            field(
                "pseudonym",
                "set one to protect the client's identity: lists show it instead",
                "",
                false,
            ),
        ],
    )
}

/// The new-identity form.
pub fn generate_form() -> Form {
    Form::new(
        "Create your identity",
        FormPurpose::Generate,
        vec![
            field("name", "as colleagues know you", "", false),
            field("email", "your address", "", false),
            field("passphrase", "protects both keys", "", true),
            field("repeat", "the passphrase again", "", true),
        ],
    )
}

fn form_rows(main: Rect) -> usize {
    // Border (2) and footer (2) around the fields.
    (main.height.saturating_sub(4) as usize).max(1)
}

fn draw(f: &mut Frame, t: &Theme, form: &Form, main: Rect, top: bool) {
    let width = 96.min(main.width);
    let rows = form_rows(main).min(form.fields.len());
    let area = centered(main, width, rows as u16 + 4);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(t.style(Role::Accent))
        .title(Span::styled(
            format!(" {} ", form.title),
            t.style(Role::Title),
        ));
    let inner = block.inner(area);
    f.render_widget(Clear, area);
    f.render_widget(block, area);
    let [body, foot] = Layout::vertical([Constraint::Min(1), Constraint::Length(2)]).areas(inner);
    let key_w = 28usize.min(inner.width as usize / 3);
    let offset = scroll_window(form.selected, form.offset, body.height as usize);
    let mut cursor = None;
    let lines: Vec<Line> = form
        .fields
        .iter()
        .enumerate()
        .skip(offset)
        .take(body.height as usize)
        .map(|(i, field)| {
            let selected = i == form.selected;
            let key_style = if field.error.is_some() {
                t.style(Role::Danger)
            } else if selected {
                t.style(Role::Selection)
            } else {
                t.style(Role::Muted)
            };
            let key = format!("{:<key_w$}", clip(field.key, key_w.saturating_sub(1)));
            let value_w = (inner.width as usize).saturating_sub(key_w + 1);
            match (&form.editing, selected) {
                (Some(input), true) => {
                    let (text, at) = input.view(value_w);
                    cursor = Some((
                        inner.x + (key_w + 1 + at) as u16,
                        body.y + (i - offset) as u16,
                    ));
                    Line::from(vec![
                        Span::styled(key, key_style),
                        Span::raw(" "),
                        Span::styled(text, t.style(Role::Input)),
                    ])
                }
                _ => {
                    let value = field.value.display();
                    let (shown, style) = if value.is_empty() {
                        (format!("({})", field.hint), t.style(Role::Muted))
                    } else {
                        (value, t.style(Role::Text))
                    };
                    Line::from(vec![
                        Span::styled(key, key_style),
                        Span::raw(" "),
                        Span::styled(clip(&shown, value_w), style),
                    ])
                }
            }
        })
        .collect();
    f.render_widget(Paragraph::new(lines), body);
    let selected = form.fields.get(form.selected);
    let foot_lines = match selected.and_then(|s| s.error.as_ref()) {
        Some(e) => vec![Line::styled(
            clip(e, foot.width as usize),
            t.style(Role::Danger),
        )],
        None if form.saving => vec![Line::styled("Saving…", t.style(Role::Accent))],
        None if form.editing.is_some() => vec![Line::styled(
            format!(
                "Editing {} ({}): Enter accepts, Esc leaves it as it was",
                selected.map(|s| s.key).unwrap_or(""),
                selected.map(|s| s.hint.as_str()).unwrap_or("")
            ),
            t.style(Role::Muted),
        )],
        None => vec![Line::styled(
            "Enter edits the field · Ctrl-S saves · Esc cancels",
            t.style(Role::Muted),
        )],
    };
    f.render_widget(Paragraph::new(foot_lines).wrap(Wrap { trim: true }), foot);
    if top {
        if let Some((x, y)) = cursor {
            f.set_cursor_position(Position::new(x, y));
        }
    }
}
