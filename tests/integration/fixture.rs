//! The format's guard: a small vault made once, by the version of
//! 2026-12-01, is committed in `tests/fixtures/vault-2026-12/`, and every
//! later version must clone it, verify it, decrypt it, and write to it.
//!
//! What the fixture holds: `vault.bundle` (a git bundle of the whole
//! history), the identity homes of Ada (root) and Ben (staff; his key was
//! rotated), and `expected.json` (the ids the generator drew). Cy was
//! certified, put in the group `@team`, then revoked. Case A is Ada's,
//! granted to `@team`, with a note by Ben; case B is Ada's alone. The keys
//! are test keys with the passphrases below; nothing in it is confidential.
//!
//! The fixture is never regenerated to make this test pass: a change that
//! breaks it breaks every vault in the field. (`make_fixture`, ignored, is
//! how it was made: `DOSSIER_WRITE_FIXTURE=1 cargo test --test integration
//! make_fixture -- --ignored`.)

use std::path::{Path, PathBuf};

use crate::support::{Person, World};

const TITLE_A: &str = "Asylum appeal, second instance";
const CLIENT_A: &str = "Fixture Client Alpha";
const REFERENCE_A: &str = "FX-2026-001";
const TITLE_B: &str = "Mutual legal assistance request";
const CLIENT_B: &str = "Fixture Client Beta";
const REFERENCE_B: &str = "FX-2026-002";
const NOTE_BY_BEN: &str = "Hearing moved to the spring; bundle of evidence filed.";

fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/vault-2026-12")
}

fn passphrase(name: &str) -> String {
    format!("fixture passphrase of {name}")
}

/// Copies a person's fixture home into the world (commands may write there).
fn fixture_person(w: &World, name: &str) -> Person {
    let home = w.path(&format!("homes/{name}"));
    std::fs::create_dir_all(&home).expect("home");
    for entry in std::fs::read_dir(fixture_dir().join(name.to_lowercase())).expect("fixture home") {
        let entry = entry.expect("entry");
        std::fs::copy(entry.path(), home.join(entry.file_name())).expect("copy");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&home, std::fs::Permissions::from_mode(0o700)).expect("chmod");
        for secret in ["identity.age", "signing_key"] {
            let f = home.join(secret);
            if f.exists() {
                std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o600))
                    .expect("chmod");
            }
        }
    }
    Person {
        name: name.to_string(),
        home,
        passphrase: passphrase(name),
    }
}

fn expected() -> serde_json::Value {
    let text = std::fs::read_to_string(fixture_dir().join("expected.json")).expect("expected.json");
    serde_json::from_str(&text).expect("json")
}

fn field<'a>(v: &'a serde_json::Value, key: &str) -> &'a str {
    v[key]
        .as_str()
        .unwrap_or_else(|| panic!("expected.json has no {key}"))
}

#[test]
fn the_2026_12_vault_clones_verifies_decrypts_and_takes_new_work() {
    let w = World::new();
    let ada = fixture_person(&w, "Ada");
    let ben = fixture_person(&w, "Ben");
    let want = expected();
    let (a, b) = (field(&want, "case_a"), field(&want, "case_b"));
    let bundle = fixture_dir().join("vault.bundle");
    let vault = w.vault();
    w.ok_in(
        &ada,
        &w.path(""),
        &[
            "clone",
            bundle.to_str().expect("utf8"),
            vault.to_str().expect("utf8"),
        ],
    );

    // Every commit verifies, every file decrypts for whoever may read it.
    let report = w.ok(&ada, &["verify"]);
    assert!(!report.contains("problem"), "{report}");
    let log: Vec<serde_json::Value> =
        serde_json::from_str(&w.ok(&ada, &["log", "--json"])).expect("log json");
    assert_eq!(
        log.len(),
        want["commits"].as_u64().expect("commits") as usize
    );
    for entry in &log {
        assert_eq!(entry["signature"], "verified", "{entry}");
    }

    // The records and the note read back as they were written.
    let shown: serde_json::Value =
        serde_json::from_str(&w.ok(&ada, &["case", "show", a, "--json"])).expect("show json");
    let text = shown.to_string();
    for value in [TITLE_A, CLIENT_A, REFERENCE_A, NOTE_BY_BEN] {
        assert!(text.contains(value), "case A lacks {value:?}: {text}");
    }
    let listed = w.ok(&ada, &["case", "list"]);
    assert!(
        listed.contains(REFERENCE_A) && listed.contains(REFERENCE_B),
        "{listed}"
    );
    let b_shown = w.ok(&ada, &["case", "show", b]);
    assert!(
        b_shown.contains(TITLE_B) && b_shown.contains(CLIENT_B),
        "{b_shown}"
    );

    // Ben (after his rotation) reads A through @team; B was never his.
    let ben_view = w.ok(&ben, &["case", "show", a]);
    assert!(ben_view.contains(CLIENT_A), "{ben_view}");
    let refused = w.fails(&ben, &["case", "show", b], 1);
    assert!(
        refused.contains("you are not a recipient of case"),
        "{refused}"
    );

    // Cy stays revoked, and the group no longer names him.
    let keys = w.ok(&ada, &["key", "list"]);
    assert!(keys.contains("revoked"), "{keys}");

    // Stock age opens the record with Ada's exported secret (recovery).
    let secret = w.age_secret(&ada, "fixture");
    assert!(w.age_opens(&secret, &format!("cases/{a}/case.yaml.age")));

    // The old format takes new work and stays verifiable.
    w.ok(
        &ada,
        &["note", "add", a, "--text", "Reviewed after the upgrade."],
    );
    w.ok(&ben, &["case", "set", a, "status=pending"]);
    let after = w.ok(&ada, &["verify"]);
    assert!(!after.contains("problem"), "{after}");
}

/// Writes the fixture (run once, by hand; see the module documentation).
#[test]
#[ignore = "writes tests/fixtures; run by hand with DOSSIER_WRITE_FIXTURE=1"]
fn make_fixture() {
    if std::env::var_os("DOSSIER_WRITE_FIXTURE").is_none() {
        return;
    }
    let w = World::new();
    let person = |name: &str| {
        let p = Person {
            name: name.to_string(),
            home: w.path(&format!("homes/{name}")),
            passphrase: passphrase(name),
        };
        let email = format!("{}@fixture.example", name.to_lowercase());
        w.ok(&p, &["key", "generate", "--name", name, "--email", &email]);
        p
    };
    let (ada, ben, cy) = (person("Ada"), person("Ben"), person("Cy"));
    w.init_vault(&ada);
    let ben_fp = w.join(&ben, &ada);
    let cy_fp = w.join(&cy, &ada);
    w.ok(&ada, &["group", "set", "team", &ben_fp, &cy_fp]);
    let a = w
        .ok(
            &ada,
            &[
                "case",
                "new",
                "--title",
                TITLE_A,
                "--client",
                CLIENT_A,
                "--reference",
                REFERENCE_A,
                "--grant",
                "@team",
            ],
        )
        .trim()
        .to_string();
    let b = w
        .ok(
            &ada,
            &[
                "case",
                "new",
                "--title",
                TITLE_B,
                "--client",
                CLIENT_B,
                "--reference",
                REFERENCE_B,
            ],
        )
        .trim()
        .to_string();
    w.ok(&ben, &["note", "add", &a, "--text", NOTE_BY_BEN]);
    w.ok(&ben, &["key", "rotate"]);
    w.ok(
        &ada,
        &[
            "key",
            "revoke",
            "--yes",
            &cy_fp,
            "--reason",
            "left the firm",
        ],
    );

    let out = fixture_dir();
    std::fs::create_dir_all(&out).expect("fixture dir");
    w.ok(
        &ada,
        &[
            "bundle",
            "create",
            out.join("vault.bundle").to_str().expect("utf8"),
        ],
    );
    for p in [&ada, &ben] {
        let dir = out.join(p.name.to_lowercase());
        std::fs::create_dir_all(&dir).expect("dir");
        for entry in std::fs::read_dir(&p.home).expect("home") {
            let entry = entry.expect("entry");
            std::fs::copy(entry.path(), dir.join(entry.file_name())).expect("copy");
        }
    }
    let expected = serde_json::json!({
        "made_by": format!("dossier {}", env!("CARGO_PKG_VERSION")),
        "case_a": a,
        "case_b": b,
        "ada": w.fingerprint(&ada),
        "ben": ben_fp,
        "cy": cy_fp,
        "commits": w.commit_count(),
    });
    std::fs::write(
        out.join("expected.json"),
        serde_json::to_string_pretty(&expected).expect("json") + "\n",
    )
    .expect("write");
}
