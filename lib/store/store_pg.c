// SPDX-License-Identifier: MIT
/*
 * store_pg.c - the shared store: one PostgreSQL database that several
 * collectors write at once (libpq), and oopsctl queries.
 *
 * Same tables and semantics as the embedded store (store_sqlite.c): one
 * transaction per batch, committed with synchronous_commit on, so when
 * store_put_batch() returns the batch is durable and may be acknowledged.
 *
 * Several writers: a record is inserted with ON CONFLICT (id) DO NOTHING,
 * so the same record sent to two collectors at once is stored by one and
 * reported as a duplicate by the other (which waits for the first to
 * commit).  Aggregates are UPSERTs that add a batch's counts to the row
 * (count = count + n) under the row lock the UPSERT takes, so they stay
 * exact whatever the interleaving.  Records are inserted in id order and
 * aggregate rows updated in key order, table after table
 * (store_agg_apply()), so two batches lock rows in the same order and do
 * not deadlock; should the server still report a deadlock or a
 * serialization failure, the whole transaction is retried a few times.
 *
 * Connection loss (a server restart, a failover): the batch fails and is
 * not acknowledged (agents retransmit it), and the next batch reconnects,
 * at most once a second.  A retried batch whose COMMIT was in doubt finds
 * its records already stored and reports them as duplicates: acked once
 * more, counted once.
 *
 * Every statement takes its values as parameters; the write path is
 * prepared once per connection and pipelined (three round trips a batch,
 * see pg_put_try()).
 */
#include <endian.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libpq-fe.h>

#include "base/log.h"
#include "store/store.h"
#include "store_internal.h"
#include "base/util.h"

/* Transactions retried after a deadlock or serialization failure. */
#define PG_RETRIES 5
/*
 * A lost connection is tried again after this long, doubled after each
 * failed attempt up to the maximum: an attempt can block the collector up
 * to connect_timeout when the server's host does not answer at all.
 */
#define PG_RECONNECT_MS 1000
#define PG_RECONNECT_MAX_MS 16000
/*
 * Key columns in an index keep at most this many bytes (a B-tree entry is
 * limited to about 2.7 KB; a kernel release is 64 bytes at most).
 */
#define PG_MAX_KEY 255
#define PG_SCHEMA_VERSION "1"
/* pg_advisory_xact_lock() key: collectors create the schema one by one. */
#define PG_SCHEMA_LOCK "478560809828" /* 0x6f6f707364, "oopsd" */

/*
 * Key columns sort as bytes (COLLATE "C"), as strcmp() does: the lock
 * order of store_agg_apply() is then the index order, and `top` orders
 * ties as the SQLite store does.
 */
static const char pg_schema[] =
	"CREATE TABLE IF NOT EXISTS meta(key text PRIMARY KEY,"
	" value text NOT NULL);"
	"INSERT INTO meta VALUES('schema_version', '" PG_SCHEMA_VERSION "')"
	" ON CONFLICT DO NOTHING;"
	"CREATE TABLE IF NOT EXISTS records("
	" rid bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
	" id bytea NOT NULL UNIQUE,"
	" sig text COLLATE \"C\" NOT NULL,"
	" stack_sig text,"
	" host_key text COLLATE \"C\" NOT NULL,"
	" release text COLLATE \"C\","
	" kind integer,"
	" source integer,"
	" sender text,"
	" seen_us bigint NOT NULL,"
	" received_us bigint NOT NULL,"
	" record bytea NOT NULL);"
	"CREATE INDEX IF NOT EXISTS records_sig ON records(sig, seen_us);"
	"CREATE TABLE IF NOT EXISTS signatures("
	" sig text COLLATE \"C\" PRIMARY KEY,"
	" title text NOT NULL,"
	" kind text NOT NULL,"
	" stack_sig text,"
	" count bigint NOT NULL,"
	" hosts bigint NOT NULL,"
	" first_seen_us bigint NOT NULL,"
	" last_seen_us bigint NOT NULL,"
	" example_rid bigint);"
	"CREATE INDEX IF NOT EXISTS signatures_count ON signatures(count);"
	"CREATE INDEX IF NOT EXISTS signatures_example"
	" ON signatures(example_rid);"
	"CREATE TABLE IF NOT EXISTS sig_releases("
	" sig text COLLATE \"C\" NOT NULL, release text COLLATE \"C\" NOT NULL,"
	" count bigint NOT NULL,"
	" first_seen_us bigint NOT NULL, last_seen_us bigint NOT NULL,"
	" PRIMARY KEY(sig, release));"
	"CREATE TABLE IF NOT EXISTS sig_hosts("
	" sig text COLLATE \"C\" NOT NULL, host_key text COLLATE \"C\" NOT NULL,"
	" hostname text, count bigint NOT NULL,"
	" first_seen_us bigint NOT NULL, last_seen_us bigint NOT NULL,"
	" PRIMARY KEY(sig, host_key));"
	"CREATE TABLE IF NOT EXISTS hosts("
	" host_key text COLLATE \"C\" PRIMARY KEY, hostname text,"
	" machine_id text, last_release text, last_sender text,"
	" count bigint NOT NULL, signatures bigint NOT NULL,"
	" first_seen_us bigint NOT NULL, last_seen_us bigint NOT NULL);"
	"CREATE TABLE IF NOT EXISTS sig_hours("
	" sig text COLLATE \"C\" NOT NULL, hour bigint NOT NULL,"
	" count bigint NOT NULL, PRIMARY KEY(sig, hour));"
	"CREATE INDEX IF NOT EXISTS sig_hours_hour ON sig_hours(hour);";

enum {
	P_INS_RECORD,
	P_UPS_SIG_HOST,
	P_UPS_SIG,
	P_UPS_SIG_RELEASE,
	P_UPS_HOST,
	P_UPS_SIG_HOUR,
	P_COUNT
};

/* The write path, prepared on every (re)connection. */
static const struct {
	const char *name;
	const char *sql;
} pg_stmt[P_COUNT] = {
	[P_INS_RECORD] = {
		"oopsd_ins_record",
		"INSERT INTO records(id, sig, stack_sig, host_key, release,"
		" kind, source, sender, seen_us, received_us, record)"
		" VALUES($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
		" ON CONFLICT (id) DO NOTHING RETURNING rid" },
	/* $4 records of one group, seen from $5 to $6.  The count after the
	 * update tells whether this group created the row. */
	[P_UPS_SIG_HOST] = {
		"oopsd_ups_sig_host",
		"INSERT INTO sig_hosts AS t VALUES($1, $2, $3, $4, $5, $6)"
		" ON CONFLICT (sig, host_key) DO UPDATE"
		" SET count = t.count + excluded.count,"
		" hostname = coalesce(excluded.hostname, t.hostname),"
		" first_seen_us = least(t.first_seen_us, excluded.first_seen_us),"
		" last_seen_us = greatest(t.last_seen_us, excluded.last_seen_us)"
		" RETURNING count" },
	/* $6 hosts new to the signature; the example is the newest record.
	 * In SET, t.x is the row before the update. */
	[P_UPS_SIG] = {
		"oopsd_ups_sig",
		"INSERT INTO signatures AS t"
		" VALUES($1, $2, $3, $4, $5, $6, $7, $8, $9)"
		" ON CONFLICT (sig) DO UPDATE"
		" SET count = t.count + excluded.count,"
		" hosts = t.hosts + excluded.hosts,"
		" first_seen_us = least(t.first_seen_us, excluded.first_seen_us),"
		" last_seen_us = greatest(t.last_seen_us, excluded.last_seen_us),"
		" title = CASE WHEN excluded.last_seen_us >= t.last_seen_us"
		"  THEN excluded.title ELSE t.title END,"
		" kind = CASE WHEN excluded.last_seen_us >= t.last_seen_us"
		"  THEN excluded.kind ELSE t.kind END,"
		" stack_sig = CASE WHEN excluded.last_seen_us >= t.last_seen_us"
		"  THEN excluded.stack_sig ELSE t.stack_sig END,"
		" example_rid = CASE WHEN excluded.last_seen_us >= t.last_seen_us"
		"  THEN excluded.example_rid ELSE t.example_rid END" },
	[P_UPS_SIG_RELEASE] = {
		"oopsd_ups_sig_release",
		"INSERT INTO sig_releases AS t VALUES($1, $2, $3, $4, $5)"
		" ON CONFLICT (sig, release) DO UPDATE"
		" SET count = t.count + excluded.count,"
		" first_seen_us = least(t.first_seen_us, excluded.first_seen_us),"
		" last_seen_us = greatest(t.last_seen_us, excluded.last_seen_us)" },
	[P_UPS_HOST] = {
		"oopsd_ups_host",
		"INSERT INTO hosts AS t VALUES($1, $2, $3, $4, $5, $6, $7, $8, $9)"
		" ON CONFLICT (host_key) DO UPDATE"
		" SET count = t.count + excluded.count,"
		" signatures = t.signatures + excluded.signatures,"
		" hostname = coalesce(excluded.hostname, t.hostname),"
		" machine_id = coalesce(excluded.machine_id, t.machine_id),"
		" last_release = CASE WHEN excluded.last_seen_us >= t.last_seen_us"
		"  THEN coalesce(excluded.last_release, t.last_release)"
		"  ELSE t.last_release END,"
		" last_sender = coalesce(excluded.last_sender, t.last_sender),"
		" first_seen_us = least(t.first_seen_us, excluded.first_seen_us),"
		" last_seen_us = greatest(t.last_seen_us, excluded.last_seen_us)" },
	[P_UPS_SIG_HOUR] = {
		"oopsd_ups_sig_hour",
		"INSERT INTO sig_hours AS t VALUES($1, $2, $3)"
		" ON CONFLICT (sig, hour) DO UPDATE"
		" SET count = t.count + excluded.count" },
};

/* Columns 0..7 of the signature queries. */
#define PG_SIG_COLUMNS                                                         \
	"s.sig, s.title, s.kind, s.stack_sig, s.count, s.hosts,"              \
	" s.first_seen_us, s.last_seen_us"

struct store_pg {
	struct store base;
	PGconn *conn;
	char *conninfo;	 /* as configured: may hold a password, never logged */
	char name[256];	 /* conninfo without its password, for the logs */
	bool readonly;
	bool ready;	 /* connected, session set up, statements prepared */
	bool lost;	 /* the connection broke: say so once */
	unsigned connect_failures;
	int64_t next_connect_ms;
	int64_t backoff_ms;
	struct store_agg *agg;
	size_t agg_cap;
	size_t *order; /* a batch's valid records, by id */
	size_t order_cap;
	char **owned; /* a batch's UTF-8 repaired strings */
	size_t nowned, owned_cap;
	int64_t *vals;	/* what the batch's statements answered */
	size_t nvals, vals_cap;
	int pipe_err;	/* the first statement of the batch that failed */
	PGresult *pipe_fail; /* its answer, until the sync is read */
	size_t queued;	/* statements sent since the last sync */
};

/* Parameters of one statement: text, except bytea (binary). */
#define PG_MAX_PARAMS 11
struct pg_params {
	int n;
	const char *v[PG_MAX_PARAMS];
	int len[PG_MAX_PARAMS];
	int fmt[PG_MAX_PARAMS];
	char num[PG_MAX_PARAMS][24];
};

static struct store_pg *to_pg(struct store *st)
{
	return (struct store_pg *)st;
}

static void pp_str(struct pg_params *pp, const char *v)
{
	pp->v[pp->n] = v;
	pp->len[pp->n] = 0;
	pp->fmt[pp->n] = 0;
	pp->n++;
}

/* A text column where "" means NULL, as the SQLite store binds them. */
static void pp_text(struct pg_params *pp, const char *v)
{
	pp_str(pp, v != NULL && v[0] != '\0' ? v : NULL);
}

static void pp_i64(struct pg_params *pp, int64_t v)
{
	snprintf(pp->num[pp->n], sizeof(pp->num[0]), "%" PRId64, v);
	pp_str(pp, pp->num[pp->n]);
}

static void pp_bytes(struct pg_params *pp, const void *v, size_t len)
{
	pp->v[pp->n] = v;
	pp->len[pp->n] = (int)len;
	pp->fmt[pp->n] = 1;
	pp->n++;
}

/* Results come in binary: integers big-endian, text as is. */
static int64_t col_i64(const PGresult *r, int row, int col)
{
	const char *v = PQgetvalue(r, row, col);
	uint64_t u64;
	uint32_t u32;
	uint16_t u16;

	if (PQgetisnull(r, row, col))
		return 0;
	switch (PQgetlength(r, row, col)) {
	case 8:
		memcpy(&u64, v, 8);
		return (int64_t)be64toh(u64);
	case 4:
		memcpy(&u32, v, 4);
		return (int32_t)be32toh(u32);
	case 2:
		memcpy(&u16, v, 2);
		return (int16_t)be16toh(u16);
	}
	return 0;
}

static const char *col_text(const PGresult *r, int row, int col)
{
	return PQgetisnull(r, row, col) ? NULL : PQgetvalue(r, row, col);
}

static char *col_strdup(const PGresult *r, int row, int col)
{
	const char *t = col_text(r, row, col);

	return t ? strdup(t) : NULL;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static bool sqlstate_is(const PGresult *res, const char *state)
{
	const char *s = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;

	return s != NULL && strcmp(s, state) == 0;
}

/*
 * A statement failed: translate it into -errno, log why, free res (may be
 * NULL).  -ENOTCONN: the connection is gone (the next call reconnects);
 * -EAGAIN: deadlock or serialization failure, the transaction may be
 * retried; -ENOSPC: the server's disk is full.
 */
static int pg_fail(struct store_pg *pg, PGresult *res, const char *what)
{
	const char *msg = res ? PQresultErrorMessage(res) : "";
	int err = -EIO;
	size_t len;

	if (msg[0] == '\0')
		msg = PQerrorMessage(pg->conn);
	len = strcspn(msg, "\n");
	if (PQstatus(pg->conn) != CONNECTION_OK) {
		err = -ENOTCONN;
		pg->ready = false;
		if (!pg->lost)
			log_warnx("store %s: connection lost (%s: %.*s); "
				  "reconnecting", pg->name, what, (int)len, msg);
		pg->lost = true;
	} else if (sqlstate_is(res, "40P01") || sqlstate_is(res, "40001")) {
		err = -EAGAIN;
		log_debug("store %s: %s: %.*s (retrying)", pg->name, what,
			  (int)len, msg);
	} else {
		if (sqlstate_is(res, "53100"))
			err = -ENOSPC;
		else if (sqlstate_is(res, "25006"))
			err = -EROFS;
		log_warnx("store %s: %s: %.*s", pg->name, what, (int)len, msg);
	}
	PQclear(res);
	return err;
}

/*
 * Run a statement (a prepared one by name when prepared) and return its
 * result when it succeeded (rows or not), else NULL with *err set.
 */
static PGresult *pg_run(struct store_pg *pg, const char *sql, bool prepared,
			const struct pg_params *pp, int *err)
{
	static const struct pg_params none;
	PGresult *res;

	if (pp == NULL)
		pp = &none;
	if (prepared)
		res = PQexecPrepared(pg->conn, sql, pp->n, pp->v, pp->len,
				     pp->fmt, 1);
	else
		res = PQexecParams(pg->conn, sql, pp->n, NULL, pp->v, pp->len,
				   pp->fmt, 1);
	if (res != NULL && (PQresultStatus(res) == PGRES_COMMAND_OK ||
			    PQresultStatus(res) == PGRES_TUPLES_OK))
		return res;
	*err = pg_fail(pg, res, prepared ? sql + 6 : "query");
	return NULL;
}

/* Commands of a fixed string, several allowed (simple query protocol). */
static int pg_exec(struct store_pg *pg, const char *sql, const char *what)
{
	PGresult *res = PQexec(pg->conn, sql);

	if (res != NULL && (PQresultStatus(res) == PGRES_COMMAND_OK ||
			    PQresultStatus(res) == PGRES_TUPLES_OK)) {
		PQclear(res);
		return 0;
	}
	return pg_fail(pg, res, what);
}

typedef int (*pg_row_fn)(const PGresult *r, void *arg);

/*
 * Stream the rows of a query one at a time (single-row mode: memory does
 * not grow with the result) to fn; nonzero from fn stops the reports (the
 * rest of the result is read and dropped).  Returns rows reported or
 * -errno.
 */
static int pg_stream(struct store_pg *pg, const char *sql,
		     const struct pg_params *pp, pg_row_fn fn, void *arg)
{
	PGresult *res;
	bool stop = false;
	int n = 0, err = 0;

	if (!PQsendQueryParams(pg->conn, sql, pp->n, NULL, pp->v, pp->len,
			       pp->fmt, 1))
		return pg_fail(pg, NULL, "query");
	PQsetSingleRowMode(pg->conn);
	while ((res = PQgetResult(pg->conn)) != NULL) {
		switch (PQresultStatus(res)) {
		case PGRES_SINGLE_TUPLE:
			if (!stop && err == 0) {
				n++;
				stop = fn(res, arg) != 0;
			}
			PQclear(res);
			break;
		case PGRES_TUPLES_OK:
			PQclear(res);
			break;
		default:
			if (err == 0)
				err = pg_fail(pg, res, "query");
			else
				PQclear(res);
			break;
		}
	}
	return err < 0 ? err : n;
}

/* The schema, once per store, by one collector at a time. */
static int pg_create_schema(struct store_pg *pg)
{
	int rc;

	rc = pg_exec(pg,
		     "BEGIN; SELECT pg_advisory_xact_lock(" PG_SCHEMA_LOCK ")",
		     "schema lock");
	if (rc == 0)
		rc = pg_exec(pg, pg_schema, "creating the schema");
	if (rc == 0)
		rc = pg_exec(pg, "COMMIT", "creating the schema");
	if (rc < 0 && PQstatus(pg->conn) == CONNECTION_OK)
		PQclear(PQexec(pg->conn, "ROLLBACK"));
	return rc;
}

/* -ENOENT (said in the log unless quiet) when the tables are not there. */
static int pg_check_schema(struct store_pg *pg, bool quiet)
{
	PGresult *res;
	const char *v;
	int err = 0;

	res = pg_run(pg, "SELECT to_regclass('signatures') IS NOT NULL AND"
			 " to_regclass('meta') IS NOT NULL",
		     false, NULL, &err);
	if (res == NULL)
		return err;
	if (PQntuples(res) != 1 || PQgetvalue(res, 0, 0)[0] != 1) {
		if (!quiet)
			log_warnx("store %s: not an oopsd store (no tables)",
				  pg->name);
		PQclear(res);
		return -ENOENT;
	}
	PQclear(res);
	res = pg_run(pg, "SELECT value FROM meta WHERE key = 'schema_version'",
		     false, NULL, &err);
	if (res == NULL)
		return err;
	if (PQntuples(res) != 1 || (v = col_text(res, 0, 0)) == NULL ||
		   strcmp(v, PG_SCHEMA_VERSION) != 0) {
		v = PQntuples(res) == 1 ? col_text(res, 0, 0) : NULL;
		log_warnx("store %s: schema version %s, this build knows %s",
			  pg->name, v ? v : "(none)", PG_SCHEMA_VERSION);
		err = -EIO;
	}
	PQclear(res);
	return err;
}

/* A new session: durability, schema, prepared statements. */
static int pg_session(struct store_pg *pg, bool first)
{
	PGresult *res;
	int err = 0;

	/* An acknowledgement is a promise: COMMIT must wait for the WAL
	 * flush, whatever the server's default. */
	if ((err = pg_exec(pg, "SET synchronous_commit = on; "
			       "SET client_min_messages = warning",
			   "session setup")) < 0)
		return err;
	/* Created only when absent: a role that may not create tables can
	 * still use the ones another collector created. */
	if (first) {
		err = pg_check_schema(pg, !pg->readonly);
		if (err == -ENOENT && !pg->readonly &&
		    (err = pg_create_schema(pg)) == 0)
			err = pg_check_schema(pg, false);
		if (err < 0)
			return err;
	}
	if (pg->readonly)
		return pg_exec(pg, "SET default_transaction_read_only = on",
			       "session setup");
	for (int i = 0; i < P_COUNT; i++) {
		res = PQprepare(pg->conn, pg_stmt[i].name, pg_stmt[i].sql, 0,
				NULL);
		if (res == NULL || PQresultStatus(res) != PGRES_COMMAND_OK)
			return pg_fail(pg, res, pg_stmt[i].name);
		PQclear(res);
	}
	return 0;
}

/*
 * Be connected and ready, reconnecting a lost connection (after
 * PG_RECONNECT_MS, backing off).  Returns 0, -ENOTCONN or another -errno.
 */
static int pg_ready(struct store_pg *pg)
{
	int64_t now;
	int rc;

	if (pg->ready && PQstatus(pg->conn) == CONNECTION_OK)
		return 0;
	now = now_ms();
	if (now < pg->next_connect_ms)
		return -ENOTCONN;
	pg->ready = false;
	PQreset(pg->conn);
	if (PQstatus(pg->conn) != CONNECTION_OK) {
		const char *msg = PQerrorMessage(pg->conn);

		pg->backoff_ms = pg->backoff_ms ? pg->backoff_ms * 2 :
						  PG_RECONNECT_MS;
		if (pg->backoff_ms > PG_RECONNECT_MAX_MS)
			pg->backoff_ms = PG_RECONNECT_MAX_MS;
		pg->next_connect_ms = now_ms() + pg->backoff_ms;

		/* Once, then every few minutes while the server is away. */
		if (pg->connect_failures++ % 16 == 0)
			log_warnx("store %s: cannot reconnect: %.*s", pg->name,
				  (int)strcspn(msg, "\n"), msg);
		return -ENOTCONN;
	}
	if ((rc = pg_session(pg, false)) < 0)
		return rc;
	log_info("store %s: reconnected", pg->name);
	pg->ready = true;
	pg->lost = false;
	pg->connect_failures = 0;
	pg->backoff_ms = 0;
	return 0;
}

static void pg_close(struct store *st)
{
	struct store_pg *pg = to_pg(st);

	PQfinish(pg->conn);
	free(pg->conninfo);
	free(pg->agg);
	free(pg->order);
	free(pg->owned);
	free(pg->vals);
	PQclear(pg->pipe_fail);
	free(pg);
}

static int pg_open(const char *spec, unsigned flags, struct store **out)
{
	/* The spec wins over these defaults (expand_dbname). */
	static const char *const keys[] = { "connect_timeout",
					    "fallback_application_name",
					    "dbname", NULL };
	const char *vals[4] = { "10", "oops-collector", NULL, NULL };
	struct store_pg *pg;
	int err;

	if (spec[0] == '\0')
		return -EINVAL;
	pg = calloc(1, sizeof(*pg));
	if (pg == NULL)
		return -ENOMEM;
	pg->conninfo = strdup(spec);
	if (pg->conninfo == NULL) {
		free(pg);
		return -ENOMEM;
	}
	store_spec_redact(spec, pg->name, sizeof(pg->name));
	pg->readonly = flags & STORE_READONLY;
	if (pg->readonly)
		vals[1] = "oopsctl";
	vals[2] = pg->conninfo;
	pg->conn = PQconnectdbParams(keys, vals, 1);
	if (pg->conn == NULL) {
		err = -ENOMEM;
		goto fail;
	}
	if (PQstatus(pg->conn) != CONNECTION_OK) {
		const char *msg = PQerrorMessage(pg->conn);

		log_warnx("store %s: cannot connect: %.*s", pg->name,
			  (int)strcspn(msg, "\n"), msg);
		err = -EIO;
		goto fail;
	}
	if ((err = pg_session(pg, true)) < 0) {
		if (err != -ENOENT)
			err = -EIO;
		goto fail;
	}
	pg->ready = true;
	*out = &pg->base;
	return 0;
fail:
	pg_close(&pg->base);
	return err;
}

/* The length of the longest valid UTF-8 prefix of s. */
static size_t utf8_valid_len(const unsigned char *s)
{
	const unsigned char *p = s;

	while (*p != '\0') {
		unsigned c = *p, n, min;
		uint32_t cp;

		if (c < 0x80) {
			p++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			n = 1, min = 0x80, cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			n = 2, min = 0x800, cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			n = 3, min = 0x10000, cp = c & 0x07;
		} else {
			break;
		}
		for (unsigned i = 1; i <= n; i++) {
			if ((p[i] & 0xc0) != 0x80)
				return (size_t)(p - s);
			cp = cp << 6 | (p[i] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			break;
		p += n + 1;
	}
	return (size_t)(p - s);
}

/* Replace invalid bytes in place, with '?'. */
static void utf8_repair(char *s)
{
	size_t i = 0;

	while (s[i] != '\0') {
		i += utf8_valid_len((const unsigned char *)s + i);
		if (s[i] != '\0')
			s[i++] = '?';
	}
}

/*
 * Text the server accepts: valid UTF-8 (it refuses anything else, which
 * would fail the batch forever), at most max bytes.  Returns s, or a copy
 * cut at max bytes with every invalid byte replaced by '?', freed after the
 * batch; NULL only without memory.
 */
static const char *pg_text(struct store_pg *pg, const char *s, size_t max)
{
	size_t valid;
	char *copy;

	if (s == NULL)
		return s;
	valid = utf8_valid_len((const unsigned char *)s);
	if (valid <= max && s[valid] == '\0')
		return s;
	if (pg->nowned == pg->owned_cap &&
	    array_grow((void **)&pg->owned, &pg->owned_cap, pg->nowned + 1,
		       sizeof(*pg->owned)) < 0)
		return NULL;
	/* Cut at max bytes: a character cut in two becomes '?'. */
	copy = strndup(s, max);
	if (copy == NULL)
		return NULL;
	utf8_repair(copy);
	pg->owned[pg->nowned++] = copy;
	return copy;
}

static void pg_owned_free(struct store_pg *pg)
{
	for (size_t i = 0; i < pg->nowned; i++)
		free(pg->owned[i]);
	pg->nowned = 0;
}

/* The aggregate's strings as the server accepts them. */
static int pg_agg_text(struct store_pg *pg, struct store_agg *ag)
{
	const char **fields[] = { &ag->title, &ag->hostname, &ag->machine_id,
				  &ag->release, &ag->sender };

	utf8_repair(ag->host_key);
	for (size_t i = 0; i < ARRAY_SIZE(fields); i++) {
		/* The release is a key of sig_releases. */
		const char *t = pg_text(pg, *fields[i],
					fields[i] == &ag->release ? PG_MAX_KEY :
								    SIZE_MAX);

		if (t == NULL && *fields[i] != NULL)
			return -ENOMEM;
		*fields[i] = t;
	}
	return 0;
}

/*
 * The write path is pipelined (libpq's pipeline mode): a batch sends its
 * statements without waiting for each answer and reads the answers at a
 * sync point, three times a batch (the inserts; the (signature, host)
 * counts the signatures need; the other aggregates and COMMIT), so a batch
 * costs three round trips to the server whatever its size, where it cost
 * one a statement (about six a record).  At most PG_PIPE_MAX statements go
 * out between syncs: libpq reads the server's answers while a send blocks,
 * so there is no deadlock to avoid, but the answers it buffers for us stay
 * few (each kept PGresult costs a couple of KB until the phase ends).  With a
 * libpq older than 14 (no pipeline mode) the same code runs each statement
 * when it is queued.
 */
#define PG_PIPE_MAX 256

/* What pg->vals[] holds for an answer without a row. */
#define PG_NO_ROW INT64_MIN
#define PG_COMMITTED (INT64_MIN + 1) /* a COMMIT that committed */

/*
 * The error of the batch's first failed statement.  Judged only once the
 * rest of the pipeline is read: a server that ends the session answers
 * the statement with an error before closing, and only after the close
 * does libpq report the connection lost (-ENOTCONN: reconnect and retry,
 * not -EIO).
 */
static int pg_pipe_error(struct store_pg *pg)
{
	if (pg->pipe_fail != NULL) {
		pg->pipe_err = pg_fail(pg, pg->pipe_fail, "batch"); /* frees */
		pg->pipe_fail = NULL;
	}
	return pg->pipe_err;
}

static int pg_pipe_enter(struct store_pg *pg)
{
	pg->nvals = 0;
	pg->queued = 0;
	pg->pipe_err = 0;
	PQclear(pg->pipe_fail);
	pg->pipe_fail = NULL;
#ifdef LIBPQ_HAS_PIPELINING
	if (!PQenterPipelineMode(pg->conn))
		return pg_fail(pg, NULL, "pipeline");
#endif
	return 0;
}

/* Leave pipeline mode; a connection that cannot is reset before reuse. */
static void pg_pipe_leave(struct store_pg *pg)
{
	pg->nvals = 0;
	PQclear(pg->pipe_fail);
	pg->pipe_fail = NULL;
#ifdef LIBPQ_HAS_PIPELINING
	if (PQpipelineStatus(pg->conn) != PQ_PIPELINE_OFF &&
	    !PQexitPipelineMode(pg->conn))
		pg->ready = false;
#endif
	pg->queued = 0;
}

/*
 * Keep what the batch needs of a statement's answer (res, freed here;
 * NULL: the connection gave none): the first column of its first row (a
 * row id, a count), PG_NO_ROW when it returned none, PG_COMMITTED for a
 * COMMIT that committed.  A PGresult costs a couple of KB; a batch keeps
 * 8 bytes a statement.  The answer of the first failed statement is kept
 * for pg_pipe_error(); those the server then skipped are dropped.
 */
static int pg_pipe_keep(struct store_pg *pg, PGresult *res)
{
	ExecStatusType st = PQresultStatus(res);
	int64_t v = PG_NO_ROW;

	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
		if (pg->pipe_fail != NULL || pg->pipe_err < 0)
			PQclear(res);
		else if (res != NULL)
			pg->pipe_fail = res;
		else /* no answer at all (fallback): the connection says why */
			pg->pipe_err = pg_fail(pg, NULL, "batch");
	} else {
		if (PQntuples(res) > 0)
			v = col_i64(res, 0, 0);
		else if (strcmp(PQcmdStatus(res), "COMMIT") == 0)
			v = PG_COMMITTED;
		PQclear(res);
	}
	if (array_grow((void **)&pg->vals, &pg->vals_cap, pg->nvals + 1,
		       sizeof(*pg->vals)) < 0)
		return -ENOMEM;
	pg->vals[pg->nvals++] = v;
	return 0;
}

/*
 * Read the answers of the statements queued since the last sync into
 * pg->vals[] (in order).  Returns 0, or -errno for the first statement
 * that failed (the rest of the pipeline is then aborted).
 */
static int pg_pipe_sync(struct store_pg *pg)
{
#ifdef LIBPQ_HAS_PIPELINING
	size_t queued = pg->queued;
	PGresult *res;
	int err;

	if (queued == 0)
		return pg_pipe_error(pg);
	pg->queued = 0;
	if (!PQpipelineSync(pg->conn))
		return pg_fail(pg, NULL, "pipeline sync");
	for (size_t q = 0; q < queued; q++) {
		res = PQgetResult(pg->conn);
		if (res == NULL) /* the connection broke */
			return pg->pipe_fail ? pg_pipe_error(pg) :
					       pg_fail(pg, NULL, "pipeline");
		if ((err = pg_pipe_keep(pg, res)) < 0)
			return err;
		while ((res = PQgetResult(pg->conn)) != NULL)
			PQclear(res); /* the statement's end */
	}
	/* Every answer is in, and what they say stands: a COMMIT that
	 * answered COMMIT is durable even if the server then closes the
	 * connection (a shutdown) before the sync's answer; the connection
	 * is reset before it is used again. */
	res = PQgetResult(pg->conn);
	if (res == NULL || PQresultStatus(res) != PGRES_PIPELINE_SYNC) {
		log_debug("store %s: pipeline sync: %s", pg->name,
			  res ? PQresultErrorMessage(res) : PQerrorMessage(pg->conn));
		pg->ready = false;
	}
	PQclear(res);
#endif
	return pg_pipe_error(pg);
}

/* Queue a prepared statement of the write path (or BEGIN/COMMIT). */
static int pg_queue(struct store_pg *pg, const char *stmt, bool prepared,
		    const struct pg_params *pp)
{
	static const struct pg_params none;
	int rc;

	if (pp == NULL)
		pp = &none;
#ifdef LIBPQ_HAS_PIPELINING
	if (pg->queued >= PG_PIPE_MAX && (rc = pg_pipe_sync(pg)) < 0)
		return rc;
	rc = prepared ? PQsendQueryPrepared(pg->conn, stmt, pp->n, pp->v,
					    pp->len, pp->fmt, 1) :
			PQsendQueryParams(pg->conn, stmt, pp->n, NULL, pp->v,
					  pp->len, pp->fmt, 1);
	if (!rc)
		return pg_fail(pg, NULL, "pipeline");
	pg->queued++;
	return 0;
#else
	/* One at a time: the first failure ends the batch. */
	if (pg->pipe_err < 0)
		return pg->pipe_err;
	rc = pg_pipe_keep(pg, prepared ? PQexecPrepared(pg->conn, stmt, pp->n,
						     pp->v, pp->len, pp->fmt, 1) :
				       PQexecParams(pg->conn, stmt, pp->n, NULL,
						    pp->v, pp->len, pp->fmt, 1));
	return rc < 0 ? rc : pg_pipe_error(pg);
#endif
}

/* Queue the insert of one record (its result is read at the sync). */
static int pg_queue_insert(struct store_pg *pg, struct store_put *p,
			   struct store_agg *ag)
{
	const Oopsd__CrashRecord *r = p->rec;
	struct pg_params pp = { 0 };
	int err;

	store_agg_fill(ag, p);
	if ((err = pg_agg_text(pg, ag)) < 0)
		return err;
	pp_bytes(&pp, r->id.data, r->id.len);
	pp_str(&pp, ag->sig);
	pp_str(&pp, ag->has_stack ? ag->stack_sig : NULL);
	pp_str(&pp, ag->host_key);
	pp_str(&pp, ag->release);
	pp_i64(&pp, ag->kind);
	pp_i64(&pp, r->origin ? (int64_t)r->origin->source : 0);
	pp_text(&pp, ag->sender);
	pp_i64(&pp, ag->seen);
	pp_i64(&pp, p->received_us);
	pp_bytes(&pp, p->packed, p->packed_len);
	return pg_queue(pg, pg_stmt[P_INS_RECORD].name, true, &pp);
}

/* The aggregate UPSERTs, one per group (store_agg_apply()), queued. */
static int64_t pg_agg_sig_host(void *arg, const struct store_agg_group *g)
{
	struct pg_params pp = { 0 };

	pp_str(&pp, g->key->sig);
	pp_str(&pp, g->key->host_key);
	pp_text(&pp, g->newest->hostname);
	pp_i64(&pp, g->n);
	pp_i64(&pp, g->first);
	pp_i64(&pp, g->last);
	return pg_queue(arg, pg_stmt[P_UPS_SIG_HOST].name, true, &pp);
}

/* The (signature, host) rows' counts after the update, in queue order. */
static int pg_agg_sig_host_counts(void *arg, const int64_t **counts)
{
	struct store_pg *pg = arg;
	int rc;

	if ((rc = pg_pipe_sync(pg)) < 0)
		return rc;
	/* The answers themselves (PG_NO_ROW equals no group's size): read
	 * by store_agg_apply() before the next statement is queued. */
	*counts = pg->vals;
	pg->nvals = 0;
	return 0;
}

static int pg_upsert(struct store_pg *pg, int stmt, const struct pg_params *pp)
{
	return pg_queue(pg, pg_stmt[stmt].name, true, pp);
}

static int pg_agg_sig(void *arg, const struct store_agg_group *g)
{
	const struct store_agg *e = g->newest;
	struct pg_params pp = { 0 };

	pp_str(&pp, e->sig);
	pp_str(&pp, e->title);
	pp_str(&pp, store_kind_name(e->kind));
	pp_str(&pp, e->has_stack ? e->stack_sig : NULL);
	pp_i64(&pp, g->n);
	pp_i64(&pp, g->news);
	pp_i64(&pp, g->first);
	pp_i64(&pp, g->last);
	pp_i64(&pp, e->rid);
	return pg_upsert(arg, P_UPS_SIG, &pp);
}

static int pg_agg_release(void *arg, const struct store_agg_group *g)
{
	struct pg_params pp = { 0 };

	pp_str(&pp, g->key->sig);
	pp_str(&pp, g->key->release);
	pp_i64(&pp, g->n);
	pp_i64(&pp, g->first);
	pp_i64(&pp, g->last);
	return pg_upsert(arg, P_UPS_SIG_RELEASE, &pp);
}

static int pg_agg_host(void *arg, const struct store_agg_group *g)
{
	struct pg_params pp = { 0 };

	pp_str(&pp, g->key->host_key);
	pp_text(&pp, g->newest->hostname);
	pp_text(&pp, g->newest->machine_id);
	pp_text(&pp, g->release);
	pp_text(&pp, g->newest->sender);
	pp_i64(&pp, g->n);
	pp_i64(&pp, g->news);
	pp_i64(&pp, g->first);
	pp_i64(&pp, g->last);
	return pg_upsert(arg, P_UPS_HOST, &pp);
}

static int pg_agg_hour(void *arg, const struct store_agg_group *g)
{
	struct pg_params pp = { 0 };

	pp_str(&pp, g->key->sig);
	pp_i64(&pp, g->key->hour);
	pp_i64(&pp, g->n);
	return pg_upsert(arg, P_UPS_SIG_HOUR, &pp);
}

static const struct store_agg_sink pg_agg_sink = {
	.sig_host = pg_agg_sig_host,
	.sig_host_counts = pg_agg_sig_host_counts,
	.sig = pg_agg_sig,
	.release = pg_agg_release,
	.host = pg_agg_host,
	.hour = pg_agg_hour,
};

/* Records in id order: the lock order of the inserts.  qsort_r context. */
static int by_id(const void *x, const void *y, void *arg)
{
	const struct store_put *items = arg;
	const ProtobufCBinaryData *a = &items[*(const size_t *)x].rec->id;
	const ProtobufCBinaryData *b = &items[*(const size_t *)y].rec->id;
	int c = memcmp(a->data, b->data, a->len < b->len ? a->len : b->len);

	return c ? c : (a->len > b->len) - (a->len < b->len);
}

/* One attempt at the batch's transaction.  Stored count or -errno. */
static int pg_put_try(struct store_pg *pg, struct store_put *items,
		      size_t nvalid)
{
	size_t nagg = 0;
	int stored = 0, rc;

	pg_owned_free(pg);
	if ((rc = pg_pipe_enter(pg)) < 0)
		return rc;
	/* 1: BEGIN and the inserts; a record that comes back is new. */
	if ((rc = pg_queue(pg, "BEGIN", false, NULL)) < 0)
		goto rollback;
	for (size_t i = 0; i < nvalid; i++) {
		rc = pg_queue_insert(pg, &items[pg->order[i]], &pg->agg[i]);
		if (rc < 0)
			goto rollback;
	}
	if ((rc = pg_pipe_sync(pg)) < 0)
		goto rollback;
	for (size_t i = 0; i < nvalid; i++) {
		struct store_put *p = &items[pg->order[i]];
		int64_t rid = pg->vals[i + 1];

		if (rid == PG_NO_ROW) {
			p->result = STORE_PUT_DUPLICATE;
			continue;
		}
		p->result = STORE_PUT_STORED;
		if (nagg != i)
			pg->agg[nagg] = pg->agg[i];
		pg->agg[nagg++].rid = rid;
		stored++;
	}
	pg->nvals = 0;
	/* 2 and 3: the aggregates (the sink syncs once in between), then
	 * COMMIT, which says ROLLBACK for a transaction that failed. */
	if ((rc = store_agg_apply(pg->agg, nagg, &pg_agg_sink, pg)) < 0 ||
	    (rc = pg_queue(pg, "COMMIT", false, NULL)) < 0 ||
	    (rc = pg_pipe_sync(pg)) < 0)
		goto rollback;
	if (pg->vals[pg->nvals - 1] != PG_COMMITTED) {
		log_warnx("store %s: commit: the server rolled the batch back",
			  pg->name);
		rc = -EIO;
		goto rollback;
	}
	pg_pipe_leave(pg);
	pg_owned_free(pg);
	return stored;
rollback:
	pg_pipe_leave(pg);
	if (pg->ready && PQstatus(pg->conn) == CONNECTION_OK)
		PQclear(PQexec(pg->conn, "ROLLBACK"));
	pg_owned_free(pg);
	return rc;
}

static int pg_put_batch(struct store *st, struct store_put *items, size_t n)
{
	struct store_pg *pg = to_pg(st);
	size_t nvalid = 0;
	int rc = -EIO;

	if (pg->readonly)
		return -EROFS;
	if (n == 0)
		return 0;
	/* Sized to the first batch; a batch too large to index is refused
	 * before any of it is read. */
	if ((rc = array_grow_bounded((void **)&pg->agg, &pg->agg_cap, n,
				     sizeof(*pg->agg), n, SIZE_MAX)) < 0 ||
	    (rc = array_grow_bounded((void **)&pg->order, &pg->order_cap, n,
				     sizeof(*pg->order), n, SIZE_MAX)) < 0)
		return rc;
	for (size_t i = 0; i < n; i++) {
		if (store_put_valid(&items[i]))
			pg->order[nvalid++] = i;
		else
			items[i].result = STORE_PUT_INVALID;
	}
	qsort_r(pg->order, nvalid, sizeof(*pg->order), by_id, items);
	/*
	 * Retried whole: after a deadlock or serialization failure, and once
	 * after reconnecting when the connection was found broken (a COMMIT
	 * in doubt is safe to redo: its records come back as duplicates).
	 */
	for (int attempt = 0; attempt <= PG_RETRIES; attempt++) {
		if ((rc = pg_ready(pg)) < 0)
			break;
		rc = pg_put_try(pg, items, nvalid);
		if (rc >= 0)
			return rc;
		if (rc == -ENOTCONN && attempt == 0) {
			pg->next_connect_ms = 0;
			continue;
		}
		if (rc != -EAGAIN)
			break;
	}
	if (rc == -EAGAIN)
		log_warnx("store %s: batch still conflicting after %d retries",
			  pg->name, PG_RETRIES);
	return rc == -EAGAIN ? -EIO : rc;
}

/* The releases of many signatures, sorted by signature (bytes). */
struct pg_rels {
	PGresult *res;
	int n;
};

static int pg_rels_load(struct store_pg *pg, const char *sigs,
			struct pg_rels *out)
{
	struct pg_params pp = { 0 };
	int err = 0;

	pp_str(&pp, sigs);
	out->res = pg_run(pg,
			  "SELECT sig, release, count, first_seen_us,"
			  " last_seen_us FROM sig_releases"
			  " WHERE sig = ANY($1::text[])"
			  " ORDER BY sig, first_seen_us, release",
			  false, &pp, &err);
	out->n = out->res ? PQntuples(out->res) : 0;
	return err;
}

static const char *pg_rel_sig(const void *rows, size_t i)
{
	return PQgetvalue(rows, (int)i, 0);
}

static int pg_rels_get(const struct pg_rels *c, struct store_sig *sig)
{
	size_t lo, end;

	end = store_sig_rows(c->res, (size_t)c->n, pg_rel_sig, sig->signature,
			     &lo);
	if (end == lo)
		return 0;
	sig->releases = calloc(end - lo, sizeof(*sig->releases));
	if (sig->releases == NULL)
		return -ENOMEM;
	for (size_t i = lo; i < end; i++) {
		struct store_release *r = &sig->releases[sig->n_releases++];

		r->release = col_strdup(c->res, (int)i, 1);
		r->count = (uint64_t)col_i64(c->res, (int)i, 2);
		r->first_seen_us = col_i64(c->res, (int)i, 3);
		r->last_seen_us = col_i64(c->res, (int)i, 4);
	}
	return 0;
}

static void row_to_sig(const PGresult *r, int row, struct store_sig *sig)
{
	memset(sig, 0, sizeof(*sig));
	str_lcpy(sig->signature, col_text(r, row, 0) ?: "", STORE_SIG_LEN);
	sig->title = col_strdup(r, row, 1);
	sig->kind = col_strdup(r, row, 2);
	str_lcpy(sig->stack_signature, col_text(r, row, 3) ?: "",
		 STORE_SIG_LEN);
	sig->total = (uint64_t)col_i64(r, row, 4);
	sig->count = sig->total;
	sig->hosts = (uint64_t)col_i64(r, row, 5);
	sig->first_seen_us = col_i64(r, row, 6);
	sig->last_seen_us = col_i64(r, row, 7);
}

/* "{sig,sig,...}": the signatures of a top result, an array parameter. */
static char *sig_array(const PGresult *r)
{
	int n = PQntuples(r);
	char *s = malloc((size_t)n * STORE_SIG_LEN + 3), *p = s;

	if (s == NULL)
		return NULL;
	*p++ = '{';
	for (int i = 0; i < n; i++) {
		if (i > 0)
			*p++ = ',';
		/* Hex signatures: nothing to quote. */
		p += str_lcpy(p, PQgetvalue(r, i, 0), STORE_SIG_LEN);
	}
	*p++ = '}';
	*p = '\0';
	return s;
}

static int pg_top(struct store *st, const struct store_top_query *q,
		  store_sig_fn fn, void *arg)
{
	struct store_pg *pg = to_pg(st);
	struct pg_params pp = { 0 };
	struct pg_rels rels = { 0 };
	PGresult *res;
	int n = 0, err = 0;

	if ((err = pg_ready(pg)) < 0)
		return err;
	if (q->limit)
		pp_i64(&pp, (int64_t)q->limit);
	else
		pp_str(&pp, NULL); /* LIMIT NULL: all */
	if (q->since_us <= 0) {
		res = pg_run(pg,
			     "SELECT " PG_SIG_COLUMNS ", s.count, s.hosts"
			     " FROM signatures s"
			     " ORDER BY s.count DESC, s.last_seen_us DESC, s.sig"
			     " LIMIT $1::bigint",
			     false, &pp, &err);
	} else {
		/* As in the SQLite store: whole hours from the hourly
		 * buckets, the hour the window starts in from the records,
		 * so the count is exact; hosts whose last record of the
		 * signature is in the window. */
		int64_t hour = q->since_us / STORE_US_PER_HOUR;

		pp_i64(&pp, hour);
		pp_i64(&pp, q->since_us);
		pp_i64(&pp, (hour + 1) * STORE_US_PER_HOUR);
		res = pg_run(
			pg,
			"WITH w(sig, n) AS ("
			" SELECT sig, sum(count) FROM sig_hours"
			"  WHERE hour > $2 GROUP BY sig"
			" UNION ALL"
			" SELECT h.sig, (SELECT count(*) FROM records r"
			"  WHERE r.sig = h.sig AND r.seen_us >= $3"
			"  AND r.seen_us < $4) FROM sig_hours h"
			"  WHERE h.hour = $2),"
			" t(sig, n) AS (SELECT sig, sum(n)::bigint FROM w"
			"  GROUP BY sig)"
			" SELECT " PG_SIG_COLUMNS ", t.n,"
			" (SELECT count(*) FROM sig_hosts x WHERE"
			"  x.sig = s.sig AND x.last_seen_us >= $3)"
			" FROM t JOIN signatures s ON s.sig = t.sig"
			" WHERE t.n > 0"
			" ORDER BY t.n DESC, s.last_seen_us DESC, s.sig"
			" LIMIT $1::bigint",
			false, &pp, &err);
	}
	if (res == NULL)
		return err;
	if (!q->no_releases && PQntuples(res) > 0) {
		char *sigs = sig_array(res);

		err = sigs ? pg_rels_load(pg, sigs, &rels) : -ENOMEM;
		free(sigs);
	}
	for (int i = 0; err == 0 && i < PQntuples(res); i++) {
		struct store_sig sig;
		int stop;

		row_to_sig(res, i, &sig);
		sig.count = (uint64_t)col_i64(res, i, 8);
		sig.hosts = (uint64_t)col_i64(res, i, 9);
		if (!q->no_releases && (err = pg_rels_get(&rels, &sig)) < 0) {
			store_sig_free(&sig);
			break;
		}
		n++;
		stop = fn(&sig, arg);
		store_sig_free(&sig);
		if (stop)
			break;
	}
	PQclear(rels.res);
	PQclear(res);
	return err < 0 ? err : n;
}

struct pg_cb {
	store_host_fn host_fn;
	store_rec_fn rec_fn;
	void *arg;
};

static int host_row(const PGresult *r, void *arg)
{
	const struct pg_cb *cb = arg;
	struct store_host h = {
		.host_key = (char *)col_text(r, 0, 0),
		.hostname = (char *)col_text(r, 0, 1),
		.machine_id = (char *)col_text(r, 0, 2),
		.last_release = (char *)col_text(r, 0, 3),
		.last_sender = (char *)col_text(r, 0, 4),
		.count = (uint64_t)col_i64(r, 0, 5),
		.signatures = (uint64_t)col_i64(r, 0, 6),
		.first_seen_us = col_i64(r, 0, 7),
		.last_seen_us = col_i64(r, 0, 8),
	};

	return cb->host_fn(&h, cb->arg);
}

static int pg_hosts(struct store *st, store_host_fn fn, void *arg)
{
	struct store_pg *pg = to_pg(st);
	struct pg_params pp = { 0 };
	struct pg_cb cb = { .host_fn = fn, .arg = arg };
	int err;

	if ((err = pg_ready(pg)) < 0)
		return err;
	return pg_stream(pg,
			 "SELECT host_key, hostname, machine_id, last_release,"
			 " last_sender, count, signatures, first_seen_us,"
			 " last_seen_us FROM hosts"
			 " ORDER BY last_seen_us DESC, host_key",
			 &pp, host_row, &cb);
}

static int rec_row(const PGresult *r, void *arg)
{
	const struct pg_cb *cb = arg;
	struct store_rec rec = {
		.id = (const uint8_t *)PQgetvalue(r, 0, 0),
		.id_len = (size_t)PQgetlength(r, 0, 0),
		.signature = col_text(r, 0, 1),
		.host_key = col_text(r, 0, 2),
		.sender = col_text(r, 0, 3),
		.seen_us = col_i64(r, 0, 4),
		.received_us = col_i64(r, 0, 5),
		.packed = (const uint8_t *)PQgetvalue(r, 0, 6),
		.packed_len = (size_t)PQgetlength(r, 0, 6),
		.release = col_text(r, 0, 7),
	};

	return cb->rec_fn(&rec, cb->arg);
}

static int pg_export(struct store *st, const struct store_export_query *q,
		     store_rec_fn fn, void *arg)
{
	/* Spelled out per case so that a signature's records come from the
	 * (sig, seen_us) index, in its order. */
#define EXPORT_SQL(where, order)                                              \
	"SELECT id, sig, host_key, sender, seen_us, received_us, record,"     \
	" release FROM records WHERE " where " seen_us >= $2"                 \
	" ORDER BY " order " LIMIT $3::bigint"
	static const char *const sql[2][2] = {
		{ EXPORT_SQL("$1::text IS NULL AND", "rid"),
		  EXPORT_SQL("$1::text IS NULL AND", "seen_us DESC, rid DESC") },
		{ EXPORT_SQL("sig = $1 AND", "rid"),
		  EXPORT_SQL("sig = $1 AND", "seen_us DESC") },
	};
#undef EXPORT_SQL
	struct store_pg *pg = to_pg(st);
	struct pg_params pp = { 0 };
	struct pg_cb cb = { .rec_fn = fn, .arg = arg };
	int err;

	if ((err = pg_ready(pg)) < 0)
		return err;
	pp_str(&pp, q->signature);
	pp_i64(&pp, q->since_us > 0 ? q->since_us : INT64_MIN);
	if (q->limit)
		pp_i64(&pp, (int64_t)q->limit);
	else
		pp_str(&pp, NULL);
	return pg_stream(pg, sql[q->signature != NULL][q->newest_first], &pp,
			 rec_row, &cb);
}

static int pg_show(struct store *st, const char *signature, size_t max_hosts,
		   struct store_sig_detail **out)
{
	struct store_pg *pg = to_pg(st);
	struct store_sig_detail *d = NULL;
	char pattern[STORE_SIG_LEN + 2], lower[STORE_SIG_LEN];
	struct pg_params pp = { 0 };
	struct pg_rels rels = { 0 };
	PGresult *res = NULL;
	int64_t example_rid;
	int err;

	*out = NULL;
	if (store_sig_prefix(signature, lower) < 0)
		return -EINVAL;
	if ((err = pg_ready(pg)) < 0)
		return err;
	snprintf(pattern, sizeof(pattern), "%s%%", lower);
	pp_str(&pp, pattern);
	res = pg_run(pg,
		     "SELECT " PG_SIG_COLUMNS ", s.example_rid"
		     " FROM signatures s WHERE s.sig LIKE $1 LIMIT 2",
		     false, &pp, &err);
	if (res == NULL)
		return err;
	if (PQntuples(res) == 0) {
		err = -ENOENT;
		goto out;
	}
	if (PQntuples(res) > 1) {
		err = -EEXIST;
		goto out;
	}
	d = calloc(1, sizeof(*d));
	if (d == NULL) {
		err = -ENOMEM;
		goto out;
	}
	row_to_sig(res, 0, &d->sig);
	example_rid = col_i64(res, 0, 8);
	PQclear(res);
	res = NULL;
	/* An array of one: the hex signature needs no quoting. */
	snprintf(pattern, sizeof(pattern), "{%s}", d->sig.signature);
	if ((err = pg_rels_load(pg, pattern, &rels)) < 0 ||
	    (err = pg_rels_get(&rels, &d->sig)) < 0)
		goto out;

	pp.n = 0;
	pp_str(&pp, d->sig.signature);
	pp_i64(&pp, (int64_t)max_hosts);
	res = pg_run(pg,
		     "SELECT host_key, hostname, count, first_seen_us,"
		     " last_seen_us FROM sig_hosts WHERE sig = $1"
		     " ORDER BY count DESC, last_seen_us DESC LIMIT $2",
		     false, &pp, &err);
	if (res == NULL)
		goto out;
	d->hosts = calloc(max_hosts ? max_hosts : 1, sizeof(*d->hosts));
	if (d->hosts == NULL) {
		err = -ENOMEM;
		goto out;
	}
	for (int i = 0; i < PQntuples(res) && d->n_hosts < max_hosts; i++) {
		struct store_sig_host *h = &d->hosts[d->n_hosts++];

		h->host_key = col_strdup(res, i, 0);
		h->hostname = col_strdup(res, i, 1);
		h->count = (uint64_t)col_i64(res, i, 2);
		h->first_seen_us = col_i64(res, i, 3);
		h->last_seen_us = col_i64(res, i, 4);
	}
	PQclear(res);

	pp.n = 0;
	pp_i64(&pp, example_rid);
	res = pg_run(pg, "SELECT record FROM records WHERE rid = $1", false,
		     &pp, &err);
	if (res == NULL)
		goto out;
	if (PQntuples(res) == 1 && PQgetlength(res, 0, 0) > 0) {
		d->example_len = (size_t)PQgetlength(res, 0, 0);
		d->example = malloc(d->example_len);
		if (d->example == NULL) {
			err = -ENOMEM;
			goto out;
		}
		memcpy(d->example, PQgetvalue(res, 0, 0), d->example_len);
	}
	err = 0;
	*out = d;
	d = NULL;
out:
	PQclear(res);
	PQclear(rels.res);
	store_sig_detail_free(d);
	return err;
}

/* Run a retention DELETE with $1 = param, $2 = chunk.  Deleted or -errno. */
static int64_t pg_delete(struct store_pg *pg, const char *sql, int64_t param,
			 int64_t chunk)
{
	struct pg_params pp = { 0 };
	PGresult *res;
	int64_t changed;
	int err = 0;

	pp_i64(&pp, param);
	if (chunk >= 0)
		pp_i64(&pp, chunk);
	res = pg_run(pg, sql, false, &pp, &err);
	if (res == NULL)
		return err;
	changed = strtoll(PQcmdTuples(res), NULL, 10);
	PQclear(res);
	return changed;
}

static int64_t pg_scalar(struct store_pg *pg, const char *sql, int64_t *out)
{
	int err = 0;
	PGresult *res = pg_run(pg, sql, false, NULL, &err);

	if (res == NULL)
		return err;
	*out = PQntuples(res) == 1 ? col_i64(res, 0, 0) : 0;
	PQclear(res);
	return 0;
}

static int64_t pg_ret_delete_before(void *arg, int64_t cutoff, int64_t chunk)
{
	return pg_delete(arg,
			 "DELETE FROM records WHERE rid IN (SELECT r.rid FROM"
			 " signatures s JOIN records r ON r.sig = s.sig"
			 " AND r.seen_us < $1"
			 " WHERE r.rid IS DISTINCT FROM s.example_rid LIMIT $2)",
			 cutoff, chunk);
}

static int pg_ret_delete_hours(void *arg, int64_t hour)
{
	int64_t rc = pg_delete(arg, "DELETE FROM sig_hours WHERE hour < $1",
			       hour, -1);

	return rc < 0 ? (int)rc : 0;
}

static int pg_ret_count(void *arg, int64_t *records)
{
	return (int)pg_scalar(arg, "SELECT count(*) FROM records", records);
}

static int64_t pg_ret_delete_oldest(void *arg, int64_t chunk)
{
	return pg_delete(arg,
			 "DELETE FROM records WHERE rid IN (SELECT rid"
			 " FROM records r WHERE rid > $1 AND NOT EXISTS"
			 " (SELECT 1 FROM signatures s WHERE"
			 " s.example_rid = r.rid) ORDER BY rid LIMIT $2)",
			 0, chunk);
}

static const struct store_retention_ops pg_retention_ops = {
	.delete_before = pg_ret_delete_before,
	.delete_hours_before = pg_ret_delete_hours,
	.count = pg_ret_count,
	.delete_oldest = pg_ret_delete_oldest,
};

static int64_t pg_retention(struct store *st, int64_t now_us,
			    uint64_t max_age_us, uint64_t max_count)
{
	struct store_pg *pg = to_pg(st);
	int rc;

	if (pg->readonly)
		return -EROFS;
	if ((rc = pg_ready(pg)) < 0)
		return rc;
	return store_retention_run(&pg_retention_ops, pg, now_us, max_age_us,
				   max_count);
}

static int pg_stats(struct store *st, struct store_stats *out)
{
	struct store_pg *pg = to_pg(st);
	PGresult *res;
	int err;

	memset(out, 0, sizeof(*out));
	if ((err = pg_ready(pg)) < 0)
		return err;
	res = pg_run(pg,
		     "SELECT (SELECT count(*) FROM records),"
		     " (SELECT count(*) FROM signatures),"
		     " (SELECT count(*) FROM hosts)",
		     false, NULL, &err);
	if (res == NULL)
		return err;
	out->records = (uint64_t)col_i64(res, 0, 0);
	out->signatures = (uint64_t)col_i64(res, 0, 1);
	out->hosts = (uint64_t)col_i64(res, 0, 2);
	PQclear(res);
	return 0;
}

/*
 * Reconnecting under the daemon's seccomp filter: a TCP socket (the base
 * list allows AF_UNIX only) and its options.  Name resolution reads files
 * (SANDBOX_FILES) and talks UDP with calls the groups allow.
 */
static const char *const pg_syscalls[] = {
	"socket", "setsockopt", "getsockopt", "getsockname", "getpeername",
	NULL,
};

static const char *const pg_aliases[] = { "postgresql", "postgres", NULL };

const struct store_ops store_pg_ops = {
	.scheme = "pg",
	.aliases = pg_aliases,
	.open = pg_open,
	.close = pg_close,
	.put_batch = pg_put_batch,
	.top = pg_top,
	.hosts = pg_hosts,
	.export_ = pg_export,
	.show = pg_show,
	.retention = pg_retention,
	.stats = pg_stats,
	.syscalls = pg_syscalls,
};
