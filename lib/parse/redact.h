/* SPDX-License-Identifier: MIT */
/*
 * redact.h - take addresses that identify people or machines out of a
 * report before it leaves the device (the agent's `redact = yes`).
 *
 * MAC addresses, IPv4 and IPv6 addresses and e-mail addresses become
 * <mac-N>, <ipv4-N>, <ipv6-N> and <email-N>, numbered per kind in order of
 * first appearance: the same address keeps its number everywhere in the
 * report (a developer still sees that two lines name the same device), and
 * the same report always redacts to the same text (record ids stay stable
 * across rescans and restarts).  Function names, offsets, register dumps,
 * kernel releases and times are left alone.  One pass, linear in the text;
 * memory is bounded by the text's length.
 */
#ifndef OOPSD_REDACT_H
#define OOPSD_REDACT_H

#include <stddef.h>

#include "parse/oops.h"

/* Distinct addresses numbered per report; the rest become <kind-more>. */
#define REDACT_MAX_SEEN 256

struct redactor;

struct redactor *redactor_new(void);
void redactor_free(struct redactor *rd);

/*
 * Redact len bytes of text (NUL bytes allowed) with rd's numbering (shared
 * by every call on the same rd).  Returns a new NUL-terminated string
 * (*out_len bytes, the caller frees it), or NULL when memory is short.
 * *replaced (if not NULL) grows by the number of addresses replaced.
 */
char *redact_text(struct redactor *rd, const char *text, size_t len,
		  size_t *out_len, unsigned *replaced);

/*
 * A redacted copy of a parser report: r is a shallow copy of the original
 * whose text, title, comm, pc line and hardware name are replaced by
 * redacted strings (one numbering) that this struct owns; the frames and
 * the other fields are the original's (borrowed).
 */
struct redacted_report {
	struct oops_report r;
	char *owned[5];
};

/*
 * Fill *out from *in.  Returns the number of addresses replaced (>= 0),
 * or -ENOMEM (*out then owns nothing).  Release with
 * redacted_report_free(), which leaves *in alone.
 */
int redact_report(struct redacted_report *out, const struct oops_report *in);
void redacted_report_free(struct redacted_report *out);

#endif /* OOPSD_REDACT_H */
