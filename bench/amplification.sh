#!/bin/sh
# bench/amplification.sh - what hostile compressed details cost the
# collector (issue 17, defects 1-3): N datagrams (default 150), each one
# record whose details stream holds 256 frames of 4 KiB names (a couple of
# KB on the wire, 2 MB inflated), sent from loopback without a key.
# Prints the bytes sent, the collector's peak RSS (VmHWM) and the store's
# growth, and their ratios to the bytes sent.  OOPSD_BIN=... measures
# another build (the baseline).  Prints figures; never fails on a number.
set -u
O=${O:-build}
BIN=${OOPSD_BIN:-$(pwd)/$O/bin}
N=${N:-150}
tmp=$(mktemp -d)
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$tmp"' EXIT
port=$(python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat > "$tmp/c.conf" <<EOC
listen = udp://127.0.0.1:$port
store = sqlite:$tmp/store.db
user =
rate_limit = 100000000
rate_burst = 1000000
EOC
"$BIN/oops-collector" -f -c "$tmp/c.conf" > "$tmp/log" 2>&1 &
pid=$!
i=0
while [ ! -f "$tmp/store.db.status" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
rss0=$(awk '/VmHWM/ {print $2}' /proc/$pid/status)
db0=$(du -sk "$tmp" | cut -f1)
sent=$(python3 - "$port" "$N" <<'PY'
import socket, sys, zlib
def varint(v):
    o = b""
    while True:
        b = v & 0x7f; v >>= 7
        if v: o += bytes([b | 0x80])
        else: return o + bytes([b])
def f(n, wt, p):
    k = varint(n << 3 | wt)
    if wt == 0: return k + varint(p)
    if wt == 1: return k + p
    return k + varint(len(p)) + p
det = b"".join(b"F" + bytes([97 + i % 26]) * 4096 + b"\n" for i in range(256))
z = zlib.compress(det, 9)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.connect(("127.0.0.1", int(sys.argv[1])))
s.settimeout(2)
total = 0
for i in range(int(sys.argv[2])):
    crash = f(2, 2, b"WARNING in amplification") + f(3, 1, (0x1234).to_bytes(8, "little"))
    rec = f(1, 2, (i + 1).to_bytes(16, "little")) + f(4, 2, crash) + f(12, 2, z) + f(13, 0, len(det))
    env = f(1, 0, 1) + f(2, 2, b"amplifier") + f(3, 0, 1000 + i) + f(4, 2, rec)
    dg = f(1, 0, 1) + f(2, 2, env) + f(3, 0, 1)
    s.send(dg)
    total += len(dg)
    try:
        s.recv(65536)
    except socket.timeout:
        pass
print(total)
PY
)
sleep 1.5
rss1=$(awk '/VmHWM/ {print $2}' /proc/$pid/status)
db1=$(du -sk "$tmp" | cut -f1)
stored=$(awk '$1 == "stored" {print $2}' "$tmp/store.db.status")
echo "amplification: $N datagrams, $sent bytes sent, $stored stored"
echo "amplification: peak RSS $rss0 -> $rss1 KiB (+$((rss1 - rss0)) KiB, $(( (rss1 - rss0) * 1024 / sent ))x the bytes sent)"
echo "amplification: store $db0 -> $db1 KiB (+$((db1 - db0)) KiB, $(( (db1 - db0) * 1024 / sent ))x the bytes sent)"
