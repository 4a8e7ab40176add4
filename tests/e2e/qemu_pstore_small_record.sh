#!/bin/bash
# qemu_pstore_small_record - ramoops with record_size=0x1000 and no
# compression (what small boards configure): each dump keeps only the last
# ~4 KB of the log, so the panic's dump holds just the end of the oops
# before it.  That partial copy must not become a second record.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/qemu.sh"
. "$(dirname "$0")/lib/oopsd.sh"
e2e_init qemu_pstore_small_record
e2e_need_bin oops-agent oops-collector oopsctl
e2e_qemu_need

e2e_collector_start
e2e_qemu_pstore_cycle null,panic 2 e2e.ramoops=record_size=0x1000 pstore.compress=none

e2e_export "$E2E_TMP/export.jsonl" || e2e_fail "oopsctl export failed"
$E2E_RECORDS export "$E2E_TMP/export.jsonl" \
	--total 2 --unique id --all 'source~(?i)pstore' \
	--expect 1 'title~^BUG: unable to handle kernel NULL pointer dereference in crashmod_do_null$' 'reason~^Oops$' \
	--expect 1 'title~^kernel panic: crashmod: panic requested$' 'reason~^Panic$' ||
	e2e_fail "stored records are not the two crashes"
e2e_log "pass"
