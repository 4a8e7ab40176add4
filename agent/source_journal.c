// SPDX-License-Identifier: MIT
/*
 * source_journal.c - the kernel messages the persistent systemd journal
 * kept of boots the agent did not run in: a boot that crashed or hung
 * before the agent started, a boot where the agent was stopped.  Their
 * WARNINGs, hangs and stalls never reached pstore and kmsg did not see
 * them.
 *
 * Read once, at start-up, in init() (as root: the journal files belong to
 * root and the systemd-journal group; before the seccomp filter: sd-journal
 * maps files and watches directories).  state_dir/journal.state holds
 * "since USEC" (the agent's first start: older boots are history, not
 * sent, so a first install does not flood the collector) and the boot ids
 * already done, watched (the agent ran in them: kmsg covered them) or
 * read.  Each boot's kernel messages (_TRANSPORT=kernel) go through the
 * crash parser as "[seconds] message" lines; every report becomes a
 * record (origin journal) of that boot, the crashed boot.  A boot is
 * marked done once its reports are handed to the spool; the record ids
 * are stable (the boot id and the text), so a start that dies half way
 * sends nothing the collector would count twice.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-journal.h>

#include "agent.h"
#include "base/log.h"
#include "base/util.h"
#include "parse/oops.h"
#include "record/record.h"
#include "sources.h"

#define JOURNAL_STATE "journal.state"
#define JOURNAL_MAX_BOOTS 1024		/* remembered, newest kept */
#define JOURNAL_MAX_ENTRIES 200000	/* per boot */
#define JOURNAL_MAX_BYTES (32u << 20)	/* of messages per boot */

struct journal_src {
	struct agent *a;
	uint64_t since_us;
	char (*done)[33];
	size_t ndone;
	uint64_t boots_read, boots_old, reports, sent, errors;
};

static bool journal_done(const struct journal_src *s, const char *boot)
{
	for (size_t i = 0; i < s->ndone; i++)
		if (strcmp(s->done[i], boot) == 0)
			return true;
	return false;
}

static void journal_mark(struct journal_src *s, const char *boot)
{
	char(*nd)[33];

	if (journal_done(s, boot))
		return;
	if (s->ndone == JOURNAL_MAX_BOOTS) {
		memmove(s->done, s->done + 1, (s->ndone - 1) * sizeof(*s->done));
		s->ndone--;
	}
	nd = realloc(s->done, (s->ndone + 1) * sizeof(*nd));
	if (nd == NULL)
		return;
	s->done = nd;
	str_lcpy(s->done[s->ndone++], boot, sizeof(*s->done));
}

static void journal_load(struct journal_src *s)
{
	char *buf = NULL, *line, *save = NULL;
	size_t len;

	if (read_fileat_bounded(agent_state_dirfd(s->a), JOURNAL_STATE,
				(JOURNAL_MAX_BOOTS + 2) * 40, &buf, &len) < 0)
		return;
	for (line = strtok_r(buf, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		unsigned long long v;

		if (sscanf(line, "since %llu", &v) == 1)
			s->since_us = v;
		else if (strlen(line) == 32)
			journal_mark(s, line);
	}
	free(buf);
}

static void journal_print(FILE *f, void *arg)
{
	const struct journal_src *s = arg;

	fprintf(f, "since %" PRIu64 "\n", s->since_us);
	for (size_t i = 0; i < s->ndone; i++)
		fprintf(f, "%s\n", s->done[i]);
}

static void journal_save(struct journal_src *s)
{
	agent_state_save(s->a, "journal", JOURNAL_STATE, journal_print, s);
}

/* The field's value ("NAME=value" in data), or NULL. */
static const char *journal_field(sd_journal *j, const char *name, size_t *n)
{
	const void *d;
	size_t l, k = strlen(name);

	if (sd_journal_get_data(j, name, &d, &l) < 0 || l <= k ||
	    ((const char *)d)[k] != '=')
		return NULL;
	*n = l - k - 1;
	return (const char *)d + k + 1;
}

/* One boot's kernel messages through the parser; each report emitted. */
static int journal_read_boot(struct journal_src *s, sd_journal *j,
			     const char *boot)
{
	struct oops_parser_config pc = OOPS_PARSER_CONFIG_INIT;
	struct oops_parser *p;
	struct oops_report *r;
	char match[64], line[4200];
	uint64_t first_us = 0, entries = 0, bytes = 0;
	int rc;

	sd_journal_flush_matches(j);
	snprintf(match, sizeof(match), "_BOOT_ID=%s", boot);
	if (sd_journal_add_match(j, match, 0) < 0 ||
	    sd_journal_add_match(j, "_TRANSPORT=kernel", 0) < 0)
		return -ENOMEM;
	rc = sd_journal_seek_head(j);
	if (rc < 0)
		return rc;
	pc.max_report_bytes = CONFIG_MAX_REPORT_BYTES;
	pc.max_frames = CONFIG_MAX_FRAMES;
	p = oops_parser_new(&pc);
	if (p == NULL)
		return -ENOMEM;
	while (sd_journal_next(j) > 0 && entries < JOURNAL_MAX_ENTRIES &&
	       bytes < JOURNAL_MAX_BYTES) {
		const char *msg, *ts;
		size_t n, tn;
		uint64_t us = 0, rt;
		int len;

		if (first_us == 0 && sd_journal_get_realtime_usec(j, &rt) == 0) {
			first_us = rt;
			/* Older than the agent's first start: history. */
			if (rt < s->since_us) {
				oops_parser_free(p);
				s->boots_old++;
				return 0;
			}
		}
		msg = journal_field(j, "MESSAGE", &n);
		if (msg == NULL)
			continue;
		/* The kernel's own time of the message, as printk shows it. */
		ts = journal_field(j, "_SOURCE_MONOTONIC_TIMESTAMP", &tn);
		if (ts != NULL)
			us = strtoull(ts, NULL, 10);
		else
			sd_journal_get_monotonic_usec(j, &us, NULL);
		if (n > 4000)
			n = 4000;
		len = snprintf(line, sizeof(line), "[%5" PRIu64 ".%06" PRIu64
			       "] %.*s\n", us / 1000000, us % 1000000, (int)n,
			       msg);
		if (len > 0 && oops_parser_feed(p, line, (size_t)len, 0) < 0)
			break;
		entries++;
		bytes += n;
	}
	oops_parser_finish(p, 0);
	s->boots_read++;
	while ((r = oops_parser_next(p)) != NULL) {
		struct record_origin o = RECORD_ORIGIN_INIT;
		const char *files[1] = { "journal" };

		s->reports++;
		o.source = RECORD_SOURCE_JOURNAL;
		o.files = files;
		o.nfiles = 1;
		o.boot_id = boot;
		o.boot_id_is_crashed_boot = true;
		if (agent_emit(s->a, &agent_source_journal, r, &o, NULL, 0) ==
		    AGENT_EMIT_SPOOLED)
			s->sent++;
		oops_report_free(r);
	}
	oops_parser_free(p);
	return 0;
}

static void journal_scan(struct journal_src *s)
{
	const struct agent_config *cfg = agent_config(s->a);
	const char *me = agent_identity(s->a)->boot_id;
	char (*boots)[33] = NULL;
	size_t nboots = 0;
	const void *d;
	size_t l;
	sd_journal *j = NULL;
	int rc;

	rc = cfg->journal_dir[0] ?
		     sd_journal_open_directory(&j, cfg->journal_dir, 0) :
		     sd_journal_open(&j, SD_JOURNAL_LOCAL_ONLY |
						 SD_JOURNAL_SYSTEM);
	if (rc < 0) {
		s->errors++;
		log_info("journal: cannot open%s%s: %s",
			 cfg->journal_dir[0] ? " " : "", cfg->journal_dir,
			 strerror(-rc));
		return;
	}
	/* The boot ids first: the matches below reset the enumeration. */
	if (sd_journal_query_unique(j, "_BOOT_ID") >= 0) {
		SD_JOURNAL_FOREACH_UNIQUE(j, d, l) {
			char(*nb)[33];

			if (l != 9 + 32 || nboots == JOURNAL_MAX_BOOTS)
				continue;
			nb = realloc(boots, (nboots + 1) * sizeof(*nb));
			if (nb == NULL)
				break;
			boots = nb;
			memcpy(boots[nboots], (const char *)d + 9, 32);
			boots[nboots][32] = '\0';
			nboots++;
		}
	}
	for (size_t i = 0; i < nboots; i++) {
		if (strcmp(boots[i], me) == 0 || journal_done(s, boots[i]))
			continue;
		rc = journal_read_boot(s, j, boots[i]);
		if (rc < 0) {
			s->errors++;
			log_warnx("journal: boot %s: %s", boots[i],
				  strerror(-rc));
			continue;
		}
		journal_mark(s, boots[i]);
	}
	free(boots);
	sd_journal_close(j);
}

static bool journal_wanted(const struct agent_config *cfg)
{
	return cfg->journal;
}

static int journal_init(struct agent *a, void **priv)
{
	struct journal_src *s = calloc(1, sizeof(*s));
	const char *me = agent_identity(a)->boot_id;

	if (s == NULL)
		return -ENOMEM;
	s->a = a;
	*priv = s;
	journal_load(s);
	if (s->since_us == 0) {
		/* First start: every boot before is history. */
		s->since_us = (uint64_t)now_realtime_us();
	} else {
		journal_scan(s);
	}
	if (me[0])
		journal_mark(s, me); /* watched: kmsg covers it */
	journal_save(s);
	if (s->boots_read > 0)
		log_info("journal: %" PRIu64 " unwatched boot(s) read, %" PRIu64
			 " report(s)", s->boots_read, s->reports);
	return 0;
}

static void journal_stop(struct agent *a, void *priv)
{
	struct journal_src *s = priv;

	free(s->done);
	free(s);
}

static void journal_status(struct agent *a, void *priv, FILE *out)
{
	struct journal_src *s = priv;

	fprintf(out, "journal_boots_read %" PRIu64 "\n", s->boots_read);
	fprintf(out, "journal_boots_old %" PRIu64 "\n", s->boots_old);
	fprintf(out, "journal_reports %" PRIu64 "\n", s->reports);
	fprintf(out, "journal_sent %" PRIu64 "\n", s->sent);
	fprintf(out, "journal_errors %" PRIu64 "\n", s->errors);
}

const struct agent_source_ops agent_source_journal = {
	.name = "journal",
	.tag = 'J',
	.wanted = journal_wanted,
	.init = journal_init,
	.stop = journal_stop,
	.status = journal_status,
};
