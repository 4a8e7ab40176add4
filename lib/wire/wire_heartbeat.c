// SPDX-License-Identifier: MIT
/*
 * wire_heartbeat.c - the Heartbeat body (proto/oopsd.proto): an agent
 * saying it is alive, what it runs and how much it has not shipped yet.
 * Small (a few hundred bytes), so it is packed with protobuf-c into a
 * stack buffer and wrapped by wire_pack_body().
 */
#include <errno.h>
#include <string.h>

#include "wire/wire.h"

/* Five strings at their maximum, the numbers and field headers. */
#define WIRE_HEARTBEAT_BODY_MAX (5 * (WIRE_HEARTBEAT_STRING_MAX + 3) + \
				 WIRE_SENDER_ID_MAX + 64)

static bool hb_string_ok(const char *s)
{
	return s == NULL || strlen(s) <= WIRE_HEARTBEAT_STRING_MAX;
}

int wire_pack_heartbeat(const struct wire_iov *sender_id, uint64_t seq,
			const struct wire_heartbeat *hb,
			const struct wire_key *key, uint8_t *buf, size_t cap)
{
	uint8_t body[WIRE_HEARTBEAT_BODY_MAX];
	Oopsd__Heartbeat m = OOPSD__HEARTBEAT__INIT;
	size_t len;

	if (sender_id == NULL || sender_id->len == 0 ||
	    sender_id->len > WIRE_SENDER_ID_MAX)
		return -EINVAL;
	if (!hb_string_ok(hb->hostname) || !hb_string_ok(hb->machine_id) ||
	    !hb_string_ok(hb->agent_version) || !hb_string_ok(hb->release) ||
	    !hb_string_ok(hb->boot_id))
		return -EINVAL;
	m.has_version = 1;
	m.version = WIRE_VERSION;
	m.has_sender_id = 1;
	m.sender_id.data = (uint8_t *)sender_id->data;
	m.sender_id.len = sender_id->len;
	m.has_seq = 1;
	m.seq = seq;
	/* protobuf-c writes a NULL string as absent. */
	m.hostname = (char *)hb->hostname;
	m.machine_id = (char *)hb->machine_id;
	m.agent_version = (char *)hb->agent_version;
	m.release = (char *)hb->release;
	m.boot_id = (char *)hb->boot_id;
	m.has_backlog = 1;
	m.backlog = hb->backlog;
	m.has_interval_s = 1;
	m.interval_s = hb->interval_s;
	if (hb->time_us) {
		m.has_time_us = 1;
		m.time_us = hb->time_us;
	}
	len = oopsd__heartbeat__get_packed_size(&m);
	if (len > sizeof(body))
		return -EMSGSIZE;
	oopsd__heartbeat__pack(&m, body);
	return wire_pack_body(WIRE_BODY_HEARTBEAT, body, len, key, buf, cap);
}

int wire_check_heartbeat(const Oopsd__Heartbeat *hb, const char **reason)
{
	if (!hb->has_version || hb->version != WIRE_VERSION) {
		*reason = "bad_version";
		return -EPROTONOSUPPORT;
	}
	if (!hb->has_sender_id || hb->sender_id.len == 0 ||
	    hb->sender_id.len > WIRE_SENDER_ID_MAX) {
		*reason = "bad_sender_id";
		return -EBADMSG;
	}
	if (!hb->has_seq) {
		*reason = "no_seq";
		return -EBADMSG;
	}
	if (!hb_string_ok(hb->hostname) || !hb_string_ok(hb->machine_id) ||
	    !hb_string_ok(hb->agent_version) || !hb_string_ok(hb->release) ||
	    !hb_string_ok(hb->boot_id)) {
		*reason = "string_length";
		return -E2BIG;
	}
	return 0;
}
