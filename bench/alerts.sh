#!/bin/sh
# alerts.sh - what raising alerts in the ingest transaction costs: the
# same sustained ingest over loopback UDP into SQLite (bench/oopsblast.c,
# ALERTS_N records, 200 signatures, 100 hosts), with alerts off and on
# (alert_exec = true: every batch runs the alert statements), alternated
# ALERTS_RUNS times; prints records/s of each run and the ratio of the
# medians.  Then the store alone, without the network and the acks
# (bench/storegen.c: ALERTS_GEN_N records, 2000 signatures, 1000 hosts,
# batches of 1000), alerts off and on.  Then both into a throwaway
# PostgreSQL server (skipped without one).  Figures only, never a failure
# on a number.
set -u
O=${O:-build}
B=${OOPSD_BIN:-$(pwd)/$O/bin}
N=${ALERTS_N:-100000}
RUNS=${ALERTS_RUNS:-3}
GEN_N=${ALERTS_GEN_N:-200000}
make -s "$O/bench/bin/oopsblast" "$O/bench/bin/storegen" || exit 1
GEN=$O/bench/bin/storegen
BLAST=$O/bench/bin/oopsblast
tmp=$(mktemp -d /tmp/oopsd-bench-alerts.XXXXXX)
cpid=
cleanup() {
	[ -n "$cpid" ] && kill "$cpid" 2>/dev/null && wait "$cpid" 2>/dev/null
	pg_destroy
	rm -rf "$tmp"
}
. tests/e2e/lib/postgres.sh
trap cleanup EXIT

port() {
	python3 -c 'import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# run on|off sqlite|pg: one ingest into a new store; prints records/s.
run() {
	db=$tmp/$1.db
	spec=sqlite:$db
	if [ "$2" = pg ]; then
		pg_psql "DROP SCHEMA public CASCADE; CREATE SCHEMA public" >/dev/null 2>&1
		spec=$PG_URI
	fi
	p=$(port)
	{
		echo "store = $spec"
		echo "listen = udp://127.0.0.1:$p"
		echo "status_file = $tmp/c.status"
		echo "user ="
		echo "rate_limit = 100000000"
		echo "rate_burst = 1000000"
		[ "$1" = on ] && echo "alert_exec = true"
	} >"$tmp/c.conf"
	"$B/oops-collector" -f -c "$tmp/c.conf" >"$tmp/c.log" 2>&1 &
	cpid=$!
	for _ in $(seq 50); do grep -q started "$tmp/c.log" && break; sleep 0.1; done
	"$BLAST" -n "$N" -k 16 -w 64 -t 300 -s 7 "udp://127.0.0.1:$p" |
		awk '{ for (i = 1; i < NF; i++) if ($(i + 1) == "records/s") print $i }'
	kill "$cpid"
	wait "$cpid" 2>/dev/null
	cpid=
	rm -f "$db"*
}

median() { printf '%s\n' $1 | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

# compare sqlite|pg: the runs and the ratio.
compare() {
	off= on=
	for r in $(seq "$RUNS"); do
		a=$(run off "$1")
		b=$(run on "$1")
		off="$off $a"
		on="$on $b"
		echo "$1 run $r: alerts off $a records/s, on $b records/s"
	done
	mo=$(median "$off")
	mn=$(median "$on")
	echo "ingest into $1, $N records: alerts off $mo records/s, on $mn records/s (on/off $(awk -v a="$mn" -v b="$mo" 'BEGIN { printf "%.2f", a / b }'))"
}

# gen off|on sqlite|pg: storegen into a new store; prints records/s.
gen() {
	spec=sqlite:$tmp/gen.db
	if [ "$2" = pg ]; then
		pg_psql "DROP SCHEMA public CASCADE; CREATE SCHEMA public" >/dev/null 2>&1
		spec=$PG_URI
	fi
	STOREGEN_ALERTS=$([ "$1" = on ] && echo 1 || echo 0) \
		"$GEN" "$spec" "$GEN_N" 2000 1000 1000 3 |
		awk '{ for (i = 1; i < NF; i++) if ($(i + 1) == "records/s") print $i }'
	rm -f "$tmp"/gen.db*
}

# compare_gen sqlite|pg: the same through the store API alone.
compare_gen() {
	off= on=
	for r in $(seq "$RUNS"); do
		a=$(gen off "$1")
		b=$(gen on "$1")
		off="$off $a"
		on="$on $b"
		echo "$1 store API run $r: alerts off $a records/s, on $b records/s"
	done
	mo=$(median "$off")
	mn=$(median "$on")
	echo "store API into $1, $GEN_N records: alerts off $mo records/s, on $mn records/s (on/off $(awk -v a="$mn" -v b="$mo" 'BEGIN { printf "%.2f", a / b }'))"
}

compare sqlite
compare_gen sqlite
if pg_start 2>"$tmp/pg.err"; then
	compare pg
	compare_gen pg
else
	echo "PostgreSQL: skipped ($(head -n 1 "$tmp/pg.err"))"
fi
