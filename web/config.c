// SPDX-License-Identifier: MIT
/*
 * config.c - oops-web's configuration table (/etc/oopsd/web.conf).
 */
#include <stddef.h>

#include "base/log.h"
#include "base/sandbox.h"
#include "web.h"

const struct conf_entry web_conf_table[] = {
	{ "listen", CONF_STRING, "127.0.0.1:8514",
	  offsetof(struct web_config, listen),
	  "HTTP on ADDR:PORT, or [V6ADDR]:PORT" },
	{ "store", CONF_STRING, CONFIG_DEFAULT_STORE,
	  offsetof(struct web_config, store),
	  "the collector's store: sqlite:PATH or postgresql://..." },
	{ "users_file", CONF_STRING, "",
	  offsetof(struct web_config, users_file),
	  "NAME:CRYPT-HASH lines of users who may set triage (empty: "
	  "read-only)" },
	{ "user", CONF_STRING, CONFIG_DEFAULT_USER,
	  offsetof(struct web_config, user),
	  "drop privileges to this user after start-up" },
	{ "seccomp", CONF_ENUM, "kill", offsetof(struct web_config, seccomp),
	  "system calls outside the steady-state allow-list: kill, errno, "
	  "log or off", .choices = sandbox_mode_names },
	{ "title", CONF_STRING, "oopsd", offsetof(struct web_config, title),
	  "name shown in the header of every page" },
	{ "max_connections", CONF_INT, "64",
	  offsetof(struct web_config, max_connections),
	  "connections served at once", 1, 10000 },
	{ "timeout", CONF_DURATION, "30s", offsetof(struct web_config, timeout),
	  "idle connections are closed after this long", 1000, 3600000 },
	{ "silent_after", CONF_DURATION, "0",
	  offsetof(struct web_config, silent_after),
	  "a host whose agent has not checked in for this long is silent "
	  "(0: three of its heartbeat intervals, as oopsctl hosts)",
	  0, 2592000000LL },
	{ "log_level", CONF_ENUM, "info",
	  offsetof(struct web_config, log_level),
	  "error, warn, info or debug", .choices = log_level_names },
	CONF_END,
};
