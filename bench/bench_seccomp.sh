#!/usr/bin/env bash
# bench_seccomp.sh — the seccomp layer's cost per supervised system call:
#   seccomp-roundtrip  microseconds per supervised call (a static program's
#                      raw unlink of a missing file: notification, argument
#                      reads, the sidecar's decision, answer), native and the
#                      launcher's start-up subtracted.
# The whole-workload comparison (rm -rf of 20,000 files, 2,000 short
# processes, natively / preload / both / strace) is bench/bench_gate.sh.
# The rule set allows everything, so nothing waits for a human.
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
INTERLOCK=${INTERLOCK_BIN:-$PWD/$BUILD/bin/interlock}
W=$(mktemp -d "${TMPDIR:-/tmp}/il-bench-seccomp.XXXXXX")
trap 'rm -rf "$W"' EXIT
export XDG_RUNTIME_DIR="$W/run"
mkdir -p "$XDG_RUNTIME_DIR"; chmod 700 "$XDG_RUNTIME_DIR"
LOOPS=${BENCH_LOOPS:-20000}

cat >"$W/rules.toml" <<'TOML'
version = 1
[defaults]
decision = "allow"
timeout = "30s"
TOML
chmod 600 "$W/rules.toml"

if ! "$INTERLOCK" run --rules "$W/rules.toml" --enforce seccomp -- true 2>/dev/null; then
  echo "bench: seccomp-roundtrip skipped (seccomp user notification unavailable)"
  exit 0
fi


timed() {
  local s e
  s=$(date +%s.%N); "$@" >/dev/null 2>"$W/last.err"; e=$(date +%s.%N)
  awk -v s="$s" -v e="$e" 'BEGIN { printf "%.3f", e - s }'
}

# Round trip per supervised call.
if gcc -static -O2 -pthread -o "$W/static_ops" tests/static/static_ops.c 2>/dev/null; then
  t0=$(timed "$W/static_ops" unlinkloop "$LOOPS" "$W/missing")
  t1=$(timed "$INTERLOCK" run --rules "$W/rules.toml" --enforce seccomp -- "$W/static_ops" unlinkloop "$LOOPS" "$W/missing")
  base=$(timed "$INTERLOCK" run --rules "$W/rules.toml" --enforce seccomp -- "$W/static_ops" unlinkloop 1 "$W/missing")
  us=$(awk -v a="$t1" -v b="$base" -v z="$t0" -v n="$LOOPS" 'BEGIN { printf "%.1f", (a - b - z) * 1e6 / n }')
  echo "bench: seccomp-roundtrip us_per_action=$us target=-"
else
  echo "bench: seccomp-roundtrip skipped (gcc -static failed)"
fi
