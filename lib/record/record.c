// SPDX-License-Identifier: MIT
/*
 * record.c - build, pack, unpack, inflate and print crash records.  See
 * record.h; the choices are explained in doc/formats.md, "Records".
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <zlib.h>

#include "record/pbutil.h"
#include "record/record.h"
#include "parse/signature.h"
#include "base/util.h"

/* ------------------------------------------------------------- the id -- */

/* FNV-1a 128: offset basis and prime 2^88 + 2^8 + 0x3b. */
struct fnv128 {
	uint64_t hi, lo;
};

static void fnv128_byte(struct fnv128 *h, uint8_t c)
{
	uint64_t lo, a, b, t, low, carry, hi;

	h->lo ^= c;
	/* h * (2^88 + 0x13b) mod 2^128, with 64-bit arithmetic only. */
	lo = h->lo;
	a = lo >> 32;
	b = lo & 0xffffffffu;
	t = a * 0x13b;			/* < 2^41 */
	low = b * 0x13b;		/* < 2^41 */
	carry = t >> 32;
	if ((t << 32) > UINT64_MAX - low)
		carry++;
	low += t << 32;
	hi = h->hi * 0x13b + carry + (lo << 24);
	h->hi = hi;
	h->lo = low;
}

static void fnv128_update(struct fnv128 *h, const void *data, size_t len)
{
	const uint8_t *p = data;

	for (size_t i = 0; i < len; i++)
		fnv128_byte(h, p[i]);
}

/* A field followed by its NUL separator; NULL hashes as empty. */
static void fnv128_field(struct fnv128 *h, const char *s)
{
	if (s)
		fnv128_update(h, s, strlen(s));
	fnv128_byte(h, 0);
}

void record_make_id(const struct oops_report *r, const struct record_origin *o,
		    uint8_t id[RECORD_ID_LEN])
{
	struct fnv128 h = { UINT64_C(0x6c62272e07bb0142),
			    UINT64_C(0x62b821756295c58d) };
	char num[32];

	fnv128_field(&h, "oopsd-record-id-1");
	fnv128_field(&h, o->machine_id);
	fnv128_field(&h, o->boot_id_is_crashed_boot ? o->boot_id : NULL);
	snprintf(num, sizeof(num), "%u", (unsigned int)o->source);
	fnv128_field(&h, num);
	if (o->source == RECORD_SOURCE_NETCONSOLE) {
		fnv128_field(&h, o->sender);
	} else {
		for (size_t i = 0; i < o->nfiles; i++) {
			if (i > 0)
				fnv128_update(&h, "/", 1);
			if (o->files[i])
				fnv128_update(&h, o->files[i],
					      strlen(o->files[i]));
		}
		fnv128_byte(&h, 0);
	}
	snprintf(num, sizeof(num), "%lld", (long long)r->time_us);
	fnv128_field(&h, num);
	if (r->text)
		fnv128_update(&h, r->text, r->text_len);
	fnv128_byte(&h, 0);
	for (int i = 0; i < 8; i++) {
		id[i] = (uint8_t)(h.hi >> (56 - 8 * i));
		id[8 + i] = (uint8_t)(h.lo >> (56 - 8 * i));
	}
}

/* ------------------------------------------------------------- zlib -- */

/*
 * Every preset dictionary ever used, by the DICTID of the zlib header
 * (Adler-32 of the dictionary); the last one is used to compress.  Append
 * only: old records name old dictionaries.
 */
struct record_zdict {
	const char *(*get)(size_t *len); /* NULL when it cannot be had */
};

static const struct record_zdict record_zdicts[] = {
	{ record_zdict_v1 },
};

/*
 * Deflate text then details (either may be empty) as ONE zlib stream with
 * the current preset dictionary, so the details can refer back into the
 * text.
 */
int record_compress_parts(const char *text, size_t tlen, const char *det,
			  size_t dlen, uint8_t **out, size_t *outlen)
{
	const struct record_zdict *d = &record_zdicts[ARRAY_SIZE(record_zdicts) - 1];
	uLong cap = compressBound(tlen + dlen) + 64;
	size_t dictlen;
	const char *dict = d->get(&dictlen);
	uint8_t *z;
	z_stream zs;
	int zr;

	if (tlen > UINT32_MAX || dlen > UINT32_MAX || dict == NULL)
		return -ENOMEM;
	z = malloc(cap);
	if (z == NULL)
		return -ENOMEM;
	memset(&zs, 0, sizeof(zs));
	if (deflateInit2(&zs, Z_BEST_COMPRESSION, Z_DEFLATED, 15, 9,
			 Z_DEFAULT_STRATEGY) != Z_OK) {
		free(z);
		return -ENOMEM;
	}
	zr = deflateSetDictionary(&zs, (const Bytef *)dict, (uInt)dictlen);
	zs.next_out = z;
	zs.avail_out = (uInt)cap;
	if (zr == Z_OK && tlen > 0) {
		zs.next_in = (Bytef *)text;
		zs.avail_in = (uInt)tlen;
		zr = deflate(&zs, Z_NO_FLUSH);
	}
	if (zr == Z_OK) {
		zs.next_in = (Bytef *)det;
		zs.avail_in = (uInt)dlen;
		zr = deflate(&zs, Z_FINISH);
	}
	deflateEnd(&zs);
	if (zr != Z_STREAM_END) {
		free(z);
		return -ENOMEM;
	}
	*out = z;
	*outlen = cap - zs.avail_out;
	return 0;
}

int record_compress_text(const char *text, size_t len, uint8_t **out,
			 size_t *outlen)
{
	return record_compress_parts(text, len, NULL, 0, out, outlen);
}

/* ------------------------------------------------------------ details -- */

/*
 * The details block (proto/oopsd.proto, CrashRecord.details_z): lines a
 * decoder turns back into exactly the same fields.  A value is written
 * only if it reads back unchanged; otherwise -EINVAL and the caller uses
 * the plain fields.
 */
struct dbuf {
	char *p;
	size_t len, cap;
	bool oom;
};

static void dbuf_add(struct dbuf *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (n > SIZE_MAX - 1 - b->len ||
	    array_grow_bounded((void **)&b->p, &b->cap, b->len + n + 1, 1, 512,
			       SIZE_MAX) < 0) {
		b->oom = true;
		return;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void dbuf_str(struct dbuf *b, const char *s)
{
	dbuf_add(b, s, strlen(s));
}

static bool details_line_ok(const char *s)
{
	return strchr(s, '\n') == NULL;
}

static bool details_frame_ok(const struct oops_frame *f)
{
	const char *fn = f->function;

	if (fn == NULL || fn[0] == '\0' || strpbrk(fn, " \n\t+") != NULL)
		return false;
	if (f->module && (f->module[0] == '\0' ||
			  strpbrk(f->module, " \n\t[]") != NULL))
		return false;
	return true;
}

static int details_build(const struct oops_report *r, char **out,
			 size_t *outlen)
{
	struct dbuf b = { 0 };
	char num[64];

	if ((r->release && !details_line_ok(r->release)) ||
	    (r->build && !details_line_ok(r->build)) ||
	    (r->hardware && !details_line_ok(r->hardware)) ||
	    (r->pc && !details_line_ok(r->pc)))
		return -EINVAL;
	for (size_t i = 0; i < r->nframes; i++)
		if (!details_frame_ok(&r->frames[i]))
			return -EINVAL;
	dbuf_add(&b, "", 0);
	if (r->release) {
		dbuf_str(&b, "R");
		dbuf_str(&b, r->release);
		dbuf_str(&b, "\n");
	}
	if (r->build) {
		dbuf_str(&b, "B");
		dbuf_str(&b, r->build);
		dbuf_str(&b, "\n");
	}
	if (r->hardware) {
		dbuf_str(&b, "H");
		dbuf_str(&b, r->hardware);
		dbuf_str(&b, "\n");
	}
	if (r->pc) {
		dbuf_str(&b, "P");
		dbuf_str(&b, r->pc);
		dbuf_str(&b, "\n");
	}
	for (size_t i = 0; i < r->nframes; i++) {
		const struct oops_frame *f = &r->frames[i];

		dbuf_str(&b, f->reliable ? "F" : "F? ");
		dbuf_str(&b, f->function);
		if (f->offset || f->size) {
			snprintf(num, sizeof(num), "+0x%llx/0x%llx",
				 (unsigned long long)f->offset,
				 (unsigned long long)f->size);
			dbuf_str(&b, num);
		}
		if (f->module) {
			dbuf_str(&b, " [");
			dbuf_str(&b, f->module);
			dbuf_str(&b, "]");
		}
		if (f->inlined)
			dbuf_str(&b, " inline");
		dbuf_str(&b, "\n");
	}
	if (b.oom) {
		free(b.p);
		return -ENOMEM;
	}
	*out = b.p;
	*outlen = b.len;
	return 0;
}

/* ------------------------------------------------------------ packing -- */

/* A 32-lowercase-hex id as 16 bytes, if it reads back the same. */
static bool id_to_bin(const char *hex, uint8_t bin[16])
{
	char back[33];

	if (hex == NULL || strlen(hex) != 32 || hex_decode(hex, bin, 16) != 16)
		return false;
	hex_encode(bin, 16, back);
	return strcmp(back, hex) == 0;
}

static int record_pack_text(const struct oops_report *r, const struct record_origin *o,
			    size_t text_max, uint8_t *buf, size_t cap)
{
	Oopsd__CrashRecord rec = OOPSD__CRASH_RECORD__INIT;
	Oopsd__Host host = OOPSD__HOST__INIT;
	Oopsd__Kernel kernel = OOPSD__KERNEL__INIT;
	Oopsd__Crash crash = OOPSD__CRASH__INIT;
	Oopsd__Origin origin = OOPSD__ORIGIN__INIT;
	Oopsd__Frame *frames = NULL, **fptrs = NULL;
	uint8_t id[RECORD_ID_LEN];
	uint8_t *z = NULL;
	size_t text_len = r->text ? r->text_len : 0;
	char *det = NULL;
	size_t det_len = 0;
	uint8_t mid[16], bid[16], cbid[16];
	int err;

	record_make_id(r, o, id);
	rec.has_id = 1;
	rec.id.data = id;
	rec.id.len = sizeof(id);

	host.hostname = (char *)o->hostname;
	host.machine_id = (char *)o->machine_id;
	host.boot_id = (char *)o->boot_id;
	host.has_boot_id_is_crashed_boot = o->boot_id != NULL;
	host.boot_id_is_crashed_boot = o->boot_id_is_crashed_boot;
	host.collected_boot_id = (char *)o->collected_boot_id;
	/* 16 raw bytes rather than 32 hex digits when they say the same. */
	if (id_to_bin(o->machine_id, mid)) {
		host.machine_id = NULL;
		host.has_machine_id_bin = 1;
		host.machine_id_bin = (ProtobufCBinaryData){ 16, mid };
	}
	if (id_to_bin(o->boot_id, bid)) {
		host.boot_id = NULL;
		host.has_boot_id_bin = 1;
		host.boot_id_bin = (ProtobufCBinaryData){ 16, bid };
	}
	if (id_to_bin(o->collected_boot_id, cbid)) {
		host.collected_boot_id = NULL;
		host.has_collected_boot_id_bin = 1;
		host.collected_boot_id_bin = (ProtobufCBinaryData){ 16, cbid };
	}
	rec.host = &host;

	err = details_build(r, &det, &det_len);
	if (err == -ENOMEM)
		goto out;
	if (err < 0)
		det = NULL; /* not representable: the plain fields */

	kernel.release = det ? NULL : r->release;
	kernel.build = det ? NULL : r->build;
	kernel.arch = r->arch;
	rec.kernel = &kernel;

	crash.has_kind = 1;
	crash.kind = (Oopsd__CrashKind)r->kind;
	crash.title = r->title;
	crash.has_title_signature = crash.has_stack_signature = 1;
	crash.title_signature = sig_title(r->title);
	crash.stack_signature = sig_stack(r->kind, r->pc, r->frames,
					  r->nframes, r->title);
	crash.guilty = r->guilty;
	crash.alt_titles = r->alt_titles;
	crash.n_alt_titles = r->alt_titles ? r->nalt_titles : 0;
	if (r->nframes > 0 && det == NULL) {
		frames = calloc(r->nframes, sizeof(*frames));
		fptrs = calloc(r->nframes, sizeof(*fptrs));
		if (frames == NULL || fptrs == NULL) {
			err = -ENOMEM;
			goto out;
		}
		for (size_t i = 0; i < r->nframes; i++) {
			const struct oops_frame *f = &r->frames[i];
			Oopsd__Frame *pf = &frames[i];

			oopsd__frame__init(pf);
			pf->function = f->function;
			pf->module = f->module;
			/* Absent and default values cost no bytes. */
			pf->has_offset = f->offset != 0;
			pf->offset = f->offset;
			pf->has_size = f->size != 0;
			pf->size = f->size;
			pf->has_reliable = !f->reliable;
			pf->reliable = f->reliable;
			pf->has_inlined = f->inlined;
			pf->inlined = f->inlined;
			fptrs[i] = pf;
		}
		crash.frames = fptrs;
		crash.n_frames = r->nframes;
	}
	crash.has_cpu = r->cpu >= 0;
	crash.cpu = r->cpu;
	crash.has_pid = r->pid >= 0;
	crash.pid = r->pid;
	crash.comm = r->comm;
	crash.tainted = r->tainted;
	crash.has_corrupted = r->corrupted;
	crash.corrupted = r->corrupted;
	crash.has_truncated = r->truncated || text_max < text_len;
	crash.truncated = crash.has_truncated;
	crash.pc = det ? NULL : r->pc;
	crash.hardware = det ? NULL : r->hardware;
	crash.has_panicked = r->panicked;
	crash.panicked = r->panicked;
	rec.crash = &crash;

	origin.has_source = 1;
	origin.source = (Oopsd__Source)o->source;
	origin.files = (char **)o->files;
	origin.n_files = o->files ? o->nfiles : 0;
	origin.sender = (char *)o->sender;
	origin.reason = (char *)o->reason;
	origin.has_parts_expected = o->parts_expected != 0;
	origin.parts_expected = o->parts_expected;
	origin.has_parts_found = o->parts_found != 0;
	origin.parts_found = o->parts_found;
	origin.has_complete = !o->complete;
	origin.complete = o->complete;
	origin.has_lost_messages = o->lost_messages != 0;
	origin.lost_messages = o->lost_messages;
	origin.decompressed_by = (char *)o->decompressed_by;
	origin.has_start_line = r->start_line != 0;
	origin.start_line = r->start_line;
	origin.has_end_line = r->end_line != 0;
	origin.end_line = r->end_line;
	origin.has_ecc_corrected = o->ecc_corrected != 0;
	origin.ecc_corrected = o->ecc_corrected;
	origin.has_ecc_unrecoverable = o->ecc_unrecoverable != 0;
	origin.ecc_unrecoverable = o->ecc_unrecoverable;
	origin.attachments = (char **)o->attachments;
	origin.n_attachments = o->attachments ? o->nattachments : 0;
	origin.has_loss_unknown = o->loss_unknown;
	origin.loss_unknown = o->loss_unknown;
	origin.has_parts_duplicate = o->parts_duplicate != 0;
	origin.parts_duplicate = o->parts_duplicate;
	rec.origin = &origin;

	rec.has_crash_time_us = o->crash_time_us >= 0;
	rec.crash_time_us = o->crash_time_us;
	rec.has_collected_time_us = o->collected_time_us >= 0;
	rec.collected_time_us = o->collected_time_us;
	rec.has_boot_time_us = r->time_us >= 0;
	rec.boot_time_us = r->time_us;
	rec.agent_version = (char *)(o->agent_version ? o->agent_version
						      : OOPSD_VERSION);

	if (text_max > text_len)
		text_max = text_len;
	if (text_max > UINT32_MAX)
		text_max = 0;
	if (det) {
		size_t zlen;

		err = record_compress_parts(r->text, text_max, det, det_len,
					    &z, &zlen);
		if (err)
			goto out;
		rec.has_details_z = rec.has_details_len = 1;
		rec.details_z.data = z;
		rec.details_z.len = zlen;
		rec.details_len = (uint32_t)det_len;
		rec.has_report_len = text_max > 0;
		rec.report_len = (uint32_t)text_max;
	} else if (text_max > 0) {
		size_t zlen;

		err = record_compress_text(r->text, text_max, &z, &zlen);
		if (err)
			goto out;
		rec.has_report_z = rec.has_report_len = 1;
		rec.report_z.data = z;
		rec.report_z.len = zlen;
		rec.report_len = (uint32_t)text_max;
	}

	size_t need = oopsd__crash_record__get_packed_size(&rec);

	if (need > cap || need > INT32_MAX) {
		err = -EMSGSIZE;
		goto out;
	}
	err = (int)oopsd__crash_record__pack(&rec, buf);
out:
	free(det);
	free(z);
	free(frames);
	free(fptrs);
	return err;
}

int record_pack(const struct oops_report *r, const struct record_origin *o,
		size_t text_max, uint8_t *buf, size_t cap)
{
	return record_pack_text(r, o, text_max, buf, cap);
}

int record_pack_fit(const struct oops_report *r,
		    const struct record_origin *o, uint8_t *buf, size_t cap)
{
	size_t text_max = r->text ? r->text_len : 0;
	int n;

	for (;;) {
		n = record_pack_text(r, o, text_max, buf, cap);
		if (n != -EMSGSIZE || text_max == 0)
			return n;
		/* Halve, but give up the text below 256 bytes of it. */
		text_max = text_max / 2 >= 256 ? text_max / 2 : 0;
	}
}

/* ---------------------------------------------------------- unpacking -- */

static void record_pb_limits(const struct record_limits *lim,
			     struct pb_limits *pl)
{
	*pl = (struct pb_limits){
		.max_alloc = lim->max_alloc,
		.max_string = lim->max_string,
		.max_bytes = lim->max_record,
		.max_repeated = lim->max_frames > lim->max_files
					? lim->max_frames
					: lim->max_files,
		.max_depth = 4,
	};
}

/* The longest details block the limits allow: every frame and string. */
static size_t record_details_max(const struct record_limits *lim)
{
	return (lim->max_frames + 3) * (2 * lim->max_string + 64);
}

int record_check(const Oopsd__CrashRecord *rec,
		 const struct record_limits *lim, const char **reason)
{
	static const struct record_limits defaults = RECORD_LIMITS_INIT;
	struct pb_limits pl;
	int err;

	if (lim == NULL)
		lim = &defaults;
	record_pb_limits(lim, &pl);
	err = pb_check(&rec->base, &pl, reason);
	if (err)
		return err;
	if (!rec->has_id) {
		*reason = "no_id";
		return -EBADMSG;
	}
	if (rec->id.len != RECORD_ID_LEN) {
		*reason = "bad_id";
		return -EBADMSG;
	}
	if (rec->crash && rec->crash->n_frames > lim->max_frames) {
		*reason = "too_many_frames";
		return -E2BIG;
	}
	if (rec->origin && (rec->origin->n_files > lim->max_files ||
			    rec->origin->n_attachments > lim->max_files)) {
		*reason = "too_many_files";
		return -E2BIG;
	}
	if (rec->has_report_z && !rec->has_report_len) {
		*reason = "no_report_len";
		return -EBADMSG;
	}
	if (rec->has_report_len && rec->report_len > lim->max_text) {
		*reason = "report_too_long";
		return -E2BIG;
	}
	if (rec->has_details_z && !rec->has_details_len) {
		*reason = "no_details_len";
		return -EBADMSG;
	}
	if (rec->has_details_len && rec->details_len > record_details_max(lim)) {
		*reason = "details_too_long";
		return -E2BIG;
	}
	return 0;
}

int record_unpack(const uint8_t *buf, size_t len,
		  const struct record_limits *lim, Oopsd__CrashRecord **out,
		  const char **reason)
{
	static const struct record_limits defaults = RECORD_LIMITS_INIT;
	ProtobufCMessage *m;
	struct pb_limits pl;
	int err;

	*out = NULL;
	if (lim == NULL)
		lim = &defaults;
	if (len > lim->max_record) {
		*reason = "too_large";
		return -EMSGSIZE;
	}
	record_pb_limits(lim, &pl);
	err = pb_unpack(&oopsd__crash_record__descriptor, buf, len, &pl, &m,
			reason);
	if (err)
		return err;
	err = record_check((Oopsd__CrashRecord *)m, lim, reason);
	if (err == 0)
		err = record_expand((Oopsd__CrashRecord *)m, lim, reason);
	if (err) {
		pb_free(m);
		return err;
	}
	*out = (Oopsd__CrashRecord *)m;
	return 0;
}

void record_free(Oopsd__CrashRecord *rec)
{
	if (rec)
		pb_free(&rec->base);
}

/*
 * Inflate a zlib stream (one of our dictionaries, or none) into exactly
 * want bytes: *out malloc'd, NUL-terminated.  A stream that would give
 * more is -E2BIG, less or corrupt -EBADMSG.
 */
static int record_inflate(const ProtobufCBinaryData *zin, size_t want,
			  char **outp)
{
	bool too_long = false;
	z_stream zs;
	char *out;
	int zr;

	if (want >= UINT32_MAX || zin->len > UINT32_MAX)
		return -E2BIG;
	out = malloc(want + 1);
	if (out == NULL)
		return -ENOMEM;
	memset(&zs, 0, sizeof(zs));
	if (inflateInit(&zs) != Z_OK) {
		free(out);
		return -ENOMEM;
	}
	zs.next_in = zin->data;
	zs.avail_in = (uInt)zin->len;
	zs.next_out = (Bytef *)out;
	zs.avail_out = (uInt)want;
	/*
	 * The output buffer is exactly want bytes: a stream that would
	 * produce more stops with Z_OK/Z_BUF_ERROR and no room left, which
	 * is refused below, so a bomb never costs more than that.
	 */
	zr = inflate(&zs, Z_FINISH);
	if (zr == Z_NEED_DICT) {
		zr = Z_DATA_ERROR; /* a dictionary we do not know */
		for (size_t i = 0; i < ARRAY_SIZE(record_zdicts); i++) {
			size_t dictlen;
			const char *dict = record_zdicts[i].get(&dictlen);

			if (dict == NULL ||
			    adler32(1, (const Bytef *)dict, (uInt)dictlen) !=
				    zs.adler)
				continue;
			if (inflateSetDictionary(&zs, (const Bytef *)dict,
						 (uInt)dictlen) == Z_OK)
				zr = inflate(&zs, Z_FINISH);
			break;
		}
	}
	if (zr == Z_BUF_ERROR && zs.avail_out == 0) {
		/* Full: does the stream have more to say (too long), or did
		 * the input stop early (cut)?  One more byte tells. */
		uint8_t extra;

		zs.next_out = &extra;
		zs.avail_out = 1;
		inflate(&zs, Z_FINISH);
		too_long = zs.avail_out == 0;
	}
	inflateEnd(&zs);
	if (zr != Z_STREAM_END) {
		free(out);
		return zr == Z_MEM_ERROR ? -ENOMEM
		       : too_long	 ? -E2BIG
					 : -EBADMSG;
	}
	if (zs.avail_out != 0) {
		free(out);
		return -EBADMSG;
	}
	out[want] = '\0';
	*outp = out;
	return 0;
}

/*
 * record_text() and record_details() may see records unpacked by plain
 * protobuf-c (agent/fit.c, tests), not only through record_unpack(): bound
 * the details they allocate for here too, with the default limits.
 */
static bool record_details_len_ok(const Oopsd__CrashRecord *rec)
{
	static const struct record_limits defaults = RECORD_LIMITS_INIT;

	return rec->has_details_len &&
	       rec->details_len <= record_details_max(&defaults);
}

int record_text(const Oopsd__CrashRecord *rec, size_t max_text, char **text,
		size_t *len)
{
	size_t want;
	char *out;
	int err;

	*text = NULL;
	*len = 0;
	if (!rec->has_report_z) {
		if (!rec->has_details_z || !rec->has_report_len ||
		    rec->report_len == 0)
			return 0;
		/* The compact form: the text heads the details stream. */
		if (rec->report_len > max_text)
			return -E2BIG;
		if (!rec->has_details_len)
			return -EBADMSG;
		if (!record_details_len_ok(rec))
			return -E2BIG;
		err = record_inflate(&rec->details_z,
				     (size_t)rec->report_len + rec->details_len,
				     &out);
		if (err)
			return err;
		out[rec->report_len] = '\0';
		*text = out;
		*len = rec->report_len;
		return 0;
	}
	if (!rec->has_report_len)
		return -EBADMSG;
	want = rec->report_len;
	if (want > max_text)
		return -E2BIG;
	err = record_inflate(&rec->report_z, want, &out);
	if (err)
		return err;
	*text = out;
	*len = want;
	return 0;
}

int record_details(const Oopsd__CrashRecord *rec, size_t max_text,
		   char **det, size_t *len)
{
	size_t tlen = rec->has_report_len ? rec->report_len : 0;
	char *all;
	int err;

	*det = NULL;
	*len = 0;
	if (!rec->has_details_z)
		return 0;
	if (!rec->has_details_len)
		return -EBADMSG;
	if (tlen > max_text || !record_details_len_ok(rec))
		return -E2BIG;
	err = record_inflate(&rec->details_z, tlen + rec->details_len, &all);
	if (err)
		return err;
	memmove(all, all + tlen, rec->details_len + 1);
	*det = all;
	*len = rec->details_len;
	return 0;
}

/* ---------------------------------------------------------- expansion -- */

static char *pb_strndup(const char *s, size_t n)
{
	char *p = pb_malloc(n + 1);

	if (p)
		memcpy(p, s, n);
	return p;
}

/* hex of a 16-byte id into *str when *str is absent. */
static int expand_id(char **str, const ProtobufCBinaryData *bin, bool has)
{
	if (!has)
		return 0;
	if (bin->len != 16)
		return -EBADMSG;
	if (*str == NULL) {
		*str = pb_malloc(33);
		if (*str == NULL)
			return -ENOMEM;
		hex_encode(bin->data, 16, *str);
	}
	return 0;
}

/* Parse one F line (without "F" and the newline) into f. */
static int expand_frame(const char *s, size_t n, size_t max_string,
			Oopsd__Frame *f)
{
	const char *end = s + n, *p, *q;
	unsigned long long off, size;
	char num[64];
	int used = 0;

	oopsd__frame__init(f);
	if (n >= 2 && s[0] == '?' && s[1] == ' ') {
		f->has_reliable = 1;
		f->reliable = 0;
		s += 2;
	}
	for (p = s; p < end && *p != '+' && *p != ' '; p++)
		;
	if (p == s || (size_t)(p - s) > max_string)
		return -EBADMSG;
	f->function = pb_strndup(s, (size_t)(p - s));
	if (f->function == NULL)
		return -ENOMEM;
	if (p < end && *p == '+') {
		for (q = p; q < end && *q != ' '; q++)
			;
		if ((size_t)(q - p) >= sizeof(num))
			return -EBADMSG;
		memcpy(num, p, (size_t)(q - p));
		num[q - p] = '\0';
		if (sscanf(num, "+0x%llx/0x%llx%n", &off, &size, &used) != 2 ||
		    (size_t)used != (size_t)(q - p))
			return -EBADMSG;
		f->has_offset = off != 0;
		f->offset = off;
		f->has_size = size != 0;
		f->size = size;
		p = q;
	}
	if (end - p >= 3 && p[0] == ' ' && p[1] == '[') {
		q = memchr(p + 2, ']', (size_t)(end - p - 2));
		if (q == NULL || q == p + 2 || (size_t)(q - p - 2) > max_string)
			return -EBADMSG;
		f->module = pb_strndup(p + 2, (size_t)(q - p - 2));
		if (f->module == NULL)
			return -ENOMEM;
		p = q + 1;
	}
	if (end - p == 7 && memcmp(p, " inline", 7) == 0) {
		f->has_inlined = f->inlined = 1;
		p = end;
	}
	return p == end ? 0 : -EBADMSG;
}

static int expand_details(Oopsd__CrashRecord *rec, const char *d, size_t len,
			  const struct record_limits *lim, const char **reason)
{
	Oopsd__Crash *c = rec->crash;
	Oopsd__Kernel *k = rec->kernel;
	size_t nf = 0, i = 0;
	const char *p, *e, *end = d + len;
	int err;

	if (c == NULL) {
		c = rec->crash = pb_malloc(sizeof(*c));
		if (c == NULL)
			return -ENOMEM;
		oopsd__crash__init(c);
	}
	if (k == NULL) {
		k = rec->kernel = pb_malloc(sizeof(*k));
		if (k == NULL)
			return -ENOMEM;
		oopsd__kernel__init(k);
	}
	for (p = d; p < end; p = e + 1) {
		e = memchr(p, '\n', (size_t)(end - p));
		if (e == NULL)
			return -EBADMSG;
		if (*p == 'F')
			nf++;
	}
	if (nf > lim->max_frames) {
		*reason = "too_many_frames";
		return -E2BIG;
	}
	if (nf > 0 && c->n_frames == 0) {
		c->frames = pb_malloc(nf * sizeof(*c->frames));
		if (c->frames == NULL)
			return -ENOMEM;
	} else {
		nf = 0; /* frames given as fields win */
	}
	for (p = d; p < end; p = e + 1) {
		char **dst = NULL;

		e = memchr(p, '\n', (size_t)(end - p));
		switch (*p) {
		case 'R':
			dst = &k->release;
			break;
		case 'B':
			dst = &k->build;
			break;
		case 'H':
			dst = &c->hardware;
			break;
		case 'P':
			dst = &c->pc;
			break;
		case 'F':
			if (nf == 0)
				continue;
			c->frames[i] = pb_malloc(sizeof(Oopsd__Frame));
			if (c->frames[i] == NULL)
				return -ENOMEM;
			c->n_frames = ++i;
			err = expand_frame(p + 1, (size_t)(e - p - 1),
					   lim->max_string, c->frames[i - 1]);
			if (err)
				return err;
			continue;
		default:
			/* An upper-case letter we do not know: a field added
			 * by a newer agent (forward compatibility, as for
			 * unknown protobuf fields).  Anything else is broken. */
			if (*p >= 'A' && *p <= 'Z')
				continue;
			return -EBADMSG;
		}
		if ((size_t)(e - p - 1) > lim->max_string) {
			*reason = "string_length";
			return -E2BIG;
		}
		if (*dst == NULL) {
			*dst = pb_strndup(p + 1, (size_t)(e - p - 1));
			if (*dst == NULL)
				return -ENOMEM;
		}
	}
	return 0;
}

int record_expand(Oopsd__CrashRecord *rec, const struct record_limits *lim,
		  const char **reason)
{
	static const struct record_limits defaults = RECORD_LIMITS_INIT;
	size_t tlen;
	char *all;
	int err = 0;

	if (lim == NULL)
		lim = &defaults;
	*reason = "bad_host_id";
	if (rec->host) {
		Oopsd__Host *h = rec->host;

		err = expand_id(&h->machine_id, &h->machine_id_bin,
				h->has_machine_id_bin);
		if (err == 0)
			err = expand_id(&h->boot_id, &h->boot_id_bin,
					h->has_boot_id_bin);
		if (err == 0)
			err = expand_id(&h->collected_boot_id,
					&h->collected_boot_id_bin,
					h->has_collected_boot_id_bin);
		if (err)
			return err;
	}
	if (!rec->has_details_z)
		return 0;
	*reason = "bad_details";
	if (!rec->has_details_len)
		return -EBADMSG;
	tlen = rec->has_report_len ? rec->report_len : 0;
	if (tlen > lim->max_text ||
	    rec->details_len > record_details_max(lim)) {
		*reason = "details_too_long";
		return -E2BIG;
	}
	err = record_inflate(&rec->details_z, tlen + rec->details_len, &all);
	if (err)
		return err;
	err = expand_details(rec, all + tlen, rec->details_len, lim, reason);
	free(all);
	return err;
}

/* -------------------------------------------------------------- names -- */

const char *record_kind_name(int kind)
{
	const ProtobufCEnumValue *v;

	v = protobuf_c_enum_descriptor_get_value(&oopsd__crash_kind__descriptor,
						 kind);
	if (v == NULL || strncmp(v->name, "KIND_", 5) != 0)
		return "UNKNOWN";
	return v->name + 5;
}

const char *record_source_name(int source)
{
	static const char *const names[] = {
		[RECORD_SOURCE_UNKNOWN] = "unknown",
		[RECORD_SOURCE_PSTORE_DMESG] = "pstore-dmesg",
		[RECORD_SOURCE_PSTORE_CONSOLE] = "pstore-console",
		[RECORD_SOURCE_PSTORE_PMSG] = "pstore-pmsg",
		[RECORD_SOURCE_NETCONSOLE] = "netconsole",
		[RECORD_SOURCE_KMSG] = "kmsg",
		[RECORD_SOURCE_FILE] = "file",
	};

	if (source < 0 || (size_t)source >= ARRAY_SIZE(names))
		return "unknown";
	return names[source];
}

/* --------------------------------------------------------------- JSON -- */

static void json_kopt_int(struct json *j, const char *key, bool has,
			  int64_t v)
{
	json_key(j, key);
	if (has)
		json_int(j, v);
	else
		json_null(j);
}

static void json_kopt_uint(struct json *j, const char *key, bool has,
			   uint64_t v)
{
	json_key(j, key);
	if (has)
		json_uint(j, v);
	else
		json_null(j);
}

static void json_khex(struct json *j, const char *key, bool has,
		      const ProtobufCBinaryData *b)
{
	char hex[2 * 64 + 1];

	json_key(j, key);
	if (!has) {
		json_null(j);
		return;
	}
	hex_encode(b->data, b->len < 64 ? b->len : 64, hex);
	json_str(j, hex);
}

static void json_ksig(struct json *j, const char *key, bool has, uint64_t v)
{
	char hex[SIG_HEX_LEN + 1];

	json_key(j, key);
	if (!has) {
		json_null(j);
		return;
	}
	sig_format(v, hex);
	json_str(j, hex);
}

/* RFC 3339 UTC with microseconds, or null. */
static void json_ktime(struct json *j, const char *key, bool has, int64_t us)
{
	char buf[64];
	struct tm tm;
	time_t t;
	int64_t frac;

	json_key(j, key);
	if (!has) {
		json_null(j);
		return;
	}
	frac = us % 1000000;
	t = (time_t)(us / 1000000);
	if (frac < 0) {
		frac += 1000000;
		t--;
	}
	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm) == 0) {
		json_null(j);
		return;
	}
	snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), ".%06lldZ",
		 (long long)frac);
	json_str(j, buf);
}

static void json_kstrs(struct json *j, const char *key, char **s, size_t n)
{
	json_key(j, key);
	json_arr_begin(j);
	for (size_t i = 0; i < n; i++)
		json_str(j, s[i]);
	json_arr_end(j);
}

static void record_json_crash(const Oopsd__CrashRecord *rec, struct json *j)
{
	static const Oopsd__Crash none = OOPSD__CRASH__INIT;
	static const Oopsd__Kernel nok = OOPSD__KERNEL__INIT;
	const Oopsd__Crash *c = rec->crash ? rec->crash : &none;
	const Oopsd__Kernel *k = rec->kernel ? rec->kernel : &nok;
	const Oopsd__Origin *o = rec->origin;

	json_kstr(j, "title", c->title);
	json_kstr(j, "kind", record_kind_name(c->has_kind ? (int)c->kind : 0));
	json_kbool(j, "corrupted", c->corrupted);
	json_kstr(j, "guilty", c->guilty);
	json_kstrs(j, "alt_titles", c->alt_titles, c->n_alt_titles);
	json_key(j, "frames");
	json_arr_begin(j);
	for (size_t i = 0; i < c->n_frames; i++) {
		const Oopsd__Frame *f = c->frames[i];

		oops_frame_json(j, f->function, f->offset, f->size, f->module,
				f->reliable, f->inlined);
	}
	json_arr_end(j);
	/* As `oopsctl parse --json` (lib/oops_json.c): -1 when unknown. */
	json_kint(j, "cpu", c->has_cpu ? c->cpu : -1);
	json_kint(j, "pid", c->has_pid ? c->pid : -1);
	json_kstr(j, "comm", c->comm);
	json_kstr(j, "tainted", c->tainted);
	json_kstr(j, "release", k->release);
	json_kstr(j, "build", k->build);
	json_kstr(j, "hardware", c->hardware);
	json_kstr(j, "arch", k->arch);
	json_kstr(j, "pc", c->pc);
	json_kuint(j, "start_line", o ? o->start_line : 0);
	json_kuint(j, "end_line", o ? o->end_line : 0);
	json_kint(j, "time_us", rec->has_boot_time_us ? rec->boot_time_us : -1);
	json_kbool(j, "truncated", c->truncated);
	json_kbool(j, "panicked", c->panicked);
	json_ksig(j, "signature", c->has_title_signature, c->title_signature);
	json_ksig(j, "stack_signature", c->has_stack_signature,
		  c->stack_signature);
}

static void record_json_origin(const Oopsd__CrashRecord *rec, struct json *j)
{
	static const Oopsd__Origin none = OOPSD__ORIGIN__INIT;
	static const Oopsd__Host noh = OOPSD__HOST__INIT;
	const Oopsd__Origin *o = rec->origin ? rec->origin : &none;
	const Oopsd__Host *h = rec->host ? rec->host : &noh;

	json_key(j, "host");
	json_obj_begin(j);
	json_kstr(j, "hostname", h->hostname);
	json_kstr(j, "machine_id", h->machine_id);
	json_kstr(j, "boot_id", h->boot_id);
	json_kbool(j, "boot_id_is_crashed_boot", h->boot_id_is_crashed_boot);
	json_kstr(j, "collected_boot_id", h->collected_boot_id);
	json_obj_end(j);
	json_kstr(j, "source",
		  record_source_name(o->has_source ? (int)o->source : 0));
	json_kstrs(j, "files", o->files, o->n_files);
	json_kstr(j, "sender", o->sender);
	json_kstr(j, "reason", o->reason);
	json_kopt_uint(j, "parts_expected", o->has_parts_expected,
		       o->parts_expected);
	json_kopt_uint(j, "parts_found", o->has_parts_found, o->parts_found);
	json_kbool(j, "complete", o->complete);
	json_kstr(j, "decompressed_by", o->decompressed_by);
	json_kuint(j, "lost_messages", o->lost_messages);
	json_kuint(j, "ecc_corrected", o->ecc_corrected);
	json_kuint(j, "ecc_unrecoverable", o->ecc_unrecoverable);
	json_kuint(j, "parts_duplicate", o->parts_duplicate);
	if (o->loss_unknown)
		json_kbool(j, "loss_unknown", true);
	json_kstrs(j, "attachments", o->attachments, o->n_attachments);
}

int record_to_json(const Oopsd__CrashRecord *rec, struct json *j)
{
	static const struct record_limits lim = RECORD_LIMITS_INIT;
	char *text = NULL;
	size_t len = 0;
	int err;

	json_obj_begin(j);
	json_khex(j, "id", rec->has_id, &rec->id);
	record_json_crash(rec, j);
	record_json_origin(rec, j);
	json_ktime(j, "crash_time", rec->has_crash_time_us,
		   rec->crash_time_us);
	json_kopt_int(j, "crash_time_us", rec->has_crash_time_us,
		      rec->crash_time_us);
	json_ktime(j, "collected_time", rec->has_collected_time_us,
		   rec->collected_time_us);
	json_kopt_int(j, "collected_time_us", rec->has_collected_time_us,
		      rec->collected_time_us);
	json_kstr(j, "agent_version", rec->agent_version);
	json_kopt_uint(j, "report_len", rec->has_report_len, rec->report_len);
	err = record_text(rec, lim.max_text, &text, &len);
	json_key(j, "report");
	if (err == 0 && text)
		json_strn(j, text, len);
	else
		json_null(j);
	if (err)
		json_kstr(j, "report_error",
			  err == -E2BIG ? "too_long" : "corrupt");
	free(text);
	json_obj_end(j);
	return j->oom ? -ENOMEM : 0;
}

/* ------------------------------------------------------------ streams -- */

int record_stream_write(FILE *f, const uint8_t *buf, size_t len)
{
	uint8_t pre[PB_VARINT_MAX];
	size_t n = pb_varint_put(pre, len);

	if (fwrite(pre, 1, n, f) != n || fwrite(buf, 1, len, f) != len)
		return errno ? -errno : -EIO;
	return 0;
}

int record_stream_read(FILE *f, uint8_t *buf, size_t cap, size_t *len)
{
	uint8_t pre[PB_VARINT_MAX];
	uint64_t v = 0;
	size_t n = 0;
	int c, got = 0;

	*len = 0;
	while (got == 0) {
		c = getc(f);
		if (c == EOF) {
			if (ferror(f))
				return -EIO;
			return n == 0 ? 0 : -EBADMSG;
		}
		pre[n++] = (uint8_t)c;
		got = pb_varint_get(pre, n, &v);
		if (got < 0 || (got == 0 && n == PB_VARINT_MAX))
			return -EBADMSG;
	}
	if (v > cap)
		return -EMSGSIZE;
	if (fread(buf, 1, (size_t)v, f) != (size_t)v)
		return ferror(f) ? -EIO : -EBADMSG;
	*len = (size_t)v;
	return 1;
}
