# common.sh - helpers for the end-to-end scenarios (source it from bash).
#
# A scenario does:
#   . "$(dirname "$0")/lib/common.sh"
#   e2e_init NAME            # temp dir $E2E_TMP, cleanup trap, logs
#   e2e_need_bin oops-agent oops-collector oopsctl
#   ...
# Everything started with e2e_bg, every namespace made with e2e_netns and
# every command given to e2e_at_exit is undone when the scenario exits, in
# reverse order, whether it passed, failed or was interrupted.
# Exit codes: 0 pass, 77 skip (e2e_skip), anything else fail (e2e_fail).

set -u
E2E_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
OOPSD_BIN=${OOPSD_BIN:-$E2E_ROOT/${O:-build}/bin}
export OOPSD_BIN
E2E_CLEANUP=()
E2E_PIDS=()
E2E_NAME=e2e
E2E_T0=$(date +%s)

e2e_log() { echo "[$(( $(date +%s) - E2E_T0 ))s] $E2E_NAME: $*"; }

# e2e_skip MESSAGE: the scenario cannot run here; exit 77 (last line shown).
e2e_skip() {
	echo "SKIP: $*"
	exit 77
}

# e2e_need_config SYMBOL: skip unless the build under test ($OOPSD_BIN's
# configuration) has CONFIG_SYMBOL.  Reads the build's autoconf.h rather
# than probing a daemon with -n, which also checks files and paths.
e2e_need_config() {
	local h="$OOPSD_BIN/../include/generated/autoconf.h"
	[ -f "$h" ] || e2e_fail "no $h: which configuration is under test?"
	grep -q "^#define CONFIG_$1 1\$" "$h" || e2e_skip "built without CONFIG_$1"
}

# e2e_fail MESSAGE: print it and exit 1 (cleanup runs from the trap).
e2e_fail() {
	echo "FAIL: $*" >&2
	exit 1
}

e2e_at_exit() { E2E_CLEANUP+=("$*"); }

e2e_cleanup() {
	local rc=$? i p
	trap - EXIT INT TERM
	for p in "${E2E_PIDS[@]}"; do
		kill "$p" 2>/dev/null
	done
	for p in "${E2E_PIDS[@]}"; do
		# Give each process 5 s to stop on SIGTERM, then SIGKILL it.
		for _ in $(seq 50); do
			kill -0 "$p" 2>/dev/null || break
			sleep 0.1
		done
		kill -9 "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	for ((i = ${#E2E_CLEANUP[@]} - 1; i >= 0; i--)); do
		eval "${E2E_CLEANUP[$i]}" >/dev/null 2>&1
	done
	# Namespaces made by e2e_netns (also from a $(...) subshell, where
	# e2e_at_exit cannot reach this shell): everything named oopsd-$$-*.
	for i in $(ip netns list 2>/dev/null | awk '{ print $1 }' | grep "^oopsd-$$-"); do
		e2e_kill_netns_pids "$i"
		ip netns delete "$i" 2>/dev/null
	done
	if [ -n "${E2E_TMP:-}" ] && [ -d "$E2E_TMP" ]; then
		if [ "$rc" -ne 0 ] && [ "$rc" -ne 77 ] && [ -n "${E2E_KEEP:-}" ]; then
			echo "$E2E_NAME: kept $E2E_TMP"
		else
			rm -rf "$E2E_TMP"
		fi
	fi
	exit "$rc"
}

# e2e_init NAME: start a scenario.  E2E_KEEP=1 keeps the temp dir of a
# failed run for inspection.
e2e_init() {
	E2E_NAME=$1
	E2E_TMP=$(mktemp -d "${TMPDIR:-/tmp}/oopsd-e2e-$1.XXXXXX")
	export E2E_TMP
	trap e2e_cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	e2e_log "start (tmp $E2E_TMP)"
}

# e2e_need_bin NAME...: skip unless $OOPSD_BIN/NAME exists for each.
e2e_need_bin() {
	local b
	for b in "$@"; do
		[ -x "$OOPSD_BIN/$b" ] || e2e_skip "$b not built yet ($OOPSD_BIN/$b)"
	done
}

# e2e_need_cmd NAME...: skip unless each command is on PATH.
e2e_need_cmd() {
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 ||
			e2e_skip "$c not installed (scripts/install-deps)"
	done
}

e2e_need_root() {
	[ "$(id -u)" -eq 0 ] || e2e_skip "needs root (network namespaces)"
}

# e2e_need_feature BIN WORD MESSAGE: skip unless `BIN --help` mentions WORD
# (how a scenario waits for an interface another piece has not landed yet).
# BIN is a program name in $OOPSD_BIN or a path.
e2e_need_feature() {
	local bin=$1
	case $bin in */*) ;; *) bin=$OOPSD_BIN/$bin;; esac
	"$bin" --help 2>&1 | grep -q -- "$2" || e2e_skip "$3"
}

# QUICK=1 skips the slow QEMU scenarios while iterating (never in CI).
e2e_slow() {
	if [ -n "${QUICK:-}" ] && [ "${QUICK}" != 0 ] && [ -z "${CI:-}" ]; then
		e2e_skip "QUICK=1: slow scenario skipped"
	fi
}

# e2e_bg LOGFILE CMD...: run CMD in the background, output to LOGFILE;
# sets E2E_LAST_PID.  The process is stopped at exit.
e2e_bg() {
	local log=$1
	shift
	"$@" >"$log" 2>&1 &
	E2E_LAST_PID=$!
	E2E_PIDS+=("$E2E_LAST_PID")
}

# e2e_stop PID [SIGNAL]: stop one process started by e2e_bg and reap it.
e2e_stop() {
	local p=$1 sig=${2:-TERM}
	kill "-$sig" "$p" 2>/dev/null
	for _ in $(seq 100); do
		kill -0 "$p" 2>/dev/null || break
		sleep 0.1
	done
	kill -9 "$p" 2>/dev/null
	wait "$p" 2>/dev/null
	return 0
}

# e2e_wait_for SECONDS CMD...: poll CMD every 0.2 s until it succeeds;
# returns 1 when SECONDS pass first.  This waits for a condition to hold,
# with a deadline; it is not a sleep standing in for synchronisation.
e2e_wait_for() {
	local secs=$1 end
	shift
	end=$(( $(date +%s) + secs ))
	while ! "$@" >/dev/null 2>&1; do
		[ "$(date +%s)" -ge "$end" ] && return 1
		sleep 0.2
	done
	return 0
}

# e2e_free_port [udp|tcp]: a port nobody listens on now (127.0.0.1).
e2e_free_port() {
	/usr/bin/python3 - "${1:-udp}" <<'EOF'
import socket, sys
t = socket.SOCK_DGRAM if sys.argv[1] == "udp" else socket.SOCK_STREAM
s = socket.socket(socket.AF_INET, t)
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
EOF
}

# e2e_netns SHORTNAME: create a network namespace named oopsd-<pid>-SHORT
# (unique per run), with lo up; prints its name.  It is deleted at exit,
# with any process left in it, even when called as NS=$(e2e_netns x).
e2e_netns() {
	local ns="oopsd-$$-$1"
	ip netns add "$ns" || e2e_fail "ip netns add $ns"
	ip -n "$ns" link set lo up
	echo "$ns"
}

# e2e_kill_netns_pids NS: kill every process still in the namespace (what
# the scenario started there) before it is deleted.
e2e_kill_netns_pids() {
	local p
	for p in $(ip netns pids "$1" 2>/dev/null); do
		kill -9 "$p" 2>/dev/null
	done
}

# e2e_elapsed: seconds since e2e_init.
e2e_elapsed() { echo $(( $(date +%s) - E2E_T0 )); }
