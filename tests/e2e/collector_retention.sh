#!/usr/bin/env bash
# Scenario: retention in the running daemon.  With retention_count = 300,
# after 2000 records and a SIGHUP (retention now), at most 300 records are
# left besides one example per signature, while `oopsctl top` still counts
# all 2000 (aggregates are history) and every signature still shows a
# report.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/collector.sh"
e2e_init collector_retention
coll_need
coll_start rate_limit=100000000 rate_burst=1000000 retention_count=300
"$BLAST" -n 2000 -S 50 -t 30 -s 61 "$COLL_URL" || e2e_fail "records not acked"
kill -HUP "$COLL_PID"
coll_wait_stat retention_deleted 1 30 || e2e_fail "retention did not run"
left=$(coll_records)
sigs=$("$OOPSD_BIN/oopsctl" top --json --store "$COLL_STORE" | wc -l)
[ "$left" -le $((300 + sigs)) ] || e2e_fail "$left records left (max $((300 + sigs)))"
[ "$(coll_top_total)" -eq 2000 ] || e2e_fail "top counts $(coll_top_total), want 2000"
for sig in $("$OOPSD_BIN/oopsctl" top --json --store "$COLL_STORE" |
	sed -n 's/.*"signature":"\([0-9a-f]*\)".*/\1/p'); do
	"$OOPSD_BIN/oopsctl" show "$sig" --json --store "$COLL_STORE" |
		grep -q '"report":"WARNING' || e2e_fail "signature $sig lost its example"
done
kill -0 "$COLL_PID" || e2e_fail "collector died"
e2e_log "ok: $left records left of 2000, $sigs signatures, all with an example"
