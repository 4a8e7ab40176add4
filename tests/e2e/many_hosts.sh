#!/bin/bash
# many_hosts - one collector, 200 agents.  Each agent is its own process
# with its own pstore folder (real ramoops dumps, made distinct per host by
# tests/e2e/lib/gen_hosts.py), spool and state, and its own host identity:
# it runs in private UTS and mount namespaces with its hostname set and a
# machine-id and boot id of its own bind-mounted over /etc/machine-id and
# /proc/sys/kernel/random/boot_id.  Hosts share 7 bugs across 3 kernel
# releases and each also has a panic of its own.  The collector's
# aggregates must be right: count, distinct hosts and releases per
# signature; every record once; every pstore entry removed after its ack.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/oopsd.sh"
e2e_init many_hosts
e2e_need_root
e2e_need_cmd unshare mount /usr/bin/python3
e2e_need_bin oops-agent oops-collector oopsctl
[ -f /etc/machine-id ] || e2e_skip "no /etc/machine-id to bind-mount over"
unshare -u -m true 2>/dev/null || e2e_skip "cannot make UTS/mount namespaces"

HOSTS=${MANY_HOSTS:-200}
GROUPS_N=7
LIB=$E2E_ROOT/tests/e2e/lib
hosts=$E2E_TMP/hosts
/usr/bin/python3 "$LIB/gen_hosts.py" "$hosts" "$HOSTS" "$GROUPS_N" || e2e_fail "gen_hosts"
expected=$(cat "$hosts/expected")

e2e_collector_start

t0=$(date +%s)
for ((i = 0; i < HOSTS; i++)); do
	d=$hosts/$(printf 'host%03d' "$i")
	e2e_agent_conf "$d/agent.conf" "udp://127.0.0.1:$E2E_COLLECTOR_PORT" "$d" \
		pstore_remove=yes
	e2e_bg "$d/agent.log" unshare -u -m /bin/sh "$E2E_ROOT/tests/e2e/lib/as-host.sh" "$d" \
		"$OOPSD_BIN/oops-agent" -f -c "$d/agent.conf"
done
e2e_log "$HOSTS agents started in $(( $(date +%s) - t0 ))s"

pstore_left() {
	find "$hosts" -path '*/pstore/dmesg-*' | grep -c .
}
pstore_all_removed() { [ "$(pstore_left)" -eq 0 ]; }

e2e_wait_for 180 e2e_count_at_least "$expected" || {
	tail -n 5 "$hosts/host000/agent.log"
	e2e_fail "only $(e2e_stored_count) of $expected records stored after 180 s"
}
e2e_log "$expected records stored in $(( $(date +%s) - t0 ))s"
e2e_wait_for 60 pstore_all_removed ||
	e2e_fail "$(pstore_left) pstore entries still there after every record was stored"
e2e_log "every pstore entry removed"

e2e_export "$E2E_TMP/export.jsonl" || e2e_fail "oopsctl export failed"
$E2E_RECORDS export "$E2E_TMP/export.jsonl" --total "$expected" --unique id \
	--distinct "$HOSTS" hostname --distinct "$HOSTS" machine_id \
	--all 'source~(?i)pstore' ||
	e2e_fail "records lost, duplicated or with the wrong host"
e2e_top "$E2E_TMP/top.jsonl" || e2e_fail "oopsctl top failed"
$E2E_RECORDS top "$E2E_TMP/top.jsonl" \
	--total-sigs $((GROUPS_N + HOSTS)) --sigs-file "$hosts/sigs.tsv" ||
	e2e_fail "aggregates are wrong"
e2e_log "pass"
