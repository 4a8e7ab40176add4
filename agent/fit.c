// SPDX-License-Identifier: MIT
/*
 * fit.c - see fit.h.
 */
#include "fit.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "oopsd.pb-c.h"
#include "record/record.h"

/* Our own records hold at most CONFIG_MAX_REPORT_BYTES of text; allow
 * more so a record from another build still inflates, but stay bounded. */
#define FIT_MAX_TEXT (4u << 20)

static int fit_pack(Oopsd__CrashRecord *r, size_t max, uint8_t **out,
		    size_t *outlen)
{
	size_t n = oopsd__crash_record__get_packed_size(r);
	uint8_t *buf;

	if (n > max)
		return -EMSGSIZE;
	buf = malloc(n ? n : 1);
	if (buf == NULL)
		return -ENOMEM;
	oopsd__crash_record__pack(r, buf);
	*out = buf;
	*outlen = n;
	return 0;
}

/*
 * Replace r->report_z by the first `keep` bytes of text, compressed; for a
 * compact record (det not NULL), re-make details_z with that much text
 * before the same details.
 */
static int fit_set_text(Oopsd__CrashRecord *r, const char *text, size_t keep,
			const char *det, size_t dlen, uint8_t **zbuf)
{
	uint8_t *z = NULL;
	size_t zlen = 0;
	int rc = det ? record_compress_parts(text, keep, det, dlen, &z, &zlen)
		     : record_compress_text(text, keep, &z, &zlen);

	if (rc < 0)
		return rc;
	free(*zbuf);
	*zbuf = z;
	if (det) {
		r->details_z.data = z;
		r->details_z.len = zlen;
		r->has_report_len = keep > 0;
		r->report_len = (uint32_t)keep;
		return 0;
	}
	r->has_report_z = true;
	r->report_z.data = z;
	r->report_z.len = zlen;
	r->has_report_len = true;
	r->report_len = (uint32_t)keep;
	return 0;
}

int agent_record_fit(const uint8_t *rec, size_t len, size_t max, uint8_t **out,
		     size_t *outlen)
{
	Oopsd__CrashRecord *r;
	Oopsd__Crash crash_default = OOPSD__CRASH__INIT;
	Oopsd__Crash *crash;
	char *text = NULL, *det = NULL;
	size_t dlen = 0;
	uint8_t *z = NULL;
	size_t tlen = 0;
	ProtobufCBinaryData saved_z, saved_dz;
	protobuf_c_boolean saved_has_z;
	size_t saved_frames;
	int rc;

	if (len <= max) {
		*out = malloc(len ? len : 1);
		if (*out == NULL)
			return -ENOMEM;
		memcpy(*out, rec, len);
		*outlen = len;
		return 0;
	}
	r = oopsd__crash_record__unpack(NULL, len, rec);
	if (r == NULL)
		return -EBADMSG;
	saved_z = r->report_z;
	saved_has_z = r->has_report_z;
	saved_dz = r->details_z;
	crash = r->crash ? r->crash : &crash_default;
	r->crash = crash;
	crash->has_truncated = true;
	crash->truncated = true;
	saved_frames = crash->n_frames;
	if (r->has_details_z) {
		rc = record_details(r, FIT_MAX_TEXT, &det, &dlen);
		if (rc < 0)
			goto out;
	}

	if ((det || (r->has_report_z && r->report_z.len > 0)) &&
	    r->has_report_len && r->report_len > 0 &&
	    r->report_len <= FIT_MAX_TEXT) {
		size_t got = 0;

		/* record_text() knows the preset dictionary; uncompress()
		 * does not. */
		rc = record_text(r, FIT_MAX_TEXT, &text, &got);
		if (rc == -ENOMEM)
			goto out;
		tlen = rc < 0 ? 0 : got;
	}
	/* Shrink the kept text in proportion to the excess until it fits;
	 * a handful of rounds at most (compression is not linear). */
	if (tlen > 0) {
		size_t keep = tlen;

		for (int round = 0; round < 12 && keep > 0; round++) {
			size_t now;

			rc = fit_set_text(r, text, keep, det, dlen, &z);
			if (rc < 0)
				goto out;
			now = oopsd__crash_record__get_packed_size(r);
			if (now <= max) {
				rc = fit_pack(r, max, out, outlen);
				goto out;
			}
			keep = (size_t)((double)keep * (double)max / (double)now *
					0.9);
		}
	}
	/* No text at all; then fewer frames. */
	if (det) {
		rc = fit_set_text(r, "", 0, det, dlen, &z);
		if (rc < 0)
			goto out;
	}
	r->has_report_z = false;
	r->report_z.len = 0;
	r->report_z.data = NULL;
	r->has_report_len = false;
	for (;;) {
		rc = fit_pack(r, max, out, outlen);
		if (rc != -EMSGSIZE || crash->n_frames == 0)
			break;
		crash->n_frames /= 2;
	}
out:
	crash->n_frames = saved_frames;
	if (r->crash == &crash_default)
		r->crash = NULL;
	/* report_z may point to our buffer: give back the decoder's own. */
	r->has_report_z = saved_has_z;
	r->report_z = saved_z;
	r->details_z = saved_dz;
	oopsd__crash_record__free_unpacked(r, NULL);
	free(text);
	free(det);
	free(z);
	return rc;
}
