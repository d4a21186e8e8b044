//! The TUI with the passphrase agent (`agent: true` in config.yaml): it
//! starts without asking when the agent already holds this identity's
//! keys, hands the passphrase to the agent (starting one) when it must ask,
//! and locks itself again once the agent no longer holds them — after
//! `agent_idle_seconds` without a key press (when the agent forgets too),
//! or when `dossier lock` made it forget. Locking drops the session, so
//! nothing more is decrypted until the next unlock; what was open (a note
//! being written, a form) waits behind the unlock screen and comes back.

use std::time::Duration;

use dossier::keys::identity::{Identity, Session};
use dossier::support::secret::NoPassphrase;

use crate::passphrase_agent;
use crate::tui::app::App;
use crate::tui::screens::ScreenId;

impl App {
    /// A session from the agent, when the user opted in and the running
    /// agent holds `identity`'s keys.
    pub fn session_from_agent(&self, identity: &Identity) -> Option<Session> {
        self.shared.config.agent_idle()?;
        let client = passphrase_agent::holding(&self.shared.home, identity)?;
        Some(Session::with_agent(
            identity.clone(),
            Box::new(NoPassphrase),
            client,
        ))
    }

    fn uses_agent(&self) -> bool {
        self.shared.session.as_ref().is_some_and(|s| s.has_agent())
    }

    /// Locks: the unlock screen saying `why`, what was open kept behind it.
    pub fn relock(&mut self, why: String) {
        if self.shared.session.take().is_none() {
            return;
        }
        self.screens.cases.forget_text(&mut self.shared);
        let overlays = std::mem::take(&mut self.overlays);
        self.locked_away = Some((self.screen, overlays));
        self.screens.unlock.error = Some(why);
        self.show(ScreenId::Unlock);
    }

    /// After an unlock: what the lock hid, back; false when nothing was.
    pub fn unhide(&mut self) -> bool {
        let Some((screen, overlays)) = self.locked_away.take() else {
            return false;
        };
        self.overlays = overlays;
        self.show(screen);
        true
    }

    /// On each tick: with the agent, locks after its idle timeout without
    /// a key press; true when it did.
    pub fn lock_when_idle(&mut self) -> bool {
        let Some(idle) = self.shared.config.agent_idle() else {
            return false;
        };
        if !self.uses_agent() || self.shared.last_input.elapsed() < idle {
            return false;
        }
        self.relock(format!(
            "Locked after {} without a key press: the passphrase agent has forgotten your keys. Unlock again.",
            spoken(idle)
        ));
        true
    }

    /// After a failure with an agent session: when the agent no longer
    /// holds the keys, locks (the failure was that, not damage) and says
    /// true.
    pub fn lock_if_agent_forgot(&mut self) -> bool {
        if !self.uses_agent() {
            return false;
        }
        let holds = self
            .shared
            .identity
            .as_ref()
            .and_then(|id| passphrase_agent::holding(&self.shared.home, id))
            .is_some();
        if holds {
            return false;
        }
        self.relock(
            "The passphrase agent no longer holds your keys (`dossier lock`, or it was idle). Unlock again."
                .into(),
        );
        true
    }
}

/// "10 minutes", "45 seconds".
pub fn spoken(d: Duration) -> String {
    let s = d.as_secs();
    match (s / 60, s % 60) {
        (0, s) => format!("{s} second(s)"),
        (m, 0) => format!("{m} minute(s)"),
        (m, s) => format!("{m} minute(s) {s} second(s)"),
    }
}
