/* types_common: shorthands the workload, discovery, batch, coordination,
 * autoscaling, events and PVC tables share on top of types_def.h — the
 * metadata/spec/status kind and the pieces of the many <Thing>Condition
 * types — and the headers of the types they reference. Private to those
 * types_*.c files. */
#ifndef SKIFF_SCHEMA_TYPES_COMMON_H
#define SKIFF_SCHEMA_TYPES_COMMON_H

#include "types_def.h"
#include "types_meta.h"
#include "types_core.h"
#include "types_pod.h"

/* The spec and status fields of a top-level kind (protobuf 2 and 3). */
#define SCH_SPEC_FIELD(t, d) SF_OBJ("spec", 2, t, OM, d)
#define SCH_STATUS_FIELD(t)                                                                        \
	SF_OBJ("status", 3, t, OM | RO,                                                            \
	       "The state last observed by the controller; written by the system.")

/* Defines `const struct sch_type sym`, a kind made of metadata, spec and
 * status, as most served kinds are. */
#define SCH_KIND_TYPE(sym, defname, d, grp, ver, kind_, spec_t, spec_d, status_t)                  \
	static const struct sch_field sym##_fields[] = {                                           \
	    SF_TYPEMETA,                                                                           \
	    SF_OBJECTMETA,                                                                         \
	    SCH_SPEC_FIELD(spec_t, spec_d),                                                        \
	    SCH_STATUS_FIELD(status_t),                                                            \
	};                                                                                         \
	SCH_DEFINE_KIND(sym, defname, grp, ver, kind_, d)

/* The pieces of the many <Thing>Condition types: type and status at 1 and
 * 2, then timestamps, reason and message at numbers that vary by type. */
#define SCH_CONDITION_TYPE_STATUS(type_desc)                                                       \
	SF_STR("type", 1, REQ, type_desc),                                                         \
	    SF_STR("status", 2, REQ, "Whether the condition holds: True, False or Unknown.")
#define SCH_CONDITION_TIME(n, num, d) SF_TIME(n, num, OM, d)
#define SCH_CONDITION_TRANSITION(num)                                                              \
	SF_TIME("lastTransitionTime", num, OM,                                                     \
		"When the status last changed from one value to another.")
#define SCH_CONDITION_REASON_MESSAGE(reason_pb, message_pb)                                        \
	SF_STR("reason", reason_pb, OM, "A short machine-readable cause of the last transition."), \
	    SF_STR("message", message_pb, OM,                                                      \
		   "A human-readable explanation of the last transition.")
/* A status's conditions: a list-map keyed by type. */
#define SCH_CONDITIONS_FIELD(num, t, d) SF_OBJMAP("conditions", num, t, "type", OM, d)

#endif
