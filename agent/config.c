// SPDX-License-Identifier: MIT
/*
 * config.c - oops-agent's configuration table (/etc/oopsd/agent.conf).
 */
#include <stddef.h>

#include "agent.h"
#include "base/log.h"
#include "base/sandbox.h"

#define STR(x) #x
#define XSTR(x) STR(x)

const struct conf_entry agent_conf_table[] = {
	{ "collector", CONF_STRING, "udp://127.0.0.1:" XSTR(CONFIG_DEFAULT_UDP_PORT),
	  offsetof(struct agent_config, collector),
	  "where records go: udp://HOST:PORT or netlink:PORTID" },
	{ "pstore_dir", CONF_STRING, CONFIG_DEFAULT_PSTORE_DIR,
	  offsetof(struct agent_config, pstore_dir),
	  CONF_FEATURE(AGENT_PSTORE, "pstore directory to scan") },
	{ "pstore_archive", CONF_STRING,
	  ENABLE_AGENT_PSTORE_ARCHIVE ? "/var/lib/systemd/pstore" : "",
	  offsetof(struct agent_config, pstore_archive),
	  CONF_FEATURE(AGENT_PSTORE_ARCHIVE, "systemd-pstore's archive, "
		       "read and never deleted from (empty: off)") },
	{ "kdump_dir", CONF_STRING, "/var/crash",
	  offsetof(struct agent_config, kdump_dir),
	  CONF_FEATURE(AGENT_KDUMP, "kdump-tools' crash directory: "
		       "dmesg.STAMP of each crash (empty: off)") },
	{ "journal", CONF_BOOL, ENABLE_AGENT_JOURNAL ? "yes" : "no",
	  offsetof(struct agent_config, journal),
	  CONF_FEATURE(AGENT_JOURNAL, "at start, the journal's kernel "
		       "messages of boots the agent did not run in (since "
		       "its first start)") },
	{ "journal_dir", CONF_STRING, "",
	  offsetof(struct agent_config, journal_dir),
	  CONF_FEATURE(AGENT_JOURNAL, "read this journal directory (empty: "
		       "the system journal)") },
	{ "pstore_remove", CONF_BOOL, "yes",
	  offsetof(struct agent_config, pstore_remove),
	  "delete pstore entries once the collector acknowledged them" },
	{ "spool_dir", CONF_STRING, CONFIG_DEFAULT_SPOOL_DIR,
	  offsetof(struct agent_config, spool_dir),
	  "durable queue of records not yet acknowledged" },
	{ "spool_max_bytes", CONF_SIZE, XSTR(CONFIG_SPOOL_MAX_BYTES),
	  offsetof(struct agent_config, spool_max_bytes),
	  "spool size limit; the oldest records are dropped beyond it",
	  4096, 1LL << 40 },
	{ "spool_max_records", CONF_INT, "10000",
	  offsetof(struct agent_config, spool_max_records),
	  "spool record count limit", 1, 10000000 },
	{ "kmsg", CONF_BOOL, ENABLE_AGENT_KMSG ? "yes" : "no",
	  offsetof(struct agent_config, kmsg),
	  CONF_FEATURE(AGENT_KMSG, "follow /dev/kmsg for crashes of the "
		       "running boot") },
	{ "netconsole_listen", CONF_STRING, "",
	  offsetof(struct agent_config, netconsole_listen),
	  CONF_FEATURE(AGENT_NETCONSOLE, "relay netconsole received on "
		       "ADDR:PORT (empty: off)") },
	{ "auth_key_file", CONF_STRING, "",
	  offsetof(struct agent_config, auth_key_file),
	  CONF_FEATURE(AUTH_HMAC, "shared key for HMAC-SHA256 datagram tags "
		       "(empty: off)") },
	{ "redact", CONF_BOOL, "no",
	  offsetof(struct agent_config, redact),
	  CONF_FEATURE(REDACT, "replace MAC, IPv4, IPv6 and e-mail "
		       "addresses in reports by <mac-1>, <ipv4-1>, ... "
		       "before they are spooled and sent") },
	{ "user", CONF_STRING, CONFIG_DEFAULT_USER,
	  offsetof(struct agent_config, user),
	  "drop privileges to this user after start-up" },
	{ "seccomp", CONF_ENUM, "kill",
	  offsetof(struct agent_config, seccomp),
	  "system calls outside the steady-state allow-list: kill, errno, "
	  "log or off", .choices = sandbox_mode_names },
	{ "state_dir", CONF_STRING, "/var/lib/oops-agent",
	  offsetof(struct agent_config, state_dir),
	  "where the kmsg position and pstore progress are kept" },
	{ "max_datagram", CONF_SIZE, XSTR(CONFIG_MAX_DATAGRAM_BYTES),
	  offsetof(struct agent_config, max_datagram),
	  "largest datagram sent", 512, 65507 },
	{ "log_level", CONF_ENUM, "info",
	  offsetof(struct agent_config, log_level),
	  "error, warn, info or debug", .choices = log_level_names },
	{ "kmsg_path", CONF_STRING, "/dev/kmsg",
	  offsetof(struct agent_config, kmsg_path),
	  CONF_FEATURE(AGENT_KMSG, "kernel log device (a file or FIFO of "
		       "/dev/kmsg lines for tests)") },
	{ "retry_min", CONF_DURATION, "500ms",
	  offsetof(struct agent_config, retry_min),
	  "first retransmission of an unacknowledged datagram", 10,
	  3600000 },
	{ "retry_max", CONF_DURATION, "60s",
	  offsetof(struct agent_config, retry_max),
	  "longest wait between retransmissions (exponential backoff)", 10,
	  86400000 },
	{ "status_interval", CONF_DURATION, "10s",
	  offsetof(struct agent_config, status_interval),
	  "how often the status file in state_dir is refreshed", 100,
	  86400000 },
	{ "heartbeat_interval", CONF_DURATION, "1h",
	  offsetof(struct agent_config, heartbeat_interval),
	  "how often the agent tells the collector it is alive, with its "
	  "version, kernel and spool backlog (0: never)", 0, 604800000 },
	CONF_END,
};
