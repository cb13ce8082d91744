#!/usr/bin/env bash
# browser_review.sh — the approval service's review page in a real headless
# Chromium (tests/browser/review_test.py over chromedriver's WebDriver
# protocol): login, XSS payload rendered as text, approve, deny with a
# reason, two-person rule. Screenshots go to $BUILD/test-artifacts/.
# Chromium comes from Debian (scripts/deps.sh); when it is missing and we
# are root it is installed; the suite is skipped only if that fails.
source "$(dirname "$0")/lib.sh"
source "$IL_ROOT/tests/helpers/approver.sh"

CHROMIUM=$(command -v chromium || true)
DRIVER=$(command -v chromedriver || true)
if { [ -z "$CHROMIUM" ] || [ -z "$DRIVER" ]; } && [ "$(id -u)" -eq 0 ]; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null 2>&1 || true
  CHROMIUM=$(command -v chromium || true)
  DRIVER=$(command -v chromedriver || true)
fi
if [ -z "$CHROMIUM" ] || [ -z "$DRIVER" ]; then
  skip "browser review test" "chromium/chromedriver not installed and cannot be installed (apt-get install chromium chromium-driver)"
  finish; exit 0
fi
if [ ! -x "$AP_BIN" ]; then
  fail "interlock-approver built" "$AP_BIN missing"; finish; exit 1
fi
approver_start || { fail "approver starts" "$(cat "$T/approver.log")"; finish; exit 1; }
pass "approver starts ($AP_URL)"

WD_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$DRIVER" --port="$WD_PORT" --allowed-ips=127.0.0.1 > "$T/chromedriver.log" 2>&1 &
WD_PID=$!
if WAIT_SECS=20 wait_for curl -sf "http://127.0.0.1:$WD_PORT/status" -o /dev/null; then
  pass "chromedriver ready"
else
  fail "chromedriver ready" "$(tail -5 "$T/chromedriver.log")"; finish; exit 1
fi

mkdir -p "$IL_BUILD/test-artifacts"
AP_URL=$AP_URL AP_TOKEN=$AP_TOKEN AP_KEY=$AP_KEY WEBDRIVER_URL="http://127.0.0.1:$WD_PORT" \
  ARTIFACTS="$IL_BUILD/test-artifacts" PW_ALICE=${AP_PW[alice]} PW_BOB=${AP_PW[bob]} CHROMIUM="$CHROMIUM" \
  timeout 300 python3 "$IL_ROOT/tests/browser/review_test.py" > "$T/browser.out" 2>&1
rc=$?
cat "$T/browser.out"
line=$(grep -E '^browser_review: [0-9]+ passed, [0-9]+ failed' "$T/browser.out" | tail -n 1)
bp=$(sed -E 's/.* ([0-9]+) passed.*/\1/' <<<"$line"); bf=$(sed -E 's/.* ([0-9]+) failed.*/\1/' <<<"$line")
_il_pass=$((_il_pass + ${bp:-0})); _il_fail=$((_il_fail + ${bf:-0}))
if [ $rc -ne 0 ] && [ "${bf:-0}" -eq 0 ]; then fail "browser test ran" "exit $rc"; fi
kill "$WD_PID" 2>/dev/null; wait "$WD_PID" 2>/dev/null
kill "$AP_PID" 2>/dev/null; wait "$AP_PID" 2>/dev/null
finish
