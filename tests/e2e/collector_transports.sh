#!/usr/bin/env bash
# Scenario: the collector's listeners.  One dual-stack UDP socket
# (udp://[::]:PORT) takes records over IPv6 (::1) and IPv4 (127.0.0.1);
# a real oops-agent on the same host ships a captured pstore dump over
# netlink (NETLINK_USERSOCK, the collector's port id) and removes the
# pstore file once acknowledged.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/collector.sh"
e2e_init collector_transports
coll_need
e2e_need_bin oops-agent
[ -e /proc/net/if_inet6 ] || e2e_skip "no IPv6 on this machine"
portid=$((100000 + $$ % 100000))
COLL_PORT=$(e2e_free_port udp)
coll_start listen="udp://[::]:$COLL_PORT" listen_netlink=$portid
"$BLAST" -n 100 -s 51 -t 20 "udp://[::1]:$COLL_PORT" || e2e_fail "IPv6 records not acked"
"$BLAST" -n 100 -s 52 -t 20 "udp://127.0.0.1:$COLL_PORT" || e2e_fail "IPv4 records not acked"
mkdir -p "$E2E_TMP/pstore" "$E2E_TMP/spool" "$E2E_TMP/state"
cp "$E2E_ROOT"/tests/data/qemu/pstore-panic/* "$E2E_TMP/pstore/"
cat >"$E2E_TMP/agent.conf" <<CONF
collector = netlink:$portid
pstore_dir = $E2E_TMP/pstore
pstore_archive =
kdump_dir =
journal = no
spool_dir = $E2E_TMP/spool
state_dir = $E2E_TMP/state
kmsg = no
user =
CONF
e2e_bg "$E2E_TMP/agent.log" "$OOPSD_BIN/oops-agent" -f -c "$E2E_TMP/agent.conf"
pstore_empty() { [ -z "$(ls -A "$E2E_TMP/pstore")" ]; }
e2e_wait_for 30 pstore_empty || e2e_fail "agent's record not acked over netlink: $(cat "$E2E_TMP/agent.log")"
[ "$(coll_records)" -eq 201 ] || e2e_fail "store has $(coll_records) records, want 201"
"$OOPSD_BIN/oopsctl" export --json --store "$COLL_STORE" |
	grep -q "\"received_from\":\"netlink:" || e2e_fail "no record from netlink"
e2e_log "ok"
