//! Passphrases and secret buffers.
//!
//! The core never touches a terminal: it asks for a passphrase through
//! [`PassphraseSource`] (as age's `Callbacks` does), and the CLI or TUI
//! decides how to obtain it. Secrets live in `secrecy`/`zeroize` types whose
//! `Debug` prints nothing.

pub use secrecy::{ExposeSecret, SecretString};
pub use zeroize::Zeroizing;

use crate::error::Result;

/// Implements `Debug` for a type holding decrypted content so that it
/// prints only its type name: a stray `{:?}`, a panic message or a test
/// failure never shows case content.
#[macro_export]
macro_rules! redacted_debug {
    ($($t:ty),+ $(,)?) => {$(
        impl ::std::fmt::Debug for $t {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(concat!(stringify!($t), "([redacted])"))
            }
        }
    )+};
}

/// Where a passphrase comes from when the core needs one.
pub trait PassphraseSource: Send + Sync {
    /// Returns the passphrase for `purpose` (e.g. "unlock the identity in ~/.local/share/dossier").
    fn passphrase(&self, purpose: &str) -> Result<SecretString>;
}

/// A passphrase known in advance (from `DOSSIER_PASSPHRASE`, a file, a TUI prompt).
pub struct FixedPassphrase(SecretString);

impl FixedPassphrase {
    /// Wraps a passphrase.
    pub fn new(passphrase: SecretString) -> Self {
        FixedPassphrase(passphrase)
    }
}

impl PassphraseSource for FixedPassphrase {
    fn passphrase(&self, _purpose: &str) -> Result<SecretString> {
        Ok(SecretString::from(self.0.expose_secret().to_owned()))
    }
}

/// A source for identities stored without a passphrase: asking is an error.
pub struct NoPassphrase;

impl PassphraseSource for NoPassphrase {
    fn passphrase(&self, _purpose: &str) -> Result<SecretString> {
        Err(crate::Error::NoPassphrase(
            "this identity is passphrase-protected; set DOSSIER_PASSPHRASE or use --passphrase-file".into(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use crate::case::CaseRecord;

    #[test]
    fn decrypted_content_never_shows_in_debug_output() {
        let record = CaseRecord {
            title: "Asylum appeal of Miriam Tesfaye".into(),
            ..CaseRecord::default()
        };
        let shown = format!("{record:?} {:?}", record.client);
        assert!(!shown.contains("Miriam"), "{shown}");
        assert_eq!(shown, "CaseRecord([redacted]) Client([redacted])");
    }
}
