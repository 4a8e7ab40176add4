/* SPDX-License-Identifier: MIT */
/*
 * oops.h - the kernel crash parser: log lines in, crash reports out.
 *
 * One pure, streaming state machine shared by every source (pstore,
 * netconsole, kmsg) and by both daemons.  It does no I/O, reads no clock
 * and keeps no globals: the caller feeds bytes or lines together with the
 * current time (milliseconds on any monotonic scale) and pops complete
 * reports.  Memory is bounded by the configuration whatever the input: a
 * report that grows past max_report_bytes is cut and flagged truncated.
 *
 * Typical use:
 *
 *	struct oops_parser *p = oops_parser_new(NULL);
 *	while ((n = read(fd, buf, sizeof(buf))) > 0) {
 *		oops_parser_feed(p, buf, n, now_ms());
 *		while ((r = oops_parser_next(p)) != NULL) {
 *			handle(r);
 *			oops_report_free(r);
 *		}
 *	}
 *	oops_parser_finish(p, now_ms());
 *	... pop the rest ...
 *	oops_parser_free(p);
 *
 * A stream that stops in the middle of a report (netconsole) has the open
 * report completed when oops_parser_tick() is called at or after
 * oops_parser_deadline(), or by oops_parser_finish().
 */
#ifndef OOPSD_OOPS_H
#define OOPSD_OOPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The class of a report.  The numeric values are part of the record wire
 * format (proto/oopsd.proto, enum CrashKind): append only, never renumber.
 */
enum oops_kind {
	OOPS_KIND_UNKNOWN = 0,
	OOPS_KIND_BUG = 1,	  /* kernel BUG at, BUG: <other> */
	OOPS_KIND_WARNING = 2,	  /* WARNING: CPU: .. at file:line */
	OOPS_KIND_PANIC = 3,	  /* Kernel panic - not syncing: <own msg> */
	OOPS_KIND_KASAN = 4,
	OOPS_KIND_KMSAN = 5,
	OOPS_KIND_KCSAN = 6,
	OOPS_KIND_KFENCE = 7,
	OOPS_KIND_UBSAN = 8,
	OOPS_KIND_LOCKDEP = 9,	  /* possible deadlock, inconsistent lock state */
	OOPS_KIND_HANG = 10,	  /* INFO: task hung */
	OOPS_KIND_STALL = 11,	  /* RCU stall */
	OOPS_KIND_LOCKUP = 12,	  /* soft / hard lockup */
	OOPS_KIND_GPF = 13,	  /* general protection fault */
	OOPS_KIND_NULL_DEREF = 14,
	OOPS_KIND_PAGING = 15,	  /* unable to handle paging request */
	OOPS_KIND_OOM = 16,	  /* out of memory: killed process */
	OOPS_KIND_MCE = 17,	  /* machine check */
	OOPS_KIND_LEAK = 18,	  /* kmemleak */
	OOPS_KIND_TRAP = 19,	  /* invalid opcode, divide error, int3, ... */
	OOPS_KIND_REBOOT = 20,	  /* unexpected kernel reboot */
	OOPS_KIND_ARM_FAULT = 21, /* Internal error, Unhandled fault */
	OOPS_KIND_OTHER = 22,
	OOPS_KIND_COUNT
};

/* Stable upper-case name ("KASAN"), or "UNKNOWN" for out-of-range values. */
const char *oops_kind_name(enum oops_kind kind);
/* Inverse of oops_kind_name(); OOPS_KIND_UNKNOWN when not recognised. */
enum oops_kind oops_kind_from_name(const char *name);

/* One call-trace frame: "? func+0x1a/0x30 [mod]" or "func file.c:12 [inline]". */
struct oops_frame {
	char *function;	 /* "func" (suffixes such as .isra.0 kept) */
	char *module;	 /* "mod" or NULL for vmlinux */
	uint64_t offset; /* 0x1a; 0 when absent */
	uint64_t size;	 /* 0x30; 0 when absent */
	bool reliable;	 /* false for frames printed with "? " */
	bool inlined;	 /* "[inline]" frames of symbolized traces */
};

/* A complete crash report.  Strings are NUL-terminated, NULL when absent. */
struct oops_report {
	enum oops_kind kind;
	char *title;	/* normalised title, e.g. "WARNING in kvm_wait" */
	char *guilty;	/* guilty function, or NULL */
	char **alt_titles; /* other normalised titles of the same crash */
	size_t nalt_titles;
	bool corrupted; /* damaged: lost lines, no usable stack, ... */
	bool truncated; /* cut at max_report_bytes / max_frames */

	struct oops_frame *frames; /* the call trace of the crashing context */
	size_t nframes;
	char *pc;	/* the PC/RIP line without prefix: "RIP: 0010:f+0x1/0x2" */

	int cpu;	/* -1 when unknown */
	int pid;	/* -1 when unknown */
	char *comm;
	char *tainted;	/* taint flags ("G        W  O"), NULL if "Not tainted" */
	char *release;	/* "6.3.0-rc4-syzkaller-00195-g5a57b48fdfcb" */
	char *build;	/* "#0" / "#1 SMP PREEMPT_DYNAMIC Debian 6.1.99-1" */
	char *hardware; /* text after "Hardware name: " */
	char *arch;	/* "x86_64", "arm64", "arm", "riscv", "powerpc", or NULL */

	char *text;	/* the report text, prefixes stripped, '\n'-separated */
	size_t text_len;
	uint64_t start_line; /* 1-based line span in the input fed */
	uint64_t end_line;

	/* printk time of the first report line in microseconds, or -1. */
	int64_t time_us;
	/* The "Kernel panic - not syncing" that this report caused, if any. */
	bool panicked;
};

void oops_report_free(struct oops_report *r);

struct oops_parser_config {
	size_t max_report_bytes; /* report text kept; default 64 KiB */
	size_t max_frames;	 /* frames kept; default 64 */
	size_t max_line_bytes;	 /* a longer input line is cut; default 4 KiB */
	uint64_t idle_ms;	 /* open report completed after this; default 10 s */
};

/* Defaults for every field left 0. */
#define OOPS_PARSER_CONFIG_INIT                                               \
	{                                                                     \
		.max_report_bytes = 64 * 1024, .max_frames = 64,              \
		.max_line_bytes = 4096, .idle_ms = 10000,                     \
	}

struct oops_parser;

/* cfg may be NULL for the defaults.  Returns NULL only when out of memory. */
struct oops_parser *oops_parser_new(const struct oops_parser_config *cfg);
void oops_parser_free(struct oops_parser *p);

/*
 * Feed raw bytes: any chunking, lines split at '\n' (a final partial line
 * is kept until more bytes or oops_parser_finish()).  Returns 0 or -ENOMEM.
 */
int oops_parser_feed(struct oops_parser *p, const char *buf, size_t len,
		     uint64_t now_ms);
/* Feed exactly one line (no '\n' needed). */
int oops_parser_feed_line(struct oops_parser *p, const char *line, size_t len,
			  uint64_t now_ms);
/* Complete an open report whose idle deadline has passed. */
void oops_parser_tick(struct oops_parser *p, uint64_t now_ms);
/* The input ended: complete everything still open. */
void oops_parser_finish(struct oops_parser *p, uint64_t now_ms);
/* When the caller must call oops_parser_tick() next, or UINT64_MAX. */
uint64_t oops_parser_deadline(const struct oops_parser *p);
/* Pop the next complete report in input order (caller frees), or NULL. */
struct oops_report *oops_parser_next(struct oops_parser *p);
/*
 * Bytes the parser holds right now (its struct, open reports, a pending
 * partial line; completed reports not yet popped are not counted).  An
 * idle parser (no open report, no partial line) holds well under 1 KiB, so
 * a receiver can keep one per sender and budget them.
 */
size_t oops_parser_footprint(const struct oops_parser *p);

/*
 * Convenience for a whole buffer (a pstore record, a test fixture): parse
 * it and return the reports as a malloc'd array (caller frees each report
 * and the array).  Returns the count, or -ENOMEM.
 */
int oops_parse_buffer(const char *buf, size_t len,
		      const struct oops_parser_config *cfg,
		      struct oops_report ***out);

struct json;
/*
 * Write one call-trace frame as a JSON object ({function, offset, size,
 * module, reliable, inlined}): the one place that spells these keys, used
 * for parsed reports and for decoded records alike.
 */
void oops_frame_json(struct json *j, const char *function, uint64_t offset,
		     uint64_t size, const char *module, bool reliable,
		     bool inlined);

/*
 * Write the report's members (not the braces) to j: title, kind,
 * corrupted, guilty, alt_titles (array of strings), frames (array of {function, offset, size, module,
 * reliable, inlined}), cpu, pid, comm, tainted, release, build, hardware,
 * arch, pc, start_line, end_line, time_us, truncated, panicked.  Every
 * command that prints reports uses these keys; keep them stable.
 */
void oops_report_to_json(const struct oops_report *r, struct json *j);

#endif /* OOPSD_OOPS_H */
