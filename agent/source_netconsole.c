// SPDX-License-Identifier: MIT
/*
 * source_netconsole.c - relay: receive netconsole from other machines
 * (lib/ncon.h), parse each sender's log and ship its crashes like ours.
 *
 * One parser per sender, created on its first line and freed when the
 * decoder forgets the sender, so memory is bounded by the decoder's sender
 * limit.  Records name the sender as host and origin; the relay's own
 * machine id and boot are not the crashed machine's, so they are left out.
 *
 * Unlike pstore and kmsg, a netconsole stream cannot be read again: UDP
 * has no acknowledgement towards the sender, so when the spool cannot
 * take a report (disk full) its only copy is the agent's memory queue,
 * and a report that does not fit there is lost (counted in
 * netconsole_spool_lost and memory_queue_dropped, logged).  The relay keeps
 * receiving meanwhile: pausing would only move the loss into the socket
 * buffer.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "agent.h"
#include "evloop.h"
#include "log.h"
#include "ncon.h"
#include "oops.h"
#include "record.h"
#include "sources.h"
#include "transport.h"
#include "util.h"

#define RELAY_MAX_SENDERS 256
#define RELAY_DGRAM 8192
#define RELAY_BURST 64

struct relay_sender {
	struct oops_parser *parser;
	char addr[64];
	uint64_t lost;
};

struct relay_src {
	struct agent *a;
	int fd;
	struct ncon *nc;
	struct ev_timer timer;
	unsigned char buf[RELAY_DGRAM];
	char line[4200];
	uint64_t reports, datagrams, oversize, no_memory, spool_lost;
};

static void relay_pop(struct relay_src *r, struct relay_sender *rs)
{
	struct oops_report *rep;

	while ((rep = oops_parser_next(rs->parser)) != NULL) {
		struct record_origin o = RECORD_ORIGIN_INIT;
		char host[64];
		char *colon;

		/* "192.0.2.1:6665" / "[2001:db8::1]:6665" -> the address. */
		str_lcpy(host, rs->addr[0] == '[' ? rs->addr + 1 : rs->addr,
			 sizeof(host));
		colon = strrchr(host, rs->addr[0] == '[' ? ']' : ':');
		if (colon != NULL)
			*colon = '\0';
		o.source = RECORD_SOURCE_NETCONSOLE;
		o.sender = rs->addr;
		o.hostname = host;
		o.machine_id = "";
		o.boot_id = "";
		o.lost_messages = rs->lost;
		o.complete = rs->lost == 0;
		r->reports++;
		if (agent_emit(r->a, &agent_source_netconsole, rep, &o, NULL,
			       0) == -ENOBUFS)
			r->spool_lost++;
		oops_report_free(rep);
	}
}

static struct relay_sender *relay_sender_get(struct relay_src *r,
					     struct ncon_sender *s)
{
	struct relay_sender *rs = ncon_sender_user(s);
	struct oops_parser_config pc = OOPS_PARSER_CONFIG_INIT;

	if (rs != NULL)
		return rs;
	rs = calloc(1, sizeof(*rs));
	if (rs == NULL)
		return NULL;
	pc.max_report_bytes = CONFIG_MAX_REPORT_BYTES;
	pc.max_frames = CONFIG_MAX_FRAMES;
	rs->parser = oops_parser_new(&pc);
	if (rs->parser == NULL) {
		free(rs);
		return NULL;
	}
	ncon_key_format(ncon_sender_key(s), rs->addr, sizeof(rs->addr));
	ncon_sender_set_user(s, rs);
	return rs;
}

static void relay_line(void *arg, struct ncon_sender *s,
		       const struct ncon_line *l, uint64_t now_ms)
{
	struct relay_src *r = arg;
	struct relay_sender *rs = relay_sender_get(r, s);
	size_t n = 0, tlen = l->len;

	if (rs == NULL) {
		r->no_memory++;
		return;
	}
	rs->lost += l->lost;
	if (l->usec >= 0)
		n = (size_t)snprintf(r->line, sizeof(r->line),
				     "[%5" PRId64 ".%06" PRId64 "] ",
				     l->usec / 1000000, l->usec % 1000000);
	if (tlen > sizeof(r->line) - n)
		tlen = sizeof(r->line) - n;
	memcpy(r->line + n, l->text, tlen);
	oops_parser_feed_line(rs->parser, r->line, n + tlen, now_ms);
	relay_pop(r, rs);
	ncon_sender_set_deadline(r->nc, s, oops_parser_deadline(rs->parser));
}

static void relay_sender_timer(void *arg, struct ncon_sender *s,
			       uint64_t now_ms)
{
	struct relay_src *r = arg;
	struct relay_sender *rs = ncon_sender_user(s);

	if (rs == NULL)
		return;
	oops_parser_tick(rs->parser, now_ms);
	relay_pop(r, rs);
	ncon_sender_set_deadline(r->nc, s, oops_parser_deadline(rs->parser));
}

static void relay_release(void *arg, struct ncon_sender *s, uint64_t now_ms)
{
	struct relay_src *r = arg;
	struct relay_sender *rs = ncon_sender_user(s);

	if (rs == NULL)
		return;
	oops_parser_finish(rs->parser, now_ms);
	relay_pop(r, rs);
	oops_parser_free(rs->parser);
	free(rs);
	ncon_sender_set_user(s, NULL);
}

static const struct ncon_ops relay_ops = {
	.line = relay_line,
	.timer = relay_sender_timer,
	.release = relay_release,
};

static void relay_arm(struct relay_src *r)
{
	uint64_t d = ncon_next_deadline(r->nc);

	if (d == UINT64_MAX)
		evloop_timer_disarm(agent_loop(r->a), &r->timer);
	else
		evloop_timer_arm(agent_loop(r->a), &r->timer, d);
}

static void relay_on_timer(struct evloop *loop, void *arg)
{
	struct relay_src *r = arg;

	ncon_tick(r->nc, evloop_now_ms());
	relay_arm(r);
}

static void relay_on_readable(struct evloop *loop, int fd, unsigned events,
			      void *arg)
{
	struct relay_src *r = arg;

	for (int i = 0; i < RELAY_BURST; i++) {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);
		struct ncon_key key;
		ssize_t n = recvfrom(fd, r->buf, sizeof(r->buf), MSG_TRUNC,
				     (struct sockaddr *)&ss, &sl);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN)
				log_warn("netconsole: recvfrom");
			break;
		}
		if ((size_t)n > sizeof(r->buf)) {
			r->oversize++;
			continue;
		}
		if (ncon_key_from_sockaddr(&key, (struct sockaddr *)&ss) < 0)
			continue;
		r->datagrams++;
		ncon_process(r->nc, &key, r->buf, (size_t)n, evloop_now_ms());
	}
	relay_arm(r);
}

static bool relay_wanted(const struct agent_config *cfg)
{
	return cfg->netconsole_listen[0] != '\0';
}

static int relay_init(struct agent *a, void **priv)
{
	const char *spec = agent_config(a)->netconsole_listen;
	struct relay_src *r = calloc(1, sizeof(*r));
	struct ncon_config nc = { 0 };
	struct transport_addr addr;
	char buf[300], err[TRANSPORT_ERR_MAX];
	int rc;

	if (r == NULL)
		return -ENOMEM;
	r->a = a;
	r->fd = -1;
	/* "ADDR:PORT" as in the collector's netconsole_listen. */
	snprintf(buf, sizeof(buf), "%s%s",
		 strncmp(spec, "udp://", 6) == 0 ? "" : "udp://", spec);
	rc = transport_parse(buf, &addr, err, sizeof(err));
	if (rc < 0) {
		log_warnx("netconsole_listen: %s", err);
		goto fail;
	}
	/* Opened now: the netconsole port may be privileged. */
	rc = transport_udp_bind(&addr, 1 << 20);
	if (rc < 0) {
		log_warnx("netconsole_listen %s: %s", spec, strerror(-rc));
		goto fail;
	}
	r->fd = rc;
	nc.max_senders = RELAY_MAX_SENDERS < CONFIG_MAX_SENDERS ?
				 RELAY_MAX_SENDERS :
				 CONFIG_MAX_SENDERS;
	nc.max_total_bytes = 4u << 20;
	r->nc = ncon_new(&nc, &relay_ops, r);
	if (r->nc == NULL) {
		rc = -ENOMEM;
		goto fail;
	}
	ev_timer_init(&r->timer, relay_on_timer, r);
	*priv = r;
	return 0;
fail:
	if (r->fd >= 0)
		close(r->fd);
	free(r);
	return rc;
}

static int relay_start(struct agent *a, void *priv)
{
	struct relay_src *r = priv;

	return evloop_add_fd(agent_loop(a), r->fd, EV_READ, relay_on_readable,
			     r);
}

static void relay_stop(struct agent *a, void *priv)
{
	struct relay_src *r = priv;

	/* What is still buffered is only in memory: ship what completes. */
	ncon_flush(r->nc, evloop_now_ms());
	ncon_free(r->nc);
	evloop_timer_disarm(agent_loop(a), &r->timer);
	evloop_del_fd(agent_loop(a), r->fd);
	close(r->fd);
	free(r);
}

static void relay_status(struct agent *a, void *priv, FILE *out)
{
	struct relay_src *r = priv;
	struct ncon_stats st;

	ncon_get_stats(r->nc, &st);
	fprintf(out, "netconsole_datagrams %" PRIu64 "\n", r->datagrams);
	fprintf(out, "netconsole_malformed %" PRIu64 "\n", st.malformed);
	fprintf(out, "netconsole_lost %" PRIu64 "\n", st.lost);
	fprintf(out, "netconsole_senders %" PRIu64 "\n", st.senders);
	fprintf(out, "netconsole_reports %" PRIu64 "\n", r->reports);
	fprintf(out, "netconsole_spool_lost %" PRIu64 "\n", r->spool_lost);
}

const struct agent_source_ops agent_source_netconsole = {
	.name = "netconsole",
	.tag = 'N',
	.wanted = relay_wanted,
	.init = relay_init,
	.start = relay_start,
	.stop = relay_stop,
	.status = relay_status,
};
