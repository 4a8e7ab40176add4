// SPDX-License-Identifier: MIT
/*
 * oops_header.c - where a report starts.
 *
 * A header is a substring anywhere in a line ("BUG:", "WARNING:", ...),
 * tried in the order of the header table (oops_headers.def); the first
 * that matches and is not one of its known false positives decides the
 * report's kind.  A header with several forms or known false positives
 * has a match function (hm_*) here; the others are found by their
 * substring alone.  Most lines of a log are
 * not headers, so oops_pf_scan() rejects them with two table look-ups per
 * byte (see scripts/gen-oops-prefilter) before any string search is done.
 */
#include <string.h>

#include "oops_internal.h"
#include "oops_prefilter.h"

/*
 * FIRST[c0] & SECOND[c1] has bit k set when (c0, c1) is bigram k; bit 31 is
 * '\n' (see scripts/gen-oops-prefilter).  Filled once before main() from
 * the bigrams: 2 KB less in every program than constant tables, and no
 * first-use race between a collector's threads.
 */
static uint32_t oops_pf_first[256], oops_pf_second[256];

__attribute__((constructor)) static void oops_pf_build(void)
{
	_Static_assert(sizeof(oops_pf_bigrams) - 1 <= 2 * 31,
		       "bit 31 is the newline");
	for (int c = 0; c < 256; c++)
		oops_pf_second[c] = OOPS_PF_NEWLINE;
	oops_pf_first['\n'] = OOPS_PF_NEWLINE;
	for (unsigned k = 0; 2 * k + 1 < sizeof(oops_pf_bigrams); k++) {
		oops_pf_first[(uint8_t)oops_pf_bigrams[2 * k]] |= 1u << k;
		oops_pf_second[(uint8_t)oops_pf_bigrams[2 * k + 1]] |= 1u << k;
	}
}

/* An anchor whose bigram bit is set in m starts at or just before p? */
static bool pf_verify(const char *line, const char *p, const char *end,
		      uint32_t m)
{
	for (size_t i = 0;
	     i < sizeof(oops_pf_anchors) / sizeof(oops_pf_anchors[0]); i++) {
		const struct oops_pf_anchor *a = &oops_pf_anchors[i];
		const char *s;

		if (!(m & (1u << a->bit)))
			continue;
		s = p - a->off;
		if (s < line || end - s < a->len)
			continue;
		if (memcmp(s, a->s, a->len) == 0)
			return true;
	}
	return false;
}

/*
 * The noise fast path runs this loop over every byte.  Its inner loop is
 * short enough to sit in one 64-byte line; where the linker happens to
 * place the function decides whether it straddles two, which measured 10
 * to 15% of noise throughput on an AMD EPYC.  Aligning the function keeps
 * the figure independent of what else is linked.
 */
__attribute__((aligned(64))) const char *oops_pf_scan(const char *p,
						      const char *end,
						      bool *cand)
{
	const char *line = p;
	const uint8_t *u = (const uint8_t *)p;
	const uint8_t *e = (const uint8_t *)end;

	if (u == e)
		return NULL;
	for (; u + 1 < e; u++) {
		uint32_t m = oops_pf_first[u[0]] & oops_pf_second[u[1]];

		if (__builtin_expect(m == 0, 1))
			continue;
		if (*u == '\n')
			return (const char *)u;
		if (!*cand && pf_verify(line, (const char *)u, end, m))
			*cand = true;
	}
	return *u == '\n' ? (const char *)u : NULL;
}

bool oops_header_maybe(const char *s, size_t n)
{
	const uint8_t *u = (const uint8_t *)s;

	for (size_t i = 0; i + 1 < n; i++) {
		uint32_t m = oops_pf_first[u[i]] & oops_pf_second[u[i + 1]] &
			     ~OOPS_PF_NEWLINE;

		if (m && pf_verify(s, s + i, s + n, m))
			return true;
	}
	return false;
}

static bool has_any(const char *s, size_t n, const char *const *list)
{
	for (; *list != NULL; list++)
		if (oops_has(s, n, *list))
			return true;
	return false;
}

/* Lines that contain "BUG:" but are debug output, not crashes. */
static const char *const bug_fp[] = {
    "ODEBUG:",
    "DEBUG:",
    "Boot_DEBUG:",
    NULL,
};

static const char *const info_fp[] = {
    "INFO: lockdep is turned off",
    "INFO: Stall ended before state dump start",
    "INFO: NMI handler",
    "took too long",
    "_INFO:",
    "INFO: recovery required on readonly filesystem",
    NULL,
};

/* has_any() ignoring case: some syslog relays upper-case whole lines. */
static bool has_any_nocase(const char *s, size_t n, const char *const *list)
{
	char low[512];

	if (n >= sizeof(low))
		n = sizeof(low) - 1;
	for (size_t i = 0; i < n; i++)
		low[i] =
		    (s[i] >= 'A' && s[i] <= 'Z') ? (char)(s[i] | 0x20) : s[i];
	for (; *list != NULL; list++) {
		char pat[64];
		size_t k = strlen(*list);

		if (k >= sizeof(pat))
			continue;
		for (size_t i = 0; i <= k; i++)
			pat[i] = ((*list)[i] >= 'A' && (*list)[i] <= 'Z')
				     ? (char)((*list)[i] | 0x20)
				     : (*list)[i];
		if (memmem(low, n, pat, k) != NULL)
			return true;
	}
	return false;
}

/* "INFO: " with a space: "INFO:foo" is someone's debug output. */
static bool hm_info(const char *s, size_t n)
{
	const char *p = oops_memstr(s, n, "INFO:");

	if (p == NULL || has_any(s, n, info_fp))
		return false;
	p += 5;
	return p == s + n || *p == ' ';
}

static const char *const warning_fp[] = {
    "sshd",
    "DT_FLAGS_1",
    "the mand mount option",
    "The mand mount option",
    "Unprivileged eBPF",
    "fbcon:",
    "screen size",
    "SRSO",
    "mitigation",
    "Mitigation",
    "EXT4-fs",
    "): WARNING",
    "uses deprecated v2 capabilities",
    "wireless extensions",
    "WARNING: The ",
    "is deprecated",
    "/etc/ssh/",
    "workqueue cpumask:",
    NULL,
};

/* "WARNING:" at the end of a line or followed by text. */
static bool hm_warning(const char *s, size_t n)
{
	if (!oops_has(s, n, "WARNING:"))
		return false;
	return !has_any_nocase(s, n, warning_fp);
}

/* "general protection fault" followed by ':' or ',' (not a title). */
static bool hm_gpf(const char *s, size_t n)
{
	const char *g = oops_memstr(s, n, "general protection fault");
	size_t rest;

	if (g == NULL)
		return false;
	rest = n - (size_t)(g - s) - 24;
	if (rest == 0 || (g[24] != ':' && g[24] != ',' &&
			  !oops_starts(g + 24, rest, " for non-canonical")))
		return false;
	/* A user-space fault reported by traps: "... error:0 in libc.so". */
	if (oops_has(s, n, "traps:") || oops_has(s, n, " in lib") ||
	    (oops_has(s, n, " ip:") && oops_has(s, n, " sp:")))
		return false;
	return true;
}

static bool hm_booting(const char *s, size_t n)
{
	const char *b = oops_memstr(s, n, "Booting the kernel.");

	if (b == NULL)
		return false;
	if (oops_has(s, n, "Parsing ELF") ||
	    oops_has(s, n, "Decompressing Linux") ||
	    oops_has(s, n, "Unknown parameter '"))
		return false;
	return true;
}

static bool hm_go_panic(const char *s, size_t n)
{
	const char *p = oops_memstr(s, n, "panic:");

	if (p == NULL)
		return false;
	/* skb_panic:, evtlog_status: ..., and "Kernel panic:" forms. */
	if (p > s && (p[-1] == '_' || (p[-1] >= 'a' && p[-1] <= 'z') ||
		      (p[-1] >= 'A' && p[-1] <= 'Z')))
		return false;
	return p == s;
}

static bool hm_oom(const char *s, size_t n)
{
	return oops_has(s, n, "Out of memory: Kill") ||
	       oops_has(s, n, "Out of memory (oom_kill_allocating_task)") ||
	       oops_has(s, n, "out of memory: Kill") ||
	       oops_has(s, n, " invoked oom-killer: ");
}

static bool hm_mce(const char *s, size_t n)
{
	return oops_has(s, n, "Machine check events logged") ||
	       oops_has(s, n, "Machine Check Exception:") ||
	       oops_has(s, n, "Machine check: ") ||
	       oops_has(s, n, "[Hardware Error]: CPU ");
}

/* "BUG:" but not debug output ("ODEBUG:", "DEBUG:", ...). */
static bool hm_bug(const char *s, size_t n)
{
	return oops_has(s, n, "BUG:") && !has_any(s, n, bug_fp);
}

/*
 * SLUB debugging (mm/slub.c slab_bug()): "BUG <cache> (Not tainted): <msg>"
 * or "BUG <cache> (Tainted: G  B): <msg>", before 3.x "BUG <cache>: <msg>"
 * (for that form only SLUB's own messages count).  Any cache name.
 */
static bool hm_slub(const char *s, size_t n)
{
	static const char *const msgs[] = {
	    "overwritten",   "already free",	"Objects remaining",
	    "corrupt",	     "Invalid object",	"Wrong object",
	    "Freepointer",   "Not a valid slab", "Wrong number of objects",
	    NULL,
	};
	const char *b = oops_memstr(s, n, "BUG "), *end = s + n, *p;

	if (b == NULL)
		return false;
	p = b + 4;
	if (oops_starts(p, (size_t)(end - p), "kmalloc-"))
		return true;
	while (p < end && *p != ' ' && *p != ':' && *p != '(')
		p++;
	if (p == b + 4 || p >= end)
		return false;
	if (oops_starts(p, (size_t)(end - p), " (Not tainted): ") ||
	    oops_starts(p, (size_t)(end - p), " (Tainted: "))
		return true;
	if (*p != ':')
		return false;
	for (int i = 0; msgs[i]; i++)
		if (oops_has(p, (size_t)(end - p), msgs[i]))
			return true;
	return false;
}

static bool hm_divide(const char *s, size_t n)
{
	return oops_has(s, n, "divide error:") ||
	       oops_has(s, n, "divide_error:");
}

/* Go's runtime, not ALSA's "fatal error:" messages. */
static bool hm_fatal(const char *s, size_t n)
{
	return oops_has(s, n, "fatal error:") && !oops_has(s, n, "ALSA");
}

/*
 * die() prints "Oops: <code> [#N]" (x86, also "Oops: <what>: <code> [#N]"),
 * "Oops: <what>, sig: N [#N]" (powerpc), "Oops[#N]:" (mips, sh) or, before
 * 2.6.18, "Oops: <code> [N]": always a bracketed count after the word.
 * "Oops: efitime: can't read time!" is a driver's message.
 */
static bool hm_oops(const char *s, size_t n)
{
	const char *o = oops_memstr(s, n, "Oops"), *end = s + n, *p;

	if (o == NULL)
		return false;
	p = o + 4;
	if (p < end && (*p == ':' || *p == ' ' || *p == '['))
		for (; p + 1 < end; p++)
			if (p[0] == '[' && (p[1] == '#' || (p[1] >= '0' && p[1] <= '9')))
				return true;
	return false;
}

/*
 * kernel/irq/spurious.c: an interrupt no handler claimed 99,900 times in
 * 100,000, or a handler returning garbage.
 */
static bool hm_irq(const char *s, size_t n)
{
	return oops_has(s, n, "irq ") && (oops_has(s, n, ": nobody cared") ||
					  oops_has(s, n, ": bogus return value"));
}

static enum oops_hdr oops_header_find_any(const char *s, size_t n);

/* The header table (oops_headers.def). */
static const struct hdr_def {
	const char *find;
	bool (*match)(const char *s, size_t n);
	const char *anchor;
	uint8_t find_len; /* checked below: every find fits */
	bool inside;
} hdr_defs[HDR_COUNT] = {
#define OOPS_HDR(id, find, match, anchor, inside, kind, rules, pf)            \
	[HDR_##id] = {find, match, anchor, sizeof(find) - 1, inside},
#include "oops_headers.def"
#undef OOPS_HDR
};
#define OOPS_HDR(id, find, match, anchor, inside, kind, rules, pf)            \
	_Static_assert(sizeof(find) - 1 <= UINT8_MAX, #id ": find too long");
#include "oops_headers.def"
#undef OOPS_HDR

/*
 * "name[pid]: " before the header: a user-space program's line in a
 * syslog ("openvpn[1118]: WARNING: ...", "gnome-shell[2011]: ..."), never
 * the kernel's (syslog writes the kernel as "kernel: ").
 */
static bool userspace_prefix(const char *s, const char *hdr)
{
	for (const char *p = hdr; p - s >= 4; p--) {
		const char *q = p - 3;

		if (!(q[0] == ']' && q[1] == ':' && q[2] == ' '))
			continue;
		q--;
		if (q < s || !(*q >= '0' && *q <= '9'))
			continue;
		while (q > s && *q >= '0' && *q <= '9')
			q--;
		if (*q != '[' || q == s || q[-1] == ' ' || q[-1] == ']')
			continue;
		return !(q - s >= 6 && memcmp(q - 6, "kernel", 6) == 0);
	}
	return false;
}

enum oops_hdr oops_header_find(const char *s, size_t n)
{
	enum oops_hdr h = oops_header_find_any(s, n);
	const char *a;

	if (h == HDR_NONE || hdr_defs[h].anchor[0] == '\0')
		return h;
	a = oops_memstr(s, n, hdr_defs[h].anchor);
	if (a != NULL && a > s && userspace_prefix(s, a))
		return HDR_NONE;
	return h;
}

static enum oops_hdr oops_header_find_any(const char *s, size_t n)
{
	/*
	 * Test tools quote titles ("run #3: crashed: WARNING in f"); a
	 * quoted title is not kernel output.
	 */
	if (oops_has(s, n, "crashed: "))
		return HDR_NONE;
	for (int h = 0; h < HDR_COUNT; h++) {
		const struct hdr_def *d = &hdr_defs[h];

		if (d->match != NULL
			? d->match(s, n)
			: oops_memstr_n(s, n, d->find, d->find_len) != NULL)
			return (enum oops_hdr)h;
	}
	return HDR_NONE;
}

bool oops_header_in_report(enum oops_hdr h)
{
	return h >= 0 && h < HDR_COUNT && hdr_defs[h].inside;
}

const char *oops_header_anchor(enum oops_hdr h)
{
	if (h < 0 || h >= HDR_COUNT)
		return "";
	return hdr_defs[h].anchor;
}

bool oops_line_cuts_report(const char *s, size_t n)
{
	if (!oops_has(s, n, "FAULT_") && !oops_has(s, n, "vmalloc: "))
		return false;
	return oops_has(s, n, "vmalloc: allocation failure:") ||
	       oops_has(s, n, "FAULT_INJECTION: forcing a failure") ||
	       oops_has(s, n, "FAULT_FLAG_ALLOW_RETRY missing");
}
