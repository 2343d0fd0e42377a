/* patch: JSON merge patch (RFC 7386), strategic merge patch (the subset
 * kubectl apply uses) and JSON patch (RFC 6902), with every request's cost
 * bounded by its size. The inputs are not changed.
 *
 * Limits (each failure leaves *out NULL and a message in err):
 *  - the result may not exceed max_bytes (its compact JSON), nor nest
 *    deeper than PATCH_MAX_DEPTH, which cJSON_Parse could not read back;
 *  - JSON patch: at most PATCH_JSON_MAX_OPS operations, and the values its
 *    "copy" operations duplicate may add up to max_bytes at most
 *    (upstream's AccumulatedCopySizeLimit, set from the same limit);
 *  - the work a patch does (elements walked, keys indexed) may not exceed
 *    PATCH_WORK_FACTOR per node of orig and patch (plus PATCH_WORK_MIN),
 *    which only patches built to be slow reach (the same path walked by
 *    thousands of operations, one list element merged over and over).
 * Merge and strategic merge results never exceed orig + patch: every patch
 * value is copied into the result at most once.
 *
 * Worst-case cost, n = nodes of orig + nodes of patch: O(n log n) time and
 * O(n) memory for merge and strategic merge patch; O(n + max_bytes) memory
 * and O(PATCH_WORK_FACTOR * n) time for JSON patch.
 */
#ifndef SKIFF_PATCH_H
#define SKIFF_PATCH_H

#include <stddef.h>
#include <cjson/cJSON.h>

enum patch_type {
	PATCH_MERGE,	 /* application/merge-patch+json */
	PATCH_STRATEGIC, /* application/strategic-merge-patch+json */
	PATCH_JSON,	 /* application/json-patch+json */
};

/* Upstream's maxJSONPatchOperations. */
#define PATCH_JSON_MAX_OPS 10000
/* Containers on the deepest path of a result: cJSON_Parse's own limit, so
 * that whatever a patch produces can be stored and read back. */
#define PATCH_MAX_DEPTH CJSON_NESTING_LIMIT
/* Steps of work allowed per input node, and at least (a legitimate patch
 * touches each node of its object a few times). */
#define PATCH_WORK_FACTOR 32
#define PATCH_WORK_MIN	  (1u << 20)

/* Apply patch to orig (NULL: no object). kind selects the strategic merge
 * keys ("Service", "Deployment", ...; ignored by the other types). On
 * success *out is the new object (caller frees) and 0 is returned; else
 * *out is NULL and:
 *   -E2BIG   too large: result over max_bytes, more than
 *            PATCH_JSON_MAX_OPS operations, or the work budget spent
 *            (answer 413 RequestEntityTooLarge);
 *   -EINVAL  the patch is invalid or does not apply, the copy limit
 *            included, as upstream (answer 422 Invalid);
 *   -ENOMEM  out of memory (answer 500).
 * err gets upstream's wording where upstream has one. */
int patch_apply(enum patch_type type, const cJSON *orig, const cJSON *patch, const char *kind,
		size_t max_bytes, cJSON **out, char *err, size_t errlen);

/* The three entry points callers used before the size limit existed: each
 * is patch_apply with max_bytes PATCH_DEFAULT_MAX_BYTES (skiff-server's
 * default --max-request-bytes), returning the object or NULL. */
#define PATCH_DEFAULT_MAX_BYTES (3u << 20)
cJSON *patch_merge(const cJSON *orig, const cJSON *patch, char *err, size_t errlen);
cJSON *patch_strategic(const cJSON *orig, const cJSON *patch, const char *kind, char *err,
		       size_t errlen);
cJSON *patch_json(const cJSON *orig, const cJSON *patch, char *err, size_t errlen);

#endif
