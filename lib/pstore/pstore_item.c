// SPDX-License-Identifier: MIT
/*
 * pstore_item.c - the file-system-free core of the pstore reader: runs the
 * analysis of a scan (pstore_group.c) and turns its reports, the console
 * and the undecodable dumps into items with a stable identity.  pstore.c
 * feeds it from a directory, the fuzzer from memory.
 */
#include "pstore/pstore.h"
#include "pstore_internal.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/hash.h"
#include "base/util.h"

static int item_add_file(struct pstore_item *it, size_t f)
{
	size_t *nf;

	for (size_t i = 0; i < it->nfiles; i++)
		if (it->files[i] == f)
			return 0;
	nf = realloc(it->files, (it->nfiles + 1) * sizeof(*nf));
	if (nf == NULL)
		return -ENOMEM;
	it->files = nf;
	it->files[it->nfiles++] = f;
	return 0;
}

static int item_add_dump(struct builder *b, struct pstore_item *it, size_t d)
{
	for (size_t i = 0; i < b->dumps[d].nfiles; i++)
		if (item_add_file(it, b->dumps[d].files[i]) < 0)
			return -ENOMEM;
	return 0;
}

static struct pstore_item *item_new(struct pstore_scan *s)
{
	struct pstore_item *ni;

	ni = realloc(s->items, (s->nitems + 1) * sizeof(*ni));
	if (ni == NULL)
		return NULL;
	s->items = ni;
	memset(&ni[s->nitems], 0, sizeof(*ni));
	ni[s->nitems].time_us = -1;
	return &ni[s->nitems++];
}

/* Sum what the files say about the item's integrity. */
static void item_finish(struct pstore_scan *s, struct pstore_item *it)
{
	for (size_t i = 0; i < it->nfiles; i++) {
		const struct pstore_file *f = &s->files[it->files[i]];

		if (f->ecc.present) {
			it->ecc.present = true;
			it->ecc.corrected += f->ecc.corrected;
			it->ecc.unrecoverable += f->ecc.unrecoverable;
		}
		if (it->decompressed_by == NULL && f->decompressed_by)
			it->decompressed_by = f->decompressed_by;
		if (f->mtime_us > 0 &&
		    (it->mtime_us == 0 || f->mtime_us < it->mtime_us))
			it->mtime_us = f->mtime_us;
	}
	if (it->ecc.unrecoverable > 0)
		it->complete = false;
}

static void item_set_key(struct pstore_item *it, const uint64_t key[2])
{
	it->key[0] = key[0];
	it->key[1] = key[1];
}

/* Turn the merged reports into items, in log order. */
static int build_items(struct builder *b)
{
	struct pstore_scan *s = b->scan;

	for (size_t i = 0; i < b->nreps; i++) {
		struct rep *p = &b->reps[i];
		long root;

		if (p->cause >= 0)
			continue;
		root = pstore_rep_find(b, (long)i);
		if (b->reps[root].item < 0) {
			struct pstore_item *it = item_new(s);

			if (it == NULL)
				return -ENOMEM;
			it->source = PSTORE_SRC_DMESG;
			b->reps[root].item = (long)(it - s->items);
		} else {
			s->stats.duplicates_merged++;
		}
		p->item = b->reps[root].item;
	}
	/* Consequences join the item of their cause. */
	for (size_t i = 0; i < b->nreps; i++) {
		long c = (long)i;

		while (b->reps[c].cause >= 0)
			c = b->reps[c].cause;
		if (c != (long)i) {
			b->reps[i].item = b->reps[c].item;
			s->stats.consequences_merged++;
		}
	}
	for (size_t i = 0; i < b->nreps; i++) {
		struct rep *p = &b->reps[i];
		struct pstore_item *it = &s->items[p->item];
		const struct dump *d = &b->dumps[b->segs[p->seg].dump];

		if (item_add_dump(b, it, b->segs[p->seg].dump) < 0)
			return -ENOMEM;
		if (p->cause >= 0) {
			if (it->report)
				it->report->panicked = true;
			continue;
		}
		if (p->r->panicked && it->report)
			it->report->panicked = true;
		/* Keep the fullest copy of the report. */
		if (it->report == NULL ||
		    p->r->text_len > it->report->text_len ||
		    (it->report->truncated && !p->r->truncated)) {
			bool panicked = it->report && it->report->panicked;

			if (it->report)
				oops_report_free(it->report);
			it->report = p->r;
			p->r = NULL;
			if (panicked)
				it->report->panicked = true;
			str_lcpy(it->first_line, p->first_line,
				 sizeof(it->first_line));
			it->time_us = p->time_us;
			item_set_key(it, p->key);
			it->parts_expected = d->parts_expected;
			it->parts_found = d->parts_found;
			it->parts_missing = d->parts_missing;
			it->parts_duplicate = d->parts_dup;
			it->complete = d->parts_missing == 0 && !d->cut &&
				       !it->report->truncated;
		}
	}
	/*
	 * The dump reason: the report at the end of the dump's newest part
	 * triggered it.  Only Oops and Panic dumps are triggered by a report:
	 * a Shutdown, Restart, Halt, Poweroff or Emergency dump ends with
	 * whatever came last, which did not cause it.
	 */
	for (size_t sgi = 0; sgi < b->nsegs; sgi++) {
		const struct segment *sg = &b->segs[sgi];
		const char *reason = b->dumps[sg->dump].reason;
		long last = -1;

		if (!sg->newest || (strcmp(reason, "Oops") != 0 &&
				    strcmp(reason, "Panic") != 0))
			continue;
		for (size_t i = 0; i < b->nreps; i++)
			if (b->reps[i].seg == sgi)
				last = (long)i;
		if (last < 0)
			continue;
		struct pstore_item *it = &s->items[b->reps[last].item];

		if (pstore_reason_rank(reason) > pstore_reason_rank(it->reason))
			str_lcpy(it->reason, reason, sizeof(it->reason));
	}
	for (size_t i = 0; i < s->nitems; i++) {
		struct pstore_item *it = &s->items[i];

		if (it->report) {
			it->text = it->report->text;
			it->text_len = it->report->text_len;
		}
		item_finish(s, it);
	}
	return 0;
}

static int cmp_item_time(const void *a, const void *b)
{
	const struct pstore_item *x = a, *y = b;

	if (x->time_us != y->time_us)
		return x->time_us < y->time_us ? -1 : 1;
	if (x->key[0] != y->key[0])
		return x->key[0] < y->key[0] ? -1 : 1;
	return 0;
}

/*
 * An undecodable dump keeps its raw bytes in a record of its own, even
 * when the console stands in for its text: nothing is lost when the file
 * is removed.
 */
static int add_raw_items(struct builder *b)
{
	struct pstore_scan *s = b->scan;

	for (size_t i = 0; i < s->nfiles; i++) {
		struct pstore_file *f = &s->files[i];
		struct pstore_item *it;
		struct pstore_ecc e;
		size_t len;

		if (!f->undecodable)
			continue;
		it = item_new(s);
		if (it == NULL)
			return -ENOMEM;
		it->source = PSTORE_SRC_DMESG;
		it->undecodable = true;
		/* The raw bytes as the kernel kept them, ECC trailer aside. */
		len = f->raw_len;
		if (f->ecc.present)
			len = pstore_strip_ecc(f->raw, f->raw_len, &e);
		it->text = malloc(len + 1);
		if (it->text == NULL)
			return -ENOMEM;
		memcpy(it->text, f->raw, len);
		it->text[len] = '\0';
		it->text_len = len;
		snprintf(it->first_line, sizeof(it->first_line),
			 "undecodable %s", f->name);
		it->key[0] = fnv1a64(FNV_SEED1, f->raw, len);
		it->key[1] = fnv1a64(FNV_SEED2, f->raw, len);
		it->parts_expected = 1;
		it->parts_found = 1;
		if (item_add_file(it, i) < 0)
			return -ENOMEM;
		item_finish(s, it);
	}
	return 0;
}

/*
 * console-ramoops when no dmesg record gave a report: the last complete
 * report, else (allow_tail) the tail: a hard reset leaves no report.
 */
static int add_console_item(struct builder *b, long cf, bool allow_tail)
{
	struct pstore_scan *s = b->scan;
	struct pstore_file *f = &s->files[cf];
	const char *text = f->raw;
	size_t len = f->raw_len, tail, n = 0;
	struct oops_report **out = NULL, *pick = NULL;
	struct pstore_item *it;
	int nr;

	len = pstore_strip_ecc(text, len, &f->ecc);
	if (!pstore_looks_like_log(text, len)) {
		f->garbage = true;
		s->stats.garbage++;
		return 0;
	}
	/* The ring may start in the middle of a line: drop that piece. */
	if (len > 0 && text[0] != '[' && text[0] != '<') {
		size_t l = pstore_line_len(text, len);

		if (l < len) {
			text += l + 1;
			len -= l + 1;
		}
	}
	nr = oops_parse_buffer(text, len, b->opt->parser, &out);
	if (nr < 0)
		return nr;
	for (int i = nr - 1; i >= 0 && pick == NULL; i--)
		if (!out[i]->truncated)
			pick = out[i];
	if (pick == NULL && nr > 0)
		pick = out[nr - 1];
	for (int i = 0; i < nr; i++)
		if (out[i] != pick)
			oops_report_free(out[i]);
	free(out);
	if (pick == NULL && !allow_tail)
		return 0;
	it = item_new(s);
	if (it == NULL) {
		oops_report_free(pick);
		return -ENOMEM;
	}
	it->source = PSTORE_SRC_CONSOLE;
	it->parts_expected = 1;
	it->parts_found = 1;
	it->complete = !f->cut;
	if (pick != NULL) {
		size_t first = pick->start_line > 0 ? pick->start_line - 1 : 0;
		size_t off = 0;

		/* Find the report's first raw line for its identity. */
		for (size_t i = 0; i < first && off < len; i++) {
			const char *nl = memchr(text + off, '\n', len - off);

			if (nl == NULL)
				break;
			off = (size_t)(nl - text) + 1;
		}
		const char *l = pstore_raw_line_norm(text + off,
					      pstore_line_len(text + off, len - off),
					      &n);

		it->report = pick;
		it->text = pick->text;
		it->text_len = pick->text_len;
		it->time_us = pstore_line_time_us(l, n);
		it->key[0] = fnv1a64(FNV_SEED1, l, n);
		it->key[1] = fnv1a64(FNV_SEED2, l, n);
		if (it->time_us < 0) {
			size_t tl = pick->text_len;

			it->key[0] = fnv1a64(it->key[0], pick->text, tl);
			it->key[1] = fnv1a64(it->key[1], pick->text, tl);
		}
		memcpy(it->first_line, l, n < sizeof(it->first_line) ?
					  n : sizeof(it->first_line) - 1);
		if (pick->truncated)
			it->complete = false;
	} else {
		tail = len < b->opt->console_tail_bytes ?
			       len : b->opt->console_tail_bytes;
		const char *t = text + len - tail;

		/* Start the tail at a line boundary when there is one. */
		if (tail < len) {
			const char *nl = memchr(t, '\n', tail);

			if (nl != NULL && nl + 1 < text + len) {
				tail -= (size_t)(nl + 1 - t);
				t = nl + 1;
			}
		}
		it->console_tail = true;
		it->complete = false;
		it->text = malloc(tail + 1);
		if (it->text == NULL)
			return -ENOMEM;
		memcpy(it->text, t, tail);
		it->text[tail] = '\0';
		it->text_len = tail;
		it->key[0] = fnv1a64(FNV_SEED1, t, tail);
		it->key[1] = fnv1a64(FNV_SEED2, t, tail);
		snprintf(it->first_line, sizeof(it->first_line),
			 "console tail of %s", f->name);
	}
	if (item_add_file(it, (size_t)cf) < 0)
		return -ENOMEM;
	item_finish(s, it);
	return 0;
}

/*
 * Keys name items in the state file: two items must never share one (an
 * acknowledgement would cover both).  A later twin gets its ordinal mixed
 * in; the order of items is deterministic, so the key is stable.
 */
static void unique_keys(struct pstore_scan *s)
{
	for (size_t i = 1; i < s->nitems; i++) {
		uint64_t n = 0;

		for (size_t j = 0; j < i; j++) {
			if (s->items[j].key[0] != s->items[i].key[0] ||
			    s->items[j].key[1] != s->items[i].key[1])
				continue;
			n++;
			s->items[i].key[1] = fnv1a64(s->items[i].key[1],
							 &n, sizeof(n));
			j = (size_t)-1; /* check again from the start */
		}
	}
}

static void builder_free(struct builder *b)
{
	for (size_t i = 0; i < b->ndumps; i++)
		free(b->dumps[i].files);
	free(b->dumps);
	for (size_t i = 0; i < b->nsegs; i++) {
		free(b->segs[i].text);
		free(b->segs[i].lines);
	}
	free(b->segs);
	for (size_t i = 0; i < b->nreps; i++)
		if (b->reps[i].r)
			oops_report_free(b->reps[i].r);
	free(b->reps);
}

int pstore_scan_analyse(struct pstore_scan *s, const struct pstore_options *o)
{
	struct builder b = { .scan = s, .opt = o };
	long console = -1;
	bool any_dmesg_text = false;
	size_t used = 0, budget;
	int rc;

	/* Decoded text counts in the scan's memory budget too. */
	for (size_t i = 0; i < s->nfiles; i++)
		used += s->files[i].raw_len;
	budget = used < o->max_total_bytes ? o->max_total_bytes - used : 0;
	for (size_t i = 0; i < s->nfiles; i++) {
		struct pstore_file *f = &s->files[i];

		if (!f->name_ok || f->error)
			continue;
		switch (f->pn.type) {
		case PSTORE_TYPE_DMESG: {
			bool by_budget = budget < o->max_file_bytes;

			/*
			 * An .enc.z file that cannot be decoded within what
			 * is left of the scan's budget is not known to be
			 * corrupt: a decoder that needs more room than it got
			 * (an lz4 block does not stop half way) fails like a
			 * broken stream.  It is not made a "corrupted report"
			 * record of raw bytes then, only counted: the files
			 * stay, and a scan with more room decodes them.
			 */
			if (f->pn.enc_z && budget < 4096) {
				f->error = -EFBIG;
				s->stats.over_budget++;
				continue;
			}
			rc = pstore_file_prepare_dmesg(f, by_budget ?
						   budget : o->max_file_bytes);
			if (rc == -ENOMEM || (rc < 0 && by_budget)) {
				f->error = rc == -ENOMEM ? rc : -EFBIG;
				s->stats.over_budget++;
				continue;
			}
			f->undecodable = rc < 0;
			budget -= f->text_len < budget ? f->text_len : budget;
			if (f->undecodable)
				s->stats.undecodable++;
			else if (f->garbage)
				s->stats.garbage++;
			else
				any_dmesg_text = true;
			if (!f->undecodable && !f->header_ok)
				s->stats.bad_headers++;
			break;
		}
		case PSTORE_TYPE_CONSOLE:
			/* Several consoles: the one with the highest id. */
			if (console < 0 ||
			    f->pn.id >= s->files[console].pn.id)
				console = (long)i;
			break;
		default: {
			size_t *na = realloc(s->attachments,
					     (s->nattachments + 1) *
						     sizeof(*na));

			if (na == NULL)
				return -ENOMEM;
			s->attachments = na;
			s->attachments[s->nattachments++] = i;
			break;
		}
		}
	}
	rc = pstore_group_dumps(&b);
	if (rc == 0)
		rc = pstore_build_segments(&b);
	if (rc == 0)
		rc = pstore_parse_segments(&b);
	if (rc == 0)
		rc = pstore_merge_copies(&b);
	if (rc == 0)
		rc = build_items(&b);
	if (rc < 0)
		goto out;
	if (s->nitems > 1)
		qsort(s->items, s->nitems, sizeof(*s->items), cmp_item_time);
	/*
	 * No report from dmesg records: the console may hold one (a watchdog
	 * reset makes no dump).  Its bare tail only stands for a crash when
	 * there is no dmesg text at all: next to a Shutdown dump, it is the
	 * end of a clean shutdown.
	 */
	if (s->nitems == 0 && console >= 0)
		rc = add_console_item(&b, console, !any_dmesg_text);
	if (rc == 0)
		rc = add_raw_items(&b);
	if (rc < 0)
		goto out;
	unique_keys(s);
	for (size_t i = 0; i < s->nitems; i++)
		for (size_t k = 0; k < s->items[i].nfiles; k++)
			s->files[s->items[i].files[k]].nitems++;
out:
	builder_free(&b);
	return rc;
}

void pstore_item_key_hex(const struct pstore_item *it, char *buf)
{
	unsigned char k[16];

	for (int i = 0; i < 8; i++) {
		k[i] = (unsigned char)(it->key[0] >> (56 - 8 * i));
		k[8 + i] = (unsigned char)(it->key[1] >> (56 - 8 * i));
	}
	hex_encode(k, sizeof(k), buf);
}
