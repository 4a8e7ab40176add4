/* SPDX-License-Identifier: MIT */
/*
 * pbutil.h - bounded protobuf-c decoding shared by the wire and record
 * codecs.
 *
 * protobuf-c trusts its input: a hostile message made of thousands of
 * empty sub-messages makes it allocate far more than the message size, and
 * it reports every failure as a bare NULL.  pb_unpack() runs the decoder
 * under an allocator with a byte budget, then walks the decoded message
 * with its descriptor and checks every string and bytes length and every
 * repeated-field count against fixed limits, so the callers get either a
 * message within limits or a negative errno and a short reason token
 * ("malformed", "alloc_budget", "string_length", ...) suited to a counter
 * name and a log line.
 */
#ifndef OOPSD_PBUTIL_H
#define OOPSD_PBUTIL_H

#include <stddef.h>
#include <stdint.h>

#include <protobuf-c/protobuf-c.h>

struct pb_limits {
	size_t max_alloc;    /* bytes the decoder may allocate in total */
	size_t max_string;   /* length of any string field */
	size_t max_bytes;    /* length of any bytes field */
	size_t max_repeated; /* elements of any repeated field */
	int max_depth;	     /* nesting of sub-messages */
};

/*
 * Decode len bytes of buf as a desc message under the limits.  On success
 * returns 0 and *out (free with pb_free()).  Errors: -EBADMSG (not a valid
 * message: *reason "malformed"), -E2BIG (a limit was exceeded: *reason
 * "alloc_budget", "string_length", "bytes_length", "repeated_count" or
 * "nesting").  *reason is a static string, set on every error.
 */
int pb_unpack(const ProtobufCMessageDescriptor *desc, const uint8_t *buf,
	      size_t len, const struct pb_limits *lim, ProtobufCMessage **out,
	      const char **reason);

/* Free a message returned by pb_unpack(); NULL is allowed. */
void pb_free(ProtobufCMessage *msg);
/*
 * Allocate size bytes (zeroed) that pb_free() can release as part of a
 * message from pb_unpack(): for fields a caller fills in after decoding.
 * NULL when out of memory.
 */
void *pb_malloc(size_t size);

/*
 * Check an already decoded message against the length and count limits
 * (max_alloc is ignored), and its unknown fields for field numbers
 * protobuf forbids.  0, -E2BIG or -EBADMSG with *reason as for
 * pb_unpack().
 */
int pb_check(const ProtobufCMessage *msg, const struct pb_limits *lim,
	     const char **reason);

/*
 * Varints as protobuf writes them (little-endian base 128), for the
 * length prefix of a delimited stream (writeDelimited) and for fields we
 * write by hand.  pb_varint_put() writes at most PB_VARINT_MAX bytes and
 * returns the count; pb_varint_get() returns the bytes consumed, 0 when
 * more input is needed, or -EBADMSG for an over-long varint.
 */
#define PB_VARINT_MAX 10
size_t pb_varint_size(uint64_t v);
size_t pb_varint_put(uint8_t *out, uint64_t v);
int pb_varint_get(const uint8_t *in, size_t len, uint64_t *v);

#endif /* OOPSD_PBUTIL_H */
