// SPDX-License-Identifier: MIT
/*
 * config.c - oops-collector's configuration table
 * (/etc/oopsd/collector.conf).
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collector.h"

#define STR(x) #x
#define XSTR(x) STR(x)

const struct conf_entry collector_conf_table[] = {
	{ "listen", CONF_STRING, "udp://[::]:" XSTR(CONFIG_DEFAULT_UDP_PORT),
	  offsetof(struct collector_config, listen),
	  "agents' records: udp://ADDR:PORT (empty: off)" },
	{ "listen_netlink", CONF_INT, "0",
	  offsetof(struct collector_config, listen_netlink),
	  "NETLINK_USERSOCK port id for local agents (0: off)", 0, 0x7fffffff },
	{ "netconsole_listen", CONF_STRING, "",
	  offsetof(struct collector_config, netconsole_listen),
	  "raw netconsole on ADDR:PORT (empty: off)" },
	{ "store", CONF_STRING, CONFIG_DEFAULT_STORE,
	  offsetof(struct collector_config, store),
	  "sqlite:PATH, or postgresql://... (a libpq URI) to share a "
	  "PostgreSQL database with other collectors" },
	{ "auth_key_file", CONF_STRING, "",
	  offsetof(struct collector_config, auth_key_file),
	  "master key: datagrams without a valid HMAC tag are rejected; "
	  "each agent's key is derived from it (oopsctl key)" },
	{ "auth_shared_key", CONF_BOOL, "yes",
	  offsetof(struct collector_config, auth_shared_key),
	  "also accept datagrams signed with the master key itself (agents "
	  "configured before per-agent keys); say no once every agent has "
	  "its own key" },
	{ "user", CONF_STRING, CONFIG_DEFAULT_USER,
	  offsetof(struct collector_config, user),
	  "drop privileges to this user after start-up" },
	{ "seccomp", CONF_STRING, "kill",
	  offsetof(struct collector_config, seccomp),
	  "system calls outside the steady-state allow-list: kill, errno, "
	  "log or off" },
	{ "rate_limit", CONF_INT, "600",
	  offsetof(struct collector_config, rate_limit),
	  "records accepted per sender per minute", 1, 100000000 },
	{ "rate_burst", CONF_INT, "100",
	  offsetof(struct collector_config, rate_burst),
	  "records a sender may send at once", 1, 100000000 },
	{ "retention_age", CONF_DURATION, "0",
	  offsetof(struct collector_config, retention_age),
	  "delete records received longer ago than this (0: keep)" },
	{ "retention_count", CONF_INT, "0",
	  offsetof(struct collector_config, retention_count),
	  "keep at most this many records (0: no limit)", 0, 1LL << 40 },
	{ "retention_max_share", CONF_INT, "10",
	  offsetof(struct collector_config, retention_max_share),
	  "percent of the records one retention pass (every minute) may "
	  "delete for age, so a clock that jumps cannot empty the store at "
	  "once (100: no bound)", 1, 100 },
	{ "max_datagram", CONF_SIZE, XSTR(CONFIG_MAX_DATAGRAM_BYTES),
	  offsetof(struct collector_config, max_datagram),
	  "largest datagram accepted", 512, 65507 },
	{ "status_file", CONF_STRING, "",
	  offsetof(struct collector_config, status_file),
	  "counters, rewritten every second (empty: the store's path + "
	  "\".status\")" },
	{ "batch_max", CONF_INT, "1024",
	  offsetof(struct collector_config, batch_max),
	  "records committed in one store transaction, at most", 1, 65536 },
	{ "log_level", CONF_STRING, "info",
	  offsetof(struct collector_config, log_level),
	  "error, warn, info or debug" },
	CONF_END,
};

char *collector_status_path(const struct collector_config *cfg)
{
	char *path = NULL;

	if (cfg->status_file != NULL && cfg->status_file[0] != '\0')
		return strdup(cfg->status_file);
	if (cfg->store != NULL && strncmp(cfg->store, "sqlite:", 7) == 0) {
		if (asprintf(&path, "%s.status", cfg->store + 7) < 0)
			return NULL;
		return path;
	}
	return strdup("/run/oopsd/collector.status");
}
