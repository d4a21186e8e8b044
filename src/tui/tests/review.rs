//! The access-review view: flags first, written in text, then every grant
//! with how and since when; Enter opens the case of the row.

use super::*;
use dossier::ops::access_review::{Flag, Grant, Review, Through};

fn review() -> Review {
    Review {
        grants: vec![
            Grant {
                case: id("27T8E7KFWC"),
                person: fp(2),
                name: "Ben Okafor".into(),
                through: Through::Group,
                group: Some("immigration".into()),
                since: at(2025, 6, 1, 9),
                last_opened: None,
            },
            Grant {
                case: id("1EZ5K3M9PQ"),
                person: fp(2),
                name: "Ben Okafor".into(),
                through: Through::Reader,
                group: None,
                since: at(2026, 11, 2, 9),
                last_opened: Some(at(2026, 11, 30, 16)),
            },
        ],
        flags: vec![
            Flag::OldGrant {
                case: id("27T8E7KFWC"),
                person: fp(2),
                days: 548,
            },
            Flag::NeverOpened {
                case: id("27T8E7KFWC"),
                person: fp(2),
            },
            Flag::BusyDay {
                person: fp(2),
                day: day(2026, 11, 30),
                opened: 14,
                usual: 1.5,
            },
        ],
        views_logged: true,
        older_than_days: 365,
        readable: 3,
    }
}

#[test]
fn snapshot_the_access_review_and_enter_opens_the_case_of_the_row() {
    let mut f = fixture();
    press(&mut f.app, KeyCode::Char(':'));
    typing(&mut f.app, "access-review");
    press(&mut f.app, KeyCode::Enter);
    assert_eq!(f.app.screen, ScreenId::AccessReview);
    let serial = f
        .app
        .shared
        .jobs
        .serial_of(JobKind::AccessReview)
        .expect("the review is being read");
    f.app.on_job(JobMessage {
        kind: JobKind::AccessReview,
        serial,
        body: JobBody::Done(Ok(JobOutput::AccessReview(Box::new(review())))),
    });
    let screen = text(&mut f.app, 100, 12);
    for said in [
        "OLD GRANT",
        "NEVER OPENED",
        "BUSY DAY",
        "@immigration",
        "since 2025-06-01",
    ] {
        assert!(screen.contains(said), "{said} in {screen}");
    }
    insta::assert_snapshot!("access_review_view", screen);
    // The busy day has no case; the fifth row is the second grant.
    for _ in 0..4 {
        press(&mut f.app, KeyCode::Char('j'));
    }
    press(&mut f.app, KeyCode::Enter);
    assert_eq!(f.app.screen, ScreenId::Detail);
    assert_eq!(
        f.app.screens.detail.case.as_ref().map(|d| d.id.clone()),
        Some(id("1EZ5K3M9PQ"))
    );
}
