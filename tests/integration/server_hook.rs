//! `dossier hook pre-receive` on a bare repository served by a real sshd
//! (tests/integration/sshd.rs): what a client's `sync` would refuse, pushed
//! with stock `git push` over SSH, is refused at the server with the same
//! sentence, and the server's branch does not move; dossier's own pushes
//! pass.

use std::path::{Path, PathBuf};
use std::process::Output;

use crate::sshd::Sshd;
use crate::support::{Person, World};

struct Server {
    w: World,
    ada: Person,
    case: String,
    bare: PathBuf,
    url: String,
    sshd: Sshd,
    known_hosts: PathBuf,
}

impl Server {
    /// The server's branch.
    fn tip(&self) -> String {
        self.w
            .git_text_in(&self.bare, &["rev-parse", "refs/heads/main"])
            .trim()
            .to_string()
    }

    /// Stock `git push ARGS` from the plain clone `dir` to the server over
    /// SSH (its own key, the pinned host key).
    fn git_push(&self, dir: &Path, args: &[&str]) -> Output {
        let ssh = format!(
            "ssh -i {} -o IdentitiesOnly=yes -o BatchMode=yes -o StrictHostKeyChecking=yes -o UserKnownHostsFile={}",
            self.sshd.user_key().display(),
            self.known_hosts.display()
        );
        self.w
            .git_command(dir)
            .env("GIT_SSH_COMMAND", ssh)
            .arg("push")
            .arg(&self.url)
            .args(args)
            .output()
            .expect("git push")
    }

    /// A plain clone of the server, at its branch.
    fn plain_clone(&self, name: &str) -> PathBuf {
        let dir = self.w.path(name);
        self.w.git_text_in(
            self.w.tmp.path(),
            &["clone", "-q", "-b", "main", path(&self.bare), name],
        );
        dir
    }
}

fn path(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

/// Ada's vault with a case, pushed by `dossier sync` through sshd to a bare
/// repository whose pre-receive hook is `dossier hook pre-receive`.
fn server() -> Server {
    let w = World::new();
    let ada = w.person("Ada");
    w.init_vault(&ada);
    let case = w.new_case(&ada, &[]);
    w.git_text_in(w.tmp.path(), &["init", "-q", "--bare", "remote.git"]);
    let bare = w.path("remote.git");
    let hook = bare.join("hooks/pre-receive");
    let bin = assert_cmd::cargo::cargo_bin("dossier");
    std::fs::write(
        &hook,
        format!("#!/bin/sh\nexec '{}' hook pre-receive\n", bin.display()),
    )
    .expect("hook");
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&hook, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let sshd = Sshd::start(&w.path("sshd"));
    let ssh_dir = w.path("fakehome/.ssh");
    std::fs::create_dir_all(&ssh_dir).expect("mkdir");
    let known_hosts = ssh_dir.join("known_hosts");
    std::fs::write(&known_hosts, format!("{}\n", sshd.known_hosts_line())).expect("known_hosts");
    w.env
        .borrow_mut()
        .push(("DOSSIER_SSH_KEY".into(), sshd.user_key().into_os_string()));
    let url = sshd.url(&bare);
    w.ok(&ada, &["remote", "add", "origin", &url]);
    let out = w.ok(&ada, &["sync"]);
    assert!(out.contains("Pushed to origin"), "{out}");
    Server {
        w,
        ada,
        case,
        bare,
        url,
        sshd,
        known_hosts,
    }
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn the_server_verifies_dossiers_pushes_and_refuses_an_unsigned_commit_with_syncs_sentence() {
    let s = server();
    let w = &s.w;
    assert_eq!(s.tip(), w.head(), "the first push, whole history, passed");
    // An ordinary change passes too.
    w.ok(
        &s.ada,
        &[
            "note",
            "add",
            &s.case,
            "--text",
            "Through the hooked server.",
        ],
    );
    let out = w.ok(&s.ada, &["sync"]);
    assert!(out.contains("Pushed to origin"), "{out}");
    assert_eq!(s.tip(), w.head());

    // A colleague with shell access forges an unsigned change with stock git.
    let plain = s.plain_clone("plain");
    std::fs::write(plain.join(".dossier/vault.yaml"), "name: Taken over\n").expect("edit");
    w.git_text_in(&plain, &["add", "-A"]);
    w.git_text_in(
        &plain,
        &[
            "-c",
            "user.name=Mallory",
            "-c",
            "user.email=m@x.example",
            "-c",
            "commit.gpgsign=false",
            "commit",
            "-q",
            "-m",
            "settings",
        ],
    );
    let forged = w
        .git_text_in(&plain, &["rev-parse", "HEAD"])
        .trim()
        .to_string();
    let before = s.tip();
    let out = s.git_push(&plain, &["HEAD:refs/heads/main"]);
    assert!(!out.status.success(), "the push was accepted");
    let said = stderr(&out);
    assert!(said.contains("pre-receive hook declined"), "{said}");
    assert_eq!(s.tip(), before, "the server's branch did not move");
    assert!(
        !w.git_in(&s.bare, &["cat-file", "-e", &forged])
            .status
            .success(),
        "the refused objects never entered the server's repository"
    );

    // The same commit through an unhooked remote: the client refuses it
    // with the very sentence the server gave.
    w.git_text_in(w.tmp.path(), &["init", "-q", "--bare", "unhooked.git"]);
    let unhooked = w.path("unhooked.git");
    w.git_text_in(
        &plain,
        &["push", "-q", path(&unhooked), "HEAD:refs/heads/main"],
    );
    w.ok(&s.ada, &["remote", "add", "unhooked", path(&unhooked)]);
    let client = w.fails(&s.ada, &["sync", "unhooked"], 1);
    let sentence = client
        .lines()
        .find(|l| l.contains("the incoming history was refused"))
        .unwrap_or_else(|| panic!("the client's refusal: {client}"))
        .trim_start_matches("dossier: ")
        .to_string();
    assert!(
        said.contains(&format!("remote: dossier: {sentence}")),
        "the server said:\n{said}\nthe client said:\n{sentence}"
    );
}

#[test]
fn the_server_refuses_a_force_push_a_deletion_and_another_branch() {
    let s = server();
    let w = &s.w;
    w.ok(
        &s.ada,
        &["note", "add", &s.case, "--text", "Second commit."],
    );
    w.ok(&s.ada, &["sync"]);
    let before = s.tip();
    let plain = s.plain_clone("plain");

    // Rewinding the branch (a rollback, with stock git's --force).
    let out = s.git_push(&plain, &["--force", "HEAD~1:refs/heads/main"]);
    assert!(!out.status.success());
    let said = stderr(&out);
    assert!(
        said.contains("remote: dossier: the push is refused:")
            && said.contains("would rewind or rewrite refs/heads/main"),
        "{said}"
    );
    assert_eq!(s.tip(), before);

    // Deleting it.
    let out = s.git_push(&plain, &[":refs/heads/main"]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("it would delete refs/heads/main"),
        "{}",
        stderr(&out)
    );
    assert_eq!(s.tip(), before);

    // Another reference, where history escapes the checks.
    let out = s.git_push(&plain, &["HEAD:refs/heads/other"]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("refs/heads/other is not the vault's branch"),
        "{}",
        stderr(&out)
    );
    assert!(!w
        .git_in(
            &s.bare,
            &["rev-parse", "--verify", "-q", "refs/heads/other"]
        )
        .status
        .success());
    assert_eq!(s.tip(), before);
}
