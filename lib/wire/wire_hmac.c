// SPDX-License-Identifier: MIT
/*
 * wire_hmac.c - HMAC-SHA256 datagram tags through OpenSSL's libcrypto
 * (EVP_MAC), built with CONFIG_AUTH_HMAC.  See wire.h.
 */
#include <errno.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "wire/wire.h"

int wire_tag(const struct wire_key *key, uint32_t body_type,
	     const uint8_t *body, size_t len, uint8_t tag[WIRE_TAG_LEN])
{
	uint8_t prefix[4] = { body_type >> 24, body_type >> 16, body_type >> 8,
			      body_type };
	char digest[] = "SHA256";
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest,
						 0),
		OSSL_PARAM_construct_end(),
	};
	EVP_MAC *mac;
	EVP_MAC_CTX *ctx = NULL;
	size_t out = 0;
	int err = -EIO;

	if (key == NULL || key->len < WIRE_KEY_MIN)
		return -EINVAL;
	mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	if (mac == NULL)
		return -EOPNOTSUPP;
	ctx = EVP_MAC_CTX_new(mac);
	if (ctx == NULL) {
		err = -ENOMEM;
		goto out;
	}
	if (!EVP_MAC_init(ctx, key->bytes, key->len, params) ||
	    !EVP_MAC_update(ctx, prefix, sizeof(prefix)) ||
	    !EVP_MAC_update(ctx, body, len) ||
	    !EVP_MAC_final(ctx, tag, &out, WIRE_TAG_LEN) ||
	    out != WIRE_TAG_LEN)
		goto out;
	err = 0;
out:
	EVP_MAC_CTX_free(ctx);
	EVP_MAC_free(mac);
	return err;
}

int wire_tag_verify(const struct wire_key *key, uint32_t body_type,
		    const uint8_t *body, size_t len, const uint8_t *tag,
		    size_t tag_len)
{
	uint8_t want[WIRE_TAG_LEN];
	int err;

	if (tag_len != WIRE_TAG_LEN)
		return -EACCES;
	err = wire_tag(key, body_type, body, len, want);
	if (err)
		return err;
	/* Constant time: a timing oracle must not reveal the tag bytewise. */
	err = CRYPTO_memcmp(want, tag, WIRE_TAG_LEN) ? -EACCES : 0;
	OPENSSL_cleanse(want, sizeof(want));
	return err;
}

int wire_key_id(const uint8_t *key, size_t len, uint32_t *id)
{
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;

	if (!EVP_Digest(key, len, md, &mdlen, EVP_sha256(), NULL) || mdlen < 4)
		return -EIO;
	*id = (uint32_t)md[0] << 24 | (uint32_t)md[1] << 16 |
	      (uint32_t)md[2] << 8 | md[3];
	return 0;
}

/* HMAC-SHA256 of data under k. */
static int hmac256(const uint8_t *k, size_t klen, const uint8_t *a, size_t alen,
		   const uint8_t *b, size_t blen, uint8_t out[32])
{
	char digest[] = "SHA256";
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest,
						 0),
		OSSL_PARAM_construct_end(),
	};
	EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	EVP_MAC_CTX *ctx = mac ? EVP_MAC_CTX_new(mac) : NULL;
	size_t n = 0;
	int err = -EIO;

	if (ctx != NULL && EVP_MAC_init(ctx, k, klen, params) &&
	    EVP_MAC_update(ctx, a, alen) && (blen == 0 ||
					     EVP_MAC_update(ctx, b, blen)) &&
	    EVP_MAC_final(ctx, out, &n, 32) && n == 32)
		err = 0;
	EVP_MAC_CTX_free(ctx);
	EVP_MAC_free(mac);
	return err;
}

int wire_key_derive(const struct wire_key *master, const void *identity,
		    size_t len, struct wire_key *out)
{
	static const uint8_t salt[] = WIRE_AGENT_KEY_SALT;
	static const uint8_t one = 1;
	uint8_t prk[32], okm[32];
	int err;

	memset(out, 0, sizeof(*out));
	if (master == NULL || master->len < WIRE_KEY_MIN || len == 0 ||
	    len > WIRE_SENDER_ID_MAX)
		return -EINVAL;
	/* RFC 5869: extract, then one block of expand (32 bytes). */
	err = hmac256(salt, sizeof(salt) - 1, master->bytes, master->len, NULL,
		      0, prk);
	if (err == 0)
		err = hmac256(prk, sizeof(prk), identity, len, &one, 1, okm);
	if (err == 0)
		err = wire_key_set(out, okm, sizeof(okm));
	if (err == 0) {
		memcpy(out->identity, identity, len);
		out->identity_len = len;
	}
	OPENSSL_cleanse(prk, sizeof(prk));
	OPENSSL_cleanse(okm, sizeof(okm));
	return err;
}
