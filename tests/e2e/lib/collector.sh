# collector.sh - helpers for the collector scenarios (source after
# common.sh): a collector on 127.0.0.1 with a temporary store, its status
# counters, and the oopsblast load generator (bench/oopsblast.c), which
# plays many agents.

# coll_need: skip unless the collector and oopsctl are built; build
# oopsblast if needed.  Sets BLAST.
coll_need() {
	e2e_need_bin oops-collector oopsctl
	# Built with the normal flags (make is a no-op when it is up to
	# date): a sanitizer build's archives (OOPSD_BIN=build/debug/bin)
	# would not link without them.
	local o=$E2E_ROOT/${O:-build}
	BLAST=$o/bench/bin/oopsblast
	(cd "$E2E_ROOT" && make -s O="$o" "$o/bench/bin/oopsblast") \
		>"$E2E_TMP/blast-build.log" 2>&1 ||
		e2e_skip "oopsblast does not build: $(tail -n 1 "$E2E_TMP/blast-build.log")"
}

# coll_start [KEY=VALUE...]: start a collector (store $E2E_TMP/store.db,
# UDP on a free port: $COLL_PORT, unless a listen= is given), with extra
# config lines; waits until
# it is up.  Sets COLL_PID, COLL_STORE, COLL_URL.
coll_start() {
	COLL_PORT=${COLL_PORT:-$(e2e_free_port udp)}
	COLL_STORE=sqlite:$E2E_TMP/store.db
	COLL_URL=udp://127.0.0.1:$COLL_PORT
	{
		echo "store = $COLL_STORE"
		echo "user ="
		local kv
		case " $* " in
		*" listen="*) ;;
		*) echo "listen = $COLL_URL" ;;
		esac
		for kv in "$@"; do
			echo "${kv%%=*} = ${kv#*=}"
		done
	} >"$E2E_TMP/collector.conf"
	"$OOPSD_BIN/oops-collector" -n -c "$E2E_TMP/collector.conf" >/dev/null ||
		e2e_fail "collector config refused"
	rm -f "$E2E_TMP/store.db.status"
	e2e_bg "$E2E_TMP/collector.$(date +%s%N).log" \
		"$OOPSD_BIN/oops-collector" -f -c "$E2E_TMP/collector.conf"
	COLL_PID=$E2E_LAST_PID
	e2e_wait_for 10 coll_running || e2e_fail "collector did not start"
}

coll_running() {
	"$OOPSD_BIN/oopsctl" collector-status --store "$COLL_STORE" 2>/dev/null |
		grep -q "collector running"
}

# coll_stat NAME: a counter from the status file (rewritten every second).
coll_stat() {
	awk -v k="$1" '$1 == k { print $2; found = 1 } END { if (!found) print 0 }' \
		"$E2E_TMP/store.db.status"
}

# coll_records: records in the store (all of them, via export).
coll_records() {
	"$OOPSD_BIN/oopsctl" export --json --store "$COLL_STORE" | wc -l
}

# coll_top_total: the sum of the counts `oopsctl top` prints.
coll_top_total() {
	"$OOPSD_BIN/oopsctl" top --json --store "$COLL_STORE" |
		sed -n 's/.*"count":\([0-9]*\).*/\1/p' | awk '{ s += $1 } END { print s + 0 }'
}

# coll_wait_stat NAME MIN SECONDS: wait until counter NAME >= MIN.
coll_wait_stat() {
	local name=$1 min=$2
	e2e_wait_for "$3" coll_stat_ge "$name" "$min"
}

coll_stat_ge() { [ "$(coll_stat "$1")" -ge "$2" ]; }
