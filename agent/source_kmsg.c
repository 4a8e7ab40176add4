// SPDX-License-Identifier: MIT
/*
 * source_kmsg.c - follow /dev/kmsg: crashes of the running boot that
 * never reach pstore (WARNINGs, non-fatal oopses, hung tasks, stalls).
 *
 * /dev/kmsg gives one record per read(): "PRI,SEQ,USEC,FLAGS[,...];TEXT"
 * followed by " KEY=VALUE" dictionary lines.  A FIFO or a regular file of
 * such lines works too (tests); lines are then split here.  Each record
 * becomes "[SEC.USEC] TEXT" for the parser, so reports carry printk times.
 *
 * Resuming without re-sending: state_dir/kmsg.state holds "BOOT_ID SEQ",
 * the last sequence number fed to the parser at a moment when no report
 * was open and every report completed so far was spooled.  After a restart
 * in the same boot, records up to SEQ are skipped; the parser therefore
 * restarts at a report boundary.  Records after SEQ that were already
 * spooled before a crash come out again with the same record id (the id
 * hashes boot, printk time and text), so the spool and the collector see
 * a duplicate, never a second crash.  A new boot starts at the oldest
 * record the kernel still has.
 *
 * Nothing is lost when the spool cannot take a report (disk full): the
 * kernel's ring buffer is the place a record sits until the spool holds
 * it, so the saved position never passes a report that is not spooled.
 * The first report that fails holds the position at the last report
 * boundary before it (boundary_seq), and reading stops (the fd leaves the
 * event loop, buffered lines wait) so that at most a report or two wait
 * in the agent's memory queue instead of the whole backlog.  When the
 * queue drained (spool_ready), reading goes on and the hold is released.
 * If a report was dropped from the full memory queue, the input is read
 * again from the held position when it can be rewound (/dev/kmsg and
 * regular files can; reports already spooled come back as duplicates of
 * the same id); a FIFO keeps the position held, so the next start reads
 * the dropped reports again.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "agent.h"
#include "base/evloop.h"
#include "base/log.h"
#include "parse/oops.h"
#include "record/record.h"
#include "sources.h"
#include "base/util.h"

#define KMSG_STATE "kmsg.state"
#define KMSG_BUF 16384		/* > the kernel's largest record (8 KiB) */
#define KMSG_SAVE_MS 5000	/* position saved at most this often */
#define KMSG_BURST 256		/* records per wake-up, then yield */

struct kmsg_src {
	struct agent *a;
	int fd;
	bool watched;
	bool is_dev;		/* /dev/kmsg: one record per read() */
	bool eof;
	struct oops_parser *parser;
	char buf[KMSG_BUF];
	size_t have;
	char line[KMSG_BUF + 32];
	uint64_t skip_upto;	/* records <= this were handled before */
	uint64_t last_seq;	/* last record fed */
	uint64_t saved_seq;	/* in the state file */
	bool have_seq;
	bool pollable;		/* in the event loop (not a regular file) */
	/* The spool cannot take reports (see the top of the file). */
	uint64_t boundary_seq;	/* last record fed with no report open */
	bool blocked;		/* reading paused until spool_ready */
	bool hold;		/* the position may not pass hold_seq */
	uint64_t hold_seq;
	bool dropped;		/* a held report is in no memory either */
	struct oops_parser_config pc;
	struct ev_timer tick;	/* parser idle deadline */
	struct ev_timer save;
	/* counters */
	uint64_t records, skipped, lost, malformed, reports;
	uint64_t unspooled;	/* reports the spool could not take at once */
	uint64_t pauses;	/* times reading paused for the spool */
	uint64_t rewinds;	/* re-reads from the held position */
};

/* ---------------------------------------------------------- state file -- */

static void kmsg_load_state(struct kmsg_src *k)
{
	const char *boot = agent_identity(k->a)->boot_id;
	char *buf = NULL, id[40];
	size_t len;
	uint64_t seq;

	/* The state directory's fd is the agent's, open until after every
	 * source stopped: borrowed, never closed here. */
	if (read_fileat_bounded(agent_state_dirfd(k->a), KMSG_STATE, 256, &buf,
				&len) == 0) {
		if (sscanf(buf, "%39s %" SCNu64, id, &seq) == 2 &&
		    strcmp(id, boot) == 0) {
			k->skip_upto = seq;
			k->saved_seq = seq;
			log_info("kmsg: resuming after record %" PRIu64, seq);
		}
		free(buf);
	}
}

/*
 * Save the position when it is safe: no report open in the parser (so the
 * next run starts at a boundary) and nothing waiting for the spool.  While
 * a report is not spooled, the held position (a boundary before it) is
 * the furthest one that is safe.
 */
static void kmsg_save_state(struct kmsg_src *k)
{
	char line[96];
	uint64_t pos;
	int n, rc;

	if (k->hold) {
		pos = k->hold_seq;
		if (pos <= k->saved_seq)
			return;
	} else {
		pos = k->last_seq;
		if (!k->have_seq || pos == k->saved_seq)
			return;
		if (oops_parser_deadline(k->parser) != UINT64_MAX ||
		    !agent_all_spooled(k->a))
			return;
	}
	n = snprintf(line, sizeof(line), "%s %" PRIu64 "\n",
		     agent_identity(k->a)->boot_id, pos);
	rc = write_file_atomic(agent_state_dirfd(k->a), KMSG_STATE, line,
			       (size_t)n);
	if (rc < 0) {
		log_warnx("kmsg: cannot save the position: %s", strerror(-rc));
		return;
	}
	k->saved_seq = pos;
}

static void kmsg_on_save(struct evloop *loop, void *arg)
{
	kmsg_save_state(arg);
}

/* ------------------------------------------------------------- reports -- */

/* printk time (since boot) to unix time, when it is plausible. */
static int64_t kmsg_unix_time(int64_t usec)
{
	struct timespec bt;
	int64_t since_boot;

	if (usec < 0 || clock_gettime(CLOCK_BOOTTIME, &bt) < 0)
		return -1;
	since_boot = (int64_t)bt.tv_sec * 1000000 + bt.tv_nsec / 1000;
	if (usec > since_boot)
		return -1;
	return now_realtime_us() - (since_boot - usec);
}

/*
 * The spool could not take a report: hold the position before it and
 * stop reading until the memory queue drained.
 */
static void kmsg_block(struct kmsg_src *k, bool dropped)
{
	if (dropped)
		k->dropped = true;
	if (k->blocked)
		return;
	k->blocked = true;
	k->pauses++;
	if (!k->hold) {
		k->hold = true;
		k->hold_seq = k->boundary_seq;
	}
	log_warnx("kmsg: the spool cannot take reports now: reading paused, "
		  "position held after record %" PRIu64 " until they are "
		  "spooled", k->hold_seq);
}

static void kmsg_pop_reports(struct kmsg_src *k)
{
	struct oops_report *r;

	/* While blocked, complete reports wait in the parser. */
	while (!k->blocked && (r = oops_parser_next(k->parser)) != NULL) {
		enum agent_emit_result rc;

		struct record_origin o = RECORD_ORIGIN_INIT;
		const struct agent_identity *id = agent_identity(k->a);

		o.source = RECORD_SOURCE_KMSG;
		/* kmsg is this boot's log: the crashed boot is ours. */
		if (id->boot_id[0]) {
			o.boot_id = id->boot_id;
			o.boot_id_is_crashed_boot = true;
		}
		if (k->is_dev)
			o.crash_time_us = kmsg_unix_time(r->time_us);
		k->reports++;
		rc = agent_emit(k->a, &agent_source_kmsg, r, &o, NULL, 0);
		oops_report_free(r);
		if (rc == AGENT_EMIT_DROPPED) {
			k->unspooled++;
			kmsg_block(k, true);
		} else if (rc == AGENT_EMIT_QUEUED &&
			   !agent_all_spooled(k->a)) {
			/* In the memory queue: retried by the agent. */
			k->unspooled++;
			kmsg_block(k, false);
		} else if (!agent_all_spooled(k->a)) {
			/* Spooled, but another source's records wait: the
			 * spool is failing, do not read on into memory. */
			kmsg_block(k, false);
		}
	}
}

static void kmsg_arm_tick(struct kmsg_src *k)
{
	uint64_t d = oops_parser_deadline(k->parser);

	if (d == UINT64_MAX)
		evloop_timer_disarm(agent_loop(k->a), &k->tick);
	else
		evloop_timer_arm(agent_loop(k->a), &k->tick, d);
}

static void kmsg_on_tick(struct evloop *loop, void *arg)
{
	struct kmsg_src *k = arg;

	oops_parser_tick(k->parser, evloop_now_ms());
	kmsg_pop_reports(k);
	kmsg_arm_tick(k);
	kmsg_save_state(k);
}

/* ---------------------------------------------------------------- input -- */

/* One "PRI,SEQ,USEC,FLAGS;TEXT" record (no '\n'). */
static void kmsg_record(struct kmsg_src *k, const char *rec, size_t len)
{
	const char *semi = memchr(rec, ';', len);
	unsigned long long pri, seq, usec;
	char hdr[96];
	size_t hlen, tlen;
	int n;

	if (len > 0 && rec[0] == ' ')
		return; /* dictionary line (SUBSYSTEM=, DEVICE=) */
	hlen = semi ? (size_t)(semi - rec) : 0;
	if (semi == NULL || hlen >= sizeof(hdr)) {
		k->malformed++;
		return;
	}
	memcpy(hdr, rec, hlen);
	hdr[hlen] = '\0';
	if (sscanf(hdr, "%llu,%llu,%llu", &pri, &seq, &usec) != 3) {
		k->malformed++;
		return;
	}
	k->records++;
	if (seq <= k->skip_upto) {
		k->skipped++;
		return;
	}
	if (k->have_seq && seq > k->last_seq + 1)
		k->lost += seq - k->last_seq - 1;
	/* No report open: a restart may begin after the previous record. */
	if (oops_parser_deadline(k->parser) == UINT64_MAX)
		k->boundary_seq = k->have_seq ? k->last_seq : k->skip_upto;
	k->last_seq = seq;
	k->have_seq = true;
	tlen = len - hlen - 1;
	n = snprintf(k->line, sizeof(k->line), "[%5llu.%06llu] ",
		     usec / 1000000, usec % 1000000);
	if (tlen > sizeof(k->line) - (size_t)n)
		tlen = sizeof(k->line) - (size_t)n;
	memcpy(k->line + n, semi + 1, tlen);
	oops_parser_feed_line(k->parser, k->line, (size_t)n + tlen,
			      evloop_now_ms());
}

/*
 * Split buffered bytes into lines; keep a partial last line.  Reports are
 * handed on after each record, and the rest stays buffered when the spool
 * stops taking them.
 */
static void kmsg_lines(struct kmsg_src *k, bool flush)
{
	size_t start = 0;

	while (!k->blocked) {
		char *nl = memchr(k->buf + start, '\n', k->have - start);

		if (nl == NULL)
			break;
		kmsg_record(k, k->buf + start, (size_t)(nl - k->buf - start));
		start = (size_t)(nl - k->buf) + 1;
		kmsg_pop_reports(k);
	}
	if (flush && !k->blocked && start < k->have) {
		kmsg_record(k, k->buf + start, k->have - start);
		start = k->have;
		kmsg_pop_reports(k);
	}
	if (start == 0 && k->have == sizeof(k->buf)) {
		/* A line longer than any kernel record: not kmsg. */
		k->malformed++;
		start = k->have;
	}
	memmove(k->buf, k->buf + start, k->have - start);
	k->have -= start;
}

static void kmsg_finish(struct kmsg_src *k)
{
	kmsg_lines(k, true);
	if (k->blocked)
		return; /* lines left: finished after spool_ready */
	oops_parser_finish(k->parser, evloop_now_ms());
	kmsg_pop_reports(k);
	kmsg_arm_tick(k);
	k->eof = true;
	if (k->watched) {
		evloop_del_fd(agent_loop(k->a), k->fd);
		k->watched = false;
	}
	log_info("kmsg: %s ended", agent_config(k->a)->kmsg_path);
}

/*
 * Read what is there, at most KMSG_BURST records.  Returns 1 when there
 * may be more, 0 at the end of the input, -1 when nothing is there now
 * (or a read error was logged), -2 when the spool stopped taking reports.
 */
static int kmsg_read(struct kmsg_src *k)
{
	for (int i = 0; i < KMSG_BURST; i++) {
		ssize_t n;

		if (k->blocked)
			return -2;
		n = read(k->fd, k->buf + k->have, sizeof(k->buf) - k->have);

		if (n > 0) {
			k->have += (size_t)n;
			/* /dev/kmsg: each read is one whole record. */
			if (k->is_dev && k->buf[k->have - 1] != '\n' &&
			    k->have < sizeof(k->buf))
				k->buf[k->have++] = '\n';
			kmsg_lines(k, false);
			continue;
		}
		if (n == 0)
			return 0;
		if (errno == EINTR)
			continue;
		if (errno == EPIPE) {
			/* The ring buffer overwrote records we had not read;
			 * the next read returns the oldest one left. */
			log_warnx("kmsg: kernel log overrun, records lost");
			continue;
		}
		if (errno != EAGAIN)
			log_warn("kmsg: read");
		return -1;
	}
	return 1;
}

static void kmsg_on_readable(struct evloop *loop, int fd, unsigned events,
			     void *arg);

/*
 * Hand on what waits (reports in the parser, buffered lines), then read:
 * one burst when the fd is in the event loop, to the end otherwise.  The
 * fd is in the event loop exactly when reading can go on.
 */
static void kmsg_pump(struct kmsg_src *k)
{
	struct evloop *loop = agent_loop(k->a);
	int rc = -1;

	kmsg_pop_reports(k);
	if (!k->eof) {
		kmsg_lines(k, false);
		do {
			rc = kmsg_read(k);
		} while (rc > 0 && !k->pollable);
		if (rc == 0)
			kmsg_finish(k);
		kmsg_pop_reports(k);
		kmsg_arm_tick(k);
	}
	if ((k->blocked || k->eof) && k->watched) {
		evloop_del_fd(loop, k->fd);
		k->watched = false;
	} else if (!k->blocked && !k->eof && k->pollable && !k->watched) {
		if (evloop_add_fd(loop, k->fd, EV_READ, kmsg_on_readable, k) == 0)
			k->watched = true;
		else
			log_warn("kmsg: cannot watch %s",
				 agent_config(k->a)->kmsg_path);
	}
	if (!k->save.armed)
		evloop_timer_arm(loop, &k->save, evloop_now_ms() + KMSG_SAVE_MS);
	if (k->eof || k->blocked)
		kmsg_save_state(k);
}

static void kmsg_on_readable(struct evloop *loop, int fd, unsigned events,
			     void *arg)
{
	kmsg_pump(arg);
}

/*
 * A report dropped from the memory queue is only in the kernel's log now:
 * read the input again from the held position.  0, or -errno when the
 * input cannot be rewound (a FIFO).
 */
static int kmsg_rewind(struct kmsg_src *k)
{
	struct oops_parser *p;

	if (lseek(k->fd, 0, SEEK_SET) < 0)
		return -errno;
	p = oops_parser_new(&k->pc);
	if (p == NULL)
		return -ENOMEM;
	oops_parser_free(k->parser);
	k->parser = p;
	evloop_timer_disarm(agent_loop(k->a), &k->tick);
	k->have = 0;
	k->skip_upto = k->hold_seq;
	k->boundary_seq = k->hold_seq;
	k->have_seq = false;
	k->eof = false;
	k->rewinds++;
	log_info("kmsg: reading again after record %" PRIu64, k->hold_seq);
	return 0;
}

static void kmsg_spool_ready(struct agent *a, void *priv)
{
	struct kmsg_src *k = priv;
	int rc;

	if (!k->blocked)
		return;
	k->blocked = false;
	if (!k->dropped) {
		k->hold = false;
	} else {
		rc = kmsg_rewind(k);
		if (rc == 0) {
			k->hold = false;
			k->dropped = false;
		} else {
			log_warnx("kmsg: reports were dropped in memory and "
				  "%s cannot be read again (%s): the position "
				  "stays after record %" PRIu64 " so that the "
				  "next start reads them",
				  agent_config(a)->kmsg_path, strerror(-rc),
				  k->hold_seq);
		}
	}
	log_info("kmsg: the spool takes reports again: reading on");
	kmsg_pump(k);
}

/* ------------------------------------------------------------- the ops -- */

static bool kmsg_wanted(const struct agent_config *cfg)
{
	return cfg->kmsg;
}

static int kmsg_init(struct agent *a, void **priv)
{
	const char *path = agent_config(a)->kmsg_path;
	struct oops_parser_config pc = OOPS_PARSER_CONFIG_INIT;
	struct kmsg_src *k = calloc(1, sizeof(*k));
	struct stat st;

	if (k == NULL)
		return -ENOMEM;
	k->a = a;
	pc.max_report_bytes = CONFIG_MAX_REPORT_BYTES;
	pc.max_frames = CONFIG_MAX_FRAMES;
	k->pc = pc;
	k->parser = oops_parser_new(&pc);
	if (k->parser == NULL) {
		free(k);
		return -ENOMEM;
	}
	/* Opened as root: reading /dev/kmsg needs CAP_SYSLOG at open time
	 * when dmesg_restrict is set, not afterwards. */
	k->fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (k->fd < 0 || fstat(k->fd, &st) < 0) {
		int e = errno;

		log_warn("kmsg: %s", path);
		if (k->fd >= 0)
			close(k->fd);
		oops_parser_free(k->parser);
		free(k);
		return -e;
	}
	k->is_dev = S_ISCHR(st.st_mode);
	k->pollable = !S_ISREG(st.st_mode);
	ev_timer_init(&k->tick, kmsg_on_tick, k);
	ev_timer_init(&k->save, kmsg_on_save, k);
	*priv = k;
	return 0;
}

static int kmsg_start(struct agent *a, void *priv)
{
	struct kmsg_src *k = priv;
	int rc;

	kmsg_load_state(k);
	k->boundary_seq = k->skip_upto;
	if (k->pollable) {
		rc = evloop_add_fd(agent_loop(a), k->fd, EV_READ,
				   kmsg_on_readable, k);
		if (rc == -EPERM)
			k->pollable = false;
		else if (rc < 0)
			return rc;
		else
			k->watched = true;
	}
	/* A regular file cannot be polled: it is read to the end now. */
	if (!k->pollable)
		kmsg_pump(k);
	return 0;
}

static void kmsg_stop(struct agent *a, void *priv)
{
	struct kmsg_src *k = priv;
	struct evloop *loop = agent_loop(a);

	/* An open report stays unsent: the saved position is before it, so
	 * the next start parses it again. */
	kmsg_save_state(k);
	evloop_timer_disarm(loop, &k->tick);
	evloop_timer_disarm(loop, &k->save);
	if (k->watched)
		evloop_del_fd(loop, k->fd);
	close(k->fd);
	oops_parser_free(k->parser);
	free(k);
}

static void kmsg_status(struct agent *a, void *priv, FILE *out)
{
	struct kmsg_src *k = priv;

	fprintf(out, "kmsg_records %" PRIu64 "\n", k->records);
	fprintf(out, "kmsg_skipped %" PRIu64 "\n", k->skipped);
	fprintf(out, "kmsg_lost %" PRIu64 "\n", k->lost);
	fprintf(out, "kmsg_malformed %" PRIu64 "\n", k->malformed);
	fprintf(out, "kmsg_reports %" PRIu64 "\n", k->reports);
	fprintf(out, "kmsg_last_seq %" PRIu64 "\n", k->last_seq);
	fprintf(out, "kmsg_saved_seq %" PRIu64 "\n", k->saved_seq);
	fprintf(out, "kmsg_unspooled %" PRIu64 "\n", k->unspooled);
	fprintf(out, "kmsg_paused %d\n", k->blocked ? 1 : 0);
	fprintf(out, "kmsg_pauses %" PRIu64 "\n", k->pauses);
	fprintf(out, "kmsg_rewinds %" PRIu64 "\n", k->rewinds);
	fprintf(out, "kmsg_held %d\n", k->hold ? 1 : 0);
}

const struct agent_source_ops agent_source_kmsg = {
	.name = "kmsg",
	.tag = 'K',
	.wanted = kmsg_wanted,
	.init = kmsg_init,
	.start = kmsg_start,
	.stop = kmsg_stop,
	.status = kmsg_status,
	.spool_ready = kmsg_spool_ready,
};
