/* resource: the API resources skiffctl knows, their names and paths.
 * A static table rather than discovery: skiff-server serves exactly these. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ctl.h"

static const struct ctl_resource ctl_resources[] = {
    {"services", "service", "svc", "Service", "", "v1", true},
    {"endpoints", "endpoints", "ep", "Endpoints", "", "v1", true},
    {"endpointslices", "endpointslice", NULL, "EndpointSlice", "discovery.k8s.io",
     "discovery.k8s.io/v1", true},
    {"pods", "pod", "po", "Pod", "", "v1", true},
    {"nodes", "node", "no", "Node", "", "v1", false},
    {"namespaces", "namespace", "ns", "Namespace", "", "v1", false},
    {"events", "event", "ev", "Event", "", "v1", true},
    {"deployments", "deployment", "deploy", "Deployment", "apps", "apps/v1", true},
    {"replicasets", "replicaset", "rs", "ReplicaSet", "apps", "apps/v1", true},
    {"statefulsets", "statefulset", "sts", "StatefulSet", "apps", "apps/v1", true},
};

#define CTL_NRES (sizeof(ctl_resources) / sizeof(ctl_resources[0]))

const struct ctl_resource *ctl_resource_find(const char *name)
{
	char buf[128];
	const char *dot;

	/* "deployments.apps" / "svc.v1." style qualifiers: match the part
	 * before the first dot, then check the group if one was given. */
	dot = strchr(name, '.');
	snprintf(buf, sizeof(buf), "%.*s", dot ? (int)(dot - name) : (int)strlen(name), name);
	for (size_t i = 0; i < CTL_NRES; i++) {
		const struct ctl_resource *r = &ctl_resources[i];

		if (strcasecmp(buf, r->plural) && strcasecmp(buf, r->singular) &&
		    strcasecmp(buf, r->kind) && !(r->short_name && !strcasecmp(buf, r->short_name)))
			continue;
		if (dot && strcasecmp(dot + 1, r->group))
			continue;
		return r;
	}
	return NULL;
}

const struct ctl_resource *ctl_resource_by_kind(const char *api_version, const char *kind)
{
	if (!kind)
		return NULL;
	for (size_t i = 0; i < CTL_NRES; i++) {
		const struct ctl_resource *r = &ctl_resources[i];

		if (!strcmp(r->kind, kind) &&
		    (!api_version || !strcmp(r->api_version, api_version)))
			return r;
	}
	return NULL;
}

void ctl_resource_typename(const struct ctl_resource *r, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s%s", r->singular, r->group[0] ? "." : "", r->group);
}

void ctl_resource_qualified(const struct ctl_resource *r, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s%s", r->plural, r->group[0] ? "." : "", r->group);
}

char *ctl_resource_path(const struct ctl_resource *r, const char *ns, const char *name,
			const char *sub)
{
	char *p;
	int rc;

	rc = asprintf(&p, "/%s/%s%s%s/%s%s%s%s%s", r->group[0] ? "apis" : "api", r->api_version,
		      r->namespaced && ns ? "/namespaces/" : "", r->namespaced && ns ? ns : "",
		      r->plural, name ? "/" : "", name ? name : "", sub ? "/" : "", sub ? sub : "");
	return rc < 0 ? NULL : p;
}
