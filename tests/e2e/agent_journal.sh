#!/usr/bin/env bash
# Scenario: the journal source (CONFIG_AGENT_JOURNAL).  A journal
# directory made by systemd-journal-remote from the journal export format
# holds the kernel messages of three boots: one after the agent's first
# start that the agent never ran in (a WARNING: sent once, origin
# "journal", that boot as the crashed boot), one older than the agent's
# first start (history: not sent) and the current boot (kmsg's: not
# sent).  A restart sends nothing again.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/agent.sh"
e2e_init agent_journal
e2e_need_bin oops-agent oopsctl
"$OOPSD_BIN/oops-agent" --help | grep -q '^ *journal ' || e2e_skip "agent without the journal key"
"$OOPSD_BIN/oops-agent" -n -c /dev/null -o journal=yes -o pstore_dir= \
	-o spool_dir="$E2E_TMP/x" -o state_dir="$E2E_TMP/y" -o kdump_dir= -o pstore_archive= \
	2>&1 | grep -q 'without CONFIG_AGENT_JOURNAL' && e2e_skip "built without CONFIG_AGENT_JOURNAL"
JR=/lib/systemd/systemd-journal-remote
[ -x "$JR" ] || e2e_skip "systemd-journal-remote not installed (scripts/install-deps)"
agent_setup
J=$E2E_TMP/journal
mkdir -p "$J"
port=$(e2e_free_port udp)
agent_conf collector="udp://127.0.0.1:$port" pstore_dir= journal=yes journal_dir="$J"

# First start: the agent notes when it started; nothing to read yet.
agent_start
e2e_wait_for 10 test -s "$AG_STATE/journal.state" || e2e_fail "no journal.state"
agent_stop
since=$(sed -n 's/^since //p' "$AG_STATE/journal.state")
[ -n "$since" ] || e2e_fail "no since line"

me=$(tr -d - </proc/sys/kernel/random/boot_id)
unwatched=0123456789abcdef0123456789abcdef
old=fedcba9876543210fedcba9876543210
/usr/bin/python3 - "$E2E_ROOT/tests/data/agent/warning.log" "$since" "$unwatched" "$old" "$me" \
	>"$E2E_TMP/export.txt" <<'PY'
import sys
lines = open(sys.argv[1]).read().splitlines()
since = int(sys.argv[2])
for boot, t0, fn in ((sys.argv[4], since - 3600 * 10**6, "old_fn"),
                     (sys.argv[3], since + 10**6, "lost_fn"),
                     (sys.argv[5], since + 2 * 10**6, "mine_fn")):
    for i, l in enumerate(["Linux version 6.1.0-99-amd64"] + lines):
        print(f"__REALTIME_TIMESTAMP={t0 + i}\n__MONOTONIC_TIMESTAMP={5000000 + i}\n"
              f"_BOOT_ID={boot}\n_TRANSPORT=kernel\nPRIORITY=4\n"
              f"_SOURCE_MONOTONIC_TIMESTAMP={5000000 + i * 10}\n"
              f"MESSAGE={l.replace('foo_tx', fn)}\n")
PY
"$JR" --output="$J/remote.journal" "$E2E_TMP/export.txt" >/dev/null 2>&1 ||
	e2e_fail "systemd-journal-remote failed"

rx_start "udp://127.0.0.1:$port" --out "$E2E_TMP/records"
rm -f "$AG_STATE/agent.status"
agent_start
e2e_wait_for 20 rx_has 1 || e2e_fail "the unwatched boot's WARNING did not arrive"
e2e_wait_for 10 status_ge acked 1 || e2e_fail "not acked"
[ "$(agent_status journal_boots_read)" = 1 ] || e2e_fail "boots read: $(agent_status journal_boots_read)"
[ "$(agent_status journal_boots_old)" = 1 ] || e2e_fail "old boot not skipped"
"$OOPSD_BIN/oopsctl" decode "$E2E_TMP/records" >"$E2E_TMP/records.json"
/usr/bin/python3 - "$E2E_TMP/records.json" "$unwatched" <<'PY' || e2e_fail "record fields"
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
assert len(recs) == 1, [r["title"] for r in recs]
r = recs[0]
assert r["source"] == "journal", r["source"]
assert "lost_fn" in r["title"], r["title"]
assert r["host"]["boot_id"] == sys.argv[2] and r["host"]["boot_id_is_crashed_boot"], r["host"]
PY
agent_stop
rm -f "$AG_STATE/agent.status"
agent_start
e2e_wait_for 10 test -s "$AG_STATE/agent.status" || e2e_fail "no status"
[ "$(agent_status journal_boots_read)" = 0 ] || e2e_fail "restart read a boot again"
[ "$(agent_status datagrams)" = 0 ] || e2e_fail "restart sent again"
agent_stop
rx_stop
[ "$RX_RECORDS" = 1 ] || e2e_fail "received $RX_RECORDS records, want 1"
e2e_log "pass"
