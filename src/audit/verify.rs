//! `dossier verify`: a whole-vault check (like `git fsck`, for trust).
//!
//! Checked, each failure one line: the vault config's signature (on open),
//! every key card, certification, revocation and binding, the groups file,
//! every access list (signature and signer's entitlement); the generated
//! `allowed_signers` against the keyring; for every case, that each age
//! file carries exactly one recipient stanza per resolved recipient; that
//! every case the person can read decrypts, with their current key; that
//! every file of the last commit can be read from git's object store; that
//! the working tree matches the last commit; that no interrupted
//! re-encryption is pending; and that the conflict secret is sealed to the
//! active staff and to the verifier's current key. Nothing is changed.
//!
//! A file of a case the person can read that none of their keys decrypts
//! is one problem line, naming `dossier case repair` (re-encryption cannot
//! fix it, so its stanza count is not reported separately).

use std::path::Path;

use rayon::prelude::*;
use serde::Serialize;

use crate::case::CaseId;
use crate::crypto::{self, DecryptionKeys};
use crate::error::Result;
use crate::keys::fingerprint::Fingerprint;
use crate::keys::identity::Session;
use crate::trust::policy;
use crate::vault::{Vault, ALLOWED_SIGNERS_PATH};

/// One problem found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// What it concerns: a path, `case <id>`, or `vault`.
    pub subject: String,
    /// One sentence.
    pub problem: String,
}

/// What was checked, and what was wrong.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Report {
    /// Cases checked.
    pub cases: usize,
    /// Encrypted files whose stanzas were counted.
    pub files: usize,
    /// Files decrypted (the ones the person can read).
    pub decrypted: usize,
    /// Problems, one per line when printed.
    pub problems: Vec<Problem>,
}

fn problem(subject: impl Into<String>, text: impl Into<String>) -> Problem {
    Problem {
        subject: subject.into(),
        problem: text.into(),
    }
}

/// Checks the whole vault as `session`'s owner sees it.
pub fn verify(vault: &Vault, session: &Session) -> Result<Report> {
    check_all(vault, session).map_err(|e| vault.explain(e))
}

fn check_all(vault: &Vault, session: &Session) -> Result<Report> {
    let mut report = Report::default();
    if let Some(p) = vault.history_problem() {
        report.problems.push(problem("history", p));
    }
    let ring = vault.keyring();
    for p in ring.problems() {
        report.problems.push(problem("keyring", p.clone()));
    }
    if let Some(p) = vault.groups().problem() {
        report
            .problems
            .push(problem(crate::vault::groups::GROUPS_PATH, p));
    }
    let signers = vault.read(ALLOWED_SIGNERS_PATH).unwrap_or_default();
    if signers != ring.allowed_signers().as_bytes() {
        report.problems.push(problem(
            ALLOWED_SIGNERS_PATH,
            "does not match the keyring (stock `git log --show-signature` would disagree with dossier)",
        ));
    }
    if let Some(p) = vault.pending_rekey() {
        report.problems.push(problem(
            "vault",
            format!(
                "an interrupted re-encryption ({}) prepared {} of {} cases and was not committed; run the same command again",
                p.operation, p.done, p.total
            ),
        ));
    }
    object_store(vault, &mut report);
    let changed = working_tree(vault, &mut report)?;

    let me = session.fingerprint();
    let keys = session.decryption_keys()?;
    // My current key, as the vault knows it: what my files should open with.
    let current = ring.get(&me).and_then(|e| keys.only(e.age_recipient()));
    report
        .problems
        .extend(conflict_secret(vault, current.as_ref(), &me));
    let ids = vault.case_ids()?;
    report.cases = ids.len();
    let mut checks = Vec::new();
    for id in &ids {
        match case_plan(vault, id, &me) {
            Ok(plan) => checks.push(plan),
            Err(p) => report.problems.push(p),
        }
    }
    let root = vault.root();
    let per_case: Vec<CaseCheck> = checks
        .par_iter()
        .map(|plan| check_case(root, plan, keys, current.as_ref()))
        .collect();
    for check in per_case {
        report.files += check.files;
        report.decrypted += check.decrypted;
        // A file changed outside dossier has its one line, with the cure
        // (restore the committed copy), not advice to remove it.
        let about_this_copy = |p: &Problem| changed.contains(&p.subject);
        report
            .problems
            .extend(check.problems.into_iter().filter(|p| !about_this_copy(p)));
    }
    report.problems.sort_by(|a, b| a.subject.cmp(&b.subject));
    Ok(report)
}

/// The conflict secret must be sealed to exactly the active staff (a key
/// that expired since the last reseal shows as a different count), and to
/// the current key of the person verifying, when they are staff (a key
/// rotated since shows here).
fn conflict_secret(
    vault: &Vault,
    current: Option<&DecryptionKeys>,
    me: &Fingerprint,
) -> Vec<Problem> {
    let path = crate::vault::layout::CONFLICT_SECRET_PATH;
    let Some(sealed) = vault.read_committed(path).ok().flatten() else {
        return Vec::new();
    };
    let staff = policy::active_staff(vault.keyring());
    let reseal = "an administrator runs `dossier conflicts --reseal`";
    let mut out = Vec::new();
    if let Some(n) = crypto::x25519_stanza_count(&sealed).filter(|n| *n != staff.len()) {
        out.push(problem(
            path,
            format!(
                "is sealed to {n} key(s) but there are {} active member(s) of staff: {reseal}",
                staff.len()
            ),
        ));
    }
    let staff_member = staff.labels().any(|fp| fp == me);
    if let (true, Some(keys)) = (staff_member, current) {
        if crypto::decrypt(&sealed, keys, Path::new(path)).is_err() {
            out.push(problem(
                path,
                format!("is not sealed to your current key (rotated since): {reseal}"),
            ));
        }
    }
    out
}

struct CasePlan {
    id: CaseId,
    files: Vec<String>,
    recipients: usize,
    readable: bool,
}

fn case_plan(
    vault: &Vault,
    id: &CaseId,
    me: &Fingerprint,
) -> std::result::Result<CasePlan, Problem> {
    let subject = format!("case {id}");
    let verified =
        policy::verified_access(vault, id).map_err(|e| problem(&subject, e.to_string()))?;
    let recipients =
        policy::recipients(vault, &verified.list).map_err(|e| problem(&subject, e.to_string()))?;
    let files = vault
        .encrypted_files(id)
        .map_err(|e| problem(&subject, e.to_string()))?;
    let readable = recipients.labels().any(|fp| fp == me);
    Ok(CasePlan {
        id: id.clone(),
        files,
        recipients: recipients.len(),
        readable,
    })
}

/// Whether a file opens for the person checking.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Opens {
    WithCurrentKey,
    WithOlderKeyOnly,
    Not,
}

/// What checking one case found.
struct CaseCheck {
    files: usize,
    decrypted: usize,
    problems: Vec<Problem>,
    /// Some problem is one `dossier rekey` fixes.
    rekey: bool,
    /// Files no key of the person opens (in a case they can read).
    undecryptable: Vec<String>,
}

fn check_case(
    root: &Path,
    plan: &CasePlan,
    keys: &DecryptionKeys,
    current: Option<&DecryptionKeys>,
) -> CaseCheck {
    let mut check = CaseCheck {
        files: plan.files.len(),
        decrypted: 0,
        problems: Vec::new(),
        rekey: false,
        undecryptable: Vec::new(),
    };
    for rel in &plan.files {
        let path = root.join(rel);
        let Ok(bytes) = crate::support::fsio::read_in_vault(root, rel) else {
            check.problems.push(problem(rel, "cannot be read"));
            continue;
        };
        // In a case the person can read: does any of their keys open it?
        let opened =
            plan.readable.then(
                || match crypto::decrypt(&bytes, current.unwrap_or(keys), &path) {
                    Ok(_) => Opens::WithCurrentKey,
                    Err(_) if current.is_some() && crypto::decrypt(&bytes, keys, &path).is_ok() => {
                        Opens::WithOlderKeyOnly
                    }
                    Err(_) => Opens::Not,
                },
            );
        if opened == Some(Opens::Not) {
            check.undecryptable.push(rel.clone());
            check.problems.push(problem(
                rel,
                format!(
                    "cannot be decrypted with your keys (damaged, altered, or encrypted to someone else), so re-encryption leaves it as it is; an owner of the case can remove it with `dossier case repair {}`",
                    plan.id
                ),
            ));
            continue;
        }
        match crypto::x25519_stanza_count(&bytes) {
            Some(n) if n == plan.recipients => {}
            Some(n) => {
                check.rekey = true;
                check.problems.push(problem(
                    rel,
                    format!(
                        "is encrypted to {n} recipients but case {} has {}; an owner or reader should run `dossier rekey {}`",
                        plan.id, plan.recipients, plan.id
                    ),
                ))
            }
            None => check.problems.push(problem(rel, "is not an age file")),
        }
        match opened {
            Some(Opens::WithCurrentKey) => check.decrypted += 1,
            Some(Opens::WithOlderKeyOnly) => {
                check.rekey = true;
                check.problems.push(problem(
                    rel,
                    format!(
                        "opens only with one of your older keys; run `dossier rekey {}`",
                        plan.id
                    ),
                ))
            }
            _ => {}
        }
    }
    check
}

/// Every file of the last commit must be readable from git's object
/// store: a corrupt or missing object is named by the file it holds (and
/// the directory, for a tree), so the person knows what to restore.
fn object_store(vault: &Vault, report: &mut Report) {
    for d in crate::repo::damage::scan_head(vault.repo()) {
        report.problems.push(problem(
            d.subject(),
            format!(
                "its committed copy {} git's object store ({}); {RESTORE}",
                d.what(),
                d.reason
            ),
        ));
    }
}

/// How to repair a damaged object store.
const RESTORE: &str = "restore it from a clone, a remote or a bundle (`git fsck` lists all damage)";

/// Files of the working tree that differ from the last commit, each one
/// problem; returns their paths (what else is wrong with them is about
/// this copy, not the committed one).
fn working_tree(vault: &Vault, report: &mut Report) -> Result<Vec<String>> {
    let mut opts = git2::StatusOptions::new();
    opts.include_untracked(true).recurse_untracked_dirs(true);
    crate::repo::status::ignore_temporary_files(vault.repo())?;
    let mut changed = Vec::new();
    for s in vault.repo().statuses(Some(&mut opts))?.iter() {
        let path = s.path().unwrap_or("?").to_string();
        let text = if s.status().is_wt_new() {
            "is not in the last commit (added outside dossier); move it out of the vault"
                .to_string()
        } else {
            format!("differs from the last commit (changed outside dossier); `git checkout -- {path}` restores the committed copy")
        };
        report.problems.push(problem(path.clone(), text));
        changed.push(path);
    }
    Ok(changed)
}

/// What `rekey` and `case repair` would do for case `id`, when the
/// session's owner is one of its readers (otherwise `None`), in one pass
/// over its files: whether it needs re-encrypting (a file they can decrypt
/// whose stanza count differs from its recipients, or that their current
/// key cannot open, left over from before a rotation), and which files
/// none of their keys decrypts (re-encryption cannot fix those; `case
/// repair` removes them).
pub fn rekey_state(vault: &Vault, session: &Session, id: &CaseId) -> Option<(bool, Vec<String>)> {
    check_readable(vault, session, id).map(|c| (c.rekey, c.undecryptable))
}

fn check_readable(vault: &Vault, session: &Session, id: &CaseId) -> Option<CaseCheck> {
    let me = session.fingerprint();
    let plan = case_plan(vault, id, &me).ok()?;
    let keys = session.decryption_keys().ok()?;
    let current = vault
        .keyring()
        .get(&me)
        .and_then(|e| keys.only(e.age_recipient()));
    plan.readable
        .then(|| check_case(vault.root(), &plan, keys, current.as_ref()))
}
