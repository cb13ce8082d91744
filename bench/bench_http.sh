#!/usr/bin/env bash
# bench_http.sh — what HTTP request gating costs: 1,000 HTTPS requests from
# Python http.client on one keep-alive connection to a local server, native
# and under `interlock run --enforce preload` with an allowing rule set
# that holds http rules (so every request is parsed and decided), then the
# same with 100 KiB request bodies. Each workload runs REPS times and the
# median is kept; the `both` (preload + seccomp) figure is printed beside.
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
IL=${INTERLOCK_BIN:-$PWD/$BUILD/bin/interlock}
REPS=${REPS:-3}
N=${N:-1000}
W=$(mktemp -d /tmp/interlock-bench-http.XXXXXX)
srv=
trap '[ -n "$srv" ] && kill $srv 2>/dev/null; rm -rf "$W"' EXIT
cat >"$W/rules.toml" <<'TOML'
version = 1
[defaults]
decision = "allow"
[[rule]]
id = "refunds"
kind = "http"
method = ["POST"]
url = ["https://api.stripe.com/v1/refunds*"]
decision = "approve"
[[rule]]
id = "no-delete"
kind = "http"
method = ["DELETE"]
host = ["prod.example.com"]
decision = "deny"
TOML
chmod 600 "$W/rules.toml"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$W/key.pem" -out "$W/cert.pem" -days 2 \
  -subj /CN=localhost -addext "subjectAltName=DNS:localhost" >/dev/null 2>&1
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
python3 tests/helpers/http_server.py "$PORT" "$W/server.log" "$W/cert.pem" "$W/key.pem" >/dev/null 2>&1 &
srv=$!
# wait for the port
for _ in $(seq 100); do
  python3 -c "import socket; socket.create_connection(('127.0.0.1', $PORT), 1)" 2>/dev/null && break
  sleep 0.1
done
CLIENT=(python3 tests/helpers/http_client.py bench "localhost:$PORT" "$W/cert.pem" "$N")

median_secs() {
  local times=() i t0 t1
  for ((i = 0; i < REPS; i++)); do
    t0=$(date +%s%N); "$@" >/dev/null 2>&1 || echo "bench_http: run failed: $*" >&2; t1=$(date +%s%N)
    times+=($(( (t1 - t0) / 1000 )))
  done
  printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {printf "%.4f", a[int((NR+1)/2)]/1e6}'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", (a > 0 ? b / a : 0)}'; }

for body in 0 102400; do
  name=https-$N; [ "$body" -gt 0 ] && name=https-$N-100k
  nat=$(median_secs "${CLIENT[@]}" "$body")
  il=$(median_secs "$IL" run --enforce preload --rules "$W/rules.toml" -- "${CLIENT[@]}" "$body")
  both=$(median_secs "$IL" run --enforce both --rules "$W/rules.toml" -- "${CLIENT[@]}" "$body")
  echo "bench: $name native=${nat}s interlock=${il}s seccomp=${both}s ratio=$(ratio "$nat" "$il") target=1.10 ratio_both=$(ratio "$nat" "$both") target_both=1.10"
done
