/* types_common: shorthands the workload, discovery, batch, coordination,
 * autoscaling, events and PVC tables share on top of types_def.h — the
 * metadata/spec/status kind and the pieces of the many <Thing>Condition
 * types — and the headers of the types they reference. Private to those
 * types_*.c files.
 *
 * The tables follow the conventions types_pod.h states: SCH_F_OMITEMPTY
 * only on non-pointer scalars, lists and maps whose Go tag says omitempty,
 * never on struct values (objects, Time, MicroTime, Quantity, RawExtension),
 * which Go never omits (types_def.h's metadata fields keep theirs); a
 * +required field is SCH_F_REQUIRED even when Go tags it omitempty;
 * SCH_F_ATOMIC in a type's flags is upstream's +structType=atomic; a
 * merge_key on a list that is not SCH_F_LIST_MAP is the strategic-merge key
 * of a list server-side apply treats as atomic. */
#ifndef SKIFF_SCHEMA_TYPES_COMMON_H
#define SKIFF_SCHEMA_TYPES_COMMON_H

#include "types_def.h"
#include "types_meta.h"
#include "types_core.h"
#include "types_pod.h"

/* The spec and status fields of a top-level kind (protobuf 2 and 3). */
#define SCH_SPEC_FIELD(t, fl, d) SF_OBJ("spec", 2, t, fl, d)
#define SCH_STATUS_FIELD(t)                                                                        \
	SF_OBJ("status", 3, t, RO,                                                                 \
	       "The state last observed by the controller; written by the system.")

/* Defines `const struct sch_type sym`, a kind made of metadata, spec and
 * status, as most served kinds are; spec_fl: REQ where upstream marks the
 * spec +required. */
#define SCH_KIND_TYPE_FL(sym, defname, d, grp, ver, kind_, spec_t, spec_fl, spec_d, status_t)      \
	static const struct sch_field sym##_fields[] = {                                           \
	    SF_TYPEMETA,                                                                           \
	    SF_OBJECTMETA,                                                                         \
	    SCH_SPEC_FIELD(spec_t, spec_fl, spec_d),                                               \
	    SCH_STATUS_FIELD(status_t),                                                            \
	};                                                                                         \
	SCH_DEFINE_KIND(sym, defname, grp, ver, kind_, d)
#define SCH_KIND_TYPE(sym, defname, d, grp, ver, kind_, spec_t, spec_d, status_t)                  \
	SCH_KIND_TYPE_FL(sym, defname, d, grp, ver, kind_, spec_t, 0, spec_d, status_t)

/* The pieces of the many <Thing>Condition types: type and status at 1 and
 * 2, then timestamps, reason and message at numbers that vary by type. */
#define SCH_CONDITION_TYPE_STATUS(type_desc)                                                       \
	SF_STR("type", 1, REQ, type_desc),                                                         \
	    SF_STR("status", 2, REQ, "Whether the condition holds: True, False or Unknown.")
#define SCH_CONDITION_TIME(n, num, d) SF_TIME(n, num, 0, d)
#define SCH_CONDITION_TRANSITION(num)                                                              \
	SF_TIME("lastTransitionTime", num, 0,                                                      \
		"When the status last changed from one value to another.")
#define SCH_CONDITION_REASON_MESSAGE(reason_pb, message_pb)                                        \
	SF_STR("reason", reason_pb, OM, "A short machine-readable cause of the last transition."), \
	    SF_STR("message", message_pb, OM,                                                      \
		   "A human-readable explanation of the last transition.")
/* A status's conditions: a list-map keyed by type. */
#define SCH_CONDITIONS_FIELD(num, t, d) SF_OBJMAP("conditions", num, t, "type", OM, d)

#endif
