/* types_discovery: the discovery.k8s.io/v1 tables (EndpointSlice). */
#ifndef SKIFF_SCHEMA_TYPES_DISCOVERY_H
#define SKIFF_SCHEMA_TYPES_DISCOVERY_H

#include "schema.h"

extern const struct sch_type sch_discovery_v1_EndpointSlice;
extern const struct sch_type sch_discovery_v1_EndpointSliceList;
extern const struct sch_type sch_discovery_v1_Endpoint;
extern const struct sch_type sch_discovery_v1_EndpointConditions;
extern const struct sch_type sch_discovery_v1_EndpointHints;
extern const struct sch_type sch_discovery_v1_ForZone;
extern const struct sch_type sch_discovery_v1_ForNode;
extern const struct sch_type sch_discovery_v1_EndpointPort;

#endif
