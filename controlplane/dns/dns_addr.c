/* dns_addr: socket addresses and CIDR lists for the DNS server. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "dns.h"
#include "dns_server.h"
#include "log.h"

int dns_parse_hostport(const char *s, uint16_t def_port, union dns_sockaddr *out, socklen_t *len)
{
	char host[INET6_ADDRSTRLEN + 1];
	const char *port = NULL, *colon;
	size_t hl;
	long p = def_port;

	memset(out, 0, sizeof(*out));
	if (!s || !*s)
		return -EINVAL;
	if (s[0] == '[') {
		const char *end = strchr(s, ']');

		if (!end)
			return -EINVAL;
		hl = (size_t)(end - s - 1);
		memcpy(host, s + 1, hl < sizeof(host) ? hl : 0);
		if (end[1] == ':')
			port = end + 2;
		else if (end[1])
			return -EINVAL;
		s++;
	} else {
		colon = strchr(s, ':');
		/* one colon: host:port; more: a bare IPv6 address */
		if (colon && !strchr(colon + 1, ':')) {
			hl = (size_t)(colon - s);
			port = colon + 1;
		} else {
			hl = strlen(s);
		}
		memcpy(host, s, hl < sizeof(host) ? hl : 0);
	}
	if (hl == 0 || hl >= sizeof(host))
		return -EINVAL;
	host[hl] = '\0';
	if (port) {
		char *end;

		p = strtol(port, &end, 10);
		if (!*port || *end || p < 0 || p > 65535)
			return -EINVAL;
	}
	if (inet_pton(AF_INET, host, &out->in.sin_addr) == 1) {
		out->in.sin_family = AF_INET;
		out->in.sin_port = htons((uint16_t)p);
		*len = sizeof(out->in);
		return 0;
	}
	if (inet_pton(AF_INET6, host, &out->in6.sin6_addr) == 1) {
		out->in6.sin6_family = AF_INET6;
		out->in6.sin6_port = htons((uint16_t)p);
		*len = sizeof(out->in6);
		return 0;
	}
	return -EINVAL;
}

bool dns_sockaddr_equal(const struct sockaddr *a, const struct sockaddr *b)
{
	if (a->sa_family != b->sa_family)
		return false;
	if (a->sa_family == AF_INET) {
		const struct sockaddr_in *x = (const void *)a, *y = (const void *)b;

		return x->sin_port == y->sin_port && x->sin_addr.s_addr == y->sin_addr.s_addr;
	}
	if (a->sa_family == AF_INET6) {
		const struct sockaddr_in6 *x = (const void *)a, *y = (const void *)b;

		return x->sin6_port == y->sin6_port &&
		       !memcmp(&x->sin6_addr, &y->sin6_addr, sizeof(x->sin6_addr));
	}
	return false;
}

bool dns_sockaddr_is_loopback(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET)
		return (ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr) >> 24) == 127;
	if (sa->sa_family == AF_INET6) {
		const struct in6_addr *a = &((const struct sockaddr_in6 *)sa)->sin6_addr;

		if (IN6_IS_ADDR_V4MAPPED(a))
			return a->s6_addr[12] == 127;
		return IN6_IS_ADDR_LOOPBACK(a);
	}
	return false;
}

int dns_cidrs_parse(struct dns_cidr *v, size_t *n, size_t max, const char *list)
{
	char *copy, *save = NULL, *tok;

	if (!list || !*list)
		return 0;
	copy = strdup(list);
	if (!copy)
		return -ENOMEM;
	for (tok = strtok_r(copy, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save)) {
		struct dns_cidr *c = &v[*n];
		char *slash = strchr(tok, '/');
		long bits;

		if (*n >= max)
			break;
		if (slash)
			*slash = '\0';
		if (inet_pton(AF_INET, tok, c->a) == 1)
			c->family = AF_INET;
		else if (inet_pton(AF_INET6, tok, c->a) == 1)
			c->family = AF_INET6;
		else
			goto bad;
		bits = slash ? strtol(slash + 1, NULL, 10) : (c->family == AF_INET ? 32 : 128);
		if (bits < 0 || bits > (c->family == AF_INET ? 32 : 128))
			goto bad;
		c->bits = (unsigned)bits;
		(*n)++;
		continue;
	bad:
		pr_err("dns: bad CIDR \"%s\"", tok);
		free(copy);
		return -EINVAL;
	}
	free(copy);
	return 0;
}

bool dns_cidr_match(const struct dns_cidr *c, int family, const uint8_t *a)
{
	if (c->family != family)
		return false;
	unsigned full = c->bits / 8, rest = c->bits % 8;

	if (memcmp(c->a, a, full))
		return false;
	return !rest || ((c->a[full] ^ a[full]) & (uint8_t)(0xff << (8 - rest))) == 0;
}

int dns_first_listener(const char *spec, char *ip, size_t iplen, int *port)
{
	char first[INET6_ADDRSTRLEN + 16];
	union dns_sockaddr a;
	socklen_t al;
	size_t n = strcspn(spec, ",");
	const void *addr;

	if (!n || n >= sizeof(first))
		return -EINVAL;
	memcpy(first, spec, n);
	first[n] = 0;
	if (dns_parse_hostport(first, 53, &a, &al) < 0)
		return -EINVAL;
	addr = a.sa.sa_family == AF_INET6 ? (const void *)&a.in6.sin6_addr
					  : (const void *)&a.in.sin_addr;
	if (!inet_ntop(a.sa.sa_family, addr, ip, (socklen_t)iplen))
		return -EINVAL;
	*port = ntohs(a.sa.sa_family == AF_INET6 ? a.in6.sin6_port : a.in.sin_port);
	return 0;
}
