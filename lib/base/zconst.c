// SPDX-License-Identifier: MIT
/*
 * zconst.c - deflated constant text, inflated at its first use.
 */
#include <zlib.h>

#include "base/zconst.h"

const char *zconst_inflate(const struct zconst *c)
{
	z_stream zs = {0};
	int rc;

	if (*c->state != 0)
		return *c->state == 1 ? c->text : NULL;
	if (inflateInit2(&zs, -15) != Z_OK)
		return NULL; /* out of memory: try again next time */
	zs.next_in = (Bytef *)c->z;
	zs.avail_in = (uInt)c->zlen;
	zs.next_out = (Bytef *)c->text;
	zs.avail_out = (uInt)c->len;
	rc = inflate(&zs, Z_FINISH);
	if (rc == Z_STREAM_END && zs.total_out == c->len &&
	    adler32(1, (const Bytef *)c->text, (uInt)c->len) == c->adler)
		*c->state = 1;
	else if (rc != Z_MEM_ERROR)
		*c->state = -1;
	inflateEnd(&zs);
	return *c->state == 1 ? c->text : NULL;
}
