/* node: what a node's credential may do — kube-apiserver's Node authorizer
 * and NodeRestriction admission plugin in one place.
 *
 * A node (user system:node:<name> in system:nodes) may read Services,
 * Endpoints, EndpointSlices and Nodes; read the pods bound to it (a get of
 * such a pod, or a list/watch whose fieldSelector says
 * spec.nodeName=<name>), and the Secrets, ConfigMaps and claims those pods
 * reference, and the PersistentVolumes bound to those claims or pinned to
 * the node by their nodeAffinity (a get of a volume that does not exist
 * is let through to its 404: the kubelet reclaims the directories of
 * deleted local volumes by it); update the status of, and delete, its pods; create, update
 * and delete its own Node and its own Lease in kube-node-lease; create
 * events. Nothing else is asked of RBAC for the kinds it judges; for the
 * others it has no opinion (RBAC decides, and grants nodes nothing by
 * default). Admission then holds the objects to the node's own name, keeps
 * the node-restriction.kubernetes.io/ labels and the taints out of its
 * reach, and keeps a pod's status writes to pods bound to it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "auth_int.h"
#include "json_path.h"
#include "store/store.h"

#define NODE_LABEL_PREFIX "node-restriction.kubernetes.io/"

static bool node_is(const char *a, const char *b)
{
	return a && !strcmp(a, b);
}

static bool node_verb_in(const char *verb, const char *const *verbs)
{
	for (; *verbs; verbs++)
		if (!strcmp(verb, *verbs))
			return true;
	return false;
}

static const char *const node_read[] = {"get", "list", "watch", NULL};

/* Does the fieldSelector hold the term "<field>=<value>" (terms are ANDed,
 * so one such term restricts the whole selection)? */
static bool node_selects(const char *sel, const char *field, const char *value)
{
	size_t fl = strlen(field), vl = strlen(value);

	for (const char *p = sel; p && *p;) {
		const char *end = strchr(p, ',');
		size_t n = end ? (size_t)(end - p) : strlen(p);

		if (n > fl && !strncmp(p, field, fl)) {
			const char *v = p + fl;
			size_t op = v[0] == '=' ? (v[1] == '=' ? 2 : 1) : 0;

			if (op && n - fl - op == vl && !strncmp(v + op, value, vl))
				return true;
		}
		p = end ? end + 1 : NULL;
	}
	return false;
}

/* The stored pod ns/name, parsed; NULL if absent. */
static cJSON *node_pod(const struct auth *au, const char *ns, const char *name)
{
	char key[600];
	const struct store_kv *kv;

	snprintf(key, sizeof(key), "/registry/pods/%s/%s", ns, name);
	kv = store_get(au->st, key);
	return kv ? cJSON_Parse(kv->value) : NULL;
}

static bool node_pod_bound(const struct auth *au, const char *node, const char *ns,
			   const char *name)
{
	cJSON *pod = node_pod(au, ns, name);
	bool bound = pod && node_is(json_str(pod, "spec.nodeName"), node);

	cJSON_Delete(pod);
	return bound;
}

/* Does any member named `field` anywhere under o hold `name`? (A pod's
 * references: volumes' secretName/claimName, configMap.name, the env's
 * secretKeyRef/configMapKeyRef.name, envFrom's refs, imagePullSecrets.) */
struct node_ref {
	const char *kind; /* "secrets", "configmaps", "persistentvolumeclaims" */
	const char *name;
};

static bool node_refs(const cJSON *o, const struct node_ref *r, int depth)
{
	const cJSON *it;

	if (depth > 20)
		return false;
	cJSON_ArrayForEach(it, o)
	{
		const char *k = it->string;

		if (cJSON_IsObject(it) && k) {
			bool kind_obj = (!strcmp(r->kind, "secrets") &&
					 (!strcmp(k, "secretKeyRef") || !strcmp(k, "secretRef") ||
					  !strcmp(k, "secret"))) ||
					(!strcmp(r->kind, "configmaps") &&
					 (!strcmp(k, "configMapKeyRef") ||
					  !strcmp(k, "configMapRef") || !strcmp(k, "configMap")));

			if (kind_obj && (node_is(json_str(it, "name"), r->name) ||
					 node_is(json_str(it, "secretName"), r->name)))
				return true;
			if (!strcmp(r->kind, "persistentvolumeclaims") &&
			    !strcmp(k, "persistentVolumeClaim") &&
			    node_is(json_str(it, "claimName"), r->name))
				return true;
		}
		if (k && !strcmp(k, "imagePullSecrets") && !strcmp(r->kind, "secrets")) {
			const cJSON *s;

			cJSON_ArrayForEach(s, it)
			{
				if (node_is(json_str(s, "name"), r->name))
					return true;
			}
		}
		if ((cJSON_IsObject(it) || cJSON_IsArray(it)) && node_refs(it, r, depth + 1))
			return true;
	}
	return false;
}

struct node_scan {
	const char *node;
	struct node_ref ref;
	bool found;
};

static void node_scan_pod(void *ud, const struct store_kv *kv)
{
	struct node_scan *s = ud;
	cJSON *pod;

	if (s->found)
		return;
	pod = cJSON_Parse(kv->value);
	if (pod && node_is(json_str(pod, "spec.nodeName"), s->node) &&
	    node_refs(cJSON_GetObjectItemCaseSensitive(pod, "spec"), &s->ref, 0))
		s->found = true;
	cJSON_Delete(pod);
}

/* Is ns/name (of kind) referenced by a pod bound to node? */
static bool node_referenced(const struct auth *au, const char *node, const char *kind,
			    const char *ns, const char *name)
{
	struct node_scan s = {node, {kind, name}, false};
	char prefix[300];

	if (!ns || !*ns || !name || !*name)
		return false;
	snprintf(prefix, sizeof(prefix), "/registry/pods/%s/", ns);
	store_list(au->st, prefix, node_scan_pod, &s);
	return s.found;
}

struct node_sa_scan {
	const char *node, *sa;
	bool found;
};

static void node_sa_scan_pod(void *ud, const struct store_kv *kv)
{
	struct node_sa_scan *s = ud;
	cJSON *pod;
	const char *sa;

	if (s->found)
		return;
	pod = cJSON_Parse(kv->value);
	sa = json_str(pod, "spec.serviceAccountName");
	if (pod && node_is(json_str(pod, "spec.nodeName"), s->node) &&
	    !strcmp(sa && *sa ? sa : "default", s->sa))
		s->found = true;
	cJSON_Delete(pod);
}

/* Does a pod bound to node run as ServiceAccount ns/sa? */
static bool node_sa_used(const struct auth *au, const char *node, const char *ns, const char *sa)
{
	struct node_sa_scan s = {node, sa, false};
	char prefix[300];

	if (!ns || !*ns || !sa || !*sa)
		return false;
	snprintf(prefix, sizeof(prefix), "/registry/pods/%s/", ns);
	store_list(au->st, prefix, node_sa_scan_pod, &s);
	return s.found;
}

/* Is the PersistentVolume name related to node: absent (nothing to
 * protect), pinned to it by a kubernetes.io/hostname affinity, or bound to
 * a claim of one of its pods? */
static bool node_pv_related(const struct auth *au, const char *node, const char *name)
{
	char key[400];
	const struct store_kv *kv;
	const cJSON *t, *e, *v;
	cJSON *pv;
	bool rel = false;

	snprintf(key, sizeof(key), "/registry/persistentvolumes/%s", name);
	kv = store_get(au->st, key);
	if (!kv)
		return true;
	pv = cJSON_Parse(kv->value);
	cJSON_ArrayForEach(t, json_at(pv, "spec.nodeAffinity.required.nodeSelectorTerms"))
	{
		cJSON_ArrayForEach(e, json_at(t, "matchExpressions"))
		{
			if (!node_is(json_str(e, "key"), "kubernetes.io/hostname") ||
			    !node_is(json_str(e, "operator"), "In"))
				continue;
			cJSON_ArrayForEach(v, json_at(e, "values"))
			{
				if (cJSON_IsString(v) && !strcmp(v->valuestring, node))
					rel = true;
			}
		}
	}
	if (!rel)
		rel = node_referenced(au, node, "persistentvolumeclaims",
				      json_str(pv, "spec.claimRef.namespace"),
				      json_str(pv, "spec.claimRef.name"));
	cJSON_Delete(pv);
	return rel;
}

static int node_deny(char *reason, size_t len, const char *fmt, const char *node)
{
	if (reason)
		snprintf(reason, len, fmt, node);
	return AUTH_DENY;
}

int node_authorize(const struct auth *au, const struct auth_user *u, const struct auth_attrs *at,
		   char *reason, size_t len)
{
	static const char *const write[] = {"create", "update", "patch", "delete", NULL};
	const char *node = u->node, *res = at->resource, *sub = at->subresource;
	const char *name = at->name ? at->name : "";
	const char *group = at->group ? at->group : "";

	if (!*node || !at->resource_request)
		return -1;
	sub = sub ? sub : "";
	if (!*group && (node_is(res, "services") || node_is(res, "endpoints")) && !*sub)
		return node_verb_in(at->verb, node_read) ? AUTH_ALLOW : -1;
	if (node_is(group, "discovery.k8s.io") && node_is(res, "endpointslices"))
		return node_verb_in(at->verb, node_read) ? AUTH_ALLOW : -1;
	if ((!*group || node_is(group, "events.k8s.io")) && node_is(res, "events"))
		return node_verb_in(at->verb,
				    (const char *const[]){"create", "update", "patch", NULL})
			   ? AUTH_ALLOW
			   : -1;
	if (!*group && node_is(res, "nodes")) {
		if (node_verb_in(at->verb, node_read) && !*sub)
			return AUTH_ALLOW;
		/* a create names no object yet: admission checks the body */
		if (node_verb_in(at->verb, write) && (!*name || !strcmp(name, node)) &&
		    (!*sub || !strcmp(sub, "status")))
			return AUTH_ALLOW;
		return node_deny(reason, len, "node '%s' cannot modify other nodes", node);
	}
	if (node_is(group, "coordination.k8s.io") && node_is(res, "leases")) {
		if (!node_is(at->ns, "kube-node-lease"))
			return -1;
		if ((node_verb_in(at->verb, write) || !strcmp(at->verb, "get")) &&
		    (!*name || !strcmp(name, node)))
			return AUTH_ALLOW;
		return node_deny(reason, len, "node '%s' can only access its own lease", node);
	}
	if (!*group && node_is(res, "pods")) {
		if ((!strcmp(at->verb, "list") || !strcmp(at->verb, "watch")) && !*sub)
			return node_selects(at->field_selector, "spec.nodeName", node)
				   ? AUTH_ALLOW
				   : node_deny(reason, len,
					       "node '%s' can only list and watch pods with "
					       "fieldSelector spec.nodeName=<itself>",
					       node);
		if (*name &&
		    (!strcmp(at->verb, "get") || (!strcmp(at->verb, "delete") && !*sub) ||
		     ((!strcmp(at->verb, "update") || !strcmp(at->verb, "patch")) &&
		      !strcmp(sub, "status")) ||
		     (!strcmp(at->verb, "create") && !strcmp(sub, "eviction"))) &&
		    node_pod_bound(au, node, at->ns, name))
			return AUTH_ALLOW;
		return node_deny(reason, len,
				 "no relationship found between node '%s' and this object", node);
	}
	/* the projected token of a pod's ServiceAccount (kubelet's TokenRequest) */
	if (!*group && node_is(res, "serviceaccounts") && !strcmp(sub, "token")) {
		if (!strcmp(at->verb, "create") && node_sa_used(au, node, at->ns, name))
			return AUTH_ALLOW;
		return node_deny(reason, len,
				 "no relationship found between node '%s' and this object", node);
	}
	if (!*group && node_is(res, "persistentvolumes") && !*sub) {
		if (!strcmp(at->verb, "get") && *name && node_pv_related(au, node, name))
			return AUTH_ALLOW;
		return node_deny(reason, len,
				 "no relationship found between node '%s' and this object", node);
	}
	if (!*group && !*sub &&
	    (node_is(res, "secrets") || node_is(res, "configmaps") ||
	     node_is(res, "persistentvolumeclaims"))) {
		const char *want = name;
		char sel[254] = "";

		/* the kubelet watches one object with fieldSelector metadata.name=<it> */
		if (!*want && at->field_selector &&
		    (!strcmp(at->verb, "list") || !strcmp(at->verb, "watch"))) {
			const char *p = strstr(at->field_selector, "metadata.name=");

			if (p) {
				p += strlen("metadata.name=");
				p += *p == '=';
				snprintf(sel, sizeof(sel), "%.*s", (int)strcspn(p, ","), p);
				if (node_selects(at->field_selector, "metadata.name", sel))
					want = sel;
			}
		}
		if (node_verb_in(at->verb, node_read) && *want &&
		    node_referenced(au, node, res, at->ns, want))
			return AUTH_ALLOW;
		return node_deny(reason, len,
				 "no relationship found between node '%s' and this object", node);
	}
	return -1;
}

/* Labels under node-restriction.kubernetes.io/ that differ between a and b. */
static const char *node_restricted_label(const cJSON *a, const cJSON *b)
{
	const cJSON *la = json_at(a, "metadata.labels"), *lb = json_at(b, "metadata.labels"), *it;

	for (int pass = 0; pass < 2; pass++) {
		const cJSON *from = pass ? lb : la;

		cJSON_ArrayForEach(it, from)
		{
			const cJSON *other;

			if (!it->string ||
			    strncmp(it->string, NODE_LABEL_PREFIX, strlen(NODE_LABEL_PREFIX)))
				continue;
			other = cJSON_GetObjectItemCaseSensitive(pass ? la : lb, it->string);
			if (!other || !cJSON_IsString(other) || !cJSON_IsString(it) ||
			    strcmp(other->valuestring, it->valuestring))
				return it->string;
		}
	}
	return NULL;
}

int node_admit(const struct auth *au, const struct auth_user *u, const struct auth_write *w,
	       char *msg, size_t len)
{
	const char *node = u->node, *group = w->group ? w->group : "";
	const char *sub = w->subresource ? w->subresource : "", *label;

	if (!*node)
		return 0;
	if (!*group && node_is(w->resource, "nodes")) {
		const char *name = json_str(w->obj ? w->obj : w->old, "metadata.name");

		if (!node_is(name, node)) {
			snprintf(msg, len, "node \"%s\" is not allowed to modify node \"%s\"", node,
				 name ? name : "");
			return -EPERM;
		}
		if (w->obj && (label = node_restricted_label(w->old, w->obj))) {
			snprintf(msg, len,
				 "is not allowed to modify labels: %s (node \"%s\" may not set "
				 "labels with the prefix " NODE_LABEL_PREFIX ")",
				 label, node);
			return -EPERM;
		}
		if (w->old && w->obj && !*sub) {
			char *a = cJSON_PrintUnformatted(json_at(w->old, "spec.taints"));
			char *b = cJSON_PrintUnformatted(json_at(w->obj, "spec.taints"));
			bool same = (!a && !b) || (a && b && !strcmp(a, b));

			free(a);
			free(b);
			if (!same) {
				snprintf(msg, len, "node \"%s\" is not allowed to modify taints",
					 node);
				return -EPERM;
			}
		}
		return 0;
	}
	if (node_is(group, "coordination.k8s.io") && node_is(w->resource, "leases")) {
		const char *name = json_str(w->obj ? w->obj : w->old, "metadata.name");

		if (!node_is(name, node) || !node_is(w->ns, "kube-node-lease")) {
			snprintf(msg, len,
				 "can only access node lease with the same name as the "
				 "requesting node");
			return -EPERM;
		}
		return 0;
	}
	if (!*group && node_is(w->resource, "pods") && w->old && w->obj) {
		/* a pod's status update must not move it to another node */
		if (!node_is(json_str(w->old, "spec.nodeName"), node) ||
		    !node_is(json_str(w->obj, "spec.nodeName"), node)) {
			snprintf(msg, len,
				 "node \"%s\" can only update pod status for pods "
				 "with spec.nodeName set to itself",
				 node);
			return -EPERM;
		}
	}
	return 0;
}

int auth_admit(const struct auth *au, const struct auth_user *u, const struct auth_write *w,
	       char *msg, size_t len)
{
	int err = node_admit(au, u, w, msg, len);

	return err ? err : rbac_admit(au, u, w, msg, len);
}
