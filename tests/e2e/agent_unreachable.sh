#!/usr/bin/env bash
# Scenario: the collector's network is unreachable (a network namespace
# with only loopback and no route to it).  The agent keeps its records,
# keeps retrying with backoff, counts the send errors, answers SIGUSR1
# with its counters in the log and SIGHUP with an immediate retry, and
# stops cleanly.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/agent.sh"
e2e_init agent_unreachable
e2e_need_bin oops-agent oopsctl
e2e_need_root
e2e_need_cmd ip
agent_setup

ns=$(e2e_netns unreach)
agent_kmsg_gen 5 1 100 >"$E2E_TMP/kmsg"
agent_conf collector="udp://10.254.254.1:5514" kmsg=yes kmsg_path="$E2E_TMP/kmsg" \
	pstore_dir= retry_min=50ms retry_max=500ms
e2e_bg "$AG_LOG" ip netns exec "$ns" "$OOPSD_BIN/oops-agent" -f -c "$AG_CONF"
AGENT_PID=$E2E_LAST_PID
e2e_at_exit "e2e_kill_netns_pids $ns"
e2e_wait_for 20 status_ge spool_pending 5 || e2e_fail "not spooled"
e2e_wait_for 10 status_ge send_errors 3 || e2e_fail "no send errors counted"
e2e_wait_for 10 status_ge backoff_ms 500 || e2e_fail "backoff did not reach retry_max"
before=$(agent_status retransmits)
kill -HUP "$AGENT_PID"
e2e_wait_for 5 grep -q "SIGHUP" "$AG_LOG" || e2e_fail "SIGHUP not logged"
kill -USR1 "$AGENT_PID"
e2e_wait_for 5 grep -q "counters: .*spool_pending 5" "$AG_LOG" || e2e_fail "SIGUSR1: no counters logged"
e2e_wait_for 5 status_ge retransmits $(( before + 1 )) || e2e_fail "no retry"
kill -0 "$AGENT_PID" || e2e_fail "agent died"
[ "$(agent_status acked)" -eq 0 ] || e2e_fail "acked without a collector?"
[ "$(spool_count)" -eq 5 ] || e2e_fail "spool lost records: $(spool_count)"
"$OOPSD_BIN/oopsctl" agent-status --state-dir "$AG_STATE" | grep -q "5 records pending" ||
	e2e_fail "agent-status"
agent_stop
grep -q "signal 15: stopping" "$AG_LOG" || e2e_fail "no clean stop"
[ "$(spool_count)" -eq 5 ] || e2e_fail "records lost at stop"
e2e_log "pass"
