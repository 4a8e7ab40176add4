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
	/* One call: the format names every line, -Wformat checks the values. */
	fprintf(f,
		"version %s\n"
		"pid %d\n"
		"started_us %" PRId64 "\n"
		"updated_us %" PRId64 "\n"
		"collector %s\n"
		"hostname %s\n"
		"boot_id %s\n"
		"spool_dir %s\n"
		"spool_pending %" PRIu64 "\n"
		"spool_bytes %" PRIu64 "\n"
		"spool_oldest_us %" PRId64 "\n"
		"spool_stored %" PRIu64 "\n"
		"spool_duplicates %" PRIu64 "\n"
		"spool_dropped %" PRIu64 "\n"
		"spool_quarantined %" PRIu64 "\n"
		"spool_write_errors %" PRIu64 "\n"
		"memory_queue %zu\n"
		"memory_queue_dropped %" PRIu64 "\n"
		"reports %" PRIu64 "\n"
		"pack_errors %" PRIu64 "\n"
		"redacted %" PRIu64 "\n"
		"last_ack_us %" PRId64 "\n"
		"last_send_us %" PRId64 "\n"
		"in_flight %u\n"
		"datagrams %" PRIu64 "\n"
		"retransmits %" PRIu64 "\n"
		"send_errors %" PRIu64 "\n"
		"acks %" PRIu64 "\n"
		"bad_acks %" PRIu64 "\n"
		"acked %" PRIu64 "\n"
		"rejected %" PRIu64 "\n"
		"oversize %" PRIu64 "\n"
		"backoff_ms %" PRIu64 "\n"
		"heartbeats %" PRIu64 "\n"
		"collector_answering %d\n"
		"resolves %" PRIu64 "\n",
		OOPSD_VERSION, (int)getpid(), a->started_us, now_realtime_us(),
		a->cfg->collector, a->id.hostname, a->id.boot_id,
		a->cfg->spool_dir, sp.pending, sp.bytes, sp.oldest_us,
		sp.stored, sp.duplicates, sp.dropped, sp.quarantined,
		sp.write_errors, a->memq_n, a->cnt.memq_dropped, a->cnt.reports,
		a->cnt.pack_errors, a->cnt.redacted, sh.last_ack_us,
		sh.last_send_us, sh.in_flight, sh.datagrams, sh.retransmits,
		sh.send_errors, sh.acks, sh.bad_acks, sh.acked, sh.rejected,
		sh.oversize, sh.rto_ms, sh.heartbeats, !sh.silent, sh.resolves);
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
