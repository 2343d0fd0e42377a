/* Unit tests for issue 8's second batch of resources (res_batch.c,
 * res_core_more.c, res_autoscaling.c, res_events.c, the DaemonSet and
 * ControllerRevision in res_apps.c): upstream messages (robfig/cron's for
 * schedules, resource.Quantity's), defaults, Table cells and the view
 * conversions (autoscaling/v1 <-> v2, core <-> events.k8s.io Events).
 * Table-driven; fixtures are JSON written with ' for ". */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <cjson/cJSON.h>
#include "json_path.h"
#include "registry/resource.h"
#include "registry/verrs.h"
#include "res_fixture.h"

/* "group/version/plural" ("/v1/events" for core) */
static const struct res_type *rt_of(const char *gvr)
{
	char g[64], v[16], r[64];

	assert_int_equal(sscanf(gvr, "%63[^/]/%15[^/]/%63s", g, v, r) == 3 ||
			     (g[0] = 0, sscanf(gvr, "/%15[^/]/%63s", v, r) == 2),
			 1);
	assert_non_null(res_lookup(g, v, r));
	return res_lookup(g, v, r);
}

/* vcase.res is "group/version/plural"; msg a part of the cause message */

#define MD(n)	 "'metadata':{'name':'" n "','namespace':'default','uid':'u1'}"
#define CTR	 "'containers':[{'name':'c','image':'i'}]"
#define JOB(s)	 "{" MD("j") ",'spec':" s "}"
#define JOBT(rp) JOB("{'template':{'spec':{'restartPolicy':'" rp "'," CTR "}}}")
#define CJ(sched, extra)                                                                           \
	"{" MD("cj") ",'spec':{'schedule':'" sched "'" extra                                       \
		     ",'jobTemplate':{'spec':{'template':{'spec':{'restartPolicy':'Never'," CTR    \
		     "}}}}}}"
#define QUOTA(h) "{" MD("q") ",'spec':{'hard':" h "}}"
#define LR(l)	 "{" MD("l") ",'spec':{'limits':[" l "]}}"
#define RC(s)	 "{" MD("r") ",'spec':" s "}"
#define RCT(lbl, rp)                                                                               \
	RC("{'template':{'metadata':{'labels':" lbl "},'spec':{'restartPolicy':'" rp "'," CTR "}}" \
	   "}")
#define HPA(s) "{" MD("h") ",'spec':" s "}"
#define REF    "'scaleTargetRef':{'kind':'Deployment','name':'web'}"
#define JOBS   "batch/v1/jobs"
#define CJS    "batch/v1/cronjobs"
#define QUOTAS "/v1/resourcequotas"
#define LRS    "/v1/limitranges"
#define RCS    "/v1/replicationcontrollers"
#define CRS    "apps/v1/controllerrevisions"
#define HPAS   "autoscaling/v2/horizontalpodautoscalers"
#define QTY_RE "quantities must match the regular expression"

static const struct vcase cases[] = {
    /* ---- Job ---- */
    {"job valid", JOBS, JOBT("Never"), NULL, NULL, NULL, NULL},
    {"job restartPolicy Always", JOBS, JOBT("Always"), NULL, "spec.template.spec.restartPolicy",
     "FieldValueNotSupported",
     "Unsupported value: \"Always\": supported values: \"OnFailure\", \"Never\""},
    {"job restartPolicy defaulted to Always", JOBS, JOB("{'template':{'spec':{" CTR "}}}"), NULL,
     "spec.template.spec.restartPolicy", "FieldValueNotSupported", "\"Always\""},
    {"job without a template", JOBS, JOB("{}"), NULL, "spec.template.spec.containers",
     "FieldValueRequired", "Required value"},
    {"job parallelism -1", JOBS,
     JOB("{'parallelism':-1,'template':{'spec':{'restartPolicy':'Never'," CTR "}}}"), NULL,
     "spec.parallelism", "FieldValueInvalid",
     "Invalid value: -1: must be greater than or equal to 0"},
    {"job backoffLimit -1", JOBS,
     JOB("{'backoffLimit':-1,'template':{'spec':{'restartPolicy':'Never'," CTR "}}}"), NULL,
     "spec.backoffLimit", "FieldValueInvalid", "must be greater than or equal to 0"},
    {"job completionMode", JOBS,
     JOB("{'completionMode':'Some','template':{'spec':{'restartPolicy':'Never'," CTR "}}}"), NULL,
     "spec.completionMode", "FieldValueNotSupported",
     "Unsupported value: \"Some\": supported values: \"NonIndexed\", \"Indexed\""},
    {"job selector not generated", JOBS,
     JOB("{'selector':{'matchLabels':{'x':'y'}},'template':{'metadata':{'labels':{'x':'y'}},"
	 "'spec':{'restartPolicy':'Never'," CTR "}}}"),
     NULL, "spec.selector", "FieldValueInvalid", "`selector` not auto-generated"},
    {"job manual selector must match", JOBS,
     JOB("{'manualSelector':true,'selector':{'matchLabels':{'x':'y'}},'template':{'metadata':{"
	 "'labels':{'x':'z'}},'spec':{'restartPolicy':'Never'," CTR "}}}"),
     NULL, "spec.template.metadata.labels", "FieldValueInvalid",
     "`selector` does not match template `labels`"},
    {"job manual selector valid", JOBS,
     JOB("{'manualSelector':true,'selector':{'matchLabels':{'app.kubernetes.io/name':'y'}},"
	 "'template':{'metadata':{'labels':{'app.kubernetes.io/name':'y'}},'spec':{"
	 "'restartPolicy':'Never'," CTR "}}}"),
     NULL, NULL, NULL, NULL},
    {"job selector immutable", JOBS,
     JOB("{'manualSelector':true,'selector':{'matchLabels':{'x':'y'}},'template':{'metadata':{"
	 "'labels':{'x':'y','w':'v'}},'spec':{'restartPolicy':'Never'," CTR "}}}"),
     JOB("{'manualSelector':true,'selector':{'matchLabels':{'w':'v'}},'template':{'metadata':{"
	 "'labels':{'x':'y','w':'v'}},'spec':{'restartPolicy':'Never'," CTR "}}}"),
     "spec.selector", "FieldValueInvalid", "field is immutable"},
    /* ---- CronJob: robfig/cron's ParseStandard messages ---- */
    {"cron valid", CJS, CJ("*/5 * * * *", ""), NULL, NULL, NULL, NULL},
    {"cron names", CJS, CJ("0 0 1 jan,JUL mon-fri", ""), NULL, NULL, NULL, NULL},
    {"cron descriptor", CJS, CJ("@hourly", ""), NULL, NULL, NULL, NULL},
    {"cron every", CJS, CJ("@every 1h30m", ""), NULL, NULL, NULL, NULL},
    {"cron ?", CJS, CJ("0 0 ? * *", ""), NULL, NULL, NULL, NULL},
    {"cron above max", CJS, CJ("61 * * * *", ""), NULL, "spec.schedule", "FieldValueInvalid",
     "Invalid value: \"61 * * * *\": end of range (61) above maximum (59): 61"},
    {"cron below min", CJS, CJ("0 0 0 * *", ""), NULL, "spec.schedule", "FieldValueInvalid",
     "beginning of range (0) below minimum (1): 0"},
    {"cron fields", CJS, CJ("* * *", ""), NULL, "spec.schedule", "FieldValueInvalid",
     "expected exactly 5 fields, found 3: [* * *]"},
    {"cron six fields", CJS, CJ("0 * * * * *", ""), NULL, "spec.schedule", "FieldValueInvalid",
     "expected exactly 5 fields, found 6: [0 * * * * *]"},
    {"cron not a number", CJS, CJ("a * * * *", ""), NULL, "spec.schedule", "FieldValueInvalid",
     "failed to parse int from a: strconv.Atoi: parsing \"a\": invalid syntax"},
    {"cron reversed", CJS, CJ("5-1 * * * *", ""), NULL, "spec.schedule", "FieldValueInvalid",
     "beginning of range (5) beyond end of range (1): 5-1"},
    {"cron step 0", CJS, CJ("*/0 * * * *", ""), NULL, "spec.schedule", "FieldValueInvalid",
     "step of range should be a positive number: */0"},
    {"cron hyphens", CJS, CJ("1-2-3 * * * *", ""), NULL, "spec.schedule", "FieldValueInvalid",
     "too many hyphens: 1-2-3"},
    {"cron slashes", CJS, CJ("*/2/3 * * * *", ""), NULL, "spec.schedule", "FieldValueInvalid",
     "too many slashes: */2/3"},
    {"cron negative step", CJS, CJ("*/-2 * * * *", ""), NULL, "spec.schedule", "FieldValueInvalid",
     "negative number (-2) not allowed: -2"},
    {"cron descriptor unknown", CJS, CJ("@often", ""), NULL, "spec.schedule", "FieldValueInvalid",
     "unrecognized descriptor: @often"},
    {"cron every bad", CJS, CJ("@every x", ""), NULL, "spec.schedule", "FieldValueInvalid",
     "failed to parse duration @every x: time: invalid duration \"x\""},
    {"cron every no unit", CJS, CJ("@every 5", ""), NULL, "spec.schedule", "FieldValueInvalid",
     "time: missing unit in duration \"5\""},
    {"cron TZ", CJS, CJ("TZ=UTC 0 * * * *", ""), NULL, "spec.schedule", "FieldValueInvalid",
     "cannot use TZ or CRON_TZ in schedule, use timeZone field instead"},
    {"cron TZ and timeZone", CJS, CJ("CRON_TZ=UTC 0 * * * *", ",'timeZone':'UTC'"), NULL,
     "spec.schedule", "FieldValueInvalid",
     "cannot use both timeZone field and TZ or CRON_TZ in schedule"},
    {"cron schedule missing", CJS, CJ("", ""), NULL, "spec.schedule", "FieldValueRequired",
     "Required value"},
    {"cron timeZone unknown", CJS, CJ("0 * * * *", ",'timeZone':'Mars/Base'"), NULL,
     "spec.timeZone", "FieldValueInvalid", "unknown time zone Mars/Base"},
    {"cron timeZone empty", CJS, CJ("0 * * * *", ",'timeZone':''"), NULL, "spec.timeZone",
     "FieldValueInvalid", "timeZone must be nil or non-empty string"},
    {"cron concurrencyPolicy", CJS, CJ("0 * * * *", ",'concurrencyPolicy':'Sometimes'"), NULL,
     "spec.concurrencyPolicy", "FieldValueNotSupported",
     "Unsupported value: \"Sometimes\": supported values: \"Allow\", \"Forbid\", \"Replace\""},
    {"cron history limit", CJS, CJ("0 * * * *", ",'successfulJobsHistoryLimit':-1"), NULL,
     "spec.successfulJobsHistoryLimit", "FieldValueInvalid", "must be greater than or equal to 0"},
    {"cron template restartPolicy", CJS,
     "{" MD("cj") ",'spec':{'schedule':'0 * * * *','jobTemplate':{'spec':{'template':{'spec':{"
		  "'restartPolicy':'Always'," CTR "}}}}}}",
     NULL, "spec.jobTemplate.spec.template.spec.restartPolicy", "FieldValueNotSupported",
     "\"Always\""},
    {"cron template selector", CJS,
     "{" MD("cj") ",'spec':{'schedule':'0 * * * *','jobTemplate':{'spec':{'selector':{"
		  "'matchLabels':{'a':'b'}},'template':{'spec':{'restartPolicy':'Never'," CTR
		  "}}}}}}",
     NULL, "spec.jobTemplate.spec.selector", "FieldValueInvalid",
     "`selector` will be auto-generated"},
    {"cron name too long", CJS,
     "{'metadata':{'name':'abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabc'},'spec':{"
     "'schedule':'0 * * * "
     "*','jobTemplate':{'spec':{'template':{'spec':{'restartPolicy':'Never'," CTR "}}}}}}",
     NULL, "metadata.name", "FieldValueInvalid", "must be no more than 52 characters"},
    /* ---- ResourceQuota ---- */
    {"quota valid", QUOTAS,
     QUOTA("{'requests.cpu':'500m','limits.memory':'1Gi','pods':'10','count/deployments.apps':'3',"
	   "'requests.nvidia.com/gpu':'1','cpu':2,'memory':'1.5e9'}"),
     NULL, NULL, NULL, NULL},
    {"quota bad quantity", QUOTAS, QUOTA("{'cpu':'lots'}"), NULL, "spec.hard[cpu]",
     "FieldValueInvalid", "Invalid value: \"lots\": " QTY_RE},
    {"quota bad suffix", QUOTAS, QUOTA("{'cpu':'1iK'}"), NULL, "spec.hard[cpu]",
     "FieldValueInvalid", "unable to parse quantity's suffix"},
    {"quota negative", QUOTAS, QUOTA("{'cpu':'-1'}"), NULL, "spec.hard[cpu]", "FieldValueInvalid",
     "Invalid value: \"-1\": must be greater than or equal to 0"},
    {"quota integer", QUOTAS, QUOTA("{'pods':'1.5'}"), NULL, "spec.hard[pods]", "FieldValueInvalid",
     "must be an integer"},
    {"quota unknown resource", QUOTAS, QUOTA("{'foo':'1'}"), NULL, "spec.hard[foo]",
     "FieldValueInvalid", "Invalid value: \"foo\": must be a standard resource for quota"},
    {"quota scope", QUOTAS, "{" MD("q") ",'spec':{'scopes':['Sometimes']}}", NULL, "spec.scopes",
     "FieldValueInvalid",
     "Invalid value: []core.ResourceQuotaScope{\"Sometimes\"}: unsupported scope"},
    /* ---- LimitRange ---- */
    {"limitrange valid", LRS,
     LR("{'type':'Container','default':{'cpu':'500m'},'min':{'cpu':'100m'},'max':{'cpu':'2'}}"),
     NULL, NULL, NULL, NULL},
    {"limitrange min > max", LRS, LR("{'type':'Container','min':{'cpu':'2'},'max':{'cpu':'1'}}"),
     NULL, "spec.limits[0].min[cpu]", "FieldValueInvalid",
     "min value 2 is greater than max value 1"},
    {"limitrange Pod default", LRS, LR("{'type':'Pod','default':{'cpu':'1'}}"), NULL,
     "spec.limits[0].default", "FieldValueForbidden", "may not be specified when `type` is 'Pod'"},
    {"limitrange type", LRS, LR("{'type':'Node'}"), NULL, "spec.limits[0].type",
     "FieldValueInvalid", "must be a standard limit type or fully qualified"},
    {"limitrange duplicate type", LRS, LR("{'type':'Pod'},{'type':'Pod'}"), NULL,
     "spec.limits[1].type", "FieldValueDuplicate", "Duplicate value: \"Pod\""},
    {"limitrange bad quantity", LRS, LR("{'type':'Container','max':{'memory':'big'}}"), NULL,
     "spec.limits[0].max[memory]", "FieldValueInvalid", QTY_RE},
    {"limitrange container resource", LRS, LR("{'type':'Container','max':{'pods':'1'}}"), NULL,
     "spec.limits[0].max[pods]", "FieldValueInvalid", "must be a standard resource for containers"},
    /* ---- ReplicationController ---- */
    {"rc valid (selector from labels)", RCS, RCT("{'app':'web'}", "Always"), NULL, NULL, NULL,
     NULL},
    {"rc dotted label key", RCS, RCT("{'app.kubernetes.io/name':'web'}", "Always"), NULL, NULL,
     NULL, NULL},
    {"rc restartPolicy", RCS, RCT("{'app':'web'}", "OnFailure"), NULL,
     "spec.template.spec.restartPolicy", "FieldValueNotSupported",
     "Unsupported value: \"OnFailure\": supported values: \"Always\""},
    {"rc without template", RCS, RC("{'selector':{'a':'b'}}"), NULL, "spec.template",
     "FieldValueRequired", "Required value"},
    {"rc without selector", RCS, RC("{}"), NULL, "spec.selector", "FieldValueRequired",
     "Required value"},
    {"rc selector mismatch", RCS,
     RC("{'selector':{'a':'b'},'template':{'metadata':{'labels':{'a':'c'}},'spec':{" CTR "}}}"),
     NULL, "spec.template.metadata.labels", "FieldValueInvalid",
     "`selector` does not match template `labels`"},
    {"rc replicas", RCS,
     RC("{'replicas':-1,'template':{'metadata':{'labels':{'a':'c'}},'spec':{" CTR "}}}"), NULL,
     "spec.replicas", "FieldValueInvalid", "must be greater than or equal to 0"},
    /* ---- ControllerRevision ---- */
    {"cr valid", CRS, "{" MD("c") ",'data':{'spec':{}},'revision':2}", NULL, NULL, NULL, NULL},
    {"cr data missing", CRS, "{" MD("c") ",'revision':1}", NULL, "data", "FieldValueRequired",
     "Required value: data is mandatory"},
    {"cr revision", CRS, "{" MD("c") ",'data':{},'revision':-1}", NULL, "revision",
     "FieldValueInvalid", "Invalid value: -1: must be greater than or equal to 0"},
    {"cr data immutable", CRS, "{" MD("c") ",'data':{'a':1},'revision':1}",
     "{" MD("c") ",'data':{'a':2},'revision':1}", "data", "FieldValueInvalid",
     "field is immutable"},
    /* ---- HorizontalPodAutoscaler (v2) ---- */
    {"hpa valid", HPAS, HPA("{" REF ",'maxReplicas':3}"), NULL, NULL, NULL, NULL},
    {"hpa max 0", HPAS, HPA("{" REF ",'maxReplicas':0}"), NULL, "spec.maxReplicas",
     "FieldValueInvalid", "Invalid value: 0: must be greater than 0"},
    {"hpa max < min", HPAS, HPA("{" REF ",'minReplicas':3,'maxReplicas':2}"), NULL,
     "spec.maxReplicas", "FieldValueInvalid",
     "Invalid value: 2: must be greater than or equal to `minReplicas`"},
    {"hpa min 0", HPAS, HPA("{" REF ",'minReplicas':0,'maxReplicas':2}"), NULL, "spec.minReplicas",
     "FieldValueInvalid", "must be greater than or equal to 1"},
    {"hpa ref kind", HPAS, HPA("{'scaleTargetRef':{'name':'web'},'maxReplicas':2}"), NULL,
     "spec.scaleTargetRef.kind", "FieldValueRequired", "Required value"},
    {"hpa metric type", HPAS, HPA("{" REF ",'maxReplicas':2,'metrics':[{'type':'Bogus'}]}"), NULL,
     "spec.metrics[0].type", "FieldValueNotSupported",
     "Unsupported value: \"Bogus\": supported values: \"ContainerResource\", \"External\", "
     "\"Object\", \"Pods\", \"Resource\""},
    {"hpa resource name", HPAS,
     HPA("{" REF ",'maxReplicas':2,'metrics':[{'type':'Resource','resource':{'target':{'type':"
	 "'Utilization','averageUtilization':50}}}]}"),
     NULL, "spec.metrics[0].resource.name", "FieldValueRequired", "must specify a resource name"},
    {"hpa utilization 0", HPAS,
     HPA("{" REF ",'maxReplicas':2,'metrics':[{'type':'Resource','resource':{'name':'cpu',"
	 "'target':{'type':'Utilization','averageUtilization':0}}}]}"),
     NULL, "spec.metrics[0].resource.target.averageUtilization", "FieldValueInvalid",
     "must be greater than 0"},
    {"hpa source missing", HPAS, HPA("{" REF ",'maxReplicas':2,'metrics':[{'type':'Pods'}]}"), NULL,
     "spec.metrics[0].pods", "FieldValueRequired",
     "must populate information for the given metric source"},
};

static void run(const struct res_type *rt, const char *json, const char *old_json, struct verrs *e)
{
	cJSON *obj = parse_q(json), *old = old_json ? parse_q(old_json) : NULL;

	assert_non_null(obj);
	memset(e, 0, sizeof(*e));
	if (rt->defaults) {
		rt->defaults(obj);
		if (old)
			rt->defaults(old);
	}
	rt->validate(obj, old, e);
	cJSON_Delete(obj);
	cJSON_Delete(old);
}

static int check_case(const struct vcase *c)
{
	struct verrs e;

	run(rt_of(c->res), c->obj, c->old, &e);
	return vcase_failed(c, &e, false);
}

static void test_cases(void **state)
{
	int failed = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		failed += check_case(&cases[i]);
	assert_int_equal(failed, 0);
}

/* ------------------------------------------------------------ helpers */

static cJSON *defaulted(const char *gvr, const char *json)
{
	return fixture_defaulted(rt_of(gvr), json);
}

/* paths split at '|': keys hold dots */
#define assert_json(o, path, want_q) assert_json_sep(o, path, '|', want_q)

/* ----------------------------------------------------------- defaults */

static void test_defaults(void **state)
{
	cJSON *o;

	(void)state;
	o = defaulted(JOBS, JOBT("Never"));
	assert_json(o, "spec|selector",
		    "{'matchLabels':{'batch.kubernetes.io/controller-uid':'u1'}}");
	assert_json(o, "spec|template|metadata|labels",
		    "{'job-name':'j','batch.kubernetes.io/job-name':'j','controller-uid':'u1',"
		    "'batch.kubernetes.io/controller-uid':'u1'}");
	assert_json(o, "metadata|labels|job-name", "'j'");
	assert_json(o, "spec|completions", "1");
	assert_json(o, "spec|parallelism", "1");
	assert_json(o, "spec|backoffLimit", "6");
	assert_json(o, "spec|completionMode", "'NonIndexed'");
	assert_json(o, "spec|suspend", "false");
	assert_json(o, "spec|manualSelector", "false");
	assert_json(o, "spec|podReplacementPolicy", "'TerminatingOrFailed'");
	cJSON_Delete(o);
	/* only parallelism given: completions stays unset */
	o = defaulted(JOBS, JOB("{'parallelism':3,'template':{'spec':{" CTR "}}}"));
	assert_null(cJSON_GetObjectItem(cJSON_GetObjectItem(o, "spec"), "completions"));
	cJSON_Delete(o);
	/* a manual selector is left alone */
	o = defaulted(JOBS, JOB("{'manualSelector':true,'selector':{'matchLabels':{'a':'b'}}}"));
	assert_json(o, "spec|selector", "{'matchLabels':{'a':'b'}}");
	cJSON_Delete(o);

	o = defaulted(CJS, CJ("0 * * * *", ""));
	assert_json(o, "spec|concurrencyPolicy", "'Allow'");
	assert_json(o, "spec|suspend", "false");
	assert_json(o, "spec|successfulJobsHistoryLimit", "3");
	assert_json(o, "spec|failedJobsHistoryLimit", "1");
	/* the JobSpec of a template is not defaulted as a Job's */
	assert_null(cJSON_GetObjectItem(json_at(o, "spec.jobTemplate.spec"), "backoffLimit"));
	cJSON_Delete(o);

	o = defaulted(RCS, RCT("{'app':'web'}", "Always"));
	assert_json(o, "spec|selector", "{'app':'web'}");
	assert_json(o, "metadata|labels", "{'app':'web'}");
	assert_json(o, "spec|replicas", "1");
	assert_json(o, "status|replicas", "0");
	cJSON_Delete(o);

	o = defaulted(HPAS, HPA("{" REF ",'maxReplicas':3,'behavior':{'scaleDown':{"
				"'stabilizationWindowSeconds':60}}}"));
	assert_json(o, "spec|minReplicas", "1");
	assert_json(o, "spec|metrics",
		    "[{'type':'Resource','resource':{'name':'cpu','target':{'type':'Utilization',"
		    "'averageUtilization':80}}}]");
	assert_json(o, "spec|behavior|scaleDown|stabilizationWindowSeconds", "60");
	assert_json(o, "spec|behavior|scaleDown|selectPolicy", "'Max'");
	assert_json(o, "spec|behavior|scaleUp|policies",
		    "[{'type':'Pods','value':4,'periodSeconds':15},{'type':'Percent','value':100,"
		    "'periodSeconds':15}]");
	cJSON_Delete(o);
}

/* -------------------------------------------------------------- Table */

static void assert_cells(const char *gvr, const char *json, const char *want_q)
{
	const struct res_type *rt = rt_of(gvr);
	cJSON *o = parse_q(json), *cells, *cols;

	assert_non_null(o);
	cols = rt->table_columns();
	cells = rt->table_cells(o, res_parse_time("2024-01-01T01:00:00Z"));
	/* a cell per column, wide ones included (the server sends them all) */
	assert_int_equal(cJSON_GetArraySize(cells), cJSON_GetArraySize(cols));
	assert_json(cells, "", want_q);
	cJSON_Delete(cols);
	cJSON_Delete(cells);
	cJSON_Delete(o);
}

static void test_tables(void **state)
{
	(void)state;
	assert_cells(JOBS,
		     "{'metadata':{'name':'pi','creationTimestamp':'2024-01-01T00:00:00Z'},'spec':{"
		     "'completions':3,'selector':{'matchLabels':{'a':'b'}},'template':{'spec':{" CTR
		     "}}},'status':{'succeeded':1,'startTime':'2024-01-01T00:00:00Z',"
		     "'completionTime':'2024-01-01T00:02:00Z','conditions':[{'type':'Complete',"
		     "'status':'True'}]}}",
		     "['pi','Complete','1/3','2m','60m','c','i','a=b']");
	assert_cells(JOBS,
		     "{'metadata':{'name':'p','creationTimestamp':'2024-01-01T00:30:00Z'},'spec':{"
		     "'parallelism':4}}",
		     "['p','Running','0/1 of 4','','30m','','','<none>']");
	assert_cells(CJS,
		     "{'metadata':{'name':'n','creationTimestamp':'2024-01-01T00:00:00Z'},'spec':{"
		     "'schedule':'0 3 * * *','suspend':true,'jobTemplate':{'spec':{'template':{"
		     "'spec':{" CTR "}}}}},'status':{'active':[{},{}],'lastScheduleTime':"
		     "'2024-01-01T00:55:00Z'}}",
		     "['n','0 3 * * *','<none>','True',2,'5m','60m','c','i','<none>']");
	assert_cells(
	    HPAS,
	    "{'metadata':{'name':'h','creationTimestamp':'2024-01-01T00:00:00Z'},'spec':{" REF
	    ",'minReplicas':2,'maxReplicas':5,'metrics':[{'type':'Resource','resource':"
	    "{'name':'cpu','target':{'type':'Utilization','averageUtilization':60}}},{"
	    "'type':'Pods','pods':{'metric':{'name':'qps'},'target':{'type':'AverageValue',"
	    "'averageValue':'10'}}},{'type':'External','external':{'metric':{'name':'q'},"
	    "'target':{'type':'Value','value':'1'}}}]},'status':{'currentReplicas':3,"
	    "'currentMetrics':[{'type':'Resource','resource':{'name':'cpu','current':{"
	    "'averageUtilization':42}}}]}}",
	    "['h','Deployment/web','cpu: 42%/60%, <unknown>/10 + 1 more...','2',5,3,'60m']");
	assert_cells(
	    QUOTAS,
	    "{'metadata':{'name':'q','creationTimestamp':'2024-01-01T00:00:00Z'},'status':{"
	    "'hard':{'pods':'10','limits.memory':'4Gi','requests.cpu':'2'},'used':{"
	    "'requests.cpu':'500m'}}}",
	    "['q','60m','pods: 0/10, requests.cpu: 500m/2','limits.memory: 0/4Gi']");
	assert_cells(LRS, "{'metadata':{'name':'l','creationTimestamp':'2024-01-01T00:00:00Z'}}",
		     "['l','2024-01-01T00:00:00Z']");
	assert_cells(RCS,
		     "{'metadata':{'name':'r','creationTimestamp':'2024-01-01T00:00:00Z'},'spec':{"
		     "'replicas':2,'selector':{'b':'2','a':'1'},'template':{'spec':{" CTR "}}},"
		     "'status':{'replicas':1}}",
		     "['r',2,1,0,'60m','c','i','a=1,b=2']");
	assert_cells(CRS,
		     "{'metadata':{'name':'web-1','creationTimestamp':'2024-01-01T00:00:00Z',"
		     "'ownerReferences':[{'apiVersion':'apps/v1','kind':'StatefulSet','name':'web',"
		     "'controller':true}]},'revision':3}",
		     "['web-1','statefulset.apps/web',3,'60m']");
}

/* -------------------------------------------------------------- views */

static cJSON *viewed(const char *gvr, const char *stored_q)
{
	cJSON *o = parse_q(stored_q);

	assert_non_null(o);
	res_view(rt_of(gvr), o);
	return o;
}

static void assert_round_trip(const char *gvr, const char *stored_q)
{
	cJSON *o = viewed(gvr, stored_q), *want = parse_q(stored_q);

	res_unview(rt_of(gvr), o);
	if (!cJSON_Compare(o, want, true)) {
		char *got = cJSON_PrintUnformatted(o);

		fail_msg("%s round trip: got %s", gvr, got);
	}
	cJSON_Delete(o);
	cJSON_Delete(want);
}

#define HPA_V2_FULL                                                                                \
	"{'kind':'HorizontalPodAutoscaler','apiVersion':'autoscaling/v2','metadata':{'name':'h',"  \
	"'annotations':{'keep':'me'}},'spec':{" REF ",'minReplicas':1,'maxReplicas':5,'metrics':[" \
	"{'type':'Pods','pods':{'metric':{'name':'qps'},'target':{'type':'AverageValue',"          \
	"'averageValue':'10'}}},{'type':'Resource','resource':{'name':'cpu','target':{'type':"     \
	"'Utilization','averageUtilization':60}}}],'behavior':{'scaleDown':{"                      \
	"'stabilizationWindowSeconds':60}}},'status':{'currentReplicas':2,'desiredReplicas':2,"    \
	"'currentMetrics':[{'type':'Resource','resource':{'name':'cpu','current':{"                \
	"'averageUtilization':42}}}],'conditions':[{'type':'AbleToScale','status':'True'}]}}"

static void test_views(void **state)
{
	const char *ann = "metadata|annotations|";
	cJSON *o;

	(void)state;
	/* the v1 view: the cpu metric is the field, the rest in annotations */
	o = viewed("autoscaling/v1/horizontalpodautoscalers", HPA_V2_FULL);
	assert_json(o, "apiVersion", "'autoscaling/v1'");
	assert_json(o, "spec|targetCPUUtilizationPercentage", "60");
	assert_null(cJSON_GetObjectItem(cJSON_GetObjectItem(o, "spec"), "metrics"));
	assert_null(cJSON_GetObjectItem(cJSON_GetObjectItem(o, "spec"), "behavior"));
	assert_json(o, "status|currentCPUUtilizationPercentage", "42");
	assert_json(o, "metadata|annotations|keep", "'me'");
	{
		char p[200];

		snprintf(p, sizeof(p), "%s%s", ann, "autoscaling.alpha.kubernetes.io/metrics");
		assert_json(o, p,
			    "'[{\\'type\\':\\'Pods\\',\\'pods\\':{\\'metricName\\':\\'qps\\',"
			    "\\'targetAverageValue\\':\\'10\\'}}]'");
	}
	cJSON_Delete(o);
	assert_round_trip("autoscaling/v1/horizontalpodautoscalers", HPA_V2_FULL);

	/* a v1 object without annotations: just the cpu metric */
	o = parse_q("{'apiVersion':'autoscaling/v1','kind':'HorizontalPodAutoscaler','metadata':{"
		    "'name':'h'},'spec':{" REF ",'maxReplicas':3,'targetCPUUtilizationPercentage':"
		    "70},'status':{'currentReplicas':0,'desiredReplicas':0,"
		    "'currentCPUUtilizationPercentage':10}}");
	res_unview(rt_of("autoscaling/v1/horizontalpodautoscalers"), o);
	assert_json(o, "apiVersion", "'autoscaling/v2'");
	assert_json(o, "spec|metrics",
		    "[{'type':'Resource','resource':{'name':'cpu','target':{'type':'Utilization',"
		    "'averageUtilization':70}}}]");
	assert_json(o, "status|currentMetrics",
		    "[{'type':'Resource','resource':{'name':'cpu','current':{"
		    "'averageUtilization':10}}}]");
	assert_null(cJSON_GetObjectItem(cJSON_GetObjectItem(o, "metadata"), "annotations"));
	cJSON_Delete(o);

	/* events.k8s.io: the core Event's fields under their new names */
#define CORE_EV                                                                                    \
	"{'kind':'Event','apiVersion':'v1','metadata':{'name':'e'},'involvedObject':{'kind':'Pod'" \
	","                                                                                        \
	"'name':'p'},'reason':'Started','message':'hi','source':{'component':'kubelet'},"          \
	"'firstTimestamp':'2024-01-01T00:00:00Z','lastTimestamp':'2024-01-01T00:00:00Z',"          \
	"'count':2,'type':'Normal','reportingComponent':'kubelet','reportingInstance':'n1'}"
	o = viewed("events.k8s.io/v1/events", CORE_EV);
	assert_json(o, "apiVersion", "'events.k8s.io/v1'");
	assert_json(o, "regarding", "{'kind':'Pod','name':'p'}");
	assert_json(o, "note", "'hi'");
	assert_json(o, "deprecatedSource", "{'component':'kubelet'}");
	assert_json(o, "deprecatedCount", "2");
	assert_json(o, "deprecatedFirstTimestamp", "'2024-01-01T00:00:00Z'");
	assert_json(o, "reportingController", "'kubelet'");
	assert_null(cJSON_GetObjectItem(o, "involvedObject"));
	assert_null(cJSON_GetObjectItem(o, "message"));
	cJSON_Delete(o);
	assert_round_trip("events.k8s.io/v1/events", CORE_EV);
	/* a stored type is its own view */
	assert_ptr_equal(res_stored(rt_of("/v1/events")), rt_of("/v1/events"));
	assert_ptr_equal(res_stored(rt_of("events.k8s.io/v1/events")), rt_of("/v1/events"));
}

/* events.k8s.io creates are checked in the view's own field names */
static void test_event_view_validation(void **state)
{
	const struct res_type *rt = rt_of("events.k8s.io/v1/events");
	cJSON *o = parse_q("{'metadata':{'name':'e'},'type':'Sometimes','deprecatedCount':3,"
			   "'reason':'R','action':'A'}");
	struct verrs e = {0};
	static const char *const want[] = {"eventTime",		"type",
					   "deprecatedCount",	"reportingController",
					   "reportingInstance", NULL};

	(void)state;
	rt->validate(o, NULL, &e);
	for (int i = 0; want[i]; i++) {
		bool found = false;

		for (int k = 0; k < e.n; k++)
			found |= !strcmp(e.e[k].field, want[i]);
		if (!found)
			fail_msg("no cause at %s", want[i]);
	}
	cJSON_Delete(o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_cases),
	    cmocka_unit_test(test_defaults),
	    cmocka_unit_test(test_tables),
	    cmocka_unit_test(test_views),
	    cmocka_unit_test(test_event_view_validation),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
