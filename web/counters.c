// SPDX-License-Identifier: MIT
/*
 * counters.c - read a collector's counters_json, as each collector writes
 * it to the store: a JSON object of integers, or of objects of integers
 * one level down ({"received": 12, "rejected": {"bad_tag": 3}}).
 *
 * The text comes from the store, which other programs write, so it is
 * parsed strictly and bounded: names of [A-Za-z0-9_] up to 64 bytes,
 * integers, at most WEB_MAX_COUNTERS values; string values (the
 * collector's version, its store) are skipped, not counters; anything
 * else ends the walk with -EINVAL (what was reported before stays
 * reported).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "web.h"

#define WEB_MAX_COUNTERS 512
#define WEB_MAX_COUNTER_NAME 64

static const char *ws(const char *p)
{
	while (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r')
		p++;
	return p;
}

static const char *name(const char *p, char out[WEB_MAX_COUNTER_NAME + 1])
{
	size_t n = 0;

	if (*p++ != '"')
		return NULL;
	while (*p != '"') {
		char c = *p++;

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '_') ||
		    n >= WEB_MAX_COUNTER_NAME)
			return NULL;
		out[n++] = c;
	}
	out[n] = '\0';
	return n ? p + 1 : NULL;
}

/* Skip a JSON string (escapes included) of at most 4 KiB. */
static const char *skip_string(const char *p)
{
	const char *start = ++p;

	while (*p != '"') {
		if (*p == '\0' || p - start > 4096)
			return NULL;
		if (*p == '\\' && p[1] != '\0')
			p++;
		p++;
	}
	return p + 1;
}

static const char *number(const char *p, int64_t *v)
{
	char *end;

	if (!(*p == '-' || (*p >= '0' && *p <= '9')))
		return NULL;
	*v = strtoll(p, &end, 10);
	/* A fraction is cut (latencies in microseconds are integers). */
	if (*end == '.')
		while (*++end >= '0' && *end <= '9')
			;
	return end;
}

/* An object of name: integer | object (depth 0 only).  Returns the text
 * after it or NULL. */
static const char *object(const char *p, int depth, const char *outer,
			  web_counter_fn fn, void *arg, int *count)
{
	char key[WEB_MAX_COUNTER_NAME + 1];

	p = ws(p);
	if (*p++ != '{')
		return NULL;
	p = ws(p);
	if (*p == '}')
		return p + 1;
	for (;;) {
		int64_t v;

		p = name(ws(p), key);
		if (p == NULL)
			return NULL;
		p = ws(p);
		if (*p++ != ':')
			return NULL;
		p = ws(p);
		if (*p == '{' && depth == 0) {
			if (fn)
				fn(WEB_CTR_OPEN, key, NULL, 0, arg);
			p = object(p, 1, key, fn, arg, count);
			if (p == NULL)
				return NULL;
			if (fn)
				fn(WEB_CTR_CLOSE, key, NULL, 0, arg);
		} else if (*p == '"') {
			p = skip_string(p);
			if (p == NULL)
				return NULL;
		} else {
			p = number(p, &v);
			if (p == NULL || ++*count > WEB_MAX_COUNTERS)
				return NULL;
			if (fn)
				fn(WEB_CTR_VALUE, outer ? outer : key,
				   outer ? key : NULL, v, arg);
		}
		p = ws(p);
		if (*p == '}')
			return p + 1;
		if (*p++ != ',')
			return NULL;
	}
}

int web_counters_parse(const char *json, web_counter_fn fn, void *arg)
{
	int count = 0;
	const char *end;

	if (json == NULL)
		return 0;
	end = object(json, 0, NULL, fn, arg, &count);
	if (end == NULL || *ws(end) != '\0')
		return -EINVAL;
	return count;
}
