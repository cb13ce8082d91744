#!/usr/bin/env bash
# run.sh — every benchmark, side by side with native in the same run.
#
# Each benchmark prints lines "bench: NAME native=X interlock=Y ratio=R target=T"
# (or "bench: NAME us_per_action=X target=T"); this script runs them all and
# ends with one table. Timing never decides a test: benchmarks only report.
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
export BUILD INTERLOCK_BIN="$PWD/$BUILD/bin/interlock" INTERLOCK_SHIM="$PWD/$BUILD/lib/libinterlock.so"
out=$(mktemp)
trap 'rm -f "$out"' EXIT

echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), kernel $(uname -r), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
for b in "$BUILD"/bench/*; do
  [ -x "$b" ] || continue
  echo "== $(basename "$b")"
  "$b" 2>&1 | tee -a "$out"
done
for s in bench/*.sh; do
  [ "$(basename "$s")" = run.sh ] && continue
  [ -f "$s" ] || continue
  echo "== $(basename "$s" .sh)"
  bash "$s" 2>&1 | tee -a "$out"
done

echo
printf '%-36s %12s %12s %12s %8s %8s\n' workload native interlock "+seccomp" ratio target
grep '^bench: ' "$out" | while read -r _ name rest; do
  get() { sed -nE "s/.*(^| )$1=([^ ]+).*/\2/p" <<<"$rest"; }
  native=$(get native); il=$(get interlock); both=$(get both); ratio=$(get ratio); target=$(get target)
  us=$(get us_per_action)
  [ -n "$us" ] && { il="${us}us"; native="-"; ratio="-"; }
  printf '%-36s %12s %12s %12s %8s %8s\n' "$name" "${native:--}" "${il:--}" "${both:--}" "${ratio:--}" "${target:--}"
done
