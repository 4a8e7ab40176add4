// SPDX-License-Identifier: MIT
/*
 * record_unpack.c - decode hostile crash records: bounded unpacking, the
 * field checks, bounded inflating of the text and details, and the
 * expansion of the compact form into plain fields (record.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "record/pbutil.h"
#include "record/record.h"
#include "record/record_internal.h"
#include "base/util.h"

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
 * Inflate a zlib stream of exactly want bytes (one of our dictionaries, or
 * none) chunk by chunk: out(arg, chunk, n) sees every chunk in order and
 * may stop the stream by returning < 0 (that error is returned).  The
 * chunk buffer is the caller's (cap bytes).  A stream that gives more than
 * want is -E2BIG as soon as the extra byte appears, less or corrupt
 * -EBADMSG.
 */
typedef int (*record_chunk_fn)(void *arg, const char *chunk, size_t n);

static int record_inflate_stream(const ProtobufCBinaryData *zin, size_t want,
				 char *buf, size_t cap, record_chunk_fn out,
				 void *arg)
{
	size_t got = 0, n;
	z_stream zs;
	int zr, err = 0;

	if (want >= UINT32_MAX || zin->len > UINT32_MAX)
		return -E2BIG;
	memset(&zs, 0, sizeof(zs));
	if (inflateInit(&zs) != Z_OK)
		return -ENOMEM;
	zs.next_in = zin->data;
	zs.avail_in = (uInt)zin->len;
	for (;;) {
		/* One byte past want, so that a longer stream shows itself. */
		size_t room = want - got + 1;

		zs.next_out = (Bytef *)buf;
		zs.avail_out = (uInt)(room < cap ? room : cap);
		zr = inflate(&zs, Z_NO_FLUSH);
		if (zr == Z_NEED_DICT) {
			/* A dictionary we do not know: Z_DATA_ERROR. */
			zr = record_zdict_set(&zs) == 0 ? Z_OK : Z_DATA_ERROR;
			if (zr != Z_OK)
				break;
			continue;
		}
		if (zr != Z_OK && zr != Z_STREAM_END && zr != Z_BUF_ERROR)
			break;
		n = (size_t)((char *)zs.next_out - buf);
		if (n > want - got) {
			err = -E2BIG;
			break;
		}
		got += n;
		if (n > 0 && (err = out(arg, buf, n)) < 0)
			break;
		if (zr == Z_STREAM_END)
			break;
		/* No progress possible: the input is cut short. */
		if (n == 0 && zr == Z_BUF_ERROR)
			break;
	}
	inflateEnd(&zs);
	if (err < 0)
		return err;
	if (zr == Z_MEM_ERROR)
		return -ENOMEM;
	if (zr != Z_STREAM_END || got != want)
		return -EBADMSG;
	return 0;
}

/* record_inflate()'s sink: the chunks, one after another. */
struct inflate_all {
	char *out;
	size_t have;
};

static int inflate_all_chunk(void *arg, const char *chunk, size_t n)
{
	struct inflate_all *a = arg;

	/* record_inflate_stream() never passes want: out has room. */
	memcpy(a->out + a->have, chunk, n);
	a->have += n;
	return 0;
}

/*
 * Inflate a zlib stream (one of our dictionaries, or none) into exactly
 * want bytes: *out malloc'd, NUL-terminated.  A stream that would give
 * more is -E2BIG, less or corrupt -EBADMSG (record_inflate_stream(), whose
 * chunks are copied out: one zlib loop for both).
 */
static int record_inflate(const ProtobufCBinaryData *zin, size_t want,
			  char **outp)
{
	struct inflate_all a = { 0 };
	char chunk[4096];
	int err;

	if (want >= UINT32_MAX || zin->len > UINT32_MAX)
		return -E2BIG;
	a.out = malloc(want + 1);
	if (a.out == NULL)
		return -ENOMEM;
	err = record_inflate_stream(zin, want, chunk, sizeof(chunk),
				    inflate_all_chunk, &a);
	if (err < 0) {
		free(a.out);
		return err;
	}
	a.out[want] = '\0';
	*outp = a.out;
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

/* Where the chunks of a compact stream go while it is inflated. */
struct expand_sink {
	size_t skip;	   /* text bytes still to pass over */
	char *det;	   /* the details block (len + 1 bytes) */
	size_t len, have;
	size_t frames, max_frames;
	bool line_start;
};

static int expand_chunk(void *arg, const char *chunk, size_t n)
{
	struct expand_sink *k = arg;

	if (k->skip > 0) {
		size_t s = n < k->skip ? n : k->skip;

		k->skip -= s;
		chunk += s;
		n -= s;
	}
	if (n > k->len - k->have)
		return -E2BIG; /* inflate_stream stops first; belt and braces */
	/* Count the frames as they arrive: a stream of a million F lines
	 * is refused at the first one too many, not at its end. */
	for (size_t i = 0; i < n; i++) {
		if (k->line_start && chunk[i] == 'F' &&
		    ++k->frames > k->max_frames)
			return -ERANGE;
		k->line_start = chunk[i] == '\n';
	}
	memcpy(k->det + k->have, chunk, n);
	k->have += n;
	return 0;
}

size_t record_expand_cost(const Oopsd__CrashRecord *rec)
{
	if (!rec->has_details_z || !rec->has_details_len)
		return 0;
	return (size_t)(rec->has_report_len ? rec->report_len : 0) +
	       rec->details_len;
}

int record_expand(Oopsd__CrashRecord *rec, const struct record_limits *lim,
		  const char **reason)
{
	static const struct record_limits defaults = RECORD_LIMITS_INIT;
	struct expand_sink k = { .line_start = true };
	char chunk[4096];
	size_t tlen;
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
	/* The text is not kept: only the details are, in a buffer of the
	 * size announced, which the stream may not pass. */
	k.skip = tlen;
	k.len = rec->details_len;
	k.max_frames = lim->max_frames;
	k.det = malloc(k.len + 1);
	if (k.det == NULL)
		return -ENOMEM;
	err = record_inflate_stream(&rec->details_z, tlen + k.len, chunk,
				    sizeof(chunk), expand_chunk, &k);
	if (err == -ERANGE) {
		*reason = "too_many_frames";
		err = -E2BIG;
	} else if (err == -E2BIG) {
		*reason = "details_too_long";
	}
	if (err == 0) {
		k.det[k.len] = '\0';
		err = expand_details(rec, k.det, k.len, lim, reason);
	}
	free(k.det);
	return err;
}

/* ------------------------------------------------------------ streams -- */

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
