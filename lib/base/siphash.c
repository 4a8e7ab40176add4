// SPDX-License-Identifier: MIT
/*
 * siphash.c - SipHash-2-4, after the reference implementation
 * (https://github.com/veorq/SipHash): two compression rounds per 8-byte
 * word, four finalisation rounds.
 */
#include "base/siphash.h"

#include <errno.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))

#define SIPROUND                                                               \
	do {                                                                   \
		v0 += v1;                                                      \
		v1 = ROTL(v1, 13);                                             \
		v1 ^= v0;                                                      \
		v0 = ROTL(v0, 32);                                             \
		v2 += v3;                                                      \
		v3 = ROTL(v3, 16);                                             \
		v3 ^= v2;                                                      \
		v0 += v3;                                                      \
		v3 = ROTL(v3, 21);                                             \
		v3 ^= v0;                                                      \
		v2 += v1;                                                      \
		v1 = ROTL(v1, 17);                                             \
		v1 ^= v2;                                                      \
		v2 = ROTL(v2, 32);                                             \
	} while (0)

static uint64_t le64(const uint8_t *p, size_t n)
{
	uint64_t v = 0;

	for (size_t i = 0; i < n; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

uint64_t siphash24(const struct siphash_key *key, const void *data,
		   size_t len)
{
	const uint8_t *p = data;
	uint64_t v0 = UINT64_C(0x736f6d6570736575) ^ key->k0;
	uint64_t v1 = UINT64_C(0x646f72616e646f6d) ^ key->k1;
	uint64_t v2 = UINT64_C(0x6c7967656e657261) ^ key->k0;
	uint64_t v3 = UINT64_C(0x7465646279746573) ^ key->k1;
	uint64_t m;
	size_t left = len;

	for (; left >= 8; left -= 8, p += 8) {
		m = le64(p, 8);
		v3 ^= m;
		SIPROUND;
		SIPROUND;
		v0 ^= m;
	}
	/* The last word: the remaining bytes and the length's low byte. */
	m = le64(p, left) | (uint64_t)(len & 0xff) << 56;
	v3 ^= m;
	SIPROUND;
	SIPROUND;
	v0 ^= m;
	v2 ^= 0xff;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	return v0 ^ v1 ^ v2 ^ v3;
}

void siphash_key_set(struct siphash_key *key,
		     const uint8_t bytes[SIPHASH_KEY_LEN])
{
	key->k0 = le64(bytes, 8);
	key->k1 = le64(bytes + 8, 8);
}

int siphash_key_random(struct siphash_key *key)
{
	uint8_t b[SIPHASH_KEY_LEN];
	struct timespec ts;
	ssize_t n;
	int err;

	/* GRND_NONBLOCK: a collector started before the entropy pool is
	 * ready must still start; the fallback below is weaker, not absent. */
	do
		n = getrandom(b, sizeof(b), GRND_NONBLOCK);
	while (n < 0 && errno == EINTR);
	if (n == (ssize_t)sizeof(b)) {
		siphash_key_set(key, b);
		return 0;
	}
	err = n < 0 ? errno : EAGAIN;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	key->k0 = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
	key->k1 = (uint64_t)getpid() << 32 ^ (uint64_t)(uintptr_t)key;
	return -err;
}
