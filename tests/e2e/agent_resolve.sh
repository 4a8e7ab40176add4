#!/usr/bin/env bash
# Scenario: a collector given as a host name.  The agent runs in a
# private mount namespace whose /etc/hosts is a file of the test, with
# the default seccomp filter (kill):
#  1. the name does not resolve at start: the agent starts anyway and
#     spools (it used to exit);
#  2. the name then points at an address where nobody listens: resolved
#     again when sending fails, the collector is silent (one warning);
#  3. the name moves to the receiver's address: resolved again, the
#     record arrives once, and one info line says the collector answers.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/agent.sh"
e2e_init agent_resolve
e2e_need_bin oops-agent
[ "$(id -u)" = 0 ] || e2e_skip "needs root (a private mount namespace)"
command -v unshare >/dev/null || e2e_skip "no unshare"
unshare -m --propagation private true 2>/dev/null || e2e_skip "unshare -m not permitted here"
agent_setup
H=$E2E_TMP/hosts
printf '127.0.0.1 localhost\n' >"$H"
{
	echo "Oops#1 Part1"
	awk '{ printf "<4>[  123.%06d] %s\n", NR, $0 }' "$E2E_ROOT/tests/data/agent/warning.log"
} >"$AG_PSTORE/dmesg-ramoops-0"
port=$(e2e_free_port udp)
name=oopsd-collector.e2e.test
agent_conf collector="udp://$name:$port" pstore_remove=no \
	retry_min=100ms retry_max=400ms seccomp=kill
# Words before the agent's command line: bind the test's hosts file.
# shellcheck disable=SC2034 # read by agent_start (lib/agent.sh)
AGENT_RUN=(unshare -m --propagation private sh -c \
	'mount --bind "$0" /etc/hosts && exec "$@"' "$H")
agent_start
e2e_wait_for 10 grep -q "collector udp://$name:$port: cannot resolve" "$AG_LOG" ||
	e2e_fail "no 'cannot resolve' line at start"
e2e_wait_for 10 status_ge spool_pending 1 || e2e_fail "agent did not start and spool"
kill -0 "$AGENT_PID" || e2e_fail "agent exited"

# 2. An address nobody listens on.
printf '127.0.0.1 localhost\n127.0.0.2 %s\n' "$name" >"$H"
e2e_wait_for 10 grep -q "collector udp://$name:$port resolves to udp://127.0.0.2:$port (was unresolved)" "$AG_LOG" ||
	e2e_fail "not resolved again after a failed send"
e2e_wait_for 10 grep -q "is not answering" "$AG_LOG" || e2e_fail "no warning"

# 3. The receiver's address.
rx_start "udp://127.0.0.1:$port"
printf '127.0.0.1 localhost\n127.0.0.1 %s\n' "$name" >"$H"
e2e_wait_for 15 rx_has 1 || e2e_fail "record did not arrive after the name moved"
e2e_wait_for 10 grep -q 'answers again' "$AG_LOG" || e2e_fail "no 'answers again' line"
kill -0 "$AGENT_PID" || e2e_fail "agent died (seccomp?)"
agent_stop
rx_stop
[ "$(grep -c 'is not answering' "$AG_LOG")" = 1 ] || e2e_fail "warning not once"
[ "$(grep -c 'answers again' "$AG_LOG")" = 1 ] || e2e_fail "info not once"
[ "$RX_RECORDS" = 1 ] || e2e_fail "received $RX_RECORDS records, want 1"
e2e_log "pass"
