//! Re-encrypting many cases as one journaled, resumable change (DESIGN §6):
//! revocation, rotation and group changes all come through here.
//!
//! One process, one unlock, one commit:
//! 1. *prepare*: each case's committed files (read from HEAD, not the
//!    working tree) are decrypted and re-encrypted to its new recipients on
//!    all cores; the new ciphertexts go into git's object database and a
//!    line per case is appended to the journal `.git/dossier-rekey`
//!    (fsynced every chunk);
//! 2. *commit*: the new blobs plus the caller's other changes (revocation,
//!    access lists, groups) become one signed commit through [`crate::repo::store`],
//!    with its own journal for the working-tree update;
//! 3. the rekey journal is removed.
//!
//! A process killed during 1 leaves the vault exactly as it was (the new
//! blobs are unreferenced): that is the roll-back. The journal stays, so
//! running the same command again on the same commit reuses every case it
//! already prepared (the journal's per-case digest covers the source blobs
//! and the recipients, so nothing stale is reused). A journal whose base is
//! no longer HEAD — the change landed, or another one did — is discarded
//! when the vault is next opened. Killed during 2, [`crate::repo::store`]
//! finishes or rolls back.
//!
//! A file that cannot be decrypted never blocks the change (DESIGN §4): it
//! is left exactly as committed (so still encrypted to whoever could read it
//! before), every other file of its case is re-encrypted, and the file is
//! named in the [`Outcome`] as an [`UnreadableFile`] for `dossier case
//! repair`.

use std::path::Path;

use rayon::prelude::*;
use sha2::{Digest, Sha256};

use crate::case::CaseId;
use crate::crypto::{self, DecryptionKeys};
use crate::error::{Error, Result};
use crate::keys::fingerprint::Fingerprint;
use crate::keys::identity::Session;
use crate::repo::journal::{self, PreparedCase};
use crate::repo::lock::WriteLock;
use crate::repo::snapshot::CommitTree;
use crate::repo::store::{Change, CommitMessage};
use crate::support::fault;
use crate::trust::policy::Readers;
use crate::vault::Vault;

/// Cases prepared between two journal syncs, progress reports and packs:
/// a sixteenth of the work, at least 64 and at most 4,096 cases, so a large
/// re-encryption writes about sixteen packs rather than one per 64 cases.
fn chunk_size(total: usize) -> usize {
    (total / 16).clamp(64, 4096)
}

/// A case's encrypted files: (path, blob id).
type Files = Vec<(String, git2::Oid)>;

/// A file a re-encryption could not decrypt. It was left exactly as it was,
/// so it is still encrypted to whoever could read it before the change
/// (possibly including a person whose access was just removed); the rest of
/// its case was re-encrypted and the change was made regardless.
/// `dossier case repair` removes it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct UnreadableFile {
    /// The case it belongs to.
    pub case: CaseId,
    /// Its path in the vault (`cases/<id>/notes/….md.age`).
    pub path: String,
}

/// The `dossier case repair ID` commands for `cases` (each once, in the
/// order given), as one comma-separated phrase for a message.
pub fn repair_commands<'a>(cases: impl IntoIterator<Item = &'a CaseId>) -> String {
    crate::error::repair_commands(cases)
}

/// One case to re-encrypt, and to whom.
#[derive(Debug, Clone)]
pub struct Target {
    /// The case.
    pub id: CaseId,
    /// Its recipients after the change.
    pub recipients: Readers,
}

/// What a many-case change will re-encrypt, and the cases it cannot (with
/// one sentence why), which are reported in its [`Outcome`].
#[derive(Debug, Clone, Default)]
pub struct Plan {
    /// Cases to re-encrypt.
    pub targets: Vec<Target>,
    /// Cases left out.
    pub skipped: Vec<(CaseId, String)>,
    /// The caller's other changes (a revocation, access lists, groups),
    /// committed with the re-encrypted files.
    pub extra: Vec<Change>,
}

impl Plan {
    /// Adds a case's target, or records why there is none.
    pub fn add(&mut self, id: CaseId, target: Result<Target>) {
        match target {
            Ok(t) => self.targets.push(t),
            Err(e) => self.skipped.push((id, e.to_string())),
        }
    }
}

/// How far a re-encryption has got.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    /// Cases prepared (including those reused from an interrupted run).
    pub done: usize,
    /// Cases to prepare.
    pub total: usize,
}

/// What a finished re-encryption did.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The commit.
    pub commit: git2::Oid,
    /// Cases re-encrypted.
    pub reencrypted: Vec<CaseId>,
    /// Cases prepared by an interrupted earlier run and reused.
    pub resumed: usize,
    /// Cases that could not be re-encrypted, with one sentence why; the
    /// rest of the change was committed regardless.
    pub skipped: Vec<(CaseId, String)>,
    /// Files of re-encrypted cases that could not be decrypted and were
    /// left as they were (see [`UnreadableFile`]), sorted by case and path.
    pub unreadable: Vec<UnreadableFile>,
}

impl Outcome {
    /// What the re-encryption left undone, as every face prints it after
    /// its headline: the cases not re-encrypted (with why), then the files
    /// that could not be decrypted ([`unreadable_report`]). Empty when there
    /// are none; otherwise one line each, every line ending in a newline.
    pub fn details(&self) -> String {
        let mut out = String::new();
        if !self.skipped.is_empty() {
            out.push_str(&format!(
                "  {} case(s) were not re-encrypted:\n",
                self.skipped.len()
            ));
            for (id, why) in &self.skipped {
                out.push_str(&format!("    {id}: {why}\n"));
            }
        }
        out.push_str(&unreadable_report(&self.unreadable));
        out
    }

    /// ` (N prepared by an interrupted run were reused)`, or nothing.
    pub(crate) fn resumed_note(&self) -> String {
        if self.resumed > 0 {
            format!(
                " ({} prepared by an interrupted run were reused)",
                self.resumed
            )
        } else {
            String::new()
        }
    }
}

/// The files a re-encryption left as they were, one line each, then what
/// that means and what to do (every line ending in a newline); empty when
/// there are none.
pub fn unreadable_report(files: &[UnreadableFile]) -> String {
    if files.is_empty() {
        return String::new();
    }
    let mut out = format!(
        "  {} file(s) could not be decrypted with your keys, so were not re-encrypted:\n",
        files.len()
    );
    for f in files {
        out.push_str(&format!(
            "    {}: could not be decrypted; left exactly as it was\n",
            f.path
        ));
    }
    out.push_str(&format!(
        "  They are still encrypted to whoever could read them before this change, including anyone it removed. Remove them with {}.\n",
        repair_commands(files.iter().map(|f| &f.case))
    ));
    out
}

/// The encrypted files of a case as committed at HEAD (`head`, one
/// [`CommitTree`] for the whole re-encryption: it reads the `cases/` tree
/// once and finds each case in it by binary search, where
/// `Tree::get_path` per case would read that tree again for each one):
/// (path, blob id).
fn committed_files(
    repo: &git2::Repository,
    head: &CommitTree<'_>,
    id: &CaseId,
) -> Result<Vec<(String, git2::Oid)>> {
    let dir = crate::vault::layout::case_dir(id);
    let Some(subtree) = head.subtree_id(&dir)? else {
        return Err(Error::UnknownCase(id.to_string()));
    };
    let sub = repo.find_tree(subtree)?;
    let mut out = Vec::new();
    sub.walk(git2::TreeWalkMode::PreOrder, |parent, e| {
        let name = e.name().unwrap_or("");
        if e.kind() == Some(git2::ObjectType::Blob) && name.ends_with(".age") {
            out.push((format!("{dir}/{parent}{name}"), e.id()));
        }
        git2::TreeWalkResult::Ok
    })?;
    out.sort();
    Ok(out)
}

fn digest(target: &Target, files: &[(String, git2::Oid)]) -> String {
    let mut h = Sha256::new();
    for (fp, r) in target.recipients.entries() {
        h.update(format!("r {fp} {r}\n"));
    }
    for (path, oid) in files {
        h.update(format!("f {path} {oid}\n"));
    }
    let out = h.finalize();
    out.iter().map(|b| format!("{b:02x}")).collect()
}

/// The target for re-encrypting `id` to its honoured access list resolved
/// against `keyring` and `groups` (the state a change is about to create),
/// provided `reader` can read it now.
pub fn target_for(
    vault: &Vault,
    id: &CaseId,
    reader: &Fingerprint,
    keyring: &crate::vault::keyring::Keyring,
    groups: &crate::vault::groups::Groups,
) -> Result<Target> {
    let list = crate::trust::policy::verified_access(vault, id)?.list;
    target_with(vault, &list, reader, keyring, groups, &list)
}

/// [`target_for`] when the same commit also changes the case's access
/// list from `current` to `next`: `reader` must be able to read it now,
/// and the recipients are `next`'s.
pub fn target_with(
    vault: &Vault,
    current: &crate::case::AccessList,
    reader: &Fingerprint,
    keyring: &crate::vault::keyring::Keyring,
    groups: &crate::vault::groups::Groups,
    next: &crate::case::AccessList,
) -> Result<Target> {
    if !crate::trust::policy::listed_readers(vault.groups(), current).contains(reader) {
        return Err(Error::CannotRekey {
            case: current.case.to_string(),
        });
    }
    Ok(Target {
        id: current.case.clone(),
        recipients: crate::trust::policy::resolve(keyring, groups, next)?,
    })
}

/// Re-encrypts the plan's targets and commits them with `extra` changes as
/// one signed commit; the plan's skipped cases join the outcome's. A file
/// that cannot be decrypted keeps its committed blob and is listed in
/// [`Outcome::unreadable`]; it does not skip its case or stop the commit. The caller holds `lock` and has checked that the change
/// is allowed. `param` is stored in the journal for the caller to find
/// again through [`Vault::pending_rekey`] if the run is interrupted.
pub fn reencrypt_and_commit(
    vault: &Vault,
    lock: &WriteLock,
    session: &Session,
    message: &CommitMessage,
    param: &str,
    plan: Plan,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<Outcome> {
    let repo = vault.repo();
    let Plan {
        targets,
        mut skipped,
        extra,
    } = plan;
    let keys = session.decryption_keys()?;
    let operation = message.subject();
    let base = repo
        .head()
        .ok()
        .and_then(|h| h.target())
        .ok_or_else(|| Error::Git("the vault has no commits".into()))?;
    let reusable = journal::resumable(repo, base, &operation, param);

    let mut prepared: Vec<(CaseId, PreparedCase)> = Vec::new();
    let mut todo: Vec<(&Target, Files, String)> = Vec::new();
    let mut reused: Vec<(CaseId, String)> = Vec::new();
    let head = CommitTree::new(repo, base)?;
    for t in &targets {
        let files = match committed_files(repo, &head, &t.id) {
            Ok(f) => f,
            Err(e) => {
                skipped.push((t.id.clone(), e.to_string()));
                continue;
            }
        };
        let d = digest(t, &files);
        match reusable.get(&t.id) {
            Some((old, case))
                if *old == d && case.written.iter().all(|(_, o)| repo.find_blob(*o).is_ok()) =>
            {
                reused.push((t.id.clone(), d));
                prepared.push((t.id.clone(), case.clone()));
            }
            _ => todo.push((t, files, d)),
        }
    }
    let resumed = reused.len();
    let entries: Vec<(&CaseId, &str, &PreparedCase)> = reused
        .iter()
        .zip(&prepared)
        .map(|((id, d), (_, case))| (id, d.as_str(), case))
        .collect();
    let header = journal::Header {
        base,
        operation: &operation,
        param,
        total: targets.len(),
    };
    let mut journal = journal::Writer::start(repo, &header, &entries)?;
    // Everything not left to do (reused, or unlistable) counts as done.
    let total = targets.len();
    let mut done = total - todo.len();
    progress(Progress { done, total });

    for chunk in todo.chunks(chunk_size(total)) {
        // Reading blobs needs the (non-Sync) repository: do it here, then
        // decrypt and encrypt on every core.
        let loaded: Vec<_> = chunk
            .iter()
            .map(|(t, files, d)| {
                let contents: Result<Vec<(String, Vec<u8>)>> = files
                    .iter()
                    .map(|(p, o)| Ok((p.clone(), repo.find_blob(*o)?.content().to_vec())))
                    .collect();
                (*t, d, contents)
            })
            .collect();
        let root = vault.root();
        let results: Vec<_> = loaded
            .into_par_iter()
            .map(|(t, d, contents)| {
                let out = contents.and_then(|c| reencrypt(root, keys, t, c));
                (t, d, out)
            })
            .collect();
        // The chunk's ciphertexts go into the object store as one pack
        // before the journal names them.
        let mut ready = Vec::new();
        let mut blobs = Vec::new();
        for (t, d, out) in results {
            match out {
                Ok((files, unreadable)) => {
                    let paths: Vec<String> = files.iter().map(|(p, _)| p.clone()).collect();
                    blobs.extend(files.into_iter().map(|(_, ct)| ct));
                    ready.push((t, d, paths, unreadable));
                }
                Err(e) => skipped.push((t.id.clone(), e.to_string())),
            }
        }
        let mut ids = crate::repo::packed::write_blobs(repo, &blobs)?.into_iter();
        let mut lines = Vec::new();
        for (t, d, paths, unreadable) in ready {
            let mut case = PreparedCase {
                written: Vec::with_capacity(paths.len()),
                unreadable,
            };
            for p in paths {
                let id = ids
                    .next()
                    .ok_or_else(|| Error::Git("the pack holds fewer blobs than written".into()))?;
                case.written.push((p, id));
            }
            lines.push((t.id.clone(), d.clone(), case.clone()));
            prepared.push((t.id.clone(), case));
        }
        journal.append(lines.iter().map(|(id, d, case)| (id, d.as_str(), case)))?;
        done += chunk.len();
        progress(Progress { done, total });
        fault::point("rekey-prepared", prepared.len());
    }
    drop(journal);

    let mut changes = extra;
    let mut unreadable = Vec::new();
    for (id, case) in &prepared {
        changes.extend(
            case.written
                .iter()
                .map(|(p, o)| Change::blob(p.clone(), *o)),
        );
        unreadable.extend(case.unreadable.iter().map(|p| UnreadableFile {
            case: id.clone(),
            path: p.clone(),
        }));
    }
    unreadable.sort();
    let commit = vault.commit(lock, session, message, &changes)?;
    fault::point("rekey-committed", 0);
    // Recorded: a journal that cannot be removed now is not a failure of
    // the change; its base is no longer HEAD, so the next open drops it.
    let _ = journal::remove(repo);
    skipped.sort();
    Ok(Outcome {
        commit,
        reencrypted: prepared.into_iter().map(|(id, _)| id).collect(),
        resumed,
        skipped,
        unreadable,
    })
}

/// New ciphertexts of the files of one case, and the paths of the files
/// that could not be decrypted (left out, so they stay as committed).
type Reencrypted = (Vec<(String, Vec<u8>)>, Vec<String>);

fn reencrypt(
    root: &Path,
    keys: &DecryptionKeys,
    target: &Target,
    files: Vec<(String, Vec<u8>)>,
) -> Result<Reencrypted> {
    if target.recipients.is_empty() {
        return Err(Error::NoRecipientLeft {
            case: target.id.to_string(),
        });
    }
    let mut written = Vec::with_capacity(files.len());
    let mut unreadable = Vec::new();
    for (p, ct) in files {
        match crypto::reencrypt(&ct, keys, &target.recipients, &root.join(&p))? {
            Some(new) => written.push((p, new)),
            None => unreadable.push(p),
        }
    }
    Ok((written, unreadable))
}
