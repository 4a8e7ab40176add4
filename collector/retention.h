/* SPDX-License-Identifier: MIT */
/*
 * retention.h - what the collector's retention pass does not take from
 * the clock on trust.
 *
 * Clocks lie (boards without an RTC, stepped servers): records are aged
 * by the collector's receive time (store_retention()), a pass deletes at
 * most a bounded share of the store for age, and a wall clock that moved
 * by more than the monotonic clock says (a step, forward or back) is
 * logged and that pass deletes nothing for age.  Pure functions, so they
 * are tested on an invented clock.
 */
#ifndef OOPSD_COLLECTOR_RETENTION_H
#define OOPSD_COLLECTOR_RETENTION_H

#include <stdbool.h>
#include <stdint.h>

/* A step larger than this between two passes is a jump, not drift. */
#define RETENTION_CLOCK_SLACK_US (5LL * 60 * 1000000)

struct retention_clock {
	bool set;
	int64_t wall_us;
	uint64_t mono_ms;
};

/*
 * How far the wall clock stepped since the last call beyond what the
 * monotonic clock says elapsed (microseconds; > 0 ahead, < 0 back), or 0
 * on the first call or within RETENTION_CLOCK_SLACK_US.  Records the
 * readings for the next call.
 */
int64_t retention_clock_step(struct retention_clock *c, int64_t wall_us,
			     uint64_t mono_ms);

/*
 * Records one pass may delete for age out of `records` stored, at most
 * share_pct percent (100: no bound, returns 0 meaning unbounded), and at
 * least 1 so a small store still ages.
 */
uint64_t retention_max_deletes(uint64_t records, unsigned share_pct);

#endif /* OOPSD_COLLECTOR_RETENTION_H */
