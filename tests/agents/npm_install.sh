#!/usr/bin/env bash
# npm_install.sh EXAMPLE_DIR — install an example's npm dependencies into a
# cache directory outside the source tree and print that directory.
#
#   dir=$(bash tests/agents/npm_install.sh examples/agents/langgraph) || ...
#
# The cache is ${INTERLOCK_NPM_CACHE:-$HOME/.cache/interlock-agents}/<name>,
# where <name> is the example directory's base name. The example's
# package.json (exact versions) is copied there and `npm install` runs only
# when it changed since the last successful install (a stamp file holds its
# SHA-256), so every run after the first costs nothing. The example's *.mjs
# and *.js files are copied next to node_modules so Node resolves the
# packages from there.
#
# Exit status: 0 installed (directory on stdout); 3 the npm registry is
# unreachable (the caller skips); 1 npm failed for another reason (the
# caller fails: the package set is broken).
set -u
src=${1:?usage: npm_install.sh EXAMPLE_DIR}
[ -f "$src/package.json" ] || { echo "npm_install: no $src/package.json" >&2; exit 1; }
name=$(basename "$src")
cache=${INTERLOCK_NPM_CACHE:-${HOME:-/tmp}/.cache/interlock-agents}
dir="$cache/$name"
mkdir -p "$dir" || exit 1
want=$(sha256sum "$src/package.json" | cut -d' ' -f1)
have=$(cat "$dir/.installed" 2>/dev/null || true)
for f in "$src"/*.mjs "$src"/*.js; do
  [ -f "$f" ] && cp "$f" "$dir/"
done
if [ "$want" = "$have" ] && [ -d "$dir/node_modules" ]; then
  echo "$dir"
  exit 0
fi
command -v npm >/dev/null 2>&1 || { echo "npm_install: npm is not installed" >&2; exit 3; }
registry=$(npm config get registry 2>/dev/null || echo https://registry.npmjs.org/)
if ! timeout 30 npm ping --registry "$registry" >/dev/null 2>&1; then
  echo "npm_install: the npm registry ($registry) is unreachable" >&2
  exit 3
fi
cp "$src/package.json" "$dir/package.json"
rm -f "$dir/.installed"
echo "npm_install: installing $name into $dir (first run only)" >&2
if ! (cd "$dir" && timeout 300 npm install --no-audit --no-fund --no-package-lock \
        --loglevel=error >"$dir/npm-install.log" 2>&1); then
  echo "npm_install: npm install failed for $name; see $dir/npm-install.log" >&2
  tail -n 20 "$dir/npm-install.log" >&2
  exit 1
fi
echo "$want" >"$dir/.installed"
echo "$dir"
