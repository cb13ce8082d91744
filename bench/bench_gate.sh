#!/usr/bin/env bash
# bench_gate.sh — what the preload gate costs, side by side with native in
# the same run: µs added per allowed exec, delete and connect; `rm -rf` of a
# 20,000-file tree (target <= 1.5x native); 2,000 short processes spawned by
# a shell (target <= 1.1x). The rule set is rules/default.toml, as a user
# would run it. Each workload is timed REPS times and the median is kept.
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
IL=${INTERLOCK_BIN:-$PWD/$BUILD/bin/interlock}
CB=$PWD/$BUILD/tests/helpers/callbench
REPS=${REPS:-5}
W=$(mktemp -d /tmp/interlock-bench.XXXXXX)
trap 'rm -rf "$W"' EXIT
cp rules/default.toml "$W/rules.toml"; chmod 600 "$W/rules.toml"
RUN=("$IL" run --enforce preload --rules "$W/rules.toml" --audit "$W/audit.jsonl" --)
# --enforce is understood once the seccomp layer lands; fall back without it.
"$IL" run --enforce preload --rules "$W/rules.toml" --audit "$W/a0.jsonl" -- true 2>/dev/null ||
  RUN=("$IL" run --rules "$W/rules.toml" --audit "$W/audit.jsonl" --)

# median of REPS wall-clock runs of "$@" (seconds, 4 decimals); $SETUP runs untimed before each
median_secs() {
  local times=() i t0 t1
  for ((i = 0; i < REPS; i++)); do
    [ -n "${SETUP:-}" ] && eval "$SETUP"
    t0=$(date +%s%N); "$@" >/dev/null 2>&1; t1=$(date +%s%N)
    times+=($(( (t1 - t0) / 1000 )))
  done
  printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {printf "%.4f", a[int((NR+1)/2)]/1e6}'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", (a > 0 ? b / a : 0)}'; }

# Per-call cost, measured inside one process (no start-up cost counted).
percall() {
  local mode=$1 n=$2; shift 2
  local nat il
  mkdir -p "$W/pc"; rm -rf "$W/pc"/*
  nat=$("$CB" "$mode" "$n" "$@" | sed -n 's/ns_per_call=//p')
  rm -rf "$W/pc"/*
  il=$("${RUN[@]}" "$CB" "$mode" "$n" "$@" | sed -n 's/ns_per_call=//p')
  awk -v name="$mode" -v a="$nat" -v b="$il" 'BEGIN {
    printf "bench: call-%s native=%.1fus interlock=%.1fus added_us=%.1f ratio=%.2f\n",
           name, a/1000, b/1000, (b-a)/1000, (a > 0 ? b/a : 0) }'
}
percall unlink 20000 "$W/pc"
percall exec 2000
percall connect 5000

# rm -rf of a 20,000-file tree (200 dirs x 100 files)
mktree() { python3 - "$W/tree" <<'PY'
import os, sys
root = sys.argv[1]
for d in range(200):
    p = os.path.join(root, "d%03d" % d)
    os.makedirs(p, exist_ok=True)
    for f in range(100):
        open(os.path.join(p, "f%03d" % f), "w").close()
PY
}
SETUP=mktree
nat=$(median_secs rm -rf "$W/tree")
il=$(median_secs "${RUN[@]}" rm -rf "$W/tree")
echo "bench: rm-rf-20k-preload native=${nat}s interlock=${il}s ratio=$(ratio "$nat" "$il") target=1.50"
unset SETUP

# exec-heavy: a shell spawning 2,000 short processes
EXECW='for i in $(seq 2000); do /bin/true; done'
nat=$(median_secs bash -c "$EXECW")
il=$(median_secs "${RUN[@]}" bash -c "$EXECW")
echo "bench: exec-2000-preload native=${nat}s interlock=${il}s ratio=$(ratio "$nat" "$il") target=1.10"
