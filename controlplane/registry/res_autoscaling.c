/* res_autoscaling: HorizontalPodAutoscaler, stored as autoscaling/v2 and
 * also served as autoscaling/v1, a view of the same objects (resource.h
 * "Views"). v2: defaults (autoscaling/v2 defaults.go), validation
 * (autoscaling validation.go) and the Table (printHorizontalPodAutoscaler).
 * v1: upstream's conversion (pkg/apis/autoscaling/v1/conversion.go):
 * targetCPUUtilizationPercentage is the Resource cpu Utilization metric,
 * currentCPUUtilizationPercentage its current value, and what v1 has no
 * field for travels in the autoscaling.alpha.kubernetes.io annotations
 * (other metrics in v1's MetricSpec form, current metrics, conditions,
 * behavior), so a v1 round trip loses nothing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "res_util.h"

#define HPA_CPU_DEFAULT	      80 /* autoscaling.DefaultCPUUtilization, percent */
#define HPA_ANN_METRICS	      "autoscaling.alpha.kubernetes.io/metrics"
#define HPA_ANN_CURRENT	      "autoscaling.alpha.kubernetes.io/current-metrics"
#define HPA_ANN_CONDITIONS    "autoscaling.alpha.kubernetes.io/conditions"
#define HPA_ANN_BEHAVIOR      "autoscaling.alpha.kubernetes.io/behavior"
#define HPA_TABLE_MAX_METRICS 2 /* formatHPAMetrics shows two, then "+ N more..." */

/* ============================================================ defaults */

/* GenerateHPAScaleUpRules / ...ScaleDownRules: 15 s periods; scale up by
 * 4 pods or 100%, down by 100% after a 300 s stabilization window. */
static const char *const hpa_rules_default[2][2] = {
    {"scaleUp", "{\"stabilizationWindowSeconds\":0,\"selectPolicy\":\"Max\",\"policies\":["
		"{\"type\":\"Pods\",\"value\":4,\"periodSeconds\":15},"
		"{\"type\":\"Percent\",\"value\":100,\"periodSeconds\":15}]}"},
    {"scaleDown", "{\"stabilizationWindowSeconds\":300,\"selectPolicy\":\"Max\",\"policies\":["
		  "{\"type\":\"Percent\",\"value\":100,\"periodSeconds\":15}]}"},
};

static cJSON *hpa_cpu_metric(const char *target_or_current, double pct)
{
	cJSON *m = cJSON_CreateObject(), *r, *t;

	cJSON_AddStringToObject(m, "type", "Resource");
	r = cJSON_AddObjectToObject(m, "resource");
	cJSON_AddStringToObject(r, "name", "cpu");
	t = cJSON_AddObjectToObject(r, target_or_current);
	if (!strcmp(target_or_current, "target"))
		cJSON_AddStringToObject(t, "type", "Utilization");
	cJSON_AddNumberToObject(t, "averageUtilization", pct);
	return m;
}

static void hpa_defaults(cJSON *obj)
{
	cJSON *spec = res_obj_child(obj, "spec"), *beh, *m;
	const cJSON *metrics;

	if (!spec)
		return;
	res_default_num(spec, "minReplicas", 1);
	metrics = res_get(spec, "metrics");
	if (!metrics || (cJSON_IsArray(metrics) && !cJSON_GetArraySize(metrics))) {
		m = cJSON_CreateArray();
		cJSON_AddItemToArray(m, hpa_cpu_metric("target", HPA_CPU_DEFAULT));
		res_set(spec, "metrics", m);
	}
	/* a behavior, once given, is filled in with the default rules */
	beh = cJSON_IsObject(res_get(spec, "behavior")) ? res_obj_child(spec, "behavior") : NULL;
	for (int i = 0; beh && i < 2; i++) {
		cJSON *def = cJSON_Parse(hpa_rules_default[i][1]), *rules, *c;

		rules = res_obj_child(beh, hpa_rules_default[i][0]);
		cJSON_ArrayForEach(c, (rules ? def : NULL))
		{
			if (!res_get(rules, c->string))
				res_set(rules, c->string, cJSON_Duplicate(c, true));
		}
		cJSON_Delete(def);
	}
	/* v2's desiredReplicas has no omitempty */
	res_default_num(res_obj_child(obj, "status"), "desiredReplicas", 0);
}

/* ========================================================== validation */

static const char *const hpa_source_types[] = {"ContainerResource", "External", "Object", "Pods",
					       "Resource",	    NULL};
/* the member holding each source type's details, in hpa_source_types order */
static const char *const hpa_source_keys[] = {"containerResource", "external", "object", "pods",
					      "resource",	   NULL};

static int hpa_source_index(const char *type)
{
	for (int i = 0; type && hpa_source_types[i]; i++)
		if (!strcmp(type, hpa_source_types[i]))
			return i;
	return -1;
}

/* validateMetricTarget; resource: Resource/ContainerResource rules. */
static void hpa_validate_target(const cJSON *src, const char *p, bool resource, struct verrs *e)
{
	static const char *const types[] = {"Utilization", "Value", "AverageValue", NULL};
	const cJSON *t =
	    res_typed(src, "target", res_pathf((char[RES_PATH]){0}, "%s.target", p), RES_OBJ, e);
	const cJSON *type, *au;
	char f[RES_PATH], q[RES_VAL];

	if (!t)
		return;
	type = res_typed(t, "type", res_pathf(f, "%s.target.type", p), RES_STR, e);
	if (!type || !type->valuestring[0])
		verrs_required(e, f, "must specify a metric target type");
	else if (hpa_source_index(type->valuestring) >= 0 ||
		 (strcmp(type->valuestring, types[0]) && strcmp(type->valuestring, types[1]) &&
		  strcmp(type->valuestring, types[2]))) {
		res_goquote(type->valuestring, q, sizeof(q));
		verrs_invalid(e, f, q, "must be either Utilization, Value, or AverageValue");
	}
	au = res_typed(t, "averageUtilization", res_pathf(f, "%s.target.averageUtilization", p),
		       RES_INT, e);
	if (au && au->valuedouble < 1)
		verrs_add(e, "FieldValueInvalid", f, "Invalid value: %lld: must be greater than 0",
			  (long long)au->valuedouble);
	if (resource && !au && !res_get(t, "averageValue"))
		verrs_required(e, f, "must set either a target raw value or a target utilization");
	if (res_get(t, "value"))
		res_check_quantity(e, res_pathf(f, "%s.target.value", p), res_get(t, "value"));
	if (res_get(t, "averageValue"))
		res_check_quantity(e, res_pathf(f, "%s.target.averageValue", p),
				   res_get(t, "averageValue"));
}

static void hpa_validate_metric(const cJSON *m, const char *p, struct verrs *e)
{
	const cJSON *type =
	    res_typed(m, "type", res_pathf((char[RES_PATH]){0}, "%s.type", p), RES_STR, e);
	char f[RES_PATH], q[RES_VAL];
	const cJSON *src;
	int k;

	if (!type || !type->valuestring[0]) {
		verrs_required(e, res_pathf(f, "%s.type", p), "must specify a metric source type");
		return;
	}
	k = hpa_source_index(type->valuestring);
	if (k < 0) {
		res_goquote(type->valuestring, q, sizeof(q));
		verrs_not_supported(e, res_pathf(f, "%s.type", p), q, hpa_source_types);
		return;
	}
	for (int i = 0; hpa_source_keys[i]; i++)
		if (i != k && res_get(m, hpa_source_keys[i]))
			verrs_forbidden(e, res_pathf(f, "%s.%s", p, hpa_source_keys[i]),
					"must populate the given metric source only");
	src = res_typed(m, hpa_source_keys[k], res_pathf(f, "%s.%s", p, hpa_source_keys[k]),
			RES_OBJ, e);
	if (!src) {
		if (!res_get(m, hpa_source_keys[k]))
			verrs_required(e, f,
				       "must populate information for the given metric source");
		return;
	}
	if (!strcmp(hpa_source_keys[k], "resource") ||
	    !strcmp(hpa_source_keys[k], "containerResource")) {
		if (!json_str(src, "name") || !*json_str(src, "name"))
			verrs_required(e, res_pathf(q, "%s.name", f),
				       "must specify a resource name");
		if (k == 0 && (!json_str(src, "container") || !*json_str(src, "container")))
			verrs_required(e, res_pathf(q, "%s.container", f),
				       "must specify a container");
		hpa_validate_target(src, f, true, e);
		return;
	}
	if (!json_str(src, "metric.name") || !*json_str(src, "metric.name"))
		verrs_required(e, res_pathf(q, "%s.metric.name", f), "must specify a metric name");
	hpa_validate_target(src, f, false, e);
}

static void hpa_validate(const cJSON *obj, const cJSON *old, struct verrs *e)
{
	const cJSON *spec, *ref, *minr, *maxr, *m;
	char f[RES_PATH];
	int i = 0;

	res_validate_meta(obj, old, RES_DNS1123_SUBDOMAIN, e);
	spec = res_typed(obj, "spec", "spec", RES_OBJ, e);
	ref = res_typed(spec, "scaleTargetRef", "spec.scaleTargetRef", RES_OBJ, e);
	if (!json_str(ref, "kind") || !*json_str(ref, "kind"))
		verrs_required(e, "spec.scaleTargetRef.kind", "");
	if (!json_str(ref, "name") || !*json_str(ref, "name")) {
		verrs_required(e, "spec.scaleTargetRef.name", "");
	} else {
		/* path.IsValidPathSegmentName */
		const char *n = json_str(ref, "name");
		char q[RES_VAL];

		res_goquote(n, q, sizeof(q));
		if (!strcmp(n, ".") || !strcmp(n, ".."))
			verrs_invalid(e, "spec.scaleTargetRef.name", q, "may not be '.' or '..'");
		else if (strchr(n, '/') || strchr(n, '%'))
			verrs_invalid(e, "spec.scaleTargetRef.name", q,
				      strchr(n, '/') ? "may not contain '/'"
						     : "may not contain '%'");
	}
	minr = res_typed(spec, "minReplicas", "spec.minReplicas", RES_INT, e);
	maxr = res_typed(spec, "maxReplicas", "spec.maxReplicas", RES_INT, e);
	if (minr && minr->valuedouble < 1)
		verrs_add(e, "FieldValueInvalid", "spec.minReplicas",
			  "Invalid value: %lld: must be greater than or equal to 1",
			  (long long)minr->valuedouble);
	if (!maxr || maxr->valuedouble < 1)
		verrs_add(e, "FieldValueInvalid", "spec.maxReplicas",
			  "Invalid value: %lld: must be greater than 0",
			  maxr ? (long long)maxr->valuedouble : 0);
	else if (minr && maxr->valuedouble < minr->valuedouble)
		verrs_add(e, "FieldValueInvalid", "spec.maxReplicas",
			  "Invalid value: %lld: must be greater than or equal to `minReplicas`",
			  (long long)maxr->valuedouble);
	cJSON_ArrayForEach(m, res_typed(spec, "metrics", "spec.metrics", RES_ARR, e))
	{
		res_pathf(f, "spec.metrics[%d]", i++);
		if (res_check_type(m, f, RES_OBJ, e))
			hpa_validate_metric(m, f, e);
	}
	res_typed(spec, "behavior", "spec.behavior", RES_OBJ, e);
	res_typed(obj, "status", "status", RES_OBJ, e);
}

/* =============================================================== Table */

static const struct res_col hpa_cols[] = {
    {"Name", "string", "name", 0, RES_DESC_NAME},
    {"Reference", "string", "", 0,
     "scaleTargetRef points to the target resource to scale, and is used to the pods for which "
     "metrics should be collected, as well as to actually change the replica count."},
    {"Targets", "string", "", 0,
     "metrics contains the specifications for which to use to calculate the desired replica "
     "count (the maximum replica count across all metrics will be used).  The desired replica "
     "count is calculated multiplying the ratio between the target value and the current "
     "value by the current number of pods.  Ergo, metrics used must decrease as the pod count "
     "is increased, and vice-versa.  See the individual metric source types for more "
     "information about how each type of metric must respond."},
    {"MinPods", "string", "", 0,
     "minReplicas is the lower limit for the number of replicas to which the autoscaler can "
     "scale down.  It defaults to 1 pod.  minReplicas is allowed to be 0 if the alpha feature "
     "gate HPAScaleToZero is enabled and at least one Object or External metric is "
     "configured.  Scaling is active as long as at least one metric value is available."},
    {"MaxPods", "string", "", 0,
     "maxReplicas is the upper limit for the number of replicas to which the autoscaler can "
     "scale up. It cannot be less that minReplicas."},
    {"Replicas", "string", "", 0,
     "currentReplicas is current number of replicas of pods managed by this autoscaler."},
    {"Age", "string", "", 0, RES_DESC_AGE},
};

static cJSON *hpa_table_columns(void)
{
	return res_columns(hpa_cols, (int)(sizeof(hpa_cols) / sizeof(hpa_cols[0])));
}

/* A Quantity (string or number) as text; "0" when absent (Go's zero). */
static const char *hpa_qty(const cJSON *v, char *buf, size_t len)
{
	if (cJSON_IsString(v))
		return v->valuestring;
	snprintf(buf, len, "%g", cJSON_IsNumber(v) ? v->valuedouble : 0);
	return buf;
}

/* One formatHPAMetrics entry of spec metric m with status st (may be NULL). */
static void hpa_format_metric(struct res_join *j, const cJSON *m, const cJSON *st)
{
	const char *type = json_str(m, "type") ?: "";
	int k = hpa_source_index(type);
	const cJSON *src = k >= 0 ? res_get(m, hpa_source_keys[k]) : NULL;
	const cJSON *cur = k >= 0 ? json_at(st, hpa_source_keys[k]) : NULL;
	const cJSON *tav = json_at(src, "target.averageValue");
	char cb[64], tb[64], b1[32], b2[32];
	bool resource = k == 0 || k == 4;

	if (k < 0 || !cJSON_IsObject(src)) {
		res_join_add(j, ", ", "<unknown type>");
		return;
	}
	if (resource && !tav) {
		const cJSON *ca = json_at(cur, "current.averageUtilization");
		const cJSON *ta = json_at(src, "target.averageUtilization");

		snprintf(cb, sizeof(cb), cJSON_IsNumber(ca) ? "%.0f%%" : "<unknown>",
			 cJSON_IsNumber(ca) ? ca->valuedouble : 0);
		snprintf(tb, sizeof(tb), cJSON_IsNumber(ta) ? "%.0f%%" : "<auto>",
			 cJSON_IsNumber(ta) ? ta->valuedouble : 0);
		res_join_add(j, ", ", "%s: %s/%s", json_str(src, "name") ?: "", cb, tb);
		return;
	}
	if (resource) {
		snprintf(cb, sizeof(cb), "%s",
			 cur ? hpa_qty(json_at(cur, "current.averageValue"), b1, sizeof(b1))
			     : "<unknown>");
		res_join_add(j, ", ", "%s: %s/%s", json_str(src, "name") ?: "", cb,
			     hpa_qty(tav, b2, sizeof(b2)));
		return;
	}
	if (!strcmp(type, "Pods") || tav) {
		const cJSON *ca = json_at(cur, "current.averageValue");

		snprintf(cb, sizeof(cb), "%s",
			 cur && (ca || !strcmp(type, "Pods")) ? hpa_qty(ca, b1, sizeof(b1))
							      : "<unknown>");
		res_join_add(j, ", ", "%s/%s%s", cb, hpa_qty(tav, b2, sizeof(b2)),
			     strcmp(type, "Pods") ? " (avg)" : "");
		return;
	}
	snprintf(cb, sizeof(cb), "%s",
		 cur ? hpa_qty(json_at(cur, "current.value"), b1, sizeof(b1)) : "<unknown>");
	res_join_add(j, ", ", "%s/%s", cb, hpa_qty(json_at(src, "target.value"), b2, sizeof(b2)));
}

static cJSON *hpa_table_cells(const cJSON *obj, time_t now)
{
	const cJSON *metrics = RES_ARR(json_at(obj, "spec.metrics"));
	const cJSON *cur = RES_ARR(json_at(obj, "status.currentMetrics")), *m;
	cJSON *cells = cJSON_CreateArray();
	long long minr, v = 0;
	struct res_join j;
	char buf[320], *s;
	int i = 0, n = cJSON_GetArraySize(metrics);

	res_cell_str(cells, json_str(obj, "metadata.name"));
	snprintf(buf, sizeof(buf), "%s/%s", json_str(obj, "spec.scaleTargetRef.kind") ?: "",
		 json_str(obj, "spec.scaleTargetRef.name") ?: "");
	res_cell_str(cells, buf);
	res_join_init(&j);
	if (!n)
		res_join_add(&j, "", "<none>");
	cJSON_ArrayForEach(m, metrics)
	{
		if (i < HPA_TABLE_MAX_METRICS)
			hpa_format_metric(&j, m, cJSON_GetArrayItem(cur, i));
		i++;
	}
	if (n > HPA_TABLE_MAX_METRICS)
		res_join_add(&j, "", " + %d more...", n - HPA_TABLE_MAX_METRICS);
	s = res_join_done(&j);
	res_cell_str(cells, s);
	free(s);
	if (res_int(obj, "spec.minReplicas", &minr)) {
		snprintf(buf, sizeof(buf), "%lld", minr);
		res_cell_str(cells, buf);
	} else {
		res_cell_str(cells, "<unset>");
	}
	res_int(obj, "spec.maxReplicas", &v);
	res_cell_int(cells, v);
	v = 0;
	res_int(obj, "status.currentReplicas", &v);
	res_cell_int(cells, v);
	res_cell_age(cells, obj, now);
	return cells;
}

const struct res_type res_hpa_v2 = {
    .plural = "horizontalpodautoscalers",
    .singular = "horizontalpodautoscaler",
    .kind = "HorizontalPodAutoscaler",
    .list_kind = "HorizontalPodAutoscalerList",
    .group = "autoscaling",
    .version = "v2",
    .api_version = "autoscaling/v2",
    .namespaced = true,
    .short_names = {"hpa", NULL},
    .all_category = true,
    .has_status = true,
    .unconditional_update = true,
    .defaults = hpa_defaults,
    .validate = hpa_validate,
    .table_columns = hpa_table_columns,
    .table_cells = hpa_table_cells,
};

/* ===================================================== the v1 view */

/* v1's MetricSpec/MetricStatus (the v2beta1 shape) against v2's, per
 * source member: {v1 path, v2 path} inside the source object. */
struct hpa_map {
	const char *key; /* "resource", "object", ... */
	const char *pairs[6][2];
};

static const struct hpa_map hpa_spec_maps[] = {
    {"resource",
     {{"name", "name"},
      {"targetAverageUtilization", "target.averageUtilization"},
      {"targetAverageValue", "target.averageValue"}}},
    {"containerResource",
     {{"name", "name"},
      {"container", "container"},
      {"targetAverageUtilization", "target.averageUtilization"},
      {"targetAverageValue", "target.averageValue"}}},
    {"object",
     {{"target", "describedObject"},
      {"metricName", "metric.name"},
      {"selector", "metric.selector"},
      {"targetValue", "target.value"},
      {"averageValue", "target.averageValue"}}},
    {"pods",
     {{"metricName", "metric.name"},
      {"selector", "metric.selector"},
      {"targetAverageValue", "target.averageValue"}}},
    {"external",
     {{"metricName", "metric.name"},
      {"metricSelector", "metric.selector"},
      {"targetValue", "target.value"},
      {"targetAverageValue", "target.averageValue"}}},
};

static const struct hpa_map hpa_status_maps[] = {
    {"resource",
     {{"name", "name"},
      {"currentAverageUtilization", "current.averageUtilization"},
      {"currentAverageValue", "current.averageValue"}}},
    {"containerResource",
     {{"name", "name"},
      {"container", "container"},
      {"currentAverageUtilization", "current.averageUtilization"},
      {"currentAverageValue", "current.averageValue"}}},
    {"object",
     {{"target", "describedObject"},
      {"metricName", "metric.name"},
      {"selector", "metric.selector"},
      {"currentValue", "current.value"},
      {"averageValue", "current.averageValue"}}},
    {"pods",
     {{"metricName", "metric.name"},
      {"selector", "metric.selector"},
      {"currentAverageValue", "current.averageValue"}}},
    {"external",
     {{"metricName", "metric.name"},
      {"metricSelector", "metric.selector"},
      {"currentValue", "current.value"},
      {"currentAverageValue", "current.averageValue"}}},
};

#define HPA_NMAPS ((int)(sizeof(hpa_spec_maps) / sizeof(hpa_spec_maps[0])))

/* Set o's dotted path to val (taken), creating the objects on the way. */
static void hpa_put(cJSON *o, const char *dotted, cJSON *val)
{
	char buf[64], *dot;

	snprintf(buf, sizeof(buf), "%s", dotted);
	for (char *p = buf; (dot = strchr(p, '.')); p = dot + 1) {
		*dot = 0;
		o = res_obj_child(o, p);
		if (!o) {
			cJSON_Delete(val);
			return;
		}
	}
	res_set(o, strrchr(dotted, '.') ? strrchr(dotted, '.') + 1 : dotted, val);
}

/* One metric converted between the forms: to_v1 picks pairs[i][1] into
 * pairs[i][0], else the reverse; v2 targets get their type back. */
static cJSON *hpa_metric_conv(const cJSON *m, const struct hpa_map *maps, bool to_v1, bool is_spec)
{
	cJSON *out = cJSON_CreateObject(), *dst;
	const char *type = json_str(m, "type");
	int k = hpa_source_index(type);
	const cJSON *src;

	if (type)
		cJSON_AddStringToObject(out, "type", type);
	if (k < 0)
		return out;
	for (int i = 0; i < HPA_NMAPS; i++) {
		if (strcmp(maps[i].key, hpa_source_keys[k]))
			continue;
		src = res_get(m, maps[i].key);
		if (!cJSON_IsObject(src))
			break;
		dst = cJSON_AddObjectToObject(out, maps[i].key);
		for (int p = 0; p < 6 && maps[i].pairs[p][0]; p++) {
			const char *from = maps[i].pairs[p][to_v1 ? 1 : 0];
			const char *to = maps[i].pairs[p][to_v1 ? 0 : 1];
			const cJSON *v = json_at(src, from);

			if (v)
				hpa_put(dst, to, cJSON_Duplicate(v, true));
		}
		if (!to_v1 && is_spec) {
			/* the target type v1 leaves implicit */
			const char *tt =
			    res_get(res_get(dst, "target"), "averageUtilization") ? "Utilization"
			    : res_get(res_get(dst, "target"), "averageValue")	  ? "AverageValue"
										  : "Value";

			hpa_put(dst, "target.type", cJSON_CreateString(tt));
		}
		break;
	}
	return out;
}

static bool hpa_is_cpu(const cJSON *m, const char *what)
{
	const char *type = json_str(m, "type"), *name = json_str(m, "resource.name");
	char p[64];

	snprintf(p, sizeof(p), "resource.%s.averageUtilization", what);
	return type && name && !strcmp(type, "Resource") && !strcmp(name, "cpu") &&
	       cJSON_IsNumber(json_at(m, p));
}

static void hpa_annotate(cJSON *obj, const char *key, cJSON *val)
{
	char *s = cJSON_PrintUnformatted(val);
	cJSON *ann = res_obj_child(res_obj_child(obj, "metadata"), "annotations");

	if (s && ann)
		res_set(ann, key, cJSON_CreateString(s));
	free(s);
	cJSON_Delete(val);
}

/* Take obj's annotation key, parsed; NULL if absent or not JSON. */
static cJSON *hpa_take_annotation(cJSON *obj, const char *key)
{
	cJSON *md = (cJSON *)res_get(obj, "metadata");
	cJSON *ann = (cJSON *)res_get(md, "annotations");
	/* a member, not json_str's dotted path: the key holds dots */
	const cJSON *sv = cJSON_GetObjectItemCaseSensitive(ann, key);
	const char *s = cJSON_IsString(sv) ? sv->valuestring : NULL;
	cJSON *v = s ? cJSON_Parse(s) : NULL;

	if (!s)
		return NULL;
	cJSON_DeleteItemFromObjectCaseSensitive(ann, key);
	if (cJSON_IsObject(ann) && !ann->child)
		cJSON_DeleteItemFromObjectCaseSensitive(md, "annotations");
	return v;
}

/* v2 -> v1 (Convert_autoscaling_HorizontalPodAutoscaler_To_v1_...) */
static void hpa_to_v1(cJSON *obj)
{
	cJSON *spec = res_obj_child(obj, "spec"), *status = res_obj_child(obj, "status");
	const cJSON *metrics = RES_ARR(res_get(spec, "metrics"));
	const cJSON *cur = RES_ARR(res_get(status, "currentMetrics")), *m;
	cJSON *other = cJSON_CreateArray(), *curv1 = cJSON_CreateArray();
	bool have_cpu = false;

	if (!spec || !status)
		goto out;
	/* v1's replica counts have no omitempty */
	res_default_num(status, "currentReplicas", 0);
	res_default_num(status, "desiredReplicas", 0);
	cJSON_ArrayForEach(m, metrics)
	{
		if (hpa_is_cpu(m, "target")) {
			/* the first one is the field; upstream drops any further */
			if (!have_cpu)
				res_set(
				    spec, "targetCPUUtilizationPercentage",
				    cJSON_Duplicate(
					json_at(m, "resource.target.averageUtilization"), true));
			have_cpu = true;
			continue;
		}
		cJSON_AddItemToArray(other, hpa_metric_conv(m, hpa_spec_maps, true, true));
	}
	cJSON_ArrayForEach(m, cur)
	{
		if (hpa_is_cpu(m, "current"))
			res_set(status, "currentCPUUtilizationPercentage",
				cJSON_Duplicate(json_at(m, "resource.current.averageUtilization"),
						true));
		/* all of them, the cpu one too: it keeps the raw value */
		cJSON_AddItemToArray(curv1, hpa_metric_conv(m, hpa_status_maps, true, false));
	}
	if (cJSON_GetArraySize(other))
		hpa_annotate(obj, HPA_ANN_METRICS, cJSON_Duplicate(other, true));
	if (cJSON_GetArraySize(curv1))
		hpa_annotate(obj, HPA_ANN_CURRENT, cJSON_Duplicate(curv1, true));
	if (cJSON_IsObject(res_get(spec, "behavior")))
		hpa_annotate(obj, HPA_ANN_BEHAVIOR,
			     cJSON_DetachItemFromObjectCaseSensitive(spec, "behavior"));
	if (cJSON_GetArraySize(RES_ARR(res_get(status, "conditions"))))
		hpa_annotate(obj, HPA_ANN_CONDITIONS,
			     cJSON_DetachItemFromObjectCaseSensitive(status, "conditions"));
	cJSON_DeleteItemFromObjectCaseSensitive(spec, "metrics");
	cJSON_DeleteItemFromObjectCaseSensitive(spec, "behavior");
	cJSON_DeleteItemFromObjectCaseSensitive(status, "currentMetrics");
	cJSON_DeleteItemFromObjectCaseSensitive(status, "conditions");
out:
	cJSON_Delete(other);
	cJSON_Delete(curv1);
}

/* v1 -> v2 (Convert_v1_HorizontalPodAutoscaler_To_autoscaling_...) */
static void hpa_from_v1(cJSON *obj)
{
	cJSON *spec = res_obj_child(obj, "spec"), *status = res_obj_child(obj, "status");
	cJSON *other = hpa_take_annotation(obj, HPA_ANN_METRICS);
	cJSON *cur = hpa_take_annotation(obj, HPA_ANN_CURRENT);
	cJSON *beh = hpa_take_annotation(obj, HPA_ANN_BEHAVIOR);
	cJSON *cond = hpa_take_annotation(obj, HPA_ANN_CONDITIONS);
	cJSON *metrics = cJSON_CreateArray(), *curv2 = cJSON_CreateArray();
	const cJSON *cpu, *m;

	if (!spec || !status)
		goto out;
	cJSON_ArrayForEach(m, RES_ARR(other))
	    cJSON_AddItemToArray(metrics, hpa_metric_conv(m, hpa_spec_maps, false, true));
	/* the cpu field's metric comes after the annotation's */
	cpu = res_get(spec, "targetCPUUtilizationPercentage");
	if (cJSON_IsNumber(cpu))
		cJSON_AddItemToArray(metrics, hpa_cpu_metric("target", cpu->valuedouble));
	cJSON_DeleteItemFromObjectCaseSensitive(spec, "targetCPUUtilizationPercentage");
	if (cJSON_GetArraySize(metrics))
		res_set(spec, "metrics", cJSON_Duplicate(metrics, true));
	if (cJSON_IsObject(beh))
		res_set(spec, "behavior", cJSON_Duplicate(beh, true));
	cpu = res_get(status, "currentCPUUtilizationPercentage");
	if (cJSON_IsArray(cur)) {
		/* the annotation has all of them, the cpu value included */
		cJSON_ArrayForEach(m, cur)
		    cJSON_AddItemToArray(curv2, hpa_metric_conv(m, hpa_status_maps, false, false));
	} else if (cJSON_IsNumber(cpu)) {
		cJSON_AddItemToArray(curv2, hpa_cpu_metric("current", cpu->valuedouble));
	}
	cJSON_DeleteItemFromObjectCaseSensitive(status, "currentCPUUtilizationPercentage");
	if (cJSON_GetArraySize(curv2))
		res_set(status, "currentMetrics", cJSON_Duplicate(curv2, true));
	if (cJSON_IsArray(cond))
		res_set(status, "conditions", cJSON_Duplicate(cond, true));
out:
	cJSON_Delete(other);
	cJSON_Delete(cur);
	cJSON_Delete(beh);
	cJSON_Delete(cond);
	cJSON_Delete(metrics);
	cJSON_Delete(curv2);
}

const struct res_type res_hpa_v1 = {
    .plural = "horizontalpodautoscalers",
    .singular = "horizontalpodautoscaler",
    .kind = "HorizontalPodAutoscaler",
    .list_kind = "HorizontalPodAutoscalerList",
    .group = "autoscaling",
    .version = "v1",
    .api_version = "autoscaling/v1",
    .namespaced = true,
    .short_names = {"hpa", NULL},
    .all_category = true,
    .has_status = true,
    .unconditional_update = true,
    .storage = &res_hpa_v2,
    .to_storage = hpa_from_v1,
    .from_storage = hpa_to_v1,
};
