// SPDX-License-Identifier: MIT
/*
 * cmd_top.c - `oopsctl top [--since DURATION] [--limit N] [--json]`:
 * signatures by count, read from the per-signature aggregates.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/conf.h"
#include "base/json.h"
#include "base/termesc.h"
#include "oopsctl.h"
#include "store_cli.h"
#include "store/store_json.h"
#include "base/util.h"

struct top_out {
	bool json;
	bool all;	  /* --all: ignored signatures too */
	size_t limit;	  /* rows to print (0: all) */
	size_t printed;
	struct json j;
	struct store_cli_triage triage;
};

static int top_print(const struct store_sig *s, void *arg)
{
	struct top_out *o = arg;
	const struct store_triage *t =
		store_cli_triage_find(&o->triage, s->signature);
	char first[32], last[32];

	if (t->state == STORE_TRIAGE_IGNORED && !o->all)
		return 0;
	o->printed++;
	if (o->json) {
		struct json *j = &o->j;

		json_obj_begin(j);
		store_json_sig_fields(j, s);
		store_json_triage(j, t);
		json_obj_end(j);
		if (json_flush_line(j, stdout) < 0)
			return 1;
	} else {
		char t1[1200];

		printf("%8llu %6llu  %-19s  %-19s  %-7s  %s  %s\n",
		       (unsigned long long)s->count,
		       (unsigned long long)s->hosts,
		       store_cli_time(s->first_seen_us, first, sizeof(first)),
		       store_cli_time(s->last_seen_us, last, sizeof(last)),
		       store_triage_name(t->state), s->signature,
		       TERMESC(t1, s->title));
	}
	return o->limit && o->printed >= o->limit;
}

static void top_usage(FILE *out)
{
	fprintf(out,
		"Usage: oopsctl top [--since DURATION] [--limit N] [--all] "
		"[--json]\n"
		"                   " STORE_CLI_USAGE "\n"
		"Crash signatures by number of records (all time, or seen in\n"
		"the last DURATION: 30m, 12h, 7d), with their triage state.\n"
		"Signatures triaged as ignored are left out unless --all.\n");
}

int cmd_top(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "since", required_argument, NULL, 's' },
		{ "limit", required_argument, NULL, 'l' },
		{ "json", no_argument, NULL, 'j' },
		{ "all", no_argument, NULL, 'a' },
		STORE_CLI_OPTIONS,
	};
	struct store_cli_opts so = { 0 };
	struct store_top_query q = { 0 };
	struct top_out o = { 0 };
	struct store *st;
	int c, n;

	while ((c = store_cli_getopt(argc, argv, opts, &so)) != -1) {
		switch (c) {
		case 's':
			if (store_cli_since("top", optarg, &q.since_us) < 0)
				return OOPSCTL_ERROR;
			break;
		case 'l':
			if (store_cli_limit("top", optarg, &q.limit) < 0)
				return OOPSCTL_ERROR;
			break;
		case 'j':
			o.json = true;
			break;
		case 'a':
			o.all = true;
			break;
		default:
			return oopsctl_usage(c, top_usage);
		}
	}
	if (optind != argc) {
		top_usage(stderr);
		return OOPSCTL_ERROR;
	}
	if (store_cli_open(so.store, so.config, &st) < 0)
		return OOPSCTL_ERROR;
	if (store_cli_triage_load(st, &o.triage) < 0) {
		store_close(st);
		return OOPSCTL_ERROR;
	}
	/* Ignored rows are skipped as they come: ask for enough more. */
	o.limit = q.limit;
	if (q.limit && !o.all)
		q.limit += o.triage.ignored;
	/* The table does not print the releases; JSON does. */
	q.no_releases = !o.json;
	if (o.json)
		json_init(&o.j);
	else
		printf("%8s %6s  %-19s  %-19s  %-7s  %-16s  %s\n", "COUNT",
		       "HOSTS", "FIRST SEEN (UTC)", "LAST SEEN (UTC)", "TRIAGE",
		       "SIGNATURE", "TITLE");
	n = store_top(st, &q, top_print, &o);
	store_cli_error(st, "top", n);
	if (n >= 0)
		n = (int)o.printed;
	store_cli_triage_free(&o.triage);
	if (o.json)
		json_free(&o.j);
	store_close(st);
	return store_cli_exit_status(n);
}
