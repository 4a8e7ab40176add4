// SPDX-License-Identifier: MIT
/*
 * oops_frame.c - call-trace frame lines and the guilty-frame skip list.
 *
 * Frame lines differ per architecture:
 *   x86-64   " ? func+0x1a/0x30 [mod]", " func fs/x.c:12 [inline]"
 *   old x86  " [<ffffffff81234567>] func+0x1a/0x30"
 *   arm64    " func+0x1a/0x30" after "Call trace:"
 *   arm      "[<c010e6a4>] (callee) from [<c010a5c4>] (caller+0x10/0x14)"
 *   riscv    "[<ffffffff80003a2c>] func+0x1a/0x30"
 *   powerpc  "[c0000000fe0f3b40] [c000000000c3a8d4] func+0x1a/0x30
 * (unreliable)"
 */
#include <stdlib.h>
#include <string.h>

#include "base/zconst.h"
#include "oops_internal.h"
#include "oops_skiplist.h"

static bool is_sym(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_';
}

static bool is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
	       (c >= 'A' && c <= 'F');
}

/* "[<hex>]", "[hex]" or "[<0xhex>]" at p: its length or 0. */
static size_t pc_len(const char *p, const char *end)
{
	const char *q = p;

	if (q >= end || *q != '[')
		return 0;
	q++;
	if (q < end && *q == '<')
		q++;
	if (end - q > 2 && q[0] == '0' && q[1] == 'x')
		q += 2;
	if (q >= end || !is_hex(*q))
		return 0;
	while (q < end && is_hex(*q))
		q++;
	if (q < end && *q == '>')
		q++;
	if (q >= end || *q != ']')
		return 0;
	return (size_t)(q + 1 - p);
}

bool oops_decoded_src(const char *q, const char *end)
{
	const char *c;

	if (end - q < 6 || q[0] != ' ' || q[1] != '(')
		return false;
	c = memchr(q, ')', (size_t)(end - q));
	if (c == NULL)
		c = end;
	return oops_has(q, (size_t)(c - q), ".c:") ||
	       oops_has(q, (size_t)(c - q), ".h:") ||
	       oops_has(q, (size_t)(c - q), ".S:") ||
	       oops_has(q, (size_t)(c - q), ".rs:");
}

size_t oops_frame_symbol(const char *s, size_t n, const char **name,
			 const char **name2, size_t *len2)
{
	const char *p = s, *end = s + n, *q;
	size_t k;

	*name2 = NULL;
	*len2 = 0;
	while (p < end && *p == ' ')
		p++;
	/* ARM: "[<pc>] (callee) from [<pc>] (caller+0x..". */
	k = pc_len(p, end);
	if (k > 0 && p + k + 2 < end && p[k] == ' ' && p[k + 1] == '(') {
		const char *c = p + k + 2, *ce = c;

		while (ce < end && (is_sym(*ce) || *ce == '.'))
			ce++;
		if (ce > c && end - ce > 8 && memcmp(ce, ") from ", 7) == 0) {
			const char *r = ce + 7;
			size_t k2 = pc_len(r, end);

			if (k2 > 0 && r + k2 + 1 < end && r[k2] == ' ' &&
			    r[k2 + 1] == '(') {
				const char *f = r + k2 + 2, *fe = f;

				while (fe < end && is_sym(*fe))
					fe++;
				if (fe > f && fe < end &&
				    (*fe == '+' || *fe == '.')) {
					*name2 = f;
					*len2 = (size_t)(fe - f);
				}
				*name = c;
				return (size_t)(ce - c);
			}
		}
	}
	for (int i = 0; i < 2; i++) {
		k = pc_len(p, end);
		if (k == 0 || p + k >= end || p[k] != ' ')
			break;
		p += k + 1;
		while (p < end && *p == ' ')
			p++;
	}
	/* ppc64 ELFv1 function descriptors: ".eeh_dev_check_failure+0x..". */
	if (end - p > 1 && p[0] == '.' && is_sym(p[1]))
		p++;
	q = p;
	while (q < end && is_sym(*q))
		q++;
	if (q == p || q >= end ||
	    (*q != '+' && *q != '.' && !oops_decoded_src(q, end)))
		return 0;
	*name = p;
	return (size_t)(q - p);
}

static uint64_t parse_hex(const char **pp, const char *end)
{
	const char *p = *pp;
	uint64_t v = 0;

	if (end - p > 2 && p[0] == '0' && p[1] == 'x')
		p += 2;
	while (p < end && is_hex(*p)) {
		char c = *p++;

		v = v * 16 +
		    (uint64_t)(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
	}
	*pp = p;
	return v;
}

bool oops_frame_parse(const char *s, size_t n, struct oops_frame *f)
{
	const char *p = s, *end = s + n, *name, *ne;
	bool reliable = true, inlined = false, have_off = false, arm = false;
	uint64_t off = 0, size = 0;
	const char *mod = NULL;
	size_t modlen = 0, k;

	memset(f, 0, sizeof(*f));
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	if (p < end && *p == '?') {
		reliable = false;
		p++;
		while (p < end && *p == ' ')
			p++;
	}
	for (int i = 0; i < 2; i++) {
		k = pc_len(p, end);
		if (k == 0)
			break;
		p += k;
		while (p < end && *p == ' ')
			p++;
	}
	if (p < end && *p == '?') {
		reliable = false;
		p++;
		while (p < end && *p == ' ')
			p++;
	}
	if (p < end && *p == '(') {
		arm = true;
		p++;
	}
	/* ppc64 ELFv1 dot-names: ".eeh_dev_check_failure+0x27c/0x390". */
	if (end - p > 1 && p[0] == '.' && is_sym(p[1]))
		p++;
	name = p;
	while (p < end && (is_sym(*p) || *p == '.' || *p == '$'))
		p++;
	ne = p;
	if (ne == name || ne - name > 256)
		return false;
	if (p < end && *p == '+') {
		p++;
		off = parse_hex(&p, end);
		if (p < end && *p == '/') {
			p++;
			size = parse_hex(&p, end);
		}
		have_off = true;
	} else if (!arm && oops_decoded_src(p, end)) {
		/* decode_stacktrace.sh: "f (kernel/x.c:12)" for "f+0x1/0x2". */
		const char *c = memchr(p, ')', (size_t)(end - p));

		have_off = true;
		p = c != NULL ? c + 1 : end;
	}
	if (arm) {
		/* "(f [mod])" or "(f+0x1/0x2 [mod])". */
		if (end - p > 2 && p[0] == ' ' && p[1] == '[') {
			const char *me = memchr(p, ']', (size_t)(end - p));

			if (me != NULL) {
				mod = p + 2;
				modlen = (size_t)(me - mod);
				p = me + 1;
			}
		}
		if (p >= end || *p != ')')
			return false;
		p++;
		if (!have_off && !oops_has(p, (size_t)(end - p), " from "))
			return false;
	}
	while (p < end && *p == ' ')
		p++;
	if (p < end && *p == '[' && !arm) {
		const char *m = p + 1, *me = memchr(m, ']', (size_t)(end - m));

		if (me != NULL && me > m) {
			mod = m;
			modlen = (size_t)(me - m);
			if (modlen == 6 && memcmp(m, "inline", 6) == 0) {
				inlined = true;
				mod = NULL;
			}
		}
	}
	if (!inlined && oops_has(p, (size_t)(end - p), "[inline]"))
		inlined = true;
	if (!have_off && !inlined && !arm)
		return false;
	if (oops_has(p, (size_t)(end - p), "(unreliable)"))
		reliable = false;
	f->function = strndup(name, (size_t)(ne - name));
	if (f->function == NULL)
		return false;
	if (mod != NULL && modlen < 64) {
		/* Module names are [A-Za-z0-9_-]; anything else is not one. */
		for (size_t i = 0; i < modlen; i++)
			if (!is_sym(mod[i]) && mod[i] != '-') {
				mod = NULL;
				break;
			}
		if (mod != NULL)
			f->module = strndup(mod, modlen);
	}
	f->offset = off;
	f->size = size;
	f->reliable = reliable;
	f->inlined = inlined;
	return true;
}

/*
 * The skip list (lib/oops_skip.list, generated into lib/oops_skiplist.h by
 * scripts/gen-oops-skiplist): report plumbing, allocators, locking,
 * atomics, string, list and tree helpers, ...; a title names the first
 * frame that matches none of these.  '^' anchors a pattern at the start of
 * the name, '$' at its end, '=' makes it exact.  Its pool of patterns is
 * carried deflated and inflated at the first search (lib/base/zconst.h).
 */
/* One bit of a 64-bit signature per adjacent byte pair. */
static uint64_t pair_bit(char a, char b)
{
	return 1ull << (((unsigned char)a * 31u + (unsigned char)b) & 63u);
}

/*
 * sig holds the pair bits of the name: a substring pattern whose first
 * pair is not among them cannot match, which saves most searches.
 */
static bool skip_match(const char *pool, const struct oops_skip_pat *pat,
		       const char *name, size_t len, uint64_t sig)
{
	const char *ps = pool + pat->off;
	const char *p = ps + 1;
	size_t m = pat->len - 1u;

	if (!(sig & (1ull << pat->bitno)))
		return false;
	switch (ps[0]) {
	case '^':
		return len >= m && memcmp(name, p, m) == 0;
	case '$':
		return len >= m && memcmp(name + len - m, p, m) == 0;
	case '=':
		return len == m && memcmp(name, p, m) == 0;
	default:
		m = pat->len;
		if (m > len)
			return false;
		for (const char *q = name; q + m <= name + len; q++)
			if (*q == ps[0] && memcmp(q, ps, m) == 0)
				return true;
		return false;
	}
}

/* atomic(64)?_(dec|inc|read|set|or|xor|and|add|sub|fetch|xchg|cmpxchg|try) */
static bool atomic_op(const char *name, size_t len)
{
	static const char *const ops[] = {
	    "dec", "inc", "read",  "set",  "or",      "xor", "and",
	    "add", "sub", "fetch", "xchg", "cmpxchg", "try", NULL,
	};
	const char *a = name, *end = name + len;

	while ((a = oops_memstr(a, (size_t)(end - a), "atomic")) != NULL) {
		const char *p = a + 6;

		if (end - p >= 2 && memcmp(p, "64", 2) == 0)
			p += 2;
		if (p < end && *p == '_') {
			p++;
			for (int i = 0; ops[i]; i++)
				if (oops_starts(p, (size_t)(end - p), ops[i]))
					return true;
		}
		a += 6;
	}
	return false;
}

/* (set|clear|change|test)_bit and crc[0-9]+ */
static bool bit_or_crc(const char *name, size_t len)
{
	static const char *const bits[] = {
	    "set_bit", "clear_bit", "change_bit", "test_bit", NULL,
	};
	const char *c;

	for (int i = 0; bits[i]; i++)
		if (oops_has(name, len, bits[i]))
			return true;
	c = oops_memstr(name, len, "crc");
	return c != NULL && c + 3 < name + len && c[3] >= '0' && c[3] <= '9';
}

bool oops_frame_skip(const char *name, size_t len)
{
	static char pool_text[OOPS_SKIP_POOL_LEN];
	static int pool_state;
	static const struct zconst pool_z = {
		oops_skip_pool_z, sizeof(oops_skip_pool_z), pool_text,
		sizeof(pool_text), OOPS_SKIP_POOL_ADLER, &pool_state,
	};
	/* NULL only when zlib's 7 KB cannot be allocated (tried again at
	 * the next frame): then the patterns cannot skip this one. */
	const char *pool = zconst_text(&pool_z);
	uint64_t sig = 0;

	for (size_t i = 0; i + 1 < len; i++)
		sig |= pair_bit(name[i], name[i + 1]);
	if (pool != NULL)
		for (size_t i = 0; i < OOPS_SKIP_COUNT; i++)
			if (skip_match(pool, &oops_skip_pats[i], name, len,
				       sig))
				return true;
	return atomic_op(name, len) || bit_or_crc(name, len);
}
