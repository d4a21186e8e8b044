//! Sharing a vault: two clones through a bare repository, incoming
//! verification, merges of one case edited on both sides, conflicts, and
//! bundles carried by hand.

use std::path::{Path, PathBuf};

use crate::support::{raw_commit, require, ssh_sign_with_key, Person, World};

/// Alice (root) and Ben (certified), a case Alice owns that Ben can read,
/// pushed to a bare repository and cloned by Ben.
pub(crate) struct Office {
    pub(crate) w: World,
    pub(crate) alice: Person,
    pub(crate) ben: Person,
    pub(crate) ben_fp: String,
    pub(crate) case: String,
    pub(crate) bare: PathBuf,
    pub(crate) ben_vault: PathBuf,
}

pub(crate) fn office() -> Office {
    let w = World::new();
    let (alice, ben, ben_fp, case) = w.shared_case();
    let bare = w.path("remote.git");
    w.git_text_in(w.tmp.path(), &["init", "-q", "--bare", "remote.git"]);
    w.ok(
        &alice,
        &["remote", "add", "origin", bare.to_str().expect("utf8")],
    );
    let out = w.ok(&alice, &["sync"]);
    assert!(out.contains("Pushed to origin"), "{out}");
    let ben_vault = w.path("ben-vault");
    let out = w.ok_in(
        &ben,
        &ben_vault,
        &[
            "clone",
            bare.to_str().expect("utf8"),
            ben_vault.to_str().expect("utf8"),
        ],
    );
    assert!(out.contains("every commit verified"), "{out}");
    Office {
        w,
        alice,
        ben,
        ben_fp,
        case,
        bare,
        ben_vault,
    }
}

fn show(w: &World, who: &Person, vault: &Path, case: &str) -> serde_json::Value {
    serde_json::from_str(&w.ok_in(who, vault, &["case", "show", case, "--json"])).expect("json")
}

pub(crate) fn bare_head(o: &Office) -> String {
    o.w.git_text_in(&o.bare, &["rev-parse", "refs/heads/main"])
        .trim()
        .to_string()
}

#[test]
fn edits_to_different_fields_of_one_case_on_two_clones_are_both_kept() {
    let o = office();
    let (w, alice, ben) = (&o.w, &o.alice, &o.ben);
    let av = w.vault();
    w.ok(alice, &["case", "set", &o.case, "status=pending"]);
    w.ok(
        alice,
        &["note", "add", &o.case, "--text", "called the Home Office"],
    );
    w.ok_in(
        ben,
        &o.ben_vault,
        &["case", "set", &o.case, "client.nationality=Eritrean"],
    );
    w.ok_in(
        ben,
        &o.ben_vault,
        &["note", "add", &o.case, "--text", "client phoned back"],
    );

    let out = w.ok(alice, &["sync"]);
    assert!(out.contains("Pushed to origin"), "{out}");
    let out = w.ok_in(ben, &o.ben_vault, &["sync"]);
    assert!(out.contains("merged field by field"), "{out}");
    assert!(out.contains(&o.case), "{out}");
    assert!(out.contains("Pushed to origin"), "{out}");
    let out = w.ok(alice, &["sync"]);
    assert!(out.contains("fast-forward"), "{out}");

    for (who, vault) in [(alice, &av), (ben, &o.ben_vault)] {
        let case = show(w, who, vault, &o.case);
        assert_eq!(case["record"]["status"], "pending", "{case}");
        assert_eq!(
            case["record"]["client"]["nationality"], "Eritrean",
            "{case}"
        );
        let notes = case["notes"].as_array().expect("notes");
        assert_eq!(notes.len(), 2, "both notes, once each: {case}");
        w.ok_in(who, vault, &["verify"]);
    }
    assert_eq!(
        w.head(),
        w.git_text_in(&o.ben_vault, &["rev-parse", "HEAD"]).trim()
    );
    assert_eq!(w.head(), bare_head(&o));
    // The merge is one commit with two parents, signed by Ben and verified.
    let log: serde_json::Value =
        serde_json::from_str(&w.ok(alice, &["log", "--json"])).expect("json");
    let merge = log
        .as_array()
        .expect("entries")
        .iter()
        .find(|e| e["action"] == "merge")
        .expect("a merge commit");
    assert_eq!(merge["signature"], "verified", "{merge}");
    assert_eq!(merge["actor"], o.ben_fp.as_str());
    let parents = w.git_text(&[
        "rev-list",
        "--parents",
        "-n1",
        merge["commit"].as_str().expect("id"),
    ]);
    assert_eq!(parents.split_whitespace().count(), 3, "{parents}");
}

#[test]
fn the_same_field_changed_on_both_sides_is_a_conflict_that_loses_nothing() {
    let o = office();
    let (w, alice, ben) = (&o.w, &o.alice, &o.ben);
    w.ok(
        alice,
        &["case", "set", &o.case, "title=Appeal to the Upper Tribunal"],
    );
    w.ok(alice, &["sync"]);
    w.ok_in(
        ben,
        &o.ben_vault,
        &["case", "set", &o.case, "title=Fresh claim"],
    );
    let before = w.full_snapshot(&o.ben_vault);

    let (stdout, stderr) = w.fails_in(ben, &o.ben_vault, &["sync"], 1);
    assert!(
        stdout.contains(&format!("case {}, title", o.case)),
        "{stdout}"
    );
    assert!(
        stdout.contains("Fresh claim") && stdout.contains("Upper Tribunal"),
        "{stdout}"
    );
    assert!(
        stderr.contains("nothing was merged and nothing was lost"),
        "{stderr}"
    );
    assert!(stderr.contains("--prefer"), "{stderr}");
    // Ben's vault is as it was, except that the verified remote branch is recorded.
    let after = w.full_snapshot(&o.ben_vault);
    let strip = |s: &str| {
        s.lines()
            .filter(|l| !l.starts_with("refs/remotes/"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert_eq!(strip(&before), strip(&after));
    assert_eq!(
        show(w, ben, &o.ben_vault, &o.case)["record"]["title"],
        "Fresh claim"
    );
    assert_eq!(
        w.git_text_in(&o.ben_vault, &["rev-parse", "refs/remotes/origin/main"])
            .trim(),
        bare_head(&o),
        "theirs is kept, verified"
    );

    // Ben decides: theirs.
    let out = w.ok_in(ben, &o.ben_vault, &["sync", "--prefer", "theirs"]);
    assert!(out.contains("Pushed to origin"), "{out}");
    assert_eq!(
        show(w, ben, &o.ben_vault, &o.case)["record"]["title"],
        "Appeal to the Upper Tribunal"
    );
    w.ok(alice, &["sync"]);
    assert_eq!(
        show(w, alice, &w.vault(), &o.case)["record"]["title"],
        "Appeal to the Upper Tribunal"
    );
    w.ok(alice, &["verify"]);
}

/// Syncs as Alice, expecting the incoming history to be refused for `commit`
/// with nothing local changed; returns the error.
pub(crate) fn refused(o: &Office, commit: &str) -> String {
    let av = o.w.vault();
    let before = o.w.full_snapshot(&av);
    let (_, err) = o.w.fails_in(&o.alice, &av, &["sync"], 1);
    assert!(err.contains(commit), "names the commit: {err}");
    assert!(err.contains("nothing was merged"), "{err}");
    assert_eq!(before, o.w.full_snapshot(&av), "local state unchanged");
    err
}

/// Points the remote's branch at `rev` of the clone `dir`, bypassing dossier
/// (a force-push by whoever holds write access).
pub(crate) fn force_remote(o: &Office, dir: &Path, rev: &str) {
    let out = o.w.git_in(
        dir,
        &[
            "push",
            "-q",
            "--force",
            o.bare.to_str().expect("utf8"),
            &format!("{rev}:refs/heads/main"),
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A plain clone of the remote for playing an attacker.
pub(crate) fn attacker_clone(o: &Office, name: &str) -> PathBuf {
    let dir = o.w.path(name);
    o.w.git_text_in(
        o.w.tmp.path(),
        &[
            "clone",
            "-q",
            "-b",
            "main",
            o.bare.to_str().expect("utf8"),
            name,
        ],
    );
    dir
}

#[test]
fn incoming_commits_that_break_the_trust_rules_are_refused_and_change_nothing() {
    let o = office();
    let (w, alice) = (&o.w, &o.alice);
    let good = bare_head(&o);
    let case_file = format!("cases/{}/case.yaml.age", o.case);
    let access = format!("cases/{}/access.yaml", o.case);

    // 1. A commit made with plain git, unsigned.
    let evil = attacker_clone(&o, "evil-unsigned");
    std::fs::write(evil.join(&case_file), b"not even age").expect("write");
    raw_commit(w, &evil, None, "tidy", "");
    force_remote(&o, &evil, "HEAD");
    let unsigned = w
        .git_text_in(&evil, &["rev-parse", "HEAD"])
        .trim()
        .to_string();
    let err = refused(&o, &unsigned);
    assert!(err.contains("plain git"), "{err}");
    force_remote(&o, &evil, &good);

    // 2. A commit signed by a key in the keyring that no administrator certified.
    let mallory = w.unprotected_person("Mallory");
    let card = w.ok(&mallory, &["key", "export"]);
    let card_file = w.path("mallory.card.yaml");
    std::fs::write(&card_file, card).expect("write");
    w.ok(alice, &["key", "import", card_file.to_str().expect("utf8")]);
    w.ok(alice, &["sync"]);
    let good = {
        let _ = good;
        bare_head(&o)
    };
    let mallory_vault = w.path("mallory-vault");
    w.ok_in(
        &mallory,
        &mallory_vault,
        &[
            "clone",
            o.bare.to_str().expect("utf8"),
            mallory_vault.to_str().expect("utf8"),
        ],
    );
    w.ok_in(&mallory, &mallory_vault, &["key", "expire", "2031-01-01"]);
    force_remote(&o, &mallory_vault, "HEAD");
    let mallory_commit = w
        .git_text_in(&mallory_vault, &["rev-parse", "HEAD"])
        .trim()
        .to_string();
    let err = refused(&o, &mallory_commit);
    assert!(err.contains(&w.fingerprint(&mallory)), "{err}");
    assert!(err.contains("no administrator had certified"), "{err}");
    force_remote(&o, &mallory_vault, &good);

    // 3. An access list edited and signed by Ben, a reader but not an owner.
    let evil = attacker_clone(&o, "evil-access");
    w.git_text_in(&evil, &["reset", "-q", "--hard", &good]);
    // Ben's signing key, decrypted to a plain file as an insider could.
    let ben_key = w.plain_signing_key(&o.ben);
    let path = evil.join(&access);
    let text = std::fs::read_to_string(&path).expect("read");
    let text = text.replace("owners:\n", &format!("owners:\n- {}\n", o.ben_fp));
    std::fs::write(&path, text).expect("write");
    crate::support::name_predecessor(w, &evil, &path);
    ssh_sign_with_key(&ben_key, &path);
    raw_commit(
        w,
        &evil,
        Some(&ben_key),
        &format!("grant {}", o.case),
        &format!(
            "Dossier-Action: grant\nDossier-Case: {}\nDossier-Actor: {}\n",
            o.case, o.ben_fp
        ),
    );
    force_remote(&o, &evil, "HEAD");
    let bad = w
        .git_text_in(&evil, &["rev-parse", "HEAD"])
        .trim()
        .to_string();
    let err = refused(&o, &bad);
    assert!(
        err.contains("changes who can read case") && err.contains("neither an owner"),
        "{err}"
    );
    w.ok(alice, &["verify"]);
}

#[test]
fn a_bundle_carries_a_vault_between_machines_with_no_network() {
    require("git");
    let w = World::new();
    let (alice, ben, _, case) = w.shared_case();
    let bundle = w.path("usb/vault.bundle");
    std::fs::create_dir_all(w.path("usb")).expect("mkdir");
    w.ok(
        &alice,
        &["bundle", "create", bundle.to_str().expect("utf8")],
    );

    // Stock git accepts it.
    let scratch = w.path("scratch");
    w.git_text_in(w.tmp.path(), &["init", "-q", "scratch"]);
    let verify = w.git_in(
        &scratch,
        &["bundle", "verify", bundle.to_str().expect("utf8")],
    );
    assert!(
        verify.status.success(),
        "git bundle verify: {}",
        String::from_utf8_lossy(&verify.stderr)
    );
    let heads = w.git_text_in(
        &scratch,
        &["bundle", "list-heads", bundle.to_str().expect("utf8")],
    );
    assert!(heads.contains(&w.head()), "{heads}");

    // Ben's machine: a vault from the bundle, an edit, a bundle back.
    let ben_vault = w.path("ben-vault");
    w.ok_in(
        &ben,
        &ben_vault,
        &[
            "clone",
            bundle.to_str().expect("utf8"),
            ben_vault.to_str().expect("utf8"),
        ],
    );
    w.ok_in(
        &ben,
        &ben_vault,
        &["note", "add", &case, "--text", "met the client"],
    );
    let back = w.path("usb/back.bundle");
    w.ok_in(
        &ben,
        &ben_vault,
        &["bundle", "create", back.to_str().expect("utf8")],
    );
    let verify = w.git_in(
        &scratch,
        &["bundle", "verify", back.to_str().expect("utf8")],
    );
    assert!(verify.status.success());

    w.ok(
        &alice,
        &["note", "add", &case, "--text", "filed the appeal"],
    );
    let out = w.ok(&alice, &["bundle", "import", back.to_str().expect("utf8")]);
    assert!(out.contains("Verified 1 new commit"), "{out}");
    let shown = show(&w, &alice, &w.vault(), &case);
    assert_eq!(
        shown["notes"].as_array().expect("notes").len(),
        2,
        "{shown}"
    );
    w.ok(&alice, &["verify"]);

    // Importing the same bundle again changes nothing.
    let head = w.head();
    let out = w.ok(&alice, &["bundle", "import", back.to_str().expect("utf8")]);
    assert!(out.contains("Nothing new"), "{out}");
    assert_eq!(head, w.head());

    // A damaged bundle is refused and changes nothing.
    let bytes = std::fs::read(&back).expect("read");
    let cut = w.path("usb/cut.bundle");
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).expect("write");
    let before = w.full_snapshot(&w.vault());
    w.fails(
        &alice,
        &["bundle", "import", cut.to_str().expect("utf8")],
        1,
    );
    assert_eq!(before, w.full_snapshot(&w.vault()));
    let nowhere = w.path("from-cut");
    let err = w.fails(
        &alice,
        &[
            "clone",
            cut.to_str().expect("utf8"),
            nowhere.to_str().expect("utf8"),
        ],
        1,
    );
    assert!(err.contains("not a usable git bundle"), "{err}");
    assert!(!nowhere.exists(), "a refused clone leaves no directory");
    // Bundles are never overwritten.
    w.fails(
        &alice,
        &["bundle", "create", back.to_str().expect("utf8")],
        1,
    );
}

#[test]
fn a_grant_on_one_side_reaches_a_note_written_on_the_other() {
    let o = office();
    let (w, alice, ben) = (&o.w, &o.alice, &o.ben);
    let carol = w.person("Carol");
    let carol_fp = w.join(&carol, alice);
    w.ok(alice, &["sync"]);
    w.ok_in(ben, &o.ben_vault, &["sync"]);

    // Alice lets Carol read the case; meanwhile Ben writes a note, encrypted
    // to the readers he knows of (Alice and himself).
    w.ok(alice, &["grant", &o.case, &carol_fp]);
    w.ok(alice, &["sync"]);
    w.ok_in(
        ben,
        &o.ben_vault,
        &["note", "add", &o.case, "--text", "the hearing moved"],
    );
    let out = w.ok_in(ben, &o.ben_vault, &["sync"]);
    assert!(out.contains("merged field by field"), "{out}");
    w.ok(alice, &["sync"]);

    // The merged vault encrypts Ben's note to Carol too.
    let key = w.age_secret(&carol, "now");
    let notes: Vec<String> = std::fs::read_dir(w.vault().join(format!("cases/{}/notes", o.case)))
        .expect("notes")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert!(w.age_opens(&key, &format!("cases/{}/notes/{}", o.case, notes[0])));
    w.ok(alice, &["verify"]);
    w.ok_in(ben, &o.ben_vault, &["verify"]);
}

#[test]
fn an_offline_vault_refuses_network_remotes_and_still_takes_bundles() {
    let o = office();
    let (w, alice) = (&o.w, &o.alice);
    w.ok(alice, &["settings", "offline=true"]);
    let err = w.fails(
        alice,
        &[
            "remote",
            "add",
            "server",
            "ssh://dossier@files.example/srv/vault.git",
        ],
        1,
    );
    assert!(err.contains("set offline"), "{err}");
    w.git_text(&[
        "remote",
        "add",
        "server",
        "ssh://dossier@files.example/srv/vault.git",
    ]);
    let before = w.full_snapshot(&w.vault());
    let err = w.fails(alice, &["sync", "server"], 1);
    assert!(
        err.contains("set offline") && err.contains("bundle"),
        "{err}"
    );
    assert_eq!(before, w.full_snapshot(&w.vault()));
    // A path remote and bundles still work.
    w.ok(alice, &["sync", "origin"]);
    let bundle = w.path("offline.bundle");
    w.ok(alice, &["bundle", "create", bundle.to_str().expect("utf8")]);
    w.ok_in(
        &o.ben,
        &o.ben_vault,
        &["bundle", "import", bundle.to_str().expect("utf8")],
    );
    let setting = w.ok_in(&o.ben, &o.ben_vault, &["settings"]);
    assert!(
        setting.contains("offline: true"),
        "the setting travels with the vault: {setting}"
    );
}

/// Runs `sync` on Ben's clone with a crash point armed; it must die there.
fn sync_killed_at(o: &Office, point: &str) {
    let out =
        o.w.cmd_in(&o.ben, &o.ben_vault)
            .env("DOSSIER_FAULT", point)
            .args(["sync"])
            .output()
            .expect("run");
    assert_eq!(
        out.status.code(),
        None,
        "killed at {point}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_sync_killed_while_taking_in_history_is_finished_or_rolled_back() {
    let o = office();
    let (w, alice, ben) = (&o.w, &o.alice, &o.ben);

    // A fast-forward killed after the branch moved, before the files.
    w.ok(alice, &["case", "set", &o.case, "status=pending"]);
    w.ok(alice, &["sync"]);
    sync_killed_at(&o, "fast-forward-after-ref");
    assert_eq!(
        show(w, ben, &o.ben_vault, &o.case)["record"]["status"],
        "pending"
    );
    w.ok_in(ben, &o.ben_vault, &["verify"]);

    // A merge killed before its commit was recorded: nothing happened.
    w.ok(
        alice,
        &["case", "set", &o.case, "title=Appeal to the Upper Tribunal"],
    );
    w.ok(alice, &["sync"]);
    w.ok_in(
        ben,
        &o.ben_vault,
        &["case", "set", &o.case, "client.nationality=Eritrean"],
    );
    let ben_head = w.git_text_in(&o.ben_vault, &["rev-parse", "HEAD"]);
    sync_killed_at(&o, "commit-before-ref");
    assert_eq!(
        w.git_text_in(&o.ben_vault, &["rev-parse", "HEAD"]),
        ben_head
    );
    w.ok_in(ben, &o.ben_vault, &["verify"]);

    // Killed after the merge commit moved the branch: finished on the next open.
    sync_killed_at(&o, "commit-after-ref");
    let case = show(w, ben, &o.ben_vault, &o.case);
    assert_eq!(case["record"]["title"], "Appeal to the Upper Tribunal");
    assert_eq!(case["record"]["client"]["nationality"], "Eritrean");
    w.ok_in(ben, &o.ben_vault, &["verify"]);
    // The next sync pushes the merge once; Alice gets both edits.
    let out = w.ok_in(ben, &o.ben_vault, &["sync"]);
    assert!(out.contains("Pushed to origin"), "{out}");
    w.ok(alice, &["sync"]);
    let case = show(w, alice, &w.vault(), &o.case);
    assert_eq!(case["record"]["client"]["nationality"], "Eritrean");
    let merges = w.git_text(&["rev-list", "--merges", "HEAD"]);
    assert_eq!(merges.lines().count(), 1, "one merge commit: {merges}");
}

#[test]
fn work_signed_after_the_signer_was_revoked_is_refused_when_it_arrives() {
    let o = office();
    let (w, alice, ben) = (&o.w, &o.alice, &o.ben);
    w.ok(
        alice,
        &[
            "key",
            "revoke",
            "--yes",
            &o.ben_fp,
            "--reason",
            "laptop lost",
        ],
    );
    w.ok(alice, &["sync"]);
    // Whoever holds Ben's key writes on his old clone and pushes.
    w.ok_in(
        ben,
        &o.ben_vault,
        &["note", "add", &o.case, "--text", "planted"],
    );
    let planted = w
        .git_text_in(&o.ben_vault, &["rev-parse", "HEAD"])
        .trim()
        .to_string();
    force_remote(&o, &o.ben_vault, "HEAD");

    let before = w.full_snapshot(&w.vault());
    let err = w.fails(alice, &["sync"], 1);
    assert!(err.contains(&planted), "{err}");
    assert!(err.contains("revoked"), "{err}");
    assert_eq!(before, w.full_snapshot(&w.vault()));
}

/// A server that accepts connections and then says nothing, for as long as
/// the test runs: what a hung or half-dead git host looks like.
fn silent_server() -> (u16, std::sync::Arc<std::sync::atomic::AtomicBool>) {
    use std::sync::atomic::{AtomicBool, Ordering};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let stop = std::sync::Arc::new(AtomicBool::new(false));
    let done = stop.clone();
    listener.set_nonblocking(true).expect("nonblocking");
    std::thread::spawn(move || {
        let mut held = Vec::new();
        while !done.load(Ordering::SeqCst) {
            if let Ok((conn, _)) = listener.accept() {
                held.push(conn);
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    });
    (port, stop)
}

#[test]
fn a_server_that_goes_silent_ends_clone_and_sync_with_a_sentence_not_a_hang() {
    let w = World::new();
    let ada = w.person("Ada");
    w.init_vault(&ada);
    let head = w.head();
    let (port, stop) = silent_server();
    let url = format!("ssh://git@127.0.0.1:{port}/vault.git");
    let started = std::time::Instant::now();
    let target = w.path("copy");
    let out = w
        .cmd(&ada)
        .env("DOSSIER_NETWORK_TIMEOUT_SECONDS", "2")
        .args(["clone", &url, target.to_str().expect("utf-8")])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!("could not sync with {url}")) && err.contains("timed out"),
        "{err}"
    );
    assert!(!target.exists(), "the failed clone left nothing behind");

    w.ok(&ada, &["remote", "add", "origin", &url]);
    let out = w
        .cmd(&ada)
        .env("DOSSIER_NETWORK_TIMEOUT_SECONDS", "2")
        .arg("sync")
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("timed out"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(w.head(), head, "nothing changed");
    assert!(
        started.elapsed() < std::time::Duration::from_secs(60),
        "both gave up on their own"
    );
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
}

#[test]
fn a_force_push_that_drops_history_is_undone_by_the_next_sync_and_loses_nothing() {
    let o = office();
    let w = &o.w;
    let dropped_to = bare_head(&o);
    w.ok(&o.alice, &["note", "add", &o.case, "--text", "first after"]);
    w.ok(
        &o.alice,
        &["note", "add", &o.case, "--text", "second after"],
    );
    w.ok(&o.alice, &["sync"]);
    let pushed = bare_head(&o);
    w.ok_in(&o.ben, &o.ben_vault, &["sync"]);

    // Someone with write access rewinds the shared branch with stock git.
    let out = w.git_in(
        &o.ben_vault,
        &[
            "push",
            "-q",
            "--force",
            "origin",
            &format!("{dropped_to}:refs/heads/main"),
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(bare_head(&o), dropped_to);

    // Ben's next sync (with a note of his own) puts every commit back.
    w.ok_in(
        &o.ben,
        &o.ben_vault,
        &["note", "add", &o.case, "--text", "from Ben"],
    );
    w.ok_in(&o.ben, &o.ben_vault, &["sync"]);
    let restored = bare_head(&o);
    assert_eq!(
        restored,
        w.git_text_in(&o.ben_vault, &["rev-parse", "HEAD"]).trim()
    );
    let contains = w.git_in(
        &o.bare,
        &["merge-base", "--is-ancestor", &pushed, &restored],
    );
    assert!(contains.status.success(), "the remote lost Alice's commits");

    // And Alice, whose copy never lost them, gets Ben's note on top.
    w.ok(&o.alice, &["sync"]);
    let texts: Vec<String> = show(w, &o.alice, &w.vault(), &o.case)["notes"]
        .as_array()
        .expect("notes")
        .iter()
        .map(|n| n["text"].as_str().unwrap_or("").trim().to_string())
        .collect();
    for text in ["first after", "second after", "from Ben"] {
        assert!(texts.iter().any(|t| t == text), "{text:?} lost: {texts:?}");
    }
    w.ok(&o.alice, &["verify"]);
}

/// What `sync` and `bundle import` say when what arrived would replace a
/// file that holds work no commit has.
fn would_replace(path: &str) -> String {
    format!("{path} in the vault's working tree has changes that were never committed (`git status` shows them), and what arrived would replace it; nothing was taken in or sent")
}

#[test]
fn a_sync_never_overwrites_a_hand_edit_it_would_replace_and_leaves_other_edits_alone() {
    let o = office();
    let (w, alice, ben) = (&o.w, &o.alice, &o.ben);
    let av = w.vault();
    let head = |dir: &Path| {
        w.git_text_in(dir, &["rev-parse", "HEAD"])
            .trim()
            .to_string()
    };

    // Ben changes the shared case's record and sends it.
    w.ok_in(
        ben,
        &o.ben_vault,
        &["case", "set", &o.case, "status=pending"],
    );
    w.ok_in(ben, &o.ben_vault, &["sync"]);
    let record = format!("cases/{}/case.yaml.age", o.case);
    let mut edited = std::fs::read(av.join(&record)).expect("read");
    edited.extend_from_slice(b"\nwork only the working tree holds\n");
    std::fs::write(av.join(&record), &edited).expect("hand edit");

    // A fast-forward would replace it: refused by name, nothing moves.
    let before = head(&av);
    let err = w.fails(alice, &["sync"], 1);
    assert!(err.contains(&would_replace(&record)), "{err}");
    assert_eq!(head(&av), before, "the branch moved");
    assert_eq!(std::fs::read(av.join(&record)).expect("read"), edited);
    // A bundle of the same history is refused the same way.
    let bundle = w.path("ben.bundle");
    w.ok_in(
        ben,
        &o.ben_vault,
        &["bundle", "create", bundle.to_str().expect("utf8")],
    );
    let err = w.fails(
        alice,
        &["bundle", "import", bundle.to_str().expect("utf8")],
        1,
    );
    assert!(err.contains(&would_replace(&record)), "{err}");
    assert_eq!(head(&av), before, "the bundle moved the branch");

    // A merge would replace it too: Alice has a commit of her own now.
    let own = w.new_case(alice, &[]);
    let before = head(&av);
    let err = w.fails(alice, &["sync"], 1);
    assert!(err.contains(&would_replace(&record)), "{err}");
    assert_eq!(head(&av), before, "the merge moved the branch");
    assert_eq!(std::fs::read(av.join(&record)).expect("read"), edited);
    assert_eq!(bare_head(&o), head(&o.ben_vault), "something was sent");

    // Restored as the sentence says, the sync goes through; a hand edit of
    // a file the merge does not touch is left as it is.
    w.git_text_in(&av, &["checkout", "--", &record]);
    let other = format!("cases/{own}/case.yaml.age");
    let mut untouched = std::fs::read(av.join(&other)).expect("read");
    untouched.extend_from_slice(b"\nanother hand edit\n");
    std::fs::write(av.join(&other), &untouched).expect("hand edit");
    let out = w.ok(alice, &["sync"]);
    assert!(out.contains("Merged both histories"), "{out}");
    assert_eq!(std::fs::read(av.join(&other)).expect("read"), untouched);
    let status = w.git_text_in(&av, &["status", "--porcelain"]);
    assert_eq!(status.trim(), format!("M {other}"), "{status}");
    assert_eq!(show(w, alice, &av, &o.case)["record"]["status"], "pending");
}
