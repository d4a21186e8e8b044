//! Printing: human tables and the stable `--json` shapes documented in
//! docs/user-guide.md. JSON field names here are a contract: add, never rename.

use dossier::audit::log::LogEntry;
use dossier::case::fields::{Kind, FIELDS};
use dossier::keys::identity::Identity;
use dossier::ops::cases::{CaseSummary, OpenCase, SummaryState};
use dossier::vault::Vault;
use dossier::{Error, Result};
use serde_json::json;

pub(super) fn print_json(value: &serde_json::Value) -> Result<()> {
    let text = serde_json::to_string_pretty(value)
        .map_err(|e| Error::Refused(format!("cannot print JSON: {e}")))?;
    println!("{text}");
    Ok(())
}

/// The field table for `case set --help`.
pub fn fields_help() -> String {
    let mut out = String::from("Fields:\n");
    for (name, kind) in FIELDS {
        let how = match kind {
            Kind::Text => "text (empty clears)".to_string(),
            Kind::RequiredText => "text (required)".to_string(),
            Kind::Date => "date YYYY-MM-DD (empty clears)".to_string(),
            Kind::Choice(o) => format!("one of {}", o.join(", ")),
            Kind::Flag => "true or false".to_string(),
            Kind::Yaml => "YAML list, e.g. [a, b] or [{name: X, role: witness}]".to_string(),
        };
        out.push_str(&format!("  {name:<24} {how}\n"));
    }
    out
}

pub fn key_list(vault: &Vault, me: Option<&Identity>, json: bool) -> Result<()> {
    let ring = vault.keyring();
    let mine = me.map(|m| m.fingerprint());
    if json {
        let rows: Vec<_> = ring
            .entries()
            .map(|e| {
                json!({
                    "fingerprint": e.fingerprint.to_string(),
                    "name": e.card.name,
                    "email": e.card.email,
                    "validity": ring.validity(&e.fingerprint).map(|v| v.to_string()),
                    "role": e.role.to_string(),
                    "certified_by": e.certified_by.map(|c| c.to_string()),
                    "expires": e.expires(),
                    "me": Some(e.fingerprint) == mine,
                })
            })
            .collect();
        return print_json(&serde_json::Value::Array(rows));
    }
    for e in ring.entries() {
        let validity = ring
            .validity(&e.fingerprint)
            .map(|v| v.to_string())
            .unwrap_or_default();
        let marker = if Some(e.fingerprint) == mine {
            "*"
        } else {
            " "
        };
        println!(
            "{marker} {:<11} {:<5} {}  {} <{}>",
            validity,
            e.role.to_string(),
            e.fingerprint,
            e.card.name,
            e.card.email
        );
        println!("      {}", e.fingerprint.grouped());
    }
    for p in ring.problems() {
        eprintln!("dossier: warning: {p}");
    }
    expiry_warnings(vault)
}

/// Expired keys, and keys expiring within 30 days, with the cases they are
/// on: dossier refuses to encrypt to an expired key, never drops it quietly.
pub fn expiry_warnings(vault: &Vault) -> Result<()> {
    let ring = vault.keyring();
    let now = chrono::Utc::now();
    for e in ring.entries() {
        let Some(at) = e.expires() else { continue };
        if e.revocation.is_some() || at > now + chrono::Duration::days(30) {
            continue;
        }
        let cases = dossier::trust::policy::cases_listing(vault, &e.fingerprint)?;
        let state = if at <= now { "expired" } else { "expires" };
        let list: Vec<String> = cases.iter().map(|c| c.to_string()).collect();
        eprintln!(
            "dossier: warning: the key of {} <{}> {state} on {}; it is on {} case(s){}{}. {}",
            e.card.name,
            e.card.email,
            at.format("%Y-%m-%d"),
            cases.len(),
            if list.is_empty() { "" } else { ": " },
            list.join(", "),
            if at <= now {
                "dossier will not encrypt to it: its owner must extend it (`dossier key expire DATE`) or be removed from those cases"
            } else {
                "Its owner can extend it with `dossier key expire DATE`"
            }
        );
    }
    Ok(())
}

pub fn verify(report: &dossier::audit::verify::Report, json: bool) -> Result<()> {
    if json {
        let value = serde_json::to_value(report)
            .map_err(|e| Error::Refused(format!("cannot print JSON: {e}")))?;
        return print_json(&value);
    }
    for p in &report.problems {
        println!("{}: {}", p.subject, p.problem);
    }
    eprintln!(
        "checked {} case(s), {} encrypted file(s), decrypted {}; {} problem(s)",
        report.cases,
        report.files,
        report.decrypted,
        report.problems.len()
    );
    Ok(())
}

pub fn own_key(me: &Identity, json: bool) -> Result<()> {
    let card = me.card();
    if json {
        return print_json(&json!([{
            "fingerprint": me.fingerprint().to_string(),
            "name": card.name,
            "email": card.email,
            "validity": null,
            "role": null,
            "certified_by": null,
            "expires": card.expires,
            "me": true,
        }]));
    }
    println!("* {}  {} <{}>", me.fingerprint(), card.name, card.email);
    println!("      {}", me.fingerprint().grouped());
    println!("(not in a vault: validity is decided by a vault's administrators)");
    Ok(())
}

pub fn case_list(vault: &Vault, cases: &[CaseSummary], json: bool) -> Result<()> {
    if json {
        let rows: Vec<_> = cases
            .iter()
            .map(|c| {
                let owners: Vec<String> = c.owners.iter().map(|o| o.to_string()).collect();
                match &c.state {
                    SummaryState::Readable { record } => json!({
                        "id": c.id.to_string(),
                        "access": "readable",
                        "owners": owners,
                        "reference": record.reference,
                        "title": record.title,
                        "client": record.display_client(),
                        "protected_identity": record.protected_identity,
                        "status": record.status.to_string(),
                        "sensitivity": record.sensitivity.to_string(),
                        "next_deadline": record.next_deadline().map(|d| d.date.to_string()),
                    }),
                    SummaryState::Locked => json!({"id": c.id.to_string(), "access": "locked", "owners": owners}),
                    SummaryState::Damaged { problem } => {
                        json!({"id": c.id.to_string(), "access": "damaged", "owners": owners, "problem": problem})
                    }
                }
            })
            .collect();
        return print_json(&serde_json::Value::Array(rows));
    }
    if cases.is_empty() {
        println!("No cases yet. Create one with `dossier case new --title TITLE`.");
        return Ok(());
    }
    println!(
        "{:<10}  {:<12} {:<22} {:<28} {:<8} {:<12} NEXT DEADLINE",
        "ID", "REFERENCE", "CLIENT", "TITLE", "STATUS", "SENSITIVITY"
    );
    for c in cases {
        match &c.state {
            SummaryState::Readable { record } => println!(
                "{:<10}  {:<12} {:<22} {:<28} {:<8} {:<12} {}",
                c.id,
                clip(&record.reference, 12),
                clip(record.display_client(), 22),
                clip(&record.title, 28),
                record.status.to_string(),
                record.sensitivity.to_string(),
                record
                    .next_deadline()
                    .map(|d| d.date.to_string())
                    .unwrap_or_else(|| "-".into())
            ),
            SummaryState::Locked => {
                let owners: Vec<String> = c.owners.iter().map(|o| owner_name(vault, o)).collect();
                println!(
                    "{:<10}  (locked: not shared with you; owners: {})",
                    c.id,
                    owners.join(", ")
                );
            }
            SummaryState::Damaged { problem } => {
                println!("{:<10}  (cannot be read: {problem})", c.id)
            }
        }
    }
    Ok(())
}

fn owner_name(vault: &Vault, fp: &dossier::keys::fingerprint::Fingerprint) -> String {
    match vault.keyring().get(fp) {
        Some(e) => format!("{} {}", e.card.name, fp.short()),
        None => fp.short(),
    }
}

fn clip(s: &str, width: usize) -> String {
    if s.chars().count() <= width {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(width.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

pub fn case_show(vault: &Vault, case: &OpenCase, json: bool) -> Result<()> {
    if json {
        let value = json!({
            "id": case.id.to_string(),
            "record": case.record,
            "access": case.access,
            "notes": case.notes,
        });
        return print_json(&value);
    }
    println!("Case {}", case.id);
    println!("{}", "-".repeat(40));
    print!("{}", &*case.record.to_yaml()?);
    println!("{}", "-".repeat(40));
    let flags = dossier::ops::disclose::attention(&case.record, chrono::Utc::now().date_naive());
    if !flags.is_empty() {
        println!("Attention:");
        for flag in flags {
            println!("  {flag}");
        }
    }
    println!("Owners:");
    for o in &case.access.owners {
        println!("  {}", vault.keyring().label(o));
    }
    if !case.access.readers.is_empty() {
        println!("Readers:");
        for r in &case.access.readers {
            match r {
                dossier::case::AccessEntry::Key(fp) => println!("  {}", vault.keyring().label(fp)),
                group => println!("  {group}"),
            }
        }
    }
    if !case.notes.is_empty() {
        println!("Notes:");
        for n in &case.notes {
            println!(
                "  [{}] {}",
                n.created.format("%Y-%m-%d %H:%M"),
                owner_name(vault, &n.author)
            );
            for line in n.text.lines() {
                println!("    {line}");
            }
        }
    }
    Ok(())
}

pub fn log(vault: &Vault, entries: &[LogEntry], json: bool) -> Result<()> {
    if json {
        let value = serde_json::to_value(entries)
            .map_err(|e| Error::Refused(format!("cannot print JSON: {e}")))?;
        return print_json(&value);
    }
    for e in entries {
        let who = e
            .signer
            .or(e.actor)
            .map(|fp| owner_name(vault, &fp))
            .unwrap_or_else(|| "-".into());
        println!(
            "{}  {}  {:<19} {:<40}  {}",
            &e.commit[..12],
            e.time.format("%Y-%m-%d %H:%M"),
            e.signature.to_string(),
            clip(&e.subject, 40),
            who
        );
    }
    Ok(())
}

/// `dossier disclosures`: the register as a table, JSON or CSV.
pub fn register(register: &dossier::ops::disclose::Register, json: bool, csv: bool) -> Result<()> {
    if json {
        let value = serde_json::to_value(register)
            .map_err(|e| Error::Refused(format!("cannot print JSON: {e}")))?;
        return print_json(&value);
    }
    if csv {
        println!("date,case,reference,pseudonym,basis,to,scope,authorised_by,disclosure_reference");
        for r in &register.rows {
            let cells = [
                r.date.to_string(),
                r.case.to_string(),
                r.reference.clone(),
                r.pseudonym.clone().unwrap_or_default(),
                r.basis.clone(),
                r.to.clone(),
                r.scope.clone(),
                r.authorised_by.clone(),
                r.disclosure_reference.clone().unwrap_or_default(),
            ];
            let line: Vec<String> = cells.iter().map(|c| csv_cell(c)).collect();
            println!("{}", line.join(","));
        }
    } else if register.rows.is_empty() {
        println!("No disclosures recorded in the cases you can read.");
    } else {
        for r in &register.rows {
            let case = match &r.pseudonym {
                Some(p) => format!("{} ({}, {p})", r.case, r.reference),
                None => format!("{} ({})", r.case, r.reference),
            };
            println!("{}  {case}  {}  to {}", r.date, r.basis, r.to);
            println!("    {}; authorised by {}", r.scope, r.authorised_by);
            if let Some(reference) = &r.disclosure_reference {
                println!("    reference {reference}");
            }
        }
    }
    if register.unreadable > 0 {
        eprintln!(
            "{} case(s) could not be read; their disclosures, if any, stay inside their encrypted records.",
            register.unreadable
        );
    }
    Ok(())
}

/// One CSV cell (RFC 4180): always quoted, quotes doubled; a cell a
/// spreadsheet would run as a formula (`=`, `+`, `-`, `@`) starts with `'`.
fn csv_cell(text: &str) -> String {
    let text = if text.starts_with(['=', '+', '-', '@']) {
        format!("'{text}")
    } else {
        text.to_string()
    };
    format!("\"{}\"", text.replace('"', "\"\""))
}

/// `dossier consents`: each consent with its state, as a table or JSON.
/// The groups and their members (names and fingerprints).
pub fn groups(vault: &Vault, json: bool) -> Result<()> {
    let groups = &vault.groups().doc().groups;
    if json {
        let value: serde_json::Map<String, serde_json::Value> = groups
            .iter()
            .map(|(name, members)| {
                let members: Vec<serde_json::Value> = members
                    .iter()
                    .map(|fp| {
                        json!({
                            "fingerprint": fp.to_string(),
                            "name": vault.keyring().get(fp).map(|e| e.card.name.clone()),
                        })
                    })
                    .collect();
                (name.clone(), serde_json::Value::Array(members))
            })
            .collect();
        return print_json(&serde_json::Value::Object(value));
    }
    if groups.is_empty() {
        println!("No groups (an administrator makes one with `dossier group set NAME FP...`).");
    }
    for (name, members) in groups {
        println!("@{name}");
        for fp in members {
            println!("  {}", vault.keyring().label(fp));
        }
    }
    Ok(())
}

/// The access review: grants by person, readers by case, then the flags.
pub fn access_review(
    vault: &Vault,
    review: &dossier::ops::access_review::Review,
    json: bool,
) -> Result<()> {
    use dossier::ops::access_review::{Flag, Through};
    if json {
        let value = serde_json::to_value(review)
            .map_err(|e| Error::Refused(format!("cannot print JSON: {e}")))?;
        return print_json(&value);
    }
    let name = |fp: &dossier::keys::fingerprint::Fingerprint| vault.keyring().label(fp);
    let through = |g: &dossier::ops::access_review::Grant| match (g.through, &g.group) {
        (Through::Owner, _) => "owner".to_string(),
        (Through::Group, Some(group)) => format!("@{group}"),
        _ => "reader".to_string(),
    };
    println!(
        "Access review: {} grant(s), {} flag(s); views {}.",
        review.grants.len(),
        review.flags.len(),
        if review.views_logged {
            "are logged"
        } else {
            "are not logged (log_views is off: no never-opened or unusual-access checks)"
        }
    );
    let mut last = None;
    for g in &review.grants {
        if last != Some(g.person) {
            println!("{}", name(&g.person));
            last = Some(g.person);
        }
        let opened = g
            .last_opened
            .map(|t| format!("  last opened {}", t.format("%Y-%m-%d")))
            .unwrap_or_default();
        println!(
            "  {}  {:<14} since {}{opened}",
            g.case,
            through(g),
            g.since.format("%Y-%m-%d")
        );
    }
    let mut by_case: std::collections::BTreeMap<&dossier::case::CaseId, Vec<String>> =
        std::collections::BTreeMap::new();
    for g in &review.grants {
        by_case
            .entry(&g.case)
            .or_default()
            .push(format!("{} ({})", g.name, through(g)));
    }
    if !by_case.is_empty() {
        println!("By case:");
        for (case, who) in by_case {
            println!("  {case}  {}", who.join(", "));
        }
    }
    if !review.flags.is_empty() {
        println!("To review:");
    }
    for f in &review.flags {
        match f {
            Flag::OldGrant { case, person, days } => println!(
                "  OLD GRANT     {}  can read {case} for {days} day(s) (review after {})",
                name(person),
                review.older_than_days
            ),
            Flag::NeverOpened { case, person } => println!(
                "  NEVER OPENED  {}  can read {case} and never opened it",
                name(person)
            ),
            Flag::BusyDay {
                person,
                day,
                opened,
                usual,
            } => println!(
                "  BUSY DAY      {}  opened {opened} case(s) on {day}; usually {usual:.1} a day",
                name(person)
            ),
            Flag::OutsideAreas { person, case, area } => println!(
                "  OUTSIDE AREAS {}  opened {case} ({area}), outside their groups' practice areas",
                name(person)
            ),
        }
    }
    Ok(())
}

/// The retention report: cases at or past their date, longest past first.
pub fn retention(report: &dossier::ops::retention::Due, json: bool) -> Result<()> {
    if json {
        let value = serde_json::to_value(report)
            .map_err(|e| Error::Refused(format!("cannot print JSON: {e}")))?;
        return print_json(&value);
    }
    if report.rows.is_empty() {
        println!("No case you can read is past its retention date.");
    }
    for r in &report.rows {
        let case = match &r.pseudonym {
            Some(p) => format!("{} ({}, {p})", r.case, r.reference),
            None => format!("{} ({})", r.case, r.reference),
        };
        let past = match r.days_past {
            0 => "due today".to_string(),
            n => format!("{n} day(s) past"),
        };
        println!(
            "PAST RETENTION  {case}  retention until {} ({past}); {}",
            r.retention_until, r.status
        );
    }
    if !report.undated_closed.is_empty() {
        let ids: Vec<String> = report
            .undated_closed
            .iter()
            .map(ToString::to_string)
            .collect();
        println!(
            "{} closed case(s) have no retention date (set one with `case set ID retention_until=DATE`, or a policy with `settings retention.AREA=YEARS` before closing): {}",
            ids.len(),
            ids.join(", ")
        );
    }
    if report.unreadable > 0 {
        eprintln!(
            "{} case(s) could not be read; their retention dates stay inside their encrypted records.",
            report.unreadable
        );
    }
    Ok(())
}

/// A conflict check: each case a name was found in, with its owners, the
/// role and the extent of the match; never anything of the case itself.
pub fn conflicts(
    vault: &Vault,
    report: &dossier::ops::conflicts::Report,
    json: bool,
) -> Result<()> {
    if json {
        let value = serde_json::to_value(report)
            .map_err(|e| Error::Refused(format!("cannot print JSON: {e}")))?;
        return print_json(&value);
    }
    for hit in &report.hits {
        let how: Vec<String> = hit
            .matches
            .iter()
            .map(dossier::ops::conflicts::describe)
            .collect();
        let owners: Vec<String> = hit
            .owners
            .iter()
            .map(|o| vault.keyring().label(o))
            .collect();
        println!(
            "{}  \"{}\" as {}  owners: {}",
            hit.case,
            hit.name,
            how.join("; "),
            owners.join(", ")
        );
    }
    print!("{report}");
    Ok(())
}

pub fn consents(report: &dossier::ops::disclose::Consents, json: bool) -> Result<()> {
    use dossier::ops::disclose::ConsentState;
    if json {
        let value = serde_json::to_value(report)
            .map_err(|e| Error::Refused(format!("cannot print JSON: {e}")))?;
        return print_json(&value);
    }
    if report.rows.is_empty() {
        println!("No consents to show in the cases you can read.");
    }
    for r in &report.rows {
        let case = match &r.pseudonym {
            Some(p) => format!("{} ({}, {p})", r.case, r.reference),
            None => format!("{} ({})", r.case, r.reference),
        };
        let state = match r.state {
            ConsentState::Current => "current".to_string(),
            ConsentState::Expiring => "EXPIRING".to_string(),
            ConsentState::Expired => "EXPIRED".to_string(),
            ConsentState::Withdrawn => "WITHDRAWN".to_string(),
        };
        let until = r
            .expiry
            .map(|e| format!(" until {e}"))
            .unwrap_or_else(|| " (no expiry)".into());
        let covers = if r.enforceable {
            ""
        } else {
            "; does not say what it covers, so it allows no disclosure"
        };
        println!(
            "{state:<9}  {case}  consent {} of {}{until}{covers}",
            r.consent, r.date
        );
    }
    if report.unreadable > 0 {
        eprintln!(
            "{} case(s) could not be read; their consents, if any, stay inside their encrypted records.",
            report.unreadable
        );
    }
    Ok(())
}

/// `dossier agenda`: one line per deadline (its bucket first, `OVERDUE`
/// in words), or JSON.
pub fn agenda(vault: &Vault, report: &dossier::ops::agenda::Agenda, json: bool) -> Result<()> {
    if json {
        let value = serde_json::to_value(report)
            .map_err(|e| Error::Refused(format!("cannot print JSON: {e}")))?;
        print_json(&value)?;
    } else if report.rows.is_empty() {
        match report.until {
            Some(until) => println!(
                "No deadlines overdue or due by {until} in the cases you can read (today is {}).",
                report.today
            ),
            None => println!(
                "No overdue deadlines in the cases you can read (today is {}).",
                report.today
            ),
        }
    } else {
        match report.until {
            Some(until) => println!(
                "{} deadline(s) not done, {} overdue, up to {until} (today is {}):",
                report.rows.len(),
                report.overdue(),
                report.today
            ),
            None => println!(
                "{} overdue deadline(s) (today is {}):",
                report.rows.len(),
                report.today
            ),
        }
        for r in &report.rows {
            let owners: Vec<String> = r.owners.iter().map(|o| owner_name(vault, o)).collect();
            println!(
                "{:<9}  {}  {:<26}  {}  owners: {}",
                r.bucket.label(),
                r.date,
                format!("{} ({})", r.case, one_line(r.shown())),
                one_line(&r.what),
                owners.join(", ")
            );
        }
    }
    agenda_unreadable(report);
    Ok(())
}

/// `dossier agenda --ics FILE`: what was written, and that it is not
/// encrypted.
pub fn agenda_written(report: &dossier::ops::agenda::Agenda, n: usize, path: &std::path::Path) {
    println!(
        "Wrote {n} deadline(s) to {} (readable by you only). The file is NOT encrypted: each event holds a case's reference (or pseudonym), a date and what is due. Import it into your calendar, then delete it.",
        path.display()
    );
    agenda_unreadable(report);
}

fn agenda_unreadable(report: &dossier::ops::agenda::Agenda) {
    if report.unreadable > 0 {
        eprintln!(
            "{} case(s) could not be read; their deadlines, if any, stay inside their encrypted records.",
            report.unreadable
        );
    }
}

/// A value from a record on one terminal line: control characters (which
/// could move the cursor or recolour the terminal) become spaces.
fn one_line(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}
