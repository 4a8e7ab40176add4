// SPDX-License-Identifier: MIT
/*
 * config.c - oops-collector's configuration table
 * (/etc/oopsd/collector.conf).
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "base/sandbox.h"
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
	{ "seccomp", CONF_ENUM, "kill",
	  offsetof(struct collector_config, seccomp),
	  "system calls outside the steady-state allow-list: kill, errno, "
	  "log or off", .choices = sandbox_mode_names },
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
	{ "log_level", CONF_ENUM, "info",
	  offsetof(struct collector_config, log_level),
	  "error, warn, info or debug", .choices = log_level_names },
	{ "name", CONF_STRING, "",
	  offsetof(struct collector_config, name),
	  "this collector's name in the store's collectors table (empty: "
	  "the hostname)" },
	{ "counters_interval", CONF_DURATION, "10s",
	  offsetof(struct collector_config, counters_interval),
	  "how often the counters are written to the store (0: never)" },
	{ "alert_exec", CONF_STRING, "",
	  offsetof(struct collector_config, alert_exec),
	  "program run for each alert, the alert as JSON on its stdin "
	  "(empty: none)" },
	{ "alert_webhook", CONF_STRING, "",
	  offsetof(struct collector_config, alert_webhook),
	  "http://HOST[:PORT]/PATH each alert is POSTed to as JSON (empty: "
	  "none)" },
	{ "alert_base_url", CONF_STRING, "http://127.0.0.1:8514",
	  offsetof(struct collector_config, alert_base_url),
	  "the dashboard's URL: each alert links to BASE/sig/SIGNATURE" },
	{ "alert_rate", CONF_INT, "30",
	  offsetof(struct collector_config, alert_rate),
	  "alerts delivered per minute at most (the rest wait)", 1, 100000 },
	{ "alert_timeout", CONF_DURATION, "10s",
	  offsetof(struct collector_config, alert_timeout),
	  "time one delivery may take", 100, 600000 },
	{ "alert_retry_min", CONF_DURATION, "30s",
	  offsetof(struct collector_config, alert_retry_min),
	  "first retry of a failed delivery (doubled each time)", 100,
	  86400000 },
	{ "alert_retry_max", CONF_DURATION, "1h",
	  offsetof(struct collector_config, alert_retry_max),
	  "longest wait between retries", 100, 86400000 },
	{ "alert_spike_min", CONF_INT, "20",
	  offsetof(struct collector_config, alert_spike_min),
	  "records of a signature in one hour before a spike alert", 1,
	  1000000000 },
	{ "alert_spike_factor", CONF_INT, "10",
	  offsetof(struct collector_config, alert_spike_factor),
	  "a spike: this many times the signature's hourly average of the "
	  "24 hours before", 1, 1000000 },
	{ "alert_keep", CONF_DURATION, "90d",
	  offsetof(struct collector_config, alert_keep),
	  "delivered alerts are forgotten after this long", 3600000,
	  315360000000LL },
	{ "silent_after", CONF_DURATION, "0",
	  offsetof(struct collector_config, silent_after),
	  "for oopsctl hosts: a host is silent when no heartbeat came for "
	  "this long (0: 3 times its heartbeat interval)" },
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
