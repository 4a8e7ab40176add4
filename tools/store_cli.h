/* SPDX-License-Identifier: MIT */
/*
 * store_cli.h - what oopsctl's store queries (top, show, hosts, export,
 * collector-status) share: finding the store, parsing common options and
 * printing times.
 */
#ifndef OOPSD_STORE_CLI_H
#define OOPSD_STORE_CLI_H

#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "base/json.h"
#include "store/store.h"

/*
 * The options every store query takes.  Its getopt_long() table ends with
 * STORE_CLI_OPTIONS (--store, --config, --help and the terminator), it
 * reads its options with store_cli_getopt(), answers 'h' and the rest it
 * does not know with oopsctl_usage(), and its usage text names
 * STORE_CLI_USAGE.
 */
#define STORE_CLI_OPTIONS                                                      \
	{ "store", required_argument, NULL, 'S' },                             \
	{ "config", required_argument, NULL, 'c' },                            \
	{ "help", no_argument, NULL, 'h' },                                    \
	{ NULL, 0, NULL, 0 }
#define STORE_CLI_USAGE "[--store sqlite:PATH|postgresql://...] [--config FILE]"

struct store_cli_opts {
	const char *store;  /* --store, or NULL */
	const char *config; /* --config, or NULL */
};

/* getopt_long() over opts that keeps --store and --config in so: the
 * command's next own option (its argument in optarg), 'h', '?', or -1 at
 * the end of the options. */
int store_cli_getopt(int argc, char **argv, const struct option *opts,
		     struct store_cli_opts *so);

/*
 * The store spec to use: `--store` when given, else the `store` key of the
 * collector's config file (`--config`, else /etc/oopsd/collector.conf when
 * it exists), else CONFIG_DEFAULT_STORE.  Returns a malloc'd string, or
 * NULL after printing why (a config file that does not parse).
 */
char *store_cli_spec(const char *store_opt, const char *config_opt);

/* The collector's status file for a store spec (see collector.h). */
char *store_cli_status_path(const char *store_opt, const char *config_opt);

/* The collector config's silent_after, in ms (0 when not set). */
int store_cli_silent_after(const char *config_opt, uint64_t *ms);

/* Open the store read-only; prints the error.  0 or -errno. */
int store_cli_open(const char *store_opt, const char *config_opt,
		   struct store **out);

/*
 * Parse `--since DURATION` (30m, 12h, 7d) into a unix time in microseconds
 * (at least 1), and `--limit N`.  0, or -1 after printing
 * "oopsctl CMD: bad ..." to stderr.
 */
int store_cli_since(const char *cmd, const char *arg, int64_t *since_us);
int store_cli_limit(const char *cmd, const char *arg, size_t *limit);

/* "2026-11-21 05:10:34" (UTC) into buf; "-" for 0. */
const char *store_cli_time(int64_t us, char *buf, size_t len);
/*
 * The exit status of a listing that produced n rows (n < 0: an error):
 * flushes stdout; OOPSCTL_ERROR on a failed flush or n < 0, else
 * OOPSCTL_OK when n > 0 and OOPSCTL_NONE when n == 0.
 */
int store_cli_exit_status(int n);

/*
 * When a query returned n < 0, say why on stderr, once, in the words of
 * the store (store_errmsg()): the store logs nothing itself.
 */
void store_cli_error(const struct store *st, const char *cmd, int n);

/*
 * A peer's text (a title, a hostname, a release) for the terminal, into
 * buf: control bytes escaped (base/termesc.h); NULL gives "-".
 */
const char *store_cli_text(const char *s, char *buf, size_t len);

/* Decode a stored record with record_unpack()'s limits; free it with
 * store_cli_rec_free().  0 or -errno. */
int store_cli_unpack(const uint8_t *buf, size_t len, Oopsd__CrashRecord **out);
void store_cli_rec_free(Oopsd__CrashRecord *r);
/* The record's report text, decompressed (at most 1 MiB), malloc'd and
 * NUL-terminated; NULL when it has none or it does not inflate. */
char *store_cli_report(const Oopsd__CrashRecord *r, size_t *len);

/* Every triage row of a store, for top and show to look signatures up. */
struct store_cli_triage {
	struct store_triage *rows; /* by signature; strings owned */
	size_t n, cap;
	size_t ignored; /* rows in state ignored */
};
/* Load the rows (a store without a triage table has none).  0 or -errno. */
int store_cli_triage_load(struct store *st, struct store_cli_triage *m);
/* The row of sig, or an open triage when it has none. */
const struct store_triage *store_cli_triage_find(
	const struct store_cli_triage *m, const char *sig);
void store_cli_triage_free(struct store_cli_triage *m);
#endif /* OOPSD_STORE_CLI_H */
