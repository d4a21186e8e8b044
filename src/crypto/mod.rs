//! age encryption and decryption of whole buffers.
//!
//! Files in a vault are small, so this layer takes and returns whole buffers:
//! there is no streaming writer whose `finish()` a caller could forget
//! (STYLE, "things to avoid"). Case files are binary age (not armored): they
//! are smaller and stock `age -d` reads them the same. Plaintext comes back
//! in [`Zeroizing`] buffers.
//!
//! Every failure to decrypt a file becomes [`Error::CannotDecrypt`] with the
//! file's path and nothing else (STYLE rule 6).

use std::io::{BufRead, Read, Write};
use std::path::Path;

use age::secrecy::SecretString;
use age::x25519;

use crate::error::{Error, Result};
use crate::support::secret::Zeroizing;

/// The keys a file is encrypted to, each with a label (for a case, the
/// reader's fingerprint), as trust policy approved them.
///
/// Only `trust::policy` makes one, from a checked access list, so nothing
/// can encrypt case content to a key list policy never saw;
/// `tests/integration/layers.rs` fails when another module constructs it.
#[derive(Clone)]
pub struct Recipients<L> {
    entries: Vec<(L, Key)>,
}

/// One public key a file can be encrypted to: a person's age X25519 key
/// (every recipient inside the firm), or an ssh-ed25519 key (an external
/// recipient of a disclosure, who may have only an SSH key).
#[derive(Clone, Debug)]
pub enum Key {
    /// `age1…`.
    X25519(x25519::Recipient),
    /// `ssh-ed25519 AAAA…`.
    SshEd25519(age::ssh::Recipient),
}

impl Key {
    fn as_recipient(&self) -> &dyn age::Recipient {
        match self {
            Key::X25519(r) => r,
            Key::SshEd25519(r) => r,
        }
    }
}

impl std::fmt::Display for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Key::X25519(r) => write!(f, "{r}"),
            Key::SshEd25519(r) => write!(f, "{r}"),
        }
    }
}

impl<L> Recipients<L> {
    /// Recipients approved by policy (see the type's documentation).
    pub(crate) fn approved(entries: Vec<(L, Key)>) -> Recipients<L> {
        Recipients { entries }
    }

    /// Each recipient with its label, in policy's order.
    pub fn entries(&self) -> &[(L, Key)] {
        &self.entries
    }

    /// The labels (fingerprints), in policy's order.
    pub fn labels(&self) -> impl Iterator<Item = &L> {
        self.entries.iter().map(|(l, _)| l)
    }

    /// How many recipients there are.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are none (encrypting to none is refused).
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

impl<L: std::fmt::Debug> std::fmt::Debug for Recipients<L> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.labels()).finish()
    }
}

/// Encrypts `plaintext` to exactly `recipients` (binary age format).
pub fn encrypt<L>(plaintext: &[u8], recipients: &Recipients<L>) -> Result<Vec<u8>> {
    let recipients = &recipients.entries;
    if recipients.is_empty() {
        return Err(Error::Encrypt("no recipients to encrypt to".into()));
    }
    crate::support::fault::panic_point("encrypting", plaintext);
    let encryptor =
        age::Encryptor::with_recipients(recipients.iter().map(|(_, r)| r.as_recipient()))
            .map_err(|e| Error::Encrypt(e.to_string()))?;
    let mut out = Vec::with_capacity(plaintext.len() + 200 + 90 * recipients.len());
    let mut writer = encryptor
        .wrap_output(&mut out)
        .map_err(|e| Error::Encrypt(e.to_string()))?;
    writer
        .write_all(plaintext)
        .and_then(|_| writer.finish().map(|_| ()))
        .map_err(|e| Error::Encrypt(e.to_string()))?;
    Ok(out)
}

/// Secret keys held somewhere else (the passphrase agent): an age
/// identity that unwraps a file key without the keys entering this
/// process, with the public halves it answers for.
pub trait RemoteKeys: age::Identity + Send + Sync {
    /// The `age1…` recipients whose secret halves it holds, newest first.
    fn recipients(&self) -> &[String];
    /// The same keys, restricted to the one of `recipient`.
    fn only(&self, recipient: &str) -> Option<Box<dyn RemoteKeys>>;
}

/// One person's X25519 secret keys, newest first. Older keys are kept after
/// a rotation so that history, and files not yet re-encrypted, stay readable.
/// They are in this process, or held by the passphrase agent.
pub struct DecryptionKeys(Held);

enum Held {
    Here(Vec<x25519::Identity>),
    Agent(Box<dyn RemoteKeys>),
}

impl std::fmt::Debug for DecryptionKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.0 {
            Held::Here(keys) => write!(f, "DecryptionKeys({} keys, [redacted])", keys.len()),
            Held::Agent(a) => write!(
                f,
                "DecryptionKeys({} keys in the agent)",
                a.recipients().len()
            ),
        }
    }
}

impl DecryptionKeys {
    /// Wraps keys, newest first; `None` when there are none.
    pub fn new(keys: Vec<x25519::Identity>) -> Option<DecryptionKeys> {
        if keys.is_empty() {
            None
        } else {
            Some(DecryptionKeys(Held::Here(keys)))
        }
    }

    /// Keys the agent holds.
    pub fn in_agent(keys: Box<dyn RemoteKeys>) -> DecryptionKeys {
        DecryptionKeys(Held::Agent(keys))
    }

    /// Every key held in this process, newest first (none when the agent
    /// holds them).
    pub fn all(&self) -> &[x25519::Identity] {
        match &self.0 {
            Held::Here(keys) => keys,
            Held::Agent(_) => &[],
        }
    }

    /// Just the key whose public half is `recipient`, if held.
    pub fn only(&self, recipient: &str) -> Option<DecryptionKeys> {
        match &self.0 {
            Held::Here(keys) => keys
                .iter()
                .find(|k| k.to_public().to_string() == recipient)
                .map(|k| DecryptionKeys(Held::Here(vec![k.clone()]))),
            Held::Agent(a) => a.only(recipient).map(|k| DecryptionKeys(Held::Agent(k))),
        }
    }

    /// Whether one of the keys is the secret half of `recipient` (`age1...`).
    pub fn has_recipient(&self, recipient: &str) -> bool {
        match &self.0 {
            Held::Here(keys) => keys.iter().any(|k| k.to_public().to_string() == recipient),
            Held::Agent(a) => a.recipients().iter().any(|r| r == recipient),
        }
    }

    /// The keys as age identities.
    fn identities(&self) -> Vec<&dyn age::Identity> {
        match &self.0 {
            Held::Here(keys) => keys.iter().map(|k| k as &dyn age::Identity).collect(),
            Held::Agent(a) => vec![a.as_ref() as &dyn age::Identity],
        }
    }
}

/// Re-encrypts `ciphertext` from `keys` to `to`; `Ok(None)` when `keys`
/// cannot decrypt it (re-encryption leaves such a file as it is and names
/// it; see [`crate::ops::rekey`]). Other failures are errors.
pub fn reencrypt<L>(
    ciphertext: &[u8],
    keys: &DecryptionKeys,
    to: &Recipients<L>,
    path: &Path,
) -> Result<Option<Vec<u8>>> {
    match decrypt(ciphertext, keys, path) {
        Ok(plain) => encrypt(&plain, to).map(Some),
        Err(Error::CannotDecrypt { .. }) => Ok(None),
        Err(e) => Err(e),
    }
}

/// Decrypts a binary or armored age file with any of a person's keys.
pub fn decrypt(
    ciphertext: &[u8],
    keys: &DecryptionKeys,
    path: &Path,
) -> Result<Zeroizing<Vec<u8>>> {
    let cannot = || Error::CannotDecrypt {
        path: path.to_path_buf(),
    };
    let reader = age::armor::ArmoredReader::new(ciphertext);
    let decryptor =
        age::Decryptor::new_buffered(std::io::BufReader::new(reader)).map_err(|_| cannot())?;
    if decryptor.is_scrypt() {
        return Err(cannot());
    }
    let mut plain = Zeroizing::new(Vec::with_capacity(ciphertext.len()));
    decryptor
        .decrypt(keys.identities().into_iter())
        .map_err(|_| cannot())?
        .read_to_end(&mut plain)
        .map_err(|_| cannot())?;
    crate::support::fault::panic_point("decrypted", &plain);
    Ok(plain)
}

/// Encrypts with a passphrase (scrypt, work factor `2^log_n`), armored, as
/// `age -p -a` would. Used for the identity file.
pub fn encrypt_with_passphrase(
    plaintext: &[u8],
    passphrase: &SecretString,
    log_n: u8,
) -> Result<Vec<u8>> {
    let mut recipient = age::scrypt::Recipient::new(passphrase.clone());
    recipient.set_work_factor(log_n);
    let encryptor =
        age::Encryptor::with_recipients(std::iter::once(&recipient as &dyn age::Recipient))
            .map_err(|e| Error::Encrypt(e.to_string()))?;
    let mut out = Vec::new();
    let armored = age::armor::ArmoredWriter::wrap_output(&mut out, age::armor::Format::AsciiArmor)
        .map_err(|e| Error::Encrypt(e.to_string()))?;
    let mut writer = encryptor
        .wrap_output(armored)
        .map_err(|e| Error::Encrypt(e.to_string()))?;
    writer
        .write_all(plaintext)
        .and_then(|_| writer.finish())
        .and_then(|armored| armored.finish())
        .map_err(|e| Error::Encrypt(e.to_string()))?;
    Ok(out)
}

/// The outcome of trying a passphrase on a passphrase-encrypted file.
#[derive(Debug)]
pub enum PassphraseError {
    /// The passphrase does not open the file.
    Wrong,
    /// The file is not a passphrase-encrypted age file or is damaged.
    Damaged,
}

/// Decrypts a passphrase-encrypted (scrypt) age file, binary or armored.
pub fn decrypt_with_passphrase(
    ciphertext: &[u8],
    passphrase: &SecretString,
) -> std::result::Result<Zeroizing<Vec<u8>>, PassphraseError> {
    let reader = age::armor::ArmoredReader::new(ciphertext);
    let decryptor = age::Decryptor::new_buffered(std::io::BufReader::new(reader))
        .map_err(|_| PassphraseError::Damaged)?;
    if !decryptor.is_scrypt() {
        return Err(PassphraseError::Damaged);
    }
    let mut identity = age::scrypt::Identity::new(passphrase.clone());
    identity.set_max_work_factor(22);
    let mut plain = Zeroizing::new(Vec::new());
    let mut stream = decryptor
        .decrypt(std::iter::once(&identity as &dyn age::Identity))
        .map_err(|e| match e {
            age::DecryptError::DecryptionFailed
            | age::DecryptError::NoMatchingKeys
            | age::DecryptError::KeyDecryptionFailed => PassphraseError::Wrong,
            _ => PassphraseError::Damaged,
        })?;
    stream
        .read_to_end(&mut plain)
        .map_err(|_| PassphraseError::Damaged)?;
    Ok(plain)
}

/// Counts the X25519 recipient stanzas in a binary age header, ignoring the
/// random "grease" stanza age adds. `None` when the header is unreadable.
pub fn x25519_stanza_count(ciphertext: &[u8]) -> Option<usize> {
    let mut lines = ciphertext.split(|b| *b == b'\n');
    if lines.next()? != b"age-encryption.org/v1" {
        return None;
    }
    let mut count = 0;
    for line in lines {
        if line.starts_with(b"---") {
            return Some(count);
        }
        if line.starts_with(b"-> X25519 ") {
            count += 1;
        }
    }
    None
}

/// Whether `bytes` look like an age file at all (binary or armored).
pub fn looks_like_age(bytes: &[u8]) -> bool {
    let mut reader = std::io::BufReader::new(bytes);
    reader
        .fill_buf()
        .map(|b| {
            b.starts_with(b"age-encryption.org/")
                || b.starts_with(b"-----BEGIN AGE ENCRYPTED FILE-----")
        })
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn approved(keys: &[x25519::Recipient]) -> Recipients<()> {
        Recipients::approved(keys.iter().map(|k| ((), Key::X25519(k.clone()))).collect())
    }

    #[test]
    fn round_trip_to_several_recipients_counts_their_stanzas() {
        let ids: Vec<_> = (0..3).map(|_| x25519::Identity::generate()).collect();
        let recipients: Vec<_> = ids.iter().map(|i| i.to_public()).collect();
        let ct = encrypt(b"hello", &approved(&recipients)).unwrap();
        assert_eq!(x25519_stanza_count(&ct), Some(3));
        for id in ids {
            assert_eq!(
                &decrypt(&ct, &keys(id), Path::new("f")).unwrap()[..],
                b"hello"
            );
        }
    }

    fn keys(id: x25519::Identity) -> DecryptionKeys {
        DecryptionKeys::new(vec![id]).unwrap()
    }

    #[test]
    fn a_rotated_key_set_still_opens_files_for_the_old_key() {
        let old = x25519::Identity::generate();
        let new = x25519::Identity::generate();
        let ct = encrypt(b"old file", &approved(&[old.to_public()])).unwrap();
        let set = DecryptionKeys::new(vec![new, old]).unwrap();
        assert_eq!(
            &decrypt(&ct, &set, Path::new("f")).unwrap()[..],
            b"old file"
        );
    }

    #[test]
    fn outsiders_and_tampering_collapse_to_cannot_decrypt() {
        let raw = x25519::Identity::generate();
        let ct = encrypt(b"hello", &approved(&[raw.to_public()])).unwrap();
        let id = keys(raw);
        let outsider = keys(x25519::Identity::generate());
        assert!(matches!(
            decrypt(&ct, &outsider, Path::new("f")),
            Err(Error::CannotDecrypt { .. })
        ));
        let mut tampered = ct.clone();
        let last = tampered.len() - 1;
        tampered[last] ^= 1;
        assert!(matches!(
            decrypt(&tampered, &id, Path::new("f")),
            Err(Error::CannotDecrypt { .. })
        ));
        assert!(matches!(
            decrypt(&ct[..ct.len() / 2], &id, Path::new("f")),
            Err(Error::CannotDecrypt { .. })
        ));
    }

    #[test]
    fn passphrase_files_tell_wrong_passphrase_from_damage() {
        let pass = SecretString::from("correct horse".to_string());
        let ct = encrypt_with_passphrase(b"secret", &pass, 10).unwrap();
        assert_eq!(&decrypt_with_passphrase(&ct, &pass).unwrap()[..], b"secret");
        let wrong = SecretString::from("wrong".to_string());
        assert!(matches!(
            decrypt_with_passphrase(&ct, &wrong),
            Err(PassphraseError::Wrong)
        ));
        assert!(matches!(
            decrypt_with_passphrase(b"junk", &pass),
            Err(PassphraseError::Damaged)
        ));
    }
}
