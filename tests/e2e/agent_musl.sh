#!/usr/bin/env bash
# Scenario: the tiny agent built against musl, as a musl-based board
# (OpenWrt, Alpine, Buildroot) runs it: scripts/target-libs builds zlib and
# the protobuf-c runtime with musl-gcc from Debian's sources, the
# tiny_agent_defconfig agent is linked against them and musl's libc, and it
# ships pstore dumps and spooled records to the real (glibc) collector
# (lib/target.sh).  Skipped when musl-gcc or the sources are unavailable.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/agent.sh"
. "$(dirname "$0")/lib/target.sh"
e2e_init agent_musl
e2e_need_bin oops-collector oopsctl
target_build musl musl-gcc CC=musl-gcc
# musl's loader and libc, the sysroot's zlib and protobuf-c.
readelf -l "$AGENT_BIN" | grep -q 'interpreter: /lib/ld-musl' ||
	e2e_fail "not linked with musl's loader: $(readelf -l "$AGENT_BIN" | grep interpreter)"
[ "$(target_needed)" = "libprotobuf-c.so.1 libz.so.1 libc.so " ] ||
	e2e_fail "NEEDED: $(target_needed)"
AGENT_RUN=(env "LD_LIBRARY_PATH=$TARGET_LIB")
target_ship
e2e_log "pass: the musl tiny agent shipped $TARGET_SHIPPED records, each stored once"
