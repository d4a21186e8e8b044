//! A commit's tree built from its parent's by rewriting only the
//! directories on the changed paths.
//!
//! Filling an index from the whole parent tree and writing it back costs
//! time in the size of the vault for every commit (libgit2's tree cache
//! scans the children of `cases/` once per changed child). Here each
//! directory on a changed path is read once, edited with a `TreeBuilder`,
//! and written; every other directory keeps its id untouched.

use std::collections::BTreeMap;

use crate::error::Result;

/// What happens at one path.
#[derive(Debug, Clone, Copy)]
pub enum Edit {
    /// A regular file with this blob.
    Blob(git2::Oid),
    /// No file (a directory of that name is left alone).
    Delete,
}

/// The changed paths below one directory, by name.
#[derive(Debug, Default)]
struct Dir {
    files: BTreeMap<String, Edit>,
    dirs: BTreeMap<String, Dir>,
}

impl Dir {
    fn put(&mut self, path: &str, edit: Edit) {
        match path.split_once('/') {
            Some((dir, rest)) => self
                .dirs
                .entry(dir.to_string())
                .or_default()
                .put(rest, edit),
            None => {
                self.files.insert(path.to_string(), edit);
            }
        }
    }
}

const FILE_MODE: i32 = 0o100644;
const DIR_MODE: i32 = 0o040000;

/// The tree that is `base` (none: empty) with `edits` applied, later edits
/// of a path winning. Directories left empty disappear, as in git.
pub fn edit_tree<'p>(
    repo: &git2::Repository,
    base: Option<&git2::Tree<'_>>,
    edits: impl IntoIterator<Item = (&'p str, Edit)>,
) -> Result<git2::Oid> {
    let mut root = Dir::default();
    for (path, edit) in edits {
        root.put(path, edit);
    }
    match rewrite(repo, base, &root)? {
        Some(id) => Ok(id),
        None => Ok(repo.treebuilder(None)?.write()?),
    }
}

/// `base` with `changes` applied; `None` when the result is empty.
fn rewrite(
    repo: &git2::Repository,
    base: Option<&git2::Tree<'_>>,
    changes: &Dir,
) -> Result<Option<git2::Oid>> {
    let mut builder = repo.treebuilder(base)?;
    for (name, child) in &changes.dirs {
        let existing = match builder.get(name)? {
            Some(e) if e.kind() == Some(git2::ObjectType::Tree) => Some(repo.find_tree(e.id())?),
            _ => None,
        };
        match rewrite(repo, existing.as_ref(), child)? {
            Some(id) => {
                builder.insert(name, id, DIR_MODE)?;
            }
            None if existing.is_some() => builder.remove(name)?,
            None => {}
        }
    }
    for (name, edit) in &changes.files {
        match edit {
            Edit::Blob(id) => {
                builder.insert(name, *id, FILE_MODE)?;
            }
            Edit::Delete => {
                let is_file = builder
                    .get(name)?
                    .is_some_and(|e| e.kind() == Some(git2::ObjectType::Blob));
                if is_file {
                    builder.remove(name)?;
                }
            }
        }
    }
    if builder.is_empty() {
        return Ok(None);
    }
    Ok(Some(builder.write()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The tree an index would write for the same edits: the reference
    /// this module must agree with.
    fn by_index(
        repo: &git2::Repository,
        base: Option<&git2::Tree<'_>>,
        edits: &[(&str, Edit)],
    ) -> git2::Oid {
        let mut index = git2::Index::new().unwrap();
        if let Some(b) = base {
            index.read_tree(b).unwrap();
        }
        for (path, edit) in edits {
            match edit {
                Edit::Blob(id) => {
                    let size = repo.find_blob(*id).unwrap().size();
                    index
                        .add(&crate::repo::store::index_entry(path, *id, size))
                        .unwrap();
                }
                Edit::Delete => {
                    let _ = index.remove_path(std::path::Path::new(path));
                }
            }
        }
        index.write_tree_to(repo).unwrap()
    }

    #[test]
    fn editing_the_changed_directories_gives_the_tree_an_index_would() {
        let dir = tempfile::tempdir().unwrap();
        let repo = git2::Repository::init(dir.path()).unwrap();
        let a = repo.blob(b"a").unwrap();
        let b = repo.blob(b"b").unwrap();
        let first: Vec<(&str, Edit)> = vec![
            ("vault.yaml", Edit::Blob(a)),
            ("cases/AAAA/record.age", Edit::Blob(a)),
            ("cases/AAAA/notes/n1.age", Edit::Blob(b)),
            ("cases/BBBB/record.age", Edit::Blob(b)),
            ("keys/x.yaml", Edit::Blob(b)),
        ];
        let t1 = edit_tree(&repo, None, first.iter().copied()).unwrap();
        assert_eq!(t1, by_index(&repo, None, &first));
        let base = repo.find_tree(t1).unwrap();
        let second: Vec<(&str, Edit)> = vec![
            // a changed file, a new one, a later edit winning, a delete
            // emptying a directory, a delete of nothing, a delete naming a
            // directory (left alone, as an index leaves it)
            ("cases/AAAA/record.age", Edit::Blob(b)),
            ("cases/CCCC/record.age", Edit::Blob(a)),
            ("cases/CCCC/record.age", Edit::Blob(b)),
            ("cases/AAAA/notes/n1.age", Edit::Delete),
            ("cases/DDDD/record.age", Edit::Delete),
            ("keys", Edit::Delete),
        ];
        let t2 = edit_tree(&repo, Some(&base), second.iter().copied()).unwrap();
        assert_eq!(t2, by_index(&repo, Some(&base), &second));
        let tree = repo.find_tree(t2).unwrap();
        assert!(tree
            .get_path(std::path::Path::new("cases/AAAA/notes"))
            .is_err());
        // Untouched directories keep their ids.
        let id = |t: &git2::Tree, p: &str| t.get_path(std::path::Path::new(p)).unwrap().id();
        assert_eq!(id(&base, "cases/BBBB"), id(&tree, "cases/BBBB"));
        // Deleting everything leaves the empty tree.
        let all: Vec<(&str, Edit)> = vec![
            ("vault.yaml", Edit::Delete),
            ("cases/AAAA/record.age", Edit::Delete),
            ("cases/BBBB/record.age", Edit::Delete),
            ("cases/CCCC/record.age", Edit::Delete),
            ("keys/x.yaml", Edit::Delete),
        ];
        let empty = edit_tree(&repo, Some(&tree), all.iter().copied()).unwrap();
        assert_eq!(repo.find_tree(empty).unwrap().len(), 0);
    }
}
