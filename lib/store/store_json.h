/* SPDX-License-Identifier: MIT */
/*
 * store_json.h - the JSON forms of what the store answers, shared by
 * `oopsctl --json` and oops-web's API so both use the same field names.
 */
#ifndef OOPSD_STORE_JSON_H
#define OOPSD_STORE_JSON_H

#include "base/json.h"
#include "store/store.h"

/* key: "2026-11-21T05:10:34Z" (null for 0) and key_us: the integer. */
void store_json_time(struct json *j, const char *key, int64_t us);

/*
 * The members of a signature row (no braces): signature, stack_signature,
 * title, kind, count, total, hosts, first_seen(_us), last_seen(_us),
 * releases (names, by first seen).
 */
void store_json_sig_fields(struct json *j, const struct store_sig *s);

/* "triage": {"state", "fixed_in", "bug", "note", "updated"(_us)}. */
void store_json_triage(struct json *j, const struct store_triage *t);

/*
 * "kernels": [{release, count, first_seen, last_seen}] and "by_host":
 * [{host, hostname, count, first_seen, last_seen}] of a signature's
 * detail (store_show()), as `oopsctl show --json` and /api/v1/sig/ give.
 */
void store_json_sig_places(struct json *j, const struct store_sig_detail *d);

#endif /* OOPSD_STORE_JSON_H */
