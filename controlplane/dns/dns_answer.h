/* dns_answer: from one query packet to one reply, against the index.
 * Pure (no sockets, no clock): the server, the unit tests and the fuzzer
 * all call it the same way. */
#ifndef SKIFF_DNS_ANSWER_H
#define SKIFF_DNS_ANSWER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "dns_index.h"
#include "dns_wire.h"

#define DNS_CNAME_CHAIN_MAX 8	/* in-zone CNAME hops followed in one answer */
#define DNS_SOA_TTL_MAX	    300 /* SOA RR TTL = min(ttl, 300), as CoreDNS */

struct dns_answer_ctx {
	const struct dns_index *ix;
	bool synced;	  /* initial load done; before that in-zone = SERVFAIL */
	bool may_recurse; /* client is in the cluster's ranges or loopback */
	bool can_forward; /* upstreams are configured */
	bool tcp;	  /* size limit 65535 instead of the UDP limits */
};

enum dns_verdict {
	DNS_V_REPLY,   /* send out[0..len) */
	DNS_V_DROP,    /* send nothing */
	DNS_V_FORWARD, /* pass the query to the upstream forwarder */
};

struct dns_result {
	enum dns_verdict verdict;
	size_t len;
	int rcode; /* incl. extended (16 = BADVERS), for metrics */
	bool truncated;
};

/* UDP payload limit for this query: 512 without OPT, else the advertised
 * size clamped to [512, 1232]. */
size_t dns_udp_limit(const struct dns_query *q);

/* out must hold DNS_TCP_MAX bytes. q receives the parsed query (the
 * forwarder needs it). */
void dns_answer(const struct dns_answer_ctx *c, const uint8_t *pkt, size_t len, struct dns_query *q,
		uint8_t *out, size_t outcap, struct dns_result *res);

#endif
