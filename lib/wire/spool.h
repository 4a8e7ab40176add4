/* SPDX-License-Identifier: MIT */
/*
 * spool.h - the agent's durable queue of records not yet acknowledged.
 *
 * One file per record in the spool directory, named by a sequence number
 * that only grows ("%016llx.rec"), so the directory order is the queue
 * order.  A record is written crash-safely before spool_put() returns
 * (write a temporary file, fsync, rename, fsync the directory): after a
 * kill -9 or a power loss at any instant the spool holds either the whole
 * record or nothing of it, and a record leaves the spool only through
 * spool_remove(), which the caller invokes once the collector acknowledged
 * it.  A crash between the acknowledgement and the removal means the
 * record is sent again; the collector deduplicates by record id, so that
 * costs a datagram, never a duplicate.
 *
 * File layout (little-endian):
 *	0  "OOPSSP01"
 *	8  u32 id_len, u32 meta_len, u32 rec_len, u32 crc32(id|meta|rec)
 *	24 u64 created (unix microseconds)
 *	32 id, meta, rec
 * `id` is the record id (deduplication inside the spool), `meta` is the
 * source's opaque note for the after-acknowledgement step (e.g. the pstore
 * files to delete), `rec` the packed CrashRecord.
 *
 * A file that does not parse (bad magic, lengths, checksum) is moved to
 * quarantine/ with a log line and counted; it is never fatal.  The spool
 * is bounded by bytes and records: beyond either limit the oldest records
 * are deleted, counted and logged.  The memory kept per pending record is
 * an 8-byte index entry; record bytes are read back on demand.
 */
#ifndef OOPSD_SPOOL_H
#define OOPSD_SPOOL_H

#include <stddef.h>
#include <stdint.h>

#define SPOOL_MAX_ID 64
#define SPOOL_MAX_META 16384
#define SPOOL_MAX_REC (1u << 20)
#define SPOOL_HDR_SIZE 32

struct spool;

struct spool_stats {
	uint64_t pending;	 /* records in the spool */
	uint64_t bytes;		 /* their file sizes */
	int64_t oldest_us;	 /* creation time of the oldest, 0 if empty */
	uint64_t stored;	 /* records written since open */
	uint64_t duplicates;	 /* spool_put() of an id already pending */
	uint64_t removed;	 /* spool_remove() calls that deleted a file */
	uint64_t dropped;	 /* oldest records deleted by the limits */
	uint64_t quarantined;	 /* corrupt files moved aside */
	uint64_t write_errors;	 /* spool_put() failures (disk full, ...) */
};

/* One record read back from the spool; free with spool_item_clear(). */
struct spool_item {
	uint64_t seq;
	int64_t created_us;
	unsigned char *buf; /* one allocation holding id, meta and rec */
	const unsigned char *id, *meta, *rec;
	size_t id_len, meta_len, rec_len;
};

/*
 * Open (creating it 0700 if needed) the spool directory, remove temporary
 * files of interrupted writes, index the records and quarantine corrupt
 * ones.  max_bytes / max_records: limits (0 = none).  Returns the spool,
 * or NULL with *err set to -errno (the directory cannot be used).
 */
struct spool *spool_open(const char *dir, uint64_t max_bytes,
			 uint64_t max_records, int *err);
void spool_free(struct spool *s);

/*
 * Store one record durably.  The caller keeps ownership of the buffers.
 * Returns 1 when stored (*seq set when seq != NULL), 0 when a record with
 * the same id is already pending (nothing written), -EINVAL for sizes out
 * of the limits above, or -errno from the file system (-ENOSPC: nothing
 * was stored, the spool is unchanged).  Storing may first delete the
 * oldest records to respect the limits.
 */
int spool_put(struct spool *s, const void *id, size_t id_len,
	      const void *meta, size_t meta_len, const void *rec,
	      size_t rec_len, uint64_t *seq);

/*
 * The first pending record with a sequence number greater than `after`
 * (0: the oldest).  Returns 0 with *seq set, or -ENOENT.
 */
int spool_next(const struct spool *s, uint64_t after, uint64_t *seq);

/*
 * Read record `seq` back and check it.  0, -ENOENT (not pending), or
 * -EBADMSG when the file turned out corrupt (it is quarantined and leaves
 * the index), or -errno.
 */
int spool_load(struct spool *s, uint64_t seq, struct spool_item *item);
void spool_item_clear(struct spool_item *item);

/*
 * Delete record `seq` (acknowledged, or given up).  The directory is not
 * synced here: a removal that a crash undoes only resends a record the
 * collector deduplicates; call spool_sync() after a batch.  0 or -ENOENT.
 */
int spool_remove(struct spool *s, uint64_t seq);
/*
 * Replace the record bytes of pending record `seq` (same id and meta), as
 * crash-safely as spool_put(): the file holds the old or the new bytes.
 * Used to cut a record that no longer fits a datagram.  0, -ENOENT,
 * -EINVAL, or -errno (the old record stays).
 */
int spool_replace(struct spool *s, uint64_t seq, const void *rec,
		  size_t rec_len);

/* fsync the spool directory.  0 or -errno. */
int spool_sync(struct spool *s);

/* Counters; oldest_us is read from the oldest record's file when needed. */
void spool_get_stats(struct spool *s, struct spool_stats *st);

#endif /* OOPSD_SPOOL_H */
