//! Retention and destruction through the real binary: the policy dates a
//! case when it is closed, `retention` lists what is due, `destroy`
//! removes every current file in one signed commit that verifies, and a
//! hostile colleague can neither destroy with stock git nor erase the
//! destruction record.

use crate::support::{assert_history_refused, World};

fn today() -> chrono::NaiveDate {
    chrono::Utc::now().date_naive()
}

fn years_on(years: u32) -> String {
    today()
        .checked_add_months(chrono::Months::new(12 * years))
        .expect("date")
        .to_string()
}

#[test]
fn the_policy_dates_a_case_when_it_is_closed_and_only_a_root_sets_it() {
    let w = World::new();
    let alice = w.person("Alice");
    w.init_vault(&alice);
    let ben = w.person("Ben");
    w.join(&ben, &alice);
    let before = w.commit_count();
    let err = w.fails(&ben, &["settings", "retention.asylum=7"], 1);
    assert!(err.contains("root administrators"), "{err}");
    assert_eq!(w.commit_count(), before);
    let err = w.fails(&alice, &["settings", "retention.asylum=seven"], 1);
    assert!(err.contains("a number of years from 1 to 100"), "{err}");
    w.ok(
        &alice,
        &["settings", "retention.Asylum=7", "retention.default=5"],
    );
    let shown = w.ok(&alice, &["settings"]);
    assert!(
        shown.contains("retention.asylum: 7 year(s) after closing"),
        "{shown}"
    );

    let asylum = w.new_case(&alice, &[]);
    w.ok(&alice, &["case", "set", &asylum, "practice_area=asylum"]);
    let family = w.new_case(&alice, &[]);
    w.ok(&alice, &["case", "set", &family, "practice_area=family"]);
    let fixed = w.new_case(&alice, &[]);
    w.ok(
        &alice,
        &["case", "set", &fixed, "retention_until=2040-01-31"],
    );
    for id in [&asylum, &family, &fixed] {
        w.ok(&alice, &["case", "close", "--yes", id]);
    }
    let until = |id: &str| -> String {
        let v: serde_json::Value =
            serde_json::from_str(&w.ok(&alice, &["case", "show", id, "--json"])).expect("json");
        v["record"]["retention_until"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    };
    assert_eq!(until(&asylum), years_on(7));
    assert_eq!(until(&family), years_on(5));
    assert_eq!(until(&fixed), "2040-01-31", "a date set by hand is kept");
}

#[test]
fn retention_lists_what_is_due_in_the_cases_you_can_read() {
    let w = World::new();
    let alice = w.person("Alice");
    w.init_vault(&alice);
    let ben = w.person("Ben");
    w.join(&ben, &alice);
    let due = w.new_case(&alice, &["--reference", "OL-2019-004"]);
    w.ok(
        &alice,
        &[
            "case",
            "set",
            &due,
            "retention_until=2020-01-01",
            "status=closed",
        ],
    );
    let later = w.new_case(&alice, &[]);
    w.ok(
        &alice,
        &[
            "case",
            "set",
            &later,
            &format!("retention_until={}", years_on(3)),
        ],
    );
    let undated = w.new_case(&alice, &[]);
    w.ok(&alice, &["case", "close", "--yes", &undated]);

    let out = w.ok(&alice, &["retention"]);
    assert!(
        out.contains(&format!("PAST RETENTION  {due} (OL-2019-004)")),
        "{out}"
    );
    assert!(!out.contains(&later), "{out}");
    assert!(
        out.contains("1 closed case(s) have no retention date") && out.contains(&undated),
        "{out}"
    );
    let json: serde_json::Value =
        serde_json::from_str(&w.ok(&alice, &["retention", "--json"])).expect("json");
    assert_eq!(json["rows"][0]["case"], due.as_str());
    assert_eq!(json["rows"][0]["retention_until"], "2020-01-01");
    assert!(json["rows"][0]["days_past"]
        .as_i64()
        .is_some_and(|d| d > 365));

    let out = w.ok_or_fail_stdout(&ben, &["retention"]);
    assert!(!out.contains(&due), "Ben cannot read it: {out}");
}

#[test]
fn destroy_removes_every_current_file_in_one_commit_that_verifies_and_says_what_remains() {
    let w = World::new();
    let alice = w.person("Alice");
    w.init_vault(&alice);
    let ben = w.person("Ben");
    let ben_fp = w.join(&ben, &alice);
    let id = w.new_case(&alice, &["--reference", "OL-2019-004", "--grant", &ben_fp]);
    w.ok(&alice, &["note", "add", &id, "--text", "MARKER-NOTE"]);
    w.ok(&alice, &["case", "set", &id, "retention_until=2020-01-01"]);
    let future = w.new_case(&alice, &[]);
    w.ok(
        &alice,
        &[
            "case",
            "set",
            &future,
            &format!("retention_until={}", years_on(2)),
        ],
    );

    let before = w.commit_count();
    let ground = ["--ground", "retention period ended"];
    let err = w.fails(
        &ben,
        &[&["destroy", id.as_str(), "--yes"][..], &ground].concat(),
        1,
    );
    assert!(err.contains("vault administrators"), "{err}");
    let err = w.fails(
        &alice,
        &[&["destroy", id.as_str()][..], &ground].concat(),
        1,
    );
    assert!(
        err.contains("there is no terminal to ask on; run it again with --yes"),
        "{err}"
    );
    let err = w.fails(
        &alice,
        &[&["destroy", future.as_str(), "--yes"][..], &ground].concat(),
        1,
    );
    assert!(
        err.contains("is kept until") && err.contains("--early"),
        "{err}"
    );
    let err = w.fails(&alice, &["destroy", &id, "--yes", "--ground", " "], 1);
    assert!(err.contains("legal ground"), "{err}");
    assert_eq!(w.commit_count(), before, "every refusal changed nothing");

    let said = w.ok(
        &alice,
        &[&["destroy", id.as_str(), "--yes"][..], &ground].concat(),
    );
    assert!(said.contains(&format!("Destroyed case {id}")), "{said}");
    assert!(
        said.contains("What remains") && said.contains("every clone"),
        "{said}"
    );
    assert_eq!(w.commit_count(), before + 1, "one signed commit");
    let tree = w.git_text(&["ls-tree", "-r", "--name-only", "HEAD"]);
    assert!(!tree.contains(&format!("cases/{id}/")), "{tree}");
    assert!(
        !w.vault().join(format!("cases/{id}")).exists(),
        "the working tree too"
    );
    let record = std::fs::read_to_string(w.vault().join(format!(".dossier/destroyed/{id}.yaml")))
        .expect("the destruction is recorded");
    assert!(record.contains("retention period ended") && record.contains(&w.fingerprint(&alice)));
    assert!(
        !record.contains("MARKER") && !record.contains("OL-2019-004"),
        "{record}"
    );
    let err = w.fails(&alice, &["case", "show", &id], 1);
    assert!(err.contains(&id), "{err}");
    // The history still verifies, for the destroyer and for a colleague.
    w.ok(&alice, &["verify"]);
    let log: serde_json::Value =
        serde_json::from_str(&w.ok(&ben, &["log", "--json"])).expect("json");
    assert_eq!(log[0]["action"], "destroy");
    assert_eq!(log[0]["signature"], "verified");
    // What history keeps: the note's ciphertext is still in an earlier commit.
    let old = w.git_text(&["log", "--all", "--name-only", "--format="]);
    assert!(old.contains(&format!("cases/{id}/notes/")), "{old}");
}

#[test]
fn a_colleague_cannot_destroy_with_stock_git_nor_erase_the_destruction_record() {
    let w = World::new();
    let alice = w.person("Alice");
    w.init_vault(&alice);
    let mallory = w.unprotected_person("Mallory");
    let mallory_fp = w.join(&mallory, &alice);
    let id = w.new_case(&alice, &["--grant", &mallory_fp]);
    // Mallory, who can read the case, removes it and writes a destruction
    // record, with stock git, signed by her own key.
    w.git_text(&["rm", "-q", "-r", &format!("cases/{id}")]);
    let dir = w.vault().join(".dossier/destroyed");
    std::fs::create_dir_all(&dir).expect("mkdir");
    std::fs::write(
        dir.join(format!("{id}.yaml")),
        format!("dossier_destruction: 1\ncase: {id}\ndestroyed: 2026-12-01T00:00:00Z\nby: {mallory_fp}\nground: cleanup\n"),
    )
    .expect("write");
    w.insider_commit(&mallory, "destroy", Some(&id));
    let forged = w.head();
    let before = w.snapshot();
    let err = w.fails(&alice, &["case", "list"], 1);
    assert_history_refused(&err, &forged);
    assert!(err.contains("is not an administrator"), "{err}");
    assert_eq!(w.snapshot(), before);
    w.git_text(&["reset", "-q", "--hard", "HEAD~1"]);

    // An administrator's destruction record is permanent.
    w.ok(
        &alice,
        &["destroy", &id, "--yes", "--ground", "client request"],
    );
    w.git_text(&["rm", "-q", &format!(".dossier/destroyed/{id}.yaml")]);
    w.insider_commit(&mallory, "edit", None);
    let erased = w.head();
    let err = w.fails(&alice, &["case", "list"], 1);
    assert_history_refused(&err, &erased);
    assert!(err.contains("that record is permanent"), "{err}");
}
