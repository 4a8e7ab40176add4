/* SPDX-License-Identifier: MIT */
/*
 * oops_internal.h - what the parser's files share (not a public interface).
 *
 * oops_line.c   console prefixes: timestamps, caller ids, levels, kmsg, syslog
 * oops_headers.def  the table of crash headers (see the comment in it)
 * oops_header.c where a report starts: header substrings and false positives
 * oops_frame.c  call-trace frame lines and the guilty-frame skip list
 * oops_title.c  the title rules per header, their engine (kind, corruption)
 * oops_guilty.c the guilty-frame search the title rules call
 * oops_normalize.c  title normalisation
 * oops.c        the streaming state machine and the report fields
 */
#ifndef OOPSD_OOPS_INTERNAL_H
#define OOPSD_OOPS_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "parse/oops.h"

/* ---------------------------------------------------------------- lines -- */

enum oops_ctx_type {
	OOPS_CTX_NONE = 0, /* no timestamp prefix */
	OOPS_CTX_CONSOLE, /* a timestamp but no caller id */
	OOPS_CTX_CALLER, /* [ T123] / [ C1] after the timestamp */
};

#define OOPS_CTX_ID_MAX 16

/* One input line split into its prefix and its text. */
struct oops_line {
	const char *text; /* after every recognised prefix */
	size_t len;
	int64_t time_us; /* printk time, -1 when absent */
	enum oops_ctx_type ctx_type;
	char ctx_id[OOPS_CTX_ID_MAX]; /* "T123", "C1" (CALLER only) */
	bool kmsg_cont; /* a /dev/kmsg " KEY=value" line */
	/* A prefix only the kernel's log has: a printk timestamp, a
	 * /dev/kmsg record header or syslog's "host kernel: ". */
	bool kernel;
};

void oops_line_parse(const char *s, size_t n, struct oops_line *l);
bool oops_line_same_ctx(const struct oops_line *a, enum oops_ctx_type t,
			const char *id);

/*
 * Byte-string helpers over (pointer, length) lines.  Inline so that the
 * length of a literal needle folds to a constant; the search is memchr()
 * for the first byte then memcmp(), which beats memmem() on short lines.
 */
static inline const char *oops_memstr_n(const char *s, size_t n,
					const char *needle, size_t m)
{
	const char *p = s, *last;

	if (m == 0)
		return s;
	if (m > n)
		return NULL;
	last = s + n - m;
	while (p <= last) {
		p = memchr(p, needle[0], (size_t)(last - p) + 1);
		if (p == NULL)
			return NULL;
		if (memcmp(p + 1, needle + 1, m - 1) == 0)
			return p;
		p++;
	}
	return NULL;
}

static inline const char *oops_memstr(const char *s, size_t n,
				      const char *needle)
{
	return oops_memstr_n(s, n, needle, strlen(needle));
}

static inline bool oops_has(const char *s, size_t n, const char *needle)
{
	return oops_memstr(s, n, needle) != NULL;
}

static inline bool oops_starts(const char *s, size_t n, const char *prefix)
{
	size_t m = strlen(prefix);

	return n >= m && memcmp(s, prefix, m) == 0;
}

/* -------------------------------------------------------------- headers -- */

/* The headers of oops_headers.def, in its order: HDR_BUG, HDR_WARNING, ... */
enum oops_hdr {
	HDR_NONE = -1,
#define OOPS_HDR(id, find, match, anchor, inside, kind, rules, pf) HDR_##id,
#include "oops_headers.def"
#undef OOPS_HDR
	HDR_COUNT
};

/*
 * Cheap test used on every line while no report is open: false when the
 * line certainly holds no header.
 */
bool oops_header_maybe(const char *s, size_t n);
/*
 * The noise fast path: scan from p for the '\n' that ends the line
 * (returned, or NULL when end comes first) and set *cand when the line
 * holds a header anchor.
 */
const char *oops_pf_scan(const char *p, const char *end, bool *cand);
/* The header in a raw line (false positives removed), or HDR_NONE. */
enum oops_hdr oops_header_find(const char *s, size_t n);
/* Headers that normally come inside another report and so do not end it. */
bool oops_header_in_report(enum oops_hdr h);
/* Where the header text starts in its line ("" = the whole line). */
const char *oops_header_anchor(enum oops_hdr h);
/* Lines that end a report like a new header does (fault injection, ...). */
bool oops_line_cuts_report(const char *s, size_t n);

/* --------------------------------------------------------------- frames -- */

/*
 * Parse a frame line (prefix already removed) the way titles count it:
 * optional spaces and up to two [<pc>], then a symbol followed by '+' or
 * '.'.  Returns the symbol length (0 when not a frame) and sets *name.
 * For ARM "[<pc>] (callee) from [<pc>] (caller+0x..)" *name2 gets the
 * caller.
 */
size_t oops_frame_symbol(const char *s, size_t n, const char **name,
			 const char **name2, size_t *len2);
/*
 * At q (just after a function name): scripts/decode_stacktrace.sh's
 * source position " (kernel/sched/core.c:7244 (discriminator 13))"?
 */
bool oops_decoded_src(const char *q, const char *end);
/*
 * Full frame parse for the report's call trace: "? f+0x1/0x2 [mod]",
 * "f file.c:12 [inline]", ARM "(f) from", ppc "[pc] [pc] f+0x..".
 * Returns true and fills *f (strings malloc'd) when the line is a frame.
 */
bool oops_frame_parse(const char *s, size_t n, struct oops_frame *f);
/* True when a guilty-frame candidate is report plumbing or a helper. */
bool oops_frame_skip(const char *name, size_t len);

/* ---------------------------------------------------------------- title -- */

#define OOPS_ALT_MAX 4 /* alternative titles of one report */

/* A line of a report as the title code sees it. */
struct oops_tline {
	const char *s;
	size_t n;
};

struct oops_title_result {
	char title[320];
	char guilty[128];
	enum oops_kind kind;
	bool corrupted;
	bool discard; /* the header was a false positive after all */
	/*
	 * The title is the header text because no rule knew the header's
	 * form ("WARNING: Caches not enabled"): kernel output only when
	 * kernel structure (CPU/PID line, call trace, registers, end marker)
	 * follows it.
	 */
	bool generic;
	/* The form is known but is a report only with kernel structure
	 * after it (a lone SLUB "BUG <cache>" line is not one). */
	bool need_body;
	/* The same crash under other names ("bad-access in F"). */
	char alt[OOPS_ALT_MAX][160];
	size_t nalt;
};

/*
 * Compute title, guilty function, kind and corruption from the report's
 * lines (prefixes removed, other contexts filtered out); lines[0] holds
 * the header hdr.
 */
void oops_title_compute(const struct oops_tline *lines, size_t nlines,
			enum oops_hdr hdr, struct oops_title_result *res);
/* Normalise a title in place (addresses, numbers, line numbers, ...). */
void oops_title_normalize(char *t, size_t size);

#endif /* OOPSD_OOPS_INTERNAL_H */
