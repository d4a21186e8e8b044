//! Text entry: the note editor soft-wraps and scrolls with the cursor in
//! view, one-line fields scroll sideways, and a paste goes into the field
//! that has the keyboard, never running as keys.

use super::*;

const LONG: &str = "The client described the journey through three countries in detail, \
    with dates for each border crossing, the names of the smugglers as she knew them, and \
    the hospital in the second country where her son was treated for a fever that lasted \
    eleven days before they could move on again.";

#[test]
fn the_note_editor_wraps_long_lines_and_keeps_the_cursor_in_view() {
    for (w, h) in [(80u16, 24u16), (200, 60)] {
        let mut f = fixture();
        open_detail(&mut f.app, Tab::Notes);
        press(&mut f.app, KeyCode::Char('a'));
        typing(&mut f.app, LONG);
        for i in 1..=30 {
            press(&mut f.app, KeyCode::Enter);
            typing(&mut f.app, &format!("Line {i} of the interview notes."));
        }
        let shown = text(&mut f.app, w, h);
        insta::assert_snapshot!(format!("editor_wrapped_{w}x{h}"), shown);
        // The last line typed is on screen, where the cursor is.
        assert!(shown.contains("Line 30 of the interview notes."), "{shown}");
        let mut term = draw(&mut f.app, w, h);
        let at = term.get_cursor_position().expect("a cursor");
        let row: String = (0..w)
            .map(|x| term.backend().buffer()[(x, at.y)].symbol().to_string())
            .collect();
        assert!(row.contains("Line 30 of the interview notes."), "{row}");
        // Back at the top, the long paragraph shows whole, wrapped at
        // spaces: no word is lost at the edge.
        for _ in 0..60 {
            press(&mut f.app, KeyCode::Up);
        }
        let shown = text(&mut f.app, w, h);
        insta::assert_snapshot!(format!("editor_wrapped_top_{w}x{h}"), shown);
        let joined: String = shown
            .lines()
            .map(|l| {
                l.trim_start_matches(['│', ' '])
                    .trim_end_matches(['│', ' '])
            })
            .collect::<Vec<_>>()
            .join(" ");
        for word in ["journey", "smugglers", "hospital", "eleven"] {
            assert!(joined.contains(word), "{word:?} is missing:\n{shown}");
        }
        let top = term.get_cursor_position().map(|p| p.y).unwrap_or(0);
        term = draw(&mut f.app, w, h);
        let now = term.get_cursor_position().expect("a cursor");
        assert!(now.y < top, "Up moved the cursor up the screen");
    }
}

#[test]
fn up_moves_by_screen_row_within_a_wrapped_line() {
    let mut f = fixture();
    open_detail(&mut f.app, Tab::Notes);
    press(&mut f.app, KeyCode::Char('a'));
    typing(&mut f.app, LONG);
    let before = draw(&mut f.app, 80, 24)
        .get_cursor_position()
        .expect("cursor");
    press(&mut f.app, KeyCode::Up);
    let after = draw(&mut f.app, 80, 24)
        .get_cursor_position()
        .expect("cursor");
    assert_eq!(after.y + 1, before.y, "one screen row up, in the same line");
    press(&mut f.app, KeyCode::Down);
    let back = draw(&mut f.app, 80, 24)
        .get_cursor_position()
        .expect("cursor");
    assert_eq!(back.y, before.y);
}

#[test]
fn a_long_field_scrolls_sideways_with_the_cursor_in_view() {
    for (w, h) in [(80u16, 24u16), (200, 60)] {
        let mut f = fixture();
        press(&mut f.app, KeyCode::Char('n'));
        press(&mut f.app, KeyCode::Enter);
        let title = format!(
            "{} ends here",
            "Appeal against refusal of protection ".repeat(6)
        );
        typing(&mut f.app, &title);
        let shown = text(&mut f.app, w, h);
        insta::assert_snapshot!(format!("form_field_scrolled_{w}x{h}"), shown);
        assert!(
            shown.contains("ends here"),
            "the end, where the cursor is:\n{shown}"
        );
        assert!(shown.contains('…'), "the cut start is marked:\n{shown}");
        let mut term = draw(&mut f.app, w, h);
        let at = term.get_cursor_position().expect("a cursor");
        let row: String = (0..w)
            .map(|x| term.backend().buffer()[(x, at.y)].symbol().to_string())
            .collect();
        let before: String = row.chars().take(at.x as usize).collect();
        assert!(before.ends_with("ends here"), "{row}");
        // Home shows the start, the end now cut.
        press(&mut f.app, KeyCode::Home);
        let shown = text(&mut f.app, w, h);
        assert!(shown.contains("Appeal against refusal"), "{shown}");
        assert!(!shown.contains("ends here"), "{shown}");
    }
}

#[test]
fn a_paste_goes_into_the_field_that_has_the_keyboard_and_never_runs_as_keys() {
    let mut f = fixture();
    // On the list nothing takes text: pasted `q`s do not quit.
    f.app.on_paste("qqq n /".into());
    assert!(!f.app.quit);
    assert!(f.app.overlays.is_empty());
    let said = f.app.shared.message.as_ref().map(|m| m.text.clone());
    assert!(
        said.as_deref()
            .is_some_and(|m| m.starts_with("nothing was pasted")),
        "{said:?}"
    );
    // Into the filter: the line break becomes a space, Enter is not pressed.
    press(&mut f.app, KeyCode::Char('/'));
    f.app.on_paste("Family\r\nreunion".into());
    assert_eq!(f.app.overlays.len(), 1, "the prompt is still open");
    assert_eq!(f.app.screens.cases.filter, "Family reunion");
    f.app.screens.cases.refresh_visible(&f.app.shared);
    assert_eq!(f.app.screens.cases.visible.len(), 1);
    press(&mut f.app, KeyCode::Esc);
    // Into the note editor: line breaks are new lines; control characters
    // (an escape sequence's ESC) are dropped, not obeyed.
    open_detail(&mut f.app, Tab::Notes);
    press(&mut f.app, KeyCode::Char('a'));
    f.app
        .on_paste("First pasted line\nSecond \u{1b}[31mpasted line\r\n".into());
    let shown = text(&mut f.app, 100, 30);
    let first = shown.lines().position(|l| l.contains("First pasted line"));
    let second = shown
        .lines()
        .position(|l| l.contains("Second [31mpasted line"));
    assert!(
        matches!((first, second), (Some(a), Some(b)) if b == a + 1),
        "{shown}"
    );
    assert_eq!(f.app.overlays.len(), 1, "nothing but text happened");
}
