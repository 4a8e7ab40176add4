// SPDX-License-Identifier: MIT
/*
 * ncon_rx.c - the netconsole receiver: socket, decoder, parsers (see
 * ncon_rx.h).
 */
#include <errno.h>
#include <inttypes.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <linux/sock_diag.h>

#include "base/evloop.h"
#include "base/log.h"
#include "netconsole/ncon_rx.h"
#include "record/record.h"
#include "wire/transport.h"

#ifndef SO_RXQ_OVFL
#define SO_RXQ_OVFL 40
#endif

#define RX_LOSS_SLOTS 8
/*
 * A loss this many lines or fewer before a report's first line counts
 * against it: the lines of a report before the one the parser starts from
 * when the real header was lost ("#PF:", "PGD", "cut here") are few.
 */
#define RX_LOSS_LEAD 8
/* Put in front of a report body whose header message was lost. */
#define RX_LOST_HEADER "BUG: report header lost"
#define RX_READ_ROUNDS 16 /* batches per wakeup before timers get a turn */
/*
 * Heap given back to the system (malloc_trim) once at least this many
 * parsers or senders, and at least as many as are still alive, were freed
 * since the last time, and the socket has been quiet for RX_TRIM_QUIET_MS:
 * never while traffic flows, and a few times (halving) while a burst's
 * senders expire one batch after another.
 */
#define RX_TRIM_FREED 256
#define RX_TRIM_QUIET_MS 1000

/* The per-sender parser state, hung on the decoder's sender. */
struct rx_peer {
	struct ncon_sender *s;
	struct oops_parser *p;
	struct rx_peer *prev, *next; /* live parsers, most recent first */
	uint64_t lines, last_fed;
	struct {
		uint64_t line, n; /* n messages lost before line `line` */
	} loss[RX_LOSS_SLOTS];
	unsigned nloss;
	uint64_t last_loss; /* line that followed the last loss, or 0 */
	uint64_t first_line; /* the sender's first line ever heard, or 0 */
	bool open;	    /* the parser has an open report */
	bool legacy;	    /* the last line was legacy: loss undetectable */
};

struct ncon_rx {
	struct ncon_rx_config cfg;
	struct evloop *loop;
	int fd, port;
	bool meminfo; /* SO_MEMINFO works: drops read from it */
	uint64_t drops_logged, drop_log_ms;
	uint64_t freed, expired_seen, last_input_ms;
	struct ev_timer timer;
	struct ncon *nc;
	ncon_rx_report_fn report;
	ncon_rx_line_fn line;
	void *arg;

	struct rx_peer *head, *tail;
	size_t npeers, nopen;
	char *linebuf;
	size_t linecap;

	struct mmsghdr *msgs;
	struct iovec *iov;
	struct sockaddr_storage *addrs;
	char *bufs, *ctl;
	size_t bufsize, ctlsize;

	struct ncon_rx_counters c;
};

/* ---------------------------------------------------------- parsers --- */

static void from_init(struct ncon_rx_from *f, const struct ncon_sender *s,
		      char *buf, size_t len)
{
	f->key = ncon_sender_key(s);
	ncon_key_format(f->key, buf, len);
	f->sender = buf;
	f->loss_unknown = false;
	f->start_unseen = false;
}

static void peer_pop(struct ncon_rx *rx, struct rx_peer *pe)
{
	struct oops_report *r;

	while ((r = oops_parser_next(pe->p)) != NULL) {
		uint64_t lost = 0;
		unsigned i, k = 0;
		struct ncon_rx_from from;
		char name[80];

		/*
		 * Losses between the report's lines touch it, and so does one
		 * just before its first line: the lost message may have been
		 * the report's real header, and the line the parser started
		 * from only a later part of it (a lost "BUG: kernel NULL
		 * pointer dereference" leaves an "Oops:" that titles it
		 * wrongly).  Without msgid such a gap may also be messages
		 * console_loglevel kept back, which cannot be told apart: the
		 * report is marked rather than trusted.  Older losses are
		 * forgotten.
		 */
		for (i = 0; i < pe->nloss; i++) {
			if (pe->loss[i].line + RX_LOSS_LEAD >= r->start_line &&
			    pe->loss[i].line <= r->end_line)
				lost += pe->loss[i].n;
			if (pe->loss[i].line > r->end_line)
				pe->loss[k++] = pe->loss[i];
		}
		pe->nloss = k;
		if (lost)
			r->corrupted = true;
		rx->c.reports++;
		if (rx->report) {
			from_init(&from, pe->s, name, sizeof(name));
			from.loss_unknown = pe->legacy;
			from.start_unseen = !pe->legacy && pe->first_line &&
					    r->start_line <=
						    pe->first_line + RX_LOSS_LEAD;
			rx->report(rx->arg, &from, r, lost);
		} else {
			oops_report_free(r);
		}
	}
}

static void peer_unlink(struct ncon_rx *rx, struct rx_peer *pe)
{
	if (pe->prev)
		pe->prev->next = pe->next;
	else
		rx->head = pe->next;
	if (pe->next)
		pe->next->prev = pe->prev;
	else
		rx->tail = pe->prev;
	pe->prev = pe->next = NULL;
}

static void peer_push(struct ncon_rx *rx, struct rx_peer *pe)
{
	pe->next = rx->head;
	if (rx->head)
		rx->head->prev = pe;
	else
		rx->tail = pe;
	rx->head = pe;
}

/* Complete what the parser holds, deliver it, and free the parser. */
static void peer_free(struct ncon_rx *rx, struct rx_peer *pe, uint64_t now)
{
	oops_parser_finish(pe->p, now);
	peer_pop(rx, pe);
	if (pe->open)
		rx->nopen--;
	oops_parser_free(pe->p);
	peer_unlink(rx, pe);
	ncon_sender_set_user(pe->s, NULL);
	rx->npeers--;
	rx->freed++;
	free(pe);
}

static struct rx_peer *peer_get(struct ncon_rx *rx, struct ncon_sender *s,
				uint64_t now)
{
	struct rx_peer *pe = ncon_sender_user(s);

	if (pe != NULL) {
		if (rx->head != pe) {
			peer_unlink(rx, pe);
			peer_push(rx, pe);
		}
		return pe;
	}
	if (rx->npeers >= rx->cfg.max_parsers && rx->tail) {
		struct rx_peer *v = rx->tail;
		int k;

		/* Prefer a parser with no open report: freeing it loses nothing. */
		for (k = 0; v && k < 16; k++, v = v->prev)
			if (oops_parser_deadline(v->p) == UINT64_MAX)
				break;
		if (v == NULL || k == 16) {
			v = rx->tail;
			rx->c.parser_evictions++;
		}
		peer_free(rx, v, now);
	}
	pe = calloc(1, sizeof(*pe));
	if (pe == NULL)
		return NULL;
	pe->p = oops_parser_new(&rx->cfg.parser);
	if (pe->p == NULL) {
		free(pe);
		return NULL;
	}
	pe->s = s;
	ncon_sender_set_user(s, pe);
	peer_push(rx, pe);
	rx->npeers++;
	return pe;
}

static void note_loss(struct rx_peer *pe, uint64_t n)
{
	if (pe->nloss == RX_LOSS_SLOTS) {
		/* Fold the two oldest: the count stays, the position blurs. */
		pe->loss[1].n += pe->loss[0].n;
		memmove(pe->loss, pe->loss + 1,
			(RX_LOSS_SLOTS - 1) * sizeof(pe->loss[0]));
		pe->nloss--;
	}
	pe->loss[pe->nloss].line = pe->lines + 1;
	pe->loss[pe->nloss].n = n;
	pe->nloss++;
	pe->last_loss = pe->lines + 1;
}

/*
 * Lines that only appear inside a crash report, after its header: the
 * report's body.  Each is followed by what makes it unambiguous.
 */
static bool is_report_body(const char *s, size_t n)
{
	static const char *const body[] = {
		"Call Trace:", "Call trace:", "Modules linked in:",
		"Hardware name: ", "RIP: 00", "Code: ", "---[ end trace ",
	};

	if (n < 5)
		return false;
	/* A call-trace frame: " ? func+0x1a/0x30 [mod]" or " func+0x1/0x2". */
	if (s[0] == ' ' && n < 256) {
		const char *p = memmem(s, n, "+0x", 3);

		return p && memmem(p, n - (size_t)(p - s), "/0x", 3);
	}
	/* Every other one starts with one of these: most lines stop here. */
	if (strchr("CMHR-p", s[0]) == NULL)
		return false;
	for (size_t i = 0; i < sizeof(body) / sizeof(body[0]); i++) {
		size_t k = strlen(body[i]);

		if (n >= k && memcmp(s, body[i], k) == 0)
			return true;
	}
	/* "CPU: 0 PID: 12 Comm: x" and arm64's "pc : func+0x1/0x2". */
	return (n > 16 && memcmp(s, "CPU: ", 5) == 0 &&
		memmem(s, n, " PID: ", 6) && memmem(s, n, " Comm: ", 7)) ||
	       (n > 6 && memcmp(s, "pc : ", 5) == 0);
}

static void peer_arm(struct ncon_rx *rx, struct rx_peer *pe)
{
	uint64_t d = oops_parser_deadline(pe->p);
	uint64_t idle = pe->last_fed + rx->cfg.parser_idle_ms;
	bool open = d != UINT64_MAX;

	if (open != pe->open) {
		pe->open = open;
		if (open)
			rx->nopen++;
		else
			rx->nopen--;
	}

	ncon_sender_set_deadline(rx->nc, pe->s, d < idle ? d : idle);
}

/*
 * Too many reports open at once (each may hold max_report_bytes): complete
 * the one least recently fed now rather than let memory grow.
 */
static void close_one(struct ncon_rx *rx, struct rx_peer *keep, uint64_t now)
{
	struct rx_peer *v;

	for (v = rx->tail; v; v = v->prev)
		if (v->open && v != keep)
			break;
	if (v == NULL)
		return;
	rx->c.report_evictions++;
	oops_parser_finish(v->p, now);
	peer_pop(rx, v);
	peer_arm(rx, v);
}

/*
 * "[%5llu.%06llu] " or "[%5llu.%06llu][%6s] " as the console prints it,
 * without printf (this runs for every line).  buf holds 64 bytes.
 */
static size_t console_prefix(char *buf, uint64_t us, const char *caller)
{
	char d[24];
	uint64_t sec = us / 1000000;
	unsigned frac = (unsigned)(us % 1000000);
	size_t n = 0, k = 0, cl;

	do {
		d[k++] = (char)('0' + sec % 10);
		sec /= 10;
	} while (sec);
	buf[n++] = '[';
	for (size_t pad = k; pad < 5; pad++)
		buf[n++] = ' ';
	while (k)
		buf[n++] = d[--k];
	buf[n++] = '.';
	for (int i = 5; i >= 0; i--) {
		buf[n + (size_t)i] = (char)('0' + frac % 10);
		frac /= 10;
	}
	n += 6;
	buf[n++] = ']';
	/* Only the mainline shapes ("T123", "C3"): the parser knows those. */
	cl = caller ? strnlen(caller, 15) : 0;
	if (cl >= 2 && (caller[0] == 'T' || caller[0] == 'C') &&
	    strspn(caller + 1, "0123456789") == cl - 1) {
		buf[n++] = '[';
		for (size_t pad = cl; pad < 6; pad++)
			buf[n++] = ' ';
		memcpy(buf + n, caller, cl);
		n += cl;
		buf[n++] = ']';
	}
	buf[n++] = ' ';
	return n;
}

static void on_line(void *arg, struct ncon_sender *s,
		    const struct ncon_line *l, uint64_t now)
{
	struct ncon_rx *rx = arg;
	struct rx_peer *pe;
	size_t n = 0;

	if (rx->line) {
		struct ncon_rx_from from;
		char name[80];

		from_init(&from, s, name, sizeof(name));
		rx->line(rx->arg, &from, l);
	}
	if (rx->cfg.no_parse)
		return;
	pe = peer_get(rx, s, now);
	if (pe == NULL)
		return;
	if ((l->flags & NCON_LINE_REBOOT) && pe->lines) {
		/* A new boot: whatever was open belonged to the old one. */
		oops_parser_finish(pe->p, now);
		peer_pop(rx, pe);
	}
	if (l->lost)
		note_loss(pe, l->lost);
	if (l->flags & NCON_LINE_FIRST)
		pe->first_line = pe->lines + 1;
	pe->legacy = l->flags & NCON_LINE_LEGACY;
	/* Extended lines get the console's own prefixes back. */
	if (l->usec >= 0)
		n = console_prefix(rx->linebuf, (uint64_t)l->usec, l->caller);
	/*
	 * The body of a report arriving with no report open, just after a
	 * loss: the message with its header was lost.  Rather than let the
	 * body go by (no report) or be titled by a later line of it, start a
	 * report with a header that says so; the loss marks it corrupted.
	 */
	if (!pe->open && pe->last_loss &&
	    pe->lines + 1 - pe->last_loss < RX_LOSS_LEAD &&
	    is_report_body(l->text, l->len) &&
	    n + sizeof(RX_LOST_HEADER) <= rx->linecap) {
		memcpy(rx->linebuf + n, RX_LOST_HEADER,
		       sizeof(RX_LOST_HEADER) - 1);
		oops_parser_feed_line(pe->p, rx->linebuf,
				      n + sizeof(RX_LOST_HEADER) - 1, now);
		pe->lines++;
		pe->last_loss = 0;
		rx->c.headers_lost++;
	}
	if (n + l->len > rx->linecap)
		n = 0;
	memcpy(rx->linebuf + n, l->text,
	       l->len <= rx->linecap - n ? l->len : rx->linecap - n);
	n += l->len <= rx->linecap - n ? l->len : rx->linecap - n;
	oops_parser_feed_line(pe->p, rx->linebuf, n, now);
	pe->lines++;
	pe->last_fed = now;
	peer_pop(rx, pe);
	peer_arm(rx, pe);
	if (rx->nopen > rx->cfg.max_open_reports)
		close_one(rx, pe, now);
}

static void on_timer(void *arg, struct ncon_sender *s, uint64_t now)
{
	struct ncon_rx *rx = arg;
	struct rx_peer *pe = ncon_sender_user(s);

	if (pe == NULL)
		return;
	oops_parser_tick(pe->p, now);
	peer_pop(rx, pe);
	if (oops_parser_deadline(pe->p) == UINT64_MAX &&
	    now >= pe->last_fed + rx->cfg.parser_idle_ms)
		peer_free(rx, pe, now); /* quiet: give the memory back */
	else
		peer_arm(rx, pe);
}

static void on_release(void *arg, struct ncon_sender *s, uint64_t now)
{
	struct ncon_rx *rx = arg;
	struct rx_peer *pe = ncon_sender_user(s);

	if (pe != NULL)
		peer_free(rx, pe, now);
}

static const struct ncon_ops rx_ops = {
	.line = on_line, .timer = on_timer, .release = on_release,
};

/* ----------------------------------------------------------- socket --- */

int ncon_rx_parse_addr(const char *spec, int default_port,
		       struct sockaddr_storage *ss, unsigned *sslen)
{
	struct transport_hostport hp;
	struct sockaddr_in6 *in6 = (void *)ss;
	socklen_t len;

	if (transport_parse_hostport(spec ? spec : "", TRANSPORT_HP_LISTEN,
				     (uint16_t)default_port, &hp, NULL,
				     0) < 0)
		return -EINVAL;
	if (hp.host[0] == '\0' || strcmp(hp.host, "*") == 0) {
		/* Every address, IPv4 ones too (the socket is dual-stack). */
		memset(ss, 0, sizeof(*ss));
		in6->sin6_family = AF_INET6;
		in6->sin6_addr = in6addr_any;
		in6->sin6_port = htons(hp.port);
		*sslen = sizeof(*in6);
		return 0;
	}
	if (transport_numeric_addr(hp.host, hp.port, ss, &len) < 0)
		return -EINVAL;
	*sslen = len;
	return 0;
}

static int rx_open(struct ncon_rx *rx)
{
	struct sockaddr_storage ss;
	socklen_t len;
	unsigned sslen;
	int fd, one = 1, zero = 0, err;

	err = ncon_rx_parse_addr(rx->cfg.listen, CONFIG_DEFAULT_NETCONSOLE_PORT,
				 &ss, &sslen);
	if (err < 0)
		return err;
	fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    0);
	if (fd < 0)
		return -errno;
	/* "::" takes IPv4 too (dual-stack), whatever the sysctl default. */
	if (ss.ss_family == AF_INET6)
		(void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero,
				 sizeof(zero));
	if (rx->cfg.rcvbuf > 0 &&
	    setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rx->cfg.rcvbuf,
		       sizeof(rx->cfg.rcvbuf)) < 0 &&
	    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rx->cfg.rcvbuf,
		       sizeof(rx->cfg.rcvbuf)) < 0)
		log_warn("netconsole: SO_RCVBUF %d", rx->cfg.rcvbuf);
	{
		int got = 0;
		socklen_t glen = sizeof(got);

		if (getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &got, &glen) == 0)
			rx->c.rcvbuf = (uint64_t)got;
	}
	/*
	 * Kernel drops: SO_MEMINFO reads the socket's drop counter exactly,
	 * whenever asked, at no cost per datagram.  SO_RXQ_OVFL attaches it
	 * to each datagram instead, which makes the kernel take a slower
	 * path for every datagram (measured: 10-30% of the drain rate) and
	 * misses drops after the last datagram; it is the fallback for
	 * kernels without SO_MEMINFO (before 4.12).
	 */
	{
		uint32_t mi[SK_MEMINFO_VARS];
		socklen_t mlen = sizeof(mi);

		rx->meminfo = getsockopt(fd, SOL_SOCKET, SO_MEMINFO, mi,
					 &mlen) == 0 &&
			      mlen > SK_MEMINFO_DROPS * sizeof(uint32_t);
	}
	if (!rx->meminfo &&
	    setsockopt(fd, SOL_SOCKET, SO_RXQ_OVFL, &one, sizeof(one)) < 0)
		log_warn("netconsole: SO_RXQ_OVFL (kernel drops not counted)");
	if (bind(fd, (struct sockaddr *)&ss, sslen) < 0) {
		err = -errno;
		close(fd);
		return err;
	}
	len = sizeof(ss);
	if (getsockname(fd, (struct sockaddr *)&ss, &len) == 0)
		rx->port = ntohs(ss.ss_family == AF_INET6 ?
				 ((struct sockaddr_in6 *)&ss)->sin6_port :
				 ((struct sockaddr_in *)&ss)->sin_port);
	rx->fd = fd;
	/*
	 * The kernel reports twice what it lets queue (half is overhead
	 * accounting) and caps an unprivileged request at rmem_max: say what
	 * was granted, so that an operator whose buffer is small knows why
	 * bursts are lost.
	 */
	if (rx->cfg.rcvbuf > 0 && rx->c.rcvbuf < (uint64_t)rx->cfg.rcvbuf)
		log_warnx("netconsole: port %d: receive buffer %" PRIu64
			  " KiB granted of %d KiB asked (raise "
			  "net.core.rmem_max, or run with CAP_NET_ADMIN)",
			  rx->port, rx->c.rcvbuf >> 10, rx->cfg.rcvbuf >> 10);
	else
		log_info("netconsole: port %d: receive buffer %" PRIu64
			 " KiB (SO_RCVBUF read back)", rx->port,
			 rx->c.rcvbuf >> 10);
	return 0;
}

static int rx_alloc_batch(struct ncon_rx *rx)
{
	unsigned n = rx->cfg.batch, i;

	rx->bufsize = CONFIG_MAX_DATAGRAM_BYTES;
	rx->ctlsize = CMSG_SPACE(sizeof(uint32_t));
	rx->msgs = calloc(n, sizeof(*rx->msgs));
	rx->iov = calloc(n, sizeof(*rx->iov));
	rx->addrs = calloc(n, sizeof(*rx->addrs));
	rx->bufs = malloc(n * rx->bufsize);
	rx->ctl = calloc(n, rx->ctlsize);
	if (!rx->msgs || !rx->iov || !rx->addrs || !rx->bufs || !rx->ctl)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		rx->iov[i].iov_base = rx->bufs + i * rx->bufsize;
		rx->iov[i].iov_len = rx->bufsize;
		rx->msgs[i].msg_hdr.msg_iov = &rx->iov[i];
		rx->msgs[i].msg_hdr.msg_iovlen = 1;
	}
	return 0;
}

/* The socket's drop counter right now (SO_MEMINFO), or what SO_RXQ_OVFL said. */
static uint64_t rx_drops(const struct ncon_rx *rx)
{
	if (rx->fd >= 0 && rx->meminfo) {
		uint32_t mi[SK_MEMINFO_VARS];
		socklen_t len = sizeof(mi);

		if (getsockopt(rx->fd, SOL_SOCKET, SO_MEMINFO, mi, &len) == 0 &&
		    len > SK_MEMINFO_DROPS * sizeof(uint32_t) &&
		    mi[SK_MEMINFO_DROPS] > rx->c.kernel_drops)
			return mi[SK_MEMINFO_DROPS];
	}
	return rx->c.kernel_drops;
}

/*
 * Say when the kernel drops datagrams (the socket buffer was full): the
 * counter is read once a wakeup (one getsockopt for a batch of up to
 * RX_READ_ROUNDS * batch datagrams), a line is logged once per
 * NCON_RX_DROP_LOG_MS at most with how many since the last one.
 */
static void rx_check_drops(struct ncon_rx *rx, uint64_t now)
{
	uint64_t d;

	d = rx->c.kernel_drops = rx_drops(rx);
	if (d == rx->drops_logged || now < rx->drop_log_ms)
		return;
	log_warnx("netconsole: port %d: the kernel dropped %" PRIu64
		  " datagrams (%" PRIu64 " in all): the receive buffer (%"
		  PRIu64 " KiB) was full", rx->port, d - rx->drops_logged, d,
		  rx->c.rcvbuf >> 10);
	rx->drops_logged = d;
	rx->drop_log_ms = now + NCON_RX_DROP_LOG_MS;
}

/*
 * After a burst from many hosts the parsers and senders it created are
 * freed once idle, but glibc keeps the pages (the heap top is pinned by
 * whatever was allocated last): give them back once things are quiet.
 */
static void rx_maybe_trim(struct ncon_rx *rx, uint64_t now)
{
	struct ncon_stats st;

	ncon_get_stats(rx->nc, &st);
	rx->freed += st.expired - rx->expired_seen;
	rx->expired_seen = st.expired;
	if (rx->freed < RX_TRIM_FREED || rx->freed < st.senders + rx->npeers ||
	    now < rx->last_input_ms + RX_TRIM_QUIET_MS)
		return;
	rx->freed = 0;
#ifdef __GLIBC__
	malloc_trim(0);
#endif
	rx->c.trims++;
}

static void rx_arm(struct ncon_rx *rx)
{
	uint64_t d;

	if (rx->loop == NULL)
		return;
	d = ncon_next_deadline(rx->nc);
	if (d == UINT64_MAX)
		evloop_timer_disarm(rx->loop, &rx->timer);
	else
		evloop_timer_arm(rx->loop, &rx->timer, d);
}

static void rx_read(struct evloop *loop, int fd, unsigned events, void *arg)
{
	struct ncon_rx *rx = arg;
	uint64_t now = evloop_now_ms();
	unsigned n = rx->cfg.batch;

	for (int round = 0; round < RX_READ_ROUNDS; round++) {
		int got, i;

		for (unsigned k = 0; k < n; k++) {
			struct msghdr *h = &rx->msgs[k].msg_hdr;

			h->msg_name = &rx->addrs[k];
			h->msg_namelen = sizeof(rx->addrs[k]);
			h->msg_control = rx->ctl + k * rx->ctlsize;
			h->msg_controllen = rx->ctlsize;
			h->msg_flags = 0;
		}
		got = recvmmsg(fd, rx->msgs, n, MSG_DONTWAIT, NULL);
		if (got < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK &&
			    errno != EINTR) {
				rx->c.recv_errors++;
				log_warn("netconsole: recvmmsg");
			}
			break;
		}
		now = evloop_now_ms();
		for (i = 0; i < got; i++) {
			struct msghdr *h = &rx->msgs[i].msg_hdr;
			struct cmsghdr *cm;
			struct ncon_key key;

			for (cm = CMSG_FIRSTHDR(h); cm; cm = CMSG_NXTHDR(h, cm))
				if (cm->cmsg_level == SOL_SOCKET &&
				    cm->cmsg_type == SO_RXQ_OVFL) {
					uint32_t v;

					memcpy(&v, CMSG_DATA(cm), sizeof(v));
					rx->c.kernel_drops = v;
				}
			if (h->msg_flags & MSG_TRUNC) {
				rx->c.truncated++;
				continue;
			}
			if (ncon_key_from_sockaddr(&key, h->msg_name) < 0)
				continue;
			ncon_process(rx->nc, &key, rx->iov[i].iov_base,
				     rx->msgs[i].msg_len, now);
		}
		if ((unsigned)got < n)
			break;
	}
	rx_check_drops(rx, now);
	rx->last_input_ms = now;
	ncon_tick(rx->nc, now);
	rx_arm(rx);
}

static void rx_timer(struct evloop *loop, void *arg)
{
	struct ncon_rx *rx = arg;
	uint64_t now = evloop_now_ms();

	ncon_tick(rx->nc, now);
	rx_maybe_trim(rx, now);
	rx_arm(rx);
}

/* ------------------------------------------------------------- API --- */

struct ncon_rx *ncon_rx_new(struct evloop *loop,
			    const struct ncon_rx_config *cfg,
			    ncon_rx_report_fn report, ncon_rx_line_fn line,
			    void *arg, int *err)
{
	struct ncon_rx *rx = calloc(1, sizeof(*rx));
	int e = -ENOMEM;

	if (rx == NULL)
		goto out;
	rx->fd = -1;
	if (cfg)
		rx->cfg = *cfg;
	rx->cfg.listen = NULL;
	if (rx->cfg.rcvbuf == 0)
		rx->cfg.rcvbuf = NCON_RX_DEFAULT_RCVBUF;
	if (rx->cfg.batch == 0)
		rx->cfg.batch = 64;
	if (rx->cfg.batch > 1024)
		rx->cfg.batch = 1024;
	if (rx->cfg.parser_idle_ms == 0)
		rx->cfg.parser_idle_ms = 30000;
	if (rx->cfg.max_open_reports == 0)
		rx->cfg.max_open_reports = 1024;
	if (rx->cfg.max_parsers == 0)
		rx->cfg.max_parsers = CONFIG_MAX_SENDERS;
	{
		struct oops_parser_config def = OOPS_PARSER_CONFIG_INIT;
		struct oops_parser_config *pc = &rx->cfg.parser;

		if (!pc->max_report_bytes)
			pc->max_report_bytes = def.max_report_bytes;
		if (!pc->max_frames)
			pc->max_frames = def.max_frames;
		if (!pc->max_line_bytes)
			pc->max_line_bytes = def.max_line_bytes;
		if (!pc->idle_ms)
			pc->idle_ms = def.idle_ms;
	}
	rx->report = report;
	rx->line = line;
	rx->arg = arg;
	rx->nc = ncon_new(&rx->cfg.ncon, &rx_ops, rx);
	rx->linecap = 64 + (rx->cfg.ncon.max_line_bytes ?
			    rx->cfg.ncon.max_line_bytes : 4096);
	rx->linebuf = malloc(rx->linecap);
	if (rx->nc == NULL || rx->linebuf == NULL)
		goto out_free;
	if (loop == NULL)
		goto done;
	rx->loop = loop;
	rx->cfg.listen = cfg ? cfg->listen : NULL;
	e = rx_alloc_batch(rx);
	if (e < 0)
		goto out_free;
	e = rx_open(rx);
	rx->cfg.listen = NULL;
	if (e < 0)
		goto out_free;
	ev_timer_init(&rx->timer, rx_timer, rx);
	e = evloop_add_fd(loop, rx->fd, EV_READ, rx_read, rx);
	if (e < 0)
		goto out_free;
done:
	if (err)
		*err = 0;
	return rx;
out_free:
	rx->loop = NULL;
	ncon_rx_free(rx);
	rx = NULL;
out:
	if (err)
		*err = e;
	return NULL;
}

void ncon_rx_free(struct ncon_rx *rx)
{
	uint64_t now;

	if (rx == NULL)
		return;
	now = rx->loop ? evloop_now_ms() : 0;
	if (rx->loop) {
		evloop_timer_disarm(rx->loop, &rx->timer);
		evloop_del_fd(rx->loop, rx->fd);
	}
	if (rx->nc)
		ncon_rx_flush(rx, now);
	/* The flush re-arms the timer: it must not stay in the loop. */
	if (rx->loop)
		evloop_timer_disarm(rx->loop, &rx->timer);
	ncon_free(rx->nc);
	if (rx->fd >= 0)
		close(rx->fd);
	free(rx->linebuf);
	free(rx->msgs);
	free(rx->iov);
	free(rx->addrs);
	free(rx->bufs);
	free(rx->ctl);
	free(rx);
}

int ncon_rx_fd(const struct ncon_rx *rx)
{
	return rx->fd;
}

int ncon_rx_port(const struct ncon_rx *rx)
{
	return rx->port;
}

int ncon_rx_input(struct ncon_rx *rx, const struct ncon_key *key,
		  const void *data, size_t len, uint64_t now_ms)
{
	int err = ncon_process(rx->nc, key, data, len, now_ms);

	rx->last_input_ms = now_ms;
	rx_arm(rx);
	return err;
}

void ncon_rx_tick(struct ncon_rx *rx, uint64_t now_ms)
{
	ncon_tick(rx->nc, now_ms);
	rx_maybe_trim(rx, now_ms);
	rx_arm(rx);
}

uint64_t ncon_rx_deadline(const struct ncon_rx *rx)
{
	return ncon_next_deadline(rx->nc);
}

void ncon_rx_flush(struct ncon_rx *rx, uint64_t now_ms)
{
	ncon_flush(rx->nc, now_ms);
	while (rx->head) /* peer_free() unlinks the head */
		// NOLINTNEXTLINE(clang-analyzer-unix.Malloc)
		peer_free(rx, rx->head, now_ms);
	rx_arm(rx);
}

void ncon_rx_get_counters(const struct ncon_rx *rx,
			  struct ncon_rx_counters *c)
{
	*c = rx->c;
	ncon_get_stats(rx->nc, &c->ncon);
	c->datagrams = c->ncon.datagrams + rx->c.truncated;
	c->bytes = c->ncon.bytes;
	c->malformed = c->ncon.malformed;
	c->lost = c->ncon.lost;
	c->parsers = rx->npeers;
	c->open_reports = rx->nopen;
	/* The socket's own drop counter, exact right now. */
	c->kernel_drops = rx_drops(rx);
}

void ncon_rx_record_origin(const struct ncon_rx_from *from, uint64_t lost,
			   struct record_origin *o)
{
	o->source = RECORD_SOURCE_NETCONSOLE;
	o->sender = from->sender;
	o->lost_messages = lost;
	o->complete = lost == 0 && !from->start_unseen;
	o->loss_unknown = from->loss_unknown || from->start_unseen;
}
