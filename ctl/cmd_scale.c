/* scale deployment <name> --replicas=N: merge-patch the /scale
 * subresource, as kubectl does (k8s-api.md §6.6). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"

int cmd_scale(int argc, char **argv, struct ctl_opts *o)
{
	const char *rname = NULL, *name = NULL, *rep = NULL;
	const struct ctl_resource *r;
	char *tbuf = NULL, *path = NULL, *end, tn[128];
	struct kresp resp;
	cJSON *patch;
	long n;
	int rc;

	for (int i = 1; i < argc; i++) {
		const char *v;

		if ((v = ctl_flag_value(argc, argv, &i, "--replicas"))) {
			rep = v;
		} else if (argv[i][0] == '-') {
			return ctl_err(o, "unknown flag for scale: %s", argv[i]);
		} else if (!rname) {
			rname = argv[i];
		} else if (!name) {
			name = argv[i];
		} else {
			return ctl_err(o, "unexpected argument for scale: %s", argv[i]);
		}
	}
	if (!rep)
		return ctl_err(o, "required flag(s) \"replicas\" not set");
	errno = 0;
	n = strtol(rep, &end, 10);
	if (errno || *end || end == rep || n < 0 || n > 0x7fffffff)
		return ctl_err(o, "invalid argument \"%s\" for \"--replicas\" flag", rep);
	if (!rname)
		return ctl_err(o, "you must specify the type of resource to scale "
				  "(scale deployment NAME --replicas=N)");
	if (!name && strchr(rname, '/')) {
		tbuf = strdup(rname);
		name = strchr(tbuf, '/') + 1;
		*strchr(tbuf, '/') = '\0';
		rname = tbuf;
	}
	r = ctl_resource_find(rname);
	if (!r) {
		rc = ctl_err(o, "the server doesn't have a resource type \"%s\"", rname);
		goto out;
	}
	if (strcmp(r->plural, "deployments") && strcmp(r->plural, "replicasets") &&
	    strcmp(r->plural, "statefulsets")) {
		rc = ctl_err(o,
			     "cannot scale %s: only deployments, replicasets and statefulsets "
			     "have a scale subresource",
			     r->plural);
		goto out;
	}
	if (!name || !name[0]) {
		rc = ctl_err(o, "resource(s) were provided, but no name was specified");
		goto out;
	}
	if (!ctl_client(o)) {
		rc = 1;
		goto out;
	}
	path = ctl_resource_path(r, ctl_namespace(o), name, "scale");
	patch = cJSON_CreateObject();
	cJSON_AddNumberToObject(cJSON_AddObjectToObject(patch, "spec"), "replicas", (double)n);
	rc = ctl_call(o, "PATCH", path, "application/merge-patch+json", patch, NULL, &resp);
	cJSON_Delete(patch);
	if (rc)
		goto out;
	if (resp.status != 200) {
		rc = ctl_err_status(o, resp.status, resp.body, NULL);
	} else if (o->out == CTL_OUT_JSON || o->out == CTL_OUT_YAML) {
		cJSON *scale = cJSON_Parse(resp.body);

		rc = scale ? ctl_print_object(o, scale)
			   : ctl_err(o, "the server sent an answer that is not JSON");
		cJSON_Delete(scale);
	} else {
		ctl_resource_typename(r, tn, sizeof(tn));
		if (o->out == CTL_OUT_NAME)
			printf("%s/%s\n", tn, name);
		else
			printf("%s/%s scaled\n", tn, name);
	}
	kresp_free(&resp);
out:
	free(path);
	free(tbuf);
	return rc;
}
