// SPDX-License-Identifier: MIT
/* Tests for lib/store.c and lib/store_sqlite.c. */
#include "testutil.h"

#include <errno.h>

#include <sqlite3.h>

#include "store.h"

#define HOUR_US (3600LL * 1000000)
/* 2026-01-01T00:00:00Z, on an hour boundary. */
#define T0 (1767225600LL * 1000000)

struct fixture {
	char *dir;
	char spec[1100];
	struct store *st;
};

/* Records built on the stack of the test, packed into `buf`. */
struct trec {
	Oopsd__CrashRecord rec;
	Oopsd__Host host;
	Oopsd__Kernel kernel;
	Oopsd__Crash crash;
	uint8_t id[16];
	uint8_t buf[512];
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

static int teardown(void **state)
{
	struct fixture *f = *state;

	store_close(f->st);
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
	struct fixture *f = *state;
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
	struct fixture *f = *state;
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
	struct fixture *f = *state;
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
	struct fixture *f = *state;
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

/* SQL that returns rows where an aggregate differs from a recount. */
static const char *const recount_checks[] = {
	"SELECT s.sig FROM signatures s LEFT JOIN (SELECT sig, count(*) n,"
	" count(DISTINCT host_key) h, min(seen_us) f, max(seen_us) l"
	" FROM records GROUP BY sig) r ON r.sig = s.sig"
	" WHERE r.n IS NOT s.count OR r.h IS NOT s.hosts"
	" OR r.f IS NOT s.first_seen_us OR r.l IS NOT s.last_seen_us",
	"SELECT sig FROM records EXCEPT SELECT sig FROM signatures",
	"SELECT a.sig FROM sig_releases a LEFT JOIN (SELECT sig, release,"
	" count(*) n, min(seen_us) f, max(seen_us) l FROM records"
	" GROUP BY sig, release) r USING (sig, release)"
	" WHERE r.n IS NOT a.count OR r.f IS NOT a.first_seen_us"
	" OR r.l IS NOT a.last_seen_us",
	"SELECT count(*) FROM sig_releases HAVING count(*) !="
	" (SELECT count(*) FROM (SELECT DISTINCT sig, release FROM records))",
	"SELECT a.sig FROM sig_hosts a LEFT JOIN (SELECT sig, host_key,"
	" count(*) n, min(seen_us) f, max(seen_us) l FROM records"
	" GROUP BY sig, host_key) r USING (sig, host_key)"
	" WHERE r.n IS NOT a.count OR r.f IS NOT a.first_seen_us"
	" OR r.l IS NOT a.last_seen_us",
	"SELECT h.host_key FROM hosts h LEFT JOIN (SELECT host_key,"
	" count(*) n, count(DISTINCT sig) g, min(seen_us) f, max(seen_us) l"
	" FROM records GROUP BY host_key) r USING (host_key)"
	" WHERE r.n IS NOT h.count OR r.g IS NOT h.signatures"
	" OR r.f IS NOT h.first_seen_us OR r.l IS NOT h.last_seen_us",
	"SELECT a.sig FROM sig_hours a LEFT JOIN (SELECT sig,"
	" seen_us / 3600000000 hour, count(*) n FROM records"
	" GROUP BY 1, 2) r USING (sig, hour) WHERE r.n IS NOT a.count",
	/* The example is the newest record of its signature. */
	"SELECT s.sig FROM signatures s JOIN records e ON e.rid ="
	" s.example_rid WHERE e.sig != s.sig OR e.seen_us != s.last_seen_us",
};

static void test_aggregates_match_recount(void **state)
{
	struct fixture *f = *state;
	static const char *const hosts[] = { "h0", "h1", "h2", "h3", NULL };
	static const char *const rels[] = { "6.1", "6.6", NULL };
	static struct trec t[50];
	uint64_t rng = 7;
	unsigned next_id = 1;
	char path[1100];
	sqlite3 *db;

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

static void test_top_ordering_and_limit(void **state)
{
	struct fixture *f = *state;
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
	struct fixture *f = *state;
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

static void test_retention(void **state)
{
	struct fixture *f = *state;
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
	assert_int_equal(put(f->st, t, 10, T0 + 101 * HOUR_US), 10);

	/* Keep 50 hours: A's records are all older, but A's example (its
	 * newest record) stays; B loses its one old record. */
	assert_int_equal(store_retention(f->st, T0 + 101 * HOUR_US,
					 (uint64_t)50 * HOUR_US, 0),
			 6);
	assert_int_equal(store_stats(f->st, &ss), 0);
	assert_int_equal(ss.records, 4);
	/* Aggregates are history: unchanged. */
	top(f->st, 0, 0, &c);
	assert_string_equal(c.s[0].title, "A");
	assert_int_equal(c.s[0].count, 6);
	assert_int_equal(c.s[1].count, 4);

	/* Keep 2 records: the oldest go first, examples never. */
	assert_true(store_retention(f->st, T0 + 101 * HOUR_US, 0, 2) >= 1);
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
	struct fixture *f = *state;
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_dedupe, setup, teardown),
		cmocka_unit_test_setup_teardown(test_invalid_records, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_batch_too_large, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_aggregates_incremental,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_aggregates_match_recount,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_top_ordering_and_limit,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_since_filter, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_retention, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_show_export_hosts_persist,
						setup, teardown),
		cmocka_unit_test(test_open_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
