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
	fprintf(f, "version %s\n", OOPSD_VERSION);
	fprintf(f, "pid %d\n", (int)getpid());
	fprintf(f, "started_us %" PRId64 "\n", a->started_us);
	fprintf(f, "updated_us %" PRId64 "\n", now_realtime_us());
	fprintf(f, "collector %s\n", a->cfg->collector);
	fprintf(f, "hostname %s\n", a->id.hostname);
	fprintf(f, "boot_id %s\n", a->id.boot_id);
	fprintf(f, "spool_dir %s\n", a->cfg->spool_dir);
	fprintf(f, "spool_pending %" PRIu64 "\n", sp.pending);
	fprintf(f, "spool_bytes %" PRIu64 "\n", sp.bytes);
	fprintf(f, "spool_oldest_us %" PRId64 "\n", sp.oldest_us);
	fprintf(f, "spool_stored %" PRIu64 "\n", sp.stored);
	fprintf(f, "spool_duplicates %" PRIu64 "\n", sp.duplicates);
	fprintf(f, "spool_dropped %" PRIu64 "\n", sp.dropped);
	fprintf(f, "spool_quarantined %" PRIu64 "\n", sp.quarantined);
	fprintf(f, "spool_write_errors %" PRIu64 "\n", sp.write_errors);
	fprintf(f, "memory_queue %zu\n", a->memq_n);
	fprintf(f, "memory_queue_dropped %" PRIu64 "\n", a->cnt.memq_dropped);
	fprintf(f, "reports %" PRIu64 "\n", a->cnt.reports);
	fprintf(f, "pack_errors %" PRIu64 "\n", a->cnt.pack_errors);
	fprintf(f, "redacted %" PRIu64 "\n", a->cnt.redacted);
	fprintf(f, "last_ack_us %" PRId64 "\n", sh.last_ack_us);
	fprintf(f, "last_send_us %" PRId64 "\n", sh.last_send_us);
	fprintf(f, "in_flight %u\n", sh.in_flight);
	fprintf(f, "datagrams %" PRIu64 "\n", sh.datagrams);
	fprintf(f, "retransmits %" PRIu64 "\n", sh.retransmits);
	fprintf(f, "send_errors %" PRIu64 "\n", sh.send_errors);
	fprintf(f, "acks %" PRIu64 "\n", sh.acks);
	fprintf(f, "bad_acks %" PRIu64 "\n", sh.bad_acks);
	fprintf(f, "acked %" PRIu64 "\n", sh.acked);
	fprintf(f, "rejected %" PRIu64 "\n", sh.rejected);
	fprintf(f, "oversize %" PRIu64 "\n", sh.oversize);
	fprintf(f, "backoff_ms %" PRIu64 "\n", sh.rto_ms);
	fprintf(f, "heartbeats %" PRIu64 "\n", sh.heartbeats);
	fprintf(f, "collector_answering %d\n", !sh.silent);
	fprintf(f, "resolves %" PRIu64 "\n", sh.resolves);
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
