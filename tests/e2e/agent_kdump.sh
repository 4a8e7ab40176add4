#!/usr/bin/env bash
# Scenario: kdump-tools' /var/crash (kdump_dir), made by hand as
# `kdump-config savecore` leaves it: /var/crash/STAMP/dmesg.STAMP (the
# crashed kernel's log, here a WARNING then a panic) next to dump.STAMP.
# Beside it, what must not hurt: a directory whose name is no stamp, a
# stamp directory without dmesg (makedumpfile failed), a symlinked one, a
# dmesg that is a symlink, a FIFO named like a dmesg.  Each report
# arrives once, origin "kdump", with the crashed kernel's release (from
# the "Linux version" line when the report has none) and the previous
# boot as the crashed boot; a rescan and a restart send nothing again;
# nothing in /var/crash is deleted.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/agent.sh"
e2e_init agent_kdump
e2e_need_bin oops-agent oopsctl
agent_setup
C=$E2E_TMP/crash
st=202412061530
mkdir -p "$C/$st" "$C/202412050101" "$C/kdump_lock" "$E2E_TMP/elsewhere/202401010000"
{
	echo "[    0.000000] Linux version 6.1.0-99-amd64 (debian-kernel@lists.debian.org) #1 SMP PREEMPT_DYNAMIC Debian 6.1.999-1"
	cat "$E2E_ROOT/tests/data/parser/x86_64-warning.log"
	cat "$E2E_ROOT/tests/data/parser/x86_64-null-deref-panic.log"
} >"$C/$st/dmesg.$st"
head -c 4096 /dev/zero >"$C/$st/dump.$st"
# Saved by the capture kernel two minutes before this boot started.
boot_start=$(( $(date +%s) - $(cut -d. -f1 /proc/uptime) ))
touch -d "@$((boot_start - 120))" "$C/$st/dmesg.$st"
ln -s "$E2E_TMP/elsewhere/202401010000" "$C/202401010000"
cp "$C/$st/dmesg.$st" "$E2E_TMP/elsewhere/202401010000/dmesg.202401010000"
mkdir "$C/202412060000" "$C/202412060001"
ln -s "$C/$st/dmesg.$st" "$C/202412060000/dmesg.202412060000"
mkfifo "$C/202412060001/dmesg.202412060001"
want=$("$OOPSD_BIN/oopsctl" parse "$C/$st/dmesg.$st" 2>/dev/null | grep -c '^title' || true)
[ "$want" -ge 2 ] || want=2
prev=0123456789abcdef0123456789abcdef
echo "$prev" >"$AG_STATE/boot_id"
port=$(e2e_free_port udp)
agent_conf collector="udp://127.0.0.1:$port" pstore_dir= kdump_dir="$C"
rx_start "udp://127.0.0.1:$port" --out "$E2E_TMP/records"
agent_start
e2e_wait_for 20 rx_has "$want" || e2e_fail "kdump reports did not arrive ($(rx_distinct))"
e2e_wait_for 10 status_ge acked "$want" || e2e_fail "not acked"
"$OOPSD_BIN/oopsctl" decode "$E2E_TMP/records" >"$E2E_TMP/records.json"
/usr/bin/python3 - "$E2E_TMP/records.json" "$prev" "$want" <<'PY' || e2e_fail "record fields"
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
assert len(recs) == int(sys.argv[3]), len(recs)
titles = sorted(r["title"] for r in recs)
print(titles)
for r in recs:
    assert r["source"] == "kdump", r["source"]
    assert r["host"]["boot_id"] == sys.argv[2] and r["host"]["boot_id_is_crashed_boot"], r["host"]
    assert r.get("release"), r.keys()
    assert r["files"] == ["202412061530/dmesg.202412061530"], r["files"]
assert any("WARNING" in t for t in titles), titles
PY
[ "$(agent_status kdump_bad_names)" = 1 ] || e2e_fail "bad names: $(agent_status kdump_bad_names)"
[ "$(agent_status kdump_unreadable)" -ge 3 ] || e2e_fail "unreadable: $(agent_status kdump_unreadable)"

kill -HUP "$AGENT_PID"
e2e_wait_for 10 status_ge kdump_scans 2 || e2e_fail "no rescan"
[ "$(agent_status kdump_sent)" = "$want" ] || e2e_fail "rescan sent again"
agent_stop
rm -f "$AG_STATE/agent.status"
agent_start
e2e_wait_for 10 status_ge kdump_skipped "$want" || e2e_fail "restart: not skipped"
[ "$(agent_status datagrams)" = 0 ] || e2e_fail "restart sent again"
agent_stop
rx_stop
[ "$RX_RECORDS" = "$want" ] || e2e_fail "received $RX_RECORDS records, want $want"
[ -f "$C/$st/dmesg.$st" ] && [ -f "$C/$st/dump.$st" ] || e2e_fail "something deleted"
e2e_log "pass"
