//! Vault settings: the `settings:` block of `.dossier/vault.yaml`
//! (`log_views`, `offline`, and the retention policy `retention.AREA`),
//! read and changed.
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

/// One change to the settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Assignment {
    /// A switch on or off.
    Switch(Setting, bool),
    /// The retention of a practice area (`default`: every other area) in
    /// years after closing; `None` removes it.
    Retention {
        /// The practice area, lower case.
        area: String,
        /// Years after closing.
        years: Option<u32>,
    },
}

/// Parses `NAME=VALUE`: a switch (`log_views=true`, `true` or `false`) or a
/// retention (`retention.asylum=7`, years; `retention.asylum=` removes it).
pub fn parse_assignment(text: &str) -> Result<Assignment> {
    let Some((name, value)) = text.split_once('=') else {
        return Err(Error::InvalidValue {
            field: text.to_string(),
            reason: "expected NAME=VALUE, e.g. log_views=true or retention.asylum=7".into(),
        });
    };
    if let Some(area) = name.trim().strip_prefix("retention.") {
        let area = area.trim().to_lowercase();
        if area.is_empty() || area.chars().any(char::is_control) {
            return Err(Error::InvalidValue {
                field: name.trim().into(),
                reason: "name the practice area, e.g. retention.asylum=7 (or retention.default=6)"
                    .into(),
            });
        }
        let years = match value.trim() {
            "" => None,
            v => Some(
                v.parse::<u32>()
                    .ok()
                    .filter(|y| (1..=100).contains(y))
                    .ok_or_else(|| Error::InvalidValue {
                        field: name.trim().into(),
                        reason: format!("expected a number of years from 1 to 100, not `{v}`"),
                    })?,
            ),
        };
        return Ok(Assignment::Retention { area, years });
    }
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
    Ok(Assignment::Switch(setting, value))
}

/// A root administrator changes settings: one signed commit rewriting
/// `vault.yaml` and `vault.yaml.sig`. Refused for anyone but a valid root
/// ([`Error::NotEntitled`]) and when nothing would change.
pub fn set(vault: &Vault, session: &Session, changes: &[Assignment]) -> Result<git2::Oid> {
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
    for change in changes {
        match change {
            Assignment::Switch(setting, value) => setting.put(&mut config.settings, *value),
            Assignment::Retention { area, years: None } => {
                config.settings.retention.remove(area);
            }
            Assignment::Retention {
                area,
                years: Some(y),
            } => {
                config.settings.retention.insert(area.clone(), *y);
            }
        }
    }
    if config.settings == vault.config().settings {
        return Err(Unchanged::Settings {
            settings: changes
                .iter()
                .map(|c| match c {
                    Assignment::Switch(k, v) => (k.to_string(), v.to_string()),
                    Assignment::Retention { area, years } => (
                        format!("retention.{area}"),
                        years.map(|y| y.to_string()).unwrap_or_default(),
                    ),
                })
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
    let sig = signature::sign(session.signer()?, DOCUMENT_NAMESPACE, text.as_bytes())?;
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
            Assignment::Switch(Setting::LogViews, true)
        );
        assert_eq!(
            parse_assignment("offline=false").unwrap(),
            Assignment::Switch(Setting::Offline, false)
        );
        assert_eq!(
            parse_assignment("retention.Asylum=7").unwrap(),
            Assignment::Retention {
                area: "asylum".into(),
                years: Some(7)
            }
        );
        assert_eq!(
            parse_assignment("retention.asylum=").unwrap(),
            Assignment::Retention {
                area: "asylum".into(),
                years: None
            }
        );
        for bad in [
            "retention.asylum=seven",
            "retention.asylum=0",
            "retention.=3",
        ] {
            assert!(parse_assignment(bad).is_err(), "{bad}");
        }
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
        let oid = set(
            &vault,
            &session,
            &[Assignment::Switch(Setting::LogViews, true)],
        )
        .unwrap();
        let reopened = Vault::open(vault.root()).unwrap();
        assert!(reopened.config().settings.log_views);
        assert!(!reopened.config().settings.offline);
        assert_eq!(reopened.repo().head().unwrap().target(), Some(oid));
        assert!(matches!(
            set(
                &reopened,
                &session,
                &[Assignment::Switch(Setting::LogViews, true)]
            ),
            Err(Error::Unchanged(Unchanged::Settings { .. }))
        ));
    }
}
