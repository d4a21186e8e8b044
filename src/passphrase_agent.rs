//! The passphrase agent from the binary's side, for both faces: whether the
//! user opted in (`agent: true` in config.yaml), the running agent when it
//! holds this identity, and starting one on demand and handing it the
//! passphrase once. The agent itself is [`dossier::keys::agent`]; the CLI's
//! `dossier agent` and `dossier lock` are `cli/agent.rs`.

use std::os::unix::process::CommandExt;
use std::path::Path;
use std::time::{Duration, Instant};

use dossier::keys::agent::AgentClient;
use dossier::keys::identity::{Home, Identity};
use dossier::support::secret::{ExposeSecret, SecretString};
use dossier::{Error, Result};

/// How long a started agent may take to listen.
const START_WAIT: Duration = Duration::from_secs(5);
/// The idle timeout when the config names none.
pub const DEFAULT_IDLE_SECONDS: u64 = crate::tui::config::DEFAULT_AGENT_IDLE_SECONDS;

/// Whether the user opted in, and the idle timeout.
pub fn configured() -> Option<Duration> {
    crate::tui::config::Config::loaded().0.agent_idle()
}

/// The running agent of `home`, when it holds `identity`'s keys unlocked.
pub fn holding(home: &Home, identity: &Identity) -> Option<AgentClient> {
    let client = AgentClient::for_home(home.dir()).ok()?;
    let status = client.status().ok()?;
    let mine = identity.fingerprint().to_string();
    (status.unlocked && status.fingerprint.as_deref() == Some(mine.as_str())).then_some(client)
}

/// Hands `passphrase` to the agent of `home`, starting one (idle timeout
/// `idle`) when none runs; the agent unlocks the identity itself. A wrong
/// passphrase is [`Error::WrongPassphrase`]; an agent that cannot run (no
/// private runtime directory, say) is [`Error::AgentUnavailable`].
pub fn hand_over(home: &Home, passphrase: &SecretString, idle: Duration) -> Result<AgentClient> {
    let client = AgentClient::for_home(home.dir())?;
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
    Ok(client)
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
