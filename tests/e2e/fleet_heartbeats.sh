#!/usr/bin/env bash
# Scenario: fleet coverage.  A real agent (authenticated, heartbeat every
# second) and a real collector on 127.0.0.1:
#  a. the agent's heartbeat reaches the store: `oopsctl hosts` shows the
#     host reporting, with the agent's version, the running kernel, its
#     boot id and spool backlog, merged with the crash it sent (one row);
#     hosts that sent crashes without an agent (oopsblast) show no_agent;
#  b. the agent stops: after 3 intervals the host is silent (and with
#     --silent-after, after that long), and `--silent` lists it;
#  c. an agent with another key: its heartbeats are refused and counted,
#     the host stays silent;
#  d. the collector's counters are in the store's collectors row, the same
#     numbers as its status file, refreshed every counters_interval.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/agent.sh"
. "$(dirname "$0")/lib/collector.sh"
e2e_init fleet_heartbeats
e2e_need_cmd python3
coll_need
agent_setup
printf '%064x\n' 1 | tr 0 a >"$E2E_TMP/good.key"
printf '%064x\n' 2 | tr 0 b >"$E2E_TMP/bad.key"
chmod 600 "$E2E_TMP/good.key" "$E2E_TMP/bad.key"
e2e_need_config AUTH_HMAC

coll_start auth_key_file="$E2E_TMP/good.key" counters_interval=1s name=coll-a
agent_kmsg_gen 1 1 100 >"$E2E_TMP/kmsg"
agent_conf collector="$COLL_URL" kmsg=yes kmsg_path="$E2E_TMP/kmsg" pstore_dir= \
	auth_key_file="$E2E_TMP/good.key" heartbeat_interval=1s
agent_start

hosts_json() { "$OOPSD_BIN/oopsctl" hosts --json --store "$COLL_STORE" "$@"; }
# host_field KEY FIELD [ARGS]: FIELD of host KEY in `hosts --json ARGS`.
host_field() {
	local key=$1 field=$2
	shift 2
	hosts_json "$@" | python3 -c '
import json, sys
for l in sys.stdin:
    h = json.loads(l)
    if h["host"] == sys.argv[1]:
        v = h.get(sys.argv[2])
        print("" if v is None else v)' "$key" "$field"
}
state_is() { [ "$(host_field "$1" state "${@:3}")" = "$2" ]; }
col_has_records() { [ "$(coll_records)" -ge "$1" ]; }

# a. Reporting, with what the agent said about itself.
e2e_wait_for 20 col_has_records 1 || e2e_fail "the crash was not stored"
mid=$(cat /etc/machine-id 2>/dev/null || true)
host=$(hosts_json | python3 -c 'import json,sys; print(json.loads(sys.stdin.readline())["host"])')
[ -n "$host" ] || e2e_fail "no host listed"
e2e_wait_for 10 state_is "$host" reporting || e2e_fail "host $host not reporting: $(hosts_json)"
[ "$(host_field "$host" agent_version)" = "$(agent_status version)" ] ||
	e2e_fail "agent_version $(host_field "$host" agent_version), agent $(agent_status version)"
[ "$(host_field "$host" release)" = "$(uname -r)" ] || e2e_fail "release $(host_field "$host" release), running $(uname -r)"
[ "$(host_field "$host" boot_id)" = "$(agent_status boot_id)" ] || e2e_fail "boot_id $(host_field "$host" boot_id)"
[ "$(host_field "$host" heartbeat_interval_s)" = 1 ] || e2e_fail "interval $(host_field "$host" heartbeat_interval_s)"
e2e_wait_for 10 spool_empty || e2e_fail "the agent's spool did not empty"
# The next heartbeat after the spool emptied says so (one a second).
backlog_is_zero() { [ "$(host_field "$1" backlog)" = 0 ]; }
e2e_wait_for 10 backlog_is_zero "$host" || e2e_fail "backlog $(host_field "$host" backlog) with an empty spool"
[ "$(host_field "$host" count)" = 1 ] || e2e_fail "the heartbeat and the crash are not one host: $(hosts_json)"
[ -z "$mid" ] || [ "$host" = "$mid" ] || e2e_fail "host key $host, machine id $mid"
# Hosts with crashes and no agent.
"$BLAST" -n 6 -k 1 -w 2 -H 3 -t 20 -s 5 -K "$E2E_TMP/good.key" "$COLL_URL" >"$E2E_TMP/blast.log" 2>&1 ||
	e2e_fail "oopsblast: $(cat "$E2E_TMP/blast.log")"
n_no_agent=$(hosts_json | grep -c '"state":"no_agent"')
[ "$n_no_agent" -eq 3 ] || e2e_fail "$n_no_agent hosts without an agent, want 3: $(hosts_json)"
"$OOPSD_BIN/oopsctl" hosts --store "$COLL_STORE" >"$E2E_TMP/hosts.txt"
grep -q "4 host(s): 1 reporting, 0 silent, 3 without an agent" "$E2E_TMP/hosts.txt" ||
	e2e_fail "hosts summary: $(cat "$E2E_TMP/hosts.txt")"
e2e_log "a. $host reporting ($(uname -r), boot $(agent_status boot_id)), 3 hosts without an agent"

# b. The agent stops: silent after 3 intervals.
agent_stop
state_is "$host" reporting || e2e_fail "silent right after the agent stopped"
e2e_wait_for 10 state_is "$host" silent || e2e_fail "host not silent after its agent stopped"
hb_before=$(coll_stat heartbeats) # the status file is rewritten every second
[ "$hb_before" -ge 2 ] || e2e_fail "only $hb_before heartbeats counted"
state_is "$host" reporting --silent-after 1h || e2e_fail "--silent-after 1h: not reporting"
hosts_json --silent | grep -q "\"host\":\"$host\"" || e2e_fail "--silent does not list $host"
hosts_json --silent | grep -q '"state":"reporting"' && e2e_fail "--silent lists a reporting host"
e2e_log "b. silent after its agent stopped ($hb_before heartbeats received)"

# c. Another key: refused, counted, still silent.
agent_conf collector="$COLL_URL" kmsg=no pstore_dir= auth_key_file="$E2E_TMP/bad.key" \
	heartbeat_interval=1s
agent_start
e2e_wait_for 10 coll_stat_ge rejected_key_mismatch 2 || e2e_fail "heartbeats with another key not refused"
agent_stop
state_is "$host" silent || e2e_fail "a heartbeat with another key counted"
[ "$(coll_stat heartbeats)" -eq "$hb_before" ] || e2e_fail "heartbeats counted with a bad key"
e2e_log "c. $(coll_stat rejected_key_mismatch) heartbeats with another key refused"

# d. The counters row: the status file's numbers, refreshed.
row() {
	python3 - "$E2E_TMP/store.db" <<'EOF'
import json, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
for name, version, counters, started, updated in db.execute(
        "SELECT name, version, counters, started_us, updated_us FROM collectors"):
    c = json.loads(counters)
    print(name, version, c["stored"], c["heartbeats"], c["rejected_key_mismatch"],
          c["store_latency_count"], updated - started > 0)
EOF
}
row_is() { [ "$(row | cut -d' ' -f1-5)" = "$1" ]; }
want="coll-a $(awk '$1 == "version" {print $2}' "$E2E_TMP/store.db.status") $(coll_stat stored) $(coll_stat heartbeats) $(coll_stat rejected_key_mismatch)"
e2e_wait_for 5 row_is "$want" || e2e_fail "collectors row: '$(row)', want '$want ...'"
got=$(row)
case $got in
*" True") ;;
*) e2e_fail "collectors row: '$got': no store latency or times" ;;
esac
e2e_log "d. collectors row: $got"
e2e_stop "$COLL_PID" TERM
e2e_log "ok"
