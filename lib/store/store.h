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

struct store_stats {
	uint64_t records;
	uint64_t signatures;
	uint64_t hosts;
};
int store_stats(struct store *st, struct store_stats *out);

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
/* Kind name ("WARNING") of a CrashKind value; "UNKNOWN" if out of range. */
const char *store_kind_name(int kind);
/* The "seen" time of a record (see above). */
int64_t store_seen_us(const Oopsd__CrashRecord *rec, int64_t received_us);
/*
 * Host key of a record: machine id, else hostname, else the sender's
 * address without its port (written into buf), else "unknown".
 */
#define STORE_HOST_KEY_MAX 256
const char *store_host_key(const Oopsd__CrashRecord *rec, const char *sender,
			   char *buf, size_t len);
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
	/* May be NULL: the check of store_check(). */
	int (*check)(struct store *st, bool full, char *msg, size_t len);
	const char *const *syscalls; /* see store_syscalls(); may be NULL */
};

/* Every backend's struct store starts with this. */
#define STORE_ERRMSG_MAX 512

struct store {
	const struct store_ops *ops;
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
