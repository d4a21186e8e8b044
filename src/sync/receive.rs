//! The server's check of a push (`dossier hook pre-receive`): a shared git
//! server refuses, before any reference moves, every push that `sync`
//! would refuse — unsigned or unentitled commits, a history that does not
//! verify, a rewind or rewrite of the vault's branch, its deletion — with
//! the same sentence, in time linear in the pushed commits.
//!
//! git runs the hook in the bare repository with the pushed objects in a
//! quarantine directory it names in the environment; the repository is
//! opened from that environment, so the objects are seen before git
//! accepts them, and refused ones never enter the repository.

use crate::error::{Error, Result};
use crate::trust::incoming;

/// The one branch a vault's history lives on.
const VAULT_BRANCH: &str = "refs/heads/main";

/// One reference update of a push, as git hands it to the hook.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefUpdate {
    /// The reference's current commit (zero: it does not exist yet).
    pub old: git2::Oid,
    /// The pushed commit (zero: delete the reference).
    pub new: git2::Oid,
    /// The reference, e.g. `refs/heads/main`.
    pub name: String,
}

/// The updates of a push: one `OLD NEW REF` line each, as on the hook's
/// standard input.
pub fn parse_updates(text: &str) -> Result<Vec<RefUpdate>> {
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            let bad = || {
                Error::PushRefused(format!(
                    "git sent an update line dossier cannot read: {line:?}"
                ))
            };
            let mut parts = line.split_whitespace();
            let (Some(old), Some(new), Some(name), None) =
                (parts.next(), parts.next(), parts.next(), parts.next())
            else {
                return Err(bad());
            };
            Ok(RefUpdate {
                old: git2::Oid::from_str(old).map_err(|_| bad())?,
                new: git2::Oid::from_str(new).map_err(|_| bad())?,
                name: name.to_string(),
            })
        })
        .collect()
}

/// Checks a push to `repo` (the server's repository): every update must be
/// a fast-forward of the vault's branch whose new commits all verify as a
/// client's `sync` would verify them. Returns how many commits were
/// checked; the first refusal is the error.
pub fn check(repo: &git2::Repository, updates: &[RefUpdate]) -> Result<usize> {
    // A vault's branch is main whatever the server's HEAD says (a bare
    // repository made by `git init --bare` names master).
    let branch = VAULT_BRANCH;
    let mut checked = 0;
    for u in updates {
        if u.name != branch {
            return Err(Error::PushRefused(format!(
                "{} is not the vault's branch ({branch}); a vault is shared on that branch alone",
                u.name
            )));
        }
        if u.new.is_zero() {
            return Err(Error::PushRefused(format!(
                "it would delete {branch}, the vault's history"
            )));
        }
        let known = if u.old.is_zero() {
            Vec::new()
        } else {
            if u.old != u.new && !repo.graph_descendant_of(u.new, u.old)? {
                return Err(Error::PushRefused(format!(
                    "{} does not contain {}, the history the server has: it would rewind or rewrite {branch} (a force push), which dossier never accepts",
                    u.new, u.old
                )));
            }
            vec![u.old]
        };
        checked += incoming::verify(repo, None, &known, u.new)?;
    }
    Ok(checked)
}

/// The pre-receive hook's whole check: `input` is its standard input, and
/// the repository is the one git names in the environment (`GIT_DIR`, and
/// the quarantine of the pushed objects).
pub fn check_hook_input(input: &str) -> Result<usize> {
    let updates = parse_updates(input)?;
    let repo = git2::Repository::open_from_env()?;
    check(&repo, &updates)
}
