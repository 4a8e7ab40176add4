/* SPDX-License-Identifier: MIT */
/*
 * record_internal.h - what the record codec's files share and nobody else
 * needs: the table of preset zlib dictionaries.
 */
#ifndef OOPSD_RECORD_INTERNAL_H
#define OOPSD_RECORD_INTERNAL_H

#include <stddef.h>

/*
 * Every preset dictionary ever used, by the DICTID of the zlib header
 * (Adler-32 of the dictionary); the last one is used to compress.  Append
 * only: old records name old dictionaries.  (lib/record/record_dict.c)
 */
struct record_zdict {
	const char *data;
	const size_t *len;
};

extern const struct record_zdict record_zdicts[];
extern const size_t record_nzdicts;

#endif /* OOPSD_RECORD_INTERNAL_H */
