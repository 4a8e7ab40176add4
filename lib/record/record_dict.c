// SPDX-License-Identifier: MIT
/*
 * record_dict.c - the preset zlib dictionary of report texts (RFC 1950
 * FDICT).  Small texts compress poorly on their own: deflate has seen
 * nothing to refer back to.  This dictionary holds the boilerplate every
 * kernel crash report prints (the oops banner, register dumps and their
 * architectural default values, exception and syscall entry frames,
 * KASAN / lockdep / hung task / RCU stall wording, common source paths),
 * written by hand from the kernel's printing code, with the most common
 * strings last (deflate codes near matches in fewer bits).
 *
 * It is part of the record format: a record's zlib header names it by its
 * Adler-32 (DICTID 0xc47e2a12).  Never edit it: add another dictionary to
 * record_zdicts[] below and make it the last (the one record_pack() uses),
 * so that every record ever written still inflates.
 */
#include <errno.h>
#include <stddef.h>

#include <zlib.h>

#include "base/util.h"
#include "record/record.h"
#include "record_dict_z.h"
#include "record_internal.h"

/*
 * The programs carry the dictionary deflated (record_dict_z.h, generated
 * from record_dict_v1.inc): 2.7 KB instead of 6.8 KB of text, which is
 * what the tiny agent's size needs.  It is inflated here at its first use,
 * once per process (the programs are single-threaded), and checked
 * against its DICTID.  NULL if that fails (never, short of memory
 * corruption): the caller then has no dictionary, an error.
 */
const char *record_zdict_v1(size_t *len)
{
	static char text[RECORD_ZDICT_V1_LEN];
	static int state; /* 0: not yet, 1: inflated, -1: failed */
	z_stream zs = {0};

	if (state == 0) {
		state = -1;
		if (inflateInit2(&zs, -15) != Z_OK)
			return NULL;
		zs.next_in = (Bytef *)record_zdict_v1_z;
		zs.avail_in = sizeof(record_zdict_v1_z);
		zs.next_out = (Bytef *)text;
		zs.avail_out = sizeof(text);
		if (inflate(&zs, Z_FINISH) == Z_STREAM_END &&
		    zs.total_out == sizeof(text) &&
		    adler32(1, (const Bytef *)text, sizeof(text)) ==
			    RECORD_ZDICT_V1_ADLER)
			state = 1;
		inflateEnd(&zs);
	}
	if (state != 1)
		return NULL;
	*len = sizeof(text);
	return text;
}

const struct record_zdict record_zdicts[] = {
	{ record_zdict_v1 },
};
const size_t record_nzdicts = ARRAY_SIZE(record_zdicts);

int record_zdict_set(z_stream *zs)
{
	for (size_t i = 0; i < record_nzdicts; i++) {
		size_t len;
		const char *dict = record_zdicts[i].get(&len);

		if (dict == NULL ||
		    adler32(1, (const Bytef *)dict, (uInt)len) != zs->adler)
			continue;
		return inflateSetDictionary(zs, (const Bytef *)dict,
					    (uInt)len) == Z_OK ? 0 : -EINVAL;
	}
	return -ENOENT;
}
