//! Integration tests: the real `dossier` binary on real temporary vaults,
//! with a hermetic environment (no user git config, no real home).

mod access_review;
mod agenda;
mod agent;
mod audit;
mod bad_input;
mod conflicts;
mod core_flows;
mod crash;
mod damaged;
mod disclosure;
mod faults;
mod fixture;
mod fuzz_corpus;
mod history_attacks;
mod hygiene;
mod kill_loops;
mod layers;
mod leak_scan;
mod merge_driver;
mod properties;
mod recovery;
mod retention;
mod server_hook;
mod sshd;
mod support;
mod sync;
mod sync_ssh;
mod transport;
mod trust;
mod tui_agent;
mod tui_editors;
mod tui_tmux;
