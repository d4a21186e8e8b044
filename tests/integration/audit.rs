//! The audit trail (issue 5): `log` with names and signature statuses,
//! `log --who-could-read ID --at COMMIT` checked against stock `age`, the
//! signed view log (`settings.log_views`), and `dossier settings`.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use crate::support::{assert_history_refused, require, Person, World};

/// Ada (root), Ben and Chidi (certified staff); their fingerprints.
fn firm() -> (World, [Person; 3], [String; 3]) {
    let w = World::new();
    let ada = w.person("Ada");
    w.init_vault(&ada);
    let ben = w.person("Ben");
    let chidi = w.person("Chidi");
    let ada_fp = w.fingerprint(&ada);
    let ben_fp = w.join(&ben, &ada);
    let chidi_fp = w.join(&chidi, &ada);
    (w, [ada, ben, chidi], [ada_fp, ben_fp, chidi_fp])
}

fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}):\n{text}"))
}

/// `log [ID] --json`, newest first.
fn log(w: &World, who: &Person, case: Option<&str>) -> Vec<serde_json::Value> {
    let mut args = vec!["log"];
    args.extend(case);
    args.push("--json");
    match json(&w.ok(who, &args)) {
        serde_json::Value::Array(a) => a,
        other => panic!("log --json is not an array: {other}"),
    }
}

/// The commit ids of `case`'s log entries with `action`, oldest first.
fn commits_of(entries: &[serde_json::Value], action: &str) -> Vec<String> {
    let mut out: Vec<String> = entries
        .iter()
        .filter(|e| e["action"] == action)
        .map(|e| e["commit"].as_str().expect("commit").to_string())
        .collect();
    out.reverse();
    out
}

/// The one commit with `action`.
fn one(entries: &[serde_json::Value], action: &str) -> String {
    let mut found = commits_of(entries, action);
    assert_eq!(found.len(), 1, "one {action} commit");
    found.remove(0)
}

/// `log --who-could-read ID --at COMMIT --json`: fingerprint → via group.
fn readers(w: &World, who: &Person, case: &str, at: &str) -> Vec<(String, Option<String>)> {
    let out = json(&w.ok(
        who,
        &["log", "--who-could-read", case, "--at", at, "--json"],
    ));
    assert_eq!(out["case"], case);
    assert_eq!(out["list_signature"], "valid", "{out}");
    out["readers"]
        .as_array()
        .expect("readers")
        .iter()
        .map(|r| {
            (
                r["fingerprint"].as_str().expect("fp").to_string(),
                r["via"].as_str().map(str::to_string),
            )
        })
        .collect()
}

fn set(fps: &[(String, Option<String>)]) -> BTreeSet<String> {
    fps.iter().map(|(f, _)| f.clone()).collect()
}

fn of(fps: &[&String]) -> BTreeSet<String> {
    fps.iter().map(|f| (*f).clone()).collect()
}

/// Whether stock `age` opens `path` as it was at `commit` with `key`.
fn age_opens_at(w: &World, key: &Path, commit: &str, path: &str) -> bool {
    require("age");
    let out = w.git(&["show", &format!("{commit}:{path}")]);
    assert!(out.status.success(), "{path} exists at {commit}");
    let file = w.path(&format!("{}.age", &commit[..12]));
    std::fs::write(&file, &out.stdout).expect("write");
    Command::new("age")
        .args(["-d", "-i"])
        .arg(key)
        .arg(&file)
        .output()
        .expect("age")
        .status
        .success()
}

#[test]
fn log_names_the_actor_and_flags_a_plain_git_commit_as_unsigned() {
    let (w, [ada, ben, _], [_, ben_fp, _]) = firm();
    let id = w.new_case(&ben, &[]);
    std::fs::write(w.vault().join("README.txt"), "notes for the IT person\n").unwrap();
    w.git_text(&["add", "README.txt"]);
    w.plain_commit(&["-m", "add a readme"]);

    let entries = log(&w, &ada, None);
    let plain = &entries[0];
    assert_eq!(plain["subject"], "add a readme");
    assert_eq!(plain["signature"], "unsigned");
    assert_eq!(plain["action"], serde_json::Value::Null);
    assert_eq!(plain["actor_name"], serde_json::Value::Null);
    let created = &entries[1];
    assert_eq!(created["action"], "create");
    assert_eq!(created["case"], id.as_str());
    assert_eq!(created["actor"], ben_fp.as_str());
    assert_eq!(created["actor_name"], "Ben");
    assert_eq!(created["signature"], "verified");
    assert!(
        entries
            .iter()
            .all(|e| e.get("actor_name").is_some() && e.get("signer").is_some()),
        "every entry has the same fields"
    );

    let table = w.ok(&ada, &["log"]);
    let line = |needle: &str| {
        table
            .lines()
            .find(|l| l.contains(needle))
            .unwrap_or_else(|| panic!("no line with {needle}:\n{table}"))
            .to_string()
    };
    let create = line(&format!("create {id}"));
    assert!(
        create.contains("verified") && create.contains("Ben"),
        "{create}"
    );
    assert!(line("add a readme").contains("unsigned"));
    assert!(line("init vault").contains("Ada"));
}

#[test]
fn who_could_read_answers_at_each_commit_and_stock_age_agrees() {
    let (w, [ada, ben, chidi], [ada_fp, ben_fp, chidi_fp]) = firm();
    let dana = w.person("Dana");
    let dana_fp = w.join(&dana, &ada);
    w.ok(&ada, &["group", "set", "team", &chidi_fp]);
    let id = w.new_case(&ada, &[]);
    w.ok(&ada, &["grant", &id, &ben_fp]);
    w.ok(&ada, &["grant", &id, "@team"]);
    w.ok(&ada, &["revoke-access", "--yes", &id, &ben_fp]);
    w.ok(&ada, &["group", "set", "team", &chidi_fp, &dana_fp]);

    let history = log(&w, &ada, Some(&id));
    let created = one(&history, "create");
    let grants = commits_of(&history, "grant");
    assert_eq!(grants.len(), 2);
    let (granted_ben, granted_team) = (&grants[0], &grants[1]);
    let revoked = one(&history, "revoke-access");
    // The group change re-encrypted the case, so it is in the case's log.
    let regrouped = one(&history, "group-set");

    assert_eq!(set(&readers(&w, &ben, &id, &created)), of(&[&ada_fp]));
    assert_eq!(
        set(&readers(&w, &ben, &id, granted_ben)),
        of(&[&ada_fp, &ben_fp])
    );
    let with_team = readers(&w, &ben, &id, granted_team);
    assert_eq!(set(&with_team), of(&[&ada_fp, &ben_fp, &chidi_fp]));
    assert!(with_team.contains(&(chidi_fp.clone(), Some("team".into()))));
    assert!(with_team.contains(&(ada_fp.clone(), None)));
    assert_eq!(
        set(&readers(&w, &ben, &id, &revoked)),
        of(&[&ada_fp, &chidi_fp])
    );
    // The later group change answers for its own commit only; the old
    // commit's answer uses the groups as they stood then.
    assert_eq!(
        set(&readers(&w, &ben, &id, &regrouped)),
        of(&[&ada_fp, &chidi_fp, &dana_fp])
    );
    assert_eq!(
        set(&readers(&w, &ben, &id, &revoked)),
        of(&[&ada_fp, &chidi_fp])
    );
    // Default HEAD, short ids and rev-parse syntax.
    assert_eq!(
        set(&readers(&w, &ben, &id, "HEAD")),
        of(&[&ada_fp, &chidi_fp, &dana_fp])
    );
    assert_eq!(
        set(&readers(&w, &ben, &id, &granted_ben[..8])),
        of(&[&ada_fp, &ben_fp])
    );
    assert_eq!(
        set(&readers(&w, &ben, &id, "HEAD~1")),
        of(&[&ada_fp, &chidi_fp])
    );

    // Stock age: the listed readers open that version, the others do not.
    let record = format!("cases/{id}/case.yaml.age");
    let ben_key = w.age_secret(&ben, "now");
    let chidi_key = w.age_secret(&chidi, "now");
    let dana_key = w.age_secret(&dana, "now");
    assert!(age_opens_at(&w, &ben_key, granted_ben, &record));
    assert!(age_opens_at(&w, &chidi_key, granted_team, &record));
    assert!(!age_opens_at(&w, &ben_key, &revoked, &record));
    assert!(age_opens_at(&w, &chidi_key, &revoked, &record));
    assert!(!age_opens_at(&w, &dana_key, &revoked, &record));
    assert!(age_opens_at(&w, &dana_key, &regrouped, &record));

    // The human form: one line per fingerprint, with the name and the group.
    let text = w.ok(
        &ada,
        &["log", "--who-could-read", &id, "--at", granted_team],
    );
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    assert!(lines
        .iter()
        .any(|l| l.starts_with(&chidi_fp) && l.contains("Chidi") && l.contains("via @team")));
    assert!(lines
        .iter()
        .any(|l| l.starts_with(&ben_fp) && l.contains("Ben") && !l.contains("via")));
}

#[test]
fn who_could_read_explains_an_unknown_commit_and_a_case_that_did_not_exist_yet() {
    let (w, [ada, _, _], _) = firm();
    let id = w.new_case(&ada, &[]);
    let history = log(&w, &ada, None);
    let init = commits_of(&history, "init").remove(0);

    let err = w.fails(
        &ada,
        &["log", "--who-could-read", &id, "--at", "0123456789abcdef"],
        1,
    );
    assert!(
        err.contains("there is no commit `0123456789abcdef`"),
        "{err}"
    );
    let err = w.fails(&ada, &["log", "--who-could-read", &id, "--at", &init], 1);
    assert!(
        err.contains(&format!("case {id} does not exist at commit {init}")),
        "{err}"
    );
    let err = w.fails(&ada, &["log", "--who-could-read", "NOSUCHCASE"], 1);
    assert!(err.contains("no case NOSUCHCASE"), "{err}");
    // --at needs --who-could-read.
    w.fails(&ada, &["log", "--at", "HEAD"], 2);
}

#[test]
fn with_log_views_on_opening_a_case_records_one_signed_view_and_off_none() {
    let (w, [ada, ben, chidi], [_, ben_fp, chidi_fp]) = firm();
    let id = w.new_case(&ada, &["--grant", &ben_fp]);

    assert_eq!(
        w.ok(&ada, &["settings"]),
        "log_views: false\noffline: false\n"
    );
    let before = w.commit_count();
    assert!(w.ok(&ben, &["case", "show", &id]).contains("Asylum appeal"));
    assert_eq!(w.commit_count(), before, "views are not logged by default");

    w.ok(&ada, &["settings", "log_views=true"]);
    assert_eq!(
        json(&w.ok(&ben, &["settings", "--json"])),
        serde_json::json!({"log_views": true, "offline": false, "retention": {}})
    );
    let last = &log(&w, &ada, None)[0];
    assert_eq!(last["action"], "settings");
    assert_eq!(last["signature"], "verified");

    // A reader who is not an administrator: one view commit, signed, empty.
    let before = w.commit_count();
    assert!(w.ok(&ben, &["case", "show", &id]).contains("Asylum appeal"));
    assert_eq!(w.commit_count(), before + 1);
    assert!(
        w.git_text(&["diff-tree", "--no-commit-id", "-r", "HEAD"])
            .is_empty(),
        "a view changes no file"
    );
    assert!(w.git_text(&["status", "--porcelain"]).is_empty());
    let view = &log(&w, &ada, Some(&id))[0];
    assert_eq!(view["action"], "view");
    assert_eq!(view["case"], id.as_str());
    assert_eq!(view["actor"], ben_fp.as_str());
    assert_eq!(view["actor_name"], "Ben");
    assert_eq!(view["signature"], "verified");
    assert_eq!(view["subject"], format!("view {id}"));
    let message = w.git_text(&["log", "-1", "--format=%B"]);
    assert!(message.contains("Dossier-Action: view\n"), "{message}");
    assert!(message.contains(&format!("Dossier-Case: {id}\n")));
    assert!(message.contains(&format!("Dossier-Actor: {ben_fp}\n")));
    // Stock git agrees the view is signed by Ben.
    let shown = w.git(&[
        "-c",
        "gpg.ssh.allowedSignersFile=.dossier/allowed_signers",
        "log",
        "-1",
        "--show-signature",
    ]);
    let shown = String::from_utf8_lossy(&shown.stdout).into_owned()
        + &String::from_utf8_lossy(&shown.stderr);
    assert!(
        shown.contains(&format!("Good \"git\" signature for {ben_fp}")),
        "{shown}"
    );

    // --json opens the case too; the owner's view is recorded the same way.
    w.ok(&ada, &["case", "show", &id, "--json"]);
    assert_eq!(w.commit_count(), before + 2);
    let views = commits_of(&log(&w, &ada, Some(&id)), "view");
    assert_eq!(views.len(), 2);

    // Someone the case is not shared with is refused before anything is
    // decrypted, so there is no view to record.
    let before = w.commit_count();
    let err = w.fails(&chidi, &["case", "show", &id], 1);
    assert!(err.contains("not a recipient"), "{err}");
    assert_eq!(w.commit_count(), before);

    // A view signed by someone the list did not name (made outside the
    // client) is flagged.
    let repo = git2::Repository::open(w.vault()).unwrap();
    let chidi_fp = chidi_fp.parse().unwrap();
    dossier::repo::store::record_event(
        &repo,
        &w.session(&chidi),
        &dossier::repo::store::CommitMessage::for_case("view", &id.parse().unwrap(), chidi_fp),
    )
    .unwrap();
    let forged = &log(&w, &ada, Some(&id))[0];
    assert_eq!(forged["actor_name"], "Chidi");
    assert_eq!(forged["signature"], "signer-not-entitled");
    assert!(w
        .ok(&ada, &["log", &id])
        .lines()
        .next()
        .is_some_and(|l| l.contains("signer not entitled")));
}

#[test]
fn a_view_that_cannot_be_recorded_is_not_shown() {
    let (w, [ada, ben, _], [_, ben_fp, _]) = firm();
    let id = w.new_case(&ada, &["--grant", &ben_fp]);
    w.ok(&ada, &["settings", "log_views=true"]);
    let before = w.snapshot();
    let held =
        dossier::support::fsio::lock_exclusive(&w.vault().join(".git/dossier.lock")).unwrap();
    let out = w.cmd(&ben).args(["case", "show", &id]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.is_empty(),
        "nothing of the case is printed: {stdout}"
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!("case {id} was not opened"))
            && err.contains("log_views")
            && err.contains("another dossier process"),
        "{err}"
    );
    assert_eq!(w.snapshot(), before, "no commit");
    drop(held);
    assert!(w.ok(&ben, &["case", "show", &id]).contains("Asylum appeal"));
}

#[test]
fn only_a_root_changes_settings_and_bad_assignments_are_explained() {
    let (w, [ada, ben, _], _) = firm();
    let config = w.vault().join(".dossier/vault.yaml");
    let original = std::fs::read(&config).unwrap();
    let before = w.snapshot();

    let err = w.fails(&ben, &["settings", "log_views=true"], 1);
    assert!(
        err.contains("only its root administrators may change the vault's settings"),
        "{err}"
    );
    let err = w.fails(&ada, &["settings", "colour=blue"], 1);
    assert!(err.contains("no vault setting `colour`"), "{err}");
    let err = w.fails(&ada, &["settings", "log_views=maybe"], 1);
    assert!(
        err.contains("log_views") && err.contains("expected true or false"),
        "{err}"
    );
    let err = w.fails(&ada, &["settings", "log_views"], 1);
    assert!(err.contains("NAME=VALUE"), "{err}");
    let err = w.fails(&ada, &["settings", "offline=false"], 1);
    assert!(err.contains("offline is already false"), "{err}");
    assert_eq!(std::fs::read(&config).unwrap(), original);
    assert_eq!(w.snapshot(), before);

    // A root: one commit; vault.yaml stays signed by her, for stock ssh-keygen too.
    w.ok(&ada, &["settings", "offline=true", "log_views=true"]);
    assert_eq!(w.commit_count(), count(&w, &before.0) + 1);
    assert_eq!(
        w.ok(&ben, &["settings"]),
        "log_views: true\noffline: true\n"
    );
    let changed = w.git_text(&["diff-tree", "--no-commit-id", "--name-only", "-r", "HEAD"]);
    assert_eq!(changed, ".dossier/vault.yaml\n.dossier/vault.yaml.sig\n");
    require("ssh-keygen");
    let ada_fp = w.fingerprint(&ada);
    let verified = Command::new("ssh-keygen")
        .args(["-Y", "verify", "-n", "dossier", "-f"])
        .arg(w.vault().join(".dossier/allowed_signers"))
        .args(["-I", &ada_fp, "-s"])
        .arg(w.vault().join(".dossier/vault.yaml.sig"))
        .stdin(std::fs::File::open(&config).unwrap())
        .output()
        .unwrap();
    assert!(
        verified.status.success(),
        "{}",
        String::from_utf8_lossy(&verified.stderr)
    );
}

/// How many commits lead to `commit`.
fn count(w: &World, commit: &str) -> usize {
    w.git_text(&["rev-list", "--count", commit])
        .trim()
        .parse()
        .unwrap()
}

#[test]
fn a_settings_commit_by_someone_not_a_root_is_flagged_in_the_log() {
    let (w, [ada, ben, _], [_, ben_fp, _]) = firm();
    // Ben signs a commit claiming the `settings` action (a modified client
    // could); vault.yaml itself would need a root's signature, so he
    // changes another file.
    let repo = git2::Repository::open(w.vault()).unwrap();
    let lock = dossier::repo::lock::WriteLock::take(&repo).unwrap();
    let root = w.vault();
    dossier::repo::store::Writer::new(&lock, &repo, &root)
        .unwrap()
        .commit(
            &w.session(&ben),
            &dossier::repo::store::CommitMessage::for_vault("settings", ben_fp.parse().unwrap()),
            &[dossier::repo::store::Change::write("README.txt", "hello\n")],
        )
        .unwrap();
    drop(lock);
    let last = &log(&w, &ada, None)[0];
    assert_eq!(last["action"], "settings");
    assert_eq!(last["actor_name"], "Ben");
    assert_eq!(last["signature"], "signer-not-entitled");
    // README.txt is outside the layout: nothing is written on top of it,
    // until Ada returns to the last verified commit as the refusal says.
    let bad = w.head();
    let err = w.fails(&ada, &["settings", "log_views=true"], 1);
    assert_history_refused(&err, &bad);
    w.git_text(&["reset", "-q", "--hard", "HEAD~1"]);
    w.ok(&ada, &["settings", "log_views=true"]);
    assert_eq!(log(&w, &ada, None)[0]["signature"], "verified");
}

#[test]
fn who_could_read_says_when_that_list_version_was_not_validly_signed() {
    let w = World::new();
    let ada = w.person("Ada");
    w.init_vault(&ada);
    let mallory = w.unprotected_person("Mallory");
    let mallory_fp = w.join(&mallory, &ada);
    let chidi = w.person("Chidi");
    let chidi_fp = w.join(&chidi, &ada);
    let id = w.new_case(&ada, &["--grant", &mallory_fp]);
    let access = w.vault().join(format!("cases/{id}/access.yaml"));
    let ask = |at: &str| {
        json(&w.ok(
            &ada,
            &["log", "--who-could-read", &id, "--at", at, "--json"],
        ))
    };
    assert_eq!(ask("HEAD")["list_signature"], "valid");

    // Mallory, a reader but not an owner, adds Chidi and signs it herself.
    let text = std::fs::read_to_string(&access).unwrap();
    let edited = text.replace("readers:\n", &format!("readers:\n- {chidi_fp}\n"));
    assert_ne!(edited, text);
    std::fs::write(&access, edited).unwrap();
    w.ssh_sign(&mallory, &access);
    w.git_text(&["add", "."]);
    w.plain_commit(&["-m", "add a reader"]);
    let answer = ask("HEAD");
    assert_eq!(answer["list_signature"], "signer-not-entitled");
    assert_eq!(answer["list_signer"], mallory_fp.as_str());
    let named: Vec<&str> = answer["readers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["fingerprint"].as_str().unwrap())
        .collect();
    assert!(named.contains(&chidi_fp.as_str()), "what the list said");
    let out = w
        .cmd(&ada)
        .args(["log", "--who-could-read", &id])
        .output()
        .unwrap();
    let summary = String::from_utf8_lossy(&out.stderr);
    assert!(
        summary.contains("signed by Mallory, who was neither an owner"),
        "{summary}"
    );

    // Then the signature is left stale: not validly signed at all.
    let text = std::fs::read_to_string(&access).unwrap();
    std::fs::write(&access, text.replace(&format!("- {chidi_fp}\n"), "")).unwrap();
    w.git_text(&["add", "."]);
    w.plain_commit(&["-m", "remove a reader"]);
    let answer = ask("HEAD");
    assert_eq!(answer["list_signature"], "invalid");
    assert_eq!(answer["list_signer"], serde_json::Value::Null);
    assert_eq!(ask("HEAD~2")["list_signature"], "valid");
}
