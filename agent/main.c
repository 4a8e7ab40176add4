// SPDX-License-Identifier: MIT
/*
 * main.c - oops-agent: sources -> parser -> record -> spool -> transport.
 *
 * Start-up order matters: everything that needs root (the shipper's
 * socket, /dev/kmsg, the netconsole port, the pstore directory) is opened
 * first, then privileges are dropped, then the sources start.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core.h"
#include "base/daemon.h"
#include "base/evloop.h"
#include "base/log.h"
#include "base/sandbox.h"
#include "sources.h"
#include "wire/spool.h"
#include "wire/transport.h"
#include "base/util.h"
#include "wire/wire.h"

static void on_stop(struct evloop *loop, int signo, void *arg)
{
	log_info("signal %d: stopping", signo);
	evloop_stop(loop);
}

struct agent_main {
	struct agent *a;
	const struct daemon_desc *desc;
	const struct daemon_opts *opts;
};

/* The keys agent_reload() applies while running; every other one (sockets,
 * sources, spool, identity) takes a restart. */
static const char *const live_keys[] = {
	"log_level", "redact", "pstore_remove", "status_interval", NULL,
};

/*
 * SIGHUP (systemctl reload): read the configuration again and apply what
 * can change while running (log_level, redact, pstore_remove,
 * status_interval), name the keys that take a restart, then rescan the
 * sources and retransmit at once.  A file that no longer parses changes
 * nothing.
 */
static void agent_reload(struct agent_main *m)
{
	struct agent_config *cur = m->a->cfg;
	struct agent_config n;
	char err[CONF_ERR_MAX];
	int level;

	memset(&n, 0, sizeof(n));
	if (daemon_reload_config(m->desc, m->opts, &n, err, sizeof(err)) < 0) {
		log_warnx("reload: %s; configuration unchanged", err);
		goto out;
	}
	level = n.log_level; /* checked by the config reader */
	daemon_reload_warn_restart(m->desc, cur, &n, live_keys);
	if (!m->opts->verbose)
		log_set_level((enum log_level)level);
	cur->log_level = n.log_level;
	cur->redact = n.redact;
	cur->pstore_remove = n.pstore_remove;
	cur->status_interval = n.status_interval;
	log_info("reloaded %s: log_level %s, redact %s, pstore_remove %s, "
		 "status_interval %llu ms", m->opts->config_path,
		 log_level_names[cur->log_level], cur->redact ? "yes" : "no",
		 cur->pstore_remove ? "yes" : "no",
		 (unsigned long long)cur->status_interval);
out:
	conf_free(agent_conf_table, &n);
}

static void on_hup(struct evloop *loop, int signo, void *arg)
{
	struct agent_main *m = arg;

	daemon_notify("RELOADING=1");
	agent_reload(m);
	log_info("SIGHUP: rescanning sources, retransmitting now");
	agent_rescan(m->a);
	agent_status(m->a, false);
	daemon_notify("READY=1");
}

static void on_usr1(struct evloop *loop, int signo, void *arg)
{
	agent_status(arg, true);
}

enum dir_check {
	DIR_MUST_EXIST,	/* read at start: must be there */
	DIR_OR_PARENT,	/* created at start: its parent must be there */
	DIR_IF_EXISTS,	/* optional (a package not installed): if there */
};

/* -n: a directory key.  1 (and a message) when it cannot work. */
static int check_dir(const char *key, const char *path, enum dir_check how)
{
	char parent[4096], *slash;
	struct stat st;

	if (path[0] == '\0')
		return 0; /* off */
	if (stat(path, &st) == 0) {
		if (S_ISDIR(st.st_mode))
			return 0;
		fprintf(stderr, "%s: %s is not a directory\n", key, path);
		return 1;
	}
	if (errno != ENOENT || how == DIR_MUST_EXIST) {
		fprintf(stderr, "%s: %s: %s%s\n", key, path, strerror(errno),
			how == DIR_MUST_EXIST ? " (set it empty to turn "
			"this source off)" : "");
		return 1;
	}
	if (how == DIR_IF_EXISTS)
		return 0;
	/* The agent makes it (and missing parents, as mkdir -p) at start:
	 * the nearest ancestor that exists must be a directory. */
	str_lcpy(parent, path, sizeof(parent));
	for (;;) {
		slash = strrchr(parent, '/');
		if (slash == NULL) {
			str_lcpy(parent, ".", sizeof(parent));
		} else if (slash == parent) {
			parent[1] = '\0';
		} else {
			*slash = '\0';
		}
		if (stat(parent, &st) == 0 || errno != ENOENT ||
		    slash == NULL || slash == parent)
			break;
	}
	if (stat(parent, &st) < 0 || !S_ISDIR(st.st_mode)) {
		fprintf(stderr, "%s: %s cannot be made: %s is not a "
				"directory\n", key, path, parent);
		return 1;
	}
	return 0;
}

/* -n: what the file cannot say by itself (addresses, key, sources). */
static int agent_check(const struct agent_config *cfg)
{
	struct transport_addr addr;
	struct wire_key key;
	char err[TRANSPORT_ERR_MAX];
	int rc, bad = 0;

	rc = transport_parse(cfg->collector, &addr, err, sizeof(err));
	if (rc == -EAGAIN) {
		/* Not fatal: the agent spools and keeps resolving. */
		fprintf(stderr, "collector: %s (the agent will keep trying)\n",
			err);
	} else if (rc < 0) {
		fprintf(stderr, "collector: %s\n", err);
		bad = 1;
	}
	bad |= check_dir("pstore_dir", cfg->pstore_dir, DIR_MUST_EXIST);
	bad |= check_dir("spool_dir", cfg->spool_dir, DIR_OR_PARENT);
	bad |= check_dir("state_dir", cfg->state_dir, DIR_OR_PARENT);
	bad |= check_dir("pstore_archive", cfg->pstore_archive, DIR_IF_EXISTS);
	bad |= check_dir("kdump_dir", cfg->kdump_dir, DIR_IF_EXISTS);
	bad |= check_dir("journal_dir", cfg->journal_dir, DIR_MUST_EXIST);
	if (cfg->auth_key_file[0]) {
		rc = wire_key_load(cfg->auth_key_file, &key);
		wire_key_clear(&key);
		if (rc < 0) {
			fprintf(stderr, "auth_key_file: %s: %s\n",
				cfg->auth_key_file, wire_key_strerror(rc));
			bad = 1;
		}
	}
	if (cfg->spool_max_bytes < cfg->max_datagram + SPOOL_HDR_SIZE +
					   SPOOL_MAX_ID + 1) {
		fprintf(stderr, "spool_max_bytes: smaller than one record of "
				"max_datagram bytes\n");
		bad = 1;
	}
	if (cfg->max_datagram < WIRE_OVERHEAD + 256) {
		fprintf(stderr, "max_datagram: too small for a record\n");
		bad = 1;
	}
	return bad;
}

int main(int argc, char **argv)
{
	static const struct daemon_desc desc = {
		.progname = "oops-agent",
		.summary = "Find kernel crashes on this machine and ship them to "
			   "a collector.",
		.default_config = CONFIG_DEFAULT_SYSCONFDIR "/agent.conf",
		.sighup = "re-reads log_level, redact, pstore_remove and "
			  "status_interval, rescans pstore and retransmits at "
			  "once",
		.table = agent_conf_table,
	};
	struct agent_config cfg;
	struct daemon_opts opts;
	struct evloop *loop;
	struct agent a;
	struct agent_main m = { .a = &a, .desc = &desc, .opts = &opts };
	bool keep_dac = false;
	int rc, status = 0;

	memset(&cfg, 0, sizeof(cfg));
	daemon_setup(&desc, argc, argv, &opts, &cfg);
	if (opts.check_only) {
		if (agent_check(&cfg) != 0) {
			conf_free(agent_conf_table, &cfg);
			return 1;
		}
		printf("%s: configuration OK\n", opts.config_path);
		conf_free(agent_conf_table, &cfg);
		return 0;
	}
	if (!opts.verbose)
		log_set_level((enum log_level)cfg.log_level);
	signal(SIGPIPE, SIG_IGN);
	loop = evloop_new();
	if (loop == NULL)
		fatal("event loop");
	rc = agent_open(&a, &cfg, loop);
	if (rc < 0)
		fatalx("cannot start: %s", strerror(-rc));
	for (size_t i = 0; i < a.nsrc; i++)
		if (a.src[i]->keep_dac_override)
			keep_dac = true;
	rc = agent_drop_privileges(&a, keep_dac);
	if (rc < 0)
		fatalx("cannot drop privileges to %s: %s", cfg.user,
		       strerror(-rc));
	evloop_on_signal(loop, SIGTERM, on_stop, NULL);
	evloop_on_signal(loop, SIGINT, on_stop, NULL);
	evloop_on_signal(loop, SIGHUP, on_hup, &m);
	evloop_on_signal(loop, SIGUSR1, on_usr1, &a);
	rc = agent_start(&a);
	if (rc < 0) {
		agent_close(&a);
		fatalx("cannot start: %s", strerror(-rc));
	}
	/* Start-up (configuration, the spool index, the first pstore scan)
	 * freed more than it keeps: give those pages back. */
	release_free_memory();
	/*
	 * From here on: UDP/netlink/netconsole traffic on open sockets, and
	 * the spool, state and pstore directories (SANDBOX_FILES); a
	 * collector given by name is resolved again (SANDBOX_RESOLVE).
	 */
	/* With pstore kept: the calls that raise and lower the capability
	 * around file access (agent_dac()). */
	static const char *const cap_calls[] = { "capget", "capset", NULL };

	if (sandbox_apply(cfg.seccomp, SANDBOX_NET | SANDBOX_FILES |
				  (a.resolve ? SANDBOX_RESOLVE : 0),
			  a.dac_kept ? cap_calls : NULL) < 0)
		fatalx("cannot install the seccomp filter (seccomp = off "
		       "to run without)");
	log_info("started, collector %s, spool %s", cfg.collector,
		 cfg.spool_dir);
	daemon_notify_ready();
	daemon_watchdog_start(loop);
	if (evloop_run(loop) < 0) {
		log_warn("event loop");
		status = 1;
	}
	daemon_notify_stopping();
	agent_close(&a);
	evloop_free(loop);
	conf_free(agent_conf_table, &cfg);
	return status;
}
