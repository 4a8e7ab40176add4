// SPDX-License-Identifier: MIT
/*
 * ncblast.c - a netconsole load generator: N simulated hosts on loopback,
 * legacy or extended format, chosen message sizes, with fragmentation,
 * reordering, duplication and loss injected, and real crash reports mixed
 * in.  It prints the offered rate.  Any receiver can be the target
 * (netconsd, ours), so both can be measured under the same load.
 *
 * Each host is its own source address in 127.0.0.0/8 (one socket; the
 * source is chosen per datagram with IP_PKTINFO), or, for a target that is
 * not in 127.0.0.0/8 (any IPv4 ADDR:PORT or [V6ADDR]:PORT), its own source
 * port (one socket per host).
 *
 *   ncblast [-t ADDR:PORT | -t [V6ADDR]:PORT] [-n HOSTS] [-s BYTES] [-r MSGS_PER_S]
 *           [-d SECONDS | -c MESSAGES] [--legacy] [--msgid] [--release]
 *           [--loss PCT] [--dup PCT] [--reorder PCT]
 *           [--crash FILE]... [--crashes N] [--frag-size BYTES]
 *           [--shuffle-crash] [--seed N]
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include "benchutil.h"

#define BATCH 64
#define DGRAM_MAX 1400
/*
 * The kernel's netconsole never sends a datagram over 1,000 bytes
 * (MAX_PRINT_CHUNK, header included): neither does this generator.
 */
#define KERNEL_DGRAM_MAX 1000
#define MSGID_MAX_LEN 20 /* "\n msgid=4294967295" */
#define MAX_CRASH_FILES 16

struct crash_msg {
	char *buf; /* a complete datagram */
	size_t len;
};

struct host {
	uint32_t addr; /* host order, 127.x.y.z */
	int fd;	       /* own socket (port mode) or -1 */
	uint64_t seq, usec;
	uint32_t msgid;
	/* Queued crash datagrams go out before filler. */
	struct crash_msg *q;
	size_t nq, iq;
	/* A datagram held back to be sent after the next one (reorder). */
	char *stash;
	size_t stash_len;
};

struct opts {
	const char *target;
	unsigned hosts;
	size_t size;
	double rate, seconds;
	uint64_t count;
	bool legacy, msgid, release, shuffle;
	double loss, dup, reorder;
	const char *crash_files[MAX_CRASH_FILES];
	unsigned ncrash_files, crashes;
	size_t frag_size;
	uint64_t seed;
};

struct crash_text {
	char **lines;
	size_t nlines;
};

static uint64_t rng_state = 88172645463325252ull;

static uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static bool chance(double pct)
{
	return pct > 0 && (double)(rng() % 1000000) < pct * 10000.0;
}

static int load_crash(const char *path, struct crash_text *t)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;

	if (f == NULL)
		return -errno;
	while ((n = getline(&line, &cap, f)) > 0) {
		if (line[n - 1] == '\n')
			line[--n] = 0;
		t->lines = realloc(t->lines, (t->nlines + 1) * sizeof(char *));
		t->lines[t->nlines++] = strdup(line);
	}
	free(line);
	fclose(f);
	return 0;
}

/* Escape like the kernel's ext console: non-printables as \xNN. */
static size_t escape(char *out, const char *in, size_t len)
{
	size_t o = 0;

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)in[i];

		if (c < ' ' || c >= 127 || c == '\\')
			o += (size_t)sprintf(out + o, "\\x%02x", c);
		else
			out[o++] = (char)c;
	}
	return o;
}

static void queue(struct host *h, const char *buf, size_t len)
{
	h->q = realloc(h->q, (h->nq + 1) * sizeof(*h->q));
	h->q[h->nq].buf = malloc(len);
	memcpy(h->q[h->nq].buf, buf, len);
	h->q[h->nq].len = len;
	h->nq++;
}

/* Queue one crash report's lines as h's next messages. */
static void queue_crash(const struct opts *o, struct host *h,
			const struct crash_text *t)
{
	size_t first = h->nq;

	for (size_t i = 0; i < t->nlines; i++) {
		const char *line = t->lines[i];
		size_t llen = strlen(line);
		char body[8192], hdr[128], dg[DGRAM_MAX + 256];
		size_t blen, hlen;

		h->seq++;
		h->usec += 37;
		if (o->legacy) {
			/* Console text: split at frag_size, no marker. */
			char text[8192];
			size_t tl = (size_t)snprintf(
				text, sizeof(text), "[%5" PRIu64 ".%06" PRIu64
				"] %s\n", h->usec / 1000000, h->usec % 1000000,
				line);

			for (size_t off = 0; off < tl; off += o->frag_size) {
				size_t n = tl - off < o->frag_size ?
						   tl - off : o->frag_size;

				queue(h, text + off, n);
			}
			continue;
		}
		blen = escape(body, line, llen < 2000 ? llen : 2000);
		if (o->msgid)
			blen += (size_t)sprintf(body + blen, "\n msgid=%u",
						h->msgid++);
		hlen = (size_t)snprintf(hdr, sizeof(hdr),
					"%s4,%" PRIu64 ",%" PRIu64 ",-;",
					o->release ? "6.1.0-13-amd64," : "",
					h->seq, h->usec);
		if (hlen + blen <= o->frag_size) {
			memcpy(dg, hdr, hlen);
			memcpy(dg + hlen, body, blen);
			queue(h, dg, hlen + blen);
			continue;
		}
		/*
		 * ncfrag: every fragment repeats the header, and header plus
		 * chunk fit in frag_size as the kernel's do; shuffled.
		 */
		size_t nfr = 0, base = h->nq;

		for (size_t off = 0, n; off < blen; off += n, nfr++) {
			hlen = (size_t)snprintf(
				hdr, sizeof(hdr),
				"%s4,%" PRIu64 ",%" PRIu64 ",-,ncfrag=%zu/%zu;",
				o->release ? "6.1.0-13-amd64," : "", h->seq,
				h->usec, off, blen);
			n = o->frag_size - hlen;
			if (n > blen - off)
				n = blen - off;
			memcpy(dg, hdr, hlen);
			memcpy(dg + hlen, body + off, n);
			queue(h, dg, hlen + n);
		}
		for (size_t k = nfr - 1; k > 0; k--) {
			size_t j = rng() % (k + 1);
			struct crash_msg tmp = h->q[base + k];

			h->q[base + k] = h->q[base + j];
			h->q[base + j] = tmp;
		}
	}
	/* Out-of-order delivery of the report's messages (windows of 4). */
	if (o->shuffle && !o->legacy)
		for (size_t i = first; i + 1 < h->nq; i += 2)
			if (rng() % 2) {
				struct crash_msg tmp = h->q[i];

				h->q[i] = h->q[i + 1];
				h->q[i + 1] = tmp;
			}
}

static size_t filler(const struct opts *o, struct host *h, char *dg)
{
	static const char words[] =
		"eth0: link up 1000Mbps full duplex flow control rx/tx "
		"systemd[1]: Started Session of user root. audit: type=1400 "
		"EXT4-fs (sda1): mounted filesystem with ordered data mode ";
	size_t n, room = o->msgid ? MSGID_MAX_LEN : 0;

	h->seq++;
	h->usec += 1000;
	if (o->legacy)
		n = (size_t)snprintf(dg, 64, "[%5" PRIu64 ".%06" PRIu64 "] ",
				     h->usec / 1000000, h->usec % 1000000);
	else
		n = (size_t)snprintf(dg, 96, "%s6,%" PRIu64 ",%" PRIu64 ",-;",
				     o->release ? "6.1.0-13-amd64," : "",
				     h->seq, h->usec);
	while (n + 1 + room < o->size) {
		size_t k = o->size - 1 - room - n;

		if (k > sizeof(words) - 1)
			k = sizeof(words) - 1;
		memcpy(dg + n, words, k);
		n += k;
	}
	if (o->legacy)
		dg[n++] = '\n';
	else if (o->msgid)
		n += (size_t)sprintf(dg + n, "\n msgid=%u", h->msgid++);
	return n;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: ncblast [-t HOST:PORT] [-n HOSTS] [-s BYTES] "
		"[-r MSGS_PER_S] [-d SECONDS | -c MESSAGES]\n"
		"  [--legacy] [--msgid] [--release] [--loss PCT] [--dup PCT] "
		"[--reorder PCT]\n"
		"  [--crash FILE]... [--crashes N] [--frag-size BYTES (<= 1000)] "
		"[--shuffle-crash] [--seed N]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "legacy", no_argument, NULL, 'L' },
		{ "msgid", no_argument, NULL, 'M' },
		{ "release", no_argument, NULL, 'R' },
		{ "loss", required_argument, NULL, 1 },
		{ "dup", required_argument, NULL, 2 },
		{ "reorder", required_argument, NULL, 3 },
		{ "crash", required_argument, NULL, 4 },
		{ "crashes", required_argument, NULL, 5 },
		{ "frag-size", required_argument, NULL, 6 },
		{ "shuffle-crash", no_argument, NULL, 7 },
		{ "seed", required_argument, NULL, 8 },
		{ NULL, 0, NULL, 0 },
	};
	struct opts o = {
		.target = "127.0.0.1:6666", .hosts = 1024, .size = 64,
		.seconds = 2, .frag_size = 1000,
	};
	struct crash_text crash[MAX_CRASH_FILES] = { 0 };
	struct sockaddr_storage dss = { 0 };
	struct sockaddr_in *d4 = (struct sockaddr_in *)&dss;
	struct sockaddr_in6 *d6 = (struct sockaddr_in6 *)&dss;
	socklen_t dlen;
	struct mmsghdr msgs[BATCH];
	unsigned slot_host[BATCH];
	struct iovec iov[BATCH];
	char bufs[BATCH][DGRAM_MAX + 256];
	char ctl[BATCH][CMSG_SPACE(sizeof(struct in_pktinfo))];
	struct host *hosts;
	uint64_t sent_msgs = 0, sent_dgrams = 0, bytes = 0, dropped = 0;
	uint64_t dups = 0, reorders = 0, crash_dgrams = 0, send_err = 0;
	unsigned crashes_queued = 0;
	bool pktinfo;
	int ch, fd = -1;
	double t0, t1, deadline;
	char host[64], *colon;
	size_t cur = 0;

	while ((ch = getopt_long(argc, argv, "t:n:s:r:d:c:", lo, NULL)) != -1) {
		switch (ch) {
		case 't': o.target = optarg; break;
		case 'n': o.hosts = (unsigned)strtoul(optarg, NULL, 10); break;
		case 's': o.size = strtoul(optarg, NULL, 10); break;
		case 'r': o.rate = strtod(optarg, NULL); break;
		case 'd': o.seconds = strtod(optarg, NULL); break;
		case 'c': o.count = strtoull(optarg, NULL, 10); break;
		case 'L': o.legacy = true; break;
		case 'M': o.msgid = true; break;
		case 'R': o.release = true; break;
		case 1: o.loss = strtod(optarg, NULL); break;
		case 2: o.dup = strtod(optarg, NULL); break;
		case 3: o.reorder = strtod(optarg, NULL); break;
		case 4:
			if (o.ncrash_files == MAX_CRASH_FILES)
				usage();
			o.crash_files[o.ncrash_files++] = optarg;
			break;
		case 5: o.crashes = (unsigned)strtoul(optarg, NULL, 10); break;
		case 6: o.frag_size = strtoul(optarg, NULL, 10); break;
		case 7: o.shuffle = true; break;
		case 8: rng_state = strtoull(optarg, NULL, 10) | 1; break;
		default: usage();
		}
	}
	if (o.hosts == 0 || o.hosts > 1u << 22 || o.size < 16 + MSGID_MAX_LEN ||
	    o.size > KERNEL_DGRAM_MAX || o.frag_size < 128 ||
	    o.frag_size > KERNEL_DGRAM_MAX)
		usage();
	for (unsigned i = 0; i < o.ncrash_files; i++)
		if (load_crash(o.crash_files[i], &crash[i]) < 0) {
			fprintf(stderr, "ncblast: %s: %s\n", o.crash_files[i],
				strerror(errno));
			return 2;
		}
	if (o.crashes && o.ncrash_files == 0) {
		fprintf(stderr, "ncblast: --crashes needs --crash FILE\n");
		return 2;
	}
	snprintf(host, sizeof(host), "%s", o.target);
	colon = strrchr(host, ':');
	if (colon == NULL)
		usage();
	*colon = 0;
	if (host[0] == '[' && colon > host + 1 && colon[-1] == ']') {
		/* [V6ADDR]:PORT: each host is its own source port. */
		colon[-1] = 0;
		d6->sin6_family = AF_INET6;
		d6->sin6_port = htons((uint16_t)atoi(colon + 1));
		dlen = sizeof(*d6);
		if (inet_pton(AF_INET6, host + 1, &d6->sin6_addr) != 1)
			usage();
		pktinfo = false;
	} else {
		d4->sin_family = AF_INET;
		d4->sin_port = htons((uint16_t)atoi(colon + 1));
		dlen = sizeof(*d4);
		if (inet_pton(AF_INET, host, &d4->sin_addr) != 1)
			usage();
		pktinfo = (ntohl(d4->sin_addr.s_addr) >> 24) == 127;
	}
	hosts = calloc(o.hosts, sizeof(*hosts));
	if (hosts == NULL)
		return 2;
	if (!pktinfo) {
		struct rlimit rl = { o.hosts + 64, o.hosts + 64 };

		setrlimit(RLIMIT_NOFILE, &rl);
	}
	for (unsigned i = 0; i < o.hosts; i++) {
		/* 127.1.0.0 + i: never 127.0.0.1, where receivers listen. */
		hosts[i].addr = 0x7f010000u + i;
		hosts[i].fd = -1;
		hosts[i].seq = 1000 + rng() % 1000;
		hosts[i].usec = 5000000 + rng() % 1000000;
		if (!pktinfo) {
			hosts[i].fd = socket(dss.ss_family, SOCK_DGRAM, 0);
			if (hosts[i].fd < 0) {
				perror("ncblast: socket (raise ulimit -n)");
				return 2;
			}
		}
	}
	fd = socket(dss.ss_family, SOCK_DGRAM, 0);
	if (fd < 0) {
		perror("ncblast: socket");
		return 2;
	}
	{
		int sz = 4 << 20;

		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	}
	memset(msgs, 0, sizeof(msgs));
	t0 = bench_now_s();
	deadline = o.count ? 1e18 : t0 + o.seconds;
	for (;;) {
		unsigned n = 0, nslot = 0;
		double now = bench_now_s();

		if ((o.count && sent_msgs >= o.count) ||
		    (!o.count && now >= deadline))
			break;
		/* Spread the crash reports over the run. */
		while (crashes_queued < o.crashes &&
		       (o.count ? (double)sent_msgs / (double)o.count :
				  (now - t0) / o.seconds) >=
			       (double)crashes_queued / o.crashes) {
			unsigned hi = (unsigned)((uint64_t)crashes_queued *
						 o.hosts / o.crashes +
						 crashes_queued) % o.hosts;

			queue_crash(&o, &hosts[hi],
				    &crash[crashes_queued % o.ncrash_files]);
			crashes_queued++;
		}
		while (n < BATCH) {
			struct host *h = &hosts[cur];
			char *dg = bufs[n];
			size_t len;
			bool from_q = h->iq < h->nq;

			cur = (cur + 1) % o.hosts;
			if (from_q) {
				struct crash_msg *m = &h->q[h->iq++];

				memcpy(dg, m->buf, m->len);
				len = m->len;
				free(m->buf);
				if (h->iq == h->nq) {
					free(h->q);
					h->q = NULL;
					h->nq = h->iq = 0;
				}
				crash_dgrams++;
			} else {
				len = filler(&o, h, dg);
				sent_msgs++;
				if (chance(o.loss)) {
					dropped++;
					continue;
				}
				if (!o.legacy && h->stash == NULL &&
				    chance(o.reorder)) {
					/* Hold it; it goes after the next. */
					h->stash = malloc(len);
					memcpy(h->stash, dg, len);
					h->stash_len = len;
					reorders++;
					continue;
				}
			}
			iov[n].iov_base = dg;
			iov[n].iov_len = len;
			bytes += len;
			n++;
			if (!from_q && chance(o.dup) && n < BATCH) {
				memcpy(bufs[n], dg, len);
				iov[n].iov_base = bufs[n];
				iov[n].iov_len = len;
				bytes += len;
				n++;
				dups++;
			}
			if (h->stash && n < BATCH) {
				memcpy(bufs[n], h->stash, h->stash_len);
				iov[n].iov_base = bufs[n];
				iov[n].iov_len = h->stash_len;
				bytes += h->stash_len;
				free(h->stash);
				h->stash = NULL;
				n++;
			}
			while (nslot < n)
				slot_host[nslot++] = (unsigned)(h - hosts);
		}
		for (unsigned k = 0; k < n; k++) {
			struct msghdr *m = &msgs[k].msg_hdr;
			struct host *h = &hosts[slot_host[k]];

			m->msg_name = &dss;
			m->msg_namelen = dlen;
			m->msg_iov = &iov[k];
			m->msg_iovlen = 1;
			m->msg_flags = 0;
			if (pktinfo) {
				struct cmsghdr *cm;
				struct in_pktinfo pi = { 0 };

				m->msg_control = ctl[k];
				m->msg_controllen = sizeof(ctl[k]);
				cm = CMSG_FIRSTHDR(m);
				cm->cmsg_level = IPPROTO_IP;
				cm->cmsg_type = IP_PKTINFO;
				cm->cmsg_len = CMSG_LEN(sizeof(pi));
				pi.ipi_spec_dst.s_addr = htonl(h->addr);
				memcpy(CMSG_DATA(cm), &pi, sizeof(pi));
			} else {
				m->msg_control = NULL;
				m->msg_controllen = 0;
				if (sendmsg(h->fd, m, 0) < 0)
					send_err++;
			}
		}
		if (pktinfo) {
			unsigned off = 0;

			while (off < n) {
				int r = sendmmsg(fd, msgs + off, n - off, 0);

				if (r < 0) {
					if (errno == EINTR)
						continue;
					if (errno == EAGAIN || errno == ENOBUFS) {
						usleep(50);
						continue;
					}
					send_err++;
					break;
				}
				off += (unsigned)r;
			}
		}
		sent_dgrams += n;
		if (o.rate > 0) {
			double due = t0 + (double)sent_msgs / o.rate;
			double d = due - bench_now_s();

			if (d > 0) {
				struct timespec ts = {
					(time_t)d, (long)((d - (double)(time_t)d) * 1e9)
				};

				nanosleep(&ts, NULL);
			}
		}
	}
	/* Whatever is still queued or stashed goes out now. */
	for (unsigned i = 0; i < o.hosts; i++) {
		struct host *h = &hosts[i];
		int sfd = pktinfo ? fd : h->fd;

		while (h->iq < h->nq || h->stash) {
			struct msghdr m = { .msg_name = &dss,
					    .msg_namelen = dlen };
			struct iovec v;
			char c[CMSG_SPACE(sizeof(struct in_pktinfo))];

			if (h->stash) {
				v.iov_base = h->stash;
				v.iov_len = h->stash_len;
			} else {
				v.iov_base = h->q[h->iq].buf;
				v.iov_len = h->q[h->iq].len;
				crash_dgrams++;
			}
			m.msg_iov = &v;
			m.msg_iovlen = 1;
			if (pktinfo) {
				struct cmsghdr *cm;
				struct in_pktinfo pi = { 0 };

				memset(c, 0, sizeof(c));
				m.msg_control = c;
				m.msg_controllen = sizeof(c);
				cm = CMSG_FIRSTHDR(&m);
				cm->cmsg_level = IPPROTO_IP;
				cm->cmsg_type = IP_PKTINFO;
				cm->cmsg_len = CMSG_LEN(sizeof(pi));
				pi.ipi_spec_dst.s_addr = htonl(h->addr);
				memcpy(CMSG_DATA(cm), &pi, sizeof(pi));
			}
			if (sendmsg(sfd, &m, 0) < 0)
				send_err++;
			sent_dgrams++;
			bytes += v.iov_len;
			if (h->stash) {
				free(h->stash);
				h->stash = NULL;
			} else {
				free(h->q[h->iq++].buf);
			}
		}
		free(h->q);
		if (h->fd >= 0)
			close(h->fd);
	}
	t1 = bench_now_s();
	printf("ncblast: hosts=%u format=%s size=%zu messages=%" PRIu64
	       " datagrams=%" PRIu64 " bytes=%" PRIu64 " seconds=%.3f"
	       " offered_msgs_per_s=%.0f crashes=%u crash_datagrams=%" PRIu64
	       " injected_loss=%" PRIu64 " injected_dup=%" PRIu64
	       " injected_reorder=%" PRIu64 " send_errors=%" PRIu64 "\n",
	       o.hosts, o.legacy ? "legacy" : "extended", o.size, sent_msgs,
	       sent_dgrams, bytes, t1 - t0,
	       (double)sent_msgs / (t1 - t0 > 0 ? t1 - t0 : 1), crashes_queued,
	       crash_dgrams, dropped, dups, reorders, send_err);
	close(fd);
	free(hosts);
	for (unsigned i = 0; i < o.ncrash_files; i++) {
		for (size_t k = 0; k < crash[i].nlines; k++)
			free(crash[i].lines[k]);
		free(crash[i].lines);
	}
	return send_err ? 1 : 0;
}
