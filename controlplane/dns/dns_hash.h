/* dns_hash: a chained hash map keyed by byte strings, used by the DNS index
 * for its name table and its object tables. Keys are copied; values are
 * owned by the caller. */
#ifndef SKIFF_DNS_HASH_H
#define SKIFF_DNS_HASH_H

#include <stddef.h>
#include <stdint.h>

struct dns_hent {
	struct dns_hent *next;
	uint32_t hash;
	uint32_t klen;
	void *val;
	uint8_t key[];
};

struct dns_hash {
	struct dns_hent **b;
	size_t nb; /* buckets, a power of two */
	size_t count;
};

uint32_t dns_hash_bytes(const void *key, size_t len);
int dns_hash_init(struct dns_hash *h);
void dns_hash_free(struct dns_hash *h); /* entries only, not values */
void *dns_hash_get(const struct dns_hash *h, const void *key, size_t klen);
/* Insert or replace; returns 0 or -ENOMEM. */
int dns_hash_put(struct dns_hash *h, const void *key, size_t klen, void *val);
/* Remove; returns the old value or NULL. */
void *dns_hash_del(struct dns_hash *h, const void *key, size_t klen);

/* Iterate: for (e = NULL; (e = dns_hash_next(h, &i, e));) */
struct dns_hent *dns_hash_next(const struct dns_hash *h, size_t *bucket, struct dns_hent *e);

#endif
