/* bootstrap_rbac: the default RBAC policy (upstream's
 * plugin/pkg/auth/authorizer/rbac/bootstrappolicy, the parts this server
 * serves) and the server's join token. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "apiserver/api.h"
#include "bootstrap.h"
#include "jcmp.h"
#include "jointoken.h"
#include "log.h"
#include "tls.h"

#define RB_ANN	 "\"annotations\":{\"rbac.authorization.kubernetes.io/autoupdate\":\"true\"}"
#define RB_LABEL "\"kubernetes.io/bootstrapping\":\"rbac-defaults\""
#define RB_META	 RB_ANN ",\"labels\":{" RB_LABEL "}"

/* Rule fragments: R(groups, resources, verbs) as JSON. */
#define R(g, r, v) "{\"apiGroups\":[" g "],\"resources\":[" r "],\"verbs\":[" v "]}"
#define U(u, v)	   "{\"nonResourceURLs\":[" u "],\"verbs\":[" v "]}"
#define READ	   "\"get\",\"list\",\"watch\""
#define WRITE	   "\"create\",\"delete\",\"deletecollection\",\"patch\",\"update\""

/* aggregated into view: read everything namespaced but Secrets (and RBAC) */
#define VIEW_RULES                                                                                 \
	R("\"\"",                                                                                  \
	  "\"configmaps\",\"endpoints\",\"persistentvolumeclaims\","                               \
	  "\"persistentvolumeclaims/status\",\"pods\",\"pods/log\",\"pods/status\","               \
	  "\"replicationcontrollers\",\"replicationcontrollers/scale\","                           \
	  "\"replicationcontrollers/status\",\"serviceaccounts\",\"services\","                    \
	  "\"services/status\",\"bindings\",\"events\",\"limitranges\",\"namespaces/status\","     \
	  "\"pods/log\",\"resourcequotas\",\"resourcequotas/status\"",                             \
	  READ)                                                                                    \
	"," R("\"\"", "\"namespaces\"", READ) "," R(                                               \
	    "\"apps\"",                                                                            \
	    "\"controllerrevisions\",\"daemonsets\",\"daemonsets/status\",\"deployments\","        \
	    "\"deployments/scale\",\"deployments/status\",\"replicasets\","                        \
	    "\"replicasets/scale\",\"replicasets/status\",\"statefulsets\","                       \
	    "\"statefulsets/scale\",\"statefulsets/status\"",                                      \
	    READ) "," R("\"autoscaling\"",                                                         \
			"\"horizontalpodautoscalers\",\"horizontalpodautoscalers/status\"",        \
			READ) "," R("\"batch\"",                                                   \
				    "\"cronjobs\",\"cronjobs/status\",\"jobs\",\"jobs/status\"",   \
				    READ) "," R("\"discovery.k8s.io\"", "\"endpointslices\"",      \
						READ) "," R("\"events.k8s.io\"", "\"events\"",     \
							    READ)

/* aggregated into edit (with view's): writes, Secrets, tokens, evictions; no RBAC */
#define EDIT_RULES                                                                                                     \
	R("\"\"", "\"pods\",\"pods/attach\",\"pods/exec\",\"pods/portforward\",\"pods/proxy\"",                        \
	  WRITE)                                                                                                       \
	"," R("\"\"", "\"pods/eviction\"", "\"create\"") "," R(                                                        \
	    "\"\"",                                                                                                    \
	    "\"configmaps\",\"endpoints\",\"persistentvolumeclaims\",\"replicationcontrollers\","                      \
	    "\"replicationcontrollers/scale\",\"secrets\",\"serviceaccounts\",\"services\","                           \
	    "\"services/proxy\"",                                                                                      \
	    WRITE) "," R("\"\"", "\"serviceaccounts/token\"",                                                          \
			 "\"create\"") "," R("\"apps\"",                                                               \
					     "\"daemonsets\",\"deployments\",\"deployments/"                           \
					     "rollback\",\"deployments/scale\","                                       \
					     "\"replicasets\",\"replicasets/"                                          \
					     "scale\",\"statefulsets\",\"statefulsets/scale\"",                        \
					     WRITE) "," R("\"autoscaling\"",                                           \
							  "\"horizontalpodautoscalers\"",                              \
							  WRITE) "," R("\"batch\"",                                    \
								       "\"cronjobs\",\"jobs\"",                        \
								       WRITE) "," R("\"\"",                            \
										    "\"secrets\","                     \
										    "\"pods/"                          \
										    "attach\","                        \
										    "\"pods/"                          \
										    "exec\","                          \
										    "\"pods/"                          \
										    "portforward"                      \
										    "\","                              \
										    "\"pods/"                          \
										    "proxy\","                         \
										    "\"services/"                      \
										    "proxy\"",                         \
										    READ) "," R("\"\"",                \
												"\"serviceaccounts\"", \
												"\"impersonate\"")

/* aggregated into admin (with edit's): the namespace's RBAC and access reviews */
#define ADMIN_RULES                                                                                \
	R("\"rbac.authorization.k8s.io\"", "\"rolebindings\",\"roles\"", READ "," WRITE)           \
	"," R("\"authorization.k8s.io\"", "\"localsubjectaccessreviews\"", "\"create\"")

#define AGG(to) "\"rbac.authorization.k8s.io/aggregate-to-" to "\":\"true\""

/* As upstream: admin, edit and view are aggregated (ctrl_rbac_aggregate.c
 * fills their rules) from the system:aggregate-to-* roles and from any
 * ClusterRole a user labels so; edit is labelled into admin and view into
 * edit, so admin holds everything edit does and edit everything view does. */
static const struct {
	const char *name;
	const char *rules; /* NULL: aggregated */
	const char *label; /* a label besides the bootstrapping one, or NULL */
	const char *agg;   /* aggregated: the label its selector matches */
} rb_roles[] = {
    {.name = "cluster-admin", R("\"*\"", "\"*\"", "\"*\"") "," U("\"*\"", "\"*\"")},
    {.name = "admin", .agg = AGG("admin")},
    {.name = "edit", .label = AGG("admin"), .agg = AGG("edit")},
    {.name = "view", .label = AGG("edit"), .agg = AGG("view")},
    {.name = "system:aggregate-to-admin", .rules = ADMIN_RULES, .label = AGG("admin")},
    {.name = "system:aggregate-to-edit", .rules = EDIT_RULES, .label = AGG("edit")},
    {.name = "system:aggregate-to-view", .rules = VIEW_RULES, .label = AGG("view")},
    {.name = "system:basic-user",
     R("\"authorization.k8s.io\"", "\"selfsubjectaccessreviews\",\"selfsubjectrulesreviews\"",
       "\"create\"") "," R("\"authentication.k8s.io\"", "\"selfsubjectreviews\"", "\"create\"")},
    {.name = "system:discovery",
     U("\"/api\",\"/api/*\",\"/apis\",\"/apis/*\",\"/healthz\",\"/livez\",\"/openapi\","
       "\"/openapi/*\",\"/readyz\",\"/version\",\"/version/\"",
       "\"get\"")},
    {.name = "system:public-info-viewer",
     U("\"/healthz\",\"/livez\",\"/readyz\",\"/version\",\"/version/\"", "\"get\"")},
    {.name = "system:monitoring",
     U("\"/healthz\",\"/healthz/*\",\"/livez\",\"/livez/*\",\"/metrics\","
       "\"/metrics/slis\",\"/readyz\",\"/readyz/*\"",
       "\"get\"")},
    /* what the Node authorizer grants, for reference and for binding a
     * node-like agent that is not one (upstream keeps it unbound too) */
    {.name = "system:node",
     R("\"\"", "\"nodes\",\"services\",\"endpoints\",\"pods\"", READ) "," R("\"\"", "\"nodes\",\"nodes/status\"", "\"create\",\"update\",\"patch\",\"delete\"") "," R(
	 "\"\"", "\"pods/status\"",
	 "\"update\",\"patch\"") "," R("\"\"", "\"events\"",
				       "\"create\",\"update\",\"patch\"") "," R("\"coordination."
										"k8s.io\"",
										"\"leases\"",
										"\"get\","
										"\"create\","
										"\"update\","
										"\"patch\","
										"\"delete\"") "," R("\"discovery.k8s.io\"",
												    "\"endpointslices\"",
												    READ)},
    /* kube-proxy's: what skiff-node's proxy reads */
    {.name = "system:node-proxier",
     R("\"\"", "\"endpoints\",\"services\",\"nodes\"", READ) "," R(
	 "\"discovery.k8s.io\"", "\"endpointslices\"",
	 READ) "," R("\"\",\"events.k8s.io\"", "\"events\"", "\"create\",\"patch\",\"update\"")},
    /* webhook authentication and authorization (upstream's role): the
     * kubelet checks who asks for its port (docs/security.md) */
    {.name = "system:auth-delegator",
     R("\"authentication.k8s.io\"", "\"tokenreviews\"",
       "\"create\"") "," R("\"authorization.k8s.io\"", "\"subjectaccessreviews\"", "\"create\"")},
    /* what the API server's kubelet client may ask a kubelet (upstream's) */
    {.name = "system:kubelet-api-admin",
     R("\"\"", "\"nodes\"", "\"get\",\"list\",\"watch\",\"proxy\"") "," R(
	 "\"\"", "\"nodes/log\",\"nodes/metrics\",\"nodes/proxy\",\"nodes/stats\"", "\"*\"")},
    /* the join call, for bootstrap tokens (kubeadm binds its CSR role so) */
    {.name = "system:node-bootstrapper", U("\"/skiff/v1/join\"", "\"post\"")},
};

static const struct {
	const char *name, *role, *subjects;
} rb_bindings[] = {
    {"cluster-admin", "cluster-admin",
     "{\"apiGroup\":\"rbac.authorization.k8s.io\",\"kind\":\"Group\",\"name\":"
     "\"system:masters\"}"},
    {"system:basic-user", "system:basic-user",
     "{\"apiGroup\":\"rbac.authorization.k8s.io\",\"kind\":\"Group\",\"name\":"
     "\"system:authenticated\"}"},
    {"system:discovery", "system:discovery",
     "{\"apiGroup\":\"rbac.authorization.k8s.io\",\"kind\":\"Group\",\"name\":"
     "\"system:authenticated\"}"},
    {"system:public-info-viewer", "system:public-info-viewer",
     "{\"apiGroup\":\"rbac.authorization.k8s.io\",\"kind\":\"Group\",\"name\":"
     "\"system:authenticated\"},{\"apiGroup\":\"rbac.authorization.k8s.io\",\"kind\":"
     "\"Group\",\"name\":\"system:unauthenticated\"}"},
    {"system:monitoring", "system:monitoring",
     "{\"apiGroup\":\"rbac.authorization.k8s.io\",\"kind\":\"Group\",\"name\":"
     "\"system:monitoring\"}"},
    {"system:node-proxier", "system:node-proxier",
     "{\"apiGroup\":\"rbac.authorization.k8s.io\",\"kind\":\"User\",\"name\":"
     "\"system:kube-proxy\"}"},
    /* kubelets check the tokens sent to their port with the API server */
    {"system:node-auth-delegator", "system:auth-delegator",
     "{\"apiGroup\":\"rbac.authorization.k8s.io\",\"kind\":\"Group\",\"name\":"
     "\"system:nodes\"}"},
    {"system:kube-apiserver-kubelet-client", "system:kubelet-api-admin",
     "{\"apiGroup\":\"rbac.authorization.k8s.io\",\"kind\":\"User\",\"name\":"
     "\"kube-apiserver-kubelet-client\"}"},
    {"system:node-bootstrapper", "system:node-bootstrapper",
     "{\"apiGroup\":\"rbac.authorization.k8s.io\",\"kind\":\"Group\",\"name\":"
     "\"system:bootstrappers\"}"},
};

/* Set the labels of want on obj (others are left). true if one changed. */
static bool rb_merge_labels(cJSON *obj, const cJSON *want)
{
	cJSON *md = cJSON_GetObjectItemCaseSensitive(obj, "metadata"), *have;
	const cJSON *l;
	bool changed = false;

	have = cJSON_GetObjectItemCaseSensitive(md, "labels");
	if (!have)
		have = cJSON_AddObjectToObject(md, "labels");
	cJSON_ArrayForEach(l, json_at(want, "metadata.labels"))
	{
		/* not json_str: a label key has dots */
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(have, l->string);

		if (cJSON_IsString(v) && !strcmp(v->valuestring, l->valuestring))
			continue;
		cJSON_DeleteItemFromObjectCaseSensitive(have, l->string);
		cJSON_AddStringToObject(have, l->string, l->valuestring);
		changed = true;
	}
	return changed;
}

/* While the stored object keeps autoupdate, give it want's labels (adding
 * to its own, as upstream's reconcile does) and want's `field` (removed if
 * want has none), in one write. An aggregated role's rules are never
 * reconciled: they are the aggregation controller's. */
static int rb_reconcile(struct api *a, const char *key, const char *field, const char *json)
{
	const struct store_kv *kv = store_get(a->store, key);
	cJSON *obj = kv ? cJSON_Parse(kv->value) : NULL, *want = cJSON_Parse(json);
	const cJSON *autoupdate = cJSON_GetObjectItemCaseSensitive(
	    json_at(obj, "metadata.annotations"), "rbac.authorization.kubernetes.io/autoupdate");
	cJSON *w = cJSON_DetachItemFromObjectCaseSensitive(want, field);
	int64_t rev = 0;
	bool changed;

	if (!obj || !want || !cJSON_IsString(autoupdate) || strcmp(autoupdate->valuestring, "true"))
		goto out;
	changed = rb_merge_labels(obj, want);
	if (jcmp_equal(cJSON_GetObjectItemCaseSensitive(obj, field), w) <= 0) {
		cJSON_DeleteItemFromObjectCaseSensitive(obj, field);
		if (w)
			cJSON_AddItemToObject(obj, field, w);
		w = NULL;
		changed = true;
	}
	if (changed)
		rev = api_put(a, key, obj, kv->mod_rev, false);
out:
	cJSON_Delete(w);
	cJSON_Delete(obj);
	cJSON_Delete(want);
	return rev < 0 ? (int)rev : 0;
}

int bootstrap_rbac(struct api *a)
{
	char *json = malloc(16384), key[300];
	int err = 0;

	if (!json)
		return -ENOMEM;
	for (size_t i = 0; i < sizeof(rb_roles) / sizeof(rb_roles[0]) && !err; i++) {
		bool agg = rb_roles[i].agg != NULL;

		snprintf(
		    json, 16384,
		    "{\"kind\":\"ClusterRole\",\"apiVersion\":\"rbac.authorization.k8s.io/v1\","
		    "\"metadata\":{\"name\":\"%s\"," RB_ANN ",\"labels\":{" RB_LABEL "%s%s}},"
		    "%s%s%s}",
		    rb_roles[i].name, rb_roles[i].label ? "," : "",
		    rb_roles[i].label ? rb_roles[i].label : "",
		    agg ? "\"aggregationRule\":{\"clusterRoleSelectors\":[{\"matchLabels\":{"
			: "\"rules\":[",
		    agg ? rb_roles[i].agg : rb_roles[i].rules, agg ? "}}]}" : "]");
		err = bootstrap_create(a, "clusterroles", "rbac.authorization.k8s.io", NULL, json);
		snprintf(key, sizeof(key), "/registry/clusterroles/%s", rb_roles[i].name);
		if (!err)
			err = rb_reconcile(a, key, agg ? "aggregationRule" : "rules", json);
	}
	for (size_t i = 0; i < sizeof(rb_bindings) / sizeof(rb_bindings[0]) && !err; i++) {
		snprintf(json, 16384,
			 "{\"kind\":\"ClusterRoleBinding\",\"apiVersion\":"
			 "\"rbac.authorization.k8s.io/v1\",\"metadata\":{\"name\":\"%s\"," RB_META
			 "},\"roleRef\":{\"apiGroup\":\"rbac.authorization.k8s.io\",\"kind\":"
			 "\"ClusterRole\",\"name\":\"%s\"},\"subjects\":[%s]}",
			 rb_bindings[i].name, rb_bindings[i].role, rb_bindings[i].subjects);
		err = bootstrap_create(a, "clusterrolebindings", "rbac.authorization.k8s.io", NULL,
				       json);
		snprintf(key, sizeof(key), "/registry/clusterrolebindings/%s", rb_bindings[i].name);
		if (!err)
			err = rb_reconcile(a, key, "subjects", json);
	}
	free(json);
	return err;
}

/* Is token's Secret there and unexpired? */
static bool rb_token_live(struct api *a, const char *token)
{
	char key[128], hdr[64], why[128];
	struct auth_user u;

	if (!jointoken_valid(token))
		return false;
	snprintf(key, sizeof(key), "/registry/secrets/kube-system/bootstrap-token-%.6s", token);
	if (!store_get(a->store, key))
		return false;
	snprintf(hdr, sizeof(hdr), "Bearer %s", token);
	return auth_authenticate(a->auth, hdr, (long long)time(NULL), &u, why, sizeof(why)) == 0;
}

int bootstrap_join_token(struct api *a, const char *data_dir, long long ttl)
{
	char path[4096], token[32], msg[512];
	const struct res_type *rt = res_lookup("", "v1", "secrets");
	char *old;
	cJSON *s;
	int err, code = 0;

	snprintf(path, sizeof(path), "%s/join-token", data_dir);
	old = tls_read_file(path, NULL);
	if (old) {
		old[strcspn(old, "\r\n")] = 0;
		if (rb_token_live(a, old)) {
			free(old);
			return 0;
		}
		free(old);
		pr_info("auth: the join token in %s was deleted or has expired; making a new one",
			path);
	}
	err = jointoken_generate(token);
	if (err)
		return err;
	s = auth_bootstrap_secret(token, ttl, (long long)time(NULL),
				  "the join token of skiff-server (<data-dir>/join-token)");
	if (!s)
		return -ENOMEM;
	/* stringData becomes data as a request's body would (the decode hook) */
	err = rt->decode ? rt->decode(s, msg, sizeof(msg)) : 0;
	if (!err)
		err = api_store_create(a, rt, "kube-system", s, &code, msg, sizeof(msg));
	cJSON_Delete(s);
	if (err) {
		pr_err("auth: cannot store the join token: %s", msg);
		return err;
	}
	strcat(token, "\n");
	err = tls_write_file(path, token, strlen(token), 0600);
	if (err)
		pr_err("auth: cannot write %s: %s", path, strerror(-err));
	return err;
}
