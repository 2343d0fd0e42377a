/* schema_int: what the schema engine's files share and nobody else
 * needs: the field path as upstream prints it ("spec.ports[0].port"). */
#ifndef SKIFF_SCHEMA_INT_H
#define SKIFF_SCHEMA_INT_H

#include <stddef.h>

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
