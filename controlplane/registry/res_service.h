/* res_service: what the Service's strategy (res_service.c) and its
 * allocation hooks (res_service_alloc.c) both ask of a Service object. */
#ifndef SKIFF_RES_SERVICE_H
#define SKIFF_RES_SERVICE_H

#include <stdbool.h>
#include <cjson/cJSON.h>

/* type NodePort or LoadBalancer: the ports may hold node ports (upstream's
 * needsNodePort). */
bool res_svc_has_node_ports(const cJSON *svc);
/* type LoadBalancer with externalTrafficPolicy Local: the Service holds a
 * spec.healthCheckNodePort (upstream's NeedsHealthCheck). */
bool res_svc_needs_hc(const cJSON *svc);

#endif
