//! The app's vocabulary: every [`Action`] a key can trigger, and the key
//! map as data (STYLE rule 4).
//!
//! The map is split into [`Keymap`]s, one per thing that can have the
//! keyboard: [`GLOBAL`] here, and each screen's and overlay's own table in
//! that screen's or overlay's file. The same tables build the key lookup
//! ([`lookup`]), the hint bar ([`hints`]) and the `?` help
//! ([`help_sections`]), so the three can never disagree. What a key no
//! binding claims does is the table's [`Rest`]: screens fall back to the
//! global bindings; text entry types the character, so typing `q` in a
//! prompt types a `q` ([`Action::Char`]).

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// Everything the user can ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Leave dossier (asks first when something is unsaved).
    Quit,
    /// Show the key map.
    Help,
    /// Open the `:` command prompt.
    Command,
    /// Close the current overlay or go back one screen; cancels running jobs.
    Back,
    /// Move the selection up.
    Up,
    /// Move the selection down.
    Down,
    /// Move a page up.
    PageUp,
    /// Move a page down.
    PageDown,
    /// Go to the first row.
    Top,
    /// Go to the last row.
    Bottom,
    /// Open the selected item.
    Open,
    /// Next tab.
    NextTab,
    /// Previous tab.
    PrevTab,
    /// Filter the list as you type.
    Filter,
    /// Search the text of every record and note.
    Search,
    /// Clear filter and search.
    ClearFilter,
    /// Sort by the next column.
    CycleSort,
    /// Reverse the sort order.
    ReverseSort,
    /// Show only the next status (open, pending, closed, archived, all).
    CycleStatus,
    /// Go to the case list.
    ShowCases,
    /// Go to the keyring.
    ShowKeyring,
    /// Go to the vault audit trail.
    ShowAudit,
    /// Go to the deadlines agenda.
    ShowAgenda,
    /// Reload from disk.
    Refresh,
    /// Create a case.
    NewCase,
    /// Edit the case's fields.
    EditCase,
    /// Write a note in the built-in editor.
    AddNote,
    /// Write a note in `$EDITOR` (opt-in).
    AddNoteExternal,
    /// Attach a file to the case.
    AttachDocument,
    /// Export a decrypted copy of the selected document.
    ExportDocument,
    /// Give someone (or a group) access to the case.
    Grant,
    /// Remove the selected entry's access.
    RevokeAccess,
    /// Close the case.
    CloseCase,
    /// Add a row to the current tab's list.
    AddItem,
    /// Edit the selected row (or show the selected disclosure).
    EditItem,
    /// Delete the selected row, withdraw the consent, release the condition.
    RemoveItem,
    /// Mark the selected deadline done or not done; in a checklist,
    /// include or leave out the selected item.
    Toggle,
    /// Start the guided disclosure dialog.
    Disclose,
    /// Check a name for conflicts of interest (the new-case form's client).
    CheckConflicts,
    /// Create your identity.
    KeyGenerate,
    /// Import a key card from a file.
    KeyImport,
    /// Export the selected key card to a file.
    KeyExport,
    /// Certify the selected key (administrators).
    KeyCertify,
    /// Revoke the selected key (administrators), after confirmation.
    KeyRevoke,
    /// Accept the prompt or field.
    Submit,
    /// Save (editor, form).
    Save,
    /// New line in the editor.
    Newline,
    /// Delete the character before the cursor.
    DeleteBack,
    /// Delete the character under the cursor.
    DeleteForward,
    /// Cursor left.
    Left,
    /// Cursor right.
    Right,
    /// Cursor to the start of the line.
    LineStart,
    /// Cursor to the end of the line.
    LineEnd,
    /// Empty the prompt.
    ClearLine,
    /// Answer yes.
    Yes,
    /// Answer no.
    No,
    /// Fetch, verify, merge and push with the vault's remote, in the background.
    Sync,
    /// Take our value for the selected conflict.
    TakeOurs,
    /// Take their value for the selected conflict.
    TakeTheirs,
    /// Take our value for every conflict.
    TakeAllOurs,
    /// Take their value for every conflict.
    TakeAllTheirs,
    /// Type a character (text entry; not in the key map).
    Char(char),
}

impl Action {
    /// Whether this moves a selection (see [`crate::tui::widgets::step`]).
    pub fn moves(self) -> bool {
        matches!(
            self,
            Action::Up
                | Action::Down
                | Action::PageUp
                | Action::PageDown
                | Action::Top
                | Action::Bottom
        )
    }
}

/// A key: code plus modifiers (shift is folded into the character).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Key {
    /// The key.
    pub code: KeyCode,
    /// Ctrl / Alt.
    pub mods: KeyModifiers,
}

impl Key {
    /// A key without modifiers.
    pub const fn plain(code: KeyCode) -> Key {
        Key {
            code,
            mods: KeyModifiers::NONE,
        }
    }
    /// A character key.
    pub const fn ch(c: char) -> Key {
        Key::plain(KeyCode::Char(c))
    }
    /// Ctrl and a character.
    pub const fn ctrl(c: char) -> Key {
        Key {
            code: KeyCode::Char(c),
            mods: KeyModifiers::CONTROL,
        }
    }

    /// The key as the help screen writes it.
    pub fn label(&self) -> String {
        let base = match self.code {
            KeyCode::Char(' ') => "Space".to_string(),
            KeyCode::Char(c) => c.to_string(),
            KeyCode::Enter => "Enter".into(),
            KeyCode::Esc => "Esc".into(),
            KeyCode::Tab => "Tab".into(),
            KeyCode::BackTab => "S-Tab".into(),
            KeyCode::Backspace => "Bksp".into(),
            KeyCode::Delete => "Del".into(),
            KeyCode::Up => "↑".into(),
            KeyCode::Down => "↓".into(),
            KeyCode::Left => "←".into(),
            KeyCode::Right => "→".into(),
            KeyCode::Home => "Home".into(),
            KeyCode::End => "End".into(),
            KeyCode::PageUp => "PgUp".into(),
            KeyCode::PageDown => "PgDn".into(),
            other => format!("{other:?}"),
        };
        if self.mods.contains(KeyModifiers::CONTROL) {
            format!("C-{base}")
        } else {
            base
        }
    }

    fn matches(&self, ev: &KeyEvent) -> bool {
        let mods = ev.modifiers & (KeyModifiers::CONTROL | KeyModifiers::ALT);
        let code = match ev.code {
            // Some terminals report S-Tab as Tab with shift.
            KeyCode::Tab if ev.modifiers.contains(KeyModifiers::SHIFT) => KeyCode::BackTab,
            c => c,
        };
        self.code == code && self.mods == mods
    }
}

/// One row of a key map.
#[derive(Debug, Clone, Copy)]
pub struct Binding {
    /// The key.
    pub key: Key,
    /// What it does.
    pub action: Action,
    /// Help text.
    pub desc: &'static str,
    /// Whether the hint bar shows it.
    pub hint: bool,
}

/// A row of a key map (`const`, so tables stay data).
pub const fn bind(key: Key, action: Action, desc: &'static str, hint: bool) -> Binding {
    Binding {
        key,
        action,
        desc,
        hint,
    }
}

/// What a key that no binding of a [`Keymap`] claims does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rest {
    /// The [`GLOBAL`] bindings apply (screens).
    Global,
    /// Printable keys are text ([`Action::Char`]).
    Text,
    /// Only Ctrl-C, which quits (forms navigate but quit like every screen).
    CtrlCQuits,
    /// Nothing (confirmations, help, messages).
    Nothing,
}

/// The key table of one screen or overlay.
#[derive(Debug)]
pub struct Keymap {
    /// The heading of its section in the help screen.
    pub title: &'static str,
    /// Its bindings; order is the order of the help screen and hint bar.
    pub bindings: &'static [Binding],
    /// What other keys do.
    pub rest: Rest,
}

use bind as b;
use Action as A;
use KeyCode as K;

/// Bindings that work on every screen (not inside text entry, forms,
/// confirmations, help, the conflict view or messages).
pub const GLOBAL: Keymap = Keymap {
    title: "Everywhere",
    bindings: &[
        b(Key::ch('q'), A::Quit, "quit", true),
        b(Key::ctrl('c'), A::Quit, "quit", false),
        b(Key::ch('?'), A::Help, "help", true),
        b(Key::ch(':'), A::Command, "command prompt", false),
        b(Key::ch('1'), A::ShowCases, "case list", false),
        b(Key::ch('2'), A::ShowKeyring, "keyring", false),
        b(Key::ch('3'), A::ShowAudit, "vault audit trail", false),
        b(Key::ch('4'), A::ShowAgenda, "deadlines agenda", false),
        b(Key::ch('k'), A::Up, "up", false),
        b(Key::plain(K::Up), A::Up, "up", false),
        b(Key::ch('j'), A::Down, "down", false),
        b(Key::plain(K::Down), A::Down, "down", false),
        b(Key::ctrl('u'), A::PageUp, "page up", false),
        b(Key::plain(K::PageUp), A::PageUp, "page up", false),
        b(Key::ctrl('d'), A::PageDown, "page down", false),
        b(Key::plain(K::PageDown), A::PageDown, "page down", false),
        b(Key::ch('g'), A::Top, "first row", false),
        b(Key::plain(K::Home), A::Top, "first row", false),
        b(Key::ch('G'), A::Bottom, "last row", false),
        b(Key::plain(K::End), A::Bottom, "last row", false),
        b(Key::ctrl('r'), A::Refresh, "reload from disk", false),
        b(
            Key::plain(K::Esc),
            A::Back,
            "back / cancel running jobs",
            false,
        ),
    ],
    rest: Rest::Nothing,
};

fn find(map: &Keymap, ev: &KeyEvent) -> Option<Action> {
    map.bindings
        .iter()
        .find(|bd| bd.key.matches(ev))
        .map(|bd| bd.action)
}

/// The action `ev` triggers under `map`: the map's own bindings first, then
/// what its [`Rest`] says.
pub fn lookup(map: &Keymap, ev: &KeyEvent) -> Option<Action> {
    if let Some(own) = find(map, ev) {
        return Some(own);
    }
    match map.rest {
        Rest::Text => match ev.code {
            KeyCode::Char(c)
                if !ev
                    .modifiers
                    .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT) =>
            {
                Some(Action::Char(c))
            }
            _ => None,
        },
        Rest::CtrlCQuits => Key::ctrl('c').matches(ev).then_some(Action::Quit),
        Rest::Global => find(&GLOBAL, ev),
        Rest::Nothing => None,
    }
}

/// The hint-bar entries for `map`: for screens the global hinted bindings,
/// then the map's own. One entry per action (its first key).
pub fn hints(map: &Keymap) -> Vec<(String, &'static str)> {
    hints_by(map, |bd| bd.hint.then_some(bd.desc))
}

/// [`hints`], with the map's own bindings chosen by `choose` (`None`:
/// not hinted; else the description to show): a screen hints only what
/// the current tab, case and role can do.
pub fn hints_by(
    map: &Keymap,
    choose: impl Fn(&Binding) -> Option<&'static str>,
) -> Vec<(String, &'static str)> {
    let mut out: Vec<(String, &'static str)> = Vec::new();
    let mut seen: Vec<Action> = Vec::new();
    let global: &[Binding] = if map.rest == Rest::Global {
        GLOBAL.bindings
    } else {
        &[]
    };
    let global = global
        .iter()
        .filter_map(|bd| bd.hint.then_some((bd, bd.desc)));
    let own = map
        .bindings
        .iter()
        .filter_map(|bd| choose(bd).map(|desc| (bd, desc)));
    for (bd, desc) in global.chain(own) {
        if !seen.contains(&bd.action) {
            seen.push(bd.action);
            out.push((bd.key.label(), desc));
        }
    }
    out
}

/// An action, its keys, and its description.
type HelpRow = (Action, Vec<String>, &'static str);

/// The help screen's sections, one per table in `maps` (in that order): its
/// title, then one line per action with all of its keys.
pub fn help_sections(maps: &[&Keymap]) -> Vec<(&'static str, Vec<(String, &'static str)>)> {
    maps.iter()
        .map(|map| {
            let mut rows: Vec<HelpRow> = Vec::new();
            for bd in map.bindings {
                match rows.iter_mut().find(|(a, _, _)| *a == bd.action) {
                    Some((_, keys, _)) => keys.push(bd.key.label()),
                    None => rows.push((bd.action, vec![bd.key.label()], bd.desc)),
                }
            }
            let rows = rows
                .into_iter()
                .map(|(_, keys, desc)| (keys.join(" "), desc))
                .collect();
            (map.title, rows)
        })
        .collect()
}
