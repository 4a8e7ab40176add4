#!/bin/bash
# qemu_kmsg_warning - the agent inside a running guest follows /dev/kmsg; a
# real WARNING (no dump, the system keeps running) must reach the host's
# collector as one record from the kmsg source.  A restarted agent must not
# ship it a second time.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/qemu.sh"
. "$(dirname "$0")/lib/oopsd.sh"
e2e_init qemu_kmsg_warning
e2e_need_bin oops-agent oops-collector oopsctl
e2e_has_key oops-agent kmsg || e2e_skip "oops-agent has no kmsg source"
e2e_qemu_need

e2e_collector_start
E2E_KMSG=yes e2e_qemu_guest_agent_conf "$E2E_TMP/guest-agent.conf"
e2e_qemu_agent_initramfs "$E2E_TMP/initrd.cpio" "$E2E_TMP/guest-agent.conf"
e2e_qemu_boot "$E2E_TMP/initrd.cpio" "$E2E_TMP/serial.log" \
	"e2e.steps=agent,warn,agent_wait:1:60,agent_stop,agent,sleep:3,agent_stop,poweroff" ||
	e2e_fail "guest did not power off"
e2e_qemu_console "$E2E_TMP/serial.log" | grep -a -E '^E2E(: |-AGENT-STATUS: (acked|spool_pending) )'
e2e_qemu_console "$E2E_TMP/serial.log" | grep -a -q '^E2E: agent acked' || {
	e2e_qemu_console "$E2E_TMP/serial.log" | grep -a '^E2E-AGENT-LOG' | tail -n 40
	e2e_fail "the WARNING was not acknowledged"
}

e2e_export "$E2E_TMP/export.jsonl" || e2e_fail "oopsctl export failed"
$E2E_RECORDS export "$E2E_TMP/export.jsonl" \
	--total 1 \
	--expect 1 'title~^WARNING in crashmod_do_warn$' 'kind~^WARNING$' \
		'source~(?i)kmsg' 'hostname~^e2e-guest$' 'release~^6\.' ||
	e2e_fail "stored records are not the one WARNING"
# The second agent run resumed after the WARNING: it sent nothing.
e2e_qemu_console "$E2E_TMP/serial.log" | grep -a '^E2E-AGENT-STATUS: acked ' | tail -n 1 |
	grep -q ' 0$' || e2e_fail "the restarted agent shipped records again"
e2e_log "pass"
