// SPDX-License-Identifier: MIT
/*
 * storegen - fill a store with synthetic crash records through the store
 * API, in batches, and print the rate.  Used by bench/collector.sh to
 * build a 1,000,000-record store for `oopsctl top`, and by tests that need
 * a populated store.
 *
 *	storegen SPEC COUNT [SIGS [HOSTS [BATCH [SEED]]]]
 *
 * Signatures are drawn with a skew (a few hot crashes, a long tail), hosts
 * and kernel releases uniformly; crash times spread over the last 30 days.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <zlib.h>

#include "store.h"
#include "util.h"

static uint64_t rng_state;

static uint64_t rng(void)
{
	/* splitmix64: deterministic for a seed, good enough for load. */
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct gen {
	Oopsd__CrashRecord rec;
	Oopsd__Host host;
	Oopsd__Kernel kernel;
	Oopsd__Crash crash;
	Oopsd__Origin origin;
	uint8_t id[16];
	char hostname[32], machine_id[33], title[64];
	uint8_t buf[2048];
	size_t len;
};

static const char *const releases[] = { "6.1.0-21-amd64", "6.1.0-22-amd64",
					"6.6.13-amd64", "6.8.0-rc3",
					"5.15.0-91-generic" };

int main(int argc, char **argv)
{
	uint64_t count, sigs = 2000, hosts = 1000, batch = 1000, seed = 1;
	static uint8_t report_z[1024];
	static const char report[] =
		"WARNING: CPU: 3 PID: 1234 at fs/ext4/inode.c:4015 "
		"ext4_da_update_reserve_space+0x1d0/0x200\n"
		"Modules linked in: ext4 mbcache jbd2\n"
		"CPU: 3 PID: 1234 Comm: kworker/u16:2 Not tainted\n"
		"RIP: 0010:ext4_da_update_reserve_space+0x1d0/0x200\n"
		"Call Trace:\n <TASK>\n ext4_ext_map_blocks+0x8f1/0x1a70\n"
		" ext4_map_blocks+0x1b2/0x620\n ext4_writepages+0x9d2/0x12c0\n"
		" do_writepages+0xcf/0x1e0\n </TASK>\n";
	uLongf zlen = sizeof(report_z);
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
	rng_state = seed;
	compress2(report_z, &zlen, (const Bytef *)report, sizeof(report) - 1,
		  6);
	if (store_open(argv[1], 0, &st) < 0)
		return 1;
	g = calloc(batch, sizeof(*g));
	puts = calloc(batch, sizeof(*puts));
	if (g == NULL || puts == NULL)
		return 1;
	t0 = now_s();
	while (done < count) {
		size_t n = count - done < batch ? count - done : batch;

		for (size_t i = 0; i < n; i++) {
			struct gen *x = &g[i];
			/* Skewed: the square of a uniform favours low ids. */
			double u = (double)(rng() >> 11) / 9007199254740992.0;
			uint64_t s = (uint64_t)(u * u * (double)sigs);
			uint64_t h = rng() % hosts, r = rng() % 5;
			uint64_t id0 = seed, id1 = done + i;

			oopsd__crash_record__init(&x->rec);
			oopsd__host__init(&x->host);
			oopsd__kernel__init(&x->kernel);
			oopsd__crash__init(&x->crash);
			oopsd__origin__init(&x->origin);
			memcpy(x->id, &id0, 8);
			memcpy(x->id + 8, &id1, 8);
			x->rec.has_id = 1;
			x->rec.id.data = x->id;
			x->rec.id.len = 16;
			snprintf(x->hostname, sizeof(x->hostname),
				 "host%05" PRIu64, h);
			snprintf(x->machine_id, sizeof(x->machine_id),
				 "%032" PRIx64, h + 1);
			x->host.hostname = x->hostname;
			x->host.machine_id = x->machine_id;
			x->rec.host = &x->host;
			x->kernel.release = (char *)releases[r];
			x->kernel.arch = (char *)"x86_64";
			x->rec.kernel = &x->kernel;
			snprintf(x->title, sizeof(x->title),
				 "WARNING in synthetic_function_%" PRIu64, s);
			x->crash.title = x->title;
			x->crash.has_kind = 1;
			x->crash.kind = OOPSD__CRASH_KIND__KIND_WARNING;
			x->crash.has_title_signature = 1;
			x->crash.title_signature =
				0x5157000000000000ull ^ (s * 0x9e3779b97f4a7c15ull);
			x->crash.has_stack_signature = 1;
			x->crash.stack_signature = s * 31 + 7;
			x->rec.crash = &x->crash;
			x->origin.has_source = 1;
			x->origin.source = OOPSD__SOURCE__SOURCE_PSTORE_DMESG;
			x->rec.origin = &x->origin;
			x->rec.has_crash_time_us = 1;
			x->rec.crash_time_us =
				now - (int64_t)(rng() % (30ull * 86400 * 1000000));
			x->rec.has_report_z = 1;
			x->rec.report_z.data = report_z;
			x->rec.report_z.len = zlen;
			x->rec.has_report_len = 1;
			x->rec.report_len = sizeof(report) - 1;
			x->len = oopsd__crash_record__pack(&x->rec, x->buf);
			puts[i] = (struct store_put){ .rec = &x->rec,
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
	t1 = now_s();
	printf("storegen: %" PRIu64 " records (%" PRIu64 " new) in %.2f s: "
	       "%.0f records/s through the store API, batches of %" PRIu64
	       "\n",
	       done, stored, t1 - t0, (double)done / (t1 - t0), batch);
	store_close(st);
	free(g);
	free(puts);
	return 0;
}
