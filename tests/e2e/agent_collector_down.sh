#!/usr/bin/env bash
# Scenario: the collector is down while crashes are found.  The records
# wait in the spool (oopsctl agent-status shows them, the agent retries
# with backoff), and once oops-collector is up everything is stored, once.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/agent.sh"
e2e_init agent_collector_down
e2e_need_bin oops-agent oops-collector oopsctl
agent_setup

port=$(e2e_free_port udp)
agent_kmsg_gen 40 1 100 >"$E2E_TMP/kmsg"
agent_conf collector="udp://127.0.0.1:$port" kmsg=yes kmsg_path="$E2E_TMP/kmsg" \
	retry_min=50ms retry_max=300ms
agent_start
e2e_wait_for 20 status_ge spool_pending 40 || e2e_fail "not spooled: $(agent_status spool_pending)"
e2e_wait_for 10 status_ge retransmits 3 || e2e_fail "no retransmissions"
[ "$(agent_status acked)" -eq 0 ] || e2e_fail "acked while the collector is down"

out=$("$OOPSD_BIN/oopsctl" agent-status --state-dir "$AG_STATE") ||
	e2e_fail "oopsctl agent-status failed"
echo "$out"
grep -q "40 records pending" <<<"$out" || e2e_fail "agent-status: no pending count"
grep -q "last ack:    never" <<<"$out" || e2e_fail "agent-status: last ack"
json=$("$OOPSD_BIN/oopsctl" agent-status --state-dir "$AG_STATE" --json)
/usr/bin/python3 -c 'import json,sys; d=json.loads(sys.argv[1]); assert d["spool_pending"]==40 and d["running"] and d["last_ack_age_s"]==-1 and d["spool_oldest_age_s"]>=0, d' "$json" ||
	e2e_fail "agent-status --json: $json"
# The backoff grows to retry_max while nobody answers.
e2e_wait_for 10 status_ge backoff_ms 300 || e2e_fail "backoff did not grow: $(agent_status backoff_ms)"

# Said once, as a warning, with the backlog; not once per retransmission.
e2e_wait_for 10 grep -q 'collector udp://127.0.0.1:[0-9]* is not answering (4 sends without an ack): 40 record(s) waiting' "$AG_LOG" ||
	e2e_fail "no warning while the collector is down"
e2e_wait_for 10 grep -q '(try 6)' "$AG_LOG" || e2e_fail "retransmissions stopped"
[ "$(grep -c 'is not answering' "$AG_LOG")" = 1 ] || e2e_fail "warning repeated"
[ "$(agent_status collector_answering)" = 0 ] || e2e_fail "status: collector_answering"

e2e_log "collector up"
col_start "$port"
e2e_wait_for 30 col_has 40 || e2e_fail "only $(col_stored)/40 stored"
e2e_wait_for 10 grep -q 'answers again: [0-9]* record(s) waiting' "$AG_LOG" ||
	e2e_fail "no info line when the collector answers again"
[ "$(grep -c 'answers again' "$AG_LOG")" = 1 ] || e2e_fail "info repeated"
e2e_wait_for 10 spool_empty || e2e_fail "spool not empty"
e2e_wait_for 5 status_ge acked 40 || e2e_fail "acked $(agent_status acked)"
[ "$(col_stored)" -eq 40 ] || e2e_fail "$(col_stored) stored, want 40"
json=$("$OOPSD_BIN/oopsctl" agent-status --state-dir "$AG_STATE" --json)
/usr/bin/python3 -c 'import json,sys; d=json.loads(sys.argv[1]); assert d["spool_pending"]==0 and d["last_ack_age_s"]>=0, d' "$json" ||
	e2e_fail "agent-status after: $json"
agent_stop
"$OOPSD_BIN/oopsctl" agent-status --state-dir "$E2E_TMP/none" >/dev/null 2>&1
[ $? -eq 1 ] || e2e_fail "agent-status without a status file must exit 1"
e2e_log "pass"
