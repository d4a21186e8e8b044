//! The terminal UI with the passphrase agent, end to end in tmux: the TUI
//! hands the passphrase to the agent (starting it), CLI commands then ask
//! nothing; a TUI started while the agent holds the keys asks nothing; the
//! TUI locks itself when idle for the agent's timeout and when `dossier
//! lock` made the agent forget, hiding the cases until the next unlock.

use crate::agent::{agent_pid, setup, sockets, wait_until, without_passphrase};
use crate::support::{Person, World};
use crate::tui_tmux::{path, Tmux};

fn tui(w: &World, who: &Person) -> Tmux {
    Tmux::run_with(
        w,
        who,
        &w.vault(),
        (110, 30),
        &[],
        &[("XDG_RUNTIME_DIR", path(&w.path("run")))],
    )
}

#[test]
fn the_tui_hands_its_unlock_to_the_agent_and_locks_when_dossier_lock_forgets() {
    crate::support::require("tmux");
    let (w, ada, id, dir) = setup(60);
    let t = tui(&w, &ada);
    t.unlock("not my passphrase");
    t.wait_for("the passphrase is wrong; try again");
    t.unlock(&ada.passphrase);
    t.wait_for("Your keys are in the passphrase agent until 1 minute(s) without use");
    t.wait_for("Cases 1 of 1");
    assert!(agent_pid(&ada).is_some(), "the TUI started the agent");
    // A command in another terminal asks nothing now.
    let out = without_passphrase(&w, &ada, &["case", "show", &id]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // `dossier lock` elsewhere: the TUI's next read finds the keys gone
    // and locks instead of calling the cases damaged.
    without_passphrase(&w, &ada, &["lock"]);
    wait_until("the agent to stop", || sockets(&dir).is_empty());
    t.keys(&["C-r"]);
    let pane = t.wait_for("The passphrase agent no longer holds your keys");
    assert!(pane.contains("Passphrase"), "{pane}");
    assert!(
        !pane.contains("Asylum appeal"),
        "cases stay hidden:\n{pane}"
    );
    assert!(!pane.contains("cannot be read"), "{pane}");
    // Unlocking again starts a new agent; the list comes back.
    t.unlock(&ada.passphrase);
    t.wait_for("Cases 1 of 1");
    t.wait_for("Asylum appeal");
    assert!(agent_pid(&ada).is_some());
    t.keys(&["q"]);
    t.wait_for("EXIT:0");
    without_passphrase(&w, &ada, &["lock"]);
}

#[test]
fn a_tui_started_while_the_agent_holds_the_keys_asks_nothing_and_locks_itself_when_idle() {
    crate::support::require("tmux");
    let (w, ada, id, dir) = setup(6);
    // A CLI command unlocks once and starts the agent.
    w.ok(&ada, &["case", "list"]);
    assert_eq!(sockets(&dir).len(), 1);
    let t = tui(&w, &ada);
    let pane = t.wait_for("Cases 1 of 1");
    assert!(!pane.contains("Passphrase"), "{pane}");
    t.keys(&["Enter"]);
    // The case is open (the list row also says "Asylum appeal").
    t.wait_for("Practice area");
    t.keys(&["a"]);
    t.wait_for(&format!("New note for case {id}"));
    t.type_text("Drafted before the lock.");
    // No key for the idle timeout: the TUI locks, the agent forgets.
    let pane = t.wait_for("Locked after 6 second(s) without a key press");
    assert!(!pane.contains("Drafted before the lock."), "{pane}");
    assert!(!pane.contains("Asylum appeal"), "{pane}");
    wait_until("the idle agent to stop", || sockets(&dir).is_empty());
    // After the unlock, the note being written is still there and saves.
    t.unlock(&ada.passphrase);
    t.wait_for("Drafted before the lock.");
    t.keys(&["C-s"]);
    t.wait_for(&format!("Added a note to case {id}"));
    t.keys(&["q"]);
    t.wait_for("EXIT:0");
    let show = w.ok(&ada, &["case", "show", &id]);
    assert!(show.contains("Drafted before the lock."), "{show}");
    without_passphrase(&w, &ada, &["lock"]);
}

#[test]
fn a_tui_using_the_agent_holds_neither_the_passphrase_nor_the_secret_key() {
    crate::support::require("tmux");
    let (w, ada, id, _dir) = setup(60);
    let secret = std::fs::read_to_string(w.age_secret(&ada, "mem")).unwrap();
    let secret = secret
        .lines()
        .find(|l| l.starts_with("AGE-SECRET-KEY-1"))
        .expect("an age secret key")
        .to_string();
    // A CLI command unlocks once and starts the agent.
    w.ok(&ada, &["case", "list"]);
    let t = tui(&w, &ada);
    t.wait_for("Cases 1 of 1");
    // It decrypts (a case) and signs (a note) through the agent.
    t.keys(&["Enter"]);
    t.wait_for("Practice area");
    t.keys(&["a"]);
    t.wait_for(&format!("New note for case {id}"));
    t.type_text("Signed by the agent.");
    t.keys(&["C-s"]);
    t.wait_for(&format!("Added a note to case {id}"));

    let pid = crate::tui_tmux::dossier_pid(&t).expect("the TUI's pid");
    let needles: [&[u8]; 4] = [
        b"Asylum appeal", // control: what it shows is in its memory
        ada.passphrase.as_bytes(),
        secret.as_bytes(),
        b"AGE-SECRET-KEY-1",
    ];
    match crate::support::memory_holds(pid, &needles) {
        Some(found) => {
            assert!(found[0], "the scan does not find what is on the screen");
            assert!(!found[1], "the TUI's memory holds the passphrase");
            assert!(
                !found[2] && !found[3],
                "the TUI's memory holds a secret key"
            );
        }
        // Not root: the TUI is not dumpable, so its memory is closed to us.
        None => assert!(unsafe { libc::geteuid() } != 0),
    }
    t.keys(&["q"]);
    t.wait_for("EXIT:0");
    without_passphrase(&w, &ada, &["lock"]);
}
