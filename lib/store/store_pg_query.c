// SPDX-License-Identifier: MIT
/*
 * store_pg_query.c - what oopsctl asks of the PostgreSQL store: top,
 * hosts, export, show and stats.  Rows are streamed (pg_stream()) where a
 * result can be large.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "base/util.h"
#include "store_pg_internal.h"

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

/* A LIMIT of oopsctl's: 0 is NULL, which PostgreSQL reads as no limit. */
static void pp_limit(struct pg_params *pp, size_t limit)
{
	if (limit)
		pp_i64(pp, (int64_t)limit);
	else
		pp_str(pp, NULL);
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
		size_t len;

		if (i > 0)
			*p++ = ',';
		/* Hex signatures: nothing to quote.  A longer value in the
		 * table is cut, as row_to_sig() cuts it: str_lcpy() returns
		 * the whole length, which must not move p past the copy. */
		len = str_lcpy(p, PQgetvalue(r, i, 0), STORE_SIG_LEN);
		p += len < STORE_SIG_LEN - 1 ? len : STORE_SIG_LEN - 1;
	}
	*p++ = '}';
	*p = '\0';
	return s;
}

int pg_top(struct store *st, const struct store_top_query *q,
		  store_sig_fn fn, void *arg)
{
	struct store_pg *pg = to_pg(st);
	struct pg_params pp = { 0 };
	struct pg_rels rels = { 0 };
	PGresult *res;
	int n = 0, err = 0;

	if ((err = pg_ready(pg)) < 0)
		return err;
	pp_limit(&pp, q->limit);
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

int pg_hosts(struct store *st, store_host_fn fn, void *arg)
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

int pg_export(struct store *st, const struct store_export_query *q,
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
	pp_limit(&pp, q->limit);
	return pg_stream(pg, sql[q->signature != NULL][q->newest_first], &pp,
			 rec_row, &cb);
}

int pg_show(struct store *st, const char *signature, size_t max_hosts,
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

int pg_stats(struct store *st, struct store_stats *out)
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


/* Whether a table is there (a reader of an older store). */
int pg_has_table(struct store *st, const char *name)
{
	struct store_pg *pg = to_pg(st);
	struct pg_params pp = { 0 };
	PGresult *res;
	int err = 0, has;

	if ((err = pg_ready(pg)) < 0)
		return err;
	pp_str(&pp, name);
	res = pg_run(pg, "SELECT to_regclass($1) IS NOT NULL", false, &pp,
		     &err);
	if (res == NULL)
		return err;
	has = PQntuples(res) == 1 && PQgetvalue(res, 0, 0)[0] == 1;
	PQclear(res);
	return has;
}

/*
 * The query layer's generic query (store_query()): parameters typed for
 * the server (text, bigint, bytea), text made valid UTF-8 (the server
 * refuses anything else; SQLite keeps it), rows in text format (integers
 * in decimal, as SQLite gives them), bytea columns unescaped to bytes.
 * Rows are streamed (single-row mode): memory does not grow with the
 * result, the fleet's heartbeats being a row per host.
 */
#define PG_TEXTOID 25
#define PG_INT8OID 20
#define PG_BYTEAOID 17
#define PG_MAX_COLUMNS 32

struct pg_query_cb {
	store_row_fn fn;
	void *arg;
	int err; /* fn's, or of the row's decoding */
};

/* Report row 0 of a single-row result to fn; nonzero stops. */
static int pg_query_row(const PGresult *res, void *arg)
{
	struct pg_query_cb *cb = arg;
	const char *v[PG_MAX_COLUMNS];
	size_t len[PG_MAX_COLUMNS];
	unsigned char *freeme[PG_MAX_COLUMNS] = { 0 };
	struct store_row row = { .n = PQnfields(res), .v = v, .len = len };
	int rc = 0;

	if (row.n > PG_MAX_COLUMNS)
		return cb->err = -E2BIG;
	for (int c = 0; c < row.n && rc == 0; c++) {
		if (PQgetisnull(res, 0, c)) {
			v[c] = NULL;
			len[c] = 0;
		} else if (PQftype(res, c) == PG_BYTEAOID) {
			freeme[c] = PQunescapeBytea(
				(const unsigned char *)PQgetvalue(res, 0, c),
				&len[c]);
			if (freeme[c] == NULL)
				rc = -ENOMEM;
			v[c] = (const char *)freeme[c];
		} else {
			v[c] = PQgetvalue(res, 0, c);
			len[c] = (size_t)PQgetlength(res, 0, c);
		}
	}
	if (rc == 0 && cb->fn != NULL)
		rc = cb->fn(&row, cb->arg);
	for (int c = 0; c < row.n; c++)
		PQfreemem(freeme[c]);
	if (rc < 0)
		cb->err = rc;
	return rc;
}

int pg_query(struct store *st, const char *sql, const struct store_param *p,
	     int np, store_row_fn fn, void *arg)
{
	struct store_pg *pg = to_pg(st);
	struct pg_query_cb cb = { fn, arg, 0 };
	const char *vals[STORE_MAX_PARAMS];
	int lens[STORE_MAX_PARAMS], fmts[STORE_MAX_PARAMS];
	unsigned int types[STORE_MAX_PARAMS];
	char num[STORE_MAX_PARAMS][24];
	size_t owned = pg->nowned;
	int err, rows;

	if ((err = pg_ready(pg)) < 0)
		return err;
	for (int i = 0; i < np && err == 0; i++) {
		vals[i] = NULL;
		lens[i] = 0;
		fmts[i] = 0;
		types[i] = 0;
		switch (p[i].type) {
		case STORE_P_NULL:
			break;
		case STORE_P_TEXT:
			vals[i] = pg_text(pg, p[i].s, SIZE_MAX);
			if (vals[i] == NULL && p[i].s != NULL)
				err = -ENOMEM;
			types[i] = PG_TEXTOID;
			break;
		case STORE_P_INT:
			snprintf(num[i], sizeof(num[i]), "%" PRId64, p[i].i);
			vals[i] = num[i];
			types[i] = PG_INT8OID;
			break;
		case STORE_P_BLOB:
			vals[i] = p[i].b;
			lens[i] = (int)p[i].len;
			fmts[i] = 1;
			types[i] = PG_BYTEAOID;
			break;
		}
	}
	/* libpq copies the parameters into its buffer as it sends. */
	if (err == 0 &&
	    !PQsendQueryParams(pg->conn, sql, np, types, vals, lens, fmts, 0))
		err = pg_fail(pg, NULL, "query");
	pg_owned_free(pg, owned);
	if (err < 0)
		return err;
	rows = pg_stream_rows(pg, pg_query_row, &cb);
	return rows < 0 ? rows : cb.err < 0 ? cb.err : rows;
}
