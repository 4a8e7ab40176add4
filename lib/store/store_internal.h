/* SPDX-License-Identifier: MIT */
/*
 * store_internal.h - what the store backends (lib/store_*.c) share and
 * nobody else needs: which records a batch may store, and the grouping of
 * a batch's new records into one aggregate UPSERT per key.
 *
 * Grouping is the same for every backend, and so is its order: each table
 * is updated in ascending key order (signature, then host, release, hour),
 * tables always in the same sequence.  A server database that several
 * collectors write at once takes its row locks in that order, so two
 * batches never wait for each other in a cycle.
 */
#ifndef OOPSD_STORE_INTERNAL_H
#define OOPSD_STORE_INTERNAL_H

#include <stdlib.h>

#include "store/store.h"

#define STORE_US_PER_HOUR ((int64_t)3600 * 1000000)

/* A record newly stored in the current batch, for the aggregates. */
struct store_agg {
	char sig[STORE_SIG_LEN], stack_sig[STORE_SIG_LEN];
	bool has_stack;
	int kind;
	const char *title, *hostname, *machine_id, *release;
	const char *sender;
	/* A copy, not a pointer: qsort() moves the entries. */
	char host_key[STORE_HOST_KEY_MAX];
	int64_t seen, hour;
	int64_t received_hour; /* the collector's clock, for the spike alert */
	int64_t rid;	   /* the backend's row id: arrival order */
	bool new_sig_host; /* first of a (sig, host) pair new to the store */
};

/* n records of a batch that share one aggregate row's key. */
struct store_agg_group {
	const struct store_agg *key;	/* the group's first entry */
	const struct store_agg *newest; /* its newest (seen, then rid) */
	/* hosts: the newest release that is known (not "unknown"), or NULL */
	const char *release;
	int64_t n;	   /* records */
	int64_t news;	   /* sig: hosts new to it; host: signatures new to it */
	int64_t first, last; /* seen times */
	int64_t sig_n;	   /* release groups: the signature's records */
};

/*
 * One UPSERT per group and table, called by store_agg_apply().  Each
 * returns 0 or -errno (which stops the walk); sig_host returns the row's
 * count after the update (== g->n: the row was created by this group).
 *
 * A sink that queues its statements and reads their results later (the
 * PostgreSQL store's pipeline) sets sig_host_counts: its sig_host returns
 * 0 once the statement is queued, and sig_host_counts, called after the
 * last sig_host, points *counts at the rows' counts, one per group in
 * call order (valid until the sink's next call; a group whose statement
 * returned no row holds a value no group size equals), and returns 0 or
 * -errno.
 */
struct store_agg_sink {
	int64_t (*sig_host)(void *arg, const struct store_agg_group *g);
	int (*sig_host_counts)(void *arg, const int64_t **counts);
	int (*sig)(void *arg, const struct store_agg_group *g);
	int (*release)(void *arg, const struct store_agg_group *g);
	int (*host)(void *arg, const struct store_agg_group *g);
	int (*hour)(void *arg, const struct store_agg_group *g);
	/*
	 * Alerts (store.h), each right after the upsert of its group, in the
	 * same transaction; NULL when the rules are off.  The row just
	 * updated tells: a signature or release row whose count equals the
	 * group's size was created by this batch.
	 */
	int (*alert_sig)(void *arg, const struct store_agg_group *g);
	int (*alert_release)(void *arg, const struct store_agg_group *g);
	int (*alert_hour)(void *arg, const struct store_agg_group *g);
};

/* Whether a record can be stored (id, title signature, bytes). */
bool store_put_valid(const struct store_put *p);

/* Fill *ag from a valid record (everything but rid and new_sig_host). */
void store_agg_fill(struct store_agg *ag, const struct store_put *p);

/*
 * Add n new records to the aggregates: sorts ag[] table by table and calls
 * the sink once per group, in the fixed order described above.  Returns 0
 * or the first error of the sink.
 */
int store_agg_apply(struct store_agg *ag, size_t n,
		    const struct store_agg_sink *sink, void *arg);

/*
 * Retention, step by step (store_retention_run() drives them, in chunks
 * of STORE_RETENTION_CHUNK records so that writers never wait long).  Each
 * returns records deleted (delete_*), 0, or -errno.
 */
#define STORE_RETENTION_CHUNK 5000
struct store_retention_ops {
	/* Up to chunk records received before cutoff that are no example. */
	int64_t (*delete_before)(void *arg, int64_t cutoff, int64_t chunk);
	/* The hour buckets before hour. */
	int (*delete_hours_before)(void *arg, int64_t hour);
	int (*count)(void *arg, int64_t *records);
	/* Up to chunk of the oldest records (arrival order) but examples. */
	int64_t (*delete_oldest)(void *arg, int64_t chunk);
};

/* store_retention() for a backend's steps.  Deleted count or -errno. */
int64_t store_retention_run(const struct store_retention_ops *ops, void *arg,
			    int64_t now_us, uint64_t max_age_us,
			    uint64_t max_age_deletes, uint64_t max_count);

/*
 * Rows [*first, return) of n rows sorted by signature (bytes) whose
 * signature is sig; sig_at(rows, i) gives row i's.  Empty: returns *first.
 */
size_t store_sig_rows(const void *rows, size_t n,
		      const char *(*sig_at)(const void *rows, size_t i),
		      const char *sig, size_t *first);

/*
 * A signature or prefix as `oopsctl show` takes it: 4 to 16 hex digits,
 * either case.  Writes the lower-case form to out.  Returns 0 or -EINVAL.
 */
int store_sig_prefix(const char *signature, char out[STORE_SIG_LEN]);

/*
 * The query layer's tables and indexes (store_query.c), in SQL both
 * backends run after their own schema, in the same transaction.
 */
extern const char store_query_schema[];

/*
 * Rows and parameters of the generic query (store_query()), for the code
 * written once on top of it (store_query.c, store_fleet.c).
 */
static inline const char *row_str(const struct store_row *r, int i)
{
	return i < r->n ? r->v[i] : NULL;
}

static inline int64_t row_i64(const struct store_row *r, int i)
{
	const char *v = row_str(r, i);

	return v ? strtoll(v, NULL, 10) : 0;
}

/* A question about one row: 0, -ENOENT without a row, or -errno. */
int store_query_one(struct store *st, const char *sql,
		    const struct store_param *p, int np, store_row_fn fn,
		    void *arg);

static inline struct store_param p_text(const char *s)
{
	return (struct store_param){ .type = s ? STORE_P_TEXT : STORE_P_NULL,
				     .s = s };
}

static inline struct store_param p_int(int64_t v)
{
	return (struct store_param){ .type = STORE_P_INT, .i = v };
}

#endif /* OOPSD_STORE_INTERNAL_H */
