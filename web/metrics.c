// SPDX-License-Identifier: MIT
/*
 * metrics.c - /metrics in the Prometheus text format (version 0.0.4).
 *
 * Everything comes from the store, so one oops-web shows every collector
 * sharing it: each collector's counters (its row in `collectors`,
 * rewritten every few seconds), records and signatures by kind, hosts, and
 * agents reporting or silent (`heartbeats`).  Every family has HELP and
 * TYPE lines and its samples together, as `promtool check metrics` wants.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "web.h"

#define MAX_SAMPLES 8192

/* A collector's value, gathered so that families print together. */
struct sample {
	char name[80];	    /* metric name */
	char key[72];	    /* label "key" (nested counters), or "" */
	const char *coll;   /* collector name (owned by struct coll_set) */
	int64_t v;
};

struct coll_set {
	struct sample *s;
	size_t n, cap;
	char **names;
	size_t nnames, names_cap;
	const char *cur;
	int64_t now_us;
	struct out *o;
};

static void label_value(struct out *o, const char *v)
{
	for (; v && *v; v++) {
		if (*v == '\\' || *v == '"')
			out_addn(o, "\\", 1);
		if (*v == '\n')
			out_str(o, "\\n");
		else
			out_addn(o, v, 1);
	}
}

/* Metric names from counter names: [a-z0-9_] already (counters.c). */
static void add_sample(struct coll_set *cs, const char *name, const char *key,
		       int64_t v)
{
	struct sample *s;

	if (cs->n >= MAX_SAMPLES ||
	    array_grow_bounded((void **)&cs->s, &cs->cap, cs->n + 1,
			       sizeof(*cs->s), 64, MAX_SAMPLES) < 0)
		return;
	s = &cs->s[cs->n++];
	snprintf(s->name, sizeof(s->name), "oopsd_collector_%s", name);
	for (char *p = s->name; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	str_lcpy(s->key, key ? key : "", sizeof(s->key));
	s->coll = cs->cur;
	s->v = v;
}

static void on_counter(enum web_ctr_event ev, const char *name,
		       const char *key, int64_t v, void *arg)
{
	if (ev == WEB_CTR_VALUE)
		add_sample(arg, name, key, v);
}

static int on_collector(const struct store_collector *c, void *arg)
{
	struct coll_set *cs = arg;
	char *name;

	if (cs->nnames >= 256 ||
	    array_grow_bounded((void **)&cs->names, &cs->names_cap,
			       cs->nnames + 1, sizeof(*cs->names), 8, 256) < 0)
		return 1;
	name = strdup(c->name ? c->name : "");
	if (name == NULL)
		return 1;
	cs->names[cs->nnames++] = name;
	cs->cur = name;
	add_sample(cs, "up", NULL,
		   cs->now_us - c->updated_us <= 60 * 1000000LL);
	add_sample(cs, "updated_seconds", NULL, c->updated_us / 1000000);
	add_sample(cs, "started_seconds", NULL, c->started_us / 1000000);
	if (web_counters_parse(c->counters_json, NULL, NULL) >= 0)
		web_counters_parse(c->counters_json, on_counter, cs);
	return 0;
}

static int sample_cmp(const void *a, const void *b)
{
	const struct sample *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	if (c == 0)
		c = strcmp(x->coll, y->coll);
	return c ? c : strcmp(x->key, y->key);
}

static void family(struct out *o, const char *name, const char *type,
		   const char *help)
{
	out_add(o, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static int kind_sample(const struct store_kind_count *k, void *arg)
{
	struct coll_set *cs = arg;

	/* Two families from one walk: records first, signatures kept. */
	out_str(cs->o, "oopsd_records{kind=\"");
	label_value(cs->o, k->kind);
	out_add(cs->o, "\"} %" PRIu64 "\n", k->records);
	return 0;
}

static int kind_sigs(const struct store_kind_count *k, void *arg)
{
	struct coll_set *cs = arg;

	out_str(cs->o, "oopsd_signatures{kind=\"");
	label_value(cs->o, k->kind);
	out_add(cs->o, "\"} %" PRIu64 "\n", k->signatures);
	return 0;
}

struct agents {
	int64_t now_us, silent_us;
	uint64_t reporting, silent;
};

static int on_heartbeat(const struct store_heartbeat *hb, void *arg)
{
	struct agents *a = arg;

	if (a->now_us - hb->received_us > a->silent_us)
		a->silent++;
	else
		a->reporting++;
	return 0;
}

void web_metrics(struct web_req *r)
{
	struct coll_set cs = { .now_us = r->now_us, .o = &r->o };
	struct agents ag = { r->now_us,
			     (int64_t)r->w->cfg->silent_after * 1000, 0, 0 };
	struct out *o = &r->o;
	uint64_t hosts;
	int rc;

	r->ctype = "text/plain; version=0.0.4; charset=utf-8";
	/* Only the aggregate tables: counting the records themselves would
	 * read every row of a big store at each scrape. */
	if ((rc = store_host_count(r->w->st, &hosts)) < 0) {
		r->status = 500;
		out_str(o, "# the store could not answer\n");
		return;
	}
	family(o, "oopsd_records", "gauge",
	       "Crash records in the store, by kind (all time).");
	store_kinds(r->w->st, kind_sample, &cs);
	family(o, "oopsd_signatures", "gauge",
	       "Crash signatures in the store, by kind.");
	store_kinds(r->w->st, kind_sigs, &cs);
	family(o, "oopsd_hosts", "gauge", "Hosts that sent a crash.");
	out_add(o, "oopsd_hosts %" PRIu64 "\n", hosts);
	store_heartbeats(r->w->st, on_heartbeat, &ag);
	family(o, "oopsd_agents", "gauge",
	       "Agents by their last heartbeat: reporting, or silent for "
	       "longer than silent_after.");
	out_add(o, "oopsd_agents{state=\"reporting\"} %" PRIu64 "\n",
		ag.reporting);
	out_add(o, "oopsd_agents{state=\"silent\"} %" PRIu64 "\n", ag.silent);

	store_collectors(r->w->st, on_collector, &cs);
	if (cs.n > 1)
		qsort(cs.s, cs.n, sizeof(*cs.s), sample_cmp);
	for (size_t i = 0; i < cs.n; i++) {
		const struct sample *s = &cs.s[i];

		if (i == 0 || strcmp(s->name, cs.s[i - 1].name) != 0) {
			char help[128];

			snprintf(help, sizeof(help),
				 "Collector value %s, from the collector's "
				 "row in the store.",
				 s->name + strlen("oopsd_collector_"));
			family(o, s->name, "gauge", help);
		}
		out_add(o, "%s{collector=\"", s->name);
		label_value(o, s->coll);
		if (s->key[0]) {
			out_str(o, "\",key=\"");
			label_value(o, s->key);
		}
		out_add(o, "\"} %" PRId64 "\n", s->v);
	}
	family(o, "oopsd_web_requests_total", "counter",
	       "HTTP requests oops-web answered.");
	out_add(o, "oopsd_web_requests_total %" PRIu64 "\n", r->w->requests);
	family(o, "oopsd_web_errors_total", "counter",
	       "HTTP requests answered with a server error.");
	out_add(o, "oopsd_web_errors_total %" PRIu64 "\n", r->w->errors);
	family(o, "oopsd_web_auth_denied_total", "counter",
	       "Writes refused: bad credentials or a cross-site request.");
	out_add(o, "oopsd_web_auth_denied_total %" PRIu64 "\n",
		r->w->denied);
	for (size_t i = 0; i < cs.nnames; i++)
		free(cs.names[i]);
	free(cs.names);
	free(cs.s);
}
