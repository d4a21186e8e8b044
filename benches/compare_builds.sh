#!/usr/bin/env bash
# Two builds of dossier on the same demo vault, interleaved run by run, so
# that machine noise hits both alike: $DOSSIER_BIN against
# $DOSSIER_BASE_BIN (say, an earlier commit). Rows: `case list`, `grep`
# (no match: every case decrypted), `note add`, `case show`, each $RUNS
# times per build on $N_CASES cases; then an unlock at scrypt's default
# work factor (2^18). Read the ratios, not the times. Usage:
#   git worktree add /tmp/base 74e23bc && (cd /tmp/base && cargo build --release)
#   cargo build --release
#   DOSSIER_BIN=target/release/dossier DOSSIER_BASE_BIN=/tmp/base/target/release/dossier \
#     bash benches/compare_builds.sh
set -euo pipefail
NEW=${DOSSIER_BIN:?set DOSSIER_BIN}
OLD=${DOSSIER_BASE_BIN:?set DOSSIER_BASE_BIN}
n=${N_CASES:-10000}
RUNS=${RUNS:-5}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
export DOSSIER_PASSPHRASE=demo GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null
export HOME=$T/home XDG_CONFIG_HOME=$T/cfg
mkdir -p "$T/home" "$T/cfg"
"$OLD" demo --no-tui --cases "$n" --dir "$T/v" >/dev/null
V=$T/v/vault H=$T/v/homes/ada
id=$("$OLD" --vault "$V" --home "$H" case list --json |
  python3 -c 'import json,sys; print([c["id"] for c in json.load(sys.stdin) if c.get("title")][0])')
now() { date +%s%N; }
took() { local s; s=$(now); "$@" >/dev/null 2>&1; echo $(( ($(now) - s) / 1000000 )); }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
row() {
  local name=$1; shift
  local new=() old=()
  for r in $(seq "$RUNS"); do
    new+=("$(took "$NEW" "$@")")
    old+=("$(took "$OLD" "$@")")
  done
  local a b
  a=$(printf '%s\n' "${new[@]}" | median)
  b=$(printf '%s\n' "${old[@]}" | median)
  printf '%-28s new %6s ms  base %6s ms  ratio %s\n' "$name" "$a" "$b" \
    "$(python3 -c "print(f'{$a/$b:.3f}')")"
}
row "case list ($n cases)" --vault "$V" --home "$H" case list
row "grep, no match" --vault "$V" --home "$H" grep zzqqxx
row "note add" --vault "$V" --home "$H" note add "$id" --text "bench"
row "case show" --vault "$V" --home "$H" case show "$id"
# An unlock at the default work factor (the demo identities use a low one).
(unset DOSSIER_SCRYPT_LOG_N; DOSSIER_PASSPHRASE="a passphrase for timing" \
  "$OLD" --home "$T/id" key generate --name T --email t@example.org >/dev/null 2>&1)
DOSSIER_PASSPHRASE="a passphrase for timing" row "unlock, scrypt 2^18" --home "$T/id" key export-age-secret
