/* proxy_model: what a Service and its EndpointSlices mean for the load
 * balancer (k8s-api.md §8.1, §8.3, §12), as plain structs — no maps, no I/O.
 */
#ifndef SKIFF_PROXY_MODEL_H
#define SKIFF_PROXY_MODEL_H

#include <stdbool.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "lbsync.h"

/* Label linking a slice to its Service. */
#define PM_SERVICE_NAME_LABEL "kubernetes.io/service-name"
/* Upstream's default ClientIP affinity timeout (3 h). */
#define PM_DEFAULT_AFFINITY_TIMEOUT 10800

struct pm_port {
	char name[64];
	uint16_t port; /* host */
	uint8_t proto; /* IPPROTO_* */
};

struct pm_service {
	uint32_t vip; /* be */
	bool affinity;
	uint32_t affinity_timeout; /* seconds */
	uint32_t nports;
	struct pm_port ports[32];
};

/* Parse a Service. 0 if it is proxied (ClusterIP, NodePort or LoadBalancer
 * with an IPv4 clusterIP and TCP/UDP ports), -ENOENT if it needs no
 * proxying (headless, ExternalName, no ports), -EINVAL if malformed. */
int pm_service_parse(const cJSON *svc, struct pm_service *out);

/* "namespace/service" a slice belongs to, into buf; false if unlabelled. */
bool pm_slice_service_key(const cJSON *slice, char *buf, size_t len);

/* Endpoints of one service port gathered across slices. */
struct pm_endpoints {
	struct lbsync_be *be; /* ready first after pm_endpoints_finish */
	uint32_t n, cap, nready;
};

/* Add the endpoints a slice offers for service port p (matched by port
 * name and protocol). Duplicates are merged, ready winning. */
int pm_endpoints_add_slice(struct pm_endpoints *e, const cJSON *slice, const struct pm_port *p);
/* Order ready endpoints first, drop unusable ones, set nready. */
void pm_endpoints_finish(struct pm_endpoints *e);
void pm_endpoints_free(struct pm_endpoints *e);

#endif
