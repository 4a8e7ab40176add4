// SPDX-License-Identifier: MIT
/*
 * store_cli.c - shared by oopsctl's store queries.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../collector/collector.h"
#include "base/conf.h"
#include "base/log.h"
#include "base/termesc.h"
#include "oopsctl.h"
#include "record/record.h"
#include "store_cli.h"
#include "store/store_json.h"
#include "base/util.h"

/* The collector's config, parsed with the collector's own table. */
static int load_collector_config(const char *config_opt,
				 struct collector_config *cfg)
{
	const char *path = config_opt ? config_opt :
			   CONFIG_DEFAULT_SYSCONFDIR "/collector.conf";
	char err[CONF_ERR_MAX];

	memset(cfg, 0, sizeof(*cfg));
	if (conf_defaults(collector_conf_table, cfg, err, sizeof(err)) < 0) {
		fprintf(stderr, "oopsctl: %s\n", err);
		return -EINVAL;
	}
	if (config_opt == NULL && access(path, F_OK) != 0)
		return 0;
	if (conf_load_file(collector_conf_table, cfg, path, err,
			   sizeof(err)) < 0) {
		fprintf(stderr, "oopsctl: %s\n", err);
		conf_free(collector_conf_table, cfg);
		return -EINVAL;
	}
	return 0;
}

int store_cli_getopt(int argc, char **argv, const struct option *opts,
		     struct store_cli_opts *so)
{
	int c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'S')
			so->store = optarg;
		else if (c == 'c')
			so->config = optarg;
		else
			break;
	}
	return c;
}

char *store_cli_spec(const char *store_opt, const char *config_opt)
{
	struct collector_config cfg;
	char *spec;

	if (store_opt != NULL)
		return strdup(store_opt);
	if (load_collector_config(config_opt, &cfg) < 0)
		return NULL;
	spec = strdup(cfg.store ? cfg.store : CONFIG_DEFAULT_STORE);
	conf_free(collector_conf_table, &cfg);
	return spec;
}

char *store_cli_status_path(const char *store_opt, const char *config_opt)
{
	struct collector_config cfg;
	char *path = NULL;

	if (load_collector_config(config_opt, &cfg) < 0)
		return NULL;
	if (store_opt != NULL) {
		free(cfg.store);
		cfg.store = strdup(store_opt);
	}
	if (cfg.store != NULL)
		path = collector_status_path(&cfg);
	conf_free(collector_conf_table, &cfg);
	return path;
}

int store_cli_silent_after(const char *config_opt, uint64_t *ms)
{
	struct collector_config cfg;

	if (load_collector_config(config_opt, &cfg) < 0)
		return -EINVAL;
	*ms = cfg.silent_after;
	conf_free(collector_conf_table, &cfg);
	return 0;
}

int store_cli_open(const char *store_opt, const char *config_opt,
		   struct store **out)
{
	char *spec = store_cli_spec(store_opt, config_opt);
	int rc;

	if (spec == NULL)
		return -EINVAL;
	rc = store_open(spec, STORE_READONLY, out);
	if (rc < 0) {
		char shown[512];

		fprintf(stderr, "oopsctl: cannot open store %s: %s\n",
			store_spec_redact(spec, shown, sizeof(shown)),
			strerror(-rc));
	}
	free(spec);
	return rc;
}

const char *store_cli_time(int64_t us, char *buf, size_t len)
{
	time_t t = (time_t)(us / 1000000);
	struct tm tm;

	if (us <= 0 || gmtime_r(&t, &tm) == NULL ||
	    strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm) == 0)
		str_lcpy(buf, "-", len);
	return buf;
}

int store_cli_unpack(const uint8_t *buf, size_t len, Oopsd__CrashRecord **out)
{
	const char *reason = NULL;

	*out = NULL;
	return record_unpack(buf, len, NULL, out, &reason);
}

void store_cli_rec_free(Oopsd__CrashRecord *r)
{
	if (r != NULL)
		record_free(r);
}

char *store_cli_report(const Oopsd__CrashRecord *r, size_t *len)
{
	static const struct record_limits lim = RECORD_LIMITS_INIT;
	char *text = NULL;

	if (record_text(r, lim.max_text, &text, len) < 0)
		return NULL;
	return text;
}

int store_cli_since(const char *cmd, const char *arg, int64_t *since_us)
{
	uint64_t ms;

	if (conf_parse_duration_ms(arg, &ms) < 0 || ms == 0 ||
	    ms > (uint64_t)INT64_MAX / 1000) {
		fprintf(stderr, "oopsctl %s: bad duration '%s' (30m, 12h, 7d)\n",
			cmd, arg);
		return -1;
	}
	*since_us = now_realtime_us() - (int64_t)ms * 1000;
	if (*since_us <= 0)
		*since_us = 1;
	return 0;
}

int store_cli_limit(const char *cmd, const char *arg, size_t *limit)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(arg, &end, 10);
	if (errno != 0 || end == arg || *end != '\0' || arg[0] == '-' ||
	    v > SIZE_MAX) {
		fprintf(stderr, "oopsctl %s: bad limit '%s'\n", cmd, arg);
		return -1;
	}
	*limit = (size_t)v;
	return 0;
}

void store_cli_error(const struct store *st, const char *cmd, int n)
{
	const char *m = store_errmsg(st);

	if (n < 0)
		fprintf(stderr, "oopsctl %s: store: %s\n", cmd,
			m[0] != '\0' ? m : strerror(-n));
}

int store_cli_exit_status(int n)
{
	if (fflush(stdout) != 0 || n < 0)
		return OOPSCTL_ERROR;
	return n > 0 ? OOPSCTL_OK : OOPSCTL_NONE;
}

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

static int triage_sort(const void *a, const void *b);

static int triage_add(const struct store_triage *t, void *arg)
{
	struct store_cli_triage *m = arg;
	struct store_triage *r;

	if (array_grow_bounded((void **)&m->rows, &m->cap, m->n + 1,
			       sizeof(*m->rows), 64, STORE_TRIAGE_MAX_ROWS) < 0)
		return -ENOMEM;
	r = &m->rows[m->n++];
	*r = *t;
	r->fixed_in = dup_or_null(t->fixed_in);
	r->bug = dup_or_null(t->bug);
	r->note = dup_or_null(t->note);
	if (t->state == STORE_TRIAGE_IGNORED)
		m->ignored++;
	return 0;
}

int store_cli_triage_load(struct store *st, struct store_cli_triage *m)
{
	int rc;

	memset(m, 0, sizeof(*m));
	rc = store_triage_list(st, triage_add, m);
	if (rc < 0)
		return rc;
	/* Sorted here, whatever collation the server sorts text with. */
	if (m->n > 1)
		qsort(m->rows, m->n, sizeof(*m->rows), triage_sort);
	return 0;
}

static int triage_sort(const void *a, const void *b)
{
	return strcmp(((const struct store_triage *)a)->sig,
		      ((const struct store_triage *)b)->sig);
}

static int triage_cmp(const void *key, const void *row)
{
	return strcmp(key, ((const struct store_triage *)row)->sig);
}

const struct store_triage *store_cli_triage_find(
	const struct store_cli_triage *m, const char *sig)
{
	static const struct store_triage open = { .state = STORE_TRIAGE_OPEN };
	const struct store_triage *t = NULL;

	if (m->n > 0)
		t = bsearch(sig, m->rows, m->n, sizeof(*m->rows), triage_cmp);
	return t ? t : &open;
}

void store_cli_triage_free(struct store_cli_triage *m)
{
	for (size_t i = 0; i < m->n; i++) {
		free((char *)m->rows[i].fixed_in);
		free((char *)m->rows[i].bug);
		free((char *)m->rows[i].note);
	}
	free(m->rows);
	memset(m, 0, sizeof(*m));
}

const char *store_cli_text(const char *s, char *buf, size_t len)
{
	return s == NULL ? "-" : termesc_str(s, buf, len);
}
