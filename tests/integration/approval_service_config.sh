#!/usr/bin/env bash
# approval_service_config.sh — interlock-approver's command line and strict
# configuration: usage and exit codes, hash-password output that verifies
# at login, and FILE:LINE:COL errors for bad configs (unknown key, wrong
# type, short secrets, token == key, plaintext password, duplicate reviewer).
source "$(dirname "$0")/lib.sh"
AP_BIN=${AP_BIN:-$IL_BUILD/bin/interlock-approver}
[ -x "$AP_BIN" ] || { fail "interlock-approver built"; finish; exit 1; }

"$AP_BIN" --help > "$T/help" 2>&1; rc=$?
check "--help exits 0 and shows usage" bash -c "[ $rc -eq 0 ] && grep -q 'usage: interlock-approver --config FILE' '$T/help'"
"$AP_BIN" > "$T/out" 2>&1; rc=$?
check "no --config: exit 2 with a message" bash -c "[ $rc -eq 2 ] && grep -q -- '--config FILE is required' '$T/out'"
"$AP_BIN" --config /nonexistent/x.toml > "$T/out" 2>&1; rc=$?
check "missing config file: exit 1 naming it" bash -c "[ $rc -eq 1 ] && grep -q '/nonexistent/x.toml' '$T/out'"

h=$(printf 'correct horse battery\n' | "$AP_BIN" hash-password --iterations 1000)
check "hash-password prints a PBKDF2 hash" grep -qE '^pbkdf2-sha256\$1000\$[0-9a-f]{32}\$[0-9a-f]{64}$' <<<"$h"
h2=$(printf 'correct horse battery\n' | "$AP_BIN" hash-password --iterations 1000)
check "salts differ between hashes" test "$h" != "$h2"
printf 'short\n' | "$AP_BIN" hash-password > "$T/out" 2>&1; rc=$?
check "hash-password refuses short passwords" bash -c "[ $rc -ne 0 ] && grep -q 'at least 8' '$T/out'"

base() {
  echo 'listen = "127.0.0.1:0"'
  echo "database = \"$T/db.sqlite\""
  echo 'sidecar_token = "tok-0123456789abcdef"'
  echo 'hmac_key = "key-0123456789abcdef0123456789abcdef"'
}
bad() { # name expected-substring config-text
  printf '%s\n' "$3" > "$T/bad.toml"
  timeout 5 "$AP_BIN" --config "$T/bad.toml" > "$T/out" 2>&1; local rc=$?
  if [ $rc -eq 1 ] && grep -q -- "$2" "$T/out"; then pass "$1"; else fail "$1" "rc=$rc: $(cat "$T/out")"; fi
}
bad "unknown key names file:line:col" "bad.toml:5:10: unknown key 'colour'" "$(base; echo 'colour = "red"')"
bad "wrong type" "bad.toml:5:12: expected a string" "$(base; echo 'max_wait = 30')"
bad "short token" "at least 16 bytes" "$(echo 'sidecar_token = "short"'; echo 'hmac_key = "key-0123456789abcdef0123456789abcdef"')"
bad "short key" "32..4096 bytes" "$(echo 'sidecar_token = "tok-0123456789abcdef"'; echo 'hmac_key = "short-key"')"
bad "missing key" "missing hmac_key" "$(echo 'sidecar_token = "tok-0123456789abcdef"')"
bad "key equal to token" "must differ" "$(echo 'sidecar_token = "same-secret-0123456789abcdef0123456789"'; echo 'hmac_key = "same-secret-0123456789abcdef0123456789"')"
bad "plaintext password refused" "hash-password" "$(base; printf '[[reviewer]]\nname = "a"\npassword = "hunter22"\n')"
bad "duplicate reviewer" "duplicate reviewer 'a'" "$(base; printf '[[reviewer]]\nname = "a"\npassword = "%s"\n[[reviewer]]\nname = "a"\npassword = "%s"\n' "$h" "$h")"
bad "TOML syntax error with position" "bad.toml:5:" "$(base; echo 'listen = ')"

# secrets from files; the hash from hash-password logs in
printf 'tok-from-file-0123456789\n' > "$T/token"; printf 'key-from-file-0123456789abcdef0123456789\n' > "$T/key"
chmod 600 "$T/token" "$T/key"
{ echo 'listen = "127.0.0.1:0"'; echo 'database = "good.db"'; echo 'sidecar_token_file = "token"'
  echo 'hmac_key_file = "key"'; printf '[[reviewer]]\nname = "erin"\ngroups = ["oncall"]\npassword = "%s"\n' "$h"; } > "$T/good.toml"
"$AP_BIN" --config "$T/good.toml" > "$T/good.log" 2>&1 &
pid=$!
wait_for grep -q 'listening on' "$T/good.log"
url=$(grep -o 'http://[0-9.:]*' "$T/good.log")
check "starts with secrets from files" test -n "$url"
check "database path is relative to the config file" test -f "$T/good.db"
code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Authorization: Bearer tok-from-file-0123456789' "$url/v1/requests/r-x")
check "token file content (minus newline) is the bearer token" test "$code" = 404
code=$(curl -s -o /dev/null -w '%{http_code}' --data-urlencode username=erin --data-urlencode 'password=correct horse battery' "$url/login")
check "a hash from hash-password verifies at login" test "$code" = 303
kill $pid; wait $pid 2>/dev/null
finish
