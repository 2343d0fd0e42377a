/* Unit tests for the resource table (lookups, discovery fields) and the
 * server-side Table rendering: column definitions, cells per resource, and
 * every HumanDuration branch of the Age column. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "res_fixture.h"
#include <cjson/cJSON.h>
#include "registry/resource.h"

/* "now" for every row: creationTimestamp 2021-01-13T13:20:00Z + 5 s */
#define T0	((time_t)1610544000)
#define CREATED "2021-01-13T13:20:00Z"

/* ---------------------------------------------------------------- table */

static void test_lookup(void **state)
{
	static const struct {
		const char *group, *plural, *kind, *api_version, *qualified, *shortname;
		bool namespaced, all;
	} want[] = {
	    {"", "namespaces", "Namespace", "v1", "namespaces", "ns", false, false},
	    {"", "services", "Service", "v1", "services", "svc", true, true},
	    {"", "endpoints", "Endpoints", "v1", "endpoints", "ep", true, false},
	    {"", "pods", "Pod", "v1", "pods", "po", true, true},
	    {"", "nodes", "Node", "v1", "nodes", "no", false, false},
	    {"", "events", "Event", "v1", "events", "ev", true, false},
	    {"", "persistentvolumes", "PersistentVolume", "v1", "persistentvolumes", "pv", false,
	     false},
	    {"", "persistentvolumeclaims", "PersistentVolumeClaim", "v1", "persistentvolumeclaims",
	     "pvc", true, false},
	    {"storage.k8s.io", "storageclasses", "StorageClass", "storage.k8s.io/v1",
	     "storageclasses.storage.k8s.io", "sc", false, false},
	    {"discovery.k8s.io", "endpointslices", "EndpointSlice", "discovery.k8s.io/v1",
	     "endpointslices.discovery.k8s.io", NULL, true, false},
	    {"apps", "deployments", "Deployment", "apps/v1", "deployments.apps", "deploy", true,
	     true},
	    {"apps", "replicasets", "ReplicaSet", "apps/v1", "replicasets.apps", "rs", true, true},
	    {"apps", "statefulsets", "StatefulSet", "apps/v1", "statefulsets.apps", "sts", true,
	     true},
	    {"", "configmaps", "ConfigMap", "v1", "configmaps", "cm", true, false},
	    {"", "secrets", "Secret", "v1", "secrets", NULL, true, false},
	    {"", "serviceaccounts", "ServiceAccount", "v1", "serviceaccounts", "sa", true, false},
	    {"coordination.k8s.io", "leases", "Lease", "coordination.k8s.io/v1",
	     "leases.coordination.k8s.io", NULL, true, false},
	    {"apps", "daemonsets", "DaemonSet", "apps/v1", "daemonsets.apps", "ds", true, true},
	    {"apps", "controllerrevisions", "ControllerRevision", "apps/v1",
	     "controllerrevisions.apps", NULL, true, false},
	    {"", "resourcequotas", "ResourceQuota", "v1", "resourcequotas", "quota", true, false},
	    {"", "limitranges", "LimitRange", "v1", "limitranges", "limits", true, false},
	    {"", "replicationcontrollers", "ReplicationController", "v1", "replicationcontrollers",
	     "rc", true, true},
	    {"batch", "jobs", "Job", "batch/v1", "jobs.batch", NULL, true, true},
	    {"batch", "cronjobs", "CronJob", "batch/v1", "cronjobs.batch", "cj", true, true},
	    {"autoscaling/v2", "horizontalpodautoscalers", "HorizontalPodAutoscaler",
	     "autoscaling/v2", "horizontalpodautoscalers.autoscaling", "hpa", true, true},
	    {"rbac.authorization.k8s.io", "clusterroles", "ClusterRole",
	     "rbac.authorization.k8s.io/v1", "clusterroles.rbac.authorization.k8s.io", NULL, false,
	     false},
	    {"rbac.authorization.k8s.io", "clusterrolebindings", "ClusterRoleBinding",
	     "rbac.authorization.k8s.io/v1", "clusterrolebindings.rbac.authorization.k8s.io", NULL,
	     false, false},
	    {"rbac.authorization.k8s.io", "roles", "Role", "rbac.authorization.k8s.io/v1",
	     "roles.rbac.authorization.k8s.io", NULL, true, false},
	    {"rbac.authorization.k8s.io", "rolebindings", "RoleBinding",
	     "rbac.authorization.k8s.io/v1", "rolebindings.rbac.authorization.k8s.io", NULL, true,
	     false},
	};
	int views = 0;

	(void)state;
	/* every stored type is listed here; views are checked in test_validate_b,
	 * the virtual review types (nothing stored, no Table) in test_auth.py */
	for (int i = 0; i < res_ntypes; i++)
		views += res_types[i]->storage != NULL || res_types[i]->review != NULL;
	assert_int_equal(res_ntypes - views, (int)(sizeof(want) / sizeof(want[0])));
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		/* group "autoscaling/v2": a group with its version */
		const char *slash = strchr(want[i].group, '/');
		char g[32];
		const struct res_type *rt;

		snprintf(g, sizeof(g), "%.*s",
			 slash ? (int)(slash - want[i].group) : (int)strlen(want[i].group),
			 want[i].group);
		rt = res_lookup(g, slash ? slash + 1 : "v1", want[i].plural);
		char list_kind[64];

		assert_non_null(rt);
		assert_ptr_equal(res_lookup_kind(want[i].api_version, want[i].kind), rt);
		assert_string_equal(rt->kind, want[i].kind);
		assert_string_equal(rt->api_version, want[i].api_version);
		assert_string_equal(res_qualified(rt), want[i].qualified);
		assert_int_equal(rt->namespaced, want[i].namespaced);
		assert_int_equal(rt->all_category, want[i].all);
		snprintf(list_kind, sizeof(list_kind), "%sList", rt->kind);
		assert_string_equal(rt->list_kind, list_kind);
		if (want[i].shortname)
			assert_string_equal(rt->short_names[0], want[i].shortname);
		else
			assert_null(rt->short_names[0]);
		assert_non_null(rt->validate);
		assert_non_null(rt->table_columns);
		assert_non_null(rt->table_cells);
	}
	assert_null(res_lookup("", "v1", "deployments"));
	assert_null(res_lookup("apps", "v1beta1", "deployments"));
	assert_null(res_lookup("", "v1", "widgets"));
	assert_null(res_lookup_kind("v1", "Deployment"));
	assert_null(res_lookup_kind("apps/v1", "Secret"));
	assert_true(res_lookup("", "v1", "services")->delete_returns_object);
	assert_true(res_lookup("", "v1", "pods")->delete_returns_object);
	assert_false(res_lookup("apps", "v1", "deployments")->delete_returns_object);
	assert_true(res_lookup("apps", "v1", "deployments")->has_scale);
	assert_true(res_lookup("apps", "v1", "deployments")->has_generation);
	assert_false(res_lookup("", "v1", "services")->has_generation);
	assert_string_equal(res_lookup("", "v1", "pods")->field_selectors[0], "spec.nodeName");
}

/* ------------------------------------------------------------------ Age */

static void test_age(void **state)
{
	static const struct {
		long long d; /* seconds since creation; -1e12 for "no timestamp" */
		const char *want;
	} cases[] = {
	    {-5, "<invalid>"},
	    {-2, "<invalid>"},
	    {-1, "0s"},
	    {0, "0s"},
	    {59, "59s"},
	    {119, "119s"},
	    {120, "2m"},
	    {125, "2m5s"},
	    {599, "9m59s"},
	    {600, "10m"},
	    {3 * 3600 - 1, "179m"},
	    {3 * 3600, "3h"},
	    {3 * 3600 + 5 * 60 + 7, "3h5m"},
	    {8 * 3600 - 1, "7h59m"},
	    {8 * 3600, "8h"},
	    {47 * 3600 + 3599, "47h"},
	    {48 * 3600, "2d"},
	    {53 * 3600, "2d5h"},
	    {8 * 86400 - 1, "7d23h"},
	    {8 * 86400, "8d"},
	    {729LL * 86400, "729d"},
	    {730LL * 86400, "2y"},
	    {740LL * 86400, "2y10d"},
	    {8LL * 365 * 86400 - 1, "7y364d"},
	    {8LL * 365 * 86400, "8y"},
	    {12LL * 365 * 86400 + 100 * 86400, "12y"},
	};
	char buf[32];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		res_age(T0, T0 + (time_t)cases[i].d, buf, sizeof(buf));
		if (strcmp(buf, cases[i].want))
			fail_msg("age %lld: got %s want %s", cases[i].d, buf, cases[i].want);
	}
	res_age(0, T0, buf, sizeof(buf));
	assert_string_equal(buf, "<unknown>");
}

static void test_parse_time(void **state)
{
	(void)state;
	assert_int_equal(res_parse_time(CREATED), T0);
	assert_int_equal(res_parse_time("2021-01-13T13:20:00.123456Z"), T0);
	assert_int_equal(res_parse_time("2021-01-13T15:20:00+02:00"), T0);
	assert_int_equal(res_parse_time("2021-01-13T12:20:00-01:00"), T0);
	assert_int_equal(res_parse_time("1970-01-01T00:00:10Z"), 10);
	assert_int_equal(res_parse_time("2021-01-13"), 0);
	assert_int_equal(res_parse_time("2021-01-13T13:20:00"), 0);
	assert_int_equal(res_parse_time("2021-01-13T13:20:00Zjunk"), 0);
	assert_int_equal(res_parse_time("garbage"), 0);
	assert_int_equal(res_parse_time(""), 0);
	assert_int_equal(res_parse_time(NULL), 0);
}

/* -------------------------------------------------------------- columns */

struct colspec {
	const char *plural;
	const char *cols; /* "Name:0,Type:0,...": name and priority, in order */
	const char *ints; /* names of integer columns, comma-separated */
};

static const struct colspec colspecs[] = {
    {"services", "Name:0,Type:0,Cluster-IP:0,External-IP:0,Port(s):0,Age:0,Selector:1", ""},
    {"endpoints", "Name:0,Endpoints:0,Age:0", ""},
    {"endpointslices", "Name:0,AddressType:0,Ports:0,Endpoints:0,Age:0", ""},
    {"pods",
     "Name:0,Ready:0,Status:0,Restarts:0,Age:0,IP:1,Node:1,Nominated Node:1,Readiness Gates:1",
     "Restarts"},
    {"nodes",
     "Name:0,Status:0,Roles:0,Age:0,Version:0,Internal-IP:1,External-IP:1,OS-Image:1,"
     "Kernel-Version:1,Container-Runtime:1",
     ""},
    {"deployments",
     "Name:0,Ready:0,Up-to-date:0,Available:0,Age:0,Containers:1,Images:1,Selector:1",
     "Up-to-date,Available"},
    {"replicasets", "Name:0,Desired:0,Current:0,Ready:0,Age:0,Containers:1,Images:1,Selector:1",
     "Desired,Current,Ready"},
    {"statefulsets", "Name:0,Ready:0,Age:0,Containers:1,Images:1", ""},
    {"namespaces", "Name:0,Status:0,Age:0", ""},
    {"persistentvolumes",
     "Name:0,Capacity:0,Access Modes:0,Reclaim Policy:0,Status:0,Claim:0,StorageClass:0,"
     "VolumeAttributesClass:0,Reason:0,Age:0,VolumeMode:1",
     ""},
    {"persistentvolumeclaims",
     "Name:0,Status:0,Volume:0,Capacity:0,Access Modes:0,StorageClass:0,"
     "VolumeAttributesClass:0,Age:0,VolumeMode:1",
     ""},
    {"storageclasses",
     "Name:0,Provisioner:0,ReclaimPolicy:0,VolumeBindingMode:0,AllowVolumeExpansion:0,Age:0", ""},
    {"events",
     "Last Seen:0,Type:0,Reason:0,Object:0,Subobject:1,Source:1,Message:0,First Seen:1,Count:1,"
     "Name:1",
     ""},
    /* upstream declares these counts "string" columns (printers.go) */
    {"configmaps", "Name:0,Data:0,Age:0", ""},
    {"secrets", "Name:0,Type:0,Data:0,Age:0", ""},
    {"serviceaccounts", "Name:0,Secrets:0,Age:0", ""},
    {"leases", "Name:0,Holder:0,Age:0", ""},
    {"daemonsets",
     "Name:0,Desired:0,Current:0,Ready:0,Up-to-date:0,Available:0,Node Selector:0,Age:0,"
     "Containers:1,Images:1,Selector:1",
     "Desired,Current,Ready,Up-to-date,Available"},
    {"controllerrevisions", "Name:0,Controller:0,Revision:0,Age:0", "Revision=number"},
    {"resourcequotas", "Name:0,Age:0,Request:0,Limit:0", ""},
    {"limitranges", "Name:0,Created At:0", "Created At=date"},
    {"clusterroles", "Name:0,Created At:0", "Created At=date"},
    {"clusterrolebindings", "Name:0,Role:0,Age:0,Users:1,Groups:1,ServiceAccounts:1", ""},
    {"roles", "Name:0,Created At:0", "Created At=date"},
    {"rolebindings", "Name:0,Role:0,Age:0,Users:1,Groups:1,ServiceAccounts:1", ""},
    {"replicationcontrollers",
     "Name:0,Desired:0,Current:0,Ready:0,Age:0,Containers:1,Images:1,Selector:1",
     "Desired,Current,Ready"},
    {"jobs", "Name:0,Status:0,Completions:0,Duration:0,Age:0,Containers:1,Images:1,Selector:1", ""},
    {"cronjobs",
     "Name:0,Schedule:0,Timezone:0,Suspend:0,Active:0,Last Schedule:0,Age:0,Containers:1,"
     "Images:1,Selector:1",
     "Suspend=boolean,Active"},
    {"horizontalpodautoscalers",
     "Name:0,Reference:0,Targets:0,MinPods:0,MaxPods:0,Replicas:0,Age:0", ""},
};

static const struct res_type *rt_of(const char *plural)
{
	for (int i = 0; i < res_ntypes; i++)
		if (!strcmp(res_types[i]->plural, plural))
			return res_types[i];
	return NULL;
}

static void test_columns(void **state)
{
	(void)state;
	int views = 0;

	for (int i = 0; i < res_ntypes; i++)
		views += res_types[i]->storage != NULL || res_types[i]->review != NULL;
	/* a view's Table is its storage's; a review type has none */
	assert_int_equal(sizeof(colspecs) / sizeof(colspecs[0]), (size_t)(res_ntypes - views));
	for (size_t i = 0; i < sizeof(colspecs) / sizeof(colspecs[0]); i++) {
		const struct res_type *rt = rt_of(colspecs[i].plural);
		cJSON *cols = rt->table_columns(), *c;
		char *spec = strdup(colspecs[i].cols), *save = NULL, *tok;
		int k = 0;

		assert_non_null(rt);
		for (tok = strtok_r(spec, ",", &save); tok; tok = strtok_r(NULL, ",", &save), k++) {
			char *colon = strrchr(tok, ':');
			const char *type, *format;

			*colon = 0;
			c = cJSON_GetArrayItem(cols, k);
			assert_non_null(c);
			assert_string_equal(cJSON_GetObjectItem(c, "name")->valuestring, tok);
			assert_int_equal(cJSON_GetObjectItem(c, "priority")->valueint,
					 atoi(colon + 1));
			type = cJSON_GetObjectItem(c, "type")->valuestring;
			format = cJSON_GetObjectItem(c, "format")->valuestring;
			assert_string_equal(format, strcmp(tok, "Name") ? "" : "name");
			assert_true(cJSON_IsString(cJSON_GetObjectItem(c, "description")));
			/* integer columns exactly where listed */
			{
				char ints[128];
				bool is_int = false;

				snprintf(ints, sizeof(ints), ",%s,", colspecs[i].ints);
				{
					char needle[64];

					snprintf(needle, sizeof(needle), ",%s,", tok);
					is_int = strstr(ints, needle) != NULL;
				}
				if (!strcmp(colspecs[i].plural, "events") && !strcmp(tok, "Count"))
					is_int =
					    false; /* upstream declares Count a string column */
				/* "Name=type" for the other column types */
				{
					char needle[64];
					const char *other;

					snprintf(needle, sizeof(needle), ",%s=", tok);
					other = strstr(ints, needle);
					if (other) {
						other += strlen(needle);
						assert_int_equal(strncmp(type, other, strlen(type)),
								 0);
						assert_int_equal(other[strlen(type)], ',');
						continue;
					}
				}
				assert_string_equal(type, is_int ? "integer" : "string");
			}
		}
		assert_int_equal(cJSON_GetArraySize(cols), k);
		free(spec);
		cJSON_Delete(cols);
	}
}

/* ---------------------------------------------------------------- cells */

struct cellcase {
	const char *desc;
	const char *plural;
	const char *obj;
	const char *cells; /* expected cells, as a JSON array (' for ") */
};

#define META(n)                                                                                    \
	"'metadata':{'name':'" n "','namespace':'default','creationTimestamp':'" CREATED "'}"

static const struct cellcase cellcases[] = {
    /* Service */
    {"svc cluster", "services",
     "{" META("web") ",'spec':{'type':'ClusterIP','clusterIP':'10.96.0.10','clusterIPs':"
		     "['10.96.0.10'],'ports':[{'port':80,'protocol':'TCP'}],'selector':"
		     "{'tier':'fe','app':'web'}}}",
     "['web','ClusterIP','10.96.0.10','<none>','80/TCP','5s','app=web,tier=fe']"},
    {"svc nodeport multi", "services",
     "{" META("np") ",'spec':{'type':'NodePort','clusterIP':'10.96.0.11','ports':"
		    "[{'port':80,'nodePort':30080,'protocol':'TCP'},{'port':53,'protocol':'UDP'}],"
		    "'externalIPs':['192.0.2.1','192.0.2.2']}}",
     "['np','NodePort','10.96.0.11','192.0.2.1,192.0.2.2','80:30080/TCP,53/UDP','5s','<none>']"},
    {"svc lb pending", "services",
     "{" META(
	 "lb") ",'spec':{'type':'LoadBalancer','clusterIP':'10.96.0.12','ports':"
	       "[{'port':443,'nodePort':31443,'protocol':'TCP'}]},'status':{'loadBalancer':{}}}",
     "['lb','LoadBalancer','10.96.0.12','<pending>','443:31443/TCP','5s','<none>']"},
    {"svc lb ingress", "services",
     "{" META("lb") ",'spec':{'type':'LoadBalancer','clusterIP':'10.96.0.12','externalIPs':"
		    "['192.0.2.9'],'ports':[]},'status':{'loadBalancer':{'ingress':[{'ip':'203.0."
		    "113.1'},"
		    "{'hostname':'lb.example'}]}}}",
     "['lb','LoadBalancer','10.96.0.12','192.0.2.9,203.0.113.1,lb.example','<none>','5s',"
     "'<none>']"},
    {"svc headless", "services",
     "{" META("h") ",'spec':{'type':'ClusterIP','clusterIP':'None','clusterIPs':['None']}}",
     "['h','ClusterIP','None','<none>','<none>','5s','<none>']"},
    {"svc external name", "services",
     "{" META("x") ",'spec':{'type':'ExternalName','externalName':'db.example.com'}}",
     "['x','ExternalName','<none>','db.example.com','<none>','5s','<none>']"},
    {"svc empty", "services", "{}", "['','','<none>','<none>','<none>','<unknown>','<none>']"},
    /* Endpoints */
    {"ep none", "endpoints", "{" META("web") "}", "['web','<none>','5s']"},
    {"ep one", "endpoints",
     "{" META(
	 "kubernetes") ",'subsets':[{'addresses':[{'ip':'192.0.2.10'}],'ports':[{'port':6443}]}]}",
     "['kubernetes','192.0.2.10:6443','5s']"},
    {"ep more", "endpoints",
     "{" META("web") ",'subsets':[{'addresses':[{'ip':'10.0.0.1'},{'ip':'10.0.0.2'},"
		     "{'ip':'fd00::3'}],'ports':[{'port':80},{'port':443}]}]}",
     "['web','10.0.0.1:80,10.0.0.2:80,[fd00::3]:80 + 3 more...','5s']"},
    {"ep headless no ports", "endpoints",
     "{" META("h") ",'subsets':[{'addresses':[{'ip':'10.0.0.1'},{'ip':'10.0.0.2'}]}]}",
     "['h','10.0.0.1,10.0.0.2','5s']"},
    {"ep not ready only", "endpoints",
     "{" META("w") ",'subsets':[{'notReadyAddresses':[{'ip':'10.0.0.1'}],'ports':[{'port':80}]}]}",
     "['w','','5s']"},
    /* EndpointSlice */
    {"eps one", "endpointslices",
     "{" META("kubernetes") ",'addressType':'IPv4','endpoints':[{'addresses':['192.0.2.10']}],"
			    "'ports':[{'name':'https','port':6443,'protocol':'TCP'}]}",
     "['kubernetes','IPv4','6443','192.0.2.10','5s']"},
    {"eps unset", "endpointslices",
     "{" META("e") ",'addressType':'IPv4','endpoints':[],'ports':[]}",
     "['e','IPv4','<unset>','<unset>','5s']"},
    {"eps null lists", "endpointslices",
     "{" META("e") ",'addressType':'IPv6','endpoints':null,'ports':null}",
     "['e','IPv6','<unset>','<unset>','5s']"},
    {"eps more", "endpointslices",
     "{" META(
	 "e") ",'addressType':'IPv4','endpoints':[{'addresses':['10.0.0.1','10.0.0.9']},"
	      "{'addresses':['10.0.0.2']},{'addresses':['10.0.0.3']},{'addresses':['10.0.0.4']}],"
	      "'ports':[{'port':80},{'name':'x'},{},{'port':9}]}",
     "['e','IPv4','80,x,* + 1 more...','10.0.0.1,10.0.0.9,10.0.0.2 + 2 more...','5s']"},
    /* Pod */
    {"pod running", "pods",
     "{" META("web-1") ",'spec':{'nodeName':'node1','containers':[{'name':'c'}]},'status':"
		       "{'phase':'Running','podIP':'10.244.1.5','podIPs':[{'ip':'10.244.1.5'}],"
		       "'containerStatuses':[{'name':'c','ready':true,'restartCount':2,'state':"
		       "{'running':{}}}]}}",
     "['web-1','1/1','Running',2,'5s','10.244.1.5','node1','<none>','<none>']"},
    {"pod pending", "pods",
     "{" META(
	 "p") ",'spec':{'containers':[{'name':'a'},{'name':'b'}]},'status':{'phase':'Pending'}}",
     "['p','0/2','Pending',0,'5s','<none>','<none>','<none>','<none>']"},
    {"pod crashloop", "pods",
     "{" META(
	 "p") ",'spec':{'containers':[{'name':'a'},{'name':'b'}],'readinessGates':"
	      "[{'conditionType':'x/ok'},{'conditionType':'x/no'}]},'status':{'phase':'Running',"
	      "'nominatedNodeName':'n2','conditions':[{'type':'x/ok','status':'True'}],"
	      "'containerStatuses':[{'name':'a','ready':false,'restartCount':3,'state':{'waiting':"
	      "{'reason':'CrashLoopBackOff'}}},{'name':'b','ready':true,'restartCount':1,"
	      "'state':{'running':{}}}]}}",
     "['p','1/2','CrashLoopBackOff',4,'5s','<none>','<none>','n2','1/2']"},
    {"pod completed", "pods",
     "{" META("p") ",'spec':{'containers':[{'name':'a'}]},'status':{'phase':'Succeeded',"
		   "'containerStatuses':[{'name':'a','state':{'terminated':{'exitCode':0,"
		   "'reason':'Completed'}}}]}}",
     "['p','0/1','Completed',0,'5s','<none>','<none>','<none>','<none>']"},
    {"pod exit code", "pods",
     "{" META("p") ",'spec':{'containers':[{'name':'a'}]},'status':{'phase':'Failed',"
		   "'containerStatuses':[{'name':'a','state':{'terminated':{'exitCode':2}}}]}}",
     "['p','0/1','ExitCode:2',0,'5s','<none>','<none>','<none>','<none>']"},
    {"pod signal", "pods",
     "{" META("p") ",'spec':{'containers':[{'name':'a'}]},'status':{'phase':'Failed',"
		   "'containerStatuses':[{'name':'a','state':{'terminated':{'exitCode':137,"
		   "'signal':9}}}]}}",
     "['p','0/1','Signal:9',0,'5s','<none>','<none>','<none>','<none>']"},
    {"pod completed but running", "pods",
     "{" META("p") ",'spec':{'containers':[{'name':'a'},{'name':'b'}]},'status':{'phase':"
		   "'Running','conditions':[{'type':'Ready','status':'False'}],'containerStatuses':"
		   "[{'name':'a','ready':true,'state':{'running':{}}},{'name':'b','state':"
		   "{'terminated':{'exitCode':0,'reason':'Completed'}}}]}}",
     "['p','1/2','NotReady',0,'5s','<none>','<none>','<none>','<none>']"},
    {"pod init", "pods",
     "{" META("p") ",'spec':{'initContainers':[{'name':'i1'},{'name':'i2'}],'containers':"
		   "[{'name':'a'}]},'status':{'phase':'Pending','initContainerStatuses':[{'name':"
		   "'i1','restartCount':1,'state':{'terminated':{'exitCode':0}}},{'name':'i2',"
		   "'state':{'running':{}}}]}}",
     "['p','0/1','Init:1/2',1,'5s','<none>','<none>','<none>','<none>']"},
    {"pod init error", "pods",
     "{" META("p") ",'spec':{'initContainers':[{'name':'i1'}],'containers':[{'name':'a'}]},"
		   "'status':{'phase':'Pending','initContainerStatuses':[{'name':'i1','state':"
		   "{'waiting':{'reason':'ImagePullBackOff'}}}]}}",
     "['p','0/1','Init:ImagePullBackOff',0,'5s','<none>','<none>','<none>','<none>']"},
    {"pod terminating", "pods",
     "{'metadata':{'name':'p','creationTimestamp':'" CREATED "','deletionTimestamp':'" CREATED
     "'},'spec':{'containers':[{'name':'a'}]},'status':{'phase':'Running'}}",
     "['p','0/1','Terminating',0,'5s','<none>','<none>','<none>','<none>']"},
    {"pod evicted", "pods",
     "{" META("p") ",'spec':{'containers':[{'name':'a'}]},'status':{'phase':'Failed','reason':"
		   "'Evicted'}}",
     "['p','0/1','Evicted',0,'5s','<none>','<none>','<none>','<none>']"},
    {"pod empty", "pods", "{}", "['','0/0','',0,'<unknown>','<none>','<none>','<none>','<none>']"},
    /* Node */
    {"node ready", "nodes",
     "{'metadata':{'name':'node1','creationTimestamp':'" CREATED "','labels':"
     "{'node-role.kubernetes.io/master':'','node-role.kubernetes.io/"
     "control-plane':'','kubernetes.io/role':'master'}},'status':{'conditions':"
     "[{'type':'MemoryPressure','status':'False'},{'type':'Ready','status':'True'}],"
     "'addresses':[{'type':'InternalIP','address':'192.0.2.10'},{'type':'Hostname',"
     "'address':'node1'}],'nodeInfo':{'kubeletVersion':'v1.20.2','osImage':"
     "'Debian GNU/Linux 12','kernelVersion':'6.1.0','containerRuntimeVersion':"
     "'skiff://0.1'}}}",
     "['node1','Ready','control-plane,master','5s','v1.20.2','192.0.2.10','<none>',"
     "'Debian GNU/Linux 12','6.1.0','skiff://0.1']"},
    {"node not ready cordoned", "nodes",
     "{" META(
	 "n") ",'spec':{'unschedulable':true},'status':{'conditions':[{'type':'Ready',"
	      "'status':'Unknown'}],'addresses':[{'type':'ExternalIP','address':'203.0.113.5'}]}}",
     "['n','NotReady,SchedulingDisabled','<none>','5s','','<none>','203.0.113.5','<unknown>',"
     "'<unknown>','<unknown>']"},
    {"node unknown", "nodes", "{" META("n") "}",
     "['n','Unknown','<none>','5s','','<none>','<none>','<unknown>','<unknown>','<unknown>']"},
    /* Deployment, ReplicaSet, StatefulSet */
    {"deployment", "deployments",
     "{" META(
	 "web") ",'spec':{'replicas':3,'selector':{'matchLabels':{'app':'web'},"
		"'matchExpressions':[{'key':'tier','operator':'In','values':['b','a']},"
		"{'key':'canary','operator':'DoesNotExist'}]},'template':{'spec':{'containers':"
		"[{'name':'c','image':'nginx'},{'name':'s','image':'envoy:1'}]}}},'status':"
		"{'readyReplicas':2,'updatedReplicas':3,'availableReplicas':2}}",
     "['web','2/3',3,2,'5s','c,s','nginx,envoy:1','app=web,!canary,tier in (a,b)']"},
    {"deployment fresh", "deployments",
     "{" META("web") ",'spec':{'replicas':1,'selector':{'matchLabels':{'app':'web'}}}}",
     "['web','0/1',0,0,'5s','','','app=web']"},
    {"deployment bad selector", "deployments",
     "{" META("web") ",'spec':{'selector':{'matchExpressions':[{'key':'a','operator':'Has'}]}}}",
     "['web','0/0',0,0,'5s','','','<invalid>']"},
    {"replicaset", "replicasets",
     "{" META(
	 "web-5d8") ",'spec':{'replicas':3,'selector':{'matchLabels':{'app':'web',"
		    "'pod-template-hash':'5d8'}},'template':{'spec':{'containers':[{'name':'c',"
		    "'image':'nginx'}]}}},'status':{'replicas':3,'readyReplicas':1}}",
     "['web-5d8',3,3,1,'5s','c','nginx','app=web,pod-template-hash=5d8']"},
    {"statefulset", "statefulsets",
     "{" META("db") ",'spec':{'replicas':2,'template':{'spec':{'containers':[{'name':'pg',"
		    "'image':'postgres:15'}]}}},'status':{'readyReplicas':1}}",
     "['db','1/2','5s','pg','postgres:15']"},
    /* Namespace, Event */
    {"namespace", "namespaces",
     "{'metadata':{'name':'default','creationTimestamp':'" CREATED
     "'},'status':{'phase':'Active'}}",
     "['default','Active','5s']"},
    {"event", "events",
     "{" META("web.1") ",'involvedObject':{'kind':'Pod','name':'web-1','fieldPath':"
		       "'spec.containers{c}'},'reason':'Pulled','message':'  pulled  \\n','type':"
		       "'Normal','source':{'component':'kubelet','host':'node1'},'count':3,"
		       "'firstTimestamp':'2021-01-13T13:10:00Z','lastTimestamp':'" CREATED "'}",
     "['5s','Normal','Pulled','pod/web-1','spec.containers{c}','kubelet, node1','pulled','10m',"
     "3,'web.1']"},
    {"event new api", "events",
     "{" META("e") ",'involvedObject':{'kind':'Node'},'eventTime':'2021-01-13T13:19:00.000000Z',"
		   "'reportingComponent':'skiff-node','type':'Warning','reason':'X'}",
     "['65s','Warning','X','node','','skiff-node','','65s',1,'e']"},
};

static void test_cells(void **state)
{
	int failed = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(cellcases) / sizeof(cellcases[0]); i++) {
		const struct cellcase *c = &cellcases[i];
		const struct res_type *rt = rt_of(c->plural);
		cJSON *obj = parse_q(c->obj), *want = parse_q(c->cells), *got, *cols;

		if (!obj || !want)
			fail_msg("%s: fixture does not parse", c->desc);
		got = rt->table_cells(obj, T0 + 5);
		cols = rt->table_columns();
		if (!cJSON_Compare(got, want, true) ||
		    cJSON_GetArraySize(got) != cJSON_GetArraySize(cols)) {
			char *g = cJSON_PrintUnformatted(got), *w = cJSON_PrintUnformatted(want);

			printf("# FAIL %s:\n#   got  %s\n#   want %s\n", c->desc, g, w);
			free(g);
			free(w);
			failed++;
		}
		cJSON_Delete(obj);
		cJSON_Delete(want);
		cJSON_Delete(got);
		cJSON_Delete(cols);
	}
	assert_int_equal(failed, 0);
}

/* Partial and mistyped objects: cells never crash and always match the
 * column count. */
static void test_partial(void **state)
{
	static const char *const objs[] = {
	    "{}",
	    "[]",
	    "5",
	    "{'metadata':5,'spec':'x','status':[]}",
	    "{'metadata':{'name':7,'creationTimestamp':3,'labels':[1]},'spec':{'ports':{'a':1},"
	    "'containers':'x','selector':'y','clusterIPs':{},'type':3},'status':{'conditions':5,"
	    "'containerStatuses':[5,null,{'state':7}],'loadBalancer':{'ingress':'x'}}}",
	    "{'subsets':[5,{'addresses':'x','ports':[null,{'port':'80'}]}],'endpoints':[{'"
	    "addresses':"
	    "[1,{}]}],'ports':[{'port':'x','name':5}]}",
	    "{'spec':{'template':{'spec':{'containers':[5,{'name':1,'image':[]}]}},'selector':"
	    "{'matchLabels':[],'matchExpressions':{'k':1}}},'status':{'readyReplicas':'x'}}",
	    "{'involvedObject':[],'series':{'count':'x'},'source':5,'message':7}",
	};

	(void)state;
	for (int r = 0; r < res_ntypes; r++) {
		const struct res_type *rt = res_stored(res_types[r]);
		cJSON *cols;

		if (rt->review)
			continue; /* virtual: nothing stored, no Table */
		cols = rt->table_columns();

		for (size_t i = 0; i < sizeof(objs) / sizeof(objs[0]); i++) {
			cJSON *obj = parse_q(objs[i]), *cells;

			assert_non_null(obj);
			cells = rt->table_cells(obj, T0);
			assert_non_null(cells);
			assert_int_equal(cJSON_GetArraySize(cells), cJSON_GetArraySize(cols));
			cJSON_Delete(cells);
			cJSON_Delete(obj);
		}
		cJSON_Delete(cols);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_lookup),     cmocka_unit_test(test_age),
	    cmocka_unit_test(test_parse_time), cmocka_unit_test(test_columns),
	    cmocka_unit_test(test_cells),      cmocka_unit_test(test_partial),
	};

	return cmocka_run_group_tests_name("table", tests, NULL, NULL);
}
