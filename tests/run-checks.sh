#!/usr/bin/env bash
# run-checks.sh — run every test suite and add up the results.
#
# Suites: each CUnit program in $BUILD/tests/test_*, the TOML conformance
# run (tests/toml/run.sh), the rule sets' own [[test]] tables, and every
# integration script tests/integration/*.sh. Each suite prints a line
# "[LABEL: ]N passed, N failed[, N skipped]"; a suite that exits non-zero
# without such a line counts as one failure. The last line is the total.
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
export BUILD
export INTERLOCK_BIN="$PWD/$BUILD/bin/interlock"
export INTERLOCK_SHIM="$PWD/$BUILD/lib/libinterlock.so"
export INTERLOCK_ROOT="$PWD"
LOGDIR="$BUILD/test-logs"
mkdir -p "$LOGDIR"

if [ "${SAN:-}" = "address" ]; then
  export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}"
fi
if [ "${SAN:-}" = "undefined" ]; then
  export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
fi

total_pass=0 total_fail=0 total_skip=0
failed_suites=()

run_suite() {
  local name=$1; shift
  local log="$LOGDIR/$(echo "$name" | tr '/ ' '__').log"
  local start=$SECONDS
  "$@" >"$log" 2>&1
  local rc=$?
  local line
  line=$(grep -E '([0-9]+) passed, ([0-9]+) failed' "$log" | tail -n 1)
  local p=0 f=0 s=0
  if [ -n "$line" ]; then
    p=$(sed -E 's/.*[^0-9]?([0-9]+) passed.*/\1/' <<<"$line")
    p=$(grep -oE '[0-9]+ passed' <<<"$line" | grep -oE '[0-9]+')
    f=$(grep -oE '[0-9]+ failed' <<<"$line" | grep -oE '[0-9]+')
    s=$(grep -oE '[0-9]+ skipped' <<<"$line" | grep -oE '[0-9]+' || true)
    s=${s:-0}
  fi
  if [ $rc -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
  total_pass=$((total_pass + p)); total_fail=$((total_fail + f)); total_skip=$((total_skip + s))
  local status=ok
  if [ "$f" -ne 0 ]; then status=FAIL; failed_suites+=("$name ($log)"); fi
  printf '%-44s %4s  %d passed, %d failed, %d skipped  (%ds)\n' "$name" "$status" "$p" "$f" "$s" $((SECONDS - start))
  if [ "$status" = FAIL ]; then
    echo "---- last lines of $log ----"
    tail -n 30 "$log"
    echo "----"
  fi
}

for t in "$BUILD"/tests/test_*; do
  [ -x "$t" ] || continue
  run_suite "unit/$(basename "$t")" "$t"
done

if [ -f tests/toml/run.sh ]; then
  run_suite "toml-test" bash tests/toml/run.sh "$BUILD/bin/toml-decoder"
fi

if [ -f rules/default.toml ]; then
  run_suite "rules test" env INTERLOCK_INSECURE_RULES=1 "$INTERLOCK_BIN" rules test rules/default.toml rules/examples/*.toml
fi

# Fuzz targets replayed over their seed corpus and kept regression inputs.
for t in "$BUILD"/tests/fuzz-replay/fuzz_*; do
  [ -x "$t" ] || continue
  n=$(basename "$t"); n=${n#fuzz_}
  run_suite "fuzz-replay/$n" "$t" --quiet "tests/fuzz/corpus/$n" "tests/fuzz/regressions/$n"
done

for t in tests/integration/*.sh; do
  [ -f "$t" ] || continue
  case "$(basename "$t")" in lib.sh) continue ;; esac
  run_suite "integration/$(basename "$t" .sh)" timeout 600 bash "$t"
done

# Evasion tests (docs/threat-model.md), run like integration suites.
for t in tests/evasion/*.sh; do
  [ -f "$t" ] || continue
  case "$(basename "$t")" in lib.sh|*.bash) continue ;; esac
  run_suite "evasion/$(basename "$t" .sh)" timeout 600 bash "$t"
done

echo
if [ ${#failed_suites[@]} -gt 0 ]; then
  echo "failed suites:"
  printf '  %s\n' "${failed_suites[@]}"
fi
echo "check: $total_pass passed, $total_fail failed, $total_skip skipped"
[ "$total_fail" -eq 0 ]
