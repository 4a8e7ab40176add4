// SPDX-License-Identifier: MIT
/*
 * ncrecv_bench.c - the receiving side of bench/netconsole.sh: our
 * netconsole receiver (lib/ncon_rx.h) in an event loop, measuring what it
 * gets from bench/ncblast (or any sender) and stopping once the senders
 * have been quiet for a while.
 *
 *   ncrecv_bench [--listen ADDR:PORT] [--no-parse] [--crash FILE]...
 *                [--quiet-ms MS] [--max-seconds S] [--rcvbuf BYTES]
 *                [--max-senders N] [--idle] [--delay-ms MS]
 *                [--expire-ms MS] [--raw] [--batch N]
 *
 * --crash FILE: the expected title of each report is what the parser
 * gives for FILE parsed whole; every report received must match one.
 * --delay-ms: bind, then wait before reading, so that the sender can
 * fill the socket buffer: the rate then measured is the drain capacity.
 * --idle: after the traffic, wait until every sender is idle (held lines
 * out, parsers given back) and report the heap bytes per idle sender.
 * --expire-ms: senders quiet this long are forgotten (sender_idle_ms);
 * with --idle, wait for that too and print the RSS after the burst beside
 * the RSS before any traffic (malloc_trim gives the heap back).
 * --batch N: datagrams a recvmmsg call (default 64, at most 1024).
 * --raw: only recvmmsg (--batch a call) and nothing else: what the kernel
 * costs, the floor under the receiver.  cpu_ns_per_msg is the process's
 * CPU time (getrusage) from the first datagram to the last, over the
 * messages received in between.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include "base/evloop.h"
#include "base/log.h"
#include "netconsole/ncon_rx.h"
#include "parse/oops.h"
#include "base/util.h"
#include "benchutil.h"

#define MAX_TITLES 16

struct bench {
	struct evloop *loop;
	struct ncon_rx *rx;
	struct ev_timer tick;
	uint64_t first_ms, last_ms, last_dgrams, quiet_ms, max_ms, start_ms;
	uint64_t first_dgrams;
	double cpu_first, cpu_last;
	bool idle_phase, want_idle, expire_phase, want_expire;
	size_t idle_heap;
	uint64_t idle_senders;
	long rss_start, rss_after, rss_idle;
	char *titles[MAX_TITLES];
	uint64_t title_hits[MAX_TITLES];
	unsigned ntitles;
	uint64_t reports, matched, mismatched, lost_reports;
	uint64_t wrong_unflagged; /* another title with no loss said */
	size_t quiet_heap;
	uint64_t quiet_parsers, quiet_buffered;
};

static void on_report(void *arg, const struct ncon_rx_from *from,
		      struct oops_report *r, uint64_t lost)
{
	struct bench *b = arg;
	unsigned i;

	b->reports++;
	if (lost)
		b->lost_reports++;
	for (i = 0; i < b->ntitles; i++)
		if (r->title && strcmp(r->title, b->titles[i]) == 0) {
			b->title_hits[i]++;
			b->matched++;
			break;
		}
	if (i == b->ntitles && b->ntitles) {
		b->mismatched++;
		if (lost == 0 && !r->corrupted && !from->loss_unknown &&
		    !from->start_unseen)
			b->wrong_unflagged++;
		if (b->mismatched <= 5)
			fprintf(stderr, "ncrecv_bench: %s: unexpected title "
					"\"%s\" (lines %" PRIu64 "-%" PRIu64
					", lost %" PRIu64 ")\n",
				from->sender, r->title ? r->title : "(none)",
				r->start_line, r->end_line, lost);
	}
	oops_report_free(r);
}

static double cpu_now(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_stime.tv_sec +
	       ((double)ru.ru_utime.tv_usec + (double)ru.ru_stime.tv_usec) /
		       1e6;
}

/*
 * --raw: receive with recvmmsg and throw away, until quiet_ms without a
 * datagram; the socket comes from ncon_rx (same options, same buffer).
 */
static int run_raw(int fd, uint64_t quiet_ms, uint64_t delay_ms, unsigned N)
{
	enum { NMAX = 1024, SZ = 2048 };
	static char bufs[NMAX][SZ];
	static struct mmsghdr m[NMAX];
	static struct iovec iov[NMAX];
	static struct sockaddr_storage addr[NMAX];
	uint64_t got = 0, last = 0, first = 0, first_batch = 0;
	struct timespec ts = { (time_t)(delay_ms / 1000),
			       (long)(delay_ms % 1000) * 1000000 };
	double c0 = 0, c1 = 0;

	if (delay_ms)
		nanosleep(&ts, NULL);
	for (;;) {
		uint64_t now = evloop_now_ms();
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		int n;

		for (unsigned i = 0; i < N; i++) {
			iov[i] = (struct iovec){ bufs[i], SZ };
			memset(&m[i].msg_hdr, 0, sizeof(m[i].msg_hdr));
			m[i].msg_hdr.msg_iov = &iov[i];
			m[i].msg_hdr.msg_iovlen = 1;
			m[i].msg_hdr.msg_name = &addr[i];
			m[i].msg_hdr.msg_namelen = sizeof(addr[i]);
		}
		n = recvmmsg(fd, m, N, MSG_DONTWAIT, NULL);
		if (n > 0) {
			c1 = cpu_now();
			if (got == 0) {
				first = now;
				c0 = c1;
				first_batch = (uint64_t)n;
			}
			got += (uint64_t)n;
			last = now;
			continue;
		}
		if (poll(&pfd, 1, (int)quiet_ms) <= 0 && got)
			break;
	}
	printf("ncrecv_bench: raw records=%" PRIu64 " seconds=%.3f"
	       " msgs_per_s=%.0f cpu_ns_per_msg=%.0f\n", got,
	       (double)(last - first) / 1e3,
	       (double)got / ((double)(last > first ? last - first : 1) / 1e3),
	       (c1 - c0) * 1e9 /
		       (double)(got > first_batch ? got - first_batch : 1));
	return 0;
}

static void on_tick(struct evloop *loop, void *arg)
{
	struct bench *b = arg;
	struct ncon_rx_counters c;
	uint64_t now = evloop_now_ms();

	ncon_rx_get_counters(b->rx, &c);
	if (c.datagrams != b->last_dgrams) {
		b->cpu_last = cpu_now();
		if (b->first_ms == 0) {
			b->first_ms = now;
			b->cpu_first = b->cpu_last;
			b->first_dgrams = c.datagrams;
		}
		b->last_ms = now;
		b->last_dgrams = c.datagrams;
	}
	if (now - b->start_ms > b->max_ms ||
	    (b->first_ms && now - b->last_ms > b->quiet_ms && !b->idle_phase)) {
		if (!b->want_idle) {
			evloop_stop(loop);
			return;
		}
		b->idle_phase = true;
		/* Quiet, parsers still alive: the cost with the parser. */
		b->quiet_heap = mallinfo2().uordblks;
		b->quiet_parsers = c.parsers;
		b->quiet_buffered = c.ncon.buffered_bytes;
	}
	if (b->idle_phase && !b->expire_phase && c.parsers == 0 &&
	    c.ncon.buffered_bytes == 0 && c.open_reports == 0) {
		/* Idle: held lines out, parsers given back. */
		b->idle_heap = mallinfo2().uordblks;
		b->idle_senders = c.ncon.senders;
		b->rss_idle = bench_status_kb("VmRSS:");
		if (!b->want_expire) {
			evloop_stop(loop);
			return;
		}
		b->expire_phase = true;
	}
	if (b->expire_phase && c.ncon.senders == 0) {
		b->rss_after = bench_status_kb("VmRSS:");
		evloop_stop(loop);
		return;
	}
	evloop_timer_arm(loop, &b->tick, now + 2);
}

static int add_expected(struct bench *b, const char *path)
{
	struct oops_report **reps = NULL;
	char *buf;
	size_t len;
	int n, i;

	if (read_file_bounded(path, 1u << 20, 0, &buf, &len) < 0) {
		fprintf(stderr, "ncrecv_bench: cannot read %s\n", path);
		return -1;
	}
	n = oops_parse_buffer(buf, len, NULL, &reps);
	free(buf);
	for (i = 0; i < n; i++) {
		if (reps[i]->title && b->ntitles < MAX_TITLES)
			b->titles[b->ntitles++] = strdup(reps[i]->title);
		oops_report_free(reps[i]);
	}
	free(reps);
	return n > 0 ? 0 : -1;
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "no-parse", no_argument, NULL, 'N' },
		{ "crash", required_argument, NULL, 'c' },
		{ "quiet-ms", required_argument, NULL, 'q' },
		{ "max-seconds", required_argument, NULL, 'm' },
		{ "rcvbuf", required_argument, NULL, 'r' },
		{ "max-senders", required_argument, NULL, 's' },
		{ "idle", no_argument, NULL, 'i' },
		{ "delay-ms", required_argument, NULL, 'D' },
		{ "expire-ms", required_argument, NULL, 'E' },
		{ "raw", no_argument, NULL, 'R' },
		{ "batch", required_argument, NULL, 'B' },
		{ NULL, 0, NULL, 0 },
	};
	struct ncon_rx_config cfg = { .listen = "127.0.0.1:6666",
				      .rcvbuf = 64 << 20 };
	struct bench b = { .quiet_ms = 1000, .max_ms = 60000 };
	struct ncon_rx_counters c;
	struct mallinfo2 mi;
	double secs, rate;
	int ch, err;
	long hwm, rss;
	size_t base;
	unsigned long delay_ms = 0;
	bool raw = false;

	log_init("ncrecv_bench", 0, LOG_LEVEL_WARN);
	while ((ch = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (ch) {
		case 'l': cfg.listen = optarg; break;
		case 'N': cfg.no_parse = true; break;
		case 'c':
			if (add_expected(&b, optarg) < 0)
				return 2;
			break;
		case 'q': b.quiet_ms = strtoull(optarg, NULL, 10); break;
		case 'm': b.max_ms = 1000 * strtoull(optarg, NULL, 10); break;
		case 'r': cfg.rcvbuf = atoi(optarg); break;
		case 's':
			cfg.ncon.max_senders = strtoul(optarg, NULL, 10);
			break;
		case 'i': b.want_idle = true; break;
		case 'D': delay_ms = strtoul(optarg, NULL, 10); break;
		case 'R': raw = true; break;
		case 'B':
			cfg.batch = (unsigned)strtoul(optarg, NULL, 10);
			if (cfg.batch == 0 || cfg.batch > 1024)
				return 2;
			break;
		case 'E':
			cfg.ncon.sender_idle_ms = strtoull(optarg, NULL, 10);
			b.want_expire = true;
			break;
		default:
			fprintf(stderr, "see the header of bench/ncrecv_bench.c\n");
			return 2;
		}
	}
	/* Short idle times so that --idle finishes quickly. */
	cfg.parser_idle_ms = 1000;
	cfg.parser.idle_ms = 1000;
	b.loop = evloop_new();
	if (b.loop == NULL)
		return 2;
	b.rx = ncon_rx_new(b.loop, &cfg, on_report, NULL, &b, &err);
	if (b.rx == NULL) {
		fprintf(stderr, "ncrecv_bench: %s: %s\n", cfg.listen,
			strerror(-err));
		return 2;
	}
	base = mallinfo2().uordblks;
	b.rss_start = bench_status_kb("VmRSS:");
	fprintf(stderr, "ncrecv_bench: listening on %s\n", cfg.listen);
	if (raw) {
		ncon_rx_get_counters(b.rx, &c);
		printf("ncrecv_bench: rcvbuf_granted=%" PRIu64 "\n", c.rcvbuf);
		run_raw(ncon_rx_fd(b.rx), b.quiet_ms, delay_ms,
			cfg.batch ? cfg.batch : 64);
		ncon_rx_free(b.rx);
		evloop_free(b.loop);
		return 0;
	}
	if (delay_ms) {
		/* Let the socket fill up first: the drain rate is capacity. */
		struct timespec ts = { (time_t)(delay_ms / 1000),
				       (long)(delay_ms % 1000) * 1000000 };

		nanosleep(&ts, NULL);
	}
	b.start_ms = evloop_now_ms();
	ev_timer_init(&b.tick, on_tick, &b);
	evloop_timer_arm(b.loop, &b.tick, b.start_ms + 2);
	evloop_run(b.loop);
	/* Complete what is still open (reports whose idle time is not up). */
	if (!b.want_idle)
		ncon_rx_flush(b.rx, evloop_now_ms());
	ncon_rx_get_counters(b.rx, &c);
	hwm = bench_status_kb("VmHWM:");
	rss = bench_status_kb("VmRSS:");
	mi = mallinfo2();
	secs = b.last_ms > b.first_ms ? (double)(b.last_ms - b.first_ms) / 1e3 :
					0.001;
	rate = (double)(c.ncon.records + c.ncon.legacy) / secs;
	printf("ncrecv_bench: parse=%s datagrams=%" PRIu64 " records=%" PRIu64
	       " legacy=%" PRIu64 " lines=%" PRIu64 " seconds=%.3f"
	       " msgs_per_s=%.0f kernel_drops=%" PRIu64 " lost=%" PRIu64
	       " malformed=%" PRIu64 " truncated=%" PRIu64
	       " duplicates=%" PRIu64 " reordered=%" PRIu64
	       " fragments=%" PRIu64 " senders=%" PRIu64
	       " evictions=%" PRIu64 " overflows=%" PRIu64
	       " buffered_peak=%" PRIu64 " rcvbuf_granted=%" PRIu64
	       " cpu_ns_per_msg=%.0f\n",
	       cfg.no_parse ? "no" : "yes", c.datagrams, c.ncon.records,
	       c.ncon.legacy, c.ncon.lines, secs, rate, c.kernel_drops, c.lost,
	       c.malformed, c.truncated, c.ncon.duplicates, c.ncon.reordered,
	       c.ncon.fragments, c.ncon.senders, c.ncon.evictions,
	       c.ncon.overflows, c.ncon.buffered_peak, c.rcvbuf,
	       (b.cpu_last - b.cpu_first) * 1e9 /
		       (double)(c.datagrams > b.first_dgrams ?
					c.datagrams - b.first_dgrams : 1));
	printf("ncrecv_bench: reports=%" PRIu64 " titles_matched=%" PRIu64
	       " titles_mismatched=%" PRIu64 " reports_with_loss=%" PRIu64
	       " wrong_unflagged=%" PRIu64 "\n", b.reports, b.matched,
	       b.mismatched, b.lost_reports, b.wrong_unflagged);
	for (unsigned i = 0; i < b.ntitles; i++)
		printf("ncrecv_bench:   %6" PRIu64 " x \"%s\"\n",
		       b.title_hits[i], b.titles[i]);
	printf("ncrecv_bench: rss_peak_kib=%ld rss_kib=%ld heap_in_use=%zu"
	       " parsers_live=%" PRIu64 "\n", hwm, rss, mi.uordblks,
	       c.parsers);
	if (b.want_idle && c.ncon.senders && b.quiet_heap)
		printf("ncrecv_bench: quiet (parsers alive) senders=%" PRIu64
		       " parsers=%" PRIu64 " buffered=%" PRIu64
		       " heap_bytes_per_sender_with_parser=%.0f\n",
		       c.ncon.senders, b.quiet_parsers, b.quiet_buffered,
		       (double)(b.quiet_heap - base) / c.ncon.senders);
	if (b.want_idle && b.idle_senders)
		printf("ncrecv_bench: idle senders=%" PRIu64
		       " heap_bytes_per_idle_sender=%.0f"
		       " (struct+hash %zu) rss_idle_kib=%ld\n",
		       b.idle_senders,
		       (double)(b.idle_heap - base) / b.idle_senders,
		       ncon_idle_sender_bytes(), b.rss_idle);
	if (b.want_expire)
		printf("ncrecv_bench: after_burst rss_start_kib=%ld"
		       " rss_after_kib=%ld senders_left=%" PRIu64
		       " expired=%" PRIu64 " trims=%" PRIu64 "\n",
		       b.rss_start, b.rss_after, c.ncon.senders,
		       c.ncon.expired, c.trims);
	ncon_rx_free(b.rx);
	evloop_free(b.loop);
	for (unsigned i = 0; i < b.ntitles; i++)
		free(b.titles[i]);
	return 0;
}
