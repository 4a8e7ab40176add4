// SPDX-License-Identifier: MIT
/*
 * store.c - the store interface: pick a backend by the spec's scheme and
 * dispatch to it; helpers every backend shares.
 */
#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "base/log.h"
#include "parse/signature.h"
#include "store/store.h"
#include "store_internal.h"
#include "base/util.h"

static const struct store_ops *const store_backends[] = {
#if ENABLE_STORE_SQLITE
	&store_sqlite_ops,
#endif
#if ENABLE_STORE_POSTGRES
	&store_pg_ops,
#endif
	NULL,
};

static bool scheme_is(const char *name, const char *spec, size_t n)
{
	return strlen(name) == n && memcmp(name, spec, n) == 0;
}

/* The backend of spec and the argument its open() takes; NULL with a
 * reason in err when there is none. */
static const struct store_ops *store_find(const char *spec, const char **argp,
					  char *err, size_t errlen)
{
	const char *colon;
	size_t n;

	if (spec == NULL || (colon = strchr(spec, ':')) == NULL ||
	    colon[1] == '\0') {
		snprintf(err, errlen, "expected SCHEME:PATH (sqlite:PATH or "
				      "postgresql://...)");
		return NULL;
	}
	n = (size_t)(colon - spec);
	for (size_t i = 0; store_backends[i] != NULL; i++) {
		const struct store_ops *ops = store_backends[i];

		if (scheme_is(ops->scheme, spec, n)) {
			*argp = colon + 1;
			return ops;
		}
		for (size_t k = 0; ops->aliases != NULL &&
				   ops->aliases[k] != NULL; k++)
			if (scheme_is(ops->aliases[k], spec, n)) {
				*argp = spec;
				return ops;
			}
	}
	snprintf(err, errlen, "unknown or disabled store type");
	return NULL;
}

int store_spec_check(const char *spec, char *err, size_t errlen)
{
	const char *arg;

	return store_find(spec, &arg, err, errlen) ? 0 : -EINVAL;
}

int store_open(const char *spec, unsigned flags, struct store **out)
{
	const struct store_ops *ops;
	char shown[512], err[128];
	const char *arg = NULL;
	int rc;

	*out = NULL;
	ops = store_find(spec, &arg, err, sizeof(err));
	if (ops == NULL) {
		store_spec_redact(spec ? spec : "", shown, sizeof(shown));
		log_warnx("store '%s': %s", shown, err);
		return -EINVAL;
	}
	rc = ops->open(arg, flags, out);
	if (rc == 0)
		(*out)->ops = ops;
	return rc;
}

void store_close(struct store *st)
{
	if (st != NULL) {
		free(st->scratch);
		st->scratch = NULL;
		st->ops->close(st);
	}
}

const char *const *store_syscalls(const struct store *st)
{
	return st->ops->syscalls;
}

/*
 * Copy [s, s + n) to out at *pos, truncating at len - 1 bytes.  Helper of
 * store_spec_redact().
 */
static void redact_put(char *out, size_t len, size_t *pos, const char *s,
		       size_t n)
{
	if (*pos + n >= len)
		n = len - 1 - *pos;
	memcpy(out + *pos, s, n);
	*pos += n;
	out[*pos] = '\0';
}

char *store_spec_redact(const char *spec, char *out, size_t len)
{
	const char *p = spec, *scheme_end = strstr(spec, "://");
	size_t pos = 0;

	if (len == 0)
		return out;
	out[0] = '\0';
	/* URI user info: "scheme://user:password@host" */
	if (scheme_end != NULL) {
		const char *auth = scheme_end + 3;
		const char *end = auth + strcspn(auth, "/?");
		const char *at = memchr(auth, '@', (size_t)(end - auth));
		const char *pw = at ? memchr(auth, ':', (size_t)(at - auth)) :
				      NULL;

		if (pw != NULL) {
			redact_put(out, len, &pos, spec,
				   (size_t)(pw + 1 - spec));
			redact_put(out, len, &pos, "***", 3);
			p = at;
		}
	}
	/* "password=..." as a keyword or a URI query parameter. */
	while (*p != '\0') {
		const char *kw = strstr(p, "password=");

		if (kw == NULL || (kw > spec && kw[-1] != ' ' &&
				   kw[-1] != '?' && kw[-1] != '&' &&
				   kw[-1] != ':')) {
			size_t n = kw ? (size_t)(kw - p) + 9 : strlen(p);

			redact_put(out, len, &pos, p, n);
			p += n;
			continue;
		}
		redact_put(out, len, &pos, p, (size_t)(kw - p) + 9);
		redact_put(out, len, &pos, "***", 3);
		p = kw + 9;
		if (*p == '\'') {
			/* A quoted keyword value: up to the closing quote. */
			for (p++; *p != '\0' && *p != '\''; p++)
				if (*p == '\\' && p[1] != '\0')
					p++;
			if (*p == '\'')
				p++;
		} else {
			p += strcspn(p, " &");
		}
	}
	return out;
}

const char *store_errmsg(const struct store *st)
{
	return st->errmsg;
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
			uint64_t max_age_deletes, uint64_t max_count)
{
	return st->ops->retention(st, now_us, max_age_us, max_age_deletes,
				  max_count);
}

int store_check(struct store *st, bool full, char *msg, size_t len)
{
	if (len > 0)
		msg[0] = '\0';
	if (st->ops->check == NULL)
		return -EOPNOTSUPP;
	return st->ops->check(st, full, msg, len);
}

int store_stats(struct store *st, struct store_stats *out)
{
	return st->ops->stats(st, out);
}

bool store_heartbeat_silent(const struct store_heartbeat *hb, int64_t now_us,
			    int64_t silent_after_us)
{
	int64_t limit = silent_after_us;

	if (limit <= 0)
		limit = 3 * (hb->interval_s > 0 ? hb->interval_s : 3600) *
			(int64_t)1000000;
	return now_us - hb->received_us > limit;
}

void store_set_alert_rules(struct store *st,
			   const struct store_alert_rules *rules)
{
	st->alert_rules = *rules;
}

#define RELEASE_PARTS 16
#define RELEASE_DIGITS 15

/* The numbers of a release (store_release_cmp()); the rest are 0. */
static void release_key(const char *r, int64_t key[RELEASE_PARTS])
{
	size_t n = 0;
	const char *p = r ? r : "";

	memset(key, 0, sizeof(int64_t) * RELEASE_PARTS);
	while (*p != '\0' && n < RELEASE_PARTS) {
		int64_t v = 0;
		int digits = 0;

		if (*p < '0' || *p > '9') {
			p++;
			continue;
		}
		/* "rc" right before (not itself after digits of this run). */
		if (p - r >= 2 && (p[-2] | 0x20) == 'r' &&
		    (p[-1] | 0x20) == 'c') {
			key[n++] = -1;
			if (n == RELEASE_PARTS)
				break;
		}
		while (*p >= '0' && *p <= '9' && digits < RELEASE_DIGITS) {
			v = v * 10 + (*p - '0');
			p++;
			digits++;
		}
		key[n++] = v;
	}
}

int store_release_cmp(const char *a, const char *b)
{
	int64_t ka[RELEASE_PARTS], kb[RELEASE_PARTS];

	release_key(a, ka);
	release_key(b, kb);
	for (size_t i = 0; i < RELEASE_PARTS; i++)
		if (ka[i] != kb[i])
			return ka[i] < kb[i] ? -1 : 1;
	return 0;
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
	return store_host_key_of(rec->host ? rec->host->machine_id : NULL,
				 rec->host ? rec->host->hostname : NULL,
				 sender, buf, len);
}

const char *store_host_key_of(const char *machine_id, const char *hostname,
			      const char *sender, char *buf, size_t len)
{
	const char *colon;
	size_t n;

	if (machine_id != NULL && machine_id[0] != '\0')
		return machine_id;
	if (hostname != NULL && hostname[0] != '\0')
		return hostname;
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

bool store_put_valid(const struct store_put *p)
{
	const Oopsd__CrashRecord *r = p->rec;

	return r != NULL && r->has_id && r->id.len > 0 &&
	       r->id.len <= STORE_MAX_ID_BYTES && r->crash != NULL &&
	       r->crash->has_title_signature && p->packed != NULL &&
	       p->packed_len > 0;
}

void store_agg_fill(struct store_agg *ag, const struct store_put *p)
{
	const Oopsd__CrashRecord *r = p->rec;
	const Oopsd__Crash *c = r->crash;
	char buf[STORE_HOST_KEY_MAX];

	memset(ag, 0, sizeof(*ag));
	store_sig_hex(c->title_signature, ag->sig);
	store_sig_hex(c->stack_signature, ag->stack_sig);
	ag->has_stack = c->has_stack_signature;
	ag->kind = c->kind;
	ag->title = c->title && c->title[0] ? c->title : "(no title)";
	str_lcpy(ag->host_key, store_host_key(r, p->sender, buf, sizeof(buf)),
		 sizeof(ag->host_key));
	ag->hostname = r->host ? r->host->hostname : NULL;
	ag->machine_id = r->host ? r->host->machine_id : NULL;
	ag->release = r->kernel ? r->kernel->release : NULL;
	if (ag->release == NULL || ag->release[0] == '\0')
		ag->release = "unknown";
	ag->sender = p->sender;
	ag->seen = store_seen_us(r, p->received_us);
	ag->hour = ag->seen / STORE_US_PER_HOUR;
	ag->received_hour = p->received_us / STORE_US_PER_HOUR;
}

static int cmp_str(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "");
}

static int cmp_i64(int64_t a, int64_t b)
{
	return (a > b) - (a < b);
}

static int by_sig_host(const void *x, const void *y)
{
	const struct store_agg *a = x, *b = y;
	int c = strcmp(a->sig, b->sig);

	return c ? c : cmp_str(a->host_key, b->host_key);
}

static int same_sig(const void *x, const void *y)
{
	return strcmp(((const struct store_agg *)x)->sig,
		      ((const struct store_agg *)y)->sig);
}

/*
 * By signature, then arrival, so a group's last entry is its example: the
 * record the collector received last, not the one that claims the latest
 * crash time (without a key anyone can date a report an hour ahead and
 * keep it as the example for that long).
 */
static int by_sig(const void *x, const void *y)
{
	const struct store_agg *a = x, *b = y;
	int c = strcmp(a->sig, b->sig);

	return c ? c : cmp_i64(a->rid, b->rid);
}

static int by_sig_release(const void *x, const void *y)
{
	const struct store_agg *a = x, *b = y;
	int c = strcmp(a->sig, b->sig);

	return c ? c : cmp_str(a->release, b->release);
}

static int same_host(const void *x, const void *y)
{
	return cmp_str(((const struct store_agg *)x)->host_key,
		       ((const struct store_agg *)y)->host_key);
}

static int by_host(const void *x, const void *y)
{
	const struct store_agg *a = x, *b = y;
	int c = cmp_str(a->host_key, b->host_key);

	if (c == 0)
		c = cmp_i64(a->seen, b->seen);
	return c ? c : cmp_i64(a->rid, b->rid);
}

static int by_sig_hour(const void *x, const void *y)
{
	const struct store_agg *a = x, *b = y;
	int c = strcmp(a->sig, b->sig);

	return c ? c : cmp_i64(a->hour, b->hour);
}

/*
 * The group that starts at ag[i] under `same`: its end, count, seen span
 * and newest entry (the last with the greatest seen time).
 */
static size_t agg_group(const struct store_agg *ag, size_t n, size_t i,
			int (*same)(const void *, const void *),
			struct store_agg_group *g)
{
	size_t j = i + 1;

	memset(g, 0, sizeof(*g));
	g->key = &ag[i];
	g->newest = &ag[i];
	g->first = ag[i].seen;
	g->last = ag[i].seen;
	for (; j < n && same(&ag[i], &ag[j]) == 0; j++) {
		if (ag[j].seen < g->first)
			g->first = ag[j].seen;
		if (ag[j].seen >= g->last) {
			g->last = ag[j].seen;
			g->newest = &ag[j];
		}
	}
	g->n = (int64_t)(j - i);
	return j;
}

static int64_t agg_news(const struct store_agg *ag, size_t i, size_t j)
{
	int64_t news = 0;

	for (size_t k = i; k < j; k++)
		news += ag[k].new_sig_host;
	return news;
}

int store_agg_apply(struct store_agg *ag, size_t n,
		    const struct store_agg_sink *sink, void *arg)
{
	struct store_agg_group g;
	int64_t ret;
	size_t i, j;
	int rc;

	/* Per signature and host first: it tells which hosts are new. */
	qsort(ag, n, sizeof(*ag), by_sig_host);
	for (i = 0; i < n; i = j) {
		j = agg_group(ag, n, i, by_sig_host, &g);
		if ((ret = sink->sig_host(arg, &g)) < 0)
			return (int)ret;
		/* The row holds exactly this group: it was created now. */
		ag[i].new_sig_host = ret == g.n;
	}
	if (sink->sig_host_counts != NULL) {
		const int64_t *counts;
		size_t k = 0;

		if ((rc = sink->sig_host_counts(arg, &counts)) < 0)
			return rc;
		for (i = 0; i < n; i = j, k++) {
			j = agg_group(ag, n, i, by_sig_host, &g);
			ag[i].new_sig_host = counts[k] == g.n;
		}
	}

	qsort(ag, n, sizeof(*ag), by_sig);
	for (i = 0; i < n; i = j) {
		j = agg_group(ag, n, i, same_sig, &g);
		g.news = agg_news(ag, i, j);
		g.newest = &ag[j - 1]; /* sorted by arrival */
		if ((rc = sink->sig(arg, &g)) < 0)
			return rc;
		/* A new signature has only new (signature, host) rows:
		 * with none, it cannot be new (no statement needed). */
		if (sink->alert_sig && g.news > 0 &&
		    (rc = sink->alert_sig(arg, &g)) < 0)
			return rc;
	}

	qsort(ag, n, sizeof(*ag), by_sig_release);
	for (size_t s = 0, s_end = 0; s < n; s = s_end) {
		int64_t sig_n;

		/* The signature's records, for the alerts (a new
		 * signature's first releases are no "new release"). */
		for (s_end = s; s_end < n && same_sig(&ag[s], &ag[s_end]) == 0;)
			s_end++;
		sig_n = (int64_t)(s_end - s);
		for (i = s; i < s_end; i = j) {
			j = agg_group(ag, s_end, i, by_sig_release, &g);
			g.sig_n = sig_n;
			if ((rc = sink->release(arg, &g)) < 0)
				return rc;
			if (sink->alert_release &&
			    (rc = sink->alert_release(arg, &g)) < 0)
				return rc;
		}
	}

	qsort(ag, n, sizeof(*ag), by_host);
	for (i = 0; i < n; i = j) {
		j = agg_group(ag, n, i, same_host, &g);
		g.news = agg_news(ag, i, j);
		g.newest = &ag[j - 1];
		/* The newest release that is known: a report that did not
		 * say (a bare panic) does not make the host's kernel unknown. */
		for (size_t k = j; k-- > i && g.release == NULL;)
			if (strcmp(ag[k].release, "unknown") != 0)
				g.release = ag[k].release;
		if ((rc = sink->host(arg, &g)) < 0)
			return rc;
	}

	qsort(ag, n, sizeof(*ag), by_sig_hour);
	for (i = 0; i < n; i = j) {
		j = agg_group(ag, n, i, by_sig_hour, &g);
		if ((rc = sink->hour(arg, &g)) < 0)
			return rc;
		/* A spike is news in the hour it happens (or the one
		 * after): old records arriving late raise none. */
		if (sink->alert_hour &&
		    g.key->hour >= g.key->received_hour - 1 &&
		    (rc = sink->alert_hour(arg, &g)) < 0)
			return rc;
	}
	return 0;
}

int store_sig_prefix(const char *signature, char out[STORE_SIG_LEN])
{
	size_t len = strlen(signature);

	if (len < 4 || len > STORE_SIG_LEN - 1)
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		char c = signature[i];

		if (c >= 'A' && c <= 'F')
			c = (char)(c + 32);
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			return -EINVAL;
		out[i] = c;
	}
	out[len] = '\0';
	return 0;
}

/* Delete in chunks until a chunk comes back short or limit is reached. */
static int64_t retention_chunks(const struct store_retention_ops *ops,
				void *arg, bool oldest, int64_t cutoff,
				int64_t limit)
{
	int64_t total = 0;

	while (limit > 0) {
		int64_t chunk = limit < STORE_RETENTION_CHUNK ?
					limit : STORE_RETENTION_CHUNK;
		int64_t n = oldest ? ops->delete_oldest(arg, chunk) :
				     ops->delete_before(arg, cutoff, chunk);

		if (n < 0)
			return n;
		total += n;
		limit -= n;
		if (n < chunk)
			break;
	}
	return total;
}

int64_t store_retention_run(const struct store_retention_ops *ops, void *arg,
			    int64_t now_us, uint64_t max_age_us,
			    uint64_t max_age_deletes, uint64_t max_count)
{
	int64_t deleted = 0, rc;

	if (max_age_us > 0 && max_age_us < (uint64_t)now_us) {
		int64_t cutoff = now_us - (int64_t)max_age_us;
		int64_t limit = max_age_deletes > 0 &&
					max_age_deletes < (uint64_t)INT64_MAX
				? (int64_t)max_age_deletes
				: INT64_MAX;

		rc = retention_chunks(ops, arg, false, cutoff, limit);
		if (rc < 0)
			return rc;
		deleted += rc;
		/* Hour buckets before the cutoff can no longer be asked for
		 * with a meaningful --since. */
		rc = ops->delete_hours_before(arg, cutoff / STORE_US_PER_HOUR);
		if (rc < 0)
			return rc;
	}
	if (max_count > 0) {
		int64_t total = 0;

		if ((rc = ops->count(arg, &total)) < 0)
			return rc;
		if ((uint64_t)total > max_count) {
			rc = retention_chunks(ops, arg, true, 0,
					      total - (int64_t)max_count);
			if (rc < 0)
				return rc;
			deleted += rc;
		}
	}
	return deleted;
}

size_t store_sig_rows(const void *rows, size_t n,
		      const char *(*sig_at)(const void *rows, size_t i),
		      const char *sig, size_t *first)
{
	size_t lo = 0, hi = n, end;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(sig_at(rows, mid), sig) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (end = lo; end < n && strcmp(sig_at(rows, end), sig) == 0;)
		end++;
	*first = lo;
	return end;
}
