#!/usr/bin/env bash
# Scenario: oops-agent follows a kmsg stream live (a FIFO standing in for
# /dev/kmsg), ships every crash over UDP on loopback, and each record is
# acknowledged and removed from the spool exactly once.  A restart resumes
# after the last handled kmsg record and sends nothing again; a restart
# that lost its position sends the same records again under the same ids
# (the collector deduplicates them), never new ones.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/agent.sh"
e2e_init agent_exactly_once
e2e_need_bin oops-agent oopsctl
agent_setup

port=$(e2e_free_port udp)
rx_start "udp://127.0.0.1:$port"
per=$(( $(wc -l <"$E2E_ROOT/tests/data/agent/warning.log") + 1 ))
agent_kmsg_gen 30 1 100 >"$E2E_TMP/all.kmsg"
mkfifo "$E2E_TMP/kmsg"
exec 3<>"$E2E_TMP/kmsg"
agent_conf collector="udp://127.0.0.1:$port" kmsg=yes kmsg_path="$E2E_TMP/kmsg"
agent_start

head -n $(( 20 * per )) "$E2E_TMP/all.kmsg" >&3
e2e_wait_for 20 rx_has 20 || e2e_fail "only $(rx_distinct)/20 records arrived"
e2e_wait_for 10 spool_empty || e2e_fail "spool not empty: $(spool_count)"
e2e_log "20 records arrived; now 10 more, live"
tail -n +$(( 20 * per + 1 )) "$E2E_TMP/all.kmsg" >&3
e2e_wait_for 20 rx_has 30 || e2e_fail "only $(rx_distinct)/30 records arrived"
e2e_wait_for 10 spool_empty || e2e_fail "spool not empty: $(spool_count)"
e2e_wait_for 5 status_ge acked 30 || e2e_fail "acked: $(agent_status acked)"
[ "$(rx_dups)" -eq 0 ] || e2e_fail "duplicate ids in $AG_IDS"
[ "$(agent_status acked)" -eq 30 ] || e2e_fail "acked $(agent_status acked), want 30"
[ "$(agent_status spool_stored)" -eq 30 ] || e2e_fail "stored $(agent_status spool_stored)"
agent_stop
exec 3>&-
saved=$(awk '{print $2}' "$AG_STATE/kmsg.state")
last=$(tail -n 1 "$E2E_TMP/all.kmsg" | cut -d, -f2)
[ "$saved" = "$last" ] || e2e_fail "kmsg.state at $saved, last record $last"
e2e_log "stopped at kmsg record $saved"

# Restart on the same log: everything is skipped, nothing is sent.
records_before=$(wc -l <"$AG_IDS")
agent_conf collector="udp://127.0.0.1:$port" kmsg=yes kmsg_path="$E2E_TMP/all.kmsg"
agent_start
e2e_wait_for 10 status_ge kmsg_skipped "$(wc -l <"$E2E_TMP/all.kmsg")" ||
	e2e_fail "restart did not skip the handled records: $(agent_status kmsg_skipped)"
[ "$(agent_status reports)" -eq 0 ] || e2e_fail "restart produced $(agent_status reports) reports again"
[ "$(agent_status datagrams)" -eq 0 ] || e2e_fail "restart sent datagrams"
agent_stop

# Lose the position (a crash before it was saved): the same records come
# again under the same ids, so the receiver sees no new id.
rm -f "$AG_STATE/kmsg.state"
agent_start
e2e_wait_for 20 status_ge acked 30 || e2e_fail "re-sent records not acked: $(agent_status acked)"
e2e_wait_for 10 spool_empty || e2e_fail "spool not empty after replay"
[ "$(rx_distinct)" -eq 30 ] || e2e_fail "replay produced new ids: $(rx_distinct) distinct"
[ "$(wc -l <"$AG_IDS")" -eq "$records_before" ] || e2e_fail "ids file grew"
agent_stop
rx_stop
e2e_log "pass: 30 crashes, each acknowledged once; restart resumes; replay keeps ids"
