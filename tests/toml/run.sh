#!/usr/bin/env bash
# run.sh [DECODER] — the toml-test conformance run (TOML 1.0.0).
#
# Reads the suite from "$(repo root)/../shared/toml-test" (or $TOML_TEST_DIR)
# and lets compare.py drive DECODER (default build/bin/toml-decoder) over
# every case in its files-toml-1.0.0 manifest. Prints each failure, then
# "toml-test: N passed, N failed"; exits 1 on any failure. Without the suite
# it says so and reports one skipped case.
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
decoder=${1:-$root/build/bin/toml-decoder}
suite=${TOML_TEST_DIR:-$root/../shared/toml-test}

if [ ! -f "$suite/files-toml-1.0.0" ]; then
  echo "toml-test: ${TOML_TEST_DIR:-../shared/toml-test} not found; skipping the conformance run"
  echo "toml-test: 0 passed, 0 failed, 1 skipped"
  exit 0
fi
case "$decoder" in /*) ;; *) decoder="$PWD/$decoder" ;; esac
if [ ! -x "$decoder" ]; then
  echo "toml-test: decoder $decoder not found or not executable (build it with make)"
  echo "toml-test: 0 passed, 1 failed"
  exit 1
fi
if ! command -v python3 >/dev/null 2>&1; then
  echo "toml-test: python3 is needed to compare results"
  echo "toml-test: 0 passed, 1 failed"
  exit 1
fi
exec python3 "$here/compare.py" "$suite" "$decoder"
