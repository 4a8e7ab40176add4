# oopsd.sh - start oops-collector and oops-agent for the end-to-end
# scenarios and look at what they stored (source after common.sh).

E2E_RECORDS="/usr/bin/python3 $E2E_ROOT/tests/e2e/lib/records.py"

# e2e_has_key PROGRAM KEY: PROGRAM's --help lists configuration KEY.
e2e_has_key() {
	"$OOPSD_BIN/$1" --help 2>&1 | grep -Eq "^[[:space:]]*$2([[:space:]]|$|=)"
}

# e2e_wait_udp_bound PORT [NETNS]: wait (10 s) until a UDP socket is bound
# to PORT (in NETNS when given).
e2e_udp_bound() {
	if [ -n "${2:-}" ]; then
		ip netns exec "$2" ss -Hunl "sport = :$1" | grep -q .
	else
		ss -Hunl "sport = :$1" | grep -q .
	fi
}

# e2e_collector_start [NETNS]: start oops-collector on
# udp://$E2E_COLLECTOR_ADDR:PORT (default 127.0.0.1, a free port) with a
# fresh SQLite store.  Extra configuration lines come from
# $E2E_COLLECTOR_EXTRA (newline separated).  Sets E2E_COLLECTOR_PORT,
# E2E_COLLECTOR_PID, E2E_STORE.  Restart it with e2e_collector_restart.
e2e_collector_start() {
	E2E_COLLECTOR_NS=${1:-}
	E2E_COLLECTOR_ADDR=${E2E_COLLECTOR_ADDR:-127.0.0.1}
	E2E_COLLECTOR_PORT=${E2E_COLLECTOR_PORT:-$(e2e_free_port udp)}
	E2E_STORE=$E2E_TMP/store.db
	E2E_COLLECTOR_CONF=$E2E_TMP/collector.conf
	{
		echo "listen = udp://$E2E_COLLECTOR_ADDR:$E2E_COLLECTOR_PORT"
		echo "store = sqlite:$E2E_STORE"
		echo 'user = ""'
		# Tests send far more than one host normally does.
		echo "rate_limit = 100000000"
		echo "rate_burst = 100000000"
		echo "log_level = debug"
		[ -n "${E2E_COLLECTOR_EXTRA:-}" ] && echo "$E2E_COLLECTOR_EXTRA"
	} > "$E2E_COLLECTOR_CONF"
	"$OOPSD_BIN/oops-collector" -n -c "$E2E_COLLECTOR_CONF" >/dev/null 2>"$E2E_TMP/collector-n.err" ||
		e2e_fail "collector config refused: $(cat "$E2E_TMP/collector-n.err")"
	_e2e_collector_run
}

_e2e_collector_run() {
	local ns=()
	[ -n "$E2E_COLLECTOR_NS" ] && ns=(ip netns exec "$E2E_COLLECTOR_NS")
	E2E_COLLECTOR_RUNS=$(( ${E2E_COLLECTOR_RUNS:-0} + 1 ))
	e2e_bg "$E2E_TMP/collector.$E2E_COLLECTOR_RUNS.log" "${ns[@]}" \
		"$OOPSD_BIN/oops-collector" -f -c "$E2E_COLLECTOR_CONF"
	E2E_COLLECTOR_PID=$E2E_LAST_PID
	local log=$E2E_TMP/collector.$E2E_COLLECTOR_RUNS.log
	if ! e2e_wait_for 10 e2e_udp_bound "$E2E_COLLECTOR_PORT" "$E2E_COLLECTOR_NS"; then
		cat "$log"
		# A piece that has not landed yet is a skip, not a failure.
		grep -Eq 'netconsole.*(cannot listen|not built)' "$log" &&
			e2e_skip "oops-collector cannot receive netconsole yet"
		e2e_fail "collector did not start"
	fi
	e2e_log "collector up on $E2E_COLLECTOR_ADDR:$E2E_COLLECTOR_PORT (pid $E2E_COLLECTOR_PID)"
}

# e2e_collector_stop [SIGNAL]: stop the collector (TERM by default).
e2e_collector_stop() {
	e2e_stop "$E2E_COLLECTOR_PID" "${1:-TERM}"
}

e2e_collector_restart() {
	_e2e_collector_run
}

e2e_collector_logs() {
	tail -n "${1:-40}" "$E2E_TMP"/collector.*.log 2>/dev/null
}

# e2e_export OUT: every stored record as JSON Lines.
e2e_export() {
	"$OOPSD_BIN/oopsctl" export --json --store "sqlite:$E2E_STORE" > "$1" 2>"$1.err" ||
		{ [ -s "$1.err" ] && cat "$1.err" >&2; return 1; }
}

# e2e_top OUT: aggregates by signature, JSON Lines.
e2e_top() {
	local limit=()
	"$OOPSD_BIN/oopsctl" top --help 2>&1 | grep -q -- --limit && limit=(--limit 1000000)
	"$OOPSD_BIN/oopsctl" top --json "${limit[@]}" --store "sqlite:$E2E_STORE" > "$1" 2>"$1.err"
	local rc=$?
	# Exit 1 means "nothing found": an empty list, not an error.
	[ $rc -eq 0 ] || [ $rc -eq 1 ]
}

# e2e_stored_count: the number of stored records (0 while the store is
# not there yet).  Progress polls read the table directly with sqlite3 when
# it is installed (cheap); the checks that decide pass or fail always use
# oopsctl export.
e2e_stored_count() {
	local f=$E2E_TMP/.count.$$ n
	if command -v sqlite3 >/dev/null 2>&1; then
		n=$(sqlite3 "file:$E2E_STORE?mode=ro" 'SELECT count(*) FROM records' 2>/dev/null) &&
			[ -n "$n" ] && { echo "$n"; return; }
	fi
	if e2e_export "$f" 2>/dev/null; then
		grep -c . "$f"
	else
		echo 0
	fi
	rm -f "$f" "$f.err"
}

# e2e_count_is N: true when exactly N records are stored.
e2e_count_is() { [ "$(e2e_stored_count)" -eq "$1" ]; }
e2e_count_at_least() { [ "$(e2e_stored_count)" -ge "$1" ]; }

# e2e_agent_conf FILE COLLECTOR_URL DIR [KEY=VALUE...]: an agent
# configuration with its pstore, spool and state folders under DIR (made
# here), kmsg off, quick retries.  Keys the agent build does not know
# (optional tuning) are left out; KEY=VALUE pairs are appended as given.
e2e_agent_conf() {
	local file=$1 url=$2 dir=$3 kv
	shift 3
	mkdir -p "$dir/pstore" "$dir/spool" "$dir/state"
	{
		echo "collector = $url"
		echo "pstore_dir = $dir/pstore"
		echo "pstore_archive ="
		echo "kdump_dir ="
		echo "journal = no"
		echo "spool_dir = $dir/spool"
		echo "state_dir = $dir/state"
		echo 'user = ""'
		echo "log_level = debug"
		e2e_agent_tuning
		for kv in "$@"; do
			echo "${kv%%=*} = ${kv#*=}"
		done
	} > "$file"
}

# Optional keys, written only when this agent build knows them.
e2e_agent_tuning() {
	if [ -z "${E2E_AGENT_HELP:-}" ]; then
		E2E_AGENT_HELP=$E2E_TMP/agent.help
		"$OOPSD_BIN/oops-agent" --help > "$E2E_AGENT_HELP" 2>&1
	fi
	_k() { grep -Eq "^[[:space:]]*$1([[:space:]]|$)" "$E2E_AGENT_HELP"; }
	_k kmsg && echo "kmsg = ${E2E_KMSG:-no}"
	_k status_interval && echo "status_interval = ${E2E_STATUS_INTERVAL:-200ms}"
	_k retry_min && echo "retry_min = ${E2E_RETRY_MIN:-100ms}"
	_k retry_max && echo "retry_max = ${E2E_RETRY_MAX:-1s}"
	return 0
}

# e2e_agent_status DIR KEY: a value from DIR/state/agent.status.
e2e_agent_status() {
	sed -n "s/^$2 //p" "$1/state/agent.status" 2>/dev/null
}

# e2e_agent_idle DIR: the agent of DIR has nothing left to send.
e2e_agent_idle() {
	[ "$(e2e_agent_status "$1" spool_pending)" = 0 ] &&
		[ "$(e2e_agent_status "$1" in_flight)" = 0 ]
}
