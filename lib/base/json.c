// SPDX-License-Identifier: MIT
/*
 * json.c - see json.h.
 */
#include "base/json.h"
#include "base/util.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

void json_init(struct json *j)
{
	memset(j, 0, sizeof(*j));
	j->first[0] = true;
}

void json_free(struct json *j)
{
	free(j->buf);
	json_init(j);
}

void json_reset(struct json *j)
{
	j->len = 0;
	j->depth = 0;
	j->first[0] = true;
	j->after_key = false;
	j->oom = false;
}

static void json_put(struct json *j, const char *s, size_t n)
{
	if (j->oom)
		return;
	if (n > SIZE_MAX - 1 - j->len ||
	    array_grow_bounded((void **)&j->buf, &j->cap, j->len + n + 1, 1,
			       256, SIZE_MAX) < 0) {
		j->oom = true;
		return;
	}
	memcpy(j->buf + j->len, s, n);
	j->len += n;
	j->buf[j->len] = '\0';
}

/* Comma handling before any value or key. */
static void json_sep(struct json *j)
{
	if (j->after_key) {
		j->after_key = false;
		return;
	}
	if (!j->first[j->depth])
		json_put(j, ",", 1);
	j->first[j->depth] = false;
}

static void json_open(struct json *j, char c)
{
	json_sep(j);
	json_put(j, &c, 1);
	if (j->depth < JSON_MAX_DEPTH - 1)
		j->depth++;
	j->first[j->depth] = true;
}

static void json_close(struct json *j, char c)
{
	json_put(j, &c, 1);
	if (j->depth > 0)
		j->depth--;
}

void json_obj_begin(struct json *j)
{
	json_open(j, '{');
}

void json_obj_end(struct json *j)
{
	json_close(j, '}');
}

void json_obj_reopen(struct json *j)
{
	if (j->len == 0 || j->buf[j->len - 1] != '}' ||
	    j->depth >= JSON_MAX_DEPTH - 1)
		return;
	j->len--;
	j->buf[j->len] = '\0';
	j->depth++;
	/* The object had keys unless it was "{}". */
	j->first[j->depth] = j->len > 0 && j->buf[j->len - 1] == '{';
}

void json_arr_begin(struct json *j)
{
	json_open(j, '[');
}

void json_arr_end(struct json *j)
{
	json_close(j, ']');
}

/* Length of a valid UTF-8 sequence at s (at most n bytes), or 0. */
static size_t json_utf8_len(const unsigned char *s, size_t n)
{
	size_t len;
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xe0) == 0xc0) {
		len = 2;
		cp = s[0] & 0x1f;
	} else if ((s[0] & 0xf0) == 0xe0) {
		len = 3;
		cp = s[0] & 0x0f;
	} else if ((s[0] & 0xf8) == 0xf0) {
		len = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) ||
	    (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

static void json_escape(struct json *j, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, run = 0;

	json_put(j, "\"", 1);
	while (i < n) {
		unsigned char c = p[i];
		char esc[8];
		size_t u;

		if (c >= 0x20 && c != '"' && c != '\\' && c < 0x80) {
			run++;
			i++;
			continue;
		}
		json_put(j, (const char *)p + i - run, run);
		run = 0;
		if (c >= 0x80) {
			u = json_utf8_len(p + i, n - i);
			if (u == 0) {
				json_put(j, "\xef\xbf\xbd", 3);
				i++;
			} else {
				json_put(j, (const char *)p + i, u);
				i += u;
			}
			continue;
		}
		switch (c) {
		case '"': json_put(j, "\\\"", 2); break;
		case '\\': json_put(j, "\\\\", 2); break;
		case '\n': json_put(j, "\\n", 2); break;
		case '\t': json_put(j, "\\t", 2); break;
		case '\r': json_put(j, "\\r", 2); break;
		default:
			snprintf(esc, sizeof(esc), "\\u%04x", c);
			json_put(j, esc, 6);
		}
		i++;
	}
	json_put(j, (const char *)p + i - run, run);
	json_put(j, "\"", 1);
}

void json_key(struct json *j, const char *key)
{
	json_sep(j);
	json_escape(j, key, strlen(key));
	json_put(j, ":", 1);
	j->after_key = true;
}

void json_strn(struct json *j, const char *s, size_t len)
{
	json_sep(j);
	if (s == NULL)
		json_put(j, "null", 4);
	else
		json_escape(j, s, len);
}

void json_str(struct json *j, const char *s)
{
	json_strn(j, s, s ? strlen(s) : 0);
}

void json_int(struct json *j, int64_t v)
{
	char b[32];

	json_sep(j);
	json_put(j, b, (size_t)snprintf(b, sizeof(b), "%" PRId64, v));
}

void json_uint(struct json *j, uint64_t v)
{
	char b[32];

	json_sep(j);
	json_put(j, b, (size_t)snprintf(b, sizeof(b), "%" PRIu64, v));
}

void json_bool(struct json *j, bool v)
{
	json_sep(j);
	json_put(j, v ? "true" : "false", v ? 4 : 5);
}

void json_null(struct json *j)
{
	json_sep(j);
	json_put(j, "null", 4);
}

void json_kstr(struct json *j, const char *key, const char *s)
{
	json_key(j, key);
	json_str(j, s);
}

void json_kint(struct json *j, const char *key, int64_t v)
{
	json_key(j, key);
	json_int(j, v);
}

void json_kuint(struct json *j, const char *key, uint64_t v)
{
	json_key(j, key);
	json_uint(j, v);
}

void json_kbool(struct json *j, const char *key, bool v)
{
	json_key(j, key);
	json_bool(j, v);
}

int json_flush_line(struct json *j, FILE *out)
{
	int rc = 0;

	if (j->oom) {
		json_reset(j);
		return -1;
	}
	json_put(j, "\n", 1);
	if (fwrite(j->buf, 1, j->len, out) != j->len)
		rc = -1;
	json_reset(j);
	return rc;
}
