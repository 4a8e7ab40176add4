/* SPDX-License-Identifier: MIT */
/*
 * web.h - oops-web: the dashboard, JSON API and Prometheus metrics over a
 * collector's store.
 *
 * One thread: libmicrohttpd runs in its external-epoll mode inside our
 * poll loop (web/main.c), so a request is answered start to end by one
 * handler (web/pages.c, web/metrics.c) that reads the store through the
 * query layer (lib/store) and writes HTML or JSON into a bounded buffer
 * (web/out.c).  Writes (triage) need a user of the users file (web/auth.c).
 */
#ifndef OOPSD_WEB_H
#define OOPSD_WEB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/conf.h"
#include "base/json.h"
#include "store/store.h"

struct web_config {
	char *listen;	     /* ADDR:PORT or [V6]:PORT */
	char *store;
	char *users_file;    /* "name:crypt-hash" lines; empty: read-only */
	char *user;	     /* drop privileges to */
	int seccomp;   /* enum sandbox_mode (base/sandbox.h) */
	int log_level; /* enum log_level (base/log.h) */
	char *title;	     /* shown in every page's header */
	long long max_connections;
	uint64_t timeout;    /* ms a connection may stay idle */
	uint64_t silent_after; /* ms without a heartbeat: a silent host */
};
extern const struct conf_entry web_conf_table[];

/* A growing output buffer that stops growing at WEB_MAX_PAGE. */
#define WEB_MAX_PAGE (8u << 20)
struct out {
	char *p;
	size_t len, cap;
	bool full; /* something did not fit: the answer is an error */
};
void out_add(struct out *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void out_addn(struct out *o, const char *s, size_t n);
void out_str(struct out *o, const char *s);
/* HTML text and attribute values: & < > " ' escaped (NULL: nothing). */
void out_html(struct out *o, const char *s);
void out_htmln(struct out *o, const char *s, size_t n);
/* A path segment of a URL, percent-encoded (then HTML-safe as well). */
void out_url(struct out *o, const char *s);
void out_free(struct out *o);

/* Users allowed to write, from the users file. */
struct web_user {
	char *name;
	char *hash; /* crypt(3): $y$ yescrypt, $6$ sha-512, $2b$ bcrypt */
};
struct web_auth {
	struct web_user *users;
	size_t n;
};
/* Load the users file.  0, or -errno with err filled ("file:line: why"). */
int web_auth_load(const char *path, struct web_auth *a, char *err,
		  size_t errlen);
/* Whether name and password match a user (constant work per user). */
bool web_auth_check(const struct web_auth *a, const char *name,
		    const char *password);
void web_auth_free(struct web_auth *a);

/* The kinds of the store, for the filter form: asked once a minute. */
#define WEB_KINDS_MAX 64
#define WEB_KINDS_TTL_US (60 * 1000000LL)
struct web_kinds {
	char name[WEB_KINDS_MAX][32];
	size_t n;
	int64_t loaded_us;
};

struct web {
	const struct web_config *cfg;
	struct web_kinds kinds;
	struct store *st;
	struct web_auth auth;
	bool writable; /* users configured: triage may be set */
	int64_t started_us;
	uint64_t requests, errors, denied; /* for /metrics */
};

/* One request being answered. */
struct web_req {
	struct web *w;
	void *conn;	  /* struct MHD_Connection */
	const char *path; /* without the /api/v1 prefix */
	bool json;	  /* under /api/v1 */
	bool post;
	const char *body; /* POST form body, NUL-terminated */
	size_t body_len;
	const char *user; /* authenticated user, or NULL */
	struct out o;
	unsigned status;
	const char *ctype;
	char location[512]; /* redirect target (303) */
	bool want_auth;	    /* 401 with a Basic challenge */
	int64_t now_us;
};

/* A query argument of the request (?name=value), or NULL. */
const char *web_arg(struct web_req *r, const char *name);
/* A value of the POST form body (application/x-www-form-urlencoded),
 * decoded into buf; NULL when absent, or (*too_long set) when it does not
 * fit in len bytes. */
const char *web_form(struct web_req *r, const char *name, char *buf,
		     size_t len, bool *too_long);

/* Answer r (status, content type and r->o).  Pages: web/pages.c. */
void web_route(struct web_req *r);
void web_metrics(struct web_req *r);

/*
 * Walk a collector's counters_json: WEB_CTR_VALUE (name, key NULL, v) for
 * a top-level integer; for an object member WEB_CTR_OPEN (name), then
 * WEB_CTR_VALUE (name, key, v) per value, then WEB_CTR_CLOSE (name).
 * Validate first with fn NULL.  Count of values, or -EINVAL for text that
 * is not such an object.
 */
enum web_ctr_event { WEB_CTR_VALUE, WEB_CTR_OPEN, WEB_CTR_CLOSE };
typedef void (*web_counter_fn)(enum web_ctr_event ev, const char *name,
			       const char *key, int64_t v, void *arg);
int web_counters_parse(const char *json, web_counter_fn fn, void *arg);

/* Helpers the pages share. */
const char *web_time(int64_t us, char *buf, size_t len);

#endif /* OOPSD_WEB_H */
