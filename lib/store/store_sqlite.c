// SPDX-License-Identifier: MIT
/*
 * store_sqlite.c - the embedded store: one SQLite database in WAL mode.
 *
 * Writes: one BEGIN IMMEDIATE ... COMMIT per batch with synchronous=FULL,
 * so when store_put_batch() returns the batch is in the fsync'ed WAL and
 * can be acknowledged.  Every statement is prepared once at open.
 *
 * Tables (see doc/collector.md, "Store"):
 *   records       one row per record id: query columns and the packed
 *                 CrashRecord exactly as received (report text still zlib)
 *   signatures    per title signature: count, distinct hosts, first/last
 *                 seen, the newest record as example
 *   sig_releases  per signature and kernel release: count, first/last seen
 *   sig_hosts     per signature and host: count, first/last seen
 *   hosts         per host: count, distinct signatures, first/last seen
 *   sig_hours     per signature and hour: count (for top --since)
 * Aggregates are updated by UPSERTs in the same transaction as the record,
 * so they are exactly as durable as the records they count.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "base/log.h"
#include "store/store.h"
#include "store_internal.h"
#include "base/util.h"
#include "record/record.h"

/*
 * Fleet coverage, collector counters, the alert queue and triage (written
 * by oopsctl and oops-web, read for the regression alert): see
 * doc/alerts.md.  Same tables and columns in the PostgreSQL store.
 */
#define STORE_SQLITE_FLEET_SCHEMA                                              \
	"CREATE TABLE IF NOT EXISTS heartbeats("                               \
	" host_key TEXT PRIMARY KEY, hostname TEXT, machine_id TEXT,"          \
	" agent_version TEXT, release TEXT, boot_id TEXT, sender TEXT,"        \
	" backlog INTEGER NOT NULL, interval_s INTEGER NOT NULL,"              \
	" received_us INTEGER NOT NULL) WITHOUT ROWID;"                        \
	"CREATE TABLE IF NOT EXISTS collectors("                               \
	" name TEXT PRIMARY KEY, version TEXT, counters TEXT NOT NULL,"        \
	" started_us INTEGER NOT NULL, updated_us INTEGER NOT NULL)"           \
	" WITHOUT ROWID;"                                                      \
	"CREATE TABLE IF NOT EXISTS alerts("                                   \
	" aid INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE,"                  \
	" kind TEXT NOT NULL, sig TEXT NOT NULL, title TEXT, release TEXT,"    \
	" host_key TEXT, count INTEGER NOT NULL, seen_us INTEGER NOT NULL,"    \
	" attempts INTEGER NOT NULL DEFAULT 0,"                                \
	" next_us INTEGER NOT NULL DEFAULT 0, delivered_us INTEGER,"           \
	" last_error TEXT);"                                                   \
	"CREATE INDEX IF NOT EXISTS alerts_due ON alerts(next_us)"             \
	" WHERE delivered_us IS NULL;"                                         \
	"CREATE TABLE IF NOT EXISTS triage(sig text PRIMARY KEY,"              \
	" state text NOT NULL CHECK (state IN ('open','fixed','ignored')),"    \
	" fixed_in text, bug text, note text, updated_us bigint NOT NULL);"

static const char store_sqlite_schema[] =
	"CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value)"
	" WITHOUT ROWID;"
	"INSERT OR IGNORE INTO meta VALUES('schema_version', 1);"
	"CREATE TABLE IF NOT EXISTS records("
	" rid INTEGER PRIMARY KEY,"
	" id BLOB NOT NULL UNIQUE,"
	" sig TEXT NOT NULL,"
	" stack_sig TEXT,"
	" host_key TEXT NOT NULL,"
	" release TEXT,"
	" kind INTEGER,"
	" source INTEGER,"
	" sender TEXT,"
	" seen_us INTEGER NOT NULL,"
	" received_us INTEGER NOT NULL,"
	" record BLOB NOT NULL);"
	/* The only index besides the id: every extra random-order index
	 * costs a page written per record.  Queries by time go through the
	 * per-signature ranges of this one. */
	"CREATE INDEX IF NOT EXISTS records_sig ON records(sig, seen_us);"
	"CREATE TABLE IF NOT EXISTS signatures("
	" sig TEXT PRIMARY KEY,"
	" title TEXT NOT NULL,"
	" kind TEXT NOT NULL,"
	" stack_sig TEXT,"
	" count INTEGER NOT NULL,"
	" hosts INTEGER NOT NULL,"
	" first_seen_us INTEGER NOT NULL,"
	" last_seen_us INTEGER NOT NULL,"
	" example_rid INTEGER);"
	"CREATE INDEX IF NOT EXISTS signatures_count ON signatures(count);"
	"CREATE TABLE IF NOT EXISTS sig_releases("
	" sig TEXT NOT NULL, release TEXT NOT NULL, count INTEGER NOT NULL,"
	" first_seen_us INTEGER NOT NULL, last_seen_us INTEGER NOT NULL,"
	" PRIMARY KEY(sig, release)) WITHOUT ROWID;"
	"CREATE TABLE IF NOT EXISTS sig_hosts("
	" sig TEXT NOT NULL, host_key TEXT NOT NULL, hostname TEXT,"
	" count INTEGER NOT NULL,"
	" first_seen_us INTEGER NOT NULL, last_seen_us INTEGER NOT NULL,"
	" PRIMARY KEY(sig, host_key)) WITHOUT ROWID;"
	"CREATE TABLE IF NOT EXISTS hosts("
	" host_key TEXT PRIMARY KEY, hostname TEXT, machine_id TEXT,"
	" last_release TEXT, last_sender TEXT,"
	" count INTEGER NOT NULL, signatures INTEGER NOT NULL,"
	" first_seen_us INTEGER NOT NULL, last_seen_us INTEGER NOT NULL)"
	" WITHOUT ROWID;"
	"CREATE TABLE IF NOT EXISTS sig_hours("
	" sig TEXT NOT NULL, hour INTEGER NOT NULL, count INTEGER NOT NULL,"
	" PRIMARY KEY(sig, hour)) WITHOUT ROWID;"
	"CREATE INDEX IF NOT EXISTS sig_hours_hour ON sig_hours(hour);"
	STORE_SQLITE_FLEET_SCHEMA;

enum {
	S_BEGIN,
	S_COMMIT,
	S_ROLLBACK,
	S_INS_RECORD,
	S_UPS_SIG_HOST,
	S_UPS_SIG,
	S_UPS_SIG_RELEASE,
	S_UPS_HOST,
	S_UPS_SIG_HOUR,
	S_SIG_RELEASES,
	S_ALERT_SIG,
	S_ALERT_RELEASE,
	S_ALERT_SPIKE,
	S_COUNT
};

/* Signatures triaged this way raise no alert of the kind. */
#define SQ_NOT_TRIAGED(states)                                                 \
	" AND NOT EXISTS (SELECT 1 FROM triage t WHERE t.sig = ?1"             \
	" AND t.state IN (" states "))"

/* Statements of the write path (and one the queries use), prepared once. */
static const char *const store_sqlite_sql[S_COUNT] = {
	[S_BEGIN] = "BEGIN IMMEDIATE",
	[S_COMMIT] = "COMMIT",
	[S_ROLLBACK] = "ROLLBACK",
	[S_INS_RECORD] =
		"INSERT INTO records(id, sig, stack_sig, host_key, release,"
		" kind, source, sender, seen_us, received_us, record)"
		" VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"
		" ON CONFLICT(id) DO NOTHING",
	/* The aggregates are updated once per group of a batch (same
	 * signature, host, ...): ?n records, seen from ?first to ?last. */
	[S_UPS_SIG_HOST] =
		"INSERT INTO sig_hosts VALUES(?1, ?2, ?3, ?4, ?5, ?6)"
		" ON CONFLICT DO UPDATE SET count = count + excluded.count,"
		" hostname = coalesce(excluded.hostname, hostname),"
		" first_seen_us = min(first_seen_us, excluded.first_seen_us),"
		" last_seen_us = max(last_seen_us, excluded.last_seen_us)"
		" RETURNING count",
	/* ?6 is the number of hosts new for this signature.  The example
	 * is the newest record, so retention (which deletes the oldest)
	 * rarely meets an example.  In SET, bare column names are the
	 * row's values before the update. */
	[S_UPS_SIG] =
		"INSERT INTO signatures VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"
		" ON CONFLICT DO UPDATE SET count = count + excluded.count,"
		" hosts = hosts + excluded.hosts,"
		" first_seen_us = min(first_seen_us, excluded.first_seen_us),"
		" last_seen_us = max(last_seen_us, excluded.last_seen_us),"
		/* The newest arrival (the greatest rid) is the example,
		 * never the latest claimed crash time. */
		" title = iif(excluded.example_rid > coalesce(example_rid, 0),"
		"  excluded.title, title),"
		" kind = iif(excluded.example_rid > coalesce(example_rid, 0),"
		"  excluded.kind, kind),"
		" stack_sig = iif(excluded.example_rid >"
		"  coalesce(example_rid, 0), excluded.stack_sig, stack_sig),"
		" example_rid = max(excluded.example_rid,"
		"  coalesce(example_rid, 0))",
	[S_UPS_SIG_RELEASE] =
		"INSERT INTO sig_releases VALUES(?1, ?2, ?3, ?4, ?5)"
		" ON CONFLICT DO UPDATE SET count = count + excluded.count,"
		" first_seen_us = min(first_seen_us, excluded.first_seen_us),"
		" last_seen_us = max(last_seen_us, excluded.last_seen_us)",
	[S_UPS_HOST] =
		"INSERT INTO hosts VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"
		" ON CONFLICT DO UPDATE SET count = count + excluded.count,"
		" signatures = signatures + excluded.signatures,"
		" hostname = coalesce(excluded.hostname, hostname),"
		" machine_id = coalesce(excluded.machine_id, machine_id),"
		" last_release = iif(excluded.last_seen_us >= last_seen_us,"
		"  coalesce(excluded.last_release, last_release), last_release),"
		" last_sender = coalesce(excluded.last_sender, last_sender),"
		" first_seen_us = min(first_seen_us, excluded.first_seen_us),"
		" last_seen_us = max(last_seen_us, excluded.last_seen_us)",
	[S_UPS_SIG_HOUR] =
		"INSERT INTO sig_hours VALUES(?1, ?2, ?3)"
		" ON CONFLICT DO UPDATE SET count = count + excluded.count",
	[S_SIG_RELEASES] =
		"SELECT release, count, first_seen_us, last_seen_us"
		" FROM sig_releases WHERE sig = ?1"
		" ORDER BY first_seen_us, release",
	/* The alerts of a batch (store.h), run right after the upsert of
	 * their group: ?2 is the group's size, so a row whose count equals
	 * it was created by this batch. */
	[S_ALERT_SIG] =
		"INSERT OR IGNORE INTO alerts(key, kind, sig, title, release,"
		" host_key, count, seen_us)"
		" SELECT 'new_signature:' || sig, 'new_signature', sig, title,"
		" ?3, ?4, count, last_seen_us FROM signatures"
		" WHERE sig = ?1 AND count = ?2" SQ_NOT_TRIAGED("'ignored'"),
	/* A new release of a known signature, and a regression of a fixed
	 * one, in one statement.  ?3 the group's size, ?4 the signature's
	 * records in the batch (more in the store: the signature is not
	 * new), ?6 the group's newest seen time. */
	[S_ALERT_RELEASE] =
		"INSERT OR IGNORE INTO alerts(key, kind, sig, title, release,"
		" host_key, count, seen_us)"
		" SELECT 'new_release:' || r.sig || ':' || r.release,"
		" 'new_release', r.sig, s.title, r.release, ?5, r.count,"
		" r.last_seen_us FROM sig_releases r JOIN signatures s"
		" ON s.sig = r.sig WHERE r.sig = ?1 AND r.release = ?2"
		" AND r.count = ?3 AND s.count > ?4 AND r.release <> 'unknown'"
		SQ_NOT_TRIAGED("'ignored', 'fixed'")
		" UNION ALL"
		" SELECT 'regression:' || t.sig || ':' || t.updated_us,"
		" 'regression', t.sig, s.title, ?2, ?5, ?3, ?6"
		" FROM triage t JOIN signatures s ON s.sig = t.sig"
		" WHERE t.sig = ?1 AND t.state = 'fixed' AND"
		" iif(coalesce(t.fixed_in, '') = '', ?6 > t.updated_us,"
		"  oopsd_relcmp(?2, t.fixed_in) >= 0)",
	/* ?2 the hour, ?3 spike_min, ?4 spike_factor. */
	[S_ALERT_SPIKE] =
		"INSERT OR IGNORE INTO alerts(key, kind, sig, title, release,"
		" host_key, count, seen_us)"
		" SELECT 'spike:' || h.sig || ':' || h.hour, 'spike', h.sig,"
		" s.title, ?6, ?5, h.count, s.last_seen_us"
		" FROM sig_hours h JOIN signatures s ON s.sig = h.sig"
		" WHERE h.sig = ?1 AND h.hour = ?2 AND h.count >= ?3"
		" AND s.first_seen_us < ?2 * 3600000000"
		" AND h.count * 24 >= ?4 * coalesce((SELECT sum(b.count)"
		"  FROM sig_hours b WHERE b.sig = ?1 AND b.hour >= ?2 - 24"
		"  AND b.hour < ?2), 0)" SQ_NOT_TRIAGED("'ignored'"),
};

struct store_sqlite {
	struct store base;
	sqlite3 *db;
	char *path;
	bool readonly;
	sqlite3_stmt *stmt[S_COUNT];
	bool corrupt; /* SQLite said so: no write is trusted any more */
	struct store_agg *agg;
	size_t agg_cap;
};

static struct store_sqlite *to_sq(struct store *st)
{
	return (struct store_sqlite *)st;
}

/* Keep SQLite's words for the caller to log (store_errmsg()). */
static int sq_err(struct store_sqlite *sq, int rc, const char *what)
{
	snprintf(sq->base.errmsg, sizeof(sq->base.errmsg), "%s: %.80s: %s",
		 sq->path, what, sqlite3_errmsg(sq->db));
	if (rc == SQLITE_CORRUPT || rc == SQLITE_NOTADB) {
		/* Whatever this store says it stored may not be there: from
		 * now on it stores (and so acknowledges) nothing. */
		sq->corrupt = true;
		return -EUCLEAN;
	}
	if (rc == SQLITE_FULL)
		return -ENOSPC;
	if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
		return -EBUSY;
	return -EIO;
}

static void sq_close(struct store *st)
{
	struct store_sqlite *sq = to_sq(st);

	for (int i = 0; i < S_COUNT; i++)
		sqlite3_finalize(sq->stmt[i]);
	sqlite3_close(sq->db);
	free(sq->path);
	free(sq->agg);
	free(sq);
}

static int sq_exec(struct store_sqlite *sq, const char *sql)
{
	int rc = sqlite3_exec(sq->db, sql, NULL, NULL, NULL);

	return rc == SQLITE_OK ? 0 : sq_err(sq, rc, sql);
}

/* oopsd_relcmp(a, b): store_release_cmp() in SQL. */
static void sq_relcmp(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	sqlite3_result_int(ctx, store_release_cmp(
		(const char *)sqlite3_value_text(argv[0]),
		(const char *)sqlite3_value_text(argv[1])));
}
static int sq_check(struct store *st, bool full, char *msg, size_t len);

static int sq_open(const char *path, unsigned flags, struct store **out)
{
	struct store_sqlite *sq;
	int oflags, rc, err = -EIO;

	if (path[0] == '\0')
		return -EINVAL;
	/* Memory statistics cost a lock per allocation and nobody reads
	 * them.  Only possible before SQLite initialises; later calls fail
	 * harmlessly. */
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
	if ((flags & STORE_READONLY) && access(path, F_OK) != 0) {
		err = -errno;
		log_warnx("store %s: %s", path, strerror(errno));
		return err;
	}
	sq = calloc(1, sizeof(*sq));
	if (sq == NULL)
		return -ENOMEM;
	sq->path = strdup(path);
	if (sq->path == NULL) {
		free(sq);
		return -ENOMEM;
	}
	sq->readonly = flags & STORE_READONLY;
	oflags = sq->readonly ? SQLITE_OPEN_READONLY :
				SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
	rc = sqlite3_open_v2(path, &sq->db, oflags | SQLITE_OPEN_NOMUTEX,
			     NULL);
	if (rc != SQLITE_OK) {
		log_warnx("store %s: %s", path,
			  sq->db ? sqlite3_errmsg(sq->db) : "cannot open");
		goto fail;
	}
	sqlite3_busy_timeout(sq->db, 5000);
	sqlite3_extended_result_codes(sq->db, 0);
	/* The regression alert compares releases as versions. */
	sqlite3_create_function(sq->db, "oopsd_relcmp", 2,
				SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL,
				sq_relcmp, NULL, NULL);
	if (!sq->readonly) {
		/* WAL: readers (oopsctl) never block the collector.
		 * synchronous=FULL: a COMMIT fsyncs the WAL, which is what
		 * makes an acknowledgement after it honest. */
		if ((err = sq_exec(sq, "PRAGMA journal_mode=WAL")) < 0 ||
		    (err = sq_exec(sq, "PRAGMA synchronous=FULL")) < 0 ||
		    (err = sq_exec(sq, "PRAGMA cache_size=-65536")) < 0 ||
		    (err = sq_exec(sq, "PRAGMA mmap_size=1073741824")) < 0 ||
		    (err = sq_exec(sq, "PRAGMA wal_autocheckpoint=16384")) < 0 ||
		    (err = sq_exec(sq, store_sqlite_schema)) < 0 ||
		    (err = sq_exec(sq, store_query_schema)) < 0)
			goto fail;
		/*
		 * A damaged file still takes new rows: without this the
		 * collector would acknowledge records into a store whose
		 * pages it cannot read back.  quick_check reads every page
		 * once (seconds for a large store), at start only.
		 */
		{
			char what[256];

			err = sq_check(&sq->base, false, what, sizeof(what));
			if (err == -EUCLEAN)
				snprintf(sq->base.errmsg,
					 sizeof(sq->base.errmsg),
					 "%s: damaged (quick_check: %.200s); "
					 "see oopsctl store check", path, what);
			if (err < 0)
				goto fail;
		}
	} else {
		/* A store the collector never created has no tables yet. */
		sqlite3_stmt *s = NULL;

		rc = sqlite3_prepare_v2(sq->db,
					"SELECT 1 FROM sqlite_master WHERE "
					"name = 'signatures'",
					-1, &s, NULL);
		if (rc != SQLITE_OK || sqlite3_step(s) != SQLITE_ROW) {
			sqlite3_finalize(s);
			log_warnx("store %s: not an oopsd store", path);
			err = -ENOENT;
			goto fail;
		}
		sqlite3_finalize(s);
	}
	for (int i = 0; i < S_COUNT; i++) {
		if (sq->readonly && i != S_SIG_RELEASES)
			continue;
		rc = sqlite3_prepare_v3(sq->db, store_sqlite_sql[i], -1,
					SQLITE_PREPARE_PERSISTENT,
					&sq->stmt[i], NULL);
		if (rc != SQLITE_OK) {
			err = sq_err(sq, rc, store_sqlite_sql[i]);
			goto fail;
		}
	}
	*out = &sq->base;
	return 0;
fail:
	/* No store for the caller to ask: say why here. */
	if (sq->base.errmsg[0] != '\0')
		log_warnx("store %s", sq->base.errmsg);
	sq_close(&sq->base);
	return err;
}

static int bind_text(sqlite3_stmt *s, int i, const char *v)
{
	if (v == NULL || v[0] == '\0')
		return sqlite3_bind_null(s, i);
	return sqlite3_bind_text(s, i, v, -1, SQLITE_STATIC);
}

/* Run a statement that returns no rows (or ignores them). */
static int step_done(struct store_sqlite *sq, sqlite3_stmt *s, int64_t *col0)
{
	int rc = sqlite3_step(s);

	if (rc == SQLITE_ROW) {
		if (col0 != NULL)
			*col0 = sqlite3_column_int64(s, 0);
		rc = sqlite3_step(s);
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		return sq_err(sq, rc, sqlite3_sql(s));
	return 0;
}

/* Insert one record; its aggregates are added for the whole batch. */
static int put_one(struct store_sqlite *sq, struct store_put *p,
		   struct store_agg *ag)
{
	const Oopsd__CrashRecord *r = p->rec;
	sqlite3_stmt *s = sq->stmt[S_INS_RECORD];
	int rc;

	store_agg_fill(ag, p);
	sqlite3_bind_blob(s, 1, r->id.data, (int)r->id.len, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, ag->sig, -1, SQLITE_STATIC);
	if (ag->has_stack)
		sqlite3_bind_text(s, 3, ag->stack_sig, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(s, 3);
	sqlite3_bind_text(s, 4, ag->host_key, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 5, ag->release, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 6, ag->kind);
	sqlite3_bind_int(s, 7, r->origin ? (int)r->origin->source : 0);
	bind_text(s, 8, p->sender);
	sqlite3_bind_int64(s, 9, ag->seen);
	sqlite3_bind_int64(s, 10, p->received_us);
	sqlite3_bind_blob(s, 11, p->packed, (int)p->packed_len, SQLITE_STATIC);
	if ((rc = step_done(sq, s, NULL)) < 0)
		return rc;
	if (sqlite3_changes(sq->db) == 0) {
		p->result = STORE_PUT_DUPLICATE;
		return 0;
	}
	ag->rid = sqlite3_last_insert_rowid(sq->db);
	p->result = STORE_PUT_STORED;
	return 1;
}

/* The aggregate UPSERTs, one per group (store_agg_apply()). */
static int64_t sq_agg_sig_host(void *arg, const struct store_agg_group *g)
{
	struct store_sqlite *sq = arg;
	sqlite3_stmt *s = sq->stmt[S_UPS_SIG_HOST];
	int64_t ret = 0;
	int rc;

	sqlite3_bind_text(s, 1, g->key->sig, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, g->key->host_key, -1, SQLITE_STATIC);
	bind_text(s, 3, g->newest->hostname);
	sqlite3_bind_int64(s, 4, g->n);
	sqlite3_bind_int64(s, 5, g->first);
	sqlite3_bind_int64(s, 6, g->last);
	if ((rc = step_done(sq, s, &ret)) < 0)
		return rc;
	return ret;
}

static int sq_agg_sig(void *arg, const struct store_agg_group *g)
{
	struct store_sqlite *sq = arg;
	sqlite3_stmt *s = sq->stmt[S_UPS_SIG];
	const struct store_agg *e = g->newest;

	sqlite3_bind_text(s, 1, e->sig, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, e->title, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, record_kind_name(e->kind), -1, SQLITE_STATIC);
	if (e->has_stack)
		sqlite3_bind_text(s, 4, e->stack_sig, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(s, 4);
	sqlite3_bind_int64(s, 5, g->n);
	sqlite3_bind_int64(s, 6, g->news);
	sqlite3_bind_int64(s, 7, g->first);
	sqlite3_bind_int64(s, 8, g->last);
	sqlite3_bind_int64(s, 9, e->rid);
	return step_done(sq, s, NULL);
}

static int sq_agg_release(void *arg, const struct store_agg_group *g)
{
	struct store_sqlite *sq = arg;
	sqlite3_stmt *s = sq->stmt[S_UPS_SIG_RELEASE];

	sqlite3_bind_text(s, 1, g->key->sig, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, g->key->release, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, g->n);
	sqlite3_bind_int64(s, 4, g->first);
	sqlite3_bind_int64(s, 5, g->last);
	return step_done(sq, s, NULL);
}

static int sq_agg_host(void *arg, const struct store_agg_group *g)
{
	struct store_sqlite *sq = arg;
	sqlite3_stmt *s = sq->stmt[S_UPS_HOST];

	sqlite3_bind_text(s, 1, g->key->host_key, -1, SQLITE_STATIC);
	bind_text(s, 2, g->newest->hostname);
	bind_text(s, 3, g->newest->machine_id);
	bind_text(s, 4, g->release);
	bind_text(s, 5, g->newest->sender);
	sqlite3_bind_int64(s, 6, g->n);
	sqlite3_bind_int64(s, 7, g->news);
	sqlite3_bind_int64(s, 8, g->first);
	sqlite3_bind_int64(s, 9, g->last);
	return step_done(sq, s, NULL);
}

static int sq_agg_hour(void *arg, const struct store_agg_group *g)
{
	struct store_sqlite *sq = arg;
	sqlite3_stmt *s = sq->stmt[S_UPS_SIG_HOUR];

	sqlite3_bind_text(s, 1, g->key->sig, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, g->key->hour);
	sqlite3_bind_int64(s, 3, g->n);
	return step_done(sq, s, NULL);
}

static int sq_alert_sig(void *arg, const struct store_agg_group *g)
{
	struct store_sqlite *sq = arg;
	sqlite3_stmt *s = sq->stmt[S_ALERT_SIG];

	sqlite3_bind_text(s, 1, g->key->sig, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, g->n);
	bind_text(s, 3, g->newest->release);
	bind_text(s, 4, g->newest->host_key);
	return step_done(sq, s, NULL);
}

static int sq_alert_release(void *arg, const struct store_agg_group *g)
{
	struct store_sqlite *sq = arg;
	sqlite3_stmt *s = sq->stmt[S_ALERT_RELEASE];

	sqlite3_bind_text(s, 1, g->key->sig, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, g->key->release, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, g->n);
	sqlite3_bind_int64(s, 4, g->sig_n);
	bind_text(s, 5, g->newest->host_key);
	sqlite3_bind_int64(s, 6, g->last);
	return step_done(sq, s, NULL);
}

static int sq_alert_hour(void *arg, const struct store_agg_group *g)
{
	struct store_sqlite *sq = arg;
	sqlite3_stmt *s = sq->stmt[S_ALERT_SPIKE];

	sqlite3_bind_text(s, 1, g->key->sig, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, g->key->hour);
	sqlite3_bind_int64(s, 3, sq->base.alert_rules.spike_min);
	sqlite3_bind_int64(s, 4, sq->base.alert_rules.spike_factor);
	bind_text(s, 5, g->newest->host_key);
	bind_text(s, 6, g->newest->release);
	return step_done(sq, s, NULL);
}

static const struct store_agg_sink sq_agg_sink = {
	.sig_host = sq_agg_sig_host,
	.sig = sq_agg_sig,
	.release = sq_agg_release,
	.host = sq_agg_host,
	.hour = sq_agg_hour,
};

/* The same, raising alerts. */
static const struct store_agg_sink sq_agg_sink_alerts = {
	.sig_host = sq_agg_sig_host,
	.sig = sq_agg_sig,
	.release = sq_agg_release,
	.host = sq_agg_host,
	.hour = sq_agg_hour,
	.alert_sig = sq_alert_sig,
	.alert_release = sq_alert_release,
	.alert_hour = sq_alert_hour,
};

static int sq_put_batch(struct store *st, struct store_put *items, size_t n)
{
	struct store_sqlite *sq = to_sq(st);
	size_t nagg = 0;
	int stored = 0, rc;

	if (sq->readonly)
		return -EROFS;
	if (sq->corrupt) {
		snprintf(sq->base.errmsg, sizeof(sq->base.errmsg),
			 "%s: the database is damaged (SQLite said so): nothing "
			 "is stored or acknowledged; stop the collector and "
			 "recover it (oopsctl store check)", sq->path);
		return -EUCLEAN;
	}
	if (n == 0)
		return 0;
	/* Sized to the first batch; a batch too large to index is refused
	 * before any of it is read. */
	rc = array_grow_bounded((void **)&sq->agg, &sq->agg_cap, n,
				sizeof(*sq->agg), n, SIZE_MAX);
	if (rc < 0)
		return rc;
	if ((rc = step_done(sq, sq->stmt[S_BEGIN], NULL)) < 0)
		return rc;
	for (size_t i = 0; i < n; i++) {
		if (!store_put_valid(&items[i])) {
			items[i].result = STORE_PUT_INVALID;
			continue;
		}
		rc = put_one(sq, &items[i], &sq->agg[nagg]);
		if (rc < 0)
			goto rollback;
		nagg += (size_t)rc;
		stored += rc;
	}
	if ((rc = store_agg_apply(sq->agg, nagg,
				  sq->base.alert_rules.enabled ?
					  &sq_agg_sink_alerts : &sq_agg_sink,
				  sq)) < 0)
		goto rollback;
	if ((rc = step_done(sq, sq->stmt[S_COMMIT], NULL)) < 0)
		goto rollback;
	return stored;
rollback:
	step_done(sq, sq->stmt[S_ROLLBACK], NULL);
	return rc;
}

static char *col_strdup(sqlite3_stmt *s, int i)
{
	const unsigned char *t = sqlite3_column_text(s, i);

	return t ? strdup((const char *)t) : NULL;
}

static void col_sig(sqlite3_stmt *s, int i, char out[STORE_SIG_LEN])
{
	const unsigned char *t = sqlite3_column_text(s, i);

	str_lcpy(out, t ? (const char *)t : "", STORE_SIG_LEN);
}

static int load_releases(struct store_sqlite *sq, struct store_sig *sig)
{
	sqlite3_stmt *s = sq->stmt[S_SIG_RELEASES];
	size_t cap = 0;
	int rc;

	sqlite3_bind_text(s, 1, sig->signature, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct store_release *r;

		if (array_grow_bounded((void **)&sig->releases, &cap,
				       sig->n_releases + 1, sizeof(*r), 4,
				       SIZE_MAX) < 0) {
			sqlite3_reset(s);
			return -ENOMEM;
		}
		r = &sig->releases[sig->n_releases++];
		r->release = col_strdup(s, 0);
		r->count = (uint64_t)sqlite3_column_int64(s, 1);
		r->first_seen_us = sqlite3_column_int64(s, 2);
		r->last_seen_us = sqlite3_column_int64(s, 3);
	}
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? 0 : sq_err(sq, rc, "releases");
}

/*
 * Every signature's releases at once, for a top that prints many rows:
 * one scan of sig_releases instead of one query per signature.
 */
struct rel_row {
	char sig[STORE_SIG_LEN];
	struct store_release r;
};

struct rel_cache {
	struct rel_row *rows; /* by signature, then first seen */
	size_t n;
};

static void rel_cache_free(struct rel_cache *c)
{
	for (size_t i = 0; i < c->n; i++)
		free(c->rows[i].r.release);
	free(c->rows);
	memset(c, 0, sizeof(*c));
}

static int rel_cache_load(struct store_sqlite *sq, struct rel_cache *c)
{
	sqlite3_stmt *s = NULL;
	size_t cap = 0;
	int rc = sqlite3_prepare_v2(sq->db,
				    "SELECT sig, release, count, first_seen_us,"
				    " last_seen_us FROM sig_releases"
				    " ORDER BY sig, first_seen_us, release",
				    -1, &s, NULL);

	if (rc != SQLITE_OK)
		return sq_err(sq, rc, "releases");
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct rel_row *row;

		if (array_grow_bounded((void **)&c->rows, &cap, c->n + 1,
				       sizeof(*row), 1024, SIZE_MAX) < 0) {
			sqlite3_finalize(s);
			return -ENOMEM;
		}
		row = &c->rows[c->n++];
		col_sig(s, 0, row->sig);
		row->r.release = col_strdup(s, 1);
		row->r.count = (uint64_t)sqlite3_column_int64(s, 2);
		row->r.first_seen_us = sqlite3_column_int64(s, 3);
		row->r.last_seen_us = sqlite3_column_int64(s, 4);
	}
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? 0 : sq_err(sq, rc, "releases");
}

static const char *rel_row_sig(const void *rows, size_t i)
{
	return ((const struct rel_row *)rows)[i].sig;
}

static int rel_cache_get(const struct rel_cache *c, struct store_sig *sig)
{
	size_t lo, end;

	/* SQLite sorts TEXT by memcmp, as strcmp does for these hex
	 * strings. */
	if (c->rows == NULL)
		return 0;
	end = store_sig_rows(c->rows, c->n, rel_row_sig, sig->signature, &lo);
	if (end == lo)
		return 0;
	sig->releases = calloc(end - lo, sizeof(*sig->releases));
	if (sig->releases == NULL)
		return -ENOMEM;
	for (size_t i = lo; i < end; i++) {
		struct store_release *r = &sig->releases[sig->n_releases++];

		*r = c->rows[i].r;
		r->release = c->rows[i].r.release ?
				     strdup(c->rows[i].r.release) : NULL;
	}
	return 0;
}

/* Above this many rows, top reads all releases in one scan. */
#define TOP_BULK_RELEASES 100

/* Columns 0..8 of the signature queries below. */
#define SIG_COLUMNS                                                            \
	"s.sig, s.title, s.kind, s.stack_sig, s.count, s.hosts,"              \
	" s.first_seen_us, s.last_seen_us"

static void row_to_sig(sqlite3_stmt *s, struct store_sig *sig)
{
	memset(sig, 0, sizeof(*sig));
	col_sig(s, 0, sig->signature);
	sig->title = col_strdup(s, 1);
	sig->kind = col_strdup(s, 2);
	col_sig(s, 3, sig->stack_signature);
	sig->total = (uint64_t)sqlite3_column_int64(s, 4);
	sig->count = sig->total;
	sig->hosts = (uint64_t)sqlite3_column_int64(s, 5);
	sig->first_seen_us = sqlite3_column_int64(s, 6);
	sig->last_seen_us = sqlite3_column_int64(s, 7);
}

static int hosts_since(struct store_sqlite *sq, sqlite3_stmt **s,
		       const char *sig, int64_t since_us, uint64_t *out)
{
	int rc;

	if (*s == NULL) {
		rc = sqlite3_prepare_v2(sq->db,
					"SELECT count(*) FROM sig_hosts WHERE"
					" sig = ?1 AND last_seen_us >= ?2",
					-1, s, NULL);
		if (rc != SQLITE_OK)
			return sq_err(sq, rc, "top hosts");
	}
	sqlite3_bind_text(*s, 1, sig, -1, SQLITE_STATIC);
	sqlite3_bind_int64(*s, 2, since_us);
	rc = sqlite3_step(*s);
	*out = rc == SQLITE_ROW ? (uint64_t)sqlite3_column_int64(*s, 0) : 0;
	sqlite3_reset(*s);
	return rc == SQLITE_ROW ? 0 : sq_err(sq, rc, "top hosts");
}

static int sq_top(struct store *st, const struct store_top_query *q,
		  store_sig_fn fn, void *arg)
{
	struct store_sqlite *sq = to_sq(st);
	sqlite3_stmt *s = NULL, *hosts = NULL;
	struct rel_cache rels = { 0 };
	bool bulk = !q->no_releases &&
		    (q->limit == 0 || q->limit > TOP_BULK_RELEASES);
	int rc, n = 0, err = 0;

	if (bulk && (err = rel_cache_load(sq, &rels)) < 0) {
		rel_cache_free(&rels);
		return err;
	}

	if (q->since_us <= 0) {
		/* All time: the aggregate table in count order. */
		rc = sqlite3_prepare_v2(
			sq->db,
			"SELECT " SIG_COLUMNS " FROM signatures s"
			" ORDER BY s.count DESC, s.last_seen_us DESC, s.sig"
			" LIMIT ?1",
			-1, &s, NULL);
	} else {
		/* A window: whole hours from the hourly buckets, the hour
		 * the window starts in from the records themselves, so the
		 * count is exact; hosts are those whose last record of the
		 * signature falls in the window. */
		rc = sqlite3_prepare_v2(
			sq->db,
			"WITH w(sig, n) AS ("
			" SELECT sig, sum(count) FROM sig_hours"
			"  WHERE hour > ?2 GROUP BY sig"
			" UNION ALL"
			" SELECT h.sig, (SELECT count(*) FROM records r"
			"  WHERE r.sig = h.sig AND r.seen_us >= ?3"
			"  AND r.seen_us < ?4) FROM sig_hours h"
			"  WHERE h.hour = ?2),"
			" t(sig, n) AS (SELECT sig, sum(n) FROM w GROUP BY sig)"
			" SELECT " SIG_COLUMNS ", t.n"
			" FROM t JOIN signatures s ON s.sig = t.sig"
			" WHERE t.n > 0"
			" ORDER BY t.n DESC, s.last_seen_us DESC, s.sig"
			" LIMIT ?1",
			-1, &s, NULL);
	}
	if (rc != SQLITE_OK) {
		rel_cache_free(&rels);
		return sq_err(sq, rc, "top");
	}
	sqlite3_bind_int64(s, 1, q->limit ? (int64_t)q->limit : -1);
	if (q->since_us > 0) {
		int64_t hour = q->since_us / STORE_US_PER_HOUR;

		sqlite3_bind_int64(s, 2, hour);
		sqlite3_bind_int64(s, 3, q->since_us);
		sqlite3_bind_int64(s, 4, (hour + 1) * STORE_US_PER_HOUR);
	}
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct store_sig sig;
		int stop;

		row_to_sig(s, &sig);
		if (q->since_us > 0) {
			sig.count = (uint64_t)sqlite3_column_int64(s, 8);
			/* Hosts whose last record of the signature is in the
			 * window, only for the rows printed. */
			err = hosts_since(sq, &hosts, sig.signature,
					  q->since_us, &sig.hosts);
		}
		if (err == 0 && !q->no_releases)
			err = bulk ? rel_cache_get(&rels, &sig) :
				     load_releases(sq, &sig);
		if (err < 0) {
			store_sig_free(&sig);
			break;
		}
		n++;
		stop = fn(&sig, arg);
		store_sig_free(&sig);
		if (stop)
			break;
	}
	if (err == 0 && rc != SQLITE_ROW && rc != SQLITE_DONE)
		err = sq_err(sq, rc, "top");
	sqlite3_finalize(s);
	sqlite3_finalize(hosts);
	rel_cache_free(&rels);
	return err < 0 ? err : n;
}

static int sq_hosts(struct store *st, store_host_fn fn, void *arg)
{
	struct store_sqlite *sq = to_sq(st);
	sqlite3_stmt *s = NULL;
	int rc, n = 0;

	rc = sqlite3_prepare_v2(sq->db,
				"SELECT host_key, hostname, machine_id,"
				" last_release, last_sender, count, signatures,"
				" first_seen_us, last_seen_us FROM hosts"
				" ORDER BY last_seen_us DESC, host_key",
				-1, &s, NULL);
	if (rc != SQLITE_OK)
		return sq_err(sq, rc, "hosts");
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct store_host h = {
			.host_key = (char *)sqlite3_column_text(s, 0),
			.hostname = (char *)sqlite3_column_text(s, 1),
			.machine_id = (char *)sqlite3_column_text(s, 2),
			.last_release = (char *)sqlite3_column_text(s, 3),
			.last_sender = (char *)sqlite3_column_text(s, 4),
			.count = (uint64_t)sqlite3_column_int64(s, 5),
			.signatures = (uint64_t)sqlite3_column_int64(s, 6),
			.first_seen_us = sqlite3_column_int64(s, 7),
			.last_seen_us = sqlite3_column_int64(s, 8),
		};

		n++;
		if (fn(&h, arg))
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		n = sq_err(sq, rc, "hosts");
	}
	sqlite3_finalize(s);
	return n;
}

static int sq_export(struct store *st, const struct store_export_query *q,
		     store_rec_fn fn, void *arg)
{
	struct store_sqlite *sq = to_sq(st);
	sqlite3_stmt *s = NULL;
	char sql[512];
	int rc, n = 0;

	/* Spelled out per case so that a signature's records come from
	 * the (sig, seen_us) index, in its order, not from a scan. */
	snprintf(sql, sizeof(sql),
		 "SELECT id, sig, host_key, sender, seen_us, received_us,"
		 " record, release FROM records WHERE %s"
		 " seen_us >= ?2 ORDER BY %s LIMIT ?3",
		 q->signature ? "sig = ?1 AND" : "",
		 q->newest_first ? (q->signature ? "seen_us DESC" :
						   "seen_us DESC, rid DESC") :
				   "rid");
	rc = sqlite3_prepare_v2(sq->db, sql, -1, &s, NULL);
	if (rc != SQLITE_OK)
		return sq_err(sq, rc, "export");
	if (q->signature != NULL)
		sqlite3_bind_text(s, 1, q->signature, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, q->since_us > 0 ? q->since_us : INT64_MIN);
	sqlite3_bind_int64(s, 3, q->limit ? (int64_t)q->limit : -1);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct store_rec r = {
			.id = sqlite3_column_blob(s, 0),
			.id_len = (size_t)sqlite3_column_bytes(s, 0),
			.signature = (const char *)sqlite3_column_text(s, 1),
			.host_key = (const char *)sqlite3_column_text(s, 2),
			.sender = (const char *)sqlite3_column_text(s, 3),
			.seen_us = sqlite3_column_int64(s, 4),
			.received_us = sqlite3_column_int64(s, 5),
			.packed = sqlite3_column_blob(s, 6),
			.packed_len = (size_t)sqlite3_column_bytes(s, 6),
			.release = (const char *)sqlite3_column_text(s, 7),
		};

		n++;
		if (fn(&r, arg))
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		n = sq_err(sq, rc, "export");
	sqlite3_finalize(s);
	return n;
}

static int sq_show(struct store *st, const char *signature, size_t max_hosts,
		   struct store_sig_detail **out)
{
	struct store_sqlite *sq = to_sq(st);
	struct store_sig_detail *d = NULL;
	char pattern[STORE_SIG_LEN + 1], lower[STORE_SIG_LEN];
	sqlite3_stmt *s = NULL;
	int64_t example_rid = 0;
	int rc, err = -EIO;

	*out = NULL;
	if (store_sig_prefix(signature, lower) < 0)
		return -EINVAL;
	snprintf(pattern, sizeof(pattern), "%s*", lower);
	rc = sqlite3_prepare_v2(sq->db,
				"SELECT " SIG_COLUMNS ", s.example_rid"
				" FROM signatures s WHERE s.sig GLOB ?1 LIMIT 2",
				-1, &s, NULL);
	if (rc != SQLITE_OK)
		return sq_err(sq, rc, "show");
	sqlite3_bind_text(s, 1, pattern, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_DONE) {
		err = -ENOENT;
		goto out;
	}
	if (rc != SQLITE_ROW) {
		err = sq_err(sq, rc, "show");
		goto out;
	}
	d = calloc(1, sizeof(*d));
	if (d == NULL) {
		err = -ENOMEM;
		goto out;
	}
	row_to_sig(s, &d->sig);
	example_rid = sqlite3_column_int64(s, 8);
	if (sqlite3_step(s) == SQLITE_ROW) {
		err = -EEXIST;
		goto out;
	}
	sqlite3_finalize(s);
	s = NULL;
	if ((err = load_releases(sq, &d->sig)) < 0)
		goto out;

	rc = sqlite3_prepare_v2(sq->db,
				"SELECT host_key, hostname, count, first_seen_us,"
				" last_seen_us FROM sig_hosts WHERE sig = ?1"
				" ORDER BY count DESC, last_seen_us DESC LIMIT ?2",
				-1, &s, NULL);
	if (rc != SQLITE_OK) {
		err = sq_err(sq, rc, "show hosts");
		goto out;
	}
	sqlite3_bind_text(s, 1, d->sig.signature, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, (int64_t)max_hosts);
	d->hosts = calloc(max_hosts ? max_hosts : 1, sizeof(*d->hosts));
	if (d->hosts == NULL) {
		err = -ENOMEM;
		goto out;
	}
	while ((rc = sqlite3_step(s)) == SQLITE_ROW && d->n_hosts < max_hosts) {
		struct store_sig_host *h = &d->hosts[d->n_hosts++];

		h->host_key = col_strdup(s, 0);
		h->hostname = col_strdup(s, 1);
		h->count = (uint64_t)sqlite3_column_int64(s, 2);
		h->first_seen_us = sqlite3_column_int64(s, 3);
		h->last_seen_us = sqlite3_column_int64(s, 4);
	}
	sqlite3_finalize(s);
	s = NULL;

	rc = sqlite3_prepare_v2(sq->db,
				"SELECT record FROM records WHERE rid = ?1", -1,
				&s, NULL);
	if (rc != SQLITE_OK) {
		err = sq_err(sq, rc, "show example");
		goto out;
	}
	sqlite3_bind_int64(s, 1, example_rid);
	if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_bytes(s, 0) > 0) {
		d->example_len = (size_t)sqlite3_column_bytes(s, 0);
		d->example = malloc(d->example_len);
		if (d->example == NULL) {
			err = -ENOMEM;
			goto out;
		}
		memcpy(d->example, sqlite3_column_blob(s, 0), d->example_len);
	}
	err = 0;
	*out = d;
	d = NULL;
out:
	sqlite3_finalize(s);
	store_sig_detail_free(d);
	return err;
}

static int64_t scalar(struct store_sqlite *sq, const char *sql, int64_t *out)
{
	sqlite3_stmt *s = NULL;
	int rc = sqlite3_prepare_v2(sq->db, sql, -1, &s, NULL);

	if (rc != SQLITE_OK)
		return sq_err(sq, rc, sql);
	rc = sqlite3_step(s);
	*out = rc == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
	sqlite3_finalize(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return sq_err(sq, rc, sql);
	return 0;
}

/* Run a retention DELETE with ?1 = param, ?2 = chunk.  Deleted or -errno. */
static int64_t sq_delete(struct store_sqlite *sq, const char *sql,
			 int64_t param, int64_t chunk)
{
	sqlite3_stmt *s = NULL;
	int rc = sqlite3_prepare_v2(sq->db, sql, -1, &s, NULL);

	if (rc != SQLITE_OK)
		return sq_err(sq, rc, "retention");
	sqlite3_bind_int64(s, 1, param);
	if (chunk >= 0)
		sqlite3_bind_int64(s, 2, chunk);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return sq_err(sq, rc, "retention");
	return sqlite3_changes(sq->db);
}

static int64_t sq_ret_delete_before(void *arg, int64_t cutoff, int64_t chunk)
{
	return sq_delete(arg,
			 "DELETE FROM records WHERE rid IN (SELECT r.rid FROM"
			 " signatures s JOIN records r ON r.sig = s.sig"
			 " AND r.received_us < ?1 WHERE r.rid IS NOT s.example_rid"
			 " LIMIT ?2)",
			 cutoff, chunk);
}

static int sq_ret_delete_hours(void *arg, int64_t hour)
{
	int64_t rc = sq_delete(arg, "DELETE FROM sig_hours WHERE hour < ?1",
			       hour, -1);

	return rc < 0 ? (int)rc : 0;
}

static int sq_ret_count(void *arg, int64_t *records)
{
	return (int)scalar(arg, "SELECT count(*) FROM records", records);
}

static int64_t sq_ret_delete_oldest(void *arg, int64_t chunk)
{
	return sq_delete(arg,
			 "DELETE FROM records WHERE rid IN (SELECT rid"
			 " FROM records WHERE rid > ?1 AND rid NOT IN"
			 " (SELECT example_rid FROM signatures WHERE"
			 " example_rid IS NOT NULL) ORDER BY rid"
			 " LIMIT ?2)",
			 0, chunk);
}

static const struct store_retention_ops sq_retention_ops = {
	.delete_before = sq_ret_delete_before,
	.delete_hours_before = sq_ret_delete_hours,
	.count = sq_ret_count,
	.delete_oldest = sq_ret_delete_oldest,
};

static int64_t sq_retention(struct store *st, int64_t now_us,
			    uint64_t max_age_us, uint64_t max_age_deletes,
			    uint64_t max_count)
{
	struct store_sqlite *sq = to_sq(st);

	if (sq->readonly)
		return -EROFS;
	return store_retention_run(&sq_retention_ops, sq, now_us, max_age_us,
				   max_age_deletes, max_count);
}

static int sq_stats(struct store *st, struct store_stats *out)
{
	struct store_sqlite *sq = to_sq(st);
	int64_t v;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = (int)scalar(sq, "SELECT count(*) FROM records", &v)) < 0)
		return rc;
	out->records = (uint64_t)v;
	if ((rc = (int)scalar(sq, "SELECT count(*) FROM signatures", &v)) < 0)
		return rc;
	out->signatures = (uint64_t)v;
	if ((rc = (int)scalar(sq, "SELECT count(*) FROM hosts", &v)) < 0)
		return rc;
	out->hosts = (uint64_t)v;
	return 0;
}

/*
 * The query layer's generic query: $N parameters become SQLite's ?N, rows
 * are handed over as text (SQLite renders integers in decimal) or, for
 * blobs, as bytes.
 */
#define SQ_MAX_COLUMNS 32
static int sq_query(struct store *st, const char *sql,
		    const struct store_param *p, int np, store_row_fn fn,
		    void *arg)
{
	struct store_sqlite *sq = to_sq(st);
	const char *v[SQ_MAX_COLUMNS];
	size_t len[SQ_MAX_COLUMNS];
	struct store_row row = { .v = v, .len = len };
	sqlite3_stmt *s = NULL;
	size_t n = strlen(sql);
	char *text = malloc(n + 1);
	int rc, rows = 0, stop = 0;

	if (text == NULL)
		return -ENOMEM;
	for (size_t i = 0; i <= n; i++)
		text[i] = sql[i] == '$' && sql[i + 1] >= '0' &&
					  sql[i + 1] <= '9' ?
				  '?' :
				  sql[i];
	rc = sqlite3_prepare_v2(sq->db, text, -1, &s, NULL);
	free(text);
	if (rc != SQLITE_OK)
		return sq_err(sq, rc, "query");
	for (int i = 0; i < np; i++) {
		switch (p[i].type) {
		case STORE_P_NULL:
			rc = sqlite3_bind_null(s, i + 1);
			break;
		case STORE_P_TEXT:
			rc = sqlite3_bind_text(s, i + 1, p[i].s, -1,
					       SQLITE_STATIC);
			break;
		case STORE_P_INT:
			rc = sqlite3_bind_int64(s, i + 1, p[i].i);
			break;
		case STORE_P_BLOB:
			rc = sqlite3_bind_blob(s, i + 1, p[i].b, (int)p[i].len,
					       SQLITE_STATIC);
			break;
		}
		if (rc != SQLITE_OK && rc != SQLITE_RANGE) {
			sqlite3_finalize(s);
			return sq_err(sq, rc, "query parameters");
		}
	}
	row.n = sqlite3_column_count(s);
	if (row.n > SQ_MAX_COLUMNS) {
		sqlite3_finalize(s);
		return -E2BIG;
	}
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		for (int i = 0; i < row.n; i++) {
			int t = sqlite3_column_type(s, i);

			if (t == SQLITE_NULL) {
				v[i] = NULL;
				len[i] = 0;
				continue;
			}
			v[i] = t == SQLITE_BLOB ?
				       sqlite3_column_blob(s, i) :
				       (const char *)sqlite3_column_text(s, i);
			len[i] = (size_t)sqlite3_column_bytes(s, i);
			/* An empty blob is a NULL pointer: keep it a value. */
			if (v[i] == NULL)
				v[i] = "";
		}
		rows++;
		if (fn != NULL && (stop = fn(&row, arg)) != 0)
			break;
	}
	if (rc == SQLITE_READONLY) {
		sqlite3_finalize(s);
		return -EROFS;
	}
	if (stop == 0 && rc != SQLITE_DONE) {
		rows = sq_err(sq, rc, "query");
	} else if (stop < 0) {
		rows = stop;
	}
	sqlite3_finalize(s);
	return rows;
}

/* Whether the store has a table (a read-only store may predate it). */
static int sq_has_table(struct store *st, const char *name)
{
	struct store_sqlite *sq = to_sq(st);
	sqlite3_stmt *s = NULL;
	bool has;

	if (sqlite3_prepare_v2(sq->db,
			       "SELECT 1 FROM sqlite_master WHERE type = 'table'"
			       " AND name = ?1",
			       -1, &s, NULL) != SQLITE_OK)
		return 0;
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	has = sqlite3_step(s) == SQLITE_ROW;
	sqlite3_finalize(s);
	return has;
}

/*
 * PRAGMA quick_check (or integrity_check): "ok" alone when sound, else
 * one row per problem (the first few go to msg).
 */
static int sq_check(struct store *st, bool full, char *msg, size_t len)
{
	struct store_sqlite *sq = to_sq(st);
	sqlite3_stmt *s = NULL;
	size_t used = 0;
	bool ok = false;
	int rc, rows = 0;

	rc = sqlite3_prepare_v2(sq->db, full ? "PRAGMA integrity_check(20)" :
					       "PRAGMA quick_check(20)",
				-1, &s, NULL);
	if (rc != SQLITE_OK)
		return rc == SQLITE_CORRUPT || rc == SQLITE_NOTADB
			       ? -EUCLEAN
			       : sq_err(sq, rc, "check");
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *t = (const char *)sqlite3_column_text(s, 0);

		rows++;
		if (t == NULL)
			continue;
		if (rows == 1 && strcmp(t, "ok") == 0)
			ok = true;
		if (used < len)
			used += (size_t)snprintf(msg + used, len - used, "%s%s",
						 used ? "; " : "", t);
	}
	sqlite3_finalize(s);
	if (rc == SQLITE_CORRUPT || rc == SQLITE_NOTADB) {
		if (len > 0 && used == 0)
			snprintf(msg, len, "%s", sqlite3_errmsg(sq->db));
		sq->corrupt = true;
		return -EUCLEAN;
	}
	if (rc != SQLITE_DONE)
		return sq_err(sq, rc, "check");
	if (ok && rows == 1)
		return 0;
	sq->corrupt = true; /* said damaged: nothing more is stored */
	return -EUCLEAN;
}

const struct store_ops store_sqlite_ops = {
	.scheme = "sqlite",
	.open = sq_open,
	.close = sq_close,
	.put_batch = sq_put_batch,
	.top = sq_top,
	.hosts = sq_hosts,
	.export_ = sq_export,
	.show = sq_show,
	.retention = sq_retention,
	.stats = sq_stats,
	.query = sq_query,
	.has_table = sq_has_table,
	.check = sq_check,
};
