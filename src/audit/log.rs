//! The audit trail (`dossier log`), with each commit's signature checked
//! in-process.
//!
//! A commit's status is decided from its SSH signature (namespace `git`) and
//! the vault's current keyring: *verified* when a certified key made it and
//! matches the `Dossier-Actor` trailer. For the actions whose entitlement is
//! cheap to decide from the commit itself, a verified signer who was not
//! entitled is marked so: a `view` must be by someone the case's access list
//! named at that commit, a `settings` change by a root of the `vault.yaml`
//! it replaced. Other actions' entitlement is not judged here.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::case::CaseId;
use crate::error::Result;
use crate::keys::fingerprint::Fingerprint;
use crate::keys::signature::{self, GIT_NAMESPACE};
use crate::repo::snapshot::id_at;
use crate::repo::store::CommitMessage;
use crate::support::yaml;
use crate::vault::keyring::Keyring;
use crate::vault::{Vault, VaultConfig, CONFIG_PATH};

/// What a commit's signature says about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SignatureStatus {
    /// Signed by a key the vault certifies, matching the stated actor.
    Verified,
    /// Signed by a key in the keyring that is not (or no longer) certified.
    UncertifiedSigner,
    /// Signed by a certified key, dated after that key was revoked.
    RevokedSigner,
    /// Signed by a certified key, dated after that key expired.
    ExpiredSigner,
    /// Signed by a key the vault does not know.
    UnknownSigner,
    /// No signature.
    Unsigned,
    /// A signature that does not verify, or whose signer is not the stated actor.
    Bad,
    /// A verified signature by someone not entitled to that action (decided
    /// for `view` and `settings` commits only).
    SignerNotEntitled,
}

impl std::fmt::Display for SignatureStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            SignatureStatus::Verified => "verified",
            SignatureStatus::UncertifiedSigner => "uncertified signer",
            SignatureStatus::RevokedSigner => "revoked signer",
            SignatureStatus::ExpiredSigner => "expired signer",
            SignatureStatus::UnknownSigner => "unknown signer",
            SignatureStatus::Unsigned => "unsigned",
            SignatureStatus::Bad => "bad signature",
            SignatureStatus::SignerNotEntitled => "signer not entitled",
        })
    }
}

/// One commit of the audit trail.
#[derive(Debug, Clone, Serialize)]
pub struct LogEntry {
    /// Full commit id.
    pub commit: String,
    /// Commit time.
    pub time: DateTime<Utc>,
    /// The action (trailer), if a dossier commit.
    pub action: Option<String>,
    /// The case (trailer).
    pub case: Option<String>,
    /// The key acted on (trailer).
    pub key: Option<String>,
    /// The stated actor (trailer).
    pub actor: Option<Fingerprint>,
    /// The name on the keyring card of the actor (else of the signer, for
    /// a signed commit without trailers); `None` when the key is not in the
    /// keyring or there is neither.
    pub actor_name: Option<String>,
    /// The actual signer, when the signature verified.
    pub signer: Option<Fingerprint>,
    /// The signature's status.
    pub signature: SignatureStatus,
    /// The commit's first line (ids and action names only for dossier commits).
    pub subject: String,
}

/// The history of the vault, newest first; only commits touching `case`
/// when one is given, or naming it in their `Dossier-Case` trailer (a `view`
/// changes no file).
pub fn read(vault: &Vault, case: Option<&CaseId>) -> Result<Vec<LogEntry>> {
    let repo = vault.repo();
    let mut walk = repo.revwalk()?;
    match walk.push_head() {
        Ok(()) => {}
        Err(e)
            if e.code() == git2::ErrorCode::UnbornBranch
                || e.code() == git2::ErrorCode::NotFound =>
        {
            return Ok(Vec::new())
        }
        Err(e) => return Err(e.into()),
    }
    walk.set_sorting(git2::Sort::TIME | git2::Sort::TOPOLOGICAL)?;
    let case_path = case.map(crate::vault::layout::case_dir);
    let mut out = Vec::new();
    for oid in walk {
        let oid = oid?;
        let commit = repo.find_commit(oid)?;
        if let (Some(path), Some(case)) = (&case_path, case) {
            let named = commit
                .message()
                .ok()
                .and_then(CommitMessage::parse)
                .is_some_and(|m| m.case.as_ref() == Some(case));
            if !named && !touches(&commit, path)? {
                continue;
            }
        }
        out.push(entry(repo, vault.keyring(), &commit));
    }
    Ok(out)
}

fn entry(repo: &git2::Repository, keyring: &Keyring, commit: &git2::Commit) -> LogEntry {
    let message = commit.message().unwrap_or("");
    let parsed = CommitMessage::parse(message);
    let (mut signature, signer) = status(repo, keyring, commit, parsed.as_ref().map(|m| m.actor));
    if let (SignatureStatus::Verified, Some(msg), Some(who)) = (signature, &parsed, signer) {
        if entitled(repo, commit, msg, &who) == Some(false) {
            signature = SignatureStatus::SignerNotEntitled;
        }
    }
    let named = parsed.as_ref().map(|m| m.actor).or(signer);
    LogEntry {
        commit: commit.id().to_string(),
        time: DateTime::from_timestamp(commit.time().seconds(), 0).unwrap_or_default(),
        action: parsed.as_ref().map(|m| m.action.clone()),
        case: parsed
            .as_ref()
            .and_then(|m| m.case.as_ref().map(|c| c.to_string())),
        key: parsed.as_ref().and_then(|m| m.key.map(|k| k.to_string())),
        actor: parsed.as_ref().map(|m| m.actor),
        actor_name: named.and_then(|fp| keyring.get(&fp).map(|e| e.card.name.clone())),
        signer,
        signature,
        subject: commit.summary().ok().flatten().unwrap_or("").to_string(),
    }
}

/// Whether `signer` was entitled to the commit's action, for the actions
/// decided from the commit alone; `None` for the others. Unreadable
/// evidence counts as not entitled.
fn entitled(
    repo: &git2::Repository,
    commit: &git2::Commit,
    msg: &CommitMessage,
    signer: &Fingerprint,
) -> Option<bool> {
    match msg.action.as_str() {
        "view" => {
            let case = msg.case.as_ref()?;
            let tree = commit.tree().ok()?;
            Some(
                crate::audit::exposure::readers_in_tree(repo, &tree, case)
                    .ok()
                    .flatten()
                    .is_some_and(|r| r.contains(signer)),
            )
        }
        "settings" => {
            let before = commit.parent(0).ok().and_then(|p| p.tree().ok());
            let config = before.and_then(|t| {
                let entry = t.get_path(std::path::Path::new(CONFIG_PATH)).ok()?;
                let blob = repo.find_blob(entry.id()).ok()?;
                yaml::parse_bytes::<VaultConfig>(blob.content(), CONFIG_PATH).ok()
            });
            Some(config.is_some_and(|c| c.roots.contains(signer)))
        }
        _ => None,
    }
}

/// Checks one commit's signature against the keyring.
pub fn status(
    repo: &git2::Repository,
    keyring: &Keyring,
    commit: &git2::Commit,
    stated_actor: Option<Fingerprint>,
) -> (SignatureStatus, Option<Fingerprint>) {
    let Ok((sig, data)) = repo.extract_signature(&commit.id(), None) else {
        return (SignatureStatus::Unsigned, None);
    };
    let Ok(v) = signature::verify(&sig, GIT_NAMESPACE, &data) else {
        return (SignatureStatus::Bad, None);
    };
    if stated_actor.is_some_and(|a| a != v.signer) {
        return (SignatureStatus::Bad, Some(v.signer));
    }
    // For this display, the commit's own date decides whether it was made
    // before a revocation or expiry. A thief holding the key can backdate,
    // so history verification (`incoming`) never takes the date as
    // evidence of a revocation; and a revocation re-signs and re-encrypts
    // everything the key touched.
    let when = DateTime::from_timestamp(commit.time().seconds(), 0);
    let st = match keyring.get(&v.signer) {
        None => SignatureStatus::UnknownSigner,
        Some(e) if e.certified_by.is_none() => SignatureStatus::UncertifiedSigner,
        Some(e)
            if e.revocation
                .as_ref()
                // A commit in the very second of the revocation counts as
                // before it (both are whole seconds; the key's own last
                // work usually lands then).
                .is_some_and(|r| when.is_none_or(|t| t > r.revoked_at)) =>
        {
            SignatureStatus::RevokedSigner
        }
        // `valid-before` semantics: from that second on, no longer valid.
        Some(e) if e.expires().is_some_and(|x| when.is_none_or(|t| t >= x)) => {
            SignatureStatus::ExpiredSigner
        }
        Some(_) => SignatureStatus::Verified,
    };
    (st, Some(v.signer))
}

fn touches(commit: &git2::Commit, path: &str) -> Result<bool> {
    let here = id_at(&commit.tree()?, path);
    if commit.parent_count() == 0 {
        return Ok(here.is_some());
    }
    for parent in commit.parents() {
        if id_at(&parent.tree()?, path) != here {
            return Ok(true);
        }
    }
    Ok(false)
}
