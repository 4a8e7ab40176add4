/* SPDX-License-Identifier: MIT */
/*
 * conf.h - run-time configuration: a `key = value` file parsed against a
 * declarative table, in the manner of Fluent Bit's config maps.
 *
 * File syntax: one `key = value` per line; blank lines and lines starting
 * with `#` are ignored; a value may be "double quoted" (with \" \\ \n \t
 * escapes), otherwise it ends at an unquoted ` #` comment and surrounding
 * white space is trimmed.  Unknown keys, duplicate keys and bad values are
 * errors reported as `file:line: reason`.  Command-line overrides use the
 * same syntax (`-o key=value`) and report `override: reason`.
 *
 * Each table row names a field of the caller's struct by offsetof().
 * Strings are malloc'd; conf_free() releases them.
 */
#ifndef OOPSD_CONF_H
#define OOPSD_CONF_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum conf_type {
	CONF_STRING,   /* char *            */
	CONF_BOOL,     /* int: yes/no, true/false, on/off, 1/0 */
	CONF_INT,      /* long long, within [min, max] */
	CONF_SIZE,     /* uint64_t bytes: 512, 64K, 16M, 1G (binary) */
	CONF_DURATION, /* uint64_t milliseconds: 500ms, 30s, 5m, 2h, 7d */
	CONF_CUSTOM,   /* parsed by `parse` */
	CONF_ENUM,     /* int: index of the value in `choices` (any case) */
};

struct conf_entry {
	const char *name;
	enum conf_type type;
	const char *def; /* default as text; NULL: none (string NULL, 0) */
	size_t offset;	 /* offsetof(struct yours, field) */
	const char *help;
	long long min, max; /* CONF_INT, CONF_SIZE, CONF_DURATION; 0,0 = any */
	/* CONF_CUSTOM: store value into field; 0, or -1 with err filled. */
	int (*parse)(const char *value, void *field, char *err, size_t errlen);
	void (*free_field)(void *field); /* CONF_CUSTOM: optional */
	/*
	 * CONF_ENUM: the accepted names, NULL-terminated; the field gets the
	 * index of the one given, so an array indexed by a C enum maps the
	 * value straight to it.  A value not in the list is an error at its
	 * line, like any other bad value.
	 */
	const char *const *choices;
	/*
	 * Not NULL: the feature behind the key is not built in, and this is
	 * its Kconfig symbol.  The key takes its default or "off" (an empty
	 * string, no) only; another value is an error at its line ("kmsg:
	 * built without CONFIG_AGENT_KMSG"), and --help says so in place of
	 * the help.  CONF_FEATURE() fills help and without from one switch.
	 */
	const char *without;
};

/*
 * A key of the optional feature X (Kconfig CONFIG_X): .help when ENABLE_X
 * is 1, else .without = "CONFIG_X".  Designated: min and max after it are
 * written .min = ..., .max = ....
 */
#define CONF_FEATURE(X, text)                                                  \
	.help = ENABLE_##X ? (text) : NULL,                                    \
	.without = ENABLE_##X ? NULL : "CONFIG_" #X

#define CONF_END                                                               \
	{                                                                      \
		.name = NULL                                                   \
	}

/* Long enough for any message: "path:line: reason". */
#define CONF_ERR_MAX 512

/* Apply every default.  0, or -1 with err set (a bad default is a bug). */
int conf_defaults(const struct conf_entry *table, void *dst, char *err,
		  size_t errlen);
/*
 * Parse a file over dst (call conf_defaults() first).  0, or -1 with err
 * set to "path:line: reason" (or "path: strerror" when it cannot be read).
 * Stops at the first error.
 */
int conf_load_file(const struct conf_entry *table, void *dst, const char *path,
		   char *err, size_t errlen);
/* Parse file contents from memory; `name` is used in messages. */
int conf_load_buffer(const struct conf_entry *table, void *dst,
		     const char *name, const char *buf, size_t len, char *err,
		     size_t errlen);
/* Apply one "key=value" override.  0, or -1 with err set. */
int conf_set(const struct conf_entry *table, void *dst, const char *kv,
	     char *err, size_t errlen);
/* Release the strings and custom fields of dst. */
void conf_free(const struct conf_entry *table, void *dst);
/*
 * Does key differ between a and b (two configurations of one table)?
 * For a reload: the caller applies what it can change live and names the
 * rest.  CONF_CUSTOM fields are compared byte for byte.  -1: no such key.
 */
int conf_differs(const struct conf_entry *table, const void *a, const void *b,
		 const char *key);
/* Print "key = default   help" lines (for --help and man pages). */
void conf_print_help(const struct conf_entry *table, FILE *out);
/* Print the effective configuration as a valid config file. */
void conf_dump(const struct conf_entry *table, const void *dst, FILE *out);

/* Helpers shared with the rest of the tree. */
int conf_parse_size(const char *s, uint64_t *out);
int conf_parse_duration_ms(const char *s, uint64_t *out);
int conf_parse_bool(const char *s, int *out);

#endif /* OOPSD_CONF_H */
