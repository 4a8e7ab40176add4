/* SPDX-License-Identifier: MIT */
/*
 * pstore_internal.h - what the pstore reader's files share and nobody
 * else needs.
 */
#ifndef OOPSD_PSTORE_INTERNAL_H
#define OOPSD_PSTORE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/hash.h"
#include "pstore/pstore.h"

/*
 * Does buf look like kernel log text?  At least 95% of its bytes are
 * printable ASCII, tabs, newlines or valid UTF-8 sequences: uninitialised
 * RAM (random, all zero, all 0xff) and a wrong decoder's output are not.
 */
bool pstore_is_text(const char *buf, size_t len);

/* Analyse scan->files once they are read (pstore_item.c). */
int pstore_scan_analyse(struct pstore_scan *s, const struct pstore_options *o);

/* Seeds of the two FNV-1a hashes that make a 128-bit identity: the
 * standard offset basis, and the same with its halves swapped. */
#define FNV_SEED1 FNV1A64_INIT
#define FNV_SEED2 0x84222325cbf29ce4ULL

/* pstore_name.c: one line of a record. */
size_t pstore_line_len(const char *s, size_t n);
/* Head and tail 4 KiB look like text, with at least one newline. */
bool pstore_looks_like_log(const char *s, size_t n);
/*
 * One raw line for identity: without a "<P>" syslog prefix and trailing
 * blanks, printk time and caller id kept.  Returns its length in *out.
 */
const char *pstore_raw_line_norm(const char *s, size_t n, size_t *out);
/* printk time "[ 12.345678]" at the start of a normalised line, or -1. */
int64_t pstore_line_time_us(const char *s, size_t n);

/* pstore_group.c: the analysis state, from files to merged reports. */
/* A dump: the parts of one kmsg_dump() call. */
struct dump {
	size_t *files;		/* file indexes, highest part first */
	size_t nfiles;
	char reason[16];
	unsigned int parts_expected, parts_found, parts_missing, parts_dup;
	bool cut;
	int64_t mtime_us;
};

/* A text run without gaps (consecutive parts), parsed on its own. */
struct segment {
	size_t dump;
	bool newest;		/* holds Part1: its end is the dump's trigger */
	char *text;
	size_t len;
	size_t *lines;		/* start offset of each line */
	size_t nlines;
};

/* A report found in a segment. */
struct rep {
	struct oops_report *r;
	size_t seg;
	uint64_t key[2];
	uint64_t first_hash;	/* hash of the normalised first line */
	bool timed;		/* first line has a printk time */
	int64_t time_us;
	char first_line[160];
	long parent;		/* union-find */
	long cause;		/* consequence of this rep, or -1 */
	long item;
};

struct builder {
	struct pstore_scan *scan;
	const struct pstore_options *opt;
	struct dump *dumps;
	size_t ndumps;
	struct segment *segs;
	size_t nsegs;
	struct rep *reps;
	size_t nreps;
};
/* Decode and split a dmesg record (.enc.z: at most max_out bytes). */
int pstore_file_prepare_dmesg(struct pstore_file *f, size_t max_out);
int pstore_group_dumps(struct builder *b);
int pstore_build_segments(struct builder *b);
int pstore_parse_segments(struct builder *b);
int pstore_merge_copies(struct builder *b);
/* The representative of a report's copies (union-find). */
long pstore_rep_find(struct builder *b, long i);

#endif /* OOPSD_PSTORE_INTERNAL_H */
