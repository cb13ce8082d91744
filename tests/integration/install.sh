#!/usr/bin/env bash
# install.sh — `make install` into a staging DESTDIR yields a working,
# relocatable interlock: it finds its shim and its default rules next to
# itself, gates with them, and `rules check` accepts the installed sets.
source "$(dirname "$0")/lib.sh"
cd "$IL_ROOT"
rel=${IL_BUILD#"$IL_ROOT"/}
D="$T/stage"
if ! make -s --no-print-directory install BUILD="$rel" PREFIX=/opt/interlock DESTDIR="$D" >"$T/install.log" 2>&1; then
  fail "make install" "$(tail -n 5 "$T/install.log")"
  finish; exit $?
fi
P="$D/opt/interlock"
check "binary installed" test -x "$P/bin/interlock"
check "shim installed" test -f "$P/lib/interlock/libinterlock.so"
check "default rules installed" test -f "$P/share/interlock/rules/default.toml"
check "example rule sets installed" test -f "$P/share/interlock/rules/examples/payments.toml"
check "installed rule files are not group/other writable" \
  sh -c "! find '$P/share/interlock/rules' -type f -perm /022 | grep -q ."
check "rules check accepts the installed sets" \
  "$P/bin/interlock" rules check "$P/share/interlock/rules/default.toml" "$P/share/interlock/rules/examples/"*.toml

# no --rules: the installed default set applies (its deny rule for SSH keys)
mkdir -p "$T/home/.ssh"; echo k >"$T/home/.ssh/id_x"
cd "$T"
HOME="$T/home" "$P/bin/interlock" run --enforce preload -- \
  python3 -c 'import os; os.remove(os.path.expanduser("~/.ssh/id_x"))' >out 2>err
check "installed run gates with the installed default rules" test -f "$T/home/.ssh/id_x"
check "the denial names the default rule" grep -q 'rule delete-ssh-gpg-keys' err
HOME="$T/home" "$P/bin/interlock" run --enforce preload -- sh -c 'exit 3'
check "installed run propagates the exit status" test $? -eq 3
finish
