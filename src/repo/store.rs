//! The one module that changes a vault: a set of file changes becomes one
//! signed git commit, then the working tree is brought up to date.
//!
//! Order of work, and what a crash at each point leaves:
//! 1. blobs, tree and the signed commit object are written to the object
//!    database (a crash leaves unreferenced objects: the old state);
//! 2. a journal (`.git/dossier-pending`) names the new commit;
//! 3. the branch moves to it, compare-and-swap against the commit the change
//!    was built on (a concurrent writer makes this fail: nothing changes);
//! 4. changed files are written to the working tree atomically and the index
//!    updated; the journal is removed.
//!
//! A crash between 3 and 4 is finished by [`finish_interrupted`] the next
//! time the vault is opened; a crash before 3 leaves the old state.
//! Nothing here rewrites history.

use std::path::Path;

use chrono::Utc;

use crate::case::CaseId;
use crate::error::{Error, Result, Unchanged};
use crate::keys::fingerprint::Fingerprint;
use crate::keys::identity::Session;
use crate::keys::signature::{self, GIT_NAMESPACE};
use crate::repo::lock::WriteLock;
use crate::repo::notices::{self, Notice};
use crate::repo::ref_journal::remove_lock_made_since;
use crate::repo::tree_edit::{edit_tree, Edit};
use crate::support::fault;
use crate::support::fsio::{self, Mode};

const JOURNAL: &str = "dossier-pending";

/// One file to write or delete, by path relative to the vault root.
#[derive(Debug, Clone)]
pub struct Change {
    path: String,
    content: Content,
}

#[derive(Debug, Clone)]
enum Content {
    Bytes(Vec<u8>),
    /// A blob already in the object database (written by a journaled re-encryption).
    Blob(git2::Oid),
    Delete,
}

impl Change {
    /// Write `content` at `path`.
    pub fn write(path: impl Into<String>, content: impl Into<Vec<u8>>) -> Change {
        Change {
            path: path.into(),
            content: Content::Bytes(content.into()),
        }
    }

    /// Write the blob `id`, already in the repository's object database, at `path`.
    pub fn blob(path: impl Into<String>, id: git2::Oid) -> Change {
        Change {
            path: path.into(),
            content: Content::Blob(id),
        }
    }

    /// Delete `path`.
    pub fn delete(path: impl Into<String>) -> Change {
        Change {
            path: path.into(),
            content: Content::Delete,
        }
    }

    /// The path.
    pub fn path(&self) -> &str {
        &self.path
    }
}

/// What a commit records: an action on a case, a key, or the vault. The
/// message holds ids and fingerprints only, never names or content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommitMessage {
    /// The action, e.g. `edit`, `note`, `grant`, `certify`.
    pub action: String,
    /// The case acted on.
    pub case: Option<CaseId>,
    /// The key acted on (key operations).
    pub key: Option<Fingerprint>,
    /// Who acted.
    pub actor: Fingerprint,
}

impl CommitMessage {
    /// An action on a case.
    pub fn for_case(action: &str, case: &CaseId, actor: Fingerprint) -> CommitMessage {
        CommitMessage {
            action: action.into(),
            case: Some(case.clone()),
            key: None,
            actor,
        }
    }

    /// An action on a key.
    pub fn for_key(action: &str, key: Fingerprint, actor: Fingerprint) -> CommitMessage {
        CommitMessage {
            action: action.into(),
            case: None,
            key: Some(key),
            actor,
        }
    }

    /// An action on the vault itself.
    pub fn for_vault(action: &str, actor: Fingerprint) -> CommitMessage {
        CommitMessage {
            action: action.into(),
            case: None,
            key: None,
            actor,
        }
    }

    /// The first line: `<action> <target>`.
    pub fn subject(&self) -> String {
        let target = match (&self.case, &self.key) {
            (Some(c), _) => c.to_string(),
            (None, Some(k)) => k.to_string(),
            (None, None) => "vault".to_string(),
        };
        format!("{} {}", self.action, target)
    }

    /// `<action> <target>`, a blank line, then the trailers.
    pub fn render(&self) -> String {
        let mut out = format!("{}\n\nDossier-Action: {}\n", self.subject(), self.action);
        if let Some(c) = &self.case {
            out.push_str(&format!("Dossier-Case: {c}\n"));
        }
        if let Some(k) = &self.key {
            out.push_str(&format!("Dossier-Key: {k}\n"));
        }
        out.push_str(&format!("Dossier-Actor: {}\n", self.actor));
        out
    }

    /// Reads the trailers back from a commit message; `None` when it is not
    /// a dossier message.
    pub fn parse(message: &str) -> Option<CommitMessage> {
        let trailer = |name: &str| {
            message
                .lines()
                .find_map(|l| l.strip_prefix(name).map(|v| v.trim().to_string()))
        };
        Some(CommitMessage {
            action: trailer("Dossier-Action:")?,
            case: trailer("Dossier-Case:").and_then(|c| c.parse().ok()),
            key: trailer("Dossier-Key:").and_then(|k| k.parse().ok()),
            actor: trailer("Dossier-Actor:")?.parse().ok()?,
        })
    }
}

/// The one way to move a vault's branch: its repository and working tree,
/// under the vault's [`WriteLock`]. Nothing commits without one.
#[derive(Clone, Copy)]
pub struct Writer<'a> {
    repo: &'a git2::Repository,
    root: &'a Path,
    lock: &'a WriteLock,
}

impl<'a> Writer<'a> {
    /// A writer for the repository `repo` with working tree `root`, whose
    /// write lock is `lock`.
    pub fn new(lock: &'a WriteLock, repo: &'a git2::Repository, root: &'a Path) -> Result<Self> {
        lock.check_covers(repo)?;
        Ok(Writer { repo, root, lock })
    }

    /// Records `changes` as one commit signed by `session`'s key and
    /// updates the working tree. The caller has validated everything.
    pub fn commit(
        &self,
        session: &Session,
        message: &CommitMessage,
        changes: &[Change],
    ) -> Result<git2::Oid> {
        self.write(session, message, changes, &[], &|_| Ok(()))
    }

    /// Records a merge: `changes` turn the current branch's tree into the
    /// merged tree, and `other` becomes the commit's second parent. `check`
    /// is given the signed merge commit before the branch moves; if it
    /// refuses, nothing moves and its error is returned (the commit object
    /// stays unreferenced).
    pub fn commit_merge(
        &self,
        session: &Session,
        message: &CommitMessage,
        changes: &[Change],
        other: git2::Oid,
        check: &dyn Fn(git2::Oid) -> Result<()>,
    ) -> Result<git2::Oid> {
        self.write(session, message, changes, &[other], check)
    }

    /// Moves the current branch from `from` to its descendant `to` (a
    /// verified fast-forward) and brings the working tree along, with the
    /// same journal and compare-and-swap as a commit.
    pub fn fast_forward(&self, from: git2::Oid, to: git2::Oid) -> Result<()> {
        finish_interrupted(self.repo, Some(self.lock))?;
        fast_forward(self.repo, self.root, from, to)
    }

    /// The one commit writer: the new tree from the branch tip plus
    /// `changes`, a signed commit on the tip and `extra_parents`, `check` on
    /// it, then the journaled compare-and-swap of the branch and the
    /// working tree.
    fn write(
        &self,
        session: &Session,
        message: &CommitMessage,
        changes: &[Change],
        extra_parents: &[git2::Oid],
        check: &dyn Fn(git2::Oid) -> Result<()>,
    ) -> Result<git2::Oid> {
        let (repo, root) = (self.repo, self.root);
        // An earlier change of this process whose working tree is
        // unfinished is finished first: its journal is about to be reused.
        finish_interrupted(repo, Some(self.lock))?;
        let branch = head_branch(repo)?;
        let parent = match repo.find_reference(&branch) {
            Ok(r) => Some(r.peel_to_commit()?),
            Err(e) if e.code() == git2::ErrorCode::NotFound => None,
            Err(e) => return Err(e.into()),
        };

        // Everything is checked before the commit exists: a refusal here
        // leaves the old state.
        refuse_locked_index(repo)?;
        for change in changes {
            check_relative(&change.path)?;
            fsio::refuse_symlinks(root, &change.path)?;
        }
        // Only the directories on the changed paths are rewritten.
        let mut edits = Vec::with_capacity(changes.len());
        for change in changes {
            let edit = match &change.content {
                Content::Bytes(bytes) => Edit::Blob(repo.blob(bytes)?),
                Content::Blob(id) => Edit::Blob(*id),
                Content::Delete => Edit::Delete,
            };
            edits.push((change.path.as_str(), edit));
        }
        let base = parent.as_ref().map(|p| p.tree()).transpose()?;
        let tree_id = edit_tree(repo, base.as_ref(), edits)?;
        if extra_parents.is_empty() && parent.as_ref().is_some_and(|p| p.tree_id() == tree_id) {
            return Err(Unchanged::Commit.into());
        }
        let tree = repo.find_tree(tree_id)?;
        if let (Some(base), false) = (base.as_ref(), extra_parents.is_empty()) {
            // A merge takes in what arrived: it must not replace work
            // that only the working tree holds.
            refuse_overwriting_uncommitted(repo, root, base, &tree)?;
        }
        let others = extra_parents
            .iter()
            .map(|id| repo.find_commit(*id))
            .collect::<std::result::Result<Vec<_>, _>>()?;
        let parents: Vec<&git2::Commit> = parent.iter().chain(others.iter()).collect();
        let oid = signed_commit(repo, session, message, &tree, &parents)?;
        check(oid)?;

        write_journal(repo, oid, changes)?;
        fault::point("commit-before-ref", 0);
        let log = format!("dossier: {} ", message.action);
        move_branch(repo, &branch, parent.as_ref().map(|p| p.id()), oid, &log)?;
        fault::point("commit-after-ref", 0);
        // Recorded: from here on a failure is a warning, never an error.
        if let Some(latest) = parent.as_ref() {
            clock_check(latest);
        }
        finish_recorded(repo, root, oid, changes);
        Ok(oid)
    }
}

/// Writes the journal naming `commit`, with the directories the working
/// tree update will write temporary files into (`dir`: removed by
/// [`finish_interrupted`] if a kill leaves any) and those it deletes files
/// from (`gone`: left empty by a kill between a file's removal and its
/// directory's, they are removed too; an empty case directory would still
/// list the case).
fn write_journal(repo: &git2::Repository, commit: git2::Oid, changes: &[Change]) -> Result<()> {
    let mut text = format!("{commit}\n");
    for (tag, deleting) in [("dir", false), ("gone", true)] {
        let mut dirs: Vec<&str> = changes
            .iter()
            .filter(|c| matches!(c.content, Content::Delete) == deleting)
            .map(|c| c.path.rsplit_once('/').map_or("", |(dir, _)| dir))
            .collect();
        dirs.sort_unstable();
        dirs.dedup();
        for dir in dirs {
            text.push_str(&format!("{tag} {dir}\n"));
        }
    }
    fsio::write_atomic(&repo.path().join(JOURNAL), text.as_bytes(), Mode::Private)
}

/// Moves `branch` from `from` (`None`: it does not exist yet) to `to`.
/// When git reports a failure, the branch itself says what happened: it
/// names `to` (moved; only the reflog failed), still `from` (nothing was
/// recorded: the error says why), or another commit ([`Error::Raced`]).
/// Unless it moved, the journal is removed.
fn move_branch(
    repo: &git2::Repository,
    branch: &str,
    from: Option<git2::Oid>,
    to: git2::Oid,
    log: &str,
) -> Result<()> {
    let moved = match from {
        Some(from) => repo.reference_matching(branch, to, true, from, log),
        None => repo.reference(branch, to, false, log),
    };
    let Err(failure) = moved else {
        return Ok(());
    };
    let now = repo.refname_to_id(branch).ok();
    if now == Some(to) {
        return Ok(());
    }
    fsio::remove_if_exists(&repo.path().join(JOURNAL))?;
    if now == from {
        if failure.code() == git2::ErrorCode::Modified {
            return Err(Error::Raced);
        }
        if failure.code() == git2::ErrorCode::Locked {
            return Err(Error::Git(format!(
                "the branch {branch} is locked by another git command; nothing was recorded"
            )));
        }
        let cause: Error = failure.into();
        return Err(Error::Git(format!(
            "the branch could not be moved, so nothing was recorded: {}",
            cause.to_string().trim_start_matches("git: ")
        )));
    }
    Err(Error::Raced)
}

/// A commit's time more than this far ahead of this computer's clock is
/// reported ([`Notice::ClockBehind`]): colleagues' clocks differ by less.
const CLOCK_TOLERANCE_SECONDS: i64 = 5 * 60;

fn clock_check(latest: &git2::Commit) {
    let now = Utc::now();
    let then = latest.time().seconds();
    if then - now.timestamp() > CLOCK_TOLERANCE_SECONDS {
        if let Some(latest) = chrono::DateTime::from_timestamp(then, 0) {
            notices::push(Notice::ClockBehind { now, latest });
        }
    }
}

/// Brings the working tree and index to the recorded `commit` and removes
/// its journal. A failure is left as a [`Notice::Unfinished`] with the
/// journal kept: the change is recorded, and the next open finishes it.
fn finish_recorded(repo: &git2::Repository, root: &Path, commit: git2::Oid, changes: &[Change]) {
    let finished = materialise(repo, root, changes)
        .and_then(|()| fsio::remove_if_exists(&repo.path().join(JOURNAL)));
    if let Err(e) = finished {
        notices::push(Notice::Unfinished {
            commit,
            cause: e.to_string(),
        });
    }
}

fn fast_forward(
    repo: &git2::Repository,
    root: &Path,
    from: git2::Oid,
    to: git2::Oid,
) -> Result<()> {
    let branch = head_branch(repo)?;
    refuse_locked_index(repo)?;
    let (old, new) = (
        repo.find_commit(from)?.tree()?,
        repo.find_commit(to)?.tree()?,
    );
    refuse_overwriting_uncommitted(repo, root, &old, &new)?;
    let changes = tree_changes(repo, &old, &new)?;
    write_journal(repo, to, &changes)?;
    move_branch(repo, &branch, Some(from), to, "dossier: fast-forward")?;
    fault::point("fast-forward-after-ref", 0);
    finish_recorded(repo, root, to, &changes);
    Ok(())
}

/// Refuses, before anything is recorded, a change taken in from elsewhere
/// (a fast-forward or a merge) that would replace or delete work only the
/// working tree holds: each file that differs between `old` (the commit it
/// builds on) and `new` must be in the working tree exactly as in `old`
/// (absent where `old` has none). Only those files are read, so the check
/// costs what arrived, not the size of the vault; a hand edit elsewhere is
/// left alone, as git leaves it.
fn refuse_overwriting_uncommitted(
    repo: &git2::Repository,
    root: &Path,
    old: &git2::Tree,
    new: &git2::Tree,
) -> Result<()> {
    for delta in crate::repo::tree_diff::between(repo, old, new)? {
        let path = String::from_utf8_lossy(&delta.path).into_owned();
        let full = root.join(&path);
        let on_disk = match std::fs::symlink_metadata(&full) {
            Ok(meta) if meta.is_file() => {
                let bytes = std::fs::read(&full).map_err(Error::io("read", &full))?;
                Some(git2::Oid::hash_object(git2::ObjectType::Blob, &bytes)?)
            }
            Ok(_) => return Err(Error::UncommittedChanges(path)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(Error::io("read", &full)(e)),
        };
        if on_disk != delta.old.map(|(id, _)| id) {
            return Err(Error::UncommittedChanges(path));
        }
    }
    Ok(())
}

/// Refuses to start a change while git's index is locked: the working
/// tree could not be finished after the branch moved.
fn refuse_locked_index(repo: &git2::Repository) -> Result<()> {
    let lock = repo.path().join("index.lock");
    if lock.exists() {
        return Err(Error::IndexLocked(lock));
    }
    Ok(())
}

/// The changes that turn commit `from`'s tree into commit `to`'s.
pub fn changes_between(
    repo: &git2::Repository,
    from: git2::Oid,
    to: git2::Oid,
) -> Result<Vec<Change>> {
    let old = repo.find_commit(from)?.tree()?;
    let new = repo.find_commit(to)?.tree()?;
    tree_changes(repo, &old, &new)
}

/// The changes that turn tree `old` into tree `new`.
pub fn tree_changes(
    repo: &git2::Repository,
    old: &git2::Tree,
    new: &git2::Tree,
) -> Result<Vec<Change>> {
    let mut changes = Vec::new();
    for delta in crate::repo::tree_diff::between(repo, old, new)? {
        let Ok(path) = std::str::from_utf8(&delta.path) else {
            return Err(Error::Git("a path in the history is not UTF-8".into()));
        };
        changes.push(match delta.new {
            None => Change::delete(path),
            Some((id, _)) => Change::blob(path, id),
        });
    }
    Ok(changes)
}

/// Records an event that changes no file (a case view, DESIGN §6 "view
/// logging") as one signed commit whose tree is its parent's. Takes the
/// vault lock itself, without waiting: a busy vault is [`Error::Busy`], and
/// a concurrent change that moves the branch first is [`Error::Raced`]. The
/// working tree and index are untouched. Every other change goes through
/// [`Writer::commit`], which refuses a commit that changes nothing.
pub fn record_event(
    repo: &git2::Repository,
    session: &Session,
    message: &CommitMessage,
) -> Result<git2::Oid> {
    let _lock = WriteLock::take(repo)?;
    let branch = head_branch(repo)?;
    let parent = repo.find_reference(&branch)?.peel_to_commit()?;
    let tree = parent.tree()?;
    let oid = signed_commit(repo, session, message, &tree, &[&parent])?;
    let log = format!("dossier: {} ", message.action);
    repo.reference_matching(&branch, oid, true, parent.id(), &log)
        .map_err(|_| Error::Raced)?;
    Ok(oid)
}

/// Writes the commit object for `tree` on `parents`, authored by and signed
/// with `session`'s key (SSHSIG, namespace `git`, in a `gpgsig` header). No
/// reference moves.
fn signed_commit(
    repo: &git2::Repository,
    session: &Session,
    message: &CommitMessage,
    tree: &git2::Tree,
    parents: &[&git2::Commit],
) -> Result<git2::Oid> {
    let signing_key = session.signer()?;
    let fp = session.fingerprint();
    let who = git2::Signature::new(
        &fp.to_string(),
        &format!("{}@dossier.invalid", fp.file_id()),
        &git2::Time::new(Utc::now().timestamp(), 0),
    )?;
    let buffer = repo.commit_create_buffer(&who, &who, &message.render(), tree, parents)?;
    let content = std::str::from_utf8(&buffer)
        .map_err(|_| Error::Git("commit buffer is not UTF-8".into()))?;
    let armored = signature::sign(signing_key, GIT_NAMESPACE, content.as_bytes())?;
    Ok(repo.commit_signed(content, armored.trim_end(), Some("gpgsig"))?)
}

/// Finishes a change interrupted between moving the branch and updating the
/// working tree; drops the journal of one interrupted before. Temporary
/// files a kill left in the directories the journal names are removed.
/// `held` is this process's own lock on the vault, if it has one; without
/// it, a vault another writer holds is left to that writer.
pub fn finish_interrupted(repo: &git2::Repository, held: Option<&WriteLock>) -> Result<()> {
    let journal = repo.path().join(JOURNAL);
    if !journal.exists() {
        return Ok(());
    }
    let Some(_lock) = WriteLock::for_recovery(repo, held)? else {
        return Ok(());
    };
    let text = std::fs::read_to_string(&journal).unwrap_or_default();
    let mut lines = text.lines();
    let pending = lines
        .next()
        .and_then(|l| git2::Oid::from_str(l.trim()).ok());
    let dirs: Vec<&str> = lines.collect();
    let named = |tag: &'static str| {
        dirs.iter()
            .filter_map(move |l| l.strip_prefix(tag))
            .filter(|dir| dir.is_empty() || check_relative(dir).is_ok())
    };
    clear_locks_left_by_the_change(repo, &journal, pending)?;
    if let Some(root) = repo.workdir() {
        for dir in named("dir ") {
            remove_temporary_files(root, dir)?;
        }
    }
    let head = repo.head().ok().and_then(|h| h.target());
    if let (Some(pending), Some(head)) = (pending, head) {
        if pending == head {
            // The branch already names the change: make index and working
            // tree match it exactly, whatever part of them was written.
            refuse_locked_index(repo)?;
            let target = repo.find_object(head, Some(git2::ObjectType::Commit))?;
            repo.reset(&target, git2::ResetType::Hard, None)?;
            // git keeps no directories, so a reset leaves one the kill
            // emptied; an empty case directory would still list the case.
            if let Some(root) = repo.workdir() {
                for dir in named("gone ").filter(|dir| !dir.is_empty()) {
                    fsio::remove_empty_dirs(root, &root.join(dir));
                }
            }
        }
    }
    fsio::remove_if_exists(&journal)
}

/// Removes the lock files git leaves when a process is killed while it
/// moves the branch or writes the index, when they are this change's:
/// made after its journal (by the writer, which held the vault lock), and,
/// for the branch, holding nothing or the journal's commit. Anything else
/// is left alone and reported by the next change ([`Error::IndexLocked`],
/// or git's own "locked" error).
fn clear_locks_left_by_the_change(
    repo: &git2::Repository,
    journal: &Path,
    pending: Option<git2::Oid>,
) -> Result<()> {
    let branch = head_branch(repo)?;
    let ref_lock = repo.path().join(format!("{branch}.lock"));
    let held = std::fs::read_to_string(&ref_lock).unwrap_or_default();
    if held.trim().is_empty() || pending.is_some_and(|p| held.trim() == p.to_string()) {
        remove_lock_made_since(&ref_lock, journal)?;
    }
    remove_lock_made_since(&repo.path().join(format!("logs/{branch}.lock")), journal)?;
    remove_lock_made_since(&repo.path().join("index.lock"), journal)
}

/// Removes what an interrupted write left in `dir` (relative to `root`):
/// files named with [`fsio::TEMP_PREFIX`], never anything else.
fn remove_temporary_files(root: &Path, dir: &str) -> Result<()> {
    let full = root.join(dir);
    let Ok(listing) = std::fs::read_dir(&full) else {
        return Ok(()); // gone with its case, or never made
    };
    for entry in listing.flatten() {
        let is_temp = entry
            .file_name()
            .to_str()
            .is_some_and(|n| n.starts_with(fsio::TEMP_PREFIX));
        if is_temp && entry.file_type().is_ok_and(|t| t.is_file()) {
            fsio::remove_if_exists(&entry.path())?;
        }
    }
    Ok(())
}

/// Brings the working tree and index to the commit the journal names. The
/// files are synced together at the end, not one by one: until then the
/// journal stays, and a crash leaves it for [`finish_interrupted`].
fn materialise(repo: &git2::Repository, root: &Path, changes: &[Change]) -> Result<()> {
    let mut index = repo.index()?;
    let mut batch = fsio::Batch::new();
    for (written, change) in changes.iter().enumerate() {
        fault::point("materialise", written);
        fsio::refuse_symlinks(root, &change.path)?;
        let full = root.join(&change.path);
        match &change.content {
            Content::Bytes(bytes) => {
                batch.write(&full, bytes, Mode::Shared)?;
                index.add_path(Path::new(&change.path))?;
            }
            Content::Blob(id) => {
                batch.write(&full, repo.find_blob(*id)?.content(), Mode::Shared)?;
                index.add_path(Path::new(&change.path))?;
            }
            Content::Delete => {
                fsio::remove_if_exists(&full)?;
                fault::point("deleted", written);
                let _ = index.remove_path(Path::new(&change.path));
                fsio::remove_empty_parents(root, &full);
            }
        }
    }
    batch.sync()?;
    index.write()?;
    Ok(())
}

/// The branch HEAD names (`refs/heads/main` for a vault without one yet).
pub fn head_branch(repo: &git2::Repository) -> Result<String> {
    let head = repo.find_reference("HEAD")?;
    Ok(head
        .symbolic_target()
        .ok()
        .flatten()
        .unwrap_or("refs/heads/main")
        .to_string())
}

fn check_relative(path: &str) -> Result<()> {
    let ok = !path.is_empty()
        && !path.starts_with('/')
        && path
            .split('/')
            .all(|c| !c.is_empty() && c != "." && c != ".." && c != ".git");
    if ok {
        Ok(())
    } else {
        Err(Error::OutsideVault(path.to_string()))
    }
}

/// A stage-0 index entry for a regular file (times and owner zeroed: only
/// the tree written from the index matters).
pub(crate) fn index_entry(path: &str, id: git2::Oid, len: usize) -> git2::IndexEntry {
    git2::IndexEntry {
        ctime: git2::IndexTime::new(0, 0),
        mtime: git2::IndexTime::new(0, 0),
        dev: 0,
        ino: 0,
        mode: 0o100644,
        uid: 0,
        gid: 0,
        file_size: len as u32,
        id,
        flags: (path.len().min(0xfff)) as u16,
        flags_extended: 0,
        path: path.as_bytes().to_vec(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fp() -> Fingerprint {
        "SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU"
            .parse()
            .unwrap()
    }

    #[test]
    fn messages_carry_ids_and_trailers_only() {
        let case: CaseId = "7K2M9QX4AB".parse().unwrap();
        let msg = CommitMessage::for_case("note", &case, fp());
        let text = msg.render();
        assert_eq!(text.lines().next(), Some("note 7K2M9QX4AB"));
        assert!(text.contains(
            "\n\nDossier-Action: note\nDossier-Case: 7K2M9QX4AB\nDossier-Actor: SHA256:"
        ));
        assert_eq!(CommitMessage::parse(&text), Some(msg));
        let vault_msg = CommitMessage::for_vault("init", fp()).render();
        assert!(vault_msg.starts_with("init vault\n\n"));
        assert_eq!(CommitMessage::parse("a plain git commit\n"), None);
    }

    #[test]
    fn an_event_is_a_signed_commit_that_changes_no_file_and_waits_for_no_one() {
        let dir = tempfile::tempdir().unwrap();
        let (session, vault) = crate::samples::testkit::owner_and_vault(dir.path());
        let repo = vault.repo();
        let before = repo.head().unwrap().peel_to_commit().unwrap();
        let case: CaseId = "7K2M9QX4AB".parse().unwrap();
        let msg = CommitMessage::for_case("view", &case, session.fingerprint());
        let held = vault.lock().unwrap();
        assert!(matches!(
            record_event(repo, &session, &msg),
            Err(Error::Busy)
        ));
        drop(held);
        let oid = record_event(repo, &session, &msg).unwrap();
        vault.followed_by(oid);
        let event = repo.find_commit(oid).unwrap();
        assert_eq!(repo.head().unwrap().target(), Some(oid));
        assert_eq!(event.parent_id(0).unwrap(), before.id());
        assert_eq!(event.tree_id(), before.tree_id());
        assert_eq!(CommitMessage::parse(event.message().unwrap()), Some(msg));
        assert_eq!(
            crate::repo::history::signer(repo, oid),
            Some(session.fingerprint())
        );
        // Ordinary changes still refuse to change nothing.
        let lock = vault.lock().unwrap();
        assert!(matches!(
            vault.commit(
                &lock,
                &session,
                &CommitMessage::for_vault("edit", session.fingerprint()),
                &[]
            ),
            Err(Error::Unchanged(Unchanged::Commit))
        ));
    }

    #[test]
    fn paths_cannot_escape_the_vault() {
        assert!(check_relative("cases/X/case.yaml.age").is_ok());
        for bad in [
            "../x",
            "/etc/passwd",
            "cases/../../x",
            ".git/config",
            "a//b",
            "",
        ] {
            assert!(check_relative(bad).is_err(), "{bad}");
        }
    }
}
