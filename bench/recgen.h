/* SPDX-License-Identifier: MIT */
/*
 * recgen.h - synthetic crash records for the collector's benchmarks and
 * tests (bench/storegen.c, bench/oopsblast.c).  Record i of a seed has the
 * id (seed, i), so the same seed and index always make the same record
 * (a retransmission), and a skewed signature, a host and a kernel release
 * drawn from a deterministic generator.
 */
#ifndef OOPSD_BENCH_RECGEN_H
#define OOPSD_BENCH_RECGEN_H

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <zlib.h>

#include "oopsd.pb-c.h"

struct recgen {
	Oopsd__CrashRecord rec;
	Oopsd__Host host;
	Oopsd__Kernel kernel;
	Oopsd__Crash crash;
	Oopsd__Origin origin;
	uint8_t id[16];
	char hostname[32], machine_id[33], title[64];
};

struct recgen_params {
	uint64_t seed;
	uint64_t sigs, hosts;
	int64_t now_us;
	uint64_t spread_us; /* crash times in [now - spread, now] */
};

static const char recgen_report[] =
	"WARNING: CPU: 3 PID: 1234 at fs/ext4/inode.c:4015 "
	"ext4_da_update_reserve_space+0x1d0/0x200\n"
	"Modules linked in: ext4 mbcache jbd2\n"
	"CPU: 3 PID: 1234 Comm: kworker/u16:2 Not tainted\n"
	"RIP: 0010:ext4_da_update_reserve_space+0x1d0/0x200\n"
	"Call Trace:\n <TASK>\n ext4_ext_map_blocks+0x8f1/0x1a70\n"
	" ext4_map_blocks+0x1b2/0x620\n ext4_writepages+0x9d2/0x12c0\n"
	" do_writepages+0xcf/0x1e0\n </TASK>\n";

static uint64_t recgen_mix(uint64_t z)
{
	/* splitmix64 finaliser: a deterministic hash of the index. */
	z += 0x9e3779b97f4a7c15ull;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static const char *const recgen_releases[] = {
	"6.1.0-21-amd64", "6.1.0-22-amd64", "6.6.13-amd64", "6.8.0-rc3",
	"5.15.0-91-generic"
};

/* Build record i into g (pointing into g and static data). */
static void recgen_make(struct recgen *g, const struct recgen_params *p,
			uint64_t i)
{
	static uint8_t report_z[1024];
	static uLongf zlen;
	uint64_t h1 = recgen_mix(p->seed * 0x100000001b3ull + i);
	uint64_t h2 = recgen_mix(h1), h3 = recgen_mix(h2);
	/* Skewed: the square of a uniform favours low signature numbers. */
	double u = (double)(h1 >> 11) / 9007199254740992.0;
	uint64_t s = (uint64_t)(u * u * (double)p->sigs);
	uint64_t h = h2 % p->hosts;

	if (zlen == 0) {
		zlen = sizeof(report_z);
		compress2(report_z, &zlen, (const Bytef *)recgen_report,
			  sizeof(recgen_report) - 1, 6);
	}
	oopsd__crash_record__init(&g->rec);
	oopsd__host__init(&g->host);
	oopsd__kernel__init(&g->kernel);
	oopsd__crash__init(&g->crash);
	oopsd__origin__init(&g->origin);
	memcpy(g->id, &p->seed, 8);
	memcpy(g->id + 8, &i, 8);
	g->rec.has_id = 1;
	g->rec.id.data = g->id;
	g->rec.id.len = 16;
	snprintf(g->hostname, sizeof(g->hostname), "host%05" PRIu64, h);
	snprintf(g->machine_id, sizeof(g->machine_id), "%032" PRIx64, h + 1);
	g->host.hostname = g->hostname;
	g->host.machine_id = g->machine_id;
	g->rec.host = &g->host;
	g->kernel.release = (char *)recgen_releases[h3 % 5];
	g->kernel.arch = (char *)"x86_64";
	g->rec.kernel = &g->kernel;
	snprintf(g->title, sizeof(g->title),
		 "WARNING in synthetic_function_%" PRIu64, s);
	g->crash.title = g->title;
	g->crash.has_kind = 1;
	g->crash.kind = OOPSD__CRASH_KIND__KIND_WARNING;
	g->crash.has_title_signature = 1;
	g->crash.title_signature =
		0x5157000000000000ull ^ (s * 0x9e3779b97f4a7c15ull);
	g->crash.has_stack_signature = 1;
	g->crash.stack_signature = s * 31 + 7;
	g->rec.crash = &g->crash;
	g->origin.has_source = 1;
	g->origin.source = OOPSD__SOURCE__SOURCE_PSTORE_DMESG;
	g->rec.origin = &g->origin;
	g->rec.has_crash_time_us = 1;
	g->rec.crash_time_us =
		p->now_us - (int64_t)(p->spread_us ? h3 % p->spread_us : 0);
	g->rec.has_report_z = 1;
	g->rec.report_z.data = report_z;
	g->rec.report_z.len = zlen;
	g->rec.has_report_len = 1;
	g->rec.report_len = sizeof(recgen_report) - 1;
}

#endif /* OOPSD_BENCH_RECGEN_H */
