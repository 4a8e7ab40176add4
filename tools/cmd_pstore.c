// SPDX-License-Identifier: MIT
/*
 * cmd_pstore.c - `oopsctl pstore [--dir DIR] [--json] [--state FILE]`:
 * print the crash records a pstore directory (or systemd-pstore's archive)
 * holds.  Read only: nothing
 * is removed (the agent removes entries once a collector acknowledged
 * them).
 */
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/termesc.h"
#include "base/json.h"
#include "base/log.h"
#include "oopsctl.h"
#include "pstore/pstore_record.h"
#include "record/record.h"
#include "base/util.h"

#define PSTORE_RECORD_MAX (1u << 20)

static void pstore_usage(FILE *out)
{
	fprintf(out,
		"Usage: oopsctl pstore [--dir DIR] [--json] [--state FILE]\n"
		"Print the crash records in a pstore directory (default %s):\n"
		"one per distinct report of the crashed boot, with the files\n"
		"it came from.  Nothing is removed.\n\n"
		"  -d, --dir DIR     read DIR: a copy of /sys/fs/pstore, or\n"
		"                    systemd-pstore's archive (%s:\n"
		"                    a dump per subdirectory, its dmesg.txt\n"
		"                    copies skipped)\n"
		"  -j, --json        JSON Lines: `oopsctl decode` fields and\n"
		"                    pstore_files, parts_missing, undecodable,\n"
		"                    console_tail, ecc, acked, key\n"
		"  -s, --state FILE  mark records the agent already had\n"
		"                    acknowledged (its pstore state file)\n"
		"  -h, --help        this help\n\n"
		"Exit status: 0 records found, 1 none, 2 error.\n",
		CONFIG_DEFAULT_PSTORE_DIR, PSTORE_ARCHIVE_DEFAULT);
}

/* The pstore-only keys, spliced into the record's JSON object. */
static void pstore_json_extra(const struct pstore_scan *s,
			      const struct pstore_item *it, struct json *j)
{
	char key[33];

	pstore_item_key_hex(it, key);
	json_obj_begin(j);
	json_key(j, "pstore_files");
	json_arr_begin(j);
	for (size_t i = 0; i < it->nfiles; i++)
		json_str(j, s->files[it->files[i]].name);
	json_arr_end(j);
	json_kuint(j, "parts_missing", it->parts_missing);
	json_kbool(j, "undecodable", it->undecodable);
	json_kbool(j, "console_tail", it->console_tail);
	json_kbool(j, "ecc", it->ecc.present);
	json_kbool(j, "acked", it->acked);
	json_kstr(j, "key", key);
	json_obj_end(j);
}

static int print_json(const struct pstore_scan *s, size_t idx,
		      const Oopsd__CrashRecord *rec)
{
	struct json a, b;
	int rc = 0;

	json_init(&a);
	json_init(&b);
	if (record_to_json(rec, &a) < 0)
		rc = -ENOMEM;
	pstore_json_extra(s, &s->items[idx], &b);
	if (rc == 0 && (b.oom || a.len < 2 || b.len < 2))
		rc = -ENOMEM;
	if (rc == 0) {
		/* {record...} + {extra...} -> {record...,extra...} */
		fwrite(a.buf, 1, a.len - 1, stdout);
		if (b.len > 2)
			putchar(',');
		fwrite(b.buf + 1, 1, b.len - 1, stdout);
		putchar('\n');
	}
	json_free(&a);
	json_free(&b);
	return rc;
}

static void print_text(const struct pstore_scan *s, size_t idx,
		       const struct pstore_record *pr)
{
	const struct pstore_item *it = &s->items[idx];
	const struct oops_report *r = pr->report;
	char t[1200];

	/* Titles and names come from pstore files: hostile. */
	printf("%s [%s]\n", TERMESC(t, r->title ? r->title : "(no title)"),
	       record_kind_name((int)r->kind));
	printf("  source: %s   reason: %s   time: ",
	       record_source_name((int)pr->origin.source),
	       TERMESC(t, it->reason[0] ? it->reason : "-"));
	if (it->time_us >= 0)
		printf("[%lld.%06lld]", (long long)(it->time_us / 1000000),
		       (long long)(it->time_us % 1000000));
	else
		printf("-");
	printf("%s\n", it->acked ? "   (acknowledged)" : "");
	printf("  parts: %u/%u%s%s   %s", it->parts_found, it->parts_expected,
	       it->parts_missing ? " (missing parts)" : "",
	       it->parts_duplicate ? " (duplicate parts)" : "",
	       it->complete ? "complete" : "INCOMPLETE");
	if (it->decompressed_by)
		printf("   decompressed by: %s", it->decompressed_by);
	if (it->undecodable)
		printf("   UNDECODABLE (raw bytes kept)");
	if (it->ecc.present)
		printf("   ecc: %u corrected, %u unrecoverable",
		       it->ecc.corrected, it->ecc.unrecoverable);
	printf("\n  files:");
	for (size_t i = 0; i < it->nfiles; i++)
		printf(" %s", TERMESC(t, s->files[it->files[i]].name));
	if (s->nattachments) {
		printf("\n  attachments:");
		for (size_t i = 0; i < s->nattachments; i++)
			printf(" %s",
			       TERMESC(t, s->files[s->attachments[i]].name));
	}
	printf("\n\n");
}

static void stats_add(struct pstore_stats *t, const struct pstore_stats *s)
{
	t->files += s->files;
	t->unreadable += s->unreadable;
	t->bad_names += s->bad_names;
	t->cut += s->cut;
	t->skipped += s->skipped;
	t->bad_headers += s->bad_headers;
	t->undecodable += s->undecodable;
	t->over_budget += s->over_budget;
	t->garbage += s->garbage;
	t->dumps += s->dumps;
	t->duplicates_merged += s->duplicates_merged;
	t->consequences_merged += s->consequences_merged;
}

static void print_stats(size_t nitems, const struct pstore_stats *st,
			FILE *out)
{
	fprintf(out,
		"%zu record(s) from %u file(s), %u dump(s); unreadable %u, "
		"bad names %u, cut %u, skipped %u, bad headers %u, "
		"undecodable %u, over budget %u, garbage %u; copies merged "
		"%u, consequences merged %u\n",
		nitems, st->files, st->dumps, st->unreadable, st->bad_names,
		st->cut, st->skipped, st->bad_headers, st->undecodable,
		st->over_budget, st->garbage, st->duplicates_merged,
		st->consequences_merged);
}

/* What one run prints, over one scan or every scan of an archive. */
struct pstore_run {
	bool json;
	const char *state;
	uint8_t *buf;
	size_t nitems;
	struct pstore_stats stats;
	int status;
};

static void print_scan(struct pstore_scan *s, const char *subdir, void *arg)
{
	struct pstore_run *run = arg;
	int rc;

	stats_add(&run->stats, &s->stats);
	run->nitems += s->nitems;
	if (run->state != NULL) {
		rc = pstore_state_apply(s, run->state);
		if (rc < 0) {
			fprintf(stderr, "oopsctl pstore: %s: %s\n", run->state,
				strerror(-rc));
			run->status = OOPSCTL_ERROR;
			return;
		}
	}
	if (subdir[0] && s->nitems > 0 && !run->json)
		printf("== %s/\n", subdir);
	for (size_t i = 0; i < s->nitems; i++) {
		struct pstore_record pr;
		Oopsd__CrashRecord *rec = NULL;
		const char *why = NULL;
		int n;

		if (pstore_item_record(s, i, &pr) < 0) {
			run->status = OOPSCTL_ERROR;
			break;
		}
		pr.origin.collected_time_us = now_realtime_us();
		if (!run->json) {
			print_text(s, i, &pr);
			pstore_record_release(&pr);
			continue;
		}
		n = record_pack_fit(pr.report, &pr.origin, run->buf,
				    PSTORE_RECORD_MAX);
		if (n >= 0)
			n = record_unpack(run->buf, (size_t)n, NULL, &rec, &why);
		if (n >= 0)
			n = print_json(s, i, rec);
		if (n < 0) {
			fprintf(stderr, "oopsctl pstore: record %zu: %s\n", i,
				why ? why : strerror(-n));
			run->status = OOPSCTL_ERROR;
		}
		record_free(rec);
		pstore_record_release(&pr);
	}
}

/* pstore files and the archive are root's: say so to anyone else. */
static void root_hint(const char *dir)
{
	if (geteuid() != 0)
		fprintf(stderr,
			"oopsctl pstore: %s: pstore records are readable by "
			"root only (mode 0400 in /sys/fs/pstore, 0600 in the "
			"systemd-pstore archive): run it with sudo\n", dir);
}

int cmd_pstore(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dir", required_argument, NULL, 'd' },
		{ "json", no_argument, NULL, 'j' },
		{ "state", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct pstore_run run = { .status = OOPSCTL_OK };
	struct pstore_archive_stats as;
	const char *dir = NULL;
	struct pstore_scan *s = NULL;
	const struct pstore_stats *st = &run.stats;
	int c, rc;

	optind = 1;
	while ((c = getopt_long(argc, argv, "d:js:h", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			dir = optarg;
			break;
		case 'j':
			run.json = true;
			break;
		case 's':
			run.state = optarg;
			break;
		default:
			return oopsctl_usage(c, pstore_usage);
		}
	}
	if (optind < argc) {
		fprintf(stderr, "oopsctl pstore: unexpected argument '%s'\n",
			argv[optind]);
		pstore_usage(stderr);
		return OOPSCTL_ERROR;
	}
	if (dir == NULL)
		dir = CONFIG_DEFAULT_PSTORE_DIR;
	run.buf = malloc(PSTORE_RECORD_MAX);
	if (run.buf == NULL)
		return OOPSCTL_ERROR;
	if (pstore_dir_is_archive(dir)) {
		rc = pstore_scan_archive(dir, NULL, print_scan, &run, &as);
		if (rc == 0 && as.dirs_unreadable > 0) {
			fprintf(stderr, "oopsctl pstore: %s: %u dump "
				"director%s unreadable\n", dir,
				as.dirs_unreadable,
				as.dirs_unreadable == 1 ? "y" : "ies");
			root_hint(dir);
		}
	} else {
		rc = pstore_scan_dir(dir, NULL, &s);
		if (rc == 0)
			print_scan(s, "", &run);
	}
	if (rc < 0) {
		fprintf(stderr, "oopsctl pstore: %s: %s\n", dir, strerror(-rc));
		if (rc == -EACCES)
			root_hint(dir);
		free(run.buf);
		return OOPSCTL_ERROR;
	}
	if (!run.json)
		print_stats(run.nitems, st, stdout);
	else if (st->unreadable || st->bad_names || st->cut || st->skipped ||
		 st->undecodable || st->over_budget || st->garbage)
		print_stats(run.nitems, st, stderr); /* stdout: JSON Lines */
	if (st->unreadable > 0)
		root_hint(dir);
	if (run.status == OOPSCTL_OK && run.nitems == 0)
		run.status = OOPSCTL_NONE;
	free(run.buf);
	pstore_scan_free(s);
	return run.status;
}
