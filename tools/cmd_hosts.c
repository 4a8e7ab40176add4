// SPDX-License-Identifier: MIT
/*
 * cmd_hosts.c - `oopsctl hosts [--json]`: every host that sent a crash,
 * newest first.
 */
#include <getopt.h>
#include <stdio.h>

#include "base/termesc.h"
#include "base/json.h"
#include "oopsctl.h"
#include "store_cli.h"

struct hosts_out {
	bool json;
	struct json j;
};

static int hosts_print(const struct store_host *h, void *arg)
{
	struct hosts_out *o = arg;
	char a[32], b[32];

	if (o->json) {
		json_obj_begin(&o->j);
		json_kstr(&o->j, "host", h->host_key);
		json_kstr(&o->j, "hostname", h->hostname);
		json_kstr(&o->j, "machine_id", h->machine_id);
		json_kstr(&o->j, "last_release", h->last_release);
		json_kstr(&o->j, "last_sender", h->last_sender);
		json_kuint(&o->j, "count", h->count);
		json_kuint(&o->j, "signatures", h->signatures);
		store_cli_json_time(&o->j, "first_seen", h->first_seen_us);
		store_cli_json_time(&o->j, "last_seen", h->last_seen_us);
		json_obj_end(&o->j);
		return json_flush_line(&o->j, stdout) < 0;
	}
	char t1[256], t2[256];

	printf("%-32s %8llu %6llu  %-19s  %-19s  %s\n",
	       TERMESC(t1, h->hostname ? h->hostname : h->host_key),
	       (unsigned long long)h->count,
	       (unsigned long long)h->signatures,
	       store_cli_time(h->first_seen_us, a, sizeof(a)),
	       store_cli_time(h->last_seen_us, b, sizeof(b)),
	       TERMESC(t2, h->last_release ? h->last_release : "-"));
	return 0;
}

int cmd_hosts(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		STORE_CLI_OPTIONS,
	};
	struct store_cli_opts so = { 0 };
	struct hosts_out o = { 0 };
	struct store *st;
	int c, n;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (store_cli_option(&so, c, optarg))
			continue;
		switch (c) {
		case 'j':
			o.json = true;
			break;
		case 'h':
		default:
			fprintf(c == 'h' ? stdout : stderr,
				"Usage: oopsctl hosts [--json] " STORE_CLI_USAGE
				"\n"
				"Hosts that sent crashes, newest first.\n");
			return c == 'h' ? OOPSCTL_OK : OOPSCTL_ERROR;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "oopsctl hosts: no arguments expected\n");
		return OOPSCTL_ERROR;
	}
	if (store_cli_open(so.store, so.config, &st) < 0)
		return OOPSCTL_ERROR;
	if (o.json)
		json_init(&o.j);
	else
		printf("%-32s %8s %6s  %-19s  %-19s  %s\n", "HOST", "RECORDS",
		       "SIGS", "FIRST SEEN (UTC)", "LAST SEEN (UTC)",
		       "LAST KERNEL");
	n = store_hosts(st, hosts_print, &o);
	if (o.json)
		json_free(&o.j);
	store_cli_error(st, "hosts", n);
	store_close(st);
	return store_cli_exit_status(n);
}
