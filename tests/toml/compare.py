#!/usr/bin/env python3
"""compare.py — drive a toml-test decoder over the TOML 1.0.0 suite.

Usage: compare.py SUITE_DIR DECODER

Runs DECODER once per case listed in SUITE_DIR/files-toml-1.0.0 (in
parallel), feeding the .toml file on stdin:
  valid/*.toml    must exit 0 and print tagged JSON equal to valid/*.json;
  invalid/*.toml  must exit non-zero (a crash or a sanitizer report is a
                  failure, not a rejection).
Equality is semantic, as the suite's README asks: table keys in any order,
floats by value (nan equals nan), integers by value, date/times as instants
with fractional seconds kept. Prints every failure with its reason, then
"toml-test: N passed, N failed"; exits 1 when anything failed.
Standard library only.
"""
import concurrent.futures
import datetime
import json
import math
import os
import re
import subprocess
import sys

SANITIZER_MARKS = ("AddressSanitizer", "LeakSanitizer", "UndefinedBehaviorSanitizer",
                   "runtime error:")

DT_RE = re.compile(
    r"^(?:(\d{4})-(\d{2})-(\d{2}))?(?:[Tt ]?(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?)?"
    r"(?:([Zz])|([+-])(\d{2}):(\d{2}))?$")


def parse_dt(kind, text):
    """Normalise a date/time string to a comparable tuple (an instant for
    offset date-times), or raise ValueError."""
    m = DT_RE.match(text)
    if not m or not text:
        raise ValueError("malformed %s %r" % (kind, text))
    y, mo, d, h, mi, s, frac, z, sign, oh, om = m.groups()
    has_date, has_time, has_off = y is not None, h is not None, bool(z or sign)
    want = {"datetime": (True, True, True), "datetime-local": (True, True, False),
            "date-local": (True, False, False), "time-local": (False, True, False)}[kind]
    if (has_date, has_time, has_off) != want:
        raise ValueError("%r is not a %s" % (text, kind))
    ns = int((frac or "0")[:9].ljust(9, "0"))
    if kind == "date-local":
        return (int(y), int(mo), int(d))
    secs = int(h) * 3600 + int(mi) * 60 + int(s)
    if kind == "time-local":
        return (secs, ns)
    days = datetime.date(int(y), int(mo), int(d)).toordinal()
    total = days * 86400 + secs
    if has_off and sign:
        off = (int(oh) * 60 + int(om)) * 60
        total -= off if sign == "+" else -off
    return (total, ns)


def parse_float(text):
    return float(text.replace("_", ""))


def scalar_equal(want, got):
    """Compare two tagged scalars; returns None or a reason."""
    wt, gt = want["type"], got["type"]
    wv, gv = want["value"], got["value"]
    if wt != gt:
        return "type %s, want %s" % (gt, wt)
    try:
        if wt == "string" or wt == "bool":
            ok = wv == gv
        elif wt == "integer":
            ok = int(wv) == int(gv)
        elif wt == "float":
            a, b = parse_float(wv), parse_float(gv)
            ok = (math.isnan(a) and math.isnan(b)) or a == b
        elif wt in ("datetime", "datetime-local", "date-local", "time-local"):
            ok = parse_dt(wt, wv) == parse_dt(wt, gv)
        else:
            return "unknown type %r" % wt
    except (ValueError, OverflowError) as e:
        return "bad value: %s" % e
    return None if ok else "value %r, want %r" % (gv, wv)


def is_scalar(v):
    return (isinstance(v, dict) and set(v) == {"type", "value"}
            and isinstance(v["type"], str) and isinstance(v["value"], str))


def compare(want, got, path="$"):
    """Semantic comparison of tagged JSON; returns None or a reason."""
    if is_scalar(want):
        if not is_scalar(got):
            return "%s: got %s, want a %s" % (path, json.dumps(got)[:80], want["type"])
        r = scalar_equal(want, got)
        return "%s: %s" % (path, r) if r else None
    if isinstance(want, dict):
        if not isinstance(got, dict) or is_scalar(got):
            return "%s: got %s, want a table" % (path, json.dumps(got)[:80])
        if set(want) != set(got):
            missing = sorted(set(want) - set(got))
            extra = sorted(set(got) - set(want))
            return "%s: keys differ (missing %s, extra %s)" % (path, missing, extra)
        for k in want:
            r = compare(want[k], got[k], "%s.%s" % (path, k))
            if r:
                return r
        return None
    if isinstance(want, list):
        if not isinstance(got, list):
            return "%s: got %s, want an array" % (path, json.dumps(got)[:80])
        if len(want) != len(got):
            return "%s: array of %d items, want %d" % (path, len(got), len(want))
        for i, (w, g) in enumerate(zip(want, got)):
            r = compare(w, g, "%s[%d]" % (path, i))
            if r:
                return r
        return None
    return "%s: unexpected JSON %r in expected output" % (path, want)


def first_line(b):
    t = b.decode("utf-8", "replace").strip()
    return t.splitlines()[0] if t else "(no message)"


def run_case(suite, decoder, name):
    """Run one case; returns None or a failure reason."""
    with open(os.path.join(suite, name), "rb") as f:
        data = f.read()
    try:
        p = subprocess.run([decoder], input=data, capture_output=True, timeout=20)
    except subprocess.TimeoutExpired:
        return "decoder timed out"
    err = p.stderr.decode("utf-8", "replace")
    if any(m in err for m in SANITIZER_MARKS):
        return "sanitizer report: " + next(l for l in err.splitlines()
                                           if any(m in l for m in SANITIZER_MARKS))
    if p.returncode < 0:
        return "decoder killed by signal %d" % -p.returncode
    if name.startswith("invalid/"):
        if p.returncode == 0:
            return "invalid document was accepted"
        return None
    if p.returncode != 0:
        return "rejected: " + first_line(p.stderr)
    try:
        got = json.loads(p.stdout.decode("utf-8"))
    except (ValueError, UnicodeDecodeError) as e:
        return "decoder printed invalid JSON: %s" % e
    with open(os.path.join(suite, name[:-5] + ".json"), "rb") as f:
        want = json.loads(f.read().decode("utf-8"))
    return compare(want, got)


def main():
    if len(sys.argv) != 3:
        sys.stderr.write("usage: compare.py SUITE_DIR DECODER\n")
        return 2
    suite, decoder = sys.argv[1], sys.argv[2]
    with open(os.path.join(suite, "files-toml-1.0.0")) as f:
        cases = [l.strip() for l in f if l.strip().endswith(".toml")]
    workers = max(2, (os.cpu_count() or 1) * 2)
    with concurrent.futures.ThreadPoolExecutor(workers) as pool:
        results = list(pool.map(lambda n: (n, run_case(suite, decoder, n)), cases))
    failed = [(n, r) for n, r in results if r]
    for n, r in failed:
        print("FAIL %s: %s" % (n, r))
    print("toml-test: %d passed, %d failed" % (len(results) - len(failed), len(failed)))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
