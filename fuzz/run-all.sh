#!/usr/bin/env bash
# Runs every fuzz target for SECONDS each (default 60) on the nightly
# toolchain, then shrinks each corpus to the inputs that add coverage.
# New crashes land in fuzz/artifacts/<target>/: copy each into
# fuzz/regressions/<target>/ once fixed, so the plain test keeps it.
#   cargo install cargo-fuzz      # once
#   fuzz/run-all.sh 300
set -euo pipefail
cd "$(dirname "$0")"
seconds="${1:-60}"
targets=$(sed -n 's/^name = "\([a-z_]*\)"$/\1/p' Cargo.toml | grep -v dossier-fuzz)
cargo +nightly fuzz build -O
# Leak checks stay off: libgit2 1.9 leaks a few bytes on an error path
# the test kit reaches (fuzz/regressions/incoming_tree/), which would end
# every incoming_tree run within seconds.
for t in $targets; do
  echo "== $t: ${seconds}s"
  ASAN_OPTIONS=detect_leaks=0 cargo +nightly fuzz run -O "$t" -- -max_total_time="$seconds" -rss_limit_mb=1024 -malloc_limit_mb=1024 \
    2>&1 | grep -E "^(#[0-9]+.*DONE|==[0-9]+==|SUMMARY|Done)" || true
  cargo +nightly fuzz cmin -O "$t" >/dev/null 2>&1 || true
done
