#!/usr/bin/env bash
# Scenario: `oopsctl encode` then `oopsctl decode` is lossless.  For every
# log fixture of the project, each decoded record carries exactly what
# `oopsctl parse --json` prints for the same report (every key, same
# value), its report text is the report, its signatures are 16 hex digits,
# and decoding the records encoded from several files at once gives the
# same as one file at a time.  Garbage and a cut stream fail with status 2.
set -u
BIN=${OOPSD_BIN:-build/bin}
PY=/usr/bin/python3
[ -x "$BIN/oopsctl" ] || { echo "SKIP: no oopsctl"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
n=0
for f in $(find tests/data -name '*.log' | sort); do
	"$BIN/oopsctl" parse --json "$f" > "$tmp/parse.json" 2>/dev/null
	[ -s "$tmp/parse.json" ] || continue
	"$BIN/oopsctl" encode --hostname h1 --machine-id \
		0123456789abcdef0123456789abcdef "$f" > "$tmp/rec" ||
		{ echo "FAIL: encode $f"; fail=1; continue; }
	"$BIN/oopsctl" decode "$tmp/rec" > "$tmp/decode.json" ||
		{ echo "FAIL: decode $f"; fail=1; continue; }
	if ! "$PY" - "$tmp/parse.json" "$tmp/decode.json" "$f" <<'PYEOF'
import json, re, sys
parse = [json.loads(l) for l in open(sys.argv[1])]
dec = [json.loads(l) for l in open(sys.argv[2])]
log = open(sys.argv[3], 'rb').read().decode('utf-8', 'replace')
if len(parse) != len(dec):
    sys.exit("%d reports parsed, %d records decoded" % (len(parse), len(dec)))
for p, d in zip(parse, dec):
    for k, v in p.items():
        if d.get(k, object()) != v:
            sys.exit("key %s: parse %r, decode %r" % (k, v, d.get(k)))
    for k in ("signature", "stack_signature"):
        if not re.fullmatch(r"[0-9a-f]{16}", d[k] or ""):
            sys.exit("bad %s %r" % (k, d[k]))
    if not re.fullmatch(r"[0-9a-f]{32}", d["id"]):
        sys.exit("bad id %r" % d["id"])
    if not d["report"] or d["report_len"] != len(d["report"].encode()):
        sys.exit("report text missing or of the wrong length")
    if d["host"]["hostname"] != "h1" or d["source"] != "file":
        sys.exit("origin lost: %r %r" % (d["host"], d["source"]))
PYEOF
	then
		echo "FAIL: $f: encode/decode differs from parse"
		fail=1
	fi
	cat "$tmp/rec" >> "$tmp/all"
	cat "$tmp/decode.json" >> "$tmp/all.json"
	n=$((n + 1))
done
[ "$n" -gt 0 ] || { echo "FAIL: no fixture produced a report"; exit 1; }
"$BIN/oopsctl" decode < "$tmp/all" > "$tmp/a1"
cmp -s "$tmp/a1" "$tmp/all.json" || { echo "FAIL: concatenated stream differs"; fail=1; }

printf '\x05abc' > "$tmp/cut"
"$BIN/oopsctl" decode "$tmp/cut" >/dev/null 2>&1
[ $? -eq 2 ] || { echo "FAIL: a cut stream is not an error"; fail=1; }
printf '\x03\xff\xff\xff' > "$tmp/bad"
"$BIN/oopsctl" decode "$tmp/bad" >/dev/null 2>&1
[ $? -eq 2 ] || { echo "FAIL: a garbage record is not an error"; fail=1; }
: > "$tmp/empty"
"$BIN/oopsctl" decode "$tmp/empty" >/dev/null 2>&1
[ $? -eq 1 ] || { echo "FAIL: an empty stream is not status 1"; fail=1; }
[ "$fail" -eq 0 ] && echo "ok: $n logs round-trip through encode/decode"
exit $fail
