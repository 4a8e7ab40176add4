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
#include "base/zconst.h"
#include "record/record.h"
#include "record_dict_z.h"
#include "record_internal.h"

/*
 * The programs carry the dictionary deflated (record_dict_z.h, generated
 * from record_dict_v1.inc): 2.7 KB instead of 6.8 KB of text, which is
 * what the tiny agent's size needs.  It is inflated at its first use, once
 * per process, and checked against its DICTID (lib/base/zconst.h).  NULL
 * if that fails (out of memory, or memory corruption): the caller then has
 * no dictionary, an error.
 */
const char *record_zdict_v1(size_t *len)
{
	static char text[RECORD_ZDICT_V1_LEN];
	static int state;
	static const struct zconst dict = {
		record_zdict_v1_z, sizeof(record_zdict_v1_z), text,
		sizeof(text), RECORD_ZDICT_V1_ADLER, &state,
	};

	*len = sizeof(text);
	return zconst_text(&dict);
}

const struct record_zdict record_zdicts[] = {
	{ record_zdict_v1, RECORD_ZDICT_V1_ADLER },
};
const size_t record_nzdicts = ARRAY_SIZE(record_zdicts);

int record_zdict_set(z_stream *zs)
{
	for (size_t i = 0; i < record_nzdicts; i++) {
		size_t len;
		const char *dict;

		if (record_zdicts[i].id != zs->adler)
			continue;
		dict = record_zdicts[i].get(&len);
		if (dict == NULL)
			return -ENOMEM;
		return inflateSetDictionary(zs, (const Bytef *)dict,
					    (uInt)len) == Z_OK ? 0 : -EINVAL;
	}
	return -ENOENT;
}
