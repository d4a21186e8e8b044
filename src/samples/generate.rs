//! A vault generator: many realistic, synthetic cases in one signed commit,
//! for benchmarks (DESIGN §11) and tests of large vaults. The names are
//! drawn from small invented lists; nothing here is real data.
//!
//! Cases are owned by the acting person and readable by `readers` (which
//! must be valid: recipients are resolved and checked as for any case).
//! Encryption runs on all cores; the files are written as one pack, then
//! committed by id (so the ciphertexts are held in memory once: about
//! 40 MB for 10,000 cases).

use chrono::{Duration, Utc};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rayon::prelude::*;

use crate::case::record::{Client, Deadline, Party};
use crate::case::{AccessEntry, AccessList, CaseId, CaseRecord, Sensitivity, Status};
use crate::crypto;
use crate::error::Result;
use crate::keys::identity::Session;
use crate::keys::signature::{self, DOCUMENT_NAMESPACE};
use crate::repo::store::{Change, CommitMessage};
use crate::trust::policy;
use crate::vault::Vault;

const GIVEN: &[&str] = &[
    "Amara", "Tomasz", "Leila", "Yusuf", "Ines", "Kofi", "Mei", "Dmitri", "Zainab", "Lucas",
    "Fatima", "Arjun", "Sofia", "Emeka", "Hana",
];
const FAMILY: &[&str] = &[
    "Haddad",
    "Kowalski",
    "Nguyen",
    "Abara",
    "Moreau",
    "Petrov",
    "Silva",
    "Rahimi",
    "Osei",
    "Lindqvist",
    "Mwangi",
    "Tanaka",
    "Duarte",
    "Farouk",
    "Novak",
];
const MATTERS: &[&str] = &[
    "Asylum appeal",
    "Family reunion application",
    "Mutual legal assistance request",
    "Statelessness determination",
    "Judicial review of detention",
    "Trafficking victim referral",
    "Extradition hearing",
    "Visa refusal appeal",
];
const ROLES: &[&str] = &["witness", "sponsor", "opponent", "interpreter", "expert"];

/// Creates `count` synthetic cases in one commit; returns their ids.
/// `seed` makes the content reproducible (ids stay random).
pub fn cases(
    vault: &Vault,
    session: &Session,
    count: usize,
    readers: &[AccessEntry],
    seed: u64,
) -> Result<Vec<CaseId>> {
    let lock = vault.lock()?;
    let me = session.fingerprint();
    let key = session.signer()?;
    let mut planned = Vec::with_capacity(count);
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    for _ in 0..count {
        let id = CaseId::random();
        let mut list = AccessList::new(id.clone(), me);
        for r in readers {
            list.grant(r.clone());
        }
        let recipients = policy::recipients(vault, &list)?;
        let record = synthetic_record(&mut rng, &id);
        planned.push((id, list, recipients, record));
    }
    let encrypted: Vec<Result<Vec<File>>> = planned
        .par_iter()
        .map(|(id, list, recipients, record)| {
            let text = record.to_yaml()?;
            let access = list.to_yaml()?;
            let sig = signature::sign(key, DOCUMENT_NAMESPACE, access.as_bytes())?;
            let rel = crate::vault::layout::access_path(id);
            Ok(vec![
                (
                    crate::ops::cases::record_path(id),
                    crypto::encrypt(text.as_bytes(), recipients)?,
                ),
                (format!("{rel}.sig"), sig.into_bytes()),
                (rel, access.into_bytes()),
            ])
        })
        .collect();
    // Every file goes into the object store as one pack, not one loose
    // object each; the commit then names the blobs.
    let mut paths = Vec::with_capacity(count * 3);
    let mut blobs = Vec::with_capacity(count * 3);
    for files in encrypted {
        for (path, bytes) in files? {
            paths.push(path);
            blobs.push(bytes);
        }
    }
    let ids = crate::repo::packed::write_blobs(vault.repo(), &blobs)?;
    drop(blobs);
    let changes: Vec<Change> = paths
        .into_iter()
        .zip(ids)
        .map(|(path, id)| Change::blob(path, id))
        .collect();
    vault.commit(
        &lock,
        session,
        &CommitMessage::for_vault("generate", me),
        &changes,
    )?;
    Ok(planned.into_iter().map(|(id, ..)| id).collect())
}

/// A file of a generated case: its path and bytes.
type File = (String, Vec<u8>);

fn pick<'a>(rng: &mut impl Rng, from: &[&'a str]) -> &'a str {
    from.choose(rng).copied().unwrap_or("")
}

fn synthetic_record(rng: &mut impl Rng, id: &CaseId) -> CaseRecord {
    let today = Utc::now().date_naive();
    let name = |rng: &mut _| format!("{} {}", pick(rng, GIVEN), pick(rng, FAMILY));
    let parties = (0..rng.gen_range(1..4))
        .map(|_| Party {
            id: crate::case::id::item_id(),
            name: name(rng),
            role: pick(rng, ROLES).into(),
            extra: Default::default(),
        })
        .collect();
    let deadlines = (0..rng.gen_range(0..3))
        .map(|_| Deadline {
            id: crate::case::id::item_id(),
            date: today + Duration::days(rng.gen_range(-30..120)),
            what: "File submissions".into(),
            done: rng.gen_bool(0.3),
            extra: Default::default(),
        })
        .collect();
    let mut record = CaseRecord::default();
    record.reference = format!("GEN-{}", &id.to_string()[..6]);
    record.title = pick(rng, MATTERS).into();
    record.status = *[Status::Open, Status::Open, Status::Pending, Status::Closed]
        .choose(rng)
        .unwrap_or(&Status::Open);
    record.sensitivity = *[
        Sensitivity::Standard,
        Sensitivity::Confidential,
        Sensitivity::Restricted,
    ]
    .choose(rng)
    .unwrap_or(&Sensitivity::Standard);
    record.opened = Some(today - Duration::days(rng.gen_range(1..900)));
    record.client = Client {
        name: name(rng),
        nationality: Some(
            pick(
                rng,
                &["Eritrean", "Syrian", "Afghan", "Polish", "Brazilian"],
            )
            .into(),
        ),
        ..Default::default()
    };
    record.parties = parties;
    record.deadlines = deadlines;
    record.tags = vec!["generated".into()];
    record
}
