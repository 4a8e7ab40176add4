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

# e2e_qemu_guest_agent_conf FILE [KEY=VALUE...]: the agent configuration
# used inside the guest: it ships to the host's collector through QEMU's
# user network (10.0.2.2 is the host's 127.0.0.1).
e2e_qemu_guest_agent_conf() {
	local file=$1 kv
	shift
	{
		echo "collector = udp://10.0.2.2:$E2E_COLLECTOR_PORT"
		echo "pstore_dir = /sys/fs/pstore"
		echo "pstore_remove = yes"
		echo "journal = no"
		echo "spool_dir = /var/spool/oopsd"
		echo "state_dir = /var/lib/oopsd"
		echo 'user = ""'
		echo "log_level = debug"
		E2E_RETRY_MIN=200ms E2E_RETRY_MAX=2s e2e_agent_tuning
		for kv in "$@"; do
			echo "${kv%%=*} = ${kv#*=}"
		done
	} > "$file"
	"$OOPSD_BIN/oops-agent" -n -c "$file" >/dev/null 2>"$file.err" ||
		e2e_fail "agent config refused: $(cat "$file.err")"
}

# e2e_qemu_pstore_cycle CRASH_STEPS N [KERNEL_ARGS...]: the whole pstore
# story in one QEMU process.  Boot 0 runs CRASH_STEPS (ending in a panic);
# boot 1 starts the agent, waits until it has N records acknowledged and
# removed their pstore files, and reboots; boot 2 dumps pstore, which must
# be empty.  The collector must be running.  Leaves the console in
# $E2E_TMP/serial.log.
e2e_qemu_pstore_cycle() {
	local steps=$1 n=$2 log=$E2E_TMP/serial.log
	shift 2
	e2e_qemu_guest_agent_conf "$E2E_TMP/guest-agent.conf"
	e2e_qemu_agent_initramfs "$E2E_TMP/initrd.cpio" "$E2E_TMP/guest-agent.conf"
	QEMU_TIMEOUT=${QEMU_TIMEOUT:-240} e2e_qemu_boot "$E2E_TMP/initrd.cpio" "$log" \
		"e2e.steps=$steps/agent,agent_wait:$n:120,agent_stop,reboot/dump,poweroff" "$@" ||
		{ e2e_qemu_console "$log" | grep -a 'E2E' | tail -n 80; e2e_fail "guest did not power off"; }
	e2e_qemu_console "$log" | grep -a -E '^E2E(: |-AGENT-STATUS: (acked|spool_pending|retransmits|datagrams) )'
	e2e_qemu_console "$log" | grep -a -q "^E2E: agent acked" || {
		e2e_qemu_console "$log" | grep -a '^E2E-AGENT-LOG' | tail -n 40
		e2e_collector_logs
		e2e_fail "the agent in the guest did not get its records acknowledged"
	}
	# Boot 2: the agent removed every pstore entry after the ack.
	e2e_qemu_console "$log" | awk '/^E2E: boot 2$/ { b = 1 } b' |
		grep -a -q '^E2E-PSTORE-FILES 0$' ||
		e2e_fail "pstore is not empty in the third boot"
	e2e_log "third boot: pstore empty"
}
