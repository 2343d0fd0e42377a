/* nodeaddr: this node's address (see nodeaddr.h). */
#include "nodeaddr.h"

#include <arpa/inet.h>
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
