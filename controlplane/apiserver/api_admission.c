/* api_admission: mutating admission plugins that need the store (the
 * type hooks of registry/ see only the object). DefaultStorageClass: a
 * PersistentVolumeClaim created without spec.storageClassName gets the
 * default StorageClass's name (the class annotated
 * storageclass.kubernetes.io/is-default-class=true; of several, the
 * newest, then the first by name, as upstream's GetDefaultClass). An
 * empty storageClassName is an explicit "no class" and stays. */
#include <stdio.h>
#include <string.h>
#include "api.h"

#define ADM_DEFAULT_ANN	     "storageclass.kubernetes.io/is-default-class"
#define ADM_DEFAULT_ANN_BETA "storageclass.beta.kubernetes.io/is-default-class"

struct adm_class {
	char name[254];
	char created[40];
};

static bool adm_is_default(const cJSON *sc)
{
	const cJSON *ann = json_at(sc, "metadata.annotations");
	/* by member, not json_str: the keys hold dots */
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(ann, ADM_DEFAULT_ANN);

	if (!v)
		v = cJSON_GetObjectItemCaseSensitive(ann, ADM_DEFAULT_ANN_BETA);
	return cJSON_IsString(v) && !strcmp(v->valuestring, "true");
}

static void adm_class_cb(void *ud, const struct store_kv *kv)
{
	struct adm_class *best = ud;
	cJSON *sc = cJSON_Parse(kv->value);
	const char *name = json_str(sc, "metadata.name");
	const char *ts = json_str(sc, "metadata.creationTimestamp") ?: "";

	/* RFC 3339 UTC timestamps order as strings */
	if (name && adm_is_default(sc) &&
	    (!best->name[0] || strcmp(ts, best->created) > 0 ||
	     (!strcmp(ts, best->created) && strcmp(name, best->name) < 0))) {
		snprintf(best->name, sizeof(best->name), "%s", name);
		snprintf(best->created, sizeof(best->created), "%s", ts);
	}
	cJSON_Delete(sc);
}

void api_admit_create_defaults(struct api *a, const struct res_type *rt, cJSON *obj)
{
	struct adm_class best = {.name = ""};
	cJSON *spec;

	if (strcmp(rt->plural, "persistentvolumeclaims") || rt->group[0])
		return;
	spec = cJSON_GetObjectItemCaseSensitive(obj, "spec");
	if (!cJSON_IsObject(spec))
		return;
	if (cJSON_IsString(cJSON_GetObjectItemCaseSensitive(spec, "storageClassName")))
		return;
	store_list(a->store, "/registry/storageclasses/", adm_class_cb, &best);
	if (!best.name[0])
		return;
	cJSON_DeleteItemFromObjectCaseSensitive(spec, "storageClassName");
	cJSON_AddStringToObject(spec, "storageClassName", best.name);
}
