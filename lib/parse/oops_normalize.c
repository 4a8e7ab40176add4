// SPDX-License-Identifier: MIT
/*
 * oops_normalize.c - title normalisation: the parts of a title that differ
 * between two instances of one bug (addresses, numbers, line numbers,
 * offsets, CPU numbers, syz-executor ids) become fixed words.
 */
#include <stdio.h>
#include <string.h>

#include "oops_internal.h"

static bool is_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9');
}

static bool is_word(char c)
{
	return is_alnum(c) || c == '_';
}

static bool is_lhex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

static bool is_dig(char c)
{
	return c >= '0' && c <= '9';
}

/*
 * One replacement pass: at each position, match() returns the length of
 * a match (0 for none) and the replacement; the output is built in out.
 */
typedef size_t (*match_fn)(const char *s, size_t i, size_t n, const char **rep,
			   size_t *keep);

static bool pass(char *t, size_t size, match_fn match)
{
	char out[512];
	size_t n = strlen(t), o = 0;
	bool changed = false;

	for (size_t i = 0; i < n;) {
		const char *rep = NULL;
		size_t keep = 0, m = match(t, i, n, &rep, &keep);

		if (m > 0) {
			/* keep: bytes of the match copied before rep. */
			size_t rl = strlen(rep);

			if (o + keep + rl >= sizeof(out))
				break;
			memcpy(out + o, t + i, keep);
			o += keep;
			memcpy(out + o, rep, rl);
			o += rl;
			i += m;
			changed = true;
			continue;
		}
		if (o + 1 >= sizeof(out))
			break;
		out[o++] = t[i++];
	}
	out[o] = '\0';
	if (changed)
		snprintf(t, size, "%s", out);
	return changed;
}

static size_t m_syz(const char *s, size_t i, size_t n, const char **rep,
		    size_t *keep)
{
	size_t j;

	*keep = 0;
	if (n - i >= 13 && memcmp(s + i, "syz-executor", 12) == 0) {
		j = i + 12;
		if (j < n && s[j] == '.' && j + 1 < n && is_dig(s[j + 1])) {
			j++;
			while (j < n && is_dig(s[j]))
				j++;
		} else if (j < n && is_dig(s[j])) {
			while (j < n && is_dig(s[j]))
				j++;
			if (j + 1 < n && (s[j] == ':' || s[j] == '/') &&
			    is_dig(s[j + 1])) {
				j++;
				while (j < n && is_dig(s[j]))
					j++;
			}
		} else {
			return 0;
		}
		*rep = "syz-executor";
		return j - i;
	}
	if (n - i >= 10 && memcmp(s + i, "syzkaller", 9) == 0 &&
	    is_dig(s[i + 9])) {
		j = i + 9;
		while (j < n && is_alnum(s[j]))
			j++;
		*rep = "syzkaller";
		return j - i;
	}
	return 0;
}

static size_t m_addr(const char *s, size_t i, size_t n, const char **rep,
		     size_t *keep)
{
	size_t j;

	if (i + 1 >= n || is_alnum(s[i]))
		return 0;
	j = i + 1;
	if (j + 1 < n && s[j] == '0' && s[j + 1] == 'x')
		j += 2;
	size_t st = j;

	while (j < n && is_lhex(s[j]))
		j++;
	if (j - st < 6) {
		/* Retry without the 0x: "0x" itself counts as hex digits. */
		j = i + 1;
		st = j;
		while (j < n && is_lhex(s[j]))
			j++;
		if (j - st < 6)
			return 0;
	}
	*keep = 1;
	*rep = "ADDR";
	return j - i;
}

static size_t m_ip(const char *s, size_t i, size_t n, const char **rep,
		   size_t *keep)
{
	size_t j = i;

	*keep = 0;
	if (i > 0 && is_dig(s[i - 1]))
		return 0;
	for (int part = 0; part < 4; part++) {
		size_t st = j;

		while (j < n && is_dig(s[j]) && j - st < 3)
			j++;
		if (j == st)
			return 0;
		if (part < 3) {
			if (j >= n || s[j] != '.')
				return 0;
			j++;
		}
	}
	if (j < n && is_dig(s[j]))
		return 0;
	*rep = "IP";
	return j - i;
}

static size_t m_line(const char *s, size_t i, size_t n, const char **rep,
		     size_t *keep)
{
	size_t j = i + 1, e;

	if (s[i] != '.')
		return 0;
	while (j < n &&
	       ((s[j] >= 'a' && s[j] <= 'z') || (s[j] >= 'A' && s[j] <= 'Z')) &&
	       j - i <= 4)
		j++;
	if (j == i + 1 || j >= n || s[j] != ':' || j + 1 >= n ||
	    !is_dig(s[j + 1]))
		return 0;
	e = j;
	while (e < n && s[e] == ':' && e + 1 < n && is_dig(s[e + 1])) {
		e++;
		while (e < n && is_dig(s[e]))
			e++;
	}
	if (e - j == 5 && memcmp(s + j, ":LINE", 5) == 0)
		return 0;
	*keep = j - i;
	*rep = ":LINE";
	return e - i;
}

static size_t m_offset(const char *s, size_t i, size_t n, const char **rep,
		       size_t *keep)
{
	size_t j;

	if (s[i] != '+' || i == 0 || !(is_word(s[i - 1]) || s[i - 1] == '.'))
		return 0;
	if (n - i < 4 || s[i + 1] != '0' || s[i + 2] != 'x')
		return 0;
	j = i + 3;
	while (j < n && is_alnum(s[j]))
		j++;
	if (j + 3 > n || s[j] != '/' || s[j + 1] != '0' || s[j + 2] != 'x')
		return 0;
	j += 3;
	while (j < n && is_alnum(s[j]))
		j++;
	*keep = 0;
	*rep = "";
	return j - i;
}

static size_t m_cpu(const char *s, size_t i, size_t n, const char **rep,
		    size_t *keep)
{
	size_t j;

	if (n - i < 5 || memcmp(s + i, "CPU#", 4) != 0 || !is_dig(s[i + 4]))
		return 0;
	j = i + 4;
	while (j < n && is_dig(s[j]))
		j++;
	*keep = 0;
	*rep = "CPU";
	return j - i;
}

static size_t m_num(const char *s, size_t i, size_t n, const char **rep,
		    size_t *keep)
{
	size_t j;

	if (i + 1 >= n || is_word(s[i]) || !is_dig(s[i + 1]))
		return 0;
	j = i + 1;
	while (j < n && is_dig(s[j]))
		j++;
	if (j < n && is_word(s[j]))
		return 0;
	*keep = 1;
	*rep = "NUM";
	return j - i;
}

static size_t m_longnum(const char *s, size_t i, size_t n, const char **rep,
			size_t *keep)
{
	size_t j = i;

	while (j < n && is_dig(s[j]))
		j++;
	if (j - i < 7 || (i > 0 && is_dig(s[i - 1])))
		return 0;
	*keep = 0;
	*rep = "NUM";
	return j - i;
}

void oops_title_normalize(char *t, size_t size)
{
	static const match_fn steps[] = {
	    m_syz, m_addr, m_ip, m_line, m_offset, m_cpu, m_num, m_longnum,
	};
	size_t o = 0;
	bool space = true;

	bool digits = strpbrk(t, "0123456789") != NULL;

	for (size_t k = 0; k < sizeof(steps) / sizeof(steps[0]); k++) {
		/* Every step but the first rewrites digits. */
		if (k == 0 ? strstr(t, "syz") == NULL : !digits)
			continue;
		for (int guard = 0; guard < 16 && pass(t, size, steps[k]);
		     guard++)
			;
	}
	/* Sanitise: 120 bytes, tabs to spaces, no control/non-ASCII. */
	if (strlen(t) > 120)
		t[120] = '\0';
	for (size_t i = 0; t[i]; i++) {
		unsigned char c = (unsigned char)t[i];

		if (c == '\t')
			c = ' ';
		if (c < 0x20 || c >= 0x7f)
			continue;
		if (c == ' ') {
			if (space)
				continue;
			space = true;
		} else {
			space = false;
		}
		t[o++] = (char)c;
	}
	while (o > 0 && t[o - 1] == ' ')
		o--;
	t[o] = '\0';
}
