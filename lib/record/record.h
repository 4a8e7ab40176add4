/* SPDX-License-Identifier: MIT */
/*
 * record.h - crash records: a parsed report plus where it came from,
 * as a compact CrashRecord (proto/oopsd.proto).
 *
 * Build and pack in one call (record_pack(): the message is assembled on
 * the stack, pointing into the report, and packed into a caller-sized
 * buffer), unpack with strict limits (record_unpack()), get the report
 * text back with a bounded inflate (record_text()), and print a record as
 * JSON (record_to_json(): the one place every tool prints records).
 */
#ifndef OOPSD_RECORD_H
#define OOPSD_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "base/json.h"
#include "parse/oops.h"
#include "oopsd.pb-c.h"

#define RECORD_ID_LEN 16

/* Numeric values equal enum Source in proto/oopsd.proto. */
enum record_source {
	RECORD_SOURCE_UNKNOWN = 0,
	RECORD_SOURCE_PSTORE_DMESG = 1,
	RECORD_SOURCE_PSTORE_CONSOLE = 2,
	RECORD_SOURCE_PSTORE_PMSG = 3,
	RECORD_SOURCE_NETCONSOLE = 4,
	RECORD_SOURCE_KMSG = 5,
	RECORD_SOURCE_FILE = 6,
	RECORD_SOURCE_KDUMP = 7,
	RECORD_SOURCE_JOURNAL = 8,
};

/*
 * Everything about a report that the parser cannot know: where and when
 * it was found.  Strings may be NULL (absent); nothing is owned.  Start
 * from RECORD_ORIGIN_INIT.
 */
struct record_origin {
	enum record_source source;
	const char *const *files;	/* pstore file names (or the log file) */
	size_t nfiles;
	const char *sender;		/* netconsole "ADDR:PORT" */
	const char *reason;		/* pstore dump reason: "Oops", "Panic" */
	uint32_t parts_expected;	/* pstore parts; 0 = unknown */
	uint32_t parts_found;
	bool complete;			/* every part / no gap */
	const char *decompressed_by;	/* kernel, zlib, deflate, lz4, zstd */
	uint64_t lost_messages;		/* netconsole sequence gaps */
	uint32_t ecc_corrected;		/* pstore ECC trailer counts */
	uint32_t ecc_unrecoverable;
	const char *const *attachments; /* pmsg / ftrace files of the boot */
	size_t nattachments;

	/* Host identity. */
	const char *hostname;
	const char *machine_id;		/* /etc/machine-id, 32 hex */
	const char *boot_id;		/* crashed boot when known, else ours */
	bool boot_id_is_crashed_boot;
	const char *collected_boot_id;	/* the boot that collected it */

	int64_t crash_time_us;		/* unix time; -1 when unknown */
	int64_t collected_time_us;	/* unix time; -1 when unknown */
	const char *agent_version;	/* NULL: this build's OOPSD_VERSION */
	uint32_t parts_duplicate;	/* pstore parts found more than once */
	bool loss_unknown;		/* legacy netconsole: gaps unseen */
};

#define RECORD_ORIGIN_INIT                                                    \
	{                                                                     \
		.complete = true, .crash_time_us = -1,                        \
		.collected_time_us = -1,                                      \
	}

/*
 * The record id: 16 bytes, FNV-1a 128 (big-endian) over, each followed by
 * a NUL byte: "oopsd-record-id-1", machine_id, the crashed boot's id (empty
 * when boot_id_is_crashed_boot is false), the source number in decimal,
 * the origin key (the file names joined by '/' for pstore, the sender for
 * netconsole, empty otherwise), the report's printk time in microseconds
 * in decimal (-1 when unknown), and the whole report text.
 *
 * So an id is the same whenever the same crash of the same boot is found
 * again (an agent restarted before the ack re-reads the same pstore file
 * or kmsg lines and gets the same id: the collector dedupes), and two
 * crashes differ in the boot, the place in the log or the text (which
 * holds addresses, times and registers).  A deterministic crash at the
 * same instant of every boot with printk times off and no crashed boot id
 * is the only case two crashes could share an id: the caller should then
 * give a crashed boot id or a distinguishing file name.
 */
void record_make_id(const struct oops_report *r, const struct record_origin *o,
		    uint8_t id[RECORD_ID_LEN]);

/*
 * Build the record of report r found at origin o and pack it into buf
 * (cap bytes).  The report text is kept up to text_max bytes (SIZE_MAX:
 * all; 0: none), zlib level 9; a text cut short sets crash.truncated.
 * Returns the packed length, -EMSGSIZE when it does not fit (see
 * record_pack_fit()), or -ENOMEM.
 */
int record_pack(const struct oops_report *r, const struct record_origin *o,
		size_t text_max, uint8_t *buf, size_t cap);

/*
 * Like record_pack() with all the text, but when the record does not fit
 * in cap bytes, cut the report text (halving it, then none) until it
 * does, flagging it truncated.  -EMSGSIZE only if even no text is too big.
 */
int record_pack_fit(const struct oops_report *r,
		    const struct record_origin *o, uint8_t *buf, size_t cap);

struct record_limits {
	size_t max_record;   /* packed bytes */
	size_t max_string;   /* any string field */
	size_t max_frames;   /* crash.frames */
	size_t max_files;    /* origin.files, origin.attachments */
	size_t max_text;     /* decompressed report text (report_len) */
	size_t max_alloc;    /* decoder memory */
	size_t max_details;  /* decompressed details block (details_len) */
};

#define RECORD_LIMITS_INIT                                                    \
	{                                                                     \
		.max_record = 1u << 20, .max_string = 4096, .max_frames = 256, \
		.max_files = 64, .max_text = 1u << 20,                        \
		.max_alloc = 8u << 20, .max_details = 256u << 10,             \
	}

/*
 * Decode one packed record.  lim NULL means RECORD_LIMITS_INIT.  On
 * success 0 and *out (free with record_free()).  Errors, *reason a short
 * static token: -EMSGSIZE "too_large"; -EBADMSG "malformed", "no_id",
 * "bad_id", "no_report_len"; -E2BIG "alloc_budget", "string_length",
 * "bytes_length", "repeated_count", "too_many_frames", "too_many_files",
 * "report_too_long".  The text is not inflated here (record_text()).
 */
int record_unpack(const uint8_t *buf, size_t len,
		  const struct record_limits *lim, Oopsd__CrashRecord **out,
		  const char **reason);
void record_free(Oopsd__CrashRecord *rec);

/*
 * Turn a record decoded by pb_unpack() (each record of a wire envelope)
 * into the plain form every reader uses: the 16-byte host ids
 * (*_id_bin) become their hex strings, and the details stream (details_z)
 * fills kernel.release, kernel.build, crash.hardware, crash.pc and crash.frames (a field
 * already present is kept).  The stream is inflated as it is read: the
 * text through a small buffer (nothing keeps it), the details counted as
 * they come, so a stream with more frames than max_frames or more bytes
 * than it announced stops there, not at its end.  The compact fields stay, so the record packs
 * back as it came plus the plain fields.  record_unpack() calls it.  lim
 * NULL means RECORD_LIMITS_INIT.  0, or -EBADMSG ("bad_host_id",
 * "bad_details"), -E2BIG ("details_too_long"), -ENOMEM, *reason set.
 */
int record_expand(Oopsd__CrashRecord *rec, const struct record_limits *lim,
		  const char **reason);

/*
 * The bytes record_expand() will inflate for rec (its text, skipped
 * through a small buffer, and its details block), known before any
 * inflating: a receiver charges them to the datagram's budget and refuses
 * a record that would pass it without spending the CPU.  0 when the
 * record has no details stream.
 */
size_t record_expand_cost(const Oopsd__CrashRecord *rec);

/*
 * The semantic checks of record_unpack() on a record decoded elsewhere
 * (each record of a wire envelope).  0 or an error as record_unpack().
 */
int record_check(const Oopsd__CrashRecord *rec,
		 const struct record_limits *lim, const char **reason);

/*
 * Inflate the report text: *text malloc'd, NUL-terminated, *len without
 * the NUL.  A record without text gives 0, *text NULL.  max_text bounds the
 * output whatever report_len claims: more output than report_len or than
 * max_text is refused, so a zlib bomb costs at most max_text bytes.
 * Errors: -E2BIG (too long / bomb), -EBADMSG (corrupt stream or shorter
 * than report_len), -ENOMEM.
 */
int record_text(const Oopsd__CrashRecord *rec, size_t max_text, char **text,
		size_t *len);

/*
 * Compress a report text as records carry it (zlib level 9 with the preset
 * dictionary): *out malloc'd, *outlen its length.  0 or -ENOMEM.  Use it
 * (and record_text() to inflate) rather than zlib directly: a plain
 * uncompress() cannot inflate a text that names a dictionary.
 */
int record_compress_text(const char *text, size_t len, uint8_t **out,
			 size_t *outlen);

/*
 * The compact stream of CrashRecord.details_z: text (tlen bytes, may be 0)
 * then the details block (dlen bytes), one zlib stream with the preset
 * dictionary.  *out malloc'd.  0 or -ENOMEM.
 */
int record_compress_parts(const char *text, size_t tlen, const char *det,
			  size_t dlen, uint8_t **out, size_t *outlen);

/*
 * The details block of a compact record (details_z): *det malloc'd,
 * NUL-terminated, *len its length; 0 and *det NULL when the record has
 * none.  Errors as record_text() (max_text bounds the text before it).
 */
int record_details(const Oopsd__CrashRecord *rec, size_t max_text,
		   char **det, size_t *len);

/*
 * The preset zlib dictionary of report texts (lib/record/record_dict.c):
 * its text, *len its length; NULL if it cannot be unpacked.
 */
const char *record_zdict_v1(size_t *len);

/* "KASAN", "WARNING", ... for a CrashKind; "UNKNOWN" for unknown values. */
const char *record_kind_name(int kind);
/* "pstore-dmesg", "netconsole", "kmsg", "file", ...; "unknown" else. */
const char *record_source_name(int source);

/*
 * Write rec as one JSON object into j (see doc/formats.md, "Records", for the
 * keys): the keys of `oopsctl parse --json`, the record's own (id,
 * signature, stack_signature, host, source, report, origin fields, times,
 * agent_version).  A report text that cannot be inflated within max_text
 * is written as null with "report_error": the reason.  Returns 0 or
 * -ENOMEM (j->oom).
 */
int record_to_json(const Oopsd__CrashRecord *rec, struct json *j);


/*
 * Length-delimited record streams (`oopsctl encode` / `decode`): each
 * record is preceded by its length as a protobuf varint, like protobuf's
 * writeDelimitedTo / parseDelimitedFrom.
 *
 * record_stream_write(): 0 or -errno.
 * record_stream_read(): reads the next record into buf (cap bytes):
 * 1 and *len, 0 at a clean end of stream, -EMSGSIZE for a record longer
 * than cap (the stream cannot be resynchronised), -EBADMSG for a cut or
 * over-long length prefix or a cut record, -EIO for a read error.
 */
int record_stream_write(FILE *f, const uint8_t *buf, size_t len);
int record_stream_read(FILE *f, uint8_t *buf, size_t cap, size_t *len);

#endif /* OOPSD_RECORD_H */
