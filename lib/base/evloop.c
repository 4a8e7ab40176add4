// SPDX-License-Identifier: MIT
/*
 * evloop.c - see evloop.h.
 */
#include "base/evloop.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#define EV_MAX_EVENTS 64
#define EV_NSIG 65

struct ev_fd {
	ev_fd_fn fn;
	void *arg;
	bool used;
};

struct ev_sig {
	ev_signal_fn fn;
	void *arg;
	struct sigaction old;
};

struct evloop {
	int epfd;
	struct ev_fd *fds; /* indexed by fd */
	int nfds;
	struct ev_timer *timers;
	struct ev_sig sigs[EV_NSIG];
	sigset_t old_mask;  /* the mask before evloop_on_signal() */
	sigset_t wait_mask; /* the mask while waiting: watched unblocked */
	bool mask_saved;
	bool stop;
};

/* Signal flags: the only state a handler touches. */
static volatile sig_atomic_t ev_pending[EV_NSIG];

static void ev_handler(int signo)
{
	if (signo > 0 && signo < EV_NSIG)
		ev_pending[signo] = 1;
}

uint64_t evloop_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

struct evloop *evloop_new(void)
{
	struct evloop *loop = calloc(1, sizeof(*loop));

	if (loop == NULL)
		return NULL;
	loop->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (loop->epfd < 0) {
		int saved = errno;

		free(loop);
		errno = saved;
		return NULL;
	}
	return loop;
}

void evloop_free(struct evloop *loop)
{
	if (loop == NULL)
		return;
	for (int s = 1; s < EV_NSIG; s++)
		if (loop->sigs[s].fn != NULL)
			sigaction(s, &loop->sigs[s].old, NULL);
	if (loop->mask_saved)
		sigprocmask(SIG_SETMASK, &loop->old_mask, NULL);
	close(loop->epfd);
	free(loop->fds);
	free(loop);
}

static uint32_t ev_to_epoll(unsigned events)
{
	return ((events & EV_READ) ? EPOLLIN : 0) |
	       ((events & EV_WRITE) ? EPOLLOUT : 0);
}

int evloop_add_fd(struct evloop *loop, int fd, unsigned events, ev_fd_fn fn,
		  void *arg)
{
	struct epoll_event ev = { .events = ev_to_epoll(events), .data.fd = fd };

	if (fd < 0 || fn == NULL)
		return -EINVAL;
	if (fd >= loop->nfds) {
		int n = fd + 16;
		struct ev_fd *fds = realloc(loop->fds, sizeof(*fds) * n);

		if (fds == NULL)
			return -ENOMEM;
		memset(fds + loop->nfds, 0, sizeof(*fds) * (n - loop->nfds));
		loop->fds = fds;
		loop->nfds = n;
	}
	if (loop->fds[fd].used)
		return -EEXIST;
	if (epoll_ctl(loop->epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
		return -errno;
	loop->fds[fd] = (struct ev_fd){ .fn = fn, .arg = arg, .used = true };
	return 0;
}

int evloop_mod_fd(struct evloop *loop, int fd, unsigned events)
{
	struct epoll_event ev = { .events = ev_to_epoll(events), .data.fd = fd };

	if (fd < 0 || fd >= loop->nfds || !loop->fds[fd].used)
		return -ENOENT;
	if (epoll_ctl(loop->epfd, EPOLL_CTL_MOD, fd, &ev) < 0)
		return -errno;
	return 0;
}

int evloop_del_fd(struct evloop *loop, int fd)
{
	if (fd < 0 || fd >= loop->nfds || !loop->fds[fd].used)
		return -ENOENT;
	loop->fds[fd].used = false;
	if (epoll_ctl(loop->epfd, EPOLL_CTL_DEL, fd, NULL) < 0)
		return -errno;
	return 0;
}

void ev_timer_init(struct ev_timer *t, ev_timer_fn fn, void *arg)
{
	memset(t, 0, sizeof(*t));
	t->fn = fn;
	t->arg = arg;
}

void evloop_timer_disarm(struct evloop *loop, struct ev_timer *t)
{
	struct ev_timer **pp;

	t->due = false;
	if (!t->armed)
		return;
	for (pp = &loop->timers; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == t) {
			*pp = t->next;
			break;
		}
	}
	t->next = NULL;
	t->armed = false;
}

void evloop_timer_arm(struct evloop *loop, struct ev_timer *t, uint64_t when)
{
	struct ev_timer **pp;

	evloop_timer_disarm(loop, t);
	t->when = when;
	/* Equal deadlines fire in the order they were armed. */
	for (pp = &loop->timers; *pp != NULL && (*pp)->when <= when;
	     pp = &(*pp)->next)
		;
	t->next = *pp;
	*pp = t;
	t->armed = true;
}

int evloop_on_signal(struct evloop *loop, int signo, ev_signal_fn fn,
		     void *arg)
{
	struct sigaction sa;
	sigset_t block;

	if (signo <= 0 || signo >= EV_NSIG || fn == NULL)
		return -EINVAL;
	sigemptyset(&block);
	sigaddset(&block, signo);
	if (!loop->mask_saved) {
		if (sigprocmask(SIG_BLOCK, &block, &loop->old_mask) < 0)
			return -errno;
		loop->wait_mask = loop->old_mask;
		loop->mask_saved = true;
	} else if (sigprocmask(SIG_BLOCK, &block, NULL) < 0) {
		return -errno;
	}
	sigdelset(&loop->wait_mask, signo);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = ev_handler;
	sigemptyset(&sa.sa_mask);
	if (sigaction(signo, &sa, loop->sigs[signo].fn ? NULL
							: &loop->sigs[signo].old) < 0)
		return -errno;
	ev_pending[signo] = 0;
	loop->sigs[signo].fn = fn;
	loop->sigs[signo].arg = arg;
	return 0;
}

static void ev_dispatch_signals(struct evloop *loop)
{
	for (int s = 1; s < EV_NSIG; s++) {
		if (ev_pending[s] && loop->sigs[s].fn != NULL) {
			ev_pending[s] = 0;
			loop->sigs[s].fn(loop, s, loop->sigs[s].arg);
		}
	}
}

static void ev_dispatch_timers(struct evloop *loop)
{
	uint64_t now = evloop_now_ms();
	struct ev_timer *due[EV_MAX_EVENTS];
	int n = 0;

	/*
	 * Detach the due timers first: a callback may re-arm its own timer
	 * for `now`, and that must wait for the next iteration.  A detached
	 * timer stays marked `due` so that an earlier callback can still
	 * cancel or re-arm it.
	 */
	while (loop->timers != NULL && loop->timers->when <= now &&
	       n < EV_MAX_EVENTS) {
		struct ev_timer *t = loop->timers;

		loop->timers = t->next;
		t->next = NULL;
		t->armed = false;
		t->due = true;
		due[n++] = t;
	}
	for (int i = 0; i < n; i++) {
		struct ev_timer *t = due[i];

		if (!t->due)
			continue;
		t->due = false;
		if (loop->stop)
			evloop_timer_arm(loop, t, t->when);
		else
			t->fn(loop, t->arg);
	}
}

int evloop_run_once(struct evloop *loop, int timeout_ms)
{
	struct epoll_event evs[EV_MAX_EVENTS];
	int n;

	if (loop->timers != NULL) {
		uint64_t now = evloop_now_ms();
		uint64_t wait = loop->timers->when > now
					? loop->timers->when - now
					: 0;

		if (timeout_ms < 0 || wait < (uint64_t)timeout_ms)
			timeout_ms = wait > 60000 ? 60000 : (int)wait;
	}
	ev_dispatch_signals(loop);
	if (loop->stop)
		return 0;
	n = epoll_pwait(loop->epfd, evs, EV_MAX_EVENTS, timeout_ms,
			loop->mask_saved ? &loop->wait_mask : NULL);
	if (n < 0) {
		if (errno != EINTR)
			return -errno;
		n = 0;
	}
	ev_dispatch_signals(loop);
	for (int i = 0; i < n && !loop->stop; i++) {
		int fd = evs[i].data.fd;
		unsigned events = 0;

		if (fd < 0 || fd >= loop->nfds || !loop->fds[fd].used)
			continue; /* removed by an earlier callback */
		if (evs[i].events & EPOLLIN)
			events |= EV_READ;
		if (evs[i].events & EPOLLOUT)
			events |= EV_WRITE;
		if (evs[i].events & (EPOLLERR | EPOLLHUP))
			events |= EV_ERROR;
		loop->fds[fd].fn(loop, fd, events, loop->fds[fd].arg);
	}
	ev_dispatch_timers(loop);
	return 0;
}

int evloop_run(struct evloop *loop)
{
	loop->stop = false;
	while (!loop->stop) {
		int rc = evloop_run_once(loop, -1);

		if (rc < 0)
			return rc;
	}
	return 0;
}

void evloop_stop(struct evloop *loop)
{
	loop->stop = true;
}
