//! The passphrase agent, like ssh-agent or gpg-agent: one process holds a
//! person's unlocked secret keys in memory for an idle timeout, so each
//! command does not ask for the passphrase and spend a second in scrypt.
//!
//! The keys never leave the agent. A command sends it the recipient
//! stanzas of an age header and gets back the file key of that one file
//! ([`AgentKeys`], an `age::Identity`), or sends bytes to sign and gets an
//! SSH signature ([`AgentSigner`]).
//!
//! The socket is `$XDG_RUNTIME_DIR/dossier/agent-<home>.sock`, mode 0600,
//! in a directory of mode 0700. The agent refuses to start when the
//! runtime directory is not private to its user, and drops every
//! connection whose peer (checked with `SO_PEERCRED`) is another user. It
//! forgets everything when idle for its timeout, on `dossier lock`, and on
//! SIGTERM or SIGINT, removing its socket; its memory is locked against
//! swap where the system allows and it cannot be dumped or traced
//! (`PR_SET_DUMPABLE` 0).
//!
//! The protocol: each connection carries one request and one answer, each
//! a 4-byte big-endian length and that many bytes of JSON.

use std::io::{Read, Write};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use age::x25519;
use age_core::format::{FileKey, Stanza};
use age_core::secrecy::ExposeSecret;
use base64::Engine;
use serde::{Deserialize, Serialize};
use ssh_key::PrivateKey;

use crate::crypto::RemoteKeys;
use crate::error::{Error, Result};
use crate::keys::signature::{self, Signer};
use crate::support::secret::Zeroizing;

/// The largest request or answer (a commit or document to sign is far
/// smaller).
const MAX_MESSAGE: usize = 8 * 1024 * 1024;
/// How long a command waits for the agent's answer.
const ANSWER_TIMEOUT: Duration = Duration::from_secs(30);

fn b64() -> base64::engine::GeneralPurpose {
    base64::engine::general_purpose::STANDARD
}

/// An age recipient stanza as it travels.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct WireStanza {
    tag: String,
    args: Vec<String>,
    body: String,
}

#[derive(Serialize, Deserialize)]
enum Request {
    Status,
    Unlock {
        passphrase: String,
    },
    Unwrap {
        stanzas: Vec<WireStanza>,
        only: Option<String>,
    },
    Sign {
        namespace: String,
        message: String,
    },
    Lock,
}

#[derive(Serialize, Deserialize)]
enum Answer {
    Status {
        unlocked: bool,
        fingerprint: Option<String>,
        recipients: Vec<String>,
    },
    Unlocked,
    FileKey(Option<String>),
    Signature(String),
    Locked,
    /// The passphrase handed over does not open the identity.
    WrongPassphrase,
    Refused(String),
}

/// The agent's directory: `$XDG_RUNTIME_DIR/dossier`, made 0700. Refused
/// when the runtime directory is unset, or not owned by this user, or open
/// to others.
pub fn runtime_dir() -> Result<PathBuf> {
    let refuse = |why: String| Error::AgentUnavailable(why);
    let base = std::env::var_os("XDG_RUNTIME_DIR")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .ok_or_else(|| {
            refuse("XDG_RUNTIME_DIR is not set, so there is no private place for its socket".into())
        })?;
    private_dir(&base)?;
    let dir = base.join("dossier");
    crate::support::fsio::create_private_dir(&dir)?;
    private_dir(&dir)?;
    Ok(dir)
}

/// Refuses a directory that is not this user's alone.
fn private_dir(dir: &Path) -> Result<()> {
    let meta = std::fs::metadata(dir).map_err(Error::io("read", dir))?;
    // SAFETY-free: geteuid has no preconditions.
    let me = unsafe { libc::geteuid() };
    if !meta.is_dir() || meta.uid() != me || meta.permissions().mode() & 0o077 != 0 {
        return Err(Error::AgentUnavailable(format!(
            "{} is not a directory private to you (it must be yours, mode 0700)",
            dir.display()
        )));
    }
    Ok(())
}

/// The socket of the agent for the identity in `home`.
pub fn socket_path(home: &Path) -> Result<PathBuf> {
    use sha2::{Digest, Sha256};
    let id = crate::support::hex(&Sha256::digest(home.as_os_str().as_encoded_bytes())[..6]);
    Ok(runtime_dir()?.join(format!("agent-{id}.sock")))
}

fn write_message(stream: &mut UnixStream, value: &impl Serialize) -> Result<()> {
    let bytes = Zeroizing::new(
        serde_json::to_vec(value).map_err(|e| Error::AgentUnavailable(e.to_string()))?,
    );
    let len = u32::try_from(bytes.len())
        .map_err(|_| Error::AgentUnavailable("message too large".into()))?;
    stream
        .write_all(&len.to_be_bytes())
        .and_then(|_| stream.write_all(&bytes))
        .map_err(|e| Error::AgentUnavailable(format!("cannot talk to the agent: {e}")))
}

fn read_message<T: for<'de> Deserialize<'de>>(stream: &mut UnixStream) -> Result<T> {
    let broken =
        |e: std::io::Error| Error::AgentUnavailable(format!("cannot talk to the agent: {e}"));
    let mut len = [0u8; 4];
    stream.read_exact(&mut len).map_err(broken)?;
    let len = u32::from_be_bytes(len) as usize;
    if len > MAX_MESSAGE {
        return Err(Error::AgentUnavailable("the message is too large".into()));
    }
    let mut bytes = Zeroizing::new(vec![0u8; len]);
    stream.read_exact(&mut bytes).map_err(broken)?;
    serde_json::from_slice(&bytes)
        .map_err(|e| Error::AgentUnavailable(format!("a malformed message: {e}")))
}

/// A connection to the agent of one identity.
#[derive(Debug, Clone)]
pub struct AgentClient {
    path: PathBuf,
}

/// What the agent says about itself.
#[derive(Debug, Clone)]
pub struct AgentStatus {
    /// Whether it holds keys.
    pub unlocked: bool,
    /// Whose.
    pub fingerprint: Option<String>,
    /// Their public age keys, newest first.
    pub recipients: Vec<String>,
}

impl AgentClient {
    /// The agent for the identity in `home` (it may not be running).
    pub fn for_home(home: &Path) -> Result<AgentClient> {
        Ok(AgentClient {
            path: socket_path(home)?,
        })
    }

    /// Its socket.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn ask(&self, request: &Request) -> Result<Answer> {
        let mut stream = UnixStream::connect(&self.path).map_err(|e| {
            Error::AgentUnavailable(format!("no agent answers at {} ({e})", self.path.display()))
        })?;
        let _ = stream.set_read_timeout(Some(ANSWER_TIMEOUT));
        write_message(&mut stream, request)?;
        read_message(&mut stream)
    }

    /// Whether it runs, and for whom.
    pub fn status(&self) -> Result<AgentStatus> {
        match self.ask(&Request::Status)? {
            Answer::Status {
                unlocked,
                fingerprint,
                recipients,
            } => Ok(AgentStatus {
                unlocked,
                fingerprint,
                recipients,
            }),
            other => Err(unexpected(other)),
        }
    }

    /// Hands it the passphrase: it unlocks the identity itself.
    pub fn unlock(&self, passphrase: &str) -> Result<()> {
        match self.ask(&Request::Unlock {
            passphrase: passphrase.to_string(),
        })? {
            Answer::Unlocked => Ok(()),
            other => Err(unexpected(other)),
        }
    }

    /// Tells it to forget everything and stop.
    pub fn lock(&self) -> Result<()> {
        match self.ask(&Request::Lock)? {
            Answer::Locked => Ok(()),
            other => Err(unexpected(other)),
        }
    }
}

fn unexpected(answer: Answer) -> Error {
    match answer {
        Answer::Refused(why) => Error::AgentRefused(why),
        Answer::WrongPassphrase => Error::WrongPassphrase,
        _ => Error::AgentUnavailable("it gave an answer that does not fit the question".into()),
    }
}

/// The keys the agent holds, as an age identity that asks it for the file
/// key (see [`crate::crypto::RemoteKeys`]).
#[derive(Debug, Clone)]
pub struct AgentKeys {
    client: AgentClient,
    recipients: Vec<String>,
    only: Option<String>,
}

impl AgentKeys {
    /// The keys of the unlocked agent `client` answers for.
    pub fn new(client: AgentClient, recipients: Vec<String>) -> AgentKeys {
        AgentKeys {
            client,
            recipients,
            only: None,
        }
    }
}

impl age::Identity for AgentKeys {
    fn unwrap_stanza(
        &self,
        stanza: &Stanza,
    ) -> Option<std::result::Result<FileKey, age::DecryptError>> {
        self.unwrap_stanzas(std::slice::from_ref(stanza))
    }

    fn unwrap_stanzas(
        &self,
        stanzas: &[Stanza],
    ) -> Option<std::result::Result<FileKey, age::DecryptError>> {
        let wire = stanzas
            .iter()
            .filter(|s| s.tag == "X25519")
            .map(|s| WireStanza {
                tag: s.tag.clone(),
                args: s.args.clone(),
                body: b64().encode(&s.body),
            })
            .collect::<Vec<_>>();
        if wire.is_empty() {
            return None;
        }
        let answer = self.client.ask(&Request::Unwrap {
            stanzas: wire,
            only: self.only.clone(),
        });
        match answer {
            Ok(Answer::FileKey(Some(key))) => {
                let bytes = Zeroizing::new(b64().decode(key).ok()?);
                let key: [u8; 16] = bytes.as_slice().try_into().ok()?;
                Some(Ok(FileKey::new(Box::new(key))))
            }
            Ok(Answer::FileKey(None)) => None,
            _ => Some(Err(age::DecryptError::DecryptionFailed)),
        }
    }
}

impl RemoteKeys for AgentKeys {
    fn recipients(&self) -> &[String] {
        &self.recipients
    }

    fn only(&self, recipient: &str) -> Option<Box<dyn RemoteKeys>> {
        self.recipients.iter().any(|r| r == recipient).then(|| {
            Box::new(AgentKeys {
                client: self.client.clone(),
                recipients: vec![recipient.to_string()],
                only: Some(recipient.to_string()),
            }) as Box<dyn RemoteKeys>
        })
    }
}

/// The signing key the agent holds.
#[derive(Debug, Clone)]
pub struct AgentSigner {
    client: AgentClient,
}

impl AgentSigner {
    /// Signs through `client`.
    pub fn new(client: AgentClient) -> AgentSigner {
        AgentSigner { client }
    }
}

impl Signer for AgentSigner {
    fn sign_message(&self, namespace: &str, message: &[u8]) -> Result<String> {
        match self.client.ask(&Request::Sign {
            namespace: namespace.to_string(),
            message: b64().encode(message),
        })? {
            Answer::Signature(sig) => Ok(sig),
            other => Err(unexpected(other)),
        }
    }
}

/// The keys in the agent's memory.
struct Held {
    fingerprint: String,
    identities: Vec<x25519::Identity>,
    signer: PrivateKey,
}

/// How an agent unlocks: the identity's keys from the passphrase (the
/// caller's library session, so the agent decrypts exactly as a command
/// would).
pub type Unlocker = dyn Fn(&str) -> Result<(String, Vec<x25519::Identity>, PrivateKey)>;

/// Runs the agent on `socket` until it has been idle for `idle`, is told to
/// lock, or `stop` is set (by a signal handler); then forgets its keys and
/// removes the socket.
pub fn serve(
    socket: &Path,
    idle: Duration,
    unlock: &Unlocker,
    stop: Arc<AtomicBool>,
) -> Result<()> {
    harden();
    if socket.exists() {
        // A live agent answers; a dead one's socket is replaced.
        if UnixStream::connect(socket).is_ok() {
            return Err(Error::AgentUnavailable(format!(
                "an agent is already running at {}",
                socket.display()
            )));
        }
        crate::support::fsio::remove_if_exists(socket)?;
    }
    let listener = bind_private(socket)?;
    listener
        .set_nonblocking(true)
        .map_err(Error::io("listen on", socket))?;
    let mut held: Option<Held> = None;
    let mut last = Instant::now();
    let result = loop {
        if stop.load(Ordering::SeqCst) || last.elapsed() >= idle {
            break Ok(());
        }
        match listener.accept() {
            Ok((mut stream, _)) => {
                if !same_user(&stream) {
                    continue; // another user: dropped unanswered, and no
                              // reason to keep the keys longer
                }
                last = Instant::now();
                let _ = stream.set_nonblocking(false);
                let _ = stream.set_read_timeout(Some(ANSWER_TIMEOUT));
                let Ok(request) = read_message::<Request>(&mut stream) else {
                    continue;
                };
                let (answer, stop_now) = answer(request, &mut held, unlock);
                let _ = write_message(&mut stream, &answer);
                if stop_now {
                    break Ok(());
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                // Sleep until a connection comes, or a moment passes to
                // look at the idle timeout and the stop flag again.
                wait_readable(&listener, Duration::from_millis(200));
            }
            Err(e) => break Err(Error::io("accept on", socket)(e)),
        }
    };
    drop(held);
    let _ = crate::support::fsio::remove_if_exists(socket);
    result
}

fn answer(request: Request, held: &mut Option<Held>, unlock: &Unlocker) -> (Answer, bool) {
    match request {
        Request::Status => (
            Answer::Status {
                unlocked: held.is_some(),
                fingerprint: held.as_ref().map(|h| h.fingerprint.clone()),
                recipients: held
                    .as_ref()
                    .map(|h| {
                        h.identities
                            .iter()
                            .map(|i| i.to_public().to_string())
                            .collect()
                    })
                    .unwrap_or_default(),
            },
            false,
        ),
        Request::Unlock { passphrase } => {
            let passphrase = Zeroizing::new(passphrase);
            match unlock(&passphrase) {
                Ok((fingerprint, identities, signer)) => {
                    *held = Some(Held {
                        fingerprint,
                        identities,
                        signer,
                    });
                    (Answer::Unlocked, false)
                }
                Err(Error::WrongPassphrase) => (Answer::WrongPassphrase, false),
                Err(e) => (Answer::Refused(e.to_string()), false),
            }
        }
        Request::Unwrap { stanzas, only } => {
            let Some(h) = held else {
                return (Answer::Refused("the agent is locked".into()), false);
            };
            let stanzas: Vec<Stanza> = stanzas
                .into_iter()
                .filter_map(|w| {
                    Some(Stanza {
                        tag: w.tag,
                        args: w.args,
                        body: b64().decode(w.body).ok()?,
                    })
                })
                .collect();
            let key = h
                .identities
                .iter()
                .filter(|i| {
                    only.as_ref()
                        .is_none_or(|o| i.to_public().to_string() == *o)
                })
                .find_map(|i| age::Identity::unwrap_stanzas(i, &stanzas))
                .and_then(|r| r.ok())
                .map(|k| b64().encode(k.expose_secret()));
            (Answer::FileKey(key), false)
        }
        Request::Sign { namespace, message } => {
            let Some(h) = held else {
                return (Answer::Refused("the agent is locked".into()), false);
            };
            let signed = b64()
                .decode(message)
                .map_err(|e| Error::Sign(e.to_string()))
                .and_then(|m| signature::sign(&h.signer, &namespace, &m));
            match signed {
                Ok(sig) => (Answer::Signature(sig), false),
                Err(e) => (Answer::Refused(e.to_string()), false),
            }
        }
        Request::Lock => (Answer::Locked, true),
    }
}

/// Waits until `listener` has a connection to accept, or `at_most` passed.
fn wait_readable(listener: &UnixListener, at_most: Duration) {
    use std::os::fd::AsRawFd;
    let mut fd = libc::pollfd {
        fd: listener.as_raw_fd(),
        events: libc::POLLIN,
        revents: 0,
    };
    let ms = libc::c_int::try_from(at_most.as_millis()).unwrap_or(200);
    // SAFETY: one valid pollfd, for the length given.
    unsafe {
        libc::poll(&mut fd, 1, ms);
    }
}

/// Binds the socket with mode 0600 from the start (a umask of 0177 while
/// binding), in the private directory.
fn bind_private(socket: &Path) -> Result<UnixListener> {
    // SAFETY-free: umask only sets the process's file mode mask.
    let old = unsafe { libc::umask(0o177) };
    let bound = UnixListener::bind(socket);
    unsafe { libc::umask(old) };
    let listener = bound.map_err(Error::io("listen on", socket))?;
    crate::support::fsio::set_private(socket)?;
    Ok(listener)
}

/// Whether the process at the other end of `stream` is this user's.
fn same_user(stream: &UnixStream) -> bool {
    use std::os::fd::AsRawFd;
    let mut cred = libc::ucred {
        pid: 0,
        uid: u32::MAX,
        gid: u32::MAX,
    };
    let mut len = std::mem::size_of::<libc::ucred>() as libc::socklen_t;
    // SAFETY: `cred` and `len` are valid for writes of the sizes given.
    let ok = unsafe {
        libc::getsockopt(
            stream.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_PEERCRED,
            (&mut cred as *mut libc::ucred).cast(),
            &mut len,
        )
    } == 0;
    ok && cred.uid == unsafe { libc::geteuid() }
}

/// Keeps the agent's memory out of swap where allowed, and the process out
/// of core dumps and debuggers.
fn harden() {
    let _ = crate::support::hygiene::no_core_dumps();
    let _ = crate::support::hygiene::lock_memory();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_directory_open_to_others_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        assert!(matches!(
            private_dir(dir.path()),
            Err(Error::AgentUnavailable(_))
        ));
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o700)).unwrap();
        private_dir(dir.path()).unwrap();
    }
}
