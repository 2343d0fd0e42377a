/* types_coordination: the coordination.k8s.io/v1 tables (Lease). */
#ifndef SKIFF_SCHEMA_TYPES_COORDINATION_H
#define SKIFF_SCHEMA_TYPES_COORDINATION_H

#include "schema.h"

extern const struct sch_type sch_coordination_v1_Lease;
extern const struct sch_type sch_coordination_v1_LeaseList;
extern const struct sch_type sch_coordination_v1_LeaseSpec;

#endif
