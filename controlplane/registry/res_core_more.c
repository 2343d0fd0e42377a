/* res_core_more: ResourceQuota, LimitRange and ReplicationController (core
 * v1), and resource.Quantity checks: defaults (core v1 defaults.go),
 * validation (core validation.go) and Table rows (printers.go). Quotas and
 * limit ranges are stored and validated; enforcing them comes later. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "quantity.h"
#include "res_util.h"

/* ======================================================== quantities */

#define QTY_FORMAT_MSG                                                                             \
	"quantities must match the regular expression "                                            \
	"'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
#define QTY_SUFFIX_MSG "unable to parse quantity's suffix"

bool res_quantity(const char *s, double *out)
{
	return s && !quantity_parse(s, out);
}

bool res_check_quantity(struct verrs *e, const char *field, const cJSON *v)
{
	char q[RES_VAL];
	double d;
	int rc;

	if (cJSON_IsNumber(v))
		return true; /* a Quantity decodes from a JSON number too */
	if (!res_check_type(v, field, RES_STR, e))
		return false;
	rc = quantity_parse(v->valuestring, &d);
	if (!rc)
		return true;
	res_goquote(v->valuestring, q, sizeof(q));
	verrs_invalid(e, field, q, rc == -1 ? QTY_FORMAT_MSG : QTY_SUFFIX_MSG);
	return false;
}

static double qty_value(const cJSON *v)
{
	double d = 0;

	if (cJSON_IsNumber(v))
		return v->valuedouble;
	res_quantity(cJSON_IsString(v) ? v->valuestring : NULL, &d);
	return d;
}

/* The quantity as it was written (upstream prints the canonical form). */
static const char *qty_text(const cJSON *v, char *buf, size_t len)
{
	if (cJSON_IsString(v))
		return v->valuestring;
	if (cJSON_IsNumber(v)) {
		snprintf(buf, len, "%g", v->valuedouble);
		return buf;
	}
	return "0";
}

/* ====================================================== resource names */

/* v when it is an object, else NULL (for cJSON_ArrayForEach) */
#define RES_OBJ_OR_NULL(v) (cJSON_IsObject(v) ? (v) : NULL)

static bool name_in(const char *s, const char *const *set)
{
	for (; *set; set++)
		if (!strcmp(s, *set))
			return true;
	return false;
}

static bool name_hugepages(const char *s)
{
	return !strncmp(s, "hugepages-", 10) || !strncmp(s, "requests.hugepages-", 19) ||
	       !strncmp(s, "limits.hugepages-", 17);
}

static const char *const std_resources[] = {"cpu",
					    "memory",
					    "ephemeral-storage",
					    "requests.cpu",
					    "requests.memory",
					    "requests.ephemeral-storage",
					    "limits.cpu",
					    "limits.memory",
					    "limits.ephemeral-storage",
					    "pods",
					    "resourcequotas",
					    "services",
					    "replicationcontrollers",
					    "secrets",
					    "persistentvolumeclaims",
					    "storage",
					    "requests.storage",
					    "services.nodeports",
					    "services.loadbalancers",
					    "configmaps",
					    NULL};

/* validateResourceName: qualified, and standard unless it has a '/'. */
static bool check_resource_name(struct verrs *e, const char *path, const char *name)
{
	char q[RES_VAL];
	int n = e->n;

	res_check_qualified_name(e, path, name);
	if (e->n != n)
		return false;
	if (!strchr(name, '/') && !name_in(name, std_resources) && !name_hugepages(name)) {
		res_goquote(name, q, sizeof(q));
		verrs_invalid(e, path, q, "must be a standard resource type or fully qualified");
		return false;
	}
	return true;
}

/* ====================================================== ResourceQuota */

static const char *const quota_resources[] = {"pods",
					      "services",
					      "replicationcontrollers",
					      "resourcequotas",
					      "secrets",
					      "configmaps",
					      "persistentvolumeclaims",
					      "services.nodeports",
					      "services.loadbalancers",
					      "requests.cpu",
					      "requests.memory",
					      "requests.storage",
					      "requests.ephemeral-storage",
					      "limits.cpu",
					      "limits.memory",
					      "limits.ephemeral-storage",
					      "cpu",
					      "memory",
					      "ephemeral-storage",
					      NULL};

/* IsIntegerResourceName: object counts are whole numbers. */
static const char *const quota_integer[] = {"pods",
					    "services",
					    "replicationcontrollers",
					    "resourcequotas",
					    "secrets",
					    "configmaps",
					    "persistentvolumeclaims",
					    "services.nodeports",
					    "services.loadbalancers",
					    NULL};

/* A ResourceList of a quota (spec.hard, status.hard, status.used). */
static void quota_validate_list(const cJSON *list, const char *path, struct verrs *e)
{
	const cJSON *c;
	char f[RES_PATH], q[RES_VAL];

	if (!res_check_type(list, path, RES_OBJ, e))
		return;
	cJSON_ArrayForEach(c, list)
	{
		double v;

		res_pathf(f, "%s[%s]", path, c->string);
		/* ValidateResourceQuotaResourceName */
		/* both checks report, as upstream's ValidateResourceQuotaResourceName */
		check_resource_name(e, f, c->string);
		if (!strchr(c->string, '/') && !name_in(c->string, quota_resources) &&
		    !name_hugepages(c->string)) {
			res_goquote(c->string, q, sizeof(q));
			verrs_invalid(e, f, q, "must be a standard resource for quota");
		}
		if (!res_check_quantity(e, f, c))
			continue;
		v = qty_value(c);
		if (v < 0)
			verrs_add(e, "FieldValueInvalid", f,
				  "Invalid value: \"%s\": must be greater than or equal to 0",
				  qty_text(c, q, sizeof(q)));
		if ((name_in(c->string, quota_integer) || !strncmp(c->string, "count/", 6)) &&
		    v != floor(v))
			verrs_add(e, "FieldValueInvalid", f,
				  "Invalid value: \"%s\": must be an integer",
				  qty_text(c, q, sizeof(q)));
	}
}

static void quota_validate(const cJSON *obj, const cJSON *old, struct verrs *e)
{
	static const char *const scopes[] = {"Terminating",
					     "NotTerminating",
					     "BestEffort",
					     "NotBestEffort",
					     "PriorityClass",
					     "CrossNamespacePodAffinity",
					     NULL};
	const cJSON *spec, *status, *sc, *s;
	char v[RES_VAL];

	res_validate_meta(obj, old, RES_DNS1123_SUBDOMAIN, e);
	spec = res_typed(obj, "spec", "spec", RES_OBJ, e);
	if (res_get(spec, "hard"))
		quota_validate_list(res_get(spec, "hard"), "spec.hard", e);
	sc = res_typed(spec, "scopes", "spec.scopes", RES_ARR, e);
	cJSON_ArrayForEach(s, sc)
	{
		if (cJSON_IsString(s) && name_in(s->valuestring, scopes))
			continue;
		res_gostrs(sc, v, sizeof(v));
		/* %#v of []core.ResourceQuotaScope */
		verrs_add(e, "FieldValueInvalid", "spec.scopes",
			  "Invalid value: []core.ResourceQuotaScope%s: unsupported scope",
			  v + strlen("[]string"));
		break;
	}
	status = res_typed(obj, "status", "status", RES_OBJ, e);
	if (res_get(status, "hard"))
		quota_validate_list(res_get(status, "hard"), "status.hard", e);
	if (res_get(status, "used"))
		quota_validate_list(res_get(status, "used"), "status.used", e);
}

static const struct res_col quota_cols[] = {
    {"Name", "string", "name", 0, RES_DESC_NAME},
    {"Age", "string", "", 0, RES_DESC_AGE},
    {"Request", "string", "", 0,
     "Request represents a minimum amount of cpu/memory that a container may consume."},
    {"Limit", "string", "", 0,
     "Limits control the maximum amount of cpu/memory that a container may use independent "
     "of contention on the node."},
};

static cJSON *quota_table_columns(void)
{
	return res_columns(quota_cols, (int)(sizeof(quota_cols) / sizeof(quota_cols[0])));
}

static int quota_strcmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* "<resource>: <used>/<hard>, ..." over status.hard (sorted), limits.*
 * resources in the Limit column, the rest in Request. */
static cJSON *quota_table_cells(const cJSON *obj, time_t now)
{
	const cJSON *hard = json_at(obj, "status.hard"), *used = json_at(obj, "status.used"), *c;
	cJSON *cells = cJSON_CreateArray();
	int n = cJSON_IsObject(hard) ? cJSON_GetArraySize(hard) : 0, k = 0;
	const char **names = calloc((size_t)n + 1, sizeof(*names));
	struct res_join req, lim;
	char *s;

	res_cell_str(cells, json_str(obj, "metadata.name"));
	res_cell_age(cells, obj, now);
	res_join_init(&req);
	res_join_init(&lim);
	if (names) {
		cJSON_ArrayForEach(c, (n ? hard : NULL)) names[k++] = c->string;
		qsort(names, (size_t)k, sizeof(*names), quota_strcmp);
	}
	for (int i = 0; names && i < k; i++) {
		char b1[32], b2[32];
		const cJSON *u = cJSON_GetObjectItemCaseSensitive(used, names[i]);

		res_join_add(
		    !strncmp(names[i], "limits.", 7) ? &lim : &req, ", ", "%s: %s/%s", names[i],
		    qty_text(u, b1, sizeof(b1)),
		    qty_text(cJSON_GetObjectItemCaseSensitive(hard, names[i]), b2, sizeof(b2)));
	}
	free(names);
	s = res_join_done(&req);
	res_cell_str(cells, s);
	free(s);
	s = res_join_done(&lim);
	res_cell_str(cells, s);
	free(s);
	return cells;
}

const struct res_type res_resourcequotas = {
    .plural = "resourcequotas",
    .singular = "resourcequota",
    .kind = "ResourceQuota",
    .list_kind = "ResourceQuotaList",
    .group = "",
    .version = "v1",
    .api_version = "v1",
    .namespaced = true,
    .short_names = {"quota", NULL},
    .has_status = true,
    .unconditional_update = true,
    .validate = quota_validate,
    .table_columns = quota_table_columns,
    .table_cells = quota_table_cells,
};

/* ========================================================= LimitRange */

static const char *const limit_lists[] = {
    "max", "min", "default", "defaultRequest", "maxLimitRequestRatio", NULL};

/* validateLimitRangeResourceName for Pod and Container limits */
static void limit_check_name(struct verrs *e, const char *path, const char *type, const char *name)
{
	static const char *const container[] = {"cpu", "memory", "ephemeral-storage", NULL};
	char q[RES_VAL];

	if (strcmp(type, "Pod") && strcmp(type, "Container")) {
		check_resource_name(e, path, name);
		return;
	}
	if (check_resource_name(e, path, name) && !strchr(name, '/') && !name_in(name, container) &&
	    strncmp(name, "hugepages-", 10)) {
		res_goquote(name, q, sizeof(q));
		verrs_invalid(e, path, q, "must be a standard resource for containers");
	}
}

static void limit_validate_item(const cJSON *it, const char *p, bool *seen, struct verrs *e)
{
	static const char *const std_types[] = {"Pod", "Container", "PersistentVolumeClaim", NULL};
	const cJSON *type, *list, *c, *min, *max;
	char f[RES_PATH], q[RES_VAL], d[200], b1[32], b2[32];
	const char *t;

	type = res_typed(it, "type", res_pathf(f, "%s.type", p), RES_STR, e);
	t = type ? type->valuestring : "";
	res_check_qualified_name(e, f, t);
	if (*t && !strchr(t, '/') && !name_in(t, std_types)) {
		res_goquote(t, q, sizeof(q));
		verrs_invalid(e, f, q, "must be a standard limit type or fully qualified");
	}
	for (int i = 0; std_types[i]; i++) {
		if (strcmp(t, std_types[i]))
			continue;
		if (seen[i]) {
			res_goquote(t, q, sizeof(q));
			verrs_duplicate(e, f, q);
		}
		seen[i] = true;
	}
	for (int i = 0; limit_lists[i]; i++) {
		list = res_typed(it, limit_lists[i], res_pathf(f, "%s.%s", p, limit_lists[i]),
				 RES_OBJ, e);
		if (list && list->child && !strcmp(t, "Pod") && i >= 2 && i <= 3)
			verrs_forbidden(e, f, "may not be specified when `type` is 'Pod'");
		cJSON_ArrayForEach(c, list)
		{
			char kf[RES_PATH];

			res_pathf(kf, "%s.%s[%s]", p, limit_lists[i], c->string);
			limit_check_name(e, kf, t, c->string);
			res_check_quantity(e, kf, c);
		}
	}
	max = res_get(it, "max");
	cJSON_ArrayForEach(min, RES_OBJ_OR_NULL(res_get(it, "min")))
	{
		c = cJSON_GetObjectItemCaseSensitive(max, min->string);
		if (!c || qty_value(min) <= qty_value(c))
			continue;
		res_pathf(f, "%s.min[%s]", p, min->string);
		snprintf(d, sizeof(d), "min value %s is greater than max value %s",
			 qty_text(min, b1, sizeof(b1)), qty_text(c, b2, sizeof(b2)));
		res_goquote(qty_text(min, b1, sizeof(b1)), q, sizeof(q));
		verrs_invalid(e, f, q, d);
	}
}

static void limit_validate(const cJSON *obj, const cJSON *old, struct verrs *e)
{
	const cJSON *spec, *limits, *it;
	bool seen[3] = {false};
	char p[RES_PATH];
	int i = 0;

	res_validate_meta(obj, old, RES_DNS1123_SUBDOMAIN, e);
	spec = res_typed(obj, "spec", "spec", RES_OBJ, e);
	limits = res_typed(spec, "limits", "spec.limits", RES_ARR, e);
	cJSON_ArrayForEach(it, limits)
	{
		res_pathf(p, "spec.limits[%d]", i++);
		if (res_check_type(it, p, RES_OBJ, e))
			limit_validate_item(it, p, seen, e);
	}
}

static const struct res_col limit_cols[] = {
    {"Name", "string", "name", 0, RES_DESC_NAME},
    {"Created At", "date", "", 0, RES_DESC_AGE},
};

static cJSON *limit_table_columns(void)
{
	return res_columns(limit_cols, (int)(sizeof(limit_cols) / sizeof(limit_cols[0])));
}

/* printLimitRange: the creation time itself (a "date" column) */
static cJSON *limit_table_cells(const cJSON *obj, time_t now)
{
	cJSON *cells = cJSON_CreateArray();

	res_cell_str(cells, json_str(obj, "metadata.name"));
	res_cell_str(cells, json_str(obj, "metadata.creationTimestamp"));
	return cells;
}

const struct res_type res_limitranges = {
    .plural = "limitranges",
    .singular = "limitrange",
    .kind = "LimitRange",
    .list_kind = "LimitRangeList",
    .group = "",
    .version = "v1",
    .api_version = "v1",
    .namespaced = true,
    .short_names = {"limits", NULL},
    .unconditional_update = true,
    .validate = limit_validate,
    .table_columns = limit_table_columns,
    .table_cells = limit_table_cells,
};

/* ============================================== ReplicationController */

/* SetDefaults_ReplicationController: selector and labels from the
 * template's labels, one replica. */
static void rc_defaults(cJSON *obj)
{
	cJSON *spec = res_obj_child(obj, "spec"), *md = res_obj_child(obj, "metadata");
	const cJSON *labels, *sel, *ol;

	if (!spec)
		return;
	labels = json_at(spec, "template.metadata.labels");
	if (cJSON_IsObject(labels)) {
		sel = res_get(spec, "selector");
		if (!sel || (cJSON_IsObject(sel) && !sel->child))
			res_set(spec, "selector", cJSON_Duplicate(labels, true));
		ol = res_get(md, "labels");
		if (md && (!ol || (cJSON_IsObject(ol) && !ol->child)))
			res_set(md, "labels", cJSON_Duplicate(labels, true));
	}
	res_default_num(spec, "replicas", 1);
	if (cJSON_IsObject(res_get(spec, "template")))
		res_podspec_defaults(res_obj_child(res_obj_child(spec, "template"), "spec"));
	res_default_num(res_obj_child(obj, "status"), "replicas", 0);
}

static void rc_validate(const cJSON *obj, const cJSON *old, struct verrs *e)
{
	const cJSON *spec, *sel;
	cJSON *ls;

	res_validate_meta(obj, old, RES_DNS1123_SUBDOMAIN, e);
	spec = res_typed(obj, "spec", "spec", RES_OBJ, e);
	res_nonneg(spec, "minReadySeconds", "spec.minReadySeconds", e);
	sel = res_typed(spec, "selector", "spec.selector", RES_STRMAP, e);
	if (!res_get(spec, "selector") || (sel && !sel->child))
		verrs_required(e, "spec.selector", "");
	res_validate_labels(sel, "spec.selector", e);
	res_nonneg(spec, "replicas", "spec.replicas", e);
	if (!res_get(spec, "template")) {
		verrs_required(e, "spec.template", "");
		res_typed(obj, "status", "status", RES_OBJ, e);
		return;
	}
	/* ValidatePodTemplateSpecForRC is the ReplicaSet check over the map */
	ls = cJSON_CreateObject();
	if (sel)
		cJSON_AddItemToObject(ls, "matchLabels", cJSON_Duplicate(sel, true));
	res_apps_template(spec, ls, "ReplicationController", e);
	cJSON_Delete(ls);
	res_typed(obj, "status", "status", RES_OBJ, e);
}

static const struct res_col rc_cols[] = {
    {"Name", "string", "name", 0, RES_DESC_NAME},
    {"Desired", "integer", "", 0,
     "Replicas is the number of desired replicas. This is a pointer to distinguish between "
     "explicit zero and unspecified. Defaults to 1. More info: "
     "https://kubernetes.io/docs/concepts/workloads/controllers/"
     "replicationcontroller#what-is-a-replicationcontroller"},
    {"Current", "integer", "", 0,
     "Replicas is the most recently observed number of replicas. More info: "
     "https://kubernetes.io/docs/concepts/workloads/controllers/"
     "replicationcontroller#what-is-a-replicationcontroller"},
    {"Ready", "integer", "", 0, "The number of ready replicas for this replication controller."},
    {"Age", "string", "", 0, RES_DESC_AGE},
    {"Containers", "string", "", 1, "Names of each container in the template."},
    {"Images", "string", "", 1, "Images referenced by each container in the template."},
    {"Selector", "string", "", 1,
     "Selector is a label query over pods that should match the Replicas count. If Selector "
     "is empty, it is defaulted to the labels present on the Pod template. Label keys and "
     "values that must match in order to be controlled by this replication controller, if "
     "empty defaulted to labels on Pod template. More info: "
     "https://kubernetes.io/docs/concepts/overview/working-with-objects/"
     "labels/#label-selectors"},
};

static cJSON *rc_table_columns(void)
{
	return res_columns(rc_cols, (int)(sizeof(rc_cols) / sizeof(rc_cols[0])));
}

static cJSON *rc_table_cells(const cJSON *obj, time_t now)
{
	static const char *const nums[] = {"spec.replicas", "status.replicas",
					   "status.readyReplicas", NULL};
	cJSON *cells = cJSON_CreateArray(), *ls = cJSON_CreateObject();
	const cJSON *sel = json_at(obj, "spec.selector");

	res_cell_str(cells, json_str(obj, "metadata.name"));
	for (int i = 0; nums[i]; i++) {
		long long v = 0;

		res_int(obj, nums[i], &v);
		res_cell_int(cells, v);
	}
	res_cell_age(cells, obj, now);
	res_cell_containers(cells, json_at(obj, "spec.template.spec"));
	/* labels.FormatLabels: the map as a selector, "<none>" when empty */
	if (cJSON_IsObject(sel))
		cJSON_AddItemToObject(ls, "matchLabels", cJSON_Duplicate(sel, true));
	res_cell_selector(cells, ls);
	cJSON_Delete(ls);
	return cells;
}

const struct res_type res_replicationcontrollers = {
    .plural = "replicationcontrollers",
    .singular = "replicationcontroller",
    .kind = "ReplicationController",
    .list_kind = "ReplicationControllerList",
    .group = "",
    .version = "v1",
    .api_version = "v1",
    .namespaced = true,
    .short_names = {"rc", NULL},
    .all_category = true,
    .has_status = true,
    .has_scale = true,
    .scale_selector_map = true,
    .unconditional_update = true,
    .has_generation = true,
    .defaults = rc_defaults,
    .validate = rc_validate,
    .table_columns = rc_table_columns,
    .table_cells = rc_table_cells,
};
