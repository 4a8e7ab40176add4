// SPDX-License-Identifier: MIT
/*
 * oops_line.c - console line prefixes.
 *
 * A kernel line reaches us with any of these in front of its text, in this
 * order: a LAVA/KernelCI job-log wrapper ("- {"dt": .., "msg": "<line>"}"),
 * a syslog/journal prefix ("Nov 21 05:09:33 host kernel: "), a
 * /dev/kmsg record header ("6,1234,5678,-;" possibly with ",caller=T1"),
 * a "<N>" level, "** N printk messages dropped ** ", an interleaved login
 * prompt ("host login: "), a "[ sss.uuuuuu]" timestamp and a
 * CONFIG_PRINTK_CALLER id ("[ T123]" or "[ C1]").  The context of a line
 * (none, console or a caller id) decides which lines belong to a report.
 */
#include <string.h>

#include "oops_internal.h"

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* "<N>" at p: returns the bytes it takes, 0 when absent. */
static size_t skip_level(const char *p, const char *end)
{
	const char *q = p;

	if (q >= end || *q != '<')
		return 0;
	q++;
	if (q >= end || !is_digit(*q))
		return 0;
	while (q < end && is_digit(*q) && q - p < 6)
		q++;
	if (q >= end || *q != '>')
		return 0;
	return (size_t)(q + 1 - p);
}

/*
 * /dev/kmsg: "prio,seq,usec,flag[,key=value...];text".  Sets the time and
 * the caller id when present; returns the header length or 0.
 */
static size_t skip_kmsg(const char *p, const char *end, struct oops_line *l)
{
	const char *q = p, *semi;
	uint64_t fields[3] = {0, 0, 0};

	for (int i = 0; i < 3; i++) {
		if (q >= end || !is_digit(*q))
			return 0;
		while (q < end && is_digit(*q)) {
			fields[i] = fields[i] * 10 + (uint64_t)(*q - '0');
			if (fields[i] > (UINT64_MAX - 9) / 10)
				return 0;
			q++;
		}
		if (q >= end || *q != ',')
			return 0;
		q++;
	}
	/* The flag is one character: '-', 'c' or '+'. */
	if (q >= end || (*q != '-' && *q != 'c' && *q != '+'))
		return 0;
	semi = memchr(q, ';', (size_t)(end - q));
	if (semi == NULL || semi - q > 128)
		return 0;
	l->time_us = (int64_t)(fields[2] & INT64_MAX);
	l->ctx_type = OOPS_CTX_CONSOLE;
	for (const char *c = q; c + 8 < semi; c++) {
		if (memcmp(c, "caller=", 7) == 0 &&
		    (c[7] == 'T' || c[7] == 'C')) {
			size_t k = 0;

			c += 7;
			while (c < semi && *c != ',' && k + 1 < OOPS_CTX_ID_MAX)
				l->ctx_id[k++] = *c++;
			l->ctx_id[k] = '\0';
			l->ctx_type = OOPS_CTX_CALLER;
			break;
		}
	}
	return (size_t)(semi + 1 - p);
}

static bool is_month(const char *p)
{
	static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";

	for (int i = 0; i < 12; i++)
		if (memcmp(p, months + 3 * i, 3) == 0)
			return true;
	return false;
}

/*
 * Syslog / journal short prefixes: "Mon DD hh:mm:ss host kernel: " and
 * the ISO form "2026-11-21T05:09:33.123456+00:00 host kernel: ".  Returns
 * the prefix length or 0.
 */
static size_t skip_syslog(const char *p, const char *end)
{
	const char *q = p;
	size_t n = (size_t)(end - p);
	const char *k;

	if (n >= 16 && is_month(p) && p[3] == ' ' && p[9] == ':' &&
	    p[12] == ':' && p[15] == ' ') {
		q = p + 16;
	} else if (n >= 20 && is_digit(p[0]) && p[4] == '-' && p[7] == '-' &&
		   p[10] == 'T' && p[13] == ':') {
		q = memchr(p, ' ', n);
		if (q == NULL)
			return 0;
		q++;
	} else {
		return 0;
	}
	/* host, then "kernel: " (or "kernel[pid]: " is not the kernel). */
	k = memchr(q, ' ', (size_t)(end - q));
	if (k == NULL || k - q > 255)
		return 0;
	k++;
	if (end - k >= 8 && memcmp(k, "kernel: ", 8) == 0)
		return (size_t)(k + 8 - p);
	if (end - k == 7 && memcmp(k, "kernel:", 7) == 0)
		return (size_t)(k + 7 - p);
	return 0;
}

/*
 * LAVA / KernelCI job logs wrap each console line in YAML or JSON:
 *   - {"dt": "2024-01-15T10:00:00.123456", "lvl": "target", "msg": "[ 1.2] ..."}
 * The console line is the value of "msg"; the wrapper goes, and so does
 * the closing `"}` (which a cut log may lack).  Returns the prefix length
 * and moves *end back over the tail, or 0.  Escapes inside the value are
 * left as they are (a title never needs them).
 */
static size_t skip_lava(const char *p, const char **end)
{
	const char *q = p, *e = *end, *m;
	size_t n;

	if (e - q > 2 && q[0] == '-' && q[1] == ' ')
		q += 2;
	if (q >= e || *q != '{')
		return 0;
	n = (size_t)(e - q);
	if (n > 160)
		n = 160; /* "msg" comes after dt and lvl, near the start */
	m = oops_memstr(q, n, "\"msg\": \"");
	if (m != NULL) {
		m += 8;
	} else if ((m = oops_memstr(q, n, "\"msg\":\"")) != NULL) {
		m += 7;
	} else {
		return 0;
	}
	while (e > m && (e[-1] == ' ' || e[-1] == ','))
		e--;
	if (e > m && e[-1] == '}')
		e--;
	if (e > m && e[-1] == '"' && (e - 1 == m || e[-2] != '\\'))
		e--;
	*end = e;
	return (size_t)(m - p);
}

/* "[ sss.uuuuuu]": returns its length (up to ']') and sets *us, or 0. */
static size_t parse_time(const char *p, const char *end, int64_t *us)
{
	const char *q = p + 1;
	int64_t sec = 0, frac = 0;
	int fd = 0;

	if (p >= end || *p != '[')
		return 0;
	while (q < end && *q == ' ')
		q++;
	if (q >= end || !is_digit(*q))
		return 0;
	while (q < end && is_digit(*q)) {
		if (sec < INT64_MAX / 100)
			sec = sec * 10 + (*q - '0');
		q++;
	}
	if (q >= end || *q != '.')
		return 0;
	q++;
	if (q >= end || !is_digit(*q))
		return 0;
	while (q < end && is_digit(*q)) {
		if (fd < 6) {
			frac = frac * 10 + (*q - '0');
			fd++;
		}
		q++;
	}
	if (q >= end || *q != ']')
		return 0;
	while (fd++ < 6)
		frac *= 10;
	if (sec > INT64_MAX / 1000000 - 1)
		sec = INT64_MAX / 1000000 - 1;
	*us = sec * 1000000 + frac;
	return (size_t)(q + 1 - p);
}

/*
 * Another writer's text in front of a printk line on a shared console
 * ("-wait-wouldblock[  347.423535] invalid opcode: ...", a test printing
 * without a newline): the kernel's line starts at its timestamp.  Only a
 * full "[ sss.uuuuuu] " (six digits after the point) counts.
 */
static const char *after_foreign_text(const char *p, const char *end)
{
	const char *q = p;
	int64_t us;

	while (q < end && (q = memchr(q, '[', (size_t)(end - q))) != NULL) {
		size_t k = parse_time(q, end, &us);

		if (k >= 10 && q + k < end && q[k] == ' ' && q[k - 8] == '.')
			return q;
		q++;
	}
	return p;
}

/* "[ T123]" / "[C1]": returns its length and copies the id, or 0. */
static size_t parse_caller(const char *p, const char *end, char *id)
{
	const char *q = p + 1;
	size_t k = 0;

	if (p >= end || *p != '[')
		return 0;
	while (q < end && *q == ' ')
		q++;
	if (q >= end || (*q != 'T' && *q != 'C'))
		return 0;
	id[k++] = *q++;
	if (q >= end || !is_digit(*q))
		return 0;
	while (q < end && is_digit(*q)) {
		if (k + 1 >= OOPS_CTX_ID_MAX)
			return 0;
		id[k++] = *q++;
	}
	if (q >= end || *q != ']')
		return 0;
	id[k] = '\0';
	return (size_t)(q + 1 - p);
}

void oops_line_parse(const char *s, size_t n, struct oops_line *l)
{
	const char *p = s, *end = s + n;
	size_t k;
	int64_t us;

	l->time_us = -1;
	l->ctx_type = OOPS_CTX_NONE;
	l->ctx_id[0] = '\0';
	l->kmsg_cont = false;
	l->kernel = false;
	while (end > p && (end[-1] == '\r' || end[-1] == '\n'))
		end--;

	p += skip_lava(p, &end);
	k = skip_syslog(p, end);
	p += k;
	l->kernel = k > 0;
	k = skip_kmsg(p, end, l);
	if (k > 0) {
		p += k;
		l->kernel = true;
	} else if (p == s && end - p > 1 && p[0] == ' ' &&
		   memchr(p, '=', (size_t)(end - p)) != NULL &&
		   (p[1] >= 'A' && p[1] <= 'Z')) {
		/* /dev/kmsg dictionary continuation: " SUBSYSTEM=pci". */
		l->kmsg_cont = true;
	}
	p += skip_level(p, end);
	if (end - p > 6 && memcmp(p, "** ", 3) == 0) {
		const char *q = oops_memstr(p, (size_t)(end - p),
					    " printk messages dropped ** ");
		if (q != NULL)
			p = q + 28;
	}
	if (p < end && *p != '[') {
		/* A login prompt printed in the middle of a console line. */
		const char *q = oops_memstr(p, (size_t)(end - p), " login: [");
		if (q != NULL)
			p = q + 8;
	}
	if (p < end && *p != '[')
		p = after_foreign_text(p, end);
	k = parse_time(p, end, &us);
	if (k > 0) {
		p += k;
		l->time_us = us;
		l->kernel = true;
		l->ctx_type = OOPS_CTX_CONSOLE;
		k = parse_caller(p, end, l->ctx_id);
		if (k > 0) {
			p += k;
			l->ctx_type = OOPS_CTX_CALLER;
		}
		/* Everything up to and including the first "] " goes. */
		if (p < end && *p == ' ')
			p++;
	} else if (l->ctx_type == OOPS_CTX_NONE) {
		k = parse_caller(p, end, l->ctx_id);
		if (k > 0 && p + k < end && p[k] == ' ') {
			p += k + 1;
			l->ctx_type = OOPS_CTX_CALLER;
		} else {
			l->ctx_id[0] = '\0';
		}
	}
	/*
	 * The `"}` tail of a LAVA line whose head was cut off by whoever
	 * pasted the log ("[ 1.14] WARNING: ...\"}"): a kernel line ends so
	 * only when it printed a JSON object, which has its '{'.
	 */
	if (l->kernel && end - p >= 2 && end[-1] == '}' && end[-2] == '"' &&
	    memchr(p, '{', (size_t)(end - p)) == NULL)
		end -= 2;
	l->text = p;
	l->len = (size_t)(end - p);
}

bool oops_line_same_ctx(const struct oops_line *a, enum oops_ctx_type t,
			const char *id)
{
	if (a->ctx_type != t)
		return false;
	return t != OOPS_CTX_CALLER || strcmp(a->ctx_id, id) == 0;
}
