//! Public key cards: one person's public keys, bound together.
//!
//! A card names a person and carries their ed25519 signing key (the
//! "primary", whose fingerprint identifies them) and their age X25519
//! recipient (the "encryption subkey"). The signing key signs a binding
//! statement over every other field, like a GPG self-signature, so nobody can
//! swap the encryption key of a card while keeping its fingerprint.
//!
//! A card proves only that its holder controls the signing key. Whether the
//! vault trusts it is a separate question answered by an administrator's
//! certification (`keyring/<fp-id>.yaml.sig`, see [`crate::vault::keyring`]).

use std::str::FromStr;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::keys::fingerprint::Fingerprint;
use crate::keys::signature::{self, DOCUMENT_NAMESPACE};
use crate::support::yaml;

const CARD_VERSION: u32 = 1;

/// The largest key card dossier parses. A real one is under 1 KiB; the cap
/// keeps a hostile keyring file from costing more than a glance.
pub const MAX_CARD_BYTES: usize = 16 * 1024;

/// A person's public key card, as stored in `.dossier/keyring/<fp-id>.yaml`
/// and printed by `dossier key export`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct KeyCard {
    /// Format version of the card.
    pub dossier_card: u32,
    /// Display name.
    pub name: String,
    /// Contact address.
    pub email: String,
    /// The ed25519 signing key, OpenSSH public-key form without comment.
    pub signing_key: String,
    /// The age X25519 recipient (`age1...`).
    pub age_recipient: String,
    /// When the card was issued.
    pub created: DateTime<Utc>,
    /// When the card stops being valid, if ever.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<DateTime<Utc>>,
    /// SSHSIG by `signing_key` over [`KeyCard::binding_statement`].
    pub self_signature: String,
}

/// The unsigned fields of a card, for issuing one.
pub struct CardFields<'a> {
    /// Display name.
    pub name: &'a str,
    /// Contact address.
    pub email: &'a str,
    /// The age recipient.
    pub age_recipient: &'a age::x25519::Recipient,
    /// Issue time.
    pub created: DateTime<Utc>,
    /// Expiry, if any.
    pub expires: Option<DateTime<Utc>>,
}

impl KeyCard {
    /// Issues a card, self-signed by `signing_key`.
    pub fn issue(fields: CardFields<'_>, signing_key: &ssh_key::PrivateKey) -> Result<KeyCard> {
        check_text("name", fields.name)?;
        check_text("email", fields.email)?;
        let public = strip_comment(signing_key.public_key())?;
        let mut card = KeyCard {
            dossier_card: CARD_VERSION,
            name: fields.name.to_string(),
            email: fields.email.to_string(),
            signing_key: public,
            age_recipient: fields.age_recipient.to_string(),
            created: yaml::whole_seconds(fields.created),
            expires: fields.expires.map(yaml::whole_seconds),
            self_signature: String::new(),
        };
        card.self_signature = signature::sign(
            signing_key,
            DOCUMENT_NAMESPACE,
            card.binding_statement().as_bytes(),
        )?;
        Ok(card)
    }

    /// Parses a card and checks it is well-formed and self-signed. A card
    /// over [`MAX_CARD_BYTES`] is refused unread.
    pub fn parse(bytes: &[u8], what: &str) -> Result<KeyCard> {
        yaml::check_size(bytes.len(), MAX_CARD_BYTES, what)?;
        let card: KeyCard = yaml::parse_bytes(bytes, what)?;
        card.check()?;
        Ok(card)
    }

    /// The card as YAML, the exact bytes stored and certified.
    pub fn to_yaml(&self) -> Result<String> {
        yaml::render(self)
    }

    /// The statement the self-signature covers: every field but the signature.
    pub fn binding_statement(&self) -> String {
        format!(
            "dossier key card v{}\nname: {}\nemail: {}\nsigning_key: {}\nage_recipient: {}\ncreated: {}\nexpires: {}\n",
            self.dossier_card,
            self.name,
            self.email,
            self.signing_key,
            self.age_recipient,
            self.created.to_rfc3339_opts(SecondsFormat::Secs, true),
            self.expires
                .map(|e| e.to_rfc3339_opts(SecondsFormat::Secs, true))
                .unwrap_or_else(|| "never".into()),
        )
    }

    /// The signing public key.
    pub fn public_key(&self) -> Result<ssh_key::PublicKey> {
        ssh_key::PublicKey::from_openssh(&self.signing_key).map_err(|_| {
            Error::InvalidKeyCard(format!(
                "the key card of {} has an unreadable signing key",
                self.email
            ))
        })
    }

    /// The card's fingerprint (of its signing key).
    pub fn fingerprint(&self) -> Result<Fingerprint> {
        Ok(Fingerprint::of(&self.public_key()?))
    }

    /// The card's age recipient.
    pub fn recipient(&self) -> Result<age::x25519::Recipient> {
        age::x25519::Recipient::from_str(&self.age_recipient).map_err(|_| {
            Error::InvalidKeyCard(format!(
                "the key card of {} has an unreadable age recipient",
                self.email
            ))
        })
    }

    /// Whether the card has expired at `now`.
    pub fn is_expired(&self, now: DateTime<Utc>) -> bool {
        self.expires.is_some_and(|e| e <= now)
    }

    /// Checks version, key types and the self-signature.
    pub fn check(&self) -> Result<()> {
        let bad = |why: &str| {
            Error::InvalidKeyCard(format!(
                "the key card of {} is not valid: {why}",
                self.email
            ))
        };
        if self.dossier_card != CARD_VERSION {
            return Err(bad("it has an unknown format version"));
        }
        check_text("name", &self.name)?;
        check_text("email", &self.email)?;
        let key = self.public_key()?;
        if key.algorithm() != ssh_key::Algorithm::Ed25519 {
            return Err(bad("its signing key is not ed25519"));
        }
        self.recipient()?;
        let verified = signature::verify(
            self.self_signature.as_bytes(),
            DOCUMENT_NAMESPACE,
            self.binding_statement().as_bytes(),
        )
        .map_err(|why| bad(&format!("its self-signature failed ({why})")))?;
        if verified.signer != Fingerprint::of(&key) {
            return Err(bad("it is self-signed by a different key"));
        }
        Ok(())
    }
}

fn strip_comment(key: &ssh_key::PublicKey) -> Result<String> {
    let mut key = key.clone();
    key.set_comment("");
    key.to_openssh()
        .map(|s| s.trim().to_string())
        .map_err(|e| Error::Sign(e.to_string()))
}

fn check_text(field: &str, value: &str) -> Result<()> {
    if value.trim().is_empty() {
        return Err(Error::InvalidValue {
            field: field.into(),
            reason: "it must not be empty".into(),
        });
    }
    if value.chars().any(char::is_control) {
        return Err(Error::InvalidValue {
            field: field.into(),
            reason: "it must be one line of text".into(),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn issue() -> (KeyCard, ssh_key::PrivateKey) {
        let key = ssh_key::PrivateKey::random(&mut rand::rngs::OsRng, ssh_key::Algorithm::Ed25519)
            .unwrap();
        let age_id = age::x25519::Identity::generate();
        let card = KeyCard::issue(
            CardFields {
                name: "Ada Osei",
                email: "ada@firm.example",
                age_recipient: &age_id.to_public(),
                created: Utc::now(),
                expires: None,
            },
            &key,
        )
        .unwrap();
        (card, key)
    }

    #[test]
    fn an_issued_card_round_trips_and_verifies() {
        let (card, key) = issue();
        let text = card.to_yaml().unwrap();
        let back = KeyCard::parse(text.as_bytes(), "card").unwrap();
        assert_eq!(back, card);
        assert_eq!(
            back.fingerprint().unwrap(),
            Fingerprint::of(key.public_key())
        );
    }

    #[test]
    fn swapping_the_encryption_key_breaks_the_card() {
        let (mut card, _) = issue();
        card.age_recipient = age::x25519::Identity::generate().to_public().to_string();
        let err = card.check().unwrap_err().to_string();
        assert!(err.contains("self-signature"), "{err}");
    }

    #[test]
    fn an_oversized_card_is_refused_unread() {
        let (card, _) = issue();
        let mut text = card.to_yaml().unwrap();
        text.push_str(&format!("# {}\n", "x".repeat(MAX_CARD_BYTES)));
        let err = KeyCard::parse(text.as_bytes(), ".dossier/keyring/ab.yaml").unwrap_err();
        assert!(
            matches!(
                err,
                Error::DocumentTooLarge {
                    limit: MAX_CARD_BYTES,
                    ..
                }
            ),
            "{err:?}"
        );
        assert!(err
            .to_string()
            .starts_with(".dossier/keyring/ab.yaml is larger than 16 KiB"));
    }

    #[test]
    fn names_with_line_breaks_are_refused() {
        let key = ssh_key::PrivateKey::random(&mut rand::rngs::OsRng, ssh_key::Algorithm::Ed25519)
            .unwrap();
        let fields = CardFields {
            name: "Ada\nsigning_key: evil",
            email: "a@b",
            age_recipient: &age::x25519::Identity::generate().to_public(),
            created: Utc::now(),
            expires: None,
        };
        assert!(KeyCard::issue(fields, &key).is_err());
    }
}
