// SPDX-License-Identifier: MIT
/*
 * redact.c - MAC, IPv4, IPv6 and e-mail addresses out of report text.
 *
 * One left-to-right pass.  At each position where an address may start
 * (the previous byte cannot belong to the same token), the matchers are
 * tried in a fixed order: e-mail, MAC (before IPv6: a MAC is also a run
 * of hex groups and colons), IPv6, IPv4.  A matcher accepts only a whole
 * token: the byte after the match cannot continue it, so "0010:ffffffff"
 * of an x86 RIP line, a time "12:34:56", a hex offset "+0x1a/0x40" or a
 * kernel release "6.1.0-13" never match.  Kernel printk formats: %pM
 * prints aa:bb:cc:dd:ee:ff, %pI4 a dotted quad, %pI6 eight groups of four
 * digits and %pI6c the compressed form with "::".
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "parse/redact.h"
#include "base/util.h"

enum redact_kind { K_EMAIL, K_MAC, K_IPV6, K_IPV4, K_COUNT };

static const char *const kind_name[K_COUNT] = { "email", "mac", "ipv6",
						"ipv4" };

struct redact_seen {
	enum redact_kind kind;
	unsigned number;
	char *addr; /* lower-cased */
};

struct redactor {
	struct redact_seen *seen;
	size_t nseen, cap;
	unsigned next[K_COUNT];
};

struct redact_buf {
	char *p;
	size_t len, cap;
};

static bool is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static bool is_hex(unsigned char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static bool is_alnum(unsigned char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_alpha(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_local(unsigned char c) /* e-mail local part */
{
	return is_alnum(c) || (c != '\0' && strchr("._%+-", c) != NULL);
}

static unsigned char at(const char *t, size_t n, size_t i)
{
	return i < n ? (unsigned char)t[i] : '\0';
}

/* local@label.label...: the last label alphabetic, 2 letters or more. */
static size_t match_email(const char *t, size_t n, size_t i)
{
	size_t j = i, labels = 0, last = 0, end = 0;

	while (j < n && j - i < 64 && is_local(at(t, n, j)))
		j++;
	if (j == i || at(t, n, j) != '@')
		return 0;
	j++;
	for (;;) {
		size_t s = j;
		bool alpha = true;

		while (j < n && (is_alnum(at(t, n, j)) || at(t, n, j) == '-')) {
			alpha = alpha && is_alpha(at(t, n, j));
			j++;
		}
		if (j == s || j - s > 63 || j - i > 320)
			break; /* 320: no address is longer; keeps the scan short */
		labels++;
		last = alpha && j - s >= 2;
		end = j;
		if (at(t, n, j) != '.' || !is_alnum(at(t, n, j + 1)))
			break;
		j++;
	}
	if (labels < 2 || !last || end - i > 254 || is_alnum(at(t, n, end)) ||
	    at(t, n, end) == '@')
		return 0;
	return end - i;
}

/* aa:bb:cc:dd:ee:ff */
static size_t match_mac(const char *t, size_t n, size_t i)
{
	for (size_t g = 0; g < 6; g++) {
		size_t p = i + 3 * g;

		if (!is_hex(at(t, n, p)) || !is_hex(at(t, n, p + 1)))
			return 0;
		if (g < 5 && at(t, n, p + 2) != ':')
			return 0;
	}
	if (is_alnum(at(t, n, i + 17)) || at(t, n, i + 17) == ':')
		return 0;
	return 17;
}

/* Eight groups of 1-4 hex digits, or fewer around one "::". */
static size_t match_ipv6(const char *t, size_t n, size_t i)
{
	size_t j = i, groups = 0;
	bool gap = false;

	if (at(t, n, j) == ':' && at(t, n, j + 1) == ':') {
		gap = true;
		j += 2;
	}
	while (groups < 8) {
		size_t s = j;

		while (j - s < 4 && is_hex(at(t, n, j)))
			j++;
		if (j == s)
			break;
		groups++;
		if (at(t, n, j) != ':')
			break;
		if (at(t, n, j + 1) == ':') {
			if (gap)
				return 0;
			gap = true;
			j += 2;
			continue;
		}
		if (!is_hex(at(t, n, j + 1)))
			break;
		j++;
	}
	if (!(gap ? groups <= 7 && j - i >= 3 : groups == 8))
		return 0;
	/* A whole token: not followed by more of a word, a longer hex run
	 * or a dotted IPv4 tail. */
	if (is_alnum(at(t, n, j)) ||
	    (at(t, n, j) == '.' && is_digit(at(t, n, j + 1))) ||
	    (at(t, n, j) == ':' && is_hex(at(t, n, j + 1))))
		return 0;
	return j - i;
}

/* Four decimal octets 0-255. */
static size_t match_ipv4(const char *t, size_t n, size_t i)
{
	size_t j = i;

	for (int o = 0; o < 4; o++) {
		unsigned v = 0;
		size_t s = j;

		while (j - s < 3 && is_digit(at(t, n, j)))
			v = v * 10 + (unsigned)(at(t, n, j++) - '0');
		if (j == s || v > 255)
			return 0;
		if (o < 3 && at(t, n, j++) != '.')
			return 0;
	}
	if (is_alnum(at(t, n, j)) ||
	    (at(t, n, j) == '.' && is_digit(at(t, n, j + 1))))
		return 0;
	return j - i;
}

static int buf_put(struct redact_buf *b, const char *s, size_t len)
{
	if (array_grow((void **)&b->p, &b->cap, b->len + len + 1, 1) < 0)
		return -ENOMEM;
	memcpy(b->p + b->len, s, len);
	b->len += len;
	return 0;
}

/* The number of an address of a kind, given on first sight; 0: too many. */
static int seen_number(struct redactor *rd, enum redact_kind k,
		       const char *s, size_t len, unsigned *number)
{
	struct redact_seen *e;
	char *lower;

	for (size_t i = 0; i < rd->nseen; i++) {
		e = &rd->seen[i];
		if (e->kind == k && strlen(e->addr) == len &&
		    strncasecmp(e->addr, s, len) == 0) {
			*number = e->number;
			return 0;
		}
	}
	*number = 0;
	if (rd->nseen >= REDACT_MAX_SEEN)
		return 0;
	if (array_grow((void **)&rd->seen, &rd->cap, rd->nseen + 1,
		       sizeof(*rd->seen)) < 0 ||
	    (lower = strndup(s, len)) == NULL)
		return -ENOMEM;
	for (char *c = lower; *c; c++)
		if (*c >= 'A' && *c <= 'Z')
			*c = (char)(*c + 32);
	*number = ++rd->next[k];
	rd->seen[rd->nseen++] = (struct redact_seen){ k, *number, lower };
	return 0;
}

struct redactor *redactor_new(void)
{
	return calloc(1, sizeof(struct redactor));
}

void redactor_free(struct redactor *rd)
{
	if (rd == NULL)
		return;
	for (size_t i = 0; i < rd->nseen; i++)
		free(rd->seen[i].addr);
	free(rd->seen);
	free(rd);
}

char *redact_text(struct redactor *rd, const char *text, size_t len,
		  size_t *out_len, unsigned *replaced)
{
	struct redact_buf b = { 0 };
	size_t i = 0, copied = 0;

	if (buf_put(&b, "", 0) < 0)
		return NULL;
	while (i < len) {
		unsigned char prev = i ? (unsigned char)text[i - 1] : ' ';
		bool word = is_alnum(prev) || prev == '_' || prev == '.';
		enum redact_kind k = K_COUNT;
		unsigned number;
		char tag[32];
		size_t m = 0;
		int tl;

		if (!is_local(prev) && (m = match_email(text, len, i)))
			k = K_EMAIL;
		else if (!word && prev != ':' && (m = match_mac(text, len, i)))
			k = K_MAC;
		else if (!word && prev != ':' && (m = match_ipv6(text, len, i)))
			k = K_IPV6;
		else if (!word && (m = match_ipv4(text, len, i)))
			k = K_IPV4;
		if (k == K_COUNT) {
			i++;
			continue;
		}
		if (seen_number(rd, k, text + i, m, &number) < 0)
			goto nomem;
		if (number)
			tl = snprintf(tag, sizeof(tag), "<%s-%u>", kind_name[k],
				      number);
		else
			tl = snprintf(tag, sizeof(tag), "<%s-more>",
				      kind_name[k]);
		if (buf_put(&b, text + copied, i - copied) < 0 ||
		    buf_put(&b, tag, (size_t)tl) < 0)
			goto nomem;
		if (replaced)
			(*replaced)++;
		i += m;
		copied = i;
	}
	if (buf_put(&b, text + copied, len - copied) < 0)
		goto nomem;
	b.p[b.len] = '\0';
	*out_len = b.len;
	return b.p;
nomem:
	free(b.p);
	return NULL;
}

void redacted_report_free(struct redacted_report *out)
{
	for (size_t i = 0; i < ARRAY_SIZE(out->owned); i++) {
		free(out->owned[i]);
		out->owned[i] = NULL;
	}
}

int redact_report(struct redacted_report *out, const struct oops_report *in)
{
	struct redactor *rd = redactor_new();
	char **fields[] = { &out->r.text, &out->r.title, &out->r.comm,
			    &out->r.pc, &out->r.hardware };
	unsigned replaced = 0;
	size_t len;

	memset(out, 0, sizeof(*out));
	out->r = *in;
	if (rd == NULL)
		return -ENOMEM;
	/* The text first: its numbering is the one a reader follows. */
	for (size_t i = 0; i < ARRAY_SIZE(fields); i++) {
		const char *s = *fields[i];

		if (s == NULL)
			continue;
		out->owned[i] = redact_text(rd, s, i == 0 ? in->text_len :
							     strlen(s),
					    &len, &replaced);
		if (out->owned[i] == NULL) {
			redactor_free(rd);
			redacted_report_free(out);
			out->r = *in;
			return -ENOMEM;
		}
		*fields[i] = out->owned[i];
		if (i == 0)
			out->r.text_len = len;
	}
	redactor_free(rd);
	return (int)replaced;
}
