/* schema_openapi: the OpenAPI documents kubectl reads, generated from the
 * schema tables and the list of served resources:
 *   - /openapi/v2: a gnostic openapi_v2.Document in protobuf (kubectl 1.20
 *     validates with it, builds apply patches from its merge keys, and
 *     allows --dry-run=server only for kinds whose PATCH operation lists a
 *     dryRun parameter);
 *   - /openapi/v3: the index of group-versions, and one JSON document per
 *     group-version (kubectl 1.32 explain).
 * Every function is pure: the same tables give the same bytes, so callers
 * may cache the output.
 */
#ifndef SKIFF_SCHEMA_OPENAPI_H
#define SKIFF_SCHEMA_OPENAPI_H

#include <stdbool.h>
#include <stddef.h>
#include "buf.h"
#include "schema.h"

/* What info.version says (the server's /version). */
#define SCH_OPENAPI_VERSION "v1.20.2"

/* Verbs of a served resource; each gives one operation. */
#define SCH_VERB_GET		  (1u << 0)
#define SCH_VERB_LIST		  (1u << 1) /* with ?watch= */
#define SCH_VERB_CREATE		  (1u << 2)
#define SCH_VERB_UPDATE		  (1u << 3)
#define SCH_VERB_PATCH		  (1u << 4)
#define SCH_VERB_DELETE		  (1u << 5)
#define SCH_VERB_DELETECOLLECTION (1u << 6)

/* One served resource or subresource. */
struct sch_resource {
	const char *group;   /* of the URL: "" (core), "apps" */
	const char *version; /* "v1" */
	const char *plural;  /* "deployments", or "deployments/scale" */
	bool namespaced;
	unsigned verbs;		     /* SCH_VERB_* */
	const struct sch_type *type; /* request and response body (its GVK) */
	const struct sch_type *list; /* the List kind, for SCH_VERB_LIST */
};

/* The whole v2 document, protobuf. Returns 0, -EINVAL if a resource has no
 * type, or -ENOMEM. */
int sch_openapi_v2(const struct sch_resource *res, size_t n, struct buf *out);
/* The same document as Swagger 2.0 JSON (what the protobuf encodes). */
int sch_openapi_v2_json(const struct sch_resource *res, size_t n, struct buf *out);
/* {"paths":{"api/v1":{"serverRelativeURL":"/openapi/v3/api/v1?hash=..."},...}} */
int sch_openapi_v3_index(const struct sch_resource *res, size_t n, struct buf *out);
/* The document of one group-version, gv as in the index ("api/v1",
 * "apis/apps/v1"). Returns 0, -ENOENT for a group-version nothing is
 * served in, or -ENOMEM. hash (>= 17 bytes, may be NULL) receives the hash
 * the index names it by. */
int sch_openapi_v3_gv(const char *gv, const struct sch_resource *res, size_t n, struct buf *out,
		      char *hash);

#endif
