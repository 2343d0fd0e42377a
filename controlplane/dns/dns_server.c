/* dns_server: UDP sockets, setup, the client ACL and the one query path
 * around dns_answer(); TCP is in dns_tcp.c, metrics in dns_metrics.c.
 * One event loop, no threads: a query is answered in the callback that
 * read it. */
#include <arpa/inet.h>
#include <errno.h>
#include <ev.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "dns.h"
#include "dns_answer.h"
#include "dns_forward.h"
#include "dns_index.h"
#include "dns_server.h"
#include "log.h"

/* --- the recursion ACL --- */

/* May this client use us as a recursive resolver? Loopback, the service and
 * pod ranges, Node addresses. */
static bool client_allowed(const struct dns_server *d, const struct sockaddr *sa)
{
	const uint8_t *a;
	int fam = sa->sa_family;

	if (dns_sockaddr_is_loopback(sa))
		return true;
	if (fam == AF_INET) {
		a = (const uint8_t *)&((const struct sockaddr_in *)sa)->sin_addr;
	} else if (fam == AF_INET6) {
		a = ((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr;
		if (IN6_IS_ADDR_V4MAPPED((const struct in6_addr *)a)) {
			a += 12;
			fam = AF_INET;
		}
	} else {
		return false;
	}
	for (size_t i = 0; i < d->ncidrs; i++)
		if (dns_cidr_match(&d->cidrs[i], fam, a))
			return true;
	return dns_index_is_node_addr(d->ix, sa);
}

/* --- the one query path --- */

void dns_handle_query(struct dns_server *d, struct dns_req *r, const uint8_t *pkt, size_t len)
{
	struct dns_answer_ctx c = {
	    .ix = d->ix,
	    .synced = d->synced,
	    .tcp = r->t->stream,
	    .can_forward = dns_fwd_upstreams(d->fwd) > 0,
	};
	struct dns_result res;
	struct dns_query q;

	d->m.requests[r->t->stream]++;
	/* our own upstream query came back to us: a forwarding loop */
	if (dns_sockaddr_is_loopback(&r->peer.sa) && dns_fwd_is_own(d->fwd, &r->peer.sa)) {
		d->m.loops++;
		d->m.dropped++;
		return;
	}
	c.may_recurse = client_allowed(d, &r->peer.sa);
	dns_answer(&c, pkt, len, &q, d->outbuf, sizeof(d->outbuf), &res);
	switch (res.verdict) {
	case DNS_V_DROP:
		d->m.dropped++;
		return;
	case DNS_V_FORWARD:
		if (dns_fwd_query(d->fwd, pkt, len, &q, r) == 0) {
			d->m.forwarded++;
			return;
		}
		res.rcode = DNS_R_SERVFAIL;
		res.len = dns_build_error(d->outbuf, sizeof(d->outbuf), &q, DNS_R_SERVFAIL, true);
		if (!res.len)
			return;
		break;
	case DNS_V_REPLY:
		break;
	}
	dns_metrics_rcode(d, res.rcode);
	if (res.truncated)
		d->m.truncated++;
	r->t->reply(r, d->outbuf, res.len);
}

void dns_server_forward_done(struct dns_server *d, struct dns_req *r, const struct dns_query *q,
			     const uint8_t *resp, size_t len)
{
	size_t limit = r->t->stream ? DNS_TCP_MAX : dns_udp_limit(q), n;
	int rcode;

	if (!resp) {
		rcode = DNS_R_SERVFAIL;
		n = dns_build_error(d->outbuf, sizeof(d->outbuf), q, rcode, true);
	} else if (len <= limit) {
		memcpy(d->outbuf, resp, len);
		dns_put16(d->outbuf, q->id);
		rcode = resp[3] & 0xf;
		n = len;
	} else {
		/* too big for this client's UDP limit: question + TC, so
		 * it retries over TCP */
		struct dns_builder b;

		rcode = resp[3] & 0xf;
		n = 0;
		if (dns_build_start(&b, d->outbuf, sizeof(d->outbuf), limit, q) == 0) {
			dns_build_set_flags(&b, dns_get16(resp + 2) & (DNS_F_RA | DNS_F_AA));
			dns_build_set_rcode(&b, rcode);
			b.truncated = true;
			if (q->edns)
				dns_build_opt(&b, rcode, DNS_UDP_MAX);
			n = dns_build_finish(&b);
			d->m.truncated++;
		}
	}
	if (n) {
		dns_metrics_rcode(d, rcode);
		r->t->reply(r, d->outbuf, n);
	}
	r->t->release(r);
}

/* --- UDP transport --- */

static void udp_reply(struct dns_req *r, const uint8_t *msg, size_t len)
{
	struct iovec iov = {.iov_base = (void *)msg, .iov_len = len};
	union {
		char buf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
		struct cmsghdr align;
	} ctl;
	struct msghdr mh = {
	    .msg_name = &r->peer,
	    .msg_namelen = r->peerlen,
	    .msg_iov = &iov,
	    .msg_iovlen = 1,
	};

	/* from a wildcard socket, answer from the address the query was sent
	 * to, or the client drops the reply */
	if (r->udp->wildcard && r->local_family) {
		struct cmsghdr *cm;

		memset(&ctl, 0, sizeof(ctl));
		mh.msg_control = ctl.buf;
		if (r->local_family == AF_INET) {
			struct in_pktinfo pi = {.ipi_spec_dst = r->local.pi4.ipi_addr};

			mh.msg_controllen = CMSG_SPACE(sizeof(pi));
			cm = CMSG_FIRSTHDR(&mh);
			cm->cmsg_level = IPPROTO_IP;
			cm->cmsg_type = IP_PKTINFO;
			cm->cmsg_len = CMSG_LEN(sizeof(pi));
			memcpy(CMSG_DATA(cm), &pi, sizeof(pi));
		} else {
			mh.msg_controllen = CMSG_SPACE(sizeof(struct in6_pktinfo));
			cm = CMSG_FIRSTHDR(&mh);
			cm->cmsg_level = IPPROTO_IPV6;
			cm->cmsg_type = IPV6_PKTINFO;
			cm->cmsg_len = CMSG_LEN(sizeof(struct in6_pktinfo));
			memcpy(CMSG_DATA(cm), &r->local.pi6, sizeof(struct in6_pktinfo));
		}
	}
	if (sendmsg(r->udp->fd, &mh, MSG_DONTWAIT) < 0)
		pr_debug("dns: udp send: %s", strerror(errno));
}

static void udp_hold(struct dns_req *r)
{
	(void)r; /* the listener outlives every pending query */
}

static const struct dns_transport udp_transport = {
    .name = "udp",
    .stream = false,
    .reply = udp_reply,
    .hold = udp_hold,
    .release = udp_hold,
};

static void on_udp(struct ev_loop *loop, ev_io *w, int revents)
{
	struct dns_udp *u = (struct dns_udp *)w;
	struct dns_server *d = u->d;

	for (int i = 0; i < DNS_UDP_BATCH; i++) {
		union {
			char buf[CMSG_SPACE(sizeof(struct in6_pktinfo)) + 64];
			struct cmsghdr align;
		} ctl;
		struct dns_req r = {.t = &udp_transport, .d = d, .udp = u};
		struct iovec iov = {.iov_base = d->inbuf, .iov_len = sizeof(d->inbuf)};
		struct msghdr mh = {
		    .msg_name = &r.peer,
		    .msg_namelen = sizeof(r.peer),
		    .msg_iov = &iov,
		    .msg_iovlen = 1,
		    .msg_control = ctl.buf,
		    .msg_controllen = sizeof(ctl.buf),
		};
		ssize_t n = recvmsg(u->fd, &mh, MSG_DONTWAIT);

		if (n < 0)
			return;
		r.peerlen = mh.msg_namelen;
		for (struct cmsghdr *cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
			if (cm->cmsg_level == IPPROTO_IP && cm->cmsg_type == IP_PKTINFO) {
				memcpy(&r.local.pi4, CMSG_DATA(cm), sizeof(r.local.pi4));
				r.local_family = AF_INET;
			} else if (cm->cmsg_level == IPPROTO_IPV6 &&
				   cm->cmsg_type == IPV6_PKTINFO) {
				memcpy(&r.local.pi6, CMSG_DATA(cm), sizeof(r.local.pi6));
				r.local_family = AF_INET6;
			}
		}
		/* port 0 cannot be replied to (and is a reflection trick) */
		if ((r.peer.sa.sa_family == AF_INET && !r.peer.in.sin_port) ||
		    (r.peer.sa.sa_family == AF_INET6 && !r.peer.in6.sin6_port)) {
			d->m.dropped++;
			continue;
		}
		dns_handle_query(d, &r, d->inbuf, (size_t)n);
	}
}

/* --- setup --- */

static int open_socket(const union dns_sockaddr *a, socklen_t al, int type, const char *what)
{
	int one = 1, fd, err;
	char text[INET6_ADDRSTRLEN + 8] = "?";

	fd = socket(a->sa.sa_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		goto err;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (a->sa.sa_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (type == SOCK_DGRAM) {
		int rcv = DNS_UDP_RCVBUF;

		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv));
		if (a->sa.sa_family == AF_INET)
			setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one));
		else
			setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof(one));
	}
	if (bind(fd, &a->sa, al) < 0)
		goto err_close;
	if (type == SOCK_STREAM && listen(fd, 128) < 0)
		goto err_close;
	return fd;
err_close:
	err = errno;
	close(fd);
	errno = err;
err:
	err = errno;
	if (a->sa.sa_family == AF_INET)
		inet_ntop(AF_INET, &a->in.sin_addr, text, sizeof(text));
	else
		inet_ntop(AF_INET6, &a->in6.sin6_addr, text, sizeof(text));
	pr_err("dns: cannot listen on %s port %u/%s: %s", text,
	       ntohs(a->sa.sa_family == AF_INET ? a->in.sin_port : a->in6.sin6_port), what,
	       strerror(err));
	return -err;
}

static bool is_wildcard(const union dns_sockaddr *a)
{
	static const uint8_t zero[16];

	if (a->sa.sa_family == AF_INET)
		return a->in.sin_addr.s_addr == 0;
	return !memcmp(&a->in6.sin6_addr, zero, 16);
}

int dns_server_start(struct ev_loop *loop, const struct dns_config *cfg, struct dns_server **out)
{
	struct dns_index_opts io = {.zone = cfg->zone,
				    .ttl = cfg->ttl ? cfg->ttl : DNS_TTL_DEFAULT};
	struct dns_server *d = calloc(1, sizeof(*d));
	char *binds = NULL, *save = NULL, *tok;
	int err;

	if (!d)
		return -ENOMEM;
	d->loop = loop;
	for (int i = 0; i < DNS_MAX_BINDS; i++)
		d->udp[i].fd = d->tcp[i].fd = -1;
	err = dns_index_new(&io, &d->ix);
	if (err < 0) {
		pr_err("dns: bad cluster domain \"%s\"", cfg->zone ? cfg->zone : "");
		goto err_free;
	}
	err = dns_cidrs_parse(d->cidrs, &d->ncidrs, DNS_MAX_CIDRS, cfg->service_cidr);
	if (!err)
		err = dns_cidrs_parse(d->cidrs, &d->ncidrs, DNS_MAX_CIDRS, cfg->pod_cidr);
	if (err < 0)
		goto err_free;
	binds = strdup(cfg->bind && *cfg->bind ? cfg->bind : "0.0.0.0:53");
	if (!binds) {
		err = -ENOMEM;
		goto err_free;
	}
	for (tok = strtok_r(binds, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		union dns_sockaddr *a = &d->binds[d->nbinds];
		socklen_t al;
		size_t i = d->nbinds;

		if (d->nbinds >= DNS_MAX_BINDS || dns_parse_hostport(tok, 53, a, &al) < 0) {
			pr_err("dns: bad --dns-bind-address \"%s\"", tok);
			err = -EINVAL;
			goto err_free;
		}
		err = open_socket(a, al, SOCK_DGRAM, "udp");
		if (err < 0)
			goto err_free;
		d->udp[i].fd = err;
		err = open_socket(a, al, SOCK_STREAM, "tcp");
		if (err < 0)
			goto err_free;
		d->tcp[i].fd = err;
		d->udp[i].d = d->tcp[i].d = d;
		d->udp[i].wildcard = is_wildcard(a);
		d->nbinds++;
	}
	err = dns_fwd_new(loop, d, cfg->upstream, d->binds, d->nbinds, &d->fwd);
	if (err < 0)
		goto err_free;
	for (size_t i = 0; i < d->nbinds; i++) {
		ev_io_init(&d->udp[i].io, on_udp, d->udp[i].fd, EV_READ);
		ev_io_start(loop, &d->udp[i].io);
		ev_io_init(&d->tcp[i].io, dns_tcp_on_accept, d->tcp[i].fd, EV_READ);
		ev_io_start(loop, &d->tcp[i].io);
	}
	free(binds);
	pr_info("dns: serving %s on %s (%zu upstream%s)", cfg->zone ? cfg->zone : "cluster.local",
		cfg->bind && *cfg->bind ? cfg->bind : "0.0.0.0:53", dns_fwd_upstreams(d->fwd),
		dns_fwd_upstreams(d->fwd) == 1 ? "" : "s");
	*out = d;
	return 0;
err_free:
	free(binds);
	dns_server_stop(d);
	return err;
}

void dns_server_stop(struct dns_server *d)
{
	if (!d)
		return;
	for (int i = 0; i < DNS_MAX_BINDS; i++) {
		if (d->udp[i].fd >= 0) {
			ev_io_stop(d->loop, &d->udp[i].io);
			close(d->udp[i].fd);
		}
		if (d->tcp[i].fd >= 0) {
			ev_io_stop(d->loop, &d->tcp[i].io);
			close(d->tcp[i].fd);
		}
	}
	/* pending upstream queries hold connections: drop them first */
	dns_fwd_free(d->fwd);
	dns_tcp_close_all(d);
	dns_index_free(d->ix);
	free(d);
}

/* --- feeding --- */

static double now_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void dns_on_event(struct dns_server *d, const struct store_event *ev)
{
	double t0 = now_mono();
	int ret;

	if (!d || !ev)
		return;
	ret = dns_index_apply(d->ix, ev);
	if (ret == 0)
		return;
	d->m.events++;
	if (ret < 0) {
		d->m.event_errors++;
		pr_debug("dns: %s: %s", ev->key, strerror(-ret));
	}
	/* DNS programming latency: from the committed change reaching us to
	 * its records being answerable (the update is synchronous, so this
	 * is the indexing time). Counted for Services and EndpointSlices
	 * once the initial load is done. */
	if (!d->synced || (strncmp(ev->key, "/registry/services/", 19) &&
			   strncmp(ev->key, "/registry/endpointslices/", 25)))
		return;
	dns_metrics_latency(d, now_mono() - t0);
}

void dns_set_synced(struct dns_server *d)
{
	if (!d || d->synced)
		return;
	d->synced = true;
	pr_info("dns: synced: %zu services, %zu names", dns_index_services(d->ix),
		dns_index_names(d->ix));
}
