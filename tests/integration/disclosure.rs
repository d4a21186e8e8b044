//! `dossier disclose` and `dossier disclosures`: every basis's allowed path
//! and refusals, the export opened by stock `age` with the recipient's key
//! only, exactly the chosen items in it, and the record's entry matching
//! the cover sheet.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::{age_keypair, Person, World};

const TITLE: &str = "MARKER-TITLE appeal";
const CLIENT: &str = "MARKER-CLIENT Tesfaye";
const NATIONALITY: &str = "MARKER-NATIONALITY";
const AREA: &str = "MARKER-AREA";

/// Alice (root) with a case holding marker values, and an external
/// recipient's age key pair: (world, alice, case id, recipient, key file).
fn setup() -> (World, Person, String, String, PathBuf) {
    let w = World::new();
    let alice = w.person("Alice");
    w.init_vault(&alice);
    let id = w
        .ok(
            &alice,
            &["case", "new", "--title", TITLE, "--client", CLIENT],
        )
        .trim()
        .to_string();
    w.ok(
        &alice,
        &[
            "case",
            "set",
            &id,
            &format!("client.nationality={NATIONALITY}"),
            &format!("practice_area={AREA}"),
        ],
    );
    let (key, recipient) = age_keypair(&w, "tribunal.agekey");
    (w, alice, id, recipient, key)
}

fn age_decrypt(key: &Path, file: &Path) -> Option<String> {
    let out = Command::new("age")
        .args(["-d", "-i"])
        .arg(key)
        .arg(file)
        .output()
        .expect("age");
    out.status
        .success()
        .then(|| String::from_utf8(out.stdout).expect("utf8"))
}

fn sha256_hex(path: &Path) -> String {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(std::fs::read(path).expect("read"));
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

fn disclose_args<'a>(id: &'a str, to: &'a str, basis: &'a str, out: &'a Path) -> Vec<&'a str> {
    vec![
        "disclose",
        id,
        "--to",
        to,
        "--basis",
        basis,
        "--fields",
        "title,client.name",
        "--out",
        out.to_str().expect("utf8"),
    ]
}

#[test]
fn a_court_ordered_disclosure_leaves_only_what_was_chosen_for_the_recipient_alone() {
    let (w, alice, id, recipient, key) = setup();
    let out = w.path("to-tribunal.age");
    let mut args = disclose_args(&id, &recipient, "court_order", &out);
    args.extend(["--reference", "FtT/3100/2026", "--jurisdiction", "GB"]);
    let before = w.commit_count();
    let said = w.ok(&alice, &args);
    assert!(said.contains("Disclosed 2 item(s) of case"), "{said}");
    assert_eq!(w.commit_count(), before + 1, "one signed commit records it");

    // The recipient opens it with stock age; it holds the chosen items only.
    let plain = age_decrypt(&key, &out).expect("the recipient decrypts the export");
    assert!(plain.contains(TITLE) && plain.contains(CLIENT), "{plain}");
    for absent in [NATIONALITY, AREA] {
        assert!(!plain.contains(absent), "{absent} left the firm: {plain}");
    }
    let cover: serde_yaml::Value = serde_yaml::from_str(&plain).expect("export yaml");
    let cover = &cover["cover"];
    assert_eq!(cover["basis"].as_str(), Some("court_order"));
    assert_eq!(cover["reference"].as_str(), Some("FtT/3100/2026"));
    assert_eq!(cover["recipient"].as_str(), Some(recipient.as_str()));
    assert_eq!(
        cover["authorised_by"]["fingerprint"].as_str(),
        Some(w.fingerprint(&alice).as_str())
    );

    // Nobody in the firm can open it: not even the person who made it.
    let staff = w.age_secret(&alice, "staff");
    assert!(
        age_decrypt(&staff, &out).is_none(),
        "a staff key opened the export"
    );

    // The record's entry is the cover sheet, and names the export's digest.
    let shown: serde_json::Value =
        serde_json::from_str(&w.ok(&alice, &["case", "show", &id, "--json"])).expect("json");
    let entry = &shown["record"]["disclosures"][0];
    assert_eq!(entry["legal_basis"], "court_order");
    assert_eq!(entry["reference"], "FtT/3100/2026");
    assert_eq!(entry["jurisdiction"], "GB");
    assert_eq!(entry["recipient_key"], recipient.as_str());
    assert_eq!(entry["export_sha256"], sha256_hex(&out).as_str());
    let pairs = |items: Vec<(Option<&str>, Option<&str>)>| -> Vec<(String, String)> {
        items
            .into_iter()
            .map(|(n, h)| (n.expect("name").into(), h.expect("sha256").into()))
            .collect()
    };
    let recorded = pairs(
        entry["enclosed"]
            .as_array()
            .expect("enclosed")
            .iter()
            .map(|e| (e["name"].as_str(), e["sha256"].as_str()))
            .collect(),
    );
    let covered = pairs(
        cover["enclosed"]
            .as_sequence()
            .expect("cover enclosed")
            .iter()
            .map(|e| (e["name"].as_str(), e["sha256"].as_str()))
            .collect(),
    );
    assert_eq!(recorded, covered);
    assert_eq!(recorded.len(), 2);
    let log = w.ok(&alice, &["log", "--json"]);
    assert!(log.contains("\"action\": \"disclose\""), "{log}");
    assert!(!log.contains("MARKER"), "content in the log: {log}");

    // The register lists it; someone who cannot read the case learns only a count.
    let register: serde_json::Value =
        serde_json::from_str(&w.ok(&alice, &["disclosures", "--json"])).expect("json");
    assert_eq!(register["rows"][0]["basis"], "court_order");
    assert_eq!(register["unreadable"], 0);
    let csv = w.ok(&alice, &["disclosures", "--csv"]);
    assert!(csv.starts_with("date,case,reference"), "{csv}");
    assert!(csv.contains("\"court_order\""), "{csv}");
}

#[test]
fn an_ssh_ed25519_recipient_opens_the_export_with_stock_age() {
    let (w, alice, id, _, _) = setup();
    let key = w.path("counsel_ed25519");
    let made = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-f"])
        .arg(&key)
        .status()
        .expect("ssh-keygen");
    assert!(made.success());
    let public = std::fs::read_to_string(key.with_extension("pub")).expect("pub");
    let public = public
        .split_whitespace()
        .take(2)
        .collect::<Vec<_>>()
        .join(" ");
    let out = w.path("to-counsel.age");
    let mut args = disclose_args(&id, &public, "legal_professional_privilege_waived", &out);
    args[7] = "title";
    w.ok(&alice, &args);
    let plain = age_decrypt(&key, &out).expect("ssh key decrypts");
    assert!(plain.contains(TITLE) && !plain.contains(CLIENT), "{plain}");
}

/// Runs a disclosure that must be refused: exit 1, the sentence, no
/// commit, no export.
fn refused(w: &World, who: &Person, args: &[&str], out: &Path, sentence: &str) {
    let before = w.commit_count();
    let err = w.fails(who, args, 1);
    assert!(err.contains(sentence), "expected {sentence:?} in: {err}");
    assert_eq!(w.commit_count(), before, "a refusal committed something");
    assert!(!out.exists(), "a refusal wrote the export");
}

#[test]
fn each_basis_refuses_what_it_lacks_and_nothing_is_written() {
    let (w, alice, id, recipient, _) = setup();
    let out = w.path("x.age");
    let args = |basis| disclose_args(&id, &recipient, basis, &out);
    refused(
        &w,
        &alice,
        &args("court_order"),
        &out,
        "a disclosure on the basis court_order needs the order's reference (--reference); nothing was disclosed",
    );
    let mut mla = args("mutual_legal_assistance");
    mla.extend(["--reference", "MLA-7"]);
    refused(
        &w,
        &alice,
        &mla,
        &out,
        "needs its instrument, the treaty or request it rests on (--instrument)",
    );
    refused(
        &w,
        &alice,
        &args("other"),
        &out,
        "needs a written justification (--justification)",
    );
    refused(
        &w,
        &alice,
        &args("because"),
        &out,
        "the legal basis must be one of court_order, statutory_duty",
    );
    refused(
        &w,
        &alice,
        &args("public_safety"),
        &out,
        "needs a second person's approval (four eyes)",
    );
    let mut nothing = vec![
        "disclose",
        &id,
        "--to",
        &recipient,
        "--basis",
        "statutory_duty",
    ];
    nothing.extend(["--out", out.to_str().unwrap()]);
    refused(
        &w,
        &alice,
        &nothing,
        &out,
        "choose at least one field, document or note to disclose",
    );
    let mut unknown = args("statutory_duty");
    unknown[7] = "client.phone";
    refused(
        &w,
        &alice,
        &unknown,
        &out,
        &format!("case {id} has no field client.phone to disclose"),
    );
    let mut rsa = args("statutory_duty");
    rsa[3] = "ssh-rsa AAAAB3NzaC1yc2E";
    refused(
        &w,
        &alice,
        &rsa,
        &out,
        "give the external recipient's age public key",
    );

    // A restricted case always needs the second person.
    w.ok(&alice, &["case", "set", &id, "sensitivity=restricted"]);
    let mut order = args("court_order");
    order.extend(["--reference", "FtT/1"]);
    refused(
        &w,
        &alice,
        &order,
        &out,
        "the case is restricted, so a disclosure from case",
    );
    w.ok(&alice, &["case", "set", &id, "sensitivity=standard"]);

    // Never into a directory that is not there (an unmounted stick).
    let unmounted = w.path("media/usb/x.age");
    refused(
        &w,
        &alice,
        &disclose_args(&id, &recipient, "statutory_duty", &unmounted),
        &unmounted,
        "does not exist (is the disk or stick mounted?); nothing was written",
    );
    assert!(!w.path("media").exists(), "a missing directory was created");

    // Never over an existing file.
    std::fs::write(&out, "already here").unwrap();
    let before = w.commit_count();
    let err = w.fails(&alice, &order, 1);
    assert!(err.contains("already exists"), "{err}");
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "already here");
    assert_eq!(w.commit_count(), before);

    // Someone who cannot read the case discloses nothing of it.
    let ben = w.person("Ben");
    w.join(&ben, &alice);
    let other = w.path("y.age");
    let mut by_ben = disclose_args(&id, &recipient, "court_order", &other);
    by_ben.extend(["--reference", "FtT/1"]);
    refused(&w, &ben, &by_ben, &other, "you are not a recipient of case");
    let err = w.ok_or_fail_stdout(&ben, &["disclosures"]);
    assert!(!err.contains("court_order"), "{err}");
}

/// Adds a consent with these assignments to case `id`; returns its id.
fn add_consent(w: &World, who: &Person, id: &str, assignments: &[&str]) -> String {
    let base = [
        "case",
        "add",
        id,
        "consents",
        "date=2026-01-05",
        "given_by=client",
        "scope=tribunal",
    ];
    w.ok(who, &[&base[..], assignments].concat())
        .trim()
        .to_string()
}

#[test]
fn consent_is_enforced_current_covering_every_item_and_the_recipient() {
    let (w, alice, id, recipient, key) = setup();
    let out = w.path("consented.age");
    let args = disclose_args(&id, &recipient, "client_consent", &out);
    refused(&w, &alice, &args, &out, "the case records no consent");

    let to = format!("covers.recipients=['{recipient}']");
    let both = "covers.fields=[title, client.name]";
    let expired = add_consent(&w, &alice, &id, &[both, &to, "expiry=2026-02-01"]);
    refused(
        &w,
        &alice,
        &args,
        &out,
        &format!("consent {expired} has expired"),
    );
    let withdrawn = add_consent(&w, &alice, &id, &[both, &to]);
    w.ok(
        &alice,
        &[
            "case",
            "edit",
            &id,
            "consents",
            &withdrawn,
            "withdrawn=2026-03-01",
        ],
    );
    refused(
        &w,
        &alice,
        &args,
        &out,
        &format!("consent {withdrawn} was withdrawn"),
    );
    // A withdrawal is recorded for good: it cannot be taken back or moved.
    for undo in ["withdrawn=", "withdrawn=2027-01-01"] {
        let before = w.commit_count();
        let err = w.fails(
            &alice,
            &["case", "edit", &id, "consents", &withdrawn, undo],
            1,
        );
        assert!(
            err.contains("its `withdrawn` is recorded and is never changed or taken back"),
            "{err}"
        );
        assert_eq!(w.commit_count(), before);
    }
    let narrow = add_consent(&w, &alice, &id, &["covers.fields=[title]", &to]);
    refused(
        &w,
        &alice,
        &args,
        &out,
        &format!("consent {narrow} does not cover field client.name"),
    );
    let elsewhere = add_consent(
        &w,
        &alice,
        &id,
        &[both, "covers.recipients=['age1someoneelse']"],
    );
    refused(
        &w,
        &alice,
        &args,
        &out,
        &format!("consent {elsewhere} does not cover this recipient"),
    );
    add_consent(&w, &alice, &id, &[both, &to]);
    w.ok(&alice, &args);
    assert!(age_decrypt(&key, &out).is_some_and(|p| p.contains(CLIENT)));
    let kept = w.ok(&alice, &["case", "show", &id, "--json"]);
    assert!(
        kept.contains(&expired) && kept.contains(&withdrawn),
        "consents stay: {kept}"
    );
}

#[test]
fn consents_conditions_and_disclosures_are_never_replaced_whole() {
    let (w, alice, id, _, _) = setup();
    add_consent(&w, &alice, &id, &[]);
    for (list, sentence) in [
        ("consents", "consents are added and withdrawn one at a time"),
        (
            "conditions",
            "conditions are added and released one at a time",
        ),
        ("disclosures", "disclosures are recorded only by `disclose`"),
        (
            "disclosure_requests",
            "disclosure requests are recorded only by `disclose --request`",
        ),
    ] {
        let before = w.commit_count();
        let err = w.fails(&alice, &["case", "set", &id, &format!("{list}=[]")], 1);
        assert!(err.contains(sentence), "{list}: {err}");
        assert_eq!(w.commit_count(), before);
    }
    let err = w.fails(
        &alice,
        &[
            "case",
            "add",
            &id,
            "consents",
            "date=2026-01-05",
            "given_by=c",
            "scope=s",
            "withdrawl=2026-02-01",
        ],
        1,
    );
    assert!(
        err.contains("a consent has the fields date, given_by"),
        "a misspelt field is refused: {err}"
    );
    let shown = w.ok(&alice, &["case", "show", &id, "--json"]);
    assert!(
        shown.contains("tribunal"),
        "the consent is still there: {shown}"
    );
}

#[test]
fn a_case_protected_from_creation_shows_its_pseudonym_everywhere_it_is_listed() {
    let w = World::new();
    let alice = w.person("Alice");
    w.init_vault(&alice);
    let real = "MARKER-REAL-NAME";
    let err = w.fails(
        &alice,
        &[
            "case",
            "new",
            "--title",
            "Asylum",
            "--client",
            real,
            "--protected",
            "--pseudonym",
            real,
        ],
        1,
    );
    assert!(
        err.contains("needs a pseudonym that is not the client's name"),
        "{err}"
    );
    let err = w.fails(
        &alice,
        &["case", "new", "--title", "Asylum", "--protected"],
        2,
    );
    assert!(err.contains("--pseudonym"), "{err}");
    let id = w
        .ok(
            &alice,
            &[
                "case",
                "new",
                "--title",
                "Asylum",
                "--client",
                real,
                "--protected",
                "--pseudonym",
                "Client K",
            ],
        )
        .trim()
        .to_string();
    w.ok(
        &alice,
        &[
            "case",
            "add",
            &id,
            "consents",
            "date=2026-01-05",
            "given_by=MARKER-REAL-NAME",
            "scope=x",
            "expiry=2026-02-01",
        ],
    );
    let outputs = [
        w.ok(&alice, &["case", "list"]),
        w.ok(&alice, &["case", "list", "--json"]),
        w.ok(&alice, &["log", "--json"]),
        w.ok(&alice, &["consents"]),
        w.ok(&alice, &["consents", "--json"]),
        w.ok(&alice, &["disclosures", "--json"]),
    ];
    for out in &outputs {
        assert!(!out.contains(real), "the real name was listed: {out}");
    }
    assert!(outputs[0].contains("Client K"), "{}", outputs[0]);
    assert!(
        outputs[3].contains("Client K") && outputs[3].contains("EXPIRED"),
        "{}",
        outputs[3]
    );
    // Opening the case deliberately shows who it is.
    assert!(w.ok(&alice, &["case", "show", &id]).contains(real));
}

#[test]
fn consents_are_listed_with_their_state_and_filtered_by_expiry() {
    let (w, alice, id, _, _) = setup();
    let far = (chrono::Utc::now().date_naive() + chrono::Duration::days(400)).to_string();
    let soon = (chrono::Utc::now().date_naive() + chrono::Duration::days(10)).to_string();
    let mut ids = std::collections::BTreeMap::new();
    for (name, extra) in [
        ("old", "expiry=2025-06-01".to_string()),
        ("soon", format!("expiry={soon}")),
        ("far", format!("expiry={far}")),
        ("gone", "withdrawn=2026-02-01".to_string()),
    ] {
        let date = if name == "old" {
            "date=2025-01-05"
        } else {
            "date=2026-01-05"
        };
        let mut args = vec![
            "case",
            "add",
            &id,
            "consents",
            date,
            "given_by=c",
            "scope=x",
            &extra,
        ];
        if name == "soon" {
            args.push("covers.fields=[title]");
        }
        ids.insert(w.ok(&alice, &args).trim().to_string(), name);
    }
    let all: serde_json::Value =
        serde_json::from_str(&w.ok(&alice, &["consents", "--json"])).expect("json");
    let states: Vec<(String, String)> = all["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| {
            (
                ids[r["consent"].as_str().unwrap()].to_string(),
                r["state"].as_str().unwrap().into(),
            )
        })
        .collect();
    let want = |c: &str, s: &str| (c.to_string(), s.to_string());
    for pair in [
        want("old", "expired"),
        want("soon", "expiring"),
        want("far", "current"),
        want("gone", "withdrawn"),
    ] {
        assert!(states.contains(&pair), "{pair:?} not in {states:?}");
    }
    let due: serde_json::Value =
        serde_json::from_str(&w.ok(&alice, &["consents", "--expiring", "30", "--json"]))
            .expect("json");
    let due: Vec<&str> = due["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| ids[r["consent"].as_str().unwrap()])
        .collect();
    assert_eq!(due, vec!["old", "soon"]);
}

#[test]
fn a_restricted_case_is_granted_to_named_people_only() {
    let w = World::new();
    let alice = w.person("Alice");
    let ben = w.person("Ben");
    w.init_vault(&alice);
    let ben_fp = w.join(&ben, &alice);
    w.ok(&alice, &["group", "set", "team", &ben_fp]);
    let id = w.new_case(&alice, &["--grant", "@team"]);
    let before = w.commit_count();
    let err = w.fails(&alice, &["case", "set", &id, "sensitivity=restricted"], 1);
    assert!(
        err.contains(&format!("case {id} is granted to @team; remove them first")),
        "{err}"
    );
    assert_eq!(w.commit_count(), before);
    w.ok(&alice, &["revoke-access", "--yes", &id, "@team"]);
    w.ok(&alice, &["case", "set", &id, "sensitivity=restricted"]);
    let before = w.commit_count();
    let err = w.fails(&alice, &["grant", &id, "@team"], 1);
    assert!(
        err.contains(&format!("case {id} is restricted: it can be granted to named, certified people only, not to the group @team")),
        "{err}"
    );
    assert_eq!(w.commit_count(), before);
    w.ok(&alice, &["grant", &id, &ben_fp]);
}

#[test]
fn a_condition_on_information_received_binds_until_released_or_past() {
    let (w, alice, id, recipient, key) = setup();
    let out = w.path("onward.age");
    let args = disclose_args(&id, &recipient, "statutory_duty", &out);
    let k1 = w
        .ok(
            &alice,
            &[
                "case",
                "add",
                &id,
                "conditions",
                "item=field:title",
                "set_by=Requesting State",
                "no_onward_transfer_without=Ministry of Justice",
            ],
        )
        .trim()
        .to_string();
    let shown = w.ok(&alice, &["case", "show", &id]);
    assert!(
        shown.contains(&format!(
            "condition {k1} binds field:title: it cannot be disclosed"
        )),
        "{shown}"
    );
    refused(
        &w,
        &alice,
        &args,
        &out,
        &format!("field:title of case {id} carries condition {k1}, in force and not released"),
    );
    // A condition past its date binds no more; one released is kept, and allows it.
    w.ok(
        &alice,
        &["case", "edit", &id, "conditions", &k1, "until=2020-01-01"],
    );
    let earlier = w.path("earlier.age");
    let mut past = disclose_args(&id, &recipient, "statutory_duty", &earlier);
    past[7] = "title";
    w.ok(&alice, &past);
    w.ok(
        &alice,
        &[
            "case",
            "edit",
            &id,
            "conditions",
            &k1,
            "until=",
            "released.by=Ada",
            "released.date=2026-11-30",
            "released.reference=MoJ-77",
        ],
    );
    w.ok(&alice, &args);
    assert!(age_decrypt(&key, &out).is_some_and(|p| p.contains(TITLE)));
    let shown = w.ok(&alice, &["case", "show", &id, "--json"]);
    assert!(shown.contains("MoJ-77"), "the release is kept: {shown}");
    let before = w.commit_count();
    let err = w.fails(
        &alice,
        &[
            "case",
            "edit",
            &id,
            "conditions",
            &k1,
            "released.reference=other",
        ],
        1,
    );
    assert!(err.contains("its `released` is recorded"), "{err}");
    let err = w.fails(&alice, &["case", "rm", &id, "conditions", &k1, "--yes"], 1);
    assert!(err.contains("release it instead"), "{err}");
    assert_eq!(w.commit_count(), before);
}

#[test]
fn four_eyes_one_person_asks_an_administrator_who_is_someone_else_approves() {
    let (w, alice, id, recipient, key) = setup();
    let ben = w.person("Ben");
    let ben_fp = w.join(&ben, &alice);
    w.ok(&alice, &["grant", &id, &ben_fp]);
    w.ok(&alice, &["case", "set", &id, "sensitivity=restricted"]);
    let out = w.path("safety.age");
    let mut asked = disclose_args(&id, &recipient, "public_safety", &out);
    asked.truncate(8);
    refused(
        &w,
        &ben,
        &[asked.clone(), vec!["--out", out.to_str().unwrap()]].concat(),
        &out,
        "record it with --request",
    );

    // Ben asks: a signed commit, nothing exported.
    let before = w.commit_count();
    let said = w.ok(&ben, &[asked.clone(), vec!["--request"]].concat());
    assert_eq!(w.commit_count(), before + 1);
    assert!(!out.exists());
    let request = said
        .split_whitespace()
        .nth(3)
        .expect("the request id")
        .to_string();
    assert!(said.contains("nothing has left the firm"), "{said}");
    let pending =
        format!("disclosure request {request} (public_safety) awaits an administrator's approval");
    let shown = w.ok(&alice, &["case", "show", &id]);
    assert!(shown.contains(&pending), "the approver is told: {shown}");

    // He cannot approve it himself, and it cannot be approved twice.
    let approve = |who: &Person| {
        w.fails(
            who,
            &[
                "disclose",
                &id,
                "--approve",
                &request,
                "--out",
                out.to_str().unwrap(),
            ],
            1,
        )
    };
    let err = approve(&ben);
    assert!(
        err.contains(&format!(
            "you asked for disclosure request {request} yourself"
        )),
        "{err}"
    );
    assert!(!out.exists());
    // A second reader who is not an administrator cannot approve it either.
    let cy = w.person("Cy");
    let cy_fp = w.join(&cy, &alice);
    w.ok(&alice, &["grant", &id, &cy_fp]);
    let err = approve(&cy);
    assert!(err.contains("approve a disclosure"), "{err}");
    assert!(!out.exists());

    // Alice, an administrator and someone else, approves: the export, signed by her.
    w.ok(
        &alice,
        &[
            "disclose",
            &id,
            "--approve",
            &request,
            "--out",
            out.to_str().unwrap(),
        ],
    );
    let plain = age_decrypt(&key, &out).expect("recipient decrypts");
    assert!(plain.contains(TITLE) && plain.contains(CLIENT), "{plain}");
    let shown: serde_json::Value =
        serde_json::from_str(&w.ok(&alice, &["case", "show", &id, "--json"])).expect("json");
    let record = &shown["record"];
    assert_eq!(record["disclosures"][0]["request"], request.as_str());
    assert!(record["disclosures"][0]["approved_by"]
        .as_str()
        .is_some_and(|a| a.contains(&w.fingerprint(&alice))));
    assert!(record["disclosure_requests"][0]["approved"]["by"].is_string());
    assert!(!w.ok(&alice, &["case", "show", &id]).contains(&pending));
    std::fs::remove_file(&out).unwrap();
    let err = approve(&alice);
    assert!(
        err.contains(&format!("has no pending disclosure request {request}")),
        "{err}"
    );
}

#[test]
fn list_items_are_added_edited_and_removed_by_id_and_consents_are_never_removed() {
    let (w, alice, id, recipient, _) = setup();
    let party = w
        .ok(
            &alice,
            &[
                "case",
                "add",
                &id,
                "parties",
                "name=Home Office",
                "role=respondent",
            ],
        )
        .trim()
        .to_string();
    let deadline = w
        .ok(
            &alice,
            &[
                "case",
                "add",
                &id,
                "deadlines",
                "date=2027-01-15",
                "what=Lodge bundle",
            ],
        )
        .trim()
        .to_string();
    let consent = w
        .ok(
            &alice,
            &[
                "case",
                "add",
                &id,
                "consents",
                "date=2026-01-05",
                "given_by=client",
                "scope=tribunal",
                "covers.fields=[title]",
                &format!("covers.recipients=['{recipient}']"),
            ],
        )
        .trim()
        .to_string();
    w.ok(
        &alice,
        &["case", "edit", &id, "deadlines", &deadline, "done=true"],
    );
    let show = |w: &World| -> serde_json::Value {
        serde_json::from_str(&w.ok(&alice, &["case", "show", &id, "--json"])).expect("json")
    };
    let record = show(&w)["record"].clone();
    assert_eq!(record["parties"][0]["id"], party.as_str());
    assert_eq!(record["deadlines"][0]["id"], deadline.as_str());
    assert_eq!(record["deadlines"][0]["done"], true);
    assert_eq!(record["consents"][0]["covers"]["fields"][0], "title");

    // Without a terminal, removing needs --yes; a consent is withdrawn, never removed.
    let err = w.fails(&alice, &["case", "rm", &id, "parties", &party], 1);
    assert!(err.contains("run it again with --yes"), "{err}");
    w.ok(&alice, &["case", "rm", &id, "parties", &party, "--yes"]);
    let err = w.fails(
        &alice,
        &["case", "rm", &id, "consents", &consent, "--yes"],
        1,
    );
    assert!(err.contains("withdraw it instead"), "{err}");
    w.ok(
        &alice,
        &[
            "case",
            "edit",
            &id,
            "consents",
            &consent,
            "withdrawn=2026-02-01",
        ],
    );
    let record = show(&w)["record"].clone();
    assert!(
        record["parties"].as_array().is_none_or(|p| p.is_empty()),
        "{record}"
    );
    assert_eq!(record["consents"][0]["id"], consent.as_str());
    assert_eq!(record["consents"][0]["withdrawn"], "2026-02-01");
    let before = w.commit_count();
    let err = w.fails(
        &alice,
        &["case", "edit", &id, "deadlines", "nope", "done=false"],
        1,
    );
    assert!(err.contains("there is no item nope in deadlines"), "{err}");
    let err = w.fails(&alice, &["case", "add", &id, "disclosures", "to=x"], 1);
    assert!(
        err.contains("items can be added to parties, deadlines, consents, conditions"),
        "{err}"
    );
    assert_eq!(w.commit_count(), before);
}

#[test]
fn the_export_is_written_only_once_its_record_is_committed_and_may_enclose_a_note() {
    let (w, alice, id, recipient, key) = setup();
    w.ok(
        &alice,
        &["note", "add", &id, "--text", "Advice note for the tribunal"],
    );
    let shown: serde_json::Value =
        serde_json::from_str(&w.ok(&alice, &["case", "show", &id, "--json"])).expect("json");
    let note = shown["notes"][0]["file"]
        .as_str()
        .expect("note file")
        .to_string();
    let out = w.path("to-tribunal.age");
    let mut args = disclose_args(&id, &recipient, "court_order", &out);
    args.extend(["--reference", "FtT/3100/2026", "--notes", &note]);

    // Killed before the branch moves: nothing recorded, nothing exported.
    let before = w.snapshot();
    let killed = w
        .cmd(&alice)
        .args(&args)
        .env("DOSSIER_FAULT", "commit-before-ref")
        .output()
        .expect("run");
    assert_eq!(killed.status.code(), None, "killed by a signal");
    assert!(!out.exists(), "the export was written before its record");
    w.ok(&alice, &["verify"]);
    assert_eq!(w.snapshot(), before);

    // Killed just after: the disclosure is on the record, the export is
    // not written (nothing left the firm), and the record says so.
    let killed = w
        .cmd(&alice)
        .args(&args)
        .env("DOSSIER_FAULT", "commit-after-ref")
        .output()
        .expect("run");
    assert_eq!(killed.status.code(), None, "killed by a signal");
    assert!(!out.exists(), "the export was written before its record");
    let shown: serde_json::Value =
        serde_json::from_str(&w.ok(&alice, &["case", "show", &id, "--json"])).expect("json");
    assert_eq!(
        shown["record"]["disclosures"].as_array().map(Vec::len),
        Some(1)
    );

    // Run whole, the note goes to the recipient alone, with its digest.
    w.ok(&alice, &args);
    let plain = age_decrypt(&key, &out).expect("the recipient decrypts the export");
    assert!(plain.contains("Advice note for the tribunal"), "{plain}");
    assert!(!plain.contains(NATIONALITY), "{plain}");
    let staff = w.age_secret(&alice, "staff");
    assert!(age_decrypt(&staff, &out).is_none());
    let shown: serde_json::Value =
        serde_json::from_str(&w.ok(&alice, &["case", "show", &id, "--json"])).expect("json");
    let entry = &shown["record"]["disclosures"][1];
    assert_eq!(entry["export_sha256"], sha256_hex(&out).as_str());
    let enclosed = entry["enclosed"].as_array().expect("enclosed");
    assert!(
        enclosed
            .iter()
            .any(|e| e["kind"] == "note" && e["name"] == note.as_str()),
        "{enclosed:?}"
    );
}

#[test]
fn an_export_inside_the_vault_is_refused_even_through_a_path_that_looks_outside() {
    let (w, alice, id, recipient, _) = setup();
    let inside = w.vault().join("cases").join("export.age");
    // The same place reached through a symbolic link outside the vault.
    let link = w.path("looks-outside");
    std::os::unix::fs::symlink(w.vault(), &link).unwrap();
    let through_link = link.join("export.age");
    for out in [&inside, &through_link] {
        let mut args = disclose_args(&id, &recipient, "court_order", out);
        args.extend(["--reference", "FtT/3100/2026"]);
        refused(
            &w,
            &alice,
            &args,
            out,
            "is inside the vault, where a decrypted copy could end up committed; choose a place outside it",
        );
        assert!(!w.vault().join("export.age").exists());
    }
}
