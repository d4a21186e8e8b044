//! Trust across history (issue 10): each attack played as a hostile
//! colleague would, with stock git (`commit-tree -S` signed with an
//! `ssh-keygen` key, `read-tree`, `update-index --cacheinfo`, force pushes,
//! stock `git pull`), never through dossier's own API. Each test asserts
//! the refusal sentence, an unchanged branch, and that the removed or
//! revoked key decrypts nothing written after its removal.

use std::path::{Path, PathBuf};

use crate::support::{assert_history_refused, ssh_sign_with_key, trailers, Person, World};
use crate::sync::{attacker_clone, bare_head, force_remote, office, refused, Office};

/// A certified colleague with a plain (unprotected) signing key, known to
/// the remote: `(person, fingerprint, plain key file)`.
fn colleague(o: &Office, name: &str) -> (Person, String, PathBuf) {
    let p = o.w.unprotected_person(name);
    let fp = o.w.join(&p, &o.alice);
    o.w.ok(&o.alice, &["sync"]);
    let key = p.home.join("signing_key");
    (p, fp, key)
}

/// Stock `git commit-tree -S` in `dir`: the index as a tree, on `parents`,
/// signed with the plain key `key`; returns the commit id (no ref moves).
fn commit_tree(
    w: &World,
    dir: &Path,
    key: &Path,
    parents: &[&str],
    message: &str,
    date: Option<&str>,
) -> String {
    let tree = w.git_text_in(dir, &["write-tree"]).trim().to_string();
    let mut cmd = w.git_command(dir);
    cmd.args(crate::support::git_identity(Some(key)))
        .args(["commit-tree", "-S"]);
    for p in parents {
        cmd.args(["-p", p]);
    }
    cmd.args(["-m", message, &tree]);
    if let Some(d) = date {
        cmd.env("GIT_AUTHOR_DATE", d).env("GIT_COMMITTER_DATE", d);
    }
    crate::support::stdout_of(&mut cmd)
}

/// In the plain clone `dir` at the remote's tip: a signed merge commit
/// whose second parent is the old commit `old` and whose tree is the tip's
/// with `paths` taken from `old` (restored, or removed where `old` lacks
/// them). Pushed as an ordinary fast-forward; returns the merge's id.
fn launder(o: &Office, dir: &Path, key: &Path, actor: &str, old: &str, paths: &[&str]) -> String {
    let w = &o.w;
    w.git_text_in(dir, &["fetch", "-q", "origin"]);
    w.git_text_in(dir, &["reset", "-q", "--hard", "origin/main"]);
    for path in paths {
        let in_old = w
            .git_in(dir, &["cat-file", "-e", &format!("{old}:{path}")])
            .status
            .success();
        w.git_text_in(
            dir,
            &["rm", "-q", "-r", "--cached", "--ignore-unmatch", path],
        );
        if in_old {
            w.git_text_in(dir, &["checkout", "-q", old, "--", path]);
        }
    }
    let message = format!("merge vault\n\n{}", trailers("merge", None, actor));
    let merge = commit_tree(w, dir, key, &["HEAD", old], &message, None);
    w.git_text_in(dir, &["update-ref", "refs/heads/main", &merge]);
    w.git_text_in(dir, &["reset", "-q", "--hard", &merge]);
    force_remote(o, dir, &merge);
    merge
}

/// Commits everything staged in the plain clone `dir` with stock git
/// (signed with `key`, the message `subject` and `trailers`) and
/// force-pushes it to the remote's branch; returns the commit.
fn push_stock_commit(
    o: &Office,
    dir: &Path,
    key: Option<&Path>,
    subject: &str,
    trailers: &str,
) -> String {
    crate::support::raw_commit(&o.w, dir, key, subject, trailers);
    force_remote(o, dir, "HEAD");
    o.w.git_text_in(dir, &["rev-parse", "HEAD"])
        .trim()
        .to_string()
}

/// An attacker's plain clone and key, laundering old files through merges.
struct Launderer<'a> {
    dir: &'a Path,
    key: &'a Path,
    fp: &'a str,
}

impl Launderer<'_> {
    /// [`launder`]s `paths` from `old`, expects Alice's sync to refuse the
    /// merge with a sentence containing `reason`, then puts the remote
    /// back to Alice's branch.
    fn refused(&self, o: &Office, old: &str, paths: &[&str], reason: &str) {
        let merge = launder(o, self.dir, self.key, self.fp, old, paths);
        let err = refused(o, &merge);
        assert!(err.contains(reason), "{err}");
        force_remote(o, self.dir, &o.w.head());
    }
}

/// A newcomer's `dossier clone` of the remote, which must be refused and
/// leave no directory behind; returns the refusal.
fn fresh_clone_refused(o: &Office) -> String {
    let chidi = o.w.person("Chidi");
    let dir = o.w.path("chidi-vault");
    let (_, err) = o.w.fails_in(
        &chidi,
        &dir,
        &["clone", o.bare.to_str().unwrap(), dir.to_str().unwrap()],
        1,
    );
    assert!(!dir.exists(), "a refused clone leaves no directory");
    err
}

/// `who`'s exported age key(s) open none of the case's current files in
/// the vault at `vault`.
fn opens_nothing(w: &World, who: &Person, label: &str, vault: &Path, case: &str) {
    let key = w.age_secret(who, label);
    let files = w.git_text_in(vault, &["ls-files", &format!("cases/{case}")]);
    let mut checked = 0;
    for rel in files.lines().filter(|f| f.ends_with(".age")) {
        let out = std::process::Command::new("age")
            .args(["-d", "-i"])
            .arg(&key)
            .arg(vault.join(rel))
            .output()
            .expect("age");
        assert!(!out.status.success(), "{} opens {rel}", who.name);
        checked += 1;
    }
    assert!(checked > 0, "no encrypted file to check in {case}");
}

#[test]
fn a_signed_merge_with_an_old_commit_cannot_restore_a_removed_reader() {
    let o = office();
    let (w, alice) = (&o.w, &o.alice);
    let (_mallory, mallory_fp, key) = colleague(&o, "Mallory");
    let before_removal = w.head();
    w.ok(alice, &["revoke-access", "--yes", &o.case, &o.ben_fp]);
    w.ok(alice, &["sync"]);
    let tip = bare_head(&o);
    let access = format!("cases/{}/access.yaml", o.case);

    let evil = attacker_clone(&o, "mallory-git");
    let merge = launder(
        &o,
        &evil,
        &key,
        &mallory_fp,
        &before_removal,
        &[&access, &format!("{access}.sig")],
    );
    let err = refused(&o, &merge);
    assert!(
        err.contains(&format!("changes who can read case {}", o.case))
            && err.contains("neither an owner of the case nor an administrator"),
        "{err}"
    );
    // An octopus merge, with two old parents that are ancestors of each
    // other and of the tip, is judged the same way.
    let older = w
        .git_text(&["rev-parse", &format!("{before_removal}~1")])
        .trim()
        .to_string();
    let message = format!("merge vault\n\n{}", trailers("merge", None, &mallory_fp));
    let octopus = commit_tree(
        w,
        &evil,
        &key,
        &[&tip, &before_removal, &older],
        &message,
        None,
    );
    force_remote(&o, &evil, &octopus);
    let err = refused(&o, &octopus);
    assert!(
        err.contains(&format!("changes who can read case {}", o.case)),
        "{err}"
    );
    force_remote(&o, &evil, &merge);
    // A colleague's fresh clone refuses it too, and leaves nothing behind.
    let err = fresh_clone_refused(&o);
    assert!(err.contains(&merge), "{err}");

    // Taken in with stock `git pull` instead, the next command refuses it.
    let out = w.git(&["pull", "-q", "--ff-only", o.bare.to_str().unwrap(), "main"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let err = w.fails(
        alice,
        &["note", "add", &o.case, "--text", "after removal"],
        1,
    );
    assert_history_refused(&err, &merge);
    assert_eq!(w.head(), merge, "nothing was committed on top");
    // Alice returns to the last verified commit, as the refusal says.
    w.git_text(&["reset", "-q", "--hard", &tip]);
    w.ok(alice, &["note", "add", &o.case, "--text", "after removal"]);
    opens_nothing(w, &o.ben, "removed", &w.vault(), &o.case);
}

#[test]
fn a_signed_merge_cannot_undo_a_key_revocation_even_by_a_root() {
    let o = office();
    let (w, alice) = (&o.w, &o.alice);
    let (chidi, chidi_fp, _) = colleague(&o, "Chidi");
    w.ok(alice, &["grant", &o.case, &chidi_fp]);
    w.ok(alice, &["sync"]);
    let chidi_vault = w.path("chidi-vault");
    w.ok_in(
        &chidi,
        &chidi_vault,
        &[
            "clone",
            o.bare.to_str().unwrap(),
            chidi_vault.to_str().unwrap(),
        ],
    );
    let before_revocation = w.head();
    w.ok(
        alice,
        &[
            "key",
            "revoke",
            "--yes",
            &o.ben_fp,
            "--reason",
            "left the firm",
        ],
    );
    w.ok(alice, &["sync"]);
    w.ok_in(&chidi, &chidi_vault, &["sync"]);
    let chidi_before = w.full_snapshot(&chidi_vault);

    // Even the root's own signature cannot take a revocation back: the
    // keyring, allowed_signers and the case's list as they were before.
    let alice_key = w.plain_signing_key(alice);
    let evil = attacker_clone(&o, "root-git");
    let merge = launder(
        &o,
        &evil,
        &alice_key,
        &w.fingerprint(alice),
        &before_revocation,
        &[".dossier/keyring", ".dossier/allowed_signers"],
    );
    let (_, err) = w.fails_in(&chidi, &chidi_vault, &["sync"], 1);
    assert!(err.contains(&merge), "{err}");
    assert!(
        err.contains("revocations are permanent"),
        "the rule is named: {err}"
    );
    assert_eq!(chidi_before, w.full_snapshot(&chidi_vault));
    // Carried on a USB stick instead: a bundle made by stock git.
    let bundle = w.path("laundered.bundle");
    w.git_text_in(
        &evil,
        &["bundle", "create", "-q", bundle.to_str().unwrap(), "main"],
    );
    let (_, err) = w.fails_in(
        &chidi,
        &chidi_vault,
        &["bundle", "import", bundle.to_str().unwrap()],
        1,
    );
    assert!(
        err.contains(&merge) && err.contains("revocations are permanent"),
        "{err}"
    );
    assert_eq!(chidi_before, w.full_snapshot(&chidi_vault));
    // Nothing Chidi writes afterwards reaches Ben.
    w.ok_in(
        &chidi,
        &chidi_vault,
        &["note", "add", &o.case, "--text", "later"],
    );
    opens_nothing(w, &o.ben, "revoked", &chidi_vault, &o.case);
}

#[test]
fn signed_merges_cannot_undo_a_rotation_view_logging_or_a_group_change() {
    let o = office();
    let (w, alice) = (&o.w, &o.alice);
    let (_mallory, mallory_fp, key) = colleague(&o, "Mallory");
    let evil = attacker_clone(&o, "mallory-git");

    // 1. Ben rotates his key; Mallory puts his old encryption key back.
    let before = bare_head(&o);
    w.ok_in(&o.ben, &o.ben_vault, &["key", "rotate"]);
    w.ok_in(&o.ben, &o.ben_vault, &["sync"]);
    w.ok(alice, &["sync"]);
    let binding = w
        .git_text(&["ls-files", ".dossier/keyring"])
        .lines()
        .filter(|f| f.contains(".binding.yaml"))
        .map(str::to_string)
        .collect::<Vec<_>>();
    assert_eq!(binding.len(), 2, "a binding and its signature");
    let refs: Vec<&str> = binding.iter().map(String::as_str).collect();
    let mallory = Launderer {
        dir: &evil,
        key: &key,
        fp: &mallory_fp,
    };
    mallory.refused(&o, &before, &refs, "changes the encryption key of");

    // 2. Alice switches view logging on; Mallory switches it off again.
    let before = w.head();
    w.ok(alice, &["settings", "log_views=true"]);
    w.ok(alice, &["sync"]);
    mallory.refused(
        &o,
        &before,
        &[".dossier/vault.yaml", ".dossier/vault.yaml.sig"],
        "is not a root of the vault",
    );

    // 3. Ben leaves a group; Mallory restores the group file naming him.
    w.ok(alice, &["group", "set", "team", &o.ben_fp]);
    let grouped = w.new_case(alice, &["--grant", "@team"]);
    w.ok(alice, &["sync"]);
    let before = w.head();
    w.ok(alice, &["group", "set", "team", &mallory_fp]);
    w.ok(alice, &["sync"]);
    mallory.refused(
        &o,
        &before,
        &[".dossier/groups.yaml", ".dossier/groups.yaml.sig"],
        "changes the groups",
    );
    w.ok(alice, &["note", "add", &grouped, "--text", "team only"]);
    opens_nothing(w, &o.ben, "left-team", &w.vault(), &grouped);
}

#[test]
fn a_replayed_access_list_is_never_honoured_committed_or_not() {
    let o = office();
    let (w, alice) = (&o.w, &o.alice);
    let with_ben = w.head();
    w.ok(alice, &["revoke-access", "--yes", &o.case, &o.ben_fp]);
    let access = format!("cases/{}/access.yaml", o.case);
    let sig = format!("{access}.sig");

    // Restored in the working tree only: dossier reads the committed list.
    w.git_text(&["checkout", "-q", &with_ben, "--", &access, &sig]);
    w.ok(
        alice,
        &["note", "add", &o.case, "--text", "written after removal"],
    );
    w.git_text(&["checkout", "-q", "HEAD", "--", &access, &sig]);
    opens_nothing(w, &o.ben, "replay-worktree", &w.vault(), &o.case);

    // Committed with plain git: refused before anything is encrypted.
    w.git_text(&["checkout", "-q", &with_ben, "--", &access, &sig]);
    w.plain_commit(&["-m", "restore"]);
    let replay = w.head();
    for args in [
        vec!["note", "add", &o.case, "--text", "x"],
        vec!["rekey", &o.case],
        vec!["case", "show", &o.case],
    ] {
        let err = w.fails(alice, &args, 1);
        assert_history_refused(&err, &replay);
        assert!(err.contains("plain git"), "{err}");
    }
    assert_eq!(w.head(), replay);
    let out = w.ok_or_fail_stdout(alice, &["verify"]);
    assert!(out.contains(&replay), "verify names the commit: {out}");
    // Signed by an insider who is no owner: refused by name.
    w.git_text(&["reset", "-q", "--hard", "HEAD~1"]);
    w.ok(alice, &["sync"]);
    let (_mallory, mallory_fp, key) = colleague(&o, "Mallory");
    let evil = attacker_clone(&o, "mallory-git");
    w.git_text_in(&evil, &["checkout", "-q", &with_ben, "--", &access, &sig]);
    let replayed = push_stock_commit(
        &o,
        &evil,
        Some(&key),
        &format!("grant {}", o.case),
        &trailers("grant", Some(&o.case), &mallory_fp),
    );
    let err = refused(&o, &replayed);
    assert!(err.contains("neither an owner"), "{err}");
    opens_nothing(w, &o.ben, "replay-end", &w.vault(), &o.case);
}

#[test]
fn a_revoked_owners_backdated_grant_is_refused_whatever_its_date() {
    let o = office();
    let (w, alice, ben) = (&o.w, &o.alice, &o.ben);
    let (mallory, mallory_fp, mallory_key) = colleague(&o, "Mallory");
    // Ben owns a case of his own, shared with Alice.
    let alice_fp = w.fingerprint(alice);
    w.ok_in(ben, &o.ben_vault, &["sync"]);
    let bens = w
        .ok_in(
            ben,
            &o.ben_vault,
            &["case", "new", "--title", "Ben's", "--grant", &alice_fp],
        )
        .trim()
        .to_string();
    w.ok_in(ben, &o.ben_vault, &["sync"]);
    w.ok(alice, &["sync"]);
    // Ben keeps a plain clone from before his revocation.
    let old = attacker_clone(&o, "ben-old");
    w.ok(
        alice,
        &[
            "key",
            "revoke",
            "--yes",
            &o.ben_fp,
            "--reason",
            "left the firm",
        ],
    );
    w.ok(
        alice,
        &["note", "add", &bens, "--text", "after the revocation"],
    );
    w.ok(alice, &["sync"]);
    let tip = bare_head(&o);

    // On the pre-revocation parent, dated years before: Mallory made a reader.
    let ben_key = w.plain_signing_key(ben);
    let access = old.join(format!("cases/{bens}/access.yaml"));
    let text = std::fs::read_to_string(&access).unwrap();
    std::fs::write(
        &access,
        text.replace("readers:\n", &format!("readers:\n- {mallory_fp}\n")),
    )
    .unwrap();
    crate::support::name_predecessor(w, &old, &access);
    ssh_sign_with_key(&ben_key, &access);
    w.git_text_in(&old, &["add", "-A"]);
    let message = format!(
        "grant {bens}\n\n{}",
        trailers("grant", Some(&bens), &o.ben_fp)
    );
    let backdated = commit_tree(
        w,
        &old,
        &ben_key,
        &["HEAD"],
        &message,
        Some("2020-01-01T00:00:00Z"),
    );
    force_remote(&o, &old, &backdated);
    let err = refused(&o, &backdated);
    assert!(
        err.contains("holds as revoked") && err.contains("date is not evidence"),
        "{err}"
    );

    // Mallory, still valid, merges it into the current history and pushes.
    let evil = attacker_clone(&o, "mallory-git");
    w.git_text_in(&evil, &["fetch", "-q", "origin", &tip]);
    w.git_text_in(&evil, &["reset", "-q", "--hard", &tip]);
    w.git_text_in(&evil, &["fetch", "-q", old.to_str().unwrap(), &backdated]);
    w.git_text_in(
        &evil,
        &["checkout", "-q", &backdated, "--", &format!("cases/{bens}")],
    );
    let message = format!("merge vault\n\n{}", trailers("merge", None, &mallory_fp));
    let merge = commit_tree(w, &evil, &mallory_key, &[&tip, &backdated], &message, None);
    force_remote(&o, &evil, &merge);
    // Alice's vault knows the revocation: the backdated commit itself is refused.
    let err = refused(&o, &backdated);
    assert!(err.contains("holds as revoked"), "{err}");
    // A fresh clone learns of the revocation from history: the merge that
    // joins Ben's backdated work to it is refused.
    let err = fresh_clone_refused(&o);
    assert!(
        err.contains(&merge) && err.contains(&backdated) && err.contains("is revoked"),
        "{err}"
    );
    opens_nothing(w, &mallory, "accomplice", &w.vault(), &bens);
}

/// A plain clone where `who` (with plain key `key`) commits the index as
/// built by `stage`, with dossier's trailers, and force-pushes it.
fn push_tree(o: &Office, name: &str, key: &Path, actor: &str, stage: impl FnOnce(&Path)) -> String {
    let dir = attacker_clone(o, name);
    stage(&dir);
    let message = format!(
        "note {}\n\n{}",
        o.case,
        trailers("note", Some(&o.case), actor)
    );
    let commit = commit_tree(&o.w, &dir, key, &["HEAD"], &message, None);
    force_remote(o, &dir, &commit);
    commit
}

#[test]
fn symlinks_gitlinks_and_non_utf8_names_are_refused_before_checkout() {
    let o = office();
    let (w, alice) = (&o.w, &o.alice);
    let other = w.new_case(alice, &[]);
    w.ok(alice, &["sync"]);
    let good = bare_head(&o);
    let ben_key = w.plain_signing_key(&o.ben);
    let record = format!("cases/{}/case.yaml.age", o.case);

    // Ben's record of his case made a link to the record of a case he cannot read.
    let link = push_tree(&o, "evil-link", &ben_key, &o.ben_fp, |dir| {
        let target = format!("../{other}/case.yaml.age");
        let blob = hash_object(w, dir, target.as_bytes());
        w.git_text_in(
            dir,
            &[
                "update-index",
                "--cacheinfo",
                &format!("120000,{blob},{record}"),
            ],
        );
    });
    let err = refused(&o, &link);
    assert!(
        err.contains(&format!("puts a symbolic link at {record}")),
        "{err}"
    );
    let err = fresh_clone_refused(&o);
    assert!(err.contains("symbolic link"), "{err}");
    force_remote(&o, &w.vault(), &good);

    // A gitlink (a submodule entry) as a note.
    let gitlink = push_tree(&o, "evil-gitlink", &ben_key, &o.ben_fp, |dir| {
        let note = format!("cases/{}/notes/20260101T000000Z-aaaaaaaa.md.age", o.case);
        w.git_text_in(
            dir,
            &[
                "update-index",
                "--add",
                "--cacheinfo",
                &format!("160000,{good},{note}"),
            ],
        );
    });
    let err = refused(&o, &gitlink);
    assert!(err.contains("gitlink"), "{err}");
    force_remote(&o, &w.vault(), &good);

    // A name that is not UTF-8.
    let bad_name = push_tree(&o, "evil-name", &ben_key, &o.ben_fp, |dir| {
        use std::os::unix::ffi::OsStrExt;
        let blob = hash_object(w, dir, b"x");
        let mut name = format!("100644,{blob},cases/{}/notes/", o.case).into_bytes();
        name.extend_from_slice(b"\xff\xfe.md.age");
        let out = std::process::Command::new("git")
            .current_dir(dir)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .args(["update-index", "--add", "--cacheinfo"])
            .arg(std::ffi::OsStr::from_bytes(&name))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    });
    let err = refused(&o, &bad_name);
    assert!(err.contains("not UTF-8"), "{err}");
    w.ok(alice, &["verify"]);
}

fn hash_object(w: &World, dir: &Path, bytes: &[u8]) -> String {
    let file = dir.join(".git/blob-to-hash");
    std::fs::write(&file, bytes).unwrap();
    w.git_text_in(dir, &["hash-object", "-w", file.to_str().unwrap()])
        .trim()
        .to_string()
}

#[test]
fn links_planted_in_a_working_tree_are_never_followed() {
    let w = World::new();
    let (alice, ben, _ben_fp, case) = w.shared_case();
    let other = w.new_case(&alice, &[]);
    let outside = w.path("outside");
    std::fs::create_dir_all(&outside).unwrap();

    // A case's notes directory made a link to a directory outside the vault.
    let notes = w.vault().join(format!("cases/{case}/notes"));
    let _ = std::fs::remove_dir_all(&notes);
    std::os::unix::fs::symlink(&outside, &notes).unwrap();
    let before = w.head();
    let err = w.fails(&alice, &["note", "add", &case, "--text", "x"], 1);
    assert!(err.contains("symbolic link"), "{err}");
    assert_eq!(w.head(), before, "nothing committed");
    assert_eq!(
        std::fs::read_dir(&outside).unwrap().count(),
        0,
        "nothing written outside"
    );
    std::fs::remove_file(&notes).unwrap();

    // A case's record made a link to another case's record: not read.
    let record = w.vault().join(format!("cases/{case}/case.yaml.age"));
    std::fs::remove_file(&record).unwrap();
    std::os::unix::fs::symlink(format!("../{other}/case.yaml.age"), &record).unwrap();
    let err = w.fails(&alice, &["case", "set", &case, "status=pending"], 1);
    assert!(err.contains("symbolic link"), "{err}");
    assert_eq!(w.head(), before);
    let err = w.fails(&ben, &["case", "show", &case], 1);
    assert!(err.contains("symbolic link"), "{err}");
}

#[test]
fn an_older_version_put_back_by_an_entitled_signer_is_refused_as_a_replay() {
    let w = World::new();
    let (alice, ben, ben_fp, case) = w.shared_case();
    let access = format!("cases/{case}/access.yaml");
    let sig = format!("{access}.sig");
    let with_ben = w.head();
    w.ok(&alice, &["revoke-access", "--yes", &case, &ben_fp]);
    let verified = w.head();

    // Alice owns the case, so she may change its list; but putting back
    // her own older signed version, with stock git, is a replay.
    w.git_text(&["checkout", "-q", &with_ben, "--", &access, &sig]);
    w.insider_commit(&alice, "grant", Some(&case));
    let replay = w.head();
    let err = w.fails(&alice, &["note", "add", &case, "--text", "x"], 1);
    assert_history_refused(&err, &replay);
    assert!(
        err.contains(&format!("brings a {access} that names"))
            && err.contains("older signed version put back"),
        "{err}"
    );

    // The same for the root's own older vault.yaml (view logging off again).
    w.git_text(&["reset", "-q", "--hard", &verified]);
    w.ok(&alice, &["settings", "log_views=true"]);
    let logging = w.head();
    w.git_text(&[
        "checkout",
        "-q",
        &verified,
        "--",
        ".dossier/vault.yaml",
        ".dossier/vault.yaml.sig",
    ]);
    w.insider_commit(&alice, "settings", None);
    let replay = w.head();
    let err = w.fails(&alice, &["case", "show", &case], 1);
    assert_history_refused(&err, &replay);
    assert!(err.contains("older signed version put back"), "{err}");

    w.git_text(&["reset", "-q", "--hard", &logging]);
    w.ok(
        &alice,
        &["note", "add", &case, "--text", "after the removal"],
    );
    opens_nothing(&w, &ben, "replayed", &w.vault(), &case);
}

#[test]
fn a_colleague_cannot_take_anothers_card_or_certification_out_of_the_keyring() {
    let o = office();
    let w = &o.w;
    let (_mallory, mallory_fp, key) = colleague(&o, "Mallory");
    let evil = attacker_clone(&o, "mallory-git");
    let good = bare_head(&o);
    let cards = w.git_text_in(&evil, &["ls-files", ".dossier/keyring/*.yaml"]);
    let ben_card = cards
        .lines()
        .find(|f| {
            std::fs::read_to_string(evil.join(f))
                .unwrap()
                .contains("name: Ben")
        })
        .expect("Ben's card")
        .to_string();
    for (remove, reason) in [
        (format!("{ben_card}.sig"), "removes the certification of"),
        (ben_card.clone(), "removes the key card of"),
    ] {
        w.git_text_in(&evil, &["reset", "-q", "--hard", "origin/main"]);
        w.git_text_in(&evil, &["rm", "-q", &remove]);
        let commit = push_stock_commit(
            &o,
            &evil,
            Some(&key),
            "certify",
            &trailers("certify", None, &mallory_fp),
        );
        let err = refused(&o, &commit);
        assert!(
            err.contains(reason) && err.contains("administrator"),
            "{err}"
        );
        force_remote(&o, &evil, &good);
    }
    // Ben still reads the case.
    w.ok(&o.alice, &["note", "add", &o.case, "--text", "for Ben"]);
    w.ok(&o.alice, &["sync"]);
    w.ok_in(&o.ben, &o.ben_vault, &["sync"]);
    w.ok_in(&o.ben, &o.ben_vault, &["case", "show", &o.case]);
}

#[test]
fn a_first_open_of_a_long_history_says_it_is_verifying_on_a_terminal() {
    crate::support::require("script");
    let w = World::new();
    let (alice, _ben, _ben_fp, case) = w.shared_case();
    // More commits than the progress threshold.
    for i in 0..dossier::trust::verified::PROGRESS_THRESHOLD {
        w.ok(
            &alice,
            &["note", "add", &case, "--text", &format!("note {i}")],
        );
    }
    w.git_text(&["update-ref", "-d", "refs/dossier/verified"]);
    let total = w.commit_count();
    let dossier = assert_cmd::cargo::cargo_bin("dossier");
    let mut cmd = std::process::Command::new("script");
    cmd.args([
        "-qec",
        &format!("{} key list", dossier.display()),
        "/dev/null",
    ]);
    for (k, v) in w.cmd(&alice).get_envs() {
        if let Some(v) = v {
            cmd.env(k, v);
        }
    }
    let out = cmd
        .stdin(std::process::Stdio::null())
        .output()
        .expect("script");
    let shown = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{shown}");
    assert!(
        shown.contains(&format!(
            "dossier: verifying history: {total}/{total} commits"
        )),
        "{shown}"
    );
    // Verified once: the next command says nothing about it.
    let again = w.cmd(&alice).args(["key", "list"]).output().unwrap();
    assert!(!String::from_utf8_lossy(&again.stderr).contains("verifying"));
    assert_eq!(
        w.git_text(&["rev-parse", "refs/dossier/verified"]).trim(),
        w.head()
    );
}

#[test]
fn a_key_cannot_roll_its_own_rotation_back() {
    let o = office();
    let (w, ben) = (&o.w, &o.ben);
    let binding = |dir: &Path| {
        w.git_text_in(dir, &["ls-files", ".dossier/keyring"])
            .lines()
            .filter(|f| f.contains(".binding.yaml"))
            .map(str::to_string)
            .collect::<Vec<_>>()
    };
    // Ben rotates twice; his first rotated key is the one he wants back.
    w.ok_in(ben, &o.ben_vault, &["key", "rotate"]);
    w.ok_in(ben, &o.ben_vault, &["sync"]);
    let first = w
        .git_text_in(&o.ben_vault, &["rev-parse", "HEAD"])
        .trim()
        .to_string();
    let first_key = w.age_secret(ben, "first-rotation");
    w.ok_in(ben, &o.ben_vault, &["key", "rotate"]);
    w.ok_in(ben, &o.ben_vault, &["sync"]);
    w.ok(&o.alice, &["sync"]);

    // With stock git, signed by his own key: the older binding put back.
    let evil = attacker_clone(&o, "ben-git");
    let files = binding(&evil);
    assert_eq!(files.len(), 2, "a binding and its signature");
    let refs: Vec<&str> = files.iter().map(String::as_str).collect();
    w.git_text_in(
        &evil,
        &[&["checkout", "-q", &first, "--"][..], &refs[..]].concat(),
    );
    let commit = push_stock_commit(
        &o,
        &evil,
        Some(&w.plain_signing_key(ben)),
        "rotate",
        &trailers("rotate", None, &o.ben_fp),
    );
    let err = refused(&o, &commit);
    // Within one second the two bindings' dates tie; then the binding's
    // named predecessor is what tells the replay apart.
    assert!(
        err.contains("a key rotation only moves forward")
            || err.contains("an older signed version put back"),
        "{err}"
    );
    // Alice keeps encrypting to Ben's current key, never the one he rolled back to.
    w.ok(
        &o.alice,
        &["note", "add", &o.case, "--text", "after both rotations"],
    );
    let note = w
        .git_text(&["ls-files", &format!("cases/{}/notes", o.case)])
        .lines()
        .last()
        .expect("a note")
        .to_string();
    assert!(
        !w.age_opens(&first_key, &note),
        "the key Ben rolled back to opens nothing written since"
    );
    let all_keys = w.age_secret(ben, "all-keys");
    assert!(
        w.age_opens(&all_keys, &note),
        "Ben reads it with his current key"
    );
}

#[test]
fn history_brought_in_by_stock_git_merge_or_git_am_is_verified_before_anything_is_trusted() {
    let o = office();
    let w = &o.w;
    let mallory = w.unprotected_person("Mallory");
    let mallory_fp = w.join(&mallory, &o.alice);
    let access = format!("cases/{}/access.yaml", o.case);
    let add_reader = |dir: &Path| {
        let path = dir.join(&access);
        let text = std::fs::read_to_string(&path).unwrap();
        let edited = if text.contains("readers:\n") {
            text.replace("readers:\n", &format!("readers:\n- {mallory_fp}\n"))
        } else {
            format!("{}\nreaders:\n- {mallory_fp}\n", text.trim_end())
        };
        std::fs::write(&path, edited).unwrap();
    };
    let start = w.head();

    // git merge: a side branch whose commit adds Mallory with plain git.
    w.git_text(&["checkout", "-q", "-b", "side"]);
    add_reader(&w.vault());
    w.plain_commit(&["-a", "-m", "add a reader"]);
    let evil = w.head();
    w.git_text(&["checkout", "-q", "main"]);
    let out = w.git(&[
        "-c",
        "user.name=x",
        "-c",
        "user.email=x@x",
        "merge",
        "-q",
        "--no-gpg-sign",
        "--no-ff",
        "--no-edit",
        "side",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let before = w.snapshot();
    let err = w.fails(
        &o.alice,
        &["note", "add", &o.case, "--text", "for Mallory?"],
        1,
    );
    assert_history_refused(&err, &evil);
    assert!(err.contains("plain git"), "{err}");
    assert_eq!(w.snapshot(), before, "nothing written");
    w.git_text(&["reset", "-q", "--hard", &start]);
    w.git_text(&["branch", "-q", "-D", "side"]);

    // git am: the same change mailed as a patch from a colleague's clone.
    add_reader(&o.ben_vault);
    w.git_text_in(
        &o.ben_vault,
        &[
            "-c",
            "user.name=x",
            "-c",
            "user.email=x@x",
            "commit",
            "-q",
            "--no-gpg-sign",
            "-a",
            "-m",
            "add a reader",
        ],
    );
    let patch = w.path("reader.patch");
    let mailed = w.git_text_in(&o.ben_vault, &["format-patch", "-1", "--stdout"]);
    std::fs::write(&patch, mailed).unwrap();
    let out = w.git(&[
        "-c",
        "user.name=x",
        "-c",
        "user.email=x@x",
        "am",
        "-q",
        "--no-gpg-sign",
        patch.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let applied = w.head();
    let before = w.snapshot();
    let err = w.fails(
        &o.alice,
        &["note", "add", &o.case, "--text", "for Mallory?"],
        1,
    );
    assert_history_refused(&err, &applied);
    assert!(err.contains("plain git"), "{err}");
    assert_eq!(w.snapshot(), before, "nothing written");

    // Nothing was ever encrypted to Mallory.
    let key = w.age_secret(&mallory, "hers");
    assert!(!w.age_opens(&key, &format!("cases/{}/case.yaml.age", o.case)));
}
