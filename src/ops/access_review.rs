//! The access review: who can read what, through which grant, since when,
//! and what to look at again — grants older than a given age, people who
//! can read cases they never opened, and (with `log_views`) unusual
//! access: a day with many more openings than the person's usual, or an
//! opening outside the practice areas of the person's groups.
//!
//! Access lists and the view log are public to every holder of the vault,
//! so the grants and the views are reported for every case. Practice areas
//! are inside the records: the "outside their areas" check uses only the
//! cases the reviewer can read, and says so.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use crate::audit::exposure;
use crate::audit::log;
use crate::case::CaseId;
use crate::error::Result;
use crate::keys::fingerprint::Fingerprint;
use crate::keys::identity::Session;
use crate::ops::cases;
use crate::vault::Vault;

/// How a person reads a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Through {
    /// An owner of the case.
    Owner,
    /// Named as a reader.
    Reader,
    /// A member of a group the case is granted to.
    Group,
}

/// One person's access to one case.
#[derive(Debug, Clone, Serialize)]
pub struct Grant {
    /// The case.
    pub case: CaseId,
    /// The person.
    pub person: Fingerprint,
    /// How the keyring names them.
    pub name: String,
    /// Owner, reader, or through a group.
    pub through: Through,
    /// The group, when through one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// Since when they have been able to read it without a break.
    pub since: DateTime<Utc>,
    /// Their last recorded opening of it (with `log_views`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_opened: Option<DateTime<Utc>>,
}

/// Something to look at again.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "flag", rename_all = "kebab-case")]
pub enum Flag {
    /// A grant older than the review age.
    OldGrant {
        /// The case.
        case: CaseId,
        /// The person.
        person: Fingerprint,
        /// How old, in days.
        days: i64,
    },
    /// A person who can read a case and never opened it (views logged).
    NeverOpened {
        /// The case.
        case: CaseId,
        /// The person.
        person: Fingerprint,
    },
    /// A day with many more openings than the person's usual.
    BusyDay {
        /// The person.
        person: Fingerprint,
        /// The day (UTC).
        day: NaiveDate,
        /// Cases opened that day.
        opened: usize,
        /// Their average on the other days they opened cases.
        usual: f64,
    },
    /// An opening of a case outside the practice areas of the person's
    /// groups (judged on the cases the reviewer can read).
    OutsideAreas {
        /// The person.
        person: Fingerprint,
        /// The case.
        case: CaseId,
        /// Its practice area.
        area: String,
    },
}

/// The review.
#[derive(Debug, Clone, Serialize)]
pub struct Review {
    /// Every current grant, by person then case.
    pub grants: Vec<Grant>,
    /// What to look at again.
    pub flags: Vec<Flag>,
    /// Whether the vault logs views (the never-opened and unusual-access
    /// checks need it).
    pub views_logged: bool,
    /// The age in days from which a grant is flagged.
    pub older_than_days: i64,
    /// How many cases the reviewer could read (for the practice areas).
    pub readable: usize,
}

/// A day counts as busy with at least this many openings...
const BUSY_FLOOR: usize = 10;
/// ...and more than this many times the person's average.
const BUSY_FACTOR: f64 = 3.0;

/// The review as of `now`, of everyone or only `person`; grants older than
/// `older_than_days` or more are flagged.
pub fn review(
    vault: &Vault,
    session: &Session,
    person: Option<&Fingerprint>,
    older_than_days: i64,
    now: DateTime<Utc>,
) -> Result<Review> {
    let ring = vault.keyring();
    let since = exposure::named_since(vault.repo())?;
    let views_logged = vault.config().settings.log_views;
    // Openings, by person: (case, when).
    let mut opened: BTreeMap<Fingerprint, Vec<(CaseId, DateTime<Utc>)>> = BTreeMap::new();
    for e in log::read(vault, None)? {
        if e.action.as_deref() != Some("view") {
            continue;
        }
        let (Some(who), Some(case)) = (e.signer, e.case.as_ref().and_then(|c| c.parse().ok()))
        else {
            continue;
        };
        opened.entry(who).or_default().push((case, e.time));
    }

    let mut grants = Vec::new();
    let mut flags = Vec::new();
    let mut ids: Vec<CaseId> = since.keys().cloned().collect();
    ids.sort();
    for id in &ids {
        let Ok(list) = vault.access_list(id) else {
            continue;
        };
        for (fp, group, from) in &since[id] {
            if person.is_some_and(|p| p != fp) {
                continue;
            }
            let through = if list.owners.contains(fp) {
                Through::Owner
            } else if group.is_some() {
                Through::Group
            } else {
                Through::Reader
            };
            let last_opened = opened
                .get(fp)
                .and_then(|v| v.iter().filter(|(c, _)| c == id).map(|(_, t)| *t).max());
            let days = (now - *from).num_days();
            if days >= older_than_days {
                flags.push(Flag::OldGrant {
                    case: id.clone(),
                    person: *fp,
                    days,
                });
            }
            if views_logged && last_opened.is_none() {
                flags.push(Flag::NeverOpened {
                    case: id.clone(),
                    person: *fp,
                });
            }
            grants.push(Grant {
                case: id.clone(),
                person: *fp,
                name: ring
                    .get(fp)
                    .map(|e| e.card.name.clone())
                    .unwrap_or_else(|| fp.short()),
                through,
                group: group.clone(),
                since: *from,
                last_opened,
            });
        }
    }
    grants.sort_by(|a, b| (&a.name, a.person, &a.case).cmp(&(&b.name, b.person, &b.case)));

    // Practice areas of the cases the reviewer can read.
    let areas: BTreeMap<CaseId, String> = cases::readable_records(vault, session, None)?
        .0
        .into_iter()
        .filter_map(|(id, record)| {
            let area = record.practice_area.as_deref()?.trim().to_lowercase();
            (!area.is_empty()).then_some((id, area))
        })
        .collect();
    let readable = areas.len();
    if views_logged {
        for (who, views) in &opened {
            if person.is_some_and(|p| p != who) {
                continue;
            }
            flags.extend(busy_days(*who, views));
            flags.extend(outside_areas(vault, *who, views, &since, &areas));
        }
    }
    Ok(Review {
        grants,
        flags,
        views_logged,
        older_than_days,
        readable,
    })
}

/// Days on which `who` opened many more cases than on their other days.
fn busy_days(who: Fingerprint, views: &[(CaseId, DateTime<Utc>)]) -> Vec<Flag> {
    let mut per_day: BTreeMap<NaiveDate, BTreeSet<&CaseId>> = BTreeMap::new();
    for (case, when) in views {
        per_day.entry(when.date_naive()).or_default().insert(case);
    }
    let total: usize = per_day.values().map(BTreeSet::len).sum();
    let days = per_day.len();
    per_day
        .iter()
        .filter_map(|(day, cases)| {
            let n = cases.len();
            let usual = if days > 1 {
                (total - n) as f64 / (days - 1) as f64
            } else {
                0.0
            };
            (n >= BUSY_FLOOR && n as f64 > BUSY_FACTOR * usual.max(1.0)).then_some(Flag::BusyDay {
                person: who,
                day: *day,
                opened: n,
                usual,
            })
        })
        .collect()
}

/// Openings by `who` of cases whose area is none of the areas of the cases
/// granted to `who`'s groups (among the cases whose area the reviewer
/// knows).
fn outside_areas(
    vault: &Vault,
    who: Fingerprint,
    views: &[(CaseId, DateTime<Utc>)],
    since: &exposure::NamedSince,
    areas: &BTreeMap<CaseId, String>,
) -> Vec<Flag> {
    let groups: BTreeSet<String> = vault
        .groups()
        .doc()
        .groups
        .iter()
        .filter(|(_, members)| members.contains(&who))
        .map(|(g, _)| g.clone())
        .collect();
    if groups.is_empty() {
        return Vec::new();
    }
    // The areas of the cases granted to those groups.
    let theirs: BTreeSet<&String> = since
        .iter()
        .filter(|(_, named)| {
            named
                .iter()
                .any(|(_, via, _)| via.as_ref().is_some_and(|g| groups.contains(g)))
        })
        .filter_map(|(case, _)| areas.get(case))
        .collect();
    if theirs.is_empty() {
        return Vec::new();
    }
    let mut seen = BTreeSet::new();
    views
        .iter()
        .filter_map(|(case, _)| {
            let area = areas.get(case)?;
            (!theirs.contains(area) && seen.insert(case.clone())).then(|| Flag::OutsideAreas {
                person: who,
                case: case.clone(),
                area: area.clone(),
            })
        })
        .collect()
}
