//! Crash points for tests: `DOSSIER_FAULT=<point>[:<n>]` makes the process
//! kill itself with SIGKILL when it reaches `<point>` with a count of at
//! least `<n>` (default 0); `DOSSIER_PANIC=<point>` makes it panic at a
//! [`panic_point`], with the plaintext it holds in the panic message.
//!
//! This is how the integration tests prove that a process killed at any
//! point of a change (mid re-encryption, just before or after the branch
//! moves, halfway through updating the working tree) loses nothing. A
//! SIGKILL runs no destructors and flushes nothing, exactly like `kill -9`;
//! the hook can only ever make dossier stop, never change what it writes.

use std::sync::OnceLock;

fn wanted() -> Option<&'static (String, usize)> {
    static WANTED: OnceLock<Option<(String, usize)>> = OnceLock::new();
    WANTED
        .get_or_init(|| {
            let spec = std::env::var("DOSSIER_FAULT").ok()?;
            let (name, n) = match spec.split_once(':') {
                Some((name, n)) => (name.to_string(), n.parse().ok()?),
                None => (spec, 0),
            };
            Some((name, n))
        })
        .as_ref()
}

/// Dies here, by SIGKILL, when `DOSSIER_FAULT` names this point and `count`
/// has reached its threshold.
pub fn point(name: &str, count: usize) {
    if let Some((wanted, at)) = wanted() {
        if wanted == name && count >= *at {
            kill_self();
        }
    }
}

/// Panics here, when `DOSSIER_PANIC` names this point, with a message
/// that carries `held` (plaintext this code path holds).
///
/// It stands in for the worst bug there could be at that place: an
/// `unwrap()` on an error that carries decrypted content. The tests use it
/// to prove that no panic, on any thread, shows what its message held
/// (see [`crate::support::hygiene::quiet_panics`]).
#[track_caller]
pub fn panic_point(name: &str, held: &[u8]) {
    static WANTED: OnceLock<Option<String>> = OnceLock::new();
    let wanted = WANTED.get_or_init(|| std::env::var("DOSSIER_PANIC").ok());
    if wanted.as_deref() == Some(name) {
        panic!("{name}: {}", String::from_utf8_lossy(held));
    }
}

#[cfg(unix)]
fn kill_self() {
    // SAFETY: raise() has no memory-safety preconditions.
    unsafe {
        libc::raise(libc::SIGKILL);
    }
}

#[cfg(not(unix))]
fn kill_self() {
    std::process::abort();
}
