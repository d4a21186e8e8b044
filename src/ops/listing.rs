//! Progressive, cancellable reading of many cases, for front ends that must
//! stay responsive (the TUI shows a 10,000-case list filling in as it loads).
//!
//! [`crate::ops::cases::list`] returns the whole list at once; the functions here
//! hand each result to a sink as soon as it exists and stop early when the
//! caller raises a cancel flag. They decide exactly what `cases::list` and
//! `search::grep` decide (same listing rule, same smart-case matching); only
//! the delivery differs. Nothing decrypted is kept or logged here: it goes to
//! the sink and nowhere else.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};

use chrono::{DateTime, Utc};
use rayon::prelude::*;

use crate::case::CaseId;
use crate::error::Result;
use crate::keys::identity::Session;
use crate::ops::cases::{self, CaseSummary};
use crate::repo::store::CommitMessage;
use crate::vault::Vault;

/// Summarises each case of `ids` (as [`cases::list`] would) and passes each
/// summary to `sink` as soon as it is ready, in no particular order. Stops
/// early, without error, once `cancel` is set. Runs on the calling thread and
/// rayon's pool; `vault` itself is only read before the parallel part.
pub fn summarise_each(
    vault: &Vault,
    session: &Session,
    ids: &[CaseId],
    cancel: &AtomicBool,
    sink: impl Fn(CaseSummary) + Sync,
) -> Result<()> {
    let keys = session.decryption_keys()?;
    let me = session.fingerprint();
    let (root, groups) = (vault.root(), vault.groups());
    ids.par_iter().for_each(|id| {
        if !cancel.load(Ordering::Relaxed) {
            sink(cases::summarise(root, groups, &me, keys, id));
        }
    });
    Ok(())
}

/// When each case last changed: the time of the newest commit whose
/// `Dossier-Case` trailer names it. Commits made outside dossier (no
/// trailer) are not counted. Reads commit messages only, so it is cheap even
/// for long histories; stops early (returning what it has) once `cancel` is set.
pub fn last_changes(vault: &Vault, cancel: &AtomicBool) -> Result<BTreeMap<CaseId, DateTime<Utc>>> {
    let repo = vault.repo();
    let mut out = BTreeMap::new();
    let mut walk = repo.revwalk()?;
    if walk.push_head().is_err() {
        return Ok(out);
    }
    for oid in walk {
        if cancel.load(Ordering::Relaxed) {
            break;
        }
        let commit = repo.find_commit(oid?)?;
        let Some(case) = commit
            .message()
            .ok()
            .and_then(CommitMessage::parse)
            // Opening a case (a `view`) is not a change to it.
            .filter(|m| m.action != "view")
            .and_then(|m| m.case)
        else {
            continue;
        };
        let time = DateTime::from_timestamp(commit.time().seconds(), 0).unwrap_or_default();
        out.entry(case)
            .and_modify(|t: &mut DateTime<Utc>| *t = (*t).max(time))
            .or_insert(time);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    #[test]
    fn summaries_arrive_one_by_one_and_cancel_stops_them() {
        let dir = tempfile::tempdir().unwrap();
        let (session, vault) = crate::samples::testkit::owner_and_vault(dir.path());
        let mut ids = Vec::new();
        for t in ["One", "Two", "Three"] {
            ids.push(
                cases::create(
                    &vault,
                    &session,
                    cases::NewCase {
                        title: t.into(),
                        ..Default::default()
                    },
                )
                .unwrap(),
            );
        }
        let got = Mutex::new(Vec::new());
        summarise_each(&vault, &session, &ids, &AtomicBool::new(false), |s| {
            got.lock().unwrap().push(s)
        })
        .unwrap();
        assert_eq!(got.lock().unwrap().len(), 3);

        let none = Mutex::new(0);
        summarise_each(&vault, &session, &ids, &AtomicBool::new(true), |_| {
            *none.lock().unwrap() += 1
        })
        .unwrap();
        assert_eq!(*none.lock().unwrap(), 0, "a raised flag stops the work");

        let changes = last_changes(&vault, &AtomicBool::new(false)).unwrap();
        assert_eq!(changes.len(), 3);

        let hits = crate::ops::search::search_cases(
            &vault,
            &session,
            &ids,
            "thr",
            &AtomicBool::new(false),
        )
        .unwrap();
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].case, ids[2]);
    }
}
