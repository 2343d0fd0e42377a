/* patch: JSON merge patch (RFC 7386), strategic merge patch (the subset
 * kubectl apply uses) and JSON patch (RFC 6902). Each returns a new object
 * (the caller frees it) or NULL with a message in err; the inputs are not
 * changed. */
#ifndef SKIFF_PATCH_H
#define SKIFF_PATCH_H

#include <stddef.h>
#include <cjson/cJSON.h>

cJSON *patch_merge(const cJSON *orig, const cJSON *patch, char *err, size_t errlen);
/* kind selects the merge keys ("Service", "Deployment", "Pod", ...). */
cJSON *patch_strategic(const cJSON *orig, const cJSON *patch, const char *kind, char *err,
		       size_t errlen);
cJSON *patch_json(const cJSON *orig, const cJSON *patch, char *err, size_t errlen);

#endif
