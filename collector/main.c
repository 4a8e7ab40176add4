// SPDX-License-Identifier: MIT
/*
 * main.c - oops-collector: ingest -> dedupe -> aggregate -> store.
 *
 * One event loop: the UDP and netlink sockets feed ingest (collector/
 * ingest.c), which commits a batch to the store and acknowledges it once
 * the sockets are drained or a batch is full; raw netconsole goes through
 * the netconsole receiver and the parser into records (collector/
 * netconsole.c).  A one-second timer rewrites the status file that
 * `oopsctl collector-status` reads; SIGUSR1 also logs the counters.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <malloc.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "collector.h"
#include "base/daemon.h"
#include "base/evloop.h"
#include "ingest.h"
#include "base/log.h"
#include "base/sandbox.h"
#include "store/store.h"
#include "wire/transport.h"
#include "base/util.h"
#include "wire/wire.h"

/* Datagrams read per recvmmsg() call. */
#define RECV_BATCH 64
/* Read rounds per wake-up, so one busy socket cannot starve the rest. */
#define RECV_ROUNDS 16
#define TICK_MS 1000
#define RETENTION_EVERY_MS (60 * 1000)

static struct collector *collector_of(void *arg)
{
	return arg;
}

static int reply(void *arg, const struct ingest_peer *peer,
		 const uint8_t *buf, size_t len)
{
	struct collector *co = collector_of(arg);

	if (peer->kind == INGEST_PEER_UDP) {
		if (sendto(peer->fd, buf, len, MSG_DONTWAIT,
			   (const struct sockaddr *)&peer->ss,
			   peer->sslen) < 0)
			return -errno;
		return 0;
	}
	if (peer->kind == INGEST_PEER_NETLINK && co->nl != NULL)
		return transport_nl_send(co->nl, peer->portid, buf, len);
	return -EINVAL;
}

static void flush(struct collector *co)
{
	if (ingest_pending(co->in) > 0 || co->unacked_envelopes) {
		int64_t t0 = collector_mono_us();

		ingest_flush(co->in);
		/* The store's latency as a batch sees it (commit and acks),
		 * for the counters the collector publishes. */
		collector_flush_timed(co, collector_mono_us() - t0);
		co->unacked_envelopes = false;
	}
}

static void on_udp(struct evloop *loop, int fd, unsigned events, void *arg)
{
	struct collector *co = arg;
	struct mmsghdr *m = co->mmsg;
	uint64_t now_ms = evloop_now_ms();
	int64_t now_us = now_realtime_us();

	for (int round = 0; round < RECV_ROUNDS; round++) {
		int n;

		for (int i = 0; i < RECV_BATCH; i++) {
			co->iov[i].iov_base = co->rbuf + (size_t)i * co->rbuf_len;
			co->iov[i].iov_len = co->rbuf_len;
			memset(&m[i].msg_hdr, 0, sizeof(m[i].msg_hdr));
			m[i].msg_hdr.msg_name = &co->peers[i].ss;
			m[i].msg_hdr.msg_namelen = sizeof(co->peers[i].ss);
			m[i].msg_hdr.msg_iov = &co->iov[i];
			m[i].msg_hdr.msg_iovlen = 1;
		}
		n = recvmmsg(fd, m, RECV_BATCH, MSG_DONTWAIT, NULL);
		if (n <= 0) {
			if (n < 0 && errno != EAGAIN && errno != EINTR)
				log_warn("udp receive");
			break;
		}
		for (int i = 0; i < n; i++) {
			co->peers[i].kind = INGEST_PEER_UDP;
			co->peers[i].fd = fd;
			co->peers[i].sslen = m[i].msg_hdr.msg_namelen;
			ingest_datagram(co->in, &co->peers[i],
					co->iov[i].iov_base, m[i].msg_len,
					(m[i].msg_hdr.msg_flags & MSG_TRUNC) ||
						m[i].msg_len >= co->rbuf_len,
					now_ms, now_us);
			co->unacked_envelopes = true;
		}
		if (ingest_pending(co->in) >= (size_t)co->cfg->batch_max)
			flush(co);
		if (n < RECV_BATCH)
			break;
	}
	flush(co);
}

static void on_netlink(struct evloop *loop, int fd, unsigned events,
		       void *arg)
{
	struct collector *co = arg;
	uint64_t now_ms = evloop_now_ms();
	int64_t now_us = now_realtime_us();

	for (int i = 0; i < RECV_BATCH * RECV_ROUNDS; i++) {
		struct ingest_peer peer = { .kind = INGEST_PEER_NETLINK,
					    .fd = fd };
		int n = transport_nl_recv(co->nl, co->rbuf, co->rbuf_len,
					  &peer.portid);

		if (n == -EAGAIN)
			break;
		if (n == -EBADMSG) {
			struct ingest_counters *c =
				(struct ingest_counters *)ingest_counters(co->in);

			c->datagrams++;
			c->rejected_datagrams++;
			ingest_count_reject(c, "netlink_bad_message");
			continue;
		}
		if (n < 0) {
			if (n != -EINTR)
				log_warnx("netlink receive: %s", strerror(-n));
			break;
		}
		ingest_datagram(co->in, &peer, co->rbuf, (size_t)n,
				(size_t)n >= co->rbuf_len, now_ms, now_us);
		co->unacked_envelopes = true;
		if (ingest_pending(co->in) >= (size_t)co->cfg->batch_max)
			flush(co);
	}
	flush(co);
}

/*
 * The counters as "name value" lines (the status file; collector/fleet.c
 * turns the same lines into the JSON it writes to the store).  Returns the
 * length written into buf.
 */
size_t collector_status_format(struct collector *co, char *buf, size_t cap)
{
	const struct ingest_counters *c = ingest_counters(co->in);
	char shown[512];
	size_t len = 0;

#define ADD(...)                                                               \
	do {                                                                   \
		int k_ = snprintf(buf + len, cap - len, __VA_ARGS__);          \
		if (k_ > 0 && (size_t)k_ < cap - len)                          \
			len += (size_t)k_;                                     \
	} while (0)

	ADD("pid %ld\n", (long)getpid());
	ADD("version %s\n", OOPSD_VERSION);
	ADD("store %s\n", store_spec_redact(co->cfg->store, shown,
					     sizeof(shown)));
	ADD("started_us %" PRId64 "\n", co->started_us);
	ADD("updated_us %" PRId64 "\n", now_realtime_us());
	ADD("datagrams %" PRIu64 "\n", c->datagrams);
	ADD("bytes %" PRIu64 "\n", c->bytes);
	ADD("received %" PRIu64 "\n", c->records);
	ADD("stored %" PRIu64 "\n", c->stored);
	ADD("duplicates %" PRIu64 "\n", c->duplicates);
	ADD("rejected_datagrams %" PRIu64 "\n", c->rejected_datagrams);
	ADD("rejected_records %" PRIu64 "\n", c->rejected_records);
	ADD("rate_limited %" PRIu64 "\n", c->rate_limited);
	ADD("rate_table_full %" PRIu64 "\n", c->rate_table_full);
	ADD("acks_sent %" PRIu64 "\n", c->acks_sent);
	ADD("ack_errors %" PRIu64 "\n", c->ack_errors);
	ADD("store_errors %" PRIu64 "\n", c->store_errors);
	ADD("store_refused %" PRIu64 "\n", c->store_refused);
	ADD("batches %" PRIu64 "\n", c->batches);
	ADD("netconsole_reports %" PRIu64 "\n", c->local_records);
	ADD("senders %zu\n", ingest_senders(co->in));
	ADD("senders_evicted %" PRIu64 "\n", ingest_senders_evicted(co->in));
	ADD("retention_deleted %" PRIu64 "\n", co->retention_deleted);
	ADD("clock_jumps %" PRIu64 "\n", co->clock_jumps);
	ADD("reloads %" PRIu64 "\n", co->reloads);
	for (size_t i = 0; i < INGEST_MAX_REASONS && c->rejected[i].reason;
	     i++)
		ADD("rejected_%s %" PRIu64 "\n", c->rejected[i].reason,
		    c->rejected[i].count);
	ADD("store_latency_us_sum %" PRIu64 "\n", co->flush_us_sum);
	ADD("store_latency_us_max %" PRIu64 "\n", co->flush_us_max);
	ADD("store_latency_count %" PRIu64 "\n", co->flush_count);
	ADD("heartbeats %" PRIu64 "\n", co->heartbeats);
	ADD("heartbeat_errors %" PRIu64 "\n", co->heartbeat_errors);
	collector_alerts_status(co, buf, cap, &len);
	if (co->ncon_status != NULL)
		len += co->ncon_status(co, buf + len, cap - len);
#undef ADD
	return len;
}

/* The status file: "name value" lines, rewritten atomically. */
static void status_write(struct collector *co, bool force)
{
	const struct ingest_counters *c = ingest_counters(co->in);
	char buf[8192];
	size_t len;
	int rc;

	if (co->status_dirfd < 0)
		return;
	if (!force && co->ncon == NULL &&
	    memcmp(c, &co->last_status, sizeof(*c)) == 0 &&
	    co->ncon_stats_changed == false && !co->fleet_changed)
		return;
	co->last_status = *c;
	co->ncon_stats_changed = false;
	co->fleet_changed = false;
	len = collector_status_format(co, buf, sizeof(buf));
	rc = write_file_atomic(co->status_dirfd, co->status_name, buf, len);
	if (rc < 0 && !co->status_warned) {
		log_warnx("status file %s: %s", co->status_path,
			  strerror(-rc));
		co->status_warned = true;
	}
}

static void log_counters(struct collector *co)
{
	const struct ingest_counters *c = ingest_counters(co->in);

	log_info("counters: datagrams %" PRIu64 ", received %" PRIu64
		 ", stored %" PRIu64 ", duplicates %" PRIu64
		 ", rejected datagrams %" PRIu64 ", rejected records %" PRIu64
		 ", rate limited %" PRIu64 ", acks %" PRIu64
		 ", store errors %" PRIu64 ", netconsole reports %" PRIu64,
		 c->datagrams, c->records, c->stored, c->duplicates,
		 c->rejected_datagrams, c->rejected_records, c->rate_limited,
		 c->acks_sent, c->store_errors, c->local_records);
	for (size_t i = 0; i < INGEST_MAX_REASONS && c->rejected[i].reason;
	     i++)
		log_info("rejected %s: %" PRIu64, c->rejected[i].reason,
			 c->rejected[i].count);
}

static void retention(struct collector *co)
{
	int64_t now = now_realtime_us(), step, n;
	uint64_t age_us = co->cfg->retention_age * 1000, max_deletes = 0;
	struct store_stats ss;

	step = retention_clock_step(&co->retention_clock, now,
				    evloop_now_ms());
	if (co->cfg->retention_age == 0 && co->cfg->retention_count == 0)
		return;
	if (step != 0) {
		/* Said once per jump; this pass deletes nothing for age,
		 * and later ones a bounded share each. */
		co->clock_jumps++;
		log_warnx("retention: the clock stepped %s by %" PRId64 " s "
			  "since the last pass; nothing deleted for age now",
			  step > 0 ? "ahead" : "back",
			  (step > 0 ? step : -step) / 1000000);
		age_us = 0;
	}
	if (age_us > 0 && co->cfg->retention_max_share < 100) {
		/* Without the count there is no bound: no age pass. */
		if (store_stats(co->store, &ss) == 0)
			max_deletes = retention_max_deletes(
				ss.records,
				(unsigned)co->cfg->retention_max_share);
		else
			age_us = 0;
	}
	n = store_retention(co->store, now, age_us, max_deletes,
			    (uint64_t)co->cfg->retention_count);
	if (n > 0) {
		co->retention_deleted += (uint64_t)n;
		log_info("retention: %" PRId64 " record(s) deleted", n);
	} else if (n < 0) {
		/* The store logs nothing itself; once a pass is enough. */
		log_warnx("retention: %s; next pass later",
			  store_errmsg(co->store)[0] ? store_errmsg(co->store)
						     : strerror((int)-n));
	}
}

static void on_tick(struct evloop *loop, void *arg)
{
	struct collector *co = arg;
	uint64_t now = evloop_now_ms();

	ingest_tick(co->in, now);
	/* Local records kept after a failed transaction are retried. */
	flush(co);
	if (now >= co->next_retention_ms) {
		retention(co);
		co->next_retention_ms = now + RETENTION_EVERY_MS;
	}
	collector_fleet_tick(co, now);
	status_write(co, false);
	evloop_timer_arm(loop, &co->tick, now + TICK_MS);
}

static void on_stop(struct evloop *loop, int signo, void *arg)
{
	log_info("signal %d: stopping", signo);
	evloop_stop(loop);
}

static void on_usr1(struct evloop *loop, int signo, void *arg)
{
	struct collector *co = arg;

	log_counters(co);
	status_write(co, true);
}

/* The keys on_hup() applies while running; every other one (sockets,
 * store, identity, alerts) takes a restart. */
static const char *const live_keys[] = {
	"log_level", "retention_age", "retention_count",
	"retention_max_share", NULL,
};

/*
 * SIGHUP (systemctl reload): read the configuration file again and apply
 * what can change while running: log_level and retention (applied at
 * once).  The other keys are named in a warning: they take a restart.
 * A file that no longer parses changes nothing.
 */
static void on_hup(struct evloop *loop, int signo, void *arg)
{
	struct collector *co = arg;
	struct collector_config n;
	char err[CONF_ERR_MAX];
	int level;

	daemon_notify("RELOADING=1");
	memset(&n, 0, sizeof(n));
	if (daemon_reload_config(co->desc, co->opts, &n, err,
				 sizeof(err)) < 0) {
		log_warnx("reload: %s; configuration unchanged", err);
		goto out;
	}
	level = n.log_level; /* checked by the config reader */
	daemon_reload_warn_restart(co->desc, co->cfg, &n, live_keys);
	if (!co->opts->verbose)
		log_set_level((enum log_level)level);
	co->cfg->retention_age = n.retention_age;
	co->cfg->retention_count = n.retention_count;
	co->cfg->retention_max_share = n.retention_max_share;
	co->cfg->log_level = n.log_level;
	co->reloads++;
	log_info("reloaded %s: log_level %s, retention_age %" PRIu64
		 " s, retention_count %lld", co->opts->config_path,
		 log_level_names[co->cfg->log_level],
		 co->cfg->retention_age / 1000,
		 co->cfg->retention_count);
out:
	conf_free(collector_conf_table, &n);
	/* Apply retention now rather than within the minute. */
	retention(co);
	status_write(co, true);
	daemon_notify("READY=1");
}

static int open_status(struct collector *co)
{
	char *slash;

	co->status_dirfd = -1;
	co->status_path = collector_status_path(co->cfg);
	if (co->status_path == NULL)
		return -ENOMEM;
	slash = strrchr(co->status_path, '/');
	if (slash == NULL) {
		co->status_name = co->status_path;
		co->status_dirfd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	} else {
		*slash = '\0';
		co->status_dirfd = open(co->status_path[0] ? co->status_path :
							     "/",
					O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		*slash = '/';
		co->status_name = slash + 1;
	}
	if (co->status_dirfd < 0) {
		log_warn("status file %s", co->status_path);
		return -errno;
	}
	return 0;
}

/*
 * Before dropping root, hand the files the collector keeps writing to the
 * user it becomes; the directories are left alone (they must be writable
 * by that user, as systemd's StateDirectory= makes them).
 */
static void chown_store_files(struct collector *co)
{
	static const char *const suffixes[] = { "", "-wal", "-shm" };
	struct passwd *pw;
	char path[4096];

	if (geteuid() != 0 || co->cfg->user[0] == '\0' ||
	    strncmp(co->cfg->store, "sqlite:", 7) != 0)
		return;
	pw = getpwnam(co->cfg->user);
	if (pw == NULL)
		return;
	for (size_t i = 0; i < ARRAY_SIZE(suffixes); i++) {
		snprintf(path, sizeof(path), "%s%s", co->cfg->store + 7,
			 suffixes[i]);
		if (chown(path, pw->pw_uid, pw->pw_gid) < 0 && errno != ENOENT)
			log_warn("chown %s", path);
	}
}

/*
 * -n: what the configuration file cannot say by itself: the store spec
 * names a store this build opens, and the records address parses and can
 * be bound now (it is bound and closed again).  0 or -1, said on stderr.
 */
static int check_addresses(const struct collector_config *cfg,
			   const char *prog)
{
	char err[TRANSPORT_ERR_MAX] = "";
	struct transport_addr a = { 0 };
	int fd;

	if (store_spec_check(cfg->store, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s: store = %s: %s\n", prog, cfg->store, err);
		return -1;
	}
	if (cfg->listen[0] == '\0')
		return 0;
	if (transport_parse(cfg->listen, &a, err, sizeof(err)) < 0 ||
	    a.kind != TRANSPORT_UDP) {
		fprintf(stderr, "%s: listen = %s: %s\n", prog, cfg->listen,
			a.kind != TRANSPORT_UDP && err[0] == '\0'
				? "expected udp://ADDR:PORT" : err);
		return -1;
	}
	fd = transport_udp_bind(&a, 0);
	if (fd < 0) {
		fprintf(stderr, "%s: listen = %s: cannot bind: %s\n", prog,
			cfg->listen, strerror(-fd));
		return -1;
	}
	close(fd);
	return 0;
}

static void open_listeners(struct collector *co)
{
	char err[TRANSPORT_ERR_MAX];
	struct transport_addr a;
	int rc;

	if (co->cfg->listen[0] != '\0') {
		if (transport_parse(co->cfg->listen, &a, err, sizeof(err)) < 0)
			fatalx("listen = %s: %s", co->cfg->listen, err);
		if (a.kind != TRANSPORT_UDP)
			fatalx("listen = %s: expected udp://ADDR:PORT",
			       co->cfg->listen);
		co->udp_fd = transport_udp_bind(&a, 8 << 20);
		if (co->udp_fd == -EADDRINUSE)
			fatalx("listen = %s: address in use: another collector "
			       "or program has bound it (the port is never "
			       "shared)", co->cfg->listen);
		if (co->udp_fd < 0) {
			errno = -co->udp_fd;
			fatal("listen %s", co->cfg->listen);
		}
		if (evloop_add_fd(co->loop, co->udp_fd, EV_READ, on_udp, co) < 0)
			fatal("event loop");
		log_info("listening on %s", co->cfg->listen);
	}
	if (co->cfg->listen_netlink > 0) {
		co->nl = transport_nl_open((uint32_t)co->cfg->listen_netlink,
					   co->rbuf_len, &rc);
		if (co->nl == NULL) {
			errno = -rc;
			fatal("netlink port id %lld", co->cfg->listen_netlink);
		}
		if (evloop_add_fd(co->loop, transport_nl_fd(co->nl), EV_READ,
				  on_netlink, co) < 0)
			fatal("event loop");
		log_info("listening on netlink:%lld", co->cfg->listen_netlink);
	}
}

/*
 * -n: can the store be opened?  An SQLite file that exists is opened
 * read-only; one that does not must have a writable directory (the
 * collector creates it).  A server store is connected to.  -1 after a
 * message on stderr.
 */
static int collector_check_store(const struct collector_config *cfg)
{
	char shown[512], dir[4096], *slash;
	struct store *st = NULL;
	struct stat sb;
	int rc;

	store_spec_redact(cfg->store, shown, sizeof(shown));
	if (strncmp(cfg->store, "sqlite:", 7) == 0 &&
	    stat(cfg->store + 7, &sb) < 0) {
		str_lcpy(dir, cfg->store + 7, sizeof(dir));
		slash = strrchr(dir, '/');
		if (slash != NULL)
			*(slash == dir ? slash + 1 : slash) = '\0';
		else
			str_lcpy(dir, ".", sizeof(dir));
		if (access(dir, W_OK | X_OK) < 0) {
			fprintf(stderr, "store %s: cannot create it in %s: %s\n",
				shown, dir, strerror(errno));
			return -1;
		}
		return 0;
	}
	rc = store_open(cfg->store, STORE_READONLY, &st);
	if (rc == -ENOENT && strncmp(cfg->store, "sqlite:", 7) != 0) {
		/* A server database reached, only empty: a new store, whose
		 * tables the collector creates at start. */
		fprintf(stderr, "store %s: no tables yet: the collector "
				"creates them at start\n", shown);
		return 0;
	}
	if (rc < 0) {
		fprintf(stderr, "store %s: cannot open it: %s\n", shown,
			strerror(-rc));
		return -1;
	}
	store_close(st);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct daemon_desc desc = {
		.progname = "oops-collector",
		.summary = "Receive crash records and netconsole, aggregate them by "
			   "signature in a store.",
		.default_config = CONFIG_DEFAULT_SYSCONFDIR "/collector.conf",
		.sighup = "re-reads log_level and retention and applies "
			  "retention now",
		.table = collector_conf_table,
	};
	static struct collector co;
	struct collector_config cfg;
	struct daemon_opts opts;
	struct ingest_config icfg = { 0 };
	char shown[512];
	int rc;

	memset(&cfg, 0, sizeof(cfg));
	daemon_setup(&desc, argc, argv, &opts, &cfg);
	if (cfg.auth_key_file[0] != '\0') {
		rc = wire_key_load(cfg.auth_key_file, &co.key);
		if (rc < 0) {
			fprintf(stderr, "%s: auth_key_file %s: %s\n",
				desc.progname, cfg.auth_key_file,
				wire_key_strerror(rc));
			return 1;
		}
		if (co.key.identity_len > 0) {
			fprintf(stderr, "%s: auth_key_file %s: an agent's key "
					"(oopsctl key): the collector needs the "
					"master key\n",
				desc.progname, cfg.auth_key_file);
			wire_key_clear(&co.key);
			return 1;
		}
		/* The collector's key is the master: it derives each
		 * agent's key, and checks shared-key datagrams with it. */
		co.key.master = true;
	}
	if (opts.check_only) {
		rc = check_addresses(&cfg, desc.progname) < 0 ||
		     collector_check_store(&cfg) < 0;
		if (rc == 0)
			printf("%s: configuration OK\n", opts.config_path);
		wire_key_clear(&co.key);
		conf_free(collector_conf_table, &cfg);
		return rc;
	}
	if (!opts.verbose)
		log_set_level((enum log_level)cfg.log_level);
	signal(SIGPIPE, SIG_IGN);
	/* Every batch allocates and frees the same few MiB; keep them
	 * rather than give them back to the kernel each time. */
	mallopt(M_TRIM_THRESHOLD, 64 << 20);
	mallopt(M_MMAP_THRESHOLD, 4 << 20);
	co.cfg = &cfg;
	co.desc = &desc;
	co.opts = &opts;
	co.udp_fd = -1;
	co.started_us = now_realtime_us();
	/* One byte more than the largest datagram, to see truncation. */
	co.rbuf_len = (size_t)cfg.max_datagram + 1;
	co.rbuf = malloc(co.rbuf_len * RECV_BATCH);
	co.loop = evloop_new();
	if (co.rbuf == NULL || co.loop == NULL)
		fatal("start-up");
	rc = store_open(cfg.store, 0, &co.store);
	if (rc == -EUCLEAN)
		fatalx("store %s: the database is damaged: nothing will be "
		       "acknowledged into it.  Recover it first (oopsctl store "
		       "check; doc/security.md, \"A damaged SQLite store\")",
		       store_spec_redact(cfg.store, shown, sizeof(shown)));
	if (rc < 0)
		fatalx("store %s: cannot open (%s)",
		       store_spec_redact(cfg.store, shown, sizeof(shown)),
		       strerror(-rc));
	icfg.key = co.key.len ? &co.key : NULL;
	icfg.refuse_shared_key = cfg.auth_shared_key == 0;
	icfg.max_datagram = (size_t)cfg.max_datagram;
	icfg.rate_limit = (uint64_t)cfg.rate_limit;
	icfg.rate_burst = (uint64_t)cfg.rate_burst;
	icfg.max_senders = CONFIG_MAX_SENDERS;
	icfg.batch_max = (size_t)cfg.batch_max;
	icfg.reply = reply;
	icfg.reply_arg = &co;
	icfg.heartbeat = collector_heartbeat;
	icfg.heartbeat_arg = &co;
	co.in = ingest_new(co.store, &icfg);
	if (co.in == NULL)
		fatal("ingest");
	open_listeners(&co);
	if (cfg.netconsole_listen[0] != '\0') {
		if (!ENABLE_COLLECTOR_NETCONSOLE)
			fatalx("netconsole_listen: not built in "
			       "(CONFIG_COLLECTOR_NETCONSOLE)");
		if (collector_netconsole_open(&co) < 0)
			fatalx("netconsole_listen = %s: cannot listen",
			       cfg.netconsole_listen);
	}
	if (open_status(&co) < 0)
		fatalx("cannot write the status file");
	if (collector_fleet_open(&co) < 0)
		fatalx("alerts: cannot start");
	chown_store_files(&co);
	rc = daemon_drop_privileges(cfg.user);
	if (rc == -ENOENT)
		fatalx("user '%s' does not exist: create it, or set `user =` "
		       "(empty) to keep running as root", cfg.user);
	if (rc < 0) {
		errno = -rc;
		fatal("dropping privileges to %s", cfg.user);
	}
	/* The alert helper runs hooks: forked before seccomp forbids it. */
	if ((rc = collector_fleet_start(&co)) < 0) {
		errno = -rc;
		fatal("alerts: cannot start the delivery helper");
	}
	evloop_on_signal(co.loop, SIGTERM, on_stop, &co);
	evloop_on_signal(co.loop, SIGINT, on_stop, &co);
	evloop_on_signal(co.loop, SIGUSR1, on_usr1, &co);
	evloop_on_signal(co.loop, SIGHUP, on_hup, &co);
	ev_timer_init(&co.tick, on_tick, &co);
	evloop_timer_arm(co.loop, &co.tick, evloop_now_ms() + TICK_MS);
	retention(&co);
	co.next_retention_ms = evloop_now_ms() + RETENTION_EVERY_MS;
	status_write(&co, true);
	/* From here on: sockets already open, and the store (SQLite files,
	 * or a server connection the store may have to open again). */
	if (sandbox_apply(cfg.seccomp, SANDBOX_NET | SANDBOX_FILES,
			  store_syscalls(co.store)) < 0)
		fatalx("cannot install the seccomp filter (seccomp = off "
		       "to run without)");
	log_info("started, store %s%s",
		 store_spec_redact(cfg.store, shown, sizeof(shown)),
		 co.key.len ? ", datagrams authenticated" : "");
	daemon_notify_ready();
	daemon_watchdog_start(co.loop);
	evloop_run(co.loop);
	daemon_notify_stopping();

	/*
	 * Whatever was read is stored (and acked) before leaving: open
	 * netconsole reports are completed and queued first, and the
	 * receiver is freed only after the last status write, which then
	 * still has its netconsole_* counters.
	 */
	collector_netconsole_flush(&co);
	flush(&co);
	log_counters(&co);
	status_write(&co, true);
	collector_netconsole_close(&co);
	collector_fleet_close(&co);
	ingest_free(co.in);
	store_close(co.store);
	if (co.udp_fd >= 0)
		close(co.udp_fd);
	transport_nl_free(co.nl);
	if (co.status_dirfd >= 0)
		close(co.status_dirfd);
	free(co.status_path);
	free(co.rbuf);
	evloop_free(co.loop);
	wire_key_clear(&co.key);
	conf_free(collector_conf_table, &cfg);
	return 0;
}
