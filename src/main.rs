//! The `dossier` binary: the command-line face of the library.

mod cli;

fn main() {
    std::process::exit(cli::run());
}
