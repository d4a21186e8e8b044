//! Who could read what, over the whole history (DESIGN §6, "who could read
//! this"): the revocation report asks it (and `log --who-could-read`, with sync, will).
//!
//! A case's readers at a commit are the entries of its `access.yaml` at
//! that commit, with groups expanded by the `groups.yaml` of the same
//! commit. The answer is what the lists *said*: each version of a case file
//! was encrypted to the readers of its list, so anyone named at any point
//! may hold a copy they can still open.
//!
//! Every commit reachable from HEAD is visited once. Only the access lists
//! a commit changed are evaluated, unless it changed the groups, when all of
//! its lists are; each distinct (list, groups) pair is evaluated once.

use std::collections::{BTreeSet, HashMap};
use std::path::Path;

use crate::case::{AccessEntry, AccessList, CaseId};
use crate::error::Result;
use crate::fingerprint::Fingerprint;
use crate::groups::{GroupsDoc, GROUPS_PATH};
use crate::yaml;

/// Readers named by one version of an access list under one version of the
/// groups (signatures are not checked: history is evidence, not policy).
fn readers(list: &AccessList, groups: Option<&GroupsDoc>) -> BTreeSet<Fingerprint> {
    let mut out = BTreeSet::new();
    for entry in list.entries() {
        match entry {
            AccessEntry::Key(fp) => {
                out.insert(fp);
            }
            AccessEntry::Group(g) => {
                if let Some(members) = groups.and_then(|d| d.groups.get(&g)) {
                    out.extend(members.iter().copied());
                }
            }
        }
    }
    out
}

fn blob_at(tree: &git2::Tree, path: &str) -> Option<git2::Oid> {
    tree.get_path(Path::new(path)).ok().map(|e| e.id())
}

/// The access list blobs in `tree`, restricted to the case directories
/// whose tree differs from `parent`'s (all of them when `parent` is `None`):
/// unchanged case directories are skipped by comparing ids, without
/// reading them.
fn lists(
    repo: &git2::Repository,
    tree: &git2::Tree,
    parent: Option<&git2::Tree>,
) -> Result<Vec<(CaseId, git2::Oid)>> {
    let Some(cases) = subtree(repo, tree)? else {
        return Ok(Vec::new());
    };
    let before = match parent {
        Some(p) => subtree(repo, p)?,
        None => None,
    };
    if before.as_ref().is_some_and(|b| b.id() == cases.id()) {
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    for dir in cases.iter() {
        let Ok(name) = dir.name() else { continue };
        let Ok(id) = name.parse::<CaseId>() else {
            continue;
        };
        if dir.kind() != Some(git2::ObjectType::Tree) {
            continue;
        }
        let unchanged = before
            .as_ref()
            .and_then(|b| b.get_name(name).map(|e| e.id()))
            == Some(dir.id());
        if unchanged {
            continue;
        }
        let sub = repo.find_tree(dir.id())?;
        let list = sub.get_name("access.yaml").map(|e| e.id());
        if let Some(blob) = list {
            out.push((id, blob));
        }
    }
    Ok(out)
}

fn subtree<'r>(repo: &'r git2::Repository, tree: &git2::Tree) -> Result<Option<git2::Tree<'r>>> {
    match tree.get_path(Path::new("cases")) {
        Ok(e) => Ok(Some(repo.find_tree(e.id())?)),
        Err(_) => Ok(None),
    }
}

/// Calls `visit(case, readers)` for every version of every access list in
/// history, once per distinct (list, groups) pair.
fn each_version(
    repo: &git2::Repository,
    mut visit: impl FnMut(&CaseId, &BTreeSet<Fingerprint>),
) -> Result<()> {
    let mut walk = repo.revwalk()?;
    if walk.push_head().is_err() {
        return Ok(());
    }
    let mut seen: BTreeSet<(git2::Oid, Option<git2::Oid>)> = BTreeSet::new();
    let mut groups_cache: HashMap<git2::Oid, Option<GroupsDoc>> = HashMap::new();
    for oid in walk {
        let commit = repo.find_commit(oid?)?;
        let tree = commit.tree()?;
        let groups_blob = blob_at(&tree, GROUPS_PATH);
        let parent_tree = commit.parent(0).ok().map(|p| p.tree()).transpose()?;
        // A change of groups can change the readers of every list.
        let unchanged_groups = parent_tree
            .as_ref()
            .filter(|pt| blob_at(pt, GROUPS_PATH) == groups_blob);
        let lists = lists(repo, &tree, unchanged_groups)?;
        let groups = match groups_blob {
            Some(g) => {
                if let std::collections::hash_map::Entry::Vacant(slot) = groups_cache.entry(g) {
                    let bytes = repo.find_blob(g)?.content().to_vec();
                    slot.insert(yaml::parse_bytes::<GroupsDoc>(&bytes, GROUPS_PATH).ok());
                }
                groups_cache.get(&g).and_then(|d| d.as_ref())
            }
            None => None,
        };
        for (case, blob) in lists {
            if !seen.insert((blob, groups_blob)) {
                continue;
            }
            if let Ok(list) = AccessList::parse(repo.find_blob(blob)?.content(), &case) {
                visit(&case, &readers(&list, groups));
            }
        }
    }
    Ok(())
}

/// The cases `who` was named a reader of (directly or through a group) at
/// any point of the history reachable from HEAD.
pub fn cases_ever_readable_by(
    repo: &git2::Repository,
    who: &Fingerprint,
) -> Result<BTreeSet<CaseId>> {
    let mut out = BTreeSet::new();
    each_version(repo, |case, readers| {
        if readers.contains(who) {
            out.insert(case.clone());
        }
    })?;
    Ok(out)
}
