/* patch_schema: the strategic-merge-patch metadata upstream reads from Go
 * struct tags (patchStrategy/patchMergeKey), as a table per kind and path
 * (shared/k8s-api.md §6.4). Lists not listed here are replaced whole.
 */
#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include "patch_schema.h"

struct patch_rule {
	const char *path; /* dotted map keys from the object root; list levels add nothing */
	const char *key;  /* merge key; NULL for a list of scalars merged as a set */
};

/* Lists that merge in every kind (ObjectMeta and the common status shape).
 * finalizers: upstream ObjectMeta has patchStrategy=merge for it, and kubectl
 * sends $deleteFromPrimitiveList/finalizers plus only the added items. */
static const struct patch_rule patch_rules_any[] = {
    {"metadata.ownerReferences", "uid"},
    {"metadata.finalizers", NULL},
    {"status.conditions", "type"},
    {NULL, NULL},
};

static const struct patch_rule patch_rules_service[] = {
    {"spec.ports", "port"},
    {NULL, NULL},
};

static const struct patch_rule patch_rules_node[] = {
    {"status.addresses", "type"},
    {NULL, NULL},
};

/* Relative to a PodSpec. */
static const struct patch_rule patch_rules_podspec[] = {
    {"containers", "name"},
    {"initContainers", "name"},
    {"containers.ports", "containerPort"},
    {"initContainers.ports", "containerPort"},
    {"containers.env", "name"},
    {"initContainers.env", "name"},
    {"containers.volumeMounts", "mountPath"},
    {"initContainers.volumeMounts", "mountPath"},
    {"volumes", "name"},
    {"imagePullSecrets", "name"},
    {NULL, NULL},
};

/* Where each kind keeps its PodSpec. */
static const struct {
	const char *kind;
	const char *podspec;
} patch_podspec_at[] = {
    {"Pod", "spec"},
    {"Deployment", "spec.template.spec"},
    {"ReplicaSet", "spec.template.spec"},
    {"StatefulSet", "spec.template.spec"},
    {"DaemonSet", "spec.template.spec"},
    {"ReplicationController", "spec.template.spec"},
    {"Job", "spec.template.spec"},
};

static const struct patch_rule *patch_rule_find(const struct patch_rule *r, const char *path)
{
	for (; r->path; r++)
		if (!strcmp(r->path, path))
			return r;
	return NULL;
}

bool patch_schema_merge_list(const char *kind, const char *path, const char **key)
{
	const struct patch_rule *r = patch_rule_find(patch_rules_any, path);

	if (!kind)
		kind = "";
	if (!r && !strcmp(kind, "Service"))
		r = patch_rule_find(patch_rules_service, path);
	if (!r && !strcmp(kind, "Node"))
		r = patch_rule_find(patch_rules_node, path);
	for (size_t i = 0; !r && i < sizeof(patch_podspec_at) / sizeof(patch_podspec_at[0]); i++) {
		size_t n = strlen(patch_podspec_at[i].podspec);

		if (!strcmp(kind, patch_podspec_at[i].kind) &&
		    !strncmp(path, patch_podspec_at[i].podspec, n) && path[n] == '.')
			r = patch_rule_find(patch_rules_podspec, path + n + 1);
	}
	*key = r ? r->key : NULL;
	return r != NULL;
}
