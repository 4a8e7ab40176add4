#!/bin/sh
# netconsole.sh - the netconsole receiver under load from bench/ncblast:
# the receiver (bench/ncrecv_bench, lib/netconsole/ncon_rx.h) pinned to
# CPU 0, the generator to CPU 1 (taskset), on 127.0.0.0/8 (each simulated
# host its own source address).  Prints figures; never fails on a number.
#
#   1. socket buffers of 208 KiB (the kernel's rmem_default, kept as is),
#      4 MiB and 16 MiB (asked; what was granted is printed): 1,024 hosts,
#      64-byte extended messages at fixed offered rates, the parser on:
#      delivered / offered, kernel drops, loss, CPU a message, peak RSS;
#   2. drain capacity (the socket filled first, then read flat out):
#      recvmmsg alone (the floor), lines only, the parser on;
#   3. the decoder's cost a message as loss grows (bench/ncloss_bench, no
#      socket): 0, 1, 5 and 20% of the messages lost;
#   4. 1,024 hosts with loss, duplication and reordering injected and
#      crash reports mixed in: every report right or flagged;
#   5. legacy format;
#   6. 65,536 hosts for a few seconds, then quiet: peak RSS, RSS with the
#      idle senders, and after they expired against the RSS before.
#
# NETCONSD=/path/to/netconsd runs netconsd (built from its public source;
# nothing of it is in this repository) beside ours in 1 and 2 with the same
# generator; its losses are the socket's drop counter (/proc/net/udp*),
# its CPU from /proc/PID/stat.  BENCH_QUICK=1 runs shorter, BENCH_RATES
# overrides the offered rates (0 = as fast as the generator goes),
# BENCH_BUFS the buffers (bytes; "default" keeps rmem_default).
set -u
O=${O:-build}
B=$O/bench/bin
D=tests/data/netconsole
PORT=${BENCH_PORT:-16699}
SECS=${BENCH_SECONDS:-2}
[ "${BENCH_QUICK:-0}" = 1 ] && SECS=1
RATES=${BENCH_RATES:-"100000 200000 0"}
BUFS=${BENCH_BUFS:-"default 4194304 16777216"}
CRASH="--crash $D/null-deref.log --crash $D/warning.log --crash $D/kernel-bug.log"
NETCONSD=${NETCONSD:-}

make --no-print-directory $B/ncblast $B/ncrecv_bench $B/ncloss_bench \
	>/dev/null || exit 1
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
ncd_pid=
cleanup() {
	[ -n "$ncd_pid" ] && kill "$ncd_pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM
echo "netconsole: $(date -u +%Y-%m-%dT%H:%MZ), $(uname -r)," \
	"$(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -n 1)," \
	"$ncpu CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"

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

pct() { # pct PART WHOLE
	awk -v a="${1:-0}" -v b="${2:-0}" 'BEGIN { printf "%.2f", b ? 100 * a / b : 0 }'
}

# udp_drops PORT: the kernel's drop counter of the sockets bound to PORT.
udp_drops() {
	hex=$(printf '%04X' "$1")
	cat /proc/net/udp /proc/net/udp6 2>/dev/null |
		awk -v p=":$hex" '$2 ~ p"$" { d += $NF } END { print d + 0 }'
}

# ncd_run NAME RATE MESSAGES|-: netconsd on PORT under the same generator.
ncd_run() {
	# shellcheck disable=SC2086
	$RX "$NETCONSD" -a 127.0.0.1 -u "$PORT" -w 1 -l 1 \
		> "$tmp/$1.ncd" 2>&1 &
	ncd_pid=$!
	sleep 0.5
	if [ "$3" = - ]; then
		$TX $B/ncblast -t 127.0.0.1:$PORT -n 1024 -s 64 -d "$SECS" \
			-r "$2" > "$tmp/$1.tx" 2>&1
	else
		kill -STOP "$ncd_pid"
		$TX $B/ncblast -t 127.0.0.1:$PORT -n 1024 -s 64 -c "$3" \
			> "$tmp/$1.tx" 2>&1
		t0=$(date +%s%N)
		kill -CONT "$ncd_pid"
	fi
	# Until its queue is empty, then its drops and CPU.
	while awk -v p=":$(printf '%04X' "$PORT")" \
		'$2 ~ p"$" { split($5, q, ":"); if (q[2] != "00000000") busy = 1 }
		 END { exit !busy }' /proc/net/udp /proc/net/udp6 2>/dev/null; do
		sleep 0.01
	done
	t1=$(date +%s%N)
	ncd_drops=$(udp_drops "$PORT")
	ncd_ticks=$(awk '{ print $14 + $15 }' "/proc/$ncd_pid/stat")
	kill "$ncd_pid" 2>/dev/null
	wait "$ncd_pid" 2>/dev/null
	ncd_pid=
	ncd_cpu_s=$(awk -v t="$ncd_ticks" -v hz="$(getconf CLK_TCK)" \
		'BEGIN { printf "%.3f", t / hz }')
	ncd_wall_ms=$(( (t1 - ${t0:-$t1}) / 1000000 ))
}

echo
echo "== 1. socket buffers: 1,024 hosts, 64-byte extended, ${SECS}s a rate, parser on"
for buf in $BUFS; do
	rb=-1
	[ "$buf" != default ] && rb=$buf
	for rate in $RATES; do
		n=b${buf}r$rate
		run "$n" --rcvbuf "$rb" -- -n 1024 -s 64 -d "$SECS" -r "$rate"
		sent=$(field "$tmp/$n.tx" messages)
		got=$(field "$tmp/$n.rx" records)
		drops=$(field "$tmp/$n.rx" kernel_drops)
		printf '  buf %-8s (granted %9s B) offered %7s/s: delivered %8s of %8s (%s%%), kernel drops %7s, lost %7s (%s%%), %s ns CPU a message, peak RSS %s KiB\n' \
			"$buf" "$(field "$tmp/$n.rx" rcvbuf_granted)" \
			"$(field "$tmp/$n.tx" offered_msgs_per_s)" "$got" "$sent" \
			"$(pct "$got" "$sent")" "$drops" \
			"$(field "$tmp/$n.rx" lost)" \
			"$(pct "$((sent - got))" "$sent")" \
			"$(field "$tmp/$n.rx" cpu_ns_per_msg)" \
			"$(sed -n 's/.*rss_peak_kib=\([0-9]*\).*/\1/p' "$tmp/$n.rx")"
		if [ -n "$NETCONSD" ]; then
			ncd_run "ncd$n" "$rate" -
			nsent=$(field "$tmp/ncd$n.tx" messages)
			printf '  netconsd (its own buffer)  offered %7s/s: kernel drops %7s of %8s (%s%%), %s s CPU\n' \
				"$(field "$tmp/ncd$n.tx" offered_msgs_per_s)" \
				"$ncd_drops" "$nsent" \
				"$(pct "$ncd_drops" "$nsent")" "$ncd_cpu_s"
		fi
	done
done
[ -z "$NETCONSD" ] && echo "  (NETCONSD unset: netconsd not run beside it)"

echo
echo "== 2. drain: 200,000 messages from 1,024 hosts queued first (1 GiB buffer), then read flat out; 3 rounds, medians"
med() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
for round in 1 2 3; do
	for mode in raw lines parser; do
		extra=
		[ $mode = raw ] && extra=--raw
		[ $mode = lines ] && extra=--no-parse
		run "drain$mode$round" $extra --rcvbuf 1073741824 --delay-ms 2500 -- \
			-n 1024 -s 64 -c 200000
		field "$tmp/drain$mode$round.rx" msgs_per_s >> "$tmp/rate.$mode"
		field "$tmp/drain$mode$round.rx" cpu_ns_per_msg >> "$tmp/cpu.$mode"
	done
done
for mode in raw lines parser; do
	rate=$(med < "$tmp/rate.$mode")
	cpu=$(med < "$tmp/cpu.$mode")
	eval "drain_$mode=\$rate cpu_$mode=\$cpu"
	printf '  %-7s median %8s msgs/s (wall, pinned; rounds: %s), median %5s ns CPU a message (rounds: %s)\n' \
		"$mode" "$rate" "$(tr '\n' ' ' < "$tmp/rate.$mode")" "$cpu" \
		"$(tr '\n' ' ' < "$tmp/cpu.$mode")"
done
awk -v r="$cpu_raw" -v l="$cpu_lines" -v p="$cpu_parser" 'BEGIN {
	if (!r || !l || !p) exit
	printf "netconsole: RESULT drain CPU a message: recvmmsg alone %d ns (the floor), lines only %d ns, parser on %d ns: the kernel is %.0f%% of it\n",
		r, l, p, 100 * r / p }'
if [ -n "$NETCONSD" ]; then
	ncd_run ncddrain 0 200000
	printf '  netconsd: 200,000 queued drained in %s ms (%s msgs/s), %s s CPU, kernel drops %s\n' \
		"$ncd_wall_ms" \
		"$(awk -v w="$ncd_wall_ms" 'BEGIN { printf "%.0f", w ? 200000000 / w : 0 }')" \
		"$ncd_cpu_s" "$ncd_drops"
	awk -v p="$drain_parser" -v w="$ncd_wall_ms" 'BEGIN { if (w && p)
		printf "netconsole: RESULT drain ratio ours / netconsd: %.2fx\n", p / (200000000 / w) }'
fi

echo
echo "== 3. the decoder under loss, no socket (1,024 hosts, 500,000 messages, parser on)"
for loss in 0 1 5 20; do
	$B/ncloss_bench --loss "$loss" --messages 500000 > "$tmp/loss$loss"
	printf '  loss %2s%%: %4s ns a message, decoder peak %8s B buffered, heap %6s KiB at the end, %s KiB once idle\n' \
		"$loss" "$(field "$tmp/loss$loss" ns_per_msg)" \
		"$(field "$tmp/loss$loss" buffered_peak)" \
		"$(field "$tmp/loss$loss" heap_end_kib)" \
		"$(field "$tmp/loss$loss" heap_idle_kib)"
done

echo
echo "== 4. 1,024 hosts, 0.1% loss, 0.1% duplicates, 0.5% reordered, 60 crash reports (fragmented, shuffled)"
run faults $CRASH -- -n 1024 -s 64 -d "$SECS" -r 200000 $CRASH --crashes 60 \
	--shuffle-crash --loss 0.1 --dup 0.1 --reorder 0.5
sed 's/^/  /' "$tmp/faults.tx" "$tmp/faults.rx"
echo "netconsole: RESULT crash titles: $(field "$tmp/faults.rx" titles_matched) of 60 correct," \
	"$(field "$tmp/faults.rx" titles_mismatched) other titles," \
	"$(field "$tmp/faults.rx" wrong_unflagged) of them looking complete"

echo
echo "== 4b. the same with 5% loss injected: every report right, or flagged"
run faults5 $CRASH -- -n 1024 -s 64 -d "$SECS" -r 200000 $CRASH --crashes 60 \
	--shuffle-crash --loss 5 --dup 0.1 --reorder 0.5
grep -h "reports=" "$tmp/faults5.rx" | sed 's/^/  /'
echo "netconsole: RESULT 5% loss: $(field "$tmp/faults5.rx" reports) reports," \
	"$(field "$tmp/faults5.rx" titles_matched) with the right title," \
	"$(field "$tmp/faults5.rx" reports_with_loss) flagged (lost_messages > 0)," \
	"$(field "$tmp/faults5.rx" wrong_unflagged) with another title looking complete (target 0)"

echo
echo "== 5. legacy format, 1,024 hosts, 64-byte lines, 200,000/s, 30 crash reports split at 200 bytes"
run legacy $CRASH -- -n 1024 -s 64 -d "$SECS" -r 200000 --legacy $CRASH \
	--crashes 30 --frag-size 200
sed 's/^/  /' "$tmp/legacy.rx"

echo
echo "== 6. 65,536 hosts (200,000 msgs/s, ${SECS}s + 1s), crash reports mixed in, then quiet (senders expire after 3 s)"
run many --idle --expire-ms 3000 $CRASH -- -n 65536 -s 64 -d $((SECS + 1)) \
	-r 200000 $CRASH --crashes 30 --shuffle-crash
sed 's/^/  /' "$tmp/many.tx" "$tmp/many.rx"
start=$(field "$tmp/many.rx" rss_start_kib)
after=$(field "$tmp/many.rx" rss_after_kib)
echo "netconsole: RESULT 65,536 hosts: peak RSS $(sed -n 's/.*rss_peak_kib=\([0-9]*\).*/\1/p' "$tmp/many.rx") KiB," \
	"$(field "$tmp/many.rx" rss_idle_kib) KiB with the idle senders," \
	"$after KiB after they expired against $start KiB before the burst" \
	"($(awk -v a="$after" -v s="$start" 'BEGIN { printf "%.2f", s ? a / s : 0 }')x;" \
	"target <= 2x), heap per idle sender $(field "$tmp/many.rx" heap_bytes_per_idle_sender) B"
exit 0
