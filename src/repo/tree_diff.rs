//! The files that differ between two trees, found by descending only into
//! subtrees whose ids differ.
//!
//! libgit2's tree-to-tree diff reads every subtree of both sides, so a
//! commit that touches one case of 10,000 costs 10,000 object reads to
//! judge. Equal ids mean equal contents, so here an unchanged case
//! directory is never opened: the work is in the size of the change.

use crate::error::Result;

/// One entry that is not a directory (a file, a symbolic link, a
/// submodule link), as it is on each side: `(id, mode)`, `None` where the
/// side has no such entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delta {
    /// Its path from the root, as stored (not necessarily UTF-8).
    pub path: Vec<u8>,
    /// Before.
    pub old: Option<(git2::Oid, i32)>,
    /// After.
    pub new: Option<(git2::Oid, i32)>,
}

/// The entries whose id or mode differ between `old` and `new`, in path
/// order. A directory on one side and a file on the other gives the file's
/// delta and one for every file under the directory.
pub fn between(
    repo: &git2::Repository,
    old: &git2::Tree<'_>,
    new: &git2::Tree<'_>,
) -> Result<Vec<Delta>> {
    let mut out = Vec::new();
    walk(repo, &[], Some(old), Some(new), &mut out)?;
    Ok(out)
}

struct Entry {
    name: Vec<u8>,
    id: git2::Oid,
    mode: i32,
    is_tree: bool,
}

fn entries(tree: Option<&git2::Tree<'_>>) -> Vec<Entry> {
    let mut list: Vec<Entry> = tree
        .map(|t| {
            t.iter()
                .map(|e| Entry {
                    name: e.name_bytes().to_vec(),
                    id: e.id(),
                    mode: e.filemode(),
                    is_tree: e.kind() == Some(git2::ObjectType::Tree),
                })
                .collect()
        })
        .unwrap_or_default();
    list.sort_by(|a, b| a.name.cmp(&b.name));
    list
}

fn walk(
    repo: &git2::Repository,
    prefix: &[u8],
    old: Option<&git2::Tree<'_>>,
    new: Option<&git2::Tree<'_>>,
    out: &mut Vec<Delta>,
) -> Result<()> {
    let (a, b) = (entries(old), entries(new));
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        let order = match (a.get(i), b.get(j)) {
            (Some(x), Some(y)) => x.name.cmp(&y.name),
            (Some(_), None) => std::cmp::Ordering::Less,
            _ => std::cmp::Ordering::Greater,
        };
        let (x, y) = match order {
            std::cmp::Ordering::Less => {
                i += 1;
                (a.get(i - 1), None)
            }
            std::cmp::Ordering::Greater => {
                j += 1;
                (None, b.get(j - 1))
            }
            std::cmp::Ordering::Equal => {
                i += 1;
                j += 1;
                (a.get(i - 1), b.get(j - 1))
            }
        };
        if let (Some(x), Some(y)) = (x, y) {
            if x.id == y.id && x.mode == y.mode {
                continue;
            }
        }
        let name = x.or(y).map(|e| e.name.as_slice()).unwrap_or_default();
        let mut path = prefix.to_vec();
        path.extend_from_slice(name);
        let subtree = |e: Option<&Entry>| -> Result<Option<git2::Tree<'_>>> {
            match e {
                Some(e) if e.is_tree => Ok(Some(repo.find_tree(e.id)?)),
                _ => Ok(None),
            }
        };
        let (old_dir, new_dir) = (subtree(x)?, subtree(y)?);
        if old_dir.is_some() || new_dir.is_some() {
            let mut below = path.clone();
            below.push(b'/');
            walk(repo, &below, old_dir.as_ref(), new_dir.as_ref(), out)?;
        }
        let leaf = |e: Option<&Entry>| e.filter(|e| !e.is_tree).map(|e| (e.id, e.mode));
        let (old_leaf, new_leaf) = (leaf(x), leaf(y));
        if old_leaf.is_some() || new_leaf.is_some() {
            out.push(Delta {
                path,
                old: old_leaf,
                new: new_leaf,
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::repo::tree_edit::{edit_tree, Edit};

    /// What libgit2's own diff reports, as (path, old, new) with zero ids
    /// for a missing side: the reference this module must agree with.
    fn by_libgit2(repo: &git2::Repository, old: &git2::Tree, new: &git2::Tree) -> Vec<Delta> {
        let diff = repo.diff_tree_to_tree(Some(old), Some(new), None).unwrap();
        let side = |f: git2::DiffFile| (!f.id().is_zero()).then(|| (f.id(), i32::from(f.mode())));
        let mut out: Vec<Delta> = diff
            .deltas()
            .map(|d| Delta {
                path: d
                    .new_file()
                    .path_bytes()
                    .or(d.old_file().path_bytes())
                    .unwrap()
                    .to_vec(),
                old: side(d.old_file()),
                new: side(d.new_file()),
            })
            .collect();
        out.sort_by(|a, b| a.path.cmp(&b.path));
        out
    }

    #[test]
    fn only_differing_entries_are_reported_and_agree_with_libgit2() {
        let dir = tempfile::tempdir().unwrap();
        let repo = git2::Repository::init(dir.path()).unwrap();
        let (a, b) = (repo.blob(b"a").unwrap(), repo.blob(b"b").unwrap());
        let old = edit_tree(
            &repo,
            None,
            [
                ("vault.yaml", Edit::Blob(a)),
                ("cases/AAAA/record.age", Edit::Blob(a)),
                ("cases/BBBB/record.age", Edit::Blob(a)),
                ("cases/BBBB/notes/n.age", Edit::Blob(b)),
                ("keys", Edit::Blob(a)),
            ],
        )
        .unwrap();
        let old = repo.find_tree(old).unwrap();
        let new = edit_tree(
            &repo,
            Some(&old),
            [
                ("cases/AAAA/record.age", Edit::Blob(b)),
                ("cases/BBBB/notes/n.age", Edit::Delete),
                ("cases/CCCC/record.age", Edit::Blob(a)),
                // a file becomes a directory
                ("keys", Edit::Delete),
                ("keys/x.yaml", Edit::Blob(b)),
            ],
        )
        .unwrap();
        let new = repo.find_tree(new).unwrap();
        let mut ours = between(&repo, &old, &new).unwrap();
        ours.sort_by(|a, b| a.path.cmp(&b.path));
        assert_eq!(ours, by_libgit2(&repo, &old, &new));
        let paths: Vec<&[u8]> = ours.iter().map(|d| d.path.as_slice()).collect();
        assert_eq!(
            paths,
            [
                &b"cases/AAAA/record.age"[..],
                b"cases/BBBB/notes/n.age",
                b"cases/CCCC/record.age",
                b"keys",
                b"keys/x.yaml",
            ]
        );
        assert!(between(&repo, &new, &new).unwrap().is_empty());
    }

    #[test]
    fn a_mode_change_alone_is_a_change() {
        let dir = tempfile::tempdir().unwrap();
        let repo = git2::Repository::init(dir.path()).unwrap();
        let a = repo.blob(b"target").unwrap();
        let mut plain = repo.treebuilder(None).unwrap();
        plain.insert("f", a, 0o100644).unwrap();
        let plain = repo.find_tree(plain.write().unwrap()).unwrap();
        let mut link = repo.treebuilder(None).unwrap();
        link.insert("f", a, 0o120000).unwrap();
        let link = repo.find_tree(link.write().unwrap()).unwrap();
        let found = between(&repo, &plain, &link).unwrap();
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].new, Some((a, 0o120000)));
    }
}
