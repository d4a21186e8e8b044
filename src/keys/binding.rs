//! Key bindings: a key owner's signed statement of their *current*
//! encryption key and expiry, like a GPG subkey-binding signature.
//!
//! A card (see [`crate::keys::card`]) is certified by an administrator over its
//! exact bytes, so changing the card would void the certification. What an
//! owner may change alone — rotating the encryption key, extending or
//! shortening the expiry — is instead stated in
//! `.dossier/keyring/<fp-id>.binding.yaml`, signed (`.binding.yaml.sig`,
//! namespace `dossier`) by the card's own signing key. The certification
//! vouches for the signing key; the signing key vouches for the binding.
//!
//! A binding present but not valid (unsigned, signed by anyone else, older
//! than the card) makes the key unusable rather than silently falling back
//! to the card: a fallback would let whoever can delete a file roll a
//! rotated key back to the old one.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::keys::fingerprint::Fingerprint;
use crate::keys::signature::{self, DOCUMENT_NAMESPACE};
use crate::keys::signed::Signed;
use crate::support::yaml;

/// Format 2 adds `replaces` ([`crate::vault::succession`]); format 1 is still read.
const BINDING_VERSION: u32 = 2;

/// `<fp-id>.binding.yaml`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Binding {
    /// Format version.
    pub dossier_binding: u32,
    /// The git blob id of the version this one replaces (format 2 on;
    /// absent for a first version): see [`crate::vault::succession`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replaces: Option<String>,
    /// Whose key this binds (the signer must be this key).
    pub key: Fingerprint,
    /// The current age X25519 recipient.
    pub age_recipient: String,
    /// When the key stops being valid, if ever.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<DateTime<Utc>>,
    /// When this statement was made (later statements replace earlier ones).
    pub issued: DateTime<Utc>,
}

impl Binding {
    /// A new statement, issued now.
    pub fn new(
        key: Fingerprint,
        age_recipient: &age::x25519::Recipient,
        expires: Option<DateTime<Utc>>,
    ) -> Binding {
        Binding {
            dossier_binding: BINDING_VERSION,
            replaces: None,
            key,
            age_recipient: age_recipient.to_string(),
            expires: expires.map(yaml::whole_seconds),
            issued: yaml::now(),
        }
    }

    /// The binding and its signature, as files to commit.
    pub fn signed(
        &self,
        signing_key: &dyn crate::keys::signature::Signer,
    ) -> Result<(String, String)> {
        let text = yaml::render(self)?;
        let sig = signature::sign(signing_key, DOCUMENT_NAMESPACE, text.as_bytes())?;
        Ok((text, sig))
    }

    /// Parses a binding and checks it was signed by the key it binds, after
    /// the card was issued.
    pub fn verify(
        bytes: &[u8],
        sig: Option<&[u8]>,
        fp: &Fingerprint,
        card_created: DateTime<Utc>,
        what: &str,
    ) -> Result<Binding> {
        let what = what.to_string();
        let bad = |reason: String| Error::BadSignature {
            what: what.clone(),
            reason,
        };
        let binding: Binding = yaml::parse_bytes(bytes, &what)?;
        let binding = Signed::verify(
            binding,
            bytes.to_vec(),
            sig,
            &what,
            "the binding is not signed",
        )?
        .signed_by(
            |binding, signer| signer == fp && binding.key == *fp,
            &what,
            "not by the key it binds",
        )?
        .doc;
        if !(1..=BINDING_VERSION).contains(&binding.dossier_binding) {
            return Err(bad("it has an unknown format version".into()));
        }
        if binding.issued < card_created {
            return Err(bad("it is older than the key card".into()));
        }
        binding.recipient()?;
        Ok(binding)
    }

    /// The bound age recipient.
    pub fn recipient(&self) -> Result<age::x25519::Recipient> {
        self.age_recipient.parse().map_err(|_| {
            Error::InvalidKeyCard(format!(
                "the key binding of {} has an unreadable age recipient",
                self.key
            ))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_binding_verifies_only_when_its_own_key_signed_it() {
        let own = ssh_key::PrivateKey::random(&mut rand::rngs::OsRng, ssh_key::Algorithm::Ed25519)
            .unwrap();
        let other =
            ssh_key::PrivateKey::random(&mut rand::rngs::OsRng, ssh_key::Algorithm::Ed25519)
                .unwrap();
        let fp = Fingerprint::of(own.public_key());
        let recipient = age::x25519::Identity::generate().to_public();
        let created = Utc::now() - chrono::Duration::days(1);
        let b = Binding::new(fp, &recipient, None);

        let (text, sig) = b.signed(&own).unwrap();
        let back = Binding::verify(
            text.as_bytes(),
            Some(sig.as_bytes()),
            &fp,
            created,
            "binding",
        )
        .unwrap();
        assert_eq!(back, b);

        let (_, forged) = b.signed(&other).unwrap();
        assert!(Binding::verify(
            text.as_bytes(),
            Some(forged.as_bytes()),
            &fp,
            created,
            "binding"
        )
        .is_err());
        assert!(Binding::verify(text.as_bytes(), None, &fp, created, "binding").is_err());
        let later = Utc::now() + chrono::Duration::days(1);
        assert!(
            Binding::verify(text.as_bytes(), Some(sig.as_bytes()), &fp, later, "binding").is_err()
        );
    }
}
