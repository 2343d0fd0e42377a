/* bootstrap: objects every cluster has — the default namespaces, the
 * `kubernetes` Service on the first service IP with Endpoints and an
 * EndpointSlice pointing at this server, and the `kube-dns` Service on the
 * fixed cluster DNS IP, and the default StorageClass `local-path` (k3s's:
 * volumes are directories of the node their first pod runs on, made by
 * the persistentvolume-binder controller). Run at every start; only missing or stale objects
 * are written. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "apiserver/api.h"
#include "bootstrap.h"
#include "jcmp.h"
#include "log.h"

int bootstrap_create(struct api *a, const char *plural, const char *group, const char *ns,
		       const char *json)
{
	const struct res_type *rt = res_lookup(group, "v1", plural);
	cJSON *obj = cJSON_Parse(json);
	char msg[512];
	int code = 0, err;

	if (!rt || !obj) {
		cJSON_Delete(obj);
		pr_err("bootstrap: internal error building %s", plural);
		return -EINVAL;
	}
	err = api_store_create(a, rt, ns, obj, &code, msg, sizeof(msg));
	cJSON_Delete(obj);
	if (err && code != 409) {
		pr_err("bootstrap: creating %s in %s: %s", plural, ns ? ns : "-", msg);
		return err;
	}
	return 0;
}

/* Replace `field` of a stored object if it differs (server address moved). */
int bootstrap_refresh(struct api *a, const char *key, const char *field, const char *json)
{
	const struct store_kv *kv = store_get(a->store, key);
	cJSON *obj, *want = cJSON_Parse(json);
	int64_t rev = 0;

	if (!kv || !want) {
		cJSON_Delete(want);
		return 0;
	}
	obj = cJSON_Parse(kv->value);
	if (obj && jcmp_equal(cJSON_GetObjectItemCaseSensitive(obj, field),
			      cJSON_GetObjectItemCaseSensitive(want, field)) <= 0) {
		cJSON_DeleteItemFromObjectCaseSensitive(obj, field);
		cJSON_AddItemToObject(obj, field,
				      cJSON_DetachItemFromObjectCaseSensitive(want, field));
		rev = api_put(a, key, obj, 0, false);
	}
	cJSON_Delete(obj);
	cJSON_Delete(want);
	return rev < 0 ? (int)rev : 0;
}

int bootstrap_run(struct api *a, const struct bootstrap_opts *o)
{
	static const char *const nss[] = {"default", "kube-system", "kube-public",
					  "kube-node-lease", NULL};
	char first_ip[32], json[2048], ep[1024], slice_eps[1024], ports[256];
	int err;

	for (const char *const *ns = nss; *ns; ns++) {
		snprintf(json, sizeof(json),
			 "{\"kind\":\"Namespace\",\"apiVersion\":\"v1\",\"metadata\":{\"name\":"
			 "\"%s\"}}",
			 *ns);
		err = bootstrap_create(a, "namespaces", "", NULL, json);
		if (err)
			return err;
	}

	/* made again at a start after it was deleted, as k3s's addon is */
	err = bootstrap_create(
	    a, "storageclasses", "storage.k8s.io", NULL,
	    "{\"kind\":\"StorageClass\",\"apiVersion\":\"storage.k8s.io/v1\",\"metadata\":{"
	    "\"name\":\"local-path\",\"annotations\":{"
	    "\"storageclass.kubernetes.io/is-default-class\":\"true\"}},"
	    "\"provisioner\":\"rancher.io/local-path\",\"reclaimPolicy\":\"Delete\","
	    "\"volumeBindingMode\":\"WaitForFirstConsumer\"}");
	if (err)
		return err;

	alloc_format_ip(a->alloc.svc_ips.base, first_ip, sizeof(first_ip));
	snprintf(
	    json, sizeof(json),
	    "{\"kind\":\"Service\",\"apiVersion\":\"v1\",\"metadata\":{\"name\":\"kubernetes\","
	    "\"labels\":{\"component\":\"apiserver\",\"provider\":\"kubernetes\"}},"
	    "\"spec\":{\"type\":\"ClusterIP\",\"clusterIP\":\"%s\",\"ports\":[{\"name\":"
	    "\"https\",\"port\":443,\"protocol\":\"TCP\",\"targetPort\":%d}],"
	    "\"sessionAffinity\":\"None\"}}",
	    first_ip, o->api_port);
	err = bootstrap_create(a, "services", "", "default", json);
	if (err)
		return err;

	/* Endpoints and EndpointSlice of `kubernetes`: this server */
	snprintf(ep, sizeof(ep),
		 "{\"subsets\":[{\"addresses\":[{\"ip\":\"%s\"}],\"ports\":[{\"name\":\"https\","
		 "\"port\":%d,\"protocol\":\"TCP\"}]}]}",
		 o->api_ip, o->api_port);
	snprintf(
	    json, sizeof(json),
	    "{\"kind\":\"Endpoints\",\"apiVersion\":\"v1\",\"metadata\":{\"name\":"
	    "\"kubernetes\",\"labels\":{\"endpointslice.kubernetes.io/skip-mirror\":\"true\"}},"
	    "\"subsets\":[{\"addresses\":[{\"ip\":\"%s\"}],\"ports\":[{\"name\":\"https\","
	    "\"port\":%d,\"protocol\":\"TCP\"}]}]}",
	    o->api_ip, o->api_port);
	if ((err = bootstrap_create(a, "endpoints", "", "default", json)) ||
	    (err = bootstrap_refresh(a, "/registry/endpoints/default/kubernetes", "subsets", ep)))
		return err;
	snprintf(slice_eps, sizeof(slice_eps),
		 "{\"endpoints\":[{\"addresses\":[\"%s\"],\"conditions\":{\"ready\":true,"
		 "\"serving\":true,\"terminating\":false}}]}",
		 o->api_ip);
	snprintf(ports, sizeof(ports),
		 "{\"ports\":[{\"name\":\"https\",\"port\":%d,\"protocol\":\"TCP\"}]}",
		 o->api_port);
	snprintf(json, sizeof(json),
		 "{\"kind\":\"EndpointSlice\",\"apiVersion\":\"discovery.k8s.io/v1\","
		 "\"metadata\":{\"name\":\"kubernetes\",\"labels\":{\"kubernetes.io/service-name\":"
		 "\"kubernetes\",\"endpointslice.kubernetes.io/managed-by\":\"skiff-server\"}},"
		 "\"addressType\":\"IPv4\",\"endpoints\":[{\"addresses\":[\"%s\"],\"conditions\":{"
		 "\"ready\":true,\"serving\":true,\"terminating\":false}}],\"ports\":[{\"name\":"
		 "\"https\",\"port\":%d,\"protocol\":\"TCP\"}]}",
		 o->api_ip, o->api_port);
	if ((err = bootstrap_create(a, "endpointslices", "discovery.k8s.io", "default", json)) ||
	    (err = bootstrap_refresh(a, "/registry/endpointslices/default/kubernetes", "endpoints",
				slice_eps)) ||
	    (err = bootstrap_refresh(a, "/registry/endpointslices/default/kubernetes", "ports", ports)))
		return err;

	if (!o->cluster_dns || !*o->cluster_dns)
		return 0;
	snprintf(
	    json, sizeof(json),
	    "{\"kind\":\"Service\",\"apiVersion\":\"v1\",\"metadata\":{\"name\":\"kube-dns\","
	    "\"labels\":{\"k8s-app\":\"kube-dns\",\"kubernetes.io/cluster-service\":\"true\","
	    "\"kubernetes.io/name\":\"CoreDNS\"}},\"spec\":{\"type\":\"ClusterIP\","
	    "\"clusterIP\":\"%s\",\"ports\":[{\"name\":\"dns\",\"port\":53,\"protocol\":"
	    "\"UDP\",\"targetPort\":%d},{\"name\":\"dns-tcp\",\"port\":53,\"protocol\":\"TCP\","
	    "\"targetPort\":%d}]}}",
	    o->cluster_dns, o->dns_port, o->dns_port);
	err = bootstrap_create(a, "services", "", "kube-system", json);
	if (err)
		return err;
	if (!o->dns_ip || !*o->dns_ip)
		return 0;
	snprintf(slice_eps, sizeof(slice_eps),
		 "{\"endpoints\":[{\"addresses\":[\"%s\"],\"conditions\":{\"ready\":true,"
		 "\"serving\":true,\"terminating\":false}}]}",
		 o->dns_ip);
	snprintf(json, sizeof(json),
		 "{\"kind\":\"EndpointSlice\",\"apiVersion\":\"discovery.k8s.io/v1\","
		 "\"metadata\":{\"name\":\"kube-dns\",\"labels\":{\"kubernetes.io/service-name\":"
		 "\"kube-dns\",\"endpointslice.kubernetes.io/managed-by\":\"skiff-server\"}},"
		 "\"addressType\":\"IPv4\",\"endpoints\":[{\"addresses\":[\"%s\"],\"conditions\":{"
		 "\"ready\":true,\"serving\":true,\"terminating\":false}}],\"ports\":[{\"name\":"
		 "\"dns\",\"port\":%d,\"protocol\":\"UDP\"},{\"name\":\"dns-tcp\",\"port\":%d,"
		 "\"protocol\":\"TCP\"}]}",
		 o->dns_ip, o->dns_port, o->dns_port);
	snprintf(ports, sizeof(ports),
		 "{\"ports\":[{\"name\":\"dns\",\"port\":%d,\"protocol\":\"UDP\"},{\"name\":"
		 "\"dns-tcp\",\"port\":%d,\"protocol\":\"TCP\"}]}",
		 o->dns_port, o->dns_port);
	if ((err = bootstrap_create(a, "endpointslices", "discovery.k8s.io", "kube-system", json)) ||
	    (err = bootstrap_refresh(a, "/registry/endpointslices/kube-system/kube-dns", "endpoints",
				slice_eps)) ||
	    (err = bootstrap_refresh(a, "/registry/endpointslices/kube-system/kube-dns", "ports",
				ports)))
		return err;
	return 0;
}
