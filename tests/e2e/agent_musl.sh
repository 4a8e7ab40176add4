#!/usr/bin/env bash
# Scenario: the tiny agent built against musl, as a musl-based board
# (OpenWrt, Alpine, Buildroot) runs it.  scripts/musl-sysroot builds zlib
# and the protobuf-c runtime with musl-gcc from Debian's sources; the
# tiny_agent_defconfig agent is linked against them and musl's libc, then
# ships two pstore dumps and 300 spooled records to the real (glibc)
# collector: each stored once, the pstore files removed after the ack, and
# a restart sends nothing again.  Skipped when musl-gcc or the sources are
# not available (no network to the Debian mirror).
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/agent.sh"
e2e_init agent_musl
e2e_need_bin oops-collector oopsctl
command -v musl-gcc >/dev/null || e2e_skip "no musl-gcc (apt-get install musl-tools)"
O=${O:-build}
sysroot=$E2E_ROOT/$O/musl
out=$E2E_ROOT/$O/e2e-tiny-musl
"$E2E_ROOT/scripts/musl-sysroot" "$sysroot" >"$E2E_TMP/sysroot.log" 2>&1
case $? in
0) ;;
2) e2e_skip "no musl sysroot: $(tail -n 1 "$E2E_TMP/sysroot.log")" ;;
*) e2e_fail "musl-sysroot: $(tail -n 3 "$E2E_TMP/sysroot.log")" ;;
esac
(cd "$E2E_ROOT" && make -s -j2 O="$out" CONFIG_FILE=configs/tiny_agent_defconfig \
	CC=musl-gcc PKG_CONFIG="env PKG_CONFIG_LIBDIR=$sysroot/lib/pkgconfig pkg-config" \
	"$out/bin/oops-agent") >"$E2E_TMP/build.log" 2>&1 ||
	e2e_fail "tiny agent does not build against musl: $(grep -m3 -E 'error|warning' "$E2E_TMP/build.log")"
AGENT_BIN=$out/bin/oops-agent
AGENT_LIBDIR=$sysroot/lib
# It is a musl program through and through: musl's loader and libc, the
# sysroot's zlib and protobuf-c.
readelf -l "$AGENT_BIN" | grep -q 'interpreter: /lib/ld-musl' ||
	e2e_fail "not linked with musl's loader: $(readelf -l "$AGENT_BIN" | grep interpreter)"
needed=$(readelf -d "$AGENT_BIN" | sed -n 's/.*NEEDED.*\[\(.*\)\]/\1/p' | tr '\n' ' ')
[ "$needed" = "libprotobuf-c.so.1 libz.so.1 libc.so " ] || e2e_fail "NEEDED: $needed"
LD_LIBRARY_PATH=$AGENT_LIBDIR "$AGENT_BIN" --help 2>&1 | grep -q '^Usage: oops-agent' ||
	e2e_fail "the musl agent does not run"

agent_setup
for i in 0 1; do
	{
		echo "Oops#1 Part1"
		awk -v f="musl_fn$i" '{ gsub(/foo_tx/, f); printf "<4>[  12.%06d] %s\n", NR, $0 }' \
			"$E2E_ROOT/tests/data/agent/warning.log"
	} >"$AG_PSTORE/dmesg-ramoops-$i"
done
N=300
"$SPOOLFILL" "$AG_SPOOL" $N >/dev/null || e2e_fail "spoolfill"
port=$(e2e_free_port udp)
col_start "$port"
agent_conf collector="udp://127.0.0.1:$port"
agent_start
want=$((N + 2))
e2e_wait_for 60 col_has $want || e2e_fail "only $(col_stored)/$want records stored"
e2e_wait_for 10 spool_empty || e2e_fail "spool not empty: $(spool_count)"
e2e_wait_for 10 test ! -e "$AG_PSTORE/dmesg-ramoops-1" ||
	e2e_fail "pstore file not removed after the ack"
[ -e "$AG_PSTORE/dmesg-ramoops-0" ] && e2e_fail "pstore file 0 not removed after the ack"
e2e_wait_for 5 status_ge acked $want || e2e_fail "acked: $(agent_status acked)"
[ "$(col_stored)" -eq $want ] || e2e_fail "$(col_stored) stored, want $want"
[ "$(col_distinct)" -eq $want ] || e2e_fail "$(col_distinct) distinct, want $want"
titles=$(col_export | /usr/bin/python3 -c '
import json, sys
print(" ".join(sorted(r["title"] for r in map(json.loads, sys.stdin) if r["source"].startswith("pstore"))))')
[ "$titles" = "WARNING in musl_fn0 WARNING in musl_fn1" ] || e2e_fail "pstore titles: $titles"
agent_stop

# A restart finds nothing left to send.
rm -f "$AG_STATE/agent.status"
agent_start
e2e_wait_for 10 status_ge spool_pending 0 || e2e_fail "no status after restart"
e2e_wait_for 10 status_ge pstore_scans 1 || e2e_fail "no pstore scan after restart"
agent_stop
[ "$(agent_status datagrams)" -eq 0 ] || e2e_fail "restart sent $(agent_status datagrams) datagrams"
[ "$(col_stored)" -eq $want ] || e2e_fail "restart changed the store: $(col_stored)"
col_stop
e2e_log "pass: the musl tiny agent shipped $want records, each stored once"
