#!/usr/bin/env bash
# Scenario: oops-agent follows a kmsg stream live (a FIFO standing in for
# /dev/kmsg) and ships every crash over UDP on loopback to a real
# oops-collector; each record is stored once and leaves the spool once.
# A restart resumes after the last handled kmsg record and sends nothing
# again; a restart that lost its position sends the same records under
# the same ids, which the collector counts as duplicates: still 30 stored.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/agent.sh"
e2e_init agent_exactly_once
e2e_need_bin oops-agent oops-collector oopsctl
agent_setup

port=$(e2e_free_port udp)
col_start "$port"
per=$(( $(wc -l <"$E2E_ROOT/tests/data/agent/warning.log") + 1 ))
agent_kmsg_gen 30 1 100 >"$E2E_TMP/all.kmsg"
mkfifo "$E2E_TMP/kmsg"
exec 3<>"$E2E_TMP/kmsg"
agent_conf collector="udp://127.0.0.1:$port" kmsg=yes kmsg_path="$E2E_TMP/kmsg"
agent_start

head -n $(( 20 * per )) "$E2E_TMP/all.kmsg" >&3
e2e_wait_for 30 col_has 20 || e2e_fail "only $(col_stored)/20 records stored"
e2e_wait_for 10 spool_empty || e2e_fail "spool not empty: $(spool_count)"
e2e_log "20 records stored; now 10 more, live"
tail -n +$(( 20 * per + 1 )) "$E2E_TMP/all.kmsg" >&3
e2e_wait_for 30 col_has 30 || e2e_fail "only $(col_stored)/30 records stored"
e2e_wait_for 10 spool_empty || e2e_fail "spool not empty: $(spool_count)"
e2e_wait_for 5 status_ge acked 30 || e2e_fail "acked: $(agent_status acked)"
[ "$(agent_status acked)" -eq 30 ] || e2e_fail "acked $(agent_status acked), want 30"
[ "$(agent_status spool_stored)" -eq 30 ] || e2e_fail "spooled $(agent_status spool_stored)"
[ "$(col_stored)" -eq 30 ] || e2e_fail "$(col_stored) stored, want 30"
[ "$(col_distinct)" -eq 30 ] || e2e_fail "$(col_distinct) distinct ids, want 30"
col_export | head -n 1 | /usr/bin/python3 -c '
import json, sys
r = json.loads(sys.stdin.readline())
assert r["title"].startswith("WARNING in foo_tx"), r["title"]
assert r["source"] == "kmsg", r["source"]
assert r["host"]["boot_id_is_crashed_boot"], r["host"]
' || e2e_fail "stored record fields"
agent_stop
exec 3>&-
saved=$(awk '{print $2}' "$AG_STATE/kmsg.state")
last=$(tail -n 1 "$E2E_TMP/all.kmsg" | cut -d, -f2)
[ "$saved" = "$last" ] || e2e_fail "kmsg.state at $saved, last record $last"
e2e_log "stopped at kmsg record $saved"

# Restart on the same log: everything is skipped, nothing is sent.
agent_conf collector="udp://127.0.0.1:$port" kmsg=yes kmsg_path="$E2E_TMP/all.kmsg"
agent_start
e2e_wait_for 10 status_ge kmsg_skipped "$(wc -l <"$E2E_TMP/all.kmsg")" ||
	e2e_fail "restart did not skip the handled records: $(agent_status kmsg_skipped)"
[ "$(agent_status reports)" -eq 0 ] || e2e_fail "restart produced $(agent_status reports) reports again"
[ "$(agent_status datagrams)" -eq 0 ] || e2e_fail "restart sent datagrams"
agent_stop

# Lose the position (a crash before it was saved): the same records come
# again under the same ids; the collector acknowledges them as duplicates.
rm -f "$AG_STATE/kmsg.state"
agent_start
e2e_wait_for 30 status_ge acked 30 || e2e_fail "re-sent records not acked: $(agent_status acked)"
e2e_wait_for 10 spool_empty || e2e_fail "spool not empty after replay"
e2e_wait_for 5 col_status_ge duplicates 30 || e2e_fail "collector duplicates: $(col_status duplicates)"
[ "$(col_stored)" -eq 30 ] || e2e_fail "replay stored $(col_stored) records, want 30"
agent_stop
col_stop
e2e_log "pass: 30 crashes stored once; restart resumes; a replay keeps ids"
