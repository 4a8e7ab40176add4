// SPDX-License-Identifier: MIT
/*
 * fleet.c - what the collector tells the rest of the fleet through the
 * store (doc/alerts.md): its counters, one row per collector name
 * rewritten every counters_interval and at exit, so that one oops-web
 * sees every collector sharing a PostgreSQL store; and the agents'
 * heartbeats, the last one per host, so that a host without an agent can
 * be told from a host without crashes.  Alerts are in alerts.c.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/json.h"
#include "base/log.h"
#include "base/util.h"
#include "collector.h"
#include "store/store.h"
#include "wire/wire.h"

int64_t collector_mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

void collector_flush_timed(struct collector *co, int64_t us)
{
	uint64_t u = us > 0 ? (uint64_t)us : 0;

	co->flush_count++;
	co->flush_us_sum += u;
	if (u > co->flush_us_max)
		co->flush_us_max = u;
	co->fleet_changed = true;
}

/* Whether s is a decimal integer that fits in 64 bits. */
static bool is_number(const char *s, size_t len)
{
	if (len == 0 || len > 19)
		return false;
	for (size_t i = 0; i < len; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

/*
 * The status file's "name value" lines as one JSON object: the same list
 * of counters everywhere (main.c's collector_status_format()), numbers as
 * numbers, anything else as a string.
 */
static int counters_json(struct collector *co, struct json *j)
{
	char buf[8192];
	size_t len = collector_status_format(co, buf, sizeof(buf));
	const char *p = buf, *end = buf + len;

	json_obj_begin(j);
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *line_end = nl ? nl : end;
		const char *sp = memchr(p, ' ', (size_t)(line_end - p));
		char name[128];

		if (sp != NULL && (size_t)(sp - p) < sizeof(name) && sp > p) {
			const char *v = sp + 1;
			size_t vlen = (size_t)(line_end - v);

			memcpy(name, p, (size_t)(sp - p));
			name[sp - p] = '\0';
			json_key(j, name);
			if (is_number(v, vlen))
				json_uint(j, strtoull(v, NULL, 10));
			else
				json_strn(j, v, vlen);
		}
		p = line_end + 1;
	}
	json_obj_end(j);
	return j->oom ? -ENOMEM : 0;
}

static void counters_put(struct collector *co)
{
	struct json j;
	struct store_collector c = {
		.name = co->name,
		.version = OOPSD_VERSION,
		.started_us = co->started_us,
		.updated_us = now_realtime_us(),
	};
	int rc;

	json_init(&j);
	rc = counters_json(co, &j);
	if (rc == 0) {
		c.counters_json = j.buf;
		rc = store_collector_put(co->store, &c);
	}
	json_free(&j);
	if (rc < 0 && !co->counters_warned) {
		log_warnx("collector counters: cannot write them to the "
			  "store: %s (said once)", strerror(-rc));
		co->counters_warned = true;
	} else if (rc == 0) {
		co->counters_warned = false;
	}
}

/*
 * Heartbeats wait here for the next tick (at most a second) and are
 * written together: one commit for many hosts instead of an fsync (or a
 * server round trip) each.  Copies: the decoded datagram is gone by then.
 */
#define HB_QUEUE_MAX 512
#define HB_STR (WIRE_HEARTBEAT_STRING_MAX + 1)
struct collector_hb {
	struct store_heartbeat hb;
	char hostname[HB_STR], machine_id[HB_STR], agent_version[HB_STR];
	char release[HB_STR], boot_id[HB_STR], sender[64];
};

/* Copy s (may be NULL) into buf; the copy, or NULL. */
static const char *hb_copy(char *buf, size_t len, const char *s)
{
	if (s == NULL)
		return NULL;
	str_lcpy(buf, s, len);
	return buf;
}

static void heartbeats_flush(struct collector *co)
{
	struct store_heartbeat hbs[64];
	size_t done = 0;
	int rc;

	while (done < co->nhbq) {
		size_t k = co->nhbq - done < 64 ? co->nhbq - done : 64;

		for (size_t i = 0; i < k; i++)
			hbs[i] = co->hbq[done + i].hb;
		rc = store_heartbeats_put(co->store, hbs, k);
		if (rc < 0) {
			/* Not kept: the next heartbeat replaces them. */
			co->heartbeat_errors += k;
			log_debug("%zu heartbeat(s) not stored: %s", k,
				  strerror(-rc));
		} else {
			co->heartbeats += k;
		}
		done += k;
	}
	if (co->nhbq > 0)
		co->fleet_changed = true;
	co->nhbq = 0;
}

void collector_heartbeat(void *arg, const Oopsd__Heartbeat *hb,
			 const char *sender, int64_t now_us)
{
	struct collector *co = arg;
	struct collector_hb *q;

	if (co->hbq == NULL) {
		co->hbq = calloc(HB_QUEUE_MAX, sizeof(*co->hbq));
		if (co->hbq == NULL) {
			co->heartbeat_errors++;
			return;
		}
	}
	if (co->nhbq == HB_QUEUE_MAX)
		heartbeats_flush(co);
	q = &co->hbq[co->nhbq++];
	q->hb = (struct store_heartbeat){
		.hostname = hb_copy(q->hostname, HB_STR, hb->hostname),
		.machine_id = hb_copy(q->machine_id, HB_STR, hb->machine_id),
		.agent_version = hb_copy(q->agent_version, HB_STR,
					 hb->agent_version),
		.release = hb_copy(q->release, HB_STR, hb->release),
		.boot_id = hb_copy(q->boot_id, HB_STR, hb->boot_id),
		.sender = hb_copy(q->sender, sizeof(q->sender), sender),
		/* Unsigned on the wire: clamp what a peer could overflow. */
		.backlog = hb->backlog > INT64_MAX ? INT64_MAX :
						     (int64_t)hb->backlog,
		.interval_s = hb->interval_s,
		.received_us = now_us,
	};
}

int collector_fleet_open(struct collector *co)
{
	const char *name = co->cfg->name;

	if (name[0] == '\0') {
		if (gethostname(co->name, sizeof(co->name) - 1) < 0 ||
		    co->name[0] == '\0')
			str_lcpy(co->name, "collector", sizeof(co->name));
	} else {
		str_lcpy(co->name, name, sizeof(co->name));
	}
	return collector_alerts_open(co);
}

int collector_fleet_start(struct collector *co)
{
	return collector_alerts_start(co);
}

void collector_fleet_tick(struct collector *co, uint64_t now_ms)
{
	heartbeats_flush(co);
	if (co->cfg->counters_interval > 0 && now_ms >= co->next_counters_ms) {
		counters_put(co);
		co->next_counters_ms = now_ms + co->cfg->counters_interval;
	}
	collector_alerts_tick(co);
}

void collector_fleet_close(struct collector *co)
{
	heartbeats_flush(co);
	free(co->hbq);
	co->hbq = NULL;
	collector_alerts_close(co);
	if (co->cfg->counters_interval > 0)
		counters_put(co);
}
