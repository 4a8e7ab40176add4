// SPDX-License-Identifier: MIT
/*
 * cmd_top.c - `oopsctl top [--since DURATION] [--limit N] [--json]`:
 * signatures by count, read from the per-signature aggregates.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/termesc.h"
#include "base/conf.h"
#include "base/json.h"
#include "oopsctl.h"
#include "store_cli.h"
#include "base/util.h"

struct top_out {
	bool json;
	struct json j;
};

static int top_print(const struct store_sig *s, void *arg)
{
	struct top_out *o = arg;
	char first[32], last[32];

	if (o->json) {
		struct json *j = &o->j;

		json_obj_begin(j);
		json_kstr(j, "signature", s->signature);
		json_kstr(j, "stack_signature",
			  s->stack_signature[0] ? s->stack_signature : NULL);
		json_kstr(j, "title", s->title);
		json_kstr(j, "kind", s->kind);
		json_kuint(j, "count", s->count);
		json_kuint(j, "total", s->total);
		json_kuint(j, "hosts", s->hosts);
		store_cli_json_time(j, "first_seen", s->first_seen_us);
		store_cli_json_time(j, "last_seen", s->last_seen_us);
		json_key(j, "releases");
		json_arr_begin(j);
		for (size_t i = 0; i < s->n_releases; i++)
			json_str(j, s->releases[i].release);
		json_arr_end(j);
		json_obj_end(j);
		return json_flush_line(j, stdout) < 0;
	}
	char t[1200];

	printf("%8llu %6llu  %-19s  %-19s  %s  %s\n",
	       (unsigned long long)s->count, (unsigned long long)s->hosts,
	       store_cli_time(s->first_seen_us, first, sizeof(first)),
	       store_cli_time(s->last_seen_us, last, sizeof(last)),
	       s->signature, TERMESC(t, s->title));
	return 0;
}

static void top_usage(FILE *out)
{
	fprintf(out,
		"Usage: oopsctl top [--since DURATION] [--limit N] [--json]\n"
		"                   " STORE_CLI_USAGE "\n"
		"Crash signatures by number of records (all time, or seen in\n"
		"the last DURATION: 30m, 12h, 7d).\n");
}

int cmd_top(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "since", required_argument, NULL, 's' },
		{ "limit", required_argument, NULL, 'l' },
		{ "json", no_argument, NULL, 'j' },
		STORE_CLI_OPTIONS,
	};
	struct store_cli_opts so = { 0 };
	struct store_top_query q = { 0 };
	struct top_out o = { 0 };
	struct store *st;
	int c, n;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (store_cli_option(&so, c, optarg))
			continue;
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
		case 'h':
			top_usage(stdout);
			return OOPSCTL_OK;
		default:
			top_usage(stderr);
			return OOPSCTL_ERROR;
		}
	}
	if (optind != argc) {
		top_usage(stderr);
		return OOPSCTL_ERROR;
	}
	if (store_cli_open(so.store, so.config, &st) < 0)
		return OOPSCTL_ERROR;
	/* The table does not print the releases; JSON does. */
	q.no_releases = !o.json;
	if (o.json)
		json_init(&o.j);
	else
		printf("%8s %6s  %-19s  %-19s  %-16s  %s\n", "COUNT", "HOSTS",
		       "FIRST SEEN (UTC)", "LAST SEEN (UTC)", "SIGNATURE",
		       "TITLE");
	n = store_top(st, &q, top_print, &o);
	if (o.json)
		json_free(&o.j);
	store_cli_error(st, "top", n);
	store_close(st);
	return store_cli_exit_status(n);
}
