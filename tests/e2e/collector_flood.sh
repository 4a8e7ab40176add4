#!/usr/bin/env bash
# Scenario: one crash-looping machine (127.0.0.2) floods the collector;
# its per-sender rate limit holds it (records over the rate are held back
# and counted), while another machine (127.0.0.3) gets every record in.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/collector.sh"
e2e_init collector_flood
coll_need
coll_start rate_limit=60 rate_burst=20
t0=$(date +%s)
"$BLAST" -f -n 20000 -k 8 -s 31 -b 127.0.0.2 "$COLL_URL" >/dev/null ||
	e2e_fail "flood did not run"
"$BLAST" -n 10 -k 1 -w 10 -r 200 -t 20 -s 32 -b 127.0.0.3 "$COLL_URL" ||
	e2e_fail "the quiet machine's records were not all acknowledged"
# The kernel may drop part of a fire-and-forget flood; wait until what
# arrived has been counted (the counter stops moving).
last=-1
settled() {
	local now
	now=$(coll_stat received)
	[ "$now" -eq "$last" ] && return 0
	last=$now
	sleep 1.1
	return 1
}
e2e_wait_for 30 settled || e2e_fail "received never settled"
received=$(coll_stat received)
[ "$received" -ge 5000 ] || e2e_fail "only $received records of the flood arrived"
secs=$(( $(date +%s) - t0 + 2 ))
stored=$(coll_stat stored)
limited=$(coll_stat rate_limited)
# The flood may store its burst plus one record a second; the quiet
# machine its 10.
max=$((20 + secs + 10))
[ "$stored" -le "$max" ] || e2e_fail "flood not held: $stored stored (max $max)"
[ "$limited" -ge $((received - max - $(coll_stat duplicates))) ] ||
	e2e_fail "rate_limited $limited of $received received"
e2e_log "ok: $stored stored, $limited held back by the rate limit"
