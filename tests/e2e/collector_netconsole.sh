#!/usr/bin/env bash
# Scenario: a machine with no agent streams its console (netconsole,
# legacy format) to the collector; the crash in it becomes a record with
# origin netconsole and the sender's address as its host, visible in
# `oopsctl top` and `oopsctl export`.  Stopped, it leaves a status file
# that still has the netconsole_* counters.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/collector.sh"
e2e_init collector_netconsole
coll_need
ncport=$(e2e_free_port udp)
coll_start netconsole_listen=127.0.0.1:$ncport
exec 3>/dev/udp/127.0.0.1/"$ncport"
sent=0
while IFS= read -r line; do
	printf '%s\n' "$line" >&3
	sent=$((sent + 1))
done <"$E2E_ROOT/tests/data/netconsole/kernel-bug.log"
exec 3>&-
coll_wait_stat stored 1 20 || e2e_fail "no netconsole report stored"
top=$("$OOPSD_BIN/oopsctl" top --json --store "$COLL_STORE")
echo "$top"
echo "$top" | grep -q '"title":"kernel BUG in ext4_writepages"' ||
	e2e_fail "wrong title"
"$OOPSD_BIN/oopsctl" export --json --store "$COLL_STORE" >"$E2E_TMP/export"
grep -q '"source":"netconsole"' "$E2E_TMP/export" || e2e_fail "origin not netconsole"
"$OOPSD_BIN/oopsctl" hosts --json --store "$COLL_STORE" | grep -q '"host":"127.0.0.1"' ||
	e2e_fail "host is not the sender's address"
# The last status file, written at exit, has the netconsole counters.
e2e_stop "$COLL_PID" TERM
[ "$(coll_stat netconsole_datagrams)" = "$sent" ] ||
	e2e_fail "final status: netconsole_datagrams $(coll_stat netconsole_datagrams), sent $sent"
[ "$(coll_stat netconsole_rcvbuf)" -gt 0 ] || e2e_fail "final status: no netconsole_rcvbuf"
e2e_log "ok"
