/* node_http: skiff-node's small HTTP listeners (libmicrohttpd, own thread):
 * /metrics (Prometheus text) and /healthz (JSON, 200 once synced), served
 * on both --metrics-bind-address and --healthz-bind-address as kube-proxy
 * does. /healthz is 503 until the first sync and while any service port
 * could not be programmed (proxy_status.unprogrammed). */
#ifndef SKIFF_NODE_HTTP_H
#define SKIFF_NODE_HTTP_H

#include <stddef.h>

#include "lbmap.h"
#include "proxy.h"

struct node_http;

/* bind is "ip:port" (IPv4). st and fds must outlive the listener. */
struct node_http *node_http_start(const char *bind, struct proxy_status *st,
				  const struct lbmap_fds *fds, const char *node_name, char *err,
				  size_t errlen);
void node_http_stop(struct node_http *h);

/* Render /metrics or /healthz into a malloc'd string (used by the handler
 * and by tests). *code gets the HTTP status for healthz. */
char *node_http_metrics(struct proxy_status *st, const struct lbmap_fds *fds);
char *node_http_healthz(struct proxy_status *st, const char *node_name, int *code);

#endif
