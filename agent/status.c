// SPDX-License-Identifier: MIT
/*
 * status.c - the agent's status file (agent-status reads it) and the
 * counters it logs on SIGUSR1.
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

/* ------------------------------------------------------------- status -- */

static void agent_status_text(struct agent *a, FILE *f)
{
	struct spool_stats sp;
	struct ship_stats sh;

	spool_get_stats(a->spool, &sp);
	ship_get_stats(a->ship, &sh);
	/* One "name value" line each; the counters are far below 2^63. */
	const struct {
		const char *name;
		int64_t v;
	} n[] = {
		{ "spool_pending", (int64_t)sp.pending },
		{ "spool_bytes", (int64_t)sp.bytes },
		{ "spool_oldest_us", sp.oldest_us },
		{ "spool_stored", (int64_t)sp.stored },
		{ "spool_duplicates", (int64_t)sp.duplicates },
		{ "spool_dropped", (int64_t)sp.dropped },
		{ "spool_quarantined", (int64_t)sp.quarantined },
		{ "spool_write_errors", (int64_t)sp.write_errors },
		{ "memory_queue", (int64_t)a->memq_n },
		{ "memory_queue_dropped", (int64_t)a->cnt.memq_dropped },
		{ "reports", (int64_t)a->cnt.reports },
		{ "pack_errors", (int64_t)a->cnt.pack_errors },
		{ "redacted", (int64_t)a->cnt.redacted },
		{ "last_ack_us", sh.last_ack_us },
		{ "last_send_us", sh.last_send_us },
		{ "in_flight", sh.in_flight },
		{ "datagrams", (int64_t)sh.datagrams },
		{ "retransmits", (int64_t)sh.retransmits },
		{ "send_errors", (int64_t)sh.send_errors },
		{ "acks", (int64_t)sh.acks },
		{ "bad_acks", (int64_t)sh.bad_acks },
		{ "acked", (int64_t)sh.acked },
		{ "rejected", (int64_t)sh.rejected },
		{ "oversize", (int64_t)sh.oversize },
		{ "backoff_ms", (int64_t)sh.rto_ms },
		{ "heartbeats", (int64_t)sh.heartbeats },
		{ "collector_answering", !sh.silent },
		{ "resolves", (int64_t)sh.resolves },
	};

	fprintf(f, "version %s\npid %d\nstarted_us %" PRId64 "\n"
		   "updated_us %" PRId64 "\ncollector %s\nhostname %s\n"
		   "boot_id %s\nspool_dir %s\n",
		OOPSD_VERSION, (int)getpid(), a->started_us, now_realtime_us(),
		a->cfg->collector, a->id.hostname, a->id.boot_id,
		a->cfg->spool_dir);
	for (size_t i = 0; i < ARRAY_SIZE(n); i++)
		fprintf(f, "%s %" PRId64 "\n", n[i].name, n[i].v);
	for (size_t i = 0; i < a->nsrc; i++)
		if (a->src[i]->status != NULL)
			a->src[i]->status(a, a->src_priv[i], f);
}

/*
 * One line per counter is noisy in syslog: join them with commas, in as
 * many "counters:" lines as it takes to stay within a log line (lib/log.c
 * keeps 1024 bytes and would cut the rest off).
 */
static void agent_status_log(const char *text)
{
	char line[900];
	size_t n = 0;

	while (*text) {
		const char *end = strchr(text, '\n');
		size_t l = end ? (size_t)(end - text) : strlen(text);

		if (n > 0 && n + 1 + l >= sizeof(line)) {
			log_info("counters: %s", line);
			n = 0;
		}
		if (n > 0)
			line[n++] = ',';
		/* A value longer than a whole line (a long collector
		 * address) is cut. */
		if (l >= sizeof(line) - n)
			l = sizeof(line) - n - 1;
		memcpy(line + n, text, l);
		n += l;
		line[n] = '\0';
		text = end ? end + 1 : text + strlen(text);
	}
	if (n > 0)
		log_info("counters: %s", line);
}

void agent_status(struct agent *a, bool log)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	int rc;

	if (f == NULL)
		return;
	agent_status_text(a, f);
	if (fclose(f) != 0) {
		free(text);
		return;
	}
	if (log)
		agent_status_log(text);
	rc = write_file_atomic(a->state_dirfd, AGENT_STATUS_FILE, text, len);
	if (rc < 0)
		log_debug("cannot write %s/%s: %s", a->cfg->state_dir,
			  AGENT_STATUS_FILE, strerror(-rc));
	free(text);
}

void agent_status_tick(struct evloop *loop, void *arg)
{
	struct agent *a = arg;

	agent_status(a, false);
	evloop_timer_arm(loop, &a->status_timer,
			 evloop_now_ms() + a->cfg->status_interval);
}
