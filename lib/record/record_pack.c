// SPDX-License-Identifier: MIT
/*
 * record_pack.c - build and pack crash records: the record id, the zlib
 * streams with the preset dictionary, the details block and the compact
 * record (record.h).  The choices are explained in README.md, "Records".
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <zlib.h>

#include "record/pbutil.h"
#include "record/record.h"
#include "record/record_internal.h"
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
 * Deflate text then details (either may be empty) as ONE zlib stream with
 * the current preset dictionary, so the details can refer back into the
 * text.
 */
int record_compress_parts(const char *text, size_t tlen, const char *det,
			  size_t dlen, uint8_t **out, size_t *outlen)
{
	const struct record_zdict *d = &record_zdicts[record_nzdicts - 1];
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

/* ------------------------------------------------------------ streams -- */

int record_stream_write(FILE *f, const uint8_t *buf, size_t len)
{
	uint8_t pre[PB_VARINT_MAX];
	size_t n = pb_varint_put(pre, len);

	if (fwrite(pre, 1, n, f) != n || fwrite(buf, 1, len, f) != len)
		return errno ? -errno : -EIO;
	return 0;
}
