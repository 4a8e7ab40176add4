#!/usr/bin/env bash
# Scenario: the agent starts on a spool directory full of garbage: 300
# files with spool names and random bytes, empty ones, one of 2 GiB
# (sparse), a symlink to /etc/passwd, a FIFO and a directory under spool
# names, plus files that are not spool names at all.  None of it may stop
# the agent: corrupt files are moved to quarantine/ and counted, what is
# not a regular file is left alone, and new crashes are still spooled and
# delivered exactly once.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/agent.sh"
e2e_init limits_spool_garbage
e2e_need_bin oops-agent
agent_setup

n=0
for i in $(seq 1 300); do
	name=$(printf '%016x.rec' "$((i + 1000))")
	head -c $((RANDOM % 4096)) /dev/urandom >"$AG_SPOOL/$name"
	n=$((n + 1))
done
for i in 1 2 3; do : >"$AG_SPOOL/$(printf '%016x.rec' $((i + 5000)))"; done
truncate -s 2G "$AG_SPOOL/$(printf '%016x.rec' 6000)"
ln -s /etc/passwd "$AG_SPOOL/$(printf '%016x.rec' 6001)"
mkfifo "$AG_SPOOL/$(printf '%016x.rec' 6002)"
mkdir "$AG_SPOOL/$(printf '%016x.rec' 6003)"
head -c 10000 /dev/urandom >"$AG_SPOOL/not-a-record"
head -c 100 /dev/urandom >"$AG_SPOOL/.0000000000000001.rec.tmp"

port=$(e2e_free_port udp)
agent_kmsg_gen 5 1 100 >"$E2E_TMP/kmsg"
agent_conf collector="udp://127.0.0.1:$port" kmsg=yes kmsg_path="$E2E_TMP/kmsg" \
	pstore_dir=
rx_start "udp://127.0.0.1:$port"
agent_start
e2e_wait_for 60 rx_has 5 || e2e_fail "only $(rx_distinct)/5 new records arrived"
kill -0 "$AGENT_PID" || e2e_fail "the agent died on a garbage spool"
e2e_wait_for 20 status_ge spool_quarantined 300 ||
	e2e_fail "quarantined $(agent_status spool_quarantined), expected >= 300"
q=$(find "$AG_SPOOL/quarantine" -type f | wc -l)
[ "$q" -ge 300 ] || e2e_fail "$q files in quarantine/"
[ "$(rx_dups)" -eq 0 ] || e2e_fail "duplicate ids"
# The symlink's target is untouched and was never followed into the
# quarantine; the FIFO did not block the scan (the records arrived).
cmp -s /etc/passwd "$(readlink -f /etc/passwd)" || e2e_fail "/etc/passwd changed"
[ ! -e "$AG_SPOOL/quarantine/$(printf '%016x.rec' 6001)" ] ||
	[ -L "$AG_SPOOL/quarantine/$(printf '%016x.rec' 6001)" ] ||
	e2e_fail "the symlink was followed"
grep -c 'quarantin' "$AG_LOG" | { read -r c; e2e_log "$c log lines about quarantined files"; }
e2e_log "quarantined $(agent_status spool_quarantined), 5/5 delivered"
agent_stop
rx_stop
e2e_log "pass"
