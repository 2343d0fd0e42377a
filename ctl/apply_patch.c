/* apply_patch: kubectl's client-side three-way JSON merge patch.
 *
 * original = the last-applied configuration (what we applied before),
 * modified = the configuration being applied now,
 * current  = the live object.
 * The patch sets every key of modified whose value differs from current
 * (recursing into maps, replacing lists whole) and deletes (null) every key
 * that was in original but is gone from modified. Keys only the server
 * set (status, clusterIP, defaults) are left alone.
 */
#include <stdlib.h>
#include <string.h>

#include "ctl.h"

static void ctl_twp_build(cJSON *patch, const cJSON *orig, const cJSON *mod, const cJSON *cur)
{
	const cJSON *mv, *ov;

	cJSON_ArrayForEach(mv, mod)
	{
		const cJSON *cv = cJSON_GetObjectItemCaseSensitive(cur, mv->string);

		if (cJSON_IsObject(mv) && cJSON_IsObject(cv)) {
			const cJSON *o = cJSON_GetObjectItemCaseSensitive(orig, mv->string);
			cJSON *sub = cJSON_CreateObject();

			ctl_twp_build(sub, cJSON_IsObject(o) ? o : NULL, mv, cv);
			if (sub->child)
				cJSON_AddItemToObject(patch, mv->string, sub);
			else
				cJSON_Delete(sub);
		} else if (!cv || !cJSON_Compare(mv, cv, true)) {
			cJSON_AddItemToObject(patch, mv->string, cJSON_Duplicate(mv, 1));
		}
	}
	cJSON_ArrayForEach(ov, orig)
	{
		/* Dropped from the configuration: delete it (if still there). */
		if (!cJSON_GetObjectItemCaseSensitive(mod, ov->string) &&
		    cJSON_GetObjectItemCaseSensitive(cur, ov->string))
			cJSON_AddNullToObject(patch, ov->string);
	}
}

cJSON *ctl_three_way_patch(const cJSON *original, const cJSON *modified, const cJSON *current)
{
	cJSON *patch = cJSON_CreateObject();

	if (patch)
		ctl_twp_build(patch, cJSON_IsObject(original) ? original : NULL, modified, current);
	return patch;
}

static int ctl_sort_cmp(const void *a, const void *b)
{
	return strcmp((*(cJSON *const *)a)->string, (*(cJSON *const *)b)->string);
}

/* Sort object keys in place, recursively. */
static void ctl_json_sort(cJSON *v)
{
	cJSON **kids, *c;
	int n = 0, i;

	for (c = v->child; c; c = c->next) {
		ctl_json_sort(c);
		n++;
	}
	if (!cJSON_IsObject(v) || n < 2)
		return;
	kids = calloc(n, sizeof(*kids));
	if (!kids)
		return;
	for (i = 0, c = v->child; c; c = c->next)
		kids[i++] = c;
	qsort(kids, n, sizeof(*kids), ctl_sort_cmp);
	/* Relink: cJSON keeps siblings in a list whose head's prev is the tail. */
	for (i = 0; i < n; i++) {
		kids[i]->prev = i ? kids[i - 1] : kids[n - 1];
		kids[i]->next = i + 1 < n ? kids[i + 1] : NULL;
	}
	v->child = kids[0];
	free(kids);
}

char *ctl_last_applied_text(const cJSON *obj)
{
	cJSON *d = cJSON_Duplicate(obj, 1);
	char *s, *out = NULL;

	if (!d)
		return NULL;
	ctl_json_sort(d);
	s = cJSON_PrintUnformatted(d);
	cJSON_Delete(d);
	/* kubectl stores the JSON with a trailing newline (a Go encoder). */
	if (s && asprintf(&out, "%s\n", s) < 0)
		out = NULL;
	free(s);
	return out;
}
