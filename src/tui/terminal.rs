//! Owning the terminal: raw mode and the alternate screen on the way in;
//! on every way out (normal exit, error, panic, SIGTERM/SIGHUP) the
//! terminal is restored and the screen and scrollback cleared, so no case
//! content stays visible or scrollable after dossier exits.

use std::io::{self, Stdout, Write};
use std::sync::atomic::{AtomicBool, Ordering};

use ratatui::backend::CrosstermBackend;
use ratatui::crossterm::cursor::{Hide, MoveTo, Show};
use ratatui::crossterm::event::{DisableBracketedPaste, EnableBracketedPaste};
use ratatui::crossterm::execute;
use ratatui::crossterm::terminal::{
    disable_raw_mode, enable_raw_mode, Clear, ClearType, EnterAlternateScreen, LeaveAlternateScreen,
};
use ratatui::Terminal;

/// The terminal type the TUI draws on.
pub type Term = Terminal<CrosstermBackend<Stdout>>;

static ACTIVE: AtomicBool = AtomicBool::new(false);

/// Restores the terminal while alive-guarded; restores on drop.
pub struct Guard {
    /// The terminal.
    pub terminal: Term,
}

impl Guard {
    /// Takes over the terminal, installing the panic hook first.
    pub fn enter() -> io::Result<Guard> {
        install_panic_hook();
        take_over()?;
        let terminal = Terminal::new(CrosstermBackend::new(io::stdout()))?;
        Ok(Guard { terminal })
    }

    /// Hands the terminal back temporarily (for `$EDITOR`).
    pub fn suspend(&mut self) {
        restore(false);
    }

    /// Takes it over again and forces a full redraw.
    pub fn resume(&mut self) -> io::Result<()> {
        take_over()?;
        self.terminal.clear()
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        restore(true);
    }
}

fn take_over() -> io::Result<()> {
    enable_raw_mode()?;
    ACTIVE.store(true, Ordering::SeqCst);
    // Bracketed paste: pasted text arrives as one event, never as keys.
    execute!(
        io::stdout(),
        EnterAlternateScreen,
        EnableBracketedPaste,
        Hide
    )
}

/// Leaves raw mode and the alternate screen; with `wipe`, also clears the
/// main screen and purges the scrollback (`ESC [3J`). Safe to call twice.
fn restore(wipe: bool) {
    if !ACTIVE.swap(false, Ordering::SeqCst) {
        return;
    }
    let mut out = io::stdout();
    let _ = execute!(
        out,
        DisableBracketedPaste,
        Clear(ClearType::All),
        LeaveAlternateScreen,
        Show
    );
    let _ = disable_raw_mode();
    if wipe {
        let _ = execute!(
            out,
            Clear(ClearType::All),
            Clear(ClearType::Purge),
            MoveTo(0, 0)
        );
        // Some terminals ignore the purge unless it is sent last, verbatim.
        let _ = out.write_all(b"\x1b[3J");
    }
    let _ = out.flush();
}

fn install_panic_hook() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        // A background job's panic is caught and reported on the screen;
        // only a panic of the UI itself ends the session.
        if !dossier::support::hygiene::catching() {
            restore(true);
        }
        previous(info);
    }));
}
