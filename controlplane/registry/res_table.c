/* res_table: metav1.LabelSelector validation/matching/printing and the
 * Table column and cell builders shared by the res_*.c families. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "res_util.h"

/* ------------------------------------------------------ label selectors */

static const char *res_sel_op_kind(const char *op)
{
	if (!strcmp(op, "In") || !strcmp(op, "NotIn"))
		return "set";
	if (!strcmp(op, "Exists") || !strcmp(op, "DoesNotExist"))
		return "exists";
	return NULL;
}

/* unversionedvalidation.ValidateLabelSelector */
void res_validate_label_selector(const cJSON *sel, const char *path, struct verrs *e)
{
	char p[RES_PATH], q[RES_VAL];
	const cJSON *exprs, *x;
	int i = 0;

	if (!sel || cJSON_IsNull(sel) || !res_check_type(sel, path, RES_OBJ, e))
		return;
	res_pathf(p, "%s.matchLabels", path);
	res_validate_labels(res_get(sel, "matchLabels"), p, e);
	res_pathf(p, "%s.matchExpressions", path);
	exprs = res_typed(sel, "matchExpressions", p, RES_ARR, e);
	cJSON_ArrayForEach(x, exprs)
	{
		char xp[RES_PATH], fp[RES_PATH];
		const cJSON *op, *key, *vals, *v;
		const char *kind;
		int j = 0;

		res_pathf(xp, "%s.matchExpressions[%d]", path, i++);
		if (!res_check_type(x, xp, RES_OBJ, e))
			continue;
		res_pathf(fp, "%s.operator", xp);
		op = res_typed(x, "operator", fp, RES_STR, e);
		res_pathf(fp, "%s.values", xp);
		vals = res_typed(x, "values", fp, RES_ARR, e);
		cJSON_ArrayForEach(v, vals)
		{
			char vp[RES_PATH];

			res_pathf(vp, "%s.values[%d]", xp, j++);
			res_check_type(v, vp, RES_STR, e);
		}
		kind = op ? res_sel_op_kind(op->valuestring) : NULL;
		if (kind && !strcmp(kind, "set") && !cJSON_GetArraySize(vals)) {
			verrs_required(e, fp,
				       "must be specified when `operator` is 'In' or 'NotIn'");
		} else if (kind && !strcmp(kind, "exists") && cJSON_GetArraySize(vals)) {
			verrs_forbidden(e, fp,
					"may not be specified when `operator` is 'Exists' or "
					"'DoesNotExist'");
		} else if (!kind && (op || !res_get(x, "operator"))) {
			res_pathf(fp, "%s.operator", xp);
			res_goquote(op ? op->valuestring : "", q, sizeof(q));
			verrs_invalid(e, fp, q, "not a valid selector operator");
		}
		res_pathf(fp, "%s.key", xp);
		key = res_typed(x, "key", fp, RES_STR, e);
		res_check_qualified_name(e, fp, key ? key->valuestring : "");
	}
}

bool res_selector_empty(const cJSON *sel)
{
	return !cJSON_GetArraySize(res_get(sel, "matchLabels")) &&
	       !cJSON_GetArraySize(res_get(sel, "matchExpressions"));
}

/* metav1.LabelSelectorAsSelector succeeds: well-formed requirements whose
 * values are valid label values. */
bool res_selector_ok(const cJSON *sel)
{
	struct verrs tmp = {0};
	const cJSON *x, *v;

	if (!sel)
		return true;
	res_validate_label_selector(sel, "s", &tmp);
	cJSON_ArrayForEach(x, res_get(sel, "matchExpressions"))
	    cJSON_ArrayForEach(v, res_get(x, "values")) if (cJSON_IsString(v))
		res_check_label_value(&tmp, "s", v->valuestring);
	return tmp.n == 0;
}

static bool res_in_values(const cJSON *vals, const char *s)
{
	const cJSON *v;

	cJSON_ArrayForEach(v,
			   vals) if (cJSON_IsString(v) && !strcmp(v->valuestring, s)) return true;
	return false;
}

/* labels[key]: a plain member lookup, as label keys hold dots
 * ("app.kubernetes.io/name") that json_str would take for a path. */
static const char *res_label(const cJSON *labels, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(labels, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

bool res_selector_matches(const cJSON *sel, const cJSON *labels)
{
	const cJSON *c, *x;

	cJSON_ArrayForEach(c, res_get(sel, "matchLabels"))
	{
		const char *have = res_label(labels, c->string);

		if (!cJSON_IsString(c) || !have || strcmp(have, c->valuestring))
			return false;
	}
	cJSON_ArrayForEach(x, res_get(sel, "matchExpressions"))
	{
		const char *op = json_str(x, "operator"), *key = json_str(x, "key");
		const char *have;

		if (!op || !key)
			return false;
		have = res_label(labels, key);
		if (!strcmp(op, "In") && !(have && res_in_values(res_get(x, "values"), have)))
			return false;
		if (!strcmp(op, "NotIn") && have && res_in_values(res_get(x, "values"), have))
			return false;
		if (!strcmp(op, "Exists") && !have)
			return false;
		if (!strcmp(op, "DoesNotExist") && have)
			return false;
	}
	return true;
}

struct res_req {
	const char *key;
	char *text;
};

static int res_req_cmp(const void *a, const void *b)
{
	return strcmp(((const struct res_req *)a)->key, ((const struct res_req *)b)->key);
}

static int res_str_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* A requirement's text as labels.Requirement.String() prints it. */
static char *res_req_text(const char *key, const char *op, const cJSON *vals)
{
	struct res_join j;
	const char *sv[64] = {0};
	const cJSON *v;
	int n = 0;

	res_join_init(&j);
	if (!strcmp(op, "Exists")) {
		res_join_add(&j, "", "%s", key);
	} else if (!strcmp(op, "DoesNotExist")) {
		res_join_add(&j, "", "!%s", key);
	} else if (!strcmp(op, "=")) {
		res_join_add(&j, "", "%s=%s", key, vals->valuestring);
	} else {
		cJSON_ArrayForEach(v, vals) if (cJSON_IsString(v) && n < 64) sv[n++] =
		    v->valuestring;
		/* values are a set: printed sorted */
		qsort(sv, (size_t)n, sizeof(sv[0]), res_str_cmp);
		res_join_add(&j, "", "%s %s (", key, !strcmp(op, "In") ? "in" : "notin");
		for (int i = 0; i < n; i++)
			res_join_add(&j, "", "%s%s", i ? "," : "", sv[i]);
		res_join_add(&j, "", ")");
	}
	return res_join_done(&j);
}

char *res_selector_string(const cJSON *sel)
{
	struct res_req reqs[64];
	struct res_join j;
	const cJSON *c;
	int n = 0;

	cJSON_ArrayForEach(c, res_get(sel, "matchLabels")) if (cJSON_IsString(c) && n < 64)
	{
		reqs[n].key = c->string;
		reqs[n++].text = res_req_text(c->string, "=", c);
	}
	cJSON_ArrayForEach(c, res_get(sel, "matchExpressions"))
	{
		const char *op = json_str(c, "operator"), *key = json_str(c, "key");

		if (op && key && res_sel_op_kind(op) && n < 64) {
			reqs[n].key = key;
			reqs[n++].text = res_req_text(key, op, res_get(c, "values"));
		}
	}
	qsort(reqs, (size_t)n, sizeof(reqs[0]), res_req_cmp);
	res_join_init(&j);
	for (int i = 0; i < n; i++) {
		res_join_add(&j, ",", "%s", reqs[i].text ? reqs[i].text : "");
		free(reqs[i].text);
	}
	return res_join_done(&j);
}

/* ------------------------------------------------------------ joining */

void res_join_init(struct res_join *j)
{
	j->buf = NULL;
	j->len = 0;
	j->n = 0;
	j->f = open_memstream(&j->buf, &j->len);
}

void res_join_add(struct res_join *j, const char *sep, const char *fmt, ...)
{
	va_list ap;

	if (!j->f)
		return;
	if (j->n++ && sep)
		fputs(sep, j->f);
	va_start(ap, fmt);
	vfprintf(j->f, fmt, ap);
	va_end(ap);
}

char *res_join_done(struct res_join *j)
{
	if (j->f)
		fclose(j->f);
	j->f = NULL;
	return j->buf ? j->buf : strdup("");
}

/* ------------------------------------------------------------- Table */

cJSON *res_columns(const struct res_col *cols, int n)
{
	cJSON *arr = cJSON_CreateArray();

	for (int i = 0; i < n; i++) {
		cJSON *c = cJSON_CreateObject();

		cJSON_AddStringToObject(c, "name", cols[i].name);
		cJSON_AddStringToObject(c, "type", cols[i].type);
		cJSON_AddStringToObject(c, "format", cols[i].format ? cols[i].format : "");
		cJSON_AddStringToObject(c, "description", cols[i].desc ? cols[i].desc : "");
		cJSON_AddNumberToObject(c, "priority", cols[i].priority);
		cJSON_AddItemToArray(arr, c);
	}
	return arr;
}

void res_cell_str(cJSON *cells, const char *s)
{
	cJSON_AddItemToArray(cells, cJSON_CreateString(s ? s : ""));
}

void res_cell_int(cJSON *cells, long long v)
{
	cJSON_AddItemToArray(cells, cJSON_CreateNumber((double)v));
}

void res_cell_age(cJSON *cells, const cJSON *obj, time_t now)
{
	char buf[32];

	res_age(res_parse_time(json_str(obj, "metadata.creationTimestamp")), now, buf, sizeof(buf));
	res_cell_str(cells, buf);
}

/* printers.go layoutContainerCells */
void res_cell_containers(cJSON *cells, const cJSON *podspec)
{
	struct res_join names, images;
	const cJSON *c;
	char *s;

	res_join_init(&names);
	res_join_init(&images);
	cJSON_ArrayForEach(c, res_get(podspec, "containers"))
	{
		const char *n = json_str(c, "name"), *img = json_str(c, "image");

		res_join_add(&names, ",", "%s", n ? n : "");
		res_join_add(&images, ",", "%s", img ? img : "");
	}
	s = res_join_done(&names);
	res_cell_str(cells, s);
	free(s);
	s = res_join_done(&images);
	res_cell_str(cells, s);
	free(s);
}
