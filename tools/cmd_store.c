// SPDX-License-Identifier: MIT
/*
 * cmd_store.c - oopsctl store check: is the collector's store sound?
 *
 * The collector runs SQLite's quick_check when it opens its store and
 * refuses a damaged one (it would acknowledge records it may not keep);
 * this is the operator's side: the same check (or the full
 * integrity_check) on demand, read-only, while the collector runs or not.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "base/termesc.h"
#include "oopsctl.h"
#include "store_cli.h"

static void store_usage(FILE *out)
{
	fprintf(out,
		"Usage: oopsctl store check [--full] " STORE_CLI_USAGE "\n"
		"Check the store's integrity (SQLite: quick_check; --full:\n"
		"integrity_check, slower).  Prints \"ok\" or what is damaged.\n"
		"Exit status: 0 sound, 1 damaged, 2 could not check.\n"
		"A damaged store: see doc/security.md, \"A damaged SQLite\n"
		"store\", for the recovery.\n");
}

int cmd_store(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "full", no_argument, NULL, 'f' },
		STORE_CLI_OPTIONS,
	};
	struct store_cli_opts so = { 0 };
	char msg[2048], t[2048];
	struct store *st;
	bool full = false;
	int c, rc;

	if (argc < 2 || strcmp(argv[1], "check") != 0) {
		store_usage(argc >= 2 && strcmp(argv[1], "--help") == 0 ?
				    stdout : stderr);
		return argc >= 2 && strcmp(argv[1], "--help") == 0 ?
			       OOPSCTL_OK : OOPSCTL_ERROR;
	}
	argc--;
	argv++;
	while ((c = store_cli_getopt(argc, argv, opts, &so)) != -1) {
		switch (c) {
		case 'f':
			full = true;
			break;
		default:
			return oopsctl_usage(c, store_usage);
		}
	}
	if (optind != argc) {
		store_usage(stderr);
		return OOPSCTL_ERROR;
	}
	if (store_cli_open(so.store, so.config, &st) < 0)
		return OOPSCTL_ERROR;
	rc = store_check(st, full, msg, sizeof(msg));
	if (rc == 0) {
		printf("ok\n");
	} else if (rc == -EUCLEAN) {
		printf("damaged: %s\n", TERMESC(t, msg));
	} else if (rc == -EOPNOTSUPP) {
		fprintf(stderr, "oopsctl store check: this store has no "
				"integrity check here (a server database "
				"checks itself)\n");
	} else {
		store_cli_error(st, "store check", rc);
	}
	store_close(st);
	if (fflush(stdout) != 0)
		return OOPSCTL_ERROR;
	return rc == 0 ? OOPSCTL_OK : rc == -EUCLEAN ? OOPSCTL_NONE
						    : OOPSCTL_ERROR;
}
