/* types_core_service: core/v1 tables for Service and Endpoints. */
#include "types_core.h"
#include "types_meta.h"
#include "types_def.h"

/* --- Service --- */

static const struct sch_field sch_core_v1_ServicePort_fields[] = {
    SF_STR("name", 1, OM,
	   "A DNS label naming the port; required and unique when the service has more than "
	   "one port."),
    SF_STR("protocol", 2, OM, "TCP, UDP or SCTP; defaults to TCP."),
    SF_STR("appProtocol", 6, 0,
	   "The application protocol of the port (an IANA name or a domain-prefixed one), "
	   "a hint for implementations."),
    SF_I32("port", 3, REQ, "The port the service exposes."),
    SF_SCALAR("targetPort", 4, SCH_INT_OR_STRING, OM,
	      "The pods' port to forward to: a number, or the name of a container port; "
	      "defaults to port."),
    SF_I32("nodePort", 5, OM,
	   "The port opened on every node for NodePort and LoadBalancer services; "
	   "allocated when not given."),
};
CORE_TYPE(ServicePort, 0, "One port a service exposes and where it forwards to.");

static const struct sch_field sch_core_v1_ClientIPConfig_fields[] = {
    SF_I32("timeoutSeconds", 1, 0,
	   "How long a client IP sticks to one endpoint, 1 to 86400 seconds (default "
	   "10800)."),
};
CORE_TYPE(ClientIPConfig, 0, "Settings of client-IP session affinity.");

static const struct sch_field sch_core_v1_SessionAffinityConfig_fields[] = {
    SF_OBJ("clientIP", 1, sch_core_v1_ClientIPConfig, 0, "Settings of ClientIP affinity."),
};
CORE_TYPE(SessionAffinityConfig, 0, "Settings of a service's session affinity.");

static const struct sch_field sch_core_v1_ServiceSpec_fields[] = {
    /* listType=map keyed by port and protocol for server-side apply;
     * strategic merge keys on port alone (patchMergeKey). */
    SF_OBJMAP("ports", 1, sch_core_v1_ServicePort, "port", OM, "The ports the service exposes."),
    SF_MAP("selector", 2, SCH_STRING, OM | ATOM,
	   "Pods with these labels are the service's endpoints; without a selector the "
	   "endpoints are managed by hand."),
    SF_STR("clusterIP", 3, OM,
	   "The service's virtual IP, allocated unless given; None makes a headless "
	   "service. Cannot be changed."),
    SF_STRS("clusterIPs", 18, OM | ATOM,
	    "The service's virtual IPs, one per IP family; the first equals clusterIP."),
    SF_STR("type", 4, OM, "ClusterIP (default), NodePort, LoadBalancer or ExternalName."),
    SF_STRS("externalIPs", 5, OM | ATOM,
	    "Extra IPs (not managed by the cluster) on which nodes accept traffic for the "
	    "service."),
    SF_STR("sessionAffinity", 7, OM,
	   "ClientIP or None (default): whether a client sticks to an endpoint."),
    SF_STR("loadBalancerIP", 8, OM, "Deprecated: the IP a load balancer should get, if supported."),
    SF_STRS("loadBalancerSourceRanges", 9, OM | ATOM,
	    "Client CIDRs a load balancer admits, if supported."),
    SF_STR("externalName", 10, OM, "The DNS name an ExternalName service resolves to (a CNAME)."),
    SF_STR("externalTrafficPolicy", 11, OM,
	   "Cluster or Local: whether external traffic may go to endpoints on other nodes."),
    SF_I32("healthCheckNodePort", 12, OM,
	   "The node port of the health check for LoadBalancer services with the Local "
	   "policy."),
    SF_BOOL("publishNotReadyAddresses", 13, OM,
	    "Publish endpoints in DNS and Endpoints even when their pods are not ready."),
    SF_OBJ("sessionAffinityConfig", 14, sch_core_v1_SessionAffinityConfig, 0,
	   "Settings of session affinity."),
    SF_STRS("ipFamilies", 19, OM | ATOM, "The IP families (IPv4, IPv6) of the service, in order."),
    SF_STR("ipFamilyPolicy", 17, 0, "SingleStack, PreferDualStack or RequireDualStack."),
    SF_BOOL("allocateLoadBalancerNodePorts", 20, 0,
	    "Whether LoadBalancer services get node ports (default true)."),
    SF_STR("loadBalancerClass", 21, 0,
	   "The load balancer implementation that should handle the service."),
    SF_STR("internalTrafficPolicy", 22, 0,
	   "Cluster or Local: whether in-cluster traffic may go to endpoints on other "
	   "nodes."),
    SF_STR("trafficDistribution", 23, 0,
	   "A preference for how traffic is spread over endpoints (e.g. PreferClose)."),
};
CORE_TYPE(ServiceSpec, 0, "What a service should be: its ports, selector, type and addresses.");

static const struct sch_field sch_core_v1_PortStatus_fields[] = {
    SF_I32("port", 1, REQ, "The port number."),
    SF_STR("protocol", 2, REQ, "TCP, UDP or SCTP."),
    SF_STR("error", 3, 0, "Why the port is not working, as a CamelCase reason; unset when it is."),
};
CORE_TYPE(PortStatus, 0, "The state of one port of a load balancer ingress point.");

static const struct sch_field sch_core_v1_LoadBalancerIngress_fields[] = {
    SF_STR("ip", 1, OM, "The IP address of the ingress point."),
    SF_STR("hostname", 2, OM, "The DNS name of the ingress point."),
    SF_STR("ipMode", 3, 0, "VIP or Proxy: how traffic reaches the ip."),
    SF_OBJS("ports", 4, sch_core_v1_PortStatus, OM | ATOM, "The state of each port."),
};
CORE_TYPE(LoadBalancerIngress, 0, "One point where traffic for a load balancer enters.");

static const struct sch_field sch_core_v1_LoadBalancerStatus_fields[] = {
    SF_OBJS("ingress", 1, sch_core_v1_LoadBalancerIngress, OM | ATOM,
	    "The load balancer's ingress points."),
};
CORE_TYPE(LoadBalancerStatus, 0, "The state of a load balancer.");

static const struct sch_field sch_core_v1_ServiceStatus_fields[] = {
    SF_OBJ("loadBalancer", 1, sch_core_v1_LoadBalancerStatus, OM,
	   "The state of the service's load balancer, if any."),
    SF_OBJMAP("conditions", 2, sch_meta_v1_Condition, "type", OM,
	      "The latest observations of the service's state."),
};
CORE_TYPE(ServiceStatus, 0, "The observed state of a service.");

static const struct sch_field sch_core_v1_Service_fields[] = {
    SF_TYPEMETA,
    SF_OBJECTMETA,
    SF_OBJ("spec", 2, sch_core_v1_ServiceSpec, OM, "What the service should be."),
    SF_OBJ("status", 3, sch_core_v1_ServiceStatus, OM | RO, "The observed state of the service."),
};
CORE_KIND(Service, "A named set of ports that forwards to the pods its selector matches, behind a "
		   "stable virtual IP and DNS name.");
CORE_LIST(Service, "The services.");

/* --- Endpoints --- */

static const struct sch_field sch_core_v1_EndpointAddress_fields[] = {
    SF_STR("ip", 1, REQ, "The IP of the endpoint."),
    SF_STR("hostname", 3, OM, "The hostname of the endpoint."),
    SF_STR("nodeName", 4, 0, "The node the endpoint runs on."),
    SF_OBJ("targetRef", 2, sch_core_v1_ObjectReference, 0,
	   "The object behind the endpoint, usually a pod."),
};
/* structType=atomic upstream, as is EndpointPort. */
CORE_TYPE(EndpointAddress, ATOM, "One address of an endpoint.");

static const struct sch_field sch_core_v1_EndpointPort_fields[] = {
    SF_STR("name", 1, OM, "The name of the port; matches the service port's name."),
    SF_I32("port", 2, REQ, "The port number of the endpoint."),
    SF_STR("protocol", 3, OM, "TCP, UDP or SCTP; defaults to TCP."),
    SF_STR("appProtocol", 4, 0, "The application protocol of the port."),
};
CORE_TYPE(EndpointPort, ATOM, "One port of an endpoint.");

static const struct sch_field sch_core_v1_EndpointSubset_fields[] = {
    SF_OBJS("addresses", 1, sch_core_v1_EndpointAddress, OM | ATOM,
	    "Addresses that are ready to serve the ports."),
    SF_OBJS("notReadyAddresses", 2, sch_core_v1_EndpointAddress, OM | ATOM,
	    "Addresses not ready yet (starting or failing readiness)."),
    SF_OBJS("ports", 3, sch_core_v1_EndpointPort, OM | ATOM, "The ports every address serves."),
};
CORE_TYPE(EndpointSubset, 0, "A set of addresses that all serve the same set of ports.");

static const struct sch_field sch_core_v1_Endpoints_fields[] = {
    SF_TYPEMETA,
    SF_OBJECTMETA,
    SF_OBJS("subsets", 2, sch_core_v1_EndpointSubset, OM | ATOM,
	    "The service's endpoints, as sets of addresses with the ports they serve."),
};
CORE_KIND(Endpoints, "The addresses and ports that implement a service; named like the service.");
CORE_LIST(Endpoints, "The endpoints objects.");
