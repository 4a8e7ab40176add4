// SPDX-License-Identifier: MIT
/*
 * ncloss_bench.c - the netconsole receiver's cost a message as loss grows,
 * with no socket: synthetic extended records from many hosts, round-robin,
 * a fraction of them dropped before the receiver sees them (as a full
 * socket buffer drops them), fed to ncon_rx_input() with a clock that
 * advances at the offered rate.  Prints CPU ns a message, the decoder's
 * peak buffered bytes, the heap and RSS at the end and after idle.
 *
 *   ncloss_bench [--hosts N] [--messages M] [--rate MSGS_PER_S]
 *                [--loss PCT] [--no-parse] [--msgid] [--seed N]
 *
 * Used by bench/netconsole.sh (loss ladder) and for perf / callgrind.
 */
#include <getopt.h>
#include <inttypes.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include "netconsole/ncon_rx.h"
#include "benchutil.h"

static uint64_t rng_state = 88172645463325252ull;

static uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

#define CHUNK 4096

struct dgram {
	struct ncon_key key;
	int len;
	bool tick;
	char d[128];
};

static uint64_t nreports;

static void on_report(void *arg, const struct ncon_rx_from *from,
		      struct oops_report *r, uint64_t lost)
{
	nreports++;
	oops_report_free(r);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "hosts", required_argument, NULL, 'n' },
		{ "messages", required_argument, NULL, 'c' },
		{ "rate", required_argument, NULL, 'r' },
		{ "loss", required_argument, NULL, 'l' },
		{ "no-parse", no_argument, NULL, 'P' },
		{ "msgid", no_argument, NULL, 'm' },
		{ "seed", required_argument, NULL, 's' },
		{ 0 },
	};
	struct ncon_rx_config cfg = { 0 };
	struct ncon_rx_counters c;
	struct ncon_rx *rx;
	unsigned hosts = 1024;
	uint64_t msgs = 1000000, rate = 200000, *seq, *msgid, fed = 0;
	double loss = 0, t0, spent = 0;
	struct dgram *chunk;
	bool use_msgid = false;
	uint64_t now = 1000;
	size_t heap_end;
	long rss_end;
	int opt, err;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'n': hosts = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'c': msgs = strtoull(optarg, NULL, 10); break;
		case 'r': rate = strtoull(optarg, NULL, 10); break;
		case 'l': loss = strtod(optarg, NULL); break;
		case 'P': cfg.no_parse = true; break;
		case 'm': use_msgid = true; break;
		case 's': rng_state = strtoull(optarg, NULL, 10) | 1; break;
		default:
			fprintf(stderr, "usage: ncloss_bench [--hosts N] "
				"[--messages M] [--rate R] [--loss PCT] "
				"[--no-parse] [--msgid] [--seed N]\n");
			return 2;
		}
	}
	if (hosts == 0 || rate == 0)
		return 2;
	rx = ncon_rx_new(NULL, &cfg, on_report, NULL, NULL, &err);
	seq = calloc(hosts, sizeof(*seq));
	msgid = calloc(hosts, sizeof(*msgid));
	if (rx == NULL || seq == NULL || msgid == NULL)
		return 1;
	/*
	 * Datagrams are made a chunk at a time outside the timed part, so
	 * that the figure is the receiver's alone.
	 */
	chunk = malloc(CHUNK * sizeof(*chunk));
	if (chunk == NULL)
		return 1;
	for (uint64_t i = 0; i < msgs;) {
		size_t k = 0;

		for (; k < CHUNK && i < msgs; i++) {
			unsigned h = (unsigned)(i % hosts);
			struct sockaddr_in in = { .sin_family = AF_INET,
						  .sin_port = htons(6665) };
			struct dgram *g = &chunk[k];

			seq[h]++;
			msgid[h]++;
			g->tick = i % (rate / 1000 ? rate / 1000 : 1) == 0;
			if (loss > 0 &&
			    (double)(rng() % 1000000) < loss * 10000) {
				if (g->tick) { /* keep the clock moving */
					g->len = 0;
					k++;
				}
				continue;
			}
			in.sin_addr.s_addr = htonl(0x7f000000u + 1 + h);
			ncon_key_from_sockaddr(&g->key, (void *)&in);
			g->len = snprintf(g->d, sizeof(g->d),
					  "6,%" PRIu64 ",%" PRIu64 ",-;ncloss "
					  "host %u message %" PRIu64
					  " padding padding pad%s",
					  seq[h], seq[h] * 1000, h, seq[h],
					  use_msgid ? "\n msgid=" : "");
			if (use_msgid)
				g->len += snprintf(g->d + g->len,
						   sizeof(g->d) - (size_t)g->len,
						   "%" PRIu64, msgid[h]);
			k++;
		}
		t0 = bench_clock_s(CLOCK_PROCESS_CPUTIME_ID);
		for (size_t j = 0; j < k; j++) {
			/* The clock moves at the offered rate (1 ms a tick). */
			if (chunk[j].tick) {
				now++;
				ncon_rx_tick(rx, now);
			}
			if (chunk[j].len == 0)
				continue;
			ncon_rx_input(rx, &chunk[j].key, chunk[j].d,
				      (size_t)chunk[j].len, now);
			fed++;
		}
		spent += bench_clock_s(CLOCK_PROCESS_CPUTIME_ID) - t0;
	}
	ncon_rx_get_counters(rx, &c);
	heap_end = mallinfo2().uordblks;
	rss_end = bench_status_kb("VmRSS:");
	/* Idle: every deadline passes, held lines and parsers go. */
	for (int k = 0; k < 100 && ncon_rx_deadline(rx) != UINT64_MAX; k++) {
		now += 1000;
		ncon_rx_tick(rx, now);
	}
	malloc_trim(0);
	printf("ncloss: hosts=%u offered=%" PRIu64 " fed=%" PRIu64
	       " loss_pct=%g parse=%s msgid=%s ns_per_msg=%.0f"
	       " lost_counted=%" PRIu64 " buffered_peak=%" PRIu64
	       " overflows=%" PRIu64 " heap_end_kib=%zu rss_end_kib=%ld"
	       " rss_peak_kib=%ld heap_idle_kib=%zu rss_idle_kib=%ld\n",
	       hosts, msgs, fed, loss, cfg.no_parse ? "no" : "yes",
	       use_msgid ? "yes" : "no", spent * 1e9 / (double)fed,
	       c.lost, c.ncon.buffered_peak, c.ncon.overflows,
	       heap_end >> 10, rss_end, bench_status_kb("VmHWM:"),
	       mallinfo2().uordblks >> 10, bench_status_kb("VmRSS:"));
	ncon_rx_free(rx);
	free(chunk);
	free(seq);
	free(msgid);
	return 0;
}
