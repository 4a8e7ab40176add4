// SPDX-License-Identifier: MIT
/*
 * source_pstore.c - the previous boot's crash, from pstore (lib/pstore.h)
 * and from the archive systemd-pstore moves it to at boot
 * (pstore_archive), scanned at start-up and on SIGHUP.
 *
 * The archive is read-only for us: its reports are sent once (the seen
 * file remembers them, acknowledged or not, as long as the archive keeps
 * them) and nothing there is deleted.  A report has the same key in both
 * places, so one seen entry covers it wherever it is found.
 *
 * Each distinct report becomes a record whose meta is the item's key (32
 * hex digits).  Once the collector acknowledged it, the key comes back to
 * pstore_acked(), which calls pstore_remove_entries() when pstore_remove
 * is on: the files go only when every report they hold is acknowledged.
 *
 * state_dir/pstore.seen remembers, per item key, the boot id the item
 * was attributed to when first seen and whether it was acknowledged:
 *  - the record id hashes the crashed boot's id, so an item still in
 *    pstore a reboot later (collector unreachable meanwhile) keeps the
 *    same id and is deduplicated instead of counted twice;
 *  - with pstore_remove = no, acknowledged items are not sent again at
 *    each start.
 * Lines: "KEY BOOT_ID ACKED"; only keys still in pstore are kept.
 *
 * Nothing is lost on a full spool: pstore files stay until acknowledged,
 * so a report the agent could not keep even in memory (-ENOBUFS) is read
 * again by the next scan, which runs when the spool takes records again
 * (spool_ready), on SIGHUP and at the next start.
 */
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "agent.h"
#include "base/log.h"
#include "pstore/pstore_record.h"
#include "record/record.h"
#include "sources.h"
#include "base/util.h"

#define PSTORE_SEEN "pstore.seen"
#define PSTORE_STATE "pstore.state"
#define PSTORE_SEEN_MAX 4096

/*
 * The scan's file counters (struct pstore_stats) in the status file, as
 * pstore_NAME, summed over scans: a file still there at the next scan
 * (SIGHUP, a rescan when the spool takes records again, a restart with
 * pstore_remove = no) is counted again.
 */
static const struct {
	const char *name;
	size_t off;
} pstore_file_counters[] = {
	{ "files_read", offsetof(struct pstore_stats, files) },
	{ "unreadable", offsetof(struct pstore_stats, unreadable) },
	{ "bad_names", offsetof(struct pstore_stats, bad_names) },
	{ "cut", offsetof(struct pstore_stats, cut) },
	{ "files_skipped", offsetof(struct pstore_stats, skipped) },
	{ "bad_headers", offsetof(struct pstore_stats, bad_headers) },
	{ "undecodable", offsetof(struct pstore_stats, undecodable) },
	{ "over_budget", offsetof(struct pstore_stats, over_budget) },
	{ "garbage", offsetof(struct pstore_stats, garbage) },
	{ "dumps", offsetof(struct pstore_stats, dumps) },
	{ "duplicates_merged",
	  offsetof(struct pstore_stats, duplicates_merged) },
	{ "consequences_merged",
	  offsetof(struct pstore_stats, consequences_merged) },
};

#define PSTORE_FILE_COUNTERS \
	(sizeof(pstore_file_counters) / sizeof(pstore_file_counters[0]))
_Static_assert(sizeof(struct pstore_stats) ==
		       PSTORE_FILE_COUNTERS * sizeof(unsigned int),
	       "every counter of struct pstore_stats (all unsigned int) is "
	       "listed in pstore_file_counters");

struct pstore_seen {
	char key[33];
	char boot[33];
	bool acked;
	bool present;	/* found by this scan round (not saved) */
	bool emitted;	/* handed to the spool by this process (not saved) */
};

struct pstore_src {
	struct agent *a;
	struct pstore_scan *scan;
	char state_path[4096];
	struct pstore_seen *seen; /* grown as needed: most boards have few */
	size_t nseen, seen_cap;
	bool rescan_wanted;	/* a report was kept nowhere: scan again */
	bool seen_changed;
	int64_t boot_start_us;	/* unix time this boot started */
	/* counters */
	uint64_t scans, items, sent, skipped_acked, removed_files,
		remove_errors, scan_errors;
	uint64_t archive_scans, archive_items, archive_sent,
		archive_skipped, archive_dirs_unreadable;
	uint64_t files[PSTORE_FILE_COUNTERS]; /* pstore_file_counters */
};

/* ----------------------------------------------------------- seen file -- */

/* Room for one more entry (at most PSTORE_SEEN_MAX).  0 or -ENOMEM. */
static int pstore_seen_grow(struct pstore_src *p)
{
	struct pstore_seen *ns;
	size_t ncap;

	if (p->nseen < p->seen_cap)
		return 0;
	ncap = p->seen_cap ? 2 * p->seen_cap : 16;
	if (ncap > PSTORE_SEEN_MAX)
		ncap = PSTORE_SEEN_MAX;
	if (ncap <= p->nseen)
		return -ENOMEM;
	ns = realloc(p->seen, ncap * sizeof(*ns));
	if (ns == NULL)
		return -ENOMEM;
	p->seen = ns;
	p->seen_cap = ncap;
	return 0;
}

/* The state directory's fd is the agent's, open until after every source
 * stopped: borrowed here, never closed. */
static void pstore_seen_load(struct pstore_src *p)
{
	char *buf = NULL, *line, *save = NULL;
	size_t len;

	p->nseen = 0;
	if (read_fileat_bounded(agent_state_dirfd(p->a), PSTORE_SEEN,
				PSTORE_SEEN_MAX * 80, &buf, &len) < 0)
		return;
	for (line = strtok_r(buf, "\n", &save);
	     line != NULL && pstore_seen_grow(p) == 0;
	     line = strtok_r(NULL, "\n", &save)) {
		struct pstore_seen *s = &p->seen[p->nseen];
		int acked;

		if (sscanf(line, "%32s %32s %d", s->key, s->boot, &acked) != 3 ||
		    strlen(s->key) != 32)
			continue;
		s->acked = acked != 0;
		p->nseen++;
	}
	free(buf);
}

static void pstore_seen_print(FILE *f, void *arg)
{
	const struct pstore_src *p = arg;

	for (size_t i = 0; i < p->nseen; i++)
		fprintf(f, "%s %s %d\n", p->seen[i].key,
			p->seen[i].boot[0] ? p->seen[i].boot : "-",
			p->seen[i].acked);
}

static void pstore_seen_save(struct pstore_src *p)
{
	agent_state_save(p->a, "pstore", PSTORE_SEEN, pstore_seen_print, p);
}

static struct pstore_seen *pstore_seen_find(struct pstore_src *p,
					    const char *key)
{
	for (size_t i = 0; i < p->nseen; i++)
		if (strcmp(p->seen[i].key, key) == 0)
			return &p->seen[i];
	return NULL;
}

/*
 * A scan round (start-up, SIGHUP, spool ready) reads /sys/fs/pstore and
 * the archive.  Every key found is noted (new ones with the boot they are
 * attributed to); at the end of a round where every place could be read,
 * keys found nowhere are forgotten.  A key found in both places is one
 * entry: a report moved by systemd-pstore keeps its boot and its acked
 * state, so it is neither sent again nor given another record id.
 */
static void pstore_seen_round_begin(struct pstore_src *p)
{
	for (size_t i = 0; i < p->nseen; i++)
		p->seen[i].present = false;
	p->seen_changed = false;
}

static struct pstore_seen *pstore_seen_note(struct pstore_src *p,
					    const char *key, const char *boot)
{
	struct pstore_seen *s = pstore_seen_find(p, key);

	if (s == NULL) {
		if (pstore_seen_grow(p) < 0)
			return NULL;
		s = &p->seen[p->nseen++];
		memset(s, 0, sizeof(*s));
		memcpy(s->key, key, sizeof(s->key));
		str_lcpy(s->boot, boot, sizeof(s->boot));
		p->seen_changed = true;
	}
	s->present = true;
	return s;
}

static void pstore_seen_round_end(struct pstore_src *p, bool complete)
{
	size_t n = 0;

	for (size_t i = 0; i < p->nseen; i++) {
		if (complete && !p->seen[i].present) {
			p->seen_changed = true;
			continue;
		}
		p->seen[n++] = p->seen[i];
	}
	p->nseen = n;
	if (p->seen_changed)
		pstore_seen_save(p);
}

/* ---------------------------------------------------------------- scan -- */

static void pstore_read_done(void *arg)
{
	agent_dac(arg, false);
}

static void pstore_read_begin(void *arg)
{
	agent_dac(arg, true);
}

/* Delete an item's files (with the capability, which is on but while
 * pstore content is decoded and parsed). */
static int pstore_remove_dac(struct pstore_src *p, size_t i)
{
	agent_dac(p->a, true);
	return pstore_remove_entries(p->scan, i, p->state_path);
}

static void pstore_options_init(struct pstore_src *p,
				struct pstore_options *opt,
				struct oops_parser_config *pc)
{
	memset(opt, 0, sizeof(*opt));
	pc->max_report_bytes = CONFIG_MAX_REPORT_BYTES;
	pc->max_frames = CONFIG_MAX_FRAMES;
	opt->parser = pc;
	/* The right to read root-only files while they are read, and not
	 * while their hostile content is decoded and parsed. */
	opt->read_done = pstore_read_done;
	opt->read_begin = pstore_read_begin;
	opt->read_done_arg = p->a;
}

static void pstore_add_counters(struct pstore_src *p,
				const struct pstore_scan *scan)
{
	for (size_t i = 0; i < PSTORE_FILE_COUNTERS; i++) {
		unsigned int v;

		memcpy(&v, (const char *)&scan->stats +
				   pstore_file_counters[i].off,
		       sizeof(v));
		p->files[i] += v;
	}
}

/*
 * Item i of scan made into a record, attributed to the boot its seen
 * entry s (may be NULL) noted, and handed to agent_emit() as key (32 hex
 * digits).  false, counted as a scan error, when no record could be made;
 * else true with agent_emit()'s result in *erc.
 */
static bool pstore_emit(struct pstore_src *p, struct pstore_scan *scan,
			size_t i, const struct pstore_seen *s, const char *key,
			enum agent_emit_result *erc)
{
	struct pstore_record rec;

	if (pstore_item_record(scan, i, &rec) < 0) {
		p->scan_errors++;
		return false;
	}
	if (s != NULL && s->boot[0] && strcmp(s->boot, "-") != 0) {
		rec.origin.boot_id = s->boot;
		rec.origin.boot_id_is_crashed_boot = true;
	}
	*erc = agent_emit(p->a, &agent_source_pstore, rec.report, &rec.origin,
			  key, 32);
	pstore_record_release(&rec);
	return true;
}

/* /sys/fs/pstore.  false when it could not be read. */
static bool pstore_scan_live(struct pstore_src *p)
{
	const struct agent_config *cfg = agent_config(p->a);
	const struct agent_identity *id = agent_identity(p->a);
	struct oops_parser_config pc = OOPS_PARSER_CONFIG_INIT;
	struct pstore_options opt;
	struct pstore_scan *scan = NULL;
	int rc;

	if (cfg->pstore_dir[0] == '\0')
		return true;
	pstore_options_init(p, &opt, &pc);
	p->scans++;
	/* read_done lowers the capability once the files are read, so
	 * their content is decoded and parsed without it; back after. */
	agent_dac(p->a, true);
	rc = pstore_scan_dir(cfg->pstore_dir, &opt, &scan);
	agent_dac(p->a, true);
	if (rc < 0) {
		p->scan_errors++;
		if (rc == -ENOENT)
			log_info("pstore: %s does not exist (pstore not "
				 "mounted?)", cfg->pstore_dir);
		else
			log_warnx("pstore: %s: %s", cfg->pstore_dir,
				  strerror(-rc));
		return rc == -ENOENT;
	}
	pstore_scan_free(p->scan);
	p->scan = scan;
	pstore_add_counters(p, scan);
	rc = pstore_state_apply(scan, p->state_path);
	if (rc < 0)
		log_warnx("pstore: %s: %s", p->state_path, strerror(-rc));
	if (scan->nitems > 0 || scan->stats.files > 0)
		log_info("pstore: %s: %u files, %zu reports",
			 cfg->pstore_dir, scan->stats.files, scan->nitems);
	for (size_t i = 0; i < scan->nitems; i++) {
		struct pstore_item *it = &scan->items[i];
		struct pstore_seen *s;
		char key[33];
		enum agent_emit_result erc;

		p->items++;
		pstore_item_key_hex(it, key);
		/* The previous boot's id when the agent saw it, else none. */
		s = pstore_seen_note(p, key, id->prev_boot_id);
		if (it->acked || (s != NULL && s->acked)) {
			p->skipped_acked++;
			/* Acknowledged, but a crash may have come between the
			 * state write and the unlinking: finish it. */
			if (cfg->pstore_remove && it->acked)
				pstore_remove_dac(p, i);
			continue;
		}
		if (!pstore_emit(p, scan, i, s, key, &erc))
			continue;
		if (erc == AGENT_EMIT_SPOOLED || erc == AGENT_EMIT_DUPLICATE)
			p->sent++;
		else if (erc == AGENT_EMIT_DROPPED)
			p->rescan_wanted = true;
		if (s != NULL && erc != AGENT_EMIT_DROPPED)
			s->emitted = true;
	}
	return true;
}

/* The archive's files are copies made at boot: is this one of today's? */
static const char *pstore_archive_boot(struct pstore_src *p,
				       const struct pstore_item *it)
{
	const struct agent_identity *id = agent_identity(p->a);

	/*
	 * systemd-pstore moved it during this boot: it is the previous
	 * boot's crash (the boot the agent knew, else none).  An older file
	 * is a crash of some earlier boot: not attributed.
	 */
	if (p->boot_start_us > 0 && it->mtime_us > 0 &&
	    it->mtime_us >= p->boot_start_us - 600 * 1000000LL)
		return id->prev_boot_id;
	return "";
}

static void pstore_archive_scan(struct pstore_scan *scan, const char *subdir,
				void *arg)
{
	struct pstore_src *p = arg;

	p->archive_scans++;
	pstore_add_counters(p, scan);
	for (size_t i = 0; i < scan->nitems; i++) {
		struct pstore_item *it = &scan->items[i];
		struct pstore_seen *s;
		char key[33];
		enum agent_emit_result erc;

		p->archive_items++;
		pstore_item_key_hex(it, key);
		s = pstore_seen_note(p, key, pstore_archive_boot(p, it));
		if (s == NULL) {
			p->scan_errors++;
			continue;
		}
		/*
		 * Acknowledged (read here or in /sys/fs/pstore before
		 * systemd-pstore moved it), or already spooled by this
		 * process: once is enough.  Never deleted here.
		 */
		if (s->acked || s->emitted) {
			p->archive_skipped++;
			continue;
		}
		if (!pstore_emit(p, scan, i, s, key, &erc))
			continue;
		if (erc == AGENT_EMIT_DROPPED) {
			p->rescan_wanted = true;
		} else {
			s->emitted = true;
			if (erc == AGENT_EMIT_SPOOLED)
				p->archive_sent++;
		}
	}
}

static void pstore_do_scan(struct pstore_src *p)
{
	const struct agent_config *cfg = agent_config(p->a);
	struct oops_parser_config pc = OOPS_PARSER_CONFIG_INIT;
	struct pstore_archive_stats as;
	struct pstore_options opt;
	bool complete;
	int rc;

	pstore_seen_round_begin(p);
	complete = pstore_scan_live(p);
	/* Off (CONFIG_AGENT_PSTORE_ARCHIVE=n): no archive code is built. */
	if (ENABLE_AGENT_PSTORE_ARCHIVE && cfg->pstore_archive[0] != '\0') {
		pstore_options_init(p, &opt, &pc);
		agent_dac(p->a, true);
		rc = pstore_scan_archive(cfg->pstore_archive, &opt,
					 pstore_archive_scan, p, &as);
		agent_dac(p->a, true);
		p->archive_dirs_unreadable += as.dirs_unreadable;
		if (rc < 0 && rc != -ENOENT) {
			p->scan_errors++;
			complete = false;
			log_warnx("pstore: %s: %s", cfg->pstore_archive,
				  strerror(-rc));
		} else if (rc == 0 && as.dirs_unreadable > 0) {
			complete = false;
		}
	}
	pstore_seen_round_end(p, complete);
}

/* ------------------------------------------------------------- the ops -- */

static bool pstore_wanted(const struct agent_config *cfg)
{
	return cfg->pstore_dir[0] != '\0' ||
	       (ENABLE_AGENT_PSTORE_ARCHIVE && cfg->pstore_archive[0] != '\0');
}

static int pstore_init(struct agent *a, void **priv)
{
	struct pstore_src *p = calloc(1, sizeof(*p));

	if (p == NULL)
		return -ENOMEM;
	p->a = a;
	snprintf(p->state_path, sizeof(p->state_path), "%s/%s",
		 agent_config(a)->state_dir, PSTORE_STATE);
	if (ENABLE_AGENT_PSTORE_ARCHIVE)
		p->boot_start_us = boot_start_realtime_us();
	*priv = p;
	return 0;
}

static int pstore_start(struct agent *a, void *priv)
{
	struct pstore_src *p = priv;

	pstore_seen_load(p);
	pstore_do_scan(p);
	return 0;
}

static void pstore_rescan(struct agent *a, void *priv)
{
	pstore_do_scan(priv);
}

static void pstore_spool_ready(struct agent *a, void *priv)
{
	struct pstore_src *p = priv;

	if (!p->rescan_wanted)
		return;
	p->rescan_wanted = false;
	log_info("pstore: the spool takes records again: scanning again");
	pstore_do_scan(p);
}

static void pstore_acked(struct agent *a, void *priv, const uint8_t *meta,
			 size_t len, const char *id)
{
	struct pstore_src *p = priv;
	char key[33];
	struct pstore_seen *s;

	if (len != 32)
		return;
	memcpy(key, meta, 32);
	key[32] = '\0';
	s = pstore_seen_find(p, key);
	if (s != NULL && !s->acked) {
		s->acked = true;
		pstore_seen_save(p);
	}
	/* Only /sys/fs/pstore is ours to clean; the archive never is. */
	if (!agent_config(a)->pstore_remove || p->scan == NULL)
		return;
	for (size_t i = 0; i < p->scan->nitems; i++) {
		char k[33];
		int rc;

		pstore_item_key_hex(&p->scan->items[i], k);
		if (strcmp(k, key) != 0)
			continue;
		rc = pstore_remove_dac(p, i);
		if (rc < 0) {
			p->remove_errors++;
			log_warnx("pstore: record %s: cannot remove its "
				  "files: %s", id, strerror(-rc));
		} else if (rc > 0) {
			p->removed_files += (uint64_t)rc;
			log_info("pstore: record %s acknowledged, %d file(s) "
				 "removed", id, rc);
		}
		return;
	}
}

static void pstore_stop(struct agent *a, void *priv)
{
	struct pstore_src *p = priv;

	pstore_scan_free(p->scan);
	free(p->seen);
	free(p);
}

static void pstore_status(struct agent *a, void *priv, FILE *out)
{
	struct pstore_src *p = priv;

	fprintf(out, "pstore_scans %" PRIu64 "\n", p->scans);
	fprintf(out, "pstore_items %" PRIu64 "\n", p->items);
	fprintf(out, "pstore_sent %" PRIu64 "\n", p->sent);
	fprintf(out, "pstore_skipped_acked %" PRIu64 "\n", p->skipped_acked);
	fprintf(out, "pstore_removed_files %" PRIu64 "\n", p->removed_files);
	fprintf(out, "pstore_remove_errors %" PRIu64 "\n", p->remove_errors);
	fprintf(out, "pstore_scan_errors %" PRIu64 "\n", p->scan_errors);
	if (ENABLE_AGENT_PSTORE_ARCHIVE) {
		fprintf(out, "pstore_archive_scans %" PRIu64 "\n",
			p->archive_scans);
		fprintf(out, "pstore_archive_items %" PRIu64 "\n",
			p->archive_items);
		fprintf(out, "pstore_archive_sent %" PRIu64 "\n",
			p->archive_sent);
		fprintf(out, "pstore_archive_skipped %" PRIu64 "\n",
			p->archive_skipped);
		fprintf(out, "pstore_archive_dirs_unreadable %" PRIu64 "\n",
			p->archive_dirs_unreadable);
	}
	for (size_t i = 0; i < PSTORE_FILE_COUNTERS; i++)
		fprintf(out, "pstore_%s %" PRIu64 "\n",
			pstore_file_counters[i].name, p->files[i]);
}

const struct agent_source_ops agent_source_pstore = {
	.name = "pstore",
	.tag = 'P',
	.keep_dac_override = true,
	.wanted = pstore_wanted,
	.init = pstore_init,
	.start = pstore_start,
	.stop = pstore_stop,
	.rescan = pstore_rescan,
	.spool_ready = pstore_spool_ready,
	.acked = pstore_acked,
	.status = pstore_status,
};
