// SPDX-License-Identifier: MIT
/* Tests for lib/evloop.c: fd callbacks, timers, signal flags. */
#include <errno.h>
#include <signal.h>

#include "testutil.h"

#include "base/evloop.h"

struct ctx {
	int reads;
	int timers;
	int order[8];
	int norder;
	int signals;
	char buf[16];
};

static void on_read(struct evloop *loop, int fd, unsigned events, void *arg)
{
	struct ctx *c = arg;

	assert_true(events & EV_READ);
	assert_true(read(fd, c->buf, sizeof(c->buf)) > 0);
	c->reads++;
	evloop_stop(loop);
}

static void test_fd_callback(void **state)
{
	struct evloop *loop = evloop_new();
	struct ctx c = { 0 };
	int p[2];

	assert_int_equal(pipe(p), 0);
	assert_int_equal(evloop_add_fd(loop, p[0], EV_READ, on_read, &c), 0);
	assert_int_equal(evloop_add_fd(loop, p[0], EV_READ, on_read, &c), -EEXIST);
	assert_int_equal(write(p[1], "hi", 2), 2);
	assert_int_equal(evloop_run(loop), 0);
	assert_int_equal(c.reads, 1);
	assert_memory_equal(c.buf, "hi", 2);
	assert_int_equal(evloop_del_fd(loop, p[0]), 0);
	assert_int_equal(evloop_del_fd(loop, p[0]), -ENOENT);
	close(p[0]);
	close(p[1]);
	evloop_free(loop);
}

struct tmr {
	struct ctx *c;
	int id;
	struct ev_timer t;
	struct ev_timer *cancel;
};

static void on_timer(struct evloop *loop, void *arg)
{
	struct tmr *t = arg;

	t->c->order[t->c->norder++] = t->id;
	if (t->cancel)
		evloop_timer_disarm(loop, t->cancel);
	if (t->c->norder == 2)
		evloop_stop(loop);
}

static void test_timers_fire_in_order_and_cancel(void **state)
{
	struct evloop *loop = evloop_new();
	struct ctx c = { 0 };
	struct tmr a = { &c, 1 }, b = { &c, 2 }, d = { &c, 3 };
	uint64_t now = evloop_now_ms();

	ev_timer_init(&a.t, on_timer, &a);
	ev_timer_init(&b.t, on_timer, &b);
	ev_timer_init(&d.t, on_timer, &d);
	/* b is due first; it cancels d, which was due at the same time as a. */
	b.cancel = &d.t;
	evloop_timer_arm(loop, &a.t, now + 30);
	evloop_timer_arm(loop, &d.t, now + 30);
	evloop_timer_arm(loop, &b.t, now + 5);
	assert_int_equal(evloop_run(loop), 0);
	assert_int_equal(c.norder, 2);
	assert_int_equal(c.order[0], 2);
	assert_int_equal(c.order[1], 1);
	assert_false(d.t.armed);
	assert_true(evloop_now_ms() >= now + 30);
	evloop_free(loop);
}

static void on_sig(struct evloop *loop, int signo, void *arg)
{
	struct ctx *c = arg;

	assert_int_equal(signo, SIGUSR1);
	c->signals++;
	evloop_stop(loop);
}

static void test_signal_flag(void **state)
{
	struct evloop *loop = evloop_new();
	struct ctx c = { 0 };

	assert_int_equal(evloop_on_signal(loop, SIGUSR1, on_sig, &c), 0);
	/* Delivered while blocked: must not be lost before the wait. */
	assert_int_equal(kill(getpid(), SIGUSR1), 0);
	assert_int_equal(evloop_run(loop), 0);
	assert_int_equal(c.signals, 1);
	evloop_free(loop);
}

static void on_rearm(struct evloop *loop, void *arg)
{
	struct tmr *t = arg;

	/* Re-arming for "now" must not spin inside one iteration. */
	t->c->timers++;
	if (t->c->timers < 3)
		evloop_timer_arm(loop, &t->t, evloop_now_ms());
}

static void test_rearm_now_runs_next_iteration(void **state)
{
	struct evloop *loop = evloop_new();
	struct ctx c = { 0 };
	struct tmr a = { &c, 1 };

	ev_timer_init(&a.t, on_rearm, &a);
	evloop_timer_arm(loop, &a.t, evloop_now_ms());
	assert_int_equal(evloop_run_once(loop, 0), 0);
	assert_int_equal(c.timers, 1);
	assert_int_equal(evloop_run_once(loop, 0), 0);
	assert_int_equal(c.timers, 2);
	evloop_free(loop);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fd_callback),
		cmocka_unit_test(test_timers_fire_in_order_and_cancel),
		cmocka_unit_test(test_signal_flag),
		cmocka_unit_test(test_rearm_now_runs_next_iteration),
	};

	return cmocka_run_group_tests_name("evloop", tests, NULL, NULL);
}
