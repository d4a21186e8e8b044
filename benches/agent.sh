#!/usr/bin/env bash
# Per-command cost of a CLI command with and without the passphrase agent,
# with the real scrypt work factor, against the cost of a command that
# needs no key at all, all in the same run (these machines are noisy: read
# the ratios). Run with the release binary:
#   cargo build --release && DOSSIER_BIN=target/release/dossier bash benches/agent.sh
set -euo pipefail
B=${DOSSIER_BIN:-dossier}
T=$(mktemp -d)
export XDG_RUNTIME_DIR=$T/run XDG_CONFIG_HOME=$T/cfg DOSSIER_HOME=$T/ada DOSSIER_PASSPHRASE=bench
mkdir -p "$T/run" "$T/cfg/dossier" && chmod 700 "$T/run"
$B key generate --name Bench --email b@x >/dev/null
$B init "$T/vault" --name Bench >/dev/null
cd "$T/vault"
for i in 1 2 3; do $B case new --title "T$i" --client "C$i" >/dev/null; done
runs=${RUNS:-10}
time_it() { local s e; s=$(date +%s%N); for _ in $(seq "$runs"); do "$@" >/dev/null; done; e=$(date +%s%N); echo $(( (e - s) / runs / 1000000 )); }
# The floor: a command that needs no secret key at all.
floor=$(time_it $B log)
without=$(time_it $B case list)
printf 'agent: true\n' > "$T/cfg/dossier/config.yaml"
$B case list >/dev/null   # the one unlock
with=$(unset DOSSIER_PASSPHRASE; time_it $B case list)
$B lock >/dev/null
echo "case list: ${without} ms per command without the agent, ${with} ms with it ($(( without / (with > 0 ? with : 1) ))x faster); floor, \`log\` (no key needed): ${floor} ms; ${runs} runs each"
rm -rf "$T"
