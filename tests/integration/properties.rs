//! Property tests over random sequences of grant, revoke-access, notes,
//! group changes, grants to a group, key rotations, legitimate merges
//! through `sync`, replayed access lists and laundering merges (issues 10 and 16): a key removed from a case
//! never decrypts a file written after its removal, every file is
//! encrypted to exactly the readers its access list resolved to, and a
//! rotated-out key opens nothing written after its rotation.
//!
//! One small world per case: Alice (root, owner of the case), Ben and
//! Chidi (certified staff, readers from the start) and Mallory (certified
//! staff, the attacker, who may also be granted access). Legitimate operations go through the library
//! in-process, each on a freshly opened vault, as the CLI does. Attacks
//! bypass dossier entirely: commits built with git2 plumbing, either
//! unsigned or signed with Mallory's real key and dossier's trailers.
//!
//! The model records who legitimately reads the case: the direct entries,
//! plus the members of the group `team` while the case is granted to it
//! (only operations that succeeded through the library change either),
//! each person's rotated-out keys, and every `.age`
//! blob a legitimate operation committed, with the readers at that moment.
//! After every step:
//! - a person legitimately removed and not re-granted since decrypts none
//!   of the files committed after the removal, nor any `.age` file of the
//!   case at `HEAD` or in the working tree;
//! - every file is encrypted to exactly the model's readers of its time
//!   (positive control: the decryption check can tell the two apart);
//! - a key its owner rotated out decrypts none of the files committed
//!   after the rotation, nor any current file of the case;
//! - an attack that changes the access list, or is unsigned, is refused by
//!   the next open with [`Error::UnverifiedHistory`] naming an attack
//!   commit, after which the branch returns to the watermark; a history of
//!   legitimate commits only is never refused.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Once;

use dossier::case::{AccessEntry, CaseId};
use dossier::error::{Error, Unchanged};
use dossier::keys::fingerprint::Fingerprint;
use dossier::keys::identity::Session;
use dossier::keys::signature;
use dossier::ops::{admin, cases, rotation};
use dossier::repo::store::CommitMessage;
use dossier::samples::testkit;
use dossier::sync::remotes;
use dossier::trust::verified;
use dossier::vault::Vault;
use proptest::prelude::*;

const ALICE: usize = 0;
const BEN: usize = 1;
const CHIDI: usize = 2;
const MALLORY: usize = 3;
const NAMES: [&str; 4] = ["Alice", "Ben", "Chidi", "Mallory"];

/// The pin file (`$XDG_CONFIG_HOME/dossier/known_vaults.yaml`) goes under
/// cargo's temporary directory for tests, never the user's config. Set
/// once, before any vault is opened in this process.
fn hermetic_config() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("properties-config");
        std::fs::create_dir_all(&dir).expect("config dir");
        std::env::set_var("XDG_CONFIG_HOME", dir);
    });
}

#[derive(Debug, Clone)]
enum Op {
    /// Alice grants person `1 + p` (Ben, Chidi or Mallory).
    Grant(usize),
    /// Alice removes person `1 + p`.
    RevokeAccess(usize),
    /// A note by the `r`-th current reader (modulo their number).
    NoteBy(usize),
    /// The access list and its signature as the `k`-th version on the
    /// first-parent line (oldest first, modulo their number; versions that
    /// differ from the current list preferred) committed again, by plain
    /// git (unsigned), or signed with dossier's trailers by Mallory (not an
    /// owner) or by Alice herself (the owner, entitled to change the list:
    /// only the list's `replaces` tells her old version from a new one).
    Replay { k: usize, by: Replayer },
    /// A merge signed by Mallory whose second parent is the commit that
    /// introduced the `k`-th version of the access list (chosen as for
    /// `Replay`, `HEAD` left out), its tree `HEAD`'s with that commit's list.
    MergeOld(usize),
    /// Alice (an administrator) sets the members of `team`: the people
    /// `1 + i` for each bit `i` of the mask (never empty).
    GroupSet(u8),
    /// Alice grants the case to `@team`.
    GrantTeam,
    /// Alice takes `@team` off the case.
    RevokeTeam,
    /// Person `p` rotates their encryption key.
    Rotate(usize),
    /// A legitimate merge: in a colleague's clone the `r`-th current
    /// reader adds a note while Alice adds one here; Alice's `sync` from
    /// that clone joins both in a signed merge.
    PeerMerge(usize),
}

/// Who commits a replayed list.
#[derive(Debug, Clone, Copy)]
enum Replayer {
    Unsigned,
    Mallory,
    Alice,
}

fn op() -> impl Strategy<Value = Op> {
    // Removals and attacks weigh more: they make the interesting cases.
    prop_oneof![
        2 => (0..3usize).prop_map(Op::Grant),
        3 => (0..3usize).prop_map(Op::RevokeAccess),
        2 => (0..4usize).prop_map(Op::NoteBy),
        3 => (
            0..4usize,
            prop_oneof![
                Just(Replayer::Unsigned),
                Just(Replayer::Mallory),
                Just(Replayer::Alice)
            ]
        )
            .prop_map(|(k, by)| Op::Replay { k, by }),
        2 => (0..4usize).prop_map(Op::MergeOld),
        2 => (1..8u8).prop_map(Op::GroupSet),
        1 => Just(Op::GrantTeam),
        1 => Just(Op::RevokeTeam),
        1 => (0..4usize).prop_map(Op::Rotate),
        1 => (0..4usize).prop_map(Op::PeerMerge),
    ]
}

/// A `.age` blob committed by a legitimate operation.
struct Written {
    blob: git2::Oid,
    path: String,
    /// The model's readers when it was committed.
    readers: BTreeSet<usize>,
}

/// An attack commit on the branch, not yet judged by an open.
struct Attack {
    commit: git2::Oid,
    /// Unsigned, or changes the access list: must be refused.
    harmful: bool,
    what: String,
}

struct Run {
    _tmp: tempfile::TempDir,
    root: PathBuf,
    people: Vec<Session>,
    case: CaseId,
    /// Who legitimately reads the case (person indices; Alice always):
    /// `direct`, plus `team` while `team_granted`.
    readers: BTreeSet<usize>,
    /// The people on the access list by their own key.
    direct: BTreeSet<usize>,
    /// The members of `team`, once the group exists.
    team: Option<BTreeSet<usize>>,
    /// Whether `@team` is on the access list.
    team_granted: bool,
    /// Rotated-out keys: (whose, a session holding only the keys they had
    /// before, the index into `written` from which the rotation counts).
    retired: Vec<(usize, Session, usize)>,
    /// Per person: the index into `written` from which they were removed,
    /// while they stay removed.
    removed: [Option<usize>; 4],
    written: Vec<Written>,
    pending: Vec<Attack>,
    /// `HEAD` after the last legitimate operation or accepted open.
    trusted: git2::Oid,
    /// (blob, person) → decrypts.
    opens: HashMap<(git2::Oid, usize), bool>,
    log: Vec<String>,
    /// Broken expectations besides the property, reported after it.
    faults: Vec<String>,
}

fn person(dir: &Path, name: &str) -> Session {
    testkit::person(dir, name, "firm.example").expect("person")
}

fn head(repo: &git2::Repository) -> git2::Oid {
    repo.head().expect("head").target().expect("oid")
}

fn blob_at(tree: &git2::Tree, path: &str) -> Option<git2::Oid> {
    tree.get_path(Path::new(path)).ok().map(|e| e.id())
}

impl Run {
    fn new() -> Run {
        hermetic_config();
        let tmp = tempfile::tempdir().expect("temp dir");
        let homes = tmp.path().join("homes");
        let people: Vec<Session> = NAMES.iter().map(|n| person(&homes, n)).collect();
        let root = tmp.path().join("vault");
        let mut vault = admin::init(&root, "Property Firm", &people[ALICE]).expect("init");
        for who in &people[1..] {
            let card = who.identity().card().to_yaml().expect("card");
            let fp = admin::import_card(&vault, &people[ALICE], card.as_bytes()).expect("import");
            vault.reload().expect("reload");
            admin::certify(&vault, &people[ALICE], &fp).expect("certify");
            vault.reload().expect("reload");
        }
        let case = cases::create(
            &vault,
            &people[ALICE],
            cases::NewCase {
                title: "Asylum appeal".into(),
                client: Some("Miriam Tesfaye".into()),
                reference: None,
                grants: vec![
                    AccessEntry::Key(people[BEN].fingerprint()),
                    AccessEntry::Key(people[CHIDI].fingerprint()),
                ],
                pseudonym: None,
                conflict_check: None,
            },
        )
        .expect("create case");
        let root = vault.root().to_path_buf();
        drop(vault);
        let mut run = Run {
            _tmp: tmp,
            root,
            people,
            case,
            readers: [ALICE, BEN, CHIDI].into_iter().collect(),
            direct: [ALICE, BEN, CHIDI].into_iter().collect(),
            team: None,
            team_granted: false,
            retired: Vec::new(),
            removed: [None; 4],
            written: Vec::new(),
            pending: Vec::new(),
            trusted: git2::Oid::ZERO_SHA1,
            opens: HashMap::new(),
            log: Vec::new(),
            faults: Vec::new(),
        };
        run.after_legit("create");
        run
    }

    fn repo(&self) -> git2::Repository {
        git2::Repository::open(&self.root).expect("repo")
    }

    fn fp(&self, who: usize) -> Fingerprint {
        self.people[who].fingerprint()
    }

    fn who(&self, fp: &Fingerprint) -> usize {
        (0..NAMES.len())
            .find(|&i| self.fp(i) == *fp)
            .unwrap_or_else(|| panic!("{fp} is nobody in this world"))
    }

    fn case_dir(&self) -> String {
        format!("cases/{}/", self.case)
    }

    fn access(&self) -> String {
        format!("cases/{}/access.yaml", self.case)
    }

    /// Opens the vault for a legitimate operation, as every command does.
    /// A refusal must name a pending attack; the branch then goes back to
    /// the watermark, as the refusal advises, and the vault is opened again.
    fn open(&mut self) -> Vault {
        match Vault::open(&self.root) {
            Ok(vault) => {
                for attack in self.pending.drain(..) {
                    self.log.push(format!("  accepted {}", attack.commit));
                    if attack.harmful {
                        self.faults.push(format!(
                            "history with the attack {} ({}) was accepted",
                            attack.commit, attack.what
                        ));
                    }
                }
                self.trusted = head(vault.repo());
                if verified::watermark(vault.repo()) != Some(self.trusted) {
                    self.faults
                        .push(format!("opened, but {} is not verified", self.trusted));
                }
                vault
            }
            Err(Error::UnverifiedHistory { commit, reason, .. }) => {
                // The refused commit is an attack, and not one after the
                // first harmful one (verification goes parents first).
                let upto = self
                    .pending
                    .iter()
                    .position(|a| a.harmful)
                    .map_or(self.pending.len(), |i| i + 1);
                assert!(
                    self.pending[..upto]
                        .iter()
                        .any(|a| a.commit.to_string() == commit),
                    "refused commit {commit} ({reason}), which is not one of the attacks {:?}\n{}",
                    self.pending
                        .iter()
                        .map(|a| a.commit.to_string())
                        .collect::<Vec<_>>(),
                    self.log.join("\n")
                );
                self.log.push(format!("  refused {commit}: {reason}"));
                let repo = self.repo();
                let mark = verified::watermark(&repo).expect("a watermark");
                assert_eq!(
                    mark, self.trusted,
                    "the watermark is the last trusted state"
                );
                let target = repo.find_object(mark, None).expect("watermark commit");
                repo.reset(&target, git2::ResetType::Hard, None)
                    .expect("reset to the watermark");
                self.pending.clear();
                let vault = Vault::open(&self.root).expect("open after the reset");
                assert_eq!(head(vault.repo()), self.trusted);
                vault
            }
            Err(e) => self.fail(&format!("open: {e}")),
        }
    }

    /// Records the `.age` blobs the legitimate commit at `HEAD` wrote, and
    /// checks the library's view of the list against the model.
    fn after_legit(&mut self, what: &str) {
        let repo = self.repo();
        let commit = repo.find_commit(head(&repo)).expect("commit");
        let tree = commit.tree().expect("tree");
        let parent = commit.parent(0).ok().map(|p| p.tree().expect("tree"));
        let diff = repo
            .diff_tree_to_tree(parent.as_ref(), Some(&tree), None)
            .expect("diff");
        let dir = self.case_dir();
        for delta in diff.deltas() {
            let path = delta
                .new_file()
                .path()
                .and_then(|p| p.to_str())
                .unwrap_or("");
            if delta.status() != git2::Delta::Deleted
                && path.starts_with(&dir)
                && path.ends_with(".age")
            {
                self.written.push(Written {
                    blob: delta.new_file().id(),
                    path: path.to_string(),
                    readers: self.readers.clone(),
                });
            }
        }
        self.log
            .push(format!("  {what}: committed {}", commit.id()));
        // Opening verifies the new commit and moves the watermark to it.
        let vault = self.open();
        let list = vault.access_list(&self.case).expect("access list");
        let mut listed = BTreeSet::new();
        let mut team_listed = false;
        for entry in list.entries() {
            match entry {
                AccessEntry::Key(fp) => {
                    listed.insert(self.who(&fp));
                }
                AccessEntry::Group(g) if g.as_str() == "team" => team_listed = true,
                AccessEntry::Group(g) => panic!("no group {g} in this world"),
            }
        }
        if listed != self.direct || team_listed != self.team_granted {
            self.faults.push(format!(
                "the verified list names {listed:?} (team: {team_listed}), the model {:?} (team: {})",
                self.direct, self.team_granted
            ));
        }
    }

    /// A legitimate operation failed: says why, with any broken
    /// expectation that explains it (an attack accepted) and the steps.
    fn fail(&self, what: &str) -> ! {
        panic!(
            "{what}\n{}\n{}",
            self.faults.join("\n"),
            self.log.join("\n")
        )
    }

    fn decrypts(&mut self, blob: git2::Oid, who: usize, repo: &git2::Repository) -> bool {
        if let Some(&known) = self.opens.get(&(blob, who)) {
            return known;
        }
        let ct = repo.find_blob(blob).expect("blob").content().to_vec();
        let keys = self.people[who].decryption_keys().expect("keys");
        let opens = dossier::crypto::decrypt(&ct, keys, Path::new("blob")).is_ok();
        self.opens.insert((blob, who), opens);
        opens
    }

    fn step(&mut self, op: &Op) {
        self.log.push(format!("{op:?}"));
        match *op {
            Op::Grant(p) => self.access_change(1 + p, true),
            Op::RevokeAccess(p) => self.access_change(1 + p, false),
            Op::NoteBy(r) => {
                let vault = self.open();
                let who = *self
                    .readers
                    .iter()
                    .nth(r % self.readers.len())
                    .expect("reader");
                let text = format!("note {} by {}", self.log.len(), NAMES[who]);
                let added = cases::add_note(&vault, &self.people[who], &self.case, &text);
                drop(vault);
                if let Err(e) = added {
                    self.fail(&format!("{} adds a note: {e}", NAMES[who]));
                }
                self.after_legit("note");
            }
            Op::Replay { k, by } => self.replay(k, by),
            Op::MergeOld(k) => self.merge_old(k),
            Op::GroupSet(mask) => self.group_set(mask),
            Op::GrantTeam => self.team_access(true),
            Op::RevokeTeam => self.team_access(false),
            Op::Rotate(who) => self.rotate(who),
            Op::PeerMerge(r) => self.peer_merge(r),
        }
        self.check();
    }

    /// Recomputes who reads the case from the model's list and groups;
    /// whoever left counts as removed from the next file written on.
    fn settle_readers(&mut self) {
        let mut now = self.direct.clone();
        if self.team_granted {
            now.extend(self.team.iter().flatten().copied());
        }
        for who in 0..NAMES.len() {
            match (self.readers.contains(&who), now.contains(&who)) {
                (true, false) => self.removed[who] = Some(self.written.len()),
                (false, true) => self.removed[who] = None,
                _ => {}
            }
        }
        self.readers = now;
    }

    fn group_set(&mut self, mask: u8) {
        let members: BTreeSet<usize> = (0..3)
            .filter(|i| mask & (1 << i) != 0)
            .map(|i| 1 + i)
            .collect();
        let fps: Vec<Fingerprint> = members.iter().map(|&m| self.fp(m)).collect();
        let vault = self.open();
        let result = admin::set_group(&vault, &self.people[ALICE], "team", &fps, &|_| {});
        drop(vault);
        match result {
            Ok(change) => {
                if !change.outcome.details().is_empty() {
                    self.fail(&format!(
                        "the group change left cases undone: {}",
                        change.outcome.details()
                    ));
                }
                self.team = Some(members);
                self.settle_readers();
                self.after_legit("group set");
            }
            Err(why @ Error::Unchanged(Unchanged::GroupMembers { .. })) => {
                assert_eq!(self.team.as_ref(), Some(&members), "refused: {why}");
                self.log.push(format!("  refused: {why}"));
            }
            Err(e) => self.fail(&format!("group set {members:?}: {e}")),
        }
    }

    /// Alice grants `entry` the case, or takes it off, on a freshly opened
    /// vault, as the CLI does.
    fn alice_changes_access(&mut self, entry: AccessEntry, grant: bool) -> Result<(), Error> {
        let vault = self.open();
        let alice = &self.people[ALICE];
        if grant {
            cases::grant(&vault, alice, &self.case, entry).map(|_| ())
        } else {
            cases::revoke_access(&vault, alice, &self.case, entry).map(|_| ())
        }
    }

    fn team_access(&mut self, grant: bool) {
        let result = self.alice_changes_access(
            AccessEntry::Group("team".parse().expect("group name")),
            grant,
        );
        match result {
            Ok(()) => {
                assert_eq!(
                    self.team_granted, !grant,
                    "the library agreed to a no-op change"
                );
                assert!(self.team.is_some(), "granted a group that does not exist");
                self.team_granted = grant;
                self.settle_readers();
                self.after_legit(if grant { "grant @team" } else { "revoke @team" });
            }
            Err(
                why @ (Error::Unchanged(Unchanged::Granted { .. })
                | Error::NotOnAccessList { .. }
                | Error::InvalidRecipient { .. }),
            ) => {
                let expected = match why {
                    // "no group named @team": refused before it exists.
                    Error::InvalidRecipient { .. } => grant && self.team.is_none(),
                    _ => self.team_granted == grant,
                };
                assert!(expected, "refused: {why}\n{}", self.log.join("\n"));
                self.log.push(format!("  refused: {why}"));
            }
            Err(e) => self.fail(&format!(
                "{} @team: {e}",
                if grant { "grant" } else { "revoke" }
            )),
        }
    }

    fn peer_merge(&mut self, r: usize) {
        // Settle any pending attack first: the colleague clones what is
        // trusted.
        drop(self.open());
        let n = self.log.len();
        let peer = self.root.with_file_name(format!("peer-{n}"));
        let bare = self.root.with_file_name(format!("peer-{n}.git"));
        let url = self.root.to_str().expect("utf8 path").to_string();
        git2::Repository::clone(&url, &peer).expect("clone");
        let who = *self
            .readers
            .iter()
            .nth(r % self.readers.len())
            .expect("reader");
        let theirs = Vault::open(&peer).expect("open the clone");
        let text = format!("note {n} by {} in a clone", NAMES[who]);
        if let Err(e) = cases::add_note(&theirs, &self.people[who], &self.case, &text) {
            self.fail(&format!("{} adds a note in a clone: {e}", NAMES[who]));
        }
        drop(theirs);
        git2::build::RepoBuilder::new()
            .bare(true)
            .clone(peer.to_str().expect("utf8 path"), &bare)
            .expect("bare copy");
        // Alice's own note here makes the histories diverge; the merge
        // commit then brings the colleague's note, which `after_legit`
        // records with the readers of now (nobody's access changed since
        // the clone).
        self.step(&Op::NoteBy(0));
        let mut vault = self.open();
        let remote = format!("peer{n}");
        remotes::add(&vault, &remote, bare.to_str().expect("utf8 path")).expect("remote add");
        let resolver = dossier::sync::merge::Choices::default();
        let mut progress = |_| {};
        let never = |_: &dossier::sync::transport::UnknownHost| false;
        let no_key = |_: &Path| None;
        let options = dossier::sync::SyncOptions {
            ssh_key: None,
            known_hosts: self.root.with_file_name("known_hosts"),
            accept_unknown_host: &never,
            key_passphrase: &no_key,
            resolver: &resolver,
            progress: &mut progress,
        };
        let synced = dossier::sync::sync(&mut vault, &self.people[ALICE], Some(&remote), options);
        drop(vault);
        match synced {
            Ok(report) if matches!(report.outcome, dossier::sync::Outcome::Merged { .. }) => {
                self.after_legit("merge");
            }
            Ok(report) => self.fail(&format!("the sync did not merge: {}", report.summary())),
            Err(e) => self.fail(&format!("sync from the clone: {e}")),
        }
    }

    fn rotate(&mut self, who: usize) {
        let vault = self.open();
        let result = rotation::rotate(
            &vault,
            &self.people[who],
            testkit::FAST_SCRYPT_LOG_N,
            &|_| {},
        );
        drop(vault);
        match result {
            Ok(done) => {
                if !done.outcome.details().is_empty() {
                    self.fail(&format!(
                        "the rotation left cases undone: {}",
                        done.outcome.details()
                    ));
                }
                // The old session still holds only the keys from before.
                // A fresh session on the same (unprotected) identity.
                let home = self.people[who].identity().home().dir().to_path_buf();
                let fresh = testkit::session(&home, "").expect("session");
                fresh.unlock().expect("unlock");
                let old = std::mem::replace(&mut self.people[who], fresh);
                // Cached answers were for the old keys only: a blob the
                // new key opens did not exist before, so they stay true.
                self.retired.push((who, old, self.written.len()));
                self.after_legit("rotate");
            }
            Err(e) => self.fail(&format!("{} rotates: {e}", NAMES[who])),
        }
    }

    fn access_change(&mut self, who: usize, grant: bool) {
        let result = self.alice_changes_access(AccessEntry::Key(self.fp(who)), grant);
        let listed = self.direct.contains(&who);
        match result {
            Ok(()) => {
                assert_eq!(listed, !grant, "the library agreed to a no-op change");
                // The revocation's own re-encrypted files count as written
                // after the removal.
                if grant {
                    self.direct.insert(who);
                } else {
                    self.direct.remove(&who);
                }
                self.settle_readers();
                self.after_legit(if grant { "grant" } else { "revoke-access" });
            }
            Err(
                why @ (Error::Unchanged(Unchanged::Granted { .. })
                | Error::NotOnAccessList { .. }
                | Error::LastOwner { .. }),
            ) => {
                assert_eq!(listed, grant, "refused: {why}\n{}", self.log.join("\n"));
                self.log.push(format!("  refused: {why}"));
            }
            Err(e) => self.fail(&format!(
                "{} {}: {e}",
                if grant { "grant" } else { "revoke" },
                NAMES[who]
            )),
        }
    }

    /// The commits of the first-parent line from `HEAD` that introduced a
    /// version of the access list, oldest first (so that shrinking `k`
    /// goes to the case's first list, which a later change never makes
    /// newer).
    fn versions(&self, repo: &git2::Repository) -> Vec<git2::Oid> {
        let path = self.access();
        let mut out = Vec::new();
        let mut commit = repo.find_commit(head(repo)).expect("head");
        loop {
            let here = blob_at(&commit.tree().expect("tree"), &path);
            let parent = commit.parent(0).ok();
            let before = parent
                .as_ref()
                .and_then(|p| blob_at(&p.tree().expect("tree"), &path));
            if here.is_some() && here != before {
                out.push(commit.id());
            }
            match parent {
                Some(p) => commit = p,
                None => break,
            }
        }
        out.reverse();
        out
    }

    /// What an attacker replays: the versions whose list differs from
    /// `HEAD`'s (all of them when none does), oldest first, leaving out
    /// `HEAD` itself when `older`.
    fn targets(&self, repo: &git2::Repository, older: bool) -> Vec<git2::Oid> {
        let tip = head(repo);
        let path = self.access();
        let now = blob_at(
            &repo.find_commit(tip).expect("head").tree().expect("tree"),
            &path,
        );
        let all: Vec<git2::Oid> = self
            .versions(repo)
            .into_iter()
            .filter(|c| !older || *c != tip)
            .collect();
        let differing: Vec<git2::Oid> = all
            .iter()
            .copied()
            .filter(|c| {
                let tree = repo.find_commit(*c).expect("commit").tree().expect("tree");
                blob_at(&tree, &path) != now
            })
            .collect();
        if differing.is_empty() {
            all
        } else {
            differing
        }
    }

    /// `HEAD`'s tree with the access list and signature as in `old`
    /// (removed where `old` lacks them).
    fn tree_with_access_of(&self, repo: &git2::Repository, old: git2::Oid) -> git2::Oid {
        let head_tree = repo
            .find_commit(head(repo))
            .expect("head")
            .tree()
            .expect("tree");
        let old_tree = repo.find_commit(old).expect("old").tree().expect("tree");
        let mut index = git2::Index::new().expect("index");
        index.read_tree(&head_tree).expect("read tree");
        for path in [self.access(), format!("{}.sig", self.access())] {
            let Ok(entry) = old_tree.get_path(Path::new(&path)) else {
                // Before the case existed: the merge takes its deletion.
                index.remove_path(Path::new(&path)).expect("unstage");
                continue;
            };
            let size = repo.find_blob(entry.id()).expect("blob").size();
            index
                .add(&git2::IndexEntry {
                    ctime: git2::IndexTime::new(0, 0),
                    mtime: git2::IndexTime::new(0, 0),
                    dev: 0,
                    ino: 0,
                    mode: 0o100644,
                    uid: 0,
                    gid: 0,
                    file_size: size as u32,
                    id: entry.id(),
                    flags: path.len() as u16,
                    flags_extended: 0,
                    path: path.as_bytes().to_vec(),
                })
                .expect("stage");
        }
        index.write_tree_to(repo).expect("write tree")
    }

    /// A commit signed with Mallory's real key, as git's SSH signing does
    /// (bypassing dossier's store: nothing is checked).
    /// A commit signed by person `signer` in-process (an SSHSIG over the
    /// commit buffer, as git's SSH signing makes), bypassing dossier's store.
    fn signed_commit(
        &self,
        signer: usize,
        repo: &git2::Repository,
        message: &str,
        tree: git2::Oid,
        parents: &[git2::Oid],
    ) -> git2::Oid {
        let fp = self.fp(signer);
        let who = git2::Signature::now(&fp.to_string(), "insider@firm.example").expect("sig");
        let tree = repo.find_tree(tree).expect("tree");
        let parents: Vec<git2::Commit> = parents
            .iter()
            .map(|p| repo.find_commit(*p).expect("parent"))
            .collect();
        let refs: Vec<&git2::Commit> = parents.iter().collect();
        let buffer = repo
            .commit_create_buffer(&who, &who, message, &tree, &refs)
            .expect("buffer");
        let content = std::str::from_utf8(&buffer).expect("utf8");
        let key = self.people[signer].signing_key().expect("key");
        let armored = signature::sign(key, signature::GIT_NAMESPACE, content.as_bytes())
            .expect("sign commit");
        repo.commit_signed(content, armored.trim_end(), Some("gpgsig"))
            .expect("commit")
    }

    /// Moves the branch to `commit` and checks it out, as a pull would; it
    /// must be refused if unsigned or if it changes the access list.
    fn put_on_branch(&mut self, repo: &git2::Repository, commit: git2::Oid, what: String) {
        let parent = repo.find_commit(commit).expect("commit").parent(0);
        let before = parent.expect("parent").tree().expect("tree");
        let after = repo
            .find_commit(commit)
            .expect("commit")
            .tree()
            .expect("tree");
        let access = self.access();
        let changes_access = [access.clone(), format!("{access}.sig")]
            .iter()
            .any(|p| blob_at(&before, p) != blob_at(&after, p));
        let unsigned = repo.extract_signature(&commit, None).is_err();
        let branch = repo.head().expect("head").name().expect("name").to_string();
        repo.reference(&branch, commit, true, "attack")
            .expect("move branch");
        repo.checkout_head(Some(git2::build::CheckoutBuilder::new().force()))
            .expect("checkout");
        self.log.push(format!("  {what}: {commit}"));
        self.pending.push(Attack {
            commit,
            harmful: unsigned || changes_access,
            what,
        });
    }

    fn replay(&mut self, k: usize, by: Replayer) {
        let repo = self.repo();
        let versions = self.targets(&repo, false);
        let old = versions[k % versions.len()];
        let tree = self.tree_with_access_of(&repo, old);
        let tip = head(&repo);
        let signed_by = |who: usize| {
            let message = CommitMessage::for_case("grant", &self.case, self.fp(who)).render();
            self.signed_commit(who, &repo, &message, tree, &[tip])
        };
        let commit = match by {
            Replayer::Mallory => signed_by(MALLORY),
            Replayer::Alice => signed_by(ALICE),
            Replayer::Unsigned => {
                let who = git2::Signature::now("x", "x@x").expect("sig");
                let tree = repo.find_tree(tree).expect("tree");
                let parent = repo.find_commit(tip).expect("head");
                repo.commit(None, &who, &who, "restore the list\n", &tree, &[&parent])
                    .expect("commit")
            }
        };
        let what = format!("{by:?}'s replay of the list of {old}");
        self.put_on_branch(&repo, commit, what);
    }

    fn merge_old(&mut self, k: usize) {
        let repo = self.repo();
        let tip = head(&repo);
        let mut older = self.targets(&repo, true);
        if older.is_empty() {
            // Only the case's creation: a merge with the commit before it.
            older.push(
                repo.find_commit(tip)
                    .expect("head")
                    .parent_id(0)
                    .expect("parent"),
            );
        }
        let old = older[k % older.len()];
        let tree = self.tree_with_access_of(&repo, old);
        let message = CommitMessage::for_vault("merge", self.fp(MALLORY)).render();
        let commit = self.signed_commit(MALLORY, &repo, &message, tree, &[tip, old]);
        self.put_on_branch(&repo, commit, format!("Mallory's merge with {old}"));
    }

    /// The property, and its positive control.
    fn check(&mut self) {
        let repo = self.repo();
        let log = self.log.join("\n");
        // Files written by legitimate operations: encrypted to exactly the
        // readers of their time; none opens for a person removed before.
        for i in 0..self.written.len() {
            let (blob, path, readers) = {
                let w = &self.written[i];
                (w.blob, w.path.clone(), w.readers.clone())
            };
            for (who, name) in NAMES.iter().enumerate() {
                let opens = self.decrypts(blob, who, &repo);
                if self.removed[who].is_some_and(|from| i >= from) {
                    assert!(
                        !opens,
                        "{} was removed from the case, yet decrypts {path} ({blob}), written after the removal\n{log}",
                        name
                    );
                }
                assert_eq!(
                    opens,
                    readers.contains(&who),
                    "{path} ({blob}) is not encrypted to exactly the readers of its time ({} decrypts: {opens})\n{log}",
                    name
                );
            }
        }
        // The case as it stands now, committed and in the working tree.
        let tree = repo
            .find_commit(head(&repo))
            .expect("head")
            .tree()
            .expect("tree");
        let dir = self.case_dir();
        let mut now: Vec<(String, git2::Oid)> = Vec::new();
        tree.walk(git2::TreeWalkMode::PreOrder, |parent, entry| {
            let path = format!("{parent}{}", entry.name().unwrap_or(""));
            if path.starts_with(&dir) && path.ends_with(".age") {
                now.push((path, entry.id()));
            }
            git2::TreeWalkResult::Ok
        })
        .expect("walk");
        for (path, _) in now.clone() {
            let bytes = std::fs::read(self.root.join(&path)).expect("working tree file");
            let id = repo.blob(&bytes).expect("hash");
            now.push((format!("{path} (working tree)"), id));
        }
        assert!(now.iter().any(|(p, _)| p.ends_with("case.yaml.age")));
        let current = now.clone();
        for (path, blob) in now {
            for (who, name) in NAMES.iter().enumerate() {
                let opens = self.decrypts(blob, who, &repo);
                if self.removed[who].is_some() {
                    assert!(
                        !opens,
                        "{} was removed from the case, yet decrypts its current {path}\n{log}",
                        name
                    );
                }
                // Attacks change only the list: the files are the trusted ones.
                assert_eq!(
                    opens,
                    self.readers.contains(&who),
                    "current {path}: {} decrypts: {opens}\n{log}",
                    name
                );
            }
        }
        // Rotated-out keys: nothing written since opens for them, nor any
        // current file (the rotation re-encrypted what its owner reads).
        for r in 0..self.retired.len() {
            let (whose, from) = (self.retired[r].0, self.retired[r].2);
            for (i, w) in self.written.iter().enumerate() {
                // Control: the old keys open what was written to them.
                if i < from && w.readers.contains(&whose) {
                    assert!(
                        self.retired_opens(r, w.blob, &repo),
                        "{}'s old keys do not open {}, written to them\n{log}",
                        NAMES[whose],
                        w.path
                    );
                }
                if i >= from && self.retired_opens(r, w.blob, &repo) {
                    panic!(
                        "{}'s rotated-out key decrypts {} ({}), written after the rotation\n{log}",
                        NAMES[whose], w.path, w.blob
                    );
                }
            }
            for (path, blob) in &current {
                assert!(
                    !self.retired_opens(r, *blob, &repo),
                    "{}'s rotated-out key decrypts the current {path}\n{log}",
                    NAMES[whose]
                );
            }
        }
        assert!(self.faults.is_empty(), "{}\n{log}", self.faults.join("\n"));
    }

    /// Whether the `r`-th rotated-out key set decrypts `blob`.
    fn retired_opens(&self, r: usize, blob: git2::Oid, repo: &git2::Repository) -> bool {
        let ct = repo.find_blob(blob).expect("blob").content().to_vec();
        let keys = self.retired[r].1.decryption_keys().expect("keys");
        dossier::crypto::decrypt(&ct, keys, Path::new("blob")).is_ok()
    }

    /// The final state opens with its history verified, or is refused for
    /// a pending attack ([`Run::open`] judges which, and returns to the
    /// watermark after a refusal); the library never panics on it. Then a
    /// note by Alice, so that a trailing attack meets a legitimate
    /// operation too.
    fn finish(mut self) {
        let opened = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            Vault::open(&self.root).is_ok()
        }));
        assert!(opened.is_ok(), "Vault::open panicked on the final state");
        // The next legitimate operation after the last attack.
        self.step(&Op::NoteBy(0));
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    /// A key removed from a case never decrypts a file written after its
    /// removal, whatever grants, revocations, notes, replayed access lists
    /// and laundering merges come in between.
    #[test]
    fn a_removed_key_never_decrypts_what_is_written_after_its_removal(
        ops in proptest::collection::vec(op(), 1..=8)
    ) {
        let mut run = Run::new();
        for op in &ops {
            run.step(op);
        }
        run.finish();
    }
}
