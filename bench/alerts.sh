#!/bin/sh
# alerts.sh - what raising alerts in the ingest transaction costs: the
# same sustained ingest over loopback UDP into SQLite (bench/oopsblast.c,
# ALERTS_N records, 200 signatures, 100 hosts), with alerts off and on
# (alert_exec = true: every batch runs the alert statements), alternated
# ALERTS_RUNS times; prints records/s of each run and the ratio of the
# medians.  Figures only, never a failure on a number.
set -u
O=${O:-build}
B=${OOPSD_BIN:-$(pwd)/$O/bin}
N=${ALERTS_N:-100000}
RUNS=${ALERTS_RUNS:-3}
make -s "$O/bench/bin/oopsblast" || exit 1
BLAST=$O/bench/bin/oopsblast
tmp=$(mktemp -d /tmp/oopsd-bench-alerts.XXXXXX)
cpid=
cleanup() {
	[ -n "$cpid" ] && kill "$cpid" 2>/dev/null && wait "$cpid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

port() {
	python3 -c 'import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# run on|off: one ingest; prints records/s.
run() {
	db=$tmp/$1.db
	p=$(port)
	{
		echo "store = sqlite:$db"
		echo "listen = udp://127.0.0.1:$p"
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
	if [ "$1" = on ]; then
		echo "  alerts queued: $(sqlite3 "$db" 'SELECT count(*) FROM alerts' 2>/dev/null)" >&2
	fi
	rm -f "$db"*
}

off= on=
for r in $(seq "$RUNS"); do
	a=$(run off)
	b=$(run on)
	off="$off $a"
	on="$on $b"
	echo "run $r: alerts off $a records/s, on $b records/s"
done
median() { printf '%s\n' $1 | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
mo=$(median "$off")
mn=$(median "$on")
echo "ingest into SQLite, $N records: alerts off $mo records/s, on $mn records/s (on/off $(awk -v a="$mn" -v b="$mo" 'BEGIN { printf "%.2f", a / b }'))"
