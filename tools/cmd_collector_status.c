// SPDX-License-Identifier: MIT
/*
 * cmd_collector_status.c - `oopsctl collector-status [--json]`: the
 * collector's counters (received, stored, duplicates, rejected by reason,
 * rate-limited), read from the status file it rewrites atomically every
 * second and on SIGUSR1.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/json.h"
#include "oopsctl.h"
#include "store_cli.h"
#include "base/util.h"

#define STATUS_MAX_BYTES (64u << 10)

/* Each line of the file is "name value"; values are integers or text. */
static void status_json(char *buf, struct json *j)
{
	char *save = NULL;

	for (char *line = strtok_r(buf, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		char *sp = strchr(line, ' '), *end;
		long long v;

		if (sp == NULL)
			continue;
		*sp++ = '\0';
		v = strtoll(sp, &end, 10);
		if (*sp != '\0' && *end == '\0')
			json_kint(j, line, v);
		else
			json_kstr(j, line, sp);
	}
}

/*
 * A value for people: unix times in microseconds (NAME_us) as a UTC date
 * and an age, durations in ms (NAME_ms) in seconds; the rest as is.
 * --json keeps the raw numbers.
 */
static void status_human(const char *key, const char *val, int64_t now_us,
			 char *buf, size_t len)
{
	size_t kl = strlen(key);
	char *end;
	long long v = strtoll(val, &end, 10);

	if (*val == '\0' || *end != '\0' || kl < 4) {
		snprintf(buf, len, "%s", val);
		return;
	}
	if (strcmp(key + kl - 3, "_us") == 0) {
		time_t t = (time_t)(v / 1000000);
		long long age = (now_us - v) / 1000000;
		struct tm tm;

		if (v <= 0 || gmtime_r(&t, &tm) == NULL) {
			snprintf(buf, len, "never");
			return;
		}
		if (age < 0)
			age = 0;
		strftime(buf, len, "%Y-%m-%d %H:%M:%S UTC", &tm);
		kl = strlen(buf);
		if (age < 120)
			snprintf(buf + kl, len - kl, " (%llds ago)", age);
		else if (age < 7200)
			snprintf(buf + kl, len - kl, " (%lldm%02llds ago)",
				 age / 60, age % 60);
		else if (age < 172800)
			snprintf(buf + kl, len - kl, " (%lldh%02lldm ago)",
				 age / 3600, age / 60 % 60);
		else
			snprintf(buf + kl, len - kl, " (%lldd ago)",
				 age / 86400);
		return;
	}
	if (strcmp(key + kl - 3, "_ms") == 0) {
		snprintf(buf, len, "%lld.%03llds", v / 1000, v % 1000);
		return;
	}
	snprintf(buf, len, "%s", val);
}

static bool status_running(const char *buf)
{
	const char *p = strstr(buf, "pid ");
	long pid;

	if (p == NULL || (p != buf && p[-1] != '\n'))
		return false;
	pid = strtol(p + 4, NULL, 10);
	return pid > 0 && (kill((pid_t)pid, 0) == 0 || errno == EPERM);
}

static void collector_status_usage(FILE *out)
{
	fprintf(out,
		"Usage: oopsctl collector-status [--json] "
		"[--status-file FILE]\n"
		"       " STORE_CLI_USAGE "\n"
		"The running collector's counters (times as\n"
		"dates and ages; --json: raw numbers).  Exit\n"
		"status: 0 a collector runs, 1 none runs (or no\n"
		"status file), 2 error.\n");
}

int cmd_collector_status(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "status-file", required_argument, NULL, 'f' },
		STORE_CLI_OPTIONS,
	};
	struct store_cli_opts so = { 0 };
	const char *file_opt = NULL;
	char *path, *buf = NULL;
	bool json = false, running;
	size_t len;
	int c, rc;

	while ((c = store_cli_getopt(argc, argv, opts, &so)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'f':
			file_opt = optarg;
			break;
		default:
			return oopsctl_usage(c, collector_status_usage);
		}
	}
	if (optind != argc) {
		fprintf(stderr, "oopsctl collector-status: unexpected argument "
				"'%s'\n", argv[optind]);
		return OOPSCTL_ERROR;
	}
	path = file_opt ? strdup(file_opt) :
			  store_cli_status_path(so.store, so.config);
	if (path == NULL)
		return OOPSCTL_ERROR;
	rc = read_file_bounded(path, STATUS_MAX_BYTES, 0, &buf, &len);
	if (rc < 0) {
		fprintf(stderr, "oopsctl collector-status: %s: %s\n", path,
			strerror(-rc));
		free(path);
		return rc == -ENOENT ? OOPSCTL_NONE : OOPSCTL_ERROR;
	}
	running = status_running(buf);
	if (json) {
		struct json j;

		json_init(&j);
		json_obj_begin(&j);
		json_kbool(&j, "running", running);
		status_json(buf, &j);
		json_obj_end(&j);
		json_flush_line(&j, stdout);
		json_free(&j);
	} else {
		int64_t now = now_realtime_us();
		char *save = NULL, val[128];

		printf("status file %s (collector %s)\n", path,
		       running ? "running" : "NOT RUNNING: these are the "
		       "counters it left");
		for (char *line = strtok_r(buf, "\n", &save); line != NULL;
		     line = strtok_r(NULL, "\n", &save)) {
			char *sp = strchr(line, ' ');

			if (sp != NULL)
				*sp++ = '\0';
			status_human(line, sp ? sp : "", now, val, sizeof(val));
			printf("  %-28s %s\n", line, val);
		}
	}
	free(path);
	free(buf);
	if (fflush(stdout) != 0)
		return OOPSCTL_ERROR;
	/* Scripts and monitoring: no collector runs is not "OK". */
	return running ? OOPSCTL_OK : OOPSCTL_NONE;
}
