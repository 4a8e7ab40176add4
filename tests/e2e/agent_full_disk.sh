#!/usr/bin/env bash
# Scenario: the spool's file system fills up (a 96 KiB tmpfs) while the
# collector is down.  The agent keeps running, says so in its log, counts
# the failed writes, keeps the record it could not spool in memory and
# pauses reading kmsg (no record dropped); once the collector is up and
# the acknowledged records free the space, everything arrives and nothing
# is lost.  agent_kmsg_full_disk.sh adds 100 reports and a restart.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/agent.sh"
e2e_init agent_full_disk
e2e_need_bin oops-agent
e2e_need_root
agent_setup

mount -t tmpfs -o size=96k,nr_inodes=1000 oopsd-e2e-spool "$AG_SPOOL" ||
	e2e_skip "cannot mount a tmpfs"
e2e_at_exit "umount -l $AG_SPOOL"
port=$(e2e_free_port udp)
# 40 reports of about 1.3 KiB spooled: 4 KiB pages, room for about 23.
agent_kmsg_gen 40 1 100 >"$E2E_TMP/kmsg"
agent_conf collector="udp://127.0.0.1:$port" kmsg=yes kmsg_path="$E2E_TMP/kmsg" \
	pstore_dir= retry_min=50ms retry_max=200ms
agent_start
e2e_wait_for 30 status_ge spool_write_errors 1 || e2e_fail "the spool never filled up"
e2e_wait_for 10 status_ge memory_queue 1 || e2e_fail "nothing waits in memory"
kill -0 "$AGENT_PID" || e2e_fail "the agent died on a full disk"
grep -q "No space left on device" "$AG_LOG" || e2e_fail "no log line about the full disk"
e2e_log "disk full: $(agent_status spool_pending) spooled, $(agent_status memory_queue) in memory"
[ "$(agent_status memory_queue_dropped)" -eq 0 ] || e2e_fail "records lost in memory"

rx_start "udp://127.0.0.1:$port"
e2e_wait_for 60 rx_has 40 || e2e_fail "only $(rx_distinct)/40 arrived"
e2e_wait_for 20 spool_empty || e2e_fail "spool not empty"
e2e_wait_for 10 status_ge acked 40 || e2e_fail "acked $(agent_status acked)"
[ "$(agent_status memory_queue)" -eq 0 ] || e2e_fail "records still in memory"
[ "$(rx_dups)" -eq 0 ] || e2e_fail "duplicate ids"
agent_stop
rx_stop
e2e_log "pass"
