// SPDX-License-Identifier: MIT
/*
 * cmd_agent_status.c - `oopsctl agent-status [--state-dir DIR] [--json]`:
 * what oops-agent has pending, from the status file it rewrites
 * atomically in its state directory (agent.status, "name value" lines).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "base/json.h"
#include "oopsctl.h"
#include "base/util.h"

#define STATUS_MAX_LINES 128

struct status_kv {
	char *key, *value;
};

static const char *kv_get(const struct status_kv *kv, size_t n,
			  const char *key)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(kv[i].key, key) == 0)
			return kv[i].value;
	return NULL;
}

static int64_t kv_int(const struct status_kv *kv, size_t n, const char *key)
{
	const char *v = kv_get(kv, n, key);

	return v ? strtoll(v, NULL, 10) : 0;
}

static bool is_number(const char *s)
{
	if (*s == '-')
		s++;
	if (*s == '\0')
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

/* "3m12s ago", "never". */
static void fmt_age(int64_t then_us, int64_t now_us, char *buf, size_t len)
{
	int64_t s;

	if (then_us <= 0) {
		snprintf(buf, len, "never");
		return;
	}
	s = (now_us - then_us) / 1000000;
	if (s < 0)
		s = 0;
	if (s < 120)
		snprintf(buf, len, "%" PRId64 "s ago", s);
	else if (s < 7200)
		snprintf(buf, len, "%" PRId64 "m%02" PRId64 "s ago", s / 60,
			 s % 60);
	else if (s < 172800)
		snprintf(buf, len, "%" PRId64 "h%02" PRId64 "m ago", s / 3600,
			 s / 60 % 60);
	else
		snprintf(buf, len, "%" PRId64 "d ago", s / 86400);
}

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: oopsctl agent-status [--state-dir DIR] [--json]\n"
		"Show what oops-agent has pending: spooled records, the age of "
		"the oldest,\nthe last acknowledgement and its counters, from "
		"DIR/agent.status\n(default /var/lib/oops-agent, the agent's "
		"state_dir).\nExit status: 0 ok, 1 no status file, 2 error.\n");
}

int cmd_agent_status(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "state-dir", required_argument, NULL, 'd' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *dir = "/var/lib/oops-agent";
	struct status_kv kv[STATUS_MAX_LINES];
	size_t n = 0, len;
	char path[4096], *buf = NULL, *line, *save = NULL;
	char age[32], ack[32], upd[32];
	bool json = false, running;
	int64_t now = now_realtime_us(), pid;
	int c, rc;

	optind = 1;
	while ((c = getopt_long(argc, argv, "d:jh", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			dir = optarg;
			break;
		case 'j':
			json = true;
			break;
		default:
			return oopsctl_usage(c, usage);
		}
	}
	if (optind < argc) {
		usage(stderr);
		return OOPSCTL_ERROR;
	}
	snprintf(path, sizeof(path), "%s/agent.status", dir);
	rc = read_file_bounded(path, 64 * 1024, 0, &buf, &len);
	if (rc == -ENOENT) {
		fprintf(stderr, "oopsctl: %s: no status (is oops-agent "
				"running with state_dir = %s?)\n", path, dir);
		return OOPSCTL_NONE;
	}
	if (rc < 0) {
		fprintf(stderr, "oopsctl: %s: %s\n", path, strerror(-rc));
		return OOPSCTL_ERROR;
	}
	for (line = strtok_r(buf, "\n", &save);
	     line != NULL && n < STATUS_MAX_LINES;
	     line = strtok_r(NULL, "\n", &save)) {
		char *sp = strchr(line, ' ');

		if (sp == NULL)
			continue;
		*sp = '\0';
		kv[n].key = line;
		kv[n].value = sp + 1;
		n++;
	}
	pid = kv_int(kv, n, "pid");
	running = pid > 0 && (kill((pid_t)pid, 0) == 0 || errno == EPERM);

	if (json) {
		struct json j;

		json_init(&j);
		json_obj_begin(&j);
		json_kbool(&j, "running", running);
		for (size_t i = 0; i < n; i++) {
			if (is_number(kv[i].value))
				json_kint(&j, kv[i].key,
					  strtoll(kv[i].value, NULL, 10));
			else
				json_kstr(&j, kv[i].key, kv[i].value);
		}
		{
			int64_t o = kv_int(kv, n, "spool_oldest_us");
			int64_t a = kv_int(kv, n, "last_ack_us");

			json_kint(&j, "spool_oldest_age_s",
				  o > 0 ? (now - o) / 1000000 : -1);
			json_kint(&j, "last_ack_age_s",
				  a > 0 ? (now - a) / 1000000 : -1);
		}
		json_obj_end(&j);
		rc = json_flush_line(&j, stdout);
		json_free(&j);
		free(buf);
		return rc < 0 ? OOPSCTL_ERROR : OOPSCTL_OK;
	}

	fmt_age(kv_int(kv, n, "spool_oldest_us"), now, age, sizeof(age));
	fmt_age(kv_int(kv, n, "last_ack_us"), now, ack, sizeof(ack));
	fmt_age(kv_int(kv, n, "updated_us"), now, upd, sizeof(upd));
	printf("oops-agent %s, pid %" PRId64 " (%s), status updated %s\n",
	       kv_get(kv, n, "version") ?: "?", pid,
	       running ? "running" : "not running", upd);
	printf("collector:   %s\n", kv_get(kv, n, "collector") ?: "?");
	printf("spool:       %" PRId64 " records pending (%" PRId64
	       " bytes), oldest %s\n",
	       kv_int(kv, n, "spool_pending"), kv_int(kv, n, "spool_bytes"),
	       kv_int(kv, n, "spool_pending") ? age : "-");
	printf("last ack:    %s\n", ack);
	printf("shipped:     %" PRId64 " records acknowledged, %" PRId64
	       " refused; %" PRId64 " datagrams, %" PRId64
	       " retransmitted, %" PRId64 " in flight\n",
	       kv_int(kv, n, "acked"), kv_int(kv, n, "rejected"),
	       kv_int(kv, n, "datagrams"), kv_int(kv, n, "retransmits"),
	       kv_int(kv, n, "in_flight"));
	printf("lost:        %" PRId64 " dropped by the spool limits, %" PRId64
	       " quarantined, %" PRId64 " not spooled\n",
	       kv_int(kv, n, "spool_dropped"),
	       kv_int(kv, n, "spool_quarantined"),
	       kv_int(kv, n, "memory_queue_dropped"));
	printf("counters:\n");
	for (size_t i = 0; i < n; i++)
		if (is_number(kv[i].value) && strstr(kv[i].key, "_us") == NULL &&
		    strcmp(kv[i].key, "pid") != 0)
			printf("  %-24s %s\n", kv[i].key, kv[i].value);
	free(buf);
	return OOPSCTL_OK;
}
