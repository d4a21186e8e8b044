//! `$EDITOR` for notes, one test per editor family: the real editor, started
//! by the real TUI in tmux with the options dossier chooses for it, must
//! accept them (no error, no "Press ENTER"), leave no file beside the draft
//! (swap, backup, lock, auto-save) and nothing of the note in `$HOME`, and
//! the note it wrote must be saved, signed, by the built-in editor's Ctrl-S.

use std::path::{Path, PathBuf};

use crate::support::World;
use crate::tui_tmux::{path, Tmux};

/// A private directory on /dev/shm used as `$XDG_RUNTIME_DIR`, so the
/// draft of this test is the only one in it. Removed when dropped.
struct RuntimeDir(PathBuf);

impl RuntimeDir {
    fn new(name: &str) -> RuntimeDir {
        use std::os::unix::fs::DirBuilderExt;
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let dir = PathBuf::from(format!(
            "/dev/shm/dossier-editor-test-{name}-{}-{nanos}",
            std::process::id()
        ));
        std::fs::DirBuilder::new()
            .mode(0o700)
            .create(&dir)
            .expect("a private directory on /dev/shm");
        RuntimeDir(dir)
    }

    /// Every path below it, relative, sorted.
    fn contents(&self) -> Vec<String> {
        let mut found: Vec<String> = walkdir::WalkDir::new(&self.0)
            .min_depth(1)
            .into_iter()
            .filter_map(|e| e.ok())
            .map(|e| {
                e.path()
                    .strip_prefix(&self.0)
                    .map(|p| p.display().to_string())
                    .unwrap_or_default()
            })
            .collect();
        found.sort();
        found
    }
}

impl Drop for RuntimeDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// How to drive one editor: what to press to type, save and quit.
struct Script {
    /// `$EDITOR`.
    editor: &'static str,
    /// The stock command that must be installed.
    program: &'static str,
    /// Keys before typing (vim's `i`).
    insert: &'static [&'static str],
    /// Keys that write the file, leaving the editor open.
    save: &'static [&'static str],
    /// What the editor says once it has written the file.
    wrote: &'static str,
    /// Keys that leave the editor.
    quit: &'static [&'static str],
}

/// Files under `dir` (recursively) whose bytes contain `needle`.
fn files_containing(dir: &Path, needle: &str) -> Vec<String> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().is_file())
        .filter(|e| {
            std::fs::read(e.path())
                .map(|b| b.windows(needle.len()).any(|w| w == needle.as_bytes()))
                .unwrap_or(false)
        })
        .map(|e| e.path().display().to_string())
        .collect()
}

/// The runtime directory holds the draft's private directory and the draft.
fn only_the_draft(runtime: &RuntimeDir, script: &Script) {
    let found = runtime.contents();
    assert!(
        found.len() == 2 && found[0].starts_with("dossier-") && found[1].ends_with("/note.md"),
        "{} keeps a file beside the draft: {found:?}",
        script.editor
    );
}

fn write_note_in(script: &Script) {
    crate::support::require("tmux");
    crate::support::require(script.program);
    let w = World::new();
    let ada = w.person("Ada");
    w.init_vault(&ada);
    let id = w.new_case(&ada, &[]);
    let config = w.path("fakehome/.config/dossier");
    std::fs::create_dir_all(&config).expect("config dir");
    std::fs::write(config.join("config.yaml"), "external_editor: true\n").expect("config");
    let runtime = RuntimeDir::new(script.program);
    let marker = format!("Written in {} for the hearing", script.program);

    let t = Tmux::run_with(
        &w,
        &ada,
        &w.vault(),
        (120, 34),
        &[],
        &[
            ("EDITOR", script.editor.to_string()),
            ("XDG_RUNTIME_DIR", path(&runtime.0)),
        ],
    );
    t.unlock(&ada.passphrase);
    t.wait_for("Cases 1 of 1");
    t.keys(&["Enter"]);
    // The case is open (the list row also says "Asylum appeal").
    t.wait_for("Practice area");
    t.keys(&["E"]);
    let opened = t.wait_for("note.md");
    if !script.insert.is_empty() {
        t.keys(script.insert);
    }
    t.type_text(&marker);
    let typed = t.wait_for(&marker);
    // While the text is unsaved (swap and lock files exist now, if any)
    // and after it was written (backups exist now): the draft alone.
    only_the_draft(&runtime, script);
    t.keys(script.save);
    let saved = t.wait_for(script.wrote);
    only_the_draft(&runtime, script);
    for pane in [&opened, &typed, &saved] {
        for complaint in [
            "E518",
            "Press ENTER",
            "Error detected",
            "Unknown option",
            "unknown option",
            "invalid option",
        ] {
            assert!(
                !pane.contains(complaint),
                "{} complained about its options ({complaint:?}):\n{pane}",
                script.editor
            );
        }
    }
    t.keys(script.quit);
    t.wait_for(&format!("New note for case {id}"));
    t.wait_for(&marker);
    assert!(
        runtime.contents().is_empty(),
        "the draft outlived the editor: {:?}",
        runtime.contents()
    );
    let leaked = files_containing(&w.path("fakehome"), &marker);
    assert!(leaked.is_empty(), "the note reached $HOME: {leaked:?}");
    t.keys(&["C-s"]);
    t.wait_for(&format!("Added a note to case {id}"));
    t.keys(&["q"]);
    t.wait_for("EXIT:0");

    let show = w.ok(&ada, &["case", "show", &id]);
    assert!(show.contains(&marker), "{show}");
    let log: serde_json::Value =
        serde_json::from_str(&w.ok(&ada, &["log", &id, "--json"])).expect("json");
    assert_eq!(log[0]["action"], "note");
    assert_eq!(log[0]["signature"], "verified");
}

const VIM_SAVE: &[&str] = &["Escape", ":w", "Enter"];
const VIM_QUIT: &[&str] = &[":q", "Enter"];

#[test]
fn vim_accepts_its_options_and_leaves_no_swap_undo_backup_or_viminfo() {
    write_note_in(&Script {
        editor: "vim",
        program: "vim",
        insert: &["i"],
        save: VIM_SAVE,
        wrote: "written",
        quit: VIM_QUIT,
    });
}

#[test]
fn neovim_accepts_its_options_and_leaves_no_swap_undo_backup_or_shada() {
    write_note_in(&Script {
        editor: "nvim",
        program: "nvim",
        insert: &["i"],
        save: VIM_SAVE,
        wrote: "written",
        quit: VIM_QUIT,
    });
}

#[test]
fn nano_accepts_its_options_and_leaves_no_backup_or_history() {
    write_note_in(&Script {
        editor: "nano",
        program: "nano",
        insert: &[],
        save: &["C-o", "Enter"],
        wrote: "Wrote 1 line",
        quit: &["C-x"],
    });
}

#[test]
fn emacs_accepts_its_options_and_leaves_no_backup_auto_save_or_lock() {
    write_note_in(&Script {
        editor: "emacs -nw",
        program: "emacs",
        insert: &[],
        save: &["C-x", "C-s"],
        wrote: "Wrote ",
        quit: &["C-x", "C-c"],
    });
}

#[test]
fn mg_accepts_its_options_and_leaves_no_backup() {
    write_note_in(&Script {
        editor: "mg",
        program: "mg",
        insert: &[],
        // mg asks whether to end the file with a newline.
        save: &["C-x", "C-s", "y"],
        wrote: "Wrote ",
        quit: &["C-x", "C-c"],
    });
}

#[test]
fn micro_accepts_its_options_and_keeps_no_backup_or_undo_state() {
    write_note_in(&Script {
        editor: "micro",
        program: "micro",
        insert: &[],
        save: &["C-s"],
        wrote: "Saved ",
        quit: &["C-q"],
    });
}
