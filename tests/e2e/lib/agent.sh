# agent.sh - helpers for the oops-agent scenarios (source after common.sh).
#
#   agent_setup                 dirs under $E2E_TMP, builds ackrecv
#   agent_conf KEY=VALUE...     write $AG_CONF (test defaults + overrides)
#   agent_kmsg_gen N FIRST [SEQ0]  N distinct WARNING reports as /dev/kmsg
#                               records on stdout (functions FIRST..)
#   rx_start ADDR [ARGS]        start the receiver (ackrecv) on ADDR
#   rx_stop                     stop it; rx_distinct / rx_records count
#   agent_start [ARGS]          start oops-agent -f -c $AG_CONF
#   agent_status KEY            a counter from the agent's status file
#
# The receiver is bench/ackrecv: it acknowledges every record and keeps
# the distinct record ids in $AG_IDS, so "arrived exactly once" is "each
# id in $AG_IDS once, and the spool empty".

agent_setup() {
	AG_SPOOL=$E2E_TMP/spool
	AG_STATE=$E2E_TMP/state
	AG_PSTORE=$E2E_TMP/pstore
	AG_CONF=$E2E_TMP/agent.conf
	AG_IDS=$E2E_TMP/ids
	AG_LOG=$E2E_TMP/agent.log
	mkdir -p "$AG_SPOOL" "$AG_STATE" "$AG_PSTORE"
	: >"$AG_IDS"
	ACKRECV=$E2E_ROOT/${O:-build}/bench/bin/ackrecv
	SPOOLFILL=$E2E_ROOT/${O:-build}/bench/bin/spoolfill
	(cd "$E2E_ROOT" && make -s O="${O:-build}" "${O:-build}/bench/bin/ackrecv" \
		"${O:-build}/bench/bin/spoolfill") >/dev/null 2>&1 ||
		e2e_skip "cannot build bench/ackrecv (the test receiver)"
}

# agent_conf KEY=VALUE...: the test configuration, overrides last.
agent_conf() {
	local kv d set=" "
	{
		for kv in "$@"; do
			echo "${kv%%=*} = ${kv#*=}"
			set="$set${kv%%=*} "
		done
		for d in "spool_dir=$AG_SPOOL" "state_dir=$AG_STATE" \
			"pstore_dir=$AG_PSTORE" "pstore_archive=" "kdump_dir=" \
			"journal=no" \
			"kmsg=no" "user=" \
			"retry_min=100ms" "retry_max=400ms" \
			"status_interval=200ms" "log_level=debug"; do
			case $set in *" ${d%%=*} "*) continue ;; esac
			echo "${d%%=*} = ${d#*=}"
		done
	} >"$AG_CONF"
}

# agent_kmsg_gen N FIRST [SEQ0]: N reports, each followed by a normal line.
agent_kmsg_gen() {
	awk -v n="$1" -v first="$2" -v seq="${3:-100}" '
		{ lines[NR] = $0 }
		END {
			for (i = first; i < first + n; i++) {
				for (k = 1; k <= NR; k++) {
					l = lines[k]
					gsub(/foo_tx/, "foo_tx" i, l)
					printf "4,%d,%d,-;%s\n", seq, 5000000 + seq * 10, l
					seq++
				}
				printf "6,%d,%d,-;normal line %d\n", seq, 5000000 + seq * 10, i
				seq++
			}
		}' "$E2E_ROOT/tests/data/agent/warning.log"
}

rx_start() {
	local addr=$1
	shift
	e2e_bg "$E2E_TMP/rx.log" "$ACKRECV" "$addr" --ids "$AG_IDS" "$@"
	RX_PID=$E2E_LAST_PID
	e2e_wait_for 5 grep -q ready "$E2E_TMP/rx.log" || e2e_fail "receiver did not start"
}

# rx_stop: stop the receiver; RX_RECORDS is then the number of records it
# received in all (duplicates included), RX_BAD the datagrams it refused.
rx_stop() {
	[ -n "${RX_PID:-}" ] && e2e_stop "$RX_PID"
	RX_PID=
	RX_RECORDS=$(awk '$1 == "datagrams" {print $4}' "$E2E_TMP/rx.log" | tail -n 1)
	RX_BAD=$(awk '$1 == "datagrams" {print $8}' "$E2E_TMP/rx.log" | tail -n 1)
}

# Distinct record ids received so far, and ids received more than once
# in the ids file (must be none: the file has each new id once).
rx_distinct() { sort "$AG_IDS" | uniq | wc -l; }
rx_dups() { sort "$AG_IDS" | uniq -d | wc -l; }

# AGENT_BIN: another agent build to test (default $OOPSD_BIN/oops-agent);
# AGENT_RUN: an array of words to run it through (env LD_LIBRARY_PATH=...,
# qemu-user).
agent_start() {
	e2e_bg "$AG_LOG" "${AGENT_RUN[@]}" "${AGENT_BIN:-$OOPSD_BIN/oops-agent}" \
		-f -c "$AG_CONF" "$@"
	AGENT_PID=$E2E_LAST_PID
}

agent_stop() {
	[ -n "${AGENT_PID:-}" ] && e2e_stop "$AGENT_PID" "${1:-TERM}"
	AGENT_PID=
}

# agent_status KEY: a counter from state_dir/agent.status (empty if none).
agent_status() {
	awk -v k="$1" '$1 == k {print $2}' "$AG_STATE/agent.status" 2>/dev/null
}

spool_count() { find "$AG_SPOOL" -maxdepth 1 -name '*.rec' | wc -l; }

# Conditions for e2e_wait_for.
spool_empty() { [ "$(spool_count)" -eq 0 ]; }
rx_has() { [ "$(rx_distinct)" -ge "$1" ]; }
status_ge() { local v; v=$(agent_status "$1"); [ -n "$v" ] && [ "$v" -ge "$2" ]; }

# The real collector (oops-collector + SQLite store) as the receiver.
#   col_start UDP_PORT [NETLINK_PORTID] [KEY_FILE]  (COL_HOST=[::1] for IPv6;
#                               COL_EXTRA: more config lines)
#   col_stored / col_distinct   records in the store, distinct ids
#   col_status KEY              a counter of `oopsctl collector-status`
col_start() {
	COL_DB=$E2E_TMP/store.db
	{
		echo "listen = udp://${COL_HOST:-127.0.0.1}:$1"
		echo "listen_netlink = ${2:-0}"
		echo "store = sqlite:$COL_DB"
		echo "user ="
		echo "rate_limit = 10000000"
		echo "rate_burst = 1000000"
		[ -n "${3:-}" ] && echo "auth_key_file = $3"
		[ -n "${COL_EXTRA:-}" ] && printf '%s\n' "$COL_EXTRA"
	} >"$E2E_TMP/collector.conf"
	e2e_bg "$E2E_TMP/collector.log" "$OOPSD_BIN/oops-collector" -f -c "$E2E_TMP/collector.conf"
	COL_PID=$E2E_LAST_PID
	e2e_wait_for 10 grep -q "started" "$E2E_TMP/collector.log" ||
		e2e_fail "collector did not start: $(tail -n 3 "$E2E_TMP/collector.log")"
}

col_stop() {
	[ -n "${COL_PID:-}" ] && e2e_stop "$COL_PID"
	COL_PID=
}

col_export() { "$OOPSD_BIN/oopsctl" export --json --store "sqlite:$COL_DB" 2>/dev/null; }
col_stored() { col_export | grep -c .; }
col_distinct() {
	col_export | /usr/bin/python3 -c 'import json,sys; print(len({json.loads(l)["id"] for l in sys.stdin if l.strip()}))'
}
col_status() {
	"$OOPSD_BIN/oopsctl" collector-status --json --store "sqlite:$COL_DB" 2>/dev/null |
		/usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin).get(sys.argv[1], ""))' "$1"
}
col_has() { [ "$(col_stored)" -ge "$1" ]; }
col_status_ge() { local v; v=$(col_status "$1"); [ -n "$v" ] && [ "$v" -ge "$2" ]; }
