//! The deadlines agenda tab: snapshots of it loaded, loading and empty;
//! overdue rows say so in words; a protected case shows its pseudonym and
//! never its client or reference; `Enter` opens the case and `Space` asks
//! for exactly one change, by the deadline's id; the agenda is read again
//! after it.

use super::*;
use crate::tui::data::{Change, ItemOp};
use dossier::ops::agenda::Agenda;

fn deadline(id: &str, date: NaiveDate, what: &str, done: bool) -> Deadline {
    Deadline {
        id: id.into(),
        date,
        what: what.into(),
        done,
        extra: Default::default(),
    }
}

/// The fixture's cases with deadlines around the fixture's today
/// (2026-12-01): the protected asylum case (client Miriam Tesfaye, shown as
/// Client MT-7), the visa case, and Ben's case, which Ada cannot read.
fn agenda() -> Agenda {
    let mut asylum = asylum();
    asylum.deadlines = vec![
        deadline("d1", day(2026, 11, 27), "Lodge appeal bundle", false),
        deadline("d2", day(2026, 12, 4), "Request medical report", false),
        deadline("d9", day(2026, 11, 20), "Done long ago", true),
    ];
    let mut visa = record("OL-2026-102", "Family reunion visa", "Yusuf Abdi");
    visa.deadlines = vec![
        deadline("d3", day(2026, 12, 1), "Submit DNA evidence", false),
        deadline("d4", day(2026, 12, 12), "Sponsor's bank statements", false),
        deadline("d5", day(2027, 2, 1), "Beyond the window", false),
    ];
    let summaries = [
        CaseSummary {
            id: id("27T8E7KFWC"),
            owners: vec![ada(), fp(3)],
            state: SummaryState::Readable {
                record: Box::new(asylum),
            },
        },
        CaseSummary {
            id: id("1EZYDVX2V7"),
            owners: vec![ada()],
            state: SummaryState::Readable {
                record: Box::new(visa),
            },
        },
        CaseSummary {
            id: id("FQA8CV7V0J"),
            owners: vec![fp(2)],
            state: SummaryState::Locked,
        },
    ];
    Agenda::of(&summaries, day(2026, 12, 1), 14)
}

/// Answers the running agenda job with `agenda`.
fn answer(app: &mut App, agenda: Agenda) {
    let serial = app
        .shared
        .jobs
        .serial_of(JobKind::Agenda)
        .expect("the agenda job runs");
    app.on_job(JobMessage {
        kind: JobKind::Agenda,
        serial,
        body: JobBody::Done(Ok(JobOutput::Agenda(Box::new(agenda)))),
    });
}

/// The fixture with the agenda tab shown (`4`) and loaded.
fn shown() -> Fixture {
    let mut f = fixture();
    press(&mut f.app, KeyCode::Char('4'));
    assert_eq!(f.app.screen, ScreenId::Agenda);
    answer(&mut f.app, agenda());
    f
}

#[test]
fn snapshot_the_agenda_with_overdue_rows_written_out_and_pseudonyms() {
    let mut f = fixture();
    press(&mut f.app, KeyCode::Char('4'));
    assert!(
        f.app.shared.jobs.is_running(JobKind::Agenda),
        "showing the tab starts reading the agenda"
    );
    let loading = text(&mut f.app, 100, 12);
    assert!(
        loading.contains("Reading the deadlines agenda"),
        "{loading}"
    );
    answer(&mut f.app, agenda());
    let screen = text(&mut f.app, 100, 12);
    insta::assert_snapshot!("agenda_100x12", screen);
    insta::assert_snapshot!("agenda_80x24", text(&mut f.app, 80, 24));

    assert!(screen.contains(" 4 Agenda"), "its own tab: {screen}");
    let overdue = screen
        .lines()
        .find(|l| l.contains("Lodge appeal bundle"))
        .expect("the overdue row");
    assert!(
        overdue.contains("OVERDUE"),
        "in words, not colour only: {overdue}"
    );
    assert!(screen.contains("Client MT-7"));
    for hidden in [
        "Miriam",
        "Tesfaye",
        "OL-2026-101",
        "Done long ago",
        "Beyond the window",
    ] {
        assert!(!screen.contains(hidden), "{hidden} shown:\n{screen}");
    }
    assert!(screen.contains("1 unreadable case(s) left out"), "{screen}");
}

#[test]
fn overdue_and_today_rows_are_styled_as_danger_and_warning() {
    let mut f = shown();
    // Away from the overdue row, so its own style shows.
    press(&mut f.app, KeyCode::Char('G'));
    let term = draw(&mut f.app, 100, 12);
    let buf = term.backend().buffer();
    let style_of = |needle: &str| {
        let y = (0..12)
            .find(|&y| {
                (0..100)
                    .map(|x| buf[(x, y)].symbol())
                    .collect::<String>()
                    .contains(needle)
            })
            .expect("row on screen");
        buf[(0, y)].style()
    };
    let t = &f.app.shared.theme;
    assert_eq!(
        style_of("Lodge appeal bundle").fg,
        t.style(Style::Danger).fg
    );
    assert_eq!(
        style_of("Submit DNA evidence").fg,
        t.style(Style::Warning).fg
    );
}

#[test]
fn enter_opens_the_case_of_the_selected_deadline() {
    let mut f = shown();
    press(&mut f.app, KeyCode::Char('j'));
    press(&mut f.app, KeyCode::Enter);
    assert_eq!(f.app.screen, ScreenId::Detail);
    let open = f.app.screens.detail.case.as_ref().map(|d| d.id.clone());
    assert_eq!(
        open,
        Some(id("1EZYDVX2V7")),
        "the second row is the visa case's"
    );
}

#[test]
fn space_marks_the_selected_deadline_done_by_its_id_and_the_agenda_is_read_again() {
    let mut f = shown();
    press(&mut f.app, KeyCode::Char('j'));
    press(&mut f.app, KeyCode::Char('j'));
    press(&mut f.app, KeyCode::Char(' '));
    match f.app.shared.started.as_slice() {
        [Change::Item(case, "deadlines", ItemOp::Edit(item, fields))] => {
            assert_eq!(*case, id("27T8E7KFWC"));
            assert_eq!(item, "d2", "the third row: Request medical report");
            assert_eq!(fields, &vec!["done=true".to_string()]);
        }
        other => panic!("expected one deadline change, got {other:?}"),
    }
    assert!(f.app.shared.jobs.is_running(JobKind::Change));
    // A second Space while it is saving starts nothing more.
    press(&mut f.app, KeyCode::Char(' '));
    assert_eq!(f.app.shared.started.len(), 1);

    // The change is committed: the agenda is read again, and the selection
    // stays where it was (now on the deadline that followed).
    let serial = f
        .app
        .shared
        .jobs
        .serial_of(JobKind::Change)
        .expect("change");
    f.app.on_job(JobMessage {
        kind: JobKind::Change,
        serial,
        body: JobBody::Done(Ok(JobOutput::Changed("Updated case 27T8E7KFWC".into()))),
    });
    assert!(f.app.shared.jobs.is_running(JobKind::Agenda));
    let mut after = agenda();
    after.rows.retain(|r| r.deadline != "d2");
    answer(&mut f.app, after);
    assert_eq!(f.app.screens.agenda.selected, 2);
    let screen = text(&mut f.app, 100, 12);
    assert!(!screen.contains("Request medical report"), "{screen}");
}

#[test]
fn the_agenda_command_sets_how_far_ahead_it_looks() {
    let mut f = fixture();
    press(&mut f.app, KeyCode::Char(':'));
    typing(&mut f.app, "agenda 30");
    press(&mut f.app, KeyCode::Enter);
    assert_eq!(f.app.screen, ScreenId::Agenda);
    assert_eq!(f.app.screens.agenda.days, Some(30));
    assert!(f.app.shared.jobs.is_running(JobKind::Agenda));

    let mut f = fixture();
    press(&mut f.app, KeyCode::Char(':'));
    typing(&mut f.app, "agenda soon");
    press(&mut f.app, KeyCode::Enter);
    assert_eq!(f.app.screen, ScreenId::Cases, "nothing shown");
    assert!(f
        .app
        .shared
        .message
        .as_ref()
        .is_some_and(|m| m.error && m.text.contains(":agenda 30")));
}

#[test]
fn an_empty_agenda_says_so_and_space_has_nothing_to_mark() {
    let mut f = fixture();
    press(&mut f.app, KeyCode::Char('4'));
    answer(&mut f.app, Agenda::new(day(2026, 12, 1), 14));
    let screen = text(&mut f.app, 80, 24);
    assert!(
        screen.contains("Nothing overdue or due by 2026-12-15"),
        "{screen}"
    );
    press(&mut f.app, KeyCode::Char(' '));
    assert!(f.app.shared.started.is_empty());
    press(&mut f.app, KeyCode::Enter);
    assert_eq!(f.app.screen, ScreenId::Agenda);
    // Esc goes back to the case list.
    press(&mut f.app, KeyCode::Esc);
    assert_eq!(f.app.screen, ScreenId::Cases);
}

#[test]
fn the_agenda_draws_at_tiny_sizes_without_panicking() {
    for (w, h) in [(20, 5), (40, 10), (1, 1)] {
        let mut f = shown();
        draw(&mut f.app, w, h);
    }
}
