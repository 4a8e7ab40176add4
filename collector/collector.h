/* SPDX-License-Identifier: MIT */
/*
 * collector.h - oops-collector's configuration and state.
 */
#ifndef OOPSD_COLLECTOR_H
#define OOPSD_COLLECTOR_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "retention.h"
#include "base/conf.h"
#include "base/evloop.h"
#include "ingest.h"
#include "wire/wire.h"

struct collector_config {
	char *listen;		 /* udp://ADDR:PORT, empty = off */
	long long listen_netlink; /* port id, 0 = off */
	char *netconsole_listen; /* ADDR:PORT, empty = off */
	char *store;		 /* sqlite:PATH, postgresql://... */
	char *auth_key_file;
	int auth_shared_key;	 /* accept datagrams signed with the master */
	char *user;
	int seccomp;   /* enum sandbox_mode (base/sandbox.h) */
	long long rate_limit;	 /* records per sender per minute */
	long long rate_burst;
	uint64_t retention_age;	 /* ms, 0 = keep */
	long long retention_count; /* records, 0 = keep */
	long long retention_max_share; /* % of records one pass may age out */
	uint64_t max_datagram;
	char *status_file;	 /* empty: derived from the store */
	long long batch_max;	 /* records per store transaction */
	int log_level; /* enum log_level (base/log.h) */
	/* Fleet: counters in the store, alerts (collector/fleet.c). */
	char *name;		 /* the collector's row; empty: hostname */
	uint64_t counters_interval; /* ms, 0 = never */
	char *alert_exec;	 /* program given each alert on stdin */
	char *alert_webhook;	 /* http://HOST[:PORT]/PATH */
	char *alert_base_url;	 /* the dashboard, for links */
	long long alert_rate;	 /* alerts delivered per minute, at most */
	uint64_t alert_timeout;	 /* ms, per delivery */
	uint64_t alert_retry_min, alert_retry_max; /* ms, backoff */
	long long alert_spike_min, alert_spike_factor;
	uint64_t alert_keep;	 /* ms: delivered alerts kept this long */
	uint64_t silent_after;	 /* ms; oopsctl hosts; 0: 3 intervals */
};

extern const struct conf_entry collector_conf_table[];

/*
 * The status file the collector rewrites (atomically) every second and on
 * SIGUSR1, and `oopsctl collector-status` reads: `status_file` when set,
 * else PATH.status for a sqlite:PATH store.  malloc'd, NULL on ENOMEM.
 */
char *collector_status_path(const struct collector_config *cfg);

struct transport_nl;
struct collector_ncon;
struct collector_alerts;
struct collector_hb;

struct daemon_desc;
struct daemon_opts;

/* The daemon's state (collector/main.c). */
struct collector {
	struct collector_config *cfg;
	struct evloop *loop;
	struct store *store;
	struct ingest *in;
	struct wire_key key;
	int udp_fd;
	struct transport_nl *nl;
	struct ev_timer tick;
	bool unacked_envelopes;
	uint64_t next_retention_ms;
	uint64_t retention_deleted;
	struct retention_clock retention_clock;
	uint64_t clock_jumps;
	int64_t started_us;
	/* Receive buffers: RECV_BATCH datagrams of rbuf_len bytes. */
	uint8_t *rbuf;
	size_t rbuf_len;
	struct mmsghdr mmsg[64];
	struct iovec iov[64];
	struct ingest_peer peers[64];
	/* Status file. */
	char *status_path;
	const char *status_name;
	int status_dirfd;
	bool status_warned;
	struct ingest_counters last_status;
	/* Raw netconsole (collector/netconsole.c). */
	struct collector_ncon *ncon;
	bool ncon_stats_changed;
	size_t (*ncon_status)(struct collector *co, char *buf, size_t len);
	/* Fleet (collector/fleet.c): counters row, heartbeats, alerts. */
	char name[256];
	uint64_t next_counters_ms;
	bool counters_warned;
	bool fleet_changed;	/* a counter below changed: status file */
	uint64_t flush_count, flush_us_sum, flush_us_max;
	uint64_t heartbeats, heartbeat_errors;
	struct collector_hb *hbq; /* heartbeats waiting for the next tick */
	size_t nhbq;
	struct collector_alerts *alerts;
	/* For a reload (SIGHUP): how the configuration was read. */
	const struct daemon_desc *desc;
	const struct daemon_opts *opts;
	uint64_t reloads;
};

/* Monotonic clock, microseconds. */
int64_t collector_mono_us(void);
/* The counters as "name value" lines (main.c).  Length written. */
size_t collector_status_format(struct collector *co, char *buf, size_t cap);

/*
 * collector/fleet.c.  open(): before the privilege drop, check the
 * fleet configuration (0 or -errno, logged).  start(): after the drop and
 * before seccomp, start the alert helper process.  tick(): every second,
 * write the counters row when due and deliver due alerts.  close(): the
 * last counters row, stop the helper.
 */
int collector_fleet_open(struct collector *co);
int collector_fleet_start(struct collector *co);
void collector_fleet_tick(struct collector *co, uint64_t now_ms);
void collector_fleet_close(struct collector *co);
/* A batch took us microseconds to commit and acknowledge. */
void collector_flush_timed(struct collector *co, int64_t us);
/* ingest's heartbeat callback: keep the host's last heartbeat. */
void collector_heartbeat(void *arg, const Oopsd__Heartbeat *hb,
			 const char *sender, int64_t now_us);
/* collector/alerts.c, called by the above. */
int collector_alerts_open(struct collector *co);
int collector_alerts_start(struct collector *co);
void collector_alerts_tick(struct collector *co);
void collector_alerts_close(struct collector *co);
/* Append the alert counters ("name value" lines) at buf + *len. */
void collector_alerts_status(struct collector *co, char *buf, size_t cap,
			     size_t *len);

/*
 * Raw netconsole ingest: listen on cfg->netconsole_listen, decode each
 * sender's stream, run it through the crash parser and queue every
 * completed report as a record (origin netconsole, the sender).  0 or
 * -errno (logged).  flush() completes and queues every open report (the
 * counters stay readable, for the last status write); close() flushes
 * what is pending and frees.
 */
#if ENABLE_COLLECTOR_NETCONSOLE
int collector_netconsole_open(struct collector *co);
void collector_netconsole_flush(struct collector *co);
void collector_netconsole_close(struct collector *co);
#else
static inline int collector_netconsole_open(struct collector *co)
{
	return -EOPNOTSUPP;
}

static inline void collector_netconsole_flush(struct collector *co)
{
}

static inline void collector_netconsole_close(struct collector *co)
{
}
#endif

#endif /* OOPSD_COLLECTOR_H */
