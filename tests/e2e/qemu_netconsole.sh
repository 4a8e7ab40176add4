#!/bin/bash
# qemu_netconsole - a real kernel with two netconsole targets, extended
# (+, with ncfrag fragments) and legacy, both to oops-collector's
# netconsole listener on the host (QEMU user network: 10.0.2.2 is the
# host's 127.0.0.1).  The guest warns, oopses twice and panics, with no
# agent: the collector itself must turn each stream into records, every
# crash once per stream, with the right titles.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/qemu.sh"
. "$(dirname "$0")/lib/oopsd.sh"
e2e_init qemu_netconsole
e2e_need_bin oops-collector oopsctl
e2e_has_key oops-collector netconsole_listen || e2e_skip "oops-collector has no netconsole_listen"
e2e_qemu_need

nc_port=$(e2e_free_port udp)
E2E_COLLECTOR_EXTRA="netconsole_listen = 127.0.0.1:$nc_port"
e2e_collector_start
e2e_wait_for 10 e2e_udp_bound "$nc_port" || e2e_fail "netconsole listener not bound"

e2e_qemu_initramfs "$E2E_TMP/initrd.cpio"
mac=52:55:0a:00:02:02
e2e_qemu_boot "$E2E_TMP/initrd.cpio" "$E2E_TMP/serial.log" \
	"e2e.netconsole=+6665@10.0.2.15/eth0,$nc_port@10.0.2.2/$mac;6664@10.0.2.15/eth0,$nc_port@10.0.2.2/$mac" \
	"e2e.steps=netconsole,warn,long,bug,null,panic/poweroff" ||
	e2e_fail "guest did not power off"
e2e_qemu_console "$E2E_TMP/serial.log" | grep -a -q '^E2E: netconsole up' ||
	e2e_fail "netconsole did not start in the guest"

# The panic's report is closed by the receiver's own deadline (nothing
# follows it on the wire), so wait for all 8 records to be stored.
e2e_wait_for 60 e2e_count_at_least 8 ||
	{ e2e_collector_logs 60; e2e_log "stored $(e2e_stored_count)"; }
e2e_export "$E2E_TMP/export.jsonl" || e2e_fail "oopsctl export failed"
$E2E_RECORDS export "$E2E_TMP/export.jsonl" \
	--total 8 --unique id --all 'source~(?i)netconsole' \
	--distinct 2 sender \
	--expect 2 'title~^WARNING in crashmod_do_warn$' \
	--expect 2 'title~^kernel BUG in crashmod_do_bug$' \
	--expect 2 'title~^BUG: unable to handle kernel NULL pointer dereference in crashmod_do_null$' \
	--expect 2 'title~^kernel panic: crashmod: panic requested$' ||
	{ e2e_collector_logs 40; e2e_fail "stored records are not the crashes, once per stream"; }
e2e_log "pass"
