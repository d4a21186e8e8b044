//! Entry points for coverage-guided fuzzing (`fuzz/`, run with `cargo
//! fuzz`) and for the plain test that replays the committed corpus on the
//! stable toolchain (`tests/integration/fuzz_corpus.rs`).
//!
//! Each target takes arbitrary bytes and must never panic. Where an input
//! parses, it also checks a property the rest of dossier relies on (a
//! record written back parses to the same record; a merge of a version
//! with itself is that version), so a fuzzer finds wrong answers as well
//! as crashes. Signed documents are signed with a valid key of a fixture
//! keyring first, so the fuzzer reaches the code behind the signature
//! check rather than stopping at it.
//!
//! Never for real use: the fixtures hold throwaway keys.

use std::cell::RefCell;
use std::path::Path;
use std::sync::OnceLock;

use chrono::{TimeZone, Utc};

use crate::case::merge::{merge_records, Side};
use crate::case::record::CaseRecord;
use crate::case::{AccessList, CaseId};
use crate::keys::binding::Binding;
use crate::keys::fingerprint::Fingerprint;
use crate::keys::signature::{self, GIT_NAMESPACE};
use crate::samples::testkit::{MemFiles, TestKey};
use crate::vault::keyring::Keyring;

/// A fuzz target: arbitrary bytes in, a panic only for a finding.
pub type Target = fn(&[u8]);

/// Every target, by name: what `fuzz/fuzz_targets/<name>.rs` calls and
/// `fuzz/corpus/<name>/` feeds.
pub const TARGETS: &[(&str, Target)] = &[
    ("case_record", case_record),
    ("access_list", access_list),
    ("groups", groups),
    ("vault_config", vault_config),
    ("key_card", key_card),
    ("binding", binding),
    ("sshsig", sshsig),
    ("age_open", age_open),
    ("record_merge", record_merge),
    ("incoming_tree", incoming_tree),
    ("known_hosts", known_hosts),
    ("bundle", bundle),
];

fn fixture_case() -> CaseId {
    "7K2M9QX4AB".parse().expect("a valid case id")
}

/// The case record parser; a record that parses is written back and must
/// parse to the same record.
pub fn case_record(data: &[u8]) {
    let Ok(record) = CaseRecord::parse(data, "fuzz") else {
        return;
    };
    let text = record.to_yaml().expect("a parsed record renders");
    let again = CaseRecord::parse(text.as_bytes(), "fuzz").expect("a rendered record parses");
    assert!(again == record, "a record changed on its way back");
}

/// The access-list parser, with the same round trip.
pub fn access_list(data: &[u8]) {
    let id = fixture_case();
    let Ok(list) = AccessList::parse(data, &id) else {
        return;
    };
    let text = list.to_yaml().expect("a parsed list renders");
    let again = AccessList::parse(text.as_bytes(), &id).expect("a rendered list parses");
    assert_eq!(again, list, "an access list changed on its way back");
}

/// A root key and a keyring holding it, certified (signed documents are
/// signed with it so parsing goes past the signature).
struct Ring {
    root: TestKey,
    files: MemFiles,
    keyring: Keyring,
}

fn ring() -> &'static Ring {
    static RING: OnceLock<Ring> = OnceLock::new();
    RING.get_or_init(|| {
        let created = Utc
            .with_ymd_and_hms(2026, 1, 1, 0, 0, 0)
            .single()
            .unwrap_or_default();
        let root = TestKey::new("Root", created).expect("a test key");
        let mut files = MemFiles::default();
        root.add_to(&mut files, None).expect("card");
        let keyring = Keyring::load_from(&files, &[root.fp], &[]).expect("keyring");
        Ring {
            root,
            files,
            keyring,
        }
    })
}

/// `groups.yaml`, signed by the root administrator.
pub fn groups(data: &[u8]) {
    let r = ring();
    let mut files = r.files.clone();
    files.put(crate::vault::groups::GROUPS_PATH, data.to_vec());
    if let Ok(sig) = r.root.sign(data) {
        files.put(format!("{}.sig", crate::vault::groups::GROUPS_PATH), sig);
    }
    let _ = crate::vault::groups::Groups::load_from(&files, &r.keyring);
}

/// `vault.yaml`, signed by the root.
pub fn vault_config(data: &[u8]) {
    let r = ring();
    let mut files = r.files.clone();
    files.put(crate::vault::CONFIG_PATH, data.to_vec());
    if let Ok(sig) = r.root.sign(data) {
        files.put(format!("{}.sig", crate::vault::CONFIG_PATH), sig);
    }
    let _ = crate::vault::load_config_from(&files);
}

/// A key card: parsed, then its self-signature checked.
pub fn key_card(data: &[u8]) {
    if let Ok(card) = crate::keys::card::KeyCard::parse(data, "fuzz") {
        let _ = card.check();
        let _ = card.fingerprint();
    }
}

/// A binding, signed by the key it binds.
pub fn binding(data: &[u8]) {
    let r = ring();
    let sig = r.root.sign(data).ok();
    let _ = Binding::verify(
        data,
        sig.as_ref().map(String::as_bytes),
        &r.root.fp,
        r.root.card.created,
        "fuzz",
    );
}

/// SSHSIG armor, as found in a `.sig` file or a commit's `gpgsig`.
pub fn sshsig(data: &[u8]) {
    let _ = signature::verify(data, GIT_NAMESPACE, b"a message");
    let _ = signature::verify(data, signature::DOCUMENT_NAMESPACE, data);
}

/// Opening an age file (binary or armored) with a person's key.
pub fn age_open(data: &[u8]) {
    static KEYS: OnceLock<crate::crypto::DecryptionKeys> = OnceLock::new();
    let keys = KEYS.get_or_init(|| {
        crate::crypto::DecryptionKeys::new(vec![age::x25519::Identity::generate()])
            .expect("one key")
    });
    let _ = crate::crypto::decrypt(data, keys, Path::new("fuzz.age"));
}

/// The three-way record merge: the input is three records separated by a
/// line `---8<---`. Merging a version with itself gives it, unchanged and
/// without a conflict; the merge never fails on records that parse.
pub fn record_merge(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let parts: Vec<&str> = text.splitn(3, "\n---8<---\n").collect();
    let [base, ours, theirs] = parts.as_slice() else {
        return;
    };
    let parse = |t: &str| CaseRecord::parse(t.as_bytes(), "fuzz").ok();
    let (Some(ours), Some(theirs)) = (parse(ours), parse(theirs)) else {
        return;
    };
    let base = parse(base);
    let none = |_: &str| None;
    let same =
        merge_records(base.as_ref(), &ours, &ours, &none).expect("merging a record with itself");
    assert!(same.conflicts.is_empty(), "a record conflicts with itself");
    assert!(
        same.merged == ours,
        "merging a record with itself changed it"
    );
    let merged = merge_records(base.as_ref(), &ours, &theirs, &none).expect("a merge of records");
    let flipped = merge_records(base.as_ref(), &theirs, &ours, &none).expect("a merge of records");
    assert_eq!(
        merged.conflicts.len(),
        flipped.conflicts.len(),
        "the sides of a merge disagree on its conflicts"
    );
    let keep = |_: &str| Some(Side::Ours);
    let _ = merge_records(base.as_ref(), &ours, &theirs, &keep);
}

/// A real vault (its root, Ada, holds the signing key) to build hostile
/// commits on.
struct Repo {
    _dir: tempfile::TempDir,
    repo: git2::Repository,
    head: git2::Oid,
    keyring: Keyring,
    key: ssh_key::PrivateKey,
    actor: Fingerprint,
}

thread_local! {
    static REPO: RefCell<Option<Repo>> = const { RefCell::new(None) };
}

fn with_repo(work: impl FnOnce(&Repo)) {
    REPO.with(|cell| {
        let mut slot = cell.borrow_mut();
        if slot.is_none() {
            *slot = fixture_repo();
        }
        if let Some(repo) = slot.as_ref() {
            work(repo);
        }
    });
}

fn fixture_repo() -> Option<Repo> {
    let dir = tempfile::tempdir().ok()?;
    let ada = crate::samples::testkit::person_at(&dir.path().join("home"), "Ada", "ada@x.example")
        .ok()?;
    let vault =
        crate::samples::testkit::founded_vault(&dir.path().join("vault"), "F", &ada).ok()?;
    let head = vault.repo().head().ok()?.target()?;
    let keyring = vault.keyring().clone();
    let repo = git2::Repository::open(vault.root()).ok()?;
    Some(Repo {
        key: ada.signing_key().ok()?.clone(),
        actor: ada.fingerprint(),
        _dir: dir,
        repo,
        head,
        keyring,
    })
}

/// Incoming-history verification of a commit built from the input on a
/// real vault's tip: the input is `path NUL content NUL …` (an empty
/// content removes the path), the first path byte `!` leaves the commit
/// unsigned, and the commit carries dossier's trailers as the root. A
/// refusal is the expected answer; a panic or a crash is a finding.
pub fn incoming_tree(data: &[u8]) {
    with_repo(|r| {
        let unsigned = data.first() == Some(&b'!');
        let data = if unsigned { &data[1..] } else { data };
        let mut parts = data.split(|b| *b == 0);
        let mut changes: Vec<(String, Option<Vec<u8>>)> = Vec::new();
        while let (Some(path), Some(content)) = (parts.next(), parts.next()) {
            let Ok(path) = std::str::from_utf8(path) else {
                return;
            };
            if path.is_empty() || changes.len() >= 16 {
                return;
            }
            let content = (!content.is_empty()).then(|| content.to_vec());
            changes.push((path.to_string(), content));
        }
        let borrowed: Vec<(&str, Option<&[u8]>)> = changes
            .iter()
            .map(|(p, c)| (p.as_str(), c.as_deref()))
            .collect();
        let message = format!(
            "edit vault\n\nDossier-Action: edit\nDossier-Actor: {}\n",
            r.actor
        );
        let key = (!unsigned).then_some(&r.key);
        let Ok(commit) =
            crate::samples::testkit::forged_commit(&r.repo, key, r.head, &borrowed, &message)
        else {
            return;
        };
        let _ = crate::trust::incoming::verify(&r.repo, Some(&r.keyring), &[r.head], commit);
    });
}

/// One `known_hosts` file, then a host's key judged against it.
pub fn known_hosts(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let hosts = crate::sync::known_hosts::KnownHosts::parse(&text, Path::new("known_hosts"));
    let _ = hosts.check("[127.0.0.1]:2222", data);
    let _ = hosts.check("git.example", b"\x00\x00\x00\x0bssh-ed25519");
}

/// A bundle file: its header read, then its objects unpacked into an
/// empty repository.
pub fn bundle(data: &[u8]) {
    thread_local! {
        static EMPTY: RefCell<Option<(tempfile::TempDir, git2::Repository)>> =
            const { RefCell::new(None) };
    }
    EMPTY.with(|cell| {
        let mut slot = cell.borrow_mut();
        if slot.is_none() {
            *slot = tempfile::tempdir().ok().and_then(|d| {
                let repo = git2::Repository::init_bare(d.path().join("r.git")).ok()?;
                Some((d, repo))
            });
        }
        if let Some((_, repo)) = slot.as_ref() {
            let mut reader = data;
            let size = data.len() as u64;
            let _ =
                crate::sync::bundle::unpack_from(repo, &mut reader, size, Path::new("fuzz.bundle"));
        }
    });
}
