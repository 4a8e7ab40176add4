#!/usr/bin/env bash
# Scenario: the netlink transport.  oops-agent ships to oops-collector on
# the same host over NETLINK_USERSOCK (collector = netlink:PORTID, the
# collector's listen_netlink); records found while the collector is not
# there wait, and each is stored once when it comes.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/agent.sh"
e2e_init agent_netlink
e2e_need_bin oops-agent oops-collector oopsctl
e2e_need_config TRANSPORT_NETLINK
agent_setup

portid=$(( 0x3d000000 + $$ ))
agent_kmsg_gen 25 1 100 >"$E2E_TMP/kmsg"
agent_conf collector="netlink:$portid" kmsg=yes kmsg_path="$E2E_TMP/kmsg" pstore_dir=
agent_start
e2e_wait_for 20 status_ge spool_pending 25 || e2e_fail "not spooled"
e2e_wait_for 10 status_ge send_errors 1 || e2e_fail "no send error while nobody listens"
col_start "$(e2e_free_port udp)" "$portid"
e2e_wait_for 30 col_has 25 || e2e_fail "only $(col_stored)/25 stored"
e2e_wait_for 10 spool_empty || e2e_fail "spool not empty"
e2e_wait_for 5 status_ge acked 25 || e2e_fail "acked $(agent_status acked)"
col_stop
[ "$(col_stored)" -eq 25 ] || e2e_fail "$(col_stored) stored, want 25"
agent_stop
e2e_log "pass"
