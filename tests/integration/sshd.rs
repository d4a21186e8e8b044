//! A real OpenSSH server on 127.0.0.1 for transport tests.
//!
//! Everything lives under the test's temp dir: the config, a fresh ed25519
//! host key, a user key pair authorised to log in (as the user running the
//! tests), the log, and a wrapper every login runs (`command=` in
//! authorized_keys). The wrapper execs what the client asked for
//! (`git-upload-pack '/path'`, `git-receive-pack '/path'`), except that
//! [`Sshd::fail_next_push_after`] makes the next push die midway and
//! [`Sshd::forge_next_pack_count`] makes the next fetch's pack header lie.
//!
//! Root needs the privilege-separation directory `/run/sshd`, which the
//! harness creates; `UsePAM no` and `StrictModes no` let sshd run from a
//! temp dir. The server side needs the git CLI (git-upload-pack and
//! git-receive-pack on the login's PATH); `.ci/run` installs both.
//! A missing sshd fails the test, never skips it.

use std::io::Write;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::support::require;

/// A running sshd, killed when dropped.
pub struct Sshd {
    pub port: u16,
    dir: PathBuf,
    user: String,
    child: Child,
}

const SSHD: &str = "/usr/sbin/sshd";

impl Sshd {
    /// Starts a server whose files all live under `dir`.
    pub fn start(dir: &Path) -> Sshd {
        assert!(
            Path::new(SSHD).exists(),
            "the transport tests need OpenSSH's server at {SSHD}: run .ci/run or apt-get install openssh-server"
        );
        require("ssh-keygen");
        require("git-receive-pack");
        std::fs::create_dir_all(dir).expect("sshd dir");
        let dir = dir.canonicalize().expect("canonical dir");
        let user = current_user();
        if is_root() {
            // sshd refuses to start as root without its privsep directory.
            let _ = std::fs::create_dir_all("/run/sshd");
        }
        keygen(&dir.join("host_key"), "");
        keygen(&dir.join("user_key"), "");

        let wrapper = dir.join("git-wrapper.sh");
        std::fs::write(&wrapper, wrapper_script(&dir)).expect("write wrapper");
        chmod(&wrapper, 0o755);
        let public = std::fs::read_to_string(dir.join("user_key.pub")).expect("user_key.pub");
        let authorized = dir.join("authorized_keys");
        std::fs::write(&authorized, "").expect("authorized_keys");
        chmod(&authorized, 0o600);

        let mut last_log = String::new();
        for _attempt in 0..5 {
            let port = free_port();
            let config = dir.join("sshd_config");
            std::fs::write(&config, config_text(&dir, port)).expect("sshd_config");
            let log = dir.join("sshd.log");
            let child = Command::new(SSHD)
                .arg("-f")
                .arg(&config)
                .args(["-D", "-e"])
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(std::fs::File::create(&log).expect("log"))
                .spawn()
                .expect("start sshd");
            let mut sshd = Sshd {
                port,
                dir: dir.clone(),
                user: user.clone(),
                child,
            };
            if sshd.wait_until_listening() {
                sshd.authorize(public.trim());
                return sshd;
            }
            last_log = std::fs::read_to_string(&log).unwrap_or_default();
            // Dropping kills it; another test may have taken the port.
        }
        panic!("sshd did not start; its log:\n{last_log}");
    }

    fn wait_until_listening(&mut self) -> bool {
        let deadline = Instant::now() + Duration::from_secs(15);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return false;
            }
            if TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                return true;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        false
    }

    /// The private key file of the user authorised to log in.
    pub fn user_key(&self) -> PathBuf {
        self.dir.join("user_key")
    }

    /// Also lets `public_key_line` (`ssh-ed25519 AAAA... comment`) log in.
    pub fn authorize(&self, public_key_line: &str) {
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(self.dir.join("authorized_keys"))
            .expect("authorized_keys");
        writeln!(
            f,
            "command=\"{}\",no-pty,no-port-forwarding,no-agent-forwarding,no-X11-forwarding {}",
            self.dir.join("git-wrapper.sh").display(),
            public_key_line.trim()
        )
        .expect("append authorized key");
    }

    /// `ssh://USER@127.0.0.1:PORT/abs/path`.
    pub fn url(&self, repo: &Path) -> String {
        let repo = repo.canonicalize().unwrap_or_else(|_| repo.to_path_buf());
        format!(
            "ssh://{}@127.0.0.1:{}{}",
            self.user,
            self.port,
            repo.display()
        )
    }

    /// `[127.0.0.1]:PORT ssh-ed25519 AAAA...`, the line trusting this server.
    pub fn known_hosts_line(&self) -> String {
        let public = std::fs::read_to_string(self.dir.join("host_key.pub")).expect("host_key.pub");
        let mut fields = public.split_whitespace();
        let (kind, key) = (fields.next().expect("type"), fields.next().expect("key"));
        format!("[127.0.0.1]:{} {kind} {key}", self.port)
    }

    /// Makes this server a known host in `home`'s `.ssh/known_hosts` (the
    /// world's fake `$HOME`), replacing the file.
    pub fn trust_in(&self, home: &Path) {
        let ssh_dir = home.join(".ssh");
        std::fs::create_dir_all(&ssh_dir).expect("mkdir .ssh");
        std::fs::write(
            ssh_dir.join("known_hosts"),
            format!("{}\n", self.known_hosts_line()),
        )
        .expect("known_hosts");
    }

    /// The host key's fingerprint as `ssh-keygen -lf` prints it (`SHA256:...`).
    pub fn host_fingerprint(&self) -> String {
        let out = Command::new("ssh-keygen")
            .arg("-lf")
            .arg(self.dir.join("host_key.pub"))
            .output()
            .expect("ssh-keygen -lf");
        assert!(out.status.success());
        String::from_utf8(out.stdout)
            .expect("utf8")
            .split_whitespace()
            .nth(1)
            .expect("fingerprint")
            .to_string()
    }

    /// The next `git-receive-pack` session is killed (SIGKILL of its sshd
    /// session process, so the client sees the connection drop) once
    /// `bytes` of what the client sends (its commands, then its pack) have
    /// reached the real git-receive-pack. Later pushes work normally.
    pub fn fail_next_push_after(&self, bytes: usize) {
        std::fs::write(self.dir.join("fail-push-after"), bytes.to_string()).expect("flag");
    }

    /// The next `git-upload-pack` session sends a pack whose header claims
    /// 4,294,901,760 objects (a hostile server; the rest of the pack is
    /// the real one). Later fetches work normally.
    pub fn forge_next_pack_count(&self) {
        std::fs::write(self.dir.join("forge-pack-count"), "").expect("flag");
    }

    /// Whether a fetch armed by [`Sshd::forge_next_pack_count`] had its
    /// pack header rewritten.
    pub fn pack_was_forged(&self) -> bool {
        self.dir.join("forge-pack-count.forged").exists()
    }

    /// Whether a push armed by [`Sshd::fail_next_push_after`] was killed.
    pub fn push_was_killed(&self) -> bool {
        self.dir.join("fail-push-after.killed").exists()
    }
}

impl Drop for Sshd {
    fn drop(&mut self) {
        // SAFETY: kill() on our own child's pid has no memory-safety
        // preconditions; wait() reaps it.
        unsafe {
            libc::kill(self.child.id() as libc::pid_t, libc::SIGKILL);
        }
        let _ = self.child.wait();
    }
}

fn config_text(dir: &Path, port: u16) -> String {
    format!(
        "Port {port}
ListenAddress 127.0.0.1
HostKey {dir}/host_key
PidFile {dir}/sshd.pid
AuthorizedKeysFile {dir}/authorized_keys
UsePAM no
StrictModes no
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
AllowAgentForwarding no
AllowTcpForwarding no
X11Forwarding no
PrintMotd no
LogLevel VERBOSE
",
        dir = dir.display()
    )
}

/// Runs what the client asked for. When the flag file exists (taken once,
/// by rename), a push passes N bytes of the client's stream through to the
/// real git-receive-pack, then SIGKILLs the sshd session process serving
/// this login, so the client sees the connection drop mid-pack and
/// git-receive-pack sees its input end before the pack is complete.
fn wrapper_script(dir: &Path) -> String {
    format!(
        r#"#!/bin/sh
flag='{dir}/fail-push-after'
case "$SSH_ORIGINAL_COMMAND" in
git-receive-pack*)
    if mv "$flag" "$flag.taken" 2>/dev/null; then
        n=$(cat "$flag.taken")
        rm -f "$flag.taken"
        # The nearest sshd (or sshd-session) above us serves this login.
        session=''
        pid=$PPID
        while [ "$pid" -gt 1 ]; do
            case "$(cat /proc/$pid/comm 2>/dev/null)" in sshd*) session=$pid; break;; esac
            stat=$(cat /proc/$pid/stat 2>/dev/null) || break
            set -- ${{stat##*) }}
            pid=$2
        done
        if [ -z "$session" ]; then
            echo "fail-push-after: no sshd session process found" >&2
            exit 1
        fi
        {{ timeout 60 head -c "$n"; echo "$session" > "$flag.killed"; kill -9 "$session"; }} | sh -c "$SSH_ORIGINAL_COMMAND"
        exit 1
    fi
    ;;
git-upload-pack*)
    if mv '{dir}/forge-pack-count' '{dir}/forge-pack-count.taken' 2>/dev/null; then
        # Perl is in every Debian (perl-base): rewrite the object count of
        # the first pack header in the stream, passing every read on at
        # once (the protocol takes turns, so nothing may be held back).
        sh -c "$SSH_ORIGINAL_COMMAND" | perl -e '
            binmode STDIN; binmode STDOUT; my $done = 0;
            while (sysread(STDIN, my $chunk, 65536)) {{
                if (!$done) {{
                    my $i = index($chunk, "PACK\0\0\0\2");
                    if ($i >= 0 && length($chunk) >= $i + 12) {{
                        substr($chunk, $i + 8, 4) = "\xff\xff\x00\x00";
                        $done = 1;
                        open(my $f, ">", "{dir}/forge-pack-count.forged"); close $f;
                    }}
                }}
                syswrite(STDOUT, $chunk);
            }}'
        exit 0
    fi
    ;;
esac
if [ -z "$SSH_ORIGINAL_COMMAND" ]; then
    echo "interactive logins are not allowed here" >&2
    exit 1
fi
exec sh -c "$SSH_ORIGINAL_COMMAND"
"#,
        dir = dir.display()
    )
}

/// A new ed25519 key pair made by stock ssh-keygen (`path` and
/// `path.pub`, protected by `passphrase` unless it is empty); returns
/// the private key file.
pub fn keygen(path: &Path, passphrase: &str) -> PathBuf {
    let out = Command::new("ssh-keygen")
        .args([
            "-q",
            "-t",
            "ed25519",
            "-N",
            passphrase,
            "-C",
            "dossier-test",
            "-f",
        ])
        .arg(path)
        .output()
        .expect("ssh-keygen");
    assert!(
        out.status.success(),
        "ssh-keygen: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    path.to_path_buf()
}

/// A port nothing listens on now (it was free a moment ago).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port()
}

fn current_user() -> String {
    let out = Command::new("id").arg("-un").output().expect("id -un");
    String::from_utf8(out.stdout)
        .expect("utf8")
        .trim()
        .to_string()
}

fn is_root() -> bool {
    // SAFETY: geteuid() has no preconditions.
    unsafe { libc::geteuid() == 0 }
}

fn chmod(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod");
}
