/* SPDX-License-Identifier: MIT */
/*
 * fit.h - make a packed CrashRecord fit in a datagram.
 *
 * Records are never split over datagrams (proto/oopsd.proto, Envelope):
 * a record larger than the room a datagram has keeps the head of its
 * report text (where the title, registers and call trace are) and is
 * flagged crash.truncated; if even the record without text is too large,
 * its call trace is shortened too.
 */
#ifndef OOPSD_AGENT_FIT_H
#define OOPSD_AGENT_FIT_H

#include <stddef.h>
#include <stdint.h>

/*
 * rec/len: a packed CrashRecord (ours: from record_pack() or the spool).
 * On success returns 0 and *out (malloc'd, caller frees) of *outlen <= max
 * bytes.  -EMSGSIZE when it cannot be made to fit, -EBADMSG when rec is
 * not a record, -ENOMEM.
 */
int agent_record_fit(const uint8_t *rec, size_t len, size_t max, uint8_t **out,
		     size_t *outlen);

#endif /* OOPSD_AGENT_FIT_H */
