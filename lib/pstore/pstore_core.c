// SPDX-License-Identifier: MIT
/*
 * pstore_core.c - the file-system-free core of the pstore reader: names,
 * headers, ECC trailers, multi-part reassembly, reports and their
 * identity.  pstore.c feeds it from a directory, the fuzzer from memory.
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

static const struct {
	const char *name;
	enum pstore_type type;
} pstore_types[] = {
	/* Longest first where one is a prefix of another. */
	{ "powerpc-common", PSTORE_TYPE_PPC_COMMON },
	{ "powerpc-opal", PSTORE_TYPE_PPC_OPAL },
	{ "powerpc-ofw", PSTORE_TYPE_PPC_OFW },
	{ "console", PSTORE_TYPE_CONSOLE },
	{ "ftrace", PSTORE_TYPE_FTRACE },
	{ "dmesg", PSTORE_TYPE_DMESG },
	{ "pmsg", PSTORE_TYPE_PMSG },
	{ "rtas", PSTORE_TYPE_RTAS },
	{ "mce", PSTORE_TYPE_MCE },
};

const char *pstore_type_name(enum pstore_type type)
{
	for (size_t i = 0; i < ARRAY_SIZE(pstore_types); i++)
		if (pstore_types[i].type == type)
			return pstore_types[i].name;
	return "unknown";
}

int pstore_parse_name(const char *name, struct pstore_name *out)
{
	size_t len = strlen(name), tlen = 0;
	const char *dash, *backend;
	char *end;

	memset(out, 0, sizeof(*out));
	if (len > 6 && strcmp(name + len - 6, ".enc.z") == 0) {
		out->enc_z = true;
		len -= 6;
	}
	for (size_t i = 0; i < ARRAY_SIZE(pstore_types); i++) {
		size_t n = strlen(pstore_types[i].name);

		if (len > n + 1 && name[n] == '-' &&
		    strncmp(name, pstore_types[i].name, n) == 0) {
			out->type = pstore_types[i].type;
			tlen = n;
			break;
		}
	}
	if (tlen == 0)
		return -EINVAL;
	backend = name + tlen + 1;
	if (!isalpha((unsigned char)*backend))
		return -EINVAL;
	/* The id follows the last '-' of the name. */
	dash = memrchr(backend, '-', (size_t)(name + len - backend));
	if (dash != NULL && dash > backend && dash + 1 < name + len &&
	    isdigit((unsigned char)dash[1])) {
		size_t blen = (size_t)(dash - backend);

		errno = 0;
		out->id = strtoull(dash + 1, &end, 10);
		if (end != name + len || errno != 0)
			return -EINVAL;
		if (blen >= sizeof(out->backend))
			return -EINVAL;
		memcpy(out->backend, backend, blen);
		out->backend[blen] = '\0';
		out->has_id = true;
	} else {
		/* Very old kernels: "console-ramoops" without an id. */
		size_t blen = (size_t)(name + len - backend);

		if (blen == 0 || blen >= sizeof(out->backend) || out->enc_z ||
		    memchr(backend, '-', blen) != NULL)
			return -EINVAL;
		memcpy(out->backend, backend, blen);
		out->backend[blen] = '\0';
	}
	for (const char *c = out->backend; *c; c++)
		if (!isalnum((unsigned char)*c) && *c != '_' && *c != '-')
			return -EINVAL;
	if (out->enc_z && out->type != PSTORE_TYPE_DMESG)
		return -EINVAL;
	return 0;
}

/* Reasons across kernel versions, most severe first. */
static const char *const pstore_reasons[] = {
	"Panic", "Oops", "Emergency", "Restart", "Halt", "Poweroff", "Kexec",
	"Shutdown", "Unknown",
};

int pstore_reason_rank(const char *reason)
{
	for (size_t i = 0; i < ARRAY_SIZE(pstore_reasons); i++)
		if (strcmp(reason, pstore_reasons[i]) == 0)
			return (int)(ARRAY_SIZE(pstore_reasons) - i) + 1;
	return reason[0] ? 1 : 0;
}

static size_t line_len(const char *s, size_t n)
{
	const char *nl = memchr(s, '\n', n);

	return nl ? (size_t)(nl - s) : n;
}

/* Parse "<word>" of letters; returns its length (0: none). */
static size_t word_len(const char *s, size_t n)
{
	size_t i = 0;

	while (i < n && i < 15 && isalpha((unsigned char)s[i]))
		i++;
	return i;
}

static bool parse_uint(const char **p, const char *end, uint64_t *v)
{
	const char *s = *p;
	uint64_t x = 0;

	if (s >= end || !isdigit((unsigned char)*s))
		return false;
	while (s < end && isdigit((unsigned char)*s)) {
		if (x > (UINT64_MAX - 9) / 10)
			return false;
		x = x * 10 + (uint64_t)(*s - '0');
		s++;
	}
	*p = s;
	*v = x;
	return true;
}

/* "<Reason>#<n> Part<k>" exactly, on the line [s, s+n). */
static bool parse_part_line(const char *s, size_t n, struct pstore_header *h)
{
	const char *p, *end = s + n;
	size_t w = word_len(s, n);
	uint64_t cnt, part;

	if (n > 0 && s[n - 1] == '\r')
		end--;
	if (w == 0 || s + w >= end || s[w] != '#')
		return false;
	p = s + w + 1;
	if (!parse_uint(&p, end, &cnt) || cnt > UINT32_MAX)
		return false;
	if (end - p < 5 || memcmp(p, " Part", 5) != 0)
		return false;
	p += 5;
	if (!parse_uint(&p, end, &part) || part == 0 || part > UINT32_MAX ||
	    p != end)
		return false;
	memcpy(h->reason, s, w);
	h->reason[w] = '\0';
	h->count = (unsigned int)cnt;
	h->part = (unsigned int)part;
	return true;
}

int pstore_parse_header(const char *buf, size_t len, struct pstore_header *h)
{
	size_t l1 = line_len(buf, len), w;

	memset(h, 0, sizeof(*h));
	h->total = -1;
	if (parse_part_line(buf, l1, h)) {
		h->header_len = l1 < len ? l1 + 1 : l1;
		return 0;
	}
	/* pstore/blk: "<Reason>: Total <N> times" then the part line. */
	w = word_len(buf, l1);
	if (w > 0 && l1 > w + 9 && memcmp(buf + w, ": Total ", 8) == 0 &&
	    l1 < len) {
		const char *p = buf + w + 8, *end = buf + l1;
		uint64_t total;
		size_t l2;

		if (end > p && end[-1] == '\r')
			end--;
		if (!parse_uint(&p, end, &total) || end - p != 6 ||
		    memcmp(p, " times", 6) != 0 || total > INT64_MAX)
			return -EINVAL;
		l2 = line_len(buf + l1 + 1, len - l1 - 1);
		if (!parse_part_line(buf + l1 + 1, l2, h))
			return -EINVAL;
		h->total = (int64_t)total;
		h->header_len = l1 + 1 + l2;
		if (h->header_len < len)
			h->header_len++;
		return 0;
	}
	return -EINVAL;
}

/* Parse "<a> Corrected bytes, <b> unrecoverable blocks" on [p, end). */
static bool parse_ecc_counts(const char *p, const char *end,
			     struct pstore_ecc *ecc)
{
	uint64_t a, b;
	static const char m1[] = " Corrected bytes, ";
	static const char m2[] = " unrecoverable blocks";

	if (!parse_uint(&p, end, &a) || a > UINT32_MAX)
		return false;
	if ((size_t)(end - p) < sizeof(m1) - 1 ||
	    memcmp(p, m1, sizeof(m1) - 1) != 0)
		return false;
	p += sizeof(m1) - 1;
	if (!parse_uint(&p, end, &b) || b > UINT32_MAX)
		return false;
	if ((size_t)(end - p) != sizeof(m2) - 1 ||
	    memcmp(p, m2, sizeof(m2) - 1) != 0)
		return false;
	ecc->corrected = (uint32_t)a;
	ecc->unrecoverable = (uint32_t)b;
	return true;
}

size_t pstore_strip_ecc(const char *buf, size_t len, struct pstore_ecc *ecc)
{
	const char *end = buf + len, *start, *p;
	size_t n = len;

	memset(ecc, 0, sizeof(*ecc));
	/*
	 * The kernel writes "\n<notice>\n"; tolerate a missing final \n and
	 * the blank lines a copy may have added.
	 */
	while (n > 0 && buf[n - 1] == '\n')
		n--;
	end = buf + n;
	start = n > 0 ? memrchr(buf, '\n', n) : NULL;
	if (start == NULL)
		return len;
	p = start + 1;
	if (end - p >= 5 && memcmp(p, "ECC: ", 5) == 0)
		p += 5;
	if ((size_t)(end - p) == 18 && memcmp(p, "No errors detected", 18) == 0)
		ecc->present = true;
	else if (parse_ecc_counts(p, end, ecc))
		ecc->present = true;
	if (!ecc->present)
		return len;
	return (size_t)(start - buf);
}

/* ------------------------------------------------------------------ */

#define FNV_SEED1 0xcbf29ce484222325ULL
#define FNV_SEED2 0x84222325cbf29ce4ULL

/* Head and tail 4 KiB must look like text, with at least one newline. */
static bool looks_like_log(const char *s, size_t n)
{
	size_t k = n < 4096 ? n : 4096;

	return memchr(s, '\n', n) != NULL && pstore_is_text(s, k) &&
	       pstore_is_text(s + n - k, k);
}

/*
 * One raw line for identity: without a "<P>" syslog prefix and trailing
 * blanks, printk time and caller id kept.  Returns its length in *out.
 */
static const char *raw_line_norm(const char *s, size_t n, size_t *out)
{
	if (n > 2 && s[0] == '<') {
		size_t i = 1;

		while (i < n && i < 5 && isdigit((unsigned char)s[i]))
			i++;
		if (i > 1 && i < n && s[i] == '>') {
			s += i + 1;
			n -= i + 1;
		}
	}
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\r' ||
			 s[n - 1] == '\t'))
		n--;
	*out = n;
	return s;
}

/* printk time "[ 12.345678]" at the start of a normalised line, or -1. */
static int64_t line_time_us(const char *s, size_t n)
{
	const char *p = s, *end = s + n;
	uint64_t sec, usec;
	const char *f;

	if (p >= end || *p != '[')
		return -1;
	p++;
	while (p < end && *p == ' ')
		p++;
	if (!parse_uint(&p, end, &sec) || p >= end || *p != '.' ||
	    sec > 1000000000ULL)
		return -1;
	p++;
	f = p;
	if (!parse_uint(&p, end, &usec) || p >= end || *p != ']' || p - f != 6)
		return -1;
	return (int64_t)(sec * 1000000 + usec);
}

/* ------------------------------------------------------------------ */

/* A dump: the parts of one kmsg_dump() call. */
struct dump {
	size_t *files;		/* file indexes, highest part first */
	size_t nfiles;
	char reason[16];
	unsigned int parts_expected, parts_found, parts_missing, parts_dup;
	bool cut;
	int64_t mtime_us;
};

/* A text run without gaps (consecutive parts), parsed on its own. */
struct segment {
	size_t dump;
	bool newest;		/* holds Part1: its end is the dump's trigger */
	char *text;
	size_t len;
	size_t *lines;		/* start offset of each line */
	size_t nlines;
};

/* A report found in a segment. */
struct rep {
	struct oops_report *r;
	size_t seg;
	uint64_t key[2];
	uint64_t first_hash;	/* hash of the normalised first line */
	bool timed;		/* first line has a printk time */
	int64_t time_us;
	char first_line[160];
	long parent;		/* union-find */
	long cause;		/* consequence of this rep, or -1 */
	long item;
};

struct builder {
	struct pstore_scan *scan;
	const struct pstore_options *opt;
	struct dump *dumps;
	size_t ndumps;
	struct segment *segs;
	size_t nsegs;
	struct rep *reps;
	size_t nreps;
};

/*
 * Decode (.enc.z: at most max_out bytes of text) and split a dmesg record.
 * Returns 0, or the decoder's -EBADMSG/-ENOMEM for an .enc.z file that
 * did not decode (the caller decides whether it is corrupt or only did not
 * fit).
 */
static int file_prepare_dmesg(struct pstore_file *f, size_t max_out)
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
	if (!looks_like_log(f->body, f->body_len) &&
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
static int group_dumps(struct builder *b)
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
static int build_segments(struct builder *b)
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

static long rep_find(struct builder *b, long i)
{
	while (b->reps[i].parent != i) {
		b->reps[i].parent = b->reps[b->reps[i].parent].parent;
		i = b->reps[i].parent;
	}
	return i;
}

static void rep_union(struct builder *b, long x, long y)
{
	x = rep_find(b, x);
	y = rep_find(b, y);
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
	return raw_line_norm(sg->text + s, e - s, n);
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
	p->time_us = line_time_us(l, n);
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

static int parse_segments(struct builder *b)
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
static int merge_copies(struct builder *b)
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

			if (line_time_us(s, n) < 0)
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
		root = rep_find(b, (long)i);
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
	if (!looks_like_log(text, len)) {
		f->garbage = true;
		s->stats.garbage++;
		return 0;
	}
	/* The ring may start in the middle of a line: drop that piece. */
	if (len > 0 && text[0] != '[' && text[0] != '<') {
		size_t l = line_len(text, len);

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
		const char *l = raw_line_norm(text + off,
					      line_len(text + off, len - off),
					      &n);

		it->report = pick;
		it->text = pick->text;
		it->text_len = pick->text_len;
		it->time_us = line_time_us(l, n);
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
			rc = file_prepare_dmesg(f, by_budget ?
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
	rc = group_dumps(&b);
	if (rc == 0)
		rc = build_segments(&b);
	if (rc == 0)
		rc = parse_segments(&b);
	if (rc == 0)
		rc = merge_copies(&b);
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
