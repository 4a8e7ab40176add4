// SPDX-License-Identifier: MIT
/*
 * pstore_decode.c - decode .enc.z records in userspace.
 *
 * The crashing kernel chose the algorithm (crash-anchors.md 2.3): a zlib
 * stream with header (3.11-4.18), raw deflate (the crypto API deflate of
 * 4.19-6.5 and the zlib library of >= 6.6), lz4/lz4hc raw blocks or a
 * zstd frame (4.19-6.5).  Nothing in the file says which, so decoders are
 * tried from the most to the least recognisable, and an output counts only
 * when it looks like kernel log text: a raw lz4 block "decodes" many
 * random inputs.
 */
#include "pstore/pstore.h"
#include "pstore_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "base/util.h"

#if ENABLE_PSTORE_LZ4
#include <lz4.h>
#endif
#if ENABLE_PSTORE_ZSTD
#include <zstd.h>
#endif

/*
 * Inflate with the given window bits into at most max bytes.  Returns the
 * length, or -EBADMSG.  A stream cut short still yields what it decoded
 * so far: a truncated record is better than none.
 */
static long inflate_bounded(const void *in, size_t inlen, int wbits,
			    char *out, size_t max)
{
	z_stream zs;
	int rc;
	long n;

	memset(&zs, 0, sizeof(zs));
	if (inflateInit2(&zs, wbits) != Z_OK)
		return -ENOMEM;
	zs.next_in = (Bytef *)in;
	zs.avail_in = inlen > UINT32_MAX ? UINT32_MAX : (uInt)inlen;
	zs.next_out = (Bytef *)out;
	zs.avail_out = max > UINT32_MAX ? UINT32_MAX : (uInt)max;
	rc = inflate(&zs, Z_FINISH);
	n = (long)zs.total_out;
	inflateEnd(&zs);
	if (rc == Z_STREAM_END || ((rc == Z_BUF_ERROR || rc == Z_OK) && n > 0))
		return n;
	return -EBADMSG;
}

static long lz4_bounded(const void *in, size_t inlen, char *out, size_t max)
{
#if ENABLE_PSTORE_LZ4
	if (inlen > INT32_MAX || max > INT32_MAX)
		return -EBADMSG;
	int n = LZ4_decompress_safe(in, out, (int)inlen, (int)max);

	return n > 0 ? n : -EBADMSG;
#else
	return -EBADMSG;
#endif
}

static long zstd_bounded(const void *in, size_t inlen, char *out, size_t max)
{
#if ENABLE_PSTORE_ZSTD
	ZSTD_DCtx *dc = ZSTD_createDCtx();
	ZSTD_inBuffer ib = { in, inlen, 0 };
	ZSTD_outBuffer ob = { out, max, 0 };
	size_t rc;

	if (dc == NULL)
		return -ENOMEM;
	/* Bound the window too, or a hostile frame asks for 2 GiB. */
	ZSTD_DCtx_setParameter(dc, ZSTD_d_windowLogMax, 24);
	do {
		rc = ZSTD_decompressStream(dc, &ob, &ib);
	} while (!ZSTD_isError(rc) && rc != 0 && ob.pos < ob.size &&
		 ib.pos < ib.size);
	ZSTD_freeDCtx(dc);
	if (ZSTD_isError(rc) && ob.pos == 0)
		return -EBADMSG;
	return ob.pos > 0 ? (long)ob.pos : -EBADMSG;
#else
	return -EBADMSG;
#endif
}

/* Length of a valid UTF-8 sequence of 2-4 bytes at s, or 0. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
	size_t k;

	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		k = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		k = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		k = 4;
	else
		return 0;
	if (k > n)
		return 0;
	for (size_t i = 1; i < k; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return k;
}

bool pstore_is_text(const char *buf, size_t len)
{
	const unsigned char *s = (const unsigned char *)buf;
	size_t good = 0;

	if (len == 0)
		return false;
	for (size_t i = 0; i < len;) {
		unsigned char c = s[i];
		size_t k;

		if (c == '\n' || c == '\t' || c == '\r' ||
		    (c >= 0x20 && c < 0x7f)) {
			good++;
			i++;
		} else if (c >= 0x80 && (k = utf8_seq(s + i, len - i)) > 0) {
			good += k;
			i += k;
		} else {
			i++;
		}
	}
	return good * 100 >= len * 95;
}

/* Checked on the first 4 KiB, which is where a wrong decoder shows. */
static bool looks_like_text(const char *s, size_t n)
{
	return pstore_is_text(s, n < 4096 ? n : 4096);
}

int pstore_decompress(const void *in, size_t inlen, size_t max, char **out,
		      size_t *outlen, const char **method)
{
	const unsigned char *p = in;
	static const char *const names[] = { "zlib", "zstd", "deflate",
					     "lz4" };
	char *buf;

	if (max == 0 || inlen == 0)
		return -EBADMSG;
	buf = malloc(max + 1);
	if (buf == NULL)
		return -ENOMEM;
	for (size_t m = 0; m < ARRAY_SIZE(names); m++) {
		long n = -EBADMSG;

		switch (m) {
		case 0: /* zlib: CMF 0x?8, FCHECK makes CMF*256+FLG % 31 == 0 */
			if (inlen >= 2 && (p[0] & 0x0f) == 8 &&
			    ((p[0] << 8) | p[1]) % 31 == 0)
				n = inflate_bounded(in, inlen, 15, buf, max);
			break;
		case 1: /* zstd frame magic 0xFD2FB528 (little endian) */
			if (ENABLE_PSTORE_ZSTD && inlen >= 4 && p[0] == 0x28 &&
			    p[1] == 0xb5 && p[2] == 0x2f && p[3] == 0xfd)
				n = zstd_bounded(in, inlen, buf, max);
			break;
		case 2:
			n = inflate_bounded(in, inlen, -15, buf, max);
			break;
		case 3:
			if (ENABLE_PSTORE_LZ4)
				n = lz4_bounded(in, inlen, buf, max);
			break;
		}
		if (n == -ENOMEM) {
			free(buf);
			return -ENOMEM;
		}
		if (n > 0 && looks_like_text(buf, (size_t)n)) {
			buf[n] = '\0';
			*out = buf;
			*outlen = (size_t)n;
			*method = names[m];
			return 0;
		}
	}
	free(buf);
	return -EBADMSG;
}
