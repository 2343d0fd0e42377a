/* create -f FILE: POST every object of the manifest. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"

/* Print the outcome of a write as kubectl does: "service/web created",
 * or the returned object with -o json|yaml, or "service/web" with -o name. */
void ctl_report_write(const struct ctl_opts *o, const struct ctl_resource *r, const cJSON *obj,
		      const char *name, const char *what)
{
	char tn[128];

	if ((o->out == CTL_OUT_JSON || o->out == CTL_OUT_YAML) && obj) {
		ctl_print_object(o, obj);
		return;
	}
	ctl_resource_typename(r, tn, sizeof(tn));
	if (o->out == CTL_OUT_NAME)
		printf("%s/%s\n", tn, name);
	else
		printf("%s/%s %s\n", tn, name, what);
}

/* Name of the object the server answered with (generateName fills it). */
const char *ctl_obj_name(const cJSON *obj, const char *fallback)
{
	const cJSON *md = cJSON_GetObjectItemCaseSensitive(obj, "metadata");
	const cJSON *n = cJSON_GetObjectItemCaseSensitive(md, "name");

	return cJSON_IsString(n) ? n->valuestring : fallback ? fallback : "";
}

/* POST obj (the manifest's object, or apply's annotated copy) and report
 * "<kind>/<name> created". Shared by create and apply. */
int ctl_create_obj(struct ctl_opts *o, const char *file, const struct ctl_manifest *m,
		   const cJSON *obj)
{
	char *path = ctl_resource_path(m->res, m->ns, NULL, NULL), ctx[512];
	struct kresp resp;
	cJSON *got;
	int rc;

	if (!path)
		return ctl_err(o, "out of memory");
	rc = ctl_call(o, "POST", path, "application/json", obj, NULL, &resp);
	free(path);
	if (rc)
		return rc;
	if (resp.status != 201 && resp.status != 200) {
		snprintf(ctx, sizeof(ctx), "error when creating \"%s\": ", file);
		rc = ctl_err_status(o, resp.status, resp.body, ctx);
		kresp_free(&resp);
		return rc;
	}
	got = cJSON_Parse(resp.body);
	kresp_free(&resp);
	ctl_report_write(o, m->res, got, ctl_obj_name(got, m->name), "created");
	cJSON_Delete(got);
	return 0;
}

int cmd_create(int argc, char **argv, struct ctl_opts *o)
{
	struct ctl_manifest *m;
	int n, rc = 0;

	if (argc > 1)
		return ctl_err(o, "unexpected argument for create: %s (use create -f FILE)",
			       argv[1]);
	if (!o->file)
		return ctl_err(o, "must specify -f FILE to create");
	if (ctl_manifests_load(o, o->file, &m, &n))
		return 1;
	for (int i = 0; i < n; i++)
		rc |= ctl_create_obj(o, o->file, &m[i], m[i].obj);
	ctl_manifests_free(m, n);
	return rc;
}
