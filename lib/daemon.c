// SPDX-License-Identifier: MIT
/*
 * daemon.c - see daemon.h.
 */
#include "daemon.h"

#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"

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
	fprintf(out, "\nSignals: SIGTERM/SIGINT stop, SIGUSR1 logs counters, "
		     "SIGHUP rescans.\n");
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
	const char *overrides[64];
	int noverrides = 0, c;
	bool explicit_config = false;
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
			if (noverrides == (int)(sizeof(overrides) /
						sizeof(overrides[0]))) {
				fprintf(stderr, "%s: too many -o options\n",
					d->progname);
				exit(1);
			}
			overrides[noverrides++] = optarg;
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
	if (conf_defaults(d->table, cfg, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s: default: %s\n", d->progname, err);
		exit(1);
	}
	if (explicit_config || stat(opts->config_path, &st) == 0) {
		if (conf_load_file(d->table, cfg, opts->config_path, err,
				   sizeof(err)) < 0) {
			fprintf(stderr, "%s: %s\n", d->progname, err);
			exit(1);
		}
	}
	for (int i = 0; i < noverrides; i++) {
		if (conf_set(d->table, cfg, overrides[i], err, sizeof(err)) < 0) {
			fprintf(stderr, "%s: %s\n", d->progname, err);
			exit(1);
		}
	}
}

int daemon_drop_privileges(const char *user)
{
	struct passwd *pw;

	if (geteuid() != 0 || user == NULL || *user == '\0')
		return 0;
	pw = getpwnam(user);
	if (pw == NULL)
		return -ENOENT;
	if (setgroups(1, &pw->pw_gid) < 0 || setgid(pw->pw_gid) < 0 ||
	    setuid(pw->pw_uid) < 0)
		return -errno;
	/* Make sure there is no way back. */
	if (setuid(0) == 0)
		return -EPERM;
	return 0;
}

void daemon_notify_ready(void)
{
#ifdef CONFIG_SYSTEMD
	sd_notify(0, "READY=1");
#endif
}

void daemon_notify_stopping(void)
{
#ifdef CONFIG_SYSTEMD
	sd_notify(0, "STOPPING=1");
#endif
}
