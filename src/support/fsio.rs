//! The one place that writes files.
//!
//! Every write is atomic: the bytes go to a temporary file in the target's
//! directory, are fsynced, and the file is renamed over the target (or, by
//! [`write_new`], moved there only if the name is free); the directory is
//! fsynced after. A [`Batch`] (a journaled commit's working tree) renames
//! each file the same way but syncs them all at its end. A crash at any point leaves either the old file
//! or the new one, never a mixture (DESIGN §1.5). Secret files are created
//! with mode 0600 before a byte is written to them.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// How the name of every temporary file written here begins: such a file
/// is never vault content (status ignores it, and the journal of an
/// interrupted commit removes it).
pub const TEMP_PREFIX: &str = ".dossier-tmp-";

/// Who may read a file written by [`write_atomic`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Readable by the owner only (0600): identities, pins, journals.
    Private,
    /// Ordinary vault content (0644): already encrypted or public.
    Shared,
}

/// Atomically replaces `path` with `bytes`.
pub fn write_atomic(path: &Path, bytes: &[u8], mode: Mode) -> Result<()> {
    let (dir, tmp) = written_beside(path, bytes, mode)?;
    tmp.persist(path)
        .map_err(|e| Error::io("replace", path)(e.error))?;
    sync_dir(dir)
}

/// Many files written atomically (temp file, rename) and made durable
/// together by [`Batch::sync`], instead of two fsyncs per file: for the
/// working tree of a journaled commit, where a crash before the sync leaves
/// the journal, and the next open rewrites the files from the commit.
#[derive(Debug, Default)]
pub struct Batch {
    written: Vec<PathBuf>,
}

/// Above this many files, [`Batch::sync`] syncs the whole file system once
/// (`syncfs`) rather than each file and directory.
const SYNC_EACH_UP_TO: usize = 32;

impl Batch {
    /// An empty batch.
    pub fn new() -> Batch {
        Batch::default()
    }

    /// Atomically replaces `path` with `bytes`, not yet synced.
    pub fn write(&mut self, path: &Path, bytes: &[u8], mode: Mode) -> Result<()> {
        let (_, tmp) = staged_beside(path, bytes, mode, false)?;
        crate::support::fault::point("batch-staged", self.written.len());
        tmp.persist(path)
            .map_err(|e| Error::io("replace", path)(e.error))?;
        self.written.push(path.to_path_buf());
        Ok(())
    }

    /// Makes every file written durable, with the directories naming
    /// them: each file and each directory once for a few files, else one
    /// `syncfs` of their file system.
    pub fn sync(self) -> Result<()> {
        if self.written.len() > SYNC_EACH_UP_TO {
            return sync_file_system(&self.written[0]);
        }
        let mut dirs: Vec<&Path> = Vec::new();
        for path in &self.written {
            File::open(path)
                .and_then(|f| f.sync_all())
                .map_err(Error::io("sync", path))?;
            if let Some(dir) = path.parent() {
                if !dirs.contains(&dir) {
                    dirs.push(dir);
                }
            }
        }
        for dir in dirs {
            sync_dir(dir)?;
        }
        Ok(())
    }
}

/// Syncs the whole file system that holds `path` (Linux `syncfs`; `sync`
/// elsewhere).
fn sync_file_system(path: &Path) -> Result<()> {
    let file = File::open(path).map_err(Error::io("open", path))?;
    #[cfg(target_os = "linux")]
    {
        use std::os::fd::AsRawFd;
        // SAFETY: syncfs takes an open descriptor, which `file` holds.
        if unsafe { libc::syncfs(file.as_raw_fd()) } != 0 {
            return Err(Error::io("sync the file system of", path)(
                std::io::Error::last_os_error(),
            ));
        }
    }
    #[cfg(not(target_os = "linux"))]
    {
        drop(file);
        // SAFETY: sync takes no arguments and cannot fail.
        unsafe { libc::sync() };
    }
    Ok(())
}

/// Atomically creates `path` with `bytes`, refusing with
/// [`Error::FileExists`] when anything (a file, a directory, a symbolic
/// link) is there, even something that appeared while the bytes were being
/// written: the temporary file is moved into place only if the name is free.
/// Its directory must exist ([`Error::NoSuchDirectory`]): every caller
/// writes where a person asked (an export, a bundle, a calendar), and a
/// stick that is not mounted must not become a directory on the internal
/// disk.
pub fn write_new(path: &Path, bytes: &[u8], mode: Mode) -> Result<()> {
    existing_parent(path)?;
    let (dir, tmp) = written_beside(path, bytes, mode)?;
    tmp.persist_noclobber(path).map_err(|e| {
        if e.error.kind() == std::io::ErrorKind::AlreadyExists {
            Error::FileExists(path.to_path_buf())
        } else {
            Error::io("create", path)(e.error)
        }
    })?;
    sync_dir(dir)
}

/// A new file written and synced under a temporary name beside `path`,
/// waiting to be put in place with [`Staged::publish`] (which never
/// overwrites); dropped unpublished, it is removed. For a file that must
/// appear only after something else succeeded (a disclosure's export,
/// after its record is committed).
#[derive(Debug)]
pub struct Staged {
    tmp: tempfile::NamedTempFile,
    path: PathBuf,
}

impl Staged {
    /// Writes `bytes` beside `path`; refuses at once when `path` exists,
    /// or when its directory does not (a stick that is not mounted must
    /// not turn into a directory on the internal disk).
    pub fn new(path: &Path, bytes: &[u8], mode: Mode) -> Result<Staged> {
        if path.exists() {
            return Err(Error::FileExists(path.to_path_buf()));
        }
        existing_parent(path)?;
        let (_, tmp) = written_beside(path, bytes, mode)?;
        Ok(Staged {
            tmp,
            path: path.to_path_buf(),
        })
    }

    /// Moves the file into place, unless something took the name meanwhile.
    pub fn publish(self) -> Result<()> {
        let path = self.path;
        self.tmp.persist_noclobber(&path).map_err(|e| {
            if e.error.kind() == std::io::ErrorKind::AlreadyExists {
                Error::FileExists(path.clone())
            } else {
                Error::io("create", &path)(e.error)
            }
        })?;
        let dir = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        sync_dir(dir)
    }
}

/// `bytes` in a new temporary file in `path`'s directory (created if
/// missing), with `mode`, fsynced: ready to be moved into place.
/// The directory `path` goes in, which must exist.
fn existing_parent(path: &Path) -> Result<&Path> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    if dir.is_dir() {
        Ok(dir)
    } else {
        Err(Error::NoSuchDirectory(dir.to_path_buf()))
    }
}

fn written_beside<'p>(
    path: &'p Path,
    bytes: &[u8],
    mode: Mode,
) -> Result<(&'p Path, tempfile::NamedTempFile)> {
    staged_beside(path, bytes, mode, true)
}

/// `bytes` in a temporary file beside `path`, fsynced when `sync`.
fn staged_beside<'p>(
    path: &'p Path,
    bytes: &[u8],
    mode: Mode,
    sync: bool,
) -> Result<(&'p Path, tempfile::NamedTempFile)> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    fs::create_dir_all(dir).map_err(Error::io("create the directory", dir))?;
    let mut tmp = tempfile::Builder::new()
        .prefix(TEMP_PREFIX)
        .tempfile_in(dir)
        .map_err(Error::io("create a temporary file in", dir))?;
    set_mode(tmp.as_file(), mode).map_err(Error::io("set permissions on", tmp.path()))?;
    tmp.write_all(bytes)
        .and_then(|_| {
            if sync {
                tmp.as_file().sync_all()
            } else {
                Ok(())
            }
        })
        .map_err(Error::io("write", path))?;
    Ok((dir, tmp))
}

/// Removes a file if it exists, then syncs its directory.
pub fn remove_if_exists(path: &Path) -> Result<()> {
    match fs::remove_file(path) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(Error::io("remove", path)(e)),
    }
    if let Some(dir) = path.parent() {
        sync_dir(dir)?;
    }
    Ok(())
}

/// Creates a directory (and parents) readable by its owner only.
pub fn create_private_dir(dir: &Path) -> Result<()> {
    fs::create_dir_all(dir).map_err(Error::io("create the directory", dir))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(dir, fs::Permissions::from_mode(0o700))
            .map_err(Error::io("set permissions on", dir))?;
    }
    Ok(())
}

/// Makes `path` readable and writable by its owner only (0600).
pub fn set_private(path: &Path) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(path, fs::Permissions::from_mode(0o600))
        .map_err(Error::io("set permissions on", path))
}

/// Creates a directory and its parents (for a new vault or clone).
pub fn create_dir(dir: &Path) -> Result<()> {
    fs::create_dir_all(dir).map_err(Error::io("create", dir))
}

/// Removes the empty directories above `file`, up to (not including)
/// `root`: what is left when a change removes a case's last file.
pub fn remove_empty_parents(root: &Path, file: &Path) {
    if let Some(dir) = file.parent() {
        remove_empty_dirs(root, dir);
    }
}

/// Removes `dir` if it is empty, then each parent it leaves empty, up to
/// (not including) `root`. Best effort, like [`remove_empty_parents`].
pub fn remove_empty_dirs(root: &Path, dir: &Path) {
    let mut dir = Some(dir);
    while let Some(d) = dir {
        if d == root || fs::remove_dir(d).is_err() {
            break;
        }
        dir = d.parent();
    }
}

/// Undoes a failed clone into `dir`: removes `dir` when the clone created
/// it, or else everything in it (it was empty before). Best effort: what
/// cannot be removed stays for the user to see.
pub fn clear_failed_clone(dir: &Path, created: bool) {
    if created {
        let _ = fs::remove_dir_all(dir);
    } else if let Ok(listing) = fs::read_dir(dir) {
        for item in listing.flatten() {
            let _ = fs::remove_dir_all(item.path());
            let _ = fs::remove_file(item.path());
        }
    }
}

/// A private scratch file for an external program (a note's draft in
/// `$EDITOR`): created 0600 with O_EXCL in a fresh 0700 directory under
/// `root`, and on drop overwritten with zeros, synced and removed, with its
/// directory. The caller chooses `root` (a RAM file system for plaintext).
#[cfg(unix)]
#[derive(Debug)]
pub struct Draft {
    dir: PathBuf,
    file: PathBuf,
}

#[cfg(unix)]
impl Draft {
    /// Creates `root/<dir_name>/<file_name>` holding `initial`.
    pub fn create(root: &Path, dir_name: &str, file_name: &str, initial: &[u8]) -> Result<Draft> {
        use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
        let dir = root.join(dir_name);
        fs::DirBuilder::new()
            .mode(0o700)
            .create(&dir)
            .map_err(Error::io("create a private directory", &dir))?;
        let draft = Draft {
            file: dir.join(file_name),
            dir,
        };
        let mut f = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&draft.file)
            .map_err(Error::io("create the draft", &draft.file))?;
        f.write_all(initial)
            .map_err(Error::io("write the draft", &draft.file))?;
        Ok(draft)
    }

    /// The draft's path, for the external program.
    pub fn path(&self) -> &Path {
        &self.file
    }

    /// The draft's bytes as the program left them.
    pub fn read(&self) -> Result<Vec<u8>> {
        read(&self.file)
    }
}

#[cfg(unix)]
impl Drop for Draft {
    fn drop(&mut self) {
        if let Ok(meta) = fs::metadata(&self.file) {
            if let Ok(mut f) = OpenOptions::new().write(true).open(&self.file) {
                let zeros = vec![0u8; meta.len() as usize];
                let _ = f.write_all(&zeros);
                let _ = f.sync_all();
            }
        }
        let _ = fs::remove_file(&self.file);
        let _ = fs::remove_dir_all(&self.dir);
    }
}

/// Reads a whole file, naming it in the error.
pub fn read(path: &Path) -> Result<Vec<u8>> {
    fs::read(path).map_err(Error::io("read", path))
}

/// Refuses with [`Error::SymlinkInVault`] when any existing component of
/// `rel` below the vault root `root` is a symbolic link: dossier never
/// follows a link inside a vault (DESIGN §4), so a link planted in a
/// working tree cannot make it read another case's file or write outside
/// the vault. Components that do not exist yet are fine (they will be
/// created as real directories and files).
pub fn refuse_symlinks(root: &Path, rel: &str) -> Result<()> {
    let mut path = root.to_path_buf();
    for part in rel.split('/').filter(|p| !p.is_empty()) {
        path.push(part);
        match fs::symlink_metadata(&path) {
            Ok(m) if m.file_type().is_symlink() => {
                return Err(Error::SymlinkInVault(rel.to_string()))
            }
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(Error::io("inspect", path)(e)),
        }
    }
    Ok(())
}

/// Reads the vault file `rel` under `root`, refusing symbolic links on the
/// way ([`refuse_symlinks`]) and at the file itself (opened `O_NOFOLLOW`).
pub fn read_in_vault(root: &Path, rel: &str) -> Result<Vec<u8>> {
    refuse_symlinks(root, rel)?;
    let path = root.join(rel);
    let mut options = OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NOFOLLOW);
    }
    let mut file = options.open(&path).map_err(|e| {
        if e.raw_os_error() == Some(libc::ELOOP) {
            Error::SymlinkInVault(rel.to_string())
        } else {
            Error::io("read", &path)(e)
        }
    })?;
    let mut out = Vec::new();
    std::io::Read::read_to_end(&mut file, &mut out).map_err(Error::io("read", &path))?;
    Ok(out)
}

/// A file appended to in steps, each step on disk before the next begins
/// (a journal): made with [`write_atomic`], then [`Appender::append`]ed to.
#[derive(Debug)]
pub struct Appender {
    file: File,
    path: PathBuf,
}

impl Appender {
    /// Writes `first` as the whole file (atomically), then opens it to append.
    pub fn create(path: &Path, first: &[u8], mode: Mode) -> Result<Appender> {
        write_atomic(path, first, mode)?;
        let file = OpenOptions::new()
            .append(true)
            .open(path)
            .map_err(Error::io("open", path))?;
        Ok(Appender {
            file,
            path: path.to_path_buf(),
        })
    }

    /// Appends `bytes` and waits until they are on disk.
    pub fn append(&mut self, bytes: &[u8]) -> Result<()> {
        self.file
            .write_all(bytes)
            .and_then(|_| self.file.sync_data())
            .map_err(Error::io("write", &self.path))
    }
}

/// Whether `e` says the file system is mounted read-only.
pub fn is_read_only(e: &std::io::Error) -> bool {
    e.kind() == std::io::ErrorKind::ReadOnlyFilesystem
}

/// Opens (creating) a lock file and takes an exclusive lock without waiting.
pub fn lock_exclusive(path: &Path) -> Result<File> {
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)
        .map_err(Error::io("open the lock file", path))?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(fs::TryLockError::WouldBlock) => Err(Error::Busy),
        Err(fs::TryLockError::Error(e)) => Err(Error::io("lock", path)(e)),
    }
}

fn set_mode(file: &File, mode: Mode) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let bits = match mode {
            Mode::Private => 0o600,
            Mode::Shared => 0o644,
        };
        file.set_permissions(fs::Permissions::from_mode(bits))?;
    }
    Ok(())
}

fn sync_dir(dir: &Path) -> Result<()> {
    #[cfg(unix)]
    {
        File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(Error::io("sync the directory", dir))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_content_and_leaves_no_temporary_files() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("a/b.txt");
        write_atomic(&target, b"one", Mode::Shared).unwrap();
        write_atomic(&target, b"two", Mode::Private).unwrap();
        assert_eq!(fs::read(&target).unwrap(), b"two");
        let names: Vec<_> = fs::read_dir(target.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("b.txt")]);
    }

    #[test]
    fn write_new_never_replaces_what_is_there() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out");
        write_new(&target, b"one", Mode::Private).unwrap();
        assert_eq!(fs::read(&target).unwrap(), b"one");
        let err = write_new(&target, b"two", Mode::Private).unwrap_err();
        assert!(matches!(err, Error::FileExists(_)), "{err:?}");
        assert_eq!(fs::read(&target).unwrap(), b"one");
        #[cfg(unix)]
        {
            let link = dir.path().join("dangling");
            std::os::unix::fs::symlink(dir.path().join("nowhere"), &link).unwrap();
            assert!(matches!(
                write_new(&link, b"x", Mode::Private),
                Err(Error::FileExists(_))
            ));
            assert!(!dir.path().join("nowhere").exists());
        }
        let names: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .filter(|n| n.to_string_lossy().starts_with(".dossier-tmp-"))
            .collect();
        assert!(names.is_empty(), "no temporary file is left: {names:?}");
    }

    #[cfg(unix)]
    #[test]
    fn private_files_are_owner_only() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("secret");
        write_atomic(&target, b"x", Mode::Private).unwrap();
        let mode = fs::metadata(&target).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }

    #[test]
    fn a_second_lock_is_refused_as_busy() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("lock");
        let _held = lock_exclusive(&path).unwrap();
        assert!(matches!(lock_exclusive(&path), Err(Error::Busy)));
    }

    #[cfg(unix)]
    #[test]
    fn a_draft_is_private_and_gone_with_its_directory_when_dropped() {
        use std::os::unix::fs::PermissionsExt;
        let root = tempfile::tempdir().unwrap();
        let draft = Draft::create(root.path(), "d", "note.md", b"secret text").unwrap();
        let file = draft.path().to_path_buf();
        let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&file), 0o600);
        assert_eq!(mode(file.parent().unwrap()), 0o700);
        assert_eq!(draft.read().unwrap(), b"secret text");
        assert!(
            Draft::create(root.path(), "d", "note.md", b"").is_err(),
            "never reused"
        );
        drop(draft);
        assert!(!file.exists());
        assert!(!root.path().join("d").exists());
    }
}
