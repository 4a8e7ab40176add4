#!/bin/sh
# netconsole.sh - the netconsole receiver under load from bench/ncblast:
# the receiver (bench/ncrecv_bench, lib/ncon_rx.h) pinned to CPU 0, the
# generator to CPU 1 (taskset), on 127.0.0.0/8 (each simulated host its
# own source address).  Prints figures; never fails on a number.
#
#   1. 1,024 hosts, 64-byte extended messages, offered at rising rates:
#      the highest rate received with zero loss (no kernel drop, no gap,
#      every message out), lines only and with every line through the
#      crash parser;
#   2. drain capacity: the socket is filled first, then read flat out;
#   3. 1,024 hosts with loss, duplication and reordering injected and
#      crash reports mixed in (fragmented, delivered out of order): every
#      report must come out with its title;
#   4. 65,536 hosts: memory (peak RSS, heap per idle sender once idle).
#
# BENCH_QUICK=1 runs shorter.  BENCH_RATES overrides the rate ladder.
set -u
O=${O:-build}
B=$O/bench/bin
D=tests/data/netconsole
PORT=${BENCH_PORT:-16699}
SECS=${BENCH_SECONDS:-2}
[ "${BENCH_QUICK:-0}" = 1 ] && SECS=1
RATES=${BENCH_RATES:-"200000 300000 350000 400000 0"}
CRASH="--crash $D/null-deref.log --crash $D/warning.log --crash $D/kernel-bug.log"

make --no-print-directory $B/ncblast $B/ncrecv_bench >/dev/null || exit 1
ncpu=$(nproc)
if [ "$ncpu" -ge 2 ] && command -v taskset >/dev/null; then
	RX="taskset -c 0"
	TX="taskset -c 1"
else
	RX=
	TX=
	echo "netconsole: fewer than 2 CPUs or no taskset: not pinned"
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

# run NAME RECV_ARGS -- BLAST_ARGS: one receiver + one generator run.
run() {
	name=$1
	shift
	rargs=
	while [ "$1" != "--" ]; do
		rargs="$rargs $1"
		shift
	done
	shift
	# shellcheck disable=SC2086
	$RX $B/ncrecv_bench --listen 127.0.0.1:$PORT --quiet-ms 700 \
		$rargs > "$tmp/$name.rx" 2> "$tmp/$name.rxerr" &
	rpid=$!
	sleep 0.3
	# shellcheck disable=SC2086
	$TX $B/ncblast -t 127.0.0.1:$PORT "$@" > "$tmp/$name.tx" 2>&1
	wait $rpid
}

field() { # field FILE KEY
	tr ' ' '\n' < "$1" | sed -n "s/^$2=//p" | head -n 1
}

zero_loss() { # zero_loss NAME: received everything offered, no drop or gap
	sent=$(field "$tmp/$1.tx" messages)
	got=$(field "$tmp/$1.rx" records)
	drops=$(field "$tmp/$1.rx" kernel_drops)
	lost=$(field "$tmp/$1.rx" lost)
	[ -n "$sent" ] && [ "$sent" = "$got" ] && [ "$drops" = 0 ] &&
		[ "$lost" = 0 ]
}

for mode in noparse parse; do
	extra=
	[ $mode = noparse ] && extra=--no-parse
	best=0
	echo "netconsole: 1,024 hosts, 64-byte extended, ${SECS}s per rate," \
		"$( [ $mode = parse ] && echo 'every line through the crash parser' || echo 'lines only')"
	for rate in $RATES; do
		run r$rate $extra -- -n 1024 -s 64 -d "$SECS" -r "$rate"
		offered=$(field "$tmp/r$rate.tx" offered_msgs_per_s)
		recv=$(field "$tmp/r$rate.rx" msgs_per_s)
		if zero_loss r$rate; then
			ok=yes
			[ "$recv" -gt "$best" ] 2>/dev/null && best=$recv
		else
			ok=no
		fi
		printf '  offered %8s msgs/s (asked %s)  received %8s msgs/s  kernel_drops=%s lost=%s  zero-loss=%s\n' \
			"$offered" "$( [ "$rate" = 0 ] && echo max || echo "$rate")" \
			"$recv" "$(field "$tmp/r$rate.rx" kernel_drops)" \
			"$(field "$tmp/r$rate.rx" lost)" "$ok"
	done
	echo "netconsole: RESULT $mode zero-loss msgs/s: $best (target >= 300000; netconsd ~200000)"

	# Drain: fill the socket (1 GiB buffer) first, then read flat out.
	run drain $extra --rcvbuf 1073741824 --delay-ms 4000 -- -n 1024 -s 64 -c 200000
	if [ "$(field "$tmp/drain.rx" kernel_drops)" = 0 ]; then
		echo "netconsole: RESULT $mode drain capacity msgs/s: $(field "$tmp/drain.rx" msgs_per_s)" \
			"($(field "$tmp/drain.rx" records) messages, no kernel drop)"
	else
		echo "netconsole: drain run dropped in the kernel" \
			"($(field "$tmp/drain.rx" kernel_drops)); capacity not measured"
	fi
done

echo "netconsole: 1,024 hosts, 0.1% loss, 0.1% duplicates, 0.5% reordered, 60 crash reports (fragmented, shuffled)"
run faults $CRASH -- -n 1024 -s 64 -d "$SECS" -r 200000 $CRASH --crashes 60 \
	--shuffle-crash --loss 0.1 --dup 0.1 --reorder 0.5
sed 's/^/  /' "$tmp/faults.tx" "$tmp/faults.rx"
echo "netconsole: RESULT crash titles: $(field "$tmp/faults.rx" titles_matched) of 60 correct," \
	"$(field "$tmp/faults.rx" titles_mismatched) wrong"

echo "netconsole: legacy format, 1,024 hosts, 64-byte lines, 200,000/s, 30 crash reports split at 200 bytes"
run legacy $CRASH -- -n 1024 -s 64 -d "$SECS" -r 200000 --legacy $CRASH \
	--crashes 30 --frag-size 200
sed 's/^/  /' "$tmp/legacy.rx"

echo "netconsole: 65,536 hosts (200,000 msgs/s, ${SECS}s + 3s), crash reports mixed in, then idle"
run many --idle $CRASH -- -n 65536 -s 64 -d $((SECS + 3)) -r 200000 $CRASH \
	--crashes 30 --shuffle-crash
sed 's/^/  /' "$tmp/many.tx" "$tmp/many.rx"
echo "netconsole: RESULT 65,536 hosts: peak RSS $(field "$tmp/many.rx" rss_peak_kib) KiB" \
	"(bound: 64 MiB buffered + parsers), heap per idle sender" \
	"$(field "$tmp/many.rx" heap_bytes_per_idle_sender) bytes once idle," \
	"$(field "$tmp/many.rx" heap_bytes_per_sender_with_parser) bytes just quiet with its parser" \
	"(target <= 4096; netconsd ~21 KiB)"
exit 0
