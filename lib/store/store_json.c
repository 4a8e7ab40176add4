// SPDX-License-Identifier: MIT
/*
 * store_json.c - JSON of store rows, one writer for oopsctl and oops-web.
 */
#include <stdio.h>
#include <time.h>

#include "store/store_json.h"

void store_json_time(struct json *j, const char *key, int64_t us)
{
	char buf[32], k[64];
	time_t t = (time_t)(us / 1000000);
	struct tm tm;

	if (us > 0 && gmtime_r(&t, &tm) != NULL &&
	    strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm) != 0)
		json_kstr(j, key, buf);
	else
		json_kstr(j, key, NULL);
	snprintf(k, sizeof(k), "%s_us", key);
	json_kint(j, k, us);
}

void store_json_sig_fields(struct json *j, const struct store_sig *s)
{
	json_kstr(j, "signature", s->signature);
	json_kstr(j, "stack_signature",
		  s->stack_signature[0] ? s->stack_signature : NULL);
	json_kstr(j, "title", s->title);
	json_kstr(j, "kind", s->kind);
	json_kuint(j, "count", s->count);
	json_kuint(j, "total", s->total);
	json_kuint(j, "hosts", s->hosts);
	store_json_time(j, "first_seen", s->first_seen_us);
	store_json_time(j, "last_seen", s->last_seen_us);
	json_key(j, "releases");
	json_arr_begin(j);
	for (size_t i = 0; i < s->n_releases; i++)
		json_str(j, s->releases[i].release);
	json_arr_end(j);
}

void store_json_triage(struct json *j, const struct store_triage *t)
{
	json_key(j, "triage");
	json_obj_begin(j);
	json_kstr(j, "state", store_triage_name(t->state));
	json_kstr(j, "fixed_in", t->fixed_in);
	json_kstr(j, "bug", t->bug);
	json_kstr(j, "note", t->note);
	store_json_time(j, "updated", t->updated_us);
	json_obj_end(j);
}

void store_json_sig_places(struct json *j, const struct store_sig_detail *d)
{
	const struct store_sig *s = &d->sig;

	json_key(j, "kernels");
	json_arr_begin(j);
	for (size_t i = 0; i < s->n_releases; i++) {
		json_obj_begin(j);
		json_kstr(j, "release", s->releases[i].release);
		json_kuint(j, "count", s->releases[i].count);
		store_json_time(j, "first_seen", s->releases[i].first_seen_us);
		store_json_time(j, "last_seen", s->releases[i].last_seen_us);
		json_obj_end(j);
	}
	json_arr_end(j);
	json_key(j, "by_host");
	json_arr_begin(j);
	for (size_t i = 0; i < d->n_hosts; i++) {
		json_obj_begin(j);
		json_kstr(j, "host", d->hosts[i].host_key);
		json_kstr(j, "hostname", d->hosts[i].hostname);
		json_kuint(j, "count", d->hosts[i].count);
		store_json_time(j, "first_seen", d->hosts[i].first_seen_us);
		store_json_time(j, "last_seen", d->hosts[i].last_seen_us);
		json_obj_end(j);
	}
	json_arr_end(j);
}
