#!/usr/bin/env bash
# bench_seccomp.sh — the seccomp layer's cost, side by side with native in
# the same run:
#   rm-rf-20k-both     `rm -rf` of a 20,000-file tree under
#                      `interlock run --enforce both` (shim + supervisor);
#   rm-rf-20k-seccomp  the same with the supervisor alone;
#   rm-rf-20k-preload  the same with the shim alone (what `both` adds on
#                      top of the supervisor);
#   rm-rf-20k-strace   the same under `strace -f` (ptrace-based tracing,
#                      for comparison);
#   seccomp-roundtrip  microseconds per supervised system call (a static
#                      program's raw unlink of a missing file: notification,
#                      argument reads, the sidecar's decision, answer).
# Every run uses an allow-everything rule set, so nothing waits for a human.
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
INTERLOCK=${INTERLOCK_BIN:-$PWD/$BUILD/bin/interlock}
W=$(mktemp -d "${TMPDIR:-/tmp}/il-bench-seccomp.XXXXXX")
trap 'rm -rf "$W"' EXIT
export XDG_RUNTIME_DIR="$W/run"
mkdir -p "$XDG_RUNTIME_DIR"; chmod 700 "$XDG_RUNTIME_DIR"
N=${BENCH_FILES:-20000}
LOOPS=${BENCH_LOOPS:-20000}

cat >"$W/rules.toml" <<'TOML'
version = 1
[defaults]
decision = "allow"
timeout = "30s"
TOML
chmod 600 "$W/rules.toml"

if ! "$INTERLOCK" run --rules "$W/rules.toml" --enforce seccomp -- true 2>/dev/null; then
  echo "bench: rm-rf-20k-both skipped (seccomp user notification unavailable)"
  exit 0
fi

# make_tree DIR: N files in directories of 100.
make_tree() {
  local i=0 d
  while [ $i -lt "$N" ]; do
    d=$(printf '%s/d%03d' "$1" $((i / 100)))
    mkdir -p "$d"
    (cd "$d" && touch $(seq -f 'f%05g' $i $((i + 99 < N - 1 ? i + 99 : N - 1))))
    i=$((i + 100))
  done
}
# timed CMD...: wall seconds of CMD (3 decimals).
timed() {
  local s e
  s=$(date +%s.%N); "$@" >/dev/null 2>"$W/last.err"; e=$(date +%s.%N)
  awk -v s="$s" -v e="$e" 'BEGIN { printf "%.3f", e - s }'
}
# best_of CMD...: the fastest of 3 runs, each on a fresh tree.
best_of() {
  local best="" t
  for _ in 1 2 3; do
    rm -rf "$W/tree"; make_tree "$W/tree"
    t=$(timed "$@")
    [ ! -e "$W/tree" ] || { echo "bench: tree not removed by: $*: $(head -n1 "$W/last.err")" >&2; }
    if [ -z "$best" ] || awk -v a="$t" -v b="$best" 'BEGIN { exit !(a < b) }'; then best=$t; fi
  done
  echo "$best"
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }

native=$(best_of rm -rf "$W/tree")
both=$(best_of "$INTERLOCK" run --rules "$W/rules.toml" --enforce both -- rm -rf "$W/tree")
sec=$(best_of "$INTERLOCK" run --rules "$W/rules.toml" --enforce seccomp -- rm -rf "$W/tree")
pre=$(best_of "$INTERLOCK" run --rules "$W/rules.toml" --enforce preload -- rm -rf "$W/tree")
echo "bench: rm-rf-20k-both native=${native}s interlock=${both}s ratio=$(ratio "$both" "$native") target=2.50"
echo "bench: rm-rf-20k-seccomp native=${native}s interlock=${sec}s ratio=$(ratio "$sec" "$native") target=2.50"
echo "bench: rm-rf-20k-preload native=${native}s interlock=${pre}s ratio=$(ratio "$pre" "$native") target=1.50"
if command -v strace >/dev/null 2>&1; then
  st=$(best_of strace -f -qq -o /dev/null rm -rf "$W/tree")
  echo "bench: rm-rf-20k-strace native=${native}s interlock=${st}s ratio=$(ratio "$st" "$native") target=-"
else
  echo "bench: rm-rf-20k-strace skipped (strace not installed)"
fi

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
