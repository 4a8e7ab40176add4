/* SPDX-License-Identifier: MIT */
/*
 * evloop.h - a single-threaded event loop on epoll: fd callbacks, one-shot
 * timers and signal flags.
 *
 * Signals never run code in handler context: a handler only sets a flag,
 * and the loop calls the registered callback from evloop_run() once
 * epoll_pwait() returns.  The watched signals are blocked except while the
 * loop waits, so a signal can never be lost between a check and the wait.
 *
 * Timers are owned by the caller (embed a struct ev_timer in your state),
 * so arming one never allocates.  Times are CLOCK_MONOTONIC milliseconds
 * (evloop_now_ms()).
 */
#ifndef OOPSD_EVLOOP_H
#define OOPSD_EVLOOP_H

#include <stdbool.h>
#include <stdint.h>

#define EV_READ 0x1u
#define EV_WRITE 0x2u
#define EV_ERROR 0x4u /* reported only: EPOLLERR or EPOLLHUP */

struct evloop;

typedef void (*ev_fd_fn)(struct evloop *loop, int fd, unsigned events,
			 void *arg);
typedef void (*ev_timer_fn)(struct evloop *loop, void *arg);
typedef void (*ev_signal_fn)(struct evloop *loop, int signo, void *arg);

struct ev_timer {
	uint64_t when;
	ev_timer_fn fn;
	void *arg;
	struct ev_timer *next; /* armed timers, sorted by `when` */
	bool armed;
	bool due; /* detached for dispatch in this iteration */
};

/* Returns NULL with errno set on failure. */
struct evloop *evloop_new(void);
/* Frees the loop; restores the signal dispositions and mask it changed. */
void evloop_free(struct evloop *loop);

uint64_t evloop_now_ms(void);

/* Watch fd for events (EV_READ|EV_WRITE).  0 or -errno. */
int evloop_add_fd(struct evloop *loop, int fd, unsigned events, ev_fd_fn fn,
		  void *arg);
int evloop_mod_fd(struct evloop *loop, int fd, unsigned events);
/* Stop watching fd (the caller still owns and closes it).  0 or -errno. */
int evloop_del_fd(struct evloop *loop, int fd);

/* Prepare a timer; then arm it as often as needed. */
void ev_timer_init(struct ev_timer *t, ev_timer_fn fn, void *arg);
/* (Re)arm t to fire once at absolute time `when` (evloop_now_ms scale). */
void evloop_timer_arm(struct evloop *loop, struct ev_timer *t, uint64_t when);
void evloop_timer_disarm(struct evloop *loop, struct ev_timer *t);

/* Call fn from the loop whenever signo arrives.  0 or -errno. */
int evloop_on_signal(struct evloop *loop, int signo, ev_signal_fn fn,
		     void *arg);

/*
 * Run until evloop_stop().  Returns 0, or -errno when epoll fails for a
 * reason other than a signal.
 */
int evloop_run(struct evloop *loop);
/* Run one iteration, waiting at most timeout_ms (-1: until an event). */
int evloop_run_once(struct evloop *loop, int timeout_ms);
void evloop_stop(struct evloop *loop);

#endif /* OOPSD_EVLOOP_H */
