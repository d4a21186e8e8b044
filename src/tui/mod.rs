//! The terminal UI: `dossier` with no subcommand (DESIGN §9).
//!
//! Shape (STYLE rules 2–5): one input thread ([`event`]) and worker threads
//! ([`jobs`]) send [`event::Event`]s over one channel; the UI thread
//! ([`run`]) drains every queued event, applies each to the [`app::App`]
//! state, and then draws once. Keys become [`action::Action`]s through key
//! tables that are data; the same tables build the `?` help and the hint
//! bar. Each screen ([`screens`]) and overlay ([`overlays`]) is a component
//! ([`component`]) owning its state, keys, update and drawing; the app only
//! routes between them and owns what they share ([`shared`]). Components
//! render plain data ([`model`]) and never touch the vault, so every screen
//! is snapshot-tested from fixture state. Only this module tree imports
//! ratatui and crossterm.
//!
//! Module layers, each importing only those before it: `model`, `jobs`,
//! `event`, `data`; `action`, `theme`, `text`, `config`; `shared`,
//! `widgets`, `component`; `overlays`; `screens`; `chrome`; `app`; this run
//! loop.
//!
//! Confidentiality: decrypted text is only in memory (the note editor
//! included); nothing is logged; on exit the terminal is restored and the
//! screen and scrollback cleared ([`terminal`]).

pub mod action;
pub mod agent;
pub mod app;
pub mod chrome;
pub mod component;
pub mod config;
pub mod data;
pub mod event;
pub mod external;
pub mod jobs;
pub mod model;
pub mod overlays;
pub mod screens;
pub mod shared;
pub mod terminal;
pub mod text;
pub mod theme;
pub mod widgets;

#[cfg(test)]
mod tests;

use std::sync::mpsc;

use dossier::{Error, Result};

use crate::launch::Launch;
use crate::tui::app::App;
use crate::tui::event::Event;
use crate::tui::overlays::editor::NoteEditor;
use crate::tui::text::TextArea;

/// Runs the TUI until the user quits.
pub fn run(launch: Launch) -> Result<()> {
    let (config, config_problem) = config::Config::loaded().clone();
    // Background jobs wait for another writer behind their progress line;
    // nothing may print over the screen.
    dossier::repo::lock::configure(config.lock_timeout(), None);
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let requested = launch.theme.clone().or_else(|| config.theme.clone());
    let (theme, theme_problem) = theme::Theme::resolve(
        requested.as_deref(),
        config::themes_dir().as_deref(),
        no_color,
    );
    let (tx, rx) = mpsc::channel();
    let report = tx.clone();
    let jobs = jobs::Jobs::new(
        move |m| {
            let _ = report.send(Event::Job(m));
        },
        launch.vault_root.clone(),
    );
    let mut app = App::new(theme, config, launch.home, jobs, launch.scrypt_log_n);
    app.start();
    if let Some(p) = theme_problem.or(config_problem) {
        app.shared.update_message(p, true);
    }

    let term_err = |e: std::io::Error| Error::io("use", "the terminal")(e);
    event::catch_termination();
    let mut guard = terminal::Guard::enter().map_err(term_err)?;
    let input = event::spawn_input(tx);
    let result = event_loop(&mut guard, &mut app, &rx, &input);
    input.stop();
    drop(guard);
    result
}

fn event_loop(
    guard: &mut terminal::Guard,
    app: &mut App,
    rx: &mpsc::Receiver<Event>,
    input: &event::InputControl,
) -> Result<()> {
    let term_err = |e: std::io::Error| Error::io("draw on", "the terminal")(e);
    guard.terminal.draw(|f| app.render(f)).map_err(term_err)?;
    loop {
        let first = match rx.recv_timeout(std::time::Duration::from_millis(250)) {
            Ok(ev) => ev,
            Err(mpsc::RecvTimeoutError::Timeout) if event::should_terminate() => {
                return Ok(());
            }
            Err(mpsc::RecvTimeoutError::Timeout) => continue,
            Err(mpsc::RecvTimeoutError::Disconnected) => return Ok(()),
        };
        let mut redraw = handle(app, first);
        // Drain everything already queued before drawing once.
        while let Ok(ev) = rx.try_recv() {
            redraw |= handle(app, ev);
        }
        if app.quit {
            return Ok(());
        }
        if let Some(req) = app.external.take() {
            input.pause();
            guard.suspend();
            let edited = external::edit("");
            let resumed = guard.resume();
            input.resume();
            resumed.map_err(term_err)?;
            match edited {
                Ok(text) => app.overlays.push(Box::new(NoteEditor::new(
                    req.case,
                    TextArea::with(text.trim_end_matches('\n')),
                ))),
                Err(problem) => app.shared.update_message(problem, true),
            }
            redraw = true;
        }
        if redraw {
            guard.terminal.draw(|f| app.render(f)).map_err(term_err)?;
        }
    }
}

/// Applies one event; returns whether the screen needs drawing.
fn handle(app: &mut App, ev: Event) -> bool {
    match ev {
        Event::Key(k) => {
            app.on_key(k);
            true
        }
        Event::Paste(text) => {
            app.on_paste(text);
            true
        }
        Event::Resize => true,
        Event::Tick => {
            let locked = app.lock_when_idle();
            app.shared.spinner = app.shared.spinner.wrapping_add(1);
            locked || app.shared.jobs.busy()
        }
        Event::Job(msg) => {
            app.on_job(msg);
            true
        }
        Event::Terminate => {
            app.quit = true;
            false
        }
    }
}
