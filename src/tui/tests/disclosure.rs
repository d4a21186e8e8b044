//! The guided disclosure dialog and the row editors, driven through the
//! real key map: snapshots of each step and editor, the library's refusal
//! sentences shown before anything starts, and the exact change each key
//! asks for (by item id, so no other item is touched or re-id'd).

use super::*;
use crate::tui::data::{Change, ItemOp};
use crate::tui::overlays::disclose::{DisclosureDialog, Step};

fn dialog(app: &App) -> &DisclosureDialog {
    app.top::<DisclosureDialog>()
        .expect("the disclosure dialog is open")
}

/// Moves the checklist's selection to the item called `name` and
/// includes it.
fn choose(app: &mut App, name: &str) {
    let d = dialog(app);
    let at = d
        .items
        .iter()
        .position(|p| p.name == name)
        .unwrap_or_else(|| panic!("{name} is not offered"));
    let now = d.selected;
    let key = if at >= now {
        KeyCode::Char('j')
    } else {
        KeyCode::Char('k')
    };
    for _ in 0..at.abs_diff(now) {
        press(app, key);
    }
    press(app, KeyCode::Char(' '));
}

/// Edits the selected text field of the dialog to `value`.
fn fill(app: &mut App, value: &str) {
    press(app, KeyCode::Enter);
    ctrl(app, 'e');
    for _ in 0..200 {
        press(app, KeyCode::Backspace);
    }
    typing(app, value);
    press(app, KeyCode::Enter);
}

/// The fixture's case, made standard (not restricted), opened on `tab`.
fn standard_case(f: &mut Fixture, tab: Tab) {
    open_detail(&mut f.app, tab);
    if let Some(l) = f
        .app
        .screens
        .detail
        .case
        .as_mut()
        .and_then(|d| d.loaded.as_mut())
    {
        l.case.record.sensitivity = Sensitivity::Standard;
    }
}

#[test]
fn snapshot_the_disclosure_dialog_step_by_step() {
    let mut f = fixture();
    open_detail(&mut f.app, Tab::Overview);
    press(&mut f.app, KeyCode::Char('D'));
    insta::assert_snapshot!("dialog_1_basis", text(&mut f.app, 110, 34));
    press(&mut f.app, KeyCode::Enter);
    assert_eq!(dialog(&f.app).step, Step::Requirements);
    fill(&mut f.app, "FtT/3100/2026");
    insta::assert_snapshot!("dialog_2_requirements", text(&mut f.app, 110, 34));
    press(&mut f.app, KeyCode::Tab);
    choose(&mut f.app, "title");
    choose(&mut f.app, "doc1");
    insta::assert_snapshot!("dialog_3_items_with_a_condition", text(&mut f.app, 110, 34));
    press(&mut f.app, KeyCode::Char(' '));
    choose(&mut f.app, "n1.md.age");
    insta::assert_snapshot!("dialog_3_items_note_preview", text(&mut f.app, 110, 34));
    press(&mut f.app, KeyCode::Tab);
    fill(&mut f.app, TRIBUNAL_KEY);
    insta::assert_snapshot!("dialog_4_recipient", text(&mut f.app, 110, 34));
    press(&mut f.app, KeyCode::Tab);
    assert_eq!(
        dialog(&f.app).step,
        Step::Confirm,
        "{:?}",
        dialog(&f.app).problem
    );
    insta::assert_snapshot!("dialog_5_confirm_four_eyes", text(&mut f.app, 110, 34));

    // The case is restricted: confirming records a request, nothing more.
    ctrl(&mut f.app, 's');
    match f.app.shared.started.as_slice() {
        [Change::RequestDisclosure(r)] => {
            assert_eq!(r.fields, vec!["title"]);
            assert_eq!(r.notes, vec!["n1.md.age"]);
            assert!(r.documents.is_empty(), "the bound document was left out");
            assert_eq!(r.reference.as_deref(), Some("FtT/3100/2026"));
            assert_eq!(r.to, TRIBUNAL_KEY);
        }
        other => panic!("expected one disclosure request, got {other:?}"),
    }
}

#[test]
fn the_dialog_says_what_is_missing_in_the_library_s_words_and_starts_nothing() {
    let mut f = fixture();
    standard_case(&mut f, Tab::Overview);
    press(&mut f.app, KeyCode::Char('D'));
    press(&mut f.app, KeyCode::Enter); // court_order
    press(&mut f.app, KeyCode::Tab);
    press(&mut f.app, KeyCode::Tab);
    let problem = dialog(&f.app).problem.clone().unwrap_or_default();
    assert!(problem.contains("choose at least one"), "{problem}");
    choose(&mut f.app, "doc1");
    press(&mut f.app, KeyCode::Tab);
    press(&mut f.app, KeyCode::Tab);
    let problem = dialog(&f.app).problem.clone().unwrap_or_default();
    assert!(
        problem.contains("give the recipient's public key"),
        "{problem}"
    );
    fill(&mut f.app, "age1notakey");
    press(&mut f.app, KeyCode::Tab);
    let problem = dialog(&f.app).problem.clone().unwrap_or_default();
    assert!(problem.contains("not a valid age public key"), "{problem}");
    fill(&mut f.app, TRIBUNAL_KEY);
    press(&mut f.app, KeyCode::Tab);
    let problem = dialog(&f.app).problem.clone().unwrap_or_default();
    assert!(
        problem.contains("needs the order's reference (--reference)"),
        "{problem}"
    );
    // Back to the requirements: with a reference, the condition on the
    // document is what stops it.
    for _ in 0..2 {
        press(&mut f.app, KeyCode::BackTab);
    }
    fill(&mut f.app, "FtT/1");
    for _ in 0..3 {
        press(&mut f.app, KeyCode::Tab);
    }
    let problem = dialog(&f.app).problem.clone().unwrap_or_default();
    assert!(
        problem.contains("document:doc1 of case 27T8E7KFWC carries condition k1"),
        "{problem}"
    );
    assert_eq!(dialog(&f.app).step, Step::Recipient);
    assert!(f.app.shared.started.is_empty(), "nothing was started");
}

#[test]
fn consent_is_checked_in_the_dialog_and_a_key_can_come_from_the_file_it_was_sent_in() {
    let mut f = fixture();
    standard_case(&mut f, Tab::Overview);
    let dir = tempfile::tempdir().expect("temp dir");
    let sent = dir.path().join("tribunal.txt");
    std::fs::write(
        &sent,
        format!("# created: 2026-11-30\n# public key: {TRIBUNAL_KEY}\n"),
    )
    .expect("write");
    press(&mut f.app, KeyCode::Char('D'));
    for _ in 0..2 {
        press(&mut f.app, KeyCode::Char('j'));
    }
    press(&mut f.app, KeyCode::Enter);
    assert_eq!(
        dialog(&f.app).basis(),
        dossier::ops::disclose::LegalBasis::ClientConsent
    );
    press(&mut f.app, KeyCode::Tab);
    choose(&mut f.app, "title");
    choose(&mut f.app, "client.name");
    press(&mut f.app, KeyCode::Tab);
    fill(&mut f.app, sent.to_str().expect("utf8"));
    press(&mut f.app, KeyCode::Tab);
    let problem = dialog(&f.app).problem.clone().unwrap_or_default();
    assert!(
        problem.contains("consent c2 does not cover field client.name"),
        "{problem}"
    );
    press(&mut f.app, KeyCode::BackTab);
    choose(&mut f.app, "client.name");
    press(&mut f.app, KeyCode::Tab);
    press(&mut f.app, KeyCode::Tab);
    assert_eq!(
        dialog(&f.app).step,
        Step::Confirm,
        "{:?}",
        dialog(&f.app).problem
    );
    ctrl(&mut f.app, 's');
    match f.app.shared.started.as_slice() {
        [Change::Disclose(r)] => {
            assert_eq!(r.to, TRIBUNAL_KEY, "the key was read from the file");
            assert_eq!(r.fields, vec!["title"]);
            assert!(r
                .out
                .to_string_lossy()
                .ends_with("disclosure-OL-2026-101-2026-12-01.age"));
        }
        other => panic!("expected one disclosure, got {other:?}"),
    }
}

fn started_item(app: &App) -> (&'static str, ItemOp) {
    match app.shared.started.last() {
        Some(Change::Item(_, list, op)) => (list, op.clone()),
        other => panic!("expected a row change, got {other:?}"),
    }
}

#[test]
fn a_deadline_is_marked_done_and_edited_by_its_id_in_the_order_shown() {
    let mut f = fixture();
    open_detail(&mut f.app, Tab::Deadlines);
    // Shown by date: the first row is d2 (February), done.
    press(&mut f.app, KeyCode::Char(' '));
    assert_eq!(
        started_item(&f.app),
        (
            "deadlines",
            ItemOp::Edit("d2".into(), vec!["done=false".into()])
        )
    );
    f.app.shared.started.clear();
    f.app.shared.jobs = crate::tui::jobs::Jobs::inert(PathBuf::from("/nonexistent-vault"));
    press(&mut f.app, KeyCode::Char('j'));
    press(&mut f.app, KeyCode::Enter);
    insta::assert_snapshot!("row_editor_deadline", text(&mut f.app, 100, 30));
    press(&mut f.app, KeyCode::Char('j'));
    fill(&mut f.app, "Lodge the appeal bundle: 3 copies");
    ctrl(&mut f.app, 's');
    assert_eq!(
        started_item(&f.app),
        (
            "deadlines",
            ItemOp::Edit(
                "d1".into(),
                vec!["what=Lodge the appeal bundle: 3 copies".into()]
            )
        )
    );
}

#[test]
fn a_row_is_added_and_a_bad_value_is_explained_under_the_form() {
    let mut f = fixture();
    open_detail(&mut f.app, Tab::Deadlines);
    press(&mut f.app, KeyCode::Char('o'));
    fill(&mut f.app, "31/12/2026");
    fill(&mut f.app, "Witness statements");
    ctrl(&mut f.app, 's');
    let form = f.app.top::<Form>().expect("the form stays open");
    assert!(
        form.fields[0]
            .error
            .as_deref()
            .is_some_and(|e| e.contains("YYYY-MM-DD")),
        "{:?}",
        form.fields[0].error
    );
    assert!(f.app.shared.started.is_empty());
    press(&mut f.app, KeyCode::Char('k'));
    fill(&mut f.app, "2026-12-31");
    ctrl(&mut f.app, 's');
    assert_eq!(
        started_item(&f.app),
        (
            "deadlines",
            ItemOp::Add(vec![
                "date=2026-12-31".into(),
                "what=Witness statements".into()
            ])
        )
    );

    let mut f = fixture();
    open_detail(&mut f.app, Tab::Parties);
    press(&mut f.app, KeyCode::Char('o'));
    fill(&mut f.app, "Dr. A. Mensah");
    fill(&mut f.app, "interpreter");
    insta::assert_snapshot!("row_editor_new_party", text(&mut f.app, 100, 30));
    ctrl(&mut f.app, 's');
    assert_eq!(
        started_item(&f.app),
        (
            "parties",
            ItemOp::Add(vec!["name=Dr. A. Mensah".into(), "role=interpreter".into()])
        )
    );
}

#[test]
fn deleting_asks_first_and_consents_and_conditions_are_withdrawn_or_released_never_deleted() {
    let mut f = fixture();
    open_detail(&mut f.app, Tab::Parties);
    press(&mut f.app, KeyCode::Char('j'));
    press(&mut f.app, KeyCode::Char('d'));
    assert!(f.app.top::<Confirm>().is_some(), "it asks first");
    press(&mut f.app, KeyCode::Char('y'));
    assert_eq!(
        started_item(&f.app),
        ("parties", ItemOp::Remove("p2".into()))
    );

    let mut f = fixture();
    open_detail(&mut f.app, Tab::Consents);
    press(&mut f.app, KeyCode::Char('d'));
    insta::assert_snapshot!("confirm_withdraw_consent", text(&mut f.app, 100, 30));
    press(&mut f.app, KeyCode::Char('y'));
    assert_eq!(
        started_item(&f.app),
        (
            "consents",
            ItemOp::Edit("c1".into(), vec!["withdrawn=2026-12-01".into()])
        )
    );

    let mut f = fixture();
    open_detail(&mut f.app, Tab::Conditions);
    insta::assert_snapshot!(
        "detail_conditions_in_force_and_released",
        text(&mut f.app, 100, 30)
    );
    press(&mut f.app, KeyCode::Char('d'));
    let form = f.app.top::<Form>().expect("the release form");
    assert_eq!(form.value("released.by"), "Ada Osei");
    assert_eq!(form.value("released.date"), "2026-12-01");
    assert_eq!(form.fields[form.selected].key, "released.reference");
    fill(&mut f.app, "MoJ-77");
    insta::assert_snapshot!("row_editor_release_condition", text(&mut f.app, 100, 30));
    ctrl(&mut f.app, 's');
    assert_eq!(
        started_item(&f.app),
        (
            "conditions",
            ItemOp::Edit(
                "k1".into(),
                vec![
                    "released.by=Ada Osei".into(),
                    "released.date=2026-12-01".into(),
                    "released.reference=MoJ-77".into()
                ]
            )
        )
    );

    // A release is never undone, and a disclosure is never deleted.
    let mut f = fixture();
    open_detail(&mut f.app, Tab::Conditions);
    press(&mut f.app, KeyCode::Char('j'));
    press(&mut f.app, KeyCode::Char('d'));
    assert!(f.app.overlays.is_empty());
    let said = f
        .app
        .shared
        .message
        .as_ref()
        .map(|m| m.text.clone())
        .unwrap_or_default();
    assert!(said.contains("condition k2 is already released"), "{said}");
    open_detail(&mut f.app, Tab::Disclosures);
    press(&mut f.app, KeyCode::Char('d'));
    let said = f
        .app
        .shared
        .message
        .as_ref()
        .map(|m| m.text.clone())
        .unwrap_or_default();
    assert!(said.contains("never edited or deleted"), "{said}");
    assert!(f.app.shared.started.is_empty());
    press(&mut f.app, KeyCode::Enter);
    insta::assert_snapshot!("disclosure_details", text(&mut f.app, 100, 30));
}

/// The hint bar of the detail screen as drawn.
fn hint_line(app: &mut App) -> String {
    let screen = text(app, 200, 24);
    screen.lines().last().unwrap_or("").trim().to_string()
}

#[test]
fn the_detail_hints_only_what_this_tab_of_this_case_lets_you_do() {
    let mut f = fixture();
    open_detail(&mut f.app, Tab::Overview);
    let bar = hint_line(&mut f.app);
    assert!(
        bar.contains("e edit") && bar.contains("a note") && bar.contains("D disclose"),
        "{bar}"
    );
    open_detail(&mut f.app, Tab::Deadlines);
    let bar = hint_line(&mut f.app);
    for hint in ["o add", "Enter edit row", "d delete", "Space done"] {
        assert!(bar.contains(hint), "{hint} in {bar}");
    }
    assert!(!bar.contains("e edit"), "{bar}");
    open_detail(&mut f.app, Tab::Consents);
    assert!(hint_line(&mut f.app).contains("d withdraw"));
    open_detail(&mut f.app, Tab::Documents);
    let bar = hint_line(&mut f.app);
    assert!(
        bar.contains("A attach") && bar.contains("x export"),
        "{bar}"
    );
    open_detail(&mut f.app, Tab::Access);
    let bar = hint_line(&mut f.app);
    assert!(
        bar.contains("+ grant") && bar.contains("- revoke"),
        "Ada owns it: {bar}"
    );
    // A locked case offers nothing of a case.
    let mut f = fixture();
    f.app.screens.detail.case = Some(DetailState {
        id: id("FQA8CV7V0J"),
        tab: Tab::Overview,
        summary: f.app.shared.cases.get(&id("FQA8CV7V0J")).cloned(),
        loaded: None,
        history: None,
        error: None,
        selected: 0,
        offset: 0,
    });
    f.app.screen = ScreenId::Detail;
    let bar = hint_line(&mut f.app);
    assert_eq!(bar, "q quit  ? help  Tab next tab", "{bar}");
}

#[test]
fn grant_picks_a_certified_person_from_a_searchable_list() {
    let mut f = fixture();
    open_detail(&mut f.app, Tab::Access);
    press(&mut f.app, KeyCode::Char('+'));
    let picker = f
        .app
        .top::<crate::tui::overlays::picker::GrantPicker>()
        .expect("the picker");
    let names: Vec<&str> = picker.choices.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(
        names,
        vec!["Ada Osei", "Ben Okafor", "Chidi Mensah", "@immigration"],
        "certified people and groups only, no uncertified or revoked key"
    );
    insta::assert_snapshot!("grant_picker", text(&mut f.app, 100, 30));
    // Ben can already read it: picking him is refused with a sentence.
    typing(&mut f.app, "okafor");
    press(&mut f.app, KeyCode::Enter);
    let said = f
        .app
        .shared
        .message
        .as_ref()
        .map(|m| m.text.clone())
        .unwrap_or_default();
    assert!(
        said.contains("Ben Okafor can already read case 27T8E7KFWC"),
        "{said}"
    );
    assert!(f.app.shared.started.is_empty());
    ctrl(&mut f.app, 'u');
    typing(&mut f.app, "chidi");
    press(&mut f.app, KeyCode::Enter);
    match f.app.shared.started.as_slice() {
        [Change::Grant(case, who)] => {
            assert_eq!(*case, id("27T8E7KFWC"));
            assert_eq!(*who, fp(3).to_string());
        }
        other => panic!("expected one grant, got {other:?}"),
    }
}
