//! The TUI's settings from `$XDG_CONFIG_HOME/dossier/config.yaml`.
//!
//! Only the keys the TUI uses are read; others (for other parts of dossier)
//! are ignored. A missing file means defaults; a malformed one is reported
//! once in the status line and otherwise ignored, so a typo never locks a
//! user out of their cases.

use std::path::PathBuf;

use serde::Deserialize;

/// What the config file may say to the TUI.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Config {
    /// Theme name (`--theme` wins).
    #[serde(default)]
    pub theme: Option<String>,
    /// Opt in to writing notes in `$EDITOR` (on a private tmpfs file).
    #[serde(default)]
    pub external_editor: bool,
    /// Opt in to the passphrase agent (CLI commands and the TUI).
    #[serde(default)]
    pub agent: bool,
    /// How long the agent keeps the keys without a request.
    #[serde(default)]
    pub agent_idle_seconds: Option<u64>,
    /// How long a change waits for another dossier process changing the
    /// same vault (`DOSSIER_LOCK_TIMEOUT_SECONDS` wins).
    #[serde(default)]
    pub lock_timeout_seconds: Option<u64>,
}

/// The agent's idle timeout when the config names none.
pub const DEFAULT_AGENT_IDLE_SECONDS: u64 = 600;

impl Config {
    /// With the agent opted in, how long it keeps the keys without a
    /// request.
    pub fn agent_idle(&self) -> Option<std::time::Duration> {
        self.agent.then(|| {
            std::time::Duration::from_secs(
                self.agent_idle_seconds
                    .unwrap_or(DEFAULT_AGENT_IDLE_SECONDS)
                    .max(1),
            )
        })
    }

    /// How long a change waits for another writer of the same vault:
    /// `DOSSIER_LOCK_TIMEOUT_SECONDS`, else the config, else
    /// [`dossier::repo::lock::DEFAULT_TIMEOUT`].
    pub fn lock_timeout(&self) -> std::time::Duration {
        std::env::var("DOSSIER_LOCK_TIMEOUT_SECONDS")
            .ok()
            .and_then(|v| v.trim().parse::<u64>().ok())
            .or(self.lock_timeout_seconds)
            .map(std::time::Duration::from_secs)
            .unwrap_or(dossier::repo::lock::DEFAULT_TIMEOUT)
    }

    /// The config file as this process first read it ([`Config::load`],
    /// once): the CLI's lock timeout, the agent setting and the TUI all
    /// start from it.
    pub fn loaded() -> &'static (Config, Option<String>) {
        static LOADED: std::sync::OnceLock<(Config, Option<String>)> = std::sync::OnceLock::new();
        LOADED.get_or_init(Config::load)
    }

    /// Reads the config file; returns defaults and a problem sentence when
    /// it cannot be read.
    pub fn load() -> (Config, Option<String>) {
        let Some(path) = config_file() else {
            return (Config::default(), None);
        };
        match std::fs::read_to_string(&path) {
            Ok(text) => match dossier::support::yaml::parse(&text, &path.display().to_string()) {
                Ok(c) => (c, None),
                Err(e) => (Config::default(), Some(e.to_string())),
            },
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => (Config::default(), None),
            Err(e) => (
                Config::default(),
                Some(format!("cannot read {}: {e}", path.display())),
            ),
        }
    }
}

/// `$XDG_CONFIG_HOME/dossier/config.yaml`.
pub fn config_file() -> Option<PathBuf> {
    dossier::support::paths::config_dir().map(|d| d.join("config.yaml"))
}

/// `$XDG_CONFIG_HOME/dossier/themes`.
pub fn themes_dir() -> Option<PathBuf> {
    dossier::support::paths::config_dir().map(|d| d.join("themes"))
}
