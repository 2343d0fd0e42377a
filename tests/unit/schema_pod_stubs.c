/* Test-only stand-ins for the schema types the Pod tables refer to but other
 * table files own (meta/v1 and the rest of core/v1). Linked only into
 * test_schema_pod, never into a binary, so the pod tables can be checked
 * before those files exist; the real definitions replace these in skiff. */
#include "types_pod.h"

const struct sch_type sch_meta_v1_ObjectMeta = {
    .name = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta",
    .desc = "test stand-in",
    .flags = SCH_F_PRESERVE,
};
const struct sch_type sch_meta_v1_ListMeta = {
    .name = "io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta",
    .desc = "test stand-in",
    .flags = SCH_F_PRESERVE,
};
const struct sch_type sch_meta_v1_LabelSelector = {
    .name = "io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector",
    .desc = "test stand-in",
    .flags = SCH_F_PRESERVE,
};

/* LocalObjectReference's one member is a fact the pod tables rely on (it
 * is the merge key of imagePullSecrets and what the inlined references put
 * into selectors), so the stand-in carries it. */
static const struct sch_field local_object_reference_fields[] = {
    {.name = "name", .pb = 1, .kind = SCH_STRING, .desc = "test stand-in"},
};
const struct sch_type sch_core_v1_LocalObjectReference = {
    .name = "io.k8s.api.core.v1.LocalObjectReference",
    .desc = "test stand-in",
    .fields = local_object_reference_fields,
    .nfields = 1,
};
const struct sch_type sch_core_v1_ObjectReference = {
    .name = "io.k8s.api.core.v1.ObjectReference",
    .desc = "test stand-in",
    .flags = SCH_F_PRESERVE,
};
