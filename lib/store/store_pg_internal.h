/* SPDX-License-Identifier: MIT */
/*
 * store_pg_internal.h - what the three parts of the PostgreSQL store share:
 * store_pg.c (connection, schema, session, the ops table), store_pg_write.c
 * (the pipelined write path and retention) and store_pg_query.c (what
 * oopsctl asks).  Private to lib/store.
 */
#ifndef OOPSD_STORE_PG_INTERNAL_H
#define OOPSD_STORE_PG_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include <libpq-fe.h>

#include "store/store.h"
#include "store_internal.h"

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

enum {
	P_INS_RECORD,
	P_UPS_SIG_HOST,
	P_UPS_SIG,
	P_UPS_SIG_RELEASE,
	P_UPS_HOST,
	P_UPS_SIG_HOUR,
	P_ALERT_SIG,
	P_ALERT_RELEASE,
	P_ALERT_SPIKE,
	P_COUNT
};

/* The write path's prepared statements (store_pg.c). */
struct pg_stmt_def {
	const char *name;
	const char *sql;
};
extern const struct pg_stmt_def pg_stmt[P_COUNT];

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

/* Helpers of store_pg.c. */
typedef int (*pg_row_fn)(const PGresult *r, void *arg);
struct store_pg *to_pg(struct store *st);
void pp_str(struct pg_params *pp, const char *v);
void pp_text(struct pg_params *pp, const char *v);
void pp_i64(struct pg_params *pp, int64_t v);
void pp_bytes(struct pg_params *pp, const void *v, size_t len);
int64_t col_i64(const PGresult *r, int row, int col);
const char *col_text(const PGresult *r, int row, int col);
char *col_strdup(const PGresult *r, int row, int col);
int64_t pg_now_ms(void);
/* Make s valid UTF-8 in place (invalid bytes become '?'). */
void pg_utf8_repair(char *s);
/*
 * Text the server accepts: valid UTF-8 (it refuses anything else, which
 * would fail the batch forever), at most max bytes.  Returns s, or a copy
 * cut at max bytes with every invalid byte replaced by '?', kept in
 * pg->owned until pg_owned_free(); NULL only without memory.
 */
const char *pg_text(struct store_pg *pg, const char *s, size_t max);
/* Free the copies pg_text() made since pg->owned held from of them. */
void pg_owned_free(struct store_pg *pg, size_t from);
bool pg_sqlstate_is(const PGresult *res, const char *state);
int pg_fail(struct store_pg *pg, PGresult *res, const char *what);
PGresult *pg_run(struct store_pg *pg, const char *sql, bool prepared,
			const struct pg_params *pp, int *err);
int pg_exec(struct store_pg *pg, const char *sql, const char *what);
int pg_stream(struct store_pg *pg, const char *sql,
		     const struct pg_params *pp, pg_row_fn fn, void *arg);
int pg_stream_rows(struct store_pg *pg, pg_row_fn fn, void *arg);
int pg_ready(struct store_pg *pg);

/* The store operations, by part. */
int pg_put_batch(struct store *st, struct store_put *items, size_t n);
int64_t pg_retention(struct store *st, int64_t now_us, uint64_t max_age_us,
		     uint64_t max_age_deletes, uint64_t max_count);
int pg_top(struct store *st, const struct store_top_query *q,
		  store_sig_fn fn, void *arg);
int pg_hosts(struct store *st, store_host_fn fn, void *arg);
int pg_export(struct store *st, const struct store_export_query *q,
		     store_rec_fn fn, void *arg);
int pg_show(struct store *st, const char *signature, size_t max_hosts,
		   struct store_sig_detail **out);
int pg_stats(struct store *st, struct store_stats *out);
int pg_query(struct store *st, const char *sql, const struct store_param *p,
	     int np, store_row_fn fn, void *arg);
int pg_has_table(struct store *st, const char *name);

#endif /* OOPSD_STORE_PG_INTERNAL_H */
