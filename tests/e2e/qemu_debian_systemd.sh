#!/usr/bin/env bash
# Scenario: the .debs on a real Debian 12 with systemd, under QEMU.
#
# The guest is Debian's bookworm userspace from mmdebstrap (cached under
# $O/qemu/debian12 like the kernel) on an ext4 disk, booted by systemd,
# with the project's packages installed by dpkg (sysusers, tmpfiles, units
# enabled by their maintainer scripts) and systemd-pstore.service enabled
# as Debian ships it.  A driver unit in the guest (tests/e2e/debian/)
# reports on the serial console:
#   boot 1: oops-agent and oops-collector active (systemctl is-active),
#           the agent dropped to oopsd, the collector runs as oopsd; the
#           collector is disabled for the next boot; sysrq crashes the
#           kernel; ramoops keeps the log across the reset;
#   boot 2: systemd-pstore moved the dump into /var/lib/systemd/pstore;
#           the agent finds it there, the collector being down it logs a
#           warning that `journalctl -p warning -u oops-agent` shows; the
#           collector starts, the record is stored exactly once, from the
#           crashed boot; a reload rescans and sends nothing again; both
#           units active; nothing deleted from the archive.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/qemu.sh"
e2e_init qemu_debian_systemd
e2e_slow
e2e_need_cmd qemu-system-x86_64 cpio timeout mmdebstrap dpkg-buildpackage /sbin/mkfs.ext4 systemctl
[ "$(id -u)" = 0 ] || e2e_skip "needs root (chroot, dpkg in the image)"
[ -x /bin/busybox ] || e2e_skip "busybox-static not installed"
(cd "$E2E_ROOT" && "$E2E_QEMU/fetch-kernel" >/dev/null 2>"$E2E_TMP/fetch.err") ||
	e2e_skip "no Debian kernel package: $(tail -n 1 "$E2E_TMP/fetch.err")"

# The packages of this tree.
D=$E2E_TMP/deb
if [ -n "${E2E_DEBS:-}" ]; then
	D=$E2E_DEBS # prebuilt (make deb), to iterate faster
else
	# lintian is deb_packages.sh's job.
	(cd "$E2E_ROOT" && LINTIAN=0 scripts/build-deb "$D") >"$E2E_TMP/deb.log" 2>&1 || {
		tail -n 20 "$E2E_TMP/deb.log"
		e2e_fail "make deb failed"
	}
fi
debs=$(ls "$D"/oopsd-agent_*.deb "$D"/oopsd-collector_*.deb "$D"/oopsd-tools_*.deb)
e2e_log "packages: $(echo $debs | xargs -n1 basename | tr '\n' ' ')"

IMG=$E2E_TMP/img
(cd "$E2E_ROOT" && O=${O:-build} "$E2E_QEMU/mkdebian-image" "$IMG" $debs \
	--file tests/e2e/debian/e2e-driver /usr/local/sbin/e2e-driver \
	--file tests/e2e/debian/e2e-driver.service /etc/systemd/system/e2e-driver.service \
	--enable e2e-driver.service) >"$E2E_TMP/image.log" 2>&1 || {
	tail -n 20 "$E2E_TMP/image.log"
	e2e_skip "cannot build the Debian image (archive unreachable?)"
}
e2e_log "image built"

LOG=$E2E_TMP/serial.log
QEMU_TIMEOUT=${QEMU_TIMEOUT:-600} QEMU_MEM=1024 \
	QEMU_EXTRA="-drive file=$IMG/disk.img,if=virtio,format=raw" \
	e2e_qemu_boot "$IMG/initrd.cpio" "$LOG" systemd.show_status=0 ||
	e2e_log "qemu exited non-zero (timeout?)"
grep -ao 'E2E .*' "$LOG" | tr -d '\r' | tee "$E2E_TMP/report"
R=$E2E_TMP/report
want() { grep -q -- "$1" "$R" || e2e_fail "guest: no '$1'"; }

want 'E2E boot1 is-active agent=active collector=active'
want 'boot1 pstore-unit=enabled ramoops=loaded'
want 'agent-user=oopsd collector-user=oopsd'
want 'E2E boot1 crashing'
grep -q 'Kernel panic - not syncing: sysrq triggered crash' "$LOG" || e2e_fail "no panic"
want 'E2E boot 2'
# systemd-pstore moved it: /sys/fs/pstore empty, the dump in the archive.
want 'boot2 pstore-unit=success live=\[\] archive=\[./dmesg-ramoops-0'
want 'boot2 journal-warning: collector udp://127.0.0.1:5514 is not answering'
want 'boot2 journal-info: collector udp://127.0.0.1:5514 answers again'
# The reload rescanned the archive and recognised the report.
want 'E2E boot2 records=1 acked=1 archive_sent=1 archive_skipped=1'
want '"title":"kernel panic: sysrq triggered crash"'
want '"source":"pstore-dmesg"'
want '"boot_id_is_crashed_boot":true'
[ "$(grep -c '^E2E boot2 record:' "$R")" = 1 ] || e2e_fail "not exactly one record"
want 'E2E boot2 is-active agent=active collector=active'
want 'boot2 archive-after=\[./dmesg-ramoops-0'
want 'E2E done'
e2e_log "pass"
