// SPDX-License-Identifier: MIT
/*
 * store_query.c - the query layer oops-web and oopsctl share: triage, the
 * filtered crash list, histograms, releases, hosts and records.
 *
 * Every question is one SQL text in the dialect SQLite and PostgreSQL
 * share, run through the backend's generic query (store_ops.query), so a
 * new question is written once for both.  Each is answered from an index
 * or from the aggregate tables (a few rows per signature), never from a
 * scan of the records: where records must be read (stack variants, a
 * host's kernels) the read is bounded to the newest rows of an index
 * range.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store.h"
#include "store_internal.h"
#include "base/util.h"

/*
 * Tables and indexes of the query layer, created by both backends after
 * their own schema (same SQL in both dialects).  The indexes are what keep
 * the dashboard's filters off full scans: a release's and a host's
 * signatures, a host's records, and a signature's records by source.
 */
const char store_query_schema[] =
	"CREATE TABLE IF NOT EXISTS triage("
	" sig text PRIMARY KEY,"
	" state text NOT NULL CHECK (state IN ('open','fixed','ignored')),"
	" fixed_in text, bug text, note text,"
	" updated_us bigint NOT NULL);"
	"CREATE INDEX IF NOT EXISTS sig_releases_release"
	" ON sig_releases(release);"
	"CREATE INDEX IF NOT EXISTS sig_hosts_host ON sig_hosts(host_key);"
	"CREATE INDEX IF NOT EXISTS records_host ON records(host_key, seen_us);"
	"CREATE INDEX IF NOT EXISTS records_sig_source ON records(sig, source);";

int store_query(struct store *st, const char *sql, const struct store_param *p,
		int np, store_row_fn fn, void *arg)
{
	if (st->ops->query == NULL)
		return -EOPNOTSUPP;
	if (np < 0 || np > STORE_MAX_PARAMS)
		return -EINVAL;
	return st->ops->query(st, sql, p, np, fn, arg);
}

int store_query_one(struct store *st, const char *sql,
		    const struct store_param *p, int np, store_row_fn fn,
		    void *arg)
{
	int rc = store_query(st, sql, p, np, fn, arg);

	if (rc < 0)
		return rc;
	return rc == 0 ? -ENOENT : 0;
}

/* ---------------------------------------------------------------- rows -- */

static void row_sig(const struct store_row *r, int i, char out[STORE_SIG_LEN])
{
	str_lcpy(out, row_str(r, i) ?: "", STORE_SIG_LEN);
}

/* A page's LIMIT: 0 asks for the most a page may hold. */
static struct store_param p_limit(size_t limit)
{
	return p_int(limit ? (int64_t)limit : STORE_PAGE_MAX);
}

/* The first column of a one-row answer (a count), into *(uint64_t *)arg. */
static int count_row(const struct store_row *r, void *arg)
{
	*(uint64_t *)arg = (uint64_t)row_i64(r, 0);
	return 1;
}

static bool is_sig(const char *s)
{
	char lower[STORE_SIG_LEN];

	return s && strlen(s) == STORE_SIG_LEN - 1 &&
	       store_sig_prefix(s, lower) == 0 && strcmp(lower, s) == 0;
}

/*
 * A list's callback and its argument, as its row function gets them: a
 * list sets the member of fn its row function calls.
 */
struct list_cb {
	union {
		store_triage_fn triage;
		store_variant_fn variant;
		store_release_sig_fn release_sig;
		store_sig_fn sig;
		store_release_fn release;
		store_rec_fn rec;
		store_kind_fn kind;
	} fn;
	void *arg;
};

/* -------------------------------------------------------------- triage -- */

static const char *const triage_names[] = {
	[STORE_TRIAGE_OPEN] = "open",
	[STORE_TRIAGE_FIXED] = "fixed",
	[STORE_TRIAGE_IGNORED] = "ignored",
};

const char *store_triage_name(enum store_triage_state s)
{
	return (unsigned)s < ARRAY_SIZE(triage_names) ? triage_names[s] : NULL;
}

int store_triage_parse(const char *s, enum store_triage_state *out)
{
	for (size_t i = 0; s && i < ARRAY_SIZE(triage_names); i++)
		if (strcmp(s, triage_names[i]) == 0) {
			*out = (enum store_triage_state)i;
			return 0;
		}
	return -EINVAL;
}

static bool field_ok(const char *s)
{
	return s == NULL || strlen(s) <= STORE_TRIAGE_MAX_FIELD;
}

int store_triage_set(struct store *st, const struct store_triage *t)
{
	const char *state = store_triage_name(t->state);
	struct store_param p[6];
	int rc;

	if (!is_sig(t->sig) || state == NULL || !field_ok(t->fixed_in) ||
	    !field_ok(t->bug) || !field_ok(t->note))
		return -EINVAL;
	p[0] = p_text(t->sig);
	p[1] = p_text(state);
	p[2] = p_text(t->fixed_in && *t->fixed_in ? t->fixed_in : NULL);
	p[3] = p_text(t->bug && *t->bug ? t->bug : NULL);
	p[4] = p_text(t->note && *t->note ? t->note : NULL);
	p[5] = p_int(t->updated_us);
	rc = store_query(st,
			 "INSERT INTO triage(sig, state, fixed_in, bug, note,"
			 " updated_us) VALUES($1, $2, $3, $4, $5, $6)"
			 " ON CONFLICT(sig) DO UPDATE SET"
			 " state = excluded.state,"
			 " fixed_in = excluded.fixed_in, bug = excluded.bug,"
			 " note = excluded.note,"
			 " updated_us = excluded.updated_us",
			 p, 6, NULL, NULL);
	return rc < 0 ? rc : 0;
}

/* Columns 0..4 of a triage join: state, fixed_in, bug, note, updated_us. */
#define TRIAGE_COLUMNS "t.state, t.fixed_in, t.bug, t.note, t.updated_us"

static void row_triage(const struct store_row *r, int i, const char *sig,
		       struct store_triage *t)
{
	char key[STORE_SIG_LEN];

	/* sig may be t->sig itself (a get), which the memset clears. */
	str_lcpy(key, sig, sizeof(key));
	memset(t, 0, sizeof(*t));
	memcpy(t->sig, key, sizeof(key));
	if (store_triage_parse(row_str(r, i), &t->state) < 0)
		t->state = STORE_TRIAGE_OPEN;
	t->fixed_in = row_str(r, i + 1);
	t->bug = row_str(r, i + 2);
	t->note = row_str(r, i + 3);
	t->updated_us = row_i64(r, i + 4);
}

/*
 * A copy of the first n columns of a row that outlives it (the answer of a
 * get), in one block in st->scratch, which the next get replaces: out->v
 * is v[n].  Returns 0 or -ENOMEM.
 */
static int scratch_row(struct store *st, const struct store_row *r, int n,
		       const char **v, struct store_row *out)
{
	size_t total = 0;
	char *p;

	out->n = n < r->n ? n : r->n;
	out->v = v;
	out->len = NULL; /* text only: the getters read no blob */
	for (int i = 0; i < out->n; i++)
		total += r->v[i] ? strlen(r->v[i]) + 1 : 0;
	free(st->scratch);
	st->scratch = p = malloc(total ? total : 1);
	if (p == NULL)
		return -ENOMEM;
	for (int i = 0; i < out->n; i++) {
		size_t len;

		v[i] = r->v[i];
		if (v[i] == NULL)
			continue;
		len = strlen(v[i]) + 1;
		memcpy(p, v[i], len);
		v[i] = p;
		p += len;
	}
	return 0;
}

struct row_get {
	struct store *st;
	void *out;
};

#define TRIAGE_NCOL 5

static int triage_get_row(const struct store_row *r, void *arg)
{
	struct row_get *g = arg;
	struct store_triage *t = g->out;
	const char *v[TRIAGE_NCOL];
	struct store_row kept;
	int err = scratch_row(g->st, r, TRIAGE_NCOL, v, &kept);

	if (err < 0)
		return err;
	row_triage(&kept, 0, t->sig, t);
	return 1;
}

int store_triage_get(struct store *st, const char *sig,
		     struct store_triage *out)
{
	struct row_get g;
	struct store_param p = p_text(sig);

	memset(out, 0, sizeof(*out));
	g = (struct row_get){ st, out };
	if (!is_sig(sig))
		return -EINVAL;
	str_lcpy(out->sig, sig, STORE_SIG_LEN);
	return store_query_one(st,
			 "SELECT " TRIAGE_COLUMNS " FROM triage t"
			 " WHERE t.sig = $1",
			 &p, 1, triage_get_row, &g);
}

static int triage_list_row(const struct store_row *r, void *arg)
{
	const struct list_cb *l = arg;
	struct store_triage t;

	row_triage(r, 1, row_str(r, 0) ?: "", &t);
	return l->fn.triage(&t, l->arg);
}

int store_triage_list(struct store *st, store_triage_fn fn, void *arg)
{
	struct list_cb l = { .fn.triage = fn, .arg = arg };
	struct store_param p = p_int(STORE_TRIAGE_MAX_ROWS);

	return store_query(st,
			   "SELECT t.sig, " TRIAGE_COLUMNS " FROM triage t"
			   " ORDER BY t.sig LIMIT $1",
			   &p, 1, triage_list_row, &l);
}

/* ---------------------------------------------------------- crash list -- */

/* Columns 0..7 of a signature row, as the backends' own queries. */
#define SIG_COLUMNS                                                            \
	"s.sig, s.title, s.kind, s.stack_sig, s.count, s.hosts,"              \
	" s.first_seen_us, s.last_seen_us"

static void row_to_sig(const struct store_row *r, struct store_sig *sig)
{
	memset(sig, 0, sizeof(*sig));
	row_sig(r, 0, sig->signature);
	sig->title = (char *)row_str(r, 1);
	sig->kind = (char *)row_str(r, 2);
	row_sig(r, 3, sig->stack_signature);
	sig->count = sig->total = (uint64_t)row_i64(r, 4);
	sig->hosts = (uint64_t)row_i64(r, 5);
	sig->first_seen_us = row_i64(r, 6);
	sig->last_seen_us = row_i64(r, 7);
}

/* The sources a filter name stands for: [lo, hi] of Oopsd__Source. */
static const struct {
	const char *name;
	int lo, hi;
} crash_sources[] = {
	{ "pstore", OOPSD__SOURCE__SOURCE_PSTORE_DMESG,
	  OOPSD__SOURCE__SOURCE_PSTORE_PMSG },
	{ "netconsole", OOPSD__SOURCE__SOURCE_NETCONSOLE,
	  OOPSD__SOURCE__SOURCE_NETCONSOLE },
	{ "kmsg", OOPSD__SOURCE__SOURCE_KMSG, OOPSD__SOURCE__SOURCE_KMSG },
	{ "file", OOPSD__SOURCE__SOURCE_FILE, OOPSD__SOURCE__SOURCE_FILE },
};

int store_source_parse(const char *name)
{
	for (size_t i = 0; name && i < ARRAY_SIZE(crash_sources); i++)
		if (strcmp(name, crash_sources[i].name) == 0)
			return (int)i;
	return -EINVAL;
}

const char *store_source_filter_name(int i)
{
	return i >= 0 && (size_t)i < ARRAY_SIZE(crash_sources) ?
		       crash_sources[i].name :
		       NULL;
}

/* An SQL text being put together, with its parameters. */
struct qbuf {
	char sql[8192];
	size_t len;
	struct store_param p[STORE_MAX_PARAMS];
	int np;
	bool overflow;
};

static void qadd(struct qbuf *q, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void qadd(struct qbuf *q, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(q->sql + q->len, sizeof(q->sql) - q->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(q->sql) - q->len)
		q->overflow = true;
	else
		q->len += (size_t)n;
}

/* Add a parameter; returns its $number. */
static int qparam(struct qbuf *q, struct store_param p)
{
	if (q->np >= STORE_MAX_PARAMS) {
		q->overflow = true;
		return 1;
	}
	q->p[q->np++] = p;
	return q->np;
}

/* Run the text put together; one too long for its buffer is -E2BIG. */
static int qrun(struct store *st, const struct qbuf *q, store_row_fn fn,
		void *arg)
{
	if (q->overflow)
		return -E2BIG;
	return store_query(st, q->sql, q->p, q->np, fn, arg);
}

/* "%text%" with LIKE's wildcards escaped, lower-cased (ASCII). */
static char *like_pattern(const char *text)
{
	size_t n = strlen(text);
	char *s = malloc(2 * n + 3), *p = s;

	if (s == NULL)
		return NULL;
	*p++ = '%';
	for (size_t i = 0; i < n; i++) {
		char c = text[i];

		if (c == '%' || c == '_' || c == '\\')
			*p++ = '\\';
		*p++ = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
	}
	*p++ = '%';
	*p = '\0';
	return s;
}

/* FROM and WHERE of the crash list, shared by the page and its count. */
static int crash_from_where(struct qbuf *b, const struct store_crash_query *q,
			    const char *like)
{
	if (q->since_us > 0) {
		int h = qparam(b, p_int(q->since_us / STORE_US_PER_HOUR));

		qadd(b,
		     " FROM (SELECT sig, sum(count) AS n FROM sig_hours"
		     " WHERE hour >= $%d GROUP BY sig) w"
		     " JOIN signatures s ON s.sig = w.sig",
		     h);
	} else {
		qadd(b, " FROM signatures s");
	}
	qadd(b, " LEFT JOIN triage t ON t.sig = s.sig WHERE 1 = 1");
	if (q->since_us > 0)
		qadd(b, " AND w.n > 0");
	if (q->kind && *q->kind)
		qadd(b, " AND s.kind = $%d", qparam(b, p_text(q->kind)));
	if (q->release && *q->release)
		qadd(b,
		     " AND s.sig IN (SELECT sig FROM sig_releases"
		     " WHERE release = $%d)",
		     qparam(b, p_text(q->release)));
	if (q->host && *q->host)
		qadd(b,
		     " AND s.sig IN (SELECT sig FROM sig_hosts"
		     " WHERE host_key = $%d)",
		     qparam(b, p_text(q->host)));
	if (q->source >= 0) {
		if ((size_t)q->source >= ARRAY_SIZE(crash_sources))
			return -EINVAL;
		qadd(b,
		     " AND EXISTS (SELECT 1 FROM records r WHERE r.sig = s.sig"
		     " AND r.source BETWEEN $%d AND $%d)",
		     qparam(b, p_int(crash_sources[q->source].lo)),
		     qparam(b, p_int(crash_sources[q->source].hi)));
	}
	if (like)
		qadd(b, " AND lower(s.title) LIKE $%d ESCAPE '\\'",
		     qparam(b, p_text(like)));
	if (q->state && *q->state) {
		enum store_triage_state st;

		if (store_triage_parse(q->state, &st) < 0)
			return -EINVAL;
		qadd(b, " AND coalesce(t.state, 'open') = $%d",
		     qparam(b, p_text(q->state)));
	} else if (!q->show_ignored) {
		qadd(b, " AND coalesce(t.state, 'open') <> 'ignored'");
	}
	return 0;
}

struct crash_page {
	struct store_crash *rows;
	size_t n, cap; /* cap: the LIMIT, which the backend keeps to */
	uint64_t matches; /* rows of the whole list */
};

static int crash_row(const struct store_row *r, void *arg)
{
	struct crash_page *pg = arg;
	struct store_crash *c;
	const char *s[5];

	if (pg->n >= pg->cap)
		return 1; /* not on the page: never for a backend that works */
	c = &pg->rows[pg->n];
	memset(c, 0, sizeof(*c));
	row_to_sig(r, &c->sig);
	c->sig.total = (uint64_t)row_i64(r, 8);
	c->sig.count = (uint64_t)row_i64(r, 14); /* all time, or the window */
	pg->matches = (uint64_t)row_i64(r, 15);
	row_triage(r, 9, c->sig.signature, &c->triage);
	/* The row's strings are the backend's until the next row. */
	s[0] = c->sig.title;
	s[1] = c->sig.kind;
	s[2] = c->triage.fixed_in;
	s[3] = c->triage.bug;
	s[4] = c->triage.note;
	for (int i = 0; i < 5; i++) {
		if (s[i] != NULL && (s[i] = strdup(s[i])) == NULL) {
			while (i-- > 0)
				free((char *)s[i]);
			return -ENOMEM;
		}
	}
	c->sig.title = (char *)s[0];
	c->sig.kind = (char *)s[1];
	c->triage.fixed_in = s[2];
	c->triage.bug = s[3];
	c->triage.note = s[4];
	pg->n++;
	return 0;
}

static void crash_free(struct store_crash *c)
{
	store_sig_free(&c->sig);
	free((char *)c->triage.fixed_in);
	free((char *)c->triage.bug);
	free((char *)c->triage.note);
}

static struct store_crash *page_find(struct crash_page *pg, const char *sig)
{
	for (size_t i = 0; sig && i < pg->n; i++)
		if (strcmp(pg->rows[i].sig.signature, sig) == 0)
			return &pg->rows[i];
	return NULL;
}

/* " IN ($k, ...)" over the page's signatures, from parameter first. */
static void page_in(struct qbuf *b, const struct crash_page *pg)
{
	qadd(b, " IN (");
	for (size_t i = 0; i < pg->n; i++)
		qadd(b, "%s$%d", i ? ", " : "",
		     qparam(b, p_text(pg->rows[i].sig.signature)));
	qadd(b, ")");
}

static int rel_row(const struct store_row *r, void *arg)
{
	struct store_crash *c = page_find(arg, row_str(r, 0));
	struct store_release *rel;
	void *mem;

	if (c == NULL)
		return 0;
	mem = realloc(c->sig.releases,
		      (c->sig.n_releases + 1) * sizeof(*c->sig.releases));
	if (mem == NULL)
		return -ENOMEM;
	c->sig.releases = mem;
	rel = &c->sig.releases[c->sig.n_releases];
	rel->release = strdup(row_str(r, 1) ?: "");
	if (rel->release == NULL)
		return -ENOMEM;
	rel->count = (uint64_t)row_i64(r, 2);
	rel->first_seen_us = row_i64(r, 3);
	rel->last_seen_us = row_i64(r, 4);
	c->sig.n_releases++;
	return 0;
}

static int trend_row(const struct store_row *r, void *arg)
{
	struct store_crash *c = page_find(arg, row_str(r, 0));
	int64_t d = row_i64(r, 1);

	if (c != NULL && d >= 0 && d < STORE_TREND_DAYS)
		c->trend[STORE_TREND_DAYS - 1 - d] = (uint64_t)row_i64(r, 2);
	return 0;
}

static int whosts_row(const struct store_row *r, void *arg)
{
	struct store_crash *c = page_find(arg, row_str(r, 0));

	if (c != NULL)
		c->sig.hosts = (uint64_t)row_i64(r, 1);
	return 0;
}

/* Releases, trend and (in a window) hosts of the page's signatures. */
static int crash_page_details(struct store *st, struct crash_page *pg,
			      const struct store_crash_query *q)
{
	int64_t hnow = (q->now_us > 0 ? q->now_us : now_realtime_us()) /
		       STORE_US_PER_HOUR;
	struct qbuf *b = calloc(1, sizeof(*b));
	int rc;

	if (b == NULL)
		return -ENOMEM;
	qadd(b, "SELECT sig, release, count, first_seen_us, last_seen_us"
		" FROM sig_releases WHERE sig");
	page_in(b, pg);
	qadd(b, " ORDER BY sig, first_seen_us, release");
	rc = qrun(st, b, rel_row, pg);
	if (rc >= 0) {
		int h;

		memset(b, 0, sizeof(*b));
		h = qparam(b, p_int(hnow));
		qadd(b,
		     "SELECT sig, ($%d - hour) / 24, sum(count) FROM sig_hours"
		     " WHERE hour > $%d - %d AND hour <= $%d AND sig",
		     h, h, 24 * STORE_TREND_DAYS, h);
		page_in(b, pg);
		qadd(b, " GROUP BY 1, 2");
		rc = qrun(st, b, trend_row, pg);
	}
	if (rc >= 0 && q->since_us > 0) {
		int h;

		memset(b, 0, sizeof(*b));
		h = qparam(b, p_int(q->since_us));
		qadd(b,
		     "SELECT sig, count(*) FROM sig_hosts"
		     " WHERE last_seen_us >= $%d AND sig",
		     h);
		page_in(b, pg);
		qadd(b, " GROUP BY sig");
		rc = qrun(st, b, whosts_row, pg);
	}
	free(b);
	return rc < 0 ? rc : 0;
}

int store_crashes(struct store *st, const struct store_crash_query *q,
		  store_crash_fn fn, void *arg, uint64_t *total)
{
	static const char *const keys[] = {
		[STORE_SORT_COUNT] = "c",
		[STORE_SORT_LAST] = "s.last_seen_us",
		[STORE_SORT_FIRST] = "s.first_seen_us",
		[STORE_SORT_HOSTS] = "s.hosts",
		[STORE_SORT_TITLE] = "s.title",
	};
	struct crash_page pg = { 0 };
	struct qbuf *b = NULL;
	char *like = NULL;
	size_t limit = q->limit ? q->limit : 50;
	int rc, n = 0;

	if ((unsigned)q->sort >= ARRAY_SIZE(keys) || limit > STORE_PAGE_MAX ||
	    q->offset > (size_t)INT32_MAX)
		return -EINVAL;
	if (q->text && *q->text && (like = like_pattern(q->text)) == NULL)
		return -ENOMEM;
	b = calloc(1, sizeof(*b));
	pg.rows = calloc(limit, sizeof(*pg.rows));
	pg.cap = limit;
	if (b == NULL || pg.rows == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	/* The number of matches comes with the page (a window count over
	 * the same scan); only a page past the end needs its own count. */
	qadd(b, "SELECT " SIG_COLUMNS ", s.count, " TRIAGE_COLUMNS ", %s AS c,"
		" count(*) OVER () AS matches",
	     q->since_us > 0 ? "w.n" : "s.count");
	if ((rc = crash_from_where(b, q, like)) < 0)
		goto out;
	/* Ties as in `oopsctl top`: the newest first, then by signature. */
	qadd(b, " ORDER BY %s %s,%s s.sig LIMIT $%d OFFSET $%d", keys[q->sort],
	     q->ascending ? "ASC" : "DESC",
	     q->sort == STORE_SORT_LAST ? "" : " s.last_seen_us DESC,",
	     qparam(b, p_int((int64_t)limit)),
	     qparam(b, p_int((int64_t)q->offset)));
	rc = qrun(st, b, crash_row, &pg);
	if (rc < 0)
		goto out;
	if (total != NULL && pg.n > 0) {
		*total = pg.matches;
	} else if (total != NULL) {
		memset(b, 0, sizeof(*b));
		qadd(b, "SELECT count(*)");
		if ((rc = crash_from_where(b, q, like)) < 0)
			goto out;
		rc = qrun(st, b, count_row, total);
		if (rc < 0)
			goto out;
	}
	if (pg.n > 0 && (rc = crash_page_details(st, &pg, q)) < 0)
		goto out;
	for (size_t i = 0; i < pg.n; i++) {
		n++;
		if (fn(&pg.rows[i], arg))
			break;
	}
	rc = n;
out:
	for (size_t i = 0; i < pg.n; i++)
		crash_free(&pg.rows[i]);
	free(pg.rows);
	free(b);
	free(like);
	return rc;
}

/* ----------------------------------------------------------- signature -- */

struct hist {
	uint64_t *counts;
	size_t n;
};

static int hist_row(const struct store_row *r, void *arg)
{
	struct hist *h = arg;
	int64_t d = row_i64(r, 0);

	if (d >= 0 && (size_t)d < h->n)
		h->counts[h->n - 1 - (size_t)d] = (uint64_t)row_i64(r, 1);
	return 0;
}

int store_sig_histogram(struct store *st, const char *sig, int64_t now_us,
			unsigned bucket_hours, size_t n, uint64_t *counts)
{
	struct hist h = { counts, n };
	struct store_param p[4];
	int rc;

	memset(counts, 0, n * sizeof(*counts));
	if (!is_sig(sig) || bucket_hours == 0 || n == 0 || n > 10000)
		return -EINVAL;
	p[0] = p_text(sig);
	p[1] = p_int(now_us / STORE_US_PER_HOUR);
	p[2] = p_int(bucket_hours);
	p[3] = p_int((int64_t)bucket_hours * (int64_t)n);
	rc = store_query(st,
			 "SELECT ($2 - hour) / $3, sum(count) FROM sig_hours"
			 " WHERE sig = $1 AND hour > $2 - $4 AND hour <= $2"
			 " GROUP BY 1",
			 p, 4, hist_row, &h);
	return rc < 0 ? rc : 0;
}

static int variant_row(const struct store_row *r, void *arg)
{
	const struct list_cb *cb = arg;
	struct store_variant v = {
		.stack_signature = row_str(r, 0),
		.count = (uint64_t)row_i64(r, 1),
		.first_seen_us = row_i64(r, 2),
		.last_seen_us = row_i64(r, 3),
	};

	return cb->fn.variant(&v, cb->arg);
}

int store_sig_variants(struct store *st, const char *sig,
		       store_variant_fn fn, void *arg)
{
	struct list_cb cb = { .fn.variant = fn, .arg = arg };
	struct store_param p[2] = { p_text(sig), p_int(STORE_VARIANT_WINDOW) };

	if (!is_sig(sig))
		return -EINVAL;
	return store_query(st,
			   "SELECT stack_sig, count(*), min(seen_us),"
			   " max(seen_us) FROM (SELECT stack_sig, seen_us"
			   " FROM records WHERE sig = $1"
			   " ORDER BY seen_us DESC LIMIT $2) x"
			   " GROUP BY stack_sig ORDER BY 2 DESC, 1",
			   p, 2, variant_row, &cb);
}

/* ------------------------------------------------------------- release -- */

static int release_row(const struct store_row *r, void *arg)
{
	const struct list_cb *cb = arg;
	struct store_release_sig rs;

	memset(&rs, 0, sizeof(rs));
	row_to_sig(r, &rs.sig);
	rs.on.release = (char *)row_str(r, 8);
	rs.on.count = (uint64_t)row_i64(r, 9);
	rs.on.first_seen_us = row_i64(r, 10);
	rs.on.last_seen_us = row_i64(r, 11);
	rs.is_new = row_i64(r, 12) != 0;
	row_triage(r, 13, rs.sig.signature, &rs.triage);
	return cb->fn.release_sig(&rs, cb->arg);
}

int store_release_sigs(struct store *st, const char *release, size_t limit,
		       store_release_sig_fn fn, void *arg)
{
	struct list_cb cb = { .fn.release_sig = fn, .arg = arg };
	struct store_param p[2] = { p_text(release), p_limit(limit) };

	if (release == NULL || limit > STORE_PAGE_MAX)
		return -EINVAL;
	/* New: no other release saw the signature before this one did.
	 * The new ones first, so that a limit never hides them. */
	return store_query(
		st,
		"SELECT " SIG_COLUMNS ", r.release, r.count, r.first_seen_us,"
		" r.last_seen_us,"
		" CASE WHEN EXISTS (SELECT 1 FROM sig_releases o"
		"  WHERE o.sig = r.sig AND o.release <> r.release"
		"  AND o.first_seen_us < r.first_seen_us) THEN 0 ELSE 1 END"
		" AS is_new, " TRIAGE_COLUMNS
		" FROM sig_releases r JOIN signatures s ON s.sig = r.sig"
		" LEFT JOIN triage t ON t.sig = r.sig"
		" WHERE r.release = $1"
		" ORDER BY is_new DESC, r.count DESC, r.sig LIMIT $2",
		p, 2, release_row, &cb);
}

/* ---------------------------------------------------------------- host -- */

#define HOST_COLUMNS                                                           \
	"host_key, hostname, machine_id, last_release, last_sender, count,"   \
	" signatures, first_seen_us, last_seen_us"
#define HOST_NCOL 9

static void row_to_host(const struct store_row *r, struct store_host *h)
{
	h->host_key = (char *)row_str(r, 0);
	h->hostname = (char *)row_str(r, 1);
	h->machine_id = (char *)row_str(r, 2);
	h->last_release = (char *)row_str(r, 3);
	h->last_sender = (char *)row_str(r, 4);
	h->count = (uint64_t)row_i64(r, 5);
	h->signatures = (uint64_t)row_i64(r, 6);
	h->first_seen_us = row_i64(r, 7);
	h->last_seen_us = row_i64(r, 8);
}

static int host_get_row(const struct store_row *r, void *arg)
{
	struct row_get *g = arg;
	const char *v[HOST_NCOL];
	struct store_row kept;
	int err = scratch_row(g->st, r, HOST_NCOL, v, &kept);

	if (err < 0)
		return err;
	row_to_host(&kept, g->out);
	return 1;
}

int store_host_get(struct store *st, const char *host_key,
		   struct store_host *out)
{
	struct row_get g;
	struct store_param p = p_text(host_key);

	memset(out, 0, sizeof(*out));
	g = (struct row_get){ st, out };
	if (host_key == NULL)
		return -EINVAL;
	return store_query_one(st, "SELECT " HOST_COLUMNS " FROM hosts"
			     " WHERE host_key = $1",
			 &p, 1, host_get_row, &g);
}

static int host_sig_row(const struct store_row *r, void *arg)
{
	const struct list_cb *cb = arg;
	struct store_sig sig;

	row_to_sig(r, &sig);
	sig.total = (uint64_t)row_i64(r, 8);
	return cb->fn.sig(&sig, cb->arg);
}

int store_host_sigs(struct store *st, const char *host_key, size_t limit,
		    store_sig_fn fn, void *arg)
{
	struct list_cb cb = { .fn.sig = fn, .arg = arg };
	struct store_param p[2] = { p_text(host_key), p_limit(limit) };

	if (host_key == NULL || limit > STORE_PAGE_MAX)
		return -EINVAL;
	return store_query(st,
			   "SELECT s.sig, s.title, s.kind, s.stack_sig,"
			   " h.count, s.hosts, h.first_seen_us,"
			   " h.last_seen_us, s.count FROM sig_hosts h"
			   " JOIN signatures s ON s.sig = h.sig"
			   " WHERE h.host_key = $1"
			   " ORDER BY h.count DESC, h.last_seen_us DESC, s.sig"
			   " LIMIT $2",
			   p, 2, host_sig_row, &cb);
}

static int host_rel_row(const struct store_row *r, void *arg)
{
	const struct list_cb *cb = arg;
	struct store_release rel = {
		.release = (char *)row_str(r, 0),
		.count = (uint64_t)row_i64(r, 1),
		.first_seen_us = row_i64(r, 2),
		.last_seen_us = row_i64(r, 3),
	};

	return cb->fn.release(&rel, cb->arg);
}

int store_host_releases(struct store *st, const char *host_key,
			store_release_fn fn, void *arg)
{
	struct list_cb cb = { .fn.release = fn, .arg = arg };
	struct store_param p[2] = { p_text(host_key),
				    p_int(STORE_VARIANT_WINDOW) };

	if (host_key == NULL)
		return -EINVAL;
	return store_query(st,
			   "SELECT release, count(*), min(seen_us),"
			   " max(seen_us) FROM (SELECT release, seen_us"
			   " FROM records WHERE host_key = $1"
			   " ORDER BY seen_us DESC LIMIT $2) x"
			   " GROUP BY release ORDER BY 3, 1",
			   p, 2, host_rel_row, &cb);
}

#define REC_COLUMNS                                                            \
	"id, sig, host_key, sender, seen_us, received_us, record, release"

static int rec_row(const struct store_row *r, void *arg)
{
	const struct list_cb *cb = arg;
	struct store_rec rec = {
		.id = (const uint8_t *)row_str(r, 0),
		.id_len = r->n > 0 ? r->len[0] : 0,
		.signature = row_str(r, 1),
		.host_key = row_str(r, 2),
		.sender = row_str(r, 3),
		.seen_us = row_i64(r, 4),
		.received_us = row_i64(r, 5),
		.packed = (const uint8_t *)row_str(r, 6),
		.packed_len = r->n > 6 ? r->len[6] : 0,
		.release = row_str(r, 7),
	};

	return cb->fn.rec(&rec, cb->arg);
}

int store_host_records(struct store *st, const char *host_key, size_t limit,
		       store_rec_fn fn, void *arg)
{
	struct list_cb cb = { .fn.rec = fn, .arg = arg };
	struct store_param p[2] = { p_text(host_key), p_limit(limit) };

	if (host_key == NULL || limit > STORE_PAGE_MAX)
		return -EINVAL;
	return store_query(st,
			   "SELECT " REC_COLUMNS " FROM records"
			   " WHERE host_key = $1 ORDER BY seen_us DESC LIMIT $2",
			   p, 2, rec_row, &cb);
}

int store_record_get(struct store *st, const uint8_t *id, size_t id_len,
		     store_rec_fn fn, void *arg)
{
	struct list_cb cb = { .fn.rec = fn, .arg = arg };
	struct store_param p = { .type = STORE_P_BLOB, .b = id,
				 .len = id_len };

	if (id_len == 0 || id_len > STORE_MAX_ID_BYTES)
		return -EINVAL;
	return store_query_one(st, "SELECT " REC_COLUMNS " FROM records"
			     " WHERE id = $1",
			 &p, 1, rec_row, &cb);
}

/* --------------------------------------------------------------- kinds -- */

static int kind_row(const struct store_row *r, void *arg)
{
	const struct list_cb *cb = arg;
	struct store_kind_count k = {
		.kind = row_str(r, 0),
		.signatures = (uint64_t)row_i64(r, 1),
		.records = (uint64_t)row_i64(r, 2),
	};

	return cb->fn.kind(&k, cb->arg);
}

int store_kinds(struct store *st, store_kind_fn fn, void *arg)
{
	struct list_cb cb = { .fn.kind = fn, .arg = arg };

	return store_query(st,
			   "SELECT kind, count(*), sum(count) FROM signatures"
			   " GROUP BY kind ORDER BY kind",
			   NULL, 0, kind_row, &cb);
}

int store_host_count(struct store *st, uint64_t *out)
{
	int rc;

	*out = 0;
	rc = store_query(st, "SELECT count(*) FROM hosts", NULL, 0,
			 count_row, out);
	return rc < 0 ? rc : 0;
}
