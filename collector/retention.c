// SPDX-License-Identifier: MIT
/*
 * retention.c - clock-jump detection and the per-pass bound of the
 * collector's retention (see retention.h).
 */
#include "retention.h"

int64_t retention_clock_step(struct retention_clock *c, int64_t wall_us,
			     uint64_t mono_ms)
{
	int64_t step = 0;

	if (c->set) {
		int64_t mono_us = (int64_t)(mono_ms - c->mono_ms) * 1000;

		step = (wall_us - c->wall_us) - mono_us;
		if (step < RETENTION_CLOCK_SLACK_US &&
		    step > -RETENTION_CLOCK_SLACK_US)
			step = 0;
	}
	c->set = true;
	c->wall_us = wall_us;
	c->mono_ms = mono_ms;
	return step;
}

uint64_t retention_max_deletes(uint64_t records, unsigned share_pct)
{
	uint64_t n;

	if (share_pct >= 100)
		return 0;
	n = records / 100 * share_pct + records % 100 * share_pct / 100;
	return n > 0 ? n : 1;
}
