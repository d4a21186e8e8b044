//! The CLI's side of the passphrase agent (see [`dossier::keys::agent`]):
//! `dossier agent` runs one, `dossier lock` stops it, and, when the user
//! opted in (`agent: true` in config.yaml), the first command that needs
//! the keys asks for the passphrase once, starts the agent and hands it
//! over; later commands use the agent and ask nothing until it is idle for
//! `agent_idle_seconds` (default 600) or locked. Starting and finding the
//! agent is [`crate::passphrase_agent`], which the TUI uses too.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use dossier::keys::agent::{self, AgentClient};
use dossier::keys::identity::{Home, Identity, Session};
use dossier::support::secret::{FixedPassphrase, PassphraseSource, SecretString};
use dossier::Result;

use crate::passphrase_agent::{hand_over, holding};

/// A session for `identity` through the agent: the running one when it
/// holds this identity, else one started now with the passphrase asked
/// once from `source`. When no agent can be used, says why on stderr and
/// returns an ordinary session.
pub fn session(
    home: &Home,
    identity: Identity,
    source: Box<dyn PassphraseSource>,
    idle: Duration,
) -> Result<Session> {
    if let Err(e) = AgentClient::for_home(home.dir()) {
        eprintln!("dossier: {e}; asking for the passphrase each time");
        return Ok(Session::new(identity, source));
    }
    if let Some(client) = holding(home, &identity) {
        return Ok(Session::with_agent(identity, source, client));
    }
    let passphrase = source.passphrase("unlock your keys (the agent keeps them for you)")?;
    let client = hand_over(home, &passphrase, idle)?;
    // What must still happen here uses the same passphrase, not a prompt.
    Ok(Session::with_agent(
        identity,
        Box::new(FixedPassphrase::new(passphrase)),
        client,
    ))
}

static STOP: AtomicBool = AtomicBool::new(false);

extern "C" fn on_signal(_: libc::c_int) {
    STOP.store(true, Ordering::SeqCst);
}

/// `dossier agent`: runs the agent for `home` in the foreground until it is
/// idle for `idle`, locked, or sent SIGTERM/SIGINT.
pub fn run(home: &Home, idle: Duration) -> Result<()> {
    let socket = agent::socket_path(home.dir())?;
    // SAFETY: the handler only stores to an atomic.
    unsafe {
        libc::signal(libc::SIGTERM, on_signal as *const () as libc::sighandler_t);
        libc::signal(libc::SIGINT, on_signal as *const () as libc::sighandler_t);
        libc::signal(libc::SIGHUP, on_signal as *const () as libc::sighandler_t);
    }
    let stop = Arc::new(AtomicBool::new(false));
    let watcher = stop.clone();
    std::thread::spawn(move || loop {
        if STOP.load(Ordering::SeqCst) {
            watcher.store(true, Ordering::SeqCst);
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    });
    let home = home.clone();
    let unlock = move |passphrase: &str| {
        let identity = Identity::load(&home)?;
        let session = Session::new(
            identity,
            Box::new(FixedPassphrase::new(SecretString::from(
                passphrase.to_string(),
            ))),
        );
        let keys = session.local_decryption_keys()?.all().to_vec();
        let signer = session.signing_key()?.clone();
        Ok((session.fingerprint().to_string(), keys, signer))
    };
    agent::serve(&socket, idle, &unlock, stop)
}

/// `dossier lock`: the agent forgets the keys and stops.
pub fn lock(home: &Home) -> Result<bool> {
    let client = AgentClient::for_home(home.dir())?;
    if client.status().is_err() {
        return Ok(false);
    }
    client.lock()?;
    Ok(true)
}
