// SPDX-License-Identifier: MIT
/*
 * main.c - oops-collector: ingest -> dedupe -> aggregate -> store.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collector.h"
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
		.progname = "oops-collector",
		.summary = "Receive crash records and netconsole, aggregate them by "
			   "signature in a store.",
		.default_config = CONFIG_DEFAULT_SYSCONFDIR "/collector.conf",
		.table = collector_conf_table,
	};
	struct collector_config cfg;
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
		conf_free(collector_conf_table, &cfg);
		return 0;
	}
	if (!opts.verbose)
		log_set_level((enum log_level)level);
	loop = evloop_new();
	if (loop == NULL)
		fatal("event loop");
	evloop_on_signal(loop, SIGTERM, on_stop, NULL);
	evloop_on_signal(loop, SIGINT, on_stop, NULL);
	log_info("started, store %s", cfg.store);
	daemon_notify_ready();
	evloop_run(loop);
	daemon_notify_stopping();
	evloop_free(loop);
	conf_free(collector_conf_table, &cfg);
	return 0;
}
