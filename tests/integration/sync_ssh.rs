//! Sync over SSH through a real sshd on 127.0.0.1 (started by the test,
//! stopped by PID when it ends): two clones, host-key checks, and a push
//! cut off half-way.

use std::path::PathBuf;

use crate::sshd::Sshd;
use crate::support::{Person, World};

struct SshOffice {
    w: World,
    alice: Person,
    ben: Person,
    case: String,
    bare: PathBuf,
    sshd: Sshd,
    url: String,
}

/// Alice (root) and Ben, a shared case, an sshd serving a bare repository.
/// Alice logs in with an ordinary SSH key file (DOSSIER_SSH_KEY); Ben with
/// his dossier signing key, which the server authorises.
fn ssh_office(trust_host: bool) -> SshOffice {
    let w = World::new();
    let (alice, ben, _, case) = w.shared_case();
    let bare = w.path("remote.git");
    w.git_text_in(w.tmp.path(), &["init", "-q", "--bare", "remote.git"]);
    let sshd = Sshd::start(&w.path("sshd"));
    let ben_pub = std::fs::read_to_string(ben.home.join("signing_key.pub")).expect("ben's key");
    sshd.authorize(&ben_pub);
    if trust_host {
        sshd.trust_in(&w.path("fakehome"));
    }
    let url = sshd.url(&bare);
    SshOffice {
        w,
        alice,
        ben,
        case,
        bare,
        sshd,
        url,
    }
}

fn with_key_file(o: &SshOffice) {
    o.w.env
        .borrow_mut()
        .push(("DOSSIER_SSH_KEY".into(), o.sshd.user_key().into_os_string()));
}

fn without_key_file(o: &SshOffice) {
    o.w.env.borrow_mut().retain(|(k, _)| k != "DOSSIER_SSH_KEY");
}

fn show(w: &World, who: &Person, vault: &std::path::Path, case: &str) -> serde_json::Value {
    serde_json::from_str(&w.ok_in(who, vault, &["case", "show", case, "--json"])).expect("json")
}

#[test]
fn two_clones_edit_one_case_and_sync_through_sshd() {
    let o = ssh_office(true);
    let (w, alice, ben) = (&o.w, &o.alice, &o.ben);
    with_key_file(&o);
    w.ok(alice, &["remote", "add", "origin", &o.url]);
    let out = w.ok(alice, &["sync"]);
    assert!(out.contains("Pushed to origin"), "{out}");

    // Ben authenticates with his dossier key only.
    without_key_file(&o);
    let ben_vault = w.path("ben-vault");
    w.ok_in(
        ben,
        &ben_vault,
        &["clone", &o.url, ben_vault.to_str().expect("utf8")],
    );

    w.ok_in(
        ben,
        &ben_vault,
        &["case", "set", &o.case, "client.nationality=Eritrean"],
    );
    with_key_file(&o);
    w.ok(alice, &["case", "set", &o.case, "status=pending"]);
    w.ok(alice, &["sync"]);
    without_key_file(&o);
    let out = w.ok_in(ben, &ben_vault, &["sync"]);
    assert!(
        out.contains("merged field by field") && out.contains("Pushed"),
        "{out}"
    );
    with_key_file(&o);
    let out = w.ok(alice, &["sync"]);
    assert!(out.contains("fast-forward"), "{out}");

    for (who, vault) in [(alice, w.vault()), (ben, ben_vault.clone())] {
        let case = show(w, who, &vault, &o.case);
        assert_eq!(case["record"]["status"], "pending");
        assert_eq!(case["record"]["client"]["nationality"], "Eritrean");
        w.ok_in(who, &vault, &["verify"]);
    }
    let remote_head = w.git_text_in(&o.bare, &["rev-parse", "refs/heads/main"]);
    assert_eq!(remote_head.trim(), w.head());
}

#[test]
fn unknown_and_changed_host_keys_are_refused_and_nothing_is_sent() {
    let o = ssh_office(false);
    let (w, alice) = (&o.w, &o.alice);
    with_key_file(&o);
    w.ok(alice, &["remote", "add", "origin", &o.url]);
    let before = w.full_snapshot(&w.vault());

    // No entry, no terminal to ask on: refused, with the fingerprint to check.
    let (_, err) = w.fails_in(alice, &w.vault(), &["sync"], 1);
    assert!(err.contains(&o.sshd.host_fingerprint()), "{err}");
    assert!(err.contains("not known"), "{err}");
    assert!(
        !w.path("fakehome/.ssh/known_hosts").exists() || {
            let text = std::fs::read_to_string(w.path("fakehome/.ssh/known_hosts")).expect("read");
            !text.contains(&format!(":{}", o.sshd.port))
        }
    );

    // A different key on record for this host: refused as a possible attack.
    let ssh_dir = w.path("fakehome/.ssh");
    std::fs::create_dir_all(&ssh_dir).expect("mkdir");
    let other = w.path("other_host_key");
    let out = std::process::Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-f"])
        .arg(&other)
        .output()
        .expect("ssh-keygen");
    assert!(out.status.success());
    let other_pub = std::fs::read_to_string(other.with_extension("pub")).expect("pub");
    let mut fields = other_pub.split_whitespace();
    let line = format!(
        "[127.0.0.1]:{} {} {}\n",
        o.sshd.port,
        fields.next().expect("type"),
        fields.next().expect("key")
    );
    std::fs::write(ssh_dir.join("known_hosts"), line).expect("write");
    let (_, err) = w.fails_in(alice, &w.vault(), &["sync"], 1);
    assert!(err.contains("CHANGED"), "{err}");
    assert_eq!(before, w.full_snapshot(&w.vault()));
    assert!(
        w.git_in(&o.bare, &["rev-parse", "--verify", "-q", "refs/heads/main"])
            .stdout
            .is_empty(),
        "nothing reached the remote"
    );
}

#[test]
fn a_sync_cut_off_mid_push_completes_on_the_next_run_with_nothing_lost_or_doubled() {
    let o = ssh_office(true);
    let (w, alice, ben) = (&o.w, &o.alice, &o.ben);
    with_key_file(&o);
    w.ok(alice, &["remote", "add", "origin", &o.url]);
    w.ok(alice, &["sync"]);
    let pushed = w.git_text_in(&o.bare, &["rev-parse", "refs/heads/main"]);

    for i in 0..3 {
        let text = format!(
            "note {i}: {}",
            "witness statement taken in full. ".repeat(40)
        );
        w.ok(alice, &["note", "add", &o.case, "--text", &text]);
    }
    o.sshd.fail_next_push_after(400);
    let (_, err) = w.fails_in(alice, &w.vault(), &["sync"], 1);
    assert!(
        o.sshd.push_was_killed(),
        "the server was killed mid-push: {err}"
    );
    assert_eq!(
        w.git_text_in(&o.bare, &["rev-parse", "refs/heads/main"]),
        pushed,
        "the remote branch did not move"
    );

    let out = w.ok(alice, &["sync"]);
    assert!(out.contains("Pushed to origin"), "{out}");
    assert_eq!(
        w.git_text_in(&o.bare, &["rev-parse", "refs/heads/main"])
            .trim(),
        w.head()
    );
    let fsck = w.git_in(&o.bare, &["fsck", "--no-dangling"]);
    assert!(
        fsck.status.success(),
        "{}",
        String::from_utf8_lossy(&fsck.stderr)
    );

    let ben_vault = w.path("ben-vault");
    w.ok_in(
        ben,
        &ben_vault,
        &["clone", &o.url, ben_vault.to_str().expect("utf8")],
    );
    let case = show(w, ben, &ben_vault, &o.case);
    assert_eq!(
        case["notes"].as_array().expect("notes").len(),
        3,
        "each note once"
    );
    assert_eq!(
        w.git_text_in(&ben_vault, &["rev-list", "--count", "HEAD"]),
        w.git_text(&["rev-list", "--count", "HEAD"])
    );
}

#[test]
fn a_server_that_sends_a_pack_claiming_billions_of_objects_is_refused_before_it_is_read() {
    let o = ssh_office(true);
    let (w, alice, ben) = (&o.w, &o.alice, &o.ben);
    with_key_file(&o);
    w.ok(alice, &["remote", "add", "origin", &o.url]);
    w.ok(alice, &["sync"]);
    let ben_vault = w.path("ben-vault");
    w.ok_in(
        ben,
        &ben_vault,
        &["clone", &o.url, ben_vault.to_str().expect("utf8")],
    );
    w.ok(alice, &["note", "add", &o.case, "--text", "to be fetched"]);
    w.ok(alice, &["sync"]);

    // The server turns hostile: the pack it sends claims 4,294,901,760
    // objects, which libgit2 would otherwise make room for (32 GB).
    o.sshd.forge_next_pack_count();
    let before = w.full_snapshot(&ben_vault);
    let out = w
        .cmd_in(ben, &ben_vault)
        .arg("sync")
        .output()
        .expect("sync");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        o.sshd.pack_was_forged(),
        "the server never sent the forged pack"
    );
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert_eq!(stderr.trim().lines().count(), 1, "one sentence: {stderr}");
    assert!(
        stderr.contains("claims more objects than any vault holds"),
        "{stderr}"
    );
    assert_eq!(w.full_snapshot(&ben_vault), before, "nothing changed");
    // The next fetch from an honest server works.
    w.ok_in(ben, &ben_vault, &["sync"]);
    assert!(show(w, ben, &ben_vault, &o.case)["notes"]
        .to_string()
        .contains("to be fetched"));
    let _ = &o.bare;
}
