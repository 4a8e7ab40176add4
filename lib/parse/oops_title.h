/* SPDX-License-Identifier: MIT */
/*
 * oops_title.h - what the title files share (private to lib/parse).
 *
 * oops_guilty.c     the guilty-frame search: stack parts, extractors, skips
 * oops_title.c      the per-header title rules and the engine that reads them
 * oops_normalize.c  title normalisation (addresses, numbers, line numbers)
 */
#ifndef OOPSD_OOPS_TITLE_H
#define OOPSD_OOPS_TITLE_H

#include "oops_internal.h"

#define NAME_MAX_LEN 128

/* What a part of a stack search looks for. */
enum part_kind {
	P_END = 0,
	P_PARSE, /* parse frames until the next stack start */
	P_RIP, /* the PC line: RIP/IP/NIP/pc :/PC is at (captures F) */
	P_CALLTRACE, /* "Call Trace:" / "Call trace:" */
	P_LINE, /* a line containing .needle */
	P_HDRFUNC, /* the header line: "... in f+0x" captured (line 0) */
	P_AT, /* an "at: f+0x" lockdep line (captures F) */
	P_WARN_PC, /* RIP line or powerpc "--- interrupt: N at f" */
};

struct part {
	enum part_kind kind;
	const char *needle; /* P_LINE: alternatives separated by '|' */
};

enum extractor { EX_FIRST = 0, EX_STALL, EX_HANG };

struct search {
	const struct oops_tline *l;
	size_t n;
	const char *extra; /* per-kind extra skips: "a\0b\0" (ends at "") */
	/*
	 * Frames are consumed as they are found (stacks of recursion can be
	 * thousands of frames long): the extractor keeps only its state.
	 */
	enum extractor ex;
	size_t nc; /* candidates seen in this run */
	bool done; /* the extractor has its answer */
	bool have; /* result is set */
	char result[NAME_MAX_LEN];
	char prev[NAME_MAX_LEN]; /* EX_STALL: the frame above */
	bool hang_sync; /* EX_HANG: a synchronize_* frame */
	bool hang_have_first;
	char hang_first[NAME_MAX_LEN]; /* EX_HANG: first non-waiting frame */
	bool fault_injection;
};

static inline const char *mem(const struct oops_tline *t, const char *needle)
{
	return oops_memstr(t->s, t->n, needle);
}

static inline bool line_has(const struct oops_tline *t, const char *needle)
{
	return mem(t, needle) != NULL;
}

static inline size_t find_line(const struct search *s, size_t from,
			       const char *needle)
{
	for (size_t i = from; i < s->n; i++)
		if (line_has(&s->l[i], needle))
			return i;
	return s->n;
}

static inline bool is_symc(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_';
}

/*
 * Find the guilty frame: parts, then parts2 when parts found nothing.
 * Writes it to out (or "corrupted") and returns false when none was found.
 */
bool oops_guilty(struct search *s, const struct part *parts,
		 const struct part *parts2, enum extractor ex, char *out,
		 size_t size);
/* A PC line naming a kernel function (not a user-space address). */
bool oops_has_kernel_pc(const struct search *s);

#endif /* OOPSD_OOPS_TITLE_H */
