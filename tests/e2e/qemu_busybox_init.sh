#!/bin/bash
# qemu_busybox_init - the Buildroot package on a BusyBox init system: the
# agent is built from the `make dist` tarball by contrib/buildroot's own
# command blocks (tests/e2e/lib/recipes/buildroot.mk, the host's gcc as
# the SDK), and the guest's initramfs holds what the package installed
# (/usr/sbin/oops-agent, /etc/init.d/S50oops-agent).  A real kernel
# panics; in the next boot `/etc/init.d/S50oops-agent start` (as rcS runs
# it) starts the agent, which ships dmesg-ramoops-0 to oops-collector on
# the host and removes it after the ack; `S50oops-agent stop` stops it;
# a third boot finds pstore empty.  The collector holds exactly the panic.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/qemu.sh"
. "$(dirname "$0")/lib/oopsd.sh"
e2e_init qemu_busybox_init
# The build systems run make afresh: nothing of a surrounding make (make
# check's WERROR=1, -j) reaches the recipe's own make commands.
unset MAKEFLAGS MFLAGS MAKELEVEL
e2e_need_bin oops-agent oops-collector oopsctl
e2e_qemu_need

# The package, built and installed as Buildroot would.
(cd "$E2E_ROOT" && make -s O="$E2E_TMP/dist" dist) >"$E2E_TMP/dist.log" 2>&1 ||
	e2e_fail "make dist: $(tail -n 3 "$E2E_TMP/dist.log")"
src=$E2E_TMP/build/oopsd-0.1.0 target=$E2E_TMP/target
mkdir -p "$src"
tar -C "$src" --strip-components=1 -xzf "$E2E_TMP"/dist/oopsd-*.tar.gz
make -f "$E2E_ROOT/tests/e2e/lib/recipes/buildroot.mk" \
	PKGDIR="$E2E_ROOT/contrib/buildroot/package/oopsd" SRC="$src" \
	TARGET_DIR="$target" SDK_CC=gcc SDK_PKG_CONFIG=pkg-config \
	BR2_PACKAGE_OOPSD_BUILD_TINY=y >"$E2E_TMP/buildroot.log" 2>&1 ||
	e2e_fail "the Buildroot package does not build: $(tail -n 5 "$E2E_TMP/buildroot.log")"
[ -x "$target/etc/init.d/S50oops-agent" ] || e2e_fail "no S50oops-agent installed"

e2e_collector_start
e2e_qemu_guest_agent_conf "$E2E_TMP/guest-agent.conf"
# What rcS would run, and what the console should show of it.
cat > "$E2E_TMP/s50start" <<'SH'
# On a Buildroot target the oopsd user's home, the agent's state_dir,
# exists (OOPSD_USERS): oops-agent -n, which S50 runs first, checks it.
mkdir -p /var/lib/oopsd
/etc/init.d/S50oops-agent start
echo "E2E: S50 start exit $?, pid $(cat /var/run/oops-agent.pid 2>/dev/null) $(pidof oops-agent)"
SH
cat > "$E2E_TMP/s50stop" <<'SH'
/etc/init.d/S50oops-agent stop
echo "E2E: S50 stop exit $?"
if pidof oops-agent >/dev/null; then echo "E2E: agent still running"; else echo "E2E: agent gone"; fi
[ -e /var/run/oops-agent.pid ] && echo "E2E: pid file left"
sed 's/^/E2E-AGENT-STATUS: /' /var/lib/oopsd/agent.status
SH
echo "e2e-guest" > "$E2E_TMP/hostname"
echo "0123456789abcdef0123456789abcdef" > "$E2E_TMP/machine-id"
e2e_qemu_initramfs "$E2E_TMP/initrd.cpio" \
	--bin "$target/usr/sbin/oops-agent" /usr/sbin/oops-agent \
	--file "$target/etc/init.d/S50oops-agent" /etc/init.d/S50oops-agent \
	--file "$E2E_TMP/guest-agent.conf" /etc/oopsd/agent.conf \
	--file "$E2E_TMP/s50start" /etc/e2e/s50start \
	--file "$E2E_TMP/s50stop" /etc/e2e/s50stop \
	--file "$E2E_TMP/hostname" /etc/hostname \
	--file "$E2E_TMP/machine-id" /etc/machine-id

log=$E2E_TMP/serial.log
QEMU_TIMEOUT=${QEMU_TIMEOUT:-240} e2e_qemu_boot "$E2E_TMP/initrd.cpio" "$log" \
	"e2e.steps=panic/sh:s50start,agent_wait:1:120,sh:s50stop,reboot/dump,poweroff" ||
	{ e2e_qemu_console "$log" | grep -a 'E2E' | tail -n 60; e2e_fail "guest did not power off"; }
console() { e2e_qemu_console "$log"; }
console | grep -a -E '^(E2E: |E2E-AGENT-STATUS: (acked|spool_pending) |(Starting|Stopping) oops-agent)'
console | grep -a -q '^Starting oops-agent: OK' || e2e_fail "S50oops-agent start did not say OK"
console | grep -a -q '^E2E: S50 start exit 0, pid [0-9]' || e2e_fail "S50oops-agent start: no agent"
console | grep -a -q '^E2E: agent acked' || {
	e2e_collector_logs
	e2e_fail "the agent S50oops-agent started did not get its record acknowledged"
}
console | grep -a -q '^Stopping oops-agent: OK' || e2e_fail "S50oops-agent stop did not say OK"
console | grep -a -q '^E2E: agent gone' || e2e_fail "the agent still runs after S50oops-agent stop"
console | grep -a -q '^E2E: pid file left' && e2e_fail "stop left the pid file"
console | awk '/^E2E: boot 2$/ { b = 1 } b' | grep -a -q '^E2E-PSTORE-FILES 0$' ||
	e2e_fail "pstore is not empty in the third boot"

e2e_export "$E2E_TMP/export.jsonl" || e2e_fail "oopsctl export failed"
$E2E_RECORDS export "$E2E_TMP/export.jsonl" \
	--total 1 \
	--expect 1 'title~^kernel panic: crashmod: panic requested$' \
		'source~(?i)pstore' 'reason~^Panic$' 'hostname~^e2e-guest$' \
		'files~dmesg-ramoops-0' ||
	e2e_fail "stored records are not what the guest crashed with"
e2e_log "pass"
