// SPDX-License-Identifier: MIT
/*
 * store_fleet.c - the fleet tables: the last heartbeat per host, the
 * collectors' counters, and the alert queue (doc/alerts.md).
 *
 * Every operation is one SQL text in the dialect SQLite and PostgreSQL
 * share, run through the backend's generic query (store_ops.query), as
 * the query layer's are (store_query.c).  A read-only store refuses the
 * writes there: SQLite opened read-only answers SQLITE_READONLY, a
 * read-only PostgreSQL session (default_transaction_read_only) SQLSTATE
 * 25006, both -EROFS.  What the backends do differently is asked of them:
 * whether a table is there (store_ops.has_table) and whether they lock
 * rows (store_ops.row_locks).
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "store/store.h"
#include "store_internal.h"

/* Longest key (host_key, collector name) and other text kept: a server
 * indexes the keys, and nothing from the wire needs more. */
#define FLEET_MAX_KEY 255
#define FLEET_MAX_TEXT 4096

/* Text as the fleet tables keep it, copies freed by fleet_text_free(). */
#define FLEET_TEXTS 7
struct fleet_text {
	char *s[FLEET_TEXTS];
	int n;
	int err;
};

/*
 * A text parameter: NULL for NULL or empty, else v or (when longer than
 * the bound) a copy cut to it.  PostgreSQL's query makes it valid UTF-8.
 */
static struct store_param fleet_str(struct fleet_text *t, const char *v,
				    bool key)
{
	size_t max = key ? FLEET_MAX_KEY : FLEET_MAX_TEXT;
	char *c;

	if (v == NULL || v[0] == '\0')
		return p_text(NULL);
	if (strnlen(v, max + 1) <= max)
		return p_text(v);
	c = strndup(v, max);
	if (c == NULL) {
		t->err = -ENOMEM;
		return p_text(NULL);
	}
	if (t->n == FLEET_TEXTS) { /* a statement with more texts: a bug */
		free(c);
		t->err = -E2BIG;
		return p_text(NULL);
	}
	t->s[t->n++] = c;
	return p_text(c);
}

static void fleet_text_free(struct fleet_text *t)
{
	for (int i = 0; i < t->n; i++)
		free(t->s[i]);
	t->n = 0;
}

/* Whether a table of the fleet is there: a reader of a store made before
 * it sees nothing instead of failing.  1, 0 or -errno. */
static int fleet_has(struct store *st, const char *table)
{
	if (st->ops->has_table == NULL)
		return -EOPNOTSUPP;
	return st->ops->has_table(st, table);
}

/* A statement whose rows (if any) nobody reads: 0 or -errno. */
static int fleet_do(struct store *st, const char *sql,
		    const struct store_param *p, int np)
{
	int rc = store_query(st, sql, p, np, NULL, NULL);

	return rc < 0 ? rc : 0;
}

/* ---------------------------------------------------------- heartbeats -- */

int store_heartbeat_put(struct store *st, const struct store_heartbeat *hb)
{
	return store_heartbeats_put(st, hb, 1);
}

/* Heartbeats per transaction, at most (each needs its host key's room). */
#define STORE_HB_CHUNK 64

static int hb_by_key(const void *a, const void *b)
{
	const struct store_heartbeat *x = a, *y = b;
	int c = strcmp(x->host_key, y->host_key);

	/* The same host twice: the newer last, so it stays. */
	if (c == 0)
		c = (x->received_us > y->received_us) -
		    (x->received_us < y->received_us);
	return c;
}

/* An older heartbeat arriving late does not replace a newer one. */
static int hb_put_one(struct store *st, const struct store_heartbeat *hb)
{
	struct fleet_text t = { 0 };
	struct store_param p[10];
	int err;

	p[0] = fleet_str(&t, hb->host_key, true);
	p[1] = fleet_str(&t, hb->hostname, false);
	p[2] = fleet_str(&t, hb->machine_id, false);
	p[3] = fleet_str(&t, hb->agent_version, false);
	p[4] = fleet_str(&t, hb->release, false);
	p[5] = fleet_str(&t, hb->boot_id, false);
	p[6] = fleet_str(&t, hb->sender, false);
	p[7] = p_int(hb->backlog);
	p[8] = p_int(hb->interval_s);
	p[9] = p_int(hb->received_us);
	err = t.err;
	if (err == 0 && p[0].s == NULL)
		err = -EINVAL;
	if (err == 0)
		err = fleet_do(st,
			       "INSERT INTO heartbeats AS t(host_key, hostname,"
			       " machine_id, agent_version, release, boot_id,"
			       " sender, backlog, interval_s, received_us)"
			       " VALUES($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
			       " ON CONFLICT (host_key) DO UPDATE"
			       " SET hostname = excluded.hostname,"
			       " machine_id = excluded.machine_id,"
			       " agent_version = excluded.agent_version,"
			       " release = excluded.release,"
			       " boot_id = excluded.boot_id,"
			       " sender = excluded.sender,"
			       " backlog = excluded.backlog,"
			       " interval_s = excluded.interval_s,"
			       " received_us = excluded.received_us"
			       " WHERE excluded.received_us >= t.received_us",
			       p, 10);
	fleet_text_free(&t);
	return err;
}

/* Heartbeats of many hosts in one transaction: one fsync (or server
 * round trip to commit) for all. */
static int hb_put(struct store *st, const struct store_heartbeat *hbs,
		  size_t n)
{
	int err = fleet_do(st, "BEGIN", NULL, 0);

	if (err < 0)
		return err;
	for (size_t i = 0; i < n && err == 0; i++)
		err = hb_put_one(st, &hbs[i]);
	if (err == 0 && (err = fleet_do(st, "COMMIT", NULL, 0)) == 0)
		return 0;
	/* A lost connection took its transaction with it. */
	if (err != -ENOTCONN)
		fleet_do(st, "ROLLBACK", NULL, 0);
	return err;
}

int store_heartbeats_put(struct store *st, const struct store_heartbeat *hbs,
			 size_t n)
{
	struct store_heartbeat copy[STORE_HB_CHUNK] = { 0 };
	char keys[STORE_HB_CHUNK][STORE_HOST_KEY_MAX];
	int rc = 0;

	for (size_t i = 0; i < n && rc == 0; i += STORE_HB_CHUNK) {
		size_t k = n - i < STORE_HB_CHUNK ? n - i : STORE_HB_CHUNK;

		for (size_t j = 0; j < k; j++) {
			const struct store_heartbeat *hb = &hbs[i + j];

			copy[j] = *hb;
			if (hb->host_key == NULL || hb->host_key[0] == '\0')
				copy[j].host_key = store_host_key_of(
					hb->machine_id, hb->hostname,
					hb->sender, keys[j], sizeof(keys[j]));
		}
		/* Rows in key order: collectors sharing a server lock
		 * them in the same order. */
		qsort(copy, k, sizeof(copy[0]), hb_by_key);
		rc = hb_put(st, copy, k);
	}
	return rc;
}

#define HB_COLUMNS                                                             \
	"host_key, hostname, machine_id, agent_version, release, boot_id,"    \
	" sender, backlog, interval_s, received_us"

struct hb_cb {
	store_heartbeat_fn fn;
	void *arg;
};

static int hb_row(const struct store_row *r, void *arg)
{
	struct hb_cb *cb = arg;
	struct store_heartbeat hb = {
		.host_key = row_str(r, 0),
		.hostname = row_str(r, 1),
		.machine_id = row_str(r, 2),
		.agent_version = row_str(r, 3),
		.release = row_str(r, 4),
		.boot_id = row_str(r, 5),
		.sender = row_str(r, 6),
		.backlog = row_i64(r, 7),
		.interval_s = row_i64(r, 8),
		.received_us = row_i64(r, 9),
	};

	/* Any nonzero stops the list; it is no error. */
	return cb->fn(&hb, cb->arg) != 0;
}

int store_heartbeats(struct store *st, store_heartbeat_fn fn, void *arg)
{
	struct hb_cb cb = { fn, arg };
	int rc = fleet_has(st, "heartbeats");

	if (rc <= 0)
		return rc;
	return store_query(st,
			   "SELECT " HB_COLUMNS " FROM heartbeats"
			   " ORDER BY received_us DESC, host_key",
			   NULL, 0, hb_row, &cb);
}

int store_heartbeat_get(struct store *st, const char *host_key,
			store_heartbeat_fn fn, void *arg)
{
	struct hb_cb cb = { fn, arg };
	struct store_param p = p_text(host_key);

	if (host_key == NULL)
		return -EINVAL;
	return store_query_one(st,
			       "SELECT " HB_COLUMNS " FROM heartbeats"
			       " WHERE host_key = $1",
			       &p, 1, hb_row, &cb);
}

/* ---------------------------------------------------------- collectors -- */

int store_collector_put(struct store *st, const struct store_collector *c)
{
	struct fleet_text t = { 0 };
	struct store_param p[5];
	int err;

	if (c->name == NULL || c->name[0] == '\0')
		return -EINVAL;
	p[0] = fleet_str(&t, c->name, true);
	p[1] = fleet_str(&t, c->version, false);
	p[2] = p_text(c->counters_json ? c->counters_json : "{}");
	p[3] = p_int(c->started_us);
	p[4] = p_int(c->updated_us);
	err = t.err;
	if (err == 0)
		err = fleet_do(st,
			       "INSERT INTO collectors(name, version, counters,"
			       " started_us, updated_us)"
			       " VALUES($1, $2, $3, $4, $5)"
			       " ON CONFLICT (name) DO UPDATE SET"
			       " version = excluded.version,"
			       " counters = excluded.counters,"
			       " started_us = excluded.started_us,"
			       " updated_us = excluded.updated_us",
			       p, 5);
	fleet_text_free(&t);
	return err;
}

struct coll_cb {
	store_collector_fn fn;
	void *arg;
};

static int coll_row(const struct store_row *r, void *arg)
{
	struct coll_cb *cb = arg;
	struct store_collector c = {
		.name = row_str(r, 0),
		.version = row_str(r, 1),
		.counters_json = row_str(r, 2),
		.started_us = row_i64(r, 3),
		.updated_us = row_i64(r, 4),
	};

	return cb->fn(&c, cb->arg) != 0;
}

int store_collectors(struct store *st, store_collector_fn fn, void *arg)
{
	struct coll_cb cb = { fn, arg };
	int rc = fleet_has(st, "collectors");

	if (rc <= 0)
		return rc;
	return store_query(st,
			   "SELECT name, version, counters, started_us,"
			   " updated_us FROM collectors ORDER BY name",
			   NULL, 0, coll_row, &cb);
}

/* -------------------------------------------------------------- alerts -- */

/* Columns of the alerts the queries return. */
#define ALERT_COLUMNS                                                          \
	"aid, key, kind, sig, title, release, host_key, count, seen_us,"      \
	" attempts, next_us, delivered_us, last_error"

struct alert_cb {
	store_alert_fn fn;
	void *arg;
	int n;	   /* reported */
	bool stop; /* fn said so */
};

/*
 * Every row is read (an UPDATE ... RETURNING is done only then on some
 * backends) and reported until fn says stop: never stops the query.
 */
static int alert_row(const struct store_row *r, void *arg)
{
	struct alert_cb *cb = arg;
	struct store_alert a = {
		.id = row_i64(r, 0),
		.key = row_str(r, 1),
		.kind = row_str(r, 2),
		.signature = row_str(r, 3),
		.title = row_str(r, 4),
		.release = row_str(r, 5),
		.host_key = row_str(r, 6),
		.count = row_i64(r, 7),
		.seen_us = row_i64(r, 8),
		.attempts = row_i64(r, 9),
		.next_us = row_i64(r, 10),
		.delivered_us = row_i64(r, 11),
		.last_error = row_str(r, 12),
	};

	if (cb->stop)
		return 0;
	cb->n++;
	cb->stop = cb->fn(&a, cb->arg) != 0;
	return 0;
}

/*
 * The lease.  A backend that locks rows skips those another collector is
 * leasing at the same moment rather than wait for it (SKIP LOCKED); SQLite
 * has one writer at a time.
 */
#define ALERTS_DUE_SQL(lock)                                                   \
	"UPDATE alerts SET next_us = $2 WHERE aid IN"                          \
	" (SELECT aid FROM alerts WHERE delivered_us IS NULL AND"             \
	" next_us <= $1 ORDER BY next_us, aid LIMIT $3" lock ")"              \
	" RETURNING " ALERT_COLUMNS

int store_alerts_due(struct store *st, int64_t now_us, int64_t lease_us,
		     size_t limit, store_alert_fn fn, void *arg)
{
	struct alert_cb cb = { .fn = fn, .arg = arg };
	struct store_param p[3] = { p_int(now_us), p_int(lease_us),
				    p_int((int64_t)limit) };
	int rc;

	rc = store_query(st,
			 st->ops->row_locks ?
				 ALERTS_DUE_SQL(" FOR UPDATE SKIP LOCKED") :
				 ALERTS_DUE_SQL(""),
			 p, 3, alert_row, &cb);
	return rc < 0 ? rc : cb.n;
}

int store_alert_done(struct store *st, const char *key, int64_t delivered_us)
{
	struct store_param p[2] = { p_text(key), p_int(delivered_us) };

	return fleet_do(st,
			"UPDATE alerts SET delivered_us = $2,"
			" attempts = attempts + 1, last_error = NULL"
			" WHERE key = $1",
			p, 2);
}

int store_alert_retry(struct store *st, const char *key, int64_t next_us,
		      const char *error)
{
	struct fleet_text t = { 0 };
	struct store_param p[3];
	int err;

	p[0] = p_text(key);
	p[1] = p_int(next_us);
	p[2] = fleet_str(&t, error, false);
	err = t.err;
	/* The cast: PostgreSQL cannot tell the type of a NULL alone. */
	if (err == 0)
		err = fleet_do(st,
			       "UPDATE alerts SET next_us = $2,"
			       " attempts = attempts +"
			       " CASE WHEN CAST($3 AS text) IS NULL"
			       " THEN 0 ELSE 1 END,"
			       " last_error = coalesce(CAST($3 AS text),"
			       " last_error)"
			       " WHERE key = $1 AND delivered_us IS NULL",
			       p, 3);
	fleet_text_free(&t);
	return err;
}

int64_t store_alerts_purge(struct store *st, int64_t delivered_before_us)
{
	struct store_param p = p_int(delivered_before_us);

	/* The rows returned are counted, not read. */
	return store_query(st,
			   "DELETE FROM alerts WHERE delivered_us IS NOT NULL"
			   " AND delivered_us < $1 RETURNING aid",
			   &p, 1, NULL, NULL);
}

int store_alerts(struct store *st, size_t limit, store_alert_fn fn, void *arg)
{
	struct alert_cb cb = { .fn = fn, .arg = arg };
	struct store_param p = p_int(limit ? (int64_t)limit : INT64_MAX);
	int rc = fleet_has(st, "alerts");

	if (rc <= 0)
		return rc;
	rc = store_query(st,
			 "SELECT " ALERT_COLUMNS " FROM alerts"
			 " ORDER BY aid DESC LIMIT $1",
			 &p, 1, alert_row, &cb);
	return rc < 0 ? rc : cb.n;
}
