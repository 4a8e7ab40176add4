#!/usr/bin/env bash
# Scenario: contrib/openwrt's procd init script under BusyBox sh.  Its
# syntax is checked, then it runs through a stub of /etc/rc.common and
# procd (tests/e2e/lib/recipes/openwrt/rc.common) with its paths pointed
# into the test: `start` checks the configuration and opens one instance,
# whose command (the agent in the foreground) ships a pstore dump to a
# receiver on loopback; `reload` with agent.conf unchanged keeps the
# instance and sends it SIGHUP; `reload` after agent.conf changed
# restarts it; a bad agent.conf makes `start` fail with the file:line
# reason in the log and no instance.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/agent.sh"
e2e_init procd_init
e2e_need_bin oops-agent
[ -x /bin/busybox ] || e2e_skip "no /bin/busybox (busybox-static)"
src=$E2E_ROOT/contrib/openwrt/oopsd/files/oops-agent.init
/bin/busybox sh -n "$src" || e2e_fail "BusyBox sh: syntax error in $src"

agent_setup
# The script as installed, with its three paths in the test's tree (only
# the PROG=, CONF= and PSTORE= lines change).
script=$E2E_TMP/oops-agent.init
sed -e "s|^PROG=.*|PROG=$OOPSD_BIN/oops-agent|" -e "s|^CONF=.*|CONF=$AG_CONF|" \
	-e "s|^PSTORE=.*|PSTORE=$AG_PSTORE|" "$src" > "$script"
[ "$(diff "$src" "$script" | grep -c '^>')" -eq 3 ] || e2e_fail "path rewrite changed more than 3 lines"
export PROCD_DIR=$E2E_TMP/procd
mkdir -p "$PROCD_DIR"
rc() { /bin/busybox sh "$E2E_ROOT/tests/e2e/lib/recipes/openwrt/rc.common" "$script" "$@"; }
instance_pid() { cat "$PROCD_DIR/pid"; }
e2e_at_exit 'kill $(cat "$PROCD_DIR/pid" 2>/dev/null) 2>/dev/null'

port=$(e2e_free_port udp)
rx_start "udp://127.0.0.1:$port"
{
	echo "Oops#1 Part1"
	awk '{ gsub(/foo_tx/, "procd_fn"); printf "<4>[  12.%06d] %s\n", NR, $0 }' \
		"$E2E_ROOT/tests/data/agent/warning.log"
} > "$AG_PSTORE/dmesg-ramoops-0"
agent_conf collector="udp://127.0.0.1:$port"

rc start || e2e_fail "start failed: $(cat "$PROCD_DIR/calls")"
grep -qx "set_param command $OOPSD_BIN/oops-agent -f -c $AG_CONF" "$PROCD_DIR/calls" ||
	e2e_fail "command: $(grep 'command' "$PROCD_DIR/calls")"
grep -qx "set_param respawn 3600 5 5" "$PROCD_DIR/calls" || e2e_fail "no respawn"
grep -qx "set_param file $AG_CONF" "$PROCD_DIR/calls" || e2e_fail "no reload on agent.conf"
grep -qx "mount -t pstore pstore $AG_PSTORE" "$PROCD_DIR/calls" ||
	e2e_fail "an unmounted pstore was not mounted"
e2e_wait_for 30 rx_has 1 || e2e_fail "the instance shipped nothing: $(tail -n 5 "$PROCD_DIR/instance.log")"
e2e_wait_for 10 test ! -e "$AG_PSTORE/dmesg-ramoops-0" || e2e_fail "pstore file not removed after the ack"
first=$(instance_pid)
e2e_log "start: instance $first shipped the pstore dump"

# reload, agent.conf unchanged: same instance, SIGHUP (rescan, retransmit).
rc reload || e2e_fail "reload failed"
grep -q "instance unchanged" "$PROCD_DIR/calls" || e2e_fail "reload restarted an unchanged instance"
[ "$(instance_pid)" = "$first" ] || e2e_fail "the instance changed"
e2e_wait_for 10 grep -q "SIGHUP" "$PROCD_DIR/instance.log" ||
	e2e_fail "the instance got no SIGHUP: $(grep send_signal "$PROCD_DIR/calls")"

# reload after agent.conf changed: procd restarts the instance.
agent_conf collector="udp://127.0.0.1:$port" status_interval=1s
rc reload || e2e_fail "reload failed"
grep -q "instance restarted" "$PROCD_DIR/calls" || e2e_fail "a changed agent.conf did not restart the instance"
[ "$(instance_pid)" != "$first" ] && kill -0 "$(instance_pid)" ||
	e2e_fail "no new instance running"
e2e_log "reload: SIGHUP when unchanged, restart when agent.conf changed"
rc stop
rx_stop

# A bad agent.conf: no instance, the reason in the log.
echo "no_such_key = 1" >> "$AG_CONF"
: > "$PROCD_DIR/calls"
if rc start; then e2e_fail "start succeeded with a bad agent.conf"; fi
grep -q "open_instance" "$PROCD_DIR/calls" && e2e_fail "an instance was opened with a bad agent.conf"
grep -q "^logger -t oops-agent: .*agent.conf:[0-9]*: " "$PROCD_DIR/calls" ||
	e2e_fail "no file:line reason logged: $(cat "$PROCD_DIR/calls")"
e2e_log "pass"
