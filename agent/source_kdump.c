// SPDX-License-Identifier: MIT
/*
 * source_kdump.c - crashes kdump-tools saved: kdump_dir (default
 * /var/crash) holds a directory per crash named by the capture time
 * (`date +%Y%m%d%H%M`, KDUMP_STAMP), with dmesg.STAMP, the crashed
 * kernel's log (makedumpfile --dump-dmesg: "[   33.305254] ..." lines),
 * next to the vmcore (dump.STAMP, never read here).
 *
 * Each dmesg file is parsed once at start-up and on SIGHUP; every report
 * in it becomes a record (origin kdump, file "STAMP/dmesg.STAMP").
 * state_dir/kdump.seen remembers "STAMP#N BOOT ACKED" per report, so an
 * acknowledged report is not sent again by a later start, and a report
 * sent again before its ack keeps its boot and so its record id (the
 * collector dedupes).  Nothing in kdump_dir is deleted: kdump-tools
 * purges old crashes itself (KDUMP_NUM_DUMPS).
 *
 * The crashed boot: kdump-tools writes the directory from the capture
 * kernel right after the crash, and the machine then boots again.  A
 * directory written shortly before this boot started is the previous
 * boot's crash (the boot id the agent saw last, when it ran then); an
 * older one is some earlier boot's, not attributed.  The release comes
 * from the report, else from the log's "Linux version" line.
 *
 * Every input is hostile: names are checked (12 digits), directories and
 * files are opened without following symlinks, files are read with a
 * bound, at most KDUMP_MAX_DIRS directories are looked at.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "agent.h"
#include "base/log.h"
#include "base/util.h"
#include "parse/oops.h"
#include "record/record.h"
#include "sources.h"

#define KDUMP_SEEN "kdump.seen"
#define KDUMP_MAX_DIRS 256
#define KDUMP_MAX_REPORTS 64	/* per dmesg file */
#define KDUMP_MAX_SEEN (KDUMP_MAX_DIRS * 8)
#define KDUMP_MAX_BYTES (16u << 20)
#define KDUMP_STAMP_LEN 12
/* The capture kernel saves and reboots within this much of the crash. */
#define KDUMP_BOOT_WINDOW_US (3600 * 1000000LL)

struct kdump_seen {
	char id[24];	/* "STAMP#N" */
	char boot[33];
	bool acked;
	bool present, emitted;
};

struct kdump_src {
	struct agent *a;
	struct kdump_seen *seen;
	size_t nseen;
	bool changed;
	int64_t boot_start_us;
	uint64_t scans, dirs, reports, sent, skipped, unreadable,
		bad_names, scan_errors;
};

/* ----------------------------------------------------------- seen file -- */

static struct kdump_seen *kdump_seen_find(struct kdump_src *k, const char *id)
{
	for (size_t i = 0; i < k->nseen; i++)
		if (strcmp(k->seen[i].id, id) == 0)
			return &k->seen[i];
	return NULL;
}

static struct kdump_seen *kdump_seen_add(struct kdump_src *k, const char *id,
					 const char *boot)
{
	struct kdump_seen *ns, *s;

	if (k->nseen == KDUMP_MAX_SEEN)
		return NULL;
	ns = realloc(k->seen, (k->nseen + 1) * sizeof(*ns));
	if (ns == NULL)
		return NULL;
	k->seen = ns;
	s = &k->seen[k->nseen++];
	memset(s, 0, sizeof(*s));
	str_lcpy(s->id, id, sizeof(s->id));
	str_lcpy(s->boot, boot[0] ? boot : "-", sizeof(s->boot));
	k->changed = true;
	return s;
}

static void kdump_seen_load(struct kdump_src *k)
{
	char *buf = NULL, *line, *save = NULL;
	size_t len;

	if (read_fileat_bounded(agent_state_dirfd(k->a), KDUMP_SEEN,
				KDUMP_MAX_SEEN * 64, &buf, &len) < 0)
		return;
	for (line = strtok_r(buf, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		char id[24], boot[33];
		struct kdump_seen *s;
		int acked;

		if (sscanf(line, "%23s %32s %d", id, boot, &acked) != 3 ||
		    kdump_seen_find(k, id) != NULL)
			continue;
		s = kdump_seen_add(k, id, boot);
		if (s == NULL)
			break;
		s->acked = acked != 0;
	}
	k->changed = false;
	free(buf);
}

static void kdump_seen_print(FILE *f, void *arg)
{
	const struct kdump_src *k = arg;

	for (size_t i = 0; i < k->nseen; i++)
		fprintf(f, "%s %s %d\n", k->seen[i].id, k->seen[i].boot,
			k->seen[i].acked);
}

static void kdump_seen_save(struct kdump_src *k)
{
	if (agent_state_save(k->a, "kdump", KDUMP_SEEN, kdump_seen_print, k) ==
	    0)
		k->changed = false;
}

/* ---------------------------------------------------------------- scan -- */

static bool kdump_stamp_ok(const char *name)
{
	if (strlen(name) != KDUMP_STAMP_LEN)
		return false;
	for (const char *c = name; *c; c++)
		if (*c < '0' || *c > '9')
			return false;
	return true;
}

/* STAMP (local time, to the minute) as unix microseconds, or -1. */
static int64_t kdump_stamp_time(const char *stamp)
{
	struct tm tm;
	time_t t;

	memset(&tm, 0, sizeof(tm));
	if (sscanf(stamp, "%4d%2d%2d%2d%2d", &tm.tm_year, &tm.tm_mon,
		   &tm.tm_mday, &tm.tm_hour, &tm.tm_min) != 5)
		return -1;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	tm.tm_isdst = -1;
	t = mktime(&tm);
	return t == (time_t)-1 ? -1 : (int64_t)t * 1000000;
}

/* "Linux version 6.1.0-13-amd64 (...)": the release, into buf. */
static bool kdump_release(const char *text, size_t len, char *buf,
			  size_t size)
{
	const char *p = memmem(text, len, "Linux version ", 14);
	size_t n = 0;

	if (p == NULL)
		return false;
	p += 14;
	while (p + n < text + len && n + 1 < size && p[n] != ' ' &&
	       p[n] != '\n' && (unsigned char)p[n] > ' ')
		n++;
	if (n == 0)
		return false;
	memcpy(buf, p, n);
	buf[n] = '\0';
	return true;
}

static void kdump_emit(struct kdump_src *k, const char *stamp,
		       const char *file, struct oops_report *r, int n,
		       const char *boot, int64_t crash_us)
{
	struct record_origin o = RECORD_ORIGIN_INIT;
	const char *files[1] = { file };
	char id[24];
	struct kdump_seen *s;
	enum agent_emit_result erc;

	snprintf(id, sizeof(id), "%s#%d", stamp, n);
	s = kdump_seen_find(k, id);
	if (s == NULL)
		s = kdump_seen_add(k, id, boot);
	if (s == NULL) {
		k->scan_errors++;
		return;
	}
	s->present = true;
	if (s->acked || s->emitted) {
		k->skipped++;
		return;
	}
	o.source = RECORD_SOURCE_KDUMP;
	o.files = files;
	o.nfiles = 1;
	o.crash_time_us = crash_us;
	if (strcmp(s->boot, "-") != 0) {
		o.boot_id = s->boot;
		o.boot_id_is_crashed_boot = true;
	}
	erc = agent_emit(k->a, &agent_source_kdump, r, &o, id, strlen(id));
	if (erc == AGENT_EMIT_SPOOLED)
		k->sent++;
	if (erc != AGENT_EMIT_DROPPED)
		s->emitted = true;
}

/* One crash directory: parse its dmesg file, emit each report. */
static void kdump_dir_scan(struct kdump_src *k, int top, const char *stamp)
{
	const struct agent_identity *id = agent_identity(k->a);
	struct oops_parser_config pc = OOPS_PARSER_CONFIG_INIT;
	char name[32], file[64], rel[64];
	struct oops_parser *p;
	struct oops_report *r;
	const char *boot = "";
	char *text = NULL;
	struct stat st;
	size_t len;
	int64_t crash_us;
	int fd, n = 0;

	fd = openat(top, stamp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		k->unreadable++;
		return;
	}
	snprintf(name, sizeof(name), "dmesg.%s", stamp);
	snprintf(file, sizeof(file), "%s/%s", stamp, name);
	if (fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		close(fd); /* no log saved (makedumpfile failed): nothing */
		return;
	}
	if (!S_ISREG(st.st_mode) ||
	    read_fileat_bounded(fd, name, KDUMP_MAX_BYTES, &text, &len) < 0) {
		k->unreadable++;
		close(fd);
		return;
	}
	close(fd);
	k->dirs++;
	/* Saved just before this boot: the previous boot crashed. */
	if (k->boot_start_us > 0 &&
	    (int64_t)st.st_mtim.tv_sec * 1000000 >=
		    k->boot_start_us - KDUMP_BOOT_WINDOW_US &&
	    (int64_t)st.st_mtim.tv_sec * 1000000 <=
		    k->boot_start_us + 300 * 1000000LL)
		boot = id->prev_boot_id;
	crash_us = kdump_stamp_time(stamp);
	if (!kdump_release(text, len, rel, sizeof(rel)))
		rel[0] = '\0';
	pc.max_report_bytes = CONFIG_MAX_REPORT_BYTES;
	pc.max_frames = CONFIG_MAX_FRAMES;
	p = oops_parser_new(&pc);
	if (p == NULL || oops_parser_feed(p, text, len, 0) < 0) {
		k->scan_errors++;
		oops_parser_free(p);
		free(text);
		return;
	}
	oops_parser_finish(p, 0);
	while ((r = oops_parser_next(p)) != NULL) {
		if (n < KDUMP_MAX_REPORTS) {
			if (r->release == NULL && rel[0])
				r->release = strdup(rel);
			k->reports++;
			kdump_emit(k, stamp, file, r, n, boot, crash_us);
		}
		n++;
		oops_report_free(r);
	}
	oops_parser_free(p);
	free(text);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void kdump_scan(struct kdump_src *k)
{
	const char *dir = agent_config(k->a)->kdump_dir;
	char *names[KDUMP_MAX_DIRS];
	size_t n = 0, kept = 0;
	struct dirent *de;
	bool complete = true;
	DIR *d;
	int top;

	k->scans++;
	top = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (top < 0) {
		if (errno != ENOENT) {
			k->scan_errors++;
			log_warn("kdump: %s", dir);
		}
		return;
	}
	d = fdopendir(dup(top));
	if (d == NULL) {
		k->scan_errors++;
		close(top);
		return;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		/* kdump_config, the "kexec_cmd" of some versions, ... */
		if (!kdump_stamp_ok(de->d_name)) {
			k->bad_names++;
			continue;
		}
		if (n == KDUMP_MAX_DIRS) {
			complete = false;
			continue;
		}
		names[n] = strdup(de->d_name);
		if (names[n] != NULL)
			n++;
	}
	closedir(d);
	if (n > 1)
		qsort(names, n, sizeof(*names), cmp_str);
	for (size_t i = 0; i < k->nseen; i++)
		k->seen[i].present = false;
	for (size_t i = 0; i < n; i++) {
		kdump_dir_scan(k, top, names[i]);
		free(names[i]);
	}
	close(top);
	/* Forget crashes kdump-tools purged (only after a full look). */
	for (size_t i = 0; i < k->nseen; i++) {
		if (complete && !k->seen[i].present) {
			k->changed = true;
			continue;
		}
		k->seen[kept++] = k->seen[i];
	}
	k->nseen = kept;
	if (k->changed)
		kdump_seen_save(k);
}

/* ------------------------------------------------------------- the ops -- */

static bool kdump_wanted(const struct agent_config *cfg)
{
	return cfg->kdump_dir[0] != '\0';
}

static int kdump_init(struct agent *a, void **priv)
{
	struct kdump_src *k = calloc(1, sizeof(*k));

	if (k == NULL)
		return -ENOMEM;
	k->a = a;
	k->boot_start_us = boot_start_realtime_us();
	*priv = k;
	return 0;
}

static int kdump_start(struct agent *a, void *priv)
{
	struct kdump_src *k = priv;

	kdump_seen_load(k);
	kdump_scan(k);
	return 0;
}

static void kdump_rescan(struct agent *a, void *priv)
{
	kdump_scan(priv);
}

static void kdump_acked(struct agent *a, void *priv, const uint8_t *meta,
			size_t len, const char *rid)
{
	struct kdump_src *k = priv;
	struct kdump_seen *s;
	char id[24];

	if (len == 0 || len >= sizeof(id))
		return;
	memcpy(id, meta, len);
	id[len] = '\0';
	s = kdump_seen_find(k, id);
	if (s != NULL && !s->acked) {
		s->acked = true;
		kdump_seen_save(k);
	}
}

static void kdump_stop(struct agent *a, void *priv)
{
	struct kdump_src *k = priv;

	if (k->changed)
		kdump_seen_save(k);
	free(k->seen);
	free(k);
}

static void kdump_status(struct agent *a, void *priv, FILE *out)
{
	struct kdump_src *k = priv;

	fprintf(out, "kdump_scans %" PRIu64 "\n", k->scans);
	fprintf(out, "kdump_dirs %" PRIu64 "\n", k->dirs);
	fprintf(out, "kdump_reports %" PRIu64 "\n", k->reports);
	fprintf(out, "kdump_sent %" PRIu64 "\n", k->sent);
	fprintf(out, "kdump_skipped %" PRIu64 "\n", k->skipped);
	fprintf(out, "kdump_unreadable %" PRIu64 "\n", k->unreadable);
	fprintf(out, "kdump_bad_names %" PRIu64 "\n", k->bad_names);
	fprintf(out, "kdump_scan_errors %" PRIu64 "\n", k->scan_errors);
}

const struct agent_source_ops agent_source_kdump = {
	.name = "kdump",
	.tag = 'D',
	/* /var/crash/STAMP is root's (kdump-tools writes it 0700/0600). */
	.keep_dac_override = true,
	.wanted = kdump_wanted,
	.init = kdump_init,
	.start = kdump_start,
	.stop = kdump_stop,
	.rescan = kdump_rescan,
	.acked = kdump_acked,
	.status = kdump_status,
};
