//! SSH signatures (SSHSIG) over dossier documents and git commits.
//!
//! Documents in `.dossier/` and `access.yaml` files are signed over their
//! exact bytes in namespace [`DOCUMENT_NAMESPACE`], so stock
//! `ssh-keygen -Y verify -n dossier` checks them. Commits are signed in
//! namespace [`GIT_NAMESPACE`], as git's `gpg.format=ssh` does.

use ssh_key::{HashAlg, LineEnding, PrivateKey, SshSig};

use crate::error::{Error, Result};
use crate::keys::fingerprint::Fingerprint;

/// Namespace of every `.sig` file dossier writes.
pub const DOCUMENT_NAMESPACE: &str = "dossier";
/// Namespace git uses for SSH commit signatures.
pub const GIT_NAMESPACE: &str = "git";

/// The largest armored signature [`verify`] reads. An ed25519 SSHSIG is
/// about 300 bytes and even an RSA-16384 one stays under 6 KiB; anything
/// larger is refused before it is decoded.
pub const MAX_SIGNATURE_BYTES: usize = 16 * 1024;

/// What can sign for a person: their key in this process, or the
/// passphrase agent holding it.
pub trait Signer: Send + Sync {
    /// An armored SSHSIG of `message` in `namespace`, ending in a newline.
    fn sign_message(&self, namespace: &str, message: &[u8]) -> Result<String>;
}

impl Signer for PrivateKey {
    fn sign_message(&self, namespace: &str, message: &[u8]) -> Result<String> {
        sign_with_key(self, namespace, message)
    }
}

/// Signs `message`, returning an armored `-----BEGIN SSH SIGNATURE-----` block
/// ending in a newline.
pub fn sign(key: &(impl Signer + ?Sized), namespace: &str, message: &[u8]) -> Result<String> {
    key.sign_message(namespace, message)
}

fn sign_with_key(key: &PrivateKey, namespace: &str, message: &[u8]) -> Result<String> {
    let sig = key
        .sign(namespace, HashAlg::Sha512, message)
        .map_err(|e| Error::Sign(e.to_string()))?;
    let mut pem = sig
        .to_pem(LineEnding::LF)
        .map_err(|e| Error::Sign(e.to_string()))?;
    if !pem.ends_with('\n') {
        pem.push('\n');
    }
    Ok(pem)
}

/// A signature that verified: who made it.
#[derive(Debug, Clone)]
pub struct Verified {
    /// The signer's fingerprint.
    pub signer: Fingerprint,
    /// The signer's public key in OpenSSH form.
    pub public_key: ssh_key::PublicKey,
}

/// Checks an armored signature over `message` in `namespace`, returning the
/// signer. The caller decides whether that signer is entitled to sign.
/// A signature over [`MAX_SIGNATURE_BYTES`] is refused undecoded; the
/// reason, like every other, is a phrase the caller puts in its sentence
/// about the signed document.
pub fn verify(
    armored: &[u8],
    namespace: &str,
    message: &[u8],
) -> std::result::Result<Verified, String> {
    if armored.len() > MAX_SIGNATURE_BYTES {
        return Err(format!(
            "the signature is larger than {}, the most dossier reads, so it was not decoded",
            crate::error::human_bytes(MAX_SIGNATURE_BYTES)
        ));
    }
    let sig = SshSig::from_pem(armored)
        .map_err(|_| "the signature is not a readable SSH signature".to_string())?;
    if sig.namespace() != namespace {
        return Err(format!(
            "the signature is for namespace `{}`, not `{namespace}`",
            sig.namespace()
        ));
    }
    let public_key = ssh_key::PublicKey::from(sig.public_key().clone());
    public_key
        .verify(namespace, message, &sig)
        .map_err(|_| "the signature does not match the signed content".to_string())?;
    Ok(Verified {
        signer: Fingerprint::of(&public_key),
        public_key,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> PrivateKey {
        PrivateKey::random(&mut rand::rngs::OsRng, ssh_key::Algorithm::Ed25519).unwrap()
    }

    #[test]
    fn a_signature_verifies_and_names_its_signer() {
        let k = key();
        let sig = sign(&k, DOCUMENT_NAMESPACE, b"doc").unwrap();
        let v = verify(sig.as_bytes(), DOCUMENT_NAMESPACE, b"doc").unwrap();
        assert_eq!(v.signer, Fingerprint::of(k.public_key()));
    }

    #[test]
    fn altered_content_or_wrong_namespace_fails() {
        let k = key();
        let sig = sign(&k, DOCUMENT_NAMESPACE, b"doc").unwrap();
        assert!(verify(sig.as_bytes(), DOCUMENT_NAMESPACE, b"dog").is_err());
        assert!(verify(sig.as_bytes(), GIT_NAMESPACE, b"doc").is_err());
        assert!(verify(b"garbage", DOCUMENT_NAMESPACE, b"doc").is_err());
    }

    #[test]
    fn an_oversized_signature_is_refused_undecoded() {
        let k = key();
        let sig = sign(&k, DOCUMENT_NAMESPACE, b"doc").unwrap();
        let padded = format!("{sig}{}", "\n".repeat(MAX_SIGNATURE_BYTES));
        let why = verify(padded.as_bytes(), DOCUMENT_NAMESPACE, b"doc").unwrap_err();
        assert!(why.contains("larger than 16 KiB"), "{why}");
        let huge = "A".repeat(1024 * 1024);
        assert!(verify(huge.as_bytes(), DOCUMENT_NAMESPACE, b"doc").is_err());
    }
}
