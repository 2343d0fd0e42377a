/* dns_hash: chained hash map with FNV-1a hashing and doubling growth. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "dns_hash.h"

#define DNS_HASH_INIT 64 /* buckets at start; doubles when count exceeds it */

uint32_t dns_hash_bytes(const void *key, size_t len)
{
	const uint8_t *p = key;
	uint32_t h = 2166136261u; /* FNV-1a offset basis and prime */

	for (size_t i = 0; i < len; i++) {
		h ^= p[i];
		h *= 16777619u;
	}
	return h;
}

int dns_hash_init(struct dns_hash *h)
{
	h->b = calloc(DNS_HASH_INIT, sizeof(*h->b));
	if (!h->b)
		return -ENOMEM;
	h->nb = DNS_HASH_INIT;
	h->count = 0;
	return 0;
}

void dns_hash_free(struct dns_hash *h)
{
	for (size_t i = 0; h->b && i < h->nb; i++) {
		struct dns_hent *e = h->b[i], *n;

		for (; e; e = n) {
			n = e->next;
			free(e);
		}
	}
	free(h->b);
	h->b = NULL;
	h->nb = h->count = 0;
}

static struct dns_hent **find(const struct dns_hash *h, const void *key, size_t klen, uint32_t hv)
{
	struct dns_hent **pp = &h->b[hv & (h->nb - 1)];

	for (; *pp; pp = &(*pp)->next)
		if ((*pp)->hash == hv && (*pp)->klen == klen && memcmp((*pp)->key, key, klen) == 0)
			return pp;
	return pp;
}

void *dns_hash_get(const struct dns_hash *h, const void *key, size_t klen)
{
	struct dns_hent **pp = find(h, key, klen, dns_hash_bytes(key, klen));

	return *pp ? (*pp)->val : NULL;
}

static void grow(struct dns_hash *h)
{
	size_t nb = h->nb * 2;
	struct dns_hent **b = calloc(nb, sizeof(*b));

	if (!b)
		return; /* keep working with longer chains */
	for (size_t i = 0; i < h->nb; i++) {
		struct dns_hent *e = h->b[i], *n;

		for (; e; e = n) {
			n = e->next;
			e->next = b[e->hash & (nb - 1)];
			b[e->hash & (nb - 1)] = e;
		}
	}
	free(h->b);
	h->b = b;
	h->nb = nb;
}

int dns_hash_put(struct dns_hash *h, const void *key, size_t klen, void *val)
{
	uint32_t hv = dns_hash_bytes(key, klen);
	struct dns_hent **pp = find(h, key, klen, hv), *e;

	if (*pp) {
		(*pp)->val = val;
		return 0;
	}
	e = malloc(sizeof(*e) + klen);
	if (!e)
		return -ENOMEM;
	e->next = NULL;
	e->hash = hv;
	e->klen = (uint32_t)klen;
	e->val = val;
	memcpy(e->key, key, klen);
	*pp = e;
	if (++h->count > h->nb)
		grow(h);
	return 0;
}

void *dns_hash_del(struct dns_hash *h, const void *key, size_t klen)
{
	struct dns_hent **pp = find(h, key, klen, dns_hash_bytes(key, klen)), *e = *pp;
	void *val;

	if (!e)
		return NULL;
	*pp = e->next;
	val = e->val;
	free(e);
	h->count--;
	return val;
}

struct dns_hent *dns_hash_next(const struct dns_hash *h, size_t *bucket, struct dns_hent *e)
{
	if (e && e->next)
		return e->next;
	if (e)
		(*bucket)++;
	else
		*bucket = 0;
	for (; *bucket < h->nb; (*bucket)++)
		if (h->b[*bucket])
			return h->b[*bucket];
	return NULL;
}
