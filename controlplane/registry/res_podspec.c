/* res_podspec: PodSpec defaults (SetDefaults_PodSpec/Container) and the
 * subset of ValidatePodSpec Skiff enforces, shared by Pods and by the pod
 * templates of Deployments, ReplicaSets and StatefulSets. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "res_util.h"

/* v1.DefaultTerminationGracePeriodSeconds */
#define POD_GRACE_DEFAULT 30

static const char *const pod_restart_policies[] = {"Always", "OnFailure", "Never", NULL};
static const char *const pod_dns_policies[] = {"ClusterFirstWithHostNet", "ClusterFirst", "Default",
					       "None", NULL};

/* imagePullPolicy: Always for ":latest" or an untagged image, else
 * IfNotPresent (a digest counts as pinned). */
static const char *pod_pull_policy(const char *image)
{
	const char *slash = strrchr(image, '/'), *last = slash ? slash + 1 : image;
	const char *colon = strchr(last, ':');

	if (strchr(image, '@'))
		return "IfNotPresent";
	if (!colon || !strcmp(colon + 1, "latest"))
		return "Always";
	return "IfNotPresent";
}

static void pod_container_defaults(cJSON *c)
{
	cJSON *ports = cJSON_GetObjectItemCaseSensitive(c, "ports"), *p;
	const char *image = json_str(c, "image");

	if (!cJSON_IsObject(c))
		return;
	res_default_str(c, "terminationMessagePath", "/dev/termination-log");
	res_default_str(c, "terminationMessagePolicy", "File");
	if (image && *image)
		res_default_str(c, "imagePullPolicy", pod_pull_policy(image));
	res_obj_child(c, "resources");
	cJSON_ArrayForEach(p, RES_ARR(ports)) res_default_str(p, "protocol", "TCP");
}

void res_podspec_defaults(cJSON *spec)
{
	cJSON *list, *c;

	if (!cJSON_IsObject(spec))
		return;
	res_default_str(spec, "restartPolicy", "Always");
	res_default_str(spec, "dnsPolicy", "ClusterFirst");
	res_default_str(spec, "schedulerName", "default-scheduler");
	res_default_num(spec, "terminationGracePeriodSeconds", POD_GRACE_DEFAULT);
	res_obj_child(spec, "securityContext");
	if (!res_get(spec, "enableServiceLinks"))
		res_set(spec, "enableServiceLinks", cJSON_CreateTrue());
	list = cJSON_GetObjectItemCaseSensitive(spec, "containers");
	cJSON_ArrayForEach(c, RES_ARR(list)) pod_container_defaults(c);
	list = cJSON_GetObjectItemCaseSensitive(spec, "initContainers");
	cJSON_ArrayForEach(c, RES_ARR(list)) pod_container_defaults(c);
}

/* DefaultTolerationSeconds: kube-apiserver's flag defaults, upstream's
 * 300 s (five minutes of an unreachable node before its pods go). */
static long long pod_tol_not_ready = 300, pod_tol_unreachable = 300;

void res_pod_set_toleration_seconds(long long not_ready, long long unreachable)
{
	if (not_ready >= 0)
		pod_tol_not_ready = not_ready;
	if (unreachable >= 0)
		pod_tol_unreachable = unreachable;
}

/* Does a toleration already cover key's NoExecute taint? An empty key
 * (with Exists) tolerates every taint and an empty effect every effect,
 * as the admission plugin reads them. */
static bool pod_tolerates(const cJSON *tols, const char *key)
{
	const cJSON *t;

	cJSON_ArrayForEach(t, tols)
	{
		const char *k = json_str(t, "key"), *eff = json_str(t, "effect");

		if ((!k || !*k || !strcmp(k, key)) && (!eff || !*eff || !strcmp(eff, "NoExecute")))
			return true;
	}
	return false;
}

static void pod_add_toleration(cJSON *tols, const char *key, long long secs)
{
	cJSON *t = cJSON_CreateObject();

	if (!t)
		return;
	cJSON_AddStringToObject(t, "key", key);
	cJSON_AddStringToObject(t, "operator", "Exists");
	cJSON_AddStringToObject(t, "effect", "NoExecute");
	cJSON_AddNumberToObject(t, "tolerationSeconds", (double)secs);
	cJSON_AddItemToArray(tols, t);
}

void res_podspec_default_tolerations(cJSON *spec)
{
	cJSON *tols;
	bool nr, ur;

	if (!cJSON_IsObject(spec))
		return;
	tols = cJSON_GetObjectItemCaseSensitive(spec, "tolerations");
	/* a malformed list is validation's to report */
	if (tols && !cJSON_IsArray(tols) && !cJSON_IsNull(tols))
		return;
	nr = pod_tolerates(tols, "node.kubernetes.io/not-ready");
	ur = pod_tolerates(tols, "node.kubernetes.io/unreachable");
	if (nr && ur)
		return;
	if (!cJSON_IsArray(tols)) {
		cJSON_DeleteItemFromObjectCaseSensitive(spec, "tolerations");
		tols = cJSON_AddArrayToObject(spec, "tolerations");
		if (!tols)
			return;
	}
	if (!nr)
		pod_add_toleration(tols, "node.kubernetes.io/not-ready", pod_tol_not_ready);
	if (!ur)
		pod_add_toleration(tols, "node.kubernetes.io/unreachable", pod_tol_unreachable);
}

/* keys and dup arrays for a list of n items; false (and an InternalError
 * cause at path) when out of memory. */
static bool pod_dup_alloc(int n, struct res_key **keys, bool **dup, const char *path,
			  struct verrs *e)
{
	*keys = calloc((size_t)n + 1, sizeof(**keys));
	*dup = calloc((size_t)n + 1, sizeof(**dup));
	if (*keys && *dup)
		return true;
	free(*keys);
	free(*dup);
	verrs_add(e, "InternalError", path, "Internal error: out of memory");
	return false;
}

/* validateContainerPorts: valid non-empty port names are a set. */
static void pod_validate_ports(const cJSON *ports, const char *path, struct verrs *e)
{
	char ip[RES_PATH], f[RES_PATH], q[RES_VAL];
	const cJSON *p, *name, *cp, *hp;
	int i = 0, nk = 0;
	struct res_key *keys;
	bool *dup;

	if (!pod_dup_alloc(cJSON_GetArraySize(ports), &keys, &dup, path, e))
		return;
	cJSON_ArrayForEach(p, ports)
	{
		const char *nm = json_str(p, "name");
		struct verrs tmp = {0};

		if (nm && *nm && (res_check_port_name(&tmp, "", nm), !tmp.n))
			keys[nk++] = (struct res_key){nm, 0, i};
		i++;
	}
	res_mark_dups(keys, nk, dup);
	i = 0;
	cJSON_ArrayForEach(p, ports)
	{
		res_pathf(ip, "%s[%d]", path, i++);
		if (!res_check_type(p, ip, RES_OBJ, e))
			continue;
		name = res_typed(p, "name", res_pathf(f, "%s.name", ip), RES_STR, e);
		if (name && name->valuestring[0]) {
			res_check_port_name(e, f, name->valuestring);
			if (dup[i - 1]) {
				res_goquote(name->valuestring, q, sizeof(q));
				verrs_duplicate(e, f, q);
			}
		}
		cp =
		    res_typed(p, "containerPort", res_pathf(f, "%s.containerPort", ip), RES_INT, e);
		if (!cp && !res_get(p, "containerPort"))
			verrs_required(e, f, "");
		else if (cp && cp->valuedouble == 0)
			verrs_required(e, f, "");
		else if (cp)
			res_check_port_num(e, f, (long long)cp->valuedouble);
		hp = res_typed(p, "hostPort", res_pathf(f, "%s.hostPort", ip), RES_INT, e);
		if (hp && hp->valuedouble != 0)
			res_check_port_num(e, f, (long long)hp->valuedouble);
		res_check_protocol(e, res_pathf(f, "%s.protocol", ip), res_get(p, "protocol"));
	}
	free(keys);
	free(dup);
}

/* validateContainers: names are unique across containers and init
 * containers; dup is indexed over both lists, containers first. */
static void pod_validate_containers(const cJSON *list, const char *path, const bool *dup,
				    struct verrs *e)
{
	char cp[RES_PATH], f[RES_PATH], q[RES_VAL];
	const cJSON *c, *name, *image;
	int i = 0;

	cJSON_ArrayForEach(c, list)
	{
		bool is_dup = dup[i];

		res_pathf(cp, "%s[%d]", path, i++);
		if (!res_check_type(c, cp, RES_OBJ, e))
			continue;
		name = res_typed(c, "name", res_pathf(f, "%s.name", cp), RES_STR, e);
		if (!name || !name->valuestring[0]) {
			if (name || !res_get(c, "name"))
				verrs_required(e, f, "");
		} else {
			res_check_name(e, f, name->valuestring, RES_DNS1123_LABEL);
		}
		if (name && is_dup) {
			res_goquote(name->valuestring, q, sizeof(q));
			verrs_duplicate(e, f, q);
		}
		image = res_typed(c, "image", res_pathf(f, "%s.image", cp), RES_STR, e);
		if ((!image && !res_get(c, "image")) || (image && !image->valuestring[0]))
			verrs_required(e, f, "");
		pod_validate_ports(res_typed(c, "ports", res_pathf(f, "%s.ports", cp), RES_ARR, e),
				   f, e);
		res_typed(c, "env", res_pathf(f, "%s.env", cp), RES_ARR, e);
		res_typed(c, "command", res_pathf(f, "%s.command", cp), RES_ARR, e);
		res_typed(c, "args", res_pathf(f, "%s.args", cp), RES_ARR, e);
	}
}

static void pod_check_enum(const cJSON *spec, const char *key, const char *path,
			   const char *const *allowed, struct verrs *e)
{
	const cJSON *v = res_typed(spec, key, path, RES_STR, e);
	char q[RES_VAL];

	if (!v || !v->valuestring[0]) {
		if (v || !res_get(spec, key))
			verrs_required(e, path, "");
		return;
	}
	for (int i = 0; allowed[i]; i++)
		if (!strcmp(allowed[i], v->valuestring))
			return;
	res_goquote(v->valuestring, q, sizeof(q));
	verrs_not_supported(e, path, q, allowed);
}

void res_podspec_validate(const cJSON *spec, const char *path, struct verrs *e)
{
	const cJSON *cs, *ics, *node, *c;
	const cJSON *lists[2];
	struct res_key *keys;
	char f[RES_PATH];
	bool *dup;
	int nk = 0, i = 0;

	if (spec && !res_check_type(spec, path, RES_OBJ, e))
		return;
	cs = res_typed(spec, "containers", res_pathf(f, "%s.containers", path), RES_ARR, e);
	if (!cJSON_GetArraySize(cs) && (cs || !res_get(spec, "containers")))
		verrs_required(e, f, "");
	ics =
	    res_typed(spec, "initContainers", res_pathf(f, "%s.initContainers", path), RES_ARR, e);
	lists[0] = cs;
	lists[1] = ics;
	if (pod_dup_alloc(cJSON_GetArraySize(cs) + cJSON_GetArraySize(ics), &keys, &dup, path, e)) {
		for (int l = 0; l < 2; l++)
			cJSON_ArrayForEach(c, lists[l])
			{
				const char *nm = json_str(c, "name");

				if (nm)
					keys[nk++] = (struct res_key){nm, 0, i};
				i++;
			}
		res_mark_dups(keys, nk, dup);
		pod_validate_containers(cs, res_pathf(f, "%s.containers", path), dup, e);
		pod_validate_containers(ics, res_pathf(f, "%s.initContainers", path),
					dup + cJSON_GetArraySize(cs), e);
		free(keys);
		free(dup);
	}
	pod_check_enum(spec, "restartPolicy", res_pathf(f, "%s.restartPolicy", path),
		       pod_restart_policies, e);
	pod_check_enum(spec, "dnsPolicy", res_pathf(f, "%s.dnsPolicy", path), pod_dns_policies, e);
	node = res_typed(spec, "nodeName", res_pathf(f, "%s.nodeName", path), RES_STR, e);
	if (node && node->valuestring[0])
		res_check_name(e, f, node->valuestring, RES_DNS1123_SUBDOMAIN);
	res_typed(spec, "nodeSelector", res_pathf(f, "%s.nodeSelector", path), RES_STRMAP, e);
	res_typed(spec, "volumes", res_pathf(f, "%s.volumes", path), RES_ARR, e);
	res_typed(spec, "tolerations", res_pathf(f, "%s.tolerations", path), RES_ARR, e);
}
