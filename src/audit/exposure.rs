//! Who could read what, over the whole history (DESIGN §6, "who could read
//! this"): the revocation report and `log --who-could-read` ask it.
//!
//! A case's readers at a commit are the entries of its `access.yaml` at
//! that commit, with groups expanded by the `groups.yaml` of the same
//! commit. The answer is what the lists *said*: each version of a case file
//! was encrypted to the readers of its list, so anyone named at any point
//! may hold a copy they can still open. Signatures are evidence here, not
//! policy: [`readers_at`] reports whether the list version was validly
//! signed, but answers from it either way.
//!
//! [`cases_ever_readable_by`] visits every commit reachable from HEAD once.
//! Only the access lists a commit changed are evaluated, unless it changed
//! the groups, when all of its lists are; each distinct (list, groups) pair
//! is evaluated once.

use std::collections::{BTreeSet, HashMap};
use std::path::Path;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::case::{AccessEntry, AccessList, CaseId};
use crate::error::{Error, Result};
use crate::keys::fingerprint::Fingerprint;
use crate::repo::history;
use crate::repo::snapshot::id_at;
use crate::support::yaml;
use crate::vault::groups::{GroupsDoc, GROUPS_PATH};
use crate::vault::keyring::{Keyring, Role};
use crate::vault::layout::access_path;

/// The people named by one version of an access list under one version of
/// the groups, in list order (owners first), each once: `None` when named
/// directly, else the first group on the list that names them. Groups the
/// groups file does not define name nobody.
fn named(list: &AccessList, groups: Option<&GroupsDoc>) -> Vec<(Fingerprint, Option<String>)> {
    let mut out: Vec<(Fingerprint, Option<String>)> = Vec::new();
    let mut add = |fp: Fingerprint, via: Option<String>| {
        match out.iter_mut().find(|(f, _)| *f == fp) {
            // Named directly as well as through a group: directly wins.
            Some(slot) if via.is_none() => slot.1 = None,
            Some(_) => {}
            None => out.push((fp, via)),
        }
    };
    for entry in list.entries() {
        match entry {
            AccessEntry::Key(fp) => add(fp, None),
            AccessEntry::Group(g) => {
                for m in groups.and_then(|d| d.groups.get(&g)).into_iter().flatten() {
                    add(*m, Some(g.clone()));
                }
            }
        }
    }
    out
}

/// Readers named by one version of an access list under one version of the
/// groups (signatures are not checked: history is evidence, not policy).
fn readers(list: &AccessList, groups: Option<&GroupsDoc>) -> BTreeSet<Fingerprint> {
    named(list, groups).into_iter().map(|(fp, _)| fp).collect()
}

/// Whether a version of an access list was validly signed, judged with the
/// keyring given (normally the vault's current one).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ListSignature {
    /// Its signature verifies and the signer was entitled: an owner of the
    /// list as it stood before that version (its creator, for the first
    /// one), or an administrator not revoked at the time.
    Valid,
    /// Its signature verifies, but the signer was neither.
    SignerNotEntitled,
    /// No signature, or one that does not verify over that version.
    Invalid,
}

impl std::fmt::Display for ListSignature {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            ListSignature::Valid => "validly signed",
            ListSignature::SignerNotEntitled => {
                "signed by someone who was neither an owner nor an administrator"
            }
            ListSignature::Invalid => {
                "not validly signed (no signature, or one that does not verify)"
            }
        })
    }
}

/// Who could decrypt one case's version at one commit.
#[derive(Debug, Clone)]
pub struct Readers {
    /// The commit asked about.
    pub commit: git2::Oid,
    /// Its (signer-claimed) time.
    pub time: DateTime<Utc>,
    /// The case.
    pub case: CaseId,
    /// Everyone the case's access list named at that commit, groups
    /// expanded by that commit's `groups.yaml`, in list order (owners
    /// first), each once: with `None` when named directly, else the first
    /// `@group` on the list they came through.
    pub readers: Vec<(Fingerprint, Option<String>)>,
    /// Groups on the list that that commit's `groups.yaml` does not define
    /// (they named nobody).
    pub unknown_groups: Vec<String>,
    /// Whose signature over that version of `access.yaml` verifies
    /// (`None`: missing, or it does not verify).
    pub list_signer: Option<Fingerprint>,
    /// Whether `list_signer` was an owner of the list as it stood before
    /// that version (for the first version: an owner it names).
    pub signer_was_owner: bool,
}

impl Readers {
    /// Whether that version of the list was validly signed, with
    /// administrators judged by `keyring`: a key with an administrator or
    /// root role, certified, and not revoked before the commit's time.
    pub fn list_signature(&self, keyring: &Keyring) -> ListSignature {
        let Some(signer) = self.list_signer else {
            return ListSignature::Invalid;
        };
        let admin = keyring.get(&signer).is_some_and(|e| {
            e.role != Role::Staff
                && e.certified_by.is_some()
                && e.revocation
                    .as_ref()
                    .is_none_or(|r| r.revoked_at > self.time)
        });
        if self.signer_was_owner || admin {
            ListSignature::Valid
        } else {
            ListSignature::SignerNotEntitled
        }
    }
}

/// Resolves what a user typed for a commit (anything `git rev-parse`
/// accepts: a full or short id, `HEAD~3`, a branch) to a commit id.
pub fn resolve_commit(repo: &git2::Repository, spec: &str) -> Result<git2::Oid> {
    repo.revparse_single(spec.trim())
        .and_then(|o| o.peel_to_commit())
        .map(|c| c.id())
        .map_err(|_| Error::UnknownCommit(spec.to_string()))
}

/// The fingerprints that could decrypt `case`'s version at `commit`: its
/// `access.yaml` at that commit with groups expanded by that commit's
/// `groups.yaml`, and whether that list version was validly signed. A
/// commit where the case does not exist is [`Error::CaseNotAtCommit`].
pub fn readers_at(repo: &git2::Repository, case: &CaseId, commit: git2::Oid) -> Result<Readers> {
    let at = repo
        .find_commit(commit)
        .map_err(|_| Error::UnknownCommit(commit.to_string()))?;
    let tree = at.tree()?;
    let rel = access_path(case);
    let Some(list_blob) = id_at(&tree, &rel) else {
        return Err(Error::CaseNotAtCommit {
            case: case.to_string(),
            commit: commit.to_string(),
        });
    };
    let bytes = repo.find_blob(list_blob)?.content().to_vec();
    let list = AccessList::parse(&bytes, case)?;
    let groups = groups_in(repo, &tree)?;
    let unknown_groups = list
        .readers
        .iter()
        .filter_map(|e| match e {
            AccessEntry::Group(g) if !groups.as_ref().is_some_and(|d| d.groups.contains_key(g)) => {
                Some(g.clone())
            }
            _ => None,
        })
        .collect();
    let list_signer = id_at(&tree, &format!("{rel}.sig"))
        .and_then(|sig| repo.find_blob(sig).ok())
        .and_then(|sig| crate::keys::signed::signer_of(&bytes, sig.content()));
    let signer_was_owner = match list_signer {
        None => false,
        Some(signer) => {
            let before = history::earlier_version(repo, &at, &rel)?;
            crate::trust::policy::owner_entitled(case, before.as_deref(), &list, &signer)
        }
    };
    Ok(Readers {
        commit,
        time: DateTime::from_timestamp(at.time().seconds(), 0).unwrap_or_default(),
        case: case.clone(),
        readers: named(&list, groups.as_ref()),
        unknown_groups,
        list_signer,
        signer_was_owner,
    })
}

/// Everyone named by `case`'s access list in `tree` (groups expanded by the
/// same tree's groups file); `None` when the case has no list there.
pub(crate) fn readers_in_tree(
    repo: &git2::Repository,
    tree: &git2::Tree,
    case: &CaseId,
) -> Result<Option<BTreeSet<Fingerprint>>> {
    let Some(blob) = id_at(tree, &access_path(case)) else {
        return Ok(None);
    };
    let list = AccessList::parse(repo.find_blob(blob)?.content(), case)?;
    Ok(Some(readers(&list, groups_in(repo, tree)?.as_ref())))
}

/// The groups file of a tree, parsed; `None` when absent or malformed.
fn groups_in(repo: &git2::Repository, tree: &git2::Tree) -> Result<Option<GroupsDoc>> {
    Ok(match id_at(tree, GROUPS_PATH) {
        Some(g) => yaml::parse_bytes::<GroupsDoc>(repo.find_blob(g)?.content(), GROUPS_PATH).ok(),
        None => None,
    })
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
        let list = sub
            .get_name(crate::vault::layout::ACCESS_FILE)
            .map(|e| e.id());
        if let Some(blob) = list {
            out.push((id, blob));
        }
    }
    Ok(out)
}

fn subtree<'r>(repo: &'r git2::Repository, tree: &git2::Tree) -> Result<Option<git2::Tree<'r>>> {
    match tree.get_path(Path::new(crate::vault::layout::CASES_DIR)) {
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
        let groups_blob = id_at(&tree, GROUPS_PATH);
        let parent_tree = commit.parent(0).ok().map(|p| p.tree()).transpose()?;
        // A change of groups can change the readers of every list.
        let unchanged_groups = parent_tree
            .as_ref()
            .filter(|pt| id_at(pt, GROUPS_PATH) == groups_blob);
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

/// Each case's readers now, with how (`Some(group)` through a group) and
/// since when (see [`named_since`]).
pub type NamedSince = HashMap<CaseId, Vec<(Fingerprint, Option<String>, DateTime<Utc>)>>;

/// Since when each person named by each case's access list at HEAD has been
/// named without a break: `(case, person) → (since, via group)`, walking
/// the first-parent history oldest first. Someone taken off and granted
/// again counts from the new grant.
pub fn named_since(repo: &git2::Repository) -> Result<NamedSince> {
    let mut walk = repo.revwalk()?;
    if walk.push_head().is_err() {
        return Ok(HashMap::new());
    }
    walk.simplify_first_parent()?;
    walk.set_sorting(git2::Sort::TOPOLOGICAL | git2::Sort::REVERSE)?;
    let mut state = NamedSince::new();
    for oid in walk {
        let commit = repo.find_commit(oid?)?;
        let when = DateTime::from_timestamp(commit.time().seconds(), 0).unwrap_or_default();
        let tree = commit.tree()?;
        let groups_blob = id_at(&tree, GROUPS_PATH);
        let parent_tree = commit.parent(0).ok().map(|p| p.tree()).transpose()?;
        let unchanged_groups = parent_tree
            .as_ref()
            .filter(|pt| id_at(pt, GROUPS_PATH) == groups_blob);
        let groups = groups_in(repo, &tree)?;
        // Cases whose directory went away leave the state.
        if let Some(cases) = subtree(repo, &tree)? {
            state.retain(|case, _| cases.get_name(&case.to_string()).is_some());
        } else {
            state.clear();
        }
        for (case, blob) in lists(repo, &tree, unchanged_groups)? {
            let Ok(list) = AccessList::parse(repo.find_blob(blob)?.content(), &case) else {
                continue;
            };
            let before = state.remove(&case).unwrap_or_default();
            let now = named(&list, groups.as_ref())
                .into_iter()
                .map(|(fp, via)| {
                    let since = before
                        .iter()
                        .find(|(f, _, _)| *f == fp)
                        .map_or(when, |(_, _, t)| *t);
                    (fp, via, since)
                })
                .collect();
            state.insert(case, now);
        }
    }
    Ok(state)
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

#[cfg(test)]
mod tests {
    use super::*;

    fn fp(b: u8) -> Fingerprint {
        use base64::Engine;
        format!(
            "SHA256:{}",
            base64::engine::general_purpose::STANDARD_NO_PAD.encode([b; 32])
        )
        .parse()
        .unwrap()
    }

    #[test]
    fn each_reader_is_named_once_directly_before_through_a_group() {
        let case: CaseId = "7K2M9QX4AB".parse().unwrap();
        let mut list = AccessList::new(case, fp(1));
        list.grant(AccessEntry::Group("team".into()));
        list.grant(AccessEntry::Key(fp(3)));
        list.grant(AccessEntry::Group("gone".into()));
        let mut doc = GroupsDoc::default();
        doc.groups.insert("team".into(), vec![fp(1), fp(2), fp(3)]);
        assert_eq!(
            named(&list, Some(&doc)),
            vec![(fp(1), None), (fp(2), Some("team".into())), (fp(3), None)]
        );
        assert_eq!(named(&list, None), vec![(fp(1), None), (fp(3), None)]);
    }
}
