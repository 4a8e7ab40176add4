#!/usr/bin/env bash
# collector.sh - oops-collector figures (printed, never failing on a number):
#  1. sustained ingest over loopback UDP into SQLite: an agent stand-in
#     (bench/oopsblast.c) keeps a window of datagrams in flight and
#     retransmits what is not acknowledged; every record must be acked and
#     stored exactly once (checked against the store);
#  2. `oopsctl top` over 1,000,000 stored records (generated directly
#     through the store API in batches, bench/storegen.c).
# Sizes: INGEST_N (default 200000) and TOP_N (default 1000000).
set -u
O=${O:-build}
B=${OOPSD_BIN:-$(pwd)/$O/bin}
INGEST_N=${INGEST_N:-200000}
TOP_N=${TOP_N:-1000000}
make -s "$O/bench/bin/oopsblast" "$O/bench/bin/storegen" || exit 1
BLAST=$O/bench/bin/oopsblast
GEN=$O/bench/bin/storegen
tmp=$(mktemp -d /tmp/oopsd-bench-collector.XXXXXX)
cpid=
cleanup() {
	[ -n "$cpid" ] && kill "$cpid" 2>/dev/null && wait "$cpid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

ms() { echo $(( $(date +%s%N) / 1000000 )); }

echo "-- ingest: $INGEST_N records over loopback UDP, acked after a durable commit"
port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat >"$tmp/c.conf" <<CONF
store = sqlite:$tmp/ingest.db
listen = udp://127.0.0.1:$port
user =
rate_limit = 100000000
rate_burst = 10000000
CONF
"$B/oops-collector" -f -c "$tmp/c.conf" 2>"$tmp/collector.log" &
cpid=$!
for _ in $(seq 50); do [ -s "$tmp/ingest.db.status" ] && break; sleep 0.1; done
# 16 records (about 7 KiB) a datagram, 128 datagrams in flight.
"$BLAST" -n "$INGEST_N" -k 16 -w 128 -r 500 -t 300 -s 1 "udp://127.0.0.1:$port"
rc=$?
# CPU the collector used (utime + stime, clock ticks), whatever else ran.
ticks=$(awk '{ print $14 + $15 }' "/proc/$cpid/stat")
hz=$(getconf CLK_TCK)
kill "$cpid"; wait "$cpid" 2>/dev/null; cpid=
cpu_ms=$((ticks * 1000 / hz))
[ "$cpu_ms" -gt 0 ] &&
	echo "ingest: collector CPU $cpu_ms ms for $INGEST_N records:" \
		"$((cpu_ms * 1000000 / INGEST_N)) ns a record," \
		"$((INGEST_N * 1000 / cpu_ms)) records per CPU-second"
stored=$("$B/oopsctl" export --json --store "sqlite:$tmp/ingest.db" | wc -l)
dups=$(awk '$1 == "duplicates" { print $2 }' "$tmp/ingest.db.status")
echo "ingest: oopsblast exit $rc (0 = every record acknowledged);" \
	"$stored records in the store (want $INGEST_N), $dups duplicates acked again"
echo "ingest: collector $(grep -o 'counters:.*' "$tmp/collector.log" | tail -n 1)"
rm -f "$tmp"/ingest.db*

echo
echo "-- queries over $TOP_N records (5000 signatures, 2000 hosts; store API, batches of 20000)"
t0=$(ms)
"$GEN" "sqlite:$tmp/top.db" "$TOP_N" 5000 2000 20000
t1=$(ms)
echo "storegen: $TOP_N records in $((t1 - t0)) ms; store $(du -m "$tmp/top.db" | cut -f1) MiB"
store="--store=sqlite:$tmp/top.db"
"$B/oopsctl" top $store >/dev/null # warm the page cache
for q in "top" "top --limit 20" "top --json" "top --since 1d" "top --since 7d --limit 20"; do
	best=999999
	all=
	for _ in 1 2 3 4 5; do
		a=$(ms)
		# shellcheck disable=SC2086
		"$B/oopsctl" $q $store >/dev/null
		b=$(ms)
		all="$all $((b - a))"
		[ $((b - a)) -lt "$best" ] && best=$((b - a))
	done
	lines=$("$B/oopsctl" $q $store | wc -l)
	printf 'oopsctl %-26s best %4d ms (runs:%s ms), %d lines\n' "$q" "$best" "$all" "$lines"
done
sig=$("$B/oopsctl" top --json --limit 1 $store | sed -n 's/.*"signature":"\([0-9a-f]*\)".*/\1/p')
a=$(ms); "$B/oopsctl" show "$sig" $store >/dev/null; b=$(ms)
echo "oopsctl show (the top signature)   $((b - a)) ms"
a=$(ms); "$B/oopsctl" hosts $store >/dev/null; b=$(ms)
echo "oopsctl hosts (2000 hosts)         $((b - a)) ms"
