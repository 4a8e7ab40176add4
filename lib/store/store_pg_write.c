// SPDX-License-Identifier: MIT
/*
 * store_pg_write.c - the PostgreSQL store's write path: a batch of records
 * and its aggregates in one pipelined transaction (three round trips, see
 * pg_put_try()), and retention.  store_pg.c says what holds it together.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "base/util.h"
#include "record/record.h"
#include "store_pg_internal.h"

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
void pg_utf8_repair(char *s)
{
	size_t i = 0;

	while (s[i] != '\0') {
		i += utf8_valid_len((const unsigned char *)s + i);
		if (s[i] != '\0')
			s[i++] = '?';
	}
}

const char *pg_text(struct store_pg *pg, const char *s, size_t max)
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
	pg_utf8_repair(copy);
	pg->owned[pg->nowned++] = copy;
	return copy;
}

void pg_owned_free(struct store_pg *pg, size_t from)
{
	for (size_t i = from; i < pg->nowned; i++)
		free(pg->owned[i]);
	pg->nowned = from;
}

/* The aggregate's strings as the server accepts them. */
static int pg_agg_text(struct store_pg *pg, struct store_agg *ag)
{
	const char **fields[] = { &ag->title, &ag->hostname, &ag->machine_id,
				  &ag->release, &ag->sender };

	pg_utf8_repair(ag->host_key);
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

static int pg_upsert(struct store_pg *pg, int stmt, const struct pg_params *pp)
{
	return pg_queue(pg, pg_stmt[stmt].name, true, pp);
}

/*
 * The columns an aggregate row ends with (store_pg.c's schema), from its
 * group: count, the new ones it counts where it does (news: a signature's
 * hosts, a host's signatures), first_seen_us, last_seen_us.
 */
static void pp_group(struct pg_params *pp, const struct store_agg_group *g,
		     bool news)
{
	pp_i64(pp, g->n);
	if (news)
		pp_i64(pp, g->news);
	pp_i64(pp, g->first);
	pp_i64(pp, g->last);
}

/* The aggregate UPSERTs, one per group (store_agg_apply()), queued. */
static int64_t pg_agg_sig_host(void *arg, const struct store_agg_group *g)
{
	struct pg_params pp = { 0 };

	pp_str(&pp, g->key->sig);
	pp_str(&pp, g->key->host_key);
	pp_text(&pp, g->newest->hostname);
	pp_group(&pp, g, false);
	return pg_upsert(arg, P_UPS_SIG_HOST, &pp);
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

static int pg_agg_sig(void *arg, const struct store_agg_group *g)
{
	const struct store_agg *e = g->newest;
	struct pg_params pp = { 0 };

	pp_str(&pp, e->sig);
	pp_str(&pp, e->title);
	pp_str(&pp, record_kind_name(e->kind));
	pp_str(&pp, e->has_stack ? e->stack_sig : NULL);
	pp_group(&pp, g, true);
	pp_i64(&pp, e->rid);
	return pg_upsert(arg, P_UPS_SIG, &pp);
}

static int pg_agg_release(void *arg, const struct store_agg_group *g)
{
	struct pg_params pp = { 0 };

	pp_str(&pp, g->key->sig);
	pp_str(&pp, g->key->release);
	pp_group(&pp, g, false);
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
	pp_group(&pp, g, true);
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

/* The alerts (store.h), queued like the upserts they follow. */
static int pg_alert_sig(void *arg, const struct store_agg_group *g)
{
	struct pg_params pp = { 0 };

	pp_str(&pp, g->key->sig);
	pp_i64(&pp, g->n);
	pp_text(&pp, g->newest->release);
	pp_str(&pp, g->newest->host_key);
	return pg_upsert(arg, P_ALERT_SIG, &pp);
}

static int pg_alert_release(void *arg, const struct store_agg_group *g)
{
	struct pg_params pp = { 0 };

	pp_str(&pp, g->key->sig);
	pp_str(&pp, g->key->release);
	pp_i64(&pp, g->n);
	pp_i64(&pp, g->sig_n);
	pp_str(&pp, g->newest->host_key);
	pp_i64(&pp, g->last);
	return pg_upsert(arg, P_ALERT_RELEASE, &pp);
}

static int pg_alert_hour(void *arg, const struct store_agg_group *g)
{
	struct store_pg *pg = arg;
	struct pg_params pp = { 0 };

	pp_str(&pp, g->key->sig);
	pp_i64(&pp, g->key->hour);
	pp_i64(&pp, pg->base.alert_rules.spike_min);
	pp_i64(&pp, pg->base.alert_rules.spike_factor);
	pp_str(&pp, g->newest->host_key);
	pp_text(&pp, g->newest->release);
	return pg_upsert(pg, P_ALERT_SPIKE, &pp);
}

static const struct store_agg_sink pg_agg_sink = {
	.sig_host = pg_agg_sig_host,
	.sig_host_counts = pg_agg_sig_host_counts,
	.sig = pg_agg_sig,
	.release = pg_agg_release,
	.host = pg_agg_host,
	.hour = pg_agg_hour,
};

static const struct store_agg_sink pg_agg_sink_alerts = {
	.sig_host = pg_agg_sig_host,
	.sig_host_counts = pg_agg_sig_host_counts,
	.sig = pg_agg_sig,
	.release = pg_agg_release,
	.host = pg_agg_host,
	.hour = pg_agg_hour,
	.alert_sig = pg_alert_sig,
	.alert_release = pg_alert_release,
	.alert_hour = pg_alert_hour,
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

	pg_owned_free(pg, 0);
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
	if ((rc = store_agg_apply(pg->agg, nagg,
				  pg->base.alert_rules.enabled ?
					  &pg_agg_sink_alerts : &pg_agg_sink,
				  pg)) < 0 ||
	    (rc = pg_queue(pg, "COMMIT", false, NULL)) < 0 ||
	    (rc = pg_pipe_sync(pg)) < 0)
		goto rollback;
	if (pg->vals[pg->nvals - 1] != PG_COMMITTED) {
		snprintf(pg->base.errmsg, sizeof(pg->base.errmsg),
			 "%.200s: commit: the server rolled the batch back",
			 pg->name);
		rc = -EIO;
		goto rollback;
	}
	pg_pipe_leave(pg);
	pg_owned_free(pg, 0);
	return stored;
rollback:
	pg_pipe_leave(pg);
	if (pg->ready && PQstatus(pg->conn) == CONNECTION_OK)
		PQclear(PQexec(pg->conn, "ROLLBACK"));
	pg_owned_free(pg, 0);
	return rc;
}

int pg_put_batch(struct store *st, struct store_put *items, size_t n)
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
		snprintf(pg->base.errmsg, sizeof(pg->base.errmsg),
			 "%.200s: batch still conflicting after %d retries",
			 pg->name, PG_RETRIES);
	return rc == -EAGAIN ? -EIO : rc;
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
			 " AND r.received_us < $1"
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

int64_t pg_retention(struct store *st, int64_t now_us,
			    uint64_t max_age_us, uint64_t max_age_deletes,
			    uint64_t max_count)
{
	struct store_pg *pg = to_pg(st);
	int rc;

	if (pg->readonly)
		return -EROFS;
	if ((rc = pg_ready(pg)) < 0)
		return rc;
	return store_retention_run(&pg_retention_ops, pg, now_us, max_age_us,
				   max_age_deletes, max_count);
}

