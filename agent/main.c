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

static void on_hup(struct evloop *loop, int signo, void *arg)
{
	log_info("SIGHUP: rescanning sources, retransmitting now");
	agent_rescan(arg);
}

static void on_usr1(struct evloop *loop, int signo, void *arg)
{
	agent_status(arg, true);
}

/* -n: what the file cannot say by itself (addresses, key, sources). */
static int agent_check(const struct agent_config *cfg)
{
	struct transport_addr addr;
	struct wire_key key;
	char err[TRANSPORT_ERR_MAX];
	int rc, bad = 0;

	if (transport_parse(cfg->collector, &addr, err, sizeof(err)) < 0) {
		fprintf(stderr, "collector: %s\n", err);
		bad = 1;
	}
	if (cfg->auth_key_file[0]) {
		rc = wire_key_load(cfg->auth_key_file, &key);
		wire_key_clear(&key);
		if (rc < 0) {
			fprintf(stderr, "auth_key_file: %s: %s\n",
				cfg->auth_key_file, wire_key_strerror(rc));
			bad = 1;
		}
	}
	if (cfg->redact && !ENABLE_REDACT) {
		fprintf(stderr, "redact: built without CONFIG_REDACT\n");
		bad = 1;
	}
	if (cfg->kmsg && !ENABLE_AGENT_KMSG) {
		fprintf(stderr, "kmsg: built without CONFIG_AGENT_KMSG\n");
		bad = 1;
	}
	if (cfg->netconsole_listen[0] && !ENABLE_AGENT_NETCONSOLE) {
		fprintf(stderr, "netconsole_listen: built without "
				"CONFIG_AGENT_NETCONSOLE\n");
		bad = 1;
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
		.sighup = "rescans pstore and retransmits at once",
		.table = agent_conf_table,
	};
	struct agent_config cfg;
	struct daemon_opts opts;
	struct evloop *loop;
	struct agent a;
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
	evloop_on_signal(loop, SIGHUP, on_hup, &a);
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
	 * the spool, state and pstore directories (SANDBOX_FILES).
	 */
	/* With pstore kept: the calls that raise and lower the capability
	 * around file access (agent_dac()). */
	static const char *const cap_calls[] = { "capget", "capset", NULL };

	if (sandbox_apply(cfg.seccomp, SANDBOX_NET | SANDBOX_FILES,
			  a.dac_kept ? cap_calls : NULL) < 0)
		fatalx("cannot install the seccomp filter (seccomp = off "
		       "to run without)");
	log_info("started, collector %s, spool %s", cfg.collector,
		 cfg.spool_dir);
	daemon_notify_ready();
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
