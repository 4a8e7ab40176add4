// SPDX-License-Identifier: MIT
/*
 * spoolfill - fill an agent spool with N distinct records, as a crashing
 * fleet member's agent would after a long collector outage:
 *
 *   spoolfill DIR N [TEXT_BYTES]
 *
 * Each record is a WARNING report with TEXT_BYTES (default 1500) of
 * kernel-log-like text, built and packed by lib/record.h exactly as the
 * agent does, written with spool_put() (fsync per record).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse/oops.h"
#include "record/record.h"
#include "wire/spool.h"

int main(int argc, char **argv)
{
	static uint8_t buf[65536];
	struct spool *s;
	long n;
	size_t tlen = 1500;
	char *text;
	int err = 0;

	if (argc < 3) {
		fprintf(stderr, "usage: spoolfill DIR N [TEXT_BYTES]\n");
		return 2;
	}
	n = strtol(argv[2], NULL, 10);
	if (argc > 3)
		tlen = strtoul(argv[3], NULL, 10);
	s = spool_open(argv[1], 0, 0, &err);
	text = malloc(tlen + 64);
	if (s == NULL || text == NULL) {
		fprintf(stderr, "spoolfill: %s\n", strerror(-err));
		return 2;
	}
	for (long i = 0; i < n; i++) {
		struct oops_report r;
		struct record_origin o = RECORD_ORIGIN_INIT;
		uint8_t id[RECORD_ID_LEN];
		char title[64];
		size_t k = 0;
		int len;

		memset(&r, 0, sizeof(r));
		snprintf(title, sizeof(title), "WARNING in bench_fn_%ld", i);
		while (k < tlen) {
			int w = snprintf(text + k, tlen + 64 - k,
					 " bench_fn_%ld+0x%zx/0x%x [mod%ld]\n",
					 i, k * 13 % 4096, 4096, i % 7);
			k += (size_t)w;
		}
		r.kind = OOPS_KIND_WARNING;
		r.title = title;
		r.text = text;
		r.text_len = tlen;
		r.cpu = r.pid = -1;
		r.time_us = 1000000 + i;
		o.source = RECORD_SOURCE_KMSG;
		o.hostname = "bench";
		o.machine_id = "0123456789abcdef0123456789abcdef";
		o.boot_id = "fedcba9876543210fedcba9876543210";
		o.boot_id_is_crashed_boot = true;
		len = record_pack_fit(&r, &o, buf, 8000);
		if (len < 0) {
			fprintf(stderr, "spoolfill: pack: %s\n", strerror(-len));
			return 2;
		}
		record_make_id(&r, &o, id);
		if (spool_put(s, id, sizeof(id), "K", 1, buf, (size_t)len,
			      NULL) < 0) {
			fprintf(stderr, "spoolfill: spool_put failed\n");
			return 2;
		}
	}
	spool_free(s);
	free(text);
	return 0;
}
