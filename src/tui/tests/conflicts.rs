//! The conflict check in the terminal UI: `:conflicts NAME` runs it as a
//! job and shows what it found (case ids, roles, owners; nothing of the
//! cases), and the new-case form checks the client at intake and records
//! the check on the case it creates.

use super::*;
use crate::tui::data::Change;
use dossier::case::blind::{Extent, Match, Role as NameRole};
use dossier::ops::conflicts::{Hit, Report};

fn report(name: &str) -> Report {
    Report {
        names: vec![name.into()],
        hits: vec![Hit {
            case: id("27T8E7KFWC"),
            owners: vec![ada(), fp(3)],
            name: name.into(),
            matches: vec![Match {
                role: NameRole::Client,
                extent: Extent::Full,
            }],
        }],
        checked: 4,
        not_indexed: vec![id("QXQWQXTJ1J")],
        stale: Vec::new(),
    }
}

fn answer(app: &mut App, report: Report) {
    let serial = app
        .shared
        .jobs
        .serial_of(JobKind::Conflicts)
        .expect("a conflict check is running");
    app.on_job(JobMessage {
        kind: JobKind::Conflicts,
        serial,
        body: JobBody::Done(Ok(JobOutput::Conflicts(Box::new(report)))),
    });
}

#[test]
fn snapshot_a_conflict_check_from_the_command_prompt() {
    let mut f = fixture();
    press(&mut f.app, KeyCode::Char(':'));
    typing(&mut f.app, "conflicts tesfaye, miriam");
    press(&mut f.app, KeyCode::Enter);
    assert!(f.app.shared.jobs.is_running(JobKind::Conflicts));
    answer(&mut f.app, report("tesfaye, miriam"));
    let notice = f.app.top::<Notice>().expect("the result is shown");
    assert!(
        notice
            .text
            .contains("27T8E7KFWC: \"tesfaye, miriam\" as client, full name. Ask Ada Osei"),
        "{}",
        notice.text
    );
    assert!(
        notice.text.contains("1 case(s) could not be checked"),
        "{}",
        notice.text
    );
    insta::assert_snapshot!("conflict_check_result", text(&mut f.app, 100, 30));

    // From the case list, K asks for the names.
    let mut f = fixture();
    press(&mut f.app, KeyCode::Char('K'));
    typing(&mut f.app, "Abel Ghebreyesus; Lea Haddad");
    press(&mut f.app, KeyCode::Enter);
    assert!(f.app.shared.jobs.is_running(JobKind::Conflicts));
    answer(&mut f.app, report("Abel Ghebreyesus"));
    assert!(f.app.top::<Notice>().is_some());

    let mut f = fixture();
    press(&mut f.app, KeyCode::Char(':'));
    typing(&mut f.app, "conflicts");
    press(&mut f.app, KeyCode::Enter);
    assert!(!f.app.shared.jobs.is_running(JobKind::Conflicts));
    let said = f
        .app
        .shared
        .message
        .as_ref()
        .map(|m| m.text.clone())
        .unwrap_or_default();
    assert!(said.contains("give the name to look for"), "{said}");
}

#[test]
fn the_new_case_form_checks_the_client_at_intake_and_records_the_check() {
    let mut f = fixture();
    press(&mut f.app, KeyCode::Char('n'));
    ctrl(&mut f.app, 'k');
    let form = f.app.top::<Form>().expect("the new-case form");
    assert!(
        form.fields[1]
            .error
            .as_deref()
            .is_some_and(|e| e.contains("give the client's name first")),
        "{:?}",
        form.fields[1].error
    );
    assert!(!f.app.shared.jobs.is_running(JobKind::Conflicts));
    for value in ["Fresh claim", "Abel Ghebreyesus"] {
        press(&mut f.app, KeyCode::Enter);
        typing(&mut f.app, value);
        press(&mut f.app, KeyCode::Enter);
    }
    ctrl(&mut f.app, 'k');
    assert!(f.app.shared.jobs.is_running(JobKind::Conflicts));
    answer(&mut f.app, report("Abel Ghebreyesus"));
    assert!(
        f.app.top::<Notice>().is_some(),
        "the result is shown over the form"
    );
    press(&mut f.app, KeyCode::Esc);
    ctrl(&mut f.app, 's');
    match f.app.shared.started.as_slice() {
        [Change::Create(new)] => {
            let check = new.conflict_check.as_ref().expect("the check is recorded");
            assert_eq!(check.names, vec!["Abel Ghebreyesus"]);
            assert!(
                check.result.contains("27T8E7KFWC (client, full name)"),
                "{}",
                check.result
            );
            assert!(
                check.checked_by.contains("Ada Osei"),
                "{}",
                check.checked_by
            );
        }
        other => panic!("expected the new case, got {other:?}"),
    }
}
