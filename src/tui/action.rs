//! The app's vocabulary: every [`Action`] a key can trigger, and the key map
//! as data. One table ([`KEYMAP`]) builds the `?` help screen, the key-hint
//! bar and the key lookup, so the three can never disagree (STYLE rule 4).
//!
//! Bindings belong to a [`Mode`], the thing that has the keyboard: a screen
//! (case list, detail, keyring, audit) or an overlay on top of it (a prompt,
//! the note editor, a form, a confirmation, help). Screen modes also get the
//! [`Mode::Global`] bindings; text-entry modes do not, so typing `q` in a
//! prompt types a `q`. Printable keys that no text-entry binding claims are
//! inserted as text ([`Action::Char`]).

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// Who has the keyboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Mode {
    /// Bindings that work on every screen (not inside text entry).
    Global,
    /// The passphrase prompt.
    Unlock,
    /// The case list.
    List,
    /// A case's detail tabs.
    Detail,
    /// The keyring.
    Keyring,
    /// The vault audit trail.
    Audit,
    /// A one-line prompt (filter, command, path, fingerprint).
    Prompt,
    /// The built-in note editor.
    Editor,
    /// A form (case fields, new case, new identity).
    Form,
    /// A yes/no question before something destructive.
    Confirm,
    /// The help screen.
    Help,
    /// The sync conflicts to decide.
    Conflicts,
    /// A message box (e.g. why a sync failed).
    Notice,
}

impl Mode {
    /// Whether printable keys are text in this mode.
    pub fn takes_text(self) -> bool {
        matches!(self, Mode::Unlock | Mode::Prompt | Mode::Editor)
    }

    /// Whether the [`Mode::Global`] bindings apply: on screens, not in text
    /// entry, forms, confirmations, help, the conflict view or messages.
    pub fn takes_global(self) -> bool {
        matches!(
            self,
            Mode::Global | Mode::List | Mode::Detail | Mode::Keyring | Mode::Audit
        )
    }

    /// The heading of this mode's section in the help screen.
    pub fn title(self) -> &'static str {
        match self {
            Mode::Global => "Everywhere",
            Mode::Unlock => "Unlock",
            Mode::List => "Case list",
            Mode::Detail => "Case detail",
            Mode::Keyring => "Keyring",
            Mode::Audit => "Audit",
            Mode::Prompt => "Prompts",
            Mode::Editor => "Note editor",
            Mode::Form => "Forms",
            Mode::Confirm => "Confirmations",
            Mode::Help => "Help",
            Mode::Conflicts => "Sync conflicts",
            Mode::Notice => "Messages",
        }
    }
}

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
    /// Filter the list as you type; Enter searches full text.
    Filter,
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
    /// Whether this moves a selection (see [`crate::tui::app::step`]).
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
    const fn plain(code: KeyCode) -> Key {
        Key {
            code,
            mods: KeyModifiers::NONE,
        }
    }
    const fn ch(c: char) -> Key {
        Key::plain(KeyCode::Char(c))
    }
    const fn ctrl(c: char) -> Key {
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

/// One row of the key map.
#[derive(Debug, Clone, Copy)]
pub struct Binding {
    /// Where it applies.
    pub mode: Mode,
    /// The key.
    pub key: Key,
    /// What it does.
    pub action: Action,
    /// Help text.
    pub desc: &'static str,
    /// Whether the hint bar shows it.
    pub hint: bool,
}

const fn b(mode: Mode, key: Key, action: Action, desc: &'static str, hint: bool) -> Binding {
    Binding {
        mode,
        key,
        action,
        desc,
        hint,
    }
}

use Action as A;
use KeyCode as K;
use Mode as M;

/// The key map. Order is the order of the help screen and hint bar.
pub const KEYMAP: &[Binding] = &[
    // Everywhere (screens, not text entry)
    b(M::Global, Key::ch('q'), A::Quit, "quit", true),
    b(M::Global, Key::ctrl('c'), A::Quit, "quit", false),
    b(M::Global, Key::ch('?'), A::Help, "help", true),
    b(M::Global, Key::ch(':'), A::Command, "command prompt", false),
    b(M::Global, Key::ch('1'), A::ShowCases, "case list", false),
    b(M::Global, Key::ch('2'), A::ShowKeyring, "keyring", false),
    b(
        M::Global,
        Key::ch('3'),
        A::ShowAudit,
        "vault audit trail",
        false,
    ),
    b(M::Global, Key::ch('k'), A::Up, "up", false),
    b(M::Global, Key::plain(K::Up), A::Up, "up", false),
    b(M::Global, Key::ch('j'), A::Down, "down", false),
    b(M::Global, Key::plain(K::Down), A::Down, "down", false),
    b(M::Global, Key::ctrl('u'), A::PageUp, "page up", false),
    b(
        M::Global,
        Key::plain(K::PageUp),
        A::PageUp,
        "page up",
        false,
    ),
    b(M::Global, Key::ctrl('d'), A::PageDown, "page down", false),
    b(
        M::Global,
        Key::plain(K::PageDown),
        A::PageDown,
        "page down",
        false,
    ),
    b(M::Global, Key::ch('g'), A::Top, "first row", false),
    b(M::Global, Key::plain(K::Home), A::Top, "first row", false),
    b(M::Global, Key::ch('G'), A::Bottom, "last row", false),
    b(M::Global, Key::plain(K::End), A::Bottom, "last row", false),
    b(
        M::Global,
        Key::ctrl('r'),
        A::Refresh,
        "reload from disk",
        false,
    ),
    b(
        M::Global,
        Key::plain(K::Esc),
        A::Back,
        "back / cancel running jobs",
        false,
    ),
    // Unlock
    b(M::Unlock, Key::plain(K::Enter), A::Submit, "unlock", true),
    b(
        M::Unlock,
        Key::plain(K::Backspace),
        A::DeleteBack,
        "delete",
        false,
    ),
    b(M::Unlock, Key::plain(K::Esc), A::Quit, "quit", true),
    b(M::Unlock, Key::ctrl('c'), A::Quit, "quit", false),
    // Case list
    b(M::List, Key::plain(K::Enter), A::Open, "open", true),
    b(M::List, Key::ch('l'), A::Open, "open case", false),
    b(M::List, Key::ch('S'), A::Sync, "sync", true),
    b(
        M::List,
        Key::ch('/'),
        A::Filter,
        "filter (Enter: full text)",
        true,
    ),
    b(
        M::List,
        Key::ch('c'),
        A::ClearFilter,
        "clear filter and search",
        false,
    ),
    b(M::List, Key::ch('s'), A::CycleSort, "sort", true),
    b(M::List, Key::ch('r'), A::ReverseSort, "reverse sort", false),
    b(M::List, Key::ch('f'), A::CycleStatus, "status", true),
    b(M::List, Key::ch('n'), A::NewCase, "new case", true),
    // Case detail
    b(M::Detail, Key::plain(K::Tab), A::NextTab, "next tab", true),
    b(M::Detail, Key::ch('L'), A::NextTab, "next tab", false),
    b(
        M::Detail,
        Key::plain(K::Right),
        A::NextTab,
        "next tab",
        false,
    ),
    b(
        M::Detail,
        Key::plain(K::BackTab),
        A::PrevTab,
        "previous tab",
        false,
    ),
    b(M::Detail, Key::ch('H'), A::PrevTab, "previous tab", false),
    b(
        M::Detail,
        Key::plain(K::Left),
        A::PrevTab,
        "previous tab",
        false,
    ),
    b(M::Detail, Key::ch('h'), A::Back, "back to the list", false),
    b(M::Detail, Key::ch('e'), A::EditCase, "edit", true),
    b(M::Detail, Key::ch('a'), A::AddNote, "note", true),
    b(
        M::Detail,
        Key::ch('E'),
        A::AddNoteExternal,
        "add a note in $EDITOR (opt-in)",
        false,
    ),
    b(
        M::Detail,
        Key::ch('A'),
        A::AttachDocument,
        "attach a file",
        false,
    ),
    b(
        M::Detail,
        Key::ch('x'),
        A::ExportDocument,
        "export the selected document",
        false,
    ),
    b(M::Detail, Key::ch('+'), A::Grant, "grant access", false),
    b(
        M::Detail,
        Key::ch('-'),
        A::RevokeAccess,
        "revoke the selected access",
        false,
    ),
    b(
        M::Detail,
        Key::ch('C'),
        A::CloseCase,
        "close the case",
        false,
    ),
    // Keyring
    b(M::Keyring, Key::ch('c'), A::KeyCertify, "certify", true),
    b(M::Keyring, Key::ch('i'), A::KeyImport, "import", true),
    b(M::Keyring, Key::ch('x'), A::KeyExport, "export", true),
    b(
        M::Keyring,
        Key::ch('n'),
        A::KeyGenerate,
        "generate your identity",
        false,
    ),
    b(
        M::Keyring,
        Key::ch('R'),
        A::KeyRevoke,
        "revoke selected key",
        false,
    ),
    // Audit
    b(
        M::Audit,
        Key::plain(K::Enter),
        A::Open,
        "open the commit's case",
        true,
    ),
    // Prompt
    b(M::Prompt, Key::plain(K::Enter), A::Submit, "accept", true),
    b(M::Prompt, Key::plain(K::Esc), A::Back, "cancel", true),
    b(
        M::Prompt,
        Key::plain(K::Backspace),
        A::DeleteBack,
        "delete back",
        false,
    ),
    b(
        M::Prompt,
        Key::plain(K::Delete),
        A::DeleteForward,
        "delete",
        false,
    ),
    b(
        M::Prompt,
        Key::plain(K::Left),
        A::Left,
        "cursor left",
        false,
    ),
    b(
        M::Prompt,
        Key::plain(K::Right),
        A::Right,
        "cursor right",
        false,
    ),
    b(
        M::Prompt,
        Key::plain(K::Home),
        A::LineStart,
        "start of line",
        false,
    ),
    b(
        M::Prompt,
        Key::ctrl('a'),
        A::LineStart,
        "start of line",
        false,
    ),
    b(
        M::Prompt,
        Key::plain(K::End),
        A::LineEnd,
        "end of line",
        false,
    ),
    b(M::Prompt, Key::ctrl('e'), A::LineEnd, "end of line", false),
    b(
        M::Prompt,
        Key::ctrl('u'),
        A::ClearLine,
        "clear the line",
        false,
    ),
    // Editor
    b(M::Editor, Key::ctrl('s'), A::Save, "save the note", true),
    b(M::Editor, Key::plain(K::Esc), A::Back, "cancel", true),
    b(
        M::Editor,
        Key::plain(K::Enter),
        A::Newline,
        "new line",
        false,
    ),
    b(
        M::Editor,
        Key::plain(K::Backspace),
        A::DeleteBack,
        "delete back",
        false,
    ),
    b(
        M::Editor,
        Key::plain(K::Delete),
        A::DeleteForward,
        "delete",
        false,
    ),
    b(
        M::Editor,
        Key::plain(K::Left),
        A::Left,
        "cursor left",
        false,
    ),
    b(
        M::Editor,
        Key::plain(K::Right),
        A::Right,
        "cursor right",
        false,
    ),
    b(M::Editor, Key::plain(K::Up), A::Up, "cursor up", false),
    b(
        M::Editor,
        Key::plain(K::Down),
        A::Down,
        "cursor down",
        false,
    ),
    b(
        M::Editor,
        Key::plain(K::Home),
        A::LineStart,
        "start of line",
        false,
    ),
    b(
        M::Editor,
        Key::plain(K::End),
        A::LineEnd,
        "end of line",
        false,
    ),
    // Forms
    b(
        M::Form,
        Key::plain(K::Enter),
        A::Submit,
        "edit field / accept",
        true,
    ),
    b(M::Form, Key::ctrl('s'), A::Save, "save", true),
    b(M::Form, Key::plain(K::Esc), A::Back, "cancel", true),
    b(M::Form, Key::ch('k'), A::Up, "previous field", false),
    b(M::Form, Key::plain(K::Up), A::Up, "previous field", false),
    b(
        M::Form,
        Key::plain(K::BackTab),
        A::Up,
        "previous field",
        false,
    ),
    b(M::Form, Key::ch('j'), A::Down, "next field", false),
    b(M::Form, Key::plain(K::Down), A::Down, "next field", false),
    b(M::Form, Key::plain(K::Tab), A::Down, "next field", false),
    // Confirm
    b(M::Confirm, Key::ch('y'), A::Yes, "yes", true),
    b(M::Confirm, Key::ch('n'), A::No, "no", true),
    b(M::Confirm, Key::plain(K::Esc), A::No, "no", false),
    // Help
    b(M::Help, Key::plain(K::Esc), A::Back, "close help", true),
    b(M::Help, Key::ch('q'), A::Back, "close help", false),
    b(M::Help, Key::ch('?'), A::Back, "close help", false),
    b(M::Help, Key::ch('j'), A::Down, "scroll down", false),
    b(M::Help, Key::plain(K::Down), A::Down, "scroll down", false),
    b(M::Help, Key::ch('k'), A::Up, "scroll up", false),
    b(M::Help, Key::plain(K::Up), A::Up, "scroll up", false),
    // Sync conflicts
    b(M::Conflicts, Key::ch('o'), A::TakeOurs, "take ours", true),
    b(
        M::Conflicts,
        Key::ch('t'),
        A::TakeTheirs,
        "take theirs",
        true,
    ),
    b(
        M::Conflicts,
        Key::ch('O'),
        A::TakeAllOurs,
        "take ours for all",
        false,
    ),
    b(
        M::Conflicts,
        Key::ch('T'),
        A::TakeAllTheirs,
        "take theirs for all",
        false,
    ),
    b(
        M::Conflicts,
        Key::plain(K::Enter),
        A::Submit,
        "merge with these choices",
        true,
    ),
    b(
        M::Conflicts,
        Key::plain(K::Esc),
        A::Back,
        "leave without merging",
        true,
    ),
    b(
        M::Conflicts,
        Key::ch('k'),
        A::Up,
        "previous conflict",
        false,
    ),
    b(
        M::Conflicts,
        Key::plain(K::Up),
        A::Up,
        "previous conflict",
        false,
    ),
    b(M::Conflicts, Key::ch('j'), A::Down, "next conflict", false),
    b(
        M::Conflicts,
        Key::plain(K::Down),
        A::Down,
        "next conflict",
        false,
    ),
    b(M::Conflicts, Key::ch('?'), A::Help, "help", false),
    b(M::Conflicts, Key::ctrl('c'), A::Quit, "quit", false),
    // Messages
    b(M::Notice, Key::plain(K::Esc), A::Back, "close", true),
    b(M::Notice, Key::plain(K::Enter), A::Back, "close", false),
    b(M::Notice, Key::ch('q'), A::Back, "close", false),
];

/// The action `ev` triggers in `mode`: the mode's own bindings first, then
/// (for screens) the global ones, then (for text entry) the character itself.
pub fn lookup(mode: Mode, ev: &KeyEvent) -> Option<Action> {
    let own = KEYMAP
        .iter()
        .find(|bd| bd.mode == mode && bd.key.matches(ev))
        .map(|bd| bd.action);
    if own.is_some() {
        return own;
    }
    if mode.takes_text() {
        return match ev.code {
            KeyCode::Char(c)
                if !ev
                    .modifiers
                    .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT) =>
            {
                Some(Action::Char(c))
            }
            _ => None,
        };
    }
    if mode == Mode::Form {
        // Forms navigate but also quit on C-c like every screen.
        return Key::ctrl('c').matches(ev).then_some(Action::Quit);
    }
    if !mode.takes_global() {
        return None;
    }
    KEYMAP
        .iter()
        .find(|bd| bd.mode == Mode::Global && bd.key.matches(ev))
        .map(|bd| bd.action)
}

/// The hint-bar entries for `mode`: its own hinted bindings, then the global
/// hinted ones for screens. One entry per action (its first key).
pub fn hints(mode: Mode) -> Vec<(String, &'static str)> {
    let mut out: Vec<(String, &'static str)> = Vec::new();
    let mut seen: Vec<Action> = Vec::new();
    let global = mode.takes_global();
    for bd in KEYMAP
        .iter()
        .filter(|bd| bd.hint && (bd.mode == mode || (global && bd.mode == Mode::Global)))
    {
        if !seen.contains(&bd.action) {
            seen.push(bd.action);
            out.push((bd.key.label(), bd.desc));
        }
    }
    out
}

/// An action, its keys, and its description.
type HelpRow = (Action, Vec<String>, &'static str);

/// The help screen's sections: for each mode, one line per action with all
/// of its keys.
pub fn help_sections() -> Vec<(Mode, Vec<(String, &'static str)>)> {
    let mut sections: Vec<(Mode, Vec<HelpRow>)> = Vec::new();
    for bd in KEYMAP {
        let pos = match sections.iter().position(|(m, _)| *m == bd.mode) {
            Some(p) => p,
            None => {
                sections.push((bd.mode, Vec::new()));
                sections.len() - 1
            }
        };
        let rows = &mut sections[pos].1;
        match rows.iter_mut().find(|(a, _, _)| *a == bd.action) {
            Some((_, keys, _)) => keys.push(bd.key.label()),
            None => rows.push((bd.action, vec![bd.key.label()], bd.desc)),
        }
    }
    sections
        .into_iter()
        .map(|(m, rows)| {
            (
                m,
                rows.into_iter()
                    .map(|(_, keys, desc)| (keys.join(" "), desc))
                    .collect(),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    #[test]
    fn vim_keys_and_arrows_move_the_same_way() {
        for mode in [Mode::List, Mode::Keyring, Mode::Audit, Mode::Detail] {
            assert_eq!(lookup(mode, &key(KeyCode::Char('j'))), Some(Action::Down));
            assert_eq!(lookup(mode, &key(KeyCode::Down)), Some(Action::Down));
            assert_eq!(lookup(mode, &key(KeyCode::Char('k'))), Some(Action::Up));
            assert_eq!(lookup(mode, &key(KeyCode::Up)), Some(Action::Up));
        }
    }

    #[test]
    fn text_entry_types_letters_that_are_commands_elsewhere() {
        for mode in [Mode::Prompt, Mode::Editor, Mode::Unlock] {
            assert_eq!(
                lookup(mode, &key(KeyCode::Char('q'))),
                Some(Action::Char('q'))
            );
            assert_eq!(
                lookup(mode, &key(KeyCode::Char('j'))),
                Some(Action::Char('j'))
            );
        }
        assert_eq!(
            lookup(Mode::List, &key(KeyCode::Char('q'))),
            Some(Action::Quit)
        );
        let ctrl_s = KeyEvent::new(KeyCode::Char('s'), KeyModifiers::CONTROL);
        assert_eq!(lookup(Mode::Editor, &ctrl_s), Some(Action::Save));
        assert_eq!(
            lookup(Mode::Editor, &key(KeyCode::Enter)),
            Some(Action::Newline)
        );
        assert_eq!(
            lookup(Mode::Prompt, &key(KeyCode::Enter)),
            Some(Action::Submit)
        );
    }

    #[test]
    fn screen_bindings_win_over_global_ones() {
        // `c` clears the filter on the list but certifies in the keyring.
        assert_eq!(
            lookup(Mode::List, &key(KeyCode::Char('c'))),
            Some(Action::ClearFilter)
        );
        assert_eq!(
            lookup(Mode::Keyring, &key(KeyCode::Char('c'))),
            Some(Action::KeyCertify)
        );
        assert_eq!(lookup(Mode::Confirm, &key(KeyCode::Char('q'))), None);
    }

    #[test]
    fn no_key_is_bound_twice_in_one_mode() {
        for (i, a) in KEYMAP.iter().enumerate() {
            for bd in &KEYMAP[i + 1..] {
                assert!(
                    !(a.mode == bd.mode && a.key == bd.key),
                    "{:?} {} is bound twice",
                    a.mode,
                    a.key.label()
                );
            }
        }
    }

    #[test]
    fn help_lists_every_binding_and_hints_come_from_the_same_table() {
        let sections = help_sections();
        let listed: usize = sections
            .iter()
            .flat_map(|(_, rows)| rows.iter())
            .map(|(keys, _)| keys.split(' ').count())
            .sum();
        assert_eq!(listed, KEYMAP.len());
        for (label, desc) in hints(Mode::List) {
            assert!(
                KEYMAP
                    .iter()
                    .any(|bd| bd.key.label() == label && bd.desc == desc),
                "{label} {desc}"
            );
        }
        assert!(hints(Mode::List).iter().any(|(_, d)| *d == "quit"));
        assert!(!hints(Mode::Editor).iter().any(|(_, d)| *d == "quit"));
    }
}
