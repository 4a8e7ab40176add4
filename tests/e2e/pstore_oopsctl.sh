#!/usr/bin/env bash
# Scenario: `oopsctl pstore` on the pstore directories a real kernel left
# (tests/data/qemu/pstore-*, captured under QEMU): one JSON line per
# distinct report, valid JSON with the pstore keys, the dump reasons, and
# nothing removed.  Exit codes: 0 found, 1 none (empty dir), 2 error.
set -u
O=${O:-build}
BIN=${OOPSD_BIN:-$(pwd)/$O/bin}
D=${OOPSD_TESTDATA:-tests/data}/qemu
PY=/usr/bin/python3
[ -x "$BIN/oopsctl" ] || { echo "no oopsctl in $BIN"; exit 77; }
[ -d "$D" ] || { echo "no QEMU captures in $D"; exit 77; }
"$BIN/oopsctl" --help | grep -q '^  pstore' || { echo "pstore disabled in this build"; exit 77; }
tmp=$(mktemp -d /tmp/oopsd-e2e-pstore.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail=0

# folder: reasons of the records, in log order (- = no dump of its own).
expect() {
	local dir=$D/$1 want=$2 got before after
	before=$(cd "$dir" && sha1sum -- * | sha1sum)
	"$BIN/oopsctl" pstore --dir "$dir" --json > "$tmp/out" 2> "$tmp/err"
	local rc=$?
	after=$(cd "$dir" && sha1sum -- * | sha1sum)
	got=$($PY - "$tmp/out" <<'PYEOF'
import json, sys
out = []
for line in open(sys.argv[1]):
    r = json.loads(line)
    for k in ("id", "title", "pstore_files", "parts_expected", "parts_found",
              "complete", "decompressed_by", "reason", "report", "key"):
        assert k in r, k
    assert r["pstore_files"] and r["complete"] is True, r["title"]
    out.append(r["reason"] or "-")
print(",".join(out))
PYEOF
)
	if [ $rc -ne 0 ] || [ "$got" != "$want" ]; then
		echo "FAIL: $1: exit $rc, reasons '$got', want '$want'"; cat "$tmp/err"; fail=1
	else
		echo "ok: $1: $want"
	fi
	[ "$before" = "$after" ] || { echo "FAIL: $1: files changed"; fail=1; }
}

expect pstore-panic Panic
expect pstore-oops-oops-panic Oops,Oops,Panic
expect pstore-nocompress Oops,Oops,Panic
expect pstore-ecc Oops,Panic
expect pstore-enc-z Oops,Panic
expect pstore-small-record Oops,Panic
expect pstore-small-record-nocompress Oops,Panic
expect pstore-lockup-hung -,-,-,Oops,Oops,Panic

# .enc.z decoded in userspace, said so.
"$BIN/oopsctl" pstore --dir "$D/pstore-enc-z" --json | grep -q '"decompressed_by":"deflate"' ||
	{ echo "FAIL: enc-z not decoded by deflate"; fail=1; }
# Text mode names the files.
"$BIN/oopsctl" pstore --dir "$D/pstore-oops-oops-panic" | grep -q 'files: dmesg-ramoops-0 dmesg-ramoops-1 dmesg-ramoops-2' ||
	{ echo "FAIL: text mode"; fail=1; }

# A copy with a symlink pointing outside and a FIFO: the same records.
mkdir "$tmp/copy"
cp "$D"/pstore-oops-oops-panic/* "$tmp/copy/"
ln -s /etc/passwd "$tmp/copy/dmesg-ramoops-7"
mkfifo "$tmp/copy/console-ramoops-0"
n=$(timeout 20 "$BIN/oopsctl" pstore --dir "$tmp/copy" --json | wc -l)
[ "$n" = 3 ] || { echo "FAIL: copy with symlink and FIFO: $n records"; fail=1; }

# The same dump in systemd-pstore's archive: ramoops files at the top
# level with the dmesg.txt that repeats them (highest name first, each
# after a "NAME:" line): the same 3 records, the copy never counted.
mkdir -p "$tmp/archive/empty-dump"
for f in $(ls -r "$D"/pstore-oops-oops-panic/); do
	cp "$D/pstore-oops-oops-panic/$f" "$tmp/archive/"
	{ echo "$f:"; cat "$D/pstore-oops-oops-panic/$f"; } >> "$tmp/archive/dmesg.txt"
done
n=$("$BIN/oopsctl" pstore --dir "$tmp/archive" --json | wc -l)
[ "$n" = 3 ] || { echo "FAIL: archive layout: $n records, want 3"; fail=1; }
"$BIN/oopsctl" pstore --dir "$tmp/archive" | grep -q 'bad names 0' ||
	{ echo "FAIL: archive: dmesg.txt or the subdirectory counted"; fail=1; }

# Not root: the records are root's (0600); the message says why.
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
	mkdir "$tmp/private"
	cp "$D"/pstore-panic/* "$tmp/private/"
	chmod 0600 "$tmp/private"/*
	chmod 0755 "$tmp" "$tmp/private"
	setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$BIN/oopsctl" pstore --dir "$tmp/private" > /dev/null 2> "$tmp/err"
	grep -q 'readable by root only' "$tmp/err" ||
		{ echo "FAIL: no root hint as non-root: $(cat "$tmp/err")"; fail=1; }
fi

mkdir "$tmp/empty"
"$BIN/oopsctl" pstore --dir "$tmp/empty" > /dev/null; rc=$?
[ $rc -eq 1 ] || { echo "FAIL: empty dir exit $rc, want 1"; fail=1; }
"$BIN/oopsctl" pstore --dir "$tmp/nonexistent" > /dev/null 2>&1; rc=$?
[ $rc -eq 2 ] || { echo "FAIL: missing dir exit $rc, want 2"; fail=1; }
"$BIN/oopsctl" pstore --help | grep -q -- '--dir' || { echo "FAIL: --help"; fail=1; }
exit $fail
