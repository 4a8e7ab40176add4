// SPDX-License-Identifier: MIT
/*
 * cmd_hosts.c - `oopsctl hosts [--json] [--silent] [--silent-after D]`:
 * every host the store knows, from its crashes and from its agent's
 * heartbeats, and whether its agent is reporting: a host with no crash
 * and a reporting agent is healthy, a host whose agent went silent (or
 * that never had one) is a blind spot.
 *
 * Hosts that sent crashes come first, newest crash first, then the hosts
 * known only by their heartbeats, newest heartbeat first.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/conf.h"
#include "base/json.h"
#include "base/util.h"
#include "oopsctl.h"
#include "store/store_json.h"
#include "store_cli.h"

/* A heartbeat kept for the merge (the store's strings are copied). */
struct hb_row {
	struct store_heartbeat hb;
	char *s[7];
	bool used;
};

struct hosts_out {
	bool json, silent_only;
	int64_t now_us, silent_after_us;
	struct json j;
	struct hb_row *hbs; /* by host key */
	size_t nhbs, cap;
	size_t n, reporting, silent, no_agent;
	int err;
};

static int hb_collect(const struct store_heartbeat *hb, void *arg)
{
	struct hosts_out *o = arg;
	const char *src[7] = { hb->host_key, hb->hostname, hb->machine_id,
			       hb->agent_version, hb->release, hb->boot_id,
			       hb->sender };
	struct hb_row *r;

	if (array_grow((void **)&o->hbs, &o->cap, o->nhbs + 1,
		       sizeof(*o->hbs)) < 0) {
		o->err = -ENOMEM;
		return 1;
	}
	r = &o->hbs[o->nhbs++];
	memset(r, 0, sizeof(*r));
	r->hb = *hb;
	for (int i = 0; i < 7; i++)
		if (src[i] != NULL && (r->s[i] = strdup(src[i])) == NULL)
			o->err = -ENOMEM;
	r->hb.host_key = r->s[0] ? r->s[0] : "";
	r->hb.hostname = r->s[1];
	r->hb.machine_id = r->s[2];
	r->hb.agent_version = r->s[3];
	r->hb.release = r->s[4];
	r->hb.boot_id = r->s[5];
	r->hb.sender = r->s[6];
	return o->err < 0;
}

static int hb_cmp(const void *a, const void *b)
{
	return strcmp(((const struct hb_row *)a)->hb.host_key,
		      ((const struct hb_row *)b)->hb.host_key);
}

static struct hb_row *hb_find(struct hosts_out *o, const char *key)
{
	struct hb_row k = { .hb.host_key = key };

	if (o->nhbs == 0)
		return NULL;
	return bsearch(&k, o->hbs, o->nhbs, sizeof(*o->hbs), hb_cmp);
}

enum host_state { HOST_REPORTING, HOST_SILENT, HOST_NO_AGENT };
static const char *const host_state_names[] = { "reporting", "silent",
						 "no_agent" };

static enum host_state host_state(struct hosts_out *o, const struct hb_row *r)
{
	if (r == NULL)
		return HOST_NO_AGENT;
	return store_heartbeat_silent(&r->hb, o->now_us, o->silent_after_us) ?
		       HOST_SILENT : HOST_REPORTING;
}

/* One host: its crashes (h, may be NULL) and its heartbeat (r, or NULL). */
static int host_print(struct hosts_out *o, const struct store_host *h,
		      const struct hb_row *r)
{
	enum host_state hs = host_state(o, r);
	const char *state = host_state_names[hs];
	const struct store_heartbeat *hb = r ? &r->hb : NULL;
	char a[32], b[32], s1[200], s2[100], s3[160], s4[24];
	const char *name, *key, *hostname;

	if (h != NULL) {
		key = h->host_key;
		hostname = h->hostname;
	} else if (hb != NULL) {
		key = hb->host_key;
		hostname = NULL;
	} else {
		return 0;
	}
	if (hostname == NULL && hb != NULL)
		hostname = hb->hostname;

	if (hs == HOST_REPORTING)
		o->reporting++;
	else if (hs == HOST_SILENT)
		o->silent++;
	else
		o->no_agent++;
	o->n++;
	if (o->silent_only && hs == HOST_REPORTING)
		return 0;
	if (o->json) {
		json_obj_begin(&o->j);
		json_kstr(&o->j, "host", key);
		json_kstr(&o->j, "hostname", hostname);
		json_kstr(&o->j, "machine_id",
			  h && h->machine_id ? h->machine_id :
			  hb ? hb->machine_id : NULL);
		json_kstr(&o->j, "state", state);
		json_kstr(&o->j, "last_release", h ? h->last_release : NULL);
		json_kstr(&o->j, "last_sender", h ? h->last_sender : NULL);
		json_kuint(&o->j, "count", h ? h->count : 0);
		json_kuint(&o->j, "signatures", h ? h->signatures : 0);
		store_json_time(&o->j, "first_seen", h ? h->first_seen_us : 0);
		store_json_time(&o->j, "last_seen", h ? h->last_seen_us : 0);
		store_json_time(&o->j, "last_heartbeat",
				    hb ? hb->received_us : 0);
		json_kstr(&o->j, "agent_version", hb ? hb->agent_version : NULL);
		json_kstr(&o->j, "release", hb ? hb->release : NULL);
		json_kstr(&o->j, "boot_id", hb ? hb->boot_id : NULL);
		json_kstr(&o->j, "heartbeat_sender", hb ? hb->sender : NULL);
		if (hb != NULL) {
			json_kint(&o->j, "backlog", hb->backlog);
			json_kint(&o->j, "heartbeat_interval_s", hb->interval_s);
		}
		json_obj_end(&o->j);
		return json_flush_line(&o->j, stdout) < 0;
	}
	name = hostname ? hostname : key;
	printf("%-28s %-9s %-19s %-10s %-22s %7s %7llu %5llu  %s\n",
	       store_cli_text(name, s1, sizeof(s1)), state,
	       store_cli_time(hb ? hb->received_us : 0, a, sizeof(a)),
	       store_cli_text(hb ? hb->agent_version : NULL, s2, sizeof(s2)),
	       store_cli_text(hb && hb->release ? hb->release :
			 h ? h->last_release : NULL, s3, sizeof(s3)),
	       hb ? (snprintf(s4, sizeof(s4), "%lld",
			      (long long)hb->backlog), s4) : "-",
	       (unsigned long long)(h ? h->count : 0),
	       (unsigned long long)(h ? h->signatures : 0),
	       store_cli_time(h ? h->last_seen_us : 0, b, sizeof(b)));
	return 0;
}

static int hosts_print(const struct store_host *h, void *arg)
{
	struct hosts_out *o = arg;
	struct hb_row *r = hb_find(o, h->host_key);

	if (r != NULL)
		r->used = true;
	return host_print(o, h, r);
}

/* Newest heartbeat first, for the hosts without crashes. */
static int hb_by_time(const void *a, const void *b)
{
	const struct hb_row *x = a, *y = b;

	if (x->hb.received_us != y->hb.received_us)
		return x->hb.received_us < y->hb.received_us ? 1 : -1;
	return strcmp(x->hb.host_key, y->hb.host_key);
}

static void hosts_usage(FILE *out)
{
	fprintf(out,
		"Usage: oopsctl hosts [--json] [--silent] "
		"[--silent-after DURATION]\n"
		"                     " STORE_CLI_USAGE "\n"
		"Every host known from its crashes or its "
		"agent's heartbeats, with its state:\n"
		"  reporting  the agent's last heartbeat is "
		"recent\n"
		"  silent     no heartbeat for longer than "
		"--silent-after (default: the\n"
		"             collector config's silent_after, "
		"else 3 heartbeat intervals)\n"
		"  no_agent   crashes only, never a heartbeat "
		"(netconsole, an old agent)\n"
		"--silent lists only the hosts not reporting.\n");
}

int cmd_hosts(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "silent", no_argument, NULL, 's' },
		{ "silent-after", required_argument, NULL, 'a' },
		STORE_CLI_OPTIONS,
	};
	struct store_cli_opts so = { 0 };
	struct hosts_out o = { 0 };
	const char *silent_after = NULL;
	uint64_t ms = 0;
	struct store *st;
	int c, n;

	while ((c = store_cli_getopt(argc, argv, opts, &so)) != -1) {
		switch (c) {
		case 'j':
			o.json = true;
			break;
		case 's':
			o.silent_only = true;
			break;
		case 'a':
			silent_after = optarg;
			break;
		default:
			return store_cli_usage(c, hosts_usage);
		}
	}
	if (optind != argc) {
		fprintf(stderr, "oopsctl hosts: no arguments expected\n");
		return OOPSCTL_ERROR;
	}
	if (silent_after != NULL) {
		if (conf_parse_duration_ms(silent_after, &ms) < 0) {
			fprintf(stderr, "oopsctl hosts: bad --silent-after "
					"'%s' (e.g. 90s, 2h)\n", silent_after);
			return OOPSCTL_ERROR;
		}
	} else if (store_cli_silent_after(so.config, &ms) < 0) {
		return OOPSCTL_ERROR;
	}
	o.silent_after_us = (int64_t)ms * 1000;
	o.now_us = now_realtime_us();
	if (store_cli_open(so.store, so.config, &st) < 0)
		return OOPSCTL_ERROR;
	n = store_heartbeats(st, hb_collect, &o);
	if (n < 0 || o.err < 0) {
		fprintf(stderr, "oopsctl hosts: cannot read the heartbeats: "
				"%s\n", strerror(-(n < 0 ? n : o.err)));
		n = -EIO;
		goto out;
	}
	if (o.nhbs > 0)
		qsort(o.hbs, o.nhbs, sizeof(*o.hbs), hb_cmp);
	if (o.json)
		json_init(&o.j);
	else
		printf("%-28s %-9s %-19s %-10s %-22s %7s %7s %5s  %s\n", "HOST",
		       "STATE", "HEARTBEAT (UTC)", "AGENT", "KERNEL",
		       "BACKLOG", "RECORDS", "SIGS", "LAST CRASH (UTC)");
	n = store_hosts(st, hosts_print, &o);
	store_cli_error(st, "hosts", n);
	if (n >= 0) {
		size_t k = 0;

		/* The rest: hosts with an agent and no crash. */
		for (size_t i = 0; i < o.nhbs; i++) {
			if (!o.hbs[i].used) {
				o.hbs[k++] = o.hbs[i];
				continue;
			}
			for (int f = 0; f < 7; f++)
				free(o.hbs[i].s[f]);
		}
		o.nhbs = k;
		if (o.nhbs > 0)
			qsort(o.hbs, o.nhbs, sizeof(*o.hbs), hb_by_time);
		for (size_t i = 0; i < o.nhbs; i++)
			if (host_print(&o, NULL, &o.hbs[i]) != 0)
				break;
		n = (int)o.n;
		if (!o.json && o.n > 0)
			printf("%zu host(s): %zu reporting, %zu silent, %zu "
			       "without an agent\n", o.n, o.reporting,
			       o.silent, o.no_agent);
	}
	if (o.json)
		json_free(&o.j);
out:
	for (size_t i = 0; i < o.nhbs; i++)
		for (int f = 0; f < 7; f++)
			free(o.hbs[i].s[f]);
	free(o.hbs);
	store_close(st);
	return store_cli_exit_status(n);
}
