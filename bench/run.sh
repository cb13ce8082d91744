#!/usr/bin/env bash
# run.sh — `make bench`: every benchmark, side by side with native in the
# same run, ending with one table.
#
# Each benchmark prints lines "bench: NAME key=value ..." with some of:
# native, preload (or interlock), both, strace (seconds or µs), ratio,
# ratio_both, target, target_both, us_per_action, p50_ms, p99_ms. This
# script runs them all, prints the table, one "bench: NAME ratio=X
# target=Y" summary line per workload, and writes the same table as
# Markdown to $BUILD/bench-report.md (copied into docs/performance.md by
# hand with the machine it ran on). Timing never fails the build.
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
export BUILD INTERLOCK_BIN="$PWD/$BUILD/bin/interlock" INTERLOCK_SHIM="$PWD/$BUILD/lib/libinterlock.so"
out=$(mktemp)
trap 'rm -f "$out"' EXIT

machine="$(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), kernel $(uname -r), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "machine: $machine"
for b in "$BUILD"/bench/*; do
  [ -x "$b" ] || continue
  echo "== $(basename "$b")"
  "$b" 2>&1 | tee -a "$out"
done
for s in bench/*.sh; do
  [ "$(basename "$s")" = run.sh ] && continue
  echo "== $(basename "$s" .sh)"
  bash "$s" 2>&1 | tee -a "$out"
done

report="$BUILD/bench-report.md"
{
  echo "Measured $(date -u +%Y-%m-%d) on: $machine"
  echo
  echo "| workload | native | interlock (preload) | interlock (both) | ratio | ratio (both) | target | strace |"
  echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
} >"$report"
echo
printf '%-28s %11s %11s %11s %7s %7s %7s %11s\n' workload native preload both ratio r-both target strace
grep '^bench: ' "$out" | grep -v ' skipped' | while read -r _ name rest; do
  get() { sed -nE "s/(^|.* )$1=([^ ]+).*/\2/p" <<<"$rest"; }
  native=$(get native); pre=$(get preload); [ -z "$pre" ] && pre=$(get interlock)
  both=$(get both); [ -z "$both" ] && both=$(get seccomp); st=$(get strace); ratio=$(get ratio); rb=$(get ratio_both)
  target=$(get target); tb=$(get target_both)
  us=$(get us_per_action); p99=$(get p99_ms); p50=$(get p50_ms)
  [ -n "$us" ] && pre="${us}us/action"
  [ -n "$p99" ] && pre="p50 ${p50}ms p99 ${p99}ms" && target=$(get target_p99_ms) && target="${target}ms"
  [ -n "$tb" ] && target="$target/$tb"
  printf '%-28s %11s %11s %11s %7s %7s %7s %11s\n' "$name" "${native:--}" "${pre:--}" "${both:--}" \
    "${ratio:--}" "${rb:--}" "${target:--}" "${st:--}"
  echo "| $name | ${native:--} | ${pre:--} | ${both:--} | ${ratio:--} | ${rb:--} | ${target:--} | ${st:--} |" >>"$report"
done
echo
grep '^bench: ' "$out" | grep -v ' skipped' | while read -r _ name rest; do
  r=$(sed -nE 's/(^|.* )ratio=([^ ]+).*/\2/p' <<<"$rest"); t=$(sed -nE 's/(^|.* )target=([^ ]+).*/\2/p' <<<"$rest")
  [ -n "$r" ] && echo "bench: $name ratio=$r target=${t:--}"
done
echo "report: $report"
