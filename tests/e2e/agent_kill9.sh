#!/usr/bin/env bash
# Scenario: oops-agent is killed with SIGKILL in the middle of shipping a
# full spool to a real oops-collector, twice, and restarted.  Every record
# is stored (nothing lost) and stored once (nothing duplicated): only the
# records in flight at a kill are sent again, and the collector counts
# them as duplicates.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/agent.sh"
e2e_init agent_kill9
e2e_need_bin oops-agent oops-collector oopsctl
agent_setup

N=3000
"$SPOOLFILL" "$AG_SPOOL" $N || e2e_fail "spoolfill"
port=$(e2e_free_port udp)
col_start "$port"
agent_conf collector="udp://127.0.0.1:$port" pstore_dir= spool_max_records=$((N + 10))
below() { [ "$(spool_count)" -le "$1" ]; }
agent_start
e2e_wait_for 60 below $(( N * 2 / 3 )) || e2e_fail "shipping did not start"
kill -9 "$AGENT_PID"; wait "$AGENT_PID" 2>/dev/null; AGENT_PID=
left1=$(spool_count)
e2e_log "killed with $left1 records left, $(col_stored) stored"
agent_start
e2e_wait_for 60 below $(( N / 3 )) || e2e_fail "shipping did not resume"
kill -9 "$AGENT_PID"; wait "$AGENT_PID" 2>/dev/null; AGENT_PID=
e2e_log "killed again with $(spool_count) records left, $(col_stored) stored"
agent_start
e2e_wait_for 60 spool_empty || e2e_fail "$(spool_count) records never left the spool"
agent_stop
e2e_wait_for 10 col_has $N || e2e_fail "$(col_stored)/$N stored"
col_stop
[ "$(col_stored)" -eq $N ] || e2e_fail "$(col_stored) records stored, want $N"
[ "$(col_distinct)" -eq $N ] || e2e_fail "$(col_distinct) distinct records stored, want $N"
dups=$(col_status duplicates)
e2e_log "$N stored once each; $dups copies re-sent after the kills were deduplicated"
# Re-sent: at most what was in flight at each kill (8 datagrams of at
# most 64 records) plus retransmissions, never the acknowledged ones.
[ "${dups:-0}" -le $(( 2 * 8 * 64 + 512 )) ] || e2e_fail "too many re-sends: $dups"
e2e_log "pass"
