//! The passphrase agent through the real binary: after one unlock,
//! commands ask nothing; `lock`, the idle timeout and SIGTERM forget the
//! keys and remove the socket; a killed agent's dead socket is replaced;
//! another user cannot reach it; a runtime directory open to others is
//! refused; a wrong passphrase unlocks nothing.

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use crate::support::{Person, World};

/// A vault of Ada's with one case, the agent opted in (idle `idle`
/// seconds), and a private runtime directory.
pub fn setup(idle: u64) -> (World, Person, String, PathBuf) {
    let w = World::new();
    let ada = w.person("Ada");
    w.init_vault(&ada);
    let id = w.new_case(&ada, &[]);
    let config = w.path("fakehome/.config/dossier");
    std::fs::create_dir_all(&config).unwrap();
    std::fs::write(
        config.join("config.yaml"),
        format!("agent: true\nagent_idle_seconds: {idle}\n"),
    )
    .unwrap();
    let run = w.path("run");
    std::fs::create_dir(&run).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&run, std::fs::Permissions::from_mode(0o700)).unwrap();
    w.env
        .borrow_mut()
        .push(("XDG_RUNTIME_DIR".into(), run.clone().into_os_string()));
    (w, ada, id, run.join("dossier"))
}

/// `who` runs `args` with no passphrase anywhere (no variable, no terminal).
pub fn without_passphrase(w: &World, who: &Person, args: &[&str]) -> std::process::Output {
    w.cmd(who)
        .env_remove("DOSSIER_PASSPHRASE")
        .args(args)
        .output()
        .unwrap()
}

pub fn sockets(dir: &std::path::Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .map(|d| d.filter_map(|e| e.ok()).map(|e| e.path()).collect())
        .unwrap_or_default()
}

/// The agent of `who` (its command line names their identity home).
pub fn agent_pid(who: &Person) -> Option<i32> {
    let pattern = format!("dossier --home {} agent --idle", who.home.display());
    let out = Command::new("pgrep")
        .args(["-n", "-f", &pattern])
        .output()
        .ok()?;
    String::from_utf8_lossy(&out.stdout).trim().parse().ok()
}

pub fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn after_one_unlock_commands_ask_nothing_until_lock_forgets() {
    let (w, ada, id, dir) = setup(60);
    // Without the agent, no passphrase means no command.
    let out = without_passphrase(&w, &ada, &["case", "show", &id]);
    assert!(!out.status.success());
    // One command with the passphrase starts the agent.
    w.ok(&ada, &["case", "list"]);
    let socks = sockets(&dir);
    assert_eq!(socks.len(), 1, "{socks:?}");
    use std::os::unix::fs::{FileTypeExt, PermissionsExt};
    let meta = std::fs::metadata(&socks[0]).unwrap();
    assert!(meta.file_type().is_socket());
    assert_eq!(meta.permissions().mode() & 0o777, 0o600);
    assert_eq!(
        std::fs::metadata(&dir).unwrap().permissions().mode() & 0o777,
        0o700
    );
    // Then decrypting, encrypting and signing need no passphrase.
    for args in [
        vec![
            "note",
            "add",
            id.as_str(),
            "--text",
            "Written through the agent.",
        ],
        vec!["case", "show", id.as_str()],
        vec!["verify"],
    ] {
        let out = without_passphrase(&w, &ada, &args);
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let shown =
        String::from_utf8_lossy(&without_passphrase(&w, &ada, &["case", "show", &id]).stdout)
            .into_owned();
    assert!(shown.contains("Written through the agent."), "{shown}");
    let log: serde_json::Value = serde_json::from_str(&w.ok(&ada, &["log", "--json"])).unwrap();
    assert_eq!(log[0]["action"], "note");
    assert_eq!(
        log[0]["signature"], "verified",
        "the agent's signature verifies"
    );

    let out = without_passphrase(&w, &ada, &["lock"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("forgot your keys"));
    wait_until("the socket to go", || sockets(&dir).is_empty());
    let out = without_passphrase(&w, &ada, &["case", "show", &id]);
    assert!(
        !out.status.success(),
        "locked: a passphrase is needed again"
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("no passphrase"));
}

#[test]
fn the_idle_timeout_and_sigterm_forget_the_keys_and_a_killed_agent_is_replaced() {
    let (w, ada, id, dir) = setup(1);
    w.ok(&ada, &["case", "list"]);
    assert_eq!(sockets(&dir).len(), 1);
    wait_until("the idle agent to stop", || sockets(&dir).is_empty());
    assert!(!without_passphrase(&w, &ada, &["case", "show", &id])
        .status
        .success());

    let (w, ada, id, dir) = setup(60);
    w.ok(&ada, &["case", "list"]);
    let pid = agent_pid(&ada).expect("the agent runs");
    // Holding the keys, it keeps them out of swap where it may.
    crate::support::assert_memory_locked_where_allowed(pid.into(), "the agent");
    unsafe { libc::kill(pid, libc::SIGTERM) };
    wait_until("SIGTERM to remove the socket", || sockets(&dir).is_empty());

    w.ok(&ada, &["case", "list"]);
    let pid = agent_pid(&ada).expect("the agent runs");
    unsafe { libc::kill(pid, libc::SIGKILL) };
    wait_until("the agent to die", || {
        std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .map(|s| s.contains(") Z "))
            .unwrap_or(true)
    });
    // Killed, it left a dead socket and no key: a command asks again, and
    // the agent it starts replaces the dead socket.
    assert!(!without_passphrase(&w, &ada, &["case", "show", &id])
        .status
        .success());
    w.ok(&ada, &["case", "list"]);
    assert!(without_passphrase(&w, &ada, &["case", "show", &id])
        .status
        .success());
    without_passphrase(&w, &ada, &["lock"]);
}

#[test]
fn another_user_cannot_reach_the_agent_and_an_open_runtime_dir_is_refused() {
    crate::support::require("setpriv");
    assert_eq!(
        unsafe { libc::geteuid() },
        0,
        "acting as another user (setpriv --reuid) needs root, as CI runs"
    );
    let (w, ada, _, dir) = setup(60);
    w.ok(&ada, &["case", "list"]);
    let socket = sockets(&dir).pop().expect("socket");
    // `nobody` connecting to the socket is stopped by the private directory
    // (and, were it reachable, by the peer-credential check).
    let out = Command::new("setpriv")
        .args([
            "--reuid=65534",
            "--regid=65534",
            "--clear-groups",
            "--",
            "cat",
        ])
        .arg(&socket)
        .output()
        .unwrap();
    assert!(!out.status.success(), "another user connected");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("Permission denied"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    without_passphrase(&w, &ada, &["lock"]);

    // A runtime directory others can read: no agent, and the command says so.
    use std::os::unix::fs::PermissionsExt;
    let open = w.path("open-run");
    std::fs::create_dir(&open).unwrap();
    std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o755)).unwrap();
    let out = w
        .cmd(&ada)
        .env("XDG_RUNTIME_DIR", &open)
        .args(["case", "list"])
        .output()
        .unwrap();
    assert!(out.status.success(), "it falls back to the passphrase");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("is not a directory private to you"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(sockets(&open.join("dossier")).is_empty());
}

#[test]
fn a_wrong_passphrase_unlocks_nothing() {
    let (w, ada, id, _) = setup(60);
    let out = w
        .cmd(&ada)
        .env("DOSSIER_PASSPHRASE", "not the passphrase")
        .args(["case", "show", &id])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("passphrase is wrong"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!without_passphrase(&w, &ada, &["case", "show", &id])
        .status
        .success());
    w.ok(&ada, &["case", "show", &id]);
    without_passphrase(&w, &ada, &["lock"]);
}

#[test]
fn without_the_opt_in_no_agent_starts_and_every_command_asks_again() {
    let (w, ada, id, dir) = setup(60);
    std::fs::write(w.path("fakehome/.config/dossier/config.yaml"), "").unwrap();
    w.ok(&ada, &["case", "show", &id]);
    w.ok(
        &ada,
        &["note", "add", &id, "--text", "unlocked by the command"],
    );
    assert!(sockets(&dir).is_empty(), "{:?}", sockets(&dir));
    assert_eq!(agent_pid(&ada), None, "an agent runs without the opt-in");
    assert!(!without_passphrase(&w, &ada, &["case", "show", &id])
        .status
        .success());
}

#[test]
fn with_the_agent_a_sync_asks_nothing_and_never_decrypts_the_signing_key_itself() {
    let (w, ada, id, _dir) = setup(60);
    let bare = w.path("remote.git");
    w.git_text_in(w.tmp.path(), &["init", "-q", "--bare", "remote.git"]);
    w.ok(&ada, &["remote", "add", "origin", bare.to_str().unwrap()]);
    // One command with the passphrase starts the agent.
    w.ok(&ada, &["case", "list"]);
    // A sync that merges (so it signs) needs no passphrase in the command.
    let ben_side = w.path("other");
    w.ok(&ada, &["sync"]);
    w.git_text_in(
        w.tmp.path(),
        &[
            "clone",
            "-q",
            bare.to_str().unwrap(),
            ben_side.to_str().unwrap(),
        ],
    );
    let out = without_passphrase(
        &w,
        &ada,
        &["note", "add", &id, "--text", "through the agent"],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = without_passphrase(&w, &ada, &["sync"]);
    assert!(
        out.status.success(),
        "sync asked for what the agent holds: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("Pushed to origin"));
    without_passphrase(&w, &ada, &["lock"]);
}
