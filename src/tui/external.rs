//! `$EDITOR` for notes, only when the user opted in (`external_editor: true`
//! in config.yaml), as DESIGN §9 allows.
//!
//! The draft lives in a fresh private directory (0700) on a tmpfs
//! (`$XDG_RUNTIME_DIR`, else `/dev/shm`), in a file created 0600 with
//! O_EXCL; if neither is a RAM file system the editor is refused rather
//! than let plaintext reach a disk. Vim-family editors are started with
//! swap, undo files, backups and viminfo/shada off. Afterwards the file is
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

/// The editor command: program and arguments, with history-keeping
/// features off for the vim family.
pub fn editor_command(editor: &str, file: &Path) -> Option<Command> {
    let mut words = editor.split_whitespace();
    let program = words.next()?;
    let mut cmd = Command::new(program);
    cmd.args(words);
    let base = Path::new(program)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    if matches!(
        base.as_str(),
        "vi" | "vim" | "nvim" | "gvim" | "vim.basic" | "vim.tiny" | "view"
    ) {
        cmd.args([
            "-n",
            "-i",
            "NONE",
            "--cmd",
            "set noswapfile noundofile nobackup nowritebackup viminfo= shada=",
        ]);
    }
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

    #[test]
    fn vim_family_editors_keep_no_swap_undo_or_history() {
        let cmd = editor_command("/usr/bin/nvim -u NONE", Path::new("/dev/shm/x/note.md")).unwrap();
        let args: Vec<String> = cmd
            .get_args()
            .map(|a| a.to_string_lossy().into_owned())
            .collect();
        assert_eq!(&args[..2], ["-u", "NONE"]);
        assert!(args.contains(&"-n".to_string()));
        assert!(args
            .iter()
            .any(|a| a.contains("noundofile") && a.contains("viminfo=")));
        assert_eq!(args.last().unwrap(), "/dev/shm/x/note.md");
        let nano = editor_command("nano", Path::new("f")).unwrap();
        assert_eq!(nano.get_args().count(), 1);
    }

    #[test]
    fn drafts_only_go_to_ram() {
        assert!(!is_tmpfs(Path::new("/nonexistent-dir")));
        if let Ok(dir) = private_root() {
            assert!(is_tmpfs(&dir), "{} is not a RAM file system", dir.display());
        }
    }
}
