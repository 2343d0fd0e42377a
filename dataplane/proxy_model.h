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
	const char *name;   /* points into the parsed Service: valid while it is */
	uint16_t port;	    /* host */
	uint16_t node_port; /* host: NodePort/LoadBalancer's nodePort, 0 if none */
	uint8_t proto;	    /* IPPROTO_* */
};

/* An IPv4 prefix (loadBalancerSourceRanges). */
struct pm_cidr {
	uint32_t addr; /* be, host bits cleared */
	uint8_t len;
};

/* A Service as the load balancer sees it. Every port is kept, however
 * many (API data never goes into a fixed-size array). */
struct pm_service {
	uint32_t vip; /* be */
	bool affinity;
	uint32_t affinity_timeout; /* seconds */
	uint32_t nports;
	struct pm_port *ports; /* malloc'd, pm_service_free */
	/* Frontends for traffic from outside besides the node ports:
	 * spec.externalIPs, then status.loadBalancer.ingress[].ip (be);
	 * nlb of them (the last ones) are LoadBalancer addresses. */
	uint32_t next, nlb;
	uint32_t *ext;	      /* malloc'd, pm_service_free */
	bool ext_local;	      /* externalTrafficPolicy: Local */
	bool int_local;	      /* internalTrafficPolicy: Local */
	uint16_t health_port; /* healthCheckNodePort (host), 0 if none */
	/* spec.loadBalancerSourceRanges (else the upstream annotation
	 * service.beta.kubernetes.io/load-balancer-source-ranges): clients
	 * allowed to the LoadBalancer addresses; none: everyone */
	uint32_t nranges;
	struct pm_cidr *ranges; /* malloc'd, pm_service_free */
	/* SCTP ports: valid in the API, but the socket LB balances only TCP
	 * and UDP connect()s; reported, never programmed. */
	uint32_t nunsupported;
};

/* Parse a Service. 0 if it is proxied (ClusterIP, NodePort or LoadBalancer
 * with an IPv4 clusterIP and TCP/UDP ports), -ENOENT if it needs no
 * proxying (headless, ExternalName, no ports), -EINVAL if malformed,
 * -ENOMEM. out needs pm_service_free whatever the result. */
int pm_service_parse(const cJSON *svc, struct pm_service *out);
void pm_service_free(struct pm_service *m);

/* "namespace/service" a slice belongs to, into buf; false if unlabelled. */
bool pm_slice_service_key(const cJSON *slice, char *buf, size_t len);

/* Endpoints of one service port gathered across slices. */
struct pm_endpoints {
	struct lbsync_be *be; /* ready first after pm_endpoints_finish */
	uint32_t n, cap, nready;
	uint32_t refused; /* addresses pm_endpoint_refused turned away */
};

/* Why an IPv4 endpoint address (be) must not become a backend of the
 * service at vip (be), or NULL if it may. A real kube-apiserver refuses
 * most of these already (ValidateEndpointIP); skiff-node checks again, as
 * a connect() rewritten to such an address goes nowhere or loops: the
 * unspecified 0.0.0.0/8, the limited broadcast, multicast 224.0.0.0/4,
 * link-local 169.254.0.0/16 (the metadata service) and the VIP itself.
 * Loopback is allowed: skiff-server publishes itself and its cluster DNS
 * on 127.0.0.1 when bound there. */
const char *pm_endpoint_refused(uint32_t addr, uint32_t vip);

/* Add the endpoints a slice offers for service port p of the service at
 * vip (matched by port name and protocol); with node, only those whose
 * nodeName is node (a Local traffic policy). Duplicates are merged, ready
 * winning; refused addresses are counted, not added. */
int pm_endpoints_add_slice(struct pm_endpoints *e, const cJSON *slice, const struct pm_port *p,
			   uint32_t vip, const char *node);
/* The endpoints of service port p from the n slices of its Service (with
 * node, only that node's), finished: pm_endpoints_add_slice each, then
 * pm_endpoints_finish. 0 or -ENOMEM (e then holds what was gathered). */
int pm_endpoints_gather(struct pm_endpoints *e, const cJSON *const *slices, uint32_t n,
			const struct pm_port *p, uint32_t vip, const char *node);
/* Order ready endpoints first, drop unusable ones, set nready. */
void pm_endpoints_finish(struct pm_endpoints *e);
void pm_endpoints_free(struct pm_endpoints *e);

#endif
