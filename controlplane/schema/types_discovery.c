/* discovery.k8s.io/v1 EndpointSlice: a slice of the backends of a
 * Service, what skiff-node programs its load balancer from. */
#include "types_discovery.h"
#include "types_common.h"

static const struct sch_field endpoint_conditions_fields[] = {
    {
	.name = "ready",
	.pb = 1,
	.kind = SCH_BOOL,
	.desc = "Whether the endpoint should receive traffic; unset means true. Normally "
		"serving and not terminating.",
    },
    {
	.name = "serving",
	.pb = 2,
	.kind = SCH_BOOL,
	.desc = "Whether the endpoint can answer traffic regardless of termination (for pods: "
		"their Ready condition); unset means true.",
    },
    {
	.name = "terminating",
	.pb = 3,
	.kind = SCH_BOOL,
	.desc = "Whether the endpoint is shutting down; unset means false.",
    },
};

const struct sch_type sch_discovery_v1_EndpointConditions = {
    .name = "io.k8s.api.discovery.v1.EndpointConditions",
    .desc = "The readiness of one endpoint.",
    .fields = SCH_FIELDS(endpoint_conditions_fields),
};

static const struct sch_field for_zone_fields[] = {
    {
	.name = "name",
	.pb = 1,
	.kind = SCH_STRING,
	.flags = SCH_F_REQUIRED,
	.desc = "The zone's name.",
    },
};

const struct sch_type sch_discovery_v1_ForZone = {
    .name = "io.k8s.api.discovery.v1.ForZone",
    .desc = "A zone whose clients should use this endpoint.",
    .fields = SCH_FIELDS(for_zone_fields),
};

static const struct sch_field for_node_fields[] = {
    {
	.name = "name",
	.pb = 1,
	.kind = SCH_STRING,
	.flags = SCH_F_REQUIRED,
	.desc = "The node's name.",
    },
};

const struct sch_type sch_discovery_v1_ForNode = {
    .name = "io.k8s.api.discovery.v1.ForNode",
    .desc = "A node whose clients should use this endpoint.",
    .fields = SCH_FIELDS(for_node_fields),
};

static const struct sch_field endpoint_hints_fields[] = {
    {
	.name = "forZones",
	.pb = 1,
	.kind = SCH_OBJECT,
	.flags = SCH_F_LIST | SCH_F_ATOMIC | SCH_F_OMITEMPTY,
	.type = &sch_discovery_v1_ForZone,
	.desc = "Zones that should consume this endpoint under topology-aware routing (at most "
		"8).",
    },
    {
	.name = "forNodes",
	.pb = 2,
	.kind = SCH_OBJECT,
	.flags = SCH_F_LIST | SCH_F_ATOMIC | SCH_F_OMITEMPTY,
	.type = &sch_discovery_v1_ForNode,
	.desc = "Nodes that should consume this endpoint under topology-aware routing (at most "
		"8).",
    },
};

const struct sch_type sch_discovery_v1_EndpointHints = {
    .name = "io.k8s.api.discovery.v1.EndpointHints",
    .desc = "Routing hints: which zones or nodes should prefer this endpoint.",
    .fields = SCH_FIELDS(endpoint_hints_fields),
};

static const struct sch_field endpoint_fields[] = {
    {
	.name = "addresses",
	.pb = 1,
	.kind = SCH_STRING,
	.flags = SCH_F_LIST | SCH_F_LIST_SET | SCH_F_REQUIRED,
	.desc = "The endpoint's addresses, 1 to 100, in canonical form for IPv4 and IPv6 "
		"slices; consumers use only the first.",
    },
    {
	.name = "conditions",
	.pb = 2,
	.kind = SCH_OBJECT,
	.flags = SCH_F_OMITEMPTY,
	.type = &sch_discovery_v1_EndpointConditions,
	.desc = "Whether the endpoint is ready, serving and terminating.",
    },
    {
	.name = "hostname",
	.pb = 3,
	.kind = SCH_STRING,
	.desc = "A lowercase DNS label naming the endpoint (used for per-pod DNS records); "
		"endpoints sharing one are interchangeable.",
    },
    {
	.name = "targetRef",
	.pb = 4,
	.kind = SCH_OBJECT,
	.type = &sch_core_v1_ObjectReference,
	.desc = "The object (usually a Pod) behind this endpoint.",
    },
    {
	.name = "deprecatedTopology",
	.pb = 5,
	.kind = SCH_MAP,
	.elem = SCH_STRING,
	.flags = SCH_F_OMITEMPTY,
	.desc = "Topology labels carried over from v1beta1; writes through v1 are ignored, use "
		"zone and nodeName.",
    },
    {
	.name = "nodeName",
	.pb = 6,
	.kind = SCH_STRING,
	.desc = "The node that hosts the endpoint.",
    },
    {
	.name = "zone",
	.pb = 7,
	.kind = SCH_STRING,
	.desc = "The zone the endpoint is in.",
    },
    {
	.name = "hints",
	.pb = 8,
	.kind = SCH_OBJECT,
	.type = &sch_discovery_v1_EndpointHints,
	.desc = "Hints on which clients should use the endpoint.",
    },
};

const struct sch_type sch_discovery_v1_Endpoint = {
    .name = "io.k8s.api.discovery.v1.Endpoint",
    .desc = "One backend of a Service: its addresses, readiness and location.",
    .fields = SCH_FIELDS(endpoint_fields),
};

static const struct sch_field endpoint_port_fields[] = {
    {
	.name = "name",
	.pb = 1,
	.kind = SCH_STRING,
	.desc = "The port's name, unique in the slice; empty or a DNS label. For Service "
		"slices, the Service port's name.",
    },
    {
	.name = "protocol",
	.pb = 2,
	.kind = SCH_STRING,
	.desc = "TCP (the default), UDP or SCTP.",
    },
    {
	.name = "port",
	.pb = 3,
	.kind = SCH_INT32,
	.desc = "The port number on the endpoints (for Service slices, the target port); may "
		"be unset for other uses.",
    },
    {
	.name = "appProtocol",
	.pb = 4,
	.kind = SCH_STRING,
	.desc = "The application protocol: an IANA service name, a kubernetes.io/ name (h2c, "
		"ws, wss) or a domain-prefixed custom name.",
    },
};

const struct sch_type sch_discovery_v1_EndpointPort = {
    .name = "io.k8s.api.discovery.v1.EndpointPort",
    .desc = "A port every endpoint of the slice serves.",
    .flags = SCH_F_ATOMIC,
    .fields = SCH_FIELDS(endpoint_port_fields),
};

static const struct sch_field endpoint_slice_fields[] = {
    SCH_OBJECT_META_FIELD,
    {
	.name = "addressType",
	.pb = 4,
	.kind = SCH_STRING,
	.flags = SCH_F_REQUIRED,
	.desc = "The kind of every address in the slice: IPv4, IPv6 or FQDN (deprecated, no "
		"defined meaning). Immutable.",
    },
    {
	.name = "endpoints",
	.pb = 2,
	.kind = SCH_OBJECT,
	.flags = SCH_F_LIST | SCH_F_ATOMIC,
	.type = &sch_discovery_v1_Endpoint,
	.desc = "The distinct endpoints of the slice, at most 1000.",
    },
    {
	.name = "ports",
	.pb = 3,
	.kind = SCH_OBJECT,
	.flags = SCH_F_LIST | SCH_F_ATOMIC,
	.type = &sch_discovery_v1_EndpointPort,
	.desc = "The ports every endpoint exposes, uniquely named, at most 100; may be empty "
		"for slices not made for a Service.",
    },
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

SCH_LIST_TYPE(sch_discovery_v1_EndpointSliceList, "io.k8s.api.discovery.v1.EndpointSliceList",
	      sch_discovery_v1_EndpointSlice, "discovery.k8s.io", "v1", "EndpointSliceList",
	      "EndpointSlices");
