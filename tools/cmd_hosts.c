// SPDX-License-Identifier: MIT
/*
 * cmd_hosts.c - `oopsctl hosts [--json] [--silent] [--silent-after D]`:
 * every host the store knows, from its crashes and from its agent's
 * heartbeats, and whether its agent is reporting: a host with no crash
 * and a reporting agent is healthy, a host whose agent went silent (or
 * that never had one) is a blind spot.
 *
 * Hosts that sent crashes come first, newest crash first, then the hosts
 * known only by their heartbeats, newest heartbeat first.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/conf.h"
#include "base/json.h"
#include "base/util.h"
#include "oopsctl.h"
#include "store/store_hosts.h"
#include "store_cli.h"

struct hosts_out {
	bool json, silent_only;
	struct json j;
};

/* One host: its crashes (h, may be NULL) and its heartbeat (hb, or NULL). */
static int host_print(const struct store_host *h,
		      const struct store_heartbeat *hb,
		      enum store_host_state hs, void *arg)
{
	struct hosts_out *o = arg;
	char a[32], b[32], s1[200], s2[100], s3[160], s4[24];
	const char *hostname = store_fleet_hostname(h, hb);
	const char *name = hostname ? hostname : store_fleet_key(h, hb);

	if (o->silent_only && hs == STORE_HOST_REPORTING)
		return 0;
	if (o->json) {
		store_json_fleet_host(&o->j, h, hb, hs);
		return json_flush_line(&o->j, stdout) < 0;
	}
	printf("%-28s %-9s %-19s %-10s %-22s %7s %7llu %5llu  %s\n",
	       store_cli_text(name, s1, sizeof(s1)), store_host_state_name(hs),
	       store_cli_time(hb ? hb->received_us : 0, a, sizeof(a)),
	       store_cli_text(hb ? hb->agent_version : NULL, s2, sizeof(s2)),
	       store_cli_text(hb && hb->release ? hb->release :
			 h ? h->last_release : NULL, s3, sizeof(s3)),
	       hb ? (snprintf(s4, sizeof(s4), "%lld",
			      (long long)hb->backlog), s4) : "-",
	       (unsigned long long)(h ? h->count : 0),
	       (unsigned long long)(h ? h->signatures : 0),
	       store_cli_time(h ? h->last_seen_us : 0, b, sizeof(b)));
	return 0;
}

static void hosts_usage(FILE *out)
{
	fprintf(out,
		"Usage: oopsctl hosts [--json] [--silent] "
		"[--silent-after DURATION]\n"
		"                     " STORE_CLI_USAGE "\n"
		"Every host known from its crashes or its "
		"agent's heartbeats, with its state:\n"
		"  reporting  the agent's last heartbeat is "
		"recent\n"
		"  silent     no heartbeat for longer than "
		"--silent-after (default: the\n"
		"             collector config's silent_after, "
		"else 3 heartbeat intervals)\n"
		"  no_agent   crashes only, never a heartbeat "
		"(netconsole, an old agent)\n"
		"--silent lists only the hosts not reporting.\n");
}

int cmd_hosts(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "silent", no_argument, NULL, 's' },
		{ "silent-after", required_argument, NULL, 'a' },
		STORE_CLI_OPTIONS,
	};
	struct store_cli_opts so = { 0 };
	struct hosts_out o = { 0 };
	struct store_fleet f = { 0 };
	const char *silent_after = NULL;
	uint64_t ms = 0;
	struct store *st;
	int c, n;

	while ((c = store_cli_getopt(argc, argv, opts, &so)) != -1) {
		switch (c) {
		case 'j':
			o.json = true;
			break;
		case 's':
			o.silent_only = true;
			break;
		case 'a':
			silent_after = optarg;
			break;
		default:
			return oopsctl_usage(c, hosts_usage);
		}
	}
	if (optind != argc) {
		fprintf(stderr, "oopsctl hosts: no arguments expected\n");
		return OOPSCTL_ERROR;
	}
	if (silent_after != NULL) {
		if (conf_parse_duration_ms(silent_after, &ms) < 0) {
			fprintf(stderr, "oopsctl hosts: bad --silent-after "
					"'%s' (e.g. 90s, 2h)\n", silent_after);
			return OOPSCTL_ERROR;
		}
	} else if (store_cli_silent_after(so.config, &ms) < 0) {
		return OOPSCTL_ERROR;
	}
	f.silent_after_us = (int64_t)ms * 1000;
	f.now_us = now_realtime_us();
	if (store_cli_open(so.store, so.config, &st) < 0)
		return OOPSCTL_ERROR;
	n = store_fleet_load(st, &f);
	if (n < 0) {
		fprintf(stderr, "oopsctl hosts: cannot read the heartbeats: "
				"%s\n", strerror(-n));
		n = -EIO;
		goto out;
	}
	if (o.json)
		json_init(&o.j);
	else
		printf("%-28s %-9s %-19s %-10s %-22s %7s %7s %5s  %s\n", "HOST",
		       "STATE", "HEARTBEAT (UTC)", "AGENT", "KERNEL",
		       "BACKLOG", "RECORDS", "SIGS", "LAST CRASH (UTC)");
	n = store_fleet_walk(st, &f, host_print, &o);
	store_cli_error(st, "hosts", n);
	if (n >= 0) {
		n = (int)f.n;
		if (!o.json && f.n > 0)
			printf("%zu host(s): %zu reporting, %zu silent, %zu "
			       "without an agent\n", f.n,
			       f.by_state[STORE_HOST_REPORTING],
			       f.by_state[STORE_HOST_SILENT],
			       f.by_state[STORE_HOST_NO_AGENT]);
	}
	if (o.json)
		json_free(&o.j);
out:
	store_fleet_free(&f);
	store_close(st);
	return store_cli_exit_status(n);
}
