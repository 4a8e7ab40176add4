/* SPDX-License-Identifier: MIT */
/*
 * benchutil.h - what the benchmark programs measure with: a clock in
 * seconds and a figure of /proc/self/status.
 */
#ifndef OOPSD_BENCH_BENCHUTIL_H
#define OOPSD_BENCH_BENCHUTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Seconds on clock c (CLOCK_MONOTONIC, CLOCK_PROCESS_CPUTIME_ID, ...). */
static inline double bench_clock_s(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static inline double bench_now_s(void)
{
	return bench_clock_s(CLOCK_MONOTONIC);
}

/* The kB of a /proc/self/status line ("VmRSS:", "VmHWM:"), or -1. */
static inline long bench_status_kb(const char *key)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long v = -1;
	size_t n = strlen(key);

	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, key, n) == 0) {
			v = strtol(line + n, NULL, 10);
			break;
		}
	fclose(f);
	return v;
}

#endif /* OOPSD_BENCH_BENCHUTIL_H */
