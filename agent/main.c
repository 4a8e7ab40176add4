// SPDX-License-Identifier: MIT
/*
 * main.c - oops-agent: sources -> parser -> record -> spool -> transport.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent.h"
#include "daemon.h"
#include "evloop.h"
#include "log.h"

static void on_stop(struct evloop *loop, int signo, void *arg)
{
	log_info("signal %d: stopping", signo);
	evloop_stop(loop);
}

int main(int argc, char **argv)
{
	static const struct daemon_desc desc = {
		.progname = "oops-agent",
		.summary = "Find kernel crashes on this machine and ship them to "
			   "a collector.",
		.default_config = CONFIG_DEFAULT_SYSCONFDIR "/agent.conf",
		.table = agent_conf_table,
	};
	struct agent_config cfg;
	struct daemon_opts opts;
	struct evloop *loop;
	int level;

	memset(&cfg, 0, sizeof(cfg));
	daemon_setup(&desc, argc, argv, &opts, &cfg);
	level = log_level_parse(cfg.log_level);
	if (level < 0) {
		fprintf(stderr, "%s: log_level: '%s' is not one of error, "
				"warn, info, debug\n", desc.progname, cfg.log_level);
		return 1;
	}
	if (opts.check_only) {
		printf("%s: configuration OK\n", opts.config_path);
		conf_free(agent_conf_table, &cfg);
		return 0;
	}
	if (!opts.verbose)
		log_set_level((enum log_level)level);
	loop = evloop_new();
	if (loop == NULL)
		fatal("event loop");
	evloop_on_signal(loop, SIGTERM, on_stop, NULL);
	evloop_on_signal(loop, SIGINT, on_stop, NULL);
	log_info("started, collector %s", cfg.collector);
	daemon_notify_ready();
	evloop_run(loop);
	daemon_notify_stopping();
	evloop_free(loop);
	conf_free(agent_conf_table, &cfg);
	return 0;
}
