/* libFuzzer harness over skiff-server's request parsing: the request path
 * (api_route), label and field selectors (parse + match), JSON bodies
 * through every resource type's defaults/validate/table_cells, and the
 * three patch flavours on a parsed object.
 *
 * Input layout: up to five parts separated by NUL bytes
 *   path \0 labelSelector \0 fieldSelector \0 body-json \0 patch-json
 * A missing part is empty. Each stage mimics what the API layer does with
 * a request, so a crash here is a crash a client could cause.
 *
 * FUZZ_SOURCES lists what the harness links; none of it needs libmicrohttpd,
 * sqlite or libev.
 */
/* clang-format off */
/* FUZZ_SOURCES: controlplane/apiserver/api_route.c controlplane/registry/res_types.c controlplane/registry/res_core.c controlplane/registry/res_service.c controlplane/registry/res_endpoints.c controlplane/registry/res_apps.c controlplane/registry/res_podspec.c controlplane/registry/res_table.c controlplane/registry/res_util.c controlplane/registry/verrs.c lib/jcmp.c controlplane/patch/patch.c controlplane/patch/patch_idx.c controlplane/patch/patch_schema.c controlplane/patch/patch_smp.c lib/selector.c lib/selector_labels.c lib/selector_fields.c lib/json_path.c lib/selector_valid.c */
/* clang-format on */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cjson/cJSON.h>
#include "apiserver/api.h"
#include "patch/patch.h"
#include "registry/resource.h"
#include "selector.h"

#define FUZZ_PARTS 5

/* A fixed "now" keeps Age cells deterministic across runs. */
#define FUZZ_NOW ((time_t)1700000000)

static void fuzz_route(const char *path)
{
	struct api_target t;

	if (api_route(path, &t))
		return;
	/* invariants the dispatcher relies on */
	if (!t.rt)
		abort();
	if (t.has_name && t.rt->namespaced && !t.has_ns)
		abort();
	if (t.has_ns && !t.rt->namespaced)
		abort();
	if (strnlen(t.ns, sizeof(t.ns)) == sizeof(t.ns) ||
	    strnlen(t.name, sizeof(t.name)) == sizeof(t.name) ||
	    strnlen(t.sub, sizeof(t.sub)) == sizeof(t.sub))
		abort();
}

/* The object a request body becomes after api_parse_body: an object with
 * an object metadata (NULL if the API would have refused it with 400). */
static cJSON *fuzz_body(const char *s, size_t len)
{
	cJSON *obj = cJSON_ParseWithLength(s, len), *md;

	if (!cJSON_IsObject(obj)) {
		cJSON_Delete(obj);
		return NULL;
	}
	md = cJSON_GetObjectItemCaseSensitive(obj, "metadata");
	if (md && !cJSON_IsObject(md)) {
		cJSON_Delete(obj);
		return NULL;
	}
	if (!md)
		cJSON_AddItemToObject(obj, "metadata", cJSON_CreateObject());
	return obj;
}

/* defaults + validate like create (old NULL) or update; the Table row only
 * for objects that would have been stored. Returns true if valid. */
static bool fuzz_type(const struct res_type *rt, cJSON *obj, const cJSON *old)
{
	struct verrs e = {0};
	cJSON *cols, *cells;

	if (rt->defaults)
		rt->defaults(obj);
	rt->validate(obj, old, &e);
	if (e.n < 0 || e.n > VERRS_MAX)
		abort();
	if (e.n)
		return false;
	cols = rt->table_columns();
	cells = rt->table_cells(obj, FUZZ_NOW);
	/* kubectl needs one cell per column */
	if (cJSON_GetArraySize(cols) != cJSON_GetArraySize(cells))
		abort();
	cJSON_Delete(cols);
	cJSON_Delete(cells);
	return true;
}

static void fuzz_selectors(const struct res_type *rt, const char *ls_s, const char *fs_s,
			   const cJSON *obj)
{
	struct selector *ls = NULL, *fs = NULL;
	const cJSON *md = cJSON_GetObjectItemCaseSensitive(obj, "metadata");
	char err[512];

	if (sel_parse_labels(ls_s, &ls, err, sizeof(err)) == 0) {
		sel_match_labels(ls, md ? cJSON_GetObjectItemCaseSensitive(md, "labels") : NULL);
		sel_match_labels(ls, NULL);
	} else if (!err[0]) {
		abort(); /* a refused selector must say why (400 message) */
	}
	if (sel_parse_fields(fs_s, rt->field_selectors, rt->plural, &fs, err, sizeof(err)) == 0) {
		if (obj)
			sel_match_fields(fs, obj);
		sel_field_equals(fs, "metadata.name");
	} else if (!err[0]) {
		abort();
	}
	sel_free(ls);
	sel_free(fs);
}

/* Service spec.selector round trip (Table cell and the endpoints match). */
static void fuzz_selector_map(const cJSON *obj)
{
	const cJSON *spec = cJSON_GetObjectItemCaseSensitive(obj, "spec");
	const cJSON *map = cJSON_GetObjectItemCaseSensitive(spec, "selector");
	struct selector *sel;
	char *s;

	if (!cJSON_IsObject(map))
		return;
	sel = sel_from_map(map);
	s = sel_map_string(map);
	sel_match_labels(sel, map);
	free(s);
	sel_free(sel);
}

/* Patch `stored` with all three flavours. If it is a valid stored object
 * (typed), the results also go through the update path's defaults and
 * validation; otherwise only the generic JSON patch code runs. */
static void fuzz_patches(const struct res_type *rt, const cJSON *stored, bool typed, const char *p,
			 size_t len)
{
	cJSON *patch = cJSON_ParseWithLength(p, len), *res;
	char err[512];

	if (!patch)
		return;
	for (int kind = 0; kind < 3; kind++) {
		err[0] = 0;
		if (kind == 0)
			res = patch_merge(stored, patch, err, sizeof(err));
		else if (kind == 1)
			res = patch_strategic(stored, patch, rt->kind, err, sizeof(err));
		else
			res = patch_json(stored, patch, err, sizeof(err));
		if (typed && cJSON_IsObject(res))
			fuzz_type(rt, res, stored);
		cJSON_Delete(res);
	}
	cJSON_Delete(patch);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size + 1);
	const char *part[FUZZ_PARTS];
	size_t plen[FUZZ_PARTS];
	const struct res_type *rt;
	struct api_target t;
	size_t off = 0;
	cJSON *body;
	int n = 0;

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = 0;
	while (n < FUZZ_PARTS) {
		size_t l = strnlen(buf + off, size - off);

		part[n] = buf + off;
		plen[n++] = l;
		off += l + 1;
		if (off > size)
			break;
	}
	for (int i = n; i < FUZZ_PARTS; i++) {
		part[i] = "";
		plen[i] = 0;
	}

	fuzz_route(part[0]);
	/* the resource the selectors and body go to: the routed one, or one
	 * picked by the path's first byte so every type gets traffic */
	if (api_route(part[0], &t) == 0)
		rt = t.rt;
	else
		rt = res_types[(size ? data[0] : 0) % res_ntypes];

	body = fuzz_body(part[3], plen[3]);
	fuzz_selectors(rt, part[1], part[2], body);
	if (body) {
		bool stored = false;

		fuzz_selector_map(body);
		for (int i = 0; i < res_ntypes; i++) {
			cJSON *copy = cJSON_Duplicate(body, true);

			if (fuzz_type(res_types[i], copy, NULL) && res_types[i] == rt) {
				/* a stored object: patch it like PATCH would */
				fuzz_patches(rt, copy, true, part[4], plen[4]);
				stored = true;
			}
			cJSON_Delete(copy);
		}
		if (!stored)
			fuzz_patches(rt, body, false, part[4], plen[4]);
	}
	cJSON_Delete(body);
	free(buf);
	return 0;
}
