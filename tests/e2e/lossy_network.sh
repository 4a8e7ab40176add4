#!/bin/bash
# lossy_network - a board and a collector in two network namespaces joined
# by a veth pair.  nftables drops 30% of the datagrams arriving on each side
# (on input, so the sender sees no error, as with loss on a wire);
# a seeded chaos relay in front of the collector duplicates 10% and
# reorders 20% of them, both ways.  The agent reads 1,000 real-kernel
# WARNING reports (tests/e2e/lib/gen_kmsg.py) from a /dev/kmsg-format file.
#
#  1. While they ship, the collector is SIGKILLed and restarted (at ~30%),
#     then the agent is SIGKILLed and restarted (at ~60%).  At the end the
#     store holds each of the 1,000 records exactly once.
#  2. The board's spool is on a small tmpfs that is full; 20 more kmsg
#     reports come in and a pstore folder with two real ramoops dumps (a
#     BUG and a panic) is there; then space is freed.  Nothing is lost,
#     nothing duplicated, and the pstore entries are removed after the ack.
#     (20 stays within what the agent holds in memory while it cannot
#     spool; kmsg records beyond that are dropped and counted by design.)
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/oopsd.sh"
e2e_init lossy_network
e2e_need_root
e2e_need_cmd ip nft ss /usr/bin/python3
e2e_need_bin oops-agent oops-collector oopsctl
e2e_has_key oops-agent kmsg_path || e2e_skip "oops-agent has no kmsg_path (test input)"

N=${LOSSY_RECORDS:-1000}
N2=20
SEED=${LOSSY_SEED:-20261121}
LIB=$E2E_ROOT/tests/e2e/lib

# ---- the network: board 192.0.2.1 <-> collector 192.0.2.2 ---------------
B=$(e2e_netns board)
C=$(e2e_netns coll)
vb=e2eb$$
vc=e2ec$$
ip link add "$vb" type veth peer name "$vc" || e2e_fail "veth"
e2e_at_exit "ip link delete $vb"
ip link set "$vb" netns "$B"
ip link set "$vc" netns "$C"
ip -n "$B" addr add 192.0.2.1/24 dev "$vb"
ip -n "$C" addr add 192.0.2.2/24 dev "$vc"
ip -n "$B" link set "$vb" up
ip -n "$C" link set "$vc" up
for side in "$B:$vb" "$C:$vc"; do
	ns=${side%%:*}
	dev=${side#*:}
	ip netns exec "$ns" nft -f - <<EOF || e2e_fail "nft rules"
table inet e2e_chaos {
	chain in {
		type filter hook input priority 0; policy accept;
		iifname "$dev" meta l4proto udp numgen random mod 100 < 30 counter drop
	}
}
EOF
done
e2e_log "namespaces $B, $C; 30% UDP loss each way"

# ---- the collector and the chaos relay, in the collector namespace -------
e2e_collector_start "$C"
relay_port=$(e2e_free_port udp)
e2e_bg "$E2E_TMP/relay.log" ip netns exec "$C" /usr/bin/python3 "$LIB/chaosrelay.py" \
	192.0.2.2 "$relay_port" 127.0.0.1 "$E2E_COLLECTOR_PORT" "$SEED" 10 20
RELAY_PID=$E2E_LAST_PID
e2e_wait_for 10 e2e_udp_bound "$relay_port" "$C" || e2e_fail "relay did not start"

# ---- the agent, in the board namespace -----------------------------------
next_seq=$(/usr/bin/python3 "$LIB/gen_kmsg.py" "$E2E_TMP/kmsg1" "$E2E_TMP/counts1" \
	"$N" 1 37 crashmod_do_warn 10) || e2e_fail "gen_kmsg"
AGENT_DIR=$E2E_TMP/board
E2E_KMSG=yes e2e_agent_conf "$E2E_TMP/agent.conf" "udp://192.0.2.2:$relay_port" \
	"$AGENT_DIR" "kmsg_path=$E2E_TMP/kmsg1"
"$OOPSD_BIN/oops-agent" -n -c "$E2E_TMP/agent.conf" >/dev/null || e2e_fail "agent config"

AGENT_RUNS=0
agent_start() {
	AGENT_RUNS=$((AGENT_RUNS + 1))
	e2e_bg "$E2E_TMP/agent.$AGENT_RUNS.log" ip netns exec "$B" \
		"$OOPSD_BIN/oops-agent" -f -c "$1"
	AGENT_PID=$E2E_LAST_PID
	e2e_log "agent started (run $AGENT_RUNS, pid $AGENT_PID)"
}

t_start=$(date +%s)
agent_start "$E2E_TMP/agent.conf"

e2e_wait_for 180 e2e_count_at_least $((N * 3 / 10)) ||
	e2e_fail "fewer than 30% of the records stored after 180 s ($(e2e_stored_count))"
e2e_log "$(e2e_stored_count) stored: SIGKILL the collector"
e2e_collector_stop KILL
sleep 2	# the collector is down for a while; the agent keeps retrying
e2e_collector_restart

e2e_wait_for 180 e2e_count_at_least $((N * 6 / 10)) ||
	e2e_fail "fewer than 60% of the records stored after 180 s ($(e2e_stored_count))"
e2e_log "$(e2e_stored_count) stored: SIGKILL the agent"
e2e_stop "$AGENT_PID" KILL
agent_start "$E2E_TMP/agent.conf"

e2e_wait_for 300 e2e_count_at_least "$N" ||
	{ tail -n 20 "$E2E_TMP"/agent.*.log; e2e_fail "only $(e2e_stored_count) of $N records stored after 300 s"; }
e2e_wait_for 60 e2e_agent_idle "$AGENT_DIR" ||
	e2e_fail "the agent still has records pending after all were stored"
t_ship=$(( $(date +%s) - t_start ))
# Duplicates and retransmissions still in flight must not add records.
sleep 2
e2e_log "phase 1: $N records through the lossy link in ${t_ship}s"
grep -E '^(datagrams|retransmits|acked|acks|spool_duplicates) ' "$AGENT_DIR/state/agent.status"
e2e_export "$E2E_TMP/export1.jsonl" || e2e_fail "oopsctl export failed"
$E2E_RECORDS export "$E2E_TMP/export1.jsonl" --total "$N" --unique id \
	--all 'source~(?i)kmsg' --counts-file "$E2E_TMP/counts1" ||
	e2e_fail "phase 1: records lost or duplicated"

# ---- phase 2: the board's spool disk is full ------------------------------
e2e_stop "$AGENT_PID" TERM
full=$E2E_TMP/full
mkdir -p "$full"
mount -t tmpfs -o size=256k tmpfs "$full" || e2e_fail "mount tmpfs"
e2e_at_exit "umount -l $full"
mkdir -p "$full/spool"
dd if=/dev/zero of="$full/filler" bs=4k 2>/dev/null	# until ENOSPC
e2e_log "spool tmpfs: $(df -k "$full" | awk 'NR==2 { print $4 }') KiB free"
/usr/bin/python3 "$LIB/gen_kmsg.py" "$E2E_TMP/kmsg2" "$E2E_TMP/counts2" \
	"$N2" "$next_seq" 7 full_disk_warn $((10 + N + 100)) >/dev/null || e2e_fail "gen_kmsg"
cp "$E2E_ROOT/tests/data/qemu/pstore-ecc/"dmesg-ramoops-* "$AGENT_DIR/pstore/"
printf '1\tkernel BUG in crashmod_do_bug\n1\tkernel panic: crashmod: panic requested\n' \
	> "$E2E_TMP/counts3"
sed -e "s|^kmsg_path = .*|kmsg_path = $E2E_TMP/kmsg2|" \
	-e "s|^spool_dir = .*|spool_dir = $full/spool|" \
	"$E2E_TMP/agent.conf" > "$E2E_TMP/agent2.conf"
agent_start "$E2E_TMP/agent2.conf"
# Wait until the agent met the full disk: the 2 pstore records and the
# first kmsg report failed to spool, and kmsg reading paused (the other
# kmsg reports wait in the input, not in memory, so none can be dropped).
full_disk_met() {
	[ "$(e2e_agent_status "$AGENT_DIR" spool_write_errors)" -ge 3 ] 2>/dev/null &&
		[ "$(e2e_agent_status "$AGENT_DIR" kmsg_paused)" = 1 ]
}
e2e_wait_for 60 full_disk_met || e2e_fail "the agent did not report spool write errors"
stored=$(e2e_stored_count)
e2e_log "disk full: $stored stored, spool_write_errors $(e2e_agent_status "$AGENT_DIR" spool_write_errors), memory_queue $(e2e_agent_status "$AGENT_DIR" memory_queue)"
[ "$(e2e_agent_status "$AGENT_DIR" memory_queue_dropped)" = 0 ] ||
	e2e_fail "records dropped from memory on the full disk"
rm -f "$full/filler"
e2e_log "space freed"
e2e_wait_for 180 e2e_count_at_least $((N + N2 + 2)) || {
	tail -n 20 "$E2E_TMP/agent.$AGENT_RUNS.log"
	e2e_fail "after the disk-full episode only $(e2e_stored_count) of $((N + N2 + 2)) records stored"
}
e2e_wait_for 60 e2e_agent_idle "$AGENT_DIR" || e2e_fail "agent not idle"
sleep 2
pstore_emptied() { ! ls "$AGENT_DIR/pstore" | grep -q .; }
e2e_wait_for 30 pstore_emptied || e2e_fail "pstore entries not removed after the ack"
cat "$E2E_TMP/counts1" "$E2E_TMP/counts2" "$E2E_TMP/counts3" > "$E2E_TMP/counts"
e2e_export "$E2E_TMP/export2.jsonl" || e2e_fail "oopsctl export failed"
$E2E_RECORDS export "$E2E_TMP/export2.jsonl" --total $((N + N2 + 2)) --unique id \
	--counts-file "$E2E_TMP/counts" ||
	e2e_fail "phase 2: records lost or duplicated"

e2e_stop "$RELAY_PID" TERM
cat "$E2E_TMP/relay.log"
for ns in "$B" "$C"; do
	ip netns exec "$ns" nft list table inet e2e_chaos | grep -o 'counter packets [0-9]*' |
		sed "s/^/$ns dropped: /"
done
e2e_log "pass"
