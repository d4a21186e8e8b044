//! Yes/no questions on the terminal, for destructive commands and new SSH
//! hosts. Without a terminal on both ends nothing is asked.

use std::io::{IsTerminal, Write};

/// Asks `question` on stderr and returns the line typed on stdin; `None`
/// when there is no terminal to ask on.
pub(super) fn typed(question: &str) -> Option<String> {
    if !std::io::stdin().is_terminal() || !std::io::stderr().is_terminal() {
        return None;
    }
    eprint!("{question} ");
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    std::io::stdin().read_line(&mut answer).ok()?;
    Some(answer)
}

/// Asks `question` on stderr and reads the answer from stdin: `Some(true)`
/// for y/yes, `Some(false)` for anything else (or an unreadable answer),
/// `None` when there is no terminal to ask on.
pub(super) fn yes_no(question: &str) -> Option<bool> {
    if !std::io::stdin().is_terminal() || !std::io::stderr().is_terminal() {
        return None;
    }
    eprint!("{question} [y/N] ");
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    if std::io::stdin().read_line(&mut answer).is_err() {
        return Some(false);
    }
    Some(matches!(answer.trim(), "y" | "Y" | "yes" | "Yes"))
}
