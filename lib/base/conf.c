// SPDX-License-Identifier: MIT
/*
 * conf.c - see conf.h.
 */
#include "base/conf.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

/* A config file larger than this is refused: it is not a config file. */
#define CONF_MAX_FILE (1024L * 1024)
#define CONF_MAX_LINE 4096
#define CONF_MAX_KEYS 256

static void conf_err(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void conf_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

int conf_parse_bool(const char *s, int *out)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };

	for (size_t i = 0; i < 4; i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*out = 1;
			return 0;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*out = 0;
			return 0;
		}
	}
	return -1;
}

/* Parse "<digits><suffix>" with the suffix looked up in a unit table. */
struct conf_unit {
	const char *suffix;
	uint64_t mult;
};

static int conf_parse_units(const char *s, const struct conf_unit *units,
			    uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (!isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0)
		return -1;
	for (; units->suffix != NULL; units++) {
		if (strcasecmp(end, units->suffix) == 0) {
			if (units->mult != 0 && v > UINT64_MAX / units->mult)
				return -1;
			*out = v * units->mult;
			return 0;
		}
	}
	return -1;
}

int conf_parse_size(const char *s, uint64_t *out)
{
	static const struct conf_unit units[] = {
		{ "", 1 },	     { "B", 1 },
		{ "K", 1ULL << 10 }, { "KiB", 1ULL << 10 },
		{ "M", 1ULL << 20 }, { "MiB", 1ULL << 20 },
		{ "G", 1ULL << 30 }, { "GiB", 1ULL << 30 },
		{ NULL, 0 },
	};

	return conf_parse_units(s, units, out);
}

int conf_parse_duration_ms(const char *s, uint64_t *out)
{
	static const struct conf_unit units[] = {
		{ "ms", 1 },	     { "s", 1000ULL },	    { "", 1000ULL },
		{ "m", 60000ULL },  { "min", 60000ULL }, { "h", 3600000ULL },
		{ "d", 86400000ULL }, { "w", 7 * 86400000ULL }, { NULL, 0 },
	};

	return conf_parse_units(s, units, out);
}

static const struct conf_entry *conf_find(const struct conf_entry *table,
					  const char *name)
{
	for (; table->name != NULL; table++)
		if (strcmp(table->name, name) == 0)
			return table;
	return NULL;
}

static void conf_free_one(const struct conf_entry *e, void *dst)
{
	void *field = (char *)dst + e->offset;

	if (e->type == CONF_STRING) {
		free(*(char **)field);
		*(char **)field = NULL;
	} else if (e->type == CONF_CUSTOM && e->free_field != NULL) {
		e->free_field(field);
	}
}

static int conf_range(const struct conf_entry *e, long long v)
{
	return (e->min == 0 && e->max == 0) || (v >= e->min && v <= e->max);
}

/* "name: 'v' is not one of a, b, c" for a value not in e->choices. */
static int conf_store_enum(const struct conf_entry *e, void *field,
			   const char *value, char *err, size_t errlen)
{
	size_t used;

	for (size_t i = 0; e->choices != NULL && e->choices[i] != NULL; i++) {
		if (strcasecmp(value, e->choices[i]) == 0) {
			*(int *)field = (int)i;
			return 0;
		}
	}
	conf_err(err, errlen, "%s: '%s' is not one of ", e->name, value);
	used = strlen(err);
	for (size_t i = 0; e->choices != NULL && e->choices[i] != NULL &&
			   used < errlen; i++) {
		int n = snprintf(err + used, errlen - used, "%s%s",
				 i ? ", " : "", e->choices[i]);

		if (n < 0)
			break;
		used += (size_t)n;
	}
	return -1;
}

/* A key of a feature left out takes its default or off only. */
static bool conf_allowed_without(const struct conf_entry *e, const char *value)
{
	int b, d;

	if (e->type == CONF_BOOL && conf_parse_bool(value, &b) == 0)
		return !b || (e->def && conf_parse_bool(e->def, &d) == 0 && b == d);
	return value[0] == '\0' || (e->def && strcmp(value, e->def) == 0);
}

/* Store value into dst's field for e.  0, or -1 with a reason in err. */
static int conf_store(const struct conf_entry *e, void *dst, const char *value,
		      char *err, size_t errlen)
{
	void *field = (char *)dst + e->offset;
	uint64_t u;
	int b;

	if (e->without && !conf_allowed_without(e, value)) {
		conf_err(err, errlen, "%s: built without %s", e->name,
			 e->without);
		return -1;
	}
	switch (e->type) {
	case CONF_STRING: {
		char *copy = strdup(value);

		if (copy == NULL) {
			conf_err(err, errlen, "out of memory");
			return -1;
		}
		conf_free_one(e, dst);
		*(char **)field = copy;
		return 0;
	}
	case CONF_BOOL:
		if (conf_parse_bool(value, &b) < 0) {
			conf_err(err, errlen,
				 "%s: '%s' is not a boolean (yes or no)",
				 e->name, value);
			return -1;
		}
		*(int *)field = b;
		return 0;
	case CONF_INT: {
		char *end;
		long long v;

		errno = 0;
		v = strtoll(value, &end, 0);
		if (errno != 0 || end == value || *end != '\0') {
			conf_err(err, errlen, "%s: '%s' is not an integer",
				 e->name, value);
			return -1;
		}
		if (!conf_range(e, v)) {
			conf_err(err, errlen, "%s: %lld is out of range %lld..%lld",
				 e->name, v, e->min, e->max);
			return -1;
		}
		*(long long *)field = v;
		return 0;
	}
	case CONF_SIZE:
	case CONF_DURATION:
		if ((e->type == CONF_SIZE ? conf_parse_size(value, &u)
					  : conf_parse_duration_ms(value, &u)) < 0) {
			conf_err(err, errlen, "%s: '%s' is not a %s", e->name,
				 value,
				 e->type == CONF_SIZE
					 ? "size (e.g. 512, 64K, 16M, 1G)"
					 : "duration (e.g. 500ms, 30s, 5m, 2h, 7d)");
			return -1;
		}
		if (u > INT64_MAX || !conf_range(e, (long long)u)) {
			conf_err(err, errlen, "%s: '%s' is out of range", e->name,
				 value);
			return -1;
		}
		*(uint64_t *)field = u;
		return 0;
	case CONF_ENUM:
		return conf_store_enum(e, field, value, err, errlen);
	case CONF_CUSTOM: {
		char why[CONF_ERR_MAX] = "invalid value";

		if (e->parse(value, field, why, sizeof(why)) < 0) {
			conf_err(err, errlen, "%s: %s", e->name, why);
			return -1;
		}
		return 0;
	}
	}
	conf_err(err, errlen, "%s: unknown type", e->name);
	return -1;
}

int conf_defaults(const struct conf_entry *table, void *dst, char *err,
		  size_t errlen)
{
	for (const struct conf_entry *e = table; e->name != NULL; e++) {
		if (e->def == NULL)
			continue;
		if (conf_store(e, dst, e->def, err, errlen) < 0)
			return -1;
	}
	return 0;
}

void conf_free(const struct conf_entry *table, void *dst)
{
	for (const struct conf_entry *e = table; e->name != NULL; e++)
		conf_free_one(e, dst);
}

/*
 * Split one line into key and value in place.  Returns 1 for a key/value,
 * 0 for a blank or comment line, -1 with a reason.
 */
static int conf_split(char *line, char **key, char **value, char *err,
		      size_t errlen)
{
	char *p = line, *eq, *k, *v, *out;

	while (isspace((unsigned char)*p))
		p++;
	if (*p == '\0' || *p == '#')
		return 0;
	eq = strchr(p, '=');
	if (eq == NULL) {
		conf_err(err, errlen, "expected 'key = value'");
		return -1;
	}
	k = p;
	*eq = '\0';
	for (char *e = eq - 1; e >= k && isspace((unsigned char)*e); e--)
		*e = '\0';
	if (*k == '\0') {
		conf_err(err, errlen, "missing key before '='");
		return -1;
	}
	for (char *c = k; *c; c++) {
		if (!isalnum((unsigned char)*c) && *c != '_' && *c != '-' &&
		    *c != '.') {
			conf_err(err, errlen, "bad character in key '%s'", k);
			return -1;
		}
	}
	v = eq + 1;
	while (isspace((unsigned char)*v))
		v++;
	if (*v == '"') {
		/* Quoted: unescape in place, then only a comment may follow. */
		out = v;
		for (p = v + 1; *p != '"'; p++) {
			if (*p == '\0') {
				conf_err(err, errlen, "unterminated quote");
				return -1;
			}
			if (*p == '\\') {
				p++;
				switch (*p) {
				case 'n': *out++ = '\n'; break;
				case 't': *out++ = '\t'; break;
				case '\\': *out++ = '\\'; break;
				case '"': *out++ = '"'; break;
				default:
					conf_err(err, errlen,
						 "bad escape '\\%c' in quotes",
						 *p ? *p : '0');
					return -1;
				}
			} else {
				*out++ = *p;
			}
		}
		*out = '\0';
		for (p++; isspace((unsigned char)*p); p++)
			;
		if (*p != '\0' && *p != '#') {
			conf_err(err, errlen, "text after closing quote");
			return -1;
		}
	} else {
		for (p = v; *p; p++) {
			if (*p == '#' && (p == v || isspace((unsigned char)p[-1]))) {
				*p = '\0';
				break;
			}
		}
		for (char *e = v + strlen(v) - 1;
		     e >= v && isspace((unsigned char)*e); e--)
			*e = '\0';
	}
	*key = k;
	*value = v;
	return 1;
}

int conf_load_buffer(const struct conf_entry *table, void *dst,
		     const char *name, const char *buf, size_t len, char *err,
		     size_t errlen)
{
	const struct conf_entry *seen[CONF_MAX_KEYS];
	size_t nseen = 0;
	char line[CONF_MAX_LINE];
	size_t pos = 0;
	unsigned lineno = 0;

	while (pos < len) {
		const char *nl = memchr(buf + pos, '\n', len - pos);
		size_t n = (nl ? (size_t)(nl - buf) : len) - pos;
		char why[CONF_ERR_MAX];
		const struct conf_entry *e;
		char *key, *value;
		int rc;

		lineno++;
		if (n >= sizeof(line)) {
			conf_err(err, errlen, "%s:%u: line too long", name,
				 lineno);
			return -1;
		}
		if (memchr(buf + pos, '\0', n) != NULL) {
			conf_err(err, errlen, "%s:%u: NUL byte in line", name,
				 lineno);
			return -1;
		}
		memcpy(line, buf + pos, n);
		line[n] = '\0';
		if (n > 0 && line[n - 1] == '\r')
			line[n - 1] = '\0';
		pos += n + (nl != NULL);
		rc = conf_split(line, &key, &value, why, sizeof(why));
		if (rc < 0) {
			conf_err(err, errlen, "%s:%u: %s", name, lineno, why);
			return -1;
		}
		if (rc == 0)
			continue;
		e = conf_find(table, key);
		if (e == NULL) {
			conf_err(err, errlen, "%s:%u: unknown key '%s'", name,
				 lineno, key);
			return -1;
		}
		for (size_t i = 0; i < nseen; i++) {
			if (seen[i] == e) {
				conf_err(err, errlen,
					 "%s:%u: '%s' is set twice", name,
					 lineno, key);
				return -1;
			}
		}
		if (nseen < CONF_MAX_KEYS)
			seen[nseen++] = e;
		if (conf_store(e, dst, value, why, sizeof(why)) < 0) {
			conf_err(err, errlen, "%s:%u: %s", name, lineno, why);
			return -1;
		}
	}
	return 0;
}

int conf_load_file(const struct conf_entry *table, void *dst, const char *path,
		   char *err, size_t errlen)
{
	struct stat st;
	char *buf;
	ssize_t n;
	size_t len = 0;
	int fd, rc;

	/* O_NONBLOCK: opening a FIFO would otherwise wait for a writer
	 * forever; it is refused below like any file that is not regular. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		conf_err(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		conf_err(err, errlen, "%s: not a regular file", path);
		close(fd);
		return -1;
	}
	if (st.st_size > CONF_MAX_FILE) {
		conf_err(err, errlen, "%s: larger than %ld bytes", path,
			 CONF_MAX_FILE);
		close(fd);
		return -1;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (buf == NULL) {
		conf_err(err, errlen, "%s: out of memory", path);
		close(fd);
		return -1;
	}
	while (len < (size_t)st.st_size &&
	       (n = read(fd, buf + len, (size_t)st.st_size - len)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			conf_err(err, errlen, "%s: %s", path, strerror(errno));
			free(buf);
			close(fd);
			return -1;
		}
		len += (size_t)n;
	}
	close(fd);
	rc = conf_load_buffer(table, dst, path, buf, len, err, errlen);
	free(buf);
	return rc;
}

int conf_set(const struct conf_entry *table, void *dst, const char *kv,
	     char *err, size_t errlen)
{
	char line[CONF_MAX_LINE], why[CONF_ERR_MAX];
	const struct conf_entry *e;
	char *key, *value;
	size_t kvlen = strlen(kv);
	int rc;

	if (kvlen >= sizeof(line)) {
		conf_err(err, errlen, "override: too long");
		return -1;
	}
	memcpy(line, kv, kvlen + 1);
	rc = conf_split(line, &key, &value, why, sizeof(why));
	if (rc <= 0) {
		conf_err(err, errlen, "override '%s': %s", kv,
			 rc < 0 ? why : "expected key=value");
		return -1;
	}
	e = conf_find(table, key);
	if (e == NULL) {
		conf_err(err, errlen, "override: unknown key '%s'", key);
		return -1;
	}
	if (conf_store(e, dst, value, why, sizeof(why)) < 0) {
		conf_err(err, errlen, "override: %s", why);
		return -1;
	}
	return 0;
}

void conf_print_help(const struct conf_entry *table, FILE *out)
{
	for (const struct conf_entry *e = table; e->name != NULL; e++)
		fprintf(out, "  %-20s %-28s %s%s\n", e->name,
			e->def ? e->def : "(unset)",
			e->without ? "built without " : "",
			e->without ? e->without : e->help ? e->help : "");
}

void conf_dump(const struct conf_entry *table, const void *dst, FILE *out)
{
	for (const struct conf_entry *e = table; e->name != NULL; e++) {
		const void *field = (const char *)dst + e->offset;

		switch (e->type) {
		case CONF_STRING: {
			const char *s = *(char *const *)field;

			if (s == NULL) {
				fprintf(out, "# %s is unset\n", e->name);
				break;
			}
			fprintf(out, "%s = \"", e->name);
			for (; *s; s++) {
				if (*s == '"' || *s == '\\')
					fputc('\\', out);
				if (*s == '\n')
					fputs("\\n", out);
				else
					fputc(*s, out);
			}
			fputs("\"\n", out);
			break;
		}
		case CONF_BOOL:
			fprintf(out, "%s = %s\n", e->name,
				*(const int *)field ? "yes" : "no");
			break;
		case CONF_INT:
			fprintf(out, "%s = %lld\n", e->name,
				*(const long long *)field);
			break;
		case CONF_SIZE:
			fprintf(out, "%s = %" PRIu64 "\n", e->name,
				*(const uint64_t *)field);
			break;
		case CONF_DURATION:
			fprintf(out, "%s = %" PRIu64 "ms\n", e->name,
				*(const uint64_t *)field);
			break;
		case CONF_CUSTOM:
			fprintf(out, "# %s = (set)\n", e->name);
			break;
		case CONF_ENUM: {
			int v = *(const int *)field;
			size_t n = 0;

			while (e->choices != NULL && e->choices[n] != NULL)
				n++;
			if (v >= 0 && (size_t)v < n)
				fprintf(out, "%s = %s\n", e->name, e->choices[v]);
			else
				fprintf(out, "# %s = (%d)\n", e->name, v);
			break;
		}
		}
	}
}

int conf_differs(const struct conf_entry *table, const void *a, const void *b,
		 const char *key)
{
	for (const struct conf_entry *e = table; e->name != NULL; e++) {
		const char *fa = (const char *)a + e->offset;
		const char *fb = (const char *)b + e->offset;

		if (strcmp(e->name, key) != 0)
			continue;
		switch (e->type) {
		case CONF_STRING: {
			const char *sa = *(char *const *)(const void *)fa;
			const char *sb = *(char *const *)(const void *)fb;

			return strcmp(sa ? sa : "", sb ? sb : "") != 0;
		}
		case CONF_BOOL:
		case CONF_ENUM: /* an int too, not a pointer's width */
			return memcmp(fa, fb, sizeof(int)) != 0;
		case CONF_INT:
			return memcmp(fa, fb, sizeof(long long)) != 0;
		case CONF_SIZE:
		case CONF_DURATION:
			return memcmp(fa, fb, sizeof(uint64_t)) != 0;
		default:
			/* A custom field: at most a pointer's width of bytes
			 * (an enum, a pointer) is compared. */
			// cppcheck-suppress pointerSize
			return memcmp(fa, fb, sizeof(void *)) != 0;
		}
	}
	return -1;
}
