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

# The scan's file counters in the status file, summed over scans: a
# compressed dump no decoder reads and a file whose name is no pstore
# name are counted by each scan (dmesg-ramoops-2 is still there).
head -c 512 /dev/zero | tr '\0' '\245' >"$AG_PSTORE/dmesg-ramoops-3.enc.z"
echo hello >"$AG_PSTORE/not-a-pstore-name"
agent_start
e2e_wait_for 10 status_ge pstore_undecodable 1 || e2e_fail "undecodable dump not counted"
[ "$(agent_status pstore_bad_names)" = 1 ] || e2e_fail "bad name not counted"
[ "$(agent_status pstore_files_read)" = 3 ] || e2e_fail "files read: $(agent_status pstore_files_read), want 3"
[ "$(agent_status pstore_over_budget)" = 0 ] || e2e_fail "over budget without a budget"
kill -HUP "$AGENT_PID"
e2e_wait_for 10 status_ge pstore_scans 2 || e2e_fail "no rescan"
[ "$(agent_status pstore_undecodable)" = 2 ] || e2e_fail "undecodable not summed over scans"
[ "$(agent_status pstore_files_read)" = 6 ] || e2e_fail "files read not summed over scans"
kill -USR1 "$AGENT_PID"
e2e_wait_for 5 grep -q 'counters: .*pstore_undecodable 2' "$AG_LOG" ||
	e2e_fail "SIGUSR1 did not log the pstore file counters"
"$OOPSD_BIN/oopsctl" agent-status --state-dir "$AG_STATE" --json |
	/usr/bin/python3 -c '
import json, sys
s = json.load(sys.stdin)
assert s["pstore_undecodable"] == 2 and s["pstore_bad_names"] == 2, s
assert s["pstore_files_read"] == 6, s
' || e2e_fail "agent-status --json lacks the pstore file counters"
agent_stop
e2e_log "pass"
