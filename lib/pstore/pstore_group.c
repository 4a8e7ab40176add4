// SPDX-License-Identifier: MIT
/*
 * pstore_group.c - from files to reports: decode each dmesg record, group
 * the parts of one kmsg_dump() into dumps, join them into gap-free
 * segments, parse each segment, and fold the copies of one report (and a
 * panic that only follows it) into one.  pstore_item.c turns the result
 * into items.
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

/* Parts of one EFI dump carry the time of each part: allow this spread. */
#define EFI_DUMP_WINDOW_S 10
/* A consequence panic comes at most this many lines after its cause. */
#define CONSEQUENCE_MAX_GAP 200

/*
 * Decode (.enc.z: at most max_out bytes of text) and split a dmesg record.
 * Returns 0, or the decoder's -EBADMSG/-ENOMEM for an .enc.z file that
 * did not decode (the caller decides whether it is corrupt or only did not
 * fit).
 */
int pstore_file_prepare_dmesg(struct pstore_file *f, size_t max_out)
{
	const char *data = f->raw;
	size_t len = f->raw_len;
	int rc;

	len = pstore_strip_ecc(data, len, &f->ecc);
	if (f->pn.enc_z) {
		const char *m;

		rc = pstore_decompress(data, len, max_out, &f->text,
				       &f->text_len, &m);
		/* A trailer-like tail may belong to the compressed bytes. */
		if (rc == -EBADMSG && f->ecc.present) {
			rc = pstore_decompress(f->raw, f->raw_len, max_out,
					       &f->text, &f->text_len, &m);
			if (rc == 0)
				memset(&f->ecc, 0, sizeof(f->ecc));
		}
		if (rc < 0)
			return rc;
		f->decompressed_by = m;
		/* Output at the bound: the newest end of the log is cut. */
		if (f->text_len >= max_out)
			f->cut = true;
		data = f->text;
		len = f->text_len;
	}
	if (pstore_parse_header(data, len, &f->hdr) == 0) {
		f->header_ok = true;
		f->body = data + f->hdr.header_len;
		f->body_len = len - f->hdr.header_len;
	} else {
		f->body = data;
		f->body_len = len;
	}
	if (!pstore_looks_like_log(f->body, f->body_len) &&
	    !(f->header_ok && f->body_len == 0))
		f->garbage = true;
	/*
	 * The crashed kernel said it compresses its dumps, and this one is
	 * not .enc.z: the next kernel decompressed it.  (The line is printed
	 * when pstore starts, so a short dump may not hold it.)
	 */
	if (!f->pn.enc_z && !f->garbage &&
	    memmem(f->body, f->body_len, "pstore: Using crash dump compression",
		   36) != NULL)
		f->decompressed_by = "kernel";
	return 0;
}

struct gkey {
	size_t file;
	uint64_t k;		/* id - part, or the EFI dump's first index */
};

static bool is_efi(const char *backend)
{
	return strcmp(backend, "efi") == 0 ||
	       strcmp(backend, "efi_pstore") == 0;
}

static uint64_t efi_seconds(uint64_t id)
{
	return id / 100000;
}

/* Sort order that puts the parts of one dump next to each other. */
static int cmp_dmesg(const void *a, const void *b, void *arg)
{
	const struct pstore_scan *s = arg;
	const struct gkey *ga = a, *gb = b;
	const struct pstore_file *fa = &s->files[ga->file];
	const struct pstore_file *fb = &s->files[gb->file];
	uint64_t ka = ga->k, kb = gb->k;
	int c;

	c = strcmp(fa->pn.backend, fb->pn.backend);
	if (c)
		return c;
	if (fa->header_ok != fb->header_ok)
		return fa->header_ok ? -1 : 1;
	if (!fa->header_ok)
		return fa->pn.id < fb->pn.id ? -1 : fa->pn.id > fb->pn.id;
	c = strcmp(fa->hdr.reason, fb->hdr.reason);
	if (c)
		return c;
	if (fa->hdr.count != fb->hdr.count)
		return fa->hdr.count < fb->hdr.count ? -1 : 1;
	if (ka != kb)
		return ka < kb ? -1 : 1;
	if (fa->hdr.part != fb->hdr.part)
		return fa->hdr.part > fb->hdr.part ? -1 : 1;
	return fa->pn.id < fb->pn.id ? -1 : fa->pn.id > fb->pn.id;
}

static bool same_dump(const struct pstore_scan *s, const struct gkey *a,
		      const struct gkey *b)
{
	const struct pstore_file *fa = &s->files[a->file];
	const struct pstore_file *fb = &s->files[b->file];

	return fa->header_ok && fb->header_ok &&
	       strcmp(fa->pn.backend, fb->pn.backend) == 0 &&
	       strcmp(fa->hdr.reason, fb->hdr.reason) == 0 &&
	       fa->hdr.count == fb->hdr.count && a->k == b->k;
}

/* Does gk[j] repeat a part of gk[i..j) with other text? */
static bool part_conflict(const struct pstore_scan *s, const struct gkey *gk,
			  size_t i, size_t j)
{
	const struct pstore_file *g = &s->files[gk[j].file];

	for (size_t k = i; k < j; k++) {
		const struct pstore_file *f = &s->files[gk[k].file];

		if (f->hdr.part == g->hdr.part &&
		    (f->body_len != g->body_len ||
		     memcmp(f->body, g->body, f->body_len) != 0))
			return true;
	}
	return false;
}

/*
 * Group the readable dmesg files into dumps.  Files that did not decode or
 * are garbage form no dump (they still count in stats).
 */
int pstore_group_dumps(struct builder *b)
{
	struct pstore_scan *s = b->scan;
	struct gkey *gk;
	size_t n = 0;
	int rc = 0;

	gk = calloc(s->nfiles + 1, sizeof(*gk));
	if (gk == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < s->nfiles; i++) {
		struct pstore_file *f = &s->files[i];

		if (!f->name_ok || f->pn.type != PSTORE_TYPE_DMESG ||
		    f->error || f->undecodable || f->garbage)
			continue;
		gk[n].file = i;
		if (!f->header_ok)
			gk[n].k = f->pn.id;
		else if (is_efi(f->pn.backend))
			gk[n].k = efi_seconds(f->pn.id);
		else
			gk[n].k = f->pn.id - f->hdr.part;
		n++;
	}
	/*
	 * EFI: each part carries its own time, a little later than the one
	 * before.  The parts of one (reason, count) form one dump while each
	 * comes within the window of the previous one and no part number
	 * comes again with other text: two dumps of two boots (both
	 * "Panic#1") never merge, even a few seconds apart.  Each dump gets a
	 * key of its own (its first index).
	 */
	qsort_r(gk, n, sizeof(*gk), cmp_dmesg, s);
	for (size_t i = 0; i < n;) {
		struct pstore_file *f = &s->files[gk[i].file];
		size_t j = i + 1;

		if (f->header_ok && is_efi(f->pn.backend)) {
			uint64_t prev = gk[i].k;

			while (j < n) {
				struct pstore_file *g = &s->files[gk[j].file];

				if (!g->header_ok ||
				    strcmp(g->pn.backend, f->pn.backend) ||
				    strcmp(g->hdr.reason, f->hdr.reason) ||
				    g->hdr.count != f->hdr.count ||
				    gk[j].k - prev > EFI_DUMP_WINDOW_S ||
				    part_conflict(s, gk, i, j))
					break;
				prev = gk[j].k;
				j++;
			}
			for (size_t k = i; k < j; k++)
				gk[k].k = i;
		}
		i = j;
	}
	qsort_r(gk, n, sizeof(*gk), cmp_dmesg, s);
	b->dumps = calloc(n + 1, sizeof(*b->dumps));
	if (b->dumps == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < n;) {
		struct dump *d = &b->dumps[b->ndumps];
		size_t j = i + 1;
		unsigned int maxp = 0, last = 0;

		while (j < n && same_dump(s, &gk[i], &gk[j]))
			j++;
		d->files = calloc(j - i, sizeof(*d->files));
		if (d->files == NULL) {
			rc = -ENOMEM;
			goto out;
		}
		b->ndumps++;
		d->mtime_us = INT64_MAX;
		for (size_t k = i; k < j; k++) {
			struct pstore_file *f = &s->files[gk[k].file];
			unsigned int part = f->header_ok ? f->hdr.part : 1;

			d->files[d->nfiles++] = gk[k].file;
			if (part > maxp)
				maxp = part;
			if (part == last)
				d->parts_dup++;
			else
				d->parts_found++;
			last = part;
			if (f->cut)
				d->cut = true;
			if (f->mtime_us > 0 && f->mtime_us < d->mtime_us)
				d->mtime_us = f->mtime_us;
		}
		if (d->mtime_us == INT64_MAX)
			d->mtime_us = 0;
		if (s->files[gk[i].file].header_ok)
			str_lcpy(d->reason, s->files[gk[i].file].hdr.reason,
				 sizeof(d->reason));
		d->parts_expected = maxp;
		d->parts_missing = maxp - d->parts_found;
		i = j;
	}
	s->stats.dumps = (unsigned int)b->ndumps;
out:
	free(gk);
	return rc;
}

static int seg_add(struct builder *b, size_t dump, bool newest,
		   const char *const *texts, const size_t *lens, size_t n)
{
	struct segment *sg, *ns;
	size_t total = 0, o = 0, cap;

	ns = realloc(b->segs, (b->nsegs + 1) * sizeof(*b->segs));
	if (ns == NULL)
		return -ENOMEM;
	b->segs = ns;
	sg = &b->segs[b->nsegs];
	memset(sg, 0, sizeof(*sg));
	for (size_t i = 0; i < n; i++)
		total += lens[i] + 1;
	sg->text = malloc(total + 1);
	if (sg->text == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		memcpy(sg->text + o, texts[i], lens[i]);
		o += lens[i];
		/* Parts end at a line boundary; keep one when they do not. */
		if (lens[i] > 0 && texts[i][lens[i] - 1] != '\n')
			sg->text[o++] = '\n';
	}
	sg->text[o] = '\0';
	sg->len = o;
	sg->dump = dump;
	sg->newest = newest;
	cap = 1;
	for (size_t i = 0; i < o; i++)
		cap += sg->text[i] == '\n';
	sg->lines = calloc(cap + 1, sizeof(*sg->lines));
	if (sg->lines == NULL) {
		free(sg->text);
		return -ENOMEM;
	}
	sg->lines[sg->nlines++] = 0;
	for (size_t i = 0; i + 1 < o; i++)
		if (sg->text[i] == '\n')
			sg->lines[sg->nlines++] = i + 1;
	b->nsegs++;
	return 0;
}

/*
 * Build the segments of every dump: parts highest first; a missing part
 * cuts the text so no report is glued across the gap; of two copies of a
 * part the first (lowest id) is used.
 */
int pstore_build_segments(struct builder *b)
{
	for (size_t d = 0; d < b->ndumps; d++) {
		struct dump *dp = &b->dumps[d];
		const char **texts = calloc(dp->nfiles, sizeof(*texts));
		size_t *lens = calloc(dp->nfiles, sizeof(*lens));
		size_t n = 0;
		unsigned int prev = 0;
		int rc = 0;

		if (texts == NULL || lens == NULL) {
			free(texts);
			free(lens);
			return -ENOMEM;
		}
		for (size_t i = 0; i < dp->nfiles && rc == 0; i++) {
			struct pstore_file *f = &b->scan->files[dp->files[i]];
			unsigned int part = f->header_ok ? f->hdr.part : 1;

			if (part == prev)
				continue; /* duplicate part */
			if (n > 0 && part + 1 != prev) {
				rc = seg_add(b, d, false, texts, lens, n);
				n = 0;
			}
			texts[n] = f->body;
			lens[n] = f->body_len;
			n++;
			prev = part;
		}
		if (rc == 0 && n > 0)
			rc = seg_add(b, d, prev == 1, texts, lens, n);
		free(texts);
		free(lens);
		if (rc < 0)
			return rc;
	}
	return 0;
}

long pstore_rep_find(struct builder *b, long i)
{
	while (b->reps[i].parent != i) {
		b->reps[i].parent = b->reps[b->reps[i].parent].parent;
		i = b->reps[i].parent;
	}
	return i;
}

static void rep_union(struct builder *b, long x, long y)
{
	x = pstore_rep_find(b, x);
	y = pstore_rep_find(b, y);
	if (x == y)
		return;
	/* The earlier report (lower index) stays the root. */
	if (x < y)
		b->reps[y].parent = x;
	else
		b->reps[x].parent = y;
}

/* The text of line i (0-based) of a segment, normalised. */
static const char *seg_line(const struct segment *sg, size_t i, size_t *n)
{
	size_t s = sg->lines[i];
	size_t e = i + 1 < sg->nlines ? sg->lines[i + 1] - 1 : sg->len;

	if (e > s && sg->text[e - 1] == '\n')
		e--;
	return pstore_raw_line_norm(sg->text + s, e - s, n);
}

/* Panic messages that only ever follow the report that caused them. */
static const char *const consequence_msgs[] = {
	"Fatal exception",	   /* die() with panic_on_oops, in interrupt */
	"softlockup: hung tasks",  /* softlockup_panic */
	"hung_task: blocked tasks", /* hung_task_panic */
	"Hard LOCKUP",		   /* hardlockup_panic */
	"hard LOCKUP",
	"RCU Stall",		   /* panic_on_rcu_stall */
	"panic_on_warn set",	   /* also "kernel: panic_on_warn set" */
	"panic_on_taint set",
	"Attempted to kill init!", /* an oops in PID 1 */
	"Attempted to kill the idle task!",
	"Aiee, killing interrupt handler!",
	"Fatal machine check",
	"Fatal Machine check",
	"Fatal local machine check",
	"Fatal hardware error!",
	"System is deadlocked on memory", /* after the OOM report */
	"Out of memory",
	"MCE: ",
	"kasan.fault=panic",	   /* KASAN/KFENCE set to panic */
	"kfence.fault=panic",
	"panic_on_oops",
};

/*
 * Is r (a panic) the consequence of the report just before it?  Only when
 * its message is one that follows a report (above): a panic that merely
 * comes soon after a report ("crashmod: panic requested", a sysrq crash)
 * is a crash of its own.
 */
static bool is_consequence(const struct oops_report *cause,
			   const struct oops_report *r)
{
	const char *m, *nl;
	size_t n;

	if (r->kind != OOPS_KIND_PANIC || r->text == NULL)
		return false;
	if (r->start_line < cause->end_line ||
	    r->start_line - cause->end_line > CONSEQUENCE_MAX_GAP)
		return false;
	m = strstr(r->text, "not syncing: ");
	if (m == NULL)
		return false;
	m += 13;
	nl = strchr(m, '\n');
	n = nl ? (size_t)(nl - m) : strlen(m);
	for (size_t i = 0; i < ARRAY_SIZE(consequence_msgs); i++)
		if (memmem(m, n, consequence_msgs[i],
			   strlen(consequence_msgs[i])) != NULL)
			return true;
	return false;
}

static int rep_add(struct builder *b, size_t seg, struct oops_report *r)
{
	const struct segment *sg = &b->segs[seg];
	struct rep *nr, *p;
	size_t n, first;
	const char *l;
	uint64_t h1, h2;

	nr = realloc(b->reps, (b->nreps + 1) * sizeof(*b->reps));
	if (nr == NULL)
		return -ENOMEM;
	b->reps = nr;
	p = &b->reps[b->nreps];
	memset(p, 0, sizeof(*p));
	p->r = r;
	p->seg = seg;
	p->parent = (long)b->nreps;
	p->cause = -1;
	p->item = -1;
	first = r->start_line >= 1 && r->start_line <= sg->nlines ?
			(size_t)r->start_line - 1 : 0;
	l = seg_line(sg, first, &n);
	str_lcpy(p->first_line, "", sizeof(p->first_line));
	memcpy(p->first_line, l, n < sizeof(p->first_line) ? n :
				 sizeof(p->first_line) - 1);
	p->first_line[n < sizeof(p->first_line) ? n :
				 sizeof(p->first_line) - 1] = '\0';
	p->time_us = pstore_line_time_us(l, n);
	p->timed = p->time_us >= 0;
	if (!p->timed && r->time_us >= 0)
		p->time_us = r->time_us;
	h1 = fnv1a64(FNV_SEED1, l, n);
	h2 = fnv1a64(FNV_SEED2, l, n);
	p->first_hash = h1;
	/*
	 * Without printk times the first line is not unique in a boot: add
	 * the next two lines so two reports only merge when they match.
	 */
	for (size_t i = 1; !p->timed && i <= 2 && first + i < sg->nlines; i++) {
		l = seg_line(sg, first + i, &n);
		h1 = fnv1a64(h1, l, n);
		h2 = fnv1a64(h2, l, n);
	}
	p->key[0] = h1;
	p->key[1] = h2;
	b->nreps++;
	return 0;
}

int pstore_parse_segments(struct builder *b)
{
	for (size_t s = 0; s < b->nsegs; s++) {
		struct oops_report **out = NULL;
		size_t base = b->nreps;
		int n = oops_parse_buffer(b->segs[s].text, b->segs[s].len,
					  b->opt->parser, &out);

		if (n < 0)
			return n;
		for (int i = 0; i < n; i++) {
			if (rep_add(b, s, out[i]) < 0) {
				for (int k = i; k < n; k++)
					oops_report_free(out[k]);
				free(out);
				return -ENOMEM;
			}
		}
		free(out);
		/* Consequences inside this segment join their root cause. */
		for (size_t i = base + 1; i < b->nreps; i++) {
			long c = (long)i - 1;

			if (!is_consequence(b->reps[c].r, b->reps[i].r))
				continue;
			while (b->reps[c].cause >= 0)
				c = b->reps[c].cause;
			b->reps[i].cause = c;
		}
	}
	return 0;
}

struct hpair {
	uint64_t h;
	long rep;
};

static int cmp_hpair(const void *a, const void *b)
{
	const struct hpair *x = a, *y = b;

	if (x->h != y->h)
		return x->h < y->h ? -1 : 1;
	return x->rep < y->rep ? -1 : x->rep > y->rep;
}

static int cmp_rep_key(const void *a, const void *b)
{
	const struct rep *x = *(struct rep *const *)a;
	const struct rep *y = *(struct rep *const *)b;

	if (x->key[0] != y->key[0])
		return x->key[0] < y->key[0] ? -1 : 1;
	if (x->key[1] != y->key[1])
		return x->key[1] < y->key[1] ? -1 : 1;
	return x < y ? -1 : x > y;
}

/*
 * Fold the copies of one report into one: equal keys (same first line,
 * printk time included), or a copy whose first line lies inside another
 * report (a dump window that starts in the middle of the report).
 */
int pstore_merge_copies(struct builder *b)
{
	struct rep **order;
	struct hpair *hp;
	size_t nh = 0, cap = 0;

	order = calloc(b->nreps + 1, sizeof(*order));
	if (order == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < b->nreps; i++)
		order[i] = &b->reps[i];
	qsort(order, b->nreps, sizeof(*order), cmp_rep_key);
	/*
	 * Two equal keys in one segment are two reports (identical lines
	 * without printk times): only copies from different dumps fold.
	 */
	for (size_t i = 1; i < b->nreps; i++)
		if (order[i]->key[0] == order[i - 1]->key[0] &&
		    order[i]->key[1] == order[i - 1]->key[1] &&
		    order[i]->seg != order[i - 1]->seg)
			rep_union(b, order[i] - b->reps,
				  order[i - 1] - b->reps);
	free(order);

	for (size_t i = 0; i < b->nreps; i++) {
		const struct oops_report *r = b->reps[i].r;

		if (r->end_line >= r->start_line)
			cap += r->end_line - r->start_line;
	}
	hp = calloc(cap + 1, sizeof(*hp));
	if (hp == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < b->nreps; i++) {
		const struct rep *p = &b->reps[i];
		const struct segment *sg = &b->segs[p->seg];

		for (uint64_t l = p->r->start_line + 1;
		     l <= p->r->end_line && l <= sg->nlines && nh < cap; l++) {
			size_t n;
			const char *s = seg_line(sg, (size_t)l - 1, &n);

			if (pstore_line_time_us(s, n) < 0)
				continue;
			hp[nh].h = fnv1a64(FNV_SEED1, s, n);
			hp[nh].rep = (long)i;
			nh++;
		}
	}
	qsort(hp, nh, sizeof(*hp), cmp_hpair);
	for (size_t i = 0; i < b->nreps; i++) {
		struct rep *p = &b->reps[i];
		size_t lo = 0, hi = nh;

		if (!p->timed)
			continue;
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;

			if (hp[mid].h < p->first_hash)
				lo = mid + 1;
			else
				hi = mid;
		}
		for (; lo < nh && hp[lo].h == p->first_hash; lo++) {
			const struct rep *q = &b->reps[hp[lo].rep];

			if (q->seg == p->seg)
				continue;
			/* p starts inside q: q is the fuller copy. */
			rep_union(b, hp[lo].rep, (long)i);
			break;
		}
	}
	free(hp);
	return 0;
}
