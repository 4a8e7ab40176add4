// SPDX-License-Identifier: MIT
/*
 * pbutil.c - protobuf-c under a byte budget, and a descriptor-driven limit
 * walker.  See pbutil.h.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "record/pbutil.h"

/*
 * Every block carries its size in a header so that the budget can be kept
 * during decoding; the block is released with plain free() so messages can
 * be freed long after the budget (a stack object) is gone.
 */
#define PB_MAX_FIELD_NUMBER 536870911u /* 2^29 - 1 */

struct pb_budget {
	size_t used, max;
	bool refused; /* an allocation was refused: the budget is spent */
};

struct pb_hdr {
	max_align_t align;
};

static void *pb_budget_alloc(void *data, size_t size)
{
	struct pb_budget *b = data;
	size_t total = size + sizeof(struct pb_hdr);

	if (total < size || total > b->max - b->used) {
		b->refused = true;
		return NULL;
	}
	b->used += total;
	void *p = malloc(total);

	/* Not a leak: pb_budget_free() steps back over the header. */
	// cppcheck-suppress memleak
	return p ? (char *)p + sizeof(struct pb_hdr) : NULL;
}

static void pb_budget_free(void *data, void *ptr)
{
	if (ptr)
		free((char *)ptr - sizeof(struct pb_hdr));
}

/* Freeing never allocates: the free-only allocator refuses everything. */
static void *pb_refuse_alloc(void *data, size_t size)
{
	return NULL;
}

void *pb_malloc(size_t size)
{
	struct pb_budget b = { .used = 0, .max = SIZE_MAX };
	void *p = pb_budget_alloc(&b, size);

	if (p)
		memset(p, 0, size);
	return p;
}

void pb_free(ProtobufCMessage *msg)
{
	ProtobufCAllocator a = {
		.alloc = pb_refuse_alloc,
		.free = pb_budget_free,
	};

	if (msg)
		protobuf_c_message_free_unpacked(msg, &a);
}

static int pb_check_depth(const ProtobufCMessage *msg,
			  const struct pb_limits *lim, int depth,
			  const char **reason);

static int pb_check_value(const ProtobufCFieldDescriptor *f, const void *v,
			  const struct pb_limits *lim, int depth,
			  const char **reason)
{
	switch (f->type) {
	case PROTOBUF_C_TYPE_STRING: {
		const char *s = *(char *const *)v;

		if (s && strnlen(s, lim->max_string + 1) > lim->max_string) {
			*reason = "string_length";
			return -E2BIG;
		}
		return 0;
	}
	case PROTOBUF_C_TYPE_BYTES: {
		const ProtobufCBinaryData *bd = v;

		if (bd->len > lim->max_bytes) {
			*reason = "bytes_length";
			return -E2BIG;
		}
		return 0;
	}
	case PROTOBUF_C_TYPE_MESSAGE: {
		const ProtobufCMessage *m = *(ProtobufCMessage *const *)v;

		return m ? pb_check_depth(m, lim, depth + 1, reason) : 0;
	}
	default:
		return 0;
	}
}

static size_t pb_type_size(ProtobufCType t)
{
	switch (t) {
	case PROTOBUF_C_TYPE_STRING:
	case PROTOBUF_C_TYPE_MESSAGE:
		return sizeof(void *);
	case PROTOBUF_C_TYPE_BYTES:
		return sizeof(ProtobufCBinaryData);
	default:
		return 0; /* scalars need no walk */
	}
}

static int pb_check_depth(const ProtobufCMessage *msg,
			  const struct pb_limits *lim, int depth,
			  const char **reason)
{
	const ProtobufCMessageDescriptor *d = msg->descriptor;
	int err;

	if (depth > lim->max_depth) {
		*reason = "nesting";
		return -E2BIG;
	}
	/*
	 * protobuf-c keeps unknown fields (forward compatibility) but accepts
	 * field numbers protobuf forbids (0, above 2^29 - 1), which it then
	 * cannot write back correctly: re-packing such a message yields
	 * bytes nobody can read.  Refuse them here.
	 */
	for (unsigned int i = 0; i < msg->n_unknown_fields; i++) {
		uint32_t tag = msg->unknown_fields[i].tag;

		if (tag == 0 || tag > PB_MAX_FIELD_NUMBER) {
			*reason = "malformed";
			return -EBADMSG;
		}
	}
	for (unsigned int i = 0; i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &d->fields[i];
		const char *base = (const char *)msg + f->offset;

		if (f->label != PROTOBUF_C_LABEL_REPEATED) {
			err = pb_check_value(f, base, lim, depth, reason);
			if (err)
				return err;
			continue;
		}
		size_t n = *(const size_t *)((const char *)msg +
					     f->quantifier_offset);
		size_t sz = pb_type_size(f->type);

		if (n > lim->max_repeated) {
			*reason = "repeated_count";
			return -E2BIG;
		}
		if (sz == 0 || n == 0)
			continue;
		const char *arr = *(char *const *)base;

		for (size_t k = 0; k < n; k++) {
			err = pb_check_value(f, arr + k * sz, lim, depth,
					     reason);
			if (err)
				return err;
		}
	}
	return 0;
}

int pb_check(const ProtobufCMessage *msg, const struct pb_limits *lim,
	     const char **reason)
{
	return pb_check_depth(msg, lim, 0, reason);
}

int pb_unpack(const ProtobufCMessageDescriptor *desc, const uint8_t *buf,
	      size_t len, const struct pb_limits *lim, ProtobufCMessage **out,
	      const char **reason)
{
	struct pb_budget b = { .used = 0, .max = lim->max_alloc };
	ProtobufCAllocator a = {
		.alloc = pb_budget_alloc,
		.free = pb_budget_free,
		.allocator_data = &b,
	};
	ProtobufCMessage *m;
	int err;

	*out = NULL;
	m = protobuf_c_message_unpack(desc, &a, len, buf);
	if (m == NULL) {
		/*
		 * protobuf-c says NULL for both bad input and a failed
		 * allocation; the budget knows which one it was.  A real
		 * malloc() failure is reported as malformed: too rare to be
		 * worth its own path.
		 */
		if (b.refused) {
			*reason = "alloc_budget";
			return -E2BIG;
		}
		*reason = "malformed";
		return -EBADMSG;
	}
	err = pb_check(m, lim, reason);
	if (err) {
		pb_free(m);
		return err;
	}
	*out = m;
	return 0;
}

size_t pb_varint_size(uint64_t v)
{
	size_t n = 1;

	while (v >= 0x80) {
		v >>= 7;
		n++;
	}
	return n;
}

size_t pb_varint_put(uint8_t *out, uint64_t v)
{
	size_t n = 0;

	while (v >= 0x80) {
		out[n++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	out[n++] = (uint8_t)v;
	return n;
}

int pb_varint_get(const uint8_t *in, size_t len, uint64_t *v)
{
	uint64_t r = 0;

	for (size_t i = 0; i < len && i < PB_VARINT_MAX; i++) {
		uint64_t byte = in[i];

		if (i == PB_VARINT_MAX - 1 && byte > 1)
			return -EBADMSG;
		r |= (byte & 0x7f) << (7 * i);
		if (!(byte & 0x80)) {
			*v = r;
			return (int)i + 1;
		}
	}
	return len >= PB_VARINT_MAX ? -EBADMSG : 0;
}
