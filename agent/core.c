// SPDX-License-Identifier: MIT
/*
 * core.c - the agent's life: identity, start-up and shut-down, privilege
 * drop.  Records are in emit.c, the status file in status.c.
 */
#include "core.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
#include <dirent.h>
#include <linux/capability.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "base/daemon.h"
#include "base/log.h"
#include "record/record.h"
#include "parse/redact.h"
#include "wire/transport.h"
#include "base/util.h"

const struct agent_identity *agent_identity(const struct agent *a)
{
	return &a->id;
}

const struct agent_config *agent_config(const struct agent *a)
{
	return a->cfg;
}

struct evloop *agent_loop(struct agent *a)
{
	return a->loop;
}

int agent_state_dirfd(const struct agent *a)
{
	return a->state_dirfd;
}

bool agent_all_spooled(const struct agent *a)
{
	return a->memq_n == 0;
}

int agent_state_save(struct agent *a, const char *who, const char *name,
		     void (*fill)(FILE *out, void *arg), void *arg)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	int rc;

	if (f == NULL)
		return -ENOMEM;
	fill(f, arg);
	if (fclose(f) != 0) {
		free(text);
		return -ENOMEM;
	}
	rc = write_file_atomic(a->state_dirfd, name, text, len);
	if (rc < 0)
		log_warnx("%s: cannot write %s: %s", who, name, strerror(-rc));
	free(text);
	return rc;
}
/* ----------------------------------------------------------- identity -- */

/*
 * Remember this boot's id in state_dir/boot_id; the id found there when
 * it differs is the previous boot's: the one whose crash pstore holds.
 * The file is what this function wrote (32 lower-case hex digits and a
 * newline); anything else (a torn write, an edit, a file from elsewhere)
 * is no previous boot: its id would go into records and the pstore seen
 * file as is.
 */
static void agent_boot_ids(struct agent *a)
{
	char *old = NULL;
	size_t len = 0;

	if (read_fileat_bounded(a->state_dirfd, "boot_id", 64, &old, &len) == 0) {
		if (len < 32 || !hex_is_lower(old, 32) ||
		    (len > 32 && strcmp(old + 32, "\n") != 0))
			log_warnx("%s/boot_id: not a boot id, ignored (the "
				  "previous boot is unknown)",
				  a->cfg->state_dir);
		else if (strncmp(old, a->id.boot_id, 32) != 0) {
			memcpy(a->id.prev_boot_id, old, 32);
			a->id.prev_boot_id[32] = '\0';
		}
		free(old);
	}
	if (a->id.boot_id[0] && strcmp(a->id.prev_boot_id, a->id.boot_id) != 0) {
		char line[34];

		snprintf(line, sizeof(line), "%s\n", a->id.boot_id);
		if (write_file_atomic(a->state_dirfd, "boot_id", line, 33) < 0)
			log_warn("cannot write %s/boot_id", a->cfg->state_dir);
	}
}

static int agent_identity_init(struct agent *a)
{
	if (host_hostname(a->id.hostname, sizeof(a->id.hostname)) < 0)
		str_lcpy(a->id.hostname, "localhost", sizeof(a->id.hostname));
	if (host_machine_id(a->id.machine_id, sizeof(a->id.machine_id)) < 0) {
		log_warnx("no usable /etc/machine-id: records carry the host "
			  "name only");
		a->id.machine_id[0] = '\0';
	}
	if (host_boot_id(a->id.boot_id, sizeof(a->id.boot_id)) < 0)
		a->id.boot_id[0] = '\0';
	return 0;
}

/* ------------------------------------------------------- start / stop -- */

static int mkdir_p(const char *path, mode_t mode)
{
	char buf[4096];
	size_t n = str_lcpy(buf, path, sizeof(buf));

	if (n >= sizeof(buf))
		return -ENAMETOOLONG;
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, mode) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}


/* ---------------------------------------------------------- heartbeat -- */

/*
 * Tell the collector we are alive, what we run and how much waits in the
 * spool, every heartbeat_interval: a host whose heartbeats stop has lost
 * its agent (or its network), which "no crashes" alone cannot say.
 */
static void agent_heartbeat(struct evloop *loop, void *arg)
{
	struct agent *a = arg;
	struct spool_stats sp;
	struct utsname u;
	struct wire_heartbeat hb = {
		.hostname = a->id.hostname,
		.machine_id = a->id.machine_id[0] ? a->id.machine_id : NULL,
		.agent_version = OOPSD_VERSION,
		.boot_id = a->id.boot_id[0] ? a->id.boot_id : NULL,
		.time_us = now_realtime_us(),
	};
	uint64_t secs = a->cfg->heartbeat_interval / 1000;
	int rc;

	spool_get_stats(a->spool, &sp);
	hb.backlog = sp.pending + a->memq_n;
	hb.interval_s = secs == 0 ? 1 : secs > UINT32_MAX ? UINT32_MAX :
							  (uint32_t)secs;
	if (uname(&u) == 0)
		hb.release = u.release;
	rc = ship_heartbeat(a->ship, &hb);
	if (rc < 0)
		log_debug("heartbeat: not sent: %s", strerror(-rc));
	evloop_timer_arm(loop, &a->heartbeat_timer,
			 evloop_now_ms() + a->cfg->heartbeat_interval);
}

/* udp://ADDR:PORT with a numeric ADDR: never resolved again. */
static bool collector_is_numeric(const char *spec)
{
	struct transport_hostport hp;
	struct sockaddr_storage ss;
	socklen_t len;

	if (strncmp(spec, "udp://", 6) != 0 ||
	    transport_parse_hostport(spec + 6, 0, 0, &hp, NULL, 0) < 0)
		return true;
	return transport_numeric_addr(hp.host, hp.port, &ss, &len) == 0;
}

int agent_open(struct agent *a, struct agent_config *cfg,
	       struct evloop *loop)
{
	struct ship_config sc;
	char err[TRANSPORT_ERR_MAX];
	int rc;

	memset(a, 0, sizeof(*a));
	a->cfg = cfg;
	a->loop = loop;
	a->state_dirfd = -1;
	a->started_us = now_realtime_us();
	ev_timer_init(&a->memq_timer, agent_memq_retry, a);
	ev_timer_init(&a->status_timer, agent_status_tick, a);
	ev_timer_init(&a->kick_timer, agent_kick, a);
	ev_timer_init(&a->heartbeat_timer, agent_heartbeat, a);
	agent_identity_init(a);

	memset(&sc, 0, sizeof(sc));
	rc = transport_parse(cfg->collector, &sc.peer, err, sizeof(err));
	if (rc == -EAGAIN) {
		/* The name may resolve later (DNS not up yet at boot):
		 * records are spooled meanwhile, the shipper retries. */
		log_warnx("collector %s: %s; retrying", cfg->collector, err);
	} else if (rc < 0) {
		log_warnx("collector: %s", err);
		return rc;
	}
	if (sc.peer.kind == TRANSPORT_UDP &&
	    !collector_is_numeric(cfg->collector)) {
		sc.resolve_spec = cfg->collector;
		a->resolve = true;
	}
	rc = mkdir_p(cfg->state_dir, 0700);
	if (rc == 0) {
		a->state_dirfd = open(cfg->state_dir,
				      O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (a->state_dirfd < 0)
			rc = -errno;
	}
	if (rc < 0) {
		log_warnx("state_dir %s: %s", cfg->state_dir, strerror(-rc));
		return rc;
	}
	agent_boot_ids(a);
	if (cfg->auth_key_file[0]) {
		rc = wire_key_load(cfg->auth_key_file, &a->key);
		if (rc < 0) {
			log_warnx("auth_key_file %s: %s", cfg->auth_key_file,
				  wire_key_strerror(rc));
			return rc;
		}
	}
	rc = mkdir_p(cfg->spool_dir, 0700);
	if (rc == 0)
		a->spool = spool_open(cfg->spool_dir, cfg->spool_max_bytes,
				      (uint64_t)cfg->spool_max_records, &rc);
	if (a->spool == NULL) {
		log_warnx("spool_dir %s: %s", cfg->spool_dir, strerror(-rc));
		return rc;
	}
	a->recbuf_cap = cfg->max_datagram;
	a->recbuf = malloc(a->recbuf_cap);
	if (a->recbuf == NULL)
		return -ENOMEM;

	sc.max_datagram = cfg->max_datagram;
	sc.collector_name = cfg->collector;
	sc.key = &a->key;
	sc.rto_min_ms = cfg->retry_min;
	sc.rto_max_ms = cfg->retry_max;
	sc.on_acked = agent_on_acked;
	sc.arg = a;
	/* The sender id: the machine id's 16 bytes, else the host name. */
	if (a->id.machine_id[0]) {
		sc.sender_id_len = (size_t)hex_decode(a->id.machine_id,
						      sc.sender_id,
						      sizeof(sc.sender_id));
	} else {
		sc.sender_id_len = str_lcpy((char *)sc.sender_id,
					    a->id.hostname,
					    sizeof(sc.sender_id));
		if (sc.sender_id_len >= sizeof(sc.sender_id))
			sc.sender_id_len = sizeof(sc.sender_id) - 1;
	}
	/* A per-agent key is this machine's only: the collector refuses
	 * it for any other sender id, so say so now, not per datagram. */
	if (a->key.identity_len > 0 &&
	    (a->key.identity_len != sc.sender_id_len ||
	     memcmp(a->key.identity, sc.sender_id, sc.sender_id_len) != 0)) {
		char want[2 * WIRE_SENDER_ID_MAX + 1];

		hex_encode(sc.sender_id, sc.sender_id_len, want);
		log_warnx("auth_key_file %s: the key of another agent; this "
			  "one's identity is %s (oopsctl key %s)",
			  cfg->auth_key_file, want, want);
		return -EINVAL;
	}
	sc.state_dir = a->state_dirfd >= 0 ? cfg->state_dir : NULL;
	sc.state_dirfd = a->state_dirfd;
	a->ship = ship_new(loop, a->spool, &sc, &rc);
	if (a->ship == NULL) {
		log_warnx("collector %s: %s", cfg->collector, strerror(-rc));
		return rc;
	}
	for (size_t i = 0; agent_sources[i] != NULL; i++) {
		const struct agent_source_ops *ops = agent_sources[i];

		if (!ops->wanted(cfg) || a->nsrc == AGENT_MAX_SOURCES)
			continue;
		rc = ops->init(a, &a->src_priv[a->nsrc]);
		if (rc < 0) {
			log_warnx("source %s: %s", ops->name, strerror(-rc));
			return rc;
		}
		a->src[a->nsrc++] = ops;
	}
	return 0;
}

int agent_start(struct agent *a)
{
	for (size_t i = 0; i < a->nsrc; i++) {
		const struct agent_source_ops *ops = a->src[i];
		int rc = ops->start ? ops->start(a, a->src_priv[i]) : 0;

		if (rc < 0) {
			log_warnx("source %s: %s", ops->name, strerror(-rc));
			return rc;
		}
		log_info("source %s started", ops->name);
	}
	/* Whatever a previous run left in the spool goes first. */
	ship_kick(a->ship);
	agent_status(a, false);
	evloop_timer_arm(a->loop, &a->status_timer,
			 evloop_now_ms() + a->cfg->status_interval);
	/* The first heartbeat right away: a started agent is seen at once. */
	if (a->cfg->heartbeat_interval > 0)
		evloop_timer_arm(a->loop, &a->heartbeat_timer, evloop_now_ms());
	return 0;
}

void agent_rescan(struct agent *a)
{
	for (size_t i = 0; i < a->nsrc; i++)
		if (a->src[i]->rescan != NULL)
			a->src[i]->rescan(a, a->src_priv[i]);
	if (a->memq_n > 0)
		agent_memq_retry(a->loop, a);
	if (a->ship != NULL)
		ship_retry_now(a->ship);
}

void agent_close(struct agent *a)
{
	if (a->ship != NULL && a->spool != NULL && a->state_dirfd >= 0)
		agent_status(a, false);
	for (size_t i = 0; i < a->nsrc; i++)
		a->src[i]->stop(a, a->src_priv[i]);
	a->nsrc = 0;
	evloop_timer_disarm(a->loop, &a->memq_timer);
	evloop_timer_disarm(a->loop, &a->status_timer);
	evloop_timer_disarm(a->loop, &a->kick_timer);
	evloop_timer_disarm(a->loop, &a->heartbeat_timer);
	if (a->memq_n > 0)
		log_warnx("%zu record(s) could not be spooled before exit; "
			  "their sources produce them again at the next start",
			  a->memq_n);
	for (size_t i = 0; i < a->memq_n; i++)
		free(a->memq[i].buf);
	a->memq_n = 0;
	ship_free(a->ship);
	a->ship = NULL;
	if (a->spool != NULL)
		spool_sync(a->spool);
	spool_free(a->spool);
	a->spool = NULL;
	wire_key_clear(&a->key);
	free(a->recbuf);
	a->recbuf = NULL;
	if (a->state_dirfd >= 0)
		close(a->state_dirfd);
	a->state_dirfd = -1;
}

/* ---------------------------------------------------------- privileges -- */

/* Hand a directory and the files directly in it to uid/gid. */
static void chown_shallow(const char *dir, uid_t uid, gid_t gid)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d;
	struct dirent *de;

	if (fd < 0)
		return;
	if (fchown(fd, uid, gid) < 0)
		log_warn("chown %s", dir);
	d = fdopendir(fd);
	if (d == NULL) {
		close(fd);
		return;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' &&
		    (de->d_name[1] == '\0' ||
		     (de->d_name[1] == '.' && de->d_name[2] == '\0')))
			continue;
		/* A file left root's is one the agent cannot use after the
		 * drop: say which (glibc with _FORTIFY_SOURCE also insists). */
		if (fchownat(fd, de->d_name, uid, gid, AT_SYMLINK_NOFOLLOW) < 0)
			log_warn("chown %s/%s", dir, de->d_name);
	}
	closedir(d);
}

void agent_dac(struct agent *a, bool on)
{
	int rc;

	if (!a->dac_kept)
		return;
	rc = daemon_cap_effective(CAP_DAC_OVERRIDE, on);
	if (rc < 0)
		log_warnx("CAP_DAC_OVERRIDE %s: %s", on ? "on" : "off",
			  strerror(-rc));
}

int agent_drop_privileges(struct agent *a, bool keep_dac)
{
	static const int dac[] = { CAP_DAC_OVERRIDE };
	const char *user = a->cfg->user;
	struct passwd *pw;
	int rc;

	if (geteuid() != 0 || user == NULL || *user == '\0')
		return 0;
	pw = getpwnam(user);
	if (pw == NULL) {
		log_warnx("user '%s' does not exist: running as root", user);
		return 0;
	}
	chown_shallow(a->cfg->spool_dir, pw->pw_uid, pw->pw_gid);
	chown_shallow(a->cfg->state_dir, pw->pw_uid, pw->pw_gid);
	/* Keep nothing, or only the right to read and delete pstore files,
	 * which the kernel creates readable by root alone.  The helper also
	 * clears supplementary groups, the bounding and ambient sets, and
	 * checks that root cannot be regained. */
	rc = daemon_drop_privileges_caps(user, dac, keep_dac ? 1 : 0);
	if (rc < 0)
		return rc;
	/* Kept, and lowered while pstore content is decoded and parsed
	 * (pstore_options.read_done): hostile pstore content is never
	 * parsed with the right to override file permissions.  Effective
	 * otherwise: the agent's own files may be in a folder a service
	 * manager made root's (a unit's StateDirectory). */
	if (keep_dac)
		a->dac_kept = true;
	log_info("running as %s%s", user,
		 keep_dac ? " (keeping CAP_DAC_OVERRIDE for pstore)" : "");
	return 0;
}
