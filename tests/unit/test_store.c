// SPDX-License-Identifier: MIT
/*
 * Tests for lib/store.c and the store backends.  Every behaviour test runs
 * against SQLite, and again against PostgreSQL when OOPSD_TEST_PG holds a
 * libpq connection URI (tests/e2e/collector_postgres.sh starts a server
 * and sets it); without it the PostgreSQL cases are skipped.  Each
 * PostgreSQL case gets a schema of its own, dropped afterwards.
 */
#include "testutil.h"

#include <fcntl.h>

#include <errno.h>
#include <sys/wait.h>

#include <sqlite3.h>
#if ENABLE_STORE_POSTGRES
#include <libpq-fe.h>
#endif

#include "store/store.h"

#define HOUR_US (3600LL * 1000000)
/* 2026-01-01T00:00:00Z, on an hour boundary. */
#define T0 (1767225600LL * 1000000)

struct fixture {
	char *dir;
	char spec[1100];
	struct store *st;
	bool pg;	     /* a PostgreSQL store in schema `schema` */
	bool skip;	     /* no OOPSD_TEST_PG: the case is skipped */
	char schema[64];
};

/* The fixture of a case; skips the case when its backend is missing. */
static struct fixture *fixture(void **state)
{
	struct fixture *f = *state;

	if (f->skip)
		skip();
	return f;
}

/* Records built on the stack of the test, packed into `buf`. */
struct trec {
	Oopsd__CrashRecord rec;
	Oopsd__Host host;
	Oopsd__Kernel kernel;
	Oopsd__Crash crash;
	uint8_t id[16];
	uint8_t buf[4096];
	size_t len;
};

static void trec_init(struct trec *t, unsigned id, uint64_t sig,
		      const char *title, const char *host, const char *release,
		      int64_t crash_time_us)
{
	memset(t, 0, sizeof(*t));
	oopsd__crash_record__init(&t->rec);
	oopsd__host__init(&t->host);
	oopsd__kernel__init(&t->kernel);
	oopsd__crash__init(&t->crash);
	memcpy(t->id, &id, sizeof(id));
	t->rec.has_id = 1;
	t->rec.id.data = t->id;
	t->rec.id.len = sizeof(t->id);
	t->host.hostname = (char *)host;
	t->rec.host = &t->host;
	t->kernel.release = (char *)release;
	t->rec.kernel = &t->kernel;
	t->crash.has_kind = 1;
	t->crash.kind = OOPSD__CRASH_KIND__KIND_WARNING;
	t->crash.title = (char *)title;
	t->crash.has_title_signature = 1;
	t->crash.title_signature = sig;
	t->crash.has_stack_signature = 1;
	t->crash.stack_signature = sig ^ 0xffff;
	t->rec.crash = &t->crash;
	if (crash_time_us) {
		t->rec.has_crash_time_us = 1;
		t->rec.crash_time_us = crash_time_us;
	}
	t->len = oopsd__crash_record__pack(&t->rec, t->buf);
	assert_true(t->len < sizeof(t->buf));
}

/* Store records one batch; returns how many were stored. */
static int put(struct store *st, struct trec *t, size_t n, int64_t now)
{
	struct store_put p[64];

	assert_true(n <= 64);
	for (size_t i = 0; i < n; i++) {
		p[i] = (struct store_put){ .rec = &t[i].rec,
					   .packed = t[i].buf,
					   .packed_len = t[i].len,
					   .sender = "127.0.0.1:9",
					   .received_us = now };
	}
	return store_put_batch(st, p, n);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	f->dir = test_tmpdir();
	snprintf(f->spec, sizeof(f->spec), "sqlite:%s/s.db", f->dir);
	assert_int_equal(store_open(f->spec, 0, &f->st), 0);
	*state = f;
	return 0;
}

#if ENABLE_STORE_POSTGRES
/* Run SQL on the test server as an administrator, in f's schema. */
static PGresult *pg_admin(const struct fixture *f, const char *sql)
{
	PGconn *c = PQconnectdb(getenv("OOPSD_TEST_PG"));
	PGresult *res;
	char set[128];

	if (PQstatus(c) != CONNECTION_OK)
		fail_msg("OOPSD_TEST_PG: %s", PQerrorMessage(c));
	snprintf(set, sizeof(set),
		 "SET search_path = %s; SET client_min_messages = warning",
		 f->schema);
	PQclear(PQexec(c, set));
	res = PQexec(c, sql);
	if (PQresultStatus(res) != PGRES_COMMAND_OK &&
	    PQresultStatus(res) != PGRES_TUPLES_OK)
		fail_msg("%s: %s", sql, PQerrorMessage(c));
	PQfinish(c);
	return res;
}

/* Whether a query returns any row. */
static bool pg_any_row(const struct fixture *f, const char *sql)
{
	PGresult *res = pg_admin(f, sql);
	bool any = PQntuples(res) > 0;

	PQclear(res);
	return any;
}

static void pg_admin_do(const struct fixture *f, const char *sql)
{
	PQclear(pg_admin(f, sql));
}
#else
static bool pg_any_row(const struct fixture *f, const char *sql)
{
	(void)f;
	fail_msg("built without CONFIG_STORE_POSTGRES: %s", sql);
	return false;
}

static void pg_admin_do(const struct fixture *f, const char *sql)
{
	pg_any_row(f, sql);
}
#endif

/* PostgreSQL: a fresh schema, named after the process, for the case. */
static int setup_pg(void **state)
{
	const char *uri = getenv("OOPSD_TEST_PG");
	struct fixture *f = calloc(1, sizeof(*f));
	char sql[256];

	assert_non_null(f);
	*state = f;
	f->pg = true;
	if (!ENABLE_STORE_POSTGRES || uri == NULL || uri[0] == '\0') {
		f->skip = true;
		return 0;
	}
	snprintf(f->schema, sizeof(f->schema), "oopsd_test_%d", (int)getpid());
	snprintf(sql, sizeof(sql),
		 "DROP SCHEMA IF EXISTS %s CASCADE; CREATE SCHEMA %s",
		 f->schema, f->schema);
	pg_admin_do(f, sql);
	/* The store's session works in that schema, under a name the
	 * reconnection case can find it by. */
	snprintf(f->spec, sizeof(f->spec),
		 "%s%coptions=-csearch_path%%3D%s"
		 "&application_name=oopsd_test_%d",
		 uri, strchr(uri, '?') ? '&' : '?', f->schema, (int)getpid());
	assert_int_equal(store_open(f->spec, 0, &f->st), 0);
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char sql[128];

	store_close(f->st);
	if (f->pg && !f->skip) {
		snprintf(sql, sizeof(sql), "DROP SCHEMA %s CASCADE",
			 f->schema);
		pg_admin_do(f, sql);
	}
	test_rmtree(f->dir);
	free(f);
	return 0;
}

#define MAX_SIGS 16
struct collect {
	size_t n;
	struct {
		char sig[STORE_SIG_LEN];
		char title[64];
		char kind[16];
		uint64_t count, total, hosts;
		int64_t first, last;
		size_t n_releases;
		char release0[32];
		int64_t release0_first, release0_last;
	} s[MAX_SIGS];
};

static int collect_fn(const struct store_sig *sig, void *arg)
{
	struct collect *c = arg;

	assert_true(c->n < MAX_SIGS);
	str_lcpy(c->s[c->n].sig, sig->signature, STORE_SIG_LEN);
	str_lcpy(c->s[c->n].title, sig->title, 64);
	str_lcpy(c->s[c->n].kind, sig->kind, 16);
	c->s[c->n].count = sig->count;
	c->s[c->n].total = sig->total;
	c->s[c->n].hosts = sig->hosts;
	c->s[c->n].first = sig->first_seen_us;
	c->s[c->n].last = sig->last_seen_us;
	c->s[c->n].n_releases = sig->n_releases;
	if (sig->n_releases) {
		str_lcpy(c->s[c->n].release0, sig->releases[0].release, 32);
		c->s[c->n].release0_first = sig->releases[0].first_seen_us;
		c->s[c->n].release0_last = sig->releases[0].last_seen_us;
	}
	c->n++;
	return 0;
}

static void top(struct store *st, int64_t since, size_t limit,
		struct collect *c)
{
	struct store_top_query q = { .since_us = since, .limit = limit };

	int n;

	memset(c, 0, sizeof(*c));
	n = store_top(st, &q, collect_fn, c);
	assert_int_equal(n, (int)c->n);
}

static void test_dedupe(void **state)
{
	struct fixture *f = fixture(state);
	struct trec t[4];
	struct store_put p[4];
	struct collect c;
	struct store_stats ss;

	trec_init(&t[0], 1, 0xabc, "WARNING in foo", "h1", "6.1.0", T0);
	trec_init(&t[1], 2, 0xabc, "WARNING in foo", "h1", "6.1.0", T0 + 1);
	t[2] = t[0]; /* the same record twice in one batch */
	t[2].rec.id.data = t[2].id;
	trec_init(&t[3], 3, 0xdef, "BUG in bar", "h2", "6.1.0", T0 + 2);
	for (int i = 0; i < 4; i++)
		p[i] = (struct store_put){ .rec = &t[i].rec, .packed = t[i].buf,
					   .packed_len = t[i].len,
					   .received_us = T0 + 10 };
	assert_int_equal(store_put_batch(f->st, p, 4), 3);
	assert_int_equal(p[0].result, STORE_PUT_STORED);
	assert_int_equal(p[1].result, STORE_PUT_STORED);
	assert_int_equal(p[2].result, STORE_PUT_DUPLICATE);
	assert_int_equal(p[3].result, STORE_PUT_STORED);

	/* A retransmission of everything: all duplicates, nothing counted. */
	assert_int_equal(store_put_batch(f->st, p, 4), 0);
	for (int i = 0; i < 4; i++)
		assert_int_equal(p[i].result, STORE_PUT_DUPLICATE);
	top(f->st, 0, 0, &c);
	assert_int_equal(c.n, 2);
	assert_string_equal(c.s[0].sig, "0000000000000abc");
	assert_int_equal(c.s[0].count, 2);
	assert_int_equal(c.s[1].count, 1);
	assert_int_equal(store_stats(f->st, &ss), 0);
	assert_int_equal(ss.records, 3);
	assert_int_equal(ss.signatures, 2);
	assert_int_equal(ss.hosts, 2);
}

static void test_invalid_records(void **state)
{
	struct fixture *f = fixture(state);
	struct trec t[3];
	struct store_put p[3];

	trec_init(&t[0], 1, 0x1, "A", "h", "r", T0);
	t[0].rec.has_id = 0; /* no id */
	trec_init(&t[1], 2, 0x1, "A", "h", "r", T0);
	t[1].crash.has_title_signature = 0; /* no signature */
	trec_init(&t[2], 3, 0x1, "A", "h", "r", T0);
	for (int i = 0; i < 3; i++)
		p[i] = (struct store_put){ .rec = &t[i].rec, .packed = t[i].buf,
					   .packed_len = t[i].len,
					   .received_us = T0 };
	assert_int_equal(store_put_batch(f->st, p, 3), 1);
	assert_int_equal(p[0].result, STORE_PUT_INVALID);
	assert_int_equal(p[1].result, STORE_PUT_INVALID);
	assert_int_equal(p[2].result, STORE_PUT_STORED);
}

/*
 * A batch count whose index size does not fit in a size_t (2^63 + 1
 * entries of an even size wrap to a handful of bytes) is refused before
 * any item is read, and the store goes on working.
 */
static void test_batch_too_large(void **state)
{
	struct fixture *f = fixture(state);
	struct trec t[1];
	struct store_put p[1];
	struct store_stats ss;

	trec_init(&t[0], 1, 0x1, "A", "h", "r", T0);
	p[0] = (struct store_put){ .rec = &t[0].rec, .packed = t[0].buf,
				   .packed_len = t[0].len,
				   .received_us = T0 };
	assert_int_equal(store_put_batch(f->st, p, SIZE_MAX / 2 + 2),
			 -ENOMEM);
	assert_int_equal(store_put_batch(f->st, p, 1), 1);
	assert_int_equal(p[0].result, STORE_PUT_STORED);
	assert_int_equal(store_stats(f->st, &ss), 0);
	assert_int_equal(ss.records, 1);
}

/* Aggregates after many batches equal what a full recount gives. */
static void test_aggregates_incremental(void **state)
{
	struct fixture *f = fixture(state);
	struct trec t[6];
	struct collect c;

	/* Out of order in time, two releases, three hosts. */
	trec_init(&t[0], 1, 0x77, "WARNING in foo", "h1", "6.1.0", T0 + 500);
	trec_init(&t[1], 2, 0x77, "WARNING in foo", "h2", "6.1.0", T0 + 100);
	trec_init(&t[2], 3, 0x77, "WARNING in foo", "h1", "6.6.0", T0 + 900);
	assert_int_equal(put(f->st, t, 3, T0 + 1000), 3);
	trec_init(&t[3], 4, 0x77, "WARNING in foo", "h3", "6.6.0", T0 + 50);
	trec_init(&t[4], 5, 0x77, "WARNING in foo", "h1", "6.1.0", T0 + 2000);
	/* No crash time: seen when received. */
	trec_init(&t[5], 6, 0x77, "WARNING in foo", "h2", "6.6.0", 0);
	assert_int_equal(put(f->st, &t[3], 1, T0 + 1000), 1);
	assert_int_equal(put(f->st, &t[4], 2, T0 + 3000), 2);

	top(f->st, 0, 0, &c);
	assert_int_equal(c.n, 1);
	assert_int_equal(c.s[0].count, 6);
	assert_int_equal(c.s[0].hosts, 3);
	assert_int_equal(c.s[0].first, T0 + 50);
	assert_int_equal(c.s[0].last, T0 + 3000);
	assert_string_equal(c.s[0].kind, "WARNING");
	assert_string_equal(c.s[0].title, "WARNING in foo");
	assert_int_equal(c.s[0].n_releases, 2);
	/* Releases come by first seen: 6.6.0 was first seen at T0+50. */
	assert_string_equal(c.s[0].release0, "6.6.0");
	assert_int_equal(c.s[0].release0_first, T0 + 50);
	assert_int_equal(c.s[0].release0_last, T0 + 3000);
}

/*
 * SQL that returns rows where an aggregate differs from a recount, for
 * SQLite; PG() makes the PostgreSQL spelling (IS DISTINCT FROM for IS NOT,
 * an alias every subquery needs).
 */
#define RECOUNT_CHECKS(IS_NOT, AS)                                            \
	"SELECT s.sig FROM signatures s LEFT JOIN (SELECT sig, count(*) n,"   \
	" count(DISTINCT host_key) h, min(seen_us) f, max(seen_us) l"         \
	" FROM records GROUP BY sig) r ON r.sig = s.sig"                      \
	" WHERE r.n " IS_NOT " s.count OR r.h " IS_NOT " s.hosts"             \
	" OR r.f " IS_NOT " s.first_seen_us OR r.l " IS_NOT " s.last_seen_us", \
	"SELECT sig FROM records EXCEPT SELECT sig FROM signatures",           \
	"SELECT a.sig FROM sig_releases a LEFT JOIN (SELECT sig, release,"    \
	" count(*) n, min(seen_us) f, max(seen_us) l FROM records"            \
	" GROUP BY sig, release) r USING (sig, release)"                      \
	" WHERE r.n " IS_NOT " a.count OR r.f " IS_NOT " a.first_seen_us"     \
	" OR r.l " IS_NOT " a.last_seen_us",                                  \
	"SELECT count(*) FROM sig_releases HAVING count(*) !="                \
	" (SELECT count(*) FROM (SELECT DISTINCT sig, release FROM records)"  \
	AS ")",                                                                \
	"SELECT a.sig FROM sig_hosts a LEFT JOIN (SELECT sig, host_key,"      \
	" count(*) n, min(seen_us) f, max(seen_us) l FROM records"            \
	" GROUP BY sig, host_key) r USING (sig, host_key)"                    \
	" WHERE r.n " IS_NOT " a.count OR r.f " IS_NOT " a.first_seen_us"     \
	" OR r.l " IS_NOT " a.last_seen_us",                                  \
	"SELECT h.host_key FROM hosts h LEFT JOIN (SELECT host_key,"          \
	" count(*) n, count(DISTINCT sig) g, min(seen_us) f, max(seen_us) l"  \
	" FROM records GROUP BY host_key) r USING (host_key)"                 \
	" WHERE r.n " IS_NOT " h.count OR r.g " IS_NOT " h.signatures"        \
	" OR r.f " IS_NOT " h.first_seen_us OR r.l " IS_NOT " h.last_seen_us", \
	"SELECT a.sig FROM sig_hours a LEFT JOIN (SELECT sig,"                \
	" seen_us / 3600000000 AS hour, count(*) n FROM records"                 \
	" GROUP BY 1, 2) r USING (sig, hour) WHERE r.n " IS_NOT " a.count",    \
	/* The example is the last record of its signature to arrive. */      \
	"SELECT s.sig FROM signatures s JOIN records e ON e.rid ="             \
	" s.example_rid WHERE e.sig != s.sig OR EXISTS (SELECT 1 FROM"         \
	" records r WHERE r.sig = s.sig AND r.rid > e.rid)"

static const char *const recount_checks[] = {
	RECOUNT_CHECKS("IS NOT", ""),
};

static const char *const recount_checks_pg[] = {
	RECOUNT_CHECKS("IS DISTINCT FROM", " d"),
};

/* Fail when any aggregate of f's store differs from a recount. */
static void check_recount(struct fixture *f)
{
	char path[1100];
	sqlite3 *db;

	if (f->pg) {
		for (size_t i = 0; i < ARRAY_SIZE(recount_checks_pg); i++)
			if (pg_any_row(f, recount_checks_pg[i]))
				fail_msg("aggregate differs from recount: %s",
					 recount_checks_pg[i]);
		return;
	}
	snprintf(path, sizeof(path), "%s/s.db", f->dir);
	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY,
					 NULL),
			 SQLITE_OK);
	for (size_t i = 0; i < ARRAY_SIZE(recount_checks); i++) {
		sqlite3_stmt *s = NULL;

		assert_int_equal(sqlite3_prepare_v2(db, recount_checks[i], -1,
						    &s, NULL),
				 SQLITE_OK);
		if (sqlite3_step(s) == SQLITE_ROW)
			fail_msg("aggregate differs from recount: %s",
				 recount_checks[i]);
		sqlite3_finalize(s);
	}
	sqlite3_close(db);
}

static void test_aggregates_match_recount(void **state)
{
	struct fixture *f = fixture(state);
	static const char *const hosts[] = { "h0", "h1", "h2", "h3", NULL };
	static const char *const rels[] = { "6.1", "6.6", NULL };
	static struct trec t[50];
	uint64_t rng = 7;
	unsigned next_id = 1;

#define RND(n) ((rng = rng * 6364136223846793005ull + 1442695040888963407ull), \
		(unsigned)((rng >> 33) % (n)))
	for (int batch = 0; batch < 40; batch++) {
		size_t n = 1 + RND(50);

		for (size_t i = 0; i < n; i++) {
			/* One record in ten is an earlier one again. */
			unsigned id = next_id > 1 && RND(10) == 0 ?
					      1 + RND(next_id - 1) : next_id++;
			uint64_t h = id * 2654435761u;

			trec_init(&t[i], id, 0x100 + h % 7, "T", hosts[h % 5],
				  rels[(h >> 8) % 3],
				  h % 4 ? T0 + (int64_t)((h >> 4) % 48) *
						       HOUR_US + (int64_t)(h % 977)
					: 0);
			if (hosts[h % 5] == NULL)
				t[i].rec.host = NULL; /* keyed by sender */
		}
		assert_true(put(f->st, t, n, T0 + 50 * HOUR_US) >= 0);
	}
#undef RND
	check_recount(f);
}

/*
 * One batch far larger than the PostgreSQL store's pipeline chunk (256
 * statements between syncs): 700 records in 350 (signature, host) groups,
 * 100 of them stored by an earlier batch.  Every record's result, the
 * count returned and the aggregates (against a recount) are right.
 */
static void test_large_batch(void **state)
{
	struct fixture *f = fixture(state);
	enum { N = 700, OLD = 100 };
	static const char *const hosts[] = { "h0", "h1", "h2", "h3", "h4",
					     "h5", "h6" };
	struct trec *t = calloc(N, sizeof(*t));
	struct store_put *p = calloc(N, sizeof(*p));
	struct store_stats ss;

	assert_non_null(t);
	assert_non_null(p);
	for (unsigned i = 0; i < N; i++) {
		trec_init(&t[i], 1 + i, 0x1000 + i % 50, "T", hosts[i % 7],
			  i % 2 ? "6.1" : "6.6", T0 + (int64_t)(i % 90) * HOUR_US);
		p[i] = (struct store_put){ .rec = &t[i].rec, .packed = t[i].buf,
					   .packed_len = t[i].len,
					   .sender = "127.0.0.1:9",
					   .received_us = T0 + 100 * HOUR_US };
	}
	/* Records 600..699 first, alone. */
	assert_int_equal(store_put_batch(f->st, p + N - OLD, OLD), OLD);
	assert_int_equal(store_put_batch(f->st, p, N), N - OLD);
	for (unsigned i = 0; i < N; i++)
		assert_int_equal(p[i].result, i < N - OLD ? STORE_PUT_STORED :
							    STORE_PUT_DUPLICATE);
	assert_int_equal(store_stats(f->st, &ss), 0);
	assert_int_equal(ss.records, N);
	check_recount(f);
	free(t);
	free(p);
}

static void test_top_ordering_and_limit(void **state)
{
	struct fixture *f = fixture(state);
	struct trec t[9];
	struct collect c;
	unsigned id = 1;

	for (int i = 0; i < 3; i++, id++)
		trec_init(&t[id - 1], id, 0xa, "A", "h", "r", T0 + id);
	for (int i = 0; i < 5; i++, id++)
		trec_init(&t[id - 1], id, 0xb, "B", "h", "r", T0 + id);
	trec_init(&t[id - 1], id, 0xc, "C", "h", "r", T0 + id);
	assert_int_equal(put(f->st, t, 9, T0 + 100), 9);
	top(f->st, 0, 0, &c);
	assert_int_equal(c.n, 3);
	assert_string_equal(c.s[0].title, "B");
	assert_int_equal(c.s[0].count, 5);
	assert_string_equal(c.s[1].title, "A");
	assert_string_equal(c.s[2].title, "C");
	top(f->st, 0, 2, &c);
	assert_int_equal(c.n, 2);
	assert_string_equal(c.s[1].title, "A");
}

static void test_since_filter(void **state)
{
	struct fixture *f = fixture(state);
	struct trec t[8];
	struct collect c;

	/* Signature A: mostly old; B: recent.  The window starts half-way
	 * through hour 10, so counting must be exact inside that hour. */
	trec_init(&t[0], 1, 0xa, "A", "h1", "r", T0 + 1 * HOUR_US);
	trec_init(&t[1], 2, 0xa, "A", "h1", "r", T0 + 2 * HOUR_US);
	trec_init(&t[2], 3, 0xa, "A", "h2", "r", T0 + 3 * HOUR_US);
	trec_init(&t[3], 4, 0xa, "A", "h1", "r", T0 + 10 * HOUR_US + 100);
	trec_init(&t[4], 5, 0xb, "B", "h1", "r", T0 + 10 * HOUR_US + HOUR_US / 2 + 1);
	trec_init(&t[5], 6, 0xb, "B", "h2", "r", T0 + 11 * HOUR_US);
	trec_init(&t[6], 7, 0xb, "B", "h3", "r", T0 + 12 * HOUR_US);
	trec_init(&t[7], 8, 0xa, "A", "h1", "r", T0 + 12 * HOUR_US + 5);
	assert_int_equal(put(f->st, t, 8, T0 + 20 * HOUR_US), 8);

	top(f->st, 0, 0, &c);
	assert_string_equal(c.s[0].title, "A");
	assert_int_equal(c.s[0].count, 5);

	top(f->st, T0 + 10 * HOUR_US + HOUR_US / 2, 0, &c);
	assert_int_equal(c.n, 2);
	assert_string_equal(c.s[0].title, "B");
	assert_int_equal(c.s[0].count, 3);
	assert_int_equal(c.s[0].hosts, 3);
	assert_int_equal(c.s[0].total, 3);
	assert_string_equal(c.s[1].title, "A");
	assert_int_equal(c.s[1].count, 1);
	assert_int_equal(c.s[1].hosts, 1);
	assert_int_equal(c.s[1].total, 5);

	/* A window after everything is empty. */
	top(f->st, T0 + 13 * HOUR_US, 0, &c);
	assert_int_equal(c.n, 0);
}

static int count_fn(const struct store_rec *r, void *arg)
{
	(*(int *)arg)++;
	return 0;
}

/*
 * Issue 17, defect 10: records of a board without a clock (crash time in
 * 1970) were deleted by the next retention pass, and a step of the
 * collector's clock deleted everything but the examples at once.  Age is
 * the receive time, and one pass deletes at most what it is allowed to.
 */
static void test_retention_trusts_no_crash_clock(void **state)
{
	struct fixture *f = fixture(state);
	struct trec t[40];
	struct store_stats ss;

	/* Crashed "in 1970" (a board without an RTC), received now. */
	for (unsigned i = 0; i < 20; i++)
		trec_init(&t[i], i + 1, 0xc, "C", "board", "r",
			  1000000 + (int64_t)i);
	assert_int_equal(put(f->st, t, 20, T0), 20);
	assert_int_equal(store_retention(f->st, T0 + HOUR_US,
					 (uint64_t)24 * HOUR_US, 0, 0),
			 0);
	/* Received long ago: a pass bounded to 5 deletes 5, not 19. */
	for (unsigned i = 20; i < 40; i++)
		trec_init(&t[i], i + 1, 0xd, "D", "h", "r", T0);
	assert_int_equal(put(f->st, &t[20], 20, T0 - 90 * 24 * HOUR_US), 20);
	assert_int_equal(store_retention(f->st, T0 + HOUR_US,
					 (uint64_t)24 * HOUR_US, 5, 0),
			 5);
	assert_int_equal(store_stats(f->st, &ss), 0);
	assert_int_equal(ss.records, 35);
	/* Unbounded when told so: the other old ones but D's example. */
	assert_int_equal(store_retention(f->st, T0 + HOUR_US,
					 (uint64_t)24 * HOUR_US, 0, 0),
			 14);
}

/*
 * Issue 17, defect 12: one datagram dated an hour ahead replaced a
 * signature's example report and kept it for that hour.  The example is
 * the record the collector received last: the next genuine report takes
 * its place.
 */
static void test_example_is_last_received(void **state)
{
	struct fixture *f = fixture(state);
	struct store_sig_detail *d = NULL;
	Oopsd__CrashRecord *ex;
	struct trec t[3];
	char sig[STORE_SIG_LEN];

	trec_init(&t[0], 1, 0xe, "E", "h1", "r", T0);
	trec_init(&t[1], 2, 0xe, "E", "evil", "r", T0 + HOUR_US - 1);
	trec_init(&t[2], 3, 0xe, "E", "h2", "r", T0 + 2000000);
	assert_int_equal(put(f->st, &t[0], 1, T0), 1);
	assert_int_equal(put(f->st, &t[1], 1, T0 + 1000000), 1);
	assert_int_equal(put(f->st, &t[2], 1, T0 + 2000000), 1);
	store_sig_hex(0xe, sig);
	assert_int_equal(store_show(f->st, sig, 10, &d), 0);
	assert_non_null(d->example);
	ex = oopsd__crash_record__unpack(NULL, d->example_len, d->example);
	assert_non_null(ex);
	assert_string_equal(ex->host->hostname, "h2");
	oopsd__crash_record__free_unpacked(ex, NULL);
	store_sig_detail_free(d);
}

static void test_retention(void **state)
{
	struct fixture *f = fixture(state);
	struct trec t[10];
	struct collect c;
	struct store_stats ss;
	struct store_export_query all = { 0 };
	int n = 0;

	/* A: 6 old records; B: 4 records, one old. */
	for (unsigned i = 0; i < 6; i++)
		trec_init(&t[i], i + 1, 0xa, "A", "h1", "r",
			  T0 + (int64_t)i * HOUR_US);
	trec_init(&t[6], 7, 0xb, "B", "h2", "r", T0 + 1);
	for (unsigned i = 7; i < 10; i++)
		trec_init(&t[i], i + 1, 0xb, "B", "h2", "r",
			  T0 + 100 * HOUR_US + i);
	/* Received when they crashed (age is the receive time). */
	for (unsigned i = 0; i < 10; i++)
		assert_int_equal(put(f->st, &t[i], 1,
				     t[i].rec.crash_time_us),
				 1);

	/* Keep 50 hours: A's records are all older, but A's example (its
	 * newest record) stays; B loses its one old record. */
	assert_int_equal(store_retention(f->st, T0 + 101 * HOUR_US,
					 (uint64_t)50 * HOUR_US, 0, 0),
			 6);
	assert_int_equal(store_stats(f->st, &ss), 0);
	assert_int_equal(ss.records, 4);
	/* Aggregates are history: unchanged. */
	top(f->st, 0, 0, &c);
	assert_string_equal(c.s[0].title, "A");
	assert_int_equal(c.s[0].count, 6);
	assert_int_equal(c.s[1].count, 4);

	/* Keep 2 records: the oldest go first, examples never. */
	assert_true(store_retention(f->st, T0 + 101 * HOUR_US, 0, 0, 2) >= 1);
	assert_int_equal(store_stats(f->st, &ss), 0);
	assert_int_equal(ss.records, 2);
	assert_int_equal(store_export(f->st, &all, count_fn, &n), 2);

	/* A deleted record that comes back is stored again: retention is
	 * for records far older than any retransmission. */
	assert_int_equal(put(f->st, &t[0], 1, T0 + 102 * HOUR_US), 1);
}

struct first_rec {
	int n;
	char sig[STORE_SIG_LEN];
	Oopsd__CrashRecord *rec;
};

static int first_rec_fn(const struct store_rec *r, void *arg)
{
	struct first_rec *fr = arg;

	fr->n++;
	if (fr->rec == NULL) {
		str_lcpy(fr->sig, r->signature, sizeof(fr->sig));
		fr->rec = oopsd__crash_record__unpack(NULL, r->packed_len,
						      r->packed);
	}
	return 0;
}

static void test_show_export_hosts_persist(void **state)
{
	struct fixture *f = fixture(state);
	struct trec t[4];
	struct store_sig_detail *d = NULL;
	struct store_export_query q = { .newest_first = true };
	struct first_rec fr = { 0 };
	struct store *ro;
	struct collect c;

	trec_init(&t[0], 1, 0x1234567800000001ull, "A", "h1", "6.1", T0);
	trec_init(&t[1], 2, 0x1234567800000001ull, "A", "h2", "6.2", T0 + 5);
	trec_init(&t[2], 3, 0x1234567800000001ull, "A", "h1", "6.2", T0 + 9);
	trec_init(&t[3], 4, 0x12345679ffffffffull, "B", "h3", "6.2", T0 + 1);
	assert_int_equal(put(f->st, t, 4, T0 + 100), 4);

	assert_int_equal(store_show(f->st, "1234567800000001", 10, &d), 0);
	assert_int_equal(d->sig.count, 3);
	assert_int_equal(d->n_hosts, 2);
	assert_string_equal(d->hosts[0].host_key, "h1");
	assert_int_equal(d->hosts[0].count, 2);
	assert_int_equal(d->sig.n_releases, 2);
	assert_non_null(d->example);
	store_sig_detail_free(d);
	/* Prefixes: unique, ambiguous, unknown, not hex. */
	assert_int_equal(store_show(f->st, "12345679", 10, &d), 0);
	assert_string_equal(d->sig.title, "B");
	store_sig_detail_free(d);
	assert_int_equal(store_show(f->st, "1234567", 10, &d), -EEXIST);
	assert_int_equal(store_show(f->st, "ffff", 10, &d), -ENOENT);
	assert_int_equal(store_show(f->st, "xyz1", 10, &d), -EINVAL);
	assert_null(d);

	/* Export newest first: the record is returned as stored. */
	assert_int_equal(store_export(f->st, &q, first_rec_fn, &fr), 4);
	assert_non_null(fr.rec);
	assert_int_equal(fr.rec->crash_time_us, T0 + 9);
	assert_string_equal(fr.sig, "1234567800000001");
	oopsd__crash_record__free_unpacked(fr.rec, NULL);

	/* Everything is there for a read-only reader after close. */
	store_close(f->st);
	f->st = NULL;
	assert_int_equal(store_open(f->spec, STORE_READONLY, &ro), 0);
	top(ro, 0, 0, &c);
	assert_int_equal(c.n, 2);
	assert_int_equal(c.s[0].count, 3);
	assert_int_equal(put(ro, t, 1, T0), -EROFS);
	f->st = ro;
}

struct hb_seen {
	int n;
	char key[4][64], version[4][16], release[4][32], sender[4][32];
	int64_t backlog[4], received[4];
};

static int hb_fn(const struct store_heartbeat *hb, void *arg)
{
	struct hb_seen *h = arg;

	assert_true(h->n < 4);
	str_lcpy(h->key[h->n], hb->host_key, 64);
	str_lcpy(h->version[h->n], hb->agent_version ?: "-", 16);
	str_lcpy(h->release[h->n], hb->release ?: "-", 32);
	str_lcpy(h->sender[h->n], hb->sender ?: "-", 32);
	h->backlog[h->n] = hb->backlog;
	h->received[h->n] = hb->received_us;
	h->n++;
	return 0;
}

/* The last heartbeat per host, keyed like records. */
static void test_heartbeats(void **state)
{
	struct fixture *f = fixture(state);
	struct store_heartbeat hb = {
		.hostname = "h1", .agent_version = "1.0", .release = "6.1",
		.boot_id = "b1", .sender = "10.0.0.1:5000", .backlog = 3,
		.interval_s = 3600, .received_us = T0,
	};
	struct hb_seen h = { 0 };
	struct store *ro;

	assert_int_equal(store_heartbeats(f->st, hb_fn, &h), 0);
	assert_int_equal(store_heartbeat_put(f->st, &hb), 0);
	/* The same host again, newer: replaces. */
	hb.release = "6.2";
	hb.backlog = 0;
	hb.received_us = T0 + 10;
	assert_int_equal(store_heartbeat_put(f->st, &hb), 0);
	/* An older one arriving late does not. */
	hb.release = "6.0";
	hb.received_us = T0 + 5;
	assert_int_equal(store_heartbeat_put(f->st, &hb), 0);
	/* A machine id wins over the hostname; no name at all: the
	 * sender's address without its port. */
	hb = (struct store_heartbeat){ .hostname = "h2", .machine_id = "m2",
				       .received_us = T0 + 20 };
	assert_int_equal(store_heartbeat_put(f->st, &hb), 0);
	hb = (struct store_heartbeat){ .sender = "10.0.0.9:7",
				       .agent_version = "bad\xff\xfe",
				       .received_us = T0 + 1 };
	assert_int_equal(store_heartbeat_put(f->st, &hb), 0);

	assert_int_equal(store_heartbeats(f->st, hb_fn, &h), 3);
	assert_string_equal(h.key[0], "m2");
	assert_string_equal(h.key[1], "h1");
	assert_string_equal(h.release[1], "6.2");
	assert_int_equal(h.backlog[1], 0);
	assert_int_equal(h.received[1], T0 + 10);
	assert_string_equal(h.sender[1], "10.0.0.1:5000");
	assert_string_equal(h.key[2], "10.0.0.9");
	/* Readable by a read-only reader, not writable. */
	store_close(f->st);
	f->st = NULL;
	assert_int_equal(store_open(f->spec, STORE_READONLY, &ro), 0);
	f->st = ro;
	memset(&h, 0, sizeof(h));
	assert_int_equal(store_heartbeats(ro, hb_fn, &h), 3);
	assert_int_equal(store_heartbeat_put(ro, &hb), -EROFS);
}

static int hb_newest_fn(const struct store_heartbeat *hb, void *arg)
{
	int64_t *sum = arg;

	*sum += hb->received_us - T0;
	return 0;
}

/* Many at once, a host twice in one batch: the newest stays. */
static void test_heartbeats_batch(void **state)
{
	struct fixture *f = fixture(state);
	static struct store_heartbeat hbs[150];
	static char names[150][16];
	int64_t sum = 0, want = 0;

	for (int i = 0; i < 150; i++) {
		/* Newest first for some hosts, oldest first for others. */
		int64_t t = i % 2 ? 1000 - i : i;

		snprintf(names[i], sizeof(names[i]), "b%d", i % 70);
		hbs[i] = (struct store_heartbeat){ .hostname = names[i],
						   .interval_s = 60,
						   .received_us = T0 + t };
	}
	for (int h = 0; h < 70; h++) {
		int64_t best = -1;

		for (int i = h; i < 150; i += 70) {
			int64_t t = i % 2 ? 1000 - i : i;

			if (t > best)
				best = t;
		}
		want += best;
	}
	assert_int_equal(store_heartbeats_put(f->st, hbs, 150), 0);
	assert_int_equal(store_heartbeats(f->st, hb_newest_fn, &sum), 70);
	assert_int_equal(sum, want);
}

struct coll_seen {
	int n;
	char name[4][32], counters[4][64];
	int64_t started[4], updated[4];
};

static int coll_fn(const struct store_collector *c, void *arg)
{
	struct coll_seen *s = arg;

	assert_true(s->n < 4);
	str_lcpy(s->name[s->n], c->name, 32);
	str_lcpy(s->counters[s->n], c->counters_json, 64);
	s->started[s->n] = c->started_us;
	s->updated[s->n] = c->updated_us;
	s->n++;
	return 0;
}

/* A row per collector name, rewritten in place. */
static void test_collectors(void **state)
{
	struct fixture *f = fixture(state);
	struct store_collector c = { .name = "c2", .version = "1",
				     .counters_json = "{\"received\":1}",
				     .started_us = T0, .updated_us = T0 };
	struct coll_seen s = { 0 };

	assert_int_equal(store_collector_put(f->st, &c), 0);
	c.name = "c1";
	assert_int_equal(store_collector_put(f->st, &c), 0);
	c.counters_json = "{\"received\":7}";
	c.updated_us = T0 + 10;
	assert_int_equal(store_collector_put(f->st, &c), 0);
	c.name = "";
	assert_int_equal(store_collector_put(f->st, &c), -EINVAL);
	assert_int_equal(store_collectors(f->st, coll_fn, &s), 2);
	assert_string_equal(s.name[0], "c1");
	assert_string_equal(s.counters[0], "{\"received\":7}");
	assert_int_equal(s.updated[0], T0 + 10);
	assert_int_equal(s.started[0], T0);
	assert_string_equal(s.name[1], "c2");
	assert_string_equal(s.counters[1], "{\"received\":1}");
}

/* Releases compare as kernel versions. */
static void test_release_cmp(void **state)
{
	static const char *const ordered[] = {
		"", "unknown", "4.19.0", "5.15.0-91-generic", "6.1",
		"6.1.0-17-amd64", "6.1.0-18-amd64", "6.1.5", "6.8-rc3",
		"6.8-rc10", "6.8", "6.8.1", "6.9", "6.10",
	};

	for (size_t i = 0; i < ARRAY_SIZE(ordered); i++)
		for (size_t j = 0; j < ARRAY_SIZE(ordered); j++) {
			int c = store_release_cmp(ordered[i], ordered[j]);
			int want = i == j || (i < 2 && j < 2) ? 0 :
				   i < j ? -1 : 1;

			if (c != want)
				fail_msg("cmp(%s, %s) = %d, want %d",
					 ordered[i], ordered[j], c, want);
		}
	assert_int_equal(store_release_cmp("6.1", "6.1.0"), 0);
	assert_int_equal(store_release_cmp(NULL, "0"), 0);
	assert_true(store_release_cmp("6.1.0-RC1", "6.1.0") < 0);
	/* Long digit runs do not overflow. */
	assert_true(store_release_cmp("99999999999999999999999",
				      "99999999999999999999998") > 0);
}

/* Write a triage row as oopsctl or oops-web would. */
static void triage_set(struct fixture *f, const char *sig, const char *state,
		       const char *fixed_in, int64_t updated)
{
	char sql[512];

	snprintf(sql, sizeof(sql),
		 "INSERT INTO triage(sig, state, fixed_in, updated_us)"
		 " VALUES('%s', '%s', %s%s%s, %lld) ON CONFLICT(sig) DO UPDATE"
		 " SET state = excluded.state, fixed_in = excluded.fixed_in,"
		 " updated_us = excluded.updated_us",
		 sig, state, fixed_in ? "'" : "", fixed_in ? fixed_in : "NULL",
		 fixed_in ? "'" : "", (long long)updated);
	if (f->pg) {
		pg_admin_do(f, sql);
	} else {
		sqlite3 *db;

		assert_int_equal(sqlite3_open(f->spec + 7, &db), SQLITE_OK);
		sqlite3_busy_timeout(db, 5000);
		assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL),
				 SQLITE_OK);
		sqlite3_close(db);
	}
}

#define MAX_ALERTS 16
struct alerts_seen {
	int n;
	char key[MAX_ALERTS][96];
	char kind[MAX_ALERTS][24];
	char release[MAX_ALERTS][32];
	char title[MAX_ALERTS][32];
	int64_t count[MAX_ALERTS], attempts[MAX_ALERTS];
};

static int alert_fn(const struct store_alert *a, void *arg)
{
	struct alerts_seen *s = arg;

	assert_true(s->n < MAX_ALERTS);
	str_lcpy(s->key[s->n], a->key, sizeof(s->key[0]));
	str_lcpy(s->kind[s->n], a->kind, sizeof(s->kind[0]));
	str_lcpy(s->release[s->n], a->release ?: "-", sizeof(s->release[0]));
	str_lcpy(s->title[s->n], a->title ?: "-", sizeof(s->title[0]));
	s->count[s->n] = a->count;
	s->attempts[s->n] = a->attempts;
	s->n++;
	return 0;
}

/* The alerts queued since the last call, oldest first, leased. */
static struct alerts_seen *due(struct store *st, int64_t now,
			       struct alerts_seen *s)
{
	int n;

	memset(s, 0, sizeof(*s));
	n = store_alerts_due(st, now, now + HOUR_US, 100, alert_fn, s);
	assert_int_equal(n, s->n);
	return s;
}

static bool has_alert(const struct alerts_seen *s, const char *key)
{
	for (int i = 0; i < s->n; i++)
		if (strcmp(s->key[i], key) == 0)
			return true;
	return false;
}

#define SIG_A 0xaaaa000000000001ull
#define SIG_B 0xbbbb000000000002ull
#define SIG_C 0xcccc000000000003ull

/* Alerts are raised by the batch that stores their records, once. */
static void test_alerts(void **state)
{
	struct fixture *f = fixture(state);
	struct store_alert_rules rules = { .enabled = true, .spike_min = 3,
					   .spike_factor = 6 };
	struct alerts_seen s;
	struct trec t[32];
	int64_t now = T0 + 100 * HOUR_US;
	char key[96];
	unsigned id = 1;

	/* Off: nothing queued. */
	trec_init(&t[0], id++, SIG_C ^ 1, "off", "h1", "6.1", T0);
	assert_int_equal(put(f->st, t, 1, T0), 1);
	assert_int_equal(due(f->st, now, &s)->n, 0);

	store_set_alert_rules(f->st, &rules);
	/* A new signature: one alert, not one per release. */
	trec_init(&t[0], id++, SIG_A, "WARNING in a", "h1", "6.1", T0);
	trec_init(&t[1], id++, SIG_A, "WARNING in a", "h2", "6.2", T0 + 1);
	assert_int_equal(put(f->st, t, 2, T0 + 1), 2);
	due(f->st, now, &s);
	assert_int_equal(s.n, 1);
	assert_string_equal(s.key[0], "new_signature:aaaa000000000001");
	assert_string_equal(s.kind[0], "new_signature");
	assert_string_equal(s.title[0], "WARNING in a");
	assert_int_equal(s.count[0], 2);
	/* Leased: not due again before the lease ends. */
	assert_int_equal(due(f->st, now, &s)->n, 0);

	/* Known release: nothing; a new one: new_release. */
	trec_init(&t[0], id++, SIG_A, "WARNING in a", "h1", "6.1", T0 + 2);
	trec_init(&t[1], id++, SIG_A, "WARNING in a", "h1", "6.3", T0 + 3);
	trec_init(&t[2], id++, SIG_A, "WARNING in a", "h3", "6.3", T0 + 4);
	assert_int_equal(put(f->st, t, 3, T0 + 4), 3);
	due(f->st, now, &s);
	assert_int_equal(s.n, 1);
	assert_string_equal(s.key[0], "new_release:aaaa000000000001:6.3");
	assert_string_equal(s.release[0], "6.3");
	assert_int_equal(s.count[0], 2);
	/* A duplicate record raises nothing. */
	assert_int_equal(put(f->st, &t[1], 1, T0 + 5), 0);
	assert_int_equal(due(f->st, now, &s)->n, 0);

	/* Fixed in 6.10: seen again on 6.9 (older) is no regression, nor a
	 * new release; on 6.10.2 it is, once. */
	triage_set(f, "aaaa000000000001", "fixed", "6.10", T0 + 10);
	trec_init(&t[0], id++, SIG_A, "WARNING in a", "h1", "6.9", T0 + 20);
	assert_int_equal(put(f->st, t, 1, T0 + 20), 1);
	assert_int_equal(due(f->st, now, &s)->n, 0);
	trec_init(&t[0], id++, SIG_A, "WARNING in a", "h1", "6.10.2", T0 + 21);
	assert_int_equal(put(f->st, t, 1, T0 + 21), 1);
	due(f->st, now, &s);
	assert_int_equal(s.n, 1);
	snprintf(key, sizeof(key), "regression:aaaa000000000001:%lld",
		 (long long)(T0 + 10));
	assert_string_equal(s.key[0], key);
	assert_string_equal(s.release[0], "6.10.2");
	trec_init(&t[0], id++, SIG_A, "WARNING in a", "h1", "6.11", T0 + 22);
	assert_int_equal(put(f->st, t, 1, T0 + 22), 1);
	assert_int_equal(due(f->st, now, &s)->n, 0);
	/* Fixed without a release: any record after the triage. */
	triage_set(f, "aaaa000000000001", "fixed", NULL, T0 + 30);
	trec_init(&t[0], id++, SIG_A, "WARNING in a", "h1", "6.1", T0 + 25);
	assert_int_equal(put(f->st, t, 1, T0 + 25), 1);
	assert_int_equal(due(f->st, now, &s)->n, 0);
	trec_init(&t[0], id++, SIG_A, "WARNING in a", "h1", "6.1", T0 + 31);
	assert_int_equal(put(f->st, t, 1, T0 + 31), 1);
	assert_int_equal(due(f->st, now, &s)->n, 1);
	assert_string_equal(s.kind[0], "regression");
	/* Ignored: no new release alert. */
	triage_set(f, "aaaa000000000001", "ignored", NULL, T0 + 40);
	trec_init(&t[0], id++, SIG_A, "WARNING in a", "h1", "7.0", T0 + 41);
	assert_int_equal(put(f->st, t, 1, T0 + 41), 1);
	assert_int_equal(due(f->st, now, &s)->n, 0);

	/* Spikes: B was seen once long ago, then 3 in hour 50 (baseline
	 * 0): a spike.  C had 24 in hour 49 (an hourly average of 1 over
	 * the 24 hours before hour 50), then 3 in hour 50: fewer than 6
	 * times 1, no spike; 2 more (5) do not make one either, 2 more (7)
	 * do. */
	trec_init(&t[0], id++, SIG_B, "BUG in b", "h1", "6.1", T0);
	assert_int_equal(put(f->st, t, 1, T0), 1);
	for (int i = 0; i < 24; i++)
		trec_init(&t[i], id++, SIG_C, "BUG in c", "h1", "6.1",
			  T0 + 49 * HOUR_US + i);
	assert_int_equal(put(f->st, t, 24, T0 + 49 * HOUR_US + 30), 24);
	due(f->st, now, &s);
	assert_int_equal(s.n, 2);
	assert_true(has_alert(&s, "new_signature:bbbb000000000002"));
	assert_true(has_alert(&s, "new_signature:cccc000000000003"));
	for (int i = 0; i < 3; i++) {
		trec_init(&t[i], id++, SIG_B, "BUG in b", "h1", "6.1",
			  T0 + 50 * HOUR_US + i);
		trec_init(&t[3 + i], id++, SIG_C, "BUG in c", "h1", "6.1",
			  T0 + 50 * HOUR_US + i);
	}
	assert_int_equal(put(f->st, t, 6, T0 + 50 * HOUR_US + 10), 6);
	due(f->st, now, &s);
	assert_int_equal(s.n, 1);
	snprintf(key, sizeof(key), "spike:bbbb000000000002:%lld",
		 (long long)((T0 + 50 * HOUR_US) / HOUR_US));
	assert_string_equal(s.key[0], key);
	assert_int_equal(s.count[0], 3);
	for (int i = 0; i < 4; i++)
		trec_init(&t[i], id++, SIG_C, "BUG in c", "h1", "6.1",
			  T0 + 50 * HOUR_US + 10 + i);
	assert_int_equal(put(f->st, t, 2, T0 + 50 * HOUR_US + 20), 2);
	assert_int_equal(due(f->st, now, &s)->n, 0);
	assert_int_equal(put(f->st, t + 2, 2, T0 + 50 * HOUR_US + 20), 2);
	assert_int_equal(due(f->st, now, &s)->n, 1);
	assert_string_equal(s.kind[0], "spike");
	assert_int_equal(s.count[0], 7);
	/* Records of hour 60 received in hour 70 (a backlog): no spike;
	 * more of hour 60 received in hour 61: a spike. */
	for (int i = 0; i < 4; i++)
		trec_init(&t[i], id++, SIG_B, "BUG in b", "h1", "6.1",
			  T0 + 60 * HOUR_US + i);
	assert_int_equal(put(f->st, t, 3, T0 + 70 * HOUR_US), 3);
	assert_int_equal(due(f->st, now, &s)->n, 0);
	assert_int_equal(put(f->st, t + 3, 1, T0 + 61 * HOUR_US), 1);
	assert_int_equal(due(f->st, now, &s)->n, 1);
	assert_string_equal(s.kind[0], "spike");
	assert_int_equal(s.count[0], 4);
}

/* Delivery bookkeeping: leases, retries, done. */
static void test_alert_delivery(void **state)
{
	struct fixture *f = fixture(state);
	struct store_alert_rules rules = { .enabled = true, .spike_min = 100,
					   .spike_factor = 10 };
	struct alerts_seen s;
	struct trec t[3];
	int64_t now = T0 + HOUR_US;

	store_set_alert_rules(f->st, &rules);
	trec_init(&t[0], 1, SIG_A, "A", "h1", "6.1", T0);
	trec_init(&t[1], 2, SIG_B, "B", "h1", "6.1", T0);
	trec_init(&t[2], 3, SIG_C, "C", "h1", "6.1", T0);
	assert_int_equal(put(f->st, t, 3, T0), 3);
	/* Oldest first, at most the limit. */
	memset(&s, 0, sizeof(s));
	assert_int_equal(store_alerts_due(f->st, now, now + 60, 2, alert_fn,
					  &s), 2);
	assert_int_equal(due(f->st, now, &s)->n, 1);
	/* Leases end. */
	assert_int_equal(due(f->st, now + HOUR_US + 1, &s)->n, 3);
	assert_int_equal(s.attempts[0], 0);
	/* Failed: back at next_us, the attempt counted. */
	assert_int_equal(store_alert_retry(f->st, s.key[0], now + 10,
					   "HTTP 500"), 0);
	/* Given back untried: no attempt counted. */
	assert_int_equal(store_alert_retry(f->st, s.key[1], now, NULL), 0);
	assert_int_equal(store_alert_done(f->st, s.key[2], now), 0);
	due(f->st, now + 5, &s);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.attempts[0], 0);
	due(f->st, now + 10, &s);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.attempts[0], 1);
	assert_int_equal(store_alert_done(f->st, s.key[0], now + 11), 0);
	/* Delivered ones never come back; all are listed, newest first. */
	assert_int_equal(due(f->st, now + 100 * HOUR_US, &s)->n, 1);
	assert_int_equal(store_alert_done(f->st, s.key[0], now + 12), 0);
	assert_int_equal(due(f->st, now + 200 * HOUR_US, &s)->n, 0);
	memset(&s, 0, sizeof(s));
	assert_int_equal(store_alerts(f->st, 0, alert_fn, &s), 3);
	assert_string_equal(s.key[0], "new_signature:cccc000000000003");
	assert_int_equal(s.attempts[2], 2);
	/* Delivered at now, now + 11, now + 12: the two older go. */
	assert_int_equal(store_alerts_purge(f->st, now + 12), 2);
	memset(&s, 0, sizeof(s));
	assert_int_equal(store_alerts(f->st, 0, alert_fn, &s), 1);
}

/* ------------------------------------------------- the query layer -- */

/* Triage: set, read back, replace; bad input refused. */
static void test_triage(void **state)
{
	struct fixture *f = fixture(state);
	struct store_triage t = { .state = STORE_TRIAGE_FIXED,
				  .fixed_in = "6.12.9", .bug = "https://b/1",
				  .note = "it's \"fixed\"", .updated_us = T0 };
	struct store_triage got;

	str_lcpy(t.sig, "00000000000000a1", sizeof(t.sig));
	assert_int_equal(store_triage_get(f->st, t.sig, &got), -ENOENT);
	assert_int_equal(got.state, STORE_TRIAGE_OPEN);
	assert_int_equal(store_triage_set(f->st, &t), 0);
	assert_int_equal(store_triage_get(f->st, t.sig, &got), 0);
	assert_int_equal(got.state, STORE_TRIAGE_FIXED);
	assert_string_equal(got.sig, t.sig);
	assert_string_equal(got.fixed_in, "6.12.9");
	assert_string_equal(got.bug, "https://b/1");
	assert_string_equal(got.note, "it's \"fixed\"");
	assert_int_equal(got.updated_us, T0);
	t.state = STORE_TRIAGE_IGNORED;
	t.fixed_in = t.bug = t.note = NULL;
	assert_int_equal(store_triage_set(f->st, &t), 0);
	assert_int_equal(store_triage_get(f->st, t.sig, &got), 0);
	assert_int_equal(got.state, STORE_TRIAGE_IGNORED);
	assert_null(got.fixed_in);
	assert_null(got.note);
	str_lcpy(t.sig, "00A1", sizeof(t.sig));
	assert_int_equal(store_triage_set(f->st, &t), -EINVAL);
	str_lcpy(t.sig, "00000000000000a2", sizeof(t.sig));
	t.state = (enum store_triage_state)7;
	assert_int_equal(store_triage_set(f->st, &t), -EINVAL);
}

struct crash_seen {
	int n;
	char sig[16][STORE_SIG_LEN];
	uint64_t count[16], hosts[16], trend_sum[16];
	enum store_triage_state state[16];
	size_t releases[16];
};

static int crash_fn(const struct store_crash *c, void *arg)
{
	struct crash_seen *s = arg;
	uint64_t sum = 0;

	assert_true(s->n < 16);
	str_lcpy(s->sig[s->n], c->sig.signature, STORE_SIG_LEN);
	s->count[s->n] = c->sig.count;
	s->hosts[s->n] = c->sig.hosts;
	s->state[s->n] = c->triage.state;
	s->releases[s->n] = c->sig.n_releases;
	for (int i = 0; i < STORE_TREND_DAYS; i++)
		sum += c->trend[i];
	s->trend_sum[s->n] = sum;
	s->n++;
	return 0;
}

static int crashes(struct store *st, struct store_crash_query q,
		   struct crash_seen *s, uint64_t *total)
{
	memset(s, 0, sizeof(*s));
	if (q.source == 0)
		q.source = -1;
	return store_crashes(st, &q, crash_fn, s, total);
}

/*
 * Three signatures: a1 "WARNING in foo_bar" 3 records on h1/h2, 6.1 then
 * 6.2; a2 "BUG 100%_sure" 2 records on h2, 6.2; a3 "WARNING in baz" 1
 * record on h3, 6.1, twenty days before the others.
 */
static void fill_three(struct fixture *f, int64_t now)
{
	struct trec t[6];

	trec_init(&t[0], 1, 0xa1, "WARNING in foo_bar", "h1", "6.1", now - 3 * HOUR_US);
	trec_init(&t[1], 2, 0xa1, "WARNING in foo_bar", "h2", "6.2", now - 2 * HOUR_US);
	trec_init(&t[2], 3, 0xa1, "WARNING in foo_bar", "h2", "6.2", now - 1 * HOUR_US);
	trec_init(&t[3], 4, 0xa2, "BUG 100%_sure", "h2", "6.2", now - 2 * HOUR_US);
	t[3].crash.kind = OOPSD__CRASH_KIND__KIND_BUG;
	t[3].len = oopsd__crash_record__pack(&t[3].rec, t[3].buf);
	trec_init(&t[4], 5, 0xa2, "BUG 100%_sure", "h2", "6.2", now - 2 * HOUR_US);
	t[4].crash.kind = OOPSD__CRASH_KIND__KIND_BUG;
	t[4].len = oopsd__crash_record__pack(&t[4].rec, t[4].buf);
	trec_init(&t[5], 6, 0xa3, "WARNING in baz", "h3", "6.1", now - 480 * HOUR_US);
	assert_int_equal(put(f->st, t, 6, now), 6);
}

/* The crash list: filters, windows, triage, sorting and pages. */
static void test_crash_list(void **state)
{
	struct fixture *f = fixture(state);
	int64_t now = T0 + 1000 * HOUR_US;
	struct crash_seen s;
	uint64_t total = 0;
	struct store_triage t = { .state = STORE_TRIAGE_IGNORED,
				  .updated_us = now };

	fill_three(f, now);
	assert_int_equal(crashes(f->st, (struct store_crash_query){ .now_us = now }, &s, &total), 3);
	assert_int_equal(total, 3);
	assert_string_equal(s.sig[0], "00000000000000a1");
	assert_int_equal(s.count[0], 3);
	assert_int_equal(s.hosts[0], 2);
	assert_int_equal(s.releases[0], 2);
	assert_int_equal(s.trend_sum[0], 3);
	assert_int_equal(s.trend_sum[2], 0); /* outside the 14 days */
	assert_int_equal(crashes(f->st, (struct store_crash_query){ .kind = "BUG" }, &s, &total), 1);
	assert_string_equal(s.sig[0], "00000000000000a2");
	assert_int_equal(crashes(f->st, (struct store_crash_query){ .release = "6.1" }, &s, &total), 2);
	assert_int_equal(crashes(f->st, (struct store_crash_query){ .host = "h2" }, &s, &total), 2);
	assert_int_equal(crashes(f->st, (struct store_crash_query){ .text = "FOO" }, &s, &total), 1);
	/* LIKE's wildcards in the text are literal. */
	assert_int_equal(crashes(f->st, (struct store_crash_query){ .text = "100%_" }, &s, &total), 1);
	assert_int_equal(crashes(f->st, (struct store_crash_query){ .text = "0_s" }, &s, &total), 0);
	assert_int_equal(crashes(f->st, (struct store_crash_query){ .text = "%" }, &s, &total), 1);
	/* A window: counts of the window, whole hours. */
	assert_int_equal(crashes(f->st, (struct store_crash_query){ .since_us = now - 2 * HOUR_US, .now_us = now }, &s, &total), 2);
	assert_int_equal(total, 2);
	assert_string_equal(s.sig[0], "00000000000000a1");
	assert_int_equal(s.count[0], 2);
	assert_int_equal(s.hosts[0], 1);
	assert_int_equal(s.count[1], 2);
	/* Sorting and pages. */
	assert_int_equal(crashes(f->st, (struct store_crash_query){ .sort = STORE_SORT_TITLE, .ascending = true }, &s, &total), 3);
	assert_string_equal(s.sig[0], "00000000000000a2");
	assert_string_equal(s.sig[1], "00000000000000a3");
	assert_int_equal(crashes(f->st, (struct store_crash_query){ .sort = STORE_SORT_FIRST, .limit = 1, .offset = 1 }, &s, &total), 1);
	assert_int_equal(total, 3);
	assert_int_equal(crashes(f->st, (struct store_crash_query){ .limit = 2, .offset = 5 }, &s, &total), 0);
	assert_int_equal(total, 3);
	/* Ignored: hidden unless asked for. */
	str_lcpy(t.sig, "00000000000000a2", sizeof(t.sig));
	assert_int_equal(store_triage_set(f->st, &t), 0);
	assert_int_equal(crashes(f->st, (struct store_crash_query){ 0 }, &s, &total), 2);
	assert_int_equal(total, 2);
	assert_int_equal(crashes(f->st, (struct store_crash_query){ .show_ignored = true }, &s, &total), 3);
	assert_int_equal(s.state[1], STORE_TRIAGE_IGNORED);
	assert_int_equal(crashes(f->st, (struct store_crash_query){ .state = "ignored" }, &s, &total), 1);
	/* Bad queries. */
	assert_int_equal(crashes(f->st, (struct store_crash_query){ .state = "done" }, &s, NULL), -EINVAL);
	assert_int_equal(crashes(f->st, (struct store_crash_query){ .limit = STORE_PAGE_MAX + 1 }, &s, NULL), -EINVAL);
}

struct rel_seen {
	int n, n_new;
	char new_sig[4][STORE_SIG_LEN];
};

static int rel_fn(const struct store_release_sig *r, void *arg)
{
	struct rel_seen *s = arg;

	s->n++;
	if (r->is_new)
		str_lcpy(s->new_sig[s->n_new++], r->sig.signature,
			 STORE_SIG_LEN);
	return 0;
}

static int count_any(const void *x, void *arg)
{
	(void)x;
	(*(int *)arg)++;
	return 0;
}

static int rec_count_fn(const struct store_rec *r, void *arg)
{
	return count_any(r, arg);
}

static int sig_count_fn(const struct store_sig *s, void *arg)
{
	return count_any(s, arg);
}

static int rel_count_fn(const struct store_release *r, void *arg)
{
	return count_any(r, arg);
}

/* New in a release; a host's pages; a record by id; the histogram. */
static void test_release_host_record(void **state)
{
	struct fixture *f = fixture(state);
	int64_t now = T0 + 1000 * HOUR_US;
	struct rel_seen rs = { 0 };
	struct store_host h;
	uint64_t hist[24];
	uint8_t id[16] = { 0 };
	unsigned one = 1;
	int n = 0;

	fill_three(f, now);
	/* 6.2: a2 appears there first (new); a1 was on 6.1 before. */
	assert_int_equal(store_release_sigs(f->st, "6.2", 0, rel_fn, &rs), 2);
	assert_int_equal(rs.n_new, 1);
	assert_string_equal(rs.new_sig[0], "00000000000000a2");
	memset(&rs, 0, sizeof(rs));
	assert_int_equal(store_release_sigs(f->st, "6.1", 0, rel_fn, &rs), 2);
	assert_int_equal(rs.n_new, 2);
	assert_int_equal(store_release_sigs(f->st, "7.0", 0, rel_fn, &rs), 0);

	assert_int_equal(store_host_get(f->st, "h2", &h), 0);
	assert_string_equal(h.host_key, "h2");
	assert_int_equal(h.count, 4);
	assert_int_equal(store_host_get(f->st, "nope", &h), -ENOENT);
	assert_int_equal(store_host_sigs(f->st, "h2", 10, sig_count_fn, &n), 2);
	n = 0;
	assert_int_equal(store_host_releases(f->st, "h1", rel_count_fn, &n), 1);
	n = 0;
	assert_int_equal(store_host_records(f->st, "h2", 3, rec_count_fn, &n), 3);

	memcpy(id, &one, sizeof(one));
	n = 0;
	assert_int_equal(store_record_get(f->st, id, sizeof(id), rec_count_fn, &n), 0);
	assert_int_equal(n, 1);
	id[15] = 9;
	assert_int_equal(store_record_get(f->st, id, sizeof(id), rec_count_fn, &n), -ENOENT);

	assert_int_equal(store_sig_histogram(f->st, "00000000000000a1", now, 1, 24, hist), 0);
	assert_int_equal(hist[23] + hist[22] + hist[21] + hist[20], 3);
	assert_int_equal(store_sig_histogram(f->st, "zz", now, 1, 24, hist), -EINVAL);
}

static int hb_get_fn(const struct store_heartbeat *hb, void *arg)
{
	str_lcpy(arg, hb->agent_version ? hb->agent_version : "", 16);
	return 0;
}

/* One host's heartbeat by its key, and the hosts count. */
static void test_heartbeat_get(void **state)
{
	struct fixture *f = fixture(state);
	struct store_heartbeat hb = { .host_key = "h9", .hostname = "nine",
				      .agent_version = "0.1.0", .backlog = 2,
				      .interval_s = 3600, .received_us = T0 };
	char version[16] = "";
	uint64_t n = 99;

	assert_int_equal(store_heartbeat_get(f->st, "h9", hb_get_fn, version),
			 -ENOENT);
	assert_int_equal(store_heartbeat_put(f->st, &hb), 0);
	assert_int_equal(store_heartbeat_get(f->st, "h9", hb_get_fn, version),
			 0);
	assert_string_equal(version, "0.1.0");
	assert_int_equal(store_host_count(f->st, &n), 0);
	assert_int_equal(n, 0);
	fill_three(f, T0 + 1000 * HOUR_US);
	assert_int_equal(store_host_count(f->st, &n), 0);
	assert_int_equal(n, 3);
}

/* A read-only store refuses to write triage. */
static void test_triage_readonly(void **state)
{
	struct fixture *f = fixture(state);
	struct store_triage t = { .state = STORE_TRIAGE_FIXED };
	struct store *ro = NULL;

	str_lcpy(t.sig, "00000000000000a1", sizeof(t.sig));
	assert_int_equal(store_open(f->spec, STORE_READONLY, &ro), 0);
	assert_int_equal(store_triage_set(ro, &t), -EROFS);
	store_close(ro);
}

static void test_open_errors(void **state)
{
	struct store *st = NULL;

	assert_int_equal(store_open("nosuch:/tmp/x", 0, &st), -EINVAL);
	assert_int_equal(store_open("/tmp/x.db", 0, &st), -EINVAL);
	assert_int_equal(store_open("sqlite:/nonexistent/dir/x.db",
				    STORE_READONLY, &st),
			 -ENOENT);
	assert_null(st);
}

/* Passwords never reach a log line. */
static void test_spec_redact(void **state)
{
	static const char *const cases[][2] = {
		{ "postgresql://u:secret@db:5432/oopsd?sslmode=require",
		  "postgresql://u:***@db:5432/oopsd?sslmode=require" },
		{ "postgres://db/x?password=secret&sslmode=require",
		  "postgres://db/x?password=***&sslmode=require" },
		{ "pg:host=db password=secret dbname=x",
		  "pg:host=db password=*** dbname=x" },
		{ "pg:password='a b\\' c' host=x", "pg:password=*** host=x" },
		{ "postgresql://u@db/x", "postgresql://u@db/x" },
		{ "sqlite:/var/lib/oopsd/password=x.db",
		  "sqlite:/var/lib/oopsd/password=x.db" },
	};
	char buf[128];

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		assert_string_equal(store_spec_redact(cases[i][0], buf,
						      sizeof(buf)),
				    cases[i][1]);
	/* Truncated, still terminated. */
	assert_string_equal(store_spec_redact(cases[0][0], buf, 8), "postgre");
}

/* Text the server would refuse (not UTF-8) is stored, repaired. */
static void test_not_utf8(void **state)
{
	struct fixture *f = fixture(state);
	struct trec t;
	struct collect c;

	trec_init(&t, 1, 0x5, "WARNING in \xc3(", "h\xff", "6.\xe2\x82", T0);
	assert_int_equal(put(f->st, &t, 1, T0), 1);
	top(f->st, 0, 0, &c);
	assert_int_equal(c.n, 1);
	assert_int_equal(c.s[0].count, 1);
	if (f->pg) {
		assert_string_equal(c.s[0].title, "WARNING in ?(");
		assert_string_equal(c.s[0].release0, "6.??");
	}
}

/*
 * A release longer than a B-tree entry may be (a hostile agent's; a
 * kernel's is 64 bytes at most) does not fail the batch forever.
 */
static void test_long_release(void **state)
{
	struct fixture *f = fixture(state);
	static char release[3001];
	struct trec t[2];
	struct collect c;
	uint32_t x = 1;

	/* Not compressible: the server would squeeze 3000 x's to fit. */
	for (size_t i = 0; i < sizeof(release) - 1; i++) {
		x = x * 1103515245u + 12345u;
		release[i] = (char)('!' + (x >> 16) % 94);
	}
	trec_init(&t[0], 1, 0x6, "A", "h", release, T0);
	trec_init(&t[1], 2, 0x6, "A", "h", "6.1", T0 + 1);
	assert_int_equal(put(f->st, t, 2, T0), 2);
	top(f->st, 0, 0, &c);
	assert_int_equal(c.n, 1);
	assert_int_equal(c.s[0].count, 2);
	assert_int_equal(c.s[0].n_releases, 2);
	check_recount(f);
}

/*
 * Rows are input too: signatures longer than the store ever writes (a
 * table filled by hand, or damaged) come back cut to STORE_SIG_LEN - 1,
 * and what is built from them (PostgreSQL: the array of a top's
 * signatures) stays inside its buffer.
 */
static void test_long_sig_rows(void **state)
{
	struct fixture *f = fixture(state);
	enum { LEN = 60000, TAIL = 512 };
	char *sql = malloc(LEN + 2 * TAIL);
	struct collect c;
	int n;

	assert_non_null(sql);
	/* Compressible, so that PostgreSQL's index takes them. */
	n = snprintf(sql, TAIL,
		     "WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL"
		     " SELECT i + 1 FROM k WHERE i < %d)"
		     " INSERT INTO signatures(sig, title, kind, stack_sig,"
		     " count, hosts, first_seen_us, last_seen_us)"
		     " SELECT i || '",
		     MAX_SIGS);
	memset(sql + n, 'a', LEN);
	snprintf(sql + n + LEN, TAIL,
		 "', 'T', 'BUG', NULL, i, 1, %lld, %lld + i FROM k", T0, T0);
	assert_int_equal(store_query(f->st, sql, NULL, 0, NULL, NULL), 0);
	free(sql);
	top(f->st, 0, 0, &c);
	assert_int_equal(c.n, MAX_SIGS);
	for (size_t i = 0; i < c.n; i++)
		assert_int_equal(strlen(c.s[i].sig), STORE_SIG_LEN - 1);
	assert_string_equal(c.s[0].sig, "16aaaaaaaaaaaaaa");
	assert_int_equal(c.s[0].count, 16);
	assert_int_equal(c.s[0].n_releases, 0);
}

/*
 * Two writers (processes, each with its connection) store the same
 * records at once, in batches that overlap in opposite orders: each
 * record is stored by exactly one of them, nothing deadlocks for good, and
 * every aggregate equals a recount.
 */
#define CW_IDS 600
#define CW_BATCH 30
static void test_concurrent_writers(void **state)
{
	static const char *const hosts[] = { "h0", "h1", "h2" };
	struct fixture *f = fixture(state);
	int stored[2] = { 0, 0 }, fds[2], status;
	struct store_stats ss;
	pid_t pid[2];

	assert_int_equal(pipe(fds), 0);
	for (int w = 0; w < 2; w++) {
		pid[w] = fork();
		assert_true(pid[w] >= 0);
		if (pid[w] > 0)
			continue;
		{
			static struct trec t[CW_BATCH];
			struct store *st;
			int total = 0, rc = 0;

			struct store_alert_rules rules = {
				.enabled = true, .spike_min = 1000000,
				.spike_factor = 1
			};

			if (store_open(f->spec, 0, &st) < 0)
				_exit(2);
			/* With the alerts' inserts too. */
			store_set_alert_rules(st, &rules);
			for (int b = 0; b < CW_IDS / CW_BATCH && rc >= 0; b++) {
				for (int i = 0; i < CW_BATCH; i++) {
					/* Writer 1 walks the ids backwards. */
					unsigned k = (unsigned)(b * CW_BATCH + i);
					unsigned id = w ? CW_IDS - k : k + 1;

					trec_init(&t[i], id, 0x300 + id % 7,
						  "T", hosts[id % 3],
						  id % 2 ? "6.1" : "6.6",
						  T0 + (int64_t)id * 1000);
				}
				rc = put(st, t, CW_BATCH, T0 + HOUR_US);
				total += rc > 0 ? rc : 0;
			}
			store_close(st);
			if (write(fds[1], &total, sizeof(total)) !=
			    sizeof(total))
				_exit(3);
			_exit(rc < 0 ? 1 : 0);
		}
	}
	close(fds[1]);
	for (int w = 0; w < 2; w++) {
		assert_int_equal(waitpid(pid[w], &status, 0), pid[w]);
		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), 0);
	}
	assert_int_equal(read(fds[0], &stored[0], sizeof(int)), sizeof(int));
	assert_int_equal(read(fds[0], &stored[1], sizeof(int)), sizeof(int));
	close(fds[0]);
	assert_int_equal(stored[0] + stored[1], CW_IDS);
	assert_int_equal(store_stats(f->st, &ss), 0);
	assert_int_equal(ss.records, CW_IDS);
	assert_int_equal(ss.signatures, 7);
	assert_int_equal(ss.hosts, 3);
	check_recount(f);
	/* Each signature was new exactly once, whichever writer won. */
	{
		struct alerts_seen a = { 0 };
		int news = 0;

		assert_true(store_alerts(f->st, 0, alert_fn, &a) > 0);
		for (int i = 0; i < a.n; i++)
			news += strcmp(a.kind[i], "new_signature") == 0;
		assert_int_equal(news, 7);
	}
}

#if ENABLE_STORE_POSTGRES
/*
 * PostgreSQL: a statement that fails in any of the pipeline's three
 * phases (an insert past the first 256-statement chunk, a (signature,
 * host) count, an hour) fails the batch with nothing stored, and leaves
 * the connection usable as it was (out of pipeline mode, no reconnection).
 */
static void test_failed_batch(void **state)
{
	struct fixture *f = fixture(state);
	enum { N = 700 };
	static const char *const hosts[] = { "h0", "h1", "h2", "h3", "h4",
					     "h5", "h6" };
	/* Refused: the records seen at 89 h, the (signature, host) rows
	 * whose newest record they are, and their hour's rows. */
	static const struct {
		const char *table, *column;
		int64_t value;
	} checks[] = {
		{ "records", "seen_us", T0 + 89 * HOUR_US },
		{ "sig_hosts", "last_seen_us", T0 + 89 * HOUR_US },
		{ "sig_hours", "hour", T0 / HOUR_US + 89 },
	};
	struct trec *t = calloc(N, sizeof(*t));
	struct store_put *p = calloc(N, sizeof(*p));
	struct store_stats ss;
	char sql[256], pid_sql[160], *pid0;
	PGresult *res;

	assert_non_null(t);
	assert_non_null(p);
	for (unsigned i = 0; i < N; i++) {
		trec_init(&t[i], 1 + i, 0x1000 + i % 50, "T", hosts[i % 7],
			  "6.1", T0 + (int64_t)(i % 90) * HOUR_US);
		p[i] = (struct store_put){ .rec = &t[i].rec, .packed = t[i].buf,
					   .packed_len = t[i].len,
					   .sender = "127.0.0.1:9",
					   .received_us = T0 + 100 * HOUR_US };
	}
	snprintf(pid_sql, sizeof(pid_sql),
		 "SELECT pid FROM pg_stat_activity"
		 " WHERE application_name = 'oopsd_test_%d'", (int)getpid());
	assert_int_equal(store_stats(f->st, &ss), 0);
	res = pg_admin(f, pid_sql);
	assert_int_equal(PQntuples(res), 1);
	pid0 = strdup(PQgetvalue(res, 0, 0));
	PQclear(res);
	for (size_t k = 0; k < ARRAY_SIZE(checks); k++) {
		snprintf(sql, sizeof(sql),
			 "ALTER TABLE %s ADD CONSTRAINT bad CHECK (%s <> %lld)",
			 checks[k].table, checks[k].column,
			 (long long)checks[k].value);
		pg_admin_do(f, sql);
		assert_int_equal(store_put_batch(f->st, p, N), -EIO);
		assert_int_equal(store_stats(f->st, &ss), 0);
		assert_int_equal(ss.records, 0);
		snprintf(sql, sizeof(sql), "ALTER TABLE %s DROP CONSTRAINT bad",
			 checks[k].table);
		pg_admin_do(f, sql);
	}
	assert_int_equal(store_put_batch(f->st, p, N), N);
	check_recount(f);
	res = pg_admin(f, pid_sql);
	assert_int_equal(PQntuples(res), 1);
	assert_string_equal(PQgetvalue(res, 0, 0), pid0);
	PQclear(res);
	free(pid0);
	free(t);
	free(p);
}
#endif

/* The server cuts the connection: the next batch reconnects and stores. */
static void test_reconnect(void **state)
{
	struct fixture *f = fixture(state);
	struct store_stats ss;
	struct trec t[2];
	char sql[256];

	trec_init(&t[0], 1, 0x9, "A", "h1", "6.1", T0);
	trec_init(&t[1], 2, 0x9, "A", "h1", "6.1", T0 + 1);
	assert_int_equal(put(f->st, &t[0], 1, T0), 1);
	snprintf(sql, sizeof(sql),
		 "SELECT pg_terminate_backend(pid, 10000) FROM"
		 " pg_stat_activity WHERE application_name = 'oopsd_test_%d'",
		 (int)getpid());
	assert_true(pg_any_row(f, sql));
	assert_int_equal(put(f->st, t, 2, T0), 1);
	assert_int_equal(store_stats(f->st, &ss), 0);
	assert_int_equal(ss.records, 2);
	check_recount(f);
}

static void test_pg_open_errors(void **state)
{
	struct fixture *f = fixture(state);
	const char *uri = getenv("OOPSD_TEST_PG");
	struct store *st = NULL;
	char spec[1100];

	/* A schema with no tables: nothing to read. */
	snprintf(spec, sizeof(spec), "%s%coptions=-csearch_path%%3Dnosuch",
		 uri, strchr(uri, '?') ? '&' : '?');
	assert_int_equal(store_open(spec, STORE_READONLY, &st), -ENOENT);
	/* No server there. */
	assert_int_equal(store_open("postgresql:///x?host=/nonexistent"
				    "&connect_timeout=2", 0, &st),
			 -EIO);
	assert_int_equal(store_open("pg:host=/nonexistent dbname=x", 0, &st),
			 -EIO);
	assert_null(st);
	(void)f;
}


/*
 * Issue 17, defect 11: with 16 KB of junk in the middle of the file the
 * collector opened the store and acknowledged records into it.  The quick
 * check at open refuses it (-EUCLEAN), and store_check() says so from a
 * read-only open (oopsctl store check).
 */
static void test_sqlite_damage(void **state)
{
	struct fixture *f = fixture(state);
	enum { N = 600 };
	struct trec *t = calloc(N, sizeof(*t));
	char path[1100], junk[16384];
	struct store *st = NULL;
	int fd;
	off_t size;

	assert_non_null(t);
	for (unsigned i = 0; i < N; i++)
		trec_init(&t[i], 1 + i, 0x2000 + i % 40, "D", "h", "6.1",
			  T0 + i);
	for (unsigned i = 0; i < N; i += 50)
		assert_int_equal(put(f->st, &t[i], 50, T0), 50);
	assert_int_equal(store_check(f->st, true, junk, sizeof(junk)), 0);
	/* Closed: the WAL is checkpointed into the file. */
	store_close(f->st);
	f->st = NULL;
	snprintf(path, sizeof(path), "%s/s.db", f->dir);
	fd = open(path, O_WRONLY);
	assert_true(fd >= 0);
	size = lseek(fd, 0, SEEK_END);
	memset(junk, 0x5a, sizeof(junk));
	assert_int_equal(pwrite(fd, junk, sizeof(junk), size / 2),
			 (ssize_t)sizeof(junk));
	close(fd);
	assert_int_equal(store_open(f->spec, 0, &st), -EUCLEAN);
	assert_null(st);
	assert_int_equal(store_open(f->spec, STORE_READONLY, &st), 0);
	assert_int_equal(store_check(st, false, junk, sizeof(junk)), -EUCLEAN);
	assert_true(junk[0] != '\0');
	store_close(st);
	free(t);
}

/* The behaviour cases, run once per backend. */
#define STORE_CASES(SETUP)                                                     \
	cmocka_unit_test_setup_teardown(test_dedupe, SETUP, teardown),         \
	cmocka_unit_test_setup_teardown(test_invalid_records, SETUP,           \
					teardown),                             \
	cmocka_unit_test_setup_teardown(test_batch_too_large, SETUP,           \
					teardown),                             \
	cmocka_unit_test_setup_teardown(test_aggregates_incremental, SETUP,    \
					teardown),                             \
	cmocka_unit_test_setup_teardown(test_aggregates_match_recount, SETUP,  \
					teardown),                             \
	cmocka_unit_test_setup_teardown(test_top_ordering_and_limit, SETUP,    \
					teardown),                             \
	cmocka_unit_test_setup_teardown(test_since_filter, SETUP, teardown),   \
	cmocka_unit_test_setup_teardown(test_retention, SETUP, teardown),      \
	cmocka_unit_test_setup_teardown(test_example_is_last_received, SETUP,  \
					teardown),                             \
	cmocka_unit_test_setup_teardown(test_retention_trusts_no_crash_clock,  \
					SETUP, teardown),                      \
	cmocka_unit_test_setup_teardown(test_show_export_hosts_persist, SETUP, \
					teardown),                             \
	cmocka_unit_test_setup_teardown(test_not_utf8, SETUP, teardown),       \
	cmocka_unit_test_setup_teardown(test_large_batch, SETUP, teardown),    \
	cmocka_unit_test_setup_teardown(test_long_release, SETUP, teardown),   \
	cmocka_unit_test_setup_teardown(test_long_sig_rows, SETUP, teardown),  \
	cmocka_unit_test_setup_teardown(test_heartbeats, SETUP, teardown),     \
	cmocka_unit_test_setup_teardown(test_heartbeats_batch, SETUP,          \
					teardown),                             \
	cmocka_unit_test_setup_teardown(test_collectors, SETUP, teardown),     \
	cmocka_unit_test_setup_teardown(test_alerts, SETUP, teardown),         \
	cmocka_unit_test_setup_teardown(test_alert_delivery, SETUP, teardown), \
	cmocka_unit_test_setup_teardown(test_triage, SETUP, teardown),         \
	cmocka_unit_test_setup_teardown(test_crash_list, SETUP, teardown),     \
	cmocka_unit_test_setup_teardown(test_release_host_record, SETUP,       \
					teardown),                             \
	cmocka_unit_test_setup_teardown(test_triage_readonly, SETUP, teardown), \
	cmocka_unit_test_setup_teardown(test_heartbeat_get, SETUP, teardown)

int main(void)
{
	const struct CMUnitTest sqlite[] = {
		STORE_CASES(setup),
		cmocka_unit_test(test_open_errors),
		cmocka_unit_test(test_spec_redact),
		cmocka_unit_test(test_release_cmp),
		cmocka_unit_test_setup_teardown(test_sqlite_damage, setup,
						teardown),
	};
	const struct CMUnitTest pg[] = {
		STORE_CASES(setup_pg),
		cmocka_unit_test_setup_teardown(test_concurrent_writers,
						setup_pg, teardown),
		cmocka_unit_test_setup_teardown(test_reconnect, setup_pg,
						teardown),
#if ENABLE_STORE_POSTGRES
		cmocka_unit_test_setup_teardown(test_failed_batch, setup_pg,
						teardown),
#endif
		cmocka_unit_test_setup_teardown(test_pg_open_errors, setup_pg,
						teardown),
	};
	int failed = cmocka_run_group_tests_name("store_sqlite", sqlite, NULL,
						 NULL);

	return failed + cmocka_run_group_tests_name("store_pg", pg, NULL,
						    NULL);
}
