//! Text entry kept in memory only: a one-line input (optionally masked, for
//! passphrases) and the multi-line note buffer of the built-in editor.
//!
//! Both wipe their contents when dropped or cleared, so a passphrase or a
//! draft note does not linger in freed memory longer than needed, and
//! their `Debug` shows sizes and the cursor, never the text. Cursor
//! positions count characters, not bytes.

use dossier::support::secret::Zeroizing;
use zeroize::Zeroize;

use crate::tui::action::Action;

/// A one-line text input.
#[derive(Default)]
pub struct TextInput {
    text: String,
    cursor: usize,
    /// Shows bullets instead of the text.
    pub masked: bool,
}

/// Sizes and cursor only: the text may be a passphrase or case content.
impl std::fmt::Debug for TextInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TextInput")
            .field("chars", &self.text.chars().count())
            .field("cursor", &self.cursor)
            .field("masked", &self.masked)
            .finish_non_exhaustive()
    }
}

impl Drop for TextInput {
    fn drop(&mut self) {
        self.text.zeroize();
    }
}

/// Makes room for `extra` more bytes. A plain `String` that grows moves to
/// a new buffer and frees the old one unwiped; this wipes it.
fn reserve_wiping(s: &mut String, extra: usize) {
    if s.capacity() - s.len() >= extra {
        return;
    }
    let mut bigger = String::with_capacity((s.len() + extra).max(2 * s.capacity()).max(32));
    bigger.push_str(s);
    s.zeroize();
    *s = bigger;
}

fn byte_at(s: &str, char_idx: usize) -> usize {
    s.char_indices()
        .nth(char_idx)
        .map(|(i, _)| i)
        .unwrap_or(s.len())
}

impl TextInput {
    /// An input holding `text`, cursor at the end.
    pub fn with(text: &str) -> TextInput {
        TextInput {
            text: text.to_string(),
            cursor: text.chars().count(),
            masked: false,
        }
    }

    /// An empty masked input.
    pub fn masked() -> TextInput {
        TextInput {
            text: String::new(),
            cursor: 0,
            masked: true,
        }
    }

    /// The text.
    pub fn value(&self) -> &str {
        &self.text
    }

    /// Takes the text out (wiped on drop), leaving the input empty.
    pub fn take(&mut self) -> Zeroizing<String> {
        self.cursor = 0;
        Zeroizing::new(std::mem::take(&mut self.text))
    }

    /// Empties it, wiping the old text.
    pub fn clear(&mut self) {
        self.text.zeroize();
        self.cursor = 0;
    }

    /// Cursor position in characters.
    pub fn cursor(&self) -> usize {
        self.cursor
    }

    /// What to draw: the text, or one bullet per character when masked.
    pub fn display(&self) -> String {
        if self.masked {
            "•".repeat(self.text.chars().count())
        } else {
            self.text.clone()
        }
    }

    /// Applies an editing action; false when it is not one.
    pub fn edit(&mut self, action: Action) -> bool {
        let len = self.text.chars().count();
        match action {
            Action::Char(c) => {
                reserve_wiping(&mut self.text, c.len_utf8());
                let at = byte_at(&self.text, self.cursor);
                self.text.insert(at, c);
                self.cursor += 1;
            }
            Action::DeleteBack if self.cursor > 0 => {
                let at = byte_at(&self.text, self.cursor - 1);
                self.text.remove(at);
                self.cursor -= 1;
            }
            Action::DeleteForward if self.cursor < len => {
                let at = byte_at(&self.text, self.cursor);
                self.text.remove(at);
            }
            Action::Left => self.cursor = self.cursor.saturating_sub(1),
            Action::Right => self.cursor = (self.cursor + 1).min(len),
            Action::LineStart => self.cursor = 0,
            Action::LineEnd => self.cursor = len,
            Action::ClearLine => self.clear(),
            Action::DeleteBack | Action::DeleteForward => {}
            _ => return false,
        }
        true
    }
}

/// Appends `tail` to `line`, wiping `tail` (and `line`'s old buffer if it
/// has to grow).
fn join_wiping(line: &mut String, tail: &mut String) {
    reserve_wiping(line, tail.len());
    line.push_str(tail);
    tail.zeroize();
}

/// A multi-line buffer for notes.
pub struct TextArea {
    lines: Vec<String>,
    row: usize,
    col: usize,
}

/// Sizes and cursor only: the text is a draft note.
impl std::fmt::Debug for TextArea {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TextArea")
            .field("lines", &self.lines.len())
            .field("cursor", &(self.row, self.col))
            .finish_non_exhaustive()
    }
}

impl Default for TextArea {
    fn default() -> Self {
        TextArea {
            lines: vec![String::new()],
            row: 0,
            col: 0,
        }
    }
}

impl Drop for TextArea {
    fn drop(&mut self) {
        for l in &mut self.lines {
            l.zeroize();
        }
    }
}

impl TextArea {
    /// A buffer holding `text`, cursor at the end.
    pub fn with(text: &str) -> TextArea {
        let mut lines: Vec<String> = text.split('\n').map(str::to_string).collect();
        if lines.is_empty() {
            lines.push(String::new());
        }
        let row = lines.len() - 1;
        let col = lines[row].chars().count();
        TextArea { lines, row, col }
    }

    /// The lines.
    pub fn lines(&self) -> &[String] {
        &self.lines
    }

    /// Cursor (row, column in characters).
    pub fn cursor(&self) -> (usize, usize) {
        (self.row, self.col)
    }

    /// Whether nothing but whitespace was written.
    pub fn is_blank(&self) -> bool {
        self.lines.iter().all(|l| l.trim().is_empty())
    }

    /// The whole text (wiped on drop).
    pub fn text(&self) -> Zeroizing<String> {
        Zeroizing::new(self.lines.join("\n"))
    }

    fn line_len(&self, row: usize) -> usize {
        self.lines.get(row).map(|l| l.chars().count()).unwrap_or(0)
    }

    /// Applies an editing action; false when it is not one.
    pub fn edit(&mut self, action: Action) -> bool {
        match action {
            Action::Char(c) => {
                let line = &mut self.lines[self.row];
                reserve_wiping(line, c.len_utf8());
                let at = byte_at(line, self.col);
                line.insert(at, c);
                self.col += 1;
            }
            Action::Newline => {
                let line = &mut self.lines[self.row];
                let at = byte_at(line, self.col);
                let rest = line.split_off(at);
                self.lines.insert(self.row + 1, rest);
                self.row += 1;
                self.col = 0;
            }
            Action::DeleteBack => {
                if self.col > 0 {
                    let line = &mut self.lines[self.row];
                    let at = byte_at(line, self.col - 1);
                    line.remove(at);
                    self.col -= 1;
                } else if self.row > 0 {
                    let mut line = self.lines.remove(self.row);
                    self.row -= 1;
                    self.col = self.line_len(self.row);
                    join_wiping(&mut self.lines[self.row], &mut line);
                }
            }
            Action::DeleteForward => {
                if self.col < self.line_len(self.row) {
                    let line = &mut self.lines[self.row];
                    let at = byte_at(line, self.col);
                    line.remove(at);
                } else if self.row + 1 < self.lines.len() {
                    let mut next = self.lines.remove(self.row + 1);
                    join_wiping(&mut self.lines[self.row], &mut next);
                }
            }
            Action::Left => {
                if self.col > 0 {
                    self.col -= 1;
                } else if self.row > 0 {
                    self.row -= 1;
                    self.col = self.line_len(self.row);
                }
            }
            Action::Right => {
                if self.col < self.line_len(self.row) {
                    self.col += 1;
                } else if self.row + 1 < self.lines.len() {
                    self.row += 1;
                    self.col = 0;
                }
            }
            Action::Up if self.row > 0 => {
                self.row -= 1;
                self.col = self.col.min(self.line_len(self.row));
            }
            Action::Down if self.row + 1 < self.lines.len() => {
                self.row += 1;
                self.col = self.col.min(self.line_len(self.row));
            }
            Action::Up | Action::Down => {}
            Action::LineStart => self.col = 0,
            Action::LineEnd => self.col = self.line_len(self.row),
            _ => return false,
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_input_edits_by_character_not_byte() {
        let mut t = TextInput::with("Tesfayé");
        t.edit(Action::DeleteBack);
        t.edit(Action::Char('e'));
        t.edit(Action::LineStart);
        t.edit(Action::DeleteForward);
        assert_eq!(t.value(), "esfaye");
        t.edit(Action::ClearLine);
        assert_eq!((t.value(), t.cursor()), ("", 0));
        let mut m = TextInput::masked();
        m.edit(Action::Char('d'));
        m.edit(Action::Char('é'));
        assert_eq!(m.display(), "••");
        assert_eq!(&*m.take(), "dé");
    }

    #[test]
    fn growing_keeps_the_text_and_makes_room() {
        let mut s = String::from("pass");
        reserve_wiping(&mut s, 100);
        assert_eq!(s, "pass");
        assert!(s.capacity() >= 104);
        let mut input = TextInput::masked();
        for c in "a passphrase longer than the first buffer, é".chars() {
            input.edit(Action::Char(c));
        }
        assert_eq!(
            input.value(),
            "a passphrase longer than the first buffer, é"
        );
    }

    #[test]
    fn debug_never_prints_the_text() {
        let mut pass = TextInput::masked();
        for c in "hunter2".chars() {
            pass.edit(Action::Char(c));
        }
        let note = TextArea::with("privileged advice");
        let shown = format!("{pass:?} {note:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(!shown.contains("privileged"), "{shown}");
        assert!(shown.contains("chars: 7"), "{shown}");
    }

    #[test]
    fn the_editor_splits_and_joins_lines() {
        let mut a = TextArea::default();
        for c in "ab".chars() {
            a.edit(Action::Char(c));
        }
        a.edit(Action::Left);
        a.edit(Action::Newline);
        assert_eq!(a.lines(), ["a", "b"]);
        a.edit(Action::LineStart);
        a.edit(Action::DeleteBack);
        assert_eq!(&*a.text(), "ab");
        assert_eq!(a.cursor(), (0, 1));
        assert!(!a.is_blank());
    }
}
