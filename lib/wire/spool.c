// SPDX-License-Identifier: MIT
/*
 * spool.c - see spool.h.
 */
#include "wire/spool.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "base/log.h"
#include "base/hash.h"
#include "base/util.h"

#define SPOOL_MAGIC "OOPSSP01"
#define SPOOL_QUARANTINE "quarantine"
#define SPOOL_NAME_LEN 20 /* 16 hex digits + ".rec" */

/*
 * Index entry of one pending record: 8 bytes, everything else stays on
 * disk (10,000 pending records cost 80 KiB of memory).  The sequence
 * number is kept relative to spool.base; sizes are asked of the file
 * system when a record leaves.
 */
struct spool_slot {
	uint32_t rel; /* seq - spool.base; 0: removed, awaiting compaction */
	uint32_t idhash;
};

struct spool {
	int dirfd;
	char *dir;
	uint64_t max_bytes, max_records;
	struct spool_slot *slots;
	size_t head, n, cap; /* live slots are in [head, n), some dead */
	uint64_t base;	     /* slot seq = base + rel */
	size_t dead;
	uint64_t next_seq;
	struct spool_stats st;
	/* Creation time of the oldest record, read from its file when the
	 * oldest changes (only the status needs it). */
	uint64_t oldest_seq;
	int64_t oldest_us;
};

/*
 * Only a filter, kept in memory (rebuilt from the files at open, never
 * written), so any hash does: the full id is compared on a match.  Record
 * ids are themselves hashes of the record, nothing a peer chooses.
 */
static uint32_t spool_idhash(const void *id, size_t len)
{
	uint64_t h = fnv1a64(FNV1A64_INIT, id, len);

	return (uint32_t)(h ^ (h >> 32));
}

static uint64_t slot_seq(const struct spool *s, const struct spool_slot *sl)
{
	return s->base + sl->rel;
}

/* seq relative to the base, or 0 when no slot can hold it. */
static uint32_t seq_rel(const struct spool *s, uint64_t seq)
{
	return seq > s->base && seq - s->base <= UINT32_MAX
		       ? (uint32_t)(seq - s->base)
		       : 0;
}

static void put_le32(unsigned char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static uint32_t get_le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static void put_le64(unsigned char *p, uint64_t v)
{
	put_le32(p, (uint32_t)v);
	put_le32(p + 4, (uint32_t)(v >> 32));
}

static uint64_t get_le64(const unsigned char *p)
{
	return (uint64_t)get_le32(p) | (uint64_t)get_le32(p + 4) << 32;
}

static void spool_name(uint64_t seq, char name[SPOOL_NAME_LEN + 1])
{
	snprintf(name, SPOOL_NAME_LEN + 1, "%016" PRIx64 ".rec", seq);
}

/* "%016x.rec" -> seq, or 0 when the name is not a record file. */
static uint64_t spool_parse_name(const char *name)
{
	uint64_t seq = 0;

	if (strlen(name) != SPOOL_NAME_LEN || strcmp(name + 16, ".rec") != 0)
		return 0;
	for (int i = 0; i < 16; i++) {
		char c = name[i];
		int v;

		if (c >= '0' && c <= '9')
			v = c - '0';
		else if (c >= 'a' && c <= 'f')
			v = c - 'a' + 10;
		else
			return 0;
		seq = seq << 4 | (uint64_t)v;
	}
	return seq;
}

/*
 * Check a whole spool file in memory and point item's fields into it.
 * 0 or -EBADMSG.
 */
static int spool_parse(unsigned char *buf, size_t len, struct spool_item *it)
{
	uint32_t id_len, meta_len, rec_len, crc;

	if (len < SPOOL_HDR_SIZE || memcmp(buf, SPOOL_MAGIC, 8) != 0)
		return -EBADMSG;
	id_len = get_le32(buf + 8);
	meta_len = get_le32(buf + 12);
	rec_len = get_le32(buf + 16);
	crc = get_le32(buf + 20);
	if (id_len == 0 || id_len > SPOOL_MAX_ID || meta_len > SPOOL_MAX_META ||
	    rec_len > SPOOL_MAX_REC ||
	    (uint64_t)SPOOL_HDR_SIZE + id_len + meta_len + rec_len != len)
		return -EBADMSG;
	if (crc32(0L, buf + SPOOL_HDR_SIZE, (uInt)(len - SPOOL_HDR_SIZE)) != crc)
		return -EBADMSG;
	it->buf = buf;
	it->created_us = (int64_t)get_le64(buf + 24);
	it->id = buf + SPOOL_HDR_SIZE;
	it->id_len = id_len;
	it->meta = it->id + id_len;
	it->meta_len = meta_len;
	it->rec = it->meta + meta_len;
	it->rec_len = rec_len;
	return 0;
}

static int spool_read(struct spool *s, const char *name, struct spool_item *it)
{
	char *buf;
	size_t len;
	int rc;

	rc = read_fileat_bounded(s->dirfd, name,
				 SPOOL_HDR_SIZE + SPOOL_MAX_ID + SPOOL_MAX_META +
					 SPOOL_MAX_REC,
				 &buf, &len);
	if (rc == -EFBIG || rc == -EINVAL)
		return -EBADMSG;
	if (rc < 0)
		return rc;
	rc = spool_parse((unsigned char *)buf, len, it);
	if (rc < 0)
		free(buf);
	return rc;
}

/* Move a bad file out of the way; the spool goes on without it. */
static void spool_quarantine(struct spool *s, const char *name,
			     const char *why)
{
	char dst[64];

	s->st.quarantined++;
	if (mkdirat(s->dirfd, SPOOL_QUARANTINE, 0700) < 0 && errno != EEXIST) {
		log_warn("spool: %s/%s is %s; cannot create %s, deleting it",
			 s->dir, name, why, SPOOL_QUARANTINE);
		unlinkat(s->dirfd, name, 0);
		return;
	}
	snprintf(dst, sizeof(dst), SPOOL_QUARANTINE "/%s", name);
	if (renameat(s->dirfd, name, s->dirfd, dst) < 0) {
		log_warn("spool: %s/%s is %s; cannot quarantine it, deleting it",
			 s->dir, name, why);
		unlinkat(s->dirfd, name, 0);
		return;
	}
	log_warnx("spool: %s/%s is %s: moved to %s/%s", s->dir, name, why,
		  s->dir, dst);
}

static int spool_slot_cmp(const void *a, const void *b)
{
	const struct spool_slot *x = a, *y = b;

	return x->rel < y->rel ? -1 : x->rel > y->rel;
}

static int spool_append(struct spool *s, const struct spool_slot *slot)
{
	int rc = array_grow((void **)&s->slots, &s->cap, s->n + 1,
			    sizeof(*s->slots));

	if (rc < 0)
		return rc;
	s->slots[s->n++] = *slot;
	return 0;
}

/* Drop the dead slots once they are many; keeps lookups O(log n). */
static void spool_compact(struct spool *s)
{
	size_t o = 0;

	if (s->dead < 64 || s->dead * 2 < s->n - s->head)
		return;
	for (size_t i = s->head; i < s->n; i++)
		if (s->slots[i].rel != 0)
			s->slots[o++] = s->slots[i];
	s->n = o;
	s->head = 0;
	s->dead = 0;
	if (s->cap > 64 && s->n < s->cap / 4) {
		struct spool_slot *ns =
			realloc(s->slots, s->cap / 2 * sizeof(*ns));

		if (ns != NULL) {
			s->slots = ns;
			s->cap /= 2;
		}
	}
}

/*
 * The index of the first live slot whose seq is above after (s->n: none).
 * Dead slots keep their place until compaction: a probe that lands on one
 * looks at the next live slot.
 */
static size_t spool_first_after(const struct spool *s, uint64_t after)
{
	size_t lo = s->head, hi = s->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		size_t j = mid;

		while (j < hi && s->slots[j].rel == 0)
			j++;
		if (j == hi)
			hi = mid;
		else if (slot_seq(s, &s->slots[j]) <= after)
			lo = j + 1;
		else
			hi = mid;
	}
	while (lo < s->n && s->slots[lo].rel == 0)
		lo++;
	return lo;
}

static struct spool_slot *spool_find(const struct spool *s, uint64_t seqno)
{
	uint32_t seq = seq_rel(s, seqno);
	size_t i;

	if (seq == 0)
		return NULL;
	/* seq_rel() != 0: seqno is above the base, seqno - 1 cannot wrap. */
	i = spool_first_after(s, seqno - 1);
	return i < s->n && s->slots[i].rel == seq ? &s->slots[i] : NULL;
}

/* The size of a record file, or -1 when it cannot be known. */
static int64_t spool_file_size(const struct spool *s, uint64_t seq)
{
	char name[SPOOL_NAME_LEN + 1];
	struct stat st;

	spool_name(seq, name);
	if (fstatat(s->dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return -1;
	return st.st_size;
}

/* The byte count again from the files, after one vanished unseen. */
static void spool_recount(struct spool *s)
{
	s->st.bytes = 0;
	for (size_t i = s->head; i < s->n; i++) {
		int64_t sz;

		if (s->slots[i].rel == 0)
			continue;
		sz = spool_file_size(s, slot_seq(s, &s->slots[i]));
		if (sz > 0)
			s->st.bytes += (uint64_t)sz;
	}
}

/* The slot leaves the index; size: its file's, or -1 when unknown. */
static void spool_forget(struct spool *s, struct spool_slot *slot,
			 int64_t size)
{
	s->st.pending--;
	slot->rel = 0;
	s->dead++;
	while (s->head < s->n && s->slots[s->head].rel == 0) {
		s->head++;
		s->dead--;
	}
	if (s->head == s->n) {
		s->head = s->n = 0;
		s->dead = 0;
		/* Nothing pending: restart the relative numbering. */
		s->base = s->next_seq - 1;
	}
	spool_compact(s);
	if (size < 0 || (uint64_t)size > s->st.bytes)
		spool_recount(s);
	else
		s->st.bytes -= (uint64_t)size;
}

static int spool_scan(struct spool *s)
{
	DIR *d;
	struct dirent *de;
	int fd = dup(s->dirfd);

	if (fd < 0)
		return -errno;
	d = fdopendir(fd);
	if (d == NULL) {
		int e = errno;

		close(fd);
		return -e;
	}
	/* Size the index once: growing it by doubling would leave the
	 * smaller copies behind in the heap (resident memory on a board
	 * that restarts with a long backlog). */
	s->base = UINT64_MAX;
	while ((de = readdir(d)) != NULL) {
		uint64_t seq = spool_parse_name(de->d_name);

		if (seq == 0)
			continue;
		s->cap++;
		if (seq - 1 < s->base)
			s->base = seq - 1;
	}
	if (s->base == UINT64_MAX)
		s->base = 0;
	rewinddir(d);
	if (s->cap < 64)
		s->cap = 64;
	s->slots = malloc(s->cap * sizeof(*s->slots));
	if (s->slots == NULL) {
		s->cap = 0;
		closedir(d);
		return -ENOMEM;
	}
	while ((de = readdir(d)) != NULL) {
		struct spool_item it;
		struct spool_slot slot;
		uint64_t seq;
		size_t size, nlen = strlen(de->d_name);
		int rc;

		if (de->d_name[0] == '.' && nlen > 4 &&
		    strcmp(de->d_name + nlen - 4, ".tmp") == 0) {
			/* An interrupted spool_put(): never acknowledged to
			 * its source, which produces the record again. */
			unlinkat(s->dirfd, de->d_name, 0);
			continue;
		}
		seq = spool_parse_name(de->d_name);
		if (seq == 0)
			continue;
		if (seq_rel(s, seq) == 0 || seq == UINT64_MAX) {
			/* Only a hand-made name is 2^32 records away from the
			 * oldest (or would leave no next number). */
			spool_quarantine(s, de->d_name, "out of sequence range");
			continue;
		}
		rc = spool_read(s, de->d_name, &it);
		if (rc == -EBADMSG) {
			spool_quarantine(s, de->d_name, "corrupt");
			continue;
		}
		if (rc < 0) {
			log_warn("spool: cannot read %s/%s", s->dir,
				 de->d_name);
			errno = -rc;
			continue;
		}
		slot.rel = seq_rel(s, seq);
		slot.idhash = spool_idhash(it.id, it.id_len);
		size = SPOOL_HDR_SIZE + it.id_len + it.meta_len + it.rec_len;
		spool_item_clear(&it);
		if (spool_append(s, &slot) < 0) {
			closedir(d);
			return -ENOMEM;
		}
		s->st.pending++;
		s->st.bytes += size;
		if (seq >= s->next_seq)
			s->next_seq = seq + 1;
	}
	closedir(d);
	if (s->n > 1) /* qsort(NULL, 0) is undefined */
		qsort(s->slots, s->n, sizeof(*s->slots), spool_slot_cmp);
	return 0;
}

struct spool *spool_open(const char *dir, uint64_t max_bytes,
			 uint64_t max_records, int *err)
{
	struct spool *s = calloc(1, sizeof(*s));
	int rc;

	if (s == NULL) {
		*err = -ENOMEM;
		return NULL;
	}
	s->dirfd = -1;
	s->next_seq = 1;
	s->max_bytes = max_bytes;
	s->max_records = max_records;
	s->dir = strdup(dir);
	if (s->dir == NULL) {
		rc = -ENOMEM;
		goto fail;
	}
	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		rc = -errno;
		goto fail;
	}
	s->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (s->dirfd < 0) {
		rc = -errno;
		goto fail;
	}
	rc = spool_scan(s);
	if (rc < 0)
		goto fail;
	if (s->st.pending > 0)
		log_info("spool: %s: %" PRIu64 " records pending", dir,
			 s->st.pending);
	return s;
fail:
	spool_free(s);
	*err = rc;
	return NULL;
}

void spool_free(struct spool *s)
{
	if (s == NULL)
		return;
	if (s->dirfd >= 0)
		close(s->dirfd);
	free(s->slots);
	free(s->dir);
	free(s);
}

static bool spool_has_id(struct spool *s, uint32_t h, const void *id,
			 size_t id_len)
{
	for (size_t i = s->head; i < s->n; i++) {
		struct spool_item it;
		char name[SPOOL_NAME_LEN + 1];
		bool same;

		if (s->slots[i].rel == 0 || s->slots[i].idhash != h)
			continue;
		spool_name(slot_seq(s, &s->slots[i]), name);
		if (spool_read(s, name, &it) < 0)
			continue;
		same = it.id_len == id_len && memcmp(it.id, id, id_len) == 0;
		spool_item_clear(&it);
		if (same)
			return true;
	}
	return false;
}

/* Delete the oldest records until `need` more bytes and one more record fit. */
static void spool_make_room(struct spool *s, uint64_t need)
{
	uint64_t dropped = 0;

	while (s->st.pending > 0 &&
	       ((s->max_records && s->st.pending + 1 > s->max_records) ||
		(s->max_bytes && s->st.bytes + need > s->max_bytes))) {
		struct spool_slot *old = &s->slots[s->head];
		char name[SPOOL_NAME_LEN + 1];
		int64_t size = spool_file_size(s, slot_seq(s, old));

		spool_name(slot_seq(s, old), name);
		if (unlinkat(s->dirfd, name, 0) < 0 && errno != ENOENT)
			log_warn("spool: cannot delete %s/%s", s->dir, name);
		spool_forget(s, old, size);
		s->st.dropped++;
		dropped++;
	}
	if (dropped > 0)
		log_warnx("spool: %s full: dropped the %" PRIu64
			  " oldest record(s) (%" PRIu64 " in total)",
			  s->dir, dropped, s->st.dropped);
}

/*
 * Move the base up to the oldest pending record so that the next sequence
 * number fits a slot again (after 2^32 records without an empty spool).
 * 0, or -EOVERFLOW when even the oldest pending record is that far back.
 */
static int spool_rebase(struct spool *s)
{
	uint64_t nbase = s->next_seq - 1;
	uint32_t d;

	for (size_t i = s->head; i < s->n; i++) {
		if (s->slots[i].rel != 0) {
			nbase = slot_seq(s, &s->slots[i]) - 1;
			break;
		}
	}
	if (s->next_seq - nbase > UINT32_MAX)
		return -EOVERFLOW;
	d = (uint32_t)(nbase - s->base);
	for (size_t i = s->head; i < s->n; i++)
		if (s->slots[i].rel != 0)
			s->slots[i].rel -= d;
	s->base = nbase;
	return 0;
}

/* The whole file image of a record (malloc'd), or NULL. */
static unsigned char *spool_build(const void *id, size_t id_len,
				  const void *meta, size_t meta_len,
				  const void *rec, size_t rec_len,
				  int64_t created_us)
{
	size_t len = SPOOL_HDR_SIZE + id_len + meta_len + rec_len;
	unsigned char *buf = malloc(len);

	if (buf == NULL)
		return NULL;
	// NOLINTNEXTLINE(bugprone-not-null-terminated-result): binary magic
	memcpy(buf, SPOOL_MAGIC, 8);
	put_le32(buf + 8, (uint32_t)id_len);
	put_le32(buf + 12, (uint32_t)meta_len);
	put_le32(buf + 16, (uint32_t)rec_len);
	memcpy(buf + SPOOL_HDR_SIZE, id, id_len);
	if (meta_len)
		memcpy(buf + SPOOL_HDR_SIZE + id_len, meta, meta_len);
	if (rec_len)
		memcpy(buf + SPOOL_HDR_SIZE + id_len + meta_len, rec, rec_len);
	put_le32(buf + 20, (uint32_t)crc32(0L, buf + SPOOL_HDR_SIZE,
					   (uInt)(len - SPOOL_HDR_SIZE)));
	put_le64(buf + 24, (uint64_t)created_us);
	return buf;
}

int spool_put(struct spool *s, const void *id, size_t id_len,
	      const void *meta, size_t meta_len, const void *rec,
	      size_t rec_len, uint64_t *seqp)
{
	struct spool_slot slot;
	char name[SPOOL_NAME_LEN + 1];
	unsigned char *buf;
	size_t len;
	uint32_t h;
	int rc;

	if (id_len == 0 || id_len > SPOOL_MAX_ID || meta_len > SPOOL_MAX_META ||
	    rec_len > SPOOL_MAX_REC)
		return -EINVAL;
	h = spool_idhash(id, id_len);
	if (spool_has_id(s, h, id, id_len)) {
		s->st.duplicates++;
		return 0;
	}
	len = SPOOL_HDR_SIZE + id_len + meta_len + rec_len;
	if (s->max_bytes && len > s->max_bytes)
		return -EFBIG;
	buf = spool_build(id, id_len, meta, meta_len, rec, rec_len,
			  now_realtime_us());
	if (buf == NULL)
		return -ENOMEM;

	spool_make_room(s, len);
	if (seq_rel(s, s->next_seq) == 0 && spool_rebase(s) < 0) {
		free(buf);
		s->st.write_errors++;
		return -EOVERFLOW;
	}
	slot.rel = seq_rel(s, s->next_seq);
	slot.idhash = h;
	spool_name(s->next_seq, name);
	rc = write_file_atomic(s->dirfd, name, buf, len);
	free(buf);
	if (rc < 0) {
		/* The rename may have happened before a failing directory
		 * fsync: the file must not outlive a failed put. */
		unlinkat(s->dirfd, name, 0);
		s->st.write_errors++;
		return rc;
	}
	rc = spool_append(s, &slot);
	if (rc < 0) {
		unlinkat(s->dirfd, name, 0);
		s->st.write_errors++;
		return rc;
	}
	s->next_seq++;
	s->st.pending++;
	s->st.bytes += len;
	s->st.stored++;
	if (seqp)
		*seqp = slot_seq(s, &slot);
	return 1;
}

int spool_next(const struct spool *s, uint64_t after, uint64_t *seq)
{
	size_t i = spool_first_after(s, after);

	if (i == s->n)
		return -ENOENT;
	*seq = slot_seq(s, &s->slots[i]);
	return 0;
}

int spool_load(struct spool *s, uint64_t seq, struct spool_item *item)
{
	struct spool_slot *slot = spool_find(s, seq);
	char name[SPOOL_NAME_LEN + 1];
	int rc;

	memset(item, 0, sizeof(*item));
	if (slot == NULL)
		return -ENOENT;
	spool_name(seq, name);
	rc = spool_read(s, name, item);
	if (rc == -EBADMSG || rc == -ENOENT) {
		int64_t size = spool_file_size(s, seq);

		if (rc == -EBADMSG)
			spool_quarantine(s, name, "corrupt");
		else
			log_warnx("spool: %s/%s vanished", s->dir, name);
		spool_forget(s, slot, size);
		return rc == -EBADMSG ? -EBADMSG : -ENOENT;
	}
	if (rc < 0)
		return rc;
	item->seq = seq;
	return 0;
}

void spool_item_clear(struct spool_item *item)
{
	free(item->buf);
	memset(item, 0, sizeof(*item));
}

int spool_remove(struct spool *s, uint64_t seq)
{
	struct spool_slot *slot = spool_find(s, seq);
	char name[SPOOL_NAME_LEN + 1];

	int64_t size;

	if (slot == NULL)
		return -ENOENT;
	size = spool_file_size(s, seq);
	spool_name(seq, name);
	if (unlinkat(s->dirfd, name, 0) < 0 && errno != ENOENT)
		log_warn("spool: cannot delete %s/%s", s->dir, name);
	spool_forget(s, slot, size);
	s->st.removed++;
	return 0;
}

int spool_replace(struct spool *s, uint64_t seq, const void *rec,
		  size_t rec_len)
{
	struct spool_slot *slot = spool_find(s, seq);
	struct spool_item it;
	char name[SPOOL_NAME_LEN + 1];
	unsigned char *buf;
	size_t len, old_len;
	int rc;

	if (slot == NULL)
		return -ENOENT;
	if (rec_len > SPOOL_MAX_REC)
		return -EINVAL;
	rc = spool_load(s, seq, &it);
	if (rc < 0)
		return rc;
	old_len = SPOOL_HDR_SIZE + it.id_len + it.meta_len + it.rec_len;
	len = SPOOL_HDR_SIZE + it.id_len + it.meta_len + rec_len;
	buf = spool_build(it.id, it.id_len, it.meta, it.meta_len, rec, rec_len,
			  it.created_us);
	spool_item_clear(&it);
	if (buf == NULL)
		return -ENOMEM;
	spool_name(seq, name);
	rc = write_file_atomic(s->dirfd, name, buf, len);
	free(buf);
	if (rc < 0)
		return rc;
	s->st.bytes = s->st.bytes - old_len + len;
	return 0;
}

int spool_sync(struct spool *s)
{
	return fsync(s->dirfd) < 0 ? -errno : 0;
}

void spool_get_stats(struct spool *s, struct spool_stats *st)
{
	*st = s->st;
	st->oldest_us = 0;
	if (s->st.pending == 0)
		return;
	if (s->oldest_seq != slot_seq(s, &s->slots[s->head])) {
		char name[SPOOL_NAME_LEN + 1];
		unsigned char hdr[SPOOL_HDR_SIZE];
		int fd;

		s->oldest_seq = slot_seq(s, &s->slots[s->head]);
		s->oldest_us = 0;
		spool_name(s->oldest_seq, name);
		fd = openat(s->dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
		if (fd >= 0) {
			if (pread(fd, hdr, sizeof(hdr), 0) == sizeof(hdr) &&
			    memcmp(hdr, SPOOL_MAGIC, 8) == 0)
				s->oldest_us = (int64_t)get_le64(hdr + 24);
			close(fd);
		}
	}
	st->oldest_us = s->oldest_us;
}
