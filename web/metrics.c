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
	char family[80];    /* metric family */
	char name[96];	    /* sample name: the family's, or + _sum/_count */
	const char *type;   /* "gauge" or "summary" */
	char key[72];	    /* label "key" (nested counters), or "" */
	const char *coll;   /* collector name (owned by struct coll_set) */
	double v;
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

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	return n >= k && strcmp(s + n - k, suffix) == 0;
}

/*
 * Metric names from counter names ([A-Za-z0-9_], counters.c), in the
 * Prometheus conventions promtool checks: microseconds become seconds,
 * the latency pair X_us_sum and X_count one summary X_seconds, X_us_max
 * a gauge X_max_seconds; a lone X_count is X_events.  The collector's
 * pid and its own times (the row has them) are left out.
 */
static void add_sample(struct coll_set *cs, const char *name, const char *key,
		       double v)
{
	char base[64];
	struct sample *s;
	size_t n = strlen(name);

	if (strcmp(name, "pid") == 0 || strcmp(name, "started_us") == 0 ||
	    strcmp(name, "updated_us") == 0 || n >= sizeof(base))
		return;
	if (cs->n >= MAX_SAMPLES ||
	    array_grow_bounded((void **)&cs->s, &cs->cap, cs->n + 1,
			       sizeof(*cs->s), 64, MAX_SAMPLES) < 0)
		return;
	s = &cs->s[cs->n++];
	memset(s, 0, sizeof(*s));
	s->type = "gauge";
	str_lcpy(base, name, sizeof(base));
	for (char *p = base; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	if (ends_with(base, "_us_sum")) {
		base[n - 7] = '\0';
		if (snprintf(s->family, sizeof(s->family),
			 "oopsd_collector_%s_seconds", base) >=
		    (int)sizeof(s->family))
			goto too_long;
		if (snprintf(s->name, sizeof(s->name), "%s_sum", s->family) >=
		    (int)sizeof(s->name))
			goto too_long;
		s->type = "summary";
		v /= 1e6;
	} else if (ends_with(base, "_count")) {
		base[n - 6] = '\0';
		/* The count of a latency summary, if the collector has it. */
		if (snprintf(s->family, sizeof(s->family),
			 "oopsd_collector_%s_seconds", base) >=
		    (int)sizeof(s->family))
			goto too_long;
		if (snprintf(s->name, sizeof(s->name), "%s_count", s->family) >=
		    (int)sizeof(s->name))
			goto too_long;
		s->type = "summary";
		s->key[0] = '\x01'; /* resolved in web_metrics() */
	} else if (ends_with(base, "_us_max")) {
		base[n - 7] = '\0';
		if (snprintf(s->family, sizeof(s->family),
			 "oopsd_collector_%s_max_seconds", base) >=
		    (int)sizeof(s->family))
			goto too_long;
		v /= 1e6;
	} else {
		bool us = ends_with(base, "_us");

		if (us)
			base[n - 3] = '\0';
		if (snprintf(s->family, sizeof(s->family), "oopsd_collector_%s%s",
			 base, us ? "_microseconds" : "") >=
		    (int)sizeof(s->family))
			goto too_long;
	}
	if (s->name[0] == '\0')
		str_lcpy(s->name, s->family, sizeof(s->name));
	if (s->key[0] == '\0')
		str_lcpy(s->key, key ? key : "", sizeof(s->key));
	s->coll = cs->cur;
	s->v = v;
	return;
too_long:
	cs->n--; /* a name too long for Prometheus: left out */
}

/* A X_count with no X_us_sum of its collector is a gauge X_events. */
static void resolve_counts(struct coll_set *cs)
{
	for (size_t i = 0; i < cs->n; i++) {
		struct sample *s = &cs->s[i];
		bool pair = false;
		char base[80];

		if (s->key[0] != '\x01')
			continue;
		s->key[0] = '\0';
		for (size_t k = 0; k < cs->n && !pair; k++)
			pair = k != i && cs->s[k].coll == s->coll &&
			       strcmp(cs->s[k].family, s->family) == 0;
		if (pair)
			continue;
		str_lcpy(base, s->family, sizeof(base));
		base[strlen(base) - strlen("_seconds")] = '\0';
		snprintf(s->family, sizeof(s->family), "%s_events", base);
		str_lcpy(s->name, s->family, sizeof(s->name));
		s->type = "gauge";
	}
}

static void on_counter(enum web_ctr_event ev, const char *name,
		       const char *key, int64_t v, void *arg)
{
	if (ev == WEB_CTR_VALUE)
		add_sample(arg, name, key, (double)v);
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
	/* Whole seconds, as Prometheus timestamps go. */
	add_sample(cs, "updated_seconds", NULL,
		   (double)(int64_t)(c->updated_us / 1000000));
	add_sample(cs, "started_seconds", NULL,
		   (double)(int64_t)(c->started_us / 1000000));
	if (web_counters_parse(c->counters_json, NULL, NULL) >= 0)
		web_counters_parse(c->counters_json, on_counter, cs);
	return 0;
}

static int sample_cmp(const void *a, const void *b)
{
	const struct sample *x = a, *y = b;
	int c = strcmp(x->family, y->family);

	if (c == 0)
		c = strcmp(x->name, y->name);

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

/* The rule of `oopsctl hosts` (store_heartbeat_silent()). */
static int on_heartbeat(const struct store_heartbeat *hb, void *arg)
{
	struct agents *a = arg;

	if (store_heartbeat_silent(hb, a->now_us, a->silent_us))
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
	       "Agents by their last heartbeat: reporting, or silent (as "
	       "oopsctl hosts decides).");
	out_add(o, "oopsd_agents{state=\"reporting\"} %" PRIu64 "\n",
		ag.reporting);
	out_add(o, "oopsd_agents{state=\"silent\"} %" PRIu64 "\n", ag.silent);

	store_collectors(r->w->st, on_collector, &cs);
	resolve_counts(&cs);
	if (cs.n > 1)
		qsort(cs.s, cs.n, sizeof(*cs.s), sample_cmp);
	for (size_t i = 0; i < cs.n; i++) {
		const struct sample *s = &cs.s[i];

		if (i == 0 || strcmp(s->family, cs.s[i - 1].family) != 0) {
			char help[160];

			snprintf(help, sizeof(help),
				 "Collector value %s, from the collector's "
				 "row in the store.",
				 s->family + strlen("oopsd_collector_"));
			family(o, s->family, s->type, help);
		}
		out_add(o, "%s{collector=\"", s->name);
		label_value(o, s->coll);
		if (s->key[0]) {
			out_str(o, "\",key=\"");
			label_value(o, s->key);
		}
		out_add(o, "\"} %.15g\n", s->v);
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
