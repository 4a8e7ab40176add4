/* SPDX-License-Identifier: MIT */
/*
 * store_hosts.h - the fleet view: every host known from its crashes
 * (store_hosts()) or its agent's heartbeats (store_heartbeats()), merged,
 * with whether its agent is reporting.  One merge for `oopsctl hosts` and
 * oops-web's /hosts, so both list the same hosts in the same order with
 * the same states and JSON fields.
 */
#ifndef OOPSD_STORE_HOSTS_H
#define OOPSD_STORE_HOSTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/json.h"
#include "store/store.h"

/* A heartbeat that owns its strings: the store's row lives only for the
 * duration of the callback. */
struct store_hb_copy {
	struct store_heartbeat hb;
	char *s[7];
	bool used; /* matched a crash host */
};
/* Copy hb into c (host_key "" when it has none).  0, or -ENOMEM with the
 * strings that could not be copied NULL; free with store_hb_copy_free()
 * either way. */
int store_hb_copy_set(struct store_hb_copy *c, const struct store_heartbeat *hb);
void store_hb_copy_free(struct store_hb_copy *c);

enum store_host_state {
	STORE_HOST_REPORTING, /* a recent heartbeat */
	STORE_HOST_SILENT,    /* store_heartbeat_silent() */
	STORE_HOST_NO_AGENT,  /* crashes, never a heartbeat */
};
/* "reporting", "silent", "no_agent". */
const char *store_host_state_name(enum store_host_state s);

struct store_fleet {
	int64_t now_us, silent_after_us; /* set by the caller */
	struct store_hb_copy *hbs;	 /* by host key, then by time */
	size_t nhbs, cap;
	/* Filled by store_fleet_walk(): hosts walked, and by state. */
	size_t n, by_state[3];
};

/* Read every heartbeat into f.  0, or the -errno of the store or of the
 * copy; free f with store_fleet_free() either way. */
int store_fleet_load(struct store *st, struct store_fleet *f);

/* One host: its crash row h (or NULL) and its heartbeat hb (or NULL), not
 * both NULL.  Nonzero stops the walk. */
typedef int (*store_fleet_fn)(const struct store_host *h,
			      const struct store_heartbeat *hb,
			      enum store_host_state s, void *arg);
/*
 * Walk the hosts of f (after store_fleet_load()): the hosts that crashed,
 * newest crash first, each with its heartbeat if any, then the hosts known
 * only by their heartbeats, newest heartbeat first.  Counts every host in
 * f->n and f->by_state before calling fn.  0, or store_hosts()'s -errno.
 */
int store_fleet_walk(struct store *st, struct store_fleet *f,
		     store_fleet_fn fn, void *arg);
void store_fleet_free(struct store_fleet *f);

/* The key and name of a host walked (the crash row's first). */
const char *store_fleet_key(const struct store_host *h,
			    const struct store_heartbeat *hb);
const char *store_fleet_hostname(const struct store_host *h,
				 const struct store_heartbeat *hb);

/* {host, hostname, machine_id, state, last_release, ..., backlog}: a host
 * of the walk as `oopsctl hosts --json` and /api/v1/hosts give it. */
void store_json_fleet_host(struct json *j, const struct store_host *h,
			   const struct store_heartbeat *hb,
			   enum store_host_state s);

#endif /* OOPSD_STORE_HOSTS_H */
