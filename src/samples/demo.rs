//! A demo vault with realistic, entirely fictional sample cases.
//!
//! Three staff (Ada, the root administrator; Ben; Chidi), a group, cases with
//! parties, deadlines, consents, disclosures and notes, one protected
//! identity, and cases Ada cannot read. Everything is created through the
//! same library calls the CLI uses, so the demo is also a smoke test. By
//! default it lives in a fresh temporary directory.

use std::path::{Path, PathBuf};

use chrono::{Duration, Utc};
use secrecy::SecretString;

use crate::case::record::{Consent, Deadline, Disclosure, Identifier, Party};
use crate::case::{AccessEntry, CaseRecord, Sensitivity, Status};
use crate::error::{Error, Result};
use crate::keys::identity::{self, GenerateOptions, Home, Identity, Session};
use crate::ops::{admin, cases};
use crate::support::secret::FixedPassphrase;

/// The demo identities' passphrase (printed by `dossier demo`).
pub const PASSPHRASE: &str = "demo";

/// A created demo.
#[derive(Debug, Clone)]
pub struct Demo {
    /// The directory holding everything.
    pub root: PathBuf,
    /// Ada's identity home (the one the demo opens with).
    pub home: PathBuf,
    /// The vault.
    pub vault: PathBuf,
}

impl Demo {
    /// A session as Ada.
    pub fn session(&self) -> Result<Session> {
        session_for(&Home::new(&self.home))
    }
}

fn session_for(home: &Home) -> Result<Session> {
    Ok(Session::new(
        Identity::load(home)?,
        Box::new(FixedPassphrase::new(SecretString::from(
            PASSPHRASE.to_string(),
        ))),
    ))
}

/// Creates the demo in `dir` (new or empty), or in a new temporary directory.
pub fn create(dir: Option<&Path>) -> Result<Demo> {
    let root = match dir {
        Some(d) => d.to_path_buf(),
        None => tempfile::Builder::new()
            .prefix("dossier-demo-")
            .tempdir()
            .map_err(Error::io(
                "create a temporary directory in",
                std::env::temp_dir(),
            ))?
            .keep(),
    };
    let person = |name: &str, email: &str, dir: &str| -> Result<Session> {
        let home = Home::new(root.join("homes").join(dir));
        identity::generate(
            &home,
            GenerateOptions {
                name: name.into(),
                email: email.into(),
                passphrase: Some(SecretString::from(PASSPHRASE.to_string())),
                expires: None,
                scrypt_log_n: 12,
            },
        )?;
        session_for(&home)
    };
    let ada = person("Ada Osei", "ada@osei-legal.example", "ada")?;
    let ben = person("Ben Okafor", "ben@osei-legal.example", "ben")?;
    let chidi = person("Chidi Mensah", "chidi@osei-legal.example", "chidi")?;

    let vault_dir = root.join("vault");
    let mut vault = admin::init(&vault_dir, "Osei Legal (demo)", &ada)?;
    for colleague in [&ben, &chidi] {
        let card = colleague.identity().card().to_yaml()?;
        let fp = admin::import_card(&vault, &ada, card.as_bytes())?;
        vault.reload()?;
        admin::certify(&vault, &ada, &fp)?;
        vault.reload()?;
    }
    admin::set_group(
        &vault,
        &ada,
        "immigration",
        &[ada.fingerprint(), chidi.fingerprint()],
        &|_| {},
    )?;
    vault.reload()?;

    let today = Utc::now().date_naive();
    for (i, sample) in samples().into_iter().enumerate() {
        // A restricted case is read by named people only (never a group).
        let team = if sample.sensitivity == Sensitivity::Restricted {
            AccessEntry::Key(chidi.fingerprint())
        } else {
            AccessEntry::Group("immigration".into())
        };
        let (author, grants) = match i % 4 {
            0 | 1 => (&ada, vec![team]),
            2 => (&ada, vec![AccessEntry::Key(ben.fingerprint())]),
            _ => (&ben, vec![]),
        };
        let id = cases::create(
            &vault,
            author,
            cases::NewCase {
                title: sample.title.into(),
                client: Some(sample.client.into()),
                reference: Some(format!("OL-2026-{:03}", 101 + i)),
                grants,
                pseudonym: sample.pseudonym.map(String::from),
                conflict_check: None,
            },
        )?;
        let mut record: CaseRecord = cases::read_record(&vault, author, &id)?;
        record.practice_area = Some(sample.area.into());
        record.jurisdictions = vec![sample.jurisdiction.into()];
        record.sensitivity = sample.sensitivity;
        record.status = sample.status;
        record.opened = Some(today - Duration::days(30 + 17 * i as i64));
        record.client.nationality = Some(sample.nationality.into());
        record.client.identifiers = vec![Identifier {
            kind: "file".into(),
            value: format!("HO-{}-{}", 4000 + i * 37, 10 + i),
            extra: Default::default(),
        }];
        record.parties = sample
            .parties
            .iter()
            .map(|(name, role)| Party {
                id: crate::case::id::item_id(),
                name: (*name).into(),
                role: (*role).into(),
                extra: Default::default(),
            })
            .collect();
        record.deadlines = vec![Deadline {
            id: crate::case::id::item_id(),
            date: today + Duration::days(5 + 9 * i as i64),
            what: sample.deadline.into(),
            done: false,
            extra: Default::default(),
        }];
        record.consents = vec![Consent {
            id: crate::case::id::item_id(),
            date: today - Duration::days(20),
            given_by: sample.client.into(),
            scope: "Share medical evidence with the expert witness".into(),
            expiry: Some(today + Duration::days(365)),
            ..Default::default()
        }];
        if i % 3 == 0 {
            record.disclosures = vec![Disclosure {
                id: crate::case::id::item_id(),
                date: today - Duration::days(3),
                to: "First-tier Tribunal".into(),
                legal_basis: "court order".into(),
                scope: "Witness statement and translation".into(),
                authorised_by: "Ada Osei".into(),
                reference: Some(format!("FtT/{}/2026", 3100 + i)),
                ..Default::default()
            }];
        }
        record.tags = sample.tags.iter().map(|t| t.to_string()).collect();
        cases::replace_record(&vault, author, &id, record)?;
        cases::add_note(&vault, author, &id, sample.note)?;
    }
    Ok(Demo {
        home: root.join("homes/ada"),
        vault: vault_dir,
        root,
    })
}

struct Sample {
    title: &'static str,
    client: &'static str,
    pseudonym: Option<&'static str>,
    area: &'static str,
    jurisdiction: &'static str,
    nationality: &'static str,
    sensitivity: Sensitivity,
    status: Status,
    parties: &'static [(&'static str, &'static str)],
    deadline: &'static str,
    note: &'static str,
    tags: &'static [&'static str],
}

fn samples() -> Vec<Sample> {
    vec![
        Sample {
            title: "Asylum appeal after refusal",
            client: "Miriam Tesfaye",
            pseudonym: Some("Client MT-7"),
            area: "asylum",
            jurisdiction: "UK",
            nationality: "Eritrean",
            sensitivity: Sensitivity::Restricted,
            status: Status::Open,
            parties: &[("Home Office", "respondent"), ("Dr. L. Haddad", "expert witness")],
            deadline: "Lodge appeal bundle",
            note: "Client describes detention in 2023; request medical report before the hearing.",
            tags: &["appeal", "vulnerable"],
        },
        Sample {
            title: "Family reunion visa",
            client: "Yusuf Abdi",
            pseudonym: None,
            area: "immigration",
            jurisdiction: "UK",
            nationality: "Somali",
            sensitivity: Sensitivity::Confidential,
            status: Status::Pending,
            parties: &[("Amina Abdi", "sponsor")],
            deadline: "Submit DNA evidence",
            note: "Sponsor's tenancy agreement received; awaiting translation of birth certificates.",
            tags: &["visa"],
        },
        Sample {
            title: "Mutual legal assistance request",
            client: "Procura Regional (requesting authority)",
            pseudonym: None,
            area: "mutual legal assistance",
            jurisdiction: "PT",
            nationality: "Portuguese",
            sensitivity: Sensitivity::Restricted,
            status: Status::Open,
            parties: &[("Central Authority", "receiving authority")],
            deadline: "Respond to request for bank records",
            note: "Scope of the request is broader than the treaty allows; query paragraph 4 before complying.",
            tags: &["mla", "treaty"],
        },
        Sample {
            title: "Employment tribunal claim",
            client: "Grace Achieng",
            pseudonym: None,
            area: "employment",
            jurisdiction: "UK",
            nationality: "Kenyan",
            sensitivity: Sensitivity::Standard,
            status: Status::Open,
            parties: &[("Harbour Logistics Ltd", "respondent")],
            deadline: "Exchange witness statements",
            note: "ACAS early conciliation certificate obtained.",
            tags: &["tribunal"],
        },
        Sample {
            title: "Statelessness determination",
            client: "Leyla Karimi",
            pseudonym: Some("Client LK-2"),
            area: "nationality",
            jurisdiction: "UK",
            nationality: "none recorded",
            sensitivity: Sensitivity::Confidential,
            status: Status::Open,
            parties: &[("Embassy liaison", "witness")],
            deadline: "Request embassy confirmation",
            note: "Two embassies declined to confirm nationality in writing; keep the refusals on file.",
            tags: &["stateless"],
        },
        Sample {
            title: "Trafficking victim referral",
            client: "Ana Popescu",
            pseudonym: Some("Client AP-9"),
            area: "human trafficking",
            jurisdiction: "UK",
            nationality: "Romanian",
            sensitivity: Sensitivity::Restricted,
            status: Status::Open,
            parties: &[("Single Competent Authority", "decision maker")],
            deadline: "Reasonable grounds decision expected",
            note: "Safe-house address must never be written in this file.",
            tags: &["nrm", "safeguarding"],
        },
        Sample {
            title: "Judicial review of detention",
            client: "Samuel Osei-Bonsu",
            pseudonym: None,
            area: "public law",
            jurisdiction: "UK",
            nationality: "Ghanaian",
            sensitivity: Sensitivity::Confidential,
            status: Status::Closed,
            parties: &[("Secretary of State", "defendant")],
            deadline: "Costs submissions",
            note: "Released on bail; claim settled with costs.",
            tags: &["jr"],
        },
        Sample {
            title: "Extradition defence",
            client: "Piotr Nowak",
            pseudonym: None,
            area: "extradition",
            jurisdiction: "PL",
            nationality: "Polish",
            sensitivity: Sensitivity::Restricted,
            status: Status::Open,
            parties: &[("Requesting state", "prosecution")],
            deadline: "Article 8 skeleton argument",
            note: "Prison conditions report requested from the expert.",
            tags: &["extradition"],
        },
    ]
}
