//! The `dossier` binary: the command-line and terminal-UI faces of the library.

mod cli;
mod tui;

fn main() {
    // Die quietly when the reader of our output goes away (`dossier log | head`),
    // like other Unix tools, instead of panicking in println!.
    #[cfg(unix)]
    // SAFETY: restoring the default disposition of SIGPIPE before any thread starts.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    std::process::exit(cli::run());
}
