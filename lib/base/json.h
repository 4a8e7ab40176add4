/* SPDX-License-Identifier: MIT */
/*
 * json.h - a small JSON writer for JSON Lines output (oopsctl).
 *
 * The writer appends to a growable buffer and inserts commas itself; the
 * caller only opens and closes objects and arrays and names keys.  Strings
 * are escaped per RFC 8259; bytes that are not valid UTF-8 are written as
 * U+FFFD so the output is always valid JSON.
 */
#ifndef OOPSD_JSON_H
#define OOPSD_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define JSON_MAX_DEPTH 32

struct json {
	char *buf;
	size_t len, cap;
	int depth;
	bool first[JSON_MAX_DEPTH]; /* nothing written yet at this depth */
	bool after_key;
	bool oom;
};

void json_init(struct json *j);
void json_free(struct json *j);
/* Forget the contents, keep the buffer. */
void json_reset(struct json *j);

void json_obj_begin(struct json *j);
void json_obj_end(struct json *j);
/*
 * Reopen the object json_obj_end() just closed, to append keys to what
 * another function wrote (oopsctl export adds the collector's keys to
 * record_to_json()'s object).  No-op unless the buffer ends with '}'.
 */
void json_obj_reopen(struct json *j);
void json_arr_begin(struct json *j);
void json_arr_end(struct json *j);
void json_key(struct json *j, const char *key);

void json_str(struct json *j, const char *s); /* NULL writes null */
void json_strn(struct json *j, const char *s, size_t len);
void json_int(struct json *j, int64_t v);
void json_uint(struct json *j, uint64_t v);
void json_bool(struct json *j, bool v);
void json_null(struct json *j);

/* key + value shortcuts. */
void json_kstr(struct json *j, const char *key, const char *s);
void json_kint(struct json *j, const char *key, int64_t v);
void json_kuint(struct json *j, const char *key, uint64_t v);
void json_kbool(struct json *j, const char *key, bool v);

/* Write the buffer and a newline to out, then reset.  0 or -1 (errno). */
int json_flush_line(struct json *j, FILE *out);

#endif /* OOPSD_JSON_H */
