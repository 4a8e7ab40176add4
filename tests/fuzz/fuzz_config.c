// SPDX-License-Identifier: MIT
/*
 * fuzz_config.c - libFuzzer harness for configuration files (lib/conf.c).
 *
 * The input is a config file.  It is parsed with conf_load_buffer() against
 * a table that has one key of every type (string, bool, int with a range,
 * size, duration, and a custom list parser that allocates), so every value
 * parser is reached.  When it loads, the effective configuration is dumped
 * with conf_dump() and the dump is parsed again: it must load without error
 * and dump to the same text (the dump is documented as a valid config file).
 * Each line is also applied as a `-o` override with conf_set().
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/conf.h"

struct fuzz_list {
	unsigned *items;
	size_t n;
};

struct fuzz_cfg {
	char *name;
	char *path;
	int flag;
	long long count;
	long long any;
	uint64_t size;
	uint64_t timeout;
	struct fuzz_list list;
	int mode;
};

static const char *const fuzz_modes[] = { "kill", "errno", "log", "off", NULL };

/* "1,2,3": at most 16 unsigned numbers below 65536. */
static int fuzz_parse_list(const char *value, void *field, char *err,
			   size_t errlen)
{
	struct fuzz_list *l = field;
	unsigned *items;
	size_t n = 0;
	const char *p = value;

	items = calloc(16, sizeof(*items));
	if (items == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	while (*p != '\0') {
		char *end;
		unsigned long v = strtoul(p, &end, 10);

		if (end == p || v > 65535 || n == 16) {
			snprintf(err, errlen, "'%s' is not a list of ports",
				 value);
			free(items);
			return -1;
		}
		items[n++] = (unsigned)v;
		p = end;
		if (*p == ',')
			p++;
		else if (*p != '\0') {
			snprintf(err, errlen, "bad separator in '%s'", value);
			free(items);
			return -1;
		}
	}
	free(l->items);
	l->items = items;
	l->n = n;
	return 0;
}

static void fuzz_free_list(void *field)
{
	struct fuzz_list *l = field;

	free(l->items);
	l->items = NULL;
	l->n = 0;
}

static const struct conf_entry fuzz_table[] = {
	{ "name", CONF_STRING, "oopsd", offsetof(struct fuzz_cfg, name),
	  "a string with a default" },
	{ "path", CONF_STRING, NULL, offsetof(struct fuzz_cfg, path),
	  "a string without one" },
	{ "flag", CONF_BOOL, "yes", offsetof(struct fuzz_cfg, flag), "bool" },
	{ "count", CONF_INT, "10", offsetof(struct fuzz_cfg, count),
	  "bounded int", -5, 1000000 },
	{ "any", CONF_INT, "0", offsetof(struct fuzz_cfg, any), "any int" },
	{ "size", CONF_SIZE, "16M", offsetof(struct fuzz_cfg, size), "size",
	  4096, 1LL << 40 },
	{ "timeout", CONF_DURATION, "30s", offsetof(struct fuzz_cfg, timeout),
	  "duration" },
	{ "ports", CONF_CUSTOM, "1,2", offsetof(struct fuzz_cfg, list),
	  "custom", 0, 0, fuzz_parse_list, fuzz_free_list },
	{ "mode", CONF_ENUM, "kill", offsetof(struct fuzz_cfg, mode), "enum",
	  .choices = fuzz_modes },
	CONF_END,
};

/* conf_dump() into a malloc'd string; NULL when out of memory. */
static char *fuzz_dump(const struct fuzz_cfg *cfg, size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);

	if (f == NULL)
		return NULL;
	conf_dump(fuzz_table, cfg, f);
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

static void fuzz_roundtrip(const struct fuzz_cfg *cfg)
{
	char err[CONF_ERR_MAX];
	struct fuzz_cfg again;
	char *d1, *d2;
	size_t l1 = 0, l2 = 0;

	d1 = fuzz_dump(cfg, &l1);
	if (d1 == NULL)
		return;
	/* A value near the loader's line limit (4096 bytes) whose quotes and
	 * backslashes the dump doubles cannot be read back in one line: the
	 * loader says "line too long", which is right; nothing to compare. */
	for (const char *p = d1, *nl; p < d1 + l1; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(d1 + l1 - p));
		if (nl == NULL)
			nl = d1 + l1;
		if (nl - p >= 4096) {
			free(d1);
			return;
		}
	}
	memset(&again, 0, sizeof(again));
	if (conf_defaults(fuzz_table, &again, err, sizeof(err)) < 0)
		abort();
	if (conf_load_buffer(fuzz_table, &again, "dump", d1, l1, err,
			     sizeof(err)) < 0) {
		fprintf(stderr, "dump does not load: %s\n%s", err, d1);
		abort();
	}
	/* The custom field is dumped as a comment: copy it over. */
	fuzz_free_list(&again.list);
	d2 = fuzz_dump(&again, &l2);
	if (d2 != NULL && (l1 != l2 || memcmp(d1, d2, l1) != 0)) {
		fprintf(stderr, "dump changed:\n%s---\n%s", d1, d2);
		abort();
	}
	free(d2);
	free(d1);
	conf_free(fuzz_table, &again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[CONF_ERR_MAX];
	struct fuzz_cfg cfg;
	const char *buf = (const char *)data;
	size_t pos = 0;
	int lines = 0;

	memset(&cfg, 0, sizeof(cfg));
	if (conf_defaults(fuzz_table, &cfg, err, sizeof(err)) < 0)
		abort();
	if (conf_load_buffer(fuzz_table, &cfg, "fuzz", buf, size, err,
			     sizeof(err)) == 0)
		fuzz_roundtrip(&cfg);
	else if (memchr(err, '\0', sizeof(err)) == NULL)
		abort(); /* the message must always be terminated */

	/* Every line as a -o override (NUL-terminated copies). */
	while (pos < size && lines++ < 32) {
		const char *nl = memchr(buf + pos, '\n', size - pos);
		size_t n = (nl ? (size_t)(nl - buf) : size) - pos;
		char *kv = strndup(buf + pos, n);

		if (kv == NULL)
			break;
		(void)conf_set(fuzz_table, &cfg, kv, err, sizeof(err));
		free(kv);
		pos += n + 1;
	}
	conf_free(fuzz_table, &cfg);
	return 0;
}
