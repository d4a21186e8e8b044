//! Verifying history that arrives from elsewhere (a remote, a bundle, a
//! clone) before anything of it is merged (DESIGN §4, §6).
//!
//! Every new commit is judged against the vault as it stood *before* it
//! (its first parent's tree), never against what it brings:
//! - it is a dossier commit, signed, and its signature is by the actor its
//!   trailer names, whose key was certified, unrevoked and unexpired then
//!   (and is not revoked in any other parent, nor in the local keyring for a
//!   commit dated after that revocation);
//! - `vault.yaml` changes are signed by a root; groups by an administrator;
//!   certifications by an administrator; revocations by an administrator or
//!   the key itself; bindings by the key itself; the generated
//!   `allowed_signers` matches the keyring it comes with;
//! - an access list changes only by its case's owners (as the list stood
//!   before) or an administrator, in both the commit and the list's own
//!   signature;
//! - case files change only by someone who could read the case before (or,
//!   for a new case, by one of its readers);
//! - nothing outside the vault layout is written.
//!
//! A merge commit is checked for the files it changes relative to every
//! parent; a file equal to one parent's version was checked when that
//! parent was. The first failure rejects the whole range.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::rc::Rc;

use chrono::{DateTime, Utc};

use crate::case::{AccessList, CaseId};
use crate::error::{Error, Result};
use crate::fingerprint::Fingerprint;
use crate::groups::{Groups, GROUPS_PATH};
use crate::history;
use crate::keyring::{Keyring, KeyringFile, Validity, KEYRING_DIR};
use crate::policy;
use crate::snapshot::{id_at, CommitTree, Files};
use crate::store::CommitMessage;
use crate::vault::{self, VaultConfig, ALLOWED_SIGNERS_PATH, CONFIG_PATH};

/// What a vault state trusts: its config, keyring and groups.
pub struct TrustState {
    /// `vault.yaml`.
    pub config: VaultConfig,
    /// Who signed `vault.yaml`.
    pub config_signer: Fingerprint,
    /// The keyring, validity worked out.
    pub keyring: Keyring,
    /// The groups, if validly signed.
    pub groups: Groups,
}

impl TrustState {
    /// The trust state of any vault state.
    pub fn load(files: &dyn Files) -> Result<TrustState> {
        let (config, config_signer) = vault::load_config_from(files)?;
        let keyring = Keyring::load_from(files, &config.roots, &config.administrators)?;
        let groups = Groups::load_from(files, &keyring)?;
        Ok(TrustState {
            config,
            config_signer,
            keyring,
            groups,
        })
    }
}

/// The commits of `tip` not reachable from any of `known`, oldest first.
pub fn new_commits(
    repo: &git2::Repository,
    known: &[git2::Oid],
    tip: git2::Oid,
) -> Result<Vec<git2::Oid>> {
    let mut walk = repo.revwalk()?;
    walk.push(tip)?;
    for k in known {
        walk.hide(*k)?;
    }
    walk.set_sorting(git2::Sort::TOPOLOGICAL | git2::Sort::REVERSE)?;
    Ok(walk.collect::<std::result::Result<Vec<_>, _>>()?)
}

/// Verifies every commit of `tip` not reachable from `known` (the local
/// branch and earlier verified tips). `local` is the local keyring, used to
/// refuse commits dated after a revocation it knows of. Returns how many
/// commits were checked.
pub fn verify(
    repo: &git2::Repository,
    local: Option<&Keyring>,
    known: &[git2::Oid],
    tip: git2::Oid,
) -> Result<usize> {
    let commits = new_commits(repo, known, tip)?;
    let mut checker = Checker {
        repo,
        local,
        has_history: !known.is_empty(),
        states: HashMap::new(),
    };
    for oid in &commits {
        checker
            .check(*oid)
            .map_err(|reason| Error::IncomingRejected {
                commit: oid.to_string(),
                reason,
            })?;
    }
    Ok(commits.len())
}

/// Why one commit was refused: a sentence completing "commit X …".
type Verdict = std::result::Result<(), String>;

struct Checker<'r> {
    repo: &'r git2::Repository,
    local: Option<&'r Keyring>,
    has_history: bool,
    /// Trust states by the id of their `.dossier` tree.
    states: HashMap<Option<git2::Oid>, Rc<TrustState>>,
}

impl<'r> Checker<'r> {
    fn state(&mut self, tree: &CommitTree<'_>) -> std::result::Result<Rc<TrustState>, String> {
        let key = tree.subtree_id(".dossier");
        if let Some(s) = self.states.get(&key) {
            return Ok(s.clone());
        }
        let state = Rc::new(
            TrustState::load(tree)
                .map_err(|e| format!("leaves a vault that cannot be trusted: {e}"))?,
        );
        self.states.insert(key, state.clone());
        Ok(state)
    }

    fn check(&mut self, oid: git2::Oid) -> Verdict {
        let repo = self.repo;
        let commit = repo.find_commit(oid).map_err(|e| e.to_string())?;
        let message = commit.message().unwrap_or("");
        let Some(parsed) = CommitMessage::parse(message) else {
            return Err("is not a dossier commit (it has no Dossier-Actor trailer): it was made outside dossier, with plain git".into());
        };
        let Some(signer) = history::signer(repo, oid) else {
            return Err(match repo.extract_signature(&oid, None) {
                Err(_) => "is not signed".into(),
                Ok(_) => "has a signature that does not verify".into(),
            });
        };
        if signer != parsed.actor {
            return Err(format!(
                "is signed by {signer} but claims to be by {}",
                parsed.actor
            ));
        }
        let when = DateTime::from_timestamp(commit.time().seconds(), 0).unwrap_or_default();
        let after_tree = CommitTree::from_tree(repo, commit.tree().map_err(|e| e.to_string())?);

        let parents: Vec<git2::Commit> = commit.parents().collect();
        let Some(first) = parents.first() else {
            return self.check_genesis(&after_tree, &signer);
        };
        let before_tree = CommitTree::new(repo, first.id()).map_err(|e| e.to_string())?;
        let before = self.state(&before_tree)?;
        self.check_signer(&before.keyring, &signer, when)?;
        for other in &parents[1..] {
            let tree = CommitTree::new(repo, other.id()).map_err(|e| e.to_string())?;
            let state = self.state(&tree)?;
            if state.keyring.validity(&signer) == Some(Validity::Revoked) {
                return Err(format!("is signed by {signer}, whose key is revoked"));
            }
        }
        // A revocation this vault already knows of refuses the key's commits
        // dated at or after it, whatever parent they claim. (The date is the
        // signer's claim: the parent rule above is what cannot be forged.)
        if let Some(revoked) = self
            .local
            .and_then(|local| local.get(&signer))
            .and_then(|e| e.revocation.as_ref())
        {
            if when >= revoked.revoked_at {
                return Err(format!(
                    "is signed by {signer} and dated after that key was revoked"
                ));
            }
        }

        let changed = changed_paths(repo, &commit, &parents).map_err(|e| e.to_string())?;
        if changed.is_empty() {
            return Ok(());
        }
        let after = self.state(&after_tree)?;
        let rules = Rules {
            signer,
            before: &before,
            after: &after,
            before_tree: &before_tree,
            after_tree: &after_tree,
        };
        rules.check_all(&changed)
    }

    fn check_genesis(&mut self, tree: &CommitTree<'_>, signer: &Fingerprint) -> Verdict {
        if self.has_history {
            return Err("starts a history unrelated to this vault's".into());
        }
        let state = self.state(tree)?;
        if !state.config.roots.contains(signer) {
            return Err(format!(
                "creates the vault but is signed by {signer}, who is not one of its roots"
            ));
        }
        Ok(())
    }

    fn check_signer(
        &self,
        keyring: &Keyring,
        signer: &Fingerprint,
        when: DateTime<Utc>,
    ) -> Verdict {
        let why = match keyring.validity_at(signer, when) {
            Some(Validity::Certified) => return Ok(()),
            None => "a key this vault does not know",
            Some(Validity::Uncertified) => "a key no administrator had certified",
            Some(Validity::Revoked) => "a revoked key",
            Some(Validity::Expired) => "a key that had expired",
            Some(Validity::Invalid) => "a key whose binding is not validly signed",
        };
        Err(format!("is signed by {signer}, {why}"))
    }
}

/// The files a commit changed: relative to its parent, or for a merge,
/// those differing from every parent. Roots: every file.
fn outside_layout(path: &str) -> String {
    format!("writes {path}, which is not part of a dossier vault")
}

/// Whether `file` (relative to a case directory) is one dossier writes.
fn is_case_file(file: &str) -> bool {
    let in_dir = |dir: &str, suffix: &str| {
        file.strip_prefix(dir)
            .is_some_and(|n| !n.contains('/') && n.ends_with(suffix))
    };
    matches!(file, "case.yaml.age" | "access.yaml" | "access.yaml.sig")
        || in_dir("notes/", ".md.age")
        || in_dir("docs/", ".age")
}

fn changed_paths(
    repo: &git2::Repository,
    commit: &git2::Commit,
    parents: &[git2::Commit],
) -> Result<BTreeSet<String>> {
    let tree = commit.tree()?;
    let mut out = BTreeSet::new();
    let Some(first) = parents.first() else {
        return Ok(out);
    };
    let diff = repo.diff_tree_to_tree(Some(&first.tree()?), Some(&tree), None)?;
    for delta in diff.deltas() {
        for file in [delta.old_file(), delta.new_file()] {
            if let Some(p) = file.path().and_then(|p| p.to_str()) {
                out.insert(p.to_string());
            }
        }
    }
    for other in &parents[1..] {
        let other_tree = other.tree()?;
        out.retain(|p| id_at(&tree, p) != id_at(&other_tree, p));
    }
    Ok(out)
}

struct Rules<'a, 'r> {
    signer: Fingerprint,
    before: &'a TrustState,
    after: &'a TrustState,
    before_tree: &'a CommitTree<'r>,
    after_tree: &'a CommitTree<'r>,
}

impl Rules<'_, '_> {
    fn check_all(&self, changed: &BTreeSet<String>) -> Verdict {
        let mut keyring_changed = false;
        // Files of each case, so its access lists are read once per commit.
        let mut cases: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for path in changed {
            if path == CONFIG_PATH || path == &format!("{CONFIG_PATH}.sig") {
                self.config_change()?;
            } else if path == GROUPS_PATH || path == &format!("{GROUPS_PATH}.sig") {
                self.groups_change()?;
            } else if path == ALLOWED_SIGNERS_PATH {
                keyring_changed = true;
            } else if let Some(name) = path.strip_prefix(&format!("{KEYRING_DIR}/")) {
                keyring_changed = true;
                self.keyring_change(name)?;
            } else if path == "cases/.keep" {
            } else if let Some((dir, file)) =
                path.strip_prefix("cases/").and_then(|r| r.split_once('/'))
            {
                cases.entry(dir).or_default().push(file);
            } else {
                return Err(outside_layout(path));
            }
        }
        for (dir, files) in cases {
            self.case_change(dir, &files)?;
        }
        if keyring_changed {
            self.keyring_consistent()?;
        }
        Ok(())
    }

    /// A changed keyring brings no new problem, and `allowed_signers` matches it.
    fn keyring_consistent(&self) -> Verdict {
        let before = self.before.keyring.problems();
        if let Some(problem) = self
            .after
            .keyring
            .problems()
            .iter()
            .find(|p| !before.contains(p))
        {
            return Err(format!("brings a keyring problem: {problem}"));
        }
        let written = self
            .after_tree
            .read(ALLOWED_SIGNERS_PATH)
            .map_err(|e| e.to_string())?
            .unwrap_or_default();
        if written != self.after.keyring.allowed_signers().as_bytes() {
            return Err(format!(
                "writes an {ALLOWED_SIGNERS_PATH} that does not match its keyring"
            ));
        }
        Ok(())
    }

    fn is_admin(&self, fp: &Fingerprint) -> bool {
        self.before.keyring.is_valid_admin(fp)
    }

    fn config_change(&self) -> Verdict {
        let roots = &self.before.config.roots;
        if !roots.contains(&self.signer) {
            return Err(format!(
                "changes {CONFIG_PATH}, but its signer {} is not a root of the vault",
                self.label(&self.signer)
            ));
        }
        if !roots.contains(&self.after.config_signer) {
            return Err(format!(
                "brings a {CONFIG_PATH} signed by {}, who was not a root of the vault",
                self.after.config_signer
            ));
        }
        Ok(())
    }

    fn groups_change(&self) -> Verdict {
        if !self.is_admin(&self.signer) {
            return Err(format!(
                "changes the groups, but its signer {} is not an administrator",
                self.label(&self.signer)
            ));
        }
        match self.after.groups.problem() {
            Some(problem) => Err(format!("brings groups that cannot be trusted: {problem}")),
            None => Ok(()),
        }
    }

    fn keyring_change(&self, name: &str) -> Verdict {
        let path = format!("{KEYRING_DIR}/{name}");
        let Some((kind, _, id)) = KeyringFile::classify(name) else {
            return Err(format!("writes {path}, which is not part of a keyring"));
        };
        let Some(fp) = Fingerprint::from_file_id(id) else {
            return Err(format!(
                "writes {path}, which is not named after a fingerprint"
            ));
        };
        let signer = self.signer;
        let entry = self.after.keyring.get(&fp);
        let present = self
            .after_tree
            .read(&path)
            .map_err(|e| e.to_string())?
            .is_some();
        match kind {
            // Anyone in the vault may import a card: it is not trusted
            // until an administrator certifies it.
            KeyringFile::Card => Ok(()),
            // Dropping trust is always allowed.
            KeyringFile::Certification if !present => Ok(()),
            KeyringFile::Certification => {
                if !self.is_admin(&signer) {
                    return Err(format!(
                        "certifies {fp}, but its signer {} is not an administrator",
                        self.label(&signer)
                    ));
                }
                if entry.is_none_or(|e| e.certified_by.is_none()) {
                    return Err(format!(
                        "brings a certification of {fp} that does not verify"
                    ));
                }
                Ok(())
            }
            KeyringFile::Revocation => {
                if signer != fp && !self.is_admin(&signer) {
                    return Err(format!(
                        "revokes {fp}, but its signer {} is neither that key nor an administrator",
                        self.label(&signer)
                    ));
                }
                if present && entry.is_some_and(|e| e.revocation.is_none()) {
                    return Err(format!("brings a revocation of {fp} that does not verify"));
                }
                Ok(())
            }
            KeyringFile::Binding => {
                if signer != fp {
                    return Err(format!(
                        "changes the encryption key of {fp}, but is signed by {}",
                        self.label(&signer)
                    ));
                }
                if entry.is_some_and(|e| e.binding_problem.is_some()) {
                    return Err(format!("brings a binding of {fp} that does not verify"));
                }
                Ok(())
            }
        }
    }

    /// The files `files` (relative to `cases/<dir>/`) of one case changed.
    fn case_change(&self, dir: &str, files: &[&str]) -> Verdict {
        let Ok(case) = dir.parse::<CaseId>() else {
            return Err(outside_layout(&format!("cases/{dir}/{}", files.join(", "))));
        };
        if let Some(file) = files.iter().find(|f| !is_case_file(f)) {
            return Err(outside_layout(&format!("cases/{dir}/{file}")));
        }
        let old = self.list(self.before_tree, &case)?;
        let new = self.list(self.after_tree, &case)?;
        if files.iter().any(|f| f.starts_with("access.yaml")) {
            self.access_change(&case, old.as_ref(), new.as_ref())?;
        }
        if files.iter().all(|f| f.starts_with("access.yaml")) {
            return Ok(());
        }
        let readers = match (&old, &new) {
            (Some(list), _) => policy::listed_readers(&self.before.groups, list),
            (None, Some(list)) => policy::listed_readers(&self.after.groups, list),
            (None, None) => Vec::new(),
        };
        if readers.contains(&self.signer) {
            Ok(())
        } else {
            Err(format!(
                "changes case {case}, but its signer {} could not read that case",
                self.label(&self.signer)
            ))
        }
    }

    fn access_change(
        &self,
        case: &CaseId,
        old: Option<&AccessList>,
        new: Option<&AccessList>,
    ) -> Verdict {
        let entitled = |fp: &Fingerprint| {
            self.is_admin(fp)
                || match (old, new) {
                    (Some(old), _) => old.owners.contains(fp),
                    (None, Some(new)) => new.owners.contains(fp),
                    (None, None) => false,
                }
        };
        if !entitled(&self.signer) {
            return Err(format!(
                "changes who can read case {case}, but its signer {} is neither an owner of the case nor an administrator",
                self.label(&self.signer)
            ));
        }
        let Some(_) = new else {
            return Ok(());
        };
        let rel = policy::access_path(case);
        let read = |p: &str| self.after_tree.read(p).map_err(|e| e.to_string());
        let bytes = read(&rel)?.unwrap_or_default();
        let Some(sig) = read(&format!("{rel}.sig"))? else {
            return Err(format!("brings an unsigned access list for case {case}"));
        };
        let v = crate::signature::verify(&sig, crate::signature::DOCUMENT_NAMESPACE, &bytes)
            .map_err(|reason| {
                format!("brings an access list for case {case} whose signature fails: {reason}")
            })?;
        if !entitled(&v.signer) {
            return Err(format!(
                "brings an access list for case {case} signed by {}, who is neither an owner of the case nor an administrator",
                self.label(&v.signer)
            ));
        }
        Ok(())
    }

    fn list(
        &self,
        tree: &CommitTree<'_>,
        case: &CaseId,
    ) -> std::result::Result<Option<AccessList>, String> {
        match tree
            .read(&policy::access_path(case))
            .map_err(|e| e.to_string())?
        {
            None => Ok(None),
            Some(bytes) => AccessList::parse(&bytes, case)
                .map(Some)
                .map_err(|e| format!("brings a damaged access list: {e}")),
        }
    }

    fn label(&self, fp: &Fingerprint) -> String {
        self.before.keyring.label(fp)
    }
}
