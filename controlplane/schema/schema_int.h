/* schema_int: what the schema engine's files share and nobody else
 * needs: the field path as upstream prints it ("spec.ports[0].port"). */
#ifndef SKIFF_SCHEMA_INT_H
#define SKIFF_SCHEMA_INT_H

#include <stddef.h>
#include "schema.h"

/* (on an SCH_OBJECT field) Go `json:",inline"`: in JSON the members of the
 * field's type appear in the parent object, on the protobuf wire they are
 * one embedded message. Defined by the Pod tables (types_pod.h) until
 * schema.h has it; the engine honours it everywhere: sch_field() finds the
 * members, decoding splices them in, OpenAPI lists them as the parent's. */
#ifndef SCH_F_INLINE
#define SCH_F_INLINE (1u << 9)
#endif

/* The field of t, counting inline fields as their members: the field whose
 * JSON includes name (an inline one if name is its member), *idx its
 * index in t->fields. */
const struct sch_field *sch_field_direct(const struct sch_type *t, const char *name, size_t *idx);

struct sch_path {
	char s[256];
	size_t len;
};

/* Append to the path; returns the length to restore with sch_path_pop().
 * A path that does not fit ends in "...". */
size_t sch_path_push(struct sch_path *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void sch_path_pop(struct sch_path *p, size_t old);
/* Append ".name" (or "name" at the root). */
size_t sch_path_field(struct sch_path *p, const char *name);

#endif
