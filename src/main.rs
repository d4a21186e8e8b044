//! The `dossier` binary: the command-line and terminal-UI faces of the library.

// Nothing a user can cause may panic: outside tests, failures are errors.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

mod cli;
mod launch;
mod passphrase_agent;
mod tui;

/// Every heap block is wiped when freed: decrypted text copied into a
/// `String` anywhere (a rendered line, a parser's scratch) does not stay.
#[global_allocator]
static ALLOCATOR: dossier::support::secret::WipingAllocator<std::alloc::System> =
    dossier::support::secret::WipingAllocator(std::alloc::System);

fn main() {
    // Die quietly when the reader of our output goes away (`dossier log | head`),
    // like other Unix tools, instead of panicking in println!.
    #[cfg(unix)]
    // SAFETY: restoring the default disposition of SIGPIPE before any thread starts.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    // Whatever this process will hold (a passphrase, keys, case content)
    // never lands in a core file.
    let _ = dossier::support::hygiene::no_core_dumps();
    // Nor on the terminal: a panic names its place, never its message.
    dossier::support::hygiene::quiet_panics();
    // And out of swap, where locking memory cannot make the process fail.
    let _ = dossier::support::hygiene::lock_memory();
    dossier::repo::configure_libgit2();
    std::process::exit(cli::run());
}
