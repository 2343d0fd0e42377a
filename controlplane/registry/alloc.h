/* alloc: ClusterIP and NodePort allocators (bitmaps over a range).
 *
 * The bitmaps are rebuilt from the stored Services at start, and every
 * allocation is written in the same store transaction as the Service that
 * holds it, so a restart can never hand out an address twice. */
#ifndef SKIFF_ALLOC_H
#define SKIFF_ALLOC_H

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>

struct alloc_range {
	uint32_t base; /* first value of the range (host order) */
	uint32_t size; /* number of values */
	uint32_t next; /* rotating search start */
	uint32_t used;
	uint64_t *bits;
	char desc[64]; /* "10.96.0.0/16" or "30000-32767", for messages */
};

/* The allocators writes draw from (one set per server), handed to the
 * types' allocate/release/reserve hooks (resource.h). */
struct res_alloc {
	struct alloc_range svc_ips;    /* --service-cluster-ip-range */
	struct alloc_range node_ports; /* --service-node-port-range */
	/* --cluster-cidr cut into per-node blocks: values are block indexes */
	struct alloc_range pod_cidrs;
	uint32_t pod_net;   /* the cluster CIDR's network address */
	int pod_block_bits; /* a block's prefix length (24) */
};

/* "10.96.0.0/16": allocatable = network+1 .. broadcast-1. -EINVAL on bad CIDR. */
int alloc_ip_init(struct alloc_range *r, const char *cidr);
/* "30000-32767". */
int alloc_port_init(struct alloc_range *r, const char *range);
void alloc_free(struct alloc_range *r);
/* "10.244.0.0/16" in blocks of /block_bits (24): every block allocatable;
 * *net gets the network. -EINVAL on a bad CIDR or a block not inside it. */
int alloc_cidr_init(struct alloc_range *r, const char *cidr, int block_bits, uint32_t *net);

bool alloc_contains(const struct alloc_range *r, uint32_t v);
bool alloc_is_set(const struct alloc_range *r, uint32_t v);
/* Reserve v: 0, -ERANGE (outside), -EEXIST (taken). */
int alloc_reserve(struct alloc_range *r, uint32_t v);
/* Allocate the next free value: 0 and *v, or -ENOSPC. */
int alloc_next(struct alloc_range *r, uint32_t *v);
void alloc_release(struct alloc_range *r, uint32_t v);

/* IPv4 text <-> host-order integer. */
int alloc_parse_ip(const char *s, uint32_t *ip);
void alloc_format_ip(uint32_t ip, char *buf, size_t len);

#endif
