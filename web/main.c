// SPDX-License-Identifier: MIT
/*
 * main.c - oops-web: HTTP over the collector's store.
 *
 * libmicrohttpd runs without threads of its own (MHD_USE_EPOLL, external
 * loop): main() polls its epoll descriptor and calls MHD_run(), so every
 * request is answered by this one thread, start to end, as in the other
 * daemons.  The listening socket is bound before privileges are dropped
 * and the seccomp filter installed; requests are bounded (header memory
 * per connection, POST bodies, URL length, connections at once, idle
 * timeout), and so is every answer (WEB_MAX_PAGE).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "base/daemon.h"
#include "base/log.h"
#include "base/sandbox.h"
#include "base/util.h"
#include "web.h"

/* Request headers and the URL of a connection fit in this. */
#define WEB_CONN_MEMORY (32 * 1024)
/* POST bodies (the triage form) are small. */
#define WEB_MAX_BODY 8192
#define WEB_MAX_URL 2048

static volatile sig_atomic_t web_stop, web_usr1;

static void on_signal(int signo)
{
	if (signo == SIGUSR1)
		web_usr1 = 1;
	else
		web_stop = signo;
}

/* Per connection: the POST body read so far. */
struct web_conn {
	char body[WEB_MAX_BODY + 1];
	size_t len;
	bool too_large;
	bool started;
};

const char *web_time(int64_t us, char *buf, size_t len)
{
	time_t t = (time_t)(us / 1000000);
	struct tm tm;

	if (us <= 0 || gmtime_r(&t, &tm) == NULL ||
	    strftime(buf, len, "%Y-%m-%d %H:%M", &tm) == 0)
		str_lcpy(buf, "-", len);
	return buf;
}

const char *web_arg(struct web_req *r, const char *name)
{
	const char *v = MHD_lookup_connection_value(r->conn,
						    MHD_GET_ARGUMENT_KIND,
						    name);

	return v && *v ? v : NULL;
}

const char *web_form(struct web_req *r, const char *name, char *buf,
		     size_t len, bool *too_long)
{
	size_t nlen = strlen(name);
	const char *p = r->body;

	while (p && *p) {
		const char *end = strchr(p, '&');
		size_t k = 0;

		if (end == NULL)
			end = p + strlen(p);
		if ((size_t)(end - p) > nlen && memcmp(p, name, nlen) == 0 &&
		    p[nlen] == '=') {
			for (const char *s = p + nlen + 1; s < end; s++) {
				char c = *s;
				int hi, lo;

				if (c == '+') {
					c = ' ';
				} else if (c == '%' && end - s >= 3 &&
					   (hi = hex_digit_value(s[1])) >= 0 &&
					   (lo = hex_digit_value(s[2])) >= 0) {
					c = (char)(hi * 16 + lo);
					s += 2;
				}
				if (k + 1 >= len) {
					*too_long = true;
					return NULL;
				}
				buf[k++] = c;
			}
			buf[k] = '\0';
			return buf;
		}
		p = *end ? end + 1 : end;
	}
	return NULL;
}

/* Headers every answer carries: no script runs, nothing is framed. */
static void add_headers(struct MHD_Response *resp, const char *ctype,
			double ms)
{
	char timing[64];

	MHD_add_response_header(resp, "Content-Type", ctype);
	MHD_add_response_header(resp, "Content-Security-Policy",
				"default-src 'none'; style-src 'self'; "
				"img-src 'self'; form-action 'self'; "
				"frame-ancestors 'none'; base-uri 'none'");
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(resp, "X-Frame-Options", "DENY");
	MHD_add_response_header(resp, "Cache-Control", "no-store");
	snprintf(timing, sizeof(timing), "app;dur=%.3f", ms);
	MHD_add_response_header(resp, "Server-Timing", timing);
}

static double mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* The user of a Basic Authorization header, when the password matches. */
static char *authenticate(struct web *w, struct MHD_Connection *c)
{
	char *pass = NULL;
	char *user = MHD_basic_auth_get_username_password(c, &pass);
	char *ok = NULL;

	if (user != NULL && pass != NULL &&
	    web_auth_check(&w->auth, user, pass))
		ok = strdup(user);
	else if (user != NULL)
		w->denied++;
	if (pass != NULL) {
		explicit_bzero(pass, strlen(pass));
		MHD_free(pass);
	}
	if (user != NULL)
		MHD_free(user);
	return ok;
}

static enum MHD_Result send_simple(struct MHD_Connection *c, unsigned status,
				   const char *text)
{
	struct MHD_Response *resp = MHD_create_response_from_buffer(
		strlen(text), (void *)text, MHD_RESPMEM_PERSISTENT);
	enum MHD_Result ret;

	if (resp == NULL)
		return MHD_NO;
	add_headers(resp, "text/plain; charset=utf-8", 0);
	ret = MHD_queue_response(c, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

/* Adds the length of each query argument (MHD hands the path alone). */
static enum MHD_Result arg_len(void *cls, enum MHD_ValueKind kind,
			       const char *key, const char *value)
{
	*(size_t *)cls += strlen(key) + (value ? strlen(value) : 0) + 2;
	return MHD_YES;
}

/*
 * A browser's Origin names this dashboard: http:// or, behind the TLS
 * proxy doc/web.md recommends, https://, then the Host it was asked for.
 * "null" (a sandboxed frame, a data: or file: page) is another site.
 */
static bool same_origin(const char *origin, const char *host)
{
	const char *rest;

	if (host == NULL)
		return false;
	if (strncmp(origin, "http://", 7) == 0)
		rest = origin + 7;
	else if (strncmp(origin, "https://", 8) == 0)
		rest = origin + 8;
	else
		return false;
	return strcmp(rest, host) == 0;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c,
				  const char *url, const char *method,
				  const char *version, const char *upload,
				  size_t *upload_size, void **con_cls)
{
	struct web *w = cls;
	struct web_conn *wc = *con_cls;
	struct web_req r;
	struct MHD_Response *resp;
	enum MHD_Result ret;
	bool post = strcmp(method, MHD_HTTP_METHOD_POST) == 0;
	size_t urllen;
	double t0;

	if (wc == NULL) {
		wc = calloc(1, sizeof(*wc));
		if (wc == NULL)
			return MHD_NO;
		*con_cls = wc;
		return MHD_YES;
	}
	if (*upload_size > 0) {
		/* Count, do not keep, what goes past the bound. */
		if (wc->len + *upload_size > WEB_MAX_BODY) {
			wc->too_large = true;
		} else {
			memcpy(wc->body + wc->len, upload, *upload_size);
			wc->len += *upload_size;
		}
		*upload_size = 0;
		return MHD_YES;
	}
	w->requests++;
	if (!post && strcmp(method, MHD_HTTP_METHOD_GET) != 0 &&
	    strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
		return send_simple(c, MHD_HTTP_METHOD_NOT_ALLOWED,
				   "method not allowed\n");
	urllen = strlen(url);
	MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, arg_len, &urllen);
	if (urllen > WEB_MAX_URL)
		return send_simple(c, MHD_HTTP_URI_TOO_LONG, "URL too long\n");
	if (wc->too_large)
		return send_simple(c, MHD_HTTP_CONTENT_TOO_LARGE,
				   "request body too large\n");

	t0 = mono_ms();
	memset(&r, 0, sizeof(r));
	r.w = w;
	r.conn = c;
	r.post = post;
	r.body = wc->body;
	r.body_len = wc->len;
	r.status = MHD_HTTP_OK;
	r.ctype = "text/html; charset=utf-8";
	r.now_us = now_realtime_us();
	r.path = url;
	if (strncmp(url, "/api/v1/", 8) == 0 || strcmp(url, "/api/v1") == 0) {
		r.json = true;
		r.path = url[7] ? url + 7 : "/";
		r.ctype = "application/json";
	}
	if (post) {
		/* A write is always authenticated; a browser form from
		 * another site never counts (its Origin is not ours). */
		const char *origin = MHD_lookup_connection_value(
			c, MHD_HEADER_KIND, "Origin");
		const char *host = MHD_lookup_connection_value(
			c, MHD_HEADER_KIND, "Host");
		const char *site = MHD_lookup_connection_value(
			c, MHD_HEADER_KIND, "Sec-Fetch-Site");
		char *user;

		if ((site && strcmp(site, "same-origin") != 0 &&
		     strcmp(site, "none") != 0) ||
		    (origin && !same_origin(origin, host))) {
			w->denied++;
			return send_simple(c, MHD_HTTP_FORBIDDEN,
					   "cross-site request refused\n");
		}
		if (!w->writable)
			return send_simple(c, MHD_HTTP_FORBIDDEN,
					   "read-only: no users_file in "
					   "web.conf\n");
		user = authenticate(w, c);
		if (user == NULL) {
			resp = MHD_create_response_from_buffer(
				14, (void *)"unauthorized\n\n",
				MHD_RESPMEM_PERSISTENT);
			if (resp == NULL)
				return MHD_NO;
			add_headers(resp, "text/plain; charset=utf-8", 0);
			ret = MHD_queue_basic_auth_fail_response(c, "oopsd",
								 resp);
			MHD_destroy_response(resp);
			return ret;
		}
		r.user = user;
		web_route(&r);
		free(user);
	} else {
		web_route(&r);
	}
	if (r.o.full) {
		out_free(&r.o);
		w->errors++;
		return send_simple(c, MHD_HTTP_INTERNAL_SERVER_ERROR,
				   "answer too large\n");
	}
	if (r.status >= 500)
		w->errors++;
	resp = MHD_create_response_from_buffer(r.o.len, r.o.p,
					       MHD_RESPMEM_MUST_FREE);
	if (resp == NULL) {
		out_free(&r.o);
		return MHD_NO;
	}
	add_headers(resp, r.ctype, mono_ms() - t0);
	if (r.location[0])
		MHD_add_response_header(resp, "Location", r.location);
	ret = MHD_queue_response(c, r.status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	free(*con_cls);
	*con_cls = NULL;
}

/*
 * Split ADDR:PORT or [V6]:PORT into host (of len bytes) and *port.
 * 0, or -EINVAL with why in err.
 */
static int parse_listen(const char *spec, char *host, size_t len,
			const char **port, char *err, size_t errlen)
{
	const char *end;

	if (spec[0] == '[') {
		end = strchr(spec, ']');
		if (end == NULL || end[1] != ':' || end[2] == '\0' ||
		    (size_t)(end - spec - 1) >= len) {
			snprintf(err, errlen, "expected [V6ADDR]:PORT");
			return -EINVAL;
		}
		memcpy(host, spec + 1, (size_t)(end - spec - 1));
		host[end - spec - 1] = '\0';
		*port = end + 2;
	} else {
		end = strrchr(spec, ':');
		if (end == NULL || end == spec || end[1] == '\0' ||
		    (size_t)(end - spec) >= len ||
		    memchr(spec, ':', (size_t)(end - spec)) != NULL) {
			snprintf(err, errlen,
				 "expected ADDR:PORT or [V6ADDR]:PORT");
			return -EINVAL;
		}
		memcpy(host, spec, (size_t)(end - spec));
		host[end - spec] = '\0';
		*port = end + 1;
	}
	if (strspn(*port, "0123456789") != strlen(*port) ||
	    strlen(*port) > 5 || atoi(*port) > 65535) {
		snprintf(err, errlen, "bad port '%s'", *port);
		return -EINVAL;
	}
	return 0;
}

/* Bind the listening socket.  The socket, or fatal. */
static int bind_listen(const char *spec)
{
	char host[256], err[128];
	const char *port;
	struct addrinfo hints = { .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV,
				  .ai_socktype = SOCK_STREAM },
			*ai = NULL;
	int fd, one = 1, rc;

	if (parse_listen(spec, host, sizeof(host), &port, err, sizeof(err)) < 0)
		fatalx("listen = %s: %s", spec, err);
	rc = getaddrinfo(host, port, &hints, &ai);
	if (rc != 0 || ai == NULL)
		fatalx("listen = %s: %s", spec, gai_strerror(rc));
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
		    0);
	if (fd < 0)
		fatal("listen %s", spec);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ai->ai_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 || listen(fd, 128) < 0)
		fatal("listen %s", spec);
	freeaddrinfo(ai);
	return fd;
}

int main(int argc, char **argv)
{
	static const struct daemon_desc desc = {
		.progname = "oops-web",
		.summary = "The crash dashboard: HTML pages, a JSON API and "
			   "Prometheus metrics over a collector's store.",
		.default_config = CONFIG_DEFAULT_SYSCONFDIR "/web.conf",
		.table = web_conf_table,
	};
	/* What MHD's steady state calls beyond the base and socket lists. */
	static const char *const mhd_calls[] = { "accept4", "accept",
						 "setsockopt", "shutdown",
						 NULL };
	const char *extra[64];
	static struct web w;
	struct web_config cfg;
	struct daemon_opts opts;
	struct MHD_Daemon *d;
	const union MHD_DaemonInfo *info;
	struct sigaction sa = { .sa_handler = on_signal };
	sigset_t block, empty;
	char err[CONF_ERR_MAX], shown[512];
	const char *const *sc;
	size_t ne = 0;
	int level, rc, lfd, epfd;

	memset(&cfg, 0, sizeof(cfg));
	daemon_setup(&desc, argc, argv, &opts, &cfg);
	level = cfg.log_level; /* checked by the config reader */
	{
		char host[256];
		const char *port;

		if (parse_listen(cfg.listen, host, sizeof(host), &port, err,
				 sizeof(err)) < 0) {
			fprintf(stderr, "%s: listen: '%s': %s\n",
				desc.progname, cfg.listen, err);
			return 1;
		}
	}
	if (cfg.users_file[0] != '\0') {
		if (web_auth_load(cfg.users_file, &w.auth, err, sizeof(err)) <
		    0) {
			fprintf(stderr, "%s: users_file: %s\n", desc.progname,
				err);
			return 1;
		}
		w.writable = true;
	}
	if (opts.check_only) {
		printf("%s: configuration OK\n", opts.config_path);
		web_auth_free(&w.auth);
		conf_free(web_conf_table, &cfg);
		return 0;
	}
	if (!opts.verbose)
		log_set_level((enum log_level)level);
	signal(SIGPIPE, SIG_IGN);
	/* Nothing to re-read: the store is read at every request. */
	signal(SIGHUP, SIG_IGN);
	w.cfg = &cfg;
	w.started_us = now_realtime_us();
	/* Without users nothing is written: the store is opened read-only
	 * (a PostgreSQL session read-only too). */
	rc = store_open(cfg.store, w.writable ? 0 : STORE_READONLY, &w.st);
	if (rc < 0)
		fatalx("store %s: cannot open (%s)",
		       store_spec_redact(cfg.store, shown, sizeof(shown)),
		       strerror(-rc));
	lfd = bind_listen(cfg.listen);
	d = MHD_start_daemon(
		MHD_USE_EPOLL, 0, NULL, NULL,
		on_request, &w, MHD_OPTION_LISTEN_SOCKET, lfd,
		MHD_OPTION_CONNECTION_LIMIT, (unsigned)cfg.max_connections,
		MHD_OPTION_PER_IP_CONNECTION_LIMIT,
		(unsigned)(cfg.max_connections > 16 ? cfg.max_connections / 4 :
						       cfg.max_connections),
		MHD_OPTION_CONNECTION_TIMEOUT,
		(unsigned)((cfg.timeout + 999) / 1000),
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)WEB_CONN_MEMORY,
		MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
		MHD_OPTION_END);
	if (d == NULL)
		fatalx("listen %s: cannot start the HTTP server", cfg.listen);
	info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_EPOLL_FD);
	if (info == NULL)
		fatalx("HTTP server without epoll");
	epfd = info->epoll_fd;
	rc = daemon_drop_privileges(cfg.user);
	if (rc == -ENOENT)
		fatalx("user '%s' does not exist: create it, or set `user =` "
		       "(empty) to keep running as root", cfg.user);
	if (rc < 0) {
		errno = -rc;
		fatal("dropping privileges to %s", cfg.user);
	}
	/* Signals only interrupt ppoll(): no check-then-sleep race. */
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGUSR1);
	sigprocmask(SIG_BLOCK, &block, NULL);
	sigemptyset(&empty);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	for (size_t i = 0; mhd_calls[i]; i++)
		extra[ne++] = mhd_calls[i];
	for (sc = store_syscalls(w.st); sc && *sc && ne + 1 < 64; sc++)
		extra[ne++] = *sc;
	extra[ne] = NULL;
	if (sandbox_apply(cfg.seccomp, SANDBOX_NET | SANDBOX_FILES, extra) < 0)
		fatalx("cannot install the seccomp filter (seccomp = off "
		       "to run without)");
	log_info("listening on http://%s, store %s%s", cfg.listen,
		 store_spec_redact(cfg.store, shown, sizeof(shown)),
		 w.writable ? ", triage by authenticated users" :
			      ", read-only");
	daemon_notify_ready();
	while (!web_stop) {
		struct pollfd pfd = { .fd = epfd, .events = POLLIN };
		MHD_UNSIGNED_LONG_LONG to = 0;
		struct timespec ts = { 1, 0 };

		if (MHD_get_timeout(d, &to) == MHD_YES && to < 1000) {
			ts.tv_sec = 0;
			ts.tv_nsec = (long)to * 1000000L;
		}
		if (ppoll(&pfd, 1, &ts, &empty) < 0 && errno != EINTR)
			fatal("poll");
		if (web_usr1) {
			web_usr1 = 0;
			log_info("counters: requests %" PRIu64 ", server errors "
				 "%" PRIu64 ", refused writes %" PRIu64,
				 w.requests, w.errors, w.denied);
		}
		if (!web_stop)
			MHD_run(d);
	}
	log_info("signal %d: stopping", (int)web_stop);
	daemon_notify_stopping();
	MHD_stop_daemon(d);
	close(lfd);
	store_close(w.st);
	web_auth_free(&w.auth);
	conf_free(web_conf_table, &cfg);
	return 0;
}
