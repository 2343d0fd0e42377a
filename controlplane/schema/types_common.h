/* types_common: what the workload, discovery, batch, coordination,
 * autoscaling and events tables share — the types other schema files own
 * (declared here by their agreed names until their headers land) and the
 * two shapes every served kind repeats: the ObjectMeta field and the
 * <Kind>List wrapper. */
#ifndef SKIFF_SCHEMA_TYPES_COMMON_H
#define SKIFF_SCHEMA_TYPES_COMMON_H

#include "schema.h"

/* Owned by the meta/v1 tables. */
extern const struct sch_type sch_meta_v1_ObjectMeta;
extern const struct sch_type sch_meta_v1_ListMeta;
extern const struct sch_type sch_meta_v1_LabelSelector;
/* Owned by the core/v1 tables. */
extern const struct sch_type sch_core_v1_PodTemplateSpec;
extern const struct sch_type sch_core_v1_ObjectReference;
extern const struct sch_type sch_core_v1_EventSource;

/* The metadata field of a top-level kind: protobuf field 1 everywhere. */
#define SCH_OBJECT_META_FIELD                                                                      \
	{                                                                                          \
		.name = "metadata", .pb = 1, .kind = SCH_OBJECT, .flags = SCH_F_OMITEMPTY,         \
		.type = &sch_meta_v1_ObjectMeta,                                                   \
		.desc = "Standard object metadata: name, namespace, labels, annotations and the "  \
			"fields the server maintains.",                                            \
	}

/* Defines `const struct sch_type sym`, the list kind `kind_` of group/
 * version grp/ver whose items are `item` (described as `what`, plural):
 * ListMeta at field 1 and the items at field 2, as every upstream List. */
#define SCH_LIST_TYPE(sym, defname, item, grp, ver, kind_, what)                                   \
	static const struct sch_field sym##_fields[] = {                                           \
	    {                                                                                      \
		.name = "metadata",                                                                \
		.pb = 1,                                                                           \
		.kind = SCH_OBJECT,                                                                \
		.flags = SCH_F_OMITEMPTY,                                                          \
		.type = &sch_meta_v1_ListMeta,                                                     \
		.desc = "Standard list metadata: resourceVersion and the continue token.",         \
	    },                                                                                     \
	    {                                                                                      \
		.name = "items",                                                                   \
		.pb = 2,                                                                           \
		.kind = SCH_OBJECT,                                                                \
		.flags = SCH_F_LIST | SCH_F_REQUIRED,                                              \
		.type = &(item),                                                                   \
		.desc = "The " what " in this list.",                                              \
	    },                                                                                     \
	};                                                                                         \
	const struct sch_type sym = {                                                              \
	    .name = defname,                                                                       \
	    .desc = "A list of " what ".",                                                         \
	    .fields = SCH_FIELDS(sym##_fields),                                                    \
	    .group = grp,                                                                          \
	    .version = ver,                                                                        \
	    .kind = kind_,                                                                         \
	}

#endif
