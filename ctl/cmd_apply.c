/* apply -f FILE: kubectl's client-side apply. GET the object; if missing,
 * POST it with the last-applied-configuration annotation; if present,
 * compare with the last applied configuration and PATCH (merge-patch) the
 * three-way difference. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"

/* obj with metadata.annotations[last-applied] = its own configuration.
 * *config gets the configuration itself (without that annotation). */
static cJSON *ctl_apply_modified(const cJSON *obj, cJSON **config)
{
	cJSON *mod = cJSON_Duplicate(obj, 1), *md, *ann;
	char *text;

	md = cJSON_GetObjectItemCaseSensitive(mod, "metadata");
	ann = cJSON_GetObjectItemCaseSensitive(md, "annotations");
	if (!cJSON_IsObject(ann)) {
		cJSON_DeleteItemFromObjectCaseSensitive(md, "annotations");
		ann = cJSON_AddObjectToObject(md, "annotations");
	}
	/* As kubectl: the stored configuration has "annotations": {} rather
	 * than its own annotation. */
	cJSON_DeleteItemFromObjectCaseSensitive(ann, CTL_LAST_APPLIED);
	*config = cJSON_Duplicate(mod, 1);
	text = ctl_last_applied_text(mod);
	if (!text || !*config) {
		free(text);
		cJSON_Delete(mod);
		cJSON_Delete(*config);
		*config = NULL;
		return NULL;
	}
	cJSON_AddStringToObject(ann, CTL_LAST_APPLIED, text);
	free(text);
	return mod;
}

static const char *ctl_annotation(const cJSON *obj, const char *key)
{
	const cJSON *md = cJSON_GetObjectItemCaseSensitive(obj, "metadata");
	const cJSON *ann = cJSON_GetObjectItemCaseSensitive(md, "annotations");
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(ann, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static int ctl_apply_patch(struct ctl_opts *o, const char *file, struct ctl_manifest *m,
			   const char *path, const cJSON *mod, const cJSON *config,
			   const cJSON *cur)
{
	const char *last = ctl_annotation(cur, CTL_LAST_APPLIED);
	cJSON *original = last ? cJSON_Parse(last) : NULL, *patch, *got;
	char tn[128], ctx[512];
	struct kresp resp;
	int rc;

	ctl_resource_typename(m->res, tn, sizeof(tn));
	if (original && cJSON_Compare(original, config, true)) {
		cJSON_Delete(original);
		ctl_report_write(o, m->res, cur, m->name, "unchanged");
		return 0;
	}
	if (!last)
		fprintf(stderr,
			"Warning: %s/%s is missing the " CTL_LAST_APPLIED " annotation; "
			"it will be patched automatically.\n",
			tn, m->name);
	patch = ctl_three_way_patch(original, mod, cur);
	cJSON_Delete(original);
	if (!patch)
		return ctl_err(o, "out of memory");
	if (!patch->child) {
		cJSON_Delete(patch);
		ctl_report_write(o, m->res, cur, m->name, "unchanged");
		return 0;
	}
	rc = ctl_call(o, "PATCH", path, "application/merge-patch+json", patch, NULL, &resp);
	cJSON_Delete(patch);
	if (rc)
		return rc;
	if (resp.status != 200) {
		snprintf(ctx, sizeof(ctx), "error when applying patch to \"%s\": ", file);
		rc = ctl_err_status(o, resp.status, resp.body, ctx);
		kresp_free(&resp);
		return rc;
	}
	got = cJSON_Parse(resp.body);
	kresp_free(&resp);
	ctl_report_write(o, m->res, got, m->name, "configured");
	cJSON_Delete(got);
	return 0;
}

static int ctl_apply_one(struct ctl_opts *o, const char *file, struct ctl_manifest *m)
{
	cJSON *config = NULL, *mod, *cur;
	struct kresp resp;
	char *path, ctx[512];
	int rc;

	if (!m->name)
		return ctl_err(o,
			       "error when retrieving current configuration of %s from \"%s\": "
			       "resource name may not be empty",
			       m->res->kind, file);
	mod = ctl_apply_modified(m->obj, &config);
	path = ctl_resource_path(m->res, m->ns, m->name, NULL);
	if (!mod || !path) {
		rc = ctl_err(o, "out of memory");
		goto out;
	}
	rc = ctl_call(o, "GET", path, NULL, NULL, NULL, &resp);
	if (rc)
		goto out;
	if (resp.status == 404) {
		kresp_free(&resp);
		rc = ctl_create_obj(o, file, m, mod);
		goto out;
	}
	if (resp.status != 200) {
		snprintf(ctx, sizeof(ctx),
			 "error when retrieving current configuration from \"%s\": ", file);
		rc = ctl_err_status(o, resp.status, resp.body, ctx);
		kresp_free(&resp);
		goto out;
	}
	cur = cJSON_Parse(resp.body);
	kresp_free(&resp);
	if (!cur) {
		rc = ctl_err(o, "the server sent an answer that is not JSON");
		goto out;
	}
	rc = ctl_apply_patch(o, file, m, path, mod, config, cur);
	cJSON_Delete(cur);
out:
	free(path);
	cJSON_Delete(mod);
	cJSON_Delete(config);
	return rc;
}

int cmd_apply(int argc, char **argv, struct ctl_opts *o)
{
	struct ctl_manifest *m;
	int n, rc = 0;

	if (argc > 1)
		return ctl_err(o, "unexpected argument for apply: %s (use apply -f FILE)", argv[1]);
	if (!o->file)
		return ctl_err(o, "must specify -f FILE to apply");
	if (ctl_manifests_load(o, o->file, &m, &n))
		return 1;
	/* Like kubectl, go on after a failed object and fail at the end. */
	for (int i = 0; i < n; i++)
		rc |= ctl_apply_one(o, o->file, &m[i]);
	ctl_manifests_free(m, n);
	return rc;
}
