#!/usr/bin/env bash
# Firm-scale writes, clone and sync, each next to a baseline measured in the
# same run (these machines are noisy: read the ratios). For every N in
# $SIZES (default "1000 10000"), on a demo vault of N synthetic cases:
#   note add    one note (mean of $RUNS)  vs  `age -e` + `git add` + `git commit`
#   group set   re-encrypt every case to one more member  vs  the `age` CLI
#               (decrypt + encrypt) on 100 of the same files, scaled to N
#   clone       `dossier clone`  vs  `git clone --no-local` of the same vault
#   sync        `sync` bringing one new commit  vs  `git pull` of it
# With DOSSIER_BASE_BIN set, the same rows run for that binary too (an
# earlier build), in the same run. Usage:
#   cargo build --release && DOSSIER_BIN=target/release/dossier bash benches/firm_scale.sh
set -euo pipefail
B=${DOSSIER_BIN:-dossier}
BASE=${DOSSIER_BASE_BIN:-}
SIZES=${SIZES:-"1000 10000"}
RUNS=${RUNS:-5}
T=$(mktemp -d)
trap 'pkill -f "$T/" 2>/dev/null || true; rm -rf "$T"' EXIT
export DOSSIER_PASSPHRASE=demo GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null
# The passphrase agent, so no row pays scrypt (that cost is benches/agent.sh's).
export XDG_RUNTIME_DIR=$T/run XDG_CONFIG_HOME=$T/cfg
mkdir -p "$T/run" "$T/cfg/dossier" && chmod 700 "$T/run"
printf 'agent: true\n' > "$T/cfg/dossier/config.yaml"
now() { date +%s%N; }
ms() { echo $(( ($2 - $1) / 1000000 )); }

for n in $SIZES; do
  $B demo --no-tui --cases "$n" --dir "$T/v$n" >/dev/null
  V=$T/v$n/vault H=$T/v$n/homes/ada
  id=$($B --vault "$V" --home "$H" case list --json | python3 -c 'import json,sys; print([c["id"] for c in json.load(sys.stdin) if c.get("title")][0])')
  fps=$($B --vault "$V" --home "$H" key list | grep -o 'SHA256:[A-Za-z0-9+/]*' | awk 'NR%2==1')
  ada=$(echo "$fps" | sed -n 1p) ben=$(echo "$fps" | sed -n 2p) chidi=$(echo "$fps" | sed -n 3p)
  # The remote packed, as a server that ran `git gc` holds it.
  git clone -q --bare "$V" "$T/bare$n" && git -C "$T/bare$n" gc -q
  sync

  # Baseline for one note: stock age and git on a copy of the vault.
  cp -a "$V" "$T/plain$n"
  recipient=$(grep -o 'age1[a-z0-9]*' "$H/card.yaml" | sed -n 1p)
  readers=""
  for who in ada ben chidi; do readers="$readers -r $(grep -o 'age1[a-z0-9]*' "$T/v$n/homes/$who/card.yaml" | sed -n 1p)"; done
  s=$(now)
  for i in $(seq "$RUNS"); do
    echo "note $i" | age -e -r "$recipient" -o "$T/plain$n/cases/$id/baseline-$i.age"
    git -C "$T/plain$n" add "cases/$id/baseline-$i.age"
    git -C "$T/plain$n" -c user.name=b -c user.email=b@x -c commit.gpgsign=false commit -q -m baseline
  done
  e=$(now); base_note=$(( $(ms "$s" "$e") / RUNS ))

  # Baseline for re-encryption: the age CLI on 100 files, scaled to N.
  identity=$T/age$n.txt
  $B --vault "$V" --home "$H" key export-age-secret > "$identity" 2>/dev/null
  # 100 records Ada can read (some demo cases are not shared with her).
  files=""; found=0
  for f in $(cd "$V" && find cases -name 'case.yaml.age'); do
    if age -d -i "$identity" "$V/$f" >/dev/null 2>&1; then files="$files $f"; found=$((found + 1)); fi
    [ "$found" -ge 100 ] && break
  done
  s=$(now)
  for f in $files; do age -d -i "$identity" "$V/$f" | age -e $readers > /dev/null; done
  e=$(now); per_file_us=$(( (e - s) / 100 / 1000 ))
  rm -f "$identity"
  total_files=$(cd "$V" && find cases -name '*.age' | wc -l)
  age_cli_ms=$(( per_file_us * total_files / 1000 ))

  s=$(now); git clone -q --no-local "$V" "$T/gitclone$n"; e=$(now); git_clone=$(ms "$s" "$e")

  for bin in $B $BASE; do
    tag=$([ "$bin" = "$B" ] && echo new || echo base)
    cp -a "$V" "$T/w-$tag$n"; sync
    W=$T/w-$tag$n
    s=$(now); for i in $(seq "$RUNS"); do $bin --vault "$W" --home "$H" note add "$id" --text "bench $i" >/dev/null; done; e=$(now)
    note=$(( $(ms "$s" "$e") / RUNS ))
    sync
    s=$(now); $bin --vault "$W" --home "$H" group set immigration "$ada" "$chidi" "$ben" >/dev/null; e=$(now)
    rekey=$(ms "$s" "$e")
    s=$(now); $bin --home "$H" clone "$V" "$T/clone-$tag$n" >/dev/null 2>&1; e=$(now)
    clone=$(ms "$s" "$e")
    # Sync: two clones of a bare remote; one pushes a note, the other syncs.
    $bin --home "$H" clone "$T/bare$n" "$T/a-$tag$n" >/dev/null 2>&1
    $bin --home "$H" clone "$T/bare$n" "$T/b-$tag$n" >/dev/null 2>&1
    git clone -q -b main "$T/bare$n" "$T/gitpull-$tag$n"
    $bin --vault "$T/a-$tag$n" --home "$H" note add "$id" --text "for sync" >/dev/null
    $bin --vault "$T/a-$tag$n" --home "$H" sync >/dev/null
    sync
    s=$(now); $bin --vault "$T/b-$tag$n" --home "$H" sync >/dev/null; e=$(now); syncms=$(ms "$s" "$e")
    s=$(now); git -C "$T/gitpull-$tag$n" pull -q --ff-only; e=$(now); pull=$(ms "$s" "$e")
    echo "$n cases, $tag: note add ${note} ms (age+git ${base_note} ms); group set ${rekey} ms for ${total_files} files (age CLI ${age_cli_ms} ms); clone ${clone} ms (git clone ${git_clone} ms); sync of 1 commit ${syncms} ms (git pull ${pull} ms)"
    # Each run in the same state: the next binary starts from a fresh copy.
    git -C "$T/bare$n" update-ref refs/heads/main "$(git -C "$V" rev-parse HEAD)"
  done
  $B --home "$H" lock >/dev/null 2>&1 || true
done
