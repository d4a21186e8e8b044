//! Stock git on a vault: the `dossier` merge driver and diff textconv.
//!
//! [`crate::vault::git_config::install`] tells a clone's git to run these.
//!
//! [`run_merge_driver`] is the body of `dossier merge-driver`: git runs it in
//! the work tree with the three versions of a `case.yaml.age` in temporary
//! files. It decrypts them, merges field by field ([`crate::case::merge`]),
//! and encrypts the result to the recipients of the case *after* the merge.
//! Mid-merge the working tree still holds our side's files, so that access
//! list is computed here: ours (checked as usual by
//! [`policy::verified_access`]), theirs read from the commit being merged
//! (each of its versions on that side, back to one our history holds,
//! checked for signature and signer against our keyring and the version
//! before it), merged as sets ([`merge_access`]). The merged list
//! is not yet committed or signed as one document; `dossier verify` checks
//! the committed result afterwards.

use std::path::PathBuf;

use crate::case::{merge_access, AccessList, CaseId, FieldConflict};
use crate::error::{Error, Result};
use crate::keys::identity::Session;
use crate::keys::signed::Signed;
use crate::ops::cases;
use crate::repo::snapshot::{CommitTree, Files};
use crate::support::fsio::{self, Mode};
use crate::trust::policy;
use crate::vault::layout::{access_path, CaseFile, VaultPath};
use crate::vault::Vault;

/// What `dossier textconv` prints for a file the user cannot decrypt.
pub const PLACEHOLDER: &str = "[encrypted: you cannot read this file]";

/// The files git hands a merge driver (`%O %A %B %P`).
#[derive(Debug, Clone)]
pub struct DriverFiles {
    /// The common version (empty or missing when there is none).
    pub base: PathBuf,
    /// Our version; the merged result replaces it.
    pub ours: PathBuf,
    /// Their version.
    pub theirs: PathBuf,
    /// The path in the repository, `cases/<id>/case.yaml.age`.
    pub path: String,
}

/// What the merge driver did.
#[derive(Debug)]
pub enum DriverOutcome {
    /// The merged record was encrypted and written over the ours file.
    Merged,
    /// Fields changed differently on both sides; the ours file is untouched.
    Conflicts(Vec<FieldConflict>),
}

/// Merges the three versions of a case record named by `files` (see the
/// module documentation). `theirs` is the commit being merged in
/// ([`merging_commit`]); it is needed only to write a merged record, not to
/// report conflicts. The ours file is written only on success.
pub fn run_merge_driver(
    vault: &Vault,
    session: &Session,
    files: &DriverFiles,
    theirs: Option<git2::Oid>,
) -> Result<DriverOutcome> {
    let id = record_case(&files.path)?;
    let ours_access = policy::verified_access(vault, &id)?.list;
    let me = session.fingerprint();
    if !policy::listed_readers(vault.groups(), &ours_access).contains(&me) {
        return Err(Error::NotARecipient {
            case: id.to_string(),
            owners: owner_labels(vault, &ours_access),
        });
    }
    let base = match std::fs::read(&files.base) {
        Ok(b) if !b.is_empty() => Some(b),
        Ok(_) => None,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(Error::io("read", &files.base)(e)),
    };
    let ours = fsio::read(&files.ours)?;
    let theirs_ct = fsio::read(&files.theirs)?;
    let merge = cases::merge_record_files(
        session.decryption_keys()?,
        &id,
        base.as_deref(),
        &ours,
        &theirs_ct,
        &|_| None,
    )?;
    if !merge.conflicts.is_empty() {
        return Ok(DriverOutcome::Conflicts(merge.conflicts));
    }
    let theirs = theirs.ok_or_else(|| Error::MergeDriverNoCommit(files.path.to_string()))?;
    let access = merged_access(vault, &id, &ours_access, theirs)?;
    let recipients = policy::resolve(vault.keyring(), vault.groups(), &access)?;
    let ct = cases::encrypt_record_bytes(&merge.merged, &recipients)?;
    fsio::write_atomic(&files.ours, &ct, Mode::Shared)?;
    Ok(DriverOutcome::Merged)
}

/// The case a merge driver path names: `cases/<id>/case.yaml.age`.
pub fn record_case(path: &str) -> Result<CaseId> {
    match VaultPath::parse(path) {
        Some(VaultPath::Case {
            case,
            file: CaseFile::Record,
        }) => Ok(case),
        _ => Err(Error::MergeDriverNotARecord(path.to_string())),
    }
}

/// The commit `git merge` is merging in: the one `GITHEAD_<oid>` variable
/// git sets for the merge driver (`env`: the process environment), else
/// `MERGE_HEAD` when it names one commit. `None` for rebases, cherry-picks
/// and octopus merges, which do not say.
pub fn merging_commit(
    repo: &git2::Repository,
    env: impl IntoIterator<Item = (String, String)>,
) -> Option<git2::Oid> {
    let mut heads: Vec<git2::Oid> = Vec::new();
    for (name, _) in env {
        if let Some(oid) = name
            .strip_prefix("GITHEAD_")
            .and_then(|h| git2::Oid::from_str(h).ok())
        {
            if !heads.contains(&oid) {
                heads.push(oid);
            }
        }
    }
    if heads.is_empty() {
        let text = std::fs::read_to_string(repo.path().join("MERGE_HEAD")).unwrap_or_default();
        heads = text
            .lines()
            .filter_map(|l| git2::Oid::from_str(l.trim()).ok())
            .collect();
    }
    match heads.as_slice() {
        [one] if repo.find_commit(*one).is_ok() => Some(*one),
        _ => None,
    }
}

/// The access list of case `id` as the merge of HEAD with `theirs` will
/// have it: `ours` (already verified) merged as sets with the list in
/// `theirs`, every version of which on their side, back to one our history
/// already holds, must be validly signed by an administrator or an owner of
/// the version before it.
pub fn merged_access(
    vault: &Vault,
    id: &CaseId,
    ours: &AccessList,
    theirs: git2::Oid,
) -> Result<AccessList> {
    let repo = vault.repo();
    let head = repo.head()?.peel_to_commit()?;
    let theirs_commit = repo.find_commit(theirs)?;
    let base_list = match repo.merge_base(head.id(), theirs) {
        Ok(base) => list_at(repo, &repo.find_commit(base)?, id)?,
        Err(_) => None,
    };
    let Some(theirs_list) = list_at(repo, &theirs_commit, id)? else {
        return Ok(ours.clone());
    };
    if theirs_list != *ours && Some(&theirs_list) != base_list.as_ref() {
        check_incoming_list(vault, head.id(), &theirs_commit, id)?;
    }
    Ok(merge_access(base_list.as_ref(), ours, &theirs_list))
}

/// Checks the access list of case `id` arriving in `commit`, version by
/// version back along first parents until one that came through our own
/// history (an ancestor of `head`, checked when it arrived): each must pass
/// [`check_list_version`] against the version before it. Checking the tip
/// alone would trust whatever its previous version says, and that version
/// could have been made by anyone.
fn check_incoming_list(
    vault: &Vault,
    head: git2::Oid,
    commit: &git2::Commit,
    id: &CaseId,
) -> Result<()> {
    let repo = vault.repo();
    let rel = access_path(id);
    let mut at = commit.clone();
    loop {
        let (introduced, before) = crate::repo::history::introduced_and_before(&at, &rel)?;
        if introduced.id() == head || repo.graph_descendant_of(head, introduced.id())? {
            return Ok(());
        }
        check_list_version(vault, &at, id, before.as_ref())?;
        match before {
            Some(before) => at = before,
            None => return Ok(()),
        }
    }
}

/// Checks the version of the access list in `commit`: its signature
/// verifies, its signer holds a certified key of our keyring and is an
/// administrator or an owner of the list in `before` (the version before
/// it; `None`, a new case: an owner it names), as
/// [`policy::verified_access`] requires locally.
fn check_list_version(
    vault: &Vault,
    commit: &git2::Commit,
    id: &CaseId,
    before: Option<&git2::Commit>,
) -> Result<()> {
    let repo = vault.repo();
    let rel = access_path(id);
    let what = format!("the incoming access list of case {id}");
    let bad = |reason: String| Error::BadSignature {
        what: what.clone(),
        reason,
    };
    let files = CommitTree::from_tree(repo, commit.tree()?);
    let keyring = vault.keyring();
    let Signed {
        doc: list, signer, ..
    } = Signed::read(|p| files.read(p), &rel, &what, |b| AccessList::parse(b, id))?
        .ok_or_else(|| bad("it is missing".into()))
        .and_then(|signed| policy::signed_by_a_vault_key(signed, keyring, &what))?;
    if keyring.is_valid_admin(&signer) {
        return Ok(());
    }
    let old = match before {
        Some(before) => CommitTree::from_tree(repo, before.tree()?).read(&rel)?,
        None => None,
    };
    if policy::owner_entitled(id, old.as_deref(), &list, &signer) {
        Ok(())
    } else {
        Err(bad(format!(
            "it was changed by {}, who was neither an owner of the case nor an administrator",
            keyring.label(&signer)
        )))
    }
}

fn list_at(
    repo: &git2::Repository,
    commit: &git2::Commit,
    id: &CaseId,
) -> Result<Option<AccessList>> {
    CommitTree::from_tree(repo, commit.tree()?)
        .read(&access_path(id))?
        .map(|bytes| AccessList::parse(&bytes, id))
        .transpose()
}

fn owner_labels(vault: &Vault, list: &AccessList) -> String {
    list.owners
        .iter()
        .map(|o| vault.keyring().label(o))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_case_record_paths_are_merged() {
        assert!(record_case("cases/7K2M9QX4AB/case.yaml.age").is_ok());
        for bad in [
            "cases/7K2M9QX4AB/notes/x.md.age",
            "cases/../case.yaml.age",
            ".dossier/vault.yaml",
            "cases/7K2M9QX4AB/sub/case.yaml.age",
        ] {
            assert!(record_case(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_merging_commit_comes_from_githead_or_merge_head() {
        let dir = tempfile::tempdir().unwrap();
        let (session, vault) = crate::samples::testkit::owner_and_vault(dir.path());
        drop(session);
        let repo = vault.repo();
        let head = repo.head().unwrap().target().unwrap();
        let var = |oid: git2::Oid| (format!("GITHEAD_{oid}"), "other".to_string());
        assert_eq!(merging_commit(repo, [var(head)]), Some(head));
        assert_eq!(merging_commit(repo, Vec::new()), None);
        let missing = git2::Oid::from_str("1111111111111111111111111111111111111111").unwrap();
        assert_eq!(merging_commit(repo, [var(missing)]), None);
        assert_eq!(merging_commit(repo, [var(head), var(missing)]), None);
        std::fs::write(repo.path().join("MERGE_HEAD"), format!("{head}\n")).unwrap();
        assert_eq!(merging_commit(repo, Vec::new()), Some(head));
    }

    #[test]
    fn an_empty_base_is_no_common_version_and_ours_is_only_written_when_merged() {
        let dir = tempfile::tempdir().unwrap();
        let (session, vault) = crate::samples::testkit::owner_and_vault(dir.path());
        let id = cases::create(&vault, &session, cases::NewCase::default()).unwrap();
        let list = vault.access_list(&id).unwrap();
        let recipients = policy::recipients(&vault, &list).unwrap();
        let record = cases::read_record(&vault, &session, &id).unwrap();
        let write = |name: &str, title: &str| {
            let mut r = record.clone();
            r.title = title.into();
            let path = dir.path().join(name);
            std::fs::write(&path, cases::encrypt_record_bytes(&r, &recipients).unwrap()).unwrap();
            path
        };
        let base = dir.path().join("base");
        std::fs::write(&base, b"").unwrap();
        let files = DriverFiles {
            base,
            ours: write("ours", "Ours"),
            theirs: write("theirs", "Theirs"),
            path: cases::record_path(&id),
        };
        let before = std::fs::read(&files.ours).unwrap();
        match run_merge_driver(&vault, &session, &files, None).unwrap() {
            DriverOutcome::Conflicts(c) => {
                assert_eq!(c.len(), 1);
                assert_eq!(c[0].field, "title");
                assert_eq!(c[0].base, None);
            }
            DriverOutcome::Merged => panic!("titles differ without a base"),
        }
        assert_eq!(std::fs::read(&files.ours).unwrap(), before);

        // No conflict, but no commit to take the incoming access list from
        // (a rebase): refused, ours untouched.
        let same = DriverFiles {
            theirs: write("theirs2", "Ours"),
            ..files.clone()
        };
        let err = run_merge_driver(&vault, &session, &same, None).unwrap_err();
        assert!(
            err.to_string().contains("could not tell which commit"),
            "{err}"
        );
        assert_eq!(std::fs::read(&files.ours).unwrap(), before);

        // Merging with HEAD itself: the list is ours; the result is written.
        let head = vault.repo().head().unwrap().target().unwrap();
        let outcome = run_merge_driver(&vault, &session, &same, Some(head)).unwrap();
        assert!(matches!(outcome, DriverOutcome::Merged));
        let merged = std::fs::read(&files.ours).unwrap();
        assert_ne!(merged, before, "re-encrypted");
        assert_eq!(crate::crypto::x25519_stanza_count(&merged), Some(1));
    }
}
