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
#include "store_pg_internal.h"
#include "base/util.h"

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
	"CREATE INDEX IF NOT EXISTS sig_hours_hour ON sig_hours(hour);"
	/* Fleet coverage, collector counters, the alert queue and triage
	 * (doc/alerts.md), as in the SQLite store. */
	"CREATE TABLE IF NOT EXISTS heartbeats("
	" host_key text COLLATE \"C\" PRIMARY KEY, hostname text,"
	" machine_id text, agent_version text, release text, boot_id text,"
	" sender text, backlog bigint NOT NULL, interval_s bigint NOT NULL,"
	" received_us bigint NOT NULL);"
	"CREATE TABLE IF NOT EXISTS collectors("
	" name text COLLATE \"C\" PRIMARY KEY, version text,"
	" counters text NOT NULL, started_us bigint NOT NULL,"
	" updated_us bigint NOT NULL);"
	"CREATE TABLE IF NOT EXISTS alerts("
	" aid bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
	" key text COLLATE \"C\" NOT NULL UNIQUE,"
	" kind text NOT NULL, sig text NOT NULL, title text, release text,"
	" host_key text, count bigint NOT NULL, seen_us bigint NOT NULL,"
	" attempts bigint NOT NULL DEFAULT 0,"
	" next_us bigint NOT NULL DEFAULT 0, delivered_us bigint,"
	" last_error text);"
	"CREATE INDEX IF NOT EXISTS alerts_due ON alerts(next_us)"
	" WHERE delivered_us IS NULL;"
	"CREATE TABLE IF NOT EXISTS triage(sig text PRIMARY KEY,"
	" state text NOT NULL CHECK (state IN ('open','fixed','ignored')),"
	" fixed_in text, bug text, note text, updated_us bigint NOT NULL);"
	/* store_release_cmp() as a sort key: the digit runs as numbers, -1
	 * before a run that follows "rc", padded with 0 to 16 parts. */
	"CREATE OR REPLACE FUNCTION oopsd_relkey(r text) RETURNS numeric[]"
	" LANGUAGE sql IMMUTABLE AS $f$"
	" SELECT (coalesce(array_agg(x ORDER BY o, k), '{}')"
	"  || array_fill(0::numeric, ARRAY[16]))[1:16]"
	" FROM regexp_matches(coalesce(r, ''), '(rc)?([0-9]{1,15})', 'gi')"
	"  WITH ORDINALITY AS t(m, o),"
	" LATERAL unnest(CASE WHEN m[1] IS NULL THEN ARRAY[m[2]::numeric]"
	"  ELSE ARRAY[-1, m[2]::numeric] END) WITH ORDINALITY AS u(x, k)"
	" $f$;";


/* Signatures triaged this way raise no alert of the kind. */
#define PG_NOT_TRIAGED(states)                                                 \
	" AND NOT EXISTS (SELECT 1 FROM triage t WHERE t.sig = $1"             \
	" AND t.state IN (" states "))"

/* The write path, prepared on every (re)connection. */
const struct pg_stmt_def pg_stmt[P_COUNT] = {
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
		/* The newest arrival (the greatest rid: several collectors
		 * commit in any order) is the example, not the latest
		 * claimed crash time. */
		" title = CASE WHEN excluded.example_rid >"
		"  coalesce(t.example_rid, 0) THEN excluded.title ELSE t.title END,"
		" kind = CASE WHEN excluded.example_rid >"
		"  coalesce(t.example_rid, 0) THEN excluded.kind ELSE t.kind END,"
		" stack_sig = CASE WHEN excluded.example_rid >"
		"  coalesce(t.example_rid, 0) THEN excluded.stack_sig"
		"  ELSE t.stack_sig END,"
		" example_rid = greatest(excluded.example_rid, t.example_rid)" },
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
	/* The alerts of a batch, as in the SQLite store (see there). */
	[P_ALERT_SIG] = {
		"oopsd_alert_sig",
		"INSERT INTO alerts(key, kind, sig, title, release, host_key,"
		" count, seen_us)"
		" SELECT 'new_signature:' || sig, 'new_signature', sig, title,"
		" $3::text, $4::text, count, last_seen_us FROM signatures"
		" WHERE sig = $1 AND count = $2::bigint" PG_NOT_TRIAGED("'ignored'")
		" ON CONFLICT (key) DO NOTHING" },
	[P_ALERT_RELEASE] = {
		"oopsd_alert_release",
		"INSERT INTO alerts(key, kind, sig, title, release, host_key,"
		" count, seen_us)"
		" SELECT 'new_release:' || r.sig || ':' || r.release,"
		" 'new_release', r.sig, s.title, r.release, $5::text, r.count,"
		" r.last_seen_us FROM sig_releases r JOIN signatures s"
		" ON s.sig = r.sig WHERE r.sig = $1 AND r.release = $2::text"
		" AND r.count = $3::bigint AND s.count > $4::bigint"
		" AND r.release <> 'unknown'"
		PG_NOT_TRIAGED("'ignored', 'fixed'")
		" UNION ALL"
		" SELECT 'regression:' || t.sig || ':' || t.updated_us,"
		" 'regression', t.sig, s.title, $2::text, $5::text, $3::bigint,"
		" $6::bigint FROM triage t JOIN signatures s ON s.sig = t.sig"
		" WHERE t.sig = $1 AND t.state = 'fixed' AND"
		" CASE WHEN coalesce(t.fixed_in, '') = ''"
		"  THEN $6::bigint > t.updated_us"
		"  ELSE oopsd_relkey($2::text) >= oopsd_relkey(t.fixed_in) END"
		" ON CONFLICT (key) DO NOTHING" },
	[P_ALERT_SPIKE] = {
		"oopsd_alert_spike",
		"INSERT INTO alerts(key, kind, sig, title, release, host_key,"
		" count, seen_us)"
		" SELECT 'spike:' || h.sig || ':' || h.hour, 'spike', h.sig,"
		" s.title, $6::text, $5::text, h.count, s.last_seen_us"
		" FROM sig_hours h JOIN signatures s ON s.sig = h.sig"
		" WHERE h.sig = $1 AND h.hour = $2::bigint"
		" AND h.count >= $3::bigint"
		" AND s.first_seen_us < $2::bigint * 3600000000"
		" AND h.count * 24 >= $4::bigint * coalesce((SELECT sum(b.count)"
		"  FROM sig_hours b WHERE b.sig = $1 AND b.hour >= $2::bigint - 24"
		"  AND b.hour < $2::bigint), 0)" PG_NOT_TRIAGED("'ignored'")
		" ON CONFLICT (key) DO NOTHING" },
};



struct store_pg *to_pg(struct store *st)
{
	return (struct store_pg *)st;
}

void pp_str(struct pg_params *pp, const char *v)
{
	pp->v[pp->n] = v;
	pp->len[pp->n] = 0;
	pp->fmt[pp->n] = 0;
	pp->n++;
}

/* A text column where "" means NULL, as the SQLite store binds them. */
void pp_text(struct pg_params *pp, const char *v)
{
	pp_str(pp, v != NULL && v[0] != '\0' ? v : NULL);
}

void pp_i64(struct pg_params *pp, int64_t v)
{
	snprintf(pp->num[pp->n], sizeof(pp->num[0]), "%" PRId64, v);
	pp_str(pp, pp->num[pp->n]);
}

void pp_bytes(struct pg_params *pp, const void *v, size_t len)
{
	pp->v[pp->n] = v;
	pp->len[pp->n] = (int)len;
	pp->fmt[pp->n] = 1;
	pp->n++;
}

/* Results come in binary: integers big-endian, text as is. */
int64_t col_i64(const PGresult *r, int row, int col)
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

const char *col_text(const PGresult *r, int row, int col)
{
	return PQgetisnull(r, row, col) ? NULL : PQgetvalue(r, row, col);
}

char *col_strdup(const PGresult *r, int row, int col)
{
	const char *t = col_text(r, row, col);

	return t ? strdup(t) : NULL;
}

int64_t pg_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

bool pg_sqlstate_is(const PGresult *res, const char *state)
{
	const char *s = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;

	return s != NULL && strcmp(s, state) == 0;
}

/*
 * A statement failed: translate it into -errno, keep why for the caller
 * (store_errmsg(); a lost connection is logged here, once, because this
 * layer decides to reconnect), free res (may be
 * NULL).  -ENOTCONN: the connection is gone (the next call reconnects);
 * -EAGAIN: deadlock or serialization failure, the transaction may be
 * retried; -ENOSPC: the server's disk is full.
 */
int pg_fail(struct store_pg *pg, PGresult *res, const char *what)
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
	} else if (pg_sqlstate_is(res, "40P01") || pg_sqlstate_is(res, "40001")) {
		err = -EAGAIN;
		log_debug("store %s: %s: %.*s (retrying)", pg->name, what,
			  (int)len, msg);
	} else {
		if (pg_sqlstate_is(res, "53100"))
			err = -ENOSPC;
		else if (pg_sqlstate_is(res, "25006"))
			err = -EROFS;
	}
	snprintf(pg->base.errmsg, sizeof(pg->base.errmsg), "%.200s: %.40s: %.*s",
		 pg->name, what, (int)(len < 160 ? len : 160), msg);
	PQclear(res);
	return err;
}

/*
 * Run a statement (a prepared one by name when prepared) and return its
 * result when it succeeded (rows or not), else NULL with *err set.
 */
PGresult *pg_run(struct store_pg *pg, const char *sql, bool prepared,
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
int pg_exec(struct store_pg *pg, const char *sql, const char *what)
{
	PGresult *res = PQexec(pg->conn, sql);

	if (res != NULL && (PQresultStatus(res) == PGRES_COMMAND_OK ||
			    PQresultStatus(res) == PGRES_TUPLES_OK)) {
		PQclear(res);
		return 0;
	}
	return pg_fail(pg, res, what);
}

/*
 * Report the rows of the statement just sent one at a time (single-row
 * mode: memory does not grow with the result) to fn; nonzero from fn stops
 * the reports (the rest of the result is read and dropped: the connection
 * takes the next statement only then).  Returns rows reported or -errno.
 */
int pg_stream_rows(struct store_pg *pg, pg_row_fn fn, void *arg)
{
	PGresult *res;
	bool stop = false;
	int n = 0, err = 0;

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
		case PGRES_COMMAND_OK:
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

/* The same for a query sent here, rows in binary format. */
int pg_stream(struct store_pg *pg, const char *sql,
		     const struct pg_params *pp, pg_row_fn fn, void *arg)
{
	if (!PQsendQueryParams(pg->conn, sql, pp->n, NULL, pp->v, pp->len,
			       pp->fmt, 1))
		return pg_fail(pg, NULL, "query");
	return pg_stream_rows(pg, fn, arg);
}

/*
 * Run the schema texts ddl[] (NULL-terminated) in one transaction under
 * the schema lock, so that collectors change the schema one at a time.
 * 0, or -errno with the transaction rolled back.
 */
static int pg_schema_locked(struct store_pg *pg, const char *const *ddl,
			    const char *what)
{
	int rc;

	rc = pg_exec(pg,
		     "BEGIN; SELECT pg_advisory_xact_lock(" PG_SCHEMA_LOCK ")",
		     "schema lock");
	for (size_t i = 0; rc == 0 && ddl[i] != NULL; i++)
		rc = pg_exec(pg, ddl[i], what);
	if (rc == 0)
		rc = pg_exec(pg, "COMMIT", what);
	if (rc < 0 && PQstatus(pg->conn) == CONNECTION_OK)
		PQclear(PQexec(pg->conn, "ROLLBACK"));
	return rc;
}

/* The schema, once per store, by one collector at a time. */
static int pg_create_schema(struct store_pg *pg)
{
	static const char *const ddl[] = { pg_schema, store_query_schema,
					   NULL };

	return pg_schema_locked(pg, ddl, "creating the schema");
}

/* -ENOENT (said in the log unless quiet) when the tables are not there. */
static int pg_check_schema(struct store_pg *pg, bool quiet)
{
	struct pg_params pp = { 0 };
	PGresult *res;
	const char *v = NULL;
	int err = 0;

	/* A store made before the fleet tables is completed by the next
	 * collector that opens it (every CREATE is IF NOT EXISTS); a
	 * reader does without them. */
	pp_i64(&pp, pg->readonly);
	res = pg_run(pg, "SELECT to_regclass('signatures') IS NOT NULL AND"
			 " to_regclass('meta') IS NOT NULL AND"
			 " (to_regclass('alerts') IS NOT NULL OR $1::int = 1)",
		     false, &pp, &err);
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
		log_warnx("store %s: schema version %s, this build knows %s",
			  pg->name, v ? v : "(none)", PG_SCHEMA_VERSION);
		err = -EIO;
	}
	PQclear(res);
	return err;
}

/*
 * A store made before the query layer's tables and indexes existed gets
 * them (under the schema lock) the first time a writer connects.
 */
static int pg_upgrade_schema(struct store_pg *pg)
{
	static const char *const ddl[] = { store_query_schema, NULL };
	PGresult *res;
	int err = 0;
	bool have;

	res = pg_run(pg, "SELECT to_regclass('triage') IS NOT NULL AND"
			 " to_regclass('records_sig_source') IS NOT NULL",
		     false, NULL, &err);
	if (res == NULL)
		return err;
	have = PQntuples(res) == 1 && PQgetvalue(res, 0, 0)[0] == 1;
	PQclear(res);
	if (have)
		return 0;
	return pg_schema_locked(pg, ddl, "upgrading the schema");
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
		if (err == 0 && !pg->readonly)
			err = pg_upgrade_schema(pg);
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
int pg_ready(struct store_pg *pg)
{
	int64_t now;
	int rc;

	if (pg->ready && PQstatus(pg->conn) == CONNECTION_OK)
		return 0;
	now = pg_now_ms();
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
		pg->next_connect_ms = pg_now_ms() + pg->backoff_ms;

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
	/* No store for the caller to ask: say why here. */
	if (pg->base.errmsg[0] != '\0')
		log_warnx("store %s", pg->base.errmsg);
	pg_close(&pg->base);
	return err;
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
	.query = pg_query,
	.has_table = pg_has_table,
	.row_locks = true,
	.syscalls = pg_syscalls,
};
