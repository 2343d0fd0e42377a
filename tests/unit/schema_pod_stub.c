/* For the standalone build of test_schema_core only (not part of the
 * server): the Pod tables define sch_core_v1_PodTemplateSpec; this is a
 * one-field stand-in so the core tables link without them. The Makefile
 * builds only tests/unit/test_*.c, so it never sees this file. */
#include "schema/schema.h"

static const struct sch_field stub_fields[] = {
    {.name = "metadata", .pb = 1, .kind = SCH_ANY, .desc = "Stand-in for the Pod tables."},
};

const struct sch_type sch_core_v1_PodTemplateSpec = {
    .name = "io.k8s.api.core.v1.PodTemplateSpec",
    .desc = "Stand-in for the Pod tables.",
    .flags = SCH_F_PRESERVE,
    .fields = SCH_FIELDS(stub_fields),
};
