#!/bin/bash
# qemu_multi_oops - a real kernel oopses twice without dying (kernel BUG and
# a NULL dereference, each in a kthread), then panics.  ramoops keeps three
# dumps (Oops#1, Oops#2, Panic#3), each holding the whole log so far, so the
# first BUG is in all three files.  The agent in the guest must ship every
# report exactly once, with the right title and dump reason.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/qemu.sh"
. "$(dirname "$0")/lib/oopsd.sh"
e2e_init qemu_multi_oops
e2e_need_bin oops-agent oops-collector oopsctl
e2e_qemu_need

e2e_collector_start
e2e_qemu_pstore_cycle bug,null,panic 3

e2e_export "$E2E_TMP/export.jsonl" || e2e_fail "oopsctl export failed"
$E2E_RECORDS export "$E2E_TMP/export.jsonl" \
	--total 3 --unique id \
	--all 'source~(?i)pstore' --all 'hostname~^e2e-guest$' \
	--expect 1 'title~^kernel BUG in crashmod_do_bug$' 'kind~^BUG$' \
		'reason~^Oops$' 'files~dmesg-ramoops-0' \
	--expect 1 'title~^BUG: unable to handle kernel NULL pointer dereference in crashmod_do_null$' \
		'reason~^Oops$' 'files~dmesg-ramoops-1' \
	--expect 1 'title~^kernel panic: crashmod: panic requested$' \
		'reason~^Panic$' 'files~dmesg-ramoops-2' ||
	e2e_fail "stored records are not the three crashes"
e2e_log "pass"
