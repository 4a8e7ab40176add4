/* SPDX-License-Identifier: MIT */
/*
 * core.h - the agent's state, shared by main.c, core.c, emit.c and
 * status.c only (sources use the accessors of agent.h).
 */
#ifndef OOPSD_AGENT_CORE_H
#define OOPSD_AGENT_CORE_H

#include "agent.h"
#include "base/evloop.h"
#include "ship.h"
#include "wire/spool.h"
#include "wire/wire.h"

#define AGENT_MAX_SOURCES 8
#define AGENT_MEMQ_MAX 32 /* records waiting in memory for the spool */
#define AGENT_STATUS_FILE "agent.status"

struct agent_memq_entry {
	uint8_t *buf; /* id | meta | rec */
	size_t id_len, meta_len, rec_len;
};

struct agent_counters {
	uint64_t reports;	/* reports handed to agent_emit() */
	uint64_t spooled;	/* records written to the spool */
	uint64_t duplicates;	/* already pending */
	uint64_t spool_errors;	/* writes that failed (retried) */
	uint64_t memq_dropped;	/* memory queue full: lost */
	uint64_t pack_errors;	/* report that could not become a record */
	uint64_t redacted;	/* addresses replaced (redact = yes) */
};

struct agent {
	struct agent_config *cfg;
	struct evloop *loop;
	struct spool *spool;
	struct ship *ship;
	struct wire_key key;
	bool dac_kept; /* CAP_DAC_OVERRIDE permitted, effective on demand */
	struct agent_identity id;
	int state_dirfd;
	uint8_t *recbuf; /* one packed record */
	size_t recbuf_cap;

	struct agent_memq_entry memq[AGENT_MEMQ_MAX];
	size_t memq_n;
	struct ev_timer memq_timer;
	struct ev_timer status_timer;
	struct ev_timer kick_timer;
	struct ev_timer heartbeat_timer;

	const struct agent_source_ops *src[AGENT_MAX_SOURCES];
	void *src_priv[AGENT_MAX_SOURCES];
	size_t nsrc;
	struct agent_counters cnt;
	int64_t started_us;
	bool resolve;	/* the collector is a host name, resolved again */
};

/*
 * Start-up and shut-down steps for main.c, in order: agent_open() (as
 * root: state dir, spool, key, identity, shipper socket, sources' init),
 * privilege drop, agent_start(), evloop_run(), agent_close().  Each
 * returns 0 or -errno after logging what failed.
 */
int agent_open(struct agent *a, struct agent_config *cfg,
	       struct evloop *loop);
int agent_start(struct agent *a);
void agent_close(struct agent *a);

/* SIGHUP: rescan the sources, retransmit now. */
void agent_rescan(struct agent *a);
/* Write the status file now; with log, also log the counters (SIGUSR1). */
void agent_status(struct agent *a, bool log);

/* Timer and shipper callbacks, set up by agent_open() (emit.c, status.c). */
void agent_memq_retry(struct evloop *loop, void *arg);
void agent_kick(struct evloop *loop, void *arg);
void agent_on_acked(void *arg, const struct spool_item *item, bool rejected);
void agent_status_tick(struct evloop *loop, void *arg);

/*
 * Drop root for cfg->user, keeping CAP_DAC_OVERRIDE when keep_dac (pstore
 * files are root-only and must be read and deleted later).  The spool and
 * state directories are handed to the user first.  A missing user is a
 * warning, not an error.  0 or -errno.
 */
int agent_drop_privileges(struct agent *a, bool keep_dac);


#endif /* OOPSD_AGENT_CORE_H */
