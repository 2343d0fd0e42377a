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

#include <stdbool.h>
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

/* --- server-side apply and field ownership (patch_apply.c) ---
 *
 * metadata.managedFields in upstream's encoding: one entry per manager,
 * operation (Apply or Update) and subresource, owning a set of fields in
 * FieldsV1. Lists merge by the strategic merge keys (patch_schema; the port
 * lists by port and protocol, as upstream's list-map-keys), selectors and
 * the other lists are replaced whole. Cost: O(n log n) in the nodes of both
 * objects, within the work budget of patch_apply; the paths of one request
 * may add up to PATCH_SSA_PATH_FACTOR times the objects' size plus
 * PATCH_SSA_PATH_MIN (paths repeat their prefixes: deep objects need room). */

/* Which part of an object a write owns: on the main resource of a type with
 * a status subresource the status is not written (nobody owns it there);
 * through /status only the status is. */
enum patch_ssa_scope {
	PATCH_SSA_ALL,
	PATCH_SSA_NO_STATUS,
	PATCH_SSA_STATUS,
};

#define PATCH_SSA_PATH_FACTOR 8
#define PATCH_SSA_PATH_MIN    (32u << 20)
/* Update entries kept apart; older ones are merged into one entry named
 * PATCH_SSA_OLD_UPDATES (upstream's DefaultMaxUpdateManagers and name). */
#define PATCH_SSA_MAX_UPDATE_MANAGERS 10
#define PATCH_SSA_OLD_UPDATES	      "ancient-changes"

struct patch_ssa {
	const char *kind;	 /* list merge keys (patch_schema) */
	const char *api_version; /* the entries' apiVersion */
	const char *manager;	 /* fieldManager */
	const char *subresource; /* "" or "status" */
	enum patch_ssa_scope scope;
	const char *now;  /* RFC 3339: the time of the entries this write changes */
	bool force;	  /* apply: take the conflicting fields */
	size_t max_bytes; /* apply: largest result (compact JSON); 0 = no limit */
};

/* Apply config (an object of the kind, metadata.managedFields absent) as
 * o->manager over live (NULL: the object is created). On success *out is
 * the merged object with its managedFields (caller frees): fields the
 * manager applied before and no longer applies are removed unless another
 * manager owns them; the entry's time changes only when the object does.
 * Errors (*out NULL):
 *   -EBUSY   conflicts: *conflicts is an array of {"manager": the manager
 *            as upstream prints it ("\"kubectl\"", "\"x\" using v1"),
 *            "field": ".spec.ports[port=80,protocol=\"TCP\"].targetPort"},
 *            sorted by manager (caller frees);
 *   -EINVAL  the configuration is not valid (err says why: duplicate list
 *            items, an item without its key);
 *   -E2BIG   the result or the work is over its limit; -ENOMEM. */
int patch_ssa_apply(const struct patch_ssa *o, const cJSON *live, const cJSON *config, cJSON **out,
		    cJSON **conflicts, char *err, size_t errlen);

/* Record a write that is not an apply (create: old NULL, update, patch) in
 * obj's metadata.managedFields, from old's: the fields it changed or added
 * become the Update entry of o->manager (stamped now), leaving the other
 * managers; the fields it removed leave every manager. 0, -E2BIG, -ENOMEM. */
int patch_ssa_update(const struct patch_ssa *o, const cJSON *old, cJSON *obj, char *err,
		     size_t errlen);

/* A path of a field set as upstream prints it in conflicts. */
void patch_ssa_path_string(const char *path, char *out, size_t len);

#endif
