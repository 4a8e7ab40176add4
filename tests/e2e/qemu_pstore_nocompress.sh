#!/bin/bash
# qemu_pstore_nocompress - as qemu_multi_oops, with pstore compression off
# (pstore.compress=none: ramoops stores plain text).
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/qemu.sh"
. "$(dirname "$0")/lib/oopsd.sh"
e2e_init qemu_pstore_nocompress
e2e_need_bin oops-agent oops-collector oopsctl
e2e_qemu_need

e2e_collector_start
e2e_qemu_pstore_cycle bug,null,panic 3 pstore.compress=none
e2e_qemu_console "$E2E_TMP/serial.log" | grep -a -q 'pstore: Using crash dump compression' &&
	e2e_fail "the kernel compressed its dumps despite pstore.compress=none"

e2e_export "$E2E_TMP/export.jsonl" || e2e_fail "oopsctl export failed"
$E2E_RECORDS export "$E2E_TMP/export.jsonl" \
	--total 3 --unique id --all 'source~(?i)pstore' --all 'complete~true' \
	--expect 1 'title~^kernel BUG in crashmod_do_bug$' 'reason~^Oops$' \
	--expect 1 'title~^BUG: unable to handle kernel NULL pointer dereference in crashmod_do_null$' 'reason~^Oops$' \
	--expect 1 'title~^kernel panic: crashmod: panic requested$' 'reason~^Panic$' ||
	e2e_fail "stored records are not the three crashes"
e2e_log "pass"
