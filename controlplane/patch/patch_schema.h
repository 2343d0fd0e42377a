/* patch_schema: which lists a strategic merge patch merges, and by which
 * key, for a kind and a dotted path of map keys ("spec.ports",
 * "spec.template.spec.containers.env"; list levels add no segment). */
#ifndef SKIFF_PATCH_SCHEMA_H
#define SKIFF_PATCH_SCHEMA_H

#include <stdbool.h>

/* true if the list at path merges; *key gets its merge key, or NULL for a
 * list of scalars merged as a set. false: the list is replaced whole. */
bool patch_schema_merge_list(const char *kind, const char *path, const char **key);

#endif
