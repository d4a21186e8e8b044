//! Blind tokens for the conflict-of-interest check (DESIGN §8): a case's
//! `blind.idx` holds, for each name of its client (and the client's
//! aliases) and of every party, an HMAC-SHA256 under the firm secret of the
//! normalised full name and of each part of it, with the role it was found
//! in. Whoever holds the secret can ask "is this name in that case?"; the
//! file itself says no name.
//!
//! Each token is keyed to its case too (the case id is part of what is
//! hashed), so two cases that share a name have different tokens: without
//! the secret, the files do not even show that. With the secret, a check
//! costs one HMAC per case and name asked about.
//!
//! Names are normalised before hashing: Unicode NFKD, combining marks
//! (diacritics) removed, lower-cased (`ß` as `ss`), everything that is not
//! a letter or a digit a word break, honorifics (`Dr`, `Mrs`, `Prof`…) left
//! out; the full-name token takes the words in sorted order, so word order
//! does not matter. Scripts are not
//! transliterated: `Мария` and `Maria` are different names.

use std::collections::BTreeSet;
use std::fmt;

use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::{Digest, Sha256};
use unicode_normalization::UnicodeNormalization;

use crate::case::record::CaseRecord;
use crate::case::CaseId;
use crate::error::{Error, Result};
use crate::support::secret::Zeroizing;

/// The first line of every `blind.idx`.
const HEADER: &str = "dossier-blind-index 1";
/// Separates what each token is computed over.
const DOMAIN: &[u8] = b"dossier-conflict-v1";
/// Name parts shorter than this are not indexed on their own ("de", "al").
const SHORTEST_PART: usize = 2;
/// Honorifics and suffixes left out of names, so "Dr. Léa Haddad" is found
/// as "Lea Haddad".
const TITLES: &[&str] = &[
    "dr", "mr", "mrs", "ms", "miss", "mx", "prof", "sir", "dame", "lord", "lady", "rev", "hon",
    "jr", "sr",
];

/// The firm's conflict secret: 32 random bytes, kept encrypted to every
/// active staff key in `.dossier/conflicts.age`.
pub struct FirmSecret(Zeroizing<Vec<u8>>);

impl FirmSecret {
    /// A new random secret.
    pub fn generate() -> FirmSecret {
        let mut bytes = Zeroizing::new(vec![0u8; 32]);
        rand::thread_rng().fill_bytes(&mut bytes);
        FirmSecret(bytes)
    }

    /// The secret from the plaintext of `conflicts.age`.
    pub fn from_bytes(bytes: &[u8]) -> Result<FirmSecret> {
        if bytes.len() != 32 {
            return Err(Error::MalformedConflictSecret);
        }
        Ok(FirmSecret(Zeroizing::new(bytes.to_vec())))
    }

    /// Its bytes, to encrypt.
    pub fn bytes(&self) -> &[u8] {
        &self.0
    }

    /// A public name for this secret (16 hex digits of a hash of it), so an
    /// index made under an earlier secret is recognised as stale.
    pub fn id(&self) -> String {
        let mut h = Sha256::new();
        h.update(b"dossier-conflict-secret-id\0");
        h.update(self.bytes());
        crate::support::hex(&h.finalize()[..8])
    }

    fn token(&self, case: &CaseId, extent: Extent, normalised: &str) -> String {
        // A key of any length is accepted by HMAC.
        let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(self.bytes()) else {
            return String::new();
        };
        for part in [
            DOMAIN,
            case.to_string().as_bytes(),
            extent.word().as_bytes(),
            normalised.as_bytes(),
        ] {
            mac.update(part);
            mac.update(b"\0");
        }
        crate::support::hex(&mac.finalize().into_bytes())
    }
}

impl fmt::Debug for FirmSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "FirmSecret({})", self.id())
    }
}

/// Where in a case a name was found: a closed list, so the index says no
/// more than the check reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    /// The client.
    Client,
    /// Another name of the client.
    ClientAlias,
    /// A party on the other side (respondent, opponent, defendant).
    OpposingParty,
    /// A witness.
    Witness,
    /// An expert.
    Expert,
    /// Any other party.
    Party,
}

impl Role {
    const ALL: [Role; 6] = [
        Role::Client,
        Role::ClientAlias,
        Role::OpposingParty,
        Role::Witness,
        Role::Expert,
        Role::Party,
    ];

    /// The role as the index and the report write it.
    pub fn word(self) -> &'static str {
        match self {
            Role::Client => "client",
            Role::ClientAlias => "client-alias",
            Role::OpposingParty => "opposing-party",
            Role::Witness => "witness",
            Role::Expert => "expert",
            Role::Party => "party",
        }
    }

    /// The role of a party, from the free text of its `role` field.
    pub fn of_party(role: &str) -> Role {
        let role = role.to_lowercase();
        let any = |words: &[&str]| words.iter().any(|w| role.contains(w));
        if any(&["witness"]) {
            Role::Witness
        } else if any(&["expert"]) {
            Role::Expert
        } else if any(&[
            "respondent",
            "opponent",
            "opposing",
            "defendant",
            "adverse",
            "other side",
            "accused",
        ]) {
            Role::OpposingParty
        } else {
            Role::Party
        }
    }

    fn parse(word: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.word() == word)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.word())
    }
}

/// Whether a token stands for a whole name or one part of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Extent {
    /// The whole name (its words in any order).
    Full,
    /// One word of it.
    Part,
}

impl Extent {
    fn word(self) -> &'static str {
        match self {
            Extent::Full => "full",
            Extent::Part => "part",
        }
    }
}

/// The words of a name as the tokens see them (see the module
/// documentation); empty for a name with no letters or digits.
pub fn normalise(name: &str) -> Vec<String> {
    let mut folded = String::new();
    for c in name.nfkd() {
        if unicode_normalization::char::is_combining_mark(c) {
            continue;
        }
        if c.is_alphanumeric() {
            for lower in c.to_lowercase() {
                if lower == 'ß' {
                    folded.push_str("ss");
                } else {
                    folded.push(lower);
                }
            }
        } else {
            folded.push(' ');
        }
    }
    let words: Vec<String> = folded.split_whitespace().map(str::to_string).collect();
    let named: Vec<String> = words
        .iter()
        .filter(|w| !TITLES.contains(&w.as_str()))
        .cloned()
        .collect();
    // A name that is only a title ("Dr") stays what it is.
    if named.is_empty() {
        words
    } else {
        named
    }
}

/// A name ready to be looked for: its full-name form and its parts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Name {
    full: String,
    parts: BTreeSet<String>,
}

impl Name {
    /// `name` normalised; `None` when it has no letters or digits.
    pub fn new(name: &str) -> Option<Name> {
        let mut words = normalise(name);
        if words.is_empty() {
            return None;
        }
        let parts = words
            .iter()
            .filter(|w| w.chars().count() >= SHORTEST_PART)
            .cloned()
            .collect();
        words.sort();
        Some(Name {
            full: words.join(" "),
            parts,
        })
    }
}

/// One line of an index.
type Entry = (Role, Extent, String);

/// A case's `blind.idx`: the id of the secret it was made under and its
/// tokens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlindIndex {
    /// [`FirmSecret::id`] of the secret the tokens are under.
    pub secret_id: String,
    entries: BTreeSet<Entry>,
}

/// What a check found in one case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct Match {
    /// Where the name was found.
    pub role: Role,
    /// Whether the whole name matched, or only a part of it.
    pub extent: Extent,
}

impl BlindIndex {
    /// The index of case `case` whose record is `record`, under `secret`.
    pub fn of(record: &CaseRecord, case: &CaseId, secret: &FirmSecret) -> BlindIndex {
        let mut names: Vec<(Role, &str)> = vec![(Role::Client, record.client.name.as_str())];
        names.extend(
            record
                .client
                .aliases
                .iter()
                .map(|a| (Role::ClientAlias, a.as_str())),
        );
        names.extend(
            record
                .parties
                .iter()
                .map(|p| (Role::of_party(&p.role), p.name.as_str())),
        );
        let mut entries = BTreeSet::new();
        for (role, name) in names {
            let Some(name) = Name::new(name) else {
                continue;
            };
            entries.insert((
                role,
                Extent::Full,
                secret.token(case, Extent::Full, &name.full),
            ));
            for part in &name.parts {
                entries.insert((role, Extent::Part, secret.token(case, Extent::Part, part)));
            }
        }
        BlindIndex {
            secret_id: secret.id(),
            entries,
        }
    }

    /// The tokens of both, when both are under the same secret (a merge of
    /// two sides that each changed the names: a superset, which may report
    /// a name one side removed, never miss one); `None` otherwise.
    pub fn union(&self, other: &BlindIndex) -> Option<BlindIndex> {
        (self.secret_id == other.secret_id).then(|| BlindIndex {
            secret_id: self.secret_id.clone(),
            entries: self.entries.union(&other.entries).cloned().collect(),
        })
    }

    /// How many tokens it holds.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether it holds none (a case with no names yet).
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Where `name` appears in case `case`, by this index, under `secret`
    /// (which must be the one it was made under): each role once, the
    /// whole name rather than a part when both match.
    pub fn find(&self, case: &CaseId, secret: &FirmSecret, name: &Name) -> Vec<Match> {
        let full = secret.token(case, Extent::Full, &name.full);
        let parts: BTreeSet<String> = name
            .parts
            .iter()
            .map(|p| secret.token(case, Extent::Part, p))
            .collect();
        let mut found: Vec<Match> = Vec::new();
        for (role, extent, token) in &self.entries {
            let hit = match extent {
                Extent::Full => *token == full,
                Extent::Part => parts.contains(token),
            };
            if hit {
                found.push(Match {
                    role: *role,
                    extent: *extent,
                });
            }
        }
        found.sort();
        found.dedup_by_key(|m| m.role);
        found
    }

    /// The file's text: a header, the secret's id, one sorted line per
    /// token (`ROLE full|part HEX`).
    pub fn render(&self) -> String {
        let mut out = format!("{HEADER}\nsecret {}\n", self.secret_id);
        for (role, extent, token) in &self.entries {
            out.push_str(&format!("{} {} {token}\n", role.word(), extent.word()));
        }
        out
    }

    /// Reads a `blind.idx`; anything but what [`BlindIndex::render`]
    /// writes is refused.
    pub fn parse(bytes: &[u8]) -> Result<BlindIndex> {
        let bad = || Error::MalformedBlindIndex;
        let text = std::str::from_utf8(bytes).map_err(|_| bad())?;
        let mut lines = text.lines();
        if lines.next() != Some(HEADER) {
            return Err(bad());
        }
        let secret_id = lines
            .next()
            .and_then(|l| l.strip_prefix("secret "))
            .filter(|id| id.len() == 16 && id.bytes().all(|b| b.is_ascii_hexdigit()))
            .ok_or_else(bad)?
            .to_string();
        let mut entries = BTreeSet::new();
        for line in lines {
            let mut words = line.split(' ');
            let (Some(role), Some(extent), Some(token), None) =
                (words.next(), words.next(), words.next(), words.next())
            else {
                return Err(bad());
            };
            let role = Role::parse(role).ok_or_else(bad)?;
            let extent = match extent {
                "full" => Extent::Full,
                "part" => Extent::Part,
                _ => return Err(bad()),
            };
            if token.len() != 64 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(bad());
            }
            entries.insert((role, extent, token.to_string()));
        }
        Ok(BlindIndex { secret_id, entries })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::case::record::Party;

    fn case() -> CaseId {
        "27T8E7KFWC".parse().unwrap()
    }

    fn record() -> CaseRecord {
        let mut r = CaseRecord::default();
        r.client.name = "Miriam Tesfaye".into();
        r.client.aliases = vec!["Miryam Tesfay".into()];
        r.parties = vec![
            Party {
                name: "Ghebreyesus, Abel".into(),
                role: "Respondent".into(),
                ..Default::default()
            },
            Party {
                name: "Dr. Léa Haddad".into(),
                role: "expert witness".into(),
                ..Default::default()
            },
        ];
        r
    }

    #[test]
    fn names_are_normalised_for_case_diacritics_punctuation_and_word_order() {
        assert_eq!(
            normalise("  José-María  O'Brien "),
            ["jose", "maria", "o", "brien"]
        );
        assert_eq!(normalise("STRAẞE"), ["strasse"]);
        assert_eq!(normalise("ﬁnn"), ["finn"], "compatibility forms decompose");
        assert_eq!(Name::new("Tesfaye, MIRIAM"), Name::new("miriam tesfaye"));
        assert_eq!(Name::new("Miriam Tesfaye"), Name::new("Mïriam  Tesfayé"));
        assert_eq!(Name::new("…"), None);
        assert_eq!(Name::new("Dr. Léa Haddad"), Name::new("Lea HADDAD"));
        assert_eq!(normalise("Dr"), ["dr"]);
    }

    #[test]
    fn a_name_is_found_whole_or_by_a_part_with_its_role_and_nothing_else_matches() {
        let secret = FirmSecret::generate();
        let index = BlindIndex::of(&record(), &case(), &secret);
        let find = |n: &str| index.find(&case(), &secret, &Name::new(n).unwrap());
        let m = |role, extent| Match { role, extent };
        assert_eq!(find("TESFAYE, Miriam"), vec![m(Role::Client, Extent::Full)]);
        assert_eq!(find("Tesfaye Bekele"), vec![m(Role::Client, Extent::Part)]);
        assert_eq!(
            find("Tesfay, Miryam"),
            vec![m(Role::ClientAlias, Extent::Full)]
        );
        assert_eq!(
            find("Miriam Tesfay"),
            vec![
                m(Role::Client, Extent::Part),
                m(Role::ClientAlias, Extent::Part)
            ]
        );
        assert_eq!(
            find("Abel Ghebreyesus"),
            vec![m(Role::OpposingParty, Extent::Full)]
        );
        assert_eq!(find("Lea Haddad"), vec![m(Role::Witness, Extent::Full)]);
        assert_eq!(find("Omar Haddad"), vec![m(Role::Witness, Extent::Part)]);
        assert!(find("Grace Achieng").is_empty());
        // Another secret, or the same name in another case, matches nothing.
        let other: CaseId = "1EZ5K3M9PQ".parse().unwrap();
        assert!(index
            .find(&other, &secret, &Name::new("Miriam Tesfaye").unwrap())
            .is_empty());
        let old = FirmSecret::generate();
        assert!(index
            .find(&case(), &old, &Name::new("Miriam Tesfaye").unwrap())
            .is_empty());
    }

    #[test]
    fn the_file_names_no_name_and_reads_back_exactly() {
        let secret = FirmSecret::generate();
        let index = BlindIndex::of(&record(), &case(), &secret);
        let text = index.render();
        for name in ["miriam", "Miriam", "tesfaye", "abel", "haddad"] {
            assert!(!text.contains(name), "{text}");
        }
        assert!(text.starts_with("dossier-blind-index 1\nsecret "));
        assert_eq!(BlindIndex::parse(text.as_bytes()).unwrap(), index);
        // The same name in two cases gives different tokens.
        let other: CaseId = "1EZ5K3M9PQ".parse().unwrap();
        let there = BlindIndex::of(&record(), &other, &secret);
        assert!(index.entries.is_disjoint(&there.entries));
        for bad in [
            "",
            "dossier-blind-index 1\n",
            "dossier-blind-index 1\nsecret 00\n",
            "dossier-blind-index 1\nsecret 0011223344556677\nclient full xyz\n",
            "dossier-blind-index 1\nsecret 0011223344556677\nboss full 00\n",
        ] {
            assert!(BlindIndex::parse(bad.as_bytes()).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn a_party_role_falls_into_the_closed_list() {
        assert_eq!(
            Role::of_party("Respondent (Home Office)"),
            Role::OpposingParty
        );
        assert_eq!(Role::of_party("expert witness"), Role::Witness);
        assert_eq!(Role::of_party("Expert"), Role::Expert);
        assert_eq!(Role::of_party("sponsor"), Role::Party);
    }
}
