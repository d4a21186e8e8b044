//! Faults tell the truth and heal (issue 16, point 1): a full disk,
//! read-only media, a stale `index.lock`, a corrupt or missing object, a
//! truncated `.age`, a clock set backwards, a second writer, and a kill
//! while the working tree is written. Each gets one sentence; the exit
//! code always agrees with what the branch records; nothing acknowledged
//! is lost; and `verify` names what is damaged.
//!
//! The disk and read-only tests mount a small tmpfs, which needs root, as
//! CI runs.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::support::{require, Person, World};

/// A tmpfs (or a bind mount) that is unmounted when dropped, even when the
/// test fails.
struct Mount(PathBuf);

impl Mount {
    /// A tmpfs of `kib` KiB at `dir`.
    fn tmpfs(dir: &Path, kib: u64) -> Mount {
        assert_root("mounting a small tmpfs");
        std::fs::create_dir_all(dir).expect("mount point");
        run_ok(
            Command::new("mount")
                .args(["-t", "tmpfs", "-o", &format!("size={kib}k"), "tmpfs"])
                .arg(dir),
        );
        Mount(dir.to_path_buf())
    }

    /// `dir` bound onto itself, read-only: writes under it fail with EROFS
    /// while the rest of the file system stays writable.
    fn read_only_bind(dir: &Path) -> Mount {
        assert_root("a read-only bind mount");
        run_ok(Command::new("mount").arg("--bind").arg(dir).arg(dir));
        let mount = Mount(dir.to_path_buf());
        run_ok(
            Command::new("mount")
                .args(["-o", "remount,bind,ro"])
                .arg(dir),
        );
        mount
    }

    fn remount(&self, option: &str) {
        run_ok(
            Command::new("mount")
                .args(["-o", &format!("remount,{option}")])
                .arg(&self.0),
        );
    }
}

impl Drop for Mount {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

fn assert_root(what: &str) {
    // SAFETY: geteuid() has no preconditions.
    let uid = unsafe { libc::geteuid() };
    assert_eq!(uid, 0, "{what} needs root, as CI runs");
}

fn run_ok(cmd: &mut Command) {
    let out = cmd.output().expect("run");
    assert!(
        out.status.success(),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn head_of(w: &World, vault: &Path) -> String {
    w.git_text_in(vault, &["rev-parse", "HEAD"])
        .trim()
        .to_string()
}

/// Alice's vault with one case of hers: (world, alice, case id).
fn one_case() -> (World, Person, String) {
    let w = World::new();
    let alice = w.person("Alice");
    w.init_vault(&alice);
    let case = w.new_case(&alice, &[]);
    (w, alice, case)
}

fn note(w: &World, who: &Person, vault: &Path, case: &str, words: &str) -> Output {
    w.cmd_in(who, vault)
        .args(["note", "add", case, "--text", words])
        .output()
        .expect("run")
}

/// `verify` on `vault` succeeds and `case show` lists every note in `notes`.
fn intact_with(w: &World, who: &Person, vault: &Path, case: &str, notes: &[String]) {
    let out = w.cmd_in(who, vault).arg("verify").output().expect("verify");
    assert!(
        out.status.success(),
        "verify: {}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    let shown = w.ok_in(who, vault, &["case", "show", case]);
    for n in notes {
        assert!(
            shown.contains(n.as_str()),
            "acknowledged note {n} lost:\n{shown}"
        );
    }
    assert_eq!(
        w.git_text_in(vault, &["status", "--porcelain", "--untracked-files=all"]),
        "",
        "the working tree matches the last commit"
    );
}

#[test]
fn a_full_disk_never_makes_a_recorded_note_fail_or_a_failed_one_recorded() {
    let (w, alice, case) = one_case();
    let mount = Mount::tmpfs(&w.path("small"), 4096);
    let vault = mount.0.join("vault");
    run_ok(Command::new("cp").arg("-a").arg(w.vault()).arg(&vault));
    let filler = mount.0.join("filler");
    let mut acknowledged = Vec::new();
    let (mut refused, mut recorded, mut unfinished) = (0, 0, 0);
    // Leave 0, 2, 4 … 80 KiB free and add a note each time.
    for free_kib in (0..=80).step_by(2) {
        let _ = std::fs::remove_file(&filler);
        let avail = available_kib(&mount.0);
        if avail > free_kib {
            run_ok(
                Command::new("fallocate")
                    .args(["-l", &format!("{}k", avail - free_kib)])
                    .arg(&filler),
            );
        }
        let before = head_of(&w, &vault);
        let words = format!("note with {free_kib} KiB free");
        let out = note(&w, &alice, &vault, &case, &words);
        let moved = head_of(&w, &vault) != before;
        let stderr = text(&out.stderr);
        assert!(
            !stderr.contains("no error"),
            "{free_kib} KiB: a failure without a reason: {stderr}"
        );
        match out.status.code() {
            Some(0) => {
                assert!(
                    moved,
                    "{free_kib} KiB: exit 0 but nothing recorded: {stderr}"
                );
                recorded += 1;
                if stderr.contains("the change was recorded") {
                    unfinished += 1;
                    assert!(
                        stderr.contains("it will be finished by the next dossier command"),
                        "{stderr}"
                    );
                }
                acknowledged.push(words);
            }
            Some(1) => {
                assert!(
                    !moved,
                    "{free_kib} KiB: exit 1 but the note was recorded: {stderr}"
                );
                assert_eq!(stderr.lines().count(), 1, "one sentence: {stderr}");
                assert!(
                    stderr.contains("No space left on device"),
                    "{free_kib} KiB: {stderr}"
                );
                refused += 1;
            }
            other => panic!("{free_kib} KiB: exit {other:?}: {stderr}"),
        }
    }
    assert!(refused > 0, "the disk was never full enough to refuse");
    assert!(recorded > 0, "no note was ever recorded");
    eprintln!("full disk: {refused} refused, {recorded} recorded ({unfinished} finished later)");
    let _ = std::fs::remove_file(&filler);
    intact_with(&w, &alice, &vault, &case, &acknowledged);
}

#[test]
fn a_full_disk_during_re_encryption_never_makes_the_exit_code_disagree_with_the_branch() {
    let w = World::new();
    let (alice, ben, ben_fp, case) = w.shared_case();
    for i in 0..6 {
        w.ok(
            &alice,
            &["note", "add", &case, "--text", &format!("note {i}")],
        );
    }
    let mount = Mount::tmpfs(&w.path("small"), 4096);
    let vault = mount.0.join("vault");
    run_ok(Command::new("cp").arg("-a").arg(w.vault()).arg(&vault));
    let filler = mount.0.join("filler");
    let ben_reads = || {
        w.cmd_in(&ben, &vault)
            .args(["case", "show", &case])
            .output()
            .expect("show")
            .status
            .success()
    };
    let (mut refused, mut recorded) = (0, 0);
    for free_kib in (0..=96).step_by(4) {
        let _ = std::fs::remove_file(&filler);
        let avail = available_kib(&mount.0);
        if avail > free_kib {
            run_ok(
                Command::new("fallocate")
                    .args(["-l", &format!("{}k", avail - free_kib)])
                    .arg(&filler),
            );
        }
        let granted = ben_reads();
        let args: Vec<&str> = if granted {
            vec!["revoke-access", "--yes", &case, &ben_fp]
        } else {
            vec!["grant", &case, &ben_fp]
        };
        let before = head_of(&w, &vault);
        let out = w.cmd_in(&alice, &vault).args(&args).output().expect("run");
        let moved = head_of(&w, &vault) != before;
        let stderr = text(&out.stderr);
        let _ = std::fs::remove_file(&filler);
        match out.status.code() {
            Some(0) => {
                assert!(
                    moved,
                    "{free_kib} KiB {args:?}: exit 0, nothing recorded: {stderr}"
                );
                recorded += 1;
            }
            Some(1) => {
                assert!(
                    !moved,
                    "{free_kib} KiB {args:?}: exit 1 but recorded: {stderr}"
                );
                assert!(!stderr.contains("no error"), "{stderr}");
                refused += 1;
            }
            other => panic!("{free_kib} KiB {args:?}: exit {other:?}: {stderr}"),
        }
        // Whatever happened, the vault opens and its state is one or the other.
        assert_eq!(
            ben_reads(),
            granted != moved,
            "{free_kib} KiB {args:?}: {stderr}"
        );
    }
    assert!(
        refused > 0 && recorded > 0,
        "{refused} refused, {recorded} recorded"
    );
    let out = w
        .cmd_in(&alice, &vault)
        .arg("verify")
        .output()
        .expect("verify");
    assert!(
        out.status.success(),
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
}

fn available_kib(dir: &Path) -> u64 {
    let out = Command::new("df")
        .args(["-k", "--output=avail"])
        .arg(dir)
        .output()
        .expect("df");
    text(&out.stdout)
        .lines()
        .nth(1)
        .and_then(|l| l.trim().parse().ok())
        .expect("df output")
}

#[test]
fn a_working_tree_that_cannot_be_written_after_the_branch_moved_is_recorded_with_a_warning() {
    let (w, alice, case) = one_case();
    w.ok(&alice, &["note", "add", &case, "--text", "first note"]);
    let notes = w.vault().join(format!("cases/{case}/notes"));
    let before = w.head();
    let out = {
        let _ro = Mount::read_only_bind(&notes);
        note(
            &w,
            &alice,
            &w.vault(),
            &case,
            "written while the notes were read-only",
        )
    };
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert_ne!(w.head(), before, "recorded");
    assert!(
        stderr.contains("warning: the change was recorded (commit ")
            && stderr.contains("Read-only file system")
            && stderr.contains("it will be finished by the next dossier command"),
        "{stderr}"
    );
    // The next command finishes the working tree.
    intact_with(
        &w,
        &alice,
        &w.vault(),
        &case,
        &[
            "first note".into(),
            "written while the notes were read-only".into(),
        ],
    );
}

#[test]
fn a_vault_on_read_only_media_reads_and_refuses_changes_in_one_sentence() {
    let (w, alice, case) = one_case();
    w.ok(
        &alice,
        &[
            "note",
            "add",
            &case,
            "--text",
            "before the stick was locked",
        ],
    );
    let mount = Mount::tmpfs(&w.path("stick"), 8192);
    let vault = mount.0.join("vault");
    run_ok(Command::new("cp").arg("-a").arg(w.vault()).arg(&vault));
    mount.remount("ro");
    let before = head_of(&w, &vault);
    let list = w.ok_in(&alice, &vault, &["case", "list"]);
    assert!(list.contains(&case), "{list}");
    let shown = w.ok_in(&alice, &vault, &["case", "show", &case]);
    assert!(shown.contains("before the stick was locked"), "{shown}");
    let (_, err) = w.fails_in(&alice, &vault, &["note", "add", &case, "--text", "x"], 1);
    assert_eq!(
        err.trim(),
        format!(
            "dossier: {} is on read-only storage, so nothing was changed; reading still works. To change the vault, make the storage writable or copy the vault elsewhere",
            vault.display()
        )
    );
    assert_eq!(head_of(&w, &vault), before);
    w.ok_in(&alice, &vault, &["verify"]);
}

#[test]
fn a_stale_index_lock_refuses_before_anything_is_recorded_and_says_how_to_clear_it() {
    let (w, alice, case) = one_case();
    let lock = w.vault().join(".git/index.lock");
    std::fs::write(&lock, b"").expect("plant index.lock");
    let before = w.snapshot();
    let err = w.fails(&alice, &["note", "add", &case, "--text", "blocked"], 1);
    assert_eq!(
        err.trim(),
        format!(
            "dossier: git's index is locked by {}: a git command is running in this vault, or one was killed. If none is running, delete that file and run the command again",
            lock.display()
        )
    );
    assert_eq!(w.snapshot(), before, "nothing recorded");
    std::fs::remove_file(&lock).expect("clear");
    w.ok(&alice, &["note", "add", &case, "--text", "after clearing"]);
    intact_with(&w, &alice, &w.vault(), &case, &["after clearing".into()]);
}

/// The object file of `id` in the vault's loose object store.
fn loose_object(w: &World, id: &str) -> PathBuf {
    w.vault().join(".git/objects").join(&id[..2]).join(&id[2..])
}

#[test]
fn verify_names_the_file_whose_committed_object_is_corrupt_or_missing() {
    let (w, alice, case) = one_case();
    let record = format!("cases/{case}/case.yaml.age");
    let id = w.git_text(&["rev-parse", &format!("HEAD:{record}")]);
    let object = loose_object(&w, id.trim());
    // Stock tools: overwrite the object file with junk.
    let mut perms = std::fs::metadata(&object).expect("object").permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    perms.set_readonly(false);
    std::fs::set_permissions(&object, perms).expect("chmod");
    std::fs::write(&object, b"not a zlib stream").expect("corrupt");
    let out = w.cmd(&alice).arg("verify").output().expect("verify");
    assert_eq!(out.status.code(), Some(1));
    let report = text(&out.stdout);
    assert!(
        report.contains(&format!(
            "{record}: its committed copy is damaged in git's object store"
        )) && report.contains("restore it from a clone, a remote or a bundle"),
        "{report}"
    );
    std::fs::remove_file(&object).expect("remove");
    let out = w.cmd(&alice).arg("verify").output().expect("verify");
    assert_eq!(out.status.code(), Some(1));
    let report = text(&out.stdout);
    assert!(
        report.contains(&format!(
            "{record}: its committed copy is missing from git's object store"
        )),
        "{report}"
    );
    // The case directory's tree object, corrupt: the directory is named.
    let tree = w.git_text(&["rev-parse", &format!("HEAD:cases/{case}")]);
    std::fs::write(loose_object(&w, tree.trim()), b"junk").expect("corrupt tree");
    let expected = format!(
        "dossier: this vault's git object store is damaged, so nothing was changed: cases/{case}/ is damaged in git's object store (failed to inflate loose object). Restore the damaged objects from a clone, a remote or a bundle (`git fsck` lists all damage)"
    );
    for args in [&["verify"][..], &["note", "add", &case, "--text", "x"]] {
        let before = w.head();
        let err = w.fails(&alice, args, 1);
        assert_eq!(err.trim(), expected, "{args:?}");
        assert_eq!(w.head(), before);
    }
}

#[test]
fn a_truncated_age_file_is_named_with_the_cure_and_restored_by_stock_git() {
    let (w, alice, case) = one_case();
    w.ok(
        &alice,
        &["note", "add", &case, "--text", "kept safe in history"],
    );
    let notes = w.vault().join(format!("cases/{case}/notes"));
    let file = std::fs::read_dir(&notes)
        .expect("notes")
        .flatten()
        .next()
        .expect("a note")
        .path();
    let rel = file
        .strip_prefix(w.vault())
        .expect("inside")
        .to_string_lossy()
        .into_owned();
    let bytes = std::fs::read(&file).expect("read");
    std::fs::write(&file, &bytes[..bytes.len() / 2]).expect("truncate");
    let out = w.cmd(&alice).arg("verify").output().expect("verify");
    assert_eq!(out.status.code(), Some(1));
    let report = text(&out.stdout);
    assert_eq!(
        report.trim(),
        format!(
            "{rel}: differs from the last commit (changed outside dossier); `git checkout -- {rel}` restores the committed copy"
        ),
        "one line, with the cure, and no advice to delete a note history holds intact"
    );
    let show = w
        .cmd(&alice)
        .args(["case", "show", &case])
        .output()
        .expect("show");
    assert!(
        !text(&show.stdout).contains("kept safe in history"),
        "a truncated file never shows as content"
    );
    let restored = w.git(&["checkout", "--", &rel]);
    assert!(restored.status.success());
    intact_with(
        &w,
        &alice,
        &w.vault(),
        &case,
        &["kept safe in history".into()],
    );
}

#[test]
fn a_clock_set_backwards_records_the_change_and_says_the_history_is_out_of_order() {
    require("faketime");
    let (w, alice, case) = one_case();
    let before = w.commit_count();
    let out = Command::new("faketime")
        .arg("-f")
        .arg("-3d")
        .arg(assert_cmd::cargo::cargo_bin("dossier"))
        .args(["note", "add", &case, "--text", "written on a slow clock"])
        .envs(w.cmd(&alice).get_envs().filter_map(|(k, v)| Some((k, v?))))
        .stdin(Stdio::null())
        .output()
        .expect("faketime");
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert_eq!(w.commit_count(), before + 1, "recorded");
    assert!(
        stderr.contains("warning: this computer's clock (")
            && stderr.contains("is behind the latest change in the vault")
            && stderr.contains("Set the clock right"),
        "{stderr}"
    );
    intact_with(
        &w,
        &alice,
        &w.vault(),
        &case,
        &["written on a slow clock".into()],
    );
}

#[test]
fn a_kill_while_the_working_tree_is_written_leaves_no_file_that_counts_as_a_change() {
    let (w, alice, case) = one_case();
    let out = w
        .cmd(&alice)
        .args(["note", "add", &case, "--text", "killed mid-write"])
        .env("DOSSIER_FAULT", "batch-staged")
        .output()
        .expect("run");
    assert_eq!(
        std::os::unix::process::ExitStatusExt::signal(&out.status),
        Some(9)
    );
    let notes = w.vault().join(format!("cases/{case}/notes"));
    let leftovers = |dir: &Path| {
        std::fs::read_dir(dir)
            .map(|l| {
                l.flatten()
                    .filter(|e| e.file_name().to_string_lossy().starts_with(".dossier-tmp-"))
                    .count()
            })
            .unwrap_or(0)
    };
    assert_eq!(leftovers(&notes), 1, "the kill left its temporary file");
    // Status (as the status line reads it, without opening the vault)
    // shows the unfinished note, but never the temporary file.
    let repo = git2::Repository::open(w.vault()).expect("repo");
    dossier::repo::status::ignore_temporary_files(&repo).expect("rule");
    let mut opts = git2::StatusOptions::new();
    opts.include_untracked(true).recurse_untracked_dirs(true);
    let listed: Vec<String> = repo
        .statuses(Some(&mut opts))
        .expect("status")
        .iter()
        .filter_map(|e| e.path().ok().map(str::to_string))
        .collect();
    assert!(
        listed.iter().all(|p| !p.contains(".dossier-tmp-")),
        "a temporary file is not a change: {listed:?}"
    );
    // The next command removes it and finishes the recorded note.
    intact_with(&w, &alice, &w.vault(), &case, &["killed mid-write".into()]);
    assert_eq!(leftovers(&notes), 0);
    // And sync is not refused for it.
    let bare = w.path("remote.git");
    w.git_in(
        w.tmp.path(),
        &["init", "--bare", "-q", bare.to_str().expect("utf8")],
    );
    w.ok(
        &alice,
        &["remote", "add", "origin", bare.to_str().expect("utf8")],
    );
    w.ok(&alice, &["sync"]);
}

#[test]
fn twenty_writers_at_once_take_turns_and_none_fails() {
    let (w, alice, case) = one_case();
    let before = w.commit_count();
    let children: Vec<_> = (0..20)
        .map(|i| {
            w.cmd(&alice)
                .args([
                    "note",
                    "add",
                    &case,
                    "--text",
                    &format!("parallel note {i}"),
                ])
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("spawn")
        })
        .collect();
    for child in children {
        let out = child.wait_with_output().expect("wait");
        assert!(out.status.success(), "{}", text(&out.stderr));
    }
    assert_eq!(w.commit_count(), before + 20);
    let notes: Vec<String> = (0..20).map(|i| format!("parallel note {i}")).collect();
    intact_with(&w, &alice, &w.vault(), &case, &notes);
}

/// Holds the vault's write lock from another process (stock `flock`) for
/// `seconds`.
fn hold_lock(w: &World, seconds: u64) -> std::process::Child {
    require("flock");
    let lock = w.vault().join(".git/dossier.lock");
    let child = Command::new("flock")
        .arg(&lock)
        .args(["sleep", &seconds.to_string()])
        .spawn()
        .expect("flock");
    // Until flock holds it.
    let deadline = Instant::now() + Duration::from_secs(5);
    while Instant::now() < deadline {
        let probe = Command::new("flock")
            .args(["-n"])
            .arg(&lock)
            .arg("true")
            .status()
            .expect("probe");
        if !probe.success() {
            return child;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let mut child = child;
    let _ = child.kill();
    let _ = child.wait();
    panic!("flock never took the lock");
}

#[test]
fn a_second_writer_waits_says_so_and_gives_up_after_the_configured_time() {
    let (w, alice, case) = one_case();
    // Held for 3 s; the writer waits (saying so after a second) and succeeds.
    let mut holder = hold_lock(&w, 3);
    let out = w
        .cmd(&alice)
        .args(["note", "add", &case, "--text", "waited its turn"])
        .output()
        .expect("run");
    let stderr = text(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains(
            "dossier: waiting for another dossier process to finish changing this vault…"
        ),
        "{stderr}"
    );
    holder.wait().expect("holder");
    // Held for longer than the timeout: one sentence, nothing changed.
    let mut holder = hold_lock(&w, 8);
    let before = w.snapshot();
    let out = w
        .cmd(&alice)
        .env("DOSSIER_LOCK_TIMEOUT_SECONDS", "2")
        .args(["note", "add", &case, "--text", "gave up"])
        .output()
        .expect("run");
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("dossier: another dossier process has been changing this vault for 2 s; nothing was changed."),
        "{stderr}"
    );
    assert_eq!(w.snapshot(), before);
    // Reading never waits.
    let started = Instant::now();
    w.ok(&alice, &["case", "show", &case]);
    assert!(
        started.elapsed() < Duration::from_secs(6),
        "a read waited for the writer"
    );
    let _ = holder.kill();
    let _ = holder.wait();
}

#[test]
fn a_change_decided_before_a_concurrent_revocation_is_refused_and_encrypts_nothing_to_the_removed_key(
) {
    let w = World::new();
    let (alice, ben, ben_fp, case) = w.shared_case();
    let ben_key = w.age_secret(&ben, "before");
    // A vault read while Ben could still read the case (as a TUI holds one)…
    let stale = dossier::vault::Vault::open(&w.vault()).expect("open");
    // …then another process removes him.
    w.ok(&alice, &["revoke-access", "--yes", &case, &ben_fp]);
    let after_revocation = w.snapshot();
    let id: dossier::case::CaseId = case.parse().expect("id");
    let err = dossier::ops::cases::add_note(
        &stale,
        &w.session(&alice),
        &id,
        "written on a view from before the revocation",
    )
    .expect_err("a change decided on an old state");
    assert!(matches!(err, dossier::Error::Raced), "{err}");
    assert_eq!(
        err.to_string(),
        "the vault changed while this change was being made; nothing was written, try again"
    );
    assert_eq!(w.snapshot(), after_revocation, "nothing written");
    // Ben's key opens no current file of the case.
    let dir = w.vault().join(format!("cases/{case}"));
    for entry in walkdir::WalkDir::new(&dir).into_iter().flatten() {
        let rel = entry
            .path()
            .strip_prefix(w.vault())
            .expect("inside")
            .to_string_lossy()
            .into_owned();
        if rel.ends_with(".age") {
            assert!(!w.age_opens(&ben_key, &rel), "{rel} opens for Ben");
        }
    }
}

/// Replaces `to` with a copy of `from` (`cp -a`), on whatever disk `to` is.
fn replace_dir(from: &Path, to: &Path) {
    let _ = std::fs::remove_dir_all(to);
    run_ok(Command::new("cp").arg("-a").arg(from).arg(to));
}

/// Alice shares her vault through the empty bare repository `bare`; Ben
/// clones it, adds a note ("from Ben") and syncs; Alice adds one of her own
/// ("from Alice"): her next sync merges.
fn diverge_through(w: &World, alice: &Person, ben: &Person, case: &str, bare: &Path) {
    w.ok(
        alice,
        &["remote", "add", "origin", bare.to_str().expect("utf8")],
    );
    w.ok(alice, &["sync"]);
    let ben_vault = w.path("ben-vault");
    w.ok_in(
        ben,
        w.tmp.path(),
        &[
            "clone",
            bare.to_str().expect("utf8"),
            ben_vault.to_str().expect("utf8"),
        ],
    );
    w.ok_in(
        ben,
        &ben_vault,
        &["note", "add", case, "--text", "from Ben"],
    );
    w.ok_in(ben, &ben_vault, &["sync"]);
    w.ok(alice, &["note", "add", case, "--text", "from Alice"]);
}

#[test]
fn a_full_disk_during_a_merging_sync_never_makes_the_exit_code_disagree_with_the_branch() {
    let w = World::new();
    let (alice, ben, _ben_fp, case) = w.shared_case();
    let bare = w.path("remote.git");
    w.git_text_in(w.tmp.path(), &["init", "-q", "--bare", "remote.git"]);
    diverge_through(&w, &alice, &ben, &case, &bare);
    // Pristine copies: each level starts from Alice one note ahead and
    // one behind, the remote holding Ben's note only.
    let pristine_vault = w.path("pristine-vault");
    let pristine_bare = w.path("pristine-remote.git");
    replace_dir(&w.vault(), &pristine_vault);
    replace_dir(&bare, &pristine_bare);

    let mount = Mount::tmpfs(&w.path("small"), 4096);
    let vault = mount.0.join("vault");
    let filler = mount.0.join("filler");
    let remote_head = || {
        w.git_text_in(&bare, &["rev-parse", "refs/heads/main"])
            .trim()
            .to_string()
    };
    let (mut refused, mut unfinished, mut complete) = (0, 0, 0);
    for free_kib in (0..=120).step_by(6) {
        let _ = std::fs::remove_file(&filler);
        replace_dir(&pristine_vault, &vault);
        replace_dir(&pristine_bare, &bare);
        let avail = available_kib(&mount.0);
        if avail > free_kib {
            run_ok(
                Command::new("fallocate")
                    .args(["-l", &format!("{}k", avail - free_kib)])
                    .arg(&filler),
            );
        }
        let (before, remote_before) = (head_of(&w, &vault), remote_head());
        let out = w.cmd_in(&alice, &vault).arg("sync").output().expect("sync");
        let _ = std::fs::remove_file(&filler);
        let at = format!("{free_kib} KiB free");
        let stderr = text(&out.stderr);
        assert!(!stderr.contains("no error"), "{at}: {stderr}");
        let head = head_of(&w, &vault);
        let merged = w
            .git_text_in(&vault, &["rev-list", "--parents", "-n", "1", "HEAD"])
            .split_whitespace()
            .count()
            == 3;
        match out.status.code() {
            Some(0) => {
                assert!(merged, "{at}: exit 0 without the merge: {stderr}");
                assert_eq!(
                    remote_head(),
                    head,
                    "{at}: exit 0 but the merge was not sent"
                );
                complete += 1;
            }
            Some(1) if head == before => {
                assert_eq!(remote_head(), remote_before, "{at}: {stderr}");
                assert!(stderr.contains("No space left on device"), "{at}: {stderr}");
                refused += 1;
            }
            Some(1) => {
                // Recorded here, not sent: the sentence says exactly that.
                assert!(merged, "{at}: the branch moved to something else: {stderr}");
                assert!(
                    stderr.contains("the merge with origin was recorded here")
                        && stderr.contains(&format!("commit {head}"))
                        && stderr.contains("run `dossier sync` again"),
                    "{at}: {stderr}"
                );
                assert_eq!(remote_head(), remote_before, "{at}: {stderr}");
                unfinished += 1;
            }
            other => panic!("{at}: exit {other:?}: {stderr}"),
        }
        // With room again, the vault is whole and the next sync finishes.
        w.ok_in(&alice, &vault, &["sync"]);
        assert_eq!(remote_head(), head_of(&w, &vault), "{at}");
        intact_with(
            &w,
            &alice,
            &vault,
            &case,
            &["from Ben".to_string(), "from Alice".to_string()],
        );
    }
    eprintln!("full disk during sync: {refused} refused, {unfinished} recorded but unsent, {complete} complete");
    assert!(
        refused > 0 && complete > 0,
        "{refused} refused, {complete} complete"
    );
}

#[test]
fn a_merge_recorded_but_not_sent_to_a_full_remote_says_so_and_the_next_sync_sends_it() {
    let w = World::new();
    let (alice, ben, _ben_fp, case) = w.shared_case();
    // The shared remote lives on a small disk of its own.
    let mount = Mount::tmpfs(&w.path("server"), 2048);
    let bare = mount.0.join("remote.git");
    w.git_text_in(&mount.0, &["init", "-q", "--bare", "remote.git"]);
    diverge_through(&w, &alice, &ben, &case, &bare);
    let remote_head = || {
        w.git_text_in(&bare, &["rev-parse", "refs/heads/main"])
            .trim()
            .to_string()
    };
    let remote_before = remote_head();
    // The server's disk fills up: fetching works, sending does not.
    let filler = mount.0.join("filler");
    let avail = available_kib(&mount.0);
    run_ok(
        Command::new("fallocate")
            .args(["-l", &format!("{avail}k")])
            .arg(&filler),
    );

    let err = w.fails(&alice, &["sync"], 1);
    let head = w.head();
    assert!(
        err.contains(&format!(
            "the merge with origin was recorded here (now at commit {head})"
        )) && err.contains("run `dossier sync` again to send it"),
        "{err}"
    );
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    // It is recorded: a signed merge holding both notes; the remote lacks it.
    let parents = w.git_text(&["rev-list", "--parents", "-n", "1", "HEAD"]);
    assert_eq!(parents.split_whitespace().count(), 3, "{parents}");
    intact_with(
        &w,
        &alice,
        &w.vault(),
        &case,
        &["from Ben".to_string(), "from Alice".to_string()],
    );
    assert_eq!(remote_head(), remote_before);

    std::fs::remove_file(&filler).unwrap();
    let out = w.ok(&alice, &["sync"]);
    assert!(out.contains("Pushed to origin"), "{out}");
    assert_eq!(remote_head(), head);
}

#[test]
fn a_lock_a_kill_left_on_the_watermark_is_cleared_and_a_fresh_one_left_alone() {
    let (w, alice, case) = one_case();
    let lock = w.vault().join(".git/refs/dossier/verified.lock");
    let watermark = || {
        w.git_text(&["rev-parse", "refs/dossier/verified"])
            .trim()
            .to_string()
    };

    // A lock being written this instant is someone's: left alone, and the
    // change is still made (the watermark only waits). Each open moves the
    // watermark over the commits made before it.
    w.ok(&alice, &["note", "add", &case, "--text", "first"]);
    let stuck = watermark();
    std::fs::write(&lock, "").unwrap();
    w.ok(
        &alice,
        &["note", "add", &case, "--text", "beside a fresh lock"],
    );
    w.ok(&alice, &["case", "list"]);
    assert!(lock.exists(), "a fresh lock was removed");
    assert_eq!(watermark(), stuck, "moved through someone's lock");

    // Left by a process killed a minute ago: cleared, the watermark moves.
    run_ok(
        Command::new("touch")
            .args(["-d", "1 minute ago"])
            .arg(&lock),
    );
    w.ok(&alice, &["case", "list"]);
    assert!(!lock.exists(), "the stale lock stayed");
    assert_eq!(watermark(), w.head());
    w.ok(&alice, &["verify"]);
}
