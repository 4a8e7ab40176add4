/* SPDX-License-Identifier: MIT */
/*
 * daemon.h - what oops-agent and oops-collector share in main(): the
 * command line (-c FILE, -n, -f, -o KEY=VALUE, -d, --help, --version),
 * loading the config table, logging set-up, and privilege dropping.
 */
#ifndef OOPSD_DAEMON_H
#define OOPSD_DAEMON_H

#include <stdbool.h>

#include "conf.h"

struct daemon_opts {
	const char *progname;
	const char *config_path; /* -c, else the default */
	bool check_only;	 /* -n */
	bool foreground;	 /* -f: stay attached, log to stderr */
	int verbose;		 /* -d, repeatable */
};

struct daemon_desc {
	const char *progname;
	const char *summary;	   /* one line for --help */
	const char *default_config; /* e.g. CONFIG_DEFAULT_SYSCONFDIR "/agent.conf" */
	const struct conf_entry *table;
};

/*
 * Parse argv, apply defaults, the config file and -o overrides to cfg.
 * Exits 0 after --help/--version, 0 after a successful -n ("configuration
 * OK"), and 1 with "file:line: reason" on any config error.  A missing
 * default config file is not an error (the defaults apply); a missing -c
 * file is.
 */
void daemon_setup(const struct daemon_desc *desc, int argc, char **argv,
		  struct daemon_opts *opts, void *cfg);

/*
 * Drop root to `user` (setgroups, setgid, setuid) once sockets and files
 * are open.  No-op when not root or user is empty.  0 or -errno.
 */
int daemon_drop_privileges(const char *user);

/* Tell systemd we are ready (sd_notify), when built with it. */
void daemon_notify_ready(void);
void daemon_notify_stopping(void);

#endif /* OOPSD_DAEMON_H */
