//! Where a case's consents and conditions stand on a given day, and what
//! the case view flags: lapsing consents, requests awaiting approval,
//! conditions in force.

use std::fmt;

use chrono::NaiveDate;

use crate::case::record::{Condition, Consent};
use crate::case::CaseRecord;
use serde::Serialize;

/// Where a consent stands today.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ConsentState {
    /// Current, and not expiring within the window asked about.
    Current,
    /// Current, but it lapses within the window.
    Expiring,
    /// Its expiry has passed.
    Expired,
    /// Withdrawn (kept, never deleted).
    Withdrawn,
}

/// Where consent `c` stands on `today`, counting it as expiring when it
/// lapses on or before `horizon`.
pub fn consent_state(c: &Consent, today: NaiveDate, horizon: NaiveDate) -> ConsentState {
    if c.withdrawn.is_some_and(|w| w <= today) {
        ConsentState::Withdrawn
    } else if c.expiry.is_some_and(|e| e < today) {
        ConsentState::Expired
    } else if c.expiry.is_some_and(|e| e <= horizon) {
        ConsentState::Expiring
    } else {
        ConsentState::Current
    }
}

/// Whether condition `c` binds its item on `today`: not released, and not
/// past its `until`.
pub fn in_force(c: &Condition, today: NaiveDate) -> bool {
    c.released.is_none() && c.until.is_none_or(|u| u >= today)
}

/// How many days ahead a consent counts as expiring when none is asked.
pub const EXPIRING_DAYS: u32 = 30;

/// Something about a case's consents or conditions a reader must see when
/// the case is shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attention {
    /// A consent whose expiry has passed.
    ConsentExpired {
        /// The consent's id.
        consent: String,
        /// Its expiry.
        on: NaiveDate,
    },
    /// A consent lapsing within [`EXPIRING_DAYS`].
    ConsentExpiring {
        /// The consent's id.
        consent: String,
        /// Its expiry.
        on: NaiveDate,
        /// Days left.
        days: i64,
    },
    /// A disclosure request waiting for a second person's approval.
    ApprovalPending {
        /// The request's id.
        request: String,
        /// Its basis token.
        basis: String,
    },
    /// A condition in force on an item: disclosing it is refused.
    ConditionInForce {
        /// The condition's id.
        condition: String,
        /// `field:<path>` or `document:<id>`.
        item: String,
    },
}

impl fmt::Display for Attention {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Attention::ConsentExpired { consent, on } => {
                write!(f, "consent {consent} EXPIRED on {on}")
            }
            Attention::ConsentExpiring { consent, on, days } => {
                write!(f, "consent {consent} expires on {on} (in {days} days)")
            }
            Attention::ApprovalPending { request, basis } => write!(
                f,
                "disclosure request {request} ({basis}) awaits an administrator's approval"
            ),
            Attention::ConditionInForce { condition, item } => write!(
                f,
                "condition {condition} binds {item}: it cannot be disclosed until the condition is released"
            ),
        }
    }
}

/// What `case show` flags on `record` as of `today`: expired and expiring
/// consents (withdrawn ones are not flagged), disclosure requests awaiting
/// approval, conditions in force.
pub fn attention(record: &CaseRecord, today: NaiveDate) -> Vec<Attention> {
    let horizon = today + chrono::Duration::days(i64::from(EXPIRING_DAYS));
    let mut out = Vec::new();
    for c in &record.consents {
        if c.withdrawn.is_some_and(|w| w <= today) {
            continue;
        }
        match c.expiry {
            Some(on) if on < today => out.push(Attention::ConsentExpired {
                consent: c.id.clone(),
                on,
            }),
            Some(on) if on <= horizon => out.push(Attention::ConsentExpiring {
                consent: c.id.clone(),
                on,
                days: (on - today).num_days(),
            }),
            _ => {}
        }
    }
    for r in record
        .disclosure_requests
        .iter()
        .filter(|r| r.approved.is_none())
    {
        out.push(Attention::ApprovalPending {
            request: r.id.clone(),
            basis: r.basis.clone(),
        });
    }
    for c in &record.conditions {
        if in_force(c, today) {
            out.push(Attention::ConditionInForce {
                condition: c.id.clone(),
                item: c.item.clone(),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_show_flags_lapsing_consents_and_binding_conditions_only() {
        let record = CaseRecord::parse(
            b"reference: R\ntitle: T\nconsents:\n- {id: old, date: 2026-01-01, given_by: C, scope: S, expiry: 2026-11-01}\n- {id: soon, date: 2026-01-01, given_by: C, scope: S, expiry: 2026-12-11}\n- {id: far, date: 2026-01-01, given_by: C, scope: S, expiry: 2027-12-11}\n- {id: gone, date: 2026-01-01, given_by: C, scope: S, expiry: 2026-11-01, withdrawn: 2026-06-01}\nconditions:\n- {id: k1, item: 'field:title', set_by: X}\n- {id: k2, item: 'field:title', set_by: X, until: 2026-01-01}\n- {id: k3, item: 'field:title', set_by: X, released: {by: A, date: 2026-11-01, reference: R}}\n",
            "t",
        )
        .unwrap();
        let today = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        let said: Vec<String> = attention(&record, today)
            .iter()
            .map(|a| a.to_string())
            .collect();
        assert_eq!(
            said,
            vec![
                "consent old EXPIRED on 2026-11-01".to_string(),
                "consent soon expires on 2026-12-11 (in 10 days)".to_string(),
                "condition k1 binds field:title: it cannot be disclosed until the condition is released"
                    .to_string(),
            ]
        );
    }
}
