//! The library's one error type.
//!
//! Every variant carries where something failed (a path, a case id, a
//! fingerprint, a line) and never what a confidential file contains. Display
//! strings are complete sentences that say what happened and, where there is
//! one, what to do next: the CLI prints them as they are (STYLE rule 6).
//!
//! All failures to decrypt one file collapse into [`Error::CannotDecrypt`]
//! (for a case's note, [`Error::UnreadableNote`], which adds what to do): a
//! caller must not learn which check (header, MAC, payload) failed.

use std::path::PathBuf;

/// Shorthand for results in this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in the dossier core. Each variant's
/// `#[error]` sentence is its documentation.
#[allow(missing_docs)]
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    #[error("the passphrase is wrong; try again (nothing was changed)")]
    WrongPassphrase,

    #[error("no passphrase was given: {0}")]
    NoPassphrase(String),

    #[error("an empty passphrase is not allowed; choose one, or pass --no-passphrase to store the keys unprotected")]
    EmptyPassphrase,

    #[error("there is no dossier identity in {0}; create one with `dossier key generate --name NAME --email EMAIL`")]
    NoIdentity(PathBuf),

    #[error("an identity already exists in {0}; refusing to overwrite it")]
    IdentityExists(PathBuf),

    #[error("{path} is damaged: {reason}")]
    DamagedIdentity { path: PathBuf, reason: String },

    #[error("{0} is not a dossier vault (no .dossier/vault.yaml found); pass --vault DIR or run `dossier init`")]
    NotAVault(PathBuf),

    #[error("{0} already contains a vault or other files; choose an empty or new directory")]
    VaultExists(PathBuf),

    #[error("there is no case {0} in this vault; `dossier case list` shows the case ids")]
    UnknownCase(String),

    #[error("you are not a recipient of case {case}; ask one of its owners: {owners}")]
    NotARecipient { case: String, owners: String },

    #[error(
        "{path} cannot be decrypted: it is damaged or was altered (or not encrypted to your key)"
    )]
    CannotDecrypt { path: PathBuf },

    #[error("note {path} of case {case} cannot be decrypted with your keys (damaged, altered, or encrypted to someone else), so the case cannot be shown; an owner can remove it with `dossier case repair {case}`")]
    UnreadableNote { case: String, path: String },

    #[error("the record of case {case} cannot be decrypted with your keys, so nothing was removed: if the case was never re-encrypted to you, another reader should run `dossier rekey {case}`; if you are sure the record itself is damaged, run `dossier case repair {case} --include-record`, which removes it too")]
    RecordUnreadable { case: String },

    #[error("every file of case {case} decrypts with your keys and is encrypted to exactly its recipients; nothing to repair")]
    NothingToRepair { case: String },

    #[error("malformed YAML in {what}: {detail}")]
    MalformedYaml { what: String, detail: String },

    #[error("{what} is larger than {}, the most dossier reads; it was refused without being parsed (dossier never writes one that large)", human_bytes(*.limit))]
    DocumentTooLarge { what: String, limit: usize },

    #[error("{what} nests more than {limit} levels deep, the most dossier reads; it was refused without being parsed (dossier never writes one that deep)")]
    DocumentTooDeep { what: String, limit: usize },

    #[error("case records have no field `{0}`; `dossier case set --help` lists the fields")]
    UnknownField(String),

    #[error("invalid value for `{field}`: {reason}")]
    InvalidValue { field: String, reason: String },

    #[error("no key in the keyring matches `{0}`; `dossier key list` shows the fingerprints")]
    UnknownKey(String),

    #[error("`{0}` matches more than one key; give more of the fingerprint")]
    AmbiguousKey(String),

    #[error("no group named @{0}; create it with `dossier group set {0} FP...`")]
    UnknownGroup(String),

    #[error("refusing to encrypt case {case} to {entry}: {reason}")]
    InvalidRecipient {
        case: String,
        entry: String,
        reason: String,
    },

    #[error("{what} has no valid signature: {reason}")]
    BadSignature { what: String, reason: String },

    #[error("only {required} may {action}; your key {actor} is not entitled to")]
    NotEntitled {
        action: String,
        required: String,
        actor: String,
    },

    #[error("{0}")]
    InvalidKeyCard(String),

    #[error("{0}")]
    Refused(String),

    #[error("the vault's root keys changed from {pinned} to {found} without a signature by a previous root; this may be an attack. If the change is genuine, remove the vault from {config} after confirming the new roots in person")]
    RootsChanged {
        pinned: String,
        found: String,
        config: PathBuf,
    },

    #[error("another dossier process is changing this vault; try again when it has finished")]
    Busy,

    #[error("the vault changed while this change was being made; nothing was written, try again")]
    Raced,

    #[error("could not {action} {path}: {source}")]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("git: {0}")]
    Git(String),

    #[error("encryption failed: {0}")]
    Encrypt(String),

    #[error("signing failed: {0}")]
    Sign(String),

    #[error("the incoming history was refused and nothing was merged: commit {commit} {reason}")]
    IncomingRejected { commit: String, reason: String },

    #[error("{0} in the vault's working tree is (or lies under) a symbolic link; dossier never follows a link inside a vault. Remove the link and restore the file with `git checkout -- {0}`")]
    SymlinkInVault(String),

    #[error("this vault's history does not verify, so dossier will neither trust it nor write to it: commit {commit} {reason}. {}", return_advice(last_verified.as_deref()))]
    UnverifiedHistory {
        commit: String,
        reason: String,
        last_verified: Option<String>,
    },

    #[error("`{url}` is not a remote dossier can use: {reason}; dossier syncs over a path, file:// or ssh:// only (for example /media/usb/vault.git, ssh://user@host/srv/vault.git or user@host:vault.git)")]
    UnsupportedUrl { url: String, reason: String },

    #[error("could not sync with {url}: {reason}")]
    Network { url: String, reason: String },

    #[error("the remote refused to update {reference}: {reason}")]
    PushRejected { reference: String, reason: String },

    #[error("the host key of {host} has CHANGED: it now presents {fingerprint}, but line {line} of {file} holds another key. This may be an attack (someone intercepting the connection), so nothing was sent. If the server's key was genuinely replaced, confirm the new fingerprint with its administrator, then remove the old key with `ssh-keygen -R '{host}' -f {file}`")]
    HostKeyChanged {
        host: String,
        fingerprint: String,
        file: PathBuf,
        line: usize,
    },

    #[error("the host key {fingerprint} presented by {host} is marked @revoked on line {line} of {file}; refusing to connect. Ask the server's administrator which key is current")]
    HostKeyRevoked {
        host: String,
        fingerprint: String,
        file: PathBuf,
        line: usize,
    },

    #[error("the host {host} is not known and its key ({fingerprint}) was not accepted, so nothing was sent. Check that fingerprint with the server's administrator (on the server: `ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub`), then accept it when asked, or add it with `{add_command}`")]
    UnknownHost {
        host: String,
        fingerprint: String,
        file: PathBuf,
        add_command: String,
    },

    #[error("the server at {url} refused every key offered: {tried}; add your public key to the server's authorized_keys, or point DOSSIER_SSH_KEY at the key it knows")]
    AuthRefused { url: String, tried: String },

    #[error("cannot use the SSH key file {path}: {reason}")]
    BadKeyFile { path: PathBuf, reason: String },

    #[error("{path} is not a usable git bundle: {reason}; nothing was changed")]
    BadBundle { path: PathBuf, reason: String },

    #[error("the bundle {path} builds on commit {missing}, which this repository does not have; import the earlier bundle (or sync) first")]
    BundleNeedsHistory { path: PathBuf, missing: String },

    #[error("{0} already exists; choose another file name (nothing was overwritten)")]
    FileExists(PathBuf),

    #[error("this vault is set offline, so the network remote {0} may not be used; carry a bundle instead (`dossier bundle create FILE`), or have a root change the setting (`dossier settings offline=false`)")]
    Offline(String),

    #[error(
        "there is no commit `{0}` in this vault's history; `dossier log` shows the commit ids"
    )]
    UnknownCommit(String),

    #[error("case {case} does not exist at commit {commit}; `dossier log {case}` shows the commits where it does")]
    CaseNotAtCommit { case: String, commit: String },

    #[error("case {case} was not opened: this vault records every view (setting log_views) and this one could not be recorded: {reason}")]
    ViewNotRecorded { case: String, reason: String },

    #[error("there is no vault setting `{0}`; the settings are log_views and offline (`dossier settings` shows them)")]
    UnknownSetting(String),
}

impl Error {
    /// Wraps an I/O error with the action and path it concerned.
    pub fn io(
        action: &'static str,
        path: impl Into<PathBuf>,
    ) -> impl FnOnce(std::io::Error) -> Error {
        let path = path.into();
        move |source| Error::Io {
            action,
            path,
            source,
        }
    }
}

/// `1 MiB`, `16 KiB` or `300 bytes`: a size limit as a person reads it.
pub(crate) fn human_bytes(n: usize) -> String {
    const KIB: usize = 1024;
    if n >= KIB * KIB && n.is_multiple_of(KIB * KIB) {
        format!("{} MiB", n / (KIB * KIB))
    } else if n >= KIB && n.is_multiple_of(KIB) {
        format!("{} KiB", n / KIB)
    } else {
        format!("{n} bytes")
    }
}

impl From<git2::Error> for Error {
    fn from(e: git2::Error) -> Self {
        Error::Git(e.message().to_string())
    }
}

/// What to do about history that does not verify.
fn return_advice(last_verified: Option<&str>) -> String {
    match last_verified {
        Some(good) => format!(
            "Nothing was changed. To return to the last verified commit with stock git, run `git reset --hard {good}` (the refused commits stay in `git reflog`), or ask whoever made that commit to redo it with dossier"
        ),
        None => "Nothing was changed. Clone the vault again from a copy you trust".into(),
    }
}
