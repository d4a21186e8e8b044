//! The sentence for a small change that has no report of its own, worded
//! once for the CLI and the TUI (the larger results are the `Display` of
//! their reports: `cases::AccessChange`, `revocation::RevocationReport`, …).

use std::fmt;

use crate::case::CaseId;
use crate::keys::fingerprint::Fingerprint;

/// A change that was made, as both faces report it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Done {
    /// `case set`: fields of the record changed.
    Updated(CaseId),
    /// `case close`.
    Closed(CaseId),
    /// `note add`.
    NoteAdded(CaseId),
    /// `key import`: the card is in the keyring, not yet trusted.
    Imported(Fingerprint),
    /// `key certify`, with the key's label (name, address, fingerprint).
    Certified(String),
    /// `case add`: an item added to a list of a case, with its new id.
    ItemAdded {
        /// The case.
        case: CaseId,
        /// The list.
        list: String,
        /// The item's id.
        item: String,
    },
    /// `case edit`.
    ItemUpdated {
        /// The case.
        case: CaseId,
        /// The list.
        list: String,
        /// The item's id.
        item: String,
    },
    /// `case rm`.
    ItemRemoved {
        /// The case.
        case: CaseId,
        /// The list.
        list: String,
        /// The item's id.
        item: String,
    },
}

impl fmt::Display for Done {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Done::Updated(id) => write!(f, "Updated case {id}"),
            Done::Closed(id) => write!(f, "Closed case {id}"),
            Done::NoteAdded(id) => write!(f, "Added a note to case {id}"),
            Done::Imported(fp) => write!(
                f,
                "Imported {fp} (uncertified). Compare its fingerprint with its owner, then run `dossier key certify {fp}`."
            ),
            Done::Certified(label) => write!(f, "Certified {label}"),
            Done::ItemAdded { case, list, item } => {
                write!(f, "Added {item} to the {list} of case {case}")
            }
            Done::ItemUpdated { case, list, item } => {
                write!(f, "Updated {item} in the {list} of case {case}")
            }
            Done::ItemRemoved { case, list, item } => {
                write!(f, "Removed {item} from the {list} of case {case}")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_small_change_has_one_sentence() {
        let id: CaseId = "7K2M9QX4AB".parse().unwrap();
        assert_eq!(
            Done::Updated(id.clone()).to_string(),
            "Updated case 7K2M9QX4AB"
        );
        assert_eq!(
            Done::Closed(id.clone()).to_string(),
            "Closed case 7K2M9QX4AB"
        );
        assert_eq!(
            Done::NoteAdded(id).to_string(),
            "Added a note to case 7K2M9QX4AB"
        );
        assert_eq!(Done::Certified("Ben".into()).to_string(), "Certified Ben");
    }
}
