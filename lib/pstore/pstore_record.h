/* SPDX-License-Identifier: MIT */
/*
 * pstore_record.h - from a pstore item to what a crash record is made of.
 *
 * The pstore reader (pstore.h) finds, decodes and groups what the previous
 * boot left; it knows nothing of records.  This header is the one place
 * where pstore meets the record layer, so a program that only lists or
 * inspects pstore does not pull in the protobuf codec.
 */
#ifndef OOPSD_PSTORE_RECORD_H
#define OOPSD_PSTORE_RECORD_H

#include "pstore/pstore.h"
#include "record/record.h"

/*
 * What an item's CrashRecord is made of (record_pack()): the report and
 * its origin.  Items without a parsed report get one made here: a console
 * tail is "unexpected kernel reboot" (OOPS_KIND_REBOOT) with the tail as
 * text; an undecodable dump is "corrupted report (undecodable pstore
 * record)", corrupted, with the raw bytes as text.  The origin's host
 * fields (hostname, machine_id, boot ids, collected_time_us) are left for
 * the caller; source, files, reason, parts, complete, decompressed_by, ECC
 * figures, attachments and crash_time_us (the record time of its earliest
 * file) are filled.  Everything points into the scan and rec: release it
 * with pstore_record_release() before pstore_scan_free().
 */
struct pstore_record {
	const struct oops_report *report;
	struct record_origin origin;
	/* private */
	struct oops_report synth;
	const char **names;
};

/* Fill rec for item idx.  Returns 0, -EINVAL (bad index) or -ENOMEM. */
int pstore_item_record(const struct pstore_scan *s, size_t idx,
		       struct pstore_record *rec);
void pstore_record_release(struct pstore_record *rec);

#endif
