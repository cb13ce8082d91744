#!/usr/bin/env bash
# bench_gate.sh — what the gate costs, side by side with native in the same
# run, with the default rules (rules/default.toml) as a user would run them:
#
#   call-unlink / call-exec / call-connect   µs added per allowed call, timed
#                                            inside one process (no start-up)
#   rm-rf-20k     `rm -rf` of a 20,000-file tree (200 dirs x 100 files);
#                 targets: preload <= 1.5x native, both layers <= 2.5x
#   exec-2000     a shell running 2,000 short processes; target <= 1.1x
#
# Each workload runs natively, under `interlock run --enforce preload`, under
# `--enforce both` (when the kernel has seccomp user notification) and under
# `strace -f` (the usual tracing alternative, for reference). REPS runs
# each; the median is kept. Benchmarks report; they never fail a build.
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
IL=${INTERLOCK_BIN:-$PWD/$BUILD/bin/interlock}
CB=$PWD/$BUILD/tests/helpers/callbench
REPS=${REPS:-5}
W=$(mktemp -d /tmp/interlock-bench.XXXXXX)
trap 'rm -rf "$W"' EXIT
cp rules/default.toml "$W/rules.toml"; chmod 600 "$W/rules.toml"
export XDG_RUNTIME_DIR="$W/run"; mkdir -p "$XDG_RUNTIME_DIR"; chmod 700 "$XDG_RUNTIME_DIR"
PRELOAD=("$IL" run --enforce preload --rules "$W/rules.toml" --audit "$W/audit.jsonl" --)
BOTH=("$IL" run --enforce both --rules "$W/rules.toml" --audit "$W/audit-both.jsonl" --)
have_both=1
"${BOTH[@]}" true >/dev/null 2>&1 || have_both=0
have_strace=1
command -v strace >/dev/null 2>&1 || have_strace=0
STRACE=(strace -f -qq -o /dev/null)

# median of REPS wall-clock runs of "$@" in seconds; $SETUP runs untimed first
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

# one workload in every mode: NAME TARGET TARGET_BOTH CMD...
workload() {
  local name=$1 target=$2 target_both=$3; shift 3
  local nat pre both="-" st="-" line
  nat=$(median_secs "$@")
  pre=$(median_secs "${PRELOAD[@]}" "$@")
  [ $have_both = 1 ] && both=$(median_secs "${BOTH[@]}" "$@")
  [ $have_strace = 1 ] && st=$(median_secs "${STRACE[@]}" "$@")
  line="bench: $name native=${nat}s preload=${pre}s"
  [ "$both" != "-" ] && line+=" both=${both}s"
  [ "$st" != "-" ] && line+=" strace=${st}s"
  line+=" ratio=$(ratio "$nat" "$pre") target=$target"
  [ "$both" != "-" ] && line+=" ratio_both=$(ratio "$nat" "$both") target_both=$target_both"
  [ "$st" != "-" ] && line+=" ratio_strace=$(ratio "$nat" "$st")"
  echo "$line"
}

# Per-call cost, measured inside one process.
percall() {
  local mode=$1 n=$2; shift 2
  local nat pre
  rm -rf "$W/pc"; mkdir -p "$W/pc"
  nat=$("$CB" "$mode" "$n" "$@" | sed -n 's/ns_per_call=//p')
  rm -rf "$W/pc"; mkdir -p "$W/pc"
  pre=$("${PRELOAD[@]}" "$CB" "$mode" "$n" "$@" | sed -n 's/ns_per_call=//p')
  awk -v name="$mode" -v a="$nat" -v b="$pre" 'BEGIN {
    printf "bench: call-%s native=%.1fus preload=%.1fus added_us=%.1f ratio=%.2f target=-\n",
           name, a/1000, b/1000, (b-a)/1000, (a > 0 ? b/a : 0) }'
}
percall unlink 20000 "$W/pc"
percall exec 2000
percall connect 5000

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
SETUP=mktree workload rm-rf-20k 1.50 2.50 rm -rf "$W/tree"
workload exec-2000 1.10 1.10 bash -c 'for i in $(seq 2000); do /bin/true; done'
