// SPDX-License-Identifier: MIT
/*
 * termesc.c - escape control characters for terminals (see termesc.h).
 */
#include "base/termesc.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

static const char termesc_hex[] = "0123456789abcdef";

/*
 * Length of the valid UTF-8 sequence at s (at most n bytes), 0 when it is
 * not one (overlong forms, surrogates and values above U+10FFFF are not);
 * *cp gets the code point.
 */
static size_t utf8_seq(const unsigned char *s, size_t n, uint32_t *cp)
{
	size_t len;
	uint32_t c, min;

	if (s[0] < 0xc2 || s[0] > 0xf4)
		return 0;
	if (s[0] < 0xe0) {
		len = 2, c = s[0] & 0x1f, min = 0x80;
	} else if (s[0] < 0xf0) {
		len = 3, c = s[0] & 0x0f, min = 0x800;
	} else {
		len = 4, c = s[0] & 0x07, min = 0x10000;
	}
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

/*
 * The next piece of s: either *plain bytes to copy as they are, or one
 * byte (*esc) to write as \xHH... for a C1 control in UTF-8, the two
 * bytes of its sequence.  Returns the bytes of s consumed.
 */
static size_t termesc_next(const unsigned char *s, size_t n, unsigned flags,
			   size_t *plain, size_t *nesc)
{
	unsigned char c = s[0];
	uint32_t cp = 0;
	size_t l;

	*plain = *nesc = 0;
	if (c < 0x20 || c == 0x7f) {
		if ((flags & TERMESC_TEXT) && (c == '\n' || c == '\t'))
			*plain = 1;
		else
			*nesc = 1;
		return 1;
	}
	if (c < 0x80) {
		*plain = 1;
		return 1;
	}
	l = utf8_seq(s, n, &cp);
	if (l == 0) {
		*nesc = 1; /* not UTF-8: raw 0x80..0xff, C1 on 8-bit terms */
		return 1;
	}
	if (cp >= 0x80 && cp <= 0x9f)
		*nesc = l;
	else
		*plain = l;
	return l;
}

char *termesc(const char *s, size_t len, unsigned flags, char *out,
	      size_t cap)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t o = 0, plain, nesc, used;

	if (s == NULL) {
		s = "(null)";
		p = (const unsigned char *)s;
		len = 6;
	}
	if (cap == 0)
		return out;
	while (len > 0) {
		used = termesc_next(p, len, flags, &plain, &nesc);
		if (o + plain + 4 * nesc >= cap)
			break;
		memcpy(out + o, p, plain);
		o += plain;
		for (size_t i = 0; i < nesc; i++) {
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = termesc_hex[p[i] >> 4];
			out[o++] = termesc_hex[p[i] & 15];
		}
		p += used;
		len -= used;
	}
	out[o] = '\0';
	return out;
}

char *termesc_str(const char *s, char *out, size_t cap)
{
	return termesc(s, s ? strlen(s) : 0, 0, out, cap);
}

int termesc_write(FILE *f, const char *s, size_t len, unsigned flags)
{
	char buf[1024];
	const unsigned char *p = (const unsigned char *)s;
	size_t o = 0, plain, nesc, used;

	while (len > 0) {
		used = termesc_next(p, len, flags, &plain, &nesc);
		if (o + plain + 4 * nesc > sizeof(buf)) {
			if (fwrite(buf, 1, o, f) != o)
				return -EIO;
			o = 0;
		}
		memcpy(buf + o, p, plain);
		o += plain;
		for (size_t i = 0; i < nesc; i++) {
			buf[o++] = '\\';
			buf[o++] = 'x';
			buf[o++] = termesc_hex[p[i] >> 4];
			buf[o++] = termesc_hex[p[i] & 15];
		}
		p += used;
		len -= used;
	}
	if (o > 0 && fwrite(buf, 1, o, f) != o)
		return -EIO;
	return 0;
}
