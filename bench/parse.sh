#!/bin/sh
# parse.sh - crash parser throughput (issue: parser).
#
# Generates (a) a noise-dominated log with one crash report every ~20,000
# lines at two sizes and (b) a crash-dense log, then on each file measures
# the parser (bench/parse_bench.c: 256 KiB reads into oops_parser_feed())
# side by side with `grep -cE` over the header strings, in the same run.
# Prints wall-clock and CPU-time MB/s (the machine may be shared: CPU time
# is the fairer figure), the reports found, and the parser's peak RSS,
# which must not grow with the input size.
# Targets: >= 500 MB/s on (a) and within 3x of grep.  Never fails on a number.
#
# PARSE_BENCH_MB sets the large size (default 256; the small one is 1/4).
set -eu
O=${O:-build}
MB=${PARSE_BENCH_MB:-256}
SMALL=$((MB / 4))
[ "$SMALL" -ge 1 ] || SMALL=1
make --no-print-directory -s "$O/bench/bin/parse_bench" >/dev/null
B=$O/bench/bin/parse_bench
D=$(mktemp -d "${TMPDIR:-/tmp}/oopsd-parse-bench.XXXXXX")
trap 'rm -rf "$D"' EXIT INT TERM

# The header substrings the parser starts reports at (oops_header_find()).
HDR='BUG:|WARNING:|INFO:|Unable to handle kernel|general protection fault|stack segment: |Kernel panic|PANIC: double fault|kernel BUG|Kernel BUG|divide error:|invalid opcode:|int3:|UBSAN:|Internal error:|Unhandled fault:|Alignment trap:|Oops|Out of memory|invoked oom-killer|Machine check|hard LOCKUP|unregister_netdevice: waiting|VFS: Busy inodes|trusty: panic'

# grep_rate FILE: "wall_mbs cpu_mbs matches"
grep_rate() {
	size=$(wc -c < "$1")
	/usr/bin/time -f '%e %U %S' -o "$D/time" grep -cE "$HDR" "$1" > "$D/count" || true
	read -r e u s < "$D/time"
	awk -v b="$size" -v e="$e" -v u="$u" -v s="$s" -v c="$(cat "$D/count")" \
		'BEGIN { m = b / 1048576; if (e <= 0) e = 0.001; t = u + s; if (t <= 0) t = 0.001;
			 printf "%.0f %.0f %d", m / e, m / t, c }'
}

run() {
	label=$1 file=$2
	p=$("$B" run "$file")
	g=$(grep_rate "$file")
	echo "$p $g" | awk -v l="$label" '{
		split($0, f, " ")
		for (i = 1; i <= 7; i++) { split(f[i], kv, "="); v[kv[1]] = kv[2] }
		gw = f[8]; gc = f[9]; gm = f[10]
		printf "parse: %-22s %6.0f MB  parser %5.0f MB/s wall %5.0f MB/s cpu  | grep -cE %5.0f MB/s wall %5.0f MB/s cpu  | parser/grep (cpu) %.2fx | reports %d (grep lines %d) | peak RSS %d KiB\n",
			l, v["mb"], v["wall_mbs"], v["cpu_mbs"], gw, gc, (gc > 0 ? v["cpu_mbs"] / gc : 0), v["reports"], gm, v["peak_rss_kib"]
	}'
}

echo "parse: generating logs in $D ($SMALL and $MB MB noise, $SMALL MB dense)"
"$B" gen noise "$SMALL" "$D/noise-small.log"
"$B" gen noise "$MB" "$D/noise-large.log"
"$B" gen dense "$SMALL" "$D/dense.log"
# Warm the page cache so both tools read from memory.
cat "$D"/*.log > /dev/null
run "(a) noise, small" "$D/noise-small.log"
run "(a) noise, large" "$D/noise-large.log"
run "(b) crash-dense" "$D/dense.log"
echo "parse: targets: (a) >= 500 MB/s and within 3x of grep; peak RSS equal for both (a) sizes"
