// SPDX-License-Identifier: MIT
/*
 * fuzz_wire.c - libFuzzer harness for the datagram decoder (lib/wire.c).
 *
 * The input is one datagram.  It is decoded without a key and with one
 * (which must refuse anything the fuzzer did not sign, since it cannot
 * know the key).  A datagram that decodes is checked record by record
 * with record_check() and printed with record_to_json(), as the collector
 * does; then it is packed again with wire_pack_*() and a key and must
 * decode to the same sender, sequence and counts.  abort() when a
 * property fails.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/json.h"
#include "record/record.h"
#include "wire/wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_repack_envelope(const struct wire_msg *m,
				 const struct wire_key *key)
{
	static uint8_t recbuf[WIRE_UDP_MAX], out[WIRE_UDP_MAX];
	static struct wire_iov iov[256];
	struct wire_iov sid = { m->sender_id, m->sender_id_len };
	const char *reason;
	struct wire_msg m2;
	size_t used = 0, n = m->env->n_records;
	int len;

	if (n > 256)
		abort();
	for (size_t i = 0; i < n; i++) {
		size_t sz = oopsd__crash_record__get_packed_size(
			m->env->records[i]);

		if (sz > sizeof(recbuf) - used)
			return; /* cannot grow: nothing to compare */
		oopsd__crash_record__pack(m->env->records[i], recbuf + used);
		iov[i] = (struct wire_iov){ recbuf + used, sz };
		used += sz;
	}
	len = wire_pack_envelope(&sid, m->seq, iov, n, key, out, sizeof(out));
	if (len == -EMSGSIZE)
		return;
	if (len < 0)
		abort();
	if (wire_unpack(out, (size_t)len, key, NULL, &m2, &reason) != 0)
		abort();
	if (m2.seq != m->seq || m2.sender_id_len != m->sender_id_len ||
	    memcmp(m2.sender_id, m->sender_id, m->sender_id_len) != 0 ||
	    m2.env->n_records != n || !m2.authenticated)
		abort();
	wire_msg_release(&m2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wire_key key;
	struct wire_msg m;
	const char *reason;
	struct json j;

	if (wire_key_set(&key, "fuzz-key-0123456789abcdef", 25) != 0)
		abort();
	/* The fuzzer cannot sign: with a key, nothing may pass. */
	if (wire_unpack(data, size, &key, NULL, &m, &reason) == 0)
		abort();
	if (wire_unpack(data, size, NULL, NULL, &m, &reason) != 0)
		return 0;
	if (m.type == WIRE_BODY_ENVELOPE) {
		json_init(&j);
		for (size_t i = 0; i < m.env->n_records; i++) {
			if (record_check(m.env->records[i], NULL, &reason))
				continue;
			if (record_to_json(m.env->records[i], &j) != 0)
				abort();
			json_reset(&j);
		}
		json_free(&j);
		fuzz_repack_envelope(&m, &key);
	} else if (m.type == WIRE_BODY_ACK) {
		if (m.ack->n_ids > 1024 || m.ack->n_rejected_ids > 1024)
			abort();
	} else if (m.type == WIRE_BODY_HEARTBEAT) {
		/* Decoded means every string was checked (UTF-8, bounds). */
		if (m.hb == NULL)
			abort();
	} else {
		abort();
	}
	wire_msg_release(&m);
	return 0;
}
