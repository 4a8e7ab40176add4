// SPDX-License-Identifier: MIT
/*
 * daemon.c - see daemon.h.
 */
#include "base/daemon.h"

#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <pwd.h>
#include <linux/capability.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include "base/evloop.h"
#include "base/log.h"

#ifdef CONFIG_SYSTEMD
#include <systemd/sd-daemon.h>
#endif

static void daemon_usage(const struct daemon_desc *d, FILE *out)
{
	fprintf(out,
		"Usage: %s [-dfn] [-c FILE] [-o KEY=VALUE]...\n"
		"%s\n\n"
		"Options:\n"
		"  -c, --config FILE   configuration file (default %s)\n"
		"  -n, --check         check the configuration and exit\n"
		"  -f, --foreground    stay in the foreground, log to stderr\n"
		"  -o, --set KEY=VAL   override one configuration key\n"
		"  -d, --debug         log debug messages (repeatable)\n"
		"  -h, --help          this text\n"
		"  -V, --version       print the version\n\n"
		"Configuration keys (file syntax: key = value):\n",
		d->progname, d->summary, d->default_config);
	conf_print_help(d->table, out);
	fprintf(out, "\nSignals: SIGTERM/SIGINT stop, SIGUSR1 logs counters%s%s.\n",
		d->sighup ? ", SIGHUP " : "", d->sighup ? d->sighup : "");
}

void daemon_setup(const struct daemon_desc *d, int argc, char **argv,
		  struct daemon_opts *opts, void *cfg)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "check", no_argument, NULL, 'n' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "set", required_argument, NULL, 'o' },
		{ "debug", no_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	char err[CONF_ERR_MAX];
	bool explicit_config = false;
	int c;
	struct stat st;

	memset(opts, 0, sizeof(*opts));
	opts->progname = d->progname;
	opts->config_path = d->default_config;
	while ((c = getopt_long(argc, argv, "c:nfo:dhV", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			opts->config_path = optarg;
			explicit_config = true;
			break;
		case 'n':
			opts->check_only = true;
			break;
		case 'f':
			opts->foreground = true;
			break;
		case 'o':
			if (opts->noverrides == (int)(sizeof(opts->overrides) /
						      sizeof(opts->overrides[0]))) {
				fprintf(stderr, "%s: too many -o options\n",
					d->progname);
				exit(1);
			}
			opts->overrides[opts->noverrides++] = optarg;
			break;
		case 'd':
			opts->verbose++;
			break;
		case 'h':
			daemon_usage(d, stdout);
			exit(0);
		case 'V':
			printf("%s %s\n", d->progname, OOPSD_VERSION);
			exit(0);
		default:
			daemon_usage(d, stderr);
			exit(1);
		}
	}
	if (optind < argc) {
		fprintf(stderr, "%s: unexpected argument '%s'\n", d->progname,
			argv[optind]);
		exit(1);
	}
	log_init(d->progname, !opts->foreground && !opts->check_only,
		 opts->verbose ? LOG_LEVEL_DEBUG : LOG_LEVEL_INFO);
	/*
	 * -n checks a file: a missing one is an error even at the default
	 * path (a typo in a unit's -c must not pass as "OK").  A start
	 * without a file runs on the defaults.
	 */
	if (opts->check_only && !explicit_config &&
	    stat(opts->config_path, &st) < 0) {
		fprintf(stderr, "%s: %s: %s\n", d->progname, opts->config_path,
			strerror(errno));
		exit(1);
	}
	opts->config_found = explicit_config ||
			     stat(opts->config_path, &st) == 0;
	/* Defaults, the file, then the -o overrides: what a reload does. */
	if (daemon_reload_config(d, opts, cfg, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s: %s\n", d->progname, err);
		exit(1);
	}
}

/* Capability sets through the raw system calls (no libcap needed). */
static int daemon_capget(uint64_t *effective, uint64_t *permitted)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2];

	memset(data, 0, sizeof(data));
	if (syscall(SYS_capget, &hdr, data) < 0)
		return -errno;
	*effective = data[0].effective | (uint64_t)data[1].effective << 32;
	*permitted = data[0].permitted | (uint64_t)data[1].permitted << 32;
	return 0;
}

static int daemon_capset(uint64_t effective, uint64_t permitted)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2];

	memset(data, 0, sizeof(data));
	data[0].effective = (uint32_t)effective;
	data[1].effective = (uint32_t)(effective >> 32);
	data[0].permitted = (uint32_t)permitted;
	data[1].permitted = (uint32_t)(permitted >> 32);
	if (syscall(SYS_capset, &hdr, data) < 0)
		return -errno;
	return 0;
}

int daemon_cap_effective(int cap, bool on)
{
	uint64_t eff = 0, perm = 0, bit;
	int rc;

	if (cap < 0 || cap > 63)
		return -EINVAL;
	bit = 1ULL << cap;
	rc = daemon_capget(&eff, &perm);
	if (rc < 0)
		return rc;
	if (on && !(perm & bit))
		return -EPERM;
	if (on == !!(eff & bit))
		return 0;
	/* The permitted set stays as it is; only effective changes. */
	return daemon_capset(on ? eff | bit : eff & ~bit, perm);
}

int daemon_drop_privileges_caps(const char *user, const int *keep, size_t n)
{
	uint64_t keep_mask = 0, eff = 0, perm = 0;
	struct passwd *pw;
	uid_t uid;
	gid_t gid;
	int rc;

	if (geteuid() != 0 || user == NULL || *user == '\0')
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (keep[i] < 0 || keep[i] > 63)
			return -EINVAL;
		keep_mask |= 1ULL << keep[i];
	}
	pw = getpwnam(user);
	if (pw == NULL)
		return -ENOENT;
	uid = pw->pw_uid;
	gid = pw->pw_gid;
	if (uid == 0)
		return -EINVAL; /* "dropping" to root keeps everything */
	/*
	 * Empty the bounding set of what we do not keep, so that nothing
	 * this process runs can gain it back through file capabilities.
	 * Best effort: under a unit without CAP_SETPCAP it is already
	 * limited by CapabilityBoundingSet=, and no_new_privs (set by the
	 * seccomp sandbox) closes the same door.
	 */
	for (int cap = 0; cap < 64; cap++) {
		int in = prctl(PR_CAPBSET_READ, cap, 0, 0, 0);

		if (in < 0)
			break; /* past the kernel's last capability */
		if (in == 1 && !(keep_mask & (1ULL << cap)) &&
		    prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EPERM)
			return -errno;
	}
	/* Ambient capabilities would survive the uid change: clear them. */
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 &&
	    errno != EINVAL)
		return -errno;
	if (keep_mask != 0 && prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
		return -errno;
	/* No supplementary groups at all; real, effective and saved ids. */
	if (setgroups(0, NULL) < 0 || setresgid(gid, gid, gid) < 0 ||
	    setresuid(uid, uid, uid) < 0)
		return -errno;
	if (keep_mask != 0) {
		/* The uid change cleared the effective set: restore the kept. */
		rc = daemon_capset(keep_mask, keep_mask);
		if (rc < 0)
			return rc;
		if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
			return -errno;
	}
	/* Make sure there is no way back, and nothing more than asked. */
	if (setuid(0) == 0 || seteuid(0) == 0 || (gid != 0 && setgid(0) == 0))
		return -EPERM;
	rc = daemon_capget(&eff, &perm);
	if (rc < 0)
		return rc;
	if (eff != keep_mask || perm != keep_mask)
		return -EPERM;
	return 0;
}

int daemon_drop_privileges(const char *user)
{
	return daemon_drop_privileges_caps(user, NULL, 0);
}

int daemon_reload_config(const struct daemon_desc *d,
			 const struct daemon_opts *opts, void *cfg, char *err,
			 size_t errlen)
{
	if (conf_defaults(d->table, cfg, err, errlen) < 0)
		return -1;
	if (opts->config_found &&
	    conf_load_file(d->table, cfg, opts->config_path, err, errlen) < 0)
		return -1;
	for (int i = 0; i < opts->noverrides; i++)
		if (conf_set(d->table, cfg, opts->overrides[i], err, errlen) < 0)
			return -1;
	return 0;
}

void daemon_reload_warn_restart(const struct daemon_desc *d, const void *cur,
				const void *next, const char *const *live)
{
	for (const struct conf_entry *e = d->table; e->name != NULL; e++) {
		const char *const *l = live;

		while (*l != NULL && strcmp(*l, e->name) != 0)
			l++;
		if (*l == NULL && conf_differs(d->table, cur, next, e->name) > 0)
			log_warnx("reload: %s changed: takes effect after a "
				  "restart", e->name);
	}
}

#ifdef CONFIG_SYSTEMD
int daemon_notify(const char *state)
{
	return sd_notify(0, state);
}
#else
int daemon_notify(const char *state)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	size_t len;
	socklen_t salen;
	ssize_t n;
	int fd, saved;

	if (path == NULL || path[0] == '\0')
		return 0;
	len = strlen(path);
	/* A path, or "@name" for the abstract namespace. */
	if ((path[0] != '/' && path[0] != '@') || len >= sizeof(sa.sun_path))
		return -EINVAL;
	memcpy(sa.sun_path, path, len);
	if (path[0] == '@')
		sa.sun_path[0] = '\0';
	salen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len +
			    (path[0] == '@' ? 0 : 1));
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	n = sendto(fd, state, strlen(state), MSG_NOSIGNAL,
		   (struct sockaddr *)&sa, salen);
	saved = errno;
	close(fd);
	return n < 0 ? -saved : 1;
}
#endif

void daemon_notify_ready(void)
{
	daemon_notify("READY=1");
}

void daemon_notify_stopping(void)
{
	daemon_notify("STOPPING=1");
}

static struct ev_timer daemon_wd_timer;
static uint64_t daemon_wd_ms;

static void daemon_wd_tick(struct evloop *loop, void *arg)
{
	daemon_notify("WATCHDOG=1");
	evloop_timer_arm(loop, &daemon_wd_timer,
			 evloop_now_ms() + daemon_wd_ms);
}

uint64_t daemon_watchdog_start(struct evloop *loop)
{
	const char *us = getenv("WATCHDOG_USEC");
	const char *pid = getenv("WATCHDOG_PID");
	unsigned long long v;
	char *end;

	if (us == NULL)
		return 0;
	/* WATCHDOG_PID names the process meant (not a child we forked). */
	if (pid != NULL && strtol(pid, NULL, 10) != (long)getpid())
		return 0;
	errno = 0;
	v = strtoull(us, &end, 10);
	if (errno || end == us || *end != '\0' || v < 2000)
		return 0;
	daemon_wd_ms = v / 2000;
	ev_timer_init(&daemon_wd_timer, daemon_wd_tick, NULL);
	daemon_notify("WATCHDOG=1");
	evloop_timer_arm(loop, &daemon_wd_timer,
			 evloop_now_ms() + daemon_wd_ms);
	return v / 1000;
}
