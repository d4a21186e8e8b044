//! Moving git objects to and from a remote: a path, `file://` or `ssh://`.
//!
//! This is plumbing for sync: [`fetch`] and [`push`] take refspecs and
//! move objects and refs, nothing more. They never write remote
//! configuration (libgit2's anonymous remotes), and they never decide
//! whether what arrived may be trusted; the caller verifies before it moves
//! anything of its own.
//!
//! Over SSH, three promises hold:
//! - **Host keys are checked by dossier**, against the user's known_hosts
//!   (and the system one, read-only), in [`check_host_key`]: a known host
//!   with a different key is a hard [`Error::HostKeyChanged`], never a
//!   prompt; an unknown host is put to `accept_unknown_host` once, and a yes
//!   is written to known_hosts so the next connection does not ask.
//! - **Credentials are offered in a fixed order, each at most once**
//!   ([`Offer`]): an explicit key file, ssh-agent, `~/.ssh/id_ed25519`, then
//!   the unlocked dossier signing key from memory. libgit2 asks again after
//!   every refusal; when the list is used up the connection stops with
//!   [`Error::AuthRefused`] naming what was tried, instead of looping.
//! - **Errors are sentences naming the URL** ([`Error::Network`],
//!   [`Error::PushRejected`]), not libgit2's internals. A push the server
//!   refused is an error even though libgit2 reports it as success.

use std::cell::RefCell;
use std::fmt;
use std::path::{Path, PathBuf};

use git2::{
    AutotagOption, CertificateCheckStatus, Cred, CredentialType, ErrorClass, ErrorCode,
    FetchOptions, PushOptions, RemoteCallbacks,
};
use secrecy::{ExposeSecret, SecretString};
use zeroize::Zeroizing;

use crate::error::{Error, Result};
use crate::sync::known_hosts::{self, KnownHosts, Verdict};

/// A remote's address, classified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RemoteUrl {
    /// A repository on this machine (a plain path or `file://`).
    Local(PathBuf),
    /// A repository reached over SSH.
    Ssh {
        /// The login name given in the URL, if any.
        user: Option<String>,
        /// Host name or address (IPv6 without brackets).
        host: String,
        /// The port given in the URL, if any (22 otherwise).
        port: Option<u16>,
        /// The path on the server: absolute (`/srv/v.git`) for `ssh://`
        /// URLs, or as written after the colon for the scp-like form
        /// (relative to the login's home).
        path: String,
    },
}

impl RemoteUrl {
    /// Classifies a remote address: a plain path (absolute or relative),
    /// `file:///abs/path`, `ssh://[user@]host[:port]/path` or the scp-like
    /// `[user@]host:path`. Anything else (`https://`, `git://`, ...) is
    /// refused with [`Error::UnsupportedUrl`].
    pub fn parse(url: &str) -> Result<RemoteUrl> {
        let refuse = |reason: &str| Error::UnsupportedUrl {
            url: url.to_string(),
            reason: reason.to_string(),
        };
        if url.trim().is_empty() {
            return Err(refuse("the address is empty"));
        }
        if let Some(rest) = url.strip_prefix("file://") {
            let path = match rest.strip_prefix("localhost") {
                Some(p) if p.starts_with('/') => p,
                _ => rest,
            };
            if !path.starts_with('/') {
                return Err(refuse("a file:// address needs an absolute path"));
            }
            return Ok(RemoteUrl::Local(PathBuf::from(path)));
        }
        if let Some(rest) = url.strip_prefix("ssh://") {
            return parse_ssh_url(rest).map_err(refuse);
        }
        if let Some((scheme, _)) = url.split_once("://") {
            if !scheme.is_empty() && !scheme.contains('/') {
                return Err(refuse(&format!("{scheme}:// is not supported")));
            }
        }
        if let Some(scp) = parse_scp_like(url) {
            return scp.map_err(refuse);
        }
        Ok(RemoteUrl::Local(PathBuf::from(url)))
    }

    /// Whether reaching this remote uses the network.
    pub fn is_network(&self) -> bool {
        matches!(self, RemoteUrl::Ssh { .. })
    }

    /// The address to hand libgit2.
    pub fn as_git_url(&self) -> String {
        match self {
            RemoteUrl::Local(path) => path.to_string_lossy().into_owned(),
            RemoteUrl::Ssh {
                user,
                host,
                port,
                path,
            } => {
                let user = user.as_deref().map(|u| format!("{u}@")).unwrap_or_default();
                let host = if host.contains(':') {
                    format!("[{host}]")
                } else {
                    host.clone()
                };
                if path.starts_with('/') {
                    let port = port.map(|p| format!(":{p}")).unwrap_or_default();
                    format!("ssh://{user}{host}{port}{path}")
                } else {
                    format!("{user}{host}:{path}")
                }
            }
        }
    }

    /// The name known_hosts lists this remote's host under (`None` for a
    /// local remote): `host`, or `[host]:port` off port 22.
    pub fn known_hosts_name(&self) -> Option<String> {
        match self {
            RemoteUrl::Local(_) => None,
            RemoteUrl::Ssh { host, port, .. } => Some(known_hosts::host_name(host, *port)),
        }
    }
}

impl fmt::Display for RemoteUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.as_git_url())
    }
}

fn parse_ssh_url(rest: &str) -> std::result::Result<RemoteUrl, &'static str> {
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => return Err("an ssh:// address needs a path after the host"),
    };
    if path.len() < 2 {
        return Err("an ssh:// address needs a path after the host");
    }
    let (user, host_port) = match authority.rsplit_once('@') {
        Some((user, hp)) => (Some(user), hp),
        None => (None, authority),
    };
    if user.is_some_and(str::is_empty) {
        return Err("the user name before `@` is empty");
    }
    let (host, port) = if let Some(bracketed) = host_port.strip_prefix('[') {
        let (host, after) = bracketed
            .split_once(']')
            .ok_or("a `[` in the host has no matching `]`")?;
        match after {
            "" => (host, None),
            _ => (host, Some(after.strip_prefix(':').ok_or("junk after `]`")?)),
        }
    } else {
        match host_port.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (host_port, None),
        }
    };
    check_host(host)?;
    let port = match port {
        None | Some("") => None,
        Some(p) => Some(
            p.parse::<u16>()
                .ok()
                .filter(|p| *p != 0)
                .ok_or("the port is not a number from 1 to 65535")?,
        ),
    };
    Ok(RemoteUrl::Ssh {
        user: user.map(str::to_string),
        host: host.to_string(),
        port,
        path: path.to_string(),
    })
}

/// git's rule: `host:path` is SSH when a colon comes before any slash.
fn parse_scp_like(url: &str) -> Option<std::result::Result<RemoteUrl, &'static str>> {
    let colon = url.find(':')?;
    if url[..colon].contains('/') {
        return None;
    }
    let (user_host, path) = (&url[..colon], &url[colon + 1..]);
    let (user, host) = match user_host.rsplit_once('@') {
        Some((user, host)) => (Some(user), host),
        None => (None, user_host),
    };
    Some((|| {
        if user.is_some_and(str::is_empty) {
            return Err("the user name before `@` is empty");
        }
        check_host(host)?;
        if path.is_empty() {
            return Err("there is no path after `host:`");
        }
        Ok(RemoteUrl::Ssh {
            user: user.map(str::to_string),
            host: host.to_string(),
            port: None,
            path: path.to_string(),
        })
    })())
}

fn check_host(host: &str) -> std::result::Result<(), &'static str> {
    if host.is_empty() {
        return Err("the host name is empty");
    }
    if host.starts_with('-') {
        return Err("a host name cannot start with `-`");
    }
    if host.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("the host name contains spaces or control characters");
    }
    Ok(())
}

/// A host whose key is not in known_hosts, as put to the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownHost {
    /// The name known_hosts lists it under, e.g. `[127.0.0.1]:2222` or `example.org`.
    pub host: String,
    /// The key type it presented, e.g. `ssh-ed25519`.
    pub key_type: String,
    /// The SHA256 fingerprint of that key, as `ssh-keygen -lf` prints it.
    pub fingerprint: String,
    /// Key types known_hosts does hold for this host: when not empty the
    /// server presented a key of another type, which deserves a warning.
    pub other_key_types: Vec<String>,
}

/// How far a transfer has got.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progress {
    /// Fetching: objects received of the total, and bytes so far.
    Receiving {
        /// Objects received.
        objects: usize,
        /// Objects the remote is sending.
        total: usize,
        /// Bytes received.
        bytes: usize,
    },
    /// Pushing: building the pack to send (objects counted or compressed).
    Packing {
        /// Objects done in the current stage.
        current: usize,
        /// Objects in the current stage.
        total: usize,
    },
    /// Pushing: objects sent of the total, and bytes so far.
    Sending {
        /// Objects sent.
        current: usize,
        /// Objects to send.
        total: usize,
        /// Bytes sent.
        bytes: usize,
    },
}

/// The SSH key file the user named in `DOSSIER_SSH_KEY`, if any (for
/// [`TransportOptions::ssh_key`]; every front end reads it the same way).
pub fn ssh_key_from_env() -> Option<PathBuf> {
    std::env::var_os("DOSSIER_SSH_KEY")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

/// What a transfer needs from its caller: keys, trust decisions, progress.
pub struct TransportOptions<'a> {
    /// An explicit private key file, offered first (the CLI fills it from
    /// `DOSSIER_SSH_KEY`).
    pub ssh_key: Option<PathBuf>,
    /// The user's unlocked dossier ed25519 key, offered last.
    pub signing_key: Option<&'a ssh_key::PrivateKey>,
    /// The known_hosts file to check and to add accepted hosts to
    /// (usually [`default_known_hosts`]). The system file
    /// [`known_hosts::SYSTEM_KNOWN_HOSTS`] is also read.
    pub known_hosts: PathBuf,
    /// Asked at most once per connection, for a host not in known_hosts;
    /// `true` proceeds and adds the key to `known_hosts`.
    pub accept_unknown_host: &'a dyn Fn(&UnknownHost) -> bool,
    /// Asked for the passphrase of a protected key file; `None` skips that key.
    pub key_passphrase: &'a dyn Fn(&Path) -> Option<SecretString>,
    /// Told how far the transfer has got.
    pub progress: &'a mut dyn FnMut(Progress),
}

/// `$HOME/.ssh/known_hosts`.
pub fn default_known_hosts() -> Result<PathBuf> {
    home()
        .map(|h| h.join(".ssh/known_hosts"))
        .ok_or(Error::NoKnownHosts)
}

fn home() -> Option<PathBuf> {
    std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .map(PathBuf::from)
}

/// Fetches `refspecs` (e.g. `+refs/heads/main:refs/remotes/origin/main`)
/// from `url` into `repo`. Tags are not followed beyond what the refspecs
/// name; FETCH_HEAD is not written.
pub fn fetch(
    repo: &git2::Repository,
    url: &RemoteUrl,
    refspecs: &[&str],
    opts: TransportOptions,
) -> Result<()> {
    transfer(repo, url, refspecs, opts, |remote, callbacks| {
        let mut fo = FetchOptions::new();
        fo.remote_callbacks(callbacks)
            .download_tags(AutotagOption::None)
            .update_fetchhead(false);
        remote.fetch(refspecs, Some(&mut fo), None)
    })
}

/// Pushes `refspecs` (e.g. `refs/heads/main:refs/heads/main`) to `url`.
/// Fails with [`Error::PushRejected`] when the remote (or the
/// fast-forward check before sending) refused any reference.
pub fn push(
    repo: &git2::Repository,
    url: &RemoteUrl,
    refspecs: &[&str],
    opts: TransportOptions,
) -> Result<()> {
    transfer(repo, url, refspecs, opts, |remote, callbacks| {
        let mut po = PushOptions::new();
        po.remote_callbacks(callbacks);
        remote.push(refspecs, Some(&mut po))
    })
}

/// One transfer over an anonymous remote for `url`: `run` gets the remote
/// and this transfer's callbacks. A failure a callback decided on wins,
/// then libgit2's error, then a reference the remote refused.
fn transfer(
    repo: &git2::Repository,
    url: &RemoteUrl,
    refspecs: &[&str],
    opts: TransportOptions,
    run: impl FnOnce(&mut git2::Remote<'_>, RemoteCallbacks<'_>) -> std::result::Result<(), git2::Error>,
) -> Result<()> {
    let state = State::new(url, opts);
    let result = repo
        .remote_anonymous(&url.as_git_url())
        .and_then(|mut remote| run(&mut remote, state.callbacks()));
    state.finish(result, refspecs)?;
    let said = server_said(&state.remote_said.into_inner());
    match state.rejected.into_inner() {
        Some((reference, reason)) if said.is_empty() => {
            Err(Error::PushRejected { reference, reason })
        }
        Some((reference, reason)) => Err(Error::PushRejected {
            reference,
            reason: format!("{reason}; the server said: {said}"),
        }),
        None => Ok(()),
    }
}

/// The server's messages as one line: printable text only (a server could
/// send terminal escapes), lines joined with ` / `, at most 1,000
/// characters.
fn server_said(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    let lines: Vec<String> = text
        .split(['\n', '\r'])
        .map(|l| l.chars().filter(|c| !c.is_control()).collect::<String>())
        .map(|l| l.trim().to_string())
        .filter(|l| !l.is_empty())
        .collect();
    let mut out = lines.join(" / ");
    if out.chars().count() > 1000 {
        out = out.chars().take(1000).collect::<String>() + "…";
    }
    out
}

/// One credential to offer, in the order they are offered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Offer {
    /// The explicit key file from [`TransportOptions::ssh_key`].
    KeyFile(PathBuf),
    /// Whatever ssh-agent holds (`SSH_AUTH_SOCK`).
    Agent,
    /// `~/.ssh/id_ed25519`.
    DefaultKey(PathBuf),
    /// The unlocked dossier signing key, from memory.
    SigningKey,
}

impl Offer {
    fn label(&self) -> String {
        match self {
            Offer::KeyFile(path) => format!("the key file {}", path.display()),
            Offer::Agent => "ssh-agent".into(),
            Offer::DefaultKey(_) => "~/.ssh/id_ed25519".into(),
            Offer::SigningKey => "your dossier key".into(),
        }
    }
}

/// The credentials to offer, in order: the explicit key file, ssh-agent
/// when `agent_socket` names a socket that answers, `home/.ssh/id_ed25519`
/// when it exists, then the dossier key when one is unlocked.
pub fn plan_offers(
    ssh_key: Option<&Path>,
    agent_socket: Option<&Path>,
    home: Option<&Path>,
    have_signing_key: bool,
) -> Vec<Offer> {
    let mut offers = Vec::new();
    if let Some(key) = ssh_key {
        offers.push(Offer::KeyFile(key.to_path_buf()));
    }
    if agent_socket.is_some_and(agent_answers) {
        offers.push(Offer::Agent);
    }
    if let Some(home) = home {
        let default = home.join(".ssh/id_ed25519");
        if default.is_file() && Some(default.as_path()) != ssh_key {
            offers.push(Offer::DefaultKey(default));
        }
    }
    if have_signing_key {
        offers.push(Offer::SigningKey);
    }
    offers
}

#[cfg(unix)]
fn agent_answers(socket: &Path) -> bool {
    std::os::unix::net::UnixStream::connect(socket).is_ok()
}

#[cfg(not(unix))]
fn agent_answers(_socket: &Path) -> bool {
    false
}

/// What the callbacks of one transfer share: the caller's options, the
/// credential offers left, and the first failure a callback decided on
/// (which beats libgit2's own message for the same failure).
struct State<'a, 'u> {
    url: &'u RemoteUrl,
    signing_key: Option<&'a ssh_key::PrivateKey>,
    known_hosts: PathBuf,
    accept_unknown_host: &'a dyn Fn(&UnknownHost) -> bool,
    key_passphrase: &'a dyn Fn(&Path) -> Option<SecretString>,
    progress: RefCell<&'a mut dyn FnMut(Progress)>,
    offers: RefCell<std::vec::IntoIter<Offer>>,
    tried: RefCell<Vec<String>>,
    calls: RefCell<usize>,
    failure: RefCell<Option<Error>>,
    rejected: RefCell<Option<(String, String)>>,
    /// What the server wrote to the client (git's `remote:` lines): a
    /// hook's reason for refusing.
    remote_said: RefCell<Vec<u8>>,
}

/// More credential requests than this in one transfer is a loop.
const MAX_CREDENTIAL_CALLS: usize = 16;

impl<'a, 'u> State<'a, 'u> {
    fn new(url: &'u RemoteUrl, opts: TransportOptions<'a>) -> State<'a, 'u> {
        let agent = std::env::var_os("SSH_AUTH_SOCK")
            .filter(|s| !s.is_empty())
            .map(PathBuf::from);
        let offers = if url.is_network() {
            plan_offers(
                opts.ssh_key.as_deref(),
                agent.as_deref(),
                home().as_deref(),
                opts.signing_key.is_some(),
            )
        } else {
            Vec::new()
        };
        State {
            url,
            signing_key: opts.signing_key,
            known_hosts: opts.known_hosts,
            accept_unknown_host: opts.accept_unknown_host,
            key_passphrase: opts.key_passphrase,
            progress: RefCell::new(opts.progress),
            offers: RefCell::new(offers.into_iter()),
            tried: RefCell::new(Vec::new()),
            calls: RefCell::new(0),
            failure: RefCell::new(None),
            rejected: RefCell::new(None),
            remote_said: RefCell::new(Vec::new()),
        }
    }

    fn callbacks(&self) -> RemoteCallbacks<'_> {
        let mut cb = RemoteCallbacks::new();
        cb.credentials(|_url, user_from_url, allowed| self.credential(user_from_url, allowed));
        cb.certificate_check(|cert, _host| self.certificate(cert));
        cb.transfer_progress(|p| {
            (self.progress.borrow_mut())(Progress::Receiving {
                objects: p.received_objects(),
                total: p.total_objects(),
                bytes: p.received_bytes(),
            });
            true
        });
        cb.pack_progress(|_stage, current, total| {
            (self.progress.borrow_mut())(Progress::Packing { current, total });
        });
        cb.push_transfer_progress(|current, total, bytes| {
            (self.progress.borrow_mut())(Progress::Sending {
                current,
                total,
                bytes,
            });
        });
        cb.sideband_progress(|data| {
            let mut said = self.remote_said.borrow_mut();
            // Enough for any refusal; a chatty server cannot fill memory.
            if said.len() < 64 * 1024 {
                said.extend_from_slice(data);
            }
            true
        });
        cb.push_update_reference(|reference, status| {
            if let Some(reason) = status {
                let mut rejected = self.rejected.borrow_mut();
                if rejected.is_none() {
                    *rejected = Some((reference.to_string(), reason.to_string()));
                }
            }
            Ok(())
        });
        cb
    }

    /// Records why the transfer must stop, and returns the error that
    /// makes libgit2 stop.
    fn fail(&self, error: Error) -> git2::Error {
        let message = error.to_string();
        let mut failure = self.failure.borrow_mut();
        if failure.is_none() {
            *failure = Some(error);
        }
        git2::Error::from_str(&message)
    }

    fn user(&self, from_url: Option<&str>) -> String {
        if let Some(user) = from_url.filter(|u| !u.is_empty()) {
            return user.to_string();
        }
        if let RemoteUrl::Ssh { user: Some(u), .. } = self.url {
            return u.clone();
        }
        std::env::var("USER")
            .ok()
            .filter(|u| !u.is_empty())
            .unwrap_or_else(|| "git".to_string())
    }

    fn credential(
        &self,
        user_from_url: Option<&str>,
        allowed: CredentialType,
    ) -> std::result::Result<Cred, git2::Error> {
        let user = self.user(user_from_url);
        {
            let mut calls = self.calls.borrow_mut();
            *calls += 1;
            if *calls > MAX_CREDENTIAL_CALLS {
                return Err(self.fail(self.refused()));
            }
        }
        if allowed.contains(CredentialType::USERNAME) {
            return Cred::username(&user);
        }
        if !allowed.intersects(CredentialType::SSH_KEY | CredentialType::SSH_MEMORY) {
            return Err(self.fail(Error::Network {
                url: self.url.to_string(),
                reason: "the server accepts no public-key login, the only kind dossier uses".into(),
            }));
        }
        loop {
            let next = self.offers.borrow_mut().next();
            let Some(offer) = next else {
                return Err(self.fail(self.refused()));
            };
            let cred = match &offer {
                Offer::KeyFile(path) => match self.key_file(&user, path) {
                    Ok(Some(cred)) => cred,
                    Ok(None) => continue,
                    Err(e) => return Err(self.fail(e)),
                },
                // The default key is a guess: one that cannot be used (no
                // passphrase given, unreadable) is passed over.
                Offer::DefaultKey(path) => match self.key_file(&user, path) {
                    Ok(Some(cred)) => cred,
                    Ok(None) | Err(_) => continue,
                },
                Offer::Agent => Cred::ssh_key_from_agent(&user)?,
                Offer::SigningKey => match self.signing_key.filter(|k| !k.is_encrypted()) {
                    Some(key) => {
                        let pem = key.to_openssh(ssh_key::LineEnding::LF).map_err(|e| {
                            self.fail(Error::Sign(format!("cannot export the dossier key: {e}")))
                        })?;
                        Cred::ssh_key_from_memory(&user, None, &pem, None)?
                    }
                    None => continue,
                },
            };
            self.tried.borrow_mut().push(offer.label());
            return Ok(cred);
        }
    }

    /// A credential from a private key file. OpenSSH-format keys are read
    /// (and, when protected, decrypted) here, so a wrong passphrase is a
    /// clear error; other formats are left to libssh2.
    fn key_file(&self, user: &str, path: &Path) -> Result<Option<Cred>> {
        let bad = |reason: String| Error::BadKeyFile {
            path: path.to_path_buf(),
            reason,
        };
        let text = Zeroizing::new(
            std::fs::read(path).map_err(|e| bad(format!("it cannot be read ({e})")))?,
        );
        let Ok(key) = ssh_key::PrivateKey::from_openssh(&*text) else {
            return Cred::ssh_key(user, None, path, None)
                .map(Some)
                .map_err(|e| bad(e.message().to_string()));
        };
        let key = if key.is_encrypted() {
            let Some(passphrase) = (self.key_passphrase)(path) else {
                return Ok(None);
            };
            key.decrypt(passphrase.expose_secret().as_bytes())
                .map_err(|_| bad("the passphrase is wrong".into()))?
        } else {
            key
        };
        let pem = key
            .to_openssh(ssh_key::LineEnding::LF)
            .map_err(|e| bad(format!("it cannot be re-encoded ({e})")))?;
        Cred::ssh_key_from_memory(user, None, &pem, None)
            .map(Some)
            .map_err(|e| bad(e.message().to_string()))
    }

    fn refused(&self) -> Error {
        let tried = self.tried.borrow();
        let tried = if tried.is_empty() {
            "nothing: no key file was given, ssh-agent is not running, there is no ~/.ssh/id_ed25519 and no dossier key is unlocked".to_string()
        } else {
            tried.join(", ")
        };
        Error::AuthRefused {
            url: self.url.to_string(),
            tried,
        }
    }

    fn certificate(
        &self,
        cert: &git2::cert::Cert<'_>,
    ) -> std::result::Result<CertificateCheckStatus, git2::Error> {
        let Some(host) = self.url.known_hosts_name() else {
            return Ok(CertificateCheckStatus::CertificatePassthrough);
        };
        let Some(blob) = cert.as_hostkey().and_then(|k| k.hostkey()) else {
            return Err(self.fail(Error::Network {
                url: self.url.to_string(),
                reason: "the server's host key could not be read, so it cannot be checked".into(),
            }));
        };
        let files = [
            self.known_hosts.as_path(),
            Path::new(known_hosts::SYSTEM_KNOWN_HOSTS),
        ];
        check_host_key(
            &host,
            blob,
            &files,
            self.accept_unknown_host,
            &unknown_host_command(self.url, &self.known_hosts),
        )
        .map(|()| CertificateCheckStatus::CertificateOk)
        .map_err(|e| self.fail(e))
    }

    /// The transfer's outcome: a failure a callback decided on, else
    /// libgit2's error in one sentence naming the URL.
    fn finish(
        &self,
        result: std::result::Result<(), git2::Error>,
        refspecs: &[&str],
    ) -> Result<()> {
        if let Some(error) = self.failure.borrow_mut().take() {
            return Err(error);
        }
        result.map_err(|e| describe(self.url, &e, refspecs))
    }
}

fn unknown_host_command(url: &RemoteUrl, known_hosts: &Path) -> String {
    let (host, port) = match url {
        RemoteUrl::Ssh { host, port, .. } => (host.as_str(), port.unwrap_or(22)),
        RemoteUrl::Local(_) => ("HOST", 22),
    };
    format!("ssh-keyscan -p {port} {host} >> {}", known_hosts.display())
}

/// The host-key decision, apart from libgit2: `blob` (the key `host`
/// presented, `host` in known_hosts form) is checked against `files`
/// (the first one is the user's, where an accepted key is added).
pub fn check_host_key(
    host: &str,
    blob: &[u8],
    files: &[&Path],
    accept_unknown_host: &dyn Fn(&UnknownHost) -> bool,
    add_command: &str,
) -> Result<()> {
    let fingerprint = known_hosts::fingerprint(blob);
    let user_file = files.first().map(|f| f.to_path_buf()).unwrap_or_default();
    match KnownHosts::load(files)?.check(host, blob) {
        Verdict::Known => Ok(()),
        Verdict::Revoked { file, line } => Err(Error::HostKeyRevoked {
            host: host.to_string(),
            fingerprint,
            file,
            line,
        }),
        Verdict::Changed { file, line } => Err(Error::HostKeyChanged {
            host: host.to_string(),
            fingerprint,
            file,
            line,
        }),
        Verdict::Unknown { other_key_types } => {
            let question = UnknownHost {
                host: host.to_string(),
                key_type: known_hosts::key_type(blob).unwrap_or("unknown").to_string(),
                fingerprint: fingerprint.clone(),
                other_key_types,
            };
            if accept_unknown_host(&question) {
                known_hosts::append(&user_file, host, blob)
            } else {
                Err(Error::UnknownHost {
                    host: host.to_string(),
                    fingerprint,
                    file: user_file,
                    add_command: add_command.to_string(),
                })
            }
        }
    }
}

/// libgit2's error as one sentence naming the URL.
fn describe(url: &RemoteUrl, error: &git2::Error, refspecs: &[&str]) -> Error {
    if let RemoteUrl::Local(path) = url {
        // libgit2 cannot even pick a transport for a path that is not there.
        if !path.exists() {
            return Error::Network {
                url: url.to_string(),
                reason: "there is nothing at that path; check it (is the drive mounted?)".into(),
            };
        }
    }
    if error.code() == ErrorCode::NotFastForward {
        return Error::PushRejected {
            reference: destinations(refspecs),
            reason: "the remote has changes this repository does not have (not a fast-forward); fetch and merge them first".into(),
        };
    }
    Error::Network {
        url: url.to_string(),
        reason: reason(error),
    }
}

/// A human reason for a libgit2 network error.
fn reason(error: &git2::Error) -> String {
    let message = error.message().to_ascii_lowercase();
    let has = |needles: &[&str]| needles.iter().any(|n| message.contains(n));
    if has(&["connection refused"]) {
        "the connection was refused; check that the server is running and the port is right".into()
    } else if has(&["too many objects"]) {
        // The pack's header claims more objects than the cap every process
        // sets (repo::configure_libgit2): refused before anything is read.
        "the server sent a pack that claims more objects than any vault holds (a damaged or hostile server); nothing was taken from it".into()
    } else if has(&[
        "failed to resolve",
        "name or service not known",
        "no address associated",
    ]) {
        "the host name could not be resolved; check the address".into()
    } else if has(&["timed out"]) {
        "the connection timed out".into()
    } else if has(&[
        "could not find repository",
        "not a git repository",
        "does not appear to be a git repository",
        "repository not found",
        "failed to resolve path",
        "no such file or directory",
    ]) {
        "there is no git repository at that address".into()
    } else if has(&[
        "early eof",
        "unexpected eof",
        "hung up",
        "unexpected disconnect",
        "connection reset",
        "broken pipe",
        "could not read from remote",
        "could not read data",
        "could not write data",
        "draining incoming flow",
        "unable to send",
        "failed to send",
        "channel",
        "pack is truncated",
        "unexpected end",
    ]) {
        "the remote hung up unexpectedly (the connection dropped or the server ended the transfer)"
            .into()
    } else if error.class() == ErrorClass::Ssh && error.code() == ErrorCode::Auth {
        "the server refused the login".into()
    } else {
        error.message().to_string()
    }
}

fn destinations(refspecs: &[&str]) -> String {
    let names: Vec<&str> = refspecs
        .iter()
        .map(|spec| {
            let spec = spec.trim_start_matches('+');
            spec.split_once(':').map(|(_, dst)| dst).unwrap_or(spec)
        })
        .collect();
    names.join(", ")
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_servers_words_are_kept_as_printable_text_on_one_line() {
        let said = server_said(b"dossier: the push is refused: no\r\n\x1b[31mred\x1b[0m\n\n");
        assert_eq!(said, "dossier: the push is refused: no / [31mred[0m");
        let long = vec![b'x'; 5000];
        assert_eq!(server_said(&long).chars().count(), 1001);
        assert_eq!(server_said(b""), "");
    }

    use super::*;
    use crate::sync::known_hosts::test_blob as blob;

    fn ssh(user: Option<&str>, host: &str, port: Option<u16>, path: &str) -> RemoteUrl {
        RemoteUrl::Ssh {
            user: user.map(str::to_string),
            host: host.into(),
            port,
            path: path.into(),
        }
    }

    #[test]
    fn paths_and_file_urls_are_local() {
        let p = |s: &str| RemoteUrl::parse(s).unwrap();
        assert_eq!(
            p("/srv/vault.git"),
            RemoteUrl::Local("/srv/vault.git".into())
        );
        assert_eq!(p("../vault.git"), RemoteUrl::Local("../vault.git".into()));
        assert_eq!(p("vault"), RemoteUrl::Local("vault".into()));
        assert_eq!(p("./a:b"), RemoteUrl::Local("./a:b".into()));
        assert_eq!(p("/mnt/x:y"), RemoteUrl::Local("/mnt/x:y".into()));
        assert_eq!(
            p("file:///srv/v.git"),
            RemoteUrl::Local("/srv/v.git".into())
        );
        assert_eq!(
            p("file://localhost/srv/v.git"),
            RemoteUrl::Local("/srv/v.git".into())
        );
        assert!(!p("/srv/v").is_network());
        assert_eq!(p("/srv/v").as_git_url(), "/srv/v");
        assert_eq!(p("/srv/v").known_hosts_name(), None);
    }

    #[test]
    fn ssh_urls_keep_user_host_port_and_path() {
        let p = |s: &str| RemoteUrl::parse(s).unwrap();
        assert_eq!(
            p("ssh://alice@example.org:2222/srv/v.git"),
            ssh(Some("alice"), "example.org", Some(2222), "/srv/v.git")
        );
        assert_eq!(
            p("ssh://example.org/srv/v.git"),
            ssh(None, "example.org", None, "/srv/v.git")
        );
        assert_eq!(p("ssh://[::1]:22/v"), ssh(None, "::1", Some(22), "/v"));
        assert_eq!(p("ssh://[::1]/v"), ssh(None, "::1", None, "/v"));
        assert_eq!(p("ssh://h/~/v.git"), ssh(None, "h", None, "/~/v.git"));
        let u = p("ssh://alice@127.0.0.1:2222/tmp/r.git");
        assert!(u.is_network());
        assert_eq!(u.as_git_url(), "ssh://alice@127.0.0.1:2222/tmp/r.git");
        assert_eq!(u.known_hosts_name().unwrap(), "[127.0.0.1]:2222");
        assert_eq!(p("ssh://[::1]:2222/v").as_git_url(), "ssh://[::1]:2222/v");
        assert_eq!(p("ssh://h:22/v").known_hosts_name().unwrap(), "h");
    }

    #[test]
    fn scp_like_addresses_are_ssh() {
        let p = |s: &str| RemoteUrl::parse(s).unwrap();
        assert_eq!(
            p("git@example.org:firm/vault.git"),
            ssh(Some("git"), "example.org", None, "firm/vault.git")
        );
        assert_eq!(
            p("example.org:/srv/v.git"),
            ssh(None, "example.org", None, "/srv/v.git")
        );
        assert_eq!(
            p("git@example.org:firm/vault.git").as_git_url(),
            "git@example.org:firm/vault.git"
        );
        assert_eq!(
            p("example.org:/srv/v.git").as_git_url(),
            "ssh://example.org/srv/v.git"
        );
    }

    #[test]
    fn other_schemes_and_nonsense_are_refused_with_a_sentence() {
        for bad in [
            "https://example.org/v.git",
            "http://example.org/v.git",
            "git://example.org/v.git",
            "ftp://x/y",
            "",
            "   ",
            "file://relative",
            "ssh://",
            "ssh://host",
            "ssh://host/",
            "ssh://@host/x",
            "ssh://host:99999/x",
            "ssh://host:0/x",
            "ssh://host:abc/x",
            "ssh://[::1/x",
            "ssh://-oProxyCommand=x/y",
            "-oProxyCommand=evil:path",
            "@host:path",
            "host:",
        ] {
            let err = RemoteUrl::parse(bad).unwrap_err();
            assert!(
                matches!(err, Error::UnsupportedUrl { .. }),
                "{bad}: {err:?}"
            );
            assert!(err.to_string().contains("path, file:// or ssh:// only"));
        }
    }

    #[test]
    fn offers_follow_the_order_and_skip_what_is_absent() {
        let home = tempfile::tempdir().unwrap();
        assert_eq!(plan_offers(None, None, Some(home.path()), false), vec![]);
        assert_eq!(
            plan_offers(None, Some(Path::new("/nonexistent/agent.sock")), None, true),
            vec![Offer::SigningKey]
        );
        let default = home.path().join(".ssh/id_ed25519");
        std::fs::create_dir_all(default.parent().unwrap()).unwrap();
        std::fs::write(&default, "x").unwrap();
        assert_eq!(
            plan_offers(Some(Path::new("/k")), None, Some(home.path()), true),
            vec![
                Offer::KeyFile("/k".into()),
                Offer::DefaultKey(default.clone()),
                Offer::SigningKey
            ]
        );
        // The default key given explicitly is offered once.
        assert_eq!(
            plan_offers(Some(&default), None, Some(home.path()), false),
            vec![Offer::KeyFile(default.clone())]
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_listening_agent_socket_is_offered_after_the_key_file() {
        let dir = tempfile::tempdir().unwrap();
        let sock = dir.path().join("agent.sock");
        let _listener = std::os::unix::net::UnixListener::bind(&sock).unwrap();
        assert_eq!(
            plan_offers(Some(Path::new("/k")), Some(&sock), None, true),
            vec![Offer::KeyFile("/k".into()), Offer::Agent, Offer::SigningKey]
        );
    }

    #[test]
    fn host_key_decisions() {
        let dir = tempfile::tempdir().unwrap();
        let kh = dir.path().join("known_hosts");
        let files = [kh.as_path()];
        let asked = std::cell::Cell::new(0);
        let no = |_: &UnknownHost| {
            asked.set(asked.get() + 1);
            false
        };
        let yes = |u: &UnknownHost| {
            asked.set(asked.get() + 1);
            assert_eq!(u.key_type, "ssh-ed25519");
            assert_eq!(u.fingerprint, known_hosts::fingerprint(&blob(1)));
            true
        };

        let err = check_host_key("[h]:2", &blob(1), &files, &no, "cmd").unwrap_err();
        assert!(matches!(err, Error::UnknownHost { .. }));
        assert!(err
            .to_string()
            .contains(&known_hosts::fingerprint(&blob(1))));
        assert!(!kh.exists());

        check_host_key("[h]:2", &blob(1), &files, &yes, "cmd").unwrap();
        assert_eq!(asked.get(), 2);
        check_host_key("[h]:2", &blob(1), &files, &no, "cmd").unwrap();
        assert_eq!(asked.get(), 2, "a known host is not asked about");

        let err = check_host_key("[h]:2", &blob(2), &files, &yes, "cmd").unwrap_err();
        match &err {
            Error::HostKeyChanged { file, line, .. } => {
                assert_eq!(file, &kh);
                assert_eq!(*line, 1);
            }
            other => panic!("{other:?}"),
        }
        assert!(err.to_string().contains("attack"));
        assert_eq!(asked.get(), 2, "a changed key is never a question");
    }

    #[test]
    fn a_key_in_the_system_file_is_trusted_and_that_file_is_never_written() {
        let dir = tempfile::tempdir().unwrap();
        let user = dir.path().join("user_known_hosts");
        let system = dir.path().join("ssh_known_hosts");
        std::fs::write(&system, known_hosts::line_for("[h]:2", &blob(1)) + "\n").unwrap();
        let before = std::fs::read(&system).unwrap();
        let files = [user.as_path(), system.as_path()];
        let never = |_: &UnknownHost| -> bool { panic!("a known host is not asked about") };
        check_host_key("[h]:2", &blob(1), &files, &never, "cmd").unwrap();
        assert!(!user.exists());
        check_host_key("[other]:2", &blob(3), &files, &|_| true, "cmd").unwrap();
        assert!(user.exists(), "an accepted key goes to the user's file");
        assert_eq!(std::fs::read(&system).unwrap(), before);
    }

    #[test]
    fn libgit2_errors_become_sentences_naming_the_url() {
        let url = RemoteUrl::parse("ssh://h:2/r").unwrap();
        let e = git2::Error::new(
            ErrorCode::GenericError,
            ErrorClass::Net,
            "failed to connect to 127.0.0.1: Connection refused",
        );
        let err = describe(&url, &e, &[]);
        assert!(err.to_string().contains("ssh://h:2/r"), "{err}");
        assert!(err.to_string().contains("refused"), "{err}");
        let e = git2::Error::new(
            ErrorCode::NotFastForward,
            ErrorClass::Reference,
            "cannot push non-fastforwardable reference",
        );
        match describe(&url, &e, &["refs/heads/main:refs/heads/main"]) {
            Error::PushRejected { reference, .. } => assert_eq!(reference, "refs/heads/main"),
            other => panic!("{other:?}"),
        }
    }
}
