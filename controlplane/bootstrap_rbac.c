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
#include "jointoken.h"
#include "log.h"
#include "tls.h"

#define RB_META                                                                                    \
	"\"annotations\":{\"rbac.authorization.kubernetes.io/autoupdate\":\"true\"},"              \
	"\"labels\":{\"kubernetes.io/bootstrapping\":\"rbac-defaults\"}"

/* Rule fragments: R(groups, resources, verbs) as JSON. */
#define R(g, r, v) "{\"apiGroups\":[" g "],\"resources\":[" r "],\"verbs\":[" v "]}"
#define U(u, v)	   "{\"nonResourceURLs\":[" u "],\"verbs\":[" v "]}"
#define READ	   "\"get\",\"list\",\"watch\""
#define WRITE	   "\"create\",\"delete\",\"deletecollection\",\"patch\",\"update\""

/* view: read everything namespaced but Secrets (and RBAC) */
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

/* edit: view plus writes, Secrets, tokens, evictions; no RBAC */
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
												"\"impersonate\"") "," VIEW_RULES

/* admin: edit plus the namespace's RBAC and access reviews */
#define ADMIN_RULES                                                                                \
	R("\"rbac.authorization.k8s.io\"", "\"rolebindings\",\"roles\"", READ "," WRITE)           \
	"," R("\"authorization.k8s.io\"", "\"localsubjectaccessreviews\"",                         \
	      "\"create\"") "," EDIT_RULES

static const struct {
	const char *name;
	const char *rules;
} rb_roles[] = {
    {"cluster-admin", R("\"*\"", "\"*\"", "\"*\"") "," U("\"*\"", "\"*\"")},
    {"admin", ADMIN_RULES},
    {"edit", EDIT_RULES},
    {"view", VIEW_RULES},
    {"system:basic-user",
     R("\"authorization.k8s.io\"", "\"selfsubjectaccessreviews\",\"selfsubjectrulesreviews\"",
       "\"create\"") "," R("\"authentication.k8s.io\"", "\"selfsubjectreviews\"", "\"create\"")},
    {"system:discovery",
     U("\"/api\",\"/api/*\",\"/apis\",\"/apis/*\",\"/healthz\",\"/livez\",\"/openapi\","
       "\"/openapi/*\",\"/readyz\",\"/version\",\"/version/\"",
       "\"get\"")},
    {"system:public-info-viewer",
     U("\"/healthz\",\"/livez\",\"/readyz\",\"/version\",\"/version/\"", "\"get\"")},
    {"system:monitoring", U("\"/healthz\",\"/healthz/*\",\"/livez\",\"/livez/*\",\"/metrics\","
			    "\"/metrics/slis\",\"/readyz\",\"/readyz/*\"",
			    "\"get\"")},
    /* what the Node authorizer grants, for reference and for binding a
     * node-like agent that is not one (upstream keeps it unbound too) */
    {"system:node",
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
    {"system:node-proxier",
     R("\"\"", "\"endpoints\",\"services\",\"nodes\"", READ) "," R(
	 "\"discovery.k8s.io\"", "\"endpointslices\"",
	 READ) "," R("\"\",\"events.k8s.io\"", "\"events\"", "\"create\",\"patch\",\"update\"")},
    /* the join call, for bootstrap tokens (kubeadm binds its CSR role so) */
    {"system:node-bootstrapper", U("\"/skiff/v1/join\"", "\"post\"")},
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
    {"system:node-bootstrapper", "system:node-bootstrapper",
     "{\"apiGroup\":\"rbac.authorization.k8s.io\",\"kind\":\"Group\",\"name\":"
     "\"system:bootstrappers\"}"},
};

/* Reconcile `field` to want while the stored object keeps autoupdate. */
static int rb_reconcile(struct api *a, const char *key, const char *field, const char *want)
{
	const struct store_kv *kv = store_get(a->store, key);
	cJSON *obj = kv ? cJSON_Parse(kv->value) : NULL;
	const cJSON *ann = json_at(obj, "metadata.annotations");
	const cJSON *v =
	    cJSON_GetObjectItemCaseSensitive(ann, "rbac.authorization.kubernetes.io/autoupdate");
	int err = 0;

	if (cJSON_IsString(v) && !strcmp(v->valuestring, "true"))
		err = bootstrap_refresh(a, key, field, want);
	cJSON_Delete(obj);
	return err;
}

int bootstrap_rbac(struct api *a)
{
	char *json = malloc(16384), key[300];
	int err = 0;

	if (!json)
		return -ENOMEM;
	for (size_t i = 0; i < sizeof(rb_roles) / sizeof(rb_roles[0]) && !err; i++) {
		snprintf(
		    json, 16384,
		    "{\"kind\":\"ClusterRole\",\"apiVersion\":\"rbac.authorization.k8s.io/v1\","
		    "\"metadata\":{\"name\":\"%s\"," RB_META "},\"rules\":[%s]}",
		    rb_roles[i].name, rb_roles[i].rules);
		err = bootstrap_create(a, "clusterroles", "rbac.authorization.k8s.io", NULL, json);
		snprintf(key, sizeof(key), "/registry/clusterroles/%s", rb_roles[i].name);
		if (!err)
			err = rb_reconcile(a, key, "rules", json);
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
