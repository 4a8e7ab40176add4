// SPDX-License-Identifier: MIT
/*
 * cmd_netconsole.c - `oopsctl netconsole`: run the netconsole receiver in
 * the foreground and print each crash report it completes.
 *
 * With --json every report is one JSON Line: the record (record_to_json(),
 * the keys of `oopsctl decode`) with origin netconsole, the sender and
 * lost_messages.  Counters go to stderr on SIGUSR1 and at exit; SIGINT and
 * SIGTERM stop it (open reports are completed and printed first).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/termesc.h"
#include "base/evloop.h"
#include "base/json.h"
#include "base/log.h"
#include "netconsole/ncon_rx.h"
#include "oopsctl.h"
#include "record/record.h"
#include "base/util.h"

struct nc_cmd {
	bool json, lines;
	uint64_t reports;
	uint8_t *buf;
	size_t cap;
	struct json j;
	struct ncon_rx *rx;
};

static void print_record(struct nc_cmd *c, const struct ncon_rx_from *from,
			 const struct oops_report *r, uint64_t lost)
{
	struct record_origin o = RECORD_ORIGIN_INIT;
	Oopsd__CrashRecord *rec = NULL;
	const char *reason = NULL;
	int n;

	ncon_rx_record_origin(from, lost, &o);
	o.collected_time_us = now_realtime_us();
	n = record_pack_fit(r, &o, c->buf, c->cap);
	if (n < 0 || record_unpack(c->buf, (size_t)n, NULL, &rec, &reason)) {
		log_warnx("netconsole: %s: cannot build the record (%s)",
			  from->sender, n < 0 ? strerror(-n) : reason);
		return;
	}
	json_reset(&c->j);
	record_to_json(rec, &c->j);
	json_flush_line(&c->j, stdout);
	record_free(rec);
}

static void on_report(void *arg, const struct ncon_rx_from *from,
		      struct oops_report *r, uint64_t lost)
{
	struct nc_cmd *c = arg;
	char nlost[32] = "unknown (legacy)";
	char t[1200];

	c->reports++;
	if (!from->loss_unknown)
		snprintf(nlost, sizeof(nlost), "%" PRIu64 "%s", lost,
			 from->start_unseen ? ", start unseen" : "");
	if (c->json)
		print_record(c, from, r, lost);
	else
		printf("%s: %s%s (lines %" PRIu64 "-%" PRIu64 ", lost %s)\n",
		       from->sender,
		       TERMESC(t, r->title ? r->title : "(no title)"),
		       r->corrupted ? " [corrupted]" : "", r->start_line,
		       r->end_line, nlost);
	fflush(stdout);
	oops_report_free(r);
}

static void on_line(void *arg, const struct ncon_rx_from *from,
		    const struct ncon_line *l)
{
	struct nc_cmd *c = arg;

	if (!c->lines)
		return;
	if (c->json) {
		json_reset(&c->j);
		json_obj_begin(&c->j);
		json_kstr(&c->j, "sender", from->sender);
		json_key(&c->j, "line");
		json_strn(&c->j, l->text, l->len);
		json_kint(&c->j, "usec", l->usec);
		json_kuint(&c->j, "seq", l->seq);
		json_kuint(&c->j, "lost_messages", l->lost);
		json_kbool(&c->j, "reboot", l->flags & NCON_LINE_REBOOT);
		json_obj_end(&c->j);
		json_flush_line(&c->j, stdout);
	} else {
		/* The line as sent, but not its control bytes (the
		 * decoder turns the kernel's "\x1b" back into ESC). */
		printf("%s| ", from->sender);
		termesc_write(stdout, l->text, l->len, 0);
		putchar('\n');
	}
}

static void print_counters(struct nc_cmd *c)
{
	struct ncon_rx_counters k;

	ncon_rx_get_counters(c->rx, &k);
	fprintf(stderr,
		"netconsole: datagrams=%" PRIu64 " bytes=%" PRIu64
		" malformed=%" PRIu64 " truncated=%" PRIu64
		" kernel_drops=%" PRIu64 " rcvbuf=%" PRIu64
		" senders=%" PRIu64
		" evictions=%" PRIu64 " records=%" PRIu64
		" fragments=%" PRIu64 " legacy=%" PRIu64 " lines=%" PRIu64
		" lost=%" PRIu64 " duplicates=%" PRIu64 " reordered=%" PRIu64
		" reboots=%" PRIu64 " reports=%" PRIu64 " parsers=%" PRIu64
		" open_reports=%" PRIu64 " report_evictions=%" PRIu64
		" buffered_bytes=%" PRIu64 "\n",
		k.datagrams, k.bytes, k.malformed, k.truncated,
		k.kernel_drops, k.rcvbuf, k.ncon.senders, k.ncon.evictions,
		k.ncon.records, k.ncon.fragments, k.ncon.legacy, k.ncon.lines,
		k.lost, k.ncon.duplicates, k.ncon.reordered, k.ncon.reboots,
		k.reports, k.parsers, k.open_reports, k.report_evictions,
		k.ncon.buffered_bytes);
}

static void on_stop(struct evloop *loop, int signo, void *arg)
{
	evloop_stop(loop);
}

static void on_usr1(struct evloop *loop, int signo, void *arg)
{
	print_counters(arg);
}

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: oopsctl netconsole [--listen ADDR:PORT] [--json] "
		"[--lines] [--rcvbuf BYTES] [--max-senders N]\n"
		"Receive netconsole (legacy and extended) and print each crash "
		"report.\n"
		"  --listen ADDR:PORT  0.0.0.0:6666, [::1]:6666, :6666 "
		"(dual-stack; default :%d)\n"
		"  --json              one JSON Line per report (record fields,"
		" sender, lost_messages)\n"
		"  --lines             also print every log line received\n"
		"  --rcvbuf BYTES      socket receive buffer (default %d; "
		"the kernel\n"
		"                      caps it at net.core.rmem_max unless "
		"privileged)\n"
		"  --max-senders N     senders tracked at once\n"
		"SIGUSR1 prints the counters; SIGINT/SIGTERM stop.\n",
		CONFIG_DEFAULT_NETCONSOLE_PORT, NCON_RX_DEFAULT_RCVBUF);
}

int cmd_netconsole(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "json", no_argument, NULL, 'j' },
		{ "lines", no_argument, NULL, 'L' },
		{ "rcvbuf", required_argument, NULL, 'r' },
		{ "max-senders", required_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct ncon_rx_config cfg = { 0 };
	struct nc_cmd c = { 0 };
	struct evloop *loop = NULL;
	int ch, err, rc = OOPSCTL_ERROR;
	char *end;

	log_init("oopsctl", 0, LOG_LEVEL_WARN);
	optind = 1;
	while ((ch = getopt_long(argc, argv, "l:jLr:m:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'l':
			cfg.listen = optarg;
			break;
		case 'j':
			c.json = true;
			break;
		case 'L':
			c.lines = true;
			break;
		case 'r':
			cfg.rcvbuf = (int)strtol(optarg, &end, 10);
			if (*end || cfg.rcvbuf <= 0) {
				fprintf(stderr, "oopsctl netconsole: bad "
						"--rcvbuf '%s'\n", optarg);
				return OOPSCTL_ERROR;
			}
			break;
		case 'm':
			cfg.ncon.max_senders = strtoul(optarg, &end, 10);
			if (*end || cfg.ncon.max_senders == 0) {
				fprintf(stderr, "oopsctl netconsole: bad "
						"--max-senders '%s'\n", optarg);
				return OOPSCTL_ERROR;
			}
			break;
		default:
			return oopsctl_usage(ch, usage);
		}
	}
	if (optind != argc) {
		usage(stderr);
		return OOPSCTL_ERROR;
	}
	json_init(&c.j);
	c.cap = 1u << 20;
	c.buf = malloc(c.cap);
	loop = evloop_new();
	if (c.buf == NULL || loop == NULL) {
		fprintf(stderr, "oopsctl netconsole: out of memory\n");
		goto out;
	}
	c.rx = ncon_rx_new(loop, &cfg, on_report, on_line, &c, &err);
	if (c.rx == NULL) {
		fprintf(stderr, "oopsctl netconsole: cannot listen on %s: %s\n",
			cfg.listen ? cfg.listen : "the default port",
			strerror(-err));
		goto out;
	}
	if (evloop_on_signal(loop, SIGINT, on_stop, &c) < 0 ||
	    evloop_on_signal(loop, SIGTERM, on_stop, &c) < 0 ||
	    evloop_on_signal(loop, SIGUSR1, on_usr1, &c) < 0) {
		fprintf(stderr, "oopsctl netconsole: cannot watch signals\n");
		goto out;
	}
	{
		struct ncon_rx_counters k;

		ncon_rx_get_counters(c.rx, &k);
		fprintf(stderr,
			"oopsctl netconsole: listening on port %d, receive "
			"buffer %" PRIu64 " KiB granted (SO_RCVBUF)\n",
			ncon_rx_port(c.rx), k.rcvbuf >> 10);
	}
	if (evloop_run(loop) < 0) {
		fprintf(stderr, "oopsctl netconsole: event loop failed\n");
		goto out;
	}
	ncon_rx_flush(c.rx, evloop_now_ms());
	rc = c.reports ? OOPSCTL_OK : OOPSCTL_NONE;
out:
	if (c.rx) {
		print_counters(&c);
		ncon_rx_free(c.rx);
	}
	evloop_free(loop);
	json_free(&c.j);
	free(c.buf);
	return rc;
}
