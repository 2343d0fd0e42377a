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

/* The spec and status fields of a top-level kind (protobuf 2 and 3). */
#define SCH_SPEC_FIELD(t, d)                                                                       \
	{                                                                                          \
		.name = "spec", .pb = 2, .kind = SCH_OBJECT, .flags = SCH_F_OMITEMPTY,             \
		.type = &(t), .desc = d,                                                           \
	}
#define SCH_STATUS_FIELD(t)                                                                        \
	{                                                                                          \
		.name = "status", .pb = 3, .kind = SCH_OBJECT,                                     \
		.flags = SCH_F_OMITEMPTY | SCH_F_READONLY, .type = &(t),                           \
		.desc = "The state last observed by the controller; written by the system.",       \
	}

/* Defines `const struct sch_type sym`, a kind made of metadata, spec and
 * status, as most served kinds are. */
#define SCH_KIND_TYPE(sym, defname, d, grp, ver, kind_, spec_t, spec_d, status_t)                  \
	static const struct sch_field sym##_fields[] = {                                           \
	    SCH_OBJECT_META_FIELD,                                                                 \
	    SCH_SPEC_FIELD(spec_t, spec_d),                                                        \
	    SCH_STATUS_FIELD(status_t),                                                            \
	};                                                                                         \
	const struct sch_type sym = {                                                              \
	    .name = defname,                                                                       \
	    .desc = d,                                                                             \
	    .fields = SCH_FIELDS(sym##_fields),                                                    \
	    .group = grp,                                                                          \
	    .version = ver,                                                                        \
	    .kind = kind_,                                                                         \
	}

/* The pieces of the many <Thing>Condition types: type and status at 1 and
 * 2, then timestamps, reason and message at numbers that vary by type. */
#define SCH_CONDITION_TYPE_STATUS(type_desc)                                                       \
	{                                                                                          \
	    .name = "type",                                                                        \
	    .pb = 1,                                                                               \
	    .kind = SCH_STRING,                                                                    \
	    .flags = SCH_F_REQUIRED,                                                               \
	    .desc = type_desc,                                                                     \
	},                                                                                         \
	{                                                                                          \
		.name = "status", .pb = 2, .kind = SCH_STRING, .flags = SCH_F_REQUIRED,            \
		.desc = "Whether the condition holds: True, False or Unknown.",                    \
	}
#define SCH_CONDITION_TIME(n, num, d)                                                              \
	{                                                                                          \
		.name = n, .pb = num, .kind = SCH_TIME, .flags = SCH_F_OMITEMPTY, .desc = d,       \
	}
#define SCH_CONDITION_TRANSITION(num)                                                              \
	SCH_CONDITION_TIME("lastTransitionTime", num,                                              \
			   "When the status last changed from one value to another.")
#define SCH_CONDITION_REASON_MESSAGE(reason_pb, message_pb)                                        \
	{                                                                                          \
	    .name = "reason",                                                                      \
	    .pb = reason_pb,                                                                       \
	    .kind = SCH_STRING,                                                                    \
	    .flags = SCH_F_OMITEMPTY,                                                              \
	    .desc = "A short machine-readable cause of the last transition.",                      \
	},                                                                                         \
	{                                                                                          \
		.name = "message", .pb = message_pb, .kind = SCH_STRING, .flags = SCH_F_OMITEMPTY, \
		.desc = "A human-readable explanation of the last transition.",                    \
	}
/* A status's conditions: a list-map keyed by type. */
#define SCH_CONDITIONS_FIELD(num, t, d)                                                            \
	{                                                                                          \
		.name = "conditions", .pb = num, .kind = SCH_OBJECT,                               \
		.flags = SCH_F_LIST | SCH_F_LIST_MAP | SCH_F_OMITEMPTY, .type = &(t),              \
		.merge_key = "type", .desc = d,                                                    \
	}

#endif
