/* res_batch: Job and CronJob (batch/v1): defaults (batch/v1 defaults.go),
 * the Job strategy's generated selector (manualSelector false), validation
 * (batch validation.go, with robfig/cron's standard schedule parser and its
 * messages) and Table rows (printers.go printJob, printCronJob). The Job
 * controller is controllers/ctrl_job.c; CronJobs are stored only. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "jcmp.h"
#include "res_util.h"

/* batch/v1 defaults: six retries; a CronJob keeps 3 finished and 1 failed Job */
#define JOB_BACKOFF_DEFAULT	   6
#define CJ_SUCCESS_HISTORY_DEFAULT 3
#define CJ_FAILED_HISTORY_DEFAULT  1
/* The controller appends "-<11 chars>" to a CronJob's name for its Jobs,
 * whose names are DNS-1035 labels (63): so 52 at most. */
#define CJ_NAME_MAX 52
/* batch.ControllerUidLabel / JobNameLabel and their legacy forms */
#define JOB_UID_LABEL	      "batch.kubernetes.io/controller-uid"
#define JOB_NAME_LABEL	      "batch.kubernetes.io/job-name"
#define JOB_UID_LABEL_LEGACY  "controller-uid"
#define JOB_NAME_LABEL_LEGACY "job-name"
#define ZONEINFO	      "/usr/share/zoneinfo/"

/* ============================================================ defaults */

/* JobSpec fields defaulted for a Job (not for a CronJob's jobTemplate: the
 * defaulter is registered for Job, not JobSpec). */
static void job_spec_defaults(cJSON *spec)
{
	if (!res_get(spec, "completions") && !res_get(spec, "parallelism")) {
		res_default_num(spec, "completions", 1);
		res_default_num(spec, "parallelism", 1);
	}
	res_default_num(spec, "parallelism", 1);
	res_default_num(spec, "backoffLimit",
			res_get(spec, "backoffLimitPerIndex") ? INT_MAX : JOB_BACKOFF_DEFAULT);
	res_default_str(spec, "completionMode", "NonIndexed");
	if (!res_get(spec, "suspend"))
		res_set(spec, "suspend", cJSON_CreateFalse());
	res_default_str(spec, "podReplacementPolicy",
			res_get(spec, "podFailurePolicy") ? "Failed" : "TerminatingOrFailed");
	if (!res_get(spec, "manualSelector"))
		res_set(spec, "manualSelector", cJSON_CreateFalse());
}

static void job_add_label(cJSON *labels, const char *key, const char *val)
{
	if (!res_get(labels, key))
		res_set(labels, key, cJSON_CreateString(val));
}

/* The Job strategy's generateSelector: the pods get the job's name and uid
 * as labels and the selector picks the uid, so a Job owns only its pods.
 * Run while the selector is absent (on create: it is immutable after). */
static void job_generate_selector(cJSON *obj, cJSON *spec)
{
	const char *uid = json_str(obj, "metadata.uid"), *name = json_str(obj, "metadata.name");
	cJSON *labels, *ml;

	if (cJSON_IsTrue(res_get(spec, "manualSelector")) || res_get(spec, "selector") || !uid ||
	    !name)
		return;
	labels =
	    res_obj_child(res_obj_child(res_obj_child(spec, "template"), "metadata"), "labels");
	if (!labels)
		return;
	job_add_label(labels, JOB_NAME_LABEL_LEGACY, name);
	job_add_label(labels, JOB_NAME_LABEL, name);
	job_add_label(labels, JOB_UID_LABEL_LEGACY, uid);
	job_add_label(labels, JOB_UID_LABEL, uid);
	ml = res_obj_child(res_obj_child(spec, "selector"), "matchLabels");
	if (ml)
		job_add_label(ml, JOB_UID_LABEL, uid);
}

static void job_defaults(cJSON *obj)
{
	cJSON *spec = res_obj_child(obj, "spec"), *tmpl, *labels, *md;

	if (!spec)
		return;
	job_spec_defaults(spec);
	job_generate_selector(obj, spec);
	tmpl = res_obj_child(spec, "template");
	res_podspec_defaults(res_obj_child(tmpl, "spec"));
	/* SetDefaults_Job: an unlabelled Job takes its pods' labels */
	labels = (cJSON *)json_at(tmpl, "metadata.labels");
	md = res_obj_child(obj, "metadata");
	if (cJSON_IsObject(labels) && labels->child && md &&
	    (!res_get(md, "labels") || !cJSON_IsObject(res_get(md, "labels")) ||
	     !res_get(md, "labels")->child))
		res_set(md, "labels", cJSON_Duplicate(labels, true));
	res_obj_child(obj, "status");
}

static void cj_defaults(cJSON *obj)
{
	cJSON *spec = res_obj_child(obj, "spec"), *jt;

	if (!spec)
		return;
	res_default_str(spec, "concurrencyPolicy", "Allow");
	if (!res_get(spec, "suspend"))
		res_set(spec, "suspend", cJSON_CreateFalse());
	res_default_num(spec, "successfulJobsHistoryLimit", CJ_SUCCESS_HISTORY_DEFAULT);
	res_default_num(spec, "failedJobsHistoryLimit", CJ_FAILED_HISTORY_DEFAULT);
	jt = res_obj_child(res_obj_child(spec, "jobTemplate"), "spec");
	res_podspec_defaults(res_obj_child(res_obj_child(jt, "template"), "spec"));
	res_obj_child(obj, "status");
}

/* ======================================================= cron schedules */

/* robfig/cron v3 bounds of a field; names are matched lower-cased. */
struct cron_bounds {
	unsigned min, max;
	const char *const *names; /* names[i] has the value min_name + i */
	unsigned min_name;
};

static const char *const cron_months[] = {"jan", "feb", "mar", "apr", "may", "jun", "jul",
					  "aug", "sep", "oct", "nov", "dec", NULL};
static const char *const cron_days[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat", NULL};

static const struct cron_bounds cron_fields[5] = {
    {0, 59, NULL, 0},	     /* minute */
    {0, 23, NULL, 0},	     /* hour */
    {1, 31, NULL, 0},	     /* day of month */
    {1, 12, cron_months, 1}, /* month */
    {0, 6, cron_days, 0},    /* day of week */
};

/* strconv.Atoi then the negative check (cron's mustParseInt). */
static int cron_int(const char *s, long long *out, char *err, size_t len)
{
	const char *p = s;
	long long v = 0;

	if (*p == '+' || *p == '-')
		p++;
	if (!*p || strspn(p, "0123456789") != strlen(p)) {
		snprintf(err, len,
			 "failed to parse int from %s: strconv.Atoi: parsing \"%s\": "
			 "invalid syntax",
			 s, s);
		return -EINVAL;
	}
	for (; *p; p++) {
		if (v > (LLONG_MAX - (*p - '0')) / 10) {
			snprintf(err, len,
				 "failed to parse int from %s: strconv.Atoi: parsing \"%s\": "
				 "value out of range",
				 s, s);
			return -EINVAL;
		}
		v = v * 10 + (*p - '0');
	}
	if (*s == '-')
		v = -v;
	if (v < 0) {
		snprintf(err, len, "negative number (%lld) not allowed: %s", v, s);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

static int cron_int_or_name(const char *s, const struct cron_bounds *b, long long *out, char *err,
			    size_t len)
{
	for (int i = 0; b->names && b->names[i]; i++) {
		if (!strcasecmp(s, b->names[i])) {
			*out = b->min_name + i;
			return 0;
		}
	}
	return cron_int(s, out, err, len);
}

/* getRange: "*", "?", "N", "N-M", each optionally "/step". */
static int cron_range(const char *expr, const struct cron_bounds *b, char *err, size_t len)
{
	char buf[256], *slash, *slash2, *dash, *dash2;
	long long start, end, step = 1;
	bool single;

	snprintf(buf, sizeof(buf), "%s", expr);
	slash = strchr(buf, '/');
	if (slash)
		*slash++ = 0;
	dash = strchr(buf, '-');
	single = !dash;
	if (!strcmp(buf, "*") || !strcmp(buf, "?")) {
		start = b->min;
		end = b->max;
	} else {
		if (dash)
			*dash++ = 0;
		if (cron_int_or_name(buf, b, &start, err, len))
			return -EINVAL;
		end = start;
		if (dash) {
			dash2 = strchr(dash, '-');
			if (dash2) {
				snprintf(err, len, "too many hyphens: %s", expr);
				return -EINVAL;
			}
			if (cron_int_or_name(dash, b, &end, err, len))
				return -EINVAL;
		}
	}
	if (slash) {
		slash2 = strchr(slash, '/');
		if (slash2) {
			snprintf(err, len, "too many slashes: %s", expr);
			return -EINVAL;
		}
		if (cron_int(slash, &step, err, len))
			return -EINVAL;
		/* "N/step" means "N-max/step" */
		if (single)
			end = b->max;
	}
	if (start < b->min) {
		snprintf(err, len, "beginning of range (%lld) below minimum (%u): %s", start,
			 b->min, expr);
		return -EINVAL;
	}
	if (end > b->max) {
		snprintf(err, len, "end of range (%lld) above maximum (%u): %s", end, b->max, expr);
		return -EINVAL;
	}
	if (start > end) {
		snprintf(err, len, "beginning of range (%lld) beyond end of range (%lld): %s",
			 start, end, expr);
		return -EINVAL;
	}
	if (step == 0) {
		snprintf(err, len, "step of range should be a positive number: %s", expr);
		return -EINVAL;
	}
	return 0;
}

/* time.ParseDuration's grammar: [-+]? then (number unit)+, or "0". */
static int cron_duration(const char *s, char *err, size_t len)
{
	static const char *const units[] = {"ns", "us", "µs", "μs", "ms", "s", "m", "h", NULL};
	const char *p = s;

	if (*p == '-' || *p == '+')
		p++;
	if (!strcmp(p, "0"))
		return 0;
	if (!*p)
		goto invalid;
	while (*p) {
		size_t d = strspn(p, "0123456789"), f = 0, u;
		int k;

		if (p[d] == '.')
			f = 1 + strspn(p + d + 1, "0123456789");
		if (!d && f < 2)
			goto invalid;
		p += d + f;
		u = strcspn(p, "0123456789.");
		if (!u) {
			snprintf(err, len, "time: missing unit in duration \"%s\"", s);
			return -EINVAL;
		}
		for (k = 0; units[k] && (strlen(units[k]) != u || strncmp(p, units[k], u)); k++)
			;
		if (!units[k]) {
			snprintf(err, len, "time: unknown unit \"%.*s\" in duration \"%s\"", (int)u,
				 p, s);
			return -EINVAL;
		}
		p += u;
	}
	return 0;
invalid:
	snprintf(err, len, "time: invalid duration \"%s\"", s);
	return -EINVAL;
}

/* An IANA zone name as time.LoadLocation finds it (the system's tzdata). */
static bool cron_zone_known(const char *zone)
{
	char path[300];

	if (!strcmp(zone, "UTC") || !strcmp(zone, "Local"))
		return true;
	if (!*zone || zone[0] == '/' || strstr(zone, ".."))
		return false;
	snprintf(path, sizeof(path), ZONEINFO "%s", zone);
	return !access(path, R_OK);
}

/* cron.ParseStandard: 0, or -EINVAL with robfig/cron's message in err. */
static int cron_parse(const char *spec, char *err, size_t len)
{
	static const char *const descriptors[] = {"@yearly", "@annually", "@monthly", "@weekly",
						  "@daily",  "@midnight", "@hourly",  NULL};
	char buf[512], *fields[8], *save = NULL, *tok;
	int n = 0;

	if (!*spec) {
		snprintf(err, len, "empty spec string");
		return -EINVAL;
	}
	snprintf(buf, sizeof(buf), "%s", spec);
	tok = buf;
	if (!strncmp(tok, "TZ=", 3) || !strncmp(tok, "CRON_TZ=", 8)) {
		char *sp = strchr(tok, ' '), *zone = strchr(tok, '=') + 1;

		if (sp)
			*sp = 0;
		if (!cron_zone_known(zone)) {
			snprintf(err, len, "provided bad location %s: unknown time zone %s", zone,
				 zone);
			return -EINVAL;
		}
		tok = sp ? sp + 1 : tok + strlen(tok);
		tok += strspn(tok, " \t\n");
	}
	if (tok[0] == '@') {
		for (int i = 0; descriptors[i]; i++)
			if (!strcmp(tok, descriptors[i]))
				return 0;
		if (!strncmp(tok, "@every ", 7)) {
			char derr[300];

			if (!cron_duration(tok + 7, derr, sizeof(derr)))
				return 0;
			snprintf(err, len, "failed to parse duration %s: %s", tok, derr);
			return -EINVAL;
		}
		snprintf(err, len, "unrecognized descriptor: %s", tok);
		return -EINVAL;
	}
	for (tok = strtok_r(tok, " \t\n\r\v\f", &save); tok;
	     tok = strtok_r(NULL, " \t\n\r\v\f", &save))
		if (n < 8)
			fields[n++] = tok;
		else
			n++;
	if (n != 5) {
		struct res_join j;
		char *list;

		/* Go's %s of a []string */
		res_join_init(&j);
		res_join_add(&j, "", "[");
		for (int i = 0; i < n && i < 8; i++)
			res_join_add(&j, "", "%s%s", i ? " " : "", fields[i]);
		res_join_add(&j, "", "%s]", n > 8 ? " ..." : "");
		list = res_join_done(&j);
		snprintf(err, len, "expected exactly 5 fields, found %d: %s", n, list ? list : "");
		free(list);
		return -EINVAL;
	}
	for (int i = 0; i < 5; i++) {
		char *save2 = NULL;

		for (char *r = strtok_r(fields[i], ",", &save2); r; r = strtok_r(NULL, ",", &save2))
			if (cron_range(r, &cron_fields[i], err, len))
				return -EINVAL;
	}
	return 0;
}

/* ========================================================== validation */

static const char *const job_restart[] = {"OnFailure", "Never", NULL};

/* validateJobSpec (what a Job and a CronJob's jobTemplate share); p is the
 * JobSpec's path. */
static void job_validate_spec(const cJSON *spec, const char *p, struct verrs *e)
{
	static const char *const modes[] = {"NonIndexed", "Indexed", NULL};
	static const char *const nonneg[] = {"parallelism",
					     "completions",
					     "activeDeadlineSeconds",
					     "backoffLimit",
					     "ttlSecondsAfterFinished",
					     NULL};
	char f[RES_PATH], q[RES_VAL];
	const cJSON *tmpl, *md, *rp, *mode;

	for (int i = 0; nonneg[i]; i++)
		res_nonneg(spec, nonneg[i], res_pathf(f, "%s.%s", p, nonneg[i]), e);
	mode = res_typed(spec, "completionMode", res_pathf(f, "%s.completionMode", p), RES_STR, e);
	if (mode && strcmp(mode->valuestring, "NonIndexed") &&
	    strcmp(mode->valuestring, "Indexed")) {
		res_goquote(mode->valuestring, q, sizeof(q));
		verrs_not_supported(e, f, q, modes);
	}
	tmpl = res_typed(spec, "template", res_pathf(f, "%s.template", p), RES_OBJ, e);
	if (!tmpl)
		return;
	md = res_typed(tmpl, "metadata", res_pathf(f, "%s.template.metadata", p), RES_OBJ, e);
	res_validate_labels(res_get(md, "labels"), res_pathf(f, "%s.template.labels", p), e);
	res_validate_annotations(res_get(md, "annotations"),
				 res_pathf(f, "%s.template.annotations", p), e);
	res_podspec_validate(res_get(tmpl, "spec"), res_pathf(f, "%s.template.spec", p), e);
	rp = json_at(tmpl, "spec.restartPolicy");
	if (cJSON_IsString(rp) && strcmp(rp->valuestring, "OnFailure") &&
	    strcmp(rp->valuestring, "Never")) {
		res_goquote(rp->valuestring, q, sizeof(q));
		verrs_not_supported(e, res_pathf(f, "%s.template.spec.restartPolicy", p), q,
				    job_restart);
	}
}

/* validateGeneratedSelector: an automatic selector must pick the Job's uid. */
static void job_validate_generated(const cJSON *obj, const cJSON *sel, struct verrs *e)
{
	const char *uid = json_str(obj, "metadata.uid");
	char v[RES_VAL * 3];
	cJSON *want;

	if (cJSON_IsTrue(json_at(obj, "spec.manualSelector")) || !sel)
		return;
	if (!uid || !*uid) {
		verrs_required(e, "metadata.uid", "");
		return;
	}
	want = cJSON_CreateObject();
	cJSON_AddStringToObject(want, JOB_UID_LABEL, uid);
	if (res_selector_ok(sel) && !res_selector_matches(sel, want)) {
		res_goselector(sel, v, sizeof(v));
		verrs_invalid(e, "spec.selector", v, "`selector` not auto-generated");
	}
	cJSON_Delete(want);
}

static void job_validate(const cJSON *obj, const cJSON *old, struct verrs *e)
{
	const cJSON *spec, *sel, *labels, *osel;
	char v[RES_VAL * 3];

	res_validate_meta(obj, old, RES_DNS1123_SUBDOMAIN, e);
	spec = res_typed(obj, "spec", "spec", RES_OBJ, e);
	if (!spec) {
		if (!res_get(obj, "spec"))
			verrs_required(e, "spec.template", "");
		return;
	}
	sel = res_typed(spec, "selector", "spec.selector", RES_OBJ, e);
	job_validate_generated(obj, sel, e);
	if (!sel && !res_get(spec, "selector"))
		verrs_required(e, "spec.selector", "");
	if (sel) {
		res_validate_label_selector(sel, "spec.selector", e);
		labels = json_at(spec, "template.metadata.labels");
		if (res_selector_ok(sel) && (!labels || cJSON_IsObject(labels)) &&
		    !res_selector_matches(sel, labels)) {
			res_gomap(labels, v, sizeof(v));
			verrs_invalid(e, "spec.template.metadata.labels", v,
				      "`selector` does not match template `labels`");
		}
	}
	job_validate_spec(spec, "spec", e);
	osel = old ? json_at(old, "spec.selector") : NULL;
	if (osel && jcmp_equal(sel, osel) <= 0) {
		res_goselector(sel, v, sizeof(v));
		verrs_invalid(e, "spec.selector", v, "field is immutable");
	}
	res_typed(obj, "status", "status", RES_OBJ, e);
}

static void cj_validate_schedule(const cJSON *spec, const cJSON *old, struct verrs *e)
{
	const cJSON *sched = res_typed(spec, "schedule", "spec.schedule", RES_STR, e);
	const cJSON *tz = res_typed(spec, "timeZone", "spec.timeZone", RES_STR, e);
	const char *osched = old ? json_str(old, "spec.schedule") : NULL;
	char err[700], q[RES_VAL];

	if (!sched && res_get(spec, "schedule"))
		return;
	if (!sched || !sched->valuestring[0]) {
		verrs_required(e, "spec.schedule", "");
	} else {
		res_goquote(sched->valuestring, q, sizeof(q));
		if (cron_parse(sched->valuestring, err, sizeof(err)))
			verrs_invalid(e, "spec.schedule", q, err);
		/* a schedule that had TZ before may keep it (AllowTZInSchedule) */
		if (strstr(sched->valuestring, "TZ") && tz)
			verrs_invalid(e, "spec.schedule", q,
				      "cannot use both timeZone field and TZ or CRON_TZ in "
				      "schedule");
		else if (strstr(sched->valuestring, "TZ") && !(osched && strstr(osched, "TZ")))
			verrs_invalid(e, "spec.schedule", q,
				      "cannot use TZ or CRON_TZ in schedule, use timeZone field "
				      "instead");
	}
	if (!tz)
		return;
	res_goquote(tz->valuestring, q, sizeof(q));
	if (!tz->valuestring[0]) {
		verrs_invalid(e, "spec.timeZone", q, "timeZone must be nil or non-empty string");
		return;
	}
	if (!cron_zone_known(tz->valuestring)) {
		snprintf(err, sizeof(err), "unknown time zone %s", tz->valuestring);
		verrs_invalid(e, "spec.timeZone", q, err);
	}
	if (!strcasecmp(tz->valuestring, "Local"))
		verrs_invalid(e, "spec.timeZone", q,
			      "timeZone must be an explicit time zone as defined in "
			      "https://www.iana.org/time-zones");
}

static void cj_validate(const cJSON *obj, const cJSON *old, struct verrs *e)
{
	static const char *const policies[] = {"Allow", "Forbid", "Replace", NULL};
	static const char *const nonneg[] = {"startingDeadlineSeconds",
					     "successfulJobsHistoryLimit", "failedJobsHistoryLimit",
					     NULL};
	static const char *const manual[] = {"nil", "false", NULL};
	const cJSON *spec, *cp, *jt, *jspec, *sel;
	const char *name = json_str(obj, "metadata.name");
	char f[RES_PATH], q[RES_VAL * 3];

	res_validate_meta(obj, old, RES_DNS1123_SUBDOMAIN, e);
	if (name && strlen(name) > CJ_NAME_MAX) {
		res_goquote(name, q, sizeof(q));
		verrs_invalid(e, "metadata.name", q, "must be no more than 52 characters");
	}
	spec = res_typed(obj, "spec", "spec", RES_OBJ, e);
	if (!spec) {
		if (!res_get(obj, "spec"))
			verrs_required(e, "spec.schedule", "");
		return;
	}
	cj_validate_schedule(spec, old, e);
	cp = res_typed(spec, "concurrencyPolicy", "spec.concurrencyPolicy", RES_STR, e);
	if (!cp || !cp->valuestring[0]) {
		if (!res_get(spec, "concurrencyPolicy") || cp)
			verrs_required(e, "spec.concurrencyPolicy", "");
	} else if (strcmp(cp->valuestring, "Allow") && strcmp(cp->valuestring, "Forbid") &&
		   strcmp(cp->valuestring, "Replace")) {
		res_goquote(cp->valuestring, q, sizeof(q));
		verrs_not_supported(e, "spec.concurrencyPolicy", q, policies);
	}
	for (int i = 0; nonneg[i]; i++)
		res_nonneg(spec, nonneg[i], res_pathf(f, "spec.%s", nonneg[i]), e);
	jt = res_typed(spec, "jobTemplate", "spec.jobTemplate", RES_OBJ, e);
	jspec = res_typed(jt, "spec", "spec.jobTemplate.spec", RES_OBJ, e);
	if (!jspec)
		return;
	job_validate_spec(jspec, "spec.jobTemplate.spec", e);
	/* ValidateJobTemplateSpec: the Jobs' selectors are generated */
	sel = res_get(jspec, "selector");
	if (sel) {
		res_goselector(sel, q, sizeof(q));
		verrs_invalid(e, "spec.jobTemplate.spec.selector", q,
			      "`selector` will be auto-generated");
	}
	if (cJSON_IsTrue(res_get(jspec, "manualSelector")))
		verrs_not_supported(e, "spec.jobTemplate.spec.manualSelector", "true", manual);
	res_typed(obj, "status", "status", RES_OBJ, e);
}

/* =============================================================== Table */

#define BATCH_DESC_CONTAINERS "Names of each container in the template."
#define BATCH_DESC_IMAGES     "Images referenced by each container in the template."
#define BATCH_DESC_SELECTOR                                                                        \
	"A label query over pods that should match the pod count. Normally, the system sets "      \
	"this field for you. More info: "                                                          \
	"https://kubernetes.io/docs/concepts/overview/working-with-objects/"                       \
	"labels/#label-selectors"

static const struct res_col job_cols[] = {
    {"Name", "string", "name", 0, RES_DESC_NAME},
    {"Status", "string", "", 0, "Status of the job."},
    {"Completions", "string", "", 0,
     "The number of pods which reached phase Succeeded. The value increases monotonically for "
     "a given spec. However, it may decrease in reaction to scale down of elastic indexed "
     "jobs."},
    {"Duration", "string", "", 0, "Time required to complete the job."},
    {"Age", "string", "", 0, RES_DESC_AGE},
    {"Containers", "string", "", 1, BATCH_DESC_CONTAINERS},
    {"Images", "string", "", 1, BATCH_DESC_IMAGES},
    {"Selector", "string", "", 1, BATCH_DESC_SELECTOR},
};

static const struct res_col cj_cols[] = {
    {"Name", "string", "name", 0, RES_DESC_NAME},
    {"Schedule", "string", "", 0,
     "The schedule in Cron format, see https://en.wikipedia.org/wiki/Cron."},
    {"Timezone", "string", "", 0,
     "The time zone name for the given schedule, see "
     "https://en.wikipedia.org/wiki/List_of_tz_database_time_zones. If not specified, this "
     "will default to the time zone of the kube-controller-manager process."},
    {"Suspend", "boolean", "", 0,
     "This flag tells the controller to suspend subsequent executions, it does not apply to "
     "already started executions.  Defaults to false."},
    {"Active", "integer", "", 0, "A list of pointers to currently running jobs."},
    {"Last Schedule", "string", "", 0,
     "Information when was the last time the job was successfully scheduled."},
    {"Age", "string", "", 0, RES_DESC_AGE},
    {"Containers", "string", "", 1, BATCH_DESC_CONTAINERS},
    {"Images", "string", "", 1, BATCH_DESC_IMAGES},
    {"Selector", "string", "", 1, BATCH_DESC_SELECTOR},
};

#define BATCH_NCOLS(c) ((int)(sizeof(c) / sizeof((c)[0])))

static cJSON *job_table_columns(void)
{
	return res_columns(job_cols, BATCH_NCOLS(job_cols));
}

static cJSON *cj_table_columns(void)
{
	return res_columns(cj_cols, BATCH_NCOLS(cj_cols));
}

static bool job_condition(const cJSON *obj, const char *type)
{
	const cJSON *c;

	cJSON_ArrayForEach(c, RES_ARR(json_at(obj, "status.conditions")))
	{
		const char *t = json_str(c, "type"), *s = json_str(c, "status");

		if (t && s && !strcmp(t, type) && !strcmp(s, "True"))
			return true;
	}
	return false;
}

static const char *job_status(const cJSON *obj)
{
	static const char *const order[] = {
	    "Complete", "Failed", "", "Suspended", "FailureTarget", "SuccessCriteriaMet", NULL};

	for (int i = 0; order[i]; i++) {
		/* a deletionTimestamp ranks between Failed and Suspended */
		if (!order[i][0]) {
			if (json_at(obj, "metadata.deletionTimestamp"))
				return "Terminating";
			continue;
		}
		if (job_condition(obj, order[i]))
			return order[i];
	}
	return "Running";
}

static cJSON *job_table_cells(const cJSON *obj, time_t now)
{
	cJSON *cells = cJSON_CreateArray();
	long long succeeded = 0, completions = 0, parallelism = 0;
	time_t start = res_parse_time(json_str(obj, "status.startTime"));
	time_t done = res_parse_time(json_str(obj, "status.completionTime"));
	char buf[64] = "";

	res_int(obj, "status.succeeded", &succeeded);
	res_cell_str(cells, json_str(obj, "metadata.name"));
	res_cell_str(cells, job_status(obj));
	if (res_int(obj, "spec.completions", &completions))
		snprintf(buf, sizeof(buf), "%lld/%lld", succeeded, completions);
	else if (res_int(obj, "spec.parallelism", &parallelism) && parallelism > 1)
		snprintf(buf, sizeof(buf), "%lld/1 of %lld", succeeded, parallelism);
	else
		snprintf(buf, sizeof(buf), "%lld/1", succeeded);
	res_cell_str(cells, buf);
	buf[0] = 0;
	if (start)
		res_age(start, done ? done : now, buf, sizeof(buf));
	res_cell_str(cells, buf);
	res_cell_age(cells, obj, now);
	res_cell_containers(cells, json_at(obj, "spec.template.spec"));
	res_cell_selector(cells, json_at(obj, "spec.selector"));
	return cells;
}

static cJSON *cj_table_cells(const cJSON *obj, time_t now)
{
	cJSON *cells = cJSON_CreateArray();
	const cJSON *susp = json_at(obj, "spec.suspend"), *last;
	const char *tz = json_str(obj, "spec.timeZone");
	char buf[32];

	res_cell_str(cells, json_str(obj, "metadata.name"));
	res_cell_str(cells, json_str(obj, "spec.schedule"));
	res_cell_str(cells, tz ? tz : "<none>");
	res_cell_str(cells,
		     cJSON_IsBool(susp) ? (cJSON_IsTrue(susp) ? "True" : "False") : "<unset>");
	res_cell_int(cells, cJSON_GetArraySize(RES_ARR(json_at(obj, "status.active"))));
	last = json_at(obj, "status.lastScheduleTime");
	if (cJSON_IsString(last)) {
		res_age(res_parse_time(last->valuestring), now, buf, sizeof(buf));
		res_cell_str(cells, buf);
	} else {
		res_cell_str(cells, "<none>");
	}
	res_cell_age(cells, obj, now);
	res_cell_containers(cells, json_at(obj, "spec.jobTemplate.spec.template.spec"));
	res_cell_selector(cells, json_at(obj, "spec.jobTemplate.spec.selector"));
	return cells;
}

const struct res_type res_jobs = {
    .plural = "jobs",
    .singular = "job",
    .kind = "Job",
    .list_kind = "JobList",
    .group = "batch",
    .version = "v1",
    .api_version = "batch/v1",
    .namespaced = true,
    .all_category = true,
    .has_status = true,
    .unconditional_update = true,
    .has_generation = true,
    .defaults = job_defaults,
    .validate = job_validate,
    .table_columns = job_table_columns,
    .table_cells = job_table_cells,
};

const struct res_type res_cronjobs = {
    .plural = "cronjobs",
    .singular = "cronjob",
    .kind = "CronJob",
    .list_kind = "CronJobList",
    .group = "batch",
    .version = "v1",
    .api_version = "batch/v1",
    .namespaced = true,
    .short_names = {"cj", NULL},
    .all_category = true,
    .has_status = true,
    .unconditional_update = true,
    .has_generation = true,
    .defaults = cj_defaults,
    .validate = cj_validate,
    .table_columns = cj_table_columns,
    .table_cells = cj_table_cells,
};
