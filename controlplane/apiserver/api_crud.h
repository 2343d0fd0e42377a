/* api_crud.h: what api_crud.c (get, create, update, patch) and
 * api_delete.c share inside the API layer. Not for other subsystems. */
#ifndef SKIFF_API_CRUD_H
#define SKIFF_API_CRUD_H

#include <cjson/cJSON.h>
#include "api.h"

/* Room for one Status message. */
#define API_MSG 1024

/* Give back what obj holds that keep does not (the type's release hook). */
void api_release(struct api *a, const struct res_type *rt, const cJSON *obj, const cJSON *keep);
/* Answer a stored object as rt's view (rt may be a view: resource.h). */
void api_reply_view(struct http_req *req, int code, const struct res_type *rt, const cJSON *obj);
/* metadata.resourceVersion = rev */
void api_set_rv(cJSON *obj, int64_t rev);
/* A Status' details: name, group, kind (the plural, as upstream). */
cJSON *api_details_plural(const struct res_type *rt, const char *name);

#endif
