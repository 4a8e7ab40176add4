// SPDX-License-Identifier: MIT
/*
 * records.c - record sizes: parse each log given, build the record of
 * every report with and without its text, and print the sizes.
 *
 *   records [-v] [-f] FILE...
 *
 * The origin is an agent's pstore record with full host identity (host
 * name, machine id, two boot ids, times); with -f it is what `oopsctl
 * encode` writes for a log file (source file, the file name, no host).
 * Prints one line per report with -v, then a summary: reports, median and
 * max of (record size / report text size), median and max record size
 * with and without text.  Never fails on a number (bench rule).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse/oops.h"
#include "record/record.h"
#include "base/util.h"

struct sample {
	double ratio;
	size_t with, without, text;
};

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static int cmp_size(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	static uint8_t buf[1u << 20];
	const char *files[1];
	struct record_origin o = RECORD_ORIGIN_INIT;
	struct sample *s = NULL;
	size_t n = 0, cap = 0;
	int verbose = 0, file_origin = 0, first = 1;

	for (; first < argc && argv[first][0] == '-'; first++) {
		if (strcmp(argv[first], "-v") == 0)
			verbose = 1;
		else if (strcmp(argv[first], "-f") == 0)
			file_origin = 1;
	}
	/* A realistic origin: pstore on a fleet host. */
	o.source = RECORD_SOURCE_PSTORE_DMESG;
	o.nfiles = 1;
	o.files = files;
	o.reason = "Oops";
	o.hostname = "web-1234.dc1.example.com";
	o.machine_id = "4c4c4544004a4d10804bb7c04f4e5032";
	o.boot_id = "9f1e3b7a2c4d4e6f8a0b1c2d3e4f5a6b";
	o.boot_id_is_crashed_boot = true;
	o.collected_boot_id = "0a1b2c3d4e5f60718293a4b5c6d7e8f9";
	o.collected_time_us = 1763700000000000;
	o.crash_time_us = 1763699000000000;
	for (int i = first; i < argc; i++) {
		struct oops_report **reps = NULL;
		char *text = NULL;
		size_t len = 0;
		int nr;

		if (read_file_bounded(argv[i], 64u << 20, 0, &text, &len) < 0) {
			fprintf(stderr, "records: cannot read %s\n", argv[i]);
			continue;
		}
		files[0] = "dmesg-ramoops-0";
		if (file_origin) {
			o = (struct record_origin)RECORD_ORIGIN_INIT;
			o.source = RECORD_SOURCE_FILE;
			o.files = files;
			o.nfiles = 1;
			o.collected_time_us = 1763700000000000;
			files[0] = argv[i];
		}
		nr = oops_parse_buffer(text, len, NULL, &reps);
		for (int k = 0; k < nr; k++) {
			struct oops_report *r = reps[k];
			int with = record_pack(r, &o, SIZE_MAX, buf, sizeof(buf));
			int without = record_pack(r, &o, 0, buf, sizeof(buf));

			if (with > 0 && without > 0 && r->text_len > 0) {
				if (n == cap) {
					cap = cap ? 2 * cap : 256;
					s = realloc(s, cap * sizeof(*s));
					if (s == NULL)
						return 1;
				}
				s[n].text = r->text_len;
				s[n].with = (size_t)with;
				s[n].without = (size_t)without;
				s[n].ratio = (double)with / (double)r->text_len;
				n++;
				if (verbose)
					printf("%s #%d: text %zu B, record %d B "
					       "(%.2f), without text %d B  %s\n",
					       argv[i], k + 1, r->text_len, with,
					       (double)with / (double)r->text_len,
					       without, r->title ? r->title : "");
			}
			oops_report_free(r);
		}
		free(reps);
		free(text);
	}
	if (n == 0) {
		printf("records: no report found\n");
		return 0;
	}
	double *ratios = malloc(n * sizeof(double));
	size_t *with = malloc(n * sizeof(size_t));
	size_t *without = malloc(n * sizeof(size_t));
	size_t text_total = 0, with_total = 0;

	if (!ratios || !with || !without)
		return 1;
	for (size_t i = 0; i < n; i++) {
		ratios[i] = s[i].ratio;
		with[i] = s[i].with;
		without[i] = s[i].without;
		text_total += s[i].text;
		with_total += s[i].with;
	}
	qsort(ratios, n, sizeof(double), cmp_double);
	qsort(with, n, sizeof(size_t), cmp_size);
	qsort(without, n, sizeof(size_t), cmp_size);
	printf("reports: %zu\n", n);
	printf("ratio record/text: median %.3f, max %.3f, overall %.3f\n",
	       ratios[n / 2], ratios[n - 1],
	       (double)with_total / (double)text_total);
	printf("record with text: median %zu B, max %zu B\n", with[n / 2],
	       with[n - 1]);
	printf("record without text: median %zu B, max %zu B\n",
	       without[n / 2], without[n - 1]);
	free(ratios);
	free(with);
	free(without);
	free(s);
	return 0;
}
