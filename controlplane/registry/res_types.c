/* res_types: the table of served resources and lookups over it. Each
 * struct res_type lives with its family (res_core.c, res_service.c,
 * res_endpoints.c, res_apps.c, res_config.c, res_coordination.c). */
#include <stdio.h>
#include <string.h>
#include "resource.h"

extern const struct res_type res_namespaces, res_services, res_endpoints, res_endpointslices,
    res_pods, res_nodes, res_events, res_deployments, res_replicasets, res_statefulsets,
    res_configmaps, res_secrets, res_serviceaccounts, res_leases;
extern const struct res_type res_jobs, res_cronjobs, res_controllerrevisions, res_resourcequotas,
    res_limitranges, res_replicationcontrollers, res_hpa_v2, res_hpa_v1, res_events_v1,
    res_daemonsets, res_persistentvolumes, res_persistentvolumeclaims, res_storageclasses;
extern const struct res_type res_roles, res_clusterroles, res_rolebindings,
    res_clusterrolebindings, res_selfsubjectaccessreviews, res_selfsubjectrulesreviews,
    res_subjectaccessreviews, res_localsubjectaccessreviews, res_selfsubjectreviews,
    res_selfsubjectreviews_v1beta1, res_tokenreviews;

/* Discovery lists resources in this order within each group version, and
 * a group's versions in the order they first appear (the first preferred:
 * autoscaling/v2 before v1). */
const struct res_type *const res_types[] = {
    &res_namespaces,
    &res_services,
    &res_endpoints,
    &res_pods,
    &res_nodes,
    &res_persistentvolumes,
    &res_persistentvolumeclaims,
    &res_events,
    &res_endpointslices,
    &res_deployments,
    &res_replicasets,
    &res_statefulsets,
    &res_configmaps,
    &res_secrets,
    &res_serviceaccounts,
    &res_leases,
    &res_storageclasses,
    &res_daemonsets,
    &res_resourcequotas,
    &res_limitranges,
    &res_replicationcontrollers,
    &res_controllerrevisions,
    &res_jobs,
    &res_cronjobs,
    &res_hpa_v2,
    &res_hpa_v1,
    &res_events_v1,
    &res_clusterroles,
    &res_clusterrolebindings,
    &res_roles,
    &res_rolebindings,
    &res_selfsubjectreviews,
    &res_selfsubjectreviews_v1beta1,
    &res_tokenreviews,
    &res_localsubjectaccessreviews,
    &res_selfsubjectaccessreviews,
    &res_selfsubjectrulesreviews,
    &res_subjectaccessreviews,
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
    {&res_leases, "leases.coordination.k8s.io"},
    {&res_storageclasses, "storageclasses.storage.k8s.io"},
    {&res_daemonsets, "daemonsets.apps"},
    {&res_controllerrevisions, "controllerrevisions.apps"},
    {&res_jobs, "jobs.batch"},
    {&res_cronjobs, "cronjobs.batch"},
    {&res_hpa_v2, "horizontalpodautoscalers.autoscaling"},
    {&res_hpa_v1, "horizontalpodautoscalers.autoscaling"},
    {&res_events_v1, "events.events.k8s.io"},
    {&res_roles, "roles.rbac.authorization.k8s.io"},
    {&res_clusterroles, "clusterroles.rbac.authorization.k8s.io"},
    {&res_rolebindings, "rolebindings.rbac.authorization.k8s.io"},
    {&res_clusterrolebindings, "clusterrolebindings.rbac.authorization.k8s.io"},
    {&res_selfsubjectaccessreviews, "selfsubjectaccessreviews.authorization.k8s.io"},
    {&res_selfsubjectrulesreviews, "selfsubjectrulesreviews.authorization.k8s.io"},
    {&res_subjectaccessreviews, "subjectaccessreviews.authorization.k8s.io"},
    {&res_localsubjectaccessreviews, "localsubjectaccessreviews.authorization.k8s.io"},
    {&res_selfsubjectreviews, "selfsubjectreviews.authentication.k8s.io"},
    {&res_selfsubjectreviews_v1beta1, "selfsubjectreviews.authentication.k8s.io"},
    {&res_tokenreviews, "tokenreviews.authentication.k8s.io"},
};

const char *res_qualified(const struct res_type *rt)
{
	for (size_t i = 0; i < sizeof(res_qnames) / sizeof(res_qnames[0]); i++)
		if (res_qnames[i].rt == rt)
			return res_qnames[i].name;
	return rt->plural;
}

const struct res_type *res_stored(const struct res_type *rt)
{
	return rt->storage ? rt->storage : rt;
}

/* obj[key] = val, replaced where it stands (TypeMeta stays first). */
static void res_set_str(cJSON *obj, const char *key, const char *val)
{
	if (cJSON_GetObjectItemCaseSensitive(obj, key))
		cJSON_ReplaceItemInObjectCaseSensitive(obj, key, cJSON_CreateString(val));
	else
		cJSON_AddStringToObject(obj, key, val);
}

static void res_set_typemeta(const struct res_type *rt, cJSON *obj)
{
	res_set_str(obj, "kind", rt->kind);
	res_set_str(obj, "apiVersion", rt->api_version);
}

void res_view(const struct res_type *rt, cJSON *obj)
{
	if (!rt->storage || !cJSON_IsObject(obj))
		return;
	rt->from_storage(obj);
	res_set_typemeta(rt, obj);
}

void res_unview(const struct res_type *rt, cJSON *obj)
{
	if (!rt->storage || !cJSON_IsObject(obj))
		return;
	rt->to_storage(obj);
	res_set_typemeta(rt->storage, obj);
}

char *res_view_text(const struct res_type *rt, const char *stored)
{
	cJSON *obj = cJSON_Parse(stored);
	char *s;

	if (!obj)
		return NULL;
	res_view(rt, obj);
	s = cJSON_PrintUnformatted(obj);
	cJSON_Delete(obj);
	return s;
}
