//! The deadlines agenda (DESIGN §7): every deadline not yet done in the
//! cases the session can read, overdue first, then by date up to the end
//! of a window, each with its case's reference (or pseudonym, for a
//! protected identity, never the client's name), what is due, and the
//! case's owners. [`ics`] writes the same rows as an iCalendar file.
//!
//! What it shows, and why:
//! - only deadlines not marked done: the agenda is what is still to do
//!   (a done deadline stays on its case, where `case show` and the case's
//!   Deadlines tab list it and it can be marked not done again);
//! - every overdue deadline, however old, and the deadlines from today to
//!   `today + window_days` inclusive;
//! - whatever the case's status: a closed case's deadline that was never
//!   marked done still shows, so nothing is dropped silently;
//! - the cases it could not read (not shared with the user, or damaged)
//!   only as a count.
//!
//! `today` is always passed in (the CLI and the TUI take it once, the tests
//! fix it), so the bucketing and sorting here are pure. Nothing decrypted is
//! logged or written here: the rows go to the caller (their `Debug` is
//! redacted), and to disk only through [`ics::write_ics`], when asked.

pub mod ics;

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;

use chrono::{Days, NaiveDate};
use serde::Serialize;

use crate::case::{CaseId, CaseRecord};
use crate::error::Result;
use crate::keys::fingerprint::Fingerprint;
use crate::keys::identity::Session;
use crate::ops::cases::{CaseSummary, SummaryState};
use crate::ops::listing;
use crate::vault::Vault;

/// The window [`agenda`] looks ahead by default, in days (`--days`).
pub const DEFAULT_WINDOW_DAYS: u32 = 14;

/// How soon a deadline is due, relative to today.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Bucket {
    /// Before today and not done.
    Overdue,
    /// Today.
    Today,
    /// In the six days after today (the coming week, today included in
    /// [`Bucket::Today`]).
    ThisWeek,
    /// A week from today or later.
    Later,
}

impl Bucket {
    /// The bucket of a deadline due on `date`, seen on `today`.
    pub fn of(date: NaiveDate, today: NaiveDate) -> Bucket {
        match date.signed_duration_since(today).num_days() {
            d if d < 0 => Bucket::Overdue,
            0 => Bucket::Today,
            1..=6 => Bucket::ThisWeek,
            _ => Bucket::Later,
        }
    }

    /// How the CLI and the TUI write it: the urgent ones in capitals, so
    /// they stand out without colour.
    pub fn label(self) -> &'static str {
        match self {
            Bucket::Overdue => "OVERDUE",
            Bucket::Today => "TODAY",
            Bucket::ThisWeek => "this week",
            Bucket::Later => "later",
        }
    }
}

/// One deadline of the agenda.
#[derive(Clone, PartialEq, Eq, Serialize)]
pub struct AgendaRow {
    /// The case.
    pub case: CaseId,
    /// The firm's reference of the case.
    pub reference: String,
    /// The pseudonym, when the case's identity is protected.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pseudonym: Option<String>,
    /// The deadline's id in the case's `deadlines` (what `case edit ID
    /// deadlines ITEM done=true` names).
    pub deadline: String,
    /// When it is due.
    pub date: NaiveDate,
    /// What is due.
    pub what: String,
    /// How soon, relative to the agenda's `today`.
    pub bucket: Bucket,
    /// The case's owners.
    pub owners: Vec<Fingerprint>,
}

// Decrypted content: Debug never shows it.
crate::redacted_debug!(AgendaRow);

impl AgendaRow {
    /// What names the case in a row: the pseudonym of a protected case,
    /// else its reference. Never the client's name.
    pub fn shown(&self) -> &str {
        self.pseudonym.as_deref().unwrap_or(&self.reference)
    }
}

/// The agenda: open deadlines across the cases the session can read.
#[derive(Debug, Clone, Serialize)]
pub struct Agenda {
    /// The day it was judged on.
    pub today: NaiveDate,
    /// The last day it looks ahead to (inclusive); `None` when only
    /// overdue deadlines were asked for ([`Agenda::overdue_only`]).
    pub until: Option<NaiveDate>,
    /// By date, soonest (the most overdue) first.
    pub rows: Vec<AgendaRow>,
    /// Cases that could not be read (their deadlines, if any, stay inside
    /// their encrypted records).
    pub unreadable: usize,
}

impl Agenda {
    /// An empty agenda for `today`, looking `window_days` ahead.
    pub fn new(today: NaiveDate, window_days: u32) -> Agenda {
        Agenda {
            today,
            until: Some(until(today, window_days)),
            rows: Vec::new(),
            unreadable: 0,
        }
    }

    /// Only the overdue deadlines.
    pub fn overdue_only(mut self) -> Agenda {
        self.rows.retain(|r| r.bucket == Bucket::Overdue);
        self.until = None;
        self
    }

    /// How many rows are overdue.
    pub fn overdue(&self) -> usize {
        self.rows
            .iter()
            .filter(|r| r.bucket == Bucket::Overdue)
            .count()
    }

    /// The agenda of `summaries` (as [`crate::ops::cases::list`] returns
    /// them), judged on `today`, looking `window_days` ahead.
    pub fn of<'a>(
        summaries: impl IntoIterator<Item = &'a CaseSummary>,
        today: NaiveDate,
        window_days: u32,
    ) -> Agenda {
        let mut agenda = Agenda::new(today, window_days);
        for s in summaries {
            match &s.state {
                SummaryState::Readable { record } => {
                    agenda
                        .rows
                        .extend(rows_of(&s.id, &s.owners, record, today, agenda.until))
                }
                _ => agenda.unreadable += 1,
            }
        }
        agenda.sort();
        agenda
    }

    fn sort(&mut self) {
        self.rows.sort_by(|a, b| {
            (a.date, a.shown(), &a.case, &a.deadline).cmp(&(
                b.date,
                b.shown(),
                &b.case,
                &b.deadline,
            ))
        });
    }
}

/// The last day of a window of `days` from `today` (the latest date there
/// is, rather than an overflow, for an absurd window).
fn until(today: NaiveDate, days: u32) -> NaiveDate {
    today
        .checked_add_days(Days::new(u64::from(days)))
        .unwrap_or(NaiveDate::MAX)
}

/// The agenda rows of one case: its deadlines not done that are overdue
/// on `today` or due by `until` (every overdue one alone when `until` is
/// `None`), unsorted.
pub fn rows_of(
    id: &CaseId,
    owners: &[Fingerprint],
    record: &CaseRecord,
    today: NaiveDate,
    until: Option<NaiveDate>,
) -> Vec<AgendaRow> {
    record
        .deadlines
        .iter()
        .filter(|d| !d.done)
        .filter(|d| d.date < today || until.is_some_and(|u| d.date <= u))
        .map(|d| AgendaRow {
            case: id.clone(),
            reference: record.reference.clone(),
            pseudonym: record.shown_pseudonym().map(String::from),
            deadline: d.id.clone(),
            date: d.date,
            what: d.what.clone(),
            bucket: Bucket::of(d.date, today),
            owners: owners.to_vec(),
        })
        .collect()
}

/// The agenda of every case the session can read, judged on `today`:
/// every overdue deadline not done, and those due up to `window_days`
/// ahead. Decrypts the cases in parallel, as the case list does.
pub fn agenda(
    vault: &Vault,
    session: &Session,
    today: NaiveDate,
    window_days: u32,
) -> Result<Agenda> {
    agenda_cancellable(vault, session, today, window_days, &AtomicBool::new(false))
}

/// [`agenda`], stopping early once `cancel` is set: what it returns then is
/// incomplete, so a caller that raises the flag drops the answer (as the
/// TUI's jobs layer does with a cancelled job's).
pub fn agenda_cancellable(
    vault: &Vault,
    session: &Session,
    today: NaiveDate,
    window_days: u32,
    cancel: &AtomicBool,
) -> Result<Agenda> {
    let ids = vault.case_ids()?;
    let mut agenda = Agenda::new(today, window_days);
    let horizon = agenda.until;
    let rows = Mutex::new(Vec::new());
    let unreadable = AtomicUsize::new(0);
    listing::summarise_each(vault, session, &ids, cancel, |s| match &s.state {
        SummaryState::Readable { record } => {
            let found = rows_of(&s.id, &s.owners, record, today, horizon);
            if !found.is_empty() {
                if let Ok(mut all) = rows.lock() {
                    all.extend(found);
                }
            }
        }
        _ => {
            unreadable.fetch_add(1, Ordering::Relaxed);
        }
    })?;
    agenda.rows = rows.into_inner().unwrap_or_else(|p| p.into_inner());
    agenda.unreadable = unreadable.into_inner();
    agenda.sort();
    Ok(agenda)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::case::record::Deadline;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn deadline(id: &str, date: NaiveDate, what: &str, done: bool) -> Deadline {
        Deadline {
            id: id.into(),
            date,
            what: what.into(),
            done,
            extra: Default::default(),
        }
    }

    fn case(id: &str, reference: &str, deadlines: Vec<Deadline>) -> CaseSummary {
        let mut record = CaseRecord::default();
        record.reference = reference.into();
        record.title = "Title MARKER-TITLE".into();
        record.client.name = "MARKER-CLIENT".into();
        record.deadlines = deadlines;
        CaseSummary {
            id: id.parse().unwrap(),
            owners: vec![fp(1)],
            state: SummaryState::Readable {
                record: Box::new(record),
            },
        }
    }

    fn fp(b: u8) -> Fingerprint {
        use base64::Engine;
        format!(
            "SHA256:{}",
            base64::engine::general_purpose::STANDARD_NO_PAD.encode([b; 32])
        )
        .parse()
        .unwrap()
    }

    #[test]
    fn buckets_are_overdue_today_the_coming_week_and_later() {
        let today = day(2026, 12, 1);
        assert_eq!(Bucket::of(day(2025, 1, 1), today), Bucket::Overdue);
        assert_eq!(Bucket::of(day(2026, 11, 30), today), Bucket::Overdue);
        assert_eq!(Bucket::of(today, today), Bucket::Today);
        assert_eq!(Bucket::of(day(2026, 12, 2), today), Bucket::ThisWeek);
        assert_eq!(Bucket::of(day(2026, 12, 7), today), Bucket::ThisWeek);
        assert_eq!(Bucket::of(day(2026, 12, 8), today), Bucket::Later);
        assert_eq!(Bucket::Overdue.label(), "OVERDUE");
    }

    #[test]
    fn the_agenda_is_open_deadlines_overdue_first_then_by_date_within_the_window() {
        let today = day(2026, 12, 1);
        let mut protected = case(
            "27T8E7KFWC",
            "OL-101",
            vec![
                deadline("a1", day(2026, 12, 10), "File the bundle", false),
                deadline("a2", day(2026, 11, 2), "Serve notice", false),
                deadline("a3", day(2026, 11, 20), "Already done", true),
                deadline("a4", day(2027, 3, 1), "Beyond the window", false),
            ],
        );
        if let SummaryState::Readable { record } = &mut protected.state {
            record.protected_identity = true;
            record.pseudonym = Some("Client MT-7".into());
        }
        let plain = case(
            "1EZYDVX2V7",
            "OL-102",
            vec![
                deadline("b1", today, "Hearing", false),
                deadline("b2", day(2026, 12, 15), "Last day of the window", false),
                deadline("b3", day(2026, 12, 16), "One day too far", false),
            ],
        );
        let locked = CaseSummary {
            id: "FQA8CV7V0J".parse().unwrap(),
            owners: vec![fp(2)],
            state: SummaryState::Locked,
        };
        let damaged = CaseSummary {
            id: "QXQWQXTJ1J".parse().unwrap(),
            owners: vec![fp(1)],
            state: SummaryState::Damaged {
                problem: "x".into(),
            },
        };
        let all = [protected, plain, locked, damaged];
        let agenda = Agenda::of(&all, today, 14);
        let got: Vec<(&str, &str, Bucket)> = agenda
            .rows
            .iter()
            .map(|r| (r.deadline.as_str(), r.shown(), r.bucket))
            .collect();
        assert_eq!(
            got,
            vec![
                ("a2", "Client MT-7", Bucket::Overdue),
                ("b1", "OL-102", Bucket::Today),
                ("a1", "Client MT-7", Bucket::Later),
                ("b2", "OL-102", Bucket::Later),
            ]
        );
        assert_eq!(agenda.unreadable, 2);
        assert_eq!(agenda.until, Some(day(2026, 12, 15)));
        assert_eq!(agenda.overdue(), 1);
        assert_eq!(agenda.rows[0].owners, vec![fp(1)]);

        let overdue = agenda.clone().overdue_only();
        assert_eq!(overdue.rows.len(), 1);
        assert_eq!(overdue.until, None);

        let json = serde_json::to_string(&agenda).unwrap();
        assert!(json.contains("\"bucket\":\"overdue\""), "{json}");
        assert!(json.contains("\"pseudonym\":\"Client MT-7\""), "{json}");
        for marker in ["MARKER-CLIENT", "MARKER-TITLE"] {
            assert!(!json.contains(marker), "{marker} in {json}");
        }
        assert_eq!(format!("{:?}", agenda.rows[0]), "AgendaRow([redacted])");
    }

    #[test]
    fn a_window_of_zero_days_is_overdue_and_today_and_an_absurd_one_does_not_overflow() {
        let today = day(2026, 12, 1);
        let c = case(
            "1EZYDVX2V7",
            "R",
            vec![
                deadline("x", day(2026, 11, 30), "late", false),
                deadline("y", today, "now", false),
                deadline("z", day(2026, 12, 2), "tomorrow", false),
            ],
        );
        let zero = Agenda::of([&c], today, 0);
        assert_eq!(zero.rows.len(), 2);
        let huge = Agenda::of([&c], today, u32::MAX);
        assert_eq!(huge.rows.len(), 3);
    }

    #[test]
    fn the_agenda_reads_every_case_it_can_and_counts_the_rest() {
        let dir = tempfile::tempdir().unwrap();
        let (session, mut vault) = crate::samples::testkit::owner_and_vault(dir.path());
        let ben = crate::samples::testkit::person(dir.path(), "Ben", "x.example").unwrap();
        crate::samples::testkit::join(&mut vault, &session, &ben).unwrap();
        let today = chrono::Utc::now().date_naive();
        let mut ids = Vec::new();
        for title in ["One", "Two"] {
            let id = crate::ops::cases::create(
                &vault,
                &session,
                crate::ops::cases::NewCase {
                    title: title.into(),
                    ..Default::default()
                },
            )
            .unwrap();
            let date = format!("date={}", today.pred_opt().unwrap());
            crate::ops::cases::edit_item(
                &vault,
                &session,
                &id,
                "deadlines",
                crate::case::items::ItemChange::Add(&[date, format!("what=due in {title}")]),
            )
            .unwrap();
            ids.push(id);
        }
        let mine = agenda(&vault, &session, today, 14).unwrap();
        assert_eq!(mine.rows.len(), 2);
        assert!(mine.rows.iter().all(|r| r.bucket == Bucket::Overdue));
        assert_eq!(mine.unreadable, 0);
        let bens = agenda(&vault, &ben, today, 14).unwrap();
        assert!(bens.rows.is_empty());
        assert_eq!(bens.unreadable, 2, "Ben was granted neither case");
        let cancelled =
            agenda_cancellable(&vault, &session, today, 14, &AtomicBool::new(true)).unwrap();
        assert!(cancelled.rows.is_empty(), "a raised flag stops the work");
    }
}
