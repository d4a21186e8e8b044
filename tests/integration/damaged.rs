//! A damaged file cannot hold access hostage (issue 10, point 6; DESIGN §4).
//!
//! Ben, a reader, plants a note nobody can decrypt: junk bytes, or an age
//! file encrypted to someone outside the firm. He commits it with stock git,
//! signed with his own key and carrying dossier's trailers, so the commit is
//! as valid as any note he writes. Removing his access must still work, must
//! re-encrypt everything else, and must name the file he planted; `verify`
//! names it and `case repair` removes it.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::{require, Person, World};

fn record(id: &str) -> String {
    format!("cases/{id}/case.yaml.age")
}

/// Bytes that are no age file at all.
fn junk() -> Vec<u8> {
    (0..600u32)
        .map(|i| (i.wrapping_mul(7919) % 251) as u8)
        .collect()
}

/// A real age file, encrypted only to a key outside the vault.
fn age_to_outsider(w: &World) -> Vec<u8> {
    let public = recipient_of(w, &outsider_key(w));
    age_encrypt(w, "for the outsider only\n", &[&public])
}

/// A fresh age key of someone outside the vault (stock `age-keygen`).
fn outsider_key(w: &World) -> std::path::PathBuf {
    crate::support::age_keypair(w, "outsider.agekey").0
}

/// Stock `age` encrypting `text` to `recipients` (binary output).
fn age_encrypt(w: &World, text: &str, recipients: &[&str]) -> Vec<u8> {
    require("age");
    let plain = w.path("plain.txt");
    std::fs::write(&plain, text).expect("write");
    let mut cmd = Command::new("age");
    for r in recipients {
        cmd.args(["-r", r]);
    }
    let out = cmd.arg(&plain).output().expect("age");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// Commits the staged files with stock git, signed with `key`, with
/// dossier's trailers: the shape of a commit dossier itself makes.
fn signed_git_commit(w: &World, key: &Path, actor: &str, action: &str, case: &str) {
    let fp: dossier::keys::fingerprint::Fingerprint = actor.parse().expect("fingerprint");
    let message = format!(
        "{action} {case}\n\nDossier-Action: {action}\nDossier-Case: {case}\nDossier-Actor: {actor}\n"
    );
    w.git_text(&[
        "-c",
        &format!("user.name={actor}"),
        "-c",
        &format!("user.email={}@dossier.invalid", fp.file_id()),
        "-c",
        "gpg.format=ssh",
        "-c",
        &format!("user.signingkey={}", key.display()),
        "commit",
        "-S",
        "-q",
        "-m",
        &message,
    ]);
}

/// Ben writes `bytes` as a new note of `case` and commits it as a note,
/// signed with his real key; returns the note's path in the vault.
fn plant_note(w: &World, ben: &Person, ben_fp: &str, case: &str, bytes: &[u8]) -> String {
    let rel = format!("cases/{case}/notes/20240101T000000Z-planted01.md.age");
    plant(w, ben, ben_fp, case, &rel, bytes, "note");
    rel
}

fn plant(w: &World, who: &Person, fp: &str, case: &str, rel: &str, bytes: &[u8], action: &str) {
    let path = w.vault().join(rel);
    std::fs::create_dir_all(path.parent().expect("a parent")).expect("mkdir");
    std::fs::write(&path, bytes).expect("write");
    w.git_text(&["add", rel]);
    let key = w.plain_signing_key(who);
    signed_git_commit(w, &key, fp, action, case);
}

/// Runs and expects success; returns stdout and stderr together.
fn ok_all(w: &World, who: &Person, args: &[&str]) -> String {
    let out = w.cmd(who).args(args).output().expect("run");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "dossier {args:?} failed:\n{text}");
    text
}

/// The path of the newest note of `case` in the working tree.
fn newest_note(w: &World, case: &str) -> String {
    let dir = w.vault().join(format!("cases/{case}/notes"));
    let mut names: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("notes dir")
        .map(|e| e.expect("entry").path())
        .collect();
    names.sort();
    let last = names.pop().expect("a note");
    let name = last.file_name().and_then(|n| n.to_str()).expect("name");
    format!("cases/{case}/notes/{name}")
}

/// Whether `output` names `rel` as left undecrypted and says how to repair.
fn names_damaged(output: &str, rel: &str, case: &str) -> bool {
    output
        .lines()
        .any(|l| l.contains(rel) && l.contains("could not be decrypted"))
        && output.contains(&format!("dossier case repair {case}"))
        && output.contains("still encrypted to whoever could read")
}

/// After Ben lost access: his exported key opens neither the current record
/// nor a note written now, while `reader` (still on the case) opens both.
fn locked_out(w: &World, alice: &Person, ben_key: &Path, case: &str, reader_key: &Path) {
    assert!(
        !w.age_opens(ben_key, &record(case)),
        "the revoked key still opens the record"
    );
    w.ok(
        alice,
        &["note", "add", case, "--text", "after the revocation"],
    );
    let note = newest_note(w, case);
    assert!(!w.age_opens(ben_key, &note), "the revoked key opens {note}");
    assert!(w.age_opens(reader_key, &record(case)));
    assert!(w.age_opens(reader_key, &note));
}

#[test]
fn revoke_access_goes_through_a_planted_undecryptable_note_and_names_it() {
    let w = World::new();
    let (alice, ben, ben_fp, case) = w.shared_case();
    let ben_key = w.age_secret(&ben, "before");
    let alice_key = w.age_secret(&alice, "now");
    let junk = junk();
    let planted = plant_note(&w, &ben, &ben_fp, &case, &junk);

    let out = ok_all(&w, &alice, &["revoke-access", "--yes", &case, &ben_fp]);
    assert!(names_damaged(&out, &planted, &case), "{out}");
    // The planted file stays exactly as it was; the access change happened.
    assert_eq!(std::fs::read(w.vault().join(&planted)).unwrap(), junk);
    let err = w.fails(&ben, &["case", "show", &case], 1);
    assert!(err.contains("not a recipient"), "{err}");
    locked_out(&w, &alice, &ben_key, &case, &alice_key);
}

#[test]
fn key_revoke_re_encrypts_a_case_holding_a_note_encrypted_to_an_outsider() {
    let w = World::new();
    let (alice, ben, ben_fp, case) = w.shared_case();
    let ben_key = w.age_secret(&ben, "before");
    let alice_key = w.age_secret(&alice, "now");
    let foreign = age_to_outsider(&w);
    let planted = plant_note(&w, &ben, &ben_fp, &case, &foreign);

    let out = ok_all(&w, &alice, &["key", "revoke", "--yes", &ben_fp]);
    assert!(names_damaged(&out, &planted, &case), "{out}");
    assert!(!out.contains("case(s) were not re-encrypted"), "{out}");
    assert_eq!(std::fs::read(w.vault().join(&planted)).unwrap(), foreign);
    locked_out(&w, &alice, &ben_key, &case, &alice_key);
}

#[test]
fn group_set_removing_a_member_re_encrypts_around_a_planted_note() {
    let w = World::new();
    let alice = w.person("Alice");
    let ben = w.person("Ben");
    let chidi = w.person("Chidi");
    w.init_vault(&alice);
    let ben_fp = w.join(&ben, &alice);
    let chidi_fp = w.join(&chidi, &alice);
    w.ok(&alice, &["group", "set", "team", &ben_fp, &chidi_fp]);
    let case = w.new_case(&alice, &["--grant", "@team"]);
    let ben_key = w.age_secret(&ben, "before");
    let chidi_key = w.age_secret(&chidi, "now");
    let planted = plant_note(&w, &ben, &ben_fp, &case, &junk());

    let out = ok_all(&w, &alice, &["group", "set", "team", &chidi_fp]);
    assert!(names_damaged(&out, &planted, &case), "{out}");
    locked_out(&w, &alice, &ben_key, &case, &chidi_key);
}

#[test]
fn verify_names_a_planted_note_and_case_repair_removes_it_in_one_signed_commit() {
    let w = World::new();
    let (alice, ben, ben_fp, case) = w.shared_case();
    w.ok(&alice, &["note", "add", &case, "--text", "a genuine note"]);
    let genuine = newest_note(&w, &case);
    let planted = plant_note(&w, &ben, &ben_fp, &case, &junk());

    // Opening the case names the note and what to do.
    let err = w.fails(&alice, &["case", "show", &case], 1);
    assert!(
        err.contains(&planted) && err.contains(&format!("dossier case repair {case}")),
        "{err}"
    );

    // verify names the file once, with what to do.
    let (out, _) = w.fails_in(&alice, &w.vault(), &["verify"], 1);
    let lines: Vec<&str> = out.lines().filter(|l| l.contains(&planted)).collect();
    assert_eq!(lines.len(), 1, "{out}");
    assert!(
        lines[0].contains(&format!("remove it with `dossier case repair {case}`")),
        "{out}"
    );

    // Without a terminal, a destructive repair needs --yes.
    let before = w.snapshot();
    let err = w.fails(&alice, &["case", "repair", &case], 1);
    assert!(err.contains("--yes"), "{err}");
    assert_eq!(w.snapshot(), before, "nothing changed without --yes");

    let commits = w.commit_count();
    let out = ok_all(&w, &alice, &["case", "repair", &case, "--yes"]);
    assert!(out.contains(&planted), "{out}");
    assert_eq!(w.commit_count(), commits + 1, "one commit");
    let message = w.git_text(&["log", "-1", "--format=%B"]);
    assert!(message.contains("Dossier-Action: repair"), "{message}");
    assert!(
        message.contains(&format!("Dossier-Case: {case}")),
        "{message}"
    );
    let raw = w.git_text(&["cat-file", "commit", "HEAD"]);
    assert!(
        raw.contains("gpgsig -----BEGIN SSH SIGNATURE-----"),
        "{raw}"
    );
    let changed = w.git_text(&["show", "--name-status", "--format=", "HEAD"]);
    assert_eq!(
        changed.trim(),
        format!("D\t{planted}"),
        "only the planted note"
    );

    assert!(!w.vault().join(&planted).exists());
    assert!(w.vault().join(&genuine).exists());
    ok_all(&w, &alice, &["verify"]);
    let shown = w.ok(&alice, &["case", "show", &case]);
    assert!(shown.contains("a genuine note"), "{shown}");
    // Nothing left to repair.
    let err = w.fails(&alice, &["case", "repair", &case, "--yes"], 1);
    assert!(err.contains("nothing to repair"), "{err}");
}

#[test]
fn case_repair_re_encrypts_a_readable_note_with_extra_recipients_rather_than_delete_it() {
    let w = World::new();
    let (alice, ben, ben_fp, case) = w.shared_case();
    let alice_key = w.age_secret(&alice, "now");
    let alice_age = recipient_of(&w, &alice_key);
    let ben_age = recipient_of(&w, &w.age_secret(&ben, "now"));
    let outsider = recipient_of(&w, &outsider_key(&w));
    let plain = format!(
        "---\nauthor: {ben_fp}\ncreated: 2024-01-01T00:00:00Z\n---\nshared with a friend\n"
    );
    let leaky = age_encrypt(&w, &plain, &[&alice_age, &ben_age, &outsider]);
    let planted = plant_note(&w, &ben, &ben_fp, &case, &leaky);

    let out = ok_all(&w, &alice, &["case", "repair", &case, "--yes"]);
    assert!(out.contains(&planted), "{out}");
    assert!(w.vault().join(&planted).exists(), "a readable note is kept");
    assert_ne!(std::fs::read(w.vault().join(&planted)).unwrap(), leaky);
    assert!(w.age_opens(&alice_key, &planted));
    ok_all(&w, &alice, &["verify"]);
}

/// The age recipient (public key) of an exported secret key file.
fn recipient_of(w: &World, key: &Path) -> String {
    require("age-keygen");
    let _ = w;
    crate::support::stdout_of(Command::new("age-keygen").arg("-y").arg(key))
        .lines()
        .next()
        .expect("a recipient")
        .to_string()
}

#[test]
fn a_reader_who_is_not_an_owner_cannot_repair_a_case() {
    let w = World::new();
    let (_alice, ben, ben_fp, case) = w.shared_case();
    plant_note(&w, &ben, &ben_fp, &case, &junk());
    let before = w.full_snapshot(&w.vault());
    let err = w.fails(&ben, &["case", "repair", &case, "--yes"], 1);
    assert!(err.contains("owners"), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "one sentence: {err}");
    assert_eq!(
        w.full_snapshot(&w.vault()),
        before,
        "the branch is unchanged"
    );
}

#[test]
fn an_undecryptable_record_is_kept_unless_the_repair_is_told_to_include_it() {
    let w = World::new();
    let (alice, ben, ben_fp, case) = w.shared_case();
    let ben_key = w.age_secret(&ben, "before");
    plant(&w, &ben, &ben_fp, &case, &record(&case), &junk(), "edit");
    let planted = plant_note(&w, &ben, &ben_fp, &case, &junk());

    // Access still comes off, and both files are named.
    let out = ok_all(&w, &alice, &["revoke-access", "--yes", &case, &ben_fp]);
    assert!(names_damaged(&out, &record(&case), &case), "{out}");
    assert!(names_damaged(&out, &planted, &case), "{out}");
    w.ok(
        &alice,
        &["note", "add", &case, "--text", "after the revocation"],
    );
    assert!(!w.age_opens(&ben_key, &newest_note(&w, &case)));

    let before = w.snapshot();
    let err = w.fails(&alice, &["case", "repair", &case, "--yes"], 1);
    assert!(err.contains("--include-record"), "{err}");
    assert_eq!(w.snapshot(), before, "nothing removed");

    let out = ok_all(
        &w,
        &alice,
        &["case", "repair", &case, "--include-record", "--yes"],
    );
    assert!(
        out.contains(&record(&case)) && out.contains(&planted),
        "{out}"
    );
    assert!(!w.vault().join(record(&case)).exists());
    assert!(!w.vault().join(&planted).exists());
}

#[test]
fn rekey_of_one_case_re_encrypts_what_it_can_and_names_the_rest() {
    let w = World::new();
    let (alice, ben, ben_fp, case) = w.shared_case();
    let planted = plant_note(&w, &ben, &ben_fp, &case, &junk());
    let out = ok_all(&w, &alice, &["rekey", &case]);
    assert!(names_damaged(&out, &planted, &case), "{out}");
    // With no ids, rekey has nothing it could fix, and says where to look.
    let err = w.fails(&alice, &["rekey"], 1);
    assert!(
        err.contains(&format!("dossier case repair {case}")),
        "{err}"
    );
}
