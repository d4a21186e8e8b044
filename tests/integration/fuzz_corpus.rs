//! The fuzz corpus as a plain test (issue 16, point 3): every input
//! committed under `fuzz/corpus/<target>/` and every crash kept under
//! `fuzz/regressions/<target>/` is run through its target once, on the
//! stable toolchain, so a regression is caught without nightly or
//! cargo-fuzz. A target panics when it finds a fault; this test then fails
//! naming the input.

use std::path::{Path, PathBuf};

use dossier::fuzz_targets::TARGETS;

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz")
}

fn inputs(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|l| {
            l.flatten()
                .map(|e| e.path())
                .filter(|p| p.is_file())
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

#[test]
fn every_committed_fuzz_input_runs_clean_through_its_target() {
    let corpus = fuzz_dir().join("corpus");
    let regressions = fuzz_dir().join("regressions");
    // Every corpus directory is a target's, and every target has a corpus.
    for entry in std::fs::read_dir(&corpus).expect("fuzz/corpus").flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        assert!(
            TARGETS.iter().any(|(t, _)| *t == name),
            "fuzz/corpus/{name} is not a target"
        );
    }
    let mut ran = 0;
    for (name, target) in TARGETS {
        let seeds = inputs(&corpus.join(name));
        assert!(!seeds.is_empty(), "fuzz/corpus/{name} is empty");
        assert!(
            fuzz_dir().join(format!("fuzz_targets/{name}.rs")).is_file(),
            "no fuzz/fuzz_targets/{name}.rs"
        );
        for input in seeds.iter().chain(inputs(&regressions.join(name)).iter()) {
            let bytes = std::fs::read(input).expect("read input");
            let outcome = std::panic::catch_unwind(|| target(&bytes));
            assert!(outcome.is_ok(), "{name} fails on {}", input.display());
            ran += 1;
        }
    }
    eprintln!("ran {ran} fuzz inputs through {} targets", TARGETS.len());
}
