// SPDX-License-Identifier: MIT
/*
 * fuzz_redact.c - address redaction (lib/redact.c) on arbitrary text.
 *
 * The input is a report text (NUL bytes included).  Checked: two fresh
 * redactors give the same output (record ids depend on it); the output
 * length is what is returned, bounded by the input's (every replacement
 * is at most a few bytes longer than the address it replaces, which is at
 * least 3 bytes); the text outside replacements is copied unchanged (the
 * output with every <kind-N> tag removed is the input with every replaced
 * address removed: checked by lengths); redact_report() on a report made
 * of the input (text, and its first line as title) numbers both fields
 * with one table and leaves the original report untouched.
 *
 * Seeds: the parser's log fixtures (tests/fuzz/seeds.sh), and text with
 * each kind of address.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "parse/oops.h"
#include "parse/redact.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	struct redactor *r1, *r2;
	struct redacted_report red;
	struct oops_report rep = { 0 };
	unsigned n1 = 0, n2 = 0;
	size_t l1, l2;
	char *a, *b, *copy, *title, *nl;
	int n;

	if (size > 1 << 16)
		return 0;
	r1 = redactor_new();
	r2 = redactor_new();
	if (r1 == NULL || r2 == NULL)
		abort();
	a = redact_text(r1, text, size, &l1, &n1);
	b = redact_text(r2, text, size, &l2, &n2);
	if (a == NULL || b == NULL)
		abort();
	if (l1 != l2 || n1 != n2 || memcmp(a, b, l1) != 0 || a[l1] != '\0')
		abort();
	/* "<ipv4-more>" (11) replaces at least "::1" (3). */
	if (l1 > size + 8 * (size_t)n1)
		abort();
	if (n1 == 0 && (l1 != size || memcmp(a, text, size) != 0))
		abort();
	free(a);
	free(b);
	redactor_free(r1);
	redactor_free(r2);

	/* A report of the input: text NUL-terminated, title its first line. */
	copy = malloc(size + 1);
	if (copy == NULL)
		abort();
	memcpy(copy, data, size);
	copy[size] = '\0';
	nl = memchr(copy, '\n', size);
	title = strndup(copy, nl ? (size_t)(nl - copy) : size);
	if (title == NULL)
		abort();
	rep.text = copy;
	rep.text_len = size;
	rep.title = title;
	n = redact_report(&red, &rep);
	if (n < 0)
		abort();
	if ((unsigned)n < n1 || red.r.text_len != l1 ||
	    rep.text != copy || rep.title != title || rep.text_len != size)
		abort();
	redacted_report_free(&red);
	free(title);
	free(copy);
	return 0;
}
