//! Transport and bundles, driven through the library against plain git
//! repositories: by path, by file://, and over ssh:// to a real sshd
//! (tests/integration/sshd.rs). These are about moving objects and refs,
//! host keys and credentials, not about vault trust.

use std::cell::Cell;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use dossier::support::secret::SecretString;
use dossier::sync::bundle;
use dossier::sync::transport::{self, Progress, RemoteUrl, TransportOptions, UnknownHost};
use dossier::Error;
use git2::{Oid, Repository, Signature};

use super::sshd::{free_port, keygen, Sshd};
use super::support::require;

const MAIN: &str = "refs/heads/main";
const PUSH_MAIN: &str = "refs/heads/main:refs/heads/main";
const FETCH_MAIN: &str = "+refs/heads/main:refs/remotes/origin/main";

// ---------------------------------------------------------------- helpers

fn init(path: &Path) -> Repository {
    let repo = Repository::init(path).expect("init");
    repo.set_head(MAIN).expect("HEAD");
    repo
}

fn init_bare(path: &Path) -> Repository {
    let repo = Repository::init_bare(path).expect("init bare");
    repo.set_head(MAIN).expect("HEAD");
    repo
}

/// Commits `name` = `content` on top of main (or as its first commit).
fn commit(repo: &Repository, name: &str, content: &[u8]) -> Oid {
    let sig = Signature::now("Test", "test@example.invalid").expect("sig");
    let parent = repo
        .find_reference(MAIN)
        .ok()
        .and_then(|r| r.peel_to_commit().ok());
    let base = parent.as_ref().map(|c| c.tree().expect("tree"));
    let mut tree = repo.treebuilder(base.as_ref()).expect("treebuilder");
    tree.insert(name, repo.blob(content).expect("blob"), 0o100644)
        .expect("insert");
    let tree = repo
        .find_tree(tree.write().expect("write tree"))
        .expect("tree");
    let parents: Vec<&git2::Commit> = parent.iter().collect();
    repo.commit(
        Some(MAIN),
        &sig,
        &sig,
        &format!("add {name}"),
        &tree,
        &parents,
    )
    .expect("commit")
}

fn tip(repo_path: &Path, name: &str) -> Option<Oid> {
    Repository::open(repo_path)
        .expect("open")
        .find_reference(name)
        .ok()
        .and_then(|r| r.target())
}

/// Bytes no compressor can shrink, so a pack carrying them is large.
fn noise(len: usize) -> Vec<u8> {
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state as u8
        })
        .collect()
}

/// Stock git with the user's configuration shut out.
fn git(dir: &Path, args: &[&str]) -> String {
    require("git");
    let out = Command::new("git")
        .current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_AUTHOR_NAME", "Test")
        .env("GIT_AUTHOR_EMAIL", "test@example.invalid")
        .env("GIT_COMMITTER_NAME", "Test")
        .env("GIT_COMMITTER_EMAIL", "test@example.invalid")
        .args(args)
        .output()
        .expect("git");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf8")
}

/// What a test wants from the options, and what the callbacks saw.
struct Opts<'k> {
    key: Option<PathBuf>,
    signing_key: Option<&'k ssh_key::PrivateKey>,
    known_hosts: PathBuf,
    accept: bool,
    passphrase: Option<&'static str>,
    asked: Cell<usize>,
    progress: Vec<Progress>,
}

impl<'k> Opts<'k> {
    fn new(known_hosts: &Path) -> Opts<'k> {
        Opts {
            key: None,
            signing_key: None,
            known_hosts: known_hosts.to_path_buf(),
            accept: false,
            passphrase: None,
            asked: Cell::new(0),
            progress: Vec::new(),
        }
    }

    fn key(mut self, key: &Path) -> Self {
        self.key = Some(key.to_path_buf());
        self
    }

    fn run<R>(&mut self, f: impl FnOnce(TransportOptions) -> R) -> R {
        let accept = |_: &UnknownHost| {
            self.asked.set(self.asked.get() + 1);
            self.accept
        };
        let passphrase = |_: &Path| self.passphrase.map(|p| SecretString::from(p.to_string()));
        let mut progress = |p: Progress| self.progress.push(p);
        f(TransportOptions {
            ssh_key: self.key.clone(),
            signing_key: self.signing_key,
            known_hosts: self.known_hosts.clone(),
            accept_unknown_host: &accept,
            key_passphrase: &passphrase,
            progress: &mut progress,
        })
    }

    fn fetch(&mut self, repo: &Repository, url: &str) -> dossier::Result<()> {
        let url = RemoteUrl::parse(url).expect("url");
        self.run(|o| transport::fetch(repo, &url, &[FETCH_MAIN], o))
    }

    fn push(&mut self, repo: &Repository, url: &str, spec: &str) -> dossier::Result<()> {
        let url = RemoteUrl::parse(url).expect("url");
        self.run(|o| transport::push(repo, &url, &[spec], o))
    }
}

/// Runs `f` on a thread and fails the test if it has not returned in time
/// (a credential loop would otherwise hang the suite).
fn within<T: Send + 'static>(secs: u64, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(Duration::from_secs(secs))
        .unwrap_or_else(|_| panic!("did not return within {secs} s"))
}

/// A temp dir with an sshd, a bare `origin.git` and a working `local` repo
/// holding one commit, and a known_hosts file that trusts the server.
struct Net {
    tmp: tempfile::TempDir,
    sshd: Sshd,
    origin: PathBuf,
    local: Repository,
    known_hosts: PathBuf,
}

impl Net {
    fn new() -> Net {
        let tmp = tempfile::tempdir().expect("tmp");
        let sshd = Sshd::start(&tmp.path().join("sshd"));
        let origin = tmp.path().join("origin.git");
        init_bare(&origin);
        let local = init(&tmp.path().join("local"));
        commit(&local, "a.txt", b"first");
        let known_hosts = tmp.path().join("known_hosts");
        std::fs::write(&known_hosts, format!("{}\n", sshd.known_hosts_line())).expect("kh");
        Net {
            tmp,
            sshd,
            origin,
            local,
            known_hosts,
        }
    }

    fn url(&self) -> String {
        self.sshd.url(&self.origin)
    }

    fn opts(&self) -> Opts<'static> {
        Opts::new(&self.known_hosts).key(&self.sshd.user_key())
    }

    fn local_tip(&self) -> Oid {
        tip(self.local.path(), MAIN).expect("local main")
    }

    fn origin_tip(&self) -> Option<Oid> {
        tip(&self.origin, MAIN)
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.tmp.path().join(rel)
    }
}

fn public_line(private: &Path) -> String {
    std::fs::read_to_string(private.with_extension("pub")).expect("pub")
}

// ---------------------------------------------------------------- local

#[test]
fn fetch_and_push_by_path_and_by_file_url() {
    let tmp = tempfile::tempdir().unwrap();
    let origin = tmp.path().join("origin.git");
    init_bare(&origin);
    let a = init(&tmp.path().join("a"));
    let first = commit(&a, "a.txt", b"one");
    let kh = tmp.path().join("unused_known_hosts");

    let mut opts = Opts::new(&kh);
    opts.push(&a, origin.to_str().unwrap(), PUSH_MAIN).unwrap();
    assert_eq!(tip(&origin, MAIN), Some(first));

    let second = commit(&a, "b.txt", b"two");
    let file_url = format!("file://{}", origin.display());
    opts.push(&a, &file_url, PUSH_MAIN).unwrap();
    assert_eq!(tip(&origin, MAIN), Some(second));

    let b = init(&tmp.path().join("b"));
    let mut opts = Opts::new(&kh);
    opts.fetch(&b, &file_url).unwrap();
    assert_eq!(tip(b.path(), "refs/remotes/origin/main"), Some(second));
    assert!(b.find_commit(first).is_ok(), "history came along");
    assert!(
        opts.progress
            .iter()
            .any(|p| matches!(p, Progress::Receiving { objects, total, .. } if objects == total && *total > 0)),
        "fetch reported progress: {:?}",
        opts.progress
    );
    assert!(
        tip(b.path(), MAIN).is_none(),
        "fetch moves only the refspec's ref"
    );

    let c = init(&tmp.path().join("c"));
    Opts::new(&kh).fetch(&c, origin.to_str().unwrap()).unwrap();
    assert_eq!(tip(c.path(), "refs/remotes/origin/main"), Some(second));

    // A relative path is taken from the current directory.
    let cwd = std::env::current_dir().unwrap();
    let up = "../".repeat(cwd.components().count() - 1);
    let relative = format!(
        "{up}{}",
        origin.display().to_string().trim_start_matches('/')
    );
    assert!(matches!(
        RemoteUrl::parse(&relative).unwrap(),
        RemoteUrl::Local(_)
    ));
    let d = init(&tmp.path().join("d"));
    Opts::new(&kh).fetch(&d, &relative).unwrap();
    assert_eq!(tip(d.path(), "refs/remotes/origin/main"), Some(second));
    assert!(!kh.exists(), "a local remote never touches known_hosts");
    assert!(
        a.remotes().unwrap().is_empty(),
        "no remote configuration is written"
    );
}

#[test]
fn a_missing_local_repository_is_a_sentence_naming_it() {
    let tmp = tempfile::tempdir().unwrap();
    let a = init(&tmp.path().join("a"));
    commit(&a, "a.txt", b"one");
    let missing = tmp.path().join("nowhere.git");
    let err = Opts::new(&tmp.path().join("kh"))
        .fetch(&a, missing.to_str().unwrap())
        .unwrap_err();
    assert!(matches!(err, Error::Network { .. }), "{err:?}");
    assert!(err.to_string().contains("nowhere.git"), "{err}");
    assert!(err.to_string().contains("nothing at that path"), "{err}");
}

#[test]
fn a_non_fast_forward_push_is_rejected_by_path() {
    let tmp = tempfile::tempdir().unwrap();
    let origin = tmp.path().join("origin.git");
    init_bare(&origin);
    let a = init(&tmp.path().join("a"));
    commit(&a, "a.txt", b"one");
    let kh = tmp.path().join("kh");
    let url = origin.to_str().unwrap();
    Opts::new(&kh).push(&a, url, PUSH_MAIN).unwrap();

    let b = init(&tmp.path().join("b"));
    Opts::new(&kh).fetch(&b, url).unwrap();
    let theirs = commit(&a, "a2.txt", b"from a");
    Opts::new(&kh).push(&a, url, PUSH_MAIN).unwrap();
    b.reference(
        MAIN,
        tip(b.path(), "refs/remotes/origin/main").unwrap(),
        true,
        "t",
    )
    .unwrap();
    commit(&b, "b.txt", b"from b");

    let err = Opts::new(&kh).push(&b, url, PUSH_MAIN).unwrap_err();
    match &err {
        Error::PushRejected { reference, .. } => assert_eq!(reference, MAIN),
        other => panic!("{other:?}"),
    }
    assert_eq!(tip(&origin, MAIN), Some(theirs), "the remote is unchanged");
}

// ---------------------------------------------------------------- ssh

#[test]
fn fetch_and_push_over_ssh_with_a_key_file() {
    let net = Net::new();
    let mut opts = net.opts();
    opts.push(&net.local, &net.url(), PUSH_MAIN).unwrap();
    assert_eq!(net.origin_tip(), Some(net.local_tip()));
    assert!(
        opts.progress
            .iter()
            .any(|p| matches!(p, Progress::Sending { .. })),
        "push reported progress: {:?}",
        opts.progress
    );

    let other = init(&net.path("other"));
    let mut opts = net.opts();
    opts.fetch(&other, &net.url()).unwrap();
    assert_eq!(
        tip(other.path(), "refs/remotes/origin/main"),
        Some(net.local_tip())
    );
    assert!(opts
        .progress
        .iter()
        .any(|p| matches!(p, Progress::Receiving { .. })));
    assert_eq!(opts.asked.get(), 0, "a known host is never asked about");
}

#[test]
fn the_unlocked_dossier_key_logs_in_from_memory() {
    let net = Net::new();
    let key =
        ssh_key::PrivateKey::random(&mut rand::rngs::OsRng, ssh_key::Algorithm::Ed25519).unwrap();
    net.sshd.authorize(&key.public_key().to_openssh().unwrap());
    let mut opts = Opts::new(&net.known_hosts);
    opts.signing_key = Some(&key);
    opts.push(&net.local, &net.url(), PUSH_MAIN).unwrap();
    assert_eq!(net.origin_tip(), Some(net.local_tip()));
}

#[test]
fn a_passphrase_protected_key_file_is_unlocked_through_the_callback() {
    let net = Net::new();
    let key = keygen(&net.path("protected"), "correct horse");
    net.sshd.authorize(&public_line(&key));

    let mut wrong = Opts::new(&net.known_hosts).key(&key);
    wrong.passphrase = Some("wrong");
    let err = wrong.push(&net.local, &net.url(), PUSH_MAIN).unwrap_err();
    assert!(matches!(err, Error::BadKeyFile { .. }), "{err:?}");
    assert!(err.to_string().contains("passphrase is wrong"), "{err}");
    assert!(
        err.to_string().contains("protected"),
        "names the file: {err}"
    );
    assert_eq!(net.origin_tip(), None);

    let mut right = Opts::new(&net.known_hosts).key(&key);
    right.passphrase = Some("correct horse");
    right.push(&net.local, &net.url(), PUSH_MAIN).unwrap();
    assert_eq!(net.origin_tip(), Some(net.local_tip()));
}

#[test]
fn a_wrong_user_key_is_refused_and_the_call_returns() {
    let net = Net::new();
    let stranger = keygen(&net.path("stranger"), "");
    let (kh, url, local) = (
        net.known_hosts.clone(),
        net.url(),
        net.local.path().to_path_buf(),
    );
    let key = stranger.clone();
    let err = within(60, move || {
        let repo = Repository::open(local).unwrap();
        Opts::new(&kh)
            .key(&key)
            .push(&repo, &url, PUSH_MAIN)
            .unwrap_err()
    });
    match &err {
        Error::AuthRefused { tried, .. } => {
            assert!(tried.contains(&stranger.display().to_string()), "{tried}")
        }
        other => panic!("{other:?}"),
    }
    assert!(
        err.to_string().contains("refused every key offered"),
        "{err}"
    );
    assert_eq!(net.origin_tip(), None);
}

#[test]
fn an_unknown_host_refused_by_the_user_is_an_error_and_known_hosts_is_unchanged() {
    let net = Net::new();
    let before = "# my hosts\nexample.org ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAID8J7MevqPgL0GzZeH90hN47dZV9LbaaN/l2/BJeok4J\n";
    std::fs::write(&net.known_hosts, before).unwrap();
    let mut opts = net.opts();
    let err = opts.push(&net.local, &net.url(), PUSH_MAIN).unwrap_err();
    assert_eq!(opts.asked.get(), 1);
    match &err {
        Error::UnknownHost {
            host, fingerprint, ..
        } => {
            assert_eq!(host, &format!("[127.0.0.1]:{}", net.sshd.port));
            assert_eq!(fingerprint, &net.sshd.host_fingerprint());
        }
        other => panic!("{other:?}"),
    }
    let text = err.to_string();
    assert!(text.contains(&net.sshd.host_fingerprint()), "{text}");
    assert!(text.contains("ssh-keyscan"), "{text}");
    assert_eq!(std::fs::read_to_string(&net.known_hosts).unwrap(), before);
    assert_eq!(net.origin_tip(), None, "nothing was pushed");
}

#[test]
fn an_unknown_host_accepted_once_is_remembered() {
    let net = Net::new();
    let kh = net.path("home/.ssh/known_hosts");
    let mut opts = Opts::new(&kh).key(&net.sshd.user_key());
    opts.accept = true;
    opts.push(&net.local, &net.url(), PUSH_MAIN).unwrap();
    assert_eq!(opts.asked.get(), 1);
    assert_eq!(net.origin_tip(), Some(net.local_tip()));
    let text = std::fs::read_to_string(&kh).unwrap();
    assert_eq!(text.trim(), net.sshd.known_hosts_line());
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&kh), 0o600);
        assert_eq!(mode(kh.parent().unwrap()), 0o700);
    }

    let other = init(&net.path("other"));
    let mut again = Opts::new(&kh).key(&net.sshd.user_key());
    again.fetch(&other, &net.url()).unwrap();
    assert_eq!(again.asked.get(), 0, "the second connection does not ask");
}

#[test]
fn a_changed_host_key_is_a_hard_error_even_if_the_user_would_accept() {
    let net = Net::new();
    let impostor = keygen(&net.path("impostor_host_key"), "");
    let key = public_line(&impostor);
    let key = key.split_whitespace().take(2).collect::<Vec<_>>().join(" ");
    std::fs::write(
        &net.known_hosts,
        format!("# pinned\n[127.0.0.1]:{} {key}\n", net.sshd.port),
    )
    .unwrap();
    let before = std::fs::read(&net.known_hosts).unwrap();
    let mut opts = net.opts();
    opts.accept = true;
    let err = opts.push(&net.local, &net.url(), PUSH_MAIN).unwrap_err();
    assert_eq!(opts.asked.get(), 0, "a changed key is never a question");
    match &err {
        Error::HostKeyChanged {
            fingerprint,
            file,
            line,
            ..
        } => {
            assert_eq!(fingerprint, &net.sshd.host_fingerprint());
            assert_eq!(file, &net.known_hosts);
            assert_eq!(*line, 2);
        }
        other => panic!("{other:?}"),
    }
    assert!(err.to_string().contains("attack"), "{err}");
    assert_eq!(std::fs::read(&net.known_hosts).unwrap(), before);
    assert_eq!(net.origin_tip(), None);
}

#[test]
fn a_revoked_host_key_is_refused() {
    let net = Net::new();
    let line = net.sshd.known_hosts_line();
    std::fs::write(&net.known_hosts, format!("{line}\n@revoked {line}\n")).unwrap();
    let mut opts = net.opts();
    opts.accept = true;
    let err = opts.push(&net.local, &net.url(), PUSH_MAIN).unwrap_err();
    assert!(
        matches!(err, Error::HostKeyRevoked { line: 2, .. }),
        "{err:?}"
    );
    assert_eq!(opts.asked.get(), 0);
}

#[test]
fn hashed_known_hosts_entries_match() {
    let net = Net::new();
    let out = Command::new("ssh-keygen")
        .arg("-H")
        .arg("-f")
        .arg(&net.known_hosts)
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = std::fs::read_to_string(&net.known_hosts).unwrap();
    assert!(text.starts_with("|1|"), "hashed: {text}");
    assert!(!text.contains("127.0.0.1"));
    let mut opts = net.opts();
    opts.push(&net.local, &net.url(), PUSH_MAIN).unwrap();
    assert_eq!(opts.asked.get(), 0);
    assert_eq!(net.origin_tip(), Some(net.local_tip()));
}

#[test]
fn a_non_fast_forward_push_is_rejected_over_ssh_by_the_client_and_by_the_server() {
    let net = Net::new();
    net.opts().push(&net.local, &net.url(), PUSH_MAIN).unwrap();
    let published = net.local_tip();

    // Someone else rewrites their main on a history the remote does not have.
    let other = init(&net.path("other"));
    commit(&other, "x.txt", b"unrelated");
    let err = net.opts().push(&other, &net.url(), PUSH_MAIN).unwrap_err();
    assert!(matches!(err, Error::PushRejected { .. }), "{err:?}");

    // Forced, the client sends it; the server refuses it.
    git(
        &net.origin,
        &["config", "receive.denyNonFastForwards", "true"],
    );
    let err = net
        .opts()
        .push(&other, &net.url(), "+refs/heads/main:refs/heads/main")
        .unwrap_err();
    match &err {
        Error::PushRejected { reference, reason } => {
            assert_eq!(reference, MAIN);
            assert!(!reason.is_empty());
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(net.origin_tip(), Some(published), "the remote is unchanged");
}

#[test]
fn a_push_killed_midway_fails_leaves_the_remote_ref_and_the_next_push_works() {
    let net = Net::new();
    net.opts().push(&net.local, &net.url(), PUSH_MAIN).unwrap();
    let before = net.origin_tip();
    commit(&net.local, "big.bin", &noise(512 * 1024));

    net.sshd.fail_next_push_after(20_000);
    let err = net
        .opts()
        .push(&net.local, &net.url(), PUSH_MAIN)
        .unwrap_err();
    assert!(net.sshd.push_was_killed(), "the session was killed midway");
    match &err {
        Error::Network { url, reason } => {
            assert_eq!(url, &net.url());
            assert!(reason.contains("hung up"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(net.origin_tip(), before, "the remote ref did not move");

    net.opts().push(&net.local, &net.url(), PUSH_MAIN).unwrap();
    assert_eq!(net.origin_tip(), Some(net.local_tip()));
    git(&net.origin, &["fsck", "--no-progress"]);
}

#[test]
fn ssh_errors_name_the_url() {
    let net = Net::new();
    let missing = net.sshd.url(&net.path("no-such-repo.git"));
    let other = init(&net.path("other"));
    let err = net.opts().fetch(&other, &missing).unwrap_err();
    assert!(matches!(err, Error::Network { .. }), "{err:?}");
    assert!(err.to_string().contains("no-such-repo.git"), "{err}");
    assert!(err.to_string().contains("no git repository"), "{err}");

    // Nothing listens on a port we just had and released.
    let url = format!("ssh://127.0.0.1:{}/x.git", free_port());
    let err = net.opts().fetch(&other, &url).unwrap_err();
    assert!(matches!(err, Error::Network { .. }), "{err:?}");
    assert!(err.to_string().contains(&url), "{err}");
    assert!(err.to_string().contains("refused"), "{err}");
}

/// Runs [`push_child`] in a child copy of this test binary with `env`:
/// `SSH_AUTH_SOCK` and `HOME` are process-wide, so the tests that need
/// their own run in a process of their own, leaving the others alone.
/// Returns what the child's push gave, as its error's sentence or "ok".
fn push_in_child(net: &Net, env: &[(&str, &Path)]) -> String {
    let mut cmd = Command::new(std::env::current_exe().unwrap());
    cmd.args([
        "transport::push_child",
        "--exact",
        "--ignored",
        "--nocapture",
    ])
    .env_remove("SSH_AUTH_SOCK")
    .env("DOSSIER_TEST_CHILD_URL", net.url())
    .env("DOSSIER_TEST_CHILD_KNOWN_HOSTS", &net.known_hosts)
    .env("DOSSIER_TEST_CHILD_REPO", net.local.path());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("child test");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.contains("1 passed"),
        "child: {stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
        .lines()
        .find_map(|l| l.strip_prefix("CHILD RESULT: "))
        .expect("child result")
        .to_string()
}

/// Run only by [`push_in_child`], in a child process.
#[test]
#[ignore = "a child process of the agent and home-key tests, with its own environment"]
fn push_child() {
    let Ok(url) = std::env::var("DOSSIER_TEST_CHILD_URL") else {
        return; // Run directly (`--ignored`): nothing to do without a parent.
    };
    let kh = PathBuf::from(std::env::var("DOSSIER_TEST_CHILD_KNOWN_HOSTS").unwrap());
    let repo = Repository::open(std::env::var("DOSSIER_TEST_CHILD_REPO").unwrap()).unwrap();
    // No key file and no dossier key: only the agent or ~/.ssh/id_ed25519
    // the parent set up can log in.
    let result = within(60, move || {
        Opts::new(&kh)
            .push(&repo, &url, PUSH_MAIN)
            .map_err(|e| e.to_string())
    });
    println!(
        "CHILD RESULT: {}",
        result.err().unwrap_or_else(|| "ok".into())
    );
}

#[test]
fn ssh_agent_offers_the_key() {
    require("ssh-agent");
    require("ssh-add");
    let net = Net::new();
    let sock = net.path("agent.sock");
    let mut agent = Command::new("ssh-agent")
        .arg("-D")
        .arg("-a")
        .arg(&sock)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("ssh-agent");
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while !sock.exists() && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    let added = Command::new("ssh-add")
        .arg(net.sshd.user_key())
        .env("SSH_AUTH_SOCK", &sock)
        .output()
        .expect("ssh-add");
    let empty_home = net.path("empty-home");
    std::fs::create_dir_all(&empty_home).unwrap();
    let result = added
        .status
        .success()
        .then(|| push_in_child(&net, &[("SSH_AUTH_SOCK", &sock), ("HOME", &empty_home)]));
    let _ = agent.kill();
    let _ = agent.wait();
    assert!(added.status.success(), "ssh-add: {added:?}");
    assert_eq!(result.as_deref(), Some("ok"));
    assert_eq!(net.origin_tip(), Some(net.local_tip()), "the child pushed");
}

#[test]
fn the_default_key_in_home_is_offered() {
    let net = Net::new();
    let home = net.path("home");
    std::fs::create_dir_all(home.join(".ssh")).unwrap();
    std::fs::copy(net.sshd.user_key(), home.join(".ssh/id_ed25519")).unwrap();
    assert_eq!(push_in_child(&net, &[("HOME", &home)]), "ok");
    assert_eq!(net.origin_tip(), Some(net.local_tip()), "the child pushed");
}

#[test]
fn with_nothing_to_offer_the_error_says_so() {
    let net = Net::new();
    let home = net.path("empty-home");
    std::fs::create_dir_all(&home).unwrap();
    let result = push_in_child(&net, &[("HOME", &home)]);
    assert!(
        result.contains("refused every key offered: nothing"),
        "{result}"
    );
    assert_eq!(net.origin_tip(), None);
}

// ---------------------------------------------------------------- bundles

/// A repository with three commits on main, a branch and an annotated tag.
fn history(path: &Path) -> (Repository, Vec<Oid>) {
    let repo = init(path);
    let ids = vec![
        commit(&repo, "a.txt", b"one"),
        commit(&repo, "b.txt", b"two"),
        commit(&repo, "c.txt", b"three"),
    ];
    repo.reference("refs/heads/side", ids[1], false, "t")
        .unwrap();
    let sig = Signature::now("Test", "test@example.invalid").unwrap();
    {
        let target = repo.find_object(ids[0], None).unwrap();
        repo.tag("v1", &target, &sig, "first", false).unwrap();
    }
    (repo, ids)
}

fn all_objects(repo: &Repository) -> Vec<Oid> {
    let mut ids = Vec::new();
    repo.odb()
        .unwrap()
        .foreach(|id| {
            ids.push(*id);
            true
        })
        .unwrap();
    ids
}

fn ref_names(repo: &Repository) -> Vec<String> {
    repo.references()
        .unwrap()
        .map(|r| r.unwrap().name().unwrap().to_string())
        .collect()
}

#[test]
fn a_bundle_passes_stock_git_bundle_verify_and_lists_its_heads() {
    let tmp = tempfile::tempdir().unwrap();
    let (repo, _) = history(&tmp.path().join("src"));
    let file = tmp.path().join("out.bundle");
    let refs = [MAIN, "refs/heads/side", "refs/tags/v1"];
    let header = bundle::create(&repo, &file, &refs).unwrap();
    assert!(header.prerequisites.is_empty());
    assert_eq!(header.refs.len(), 3);

    let fresh = tmp.path().join("fresh");
    std::fs::create_dir(&fresh).unwrap();
    git(&fresh, &["init", "-q"]);
    git(&fresh, &["bundle", "verify", file.to_str().unwrap()]);
    let heads = git(&fresh, &["bundle", "list-heads", file.to_str().unwrap()]);
    for (name, oid) in &header.refs {
        assert!(heads.contains(&format!("{oid} {name}")), "{heads}");
        assert_eq!(
            repo.find_reference(name).unwrap().target(),
            Some(*oid),
            "{name}"
        );
    }
    // Stock git can clone from it, tag and all.
    git(
        tmp.path(),
        &["clone", "-q", file.to_str().unwrap(), "cloned"],
    );
    git(&tmp.path().join("cloned"), &["fsck", "--no-progress"]);

    let err = bundle::create(&repo, &file, &refs).unwrap_err();
    assert!(matches!(err, Error::FileExists(_)), "{err:?}");
    assert_eq!(bundle::read_header(&file).unwrap(), header);
}

#[test]
fn unpacking_a_bundle_brings_every_object_and_moves_no_ref() {
    let tmp = tempfile::tempdir().unwrap();
    let (repo, _) = history(&tmp.path().join("src"));
    let file = tmp.path().join("out.bundle");
    let header = bundle::create(&repo, &file, &[MAIN, "refs/heads/side", "refs/tags/v1"]).unwrap();

    let target = init(&tmp.path().join("target"));
    let unpacked = bundle::unpack(&target, &file).unwrap();
    assert_eq!(unpacked, header);
    let present = all_objects(&target);
    for id in all_objects(&repo) {
        assert!(present.contains(&id), "{id} missing after unpack");
    }
    assert!(ref_names(&target).is_empty(), "{:?}", ref_names(&target));
}

#[test]
fn a_bundle_made_by_stock_git_unpacks_v2_and_v3() {
    let tmp = tempfile::tempdir().unwrap();
    let (repo, ids) = history(&tmp.path().join("src"));
    let src = repo.workdir().unwrap().to_path_buf();
    for (name, extra) in [("v2.bundle", vec![]), ("v3.bundle", vec!["--version=3"])] {
        let file = tmp.path().join(name);
        let mut args = vec!["bundle", "create", "-q"];
        args.extend(extra.iter().copied());
        args.extend([file.to_str().unwrap(), "main", "side"]);
        git(&src, &args);
        let target = init(&tmp.path().join(format!("target-{name}")));
        let header = bundle::unpack(&target, &file).unwrap();
        assert!(
            header.refs.contains(&(MAIN.to_string(), ids[2])),
            "{header:?}"
        );
        assert!(target.find_commit(ids[0]).is_ok());
        assert!(ref_names(&target).is_empty());
    }
}

#[test]
fn an_incremental_bundle_lists_prerequisites_that_stock_git_accepts() {
    let tmp = tempfile::tempdir().unwrap();
    let (repo, ids) = history(&tmp.path().join("src"));
    let full = tmp.path().join("full.bundle");
    let part = tmp.path().join("part.bundle");
    bundle::create(&repo, &full, &["refs/heads/side"]).unwrap();
    let header = bundle::create_excluding(&repo, &part, &[MAIN], &[ids[1]]).unwrap();
    assert_eq!(header.prerequisites, vec![ids[1]]);
    let src = repo.workdir().unwrap();
    // Run where the prerequisite exists, stock git accepts the bare `-<oid>` line.
    git(src, &["bundle", "verify", "-q", part.to_str().unwrap()]);

    let target = init(&tmp.path().join("target"));
    let err = bundle::unpack(&target, &part).unwrap_err();
    match &err {
        Error::BundleNeedsHistory { missing, .. } => assert_eq!(missing, &ids[1].to_string()),
        other => panic!("{other:?}"),
    }
    bundle::unpack(&target, &full).unwrap();
    bundle::unpack(&target, &part).unwrap();
    assert!(target.find_commit(ids[2]).is_ok());
    assert!(ref_names(&target).is_empty());
}

#[test]
fn a_thin_incremental_bundle_from_stock_git_unpacks_onto_its_prerequisites() {
    let tmp = tempfile::tempdir().unwrap();
    let src = init(&tmp.path().join("src"));
    let text: String = (0..2000)
        .map(|i| format!("line {i} of a long document\n"))
        .collect();
    let base = commit(&src, "doc.txt", text.as_bytes());
    src.reference("refs/heads/base", base, false, "t").unwrap();
    let changed = text.replace("line 1000 of", "line 1000, amended, of");
    let tip = commit(&src, "doc.txt", changed.as_bytes());
    let workdir = src.workdir().unwrap().to_path_buf();

    let first = tmp.path().join("first.bundle");
    bundle::create(&src, &first, &["refs/heads/base"]).unwrap();
    let inc = tmp.path().join("inc.bundle");
    git(
        &workdir,
        &[
            "bundle",
            "create",
            "-q",
            inc.to_str().unwrap(),
            "base..main",
        ],
    );
    let header = bundle::read_header(&inc).unwrap();
    assert_eq!(header.prerequisites, vec![base]);

    let target = init(&tmp.path().join("target"));
    bundle::unpack(&target, &first).unwrap();
    bundle::unpack(&target, &inc).unwrap();
    let got = target.find_commit(tip).unwrap().tree().unwrap();
    let blob = got.get_name("doc.txt").unwrap().to_object(&target).unwrap();
    assert_eq!(blob.as_blob().unwrap().content(), changed.as_bytes());
    assert!(ref_names(&target).is_empty());
}

fn leftover_packs(repo: &Repository) -> Vec<String> {
    std::fs::read_dir(repo.path().join("objects/pack"))
        .map(|d| {
            d.map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn damaged_bundles_are_refused_and_change_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let (repo, _) = history(&tmp.path().join("src"));
    commit(&repo, "big.bin", &noise(64 * 1024));
    let file = tmp.path().join("good.bundle");
    bundle::create(&repo, &file, &[MAIN]).unwrap();
    let good = std::fs::read(&file).unwrap();

    let target = init(&tmp.path().join("target"));
    let mine = commit(&target, "mine.txt", b"mine");
    let refs_before = ref_names(&target);

    let truncated = tmp.path().join("truncated.bundle");
    std::fs::write(&truncated, &good[..good.len() * 2 / 3]).unwrap();
    let not_a_bundle = tmp.path().join("notes.txt");
    std::fs::write(&not_a_bundle, "meeting notes\nnothing to see\n").unwrap();
    let header_only = tmp.path().join("header-only.bundle");
    let end = good.windows(2).position(|w| w == b"\n\n").unwrap() + 2;
    std::fs::write(&header_only, &good[..end]).unwrap();
    let cut_header = tmp.path().join("cut-header.bundle");
    std::fs::write(&cut_header, &good[..20]).unwrap();
    // A header naming an object the pack does not carry.
    let lying = tmp.path().join("lying.bundle");
    let text = String::from_utf8_lossy(&good[..end]).into_owned();
    let oid = text.lines().nth(1).unwrap()[..40].to_string();
    let mut forged = good.clone();
    let at = good.windows(40).position(|w| w == oid.as_bytes()).unwrap();
    forged[at..at + 40].copy_from_slice(b"0123456789abcdef0123456789abcdef01234567");
    std::fs::write(&lying, forged).unwrap();
    let empty = tmp.path().join("empty.bundle");
    std::fs::write(&empty, b"").unwrap();

    for bad in [
        &truncated,
        &not_a_bundle,
        &header_only,
        &cut_header,
        &lying,
        &empty,
    ] {
        let err = bundle::unpack(&target, bad).unwrap_err();
        assert!(
            matches!(err, Error::BadBundle { .. }),
            "{}: {err:?}",
            bad.display()
        );
        assert!(
            err.to_string().contains(&bad.display().to_string()),
            "{err}"
        );
        assert_eq!(ref_names(&target), refs_before);
        assert_eq!(tip(target.path(), MAIN), Some(mine));
        let packs = leftover_packs(&target);
        assert!(
            packs
                .iter()
                .all(|p| !p.contains("tmp") && !p.starts_with("pack_git2")),
            "no temporary pack is left behind: {packs:?}"
        );
    }
    for bad in [&not_a_bundle, &cut_header, &empty] {
        assert!(matches!(
            bundle::read_header(bad),
            Err(Error::BadBundle { .. })
        ));
    }
    // Only the pack is damaged: the header alone still reads.
    assert!(bundle::read_header(&truncated).is_ok());
}
