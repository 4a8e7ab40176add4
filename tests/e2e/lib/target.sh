# target.sh - the tiny agent built for another target (source after
# common.sh and agent.sh): its libraries by scripts/target-libs, the agent
# by the ordinary Makefile with that compiler, then run through AGENT_RUN
# (env LD_LIBRARY_PATH=..., or qemu-user for a foreign architecture).
# Used by tests/e2e/agent_musl.sh and agent_cross_arm64.sh.

# target_build NAME CC [MAKE VARIABLES...]: build the libraries in
# $O/NAME and the agent in $O/e2e-tiny-NAME; sets AGENT_BIN and TARGET_LIB.
# Skips the scenario when CC or the Debian sources are unavailable.
target_build() {
	local name=$1 cc=$2 o=${O:-build} rc
	shift 2
	command -v "$cc" >/dev/null || e2e_skip "no $cc"
	TARGET_LIB=$E2E_ROOT/$o/$name/lib
	"$E2E_ROOT/scripts/target-libs" "$E2E_ROOT/$o/$name" "$cc" \
		>"$E2E_TMP/target-libs.log" 2>&1
	rc=$?
	case $rc in
	0) ;;
	2) e2e_skip "no libraries for $name: $(tail -n 1 "$E2E_TMP/target-libs.log")" ;;
	*) e2e_fail "target-libs: $(tail -n 3 "$E2E_TMP/target-libs.log")" ;;
	esac
	AGENT_BIN=$E2E_ROOT/$o/e2e-tiny-$name/bin/oops-agent
	(cd "$E2E_ROOT" && make -s -j2 O="$o/e2e-tiny-$name" \
		CONFIG_FILE=configs/tiny_agent_defconfig "$@" \
		PKG_CONFIG="env PKG_CONFIG_LIBDIR=$TARGET_LIB/pkgconfig pkg-config" \
		"$o/e2e-tiny-$name/bin/oops-agent") >"$E2E_TMP/build.log" 2>&1 ||
		e2e_fail "the tiny agent does not build for $name: $(grep -m3 -E 'error|warning' "$E2E_TMP/build.log")"
}

# target_needed: the agent's NEEDED libraries, space-separated.
target_needed() {
	readelf -d "$AGENT_BIN" | sed -n 's/.*NEEDED.*\[\(.*\)\]/\1/p' | tr '\n' ' '
}

# target_ship: the agent ships two pstore dumps and 300 spooled records to
# the real collector on loopback: each stored once, the pstore files
# removed after the ack, the titles right; after a restart a new dump
# arrives and nothing is sent again.
target_ship() {
	local i n=300 want=302 port titles
	"${AGENT_RUN[@]}" "$AGENT_BIN" --help 2>&1 | grep -q '^Usage: oops-agent' ||
		e2e_fail "the agent does not run: $("${AGENT_RUN[@]}" "$AGENT_BIN" --help 2>&1 | head -n 2)"
	agent_setup
	for i in 0 1; do
		{
			echo "Oops#1 Part1"
			awk -v f="target_fn$i" '{ gsub(/foo_tx/, f); printf "<4>[  12.%06d] %s\n", NR, $0 }' \
				"$E2E_ROOT/tests/data/agent/warning.log"
		} >"$AG_PSTORE/dmesg-ramoops-$i"
	done
	"$SPOOLFILL" "$AG_SPOOL" $n >/dev/null || e2e_fail "spoolfill"
	port=$(e2e_free_port udp)
	col_start "$port"
	agent_conf collector="udp://127.0.0.1:$port"
	agent_start
	e2e_wait_for 60 col_has $want || e2e_fail "only $(col_stored)/$want records stored"
	e2e_wait_for 10 spool_empty || e2e_fail "spool not empty: $(spool_count)"
	for i in 0 1; do
		e2e_wait_for 10 test ! -e "$AG_PSTORE/dmesg-ramoops-$i" ||
			e2e_fail "pstore file $i not removed after the ack"
	done
	e2e_wait_for 10 status_ge acked $want || e2e_fail "acked: $(agent_status acked)"
	[ "$(col_stored)" -eq $want ] || e2e_fail "$(col_stored) stored, want $want"
	[ "$(col_distinct)" -eq $want ] || e2e_fail "$(col_distinct) distinct, want $want"
	titles=$(col_export | /usr/bin/python3 -c '
import json, sys
print(" ".join(sorted(r["title"] for r in map(json.loads, sys.stdin) if r["source"].startswith("pstore"))))')
	[ "$titles" = "WARNING in target_fn0 WARNING in target_fn1" ] ||
		e2e_fail "pstore titles: $titles"
	agent_stop

	# A restart sends the one new dump and nothing it sent before: the
	# collector sees no duplicate.
	{
		echo "Oops#1 Part1"
		awk '{ gsub(/foo_tx/, "target_fn2"); printf "<4>[  13.%06d] %s\n", NR, $0 }' \
			"$E2E_ROOT/tests/data/agent/warning.log"
	} >"$AG_PSTORE/dmesg-ramoops-2"
	rm -f "$AG_STATE/agent.status"
	agent_start
	e2e_wait_for 30 col_has $((want + 1)) || e2e_fail "the new dump did not arrive after a restart"
	e2e_wait_for 10 status_ge acked 1 || e2e_fail "restart: acked $(agent_status acked)"
	agent_stop
	[ "$(agent_status acked)" -eq 1 ] || e2e_fail "restart: acked $(agent_status acked), want 1"
	[ "$(col_stored)" -eq $((want + 1)) ] || e2e_fail "after restart: $(col_stored) stored"
	[ "$(col_status duplicates)" -eq 0 ] ||
		e2e_fail "restart sent $(col_status duplicates) records again"
	want=$((want + 1))
	col_stop
	TARGET_SHIPPED=$want
}
