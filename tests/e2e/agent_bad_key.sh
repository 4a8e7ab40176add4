#!/usr/bin/env bash
# Scenario: HMAC authentication.  An agent with the wrong key gets its
# datagrams rejected and counted by oops-collector, and nothing leaves its
# spool; with the right key everything is stored once.  Acks signed with
# another key are refused by the agent too.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/agent.sh"
e2e_init agent_bad_key
e2e_need_bin oops-agent oops-collector oopsctl
agent_setup
printf '%064x\n' 1 | tr 0 a >"$E2E_TMP/good.key"
printf '%064x\n' 2 | tr 0 b >"$E2E_TMP/bad.key"
chmod 600 "$E2E_TMP/good.key" "$E2E_TMP/bad.key" # keys others can read are refused
e2e_need_config AUTH_HMAC

port=$(e2e_free_port udp)
col_start "$port" 0 "$E2E_TMP/good.key"
agent_kmsg_gen 10 1 100 >"$E2E_TMP/kmsg"
agent_conf collector="udp://127.0.0.1:$port" kmsg=yes kmsg_path="$E2E_TMP/kmsg" \
	pstore_dir= auth_key_file="$E2E_TMP/bad.key" retry_min=50ms retry_max=200ms
agent_start
e2e_wait_for 20 status_ge retransmits 3 || e2e_fail "no retransmissions"
[ "$(agent_status acked)" -eq 0 ] || e2e_fail "records acked with a bad key"
[ "$(spool_count)" -eq 10 ] || e2e_fail "spool: $(spool_count)"
[ "$(col_stored)" -eq 0 ] || e2e_fail "collector stored records with a bad tag"
e2e_wait_for 5 col_status_ge rejected_datagrams 1 || e2e_fail "collector did not count the rejections"
agent_stop
col_stop
e2e_log "bad key: $(col_status rejected_datagrams) datagrams rejected by the collector, 10 records still spooled"

# A receiver that takes anything but signs its acks with another key than
# the agent's: the agent refuses those acks.
rx_start "udp://127.0.0.1:$port" --ack-key "$E2E_TMP/good.key"
agent_start
e2e_wait_for 20 status_ge bad_acks 1 || e2e_fail "acks with a foreign tag not counted"
[ "$(agent_status acked)" -eq 0 ] || e2e_fail "acked by a foreign key"
agent_stop
rx_stop

agent_conf collector="udp://127.0.0.1:$port" kmsg=yes kmsg_path="$E2E_TMP/kmsg" \
	pstore_dir= auth_key_file="$E2E_TMP/good.key" retry_min=50ms retry_max=200ms
col_start "$port" 0 "$E2E_TMP/good.key"
agent_start
e2e_wait_for 20 col_has 10 || e2e_fail "only $(col_stored)/10 stored with the right key"
e2e_wait_for 10 spool_empty || e2e_fail "spool not empty"
[ "$(col_stored)" -eq 10 ] || e2e_fail "$(col_stored) stored, want 10"
agent_stop
col_stop
e2e_log "pass"
