/* ctrl_endpointslice_build: the pieces of an EndpointSlice the
 * endpointslice controller compares and writes — an endpoint of a pod
 * (upstream's podToEndpoint), the ports a pod resolves (getEndpointPorts),
 * the identities upstream hashes (of an endpoint, of a port list), and the
 * owner reference to the Service. Pure functions of the objects given. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "apiserver/api.h"
#include "controllers.h"

const char *eps_label(const cJSON *obj, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(json_at(obj, "metadata.labels"), name);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static int eps_strcmp_p(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* "name/protocol/port/appProtocol" of each port, sorted, ","-joined: a
 * port list's identity whatever its order (upstream's PortMapKey). */
char *eps_portkey(const cJSON *ports)
{
	int n = cJSON_GetArraySize(ports), i = 0;
	char **v = calloc((size_t)n + 1, sizeof(*v)), *out = NULL;
	size_t len = 1;
	const cJSON *p;

	if (!v)
		return NULL;
	cJSON_ArrayForEach(p, ports)
	{
		const cJSON *num = cJSON_GetObjectItemCaseSensitive(p, "port");
		char buf[700];

		snprintf(buf, sizeof(buf), "%s/%s/%d/%s", json_str(p, "name") ?: "",
			 json_str(p, "protocol") ?: "TCP", cJSON_IsNumber(num) ? num->valueint : 0,
			 json_str(p, "appProtocol") ?: "");
		if (!(v[i] = strdup(buf)))
			goto out;
		len += strlen(buf) + 1;
		i++;
	}
	qsort(v, (size_t)i, sizeof(*v), eps_strcmp_p);
	out = malloc(len);
	if (!out)
		goto out;
	*out = 0;
	for (int j = 0; j < i; j++) {
		if (j)
			strcat(out, ",");
		strcat(out, v[j]);
	}
out:
	for (int j = 0; j < i; j++)
		free(v[j]);
	free(v);
	return out;
}

/* The endpoint's identity (upstream's endpoint hash: addresses, hostname,
 * targetRef namespace and name); what else differs is an update of it. */
void eps_endpoint_id(const cJSON *ep, char *buf, size_t len)
{
	const cJSON *addrs = cJSON_GetObjectItemCaseSensitive(ep, "addresses");
	const cJSON *first = cJSON_GetArrayItem(addrs, 0);

	snprintf(buf, len, "%s|%s|%s/%s", cJSON_IsString(first) ? first->valuestring : "",
		 json_str(ep, "hostname") ?: "", json_str(ep, "targetRef.namespace") ?: "",
		 json_str(ep, "targetRef.name") ?: "");
}

/* podToEndpoint */
cJSON *eps_endpoint(const cJSON *svc, const char *ns, const cJSON *nodeobj, const cJSON *pod,
		    const char *ip)
{
	const cJSON *pub = json_at(svc, "spec.publishNotReadyAddresses");
	bool serving = eps_pod_ready(pod);
	bool terminating = json_at(pod, "metadata.deletionTimestamp") != NULL;
	bool ready = cJSON_IsTrue(pub) || (serving && !terminating);
	const char *host = eps_pod_hostname(pod, svc), *node = json_str(pod, "spec.nodeName");
	const char *zone = nodeobj ? eps_label(nodeobj, EPS_LABEL_ZONE) : NULL;
	cJSON *ep = cJSON_CreateObject(), *cond, *ref;

	if (!ep)
		return NULL;
	cJSON_AddItemToObject(ep, "addresses", cJSON_CreateStringArray(&ip, 1));
	cond = cJSON_AddObjectToObject(ep, "conditions");
	cJSON_AddBoolToObject(cond, "ready", ready);
	cJSON_AddBoolToObject(cond, "serving", serving);
	cJSON_AddBoolToObject(cond, "terminating", terminating);
	if (host)
		cJSON_AddStringToObject(ep, "hostname", host);
	ref = cJSON_AddObjectToObject(ep, "targetRef");
	cJSON_AddStringToObject(ref, "kind", "Pod");
	cJSON_AddStringToObject(ref, "namespace", ns);
	cJSON_AddStringToObject(ref, "name", json_str(pod, "metadata.name") ?: "");
	cJSON_AddStringToObject(ref, "uid", json_str(pod, "metadata.uid") ?: "");
	if (node && *node)
		cJSON_AddStringToObject(ep, "nodeName", node);
	if (zone && *zone)
		cJSON_AddStringToObject(ep, "zone", zone);
	return ep;
}

/* getEndpointPorts: each Service port the pod resolves (a named
 * targetPort the pod does not have leaves that port out). */
cJSON *eps_pod_ports(const cJSON *svc, const cJSON *pod)
{
	cJSON *out = cJSON_CreateArray();
	const cJSON *sp;

	cJSON_ArrayForEach(sp, json_at(svc, "spec.ports"))
	{
		int port = eps_pod_port(pod, sp);
		cJSON *p;

		if (port < 0)
			continue;
		p = cJSON_CreateObject();
		cJSON_AddStringToObject(p, "name", json_str(sp, "name") ?: "");
		cJSON_AddStringToObject(p, "protocol", json_str(sp, "protocol") ?: "TCP");
		cJSON_AddNumberToObject(p, "port", port);
		if (json_str(sp, "appProtocol"))
			cJSON_AddStringToObject(p, "appProtocol", json_str(sp, "appProtocol"));
		cJSON_AddItemToArray(out, p);
	}
	return out;
}

bool eps_owned(const cJSON *slice, const cJSON *svc)
{
	const char *uid = json_str(svc, "metadata.uid");
	const cJSON *o;

	cJSON_ArrayForEach(o, json_at(slice, "metadata.ownerReferences"))
	{
		const char *k = json_str(o, "kind"), *u = json_str(o, "uid");

		if (k && u && uid && !strcmp(k, "Service") && !strcmp(u, uid))
			return true;
	}
	return false;
}

cJSON *eps_owner_refs(const cJSON *svc)
{
	cJSON *refs = cJSON_CreateArray(), *o = cJSON_CreateObject();

	if (!refs || !o) {
		cJSON_Delete(refs);
		cJSON_Delete(o);
		return NULL;
	}
	cJSON_AddStringToObject(o, "apiVersion", "v1");
	cJSON_AddStringToObject(o, "kind", "Service");
	cJSON_AddStringToObject(o, "name", json_str(svc, "metadata.name") ?: "");
	cJSON_AddStringToObject(o, "uid", json_str(svc, "metadata.uid") ?: "");
	cJSON_AddBoolToObject(o, "controller", true);
	cJSON_AddBoolToObject(o, "blockOwnerDeletion", true);
	cJSON_AddItemToArray(refs, o);
	return refs;
}
