//! The conflict-of-interest check without disclosure, driven through the
//! real binary: a colleague finds a case they cannot read by any spelling
//! of a name and learns only its id, owners, role and extent; a revoked
//! person's copy of the secret matches nothing written after; a
//! non-administrator who swaps the secret with stock git is refused.

use dossier::case::blind::{BlindIndex, FirmSecret, Name};
use dossier::case::CaseId;

use crate::support::{assert_history_refused, Person, World};

const TITLE: &str = "MARKER-TITLE Asylum appeal";
const NOTE: &str = "MARKER-NOTE detention in 2023";

/// Alice's vault, Ben certified staff, and a case of Alice's that Ben
/// cannot read: client Miriam Tesfaye, an opposing party and a witness.
fn setup() -> (World, Person, Person, String) {
    let w = World::new();
    let alice = w.person("Alice");
    w.init_vault(&alice);
    let ben = w.person("Ben");
    w.join(&ben, &alice);
    let id = w
        .ok(
            &alice,
            &[
                "case",
                "new",
                "--title",
                TITLE,
                "--client",
                "Miriam Tesfaye",
            ],
        )
        .trim()
        .to_string();
    for (name, role) in [
        ("Abel Ghebreyesus", "respondent"),
        ("Dr. Léa Haddad", "witness"),
    ] {
        w.ok(
            &alice,
            &[
                "case",
                "add",
                &id,
                "parties",
                &format!("name={name}"),
                &format!("role={role}"),
            ],
        );
    }
    w.ok(&alice, &["note", "add", &id, "--text", NOTE]);
    (w, alice, ben, id)
}

fn assert_no_content(out: &str) {
    for marker in [
        "MARKER",
        "Miriam Tesfaye",
        "Ghebreyesus",
        "Haddad",
        "Asylum",
    ] {
        assert!(!out.contains(marker), "{marker:?} leaked: {out}");
    }
}

#[test]
fn a_colleague_finds_a_case_they_cannot_read_by_any_spelling_and_learns_only_who_to_ask() {
    let (w, alice, ben, id) = setup();
    let err = w.fails(&ben, &["case", "show", &id], 1);
    assert!(err.contains("not a recipient"), "Ben cannot read it: {err}");

    let out = w.ok(&ben, &["conflicts", "TESFAYÉ,  miriam"]);
    assert!(out.contains(&id), "{out}");
    assert!(out.contains("as client, full name"), "{out}");
    assert!(
        out.contains(&w.fingerprint(&alice)),
        "the owner is named: {out}"
    );
    assert!(out.contains("Alice"), "{out}");
    assert_no_content(&out);

    let out = w.ok(&ben, &["conflicts", "tesfaye"]);
    assert!(out.contains("as client, name part"), "{out}");
    let out = w.ok(&ben, &["conflicts", "abel ghebreyesus"]);
    assert!(out.contains("as opposing-party, full name"), "{out}");
    let out = w.ok(&ben, &["conflicts", "lea haddad"]);
    assert!(out.contains("as witness, full name"), "{out}");

    let out = w.ok(&ben, &["conflicts", "Grace Achieng"]);
    assert!(!out.contains(&id), "{out}");
    assert!(
        out.contains("No match for Grace Achieng in 1 case(s)."),
        "{out}"
    );

    let json: serde_json::Value = serde_json::from_str(&w.ok(
        &ben,
        &["conflicts", "Miriam TESFAYE", "nobody known", "--json"],
    ))
    .expect("json");
    assert_eq!(json["checked"], 1);
    assert_eq!(json["hits"][0]["case"], id.as_str());
    assert_eq!(json["hits"][0]["matches"][0]["role"], "client");
    assert_eq!(json["hits"][0]["matches"][0]["extent"], "full");
    assert_no_content(&json.to_string().replace("Miriam TESFAYE", ""));

    // What is on disk says no name, and is different in every case.
    let index = std::fs::read_to_string(w.vault().join(format!("cases/{id}/blind.idx")))
        .expect("blind.idx");
    assert!(!index.to_lowercase().contains("tesfaye"), "{index}");
    assert!(!index.to_lowercase().contains("miriam"), "{index}");
}

#[test]
fn a_check_is_recorded_on_the_new_case_and_renaming_re_indexes() {
    let (w, alice, ben, id) = setup();
    let intake = w
        .ok(
            &ben,
            &[
                "case",
                "new",
                "--title",
                "Fresh claim",
                "--client",
                "Abel Ghebreyesus",
            ],
        )
        .trim()
        .to_string();
    w.ok(
        &ben,
        &["conflicts", "Abel Ghebreyesus", "--record", &intake],
    );
    let shown: serde_json::Value =
        serde_json::from_str(&w.ok(&ben, &["case", "show", &intake, "--json"])).expect("json");
    let check = &shown["record"]["conflict_checks"][0];
    assert_eq!(check["names"][0], "Abel Ghebreyesus");
    let result = check["result"].as_str().unwrap_or_default();
    assert!(
        result.contains(&id) && result.contains("opposing-party, full name"),
        "{result}"
    );
    assert!(check["checked_by"]
        .as_str()
        .is_some_and(|b| b.contains(&w.fingerprint(&ben))));
    let err = w.fails(&ben, &["case", "set", &intake, "conflict_checks=[]"], 1);
    assert!(
        err.contains("conflict checks are recorded only by"),
        "{err}"
    );

    // A renamed client is found under the new name only, in the same commit.
    w.ok(&alice, &["case", "set", &id, "client.name=Miriam Bekele"]);
    let out = w.ok(&ben, &["conflicts", "Miriam Bekele"]);
    assert!(
        out.contains(&id) && out.contains("client, full name"),
        "{out}"
    );
    let out = w.ok(&ben, &["conflicts", "Miriam Tesfaye"]);
    assert!(
        out.contains("client, name part"),
        "the first name still matches: {out}"
    );
    assert!(
        !out.contains("client, full name"),
        "the old name is gone: {out}"
    );
}

/// The secret sealed in `sealed`, opened with `who`'s keys.
fn open_secret(w: &World, who: &Person, sealed: &[u8]) -> FirmSecret {
    let session = w.session(who);
    let plain = dossier::crypto::decrypt(
        sealed,
        session.decryption_keys().expect("keys"),
        std::path::Path::new("conflicts.age"),
    )
    .expect("the secret was sealed to them");
    FirmSecret::from_bytes(&plain).expect("32 bytes")
}

#[test]
fn a_revoked_person_s_copy_of_the_secret_matches_nothing_written_after_the_revocation() {
    let (w, alice, ben, id) = setup();
    let sealed_before = std::fs::read(w.vault().join(".dossier/conflicts.age")).expect("secret");
    let bens_copy = open_secret(&w, &ben, &sealed_before);
    let miriam = Name::new("Miriam Tesfaye").expect("name");
    let case: CaseId = id.parse().expect("id");
    let index_before = BlindIndex::parse(
        &std::fs::read(w.vault().join(format!("cases/{id}/blind.idx"))).expect("index"),
    )
    .expect("index");
    assert!(
        !index_before.find(&case, &bens_copy, &miriam).is_empty(),
        "before the revocation Ben's copy works (so this test can fail)"
    );

    let said = w.ok(&alice, &["key", "revoke", "--yes", &w.fingerprint(&ben)]);
    assert!(
        said.contains("the conflict secret was rotated and every case re-indexed"),
        "{said}"
    );
    let grace = w
        .ok(
            &alice,
            &[
                "case",
                "new",
                "--title",
                "Employment",
                "--client",
                "Grace Achieng",
            ],
        )
        .trim()
        .to_string();
    let grace_case: CaseId = grace.parse().expect("id");

    let sealed_after = std::fs::read(w.vault().join(".dossier/conflicts.age")).expect("secret");
    assert_ne!(sealed_before, sealed_after);
    let session = w.session(&ben);
    assert!(
        dossier::crypto::decrypt(
            &sealed_after,
            session.decryption_keys().expect("keys"),
            std::path::Path::new("conflicts.age"),
        )
        .is_err(),
        "the new secret is not sealed to the revoked key"
    );
    assert_eq!(dossier::crypto::x25519_stanza_count(&sealed_after), Some(1));
    for (case, name, file) in [
        (&case, &miriam, format!("cases/{id}/blind.idx")),
        (
            &grace_case,
            &Name::new("Grace Achieng").expect("name"),
            format!("cases/{grace}/blind.idx"),
        ),
    ] {
        let index = BlindIndex::parse(&std::fs::read(w.vault().join(&file)).expect("index"))
            .expect("index");
        assert!(
            index.find(case, &bens_copy, name).is_empty(),
            "Ben's old secret matches {file} written after his revocation"
        );
        assert_ne!(index.secret_id, bens_copy.id());
    }
    // Alice's check works under the new secret.
    let out = w.ok(&alice, &["conflicts", "grace achieng"]);
    assert!(out.contains(&grace), "{out}");
}

#[test]
fn cases_the_revoker_cannot_read_stay_unchecked_until_their_owner_re_indexes() {
    let (w, alice, ben, _) = setup();
    let carol = w.person("Carol");
    w.join(&carol, &alice);
    let carols = w
        .ok(
            &carol,
            &[
                "case",
                "new",
                "--title",
                "Private",
                "--client",
                "Omar Haddad",
            ],
        )
        .trim()
        .to_string();
    let said = w.ok(&alice, &["key", "revoke", "--yes", &w.fingerprint(&ben)]);
    assert!(
        said.contains(&carols),
        "the case left for its owner is named: {said}"
    );
    let out = w.ok(&alice, &["conflicts", "Omar Haddad"]);
    assert!(out.contains("1 case(s) could not be checked"), "{out}");
    assert!(out.contains(&carols) && out.contains("--reindex"), "{out}");
    let said = w.ok(&carol, &["conflicts", "--reindex"]);
    assert!(said.contains("Indexed 1 case(s)"), "{said}");
    let out = w.ok(&alice, &["conflicts", "Omar Haddad"]);
    assert!(
        out.contains(&carols) && out.contains("client, full name"),
        "{out}"
    );
    assert!(!out.contains("could not be checked"), "{out}");
    let err = w.fails(&carol, &["conflicts", "--reseal"], 1);
    assert!(err.contains("administrators"), "{err}");
}

#[test]
fn a_non_administrator_who_swaps_the_secret_with_stock_git_is_refused() {
    let (w, alice, _, id) = setup();
    let mallory = w.unprotected_person("Mallory");
    w.join(&mallory, &alice);
    // Mallory writes a secret of her own choosing (sealed to her alone,
    // with stock age) and commits it with stock git, signed with her key.
    let (_, public) = crate::support::age_keypair(&w, "mallory.agekey");
    let secret = w.path("chosen-secret");
    std::fs::write(&secret, [7u8; 32]).expect("write");
    let out = std::process::Command::new("age")
        .args(["-r", &public, "-o"])
        .arg(w.vault().join(".dossier/conflicts.age"))
        .arg(&secret)
        .output()
        .expect("age");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    w.insider_commit(&mallory, "conflicts-reseal", None);
    let forged = w.head();

    let before = w.snapshot();
    let err = w.fails(&alice, &["conflicts", "Miriam Tesfaye"], 1);
    assert_history_refused(&err, &forged);
    assert!(
        err.contains("changes the firm's conflict secret, but its signer")
            && err.contains("is not an administrator"),
        "{err}"
    );
    assert_eq!(w.snapshot(), before);
    let _ = id;
}

#[test]
fn a_sync_that_merges_changes_to_the_names_keeps_both_sides_findable() {
    let w = World::new();
    let (alice, ben, _, case) = w.shared_case();
    let carol = w.person("Carol");
    w.join(&carol, &alice);
    w.git_text_in(w.tmp.path(), &["init", "-q", "--bare", "remote.git"]);
    let bare = w.path("remote.git");
    let bare = bare.to_str().expect("utf8");
    w.ok(&alice, &["remote", "add", "origin", bare]);
    w.ok(&alice, &["sync"]);
    let ben_vault = w.path("ben-vault");
    let ben_dir = ben_vault.to_str().expect("utf8");
    w.ok_in(&ben, &ben_vault, &["clone", bare, ben_dir]);
    // Both change the names of the same case, differently.
    w.ok(
        &alice,
        &[
            "case",
            "add",
            &case,
            "parties",
            "name=Yonas Haile",
            "role=respondent",
        ],
    );
    w.ok(&alice, &["sync"]);
    w.ok_in(
        &ben,
        &ben_vault,
        &[
            "case",
            "add",
            &case,
            "parties",
            "name=Selam Tekle",
            "role=witness",
        ],
    );
    w.ok_in(&ben, &ben_vault, &["sync"]);
    w.ok(&alice, &["sync"]);
    // Carol reads nothing of the case, and finds both names in it.
    for (name, role) in [
        ("Yonas Haile", "opposing-party"),
        ("Selam Tekle", "witness"),
    ] {
        let out = w.ok(&carol, &["conflicts", name]);
        assert!(
            out.contains(&case) && out.contains(&format!("{role}, full name")),
            "{name}: {out}"
        );
    }
    w.ok(&alice, &["verify"]);
}

#[test]
fn a_colleague_s_rotated_key_is_reported_by_verify_until_an_administrator_reseals() {
    let (w, alice, ben, id) = setup();
    w.ok(&ben, &["key", "rotate"]);
    let said = w.ok_or_fail_stdout(&ben, &["verify"]);
    let all = format!("{said}{}", w.fails(&ben, &["verify"], 1));
    assert!(
        all.contains("is not sealed to your current key (rotated since)")
            && all.contains("dossier conflicts --reseal"),
        "{all}"
    );
    // Ben's old key still opens the secret in the meantime.
    let out = w.ok(&ben, &["conflicts", "Miriam Tesfaye"]);
    assert!(out.contains(&id), "{out}");
    let err = w.fails(&ben, &["conflicts", "--reseal"], 1);
    assert!(err.contains("administrators"), "{err}");
    let said = w.ok(&alice, &["conflicts", "--reseal"]);
    assert!(
        said.contains("Sealed the conflict secret to the 2 active member(s) of staff"),
        "{said}"
    );
    w.ok(&ben, &["verify"]);
}

#[test]
fn a_colleague_who_cannot_read_a_case_cannot_rewrite_its_index_with_stock_git() {
    let (w, alice, _, id) = setup();
    let mallory = w.unprotected_person("Mallory");
    w.join(&mallory, &alice);
    // Mallory, who cannot read the case, empties its index to hide the
    // client from every check, committing with stock git under her key.
    let index = w.vault().join(format!("cases/{id}/blind.idx"));
    let text = std::fs::read_to_string(&index).unwrap();
    let header: String = text.lines().take(2).map(|l| format!("{l}\n")).collect();
    std::fs::write(&index, header).unwrap();
    w.insider_commit(&mallory, "edit", Some(&id));
    let forged = w.head();
    let before = w.snapshot();
    let err = w.fails(&alice, &["conflicts", "Miriam Tesfaye"], 1);
    assert_history_refused(&err, &forged);
    assert!(err.contains("could not read that case"), "{err}");
    assert_eq!(w.snapshot(), before);
}
