//! A vault's files as of one state: the working tree, or the tree of a
//! commit. The trust loaders (config, keyring, groups) read through
//! [`Files`], so the same checks judge the working tree when a vault is
//! opened and every incoming commit before it is merged (DESIGN §6).

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::support::fsio;

/// The id of whatever is at `path` in `tree` (a blob or a subtree).
pub fn id_at(tree: &git2::Tree, path: &str) -> Option<git2::Oid> {
    tree.get_path(Path::new(path)).ok().map(|e| e.id())
}

/// The entry at `path` in `tree`: its id and kind. A path that is not
/// there is `None`; a tree on the way that cannot be read is an error.
fn entry_at(
    tree: &git2::Tree,
    path: &str,
) -> Result<Option<(git2::Oid, Option<git2::ObjectType>)>> {
    match tree.get_path(Path::new(path)) {
        Ok(e) => Ok(Some((e.id(), e.kind()))),
        Err(e) if e.code() == git2::ErrorCode::NotFound && e.class() == git2::ErrorClass::Tree => {
            Ok(None)
        }
        Err(e) => Err(Error::from(e)),
    }
}

/// The case directories of a `cases/` tree by name, kept from one lookup
/// to the next while that tree stays the same: reading a case's file
/// committed at `HEAD` is then a hash probe and the case's own small tree,
/// not a read of the whole `cases/` tree (which libgit2 re-reads for every
/// lookup unless told to keep trees over 4 KB: O(N) per file, O(N²) per
/// operation over every case). Not `Sync`, like the repository it serves.
///
/// The map is made on the second lookup in the same tree: a command that
/// reads one file pays only libgit2's own lookup, as before.
#[derive(Debug, Default)]
pub struct CaseDirs {
    memo: std::cell::RefCell<Memo>,
}

#[derive(Debug, Default)]
enum Memo {
    #[default]
    Empty,
    /// One lookup was made in this `cases/` tree.
    Seen(git2::Oid),
    /// The tree's case directories by name.
    Mapped(git2::Oid, std::collections::HashMap<String, git2::Oid>),
}

impl CaseDirs {
    /// The bytes of the file at `rel` in `root` (a commit's tree), as
    /// [`CommitTree`] reads them.
    pub fn read(
        &self,
        repo: &git2::Repository,
        root: &git2::Tree,
        rel: &str,
    ) -> Result<Option<Vec<u8>>> {
        let Some((case, rest)) = rel.strip_prefix("cases/").and_then(|r| r.split_once('/')) else {
            return CommitTree::from_tree(repo, root.clone()).read(rel);
        };
        let cases = match root.get_name("cases") {
            Some(e) if e.kind() == Some(git2::ObjectType::Tree) => e.id(),
            _ => return Ok(None),
        };
        let Some(dir) = self.case_dir(repo, cases, case)? else {
            return Ok(None);
        };
        let sub = repo.find_tree(dir)?;
        match entry_at(&sub, rest)? {
            Some((id, Some(git2::ObjectType::Blob))) => {
                Ok(Some(repo.find_blob(id)?.content().to_vec()))
            }
            _ => Ok(None),
        }
    }

    /// The id of case `name`'s directory in the `cases/` tree `cases`.
    fn case_dir(
        &self,
        repo: &git2::Repository,
        cases: git2::Oid,
        name: &str,
    ) -> Result<Option<git2::Oid>> {
        let mut memo = self.memo.borrow_mut();
        match &*memo {
            Memo::Mapped(id, dirs) if *id == cases => Ok(dirs.get(name).copied()),
            Memo::Seen(id) if *id == cases => {
                let tree = repo.find_tree(cases)?;
                let dirs: std::collections::HashMap<String, git2::Oid> = tree
                    .iter()
                    .filter(|e| e.kind() == Some(git2::ObjectType::Tree))
                    .filter_map(|e| Some((e.name().ok()?.to_string(), e.id())))
                    .collect();
                let found = dirs.get(name).copied();
                *memo = Memo::Mapped(cases, dirs);
                Ok(found)
            }
            _ => {
                *memo = Memo::Seen(cases);
                let tree = repo.find_tree(cases)?;
                Ok(tree
                    .get_name(name)
                    .filter(|e| e.kind() == Some(git2::ObjectType::Tree))
                    .map(|e| e.id()))
            }
        }
    }
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
///
/// Paths under `cases/<id>/` are found by a binary search of the `cases/`
/// tree, looked up once: `Tree::get_path` would walk from the root for
/// every lookup. (With [`crate::repo::configure_libgit2`] libgit2 also keeps
/// that tree parsed across lookups; by default it re-reads any tree over
/// 4 KB.)
pub struct CommitTree<'r> {
    repo: &'r git2::Repository,
    tree: git2::Tree<'r>,
    cases: std::cell::OnceCell<Option<git2::Tree<'r>>>,
}

impl<'r> CommitTree<'r> {
    /// The tree of commit `id`.
    pub fn new(repo: &'r git2::Repository, id: git2::Oid) -> Result<CommitTree<'r>> {
        let tree = repo.find_commit(id)?.tree()?;
        Ok(CommitTree::from_tree(repo, tree))
    }

    /// A tree already looked up.
    pub fn from_tree(repo: &'r git2::Repository, tree: git2::Tree<'r>) -> CommitTree<'r> {
        CommitTree {
            repo,
            tree,
            cases: std::cell::OnceCell::new(),
        }
    }

    /// The `cases/` tree, looked up on first use. An object that cannot
    /// be read is an error, never taken for an absent directory.
    fn cases_tree(&self) -> Result<Option<&git2::Tree<'r>>> {
        if let Some(cases) = self.cases.get() {
            return Ok(cases.as_ref());
        }
        let cases = match self.tree.get_name("cases") {
            Some(entry) if entry.kind() == Some(git2::ObjectType::Tree) => {
                Some(self.repo.find_tree(entry.id())?)
            }
            _ => None,
        };
        Ok(self.cases.get_or_init(|| cases).as_ref())
    }

    /// The id of the directory of case `name`, if it has one.
    fn case_dir(&self, name: &str) -> Result<Option<git2::Oid>> {
        let Some(cases) = self.cases_tree()? else {
            return Ok(None);
        };
        Ok(cases
            .get_name(name)
            .filter(|e| e.kind() == Some(git2::ObjectType::Tree))
            .map(|e| e.id()))
    }

    /// The entry at `rel`: its id and kind. A path that is not there is
    /// `None`; a tree on the way that cannot be read is an error.
    fn entry(&self, rel: &str) -> Result<Option<(git2::Oid, Option<git2::ObjectType>)>> {
        let found = entry_at;
        let Some(in_cases) = rel.strip_prefix("cases/") else {
            return found(&self.tree, rel);
        };
        match in_cases.split_once('/') {
            Some((case, rest)) => match self.case_dir(case)? {
                Some(sub) => found(&self.repo.find_tree(sub)?, rest),
                None => Ok(None),
            },
            None => match self.case_dir(in_cases)? {
                Some(id) => Ok(Some((id, Some(git2::ObjectType::Tree)))),
                None => found(&self.tree, rel),
            },
        }
    }

    /// The git tree itself.
    pub fn tree(&self) -> &git2::Tree<'r> {
        &self.tree
    }

    /// The id of the subtree at `dir` (`None` when absent): equal ids mean
    /// equal contents, so callers can skip work on unchanged directories.
    pub fn subtree_id(&self, dir: &str) -> Result<Option<git2::Oid>> {
        self.id_of(dir)
    }

    /// The id of whatever is at `rel` (a blob or a subtree), like [`id_at`]
    /// but through this tree's map of cases.
    pub fn id_of(&self, rel: &str) -> Result<Option<git2::Oid>> {
        Ok(self.entry(rel)?.map(|(id, _)| id))
    }

    /// The names of the directories directly in `dir`, sorted.
    pub fn list_dirs(&self, dir: &str) -> Result<Vec<String>> {
        self.names_in(dir, git2::ObjectType::Tree)
    }

    /// The names of the entries of `kind` directly in `dir`, sorted.
    fn names_in(&self, dir: &str, kind: git2::ObjectType) -> Result<Vec<String>> {
        let Some((id, Some(git2::ObjectType::Tree))) = self.entry(dir)? else {
            return Ok(Vec::new());
        };
        let sub = self.repo.find_tree(id)?;
        let mut names: Vec<String> = sub
            .iter()
            .filter(|e| e.kind() == Some(kind))
            .filter_map(|e| e.name().ok().map(str::to_string))
            .collect();
        names.sort();
        Ok(names)
    }

    /// The blob id of the file at `rel`, if any.
    pub fn blob_id(&self, rel: &str) -> Result<Option<git2::Oid>> {
        Ok(match self.entry(rel)? {
            Some((id, Some(git2::ObjectType::Blob))) => Some(id),
            _ => None,
        })
    }
}

impl Files for CommitTree<'_> {
    fn read(&self, rel: &str) -> Result<Option<Vec<u8>>> {
        match self.blob_id(rel)? {
            Some(id) => Ok(Some(self.repo.find_blob(id)?.content().to_vec())),
            None => Ok(None),
        }
    }

    fn list(&self, dir: &str) -> Result<Vec<String>> {
        self.names_in(dir, git2::ObjectType::Blob)
    }
}

#[cfg(test)]
mod tests {
    use crate::ops::cases;
    use crate::samples::testkit;

    #[test]
    fn committed_files_of_cases_are_found_after_the_cases_tree_changes() {
        let dir = tempfile::tempdir().unwrap();
        let (ada, vault) = testkit::owner_and_vault(dir.path());
        let new = |title: &str| {
            let case = cases::NewCase {
                title: title.into(),
                ..Default::default()
            };
            cases::create(&vault, &ada, case).unwrap()
        };
        let first = new("First");
        // Two reads in the same tree: the second makes the map.
        assert_eq!(vault.access_list(&first).unwrap().case, first);
        assert_eq!(vault.access_list(&first).unwrap().case, first);
        // A new commit changes the cases/ tree: the map must not answer
        // for it.
        let second = new("Second");
        assert_eq!(vault.access_list(&second).unwrap().case, second);
        assert_eq!(vault.access_list(&first).unwrap().case, first);
        let rel = crate::vault::layout::access_path(&second);
        assert!(vault.read_committed(&rel).unwrap().is_some());
        // Not there: absent, never another case's file.
        let unknown: crate::case::CaseId = "0000000000".parse().unwrap();
        assert!(vault.access_list(&unknown).is_err());
        let missing = format!("{}/nothing.yaml", crate::vault::layout::case_dir(&first));
        assert_eq!(vault.read_committed(&missing).unwrap(), None);
    }
}
