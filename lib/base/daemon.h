/* SPDX-License-Identifier: MIT */
/*
 * daemon.h - what oops-agent and oops-collector share in main(): the
 * command line (-c FILE, -n, -f, -o KEY=VALUE, -d, --help, --version),
 * loading the config table, logging set-up, and privilege dropping.
 */
#ifndef OOPSD_DAEMON_H
#define OOPSD_DAEMON_H

#include <stdbool.h>
#include <stddef.h>

#include "base/conf.h"

struct daemon_opts {
	const char *progname;
	const char *config_path; /* -c, else the default */
	bool check_only;	 /* -n */
	bool foreground;	 /* -f: stay attached, log to stderr */
	int verbose;		 /* -d, repeatable */
	/* -o KEY=VALUE, in order (pointers into argv), for a reload. */
	const char *overrides[64];
	int noverrides;
	bool config_found;	/* the file was read (else: defaults) */
};

struct daemon_desc {
	const char *progname;
	const char *summary;	   /* one line for --help */
	const char *default_config; /* e.g. CONFIG_DEFAULT_SYSCONFDIR "/agent.conf" */
	const struct conf_entry *table;
	const char *sighup;	   /* what SIGHUP does, for --help; NULL: nothing */
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
 * Drop root to `user` once sockets and files are open, keeping no
 * capability: daemon_drop_privileges_caps(user, NULL, 0).
 */
int daemon_drop_privileges(const char *user);

/*
 * Drop root to `user`, keeping only the capabilities keep[0..n-1]
 * (CAP_* numbers from <linux/capability.h>; keep none unless a steady
 * state operation needs one, and say which in doc/security.md).  Clears the
 * supplementary groups, sets the real, effective and saved uid and gid,
 * drops everything not kept from the bounding and ambient sets, and
 * verifies that uid 0 cannot be regained and that exactly the kept
 * capabilities remain.  No-op (0) when not running as root or when user
 * is NULL or empty.  Returns 0, -ENOENT (no such user), -EINVAL (user is
 * uid 0, or a bad capability number), -EPERM (a check failed), or the
 * -errno of the failing call.  On error the process may be half dropped:
 * the caller must exit.
 */
int daemon_drop_privileges_caps(const char *user, const int *keep, size_t n);

/*
 * Raise (on) or lower the capability cap in the effective set, keeping it
 * permitted: a process that kept a capability holds it effective only
 * while it does what needs it (open, read, unlink), not while it parses
 * what it read.  0, or -errno (-EPERM when cap is not permitted).  Needs
 * capget and capset in the seccomp allow-list (sandbox_apply()'s extra).
 */
int daemon_cap_effective(int cap, bool on);

/*
 * Read the configuration again, as daemon_setup() did (defaults, the
 * file, then the -o overrides), into cfg (zeroed by the caller; free it
 * with conf_free()).  A missing file that daemon_setup() found is an
 * error now.  0, or -1 with "file:line: reason" in err.
 */
int daemon_reload_config(const struct daemon_desc *d,
			 const struct daemon_opts *opts, void *cfg, char *err,
			 size_t errlen);
/*
 * After daemon_reload_config(): for every key of d->table whose value
 * differs between cur and next, except the live ones (those the caller
 * applies while running; a NULL-terminated list), log that it takes
 * effect after a restart.  Every other key is named, so a key added to
 * the table is never silently ignored by a reload.
 */
void daemon_reload_warn_restart(const struct daemon_desc *d, const void *cur,
				const void *next, const char *const *live);

/*
 * Messages to the service manager ($NOTIFY_SOCKET): "READY=1",
 * "RELOADING=1", "STOPPING=1", "STATUS=...".  With CONFIG_SYSTEMD through
 * libsystemd's sd_notify(); without it, a small writer of the same
 * datagram (the protocol is one AF_UNIX datagram of KEY=VALUE lines), so
 * that a build without libsystemd still runs as Type=notify.  Returns 1
 * when sent, 0 when not run by a service manager, -errno on failure.
 */
int daemon_notify(const char *state);
void daemon_notify_ready(void);
void daemon_notify_stopping(void);

struct evloop;
/*
 * When the service manager asked for a watchdog (WatchdogSec=:
 * $WATCHDOG_USEC, for this pid), send WATCHDOG=1 from the event loop at
 * half the period, so a stuck loop gets the service restarted.  Returns
 * the period in ms (0: no watchdog).
 */
uint64_t daemon_watchdog_start(struct evloop *loop);

#endif /* OOPSD_DAEMON_H */
