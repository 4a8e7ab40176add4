// SPDX-License-Identifier: MIT
/*
 * emit.c - records from the sources into the spool: agent_emit(), the
 * memory queue that keeps them while the spool cannot, and the
 * acknowledgements back to the source that made them.
 */
#include "core.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
#include <dirent.h>
#include <linux/capability.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "base/daemon.h"
#include "base/log.h"
#include "record/record.h"
#include "parse/redact.h"
#include "wire/transport.h"
#include "base/util.h"

#define AGENT_MEMQ_RETRY_MS 5000

/* ------------------------------------------------------------ records -- */

/* The spool takes records again: sources that held back may go on. */
static void agent_notify_spool_ready(struct agent *a)
{
	for (size_t i = 0; i < a->nsrc; i++)
		if (a->src[i]->spool_ready != NULL)
			a->src[i]->spool_ready(a, a->src_priv[i]);
}

void agent_memq_retry(struct evloop *loop, void *arg)
{
	struct agent *a = arg;
	size_t done = 0;
	bool stored = false;

	while (done < a->memq_n) {
		struct agent_memq_entry *e = &a->memq[done];
		int rc = spool_put(a->spool, e->buf, e->id_len,
				   e->buf + e->id_len, e->meta_len,
				   e->buf + e->id_len + e->meta_len,
				   e->rec_len, NULL);

		if (rc < 0)
			break;
		if (rc == 1) {
			a->cnt.spooled++;
			stored = true;
		}
		free(e->buf);
		done++;
	}
	memmove(a->memq, a->memq + done,
		(a->memq_n - done) * sizeof(a->memq[0]));
	a->memq_n -= done;
	if (done > 0)
		log_info("spool: %zu record(s) waiting in memory stored, %zu "
			 "left", done, a->memq_n);
	if (a->memq_n > 0)
		evloop_timer_arm(a->loop, &a->memq_timer,
				 evloop_now_ms() + AGENT_MEMQ_RETRY_MS);
	if (stored)
		ship_kick(a->ship);
	if (a->memq_n == 0)
		agent_notify_spool_ready(a);
}

static int agent_memq_push(struct agent *a, const uint8_t *id, size_t id_len,
			   const uint8_t *meta, size_t meta_len,
			   const uint8_t *rec, size_t rec_len)
{
	struct agent_memq_entry *e;

	if (a->memq_n == AGENT_MEMQ_MAX) {
		a->cnt.memq_dropped++;
		log_warnx("spool unusable and %d records already waiting in "
			  "memory: one record lost (%" PRIu64 " so far)",
			  AGENT_MEMQ_MAX, a->cnt.memq_dropped);
		return -ENOBUFS;
	}
	e = &a->memq[a->memq_n];
	e->buf = malloc(id_len + meta_len + rec_len);
	if (e->buf == NULL)
		return -ENOMEM;
	memcpy(e->buf, id, id_len);
	memcpy(e->buf + id_len, meta, meta_len);
	memcpy(e->buf + id_len + meta_len, rec, rec_len);
	e->id_len = id_len;
	e->meta_len = meta_len;
	e->rec_len = rec_len;
	a->memq_n++;
	if (!a->memq_timer.armed)
		evloop_timer_arm(a->loop, &a->memq_timer,
				 evloop_now_ms() + AGENT_MEMQ_RETRY_MS);
	return 0;
}

const char *agent_emit_result_name(enum agent_emit_result r)
{
	static const char *const names[] = {
		[AGENT_EMIT_SPOOLED] = "spooled",
		[AGENT_EMIT_DUPLICATE] = "duplicate",
		[AGENT_EMIT_QUEUED] = "queued",
		[AGENT_EMIT_DROPPED] = "dropped",
		[AGENT_EMIT_TOO_LARGE] = "too large",
		[AGENT_EMIT_INVALID] = "invalid",
	};

	return (unsigned int)r < ARRAY_SIZE(names) ? names[r] : "?";
}

static enum agent_emit_result
agent_emit_one(struct agent *a, const struct agent_source_ops *src,
	       const struct oops_report *r, struct record_origin *o,
	       const void *meta, size_t meta_len)
{
	uint8_t id[RECORD_ID_LEN];
	uint8_t mbuf[1 + SPOOL_MAX_META];
	size_t cap = a->cfg->max_datagram - WIRE_OVERHEAD - WIRE_RECORD_OVERHEAD;
	char hex[2 * RECORD_ID_LEN + 1];
	int n, rc;

	a->cnt.reports++;
	if (o->hostname == NULL)
		o->hostname = a->id.hostname;
	if (o->machine_id == NULL && a->id.machine_id[0])
		o->machine_id = a->id.machine_id;
	if (o->collected_boot_id == NULL && a->id.boot_id[0])
		o->collected_boot_id = a->id.boot_id;
	if (o->boot_id == NULL && a->id.boot_id[0]) {
		o->boot_id = a->id.boot_id;
		o->boot_id_is_crashed_boot = false;
	}
	if (o->collected_time_us < 0)
		o->collected_time_us = now_realtime_us();
	if (meta_len + 1 > sizeof(mbuf))
		return AGENT_EMIT_INVALID;
	n = record_pack_fit(r, o, a->recbuf, cap);
	if (n < 0) {
		a->cnt.pack_errors++;
		log_warnx("%s: cannot build a record of '%s': %s", src->name,
			  r->title ? r->title : "(untitled)", strerror(-n));
		return AGENT_EMIT_INVALID;
	}
	record_make_id(r, o, id);
	hex_encode(id, sizeof(id), hex);
	mbuf[0] = src->tag;
	if (meta_len)
		memcpy(mbuf + 1, meta, meta_len);
	rc = spool_put(a->spool, id, sizeof(id), mbuf, meta_len + 1, a->recbuf,
		       (size_t)n, NULL);
	if (rc == 0) {
		a->cnt.duplicates++;
		log_debug("%s: record %s already spooled", src->name, hex);
		return AGENT_EMIT_DUPLICATE;
	}
	if (rc == -EFBIG || rc == -EINVAL) {
		/* Larger than the whole spool (spool_max_bytes below
		 * max_datagram): no retry can store it. */
		a->cnt.spool_errors++;
		a->cnt.memq_dropped++;
		log_warnx("%s: record %s (%s) is larger than spool_max_bytes: "
			  "lost", src->name, hex,
			  r->title ? r->title : "(untitled)");
		return AGENT_EMIT_TOO_LARGE;
	}
	if (rc < 0) {
		a->cnt.spool_errors++;
		log_warnx("%s: cannot spool record %s (%s): %s; keeping it in "
			  "memory and retrying", src->name, hex,
			  r->title ? r->title : "(untitled)", strerror(-rc));
		if (agent_memq_push(a, id, sizeof(id), mbuf, meta_len + 1,
				    a->recbuf, (size_t)n) < 0)
			return AGENT_EMIT_DROPPED;
		return AGENT_EMIT_QUEUED;
	}
	a->cnt.spooled++;
	log_info("%s: spooled %s: %s", src->name, hex,
		 r->title ? r->title : "(untitled)");
	/* Ship at the end of this loop iteration, so that the records a
	 * source produces in one go travel together. */
	if (!a->kick_timer.armed)
		evloop_timer_arm(a->loop, &a->kick_timer, evloop_now_ms());
	return AGENT_EMIT_SPOOLED;
}

enum agent_emit_result agent_emit(struct agent *a,
				  const struct agent_source_ops *src,
				  const struct oops_report *r,
				  struct record_origin *o, const void *meta,
				  size_t meta_len)
{
	struct redacted_report red;
	enum agent_emit_result rc;
	int n;

	if (!ENABLE_REDACT || !a->cfg->redact)
		return agent_emit_one(a, src, r, o, meta, meta_len);
	/* Before the record id too: it hashes the text, and a hash of a
	 * text whose only unknown is a MAC address gives the address away. */
	n = redact_report(&red, r);
	if (n < 0) {
		a->cnt.pack_errors++;
		log_warnx("%s: cannot redact '%s': %s; not spooled", src->name,
			  r->title ? r->title : "(untitled)", strerror(-n));
		return AGENT_EMIT_INVALID;
	}
	a->cnt.redacted += (uint64_t)n;
	rc = agent_emit_one(a, src, &red.r, o, meta, meta_len);
	redacted_report_free(&red);
	return rc;
}

void agent_kick(struct evloop *loop, void *arg)
{
	struct agent *a = arg;

	ship_kick(a->ship);
}

void agent_on_acked(void *arg, const struct spool_item *item,
			   bool rejected)
{
	struct agent *a = arg;
	char hex[2 * SPOOL_MAX_ID + 1];

	/* agent-status shows the ack at once: one write per loop turn
	 * however many records a datagram acknowledged. */
	evloop_timer_arm(a->loop, &a->status_timer, evloop_now_ms());
	if (rejected || item->meta_len == 0)
		return;
	hex_encode(item->id,
		   item->id_len > SPOOL_MAX_ID ? SPOOL_MAX_ID : item->id_len,
		   hex);
	for (size_t i = 0; i < a->nsrc; i++) {
		if (a->src[i]->tag != item->meta[0])
			continue;
		if (a->src[i]->acked != NULL)
			a->src[i]->acked(a, a->src_priv[i], item->meta + 1,
					 item->meta_len - 1, hex);
		return;
	}
	/* A record spooled by a source this build or config lacks. */
}
