//! Stock git on a vault (issue 5): `git merge` merges case records field by
//! field through the installed driver, and `git log -p` shows plaintext to
//! recipients only, with nothing decrypted ever cached by git.

use std::path::Path;
use std::process::{Command, Output, Stdio};

use crate::support::{read, Person, World};

const PLACEHOLDER: &str = "[encrypted: you cannot read this file]";

/// Stock git in the vault with the environment [`World::cmd`] gives the
/// binary (hermetic, `who`'s identity and passphrase, as a user who
/// exported DOSSIER_PASSPHRASE would have), so the driver and textconv git
/// runs act as them.
fn git_as(w: &World, who: &Person, args: &[&str]) -> Output {
    let dossier = w.cmd(who);
    let mut git = Command::new("git");
    git.current_dir(w.vault()).env_clear().stdin(Stdio::null());
    for (key, value) in dossier.get_envs() {
        if let Some(value) = value {
            git.env(key, value);
        }
    }
    git.env("GIT_PAGER", "cat")
        .args(args)
        .output()
        .expect("git")
}

/// `git merge` as `who`, the merge commit signed by git's SSH signing with
/// `who`'s dossier key (a plain copy, as ssh-agent would hold it): dossier
/// refuses unsigned commits.
fn merge(w: &World, who: &Person, branch: &str) -> Output {
    let key = w.plain_signing_key(who);
    let signing_key = format!("user.signingkey={}", key.display());
    git_as(
        w,
        who,
        &[
            "-c",
            "user.name=Ada",
            "-c",
            "user.email=ada@firm.example",
            "-c",
            "gpg.format=ssh",
            "-c",
            &signing_key,
            "-c",
            "commit.gpgsign=true",
            "merge",
            "--no-edit",
            branch,
        ],
    )
}

/// [`merge`], expected to fail; returns everything git and the driver said.
fn merge_refused(w: &World, who: &Person, branch: &str) -> String {
    let out = merge(w, who, branch);
    let all = text(&out);
    assert!(!out.status.success(), "{all}");
    all
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn show(w: &World, who: &Person, id: &str) -> serde_json::Value {
    serde_json::from_str(&w.ok(who, &["case", "show", id, "--json"])).expect("json")
}

/// Ada's vault with one case; a branch `other` from that state.
fn vault_with_case() -> (World, Person, String) {
    let w = World::new();
    let ada = w.person("Ada");
    w.init_vault(&ada);
    let id = w.new_case(&ada, &[]);
    w.git_text(&["branch", "other"]);
    (w, ada, id)
}

fn on_branch(w: &World, branch: &str) {
    w.git_text(&["checkout", "-q", branch]);
}

#[test]
fn init_installs_the_driver_and_textconv_in_local_git_config_only() {
    let w = World::new();
    let ada = w.person("Ada");
    w.init_vault(&ada);
    let attributes = String::from_utf8(read(&w.vault().join(".git/info/attributes"))).unwrap();
    for line in [
        "cases/*/case.yaml.age merge=dossier diff=dossier",
        "cases/*/notes/*.age diff=dossier",
        "cases/*/docs/*.age -diff",
        "cases/*/blind.idx merge=union",
    ] {
        assert!(
            attributes.lines().any(|l| l == line),
            "{line} in:\n{attributes}"
        );
    }
    assert!(
        !w.vault().join(".gitattributes").exists(),
        "nothing committed"
    );
    let get = |key: &str| {
        w.git_text(&["config", "--local", "--get", key])
            .trim()
            .to_string()
    };
    let exe = assert_cmd::cargo::cargo_bin("dossier");
    assert_eq!(
        get("merge.dossier.driver"),
        format!("'{}' merge-driver %O %A %B %P", exe.display())
    );
    assert_eq!(
        get("diff.dossier.textconv"),
        format!("'{}' textconv", exe.display())
    );
    assert_eq!(get("diff.dossier.cachetextconv"), "false");
    assert!(!get("merge.dossier.name").is_empty());
}

#[test]
fn stock_git_merge_combines_edits_to_different_fields_of_one_record() {
    let (w, ada, id) = vault_with_case();
    on_branch(&w, "other");
    w.ok(
        &ada,
        &["case", "set", &id, "client.contact.phone=+44 20 7946 0000"],
    );
    w.ok(
        &ada,
        &[
            "case",
            "set",
            &id,
            "parties=[{name: Home Office, role: respondent}]",
        ],
    );
    on_branch(&w, "main");
    w.ok(
        &ada,
        &["case", "set", &id, "title=Asylum appeal (expedited)"],
    );
    w.ok(
        &ada,
        &[
            "case",
            "set",
            &id,
            "parties=[{name: Abel Tesfaye, role: sponsor}]",
        ],
    );

    let out = merge(&w, &ada, "other");
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(w.git_text(&["status", "--porcelain"]), "");
    let record = &show(&w, &ada, &id)["record"];
    assert_eq!(record["title"], "Asylum appeal (expedited)");
    assert_eq!(record["client"]["contact"]["phone"], "+44 20 7946 0000");
    let names: Vec<&str> = record["parties"]
        .as_array()
        .expect("parties")
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["Abel Tesfaye", "Home Office"],
        "both parties, ours first"
    );
    // Encrypted to exactly the case's recipients (Ada alone), by `verify`'s count.
    w.ok(&ada, &["verify"]);
    // The conflict index merged too (git's union driver): both parties are found.
    for party in ["Abel Tesfaye", "Home Office"] {
        let out = w.ok(&ada, &["conflicts", party]);
        assert!(
            out.contains(&id) && out.contains("full name"),
            "{party}: {out}"
        );
    }
}

#[test]
fn the_same_field_changed_on_both_sides_is_a_git_conflict_that_loses_nothing() {
    let (w, ada, id) = vault_with_case();
    let rel = format!("cases/{id}/case.yaml.age");
    on_branch(&w, "other");
    w.ok(&ada, &["case", "set", &id, "title=Judicial review"]);
    on_branch(&w, "main");
    w.ok(&ada, &["case", "set", &id, "title=Fresh claim"]);
    let ours_before = read(&w.vault().join(&rel));
    let theirs_blob = w.git_text(&["rev-parse", &format!("other:{rel}")]);

    let all = merge_refused(&w, &ada, "other");
    assert!(
        all.contains(&format!("CONFLICT (content): Merge conflict in {rel}")),
        "{all}"
    );
    assert!(
        all.contains(&format!(
            "conflict in {rel} at title: ours \"Fresh claim\", theirs \"Judicial review\""
        )),
        "the conflict names the field and both values: {all}"
    );
    assert_eq!(read(&w.vault().join(&rel)), ours_before, "ours untouched");
    let status = w.git_text(&["status", "--porcelain"]);
    assert!(status.contains(&format!("UU {rel}")), "{status}");

    // Nothing lost: theirs is still in its branch, ours in ours.
    w.git_text(&["merge", "--abort"]);
    assert_eq!(
        w.git_text(&["rev-parse", &format!("other:{rel}")]),
        theirs_blob
    );
    assert_eq!(show(&w, &ada, &id)["record"]["title"], "Fresh claim");
    on_branch(&w, "other");
    assert_eq!(show(&w, &ada, &id)["record"]["title"], "Judicial review");
}

#[test]
fn a_merge_by_someone_who_cannot_decrypt_leaves_the_file_conflicted_and_untouched() {
    let (w, ada, id) = vault_with_case();
    let bob = w.person("Bob");
    let rel = format!("cases/{id}/case.yaml.age");
    on_branch(&w, "other");
    w.ok(&ada, &["case", "set", &id, "practice_area=asylum"]);
    on_branch(&w, "main");
    w.ok(&ada, &["case", "set", &id, "status=pending"]);
    let ours_before = read(&w.vault().join(&rel));

    let all = merge_refused(&w, &bob, "other");
    assert!(
        all.contains(&format!("you are not a recipient of case {id}")),
        "{all}"
    );
    assert!(!all.contains("asylum"), "{all}");
    assert_eq!(read(&w.vault().join(&rel)), ours_before);
}

#[test]
fn a_merged_record_is_encrypted_to_the_merged_access_list() {
    let (w, ada, id) = vault_with_case();
    let bob = w.person("Bob");
    let carol = w.person("Carol");
    let bob_fp = w.join(&bob, &ada);
    let carol_fp = w.join(&carol, &ada);
    w.ok(&ada, &["grant", &id, &carol_fp]);
    w.git_text(&["branch", "-f", "other"]);
    // Theirs: Bob granted, Carol's access revoked (each re-encrypts the record).
    on_branch(&w, "other");
    w.ok(&ada, &["grant", &id, &bob_fp]);
    w.ok(&ada, &["revoke-access", "--yes", &id, &carol_fp]);
    // Ours: a field edited, encrypted to Ada and Carol.
    on_branch(&w, "main");
    w.ok(&ada, &["case", "set", &id, "client.nationality=Eritrean"]);

    let out = merge(&w, &ada, "other");
    assert!(out.status.success(), "{}", text(&out));
    let record = &show(&w, &bob, &id)["record"];
    assert_eq!(
        record["client"]["nationality"], "Eritrean",
        "Bob reads the merge"
    );
    let err = w.fails(&carol, &["case", "show", &id], 1);
    assert!(err.contains("not a recipient"), "{err}");
    let carol_key = w.age_secret(&carol, "current");
    assert!(
        !w.age_opens(&carol_key, &format!("cases/{id}/case.yaml.age")),
        "the revoked reader cannot open the merged record"
    );
    w.ok(&ada, &["verify"]);
}

/// On branch `other`, a field edit by Ada and then `change` to the access
/// list by plain git; on main, another field edit. Merging `other` as Ada
/// must be refused with the ours file untouched; returns what was said.
fn merge_refused_after_list_change(
    w: &World,
    ada: &Person,
    id: &str,
    change: impl FnOnce(&Path),
) -> String {
    w.git_text(&["branch", "-f", "other"]);
    let rel = format!("cases/{id}/case.yaml.age");
    on_branch(w, "other");
    w.ok(ada, &["case", "set", id, "practice_area=asylum"]);
    change(&w.vault().join(format!("cases/{id}/access.yaml")));
    on_branch(w, "main");
    w.ok(ada, &["case", "set", id, "status=pending"]);
    let ours_before = read(&w.vault().join(&rel));
    let all = merge_refused(w, ada, "other");
    assert_eq!(read(&w.vault().join(&rel)), ours_before, "ours untouched");
    all
}

#[test]
fn an_incoming_access_list_changed_without_a_valid_signature_stops_the_merge() {
    let (w, ada, id) = vault_with_case();
    let bob = w.person("Bob");
    let bob_fp = w.join(&bob, &ada);
    let all = merge_refused_after_list_change(&w, &ada, &id, |access| {
        // Someone adds Bob to the list with plain git, without a valid signature.
        let text_before = String::from_utf8(read(access)).unwrap();
        let tampered = text_before.replace("readers: []", &format!("readers:\n- {bob_fp}"));
        assert_ne!(tampered, text_before, "fixture: {text_before}");
        std::fs::write(access, tampered).unwrap();
        w.plain_commit(&["-a", "-m", "edit"]);
    });
    assert!(
        all.contains(&format!(
            "the incoming access list of case {id} has no valid signature"
        )),
        "{all}"
    );
}

#[test]
fn an_incoming_access_list_deleted_and_recreated_by_a_non_owner_stops_the_merge() {
    let (w, ada, id) = vault_with_case();
    let ben = w.unprotected_person("Ben");
    let ben_fp = w.join(&ben, &ada);
    let ada_fp = w.fingerprint(&ada);
    let all = merge_refused_after_list_change(&w, &ada, &id, |access| {
        // Ben, certified but no owner, deletes the list in one commit and
        // writes one naming himself owner, signed by himself, in the next:
        // a first version for a case that had one all along.
        let text_before = String::from_utf8(read(access)).unwrap();
        let access_rel = format!("cases/{id}/access.yaml");
        w.git_text(&["rm", "-q", &access_rel, &format!("{access_rel}.sig")]);
        w.plain_commit(&["-m", "gone"]);
        std::fs::write(access, text_before.replace(&ada_fp, &ben_fp)).unwrap();
        w.ssh_sign(&ben, access);
        w.git_text(&["add", "."]);
        w.plain_commit(&["-m", "back"]);
    });
    assert!(
        all.contains(&format!(
            "the incoming access list of case {id} has no valid signature"
        )) && all.contains("neither an owner of the case nor an administrator"),
        "{all}"
    );
}

#[test]
fn an_incoming_access_list_made_by_a_non_owner_stops_the_merge_even_when_signed_again() {
    let (w, ada, id) = vault_with_case();
    let ben = w.unprotected_person("Ben");
    let ben_fp = w.join(&ben, &ada);
    let ada_fp = w.fingerprint(&ada);
    let all = merge_refused_after_list_change(&w, &ada, &id, |access| {
        // Ben, certified but no owner, makes himself owner (signed by
        // himself), then changes the list again: the tip's previous version
        // names him owner, but that version was never entitled.
        let text_before = String::from_utf8(read(access)).unwrap();
        let forged = text_before.replace(&ada_fp, &ben_fp);
        std::fs::write(access, &forged).unwrap();
        w.ssh_sign(&ben, access);
        w.plain_commit(&["-a", "-m", "mine"]);
        let again = forged.replace("readers: []", &format!("readers:\n- {ada_fp}"));
        assert_ne!(again, forged, "fixture: {forged}");
        std::fs::write(access, again).unwrap();
        w.ssh_sign(&ben, access);
        w.plain_commit(&["-a", "-m", "mine again"]);
    });
    assert!(
        all.contains(&format!(
            "the incoming access list of case {id} has no valid signature"
        )) && all.contains("neither an owner of the case nor an administrator"),
        "{all}"
    );
}

#[test]
fn git_log_p_shows_plaintext_to_recipients_and_a_placeholder_to_others() {
    let (w, ada, id) = vault_with_case();
    let bob = w.person("Bob");
    w.join(&bob, &ada);
    w.ok(
        &ada,
        &["case", "set", &id, "title=Asylum appeal (expedited)"],
    );
    w.ok(
        &ada,
        &[
            "note",
            "add",
            &id,
            "--text",
            "Client called about the hearing",
        ],
    );

    let log = |who: &Person| {
        let out = git_as(&w, who, &["log", "-p", "--", &format!("cases/{id}")]);
        assert!(out.status.success(), "{}", text(&out));
        String::from_utf8(out.stdout).unwrap()
    };
    let ada_log = log(&ada);
    assert!(ada_log.contains("-title: Asylum appeal\n"), "{ada_log}");
    assert!(
        ada_log.contains("+title: Asylum appeal (expedited)\n"),
        "{ada_log}"
    );
    assert!(
        ada_log.contains("+Client called about the hearing"),
        "{ada_log}"
    );

    let bob_log = log(&bob);
    assert!(bob_log.contains(&format!("+{PLACEHOLDER}")), "{bob_log}");
    assert!(!bob_log.contains("Asylum appeal"), "{bob_log}");
    assert!(!bob_log.contains("Client called"), "{bob_log}");

    // Nothing decrypted was cached as git objects.
    let refs = w.git_text(&["for-each-ref"]);
    assert!(!refs.contains("refs/notes"), "{refs}");
    assert!(!w.vault().join(".git/refs/notes").exists());
}

#[test]
fn textconv_without_a_passphrase_or_terminal_says_so_instead_of_waiting() {
    let (w, ada, id) = vault_with_case();
    let file = w.vault().join(format!("cases/{id}/case.yaml.age"));
    let out = w
        .cmd(&ada)
        .env_remove("DOSSIER_PASSPHRASE")
        .args(["textconv", file.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("DOSSIER_PASSPHRASE"), "{err}");
    assert!(out.stdout.is_empty());

    // A file that is not age at all is shown as unreadable, not as an error.
    let junk = w.path("junk.age");
    std::fs::write(&junk, b"not an age file").unwrap();
    assert_eq!(
        w.ok(&ada, &["textconv", junk.to_str().unwrap()]).trim(),
        PLACEHOLDER
    );
    // Hidden from help.
    let help = w.ok(&ada, &["--help"]);
    assert!(
        !help.contains("merge-driver") && !help.contains("textconv"),
        "{help}"
    );
}
