/* SPDX-License-Identifier: MIT */
/*
 * store.h - where oops-collector keeps crash records and their
 * per-signature aggregates, and where oopsctl's queries read them.
 *
 * A small interface over backends chosen by the scheme of a store spec
 * ("sqlite:/var/lib/oopsd/oopsd.db", "postgresql://db/oopsd"), so that
 * ingest and the queries do not care where records live.  Each backend is
 * one `const struct store_ops`: lib/store_sqlite.c is the embedded one,
 * lib/store_pg.c the PostgreSQL server several collectors share.
 *
 * Records enter in batches: store_put_batch() stores every record of the
 * batch in one durable transaction and says, per record, whether it was
 * new or a duplicate (same record id already stored).  When it returns 0
 * the batch is on stable storage and may be acknowledged.
 *
 * Aggregates are kept up to date on insert, so queries read small tables:
 * per signature (count, first/last seen, distinct hosts, an example
 * record), per signature and kernel release, per signature and host, per
 * host, and per signature and hour (for `top --since`).
 *
 * Times are unix microseconds.  The time a record is "seen" at is its
 * crash time when the agent knew it (and it is not in the future), else the
 * time the collector received it.
 */
#ifndef OOPSD_STORE_H
#define OOPSD_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "oopsd.pb-c.h"

struct store;

/* Hex signature: 16 lower-case hex digits and a NUL. */
#define STORE_SIG_LEN 17
/* Record ids longer than this are refused (they are 16-32 bytes). */
#define STORE_MAX_ID_BYTES 64

enum store_put_result {
	STORE_PUT_STORED = 0,	 /* new record, aggregates updated */
	STORE_PUT_DUPLICATE = 1, /* record id already stored: ack again */
	STORE_PUT_INVALID = 2,	 /* no id, no title signature: refused */
	STORE_PUT_FAILED = 3,	 /* (set by callers) not stored: retry later */
};

/* One record of a batch. */
struct store_put {
	const Oopsd__CrashRecord *rec; /* decoded record (borrowed) */
	const uint8_t *packed;	       /* the record's bytes as received */
	size_t packed_len;
	const char *sender;   /* "ADDR:PORT" or "netlink:PID" it came from */
	int64_t received_us;  /* collector's clock */
	enum store_put_result result; /* out */
};

/* store_open() flags. */
#define STORE_READONLY 0x1u

/*
 * Open the store named by spec ("sqlite:PATH", "postgresql://...",
 * "postgres://..." or "pg:KEYWORD=VALUE ..."), creating it (and its
 * schema) unless STORE_READONLY.  *out is owned by the caller, released
 * with store_close().  Returns 0, -EINVAL for an unknown scheme or bad
 * spec, -ENOENT when a read-only store does not exist, or -EIO (the
 * backend logs why).
 */
int store_open(const char *spec, unsigned flags, struct store **out);

/*
 * Whether spec names a store this build can open (a known scheme and a
 * non-empty rest), without opening it (-n).  0, or -EINVAL with the
 * reason in err.
 */
int store_spec_check(const char *spec, char *err, size_t errlen);
void store_close(struct store *st);

/*
 * Store n records in one durable transaction, setting items[i].result.
 * Records that are invalid are skipped (result STORE_PUT_INVALID); the same
 * record id twice in one batch is stored once.  Returns the number of
 * records newly stored (>= 0) once the transaction is durable, or -EIO,
 * -ENOSPC, -EROFS, or -ENOTCONN (a store server that cannot be reached
 * now); on error nothing of the batch is stored.
 */
int store_put_batch(struct store *st, struct store_put *items, size_t n);

/* Kernel release a signature was seen on. */
struct store_release {
	char *release;
	uint64_t count;
	int64_t first_seen_us, last_seen_us;
};

/* A signature's aggregate. */
struct store_sig {
	char signature[STORE_SIG_LEN];	     /* title signature, hex */
	char stack_signature[STORE_SIG_LEN]; /* of the example record */
	char *title;
	char *kind;		/* "BUG", "WARNING", "KASAN", ... */
	uint64_t count;		/* records (all time, or in the window) */
	uint64_t total;		/* records all time */
	uint64_t hosts;		/* distinct hosts (all time, or in window) */
	int64_t first_seen_us, last_seen_us;
	struct store_release *releases; /* by first seen */
	size_t n_releases;
};

struct store_top_query {
	int64_t since_us; /* 0: all time; else count only records seen since */
	size_t limit;	  /* 0: every signature */
	bool no_releases; /* leave store_sig.releases empty (faster) */
};

/* Called once per signature, by count descending.  Nonzero stops. */
typedef int (*store_sig_fn)(const struct store_sig *sig, void *arg);

/* Returns the number of signatures reported, or -errno. */
int store_top(struct store *st, const struct store_top_query *q,
	      store_sig_fn fn, void *arg);

/* A host, as seen by the collector. */
struct store_host {
	char *host_key;	  /* machine id, else hostname, else sender */
	char *hostname;
	char *machine_id;
	char *last_release;
	char *last_sender;
	uint64_t count;	     /* records */
	uint64_t signatures; /* distinct signatures */
	int64_t first_seen_us, last_seen_us;
};
typedef int (*store_host_fn)(const struct store_host *h, void *arg);
/* Hosts by last seen, newest first.  Count reported or -errno. */
int store_hosts(struct store *st, store_host_fn fn, void *arg);

/* A stored record as the queries see it. */
struct store_rec {
	const uint8_t *id;
	size_t id_len;
	const char *signature;
	const char *host_key;
	const char *sender;
	int64_t seen_us, received_us;
	const uint8_t *packed; /* the CrashRecord as received */
	size_t packed_len;
	const char *release;
};
typedef int (*store_rec_fn)(const struct store_rec *r, void *arg);

struct store_export_query {
	const char *signature; /* NULL: every signature */
	int64_t since_us;      /* 0: all time */
	size_t limit;	       /* 0: no limit */
	bool newest_first;
};
/* Records in arrival order (or newest first).  Count reported or -errno. */
int store_export(struct store *st, const struct store_export_query *q,
		 store_rec_fn fn, void *arg);

/* Per host of one signature. */
struct store_sig_host {
	char *host_key;
	char *hostname;
	uint64_t count;
	int64_t first_seen_us, last_seen_us;
};

/* Everything `oopsctl show` prints about one signature. */
struct store_sig_detail {
	struct store_sig sig;
	struct store_sig_host *hosts; /* by count, at most max_hosts */
	size_t n_hosts;
	uint8_t *example;	      /* packed CrashRecord, or NULL */
	size_t example_len;
};

/*
 * Look up one signature by its hex form or a unique prefix of it (at least
 * 4 digits).  *out is allocated, released with store_sig_detail_free().
 * Returns 0, -ENOENT (no such signature), -EEXIST (prefix is ambiguous),
 * -EINVAL or -EIO.
 */
int store_show(struct store *st, const char *signature, size_t max_hosts,
	       struct store_sig_detail **out);
void store_sig_detail_free(struct store_sig_detail *d);

/*
 * Delete records the collector received before now_us - max_age_us (0: no
 * age limit), at most max_age_deletes of them in this pass (0: no bound),
 * and the oldest records beyond max_count (0: no count limit), in batches
 * so the writer is never blocked for long.  Age is the collector's receive
 * time, never the crash time a record claims (a board without a clock
 * says 1970), and the bound keeps a clock that jumped ahead from emptying
 * the store in one pass.  The aggregates are history and stay:
 * counts, first/last seen, kernels and hosts keep describing every record
 * ever stored; the example record of a signature is never deleted, so every
 * signature keeps one report to show.  Returns records deleted or -errno.
 */
int64_t store_retention(struct store *st, int64_t now_us, uint64_t max_age_us,
			uint64_t max_age_deletes, uint64_t max_count);

/*
 * Fleet coverage: the last heartbeat of each host.  An agent sends one
 * every interval_s seconds, so a host whose last heartbeat is much older
 * has no agent running (as opposed to an agent with nothing to report).
 * host_key is computed like a record's (store_host_key_of()) when NULL or
 * empty on store_heartbeat_put().
 */
struct store_heartbeat {
	const char *host_key, *hostname, *machine_id, *agent_version,
		*release, *boot_id, *sender;
	int64_t backlog;     /* records in the agent's spool, not yet acked */
	int64_t interval_s;  /* the agent's heartbeat interval */
	int64_t received_us; /* collector's clock */
};

/*
 * Whether a host whose last heartbeat is hb is silent at now_us: nothing
 * heard for longer than silent_after_us, or (silent_after_us 0) for more
 * than 3 of its own heartbeat intervals.
 */
bool store_heartbeat_silent(const struct store_heartbeat *hb, int64_t now_us,
			    int64_t silent_after_us);

/* Keep hb as its host's last heartbeat (replacing an older one).  0 or
 * -errno; -EROFS on a read-only store. */
int store_heartbeat_put(struct store *st, const struct store_heartbeat *hb);
/* The same for n heartbeats, a transaction per 64: one commit (fsync)
 * for many hosts.  0 or the first -errno. */
int store_heartbeats_put(struct store *st, const struct store_heartbeat *hbs,
			 size_t n);
typedef int (*store_heartbeat_fn)(const struct store_heartbeat *hb,
				  void *arg);
/* Every host's last heartbeat, newest first.  Count reported or -errno. */
int store_heartbeats(struct store *st, store_heartbeat_fn fn, void *arg);

/*
 * A collector's counters, one row per collector name, rewritten every few
 * seconds: one oops-web sees every collector of a fleet sharing a store.
 * counters_json is a JSON object ({"received":12,...}).
 */
struct store_collector {
	const char *name, *version, *counters_json;
	int64_t started_us, updated_us;
};
int store_collector_put(struct store *st, const struct store_collector *c);
typedef int (*store_collector_fn)(const struct store_collector *c, void *arg);
/* Every collector by name.  Count reported or -errno. */
int store_collectors(struct store *st, store_collector_fn fn, void *arg);

/*
 * Alerts (doc/alerts.md).  When the rules are enabled, every batch that
 * store_put_batch() commits also queues, in the same transaction, the
 * alerts its new records raise, each once (by its key):
 *   new_signature  a signature stored for the first time
 *                  (key new_signature:SIG)
 *   new_release    a known signature seen on a kernel release it was not
 *                  seen on before (new_release:SIG:RELEASE); not for
 *                  signatures triaged fixed or ignored
 *   regression     a signature triaged fixed seen on a release at or
 *                  after its fixed_in (store_release_cmp()), or after the
 *                  triage when it has no fixed_in
 *                  (regression:SIG:TRIAGE_UPDATED_US)
 *   spike          a signature older than the hour with at least
 *                  spike_min records in one clock hour and at least
 *                  spike_factor times its hourly average over the 24
 *                  hours before (spike:SIG:HOUR); checked for records
 *                  seen in the hour they are received or the one before
 * Signatures triaged ignored raise none but regression.  The collector
 * takes due alerts with store_alerts_due() and says how delivery went.
 */
struct store_alert_rules {
	bool enabled;
	int64_t spike_min;
	int64_t spike_factor;
};
void store_set_alert_rules(struct store *st,
			   const struct store_alert_rules *rules);

struct store_alert {
	int64_t id;		/* queue order */
	const char *key, *kind, *signature, *title, *release, *host_key;
	int64_t count;		/* records (of the signature, release, hour) */
	int64_t seen_us;	/* the newest record that raised it */
	int64_t attempts;	/* deliveries tried */
	int64_t next_us;	/* not delivered before */
	int64_t delivered_us;	/* 0: not yet */
	const char *last_error;
};
typedef int (*store_alert_fn)(const struct store_alert *a, void *arg);

/*
 * Up to limit alerts not delivered and due at now_us, oldest first, each
 * leased: its next_us becomes lease_us so that another collector of the
 * same store does not take it meanwhile (if this one dies, it is taken
 * again after the lease: at least once).  Count reported or -errno.
 */
int store_alerts_due(struct store *st, int64_t now_us, int64_t lease_us,
		     size_t limit, store_alert_fn fn, void *arg);
/* Delivered at delivered_us: never again.  0 or -errno. */
int store_alert_done(struct store *st, const char *key, int64_t delivered_us);
/*
 * Not delivered: try again at next_us.  error (the failure, kept for the
 * operator) NULL means it was not tried (a lease given back), so no
 * attempt is counted.  0 or -errno.
 */
int store_alert_retry(struct store *st, const char *key, int64_t next_us,
		      const char *error);
/* Forget alerts delivered before delivered_before_us.  Deleted or -errno. */
int64_t store_alerts_purge(struct store *st, int64_t delivered_before_us);
/* The newest limit alerts (0: all), newest first.  Count or -errno. */
int store_alerts(struct store *st, size_t limit, store_alert_fn fn,
		 void *arg);

/*
 * Compare kernel releases as versions: the runs of digits in order, as
 * numbers ("6.10" > "6.9", "6.1.0-18-amd64" > "6.1.0-17-amd64"), a run
 * right after "rc" preceded by -1 so that "6.8-rc3" < "6.8" < "6.8.1",
 * missing parts 0, other text ignored, at most 16 parts of at most 15
 * digits.  <0, 0, >0 as strcmp.
 */
int store_release_cmp(const char *a, const char *b);

struct store_stats {
	uint64_t records;
	uint64_t signatures;
	uint64_t hosts;
};
int store_stats(struct store *st, struct store_stats *out);

/*
 * Triage: what an operator decided about a signature.  One row per
 * signature in the `triage` table (a signature without a row is open).
 * Written by `oopsctl triage` and by oops-web when it has users; read by
 * top, show, the dashboard and the collector's regression alerts.
 */
enum store_triage_state {
	STORE_TRIAGE_OPEN,
	STORE_TRIAGE_FIXED,
	STORE_TRIAGE_IGNORED,
};
/* Longest fixed_in, bug and note store_triage_set() accepts. */
#define STORE_TRIAGE_MAX_FIELD 1024

struct store_triage {
	char sig[STORE_SIG_LEN];
	enum store_triage_state state;
	const char *fixed_in, *bug, *note; /* NULL: none */
	int64_t updated_us;
};

/* "open", "fixed", "ignored"; NULL for a bad value. */
const char *store_triage_name(enum store_triage_state s);
/* The state named s.  0 or -EINVAL. */
int store_triage_parse(const char *s, enum store_triage_state *out);

/*
 * Set a signature's triage (sig: 16 hex digits; the strings at most
 * STORE_TRIAGE_MAX_FIELD bytes).  Returns 0, -EINVAL, -EROFS on a
 * read-only store, or -EIO.
 */
int store_triage_set(struct store *st, const struct store_triage *t);
/*
 * A signature's triage.  The strings of *out point into memory owned by
 * the store, valid until its next call.  Returns 0, -ENOENT if none
 * (*out is then an open triage), or -errno.
 */
int store_triage_get(struct store *st, const char *sig,
		     struct store_triage *out);
typedef int (*store_triage_fn)(const struct store_triage *t, void *arg);
/* Every triage row (at most STORE_TRIAGE_MAX_ROWS).  Count or -errno. */
#define STORE_TRIAGE_MAX_ROWS 100000
int store_triage_list(struct store *st, store_triage_fn fn, void *arg);

/*
 * The query layer of the dashboard (oops-web) and oopsctl: bounded reads
 * that every backend answers through one generic query (store_ops.query)
 * with the same SQL, so each new question is written once.  Each is
 * served by an index or by the small aggregate tables, never by a scan of
 * the records.
 */
enum store_sort {
	STORE_SORT_COUNT, /* default: most records first */
	STORE_SORT_LAST,  /* last seen */
	STORE_SORT_FIRST, /* first seen */
	STORE_SORT_HOSTS,
	STORE_SORT_TITLE,
};

/* The crash list: signatures matching every filter set. */
struct store_crash_query {
	int64_t since_us;      /* 0: all time; else counted in whole hours */
	const char *kind;      /* "WARNING", ... or NULL */
	const char *release;   /* seen on this kernel release, or NULL */
	const char *host;      /* seen on this host key, or NULL */
	int source;	       /* store_source_parse(), or -1 for any */
	const char *text;      /* title contains (case-insensitive), or NULL */
	const char *state;     /* triage state only, or NULL */
	bool show_ignored;     /* else ignored signatures are left out */
	enum store_sort sort;
	bool ascending;	       /* smallest (or A) first; else biggest first */
	size_t offset, limit;  /* limit at most STORE_PAGE_MAX */
	int64_t now_us;	       /* for the trend: its last day ends now */
};
#define STORE_PAGE_MAX 500
#define STORE_TREND_DAYS 14

/* The source filter named name ("pstore", "netconsole", "kmsg", "file"):
 * a value for store_crash_query.source, or -EINVAL. */
int store_source_parse(const char *name);
const char *store_source_filter_name(int source);

/* One row of the crash list. */
struct store_crash {
	struct store_sig sig; /* releases: every release, by first seen */
	struct store_triage triage;
	uint64_t trend[STORE_TREND_DAYS]; /* records per day, oldest first */
};
typedef int (*store_crash_fn)(const struct store_crash *c, void *arg);
/*
 * The page [offset, offset + limit) of the crash list, sorted; *total (if
 * not NULL) gets the number of matching signatures.  Rows reported or
 * -errno (-EINVAL for a bad query).
 */
int store_crashes(struct store *st, const struct store_crash_query *q,
		  store_crash_fn fn, void *arg, uint64_t *total);

/*
 * Records per bucket of one signature from the hourly aggregate: n
 * buckets of bucket_hours hours, the last one ending with the hour of
 * now_us.  counts[] gets n values, oldest first.  0 or -errno.
 */
int store_sig_histogram(struct store *st, const char *sig, int64_t now_us,
			unsigned bucket_hours, size_t n, uint64_t *counts);

/* A stack signature variant of a title signature. */
struct store_variant {
	const char *stack_signature; /* NULL: no reliable frames */
	uint64_t count;
	int64_t first_seen_us, last_seen_us;
};
typedef int (*store_variant_fn)(const struct store_variant *v, void *arg);
/* Among the signature's newest STORE_VARIANT_WINDOW records. */
#define STORE_VARIANT_WINDOW 2000
int store_sig_variants(struct store *st, const char *sig,
		       store_variant_fn fn, void *arg);

/* One signature as seen on one kernel release. */
struct store_release_sig {
	struct store_sig sig;	      /* aggregate over all releases */
	struct store_release on;      /* on this release */
	bool is_new;		      /* first seen on this release */
	struct store_triage triage;
};
typedef int (*store_release_sig_fn)(const struct store_release_sig *r,
				    void *arg);
/*
 * Signatures seen on a release, by count on it (at most limit).  A
 * signature is new in the release when no other release saw it earlier.
 * Count or -errno.
 */
int store_release_sigs(struct store *st, const char *release, size_t limit,
		       store_release_sig_fn fn, void *arg);

typedef int (*store_sig_host_fn)(const struct store_sig_host *h, void *arg);
typedef int (*store_release_fn)(const struct store_release *r, void *arg);

/* One host (by host key).  Strings owned by the store until its next
 * call.  0, -ENOENT, or -errno. */
int store_host_get(struct store *st, const char *host_key,
		   struct store_host *out);
/*
 * A host's signatures, by count on it (at most limit): count, first and
 * last seen are the host's, total the signature's.  Count or -errno.
 */
int store_host_sigs(struct store *st, const char *host_key, size_t limit,
		    store_sig_fn fn, void *arg);
/* Kernel releases among the host's newest records. Count or -errno. */
int store_host_releases(struct store *st, const char *host_key,
			store_release_fn fn, void *arg);
/* A host's newest records (at most limit).  Count or -errno. */
int store_host_records(struct store *st, const char *host_key, size_t limit,
		       store_rec_fn fn, void *arg);
/* One record by id.  0 (fn called once), -ENOENT, or -errno. */
int store_record_get(struct store *st, const uint8_t *id, size_t id_len,
		     store_rec_fn fn, void *arg);

/* Signatures and records (all time) of one kind. */
struct store_kind_count {
	const char *kind;
	uint64_t signatures, records;
};
typedef int (*store_kind_fn)(const struct store_kind_count *k, void *arg);
int store_kinds(struct store *st, store_kind_fn fn, void *arg);
/* A host's last heartbeat: fn called once; 0, -ENOENT or -errno. */
int store_heartbeat_get(struct store *st, const char *host_key,
			store_heartbeat_fn fn, void *arg);
/* Hosts that sent a crash (the small hosts table).  0 or -errno. */
int store_host_count(struct store *st, uint64_t *out);

/*
 * The generic query every backend implements (store_ops.query).  SQL is
 * written once, in the dialect SQLite and PostgreSQL share, with
 * parameters $1..$n; rows come back as text (integers in decimal, NULL as
 * NULL) except blob columns, which come back as their bytes.
 */
enum store_param_type { STORE_P_NULL, STORE_P_TEXT, STORE_P_INT, STORE_P_BLOB };
struct store_param {
	enum store_param_type type;
	const char *s;
	int64_t i;
	const void *b;
	size_t len;
};
#define STORE_MAX_PARAMS 512
struct store_row {
	int n;
	const char *const *v; /* NULL for SQL NULL */
	const size_t *len;
};
typedef int (*store_row_fn)(const struct store_row *row, void *arg);
/* Rows reported (fn's nonzero stops) or -errno. */
int store_query(struct store *st, const char *sql, const struct store_param *p,
		int np, store_row_fn fn, void *arg);

/*
 * Check the store's integrity (SQLite: PRAGMA quick_check, or
 * integrity_check when full): 0 when sound, -EUCLEAN when damaged (the
 * first problems in msg), -EOPNOTSUPP when the backend has no such check
 * (a server database checks itself), or -errno.  A store that reports
 * damage while it works (SQLITE_CORRUPT) fails every later write with
 * -EUCLEAN: nothing is acknowledged that may not be stored.
 */
int store_check(struct store *st, bool full, char *msg, size_t len);

/* Helpers shared by the backends and the queries. */
void store_sig_hex(uint64_t sig, char out[STORE_SIG_LEN]);
/* The "seen" time of a record (see above). */
int64_t store_seen_us(const Oopsd__CrashRecord *rec, int64_t received_us);
/*
 * Host key of a record: machine id, else hostname, else the sender's
 * address without its port (written into buf), else "unknown".
 */
#define STORE_HOST_KEY_MAX 256
const char *store_host_key(const Oopsd__CrashRecord *rec, const char *sender,
			   char *buf, size_t len);
/* The same from its parts (any may be NULL). */
const char *store_host_key_of(const char *machine_id, const char *hostname,
			      const char *sender, char *buf, size_t len);
void store_sig_free(struct store_sig *sig);

/* A backend. */
struct store_ops {
	const char *scheme; /* "sqlite": open() gets what follows "sqlite:" */
	/*
	 * Other schemes, NULL-terminated (may be NULL): open() gets the whole
	 * spec, as a URI ("postgresql://...") keeps its scheme.
	 */
	const char *const *aliases;
	int (*open)(const char *path, unsigned flags, struct store **out);
	void (*close)(struct store *st);
	int (*put_batch)(struct store *st, struct store_put *items, size_t n);
	int (*top)(struct store *st, const struct store_top_query *q,
		   store_sig_fn fn, void *arg);
	int (*hosts)(struct store *st, store_host_fn fn, void *arg);
	int (*export_)(struct store *st, const struct store_export_query *q,
		       store_rec_fn fn, void *arg);
	int (*show)(struct store *st, const char *signature, size_t max_hosts,
		    struct store_sig_detail **out);
	int64_t (*retention)(struct store *st, int64_t now_us,
			     uint64_t max_age_us, uint64_t max_age_deletes,
			     uint64_t max_count);
	int (*stats)(struct store *st, struct store_stats *out);
	int (*query)(struct store *st, const char *sql,
		     const struct store_param *p, int np, store_row_fn fn,
		     void *arg);
	/*
	 * Whether the store has a table: 1, 0 or -errno.  A reader of a store
	 * made before the fleet tables (store_fleet.c) sees none of them.
	 */
	int (*has_table)(struct store *st, const char *name);
	/*
	 * The backend locks rows: a statement may skip rows another writer
	 * holds (FOR UPDATE SKIP LOCKED).  SQLite has one writer at a time.
	 */
	bool row_locks;
	/* May be NULL: the check of store_check(). */
	int (*check)(struct store *st, bool full, char *msg, size_t len);
	const char *const *syscalls; /* see store_syscalls(); may be NULL */
};

/* Every backend's struct store starts with this. */
#define STORE_ERRMSG_MAX 512

struct store {
	const struct store_ops *ops;
	/* What store_triage_get() and store_host_get() hand out. */
	char *scratch;
	struct store_alert_rules alert_rules;
	/* The backend's words for its last failure (store_errmsg()). */
	char errmsg[STORE_ERRMSG_MAX];
};

/*
 * What the backend said about the last call that failed ("" when none):
 * a store never logs the failure of a call it returns, because only its
 * caller knows what to do about it (retry, drop, exit) and how often to
 * say so; the caller logs this once.  Start-up (store_open()) is the
 * exception: there is no store to ask yet, so the backend logs it.
 */
const char *store_errmsg(const struct store *st);

/*
 * System calls the backend may make once the daemon's seccomp filter is
 * installed (sandbox_apply()'s extra list), beyond the base list and the
 * file and socket I/O groups: a server backend reconnects.  NULL-terminated,
 * or NULL when it needs none.
 */
const char *const *store_syscalls(const struct store *st);

/*
 * The spec with any password replaced by "***", for logs and the status
 * file ("postgresql://u:***@db/oopsd", "pg:... password=***").  Writes at
 * most len bytes (truncating) and returns out.
 */
char *store_spec_redact(const char *spec, char *out, size_t len);

extern const struct store_ops store_sqlite_ops;
extern const struct store_ops store_pg_ops;

#endif /* OOPSD_STORE_H */
