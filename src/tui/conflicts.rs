//! The sync conflict view's state: what both sides changed differently,
//! and the side the user chose for each.
//!
//! A sync that meets a true conflict merges nothing (DESIGN §6, issue 5:
//! never resolved silently). This view lists the conflicts; the user picks
//! ours or theirs per row (or for all), and only when every row has a
//! choice does Enter run the sync again with those choices. Leaving the
//! view merges nothing and loses nothing: the local branch is untouched,
//! the incoming history stays fetched and verified.
//!
//! The values are the user's own decrypted data, shown because they asked
//! for this merge. They live only in memory, and `Debug` prints the
//! conflict keys and choices, never the values.

use std::collections::BTreeMap;

use dossier::case::merge::Side;
use dossier::sync::{Choices, Conflict};

/// One conflict and the side chosen for it, if any.
pub struct ConflictRow {
    /// What both sides changed.
    pub conflict: Conflict,
    /// The side to take; `None` while undecided.
    pub choice: Option<Side>,
}

impl std::fmt::Debug for ConflictRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConflictRow")
            .field("key", &self.conflict.key())
            .field("choice", &self.choice)
            .finish_non_exhaustive()
    }
}

/// The conflict view.
#[derive(Debug)]
pub struct ConflictView {
    /// The remote the sync was with (the next run uses it again).
    pub remote: String,
    /// The conflicts, in the order the library reported them.
    pub rows: Vec<ConflictRow>,
    /// Choices made in earlier rounds (a second sync can meet new
    /// conflicts, e.g. when the remote moved on): kept so that the next
    /// run decides those again the same way.
    pub carried: BTreeMap<String, Side>,
    /// Selected row.
    pub selected: usize,
    /// First row on screen.
    pub offset: usize,
    /// Waiting for the sync that carries the choices.
    pub merging: bool,
}

impl ConflictView {
    /// A view of `conflicts` from a sync with `remote`, none decided yet;
    /// `carried` are choices from an earlier round.
    pub fn new(
        remote: impl Into<String>,
        conflicts: Vec<Conflict>,
        carried: BTreeMap<String, Side>,
    ) -> ConflictView {
        ConflictView {
            remote: remote.into(),
            rows: conflicts
                .into_iter()
                .map(|conflict| ConflictRow {
                    conflict,
                    choice: None,
                })
                .collect(),
            carried,
            selected: 0,
            offset: 0,
            merging: false,
        }
    }

    /// Chooses `side` for the selected conflict and moves to the next
    /// undecided one, if any.
    pub fn choose(&mut self, side: Side) {
        let Some(row) = self.rows.get_mut(self.selected) else {
            return;
        };
        row.choice = Some(side);
        let n = self.rows.len();
        if let Some(next) = (1..n)
            .map(|k| (self.selected + k) % n)
            .find(|&i| self.rows[i].choice.is_none())
        {
            self.selected = next;
        }
    }

    /// Chooses `side` for every conflict.
    pub fn choose_all(&mut self, side: Side) {
        for row in &mut self.rows {
            row.choice = Some(side);
        }
    }

    /// How many conflicts have no choice yet.
    pub fn undecided(&self) -> usize {
        self.rows.iter().filter(|r| r.choice.is_none()).count()
    }

    /// The choices to sync with, once every conflict has one (earlier
    /// rounds' choices included).
    pub fn choices(&self) -> Option<Choices> {
        let mut each = self.carried.clone();
        for row in &self.rows {
            each.insert(row.conflict.key(), row.choice?);
        }
        Some(Choices { all: None, each })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conflict(field: &str) -> Conflict {
        Conflict {
            case: Some("27T8E7KFWC".parse().expect("id")),
            field: field.into(),
            ours: Some("Fresh claim".into()),
            theirs: None,
        }
    }

    #[test]
    fn choices_exist_only_when_every_conflict_is_decided_and_keep_earlier_rounds() {
        let carried = BTreeMap::from([("X:old".to_string(), Side::Ours)]);
        let mut v = ConflictView::new(
            "origin",
            vec![conflict("title"), conflict("status")],
            carried,
        );
        assert_eq!(v.undecided(), 2);
        assert!(v.choices().is_none());
        v.choose(Side::Theirs);
        assert_eq!(v.selected, 1, "moves on to the next undecided conflict");
        assert_eq!(v.undecided(), 1);
        assert!(v.choices().is_none());
        v.choose(Side::Ours);
        let c = v.choices().expect("all decided");
        assert_eq!(c.all, None);
        assert_eq!(
            c.each,
            BTreeMap::from([
                ("27T8E7KFWC:title".to_string(), Side::Theirs),
                ("27T8E7KFWC:status".to_string(), Side::Ours),
                ("X:old".to_string(), Side::Ours),
            ])
        );
        v.choose_all(Side::Theirs);
        assert!(v.rows.iter().all(|r| r.choice == Some(Side::Theirs)));
    }

    #[test]
    fn debug_never_prints_the_values() {
        let v = ConflictView::new("origin", vec![conflict("title")], BTreeMap::new());
        let text = format!("{v:?}");
        assert!(text.contains("27T8E7KFWC:title"), "{text}");
        assert!(!text.contains("Fresh"), "{text}");
    }
}
