// SPDX-License-Identifier: MIT
/*
 * alerts.c - deliver the alerts the store queues (doc/alerts.md).
 *
 * The store raises alerts in the transaction that stores their records
 * (lib/store/store.h), so an alert is exactly as durable as the records
 * and exists once per key.  Here the collector takes due alerts from the
 * queue (leased, so collectors sharing a store do not take the same one),
 * delivers each to the exec hook and/or the webhook, and marks it
 * delivered, or failed with a retry time that doubles each attempt
 * (alert_retry_min .. alert_retry_max).  At most alert_rate alerts leave
 * per minute; the rest wait in the queue, none is dropped.
 *
 * Delivery runs in a helper process forked after the privilege drop and
 * before seccomp: the daemon's filter never allows execve, and a hook or
 * an HTTP exchange must not stall the event loop.  The helper gets one
 * alert at a time over a socketpair (the JSON), runs the hook (stdin: the
 * JSON; exit status 0: delivered) and POSTs the JSON to the webhook
 * (2xx: delivered), each within alert_timeout, and answers with a status
 * line.  A minimal HTTP/1.1 client: http:// only (no TLS: put a local
 * proxy in front of an https receiver), one request per connection.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/json.h"
#include "base/log.h"
#include "base/util.h"
#include "collector.h"
#include "store/store.h"

/* Alerts taken from the store at once (each a delivery, one at a time). */
#define ALERT_TAKE 8
/* Largest alert message (a title is at most a few hundred bytes). */
#define ALERT_MSG_MAX 16384
#define ALERT_ERR_MAX 200

struct alert_item {
	char *key;
	char *json;
	int64_t attempts;
};

struct collector_alerts {
	struct collector *co;
	bool on;
	int fd;		/* to the helper; -1: none */
	pid_t pid;
	bool busy;	/* q[0] is with the helper */
	int64_t busy_since_us;
	struct alert_item q[ALERT_TAKE];
	size_t nq;
	double tokens;	/* rate limit: alerts that may leave now */
	int64_t refill_us;
	/* counters */
	uint64_t delivered, failed, rate_limited;
	bool store_warned;
	int64_t next_purge_us; /* monotonic */
};

/* Delivered alerts are history; forgotten after alert_keep. */
#define ALERT_PURGE_EVERY_US (3600LL * 1000000)

/* --- the helper process ------------------------------------------------ */

struct http_url {
	char host[256];
	char port[8];
	char path[1024];
};

/* http://HOST[:PORT][/PATH]; [V6] for IPv6.  0 or -EINVAL. */
static int http_url_parse(const char *url, struct http_url *u)
{
	const char *p, *host_end, *path;
	size_t n;

	memset(u, 0, sizeof(*u));
	if (strncmp(url, "http://", 7) != 0)
		return -EINVAL;
	p = url + 7;
	path = p + strcspn(p, "/?#");
	if (*p == '[') {
		host_end = memchr(p, ']', (size_t)(path - p));
		if (host_end == NULL)
			return -EINVAL;
		n = (size_t)(host_end - p - 1);
		if (n == 0 || n >= sizeof(u->host))
			return -EINVAL;
		memcpy(u->host, p + 1, n);
		p = host_end + 1;
	} else {
		host_end = p + strcspn(p, ":/?#");
		n = (size_t)(host_end - p);
		if (n == 0 || n >= sizeof(u->host))
			return -EINVAL;
		memcpy(u->host, p, n);
		p = host_end;
	}
	if (*p == ':') {
		n = (size_t)(path - p - 1);
		if (n == 0 || n >= sizeof(u->port))
			return -EINVAL;
		memcpy(u->port, p + 1, n);
		if (strspn(u->port, "0123456789") != n || atoi(u->port) < 1 ||
		    atoi(u->port) > 65535)
			return -EINVAL;
	} else if (p != path) {
		return -EINVAL;
	} else {
		str_lcpy(u->port, "80", sizeof(u->port));
	}
	if (*path == '\0')
		path = "/";
	if (*path != '/' || strlen(path) >= sizeof(u->path) ||
	    strpbrk(path, " \r\n") != NULL)
		return -EINVAL;
	str_lcpy(u->path, path, sizeof(u->path));
	return 0;
}

static int64_t mono_ms(void)
{
	return collector_mono_us() / 1000;
}

/* Wait for events on fd until the deadline.  1 ready, 0 timeout. */
static int wait_fd(int fd, short events, int64_t deadline_ms)
{
	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = events };
		int64_t left = deadline_ms - mono_ms();
		int rc;

		if (left <= 0)
			return 0;
		rc = poll(&pfd, 1, (int)left);
		if (rc > 0)
			return 1;
		if (rc < 0 && errno != EINTR)
			return -errno;
	}
}

/* A non-blocking connect to one of the host's addresses. */
static int http_connect(const struct http_url *u, int64_t deadline_ms,
			char *err, size_t errlen)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res, *ai;
	int fd = -1, rc;

	rc = getaddrinfo(u->host, u->port, &hints, &res);
	if (rc != 0) {
		snprintf(err, errlen, "%.64s: %s", u->host, gai_strerror(rc));
		return -EHOSTUNREACH;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		int soerr = 0, cerr, w;
		socklen_t sl = sizeof(soerr);

		fd = socket(ai->ai_family,
			    ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fd < 0)
			continue;
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		cerr = errno;
		if (cerr == EINPROGRESS) {
			w = wait_fd(fd, POLLOUT, deadline_ms);
			if (w == 1 && getsockopt(fd, SOL_SOCKET, SO_ERROR,
						 &soerr, &sl) == 0 && soerr == 0)
				break;
			cerr = w == 1 ? soerr : ETIMEDOUT;
		}
		snprintf(err, errlen, "connect %.64s:%s: %s", u->host, u->port,
			 strerror(cerr));
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	return fd < 0 ? -ECONNREFUSED : fd;
}

/* Write all of buf before the deadline.  0 or -errno. */
static int write_all(int fd, const char *buf, size_t len, int64_t deadline_ms)
{
	while (len > 0) {
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);

		if (n > 0) {
			buf += n;
			len -= (size_t)n;
			continue;
		}
		if (n < 0 && errno != EAGAIN && errno != EINTR)
			return -errno;
		if (wait_fd(fd, POLLOUT, deadline_ms) != 1)
			return -ETIMEDOUT;
	}
	return 0;
}

/* POST json to the webhook: 0 for a 2xx answer, else -errno and err. */
static int http_post(const char *url, const char *json, uint64_t timeout_ms,
		     char *err, size_t errlen)
{
	int64_t deadline = mono_ms() + (int64_t)timeout_ms;
	char head[1600], resp[256];
	struct http_url u;
	size_t got = 0;
	int fd, rc, status;

	if (http_url_parse(url, &u) < 0) {
		snprintf(err, errlen, "bad webhook URL");
		return -EINVAL;
	}
	fd = http_connect(&u, deadline, err, errlen);
	if (fd < 0)
		return fd;
	snprintf(head, sizeof(head),
		 "POST %s HTTP/1.1\r\nHost: %s%s%s:%s\r\n"
		 "User-Agent: oops-collector/%s\r\n"
		 "Content-Type: application/json\r\n"
		 "Content-Length: %zu\r\nConnection: close\r\n\r\n",
		 u.path, strchr(u.host, ':') ? "[" : "", u.host,
		 strchr(u.host, ':') ? "]" : "", u.port, OOPSD_VERSION,
		 strlen(json));
	rc = write_all(fd, head, strlen(head), deadline);
	if (rc == 0)
		rc = write_all(fd, json, strlen(json), deadline);
	if (rc < 0) {
		snprintf(err, errlen, "send: %s", strerror(-rc));
		close(fd);
		return rc;
	}
	/* The status line is all we need. */
	while (got < sizeof(resp) - 1 && memchr(resp, '\n', got) == NULL) {
		ssize_t n = recv(fd, resp + got, sizeof(resp) - 1 - got, 0);

		if (n > 0) {
			got += (size_t)n;
			continue;
		}
		if (n == 0)
			break;
		if (errno != EAGAIN && errno != EINTR)
			break;
		if (wait_fd(fd, POLLIN, deadline) != 1) {
			snprintf(err, errlen, "no answer in %" PRIu64 " ms",
				 timeout_ms);
			close(fd);
			return -ETIMEDOUT;
		}
	}
	close(fd);
	resp[got] = '\0';
	if (sscanf(resp, "HTTP/1.%*d %d", &status) != 1) {
		snprintf(err, errlen, "not an HTTP answer");
		return -EPROTO;
	}
	if (status < 200 || status > 299) {
		snprintf(err, errlen, "HTTP %d", status);
		return -EPROTO;
	}
	return 0;
}

/* Write s to a non-blocking pipe until done, an error or the deadline. */
static void write_pipe(int fd, const char *s, int64_t deadline_ms)
{
	size_t len = strlen(s);

	while (len > 0) {
		ssize_t n = write(fd, s, len);

		if (n > 0) {
			s += n;
			len -= (size_t)n;
		} else if (n < 0 && errno == EAGAIN) {
			if (wait_fd(fd, POLLOUT, deadline_ms) != 1)
				return;
		} else if (n < 0 && errno != EINTR) {
			return;
		}
	}
}

/* Run the hook with json on its stdin: 0 when it exits with 0. */
static int run_hook(const char *cmd, const char *json, uint64_t timeout_ms,
		    char *err, size_t errlen)
{
	int64_t deadline = mono_ms() + (int64_t)timeout_ms;
	int p[2], status = 0;
	pid_t pid, w;

	if (pipe2(p, O_CLOEXEC) < 0) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		return -errno;
	}
	pid = fork();
	if (pid < 0) {
		snprintf(err, errlen, "fork: %s", strerror(errno));
		close(p[0]);
		close(p[1]);
		return -EAGAIN;
	}
	if (pid == 0) {
		/* The daemon ignores SIGPIPE; a hook gets the default. */
		signal(SIGPIPE, SIG_DFL);
		if (dup2(p[0], 0) < 0)
			_exit(127);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	close(p[0]);
	/* A hook that does not read its input gets EPIPE, not a hang. */
	fcntl(p[1], F_SETFL, O_NONBLOCK);
	write_pipe(p[1], json, deadline);
	close(p[1]);
	while ((w = waitpid(pid, &status, WNOHANG)) == 0 &&
	       mono_ms() < deadline) {
		struct timespec ts = { 0, 10 * 1000 * 1000 };

		nanosleep(&ts, NULL);
	}
	if (w == 0) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		snprintf(err, errlen, "alert_exec: killed after %" PRIu64 " ms",
			 timeout_ms);
		return -ETIMEDOUT;
	}
	if (w < 0) {
		snprintf(err, errlen, "alert_exec: %s", strerror(errno));
		return -ECHILD;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		snprintf(err, errlen, "alert_exec: %s %d",
			 WIFEXITED(status) ? "exit status" : "signal",
			 WIFEXITED(status) ? WEXITSTATUS(status) :
					     WTERMSIG(status));
		return -EIO;
	}
	return 0;
}

/*
 * The helper's loop: an alert in, "ok" or "error TEXT" out, until the
 * daemon closes its end.
 */
static _Noreturn void helper_main(int fd, const struct collector_config *cfg)
{
	static char msg[ALERT_MSG_MAX + 1];
	sigset_t none;

	/* The event loop blocks the signals it handles; a hook must not
	 * start with them blocked. */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGINT, SIG_IGN); /* a Ctrl-C reaches the daemon, which ends us */
	for (;;) {
		char err[ALERT_ERR_MAX] = "";
		char reply[ALERT_ERR_MAX + 8];
		ssize_t n = recv(fd, msg, ALERT_MSG_MAX, 0);
		int rc = 0;

		if (n == 0)
			_exit(0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			_exit(1);
		}
		msg[n] = '\0';
		if (cfg->alert_exec[0] != '\0')
			rc = run_hook(cfg->alert_exec, msg, cfg->alert_timeout,
				      err, sizeof(err));
		if (rc == 0 && cfg->alert_webhook[0] != '\0')
			rc = http_post(cfg->alert_webhook, msg,
				       cfg->alert_timeout, err, sizeof(err));
		snprintf(reply, sizeof(reply), "%s%s", rc == 0 ? "ok" : "error ",
			 rc == 0 ? "" : err);
		if (send(fd, reply, strlen(reply), MSG_NOSIGNAL) < 0)
			_exit(1);
	}
}

/* --- the daemon's side --------------------------------------------------- */

static int64_t backoff_us(const struct collector_config *cfg, int64_t attempts)
{
	uint64_t ms = cfg->alert_retry_min;

	for (int64_t i = 0; i < attempts && ms < cfg->alert_retry_max; i++)
		ms *= 2;
	if (ms > cfg->alert_retry_max)
		ms = cfg->alert_retry_max;
	return (int64_t)ms * 1000;
}

/* Longest string field of an alert, in bytes. */
#define ALERT_FIELD_MAX 1024

static void json_kstr_max(struct json *j, const char *key, const char *s,
			  size_t max)
{
	json_key(j, key);
	if (s == NULL)
		json_null(j);
	else
		json_strn(j, s, strnlen(s, max));
}

/* The alert as the hook and the webhook get it. */
static char *alert_json(struct collector *co, const struct store_alert *a)
{
	const char *base = co->cfg->alert_base_url;
	size_t blen = strlen(base);
	char url[1200], when[32];
	time_t secs = (time_t)(a->seen_us / 1000000);
	struct tm tm;
	struct json j;
	char *out;

	while (blen > 0 && base[blen - 1] == '/')
		blen--;
	snprintf(url, sizeof(url), "%.*s/sig/%s", (int)blen, base,
		 a->signature ? a->signature : "");
	gmtime_r(&secs, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	json_init(&j);
	json_obj_begin(&j);
	json_kstr(&j, "kind", a->kind);
	json_kstr(&j, "key", a->key);
	json_kstr(&j, "signature", a->signature);
	/* From crash reports: bounded, so that every alert fits a
	 * message (a cut character becomes U+FFFD). */
	json_kstr_max(&j, "title", a->title, ALERT_FIELD_MAX);
	json_kstr_max(&j, "release", a->release, ALERT_FIELD_MAX);
	json_kstr_max(&j, "host", a->host_key, ALERT_FIELD_MAX);
	json_kint(&j, "count", a->count);
	json_kint(&j, "seen_us", a->seen_us);
	json_kstr(&j, "seen", when);
	json_kint(&j, "attempt", a->attempts + 1);
	json_kstr(&j, "collector", co->name);
	json_kstr(&j, "url", url);
	json_obj_end(&j);
	if (j.oom || j.len > ALERT_MSG_MAX) {
		json_free(&j);
		return NULL;
	}
	out = j.buf; /* taken over */
	return out;
}

static void item_free(struct alert_item *it)
{
	free(it->key);
	free(it->json);
	memset(it, 0, sizeof(*it));
}

static void q_pop(struct collector_alerts *al)
{
	item_free(&al->q[0]);
	memmove(&al->q[0], &al->q[1], (al->nq - 1) * sizeof(al->q[0]));
	memset(&al->q[--al->nq], 0, sizeof(al->q[0]));
}

static int take_fn(const struct store_alert *a, void *arg)
{
	struct collector_alerts *al = arg;
	struct alert_item *it = &al->q[al->nq];

	if (al->nq == ALERT_TAKE)
		return 1;
	it->key = strdup(a->key ? a->key : "");
	it->json = alert_json(al->co, a);
	it->attempts = a->attempts;
	if (it->key == NULL || it->json == NULL) {
		/* Left leased: taken again when the lease ends. */
		item_free(it);
		return 0;
	}
	al->nq++;
	return 0;
}

static void settle(struct collector_alerts *al, bool ok, const char *error)
{
	struct collector *co = al->co;
	struct alert_item *it = &al->q[0];
	int64_t now = now_realtime_us();
	int rc;

	if (ok) {
		rc = store_alert_done(co->store, it->key, now);
		al->delivered++;
		log_info("alert %s delivered", it->key);
	} else {
		int64_t next = now + backoff_us(co->cfg, it->attempts);

		rc = store_alert_retry(co->store, it->key, next, error);
		al->failed++;
		log_warnx("alert %s not delivered (%s); retry in %" PRId64
			  " s", it->key, error, (next - now) / 1000000);
	}
	if (rc < 0)
		log_warnx("alert %s: cannot record the delivery: %s "
			  "(delivered again after its lease)", it->key,
			  strerror(-rc));
	co->fleet_changed = true;
	al->busy = false;
	q_pop(al);
}

static void send_next(struct collector_alerts *al)
{
	int64_t now = collector_mono_us();
	double rate = (double)al->co->cfg->alert_rate;

	if (al->busy || al->nq == 0 || al->fd < 0)
		return;
	/* Token bucket: alert_rate a minute, bursts up to a tenth of it. */
	al->tokens += (double)(now - al->refill_us) * rate / 60e6;
	al->refill_us = now;
	if (al->tokens > rate / 10 + 1)
		al->tokens = rate / 10 + 1;
	if (al->tokens < 1) {
		al->rate_limited++;
		return;
	}
	if (send(al->fd, al->q[0].json, strlen(al->q[0].json),
		 MSG_NOSIGNAL) < 0) {
		log_warn("alert helper");
		return;
	}
	al->tokens -= 1;
	al->busy = true;
	al->busy_since_us = now;
}

static void on_helper(struct evloop *loop, int fd, unsigned events,
		      void *arg)
{
	struct collector_alerts *al = arg;
	char reply[ALERT_ERR_MAX + 8];
	ssize_t n = recv(fd, reply, sizeof(reply) - 1, MSG_DONTWAIT);

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		/* Cannot be started again under seccomp (no fork). */
		log_warnx("alert helper gone: alerts stay queued in the store "
			  "until the collector restarts");
		evloop_del_fd(loop, fd);
		close(fd);
		al->fd = -1;
		if (al->busy)
			settle(al, false, "alert helper gone");
		return;
	}
	reply[n] = '\0';
	if (!al->busy)
		return;
	settle(al, strcmp(reply, "ok") == 0,
	       strncmp(reply, "error ", 6) == 0 ? reply + 6 : reply);
	send_next(al);
}

int collector_alerts_open(struct collector *co)
{
	const struct collector_config *cfg = co->cfg;
	struct collector_alerts *al;
	struct store_alert_rules rules = {
		.spike_min = cfg->alert_spike_min,
		.spike_factor = cfg->alert_spike_factor,
	};
	struct http_url u;

	if (cfg->alert_webhook[0] != '\0' &&
	    http_url_parse(cfg->alert_webhook, &u) < 0) {
		log_warnx("alert_webhook = %s: expected http://HOST[:PORT]"
			  "/PATH%s", cfg->alert_webhook,
			  strncmp(cfg->alert_webhook, "https:", 6) == 0 ?
				  " (https is not supported: point it at a "
				  "local TLS proxy)" : "");
		return -EINVAL;
	}
	al = calloc(1, sizeof(*al));
	if (al == NULL)
		return -ENOMEM;
	al->co = co;
	al->fd = -1;
	al->pid = -1;
	al->on = cfg->alert_exec[0] != '\0' || cfg->alert_webhook[0] != '\0';
	al->tokens = (double)cfg->alert_rate / 10 + 1;
	al->refill_us = collector_mono_us();
	co->alerts = al;
	/* Alerts are queued only where someone will deliver them. */
	rules.enabled = al->on;
	store_set_alert_rules(co->store, &rules);
	return 0;
}

int collector_alerts_start(struct collector *co)
{
	struct collector_alerts *al = co->alerts;
	pid_t pid, co_pid;
	int sv[2];

	if (al == NULL || !al->on)
		return 0;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return -errno;
	co_pid = getpid();
	pid = fork();
	if (pid < 0) {
		close(sv[0]);
		close(sv[1]);
		return -errno;
	}
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != co_pid)
			_exit(0);
		/* Nothing of the daemon's but its socket and the logs. */
		for (int fd = 3; fd < 1024; fd++)
			if (fd != sv[1])
				close(fd);
		helper_main(sv[1], co->cfg);
	}
	close(sv[1]);
	al->fd = sv[0];
	al->pid = pid;
	if (evloop_add_fd(co->loop, al->fd, EV_READ, on_helper, al) < 0)
		return -ENOMEM;
	log_info("alerts: to%s%s%s%s, at most %lld a minute",
		 co->cfg->alert_exec[0] ? " alert_exec " : "",
		 co->cfg->alert_exec,
		 co->cfg->alert_webhook[0] ? " alert_webhook " : "",
		 co->cfg->alert_webhook, co->cfg->alert_rate);
	return 0;
}

void collector_alerts_tick(struct collector *co)
{
	struct collector_alerts *al = co->alerts;
	int64_t now = now_realtime_us();
	int64_t lease = 2 * (int64_t)co->cfg->alert_timeout * 1000 + 60000000;
	int rc;

	if (al == NULL || !al->on || al->fd < 0)
		return;
	if (collector_mono_us() >= al->next_purge_us) {
		int64_t n = store_alerts_purge(co->store, now -
					       (int64_t)co->cfg->alert_keep * 1000);

		if (n > 0)
			log_info("alerts: %" PRId64 " delivered alert(s) older "
				 "than alert_keep forgotten", n);
		al->next_purge_us = collector_mono_us() + ALERT_PURGE_EVERY_US;
	}
	if (al->busy) {
		/* The helper bounds each delivery; this only catches a
		 * helper that stopped answering (it cannot be killed from
		 * under seccomp: closing its socket ends it at its next
		 * read). */
		if (collector_mono_us() - al->busy_since_us > lease) {
			log_warnx("alert helper not answering");
			evloop_del_fd(co->loop, al->fd);
			close(al->fd);
			al->fd = -1;
			settle(al, false, "alert helper not answering");
		}
		return;
	}
	if (al->nq == 0) {
		rc = store_alerts_due(co->store, now, now + lease, ALERT_TAKE,
				      take_fn, al);
		if (rc < 0 && !al->store_warned) {
			log_warnx("alerts: cannot read the queue: %s",
				  strerror(-rc));
			al->store_warned = true;
		} else if (rc >= 0) {
			al->store_warned = false;
		}
	}
	send_next(al);
}

void collector_alerts_status(struct collector *co, char *buf, size_t cap,
			     size_t *len)
{
	struct collector_alerts *al = co->alerts;
	int n;

	if (al == NULL || !al->on || *len >= cap)
		return;
	n = snprintf(buf + *len, cap - *len,
		     "alerts_delivered %" PRIu64 "\nalerts_failed %" PRIu64
		     "\nalerts_rate_limited %" PRIu64 "\n",
		     al->delivered, al->failed, al->rate_limited);
	if (n > 0 && (size_t)n < cap - *len)
		*len += (size_t)n;
}

void collector_alerts_close(struct collector *co)
{
	struct collector_alerts *al = co->alerts;
	int64_t now = now_realtime_us();

	if (al == NULL)
		return;
	/* What was taken and not delivered is given back now, rather than
	 * after its lease. */
	for (size_t i = 0; i < al->nq; i++)
		store_alert_retry(co->store, al->q[i].key, now, NULL);
	while (al->nq > 0)
		q_pop(al);
	/* The helper exits on EOF, after a delivery in progress (given
	 * back above: at least once).  Not waited for: seccomp allows no
	 * wait4, and it ends with us anyway (PR_SET_PDEATHSIG). */
	if (al->fd >= 0) {
		evloop_del_fd(co->loop, al->fd);
		close(al->fd);
	}
	free(al);
	co->alerts = NULL;
}
