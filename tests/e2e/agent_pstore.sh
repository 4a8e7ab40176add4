#!/usr/bin/env bash
# Scenario: the pstore source.  A ramoops directory holding the previous
# boot's oops is scanned at start-up; the record says which boot crashed
# (the one the agent saw before this one); the pstore file is deleted only
# after the acknowledgement (pstore_remove = yes).  With pstore_remove = no
# the file stays and a restart does not send it again.  SIGHUP rescans.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/agent.sh"
e2e_init agent_pstore
e2e_need_bin oops-agent oopsctl
agent_setup

# A dmesg record as ramoops writes it: the header line, then the log.
mkdump() {
	{
		echo "Oops#1 Part1"
		awk -v f="$2" '{ gsub(/foo_tx/, f); printf "<4>[  123.%06d] %s\n", NR, $0 }' \
			"$E2E_ROOT/tests/data/agent/warning.log"
	} >"$AG_PSTORE/$1"
}
mkdump dmesg-ramoops-0 foo_tx
prev=0123456789abcdef0123456789abcdef
echo "$prev" >"$AG_STATE/boot_id"   # the agent ran in that boot
port=$(e2e_free_port udp)
agent_conf collector="udp://127.0.0.1:$port"
agent_start
e2e_wait_for 10 status_ge spool_pending 1 || e2e_fail "pstore record not spooled"
[ -f "$AG_PSTORE/dmesg-ramoops-0" ] || e2e_fail "pstore file removed before the ack"
rx_start "udp://127.0.0.1:$port" --out "$E2E_TMP/records"
e2e_wait_for 20 rx_has 1 || e2e_fail "record did not arrive"
e2e_wait_for 10 test ! -e "$AG_PSTORE/dmesg-ramoops-0" || e2e_fail "pstore file not removed after the ack"
json=$("$OOPSD_BIN/oopsctl" decode "$E2E_TMP/records")
echo "$json" | head -c 600; echo
/usr/bin/python3 - "$json" "$prev" <<'PY' || e2e_fail "record fields"
import json, sys
r = json.loads(sys.argv[1].splitlines()[0])
assert r["title"] == "WARNING in foo_tx", r["title"]
h = r["host"]
assert h["boot_id"] == sys.argv[2] and h["boot_id_is_crashed_boot"], h
assert h["collected_boot_id"] != sys.argv[2], h
assert r["source"].startswith("pstore"), r["source"]
PY

# SIGHUP: a new dump appears and is found without a restart.
mkdump dmesg-ramoops-1 bar_rx
kill -HUP "$AGENT_PID"
e2e_wait_for 20 rx_has 2 || e2e_fail "rescan did not find the new dump"
e2e_wait_for 10 test ! -e "$AG_PSTORE/dmesg-ramoops-1" || e2e_fail "second file not removed"
agent_stop

# pstore_remove = no: acknowledged, kept, and not sent again.
mkdump dmesg-ramoops-2 baz_io
agent_conf collector="udp://127.0.0.1:$port" pstore_remove=no
agent_start
e2e_wait_for 20 rx_has 3 || e2e_fail "third dump did not arrive"
e2e_wait_for 10 status_ge acked 1 || e2e_fail "not acked"
agent_stop
[ -f "$AG_PSTORE/dmesg-ramoops-2" ] || e2e_fail "pstore_remove = no removed the file"
lines=$(wc -l <"$AG_IDS")
agent_start
e2e_wait_for 10 status_ge pstore_skipped_acked 1 || e2e_fail "restart did not skip the acked dump"
[ "$(agent_status datagrams)" -eq 0 ] || e2e_fail "restart sent the acked dump again"
agent_stop
rx_stop
[ "$(wc -l <"$AG_IDS")" -eq "$lines" ] || e2e_fail "ids grew"
e2e_log "pass"
