/* Unit tests for controlplane/patch*.c: merge patch, strategic merge patch
 * (with the recorded kubectl apply body from k8s-api.md §6.4) and JSON
 * patch, as tables of (original, patch, expected result or error). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <errno.h>
#include <time.h>
#include <cjson/cJSON.h>
#include "jcmp.h"
#include "patch/patch.h"
#include "json_fixture.h"

static char *show(const cJSON *v)
{
	return v ? cJSON_PrintUnformatted(v) : strdup("(null)");
}

enum ptype { MERGE, SMP, JSONP };

struct pcase {
	const char *name;
	const char *kind; /* SMP only */
	const char *orig;
	const char *patch;
	const char *want; /* expected object, or NULL when an error is expected */
	const char *err;  /* expected error message (exact) when want is NULL */
};

static cJSON *run(enum ptype t, const cJSON *o, const cJSON *p, const char *kind, char *err,
		  size_t len)
{
	switch (t) {
	case MERGE:
		return patch_merge(o, p, err, len);
	case SMP:
		return patch_strategic(o, p, kind, err, len);
	default:
		return patch_json(o, p, err, len);
	}
}

/* Run a table; also checks that neither input was modified. */
static void run_table(enum ptype t, const struct pcase *cases, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct pcase *c = &cases[i];
		cJSON *o = J(c->orig), *p = J(c->patch), *res;
		char *o0 = show(o), *p0 = show(p), *o1, *p1, err[512] = "unset";

		res = run(t, o, p, c->kind, err, sizeof(err));
		if (c->want) {
			cJSON *want = J(c->want);

			if (!res || !cJSON_Compare(res, want, 1)) {
				char *got = show(res), *w = show(want);

				fail_msg("%s: got %s (err '%s')\n want %s", c->name, got, err, w);
			}
			cJSON_Delete(want);
		} else {
			if (res) {
				char *got = show(res);

				fail_msg("%s: expected error '%s', got %s", c->name, c->err, got);
			}
			if (strcmp(err, c->err))
				fail_msg("%s: error\n got '%s'\nwant '%s'", c->name, err, c->err);
		}
		o1 = show(o);
		p1 = show(p);
		assert_string_equal(o0, o1);
		assert_string_equal(p0, p1);
		free(o0);
		free(o1);
		free(p0);
		free(p1);
		cJSON_Delete(res);
		cJSON_Delete(o);
		cJSON_Delete(p);
	}
}

#define RUN(t, table) run_table(t, table, sizeof(table) / sizeof(table[0]))

/* ---- RFC 7386 (including the RFC's appendix A examples) ---- */

static const struct pcase merge_cases[] = {
    {"replace member", NULL, "{'a':'b'}", "{'a':'c'}", "{'a':'c'}", NULL},
    {"add member", NULL, "{'a':'b'}", "{'b':'c'}", "{'a':'b','b':'c'}", NULL},
    {"null deletes", NULL, "{'a':'b'}", "{'a':null}", "{}", NULL},
    {"null deletes one", NULL, "{'a':'b','b':'c'}", "{'a':null}", "{'b':'c'}", NULL},
    {"array by scalar", NULL, "{'a':['b']}", "{'a':'c'}", "{'a':'c'}", NULL},
    {"scalar by array", NULL, "{'a':'c'}", "{'a':['b']}", "{'a':['b']}", NULL},
    {"nested", NULL, "{'a':{'b':'c'}}", "{'a':{'b':'d','c':null}}", "{'a':{'b':'d'}}", NULL},
    {"arrays replaced", NULL, "{'a':[{'b':'c'}]}", "{'a':[1]}", "{'a':[1]}", NULL},
    {"array doc", NULL, "['a','b']", "['c','d']", "['c','d']", NULL},
    {"object by array", NULL, "{'a':'b'}", "['c']", "['c']", NULL},
    {"null patch", NULL, "{'a':'foo'}", "null", "null", NULL},
    {"string patch", NULL, "{'a':'foo'}", "'bar'", "'bar'", NULL},
    {"null in orig kept", NULL, "{'e':null}", "{'a':1}", "{'e':null,'a':1}", NULL},
    {"array orig", NULL, "[1,2]", "{'a':'b','c':null}", "{'a':'b'}", NULL},
    {"nested new", NULL, "{}", "{'a':{'bb':{'ccc':null}}}", "{'a':{'bb':{}}}", NULL},
    {"scale", NULL, "{'spec':{'replicas':1,'selector':{'app':'w'}}}", "{'spec':{'replicas':3}}",
     "{'spec':{'replicas':3,'selector':{'app':'w'}}}", NULL},
    {"no smp directives", NULL, "{'ports':[{'port':80}]}",
     "{'ports':[{'$patch':'delete','port':80}]}", "{'ports':[{'$patch':'delete','port':80}]}",
     NULL},
    {"endpointslice endpoints", NULL,
     "{'endpoints':[{'addresses':['10.0.0.1']},{'addresses':['10.0.0.2']}],'ports':[]}",
     "{'endpoints':[{'addresses':['10.0.0.3']}]}",
     "{'endpoints':[{'addresses':['10.0.0.3']}],'ports':[]}", NULL},
};

static void test_merge_table(void **state)
{
	(void)state;
	RUN(MERGE, merge_cases);
}

static void test_merge_edges(void **state)
{
	char err[128];
	cJSON *p = J("{'a':1}"), *r;

	(void)state;
	assert_null(patch_merge(p, NULL, err, sizeof(err)));
	assert_string_equal(err, "merge patch: empty patch");
	r = patch_merge(NULL, p, err, sizeof(err));
	assert_non_null(r);
	assert_true(cJSON_Compare(r, p, 1));
	cJSON_Delete(r);
	/* member order of the original is kept when a value is replaced */
	{
		cJSON *o = J("{'x':1,'y':2,'z':3}"), *q = J("{'y':5}");
		char *s;

		r = patch_merge(o, q, NULL, 0);
		s = cJSON_PrintUnformatted(r);
		assert_string_equal(s, "{\"x\":1,\"y\":5,\"z\":3}");
		free(s);
		cJSON_Delete(r);
		cJSON_Delete(o);
		cJSON_Delete(q);
	}
	cJSON_Delete(p);
}

/* ---- strategic merge patch ---- */

/* The Service that `kubectl apply` changed from port 80 to 443 (§6.4). */
#define SVC_ORIG                                                                                   \
	"{'kind':'Service','apiVersion':'v1','metadata':{'name':'ap-svc','namespace':'default',"   \
	"'uid':'u1','resourceVersion':'5','creationTimestamp':'2021-01-13T13:20:00Z',"             \
	"'annotations':{'kubectl.kubernetes.io/last-applied-configuration':'{\\'old\\':1}\\n'}},"  \
	"'spec':{'type':'ClusterIP','selector':{'app':'web'},'clusterIP':'10.96.0.10',"            \
	"'clusterIPs':['10.96.0.10'],'sessionAffinity':'None',"                                    \
	"'ports':[{'name':'http','protocol':'TCP','port':80,'targetPort':8080}]},"                 \
	"'status':{'loadBalancer':{}}}"
/* The PATCH body kubectl 1.20 sent, as recorded. */
#define SVC_PATCH                                                                                  \
	"{'metadata':{'annotations':{'kubectl.kubernetes.io/last-applied-configuration':"          \
	"'{\\'new\\':1}\\n'}},'spec':{'$setElementOrder/ports':[{'port':443}],"                    \
	"'ports':[{'name':'https','port':443,'targetPort':8443},{'$patch':'delete','port':80}]}}"
#define SVC_WANT                                                                                   \
	"{'kind':'Service','apiVersion':'v1','metadata':{'name':'ap-svc','namespace':'default',"   \
	"'uid':'u1','resourceVersion':'5','creationTimestamp':'2021-01-13T13:20:00Z',"             \
	"'annotations':{'kubectl.kubernetes.io/last-applied-configuration':'{\\'new\\':1}\\n'}},"  \
	"'spec':{'type':'ClusterIP','selector':{'app':'web'},'clusterIP':'10.96.0.10',"            \
	"'clusterIPs':['10.96.0.10'],'sessionAffinity':'None',"                                    \
	"'ports':[{'name':'https','port':443,'targetPort':8443}]},"                                \
	"'status':{'loadBalancer':{}}}"

#define DEP_ORIG                                                                                   \
	"{'kind':'Deployment','spec':{'replicas':1,'strategy':{'type':'RollingUpdate',"            \
	"'rollingUpdate':{'maxSurge':1,'maxUnavailable':0}},'template':{'spec':{"                  \
	"'containers':[{'name':'web','image':'a','env':[{'name':'A','value':'1'},"                 \
	"{'name':'B','value':'2'}],'ports':[{'containerPort':80,'name':'http'}],"                  \
	"'volumeMounts':[{'mountPath':'/d','name':'data'}]},{'name':'side','image':'s'}],"         \
	"'volumes':[{'name':'data','emptyDir':{}}],'tolerations':[{'key':'k1'}]}}}}"

static const struct pcase smp_cases[] = {
    {"kubectl apply 80->443", "Service", SVC_ORIG, SVC_PATCH, SVC_WANT, NULL},
    {"service ports merge by port", "Service",
     "{'spec':{'ports':[{'port':80,'name':'http','targetPort':8080},{'port':443,'name':'https'}]}}",
     "{'spec':{'ports':[{'port':80,'targetPort':9090}]}}",
     "{'spec':{'ports':[{'port':80,'name':'http','targetPort':9090},{'port':443,'name':'https'}]}}",
     NULL},
    /* upstream puts patch items before server-only items when no
     * $setElementOrder says otherwise */
    {"new port without order", "Service", "{'spec':{'ports':[{'port':80},{'port':443}]}}",
     "{'spec':{'ports':[{'port':8443}]}}",
     "{'spec':{'ports':[{'port':8443},{'port':80},{'port':443}]}}", NULL},
    {"new port with order", "Service", "{'spec':{'ports':[{'port':80},{'port':443}]}}",
     "{'spec':{'$setElementOrder/ports':[{'port':80},{'port':8080},{'port':443}],"
     "'ports':[{'port':8080}]}}",
     "{'spec':{'ports':[{'port':80},{'port':8080},{'port':443}]}}", NULL},
    {"order only", "Service", "{'spec':{'ports':[{'port':80},{'port':443}]}}",
     "{'spec':{'$setElementOrder/ports':[{'port':443},{'port':80}]}}",
     "{'spec':{'ports':[{'port':443},{'port':80}]}}", NULL},
    {"delete missing element is a no-op", "Service", "{'spec':{'ports':[{'port':80}]}}",
     "{'spec':{'ports':[{'$patch':'delete','port':81}]}}", "{'spec':{'ports':[{'port':80}]}}",
     NULL},
    {"merge key type matters", "Service", "{'spec':{'ports':[{'port':80,'name':'a'}]}}",
     "{'spec':{'ports':[{'port':'80','name':'b'}]}}",
     "{'spec':{'ports':[{'port':'80','name':'b'},{'port':80,'name':'a'}]}}", NULL},
    {"list $patch replace", "Service", "{'spec':{'ports':[{'port':80},{'port':443}]}}",
     "{'spec':{'ports':[{'$patch':'replace'},{'port':9000,'name':null}]}}",
     "{'spec':{'ports':[{'port':9000}]}}", NULL},
    {"ports of other kinds are replaced", "Endpoints",
     "{'spec':{'ports':[{'port':80},{'port':443}]}}", "{'spec':{'ports':[{'port':8080}]}}",
     "{'spec':{'ports':[{'port':8080}]}}", NULL},
    {"service lists without key replaced", "Service",
     "{'spec':{'externalIPs':['1.1.1.1','2.2.2.2'],'clusterIPs':['10.96.0.9']}}",
     "{'spec':{'externalIPs':['3.3.3.3']}}",
     "{'spec':{'externalIPs':['3.3.3.3'],'clusterIPs':['10.96.0.9']}}", NULL},
    {"endpointslice lists replaced", "EndpointSlice",
     "{'endpoints':[{'addresses':['10.0.0.1']}],'ports':[{'port':80}]}",
     "{'endpoints':[{'addresses':['10.0.0.2']}]}",
     "{'endpoints':[{'addresses':['10.0.0.2']}],'ports':[{'port':80}]}", NULL},
    {"map null deletes", "Service", "{'metadata':{'labels':{'a':'1','b':'2'}}}",
     "{'metadata':{'labels':{'a':null,'c':'3'}}}", "{'metadata':{'labels':{'b':'2','c':'3'}}}",
     NULL},
    {"null for missing key is dropped", "Service", "{'metadata':{}}",
     "{'metadata':{'labels':null,'annotations':{'x':null,'y':'1'}}}",
     "{'metadata':{'annotations':{'y':'1'}}}", NULL},
    {"map $patch replace", "Service", "{'spec':{'selector':{'a':'1','b':'2'},'type':'X'}}",
     "{'spec':{'selector':{'$patch':'replace','c':'3'}}}",
     "{'spec':{'selector':{'c':'3'},'type':'X'}}", NULL},
    {"map $patch delete leaves {} (upstream)", "Service",
     "{'spec':{'selector':{'a':'1'},'type':'X'}}", "{'spec':{'selector':{'$patch':'delete'}}}",
     "{'spec':{'selector':{},'type':'X'}}", NULL},
    {"top-level $patch replace", "Service", "{'a':1,'b':2}", "{'$patch':'replace','c':3}",
     "{'c':3}", NULL},
    {"$retainKeys strategy", "Deployment", DEP_ORIG,
     "{'spec':{'strategy':{'$retainKeys':['type'],'type':'Recreate'}}}",
     "{'kind':'Deployment','spec':{'replicas':1,'strategy':{'type':'Recreate'},'template':{'spec':{"
     "'containers':[{'name':'web','image':'a','env':[{'name':'A','value':'1'},"
     "{'name':'B','value':'2'}],'ports':[{'containerPort':80,'name':'http'}],"
     "'volumeMounts':[{'mountPath':'/d','name':'data'}]},{'name':'side','image':'s'}],"
     "'volumes':[{'name':'data','emptyDir':{}}],'tolerations':[{'key':'k1'}]}}}}",
     NULL},
    {"$retainKeys in volumes", "Deployment",
     "{'spec':{'template':{'spec':{'volumes':[{'name':'v','emptyDir':{},'x':1}]}}}}",
     "{'spec':{'template':{'spec':{'volumes':[{'$retainKeys':['name','hostPath'],"
     "'name':'v','hostPath':{'path':'/p'}}]}}}}",
     "{'spec':{'template':{'spec':{'volumes':[{'name':'v','hostPath':{'path':'/p'}}]}}}}", NULL},
    {"deployment containers/env/ports/mounts", "Deployment", DEP_ORIG,
     "{'spec':{'template':{'spec':{'containers':[{'name':'web','image':'b',"
     "'env':[{'name':'B','value':'3'}],'ports':[{'containerPort':80,'protocol':'TCP'}],"
     "'volumeMounts':[{'mountPath':'/d','readOnly':true}]}],"
     "'tolerations':[{'key':'k2'}]}}}}",
     "{'kind':'Deployment','spec':{'replicas':1,'strategy':{'type':'RollingUpdate',"
     "'rollingUpdate':{'maxSurge':1,'maxUnavailable':0}},'template':{'spec':{"
     "'containers':[{'name':'web','image':'b','env':[{'name':'A','value':'1'},"
     "{'name':'B','value':'3'}],'ports':[{'containerPort':80,'name':'http','protocol':'TCP'}],"
     "'volumeMounts':[{'mountPath':'/d','name':'data','readOnly':true}]},"
     "{'name':'side','image':'s'}],"
     "'volumes':[{'name':'data','emptyDir':{}}],'tolerations':[{'key':'k2'}]}}}}",
     NULL},
    {"delete a container", "Deployment",
     "{'spec':{'template':{'spec':{'containers':[{'name':'a'},{'name':'b'}]}}}}",
     "{'spec':{'template':{'spec':{'$setElementOrder/containers':[{'name':'b'}],"
     "'containers':[{'$patch':'delete','name':'a'}]}}}}",
     "{'spec':{'template':{'spec':{'containers':[{'name':'b'}]}}}}", NULL},
    {"pod containers, imagePullSecrets, initContainers", "Pod",
     "{'spec':{'containers':[{'name':'a','image':'1'}],'initContainers':[{'name':'i','image':'1'}],"
     "'imagePullSecrets':[{'name':'s1'}]}}",
     "{'spec':{'containers':[{'name':'a','image':'2'}],'initContainers':[{'name':'i','args':['x']}]"
     ","
     "'imagePullSecrets':[{'name':'s2'}]}}",
     "{'spec':{'containers':[{'name':'a','image':'2'}],"
     "'initContainers':[{'name':'i','image':'1','args':['x']}],"
     "'imagePullSecrets':[{'name':'s2'},{'name':'s1'}]}}",
     NULL},
    {"pod-spec keys only where the kind keeps its PodSpec", "Pod",
     "{'spec':{'template':{'spec':{'containers':[{'name':'a'}]}}}}",
     "{'spec':{'template':{'spec':{'containers':[{'name':'b'}]}}}}",
     "{'spec':{'template':{'spec':{'containers':[{'name':'b'}]}}}}", NULL},
    {"status.conditions by type", "Deployment",
     "{'status':{'conditions':[{'type':'Available','status':'False'},"
     "{'type':'Progressing','status':'True'}]}}",
     "{'status':{'conditions':[{'type':'Available','status':'True'}]}}",
     "{'status':{'conditions':[{'type':'Available','status':'True'},"
     "{'type':'Progressing','status':'True'}]}}",
     NULL},
    {"node addresses by type", "Node",
     "{'status':{'addresses':[{'type':'InternalIP','address':'10.0.0.1'},"
     "{'type':'Hostname','address':'n1'}]}}",
     "{'status':{'addresses':[{'type':'InternalIP','address':'10.0.0.2'}]}}",
     "{'status':{'addresses':[{'type':'InternalIP','address':'10.0.0.2'},"
     "{'type':'Hostname','address':'n1'}]}}",
     NULL},
    {"ownerReferences by uid", "ReplicaSet",
     "{'metadata':{'ownerReferences':[{'uid':'1','name':'a'},{'uid':'2','name':'b'}]}}",
     "{'metadata':{'ownerReferences':[{'uid':'2','controller':true}]}}",
     "{'metadata':{'ownerReferences':[{'uid':'1','name':'a'},{'uid':'2','name':'b',"
     "'controller':true}]}}",
     NULL},
    {"$deleteFromPrimitiveList", "Service", "{'metadata':{'finalizers':['a','b','c']}}",
     "{'metadata':{'$deleteFromPrimitiveList/finalizers':['b','zz']}}",
     "{'metadata':{'finalizers':['a','c']}}", NULL},
    {"finalizers merge as a set in order", "Service", "{'metadata':{'finalizers':['a','b']}}",
     "{'metadata':{'$setElementOrder/finalizers':['a','d'],"
     "'$deleteFromPrimitiveList/finalizers':['b'],'finalizers':['d','a']}}",
     "{'metadata':{'finalizers':['a','d']}}", NULL},
    {"new value: nulls and directives applied to nothing", "Service", "{}",
     "{'spec':{'x':{'a':1,'b':null},'ports':[{'port':1,'$patch':'delete'},{'port':2}]}}",
     "{'spec':{'x':{'a':1},'ports':[{'port':2}]}}", NULL},
    {"type change replaces", "Service", "{'spec':'oops','a':[1],'b':{'x':1}}",
     "{'spec':{'ports':[{'port':1}]},'a':{'k':null,'v':1},'b':[1]}",
     "{'spec':{'ports':[{'port':1}]},'a':{'v':1},'b':[1]}", NULL},
    {"orig is not an object", "Service", "[1,2]", "{'a':1}", "{'a':1}", NULL},
    {"$setElementOrder on a replaced list is ignored", "Service",
     "{'spec':{'externalIPs':['a','b']}}",
     "{'spec':{'$setElementOrder/externalIPs':['b','a'],'externalIPs':['c']}}",
     "{'spec':{'externalIPs':['c']}}", NULL},
    /* errors, worded like upstream where it has a message */
    {"patch not an object", "Service", "{}", "[1]", NULL,
     "strategic merge patch: the patch must be a JSON object"},
    {"delete without merge key", "Service", "{'spec':{'ports':[{'port':80}]}}",
     "{'spec':{'ports':[{'$patch':'delete'}]}}", NULL,
     "map: {\"$patch\":\"delete\"} does not contain declared merge key: port"},
    {"element without merge key", "Service", "{'spec':{'ports':[{'port':80}]}}",
     "{'spec':{'ports':[{'name':'x'}]}}", NULL,
     "map: {\"name\":\"x\"} does not contain declared merge key: port"},
    {"unknown $patch in map", "Service", "{'spec':{}}", "{'spec':{'$patch':'zap'}}", NULL,
     "unknown patch type: zap in map: {\"$patch\":\"zap\"}"},
    {"unknown $patch in list", "Service", "{'spec':{'ports':[]}}",
     "{'spec':{'ports':[{'$patch':7,'port':1}]}}", NULL,
     "unknown patch type: 7 in map: {\"$patch\":7,\"port\":1}"},
    {"$patch merge in list", "Service", "{'spec':{'ports':[]}}",
     "{'spec':{'ports':[{'$patch':'merge','port':1}]}}", NULL,
     "merging lists cannot yet be specified in the patch"},
    {"mixed element types", "Service", "{'spec':{'ports':[80]}}",
     "{'spec':{'ports':[{'port':80}]}}", NULL,
     "list element types are not identical: [[80] [{\"port\":80}]]"},
    {"list of lists", "Service", "{'spec':{'ports':[[1]]}}", "{'spec':{'ports':[[2]]}}", NULL,
     "list element types are not identical: [[[1]] [[2]]]"},
    {"$retainKeys not a list", "Deployment", "{'spec':{'strategy':{}}}",
     "{'spec':{'strategy':{'$retainKeys':'type'}}}", NULL, "invalid patch format of retainKeys"},
    {"$retainKeys missing a patched key", "Deployment", "{'spec':{'strategy':{}}}",
     "{'spec':{'strategy':{'$retainKeys':['type'],'rollingUpdate':{}}}}", NULL,
     "invalid patch format of retainKeys"},
    {"$setElementOrder not a list", "Service", "{'spec':{'ports':[]}}",
     "{'spec':{'$setElementOrder/ports':5}}", NULL, "invalid patch format of setElementOrder list"},
    {"$setElementOrder without a name", "Service", "{'spec':{}}",
     "{'spec':{'$setElementOrder/':[]}}", NULL, "invalid patch format of setElementOrder list"},
    {"$deleteFromPrimitiveList not a list", "Service", "{'metadata':{'finalizers':['a']}}",
     "{'metadata':{'$deleteFromPrimitiveList/finalizers':'a'}}", NULL,
     "invalid patch format of primitive list"},
    {"finalizers of objects cannot merge", "Service", "{'metadata':{'finalizers':[{'a':1}]}}",
     "{'metadata':{'finalizers':[{'a':2}]}}", NULL,
     "cannot merge lists without merge key for type map"},
};

static void test_smp_table(void **state)
{
	(void)state;
	RUN(SMP, smp_cases);
}

/* Re-applying the same apply patch to its own result changes nothing, so
 * `kubectl apply` reports "unchanged" the second time. */
static void test_smp_apply_twice(void **state)
{
	cJSON *o = J(SVC_ORIG), *p = J(SVC_PATCH), *r1, *r2;
	char err[256];

	(void)state;
	r1 = patch_strategic(o, p, "Service", err, sizeof(err));
	assert_non_null(r1);
	r2 = patch_strategic(r1, p, "Service", err, sizeof(err));
	assert_non_null(r2);
	assert_true(cJSON_Compare(r1, r2, 1));
	/* and the result is not the original */
	assert_false(cJSON_Compare(r1, o, 1));
	cJSON_Delete(r1);
	cJSON_Delete(r2);
	cJSON_Delete(o);
	cJSON_Delete(p);
}

/* A no-op apply patch (only the annotation, unchanged) yields an equal object. */
static void test_smp_noop(void **state)
{
	cJSON *o = J(SVC_WANT), *r;
	cJSON *p =
	    J("{'metadata':{'annotations':{'kubectl.kubernetes.io/last-applied-configuration':"
	      "'{\\'new\\':1}\\n'}},'spec':{'$setElementOrder/ports':[{'port':443}]}}");

	(void)state;
	r = patch_strategic(o, p, "Service", NULL, 0);
	assert_non_null(r);
	assert_true(cJSON_Compare(r, o, 1));
	cJSON_Delete(r);
	cJSON_Delete(o);
	cJSON_Delete(p);
}

/* ---- RFC 6902 ---- */

static const struct pcase json_cases[] = {
    {"add member", NULL, "{'a':1}", "[{'op':'add','path':'/b','value':2}]", "{'a':1,'b':2}", NULL},
    {"add replaces member", NULL, "{'a':1}", "[{'op':'add','path':'/a','value':[1]}]", "{'a':[1]}",
     NULL},
    {"add null value", NULL, "{}", "[{'op':'add','path':'/a','value':null}]", "{'a':null}", NULL},
    {"add into array", NULL, "{'a':[1,3]}", "[{'op':'add','path':'/a/1','value':2}]",
     "{'a':[1,2,3]}", NULL},
    {"add at array end index", NULL, "{'a':[1]}", "[{'op':'add','path':'/a/1','value':2}]",
     "{'a':[1,2]}", NULL},
    {"append with -", NULL, "{'a':[1,3]}", "[{'op':'add','path':'/a/-','value':4}]",
     "{'a':[1,3,4]}", NULL},
    {"add whole document", NULL, "{'a':1}", "[{'op':'add','path':'','value':[1]}]", "[1]", NULL},
    {"remove member", NULL, "{'a':1,'b':2}", "[{'op':'remove','path':'/a'}]", "{'b':2}", NULL},
    {"remove element", NULL, "{'a':[1,2,3]}", "[{'op':'remove','path':'/a/0'}]", "{'a':[2,3]}",
     NULL},
    {"replace member", NULL, "{'a':1,'b':2}", "[{'op':'replace','path':'/a','value':5}]",
     "{'a':5,'b':2}", NULL},
    {"replace element", NULL, "{'a':[1,2]}", "[{'op':'replace','path':'/a/1','value':9}]",
     "{'a':[1,9]}", NULL},
    {"replace document", NULL, "{'a':1}", "[{'op':'replace','path':'','value':{'b':1}}]", "{'b':1}",
     NULL},
    {"move", NULL, "{'a':{'b':1},'c':{}}", "[{'op':'move','from':'/a/b','path':'/c/d'}]",
     "{'a':{},'c':{'d':1}}", NULL},
    {"move in array", NULL, "{'a':[1,2,3]}", "[{'op':'move','from':'/a/0','path':'/a/-'}]",
     "{'a':[2,3,1]}", NULL},
    {"move to itself", NULL, "{'a':1}", "[{'op':'move','from':'/a','path':'/a'}]", "{'a':1}", NULL},
    {"copy", NULL, "{'a':[1]}", "[{'op':'copy','from':'/a','path':'/b'}]", "{'a':[1],'b':[1]}",
     NULL},
    {"test passes", NULL, "{'a':{'x':[1,'s'],'y':null}}",
     "[{'op':'test','path':'/a','value':{'y':null,'x':[1,'s']}}]", "{'a':{'x':[1,'s'],'y':null}}",
     NULL},
    {"escapes ~0 ~1", NULL, "{'a/b':1,'m~n':2,'~1':3}",
     "[{'op':'test','path':'/a~1b','value':1},{'op':'test','path':'/m~0n','value':2},"
     "{'op':'remove','path':'/a~1b'},{'op':'remove','path':'/~01'}]",
     "{'m~n':2}", NULL},
    {"label with slash", NULL, "{'metadata':{'labels':{}}}",
     "[{'op':'add','path':'/metadata/labels/app.kubernetes.io~1name','value':'web'}]",
     "{'metadata':{'labels':{'app.kubernetes.io/name':'web'}}}", NULL},
    {"empty key", NULL, "{'':1}", "[{'op':'replace','path':'/','value':2}]", "{'':2}", NULL},
    {"ops in sequence", NULL, "{'spec':{'replicas':1}}",
     "[{'op':'test','path':'/spec/replicas','value':1},"
     "{'op':'replace','path':'/spec/replicas','value':3},"
     "{'op':'add','path':'/spec/paused','value':true}]",
     "{'spec':{'replicas':3,'paused':true}}", NULL},
    {"empty patch", NULL, "{'a':1}", "[]", "{'a':1}", NULL},
    /* errors */
    {"replace missing", NULL, "{'spec':{}}", "[{'op':'replace','path':'/spec/x','value':1}]", NULL,
     "json patch: path /spec/x not found"},
    {"remove missing", NULL, "{'a':1}", "[{'op':'remove','path':'/b'}]", NULL,
     "json patch: path /b not found"},
    {"add under missing", NULL, "{'spec':{}}", "[{'op':'add','path':'/spec/x/y','value':1}]", NULL,
     "json patch: path /spec/x/y not found"},
    {"add under scalar", NULL, "{'a':1}", "[{'op':'add','path':'/a/b','value':1}]", NULL,
     "json patch: path /a/b not found"},
    {"index leading zero", NULL, "{'a':[1,2]}", "[{'op':'add','path':'/a/01','value':1}]", NULL,
     "json patch: invalid array index in path /a/01"},
    {"index out of range", NULL, "{'a':[1,2]}", "[{'op':'add','path':'/a/3','value':1}]", NULL,
     "json patch: invalid array index in path /a/3"},
    {"index not a number", NULL, "{'a':[1]}", "[{'op':'add','path':'/a/x','value':1}]", NULL,
     "json patch: invalid array index in path /a/x"},
    {"remove with -", NULL, "{'a':[1]}", "[{'op':'remove','path':'/a/-'}]", NULL,
     "json patch: path /a/- not found"},
    {"huge index", NULL, "{'a':[1]}", "[{'op':'replace','path':'/a/99999999999999','value':1}]",
     NULL, "json patch: path /a/99999999999999 not found"},
    {"test fails", NULL, "{'a':1}", "[{'op':'test','path':'/a','value':'1'}]", NULL,
     "json patch: test failed at path /a"},
    {"failure is atomic", NULL, "{'a':1}",
     "[{'op':'add','path':'/b','value':2},{'op':'test','path':'/b','value':3}]", NULL,
     "json patch: test failed at path /b"},
    {"move into child", NULL, "{'a':{'b':{}}}", "[{'op':'move','from':'/a','path':'/a/b/c'}]", NULL,
     "json patch: cannot move /a into its child /a/b/c"},
    {"move missing", NULL, "{}", "[{'op':'move','from':'/x','path':'/y'}]", NULL,
     "json patch: path /x not found"},
    {"copy missing", NULL, "{}", "[{'op':'copy','from':'/x','path':'/y'}]", NULL,
     "json patch: path /x not found"},
    {"remove document", NULL, "{}", "[{'op':'remove','path':''}]", NULL,
     "json patch: cannot remove the whole document"},
    {"bad escape", NULL, "{'a~2':1}", "[{'op':'remove','path':'/a~2'}]", NULL,
     "json patch: invalid escape in path /a~2"},
    {"path without slash", NULL, "{'a':1}", "[{'op':'remove','path':'a'}]", NULL,
     "json patch: invalid path a: must start with '/'"},
    {"unknown op", NULL, "{}", "[{'op':'frob','path':'/a'}]", NULL,
     "json patch: unknown op \"frob\""},
    {"missing value", NULL, "{}", "[{'op':'add','path':'/a'}]", NULL,
     "json patch: add operation needs a \"value\""},
    {"missing from", NULL, "{}", "[{'op':'copy','path':'/a'}]", NULL,
     "json patch: copy operation needs a \"from\""},
    {"missing op", NULL, "{}", "[{'path':'/a'}]", NULL,
     "json patch: operation 0 needs \"op\" and \"path\""},
    {"op not object", NULL, "{}", "[{'op':'test','path':'','value':{}},1]", NULL,
     "json patch: operation 1 is not an object"},
    {"patch not array", NULL, "{}", "{'op':'add'}", NULL,
     "json patch: the patch must be a JSON array of operations"},
};

static void test_json_table(void **state)
{
	(void)state;
	RUN(JSONP, json_cases);
}

/* Every patch kind over every pairing of odd values: a result, or NULL
 * with a message; never a crash (the SAN build checks memory). */
static void test_never_crash(void **state)
{
	static const char *const vals[] = {
	    "null",
	    "1",
	    "'s'",
	    "[]",
	    "{}",
	    "[1,{'a':null}]",
	    "{'$patch':'delete'}",
	    "{'$patch':'replace','a':null}",
	    "{'$patch':null}",
	    "{'spec':{'ports':[1,{'port':1}]}}",
	    "{'spec':{'ports':[{'port':null},{'$patch':'delete','port':null}]}}",
	    "{'spec':{'ports':{'$patch':'x'}}}",
	    "{'spec':{'$setElementOrder/ports':[1,'a',{'port':2},[]],'ports':[{'port':2}]}}",
	    "{'spec':{'$setElementOrder/ports':[{'port':2}],'ports':null}}",
	    "{'spec':{'$setElementOrder/ports':[],'ports':7}}",
	    "{'metadata':{'$deleteFromPrimitiveList/finalizers':[{'a':1},null],'finalizers':null}}",
	    "{'metadata':{'finalizers':[null,null,1,1,'1']}}",
	    "{'$retainKeys':[1,null],'a':null}",
	    "{'spec':{'template':{'spec':{'containers':[{'name':'a','env':[{'name':1},{'name':1}]},"
	    "{'name':'a'}]}}}}",
	    "{'spec':{'template':{'spec':{'containers':[{'name':'a','env':{'x':1}}]}}}}",
	    "[{'op':'add','path':'/a','value':1}]",
	    "[{'op':'move','from':'','path':'/a'}]",
	    "[{'op':'copy','from':'','path':'/a'}]",
	    "[{'op':'add','path':'/-','value':1}]",
	    "[{'op':'replace','path':'/0','value':1}]",
	    "[{'op':'test','path':'/a/b/c','value':1}]",
	    "[{'op':'add','path':'','value':null},{'op':'add','path':'/x','value':1}]",
	    "[{'op':1,'path':2}]",
	};
	static const char *const kinds[] = {"Service", "Deployment", "Pod", NULL};
	size_t n = sizeof(vals) / sizeof(vals[0]), ok = 0, bad = 0;

	(void)state;
	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j < n; j++) {
			cJSON *o = J(vals[i]), *p = J(vals[j]);

			for (int t = MERGE; t <= JSONP; t++) {
				for (size_t k = 0; k < 4; k++) {
					char err[256] = "";
					cJSON *r = run(t, o, p, kinds[k], err, sizeof(err));

					if (r) {
						ok++;
					} else {
						bad++;
						if (!err[0])
							fail_msg("no message: %s / %s", vals[i],
								 vals[j]);
					}
					cJSON_Delete(r);
					if (t != SMP)
						break;
				}
			}
			cJSON_Delete(o);
			cJSON_Delete(p);
		}
	}
	/* both outcomes occur, so the sweep exercised both paths */
	assert_true(ok > 0 && bad > 0);
}

/* Deep nesting and large merge lists stay correct and bounded. */
static void test_big_inputs(void **state)
{
	cJSON *o = cJSON_CreateObject(), *p = cJSON_CreateObject(), *r, *ports, *pp, *cur;
	cJSON *spec = cJSON_AddObjectToObject(o, "spec"),
	      *pspec = cJSON_AddObjectToObject(p, "spec");
	char err[256];
	int i;

	(void)state;
	ports = cJSON_AddArrayToObject(spec, "ports");
	pp = cJSON_AddArrayToObject(pspec, "ports");
	for (i = 0; i < 20000; i++) {
		cJSON *e = cJSON_CreateObject();

		cJSON_AddNumberToObject(e, "port", i);
		cJSON_AddItemToArray(ports, e);
		if (i % 2 == 0) {
			cJSON *d = cJSON_CreateObject();

			cJSON_AddStringToObject(d, "$patch", "delete");
			cJSON_AddNumberToObject(d, "port", i);
			cJSON_AddItemToArray(pp, d);
		}
	}
	r = patch_strategic(o, p, "Service", err, sizeof(err));
	assert_non_null(r);
	cur =
	    cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(r, "spec"), "ports");
	assert_int_equal(cJSON_GetArraySize(cur), 10000);
	assert_int_equal(
	    cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(cur, 0), "port")->valueint, 1);
	cJSON_Delete(r);
	cJSON_Delete(o);
	cJSON_Delete(p);

	/* 900 levels of nesting with long keys */
	o = cJSON_CreateObject();
	p = cJSON_CreateObject();
	{
		cJSON *a = o, *b = p;
		char key[200];

		memset(key, 'k', sizeof(key) - 1);
		key[sizeof(key) - 1] = '\0';
		for (i = 0; i < 900; i++) {
			a = cJSON_AddObjectToObject(a, key);
			b = cJSON_AddObjectToObject(b, key);
		}
		cJSON_AddNumberToObject(b, "leaf", 1);
	}
	for (int t = MERGE; t <= SMP; t++) {
		r = run(t, o, p, "Service", err, sizeof(err));
		assert_non_null(r);
		cJSON_Delete(r);
	}
	cJSON_Delete(o);
	cJSON_Delete(p);
}

/* ---- limits: every request's cost is bounded by its size ---- */

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Apply and return the code; *out the result (caller frees). */
static int apply(enum patch_type t, const cJSON *o, const cJSON *p, size_t max, cJSON **out,
		 char *err, size_t len)
{
	return patch_apply(t, o, p, "Deployment", max, out, err, len);
}

/* A 1 KB object whose /spec is copied into itself doubles per op: the copy
 * limit stops it with upstream's message (422), before memory runs out. */
static void test_copy_amplification(void **state)
{
	cJSON *o = cJSON_CreateObject(), *p = cJSON_CreateArray(), *r;
	cJSON *spec = cJSON_AddObjectToObject(o, "spec");
	char big[1001], err[256], path[32];
	int rc;

	(void)state;
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	cJSON_AddStringToObject(spec, "a", big);
	for (int i = 0; i < 21; i++) {
		cJSON *op = cJSON_CreateObject();

		snprintf(path, sizeof(path), "/spec/c%d", i);
		cJSON_AddStringToObject(op, "op", "copy");
		cJSON_AddStringToObject(op, "from", "/spec");
		cJSON_AddStringToObject(op, "path", path);
		cJSON_AddItemToArray(p, op);
	}
	rc = apply(PATCH_JSON, o, p, 1 << 20, &r, err, sizeof(err));
	assert_int_equal(rc, -EINVAL);
	assert_null(r);
	assert_non_null(strstr(err, "Unable to complete the copy, the accumulated size increase "
				    "of copy is "));
	assert_non_null(strstr(err, "exceeding the limit 1048576"));
	/* The legacy entry point applies the default limit too. */
	r = patch_json(o, p, err, sizeof(err));
	assert_null(r);
	cJSON_Delete(o);
	cJSON_Delete(p);
}

/* Results over max_bytes are -E2BIG (413) for every type; at the limit
 * they pass. */
static void test_result_limit(void **state)
{
	cJSON *o = J("{'spec':{}}"), *p, *r;
	char err[256], *txt;
	size_t len;
	int rc;

	(void)state;
	p = J("{'spec':{'a':'0123456789012345678901234567890123456789'}}");
	rc = apply(PATCH_MERGE, o, p, 60, &r, err, sizeof(err));
	assert_int_equal(rc, 0);
	txt = cJSON_PrintUnformatted(r);
	len = strlen(txt);
	free(txt);
	cJSON_Delete(r);
	for (enum patch_type t = PATCH_MERGE; t <= PATCH_STRATEGIC; t++) {
		assert_int_equal(apply(t, o, p, len, &r, err, sizeof(err)), 0);
		cJSON_Delete(r);
		char want[64];

		rc = apply(t, o, p, len - 1, &r, err, sizeof(err));
		assert_int_equal(rc, -E2BIG);
		assert_null(r);
		snprintf(want, sizeof(want), "Request entity too large: limit is %zu", len - 1);
		assert_string_equal(err, want);
	}
	cJSON_Delete(p);
	p = J("[{'op':'add','path':'/spec/a','value':'0123456789012345678901234567890123456789'}]");
	assert_int_equal(apply(PATCH_JSON, o, p, len - 1, &r, err, sizeof(err)), -E2BIG);
	cJSON_Delete(p);
	cJSON_Delete(o);
}

static void test_json_max_ops(void **state)
{
	cJSON *o = J("{}"), *p = cJSON_CreateArray(), *r;
	char err[256];

	(void)state;
	for (int i = 0; i <= PATCH_JSON_MAX_OPS; i++)
		cJSON_AddItemToArray(p, J("{'op':'test','path':'','value':{}}"));
	assert_int_equal(apply(PATCH_JSON, o, p, 1 << 20, &r, err, sizeof(err)), -E2BIG);
	assert_string_equal(err,
			    "The allowed maximum operations in a JSON patch is 10000, got 10001");
	cJSON_Delete(cJSON_DetachItemFromArray(p, 0));
	assert_int_equal(apply(PATCH_JSON, o, p, 1 << 20, &r, err, sizeof(err)), 0);
	cJSON_Delete(r);
	cJSON_Delete(p);
	cJSON_Delete(o);
}

/* n nested objects {"a":{"a":...{"b":1,"c":[...]}}}, each level with two
 * members: cJSON_Compare visits 2^n nodes for it. */
static cJSON *deep_obj(int n)
{
	cJSON *root = cJSON_CreateObject(), *cur = root;

	for (int i = 0; i < n; i++) {
		cJSON_AddNumberToObject(cur, "b", i);
		cur = cJSON_AddObjectToObject(cur, "a");
	}
	return root;
}

/* The JSON patch test op on a deep value is linear: 1000 levels (cJSON's
 * parse limit) in well under a second; a test failure deep down is found. */
static void test_deep_test_op(void **state)
{
	cJSON *o = deep_obj(998), *p = cJSON_CreateArray(), *op = cJSON_CreateObject(), *r;
	char err[256];
	double t0 = now_s();

	(void)state;
	cJSON_AddStringToObject(op, "op", "test");
	cJSON_AddStringToObject(op, "path", "");
	cJSON_AddItemToObject(op, "value", deep_obj(998));
	cJSON_AddItemToArray(p, op);
	assert_int_equal(apply(PATCH_JSON, o, p, 1 << 20, &r, err, sizeof(err)), 0);
	cJSON_Delete(r);
	cJSON_Delete(o);
	o = deep_obj(997);
	assert_int_equal(apply(PATCH_JSON, o, p, 1 << 20, &r, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "json patch: test failed at path ");
	printf("# deep test op: 2 x 998 levels in %.3f s\n", now_s() - t0);
	assert_true(now_s() - t0 < 2.0);
	cJSON_Delete(o);
	cJSON_Delete(p);
}

/* Nothing a JSON patch builds may nest deeper than cJSON could parse back. */
static void test_depth_cap(void **state)
{
	cJSON *o = deep_obj(600), *p = cJSON_CreateArray(), *op = cJSON_CreateObject(), *r;
	char err[256], *path = malloc(600 * 2 + 8), *w = path;

	(void)state;
	for (int i = 0; i < 599; i++)
		w += sprintf(w, "/a");
	sprintf(w, "/x");
	cJSON_AddStringToObject(op, "op", "add");
	cJSON_AddStringToObject(op, "path", path);
	cJSON_AddItemToObject(op, "value", deep_obj(600));
	cJSON_AddItemToArray(p, op);
	assert_int_equal(apply(PATCH_JSON, o, p, 1 << 24, &r, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "would nest deeper than 1000 levels at path"));
	/* copy and move of a deep value into its own depths too */
	cJSON_Delete(p);
	p = cJSON_CreateArray();
	op = cJSON_CreateObject();
	cJSON_AddStringToObject(op, "op", "copy");
	cJSON_AddStringToObject(op, "from", "/a");
	cJSON_AddStringToObject(op, "path", path);
	cJSON_AddItemToArray(p, op);
	assert_int_equal(apply(PATCH_JSON, o, p, 1 << 24, &r, err, sizeof(err)), -EINVAL);
	cJSON_SetValuestring(cJSON_GetObjectItemCaseSensitive(op, "op"), "move");
	cJSON_SetValuestring(cJSON_GetObjectItemCaseSensitive(op, "from"), "/a/a/b");
	assert_int_equal(apply(PATCH_JSON, o, p, 1 << 24, &r, err, sizeof(err)), 0);
	cJSON_Delete(r);
	free(path);
	cJSON_Delete(o);
	cJSON_Delete(p);
}

/* Walking the same long path over and over is charged to the work budget:
 * 10,000 test ops on the last of 100,000 elements end with 413, fast. */
static void test_work_budget(void **state)
{
	cJSON *o = cJSON_CreateObject(), *arr = cJSON_AddArrayToObject(o, "a"), *p, *r;
	char err[256];
	double t0;

	(void)state;
	for (int i = 0; i < 100000; i++)
		cJSON_AddItemToArray(arr, cJSON_CreateNumber(0));
	p = cJSON_CreateArray();
	for (int i = 0; i < PATCH_JSON_MAX_OPS; i++)
		cJSON_AddItemToArray(p, J("{'op':'test','path':'/a/99999','value':0}"));
	t0 = now_s();
	assert_int_equal(apply(PATCH_JSON, o, p, 1 << 24, &r, err, sizeof(err)), -E2BIG);
	assert_non_null(strstr(err, "the patch is too expensive to apply"));
	printf("# json patch budget: refused after %.3f s\n", now_s() - t0);
	cJSON_Delete(p);
	/* strategic: one wide element merged again and again */
	cJSON_Delete(o);
	o = J("{'spec':{'template':{'spec':{'containers':[{'name':'a'}]}}}}");
	{
		cJSON *c0 = cJSON_GetArrayItem(
		    cJSON_GetObjectItemCaseSensitive(
			cJSON_GetObjectItemCaseSensitive(
			    cJSON_GetObjectItemCaseSensitive(
				cJSON_GetObjectItemCaseSensitive(o, "spec"), "template"),
			    "spec"),
			"containers"),
		    0);
		cJSON *pl;
		char k[16];

		for (int i = 0; i < 40000; i++) {
			snprintf(k, sizeof(k), "k%d", i);
			cJSON_AddNumberToObject(c0, k, i);
		}
		p = J("{'spec':{'template':{'spec':{'containers':[]}}}}");
		pl = cJSON_GetObjectItemCaseSensitive(
		    cJSON_GetObjectItemCaseSensitive(
			cJSON_GetObjectItemCaseSensitive(
			    cJSON_GetObjectItemCaseSensitive(p, "spec"), "template"),
			"spec"),
		    "containers");
		for (int i = 0; i < 20000; i++)
			cJSON_AddItemToArray(pl, J("{'name':'a','x':1}"));
	}
	t0 = now_s();
	assert_int_equal(apply(PATCH_STRATEGIC, o, p, 1 << 24, &r, err, sizeof(err)), -E2BIG);
	printf("# strategic budget: refused after %.3f s\n", now_s() - t0);
	assert_true(now_s() - t0 < 5.0);
	cJSON_Delete(p);
	cJSON_Delete(o);
}

/* An object of n keys "k<i>": i (from first). */
static cJSON *wide(int first, int n)
{
	cJSON *o = cJSON_CreateObject();
	char k[16];

	for (int i = first; i < first + n; i++) {
		snprintf(k, sizeof(k), "k%d", i);
		cJSON_AddNumberToObject(o, k, i);
	}
	return o;
}

/* Wide objects cost ~linear: a no-op merge patch of 40,000 keys, and a
 * 200,000-key merge and strategic patch over a 40,000-key object. */
static void test_wide_objects(void **state)
{
	cJSON *o = cJSON_CreateObject(), *p, *r;
	char err[256];
	double t0, t1, t2;

	(void)state;
	cJSON_AddItemToObject(o, "spec", wide(0, 40000));
	p = cJSON_CreateObject();
	cJSON_AddItemToObject(p, "spec", wide(0, 40000));
	t0 = now_s();
	assert_int_equal(apply(PATCH_MERGE, o, p, 1 << 24, &r, err, sizeof(err)), 0);
	t1 = now_s();
	assert_int_equal(jcmp_equal(r, o), 1);
	cJSON_Delete(r);
	cJSON_Delete(p);
	p = cJSON_CreateObject();
	/* keys in reverse order: no fast path for the lookups */
	{
		cJSON *w = cJSON_AddObjectToObject(p, "spec");
		char k[16];

		for (int i = 200000 - 1; i >= 0; i--) {
			snprintf(k, sizeof(k), "k%d", i);
			cJSON_AddNumberToObject(w, k, -i);
		}
	}
	assert_int_equal(apply(PATCH_MERGE, o, p, 1 << 24, &r, err, sizeof(err)), 0);
	t2 = now_s();
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(r, "spec")), 200000);
	cJSON_Delete(r);
	assert_int_equal(apply(PATCH_STRATEGIC, o, p, 1 << 24, &r, err, sizeof(err)), 0);
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(r, "spec")), 200000);
	cJSON_Delete(r);
	printf("# no-op merge of 40000 keys: %.3f s; 200000-key merge over 40000 keys: %.3f s; "
	       "same strategic: %.3f s\n",
	       t1 - t0, t2 - t1, now_s() - t2);
	assert_true(now_s() - t0 < 5.0);
	cJSON_Delete(p);
	cJSON_Delete(o);
}

/* Keys a patch repeats: only the last counts, as in upstream (Go). */
static void test_repeated_keys(void **state)
{
	cJSON *o = J("{'a':{'x':1}}"), *p, *r;
	char err[256];

	(void)state;
	p = cJSON_Parse("{\"a\":{\"y\":2},\"a\":{\"z\":3}}");
	for (enum patch_type t = PATCH_MERGE; t <= PATCH_STRATEGIC; t++) {
		cJSON *want = J("{'a':{'x':1,'z':3}}");

		assert_int_equal(apply(t, o, p, 1 << 20, &r, err, sizeof(err)), 0);
		assert_int_equal(jcmp_equal(r, want), 1);
		cJSON_Delete(r);
		cJSON_Delete(want);
	}
	cJSON_Delete(p);
	cJSON_Delete(o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_merge_table),	       cmocka_unit_test(test_merge_edges),
	    cmocka_unit_test(test_smp_table),	       cmocka_unit_test(test_smp_apply_twice),
	    cmocka_unit_test(test_smp_noop),	       cmocka_unit_test(test_json_table),
	    cmocka_unit_test(test_never_crash),	       cmocka_unit_test(test_big_inputs),
	    cmocka_unit_test(test_copy_amplification), cmocka_unit_test(test_result_limit),
	    cmocka_unit_test(test_json_max_ops),       cmocka_unit_test(test_deep_test_op),
	    cmocka_unit_test(test_depth_cap),	       cmocka_unit_test(test_work_budget),
	    cmocka_unit_test(test_wide_objects),       cmocka_unit_test(test_repeated_keys),
	};

	return cmocka_run_group_tests_name("patch", tests, NULL, NULL);
}
