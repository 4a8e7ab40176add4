#!/bin/sh
# bench/agent.sh - footprint of the tiny agent (configs/tiny_agent_defconfig):
# stripped size, the features it lacks, RSS idle and while shipping 10,000
# spooled records to a receiver on loopback, and the CPU time to ship them.
# Prints figures; never fails on a number.  N=... changes the record count,
# RUNS=... the number of idle and shipping runs (3): RSS moves by up to
# ~200 KiB from run to run because the kernel maps shared library pages in
# 64 KiB blocks around each fault and where those blocks fall depends on
# the random load address of each library, so each run is printed and
# then the median.
#
# The tiny build takes its size options from tiny_agent_defconfig (Kconfig
# "Build options": -Os, LTO, unused sections dropped, no unwind tables, no
# PIE, one segment for code and read-only data) with no flag on the make
# command line, and stays dynamically linked against libc, libprotobuf-c
# and zlib.  What each option and each part of the program costs is
# printed too (BENCH_PARTS=0 skips those builds).  It is measured twice: against
# Debian's glibc, and against musl as a musl-based board (OpenWrt, Alpine,
# Buildroot) runs it (scripts/target-libs; BENCH_MUSL=0 skips it).  Most of
# the glibc figure is glibc itself: the agent touches code in every 64 KiB
# block of libc's text, so ~1.4 MiB of libc is mapped whatever it does (a
# program that only calls pause() has 1.1 MiB); musl's libc maps ~0.6 MiB.
# The tiny configuration's own spool limit (CONFIG_SPOOL_MAX_BYTES, 1 MiB)
# holds ~250 records: N=250 measures what a tiny board can have pending;
# the default N=10000 (with spool_max_bytes raised) is a stress figure.
set -u
O=${O:-build}
N=${N:-10000}
RUNS=${RUNS:-3}
TINY=$O/tiny
model=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
echo "agent bench: $(date -u '+%Y-%m-%d %H:%M UTC'), $(uname -m), $(nproc) CPUs (${model:-unknown}), Linux $(uname -r), $(gcc --version | head -n 1)"

tiny_build() { # OUT [make variables...]: the tiny agent, as configured
	out=$1; shift
	make -s -j2 O="$out" CONFIG_FILE="${TINY_CONFIG:-configs/tiny_agent_defconfig}" \
		"$@" "$out/bin/oops-agent" >/dev/null
}
echo "building the tiny agent in $TINY ..."
tiny_build "$TINY" || { echo "agent bench: tiny build failed"; exit 1; }
make -s -j2 O="$O" "$O/bench/bin/ackrecv" "$O/bench/bin/spoolfill" \
	>/dev/null || { echo "agent bench: helper build failed"; exit 1; }
# The same configuration against musl, as a musl-based board (OpenWrt,
# Alpine, Buildroot) runs it: scripts/target-libs builds zlib and the
# protobuf-c runtime with musl-gcc from Debian's sources.
MUSL=$O/musl TINY_MUSL=$O/tiny-musl musl_ok= static_ok=
if [ "${BENCH_MUSL:-1}" = 1 ]; then
	if scripts/target-libs "$MUSL" musl-gcc >/dev/null &&
	   tiny_build "$TINY_MUSL" CC=musl-gcc \
		PKG_CONFIG="env PKG_CONFIG_LIBDIR=$PWD/$MUSL/lib/pkgconfig pkg-config"; then
		musl_ok=1
		# The same, static (CONFIG_STATIC): no shared library mapped.
		cp configs/tiny_agent_defconfig "$O/tiny-static.config"
		scripts/config --file "$O/tiny-static.config" -e STATIC
		TINY_CONFIG=$O/tiny-static.config tiny_build "$O/tiny-musl-static" CC=musl-gcc \
			PKG_CONFIG="env PKG_CONFIG_LIBDIR=$PWD/$MUSL/lib/pkgconfig pkg-config" &&
			static_ok=1
	else
		echo "agent bench: no musl build (musl-tools or the Debian sources unavailable): glibc only"
	fi
fi

# The agent of the default configuration, for comparison (BENCH_DEFAULT=0
# skips it).
DEFAULT=$O/default-agent default_ok=
if [ "${BENCH_DEFAULT:-1}" = 1 ] &&
   make -s -j2 O="$DEFAULT" CONFIG_FILE=configs/defconfig "$DEFAULT/bin/oops-agent" >/dev/null; then
	default_ok=1
fi

work=$(mktemp -d /tmp/oopsd-bench-agent-XXXXXX)
agent_pid= rx_pid=
cleanup() {
	[ -n "$agent_pid" ] && kill "$agent_pid" 2>/dev/null
	[ -n "$rx_pid" ] && kill "$rx_pid" 2>/dev/null
	wait 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT INT TERM

bin=$TINY/bin/oops-agent
for feat in "netlink:transport_nl_" "kmsg:agent_source_kmsg" \
	"netconsole:ncon_" "HMAC:wire_tag" "systemd:sd_notify"; do
	name=${feat%%:*} sym=${feat#*:}
	tiny=$(nm "$bin" 2>/dev/null | grep -c "$sym")
	full=$(nm "$O/bin/oops-agent" 2>/dev/null | grep -c "$sym")
	printf '  %-11s symbols in tiny: %d (full build: %d)\n' "$name" "$tiny" "$full"
done

port=$(( 20000 + $$ % 20000 ))
mkdir -p "$work/spool" "$work/state" "$work/pstore"
cat > "$work/agent.conf" <<EOF
collector = udp://127.0.0.1:$port
pstore_dir = $work/pstore
pstore_archive =
kdump_dir =
journal = no
spool_dir = $work/spool
spool_max_records = $((N + 10))
spool_max_bytes = 1G
state_dir = $work/state
user =
retry_min = 50ms
retry_max = 200ms
status_interval = 1s
EOF

rss() { awk '/^VmRSS/ {print $2}' "/proc/$1/status" 2>/dev/null; }
# RSS counts the shared library pages the kernel maps around each fault
# (mostly libc's code, shared with every process): show what is ours too.
mem() {
	awk '/^Pss:/ {pss=$2} /^Private_(Clean|Dirty):/ {priv+=$2}
	     /^Shared_Clean:/ {sh=$2}
	     END {printf "PSS %d KiB, private %d KiB, shared clean %d KiB", pss, priv, sh}' \
		"/proc/$1/smaps_rollup" 2>/dev/null
}
hwm() { awk '/^VmHWM/ {print $2}' "/proc/$1/status" 2>/dev/null; }
cpu_ms() { # utime + stime of a live process, in ms
	awk -v hz="$(getconf CLK_TCK)" '{print int(($14 + $15) * 1000 / hz)}' "/proc/$1/stat"
}

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

echo "filling the spool with $N records ..."
t0=$(date +%s%N)
"$O/bench/bin/spoolfill" "$work/seed" "$N" || exit 1
t1=$(date +%s%N)
echo "spool filled in $(( (t1 - t0) / 1000000 )) ms ($(du -sk "$work/seed" | cut -f1) KiB on disk)"


run_agent() { # the agent under test, with its own libraries if any
	if [ -n "$libdir" ]; then
		LD_LIBRARY_PATH=$libdir exec "$bin" "$@"
	else
		exec "$bin" "$@"
	fi
}

# footprint LABEL BIN LIBDIR: stripped size, RSS idle and while shipping
# $N spooled records, of one build (LIBDIR: its libraries, or empty).
footprint() {
	label=$1 bin=$2 libdir=$3
	# RSS targets: 1 MiB on a musl board; glibc alone maps ~1.4 MiB.
	target=2048
	case $label in musl|*musl*) target=1024 ;; esac
	case $label in default*|defconfig*) target="2048 (tiny's)" ;; esac
	strip -o "$work/oops-agent" "$bin"
	size=$(stat -c %s "$work/oops-agent")
	echo "== $label"
	[ "$label" = glibc ] && label="tiny (glibc)"
	[ "$label" = musl ] && label="tiny (musl)"
	case $label in
	*static*) goal="; libc, zlib and protobuf-c inside" ;;
	tiny*) goal="; target <= 150 KiB" ;;
	*) goal= ;;
	esac
	printf '%s: oops-agent stripped: %d bytes (%d KiB%s)\n' \
		"$label" "$size" $(( (size + 1023) / 1024 )) "$goal"
	echo "$label: dynamically linked against: $(readelf -d "$bin" | sed -n 's/.*NEEDED.*\[\(.*\)\]/\1/p' | tr '\n' ' ')"
	size -A "$work/oops-agent" | awk '$1 ~ /^\.(text|rodata|data|data\.rel\.ro|bss)$/ {printf "  %-14s %7d\n", $1, $2}'
	# Idle: an empty spool, an empty pstore, nobody listening.
	: > "$work/idle.rss"
	for run in $(seq 1 "$RUNS"); do
		run_agent -f -c "$work/agent.conf" 2>"$work/idle.log" &
		agent_pid=$!
		sleep 1
		r=$(rss $agent_pid)
		echo "$r" >> "$work/idle.rss"
		echo "RSS idle, run $run: $r KiB; $(mem $agent_pid)"
		kill "$agent_pid"; wait "$agent_pid" 2>/dev/null; agent_pid=
	done
	echo "$label: RSS idle: median of $RUNS runs $(median < "$work/idle.rss") KiB (target <= $target KiB)"

	: > "$work/ship.rss"; : > "$work/ship.hwm"; : > "$work/ship.cpu"
	for run in $(seq 1 "$RUNS"); do
		rm -rf "$work/spool" "$work/state"
		cp -a "$work/seed" "$work/spool"
		mkdir -p "$work/state"
		run_agent -f -c "$work/agent.conf" 2>"$work/ship.log" &
		agent_pid=$!
		sleep 1
		echo "run $run: RSS with $N records pending: $(rss $agent_pid) KiB; $(mem $agent_pid)"
		c0=$(cpu_ms $agent_pid)
		"$O/bench/bin/ackrecv" "udp://127.0.0.1:$port" >"$work/rx.out" &
		rx_pid=$!
		t0=$(date +%s%N)
		max=0 maxmem=
		while :; do
			left=$(find "$work/spool" -maxdepth 1 -name '*.rec' | wc -l)
			r=$(rss $agent_pid); [ -n "$r" ] && [ "$r" -gt "$max" ] && max=$r &&
				maxmem=$(mem $agent_pid)
			[ "$left" -eq 0 ] && break
			[ $(( $(date +%s%N) - t0 )) -gt 300000000000 ] && { echo "timeout: $left left"; break; }
			sleep 0.05
		done
		t1=$(date +%s%N)
		c1=$(cpu_ms $agent_pid)
		h=$(hwm $agent_pid)
		echo "$max" >> "$work/ship.rss"; echo "$h" >> "$work/ship.hwm"
		echo "$(( c1 - c0 ))" >> "$work/ship.cpu"
		echo "run $run: shipped $N records in $(( (t1 - t0) / 1000000 )) ms wall, $(( c1 - c0 )) ms CPU (user+sys) of the agent"
		echo "run $run: RSS while shipping: max sampled $max KiB ($maxmem), peak (VmHWM) $h KiB"
		kill "$agent_pid"; wait "$agent_pid" 2>/dev/null; agent_pid=
		kill "$rx_pid"; wait "$rx_pid" 2>/dev/null; rx_pid=
		echo "run $run: receiver: $(tail -n 1 "$work/rx.out")"
		echo "run $run: $(grep -E '^(datagrams|retransmits|acked) ' "$work/state/agent.status" | tr '\n' ' ')"
	done
	printf '%-34s %8d %8s %8s %8s\n' "$label" "$size" "$(median < "$work/idle.rss")" \
		"$(median < "$work/ship.rss")" "$(median < "$work/ship.hwm")" >> "$work/summary"
	echo "$label: RSS while shipping $N records: median of $RUNS runs: max sampled $(median < "$work/ship.rss") KiB, VmHWM $(median < "$work/ship.hwm") KiB (target <= $target KiB); CPU to ship them $(median < "$work/ship.cpu") ms"
}

# What each build option saves: the tiny configuration with every build
# option off (-O2, PIE, ...), then the options turned on one by one in
# this order (the savings overlap: LTO alone would drop much of what
# section garbage collection drops, so each is measured on top of the
# ones before it).
stripped_size() { strip -o "$work/s" "$1" && stat -c %s "$work/s"; }
if [ "${BENCH_PARTS:-1}" = 1 ]; then
	echo "== build options, added one by one (x86-64, glibc; stripped bytes)"
	cp configs/tiny_agent_defconfig "$work/opt.config"
	opts="CC_OPTIMIZE_FOR_SIZE LD_DEAD_CODE_DATA_ELIMINATION NO_UNWIND_TABLES NO_PIE LD_NO_SEPARATE_CODE LTO NO_PLT LD_HASH_STYLE_GNU PROTO_NDEBUG"
	for opt in $opts; do scripts/config --file "$work/opt.config" -d "$opt"; done
	scripts/config --file "$work/opt.config" -e CC_OPTIMIZE_FOR_PERFORMANCE
	prev= label="none (-O2, PIE)"
	for opt in - $opts; do
		if [ "$opt" != - ]; then
			scripts/config --file "$work/opt.config" -e "$opt"
			[ "$opt" = CC_OPTIMIZE_FOR_SIZE ] &&
				scripts/config --file "$work/opt.config" -d CC_OPTIMIZE_FOR_PERFORMANCE
			label="+ $opt"
		fi
		rm -rf "$O/tiny-opt"
		TINY_CONFIG=$work/opt.config tiny_build "$O/tiny-opt" || continue
		n=$(stripped_size "$O/tiny-opt/bin/oops-agent")
		if [ -n "$prev" ]; then
			printf '  %-34s %7d (%d, %d%%)\n' "$label" "$n" $((n - prev)) \
				$(( (n - prev) * 100 / prev ))
		else
			printf '  %-34s %7d\n' "$label" "$n"
		fi
		prev=$n
	done
	rm -rf "$O/tiny-opt"
	# Which parts of the program the bytes are (no LTO, so each function
	# stays in its object; from the linker map): where a smaller agent
	# would come from.
	cp configs/tiny_agent_defconfig "$work/parts.config"
	scripts/config --file "$work/parts.config" -d LTO
	if TINY_CONFIG=$work/parts.config tiny_build "$O/tiny-parts" \
		LDFLAGS="-Wl,-Map=$work/agent.map"; then
		echo "== tiny agent by part (text + read-only data + data, bytes, no LTO)"
		/usr/bin/python3 - "$work/agent.map" <<'PY'
import re, sys, collections
parts = collections.Counter()
sec = None
for line in open(sys.argv[1]):
    m = re.match(r'^ (\.(text|rodata|data)\S*)(?:\s+0x[0-9a-f]+\s+0x([0-9a-f]+)\s+(\S+))?\s*$', line)
    if m and m.group(3):
        size, obj = int(m.group(3), 16), m.group(4)
    elif m:
        sec = m.group(1); continue
    else:
        m = re.match(r'^\s+0x[0-9a-f]+\s+0x([0-9a-f]+)\s+(\S+)\s*$', line)
        if not (m and sec):
            sec = None; continue
        size, obj = int(m.group(1), 16), m.group(2)
        sec = None
    o = re.sub(r'\)$', '', obj.split('(')[-1])
    if '/lib/gcc/' in obj or obj.startswith('/usr/'):
        key = 'C runtime start files'
    elif 'proto' in obj or o.startswith('oopsd.pb-c'):
        key = 'proto (protobuf-c descriptors)'
    else:
        key = o
    parts[key] += size
layer = {'oops': 'parse', 'signature': 'parse', 'redact': 'parse',
         'pstore': 'pstore', 'record': 'record', 'pbutil': 'record',
         'wire': 'wire', 'spool': 'wire', 'transport': 'wire', 'replay': 'wire'}
groups = collections.Counter()
for o, n in parts.items():
    g = next((v for k, v in layer.items() if o.startswith(k)), None)
    if g is None:
        g = 'agent' if o.split('.')[0] in ('main', 'core', 'config', 'ship',
            'fit', 'sources', 'source_pstore', 'source_kmsg', 'emit',
            'status') else ('base' if o.endswith('.o') else o)
    groups[g] += n
total = sum(groups.values())
for g, n in groups.most_common():
    print(f"  {g:34s} {n:7d} {n * 100 // total:3d}%")
print("  largest objects: " + ", ".join(f"{o} {n}" for o, n in parts.most_common(8)))
PY
	fi
	rm -rf "$O/tiny-parts"
fi

footprint glibc "$TINY/bin/oops-agent" ""
[ -n "$musl_ok" ] && footprint musl "$TINY_MUSL/bin/oops-agent" "$PWD/$MUSL/lib"
[ -n "$static_ok" ] && footprint "tiny static (musl)" "$O/tiny-musl-static/bin/oops-agent" ""
[ -n "$default_ok" ] && footprint "defconfig (glibc)" "$DEFAULT/bin/oops-agent" ""

# The size of the same build for arm64 (a cross build, as for most boards;
# 4 KiB pages: Debian's arm64 default aligns segments to 64 KiB).  Under
# qemu-user an RSS would mean nothing: size only.
if [ "${BENCH_ARM64:-1}" = 1 ] && command -v aarch64-linux-gnu-gcc >/dev/null &&
   scripts/target-libs "$O/arm64" aarch64-linux-gnu-gcc >/dev/null &&
   make -s -j2 O="$O/tiny-arm64" CONFIG_FILE=configs/tiny_agent_defconfig \
	CROSS_COMPILE=aarch64-linux-gnu- LDFLAGS="-Wl,-z,max-page-size=4096" \
	PKG_CONFIG="env PKG_CONFIG_LIBDIR=$PWD/$O/arm64/lib/pkgconfig pkg-config" \
	"$O/tiny-arm64/bin/oops-agent" >/dev/null; then
	aarch64-linux-gnu-strip -o "$work/oops-agent" "$O/tiny-arm64/bin/oops-agent"
	size=$(stat -c %s "$work/oops-agent")
	echo "== arm64 (glibc, cross-built)"
	printf 'arm64: tiny oops-agent stripped: %d bytes (%d KiB; the target is for x86-64)\n' \
		"$size" $(( (size + 1023) / 1024 ))
	aarch64-linux-gnu-size -A "$work/oops-agent" | awk '$1 ~ /^\.(text|rodata|data|data\.rel\.ro|bss)$/ {printf "  %-14s %7d\n", $1, $2}'
	printf '%-34s %8d %8s %8s %8s\n' "tiny arm64 (glibc, 4 KiB pages)" "$size" - - - >> "$work/summary"
fi
echo "== summary (stripped bytes; RSS KiB, medians of $RUNS runs; $N records shipped)"
printf '%-34s %8s %8s %8s %8s\n' configuration stripped idle shipping VmHWM
cat "$work/summary"
exit 0
