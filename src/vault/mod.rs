//! A vault on disk: a git repository with `.dossier/` and `cases/`.
//!
//! [`Vault`] opens and creates vaults and reads their public state (config,
//! keyring, groups, access lists, case files). It never writes a file itself:
//! changes go through [`crate::repo::store`] as one signed commit.
//!
//! The git commit is the source of truth; the working tree is its
//! materialisation. A change interrupted after its commit but before the
//! working tree was updated is finished when the vault is next opened.

pub mod git_config;
pub mod groups;
pub mod keyring;
pub mod layout;
pub mod pins;
pub mod settings;
pub mod succession;

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::case::{AccessEntry, AccessList, CaseId};
use crate::error::{Error, Result};
use crate::keys::fingerprint::Fingerprint;
use crate::keys::signed::Signed;
use crate::repo::lock::WriteLock;
use crate::repo::snapshot::{CaseDirs, CommitTree, Files, WorkTree};
use crate::support::fsio;
use crate::support::yaml;
use crate::vault::groups::Groups;
use crate::vault::keyring::Keyring;

/// Format 2 adds `replaces` to signed documents ([`crate::vault::succession`]);
/// format 1 is still read.
const VAULT_VERSION: u32 = 2;
pub use crate::vault::layout::{ALLOWED_SIGNERS_PATH, CONFIG_PATH};

/// `vault.yaml`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct VaultConfig {
    /// Format version.
    pub dossier_vault: u32,
    /// The git blob id of the version this one replaces (format 2 on;
    /// absent for a first version): see [`crate::vault::succession`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replaces: Option<String>,
    /// The vault's (firm's) name.
    pub name: String,
    /// When it was created.
    pub created: DateTime<Utc>,
    /// Root administrators: trusted by pinning.
    pub roots: Vec<Fingerprint>,
    /// Further administrators, named by a root.
    #[serde(default)]
    pub administrators: Vec<Fingerprint>,
    /// Behaviour switches.
    #[serde(default)]
    pub settings: Settings,
}

/// Vault-wide settings.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Settings {
    /// Record a signed commit each time a case is opened.
    #[serde(default)]
    pub log_views: bool,
    /// Refuse every network operation.
    #[serde(default)]
    pub offline: bool,
    /// Retention policy: years a case is kept after it is closed, by
    /// practice area (lower case); `default` for every other area.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub retention: std::collections::BTreeMap<String, u32>,
}

impl Settings {
    /// How many years after closing a case of `practice_area` is kept, by
    /// the retention policy: its area's entry, else `default`, else none.
    pub fn retention_years(&self, practice_area: Option<&str>) -> Option<u32> {
        let area = practice_area.map(|a| a.trim().to_lowercase());
        area.and_then(|a| self.retention.get(&a).copied())
            .or_else(|| self.retention.get(RETENTION_DEFAULT).copied())
    }
}

/// The retention policy's entry for every practice area without its own.
pub const RETENTION_DEFAULT: &str = "default";

impl VaultConfig {
    /// A new config with one root.
    pub fn new(name: &str, root: Fingerprint) -> VaultConfig {
        VaultConfig {
            dossier_vault: VAULT_VERSION,
            replaces: None,
            name: name.to_string(),
            created: yaml::now(),
            roots: vec![root],
            administrators: Vec::new(),
            settings: Settings::default(),
        }
    }
}

/// An open vault.
pub struct Vault {
    root: PathBuf,
    repo: git2::Repository,
    config: VaultConfig,
    keyring: Keyring,
    groups: Groups,
    pending_rekey: Option<crate::repo::journal::Pending>,
    /// Why history does not verify, for a vault opened for audit only.
    history_problem: Option<String>,
    /// The commit the trust state was read from, moved on by this vault's
    /// own commits: a change decided on it may not land on another.
    head: std::cell::Cell<Option<git2::Oid>>,
    /// The write lock, when the vault was opened for a change
    /// ([`Vault::open_for_change`]): taken before anything was read.
    held: Option<WriteLock>,
    /// The case directories of `HEAD`'s `cases/` tree, for
    /// [`Vault::read_committed`].
    case_dirs: CaseDirs,
}

/// Whether opening a vault takes its write lock.
#[derive(Debug)]
pub(crate) enum Locking {
    /// Read only: no lock.
    None,
    /// Take the lock, waiting for another writer.
    Wait,
    /// This lock, already taken (a vault reopened after its own change).
    Held(WriteLock),
}

impl Vault {
    /// Follows an event this process recorded on the branch (a commit that
    /// changes no file, [`crate::repo::store::record_event`]): when it was
    /// made on the commit this vault was read from, the vault is still
    /// current.
    pub(crate) fn followed_by(&self, event: git2::Oid) {
        let parent = self
            .repo
            .find_commit(event)
            .ok()
            .and_then(|c| c.parent_id(0).ok());
        if parent.is_some() && parent == self.head.get() {
            self.head.set(Some(event));
        }
    }

    /// `e`, or, when it is git failing to read an object and objects under
    /// `HEAD` are damaged, [`Error::DamagedStore`] naming the files they hold.
    pub fn explain(&self, e: Error) -> Error {
        crate::repo::damage::explain(&self.repo, e)
    }

    /// [`Vault::explain`] for a failure of any work on the vault at `root`
    /// (opening it, say), read without opening it again.
    pub fn explain_at(root: &Path, e: Error) -> Error {
        if !matches!(e, Error::GitObject(_)) {
            return e;
        }
        match git2::Repository::open(root) {
            Ok(repo) => crate::repo::damage::explain(&repo, e),
            Err(_) => e,
        }
    }

    /// Gives up the write lock this vault holds, to reopen with it.
    pub(crate) fn release_held(&mut self) -> Option<WriteLock> {
        self.held.take()
    }
}

impl std::fmt::Debug for Vault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Vault({})", self.root.display())
    }
}

impl Vault {
    /// The root of the vault containing `start` (itself or a parent).
    pub fn find_root(start: &Path) -> Result<PathBuf> {
        let start = start
            .canonicalize()
            .map_err(|_| Error::NotAVault(start.to_path_buf()))?;
        let mut dir = Some(start.as_path());
        while let Some(d) = dir {
            if d.join(CONFIG_PATH).is_file() {
                return Ok(d.to_path_buf());
            }
            dir = d.parent();
        }
        Err(Error::NotAVault(start))
    }

    /// The first step of opening the vault at `root`: its repository and
    /// working-tree root, with a commit that was interrupted finished (or
    /// rolled back) by [`crate::repo::store::finish_interrupted`].
    ///
    /// With `lock` [`Locking::Wait`], the vault's write lock is taken
    /// first, waiting for another writer to finish ([`WriteLock::wait`]),
    /// and returned (as is one already [`Locking::Held`]): everything read
    /// after it stays true until it is dropped.
    pub(crate) fn repository(
        root: &Path,
        lock: Locking,
    ) -> Result<(git2::Repository, PathBuf, Option<WriteLock>)> {
        if !root.join(CONFIG_PATH).is_file() {
            return Err(Error::NotAVault(root.to_path_buf()));
        }
        let repo =
            git2::Repository::open(root).map_err(|_| Error::NotAVault(root.to_path_buf()))?;
        let root = repo
            .workdir()
            .ok_or_else(|| Error::NotAVault(root.to_path_buf()))?
            .to_path_buf();
        let held = match lock {
            Locking::None => None,
            Locking::Wait => Some(WriteLock::wait(&repo)?),
            Locking::Held(lock) => {
                lock.check_covers(&repo)?;
                Some(lock)
            }
        };
        crate::repo::store::finish_interrupted(&repo, held.as_ref())?;
        crate::repo::ref_journal::recover(&repo, held.as_ref())?;
        Ok((repo, root, held))
    }

    /// Reads the vault's trust state (config, keyring, groups) from `HEAD`,
    /// or from the working tree before the first commit; returns it with the
    /// key that signed `vault.yaml`.
    ///
    /// Crate-only: a [`Vault`] is handed out only by
    /// [`crate::trust::opening`] (`Vault::open` and friends), after the
    /// history up to `HEAD` verified; `history_problem` is why it did not,
    /// for a vault opened for audit.
    pub(crate) fn load(
        repo: git2::Repository,
        root: PathBuf,
        history_problem: Option<String>,
        held: Option<WriteLock>,
    ) -> Result<(Vault, Fingerprint)> {
        let pending_rekey = crate::repo::journal::tidy(&repo, held.as_ref())?;
        let head = repo.head().ok().and_then(|h| h.target());
        let (config, signer, keyring, groups) = match head {
            Some(head) => load_trust(&CommitTree::new(&repo, head)?)?,
            None => load_trust(&WorkTree::new(&root))?,
        };
        let vault = Vault {
            root,
            repo,
            config,
            keyring,
            groups,
            pending_rekey,
            history_problem,
            head: std::cell::Cell::new(head),
            held,
            case_dirs: CaseDirs::default(),
        };
        Ok((vault, signer))
    }

    /// Why the history up to `HEAD` does not verify (only ever set on a
    /// vault from [`Vault::open_for_audit`]).
    pub fn history_problem(&self) -> Option<&str> {
        self.history_problem.as_deref()
    }

    /// Resolves what a user typed for an access-list entry: `@group`, or a
    /// fingerprint (or unique prefix) of a key in the keyring.
    pub fn resolve_entry(&self, who: &str) -> Result<AccessEntry> {
        let who = who.trim();
        if who.starts_with('@') {
            who.parse()
        } else {
            Ok(AccessEntry::Key(self.keyring.resolve(who)?))
        }
    }

    /// An interrupted re-encryption left on the current commit: nothing of
    /// it was committed, and running the same command again resumes it.
    pub fn pending_rekey(&self) -> Option<&crate::repo::journal::Pending> {
        self.pending_rekey.as_ref()
    }

    /// The working tree's root.
    pub fn root(&self) -> &Path {
        &self.root
    }
    /// The git repository.
    pub fn repo(&self) -> &git2::Repository {
        &self.repo
    }
    /// `vault.yaml`.
    pub fn config(&self) -> &VaultConfig {
        &self.config
    }
    /// The keyring.
    pub fn keyring(&self) -> &Keyring {
        &self.keyring
    }
    /// Groups.
    pub fn groups(&self) -> &Groups {
        &self.groups
    }

    /// Records `changes` as one commit signed by `session` (see
    /// [`crate::repo::store`]), under `lock` (from [`Vault::lock`]). The
    /// caller has validated everything.
    pub fn commit(
        &self,
        lock: &WriteLock,
        session: &crate::keys::identity::Session,
        message: &crate::repo::store::CommitMessage,
        changes: &[crate::repo::store::Change],
    ) -> Result<git2::Oid> {
        let commit = crate::repo::store::Writer::new(lock, &self.repo, &self.root)?
            .commit(session, message, changes)?;
        self.head.set(Some(commit));
        Ok(commit)
    }

    /// Takes the vault's write lock (one writer at a time, across
    /// processes). A vault opened with [`Vault::open_for_change`] already
    /// holds it. Otherwise this waits for another writer to finish
    /// ([`WriteLock::wait`]); if that writer moved the branch, what this
    /// vault read is out of date and the change is refused with
    /// [`Error::Raced`] (nothing written: open it again and retry).
    pub fn lock(&self) -> Result<WriteLock> {
        if let Some(held) = &self.held {
            return held.share();
        }
        let lock = WriteLock::wait(&self.repo)?;
        let tip = crate::repo::store::head_branch(&self.repo)
            .ok()
            .and_then(|b| self.repo.refname_to_id(&b).ok());
        if tip != self.head.get() {
            return Err(Error::Raced);
        }
        Ok(lock)
    }

    /// Every case id present, sorted.
    pub fn case_ids(&self) -> Result<Vec<CaseId>> {
        let dir = self.root.join(crate::vault::layout::CASES_DIR);
        let mut ids = Vec::new();
        let listing = match std::fs::read_dir(&dir) {
            Ok(l) => l,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(ids),
            Err(e) => return Err(Error::io("list", &dir)(e)),
        };
        for item in listing {
            let item = item.map_err(Error::io("list", &dir))?;
            if let Ok(id) = item.file_name().to_string_lossy().parse::<CaseId>() {
                ids.push(id);
            }
        }
        ids.sort();
        Ok(ids)
    }

    /// Resolves what a user typed (an id or a unique prefix of one, any case).
    pub fn resolve_case(&self, query: &str) -> Result<CaseId> {
        let wanted = query.trim().to_uppercase();
        if wanted.is_empty() {
            return Err(Error::UnknownCase(query.to_string()));
        }
        // A whole id needs no listing of every case.
        if let Ok(id) = wanted.parse::<CaseId>() {
            if self.root.join(Vault::case_dir(&id)).is_dir() {
                return Ok(id);
            }
        }
        let ids = self.case_ids()?;
        let matches: Vec<&CaseId> = ids
            .iter()
            .filter(|id| id.as_str().starts_with(&wanted))
            .collect();
        match matches.as_slice() {
            [one] => Ok((*one).clone()),
            [] => Err(Error::UnknownCase(query.to_string())),
            _ => Err(Error::AmbiguousCase {
                query: query.to_string(),
                matches: matches.len(),
            }),
        }
    }

    /// Relative path of a case's directory.
    pub fn case_dir(id: &CaseId) -> String {
        crate::vault::layout::case_dir(id)
    }

    /// Reads a file of the working tree by relative path.
    pub fn read(&self, rel: &str) -> Result<Vec<u8>> {
        fsio::read_in_vault(&self.root, rel)
    }

    /// The access list of a case as committed at the verified `HEAD`,
    /// parsed (not yet checked for entitlement: see [`crate::trust::policy`]). An
    /// edit of the working tree's copy changes nothing here.
    pub fn access_list(&self, id: &CaseId) -> Result<AccessList> {
        let rel = crate::vault::layout::access_path(id);
        match self.read_committed(&rel)? {
            Some(bytes) => AccessList::parse(&bytes, id),
            None => Err(Error::UnknownCase(id.to_string())),
        }
    }

    /// Every file under directory `dir` as committed at `HEAD`, as paths
    /// relative to the vault root, sorted.
    pub fn committed_files_under(&self, dir: &str) -> Result<Vec<String>> {
        let Some(head) = self.repo.head().ok().and_then(|h| h.target()) else {
            return Ok(Vec::new());
        };
        let tree = self.repo.find_commit(head)?.tree()?;
        let sub = match tree.get_path(Path::new(dir)) {
            Ok(entry) if entry.kind() == Some(git2::ObjectType::Tree) => {
                self.repo.find_tree(entry.id())?
            }
            _ => return Ok(Vec::new()),
        };
        let mut out = Vec::new();
        sub.walk(git2::TreeWalkMode::PreOrder, |parent, entry| {
            if entry.kind() == Some(git2::ObjectType::Blob) {
                if let Ok(name) = entry.name() {
                    out.push(format!("{dir}/{parent}{name}"));
                }
            }
            git2::TreeWalkResult::Ok
        })?;
        out.sort();
        Ok(out)
    }

    /// The bytes of the file at `rel` as committed at `HEAD` (verified when
    /// the vault was opened, or committed by this process since); `None`
    /// when there is none. A case's files are found by a binary search of
    /// the `cases/` tree, so reading every case's list stays linear.
    pub fn read_committed(&self, rel: &str) -> Result<Option<Vec<u8>>> {
        let Some(head) = self.repo.head().ok().and_then(|h| h.target()) else {
            return Ok(None);
        };
        let tree = self.repo.find_commit(head)?.tree()?;
        self.case_dirs.read(&self.repo, &tree, rel)
    }

    /// Relative paths of every `.age` file of a case in the working tree.
    pub fn encrypted_files(&self, id: &CaseId) -> Result<Vec<String>> {
        let dir = self.root.join(Vault::case_dir(id));
        let mut out = Vec::new();
        for entry in walkdir::WalkDir::new(&dir).sort_by_file_name() {
            let entry = entry.map_err(|e| Error::io("list", &dir)(e.into()))?;
            if entry.file_type().is_file() && entry.file_name().to_string_lossy().ends_with(".age")
            {
                if let Ok(rel) = entry.path().strip_prefix(&self.root) {
                    out.push(rel.to_string_lossy().replace('\\', "/"));
                }
            }
        }
        Ok(out)
    }

    /// The names of a case's note files, oldest first.
    pub fn note_files(&self, id: &CaseId) -> Result<Vec<String>> {
        let dir = self.root.join(crate::vault::layout::notes_dir(id));
        let mut names = Vec::new();
        if let Ok(listing) = std::fs::read_dir(&dir) {
            for item in listing {
                let item = item.map_err(Error::io("list", &dir))?;
                let name = item.file_name().to_string_lossy().into_owned();
                if name.ends_with(".md.age") {
                    names.push(name);
                }
            }
        }
        names.sort();
        Ok(names)
    }
}

/// Config (with its signer), keyring and groups of one vault state.
pub(crate) fn load_trust(files: &dyn Files) -> Result<(VaultConfig, Fingerprint, Keyring, Groups)> {
    let (config, signer) = load_config_from(files)?;
    let keyring = Keyring::load_from(files, &config.roots, &config.administrators)?;
    let groups = Groups::load_from(files, &keyring)?;
    Ok((config, signer, keyring, groups))
}

/// Reads `vault.yaml` from any vault state and checks it is signed by one of
/// the roots it names; returns it with the signer.
pub fn load_config_from(files: &dyn Files) -> Result<(VaultConfig, Fingerprint)> {
    let parse = |bytes: &[u8]| -> Result<VaultConfig> {
        let config: VaultConfig = yaml::parse_bytes(bytes, CONFIG_PATH)?;
        if !(1..=VAULT_VERSION).contains(&config.dossier_vault) {
            return Err(Error::UnsupportedVersion {
                what: CONFIG_PATH.into(),
                found: config.dossier_vault,
                supported: VAULT_VERSION,
            });
        }
        Ok(config)
    };
    let signed = Signed::read(|p| files.read(p), CONFIG_PATH, CONFIG_PATH, parse)?
        .ok_or_else(|| Error::BadSignature {
            what: CONFIG_PATH.into(),
            reason: "vault.yaml is missing".into(),
        })?
        .signed_by(
            |config, signer| config.roots.contains(signer),
            CONFIG_PATH,
            "who is not one of its roots",
        )?;
    Ok((signed.doc, signed.signer))
}
