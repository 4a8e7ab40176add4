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
coll_wait_stat received 20010 10 || e2e_fail "flood not received: $(coll_stat received)"
secs=$(( $(date +%s) - t0 + 2 ))
stored=$(coll_stat stored)
limited=$(coll_stat rate_limited)
# The flood may store its burst plus one record a second.
max=$((20 + secs + 10))
[ "$stored" -le "$max" ] || e2e_fail "flood not held: $stored stored (max $max)"
[ "$limited" -ge $((20000 - max)) ] || e2e_fail "rate_limited $limited"
e2e_log "ok: $stored stored, $limited held back by the rate limit"
