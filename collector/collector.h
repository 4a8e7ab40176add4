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
	char *log_level;
};

extern const struct conf_entry collector_conf_table[];

#endif /* OOPSD_COLLECTOR_H */
