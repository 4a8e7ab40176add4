#!/bin/bash
# qemu_pstore_panic - a real kernel panics; after the reset the agent inside
# the guest finds dmesg-ramoops-0, ships it through QEMU's user network to
# oops-collector on the host, gets the ack and removes the pstore entry; a
# third boot finds pstore empty.  The collector holds exactly one record:
# the panic, from pstore, complete.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/qemu.sh"
. "$(dirname "$0")/lib/oopsd.sh"
e2e_init qemu_pstore_panic
e2e_need_bin oops-agent oops-collector oopsctl
e2e_qemu_need

e2e_collector_start
e2e_qemu_pstore_cycle panic 1

e2e_export "$E2E_TMP/export.jsonl" || e2e_fail "oopsctl export failed"
$E2E_RECORDS export "$E2E_TMP/export.jsonl" \
	--total 1 \
	--expect 1 'title~^kernel panic: crashmod: panic requested$' \
		'kind~(?i)panic' 'source~(?i)pstore' 'reason~^Panic$' \
		'complete~true' 'release~^6\.' 'hostname~^e2e-guest$' \
		'files~dmesg-ramoops-0' ||
	e2e_fail "stored records are not what the guest crashed with"
e2e_log "pass"
