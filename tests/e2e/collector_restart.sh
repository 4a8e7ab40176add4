#!/usr/bin/env bash
# Scenario: the collector is killed (-9) and later stopped (TERM) while
# agents are sending; each time it comes back on the same store and port.
# Agents retransmit what was not acknowledged, so in the end every record
# is acknowledged and stored exactly once: nothing lost, nothing twice.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/collector.sh"
e2e_init collector_restart
coll_need
coll_start rate_limit=100000000 rate_burst=1000000
n=20000
e2e_bg "$E2E_TMP/blast1.log" "$BLAST" -n $n -k 16 -w 8 -r 300 -t 120 -s 21 "$COLL_URL"
b1=$E2E_LAST_PID
e2e_bg "$E2E_TMP/blast2.log" "$BLAST" -n $n -k 4 -w 8 -r 300 -t 120 -s 22 -b 127.0.0.2 "$COLL_URL"
b2=$E2E_LAST_PID
coll_wait_stat stored 2000 30 || e2e_fail "nothing stored before the kill"
e2e_log "kill -9 the collector after $(coll_stat stored) stored"
e2e_stop "$COLL_PID" KILL
sleep 1 # the agents keep sending into a closed port meanwhile
coll_start rate_limit=100000000 rate_burst=1000000
coll_wait_stat stored 2000 30 || e2e_fail "nothing stored after the restart"
e2e_log "SIGTERM the collector"
e2e_stop "$COLL_PID" TERM
coll_start rate_limit=100000000 rate_burst=1000000
wait "$b1" || e2e_fail "agent 1 did not get every ack: $(cat "$E2E_TMP/blast1.log")"
wait "$b2" || e2e_fail "agent 2 did not get every ack: $(cat "$E2E_TMP/blast2.log")"
e2e_log "$(cat "$E2E_TMP/blast1.log")"
e2e_log "$(cat "$E2E_TMP/blast2.log")"
got=$(coll_records)
[ "$got" -eq $((2 * n)) ] || e2e_fail "store has $got records, want $((2 * n))"
[ "$(coll_top_total)" -eq $((2 * n)) ] || e2e_fail "top counts $(coll_top_total)"
e2e_log "ok: $got records, each once, across a kill -9 and a restart"
