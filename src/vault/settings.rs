//! Vault settings: the `settings:` block of `.dossier/vault.yaml`
//! (`log_views`, `offline`), read and changed.
//!
//! `vault.yaml` must stay signed by one of its roots, or the vault does not
//! open ([`Vault::open`] checks it), so only a root administrator may change
//! a setting. A change is one signed commit (action `settings`) rewriting
//! `vault.yaml` and its `.sig`; nothing else in the file changes.

use std::fmt;
use std::str::FromStr;

use crate::error::{Error, Result, Unchanged};
use crate::keys::identity::Session;
use crate::keys::signature::{self, DOCUMENT_NAMESPACE};
use crate::repo::store::{Change, CommitMessage};
use crate::support::yaml;
use crate::vault::{Settings, Vault, CONFIG_PATH};

/// One vault setting. Every setting is a yes/no switch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Setting {
    /// `log_views`: opening a case records a signed `view` commit, and the
    /// case is not shown when that cannot be recorded.
    LogViews,
    /// `offline`: every network operation is refused.
    Offline,
}

impl Setting {
    /// Every setting, in the order they are shown.
    pub const ALL: [Setting; 2] = [Setting::LogViews, Setting::Offline];

    /// The name in `vault.yaml` and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Setting::LogViews => "log_views",
            Setting::Offline => "offline",
        }
    }

    /// Its value in `settings`.
    pub fn get(self, settings: &Settings) -> bool {
        match self {
            Setting::LogViews => settings.log_views,
            Setting::Offline => settings.offline,
        }
    }

    fn put(self, settings: &mut Settings, value: bool) {
        match self {
            Setting::LogViews => settings.log_views = value,
            Setting::Offline => settings.offline = value,
        }
    }
}

impl fmt::Display for Setting {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Setting {
    type Err = Error;
    fn from_str(s: &str) -> Result<Setting> {
        Setting::ALL
            .into_iter()
            .find(|k| k.name() == s.trim())
            .ok_or_else(|| Error::UnknownSetting(s.to_string()))
    }
}

/// Every setting with its value in `settings`, in display order.
pub fn entries(settings: &Settings) -> Vec<(Setting, bool)> {
    Setting::ALL
        .into_iter()
        .map(|k| (k, k.get(settings)))
        .collect()
}

/// Parses `NAME=VALUE` (`log_views=true`); the value is `true` or `false`.
pub fn parse_assignment(text: &str) -> Result<(Setting, bool)> {
    let Some((name, value)) = text.split_once('=') else {
        return Err(Error::InvalidValue {
            field: text.to_string(),
            reason: "expected NAME=VALUE, e.g. log_views=true".into(),
        });
    };
    let setting: Setting = name.parse()?;
    let value = match value.trim() {
        "true" => true,
        "false" => false,
        _ => {
            return Err(Error::InvalidValue {
                field: setting.name().into(),
                reason: format!("expected true or false, not `{}`", value.trim()),
            })
        }
    };
    Ok((setting, value))
}

/// A root administrator changes settings: one signed commit rewriting
/// `vault.yaml` and `vault.yaml.sig`. Refused for anyone but a valid root
/// ([`Error::NotEntitled`]) and when nothing would change.
pub fn set(vault: &Vault, session: &Session, changes: &[(Setting, bool)]) -> Result<git2::Oid> {
    let me = session.fingerprint();
    if !(vault.config().roots.contains(&me) && vault.keyring().is_valid_admin(&me)) {
        return Err(Error::NotEntitled {
            action: "change the vault's settings".into(),
            required: "its root administrators".into(),
            actor: me.to_string(),
        });
    }
    let lock = vault.lock()?;
    let mut config = vault.config().clone();
    for (setting, value) in changes {
        setting.put(&mut config.settings, *value);
    }
    if config.settings == vault.config().settings {
        return Err(Unchanged::Settings {
            settings: changes
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        }
        .into());
    }
    crate::vault::succession::chain(
        vault,
        CONFIG_PATH,
        &mut config.dossier_vault,
        &mut config.replaces,
    )?;
    let text = yaml::render(&config)?;
    let sig = signature::sign(session.signing_key()?, DOCUMENT_NAMESPACE, text.as_bytes())?;
    vault.commit(
        &lock,
        session,
        &CommitMessage::for_vault("settings", me),
        &[
            Change::write(CONFIG_PATH, text),
            Change::write(format!("{CONFIG_PATH}.sig"), sig),
        ],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn assignments_name_a_setting_and_a_boolean() {
        assert_eq!(
            parse_assignment("log_views=true").unwrap(),
            (Setting::LogViews, true)
        );
        assert_eq!(
            parse_assignment("offline=false").unwrap(),
            (Setting::Offline, false)
        );
        assert!(matches!(
            parse_assignment("colour=true"),
            Err(Error::UnknownSetting(n)) if n == "colour"
        ));
        assert!(matches!(
            parse_assignment("log_views=yes"),
            Err(Error::InvalidValue { field, .. }) if field == "log_views"
        ));
        assert!(matches!(
            parse_assignment("log_views"),
            Err(Error::InvalidValue { .. })
        ));
    }

    #[test]
    fn a_root_changes_a_setting_in_one_signed_commit_and_the_vault_still_opens() {
        let dir = tempfile::tempdir().unwrap();
        let (session, vault) = crate::samples::testkit::owner_and_vault(dir.path());
        let oid = set(&vault, &session, &[(Setting::LogViews, true)]).unwrap();
        let reopened = Vault::open(vault.root()).unwrap();
        assert!(reopened.config().settings.log_views);
        assert!(!reopened.config().settings.offline);
        assert_eq!(reopened.repo().head().unwrap().target(), Some(oid));
        assert!(matches!(
            set(&reopened, &session, &[(Setting::LogViews, true)]),
            Err(Error::Unchanged(Unchanged::Settings { .. }))
        ));
    }
}
