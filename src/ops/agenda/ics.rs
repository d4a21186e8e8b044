//! The agenda as an iCalendar file (RFC 5545), for a calendar application:
//! `dossier agenda --ics FILE`.
//!
//! One all-day `VEVENT` per agenda row, holding only what the agenda row
//! shows a calendar needs: the case's reference (its pseudonym when the
//! identity is protected) and the deadline's text, as `SUMMARY`
//! (`OL-2026-101 — Lodge appeal bundle`). Never the client's name, the
//! title, the parties or the owners. Each event's `UID` is
//! `<case-id>-<deadline-id>@dossier`, so importing a later export updates
//! the same events instead of adding copies; `DTSTART`/`DTEND` are `DATE`
//! values (the day, and the next day: DTEND is exclusive); `CLASS` is
//! `CONFIDENTIAL` (a shared calendar shows others only that the time is
//! taken) and `TRANSP` is `TRANSPARENT` (a deadline does not make the day
//! busy). `DTSTAMP` is the time of the export, passed in.
//!
//! The file is not encrypted. It is written only where the user asked,
//! never over an existing file nor inside the vault, readable by its owner
//! only (0600), through [`crate::support::fsio`].

use std::fmt::Write as _;
use std::path::Path;

use chrono::{DateTime, Utc};
use icalendar::{Calendar, Class, Component, Event, EventLike};

use super::{Agenda, AgendaRow};
use crate::error::{Error, Result};
use crate::ops::documents;
use crate::support::fsio::{self, Mode};
use crate::vault::Vault;

/// The `PRODID` of the calendars dossier writes.
pub const PRODID: &str = "-//dossier//deadlines agenda//EN";

/// The `UID` of a row's event: stable for the same deadline of the same
/// case, whoever exports it and whenever.
pub fn uid(row: &AgendaRow) -> String {
    format!("{}-{}@dossier", row.case, row.deadline)
}

/// The `SUMMARY` of a row's event: what names the case (never the
/// client), a dash, and what is due, on one line.
pub fn summary(row: &AgendaRow) -> String {
    let one_line = |s: &str| -> String {
        s.chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect()
    };
    format!("{} — {}", one_line(row.shown()), one_line(row.what.trim()))
}

/// The agenda as an iCalendar document (CRLF line ends, folded at 75
/// octets), stamped `stamp`.
pub fn ics(agenda: &Agenda, stamp: DateTime<Utc>) -> Result<String> {
    let mut calendar = Calendar::empty();
    calendar
        .append_property(("VERSION", "2.0"))
        .append_property(("PRODID", PRODID))
        .append_property(("CALSCALE", "GREGORIAN"))
        .name("dossier deadlines");
    for row in &agenda.rows {
        let mut event = Event::new();
        event
            .uid(&uid(row))
            .timestamp(stamp)
            .starts(row.date)
            .summary(&summary(row))
            .class(Class::Confidential)
            .add_property("TRANSP", "TRANSPARENT");
        // DTEND is exclusive: the next day. Without it (only past the
        // last date there is) a DATE event lasts the one day anyway.
        if let Some(next) = row.date.succ_opt() {
            event.ends(next);
        }
        calendar.push(event.done());
    }
    let mut out = String::new();
    write!(out, "{calendar}").map_err(|_| Error::Refused("cannot write the calendar".into()))?;
    Ok(out)
}

/// Writes [`ics`] of `agenda` to `path`: a new file (never over an existing
/// one), outside the vault, mode 0600. Returns how many events it holds.
pub fn write_ics(
    vault: &Vault,
    agenda: &Agenda,
    path: &Path,
    stamp: DateTime<Utc>,
) -> Result<usize> {
    if path.exists() {
        return Err(Error::FileExists(path.to_path_buf()));
    }
    documents::refuse_inside_vault(vault, path)?;
    let text = ics(agenda, stamp)?;
    fsio::write_new(path, text.as_bytes(), Mode::Private)?;
    Ok(agenda.rows.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::agenda::Bucket;
    use chrono::{NaiveDate, TimeZone};
    use icalendar::{CalendarComponent, DatePerhapsTime};

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn row(
        case: &str,
        reference: &str,
        pseudonym: Option<&str>,
        deadline: &str,
        date: NaiveDate,
        what: &str,
    ) -> AgendaRow {
        AgendaRow {
            case: case.parse().unwrap(),
            reference: reference.into(),
            pseudonym: pseudonym.map(String::from),
            deadline: deadline.into(),
            date,
            what: what.into(),
            bucket: Bucket::of(date, day(2026, 12, 1)),
            owners: Vec::new(),
        }
    }

    fn agenda() -> Agenda {
        Agenda {
            today: day(2026, 12, 1),
            until: Some(day(2026, 12, 15)),
            rows: vec![
                row("27T8E7KFWC", "OL-2026-101", Some("Client MT-7"), "a2", day(2026, 11, 2), "Serve notice; then, file"),
                row(
                    "1EZYDVX2V7",
                    "OL-2026-102",
                    None,
                    "b1",
                    day(2026, 12, 31),
                    "Submit DNA evidence for the family reunion application, with the certified translations\nand the sponsor's letter",
                ),
            ],
            unreadable: 3,
        }
    }

    fn stamp() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 1, 9, 30, 0).unwrap()
    }

    #[test]
    fn the_ics_parses_back_to_one_all_day_event_per_row() {
        let text = ics(&agenda(), stamp()).unwrap();
        let parsed: Calendar = text.parse().unwrap();
        assert_eq!(parsed.property_value("VERSION"), Some("2.0"));
        assert_eq!(parsed.property_value("PRODID"), Some(PRODID));
        let events: Vec<&Event> = parsed
            .components
            .iter()
            .filter_map(|c| match c {
                CalendarComponent::Event(e) => Some(e),
                _ => None,
            })
            .collect();
        assert_eq!(events.len(), 2);
        let first = events[0];
        assert_eq!(first.get_uid(), Some("27T8E7KFWC-a2@dossier"));
        assert_eq!(
            first.get_summary(),
            Some("Client MT-7 — Serve notice; then, file"),
            "the pseudonym, and the text unescaped as it was"
        );
        assert_eq!(
            first.get_start(),
            Some(DatePerhapsTime::Date(day(2026, 11, 2)))
        );
        assert_eq!(
            first.get_end(),
            Some(DatePerhapsTime::Date(day(2026, 11, 3)))
        );
        assert_eq!(first.get_timestamp(), Some(stamp()));
        assert_eq!(first.get_class(), Some(Class::Confidential));
        let second = events[1];
        assert_eq!(second.get_uid(), Some("1EZYDVX2V7-b1@dossier"));
        assert!(
            second
                .get_summary()
                .is_some_and(|s| s.starts_with("OL-2026-102 — Submit DNA") && !s.contains('\n')),
            "one line: {:?}",
            second.get_summary()
        );
        assert_eq!(
            second.get_end(),
            Some(DatePerhapsTime::Date(day(2027, 1, 1)))
        );
    }

    #[test]
    fn the_ics_keeps_to_the_format_and_holds_no_client_or_reference_of_a_protected_case() {
        let text = ics(&agenda(), stamp()).unwrap();
        assert!(text.starts_with("BEGIN:VCALENDAR\r\n") && text.ends_with("END:VCALENDAR\r\n"));
        for line in text.split_inclusive('\n') {
            assert!(line.ends_with("\r\n"), "CRLF line ends: {line:?}");
            assert!(line.len() <= 77, "folded at 75 octets: {line:?}");
            assert!(
                !line[..line.len() - 2].chars().any(|c| c.is_control()),
                "{line:?}"
            );
        }
        let unfolded = text.replace("\r\n ", "");
        for needed in [
            "DTSTART;VALUE=DATE:20261102\r\n",
            "DTEND;VALUE=DATE:20261103\r\n",
            "DTSTAMP:20261201T093000Z\r\n",
            "TRANSP:TRANSPARENT\r\n",
        ] {
            assert!(unfolded.contains(needed), "{needed:?} in\n{unfolded}");
        }
        assert_eq!(unfolded.matches("BEGIN:VEVENT\r\n").count(), 2);
        assert_eq!(unfolded.matches("UID:").count(), 2);
        assert!(
            !text.contains("OL-2026-101"),
            "a protected case shows its pseudonym only"
        );
        // The same agenda, exported again, has the same events.
        let again = ics(&agenda(), stamp()).unwrap();
        assert_eq!(text, again);
    }

    #[test]
    fn an_ics_is_never_written_over_a_file_or_inside_the_vault() {
        let dir = tempfile::tempdir().unwrap();
        let (_session, vault) = crate::samples::testkit::owner_and_vault(dir.path());
        let out = dir.path().join("agenda.ics");
        assert_eq!(write_ics(&vault, &agenda(), &out, stamp()).unwrap(), 2);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&out).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let before = std::fs::read(&out).unwrap();
        assert!(matches!(
            write_ics(&vault, &agenda(), &out, stamp()),
            Err(Error::FileExists(_))
        ));
        assert_eq!(
            std::fs::read(&out).unwrap(),
            before,
            "nothing was overwritten"
        );
        let inside = vault.root().join("agenda.ics");
        assert!(matches!(
            write_ics(&vault, &agenda(), &inside, stamp()),
            Err(Error::ExportInsideVault { .. })
        ));
        assert!(!inside.exists());
    }
}
