//! Nothing is cut off unread: a message longer than the hint bar opens
//! whole in a message box, `:messages` keeps the session's messages, and
//! help opens at the current screen's section and scrolls to its end.

use super::*;

#[test]
fn a_message_longer_than_the_hint_bar_opens_whole_and_a_short_one_does_not() {
    let mut f = fixture();
    text(&mut f.app, 80, 24);
    // A short refusal stays in the bar.
    open_detail(&mut f.app, Tab::Parties);
    press(&mut f.app, KeyCode::Char(' '));
    assert!(
        f.app.overlays.is_empty(),
        "a short message stays in the bar"
    );
    // A long one (a key's revocation report) opens in a box.
    let long = "Revoked Ben Okafor <ben@osei-legal.example> SHA256:AgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgI taken off 2 access list(s); 4 case(s) re-encrypted without them";
    // Said by a job's report, as a change's result is.
    f.app.shared.info_msg(long);
    f.app.on_job(JobMessage {
        kind: JobKind::Status,
        serial: 0,
        body: JobBody::Done(Err(dossier::Error::Busy)),
    });
    let boxed = f
        .app
        .top::<Notice>()
        .expect("the long message is shown whole");
    assert_eq!(boxed.text, long);
    insta::assert_snapshot!("long_message_80x24", text(&mut f.app, 80, 24));

    // Every message of the session is kept for `:messages`.
    press(&mut f.app, KeyCode::Esc);
    press(&mut f.app, KeyCode::Char(':'));
    typing(&mut f.app, "messages");
    press(&mut f.app, KeyCode::Enter);
    let all = f.app.top::<Notice>().expect(":messages");
    assert!(
        all.text.contains("Space marks a deadline done"),
        "{}",
        all.text
    );
    assert!(
        all.text.contains("4 case(s) re-encrypted without them"),
        "{}",
        all.text
    );
}

#[test]
fn help_opens_at_the_current_screen_and_reaches_its_last_line() {
    let mut f = fixture();
    open_detail(&mut f.app, Tab::Overview);
    press(&mut f.app, KeyCode::Char('?'));
    let top = text(&mut f.app, 80, 24);
    assert!(
        top.contains("│Case detail"),
        "opens at the case detail's keys:\n{top}"
    );
    press(&mut f.app, KeyCode::Char('G'));
    let end = text(&mut f.app, 80, 24);
    assert!(
        end.contains("messages, refresh, help"),
        "the last line is reachable:\n{end}"
    );
    insta::assert_snapshot!("help_end_80x24", end);
    press(&mut f.app, KeyCode::Char('g'));
    assert!(text(&mut f.app, 80, 24).contains("│Everywhere"));
}

#[test]
fn the_keyring_offers_certify_only_to_an_administrator_on_an_uncertified_key() {
    let mut f = fixture();
    f.app.screen = ScreenId::Keyring;
    let bar = |f: &mut Fixture| {
        text(&mut f.app, 200, 24)
            .lines()
            .last()
            .unwrap_or("")
            .to_string()
    };
    assert!(
        !bar(&mut f).contains("certify"),
        "Ada's own key is certified"
    );
    // Dan's card is not certified yet: Ada, a root, may certify it.
    let dan = f
        .app
        .shared
        .info
        .keys
        .iter()
        .position(|k| k.name == "Dan Newcomer")
        .unwrap();
    f.app.screens.keyring.selected = dan;
    assert!(bar(&mut f).contains("c certify"));
    // A member of staff is not offered it.
    f.app.shared.info.keys[0].role = Role::Staff;
    assert!(!bar(&mut f).contains("certify"));
}
