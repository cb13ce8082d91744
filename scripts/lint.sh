#!/usr/bin/env bash
# scripts/lint.sh — static analysis of the C sources: cppcheck, then
# clang-tidy with the repository's .clang-tidy (bugprone, CERT and the clang
# static analyzer, minus style-only checks; the file says why each is off).
#
#   bash scripts/lint.sh [FILE.c ...]     default: sidecar/ interceptor/
#                                         examples/approval-service/
#
# Exits 0 when there is nothing new to look at, 1 when either tool reports a
# finding, 2 when a tool is missing. Every finding is printed as
# "tool: file:line:col: message [check]".
#
# False positives:
# - cppcheck: an inline suppression with its reason on the line before,
#   e.g. /* cppcheck-suppress memleak ; freed by cleanup_free */
#   (cppcheck runs with --inline-suppr).
# - clang-tidy: scripts/lint-baseline.txt lists known false positives as
#   "file: message [check]" (no line numbers, so they survive edits), each
#   under a comment saying why it is false. A finding matching a baseline
#   line is reported as "baselined" and does not fail the run. Prefer
#   fixing the code; add to the baseline only what is really false.
#
# Needs: cppcheck (2.x) and clang-tidy (Debian LLVM 14). Runs the files in
# parallel (one job per core); the whole tree takes a few minutes.
set -u
cd "$(dirname "$0")/.." || exit 2

for tool in cppcheck clang-tidy; do
	command -v "$tool" >/dev/null 2>&1 || { echo "lint: $tool not found (apt-get install $tool)" >&2; exit 2; }
done

if [ $# -gt 0 ]; then
	files=("$@")
else
	mapfile -t files < <(ls sidecar/*.c interceptor/*.c examples/approval-service/*.c 2>/dev/null)
fi
[ ${#files[@]} -gt 0 ] || { echo "lint: no files" >&2; exit 2; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0

# --- cppcheck -------------------------------------------------------------
# -D__x86_64__: interceptor/hook_spawn.c #errors on other architectures.
cppcheck --quiet --inline-suppr --enable=warning,portability --std=c11 \
	-D_GNU_SOURCE -D__x86_64__ -Isidecar -Iinterceptor \
	--suppress=missingIncludeSystem \
	--template='cppcheck: {file}:{line}:{column}: {severity}: {message} [{id}]' \
	"${files[@]}" 2>"$tmp/cppcheck.txt"
if [ -s "$tmp/cppcheck.txt" ]; then
	cat "$tmp/cppcheck.txt"
	fail=1
fi

# --- clang-tidy -----------------------------------------------------------
jobs=$(nproc 2>/dev/null || echo 2)
printf '%s\n' "${files[@]}" | xargs -P "$jobs" -I{} sh -c \
	'clang-tidy --quiet "$1" -- -std=c11 -D_GNU_SOURCE -Isidecar -Iinterceptor \
	   -DINTERLOCK_PREFIX="\"/usr/local\"" >"$2/tidy.$(echo "$1" | tr / _).txt" 2>/dev/null; exit 0' \
	_ {} "$tmp"
here="$(pwd)/"
cat "$tmp"/tidy.*.txt 2>/dev/null |
	grep -E '^[^ ].*:[0-9]+:[0-9]+: (warning|error):' |
	sed "s|^$here||" | sort -u >"$tmp/tidy.txt"

baseline=scripts/lint-baseline.txt
new=0 known=0
while IFS= read -r line; do
	# "file:line:col: warning: message [check]" -> "file: message [check]"
	key=$(printf '%s\n' "$line" | sed -E 's/^([^:]+):[0-9]+:[0-9]+: (warning|error): /\1: /')
	if [ -f "$baseline" ] && grep -vE '^(#|$)' "$baseline" | grep -qxF -- "$key"; then
		known=$((known + 1))
	else
		echo "clang-tidy: $line"
		new=$((new + 1))
	fi
done <"$tmp/tidy.txt"
[ "$new" -eq 0 ] || fail=1

echo "lint: ${#files[@]} files; clang-tidy: $new finding(s), $known baselined; cppcheck: $(grep -c . "$tmp/cppcheck.txt" || true) line(s)"
exit "$fail"
