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
    #[cfg(test)]
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

    /// What fits in `width` cells with the cursor in view, and the
    /// cursor's column in it: the text (or bullets) scrolled sideways, a
    /// `…` at each end where text is out of view.
    pub fn view(&self, width: usize) -> (String, usize) {
        let shown: Vec<char> = self.display().chars().collect();
        let n = shown.len();
        if n < width || width < 4 {
            let text: String = shown.iter().take(width).collect();
            return (text, self.cursor.min(width.saturating_sub(1)));
        }
        // Scrolled: the cursor stays off the cells the `…` marks take.
        let start = self.cursor.saturating_sub(width - 3).min(n + 2 - width);
        let mut cells: Vec<char> = shown.iter().skip(start).take(width).copied().collect();
        if start > 0 {
            cells[0] = '…';
        }
        if start + width < n {
            if let Some(last) = cells.last_mut() {
                *last = '…';
            }
        }
        (cells.into_iter().collect(), self.cursor - start)
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

/// One screen row of soft-wrapped text: characters `start..end` of line
/// `row`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Segment {
    /// The line.
    pub row: usize,
    /// First character.
    pub start: usize,
    /// One past the last character.
    pub end: usize,
    /// Whether the line ends here.
    pub last: bool,
}

impl Segment {
    /// The characters of `line` this row shows.
    pub fn of(&self, line: &str) -> String {
        line.chars()
            .skip(self.start)
            .take(self.end - self.start)
            .collect()
    }
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
    #[cfg(test)]
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

    /// Puts the cursor at (row, column), within the text.
    #[cfg(test)]
    pub fn set_cursor(&mut self, row: usize, col: usize) {
        self.row = row.min(self.lines.len() - 1);
        self.col = col.min(self.line_len(self.row));
    }

    /// The text soft-wrapped to `width` characters: each screen row as a
    /// piece of one line, broken after a space where there is one.
    pub fn wrap(&self, width: usize) -> Vec<Segment> {
        let width = width.max(1);
        let mut rows = Vec::new();
        for (row, line) in self.lines.iter().enumerate() {
            let chars: Vec<char> = line.chars().collect();
            let mut start = 0;
            loop {
                if chars.len() - start <= width {
                    rows.push(Segment {
                        row,
                        start,
                        end: chars.len(),
                        last: true,
                    });
                    break;
                }
                let space = (start + 1..start + width).rev().find(|&i| chars[i] == ' ');
                let end = space.map(|i| i + 1).unwrap_or(start + width);
                rows.push(Segment {
                    row,
                    start,
                    end,
                    last: false,
                });
                start = end;
            }
        }
        rows
    }

    /// The cursor on screen in a wrap of [`TextArea::wrap`]: (screen row,
    /// column).
    pub fn cursor_in(&self, wrapped: &[Segment]) -> (usize, usize) {
        let at = wrapped
            .iter()
            .rposition(|s| s.row == self.row && s.start <= self.col)
            .unwrap_or(0);
        let col = wrapped.get(at).map(|s| self.col - s.start).unwrap_or(0);
        (at, col)
    }

    /// Moves the cursor one screen row up (`up`) or down in a wrap, keeping
    /// its column where the row is long enough; false at the first or
    /// last row.
    pub fn move_on_screen(&mut self, wrapped: &[Segment], up: bool) -> bool {
        let (at, col) = self.cursor_in(wrapped);
        let target = if up { at.checked_sub(1) } else { Some(at + 1) };
        let Some(seg) = target.and_then(|t| wrapped.get(t)) else {
            return false;
        };
        // Past the end of a row that continues would land on the next one.
        let room = if seg.last {
            seg.end
        } else {
            seg.end.saturating_sub(1).max(seg.start)
        };
        self.row = seg.row;
        self.col = (seg.start + col).min(room);
        true
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
    fn a_long_input_scrolls_so_the_cursor_is_always_in_view() {
        let mut t = TextInput::with("0123456789abcdefghij");
        assert_eq!(t.view(30), ("0123456789abcdefghij".to_string(), 20));
        assert_eq!(t.view(10), ("…defghij".to_string(), 8));
        t.edit(Action::LineStart);
        for _ in 0..10 {
            t.edit(Action::Right);
        }
        assert_eq!(t.view(10), ("…456789ab…".to_string(), 7));
        t.edit(Action::LineStart);
        assert_eq!(t.view(10), ("012345678…".to_string(), 0));
    }

    #[test]
    fn the_editor_wraps_after_a_space_and_moves_by_screen_row() {
        let mut a = TextArea::with("the hearing is listed\nx");
        let rows = a.wrap(10);
        let shown: Vec<String> = rows.iter().map(|s| s.of(&a.lines()[s.row])).collect();
        assert_eq!(shown, ["the ", "hearing ", "is listed", "x"]);
        assert_eq!(a.cursor_in(&rows), (3, 1));
        a.set_cursor(0, 21);
        assert_eq!(a.cursor_in(&rows), (2, 9));
        assert!(a.move_on_screen(&rows, true));
        assert_eq!(
            a.cursor(),
            (0, 11),
            "the end of a continued row is kept off the next"
        );
        assert!(a.move_on_screen(&rows, true));
        assert!(!a.move_on_screen(&rows, true));
        assert_eq!(a.cursor_in(&rows).0, 0);
        // A word longer than the width is broken where it must be.
        let long = TextArea::with("abcdefghijkl");
        let rows = long.wrap(5);
        assert_eq!(rows.len(), 3);
        assert_eq!((rows[2].start, rows[2].end, rows[2].last), (10, 12, true));
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
