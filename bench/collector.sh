#!/usr/bin/env bash
# collector.sh - oops-collector figures (printed, never failing on a number):
#  1. sustained ingest over loopback UDP into SQLite: an agent stand-in
#     (bench/oopsblast.c) keeps a window of datagrams in flight and
#     retransmits what is not acknowledged; every record must be acked and
#     stored exactly once (checked against the store);
#  2. `oopsctl top` over 1,000,000 stored records (generated directly
#     through the store API in batches, bench/storegen.c).
#  3. the same ingest into a throwaway PostgreSQL server, with one and
#     with two collectors on the one store (skipped without the server).
# Sizes: INGEST_N (default 200000), PG_INGEST_N (default 100000) and TOP_N
# (default 1000000).
set -u
O=${O:-build}
B=${OOPSD_BIN:-$(pwd)/$O/bin}
INGEST_N=${INGEST_N:-200000}
TOP_N=${TOP_N:-1000000}
PG_INGEST_N=${PG_INGEST_N:-100000}
make -s "$O/bench/bin/oopsblast" "$O/bench/bin/storegen" || exit 1
BLAST=$O/bench/bin/oopsblast
GEN=$O/bench/bin/storegen
tmp=$(mktemp -d /tmp/oopsd-bench-collector.XXXXXX)
cleanup() {
	local p
	for p in $cpids; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
	pg_destroy
	rm -rf "$tmp"
}
trap cleanup EXIT

ms() { echo $(( $(date +%s%N) / 1000000 )); }
# pg_start, pg_destroy: a throwaway PostgreSQL server (Unix socket only).
. tests/e2e/lib/postgres.sh

# start_collector NAME STORE STATUS: a collector on a free loopback port;
# sets cport.  Its pid is added to cpids.
cpids=
start_collector() {
	cport=$(/usr/bin/python3 -c 'import socket; s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	cat >"$tmp/$1.conf" <<CONF
store = $2
listen = udp://127.0.0.1:$cport
status_file = $3
user =
rate_limit = 100000000
rate_burst = 10000000
CONF
	"$B/oops-collector" -f -c "$tmp/$1.conf" 2>"$tmp/$1.log" &
	cpids="$cpids $!"
	for _ in $(seq 50); do [ -s "$3" ] && break; sleep 0.1; done
}

# stop_collectors: print each one's CPU use per record ($1 records in all).
stop_collectors() {
	local p ticks=0 hz cpu_ms
	hz=$(getconf CLK_TCK)
	for p in $cpids; do
		# utime + stime, clock ticks, whatever else ran.
		ticks=$((ticks + $(awk '{ print $14 + $15 }' "/proc/$p/stat")))
		kill "$p"; wait "$p" 2>/dev/null
	done
	cpids=
	cpu_ms=$((ticks * 1000 / hz))
	[ "$cpu_ms" -gt 0 ] &&
		echo "  collector CPU $cpu_ms ms for $1 records:" \
			"$((cpu_ms * 1000000 / $1)) ns a record," \
			"$(($1 * 1000 / cpu_ms)) records per CPU-second"
}

# ingest LABEL STORE STATUS N: N records through one collector, one agent
# stand-in with 16 records (about 7 KiB) a datagram, 128 in flight.
ingest() {
	local rc stored dups
	echo "-- ingest ($1): $4 records over loopback UDP, acked after a durable commit"
	start_collector "$1" "$2" "$3"
	"$BLAST" -n "$4" -k 16 -w 128 -r 500 -t 300 -s 1 "udp://127.0.0.1:$cport"
	rc=$?
	stop_collectors "$4"
	stored=$("$B/oopsctl" export --json --store "$2" | wc -l)
	dups=$(awk '$1 == "duplicates" { print $2 }' "$3")
	echo "  oopsblast exit $rc (0 = every record acknowledged);" \
		"$stored records in the store (want $4), $dups duplicates acked again"
	echo "  collector $(grep -o 'counters:.*' "$tmp/$1.log" | tail -n 1)"
}

ingest sqlite "sqlite:$tmp/ingest.db" "$tmp/ingest.db.status" "$INGEST_N"
rm -f "$tmp"/ingest.db*

# The same against a throwaway PostgreSQL server on this machine (Unix
# socket, default durability: synchronous_commit on, fsync on): one
# collector, then two collectors on the one store, each sent half.
echo
if pg_start 2>"$tmp/pg.err"; then
	ingest postgresql "$PG_URI" "$tmp/pg.status" "$PG_INGEST_N"
	pg_psql "TRUNCATE records, signatures, sig_releases, sig_hosts, hosts, sig_hours"
	half=$((PG_INGEST_N / 2))
	echo "-- ingest (postgresql, 2 collectors): $((2 * half)) records, half to each, at once"
	start_collector pg1 "$PG_URI" "$tmp/pg1.status"
	port1=$cport
	start_collector pg2 "$PG_URI" "$tmp/pg2.status"
	t0=$(ms)
	"$BLAST" -n "$half" -k 16 -w 128 -r 500 -t 300 -s 2 "udp://127.0.0.1:$port1" &
	bpid=$!
	"$BLAST" -n "$half" -k 16 -w 128 -r 500 -t 300 -s 3 -b 127.0.0.2 "udp://127.0.0.1:$cport"
	rc2=$?
	wait "$bpid"
	rc1=$?
	t1=$(ms)
	stop_collectors $((2 * half))
	echo "  oopsblast exits $rc1 $rc2; $(pg_psql "SELECT count(*) FROM records")" \
		"records in the store (want $((2 * half)));" \
		"$((2 * half * 1000 / (t1 - t0 + 1))) records/s together (wall clock)"
	pg_destroy
else
	echo "-- ingest (postgresql): skipped: $(cat "$tmp/pg.err")"
fi

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
