/* Stand-ins for the schema types other tables own (meta/v1, core/v1), so
 * test_schema_apps links before those tables are merged. Each is an opaque
 * PRESERVE type: the apps tests only follow references to them, never into
 * them. Built into that test only. */
#include "../../controlplane/schema/types_common.h"

#define SCH_STUB_TYPE(sym, defname)                                                                \
	const struct sch_type sym = {.name = defname, .desc = "stub", .flags = SCH_F_PRESERVE}

SCH_STUB_TYPE(sch_meta_v1_ObjectMeta, "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta");
SCH_STUB_TYPE(sch_meta_v1_ListMeta, "io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta");
SCH_STUB_TYPE(sch_meta_v1_LabelSelector, "io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector");
SCH_STUB_TYPE(sch_core_v1_PodTemplateSpec, "io.k8s.api.core.v1.PodTemplateSpec");
SCH_STUB_TYPE(sch_core_v1_ObjectReference, "io.k8s.api.core.v1.ObjectReference");
SCH_STUB_TYPE(sch_core_v1_EventSource, "io.k8s.api.core.v1.EventSource");
