/* SPDX-License-Identifier: MIT */
/*
 * record_internal.h - what the record codec's files share and nobody else
 * needs: the table of preset zlib dictionaries.
 */
#ifndef OOPSD_RECORD_INTERNAL_H
#define OOPSD_RECORD_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include <zlib.h>

/*
 * Every preset dictionary ever used, by the DICTID of the zlib header
 * (Adler-32 of the dictionary); the last one is used to compress.  Append
 * only: old records name old dictionaries.  (lib/record/record_dict.c)
 */
struct record_zdict {
	const char *(*get)(size_t *len); /* NULL when it cannot be had */
	/*
	 * Its DICTID, known at build time (and checked against the text
	 * when get() inflates it): a stream is matched without summing
	 * kilobytes of dictionary per record.
	 */
	uint32_t id;
};

extern const struct record_zdict record_zdicts[];
extern const size_t record_nzdicts;

/*
 * The stream asked for a preset dictionary (Z_NEED_DICT): set the one its
 * DICTID (zs->adler) names.  0, -ENOENT for a dictionary we do not know,
 * -ENOMEM when it cannot be inflated, -EINVAL when zlib refuses it.
 */
int record_zdict_set(z_stream *zs);

#endif /* OOPSD_RECORD_INTERNAL_H */
