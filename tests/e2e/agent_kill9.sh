#!/usr/bin/env bash
# Scenario: oops-agent is killed with SIGKILL in the middle of shipping a
# full spool, twice, and restarted.  Every record arrives (nothing lost),
# and only records that were in flight at the kill are sent again, under
# their ids (the collector deduplicates them): nothing is duplicated.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/agent.sh"
e2e_init agent_kill9
e2e_need_bin oops-agent
agent_setup

N=3000
"$SPOOLFILL" "$AG_SPOOL" $N || e2e_fail "spoolfill"
port=$(e2e_free_port udp)
rx_start "udp://127.0.0.1:$port"
agent_conf collector="udp://127.0.0.1:$port" pstore_dir= spool_max_records=$((N + 10))
below() { [ "$(spool_count)" -le "$1" ]; }
agent_start
e2e_wait_for 60 below $(( N * 2 / 3 )) || e2e_fail "shipping did not start"
kill -9 "$AGENT_PID"; wait "$AGENT_PID" 2>/dev/null; AGENT_PID=
left1=$(spool_count)
e2e_log "killed with $left1 records left, $(rx_distinct) arrived"
agent_start
e2e_wait_for 60 below $(( N / 3 )) || e2e_fail "shipping did not resume"
kill -9 "$AGENT_PID"; wait "$AGENT_PID" 2>/dev/null; AGENT_PID=
e2e_log "killed again with $(spool_count) records left, $(rx_distinct) arrived"
agent_start
e2e_wait_for 60 spool_empty || e2e_fail "$(spool_count) records never left the spool"
agent_stop
rx_stop
[ "$(rx_distinct)" -eq $N ] || e2e_fail "$(rx_distinct) distinct records arrived, want $N"
[ "$(rx_dups)" -eq 0 ] || e2e_fail "duplicate ids file"
# Re-sent after each kill: at most what was in flight (8 datagrams of
# at most 64 records), never the already acknowledged ones.
extra=$(( RX_RECORDS - N ))
e2e_log "received $RX_RECORDS records for $N distinct ($extra re-sent after kills or retransmitted)"
[ "$extra" -le $(( 2 * 8 * 64 + 512 )) ] || e2e_fail "too many re-sends: $extra"
e2e_log "pass"
