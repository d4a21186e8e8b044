//! The disclosure register and the consent list across every case the
//! session can read: what leaves and what allows it, for a regulator or an
//! internal audit. Nothing confidential is kept in clear text for them: the
//! rows are read from the records each time, and the cases that cannot be
//! read are counted.

use chrono::NaiveDate;
use serde::Serialize;

use super::standing::{consent_state, ConsentState, EXPIRING_DAYS};
use crate::case::CaseId;
use crate::error::Result;
use crate::keys::identity::Session;
use crate::ops::cases;
use crate::vault::Vault;

/// One row of the disclosure register.
#[derive(Debug, Clone, Serialize)]
pub struct RegisterRow {
    /// The case.
    pub case: CaseId,
    /// The firm's reference of the case.
    pub reference: String,
    /// The pseudonym, when the case's identity is protected.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pseudonym: Option<String>,
    /// When.
    pub date: NaiveDate,
    /// To whom.
    pub to: String,
    /// The legal basis.
    pub basis: String,
    /// What was disclosed.
    pub scope: String,
    /// Who authorised it.
    pub authorised_by: String,
    /// The order's or request's reference.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disclosure_reference: Option<String>,
}

/// The disclosures of every case the session can read.
#[derive(Debug, Clone, Serialize)]
pub struct Register {
    /// Newest first.
    pub rows: Vec<RegisterRow>,
    /// Cases that could not be read (their disclosures, if any, stay inside
    /// their encrypted records).
    pub unreadable: usize,
}

/// The disclosure register: every disclosure recorded in a case the
/// session can read, on or after `since`, newest first.
pub fn register(
    vault: &Vault,
    session: &Session,
    since: Option<NaiveDate>,
    only: Option<&CaseId>,
) -> Result<Register> {
    let mut rows = Vec::new();
    let (records, unreadable) = cases::readable_records(vault, session, only)?;
    for (id, record) in records {
        for d in &record.disclosures {
            if since.is_some_and(|s| d.date < s) {
                continue;
            }
            rows.push(RegisterRow {
                case: id.clone(),
                reference: record.reference.clone(),
                pseudonym: record.shown_pseudonym().map(String::from),
                date: d.date,
                to: d.to.clone(),
                basis: d.legal_basis.clone(),
                scope: d.scope.clone(),
                authorised_by: d.authorised_by.clone(),
                disclosure_reference: d.reference.clone(),
            });
        }
    }
    rows.sort_by(|a, b| b.date.cmp(&a.date).then_with(|| a.case.cmp(&b.case)));
    Ok(Register { rows, unreadable })
}

/// One consent of the consent list.
#[derive(Debug, Clone, Serialize)]
pub struct ConsentRow {
    /// The case.
    pub case: CaseId,
    /// The firm's reference of the case.
    pub reference: String,
    /// The pseudonym, when the case's identity is protected.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pseudonym: Option<String>,
    /// The consent's id.
    pub consent: String,
    /// When it was given.
    pub date: NaiveDate,
    /// When it lapses.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expiry: Option<NaiveDate>,
    /// When it was withdrawn.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub withdrawn: Option<NaiveDate>,
    /// Where it stands today.
    pub state: ConsentState,
    /// Whether it says what it covers (only then can it allow a disclosure).
    pub enforceable: bool,
}

/// The consents of every readable case.
#[derive(Debug, Clone, Serialize)]
pub struct Consents {
    /// By expiry, soonest first (those without one last).
    pub rows: Vec<ConsentRow>,
    /// Cases that could not be read.
    pub unreadable: usize,
}

/// Every consent in the cases the session can read, each with its state;
/// with `expiring`, only those expired or lapsing within that many days.
/// Who gave a consent and what it says stay in the case: a list shows the
/// case's reference (and pseudonym), never a name.
pub fn consents(vault: &Vault, session: &Session, expiring: Option<u32>) -> Result<Consents> {
    let today = chrono::Utc::now().date_naive();
    let window = i64::from(expiring.unwrap_or(EXPIRING_DAYS));
    let horizon = today + chrono::Duration::days(window);
    let mut rows = Vec::new();
    let (records, unreadable) = cases::readable_records(vault, session, None)?;
    for (id, record) in records {
        for c in &record.consents {
            let state = consent_state(c, today, horizon);
            let due = matches!(state, ConsentState::Expired | ConsentState::Expiring);
            if expiring.is_some() && !due {
                continue;
            }
            rows.push(ConsentRow {
                case: id.clone(),
                reference: record.reference.clone(),
                pseudonym: record.shown_pseudonym().map(String::from),
                consent: c.id.clone(),
                date: c.date,
                expiry: c.expiry,
                withdrawn: c.withdrawn,
                state,
                enforceable: c.covers.is_some(),
            });
        }
    }
    rows.sort_by(|a, b| {
        (a.expiry.is_none(), a.expiry, &a.case).cmp(&(b.expiry.is_none(), b.expiry, &b.case))
    });
    Ok(Consents { rows, unreadable })
}
