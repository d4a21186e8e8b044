//! Verifying history before anything of it is trusted (DESIGN §4, §6):
//! history that arrives from elsewhere (a remote, a bundle, a clone), and
//! commits that reached the local branch by plain git
//! ([`crate::trust::verified`] runs the same checks up to `HEAD`).
//!
//! Every new commit is judged against the vault as it stood *before* it
//! (its parent's trust state), never against what it brings:
//! - it is signed, and the signature is by the actor its trailer names (a
//!   merge made by stock `git merge` may have no trailers; its signer is
//!   the actor), whose key was certified, unexpired and not revoked in any
//!   parent nor in the local verified state — whatever the commit's date;
//! - `vault.yaml` changes are signed by a root; groups by an administrator;
//!   certifications by an administrator; revocations by an administrator or
//!   the key itself; bindings by the key itself; the generated
//!   `allowed_signers` matches the keyring it comes with;
//! - what only grows never shrinks: a revocation is never removed or
//!   undone, and a binding (key rotation) only moves forward;
//! - an access list changes only by its case's owners (as the list stood
//!   before) or an administrator, in both the commit and the list's own
//!   signature;
//! - case files change only by someone who could read the case before (or,
//!   for a new case, by one of its readers);
//! - every entry it adds or changes is a regular file at a path of the
//!   vault layout, with a UTF-8 name ([`crate::vault::layout`]); the first commit's
//!   whole tree is checked the same way.
//!
//! A merge commit may take a parent's version of a path without further
//! checks only where that parent's side changed the path since the merge
//! base (that change was verified on that side) and no other side changed
//! it differently. Any other value — a return to the base, an ancestor's
//! version, a new value — is a change by the merge's signer, judged like
//! any commit against each parent whose value it replaces. A merge also
//! refuses to join, to a side where a key is revoked, commits signed by
//! that key that the side does not already contain. The first failure
//! rejects the whole range.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::rc::Rc;

use chrono::{DateTime, Utc};

use crate::case::{AccessList, CaseId};
use crate::error::{Error, Result};
use crate::keys::fingerprint::Fingerprint;
use crate::repo::history;
use crate::repo::snapshot::{CommitTree, Files};
use crate::repo::store::CommitMessage;
use crate::trust::policy;
use crate::vault::groups::Groups;
use crate::vault::keyring::{Keyring, Validity};
use crate::vault::layout::{self, Authority, CaseFile, KeyringFile, VaultPath};
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
        let (config, config_signer, keyring, groups) = vault::load_trust(files)?;
        Ok(TrustState {
            config,
            config_signer,
            keyring,
            groups,
        })
    }
}

/// The keys a keyring holds as revoked.
fn revoked_keys(keyring: &Keyring) -> BTreeSet<Fingerprint> {
    keyring
        .entries()
        .filter(|e| e.revocation.is_some())
        .map(|e| e.fingerprint)
        .collect()
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
/// branch and earlier verified tips). `local` is the local verified
/// keyring: a commit signed by a key it holds as revoked is refused,
/// whatever its date. Returns how many commits were checked.
pub fn verify(
    repo: &git2::Repository,
    local: Option<&Keyring>,
    known: &[git2::Oid],
    tip: git2::Oid,
) -> Result<usize> {
    verify_with_progress(repo, local, known, tip, &mut |_, _| {})
}

/// [`verify`], reporting `(checked, total)` after each commit.
pub fn verify_with_progress(
    repo: &git2::Repository,
    local: Option<&Keyring>,
    known: &[git2::Oid],
    tip: git2::Oid,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<usize> {
    let commits = new_commits(repo, known, tip)?;
    let mut checker = Checker {
        repo,
        local_revoked: local.map(revoked_keys).unwrap_or_default(),
        has_history: !known.is_empty(),
        states: HashMap::new(),
    };
    for (done, oid) in commits.iter().enumerate() {
        checker
            .check(*oid)
            .map_err(|reason| Error::IncomingRejected {
                commit: oid.to_string(),
                reason,
            })?;
        progress(done + 1, commits.len());
    }
    Ok(commits.len())
}

/// Why one commit was refused: a sentence completing "commit X …".
type Verdict = std::result::Result<(), String>;

struct Checker<'r> {
    repo: &'r git2::Repository,
    /// Keys revoked in the local verified state.
    local_revoked: BTreeSet<Fingerprint>,
    has_history: bool,
    /// Trust states by the id of their `.dossier` tree.
    states: HashMap<Option<git2::Oid>, Rc<TrustState>>,
}

impl<'r> Checker<'r> {
    fn state(&mut self, tree: &CommitTree<'_>) -> std::result::Result<Rc<TrustState>, String> {
        let key = tree.subtree_id(".dossier").map_err(|e| e.to_string())?;
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
        let parents: Vec<git2::Commit> = commit.parents().collect();
        let message = commit.message().unwrap_or("");
        let parsed = CommitMessage::parse(message);
        if parsed.is_none() && parents.len() < 2 {
            return Err("is not a dossier commit (it has no Dossier-Actor trailer): it was made outside dossier, with plain git".into());
        }
        let Some(signer) = history::signer(repo, oid) else {
            return Err(match repo.extract_signature(&oid, None) {
                Err(_) => "is not signed (a commit made with plain git?)".into(),
                Ok(_) => "has a signature that does not verify".into(),
            });
        };
        if let Some(parsed) = &parsed {
            if signer != parsed.actor {
                return Err(format!(
                    "is signed by {signer} but claims to be by {}",
                    parsed.actor
                ));
            }
        }
        let when = DateTime::from_timestamp(commit.time().seconds(), 0).unwrap_or_default();
        let after_tree = CommitTree::from_tree(repo, commit.tree().map_err(|e| e.to_string())?);

        let Some(first) = parents.first() else {
            return self.check_genesis(&after_tree, &signer);
        };
        // Revoked means revoked, whatever the date the commit claims.
        if self.local_revoked.contains(&signer) {
            return Err(format!(
                "is signed by {signer}, whose key this vault holds as revoked (a commit's date is not evidence: work signed by a revoked key is refused unless it was already part of this vault's history)"
            ));
        }
        let before_tree = CommitTree::new(repo, first.id()).map_err(|e| e.to_string())?;
        let before = self.state(&before_tree)?;
        let changed = match parents.len() {
            1 => Some(changed_paths(repo, before_tree.tree(), after_tree.tree())?),
            _ => None,
        };
        if let Err(why) = check_signer(&before.keyring, &signer, when) {
            // An expired key may still extend its own expiry, as in GPG.
            let renews_itself = before.keyring.validity_at(&signer, when)
                == Some(Validity::Expired)
                && changed
                    .as_ref()
                    .is_some_and(|c| c.iter().all(|p| renews_own_binding(p, &signer)));
            if !renews_itself {
                return Err(why);
            }
        }
        if let Some(changed) = changed {
            if changed.is_empty() {
                return Ok(());
            }
            let after = self.state(&after_tree)?;
            return Rules {
                signer,
                when,
                before: &before,
                after: &after,
                before_tree: &before_tree,
                after_tree: &after_tree,
                others: Vec::new(),
            }
            .check_all(&changed);
        }
        let mut sides = vec![(first.id(), before_tree, before)];
        for other in &parents[1..] {
            let tree = CommitTree::new(repo, other.id()).map_err(|e| e.to_string())?;
            let state = self.state(&tree)?;
            if state.keyring.validity(&signer) == Some(Validity::Revoked) {
                return Err(format!("is signed by {signer}, whose key is revoked"));
            }
            sides.push((other.id(), tree, state));
        }
        self.check_merge(&signer, when, &sides, &after_tree)
    }

    /// A merge: each path is either taken from a side that changed it, or
    /// judged as the signer's own change against each side it overrides;
    /// and no side is joined to commits by a key it holds as revoked.
    fn check_merge(
        &mut self,
        signer: &Fingerprint,
        when: DateTime<Utc>,
        sides: &[(git2::Oid, CommitTree<'r>, Rc<TrustState>)],
        merged: &CommitTree<'r>,
    ) -> Verdict {
        let repo = self.repo;
        let ids: Vec<git2::Oid> = sides.iter().map(|(id, _, _)| *id).collect();
        let base = repo
            .merge_base_many(&ids)
            .map_err(|_| "merges histories that share no commit".to_string())?;
        let base_tree = CommitTree::new(repo, base).map_err(|e| e.to_string())?;
        self.check_revoked_across(&ids, sides)?;

        let mut paths = BTreeSet::new();
        for (_, tree, _) in sides {
            paths.extend(changed_paths(repo, tree.tree(), merged.tree())?);
        }
        // For each side, the paths whose merged value is the signer's change.
        let mut judged: Vec<BTreeSet<String>> = vec![BTreeSet::new(); sides.len()];
        for path in &paths {
            let id_of = |t: &CommitTree<'_>| t.id_of(path).map_err(|e| e.to_string());
            let merged_id = id_of(merged)?;
            let base_id = id_of(&base_tree)?;
            let side_ids: Vec<Option<git2::Oid>> = sides
                .iter()
                .map(|(_, t, _)| id_of(t))
                .collect::<std::result::Result<_, _>>()?;
            let from_a_changing_side = side_ids.iter().any(|id| *id == merged_id && *id != base_id);
            for (j, side_id) in side_ids.iter().enumerate() {
                if *side_id == merged_id {
                    continue;
                }
                let side_kept_base = *side_id == base_id;
                if !(side_kept_base && from_a_changing_side) {
                    judged[j].insert(path.clone());
                }
            }
        }
        if judged.iter().all(BTreeSet::is_empty) {
            return Ok(());
        }
        let after = self.state(merged)?;
        for (j, ((_, tree, state), paths)) in sides.iter().zip(&judged).enumerate() {
            if paths.is_empty() {
                continue;
            }
            let others = sides
                .iter()
                .enumerate()
                .filter(|(i, _)| *i != j)
                .map(|(_, (_, t, _))| t)
                .collect();
            Rules {
                signer: *signer,
                when,
                before: state,
                after: &after,
                before_tree: tree,
                after_tree: merged,
                others,
            }
            .check_all(paths)?;
        }
        Ok(())
    }

    /// For every pair of sides: the commits one brings that the other lacks
    /// are not signed by a key the other holds as revoked.
    fn check_revoked_across(
        &self,
        ids: &[git2::Oid],
        sides: &[(git2::Oid, CommitTree<'r>, Rc<TrustState>)],
    ) -> Verdict {
        for (i, (side, _, state)) in sides.iter().enumerate() {
            let revoked = revoked_keys(&state.keyring);
            if revoked.is_empty() {
                continue;
            }
            for (j, other) in ids.iter().enumerate() {
                if i == j {
                    continue;
                }
                let brought =
                    new_commits(self.repo, &[*side], *other).map_err(|e| e.to_string())?;
                for c in brought {
                    if let Some(by) = history::signer(self.repo, c).filter(|s| revoked.contains(s))
                    {
                        return Err(format!(
                            "joins commit {c}, signed by {by}, to a history in which that key is revoked (a commit's date is not evidence: work by a revoked key is accepted only if it was already part of that history)"
                        ));
                    }
                }
            }
        }
        Ok(())
    }

    fn check_genesis(&mut self, tree: &CommitTree<'_>, signer: &Fingerprint) -> Verdict {
        if self.has_history {
            return Err("starts a history unrelated to this vault's".into());
        }
        layout::check_tree(tree.tree())?;
        let state = self.state(tree)?;
        if !state.config.roots.contains(signer) {
            return Err(format!(
                "creates the vault but is signed by {signer}, who is not one of its roots"
            ));
        }
        Ok(())
    }
}

fn check_signer(keyring: &Keyring, signer: &Fingerprint, when: DateTime<Utc>) -> Verdict {
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

/// The paths whose entries differ between `old` and `new`. Every entry
/// `new` brings must be a regular file of the vault layout
/// ([`layout::check_entry`]).
fn changed_paths(
    repo: &git2::Repository,
    old: &git2::Tree,
    new: &git2::Tree,
) -> std::result::Result<BTreeSet<String>, String> {
    // Only subtrees whose ids differ are opened: the cost is the change's.
    let deltas = crate::repo::tree_diff::between(repo, old, new).map_err(|e| e.to_string())?;
    let mut out = BTreeSet::new();
    for delta in deltas {
        if let Some((_, mode)) = delta.new {
            layout::check_entry(&delta.path, mode)?;
        }
        let path = String::from_utf8(delta.path).map_err(|_| {
            "changes a file whose name is not UTF-8 text, which no dossier vault holds".to_string()
        })?;
        out.insert(path);
    }
    Ok(out)
}

/// Whether `path` is one a key may change to extend its own expiry: its
/// binding (or the binding's signature) and `allowed_signers`.
fn renews_own_binding(path: &str, key: &Fingerprint) -> bool {
    match VaultPath::parse(path) {
        Some(VaultPath::AllowedSigners) => true,
        Some(VaultPath::Keyring {
            kind: KeyringFile::Binding,
            key: k,
            ..
        }) => k == *key,
        _ => false,
    }
}

/// Whether `path` is a signed document that names the version it replaces.
fn is_chained_document(path: &str) -> bool {
    VaultPath::parse(path).is_some_and(|p| p.is_chained_document())
}

fn outside_layout(path: &str) -> String {
    format!("writes {path}, which is not part of a dossier vault")
}

struct Rules<'a, 'r> {
    signer: Fingerprint,
    /// The commit's date: used only for expiry, never for revocation.
    when: DateTime<Utc>,
    before: &'a TrustState,
    after: &'a TrustState,
    before_tree: &'a CommitTree<'r>,
    after_tree: &'a CommitTree<'r>,
    /// In a merge, the other parents' trees: a signed document may name
    /// their version as the one it replaces too.
    others: Vec<&'a CommitTree<'r>>,
}

impl Rules<'_, '_> {
    fn check_all(&self, changed: &BTreeSet<String>) -> Verdict {
        self.check_entitled(changed)?;
        // Who may change what comes first (its refusal says more); then
        // that each signed document names the version it replaces.
        for path in changed {
            if is_chained_document(path) {
                self.succession(path)?;
            }
        }
        Ok(())
    }

    fn check_entitled(&self, changed: &BTreeSet<String>) -> Verdict {
        let mut keyring_changed = false;
        // Files of each case, so its access lists are read once per commit.
        let mut cases: BTreeMap<CaseId, Vec<CaseFile>> = BTreeMap::new();
        for path in changed {
            let Some(vault_path) = VaultPath::parse(path) else {
                return Err(outside_layout(path));
            };
            // The layout says who may change the file; each rule is checked here.
            match (vault_path.authority(), vault_path) {
                (Authority::Roots, _) => self.config_change()?,
                (Authority::Destroyers, VaultPath::Destruction { case }) => {
                    self.destruction(&case, path)?
                }
                (Authority::Administrators, VaultPath::ConflictSecret) => {
                    self.conflict_secret_change()?
                }
                (Authority::Administrators, _) => self.groups_change()?,
                (Authority::FollowsKeyring, _) => keyring_changed = true,
                (Authority::Anyone, _) => {}
                (
                    Authority::CardHolders
                    | Authority::Certifiers
                    | Authority::KeyOrAdministrators
                    | Authority::KeyItself,
                    VaultPath::Keyring { kind, key, .. },
                ) => {
                    keyring_changed = true;
                    self.keyring_change(path, kind, key)?;
                }
                (
                    Authority::OwnersOrAdministrators | Authority::Readers,
                    VaultPath::Case { case, file },
                ) => cases.entry(case).or_default().push(file),
                // Every other pairing is impossible by `VaultPath::authority`.
                (_, _) => return Err(outside_layout(path)),
            }
        }
        for (case, files) in cases {
            self.case_change(&case, &files)?;
        }
        if keyring_changed {
            self.keyring_only_grows()?;
            self.keyring_consistent()?;
        }
        Ok(())
    }

    /// A signed document names the version it replaces.
    fn succession(&self, path: &str) -> Verdict {
        let read = |t: &CommitTree<'_>| t.read(path).map_err(|e| e.to_string());
        let Some(new) = read(self.after_tree)? else {
            return Ok(()); // a deletion: judged by entitlement alone
        };
        let old = read(self.before_tree)?;
        let also = self
            .others
            .iter()
            .map(|t| read(t))
            .collect::<std::result::Result<Vec<_>, _>>()?;
        crate::vault::succession::check(path, &new, old.as_deref(), &also)
    }

    /// Revocations are permanent and bindings only move forward.
    fn keyring_only_grows(&self) -> Verdict {
        for old in self.before.keyring.entries() {
            let fp = old.fingerprint;
            let new = self.after.keyring.get(&fp);
            if old.revocation.is_some() && new.is_none_or(|e| e.revocation.is_none()) {
                return Err(format!(
                    "removes or undoes the revocation of {fp}; revocations are permanent"
                ));
            }
            let Some(previous) = &old.binding else {
                continue;
            };
            match new.and_then(|e| e.binding.as_ref()) {
                None => {
                    return Err(format!(
                        "removes the binding of {fp}, which would undo its key rotation; a key rotation only moves forward"
                    ))
                }
                Some(b) if b == previous => {}
                Some(b) => {
                    let seen_before = b.age_recipient != previous.age_recipient
                        && b.age_recipient == old.card.age_recipient;
                    if b.issued < previous.issued || seen_before {
                        return Err(format!(
                            "replaces the binding of {fp} with an earlier one; a key rotation only moves forward"
                        ));
                    }
                }
            }
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
        self.before.keyring.is_valid_admin_at(fp, self.when)
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

    /// A destruction record is written once, by an administrator, in the
    /// commit that removes every file of its case; never changed or removed.
    fn destruction(&self, case: &CaseId, path: &str) -> Verdict {
        let read = |t: &CommitTree<'_>| t.read(path).map_err(|e| e.to_string());
        if read(self.before_tree)?.is_some() {
            return Err(format!(
                "changes or removes the record that case {case} was destroyed; that record is permanent"
            ));
        }
        if !self.is_admin(&self.signer) {
            return Err(format!(
                "records the destruction of case {case}, but its signer {} is not an administrator",
                self.label(&self.signer)
            ));
        }
        let dir = crate::vault::layout::case_dir(case);
        if self
            .after_tree
            .subtree_id(&dir)
            .map_err(|e| e.to_string())?
            .is_some()
        {
            return Err(format!(
                "records the destruction of case {case} but leaves files of it in place"
            ));
        }
        Ok(())
    }

    /// Whether this commit destroys case `case` (its destruction record is
    /// new): the removal of its files is then judged by [`Rules::destruction`].
    fn destroys(&self, case: &CaseId) -> std::result::Result<bool, String> {
        let path = crate::vault::layout::destruction_path(case);
        let read = |t: &CommitTree<'_>| t.read(&path).map_err(|e| e.to_string());
        Ok(read(self.before_tree)?.is_none() && read(self.after_tree)?.is_some())
    }

    fn conflict_secret_change(&self) -> Verdict {
        if self.is_admin(&self.signer) {
            Ok(())
        } else {
            Err(format!(
                "changes the firm's conflict secret, but its signer {} is not an administrator",
                self.label(&self.signer)
            ))
        }
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

    fn keyring_change(&self, path: &str, kind: KeyringFile, fp: Fingerprint) -> Verdict {
        let signer = self.signer;
        let entry = self.after.keyring.get(&fp);
        let present = self
            .after_tree
            .read(path)
            .map_err(|e| e.to_string())?
            .is_some();
        let card = crate::vault::layout::card_path(&fp);
        let blob = |t: &CommitTree<'_>| t.blob_id(&card).map_err(|e| e.to_string());
        let card_replaced = blob(self.before_tree)? != blob(self.after_tree)?;
        match kind {
            // Only an administrator takes a card out of the keyring.
            KeyringFile::Card if !present && !self.is_admin(&signer) => Err(format!(
                "removes the key card of {fp}, but its signer {} is not an administrator",
                self.label(&signer)
            )),
            // Anyone in the vault may import a card: it is not trusted
            // until an administrator certifies it.
            KeyringFile::Card => Ok(()),
            // Trust is dropped by an administrator, by the key itself, or
            // with the card it certified replaced (a newer self-signed card
            // needs certifying again).
            KeyringFile::Certification if !present => {
                if self.is_admin(&signer) || signer == fp || card_replaced {
                    Ok(())
                } else {
                    Err(format!(
                        "removes the certification of {fp}, but its signer {} is neither an administrator nor that key",
                        self.label(&signer)
                    ))
                }
            }
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
    fn case_change(&self, case: &CaseId, files: &[CaseFile]) -> Verdict {
        if self.destroys(case)? {
            return Ok(());
        }
        let case = case.clone();
        let old = self.list(self.before_tree, &case)?;
        let new = self.list(self.after_tree, &case)?;
        if files.iter().any(CaseFile::is_access) {
            self.access_change(&case, old.as_ref(), new.as_ref())?;
        }
        if files.iter().all(CaseFile::is_access) {
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
        let rel = crate::vault::layout::access_path(case);
        let read = |p: &str| self.after_tree.read(p).map_err(|e| e.to_string());
        let bytes = read(&rel)?.unwrap_or_default();
        let Some(sig) = read(&format!("{rel}.sig"))? else {
            return Err(format!("brings an unsigned access list for case {case}"));
        };
        let v = crate::keys::signature::verify(
            &sig,
            crate::keys::signature::DOCUMENT_NAMESPACE,
            &bytes,
        )
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
            .read(&crate::vault::layout::access_path(case))
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

#[cfg(test)]
mod tests {
    //! The incoming rules on their own: a real repository, and commits made
    //! past every check (forged as a hostile colleague would), verified
    //! in-process.

    use super::*;
    use crate::ops::cases::{self, NewCase};
    use crate::repo::store::CommitMessage;
    use crate::samples::testkit::{self, forged_commit, TestKey};

    fn refusal(repo: &git2::Repository, known: git2::Oid, tip: git2::Oid) -> String {
        match verify(repo, None, &[known], tip) {
            Err(Error::IncomingRejected { commit, reason }) => {
                assert_eq!(commit, tip.to_string());
                reason
            }
            other => panic!("expected a refusal of {tip}, got {other:?}"),
        }
    }

    #[test]
    fn history_made_by_dossier_verifies_from_its_first_commit() {
        let dir = tempfile::tempdir().unwrap();
        let (ada, vault) = testkit::owner_and_vault(dir.path());
        cases::create(&vault, &ada, NewCase::default()).unwrap();
        let head = vault.repo().head().unwrap().target().unwrap();
        let checked = verify(vault.repo(), Some(vault.keyring()), &[], head).unwrap();
        assert_eq!(checked, 2, "init and the new case");
    }

    #[test]
    fn unsigned_unknown_misplaced_and_unentitled_commits_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let (ada, mut vault) = testkit::owner_and_vault(dir.path());
        let ben = testkit::person(dir.path(), "Ben", "x.example").unwrap();
        let ben_fp = testkit::join(&mut vault, &ada, &ben).unwrap();
        let id = cases::create(&vault, &ada, NewCase::default()).unwrap();
        let repo = vault.repo();
        let head = repo.head().unwrap().target().unwrap();
        let record = format!("cases/{id}/case.yaml.age");
        let by = |actor: Fingerprint| CommitMessage::for_case("edit", &id, actor).render();

        // No signature at all.
        let unsigned = forged_commit(
            repo,
            None,
            head,
            &[(&record, Some(b"x"))],
            &by(ada.fingerprint()),
        );
        let reason = refusal(repo, head, unsigned.unwrap());
        assert!(reason.contains("not signed"), "{reason}");

        // Signed by a key the vault never certified.
        let mallory = TestKey::new("Mallory", chrono::Utc::now()).unwrap();
        let stranger = forged_commit(
            repo,
            Some(&mallory.signing),
            head,
            &[(&record, Some(b"x"))],
            &by(mallory.fp),
        )
        .unwrap();
        let reason = refusal(repo, head, stranger);
        assert!(
            reason.contains(&format!("{}, a key this vault does not know", mallory.fp)),
            "{reason}"
        );

        // The root herself, writing a file the layout has no place for.
        let misplaced = forged_commit(
            repo,
            Some(ada.signing_key().unwrap()),
            head,
            &[(&format!("cases/{id}/run.sh"), Some(b"#!/bin/sh\n"))],
            &by(ada.fingerprint()),
        )
        .unwrap();
        let reason = refusal(repo, head, misplaced);
        assert!(
            reason.ends_with("run.sh, which is not part of a dossier vault"),
            "{reason}"
        );

        // A certified member of staff changing the groups, an administrator's document.
        let groups = forged_commit(
            repo,
            Some(ben.signing_key().unwrap()),
            head,
            &[(
                crate::vault::layout::GROUPS_PATH,
                Some(b"dossier_groups: 2\n"),
            )],
            &CommitMessage::for_vault("group-set", ben_fp).render(),
        )
        .unwrap();
        let reason = refusal(repo, head, groups);
        assert!(
            reason.starts_with("changes the groups, but its signer Ben")
                && reason.ends_with("is not an administrator"),
            "{reason}"
        );
    }
}
