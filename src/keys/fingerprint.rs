//! Key fingerprints: the SSH SHA256 fingerprint of a person's ed25519
//! signing key, exactly as `ssh-keygen -lf` prints it (`SHA256:<base64>`).
//!
//! Three forms exist and each has one job:
//! - [`Fingerprint`]'s `Display`: the canonical form every command prints and accepts;
//! - [`Fingerprint::grouped`]: the same characters in groups of four, for reading aloud;
//! - [`Fingerprint::file_id`]: base64url, safe in file names (`/` and `+` are not).

use std::fmt;
use std::str::FromStr;

use base64::engine::general_purpose::{STANDARD_NO_PAD, URL_SAFE_NO_PAD};
use base64::Engine;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::{Error, Result};

/// The SHA-256 fingerprint of an ed25519 signing key.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Fingerprint([u8; 32]);

impl Fingerprint {
    /// The fingerprint of an SSH public key.
    pub fn of(key: &ssh_key::PublicKey) -> Fingerprint {
        Self::of_key_data(key.key_data())
    }

    /// The fingerprint of SSH public key data (as found inside an SSHSIG).
    pub fn of_key_data(key: &ssh_key::public::KeyData) -> Fingerprint {
        let fp = key.fingerprint(ssh_key::HashAlg::Sha256);
        let mut bytes = [0u8; 32];
        bytes.copy_from_slice(fp.as_bytes());
        Fingerprint(bytes)
    }

    /// A file-name-safe form (base64url without padding, 43 characters).
    pub fn file_id(&self) -> String {
        URL_SAFE_NO_PAD.encode(self.0)
    }

    /// Parses the form produced by [`Fingerprint::file_id`].
    pub fn from_file_id(id: &str) -> Option<Fingerprint> {
        let bytes = URL_SAFE_NO_PAD.decode(id).ok()?;
        Some(Fingerprint(bytes.try_into().ok()?))
    }

    /// The canonical form in groups of four characters, for reading aloud:
    /// `SHA256:q3Zk 9b2F ...`.
    pub fn grouped(&self) -> String {
        let body = STANDARD_NO_PAD.encode(self.0);
        let groups: Vec<String> = body
            .as_bytes()
            .chunks(4)
            .map(|c| String::from_utf8_lossy(c).into_owned())
            .collect();
        format!("SHA256:{}", groups.join(" "))
    }

    /// A short form for tables (`SHA256:` and the first 12 characters).
    pub fn short(&self) -> String {
        let s = self.to_string();
        s.chars().take(19).collect()
    }
}

impl fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SHA256:{}", STANDARD_NO_PAD.encode(self.0))
    }
}

impl fmt::Debug for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Fingerprint({self})")
    }
}

impl FromStr for Fingerprint {
    type Err = Error;

    /// Accepts the canonical form, with or without the grouping spaces.
    fn from_str(s: &str) -> Result<Fingerprint> {
        let compact: String = s.split_whitespace().collect();
        let body = compact.strip_prefix("SHA256:").unwrap_or(&compact);
        let bytes = STANDARD_NO_PAD
            .decode(body)
            .map_err(|_| Error::UnknownKey(s.to_string()))?;
        let bytes: [u8; 32] = bytes
            .try_into()
            .map_err(|_| Error::UnknownKey(s.to_string()))?;
        Ok(Fingerprint(bytes))
    }
}

/// Normalises what a user typed for prefix matching: no spaces, `SHA256:` kept.
pub fn normalise_query(query: &str) -> String {
    let compact: String = query.split_whitespace().collect();
    if compact.starts_with("SHA256:") {
        compact
    } else {
        format!("SHA256:{compact}")
    }
}

impl Serialize for Fingerprint {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

impl<'de> Deserialize<'de> for Fingerprint {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse()
            .map_err(|_| serde::de::Error::custom("not a SHA256 key fingerprint"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_grouped_and_file_forms_round_trip() {
        let fp = Fingerprint([0xfb; 32]);
        let canonical = fp.to_string();
        assert!(canonical.starts_with("SHA256:"));
        assert_eq!(canonical.len(), 7 + 43);
        assert_eq!(canonical.parse::<Fingerprint>().unwrap(), fp);
        assert_eq!(fp.grouped().parse::<Fingerprint>().unwrap(), fp);
        let id = fp.file_id();
        assert!(!id.contains('/') && !id.contains('+'));
        assert_eq!(Fingerprint::from_file_id(&id), Some(fp));
    }

    #[test]
    fn matches_what_ssh_keygen_prints() {
        let key = ssh_key::PrivateKey::random(&mut rand::rngs::OsRng, ssh_key::Algorithm::Ed25519)
            .unwrap();
        let ours = Fingerprint::of(key.public_key()).to_string();
        let theirs = key
            .public_key()
            .fingerprint(ssh_key::HashAlg::Sha256)
            .to_string();
        assert_eq!(ours, theirs);
    }
}
