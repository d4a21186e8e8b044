//! What a change that was recorded has to tell the person, although it
//! succeeded: the working tree could not be brought up to date after the
//! branch moved, or this computer's clock is behind the vault's history.
//!
//! A change whose commit is on the branch is recorded: reporting it as a
//! failure would be a lie (DESIGN §1.5), so [`crate::repo::store`] returns
//! success and leaves its notice here. Front ends [`take`] the notices after
//! each command or background job and show them as warnings. Notices hold
//! commit ids, times and error sentences only, never content.

use std::sync::Mutex;

use chrono::{DateTime, Utc};

/// One thing a recorded change has to tell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    /// The commit is on the branch, but writing the working tree or the
    /// index failed; the journal stays, and the next command finishes it.
    Unfinished {
        /// The recorded commit.
        commit: git2::Oid,
        /// Why the working tree could not be finished.
        cause: String,
    },
    /// The change was recorded with this computer's time, which is earlier
    /// than the latest commit it follows.
    ClockBehind {
        /// This computer's time when the change was recorded.
        now: DateTime<Utc>,
        /// The time of the commit it follows.
        latest: DateTime<Utc>,
    },
    /// A sync finished, but git's settings for the remote (the branch's
    /// upstream, the merge driver) could not be written.
    SyncSettings {
        /// Why.
        cause: String,
    },
}

impl std::fmt::Display for Notice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Notice::Unfinished { commit, cause } => write!(
                f,
                "the change was recorded (commit {}), but the working tree could not be brought up to date ({cause}); it will be finished by the next dossier command",
                short(commit)
            ),
            Notice::ClockBehind { now, latest } => write!(
                f,
                "this computer's clock ({}) is behind the latest change in the vault ({}); the change was recorded with this computer's time, so the history shows it out of order. Set the clock right",
                now.format("%Y-%m-%d %H:%M UTC"),
                latest.format("%Y-%m-%d %H:%M UTC")
            ),
            Notice::SyncSettings { cause } => write!(
                f,
                "the sync is complete, but git's settings for it could not be written ({cause}); the next sync writes them again"
            ),
        }
    }
}

fn short(commit: &git2::Oid) -> String {
    commit.to_string().chars().take(10).collect()
}

static PENDING: Mutex<Vec<Notice>> = Mutex::new(Vec::new());

/// Leaves `notice` for the front end.
pub(crate) fn push(notice: Notice) {
    if let Ok(mut pending) = PENDING.lock() {
        pending.push(notice);
    }
}

/// The notices left since the last call, oldest first.
pub fn take() -> Vec<Notice> {
    PENDING
        .lock()
        .map(|mut p| std::mem::take(&mut *p))
        .unwrap_or_default()
}
