// SPDX-License-Identifier: MIT
/*
 * cmd_export.c - `oopsctl export --json`: every stored record as a JSON
 * Line, in arrival order (the record's own fields, plus where and when the
 * collector got it).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/conf.h"
#include "base/json.h"
#include "oopsctl.h"
#include "record/record.h"
#include "store/store_json.h"
#include "store_cli.h"
#include "base/util.h"

struct export_out {
	struct json j;
	uint64_t bad;
};

static int export_print(const struct store_rec *rec, void *arg)
{
	struct export_out *o = arg;
	Oopsd__CrashRecord *r = NULL;

	if (store_cli_unpack(rec->packed, rec->packed_len, &r) < 0) {
		o->bad++;
		return 0;
	}
	record_to_json(r, &o->j);
	/* What the collector adds, in the same object. */
	json_obj_reopen(&o->j);
	json_kstr(&o->j, "received_from", rec->sender);
	store_json_time(&o->j, "seen", rec->seen_us);
	store_json_time(&o->j, "received", rec->received_us);
	json_obj_end(&o->j);
	store_cli_rec_free(r);
	return json_flush_line(&o->j, stdout) < 0;
}

static void export_usage(FILE *out)
{
	fprintf(out,
		"Usage: oopsctl export --json [--signature SIG] [--since DURATION]\n"
		"                      [--limit N] " STORE_CLI_USAGE "\n"
		"Stored records as JSON Lines, oldest first.  SIG is a\n"
		"signature or a unique prefix of it (4 hex digits or more),\n"
		"as `oopsctl show` takes.  Exit status: 0 records, 1 none, 2\n"
		"error.\n");
}

int cmd_export(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "signature", required_argument, NULL, 'g' },
		{ "since", required_argument, NULL, 's' },
		{ "limit", required_argument, NULL, 'l' },
		STORE_CLI_OPTIONS,
	};
	struct store_cli_opts so = { 0 };
	struct store_export_query q = { 0 };
	struct export_out o = { 0 };
	struct store_sig_detail *d = NULL;
	char full[STORE_SIG_LEN];
	struct store *st;
	int c, n;

	while ((c = store_cli_getopt(argc, argv, opts, &so)) != -1) {
		switch (c) {
		case 'j':
			break; /* JSON Lines is the only format */
		case 'g':
			q.signature = optarg;
			break;
		case 's':
			if (store_cli_since("export", optarg, &q.since_us) < 0)
				return OOPSCTL_ERROR;
			break;
		case 'l':
			if (store_cli_limit("export", optarg, &q.limit) < 0)
				return OOPSCTL_ERROR;
			break;
		default:
			return oopsctl_usage(c, export_usage);
		}
	}
	if (optind != argc) {
		export_usage(stderr);
		return OOPSCTL_ERROR;
	}
	if (store_cli_open(so.store, so.config, &st) < 0)
		return OOPSCTL_ERROR;
	if (q.signature != NULL) {
		/* A prefix, as `oopsctl show` takes: resolved to the one
		 * signature it names. */
		int rc = store_show(st, q.signature, 0, &d);

		if (rc < 0) {
			if (rc == -ENOENT)
				fprintf(stderr, "oopsctl export: no signature "
					"%s\n", q.signature);
			else
				fprintf(stderr, "oopsctl export: '%s' %s\n",
					q.signature,
					rc == -EEXIST ?
						"matches several signatures" :
					rc == -EINVAL ?
						"is not 4-16 hex digits" :
						strerror(-rc));
			store_close(st);
			return rc == -ENOENT ? OOPSCTL_NONE : OOPSCTL_ERROR;
		}
		str_lcpy(full, d->sig.signature, sizeof(full));
		q.signature = full;
		store_sig_detail_free(d);
	}
	json_init(&o.j);
	n = store_export(st, &q, export_print, &o);
	json_free(&o.j);
	store_cli_error(st, "export", n);
	store_close(st);
	if (o.bad)
		fprintf(stderr, "oopsctl export: %llu stored record(s) did "
				"not decode\n", (unsigned long long)o.bad);
	if (n == 0)
		fprintf(stderr, "oopsctl export: no records%s%s%s\n",
			q.signature ? " of signature " : "",
			q.signature ? q.signature : "",
			q.since_us ? " in that window" : "");
	return store_cli_exit_status(n);
}
