//! A vault on disk: a git repository with `.dossier/` and `cases/`.
//!
//! [`Vault`] opens and creates vaults and reads their public state (config,
//! keyring, groups, access lists, case files). It never writes a file itself:
//! changes go through [`crate::store`] as one signed commit.
//!
//! The git commit is the source of truth; the working tree is its
//! materialisation. A change interrupted after its commit but before the
//! working tree was updated is finished when the vault is next opened.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::case::{AccessEntry, AccessList, CaseId};
use crate::error::{Error, Result};
use crate::fingerprint::Fingerprint;
use crate::fsio;
use crate::groups::Groups;
use crate::keyring::Keyring;
use crate::signature::{self, DOCUMENT_NAMESPACE};
use crate::snapshot::{Files, WorkTree};
use crate::yaml;

const VAULT_VERSION: u32 = 1;
/// Path of the vault config, relative to the vault root.
pub const CONFIG_PATH: &str = ".dossier/vault.yaml";
/// Path of the generated allowed-signers file.
pub const ALLOWED_SIGNERS_PATH: &str = ".dossier/allowed_signers";

/// `vault.yaml`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct VaultConfig {
    /// Format version.
    pub dossier_vault: u32,
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
}

impl VaultConfig {
    /// A new config with one root.
    pub fn new(name: &str, root: Fingerprint) -> VaultConfig {
        VaultConfig {
            dossier_vault: VAULT_VERSION,
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
    pending_rekey: Option<crate::rekey::Pending>,
}

impl std::fmt::Debug for Vault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Vault({})", self.root.display())
    }
}

impl Vault {
    /// Finds the vault containing `start` (itself or a parent directory).
    pub fn discover(start: &Path) -> Result<Vault> {
        let start = start
            .canonicalize()
            .map_err(|_| Error::NotAVault(start.to_path_buf()))?;
        let mut dir = Some(start.as_path());
        while let Some(d) = dir {
            if d.join(CONFIG_PATH).is_file() {
                return Vault::open(d);
            }
            dir = d.parent();
        }
        Err(Error::NotAVault(start))
    }

    /// Opens the vault rooted at `root`.
    pub fn open(root: &Path) -> Result<Vault> {
        if !root.join(CONFIG_PATH).is_file() {
            return Err(Error::NotAVault(root.to_path_buf()));
        }
        let repo =
            git2::Repository::open(root).map_err(|_| Error::NotAVault(root.to_path_buf()))?;
        let root = repo
            .workdir()
            .ok_or_else(|| Error::NotAVault(root.to_path_buf()))?
            .to_path_buf();
        crate::store::finish_interrupted(&repo)?;
        let pending_rekey = crate::rekey::tidy(&repo)?;
        let (config, signer) = load_config(&root)?;
        if let Some(file) = crate::pins::default_file() {
            let key = first_commit(&repo)?;
            crate::pins::check(&file, &key, &root, &config.name, &config.roots, signer)?;
        }
        let keyring = Keyring::load(&root, &config.roots, &config.administrators)?;
        let groups = Groups::load(&root, &keyring)?;
        Ok(Vault {
            root,
            repo,
            config,
            keyring,
            groups,
            pending_rekey,
        })
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
    pub fn pending_rekey(&self) -> Option<&crate::rekey::Pending> {
        self.pending_rekey.as_ref()
    }

    /// Re-reads config, keyring and groups after a change.
    pub fn reload(&mut self) -> Result<()> {
        let fresh = Vault::open(&self.root)?;
        *self = fresh;
        Ok(())
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

    /// Records `changes` as one commit signed by `session` (see [`crate::store`]).
    /// The caller holds [`Vault::lock`] and has validated everything.
    pub fn commit(
        &self,
        session: &crate::identity::Session,
        message: &crate::store::CommitMessage,
        changes: &[crate::store::Change],
    ) -> Result<git2::Oid> {
        crate::store::commit(&self.repo, &self.root, session, message, changes)
    }

    /// Takes the vault's write lock (one writer at a time, across processes).
    pub fn lock(&self) -> Result<std::fs::File> {
        fsio::lock_exclusive(&self.repo.path().join("dossier.lock"))
    }

    /// Every case id present, sorted.
    pub fn case_ids(&self) -> Result<Vec<CaseId>> {
        let dir = self.root.join("cases");
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
        let ids = self.case_ids()?;
        let matches: Vec<&CaseId> = ids
            .iter()
            .filter(|id| id.as_str().starts_with(&wanted))
            .collect();
        match matches.as_slice() {
            [one] => Ok((*one).clone()),
            [] => Err(Error::UnknownCase(query.to_string())),
            _ => Err(Error::Refused(format!(
                "`{query}` matches {} cases; give more of the id",
                matches.len()
            ))),
        }
    }

    /// Relative path of a case's directory.
    pub fn case_dir(id: &CaseId) -> String {
        format!("cases/{id}")
    }

    /// Reads a file of the working tree by relative path.
    pub fn read(&self, rel: &str) -> Result<Vec<u8>> {
        fsio::read(&self.root.join(rel))
    }

    /// The access list of a case, parsed (not yet checked for entitlement:
    /// see [`crate::policy`]).
    pub fn access_list(&self, id: &CaseId) -> Result<AccessList> {
        let rel = format!("cases/{id}/access.yaml");
        let path = self.root.join(&rel);
        if !path.exists() {
            return Err(Error::UnknownCase(id.to_string()));
        }
        AccessList::parse(&fsio::read(&path)?, id)
    }

    /// The names of a case's note files, oldest first.
    pub fn note_files(&self, id: &CaseId) -> Result<Vec<String>> {
        let dir = self.root.join(format!("cases/{id}/notes"));
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

fn load_config(root: &Path) -> Result<(VaultConfig, Fingerprint)> {
    load_config_from(&WorkTree::new(root))
}

/// Reads `vault.yaml` from any vault state and checks it is signed by one of
/// the roots it names; returns it with the signer.
pub fn load_config_from(files: &dyn Files) -> Result<(VaultConfig, Fingerprint)> {
    let bytes = files
        .read(CONFIG_PATH)?
        .ok_or_else(|| Error::BadSignature {
            what: CONFIG_PATH.into(),
            reason: "vault.yaml is missing".into(),
        })?;
    let config: VaultConfig = yaml::parse_bytes(&bytes, CONFIG_PATH)?;
    if config.dossier_vault != VAULT_VERSION {
        return Err(Error::Refused(format!(
            "{CONFIG_PATH} has format version {}; this dossier reads version {VAULT_VERSION}",
            config.dossier_vault
        )));
    }
    let sig = files
        .read(&format!("{CONFIG_PATH}.sig"))?
        .ok_or_else(|| Error::BadSignature {
            what: CONFIG_PATH.into(),
            reason: "vault.yaml.sig is missing".into(),
        })?;
    let v = signature::verify(&sig, DOCUMENT_NAMESPACE, &bytes).map_err(|reason| {
        Error::BadSignature {
            what: CONFIG_PATH.into(),
            reason,
        }
    })?;
    if !config.roots.contains(&v.signer) {
        return Err(Error::BadSignature {
            what: CONFIG_PATH.into(),
            reason: format!("it is signed by {}, who is not one of its roots", v.signer),
        });
    }
    Ok((config, v.signer))
}

/// The id of the vault's first commit: the same in every clone.
fn first_commit(repo: &git2::Repository) -> Result<String> {
    let mut commit = repo.head()?.peel_to_commit()?;
    while let Ok(parent) = commit.parent(0) {
        commit = parent;
    }
    Ok(commit.id().to_string())
}
