//! A damaged file cannot hold access hostage (issue 10, point 6; DESIGN §4).
//!
//! Ben, a reader, plants a note nobody can decrypt: junk bytes, or an age
//! file encrypted to someone outside the firm. He commits it with stock git,
//! signed with his own key and carrying dossier's trailers, so the commit is
//! as valid as any note he writes. Removing his access must still work, must
//! re-encrypt everything else, and must name the file he planted.

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
    require("age-keygen");
    let key = w.path("outsider.agekey");
    let out = Command::new("age-keygen")
        .arg("-o")
        .arg(&key)
        .output()
        .expect("age-keygen");
    assert!(out.status.success());
    let public = Command::new("age-keygen")
        .arg("-y")
        .arg(&key)
        .output()
        .expect("age-keygen -y");
    let public = String::from_utf8(public.stdout).expect("utf8");
    age_encrypt(w, "for the outsider only\n", &[public.trim()])
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
    let fp: dossier::fingerprint::Fingerprint = actor.parse().expect("fingerprint");
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

    let out = ok_all(&w, &alice, &["revoke-access", &case, &ben_fp]);
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

    let out = ok_all(&w, &alice, &["key", "revoke", &ben_fp]);
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
