#!/usr/bin/env bash
# bench_gate.sh — what the gate costs, side by side with native in the same
# run, with the default rules (rules/default.toml) as a user would run them:
#
#   call-unlink / call-exec / call-connect   µs added per allowed call, timed
#                                            inside one process (no start-up)
#   rm-rf-20k     `rm -rf` of a 20,000-file tree (200 dirs x 100 files);
#                 targets: preload <= 1.5x native, both layers <= 2.5x
#   exec-2000     a shell running 2,000 short processes; target <= 1.1x
#   cbuild-300    a 300-file C build (make -j1: cc, cc1 and as for every
#                 file, then the link): the issue's other exec-heavy
#                 example; target <= 1.1x; CB_REPS runs (default 3), no strace
#
# Each workload runs natively, under `interlock run --enforce preload`, under
# `--enforce both` (when the kernel has seccomp user notification) and under
# `strace -f` (the usual tracing alternative, for reference). REPS runs
# each; the median is kept. Benchmarks report; they never fail a build.
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
IL=${INTERLOCK_BIN:-$PWD/$BUILD/bin/interlock}
CB=$PWD/$BUILD/tests/helpers/callbench
REPS=${REPS:-5}
W=$(mktemp -d /tmp/interlock-bench.XXXXXX)
trap 'rm -rf "$W"' EXIT
cp rules/default.toml "$W/rules.toml"; chmod 600 "$W/rules.toml"
export XDG_RUNTIME_DIR="$W/run"; mkdir -p "$XDG_RUNTIME_DIR"; chmod 700 "$XDG_RUNTIME_DIR"
PRELOAD=("$IL" run --enforce preload --rules "$W/rules.toml" --audit "$W/audit.jsonl" --)
BOTH=("$IL" run --enforce both --rules "$W/rules.toml" --audit "$W/audit-both.jsonl" --)
have_both=1
"${BOTH[@]}" true >/dev/null 2>&1 || have_both=0
have_strace=1
command -v strace >/dev/null 2>&1 || have_strace=0
STRACE=(strace -f -qq -o /dev/null)

# median of REPS wall-clock runs of "$@" in seconds; $SETUP runs untimed first
median_secs() {
  local times=() i t0 t1
  for ((i = 0; i < REPS; i++)); do
    [ -n "${SETUP:-}" ] && eval "$SETUP"
    t0=$(date +%s%N); "$@" >/dev/null 2>&1; t1=$(date +%s%N)
    times+=($(( (t1 - t0) / 1000 )))
  done
  printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {printf "%.4f", a[int((NR+1)/2)]/1e6}'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", (a > 0 ? b / a : 0)}'; }

# one workload in every mode: NAME TARGET TARGET_BOTH CMD...
workload() {
  local name=$1 target=$2 target_both=$3; shift 3
  local nat pre both="-" st="-" line
  nat=$(median_secs "$@")
  pre=$(median_secs "${PRELOAD[@]}" "$@")
  [ $have_both = 1 ] && both=$(median_secs "${BOTH[@]}" "$@")
  [ $have_strace = 1 ] && [ -z "${NO_STRACE:-}" ] && st=$(median_secs "${STRACE[@]}" "$@")
  line="bench: $name native=${nat}s preload=${pre}s"
  [ "$both" != "-" ] && line+=" both=${both}s"
  [ "$st" != "-" ] && line+=" strace=${st}s"
  line+=" ratio=$(ratio "$nat" "$pre") target=$target"
  [ "$both" != "-" ] && line+=" ratio_both=$(ratio "$nat" "$both") target_both=$target_both"
  [ "$st" != "-" ] && line+=" ratio_strace=$(ratio "$nat" "$st")"
  echo "$line"
}

# Per-call cost, measured inside one process.
percall() {
  local mode=$1 n=$2; shift 2
  local nat pre
  rm -rf "$W/pc"; mkdir -p "$W/pc"
  nat=$("$CB" "$mode" "$n" "$@" | sed -n 's/ns_per_call=//p')
  rm -rf "$W/pc"; mkdir -p "$W/pc"
  pre=$("${PRELOAD[@]}" "$CB" "$mode" "$n" "$@" | sed -n 's/ns_per_call=//p')
  awk -v name="$mode" -v a="$nat" -v b="$pre" 'BEGIN {
    printf "bench: call-%s native=%.1fus preload=%.1fus added_us=%.1f ratio=%.2f target=-\n",
           name, a/1000, b/1000, (b-a)/1000, (a > 0 ? b/a : 0) }'
}
percall unlink 20000 "$W/pc"
percall exec 2000
percall connect 5000

mktree() { python3 - "$W/tree" <<'PY'
import os, sys
root = sys.argv[1]
for d in range(200):
    p = os.path.join(root, "d%03d" % d)
    os.makedirs(p, exist_ok=True)
    for f in range(100):
        open(os.path.join(p, "f%03d" % f), "w").close()
PY
}
SETUP=mktree workload rm-rf-20k 1.50 2.50 rm -rf "$W/tree"
workload exec-2000 1.10 1.10 bash -c 'for i in $(seq 2000); do /bin/true; done'

# A 300-file C build: small translation units, so process start-up (make,
# the cc driver, cc1, as) is a large share of the work, as in real builds.
mkbuild() { python3 - "$W/cb" <<'PY'
import os, sys
d = sys.argv[1]
os.makedirs(d, exist_ok=True)
for i in range(300):
    with open(os.path.join(d, "f%03d.c" % i), "w") as f:
        f.write("#include <string.h>\n")
        for k in range(4):
            f.write("int f%03d_%d(const char *s, int n) { int h = %d; for (int i = 0; i < n && s[i]; i++) "
                    "h = h * 31 + s[i] + (int)strlen(s + i) %% %d; return h; }\n" % (i, k, i + k, k + 3))
with open(os.path.join(d, "main.c"), "w") as f:
    f.write("int f000_0(const char *, int);\nint main(void) { return f000_0(\"abc\", 3) == 0; }\n")
with open(os.path.join(d, "Makefile"), "w") as f:
    f.write("SRCS := $(sort $(wildcard f*.c)) main.c\nOBJS := $(SRCS:.c=.o)\n"
            "prog: $(OBJS)\n\tcc -o $@ $(OBJS)\n%.o: %.c\n\tcc -O2 -c $< -o $@\n"
            "clean:\n\trm -f *.o prog\n")
PY
}
if command -v cc >/dev/null 2>&1 && command -v make >/dev/null 2>&1; then
  mkbuild
  REPS=${CB_REPS:-3} NO_STRACE=1 SETUP="make -s -C '$W/cb' clean" \
    workload cbuild-300 1.10 1.10 make -s -j1 -C "$W/cb"
else
  echo "bench: cbuild-300 skipped (no cc or make)"
fi
