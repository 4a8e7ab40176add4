// SPDX-License-Identifier: MIT
/*
 * cmd_alerts.c - `oopsctl alerts [--json] [--limit N] [--pending]`: the
 * store's alert queue, newest first: what was raised, whether it was
 * delivered, and why not yet (doc/alerts.md).
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "base/json.h"
#include "oopsctl.h"
#include "store/store_json.h"
#include "store_cli.h"

struct alerts_out {
	bool json, pending_only;
	struct json j;
	int n;
	size_t limit; /* rows printed, at most (0: all) */
};

static int alert_print(const struct store_alert *a, void *arg)
{
	struct alerts_out *o = arg;
	const char *state = a->delivered_us ? "delivered" :
			    a->attempts ? "retrying" : "pending";
	char t1[32], t2[32], title[64], rel[32], err[64];

	if (o->pending_only && a->delivered_us)
		return 0;
	o->n++;
	if (o->json) {
		json_obj_begin(&o->j);
		json_kstr(&o->j, "kind", a->kind);
		json_kstr(&o->j, "key", a->key);
		json_kstr(&o->j, "signature", a->signature);
		json_kstr(&o->j, "title", a->title);
		json_kstr(&o->j, "release", a->release);
		json_kstr(&o->j, "host", a->host_key);
		json_kint(&o->j, "count", a->count);
		store_json_time(&o->j, "seen", a->seen_us);
		json_kstr(&o->j, "state", state);
		json_kint(&o->j, "attempts", a->attempts);
		store_json_time(&o->j, "delivered", a->delivered_us);
		if (!a->delivered_us)
			store_json_time(&o->j, "next_try", a->next_us);
		json_kstr(&o->j, "last_error", a->last_error);
		json_obj_end(&o->j);
		if (json_flush_line(&o->j, stdout) < 0)
			return 1;
		return o->limit && (size_t)o->n >= o->limit;
	}
	printf("%-13s %-16s %-20s %-19s %-9s %3lld  %-19s  %s%s%s\n",
	       a->kind ? a->kind : "-", a->signature ? a->signature : "-",
	       store_cli_text(a->release, rel, sizeof(rel)),
	       store_cli_time(a->seen_us, t1, sizeof(t1)), state,
	       (long long)a->attempts,
	       store_cli_time(a->delivered_us, t2, sizeof(t2)),
	       store_cli_text(a->title, title, sizeof(title)),
	       a->last_error && !a->delivered_us ? "  last error: " : "",
	       a->last_error && !a->delivered_us ?
		       store_cli_text(a->last_error, err, sizeof(err)) : "");
	return 0;
}

static void alerts_usage(FILE *out)
{
	fprintf(out,
		"Usage: oopsctl alerts [--json] [--pending] "
		"[--limit N] " STORE_CLI_USAGE "\n"
		"The newest alerts (default 50; --limit 0: "
		"all): new signatures, new kernel\n"
		"releases, regressions and spikes, and whether "
		"each was delivered.\n"
		"--pending: only those not delivered yet.\n");
}

int cmd_alerts(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "limit", required_argument, NULL, 'l' },
		{ "pending", no_argument, NULL, 'p' },
		STORE_CLI_OPTIONS,
	};
	struct store_cli_opts so = { 0 };
	struct alerts_out o = { 0 };
	size_t limit = 50;
	struct store *st;
	int c, n;

	while ((c = store_cli_getopt(argc, argv, opts, &so)) != -1) {
		switch (c) {
		case 'j':
			o.json = true;
			break;
		case 'p':
			o.pending_only = true;
			break;
		case 'l':
			if (store_cli_limit("alerts", optarg, &limit) < 0)
				return OOPSCTL_ERROR;
			break;
		default:
			return oopsctl_usage(c, alerts_usage);
		}
	}
	if (optind != argc) {
		fprintf(stderr, "oopsctl alerts: no arguments expected\n");
		return OOPSCTL_ERROR;
	}
	if (store_cli_open(so.store, so.config, &st) < 0)
		return OOPSCTL_ERROR;
	if (o.json)
		json_init(&o.j);
	else
		printf("%-13s %-16s %-20s %-19s %-9s %3s  %-19s  %s\n", "KIND",
		       "SIGNATURE", "RELEASE", "SEEN (UTC)", "STATE", "TRY",
		       "DELIVERED (UTC)", "TITLE");
	/* --pending looks through them all: an old alert may still wait. */
	o.limit = limit;
	n = store_alerts(st, o.pending_only ? 0 : limit, alert_print, &o);
	if (o.json)
		json_free(&o.j);
	store_close(st);
	return store_cli_exit_status(n < 0 ? n : o.n);
}
