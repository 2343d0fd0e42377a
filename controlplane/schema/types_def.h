/* types_def: shorthands for writing schema tables (private to the
 * types_*.c files). One macro per field shape keeps every table line a
 * plain statement of the upstream facts: JSON name, protobuf number,
 * flags, description. Flags are SCH_F_*; 0 for a Go pointer or a field
 * without omitempty.
 */
#ifndef SKIFF_SCHEMA_TYPES_DEF_H
#define SKIFF_SCHEMA_TYPES_DEF_H

#include "schema.h"

/* Short flag names for table lines. */
#define OM   SCH_F_OMITEMPTY /* Go omitempty on a non-pointer */
#define RO   SCH_F_READONLY  /* set by the server */
#define REQ  SCH_F_REQUIRED
#define ATOM SCH_F_ATOMIC

/* Scalar of kind k (SCH_STRING, SCH_INT32, SCH_TIME...). */
#define SF_SCALAR(nm, num, k, fl, d)                                                               \
	{                                                                                          \
		.name = (nm), .pb = (num), .kind = (k), .flags = (fl), .desc = (d)                 \
	}
#define SF_STR(nm, num, fl, d)	SF_SCALAR(nm, num, SCH_STRING, fl, d)
#define SF_BOOL(nm, num, fl, d) SF_SCALAR(nm, num, SCH_BOOL, fl, d)
#define SF_I32(nm, num, fl, d)	SF_SCALAR(nm, num, SCH_INT32, fl, d)
#define SF_I64(nm, num, fl, d)	SF_SCALAR(nm, num, SCH_INT64, fl, d)
#define SF_TIME(nm, num, fl, d) SF_SCALAR(nm, num, SCH_TIME, fl, d)
/* A list of strings; upstream marks nearly all of them atomic. */
#define SF_STRS(nm, num, fl, d) SF_SCALAR(nm, num, SCH_STRING, SCH_F_LIST | (fl), d)
/* An embedded message of type t. */
#define SF_OBJ(nm, num, t, fl, d)                                                                  \
	{                                                                                          \
		.name = (nm), .pb = (num), .kind = SCH_OBJECT, .flags = (fl), .type = &(t),        \
		.desc = (d)                                                                        \
	}
/* A repeated message of type t (list-type atomic unless fl says). */
#define SF_OBJS(nm, num, t, fl, d)                                                                 \
	{                                                                                          \
		.name = (nm), .pb = (num), .kind = SCH_OBJECT, .flags = SCH_F_LIST | (fl),         \
		.type = &(t), .desc = (d)                                                          \
	}
/* A repeated message kept as a list-type map keyed by key. */
#define SF_OBJMAP(nm, num, t, key, fl, d)                                                          \
	{                                                                                          \
		.name = (nm), .pb = (num), .kind = SCH_OBJECT,                                     \
		.flags = SCH_F_LIST | SCH_F_LIST_MAP | (fl), .type = &(t), .merge_key = (key),     \
		.desc = (d)                                                                        \
	}
/* A map string -> scalar of kind e. */
#define SF_MAP(nm, num, e, fl, d)                                                                  \
	{                                                                                          \
		.name = (nm), .pb = (num), .kind = SCH_MAP, .elem = (e), .flags = (fl),            \
		.desc = (d)                                                                        \
	}

/* Every top-level kind opens with the two TypeMeta keys. They are no
 * fields of the protobuf message (the runtime.Unknown envelope carries
 * them), hence protobuf number 0. */
#define SF_TYPEMETA                                                                                \
	SF_STR("apiVersion", 0, SCH_F_OMITEMPTY,                                                   \
	       "The versioned schema of this representation of the object; the server "            \
	       "may reject versions it does not know."),                                           \
	    SF_STR("kind", 0, SCH_F_OMITEMPTY,                                                     \
		   "The REST resource this object represents, in CamelCase; the server "           \
		   "can infer it from the endpoint the request was sent to.")

/* The metadata of a top-level kind (ObjectMeta, protobuf 1). */
#define SF_OBJECTMETA                                                                              \
	SF_OBJ("metadata", 1, sch_meta_v1_ObjectMeta, SCH_F_OMITEMPTY,                             \
	       "Standard object metadata: name, namespace, labels, annotations and the "           \
	       "fields the server maintains.")

/* Defines the List kind `sym` of items of type `item`: apiVersion, kind,
 * metadata (ListMeta, 1) and items (2). */
#define SCH_DEFINE_LIST(sym, item, defname, grp, ver, kindname, itemdesc)                          \
	static const struct sch_field sym##_fields[] = {                                           \
	    SF_TYPEMETA,                                                                           \
	    SF_OBJ("metadata", 1, sch_meta_v1_ListMeta, SCH_F_OMITEMPTY,                           \
		   "Standard list metadata: the resourceVersion of the list and the "              \
		   "continue token of a paged list."),                                             \
	    SF_OBJS("items", 2, item, SCH_F_REQUIRED, itemdesc),                                   \
	};                                                                                         \
	const struct sch_type sym = {                                                              \
	    .name = (defname),                                                                     \
	    .desc = "A list of " kindname " objects.",                                             \
	    .fields = SCH_FIELDS(sym##_fields),                                                    \
	    .group = (grp),                                                                        \
	    .version = (ver),                                                                      \
	    .kind = kindname "List",                                                               \
	}

/* Defines the (non-kind) type `sym` from its field array sym##_fields. */
#define SCH_DEFINE_TYPE(sym, defname, fl, d)                                                       \
	const struct sch_type sym = {                                                              \
	    .name = (defname),                                                                     \
	    .desc = (d),                                                                           \
	    .flags = (fl),                                                                         \
	    .fields = SCH_FIELDS(sym##_fields),                                                    \
	}
/* Defines the top-level kind `sym` from sym##_fields. */
#define SCH_DEFINE_KIND(sym, defname, grp, ver, kindname, d)                                       \
	const struct sch_type sym = {                                                              \
	    .name = (defname),                                                                     \
	    .desc = (d),                                                                           \
	    .fields = SCH_FIELDS(sym##_fields),                                                    \
	    .group = (grp),                                                                        \
	    .version = (ver),                                                                      \
	    .kind = (kindname),                                                                    \
	}

/* core/v1 shorthands: symbol sch_core_v1_X, definition io.k8s.api.core.v1.X. */
#define CORE_TYPE(X, fl, d) SCH_DEFINE_TYPE(sch_core_v1_##X, "io.k8s.api.core.v1." #X, fl, d)
#define CORE_KIND(X, d)	    SCH_DEFINE_KIND(sch_core_v1_##X, "io.k8s.api.core.v1." #X, "", "v1", #X, d)
#define CORE_LIST(X, itemdesc)                                                                     \
	SCH_DEFINE_LIST(sch_core_v1_##X##List, sch_core_v1_##X, "io.k8s.api.core.v1." #X "List",   \
			"", "v1", #X, itemdesc)

#endif
