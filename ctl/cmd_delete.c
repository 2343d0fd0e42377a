/* delete <resource> <name>... | delete -f FILE */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"

static int ctl_delete_one(struct ctl_opts *o, const struct ctl_resource *r, const char *ns,
			  const char *name)
{
	char *path = ctl_resource_path(r, ns, name, NULL), tn[128];
	cJSON *body = cJSON_CreateObject();
	struct kresp resp;
	int rc;

	/* kubectl's body: dependents are removed in the background. */
	cJSON_AddStringToObject(body, "propagationPolicy", "Background");
	rc = path ? ctl_call(o, "DELETE", path, "application/json", body, NULL, &resp)
		  : ctl_err(o, "out of memory");
	cJSON_Delete(body);
	free(path);
	if (rc)
		return rc;
	if (resp.status != 200 && resp.status != 202) {
		rc = ctl_err_status(o, resp.status, resp.body, NULL);
		kresp_free(&resp);
		return rc;
	}
	kresp_free(&resp);
	ctl_resource_typename(r, tn, sizeof(tn));
	if (o->out == CTL_OUT_NAME)
		printf("%s/%s\n", tn, name);
	else if (o->out == CTL_OUT_JSON || o->out == CTL_OUT_YAML) {
		cJSON *j = cJSON_CreateObject();
		char full[512];

		snprintf(full, sizeof(full), "%s/%s", tn, name);
		cJSON_AddStringToObject(j, "deleted", full);
		ctl_print_object(o, j);
		cJSON_Delete(j);
	} else
		printf("%s \"%s\" deleted\n", tn, name);
	return 0;
}

static int ctl_delete_file(struct ctl_opts *o)
{
	struct ctl_manifest *m;
	int n, rc = 0;

	if (ctl_manifests_load(o, o->file, &m, &n))
		return 1;
	for (int i = 0; i < n; i++) {
		if (!m[i].name) {
			rc |= ctl_err(o, "resource name may not be empty (in \"%s\")", o->file);
			continue;
		}
		rc |= ctl_delete_one(o, m[i].res, m[i].ns, m[i].name);
	}
	ctl_manifests_free(m, n);
	return rc;
}

int cmd_delete(int argc, char **argv, struct ctl_opts *o)
{
	const struct ctl_resource *r;
	const char *ns;
	int rc = 0, i;

	for (i = 1; i < argc; i++)
		if (argv[i][0] == '-')
			return ctl_err(o, "unknown flag for delete: %s", argv[i]);
	if (o->file) {
		if (argc > 1)
			return ctl_err(o, "unexpected argument with -f: %s", argv[1]);
		return ctl_delete_file(o);
	}
	if (argc < 2)
		return ctl_err(o, "you must provide one or more resources by argument or filename "
				  "(delete <resource> <name> or delete -f FILE)");
	if (strchr(argv[1], '/')) {
		/* delete svc/a deploy/b */
		for (i = 1; i < argc; i++) {
			char *t = strdup(argv[i]), *slash = t ? strchr(t, '/') : NULL;

			if (!slash || !slash[1]) {
				free(t);
				rc |= ctl_err(o,
					      "arguments in resource/name form must have a single "
					      "resource and name: %s",
					      argv[i]);
				continue;
			}
			*slash = '\0';
			r = ctl_resource_find(t);
			if (!r)
				rc |=
				    ctl_err(o, "the server doesn't have a resource type \"%s\"", t);
			else if (ctl_client(o))
				rc |= ctl_delete_one(o, r, r->namespaced ? ctl_namespace(o) : NULL,
						     slash + 1);
			else
				rc = 1;
			free(t);
		}
		return rc;
	}
	r = ctl_resource_find(argv[1]);
	if (!r)
		return ctl_err(o, "the server doesn't have a resource type \"%s\"", argv[1]);
	if (argc < 3)
		return ctl_err(o, "resource(s) were provided, but no name was specified");
	if (!ctl_client(o))
		return 1;
	ns = r->namespaced ? ctl_namespace(o) : NULL;
	for (i = 2; i < argc; i++)
		rc |= ctl_delete_one(o, r, ns, argv[i]);
	return rc;
}
