#!/usr/bin/env bash
# Scenario: a cross build, as for an embedded board: the tiny agent built
# with CROSS_COMPILE=aarch64-linux-gnu- (zlib and protobuf-c for arm64 by
# scripts/target-libs, no foreign dpkg architecture needed), run under
# qemu-user, ships pstore dumps and spooled records to the real x86-64
# collector on loopback (lib/target.sh).  Skipped when the cross compiler,
# qemu-aarch64 or the Debian sources are unavailable.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/agent.sh"
. "$(dirname "$0")/lib/target.sh"
e2e_init agent_cross_arm64
e2e_need_bin oops-collector oopsctl
command -v qemu-aarch64 >/dev/null || e2e_skip "no qemu-aarch64 (apt-get install qemu-user)"
[ -d /usr/aarch64-linux-gnu/lib ] || e2e_skip "no arm64 C library (libc6-arm64-cross)"
target_build arm64 aarch64-linux-gnu-gcc CROSS_COMPILE=aarch64-linux-gnu-
# readelf (binutils, which gcc needs), not file(1): a minimal Debian has none.
readelf -h "$AGENT_BIN" | grep -q 'Machine: *AArch64$' ||
	e2e_fail "not an arm64 program: $(readelf -h "$AGENT_BIN" | grep Machine)"
[ "$(target_needed)" = "libprotobuf-c.so.1 libz.so.1 libc.so.6 " ] ||
	e2e_fail "NEEDED: $(target_needed)"
AGENT_RUN=(qemu-aarch64 -L /usr/aarch64-linux-gnu -E "LD_LIBRARY_PATH=$TARGET_LIB")
target_ship
e2e_log "pass: the arm64 tiny agent (qemu-user) shipped $TARGET_SHIPPED records, each stored once"
