// SPDX-License-Identifier: MIT
/*
 * storegen - fill a store with synthetic crash records through the store
 * API, in batches, and print the rate.  Used by bench/collector.sh to
 * build a 1,000,000-record store for `oopsctl top`, and by tests that need
 * a populated store.
 *
 *	storegen SPEC COUNT [SIGS [HOSTS [BATCH [SEED]]]]
 *
 * With STOREGEN_ALERTS=1 in the environment, every batch also raises its
 * alerts (store_set_alert_rules(), bench/alerts.sh).
 *
 * Signatures are drawn with a skew (a few hot crashes, a long tail), hosts
 * and kernel releases uniformly; crash times spread over the last 30 days.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "recgen.h"
#include "store/store.h"
#include "base/util.h"
#include "benchutil.h"

struct gen {
	struct recgen r;
	uint8_t buf[2048];
	size_t len;
};

int main(int argc, char **argv)
{
	uint64_t count, sigs = 2000, hosts = 1000, batch = 1000, seed = 1;
	struct recgen_params rp;
	struct store_put *puts;
	struct gen *g;
	struct store *st;
	int64_t now = now_realtime_us();
	uint64_t done = 0, stored = 0;
	double t0, t1;

	if (argc < 3) {
		fprintf(stderr, "usage: storegen SPEC COUNT [SIGS [HOSTS "
				"[BATCH [SEED]]]]\n");
		return 2;
	}
	count = strtoull(argv[2], NULL, 10);
	if (argc > 3)
		sigs = strtoull(argv[3], NULL, 10);
	if (argc > 4)
		hosts = strtoull(argv[4], NULL, 10);
	if (argc > 5)
		batch = strtoull(argv[5], NULL, 10);
	if (argc > 6)
		seed = strtoull(argv[6], NULL, 10);
	if (sigs == 0 || hosts == 0 || batch == 0)
		return 2;
	rp = (struct recgen_params){ .seed = seed, .sigs = sigs,
				     .hosts = hosts, .now_us = now,
				     .spread_us = 30ull * 86400 * 1000000 };
	if (store_open(argv[1], 0, &st) < 0)
		return 1;
	if (getenv("STOREGEN_ALERTS") && atoi(getenv("STOREGEN_ALERTS"))) {
		struct store_alert_rules rules = { .enabled = true,
						   .spike_min = 20,
						   .spike_factor = 10 };

		store_set_alert_rules(st, &rules);
	}
	g = calloc(batch, sizeof(*g));
	puts = calloc(batch, sizeof(*puts));
	if (g == NULL || puts == NULL)
		return 1;
	t0 = bench_now_s();
	while (done < count) {
		size_t n = count - done < batch ? count - done : batch;

		for (size_t i = 0; i < n; i++) {
			struct gen *x = &g[i];

			recgen_make(&x->r, &rp, done + i);
			x->len = oopsd__crash_record__pack(&x->r.rec, x->buf);
			puts[i] = (struct store_put){ .rec = &x->r.rec,
						      .packed = x->buf,
						      .packed_len = x->len,
						      .sender = "127.0.0.1:1",
						      .received_us = now };
		}
		int rc = store_put_batch(st, puts, n);

		if (rc < 0) {
			fprintf(stderr, "storegen: put failed: %d\n", rc);
			return 1;
		}
		stored += (uint64_t)rc;
		done += n;
	}
	t1 = bench_now_s();
	printf("storegen: %" PRIu64 " records (%" PRIu64 " new) in %.2f s: "
	       "%.0f records/s through the store API, batches of %" PRIu64
	       "\n",
	       done, stored, t1 - t0, (double)done / (t1 - t0), batch);
	store_close(st);
	free(g);
	free(puts);
	return 0;
}
