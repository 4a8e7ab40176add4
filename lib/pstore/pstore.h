/* SPDX-License-Identifier: MIT */
/*
 * pstore.h - read what the previous boot left in /sys/fs/pstore.
 *
 * A scan turns a pstore directory (or, for tests and the fuzzer, an
 * in-memory list of (name, bytes)) into one item per DISTINCT crash report
 * of the crashed boot.  Facts it relies on: crash-anchors.md section 2.
 *
 *  - Names are <type>-<backend>-<id>[.enc.z]; the type is a known prefix,
 *    the id follows the LAST '-', the middle is the backend (it may hold
 *    '-' or '_': pstore-blk, efi_pstore).
 *  - dmesg records start with "<Reason>#<n> Part<k>" (pstore/blk puts
 *    "<Reason>: Total <N> times" before it); ramoops may append an ECC
 *    trailer.  Both are stripped and reported.
 *  - .enc.z records are decoded here: zlib, raw deflate, lz4, zstd.  When
 *    all fail, the raw bytes are kept and the item says so.
 *  - Multi-part dumps are grouped per backend id scheme (EFI: id =
 *    (seconds * 100 + part) * 1000 + count, parts of one dump come within
 *    10 s of each other and never twice with other text; ERST and the
 *    others: id - part is constant within a dump) and joined highest part
 *    first.  Missing
 *    and duplicate parts are counted; text is never glued across a gap.
 *  - Every dump of a boot holds the tail of the same kernel log, so the
 *    same report appears in several dumps: a report is identified by its
 *    first raw log line (printk time included), i.e. by its place in the
 *    boot's log, and comes out once, linked to every file it came from.
 *    A consequence (a "Kernel panic - not syncing" whose message only
 *    follows a report: "Fatal exception", "softlockup: hung tasks", ...)
 *    is merged into its cause; any other panic is a crash of its own.
 *    Oops and Panic dumps give their reason to the report that ends them.
 *  - console-ramoops is used only when no dmesg record gave a report: its
 *    last complete report, else (no dmesg text at all) its tail;
 *    uninitialised RAM is rejected.
 *  - pmsg, ftrace and the other types are attachments, never parsed.
 *
 * Nothing is removed by a scan.  Removal is the separate, explicit
 * pstore_remove_entries(), called once a record is durably acknowledged.
 */
#ifndef OOPSD_PSTORE_H
#define OOPSD_PSTORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "parse/oops.h"

enum pstore_type {
	PSTORE_TYPE_UNKNOWN = 0, /* the name did not parse */
	PSTORE_TYPE_DMESG,
	PSTORE_TYPE_MCE,
	PSTORE_TYPE_CONSOLE,
	PSTORE_TYPE_FTRACE,
	PSTORE_TYPE_RTAS,
	PSTORE_TYPE_PPC_OFW,
	PSTORE_TYPE_PPC_COMMON,
	PSTORE_TYPE_PMSG,
	PSTORE_TYPE_PPC_OPAL,
};

/* "dmesg", "powerpc-ofw", ...; "unknown" for PSTORE_TYPE_UNKNOWN. */
const char *pstore_type_name(enum pstore_type type);

/* A parsed file name. */
struct pstore_name {
	enum pstore_type type;
	char backend[64];	/* "ramoops", "efi_pstore", "pstore-blk" */
	uint64_t id;
	bool has_id;		/* false for the old "console-ramoops" */
	bool enc_z;		/* still compressed: ".enc.z" */
};

/* Parse a file name; 0, or -EINVAL when it is not a pstore record name. */
int pstore_parse_name(const char *name, struct pstore_name *out);

/* A parsed dmesg header: "Oops#2 Part1" (+ "Oops: Total 5 times"). */
struct pstore_header {
	char reason[16];	/* "Panic", "Oops", "Emergency", ... */
	unsigned int count;	/* <n>: per-boot dump counter */
	unsigned int part;	/* <k>: 1 = newest chunk of the log */
	int64_t total;		/* pstore/blk "Total N times", or -1 */
	size_t header_len;	/* bytes of header lines at the start */
};

/*
 * Parse the header lines at the start of a dmesg record.  Returns 0, or
 * -EINVAL when buf does not start with one.
 */
int pstore_parse_header(const char *buf, size_t len, struct pstore_header *h);

/* Severity order of dump reasons (Panic highest); 0 for unknown. */
int pstore_reason_rank(const char *reason);

/* A ramoops ECC trailer ("\nECC: No errors detected\n", old: no "ECC: "). */
struct pstore_ecc {
	bool present;
	uint32_t corrected;	/* bytes corrected */
	uint32_t unrecoverable;	/* blocks that could not be corrected */
};

/*
 * Find an ECC trailer at the end of buf.  Returns the length of buf
 * without it (len when there is none) and fills ecc.
 */
size_t pstore_strip_ecc(const char *buf, size_t len, struct pstore_ecc *ecc);

/*
 * Decode a compressed dmesg record: zlib (with header), raw deflate, then
 * lz4 and zstd when built in.  The output is at most max bytes and must
 * look like kernel log text.  On success *out is malloc'd (NUL-terminated,
 * not counted in *outlen) and *method names the decoder ("zlib",
 * "deflate", "lz4", "zstd").  Returns 0, -ENOMEM, or -EBADMSG when no
 * decoder produced text.
 */
int pstore_decompress(const void *in, size_t inlen, size_t max, char **out,
		      size_t *outlen, const char **method);

/* One pstore file as it was read. */
struct pstore_file {
	char *name;
	struct pstore_name pn;
	bool name_ok;		/* pn is valid */
	int error;		/* -errno when it could not be read, else 0 */
	int64_t mtime_us;	/* record time, when the backend knows it */
	uint64_t size;		/* size of the file */
	bool cut;		/* over max_file_bytes: head + tail kept */
	char *raw;		/* bytes as read (NUL-terminated) */
	size_t raw_len;

	/* dmesg records, after decoding: */
	bool header_ok;
	struct pstore_header hdr;
	struct pstore_ecc ecc;
	const char *decompressed_by; /* NULL when not compressed */
	bool undecodable;	/* .enc.z that no decoder could read */
	bool garbage;		/* not kernel log text */
	const char *body;	/* the text after header/trailer (into text) */
	size_t body_len;
	char *text;		/* decoded bytes, when decoded, else NULL */
	size_t text_len;

	unsigned int nitems;	/* items that use this file */
};

enum pstore_source {
	PSTORE_SRC_DMESG = 1,	/* equals SOURCE_PSTORE_DMESG */
	PSTORE_SRC_CONSOLE = 2, /* equals SOURCE_PSTORE_CONSOLE */
};

/* One distinct crash report: becomes one CrashRecord. */
struct pstore_item {
	enum pstore_source source;
	/*
	 * The parsed report, or NULL when there is none: the console tail
	 * after a hard reset, or a dump that no decoder could read (then
	 * text holds the raw bytes and undecodable is set).
	 */
	struct oops_report *report;
	char *text;		/* report text, console tail, or raw bytes */
	size_t text_len;
	char first_line[160];	/* the raw first log line (identity) */
	int64_t time_us;	/* printk time of the first line, or -1 */
	int64_t mtime_us;	/* earliest record time of its files, or 0 */
	uint64_t key[2];	/* stable identity: place in the boot's log */

	size_t *files;		/* indexes into pstore_scan.files */
	size_t nfiles;
	char reason[16];	/* dump reason it triggered ("Panic"), or "" */
	unsigned int parts_expected;
	unsigned int parts_found;
	unsigned int parts_missing;
	unsigned int parts_duplicate;
	bool complete;		/* all parts there, nothing cut or garbled */
	bool undecodable;
	bool console_tail;	/* console with no report: its tail */
	const char *decompressed_by; /* "zlib", "deflate", ... or NULL */
	struct pstore_ecc ecc;	/* summed over the item's files */
	bool acked;		/* already acknowledged (state file) */
};

struct pstore_stats {
	unsigned int files;
	unsigned int unreadable;	/* symlinks, FIFOs, dirs, EIO, ... */
	unsigned int bad_names;
	unsigned int cut;		/* larger than max_file_bytes */
	unsigned int skipped;		/* over max_files / max_total_bytes */
	unsigned int bad_headers;	/* dmesg without a parsable header */
	unsigned int undecodable;	/* .enc.z no decoder could read */
	/* .enc.z not decoded for lack of room (what was left of
	 * max_total_bytes, or memory): no record now, a later scan may. */
	unsigned int over_budget;
	unsigned int garbage;
	unsigned int dumps;
	unsigned int duplicates_merged; /* report copies folded into one */
	unsigned int consequences_merged;
};

struct pstore_scan {
	int dirfd;			/* -1 for in-memory scans */
	struct pstore_file *files;
	size_t nfiles;
	struct pstore_item *items;	/* in log order */
	size_t nitems;
	size_t *attachments;		/* pmsg, ftrace, ... (file indexes) */
	size_t nattachments;
	struct pstore_stats stats;
	bool readonly;			/* an archive: never remove there */
};

struct pstore_options {
	size_t max_file_bytes;	/* per file; default 4 MiB */
	/*
	 * Bytes read and decoded per scan; default 64 MiB.  Peak memory is
	 * about twice this (the reassembled text) plus the parsed reports.
	 */
	size_t max_total_bytes;
	size_t max_files;	/* default 4096 */
	size_t console_tail_bytes; /* console tail kept; default 8 KiB */
	const struct oops_parser_config *parser; /* NULL: defaults */
	/*
	 * Called once every file is read and before any of it is decoded or
	 * parsed (NULL: none): a caller that needed a privilege to read
	 * drops it here, so hostile content is never parsed with it.
	 */
	void (*read_done)(void *arg);
	/*
	 * pstore_scan_archive() reads one folder after another: read_begin
	 * (NULL: none) is called before each is opened, so a caller can take
	 * the privilege back that read_done dropped.  Same arg.
	 */
	void (*read_begin)(void *arg);
	void *read_done_arg;
};

/* One file for pstore_scan_mem(): the fuzzer and tests need no dir. */
struct pstore_blob {
	const char *name;
	const void *data;	/* may be NULL when error != 0 */
	size_t len;
	int error;		/* -errno: the file could not be read */
	int64_t mtime_us;
};

/*
 * Scan a directory (NULL: CONFIG_DEFAULT_PSTORE_DIR).  Symlinks are never
 * followed, FIFOs and directories are not read, every file is read with a
 * bound.  opt may be NULL.  On success *out is the scan (free it with
 * pstore_scan_free(); it keeps the directory open for removal).  Returns
 * 0, or -errno when the directory cannot be opened.  Bad files are
 * counted in stats, never fatal.
 */
int pstore_scan_dir(const char *dir, const struct pstore_options *opt,
		    struct pstore_scan **out);

/*
 * The archive systemd-pstore keeps (default /var/lib/systemd/pstore; see
 * packaging.md): at boot, systemd-pstore.service moves every file of
 * /sys/fs/pstore there.  dmesg files whose record id is longer than 6
 * digits (EFI, ERST: the low digits are part and count) go into one
 * subdirectory per dump, named by the id without those digits, with a
 * dmesg.txt that repeats the parts; the others (ramoops, .enc.z, console,
 * pmsg) go to the top level, where the next boot's files of the same name
 * overwrite them.  Nothing there is ever deleted.
 *
 * pstore_scan_archive() scans the top level and each subdirectory as
 * separate scans (each is the crash of one boot), skipping every dmesg.txt
 * (a copy: reading it would count the report twice), and calls fn on each
 * before freeing it.  Names in a scan are the file names as they were in
 * /sys/fs/pstore, so an item has the same key, and its record the same
 * id, whichever of the two places it is read from.  The scans are
 * read-only: pstore_remove_*() refuse them.  At most
 * PSTORE_ARCHIVE_MAX_DIRS subdirectories (the lowest names: oldest) are
 * read per call; the rest are counted.  Returns 0, or -errno when dir
 * cannot be opened (or on ENOMEM).
 */
#define PSTORE_ARCHIVE_MAX_DIRS 256
#define PSTORE_ARCHIVE_DEFAULT "/var/lib/systemd/pstore"

struct pstore_archive_stats {
	unsigned int scans;		/* top level + subdirectories read */
	unsigned int dirs_unreadable;	/* symlinks, EACCES, ... */
	unsigned int dirs_skipped;	/* over PSTORE_ARCHIVE_MAX_DIRS */
};

/* subdir is "" for the top level. */
typedef void (*pstore_archive_fn)(struct pstore_scan *scan, const char *subdir,
				  void *arg);

int pstore_scan_archive(const char *dir, const struct pstore_options *opt,
			pstore_archive_fn fn, void *arg,
			struct pstore_archive_stats *st);

/* Does dir look like systemd-pstore's archive (a dmesg.txt or a
 * subdirectory)?  /sys/fs/pstore has neither. */
bool pstore_dir_is_archive(const char *dir);

/* The same over blobs (copied).  Returns 0 or -ENOMEM. */
int pstore_scan_mem(const struct pstore_blob *blobs, size_t n,
		    const struct pstore_options *opt, struct pstore_scan **out);

void pstore_scan_free(struct pstore_scan *scan);

/* The 32 hex characters of an item's key (buf: 33 bytes). */
void pstore_item_key_hex(const struct pstore_item *it, char *buf);

/*
 * Removal contract (the agent's side):
 *
 *  1. scan; 2. pstore_state_apply() marks the items acknowledged in an
 *  earlier run (they must not be sent again); 3. send each other item as
 *  a record (its record id derives from the item key, so a re-send after a
 *  crash is deduplicated by the collector); 4. once the collector durably
 *  acknowledged it, call pstore_remove_entries() for the item.
 *
 * pstore_remove_entries() first records the item key in the state file
 * (write_file_atomic: it survives a crash), then unlinks each file of the
 * item whose every item is acknowledged.  A file shared by several items
 * (a ramoops dump holding three oopses) stays until all are.  If the
 * process dies between the two steps, the next run marks the item acked
 * and a new call finishes the unlinking: nothing is lost or sent twice.
 * The state file forgets keys whose files are all gone, so it stays small.
 * Attachments and files no record uses go with the last acknowledgement
 * (pstore_remove_unclaimed()).
 *
 * state_path is a file outside pstore (pstore accepts no new files), e.g.
 * /var/lib/oops-agent/pstore.state.
 */

/*
 * Mark the items whose keys are in the state file as acked.  A missing
 * state file is an empty one.  Returns the number marked, or -errno
 * (other than -ENOENT) when the file cannot be read.
 */
int pstore_state_apply(struct pstore_scan *scan, const char *state_path);

/*
 * Acknowledge item idx durably and unlink the files no unacknowledged
 * item needs.  Returns the number of files removed (>= 0), or -errno:
 * -EINVAL for a bad index or an in-memory scan, or the error of the state
 * write (then nothing was removed).  An unlink failure is logged and the
 * file is left for a later call.
 */
int pstore_remove_entries(struct pstore_scan *scan, size_t idx,
			  const char *state_path);

/*
 * Once every item of the scan is acknowledged (at once when there is
 * none), unlink what belongs to the crashed boot but to no record: the
 * attachments (pmsg, ftrace, ...), dmesg dumps without a report (Shutdown
 * dumps), uninitialised RAM, an unused console record.  Unreadable files,
 * names that do not parse and non-regular files are never touched.  EFI
 * variables are only freed by unlinking, so an agent should call this
 * after a scan that found nothing (pstore_remove_entries() calls it after
 * the last acknowledgement).  Returns the number removed, 0 while some
 * item is not acknowledged, or -EINVAL for an in-memory scan.
 */
int pstore_remove_unclaimed(struct pstore_scan *scan);

#endif /* OOPSD_PSTORE_H */
