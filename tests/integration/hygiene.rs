//! Process hygiene (issue 16, point 5): core limits and locked memory of a
//! CLI command, and a panic in code that holds plaintext shows none of it. `DOSSIER_PANIC=<point>` makes the binary panic where it holds
//! decrypted content (`decrypted`: right after any file is opened;
//! `encrypting`: on any plaintext about to be encrypted; `rendering`: while
//! the TUI draws a case), with that content in the panic message: the worst
//! bug there could be, an `unwrap()` on an error carrying a record. The
//! message must never reach the terminal, a file or a core dump; the place
//! must, and nothing may be half written.

use std::io::Write;
use std::process::{Output, Stdio};

use crate::support::{Person, World};
use crate::tui_tmux::Tmux;

/// Every marker contains this, in any case.
const MARK: &str = "panicmark";

fn has_mark(text: &str) -> bool {
    text.to_lowercase().contains(MARK)
}

/// Runs `dossier ARGS` with `DOSSIER_PANIC=point` and `input` on stdin.
fn run_panicking(w: &World, who: &Person, point: &str, args: &[&str], input: &str) -> Output {
    crate::support::output_with_stdin(w.cmd(who).args(args).env("DOSSIER_PANIC", point), input)
}

/// A vault whose case holds markers in its title, client and a note.
fn marked_vault() -> (World, Person, String) {
    let w = World::new();
    let ada = w.person("Ada");
    w.init_vault(&ada);
    let case = w.new_case_titled(&ada, "Appeal panicmark-title", "Panicmark Client", &[]);
    w.ok(
        &ada,
        &["note", "add", &case, "--text", "advice panicmark-note"],
    );
    (w, ada, case)
}

#[test]
fn a_panic_holding_case_content_names_its_place_and_shows_none_of_it() {
    let (w, ada, case) = marked_vault();
    // Control: the content is there to be shown when asked for.
    assert!(has_mark(&w.ok(&ada, &["case", "show", &case])));

    let reads: &[&[&str]] = &[
        &["case", "show", &case],
        &["case", "list"],
        &["grep", "advice"],
        &["verify"],
    ];
    let writes: &[(&[&str], &str)] = &[
        (&["note", "add", &case], "stdin panicmark-stdin"),
        (
            &[
                "case",
                "new",
                "--title",
                "New panicmark-new",
                "--client",
                "X",
            ],
            "",
        ),
        (&["case", "set", &case, "title=Panicmark Two"], ""),
    ];
    let runs = reads.iter().map(|args| ("decrypted", *args, "")).chain(
        writes
            .iter()
            .map(|(args, input)| ("encrypting", *args, *input)),
    );
    for (point, args, input) in runs {
        let before = w.snapshot();
        let out = run_panicking(&w, &ada, point, args, input);
        let (stdout, stderr) = (
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr),
        );
        assert_eq!(
            out.status.code(),
            Some(101),
            "{point} {args:?}: a panic exits 101\n{stdout}\n{stderr}"
        );
        assert!(
            stderr.contains("dossier: internal error at src/crypto/mod.rs:")
                && stderr.contains("what the error said is not shown"),
            "{point} {args:?}: the place is named:\n{stderr}"
        );
        assert!(
            !has_mark(&stdout) && !has_mark(&stderr),
            "{point} {args:?}: the panic showed content:\n{stdout}\n{stderr}"
        );
        assert_eq!(
            w.snapshot(),
            before,
            "{point} {args:?}: a panic before anything was written changes nothing"
        );
    }
    // Nothing was left half done, and no core file was written.
    w.ok(&ada, &["verify"]);
    let cores: Vec<_> = walkdir::WalkDir::new(w.path(""))
        .into_iter()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with("core"))
        .collect();
    assert!(cores.is_empty(), "core files: {cores:?}");
}

#[test]
fn a_panic_in_a_background_job_is_reported_on_the_screen_and_the_session_goes_on() {
    crate::support::require("tmux");
    let (w, ada, _) = marked_vault();
    let vault = w.vault();
    let panics = [("DOSSIER_PANIC", "decrypted".to_string())];
    let t = Tmux::run_with(&w, &ada, &vault, (120, 30), &[], &panics);
    t.unlock(&ada.passphrase);
    // Loading the cases decrypts them on a job thread: that job fails with
    // its place, and the UI stays up to say so.
    let pane = t.wait_for("internal error at src/crypto/mod.rs:");
    assert!(!has_mark(&pane), "the screen shows content:\n{pane}");
    assert!(!pane.contains("EXIT:"), "the session ended:\n{pane}");
    // The list says it failed, rather than that the vault is empty.
    let pane = t.wait_for("The cases could not be loaded");
    assert!(!pane.contains("No cases yet"), "{pane}");
    t.keys(&["Escape"]);
    t.keys(&["q"]);
    let pane = t.wait_for("EXIT:0");
    assert!(!has_mark(&pane), "scrollback shows content:\n{pane}");
}

#[test]
fn a_panic_while_the_screen_shows_a_case_restores_the_terminal_and_shows_none_of_it() {
    crate::support::require("tmux");
    let (w, ada, _) = marked_vault();
    let vault = w.vault();
    let panics = [("DOSSIER_PANIC", "rendering".to_string())];
    let t = Tmux::run_with(&w, &ada, &vault, (120, 30), &[], &panics);
    t.unlock(&ada.passphrase);
    t.wait_for("Panicmark Client");
    t.keys(&["Enter"]);
    let pane = t.wait_for("EXIT:101");
    assert!(
        pane.contains("dossier: internal error at src/tui/screens/detail/mod.rs:"),
        "the place is named:\n{pane}"
    );
    assert!(
        !has_mark(&pane),
        "the screen or scrollback shows content:\n{pane}"
    );
    // The terminal was given back: the shell's next output is on a normal
    // screen, not inside the TUI's alternate screen.
    assert!(!t.alternate_screen_on());
}

#[test]
fn a_cli_command_waiting_for_input_holds_no_core_limit_and_locked_memory() {
    let (w, ada, case) = marked_vault();
    let mut child = w
        .cmd(&ada)
        .args(["note", "add", &case])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let pid = i64::from(child.id());
    // It is waiting for the note on stdin: everything main() sets is set.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let settled = !crate::support::may_lock_memory() || crate::support::locked_kb(pid) > 0;
        if settled || std::time::Instant::now() > deadline {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    crate::support::assert_no_core_dumps(child.id());
    crate::support::assert_memory_locked_where_allowed(pid, "a CLI command");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(b"written after the check")
        .expect("write");
    let out = child.wait_with_output().expect("wait");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
