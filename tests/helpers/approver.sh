# approver.sh — start a private interlock-approver for a test (sourced after
# tests/integration/lib.sh, which provides $T and cleanup).
#
#   approver_start            config in $T/approver.toml, db in $T, random port
#   $AP_URL                   http://127.0.0.1:PORT
#   api METHOD PATH [BODY]    curl with the bearer token; prints body, then
#                             the status code on the last line
#   new_request ID [JSON-PATCH...]   a create-request body with defaults
#   login NAME                cookie jar $T/jar.NAME; echoes the CSRF token
#   decide NAME ID approve|deny [REASON]   prints the HTTP status
#   verify_verdict ID < body  python3 HMAC check (prints "decision reviewers reason")
AP_BIN=${AP_BIN:-$IL_BUILD/bin/interlock-approver}
AP_TOKEN="sidecar-token-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
AP_KEY="hmac-key-$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
AP_HELPERS="$IL_ROOT/tests/helpers"
declare -A AP_PW=([alice]=alice-pass-1 [bob]=bob-pass-22 [carol]=carol-pass-333 [dave]=dave-pass-4444)

approver_start() {
  local extra=${1:-}
  {
    echo "listen = \"127.0.0.1:0\""
    echo "database = \"approver.db\""
    echo "sidecar_token = \"$AP_TOKEN\""
    echo "hmac_key = \"$AP_KEY\""
    echo "verdict_ttl = \"1m\""
    echo "max_wait = \"20s\""
    echo "$extra"
    local n g
    for n in alice bob carol dave; do
      case $n in alice|bob|dave) g='["oncall"]' ;; carol) g='["payments-lead"]' ;; esac
      echo "[[reviewer]]"
      echo "name = \"$n\""
      echo "groups = $g"
      echo "password = \"$(printf '%s\n' "${AP_PW[$n]}" | "$AP_BIN" hash-password --iterations 2000)\""
    done
  } > "$T/approver.toml"
  chmod 600 "$T/approver.toml"
  "$AP_BIN" --config "$T/approver.toml" > "$T/approver.log" 2>&1 &
  AP_PID=$!
  local i
  for i in $(seq 1 100); do
    AP_URL=$(grep -o 'listening on http://[0-9.:]*' "$T/approver.log" | sed 's/listening on //')
    [ -n "$AP_URL" ] && break
    kill -0 "$AP_PID" 2>/dev/null || break
    sleep 0.05
  done
  export AP_URL
  [ -n "$AP_URL" ]
}

api() {
  local method=$1 path=$2 body=${3:-}
  if [ -n "$body" ]; then
    curl -s -X "$method" -H "Authorization: Bearer $AP_TOKEN" -H 'Content-Type: application/json' \
      --data-binary "$body" -w '\n%{http_code}' "$AP_URL$path"
  else
    curl -s -X "$method" -H "Authorization: Bearer $AP_TOKEN" -w '\n%{http_code}' "$AP_URL$path"
  fi
}

now_ms() { date +%s%3N; }

# new_request ID KEY=JSONVALUE... : defaults overridden by top-level keys
new_request() {
  local id=$1; shift
  python3 - "$id" "$(now_ms)" "$@" <<'PY'
import json, sys
rid, now = sys.argv[1], int(sys.argv[2])
req = {
    "version": 1, "request_id": rid, "created_at": now, "deadline": now + 600000,
    "session": "s-test", "agent_id": "test-agent", "host": "build-1", "requester": "mallory",
    "policy_version": "0" * 64, "risk": "high", "approvals_required": 1,
    "approvers": ["oncall"], "escalation": [], "timeout_ms": 600000,
    "rules": [{"id": "rm-recursive", "description": "recursive rm outside the workspace",
               "risk": "high", "decision": "approve", "why": "program 'rm' ~ \"rm\""}],
    "action": {"kind": "exec", "summary": "rm -rf /srv/data", "program": "/usr/bin/rm",
               "argv": ["rm", "-rf", "/srv/data"], "argc": 3, "cwd": "/srv", "pid": 42,
               "ppid": 1, "uid": 1000, "lossy": False, "truncated": False},
}
for kv in sys.argv[3:]:
    k, v = kv.split("=", 1)
    v = json.loads(v)
    if k.startswith("action."):
        req["action"][k[7:]] = v
    elif k == "deadline_in":
        req["deadline"] = now + v
    else:
        req[k] = v
print(json.dumps(req))
PY
}

login() {
  local name=$1
  curl -s -c "$T/jar.$name" -o /dev/null --data-urlencode "username=$name" \
    --data-urlencode "password=${AP_PW[$name]}" "$AP_URL/login"
  curl -s -b "$T/jar.$name" "$AP_URL/requests" | grep -o 'name="csrf" value="[0-9a-f]*"' | head -n 1 |
    sed 's/.*value="//; s/"$//'
}

decide() {
  local name=$1 id=$2 dec=$3 reason=${4:-}
  local csrf
  csrf=$(login_csrf "$name")
  curl -s -b "$T/jar.$name" -o "$T/decide.out" -w '%{http_code}' --data-urlencode "csrf=$csrf" \
    --data-urlencode "decision=$dec" --data-urlencode "reason=$reason" "$AP_URL/requests/$id/decide"
}

# The CSRF token of an existing session (logs in when there is none).
login_csrf() {
  local name=$1 t=""
  if [ -f "$T/jar.$name" ]; then
    t=$(curl -s -b "$T/jar.$name" "$AP_URL/requests" | grep -o 'name="csrf" value="[0-9a-f]*"' |
        head -n 1 | sed 's/.*value="//; s/"$//')
  fi
  [ -n "$t" ] || t=$(login "$name")
  echo "$t"
}

verify_verdict() {
  python3 "$AP_HELPERS/verdict_verify.py" "$AP_KEY" "$1"
}
