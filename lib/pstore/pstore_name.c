// SPDX-License-Identifier: MIT
/*
 * pstore_name.c - what one pstore file says about itself: its name, the
 * header of a dmesg record, a ramoops ECC trailer, and the helpers that
 * read one log line (identity form, printk time).  No grouping here.
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

size_t pstore_line_len(const char *s, size_t n)
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
	size_t l1 = pstore_line_len(buf, len), w;

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
		l2 = pstore_line_len(buf + l1 + 1, len - l1 - 1);
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

/* Head and tail 4 KiB must look like text, with at least one newline. */
bool pstore_looks_like_log(const char *s, size_t n)
{
	size_t k = n < 4096 ? n : 4096;

	return memchr(s, '\n', n) != NULL && pstore_is_text(s, k) &&
	       pstore_is_text(s + n - k, k);
}

/*
 * One raw line for identity: without a "<P>" syslog prefix and trailing
 * blanks, printk time and caller id kept.  Returns its length in *out.
 */
const char *pstore_raw_line_norm(const char *s, size_t n, size_t *out)
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
int64_t pstore_line_time_us(const char *s, size_t n)
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
