//! Signed documents: a YAML file with a detached SSHSIG beside it
//! (`<file>.sig`, namespace [`DOCUMENT_NAMESPACE`]).
//!
//! Every signed document of a vault (`vault.yaml`, `groups.yaml`, each
//! case's `access.yaml`, a key's binding and revocation) is loaded the same
//! way, here: read the file, parse it, read its `.sig`,
//! verify the signature, and only then let the caller judge the signer
//! ([`Signed::signed_by`]) — the one step whose rule differs by document.
//! A missing signature, a bad one and a signer the rule refuses are each
//! [`Error::BadSignature`] naming the document, never its content.

use crate::error::{Error, Result};
use crate::keys::fingerprint::Fingerprint;
use crate::keys::signature::{self, DOCUMENT_NAMESPACE};

/// A document whose detached signature verified, with who made it.
#[derive(Debug, Clone)]
pub struct Signed<T> {
    /// The parsed document.
    pub doc: T,
    /// The key that signed it (not yet judged: see [`Signed::signed_by`]).
    pub signer: Fingerprint,
    /// The document's bytes exactly as signed.
    pub bytes: Vec<u8>,
}

impl<T> Signed<T> {
    /// Reads the document at `path` and its `.sig` through `read` (a commit,
    /// the working tree), parses it with `parse` and checks the signature.
    /// `Ok(None)` when there is no document; `what` names it in errors.
    pub fn read(
        read: impl Fn(&str) -> Result<Option<Vec<u8>>>,
        path: &str,
        what: &str,
        parse: impl FnOnce(&[u8]) -> Result<T>,
    ) -> Result<Option<Signed<T>>> {
        let Some(bytes) = read(path)? else {
            return Ok(None);
        };
        let doc = parse(&bytes)?;
        let sig = read(&format!("{path}.sig"))?;
        let name = path.rsplit('/').next().unwrap_or(path);
        Signed::verify(
            doc,
            bytes,
            sig.as_deref(),
            what,
            &format!("{name}.sig is missing"),
        )
        .map(Some)
    }

    /// Checks `sig` over `bytes`, the source of the already parsed `doc`;
    /// `missing` is the reason given when there is no signature.
    pub fn verify(
        doc: T,
        bytes: Vec<u8>,
        sig: Option<&[u8]>,
        what: &str,
        missing: &str,
    ) -> Result<Signed<T>> {
        let bad = |reason: String| Error::BadSignature {
            what: what.to_string(),
            reason,
        };
        let sig = sig.ok_or_else(|| bad(missing.to_string()))?;
        let v = signature::verify(sig, DOCUMENT_NAMESPACE, &bytes).map_err(bad)?;
        Ok(Signed {
            doc,
            signer: v.signer,
            bytes,
        })
    }

    /// Judges the signer: keeps the document when `allowed(doc, signer)`
    /// says the signer may sign it, else refuses with "it is signed by KEY, REFUSAL"
    /// (`refusal` says why: "who is not one of its roots").
    pub fn signed_by(
        self,
        allowed: impl FnOnce(&T, &Fingerprint) -> bool,
        what: &str,
        refusal: &str,
    ) -> Result<Signed<T>> {
        if allowed(&self.doc, &self.signer) {
            Ok(self)
        } else {
            Err(Error::BadSignature {
                what: what.to_string(),
                reason: format!("it is signed by {}, {refusal}", self.signer),
            })
        }
    }
}

/// The key that signed `bytes` with the detached signature `sig`, when the
/// signature verifies (whoever they are); for reports that only say who
/// signed, and judge nothing.
pub fn signer_of(bytes: &[u8], sig: &[u8]) -> Option<Fingerprint> {
    signature::verify(sig, DOCUMENT_NAMESPACE, bytes)
        .ok()
        .map(|v| v.signer)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn files(pairs: &[(&str, Vec<u8>)]) -> impl Fn(&str) -> Result<Option<Vec<u8>>> {
        let map: BTreeMap<String, Vec<u8>> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect();
        move |p| Ok(map.get(p).cloned())
    }

    fn text(bytes: &[u8]) -> Result<String> {
        Ok(String::from_utf8_lossy(bytes).into_owned())
    }

    #[test]
    fn a_document_is_read_verified_and_judged_once() {
        let key = ssh_key::PrivateKey::random(&mut rand::rngs::OsRng, ssh_key::Algorithm::Ed25519)
            .unwrap();
        let fp = Fingerprint::of(key.public_key());
        let doc = b"name: firm\n".to_vec();
        let sig = signature::sign(&key, DOCUMENT_NAMESPACE, &doc)
            .unwrap()
            .into_bytes();
        let read = files(&[("d/x.yaml", doc.clone()), ("d/x.yaml.sig", sig.clone())]);

        let signed = Signed::read(&read, "d/x.yaml", "x", text).unwrap().unwrap();
        assert_eq!(signed.signer, fp);
        assert_eq!(signed.doc, "name: firm\n");
        assert!(signed
            .clone()
            .signed_by(|_, s| *s == fp, "x", "who is not a root")
            .is_ok());
        let refused = signed
            .signed_by(|_, _| false, "x", "who is not a root")
            .unwrap_err();
        assert_eq!(
            refused.to_string(),
            Error::BadSignature {
                what: "x".into(),
                reason: format!("it is signed by {fp}, who is not a root"),
            }
            .to_string()
        );

        assert!(Signed::read(&read, "d/none.yaml", "x", text)
            .unwrap()
            .is_none());
        let unsigned = files(&[("d/x.yaml", doc.clone())]);
        let e = Signed::read(&unsigned, "d/x.yaml", "x", text).unwrap_err();
        assert!(e.to_string().contains("x.yaml.sig is missing"), "{e}");
        let forged = files(&[
            ("d/x.yaml", b"name: other\n".to_vec()),
            ("d/x.yaml.sig", sig),
        ]);
        assert!(matches!(
            Signed::read(&forged, "d/x.yaml", "x", text),
            Err(Error::BadSignature { .. })
        ));
    }
}
