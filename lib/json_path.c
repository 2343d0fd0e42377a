/* json_path: dotted-path lookups (see json_path.h). */
#include <stdbool.h>
#include <string.h>
#include "json_path.h"

const cJSON *json_at(const cJSON *o, const char *dotted)
{
	char key[256];

	while (o && *dotted) {
		const char *dot = strchr(dotted, '.');
		size_t n = dot ? (size_t)(dot - dotted) : strlen(dotted);

		if (!cJSON_IsObject(o) || n >= sizeof(key))
			return NULL;
		memcpy(key, dotted, n);
		key[n] = 0;
		o = cJSON_GetObjectItemCaseSensitive(o, key);
		dotted += n + (dot ? 1 : 0);
	}
	return cJSON_IsNull(o) ? NULL : o;
}

const char *json_str(const cJSON *o, const char *dotted)
{
	const cJSON *v = json_at(o, dotted);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

void json_copy_member(cJSON *obj, const cJSON *src, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(src, key);

	cJSON_DeleteItemFromObjectCaseSensitive(obj, key);
	if (v)
		cJSON_AddItemToObject(obj, key, cJSON_Duplicate(v, true));
}
