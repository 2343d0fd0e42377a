/* nodeaddr: this node's address, as the kubelet reports it and the
 * iptables proxy's firewall chains compare it. */
#ifndef SKIFF_NODEADDR_H
#define SKIFF_NODEADDR_H

#include <stddef.h>

/* given (--node-ip) if not NULL, else the first IPv4 address of this
 * network namespace that is neither loopback nor on one of skiff's own
 * pod bridges ("skiff*"), else "127.0.0.1"; into out. */
void node_addr_pick(const char *given, char *out, size_t len);

/* The first IPv4 address of a comma-separated list ("fd00::5,10.0.0.5",
 * as --node-ip takes for dual stack) into out: 0, or -EINVAL if none. */
int node_addr_ipv4(const char *list, char *out, size_t len);

#endif
