#!/usr/bin/python3
"""records.py - check what the collector stored, for the e2e scenarios.

Usage:
  records.py export FILE [checks...]     FILE: `oopsctl export --json` output
  records.py top FILE [checks...]        FILE: `oopsctl top --json` output

Checks on an export (each record is one JSON object; a key may be written
as a dotted path, e.g. host.hostname; a plain key is looked up at the top
level first, then inside the nested objects):
  --total N                 exactly N records
  --unique KEY              no two records share KEY (e.g. id)
  --expect N KEY~REGEX...   exactly N records match every KEY~REGEX given
  --all KEY~REGEX           every record matches
  --distinct N KEY          KEY takes exactly N distinct values
  --counts-file F           F holds lines "N<TAB>REGEX": exactly N records
                            have a title matching REGEX (fullmatch)

Checks on `top --json` (one line per signature):
  --sig TITLE_REGEX count=N hosts=N releases=N   the one signature whose
                            title fullmatches TITLE_REGEX has these numbers
                            (releases: the number of kernel releases)
  --sigs-file F             F holds lines "TITLE<TAB>count<TAB>hosts<TAB>releases"
                            (an exact title; releases "-" is not checked)
  --total-sigs N            exactly N signatures

Prints what it found and exits 1 on the first failed check.
"""
import collections
import json
import re
import sys


def load(path):
    out = []
    with open(path, encoding="utf-8", errors="replace") as f:
        for n, line in enumerate(f, 1):
            line = line.strip()
            if not line:
                continue
            try:
                out.append(json.loads(line))
            except ValueError as e:
                sys.exit("%s:%d: not JSON (%s): %.200s" % (path, n, e, line))
    return out


def get(rec, key):
    """Value of KEY in REC: a dotted path, a top-level key, or a key of
    one of the nested objects (first found)."""
    if "." in key:
        cur = rec
        for part in key.split("."):
            if not isinstance(cur, dict) or part not in cur:
                return None
            cur = cur[part]
        return cur
    if key in rec:
        return rec[key]
    for v in rec.values():
        if isinstance(v, dict) and key in v:
            return v[key]
    return None


def text(v):
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (list, dict)):
        return json.dumps(v, sort_keys=True)
    return str(v)


def matches(rec, conds):
    for c in conds:
        key, _, rx = c.partition("~")
        if not re.search(rx, text(get(rec, key))):
            return False
    return True


def fail(msg, recs=None, keys=("title", "kind", "source", "hostname")):
    print("FAIL: " + msg)
    if recs is not None:
        print("records (%d):" % len(recs))
        for r in recs[:40]:
            print("  " + " | ".join("%s=%s" % (k, text(get(r, k))) for k in keys))
    sys.exit(1)


def summary(recs):
    seen = {}
    for r in recs:
        t = text(get(r, "title"))
        seen[t] = seen.get(t, 0) + 1
    for t, n in sorted(seen.items(), key=lambda x: (-x[1], x[0]))[:30]:
        print("  %5d  %s" % (n, t))


def check_export(recs, args):
    print("export: %d records" % len(recs))
    summary(recs)
    i = 0
    while i < len(args):
        a = args[i]
        if a == "--total":
            n = int(args[i + 1])
            if len(recs) != n:
                fail("expected %d records, found %d" % (n, len(recs)), recs)
            i += 2
        elif a == "--unique":
            key = args[i + 1]
            vals = [text(get(r, key)) for r in recs]
            dup = {v for v, c in collections.Counter(vals).items() if c > 1}
            if dup:
                fail("%d values of %s appear more than once, e.g. %s"
                     % (len(dup), key, sorted(dup)[:3]))
            i += 2
        elif a == "--expect":
            n = int(args[i + 1])
            j = i + 2
            conds = []
            while j < len(args) and not args[j].startswith("--"):
                conds.append(args[j])
                j += 1
            got = [r for r in recs if matches(r, conds)]
            if len(got) != n:
                fail("expected %d records with %s, found %d"
                     % (n, " ".join(conds), len(got)), recs)
            print("ok: %d x %s" % (n, " ".join(conds)))
            i = j
        elif a == "--all":
            cond = args[i + 1]
            bad = [r for r in recs if not matches(r, [cond])]
            if bad:
                fail("%d records do not match %s" % (len(bad), cond), bad)
            print("ok: all %s" % cond)
            i += 2
        elif a == "--distinct":
            n, key = int(args[i + 1]), args[i + 2]
            vals = {text(get(r, key)) for r in recs}
            if len(vals) != n:
                fail("expected %d distinct %s, found %d: %s"
                     % (n, key, len(vals), sorted(vals)[:10]))
            print("ok: %d distinct %s" % (n, key))
            i += 3
        elif a == "--counts-file":
            with open(args[i + 1]) as f:
                for line in f:
                    if not line.strip():
                        continue
                    n, rx = line.rstrip("\n").split("\t", 1)
                    got = sum(1 for r in recs
                              if re.fullmatch(rx, text(get(r, "title"))))
                    if got != int(n):
                        fail("expected %s records titled /%s/, found %d"
                             % (n, rx, got), recs)
            print("ok: counts in %s" % args[i + 1])
            i += 2
        else:
            sys.exit("records.py: unknown check " + a)


def sig_numbers(s):
    rel = get(s, "releases")
    if isinstance(rel, list):
        nrel = len(rel)
    elif isinstance(rel, dict):
        nrel = len(rel)
    elif rel is None:
        nrel = -1
    else:
        nrel = int(rel)
    return int(get(s, "count") or 0), int(get(s, "hosts") or 0), nrel


def check_sig(sigs, rx, want):
    got = [s for s in sigs if re.fullmatch(rx, text(get(s, "title")))]
    if len(got) != 1:
        fail("expected one signature titled /%s/, found %d" % (rx, len(got)),
             sigs, keys=("title", "count", "hosts"))
    count, hosts, nrel = sig_numbers(got[0])
    have = {"count": count, "hosts": hosts, "releases": nrel}
    for k, v in want.items():
        if have[k] != v:
            fail("signature /%s/: %s is %d, expected %d (%s)"
                 % (rx, k, have[k], v, json.dumps(got[0])[:400]))


def check_top(sigs, args):
    print("top: %d signatures" % len(sigs))
    for s in sigs[:30]:
        c, h, r = sig_numbers(s)
        print("  count=%-5d hosts=%-4d releases=%-2d %s"
              % (c, h, r, text(get(s, "title"))))
    i = 0
    while i < len(args):
        a = args[i]
        if a == "--total-sigs":
            n = int(args[i + 1])
            if len(sigs) != n:
                fail("expected %d signatures, found %d" % (n, len(sigs)),
                     sigs, keys=("title", "count", "hosts"))
            i += 2
        elif a == "--sig":
            rx = args[i + 1]
            j = i + 2
            want = {}
            while j < len(args) and not args[j].startswith("--"):
                k, _, v = args[j].partition("=")
                want[k] = int(v)
                j += 1
            check_sig(sigs, rx, want)
            i = j
        elif a == "--sigs-file":
            with open(args[i + 1]) as f:
                for line in f:
                    if not line.strip():
                        continue
                    rx, c, h, r = line.rstrip("\n").split("\t")
                    want = {"count": int(c), "hosts": int(h)}
                    if r != "-":
                        want["releases"] = int(r)
                    check_sig(sigs, re.escape(rx), want)
            print("ok: signatures in %s" % args[i + 1])
            i += 2
        else:
            sys.exit("records.py: unknown check " + a)


def main():
    if len(sys.argv) < 3 or sys.argv[1] not in ("export", "top"):
        sys.exit(__doc__)
    recs = load(sys.argv[2])
    if sys.argv[1] == "export":
        check_export(recs, sys.argv[3:])
    else:
        check_top(recs, sys.argv[3:])
    print("records.py: all checks passed")


if __name__ == "__main__":
    main()
