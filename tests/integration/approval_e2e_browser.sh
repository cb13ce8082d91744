#!/usr/bin/env bash
# approval_e2e_browser.sh — end to end in a real browser: real programs
# under `interlock run --approver http://127.0.0.1:PORT` (the reference
# approval service), a reviewer in headless Chromium approves one (its
# gated delete happens), denies one with a reason (it does not), and a
# two-person request needs both alice and bob (tests/browser/e2e_test.py,
# WebDriver over chromedriver). Screenshots: $BUILD/test-artifacts/e2e-*.png.
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
  skip "browser e2e test" "chromium/chromedriver not installed and cannot be installed"
  finish; exit 0
fi
if [ ! -x "$AP_BIN" ] || [ ! -x "$INTERLOCK" ] || [ ! -f "$SHIM" ]; then
  fail "binaries built" "need $AP_BIN, $INTERLOCK and $SHIM"; finish; exit 1
fi
approver_start || { fail "approver starts" "$(cat "$T/approver.log")"; finish; exit 1; }
pass "reference approval service on $AP_URL"

( umask 077; printf '%s\n' "$AP_KEY" > "$T/key"; printf '%s\n' "$AP_TOKEN" > "$T/token" )
mkdir -p "$T/work"
cat > "$T/rules.toml" <<TOML
version = 1
[defaults]
decision = "allow"
timeout = "2m"

[[rule]]
id = "gate-approve"
description = "deleting approve-* needs a reviewer"
kind = "delete"
path = ["$T/work/approve-*", "$T/work/deny-*"]
decision = "approve"
approvers = ["oncall"]
risk = "high"

[[rule]]
id = "gate-pair"
description = "deleting pair-* needs two reviewers"
kind = "delete"
path = ["$T/work/pair-*"]
decision = "approve"
approvers = ["oncall"]
approvals = 2
risk = "critical"
TOML
chmod 600 "$T/rules.toml"

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
  INTERLOCK="$INTERLOCK" RULES="$T/rules.toml" KEY_FILE="$T/key" TOKEN_FILE="$T/token" WORK="$T/work" \
  timeout 300 python3 "$IL_ROOT/tests/browser/e2e_test.py" > "$T/browser.out" 2>&1
rc=$?
cat "$T/browser.out"
line=$(grep -E '^browser_e2e: [0-9]+ passed, [0-9]+ failed' "$T/browser.out" | tail -n 1)
bp=$(sed -E 's/.* ([0-9]+) passed.*/\1/' <<<"$line"); bf=$(sed -E 's/.* ([0-9]+) failed.*/\1/' <<<"$line")
_il_pass=$((_il_pass + ${bp:-0})); _il_fail=$((_il_fail + ${bf:-0}))
if [ $rc -ne 0 ] && [ "${bf:-0}" -eq 0 ]; then fail "browser e2e test ran" "exit $rc"; fi
kill "$WD_PID" 2>/dev/null; wait "$WD_PID" 2>/dev/null
kill "$AP_PID" 2>/dev/null; wait "$AP_PID" 2>/dev/null
finish
