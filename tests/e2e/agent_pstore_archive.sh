#!/usr/bin/env bash
# Scenario: the systemd-pstore archive (pstore_archive), as on a stock
# Debian server.  Each report reaches the collector once whichever place
# it is found in:
#  1. a crash in /sys/fs/pstore is sent and acknowledged; systemd-pstore
#     then moves it into the archive (top level + dmesg.txt) while the
#     agent runs, and a rescan (SIGHUP) does not send it again;
#  2. an EFI-style dump that only the archive holds (a subdirectory with
#     its dmesg.txt copy) is sent once, attributed to the previous boot;
#  3. a restart sends nothing again (the seen file), and nothing in the
#     archive is ever deleted, though pstore_remove = yes.
# The status file is fresh at start, after each ack and after a reload.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/agent.sh"
e2e_init agent_pstore_archive
e2e_need_bin oops-agent oopsctl
agent_setup
ARCH=$E2E_TMP/archive
mkdir -p "$ARCH"
FIX=$E2E_ROOT/tests/data/qemu

# systemd-pstore's move of the files in $1 into the archive dir $2: each
# file copied, then the originals unlinked; dmesg.txt repeats them
# highest name first, each after a "NAME:" line.
pstore_move() {
	local f
	: >"$2/dmesg.txt"
	# shellcheck disable=SC2045 # fixture names: no blanks
	for f in $(ls -r "$1"); do
		cp "$1/$f" "$2/$f"
		{ echo "$f:"; cat "$1/$f"; } >>"$2/dmesg.txt"
	done
	rm -f "$1"/*
}

cp "$FIX"/pstore-oops-oops-panic/* "$AG_PSTORE/"
want=$("$OOPSD_BIN/oopsctl" pstore --dir "$AG_PSTORE" --json | wc -l)
[ "$want" -ge 2 ] || e2e_fail "fixture: $want reports"
prev=0123456789abcdef0123456789abcdef
echo "$prev" >"$AG_STATE/boot_id"
port=$(e2e_free_port udp)
# A long status_interval: the status file must be written at start, after
# each acknowledgement and after a reload, not only by the timer.
agent_conf collector="udp://127.0.0.1:$port" pstore_archive="$ARCH" \
	pstore_remove=no status_interval=1h
rx_start "udp://127.0.0.1:$port"
agent_start
e2e_wait_for 20 rx_has "$want" || e2e_fail "pstore reports did not arrive"
e2e_wait_for 10 status_ge acked "$want" || e2e_fail "not acked"
e2e_log "$want reports from /sys/fs/pstore acknowledged"

# 1. systemd-pstore moves them while the agent runs; a rescan.
pstore_move "$AG_PSTORE" "$ARCH"
kill -HUP "$AGENT_PID"
e2e_wait_for 10 status_ge pstore_archive_skipped "$want" ||
	e2e_fail "archive copies not recognised ($(agent_status pstore_archive_skipped))"
[ "$(agent_status pstore_archive_sent)" = 0 ] || e2e_fail "moved reports sent again"
[ "$(rx_distinct)" = "$want" ] || e2e_fail "ids: $(rx_distinct), want $want"
e2e_log "moved to the archive: recognised, not sent again"

# 2. A dump only the archive holds, in a subdirectory with its copy.
sub=$ARCH/170000000
mkdir "$sub"
cp "$FIX"/pstore-panic/dmesg-ramoops-0 "$sub/"
{ echo "dmesg-ramoops-0:"; cat "$sub/dmesg-ramoops-0"; } >"$sub/dmesg.txt"
kill -HUP "$AGENT_PID"
e2e_wait_for 20 rx_has $((want + 1)) || e2e_fail "archive-only dump not sent"
e2e_wait_for 10 status_ge acked $((want + 1)) || e2e_fail "archive dump not acked"
[ "$(agent_status pstore_archive_sent)" = 1 ] ||
	e2e_fail "archive sent $(agent_status pstore_archive_sent), want 1 (dmesg.txt counted?)"
agent_stop

# 3. A restart: nothing again; nothing deleted from the archive.
agent_conf collector="udp://127.0.0.1:$port" pstore_archive="$ARCH"
rm -f "$AG_STATE/agent.status"
agent_start
e2e_wait_for 10 status_ge pstore_archive_skipped $((want + 1)) ||
	e2e_fail "restart: archive not skipped"
[ "$(agent_status datagrams)" = 0 ] || e2e_fail "restart sent again"
agent_stop
rx_stop
[ "$RX_RECORDS" = $((want + 1)) ] || e2e_fail "collector got $RX_RECORDS records, want $((want + 1))"
[ -f "$sub/dmesg-ramoops-0" ] && [ -f "$ARCH/dmesg-ramoops-0" ] ||
	e2e_fail "a file was deleted from the archive"
grep -q "^[0-9a-f]\{32\} $prev 1" "$AG_STATE/pstore.seen" ||
	e2e_fail "seen file: no acked entry of the previous boot"
e2e_log "pass"
