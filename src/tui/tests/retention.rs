//! The retention view: `:retention` reads the report in a job, rows say
//! "PAST" in text, protected cases show their pseudonym, Enter opens the
//! case.

use super::*;
use dossier::ops::retention::{Due, DueRow};

fn due() -> Due {
    Due {
        rows: vec![
            DueRow {
                case: id("27T8E7KFWC"),
                reference: "OL-2019-004".into(),
                pseudonym: Some("Client MT-7".into()),
                practice_area: Some("asylum".into()),
                status: Status::Closed,
                closed: Some(day(2019, 1, 31)),
                retention_until: day(2026, 1, 31),
                days_past: 304,
            },
            DueRow {
                case: id("1EZ5K3M9PQ"),
                reference: "OL-2019-011".into(),
                pseudonym: None,
                practice_area: None,
                status: Status::Closed,
                closed: None,
                retention_until: day(2026, 12, 1),
                days_past: 0,
            },
        ],
        undated_closed: vec![id("QXQWQXTJ1J")],
        unreadable: 1,
    }
}

#[test]
fn snapshot_the_retention_view_and_enter_opens_the_case() {
    let mut f = fixture();
    press(&mut f.app, KeyCode::Char(':'));
    typing(&mut f.app, "retention");
    press(&mut f.app, KeyCode::Enter);
    assert_eq!(f.app.screen, ScreenId::Retention);
    let serial = f
        .app
        .shared
        .jobs
        .serial_of(JobKind::Retention)
        .expect("the report is being read");
    f.app.on_job(JobMessage {
        kind: JobKind::Retention,
        serial,
        body: JobBody::Done(Ok(JobOutput::Retention(Box::new(due())))),
    });
    let screen = text(&mut f.app, 100, 12);
    assert!(
        screen.contains("PAST 304 day(s)") && screen.contains("DUE TODAY"),
        "{screen}"
    );
    assert!(
        !screen.contains("Miriam"),
        "a protected case shows its pseudonym: {screen}"
    );
    insta::assert_snapshot!("retention_view", screen);
    press(&mut f.app, KeyCode::Enter);
    assert_eq!(f.app.screen, ScreenId::Detail);
    assert_eq!(
        f.app.screens.detail.case.as_ref().map(|d| d.id.clone()),
        Some(id("27T8E7KFWC"))
    );
}
