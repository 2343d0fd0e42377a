/* Unit tests for the RBAC rule matcher (auth/rbac_match.c: which requests
 * a PolicyRule allows, and when a set of rules covers another for the
 * escalation check), lib/strmap (the hash map the RBAC index and the token
 * table live in), and the RBAC index through auth_new over a real store:
 * bindings written and committed change auth_authorize's decisions. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <cjson/cJSON.h>
#include "auth/auth.h"
#include "auth/rbac_match.h"
#include "store/store.h"
#include "strmap.h"

/* --- rbac_rule_allows --- */

struct allow_case {
	const char *rule; /* a PolicyRule as JSON */
	const char *verb, *group, *resource, *sub, *name;
	const char *path; /* non-NULL: a non-resource request */
	bool want;
};

static const struct allow_case allow_cases[] = {
    /* verbs */
    {"{\"verbs\":[\"get\"],\"apiGroups\":[\"\"],\"resources\":[\"pods\"]}", "get", "", "pods", "",
     "p", NULL, true},
    {"{\"verbs\":[\"get\"],\"apiGroups\":[\"\"],\"resources\":[\"pods\"]}", "list", "", "pods", "",
     "", NULL, false},
    {"{\"verbs\":[\"*\"],\"apiGroups\":[\"\"],\"resources\":[\"pods\"]}", "deletecollection", "",
     "pods", "", "", NULL, true},
    {"{\"apiGroups\":[\"\"],\"resources\":[\"pods\"]}", "get", "", "pods", "", "", NULL, false},
    /* groups */
    {"{\"verbs\":[\"get\"],\"apiGroups\":[\"apps\"],\"resources\":[\"deployments\"]}", "get", "",
     "deployments", "", "", NULL, false},
    {"{\"verbs\":[\"get\"],\"apiGroups\":[\"*\"],\"resources\":[\"deployments\"]}", "get", "apps",
     "deployments", "", "", NULL, true},
    {"{\"verbs\":[\"get\"],\"resources\":[\"pods\"]}", "get", "", "pods", "", "", NULL, false},
    /* resources and subresources */
    {"{\"verbs\":[\"get\"],\"apiGroups\":[\"\"],\"resources\":[\"*\"]}", "get", "", "secrets", "",
     "", NULL, true},
    {"{\"verbs\":[\"get\"],\"apiGroups\":[\"\"],\"resources\":[\"*\"]}", "get", "", "pods", "log",
     "p", NULL, true},
    {"{\"verbs\":[\"get\"],\"apiGroups\":[\"\"],\"resources\":[\"pods\"]}", "get", "", "pods",
     "status", "p", NULL, false},
    {"{\"verbs\":[\"get\"],\"apiGroups\":[\"\"],\"resources\":[\"pods/status\"]}", "get", "",
     "pods", "status", "p", NULL, true},
    {"{\"verbs\":[\"get\"],\"apiGroups\":[\"\"],\"resources\":[\"pods/status\"]}", "get", "",
     "pods", "", "p", NULL, false},
    {"{\"verbs\":[\"get\"],\"apiGroups\":[\"\"],\"resources\":[\"pods/status\"]}", "get", "",
     "pods", "log", "p", NULL, false},
    {"{\"verbs\":[\"get\"],\"apiGroups\":[\"\"],\"resources\":[\"pods/status\"]}", "get", "",
     "podsx", "status", "p", NULL, false},
    {"{\"verbs\":[\"update\"],\"apiGroups\":[\"apps\"],\"resources\":[\"*/scale\"]}", "update",
     "apps", "deployments", "scale", "d", NULL, true},
    {"{\"verbs\":[\"update\"],\"apiGroups\":[\"apps\"],\"resources\":[\"*/scale\"]}", "update",
     "apps", "deployments", "", "d", NULL, false},
    {"{\"verbs\":[\"update\"],\"apiGroups\":[\"apps\"],\"resources\":[\"*/scale\"]}", "update",
     "apps", "deployments", "status", "d", NULL, false},
    /* resourceNames */
    {"{\"verbs\":[\"get\"],\"apiGroups\":[\"\"],\"resources\":[\"secrets\"],\"resourceNames\":"
     "[\"a\",\"b\"]}",
     "get", "", "secrets", "", "b", NULL, true},
    {"{\"verbs\":[\"get\"],\"apiGroups\":[\"\"],\"resources\":[\"secrets\"],\"resourceNames\":"
     "[\"a\",\"b\"]}",
     "get", "", "secrets", "", "c", NULL, false},
    /* a list names nothing: a rule with names never allows it */
    {"{\"verbs\":[\"list\"],\"apiGroups\":[\"\"],\"resources\":[\"secrets\"],\"resourceNames\":"
     "[\"a\"]}",
     "list", "", "secrets", "", "", NULL, false},
    {"{\"verbs\":[\"get\"],\"apiGroups\":[\"\"],\"resources\":[\"secrets\"],\"resourceNames\":[]}",
     "get", "", "secrets", "", "zz", NULL, true},
    /* non-resource URLs */
    {"{\"verbs\":[\"get\"],\"nonResourceURLs\":[\"/metrics\"]}", "get", NULL, NULL, NULL, NULL,
     "/metrics", true},
    {"{\"verbs\":[\"get\"],\"nonResourceURLs\":[\"/metrics\"]}", "get", NULL, NULL, NULL, NULL,
     "/metrics/x", false},
    {"{\"verbs\":[\"get\"],\"nonResourceURLs\":[\"/api/*\"]}", "get", NULL, NULL, NULL, NULL,
     "/api/v1", true},
    {"{\"verbs\":[\"get\"],\"nonResourceURLs\":[\"/api/*\"]}", "get", NULL, NULL, NULL, NULL,
     "/api", false},
    {"{\"verbs\":[\"get\"],\"nonResourceURLs\":[\"/api*\"]}", "get", NULL, NULL, NULL, NULL,
     "/apis/apps", true},
    {"{\"verbs\":[\"get\"],\"nonResourceURLs\":[\"*\"]}", "get", NULL, NULL, NULL, NULL,
     "/anything", true},
    /* every trailing '*' goes, as upstream's TrimRight */
    {"{\"verbs\":[\"get\"],\"nonResourceURLs\":[\"/api**\"]}", "get", NULL, NULL, NULL, NULL,
     "/apis", true},
    {"{\"verbs\":[\"get\"],\"nonResourceURLs\":[\"**\"]}", "get", NULL, NULL, NULL, NULL,
     "/metrics", true},
    {"{\"verbs\":[\"post\"],\"nonResourceURLs\":[\"*\"]}", "get", NULL, NULL, NULL, NULL,
     "/anything", false},
    /* a resource rule says nothing about paths, and the reverse */
    {"{\"verbs\":[\"*\"],\"apiGroups\":[\"*\"],\"resources\":[\"*\"]}", "get", NULL, NULL, NULL,
     NULL, "/metrics", false},
    {"{\"verbs\":[\"*\"],\"nonResourceURLs\":[\"*\"]}", "get", "", "pods", "", "", NULL, false},
    /* malformed rules allow nothing */
    {"{\"verbs\":\"get\",\"apiGroups\":[\"\"],\"resources\":[\"pods\"]}", "get", "", "pods", "", "",
     NULL, false},
    {"{\"verbs\":[\"get\"],\"apiGroups\":[\"\"],\"resources\":[1]}", "get", "", "pods", "", "",
     NULL, false},
    {"[\"get\"]", "get", "", "pods", "", "", NULL, false},
};

static void test_rule_allows(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(allow_cases) / sizeof(allow_cases[0]); i++) {
		const struct allow_case *c = &allow_cases[i];
		cJSON *rule = cJSON_Parse(c->rule);
		struct auth_attrs at = {.verb = c->verb};

		assert_non_null(rule);
		if (c->path) {
			at.path = c->path;
		} else {
			at.resource_request = true;
			at.group = c->group;
			at.resource = c->resource;
			at.subresource = c->sub;
			at.ns = "default";
			at.name = c->name;
		}
		if (rbac_rule_allows(rule, &at) != c->want)
			fail_msg("case %zu: %s %s %s/%s %s: want %d", i, c->rule, c->verb,
				 c->path ? c->path : c->resource, c->sub ? c->sub : "",
				 c->name ? c->name : "", c->want);
		cJSON_Delete(rule);
	}
}

/* --- rbac_rules_cover --- */

struct cover_case {
	const char *held; /* array of PolicyRules */
	const char *rule;
	bool want;
};

#define R(v, g, r) "{\"verbs\":[" v "],\"apiGroups\":[" g "],\"resources\":[" r "]}"
#define RN(v, g, r, n)                                                                             \
	"{\"verbs\":[" v "],\"apiGroups\":[" g "],\"resources\":[" r "],\"resourceNames\":[" n "]" \
	"}"
#define U(v, u) "{\"verbs\":[" v "],\"nonResourceURLs\":[" u "]}"

static const struct cover_case cover_cases[] = {
    {"[" R("\"get\",\"list\"", "\"\"", "\"pods\"") "]", R("\"get\"", "\"\"", "\"pods\""), true},
    {"[" R("\"get\"", "\"\"", "\"pods\"") "]", R("\"get\",\"delete\"", "\"\"", "\"pods\""), false},
    {"[" R("\"get\"", "\"\"", "\"pods\"") "]", R("\"get\"", "\"\"", "\"pods\",\"secrets\""), false},
    /* held wildcards cover anything; asked wildcards only a held one */
    {"[" R("\"*\"", "\"*\"", "\"*\"") "]",
     R("\"escalate\"", "\"rbac.authorization.k8s.io\"", "\"roles\""), true},
    {"[" R("\"get\",\"list\",\"watch\"", "\"\"", "\"pods\"") "]", R("\"*\"", "\"\"", "\"pods\""),
     false},
    {"[" R("\"get\"", "\"\",\"apps\"", "\"*\"") "]", R("\"get\"", "\"*\"", "\"pods\""), false},
    {"[" R("\"get\"", "\"\"", "\"pods\",\"secrets\"") "]", R("\"get\"", "\"\"", "\"*\""), false},
    {"[" R("\"get\"", "\"*\"", "\"*\"") "]", R("\"get\"", "\"*\"", "\"*\""), true},
    /* resourceNames: a subset of names is covered, all names is not */
    {"[" RN("\"get\"", "\"\"", "\"secrets\"", "\"a\",\"b\"") "]",
     RN("\"get\"", "\"\"", "\"secrets\"", "\"b\""), true},
    {"[" RN("\"get\"", "\"\"", "\"secrets\"", "\"a\"") "]",
     RN("\"get\"", "\"\"", "\"secrets\"", "\"a\",\"c\""), false},
    {"[" RN("\"get\"", "\"\"", "\"secrets\"", "\"a\"") "]", R("\"get\"", "\"\"", "\"secrets\""),
     false},
    {"[" R("\"get\"", "\"\"", "\"secrets\"") "]", RN("\"get\"", "\"\"", "\"secrets\"", "\"x\""),
     true},
    /* subresources */
    {"[" R("\"get\"", "\"\"", "\"pods\"") "]", R("\"get\"", "\"\"", "\"pods/status\""), false},
    {"[" R("\"get\"", "\"\"", "\"pods/status\"") "]", R("\"get\"", "\"\"", "\"pods\""), false},
    {"[" R("\"get\"", "\"\"", "\"pods/status\"") "]", R("\"get\"", "\"\"", "\"pods/status\""),
     true},
    {"[" R("\"update\"", "\"apps\"", "\"*/scale\"") "]",
     R("\"update\"", "\"apps\"", "\"deployments/scale\""), true},
    {"[" R("\"update\"", "\"apps\"", "\"deployments/scale\"") "]",
     R("\"update\"", "\"apps\"", "\"*/scale\""), false},
    {"[" R("\"update\"", "\"apps\"", "\"*/scale\"") "]", R("\"update\"", "\"apps\"", "\"*/scale\""),
     true},
    {"[" R("\"get\"", "\"\"", "\"*\"") "]", R("\"get\"", "\"\"", "\"pods/log\""), true},
    /* covered by two held rules together */
    {"[" R("\"get\"", "\"\"", "\"pods\"") "," R("\"list\"", "\"\"", "\"pods\"") "]",
     R("\"get\",\"list\"", "\"\"", "\"pods\""), true},
    /* a rule that cannot match a real request still covers itself */
    {"[" R("\"get\"", "\"\"", "\"pods/\"") "]", R("\"get\"", "\"\"", "\"pods/\""), true},
    /* non-resource URLs */
    {"[" U("\"get\"", "\"/api/*\"") "]", U("\"get\"", "\"/api/v1\""), true},
    {"[" U("\"get\"", "\"/api/*\"") "]", U("\"get\"", "\"/api/v1*\""), true},
    {"[" U("\"get\"", "\"/api/v1\"") "]", U("\"get\"", "\"/api/*\""), false},
    {"[" U("\"get\"", "\"/metrics\"") "]", U("\"get\"", "\"*\""), false},
    {"[" U("\"get\"", "\"**\"") "]", U("\"get\"", "\"*\""), true},
    {"[" U("\"get\"", "\"/ap**\"") "]", U("\"get\"", "\"/api*\""), true},
    {"[" U("\"get\"", "\"*\"") "]", U("\"get\"", "\"/metrics\",\"/healthz\""), true},
    {"[" R("\"*\"", "\"*\"", "\"*\"") "]", U("\"get\"", "\"/metrics\""), false},
    {"[" U("\"get\"", "\"/metrics\"") "]", R("\"get\"", "\"\"", "\"pods\""), false},
    /* a rule granting nothing is covered by nothing held */
    {"[]", "{\"verbs\":[],\"apiGroups\":[\"\"],\"resources\":[\"pods\"]}", true},
    {"[]", R("\"get\"", "\"\"", "\"pods\""), false},
    {"[" R("\"*\"", "\"*\"", "\"*\"") "]", "\"not a rule\"", false},
};

static void test_rules_cover(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cover_cases) / sizeof(cover_cases[0]); i++) {
		const struct cover_case *c = &cover_cases[i];
		cJSON *held = cJSON_Parse(c->held), *rule = cJSON_Parse(c->rule);

		assert_non_null(held);
		assert_non_null(rule);
		if (rbac_rules_cover(held, rule) != c->want)
			fail_msg("case %zu: held %s rule %s: want %d", i, c->held, c->rule,
				 c->want);
		cJSON_Delete(held);
		cJSON_Delete(rule);
	}
}

/* A resource name longer than cover's split buffer: held covers it with
 * the same string (it used to be truncated and then not match itself). */
static void test_cover_long_resource(void **state)
{
	char res[400], *held_s, *rule_s;
	cJSON *held, *rule;

	(void)state;
	memset(res, 'r', sizeof(res) - 1);
	res[sizeof(res) - 1] = 0;
	assert_true(asprintf(&rule_s, R("\"get\"", "\"\"", "\"%s\""), res) > 0);
	assert_true(asprintf(&held_s, "[%s]", rule_s) > 0);
	held = cJSON_Parse(held_s);
	rule = cJSON_Parse(rule_s);
	assert_true(rbac_rules_cover(held, rule));
	/* and a held rule with the truncated name does not */
	res[255] = 0;
	cJSON_Delete(held);
	free(held_s);
	assert_true(asprintf(&held_s, "[" R("\"get\"", "\"\"", "\"%s\"") "]", res) > 0);
	held = cJSON_Parse(held_s);
	assert_false(rbac_rules_cover(held, rule));
	cJSON_Delete(held);
	cJSON_Delete(rule);
	free(held_s);
	free(rule_s);
}

/* --- lib/strmap --- */

static void count_cb(void *ud, const char *key, void *val)
{
	size_t *n = ud;

	(void)key;
	(void)val;
	(*n)++;
}

static void test_strmap_basic(void **state)
{
	struct strmap m;
	void *old = (void *)1;
	int a = 1, b = 2;
	char key[8] = "k1";

	(void)state;
	strmap_init(&m);
	assert_null(strmap_get(&m, "k1"));
	assert_null(strmap_del(&m, "k1"));
	assert_int_equal(strmap_put(&m, key, &a, &old), 0);
	assert_null(old);
	/* the key was copied */
	key[1] = '2';
	assert_ptr_equal(strmap_get(&m, "k1"), &a);
	assert_null(strmap_get(&m, "k2"));
	/* replace gives the old value back */
	assert_int_equal(strmap_put(&m, "k1", &b, &old), 0);
	assert_ptr_equal(old, &a);
	assert_ptr_equal(strmap_get(&m, "k1"), &b);
	assert_int_equal(m.n, 1);
	assert_int_equal(strmap_put(&m, "", &a, NULL), 0);
	assert_ptr_equal(strmap_get(&m, ""), &a);
	assert_ptr_equal(strmap_del(&m, "k1"), &b);
	assert_null(strmap_get(&m, "k1"));
	assert_null(strmap_del(&m, "k1"));
	assert_int_equal(m.n, 1);
	strmap_free(&m);
}

#define GROW_N 10000

static void test_strmap_grow(void **state)
{
	static int vals[GROW_N];
	struct strmap m;
	char key[32];
	size_t n = 0;

	(void)state;
	strmap_init(&m);
	for (int i = 0; i < GROW_N; i++) {
		snprintf(key, sizeof(key), "key-%d", i);
		assert_int_equal(strmap_put(&m, key, &vals[i], NULL), 0);
	}
	assert_int_equal(m.n, GROW_N);
	/* grown at load 1 */
	assert_true(m.nbucket >= GROW_N);
	for (int i = 0; i < GROW_N; i++) {
		snprintf(key, sizeof(key), "key-%d", i);
		assert_ptr_equal(strmap_get(&m, key), &vals[i]);
	}
	strmap_foreach(&m, count_cb, &n);
	assert_int_equal(n, GROW_N);
	/* delete the even ones; the odd ones are still found */
	for (int i = 0; i < GROW_N; i += 2) {
		snprintf(key, sizeof(key), "key-%d", i);
		assert_ptr_equal(strmap_del(&m, key), &vals[i]);
	}
	assert_int_equal(m.n, GROW_N / 2);
	for (int i = 0; i < GROW_N; i++) {
		snprintf(key, sizeof(key), "key-%d", i);
		if (i % 2)
			assert_ptr_equal(strmap_get(&m, key), &vals[i]);
		else
			assert_null(strmap_get(&m, key));
	}
	n = 0;
	strmap_foreach(&m, count_cb, &n);
	assert_int_equal(n, GROW_N / 2);
	strmap_free(&m);
}

/* --- the RBAC index through auth_new over a store --- */

struct idx {
	char dir[64];
	struct store *st;
	struct auth *au;
};

static int idx_setup(void **state)
{
	struct idx *x = calloc(1, sizeof(*x));
	char db[96];
	struct store_opts so = {.path = db, .history_min_events = 64, .nosync = true};
	struct auth_config cfg = {.issuer = "https://kubernetes.default.svc.cluster.local",
				  .node_credential_ttl = 3600};

	if (!x)
		return -1;
	snprintf(x->dir, sizeof(x->dir), "/tmp/test_rbac.XXXXXX");
	if (!mkdtemp(x->dir))
		return -1;
	snprintf(db, sizeof(db), "%s/store.db", x->dir);
	cfg.data_dir = x->dir;
	if (store_open(&so, &x->st) || auth_new(x->st, &cfg, &x->au))
		return -1;
	*state = x;
	return 0;
}

static int idx_teardown(void **state)
{
	struct idx *x = *state;
	char cmd[128];

	auth_free(x->au);
	store_close(x->st);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", x->dir);
	if (system(cmd))
		return -1;
	free(x);
	return 0;
}

static void idx_put(struct idx *x, const char *key, const char *json)
{
	assert_true(store_create(x->st, key, json) > 0);
	assert_int_equal(store_commit(x->st), 0);
}

static void idx_del(struct idx *x, const char *key)
{
	assert_true(store_delete(x->st, key, 0, NULL) > 0);
	assert_int_equal(store_commit(x->st), 0);
}

static bool idx_may(struct idx *x, const struct auth_user *u, const char *verb,
		    const char *resource, const char *ns, const char *name)
{
	struct auth_attrs at = {.verb = verb,
				.resource_request = true,
				.group = "",
				.resource = resource,
				.subresource = "",
				.ns = ns,
				.name = name};

	return auth_authorize(x->au, u, &at, NULL, 0) == AUTH_ALLOW;
}

static void test_index(void **state)
{
	struct idx *x = *state;
	struct auth_user bob, carol, admin;
	const char *dev[] = {"dev"}, *masters[] = {AUTH_GROUP_MASTERS};
	char reason[256];
	struct auth_attrs at = {.verb = "get",
				.resource_request = true,
				.group = "",
				.resource = "secrets",
				.subresource = "",
				.ns = "default",
				.name = "s1"};

	assert_int_equal(auth_user_set(&bob, "bob", "", NULL, 0), 0);
	assert_int_equal(auth_user_set(&carol, "carol", "", dev, 1), 0);
	assert_int_equal(auth_user_set(&admin, "admin", "", masters, 1), 0);
	assert_true(idx_may(x, &admin, "delete", "services", "default", "x"));
	assert_false(idx_may(x, &bob, "get", "secrets", "default", "s1"));

	idx_put(x, "/registry/roles/default/secret-reader",
		"{\"apiVersion\":\"rbac.authorization.k8s.io/v1\",\"kind\":\"Role\","
		"\"metadata\":{\"name\":\"secret-reader\",\"namespace\":\"default\"},"
		"\"rules\":[{\"verbs\":[\"get\"],\"apiGroups\":[\"\"],\"resources\":[\"secrets\"],"
		"\"resourceNames\":[\"s1\"]}]}");
	/* a Role alone grants nothing */
	assert_false(idx_may(x, &bob, "get", "secrets", "default", "s1"));
	idx_put(
	    x, "/registry/rolebindings/default/bob-secrets",
	    "{\"apiVersion\":\"rbac.authorization.k8s.io/v1\",\"kind\":\"RoleBinding\","
	    "\"metadata\":{\"name\":\"bob-secrets\",\"namespace\":\"default\"},"
	    "\"roleRef\":{\"apiGroup\":\"rbac.authorization.k8s.io\",\"kind\":\"Role\","
	    "\"name\":\"secret-reader\"},\"subjects\":[{\"apiGroup\":\"rbac.authorization.k8s.io\","
	    "\"kind\":\"User\",\"name\":\"bob\"}]}");
	assert_true(idx_may(x, &bob, "get", "secrets", "default", "s1"));
	assert_int_equal(auth_authorize(x->au, &bob, &at, reason, sizeof(reason)), AUTH_ALLOW);
	assert_non_null(strstr(reason, "bob-secrets"));
	assert_false(idx_may(x, &bob, "get", "secrets", "default", "s2"));
	assert_false(idx_may(x, &bob, "list", "secrets", "default", ""));
	assert_false(idx_may(x, &bob, "get", "secrets", "kube-system", "s1"));
	assert_false(idx_may(x, &carol, "get", "secrets", "default", "s1"));

	/* a ClusterRole bound to a group, cluster-wide */
	idx_put(
	    x, "/registry/clusterroles/svc-admin",
	    "{\"apiVersion\":\"rbac.authorization.k8s.io/v1\",\"kind\":\"ClusterRole\","
	    "\"metadata\":{\"name\":\"svc-admin\"},"
	    "\"rules\":[{\"verbs\":[\"*\"],\"apiGroups\":[\"\"],\"resources\":[\"services\"]}]}");
	idx_put(x, "/registry/clusterrolebindings/dev-svc",
		"{\"apiVersion\":\"rbac.authorization.k8s.io/v1\",\"kind\":\"ClusterRoleBinding\","
		"\"metadata\":{\"name\":\"dev-svc\"},"
		"\"roleRef\":{\"apiGroup\":\"rbac.authorization.k8s.io\",\"kind\":\"ClusterRole\","
		"\"name\":\"svc-admin\"},\"subjects\":[{\"apiGroup\":\"rbac.authorization.k8s.io\","
		"\"kind\":\"Group\",\"name\":\"dev\"}]}");
	assert_true(idx_may(x, &carol, "delete", "services", "kube-system", "x"));
	assert_true(idx_may(x, &carol, "list", "services", "", ""));
	assert_false(idx_may(x, &bob, "delete", "services", "default", "x"));
	/* the same ClusterRole through a RoleBinding: that namespace only */
	idx_put(x, "/registry/rolebindings/default/bob-svc",
		"{\"apiVersion\":\"rbac.authorization.k8s.io/v1\",\"kind\":\"RoleBinding\","
		"\"metadata\":{\"name\":\"bob-svc\",\"namespace\":\"default\"},"
		"\"roleRef\":{\"apiGroup\":\"rbac.authorization.k8s.io\",\"kind\":\"ClusterRole\","
		"\"name\":\"svc-admin\"},\"subjects\":[{\"apiGroup\":\"rbac.authorization.k8s.io\","
		"\"kind\":\"User\",\"name\":\"bob\"}]}");
	assert_true(idx_may(x, &bob, "delete", "services", "default", "x"));
	assert_false(idx_may(x, &bob, "delete", "services", "kube-system", "x"));

	/* deleting a binding takes its grant away at once */
	idx_del(x, "/registry/rolebindings/default/bob-secrets");
	assert_false(idx_may(x, &bob, "get", "secrets", "default", "s1"));
	assert_true(idx_may(x, &bob, "delete", "services", "default", "x"));
	idx_del(x, "/registry/clusterrolebindings/dev-svc");
	assert_false(idx_may(x, &carol, "delete", "services", "kube-system", "x"));
	/* deleting the role a binding names leaves the binding granting nothing */
	idx_del(x, "/registry/clusterroles/svc-admin");
	assert_false(idx_may(x, &bob, "delete", "services", "default", "x"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_rule_allows),
	    cmocka_unit_test(test_rules_cover),
	    cmocka_unit_test(test_cover_long_resource),
	    cmocka_unit_test(test_strmap_basic),
	    cmocka_unit_test(test_strmap_grow),
	    cmocka_unit_test_setup_teardown(test_index, idx_setup, idx_teardown),
	};

	return cmocka_run_group_tests_name("rbac", tests, NULL, NULL);
}
