//! The one event channel and the one input thread (STYLE rule 3).
//!
//! The input thread reads the terminal and sends keys and resizes; worker
//! threads send job results ([`crate::tui::jobs`]); a tick keeps spinners
//! moving. The UI thread is the only receiver. The input thread can be
//! paused (while `$EDITOR` owns the terminal): [`InputControl::pause`]
//! returns only once the thread has stopped reading, so no keystroke meant
//! for the editor is swallowed.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::Sender;
use std::sync::Arc;
use std::time::{Duration, Instant};

use ratatui::crossterm::event::{self, Event as TermEvent, KeyEvent, KeyEventKind};

use crate::tui::jobs::JobMessage;

/// Everything the UI thread reacts to.
#[derive(Debug)]
pub enum Event {
    /// A key press.
    Key(KeyEvent),
    /// Text pasted into the terminal (bracketed paste): it goes into the
    /// text field that has the keyboard, never read as keys.
    Paste(String),
    /// The terminal was resized.
    Resize,
    /// Time passed (spinners, message expiry).
    Tick,
    /// A worker reported.
    Job(JobMessage),
    /// SIGTERM or SIGHUP: leave cleanly.
    Terminate,
}

static TERMINATE: AtomicBool = AtomicBool::new(false);

extern "C" fn on_terminate(_: libc::c_int) {
    TERMINATE.store(true, Ordering::SeqCst);
}

/// Turns SIGTERM, SIGHUP and SIGINT (sent by another process: in raw mode
/// Ctrl-C is a key) into [`Event::Terminate`], so the terminal is restored
/// and the screen and scrollback cleared even when the session is killed.
pub fn catch_termination() {
    let handler = on_terminate as extern "C" fn(libc::c_int);
    // SAFETY: the handler only stores to an atomic, which is async-signal-safe.
    unsafe {
        libc::signal(libc::SIGTERM, handler as libc::sighandler_t);
        libc::signal(libc::SIGHUP, handler as libc::sighandler_t);
        libc::signal(libc::SIGINT, handler as libc::sighandler_t);
    }
}

/// Whether the session should end without a key press: SIGTERM, SIGHUP
/// or SIGINT arrived, or the terminal hung up. The UI thread checks this itself on a
/// timer, because a read on a hung-up terminal can keep the input thread
/// inside crossterm indefinitely.
pub fn should_terminate() -> bool {
    TERMINATE.load(Ordering::SeqCst) || terminal_hung_up()
}

/// Whether standard input, the terminal, has hung up.
fn terminal_hung_up() -> bool {
    let mut fd = libc::pollfd {
        fd: 0,
        events: libc::POLLIN,
        revents: 0,
    };
    // SAFETY: one valid pollfd, zero timeout.
    let n = unsafe { libc::poll(&mut fd, 1, 0) };
    n > 0 && fd.revents & (libc::POLLHUP | libc::POLLERR | libc::POLLNVAL) != 0
}

/// Pauses and resumes the input thread.
#[derive(Clone)]
pub struct InputControl {
    paused: Arc<AtomicBool>,
    parked: Arc<AtomicBool>,
    stop: Arc<AtomicBool>,
}

impl InputControl {
    /// Stops the thread reading the terminal; returns once it has.
    pub fn pause(&self) {
        self.paused.store(true, Ordering::SeqCst);
        let deadline = Instant::now() + Duration::from_secs(2);
        while !self.parked.load(Ordering::SeqCst) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    /// Lets it read again.
    pub fn resume(&self) {
        self.paused.store(false, Ordering::SeqCst);
    }

    /// Ends the thread at its next poll.
    pub fn stop(&self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}

/// Starts the input thread sending to `tx`.
pub fn spawn_input(tx: Sender<Event>) -> InputControl {
    let control = InputControl {
        paused: Arc::new(AtomicBool::new(false)),
        parked: Arc::new(AtomicBool::new(false)),
        stop: Arc::new(AtomicBool::new(false)),
    };
    let c = control.clone();
    std::thread::Builder::new()
        .name("dossier-input".into())
        .spawn(move || input_loop(&c, &tx))
        .ok();
    control
}

fn input_loop(c: &InputControl, tx: &Sender<Event>) {
    let tick = Duration::from_millis(200);
    let mut last_tick = Instant::now();
    loop {
        if c.stop.load(Ordering::SeqCst) {
            return;
        }
        if TERMINATE.swap(false, Ordering::SeqCst) && tx.send(Event::Terminate).is_err() {
            return;
        }
        if c.paused.load(Ordering::SeqCst) {
            c.parked.store(true, Ordering::SeqCst);
            std::thread::sleep(Duration::from_millis(10));
            continue;
        }
        c.parked.store(false, Ordering::SeqCst);
        // An error means the terminal is gone: leave as on SIGHUP.
        let Ok(ready) = event::poll(Duration::from_millis(50)) else {
            let _ = tx.send(Event::Terminate);
            return;
        };
        // Re-check: a pause may have begun while we waited.
        if c.paused.load(Ordering::SeqCst) {
            continue;
        }
        let sent = if ready {
            match event::read() {
                Ok(TermEvent::Key(k)) if k.kind != KeyEventKind::Release => tx.send(Event::Key(k)),
                Ok(TermEvent::Resize(..)) => tx.send(Event::Resize),
                Ok(TermEvent::Paste(text)) => tx.send(Event::Paste(text)),
                Ok(_) => Ok(()),
                Err(_) => {
                    let _ = tx.send(Event::Terminate);
                    return;
                }
            }
        } else {
            Ok(())
        };
        if sent.is_err() {
            return;
        }
        if last_tick.elapsed() >= tick {
            last_tick = Instant::now();
            if tx.send(Event::Tick).is_err() {
                return;
            }
        }
    }
}
