// SPDX-License-Identifier: MIT
/*
 * source_netconsole.c - relay: receive netconsole from other machines
 * through the netconsole receiver (lib/ncon_rx.h, the one oops-collector
 * uses: recvmmsg batches, one parser per sender freed when the sender is
 * idle, lost messages counted per report) and ship their crashes like
 * ours.
 *
 * Records name the sender as host and origin; the relay's own machine id
 * and boot are not the crashed machine's, so they are left out.  A gap in
 * a sender's stream marks only the report it falls in incomplete (the
 * receiver counts the messages lost within each report), not every later
 * report of that sender.
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

#include "agent.h"
#include "base/log.h"
#include "netconsole/ncon_rx.h"
#include "parse/oops.h"
#include "record/record.h"
#include "sources.h"
#include "base/util.h"

#define RELAY_MAX_SENDERS 256
#define RELAY_RCVBUF (1 << 20)

struct relay_src {
	struct agent *a;
	struct ncon_rx *rx;
	uint64_t reports, spool_lost;
};

static void relay_on_report(void *arg, const struct ncon_rx_from *from,
			    struct oops_report *rep, uint64_t lost)
{
	struct relay_src *r = arg;
	struct record_origin o = RECORD_ORIGIN_INIT;
	const char *sender = from->sender;
	char host[64];
	char *end;

	/* "192.0.2.1:6665" / "[2001:db8::1]:6665" -> the address. */
	str_lcpy(host, sender[0] == '[' ? sender + 1 : sender, sizeof(host));
	end = strrchr(host, sender[0] == '[' ? ']' : ':');
	if (end != NULL)
		*end = '\0';
	ncon_rx_record_origin(from, lost, &o);
	o.hostname = host;
	o.machine_id = "";
	o.boot_id = "";
	r->reports++;
	if (agent_emit(r->a, &agent_source_netconsole, rep, &o, NULL, 0) ==
	    AGENT_EMIT_DROPPED)
		r->spool_lost++;
	oops_report_free(rep);
}

static bool relay_wanted(const struct agent_config *cfg)
{
	return cfg->netconsole_listen[0] != '\0';
}

static int relay_init(struct agent *a, void **priv)
{
	const char *spec = agent_config(a)->netconsole_listen;
	struct relay_src *r = calloc(1, sizeof(*r));
	struct ncon_rx_config cfg = { 0 };
	int rc = -ENOMEM;

	if (r == NULL)
		return -ENOMEM;
	r->a = a;
	/* "ADDR:PORT" as in the collector's netconsole_listen; a udp://
	 * prefix is accepted as before. */
	if (strncmp(spec, "udp://", 6) == 0)
		spec += 6;
	cfg.listen = spec;
	cfg.rcvbuf = RELAY_RCVBUF;
	cfg.max_parsers = RELAY_MAX_SENDERS < CONFIG_MAX_SENDERS ?
				  RELAY_MAX_SENDERS :
				  CONFIG_MAX_SENDERS;
	cfg.ncon.max_senders = cfg.max_parsers;
	cfg.ncon.max_total_bytes = 4u << 20;
	cfg.parser.max_report_bytes = CONFIG_MAX_REPORT_BYTES;
	cfg.parser.max_frames = CONFIG_MAX_FRAMES;
	/* Opened now, as root: the netconsole port may be privileged.  The
	 * socket is watched from here on; the loop runs after start. */
	r->rx = ncon_rx_new(agent_loop(a), &cfg, relay_on_report, NULL, r,
			    &rc);
	if (r->rx == NULL) {
		log_warnx("netconsole_listen %s: %s", spec, strerror(-rc));
		free(r);
		return rc;
	}
	*priv = r;
	return 0;
}

static int relay_start(struct agent *a, void *priv)
{
	return 0;
}

static void relay_stop(struct agent *a, void *priv)
{
	struct relay_src *r = priv;

	/* What is still buffered is only in memory: open reports are
	 * completed and spooled now. */
	ncon_rx_free(r->rx);
	free(r);
}

static void relay_status(struct agent *a, void *priv, FILE *out)
{
	struct relay_src *r = priv;
	struct ncon_rx_counters c;

	ncon_rx_get_counters(r->rx, &c);
	/* The bound port (useful when listening on port 0). */
	fprintf(out, "netconsole_port %d\n", ncon_rx_port(r->rx));
	fprintf(out, "netconsole_datagrams %" PRIu64 "\n", c.datagrams);
	fprintf(out, "netconsole_malformed %" PRIu64 "\n", c.malformed);
	fprintf(out, "netconsole_truncated %" PRIu64 "\n", c.truncated);
	fprintf(out, "netconsole_kernel_drops %" PRIu64 "\n",
		c.kernel_drops);
	fprintf(out, "netconsole_lost %" PRIu64 "\n", c.lost);
	fprintf(out, "netconsole_senders %" PRIu64 "\n", c.ncon.senders);
	fprintf(out, "netconsole_parsers %" PRIu64 "\n", c.parsers);
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
