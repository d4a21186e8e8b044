//! Disclosure: client information leaves the firm only with a legal basis
//! from a closed list, only what was chosen, only to the one intended
//! recipient, and recorded on the case in the same signed commit
//! (DESIGN §7).
//!
//! The export is one age file encrypted to the external recipient's key
//! alone (`age1…` or `ssh-ed25519 …`; stock `age -d` opens it), holding a
//! cover sheet and exactly the chosen fields, documents and notes, with the
//! SHA-256 of each. Nothing decrypted touches disk: the export is built in
//! memory, encrypted, staged beside its destination, the disclosure is
//! committed, and only then is the export put in place (never over an
//! existing file). A failure after the commit says so: the record then
//! shows a disclosure that was authorised but whose file was not written.

use std::fmt;
use std::path::PathBuf;

use base64::Engine;
use chrono::NaiveDate;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::case::record::{Approved, Disclosure, DisclosureRequest, Enclosed, Sensitivity};
use crate::case::{CaseId, CaseRecord};
use crate::crypto;
use crate::error::{Error, Result};
use crate::keys::fingerprint::Fingerprint;
use crate::keys::identity::Session;
use crate::ops::cases;
use crate::ops::documents;
use crate::repo::lock::WriteLock;
use crate::repo::store::CommitMessage;
use crate::support::fsio::{Mode, Staged};
use crate::support::hex;
use crate::support::secret::Zeroizing;
use crate::support::yaml::{self, Value};
use crate::trust::policy;
use crate::vault::Vault;

mod register;
mod standing;

pub use register::{consents, register, ConsentRow, Consents, Register, RegisterRow};
pub use standing::{attention, consent_state, in_force, Attention, ConsentState, EXPIRING_DAYS};

/// The legal bases a disclosure may rest on: a closed list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LegalBasis {
    /// An order of a court or tribunal.
    CourtOrder,
    /// A duty imposed by statute (reporting, regulators).
    StatutoryDuty,
    /// The client's consent, current and covering what is disclosed.
    ClientConsent,
    /// A threat to someone's life or safety.
    PublicSafety,
    /// A request under a treaty or other instrument of mutual legal assistance.
    MutualLegalAssistance,
    /// The client waived legal professional privilege.
    PrivilegeWaived,
    /// Anything else, with a written justification.
    Other,
}

impl LegalBasis {
    /// Every basis, in the order the help lists them.
    pub const ALL: [LegalBasis; 7] = [
        LegalBasis::CourtOrder,
        LegalBasis::StatutoryDuty,
        LegalBasis::ClientConsent,
        LegalBasis::PublicSafety,
        LegalBasis::MutualLegalAssistance,
        LegalBasis::PrivilegeWaived,
        LegalBasis::Other,
    ];

    /// The basis as written on the command line and in the record.
    pub fn token(self) -> &'static str {
        match self {
            LegalBasis::CourtOrder => "court_order",
            LegalBasis::StatutoryDuty => "statutory_duty",
            LegalBasis::ClientConsent => "client_consent",
            LegalBasis::PublicSafety => "public_safety",
            LegalBasis::MutualLegalAssistance => "mutual_legal_assistance",
            LegalBasis::PrivilegeWaived => "legal_professional_privilege_waived",
            LegalBasis::Other => "other",
        }
    }

    /// What a disclosure on this basis needs besides the items and the
    /// recipient, in one phrase.
    pub fn requires(self) -> &'static str {
        match self {
            LegalBasis::CourtOrder => "the order's reference (--reference)",
            LegalBasis::StatutoryDuty => "nothing more",
            LegalBasis::ClientConsent => {
                "a consent on the case, current today, covering every item and the recipient"
            }
            LegalBasis::PublicSafety => "a second person's approval (four eyes)",
            LegalBasis::MutualLegalAssistance => {
                "the request's reference (--reference) and its instrument (--instrument)"
            }
            LegalBasis::PrivilegeWaived => "nothing more",
            LegalBasis::Other => "a written justification (--justification)",
        }
    }

    /// Reads a basis token; anything else is refused with the list.
    pub fn parse(text: &str) -> Result<LegalBasis> {
        LegalBasis::ALL
            .into_iter()
            .find(|b| b.token() == text.trim())
            .ok_or_else(|| Error::InvalidValue {
                field: "--basis".into(),
                reason: format!(
                    "the legal basis must be one of {}",
                    LegalBasis::ALL.map(|b| b.token()).join(", ")
                ),
            })
    }
}

impl fmt::Display for LegalBasis {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.token())
    }
}

/// What to disclose, to whom, on which basis.
#[derive(Debug, Clone)]
pub struct Request {
    /// The case.
    pub case: CaseId,
    /// The external recipient's public key.
    pub to: String,
    /// The legal basis.
    pub basis: LegalBasis,
    /// Field paths of the record (`client.name`, `title`).
    pub fields: Vec<String>,
    /// Document ids.
    pub documents: Vec<String>,
    /// Note file names.
    pub notes: Vec<String>,
    /// The order's or request's reference.
    pub reference: Option<String>,
    /// Where the recipient is (a country code).
    pub jurisdiction: Option<String>,
    /// The instrument of a mutual legal assistance.
    pub instrument: Option<String>,
    /// Why, for the basis `other`.
    pub justification: Option<String>,
    /// Where the export goes (a new file).
    pub out: PathBuf,
}

/// What a disclosure did.
#[derive(Debug, Clone)]
pub struct DisclosureReport {
    /// The case.
    pub case: CaseId,
    /// The export file.
    pub out: PathBuf,
    /// The basis.
    pub basis: LegalBasis,
    /// The recipient's key.
    pub to: String,
    /// What left, item by item.
    pub enclosed: Vec<Enclosed>,
    /// SHA-256 of the export file.
    pub export_sha256: String,
    /// The commit that recorded it.
    pub commit: git2::Oid,
}

impl fmt::Display for DisclosureReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Disclosed {} item(s) of case {} on the basis {} to {} only: {} (sha256 {}). The disclosure is recorded on the case.",
            self.enclosed.len(),
            self.case,
            self.basis,
            self.to,
            self.out.display(),
            self.export_sha256
        )
    }
}

/// The cover sheet at the head of an export.
#[derive(Serialize)]
struct Cover<'a> {
    case: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pseudonym: Option<&'a str>,
    basis: &'static str,
    date: NaiveDate,
    authorised_by: Authoriser<'a>,
    recipient: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    reference: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    jurisdiction: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    instrument: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    justification: Option<&'a str>,
    enclosed: &'a [Enclosed],
}

#[derive(Serialize)]
struct Authoriser<'a> {
    name: &'a str,
    email: &'a str,
    fingerprint: Fingerprint,
}

/// The export's plaintext (inside the age file only).
#[derive(Serialize)]
struct Export<'a> {
    dossier_disclosure: u32,
    cover: Cover<'a>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    fields: Vec<(String, Value)>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    documents: Vec<ExportedDocument>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    notes: Vec<ExportedNote>,
}

#[derive(Serialize)]
struct ExportedDocument {
    id: String,
    name: String,
    content_base64: String,
}

#[derive(Serialize)]
struct ExportedNote {
    file: String,
    created: chrono::DateTime<chrono::Utc>,
    text: String,
}

/// Makes the disclosure `request` describes: see the module documentation.
/// Every refusal comes before anything is written. A basis or a case that
/// needs a second person's approval is refused: see [`request_approval`].
pub fn disclose(vault: &Vault, session: &Session, request: &Request) -> Result<DisclosureReport> {
    let lock = vault.lock()?;
    let (readers, record) = readable_case(vault, session, &request.case)?;
    make(vault, &lock, session, request, None, readers, record)
}

/// The case a disclosure is made from, for someone who can read it: its
/// readers as policy approves them (the record is re-encrypted to them)
/// and its record, decrypted once.
fn readable_case(
    vault: &Vault,
    session: &Session,
    id: &CaseId,
) -> Result<(policy::Readers, CaseRecord)> {
    let (_, readers) = cases::writable(vault, session, id)?;
    Ok((readers, cases::read_record(vault, session, id)?))
}

/// A disclosure request recorded for a second person's approval.
#[derive(Debug, Clone)]
pub struct Pending {
    /// The case.
    pub case: CaseId,
    /// The request's id, for `--approve`.
    pub request: String,
    /// The commit that recorded it.
    pub commit: git2::Oid,
}

impl fmt::Display for Pending {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Recorded disclosure request {} on case {}; nothing has left the firm. An administrator other than you approves it with `dossier disclose {} --approve {} --out FILE`.",
            self.request, self.case, self.case, self.request
        )
    }
}

/// Records `request` on its case for a second person's approval (the
/// four-eyes rule of public safety and restricted cases), in one signed
/// commit; nothing is exported. Everything else the disclosure needs is
/// checked now, and again when it is approved.
pub fn request_approval(vault: &Vault, session: &Session, request: &Request) -> Result<Pending> {
    let id = &request.case;
    let lock = vault.lock()?;
    let (readers, mut record) = readable_case(vault, session, id)?;
    let recipient = policy::external_recipient(&request.to)?;
    let to = recipient.labels().next().cloned().unwrap_or_default();
    let today = chrono::Utc::now().date_naive();
    check_basis(&record, id, request, &to, today, true)?;
    // Checked by name only: nothing is decrypted until it is approved.
    choose(&record, &vault.note_files(id)?, request, today)?;
    let card = session.identity().card();
    let pending = DisclosureRequest {
        id: crate::case::id::item_id(),
        date: today,
        requested_by: format!("{} <{}> {}", card.name, card.email, session.fingerprint()),
        requested_by_key: session.fingerprint(),
        to,
        basis: request.basis.token().to_string(),
        fields: request.fields.clone(),
        documents: request.documents.clone(),
        notes: request.notes.clone(),
        reference: request.reference.clone(),
        jurisdiction: request.jurisdiction.clone(),
        instrument: request.instrument.clone(),
        justification: request.justification.clone(),
        approved: None,
        extra: Default::default(),
    };
    let request_id = pending.id.clone();
    record.disclosure_requests.push(pending);
    let change = cases::encrypt_record(id, &record, &readers)?;
    let commit = vault.commit(
        &lock,
        session,
        &CommitMessage::for_case("disclose-request", id, session.fingerprint()),
        &[change],
    )?;
    Ok(Pending {
        case: id.clone(),
        request: request_id,
        commit,
    })
}

/// Approves pending request `request_id` of case `id` and makes the
/// disclosure it describes, written to `out`: by a valid administrator who
/// is not the person who asked, in their own signed commit. Everything is
/// checked again as of today (a consent may have lapsed meanwhile).
pub fn approve(
    vault: &Vault,
    session: &Session,
    id: &CaseId,
    request_id: &str,
    out: PathBuf,
) -> Result<DisclosureReport> {
    let lock = vault.lock()?;
    let me = session.fingerprint();
    let (readers, record) = readable_case(vault, session, id)?;
    let pending = record
        .disclosure_requests
        .iter()
        .find(|r| r.id == request_id && r.approved.is_none())
        .ok_or_else(|| Error::UnknownDisclosureRequest {
            case: id.to_string(),
            request: request_id.to_string(),
        })?;
    if pending.requested_by_key == me {
        return Err(Error::SelfApproval {
            request: request_id.to_string(),
        });
    }
    if !vault.keyring().is_valid_admin(&me) {
        return Err(Error::NotEntitled {
            action: "approve a disclosure".into(),
            required: "vault administrators".into(),
            actor: me.to_string(),
        });
    }
    let request = Request {
        case: id.clone(),
        to: pending.to.clone(),
        basis: LegalBasis::parse(&pending.basis)?,
        fields: pending.fields.clone(),
        documents: pending.documents.clone(),
        notes: pending.notes.clone(),
        reference: pending.reference.clone(),
        jurisdiction: pending.jurisdiction.clone(),
        instrument: pending.instrument.clone(),
        justification: pending.justification.clone(),
        out,
    };
    let card = session.identity().card();
    let approval = Approval {
        request: request_id.to_string(),
        by: format!("{} <{}> {}", card.name, card.email, me),
    };
    make(
        vault,
        &lock,
        session,
        &request,
        Some(&approval),
        readers,
        record,
    )
}

/// The approval of a pending request, by a second person.
struct Approval {
    request: String,
    by: String,
}

fn make(
    vault: &Vault,
    lock: &WriteLock,
    session: &Session,
    request: &Request,
    approval: Option<&Approval>,
    readers: policy::Readers,
    mut record: CaseRecord,
) -> Result<DisclosureReport> {
    let id = &request.case;
    let recipient = policy::external_recipient(&request.to)?;
    let to = recipient.labels().next().cloned().unwrap_or_default();
    let today = chrono::Utc::now().date_naive();
    check_basis(&record, id, request, &to, today, approval.is_some())?;

    let chosen = choose(&record, &vault.note_files(id)?, request, today)?;
    documents::refuse_inside_vault(vault, &request.out)?;
    let Gathered {
        enclosed,
        fields,
        docs,
        notes,
    } = gather(vault, session, id, chosen)?;

    // The export, built and encrypted in memory, staged beside its place.
    let card = session.identity().card();
    let reference = record.reference.clone();
    let pseudonym = record.shown_pseudonym().map(String::from);
    let export = Export {
        dossier_disclosure: 1,
        cover: Cover {
            case: &reference,
            pseudonym: pseudonym.as_deref(),
            basis: request.basis.token(),
            date: today,
            authorised_by: Authoriser {
                name: &card.name,
                email: &card.email,
                fingerprint: session.fingerprint(),
            },
            recipient: &to,
            reference: request.reference.as_deref(),
            jurisdiction: request.jurisdiction.as_deref(),
            instrument: request.instrument.as_deref(),
            justification: request.justification.as_deref(),
            enclosed: &enclosed,
        },
        fields,
        documents: docs,
        notes,
    };
    let plain = Zeroizing::new(yaml::render(&export)?);
    drop(export);
    let ciphertext = crypto::encrypt(plain.as_bytes(), &recipient)?;
    let export_sha256 = hex(&Sha256::digest(&ciphertext));
    let staged = Staged::new(&request.out, &ciphertext, Mode::Private)?;

    // The record, in the same signed commit as nothing else: then the file.
    record.disclosures.push(Disclosure {
        id: crate::case::id::item_id(),
        date: today,
        to: to.clone(),
        legal_basis: request.basis.token().to_string(),
        scope: scope_summary(&enclosed),
        authorised_by: format!("{} <{}> {}", card.name, card.email, session.fingerprint()),
        reference: request.reference.clone(),
        jurisdiction: request.jurisdiction.clone(),
        instrument: request.instrument.clone(),
        justification: request.justification.clone(),
        recipient_key: Some(to.clone()),
        enclosed: enclosed.clone(),
        export_sha256: Some(export_sha256.clone()),
        approved_by: approval.map(|a| a.by.clone()),
        request: approval.map(|a| a.request.clone()),
        extra: Default::default(),
    });
    if let Some(a) = approval {
        if let Some(pending) = record
            .disclosure_requests
            .iter_mut()
            .find(|r| r.id == a.request)
        {
            pending.approved = Some(Approved {
                by: a.by.clone(),
                date: today,
            });
        }
    }
    let change = cases::encrypt_record(id, &record, &readers)?;
    let commit = vault.commit(
        lock,
        session,
        &CommitMessage::for_case("disclose", id, session.fingerprint()),
        &[change],
    )?;
    staged.publish().map_err(|e| Error::DisclosureNotWritten {
        case: id.to_string(),
        path: request.out.clone(),
        reason: e.to_string(),
    })?;
    Ok(DisclosureReport {
        case: id.clone(),
        out: request.out.clone(),
        basis: request.basis,
        to,
        enclosed,
        export_sha256,
        commit,
    })
}

/// The items a request names, found in the case: nothing decrypted yet.
struct Chosen {
    fields: Vec<(String, Value)>,
    docs: Vec<documents::Document>,
    notes: Vec<String>,
}

impl Chosen {
    /// `(kind, name)` of each item, as conditions and the record name them.
    fn names(&self) -> impl Iterator<Item = (&'static str, &str)> {
        let fields = self.fields.iter().map(|(p, _)| ("field", p.as_str()));
        let docs = self.docs.iter().map(|d| ("document", d.id.as_str()));
        let notes = self.notes.iter().map(|n| ("note", n.as_str()));
        fields.chain(docs).chain(notes)
    }

    fn is_empty(&self) -> bool {
        self.fields.is_empty() && self.docs.is_empty() && self.notes.is_empty()
    }
}

/// Finds exactly the items `request` names; a name the case does not have
/// is refused. Refuses an empty choice, and an item bound by a condition.
fn choose(
    record: &CaseRecord,
    note_files: &[String],
    request: &Request,
    today: NaiveDate,
) -> Result<Chosen> {
    let id = &request.case;
    let missing = |kind: &'static str, name: &str| Error::NoSuchItem {
        case: id.to_string(),
        kind,
        name: name.to_string(),
    };
    let value = yaml::to_value(record)?;
    let fields = request
        .fields
        .iter()
        .map(|path| {
            field_value(&value, path)
                .map(|v| (path.clone(), v))
                .ok_or_else(|| missing("field", path))
        })
        .collect::<Result<Vec<_>>>()?;
    let listed = documents::list(record)?;
    let docs = request
        .documents
        .iter()
        .map(|wanted| {
            listed
                .iter()
                .find(|d| &d.id == wanted)
                .cloned()
                .ok_or_else(|| missing("document", wanted))
        })
        .collect::<Result<Vec<_>>>()?;
    if let Some(absent) = request.notes.iter().find(|n| !note_files.contains(n)) {
        return Err(missing("note", absent));
    }
    let chosen = Chosen {
        fields,
        docs,
        notes: request.notes.clone(),
    };
    if chosen.is_empty() {
        return Err(Error::NothingToDisclose);
    }
    check_conditions(record, id, chosen.names(), today)?;
    Ok(chosen)
}

/// What a disclosure encloses, decrypted.
struct Gathered {
    enclosed: Vec<Enclosed>,
    fields: Vec<(String, Value)>,
    docs: Vec<ExportedDocument>,
    notes: Vec<ExportedNote>,
}

/// Decrypts the chosen documents and notes, with the SHA-256 of every item.
fn gather(vault: &Vault, session: &Session, id: &CaseId, chosen: Chosen) -> Result<Gathered> {
    let mut enclosed = Vec::new();
    for (path, v) in &chosen.fields {
        let text = Zeroizing::new(yaml::render(v)?);
        enclosed.push(item("field", path, text.as_bytes()));
    }
    let mut docs = Vec::new();
    for doc in &chosen.docs {
        let plain = documents::decrypt_document(vault, session, id, doc)?;
        enclosed.push(item("document", &doc.id, &plain));
        docs.push(ExportedDocument {
            id: doc.id.clone(),
            name: doc.name.clone(),
            content_base64: base64::engine::general_purpose::STANDARD.encode(&*plain),
        });
    }
    let notes: Vec<ExportedNote> =
        cases::read_notes(vault.root(), session.decryption_keys()?, id, &chosen.notes)?
            .into_iter()
            .map(|n| {
                enclosed.push(item("note", &n.file, n.text.as_bytes()));
                ExportedNote {
                    file: n.file,
                    created: n.created,
                    text: n.text,
                }
            })
            .collect();
    Ok(Gathered {
        enclosed,
        fields: chosen.fields,
        docs,
        notes,
    })
}

fn item(kind: &str, name: &str, bytes: &[u8]) -> Enclosed {
    Enclosed {
        kind: kind.to_string(),
        name: name.to_string(),
        sha256: hex(&Sha256::digest(bytes)),
    }
}

/// `fields: a, b; documents: x; notes: y`: the record's one-line scope.
fn scope_summary(enclosed: &[Enclosed]) -> String {
    ["field", "document", "note"]
        .iter()
        .filter_map(|kind| {
            let names: Vec<&str> = enclosed
                .iter()
                .filter(|e| e.kind == *kind)
                .map(|e| e.name.as_str())
                .collect();
            (!names.is_empty()).then(|| format!("{kind}s: {}", names.join(", ")))
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// The value at a dotted path of the record (`client.name`); `None` when
/// the record has nothing there.
fn field_value(record: &Value, path: &str) -> Option<Value> {
    let mut v = record;
    for part in path.split('.') {
        v = v.as_mapping()?.get(Value::String(part.to_string()))?;
    }
    (!v.is_null()).then(|| v.clone())
}

/// Why a disclosure from `record` on `basis` needs a second person's
/// approval (four eyes), or `None` when it does not.
pub fn needs_approval(record: &CaseRecord, basis: LegalBasis) -> Option<&'static str> {
    if record.sensitivity == Sensitivity::Restricted {
        Some("the case is restricted")
    } else if basis == LegalBasis::PublicSafety {
        Some("a disclosure on the basis public_safety rests on one person's judgement")
    } else {
        None
    }
}

/// What a disclosure would be, checked before anything is decrypted or
/// written: for a dialog that shows it before it is confirmed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assessment {
    /// The recipient's key, as the record will name it.
    pub recipient: String,
    /// How the recipient's key is read aloud to check it (see
    /// [`recipient_fingerprint`]).
    pub fingerprint: String,
    /// Why it needs a second person's approval first, if it does: then
    /// only a request is recorded ([`request_approval`]).
    pub approval: Option<&'static str>,
}

/// Checks `request` against the case's `record` and its `note_files` as of
/// `today` — the recipient's key, the basis's requirements, the consent,
/// that every item exists and that no condition binds it — without
/// decrypting or writing anything; refuses with the same sentences as
/// [`disclose`], which checks everything again.
pub fn assess(
    record: &CaseRecord,
    note_files: &[String],
    request: &Request,
    today: NaiveDate,
) -> Result<Assessment> {
    let recipient = policy::external_recipient(&request.to)?;
    let to = recipient.labels().next().cloned().unwrap_or_default();
    check_basis(record, &request.case, request, &to, today, true)?;
    choose(record, note_files, request, today)?;
    Ok(Assessment {
        fingerprint: recipient_fingerprint(&to)?,
        recipient: to,
        approval: needs_approval(record, request.basis),
    })
}

/// The external recipient's key as it is read aloud to the recipient, who
/// checks it against their own: an ssh-ed25519 key's SHA-256 fingerprint as
/// `ssh-keygen -l` prints it; an age key, which has no shorter fingerprint,
/// in groups of four characters.
pub fn recipient_fingerprint(key: &str) -> Result<String> {
    let key = key.trim();
    if key.starts_with("ssh-ed25519 ") {
        let public = ssh_key::PublicKey::from_openssh(key).map_err(|_| Error::InvalidValue {
            field: "--to".into(),
            reason: "it is not a valid ssh-ed25519 public key".into(),
        })?;
        return Ok(public.fingerprint(ssh_key::HashAlg::Sha256).to_string());
    }
    policy::external_recipient(key)?;
    let chars: Vec<char> = key.chars().collect();
    Ok(chars
        .chunks(4)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join(" "))
}

/// The one public key in `text` — pasted, or the content of a file the
/// recipient sent: a line `age1…` or `ssh-ed25519 …`, or the `# public
/// key: age1…` comment `age-keygen` writes. Refuses none, or more than one.
pub fn recipient_in(text: &str) -> Result<String> {
    let keys: Vec<&str> = text
        .lines()
        .map(str::trim)
        .map(|l| l.strip_prefix("# public key:").map_or(l, str::trim))
        .filter(|l| l.starts_with("age1") || l.starts_with("ssh-ed25519 "))
        .collect();
    match keys.as_slice() {
        [one] => {
            policy::external_recipient(one)?;
            Ok((*one).to_string())
        }
        [] => Err(Error::InvalidValue {
            field: "recipient".into(),
            reason: "there is no age public key (age1…) or ssh-ed25519 public key in it".into(),
        }),
        _ => Err(Error::InvalidValue {
            field: "recipient".into(),
            reason: format!(
                "it holds {} public keys; a disclosure goes to one recipient",
                keys.len()
            ),
        }),
    }
}

/// Refuses unless everything the basis requires is there.
fn check_basis(
    record: &CaseRecord,
    id: &CaseId,
    request: &Request,
    recipient: &str,
    today: NaiveDate,
    approved: bool,
) -> Result<()> {
    let basis = request.basis;
    let needs = |missing: &str| Error::DisclosureRequires {
        basis: basis.token().to_string(),
        missing: missing.to_string(),
    };
    let given = |v: &Option<String>| v.as_deref().is_some_and(|s| !s.trim().is_empty());
    if let Some(why) = needs_approval(record, basis).filter(|_| !approved) {
        return Err(Error::DisclosureNeedsApproval {
            case: id.to_string(),
            why: why.into(),
        });
    }
    match basis {
        LegalBasis::CourtOrder if !given(&request.reference) => {
            Err(needs("the order's reference (--reference)"))
        }
        LegalBasis::MutualLegalAssistance if !given(&request.reference) => {
            Err(needs("the request's reference (--reference)"))
        }
        LegalBasis::MutualLegalAssistance if !given(&request.instrument) => Err(needs(
            "its instrument, the treaty or request it rests on (--instrument)",
        )),
        LegalBasis::Other if !given(&request.justification) => {
            Err(needs("a written justification (--justification)"))
        }
        LegalBasis::ClientConsent => consent_covers(record, id, request, recipient, today),
        _ => Ok(()),
    }
}

/// Refuses while an enclosed item carries a condition in force that was
/// not released.
fn check_conditions<'a>(
    record: &CaseRecord,
    id: &CaseId,
    items: impl Iterator<Item = (&'static str, &'a str)>,
    today: NaiveDate,
) -> Result<()> {
    for (kind, name) in items {
        let key = format!("{kind}:{name}");
        let binding = record
            .conditions
            .iter()
            .find(|c| c.item.trim() == key && in_force(c, today));
        if let Some(c) = binding {
            return Err(Error::ConditionNotReleased {
                case: id.to_string(),
                item: key,
                condition: c.id.clone(),
            });
        }
    }
    Ok(())
}

/// A consent current on `today` covering every item and the recipient.
fn consent_covers(
    record: &CaseRecord,
    id: &CaseId,
    request: &Request,
    recipient: &str,
    today: NaiveDate,
) -> Result<()> {
    let refuse = |reason: String| Error::ConsentDoesNotCover {
        case: id.to_string(),
        reason,
    };
    if record.consents.is_empty() {
        return Err(refuse("the case records no consent".into()));
    }
    let mut reasons = Vec::new();
    for c in &record.consents {
        let why = if c.withdrawn.is_some_and(|w| w <= today) {
            Some("was withdrawn".to_string())
        } else if c.date > today {
            Some("is dated in the future".to_string())
        } else if c.expiry.is_some_and(|e| e < today) {
            Some("has expired".to_string())
        } else if let Some(covers) = &c.covers {
            let uncovered = |kind: &str, wanted: &[String], allowed: &[String]| {
                wanted
                    .iter()
                    .find(|w| !allowed.contains(w))
                    .map(|w| format!("{kind} {w}"))
            };
            let missing = uncovered("field", &request.fields, &covers.fields)
                .or_else(|| uncovered("document", &request.documents, &covers.documents))
                .or_else(|| uncovered("note", &request.notes, &covers.notes))
                .or_else(|| {
                    (!covers.recipients.iter().any(|r| r.trim() == recipient))
                        .then(|| "this recipient".to_string())
                });
            missing.map(|m| format!("does not cover {m}"))
        } else {
            Some("does not say what it covers (no `covers`)".to_string())
        };
        match why {
            None => return Ok(()),
            Some(why) => reasons.push(format!("consent {} {why}", c.id)),
        }
    }
    Err(refuse(reasons.join("; ")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_basis_reads_back_from_its_token_and_nothing_else_does() {
        for b in LegalBasis::ALL {
            assert_eq!(LegalBasis::parse(b.token()).unwrap(), b);
            assert!(!b.requires().is_empty());
        }
        let e = LegalBasis::parse("because").unwrap_err().to_string();
        assert!(
            e.contains("court_order, statutory_duty, client_consent"),
            "{e}"
        );
    }

    fn request(basis: LegalBasis, fields: &[&str]) -> Request {
        Request {
            case: "27T8E7KFWC".parse().unwrap(),
            to: "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p".into(),
            basis,
            fields: fields.iter().map(|f| f.to_string()).collect(),
            documents: Vec::new(),
            notes: Vec::new(),
            reference: None,
            jurisdiction: None,
            instrument: None,
            justification: None,
            out: PathBuf::from("/nowhere"),
        }
    }

    #[test]
    fn an_assessment_checks_everything_but_decrypts_and_writes_nothing() {
        let mut record = CaseRecord::parse(
            b"reference: R\ntitle: T\nclient: {name: N}\nconditions:\n- {id: k1, item: 'field:client.name', set_by: State}\n",
            "t",
        )
        .unwrap();
        let today = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        let ok = assess(
            &record,
            &[],
            &request(LegalBasis::StatutoryDuty, &["title"]),
            today,
        )
        .unwrap();
        assert_eq!(ok.approval, None);
        assert!(
            ok.fingerprint.starts_with("age1 ql3z 7hjy"),
            "{}",
            ok.fingerprint
        );
        let bound = assess(
            &record,
            &[],
            &request(LegalBasis::StatutoryDuty, &["client.name"]),
            today,
        );
        assert!(
            matches!(bound, Err(Error::ConditionNotReleased { .. })),
            "{bound:?}"
        );
        let absent = assess(
            &record,
            &[],
            &request(LegalBasis::StatutoryDuty, &["client.phone"]),
            today,
        );
        assert!(
            matches!(absent, Err(Error::NoSuchItem { .. })),
            "{absent:?}"
        );
        let unreferenced = assess(
            &record,
            &[],
            &request(LegalBasis::CourtOrder, &["title"]),
            today,
        );
        assert!(
            matches!(unreferenced, Err(Error::DisclosureRequires { .. })),
            "{unreferenced:?}"
        );
        let safety = assess(
            &record,
            &[],
            &request(LegalBasis::PublicSafety, &["title"]),
            today,
        )
        .unwrap();
        assert!(safety.approval.is_some_and(|w| w.contains("public_safety")));
        record.sensitivity = Sensitivity::Restricted;
        let restricted = assess(
            &record,
            &[],
            &request(LegalBasis::StatutoryDuty, &["title"]),
            today,
        )
        .unwrap();
        assert_eq!(restricted.approval, Some("the case is restricted"));
    }

    #[test]
    fn an_ssh_recipient_is_read_aloud_as_ssh_keygen_prints_it() {
        let key: ssh_key::PrivateKey =
            ssh_key::private::Ed25519Keypair::from_seed(&[3u8; 32]).into();
        let public = key.public_key().to_openssh().unwrap();
        let shown = recipient_fingerprint(&format!("{public} court@example")).unwrap();
        assert_eq!(
            shown,
            key.public_key()
                .fingerprint(ssh_key::HashAlg::Sha256)
                .to_string()
        );
        assert!(shown.starts_with("SHA256:"), "{shown}");
        assert!(recipient_fingerprint("ssh-ed25519 AAAAnotakey").is_err());
        assert!(recipient_fingerprint("age1notakey").is_err());
    }

    #[test]
    fn the_recipient_is_the_one_public_key_in_what_was_pasted_or_sent() {
        let key = "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p";
        assert_eq!(recipient_in(&format!("  {key}\n")).unwrap(), key);
        let keygen = format!("# created: 2026-12-01\n# public key: {key}\nAGE-SECRET-KEY-1XXXX\n");
        assert_eq!(recipient_in(&keygen).unwrap(), key);
        let two = format!("{key}\n{key}\n");
        assert!(recipient_in(&two)
            .unwrap_err()
            .to_string()
            .contains("holds 2 public keys"));
        assert!(recipient_in("hello").is_err());
        assert!(recipient_in("age1broken").is_err());
    }

    #[test]
    fn a_dotted_path_finds_a_field_and_an_empty_one_is_nothing() {
        let v: Value = yaml::parse("client:\n  name: X\n  dob: null\ntitle: T\n", "t").unwrap();
        assert_eq!(
            field_value(&v, "client.name"),
            Some(Value::String("X".into()))
        );
        assert_eq!(field_value(&v, "client.dob"), None);
        assert_eq!(field_value(&v, "client.phone"), None);
        assert_eq!(field_value(&v, "title.x"), None);
    }
}
