//! Bad input: each case gets one clear sentence on stderr, exit 1 (2 for
//! usage), and leaves the vault exactly as it was.

use crate::support::{self, assert_history_refused, Person, World};

fn vault_with_case() -> (World, Person, String) {
    let w = World::new();
    let ada = w.person("Ada");
    w.init_vault(&ada);
    let id = w.new_case(&ada, &[]);
    (w, ada, id)
}

fn one_sentence(err: &str) {
    assert_eq!(
        err.trim().lines().count(),
        1,
        "one line, not a stack of errors: {err}"
    );
    assert!(err.starts_with("dossier: "), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn wrong_passphrase_changes_nothing() {
    let (w, ada, id) = vault_with_case();
    let before = w.snapshot();
    let mut wrong = ada.clone();
    wrong.passphrase = "not it".into();
    let err = w.fails(&wrong, &["note", "add", &id, "--text", "x"], 1);
    one_sentence(&err);
    assert!(err.contains("passphrase is wrong"), "{err}");
    let err = w.fails(&wrong, &["case", "show", &id], 1);
    assert!(err.contains("passphrase is wrong"), "{err}");
    assert_eq!(w.snapshot(), before);
}

#[test]
fn no_identity_yet() {
    let (w, _, _) = vault_with_case();
    let ghost = Person {
        name: "ghost".into(),
        home: w.path("homes/ghost"),
        passphrase: "x".into(),
    };
    let err = w.fails(&ghost, &["case", "list"], 1);
    one_sentence(&err);
    assert!(
        err.contains("no dossier identity") && err.contains("key generate"),
        "{err}"
    );
}

#[test]
fn not_a_vault() {
    let w = World::new();
    let ada = w.person("Ada");
    std::fs::create_dir_all(w.vault()).unwrap();
    let err = w.fails(&ada, &["case", "list"], 1);
    one_sentence(&err);
    assert!(err.contains("is not a dossier vault"), "{err}");
}

#[test]
fn unknown_case_id() {
    let (w, ada, _) = vault_with_case();
    let err = w.fails(&ada, &["case", "show", "ZZZZZZZZZZ"], 1);
    one_sentence(&err);
    assert!(err.contains("there is no case ZZZZZZZZZZ"), "{err}");
}

#[test]
fn a_case_you_were_not_granted_names_its_owners() {
    let (w, ada, id) = vault_with_case();
    let ben = w.person("Ben");
    w.join(&ben, &ada);
    let before = w.snapshot();
    let err = w.fails(&ben, &["case", "show", &id], 1);
    one_sentence(&err);
    assert!(
        err.contains(&format!(
            "you are not a recipient of case {id}; ask one of its owners: Ada <ada@firm.example>"
        )),
        "{err}"
    );
    let err = w.fails(&ben, &["note", "add", &id, "--text", "sneaky"], 1);
    assert!(err.contains("you are not a recipient"), "{err}");
    let listed = w.ok(&ben, &["case", "list"]);
    assert!(
        listed.contains("locked") && !listed.contains("Asylum"),
        "{listed}"
    );
    assert_eq!(w.snapshot(), before);
}

#[test]
fn truncated_or_tampered_case_files_cannot_be_decrypted() {
    let (w, ada, id) = vault_with_case();
    let path = w.vault().join(format!("cases/{id}/case.yaml.age"));
    let original = std::fs::read(&path).unwrap();

    let mut tampered = original.clone();
    let last = tampered.len() - 5;
    tampered[last] ^= 0x40;
    std::fs::write(&path, &tampered).unwrap();
    let err = w.fails(&ada, &["case", "show", &id], 1);
    one_sentence(&err);
    assert!(
        err.contains("cannot be decrypted") && err.contains("case.yaml.age"),
        "{err}"
    );
    let err = w.fails(&ada, &["case", "set", &id, "title=x"], 1);
    assert!(err.contains("cannot be decrypted"), "{err}");

    std::fs::write(&path, &original[..original.len() / 2]).unwrap();
    let err = w.fails(&ada, &["case", "show", &id], 1);
    assert!(err.contains("cannot be decrypted"), "{err}");
    // A damaged case is reported in the list, not fatal to it.
    let list = w.ok(&ada, &["case", "list"]);
    assert!(list.contains("cannot be read"), "{list}");
}

#[test]
fn malformed_yaml_and_unknown_fields_in_case_set() {
    let (w, ada, id) = vault_with_case();
    let before = w.snapshot();
    let err = w.fails(&ada, &["case", "set", &id, "tags=[unclosed"], 1);
    one_sentence(&err);
    assert!(
        err.contains("malformed YAML") && err.contains("tags"),
        "{err}"
    );
    let err = w.fails(&ada, &["case", "set", &id, "colour=red"], 1);
    assert!(err.contains("case records have no field `colour`"), "{err}");
    let err = w.fails(&ada, &["case", "set", &id, "status=maybe"], 1);
    assert!(
        err.contains("expected one of: open, pending, closed, archived"),
        "{err}"
    );
    let err = w.fails(&ada, &["case", "set", &id, "title"], 1);
    assert!(err.contains("FIELD=VALUE"), "{err}");
    assert_eq!(w.snapshot(), before);
}

#[test]
fn empty_passphrase_is_refused_unless_explicitly_unprotected() {
    let w = World::new();
    let p = Person {
        name: "Dee".into(),
        home: w.path("homes/dee"),
        passphrase: String::new(),
    };
    let err = w.fails(
        &p,
        &["key", "generate", "--name", "Dee", "--email", "dee@x"],
        1,
    );
    one_sentence(&err);
    assert!(err.contains("empty passphrase is not allowed"), "{err}");
    assert!(!p.home.join("identity.age").exists());
    let unprotected = [
        "key",
        "generate",
        "--name",
        "Dee",
        "--email",
        "dee@x",
        "--no-passphrase",
    ];
    w.ok(&p, &unprotected);
    let text = std::fs::read_to_string(p.home.join("identity.age")).unwrap();
    assert!(text.contains("AGE-SECRET-KEY-1"), "unprotected on request");
    let err = w.fails(&p, &unprotected, 1);
    assert!(err.contains("already exists"), "never overwrites: {err}");
}

#[test]
fn passphrases_on_the_command_line_are_refused() {
    let (w, ada, id) = vault_with_case();
    let before = w.snapshot();
    let err = w.fails(&ada, &["--passphrase", "hunter2", "case", "show", &id], 2);
    assert!(err.contains("never accepted on the command line"), "{err}");
    assert!(!err.contains("hunter2"));
    let err = w.fails(&ada, &["case", "show", &id, "--passphrase=hunter2"], 2);
    assert!(err.contains("DOSSIER_PASSPHRASE"), "{err}");
    assert_eq!(w.snapshot(), before);
}

#[test]
fn usage_errors_exit_two() {
    let (w, ada, _) = vault_with_case();
    w.fails(&ada, &["case", "frobnicate"], 2);
    w.fails(&ada, &["case", "new"], 2);
}

#[test]
fn passphrase_file_works_and_missing_file_is_clear() {
    let (w, ada, id) = vault_with_case();
    let file = w.path("pass.txt");
    std::fs::write(&file, format!("{}\n", ada.passphrase)).unwrap();
    let mut no_env = ada.clone();
    no_env.passphrase = "wrong".into();
    let out = w.ok(
        &no_env,
        &[
            "--passphrase-file",
            file.to_str().unwrap(),
            "case",
            "show",
            &id,
        ],
    );
    assert!(out.contains("Asylum appeal"));
    let err = w.fails(
        &no_env,
        &["--passphrase-file", "/nonexistent/p", "case", "show", &id],
        1,
    );
    one_sentence(&err);
    assert!(err.contains("could not read the passphrase file"), "{err}");
}

#[test]
fn a_pusher_who_names_themselves_root_is_refused() {
    let (w, ada, id) = vault_with_case();
    // Ben is certified staff with an unprotected key, so stock ssh-keygen can sign with it.
    let ben = w.unprotected_person("Ben");
    let ben_fp = w.join(&ben, &ada);
    w.ok(&ada, &["case", "list"]); // Ada's client pins the roots.

    // Ben rewrites vault.yaml to make himself root and signs it himself.
    let config = w.vault().join(".dossier/vault.yaml");
    let text = std::fs::read_to_string(&config).unwrap();
    let ada_fp = w.fingerprint(&ada);
    std::fs::write(&config, text.replace(&ada_fp, &ben_fp)).unwrap();
    w.ssh_sign(&ben, &config);
    // Committed with stock git, signed by Ben with dossier's trailers.
    w.insider_commit(&ben, "settings", None);
    let commit = w.head();

    let before = w.snapshot();
    let err = w.fails(&ada, &["note", "add", &id, "--text", "for Ben's eyes?"], 1);
    one_sentence(&err);
    assert_history_refused(&err, &commit);
    assert!(err.contains("is not a root of the vault"), "{err}");
    assert_eq!(w.snapshot(), before);
    // Even with the history check stepped around (the watermark moved by
    // hand), the pinned roots still refuse the changed vault.yaml.
    w.git_text(&["update-ref", "refs/dossier/verified", &commit]);
    let err = w.fails(&ada, &["note", "add", &id, "--text", "for Ben's eyes?"], 1);
    one_sentence(&err);
    assert!(
        err.contains("root keys changed") && err.contains(&ben_fp),
        "{err}"
    );
    assert_eq!(w.snapshot(), before);
}

#[test]
fn deleting_and_recreating_an_access_list_does_not_make_a_new_owner() {
    let (w, ada, id) = vault_with_case();
    let ben = w.unprotected_person("Ben");
    let ben_fp = w.join(&ben, &ada);
    // Ben deletes the access list in one commit, then writes one naming
    // himself owner, signed by himself, in the next.
    let access = w.vault().join(format!("cases/{id}/access.yaml"));
    let text = std::fs::read_to_string(&access).unwrap();
    w.git_text(&[
        "rm",
        "-q",
        &format!("cases/{id}/access.yaml"),
        &format!("cases/{id}/access.yaml.sig"),
    ]);
    w.insider_commit(&ben, "revoke-access", Some(&id));
    let gone = w.head();
    std::fs::write(&access, text.replace(&w.fingerprint(&ada), &ben_fp)).unwrap();
    w.ssh_sign(&ben, &access);
    w.insider_commit(&ben, "grant", Some(&id));

    let before = w.snapshot();
    let err = w.fails(&ada, &["grant", &id, &ben_fp], 1);
    assert_history_refused(&err, &gone);
    assert!(
        err.contains("neither an owner of the case nor an administrator"),
        "{err}"
    );
    let err = w.fails(&ben, &["case", "set", &id, "title=mine now"], 1);
    assert!(err.contains("neither an owner"), "{err}");
    assert_eq!(w.snapshot(), before);
}

/// `{a: {a: {a: ...` about 200 KB deep: serde_yaml needs some 20 s to
/// refuse it, so before the pre-scan any certified pusher could stall
/// every colleague's sync.
fn deeply_nested_yaml() -> String {
    let n = 40_000;
    format!("{}{}\n", "{a: ".repeat(n), "}".repeat(n))
}

#[test]
fn a_deeply_nested_access_list_is_refused_unparsed() {
    let w = World::new();
    let (alice, ben, _, id) = w.shared_case();
    let access = w.vault().join(format!("cases/{id}/access.yaml"));
    std::fs::write(&access, deeply_nested_yaml()).unwrap();
    support::ssh_sign_with_key(&w.plain_signing_key(&ben), &access);
    // Committed with stock git, signed by Ben with dossier's trailers.
    w.insider_commit(&ben, "grant", Some(&id));
    let commit = w.head();

    // History verification parses the list, and refuses it unparsed.
    let before = w.snapshot();
    let started = std::time::Instant::now();
    for args in [
        vec!["case", "show", id.as_str()],
        vec!["note", "add", id.as_str(), "--text", "x"],
    ] {
        let err = w.fails(&alice, &args, 1);
        one_sentence(&err);
        assert_history_refused(&err, &commit);
        assert!(
            err.contains(&format!("the access list of case {id}"))
                && err.contains("nests more than 64 levels deep"),
            "{err}"
        );
        assert!(!err.contains("{a:"), "never the content: {err}");
    }
    assert_eq!(w.snapshot(), before);
    // Not a timing assertion, a note for whoever sees this test slow down.
    eprintln!("two refusals took {:?}", started.elapsed());
}

#[test]
fn a_megabyte_signature_is_refused_undecoded() {
    let w = World::new();
    let (alice, _ben, _, id) = w.shared_case();
    let sig = w.vault().join(format!("cases/{id}/access.yaml.sig"));
    let mut junk = String::from("-----BEGIN SSH SIGNATURE-----\n");
    while junk.len() < 1024 * 1024 {
        junk.push_str(&"A".repeat(70));
        junk.push('\n');
    }
    junk.push_str("-----END SSH SIGNATURE-----\n");
    std::fs::write(&sig, junk).unwrap();
    // Committed by the case's owner herself with stock git: entitled, so
    // the signature is the only thing wrong, and it is refused undecoded.
    w.insider_commit(&alice, "grant", Some(&id));
    let commit = w.head();

    let before = w.snapshot();
    let err = w.fails(&alice, &["note", "add", &id, "--text", "x"], 1);
    one_sentence(&err);
    assert_history_refused(&err, &commit);
    assert!(
        err.contains(&format!("access list for case {id} whose signature fails"))
            && err.contains("larger than 16 KiB"),
        "{err}"
    );
    assert_eq!(w.snapshot(), before);
}

#[test]
fn destructive_commands_without_a_terminal_need_yes_and_change_nothing_without_it() {
    let (w, ada, id) = vault_with_case();
    let ben = w.person("Ben");
    // Ben's card is imported but not yet certified.
    let card = w.ok(&ben, &["key", "export"]);
    let card_file = w.path("ben.card.yaml");
    std::fs::write(&card_file, card).unwrap();
    w.ok(&ada, &["key", "import", card_file.to_str().unwrap()]);
    let ben_fp = w.fingerprint(&ben);
    let before = w.commit_count();
    for (args, what) in [
        (vec!["key", "certify", ben_fp.as_str()], "certifies a key"),
        (vec!["case", "close", id.as_str()], "closes a case"),
    ] {
        let err = w.fails(&ada, &args, 1);
        assert!(
            err.contains(&format!(
                "this command {what} and there is no terminal to ask on; run it again with --yes"
            )),
            "{err}"
        );
    }
    assert_eq!(w.commit_count(), before);
    w.ok(&ada, &["key", "certify", "--yes", &ben_fp]);
    w.ok(&ada, &["grant", &id, &ben_fp]);
    let before = w.commit_count();
    for (args, what) in [
        (
            vec!["revoke-access", id.as_str(), ben_fp.as_str()],
            "revokes access",
        ),
        (vec!["key", "revoke", ben_fp.as_str()], "revokes a key"),
    ] {
        let err = w.fails(&ada, &args, 1);
        assert!(err.contains(&format!("this command {what}")), "{err}");
    }
    assert_eq!(w.commit_count(), before, "nothing was changed");
    assert!(w.ok(&ben, &["case", "show", &id]).contains("Asylum appeal"));
}

#[test]
fn a_bundle_or_calendar_for_an_unmounted_stick_is_refused_and_no_directory_is_made() {
    let (w, ada, id) = vault_with_case();
    w.ok(
        &ada,
        &[
            "case",
            "add",
            &id,
            "deadlines",
            "date=2030-01-01",
            "what=File",
        ],
    );
    for (args, file) in [
        (vec!["bundle", "create"], "media/usb/vault.bundle"),
        (
            vec!["agenda", "--days", "9999", "--ics"],
            "media/usb/agenda.ics",
        ),
    ] {
        let target = w.path(file);
        let mut args = args.clone();
        args.push(target.to_str().unwrap());
        let err = w.fails(&ada, &args, 1);
        assert!(
            err.contains("does not exist (is the disk or stick mounted?); nothing was written"),
            "{args:?}: {err}"
        );
        assert!(!w.path("media").exists(), "{args:?} made the directory");
    }
}

#[test]
fn importing_a_card_with_a_colleague_s_name_or_email_warns() {
    let (w, ada, _) = vault_with_case();
    let ben = w.person("Ben");
    w.join(&ben, &ada);
    // Someone else makes a key in Ben's name and email.
    let impostor = crate::support::Person {
        name: "Ben".into(),
        home: w.path("homes/impostor"),
        passphrase: "impostor's passphrase".into(),
    };
    w.ok(
        &impostor,
        &[
            "key",
            "generate",
            "--name",
            "ben",
            "--email",
            "BEN@firm.example",
        ],
    );
    let card = w.path("impostor.card.yaml");
    std::fs::write(&card, w.ok(&impostor, &["key", "export"])).unwrap();
    let out = w
        .cmd(&ada)
        .args(["key", "import", card.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("warning: the name and email on this card already belong(s) to another key, Ben <ben@firm.example>")
            && err.contains("check the fingerprint with the person before certifying"),
        "{err}"
    );
}

/// Found by the `bundle` fuzz target: a pack header claiming four billion
/// objects made libgit2 ask for 32 GB before reading one.
#[test]
fn a_bundle_whose_pack_claims_billions_of_objects_is_refused_before_it_is_read() {
    let (w, ada, _) = vault_with_case();
    let bundle = w.path("carry.bundle");
    w.git_text(&["bundle", "create", bundle.to_str().expect("utf8"), "main"]);
    let mut bytes = support::read(&bundle);
    let pack = bytes
        .windows(4)
        .position(|win| win == b"PACK")
        .expect("a pack after the header");
    bytes[pack + 8..pack + 12].copy_from_slice(&0xffff_0000u32.to_be_bytes());
    std::fs::write(&bundle, &bytes).expect("write");
    let before = w.snapshot();
    let err = w.fails(
        &ada,
        &["bundle", "import", bundle.to_str().expect("utf8")],
        1,
    );
    one_sentence(&err);
    assert!(
        err.contains(&format!(
            "its pack claims 4294901760 objects, more than its {} bytes can hold",
            bytes.len()
        )),
        "{err}"
    );
    assert_eq!(w.snapshot(), before);
}
