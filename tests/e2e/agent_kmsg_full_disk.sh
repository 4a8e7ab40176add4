#!/usr/bin/env bash
# Scenario: 100 kmsg crash reports arrive (a file standing in for
# /dev/kmsg: it can be read again after a restart, as the kernel's ring
# buffer can) while the spool's file system (a 96 KiB tmpfs) is full and
# the collector is down.  The agent pauses reading instead of dropping
# reports from memory and never saves its kmsg position past a report it
# could not spool.  It is restarted while the disk is still full; then the
# collector comes up, acknowledged records free the space, and all 100
# reports are stored in the collector exactly once.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/agent.sh"
e2e_init agent_kmsg_full_disk
e2e_need_bin oops-agent oops-collector oopsctl
e2e_need_root
agent_setup

mount -t tmpfs -o size=96k,nr_inodes=1000 oopsd-e2e-spool "$AG_SPOOL" ||
	e2e_skip "cannot mount a tmpfs"
e2e_at_exit "umount -l $AG_SPOOL"
port=$(e2e_free_port udp)
per=$(( $(wc -l <"$E2E_ROOT/tests/data/agent/warning.log") + 1 ))
agent_kmsg_gen 100 1 100 >"$E2E_TMP/kmsg"
agent_conf collector="udp://127.0.0.1:$port" kmsg=yes kmsg_path="$E2E_TMP/kmsg" \
	pstore_dir= retry_min=50ms retry_max=200ms status_interval=200ms

# The saved position: none yet, or before the first report not spooled.
check_position() {
	local pending seq
	pending=$(spool_count)
	seq=$(awk '{print $2}' "$AG_STATE/kmsg.state" 2>/dev/null)
	e2e_log "$1: $pending spooled, kmsg position ${seq:-none}"
	[ "$pending" -lt 100 ] || e2e_fail "the disk never filled"
	[ -z "$seq" ] || [ "$seq" -lt $(( 100 + pending * per )) ] ||
		e2e_fail "position $seq passed unspooled reports ($pending spooled)"
}

agent_start
e2e_wait_for 30 status_ge spool_write_errors 1 || e2e_fail "the spool never filled up"
e2e_wait_for 10 status_ge kmsg_paused 1 || e2e_fail "kmsg reading did not pause"
kill -0 "$AGENT_PID" || e2e_fail "the agent died on a full disk"
grep -q "No space left on device" "$AG_LOG" || e2e_fail "no log line about the full disk"
[ "$(agent_status memory_queue_dropped)" -eq 0 ] || e2e_fail "records dropped in memory"
[ "$(agent_status memory_queue)" -le 1 ] ||
	e2e_fail "$(agent_status memory_queue) records wait in memory"
agent_stop
check_position "stopped while full"

# Restart, the disk still full: the reports not spooled are read again.
rm -f "$AG_STATE/agent.status"
agent_start
e2e_wait_for 30 status_ge spool_write_errors 1 || e2e_fail "the spool is not full after the restart"
e2e_wait_for 10 status_ge kmsg_paused 1 || e2e_fail "kmsg reading did not pause after the restart"
[ "$(agent_status memory_queue_dropped)" -eq 0 ] || e2e_fail "records dropped in memory"
check_position "restarted, still full"

col_start "$port"
e2e_wait_for 120 col_has 100 || e2e_fail "only $(col_stored)/100 stored"
e2e_wait_for 20 spool_empty || e2e_fail "spool not empty: $(spool_count)"
e2e_wait_for 10 status_ge kmsg_saved_seq $(( 100 + 100 * per - 1 )) ||
	e2e_fail "final position $(agent_status kmsg_saved_seq)"
[ "$(agent_status memory_queue_dropped)" -eq 0 ] || e2e_fail "records dropped in memory"
[ "$(agent_status memory_queue)" -eq 0 ] || e2e_fail "records still in memory"
[ "$(col_stored)" -eq 100 ] || e2e_fail "$(col_stored) stored, want 100"
[ "$(col_distinct)" -eq 100 ] || e2e_fail "$(col_distinct) distinct ids, want 100"
titles=$(col_export | /usr/bin/python3 -c '
import json, sys
print(len({json.loads(l)["title"] for l in sys.stdin if l.strip()}))')
[ "$titles" -eq 100 ] || e2e_fail "$titles distinct titles, want 100"
agent_stop
col_stop
e2e_log "pass: 100 reports stored once each across a full disk and a restart"
