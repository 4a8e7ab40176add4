// SPDX-License-Identifier: MIT
/*
 * cmd_show.c - `oopsctl show SIGNATURE [--json]`: one signature's
 * aggregate, kernels, hosts, recent records and an example report.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/termesc.h"
#include "base/json.h"
#include "oopsctl.h"
#include "record/record.h"
#include "store_cli.h"
#include "store/store_json.h"
#include "base/util.h"

#define SHOW_MAX_HOSTS 20
#define SHOW_RECENT 10

struct show_out {
	bool json;
	struct json *j;
};

static int recent_print(const struct store_rec *r, void *arg)
{
	struct show_out *o = arg;
	char id[2 * STORE_MAX_ID_BYTES + 1], t[32];
	Oopsd__CrashRecord *rec = NULL;
	const char *hostname = r->host_key;

	hex_encode(r->id, r->id_len <= STORE_MAX_ID_BYTES ? r->id_len : 0, id);
	if (store_cli_unpack(r->packed, r->packed_len, &rec) == 0 &&
	    rec->host != NULL && rec->host->hostname != NULL)
		hostname = rec->host->hostname;
	if (o->json) {
		json_obj_begin(o->j);
		json_kstr(o->j, "id", id);
		json_kstr(o->j, "host", r->host_key);
		json_kstr(o->j, "hostname", hostname);
		json_kstr(o->j, "release", r->release);
		json_kstr(o->j, "sender", r->sender);
		store_json_time(o->j, "seen", r->seen_us);
		store_json_time(o->j, "received", r->received_us);
		json_obj_end(o->j);
	} else {
		char t1[256], t2[256];

		printf("  %-19s  %-24s  %-20s  %s\n",
		       store_cli_time(r->seen_us, t, sizeof(t)),
		       TERMESC(t1, hostname),
		       TERMESC(t2, r->release ? r->release : "-"), id);
	}
	store_cli_rec_free(rec);
	return 0;
}

static void show_usage(FILE *out)
{
	fprintf(out,
		"Usage: oopsctl show SIGNATURE [--json]\n"
		"                    " STORE_CLI_USAGE "\n"
		"Everything about one signature (16 hex digits, or a unique\n"
		"prefix of at least 4): counts, kernels, hosts, recent records\n"
		"and an example report.\n");
}

static void show_text(struct store *st, const struct store_sig_detail *d,
		      const struct store_triage *t,
		      const Oopsd__CrashRecord *ex, const char *report)
{
	const struct store_sig *s = &d->sig;
	struct store_export_query q = { .signature = s->signature,
					.limit = SHOW_RECENT,
					.newest_first = true };
	struct show_out o = { 0 };
	char a[32], b[32], esc[1200];

	printf("signature:  %s\n", s->signature);
	printf("title:      %s\n", TERMESC(esc, s->title));
	printf("kind:       %s\n", TERMESC(esc, s->kind));
	printf("stack:      %s\n", s->stack_signature[0] ? s->stack_signature :
							   "-");
	printf("count:      %llu on %llu host(s)\n",
	       (unsigned long long)s->count, (unsigned long long)s->hosts);
	printf("first seen: %s UTC\n",
	       store_cli_time(s->first_seen_us, a, sizeof(a)));
	printf("last seen:  %s UTC\n",
	       store_cli_time(s->last_seen_us, a, sizeof(a)));
	printf("triage:     %s", store_triage_name(t->state));
	if (t->fixed_in)
		printf(", fixed in %s", TERMESC(esc, t->fixed_in));
	if (t->bug)
		printf(", %s", TERMESC(esc, t->bug));
	if (t->updated_us > 0)
		printf(" (%s UTC)", store_cli_time(t->updated_us, a, sizeof(a)));
	putchar('\n');
	if (t->note)
		printf("note:       %s\n", TERMESC(esc, t->note));
	printf("\nkernels:\n  %-32s %8s  %-19s  %s\n", "RELEASE", "COUNT",
	       "FIRST SEEN", "LAST SEEN");
	for (size_t i = 0; i < s->n_releases; i++)
		printf("  %-32s %8llu  %-19s  %s\n",
		       TERMESC(esc, s->releases[i].release),
		       (unsigned long long)s->releases[i].count,
		       store_cli_time(s->releases[i].first_seen_us, a,
				      sizeof(a)),
		       store_cli_time(s->releases[i].last_seen_us, b,
				      sizeof(b)));
	printf("\nhosts:\n  %-32s %8s  %-19s  %s\n", "HOST", "COUNT",
	       "FIRST SEEN", "LAST SEEN");
	for (size_t i = 0; i < d->n_hosts; i++)
		printf("  %-32s %8llu  %-19s  %s\n",
		       TERMESC(esc, d->hosts[i].hostname ?
					  d->hosts[i].hostname :
					  d->hosts[i].host_key),
		       (unsigned long long)d->hosts[i].count,
		       store_cli_time(d->hosts[i].first_seen_us, a, sizeof(a)),
		       store_cli_time(d->hosts[i].last_seen_us, b, sizeof(b)));
	printf("\nrecent records:\n");
	store_export(st, &q, recent_print, &o);
	if (ex != NULL) {
		char t2[256];

		printf("\nexample report (%s, %s):\n",
		       TERMESC(esc, ex->host && ex->host->hostname ?
					  ex->host->hostname :
					  "unknown host"),
		       TERMESC(t2, ex->kernel && ex->kernel->release ?
					   ex->kernel->release :
					   "unknown kernel"));
		/* The report's lines, not its control bytes. */
		if (report != NULL)
			termesc_write(stdout, report, strlen(report),
				      TERMESC_TEXT);
		else
			printf("  (no report text)\n");
		if (report != NULL && report[0] &&
		    report[strlen(report) - 1] != '\n')
			putchar('\n');
	}
}

static int show_json(struct store *st, const struct store_sig_detail *d,
		     const struct store_triage *t,
		     const Oopsd__CrashRecord *ex)
{
	const struct store_sig *s = &d->sig;
	struct store_export_query q = { .signature = s->signature,
					.limit = SHOW_RECENT,
					.newest_first = true };
	struct json j;
	struct show_out o = { .json = true, .j = &j };
	int rc;

	json_init(&j);
	json_obj_begin(&j);
	json_kstr(&j, "signature", s->signature);
	json_kstr(&j, "stack_signature",
		  s->stack_signature[0] ? s->stack_signature : NULL);
	json_kstr(&j, "title", s->title);
	json_kstr(&j, "kind", s->kind);
	json_kuint(&j, "count", s->count);
	json_kuint(&j, "hosts", s->hosts);
	store_json_time(&j, "first_seen", s->first_seen_us);
	store_json_time(&j, "last_seen", s->last_seen_us);
	json_key(&j, "releases");
	json_arr_begin(&j);
	for (size_t i = 0; i < s->n_releases; i++)
		json_str(&j, s->releases[i].release);
	json_arr_end(&j);
	store_json_triage(&j, t);
	store_json_sig_places(&j, d);
	json_key(&j, "recent");
	json_arr_begin(&j);
	store_export(st, &q, recent_print, &o);
	json_arr_end(&j);
	json_key(&j, "example");
	if (ex == NULL) {
		json_null(&j);
	} else {
		record_to_json(ex, &j);
	}
	json_obj_end(&j);
	rc = json_flush_line(&j, stdout);
	json_free(&j);
	return rc;
}

int cmd_show(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		STORE_CLI_OPTIONS,
	};
	struct store_cli_opts so = { 0 };
	struct store_sig_detail *d = NULL;
	struct store_triage t;
	Oopsd__CrashRecord *ex = NULL;
	char *report = NULL;
	struct store *st;
	bool json = false;
	size_t rlen;
	int c, rc, ret = OOPSCTL_ERROR;

	while ((c = store_cli_getopt(argc, argv, opts, &so)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		default:
			return oopsctl_usage(c, show_usage);
		}
	}
	if (optind + 1 != argc) {
		show_usage(stderr);
		return OOPSCTL_ERROR;
	}
	if (store_cli_open(so.store, so.config, &st) < 0)
		return OOPSCTL_ERROR;
	rc = store_show(st, argv[optind], SHOW_MAX_HOSTS, &d);
	if (rc == -ENOENT) {
		fprintf(stderr, "oopsctl show: no signature %s\n",
			argv[optind]);
		ret = OOPSCTL_NONE;
		goto out;
	}
	if (rc == -EEXIST || rc == -EINVAL) {
		fprintf(stderr, "oopsctl show: '%s' %s\n", argv[optind],
			rc == -EEXIST ? "matches several signatures" :
					"is not 4-16 hex digits");
		goto out;
	}
	if (rc < 0) {
		store_cli_error(st, "show", rc);
		goto out;
	}
	if (d->example != NULL &&
	    store_cli_unpack(d->example, d->example_len, &ex) == 0)
		report = store_cli_report(ex, &rlen);
	/* Printed: the strings of t are the store's until its next call. */
	rc = store_triage_get(st, d->sig.signature, &t);
	if (rc < 0 && rc != -ENOENT)
		goto out;
	if (json) {
		if (show_json(st, d, &t, ex) < 0)
			goto out;
	} else {
		show_text(st, d, &t, ex, report);
	}
	ret = fflush(stdout) == 0 ? OOPSCTL_OK : OOPSCTL_ERROR;
out:
	free(report);
	store_cli_rec_free(ex);
	store_sig_detail_free(d);
	store_close(st);
	return ret;
}
