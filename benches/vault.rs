//! Vault benchmarks (DESIGN §11), reported as ratios against baselines
//! measured in the same run. Run: `cargo bench --bench vault` (cases from
//! `DOSSIER_BENCH_CASES`, default 2000; the design's figure is 10000).
//!
//! Measured on a generated vault of DESIGN §11's firm workload
//! (`generate::Workload::FIRM`: records of about 1.8 KB, 0 to 4 notes a
//! case), where every case is encrypted to five recipients (an owner and
//! the four members of `@staff`):
//! - list: every case decrypted and parsed, from an unlocked identity,
//!   against the per-file floor of one X25519 decryption;
//! - search keystroke: the TUI's search of the text it holds in memory,
//!   against decrypting every case again for each search;
//! - rekey: `group set` adding a sixth person, which re-encrypts every case
//!   in one journaled commit, against running the stock `age` CLI twice per
//!   file (decrypt, then encrypt to six recipients), as pass-style tools do;
//! - verified history: opening a vault of 2,000 commits (`DOSSIER_BENCH_COMMITS`)
//!   with nothing new to verify, and with 100 new commits after the
//!   watermark, against the floor of checking those commits' SSH
//!   signatures alone;
//! - peak memory (VmHWM).

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use dossier::case::AccessEntry;
use dossier::keys::identity::Session;
use dossier::ops::{admin, cases};
use dossier::samples::{generate, testkit};
use dossier::vault::Vault;

fn person(dir: &Path, name: &str) -> Session {
    testkit::person(dir, name, "bench.example").expect("person")
}

fn join(vault: &mut Vault, root: &Session, who: &Session) {
    testkit::join(vault, root, who).expect("join");
}

fn secs(d: Duration) -> f64 {
    d.as_secs_f64()
}

fn peak_memory_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

fn main() {
    let count: usize = std::env::var("DOSSIER_BENCH_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2000);
    let tmp = tempfile::tempdir().expect("temp dir");
    let homes = tmp.path().join("homes");
    // Keep the bench away from the user's pinned vaults.
    std::env::set_var("XDG_CONFIG_HOME", tmp.path().join("config"));

    let root = person(&homes, "Root");
    let staff: Vec<Session> = (1..=4)
        .map(|i| person(&homes, &format!("Staff{i}")))
        .collect();
    let newcomer = person(&homes, "Newcomer");
    let mut vault = admin::init(&tmp.path().join("vault"), "Bench", &root).expect("init");
    for s in staff.iter().chain(std::iter::once(&newcomer)) {
        join(&mut vault, &root, s);
    }
    let members: Vec<_> = staff.iter().map(|s| s.fingerprint()).collect();
    admin::set_group(&vault, &root, "staff", &members, &|_| {}).expect("group");
    vault.reload().expect("reload");

    let t = Instant::now();
    generate::cases_of(
        &vault,
        &root,
        count,
        &[AccessEntry::Group("staff".into())],
        1,
        generate::Workload::FIRM,
    )
    .expect("generate");
    let generation = t.elapsed();
    let files = walkdir::WalkDir::new(vault.root().join("cases"))
        .into_iter()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".age"))
        .count();
    println!(
        "generated {count} cases (5 recipients each; records of ~1.8 KB and 0-4 notes each, as DESIGN §11: {files} encrypted files) in {:.2}s",
        secs(generation)
    );
    vault.reload().expect("reload");

    // List, from an unlocked identity (as a staff member: their stanza is
    // not the first one, like most readers').
    let reader = &staff[2];
    let t = Instant::now();
    let listed = cases::list(&vault, reader).expect("list");
    let list_time = t.elapsed();
    assert_eq!(listed.len(), count);
    // Floor: one decryption per file, single-threaded, of the same files.
    let ids = vault.case_ids().expect("ids");
    let keys = reader.decryption_keys().expect("keys");
    let sample: Vec<_> = ids.iter().take(200).collect();
    let t = Instant::now();
    for id in &sample {
        let path = vault.root().join(cases::record_path(id));
        let ct = std::fs::read(&path).expect("read");
        dossier::crypto::decrypt(&ct, keys, &path).expect("decrypt");
    }
    let per_file = secs(t.elapsed()) / sample.len() as f64;
    // The floor on every core: the same decryptions of every case, in
    // parallel, nothing else (no parsing, no access lists).
    let t = Instant::now();
    {
        use rayon::prelude::*;
        let root = vault.root().to_path_buf();
        ids.par_iter().for_each(|id| {
            let path = root.join(cases::record_path(id));
            let ct = std::fs::read(&path).expect("read");
            dossier::crypto::decrypt(&ct, keys, &path).expect("decrypt");
        });
    }
    let parallel_floor = t.elapsed();
    println!(
        "list: {:.3}s for {count} cases ({:.0} µs/case on {} threads = {:.2}x the decrypt floor on as many threads, {:.0} µs/file; single-core floor {:.0} µs/file)",
        secs(list_time),
        secs(list_time) * 1e6 / count as f64,
        rayon::current_num_threads(),
        secs(list_time) / secs(parallel_floor),
        secs(parallel_floor) * 1e6 / count as f64,
        per_file * 1e6
    );

    search_keystroke(&vault, reader, &listed);

    // Re-encrypt everything for a new recipient.
    let mut with_new = members.clone();
    with_new.push(newcomer.fingerprint());
    let t = Instant::now();
    let outcome = admin::set_group(&vault, &root, "staff", &with_new, &|_| {}).expect("rekey");
    let rekey_time = t.elapsed();
    assert_eq!(outcome.outcome.reencrypted.len(), count);
    // Per encrypted file, as the CLI baseline is.
    let ours = secs(rekey_time) / files as f64;

    // Baseline: the age CLI, twice per file, on a sample.
    let age_ok = Command::new("age").arg("--version").output().is_ok();
    if age_ok {
        let key = tmp.path().join("root.key");
        std::fs::write(
            &key,
            dossier::support::secret::ExposeSecret::expose_secret(
                &root.age_secret_text().expect("secret"),
            ),
        )
        .expect("key");
        let recipients: Vec<String> = std::iter::once(&root)
            .chain(staff.iter())
            .chain(std::iter::once(&newcomer))
            .map(|s| s.identity().card().age_recipient.clone())
            .collect();
        let ids = vault.case_ids().expect("ids");
        let sample: Vec<_> = ids.iter().take(100).collect();
        let plain = tmp.path().join("plain");
        let out = tmp.path().join("out.age");
        let t = Instant::now();
        for id in &sample {
            let file = vault.root().join(cases::record_path(id));
            let d = Command::new("age")
                .args(["-d", "-i"])
                .arg(&key)
                .arg("-o")
                .arg(&plain)
                .arg(&file)
                .status()
                .expect("age -d");
            assert!(d.success());
            let mut enc = Command::new("age");
            for r in &recipients {
                enc.args(["-r", r]);
            }
            let e = enc
                .arg("-o")
                .arg(&out)
                .arg(&plain)
                .status()
                .expect("age -e");
            assert!(e.success());
        }
        let theirs = secs(t.elapsed()) / sample.len() as f64;
        println!(
            "rekey: {:.2}s for {count} cases ({files} files) = {:.0} µs/file; age CLI per file: {:.0} µs; ours is {:.1}x faster",
            secs(rekey_time),
            ours * 1e6,
            theirs * 1e6,
            theirs / ours
        );
    } else {
        println!(
            "rekey: {:.2}s for {count} cases ({files} files) = {:.0} µs/file (install `age` for the CLI baseline)",
            secs(rekey_time),
            ours * 1e6
        );
    }
    watermark(tmp.path(), &root);
    if let Some(mib) = peak_memory_mib() {
        println!("peak memory: {mib:.0} MiB");
    }
}

/// A search keystroke in the TUI (issue 15): the text searched in memory,
/// read once from the records the list already decrypted, against
/// decrypting every case again for each search (what the TUI did before,
/// and what `grep` does). The text is the records and every note.
fn search_keystroke(vault: &Vault, reader: &Session, listed: &[cases::CaseSummary]) {
    use dossier::ops::search::{search_cases, Corpus};
    let never = std::sync::atomic::AtomicBool::new(false);
    let records: Vec<_> = listed
        .iter()
        .filter_map(|s| match &s.state {
            cases::SummaryState::Readable { record } => Some((s.id.clone(), (**record).clone())),
            _ => None,
        })
        .collect();
    let t = Instant::now();
    let corpus = Corpus::build(vault, reader, &records, None, &never).expect("corpus");
    let build = t.elapsed();
    let texts = corpus.len();
    // What a person types, one keystroke at a time, and a pattern that
    // matches nothing (the whole text scanned).
    let typed = [
        "t",
        "tr",
        "tri",
        "trib",
        "tribu",
        "tribunal",
        "zzqx",
        "^status: open$",
    ];
    // Each key's time is its fastest of 5 runs (the machine's noise only
    // ever adds time).
    let mut found = 0;
    let mut slowest = Duration::ZERO;
    let mut total = Duration::ZERO;
    for pattern in typed {
        let mut best = Duration::MAX;
        for _ in 0..5 {
            let key = Instant::now();
            let per_case = corpus.matches_per_case(pattern).expect("search");
            best = best.min(key.elapsed());
            found = found.max(per_case.iter().map(|m| m.lines).sum::<usize>());
        }
        slowest = slowest.max(best);
        total += best;
    }
    let per_key = total / typed.len() as u32;
    let ids: Vec<_> = records.iter().map(|(id, _)| id.clone()).collect();
    let t = Instant::now();
    let again = search_cases(vault, reader, &ids, "tribunal", &never).expect("search");
    let decrypting = t.elapsed();
    assert_eq!(
        again.len(),
        corpus.search("tribunal").expect("search").len(),
        "both find the same"
    );
    println!(
        "search keystroke: {:.2} ms per key (slowest {:.2} ms) over {} cases ({texts} records and notes) in memory (up to {found} matching lines a key, {} keys, the fastest of 5 runs each), {:.0}x faster than decrypting every case again ({:.3}s); reading the text once: {:.3}s ({:.2}x one decrypting search)",
        secs(per_key) * 1e3,
        secs(slowest) * 1e3,
        records.len(),
        typed.len(),
        secs(decrypting) / secs(per_key),
        secs(decrypting),
        secs(build),
        secs(build) / secs(decrypting),
    );
}

/// The cost of verified history (issue 10): a vault of many commits opened
/// with nothing new to verify, and with 100 new commits, against the floor
/// of verifying the same 100 commit signatures in-process.
fn watermark(dir: &Path, root: &Session) {
    let commits: usize = std::env::var("DOSSIER_BENCH_COMMITS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2000);
    let vault = admin::init(&dir.join("history"), "History", root).expect("init");
    let id = cases::create(
        &vault,
        root,
        cases::NewCase {
            title: "Long history".into(),
            client: None,
            reference: None,
            grants: Vec::new(),
            pseudonym: None,
            conflict_check: None,
        },
    )
    .expect("case");
    let t = Instant::now();
    for i in 2..commits {
        cases::add_note(&vault, root, &id, &format!("note {i}")).expect("note");
    }
    println!(
        "history: {commits} commits written in {:.2}s",
        secs(t.elapsed())
    );
    let path = vault.root().to_path_buf();
    drop(vault);
    let repo = git2::Repository::open(&path).expect("repo");
    let head = repo.head().expect("head").target().expect("oid");

    // Nothing new: the watermark is at HEAD.
    dossier::trust::verified::ensure(&repo, &mut |_, _| {}).expect("verify all");
    let runs = 20;
    let t = Instant::now();
    for _ in 0..runs {
        Vault::open(&path).expect("open");
    }
    let open_nothing_new = secs(t.elapsed()) / runs as f64;
    // Baseline: what any open must do anyway, reading the trust state
    // (config, keyring, groups) of HEAD.
    let t = Instant::now();
    for _ in 0..runs {
        let tree = dossier::repo::snapshot::CommitTree::new(&repo, head).expect("tree");
        dossier::trust::incoming::TrustState::load(&tree).expect("trust state");
    }
    let trust_load = secs(t.elapsed()) / runs as f64;

    // 100 new commits: the watermark moved back by hand.
    let mut back = repo.find_commit(head).expect("head commit");
    let mut newest = Vec::new();
    for _ in 0..100 {
        newest.push(back.id());
        back = back.parent(0).expect("parent");
    }
    let runs = 5;
    let mut verify_100 = 0.0;
    for _ in 0..runs {
        repo.reference(
            dossier::trust::verified::WATERMARK,
            back.id(),
            true,
            "bench",
        )
        .expect("move watermark");
        let t = Instant::now();
        Vault::open(&path).expect("open");
        verify_100 += secs(t.elapsed());
    }
    verify_100 /= runs as f64;
    let t = Instant::now();
    for _ in 0..runs {
        for c in &newest {
            assert!(dossier::repo::history::signer(&repo, *c).is_some());
        }
    }
    let floor = secs(t.elapsed()) / runs as f64;

    // A first open of the whole history (no watermark).
    repo.find_reference(dossier::trust::verified::WATERMARK)
        .expect("watermark")
        .delete()
        .expect("delete");
    let t = Instant::now();
    Vault::open(&path).expect("open");
    let all = secs(t.elapsed());
    println!(
        "verified history: open with nothing new {:.1} ms ({:.1}x loading HEAD's trust state alone); with 100 new commits {:.1} ms = {:.2} ms/commit, {:.1}x the signature-check floor ({:.2} ms/commit); first open of all {commits} commits {:.2}s ({:.2} ms/commit)",
        open_nothing_new * 1e3,
        open_nothing_new / trust_load,
        verify_100 * 1e3,
        (verify_100 - open_nothing_new) * 1e3 / 100.0,
        (verify_100 - open_nothing_new) / floor,
        floor * 1e3 / 100.0,
        all,
        all * 1e3 / commits as f64
    );
    // Stock git checking the same signatures (one ssh-keygen per commit).
    let signers = path.join(dossier::vault::ALLOWED_SIGNERS_PATH);
    let t = Instant::now();
    let git = Command::new("git")
        .current_dir(&path)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .arg("-c")
        .arg(format!("gpg.ssh.allowedSignersFile={}", signers.display()))
        .args(["log", "--format=%G?"])
        .output();
    match git {
        Ok(out) if out.status.success() => {
            let good = String::from_utf8_lossy(&out.stdout)
                .lines()
                .filter(|l| *l == "G")
                .count();
            let stock = secs(t.elapsed());
            println!(
                "stock `git log --format=%G?` over the same history: {stock:.2}s ({good} good signatures); dossier's first open is {:.1}x faster",
                stock / all
            );
        }
        _ => println!("(install git for the stock `git log --show-signature` baseline)"),
    }
}
