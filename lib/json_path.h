/* json_path: members of nested cJSON objects by dotted path
 * ("spec.nodeName"), the one lookup the API server, the registry and the
 * field selectors share; and copying a member between objects. */
#ifndef SKIFF_JSON_PATH_H
#define SKIFF_JSON_PATH_H

#include <cjson/cJSON.h>

/* The member at a dotted path; NULL if a step is missing or not an object,
 * or the value is JSON null (Go decodes null as absent). Path segments are
 * at most 255 bytes. */
const cJSON *json_at(const cJSON *o, const char *dotted);
/* The string at a dotted path, or NULL. */
const char *json_str(const cJSON *o, const char *dotted);

/* Make obj[key] a copy of src[key], or remove it when src has none. */
void json_copy_member(cJSON *obj, const cJSON *src, const char *key);

#endif
