// SPDX-License-Identifier: MIT
/*
 * store_hosts.c - the fleet view: crash hosts and heartbeats merged, for
 * `oopsctl hosts` and oops-web's /hosts alike.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "store/store_hosts.h"
#include "store/store_json.h"

/* Heartbeats kept at most: a bound on memory for a store from outside. */
#define FLEET_MAX_HEARTBEATS 1000000

int store_hb_copy_set(struct store_hb_copy *c, const struct store_heartbeat *hb)
{
	const char *src[7] = { hb->host_key, hb->hostname, hb->machine_id,
			       hb->agent_version, hb->release, hb->boot_id,
			       hb->sender };
	int rc = 0;

	memset(c, 0, sizeof(*c));
	c->hb = *hb;
	for (int i = 0; i < 7; i++)
		if (src[i] != NULL && (c->s[i] = strdup(src[i])) == NULL)
			rc = -ENOMEM;
	c->hb.host_key = c->s[0] ? c->s[0] : "";
	c->hb.hostname = c->s[1];
	c->hb.machine_id = c->s[2];
	c->hb.agent_version = c->s[3];
	c->hb.release = c->s[4];
	c->hb.boot_id = c->s[5];
	c->hb.sender = c->s[6];
	return rc;
}

void store_hb_copy_free(struct store_hb_copy *c)
{
	for (int i = 0; i < 7; i++) {
		free(c->s[i]);
		c->s[i] = NULL;
	}
}

const char *store_host_state_name(enum store_host_state s)
{
	static const char *const names[] = { "reporting", "silent",
					     "no_agent" };

	return (size_t)s < ARRAY_SIZE(names) ? names[s] : "?";
}

struct fleet_load {
	struct store_fleet *f;
	int err;
};

static int fleet_keep(const struct store_heartbeat *hb, void *arg)
{
	struct fleet_load *l = arg;
	struct store_fleet *f = l->f;

	if (array_grow_bounded((void **)&f->hbs, &f->cap, f->nhbs + 1,
			       sizeof(*f->hbs), 64, FLEET_MAX_HEARTBEATS) < 0) {
		l->err = -ENOMEM;
		return 1;
	}
	if (store_hb_copy_set(&f->hbs[f->nhbs++], hb) < 0)
		l->err = -ENOMEM;
	return l->err < 0;
}

static int hb_key_cmp(const void *a, const void *b)
{
	return strcmp(((const struct store_hb_copy *)a)->hb.host_key,
		      ((const struct store_hb_copy *)b)->hb.host_key);
}

/* Newest heartbeat first, for the hosts without crashes. */
static int hb_time_cmp(const void *a, const void *b)
{
	const struct store_hb_copy *x = a, *y = b;

	if (x->hb.received_us != y->hb.received_us)
		return x->hb.received_us < y->hb.received_us ? 1 : -1;
	return strcmp(x->hb.host_key, y->hb.host_key);
}

int store_fleet_load(struct store *st, struct store_fleet *f)
{
	struct fleet_load l = { f, 0 };
	int rc = store_heartbeats(st, fleet_keep, &l);

	if (rc < 0 || l.err < 0)
		return rc < 0 ? rc : l.err;
	if (f->nhbs > 1)
		qsort(f->hbs, f->nhbs, sizeof(*f->hbs), hb_key_cmp);
	return 0;
}

struct fleet_walk {
	struct store_fleet *f;
	store_fleet_fn fn;
	void *arg;
};

static int fleet_visit(struct fleet_walk *w, const struct store_host *h,
		       const struct store_heartbeat *hb)
{
	struct store_fleet *f = w->f;
	enum store_host_state s =
		hb == NULL ? STORE_HOST_NO_AGENT :
		store_heartbeat_silent(hb, f->now_us, f->silent_after_us) ?
			     STORE_HOST_SILENT : STORE_HOST_REPORTING;

	f->by_state[s]++;
	f->n++;
	return w->fn(h, hb, s, w->arg);
}

static int fleet_host(const struct store_host *h, void *arg)
{
	struct fleet_walk *w = arg;
	struct store_hb_copy key = { .hb.host_key = h->host_key }, *k = NULL;

	if (w->f->nhbs > 0)
		k = bsearch(&key, w->f->hbs, w->f->nhbs, sizeof(*w->f->hbs),
			    hb_key_cmp);
	if (k != NULL)
		k->used = true;
	return fleet_visit(w, h, k ? &k->hb : NULL);
}

int store_fleet_walk(struct store *st, struct store_fleet *f,
		     store_fleet_fn fn, void *arg)
{
	struct fleet_walk w = { f, fn, arg };
	size_t k = 0;
	int rc = store_hosts(st, fleet_host, &w);

	if (rc < 0)
		return rc;
	/* The rest: hosts with an agent and no crash. */
	for (size_t i = 0; i < f->nhbs; i++) {
		if (!f->hbs[i].used)
			f->hbs[k++] = f->hbs[i];
		else
			store_hb_copy_free(&f->hbs[i]);
	}
	f->nhbs = k;
	if (f->nhbs > 1)
		qsort(f->hbs, f->nhbs, sizeof(*f->hbs), hb_time_cmp);
	for (size_t i = 0; i < f->nhbs; i++)
		if (fleet_visit(&w, NULL, &f->hbs[i].hb) != 0)
			break;
	return 0;
}

void store_fleet_free(struct store_fleet *f)
{
	for (size_t i = 0; i < f->nhbs; i++)
		store_hb_copy_free(&f->hbs[i]);
	free(f->hbs);
	f->hbs = NULL;
	f->nhbs = f->cap = 0;
}

const char *store_fleet_key(const struct store_host *h,
			    const struct store_heartbeat *hb)
{
	return h ? h->host_key : hb ? hb->host_key : "";
}

const char *store_fleet_hostname(const struct store_host *h,
				 const struct store_heartbeat *hb)
{
	return h && h->hostname ? h->hostname : hb ? hb->hostname : NULL;
}

void store_json_fleet_host(struct json *j, const struct store_host *h,
			   const struct store_heartbeat *hb,
			   enum store_host_state s)
{
	json_obj_begin(j);
	json_kstr(j, "host", store_fleet_key(h, hb));
	json_kstr(j, "hostname", store_fleet_hostname(h, hb));
	json_kstr(j, "machine_id", h && h->machine_id ? h->machine_id :
				   hb ? hb->machine_id : NULL);
	json_kstr(j, "state", store_host_state_name(s));
	json_kstr(j, "last_release", h ? h->last_release : NULL);
	json_kstr(j, "last_sender", h ? h->last_sender : NULL);
	json_kuint(j, "count", h ? h->count : 0);
	json_kuint(j, "signatures", h ? h->signatures : 0);
	store_json_time(j, "first_seen", h ? h->first_seen_us : 0);
	store_json_time(j, "last_seen", h ? h->last_seen_us : 0);
	store_json_time(j, "last_heartbeat", hb ? hb->received_us : 0);
	json_kstr(j, "agent_version", hb ? hb->agent_version : NULL);
	json_kstr(j, "release", hb ? hb->release : NULL);
	json_kstr(j, "boot_id", hb ? hb->boot_id : NULL);
	json_kstr(j, "heartbeat_sender", hb ? hb->sender : NULL);
	if (hb != NULL) {
		json_kint(j, "backlog", hb->backlog);
		json_kint(j, "heartbeat_interval_s", hb->interval_s);
	}
	json_obj_end(j);
}
