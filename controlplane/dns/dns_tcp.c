/* dns_tcp: DNS over TCP (RFC 7766): 2-byte length prefix, pipelined
 * queries answered in order of arrival, an idle timeout and a connection
 * cap against slowloris, and back-pressure on clients that do not read. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "dns_server.h"

static void conn_unref(struct dns_conn *c)
{
	if (--c->refs)
		return;
	free(c->in);
	free(c->out);
	free(c);
}

static void conn_close(struct dns_conn *c)
{
	struct dns_server *d = c->d;

	if (c->closed)
		return;
	c->closed = true;
	ev_io_stop(d->loop, &c->rio);
	ev_io_stop(d->loop, &c->wio);
	ev_timer_stop(d->loop, &c->idle);
	close(c->fd);
	if (c->prev)
		c->prev->next = c->next;
	else
		d->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	d->nconns--;
	conn_unref(c);
}

static void conn_flush(struct dns_conn *c)
{
	struct dns_server *d = c->d;

	while (c->outoff < c->outlen) {
		ssize_t n = send(c->fd, c->out + c->outoff, c->outlen - c->outoff,
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR) {
				ev_io_start(d->loop, &c->wio);
				return;
			}
			conn_close(c);
			return;
		}
		c->outoff += (size_t)n;
	}
	c->outoff = c->outlen = 0;
	ev_io_stop(d->loop, &c->wio);
	if (!c->reading) {
		c->reading = true;
		ev_io_start(d->loop, &c->rio);
	}
}

static void tcp_reply(struct dns_req *r, const uint8_t *msg, size_t len)
{
	struct dns_conn *c = r->conn;

	if (c->closed)
		return;
	if (c->outlen + 2 + len > c->outcap) {
		size_t cap = c->outcap ? c->outcap : 4096;
		uint8_t *v;

		while (cap < c->outlen + 2 + len)
			cap *= 2;
		v = realloc(c->out, cap);
		if (!v) {
			conn_close(c);
			return;
		}
		c->out = v;
		c->outcap = cap;
	}
	dns_put16(c->out + c->outlen, (uint16_t)len);
	memcpy(c->out + c->outlen + 2, msg, len);
	c->outlen += 2 + len;
	conn_flush(c);
}

static void tcp_hold(struct dns_req *r)
{
	r->conn->refs++;
}

static void tcp_release(struct dns_req *r)
{
	conn_unref(r->conn);
}

static const struct dns_transport tcp_transport = {
    .name = "tcp",
    .stream = true,
    .reply = tcp_reply,
    .hold = tcp_hold,
    .release = tcp_release,
};

static void on_conn_write(struct ev_loop *loop, ev_io *w, int revents)
{
	conn_flush(w->data);
}

static void on_conn_idle(struct ev_loop *loop, ev_timer *w, int revents)
{
	conn_close(w->data);
}

static void on_conn_read(struct ev_loop *loop, ev_io *w, int revents)
{
	struct dns_conn *c = w->data;
	size_t off = 0;
	ssize_t n;

	if (c->inlen >= 2 && 2 + (size_t)dns_get16(c->in) > c->incap) {
		/* a message larger than the buffer was announced: grow to
		 * hold exactly it (at most 2 + 65535 bytes) */
		size_t need = 2 + (size_t)dns_get16(c->in);
		uint8_t *v = realloc(c->in, need);

		if (!v) {
			conn_close(c);
			return;
		}
		c->in = v;
		c->incap = need;
	}
	n = recv(c->fd, c->in + c->inlen, c->incap - c->inlen, MSG_DONTWAIT);
	if (n <= 0) {
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		conn_close(c);
		return;
	}
	c->inlen += (size_t)n;
	ev_timer_again(loop, &c->idle);
	/* pipelined queries: answer every complete message in the buffer */
	c->refs++;
	while (c->inlen - off >= 2 && !c->closed) {
		size_t mlen = dns_get16(c->in + off);
		struct dns_req r = {.t = &tcp_transport, .d = c->d, .conn = c};

		if (c->inlen - off < 2 + mlen)
			break;
		r.peer = c->peer;
		r.peerlen = c->peerlen;
		dns_handle_query(c->d, &r, c->in + off + 2, mlen);
		off += 2 + mlen;
	}
	if (!c->closed) {
		memmove(c->in, c->in + off, c->inlen - off);
		c->inlen -= off;
		/* a client that does not read its answers stops being read */
		if (c->outlen - c->outoff > DNS_TCP_OUT_MAX && c->reading) {
			c->reading = false;
			ev_io_stop(loop, &c->rio);
		}
	}
	conn_unref(c);
}

void dns_tcp_on_accept(struct ev_loop *loop, ev_io *w, int revents)
{
	struct dns_tcpl *l = (struct dns_tcpl *)w;
	struct dns_server *d = l->d;

	for (;;) {
		union dns_sockaddr peer;
		socklen_t pl = sizeof(peer);
		int fd = accept4(l->fd, &peer.sa, &pl, SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct dns_conn *c;

		if (fd < 0)
			return;
		if (d->nconns >= DNS_TCP_MAX_CONNS) {
			d->m.tcp_rejected++;
			close(fd);
			continue;
		}
		c = calloc(1, sizeof(*c));
		if (c)
			c->in = malloc(DNS_TCP_IN_INIT);
		if (!c || !c->in) {
			free(c);
			close(fd);
			continue;
		}
		c->incap = DNS_TCP_IN_INIT;
		c->d = d;
		c->fd = fd;
		c->refs = 1;
		c->reading = true;
		c->peer = peer;
		c->peerlen = pl;
		ev_io_init(&c->rio, on_conn_read, fd, EV_READ);
		ev_io_init(&c->wio, on_conn_write, fd, EV_WRITE);
		ev_init(&c->idle, on_conn_idle);
		c->idle.repeat = DNS_TCP_IDLE;
		c->rio.data = c->wio.data = c->idle.data = c;
		ev_io_start(loop, &c->rio);
		ev_timer_again(loop, &c->idle);
		c->next = d->conns;
		if (d->conns)
			d->conns->prev = c;
		d->conns = c;
		d->nconns++;
	}
}

void dns_tcp_close_all(struct dns_server *d)
{
	while (d->conns)
		conn_close(d->conns);
}
