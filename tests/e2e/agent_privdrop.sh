#!/usr/bin/env bash
# Scenario: privileges.  Started as root with user = nobody, oops-agent
# runs as nobody, with CAP_DAC_OVERRIDE alone permitted while the pstore
# source is on, lowered while pstore content is decoded and parsed (issue
# 17: it parsed hostile pstore content with it; pstore_options.read_done,
# test_pstore) and effective otherwise (its own state files may be in a
# folder a unit made root's); it still reads a root-only pstore dump and deletes it after the
# ack, under its seccomp filter,
# and with no capability at all without pstore (kmsg still saves its
# position: the state directory was opened before the drop).  A user that
# does not exist is a warning, not an error.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/agent.sh"
e2e_init agent_privdrop
e2e_need_bin oops-agent oops-collector oopsctl
e2e_need_root
id nobody >/dev/null 2>&1 || e2e_skip "no user nobody"
agent_setup
nobody=$(id -u nobody)

port=$(e2e_free_port udp)
col_start "$port"
{
	echo "Oops#1 Part1"
	awk '{printf "<4>[  123.%06d] %s\n", NR, $0}' "$E2E_ROOT/tests/data/agent/warning.log"
} >"$AG_PSTORE/dmesg-ramoops-0"
chmod 0400 "$AG_PSTORE/dmesg-ramoops-0"
chmod 0700 "$AG_PSTORE"
agent_kmsg_gen 2 1 100 >"$E2E_TMP/kmsg"
chmod 0600 "$E2E_TMP/kmsg"

proc_field() { awk -v k="$2:" '$1 == k {print $2}' "/proc/$1/status"; }

agent_conf collector="udp://127.0.0.1:$port" user=nobody kmsg=yes kmsg_path="$E2E_TMP/kmsg"
agent_start
e2e_wait_for 20 col_has 3 || e2e_fail "only $(col_stored)/3 stored ($(tail -n 3 "$AG_LOG"))"
[ "$(proc_field "$AGENT_PID" Uid)" = "$nobody" ] || e2e_fail "not running as nobody: $(grep Uid "/proc/$AGENT_PID/status")"
[ "$(proc_field "$AGENT_PID" CapEff)" = "0000000000000002" ] ||
	e2e_fail "effective capabilities $(proc_field "$AGENT_PID" CapEff) while idle, want CAP_DAC_OVERRIDE alone"
[ "$(proc_field "$AGENT_PID" CapPrm)" = "0000000000000002" ] || e2e_fail "permitted capabilities"
e2e_wait_for 10 test ! -e "$AG_PSTORE/dmesg-ramoops-0" || e2e_fail "root-only pstore file not removed after the ack"
[ "$(stat -c %u "$AG_SPOOL")" = "$nobody" ] || e2e_fail "spool not handed to nobody"
grep -q "running as nobody (keeping CAP_DAC_OVERRIDE for pstore)" "$AG_LOG" || e2e_fail "no log line"
agent_stop

# Without pstore: nothing kept; the kmsg position is still saved.
agent_kmsg_gen 3 1 100 >"$E2E_TMP/kmsg"
agent_conf collector="udp://127.0.0.1:$port" user=nobody kmsg=yes kmsg_path="$E2E_TMP/kmsg" pstore_dir=
agent_start
e2e_wait_for 20 col_has 4 || e2e_fail "only $(col_stored)/4 stored"
[ "$(proc_field "$AGENT_PID" CapEff)" = "0000000000000000" ] || e2e_fail "capabilities kept without pstore"
[ "$(proc_field "$AGENT_PID" Uid)" = "$nobody" ] || e2e_fail "not nobody"
agent_stop
[ "$(awk '{print $2}' "$AG_STATE/kmsg.state")" = "$(tail -n 1 "$E2E_TMP/kmsg" | cut -d, -f2)" ] ||
	e2e_fail "kmsg position not saved as nobody"

# A user that does not exist: a warning, and the agent runs on.
agent_conf collector="udp://127.0.0.1:$port" user=oopsd-e2e-no-such-user pstore_dir=
agent_start
e2e_wait_for 10 grep -q "does not exist: running as root" "$AG_LOG" || e2e_fail "no warning for a missing user"
e2e_wait_for 5 kill -0 "$AGENT_PID" || e2e_fail "agent exited"
agent_stop
col_stop
e2e_log "pass"
