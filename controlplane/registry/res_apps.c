/* res_apps: Deployment, ReplicaSet and StatefulSet (apps/v1): defaults
 * (apps/v1 defaults.go), validation (apps validation.go: selector, template
 * labels, replicas, strategies) and Table rows (printers.go). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "jcmp.h"
#include "res_util.h"

/* apps/v1 defaults: one replica, keep 10 old ReplicaSets/revisions, report
 * a stalled rollout after 600 s, surge/unavailable 25% each. */
#define APPS_REPLICAS_DEFAULT  1
#define APPS_HISTORY_DEFAULT   10
#define APPS_PROGRESS_DEADLINE 600
#define APPS_ROLLING_DEFAULT   "25%"

/* ------------------------------------------------------------ defaults */

static void apps_default_status(cJSON *obj, const char *const *keys)
{
	cJSON *status = res_obj_child(obj, "status");

	for (int i = 0; keys[i]; i++)
		res_default_num(status, keys[i], 0);
}

static void deploy_defaults(cJSON *obj)
{
	static const char *const st[] = {"replicas", "updatedReplicas", "readyReplicas",
					 "availableReplicas", NULL};
	cJSON *spec = res_obj_child(obj, "spec"), *strat, *ru;
	const char *type;

	if (spec) {
		res_default_num(spec, "replicas", APPS_REPLICAS_DEFAULT);
		strat = res_obj_child(spec, "strategy");
		res_default_str(strat, "type", "RollingUpdate");
		type = json_str(strat, "type");
		if (type && !strcmp(type, "RollingUpdate")) {
			ru = res_obj_child(strat, "rollingUpdate");
			if (!res_get(ru, "maxUnavailable"))
				res_set(ru, "maxUnavailable",
					cJSON_CreateString(APPS_ROLLING_DEFAULT));
			if (!res_get(ru, "maxSurge"))
				res_set(ru, "maxSurge", cJSON_CreateString(APPS_ROLLING_DEFAULT));
		}
		res_default_num(spec, "revisionHistoryLimit", APPS_HISTORY_DEFAULT);
		res_default_num(spec, "progressDeadlineSeconds", APPS_PROGRESS_DEADLINE);
		res_podspec_defaults(res_obj_child(res_obj_child(spec, "template"), "spec"));
	}
	apps_default_status(obj, st);
}

static void rs_defaults(cJSON *obj)
{
	static const char *const st[] = {"replicas", NULL};
	cJSON *spec = res_obj_child(obj, "spec");

	if (spec) {
		res_default_num(spec, "replicas", APPS_REPLICAS_DEFAULT);
		res_podspec_defaults(res_obj_child(res_obj_child(spec, "template"), "spec"));
	}
	apps_default_status(obj, st);
}

static void sts_defaults(cJSON *obj)
{
	static const char *const st[] = {"replicas", NULL};
	cJSON *spec = res_obj_child(obj, "spec"), *us;
	const char *type;

	if (spec) {
		res_default_num(spec, "replicas", APPS_REPLICAS_DEFAULT);
		res_default_str(spec, "podManagementPolicy", "OrderedReady");
		us = res_obj_child(spec, "updateStrategy");
		res_default_str(us, "type", "RollingUpdate");
		type = json_str(us, "type");
		if (type && !strcmp(type, "RollingUpdate"))
			res_default_num(res_obj_child(us, "rollingUpdate"), "partition", 0);
		res_default_num(spec, "revisionHistoryLimit", APPS_HISTORY_DEFAULT);
		res_podspec_defaults(res_obj_child(res_obj_child(spec, "template"), "spec"));
	}
	apps_default_status(obj, st);
}

/* ----------------------------------------------------------- validation */

/* %#v of a metav1.LabelSelector (the value field.Error prints). */
void res_goselector(const cJSON *sel, char *buf, size_t len)
{
	const cJSON *ml = res_get(sel, "matchLabels"), *me = res_get(sel, "matchExpressions"), *x;
	char m[RES_VAL], vals[RES_VAL], q1[RES_VAL], q2[RES_VAL];
	struct res_join j;
	char *s;

	if (ml)
		res_gomap(ml, m, sizeof(m));
	else
		snprintf(m, sizeof(m), "map[string]string(nil)");
	res_join_init(&j);
	if (!cJSON_IsArray(me)) {
		res_join_add(&j, "", "[]v1.LabelSelectorRequirement(nil)");
	} else {
		res_join_add(&j, "", "[]v1.LabelSelectorRequirement{");
		cJSON_ArrayForEach(x, me)
		{
			res_goquote(json_str(x, "key") ?: "", q1, sizeof(q1));
			res_goquote(json_str(x, "operator") ?: "", q2, sizeof(q2));
			res_gostrs(res_get(x, "values"), vals, sizeof(vals));
			res_join_add(&j, ", ",
				     "v1.LabelSelectorRequirement{Key:%s, Operator:%s, Values:%s}",
				     q1, q2, vals);
		}
		res_join_add(&j, NULL, "}");
	}
	s = res_join_done(&j);
	snprintf(buf, len, "v1.LabelSelector{MatchLabels:%s, MatchExpressions:%s}", m, s);
	free(s);
}

void res_nonneg(const cJSON *o, const char *key, const char *path, struct verrs *e)
{
	const cJSON *v = res_typed(o, key, path, RES_INT, e);

	if (v && v->valuedouble < 0)
		verrs_add(e, "FieldValueInvalid", path,
			  "Invalid value: %lld: must be greater than or equal to 0",
			  (long long)v->valuedouble);
}

/* ValidatePodTemplateSpecForReplicaSet / ...ForStatefulSet */
void res_apps_template(const cJSON *spec, const cJSON *sel, const char *kind, struct verrs *e)
{
	const cJSON *tmpl, *md, *labels, *rp;
	char v[RES_VAL * 2], q[RES_VAL];

	tmpl = res_typed(spec, "template", "spec.template", RES_OBJ, e);
	if (!tmpl && res_get(spec, "template"))
		return;
	md = res_typed(tmpl, "metadata", "spec.template.metadata", RES_OBJ, e);
	labels = res_get(md, "labels");
	if (sel && !res_selector_empty(sel) && (!labels || cJSON_IsObject(labels)) &&
	    !res_selector_matches(sel, labels)) {
		res_gomap(labels, v, sizeof(v));
		verrs_invalid(e, "spec.template.metadata.labels", v,
			      "`selector` does not match template `labels`");
	}
	/* ValidatePodTemplateSpec reports template labels at spec.template.labels */
	res_validate_labels(labels, "spec.template.labels", e);
	res_validate_annotations(res_get(md, "annotations"), "spec.template.annotations", e);
	res_podspec_validate(res_get(tmpl, "spec"), "spec.template.spec", e);
	rp = json_at(tmpl, "spec.restartPolicy");
	if (cJSON_IsString(rp) && rp->valuestring[0] && strcmp(rp->valuestring, "Always")) {
		static const char *const always[] = {"Always", NULL};

		res_goquote(rp->valuestring, q, sizeof(q));
		verrs_not_supported(e, "spec.template.spec.restartPolicy", q, always);
	}
	if (json_at(tmpl, "spec.activeDeadlineSeconds")) {
		char d[80];

		snprintf(d, sizeof(d), "activeDeadlineSeconds in %s is not Supported", kind);
		verrs_forbidden(e, "spec.template.spec.activeDeadlineSeconds", d);
	}
}

/* replicas, selector and template, shared by the three kinds. what: the
 * word in "empty selector is invalid for <what>". Returns the spec. */
static const cJSON *apps_validate_common(const cJSON *obj, const cJSON *old, const char *what,
					 const char *kind, struct verrs *e)
{
	const cJSON *spec, *sel;
	char v[RES_VAL * 3];

	res_validate_meta(obj, old, RES_DNS1123_SUBDOMAIN, e);
	spec = res_get(obj, "spec");
	if (spec && !res_check_type(spec, "spec", RES_OBJ, e))
		return NULL;
	res_nonneg(spec, "replicas", "spec.replicas", e);
	res_nonneg(spec, "minReadySeconds", "spec.minReadySeconds", e);
	sel = res_typed(spec, "selector", "spec.selector", RES_OBJ, e);
	if (!sel && res_get(spec, "selector"))
		return spec;
	if (!sel) {
		verrs_required(e, "spec.selector", "");
	} else {
		res_validate_label_selector(sel, "spec.selector", e);
		if (res_selector_empty(sel)) {
			char d[64];

			res_goselector(sel, v, sizeof(v));
			snprintf(d, sizeof(d), "empty selector is invalid for %s", what);
			verrs_invalid(e, "spec.selector", v, d);
		}
	}
	if (sel && !res_selector_ok(sel)) {
		res_goselector(sel, v, sizeof(v));
		verrs_invalid(e, "spec.selector", v,
			      strcmp(what, "statefulset") ? "invalid label selector" : "");
	} else {
		res_apps_template(spec, sel, kind, e);
	}
	/* apps/v1: the selector is immutable */
	if (old && sel && res_get(res_get(old, "spec"), "selector") &&
	    jcmp_equal(sel, res_get(res_get(old, "spec"), "selector")) <= 0) {
		res_goselector(sel, v, sizeof(v));
		verrs_invalid(e, "spec.selector", v, "field is immutable");
	}
	return spec;
}

/* %#v of an intstr.IntOrString */
static void apps_gointstr(const cJSON *v, char *buf, size_t len)
{
	char q[RES_VAL];

	if (cJSON_IsString(v)) {
		res_goquote(v->valuestring, q, sizeof(q));
		snprintf(buf, len, "intstr.IntOrString{Type:1, IntVal:0, StrVal:%s}", q);
	} else {
		snprintf(buf, len, "intstr.IntOrString{Type:0, IntVal:%lld, StrVal:\"\"}",
			 res_is_int(v) ? (long long)v->valuedouble : 0);
	}
}

/* ValidatePositiveIntOrPercent; returns the value (percent or count). */
static long long apps_int_or_percent(const cJSON *v, const char *path, bool *percent,
				     struct verrs *e)
{
	char buf[RES_VAL];
	const char *s;
	size_t n;

	*percent = false;
	if (!v)
		return 0;
	if (res_is_int(v)) {
		if (v->valuedouble < 0)
			verrs_add(e, "FieldValueInvalid", path,
				  "Invalid value: %lld: must be greater than or equal to 0",
				  (long long)v->valuedouble);
		return (long long)v->valuedouble;
	}
	s = v->valuestring;
	n = strlen(s);
	*percent = true;
	if (n < 2 || s[n - 1] != '%' || strspn(s, "0123456789") != n - 1) {
		apps_gointstr(v, buf, sizeof(buf));
		verrs_invalid(e, path, buf,
			      "a valid percent string must be a numeric string followed by an "
			      "ending '%' (e.g. '1%',  or '93%', regex used for validation is "
			      "'[0-9]+%')");
		return -1;
	}
	return atoll(s);
}

static void deploy_validate_strategy(const cJSON *spec, struct verrs *e)
{
	const cJSON *strat, *type, *ru, *mu, *ms;
	char v[RES_VAL * 2], q[RES_VAL];
	long long u, s;
	bool up, sp;

	strat = res_typed(spec, "strategy", "spec.strategy", RES_OBJ, e);
	type = res_typed(strat, "type", "spec.strategy.type", RES_STR, e);
	ru = res_typed(strat, "rollingUpdate", "spec.strategy.rollingUpdate", RES_OBJ, e);
	if (!type)
		return;
	if (!strcmp(type->valuestring, "Recreate")) {
		if (res_get(strat, "rollingUpdate"))
			verrs_forbidden(e, "spec.strategy.rollingUpdate",
					"may not be specified when strategy `type` is 'Recreate'");
		return;
	}
	if (strcmp(type->valuestring, "RollingUpdate")) {
		static const char *const types[] = {"Recreate", "RollingUpdate", NULL};

		res_goquote(type->valuestring, q, sizeof(q));
		snprintf(v, sizeof(v),
			 "apps.DeploymentStrategy{Type:%s, "
			 "RollingUpdate:(*apps.RollingUpdateDeployment)(nil)}",
			 q);
		verrs_not_supported(e, "spec.strategy", v, types);
		return;
	}
	if (!ru) {
		if (!res_get(strat, "rollingUpdate"))
			verrs_required(e, "spec.strategy.rollingUpdate",
				       "this should be defaulted and never be nil");
		return;
	}
	mu = res_typed(ru, "maxUnavailable", "spec.strategy.rollingUpdate.maxUnavailable",
		       RES_INTSTR, e);
	ms = res_typed(ru, "maxSurge", "spec.strategy.rollingUpdate.maxSurge", RES_INTSTR, e);
	u = apps_int_or_percent(mu, "spec.strategy.rollingUpdate.maxUnavailable", &up, e);
	s = apps_int_or_percent(ms, "spec.strategy.rollingUpdate.maxSurge", &sp, e);
	if (u == 0 && s == 0) {
		apps_gointstr(mu, v, sizeof(v));
		verrs_invalid(e, "spec.strategy.rollingUpdate.maxUnavailable", v,
			      "may not be 0 when `maxSurge` is 0");
	}
	if (up && u > 100) {
		apps_gointstr(mu, v, sizeof(v));
		verrs_invalid(e, "spec.strategy.rollingUpdate.maxUnavailable", v,
			      "must not be greater than 100%");
	}
}

static void deploy_validate(const cJSON *obj, const cJSON *old, struct verrs *e)
{
	const cJSON *spec = apps_validate_common(obj, old, "deployment", "ReplicaSet", e);
	const cJSON *pds;
	long long mrs = 0;

	if (!spec)
		return;
	deploy_validate_strategy(spec, e);
	res_nonneg(spec, "revisionHistoryLimit", "spec.revisionHistoryLimit", e);
	pds =
	    res_typed(spec, "progressDeadlineSeconds", "spec.progressDeadlineSeconds", RES_INT, e);
	res_int(spec, "minReadySeconds", &mrs);
	if (pds && pds->valuedouble <= 0)
		verrs_add(e, "FieldValueInvalid", "spec.progressDeadlineSeconds",
			  "Invalid value: %lld: must be greater than zero",
			  (long long)pds->valuedouble);
	if (pds && pds->valuedouble <= (double)mrs)
		verrs_add(e, "FieldValueInvalid", "spec.progressDeadlineSeconds",
			  "Invalid value: %lld: must be greater than minReadySeconds",
			  (long long)pds->valuedouble);
}

static void rs_validate(const cJSON *obj, const cJSON *old, struct verrs *e)
{
	/* upstream ReplicaSet validation says "deployment" too */
	apps_validate_common(obj, old, "deployment", "ReplicaSet", e);
}

/* StatefulSet spec fields that may change on update (1.20). */
static const char *const sts_mutable[] = {"replicas", "template", "updateStrategy", NULL};

static void sts_validate(const cJSON *obj, const cJSON *old, struct verrs *e)
{
	const cJSON *spec = apps_validate_common(obj, old, "statefulset", "StatefulSet", e);
	const cJSON *pmp, *us, *type, *sn;
	char q[RES_VAL];

	if (!spec)
		return;
	pmp = res_typed(spec, "podManagementPolicy", "spec.podManagementPolicy", RES_STR, e);
	if (!pmp || !pmp->valuestring[0]) {
		if (pmp || !res_get(spec, "podManagementPolicy"))
			verrs_required(e, "spec.podManagementPolicy", "");
	} else if (strcmp(pmp->valuestring, "OrderedReady") &&
		   strcmp(pmp->valuestring, "Parallel")) {
		res_goquote(pmp->valuestring, q, sizeof(q));
		verrs_invalid(e, "spec.podManagementPolicy", q,
			      "must be 'OrderedReady' or 'Parallel'");
	}
	us = res_typed(spec, "updateStrategy", "spec.updateStrategy", RES_OBJ, e);
	type = res_typed(us, "type", "spec.updateStrategy.type", RES_STR, e);
	if (!type || !type->valuestring[0]) {
		if (!res_get(us, "type") || type)
			verrs_required(e, "spec.updateStrategy", "");
	} else if (!strcmp(type->valuestring, "OnDelete")) {
		if (res_get(us, "rollingUpdate"))
			verrs_add(
			    e, "FieldValueInvalid", "spec.updateStrategy.rollingUpdate",
			    "Invalid value: %s: only allowed for updateStrategy 'RollingUpdate'",
			    "apps.RollingUpdateStatefulSetStrategy{Partition:0}");
	} else if (!strcmp(type->valuestring, "RollingUpdate")) {
		const cJSON *ru =
		    res_typed(us, "rollingUpdate", "spec.updateStrategy.rollingUpdate", RES_OBJ, e);

		res_nonneg(ru, "partition", "spec.updateStrategy.rollingUpdate.partition", e);
	} else {
		res_goquote(type->valuestring, q, sizeof(q));
		verrs_add(e, "FieldValueInvalid", "spec.updateStrategy",
			  "Invalid value: apps.StatefulSetUpdateStrategy{Type:%s, "
			  "RollingUpdate:(*apps.RollingUpdateStatefulSetStrategy)(nil)}: must be "
			  "'RollingUpdate' or 'OnDelete'",
			  q);
	}
	res_nonneg(spec, "revisionHistoryLimit", "spec.revisionHistoryLimit", e);
	sn = res_typed(spec, "serviceName", "spec.serviceName", RES_STR, e);
	if ((!sn && !res_get(spec, "serviceName")) || (sn && !sn->valuestring[0]))
		verrs_required(e, "spec.serviceName", "");
	if (old) {
		/* ValidateStatefulSetUpdate: only the mutable fields may differ */
		cJSON *a = cJSON_Duplicate(spec, true),
		      *b = cJSON_Duplicate(res_get(old, "spec"), true);

		for (int i = 0; sts_mutable[i]; i++) {
			cJSON_DeleteItemFromObjectCaseSensitive(a, sts_mutable[i]);
			cJSON_DeleteItemFromObjectCaseSensitive(b, sts_mutable[i]);
		}
		if (b && jcmp_equal(a, b) <= 0)
			verrs_forbidden(
			    e, "spec",
			    "updates to statefulset spec for fields other than "
			    "'replicas', 'template', and 'updateStrategy' are forbidden");
		cJSON_Delete(a);
		cJSON_Delete(b);
	}
}

/* --------------------------------------------------------------- Table */

#define APPS_DESC_CONTAINERS "Names of each container in the template."
#define APPS_DESC_IMAGES     "Images referenced by each container in the template."
#define APPS_DESC_SELECTOR                                                                         \
	"Label selector for pods. Existing ReplicaSets whose pods are selected by this will be "   \
	"the ones affected by this deployment."

static const struct res_col deploy_cols[] = {
    {"Name", "string", "name", 0, RES_DESC_NAME},
    {"Ready", "string", "", 0, "Number of the pod with ready state"},
    {"Up-to-date", "integer", "", 0,
     "Total number of non-terminated pods targeted by this deployment that have the desired "
     "template spec."},
    {"Available", "integer", "", 0,
     "Total number of available pods (ready for at least minReadySeconds) targeted by this "
     "deployment."},
    {"Age", "string", "", 0, RES_DESC_AGE},
    {"Containers", "string", "", 1, APPS_DESC_CONTAINERS},
    {"Images", "string", "", 1, APPS_DESC_IMAGES},
    {"Selector", "string", "", 1, APPS_DESC_SELECTOR},
};

static const struct res_col rs_cols[] = {
    {"Name", "string", "name", 0, RES_DESC_NAME},
    {"Desired", "integer", "", 0, "Replicas is the number of desired replicas."},
    {"Current", "integer", "", 0, "Replicas is the most recently oberved number of replicas."},
    {"Ready", "integer", "", 0, "The number of ready replicas for this replica set."},
    {"Age", "string", "", 0, RES_DESC_AGE},
    {"Containers", "string", "", 1, APPS_DESC_CONTAINERS},
    {"Images", "string", "", 1, APPS_DESC_IMAGES},
    {"Selector", "string", "", 1,
     "Selector is a label query over pods that should match the replica count."},
};

static const struct res_col sts_cols[] = {
    {"Name", "string", "name", 0, RES_DESC_NAME},
    {"Ready", "string", "", 0, "Number of the pod with ready state"},
    {"Age", "string", "", 0, RES_DESC_AGE},
    {"Containers", "string", "", 1, APPS_DESC_CONTAINERS},
    {"Images", "string", "", 1, APPS_DESC_IMAGES},
};

#define APPS_NCOLS(c) ((int)(sizeof(c) / sizeof((c)[0])))

static cJSON *deploy_table_columns(void)
{
	return res_columns(deploy_cols, APPS_NCOLS(deploy_cols));
}

static cJSON *rs_table_columns(void)
{
	return res_columns(rs_cols, APPS_NCOLS(rs_cols));
}

static cJSON *sts_table_columns(void)
{
	return res_columns(sts_cols, APPS_NCOLS(sts_cols));
}

static long long apps_num(const cJSON *obj, const char *path)
{
	long long v = 0;

	res_int(obj, path, &v);
	return v;
}

/* metav1.LabelSelectorAsSelector(...).String(), "<invalid>" on error */
void res_cell_selector(cJSON *cells, const cJSON *sel)
{
	char *s;

	if (sel && !res_selector_ok(sel)) {
		res_cell_str(cells, "<invalid>");
		return;
	}
	s = res_selector_string(sel);
	/* metav1.FormatLabelSelector: "<none>" for an empty selector */
	res_cell_str(cells, s && *s ? s : "<none>");
	free(s);
}

static void apps_cell_ready(cJSON *cells, const cJSON *obj)
{
	char buf[64];

	snprintf(buf, sizeof(buf), "%lld/%lld", apps_num(obj, "status.readyReplicas"),
		 apps_num(obj, "spec.replicas"));
	res_cell_str(cells, buf);
}

static cJSON *deploy_table_cells(const cJSON *obj, time_t now)
{
	cJSON *cells = cJSON_CreateArray();

	res_cell_str(cells, json_str(obj, "metadata.name"));
	apps_cell_ready(cells, obj);
	res_cell_int(cells, apps_num(obj, "status.updatedReplicas"));
	res_cell_int(cells, apps_num(obj, "status.availableReplicas"));
	res_cell_age(cells, obj, now);
	res_cell_containers(cells, json_at(obj, "spec.template.spec"));
	res_cell_selector(cells, json_at(obj, "spec.selector"));
	return cells;
}

static cJSON *rs_table_cells(const cJSON *obj, time_t now)
{
	cJSON *cells = cJSON_CreateArray();

	res_cell_str(cells, json_str(obj, "metadata.name"));
	res_cell_int(cells, apps_num(obj, "spec.replicas"));
	res_cell_int(cells, apps_num(obj, "status.replicas"));
	res_cell_int(cells, apps_num(obj, "status.readyReplicas"));
	res_cell_age(cells, obj, now);
	res_cell_containers(cells, json_at(obj, "spec.template.spec"));
	res_cell_selector(cells, json_at(obj, "spec.selector"));
	return cells;
}

static cJSON *sts_table_cells(const cJSON *obj, time_t now)
{
	cJSON *cells = cJSON_CreateArray();

	res_cell_str(cells, json_str(obj, "metadata.name"));
	apps_cell_ready(cells, obj);
	res_cell_age(cells, obj, now);
	res_cell_containers(cells, json_at(obj, "spec.template.spec"));
	return cells;
}

const struct res_type res_deployments = {
    .plural = "deployments",
    .singular = "deployment",
    .kind = "Deployment",
    .list_kind = "DeploymentList",
    .group = "apps",
    .version = "v1",
    .api_version = "apps/v1",
    .namespaced = true,
    .short_names = {"deploy", NULL},
    .all_category = true,
    .has_status = true,
    .has_scale = true,
    .unconditional_update = true,
    .has_generation = true,
    .defaults = deploy_defaults,
    .validate = deploy_validate,
    .table_columns = deploy_table_columns,
    .table_cells = deploy_table_cells,
};

const struct res_type res_replicasets = {
    .plural = "replicasets",
    .singular = "replicaset",
    .kind = "ReplicaSet",
    .list_kind = "ReplicaSetList",
    .group = "apps",
    .version = "v1",
    .api_version = "apps/v1",
    .namespaced = true,
    .short_names = {"rs", NULL},
    .all_category = true,
    .has_status = true,
    .has_scale = true,
    .unconditional_update = true,
    .has_generation = true,
    .defaults = rs_defaults,
    .validate = rs_validate,
    .table_columns = rs_table_columns,
    .table_cells = rs_table_cells,
};

const struct res_type res_statefulsets = {
    .plural = "statefulsets",
    .singular = "statefulset",
    .kind = "StatefulSet",
    .list_kind = "StatefulSetList",
    .group = "apps",
    .version = "v1",
    .api_version = "apps/v1",
    .namespaced = true,
    .short_names = {"sts", NULL},
    .all_category = true,
    .has_status = true,
    .has_scale = true,
    .unconditional_update = true,
    .has_generation = true,
    .defaults = sts_defaults,
    .validate = sts_validate,
    .table_columns = sts_table_columns,
    .table_cells = sts_table_cells,
};

/* =================================================== ControllerRevision */

/* ValidateControllerRevision(Update): data is mandatory and immutable. */
static void cr_validate(const cJSON *obj, const cJSON *old, struct verrs *e)
{
	const cJSON *data = res_get(obj, "data");
	char v[RES_VAL];

	res_validate_meta(obj, old, RES_DNS1123_SUBDOMAIN, e);
	if (!data)
		verrs_required(e, "data", "data is mandatory");
	res_nonneg(obj, "revision", "revision", e);
	if (old && jcmp_equal(data, res_get(old, "data")) <= 0) {
		res_goval(data, v, sizeof(v));
		verrs_invalid(e, "data", v, "field is immutable");
	}
}

static const struct res_col cr_cols[] = {
    {"Name", "string", "name", 0, RES_DESC_NAME},
    {"Controller", "string", "", 0, "Controller of the object"},
    {"Revision", "number", "", 0,
     "Revision indicates the revision of the state represented by Data."},
    {"Age", "string", "", 0, RES_DESC_AGE},
};

static cJSON *cr_table_columns(void)
{
	return res_columns(cr_cols, APPS_NCOLS(cr_cols));
}

/* metav1.GetControllerOf: the owner reference with controller true. */
static const cJSON *apps_controller_of(const cJSON *obj)
{
	const cJSON *r;

	cJSON_ArrayForEach(
	    r,
	    RES_ARR(json_at(
		obj,
		"metadata.ownerReferences"))) if (cJSON_IsTrue(res_get(r, "controller"))) return r;
	return NULL;
}

static cJSON *cr_table_cells(const cJSON *obj, time_t now)
{
	cJSON *cells = cJSON_CreateArray();
	const cJSON *ref = apps_controller_of(obj);
	const char *av, *slash, *kind;
	struct res_join j;
	char *s;

	res_cell_str(cells, json_str(obj, "metadata.name"));
	if (!ref) {
		res_cell_str(cells, "<none>");
	} else {
		/* formatResourceName: lower-cased "Kind.group/name" */
		av = json_str(ref, "apiVersion") ?: "";
		slash = strchr(av, '/');
		kind = json_str(ref, "kind") ?: "";
		res_join_init(&j);
		for (const char *p = kind; *p; p++)
			res_join_add(&j, "", "%c",
				     (char)(*p >= 'A' && *p <= 'Z' ? *p - 'A' + 'a' : *p));
		if (slash && *kind)
			res_join_add(&j, "", ".%.*s", (int)(slash - av), av);
		res_join_add(&j, "", "%s%s", *kind ? "/" : "", json_str(ref, "name") ?: "");
		s = res_join_done(&j);
		res_cell_str(cells, s);
		free(s);
	}
	res_cell_int(cells, apps_num(obj, "revision"));
	res_cell_age(cells, obj, now);
	return cells;
}

const struct res_type res_controllerrevisions = {
    .plural = "controllerrevisions",
    .singular = "controllerrevision",
    .kind = "ControllerRevision",
    .list_kind = "ControllerRevisionList",
    .group = "apps",
    .version = "v1",
    .api_version = "apps/v1",
    .namespaced = true,
    .unconditional_update = true,
    .validate = cr_validate,
    .table_columns = cr_table_columns,
    .table_cells = cr_table_cells,
};

/* ============================================================ DaemonSet */

/* Stored and validated (kubectl cluster-info dump lists DaemonSets); no
 * controller runs them yet. */
static void ds_defaults(cJSON *obj)
{
	static const char *const st[] = {"currentNumberScheduled", "numberMisscheduled",
					 "desiredNumberScheduled", "numberReady", NULL};
	cJSON *spec = res_obj_child(obj, "spec"), *us, *ru;
	const char *type;

	if (spec) {
		us = res_obj_child(spec, "updateStrategy");
		res_default_str(us, "type", "RollingUpdate");
		type = json_str(us, "type");
		if (type && !strcmp(type, "RollingUpdate")) {
			/* one node at a time, no surge */
			ru = res_obj_child(us, "rollingUpdate");
			res_default_num(ru, "maxUnavailable", 1);
			res_default_num(ru, "maxSurge", 0);
		}
		res_default_num(spec, "revisionHistoryLimit", APPS_HISTORY_DEFAULT);
		res_podspec_defaults(res_obj_child(res_obj_child(spec, "template"), "spec"));
	}
	apps_default_status(obj, st);
}

static void ds_validate(const cJSON *obj, const cJSON *old, struct verrs *e)
{
	static const char *const types[] = {"OnDelete", "RollingUpdate", NULL};
	const cJSON *spec = apps_validate_common(obj, old, "daemonset", "DaemonSet", e), *type;
	char q[RES_VAL];

	if (!spec)
		return;
	res_nonneg(spec, "revisionHistoryLimit", "spec.revisionHistoryLimit", e);
	type = res_typed(res_get(spec, "updateStrategy"), "type", "spec.updateStrategy.type",
			 RES_STR, e);
	if (type && strcmp(type->valuestring, "OnDelete") &&
	    strcmp(type->valuestring, "RollingUpdate")) {
		res_goquote(type->valuestring, q, sizeof(q));
		verrs_not_supported(e, "spec.updateStrategy.type", q, types);
	}
}

static const struct res_col ds_cols[] = {
    {"Name", "string", "name", 0, RES_DESC_NAME},
    {"Desired", "integer", "", 0,
     "The total number of nodes that should be running the daemon pod (including nodes "
     "correctly running the daemon pod). More info: "
     "https://kubernetes.io/docs/concepts/workloads/controllers/daemonset/"},
    {"Current", "integer", "", 0,
     "The number of nodes that are running at least 1 daemon pod and are supposed to run the "
     "daemon pod. More info: https://kubernetes.io/docs/concepts/workloads/controllers/"
     "daemonset/"},
    {"Ready", "integer", "", 0,
     "numberReady is the number of nodes that should be running the daemon pod and have one "
     "or more of the daemon pod running with a Ready Condition."},
    {"Up-to-date", "integer", "", 0,
     "The total number of nodes that are running updated daemon pod"},
    {"Available", "integer", "", 0,
     "The number of nodes that should be running the daemon pod and have one or more of the "
     "daemon pod running and available (ready for at least spec.minReadySeconds)"},
    {"Node Selector", "string", "", 0,
     "NodeSelector is a selector which must be true for the pod to fit on a node. Selector "
     "which must match a node's labels for the pod to be scheduled on that node. More info: "
     "https://kubernetes.io/docs/concepts/configuration/assign-pod-node/"},
    {"Age", "string", "", 0, RES_DESC_AGE},
    {"Containers", "string", "", 1, APPS_DESC_CONTAINERS},
    {"Images", "string", "", 1, APPS_DESC_IMAGES},
    {"Selector", "string", "", 1, APPS_DESC_SELECTOR},
};

static cJSON *ds_table_columns(void)
{
	return res_columns(ds_cols, APPS_NCOLS(ds_cols));
}

static cJSON *ds_table_cells(const cJSON *obj, time_t now)
{
	static const char *const nums[] = {
	    "status.desiredNumberScheduled", "status.currentNumberScheduled", "status.numberReady",
	    "status.updatedNumberScheduled", "status.numberAvailable",	      NULL};
	cJSON *cells = cJSON_CreateArray(), *sel = cJSON_CreateObject();
	const cJSON *ns = json_at(obj, "spec.template.spec.nodeSelector");

	res_cell_str(cells, json_str(obj, "metadata.name"));
	for (int i = 0; nums[i]; i++)
		res_cell_int(cells, apps_num(obj, nums[i]));
	/* labels.FormatLabels of the node selector */
	if (cJSON_IsObject(ns))
		cJSON_AddItemToObject(sel, "matchLabels", cJSON_Duplicate(ns, true));
	res_cell_selector(cells, sel);
	cJSON_Delete(sel);
	res_cell_age(cells, obj, now);
	res_cell_containers(cells, json_at(obj, "spec.template.spec"));
	res_cell_selector(cells, json_at(obj, "spec.selector"));
	return cells;
}

const struct res_type res_daemonsets = {
    .plural = "daemonsets",
    .singular = "daemonset",
    .kind = "DaemonSet",
    .list_kind = "DaemonSetList",
    .group = "apps",
    .version = "v1",
    .api_version = "apps/v1",
    .namespaced = true,
    .short_names = {"ds", NULL},
    .all_category = true,
    .has_status = true,
    .unconditional_update = true,
    .has_generation = true,
    .defaults = ds_defaults,
    .validate = ds_validate,
    .table_columns = ds_table_columns,
    .table_cells = ds_table_cells,
};
