/* SPDX-License-Identifier: MIT */
/*
 * collector.h - oops-collector's configuration and state.
 */
#ifndef OOPSD_COLLECTOR_H
#define OOPSD_COLLECTOR_H

#include <stdint.h>

#include "conf.h"

struct collector_config {
	char *listen;		 /* udp://ADDR:PORT, empty = off */
	long long listen_netlink; /* port id, 0 = off */
	char *netconsole_listen; /* ADDR:PORT, empty = off */
	char *store;		 /* sqlite:PATH */
	char *auth_key_file;
	char *user;
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

#endif /* OOPSD_COLLECTOR_H */
