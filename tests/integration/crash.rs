//! Killed mid-change (issue 3, DESIGN §1.5 and §6): a 500-case revocation
//! is SIGKILLed at several points; the next start finishes or rolls back,
//! running the command again completes it, `verify` is clean, and nothing
//! is lost. The kills are real SIGKILLs, raised by the process itself at
//! named points (`DOSSIER_FAULT`, see src/fault.rs) so each lands exactly
//! where intended.

use std::os::unix::process::ExitStatusExt;

use dossier::case::AccessEntry;

use crate::support::{copy_dir, Person, World};

const CASES: usize = 500;

struct Fixture {
    w: World,
    ada: Person,
    ben: Person,
    ben_fp: String,
    ben_key: std::path::PathBuf,
    base_commits: usize,
    sample: Vec<String>,
}

/// Ada (root) owns 500 cases, all readable by Ben; kept as `base/`.
fn fixture() -> Fixture {
    let w = World::new();
    let ada = w.person("Ada");
    w.init_vault(&ada);
    let ben = w.person("Ben");
    let ben_fp = w.join(&ben, &ada);
    let vault = dossier::vault::Vault::open(&w.vault()).expect("open");
    let reader = AccessEntry::Key(ben_fp.parse().expect("fp"));
    let ids = dossier::samples::generate::cases(&vault, &w.session(&ada), CASES, &[reader], 7)
        .expect("generate");
    let ben_key = w.age_secret(&ben, "before");
    let sample: Vec<String> = [0, CASES / 2, CASES - 1]
        .iter()
        .map(|&i| format!("cases/{}/case.yaml.age", ids[i]))
        .collect();
    assert!(w.age_opens(&ben_key, &sample[0]));
    copy_dir(&w.vault(), &w.path("base"));
    let base_commits = w.commit_count();
    Fixture {
        w,
        ada,
        ben,
        ben_fp,
        ben_key,
        base_commits,
        sample,
    }
}

impl Fixture {
    fn restore(&self) {
        copy_dir(&self.w.path("base"), &self.w.vault());
    }

    /// `key revoke BEN` killed at `point`; returns the stderr of the kill.
    fn revoke_killed_at(&self, point: &str) {
        let out = self
            .w
            .cmd(&self.ada)
            .args(["key", "revoke", "--yes", &self.ben_fp])
            .env("DOSSIER_FAULT", point)
            .output()
            .expect("run");
        assert_eq!(
            out.status.signal(),
            Some(9),
            "expected a SIGKILL at {point}: {:?}\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// After recovery: exactly one revocation commit, Ben off every current
    /// file, all 500 cases intact for Ada, `verify` clean.
    fn assert_revoked_and_clean(&self, point: &str) {
        let w = &self.w;
        assert_eq!(
            w.commit_count(),
            self.base_commits + 1,
            "{point}: one commit"
        );
        let out = w.cmd(&self.ada).arg("verify").output().expect("verify");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.success(),
            "{point}: verify: {}\n{stderr}",
            String::from_utf8_lossy(&out.stdout)
        );
        assert!(
            stderr.contains(&format!(
                "checked {CASES} case(s), {CASES} encrypted file(s), decrypted {CASES}"
            )),
            "{stderr}"
        );
        for rel in &self.sample {
            assert!(!w.age_opens(&self.ben_key, rel), "{rel} still open to Ben");
        }
        let err = w.fails(&self.ben, &["case", "show", &self.sample[0][6..16]], 1);
        assert!(err.contains("not a recipient"), "{err}");
        assert_eq!(
            w.git_text(&["status", "--porcelain", "--untracked-files=all"]),
            "",
            "working tree matches the commit"
        );
    }
}

#[test]
fn a_revocation_killed_at_any_point_is_finished_or_rolled_back_and_resumes() {
    let f = fixture();
    let w = &f.w;
    let base_head = w.head();

    // Killed while preparing: nothing committed; the next start says so;
    // running it again reuses the prepared cases.
    for point in [
        "rekey-prepared:128",
        "rekey-prepared:448",
        "commit-before-ref",
    ] {
        f.restore();
        f.revoke_killed_at(point);
        assert_eq!(w.head(), base_head, "{point}: rolled back");
        let out = w.cmd(&f.ada).arg("verify").output().expect("verify");
        assert_eq!(out.status.code(), Some(1), "{point}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("interrupted `revoke-key"),
            "{point}: {stderr}"
        );
        assert!(w.age_opens(&f.ben_key, &f.sample[0]), "{point}: unchanged");
        let again = w.ok(&f.ada, &["key", "revoke", "--yes", &f.ben_fp]);
        assert!(
            again.contains("prepared by an interrupted run were reused"),
            "{point}: {again}"
        );
        f.assert_revoked_and_clean(point);
    }

    // Killed after the branch moved: the next start finishes the working tree.
    for point in ["commit-after-ref", "materialise:700", "rekey-committed"] {
        f.restore();
        f.revoke_killed_at(point);
        f.assert_revoked_and_clean(point);
        let err = w.fails(&f.ada, &["key", "revoke", "--yes", &f.ben_fp], 1);
        assert!(err.contains("already revoked"), "{point}: {err}");
    }
}
