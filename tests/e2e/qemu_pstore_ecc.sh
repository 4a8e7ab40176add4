#!/bin/bash
# qemu_pstore_ecc - ramoops with ecc=1: every dump ends with an
# "ECC: No errors detected" trailer that must not end up in the report or
# change its identity; the records say nothing was corrected.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/qemu.sh"
. "$(dirname "$0")/lib/oopsd.sh"
e2e_init qemu_pstore_ecc
e2e_need_bin oops-agent oops-collector oopsctl
e2e_qemu_need

e2e_collector_start
e2e_qemu_pstore_cycle bug,panic 2 e2e.ramoops=ecc=1
e2e_qemu_console "$E2E_TMP/serial.log" | grep -a -q 'ramoops: using 0x100000@0x10000000, ecc: 16' ||
	e2e_fail "ramoops did not enable ECC"

e2e_export "$E2E_TMP/export.jsonl" || e2e_fail "oopsctl export failed"
$E2E_RECORDS export "$E2E_TMP/export.jsonl" \
	--total 2 --unique id --all 'source~(?i)pstore' \
	--all 'ecc_unrecoverable~^0$' --all 'ecc_corrected~^0$' \
	--all 'report~(?s)^((?!ECC: No errors).)*$' \
	--expect 1 'title~^kernel BUG in crashmod_do_bug$' 'reason~^Oops$' \
	--expect 1 'title~^kernel panic: crashmod: panic requested$' 'reason~^Panic$' ||
	e2e_fail "stored records are not the two crashes"
e2e_log "pass"
