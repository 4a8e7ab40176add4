/* SPDX-License-Identifier: MIT */
/*
 * agent.h - oops-agent's configuration, state and source interface.
 *
 * A source (pstore, kmsg, netconsole relay) is one file exporting one
 * `const struct agent_source_ops`, listed in agent_sources[] (sources.c)
 * when its Kconfig symbol is on.  Sources turn their input into parser
 * reports and hand each to agent_emit(), which builds the record, writes
 * it to the spool and wakes the shipper.  When the collector acknowledged
 * a record, the source that made it gets its `meta` back in acked() (e.g.
 * to delete the pstore files).
 */
#ifndef OOPSD_AGENT_H
#define OOPSD_AGENT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "base/conf.h"

struct agent_config {
	char *collector;	/* udp://HOST:PORT or netlink:PORTID */
	char *pstore_dir;
	char *pstore_archive;	/* systemd-pstore's archive, read only */
	char *kdump_dir;	/* kdump-tools' /var/crash */
	int journal;		/* kernel messages of unwatched boots */
	char *journal_dir;	/* a journal directory; empty: the system's */
	int pstore_remove;
	char *spool_dir;
	uint64_t spool_max_bytes;
	long long spool_max_records;
	int kmsg;
	char *netconsole_listen; /* ADDR:PORT, empty = off */
	char *auth_key_file;
	char *user;
	int seccomp;   /* enum sandbox_mode (base/sandbox.h) */
	char *state_dir;
	uint64_t max_datagram;
	int log_level; /* enum log_level (base/log.h) */
	char *kmsg_path;	/* /dev/kmsg, or a file/FIFO for tests */
	uint64_t retry_min;	/* first retransmission, ms */
	uint64_t retry_max;	/* backoff cap, ms */
	uint64_t status_interval; /* status file refresh, ms */
	int redact;		/* MAC/IP/e-mail addresses out of reports */
	uint64_t heartbeat_interval; /* ms, 0 = no heartbeats */
};

extern const struct conf_entry agent_conf_table[];

struct agent;
struct oops_report;
struct record_origin;

struct agent_source_ops {
	const char *name;
	/* First byte of the meta of every record this source spools. */
	uint8_t tag;
	/* Needs CAP_DAC_OVERRIDE after the privilege drop: pstore files
	 * are readable and removable by root only. */
	bool keep_dac_override;
	/* Whether the configuration asks for this source. */
	bool (*wanted)(const struct agent_config *cfg);
	/*
	 * Open what needs privileges (devices, sockets).  Runs as root,
	 * before privileges are dropped.  *priv is the source's state.
	 * 0 or -errno (fatal at start-up).
	 */
	int (*init)(struct agent *a, void **priv);
	/* Start producing records (after the privilege drop). 0 or -errno.
	 * May be NULL (a source that did all its work in init()). */
	int (*start)(struct agent *a, void *priv);
	/* Save state and free priv.  Always called once after init(). */
	void (*stop)(struct agent *a, void *priv);
	/* SIGHUP: look again (pstore).  May be NULL. */
	void (*rescan)(struct agent *a, void *priv);
	/* A record of ours was acknowledged (meta without the tag byte;
	 * id: the record id in hex, the one name of a record in log
	 * lines).  May be NULL. */
	void (*acked)(struct agent *a, void *priv, const uint8_t *meta,
		      size_t len, const char *id);
	/* Counters as "name value" lines, for the status file.  May be NULL. */
	void (*status)(struct agent *a, void *priv, FILE *out);
	/*
	 * Records that waited in memory are all spooled now
	 * (agent_all_spooled() became true): a source that stopped
	 * producing while the spool was unusable may go on.  May be NULL.
	 */
	void (*spool_ready)(struct agent *a, void *priv);
};

/* The built-in sources, NULL-terminated (sources.c). */
extern const struct agent_source_ops *const agent_sources[];

/* Host identity, read once at start-up. */
struct agent_identity {
	char hostname[256];
	char machine_id[33];
	char boot_id[33];	/* this boot */
	char prev_boot_id[33];	/* the boot before, when the agent saw it */
};

/* What became of a report handed to agent_emit(). */
enum agent_emit_result {
	/* Durably in the spool: it will be shipped. */
	AGENT_EMIT_SPOOLED,
	/* A record with the same id is already pending: nothing to do. */
	AGENT_EMIT_DUPLICATE,
	/*
	 * The spool could not store it (disk full, ...): it waits in a small
	 * memory queue and is retried; agent_all_spooled() is false until
	 * it is stored.
	 */
	AGENT_EMIT_QUEUED,
	/*
	 * The spool failed and the memory queue was full too: the record is
	 * not kept anywhere.  The source must still have its input (pstore
	 * files, the kernel's log) to produce it again later.
	 */
	AGENT_EMIT_DROPPED,
	/* Larger than the whole spool: no retry can store it (logged). */
	AGENT_EMIT_TOO_LARGE,
	/* The report cannot become a record (packing, redaction, meta too
	 * long): logged and counted, never retried. */
	AGENT_EMIT_INVALID,
};

/* The outcome's name, for logs and tests ("spooled", "queued", ...). */
const char *agent_emit_result_name(enum agent_emit_result r);

/*
 * Build the record of report r (origin o: the source fills source, files,
 * times...; agent_emit() adds the host identity and agent version where
 * o leaves them NULL), write it to the spool and wake the shipper.  meta
 * (may be NULL) comes back to src->acked() after the acknowledgement.
 * A source whose input cannot wait should stop producing while
 * agent_all_spooled() is false, and resume in its spool_ready() op.
 */
enum agent_emit_result agent_emit(struct agent *a,
				  const struct agent_source_ops *src,
				  const struct oops_report *r,
				  struct record_origin *o, const void *meta,
				  size_t meta_len);

/* No emitted record is waiting in memory for the spool. */
bool agent_all_spooled(const struct agent *a);

const struct agent_identity *agent_identity(const struct agent *a);
const struct agent_config *agent_config(const struct agent *a);

/*
 * Make the kept CAP_DAC_OVERRIDE effective (on) or not: on only while the
 * pstore source opens, reads and deletes files, off while anything parses
 * what they held.  A no-op when nothing was kept.
 */
void agent_dac(struct agent *a, bool on);
struct evloop *agent_loop(struct agent *a);
/*
 * The state directory, opened before the privilege drop (its parents may
 * not be searchable by the user we run as).  Borrowed: dup() it to keep.
 */
int agent_state_dirfd(const struct agent *a);
/*
 * Replace the state file name (in the state directory) by the text fill()
 * prints, atomically.  A failed write is logged here, "who: cannot write
 * NAME: why"; a text that cannot be made (no memory) is not.  0 or -errno.
 */
int agent_state_save(struct agent *a, const char *who, const char *name,
		     void (*fill)(FILE *out, void *arg), void *arg);

#endif /* OOPSD_AGENT_H */
