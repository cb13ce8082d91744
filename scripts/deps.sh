#!/usr/bin/env bash
# deps.sh — install the Debian packages interlock needs to build and test.
#
#   scripts/deps.sh            install whatever is missing (as root), or print
#                              the exact apt-get command to run (as a user)
#   scripts/deps.sh --check    exit 0 when everything is present, 1 otherwise
#
# The list is the single source of truth for the build's dependencies: the
# Makefile's `deps` target and `check`/`demo` call this script.
set -euo pipefail

PKGS=(
  build-essential pkg-config
  libseccomp-dev libcurl4-openssl-dev libcjson-dev libcunit1-dev
  libmicrohttpd-dev libsqlite3-dev libssl-dev libgnutls28-dev
  clang libclang-rt-14-dev
  python3 nodejs npm curl wget gnutls-bin openssl
  procps psmisc util-linux coreutils findutils git dash strace
  chromium chromium-driver
)

missing=()
for p in "${PKGS[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

# Tools that may come from outside Debian's packages (pyenv python, a
# preinstalled node) count as present when the command exists.
filtered=()
for p in "${missing[@]}"; do
  case "$p" in
    python3) command -v python3 >/dev/null && continue ;;
    nodejs)  command -v node >/dev/null && continue ;;
    npm)     command -v npm >/dev/null && continue ;;
  esac
  filtered+=("$p")
done
missing=("${filtered[@]+"${filtered[@]}"}")

if [ "${1:-}" = "--check" ]; then
  [ ${#missing[@]} -eq 0 ] && exit 0
  echo "deps: missing Debian packages: ${missing[*]}" >&2
  exit 1
fi

if [ ${#missing[@]} -eq 0 ]; then
  echo "deps: all build and test dependencies are installed"
  exit 0
fi

cmd="apt-get install -y --no-install-recommends ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
  echo "deps: missing Debian packages: ${missing[*]}" >&2
  echo "deps: run as root:  apt-get update && $cmd" >&2
  exit 1
fi
echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
$cmd
