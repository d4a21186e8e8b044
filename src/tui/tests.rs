//! Render and key-handling tests from fixture state: every screen drawn on
//! ratatui's `TestBackend` and compared with a committed insta snapshot
//! (`src/tui/snapshots/`), styles checked on the buffer, and keys driven
//! through the real key map into `App::update`. No vault, no git, no
//! threads: the fixture identity is a deterministic card in a temp dir and
//! jobs are inert (recorded, never run). The last section is the exception:
//! it runs the open-case job on a real vault to prove the view is recorded.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use dossier::audit::log::{LogEntry, SignatureStatus};
use dossier::case::merge::Side;
use dossier::case::record::{
    Condition, Consent, ConsentScope, Deadline, Disclosure, Identifier, Party, Release,
};
use dossier::case::{AccessEntry, AccessList, CaseId, CaseRecord, Note, Sensitivity, Status};
use dossier::keys::card::{CardFields, KeyCard};
use dossier::keys::fingerprint::Fingerprint;
use dossier::keys::identity::{Home, Identity, Session};
use dossier::ops::cases::{CaseSummary, OpenCase, SummaryState};
use dossier::ops::documents::Document;
use dossier::samples::testkit;
use dossier::sync::{Conflict, Outcome, Stage};
use dossier::vault::keyring::{Role, Validity};
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;

use crate::tui::action::{help_sections, hints, lookup, Action, Keymap, Rest, GLOBAL};
use crate::tui::app::App;
use crate::tui::config::Config;
use crate::tui::jobs::{JobBody, JobKind, JobMessage, JobOutput, Jobs};
use crate::tui::model::{access_rows, KeyRow, LoadedCase, VaultInfo};
use crate::tui::overlays::confirm::{self, Confirm};
use crate::tui::overlays::conflicts::ConflictView;
use crate::tui::overlays::editor::{self, NoteEditor};
use crate::tui::overlays::form::{Form, FormPurpose};
use crate::tui::overlays::help::Help;
use crate::tui::overlays::notice::Notice;
use crate::tui::overlays::prompt;
use crate::tui::screens::detail::{DetailState, Tab};
use crate::tui::screens::ScreenId;
use crate::tui::theme::{Role as Style, Theme};

mod agenda;
mod conflicts;
mod disclosure;
mod messages;
mod retention;
mod review;
mod text_entry;

/// The tribunal's age key: the recipient of the fixture's disclosures.
const TRIBUNAL_KEY: &str = "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p";

fn fp(b: u8) -> Fingerprint {
    use base64::Engine;
    format!(
        "SHA256:{}",
        base64::engine::general_purpose::STANDARD_NO_PAD.encode([b; 32])
    )
    .parse()
    .expect("fingerprint")
}

/// Ada's fingerprint: the fixture identity's signing key.
fn ada() -> Fingerprint {
    Fingerprint::of(signing_key().public_key())
}

fn signing_key() -> ssh_key::PrivateKey {
    ssh_key::private::Ed25519Keypair::from_seed(&[7u8; 32]).into()
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("date")
}

fn at(y: i32, m: u32, d: u32, h: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, h, 5, 0)
        .single()
        .expect("time")
}

fn id(s: &str) -> CaseId {
    s.parse().expect("case id")
}

/// Ada's identity: a deterministic card (fixed keys, fixed date) in a temp dir.
fn identity(dir: &std::path::Path) -> Identity {
    let signing = signing_key();
    let age: age::x25519::Identity =
        "AGE-SECRET-KEY-1GHV04K0GXMP5J80J7S7WJPK9ZUGJP4T4HGT2T2DUF6ASV89CNVXSD2CUPC"
            .parse()
            .expect("age key");
    let card = KeyCard::issue(
        CardFields {
            name: "Ada Osei",
            email: "ada@osei-legal.example",
            age_recipient: &age.to_public(),
            created: at(2026, 1, 5, 9),
            expires: None,
        },
        &signing,
    )
    .expect("card");
    std::fs::write(dir.join("card.yaml"), card.to_yaml().expect("yaml")).expect("write");
    std::fs::write(dir.join("identity.age"), b"fixture: never read").expect("write");
    Identity::load(&Home::new(dir)).expect("identity")
}

fn key(fpr: Fingerprint, name: &str, validity: Validity, role: Role, me: bool) -> KeyRow {
    KeyRow {
        fingerprint: fpr,
        name: name.into(),
        email: format!(
            "{}@osei-legal.example",
            name.split(' ').next().unwrap_or("x").to_lowercase()
        ),
        validity,
        role,
        certified_by: Some(ada()),
        created: at(2026, 1, 5, 9),
        expires: None,
        age_recipient: "age1qyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqs3290gq".into(),
        me,
    }
}

fn record(reference: &str, title: &str, client: &str) -> CaseRecord {
    let mut r = CaseRecord::default();
    r.reference = reference.into();
    r.title = title.into();
    r.opened = Some(day(2026, 2, 1));
    r.client.name = client.into();
    r
}

fn asylum() -> CaseRecord {
    let mut r = record(
        "OL-2026-101",
        "Asylum appeal after refusal",
        "Miriam Tesfaye",
    );
    r.status = Status::Open;
    r.sensitivity = Sensitivity::Restricted;
    r.practice_area = Some("asylum".into());
    r.jurisdictions = vec!["UK".into()];
    r.protected_identity = true;
    r.pseudonym = Some("Client MT-7".into());
    r.client.nationality = Some("Eritrean".into());
    r.client.identifiers = vec![Identifier {
        kind: "file".into(),
        value: "HO-4000-10".into(),
        extra: Default::default(),
    }];
    r.parties = vec![
        Party {
            id: "p1".into(),
            name: "Home Office".into(),
            role: "respondent".into(),
            extra: Default::default(),
        },
        Party {
            id: "p2".into(),
            name: "Dr. L. Haddad".into(),
            role: "expert witness".into(),
            extra: Default::default(),
        },
    ];
    r.deadlines = vec![
        Deadline {
            id: "d1".into(),
            date: day(2036, 3, 2),
            what: "Lodge appeal bundle".into(),
            done: false,
            extra: Default::default(),
        },
        Deadline {
            id: "d2".into(),
            date: day(2026, 2, 10),
            what: "Request medical report".into(),
            done: true,
            extra: Default::default(),
        },
    ];
    r.consents = vec![
        Consent {
            id: "c1".into(),
            date: day(2026, 2, 3),
            given_by: "Miriam Tesfaye".into(),
            scope: "Share medical evidence with the expert".into(),
            expiry: Some(day(2027, 2, 3)),
            ..Default::default()
        },
        Consent {
            id: "c2".into(),
            date: day(2026, 6, 1),
            given_by: "Miriam Tesfaye".into(),
            scope: "Tribunal bundle".into(),
            expiry: Some(day(2026, 12, 20)),
            covers: Some(ConsentScope {
                fields: vec!["title".into()],
                recipients: vec![TRIBUNAL_KEY.into()],
                ..Default::default()
            }),
            ..Default::default()
        },
    ];
    r.conditions = vec![
        Condition {
            id: "k1".into(),
            item: "document:doc1".into(),
            set_by: "Requesting State".into(),
            no_onward_transfer_without: Some("Ministry of Justice".into()),
            ..Default::default()
        },
        Condition {
            id: "k2".into(),
            item: "field:client.nationality".into(),
            set_by: "Home Office".into(),
            use_only_for: Some("the appeal".into()),
            released: Some(Release {
                by: "Ada Osei".into(),
                date: day(2026, 3, 1),
                reference: "HO-REL-9".into(),
            }),
            ..Default::default()
        },
    ];
    r.disclosures = vec![Disclosure {
        id: "x1".into(),
        date: day(2026, 2, 20),
        to: "First-tier Tribunal".into(),
        legal_basis: "court order".into(),
        scope: "Witness statement".into(),
        authorised_by: "Ada Osei".into(),
        reference: Some("FtT/3100/2026".into()),
        ..Default::default()
    }];
    r.tags = vec!["appeal".into(), "vulnerable".into()];
    r
}

fn summaries() -> Vec<CaseSummary> {
    let readable = |i: &str, r: CaseRecord| CaseSummary {
        id: id(i),
        owners: vec![ada()],
        state: SummaryState::Readable {
            record: Box::new(r),
        },
    };
    let mut visa = record("OL-2026-102", "Family reunion visa", "Yusuf Abdi");
    visa.status = Status::Pending;
    visa.sensitivity = Sensitivity::Confidential;
    visa.deadlines = vec![Deadline {
        id: "d3".into(),
        date: day(2036, 1, 15),
        what: "Submit DNA evidence".into(),
        done: false,
        extra: Default::default(),
    }];
    let mut jr = record(
        "OL-2026-107",
        "Judicial review of detention",
        "Samuel Osei-Bonsu",
    );
    jr.status = Status::Closed;
    vec![
        readable("27T8E7KFWC", asylum()),
        readable("1EZYDVX2V7", visa),
        readable("X3AB0PPD3P", jr),
        CaseSummary {
            id: id("FQA8CV7V0J"),
            owners: vec![fp(2)],
            state: SummaryState::Locked,
        },
        CaseSummary {
            id: id("QXQWQXTJ1J"),
            owners: vec![ada()],
            state: SummaryState::Damaged {
                problem: "cases/QXQWQXTJ1J/case.yaml.age cannot be decrypted: it is damaged or was altered (or not encrypted to your key)".into(),
            },
        },
    ]
}

fn info() -> VaultInfo {
    let mut groups = BTreeMap::new();
    groups.insert("immigration".to_string(), vec![ada(), fp(3)]);
    VaultInfo {
        name: "Osei Legal".into(),
        keys: vec![
            key(ada(), "Ada Osei", Validity::Certified, Role::Root, true),
            key(fp(2), "Ben Okafor", Validity::Certified, Role::Staff, false),
            key(
                fp(3),
                "Chidi Mensah",
                Validity::Certified,
                Role::Staff,
                false,
            ),
            KeyRow {
                certified_by: None,
                ..key(
                    fp(4),
                    "Dan Newcomer",
                    Validity::Uncertified,
                    Role::Staff,
                    false,
                )
            },
            key(fp(5), "Eve Former", Validity::Revoked, Role::Staff, false),
        ],
        groups,
        problems: Vec::new(),
    }
}

fn log(
    commit: &str,
    action: &str,
    case: Option<&str>,
    who: Option<Fingerprint>,
    sig: SignatureStatus,
    hour: u32,
) -> LogEntry {
    LogEntry {
        commit: commit.repeat(40 / commit.len()),
        time: at(2026, 3, 1, hour),
        action: (action != "-").then(|| action.to_string()),
        case: case.map(str::to_string),
        key: None,
        actor: who,
        actor_name: None,
        signer: who.filter(|_| sig == SignatureStatus::Verified),
        signature: sig,
        subject: format!("{action} {}", case.unwrap_or("vault")),
    }
}

fn history() -> Vec<LogEntry> {
    vec![
        log(
            "c93c",
            "note",
            Some("27T8E7KFWC"),
            Some(ada()),
            SignatureStatus::Verified,
            14,
        ),
        log(
            "3b88",
            "edit",
            Some("27T8E7KFWC"),
            Some(fp(3)),
            SignatureStatus::Verified,
            12,
        ),
        log(
            "dd0f",
            "create",
            Some("27T8E7KFWC"),
            Some(ada()),
            SignatureStatus::Verified,
            11,
        ),
    ]
}

fn audit() -> Vec<LogEntry> {
    let mut all = vec![
        log(
            "5e5e",
            "view",
            Some("27T8E7KFWC"),
            Some(fp(2)),
            SignatureStatus::SignerNotEntitled,
            18,
        ),
        log(
            "7e7e",
            "view",
            Some("27T8E7KFWC"),
            Some(fp(3)),
            SignatureStatus::Verified,
            17,
        ),
        log("a1b2", "-", None, None, SignatureStatus::Unsigned, 16),
        log(
            "f00d",
            "edit",
            Some("1EZYDVX2V7"),
            Some(fp(9)),
            SignatureStatus::UnknownSigner,
            15,
        ),
    ];
    all.extend(history());
    all.push(log(
        "beef",
        "certify",
        None,
        Some(ada()),
        SignatureStatus::Verified,
        9,
    ));
    all.push(log(
        "0a0a",
        "init",
        None,
        Some(ada()),
        SignatureStatus::Verified,
        8,
    ));
    all
}

fn loaded() -> LoadedCase {
    let case_id = id("27T8E7KFWC");
    let mut access = AccessList::new(case_id.clone(), ada());
    access.grant(AccessEntry::Group("immigration".into()));
    access.grant(AccessEntry::Key(fp(2)));
    let documents = vec![Document {
        id: "doc1".into(),
        file: "k3j2h1g0.age".into(),
        name: "Medical report.pdf".into(),
        size: 183_402,
        sha256: "00".into(),
        added: at(2026, 2, 12, 9),
        added_by: fp(3),
    }];
    // The record lists its documents, as attaching writes them.
    let mut record = asylum();
    record.extra.insert(
        dossier::ops::documents::RECORD_KEY.to_string(),
        dossier::support::yaml::to_value(&documents).expect("yaml"),
    );
    LoadedCase {
        case: OpenCase {
            id: case_id,
            record,
            access: access.clone(),
            notes: vec![
                Note {
                    file: "n1.md.age".into(),
                    author: ada(),
                    created: at(2026, 2, 2, 10),
                    text: "Client describes detention in 2023.\nRequest medical report before the hearing.\n".into(),
                },
                Note {
                    file: "n2.md.age".into(),
                    author: fp(3),
                    created: at(2026, 2, 9, 16),
                    text: "Expert confirmed; report due in March.\n".into(),
                },
            ],
            view: None,
        },
        documents,
        access: access_rows(&info(), &access),
    }
}

struct Fixture {
    app: App,
    _dir: tempfile::TempDir,
}

/// The app as it is after unlocking and loading the fixture vault.
fn fixture() -> Fixture {
    let dir = tempfile::tempdir().expect("temp dir");
    let ident = identity(dir.path());
    let theme = Theme::preset("default").expect("theme");
    let jobs = Jobs::inert(PathBuf::from("/nonexistent-vault"));
    let mut app = App::new(theme, Config::default(), Home::new(dir.path()), jobs, 10);
    app.shared.identity = Some(ident.clone());
    app.shared.session = Some(Arc::new(Session::new(
        ident,
        Box::new(dossier::support::secret::NoPassphrase),
    )));
    app.shared.info = info();
    app.shared.status = dossier::repo::status::VaultStatus {
        branch: Some("main".into()),
        dirty: false,
        ahead_behind: Some((2, 0)),
    };
    app.shared.cases.upsert(summaries());
    for (i, s) in app.shared.cases.rows.iter().enumerate() {
        app.shared
            .cases
            .last_changes
            .insert(s.id.clone(), at(2026, 3, 1 + i as u32, 9));
    }
    app.shared.cases.total = Some(5);
    app.screen = ScreenId::Cases;
    app.screens.audit.entries = Some(audit());
    // Consents, conditions and deadlines are judged on a fixed day.
    app.shared.today = day(2026, 12, 1);
    Fixture { app, _dir: dir }
}

fn open_detail(app: &mut App, tab: Tab) {
    let summary = app.shared.cases.get(&id("27T8E7KFWC")).cloned();
    app.screens.detail.case = Some(DetailState {
        id: id("27T8E7KFWC"),
        tab,
        summary,
        loaded: Some(loaded()),
        history: Some(history()),
        error: None,
        selected: 0,
        offset: 0,
    });
    app.screen = ScreenId::Detail;
}

fn draw(app: &mut App, w: u16, h: u16) -> Terminal<TestBackend> {
    let mut term = Terminal::new(TestBackend::new(w, h)).expect("terminal");
    term.draw(|f| app.render(f)).expect("draw");
    term
}

/// The screen as plain text, trailing spaces trimmed.
fn text(app: &mut App, w: u16, h: u16) -> String {
    let term = draw(app, w, h);
    let buf = term.backend().buffer();
    let mut out = String::new();
    for y in 0..h {
        let mut line = String::new();
        for x in 0..w {
            line.push_str(buf[(x, y)].symbol());
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

fn press(app: &mut App, code: KeyCode) {
    app.on_key(KeyEvent::new(code, KeyModifiers::NONE));
}

fn ctrl(app: &mut App, c: char) {
    app.on_key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL));
}

fn typing(app: &mut App, s: &str) {
    for c in s.chars() {
        press(app, KeyCode::Char(c));
    }
}

// ----- snapshots ----------------------------------------------------------

#[test]
fn snapshot_unlock() {
    let mut f = fixture();
    f.app.shared.session = None;
    f.app.screen = ScreenId::Unlock;
    f.app.shared.info = VaultInfo::default();
    typing(&mut f.app, "secret");
    insta::assert_snapshot!("unlock", text(&mut f.app, 100, 30));
    f.app.screens.unlock.error = Some("the passphrase is wrong; try again".into());
    f.app.screens.unlock.input.clear();
    insta::assert_snapshot!("unlock_wrong_passphrase_80x24", text(&mut f.app, 80, 24));
}

#[test]
fn snapshot_case_list_with_locked_and_damaged_cases() {
    let mut f = fixture();
    insta::assert_snapshot!("list_100x30", text(&mut f.app, 100, 30));
    insta::assert_snapshot!("list_80x24", text(&mut f.app, 80, 24));
}

#[test]
fn snapshot_case_list_while_loading_and_filtered() {
    let mut f = fixture();
    f.app.shared.cases.loading = true;
    f.app.shared.cases.total = Some(10_000);
    f.app
        .shared
        .jobs
        .spawn(JobKind::List, "decrypting cases", |_| {
            Ok(JobOutput::ListDone)
        });
    press(&mut f.app, KeyCode::Char('/'));
    typing(&mut f.app, "visa");
    insta::assert_snapshot!("list_loading_filter_80x24", text(&mut f.app, 80, 24));
}

#[test]
fn snapshot_every_detail_tab() {
    for tab in Tab::ALL {
        let mut f = fixture();
        open_detail(&mut f.app, tab);
        let name = format!("detail_{}", tab.title().to_lowercase());
        insta::assert_snapshot!(name, text(&mut f.app, 100, 30));
    }
    let mut f = fixture();
    open_detail(&mut f.app, Tab::Overview);
    insta::assert_snapshot!("detail_overview_80x24", text(&mut f.app, 80, 24));
}

#[test]
fn snapshot_locked_case_shows_owners_only() {
    let mut f = fixture();
    f.app.screens.cases.refresh_visible(&f.app.shared);
    let locked = f
        .app
        .screens
        .cases
        .visible
        .iter()
        .position(|&i| matches!(f.app.shared.cases.rows[i].state, SummaryState::Locked))
        .expect("a locked row");
    f.app.screens.cases.selected = locked;
    press(&mut f.app, KeyCode::Enter);
    assert!(
        !f.app.shared.jobs.is_running(JobKind::OpenCase),
        "nothing to decrypt"
    );
    let screen = text(&mut f.app, 80, 24);
    assert!(screen.contains("Ben Okafor"));
    insta::assert_snapshot!("detail_locked_80x24", screen);
}

#[test]
fn snapshot_keyring_audit_help() {
    let mut f = fixture();
    f.app.screen = ScreenId::Keyring;
    insta::assert_snapshot!("keyring", text(&mut f.app, 100, 30));
    insta::assert_snapshot!("keyring_80x24", text(&mut f.app, 80, 24));
    f.app.screen = ScreenId::Audit;
    insta::assert_snapshot!("audit", text(&mut f.app, 100, 30));
    press(&mut f.app, KeyCode::Char('?'));
    insta::assert_snapshot!("help_80x24", text(&mut f.app, 80, 24));
}

#[test]
fn snapshot_disclosure_register_shows_pseudonyms_and_what_it_could_not_read() {
    use dossier::ops::disclose::{Register, RegisterRow};
    let mut f = fixture();
    let row =
        |case: &str, reference: &str, pseudonym: Option<&str>, d: u32, basis: &str| RegisterRow {
            case: id(case),
            reference: reference.into(),
            pseudonym: pseudonym.map(String::from),
            date: day(2026, 11, d),
            to: "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p".into(),
            basis: basis.into(),
            scope: "fields: title, client.name".into(),
            authorised_by: "Ada Osei <ada@osei-legal.example> SHA256:x".into(),
            disclosure_reference: Some("FtT/3100/2026".into()),
        };
    f.app.screens.register.register = Some(Register {
        rows: vec![
            row(
                "27T8E7KFWC",
                "OL-2026-101",
                Some("Client MT-7"),
                20,
                "court_order",
            ),
            row("1EZYDVX2V7", "OL-2026-102", None, 3, "client_consent"),
        ],
        unreadable: 2,
    });
    press(&mut f.app, KeyCode::Char(':'));
    typing(&mut f.app, "disclosures");
    press(&mut f.app, KeyCode::Enter);
    assert_eq!(f.app.screen, ScreenId::Register);
    let shown = text(&mut f.app, 120, 12);
    assert!(
        !shown.contains("OL-2026-101"),
        "a protected case shows its pseudonym: {shown}"
    );
    insta::assert_snapshot!("disclosure_register_120x12", shown);
    press(&mut f.app, KeyCode::Enter);
    assert_eq!(f.app.screen, ScreenId::Detail, "Enter opens the case");
}

#[test]
fn snapshot_editor_form_confirm_prompt() {
    let mut f = fixture();
    open_detail(&mut f.app, Tab::Notes);
    press(&mut f.app, KeyCode::Char('a'));
    typing(&mut f.app, "Called the expert.");
    press(&mut f.app, KeyCode::Enter);
    typing(&mut f.app, "Report due 3 March.");
    insta::assert_snapshot!("editor", text(&mut f.app, 100, 30));
    press(&mut f.app, KeyCode::Esc);
    insta::assert_snapshot!("editor_confirm_discard", text(&mut f.app, 100, 30));
    press(&mut f.app, KeyCode::Char('y'));
    assert!(f.app.overlays.is_empty(), "discarded");

    press(&mut f.app, KeyCode::Char('e'));
    for _ in 0..5 {
        press(&mut f.app, KeyCode::Down);
    }
    press(&mut f.app, KeyCode::Enter);
    ctrl(&mut f.app, 'e');
    for _ in 0..10 {
        press(&mut f.app, KeyCode::Backspace);
    }
    typing(&mut f.app, "31/01/2026");
    press(&mut f.app, KeyCode::Enter);
    insta::assert_snapshot!("form_invalid_value_80x24", text(&mut f.app, 80, 24));

    let mut f = fixture();
    f.app.screen = ScreenId::Keyring;
    press(&mut f.app, KeyCode::Down);
    press(&mut f.app, KeyCode::Down);
    press(&mut f.app, KeyCode::Down);
    press(&mut f.app, KeyCode::Char('c'));
    insta::assert_snapshot!("keyring_certify_confirm", text(&mut f.app, 100, 30));

    let mut f = fixture();
    press(&mut f.app, KeyCode::Char(':'));
    typing(&mut f.app, "open 1EZ");
    insta::assert_snapshot!("command_prompt_80x24", text(&mut f.app, 80, 24));
}

/// The fixture before any identity exists: the unlock screen offers to make one.
fn without_identity() -> Fixture {
    let mut f = fixture();
    f.app.shared.identity = None;
    f.app.shared.session = None;
    f.app.screen = ScreenId::Unlock;
    f
}

#[test]
fn snapshot_new_identity_form() {
    let mut f = without_identity();
    f.app.shared.info = VaultInfo::default();
    f.app.start();
    insta::assert_snapshot!("generate_identity_80x24", text(&mut f.app, 80, 24));
}

#[test]
fn the_identity_form_checks_its_fields_before_creating_anything() {
    let mut f = without_identity();
    f.app.start();
    for value in ["Ada Osei", "ada@osei-legal.example", "pass one", "pass two"] {
        press(&mut f.app, KeyCode::Enter);
        typing(&mut f.app, value);
        press(&mut f.app, KeyCode::Enter);
    }
    ctrl(&mut f.app, 's');
    assert!(!f.app.shared.jobs.is_running(JobKind::Change));
    let Some(form) = f.app.top::<Form>() else {
        panic!("the identity form stays open")
    };
    let errors: Vec<(&str, &str)> = form
        .fields
        .iter()
        .filter_map(|x| x.error.as_deref().map(|e| (x.key, e)))
        .collect();
    assert_eq!(errors, [("repeat", "the two passphrases differ")]);
    // Correct the repeated passphrase (still the selected field), then save.
    press(&mut f.app, KeyCode::Enter);
    ctrl(&mut f.app, 'u');
    typing(&mut f.app, "pass one");
    press(&mut f.app, KeyCode::Enter);
    ctrl(&mut f.app, 's');
    assert!(f.app.shared.jobs.is_running(JobKind::Change));
    assert!(f.app.top::<Form>().is_some_and(|form| form.saving));
}

// ----- styles -------------------------------------------------------------

#[test]
fn unsigned_and_unknown_signers_are_highlighted_in_the_audit() {
    let mut f = fixture();
    f.app.screen = ScreenId::Audit;
    // The selection (painted over its row) sits on the last commit.
    let last = f
        .app
        .screens
        .audit
        .entries
        .as_ref()
        .map_or(0, |e| e.len() - 1);
    f.app.screens.audit.selected = last;
    let term = draw(&mut f.app, 100, 30);
    let buf = term.backend().buffer();
    let unsigned = f.app.shared.theme.style(Style::Unsigned);
    let row_with = |needle: &str| {
        (0..30u16)
            .find(|&y| {
                let line: String = (0..100u16).map(|x| buf[(x, y)].symbol()).collect();
                line.contains(needle)
            })
            .expect("row")
    };
    for needle in ["unsigned", "unknown signer", "signer not entitled"] {
        let y = row_with(needle);
        let x = (0..100u16)
            .rev()
            .find(|&x| buf[(x, y)].symbol() != " ")
            .expect("text");
        assert_eq!(
            buf[(x, y)].bg,
            unsigned.bg.expect("bg"),
            "{needle} stands out"
        );
    }
    let y = row_with("certify");
    let x = (0..100u16)
        .rev()
        .find(|&x| buf[(x, y)].symbol() != " ")
        .expect("text");
    assert_ne!(buf[(x, y)].bg, unsigned.bg.expect("bg"));

    // Selected, the unsigned row is highlighted whole: no cell keeps its
    // own colour and leaves a hole.
    let unsigned_row = f
        .app
        .screens
        .audit
        .entries
        .as_ref()
        .and_then(|e| {
            e.iter()
                .position(|x| x.signature == SignatureStatus::Unsigned)
        })
        .expect("an unsigned commit");
    f.app.screens.audit.selected = unsigned_row;
    let commit = f.app.screens.audit.entries.as_ref().expect("entries")[unsigned_row].commit[..8]
        .to_string();
    let term = draw(&mut f.app, 100, 30);
    let buf = term.backend().buffer();
    let selection = f.app.shared.theme.style(Style::Selection);
    let y = (0..30u16)
        .find(|&y| {
            let line: String = (0..100u16).map(|x| buf[(x, y)].symbol()).collect();
            line.contains(&commit)
        })
        .expect("row");
    let first = (0..100u16)
        .find(|&x| buf[(x, y)].symbol() != " ")
        .expect("text");
    let last = (0..100u16)
        .rev()
        .find(|&x| buf[(x, y)].symbol() != " ")
        .expect("text");
    for x in first..=last {
        assert_eq!(
            buf[(x, y)].bg,
            selection.bg.expect("bg"),
            "a hole at column {x}"
        );
    }
}

#[test]
fn no_color_draws_without_any_colour() {
    let mut f = fixture();
    f.app.shared.theme = Theme::resolve(Some("default"), None, true).0;
    open_detail(&mut f.app, Tab::Access);
    let term = draw(&mut f.app, 80, 24);
    for cell in term.backend().buffer().content() {
        assert_eq!(cell.fg, ratatui::style::Color::Reset);
        assert_eq!(cell.bg, ratatui::style::Color::Reset);
    }
}

#[test]
fn every_screen_draws_at_tiny_sizes_without_panicking() {
    let mut f = fixture();
    let small = text(&mut f.app, 50, 12);
    assert!(
        small.contains("The terminal is too small (50x12)") && small.contains("60x10"),
        "{small}"
    );
    assert!(!text(&mut f.app, 60, 10).contains("too small"));
    for (w, h) in [(20, 5), (40, 10), (60, 16), (80, 24), (1, 1)] {
        let mut f = fixture();
        for screen in [
            ScreenId::Unlock,
            ScreenId::Cases,
            ScreenId::Keyring,
            ScreenId::Audit,
        ] {
            f.app.screen = screen;
            draw(&mut f.app, w, h);
        }
        for tab in Tab::ALL {
            open_detail(&mut f.app, tab);
            draw(&mut f.app, w, h);
        }
        press(&mut f.app, KeyCode::Char('e'));
        draw(&mut f.app, w, h);
        let mut f = fixture();
        open_conflicts(&mut f.app);
        draw(&mut f.app, w, h);
        press(&mut f.app, KeyCode::Char('T'));
        press(&mut f.app, KeyCode::Enter);
        finish_sync(&mut f.app, Err(dossier::Error::Busy));
        draw(&mut f.app, w, h);
    }
}

// ----- keys and state -----------------------------------------------------

#[test]
fn the_filter_narrows_as_you_type_enter_keeps_it_and_esc_puts_back_the_one_before() {
    let mut f = fixture();
    fn visible(f: &mut Fixture) -> usize {
        f.app.screens.cases.refresh_visible(&f.app.shared);
        f.app.screens.cases.visible.len()
    }
    press(&mut f.app, KeyCode::Char('/'));
    typing(&mut f.app, "visa");
    assert_eq!(visible(&mut f), 1);
    // Enter keeps the filter and searches nothing.
    press(&mut f.app, KeyCode::Enter);
    assert!(!f.app.shared.jobs.is_running(JobKind::Search));
    assert!(f.app.overlays.is_empty());
    assert_eq!(visible(&mut f), 1);
    assert_eq!(f.app.screens.cases.filter, "visa");
    // Esc in the prompt puts back the filter it started with.
    press(&mut f.app, KeyCode::Char('/'));
    typing(&mut f.app, "x");
    assert_eq!(visible(&mut f), 0);
    press(&mut f.app, KeyCode::Esc);
    assert!(f.app.overlays.is_empty());
    assert_eq!(f.app.screens.cases.filter, "visa");
    assert_eq!(visible(&mut f), 1);
    // The protected client's real name is not matched by the filter.
    press(&mut f.app, KeyCode::Char('c'));
    press(&mut f.app, KeyCode::Char('/'));
    typing(&mut f.app, "tesfaye");
    assert_eq!(visible(&mut f), 0);
    press(&mut f.app, KeyCode::Esc);
    assert_eq!(visible(&mut f), 5);
}

#[test]
fn a_filter_typed_longer_narrows_to_exactly_what_a_full_refresh_shows() {
    let mut f = fixture();
    press(&mut f.app, KeyCode::Char('/'));
    let full = |f: &Fixture| {
        let mut fresh = crate::tui::screens::list::ListScreen::default();
        fresh.filter = f.app.screens.cases.filter.clone();
        fresh.refresh_visible(&f.app.shared);
        fresh.visible
    };
    let mut seen = Vec::new();
    for c in "appeal".chars().chain(['\u{8}'; 5]).chain("sy".chars()) {
        if c == '\u{8}' {
            press(&mut f.app, KeyCode::Backspace);
        } else {
            typing(&mut f.app, &c.to_string());
        }
        f.app.screens.cases.refresh_visible(&f.app.shared);
        assert_eq!(
            f.app.screens.cases.visible,
            full(&f),
            "filter {:?}",
            f.app.screens.cases.filter
        );
        seen.push(f.app.screens.cases.visible.len());
    }
    // The filter did narrow and widen again: the test saw both ways.
    assert!(seen.windows(2).any(|w| w[1] < w[0]), "{seen:?}");
    assert!(seen.windows(2).any(|w| w[1] > w[0]), "{seen:?}");
}

/// What the search's reading job would bring: `texts` as the text of the
/// rows now listed.
fn deliver_text(f: &mut Fixture, serial: u64, texts: Vec<(CaseId, String, String)>) {
    let generation = f.app.shared.cases.generation();
    f.app.on_job(JobMessage {
        kind: JobKind::Search,
        serial,
        body: JobBody::Done(Ok(JobOutput::Corpus {
            corpus: Box::new(dossier::ops::search::Corpus::from_texts(texts)),
            generation,
        })),
    });
}

#[test]
fn once_the_text_is_read_the_search_answers_every_keystroke_without_a_job() {
    let mut f = fixture();
    press(&mut f.app, KeyCode::Char('F'));
    // The text is read while the pattern is typed.
    let serial = f
        .app
        .shared
        .jobs
        .serial_of(JobKind::Search)
        .expect("reading");
    typing(&mut f.app, "tig");
    let rows: Vec<CaseId> = f
        .app
        .shared
        .cases
        .rows
        .iter()
        .map(|s| s.id.clone())
        .collect();
    deliver_text(
        &mut f,
        serial,
        vec![
            (
                rows[0].clone(),
                "record".into(),
                "language: Tigrinya".into(),
            ),
            (
                rows[1].clone(),
                "note a.md".into(),
                "Tigrinya or Tigre".into(),
            ),
        ],
    );
    f.app.screens.cases.refresh_visible(&f.app.shared);
    assert_eq!(
        f.app.screens.cases.visible.len(),
        2,
        "what was typed so far"
    );
    typing(&mut f.app, "rinya");
    assert!(
        !f.app.shared.jobs.is_running(JobKind::Search),
        "no job per key"
    );
    f.app.screens.cases.refresh_visible(&f.app.shared);
    assert_eq!(f.app.screens.cases.visible.len(), 2);
    typing(&mut f.app, "$");
    f.app.screens.cases.refresh_visible(&f.app.shared);
    assert_eq!(f.app.screens.cases.visible.len(), 1, "`tigrinya$`");
    // A pattern not (yet) valid keeps what was shown.
    typing(&mut f.app, "(");
    f.app.screens.cases.refresh_visible(&f.app.shared);
    assert_eq!(f.app.screens.cases.visible.len(), 1);
    press(&mut f.app, KeyCode::Backspace);
    press(&mut f.app, KeyCode::Enter);
    let shown = text(&mut f.app, 120, 30);
    assert!(shown.contains("1 matching line(s) in 1 case(s)"), "{shown}");

    // Esc in the prompt brings back the search it opened with.
    press(&mut f.app, KeyCode::Char('F'));
    typing(&mut f.app, "x");
    f.app.screens.cases.refresh_visible(&f.app.shared);
    assert_eq!(f.app.screens.cases.visible.len(), 0, "`tigrinya$x`");
    press(&mut f.app, KeyCode::Esc);
    f.app.screens.cases.refresh_visible(&f.app.shared);
    assert_eq!(f.app.screens.cases.visible.len(), 1);

    // A lock drops the text: the next search reads it again.
    let session = f.app.shared.session.clone();
    f.app.relock("locked".into());
    assert!(f.app.screens.cases.search.is_some(), "what is shown stays");
    f.app.shared.session = session;
    f.app.screens.cases.filter_edit(
        crate::tui::component::FilterEdit::Search("tigre".into()),
        &mut f.app.shared,
    );
    assert!(f.app.shared.jobs.is_running(JobKind::Search), "read again");
}

#[test]
fn full_text_search_has_its_own_key_and_shows_the_matching_line_highlighted() {
    let mut f = fixture();
    press(&mut f.app, KeyCode::Char('F'));
    typing(&mut f.app, "interpreter");
    press(&mut f.app, KeyCode::Enter);
    assert!(f.app.shared.jobs.is_running(JobKind::Search));
    assert_eq!(f.app.screens.cases.filter, "", "the search is not a filter");
    let case = f.app.shared.cases.rows[0].id.clone();
    let line = "Interpreter booked for the hearing: Tigrinya, two hours.";
    let serial = f
        .app
        .shared
        .jobs
        .serial_of(JobKind::Search)
        .expect("running");
    deliver_text(
        &mut f,
        serial,
        vec![
            (
                case.clone(),
                "note 2026-11-30T10-00-00Z-ab12.md".into(),
                line.into(),
            ),
            (case.clone(), "record".into(), "interpreter: needed".into()),
        ],
    );
    f.app.screens.cases.refresh_visible(&f.app.shared);
    assert_eq!(f.app.screens.cases.visible.len(), 1);
    for (w, h) in [(80, 24), (200, 60)] {
        let shown = text(&mut f.app, w, h);
        assert!(shown.contains("Matching line"), "{shown}");
        assert!(shown.contains("note: Interpreter booked"), "{shown}");
        assert!(shown.contains("(+1)"), "{shown}");
        insta::assert_snapshot!(format!("search_results_{w}x{h}"), shown);
    }
    // The match itself is highlighted: underlined, where nothing else is.
    let term = draw(&mut f.app, 120, 30);
    let buffer = term.backend().buffer();
    let line_of = |y: u16| {
        (0..120)
            .map(|x| buffer[(x, y)].symbol())
            .collect::<String>()
    };
    let row = (0..30)
        .find(|&y| line_of(y).contains("Interpreter booked"))
        .expect("the result row");
    let text_of_row = line_of(row);
    let at = text_of_row.find("Interpreter").expect("the match");
    let col = text_of_row[..at].chars().count() as u16;
    let underlined = |x: u16| {
        buffer[(x, row)]
            .modifier
            .contains(ratatui::style::Modifier::UNDERLINED)
    };
    assert!((col..col + 11).all(underlined), "the match is underlined");
    assert!(!underlined(col + 12), "only the match is");
}

#[test]
fn a_long_line_keeps_the_match_in_view() {
    use crate::tui::screens::list::snippet;
    let line = format!(
        "{} the interpreter cancelled {}",
        "a".repeat(80),
        "b".repeat(80)
    );
    let start = line.find("interpreter").expect("in the line");
    let (before, hit, after) = snippet(&line, start..start + 11, 40);
    assert_eq!(hit, "interpreter");
    assert!(
        before.starts_with('…') && after.ends_with('…'),
        "{before}|{after}"
    );
    assert_eq!(before.chars().count() + 11 + after.chars().count(), 40);
    let (before, _, _) = snippet("interpreter", 0..11, 40);
    assert_eq!(before, "");
}

#[test]
fn esc_cancels_loading_and_stale_results_are_dropped() {
    let mut f = fixture();
    f.app.shared.cases.loading = true;
    f.app
        .shared
        .jobs
        .spawn(JobKind::List, "decrypting", |_| Ok(JobOutput::ListDone));
    press(&mut f.app, KeyCode::Esc);
    assert!(!f.app.shared.jobs.is_running(JobKind::List));
    assert!(!f.app.shared.cases.loading);
    // A late batch from the cancelled job changes nothing.
    let before = f.app.shared.cases.rows.len();
    f.app.on_job(JobMessage {
        kind: JobKind::List,
        serial: 1,
        body: JobBody::Partial(JobOutput::Summaries(vec![CaseSummary {
            id: id("ZZZZZZZZZZ"),
            owners: vec![],
            state: SummaryState::Locked,
        }])),
    });
    assert_eq!(f.app.shared.cases.rows.len(), before);
}

#[test]
fn esc_in_a_case_never_stops_the_list_loading_behind_it() {
    let mut f = fixture();
    f.app.shared.cases.loading = true;
    f.app
        .shared
        .jobs
        .spawn(JobKind::List, "decrypting", |_| Ok(JobOutput::ListDone));
    open_detail(&mut f.app, Tab::Overview);
    press(&mut f.app, KeyCode::Esc);
    assert_eq!(f.app.screen, ScreenId::Cases);
    assert!(f.app.shared.jobs.is_running(JobKind::List));
    assert!(f.app.shared.cases.loading);
}

#[test]
fn esc_in_a_case_stops_its_opening_but_not_a_search_running_behind_it() {
    let mut f = fixture();
    press(&mut f.app, KeyCode::Char('F'));
    typing(&mut f.app, "visa");
    press(&mut f.app, KeyCode::Enter);
    assert!(f.app.shared.jobs.is_running(JobKind::Search));
    press(&mut f.app, KeyCode::Enter);
    assert_eq!(f.app.screen, ScreenId::Detail);
    assert!(f.app.shared.jobs.is_running(JobKind::OpenCase));
    press(&mut f.app, KeyCode::Esc);
    assert!(!f.app.shared.jobs.is_running(JobKind::OpenCase));
    assert_eq!(f.app.screen, ScreenId::Detail, "the first Esc only stops");
    assert!(f.app.shared.jobs.is_running(JobKind::Search));
    assert!(
        f.app
            .screens
            .cases
            .search
            .as_ref()
            .is_some_and(|s| s.hits.is_none()),
        "the running search is still shown as running"
    );
}

#[test]
fn sorting_and_status_filter_cycle() {
    let mut f = fixture();
    press(&mut f.app, KeyCode::Char('f'));
    f.app.screens.cases.refresh_visible(&f.app.shared);
    assert_eq!(f.app.screens.cases.visible.len(), 1, "open only");
    press(&mut f.app, KeyCode::Char('f'));
    f.app.screens.cases.refresh_visible(&f.app.shared);
    assert_eq!(f.app.screens.cases.visible.len(), 1, "pending only");
    for _ in 0..3 {
        press(&mut f.app, KeyCode::Char('f'));
    }
    f.app.screens.cases.refresh_visible(&f.app.shared);
    assert_eq!(f.app.screens.cases.visible.len(), 5, "all again");
    press(&mut f.app, KeyCode::Char('s'));
    assert_eq!(f.app.screens.cases.sort.name(), "title");
    press(&mut f.app, KeyCode::Char('G'));
    assert_eq!(f.app.screens.cases.selected, 4);
    press(&mut f.app, KeyCode::Char('k'));
    assert_eq!(f.app.screens.cases.selected, 3);
    press(&mut f.app, KeyCode::Char('g'));
    assert_eq!(f.app.screens.cases.selected, 0);
}

#[test]
fn opening_a_readable_case_starts_decryption_and_tabs_cycle() {
    let mut f = fixture();
    // Reference sort puts the pseudonym first: "Client MT-7".
    press(&mut f.app, KeyCode::Enter);
    assert_eq!(f.app.screen, ScreenId::Detail);
    assert!(f.app.shared.jobs.is_running(JobKind::OpenCase));
    assert!(f.app.shared.jobs.is_running(JobKind::CaseHistory));
    f.app.on_job(JobMessage {
        kind: JobKind::OpenCase,
        serial: 1,
        body: JobBody::Done(Ok(JobOutput::CaseOpened(Box::new(loaded())))),
    });
    assert!(f
        .app
        .screens
        .detail
        .case
        .as_ref()
        .is_some_and(|d| d.loaded.is_some()));
    press(&mut f.app, KeyCode::Tab);
    press(&mut f.app, KeyCode::BackTab);
    press(&mut f.app, KeyCode::Left);
    assert_eq!(
        f.app.screens.detail.case.as_ref().map(|d| d.tab),
        Some(Tab::History)
    );
    // The history job still runs: Esc (h) stops it first, then goes back.
    press(&mut f.app, KeyCode::Char('h'));
    assert_eq!(f.app.screen, ScreenId::Detail);
    assert!(!f.app.shared.jobs.is_running(JobKind::CaseHistory));
    press(&mut f.app, KeyCode::Char('h'));
    assert_eq!(f.app.screen, ScreenId::Cases);
}

#[test]
fn a_note_is_saved_from_memory_and_the_editor_closes_only_when_committed() {
    let mut f = fixture();
    open_detail(&mut f.app, Tab::Notes);
    press(&mut f.app, KeyCode::Char('a'));
    typing(&mut f.app, "q and j are text here");
    assert!(!f.app.quit);
    ctrl(&mut f.app, 's');
    assert!(f.app.shared.jobs.is_running(JobKind::Change));
    assert!(f.app.top::<NoteEditor>().is_some_and(|e| e.saving));
    // A failure keeps the text.
    f.app.on_job(JobMessage {
        kind: JobKind::Change,
        serial: 1,
        body: JobBody::Done(Err(dossier::Error::Busy)),
    });
    assert!(f.app.top::<NoteEditor>().is_some_and(|e| !e.saving));
    assert!(f.app.shared.message.as_ref().is_some_and(|m| m.error));
    ctrl(&mut f.app, 's');
    f.app.on_job(JobMessage {
        kind: JobKind::Change,
        serial: 2,
        body: JobBody::Done(Ok(JobOutput::Changed("Added a note".into()))),
    });
    assert!(f.app.overlays.is_empty());
}

#[test]
fn form_fields_are_validated_by_the_case_field_table() {
    let mut f = fixture();
    open_detail(&mut f.app, Tab::Overview);
    press(&mut f.app, KeyCode::Char('e'));
    // A choice is chosen, not typed: Enter takes the next and stays.
    for _ in 0..2 {
        press(&mut f.app, KeyCode::Char('j'));
    }
    press(&mut f.app, KeyCode::Enter);
    let form = f.app.top::<Form>().expect("form");
    assert_eq!(form.fields[2].key, "status");
    assert_eq!(form.value("status"), "pending");
    assert_eq!(form.selected, 2, "it stays on the field");
    assert!(form.editing.is_none(), "nothing to type");
    // A typed field is checked by the field table.
    for _ in 0..3 {
        press(&mut f.app, KeyCode::Char('j'));
    }
    press(&mut f.app, KeyCode::Enter);
    ctrl(&mut f.app, 'a');
    for _ in 0..12 {
        press(&mut f.app, KeyCode::Delete);
    }
    typing(&mut f.app, "31/01/2026");
    press(&mut f.app, KeyCode::Enter);
    let Some(form) = f.app.top::<Form>() else {
        panic!("form")
    };
    assert_eq!(form.fields[5].key, "opened");
    assert!(form.fields[5]
        .error
        .as_deref()
        .is_some_and(|e| e.contains("expected a date as YYYY-MM-DD")));
    assert!(form.editing.is_some(), "still editing after a refusal");
    ctrl(&mut f.app, 'a');
    for _ in 0..12 {
        press(&mut f.app, KeyCode::Delete);
    }
    typing(&mut f.app, "2026-01-31");
    press(&mut f.app, KeyCode::Enter);
    ctrl(&mut f.app, 's');
    assert!(f.app.shared.jobs.is_running(JobKind::Change));
    let Some(form) = f.app.top::<Form>() else {
        panic!("form")
    };
    match &form.purpose {
        FormPurpose::EditCase { draft, .. } => {
            assert_eq!(draft.status, Status::Pending);
            assert_eq!(draft.opened, Some(day(2026, 1, 31)));
        }
        _ => panic!("edit form"),
    }
}

#[test]
fn the_new_case_form_can_protect_the_identity_from_the_start() {
    let mut f = fixture();
    f.app.screen = ScreenId::Cases;
    press(&mut f.app, KeyCode::Char('n'));
    for value in ["Asylum appeal", "Miriam Tesfaye", "", "Client MT-7"] {
        press(&mut f.app, KeyCode::Enter);
        typing(&mut f.app, value);
        press(&mut f.app, KeyCode::Enter);
    }
    let Some(form) = f.app.top::<Form>() else {
        panic!("the new-case form is open")
    };
    assert_eq!(form.value("pseudonym"), "Client MT-7");
    ctrl(&mut f.app, 's');
    assert!(f.app.shared.jobs.is_running(JobKind::Change));
}

#[test]
fn destructive_actions_ask_first() {
    let mut f = fixture();
    open_detail(&mut f.app, Tab::Access);
    press(&mut f.app, KeyCode::Char('j'));
    press(&mut f.app, KeyCode::Char('-'));
    assert!(f.app.top::<Confirm>().is_some());
    press(&mut f.app, KeyCode::Char('n'));
    assert!(f.app.overlays.is_empty());
    assert!(!f.app.shared.jobs.is_running(JobKind::Change));
    press(&mut f.app, KeyCode::Char('C'));
    press(&mut f.app, KeyCode::Char('y'));
    assert!(f.app.shared.jobs.is_running(JobKind::Change));
}

#[test]
fn a_long_confirmation_is_shown_whole_with_its_keys() {
    let mut f = fixture();
    open_detail(&mut f.app, Tab::Access);
    press(&mut f.app, KeyCode::Char('j'));
    press(&mut f.app, KeyCode::Char('-'));
    let screen = text(&mut f.app, 80, 24);
    assert!(screen.contains("stay readable to them."), "{screen}");
    assert!(screen.contains("y yes   n no"), "{screen}");
}

#[test]
fn key_revoke_asks_for_confirmation_first() {
    let mut f = fixture();
    f.app.screen = ScreenId::Keyring;
    press(&mut f.app, KeyCode::Char('R'));
    assert!(
        f.app.top::<Confirm>().is_some(),
        "a destructive action is confirmed before it runs"
    );
}

#[test]
fn wrong_passphrase_says_so_and_allows_a_retry() {
    let mut f = fixture();
    f.app.shared.session = None;
    f.app.screen = ScreenId::Unlock;
    typing(&mut f.app, "nope");
    press(&mut f.app, KeyCode::Enter);
    assert!(f.app.shared.jobs.is_running(JobKind::Unlock));
    assert_eq!(
        f.app.screens.unlock.input.value(),
        "",
        "the typed passphrase is not kept"
    );
    f.app.on_job(JobMessage {
        kind: JobKind::Unlock,
        serial: 1,
        body: JobBody::Done(Err(dossier::Error::WrongPassphrase)),
    });
    assert_eq!(f.app.screen, ScreenId::Unlock);
    assert!(f
        .app
        .screens
        .unlock
        .error
        .as_deref()
        .is_some_and(|e| e.contains("wrong")));
    typing(&mut f.app, "again");
    press(&mut f.app, KeyCode::Enter);
    assert!(f.app.shared.jobs.is_running(JobKind::Unlock));
}

// ----- sync ---------------------------------------------------------------

fn sync_conflicts() -> Vec<Conflict> {
    vec![
        Conflict {
            case: Some(id("27T8E7KFWC")),
            field: "title".into(),
            ours: Some("Fresh claim".into()),
            theirs: Some(
                "Appeal to the Upper Tribunal on the refusal of protection, with the expert report"
                    .into(),
            ),
        },
        Conflict {
            case: Some(id("27T8E7KFWC")),
            field: "client.contact.phone".into(),
            ours: None,
            theirs: Some("+44 20 7946 0000".into()),
        },
        Conflict {
            case: None,
            field: ".dossier/groups.yaml".into(),
            ours: Some("changed".into()),
            theirs: Some("changed".into()),
        },
    ]
}

/// Answers the running sync job.
fn finish_sync(app: &mut App, out: Result<JobOutput, dossier::Error>) {
    let serial = app
        .shared
        .jobs
        .serial_of(JobKind::Sync)
        .expect("a sync job runs");
    app.on_job(JobMessage {
        kind: JobKind::Sync,
        serial,
        body: JobBody::Done(out),
    });
}

/// Answers the running sync job with a report from `origin`.
fn synced(app: &mut App, received: usize, outcome: Outcome, pushed: bool) {
    let report = testkit::sync_report(received, outcome, pushed);
    finish_sync(app, Ok(JobOutput::Synced(Box::new(report))));
}

/// A merge that changed case 27T8E7KFWC.
fn merged_one_case() -> Outcome {
    Outcome::Merged {
        commit: git2::Oid::ZERO_SHA1,
        cases: vec![id("27T8E7KFWC")],
    }
}

/// Presses `S` and answers the sync job with conflicts.
fn open_conflicts(app: &mut App) {
    press(app, KeyCode::Char('S'));
    assert!(app.shared.jobs.is_running(JobKind::Sync));
    synced(app, 2, Outcome::Conflicts(sync_conflicts()), false);
}

#[test]
fn sync_runs_as_a_background_job_and_the_status_bar_shows_its_progress() {
    let mut f = fixture();
    press(&mut f.app, KeyCode::Char('S'));
    assert!(f.app.shared.jobs.is_running(JobKind::Sync));
    let request = f
        .app
        .shared
        .sync_request
        .clone()
        .expect("the job's request");
    assert_eq!(request.remote, None, "the vault's own remote");
    assert!(request.choices.each.is_empty() && request.choices.all.is_none());
    assert!(text(&mut f.app, 80, 24).contains("sync: starting"));
    for (stage, shown) in [
        (
            Stage::Receiving {
                objects: 120,
                total: 300,
            },
            "sync: receiving 120/300 objects",
        ),
        (Stage::Verifying, "sync: verifying"),
        (
            Stage::Pushing {
                current: 0,
                total: 0,
            },
            "sync: pushing",
        ),
    ] {
        f.app.on_job(JobMessage {
            kind: JobKind::Sync,
            serial: 1,
            body: JobBody::Partial(JobOutput::SyncProgress(stage)),
        });
        let screen = text(&mut f.app, 80, 24);
        let status_bar = screen.lines().nth(22).unwrap_or("");
        assert!(status_bar.contains(shown), "{screen}");
    }
    // One sync at a time.
    press(&mut f.app, KeyCode::Char('S'));
    assert!(f
        .app
        .shared
        .message
        .as_ref()
        .is_some_and(|m| m.error && m.text.contains("already running")));

    synced(&mut f.app, 3, merged_one_case(), true);
    assert!(!f.app.shared.jobs.is_running(JobKind::Sync));
    assert!(f.app.shared.sync_request.is_none());
    assert_eq!(
        f.app.shared.message.as_ref().map(|m| m.text.as_str()),
        Some("Synced with origin: 3 new commits, merged 1 case, pushed")
    );
    // The vault changed: the list, history and ahead/behind are read again.
    for kind in [JobKind::List, JobKind::LastChanges, JobKind::Status] {
        assert!(
            f.app.shared.jobs.is_running(kind),
            "{kind:?} reloads after a sync"
        );
    }
}

#[test]
fn sync_from_the_command_prompt_names_the_remote() {
    let mut f = fixture();
    press(&mut f.app, KeyCode::Char(':'));
    typing(&mut f.app, "sync usb");
    press(&mut f.app, KeyCode::Enter);
    assert!(f.app.shared.jobs.is_running(JobKind::Sync));
    assert_eq!(
        f.app
            .shared
            .sync_request
            .as_ref()
            .and_then(|r| r.remote.as_deref()),
        Some("usb")
    );
}

#[test]
fn a_failed_sync_shows_the_library_sentence_whole() {
    let mut f = fixture();
    press(&mut f.app, KeyCode::Char('S'));
    finish_sync(
        &mut f.app,
        Err(dossier::Error::UnknownHost {
            host: "[127.0.0.1]:2222".into(),
            fingerprint: "SHA256:abcdefghijklmnop".into(),
            file: PathBuf::from("/home/ada/.ssh/known_hosts"),
            add_command: "ssh-keyscan -p 2222 127.0.0.1 >> ~/.ssh/known_hosts".into(),
        }),
    );
    assert!(f.app.top::<Notice>().is_some_and(|n| n.error));
    let screen = text(&mut f.app, 80, 24);
    assert!(screen.contains("Sync failed"), "{screen}");
    // Wrapped, not cut: the end of the sentence (how to add the host) shows.
    assert!(screen.contains("~/.ssh/known_hosts`"), "{screen}");
    assert!(
        f.app.shared.jobs.is_running(JobKind::Status),
        "status re-read"
    );
    press(&mut f.app, KeyCode::Esc);
    assert!(f.app.overlays.is_empty());
}

#[test]
fn a_sync_that_recorded_a_merge_but_could_not_send_it_says_so_and_reloads() {
    let mut f = fixture();
    press(&mut f.app, KeyCode::Char('S'));
    finish_sync(
        &mut f.app,
        Err(dossier::Error::SyncUnfinished {
            what: "merge",
            remote: "origin".into(),
            commit: "6ecb8a85ed".into(),
            reason: "No space left on device".into(),
        }),
    );
    let screen = text(&mut f.app, 80, 24);
    assert!(screen.contains("Sync not finished"), "{screen}");
    assert!(screen.contains("was recorded here"), "{screen}");
    // The merge is on the branch: the cases are read again.
    assert!(f.app.shared.jobs.is_running(JobKind::List), "cases re-read");
}

#[test]
fn snapshot_sync_conflicts_and_choices() {
    let mut f = fixture();
    open_conflicts(&mut f.app);
    assert!(f.app.top::<ConflictView>().is_some());
    insta::assert_snapshot!("sync_conflicts_80x24", text(&mut f.app, 80, 24));
    press(&mut f.app, KeyCode::Char('t'));
    press(&mut f.app, KeyCode::Char('o'));
    insta::assert_snapshot!("sync_conflicts_chosen_80x24", text(&mut f.app, 80, 24));
    let Some(v) = f.app.top::<ConflictView>() else {
        panic!("conflict view")
    };
    let chosen: Vec<Option<Side>> = v.rows.iter().map(|r| r.choice).collect();
    assert_eq!(chosen, vec![Some(Side::Theirs), Some(Side::Ours), None]);
    // The side taken stands out; the side dropped is dimmed.
    let term = draw(&mut f.app, 80, 24);
    let buf = term.backend().buffer();
    let style_of = |needle: &str| {
        for y in 0..24u16 {
            let line: String = (0..80u16).map(|x| buf[(x, y)].symbol()).collect();
            if let Some(byte) = line.find(needle) {
                let x = line[..byte].chars().count() as u16;
                return buf[(x, y)].fg;
            }
        }
        panic!("{needle} is not on screen")
    };
    let taken = f.app.shared.theme.style(Style::Verified).fg.expect("fg");
    let dropped = f.app.shared.theme.style(Style::Muted).fg.expect("fg");
    assert_ne!(taken, dropped);
    assert_eq!(style_of("Appeal to the"), taken);
    assert_eq!(style_of("Fresh claim"), dropped);
}

#[test]
fn enter_with_undecided_conflicts_refuses_and_says_how_many() {
    let mut f = fixture();
    open_conflicts(&mut f.app);
    press(&mut f.app, KeyCode::Char('t'));
    press(&mut f.app, KeyCode::Enter);
    let m = f.app.shared.message.clone().expect("message");
    assert!(m.error);
    assert!(
        m.text.starts_with("2 of 3 conflict(s) still undecided"),
        "{}",
        m.text
    );
    assert!(!f.app.shared.jobs.is_running(JobKind::Sync));
    assert!(f.app.top::<ConflictView>().is_some());
}

#[test]
fn enter_when_all_are_decided_syncs_again_carrying_exactly_those_choices() {
    let mut f = fixture();
    open_conflicts(&mut f.app);
    press(&mut f.app, KeyCode::Char('O'));
    press(&mut f.app, KeyCode::Char('k'));
    press(&mut f.app, KeyCode::Char('k'));
    press(&mut f.app, KeyCode::Char('t')); // the first: theirs after all
    press(&mut f.app, KeyCode::Enter);
    assert!(f.app.shared.jobs.is_running(JobKind::Sync));
    let request = f.app.shared.sync_request.clone().expect("request");
    assert_eq!(request.remote.as_deref(), Some("origin"));
    assert_eq!(request.choices.all, None);
    assert_eq!(
        request.choices.each,
        BTreeMap::from([
            ("27T8E7KFWC:title".to_string(), Side::Theirs),
            ("27T8E7KFWC:client.contact.phone".to_string(), Side::Ours),
            (".dossier/groups.yaml".to_string(), Side::Ours),
        ])
    );
    // The view waits, choices kept, until the sync answers.
    assert!(f.app.top::<ConflictView>().is_some_and(|v| v.merging));
    press(&mut f.app, KeyCode::Esc);
    assert!(f.app.top::<ConflictView>().is_some());

    // A new conflict appears (the remote moved on): earlier choices are carried.
    synced(
        &mut f.app,
        1,
        Outcome::Conflicts(vec![Conflict {
            case: Some(id("27T8E7KFWC")),
            field: "status".into(),
            ours: Some("open".into()),
            theirs: Some("pending".into()),
        }]),
        false,
    );
    press(&mut f.app, KeyCode::Char('t'));
    press(&mut f.app, KeyCode::Enter);
    let request = f.app.shared.sync_request.clone().expect("request");
    assert_eq!(request.choices.each.len(), 4, "{:?}", request.choices.each);
    assert_eq!(
        request.choices.each.get("27T8E7KFWC:title"),
        Some(&Side::Theirs)
    );

    synced(&mut f.app, 0, merged_one_case(), true);
    assert!(f.app.overlays.is_empty(), "the view closes once merged");
    assert!(f
        .app
        .shared
        .message
        .as_ref()
        .is_some_and(|m| m.text.contains("merged 1 case, pushed")));
}

#[test]
fn a_failed_merge_keeps_the_choices_and_esc_leaves_without_merging() {
    let mut f = fixture();
    open_conflicts(&mut f.app);
    press(&mut f.app, KeyCode::Char('T'));
    press(&mut f.app, KeyCode::Enter);
    finish_sync(&mut f.app, Err(dossier::Error::Busy));
    assert!(f.app.top::<Notice>().is_some());
    press(&mut f.app, KeyCode::Esc);
    let Some(v) = f.app.top::<ConflictView>() else {
        panic!("the conflict view is still there")
    };
    assert!(!v.merging);
    assert_eq!(v.undecided(), 0, "choices kept");
    // `?` lists the view's keys; Esc closes help, then leaves the view.
    press(&mut f.app, KeyCode::Char('?'));
    assert!(f.app.top::<Help>().is_some());
    press(&mut f.app, KeyCode::Esc);
    press(&mut f.app, KeyCode::Esc);
    assert!(f.app.overlays.is_empty());
    assert!(!f.app.shared.jobs.is_running(JobKind::Sync));
    assert!(f
        .app
        .shared
        .message
        .as_ref()
        .is_some_and(|m| !m.error && m.text.contains("nothing was merged")));
}

// ----- docs ---------------------------------------------------------------

/// The key map as the user guide prints it.
fn keymap_markdown() -> String {
    let mut out = String::new();
    let maps = fixture().app.keymaps();
    for (title, rows) in crate::tui::action::help_sections(&maps) {
        out.push_str(&format!("**{}**\n\n| Keys | Action |\n|---|---|\n", title));
        for (keys, desc) in rows {
            let keys: Vec<String> = keys
                .split(' ')
                .map(|k| {
                    if k == "`" {
                        "`` ` ``".into()
                    } else {
                        format!("`{k}`")
                    }
                })
                .collect();
            out.push_str(&format!("| {} | {desc} |\n", keys.join(" ")));
        }
        out.push('\n');
    }
    out
}

#[test]
fn the_user_guide_lists_the_key_map_exactly() {
    let guide = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/user-guide.md"))
        .expect("user guide");
    let expected = keymap_markdown();
    assert!(
        guide.contains(&expected),
        "docs/user-guide.md must contain the key map generated from the key tables:\n\n{expected}"
    );
}

// ----- jobs against a real vault ------------------------------------------
//
// The one exception to "no vault, no threads": that opening a case records
// its view happens inside the job, so it is proved by running the job.

/// A vault founded by a fresh identity, with one case and `log_views` on;
/// the app unlocked on it with real (threaded) jobs, and the job channel.
fn live_vault(
    dir: &std::path::Path,
) -> (
    App,
    std::sync::mpsc::Receiver<crate::tui::event::Event>,
    CaseId,
) {
    let home = Home::new(dir.join("home"));
    let session =
        testkit::person_at(home.dir(), "Ada Osei", "ada@osei-legal.example").expect("person");
    let vault = testkit::founded_vault(&dir.join("vault"), "Osei Legal", &session).expect("init");
    dossier::vault::settings::set(
        &vault,
        &session,
        &[dossier::vault::settings::Assignment::Switch(
            dossier::vault::settings::Setting::LogViews,
            true,
        )],
    )
    .expect("log_views on");
    let vault = dossier::vault::Vault::open(vault.root()).expect("reopen");
    let case = dossier::ops::cases::create(
        &vault,
        &session,
        dossier::ops::cases::NewCase {
            title: "Asylum appeal".into(),
            ..Default::default()
        },
    )
    .expect("case");
    let (tx, rx) = std::sync::mpsc::channel();
    let jobs = Jobs::new(
        move |m| {
            let _ = tx.send(crate::tui::event::Event::Job(m));
        },
        vault.root().to_path_buf(),
    );
    let theme = Theme::preset("default").expect("theme");
    let mut app = App::new(theme, Config::default(), home, jobs, 10);
    app.shared
        .cases
        .upsert(dossier::ops::cases::list(&vault, &session).expect("list"));
    app.shared.session = Some(Arc::new(session));
    app.screen = ScreenId::Cases;
    (app, rx, case)
}

/// Feeds job reports to the app until the opened case's job has answered.
fn until_opened(app: &mut App, rx: &std::sync::mpsc::Receiver<crate::tui::event::Event>) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while app.shared.jobs.is_running(JobKind::OpenCase) {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        match rx.recv_timeout(left) {
            Ok(crate::tui::event::Event::Job(m)) => app.on_job(m),
            Ok(_) => {}
            Err(e) => panic!("the open-case job never answered: {e}"),
        }
    }
}

fn head_message(root: &std::path::Path) -> (git2::Oid, String) {
    let repo = git2::Repository::open(root).expect("repo");
    let head = repo.head().expect("head").peel_to_commit().expect("commit");
    (head.id(), head.message().unwrap_or("").to_string())
}

#[test]
fn opening_a_case_with_log_views_on_records_a_signed_view_in_the_job() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (mut app, rx, case) = live_vault(dir.path());
    let root = app.shared.jobs.vault_root.clone();
    let (before, _) = head_message(&root);
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.screen, ScreenId::Detail);
    until_opened(&mut app, &rx);
    let detail = app.screens.detail.case.as_ref().expect("detail");
    assert_eq!(detail.error, None);
    // What shows commits is read again after the view commit.
    for kind in [JobKind::CaseHistory, JobKind::Status] {
        assert!(
            app.shared.jobs.is_running(kind),
            "{kind:?} re-read after the view"
        );
    }
    let view = detail
        .loaded
        .as_ref()
        .and_then(|l| l.case.view)
        .expect("the case was shown and its view recorded");
    let (head, message) = head_message(&root);
    assert_eq!(head, view, "the view is the newest commit");
    let repo = git2::Repository::open(&root).expect("repo");
    assert_eq!(
        repo.find_commit(head).expect("view").parent_id(0).ok(),
        Some(before)
    );
    let parsed = dossier::repo::store::CommitMessage::parse(&message).expect("dossier message");
    assert_eq!(parsed.action, "view");
    assert_eq!(parsed.case, Some(case.clone()));
    let vault = dossier::vault::Vault::open(&root).expect("vault");
    let log = dossier::audit::log::read(&vault, Some(&case)).expect("log");
    assert_eq!(log[0].action.as_deref(), Some("view"));
    assert_eq!(log[0].signature, SignatureStatus::Verified);
    assert_eq!(log[0].actor_name.as_deref(), Some("Ada Osei"));
}

#[test]
fn a_view_that_cannot_be_recorded_keeps_the_case_closed_in_the_tui() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (mut app, rx, _case) = live_vault(dir.path());
    let root = app.shared.jobs.vault_root.clone();
    let (before, _) = head_message(&root);
    let _held =
        dossier::support::fsio::lock_exclusive(&root.join(".git/dossier.lock")).expect("lock");
    press(&mut app, KeyCode::Enter);
    until_opened(&mut app, &rx);
    let detail = app.screens.detail.case.as_ref().expect("detail");
    assert!(detail.loaded.is_none(), "nothing decrypted is shown");
    let error = detail.error.as_deref().expect("an error is shown");
    assert!(
        error.contains("was not opened") && error.contains("another dossier process"),
        "{error}"
    );
    assert_eq!(head_message(&root).0, before, "no commit");
}

// ----- key tables -----------------------------------------------------------

fn key_event(code: KeyCode) -> KeyEvent {
    KeyEvent::new(code, KeyModifiers::NONE)
}

/// The key table of screen `id`.
fn screen_keys(app: &App, id: ScreenId) -> &'static Keymap {
    app.screens.get(id).keys()
}

#[test]
fn vim_keys_and_arrows_move_the_same_way() {
    let app = fixture().app;
    for id in [
        ScreenId::Cases,
        ScreenId::Keyring,
        ScreenId::Audit,
        ScreenId::Detail,
    ] {
        let map = screen_keys(&app, id);
        assert_eq!(
            lookup(map, &key_event(KeyCode::Char('j'))),
            Some(Action::Down)
        );
        assert_eq!(lookup(map, &key_event(KeyCode::Down)), Some(Action::Down));
        assert_eq!(
            lookup(map, &key_event(KeyCode::Char('k'))),
            Some(Action::Up)
        );
        assert_eq!(lookup(map, &key_event(KeyCode::Up)), Some(Action::Up));
    }
}

#[test]
fn text_entry_types_letters_that_are_commands_elsewhere() {
    let app = fixture().app;
    let unlock = screen_keys(&app, ScreenId::Unlock);
    for map in [&prompt::KEYS, &editor::KEYS, unlock] {
        assert_eq!(
            lookup(map, &key_event(KeyCode::Char('q'))),
            Some(Action::Char('q'))
        );
        assert_eq!(
            lookup(map, &key_event(KeyCode::Char('j'))),
            Some(Action::Char('j'))
        );
    }
    assert_eq!(
        lookup(
            screen_keys(&app, ScreenId::Cases),
            &key_event(KeyCode::Char('q'))
        ),
        Some(Action::Quit)
    );
    let ctrl_s = KeyEvent::new(KeyCode::Char('s'), KeyModifiers::CONTROL);
    assert_eq!(lookup(&editor::KEYS, &ctrl_s), Some(Action::Save));
    assert_eq!(
        lookup(&editor::KEYS, &key_event(KeyCode::Enter)),
        Some(Action::Newline)
    );
    assert_eq!(
        lookup(&prompt::KEYS, &key_event(KeyCode::Enter)),
        Some(Action::Submit)
    );
}

#[test]
fn screen_bindings_win_over_global_ones() {
    let app = fixture().app;
    // `c` clears the filter on the list but certifies in the keyring.
    assert_eq!(
        lookup(
            screen_keys(&app, ScreenId::Cases),
            &key_event(KeyCode::Char('c'))
        ),
        Some(Action::ClearFilter)
    );
    assert_eq!(
        lookup(
            screen_keys(&app, ScreenId::Keyring),
            &key_event(KeyCode::Char('c'))
        ),
        Some(Action::KeyCertify)
    );
    assert_eq!(lookup(&confirm::KEYS, &key_event(KeyCode::Char('q'))), None);
}

#[test]
fn no_key_is_bound_twice_in_one_table() {
    for map in fixture().app.keymaps() {
        for (i, a) in map.bindings.iter().enumerate() {
            for bd in &map.bindings[i + 1..] {
                assert!(
                    a.key != bd.key,
                    "{} {} is bound twice",
                    map.title,
                    a.key.label()
                );
            }
        }
    }
}

#[test]
fn help_lists_every_binding_and_hints_come_from_the_same_tables() {
    let app = fixture().app;
    let maps = app.keymaps();
    let sections = help_sections(&maps);
    let listed: usize = sections
        .iter()
        .flat_map(|(_, rows)| rows.iter())
        .map(|(keys, _)| keys.split(' ').count())
        .sum();
    let bound: usize = maps.iter().map(|m| m.bindings.len()).sum();
    assert_eq!(listed, bound);
    let list = screen_keys(&app, ScreenId::Cases);
    assert!(hints(list).iter().any(|(_, d)| *d == "quit"));
    assert!(!hints(&editor::KEYS).iter().any(|(_, d)| *d == "quit"));
}

/// The hint line each screen shows, and its section of the `?` help, come
/// from that screen's own key table (plus the global one on screens that
/// take global keys), and what the app draws is exactly that.
#[test]
fn each_screen_s_help_and_hint_line_come_from_its_own_key_table() {
    let mut f = fixture();
    let maps = f.app.keymaps();
    let sections = help_sections(&maps);
    for &id in ScreenId::ALL {
        let map = screen_keys(&f.app, id);
        // The help section titled after the screen lists exactly its table.
        let (_, rows) = sections
            .iter()
            .find(|(title, _)| *title == map.title)
            .expect("a help section per screen");
        let mut actions: Vec<Action> = Vec::new();
        for bd in map.bindings {
            if !actions.contains(&bd.action) {
                actions.push(bd.action);
            }
        }
        assert_eq!(rows.len(), actions.len(), "{}", map.title);
        // One row per action, in table order: its first binding's text and
        // every key bound to it.
        for ((keys, desc), action) in rows.iter().zip(&actions) {
            let bound: Vec<_> = map
                .bindings
                .iter()
                .filter(|bd| bd.action == *action)
                .collect();
            assert_eq!(*desc, bound[0].desc, "{}", map.title);
            let labels: Vec<String> = bound.iter().map(|bd| bd.key.label()).collect();
            assert_eq!(*keys, labels.join(" "), "{}", map.title);
        }
        // The hint line: the hinted bindings of its table (and, for screens
        // that take global keys, the global ones), first key per action.
        let global = map.rest == Rest::Global;
        let hinted = hints(map);
        for (label, desc) in &hinted {
            let from_table = map
                .bindings
                .iter()
                .chain(GLOBAL.bindings.iter().filter(|_| global))
                .any(|bd| bd.hint && bd.key.label() == *label && bd.desc == *desc);
            assert!(from_table, "{}: hint {label} {desc}", map.title);
        }
        for bd in map.bindings.iter().filter(|bd| bd.hint) {
            assert!(
                hinted.iter().any(|(_, d)| *d == bd.desc),
                "{}: {} is hinted in its table but not shown",
                map.title,
                bd.desc
            );
        }
        // And the drawn hint bar is that line.
        f.app.overlays.clear();
        f.app.shared.message = None;
        f.app.screen = id;
        let screen = text(&mut f.app, 200, 24);
        let bar = screen.lines().last().unwrap_or("");
        // The screen may hide what it cannot do now (see the detail's test).
        let shown =
            crate::tui::action::hints_by(map, |bd| f.app.screens.get(id).hint(bd, &f.app.shared));
        for (label, desc) in &shown {
            assert!(
                hinted.iter().any(|(l, _)| l == label)
                    || map.bindings.iter().any(|bd| bd.key.label() == *label),
                "{}: {label} {desc} is not a key of its table",
                map.title
            );
        }
        let expected: String = shown
            .iter()
            .map(|(k, d)| format!("{k} {d}"))
            .collect::<Vec<_>>()
            .join("  ");
        assert_eq!(bar.trim(), expected, "{}", map.title);
    }
}

/// The TUI reports a change of access in the library's own sentence, the
/// one the CLI prints: revoking carries DESIGN §4's warning that fetched
/// copies stay readable and secrets should be rotated.
#[test]
fn access_changes_are_reported_in_the_library_sentence_with_the_rotation_warning() {
    let dir = tempfile::tempdir().expect("temp dir");
    let ada = testkit::person(dir.path(), "Ada", "x.example").expect("Ada");
    let ben = testkit::person(dir.path(), "Ben", "x.example").expect("Ben");
    let mut vault = testkit::founded_vault(&dir.path().join("vault"), "T", &ada).expect("vault");
    let ben_fp = testkit::join(&mut vault, &ada, &ben).expect("join");
    let id = dossier::ops::cases::create(&vault, &ada, Default::default()).expect("case");
    let root = vault.root().to_path_buf();
    drop(vault);
    let session = Arc::new(ada);
    let said = |change| match crate::tui::data::run_change(&root, &session, change) {
        Ok(JobOutput::Changed(message)) => message,
        Ok(_) => panic!("a change reports Changed"),
        Err(e) => panic!("the change failed: {e}"),
    };
    assert_eq!(
        said(crate::tui::data::Change::Grant(
            id.clone(),
            ben_fp.to_string()
        )),
        format!("{ben_fp} can now read case {id}")
    );
    assert_eq!(
        said(crate::tui::data::Change::Revoke(id.clone(), AccessEntry::Key(ben_fp))),
        format!(
            "{ben_fp} can no longer read case {id}'s current files. Copies already fetched, and older versions in history, stay readable to whoever had them: rotate any underlying secrets where that matters."
        )
    );
}
