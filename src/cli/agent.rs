//! The CLI's side of the passphrase agent (see [`dossier::keys::agent`]):
//! `dossier agent` runs one, `dossier lock` stops it, and, when the user
//! opted in (`agent: true` in config.yaml), the first command that needs
//! the keys asks for the passphrase once, starts the agent and hands it
//! over; later commands use the agent and ask nothing until it is idle for
//! `agent_idle_seconds` (default 600) or locked.

use std::os::unix::process::CommandExt;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use dossier::keys::agent::{self, AgentClient};
use dossier::keys::identity::{Home, Identity, Session};
use dossier::support::secret::{ExposeSecret, FixedPassphrase, PassphraseSource, SecretString};
use dossier::{Error, Result};

/// How long a started agent may take to listen.
const START_WAIT: Duration = Duration::from_secs(5);
/// The idle timeout when the config names none.
pub const DEFAULT_IDLE_SECONDS: u64 = 600;

/// Whether the user opted in, and the idle timeout.
pub fn configured() -> Option<Duration> {
    let (config, _) = crate::tui::config::Config::load();
    config.agent.then(|| {
        Duration::from_secs(
            config
                .agent_idle_seconds
                .unwrap_or(DEFAULT_IDLE_SECONDS)
                .max(1),
        )
    })
}

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
    let client = match AgentClient::for_home(home.dir()) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("dossier: {e}; asking for the passphrase each time");
            return Ok(Session::new(identity, source));
        }
    };
    let mine = identity.fingerprint().to_string();
    if let Ok(status) = client.status() {
        if status.unlocked && status.fingerprint.as_deref() == Some(mine.as_str()) {
            return Ok(Session::with_agent(identity, source, client));
        }
    }
    let passphrase = source.passphrase("unlock your keys (the agent keeps them for you)")?;
    if client.status().is_err() {
        start(home.dir(), idle)?;
        let deadline = Instant::now() + START_WAIT;
        while client.status().is_err() {
            if Instant::now() > deadline {
                return Err(Error::AgentUnavailable(
                    "it did not start; run `dossier agent` to see why".into(),
                ));
            }
            std::thread::sleep(Duration::from_millis(25));
        }
    }
    client.unlock(passphrase.expose_secret())?;
    // What must still happen here uses the same passphrase, not a prompt.
    Ok(Session::with_agent(
        identity,
        Box::new(FixedPassphrase::new(passphrase)),
        client,
    ))
}

/// Starts `dossier agent` for `home` in the background, detached from the
/// terminal (its own session; no stdin, stdout or stderr).
fn start(home: &Path, idle: Duration) -> Result<()> {
    let exe = std::env::current_exe().map_err(Error::io("find", "the dossier program"))?;
    let mut cmd = std::process::Command::new(exe);
    cmd.arg("--home")
        .arg(home)
        .arg("agent")
        .arg("--idle")
        .arg(idle.as_secs().to_string())
        // It is handed the passphrase over its socket, once; it keeps no
        // copy of it in its environment.
        .env_remove("DOSSIER_PASSPHRASE")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    // SAFETY: setsid only detaches the child from this terminal's session.
    unsafe {
        cmd.pre_exec(|| {
            libc::setsid();
            Ok(())
        });
    }
    cmd.spawn()
        .map_err(Error::io("start", "the passphrase agent"))?;
    Ok(())
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
