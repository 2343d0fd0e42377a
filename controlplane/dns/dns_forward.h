/* dns_forward: send names outside the cluster zone to upstream servers for
 * cluster clients (RFC 5358: not an open resolver). Each upstream query gets
 * a fresh random ID and its own socket (a random source port, RFC 5452);
 * answers must come from the upstream and match ID and question. In-flight
 * queries are bounded; a UDP answer with TC for a TCP client is retried over
 * TCP. Loop protection: upstreams that are this server are dropped at start,
 * and a query arriving from one of our own upstream sockets is dropped. */
#ifndef SKIFF_DNS_FORWARD_H
#define SKIFF_DNS_FORWARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "dns_server.h"

#define DNS_FWD_MAX_INFLIGHT  1000 /* as CoreDNS forward max_concurrent */
#define DNS_FWD_TIMEOUT	      2.0  /* seconds per upstream attempt */
#define DNS_FWD_MAX_UPSTREAMS 3	   /* resolv.conf allows 3 nameservers */

struct ev_loop;
struct dns_fwd;

struct dns_fwd_stats {
	uint64_t sent, answered, timeouts, failed, rejected_busy, loops;
	size_t inflight;
};

/* upstreams: "ADDR[:PORT][,...]", NULL/"" = the nameservers of
 * /etc/resolv.conf. binds: our own listening addresses (excluded). */
int dns_fwd_new(struct ev_loop *loop, struct dns_server *d, const char *upstreams,
		const union dns_sockaddr *binds, size_t nbinds, struct dns_fwd **out);
void dns_fwd_free(struct dns_fwd *f);
size_t dns_fwd_upstreams(const struct dns_fwd *f);

/* Start forwarding; r is copied (and held). Returns 0, or -EBUSY (too many
 * in flight) / -ENOENT (no upstream) / -errno: the caller answers SERVFAIL. */
int dns_fwd_query(struct dns_fwd *f, const uint8_t *pkt, size_t len, const struct dns_query *q,
		  const struct dns_req *r);

/* Did this query come from one of our own upstream sockets? */
bool dns_fwd_is_own(struct dns_fwd *f, const struct sockaddr *peer);

void dns_fwd_stats(const struct dns_fwd *f, struct dns_fwd_stats *st);

#endif
