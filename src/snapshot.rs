//! A vault's files as of one state: the working tree, or the tree of a
//! commit. The trust loaders (config, keyring, groups) read through
//! [`Files`], so the same checks judge the working tree when a vault is
//! opened and every incoming commit before it is merged (DESIGN §6).

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::fsio;

/// The id of whatever is at `path` in `tree` (a blob or a subtree).
pub fn id_at(tree: &git2::Tree, path: &str) -> Option<git2::Oid> {
    tree.get_path(Path::new(path)).ok().map(|e| e.id())
}

/// Read-only access to a vault's files by path relative to its root.
pub trait Files {
    /// The bytes of the file at `rel`; `Ok(None)` when there is none.
    fn read(&self, rel: &str) -> Result<Option<Vec<u8>>>;
    /// The names of the files (not directories) directly in `dir`, sorted.
    fn list(&self, dir: &str) -> Result<Vec<String>>;
}

/// The working tree of a vault.
#[derive(Debug, Clone)]
pub struct WorkTree {
    root: PathBuf,
}

impl WorkTree {
    /// The working tree rooted at `root`.
    pub fn new(root: &Path) -> WorkTree {
        WorkTree {
            root: root.to_path_buf(),
        }
    }
}

impl Files for WorkTree {
    fn read(&self, rel: &str) -> Result<Option<Vec<u8>>> {
        let path = self.root.join(rel);
        if std::fs::symlink_metadata(&path).is_err() {
            return Ok(None);
        }
        fsio::read_in_vault(&self.root, rel).map(Some)
    }

    fn list(&self, dir: &str) -> Result<Vec<String>> {
        let path = self.root.join(dir);
        let listing = match std::fs::read_dir(&path) {
            Ok(l) => l,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(Error::io("list", &path)(e)),
        };
        let mut names = Vec::new();
        for item in listing {
            let item = item.map_err(Error::io("list", &path))?;
            if item.file_type().is_ok_and(|t| t.is_file()) {
                names.push(item.file_name().to_string_lossy().into_owned());
            }
        }
        names.sort();
        Ok(names)
    }
}

/// The tree of one commit.
pub struct CommitTree<'r> {
    repo: &'r git2::Repository,
    tree: git2::Tree<'r>,
}

impl<'r> CommitTree<'r> {
    /// The tree of commit `id`.
    pub fn new(repo: &'r git2::Repository, id: git2::Oid) -> Result<CommitTree<'r>> {
        let tree = repo.find_commit(id)?.tree()?;
        Ok(CommitTree { repo, tree })
    }

    /// A tree already looked up.
    pub fn from_tree(repo: &'r git2::Repository, tree: git2::Tree<'r>) -> CommitTree<'r> {
        CommitTree { repo, tree }
    }

    /// The git tree itself.
    pub fn tree(&self) -> &git2::Tree<'r> {
        &self.tree
    }

    /// The id of the subtree at `dir` (`None` when absent): equal ids mean
    /// equal contents, so callers can skip work on unchanged directories.
    pub fn subtree_id(&self, dir: &str) -> Option<git2::Oid> {
        id_at(&self.tree, dir)
    }

    /// The names of the directories directly in `dir`, sorted.
    pub fn list_dirs(&self, dir: &str) -> Result<Vec<String>> {
        let Ok(entry) = self.tree.get_path(Path::new(dir)) else {
            return Ok(Vec::new());
        };
        let sub = self.repo.find_tree(entry.id())?;
        let mut names: Vec<String> = sub
            .iter()
            .filter(|e| e.kind() == Some(git2::ObjectType::Tree))
            .filter_map(|e| e.name().ok().map(str::to_string))
            .collect();
        names.sort();
        Ok(names)
    }

    /// The blob id of the file at `rel`, if any.
    pub fn blob_id(&self, rel: &str) -> Option<git2::Oid> {
        self.tree
            .get_path(Path::new(rel))
            .ok()
            .filter(|e| e.kind() == Some(git2::ObjectType::Blob))
            .map(|e| e.id())
    }
}

impl Files for CommitTree<'_> {
    fn read(&self, rel: &str) -> Result<Option<Vec<u8>>> {
        match self.blob_id(rel) {
            Some(id) => Ok(Some(self.repo.find_blob(id)?.content().to_vec())),
            None => Ok(None),
        }
    }

    fn list(&self, dir: &str) -> Result<Vec<String>> {
        let Ok(entry) = self.tree.get_path(Path::new(dir)) else {
            return Ok(Vec::new());
        };
        if entry.kind() != Some(git2::ObjectType::Tree) {
            return Ok(Vec::new());
        }
        let sub = self.repo.find_tree(entry.id())?;
        let mut names: Vec<String> = sub
            .iter()
            .filter(|e| e.kind() == Some(git2::ObjectType::Blob))
            .filter_map(|e| e.name().ok().map(str::to_string))
            .collect();
        names.sort();
        Ok(names)
    }
}
