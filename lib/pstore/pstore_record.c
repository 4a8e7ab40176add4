// SPDX-License-Identifier: MIT
/*
 * pstore_record.c - the record_origin (lib/record.h) of a pstore item.
 */
#include "pstore/pstore_record.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int pstore_item_record(const struct pstore_scan *s, size_t idx,
		       struct pstore_record *rec)
{
	const struct pstore_item *it;
	struct record_origin init = RECORD_ORIGIN_INIT;
	struct record_origin *o = &rec->origin;
	size_t n = 0;

	memset(rec, 0, sizeof(*rec));
	if (idx >= s->nitems)
		return -EINVAL;
	it = &s->items[idx];
	rec->names = calloc(it->nfiles + s->nattachments + 1,
			    sizeof(*rec->names));
	if (rec->names == NULL)
		return -ENOMEM;
	*o = init;
	o->source = it->source == PSTORE_SRC_CONSOLE ?
			    RECORD_SOURCE_PSTORE_CONSOLE :
			    RECORD_SOURCE_PSTORE_DMESG;
	for (size_t i = 0; i < it->nfiles; i++)
		rec->names[n++] = s->files[it->files[i]].name;
	o->files = rec->names;
	o->nfiles = it->nfiles;
	for (size_t i = 0; i < s->nattachments; i++)
		rec->names[n++] = s->files[s->attachments[i]].name;
	o->attachments = rec->names + it->nfiles;
	o->nattachments = s->nattachments;
	o->reason = it->reason[0] ? it->reason : NULL;
	o->parts_expected = it->parts_expected;
	o->parts_found = it->parts_found;
	o->parts_duplicate = it->parts_duplicate;
	o->complete = it->complete;
	o->decompressed_by = it->decompressed_by;
	o->ecc_corrected = it->ecc.corrected;
	o->ecc_unrecoverable = it->ecc.unrecoverable;
	o->crash_time_us = it->mtime_us > 0 ? it->mtime_us : -1;

	if (it->report != NULL) {
		rec->report = it->report;
		return 0;
	}
	/* No parsed report: say what there is instead. */
	rec->synth.cpu = -1;
	rec->synth.pid = -1;
	rec->synth.time_us = -1;
	rec->synth.text = it->text;
	rec->synth.text_len = it->text_len;
	if (it->console_tail) {
		rec->synth.kind = OOPS_KIND_REBOOT;
		rec->synth.title = (char *)"unexpected kernel reboot";
	} else {
		rec->synth.kind = OOPS_KIND_UNKNOWN;
		rec->synth.title =
			(char *)"corrupted report (undecodable pstore record)";
		rec->synth.corrupted = true;
	}
	rec->report = &rec->synth;
	return 0;
}

void pstore_record_release(struct pstore_record *rec)
{
	free(rec->names);
	memset(rec, 0, sizeof(*rec));
}
