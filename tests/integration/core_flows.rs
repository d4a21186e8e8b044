//! Issue 2's promises, end to end through the binary.

use crate::support::{read, World};

#[test]
fn key_generate_makes_a_protected_identity_and_prints_a_grouped_fingerprint() {
    let w = World::new();
    let ada = w.person("Ada");
    let identity = read(&ada.home.join("identity.age"));
    assert!(
        identity.starts_with(b"-----BEGIN AGE ENCRYPTED FILE-----"),
        "identity.age is passphrase-encrypted age"
    );
    let key = String::from_utf8(read(&ada.home.join("signing_key"))).unwrap();
    assert!(key.starts_with("-----BEGIN OPENSSH PRIVATE KEY-----"));
    let parsed = ssh_key_is_encrypted(&key);
    assert!(parsed, "signing_key must be passphrase-encrypted");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        for f in ["identity.age", "signing_key"] {
            let mode = std::fs::metadata(ada.home.join(f))
                .unwrap()
                .permissions()
                .mode()
                & 0o777;
            assert_eq!(mode, 0o600, "{f}");
        }
    }

    // The fingerprint is what ssh-keygen -lf prints for the signing key.
    let fp = w.fingerprint(&ada);
    let keygen = std::process::Command::new("ssh-keygen")
        .args(["-lf"])
        .arg(ada.home.join("signing_key.pub"))
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&keygen.stdout).contains(&fp),
        "ssh-keygen disagrees with {fp}"
    );

    // Export is a card that lists its keys; list shows it; the age secret exports.
    let card = w.ok(&ada, &["key", "export"]);
    assert!(card.contains(&"age_recipient: age1".to_string()) && card.contains("self_signature"));
    // Outside any vault, `key list` shows your own key.
    let out = w
        .cmd(&ada)
        .env_remove("DOSSIER_VAULT")
        .current_dir(w.path("homes"))
        .args(["key", "list"])
        .output()
        .unwrap();
    let list = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && list.contains(&fp) && list.contains("Ada <ada@firm.example>"),
        "{list}"
    );
    let secret = w.ok(&ada, &["key", "export-age-secret"]);
    assert!(secret.trim().starts_with("AGE-SECRET-KEY-1"));
}

fn ssh_key_is_encrypted(pem: &str) -> bool {
    // ssh-keygen -y with an empty passphrase fails on an encrypted key.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("k");
    std::fs::write(&path, pem).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    let out = std::process::Command::new("ssh-keygen")
        .args(["-y", "-P", "", "-f"])
        .arg(&path)
        .output()
        .unwrap();
    !out.status.success()
}

#[test]
fn init_creates_a_signed_vault_with_one_signed_commit() {
    let w = World::new();
    let ada = w.person("Ada");
    w.init_vault(&ada);
    let v = w.vault();
    for f in [
        ".dossier/vault.yaml",
        ".dossier/vault.yaml.sig",
        ".dossier/allowed_signers",
    ] {
        assert!(v.join(f).is_file(), "{f} missing");
    }
    let fp = w.fingerprint(&ada);
    let fp_id = std::fs::read_dir(v.join(".dossier/keyring"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect::<Vec<_>>();
    assert_eq!(fp_id.len(), 2, "card and certification: {fp_id:?}");
    assert!(fp_id.iter().all(|n| !n.contains('/') && !n.contains('+')));
    assert_eq!(w.commit_count(), 1);
    let shown = w.git_text(&[
        "-c",
        "gpg.ssh.allowedSignersFile=.dossier/allowed_signers",
        "log",
        "--show-signature",
    ]);
    assert!(
        shown.contains(&format!("Good \"git\" signature for {fp}")),
        "{shown}"
    );
    let list = w.ok(&ada, &["key", "list"]);
    assert!(
        list.contains("certified") && list.contains("root"),
        "{list}"
    );
}

#[test]
fn every_case_action_is_exactly_one_signed_commit_without_names() {
    let w = World::new();
    let ada = w.person("Ada");
    w.init_vault(&ada);
    let ben = w.person("Ben");
    let ben_fp = w.join(&ben, &ada);
    // A git identity of her own in the vault's config: never used.
    w.git(&["config", "user.name", "Ada Realname"]);
    w.git(&["config", "user.email", "ada.realname@firm.example"]);
    let mut commits = w.commit_count();
    let mut step = |what: &str, w: &World| {
        let now = w.commit_count();
        assert_eq!(now, commits + 1, "{what} must add exactly one commit");
        commits = now;
    };

    let id = w.new_case(&ada, &[]);
    assert_eq!(id.len(), 10, "opaque id: {id}");
    step("case new", &w);
    w.ok(
        &ada,
        &[
            "case",
            "set",
            &id,
            "status=pending",
            "client.nationality=Eritrean",
            "tags=[appeal, urgent]",
        ],
    );
    step("case set", &w);
    w.ok(
        &ada,
        &[
            "note",
            "add",
            &id,
            "--text",
            "Client fears return; medical report requested.",
        ],
    );
    step("note add --text", &w);
    w.ok_stdin(&ada, &["note", "add", &id], "Second note from stdin.\n");
    step("note add (stdin)", &w);
    w.ok(&ada, &["grant", &id, &ben_fp[..20]]);
    step("grant", &w);
    let shown = w.ok(&ben, &["case", "show", &id]);
    assert!(
        shown.contains("Miriam Tesfaye") && shown.contains("Second note from stdin."),
        "{shown}"
    );
    w.ok(&ada, &["revoke-access", "--yes", &id, &ben_fp]);
    step("revoke-access", &w);
    w.ok(&ada, &["case", "close", "--yes", &id]);
    step("case close", &w);

    // Ben lost access; Ada reads everything back.
    let err = w.fails(&ben, &["case", "show", &id], 1);
    assert!(
        err.contains(&format!("you are not a recipient of case {id}")) && err.contains("Ada"),
        "{err}"
    );
    let json: serde_json::Value =
        serde_json::from_str(&w.ok(&ada, &["case", "show", &id, "--json"])).unwrap();
    assert_eq!(json["record"]["status"], "closed");
    assert_eq!(json["record"]["client"]["nationality"], "Eritrean");
    assert_eq!(
        json["record"]["tags"],
        serde_json::json!(["appeal", "urgent"])
    );
    assert_eq!(json["notes"].as_array().unwrap().len(), 2);
    let list: serde_json::Value =
        serde_json::from_str(&w.ok(&ada, &["case", "list", "--json"])).unwrap();
    assert_eq!(list[0]["id"], id.as_str());
    assert_eq!(list[0]["access"], "readable");
    assert_eq!(list[0]["title"], "Asylum appeal");

    // grep finds record fields and notes.
    let hits = w.ok(&ada, &["grep", "medical REPORT"]);
    assert!(
        hits.is_empty(),
        "smart case: an upper-case pattern is case sensitive"
    );
    let hits = w.ok(&ada, &["grep", "medical report"]);
    assert!(hits.contains(&id) && hits.contains("note "), "{hits}");
    assert!(w
        .ok(&ada, &["grep", "eritrean"])
        .contains("nationality: Eritrean"));

    // Every commit is Good for stock git, with the agreed subject and trailers.
    let log = w.git_text(&[
        "-c",
        "gpg.ssh.allowedSignersFile=.dossier/allowed_signers",
        "log",
        "--show-signature",
        "--format=%s%n%b",
    ]);
    let good = log.matches("Good \"git\" signature").count();
    assert_eq!(good, commits, "every commit signed Good:\n{log}");
    for action in ["create", "edit", "note", "grant", "revoke-access", "close"] {
        assert!(
            log.contains(&format!("{action} {id}")),
            "subject `{action} {id}` missing"
        );
        assert!(log.contains(&format!("Dossier-Action: {action}")));
    }
    assert!(log.contains(&format!("Dossier-Case: {id}")));
    assert!(log.contains(&format!("Dossier-Actor: {}", w.fingerprint(&ada))));

    // Author and committer are the signer's fingerprint and its file id
    // at dossier.invalid, never the git identity configured.
    let ada_fp = w.fingerprint(&ada);
    let ada_id = ada_fp
        .trim_start_matches("SHA256:")
        .replace('/', "_")
        .replace('+', "-");
    // Every commit here is Ada's, from the vault's creation on.
    let people = w.git_text(&["log", "--format=%an|%ae|%cn|%ce"]);
    let expected = format!("{ada_fp}|{ada_id}@dossier.invalid|{ada_fp}|{ada_id}@dossier.invalid");
    for line in people.lines() {
        assert_eq!(line, expected);
    }
    assert!(!w
        .git_text(&["log", "--all", "--format=%an%ae%cn%ce"])
        .contains("Realname"));

    // Nothing confidential in messages, authors, paths or any blob in cleartext.
    let everything = w.git_text(&["log", "--all", "--format=%an %ae %s %b", "--name-only"]);
    for secret in ["Miriam", "Tesfaye", "Asylum", "Eritrean", "medical"] {
        assert!(
            !everything.contains(secret),
            "{secret} leaked into history metadata"
        );
    }
    for secret in ["Tesfaye", "Eritrean", "medical report"] {
        let found = w.git(&["grep", "-q", "-i", secret, "HEAD"]);
        assert_eq!(
            found.status.code(),
            Some(1),
            "{secret} is in a committed file in cleartext"
        );
    }

    // dossier log: verified statuses, newest first, JSON stable fields.
    let entries: serde_json::Value =
        serde_json::from_str(&w.ok(&ada, &["log", &id, "--json"])).unwrap();
    let entries = entries.as_array().unwrap();
    assert_eq!(
        entries.len(),
        7,
        "create, edit, 2 notes, grant, revoke, close"
    );
    assert!(entries.iter().all(|e| e["signature"] == "verified"));
    assert_eq!(entries[0]["action"], "close");
    assert_eq!(entries[0]["case"], id.as_str());
    assert!(
        w.git_text(&["status", "--porcelain"]).is_empty(),
        "working tree matches HEAD"
    );
}

#[test]
fn case_files_carry_one_stanza_per_recipient_and_revoked_readers_lose_current_files() {
    let w = World::new();
    let ada = w.person("Ada");
    w.init_vault(&ada);
    let ben = w.person("Ben");
    let chidi = w.person("Chidi");
    let ben_fp = w.join(&ben, &ada);
    let chidi_fp = w.join(&chidi, &ada);
    w.ok(&ada, &["group", "set", "team", &chidi_fp]);
    let id = w.new_case(&ada, &["--grant", &ben_fp, "--grant", "@team"]);
    w.ok(&ada, &["note", "add", &id, "--text", "n"]);
    let stanzas = |rel: &str| -> usize {
        let bytes = read(&w.vault().join(rel));
        let header = String::from_utf8_lossy(&bytes[..bytes.len().min(2000)]).into_owned();
        header
            .lines()
            .take_while(|l| !l.starts_with("---"))
            .filter(|l| l.starts_with("-> X25519 "))
            .count()
    };
    let record = format!("cases/{id}/case.yaml.age");
    assert_eq!(stanzas(&record), 3, "Ada, Ben and @team's Chidi");
    assert!(w
        .ok(&chidi, &["case", "show", &id])
        .contains("Asylum appeal"));

    w.ok(&ada, &["revoke-access", "--yes", &id, &ben_fp]);
    assert_eq!(stanzas(&record), 2);
    let notes: Vec<_> = std::fs::read_dir(w.vault().join(format!("cases/{id}/notes")))
        .unwrap()
        .collect();
    for n in notes {
        let rel = format!(
            "cases/{id}/notes/{}",
            n.unwrap().file_name().to_string_lossy()
        );
        assert_eq!(stanzas(&rel), 2, "{rel} re-encrypted without Ben");
    }
    // Ben's own secret key no longer opens the current file (stock age).
    crate::support::require("age");
    let secret = w.ok(&ben, &["key", "export-age-secret"]);
    let key_file = w.path("ben.key");
    std::fs::write(&key_file, secret).unwrap();
    let out = std::process::Command::new("age")
        .args(["-d", "-i"])
        .arg(&key_file)
        .arg(w.vault().join(&record))
        .output()
        .unwrap();
    assert!(
        !out.status.success(),
        "Ben must not decrypt the re-encrypted record"
    );
}

#[test]
fn unknown_record_fields_written_elsewhere_survive_an_edit() {
    crate::support::require("age");
    let w = World::new();
    let ada = w.person("Ada");
    w.init_vault(&ada);
    let id = w.new_case(&ada, &[]);
    let rel = w.vault().join(format!("cases/{id}/case.yaml.age"));
    // A newer client adds a field: decrypt with stock age, add it, re-encrypt.
    let key_file = w.path("ada.key");
    std::fs::write(&key_file, w.ok(&ada, &["key", "export-age-secret"])).unwrap();
    let plain = std::process::Command::new("age")
        .args(["-d", "-i"])
        .arg(&key_file)
        .arg(&rel)
        .output()
        .unwrap();
    assert!(plain.status.success());
    let mut text = String::from_utf8(plain.stdout).unwrap();
    text.push_str("court_bundle_index: {volume: 2, pages: 340}\n");
    let recipient = String::from_utf8(read(&w.path("ada.key"))).unwrap();
    let pubkey = std::process::Command::new("age-keygen")
        .args(["-y"])
        .arg(&key_file)
        .output()
        .unwrap();
    assert!(pubkey.status.success(), "{recipient:.0}");
    let pubkey = String::from_utf8(pubkey.stdout).unwrap();
    let plain_file = w.path("plain.yaml");
    std::fs::write(&plain_file, text).unwrap();
    let enc = std::process::Command::new("age")
        .args(["-r", pubkey.trim(), "-o"])
        .arg(&rel)
        .arg(&plain_file)
        .output()
        .unwrap();
    assert!(enc.status.success());
    std::fs::remove_file(&plain_file).unwrap();
    w.insider_commit(&ada, "edit", Some(&id));

    w.ok(&ada, &["case", "set", &id, "title=Appeal (renamed)"]);
    let json: serde_json::Value =
        serde_json::from_str(&w.ok(&ada, &["case", "show", &id, "--json"])).unwrap();
    assert_eq!(json["record"]["title"], "Appeal (renamed)");
    assert_eq!(json["record"]["court_bundle_index"]["pages"], 340);
}

#[test]
fn log_marks_unsigned_and_unknown_signers() {
    let w = World::new();
    let ada = w.person("Ada");
    w.init_vault(&ada);
    // An unsigned commit, and one signed by a key the vault does not know.
    w.plain_commit(&["--allow-empty", "-m", "plain"]);
    let key = w.path("stranger");
    let gen = std::process::Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-f"])
        .arg(&key)
        .output()
        .unwrap();
    assert!(gen.status.success());
    w.git_text(&[
        "-c",
        "user.name=x",
        "-c",
        "user.email=x@x",
        "-c",
        "gpg.format=ssh",
        "-c",
        &format!("user.signingkey={}", key.display()),
        "commit",
        "-q",
        "-S",
        "--allow-empty",
        "-m",
        "stranger",
    ]);
    let entries: serde_json::Value = serde_json::from_str(&w.ok(&ada, &["log", "--json"])).unwrap();
    let statuses: Vec<&str> = entries
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["signature"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, vec!["unknown-signer", "unsigned", "verified"]);
    let human = w.ok(&ada, &["log"]);
    assert!(
        human.contains("unknown signer")
            && human.contains("unsigned")
            && human.contains("verified"),
        "{human}"
    );
}

#[test]
fn an_uncertified_key_cannot_be_granted() {
    let w = World::new();
    let ada = w.person("Ada");
    w.init_vault(&ada);
    let eve = w.person("Eve");
    let card = w.path("eve.yaml");
    std::fs::write(&card, w.ok(&eve, &["key", "export"])).unwrap();
    w.ok(&ada, &["key", "import", card.to_str().unwrap()]);
    let eve_fp = w.fingerprint(&eve);
    let id = w.new_case(&ada, &[]);
    let before = w.snapshot();
    let err = w.fails(&ada, &["grant", &id, &eve_fp], 1);
    assert!(
        err.contains(&eve_fp) && err.contains("not certified"),
        "{err}"
    );
    assert_eq!(w.snapshot(), before);
    assert!(w.ok(&ada, &["key", "list"]).contains("uncertified"));
}

#[test]
fn demo_builds_a_vault_with_readable_and_locked_cases() {
    let w = World::new();
    let nobody = crate::support::Person {
        name: "nobody".into(),
        home: w.path("none"),
        passphrase: String::new(),
    };
    let dir = w.path("demo");
    let out = w.ok(&nobody, &["demo", "--dir", dir.to_str().unwrap()]);
    assert!(
        out.contains("Asylum appeal after refusal") || out.contains("Client MT-7"),
        "{out}"
    );
    assert!(
        out.contains("Client MT-7"),
        "protected identities show their pseudonym"
    );
    assert!(
        !out.contains("Miriam Tesfaye"),
        "never the protected name in a list"
    );
    assert!(
        out.contains("(locked"),
        "cases shared only with Ben are listed as locked"
    );
}

#[test]
fn revoking_a_reader_who_is_also_in_a_granted_group_says_they_can_still_read() {
    let w = World::new();
    let ada = w.person("Ada");
    w.init_vault(&ada);
    let chidi = w.person("Chidi");
    let chidi_fp = w.join(&chidi, &ada);
    w.ok(&ada, &["group", "set", "team", &chidi_fp]);
    let id = w.new_case(&ada, &["--grant", &chidi_fp, "--grant", "@team"]);
    let out = w
        .cmd(&ada)
        .args(["revoke-access", "--yes", &id, &chidi_fp])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(
        err.contains("can still read case") && err.contains("through a group"),
        "{err}"
    );
    assert!(w
        .ok(&chidi, &["case", "show", &id])
        .contains("Asylum appeal"));
}

#[test]
fn group_list_remote_list_and_grep_print_json_for_scripts() {
    let w = World::new();
    let ada = w.person("Ada");
    w.init_vault(&ada);
    let ben = w.person("Ben");
    let ben_fp = w.join(&ben, &ada);
    assert!(w.ok(&ada, &["group", "list"]).contains("No groups"));
    w.ok(&ada, &["group", "set", "immigration", &ben_fp]);
    let text = w.ok(&ben, &["group", "list"]);
    assert!(
        text.contains("@immigration") && text.contains(&ben_fp),
        "{text}"
    );
    let groups: serde_json::Value =
        serde_json::from_str(&w.ok(&ben, &["group", "list", "--json"])).expect("json");
    assert_eq!(groups["immigration"][0]["fingerprint"], ben_fp.as_str());
    assert_eq!(groups["immigration"][0]["name"], "Ben");

    w.git_text_in(w.tmp.path(), &["init", "-q", "--bare", "remote.git"]);
    let bare = w.path("remote.git");
    w.ok(
        &ada,
        &["remote", "add", "origin", bare.to_str().expect("utf8")],
    );
    let remotes: serde_json::Value =
        serde_json::from_str(&w.ok(&ada, &["remote", "list", "--json"])).expect("json");
    assert_eq!(remotes[0]["name"], "origin");
    assert_eq!(remotes[0]["url"], bare.to_str().expect("utf8"));

    let id = w.new_case(&ada, &[]);
    w.ok(
        &ada,
        &[
            "note",
            "add",
            &id,
            "--text",
            "Interpreter booked: Tigrinya.",
        ],
    );
    let hits: serde_json::Value =
        serde_json::from_str(&w.ok(&ada, &["grep", "tigrinya", "--json"])).expect("json");
    assert_eq!(hits[0]["case"], id.as_str());
    assert!(
        hits[0]["location"]
            .as_str()
            .is_some_and(|l| l.starts_with("note ")),
        "{hits}"
    );
    assert_eq!(hits[0]["line"], "Interpreter booked: Tigrinya.");
}

#[test]
fn completions_and_manual_pages_are_generated_from_the_command_line_itself() {
    let w = World::new();
    let ada = w.person("Ada");
    let bash = w.ok(&ada, &["completions", "bash"]);
    assert!(
        bash.contains("_dossier") && bash.contains("conflicts"),
        "{bash}"
    );
    let script = w.path("dossier.bash");
    std::fs::write(&script, &bash).unwrap();
    let checked = std::process::Command::new("bash")
        .arg("-n")
        .arg(&script)
        .output()
        .unwrap();
    assert!(
        checked.status.success(),
        "bash -n: {}",
        String::from_utf8_lossy(&checked.stderr)
    );
    assert!(w
        .ok(&ada, &["completions", "zsh"])
        .contains("#compdef dossier"));
    w.fails(&ada, &["completions", "tcsh"], 2);

    let dir = w.path("man1");
    std::fs::create_dir(&dir).unwrap();
    let listed = w.ok(&ada, &["man", dir.to_str().unwrap()]);
    assert!(
        listed.contains("dossier.1") && listed.contains("dossier-conflicts.1"),
        "{listed}"
    );
    let page = std::fs::read_to_string(dir.join("dossier-destroy.1")).unwrap();
    assert!(page.starts_with(".ie") || page.contains(".TH"), "{page}");
    assert!(
        page.contains("destroy") && page.contains("ground"),
        "{page}"
    );
    let err = w.fails(&ada, &["man", dir.to_str().unwrap()], 1);
    assert!(err.contains("already exists"), "never over a page: {err}");
    let err = w.fails(&ada, &["man", w.path("nowhere").to_str().unwrap()], 1);
    assert!(err.contains("does not exist"), "{err}");
}

/// The README's shell blocks, in order.
fn readme_shell() -> String {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .expect("README.md");
    let mut out = String::new();
    let mut inside = false;
    for line in readme.lines() {
        if line.trim_start() == "```sh" {
            inside = true;
        } else if inside && line.trim_start() == "```" {
            inside = false;
        } else if inside {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

#[test]
fn the_readme_tour_runs_as_pasted() {
    let w = World::new();
    let tour = readme_shell();
    // The set-up block is the first; the tour is the one that makes a vault.
    let start = tour
        .find("export DOSSIER_PASSPHRASE")
        .expect("the tour block");
    let script = w.path("tour.sh");
    std::fs::write(&script, format!("set -euo pipefail\n{}", &tour[start..])).unwrap();
    let bin = assert_cmd::cargo::cargo_bin("dossier");
    let dir = w.path("tour");
    std::fs::create_dir(&dir).unwrap();
    let path = format!(
        "{}:{}",
        bin.parent().expect("bin dir").display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = std::process::Command::new("bash")
        .arg(&script)
        .current_dir(&dir)
        .env_clear()
        .env("PATH", path)
        .env("HOME", w.path("fakehome"))
        .env("XDG_CONFIG_HOME", w.path("fakehome/.config"))
        .env("XDG_DATA_HOME", w.path("fakehome/.local/share"))
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("DOSSIER_SCRYPT_LOG_N", "10")
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert!(out.status.success(), "the tour failed:\n{stdout}\n{stderr}");
    assert!(stdout.contains("Medical report requested."), "{stdout}");
    assert!(
        stdout.contains("as client, full name"),
        "the conflict check found the client: {stdout}"
    );
    assert!(
        dir.join("ben-vault/.dossier/vault.yaml").exists(),
        "Ben's clone"
    );
    assert!(dir.join("vault.bundle").exists());
}

/// The base64 body of an armored file (between its BEGIN and END lines).
fn armored_body(text: &str) -> Vec<u8> {
    use base64::Engine;
    let body: String = text.lines().filter(|l| !l.starts_with("-----")).collect();
    base64::engine::general_purpose::STANDARD
        .decode(body)
        .expect("base64")
}

#[test]
fn by_default_keys_are_protected_by_scrypt_2_18_and_bcrypt_16_rounds_in_a_private_home() {
    let w = World::new();
    let home = w.path("homes/Default");
    let out = w
        .cmd(&crate::support::Person {
            name: "Default".into(),
            home: home.clone(),
            passphrase: "a long enough passphrase".into(),
        })
        .env_remove("DOSSIER_SCRYPT_LOG_N")
        .args([
            "key",
            "generate",
            "--name",
            "Default",
            "--email",
            "d@firm.example",
        ])
        .output()
        .expect("generate");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // identity.age: one scrypt stanza of work factor 18 (age's own default).
    let identity = std::fs::read_to_string(home.join("identity.age")).unwrap();
    let header = armored_body(&identity);
    let header = String::from_utf8_lossy(&header);
    let stanza = header
        .lines()
        .find(|l| l.starts_with("-> scrypt "))
        .expect("a scrypt stanza");
    assert_eq!(stanza.split(' ').nth(3), Some("18"), "{stanza}");

    // signing_key: OpenSSH's format, aes256-ctr under bcrypt-pbkdf, 16 rounds.
    let key = std::fs::read_to_string(home.join("signing_key")).unwrap();
    let raw = armored_body(&key);
    let magic = b"openssh-key-v1\0";
    assert!(raw.starts_with(magic));
    let mut at = magic.len();
    let mut field = || {
        let n = u32::from_be_bytes(raw[at..at + 4].try_into().unwrap()) as usize;
        let value = raw[at + 4..at + 4 + n].to_vec();
        at += 4 + n;
        value
    };
    assert_eq!(field(), b"aes256-ctr");
    assert_eq!(field(), b"bcrypt");
    let options = field();
    let salt_len = u32::from_be_bytes(options[..4].try_into().unwrap()) as usize;
    let rounds = u32::from_be_bytes(options[4 + salt_len..8 + salt_len].try_into().unwrap());
    assert_eq!((salt_len, rounds), (16, 16));

    use std::os::unix::fs::PermissionsExt;
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&home), 0o700, "the identity home");
    for f in ["identity.age", "signing_key"] {
        assert_eq!(mode(&home.join(f)), 0o600, "{f}");
    }
}

#[test]
fn log_marks_bad_signatures_and_signers_revoked_or_expired_by_the_commit_date() {
    let w = World::new();
    let ada = w.person("Ada");
    w.init_vault(&ada);
    let ben = w.unprotected_person("Ben");
    let ben_fp = w.join(&ben, &ada);
    let cal = w.unprotected_person("Cal");
    w.join(&cal, &ada);
    w.ok(&cal, &["key", "expire", "2030-01-01"]);
    w.ok(
        &ada,
        &["key", "revoke", "--yes", &ben_fp, "--reason", "left"],
    );
    let signed_by = |who: &crate::support::Person, subject: &str, date: Option<&str>| {
        let key = w.plain_signing_key(who);
        let mut git = w.git_command(&w.vault());
        git.args(crate::support::git_identity(Some(&key))).args([
            "commit",
            "-q",
            "-S",
            "--allow-empty",
            "-m",
            subject,
        ]);
        if let Some(date) = date {
            git.env("GIT_COMMITTER_DATE", date)
                .env("GIT_AUTHOR_DATE", date);
        }
        crate::support::stdout_of(&mut git);
    };
    // Ben signs after his revocation (a minute on: the same second counts
    // as before it); Cal dates a commit after her expiry.
    let later = (chrono::Utc::now() + chrono::Duration::minutes(1)).to_rfc3339();
    signed_by(&ben, "after the revocation", Some(&later));
    signed_by(&cal, "after the expiry", Some("2031-06-01T12:00:00Z"));
    // A signed commit whose message was changed afterwards.
    signed_by(&cal, "as signed", None);
    let raw = w.git_text(&["cat-file", "commit", "HEAD"]);
    let tampered = raw.replace("as signed", "as altered");
    let mut hash = w.git_command(&w.vault());
    hash.args(["hash-object", "-t", "commit", "-w", "--stdin"]);
    let forged = {
        use std::io::Write;
        let mut child = hash
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("hash-object");
        child
            .stdin
            .take()
            .unwrap()
            .write_all(tampered.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        String::from_utf8(out.stdout).unwrap().trim().to_string()
    };
    w.git_text(&["update-ref", "HEAD", &forged]);

    let human = w.ok(&ada, &["log"]);
    let line = |subject: &str| {
        human
            .lines()
            .find(|l| l.contains(subject))
            .unwrap_or_else(|| panic!("{subject} missing from:\n{human}"))
            .to_string()
    };
    assert!(line("as altered").contains("bad signature"), "{human}");
    assert!(
        line("after the expiry").contains("expired signer"),
        "{human}"
    );
    assert!(
        line("after the revocation").contains("revoked signer"),
        "{human}"
    );
    let entries: serde_json::Value = serde_json::from_str(&w.ok(&ada, &["log", "--json"])).unwrap();
    let statuses: Vec<&str> = entries.as_array().unwrap()[..3]
        .iter()
        .map(|e| e["signature"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["bad", "expired-signer", "revoked-signer"]);
}
