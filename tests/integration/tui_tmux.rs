//! The terminal UI end to end: the real binary in a real terminal (tmux),
//! driven by keystrokes, checked afterwards through the CLI.
//!
//! tmux runs on its own socket with no user config; the binary gets the
//! World's hermetic environment through `env -i`. Every wait polls the pane
//! with a timeout rather than sleeping a fixed time.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use crate::support::{Person, World};

/// A tmux server of our own, killed when the test ends (even on failure).
pub struct Tmux {
    socket: String,
}

impl Tmux {
    fn start(w: &World, who: &Person, width: u16, height: u16) -> Tmux {
        Tmux::start_in(w, who, &w.vault(), width, height)
    }

    /// [`Tmux::start`] on the vault at `vault` (a second clone).
    fn start_in(w: &World, who: &Person, vault: &Path, width: u16, height: u16) -> Tmux {
        Tmux::run(w, who, vault, width, height, &[])
    }

    /// `dossier ARGS` in a terminal (no passphrase in the environment is
    /// needed for what it asks).
    fn run(w: &World, who: &Person, vault: &Path, width: u16, height: u16, args: &[&str]) -> Tmux {
        Tmux::run_with(w, who, vault, (width, height), args, &[])
    }

    /// [`Tmux::run`] with `extra` variables in the environment.
    pub fn run_with(
        w: &World,
        who: &Person,
        vault: &Path,
        (width, height): (u16, u16),
        args: &[&str],
        extra: &[(&str, String)],
    ) -> Tmux {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let socket = format!("dossier-test-{}-{nanos}", std::process::id());
        let bin = assert_cmd::cargo::cargo_bin("dossier");
        let vars: Vec<(&str, String)> = vec![
            ("PATH", std::env::var("PATH").unwrap_or_default()),
            ("HOME", path(&w.path("fakehome"))),
            ("XDG_CONFIG_HOME", path(&w.path("fakehome/.config"))),
            ("XDG_DATA_HOME", path(&w.path("fakehome/.local/share"))),
            ("GIT_CONFIG_NOSYSTEM", "1".into()),
            ("GIT_CONFIG_GLOBAL", "/dev/null".into()),
            ("DOSSIER_SCRYPT_LOG_N", "10".into()),
            ("DOSSIER_HOME", path(&who.home)),
            ("DOSSIER_VAULT", path(vault)),
            ("TERM", "xterm-256color".into()),
        ];
        let vars: Vec<(&str, String)> = vars.into_iter().chain(extra.iter().cloned()).collect();
        let mut line = String::from("env -i");
        for (k, v) in &vars {
            line.push_str(&format!(" {k}={}", quote(v)));
        }
        // Keep the pane after dossier exits so the test can read its exit
        // status and check that the screen was cleared.
        let mut program = quote(&path(&bin));
        for a in args {
            program.push(' ');
            program.push_str(&quote(a));
        }
        line.push_str(&format!(" {program}; echo \"EXIT:$?\"; sleep 60"));
        let t = Tmux { socket };
        let status = t
            .tmux()
            .args([
                "new-session",
                "-d",
                "-x",
                &width.to_string(),
                "-y",
                &height.to_string(),
            ])
            .arg(line)
            .status()
            .expect("run tmux");
        assert!(status.success(), "tmux new-session failed");
        t
    }

    fn tmux(&self) -> Command {
        let mut c = Command::new("tmux");
        c.args(["-f", "/dev/null", "-L", &self.socket]);
        c
    }

    pub fn capture(&self) -> String {
        let out = self
            .tmux()
            .args(["capture-pane", "-p", "-S", "-200"])
            .output()
            .expect("capture-pane");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Whether the pane is on the alternate screen (a full-screen program
    /// has it and did not give it back).
    pub fn alternate_screen_on(&self) -> bool {
        let out = self
            .tmux()
            .args(["display", "-p", "#{alternate_on}"])
            .output()
            .expect("tmux display");
        String::from_utf8_lossy(&out.stdout).trim() == "1"
    }

    /// Sends tmux key names (Enter, Tab, C-s…).
    pub fn keys(&self, keys: &[&str]) {
        let status = self
            .tmux()
            .arg("send-keys")
            .args(keys)
            .status()
            .expect("send-keys");
        assert!(status.success());
    }

    /// Types text literally.
    pub fn type_text(&self, text: &str) {
        let status = self
            .tmux()
            .args(["send-keys", "-l", text])
            .status()
            .expect("send-keys");
        assert!(status.success());
    }

    /// Answers the passphrase prompt (once it shows) with `passphrase`.
    pub fn unlock(&self, passphrase: &str) {
        self.wait_for("Passphrase");
        self.type_text(passphrase);
        self.keys(&["Enter"]);
    }

    /// Waits until the pane shows `needle`; returns the pane.
    pub fn wait_for(&self, needle: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let pane = self.capture();
            if pane.contains(needle) {
                return pane;
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {needle:?}; the pane shows:\n{pane}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.tmux().arg("kill-server").status();
    }
}

pub fn path(p: &Path) -> String {
    p.to_str().expect("utf-8 path").to_string()
}

fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

#[test]
fn tui_unlock_search_open_add_note_quit_then_the_cli_sees_a_signed_note() {
    crate::support::require("tmux");
    let w = World::new();
    let ada = w.person("Ada");
    w.init_vault(&ada);
    let id = w.new_case(&ada, &["--reference", "OL-2026-101"]);
    w.ok(
        &ada,
        &[
            "case",
            "new",
            "--title",
            "Employment claim",
            "--client",
            "Grace Achieng",
        ],
    );
    w.ok(
        &ada,
        &["note", "add", &id, "--text", "Medical report requested."],
    );

    let t = Tmux::start(&w, &ada, 100, 30);
    // A wrong passphrase says so and lets you retry.
    t.unlock("not my passphrase");
    t.wait_for("the passphrase is wrong; try again");
    t.unlock(&ada.passphrase);
    t.wait_for("Cases 2 of 2");

    // Full-text search finds the note's word, which is in no list column,
    // and shows the line it is on.
    t.keys(&["F"]);
    t.type_text("medical");
    t.keys(&["Enter"]);
    t.wait_for("search /medical/: 1 case(s)");
    let pane = t.wait_for("Cases 1 of 2");
    assert!(pane.contains("OL-2026-101"), "{pane}");
    assert!(pane.contains("note: Medical report requested."), "{pane}");

    t.keys(&["Enter"]);
    t.wait_for("Asylum appeal");
    t.keys(&["Tab", "Tab", "Tab"]);
    t.wait_for("Medical report requested.");

    t.keys(&["a"]);
    t.wait_for("New note for case");
    t.type_text("Hearing listed for 3 March.");
    t.keys(&["Enter"]);
    t.type_text("Interpreter booked: Tigrinya.");
    t.keys(&["C-s"]);
    t.wait_for(&format!("Added a note to case {id}"));
    t.wait_for("Interpreter booked: Tigrinya.");

    // Back in the list, the search finds the new note: the text searched is
    // read again after the change (the new note decrypted, the rest kept).
    t.keys(&["Escape"]);
    t.wait_for("Cases 1 of 2");
    t.keys(&["F", "C-u"]);
    t.type_text("tigrinya");
    t.keys(&["Enter"]);
    t.wait_for("search /tigrinya/: 1 case(s)");
    t.wait_for("booked: Tigrinya.");

    t.keys(&["q"]);
    let pane = t.wait_for("EXIT:0");
    for secret in ["Medical", "Hearing", "Asylum", "Tesfaye"] {
        assert!(
            !pane.contains(secret),
            "{secret:?} stayed on the screen or in scrollback after exit:\n{pane}"
        );
    }

    // The CLI sees the note, and its commit is signed and verified.
    let show = w.ok(&ada, &["case", "show", &id]);
    assert!(show.contains("Hearing listed for 3 March."), "{show}");
    assert!(show.contains("Interpreter booked: Tigrinya."), "{show}");
    let log = w.ok(&ada, &["log", &id, "--json"]);
    let entries: serde_json::Value = serde_json::from_str(&log).expect("json");
    let newest = &entries[0];
    assert_eq!(newest["action"], "note", "{log}");
    assert_eq!(newest["signature"], "verified", "{log}");
    assert_eq!(newest["actor"], w.fingerprint(&ada).as_str(), "{log}");
}

/// The pid of the dossier process running in the pane (a child of its shell).
pub fn dossier_pid(t: &Tmux) -> Option<u32> {
    let out = t
        .tmux()
        .args(["list-panes", "-F", "#{pane_pid}"])
        .output()
        .ok()?;
    let shell = String::from_utf8_lossy(&out.stdout).trim().to_string();
    let children = std::fs::read_to_string(format!("/proc/{shell}/task/{shell}/children")).ok()?;
    children.split_whitespace().next()?.parse().ok()
}

fn running(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .map(|s| !s.contains(") Z "))
        .unwrap_or(false)
}

#[test]
fn a_session_killed_by_term_int_or_hup_leaves_nothing_on_the_screen_or_in_scrollback() {
    crate::support::require("tmux");
    let w = World::new();
    let ada = w.person("Ada");
    w.init_vault(&ada);
    w.new_case_titled(&ada, "Confidential appeal", "Tesfaye Mengistu", &[]);
    for signal in ["TERM", "INT", "HUP"] {
        let t = Tmux::start(&w, &ada, 100, 30);
        t.unlock(&ada.passphrase);
        t.wait_for("Tesfaye Mengistu");
        let pid = dossier_pid(&t).expect("dossier's pid");
        let sent = Command::new("kill")
            .args([&format!("-{signal}"), &pid.to_string()])
            .status()
            .expect("kill");
        assert!(sent.success());
        let pane = t.wait_for("EXIT:");
        for secret in ["Confidential", "Tesfaye"] {
            assert!(
                !pane.contains(secret),
                "SIG{signal}: {secret:?} stayed on the screen or in scrollback:\n{pane}"
            );
        }
    }
}

#[test]
fn a_closed_terminal_ends_the_session_instead_of_leaving_it_running() {
    crate::support::require("tmux");
    let w = World::new();
    let ada = w.person("Ada");
    w.init_vault(&ada);
    w.new_case(&ada, &[]);
    let t = Tmux::start(&w, &ada, 100, 30);
    t.unlock(&ada.passphrase);
    t.wait_for("Cases 1 of 1");
    let pid = dossier_pid(&t).expect("dossier's pid");
    assert!(running(pid));
    // Holding decrypted cases, it can write no core file.
    crate::support::assert_no_core_dumps(pid);
    // And, where it may, it keeps them out of swap.
    crate::support::assert_memory_locked_where_allowed(pid.into(), "the TUI");
    // The window is closed under it: no key press will ever come.
    let _ = t.tmux().arg("kill-server").status();
    let deadline = Instant::now() + Duration::from_secs(10);
    while running(pid) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(
        !running(pid),
        "dossier (pid {pid}) kept running, with decrypted cases in memory, after its terminal closed"
    );
}

#[test]
fn tui_sync_shows_a_true_conflict_and_merges_the_side_chosen_then_the_cli_agrees() {
    crate::support::require("tmux");
    // Alice (root) and Ben share a case through a bare repository.
    let w = World::new();
    let (alice, ben, ben_fp, case) = w.shared_case();
    w.git_text_in(w.tmp.path(), &["init", "-q", "--bare", "remote.git"]);
    let bare = path(&w.path("remote.git"));
    w.ok(&alice, &["remote", "add", "origin", &bare]);
    w.ok(&alice, &["sync"]);
    let ben_vault = w.path("ben-vault");
    w.ok_in(&ben, &ben_vault, &["clone", &bare, &path(&ben_vault)]);
    // Both change the same field differently.
    w.ok(
        &alice,
        &["case", "set", &case, "title=Appeal to the Upper Tribunal"],
    );
    w.ok(&alice, &["sync"]);
    w.ok_in(
        &ben,
        &ben_vault,
        &["case", "set", &case, "title=Fresh claim"],
    );

    let t = Tmux::start_in(&w, &ben, &ben_vault, 100, 30);
    t.unlock(&ben.passphrase);
    t.wait_for("Cases 1 of 1");
    t.wait_for("main ↑1 ↓0");

    t.keys(&["S"]);
    let pane = t.wait_for("Sync with origin: 1 conflict(s)");
    for shown in [
        case.as_str(),
        "title",
        "Fresh claim",
        "Appeal to the Upper Tribunal",
    ] {
        assert!(
            pane.contains(shown),
            "{shown:?} is not in the view:\n{pane}"
        );
    }
    // Nothing decided yet: Enter refuses and says so.
    t.keys(&["Enter"]);
    t.wait_for("1 of 1 conflict(s) still undecided");
    t.keys(&["t"]);
    t.wait_for("All decided");
    t.keys(&["Enter"]);
    let pane = t.wait_for("Synced with origin:");
    assert!(pane.contains("merged 1 case, pushed"), "{pane}");
    // The list and the ahead/behind count are read again.
    t.wait_for("Appeal to the Upper");
    t.wait_for("main ↑0 ↓0");
    t.keys(&["q"]);
    t.wait_for("EXIT:0");

    let title = |who: &Person, vault: &Path| -> serde_json::Value {
        let out = w.ok_in(who, vault, &["case", "show", &case, "--json"]);
        let v: serde_json::Value = serde_json::from_str(&out).expect("json");
        v["record"]["title"].clone()
    };
    assert_eq!(title(&ben, &ben_vault), "Appeal to the Upper Tribunal");
    w.ok_in(&ben, &ben_vault, &["verify"]);
    // The merge Ben committed from the TUI is signed, verified and pushed.
    let log: serde_json::Value =
        serde_json::from_str(&w.ok_in(&ben, &ben_vault, &["log", "--json"])).expect("json");
    let newest = &log[0];
    assert_eq!(newest["action"], "merge", "{log}");
    assert_eq!(newest["signature"], "verified", "{log}");
    assert_eq!(newest["actor"], ben_fp.as_str(), "{log}");
    let out = w.ok(&alice, &["sync"]);
    assert!(out.contains("fast-forward"), "{out}");
    assert_eq!(title(&alice, &w.vault()), "Appeal to the Upper Tribunal");
    w.ok(&alice, &["verify"]);
}

#[test]
fn tui_adds_a_deadline_marks_it_done_and_makes_a_disclosure_that_stock_age_opens() {
    crate::support::require("tmux");
    crate::support::require("age");
    let w = World::new();
    let ada = w.person("Ada");
    w.init_vault(&ada);
    let id = w.new_case(&ada, &["--reference", "OL-2026-101"]);
    let (key, public) = crate::support::age_keypair(&w, "tribunal.agekey");
    // What the tribunal sent: its public key alone, in a file.
    let sent = w.path("tribunal.pub");
    std::fs::write(&sent, format!("{public}\n")).expect("write the key file");
    let out = w.path("to-tribunal.age");

    let t = Tmux::start(&w, &ada, 110, 34);
    t.unlock(&ada.passphrase);
    t.wait_for("Cases 1 of 1");
    t.keys(&["Enter"]);
    t.wait_for("Asylum appeal");

    // A deadline, added in the row editor and then marked done.
    t.keys(&["Tab", "Tab"]);
    t.wait_for("No deadlines");
    t.keys(&["o"]);
    t.wait_for("New deadline on case");
    t.keys(&["Enter"]);
    t.type_text("2027-01-15");
    t.keys(&["Enter", "Enter"]);
    t.type_text("Lodge the bundle: 3 copies");
    t.keys(&["Enter", "C-s"]);
    t.wait_for(&format!("Updated case {id}"));
    t.wait_for("Lodge the bundle: 3 copies");
    t.keys(&["Space"]);
    t.wait_for("done");

    // The disclosure: court order, its reference, the title only, the key
    // from the file the tribunal sent, then confirm.
    t.keys(&["D"]);
    t.wait_for("On what legal basis");
    t.keys(&["Enter"]);
    t.wait_for("court_order: requires the order's reference");
    t.keys(&["Enter"]);
    t.type_text("FtT/3100/2026");
    t.keys(&["Enter", "Tab"]);
    t.wait_for("only these leave");
    t.keys(&["j", "Space"]);
    t.wait_for("1 of");
    t.keys(&["Tab"]);
    t.wait_for("encrypted to this key alone");
    t.keys(&["Enter"]);
    t.type_text(&path(&sent));
    t.keys(&["Enter", "j", "Enter", "C-u"]);
    t.type_text(&path(&out));
    t.keys(&["Enter"]);
    t.wait_for("Read this to the recipient");
    t.keys(&["Tab"]);
    let pane = t.wait_for("Enclosed, 1 item(s), nothing else");
    assert!(pane.contains("field title"), "{pane}");
    t.keys(&["C-s"]);
    // The report is longer than the hint line: it opens whole in a box.
    t.wait_for("Disclosed 1 item(s) of case");
    t.wait_for("Esc close");
    // Esc and q apart: sent together, a terminal reads them as Alt-q.
    t.keys(&["Escape"]);
    t.wait_for("Tab next tab");
    t.keys(&["q"]);
    t.wait_for("EXIT:0");

    // Stock age opens it with the tribunal's key; it holds the title alone.
    let opened = Command::new("age")
        .arg("-d")
        .arg("-i")
        .arg(&key)
        .arg(&out)
        .output()
        .expect("age -d");
    assert!(
        opened.status.success(),
        "{}",
        String::from_utf8_lossy(&opened.stderr)
    );
    let plain = String::from_utf8_lossy(&opened.stdout);
    assert!(plain.contains("Asylum appeal"), "{plain}");
    assert!(
        !plain.contains("Miriam Tesfaye"),
        "the client's name left: {plain}"
    );
    assert!(plain.contains("FtT/3100/2026"), "{plain}");

    let shown: serde_json::Value =
        serde_json::from_str(&w.ok(&ada, &["case", "show", &id, "--json"])).expect("json");
    let record = &shown["record"];
    assert_eq!(record["deadlines"][0]["what"], "Lodge the bundle: 3 copies");
    assert_eq!(record["deadlines"][0]["done"], true);
    let disclosure = &record["disclosures"][0];
    assert_eq!(disclosure["legal_basis"], "court_order");
    assert_eq!(disclosure["recipient_key"], public.as_str());
    assert_eq!(disclosure["enclosed"].as_array().map(Vec::len), Some(1));
    assert_eq!(disclosure["enclosed"][0]["name"], "title");
    w.ok(&ada, &["verify"]);
}

#[test]
fn tui_agenda_writes_overdue_in_words_and_space_marks_the_deadline_done() {
    crate::support::require("tmux");
    let w = World::new();
    let ada = w.person("Ada");
    w.init_vault(&ada);
    let id = w.new_case(&ada, &["--protected", "--pseudonym", "Client Z-1"]);
    let today = chrono::Utc::now().date_naive();
    let day = |n: i64| (today + chrono::Duration::days(n)).to_string();
    let late = w.add_deadline(&ada, &id, &day(-2), "Serve the notice");
    w.add_deadline(&ada, &id, &day(4), "File the bundle");

    let t = Tmux::start(&w, &ada, 100, 30);
    t.unlock(&ada.passphrase);
    t.wait_for("Cases 1 of 1");
    t.keys(&["4"]);
    let pane = t.wait_for("2 deadline(s), 1 overdue");
    let row = pane
        .lines()
        .find(|l| l.contains("Serve the notice"))
        .unwrap_or_else(|| panic!("no overdue row:\n{pane}"));
    assert!(
        row.contains("OVERDUE") && row.contains("Client Z-1"),
        "{row}"
    );
    assert!(
        !pane.contains("Miriam Tesfaye"),
        "the client's name shows:\n{pane}"
    );
    t.keys(&["Space"]);
    t.wait_for(&format!("Updated case {id}"));
    let pane = t.wait_for("1 deadline(s), 0 overdue");
    assert!(!pane.contains("Serve the notice"), "{pane}");
    t.keys(&["q"]);
    t.wait_for("EXIT:0");

    let shown: serde_json::Value =
        serde_json::from_str(&w.ok(&ada, &["case", "show", &id, "--json"])).expect("json");
    let deadlines = shown["record"]["deadlines"].as_array().expect("deadlines");
    let marked = deadlines
        .iter()
        .find(|d| d["id"] == late.as_str())
        .expect("the deadline");
    assert_eq!(marked["done"], true);
    assert_eq!(
        deadlines.iter().filter(|d| d["done"] == true).count(),
        1,
        "only that one"
    );
    w.ok(&ada, &["verify"]);
}

#[test]
fn tui_grants_access_through_the_picker_and_the_cli_sees_the_grant() {
    crate::support::require("tmux");
    let w = World::new();
    let ada = w.person("Ada");
    w.init_vault(&ada);
    let ben = w.person("Ben");
    let ben_fp = w.join(&ben, &ada);
    let id = w.new_case(&ada, &[]);
    let err = w.fails(&ben, &["case", "show", &id], 1);
    assert!(err.contains("not a recipient"), "{err}");

    let t = Tmux::start(&w, &ada, 120, 34);
    t.unlock(&ada.passphrase);
    t.wait_for("Cases 1 of 1");
    t.keys(&["Enter"]);
    t.wait_for("Asylum appeal");
    // Access is the ninth tab.
    for _ in 0..8 {
        t.keys(&["Tab"]);
    }
    t.wait_for("You may change access");
    t.keys(&["+"]);
    t.wait_for("Grant access to case");
    t.type_text("ben");
    let pane = t.wait_for("Ben");
    assert!(
        !pane.contains("Ada Osei  ") || pane.contains("(can already read it)"),
        "{pane}"
    );
    t.keys(&["Enter"]);
    t.wait_for(&format!("can now read case {id}"));
    t.keys(&["q"]);
    t.wait_for("EXIT:0");

    let shown: serde_json::Value =
        serde_json::from_str(&w.ok(&ada, &["case", "show", &id, "--json"])).expect("json");
    let readers = shown["access"]["readers"].to_string();
    assert!(readers.contains(&ben_fp), "{readers}");
    assert!(w.ok(&ben, &["case", "show", &id]).contains("Asylum appeal"));
    let log: serde_json::Value =
        serde_json::from_str(&w.ok(&ada, &["log", "--json"])).expect("json");
    assert_eq!(log[0]["action"], "grant");
    assert_eq!(log[0]["signature"], "verified");
}

#[test]
fn on_a_terminal_a_destructive_command_says_what_it_will_do_and_asks_first() {
    crate::support::require("tmux");
    let w = World::new();
    let ada = w.person("Ada");
    w.init_vault(&ada);
    let ben = w.person("Ben");
    let ben_fp = w.join(&ben, &ada);
    let id = w.new_case(&ada, &["--grant", &ben_fp]);
    let before = w.commit_count();
    // No: nothing changes.
    // It asks before anything is unlocked.
    let t = Tmux::run(&w, &ada, &w.vault(), 120, 20, &["key", "revoke", &ben_fp]);
    let pane = t.wait_for("[y/N]");
    assert!(
        pane.contains("Revoke Ben") && pane.contains("the 1 case(s) they can read"),
        "{pane}"
    );
    t.type_text("n");
    t.keys(&["Enter"]);
    t.wait_for("not confirmed; nothing was changed");
    t.wait_for("EXIT:1");
    drop(t);
    assert_eq!(w.commit_count(), before);
    assert!(w.ok(&ben, &["case", "show", &id]).contains("Asylum appeal"));
    // Yes: revoked.
    let t = Tmux::run(&w, &ada, &w.vault(), 120, 20, &["key", "revoke", &ben_fp]);
    t.wait_for("[y/N]");
    t.type_text("y");
    t.keys(&["Enter"]);
    t.unlock(&ada.passphrase);
    t.wait_for("EXIT:0");
    assert!(w.ok(&ada, &["key", "list"]).contains("revoked"));
}

#[test]
fn a_colleague_without_a_grant_sees_no_case_content_on_any_tui_screen() {
    crate::support::require("tmux");
    let w = World::new();
    let ada = w.person("Ada");
    w.init_vault(&ada);
    let ben = w.person("Ben");
    w.join(&ben, &ada);
    let id = w.new_case_titled(&ada, "Leakmark title", "Leakmark Client", &[]);
    w.ok(&ada, &["note", "add", &id, "--text", "leakmark note"]);
    let soon = (chrono::Utc::now() + chrono::Duration::days(3))
        .date_naive()
        .to_string();
    w.add_deadline(&ada, &id, &soon, "leakmark deadline");
    let leaked = |pane: &str| pane.to_lowercase().contains("leakmark");

    // Control: the owner's own screen shows the markers.
    let t = Tmux::start(&w, &ada, 120, 30);
    t.unlock(&ada.passphrase);
    assert!(leaked(&t.wait_for("Leakmark title")));
    t.keys(&["q"]);
    t.wait_for("EXIT:0");
    drop(t);

    // Ben, never granted, on every screen: the list, the case, a full-text
    // search for the very word, the keyring, the audit trail, the agenda.
    let t = Tmux::start(&w, &ben, 120, 30);
    t.unlock(&ben.passphrase);
    let mut panes = vec![t.wait_for("Cases 1 of 1")];
    t.keys(&["Enter"]);
    panes.push(t.wait_for(&format!("Locked: case {id} is not encrypted to your key")));
    t.keys(&["Escape"]);
    t.keys(&["F"]);
    t.type_text("leakmark");
    t.keys(&["Enter"]);
    panes.push(t.wait_for("search /leakmark/: 0 case(s)"));
    for (key, title) in [
        ("2", "Keyring: 2 key(s)"),
        ("3", "Audit trail:"),
        ("4", "Agenda to"),
    ] {
        t.keys(&[key]);
        panes.push(t.wait_for(title));
    }
    t.keys(&["q"]);
    panes.push(t.wait_for("EXIT:0"));
    for (i, pane) in panes.iter().enumerate() {
        // The search status echoes what Ben typed himself; nothing else may.
        let shown = pane.replace("search /leakmark/", "");
        assert!(!leaked(&shown), "screen {i} shows case content:\n{pane}");
    }
}
