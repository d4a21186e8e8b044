//! `dossier agenda`: deadlines across cases and owners, overdue marked in
//! words, the `--json` shape, `--ics` parsed back by the icalendar crate
//! and kept to RFC 5545's line rules, a protected case never showing its
//! client, a case the reader was not granted only counted, and an
//! existing file never overwritten.

use chrono::{Days, NaiveDate, Utc};
use icalendar::{Calendar, CalendarComponent, Component, DatePerhapsTime};

use crate::support::{Person, World};

const PROTECTED_CLIENT: &str = "MARKER-PROTECTED-CLIENT Haile";
const PSEUDONYM: &str = "Client P-9";
const SECRET_DEADLINE: &str = "MARKER-ALICE-ONLY deadline";

/// The vault: Alice (root) and Ben, and four cases.
struct Setup {
    w: World,
    alice: Person,
    ben: Person,
    alice_fp: String,
    ben_fp: String,
    /// Alice's, granted to Ben.
    shared: String,
    /// Ben's, granted to Alice.
    bens: String,
    /// Alice's alone.
    private: String,
    /// Alice's, protected, granted to Ben.
    protected: String,
    /// Deadline ids by what they are.
    overdue: String,
    done: String,
}

fn today() -> NaiveDate {
    Utc::now().date_naive()
}

fn offset(days: i64) -> String {
    let t = today();
    let d = if days >= 0 {
        t.checked_add_days(Days::new(days as u64))
    } else {
        t.checked_sub_days(Days::new(days.unsigned_abs()))
    };
    d.expect("a date").to_string()
}

fn add_deadline(w: &World, who: &Person, case: &str, days: i64, what: &str) -> String {
    w.add_deadline(who, case, &offset(days), what)
}

fn setup() -> Setup {
    let w = World::new();
    let alice = w.person("Alice");
    let ben = w.person("Ben");
    w.init_vault(&alice);
    let ben_fp = w.join(&ben, &alice);
    let alice_fp = w.fingerprint(&alice);
    let shared = w.new_case(&alice, &["--reference", "REF-SHARED", "--grant", &ben_fp]);
    let bens = w
        .ok(
            &ben,
            &[
                "case",
                "new",
                "--title",
                "Visa",
                "--client",
                "Yusuf Abdi",
                "--reference",
                "REF-BEN",
                "--grant",
                &alice_fp,
            ],
        )
        .trim()
        .to_string();
    let private = w.new_case(&alice, &["--reference", "REF-PRIVATE"]);
    let protected = w
        .ok(
            &alice,
            &[
                "case",
                "new",
                "--title",
                "Protected appeal",
                "--client",
                PROTECTED_CLIENT,
                "--reference",
                "REF-PROT",
                "--protected",
                "--pseudonym",
                PSEUDONYM,
                "--grant",
                &ben_fp,
            ],
        )
        .trim()
        .to_string();
    let overdue = add_deadline(&w, &alice, &shared, -3, "Serve the notice");
    add_deadline(&w, &alice, &shared, 0, "Hearing; bring two copies");
    add_deadline(&w, &alice, &shared, 10, "Lodge the bundle");
    add_deadline(&w, &alice, &shared, 30, "Beyond the default window");
    let done = add_deadline(&w, &alice, &shared, -10, "Already done");
    w.ok(
        &alice,
        &["case", "edit", &shared, "deadlines", &done, "done=true"],
    );
    add_deadline(&w, &ben, &bens, 3, "Sponsor letter");
    add_deadline(&w, &alice, &private, -1, SECRET_DEADLINE);
    add_deadline(&w, &alice, &protected, 5, "Witness statement");
    Setup {
        w,
        alice,
        ben,
        alice_fp,
        ben_fp,
        shared,
        bens,
        private,
        protected,
        overdue,
        done,
    }
}

fn stderr_of(w: &World, who: &Person, args: &[&str]) -> String {
    let out = w.cmd(who).args(args).output().expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stderr).expect("utf8")
}

fn line_with<'a>(text: &'a str, needle: &str) -> &'a str {
    text.lines()
        .find(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("no line with {needle:?} in:\n{text}"))
}

#[test]
fn the_agenda_lists_open_deadlines_across_cases_and_owners_with_overdue_in_words() {
    let s = setup();
    let w = &s.w;
    let text = w.ok(&s.alice, &["agenda"]);
    let lines: Vec<&str> = text.lines().skip(1).collect();
    assert_eq!(lines.len(), 6, "six open deadlines in the window:\n{text}");
    assert!(
        lines[0].starts_with("OVERDUE") && lines[0].contains("Serve the notice"),
        "{text}"
    );
    assert!(
        lines[1].starts_with("OVERDUE") && lines[1].contains(SECRET_DEADLINE),
        "{text}"
    );
    assert!(lines[2].starts_with("TODAY") && lines[2].contains("Hearing; bring two copies"));
    assert!(lines[3].starts_with("this week") && lines[3].contains("Sponsor letter"));
    assert!(lines[4].starts_with("this week") && lines[4].contains("Witness statement"));
    assert!(lines[5].starts_with("later") && lines[5].contains("Lodge the bundle"));
    assert!(
        text.lines().next().unwrap_or("").contains("2 overdue"),
        "{text}"
    );
    assert!(
        !text.contains("Already done"),
        "done deadlines are not on the agenda"
    );
    assert!(!text.contains("Beyond the default window"));

    let serve = line_with(&text, "Serve the notice");
    assert!(
        serve.contains(&offset(-3)) && serve.contains(&s.shared) && serve.contains("REF-SHARED")
    );
    assert!(serve.contains("owners: Alice "), "{serve}");
    let sponsor = line_with(&text, "Sponsor letter");
    assert!(
        sponsor.contains("owners: Ben ") && sponsor.contains(&s.bens),
        "{sponsor}"
    );

    let longer = w.ok(&s.alice, &["agenda", "--days", "40"]);
    assert!(longer.contains("Beyond the default window"), "{longer}");
    let short = w.ok(&s.alice, &["agenda", "--days", "0"]);
    assert_eq!(
        short.lines().count(),
        1 + 3,
        "overdue and today only:\n{short}"
    );

    let overdue = w.ok(&s.alice, &["agenda", "--overdue"]);
    assert_eq!(overdue.lines().count(), 1 + 2, "{overdue}");
    assert!(
        overdue.lines().skip(1).all(|l| l.starts_with("OVERDUE")),
        "{overdue}"
    );
    w.fails(&s.alice, &["agenda", "--overdue", "--days", "3"], 2);

    // Ben sees what he was granted; Alice's own case is only counted.
    let bens = w.ok(&s.ben, &["agenda"]);
    assert!(
        !bens.contains(SECRET_DEADLINE) && !bens.contains(&s.private),
        "{bens}"
    );
    assert!(bens.contains("Serve the notice") && bens.contains("Sponsor letter"));
    let err = stderr_of(w, &s.ben, &["agenda"]);
    assert!(err.contains("1 case(s) could not be read"), "{err}");
    assert!(stderr_of(w, &s.alice, &["agenda"]).is_empty());

    // Marking a deadline done takes it off the agenda.
    w.ok(
        &s.alice,
        &[
            "case",
            "edit",
            &s.shared,
            "deadlines",
            &s.overdue,
            "done=true",
        ],
    );
    let after = w.ok(&s.alice, &["agenda"]);
    assert!(!after.contains("Serve the notice"), "{after}");
}

#[test]
fn agenda_json_is_the_documented_shape() {
    let s = setup();
    let w = &s.w;
    let out = w.ok(&s.ben, &["agenda", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(v["today"], today().to_string());
    assert_eq!(v["until"], offset(14));
    assert_eq!(v["unreadable"], 1);
    let rows = v["rows"].as_array().expect("rows");
    assert_eq!(rows.len(), 5, "{out}");
    let first = &rows[0];
    assert_eq!(first["case"], s.shared.as_str());
    assert_eq!(first["reference"], "REF-SHARED");
    assert_eq!(first["deadline"], s.overdue.as_str());
    assert_eq!(first["date"], offset(-3));
    assert_eq!(first["what"], "Serve the notice");
    assert_eq!(first["bucket"], "overdue");
    assert_eq!(first["owners"], serde_json::json!([s.alice_fp]));
    assert!(first.get("pseudonym").is_none(), "only for protected cases");
    let buckets: Vec<&str> = rows.iter().filter_map(|r| r["bucket"].as_str()).collect();
    assert_eq!(
        buckets,
        ["overdue", "today", "this_week", "this_week", "later"]
    );
    let sponsor = rows
        .iter()
        .find(|r| r["case"] == s.bens.as_str())
        .expect("Ben's case");
    assert_eq!(sponsor["owners"], serde_json::json!([s.ben_fp]));
    let protected = rows
        .iter()
        .find(|r| r["case"] == s.protected.as_str())
        .expect("protected");
    assert_eq!(protected["pseudonym"], PSEUDONYM);
    assert!(!rows.iter().any(|r| r["deadline"] == s.done.as_str()));

    let overdue: serde_json::Value =
        serde_json::from_str(&w.ok(&s.ben, &["agenda", "--json", "--overdue"])).expect("json");
    assert_eq!(overdue["until"], serde_json::Value::Null);
    assert_eq!(overdue["rows"].as_array().map(Vec::len), Some(1));
}

#[test]
fn agenda_ics_parses_back_keeps_the_format_and_is_never_overwritten() {
    let s = setup();
    let w = &s.w;
    let file = w.path("deadlines.ics");
    let path = file.to_str().expect("utf8");
    let said = w.ok(&s.alice, &["agenda", "--ics", path]);
    assert!(
        said.contains("Wrote 6 deadline(s)") && said.contains("NOT encrypted"),
        "{said}"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).expect("ics").permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "readable by its owner only");
    }
    let text = std::fs::read_to_string(&file).expect("read ics");

    // RFC 5545's line rules: CRLF, at most 75 octets, no bare controls.
    for line in text.split_inclusive('\n') {
        assert!(line.ends_with("\r\n"), "{line:?}");
        assert!(line.len() - 2 <= 75, "{line:?}");
    }
    let calendar: Calendar = text.parse().expect("the crate parses it back");
    assert_eq!(calendar.property_value("VERSION"), Some("2.0"));
    assert!(calendar.property_value("PRODID").is_some());
    let events: Vec<_> = calendar
        .components
        .iter()
        .filter_map(|c| match c {
            CalendarComponent::Event(e) => Some(e),
            _ => None,
        })
        .collect();
    assert_eq!(events.len(), 6);
    for e in &events {
        assert!(e.get_timestamp().is_some(), "DTSTAMP");
        let (Some(DatePerhapsTime::Date(start)), Some(DatePerhapsTime::Date(end))) =
            (e.get_start(), e.get_end())
        else {
            panic!("all-day DATE values: {:?} {:?}", e.get_start(), e.get_end());
        };
        assert_eq!(start.succ_opt(), Some(end), "one day, DTEND exclusive");
        assert!(e.get_uid().is_some_and(|u| u.ends_with("@dossier")));
    }
    let serve = events
        .iter()
        .find(|e| e.get_uid() == Some(format!("{}-{}@dossier", s.shared, s.overdue).as_str()))
        .expect("the overdue deadline's event, by its stable uid");
    assert_eq!(serve.get_summary(), Some("REF-SHARED — Serve the notice"));
    assert_eq!(
        serve.get_start(),
        Some(DatePerhapsTime::Date(offset(-3).parse().expect("date")))
    );
    let hearing = events
        .iter()
        .find(|e| e.get_summary().is_some_and(|x| x.contains("Hearing")))
        .expect("hearing");
    assert_eq!(
        hearing.get_summary(),
        Some("REF-SHARED — Hearing; bring two copies"),
        "escaped and read back as written"
    );
    // Only the reference (or pseudonym) and the text: no title, no client.
    for absent in [
        "Asylum appeal",
        "Miriam Tesfaye",
        "Yusuf Abdi",
        "Visa",
        "Alice",
        "Ben",
    ] {
        assert!(!text.contains(absent), "{absent} in the ics:\n{text}");
    }

    // Never written over an existing file, nor inside the vault.
    let before = std::fs::read(&file).expect("read");
    let err = w.fails(&s.alice, &["agenda", "--ics", path], 1);
    assert!(err.contains("already exists"), "{err}");
    assert_eq!(std::fs::read(&file).expect("read"), before, "unchanged");
    let inside = w.vault().join("deadlines.ics");
    let err = w.fails(
        &s.alice,
        &["agenda", "--ics", inside.to_str().expect("utf8")],
        1,
    );
    assert!(err.contains("inside the vault"), "{err}");
    assert!(!inside.exists());
    w.fails(&s.alice, &["agenda", "--ics", path, "--json"], 2);
}

#[test]
fn a_protected_case_never_shows_its_client_in_the_agenda_or_the_ics() {
    let s = setup();
    let w = &s.w;
    let file = w.path("p.ics");
    let marker = PROTECTED_CLIENT
        .split(' ')
        .next()
        .unwrap_or(PROTECTED_CLIENT);
    for who in [&s.alice, &s.ben] {
        let text = w.ok(who, &["agenda"]);
        let row = line_with(&text, "Witness statement");
        assert!(row.contains(PSEUDONYM), "{row}");
        assert!(
            !row.contains("REF-PROT"),
            "the pseudonym stands for the case: {row}"
        );
        let json = w.ok(who, &["agenda", "--json", "--days", "60"]);
        let err = stderr_of(w, who, &["agenda"]);
        for out in [&text, &json, &err] {
            assert!(!out.contains(marker), "the client's name leaked:\n{out}");
        }
    }
    w.ok(&s.ben, &["agenda", "--ics", file.to_str().expect("utf8")]);
    let ics = std::fs::read_to_string(&file).expect("ics");
    assert!(!ics.contains(marker), "{ics}");
    assert!(!ics.contains("REF-PROT"), "{ics}");
    let calendar: Calendar = ics.parse().expect("parse");
    assert!(calendar
        .events()
        .any(|e| e.get_summary() == Some(format!("{PSEUDONYM} — Witness statement").as_str())));
}
