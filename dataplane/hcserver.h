/* hcserver: the health check node ports of LoadBalancer services with
 * externalTrafficPolicy: Local, served as kube-proxy serves them: any GET
 * on spec.healthCheckNodePort answers 200 while the node has a local ready
 * endpoint of the service and 503 when it has none, with kube-proxy's JSON
 * body ({"service":{"namespace","name"},"localEndpoints":N,
 * "serviceProxyHealthy":true}), so an external load balancer sends traffic
 * only to nodes that can take it without a second hop.
 *
 * One listening socket per port on the event loop; a request is read up to
 * the end of its headers (at most 4 KiB, 5 s), answered and closed.
 */
#ifndef SKIFF_HCSERVER_H
#define SKIFF_HCSERVER_H

#include <stdint.h>

struct ev_loop;
struct hcsrv;

/* Listen on addr (dotted IPv4, NULL or "" for every address). */
struct hcsrv *hcsrv_new(struct ev_loop *loop, const char *addr);
void hcsrv_free(struct hcsrv *h);
/* Serve port for the service "namespace/name" with local ready endpoints;
 * opens the port if it is new. 0 or -errno (the port is in use...). */
int hcsrv_set(struct hcsrv *h, uint16_t port, const char *key, int local);
/* Stop serving port. */
void hcsrv_del(struct hcsrv *h, uint16_t port);
/* Number of ports served. */
int hcsrv_count(const struct hcsrv *h);

#endif
