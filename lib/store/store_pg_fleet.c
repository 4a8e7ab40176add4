// SPDX-License-Identifier: MIT
/*
 * store_pg_fleet.c - the PostgreSQL store's fleet tables: the last
 * heartbeat per host, the collectors' counters, and the alert queue
 * (doc/alerts.md).  Small statements, each its own transaction.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "base/util.h"
#include "store_pg_internal.h"

/* Text fields from the wire, made acceptable to the server. */
#define PG_FLEET_FIELDS 7
struct pg_fleet_text {
	char *s[PG_FLEET_FIELDS];
	int n;
};

/* A copy of v the server accepts (valid UTF-8, at most PG_MAX_KEY bytes
 * when key), kept in t until pg_fleet_text_free(); NULL stays NULL. */
static const char *pg_fleet_str(struct pg_fleet_text *t, const char *v,
				bool key, int *err)
{
	char *c;

	if (v == NULL || v[0] == '\0')
		return NULL;
	c = strndup(v, key ? PG_MAX_KEY : 4096);
	if (c == NULL) {
		*err = -ENOMEM;
		return NULL;
	}
	pg_utf8_repair(c);
	t->s[t->n++] = c;
	return c;
}

static void pg_fleet_text_free(struct pg_fleet_text *t)
{
	for (int i = 0; i < t->n; i++)
		free(t->s[i]);
	t->n = 0;
}

/* Run a statement that returns no rows; 0 or -errno. */
static int pg_fleet_do(struct store_pg *pg, const char *sql,
		       const struct pg_params *pp)
{
	PGresult *res;
	int err = 0;

	if (pg->readonly)
		return -EROFS;
	if ((err = pg_ready(pg)) < 0)
		return err;
	res = pg_run(pg, sql, false, pp, &err);
	if (res == NULL)
		return err;
	PQclear(res);
	return 0;
}

static int pg_heartbeat_one(struct store_pg *pg,
			    const struct store_heartbeat *hb)
{
	struct pg_fleet_text t = { 0 };
	struct pg_params pp = { 0 };
	PGresult *res;
	int err = 0;

	pp_str(&pp, pg_fleet_str(&t, hb->host_key, true, &err));
	pp_str(&pp, pg_fleet_str(&t, hb->hostname, false, &err));
	pp_str(&pp, pg_fleet_str(&t, hb->machine_id, false, &err));
	pp_str(&pp, pg_fleet_str(&t, hb->agent_version, false, &err));
	pp_str(&pp, pg_fleet_str(&t, hb->release, false, &err));
	pp_str(&pp, pg_fleet_str(&t, hb->boot_id, false, &err));
	pp_str(&pp, pg_fleet_str(&t, hb->sender, false, &err));
	pp_i64(&pp, hb->backlog);
	pp_i64(&pp, hb->interval_s);
	pp_i64(&pp, hb->received_us);
	if (err == 0 && pp.v[0] == NULL)
		err = -EINVAL;
	if (err == 0) {
		res = pg_run(pg,
			     "INSERT INTO heartbeats AS t VALUES($1, $2, $3, $4,"
			     " $5, $6, $7, $8, $9, $10)"
			     " ON CONFLICT (host_key) DO UPDATE"
			     " SET hostname = excluded.hostname,"
			     " machine_id = excluded.machine_id,"
			     " agent_version = excluded.agent_version,"
			     " release = excluded.release,"
			     " boot_id = excluded.boot_id, sender = excluded.sender,"
			     " backlog = excluded.backlog,"
			     " interval_s = excluded.interval_s,"
			     " received_us = excluded.received_us"
			     " WHERE excluded.received_us >= t.received_us",
			     false, &pp, &err);
		PQclear(res);
	}
	pg_fleet_text_free(&t);
	return err;
}

/* Heartbeats of many hosts in one transaction. */
int pg_heartbeat_put(struct store *st, const struct store_heartbeat *hbs,
		     size_t n)
{
	struct store_pg *pg = to_pg(st);
	int err;

	if (pg->readonly)
		return -EROFS;
	if ((err = pg_ready(pg)) < 0)
		return err;
	if ((err = pg_exec(pg, "BEGIN", "heartbeats")) < 0)
		return err;
	for (size_t i = 0; i < n && err == 0; i++)
		err = pg_heartbeat_one(pg, &hbs[i]);
	if (err == 0)
		err = pg_exec(pg, "COMMIT", "heartbeats");
	if (err < 0 && PQstatus(pg->conn) == CONNECTION_OK)
		PQclear(PQexec(pg->conn, "ROLLBACK"));
	return err;
}

struct pg_fleet_cb {
	store_heartbeat_fn hb_fn;
	store_collector_fn coll_fn;
	void *arg;
};

static int heartbeat_row(const PGresult *r, void *arg)
{
	const struct pg_fleet_cb *cb = arg;
	struct store_heartbeat hb = {
		.host_key = col_text(r, 0, 0),
		.hostname = col_text(r, 0, 1),
		.machine_id = col_text(r, 0, 2),
		.agent_version = col_text(r, 0, 3),
		.release = col_text(r, 0, 4),
		.boot_id = col_text(r, 0, 5),
		.sender = col_text(r, 0, 6),
		.backlog = col_i64(r, 0, 7),
		.interval_s = col_i64(r, 0, 8),
		.received_us = col_i64(r, 0, 9),
	};

	return cb->hb_fn(&hb, cb->arg);
}

/* Whether the fleet tables are there (a reader of an older store). */
static int pg_fleet_has(struct store_pg *pg, const char *table)
{
	struct pg_params pp = { 0 };
	PGresult *res;
	int err = 0, has;

	pp_str(&pp, table);
	res = pg_run(pg, "SELECT to_regclass($1) IS NOT NULL", false, &pp,
		     &err);
	if (res == NULL)
		return err;
	has = PQntuples(res) == 1 && PQgetvalue(res, 0, 0)[0] == 1;
	PQclear(res);
	return has;
}

int pg_heartbeats(struct store *st, store_heartbeat_fn fn, void *arg)
{
	struct store_pg *pg = to_pg(st);
	struct pg_params pp = { 0 };
	struct pg_fleet_cb cb = { .hb_fn = fn, .arg = arg };
	int err;

	if ((err = pg_ready(pg)) < 0)
		return err;
	if ((err = pg_fleet_has(pg, "heartbeats")) <= 0)
		return err;
	return pg_stream(pg,
			 "SELECT host_key, hostname, machine_id, agent_version,"
			 " release, boot_id, sender, backlog, interval_s,"
			 " received_us FROM heartbeats"
			 " ORDER BY received_us DESC, host_key",
			 &pp, heartbeat_row, &cb);
}

int pg_collector_put(struct store *st, const struct store_collector *c)
{
	struct store_pg *pg = to_pg(st);
	struct pg_fleet_text t = { 0 };
	struct pg_params pp = { 0 };
	int err = 0;

	pp_str(&pp, pg_fleet_str(&t, c->name, true, &err));
	pp_str(&pp, pg_fleet_str(&t, c->version, false, &err));
	pp_str(&pp, c->counters_json ? c->counters_json : "{}");
	pp_i64(&pp, c->started_us);
	pp_i64(&pp, c->updated_us);
	if (err == 0)
		err = pg_fleet_do(pg,
				  "INSERT INTO collectors VALUES($1, $2, $3,"
				  " $4, $5) ON CONFLICT (name) DO UPDATE SET"
				  " version = excluded.version,"
				  " counters = excluded.counters,"
				  " started_us = excluded.started_us,"
				  " updated_us = excluded.updated_us",
				  &pp);
	pg_fleet_text_free(&t);
	return err;
}

static int collector_row(const PGresult *r, void *arg)
{
	const struct pg_fleet_cb *cb = arg;
	struct store_collector c = {
		.name = col_text(r, 0, 0),
		.version = col_text(r, 0, 1),
		.counters_json = col_text(r, 0, 2),
		.started_us = col_i64(r, 0, 3),
		.updated_us = col_i64(r, 0, 4),
	};

	return cb->coll_fn(&c, cb->arg);
}

int pg_collectors(struct store *st, store_collector_fn fn, void *arg)
{
	struct store_pg *pg = to_pg(st);
	struct pg_params pp = { 0 };
	struct pg_fleet_cb cb = { .coll_fn = fn, .arg = arg };
	int err;

	if ((err = pg_ready(pg)) < 0)
		return err;
	if ((err = pg_fleet_has(pg, "collectors")) <= 0)
		return err;
	return pg_stream(pg,
			 "SELECT name, version, counters, started_us,"
			 " updated_us FROM collectors ORDER BY name",
			 &pp, collector_row, &cb);
}

/* Columns of the alerts the queries return. */
#define PG_ALERT_COLUMNS                                                       \
	"aid, key, kind, sig, title, release, host_key, count, seen_us,"      \
	" attempts, next_us, delivered_us, last_error"

struct pg_alert_cb {
	store_alert_fn fn;
	void *arg;
};

static void pg_row_to_alert(const PGresult *r, int row, struct store_alert *a)
{
	*a = (struct store_alert){
		.id = col_i64(r, row, 0),
		.key = col_text(r, row, 1),
		.kind = col_text(r, row, 2),
		.signature = col_text(r, row, 3),
		.title = col_text(r, row, 4),
		.release = col_text(r, row, 5),
		.host_key = col_text(r, row, 6),
		.count = col_i64(r, row, 7),
		.seen_us = col_i64(r, row, 8),
		.attempts = col_i64(r, row, 9),
		.next_us = col_i64(r, row, 10),
		.delivered_us = col_i64(r, row, 11),
		.last_error = col_text(r, row, 12),
	};
}

/* Report the rows of a result (freed here).  Count reported. */
static int pg_alert_rows(PGresult *res, store_alert_fn fn, void *arg)
{
	struct store_alert a;
	int n = 0;

	for (int i = 0; i < PQntuples(res); i++) {
		pg_row_to_alert(res, i, &a);
		n++;
		if (fn(&a, arg))
			break;
	}
	PQclear(res);
	return n;
}

int pg_alerts_due(struct store *st, int64_t now_us, int64_t lease_us,
		  size_t limit, store_alert_fn fn, void *arg)
{
	struct store_pg *pg = to_pg(st);
	struct pg_params pp = { 0 };
	PGresult *res;
	int err = 0;

	if (pg->readonly)
		return -EROFS;
	if ((err = pg_ready(pg)) < 0)
		return err;
	pp_i64(&pp, now_us);
	pp_i64(&pp, lease_us);
	pp_i64(&pp, (int64_t)limit);
	/* SKIP LOCKED: collectors sharing the store take different alerts
	 * at the same moment rather than wait for each other. */
	res = pg_run(pg,
		     "UPDATE alerts SET next_us = $2::bigint WHERE aid IN"
		     " (SELECT aid FROM alerts WHERE delivered_us IS NULL AND"
		     " next_us <= $1::bigint ORDER BY next_us, aid"
		     " LIMIT $3::bigint FOR UPDATE SKIP LOCKED)"
		     " RETURNING " PG_ALERT_COLUMNS,
		     false, &pp, &err);
	if (res == NULL)
		return err;
	return pg_alert_rows(res, fn, arg);
}

int pg_alert_done(struct store *st, const char *key, int64_t delivered_us)
{
	struct pg_params pp = { 0 };

	pp_str(&pp, key);
	pp_i64(&pp, delivered_us);
	return pg_fleet_do(to_pg(st),
			   "UPDATE alerts SET delivered_us = $2::bigint,"
			   " attempts = attempts + 1, last_error = NULL"
			   " WHERE key = $1",
			   &pp);
}

int pg_alert_retry(struct store *st, const char *key, int64_t next_us,
		   const char *error)
{
	struct pg_fleet_text t = { 0 };
	struct pg_params pp = { 0 };
	int err = 0;

	pp_str(&pp, key);
	pp_i64(&pp, next_us);
	pp_str(&pp, pg_fleet_str(&t, error, false, &err));
	if (err == 0)
		err = pg_fleet_do(to_pg(st),
				  "UPDATE alerts SET next_us = $2::bigint,"
				  " attempts = attempts +"
				  " CASE WHEN $3::text IS NULL THEN 0 ELSE 1 END,"
				  " last_error = coalesce($3::text, last_error)"
				  " WHERE key = $1 AND delivered_us IS NULL",
				  &pp);
	pg_fleet_text_free(&t);
	return err;
}

int pg_alerts(struct store *st, size_t limit, store_alert_fn fn, void *arg)
{
	struct store_pg *pg = to_pg(st);
	struct pg_params pp = { 0 };
	PGresult *res;
	int err = 0;

	if ((err = pg_ready(pg)) < 0)
		return err;
	if ((err = pg_fleet_has(pg, "alerts")) <= 0)
		return err;
	if (limit)
		pp_i64(&pp, (int64_t)limit);
	else
		pp_str(&pp, NULL);
	res = pg_run(pg,
		     "SELECT " PG_ALERT_COLUMNS " FROM alerts"
		     " ORDER BY aid DESC LIMIT $1::bigint",
		     false, &pp, &err);
	if (res == NULL)
		return err;
	return pg_alert_rows(res, fn, arg);
}

int64_t pg_alerts_purge(struct store *st, int64_t before_us)
{
	struct store_pg *pg = to_pg(st);
	struct pg_params pp = { 0 };
	PGresult *res;
	int64_t n;
	int err = 0;

	if (pg->readonly)
		return -EROFS;
	if ((err = pg_ready(pg)) < 0)
		return err;
	pp_i64(&pp, before_us);
	res = pg_run(pg,
		     "DELETE FROM alerts WHERE delivered_us IS NOT NULL"
		     " AND delivered_us < $1::bigint",
		     false, &pp, &err);
	if (res == NULL)
		return err;
	n = strtoll(PQcmdTuples(res), NULL, 10);
	PQclear(res);
	return n;
}
