//! Case ids: random, opaque, collision-free across disconnected clones.
//!
//! Ten Crockford base32 characters (50 random bits): at 10,000 cases the
//! chance that two clones pick the same id is about one in 20 million. The
//! human reference number lives inside the encrypted record, never here.

use std::fmt;
use std::str::FromStr;

use rand::Rng;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::{Error, Result};

const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
/// Length of a case id.
pub const LEN: usize = 10;

/// An opaque case id such as `7K2M9QX4AB`.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CaseId(String);

impl CaseId {
    /// A fresh random id.
    pub fn random() -> CaseId {
        let mut rng = rand::rngs::OsRng;
        CaseId(
            (0..LEN)
                .map(|_| ALPHABET[rng.gen_range(0..32)] as char)
                .collect(),
        )
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether `s` is a well-formed id (exact length, alphabet).
    pub fn is_valid(s: &str) -> bool {
        s.len() == LEN && s.bytes().all(|b| ALPHABET.contains(&b))
    }
}

impl FromStr for CaseId {
    type Err = Error;
    fn from_str(s: &str) -> Result<CaseId> {
        if CaseId::is_valid(s) {
            Ok(CaseId(s.to_string()))
        } else {
            Err(Error::UnknownCase(s.to_string()))
        }
    }
}

impl fmt::Display for CaseId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for CaseId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CaseId({})", self.0)
    }
}

impl Serialize for CaseId {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for CaseId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse()
            .map_err(|_| serde::de::Error::custom("not a case id"))
    }
}

/// A short random id for list items (parties, deadlines...), so concurrent
/// edits merge by identity rather than by position.
pub fn item_id() -> String {
    let mut rng = rand::rngs::OsRng;
    (0..8)
        .map(|_| ALPHABET[rng.gen_range(0..32)] as char)
        .collect::<String>()
        .to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_ids_are_valid_and_distinct() {
        let a = CaseId::random();
        let b = CaseId::random();
        assert!(CaseId::is_valid(a.as_str()));
        assert_ne!(a, b);
        assert!("../etc".parse::<CaseId>().is_err());
        assert!("7k2m9qx4ab".parse::<CaseId>().is_err());
    }
}
