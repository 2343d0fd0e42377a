/* server_dns: feeds the cluster DNS (dns.h) from the store's events. */
#ifndef SKIFF_SERVER_DNS_H
#define SKIFF_SERVER_DNS_H

#include <stddef.h>
#include "server.h"
#include "store/store.h"

struct ev_loop;
struct server_dns;

int server_dns_start(struct ev_loop *loop, struct store *st, const struct server_config *c,
		     struct server_dns **out);
void server_dns_stop(struct server_dns *sd);
size_t server_dns_metrics(struct server_dns *sd, char *buf, size_t len);

#endif
