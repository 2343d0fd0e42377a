/* types_pod_def.h: shorthands for writing the types_pod*.c tables, so each
 * field is one readable line: JSON name, protobuf number, kind, flags, and
 * a description. Private to the table files; users include types_pod.h. */
#ifndef SKIFF_SCHEMA_TYPES_POD_DEF_H
#define SKIFF_SCHEMA_TYPES_POD_DEF_H

#include "types_pod.h"

#define SP_OE	SCH_F_OMITEMPTY
#define SP_REQ	SCH_F_REQUIRED
#define SP_RO	SCH_F_READONLY
#define SP_ATOM SCH_F_ATOMIC

/* A scalar field (string, bool, integers, Time, Quantity, IntOrString...). */
#define SP_F(n, num, k, fl, d)                                                                     \
	{                                                                                          \
		.name = (n), .pb = (num), .kind = (k), .flags = (fl), .desc = (d)                  \
	}
/* A list of scalars; upstream lists of strings are atomic unless a set. */
#define SP_FL(n, num, k, fl, d)                                                                    \
	{                                                                                          \
		.name = (n), .pb = (num), .kind = (k), .flags = SCH_F_LIST | (fl), .desc = (d)     \
	}
/* One embedded object of type t. */
#define SP_O(n, num, t, fl, d)                                                                     \
	{                                                                                          \
		.name = (n), .pb = (num), .kind = SCH_OBJECT, .flags = (fl), .type = &(t),         \
		.desc = (d)                                                                        \
	}
/* A list of objects of type t; mk is the merge key (NULL when none). */
#define SP_OL(n, num, t, fl, mk, d)                                                                \
	{                                                                                          \
		.name = (n), .pb = (num), .kind = SCH_OBJECT, .flags = SCH_F_LIST | (fl),          \
		.type = &(t), .merge_key = (mk), .desc = (d)                                       \
	}
/* A map from string to the scalar kind e. */
#define SP_M(n, num, e, fl, d)                                                                     \
	{                                                                                          \
		.name = (n), .pb = (num), .kind = SCH_MAP, .elem = (e), .flags = (fl), .desc = (d) \
	}

/* A core/v1 type named `oname` in OpenAPI, with its field array. */
#define SP_TYPE(sym, oname, fl, d, arr)                                                            \
	const struct sch_type sym = {.name = "io.k8s.api.core.v1." oname,                          \
				     .desc = (d),                                                  \
				     .flags = (fl),                                                \
				     .fields = (arr),                                              \
				     .nfields = sizeof(arr) / sizeof((arr)[0])}
/* A top-level core/v1 kind (its group is the empty core group). */
#define SP_KIND(sym, oname, d, arr)                                                                \
	const struct sch_type sym = {.name = "io.k8s.api.core.v1." oname,                          \
				     .desc = (d),                                                  \
				     .fields = (arr),                                              \
				     .nfields = sizeof(arr) / sizeof((arr)[0]),                    \
				     .group = "",                                                  \
				     .version = "v1",                                              \
				     .kind = oname}

/* apiVersion and kind of a top-level object: JSON only, the protobuf
 * envelope carries them in its typeMeta. */
#define SP_TYPEMETA                                                                                \
	SP_F("apiVersion", 0, SCH_STRING, SP_OE,                                                   \
	     "The versioned schema of this object, e.g. \"v1\"; the server "                       \
	     "converts to its internal form."),                                                    \
	    SP_F("kind", 0, SCH_STRING, SP_OE,                                                     \
		 "The REST resource type of this object, in CamelCase.")

/* Members shared by the ConfigMap and Secret selectors, env sources, volume
 * sources and projections; `what` names the object in the description. */
#define SP_LOCAL_REF(what)                                                                         \
	SP_O("localObjectReference", 1, sch_core_v1_LocalObjectReference, SCH_F_INLINE,            \
	     "The " what ", by name.")
#define SP_OPTIONAL(num, what)                                                                     \
	SP_F("optional", num, SCH_BOOL, 0, "Whether the " what " may be missing.")
#define SP_KEY_ITEMS(num)                                                                          \
	SP_OL("items", num, sch_core_v1_KeyToPath, SP_OE | SP_ATOM, NULL,                          \
	      "Keys to project and their paths; every key, as a file named "                       \
	      "after it, when unset.")
#define SP_DEFAULT_MODE(num, dflt)                                                                 \
	SP_F("defaultMode", num, SCH_INT32, 0,                                                     \
	     "Permission bits of the files, 0 to 0777 (decimal in JSON)" dflt ".")

#endif
