//! `$EDITOR` for notes, only when the user opted in (`external_editor: true`
//! in config.yaml), as DESIGN §9 allows.
//!
//! The draft lives in a fresh private directory (0700) on a tmpfs
//! (`$XDG_RUNTIME_DIR`, else `/dev/shm`), in a file created 0600 with
//! O_EXCL; if neither is a RAM file system the editor is refused rather
//! than let plaintext reach a disk. Each known editor family is started
//! with what keeps it from leaving a copy (swap, undo, backup, auto-save,
//! lock and history files) turned off: see [`Family`]. Afterwards the file is
//! overwritten with zeros, synced and removed, and the directory removed.
//! The text then opens in the built-in editor for review; saving is the
//! same Ctrl-S as always.

use std::path::{Path, PathBuf};
use std::process::Command;

use dossier::support::fsio::Draft;
use dossier::support::secret::Zeroizing;
use zeroize::Zeroize;

/// Why the external editor could not be used.
pub type Problem = String;

/// Where private drafts may go: a tmpfs only.
fn private_root() -> Result<PathBuf, Problem> {
    let candidates = std::env::var_os("XDG_RUNTIME_DIR")
        .map(PathBuf::from)
        .into_iter()
        .chain([PathBuf::from("/dev/shm")]);
    for dir in candidates {
        if dir.is_absolute() && dir.is_dir() && is_tmpfs(&dir) {
            return Ok(dir);
        }
    }
    Err("no RAM file system ($XDG_RUNTIME_DIR or /dev/shm) is available, so $EDITOR would write the note to disk; use the built-in editor (a)".into())
}

fn is_tmpfs(dir: &Path) -> bool {
    const TMPFS_MAGIC: i64 = 0x0102_1994;
    let Some(c) = dir.to_str().and_then(|s| std::ffi::CString::new(s).ok()) else {
        return false;
    };
    // SAFETY: statfs writes into a zeroed struct we own; the path is a valid C string.
    unsafe {
        let mut st: libc::statfs = std::mem::zeroed();
        libc::statfs(c.as_ptr(), &mut st) == 0 && st.f_type as i64 == TMPFS_MAGIC
    }
}

/// The editor families dossier knows, by what each needs so that the draft
/// leaves no copy behind (swap, undo, backup, auto-save, lock or history
/// files).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// Vim and vi (not Neovim): `viminfo`.
    Vim,
    /// Neovim: `shada` (Vim refuses that option with E518).
    Neovim,
    /// GNU nano: backups, history and position logs live in nanorc.
    Nano,
    /// GNU Emacs: backups (`note.md~`), auto-save (`#note.md#`), lock files.
    Emacs,
    /// mg, the small Emacs: backups.
    Mg,
    /// micro: backups and saved undo and cursor state under ~/.config/micro.
    Micro,
    /// Helix and Kakoune keep no file beside the draft: nothing to turn off.
    NoCopies,
    /// An editor dossier does not know: started as given.
    Unknown,
}

/// Which family `program` (a path or a name) belongs to.
pub fn family(program: &str) -> Family {
    let base = Path::new(program)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    match base.as_str() {
        "vi" | "vim" | "vim.basic" | "vim.tiny" | "vim.nox" | "vim.gtk3" | "view" | "rvim"
        | "gvim" => Family::Vim,
        "nvim" => Family::Neovim,
        "nano" | "rnano" => Family::Nano,
        "emacs" | "emacs-nox" | "emacs-gtk" | "emacs-lucid" => Family::Emacs,
        "mg" => Family::Mg,
        "micro" => Family::Micro,
        "hx" | "helix" | "kak" => Family::NoCopies,
        b if b.starts_with("emacs") && !b.starts_with("emacsclient") => Family::Emacs,
        _ => Family::Unknown,
    }
}

/// Vim and Neovim options, set both before the user's vimrc (`--cmd`) and
/// after it (`-c`, before anything is written), so a vimrc cannot turn them
/// back on.
fn vim_options(history: &str) -> String {
    format!("set noswapfile noundofile nobackup nowritebackup {history}=")
}

/// The arguments that keep `family` from leaving a copy of the draft.
fn arguments(family: Family, program: &str) -> Vec<String> {
    let owned = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    match family {
        Family::Vim | Family::Neovim => {
            let history = if family == Family::Vim { "viminfo" } else { "shada" };
            let set = vim_options(history);
            let mut args = owned(&["-n", "-i", "NONE", "--cmd"]);
            args.push(set.clone());
            args.push("-c".into());
            args.push(set);
            if program.ends_with("gvim") {
                // Stay in the foreground, so the draft is read after editing.
                args.insert(0, "-f".into());
            }
            args
        }
        // Without the user's nanorc, `set backup`, `historylog` and
        // `positionlog` cannot apply.
        Family::Nano => owned(&["--ignorercfiles"]),
        // Command-line --eval runs after the init file and before the file
        // is visited.
        Family::Emacs => owned(&[
            "--eval",
            "(setq make-backup-files nil auto-save-default nil create-lockfiles nil auto-save-list-file-prefix nil)",
        ]),
        Family::Mg => owned(&["-n"]),
        Family::Micro => owned(&[
            "-backup",
            "false",
            "-permbackup",
            "false",
            "-saveundo",
            "false",
            "-savecursor",
            "false",
        ]),
        Family::NoCopies | Family::Unknown => Vec::new(),
    }
}

/// The editor command: the user's program and arguments, then what its
/// family needs so the draft leaves no copy, then the draft.
pub fn editor_command(editor: &str, file: &Path) -> Option<Command> {
    let mut words = editor.split_whitespace();
    let program = words.next()?;
    let mut cmd = Command::new(program);
    cmd.args(words);
    cmd.args(arguments(family(program), program));
    cmd.arg(file);
    Some(cmd)
}

/// Runs `$EDITOR` (else `$VISUAL`, else `vi`) on a private tmpfs draft and
/// returns what was written. The caller has handed over the terminal.
pub fn edit(initial: &str) -> Result<Zeroizing<String>, Problem> {
    let root = private_root()?;
    let dir = format!("dossier-{}", dossier::case::id::item_id());
    let draft = Draft::create(&root, &dir, "note.md", initial.as_bytes())
        .map_err(|e| format!("cannot prepare the draft: {e}"))?;
    run_in(&draft)
    // Dropping the draft wipes and removes it.
}

fn run_in(draft: &Draft) -> Result<Zeroizing<String>, Problem> {
    let editor = std::env::var("EDITOR")
        .or_else(|_| std::env::var("VISUAL"))
        .unwrap_or_else(|_| "vi".into());
    let mut cmd = editor_command(&editor, draft.path()).ok_or("$EDITOR is empty")?;
    let status = cmd
        .status()
        .map_err(|e| format!("cannot start the editor `{editor}`: {e}"))?;
    if !status.success() {
        return Err(format!(
            "the editor `{editor}` failed; the note was not kept"
        ));
    }
    let bytes = draft
        .read()
        .map_err(|e| format!("cannot read the draft back: {e}"))?;
    // No copy: the bytes become the text, or are wiped when they are not text.
    match String::from_utf8(bytes) {
        Ok(text) => Ok(Zeroizing::new(text)),
        Err(e) => {
            e.into_bytes().zeroize();
            Err("the note is not UTF-8 text".to_string())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(editor: &str) -> Vec<String> {
        editor_command(editor, Path::new("/dev/shm/x/note.md"))
            .map(|cmd| {
                cmd.get_args()
                    .map(|a| a.to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default()
    }

    #[test]
    fn each_family_gets_its_own_options_after_the_users_and_before_the_draft() {
        let vim = args("/usr/bin/vim -u NONE");
        assert_eq!(&vim[..2], ["-u", "NONE"]);
        assert!(vim
            .iter()
            .any(|a| a.contains("noundofile") && a.ends_with("viminfo=")));
        assert!(
            !vim.iter().any(|a| a.contains("shada")),
            "vim refuses shada: {vim:?}"
        );
        let nvim = args("nvim");
        assert!(nvim.iter().any(|a| a.ends_with("shada=")), "{nvim:?}");
        assert!(!nvim.iter().any(|a| a.contains("viminfo")), "{nvim:?}");
        assert_eq!(args("gvim")[0], "-f");
        assert_eq!(args("nano"), ["--ignorercfiles", "/dev/shm/x/note.md"]);
        assert!(args("emacs -nw")[2].contains("make-backup-files nil"));
        assert_eq!(family("emacs-28.2"), Family::Emacs);
        assert_eq!(family("emacsclient"), Family::Unknown);
        assert_eq!(args("mg")[0], "-n");
        assert!(args("micro").contains(&"-backup".to_string()));
        assert_eq!(args("hx"), ["/dev/shm/x/note.md"]);
        assert_eq!(args("ed"), ["/dev/shm/x/note.md"]);
        assert!(args("   ").is_empty());
    }

    #[test]
    fn drafts_only_go_to_ram() {
        assert!(!is_tmpfs(Path::new("/nonexistent-dir")));
        if let Ok(dir) = private_root() {
            assert!(is_tmpfs(&dir), "{} is not a RAM file system", dir.display());
        }
    }
}
