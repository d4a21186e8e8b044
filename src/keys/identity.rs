//! A person's identity: their secret keys on this machine.
//!
//! Two standard files under the identity home (`$DOSSIER_HOME`, default
//! `$XDG_DATA_HOME/dossier`), each readable with stock tools:
//! - `identity.age`: the age X25519 secret key, age-passphrase-encrypted
//!   (scrypt, armored), so `age -d -i identity.age` works with the passphrase;
//! - `signing_key`: an OpenSSH ed25519 private key, passphrase-encrypted
//!   (bcrypt-pbkdf + aes256-ctr), usable by `ssh-keygen -Y sign` and git.
//!
//! Beside them, `signing_key.pub` and `card.yaml` (the self-signed public
//! card) are public. With `--no-passphrase` both secret files are stored
//! unencrypted, a choice the user makes explicitly.
//!
//! A [`Session`] unlocks lazily: one passphrase request at most, the
//! decryption keys and the signing key each decrypted the first time needed.
//!
//! `identity.age` may hold several age secret keys, newest first: `key
//! rotate` adds a new one and keeps the old ones, so files in history (and
//! any not yet re-encrypted) stay readable. Stock `age -d -i` tries them all.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use age::x25519;
use chrono::{DateTime, Utc};
use secrecy::{ExposeSecret, SecretString};
use ssh_key::{LineEnding, PrivateKey};

use crate::crypto::{self, DecryptionKeys, PassphraseError};
use crate::error::{Error, Result};
use crate::keys::agent::{AgentClient, AgentKeys, AgentSigner};
use crate::keys::card::{CardFields, KeyCard};
use crate::keys::fingerprint::Fingerprint;
use crate::keys::signature::Signer;
use crate::support::fsio::{self, Mode};
use crate::support::secret::{PassphraseSource, Zeroizing};

/// Default scrypt work factor (log2 N) for `identity.age`: about one second
/// of deliberate cost on the machines here (DESIGN §11).
pub const DEFAULT_SCRYPT_LOG_N: u8 = 18;

/// The directory holding one person's identity files.
#[derive(Debug, Clone)]
pub struct Home {
    dir: PathBuf,
}

impl Home {
    /// An identity home at `dir`.
    pub fn new(dir: impl Into<PathBuf>) -> Home {
        Home { dir: dir.into() }
    }

    /// The default home: `$DOSSIER_HOME`, else `$XDG_DATA_HOME/dossier`, else
    /// `~/.local/share/dossier`.
    pub fn default_location() -> Option<Home> {
        if let Some(dir) = std::env::var_os("DOSSIER_HOME").filter(|v| !v.is_empty()) {
            return Some(Home::new(dir));
        }
        crate::support::paths::xdg_dir("XDG_DATA_HOME", ".local/share")
            .map(|d| Home::new(d.join("dossier")))
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }
    /// `identity.age`.
    pub fn identity_path(&self) -> PathBuf {
        self.dir.join("identity.age")
    }
    /// `signing_key`.
    pub fn signing_key_path(&self) -> PathBuf {
        self.dir.join("signing_key")
    }
    /// `card.yaml`, the public card.
    pub fn card_path(&self) -> PathBuf {
        self.dir.join("card.yaml")
    }
    fn exists(&self) -> bool {
        self.identity_path().exists() || self.signing_key_path().exists()
    }
}

/// What `key generate` needs.
pub struct GenerateOptions {
    /// Display name on the card.
    pub name: String,
    /// Contact address on the card.
    pub email: String,
    /// The passphrase; `None` stores the keys unencrypted (`--no-passphrase`).
    pub passphrase: Option<SecretString>,
    /// Card expiry.
    pub expires: Option<DateTime<Utc>>,
    /// scrypt work factor for `identity.age`.
    pub scrypt_log_n: u8,
}

/// Creates a new identity in `home`; refuses to overwrite one.
pub fn generate(home: &Home, options: GenerateOptions) -> Result<KeyCard> {
    if home.exists() {
        return Err(Error::IdentityExists(home.dir().to_path_buf()));
    }
    if let Some(p) = &options.passphrase {
        if p.expose_secret().is_empty() {
            return Err(Error::EmptyPassphrase);
        }
    }
    let age_identity = x25519::Identity::generate();
    let mut signing = PrivateKey::random(&mut rand::rngs::OsRng, ssh_key::Algorithm::Ed25519)
        .map_err(|e| Error::Sign(e.to_string()))?;
    signing.set_comment(format!("dossier {}", options.email));
    let now = Utc::now();
    let card = KeyCard::issue(
        CardFields {
            name: &options.name,
            email: &options.email,
            age_recipient: &age_identity.to_public(),
            created: now,
            expires: options.expires,
        },
        &signing,
    )?;

    let identity_text = Zeroizing::new(format!(
        "# created: {}\n# public key: {}\n{}\n",
        now.to_rfc3339(),
        age_identity.to_public(),
        age_identity.to_string().expose_secret()
    ));
    let (identity_bytes, signing_text) = match &options.passphrase {
        Some(pass) => {
            let encrypted_id = crypto::encrypt_with_passphrase(
                identity_text.as_bytes(),
                pass,
                options.scrypt_log_n,
            )?;
            let encrypted_key = signing
                .encrypt(&mut rand::rngs::OsRng, pass.expose_secret().as_bytes())
                .map_err(|e| Error::Sign(e.to_string()))?;
            let pem = encrypted_key
                .to_openssh(LineEnding::LF)
                .map_err(|e| Error::Sign(e.to_string()))?;
            (Zeroizing::new(encrypted_id), pem)
        }
        None => {
            let pem = signing
                .to_openssh(LineEnding::LF)
                .map_err(|e| Error::Sign(e.to_string()))?;
            (Zeroizing::new(identity_text.as_bytes().to_vec()), pem)
        }
    };
    let public_line = signing
        .public_key()
        .to_openssh()
        .map_err(|e| Error::Sign(e.to_string()))?;

    fsio::create_private_dir(home.dir())?;
    fsio::write_atomic(
        &home.signing_key_path(),
        signing_text.as_bytes(),
        Mode::Private,
    )?;
    fsio::write_atomic(
        &home.dir().join("signing_key.pub"),
        format!("{public_line}\n").as_bytes(),
        Mode::Shared,
    )?;
    fsio::write_atomic(&home.card_path(), card.to_yaml()?.as_bytes(), Mode::Shared)?;
    // identity.age last: its presence marks a complete identity.
    fsio::write_atomic(&home.identity_path(), &identity_bytes, Mode::Private)?;
    Ok(card)
}

/// The public side of an identity, loaded without a passphrase.
#[derive(Debug, Clone)]
pub struct Identity {
    home: Home,
    card: KeyCard,
    fingerprint: Fingerprint,
}

impl Identity {
    /// Loads the identity in `home`.
    pub fn load(home: &Home) -> Result<Identity> {
        if !home.identity_path().exists() || !home.card_path().exists() {
            return Err(Error::NoIdentity(home.dir().to_path_buf()));
        }
        let card_path = home.card_path();
        let card = KeyCard::parse(&fsio::read(&card_path)?, &card_path.display().to_string())?;
        let fingerprint = card.fingerprint()?;
        Ok(Identity {
            home: home.clone(),
            card,
            fingerprint,
        })
    }

    /// The public card.
    pub fn card(&self) -> &KeyCard {
        &self.card
    }
    /// The fingerprint.
    pub fn fingerprint(&self) -> Fingerprint {
        self.fingerprint
    }
    /// Where it lives.
    pub fn home(&self) -> &Home {
        &self.home
    }

    /// Replaces the stored public card (after re-issuing it, e.g. a new expiry).
    pub fn store_card(&mut self, card: KeyCard) -> Result<()> {
        fsio::write_atomic(
            &self.home.card_path(),
            card.to_yaml()?.as_bytes(),
            Mode::Shared,
        )?;
        self.card = card;
        Ok(())
    }
}

/// An identity being used: secrets decrypted on first need, with the
/// passphrase asked for at most once.
pub struct Session {
    identity: Identity,
    source: Box<dyn PassphraseSource>,
    passphrase: OnceLock<SecretString>,
    age: OnceLock<DecryptionKeys>,
    signer: OnceLock<PrivateKey>,
    /// The passphrase agent holding this identity's keys, if one is used.
    agent: Option<AgentClient>,
    held: OnceLock<DecryptionKeys>,
    agent_signer: OnceLock<AgentSigner>,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Session({}, [redacted])", self.identity.fingerprint)
    }
}

impl Session {
    /// Starts a session; nothing is decrypted yet.
    pub fn new(identity: Identity, source: Box<dyn PassphraseSource>) -> Session {
        Session {
            identity,
            source,
            passphrase: OnceLock::new(),
            age: OnceLock::new(),
            signer: OnceLock::new(),
            agent: None,
            held: OnceLock::new(),
            agent_signer: OnceLock::new(),
        }
    }

    /// A session whose decryption and signing go to `agent`, which holds
    /// this identity's keys unlocked; what must happen here (rewriting
    /// `identity.age` on a rotation, exporting the age secret, SSH
    /// transport) still unlocks here, asking `source`.
    pub fn with_agent(
        identity: Identity,
        source: Box<dyn PassphraseSource>,
        agent: AgentClient,
    ) -> Session {
        Session {
            agent: Some(agent),
            ..Session::new(identity, source)
        }
    }

    /// Whether an agent holds the keys.
    pub fn has_agent(&self) -> bool {
        self.agent.is_some()
    }

    /// What signs for this person: the agent, else the key here.
    pub fn signer(&self) -> Result<&dyn Signer> {
        match &self.agent {
            Some(agent) => Ok(self
                .agent_signer
                .get_or_init(|| AgentSigner::new(agent.clone()))),
            None => Ok(self.signing_key()?),
        }
    }

    /// The public identity.
    pub fn identity(&self) -> &Identity {
        &self.identity
    }

    /// The acting person's fingerprint.
    pub fn fingerprint(&self) -> Fingerprint {
        self.identity.fingerprint
    }

    /// Makes both keys ready now, so nothing asks later (the TUI unlock
    /// prompt, and `sync` before it takes the network): without an agent
    /// both secret keys are decrypted here; with one, only its answer is
    /// checked, since it decrypts and signs (and SSH remotes then use
    /// ssh-agent or `DOSSIER_SSH_KEY`, never this key: the local signing
    /// key, and its bcrypt, are never needed).
    pub fn unlock(&self) -> Result<()> {
        self.decryption_keys()?;
        if self.agent.is_some() {
            self.signer()?;
        } else {
            self.signing_key()?;
        }
        Ok(())
    }

    /// The age X25519 secret keys, newest first, as they were when first
    /// needed in this session: held by the agent when one is used.
    pub fn decryption_keys(&self) -> Result<&DecryptionKeys> {
        let Some(agent) = &self.agent else {
            return self.local_decryption_keys();
        };
        if let Some(k) = self.held.get() {
            return Ok(k);
        }
        let status = agent.status()?;
        if !status.unlocked
            || status.fingerprint.as_deref() != Some(self.identity.fingerprint.to_string().as_str())
        {
            return Err(Error::AgentRefused(
                "it does not hold this identity's keys (locked, or another identity)".into(),
            ));
        }
        let keys = AgentKeys::new(agent.clone(), status.recipients);
        Ok(self
            .held
            .get_or_init(|| DecryptionKeys::in_agent(Box::new(keys))))
    }

    /// The age X25519 secret keys decrypted in this process, newest first
    /// (asking for the passphrase even when an agent is used).
    pub fn local_decryption_keys(&self) -> Result<&DecryptionKeys> {
        if let Some(k) = self.age.get() {
            return Ok(k);
        }
        let text = self.identity_file_text()?;
        let keys = parse_age_identities(&text, &self.identity.home.identity_path())?;
        // The card's original key is never dropped, so it must be there.
        if !keys.has_recipient(&self.identity.card.age_recipient) {
            return Err(Error::DamagedIdentity {
                path: self.identity.home.identity_path(),
                reason: "it does not match card.yaml".into(),
            });
        }
        Ok(self.age.get_or_init(|| keys))
    }

    /// Adds a new age secret key to `identity.age`, in front of the existing
    /// ones, re-encrypted with the same passphrase (scrypt work factor
    /// `2^scrypt_log_n`). Used by key rotation before anything is encrypted
    /// to the new key, so a crash can never leave files only it can open.
    /// This session keeps decrypting with the keys it already loaded.
    pub fn add_decryption_key(&self, key: &x25519::Identity, scrypt_log_n: u8) -> Result<()> {
        let path = self.identity.home.identity_path();
        let old_keys = self.local_decryption_keys()?;
        let protected = crypto::looks_like_age(&fsio::read(&path)?);
        let mut text = Zeroizing::new(format!(
            "# added: {}\n# public key: {}\n{}\n",
            Utc::now().to_rfc3339(),
            key.to_public(),
            key.to_string().expose_secret()
        ));
        for old in old_keys.all() {
            text.push_str(&format!(
                "# public key: {}\n{}\n",
                old.to_public(),
                old.to_string().expose_secret()
            ));
        }
        let bytes = if protected {
            Zeroizing::new(crypto::encrypt_with_passphrase(
                text.as_bytes(),
                self.passphrase()?,
                scrypt_log_n,
            )?)
        } else {
            Zeroizing::new(text.as_bytes().to_vec())
        };
        fsio::write_atomic(&path, &bytes, Mode::Private)
    }

    /// The ed25519 signing key.
    pub fn signing_key(&self) -> Result<&PrivateKey> {
        if let Some(k) = self.signer.get() {
            return Ok(k);
        }
        let path = self.identity.home.signing_key_path();
        let pem = Zeroizing::new(fsio::read(&path)?);
        let damaged = |reason: &str| Error::DamagedIdentity {
            path: path.clone(),
            reason: reason.into(),
        };
        let stored = PrivateKey::from_openssh(&*pem)
            .map_err(|_| damaged("it is not an OpenSSH private key"))?;
        let key = if stored.is_encrypted() {
            let pass = self.passphrase()?;
            stored
                .decrypt(pass.expose_secret().as_bytes())
                .map_err(|_| Error::WrongPassphrase)?
        } else {
            stored
        };
        if Fingerprint::of(key.public_key()) != self.identity.fingerprint {
            return Err(damaged("it does not match card.yaml"));
        }
        Ok(self.signer.get_or_init(|| key))
    }

    /// The age secret keys as an identity file (one key per line, newest
    /// first), for `key export-age-secret` (recovery with stock `age -i`).
    pub fn age_secret_text(&self) -> Result<SecretString> {
        let mut out = String::new();
        for k in self.local_decryption_keys()?.all() {
            out.push_str(k.to_string().expose_secret());
            out.push('\n');
        }
        Ok(SecretString::from(out))
    }

    fn identity_file_text(&self) -> Result<Zeroizing<Vec<u8>>> {
        let path = self.identity.home.identity_path();
        let bytes = fsio::read(&path)?;
        if !crypto::looks_like_age(&bytes) {
            return Ok(Zeroizing::new(bytes));
        }
        let pass = self.passphrase()?;
        crypto::decrypt_with_passphrase(&bytes, pass).map_err(|e| match e {
            PassphraseError::Wrong => Error::WrongPassphrase,
            PassphraseError::Damaged => Error::DamagedIdentity {
                path: path.clone(),
                reason: "it is not a readable age file".into(),
            },
        })
    }

    fn passphrase(&self) -> Result<&SecretString> {
        if let Some(p) = self.passphrase.get() {
            return Ok(p);
        }
        let purpose = format!("unlock the dossier identity {}", self.identity.fingerprint);
        let p = self.source.passphrase(&purpose)?;
        Ok(self.passphrase.get_or_init(|| p))
    }
}

fn parse_age_identities(text: &[u8], path: &Path) -> Result<DecryptionKeys> {
    let damaged = |reason: &str| Error::DamagedIdentity {
        path: path.to_path_buf(),
        reason: reason.into(),
    };
    let text = std::str::from_utf8(text).map_err(|_| damaged("it is not text"))?;
    let mut keys = Vec::new();
    for line in text
        .lines()
        .map(str::trim)
        .filter(|l| l.starts_with("AGE-SECRET-KEY-"))
    {
        keys.push(
            line.parse::<x25519::Identity>()
                .map_err(|_| damaged("it holds an unreadable age secret key"))?,
        );
    }
    DecryptionKeys::new(keys).ok_or_else(|| damaged("it holds no age secret key"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::support::secret::FixedPassphrase;

    fn options(pass: Option<&str>) -> GenerateOptions {
        GenerateOptions {
            name: "Ada Osei".into(),
            email: "ada@firm.example".into(),
            passphrase: pass.map(|p| SecretString::from(p.to_string())),
            expires: None,
            scrypt_log_n: 10,
        }
    }

    #[test]
    fn a_generated_identity_unlocks_with_its_passphrase_only() {
        let dir = tempfile::tempdir().unwrap();
        let home = Home::new(dir.path().join("home"));
        let card = generate(&home, options(Some("pw"))).unwrap();
        let id = Identity::load(&home).unwrap();
        assert_eq!(id.fingerprint(), card.fingerprint().unwrap());

        let good = Session::new(
            id.clone(),
            Box::new(FixedPassphrase::new(SecretString::from("pw".to_string()))),
        );
        good.unlock().unwrap();
        let bad = Session::new(
            id,
            Box::new(FixedPassphrase::new(SecretString::from("nope".to_string()))),
        );
        assert!(matches!(bad.decryption_keys(), Err(Error::WrongPassphrase)));
        assert!(matches!(bad.signing_key(), Err(Error::WrongPassphrase)));
    }

    #[test]
    fn generate_never_overwrites_and_refuses_empty_passphrases() {
        let dir = tempfile::tempdir().unwrap();
        let home = Home::new(dir.path());
        assert!(matches!(
            generate(&home, options(Some(""))),
            Err(Error::EmptyPassphrase)
        ));
        generate(&home, options(None)).unwrap();
        assert!(matches!(
            generate(&home, options(None)),
            Err(Error::IdentityExists(_))
        ));
    }
}
