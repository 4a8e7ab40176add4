/* SPDX-License-Identifier: MIT */
/*
 * agent.h - oops-agent's configuration and state.
 */
#ifndef OOPSD_AGENT_H
#define OOPSD_AGENT_H

#include <stdint.h>

#include "conf.h"

struct agent_config {
	char *collector;	/* udp://HOST:PORT or netlink:PORTID */
	char *pstore_dir;
	int pstore_remove;
	char *spool_dir;
	uint64_t spool_max_bytes;
	long long spool_max_records;
	int kmsg;
	char *netconsole_listen; /* ADDR:PORT, empty = off */
	char *auth_key_file;
	char *user;
	char *state_dir;
	uint64_t max_datagram;
	char *log_level;
};

extern const struct conf_entry agent_conf_table[];

#endif /* OOPSD_AGENT_H */
