//! The one test kit: people, vaults and in-memory vault states for tests
//! and benchmarks — the library's unit tests, the TUI's tests, the
//! integration tests and `benches/` all build on it.
//!
//! Never for real use: identities made here have no passphrase and the
//! weakest key stretching dossier accepts ([`FAST_SCRYPT_LOG_N`]), so a
//! test suite runs in minutes rather than hours.

use std::collections::BTreeMap;
use std::path::Path;

use chrono::{DateTime, Utc};

use crate::error::Result;
use crate::keys::card::{CardFields, KeyCard};
use crate::keys::fingerprint::Fingerprint;
use crate::keys::identity::{self, GenerateOptions, Home, Identity, Session};
use crate::keys::signature::{self, DOCUMENT_NAMESPACE};
use crate::repo::snapshot::Files;
use crate::support::secret::{FixedPassphrase, NoPassphrase, SecretString};
use crate::vault::keyring::Revocation;
use crate::vault::layout::{card_path, certification_path, revocation_path};
use crate::vault::Vault;

/// The scrypt cost of identities made for tests (`log_n`).
pub const FAST_SCRYPT_LOG_N: u8 = 10;

/// A new identity named `name` (email `<name>@<domain>`) in `dir/<name>`,
/// without a passphrase, as an unlocked session.
pub fn person(dir: &Path, name: &str, domain: &str) -> Result<Session> {
    person_at(
        &dir.join(name),
        name,
        &format!("{}@{domain}", name.to_lowercase()),
    )
}

/// [`person`] with the identity home `home` and the address `email`.
pub fn person_at(home: &Path, name: &str, email: &str) -> Result<Session> {
    let home = Home::new(home);
    identity::generate(
        &home,
        GenerateOptions {
            name: name.into(),
            email: email.into(),
            passphrase: None,
            expires: None,
            scrypt_log_n: FAST_SCRYPT_LOG_N,
        },
    )?;
    let session = Session::new(Identity::load(&home)?, Box::new(NoPassphrase));
    session.unlock()?;
    Ok(session)
}

/// A session on the existing identity in `home`, unlocked with `passphrase`
/// when it needs one.
pub fn session(home: &Path, passphrase: &str) -> Result<Session> {
    Ok(Session::new(
        Identity::load(&Home::new(home))?,
        Box::new(FixedPassphrase::new(SecretString::from(
            passphrase.to_string(),
        ))),
    ))
}

/// `root` founds a vault named `name` in `dir`.
pub fn founded_vault(dir: &Path, name: &str, root: &Session) -> Result<Vault> {
    crate::ops::admin::init(dir, name, root)
}

/// `who` joins `vault`: `root` imports their card and certifies it. The
/// vault is reloaded; returns `who`'s fingerprint.
pub fn join(vault: &mut Vault, root: &Session, who: &Session) -> Result<Fingerprint> {
    let card = who.identity().card().to_yaml()?;
    let fp = crate::ops::admin::import_card(vault, root, card.as_bytes())?;
    vault.reload()?;
    crate::ops::admin::certify(vault, root, &fp)?;
    vault.reload()?;
    Ok(fp)
}

/// An unprotected identity "Ada" under `dir/home` and a vault she founded
/// under `dir/vault` (the library's unit tests' usual start).
#[cfg(test)]
pub(crate) fn owner_and_vault(dir: &Path) -> (Session, Vault) {
    let session = person_at(&dir.join("home"), "Ada", "ada@x.example").expect("person");
    let vault = founded_vault(&dir.join("vault"), "T", &session).expect("init");
    (session, vault)
}

/// A vault state in memory (path → bytes), for loading keyrings, groups and
/// access lists without a repository.
#[derive(Debug, Clone, Default)]
pub struct MemFiles(pub BTreeMap<String, Vec<u8>>);

impl MemFiles {
    /// Puts `bytes` at `rel`.
    pub fn put(&mut self, rel: impl Into<String>, bytes: impl Into<Vec<u8>>) {
        self.0.insert(rel.into(), bytes.into());
    }
}

impl Files for MemFiles {
    fn read(&self, rel: &str) -> Result<Option<Vec<u8>>> {
        Ok(self.0.get(rel).cloned())
    }

    fn list(&self, dir: &str) -> Result<Vec<String>> {
        let prefix = format!("{dir}/");
        Ok(self
            .0
            .keys()
            .filter_map(|k| k.strip_prefix(&prefix))
            .filter(|rest| !rest.contains('/'))
            .map(str::to_string)
            .collect())
    }
}

/// A person's keys made in memory (no identity on disk): for keyring
/// fixtures.
pub struct TestKey {
    /// The signing key.
    pub signing: ssh_key::PrivateKey,
    /// The age identity.
    pub age: age::x25519::Identity,
    /// The self-signed card.
    pub card: KeyCard,
    /// Its fingerprint.
    pub fp: Fingerprint,
}

impl TestKey {
    /// New random keys for `name`, with a card issued at `created`.
    pub fn new(name: &str, created: DateTime<Utc>) -> Result<TestKey> {
        let signing =
            ssh_key::PrivateKey::random(&mut rand::rngs::OsRng, ssh_key::Algorithm::Ed25519)
                .map_err(|e| crate::error::Error::Git(format!("cannot make a test key: {e}")))?;
        let age = age::x25519::Identity::generate();
        let email = format!("{}@test.example", name.to_lowercase());
        let card = KeyCard::issue(
            CardFields {
                name,
                email: &email,
                age_recipient: &age.to_public(),
                created,
                expires: None,
            },
            &signing,
        )?;
        let fp = card.fingerprint()?;
        Ok(TestKey {
            signing,
            age,
            card,
            fp,
        })
    }

    /// Signs `bytes` as a document (the `.sig` beside a signed file).
    pub fn sign(&self, bytes: &[u8]) -> Result<String> {
        signature::sign(&self.signing, DOCUMENT_NAMESPACE, bytes)
    }

    /// Puts this key's card into `files`' keyring, certified by `by`
    /// (uncertified with `None`).
    pub fn add_to(&self, files: &mut MemFiles, by: Option<&TestKey>) -> Result<()> {
        let card = self.card.to_yaml()?;
        if let Some(by) = by {
            files.put(certification_path(&self.fp), by.sign(card.as_bytes())?);
        }
        files.put(card_path(&self.fp), card);
        Ok(())
    }

    /// Puts a revocation of this key, signed by `by`, into `files`.
    pub fn revoke_in(&self, files: &mut MemFiles, by: &TestKey, at: DateTime<Utc>) -> Result<()> {
        let text = crate::support::yaml::render(&Revocation {
            dossier_revocation: 1,
            key: self.fp,
            revoked_at: at,
            reason: "left the firm".into(),
        })?;
        files.put(
            format!("{}.sig", revocation_path(&self.fp)),
            by.sign(text.as_bytes())?,
        );
        files.put(revocation_path(&self.fp), text);
        Ok(())
    }
}

/// A commit on `parent` made the way a hostile colleague would make one,
/// bypassing every check: `changes` put (`Some(bytes)`) or remove (`None`)
/// files, `message` is the whole commit message, and `key` signs it (in the
/// git namespace, as `git commit -S` would) or it is left unsigned. No ref
/// moves; returns the commit.
pub fn forged_commit(
    repo: &git2::Repository,
    key: Option<&ssh_key::PrivateKey>,
    parent: git2::Oid,
    changes: &[(&str, Option<&[u8]>)],
    message: &str,
) -> Result<git2::Oid> {
    let parent = repo.find_commit(parent)?;
    let mut index = git2::Index::new()?;
    index.read_tree(&parent.tree()?)?;
    for (path, bytes) in changes {
        match bytes {
            Some(bytes) => {
                let id = repo.blob(bytes)?;
                index.add(&crate::repo::store::index_entry(path, id, bytes.len()))?;
            }
            None => index.remove_path(Path::new(path))?,
        }
    }
    let tree = repo.find_tree(index.write_tree_to(repo)?)?;
    let who = git2::Signature::now("Mallory", "mallory@test.example")?;
    let buffer = repo.commit_create_buffer(&who, &who, message, &tree, &[&parent])?;
    let content = String::from_utf8_lossy(&buffer).into_owned();
    Ok(match key {
        Some(key) => {
            let armored = signature::sign(
                key,
                crate::keys::signature::GIT_NAMESPACE,
                content.as_bytes(),
            )?;
            repo.commit_signed(&content, armored.trim_end(), Some("gpgsig"))?
        }
        None => repo
            .odb()?
            .write(git2::ObjectType::Commit, content.as_bytes())?,
    })
}

/// A sync report from the remote `origin` (for tests of how results are
/// shown).
pub fn sync_report(
    received: usize,
    outcome: crate::sync::Outcome,
    pushed: bool,
) -> crate::sync::SyncReport {
    crate::sync::SyncReport {
        remote: crate::sync::remotes::Remote {
            name: "origin".into(),
            url: "/srv/vault.git".into(),
        },
        received,
        outcome,
        pushed,
    }
}
