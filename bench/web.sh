#!/usr/bin/env bash
# web.sh - oops-web figures (printed, never failing on a number): the
# server time of pages and API answers over a 1,000,000-record store (5000
# signatures, 2000 hosts, 30 days; bench/storegen.c through the store
# API), SQLite and, when a PostgreSQL server can be started, PostgreSQL.
#
# Server time is what oops-web reports in its Server-Timing header (from
# the request's arrival to the answer ready, store queries included); the
# best and the median of 7 requests are printed, after one warm-up.  The
# baseline, measured in the same run on the same store: the wall time of
# `oopsctl top --limit 50 --json` (the list's question) and `oopsctl show
# --json` (the signature's), which read through the same query layer.
# Target: / and /sig/SIG under 50 ms.
# Sizes: WEB_N (default 1000000), PG_WEB_N (default WEB_N).
set -u
O=${O:-build}
B=${OOPSD_BIN:-$(pwd)/$O/bin}
WEB_N=${WEB_N:-1000000}
PG_WEB_N=${PG_WEB_N:-$WEB_N}
[ -x "$B/oops-web" ] || { echo "web: oops-web not built (CONFIG_WEB)"; exit 0; }
command -v curl >/dev/null || { echo "web: curl not installed"; exit 0; }
make -s "$O/bench/bin/storegen" || exit 1
GEN=$O/bench/bin/storegen
tmp=$(mktemp -d /tmp/oopsd-bench-web.XXXXXX)
wpid=
cleanup() {
	[ -n "$wpid" ] && kill "$wpid" 2>/dev/null && wait "$wpid" 2>/dev/null
	pg_destroy
	rm -rf "$tmp"
}
trap cleanup EXIT
. tests/e2e/lib/postgres.sh

ms() { echo $(( $(date +%s%N) / 1000000 )); }
free_port() {
	/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# timing URL: best and median server time (ms) of 7 requests.
timing() {
	local u=$1 i t all=
	curl -s -o /dev/null "$u"
	for i in 1 2 3 4 5 6 7; do
		t=$(curl -s -D - -o /dev/null "$u" | tr -d '\r' |
			sed -n 's/^[Ss]erver-[Tt]iming: app;dur=//p')
		all="$all $t"
	done
	echo "$all" | tr ' ' '\n' | grep . | sort -n |
		awk '{ v[NR] = $1 } END { printf "best %7.1f ms  median %7.1f ms", v[1], v[int((NR + 1) / 2)] }'
}

# wall CMD...: best wall time (ms) of 5 runs.
wall() {
	local best=999999 a b i
	"$@" >/dev/null
	for i in 1 2 3 4 5; do
		a=$(ms); "$@" >/dev/null; b=$(ms)
		[ $((b - a)) -lt "$best" ] && best=$((b - a))
	done
	echo "$best"
}

# run_web NAME SPEC: oops-web on SPEC, every URL timed.
run_web() {
	local name=$1 spec=$2 port sig rel host u
	port=$(free_port)
	printf 'listen = 127.0.0.1:%s\nstore = %s\nuser =\n' "$port" "$spec" >"$tmp/$name.conf"
	"$B/oops-web" -f -c "$tmp/$name.conf" 2>"$tmp/$name.log" &
	wpid=$!
	for _ in $(seq 50); do curl -sf -o /dev/null "http://127.0.0.1:$port/style.css" && break; sleep 0.1; done
	local base=http://127.0.0.1:$port
	sig=$(curl -s "$base/api/v1/?per=1" | sed -n 's/.*"signature":"\([0-9a-f]*\)".*/\1/p' | head -n 1)
	rel=$(curl -s "$base/api/v1/?per=1" | sed -n 's/.*"releases":\["\([^"]*\)".*/\1/p' | head -n 1)
	host=$("$B/oopsctl" hosts --json --store "$spec" | head -n 1 | sed -n 's/.*"host":"\([^"]*\)".*/\1/p')
	echo "-- $name: oops-web server time (Server-Timing), best and median of 7"
	for u in / /api/v1/ "/sig/$sig" "/api/v1/sig/$sig" \
		"/?sort=last" "/?sort=title" "/?page=50" "/?since=24h" "/?since=7d" \
		"/?kind=WARNING" "/?release=$rel" "/?host=$host" "/?source=netconsole" \
		"/?q=function_12" "/release/$rel" "/host/$host" /hosts /metrics; do
		printf '  %-44s %s\n' "$u" "$(timing "$base$u")"
	done
	echo "-- $name: baseline, oopsctl on the same store (best wall time of 5)"
	printf '  %-44s %5d ms\n' "oopsctl top --limit 50 --json" \
		"$(wall "$B/oopsctl" top --limit 50 --json --store "$spec")"
	printf '  %-44s %5d ms\n' "oopsctl show $sig --json" \
		"$(wall "$B/oopsctl" show "$sig" --json --store "$spec")"
	kill "$wpid"; wait "$wpid" 2>/dev/null; wpid=
}

echo "-- store: $WEB_N records, 5000 signatures, 2000 hosts (storegen, batches of 20000)"
t0=$(ms)
"$GEN" "sqlite:$tmp/web.db" "$WEB_N" 5000 2000 20000 || exit 1
echo "  sqlite store made in $(( $(ms) - t0 )) ms, $(du -m "$tmp/web.db" | cut -f1) MiB"
run_web sqlite "sqlite:$tmp/web.db"
rm -f "$tmp"/web.db*

if pg_start 2>"$tmp/pg.err"; then
	t0=$(ms)
	"$GEN" "$PG_URI" "$PG_WEB_N" 5000 2000 20000 || exit 1
	echo "  postgresql store ($PG_WEB_N records) made in $(( $(ms) - t0 )) ms"
	pg_psql "VACUUM ANALYZE" >/dev/null 2>&1
	run_web postgresql "$PG_URI"
	pg_destroy
else
	echo "-- postgresql: skipped: $(cat "$tmp/pg.err")"
fi
