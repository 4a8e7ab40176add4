/* SPDX-License-Identifier: MIT */
/*
 * hash.h - FNV-1a 64, the unkeyed hash of everything whose value is part
 * of a format (signatures, spool file names, pstore dedupe keys).
 *
 * FNV-1a 64 (offset basis 0xcbf29ce484222325, prime 0x100000001b3) works
 * byte by byte, so a hash depends on neither endianness, word size nor
 * compiler, and the tiny agent computes it with no library.  Tables whose
 * keys a peer picks use the keyed siphash.h instead.
 */
#ifndef OOPSD_HASH_H
#define OOPSD_HASH_H

#include <stddef.h>
#include <stdint.h>

#define FNV1A64_INIT UINT64_C(0xcbf29ce484222325)
#define FNV1A64_PRIME UINT64_C(0x100000001b3)

/* Continue an FNV-1a 64 hash h (start with FNV1A64_INIT) over len bytes. */
static inline uint64_t fnv1a64(uint64_t h, const void *data, size_t len)
{
	const unsigned char *p = data;

	for (size_t i = 0; i < len; i++) {
		h ^= p[i];
		h *= FNV1A64_PRIME;
	}
	return h;
}

#endif
