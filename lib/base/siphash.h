/* SPDX-License-Identifier: MIT */
/*
 * siphash.h - SipHash-2-4 (Aumasson and Bernstein), a keyed 64-bit hash
 * for hash tables whose keys a peer chooses.
 *
 * An unkeyed hash (FNV-1a) lets whoever picks the keys (spoofed source
 * addresses, sender ids) pick them all into one chain and turn every
 * lookup into a list walk.  With a per-process random secret the chain a
 * key lands in cannot be predicted from outside.  SipHash is small enough
 * to carry here: libcrypto offers it only behind EVP_MAC (an allocation
 * and a context per call, and only in builds with CONFIG_AUTH_HMAC).
 */
#ifndef OOPSD_SIPHASH_H
#define OOPSD_SIPHASH_H

#include <stddef.h>
#include <stdint.h>

#define SIPHASH_KEY_LEN 16

struct siphash_key {
	uint64_t k0, k1;
};

/* The 64-bit SipHash-2-4 of len bytes of data under key. */
uint64_t siphash24(const struct siphash_key *key, const void *data,
		   size_t len);

/* Set key from 16 bytes, read little-endian as the reference code does. */
void siphash_key_set(struct siphash_key *key,
		     const uint8_t bytes[SIPHASH_KEY_LEN]);

/*
 * Fill key with a random secret from getrandom(2).  Returns 0, or -errno
 * when the kernel has none to give yet (key then holds a weaker mix of the
 * clock, pid and an address: tables still work, only less protected).
 */
int siphash_key_random(struct siphash_key *key);

#endif /* OOPSD_SIPHASH_H */
