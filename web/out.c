// SPDX-License-Identifier: MIT
/*
 * out.c - the response buffer and the escaping of what goes into it.
 *
 * Every value that came from a record (titles, host names, report text,
 * releases) reaches a page through out_html() or out_url(): a title
 * holding "<script>" is text on the page, never markup.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "web.h"

static bool out_reserve(struct out *o, size_t n)
{
	size_t cap;
	char *p;

	if (o->full)
		return false;
	if (o->len + n + 1 <= o->cap)
		return true;
	if (o->len + n + 1 > WEB_MAX_PAGE) {
		o->full = true;
		return false;
	}
	cap = o->cap ? o->cap : 16384;
	while (cap < o->len + n + 1)
		cap *= 2;
	if (cap > WEB_MAX_PAGE)
		cap = WEB_MAX_PAGE;
	p = realloc(o->p, cap);
	if (p == NULL) {
		o->full = true;
		return false;
	}
	o->p = p;
	o->cap = cap;
	return true;
}

void out_addn(struct out *o, const char *s, size_t n)
{
	if (!out_reserve(o, n))
		return;
	memcpy(o->p + o->len, s, n);
	o->len += n;
	o->p[o->len] = '\0';
}

void out_str(struct out *o, const char *s)
{
	if (s != NULL)
		out_addn(o, s, strlen(s));
}

void out_add(struct out *o, const char *fmt, ...)
{
	char small[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n < sizeof(small)) {
		out_addn(o, small, (size_t)n);
		return;
	}
	if (!out_reserve(o, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(o->p + o->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	o->len += (size_t)n;
}

void out_htmln(struct out *o, const char *s, size_t n)
{
	size_t start = 0;

	for (size_t i = 0; i < n; i++) {
		const char *rep;
		unsigned char c = (unsigned char)s[i];

		switch (c) {
		case '&': rep = "&amp;"; break;
		case '<': rep = "&lt;"; break;
		case '>': rep = "&gt;"; break;
		case '"': rep = "&quot;"; break;
		case '\'': rep = "&#39;"; break;
		case '\0': rep = "\xef\xbf\xbd"; break;
		default:
			/* Other control characters but tab and newline
			 * show as U+FFFD: a report may hold escape
			 * sequences meant for a terminal. */
			if (c < 0x20 && c != '\t' && c != '\n')
				rep = "\xef\xbf\xbd";
			else
				continue;
		}
		out_addn(o, s + start, i - start);
		out_str(o, rep);
		start = i + 1;
	}
	out_addn(o, s + start, n - start);
}

void out_html(struct out *o, const char *s)
{
	if (s != NULL)
		out_htmln(o, s, strlen(s));
}

void out_url(struct out *o, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;
		char e[3];

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '_' ||
		    c == '.' || c == '~') {
			out_addn(o, (const char *)&c, 1);
			continue;
		}
		e[0] = '%';
		e[1] = hex[c >> 4];
		e[2] = hex[c & 15];
		out_addn(o, e, 3);
	}
}

void out_free(struct out *o)
{
	free(o->p);
	memset(o, 0, sizeof(*o));
}
