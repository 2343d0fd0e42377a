/* res_types: the table of served resources and lookups over it. Each
 * struct res_type lives with its family (res_core.c, res_service.c,
 * res_endpoints.c, res_apps.c). */
#include <stdio.h>
#include <string.h>
#include "resource.h"

extern const struct res_type res_namespaces, res_services, res_endpoints, res_endpointslices,
    res_pods, res_nodes, res_events, res_deployments, res_replicasets, res_statefulsets;

/* Discovery lists resources in this order within each group version. */
const struct res_type *const res_types[] = {
    &res_namespaces, &res_services,	  &res_endpoints,   &res_pods,	      &res_nodes,
    &res_events,     &res_endpointslices, &res_deployments, &res_replicasets, &res_statefulsets,
};
const int res_ntypes = (int)(sizeof(res_types) / sizeof(res_types[0]));

const struct res_type *res_lookup(const char *group, const char *version, const char *plural)
{
	if (!group || !version || !plural)
		return NULL;
	for (int i = 0; i < res_ntypes; i++) {
		const struct res_type *rt = res_types[i];

		if (!strcmp(rt->group, group) && !strcmp(rt->version, version) &&
		    !strcmp(rt->plural, plural))
			return rt;
	}
	return NULL;
}

const struct res_type *res_lookup_kind(const char *api_version, const char *kind)
{
	if (!api_version || !kind)
		return NULL;
	for (int i = 0; i < res_ntypes; i++) {
		const struct res_type *rt = res_types[i];

		if (!strcmp(rt->api_version, api_version) && !strcmp(rt->kind, kind))
			return rt;
	}
	return NULL;
}

/* Qualified names of the non-core resources (constant, so no locking). */
static const struct {
	const struct res_type *rt;
	const char *name;
} res_qnames[] = {
    {&res_endpointslices, "endpointslices.discovery.k8s.io"},
    {&res_deployments, "deployments.apps"},
    {&res_replicasets, "replicasets.apps"},
    {&res_statefulsets, "statefulsets.apps"},
};

const char *res_qualified(const struct res_type *rt)
{
	for (size_t i = 0; i < sizeof(res_qnames) / sizeof(res_qnames[0]); i++)
		if (res_qnames[i].rt == rt)
			return res_qnames[i].name;
	return rt->plural;
}
