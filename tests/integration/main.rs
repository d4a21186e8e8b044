//! Integration tests: the real `dossier` binary on real temporary vaults,
//! with a hermetic environment (no user git config, no real home).

mod bad_input;
mod core_flows;
mod crash;
mod recovery;
mod sshd;
mod support;
mod transport;
mod trust;
mod tui_tmux;
