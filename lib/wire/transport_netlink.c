// SPDX-License-Identifier: MIT
/*
 * transport_netlink.c - NETLINK_USERSOCK sockets through libnl (see
 * transport.h).  libnl's -NLE_* codes are turned into -errno here, where
 * they enter our code.
 */
#include "wire/transport.h"

#include <errno.h>
#include <linux/netlink.h>
#include <stdlib.h>
#include <string.h>

#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>

struct transport_nl {
	struct nl_sock *sk;
	size_t max_msg;
};

static int nle_to_errno(int nle)
{
	switch (nle < 0 ? -nle : nle) {
	case 0:
		return 0;
	case NLE_AGAIN:
		return -EAGAIN;
	case NLE_INTR:
		return -EINTR;
	case NLE_NOMEM:
		return -ENOMEM;
	case NLE_EXIST:
		return -EADDRINUSE;
	case NLE_OBJ_NOTFOUND:
		return -ECONNREFUSED;
	case NLE_MSGSIZE:
	case NLE_MSG_TOOSHORT:
	case NLE_MSG_TRUNC:
	case NLE_MSG_OVERFLOW:
		return -EMSGSIZE;
	case NLE_PERM:
		return -EPERM;
	case NLE_BAD_SOCK:
		return -EBADF;
	case NLE_NOACCESS:
		return -EACCES;
	case NLE_INVAL:
	case NLE_RANGE:
		return -EINVAL;
	case NLE_AF_NOSUPPORT:
	case NLE_PROTO_MISMATCH:
		return -EPROTONOSUPPORT;
	default:
		return -EIO;
	}
}

struct transport_nl *transport_nl_open(uint32_t local_portid, size_t max_msg,
				       int *err)
{
	struct transport_nl *t = calloc(1, sizeof(*t));
	int rc;

	if (t == NULL) {
		*err = -ENOMEM;
		return NULL;
	}
	t->max_msg = max_msg;
	t->sk = nl_socket_alloc();
	if (t->sk == NULL) {
		rc = -ENOMEM;
		goto fail;
	}
	/* Replies are matched by our own ids, not by netlink sequence
	 * numbers, and nobody acknowledges at the netlink level. */
	nl_socket_disable_seq_check(t->sk);
	nl_socket_disable_auto_ack(t->sk);
	nl_socket_disable_msg_peek(t->sk);
	if (local_portid != 0)
		nl_socket_set_local_port(t->sk, local_portid);
	rc = nl_connect(t->sk, NETLINK_USERSOCK);
	if (rc < 0) {
		rc = nle_to_errno(rc);
		goto fail;
	}
	/* One byte more than the largest message we accept: anything
	 * longer is seen as truncated and refused. */
	rc = nl_socket_set_msg_buf_size(t->sk, NLMSG_SPACE(max_msg) + 1);
	if (rc == 0)
		rc = nl_socket_set_nonblocking(t->sk);
	if (rc < 0) {
		rc = nle_to_errno(rc);
		goto fail;
	}
	return t;
fail:
	transport_nl_free(t);
	*err = rc;
	return NULL;
}

void transport_nl_free(struct transport_nl *t)
{
	if (t == NULL)
		return;
	if (t->sk != NULL)
		nl_socket_free(t->sk);
	free(t);
}

int transport_nl_fd(const struct transport_nl *t)
{
	return nl_socket_get_fd(t->sk);
}

uint32_t transport_nl_portid(const struct transport_nl *t)
{
	return nl_socket_get_local_port(t->sk);
}

int transport_nl_send(struct transport_nl *t, uint32_t dst_portid,
		      const void *buf, size_t len)
{
	struct nl_msg *msg;
	int rc;

	if (len > t->max_msg)
		return -EMSGSIZE;
	msg = nlmsg_alloc_size(NLMSG_SPACE(len));
	if (msg == NULL)
		return -ENOMEM;
	if (nlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, TRANSPORT_NL_TYPE, 0,
		      0) == NULL ||
	    nlmsg_append(msg, (void *)buf, len, 0) < 0) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	nl_socket_set_peer_port(t->sk, dst_portid);
	errno = 0;
	rc = nl_send_auto(t->sk, msg);
	/* libnl folds ECONNREFUSED (no socket bound to the port id) into
	 * NLE_FAILURE; sendmsg()'s errno is still there to tell. */
	if (rc == -NLE_FAILURE && errno != 0)
		rc = -errno;
	else if (rc < 0)
		rc = nle_to_errno(rc);
	nlmsg_free(msg);
	return rc < 0 ? rc : 0;
}

int transport_nl_recv(struct transport_nl *t, void *buf, size_t cap,
		      uint32_t *src)
{
	struct sockaddr_nl nla;
	unsigned char *data = NULL;
	struct nlmsghdr *h;
	int n, rc;

	memset(&nla, 0, sizeof(nla));
	n = nl_recv(t->sk, &nla, &data, NULL);
	if (n < 0)
		return n == -NLE_MSG_TRUNC ? -EBADMSG : nle_to_errno(n);
	if (n == 0) {
		free(data);
		return -EAGAIN;
	}
	h = (struct nlmsghdr *)data;
	if (!nlmsg_ok(h, n) || h->nlmsg_type != TRANSPORT_NL_TYPE ||
	    nla.nl_pid == 0 || (size_t)nlmsg_datalen(h) > cap ||
	    (size_t)nlmsg_datalen(h) > t->max_msg) {
		/* The kernel (pid 0) never sends on NETLINK_USERSOCK to us;
		 * anything else malformed is some other program's. */
		rc = -EBADMSG;
	} else {
		rc = nlmsg_datalen(h);
		memcpy(buf, nlmsg_data(h), (size_t)rc);
		*src = nla.nl_pid;
	}
	free(data);
	return rc;
}

/* ---------------------------------------------------------- the link -- */

static int nl_link_open(struct transport_link *l, size_t max_msg)
{
	int rc = 0;

	l->nl = transport_nl_open(0, max_msg, &rc);
	if (l->nl == NULL)
		return rc;
	l->connected = true;
	return 0;
}

static void nl_link_close(struct transport_link *l)
{
	transport_nl_free(l->nl);
	l->nl = NULL;
}

static int nl_link_fd(const struct transport_link *l)
{
	return transport_nl_fd(l->nl);
}

static int nl_link_send(struct transport_link *l, const void *buf, size_t len)
{
	return transport_nl_send(l->nl, l->peer.portid, buf, len);
}

static int nl_link_recv(struct transport_link *l, void *buf, size_t cap)
{
	uint32_t src = 0;
	int n = transport_nl_recv(l->nl, buf, cap, &src);

	/* Anyone on the host may send to our port id: only the
	 * collector's port speaks for it. */
	if (n >= 0 && src != l->peer.portid)
		return -EBADMSG;
	return n;
}

const struct transport_link_ops transport_nl_link_ops = {
	.name = "netlink",
	.open = nl_link_open,
	.close = nl_link_close,
	.fd = nl_link_fd,
	.send = nl_link_send,
	.recv = nl_link_recv,
};
