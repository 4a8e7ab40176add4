#!/usr/bin/env bash
# Scenario: per-agent keys (issue 17, defect 8).  The collector holds the
# master key only; `oopsctl key` derives this machine's key from it; the
# agent with that key delivers everything once.  A key derived for
# another machine is refused by the agent at start-up, and the collector
# configured with auth_shared_key = no refuses an agent that still uses
# the master itself (the older, fleet-wide scheme).
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/agent.sh"
e2e_init agent_own_key
e2e_need_bin oops-agent oops-collector oopsctl
agent_setup
[ -s /etc/machine-id ] || e2e_skip "no /etc/machine-id"
head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$E2E_TMP/master.key"
echo >> "$E2E_TMP/master.key"
chmod 600 "$E2E_TMP/master.key"
e2e_need_config AUTH_HMAC
"$OOPSD_BIN/oopsctl" key --master "$E2E_TMP/master.key" "$(cat /etc/machine-id)" \
	> "$E2E_TMP/agent.key" || e2e_fail "oopsctl key failed"
"$OOPSD_BIN/oopsctl" key --master "$E2E_TMP/master.key" 0123456789abcdef0123456789abcdef \
	> "$E2E_TMP/other.key" || e2e_fail "oopsctl key failed"
chmod 600 "$E2E_TMP"/*.key
grep -q "^identity $(cat /etc/machine-id)$" "$E2E_TMP/agent.key" ||
	e2e_fail "key file without the identity: $(cat "$E2E_TMP/agent.key")"

port=$(e2e_free_port udp)
agent_kmsg_gen 10 1 100 >"$E2E_TMP/kmsg"
# The key of another machine: the agent says so and does not start.
agent_conf collector="udp://127.0.0.1:$port" kmsg=yes kmsg_path="$E2E_TMP/kmsg" \
	pstore_dir= auth_key_file="$E2E_TMP/other.key" retry_min=50ms retry_max=200ms
timeout 10 "$OOPSD_BIN/oops-agent" -f -c "$AG_CONF" > "$E2E_TMP/other.log" 2>&1 &&
	e2e_fail "agent started with another machine's key"
grep -q "the key of another agent" "$E2E_TMP/other.log" ||
	e2e_fail "no clear error: $(cat "$E2E_TMP/other.log")"

# The master used as a shared key (the older scheme), shared keys refused.
COL_EXTRA="auth_shared_key = no" col_start "$port" 0 "$E2E_TMP/master.key"
agent_conf collector="udp://127.0.0.1:$port" kmsg=yes kmsg_path="$E2E_TMP/kmsg" \
	pstore_dir= auth_key_file="$E2E_TMP/master.key" retry_min=50ms retry_max=200ms
agent_start
e2e_wait_for 20 col_status_ge rejected_shared_key 1 ||
	e2e_fail "a shared-key datagram was not refused"
[ "$(col_stored)" -eq 0 ] || e2e_fail "stored with the shared key refused"
agent_stop

# This machine's own key: everything once.
agent_conf collector="udp://127.0.0.1:$port" kmsg=yes kmsg_path="$E2E_TMP/kmsg" \
	pstore_dir= auth_key_file="$E2E_TMP/agent.key" retry_min=50ms retry_max=200ms
agent_start
e2e_wait_for 20 col_has 10 || e2e_fail "only $(col_stored)/10 stored with the agent's key"
e2e_wait_for 10 spool_empty || e2e_fail "spool not empty"
[ "$(col_distinct)" -eq 10 ] || e2e_fail "$(col_distinct) distinct, want 10"
agent_stop
col_stop
e2e_log "pass: the agent's own key delivers; another's key and the shared key are refused"
