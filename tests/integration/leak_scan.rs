//! An end-to-end leak scan (issue 16, point 6). A whole scenario runs with
//! distinctive markers in every piece of case content — title, client,
//! nationality, a party, a deadline, notes, an attached document, an edit —
//! through create, edit, notes, an attachment, grant, a group change,
//! revoke, sync through a real sshd, a bundle, a disclosure, a conflict
//! check, the agenda and a destruction. Then every place content could
//! leak to is scanned for the markers:
//!
//! - the working trees of the vault and of a colleague's clone;
//! - every git object, decompressed (`git cat-file --batch-all-objects`),
//!   of the vault, the remote, the clone and the bundle; every other file
//!   under each `.git` (refs, reflogs, config, index, journals) as it is;
//! - the bundle and the disclosure export as written;
//! - the temporary directory the commands ran with, `/dev/shm`, the fake
//!   `$HOME`, and every identity home;
//! - every line printed by a colleague who was never granted the cases,
//!   running every command that reads (apart from the name she typed into
//!   the conflict check herself).
//!
//! Zero markers anywhere but in what the person asked to see (the owner's
//! own `case show`, the source file she attached).

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::sshd::Sshd;
use crate::support::{age_keypair, Person, World};

/// Every marker contains this, in any case.
const MARK: &str = "leakmark";

/// Where a marker was found.
#[derive(Debug)]
struct Found {
    place: String,
}

fn contains_mark(bytes: &[u8]) -> bool {
    let lower: Vec<u8> = bytes.iter().map(u8::to_ascii_lowercase).collect();
    lower.windows(MARK.len()).any(|w| w == MARK.as_bytes())
}

/// Every regular file under `dir` (not following symbolic links), except
/// those in `skip`, read raw.
fn scan_files(dir: &Path, skip: &[PathBuf], found: &mut Vec<Found>) {
    for entry in walkdir::WalkDir::new(dir)
        .follow_links(false)
        .into_iter()
        .flatten()
    {
        if !entry.file_type().is_file() || skip.iter().any(|s| entry.path().starts_with(s)) {
            continue;
        }
        if let Ok(bytes) = std::fs::read(entry.path()) {
            if contains_mark(&bytes) {
                found.push(Found {
                    place: entry.path().display().to_string(),
                });
            }
        }
    }
}

/// Every object of the repository at `git_dir`, decompressed by stock git.
fn scan_objects(w: &World, git_dir: &Path, found: &mut Vec<Found>) {
    let out = Command::new("git")
        .arg("--git-dir")
        .arg(git_dir)
        .args(["cat-file", "--batch-all-objects", "--batch"])
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .output()
        .expect("git cat-file");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        !out.stdout.is_empty(),
        "no objects in {}",
        git_dir.display()
    );
    if contains_mark(&out.stdout) {
        // Name the objects.
        let text = String::from_utf8_lossy(&out.stdout);
        let mut header = String::new();
        for line in text.lines() {
            if line
                .split(' ')
                .nth(1)
                .is_some_and(|k| ["blob", "tree", "commit", "tag"].contains(&k))
            {
                header = line.to_string();
            }
            if line.to_ascii_lowercase().contains(MARK) {
                found.push(Found {
                    place: format!("{} object {header}", git_dir.display()),
                });
            }
        }
    }
    let _ = w;
}

/// A command run by the colleague never granted the cases: its output is
/// scanned. `typed` is what she typed herself (allowed back).
fn colleague(
    w: &World,
    carol: &Person,
    vault: &Path,
    args: &[&str],
    typed: Option<&str>,
    found: &mut Vec<Found>,
) {
    let out = w.cmd_in(carol, vault).args(args).output().expect("run");
    let refused = args.first() == Some(&"case") && args.get(1) == Some(&"show");
    assert_eq!(
        out.status.success(),
        !refused,
        "`dossier {}`: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
    for (stream, bytes) in [("stdout", &out.stdout), ("stderr", &out.stderr)] {
        let mut text = String::from_utf8_lossy(bytes).to_ascii_lowercase();
        if let Some(t) = typed {
            text = text.replace(&t.to_ascii_lowercase(), "");
        }
        if text.contains(MARK) {
            found.push(Found {
                place: format!("colleague's `dossier {}` {stream}", args.join(" ")),
            });
        }
    }
}

#[test]
fn no_marker_of_case_content_is_left_anywhere_it_was_not_asked_for() {
    let w = World::new();
    let tmp = w.path("tmpdir");
    std::fs::create_dir_all(&tmp).expect("tmpdir");
    w.env
        .borrow_mut()
        .push(("TMPDIR".into(), tmp.clone().into_os_string()));
    let alice = w.person("Alice");
    w.init_vault(&alice);
    let ben = w.person("Ben");
    let ben_fp = w.join(&ben, &alice);
    let carol = w.person("Carol");
    w.join(&carol, &alice);

    // Create and edit, with a marker in every field a person types.
    let case = w.new_case_titled(
        &alice,
        "Leakmark asylum appeal",
        "Leakmark Tesfaye",
        &["--grant", &ben_fp],
    );
    w.ok(
        &alice,
        &[
            "case",
            "set",
            &case,
            "client.nationality=Leakmarkish",
            "title=Leakmark appeal renamed",
        ],
    );
    w.ok(
        &alice,
        &[
            "case",
            "add",
            &case,
            "parties",
            "name=Leakmark Opponent",
            "role=respondent",
        ],
    );
    w.ok(
        &alice,
        &[
            "case",
            "add",
            &case,
            "deadlines",
            "date=2030-01-15",
            "what=Leakmark hearing bundle due",
        ],
    );
    w.ok(
        &alice,
        &[
            "note",
            "add",
            &case,
            "--text",
            "Leakmark note: the client fears return",
        ],
    );
    w.ok_stdin(
        &alice,
        &["note", "add", &case],
        "Leakmark note from standard input",
    );

    // An attachment (the terminal UI's `a`), from a file of the user's.
    let source = w.path("user-files/statement.txt");
    std::fs::create_dir_all(source.parent().expect("dir")).expect("mkdir");
    std::fs::write(&source, "Leakmark witness statement, page 1").expect("source");
    {
        let vault = dossier::vault::Vault::open(&w.vault()).expect("open");
        let id: dossier::case::CaseId = case.parse().expect("id");
        dossier::ops::documents::attach(&vault, &w.session(&alice), &id, &source).expect("attach");
    }

    // A group grant, then the group changes, then Ben loses access.
    w.ok(&alice, &["group", "set", "interpreters", &ben_fp]);
    w.ok(&alice, &["grant", &case, "@interpreters"]);
    w.ok(
        &alice,
        &["group", "set", "interpreters", &w.fingerprint(&alice)],
    );
    w.ok(&alice, &["revoke-access", "--yes", &case, &ben_fp]);

    // A second case, destroyed.
    let doomed = w.new_case_titled(
        &alice,
        "Leakmark closed matter",
        "Leakmark Former Client",
        &[],
    );
    w.ok(
        &alice,
        &[
            "note",
            "add",
            &doomed,
            "--text",
            "Leakmark note of a destroyed case",
        ],
    );
    w.ok(
        &alice,
        &[
            "destroy",
            &doomed,
            "--yes",
            "--ground",
            "retention period ended",
        ],
    );

    // Sync through sshd; the colleague clones it.
    let bare = w.path("remote.git");
    w.git_text_in(w.tmp.path(), &["init", "-q", "--bare", "remote.git"]);
    let sshd = Sshd::start(&w.path("sshd"));
    sshd.trust_in(&w.path("fakehome"));
    w.env
        .borrow_mut()
        .push(("DOSSIER_SSH_KEY".into(), sshd.user_key().into_os_string()));
    w.ok(&alice, &["remote", "add", "origin", &sshd.url(&bare)]);
    let pushed = w.ok(&alice, &["sync"]);
    assert!(pushed.contains("Pushed to origin"), "{pushed}");
    let carols = w.path("carol-vault");
    w.ok_in(
        &carol,
        w.tmp.path(),
        &["clone", &sshd.url(&bare), carols.to_str().expect("utf8")],
    );

    // A bundle, a disclosure to an outside recipient, a conflict check.
    let bundle = w.path("carry/vault.bundle");
    std::fs::create_dir_all(bundle.parent().expect("dir")).expect("mkdir");
    w.ok(
        &alice,
        &["bundle", "create", bundle.to_str().expect("utf8")],
    );
    let (_tribunal_key, tribunal) = age_keypair(&w, "tribunal.agekey");
    let export = w.path("carry/disclosure.age");
    w.ok(
        &alice,
        &[
            "disclose",
            &case,
            "--to",
            &tribunal,
            "--basis",
            "court_order",
            "--reference",
            "HC-2026-1",
            "--fields",
            "title,client.name",
            "--out",
            export.to_str().expect("utf8"),
        ],
    );
    let owner_sees = w.ok(
        &alice,
        &["conflicts", "Leakmark Tesfaye", "--record", &case],
    );
    assert!(owner_sees.contains(&case), "{owner_sees}");
    let agenda = w.ok(&alice, &["agenda", "--days", "4000"]);
    assert!(
        agenda.to_ascii_lowercase().contains(MARK),
        "the owner sees her deadline: {agenda}"
    );
    let shown = w.ok(&alice, &["case", "show", &case]);
    assert!(
        shown.contains("Leakmark note from standard input"),
        "{shown}"
    );
    w.ok(&alice, &["sync"]);
    w.ok_in(&carol, &carols, &["sync"]);

    let mut found = Vec::new();
    // Every command of the colleague who was never granted the cases.
    let reads: &[&[&str]] = &[
        &["case", "list"],
        &["case", "list", "--json"],
        &["case", "show", &case],
        &["case", "show", &case, "--json"],
        &["grep", "leakmark"],
        &["grep", "--json", "."],
        &["log"],
        &["log", "--json"],
        &["log", &case],
        &["log", "--who-could-read", &case],
        &["verify"],
        &["agenda", "--days", "4000"],
        &["agenda", "--json"],
        &["disclosures"],
        &["disclosures", "--json"],
        &["consents"],
        &["access-review"],
        &["access-review", "--json"],
        &["retention"],
        &["key", "list"],
        &["group", "list"],
        &["remote", "list"],
        &["settings"],
        &["sync"],
    ];
    for args in reads {
        colleague(&w, &carol, &carols, args, None, &mut found);
    }
    colleague(
        &w,
        &carol,
        &carols,
        &["conflicts", "Leakmark Tesfaye"],
        Some("Leakmark Tesfaye"),
        &mut found,
    );
    colleague(
        &w,
        &carol,
        &carols,
        &["conflicts", "--json", "Leakmark Tesfaye"],
        Some("Leakmark Tesfaye"),
        &mut found,
    );

    // Working trees, object stores, everything under .git.
    for repo in [w.vault(), carols.clone()] {
        scan_files(&repo, &[repo.join(".git/objects")], &mut found);
        scan_objects(&w, &repo.join(".git"), &mut found);
    }
    scan_files(&bare, &[bare.join("objects")], &mut found);
    scan_objects(&w, &bare, &mut found);
    // The bundle, as written and unbundled.
    let unbundled = w.path("unbundled.git");
    w.git_text_in(w.tmp.path(), &["init", "-q", "--bare", "unbundled.git"]);
    w.git_text_in(
        &unbundled,
        &["bundle", "unbundle", bundle.to_str().expect("utf8")],
    );
    scan_objects(&w, &unbundled, &mut found);
    scan_files(&w.path("carry"), &[], &mut found);
    // Temporary files, shared memory, homes.
    scan_files(&tmp, &[], &mut found);
    scan_files(Path::new("/dev/shm"), &[], &mut found);
    scan_files(&w.path("fakehome"), &[], &mut found);
    scan_files(&w.path("homes"), &[], &mut found);

    assert!(
        found.is_empty(),
        "case content found where nobody asked for it:\n{}",
        found
            .iter()
            .map(|f| f.place.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    );
    // The scan can see a marker: positive controls.
    let mut control = Vec::new();
    scan_files(source.parent().expect("dir"), &[], &mut control);
    assert_eq!(control.len(), 1, "the scan finds the user's own file");
    let mut control = Vec::new();
    let out = w.ok(&alice, &["case", "show", &case]);
    assert!(
        contains_mark(out.as_bytes()),
        "the scan finds the owner's own view"
    );
    let planted = w.path("control.git");
    w.git_text_in(w.tmp.path(), &["init", "-q", "--bare", "control.git"]);
    let blob = w.path("control.txt");
    std::fs::write(&blob, "LEAKMARK in a blob").expect("control");
    w.git_text_in(
        &planted,
        &["hash-object", "-w", blob.to_str().expect("utf8")],
    );
    scan_objects(&w, &planted, &mut control);
    assert_eq!(
        control.len(),
        1,
        "the scan finds a marker in a compressed object"
    );
}
