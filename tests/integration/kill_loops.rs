//! Fault injection by SIGKILL (issue 16, point 2): every kind of change
//! (a case edit, a note, a grant, a group change, a key revocation, a key
//! rotation, a new case, a destruction, a bundle import, a fast-forward
//! sync and a merging sync) is killed at no fewer than 20
//! points — each named crash point it passes (`DOSSIER_FAULT`, see
//! src/support/fault.rs) and kills after seeded random delays spread over
//! its running time. After every kill:
//!
//! - the change either landed whole or not at all (the branch moved exactly
//!   when its effect is there), and an exit code agrees with it;
//! - the vault opens, and `verify` is clean or reports only the
//!   interrupted re-encryption it would resume;
//! - running the change again completes it, after which `verify` is clean,
//!   the working tree matches the commit, and the effect is there.

use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use dossier::case::AccessEntry;

use crate::support::{copy_dir, Person, World};

/// Kills after random delays, on top of the named points (more when the
/// change passes few named points: 20 in all at least).
const DELAYED_KILLS: usize = 14;
const AT_LEAST: usize = 20;

/// A small deterministic generator (xorshift64): the delays are random but
/// the same on every run, so a failure can be replayed.
struct Delays(u64);

impl Delays {
    fn next_fraction(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % 10_000) as f64 / 10_000.0
    }
}

/// One change to kill.
struct Change<'a> {
    name: &'static str,
    who: &'a Person,
    vault: PathBuf,
    args: Vec<String>,
    /// Named crash points the change passes.
    points: &'a [&'static str],
    /// Whether the change's effect is in the vault.
    landed: &'a dyn Fn() -> bool,
}

/// What a killed run may leave: the directories to restore from `saved`.
struct Saved {
    pairs: Vec<(PathBuf, PathBuf)>,
}

impl Saved {
    fn take(w: &World, dirs: &[&Path]) -> Saved {
        let pairs = dirs
            .iter()
            .enumerate()
            .map(|(i, dir)| {
                let copy = w.path(&format!("saved-{i}"));
                copy_dir(dir, &copy);
                (copy, dir.to_path_buf())
            })
            .collect();
        Saved { pairs }
    }

    fn restore(&self) {
        for (copy, dir) in &self.pairs {
            copy_dir(copy, dir);
        }
    }
}

fn head(w: &World, vault: &Path) -> String {
    w.git_text_in(vault, &["rev-parse", "HEAD"])
        .trim()
        .to_string()
}

/// How `verify` finds the vault: clean, only an interrupted re-encryption
/// to resume, or anything else (a failure of the test).
fn verify_state(w: &World, who: &Person, vault: &Path) -> Result<bool, String> {
    let out = w.cmd_in(who, vault).arg("verify").output().expect("verify");
    if out.status.success() {
        return Ok(true);
    }
    let report = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let only_resumable = !report.is_empty()
        && report
            .lines()
            .all(|l| l.starts_with("vault: an interrupted re-encryption"));
    if only_resumable {
        Ok(false)
    } else {
        Err(format!("{report}{stderr}"))
    }
}

/// Runs `change` killed at each named point and after each delay, checking
/// the promises above; returns how many points were tried.
fn kill_everywhere(w: &World, saved: &Saved, change: &Change<'_>, seed: u64) -> usize {
    let run = |fault: Option<&str>| {
        let mut cmd = w.cmd_in(change.who, &change.vault);
        cmd.args(&change.args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if let Some(point) = fault {
            cmd.env("DOSSIER_FAULT", point);
        }
        cmd
    };

    // One whole run, to know how long the change takes.
    saved.restore();
    let started = Instant::now();
    let out = run(None).output().expect("run");
    let whole = started.elapsed();
    assert!(
        out.status.success() && (change.landed)(),
        "{}: the unkilled change fails: {}",
        change.name,
        String::from_utf8_lossy(&out.stderr)
    );

    let mut delays = Delays(seed);
    let mut plan: Vec<(String, Option<Duration>)> = change
        .points
        .iter()
        .map(|p| (format!("at {p}"), None))
        .collect();
    let delayed = DELAYED_KILLS.max(AT_LEAST.saturating_sub(change.points.len()));
    for _ in 0..delayed {
        let after = whole.mul_f64(0.05 + 0.95 * delays.next_fraction());
        plan.push((format!("after {after:?}"), Some(after)));
    }

    for (i, (label, delay)) in plan.iter().enumerate() {
        let at = format!("{} killed {label}", change.name);
        saved.restore();
        let before = head(w, &change.vault);
        let status = match delay {
            None => run(Some(change.points[i])).output().expect("run").status,
            Some(after) => {
                let mut child = run(None).spawn().expect("spawn");
                std::thread::sleep(*after);
                let _ = child.kill(); // SIGKILL; it may have finished
                child.wait_with_output().expect("wait").status
            }
        };
        if delay.is_none() {
            assert_eq!(
                status.signal(),
                Some(9),
                "{at}: the change never reached the point"
            );
        }
        let moved = head(w, &change.vault) != before;
        let landed = (change.landed)();
        match (status.code(), status.signal()) {
            (Some(0), _) => assert!(landed && moved, "{at}: exit 0 but nothing landed"),
            (Some(code), _) => panic!("{at}: exit {code} without a kill"),
            (None, Some(9)) => {}
            other => panic!("{at}: ended {other:?}"),
        }
        if moved != landed {
            // Say what the vault looks like, to find the cause.
            let list = w
                .cmd_in(change.who, &change.vault)
                .args(["case", "list"])
                .output()
                .expect("list");
            let status = w.git_text_in(
                &change.vault,
                &["status", "--porcelain", "--untracked-files=all"],
            );
            panic!(
                "{at}: the branch moved ({moved}) without the change, or the reverse (landed: {landed})\ncase list:\n{}{}\ngit status:\n{status}",
                String::from_utf8_lossy(&list.stdout),
                String::from_utf8_lossy(&list.stderr)
            );
        }
        // The vault opens; verify is clean or only names what to resume.
        let clean = verify_state(w, change.who, &change.vault)
            .unwrap_or_else(|report| panic!("{at}: verify:\n{report}"));
        if !landed {
            assert_eq!(
                head(w, &change.vault),
                before,
                "{at}: verify changed the branch"
            );
            let again = run(None).output().expect("again");
            assert!(
                again.status.success(),
                "{at}: running the change again fails: {}",
                String::from_utf8_lossy(&again.stderr)
            );
        } else {
            assert!(clean, "{at}: landed, yet verify is not clean");
        }
        assert!((change.landed)(), "{at}: the change is not there after all");
        assert_eq!(
            verify_state(w, change.who, &change.vault),
            Ok(true),
            "{at}: verify after completing"
        );
        assert_eq!(
            w.git_text_in(
                &change.vault,
                &["status", "--porcelain", "--untracked-files=all"]
            ),
            "",
            "{at}: the working tree matches the commit"
        );
    }
    plan.len()
}

/// Alice (root) and Ben, certified and in @staff; 12 cases readable by
/// @staff; one case only Alice reads.
struct Firm {
    w: World,
    alice: Person,
    ben: Person,
    alice_fp: String,
    ben_fp: String,
    staff_case: String,
    private_case: String,
}

fn firm() -> Firm {
    let w = World::new();
    let alice = w.person("Alice");
    w.init_vault(&alice);
    let ben = w.person("Ben");
    let ben_fp = w.join(&ben, &alice);
    let alice_fp = w.fingerprint(&alice);
    w.ok(&alice, &["group", "set", "staff", &ben_fp]);
    let vault = dossier::vault::Vault::open(&w.vault()).expect("open");
    let staff = AccessEntry::Group("staff".parse().expect("group"));
    let ids = dossier::samples::generate::cases(&vault, &w.session(&alice), 12, &[staff], 11)
        .expect("generate");
    drop(vault);
    let private_case = w.new_case(&alice, &[]);
    Firm {
        staff_case: ids[0].to_string(),
        w,
        alice,
        ben,
        alice_fp,
        ben_fp,
        private_case,
    }
}

impl Firm {
    fn shown(&self, who: &Person, vault: &Path, case: &str) -> Option<String> {
        let out = self
            .w
            .cmd_in(who, vault)
            .args(["case", "show", case])
            .output()
            .expect("show");
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
    }

    fn ben_reads(&self, case: &str) -> bool {
        self.shown(&self.ben, &self.w.vault(), case).is_some()
    }
}

const ONE_FILE: &[&str] = &[
    "commit-before-ref",
    "commit-after-ref",
    "materialise:0",
    "batch-staged:0",
];

#[test]
fn a_case_edit_a_note_and_a_grant_killed_anywhere_land_whole_or_not_at_all() {
    let f = &firm();
    let w = &f.w;
    let saved = Saved::take(w, &[&w.vault()]);
    let case = f.private_case.clone();

    let edit = Change {
        name: "case set",
        who: &f.alice,
        vault: w.vault(),
        args: vec![
            "case".into(),
            "set".into(),
            case.clone(),
            "title=Renamed matter".into(),
        ],
        points: ONE_FILE,
        landed: &|| {
            f.shown(&f.alice, &w.vault(), &case)
                .is_some_and(|s| s.contains("title: Renamed matter"))
        },
    };
    let note = Change {
        name: "note add",
        who: &f.alice,
        vault: w.vault(),
        args: vec![
            "note".into(),
            "add".into(),
            case.clone(),
            "--text".into(),
            "kill-loop note".into(),
        ],
        points: ONE_FILE,
        landed: &|| {
            f.shown(&f.alice, &w.vault(), &case)
                .is_some_and(|s| s.contains("kill-loop note"))
        },
    };
    // A grant re-encrypts the record and rewrites the signed access list.
    let grant = Change {
        name: "grant",
        who: &f.alice,
        vault: w.vault(),
        args: vec!["grant".into(), case.clone(), f.ben_fp.clone()],
        points: &[
            "commit-before-ref",
            "commit-after-ref",
            "materialise:0",
            "materialise:1",
            "materialise:2",
            "batch-staged:0",
            "batch-staged:2",
        ],
        landed: &|| f.ben_reads(&case),
    };
    for (n, change) in [edit, note, grant].iter().enumerate() {
        let tried = kill_everywhere(w, &saved, change, 0x9E37_79B9_7F4A_7C15 + n as u64);
        assert!(tried >= 20, "{}: only {tried} points", change.name);
    }
}

#[test]
fn a_group_change_and_a_revocation_killed_anywhere_land_whole_or_resume() {
    let f = &firm();
    let w = &f.w;
    assert!(f.ben_reads(&f.staff_case));
    let saved = Saved::take(w, &[&w.vault()]);
    let bulk_points: &[&str] = &[
        "rekey-prepared:0",
        "commit-before-ref",
        "commit-after-ref",
        "materialise:0",
        "materialise:7",
        "materialise:11",
        "batch-staged:0",
        "batch-staged:11",
        "rekey-committed",
    ];
    let group = Change {
        name: "group set",
        who: &f.alice,
        vault: w.vault(),
        args: vec![
            "group".into(),
            "set".into(),
            "staff".into(),
            f.alice_fp.clone(),
        ],
        points: bulk_points,
        landed: &|| !f.ben_reads(&f.staff_case),
    };
    let revoke = Change {
        name: "key revoke",
        who: &f.alice,
        vault: w.vault(),
        args: vec![
            "key".into(),
            "revoke".into(),
            "--yes".into(),
            f.ben_fp.clone(),
        ],
        points: bulk_points,
        landed: &|| {
            w.ok(&f.alice, &["key", "list"]).contains("revoked") && !f.ben_reads(&f.staff_case)
        },
    };
    for (n, change) in [group, revoke].iter().enumerate() {
        let tried = kill_everywhere(w, &saved, change, 0xD1B5_4A32_D192_ED03 + n as u64);
        assert!(tried >= 20, "{}: only {tried} points", change.name);
    }
}

#[test]
fn a_sync_and_a_merge_killed_anywhere_land_whole_or_not_at_all() {
    let f = &firm();
    let w = &f.w;
    let case = f.staff_case.clone();
    let bare = w.path("remote.git");
    w.git_in(
        w.tmp.path(),
        &["init", "--bare", "-q", bare.to_str().expect("utf8")],
    );
    w.ok(
        &f.alice,
        &["remote", "add", "origin", bare.to_str().expect("utf8")],
    );
    w.ok(&f.alice, &["sync"]);
    let ben_vault = w.path("ben-vault");
    w.ok_in(
        &f.ben,
        w.tmp.path(),
        &[
            "clone",
            bare.to_str().expect("utf8"),
            ben_vault.to_str().expect("utf8"),
        ],
    );
    w.ok_in(
        &f.ben,
        &ben_vault,
        &["note", "add", &case, "--text", "from Ben's clone"],
    );
    w.ok_in(&f.ben, &ben_vault, &["sync"]);

    let has = |words: &'static str| {
        let case = case.clone();
        move || {
            f.shown(&f.alice, &w.vault(), &case)
                .is_some_and(|s| s.contains(words))
        }
    };
    // Alice is behind: a fast-forward.
    let saved = Saved::take(w, &[&w.vault(), &bare]);
    let bens = has("from Ben's clone");
    let sync = Change {
        name: "sync (fast-forward)",
        who: &f.alice,
        vault: w.vault(),
        args: vec!["sync".into()],
        points: &["fast-forward-after-ref", "materialise:0", "batch-staged:0"],
        landed: &bens,
    };
    let tried = kill_everywhere(w, &saved, &sync, 0x2545_F491_4F6C_DD1D);
    assert!(tried >= 20, "{tried}");

    // Alice has a note of her own as well: a merge (then a push).
    saved.restore();
    w.ok(
        &f.alice,
        &["note", "add", &case, "--text", "from Alice's clone"],
    );
    let saved = Saved::take(w, &[&w.vault(), &bare]);
    let alices = has("from Alice's clone");
    let merged = || {
        bens()
            && alices()
            && w.git_text(&["rev-list", "--parents", "-n", "1", "HEAD"])
                .split_whitespace()
                .count()
                == 3
    };
    let merge = Change {
        name: "sync (merge)",
        who: &f.alice,
        vault: w.vault(),
        args: vec!["sync".into()],
        points: ONE_FILE,
        landed: &merged,
    };
    let tried = kill_everywhere(w, &saved, &merge, 0x5851_F42D_4C95_7F2D);
    assert!(tried >= 20, "{tried}");
}

#[test]
fn a_key_rotation_and_a_new_case_killed_anywhere_land_whole_or_resume() {
    let f = &firm();
    let w = &f.w;
    assert!(f.ben_reads(&f.staff_case));
    // Alice's key as it is: after a rotation it opens no current record.
    // (An administrator rotates: her rotation also reseals the conflict
    // secret, so verify is clean after it; anyone else's waits for an
    // administrator to reseal, which verify reports.)
    let old_key = w.age_secret(&f.alice, "before-rotation");
    let record = format!("cases/{}/case.yaml.age", f.staff_case);
    // A rotation rewrites identity.age before anything is encrypted to the
    // new key, so her identity home is part of what a run changes.
    let saved = Saved::take(w, &[&w.vault(), &f.alice.home]);
    let old_key_opens_the_committed_record = || {
        // A command first finishes whatever an interrupted run left.
        let _ = w.cmd(&f.alice).args(["case", "list"]).output();
        let blob = w.git(&["show", &format!("HEAD:{record}")]).stdout;
        let copy = w.path("committed-record.age");
        std::fs::write(&copy, blob).expect("write");
        std::process::Command::new("age")
            .args(["-d", "-i"])
            .arg(&old_key)
            .arg(&copy)
            .output()
            .expect("age")
            .status
            .success()
    };
    let rotate = Change {
        name: "key rotate",
        who: &f.alice,
        vault: w.vault(),
        args: vec!["key".into(), "rotate".into()],
        points: &[
            "rekey-prepared:0",
            "rekey-prepared:11",
            "commit-before-ref",
            "commit-after-ref",
            "materialise:0",
            "materialise:11",
            "batch-staged:0",
            "batch-staged:11",
            "rekey-committed",
        ],
        landed: &|| {
            !old_key_opens_the_committed_record()
                && f.shown(&f.alice, &w.vault(), &f.staff_case).is_some()
                && f.ben_reads(&f.staff_case)
        },
    };
    let tried = kill_everywhere(w, &saved, &rotate, 0xA076_1D64_78BD_642F);
    assert!(tried >= 20, "{}: only {tried} points", rotate.name);

    let saved = Saved::take(w, &[&w.vault()]);
    let count = || {
        w.ok(&f.alice, &["case", "list"])
            .matches("Kill-loop matter")
            .count()
    };
    let new_case = Change {
        name: "case new",
        who: &f.alice,
        vault: w.vault(),
        args: vec![
            "case".into(),
            "new".into(),
            "--title".into(),
            "Kill-loop matter".into(),
            "--client".into(),
            "C".into(),
        ],
        points: &[
            "commit-before-ref",
            "commit-after-ref",
            "materialise:0",
            "materialise:2",
            "batch-staged:0",
            "batch-staged:2",
        ],
        landed: &|| count() == 1,
    };
    let tried = kill_everywhere(w, &saved, &new_case, 0xE703_7ED1_A0B4_28DB);
    assert!(tried >= 20, "{}: only {tried} points", new_case.name);
}

/// Ben's clone, one note ahead of Alice, as a bundle file.
fn bundle_from_ben(f: &Firm) -> PathBuf {
    let w = &f.w;
    let ben_vault = w.path("ben-vault");
    copy_dir(&w.vault(), &ben_vault);
    w.ok_in(
        &f.ben,
        &ben_vault,
        &["note", "add", &f.staff_case, "--text", "from Ben's bundle"],
    );
    let bundle = w.path("ben.bundle");
    w.ok_in(
        &f.ben,
        &ben_vault,
        &["bundle", "create", bundle.to_str().expect("utf8")],
    );
    bundle
}

#[test]
fn a_bundle_import_killed_anywhere_lands_whole_or_not_at_all() {
    let f = &firm();
    let w = &f.w;
    let bundle = bundle_from_ben(f);
    let saved = Saved::take(w, &[&w.vault()]);
    let import = Change {
        name: "bundle import",
        who: &f.alice,
        vault: w.vault(),
        args: vec![
            "bundle".into(),
            "import".into(),
            bundle.to_str().expect("utf8").into(),
        ],
        points: &["fast-forward-after-ref", "materialise:0", "batch-staged:0"],
        landed: &|| {
            f.shown(&f.alice, &w.vault(), &f.staff_case)
                .is_some_and(|s| s.contains("from Ben's bundle"))
        },
    };
    let tried = kill_everywhere(w, &saved, &import, 0x5BD1_E995_1B87_3593);
    assert!(tried >= 20, "{}: only {tried} points", import.name);
}

/// Once in CI, a kill at a random delay landed between the removal of a
/// destroyed case's last file and the removal of its directory: the reset
/// that finished the change kept the empty directory (git tracks no
/// directories), so `case list` still named the case. The `deleted` points
/// kill in exactly that gap, after the first and after the last file.
#[test]
fn a_destruction_killed_anywhere_lands_whole_or_not_at_all() {
    let f = &firm();
    let w = &f.w;
    let saved = Saved::take(w, &[&w.vault()]);
    let gone = f.private_case.clone();
    let files = w
        .git_text_in(
            &w.vault(),
            &[
                "ls-tree",
                "-r",
                "--name-only",
                "HEAD",
                &format!("cases/{gone}"),
            ],
        )
        .lines()
        .count();
    assert!(files >= 2, "the case has {files} files");
    let last_deleted: &'static str = Box::leak(format!("deleted:{}", files - 1).into_boxed_str());
    let destroy = Change {
        name: "destroy",
        who: &f.alice,
        vault: w.vault(),
        args: vec![
            "destroy".into(),
            gone.clone(),
            "--ground".into(),
            "retention period ended".into(),
            "--early".into(),
            "--yes".into(),
        ],
        points: &[
            "commit-before-ref",
            "commit-after-ref",
            "materialise:0",
            "deleted:0",
            last_deleted,
            "batch-staged:0",
        ],
        landed: &|| {
            !w.ok(&f.alice, &["case", "list"]).contains(&gone)
                && w.vault()
                    .join(format!(".dossier/destroyed/{gone}.yaml"))
                    .exists()
        },
    };
    let tried = kill_everywhere(w, &saved, &destroy, 0x8CB9_2BA7_2F3D_8DD7);
    assert!(tried >= 20, "{}: only {tried} points", destroy.name);
}
