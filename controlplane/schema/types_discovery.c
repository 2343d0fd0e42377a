/* discovery.k8s.io/v1 EndpointSlice: a slice of the backends of a
 * Service, what skiff-node programs its load balancer from. */
#include "types_discovery.h"
#include "types_common.h"

static const struct sch_field endpoint_conditions_fields[] = {
    SF_BOOL("ready", 1, 0,
	    "Whether the endpoint should receive traffic; unset means true. Normally "
	    "serving and not terminating."),
    SF_BOOL("serving", 2, 0,
	    "Whether the endpoint can answer traffic regardless of termination (for pods: "
	    "their Ready condition); unset means true."),
    SF_BOOL("terminating", 3, 0, "Whether the endpoint is shutting down; unset means false."),
};

const struct sch_type sch_discovery_v1_EndpointConditions = {
    .name = "io.k8s.api.discovery.v1.EndpointConditions",
    .desc = "The readiness of one endpoint.",
    .fields = SCH_FIELDS(endpoint_conditions_fields),
};

static const struct sch_field for_zone_fields[] = {
    SF_STR("name", 1, REQ, "The zone's name."),
};

const struct sch_type sch_discovery_v1_ForZone = {
    .name = "io.k8s.api.discovery.v1.ForZone",
    .desc = "A zone whose clients should use this endpoint.",
    .fields = SCH_FIELDS(for_zone_fields),
};

static const struct sch_field for_node_fields[] = {
    SF_STR("name", 1, REQ, "The node's name."),
};

const struct sch_type sch_discovery_v1_ForNode = {
    .name = "io.k8s.api.discovery.v1.ForNode",
    .desc = "A node whose clients should use this endpoint.",
    .fields = SCH_FIELDS(for_node_fields),
};

static const struct sch_field endpoint_hints_fields[] = {
    SF_OBJS("forZones", 1, sch_discovery_v1_ForZone, ATOM | OM,
	    "Zones that should consume this endpoint under topology-aware routing (at most "
	    "8)."),
    SF_OBJS("forNodes", 2, sch_discovery_v1_ForNode, ATOM | OM,
	    "Nodes that should consume this endpoint under topology-aware routing (at most "
	    "8)."),
};

const struct sch_type sch_discovery_v1_EndpointHints = {
    .name = "io.k8s.api.discovery.v1.EndpointHints",
    .desc = "Routing hints: which zones or nodes should prefer this endpoint.",
    .fields = SCH_FIELDS(endpoint_hints_fields),
};

static const struct sch_field endpoint_fields[] = {
    SF_STRS("addresses", 1, SCH_F_LIST_SET | REQ,
	    "The endpoint's addresses, 1 to 100, in canonical form for IPv4 and IPv6 "
	    "slices; consumers use only the first."),
    SF_OBJ("conditions", 2, sch_discovery_v1_EndpointConditions, 0,
	   "Whether the endpoint is ready, serving and terminating."),
    SF_STR("hostname", 3, 0,
	   "A lowercase DNS label naming the endpoint (used for per-pod DNS records); "
	   "endpoints sharing one are interchangeable."),
    SF_OBJ("targetRef", 4, sch_core_v1_ObjectReference, 0,
	   "The object (usually a Pod) behind this endpoint."),
    SF_MAP("deprecatedTopology", 5, SCH_STRING, OM,
	   "Topology labels carried over from v1beta1; writes through v1 are ignored, use "
	   "zone and nodeName."),
    SF_STR("nodeName", 6, 0, "The node that hosts the endpoint."),
    SF_STR("zone", 7, 0, "The zone the endpoint is in."),
    SF_OBJ("hints", 8, sch_discovery_v1_EndpointHints, 0,
	   "Hints on which clients should use the endpoint."),
};

const struct sch_type sch_discovery_v1_Endpoint = {
    .name = "io.k8s.api.discovery.v1.Endpoint",
    .desc = "One backend of a Service: its addresses, readiness and location.",
    .fields = SCH_FIELDS(endpoint_fields),
};

static const struct sch_field endpoint_port_fields[] = {
    SF_STR("name", 1, 0,
	   "The port's name, unique in the slice; empty or a DNS label. For Service "
	   "slices, the Service port's name."),
    SF_STR("protocol", 2, 0, "TCP (the default), UDP or SCTP."),
    SF_I32("port", 3, 0,
	   "The port number on the endpoints (for Service slices, the target port); may "
	   "be unset for other uses."),
    SF_STR("appProtocol", 4, 0,
	   "The application protocol: an IANA service name, a kubernetes.io/ name (h2c, "
	   "ws, wss) or a domain-prefixed custom name."),
};

const struct sch_type sch_discovery_v1_EndpointPort = {
    .name = "io.k8s.api.discovery.v1.EndpointPort",
    .desc = "A port every endpoint of the slice serves.",
    .flags = SCH_F_ATOMIC,
    .fields = SCH_FIELDS(endpoint_port_fields),
};

static const struct sch_field endpoint_slice_fields[] = {
    SF_TYPEMETA,
    SF_OBJECTMETA,
    SF_STR("addressType", 4, REQ,
	   "The kind of every address in the slice: IPv4, IPv6 or FQDN (deprecated, no "
	   "defined meaning). Immutable."),
    SF_OBJS("endpoints", 2, sch_discovery_v1_Endpoint, ATOM,
	    "The distinct endpoints of the slice, at most 1000."),
    SF_OBJS("ports", 3, sch_discovery_v1_EndpointPort, ATOM,
	    "The ports every endpoint exposes, uniquely named, at most 100; may be empty "
	    "for slices not made for a Service."),
};

const struct sch_type sch_discovery_v1_EndpointSlice = {
    .name = "io.k8s.api.discovery.v1.EndpointSlice",
    .desc = "A set of backends of a Service; a Service's slices carry the label "
	    "kubernetes.io/service-name and together list all its endpoints.",
    .fields = SCH_FIELDS(endpoint_slice_fields),
    .group = "discovery.k8s.io",
    .version = "v1",
    .kind = "EndpointSlice",
};

SCH_DEFINE_LIST(sch_discovery_v1_EndpointSliceList, sch_discovery_v1_EndpointSlice,
		"io.k8s.api.discovery.v1.EndpointSliceList", "discovery.k8s.io", "v1",
		"EndpointSlice", "The EndpointSlices in this list.");
