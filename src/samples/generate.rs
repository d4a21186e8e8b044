//! A vault generator: many realistic, synthetic cases in one signed commit,
//! for benchmarks (DESIGN §11) and tests of large vaults. The names are
//! drawn from small invented lists; nothing here is real data.
//!
//! Cases are owned by the acting person and readable by `readers` (which
//! must be valid: recipients are resolved and checked as for any case).
//! Their shape is a [`Workload`]: [`Workload::SMALL`] (records of about
//! 320 bytes, no notes: quick vaults for tests and the demo) or
//! [`Workload::FIRM`] (DESIGN §11's firm: records of about 1.8 KB and a
//! few notes each, for the benchmarks).
//! Encryption runs on all cores; the files are written as one pack, then
//! committed by id (so the ciphertexts are held in memory once: about
//! 40 MB for 10,000 cases).

use chrono::{Duration, Utc};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rayon::prelude::*;

use crate::case::record::{Client, Consent, Contact, Deadline, Identifier, Party};
use crate::case::{AccessEntry, AccessList, CaseId, CaseRecord, Note, Sensitivity, Status};
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

/// The shape of the generated cases.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Workload {
    /// Records with aliases, identifiers, contact details, jurisdictions
    /// consents and more parties and deadlines (about 1.8 KB as YAML, DESIGN
    /// §11's "~2 KB") rather than the
    /// few fields of a small record (about 320 bytes).
    pub rich_records: bool,
    /// The most notes a case gets; each gets between none and this many,
    /// evenly (a few hundred bytes each).
    pub max_notes: usize,
}

impl Workload {
    /// Small records and no notes.
    pub const SMALL: Workload = Workload {
        rich_records: false,
        max_notes: 0,
    };
    /// DESIGN §11's firm: records of about 1.8 KB and 0 to 4 notes a case
    /// (2 on average).
    pub const FIRM: Workload = Workload {
        rich_records: true,
        max_notes: 4,
    };
}

/// Creates `count` synthetic cases of [`Workload::SMALL`] in one commit;
/// returns their ids. `seed` makes the content reproducible (ids stay
/// random).
pub fn cases(
    vault: &Vault,
    session: &Session,
    count: usize,
    readers: &[AccessEntry],
    seed: u64,
) -> Result<Vec<CaseId>> {
    cases_of(vault, session, count, readers, seed, Workload::SMALL)
}

/// Creates `count` synthetic cases of `workload` in one commit; returns
/// their ids.
pub fn cases_of(
    vault: &Vault,
    session: &Session,
    count: usize,
    readers: &[AccessEntry],
    seed: u64,
    workload: Workload,
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
        let mut record = synthetic_record(&mut rng, &id);
        if workload.rich_records {
            enrich(&mut rng, &mut record);
        }
        let notes: Vec<String> = (0..rng.gen_range(0..=workload.max_notes))
            .map(|_| synthetic_note(&mut rng))
            .collect();
        planned.push((id, list, recipients, record, notes));
    }
    let now = Utc::now();
    let encrypted: Vec<Result<Vec<File>>> = planned
        .par_iter()
        .map(|(id, list, recipients, record, notes)| {
            let text = record.to_yaml()?;
            let access = list.to_yaml()?;
            let sig = signature::sign(key, DOCUMENT_NAMESPACE, access.as_bytes())?;
            let rel = crate::vault::layout::access_path(id);
            let mut files = vec![
                (
                    crate::ops::cases::record_path(id),
                    crypto::encrypt(text.as_bytes(), recipients)?,
                ),
                (format!("{rel}.sig"), sig.into_bytes()),
                (rel, access.into_bytes()),
            ];
            for (days_ago, note) in notes.iter().enumerate() {
                let created = now - Duration::days(days_ago as i64 + 1);
                let plain = Note::plaintext(me, created, note)?;
                files.push((
                    crate::ops::cases::note_path(id, &Note::file_name(created)),
                    crypto::encrypt(&plain, recipients)?,
                ));
            }
            Ok(files)
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

const SENTENCES: &[&str] = &[
    "Called the client to confirm the hearing date; an interpreter is booked.",
    "The tribunal asked for the country expert's report by the end of the month.",
    "Received the sponsor's bank statements; two months are still missing.",
    "Met the witness at the office; the statement needs a second reading.",
    "The Home Office replied and refused to extend the time limit.",
    "Chased the medical report again; the clinic promised it within ten days.",
    "Counsel advised that the new evidence justifies a fresh claim.",
    "Filed the bundle electronically and sent a copy to the other side.",
    "The client reported a change of address; the file is updated.",
    "Requested the detention records under the data protection rules.",
];

/// A note of a few sentences.
fn synthetic_note(rng: &mut impl Rng) -> String {
    (0..rng.gen_range(3..7))
        .map(|_| pick(rng, SENTENCES))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Adds to `record` what a working file holds: aliases, a date of birth,
/// identity documents, contact details, jurisdictions, consents, and more
/// parties and deadlines.
fn enrich(rng: &mut impl Rng, record: &mut CaseRecord) {
    let today = Utc::now().date_naive();
    let name = |rng: &mut _| format!("{} {}", pick(rng, GIVEN), pick(rng, FAMILY));
    record.practice_area = Some(pick(rng, &["immigration", "asylum", "extradition", "mla"]).into());
    record.jurisdictions = vec![
        "England and Wales".into(),
        pick(rng, &["EU", "UN", "CoE"]).into(),
    ];
    record.client.aliases = (0..rng.gen_range(1..3)).map(|_| name(rng)).collect();
    record.client.date_of_birth = Some(today - Duration::days(rng.gen_range(6_000..25_000)));
    record.client.identifiers = vec![
        Identifier {
            kind: "passport".into(),
            value: format!("P{:08}", rng.gen_range(0..100_000_000u32)),
            extra: Default::default(),
        },
        Identifier {
            kind: "home office reference".into(),
            value: format!(
                "HO/{:06}/{}",
                rng.gen_range(0..1_000_000u32),
                rng.gen_range(2019..2027)
            ),
            extra: Default::default(),
        },
        Identifier {
            kind: "national insurance number".into(),
            value: format!("QQ{:06}C", rng.gen_range(0..1_000_000u32)),
            extra: Default::default(),
        },
    ];
    record.client.contact = Contact {
        email: Some(format!(
            "client{}@mail.example",
            rng.gen_range(0..100_000u32)
        )),
        phone: Some(format!(
            "+44 7{:03} {:06}",
            rng.gen_range(0..1000u32),
            rng.gen_range(0..1_000_000u32)
        )),
        address: Some(format!(
            "{} {} Street, Flat {}, London E{} {}AB",
            rng.gen_range(1..300u32),
            pick(rng, FAMILY),
            rng.gen_range(1..40u32),
            rng.gen_range(1..20u32),
            rng.gen_range(1..9u32)
        )),
        extra: Default::default(),
    };
    for _ in 0..rng.gen_range(5..9) {
        record.parties.push(Party {
            id: crate::case::id::item_id(),
            name: name(rng),
            role: pick(rng, ROLES).into(),
            extra: Default::default(),
        });
    }
    for what in [
        "Serve the witness statements",
        "Lodge the appeal bundle",
        "Reply to the tribunal's directions",
    ] {
        if rng.gen_bool(0.6) {
            record.deadlines.push(Deadline {
                id: crate::case::id::item_id(),
                date: today + Duration::days(rng.gen_range(-30..180)),
                what: what.into(),
                done: rng.gen_bool(0.3),
                extra: Default::default(),
            });
        }
    }
    let scopes = [
        "Sharing the medical report with the tribunal and the Home Office",
        "Contacting the client's former employer about the dates of employment",
        "Passing the country evidence to the expert instructed on the appeal",
        "Obtaining the records of the reception centre and the local authority",
    ];
    for scope in scopes.iter().take(rng.gen_range(2..5)) {
        let date = today - Duration::days(rng.gen_range(1..400));
        record.consents.push(Consent {
            id: crate::case::id::item_id(),
            date,
            given_by: record.client.name.clone(),
            scope: (*scope).into(),
            expiry: Some(date + Duration::days(365)),
            ..Default::default()
        });
    }
    record.tags.extend([
        "legal aid".to_string(),
        pick(rng, &["urgent", "vulnerable", "detained"]).into(),
    ]);
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::cases;
    use crate::samples::testkit;

    #[test]
    fn a_firm_workload_has_records_of_about_two_kilobytes_and_a_few_notes_each() {
        let dir = tempfile::tempdir().unwrap();
        let (ada, vault) = testkit::owner_and_vault(dir.path());
        let ids = cases_of(&vault, &ada, 40, &[], 3, Workload::FIRM).unwrap();
        let mut record_bytes = 0;
        let mut notes = 0;
        let keys = ada.decryption_keys().unwrap();
        for id in &ids {
            let record = cases::read_record(&vault, &ada, id).unwrap();
            record_bytes += record.to_yaml().unwrap().len();
            let names = vault.note_files(id).unwrap();
            let read = cases::read_notes(vault.root(), keys, id, &names).unwrap();
            assert!(
                read.iter().all(|n| n.text.len() > 100),
                "a note of a few sentences"
            );
            notes += read.len();
        }
        let mean = record_bytes / ids.len();
        println!("synthetic: records of {mean} bytes on average, {notes} notes for 40 cases");
        assert!(
            (1500..3000).contains(&mean),
            "a record of {mean} bytes on average"
        );
        // 0 to 4 notes each, 2 on average: 40 cases make some 80.
        assert!((40..=120).contains(&notes), "{notes} notes");

        let small = cases(&vault, &ada, 10, &[], 3).unwrap();
        let small_bytes: usize = small
            .iter()
            .map(|id| {
                cases::read_record(&vault, &ada, id)
                    .unwrap()
                    .to_yaml()
                    .unwrap()
                    .len()
            })
            .sum();
        assert!(
            small_bytes / small.len() < 700,
            "the small records stay small"
        );
        assert!(small
            .iter()
            .all(|id| vault.note_files(id).unwrap().is_empty()));
    }
}
