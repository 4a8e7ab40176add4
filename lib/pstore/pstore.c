// SPDX-License-Identifier: MIT
/*
 * pstore.c - the pstore reader's file-system side: read a directory
 * safely, and remove acknowledged entries with a crash-safe state file.
 * The analysis itself is in pstore_item.c and pstore_group.c.
 */
#include "pstore/pstore.h"
#include "pstore_internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/log.h"
#include "base/util.h"

/* A cut file keeps its header line: at most this many bytes of head. */
#define HEAD_BYTES 256
#define STATE_MAGIC "oopsd-pstore-state 1\n"
#define STATE_MAX_KEYS 65536

static void options_fill(struct pstore_options *o,
			 const struct pstore_options *in)
{
	if (in)
		*o = *in;
	else
		memset(o, 0, sizeof(*o));
	if (o->max_file_bytes == 0)
		o->max_file_bytes = 4u << 20;
	if (o->max_file_bytes < 2 * HEAD_BYTES)
		o->max_file_bytes = 2 * HEAD_BYTES;
	if (o->max_total_bytes == 0)
		o->max_total_bytes = 64u << 20;
	if (o->max_files == 0)
		o->max_files = 4096;
	if (o->console_tail_bytes == 0)
		o->console_tail_bytes = 8192;
}

static struct pstore_scan *scan_new(void)
{
	struct pstore_scan *s = calloc(1, sizeof(*s));

	if (s)
		s->dirfd = -1;
	return s;
}

void pstore_scan_free(struct pstore_scan *s)
{
	if (s == NULL)
		return;
	for (size_t i = 0; i < s->nitems; i++) {
		struct pstore_item *it = &s->items[i];

		if (it->report)
			oops_report_free(it->report);
		else
			free(it->text);
		free(it->files);
	}
	free(s->items);
	for (size_t i = 0; i < s->nfiles; i++) {
		free(s->files[i].name);
		free(s->files[i].raw);
		free(s->files[i].text);
	}
	free(s->files);
	free(s->attachments);
	if (s->dirfd >= 0)
		close(s->dirfd);
	free(s);
}

static struct pstore_file *file_add(struct pstore_scan *s, const char *name)
{
	struct pstore_file *nf, *f;

	nf = realloc(s->files, (s->nfiles + 1) * sizeof(*nf));
	if (nf == NULL)
		return NULL;
	s->files = nf;
	f = &nf[s->nfiles];
	memset(f, 0, sizeof(*f));
	f->name = strdup(name);
	if (f->name == NULL)
		return NULL;
	s->nfiles++;
	s->stats.files++;
	f->name_ok = pstore_parse_name(name, &f->pn) == 0;
	if (!f->name_ok)
		s->stats.bad_names++;
	return f;
}

/*
 * The same rule as for a big file: the head line (a dmesg header) and the
 * newest tail from a line boundary, into out (cap bytes).  Returns the
 * length kept.
 */
static size_t keep_head_tail(char *out, size_t cap, const char *in,
			     size_t len)
{
	const char *nl = memchr(in, '\n', len < HEAD_BYTES ? len : HEAD_BYTES);
	size_t head = nl ? (size_t)(nl - in) + 1 : 0, tail;
	const char *t;

	memcpy(out, in, head);
	tail = cap - head;
	t = in + len - tail;
	nl = memchr(t, '\n', tail);
	if (nl != NULL) {
		tail -= (size_t)(nl + 1 - t);
		t = nl + 1;
	}
	memcpy(out + head, t, tail);
	return head + tail;
}

int pstore_scan_mem(const struct pstore_blob *blobs, size_t n,
		    const struct pstore_options *opt, struct pstore_scan **out)
{
	struct pstore_options o;
	struct pstore_scan *s = scan_new();
	size_t total = 0;
	int rc;

	options_fill(&o, opt);
	if (s == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		struct pstore_file *f;
		size_t len = blobs[i].len;

		if (s->nfiles >= o.max_files) {
			s->stats.skipped++;
			continue;
		}
		f = file_add(s, blobs[i].name ? blobs[i].name : "");
		if (f == NULL)
			goto nomem;
		f->error = blobs[i].error;
		f->mtime_us = blobs[i].mtime_us;
		f->size = len;
		if (f->error) {
			s->stats.unreadable++;
			continue;
		}
		if (len > o.max_file_bytes) {
			len = o.max_file_bytes;
			f->cut = true;
			s->stats.cut++;
		}
		if (total + len > o.max_total_bytes) {
			f->error = -EFBIG;
			s->stats.skipped++;
			continue;
		}
		total += len;
		f->raw = malloc(len + 1);
		if (f->raw == NULL)
			goto nomem;
		if (f->cut)
			f->raw_len = keep_head_tail(f->raw, len, blobs[i].data,
						    blobs[i].len);
		else if (len > 0)
			memcpy(f->raw, blobs[i].data, len);
		if (!f->cut)
			f->raw_len = len;
		f->raw[f->raw_len] = '\0';
	}
	rc = pstore_scan_analyse(s, &o);
	if (rc < 0) {
		pstore_scan_free(s);
		return rc;
	}
	*out = s;
	return 0;
nomem:
	pstore_scan_free(s);
	return -ENOMEM;
}

/* Read up to len bytes at off (less at the end of the file): the count,
 * or -errno.  len is at most one allocation, so the count fits. */
static ssize_t read_full(int fd, char *buf, size_t len, off_t off)
{
	size_t got = 0;

	while (got < len) {
		ssize_t r = pread(fd, buf + got, len - got, off + (off_t)got);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (r == 0)
			break;
		got += (size_t)r;
	}
	return (ssize_t)got;
}

/*
 * Read one file: never through a symlink, never a FIFO or device (opening
 * with O_NONBLOCK so a FIFO cannot block us), at most max bytes.  A larger
 * file keeps its first line (the dmesg header) and its newest tail from a
 * line boundary, and is flagged cut.
 */
static int file_read(int dirfd, struct pstore_file *f, size_t max,
		     size_t *budget)
{
	struct stat st;
	size_t len, want, head = 0;
	char *buf;
	ssize_t n;
	int fd, rc;

	fd = openat(dirfd, f->name,
		    O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		rc = -errno;
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		rc = S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL;
		goto out;
	}
	f->size = (uint64_t)st.st_size;
	f->mtime_us = (int64_t)st.st_mtim.tv_sec * 1000000 +
		      st.st_mtim.tv_nsec / 1000;
	len = f->size > max ? max : (size_t)f->size;
	if (len > *budget) {
		rc = -EFBIG;
		goto out;
	}
	want = len;
	buf = malloc(len + 1);
	if (buf == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	if (f->size <= max) {
		n = read_full(fd, buf, len, 0);
	} else {
		char *nl;

		f->cut = true;
		n = read_full(fd, buf, HEAD_BYTES, 0);
		if (n >= 0) {
			nl = memchr(buf, '\n', (size_t)n);
			head = nl ? (size_t)(nl - buf) + 1 : 0;
			n = read_full(fd, buf + head, len - head,
				      (off_t)(f->size - (len - head)));
		}
		if (n >= 0) {
			size_t got = (size_t)n;

			/* Start the tail at a line boundary. */
			nl = memchr(buf + head, '\n', got);
			if (nl != NULL) {
				size_t skip = (size_t)(nl + 1 - (buf + head));

				memmove(buf + head, nl + 1, got - skip);
				got -= skip;
			}
			n = (ssize_t)got;
		}
	}
	if (n < 0) {
		rc = (int)n;
		free(buf);
		goto out;
	}
	/*
	 * The budget is charged with what was allocated, not with what was
	 * kept: a sparse file of gigabytes keeps a few lines of its tail but
	 * cost a max_file_bytes buffer.  Give back what was not used.
	 */
	*budget -= want;
	len = head + (size_t)n;
	if (len + 1 < want / 2) {
		/* Never 0 bytes: len <= want, and want + 1 was allocated. */
		// NOLINTNEXTLINE(clang-analyzer-optin.portability.UnixAPI)
		char *nb = realloc(buf, len + 1);

		if (nb != NULL)
			buf = nb;
	}
	buf[len] = '\0';
	f->raw = buf;
	f->raw_len = len;
	rc = 0;
out:
	close(fd);
	return rc;
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* systemd-pstore's reassembly of a dump: a copy of its parts. */
#define ARCHIVE_COPY "dmesg.txt"

/* A subdirectory (not a symlink to one); d_type may be unknown. */
static bool entry_is_dir(int dirfd, const struct dirent *de)
{
	struct stat st;

	if (de->d_type != DT_UNKNOWN)
		return de->d_type == DT_DIR;
	return fstatat(dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	       S_ISDIR(st.st_mode);
}

/*
 * Scan the open directory fd (taken over: closed on error, kept by the
 * scan).  An archive directory (systemd-pstore) skips its dmesg.txt copy
 * and its subdirectories without counting them, and is read-only.
 */
static int scan_fd(int fd, const char *dir, const struct pstore_options *opt,
		   bool archive, struct pstore_scan **out)
{
	struct pstore_options o;
	struct pstore_scan *s;
	char **names = NULL;
	size_t nnames = 0, budget;
	struct dirent *de;
	DIR *d = NULL;
	int dfd, rc = 0;

	options_fill(&o, opt);
	budget = o.max_total_bytes;
	s = scan_new();
	if (s == NULL) {
		close(fd);
		return -ENOMEM;
	}
	s->dirfd = fd;
	s->readonly = archive;
	dfd = dup(fd);
	d = dfd >= 0 ? fdopendir(dfd) : NULL;
	if (d == NULL) {
		rc = -errno;
		if (dfd >= 0)
			close(dfd); /* fdopendir failed: still ours */
		goto fail;
	}
	/* A dup shares the offset: the caller may have read fd already. */
	rewinddir(d);
	while ((de = readdir(d)) != NULL) {
		char **nn;

		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if (archive && (strcmp(de->d_name, ARCHIVE_COPY) == 0 ||
				entry_is_dir(fd, de)))
			continue;
		if (nnames >= o.max_files) {
			s->stats.skipped++;
			continue;
		}
		nn = realloc(names, (nnames + 1) * sizeof(*nn));
		if (nn == NULL) {
			rc = -ENOMEM;
			goto fail;
		}
		names = nn;
		names[nnames] = strdup(de->d_name);
		if (names[nnames] == NULL) {
			rc = -ENOMEM;
			goto fail;
		}
		nnames++;
	}
	closedir(d);
	d = NULL;
	/* Readdir order is arbitrary: sort so every scan is the same. */
	if (nnames > 1) /* qsort(NULL, 0) is undefined */
		qsort(names, nnames, sizeof(*names), cmp_name);
	for (size_t i = 0; i < nnames; i++) {
		struct pstore_file *f = file_add(s, names[i]);
		struct stat st;

		if (f == NULL) {
			rc = -ENOMEM;
			goto fail;
		}
		if (fstatat(fd, f->name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			f->error = -errno;
		else if (S_ISLNK(st.st_mode))
			f->error = -ELOOP;
		else if (!f->name_ok)
			continue; /* never read what we do not know */
		else
			f->error = file_read(fd, f, o.max_file_bytes, &budget);
		if (f->error == -ENOMEM) {
			rc = -ENOMEM;
			goto fail;
		}
		if (f->error == -EFBIG)
			s->stats.skipped++;
		else if (f->error)
			s->stats.unreadable++;
		if (f->cut)
			s->stats.cut++;
		if (f->error)
			log_debug("pstore: %s/%s: %s", dir, f->name,
				  strerror(-f->error));
	}
	if (o.read_done != NULL)
		o.read_done(o.read_done_arg);
	rc = pstore_scan_analyse(s, &o);
	if (rc < 0)
		goto fail;
	for (size_t i = 0; i < nnames; i++)
		free(names[i]);
	free(names);
	*out = s;
	return 0;
fail:
	if (d)
		closedir(d);
	for (size_t i = 0; i < nnames; i++)
		free(names[i]);
	free(names);
	pstore_scan_free(s);
	return rc;
}

int pstore_scan_dir(const char *dir, const struct pstore_options *opt,
		    struct pstore_scan **out)
{
	int fd;

	if (dir == NULL)
		dir = CONFIG_DEFAULT_PSTORE_DIR;
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	return scan_fd(fd, dir, opt, false, out);
}

bool pstore_dir_is_archive(const char *dir)
{
	struct dirent *de;
	bool yes = false;
	DIR *d = opendir(dir);

	if (d == NULL)
		return false;
	while (!yes && (de = readdir(d)) != NULL)
		yes = strcmp(de->d_name, ARCHIVE_COPY) == 0 ||
		      (de->d_name[0] != '.' && entry_is_dir(dirfd(d), de));
	closedir(d);
	return yes;
}

int pstore_scan_archive(const char *dir, const struct pstore_options *opt,
			pstore_archive_fn fn, void *arg,
			struct pstore_archive_stats *st)
{
	char *subs[PSTORE_ARCHIVE_MAX_DIRS];
	size_t nsubs = 0;
	struct pstore_scan *s;
	struct dirent *de;
	DIR *d;
	int top, fd, rc;

	memset(st, 0, sizeof(*st));
	top = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (top < 0)
		return -errno;
	fd = dup(top);
	d = fd >= 0 ? fdopendir(fd) : NULL;
	if (d == NULL) {
		rc = -errno;
		if (fd >= 0)
			close(fd);
		close(top);
		return rc;
	}
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0 || !entry_is_dir(top, de))
			continue;
		if (nsubs == PSTORE_ARCHIVE_MAX_DIRS) {
			st->dirs_skipped++;
			continue;
		}
		subs[nsubs] = strdup(de->d_name);
		if (subs[nsubs] == NULL) {
			st->dirs_skipped++;
			continue;
		}
		nsubs++;
	}
	closedir(d);
	if (nsubs > 1)
		qsort(subs, nsubs, sizeof(*subs), cmp_name);
	/* The top level: ramoops files, .enc.z, console, pmsg, ... */
	fd = dup(top);
	s = NULL;
	rc = fd < 0 ? -errno : scan_fd(fd, dir, opt, true, &s);
	if (rc == 0 && s != NULL) {
		st->scans++;
		fn(s, "", arg);
		pstore_scan_free(s);
	} else if (rc == -ENOMEM) {
		goto out;
	}
	/* One subdirectory per EFI/ERST dump: each a crash of its own. */
	for (size_t i = 0; i < nsubs; i++) {
		if (opt != NULL && opt->read_begin != NULL)
			opt->read_begin(opt->read_done_arg);
		fd = openat(top, subs[i],
			    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0) {
			st->dirs_unreadable++;
			log_debug("pstore: %s/%s: %s", dir, subs[i],
				  strerror(errno));
			continue;
		}
		s = NULL;
		rc = scan_fd(fd, subs[i], opt, true, &s);
		if (rc == -ENOMEM)
			goto out;
		if (rc < 0 || s == NULL) {
			st->dirs_unreadable++;
			continue;
		}
		st->scans++;
		fn(s, subs[i], arg);
		pstore_scan_free(s);
	}
	rc = 0;
out:
	for (size_t i = 0; i < nsubs; i++)
		free(subs[i]);
	close(top);
	return rc;
}

/* ------------------------------------------------------------ state -- */

struct state {
	uint64_t (*keys)[2];
	size_t n;
};

static int state_load(const char *path, struct state *st)
{
	char *buf = NULL, *line, *save = NULL;
	size_t len;
	int rc;

	memset(st, 0, sizeof(*st));
	rc = read_file_bounded(path, STATE_MAX_KEYS * 34 + 64, 1, &buf, &len);
	if (rc == -ENOENT)
		return 0;
	if (rc < 0)
		return rc;
	if (strncmp(buf, STATE_MAGIC, strlen(STATE_MAGIC)) != 0) {
		free(buf);
		return -EINVAL;
	}
	st->keys = calloc(len / 33 + 1, sizeof(*st->keys));
	if (st->keys == NULL) {
		free(buf);
		return -ENOMEM;
	}
	for (line = strtok_r(buf + strlen(STATE_MAGIC), "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		unsigned char k[16];
		uint64_t a = 0, b = 0;

		/* A line that does not parse is skipped, never fatal. */
		if (strlen(line) != 32 || hex_decode(line, k, sizeof(k)) != 16)
			continue;
		for (int i = 0; i < 8; i++) {
			a = a << 8 | k[i];
			b = b << 8 | k[8 + i];
		}
		st->keys[st->n][0] = a;
		st->keys[st->n][1] = b;
		st->n++;
	}
	free(buf);
	return 0;
}

static bool state_has(const struct state *st, const uint64_t key[2])
{
	for (size_t i = 0; i < st->n; i++)
		if (st->keys[i][0] == key[0] && st->keys[i][1] == key[1])
			return true;
	return false;
}

int pstore_state_apply(struct pstore_scan *s, const char *state_path)
{
	struct state st;
	int rc = state_load(state_path, &st), n = 0;

	if (rc < 0)
		return rc;
	for (size_t i = 0; i < s->nitems; i++)
		if (!s->items[i].acked && state_has(&st, s->items[i].key)) {
			s->items[i].acked = true;
			n++;
		}
	free(st.keys);
	return n;
}

/*
 * Write the acked keys of this scan.  Keys of earlier scans whose items
 * are not here any more are dropped: their files are gone.
 */
static int state_write(const struct pstore_scan *s, const char *path)
{
	size_t cap = strlen(STATE_MAGIC) + s->nitems * 33 + 1, o;
	char *buf = malloc(cap), *slash, dirbuf[4096];
	const char *base;
	int dfd, rc;

	if (buf == NULL)
		return -ENOMEM;
	o = (size_t)snprintf(buf, cap, "%s", STATE_MAGIC);
	for (size_t i = 0; i < s->nitems; i++) {
		if (!s->items[i].acked)
			continue;
		pstore_item_key_hex(&s->items[i], buf + o);
		o += 32;
		buf[o++] = '\n';
	}
	slash = strrchr(path, '/');
	if (slash == NULL) {
		str_lcpy(dirbuf, ".", sizeof(dirbuf));
		base = path;
	} else if ((size_t)(slash - path) >= sizeof(dirbuf)) {
		free(buf);
		return -ENAMETOOLONG;
	} else {
		memcpy(dirbuf, path, (size_t)(slash - path));
		dirbuf[slash - path] = '\0';
		if (slash == path)
			str_lcpy(dirbuf, "/", sizeof(dirbuf));
		base = slash + 1;
	}
	dfd = open(dirbuf, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		rc = -errno;
		free(buf);
		return rc;
	}
	rc = write_file_atomic(dfd, base, buf, o);
	close(dfd);
	free(buf);
	return rc;
}

static bool file_done(const struct pstore_scan *s, size_t f)
{
	for (size_t i = 0; i < s->nitems; i++) {
		const struct pstore_item *it = &s->items[i];

		if (it->acked)
			continue;
		for (size_t k = 0; k < it->nfiles; k++)
			if (it->files[k] == f)
				return false;
	}
	return true;
}

static int remove_file(struct pstore_scan *s, size_t f)
{
	if (s->files[f].error == -ENOENT)
		return 0;
	if (unlinkat(s->dirfd, s->files[f].name, 0) < 0) {
		if (errno == ENOENT)
			return 0;
		log_warn("pstore: cannot remove %s", s->files[f].name);
		return 0;
	}
	s->files[f].error = -ENOENT; /* gone */
	return 1;
}

/*
 * A file the scan read but no item uses: a dmesg dump without a report
 * (a Shutdown dump), uninitialised RAM, an unused console record.  Files
 * that could not be read, whose names did not parse, or that are not
 * regular files are never touched: we do not know what they hold.
 */
static bool file_unclaimed(const struct pstore_scan *s, size_t f)
{
	const struct pstore_file *pf = &s->files[f];

	return pf->name_ok && pf->error == 0 && pf->nitems == 0 &&
	       (pf->pn.type == PSTORE_TYPE_DMESG ||
		pf->pn.type == PSTORE_TYPE_CONSOLE);
}

int pstore_remove_unclaimed(struct pstore_scan *s)
{
	int removed = 0;

	if (s == NULL || s->dirfd < 0 || s->readonly)
		return -EINVAL;
	for (size_t i = 0; i < s->nitems; i++)
		if (!s->items[i].acked)
			return 0;
	for (size_t k = 0; k < s->nattachments; k++)
		removed += remove_file(s, s->attachments[k]);
	for (size_t f = 0; f < s->nfiles; f++)
		if (file_unclaimed(s, f))
			removed += remove_file(s, f);
	return removed;
}

int pstore_remove_entries(struct pstore_scan *s, size_t idx,
			  const char *state_path)
{
	struct pstore_item *it;
	bool was;
	int rc, removed = 0;

	if (s == NULL || idx >= s->nitems || s->dirfd < 0 || s->readonly ||
	    !state_path)
		return -EINVAL;
	it = &s->items[idx];
	/* Keys acked by an earlier run that crashed must stay acked. */
	rc = pstore_state_apply(s, state_path);
	if (rc < 0 && rc != -EINVAL)
		return rc;
	was = it->acked;
	it->acked = true;
	rc = state_write(s, state_path);
	if (rc < 0) {
		it->acked = was;
		return rc;
	}
	for (size_t k = 0; k < it->nfiles; k++)
		if (file_done(s, it->files[k]))
			removed += remove_file(s, it->files[k]);
	/* pmsg, ftrace and unused records belong to the boot: last one out. */
	rc = pstore_remove_unclaimed(s);
	return removed + (rc > 0 ? rc : 0);
}
