/* api_table: meta.k8s.io/v1 Table answers for `kubectl get` (k8s-api.md §5). */
#include <string.h>
#include "api.h"

cJSON *api_table_new(const struct res_type *rt, bool with_columns)
{
	cJSON *t = cJSON_CreateObject();

	cJSON_AddStringToObject(t, "kind", "Table");
	cJSON_AddStringToObject(t, "apiVersion", "meta.k8s.io/v1");
	cJSON_AddItemToObject(t, "metadata", cJSON_CreateObject());
	if (with_columns)
		cJSON_AddItemToObject(t, "columnDefinitions", res_stored(rt)->table_columns());
	cJSON_AddArrayToObject(t, "rows");
	return t;
}

void api_table_add_row(cJSON *table, const struct res_type *rt, const cJSON *obj, time_t now)
{
	cJSON *rows = cJSON_GetObjectItemCaseSensitive(table, "rows");
	cJSON *row = cJSON_CreateObject();

	/* obj is the stored form: a view's rows are its storage's */
	cJSON_AddItemToObject(row, "cells", res_stored(rt)->table_cells(obj, now));
	/* PartialObjectMetadata: kubectl reads namespace, labels and kind from it */
	cJSON_AddItemToObject(row, "object", api_partial(obj, "meta.k8s.io/v1"));
	cJSON_AddItemToArray(rows, row);
}
