#!/bin/sh
# bench/pstore.sh - time and peak memory of `oopsctl pstore` scanning a
# pstore directory of 1,000 records generated here (N=... to change):
#   40% ramoops dumps (16 KiB log tails, 2 oopses each, one boot per 4
#   slots so reports repeat across dumps and must be folded), 40% EFI
#   parts (1 KiB, 4 parts per dump), 10% ERST parts, 8% .enc.z (raw
#   deflate), 2% console/pmsg/ftrace.
# Prints figures; never fails on a number.
set -eu
O=${O:-build}
BIN=${OOPSD_BIN:-$(pwd)/$O/bin}
N=${N:-1000}
PY=/usr/bin/python3
[ -x "$BIN/oopsctl" ] || { echo "bench pstore: $BIN/oopsctl not built"; exit 1; }
[ -x $PY ] || PY=python3
D=$(mktemp -d /tmp/oopsd-bench-pstore.XXXXXX)
trap 'rm -rf "$D"' EXIT INT TERM

$PY - "$D" "$N" <<'PYEOF'
import os, sys, zlib
d, n = sys.argv[1], int(sys.argv[2])
def L(lvl, t, s):
    return "<%d>[%5d.%06d] %s\n" % (lvl, t // 1000000, t % 1000000, s)
def oops(t, nr, f):
    return "".join([
        L(1, t, "BUG: kernel NULL pointer dereference, address: 0000000000000000"),
        L(1, t + 10, "#PF: supervisor read access in kernel mode"),
        L(4, t + 20, "Oops: 0000 [#%d] PREEMPT SMP NOPTI" % nr),
        L(4, t + 30, "CPU: 1 PID: 4242 Comm: bench Tainted: G           OE      6.1.0-21-amd64 #1  Debian 6.1.90-1"),
        L(4, t + 40, "Hardware name: QEMU Standard PC (i440FX + PIIX, 1996), BIOS 1.16.2-debian-1.16.2-1 04/01/2014"),
        L(4, t + 50, "RIP: 0010:%s+0x11/0x30 [benchmod]" % f),
        L(4, t + 60, "Call Trace:"), L(4, t + 70, " <TASK>"),
        L(4, t + 80, " %s_caller+0x22/0x40 [benchmod]" % f),
        L(4, t + 90, " vfs_write+0xb5/0x290"), L(4, t + 100, " ksys_write+0x5f/0xe0"),
        L(4, t + 110, " do_syscall_64+0x58/0xc0"), L(4, t + 120, " </TASK>"),
        L(4, t + 130, "---[ end trace 0000000000000000 ]---")])
def noise(t, k):
    return "".join(L(6, t + i * 997, "virtio_net virtio0 eth0: link event %d, carrier ok" % i) for i in range(k))
def boot_log(b, size):
    base = 1000000 + b * 7919
    s = noise(base, 60) + oops(base + 10000000, 1, "crash_a%d" % (b % 50))
    s += noise(base + 11000000, 80) + oops(base + 20000000, 2, "crash_b%d" % (b % 50))
    return s[-size:][s[-size:].index("\n") + 1:]
def put(name, data):
    with open(os.path.join(d, name), "wb") as f:
        f.write(data.encode() if isinstance(data, str) else data)
nr = int(n * 0.40); ne = int(n * 0.40) // 4; ner = int(n * 0.10) // 4
nz = int(n * 0.08); left = n - nr - ne * 4 - ner * 4 - nz
for i in range(nr):
    put("dmesg-ramoops-%d" % i, "Oops#%d Part1\n" % (i % 4 + 1) + boot_log(i // 4, 16384))
for i in range(ne):
    log = boot_log(10000 + i, 4096)
    lines = log.splitlines(True); q = len(lines) // 4
    chunks = ["".join(lines[3*q:]), "".join(lines[2*q:3*q]), "".join(lines[q:2*q]), "".join(lines[:q])]
    for p in range(4):
        put("dmesg-efi_pstore-%d" % (((1700000000 + i * 100) * 100 + p + 1) * 1000 + 1),
            "Panic#1 Part%d\n" % (p + 1) + chunks[p])
for i in range(ner):
    log = boot_log(20000 + i, 4096)
    lines = log.splitlines(True); q = len(lines) // 4
    chunks = ["".join(lines[3*q:]), "".join(lines[2*q:3*q]), "".join(lines[q:2*q]), "".join(lines[:q])]
    for p in range(4):
        put("dmesg-erst-%d" % (7300000000000000000 + i * 10 + p + 1), "Oops#1 Part%d\n" % (p + 1) + chunks[p])
for i in range(nz):
    c = zlib.compressobj(6, zlib.DEFLATED, -15)
    put("dmesg-ramoops-%d.enc.z" % (nr + i),
        c.compress(("Panic#1 Part1\n" + boot_log(30000 + i, 16384)).encode()) + c.flush())
for i in range(left):
    kind = ("console", "pmsg", "ftrace")[i % 3]
    put("%s-ramoops-%d" % (kind, i), noise(1000000, 100).replace("<6>", "") if kind == "console" else "opaque %d\n" % i)
PYEOF

files=$(ls "$D" | wc -l)
bytes=$(du -sk "$D" | cut -f1)
echo "pstore: directory of $files files, ${bytes} KiB"
for run in first second; do
	out=$(mktemp)
	/usr/bin/time -f '%e %M' -o "$out.t" "$BIN/oopsctl" pstore --dir "$D" --json > "$out" || true
	set -- $(cat "$out.t")
	echo "pstore: scan ($run run): $(wc -l < "$out") records in $1 s, peak RSS $2 KiB"
	rm -f "$out" "$out.t"
done
out=$(mktemp)
/usr/bin/time -f '%e %M' -o "$out.t" "$BIN/oopsctl" pstore --dir "$D" > /dev/null || true
set -- $(cat "$out.t")
echo "pstore: scan (text mode): $1 s, peak RSS $2 KiB"
rm -f "$out" "$out.t"
