/* alloc: bitmap allocators for ClusterIPs and NodePorts. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "alloc.h"

static int alloc_init(struct alloc_range *r, uint32_t base, uint32_t size)
{
	memset(r, 0, sizeof(*r));
	if (!size)
		return -EINVAL;
	r->base = base;
	r->size = size;
	r->bits = calloc((size + 63) / 64, sizeof(uint64_t));
	return r->bits ? 0 : -ENOMEM;
}

int alloc_parse_ip(const char *s, uint32_t *ip)
{
	struct in_addr a;

	if (!s || inet_pton(AF_INET, s, &a) != 1)
		return -EINVAL;
	*ip = ntohl(a.s_addr);
	return 0;
}

void alloc_format_ip(uint32_t ip, char *buf, size_t len)
{
	struct in_addr a = {.s_addr = htonl(ip)};

	inet_ntop(AF_INET, &a, buf, (socklen_t)len);
}

int alloc_ip_init(struct alloc_range *r, const char *cidr)
{
	char ipbuf[32], *slash, *end;
	uint32_t ip, mask;
	long plen;
	int err;

	if (!cidr || strlen(cidr) >= sizeof(ipbuf))
		return -EINVAL;
	strcpy(ipbuf, cidr);
	slash = strchr(ipbuf, '/');
	if (!slash)
		return -EINVAL;
	*slash = 0;
	plen = strtol(slash + 1, &end, 10);
	/* /30 is the smallest range with an allocatable address after the
	 * network and broadcast addresses are excluded; /8 keeps the bitmap
	 * at 2 MiB. */
	if (*end || end == slash + 1 || plen < 8 || plen > 30)
		return -EINVAL;
	if (alloc_parse_ip(ipbuf, &ip))
		return -EINVAL;
	mask = plen ? ~0u << (32 - plen) : 0;
	if (ip & ~mask)
		return -EINVAL; /* host bits set: not a network address */
	err = alloc_init(r, ip + 1, (uint32_t)((1ull << (32 - plen)) - 2));
	if (err)
		return err;
	snprintf(r->desc, sizeof(r->desc), "%s", cidr);
	return 0;
}

int alloc_port_init(struct alloc_range *r, const char *range)
{
	unsigned lo, hi;
	char tail;
	int err;

	if (!range || sscanf(range, "%u-%u%c", &lo, &hi, &tail) != 2 || lo < 1 || hi > 65535 ||
	    lo > hi)
		return -EINVAL;
	err = alloc_init(r, lo, hi - lo + 1);
	if (err)
		return err;
	snprintf(r->desc, sizeof(r->desc), "%u-%u", lo, hi);
	return 0;
}

int alloc_cidr_init(struct alloc_range *r, const char *cidr, int block_bits, uint32_t *net)
{
	char ip[32];
	const char *slash = strchr(cidr, '/');
	uint32_t a;
	int prefix, err;

	if (!slash || (size_t)(slash - cidr) >= sizeof(ip) || block_bits > 30)
		return -EINVAL;
	memcpy(ip, cidr, (size_t)(slash - cidr));
	ip[slash - cidr] = 0;
	prefix = atoi(slash + 1);
	if (alloc_parse_ip(ip, &a) || prefix < 1 || prefix > block_bits)
		return -EINVAL;
	*net = a & (prefix == 32 ? ~0u : ~(~0u >> prefix));
	err = alloc_init(r, 0, 1u << (block_bits - prefix));
	if (!err)
		snprintf(r->desc, sizeof(r->desc), "%s", cidr);
	return err;
}

void alloc_free(struct alloc_range *r)
{
	free(r->bits);
	r->bits = NULL;
}

bool alloc_contains(const struct alloc_range *r, uint32_t v)
{
	return v >= r->base && v - r->base < r->size;
}

bool alloc_is_set(const struct alloc_range *r, uint32_t v)
{
	uint32_t i;

	if (!alloc_contains(r, v))
		return false;
	i = v - r->base;
	return r->bits[i / 64] & (1ull << (i % 64));
}

int alloc_reserve(struct alloc_range *r, uint32_t v)
{
	uint32_t i;

	if (!alloc_contains(r, v))
		return -ERANGE;
	if (alloc_is_set(r, v))
		return -EEXIST;
	i = v - r->base;
	r->bits[i / 64] |= 1ull << (i % 64);
	r->used++;
	return 0;
}

int alloc_next(struct alloc_range *r, uint32_t *v)
{
	uint32_t i = r->next % r->size;

	if (r->used >= r->size)
		return -ENOSPC;
	/* Rotate from the last allocation so that a just-released address is
	 * not handed out again at once (clients may still cache it). */
	for (uint32_t n = 0; n < r->size; n++, i = (i + 1) % r->size) {
		if (!(r->bits[i / 64] & (1ull << (i % 64)))) {
			r->bits[i / 64] |= 1ull << (i % 64);
			r->used++;
			r->next = i + 1;
			*v = r->base + i;
			return 0;
		}
	}
	return -ENOSPC;
}

void alloc_release(struct alloc_range *r, uint32_t v)
{
	uint32_t i;

	if (!alloc_is_set(r, v))
		return;
	i = v - r->base;
	r->bits[i / 64] &= ~(1ull << (i % 64));
	r->used--;
}
