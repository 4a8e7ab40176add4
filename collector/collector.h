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
	char *user;
	char *seccomp; /* kill, errno, log or off (lib/sandbox.h) */
	long long rate_limit;	 /* records per sender per minute */
	long long rate_burst;
	uint64_t retention_age;	 /* ms, 0 = keep */
	long long retention_count; /* records, 0 = keep */
	uint64_t max_datagram;
	char *status_file;	 /* empty: derived from the store */
	long long batch_max;	 /* records per store transaction */
	char *log_level;
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
	/* For a reload (SIGHUP): how the configuration was read. */
	const struct daemon_desc *desc;
	const struct daemon_opts *opts;
	uint64_t reloads;
};

/*
 * Raw netconsole ingest: listen on cfg->netconsole_listen, decode each
 * sender's stream, run it through the crash parser and queue every
 * completed report as a record (origin netconsole, the sender).  0 or
 * -errno (logged).  close() flushes what is pending and frees.
 */
#if ENABLE_COLLECTOR_NETCONSOLE
int collector_netconsole_open(struct collector *co);
void collector_netconsole_close(struct collector *co);
#else
static inline int collector_netconsole_open(struct collector *co)
{
	return -EOPNOTSUPP;
}

static inline void collector_netconsole_close(struct collector *co)
{
}
#endif

#endif /* OOPSD_COLLECTOR_H */
