# qemu.sh - QEMU helpers for the end-to-end scenarios (source after
# common.sh).  The guest is Debian's stock kernel with a busybox initramfs
# (scripts/qemu/); what it does in each boot is given on its command line
# (e2e.steps=..., see scripts/qemu/init).

E2E_QEMU=$E2E_ROOT/scripts/qemu

# e2e_qemu_need: skip unless QEMU, busybox, the kernel package (downloaded
# once into $O/qemu) and the crash module can be had.
e2e_qemu_need() {
	e2e_slow
	e2e_need_cmd qemu-system-x86_64 cpio timeout base64 /usr/bin/python3
	[ -x /bin/busybox ] || e2e_skip "busybox-static not installed"
	E2E_KDIR=$(cd "$E2E_ROOT" && "$E2E_QEMU/fetch-kernel" 2>"$E2E_TMP/fetch.err") ||
		e2e_skip "no Debian kernel package: $(tail -n 1 "$E2E_TMP/fetch.err")"
	(cd "$E2E_ROOT" && "$E2E_QEMU/build-crashmod" >/dev/null 2>"$E2E_TMP/crashmod.err") ||
		e2e_skip "crashmod does not build: $(tail -n 1 "$E2E_TMP/crashmod.err")"
}

# e2e_qemu_initramfs OUT [mkinitramfs args...]: build the initramfs.
e2e_qemu_initramfs() {
	(cd "$E2E_ROOT" && "$E2E_QEMU/mkinitramfs" "$@") ||
		e2e_fail "mkinitramfs failed"
}

# e2e_qemu_agent_initramfs OUT AGENT_CONF: an initramfs with oops-agent
# (and its shared libraries) at /usr/sbin/oops-agent and AGENT_CONF at
# /etc/oopsd/agent.conf.
e2e_qemu_agent_initramfs() {
	local out=$1 conf=$2
	echo "e2e-guest" > "$E2E_TMP/hostname"
	echo "0123456789abcdef0123456789abcdef" > "$E2E_TMP/machine-id"
	e2e_qemu_initramfs "$out" \
		--bin "$OOPSD_BIN/oops-agent" /usr/sbin/oops-agent \
		--file "$conf" /etc/oopsd/agent.conf \
		--file "$E2E_TMP/hostname" /etc/hostname \
		--file "$E2E_TMP/machine-id" /etc/machine-id
}

# e2e_qemu_boot INITRAMFS SERIAL_LOG KERNEL_ARGS...: run the guest to its
# power-off (or QEMU_TIMEOUT).  The QEMU process is killed at exit even if
# the scenario is interrupted.
e2e_qemu_boot() {
	local initrd=$1 log=$2 rc
	shift 2
	e2e_log "qemu: $*"
	"$E2E_QEMU/boot" "$initrd" "$log" "$@" &
	E2E_PIDS+=($!)
	wait $!
	rc=$?
	e2e_log "qemu: exit $rc"
	return $rc
}

# e2e_qemu_extract SERIAL_LOG DIR: the pstore files the guest dumped, as
# DIR/boot<N>/<name>.
e2e_qemu_extract() {
	"$E2E_QEMU/extract-pstore" "$1" "$2"
}

# e2e_qemu_console SERIAL_LOG: the console without carriage returns.
e2e_qemu_console() {
	tr -d '\r' < "$1"
}
