//! Shared builders: a temporary world with people, a vault, and helpers to
//! run the binary as one of them.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use assert_cmd::cargo::CommandCargoExt;

/// A temporary world: homes for people, a vault directory, a fake $HOME.
pub struct World {
    pub tmp: tempfile::TempDir,
    /// Extra environment for every command (e.g. DOSSIER_SSH_KEY).
    pub env: std::cell::RefCell<Vec<(String, std::ffi::OsString)>>,
}

/// A person with an identity home and a passphrase.
#[derive(Clone)]
pub struct Person {
    pub name: String,
    pub home: PathBuf,
    pub passphrase: String,
}

impl World {
    pub fn new() -> World {
        World {
            tmp: tempfile::tempdir().expect("temp dir"),
            env: Default::default(),
        }
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.tmp.path().join(rel)
    }

    pub fn vault(&self) -> PathBuf {
        self.path("vault")
    }

    /// The binary with a hermetic environment, acting as `who`.
    pub fn cmd(&self, who: &Person) -> Command {
        self.cmd_in(who, &self.vault())
    }

    /// [`World::cmd`] on the vault at `vault` (a second clone).
    pub fn cmd_in(&self, who: &Person, vault: &Path) -> Command {
        let mut c = Command::cargo_bin("dossier").expect("binary");
        c.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.path("fakehome"))
            .env("XDG_CONFIG_HOME", self.path("fakehome/.config"))
            .env("XDG_DATA_HOME", self.path("fakehome/.local/share"))
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("DOSSIER_SCRYPT_LOG_N", "10")
            .env("DOSSIER_HOME", &who.home)
            .env("DOSSIER_PASSPHRASE", &who.passphrase)
            .env("DOSSIER_VAULT", vault)
            .stdin(Stdio::null());
        for (k, v) in self.env.borrow().iter() {
            c.env(k, v);
        }
        c
    }

    /// Runs on the vault at `vault` and expects success; returns stdout.
    pub fn ok_in(&self, who: &Person, vault: &Path, args: &[&str]) -> String {
        let out = self.cmd_in(who, vault).args(args).output().expect("run");
        assert!(
            out.status.success(),
            "dossier {args:?} in {} failed ({:?}):\n{}",
            vault.display(),
            out.status.code(),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("utf8")
    }

    /// Runs on the vault at `vault` and expects exit `code`; returns stdout and stderr.
    pub fn fails_in(
        &self,
        who: &Person,
        vault: &Path,
        args: &[&str],
        code: i32,
    ) -> (String, String) {
        let out = self.cmd_in(who, vault).args(args).output().expect("run");
        assert_eq!(
            out.status.code(),
            Some(code),
            "dossier {args:?} in {}: expected exit {code}; stdout:\n{}\nstderr:\n{}",
            vault.display(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        (
            String::from_utf8(out.stdout).expect("utf8"),
            String::from_utf8(out.stderr).expect("utf8"),
        )
    }

    /// Runs and expects success; returns stdout.
    pub fn ok(&self, who: &Person, args: &[&str]) -> String {
        let out = self.cmd(who).args(args).output().expect("run");
        assert!(
            out.status.success(),
            "dossier {args:?} failed ({:?}):\n{}",
            out.status.code(),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("utf8")
    }

    /// Runs with `input` on stdin and expects success.
    pub fn ok_stdin(&self, who: &Person, args: &[&str], input: &str) -> String {
        let out = output_with_stdin(self.cmd(who).args(args), input);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("utf8")
    }

    /// Runs and expects exit code `code`; returns stderr.
    pub fn fails(&self, who: &Person, args: &[&str], code: i32) -> String {
        let out = self.cmd(who).args(args).output().expect("run");
        assert_eq!(
            out.status.code(),
            Some(code),
            "dossier {args:?}: expected exit {code}; stdout:\n{}\nstderr:\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stderr).expect("utf8")
    }

    /// Runs whatever the exit code; returns stdout (for reports printed
    /// before a failing exit, like `verify`'s).
    pub fn ok_or_fail_stdout(&self, who: &Person, args: &[&str]) -> String {
        let out = self.cmd(who).args(args).output().expect("run");
        String::from_utf8(out.stdout).expect("utf8")
    }

    /// Creates a person's identity.
    pub fn person(&self, name: &str) -> Person {
        let p = Person {
            name: name.to_string(),
            home: self.path(&format!("homes/{name}")),
            passphrase: format!("pass phrase of {name}"),
        };
        let email = format!("{}@firm.example", name.to_lowercase());
        self.ok(&p, &["key", "generate", "--name", name, "--email", &email]);
        p
    }

    /// A person whose keys have no passphrase, so stock ssh-keygen can sign
    /// with them non-interactively (used to play an attacker).
    pub fn unprotected_person(&self, name: &str) -> Person {
        let p = Person {
            name: name.to_string(),
            home: self.path(&format!("homes/{name}")),
            passphrase: String::new(),
        };
        let email = format!("{}@firm.example", name.to_lowercase());
        self.ok(
            &p,
            &[
                "key",
                "generate",
                "--name",
                name,
                "--email",
                &email,
                "--no-passphrase",
            ],
        );
        p
    }

    /// Signs `file` as `who` with stock `ssh-keygen -Y sign`, replacing `file.sig`.
    pub fn ssh_sign(&self, who: &Person, file: &Path) {
        ssh_sign_with_key(&who.home.join("signing_key"), file);
    }

    /// A plain copy of `who`'s signing key, decrypted with stock
    /// `ssh-keygen -p` as an insider who knows the passphrase could (for
    /// `ssh_sign_with_key` and plain-git commit signing).
    pub fn plain_signing_key(&self, who: &Person) -> PathBuf {
        let key = self.path(&format!("{}-plain-signing-key", who.name));
        std::fs::copy(who.home.join("signing_key"), &key).expect("copy key");
        let out = Command::new("ssh-keygen")
            .args(["-p", "-q", "-N", "", "-P", &who.passphrase, "-f"])
            .arg(&key)
            .output()
            .expect("ssh-keygen");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        key
    }

    /// Commits everything with plain git, as someone bypassing dossier would.
    pub fn plain_commit(&self, extra: &[&str]) {
        // Unsigned, even where the vault's config turns git's signing on.
        let mut args = vec![
            "-c",
            "user.name=x",
            "-c",
            "user.email=x@x",
            "-c",
            "commit.gpgsign=false",
            "commit",
            "-q",
        ];
        args.extend_from_slice(extra);
        self.git_text(&args);
    }

    /// Commits everything in the vault with stock git, signed with `who`'s
    /// real key (git's SSH signing) and carrying dossier's trailers, as an
    /// insider bypassing dossier's checks but not its format would.
    pub fn insider_commit(&self, who: &Person, action: &str, case: Option<&str>) {
        let key = self.plain_signing_key(who);
        let trailers = trailers(action, case, &self.fingerprint(who));
        self.git_text(&["add", "-A"]);
        raw_commit(
            self,
            &self.vault(),
            Some(&key),
            &format!("{action} {}", case.unwrap_or("vault")),
            &trailers,
        );
    }

    pub fn fingerprint(&self, who: &Person) -> String {
        self.ok(who, &["key", "fingerprint"]).trim().to_string()
    }

    /// A vault founded by `root`.
    pub fn init_vault(&self, root: &Person) {
        self.ok(
            root,
            &[
                "init",
                self.vault().to_str().expect("utf8"),
                "--name",
                "Test Firm",
            ],
        );
    }

    /// `who` joins the vault: card exported, imported and certified by `admin`.
    pub fn join(&self, who: &Person, admin: &Person) -> String {
        let card = self.ok(who, &["key", "export"]);
        let card_file = self.path(&format!("{}.card.yaml", who.name));
        std::fs::write(&card_file, card).expect("write card");
        self.ok(admin, &["key", "import", card_file.to_str().expect("utf8")]);
        let fp = self.fingerprint(who);
        self.ok(admin, &["key", "certify", "--yes", &fp]);
        fp
    }

    /// A vault founded by Alice (root) with Ben certified, and a case Alice
    /// owns that Ben can read: `(alice, ben, ben's fingerprint, case id)`.
    pub fn shared_case(&self) -> (Person, Person, String, String) {
        let alice = self.person("Alice");
        let ben = self.person("Ben");
        self.init_vault(&alice);
        let ben_fp = self.join(&ben, &alice);
        let case = self.new_case(&alice, &["--grant", &ben_fp]);
        (alice, ben, ben_fp, case)
    }

    /// Creates a case as `who`; returns its id.
    pub fn new_case(&self, who: &Person, extra: &[&str]) -> String {
        let mut args = vec![
            "case",
            "new",
            "--title",
            "Asylum appeal",
            "--client",
            "Miriam Tesfaye",
        ];
        args.extend_from_slice(extra);
        self.ok(who, &args).trim().to_string()
    }

    /// Adds a deadline on `date` (YYYY-MM-DD) to case `case` as `who`;
    /// returns the deadline's id.
    pub fn add_deadline(&self, who: &Person, case: &str, date: &str, what: &str) -> String {
        let args = [
            "case",
            "add",
            case,
            "deadlines",
            &format!("date={date}"),
            &format!("what={what}"),
        ];
        self.ok(who, &args).trim().to_string()
    }

    /// Creates a case titled `title` for client `client` as `who`; returns its id.
    pub fn new_case_titled(
        &self,
        who: &Person,
        title: &str,
        client: &str,
        extra: &[&str],
    ) -> String {
        let mut args = vec!["case", "new", "--title", title, "--client", client];
        args.extend_from_slice(extra);
        self.ok(who, &args).trim().to_string()
    }

    /// Runs stock git in the vault with a hermetic config.
    pub fn git(&self, args: &[&str]) -> Output {
        self.git_in(&self.vault(), args)
    }

    /// Runs stock git in `dir` with a hermetic config.
    pub fn git_in(&self, dir: &Path, args: &[&str]) -> Output {
        self.git_command(dir).args(args).output().expect("git")
    }

    /// Stock git in `dir` with a hermetic config, to add arguments and
    /// environment to.
    pub fn git_command(&self, dir: &Path) -> Command {
        let mut git = Command::new("git");
        git.current_dir(dir)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("HOME", self.path("fakehome"));
        git
    }

    pub fn git_text(&self, args: &[&str]) -> String {
        self.git_text_in(&self.vault(), args)
    }

    /// [`World::git_text`] in `dir`.
    pub fn git_text_in(&self, dir: &Path, args: &[&str]) -> String {
        let out = self.git_in(dir, args);
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("utf8")
    }

    pub fn head(&self) -> String {
        self.git_text(&["rev-parse", "HEAD"]).trim().to_string()
    }

    pub fn commit_count(&self) -> usize {
        self.git_text(&["rev-list", "--count", "HEAD"])
            .trim()
            .parse()
            .expect("count")
    }

    /// `who`'s identity as a library session (for building large fixtures
    /// faster than the binary would).
    pub fn session(&self, who: &Person) -> dossier::keys::identity::Session {
        dossier::samples::testkit::session(&who.home, &who.passphrase).expect("session")
    }

    /// Exports `who`'s age secret keys to a file in the temp dir (for stock `age -d -i`).
    pub fn age_secret(&self, who: &Person, label: &str) -> PathBuf {
        let path = self.path(&format!("{}-{label}.agekey", who.name));
        std::fs::write(&path, self.ok(who, &["key", "export-age-secret"])).expect("write key");
        path
    }

    /// Whether stock `age` opens the vault file `rel` with the key file `key`.
    pub fn age_opens(&self, key: &Path, rel: &str) -> bool {
        require("age");
        Command::new("age")
            .args(["-d", "-i"])
            .arg(key)
            .arg(self.vault().join(rel))
            .output()
            .expect("age")
            .status
            .success()
    }

    /// HEAD and a clean working tree: the vault is exactly as it was.
    pub fn snapshot(&self) -> (String, String) {
        (
            self.head(),
            self.git_text(&["status", "--porcelain", "--untracked-files=all"]),
        )
    }

    /// Every ref, HEAD, the index and the working tree's status of the vault
    /// at `dir`: equal snapshots mean nothing local changed. The verified-
    /// history watermark (and the first commit recorded with it) is left
    /// out: local bookkeeping that any command may move forward once it
    /// has verified the commits it covers.
    pub fn full_snapshot(&self, dir: &Path) -> String {
        let refs = self.git_text_in(dir, &["for-each-ref", "--format=%(refname) %(objectname)"]);
        let mut out: String = refs
            .lines()
            .filter(|l| {
                !l.starts_with("refs/dossier/verified ") && !l.starts_with("refs/dossier/genesis ")
            })
            .map(|l| format!("{l}\n"))
            .collect();
        out.push_str(&self.git_text_in(dir, &["rev-parse", "HEAD"]));
        out.push_str(&self.git_text_in(dir, &["ls-files", "-s"]));
        out.push_str(&self.git_text_in(dir, &["status", "--porcelain", "--untracked-files=all"]));
        out
    }
}

/// Runs a stock tool, expects success (failing the test with its stderr
/// otherwise), and returns its stdout, trimmed.
pub fn stdout_of(cmd: &mut Command) -> String {
    let out = cmd.output().expect("run a stock tool");
    assert!(
        out.status.success(),
        "{:?}: {}",
        cmd.get_program(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .expect("utf8")
        .trim()
        .to_string()
}

/// dossier's commit trailers for `action` on `case` (or the vault) by the
/// fingerprint `actor`.
pub fn trailers(action: &str, case: Option<&str>, actor: &str) -> String {
    let mut t = format!("Dossier-Action: {action}\n");
    if let Some(c) = case {
        t.push_str(&format!("Dossier-Case: {c}\n"));
    }
    t.push_str(&format!("Dossier-Actor: {actor}\n"));
    t
}

/// Commits in `dir` with stock git (`commit -a`), signed with `key` when
/// given (git's SSH signing), with the message `subject` and `trailers`.
pub fn raw_commit(w: &World, dir: &Path, key: Option<&Path>, subject: &str, trailers: &str) {
    let message = format!("{subject}\n\n{trailers}");
    let mut git = w.git_command(dir);
    git.args(git_identity(key)).arg("commit");
    if key.is_some() {
        git.arg("-S");
    }
    stdout_of(git.args(["-q", "-a", "-m", &message]));
}

/// `-c` options for a stock git commit by a throwaway identity, signed
/// with git's SSH signing and the plain key file `key` when given.
pub fn git_identity(key: Option<&Path>) -> Vec<String> {
    let mut args = vec!["-c", "user.name=x", "-c", "user.email=x@x"]
        .into_iter()
        .map(String::from)
        .collect::<Vec<_>>();
    if let Some(key) = key {
        args.extend([
            "-c".into(),
            "gpg.format=ssh".into(),
            "-c".into(),
            format!("user.signingkey={}", key.display()),
        ]);
    }
    args
}

/// Signs `file` with the plain key file `key` (stock `ssh-keygen -Y sign`,
/// namespace `dossier`), replacing `file.sig`.
pub fn ssh_sign_with_key(key: &Path, file: &Path) {
    let sig = file.with_file_name(format!(
        "{}.sig",
        file.file_name().and_then(|n| n.to_str()).unwrap_or("")
    ));
    let _ = std::fs::remove_file(&sig);
    let out = Command::new("ssh-keygen")
        .args(["-Y", "sign", "-n", "dossier", "-f"])
        .arg(key)
        .arg(file)
        .output()
        .expect("ssh-keygen");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Makes the signed document `file` (a path in the working tree of the
/// vault or clone `dir`) name the committed version it now replaces, as
/// the format asks of anyone editing it by hand (`replaces:`, the git blob
/// id of `HEAD`'s version; see docs/file-format.md, *Succession*).
pub fn name_predecessor(w: &World, dir: &Path, file: &Path) {
    let rel = file.strip_prefix(dir).expect("inside the vault");
    let rel = rel.to_str().expect("utf8");
    let before = w
        .git_text_in(dir, &["rev-parse", &format!("HEAD:{rel}")])
        .trim()
        .to_string();
    let text = std::fs::read_to_string(file).expect("read");
    let mut lines: Vec<String> = text
        .lines()
        .filter(|l| !l.starts_with("replaces:"))
        .map(str::to_string)
        .collect();
    lines.insert(1, format!("replaces: {before}"));
    std::fs::write(file, lines.join("\n") + "\n").expect("write");
}

/// `err` is the refusal of history that does not verify, naming `commit`.
pub fn assert_history_refused(err: &str, commit: &str) {
    assert!(
        err.contains("history does not verify") && err.contains(commit),
        "expected the refusal of commit {commit}: {err}"
    );
    assert!(
        err.contains("git reset --hard"),
        "says how to return: {err}"
    );
}

/// Runs `cmd` with `input` on its standard input; whatever the exit code.
pub fn output_with_stdin(cmd: &mut Command, input: &str) -> Output {
    use std::io::Write;
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.as_bytes())
        .expect("write");
    child.wait_with_output().expect("wait")
}

/// Asserts that the running process `pid` may write no core file (soft and
/// hard `RLIMIT_CORE` 0, read from `/proc/PID/limits`).
pub fn assert_no_core_dumps(pid: u32) {
    let limits = std::fs::read_to_string(format!("/proc/{pid}/limits")).expect("limits");
    let core = limits
        .lines()
        .find(|l| l.starts_with("Max core file size"))
        .expect("core limit");
    assert_eq!(
        core.split_whitespace().skip(4).take(2).collect::<Vec<_>>(),
        ["0", "0"],
        "{core}"
    );
}

/// Whether a dossier process started by this test may lock its memory:
/// as root, or under an unlimited memlock limit (see
/// `support::hygiene::lock_memory`).
pub fn may_lock_memory() -> bool {
    let limits = std::fs::read_to_string("/proc/self/limits").unwrap_or_default();
    let unlimited = limits
        .lines()
        .find(|l| l.starts_with("Max locked memory"))
        .is_some_and(|l| l.split_whitespace().nth(3) == Some("unlimited"));
    // SAFETY: geteuid has no preconditions.
    unlimited || unsafe { libc::geteuid() } == 0
}

/// How much memory (kB) the process `pid` has locked against swap.
pub fn locked_kb(pid: i64) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmLck:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .expect("VmLck")
}

/// Asserts that `pid` keeps its memory out of swap exactly when it may.
pub fn assert_memory_locked_where_allowed(pid: i64, what: &str) {
    let locked = locked_kb(pid);
    if may_lock_memory() {
        assert!(
            locked > 0,
            "{what} (pid {pid}) locked no memory against swap"
        );
    } else {
        assert_eq!(locked, 0, "{what} locked memory under a finite limit");
    }
}

/// Which of `needles` occur anywhere in the readable memory of the
/// process `pid` (its heap, stacks and mappings), read through
/// `/proc/PID/mem`. `None` when that memory cannot be read: dossier's
/// processes are not dumpable, so only root (CAP_SYS_PTRACE) can.
pub fn memory_holds(pid: u32, needles: &[&[u8]]) -> Option<Vec<bool>> {
    use std::io::{Read, Seek, SeekFrom};
    let maps = std::fs::read_to_string(format!("/proc/{pid}/maps")).ok()?;
    let mut mem = std::fs::File::open(format!("/proc/{pid}/mem")).ok()?;
    let mut found = vec![false; needles.len()];
    for line in maps.lines() {
        let mut fields = line.split_whitespace();
        let (Some(range), Some(perms)) = (fields.next(), fields.next()) else {
            continue;
        };
        if !perms.starts_with('r') || line.contains("[vvar") || line.contains("[vsyscall]") {
            continue;
        }
        let Some((start, end)) = range.split_once('-') else {
            continue;
        };
        let (Ok(start), Ok(end)) = (u64::from_str_radix(start, 16), u64::from_str_radix(end, 16))
        else {
            continue;
        };
        let mut region = vec![0u8; (end - start) as usize];
        if mem.seek(SeekFrom::Start(start)).is_err() || mem.read_exact(&mut region).is_err() {
            continue;
        }
        for (i, needle) in needles.iter().enumerate() {
            found[i] |= region.windows(needle.len()).any(|w| w == *needle);
        }
    }
    Some(found)
}

/// Fails the test when a stock tool the interop tests need is missing
/// (`.ci/run` installs them); never skips silently.
pub fn require(tool: &str) {
    let found = Command::new("sh")
        .args(["-c", &format!("command -v {tool}")])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    assert!(
        found,
        "the stock `{tool}` command is needed: run .ci/run or apt-get install it"
    );
}

/// Replaces `to` with a copy of `from` (`cp -a`: modes and times kept).
pub fn copy_dir(from: &Path, to: &Path) {
    let _ = std::fs::remove_dir_all(to);
    let status = Command::new("cp")
        .arg("-a")
        .arg(from)
        .arg(to)
        .status()
        .expect("cp");
    assert!(
        status.success(),
        "cp -a {} {}",
        from.display(),
        to.display()
    );
}

pub fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

/// A fresh age key pair of someone outside the vault, made by stock
/// `age-keygen` into `file` in the world's temp dir: (key file, public key).
pub fn age_keypair(w: &World, file: &str) -> (PathBuf, String) {
    require("age-keygen");
    let key = w.path(file);
    let _ = std::fs::remove_file(&key);
    let out = Command::new("age-keygen")
        .arg("-o")
        .arg(&key)
        .output()
        .expect("age-keygen");
    assert!(out.status.success());
    let public = std::fs::read_to_string(&key)
        .expect("key")
        .lines()
        .find_map(|l| l.strip_prefix("# public key: ").map(str::to_string))
        .expect("public key line");
    (key, public)
}
