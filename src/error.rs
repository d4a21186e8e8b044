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

    /// A refusal the command line makes in its own words (a confirmation
    /// not given, no terminal to ask on, two passphrases that differ). The
    /// library never constructs it: every refusal of the core has its own
    /// variant below.
    #[error("{0}")]
    Refused(String),

    #[error("{0}")]
    Unchanged(#[from] Unchanged),

    #[error("the note is empty; nothing was added")]
    EmptyNote,

    #[error("{entry} is not on the access list of case {case}")]
    NotOnAccessList { case: String, entry: String },

    #[error("{key} is not an owner of case {case}")]
    NotAnOwner { case: String, key: String },

    #[error("{key} is the only owner of case {case}; add another owner first (`dossier owner add {case} FP`)")]
    LastOwner { case: String, key: String },

    #[error("you cannot revoke your own key: its signature would be the last one it makes; ask another administrator")]
    OwnKeyRevocation,

    #[error("your key {key} is not in this vault's keyring; an administrator must import and certify it")]
    NotInKeyring { key: String },

    #[error("your key {key} is revoked")]
    OwnKeyRevoked { key: String },

    #[error("your key is {validity} in this vault; only a certified key can be rotated")]
    NotRotatable { validity: String },

    #[error("the keyring holds a newer card for {key}; refusing to replace it with an older one")]
    OlderCard { key: String },

    #[error("{key} is revoked and cannot be certified")]
    CertifyRevoked { key: String },

    #[error("{key} is {validity}; only certified keys can join a group")]
    UncertifiedMember { key: String, validity: String },

    #[error("group @{group} cannot be used: {problem}")]
    UnusableGroup { group: String, problem: String },

    #[error("you cannot read case {case}, so it was not re-encrypted; one of its owners must run `dossier rekey {case}`")]
    CannotRekey { case: String },

    #[error("case {case} would have no valid recipient left")]
    NoRecipientLeft { case: String },

    #[error("{} is larger than {limit_mib} MiB; attach a smaller file", .path.display())]
    AttachmentTooLarge { path: PathBuf, limit_mib: u64 },

    #[error("case {case} has no document {document}")]
    UnknownDocument { case: String, document: String },

    #[error("{} is inside the vault, where a decrypted copy could end up committed; choose a place outside it", .path.display())]
    ExportInsideVault { path: PathBuf },

    #[error("`{query}` matches {matches} cases; give more of the id")]
    AmbiguousCase { query: String, matches: usize },

    #[error("{what} has format version {found}; this dossier reads versions 1 to {supported}: upgrade dossier")]
    UnsupportedVersion {
        what: String,
        found: u32,
        supported: u32,
    },

    #[error("the vault at {} has a different history from the one pinned there; it may have been replaced. If this is expected, remove its entry from {}", .vault.display(), .config.display())]
    HistoryReplaced { vault: PathBuf, config: PathBuf },

    #[error("the path of the dossier program ({}) is not UTF-8 text, so git cannot be told to run it; move the program to a plain path", .0.display())]
    ProgramPathNotUtf8(PathBuf),

    #[error("refusing to write outside the vault: {0}")]
    OutsideVault(String),

    #[error("the two versions of the case record cannot be combined into a valid record ({detail}); nothing was merged, take one version and apply the other's changes by hand")]
    UnmergeableRecord { detail: String },

    #[error("{count} field(s) of {path} were changed differently on both sides; your version was left in place and git marks the file conflicted. Keep one side (`git checkout --ours {path}` or `--theirs`), `git add` it and commit, then set the other side's values with `dossier case set`")]
    FieldConflicts { count: usize, path: String },

    #[error("the dossier merge driver could not tell which commit is being merged, so it cannot know who may read the merged {0}; it supports `git merge` and `git pull` (not rebase or cherry-pick). The file was left as it was, marked conflicted")]
    MergeDriverNoCommit(String),

    #[error(
        "the dossier merge driver merges case records (cases/<id>/case.yaml.age) only, not {0}"
    )]
    MergeDriverNotARecord(String),

    #[error("there is already a remote named {0}; `dossier remote list` shows it")]
    RemoteExists(String),

    #[error("there is no remote named {0}; add one with `dossier remote add {0} URL`")]
    UnknownRemote(String),

    #[error("name the remote to sync with (`dossier remote list` shows them), or add one with `dossier remote add NAME URL`")]
    NoDefaultRemote,

    #[error("cannot find your known_hosts file: HOME is not set")]
    NoKnownHosts,

    #[error("{0} in the vault's working tree has changes that were never committed (`git status` shows them), and what arrived would replace it; nothing was taken in or sent. Restore it (`git checkout -- {0}`) or remove it first")]
    UncommittedChanges(String),

    #[error("the incoming history shares no commit with this vault's")]
    UnrelatedHistory,

    #[error("nothing was merged and nothing was lost: your changes are on this vault's branch, theirs stay fetched. Decide each conflict in the terminal UI (sync view), or take one side for all of them with `{retry} --prefer ours` or `--prefer theirs`")]
    UnresolvedConflicts { retry: String },

    #[error("{url} has no vault to clone (no {branch} branch)")]
    NothingToClone { url: String, branch: String },

    #[error("refusing to create an empty bundle: name at least one reference")]
    EmptyBundle,

    #[error(
        "there is no reference {0} to put in the bundle; give a full name such as refs/heads/main"
    )]
    UnknownReference(String),

    #[error("{0} does not point at anything")]
    DanglingReference(String),

    #[error("cannot leave out {0}: it is not a commit here")]
    NotACommitHere(String),

    #[error("the bundle holds no branch of a vault")]
    BundleWithoutBranch,

    #[error("{0} problem(s) found")]
    ProblemsFound(usize),

    #[error("case {case} is restricted: it can be granted to named, certified people only, not to the group @{group}")]
    RestrictedGroupGrant { case: String, group: String },

    #[error("case {case} is granted to {groups}; remove them first (`dossier revoke-access {case} @GROUP`), then make it restricted")]
    RestrictedWithGroups { case: String, groups: String },

    #[error("a protected case needs a pseudonym that is not the client's name (--pseudonym); nothing was created")]
    PseudonymNeeded,

    #[error("a disclosure on the basis {basis} needs {missing}; nothing was disclosed")]
    DisclosureRequires { basis: String, missing: String },

    #[error("{why}, so a disclosure from case {case} needs a second person's approval (four eyes): record it with --request, then an administrator other than you approves it with `dossier disclose {case} --approve REQUEST --out FILE`; nothing was disclosed")]
    DisclosureNeedsApproval { case: String, why: String },

    #[error("{item} of case {case} carries condition {condition}, in force and not released; record its release first (`dossier case edit {case} conditions {condition} released.by=NAME released.date=YYYY-MM-DD released.reference=REF`, or in the case's Conditions tab); nothing was disclosed")]
    ConditionNotReleased {
        case: String,
        item: String,
        condition: String,
    },

    #[error("case {case} has no pending disclosure request {request}; `dossier case show {case} --json` lists its disclosure_requests")]
    UnknownDisclosureRequest { case: String, request: String },

    #[error("you asked for disclosure request {request} yourself; a second person must approve it (four eyes)")]
    SelfApproval { request: String },

    #[error("there is no item {item} in {list}; `dossier case show ID --json` lists their ids")]
    UnknownItem { list: String, item: String },

    #[error("an item of {list} stays on the record: {instead}")]
    ItemKept { list: String, instead: String },

    #[error("the firm's conflict secret is not sealed to your key yet (a new or rotated key): an administrator reseals it with `dossier conflicts --reseal`")]
    ConflictSecretNotSealedToYou,

    #[error("this vault has no conflict index yet: an administrator creates it with `dossier conflicts --reindex`")]
    NoConflictSecret,

    #[error("the passphrase agent cannot be used: {0}")]
    AgentUnavailable(String),

    /// A bug: code panicked at `site`. What the panic said is never shown
    /// (it may hold case content).
    #[error("internal error at {site}: this is a bug in dossier, please report that place; what the error said is not shown, as it may hold case content. Run `dossier verify` to check the vault")]
    Internal { site: String },

    #[error("the passphrase agent refused: {0}")]
    AgentRefused(String),

    #[error(
        "the directory {0} does not exist (is the disk or stick mounted?); nothing was written"
    )]
    NoSuchDirectory(std::path::PathBuf),

    #[error("case {case} is kept until {until} by its retention date; to destroy it earlier, give --early and a --ground that says why")]
    RetentionNotReached { case: String, until: String },

    #[error("there is no active, certified member of staff to seal the conflict secret to")]
    NoActiveStaff,

    #[error("the firm's conflict secret (.dossier/conflicts.age) is not 32 bytes; an administrator replaces it with `dossier conflicts --reindex` after removing it")]
    MalformedConflictSecret,

    #[error("a conflict index (blind.idx) is not in the format dossier writes")]
    MalformedBlindIndex,

    #[error("choose at least one field, document or note to disclose (--fields, --docs, --notes); nothing was disclosed")]
    NothingToDisclose,

    #[error("case {case} has no {kind} {name} to disclose; nothing was disclosed")]
    NoSuchItem {
        case: String,
        kind: &'static str,
        name: String,
    },

    #[error(
        "no consent on case {case} covers this disclosure today: {reason}; nothing was disclosed"
    )]
    ConsentDoesNotCover { case: String, reason: String },

    #[error("the disclosure from case {case} was recorded, but the export could not be written to {path}: {reason}. Nothing left the firm; make the export again with another --out (the record shows the disclosure as authorised)")]
    DisclosureNotWritten {
        case: String,
        path: PathBuf,
        reason: String,
    },

    #[error("the vault's root keys changed from {pinned} to {found} without a signature by a previous root; this may be an attack. If the change is genuine, remove the vault from {config} after confirming the new roots in person")]
    RootsChanged {
        pinned: String,
        found: String,
        config: PathBuf,
    },

    #[error("another dossier process is changing this vault; try again when it has finished")]
    Busy,

    /// Still busy after waiting for the configured time (seconds).
    #[error("another dossier process has been changing this vault for {0} s; nothing was changed. Try again when it has finished (`lock_timeout_seconds` in the config, or DOSSIER_LOCK_TIMEOUT_SECONDS, sets how long to wait)")]
    BusyAfter(u64),

    /// The vault's storage is mounted read-only (a write-protected stick, say).
    #[error("{0} is on read-only storage, so nothing was changed; reading still works. To change the vault, make the storage writable or copy the vault elsewhere")]
    ReadOnly(PathBuf),

    /// Objects under `HEAD` cannot be read (a failing disk, a bad copy).
    #[error("this vault's git object store is damaged, so nothing was changed: {}. Restore the damaged objects from a clone, a remote or a bundle (`git fsck` lists all damage)", damaged.join("; "))]
    DamagedStore { damaged: Vec<String> },

    /// Git's own index lock is held (a git command is running, or one was killed).
    #[error("git's index is locked by {0}: a git command is running in this vault, or one was killed. If none is running, delete that file and run the command again")]
    IndexLocked(PathBuf),

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

    /// git could not read an object (corrupt, missing, not inflatable):
    /// [`crate::repo::damage::explain`] names the files it holds.
    #[error("git: {0}")]
    GitObject(String),

    #[error("encryption failed: {0}")]
    Encrypt(String),

    #[error("signing failed: {0}")]
    Sign(String),

    #[error("the incoming history was refused and nothing was merged: commit {commit} {reason}")]
    IncomingRejected { commit: String, reason: String },

    #[error("the push is refused: {0}")]
    PushRefused(String),

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

    /// A sync recorded what it received (a fast-forward or a merge) but
    /// could not finish: the local change stands, the remote lacks it.
    #[error("the {what} with {remote} was recorded here (now at commit {commit}), but the sync could not finish: {reason}. Nothing is lost; run `dossier sync` again to send it")]
    SyncUnfinished {
        what: &'static str,
        remote: String,
        commit: String,
        reason: String,
    },

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

/// A change refused because it would change nothing: no commit was made.
/// Callers that treat "already so" as success match this one variant.
#[allow(missing_docs)]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Unchanged {
    #[error("nothing would change; no commit was made")]
    Commit,

    #[error("case {case} is already closed")]
    Closed { case: String },

    #[error("{entry} can already read case {case}")]
    Granted { case: String, entry: String },

    #[error("{key} is already in the keyring")]
    InKeyring { key: String },

    #[error("{key} is already certified")]
    Certified { key: String },

    #[error("{key} is already revoked")]
    Revoked { key: String },

    #[error("the key already has that expiry; no commit was made")]
    Expiry,

    #[error("@{group} already has exactly those members; no commit was made")]
    GroupMembers { group: String },

    /// Each setting named with the value it already has.
    #[error("{}; no commit was made", already_set(.settings))]
    Settings { settings: Vec<(String, String)> },

    /// `damaged`: cases with files no key of the caller opens, which
    /// re-encryption cannot fix.
    #[error("every file you can decrypt is already encrypted to exactly its case's recipients; nothing to do{}", damaged_advice(.damaged))]
    Rekey { damaged: Vec<String> },
}

/// `log_views is already true, offline is already false`.
fn already_set(settings: &[(String, String)]) -> String {
    settings
        .iter()
        .map(|(k, v)| format!("{k} is already {v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Where files re-encryption cannot fix are, and what removes them.
fn damaged_advice(damaged: &[String]) -> String {
    if damaged.is_empty() {
        return String::new();
    }
    format!(
        ". Some files cannot be decrypted with your keys, which re-encryption cannot fix: `dossier verify` names them, and {} removes them",
        repair_commands(damaged)
    )
}

/// The `dossier case repair ID` commands for `cases` (each once, in the
/// order given), as one comma-separated phrase for a message.
pub fn repair_commands<T: std::fmt::Display + PartialEq>(
    cases: impl IntoIterator<Item = T>,
) -> String {
    let mut seen: Vec<T> = Vec::new();
    for case in cases {
        if !seen.contains(&case) {
            seen.push(case);
        }
    }
    seen.iter()
        .map(|c| format!("`dossier case repair {c}`"))
        .collect::<Vec<_>>()
        .join(", ")
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
        let message = e.message().trim();
        if message.is_empty() || message == "no error" {
            // libgit2 failed without saying why (seen on a full disk).
            return Error::Git(format!(
                "a {:?} operation failed without a reason ({:?}); check that the disk is not full and the vault is writable",
                e.class(),
                e.code()
            ));
        }
        let reading_an_object = matches!(
            e.class(),
            git2::ErrorClass::Odb | git2::ErrorClass::Zlib | git2::ErrorClass::Object
        );
        if reading_an_object {
            Error::GitObject(message.to_string())
        } else {
            Error::Git(message.to_string())
        }
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

#[cfg(test)]
mod tests {

    #[test]
    fn a_git_failure_without_a_reason_names_the_disk_instead_of_saying_no_error() {
        for empty in ["", "no error"] {
            let e = git2::Error::new(git2::ErrorCode::GenericError, git2::ErrorClass::Os, empty);
            let shown = super::Error::from(e).to_string();
            assert!(!shown.contains("no error"), "{shown}");
            assert!(shown.contains("check that the disk is not full"), "{shown}");
        }
        let e = git2::Error::new(
            git2::ErrorCode::GenericError,
            git2::ErrorClass::Zlib,
            "failed to inflate loose object",
        );
        assert!(matches!(super::Error::from(e), super::Error::GitObject(_)));
    }
    use super::*;

    const CASE: &str = "27T8E7KF";
    const FP: &str = "SHA256:AAAAbbbbCCCCddddEEEEffffGGGGhhhhIIIIjjjjKKK";

    fn s(x: &str) -> String {
        x.to_string()
    }

    /// Every refusal sentence, word for word: the CLI prints these, scripts
    /// and tests grep for them, and the TUI shows the same words.
    #[test]
    fn refusals_say_exactly_what_they_always_said() {
        let cases: Vec<(Error, String)> = vec![
            (
                Unchanged::Commit.into(),
                s("nothing would change; no commit was made"),
            ),
            (
                Unchanged::Closed { case: s(CASE) }.into(),
                format!("case {CASE} is already closed"),
            ),
            (
                Unchanged::Granted {
                    case: s(CASE),
                    entry: s("@immigration"),
                }
                .into(),
                format!("@immigration can already read case {CASE}"),
            ),
            (
                Unchanged::InKeyring { key: s(FP) }.into(),
                format!("{FP} is already in the keyring"),
            ),
            (
                Unchanged::Certified { key: s(FP) }.into(),
                format!("{FP} is already certified"),
            ),
            (
                Unchanged::Revoked { key: s(FP) }.into(),
                format!("{FP} is already revoked"),
            ),
            (
                Unchanged::Expiry.into(),
                s("the key already has that expiry; no commit was made"),
            ),
            (
                Unchanged::GroupMembers {
                    group: s("immigration"),
                }
                .into(),
                s("@immigration already has exactly those members; no commit was made"),
            ),
            (
                Unchanged::Settings {
                    settings: vec![(s("log_views"), s("true")), (s("offline"), s("false"))],
                }
                .into(),
                s("log_views is already true, offline is already false; no commit was made"),
            ),
            (
                Unchanged::Rekey { damaged: vec![] }.into(),
                s("every file you can decrypt is already encrypted to exactly its case's recipients; nothing to do"),
            ),
            (
                Unchanged::Rekey {
                    damaged: vec![s("AAAA1111"), s("BBBB2222"), s("AAAA1111")],
                }
                .into(),
                s("every file you can decrypt is already encrypted to exactly its case's recipients; nothing to do. Some files cannot be decrypted with your keys, which re-encryption cannot fix: `dossier verify` names them, and `dossier case repair AAAA1111`, `dossier case repair BBBB2222` removes them"),
            ),
            (Error::EmptyNote, s("the note is empty; nothing was added")),
            (
                Error::NotOnAccessList {
                    case: s(CASE),
                    entry: s(FP),
                },
                format!("{FP} is not on the access list of case {CASE}"),
            ),
            (
                Error::LastOwner {
                    case: s(CASE),
                    key: s(FP),
                },
                format!("{FP} is the only owner of case {CASE}; add another owner first (`dossier owner add {CASE} FP`)"),
            ),
            (
                Error::OwnKeyRevocation,
                s("you cannot revoke your own key: its signature would be the last one it makes; ask another administrator"),
            ),
            (
                Error::NotInKeyring { key: s(FP) },
                format!("your key {FP} is not in this vault's keyring; an administrator must import and certify it"),
            ),
            (
                Error::OwnKeyRevoked { key: s(FP) },
                format!("your key {FP} is revoked"),
            ),
            (
                Error::NotRotatable {
                    validity: s("uncertified"),
                },
                s("your key is uncertified in this vault; only a certified key can be rotated"),
            ),
            (
                Error::OlderCard { key: s(FP) },
                format!("the keyring holds a newer card for {FP}; refusing to replace it with an older one"),
            ),
            (
                Error::CertifyRevoked { key: s(FP) },
                format!("{FP} is revoked and cannot be certified"),
            ),
            (
                Error::UncertifiedMember {
                    key: s(FP),
                    validity: s("expired"),
                },
                format!("{FP} is expired; only certified keys can join a group"),
            ),
            (
                Error::UnusableGroup {
                    group: s("staff"),
                    problem: s("groups.yaml has no valid signature"),
                },
                s("group @staff cannot be used: groups.yaml has no valid signature"),
            ),
            (
                Error::CannotRekey { case: s(CASE) },
                format!("you cannot read case {CASE}, so it was not re-encrypted; one of its owners must run `dossier rekey {CASE}`"),
            ),
            (
                Error::NoRecipientLeft { case: s(CASE) },
                format!("case {CASE} would have no valid recipient left"),
            ),
            (
                Error::AttachmentTooLarge {
                    path: PathBuf::from("/tmp/scan.pdf"),
                    limit_mib: 64,
                },
                s("/tmp/scan.pdf is larger than 64 MiB; attach a smaller file"),
            ),
            (
                Error::UnknownDocument {
                    case: s(CASE),
                    document: s("d1"),
                },
                format!("case {CASE} has no document d1"),
            ),
            (
                Error::ExportInsideVault {
                    path: PathBuf::from("vault/cases/out.pdf"),
                },
                s("vault/cases/out.pdf is inside the vault, where a decrypted copy could end up committed; choose a place outside it"),
            ),
            (
                Error::AmbiguousCase {
                    query: s("27"),
                    matches: 3,
                },
                s("`27` matches 3 cases; give more of the id"),
            ),
            (
                Error::UnsupportedVersion {
                    what: s(".dossier/vault.yaml"),
                    found: 9,
                    supported: 2,
                },
                s(".dossier/vault.yaml has format version 9; this dossier reads versions 1 to 2: upgrade dossier"),
            ),
            (
                Error::HistoryReplaced {
                    vault: PathBuf::from("/srv/vault"),
                    config: PathBuf::from("/home/a/.config/dossier/known_vaults.yaml"),
                },
                s("the vault at /srv/vault has a different history from the one pinned there; it may have been replaced. If this is expected, remove its entry from /home/a/.config/dossier/known_vaults.yaml"),
            ),
            (
                Error::ProgramPathNotUtf8(PathBuf::from("/opt/dossier")),
                s("the path of the dossier program (/opt/dossier) is not UTF-8 text, so git cannot be told to run it; move the program to a plain path"),
            ),
            (
                Error::OutsideVault(s("../x")),
                s("refusing to write outside the vault: ../x"),
            ),
            (
                Error::UnmergeableRecord {
                    detail: s("status: unknown variant"),
                },
                s("the two versions of the case record cannot be combined into a valid record (status: unknown variant); nothing was merged, take one version and apply the other's changes by hand"),
            ),
            (
                Error::FieldConflicts {
                    count: 2,
                    path: format!("cases/{CASE}/case.yaml.age"),
                },
                format!("2 field(s) of cases/{CASE}/case.yaml.age were changed differently on both sides; your version was left in place and git marks the file conflicted. Keep one side (`git checkout --ours cases/{CASE}/case.yaml.age` or `--theirs`), `git add` it and commit, then set the other side's values with `dossier case set`"),
            ),
            (
                Error::MergeDriverNoCommit(format!("cases/{CASE}/case.yaml.age")),
                format!("the dossier merge driver could not tell which commit is being merged, so it cannot know who may read the merged cases/{CASE}/case.yaml.age; it supports `git merge` and `git pull` (not rebase or cherry-pick). The file was left as it was, marked conflicted"),
            ),
            (
                Error::MergeDriverNotARecord(s("README")),
                s("the dossier merge driver merges case records (cases/<id>/case.yaml.age) only, not README"),
            ),
            (
                Error::RemoteExists(s("origin")),
                s("there is already a remote named origin; `dossier remote list` shows it"),
            ),
            (
                Error::UnknownRemote(s("usb")),
                s("there is no remote named usb; add one with `dossier remote add usb URL`"),
            ),
            (
                Error::NoDefaultRemote,
                s("name the remote to sync with (`dossier remote list` shows them), or add one with `dossier remote add NAME URL`"),
            ),
            (
                Error::NoKnownHosts,
                s("cannot find your known_hosts file: HOME is not set"),
            ),
            (
                Error::BusyAfter(30),
                s("another dossier process has been changing this vault for 30 s; nothing was changed. Try again when it has finished (`lock_timeout_seconds` in the config, or DOSSIER_LOCK_TIMEOUT_SECONDS, sets how long to wait)"),
            ),
            (
                Error::ReadOnly(PathBuf::from("/media/usb/vault")),
                s("/media/usb/vault is on read-only storage, so nothing was changed; reading still works. To change the vault, make the storage writable or copy the vault elsewhere"),
            ),
            (
                Error::DamagedStore {
                    damaged: vec![s("cases/X/ is damaged in git's object store (failed to inflate loose object)")],
                },
                s("this vault's git object store is damaged, so nothing was changed: cases/X/ is damaged in git's object store (failed to inflate loose object). Restore the damaged objects from a clone, a remote or a bundle (`git fsck` lists all damage)"),
            ),
            (
                Error::IndexLocked(PathBuf::from("/v/.git/index.lock")),
                s("git's index is locked by /v/.git/index.lock: a git command is running in this vault, or one was killed. If none is running, delete that file and run the command again"),
            ),
            (
                Error::UncommittedChanges(s("cases/X/case.yaml.age")),
                s("cases/X/case.yaml.age in the vault's working tree has changes that were never committed (`git status` shows them), and what arrived would replace it; nothing was taken in or sent. Restore it (`git checkout -- cases/X/case.yaml.age`) or remove it first"),
            ),
            (
                Error::UnrelatedHistory,
                s("the incoming history shares no commit with this vault's"),
            ),
            (
                Error::UnresolvedConflicts {
                    retry: s("dossier sync origin"),
                },
                s("nothing was merged and nothing was lost: your changes are on this vault's branch, theirs stay fetched. Decide each conflict in the terminal UI (sync view), or take one side for all of them with `dossier sync origin --prefer ours` or `--prefer theirs`"),
            ),
            (
                Error::NothingToClone {
                    url: s("/media/usb/vault.git"),
                    branch: s("refs/heads/main"),
                },
                s("/media/usb/vault.git has no vault to clone (no refs/heads/main branch)"),
            ),
            (
                Error::EmptyBundle,
                s("refusing to create an empty bundle: name at least one reference"),
            ),
            (
                Error::UnknownReference(s("main")),
                s("there is no reference main to put in the bundle; give a full name such as refs/heads/main"),
            ),
            (
                Error::DanglingReference(s("refs/heads/main")),
                s("refs/heads/main does not point at anything"),
            ),
            (
                Error::NotACommitHere(s("0123abcd")),
                s("cannot leave out 0123abcd: it is not a commit here"),
            ),
            (
                Error::BundleWithoutBranch,
                s("the bundle holds no branch of a vault"),
            ),
            (Error::ProblemsFound(3), s("3 problem(s) found")),
        ];
        for (error, sentence) in cases {
            assert_eq!(error.to_string(), sentence, "{error:?}");
        }
    }
}
