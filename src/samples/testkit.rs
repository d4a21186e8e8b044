//! Shared fixtures for the library's unit tests.

use crate::keys::identity::{self, GenerateOptions, Home, Identity, Session};
use crate::support::secret::{FixedPassphrase, SecretString};
use crate::vault::Vault;

/// An unprotected identity "Ada" under `dir/home` and a vault she founded
/// under `dir/vault`.
pub fn owner_and_vault(dir: &std::path::Path) -> (Session, Vault) {
    let home = Home::new(dir.join("home"));
    identity::generate(
        &home,
        GenerateOptions {
            name: "Ada".into(),
            email: "ada@x.example".into(),
            passphrase: None,
            expires: None,
            scrypt_log_n: 10,
        },
    )
    .expect("generate");
    let session = Session::new(
        Identity::load(&home).expect("load"),
        Box::new(FixedPassphrase::new(SecretString::from(String::new()))),
    );
    let vault = crate::ops::admin::init(&dir.join("vault"), "T", &session).expect("init");
    (session, vault)
}
