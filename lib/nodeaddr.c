/* nodeaddr: this node's address (see nodeaddr.h). */
#include "nodeaddr.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

void node_addr_pick(const char *given, char *out, size_t len)
{
	struct ifaddrs *ifa, *i;

	if (given) {
		snprintf(out, len, "%s", given);
		return;
	}
	snprintf(out, len, "127.0.0.1");
	if (getifaddrs(&ifa))
		return;
	for (i = ifa; i; i = i->ifa_next) {
		const struct sockaddr_in *sin = (const void *)i->ifa_addr;

		if (!sin || sin->sin_family != AF_INET || ntohl(sin->sin_addr.s_addr) >> 24 == 127)
			continue;
		/* the pods' bridge is ours, not the node's address */
		if (!strncmp(i->ifa_name, "skiff", 5))
			continue;
		inet_ntop(AF_INET, &sin->sin_addr, out, (socklen_t)len);
		break;
	}
	freeifaddrs(ifa);
}

int node_addr_ipv4(const char *list, char *out, size_t len)
{
	const char *p = list;

	while (p && *p) {
		const char *comma = strchr(p, ',');
		size_t n = comma ? (size_t)(comma - p) : strlen(p);
		char one[INET6_ADDRSTRLEN + 1];
		struct in_addr a;

		if (n < sizeof(one)) {
			memcpy(one, p, n);
			one[n] = 0;
			if (inet_pton(AF_INET, one, &a) == 1) {
				snprintf(out, len, "%s", one);
				return 0;
			}
		}
		p = comma ? comma + 1 : NULL;
	}
	return -EINVAL;
}
