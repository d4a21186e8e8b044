//! The unlock prompt: who is unlocking, the masked passphrase, and why the
//! last attempt failed. The unlock itself (scrypt, about a second) runs as
//! a job, so the prompt keeps drawing its spinner.

use std::sync::Arc;

use dossier::keys::identity::Session;
use dossier::support::secret::{FixedPassphrase, NoPassphrase, SecretString};
use dossier::Error;
use ratatui::crossterm::event::KeyCode as K;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};
use ratatui::Frame;

use crate::passphrase_agent;
use crate::tui::action::{bind as b, Action, Action as A, Key, Keymap, Rest};
use crate::tui::component::{Effect, JobResult, Screen, Taken};
use crate::tui::jobs::{JobKind, JobOutput};
use crate::tui::shared::Shared;
use crate::tui::text::TextInput;
use crate::tui::theme::Role;
use crate::tui::widgets::centered;

/// The unlock screen's keys.
pub const KEYS: Keymap = Keymap {
    title: "Unlock",
    bindings: &[
        b(Key::plain(K::Enter), A::Submit, "unlock", true),
        b(Key::plain(K::Backspace), A::DeleteBack, "delete", false),
        b(Key::plain(K::Esc), A::Quit, "quit", true),
        b(Key::ctrl('c'), A::Quit, "quit", false),
    ],
    rest: Rest::Text,
};

/// The unlock screen.
#[derive(Debug)]
pub struct UnlockScreen {
    /// The passphrase being typed.
    pub input: TextInput,
    /// Why the last attempt failed.
    pub error: Option<String>,
}

impl Default for UnlockScreen {
    fn default() -> Self {
        UnlockScreen {
            input: TextInput::masked(),
            error: None,
        }
    }
}

impl UnlockScreen {
    fn submit(&mut self, ctx: &mut Shared) {
        if ctx.jobs.is_running(JobKind::Unlock) {
            return;
        }
        let Some(identity) = ctx.identity.clone() else {
            return;
        };
        let pass = self.input.take();
        if pass.is_empty() {
            self.error = Some("type your passphrase, then Enter".into());
            return;
        }
        self.error = None;
        let secret = SecretString::from(pass.to_string());
        let agent = ctx.config.agent_idle();
        let home = ctx.home.clone();
        ctx.jobs.spawn(JobKind::Unlock, "unlocking", move |_| {
            let Some(idle) = agent else {
                let session = Session::new(identity, Box::new(FixedPassphrase::new(secret)));
                session.unlock()?;
                return Ok(JobOutput::Unlocked(Arc::new(session), None));
            };
            // The agent unlocks the identity itself; this process keeps
            // neither a secret key nor the passphrase (dropped, and so
            // wiped, here).
            match passphrase_agent::hand_over(&home, &secret, idle) {
                Ok(client) => {
                    drop(secret);
                    let session = Session::with_agent(identity, Box::new(NoPassphrase), client);
                    session.decryption_keys()?;
                    Ok(JobOutput::Unlocked(Arc::new(session), None))
                }
                Err(Error::WrongPassphrase) => Err(Error::WrongPassphrase),
                Err(e) => {
                    let session = Session::new(identity, Box::new(FixedPassphrase::new(secret)));
                    session.unlock()?;
                    let why = format!("Unlocked without the passphrase agent: {e}");
                    Ok(JobOutput::Unlocked(Arc::new(session), Some(why)))
                }
            }
        });
    }
}

impl Screen for UnlockScreen {
    fn keys(&self) -> &'static Keymap {
        &KEYS
    }

    fn update(&mut self, a: Action, ctx: &mut Shared) -> Vec<Effect> {
        match a {
            Action::Submit => self.submit(ctx),
            Action::Quit => return vec![Effect::Quit],
            other => {
                self.input.edit(other);
            }
        }
        Vec::new()
    }

    fn on_job(&mut self, kind: JobKind, result: JobResult, ctx: &mut Shared) -> Taken {
        match (kind, result) {
            (JobKind::Unlock, Ok(JobOutput::Unlocked(session, problem))) => {
                self.error = None;
                match (problem, ctx.config.agent_idle()) {
                    (Some(why), _) => ctx.error_msg(why),
                    (None, Some(idle)) if session.has_agent() => ctx.info_msg(format!(
                        "Your keys are in the passphrase agent until {} without use (`dossier lock` forgets them now)",
                        crate::tui::agent::spoken(idle)
                    )),
                    _ => {}
                }
                Taken::Yes(vec![Effect::Unlocked(session)])
            }
            (JobKind::Unlock, Err(e)) => {
                self.error = Some(match e {
                    Error::WrongPassphrase => "the passphrase is wrong; try again".to_string(),
                    other => other.to_string(),
                });
                Taken::Yes(Vec::new())
            }
            (kind, result) => Taken::No(kind, result),
        }
    }

    fn render(&mut self, f: &mut Frame, area: Rect, ctx: &Shared) {
        let t = &ctx.theme;
        let Some(identity) = &ctx.identity else {
            return;
        };
        let box_area = centered(area, 76, 10);
        // Bullets scroll sideways like any field: a long passphrase stays
        // on its line.
        let room = (box_area.width as usize).saturating_sub(2 + 12 + 1);
        let (bullets, _) = self.input.view(room);
        let mut lines = vec![
            Line::from(vec![
                Span::styled(" Identity  ", t.style(Role::Muted)),
                Span::styled(
                    format!("{} <{}>", identity.card().name, identity.card().email),
                    t.style(Role::Text),
                ),
            ]),
            Line::from(vec![
                Span::styled("           ", t.style(Role::Muted)),
                Span::styled(identity.fingerprint().grouped(), t.style(Role::Muted)),
            ]),
            Line::default(),
            Line::from(vec![
                Span::styled(" Passphrase ", t.style(Role::Text)),
                Span::styled(bullets, t.style(Role::Input)),
                Span::styled("█", t.style(Role::Input)),
            ]),
            Line::default(),
        ];
        if ctx.jobs.is_running(JobKind::Unlock) {
            lines.push(Line::styled(" Unlocking…", t.style(Role::Accent)));
        } else if let Some(e) = &self.error {
            lines.push(Line::styled(format!(" {e}"), t.style(Role::Danger)));
        } else {
            lines.push(Line::styled(
                " Type your passphrase and press Enter.",
                t.style(Role::Muted),
            ));
        }
        f.render_widget(Clear, box_area);
        f.render_widget(
            Paragraph::new(lines).block(
                Block::default()
                    .borders(Borders::ALL)
                    .border_style(t.style(Role::Border))
                    .title(Span::styled(" Unlock dossier ", t.style(Role::Title))),
            ),
            box_area,
        );
    }
}
