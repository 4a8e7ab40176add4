// SPDX-License-Identifier: MIT
/*
 * store.c - the store interface: pick a backend by the spec's scheme and
 * dispatch to it; helpers every backend shares.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "signature.h"
#include "store.h"
#include "util.h"

static const struct store_ops *const store_backends[] = {
#if ENABLE_STORE_SQLITE
	&store_sqlite_ops,
#endif
	NULL,
};

int store_open(const char *spec, unsigned flags, struct store **out)
{
	const char *colon;
	size_t n;

	*out = NULL;
	if (spec == NULL || (colon = strchr(spec, ':')) == NULL ||
	    colon[1] == '\0') {
		log_warnx("store '%s': expected SCHEME:PATH (sqlite:PATH)",
			  spec ? spec : "");
		return -EINVAL;
	}
	n = (size_t)(colon - spec);
	for (size_t i = 0; store_backends[i] != NULL; i++) {
		const struct store_ops *ops = store_backends[i];

		if (strlen(ops->scheme) == n &&
		    memcmp(ops->scheme, spec, n) == 0) {
			int rc = ops->open(colon + 1, flags, out);

			if (rc == 0)
				(*out)->ops = ops;
			return rc;
		}
	}
	log_warnx("store '%s': unknown or disabled store type", spec);
	return -EINVAL;
}

void store_close(struct store *st)
{
	if (st != NULL)
		st->ops->close(st);
}

int store_put_batch(struct store *st, struct store_put *items, size_t n)
{
	return st->ops->put_batch(st, items, n);
}

int store_top(struct store *st, const struct store_top_query *q,
	      store_sig_fn fn, void *arg)
{
	return st->ops->top(st, q, fn, arg);
}

int store_hosts(struct store *st, store_host_fn fn, void *arg)
{
	return st->ops->hosts(st, fn, arg);
}

int store_export(struct store *st, const struct store_export_query *q,
		 store_rec_fn fn, void *arg)
{
	return st->ops->export_(st, q, fn, arg);
}

int store_show(struct store *st, const char *signature, size_t max_hosts,
	       struct store_sig_detail **out)
{
	return st->ops->show(st, signature, max_hosts, out);
}

int64_t store_retention(struct store *st, int64_t now_us, uint64_t max_age_us,
			uint64_t max_count)
{
	return st->ops->retention(st, now_us, max_age_us, max_count);
}

int store_stats(struct store *st, struct store_stats *out)
{
	return st->ops->stats(st, out);
}

void store_sig_free(struct store_sig *sig)
{
	free(sig->title);
	free(sig->kind);
	for (size_t i = 0; i < sig->n_releases; i++)
		free(sig->releases[i].release);
	free(sig->releases);
	memset(sig, 0, sizeof(*sig));
}

void store_sig_detail_free(struct store_sig_detail *d)
{
	if (d == NULL)
		return;
	store_sig_free(&d->sig);
	for (size_t i = 0; i < d->n_hosts; i++) {
		free(d->hosts[i].host_key);
		free(d->hosts[i].hostname);
	}
	free(d->hosts);
	free(d->example);
	free(d);
}

void store_sig_hex(uint64_t sig, char out[STORE_SIG_LEN])
{
	_Static_assert(STORE_SIG_LEN == SIG_HEX_LEN + 1, "signature hex size");
	sig_format(sig, out);
}

const char *store_kind_name(int kind)
{
	const ProtobufCEnumValue *v =
		protobuf_c_enum_descriptor_get_value(&oopsd__crash_kind__descriptor,
						     kind);

	/* The proto names are KIND_X; the kind's name is X. */
	if (v == NULL || strncmp(v->name, "KIND_", 5) != 0)
		return "UNKNOWN";
	return v->name + 5;
}

/* Crash times further ahead of the collector's clock are not believed. */
#define STORE_MAX_FUTURE_US (3600LL * 1000000)

int64_t store_seen_us(const Oopsd__CrashRecord *rec, int64_t received_us)
{
	if (rec->has_crash_time_us && rec->crash_time_us > 0 &&
	    rec->crash_time_us <= received_us + STORE_MAX_FUTURE_US)
		return rec->crash_time_us;
	return received_us;
}

const char *store_host_key(const Oopsd__CrashRecord *rec, const char *sender,
			   char *buf, size_t len)
{
	const char *colon;
	size_t n;

	if (rec->host != NULL && rec->host->machine_id != NULL &&
	    rec->host->machine_id[0] != '\0')
		return rec->host->machine_id;
	if (rec->host != NULL && rec->host->hostname != NULL &&
	    rec->host->hostname[0] != '\0')
		return rec->host->hostname;
	if (sender == NULL || sender[0] == '\0')
		return "unknown";
	/* "1.2.3.4:6665" -> "1.2.3.4", "[::1]:6665" -> "[::1]": a
	 * netconsole sender is its address. */
	colon = strrchr(sender, ':');
	n = colon != NULL && colon != sender && strchr(colon, ']') == NULL ?
		    (size_t)(colon - sender) : strlen(sender);
	if (n >= len)
		n = len - 1;
	memcpy(buf, sender, n);
	buf[n] = '\0';
	return buf;
}
