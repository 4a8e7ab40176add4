#!/usr/bin/env bash
# Scenario: UDP over IPv6.  oops-agent ships to oops-collector on
# udp://[::1]:PORT; every record is stored once.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/agent.sh"
e2e_init agent_ipv6
e2e_need_bin oops-agent oops-collector oopsctl
[ -e /proc/net/if_inet6 ] && ip -6 addr show dev lo 2>/dev/null | grep -q '::1' ||
	e2e_skip "no IPv6 loopback"
agent_setup

port=$(e2e_free_port udp)
COL_HOST="[::1]" col_start "$port"
agent_kmsg_gen 12 1 100 >"$E2E_TMP/kmsg"
agent_conf collector="udp://[::1]:$port" kmsg=yes kmsg_path="$E2E_TMP/kmsg" pstore_dir=
agent_start
e2e_wait_for 30 col_has 12 || e2e_fail "only $(col_stored)/12 stored over IPv6"
e2e_wait_for 10 spool_empty || e2e_fail "spool not empty"
[ "$(col_stored)" -eq 12 ] || e2e_fail "$(col_stored) stored, want 12"
agent_stop
col_stop
e2e_log "pass"
