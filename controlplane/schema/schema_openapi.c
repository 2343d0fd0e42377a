/* schema_openapi: OpenAPI v2 and v3 documents from the schema tables (see
 * schema_openapi.h). Both are built as JSON trees first; v3 is served as
 * that JSON, v2 is encoded to gnostic protobuf (schema_openapi_pb.c).
 * The shapes follow kube-apiserver's documents where kubectl reads them:
 * definitions named by Go package, x-kubernetes-group-version-kind on
 * kinds (a list) and on operations (one object), list-type, merge-key and
 * patch-strategy extensions, and per operation the query parameters the
 * server accepts (kubectl 1.20 looks for dryRun on PATCH). */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "schema_openapi.h"
#include "schema_int.h"
#include "schema_openapi_int.h"

/* Field kinds that upstream documents as named definitions. */
#define OA_INTORSTRING "io.k8s.apimachinery.pkg.util.intstr.IntOrString"
#define OA_QUANTITY    "io.k8s.apimachinery.pkg.api.resource.Quantity"
#define OA_TIME	       "io.k8s.apimachinery.pkg.apis.meta.v1.Time"
#define OA_MICROTIME   "io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime"

struct oa {
	bool v3;
	const char *refp; /* "#/definitions/" or "#/components/schemas/" */
};

/* The set of types a document defines. */
struct oa_set {
	const struct sch_type **t;
	size_t n, cap;
	bool oom;
};

static bool oa_has(const struct oa_set *s, const struct sch_type *t)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->t[i] == t || !strcmp(s->t[i]->name, t->name))
			return true;
	return false;
}

/* t and every type its fields name, once each (types may be recursive). */
static void oa_collect(struct oa_set *s, const struct sch_type *t)
{
	if (!t || s->oom || oa_has(s, t))
		return;
	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 64;
		const struct sch_type **nt = realloc(s->t, cap * sizeof(*nt));

		if (!nt) {
			s->oom = true;
			return;
		}
		s->t = nt;
		s->cap = cap;
	}
	s->t[s->n++] = t;
	for (size_t i = 0; i < t->nfields; i++)
		oa_collect(s, t->fields[i].type);
}

static int oa_name_cmp(const void *a, const void *b)
{
	return strcmp((*(const struct sch_type *const *)a)->name,
		      (*(const struct sch_type *const *)b)->name);
}

static cJSON *oa_ref(const struct oa *o, const char *name)
{
	char ref[256];
	cJSON *s = cJSON_CreateObject();

	snprintf(ref, sizeof(ref), "%s%s", o->refp, name);
	cJSON_AddStringToObject(s, "$ref", ref);
	return s;
}

static cJSON *oa_prim(const char *type, const char *format)
{
	cJSON *s = cJSON_CreateObject();

	if (type)
		cJSON_AddStringToObject(s, "type", type);
	if (format)
		cJSON_AddStringToObject(s, "format", format);
	return s;
}

/* The schema of one value of kind k. */
static cJSON *oa_kind(const struct oa *o, enum sch_kind k, const struct sch_type *t)
{
	cJSON *s;

	switch (k) {
	case SCH_STRING:
	case SCH_DURATION:
		return oa_prim("string", NULL);
	case SCH_BOOL:
		return oa_prim("boolean", NULL);
	case SCH_INT32:
		return oa_prim("integer", "int32");
	case SCH_INT64:
		return oa_prim("integer", "int64");
	case SCH_DOUBLE:
		return oa_prim("number", "double");
	case SCH_BYTES:
		return oa_prim("string", "byte");
	case SCH_OBJECT:
		return t ? oa_ref(o, t->name) : oa_prim("object", NULL);
	case SCH_INT_OR_STRING:
		return oa_ref(o, OA_INTORSTRING);
	case SCH_QUANTITY:
		return oa_ref(o, OA_QUANTITY);
	case SCH_TIME:
		return oa_ref(o, OA_TIME);
	case SCH_MICROTIME:
		return oa_ref(o, OA_MICROTIME);
	case SCH_RAW:
	case SCH_ANY:
	case SCH_MAP:
	default:
		/* v2: no type is "anything" to kubectl's validator; v3 says so */
		s = oa_prim(o->v3 && k == SCH_RAW ? "object" : NULL, NULL);
		if (o->v3)
			cJSON_AddBoolToObject(s, "x-kubernetes-preserve-unknown-fields", 1);
		return s;
	}
}

static void oa_str_list(cJSON *obj, const char *key, const char *value)
{
	cJSON *a = cJSON_AddArrayToObject(obj, key);

	cJSON_AddItemToArray(a, cJSON_CreateString(value));
}

/* The schema of field f, with its description and list/map extensions. */
static cJSON *oa_field(const struct oa *o, const struct sch_field *f)
{
	cJSON *s, *inner;

	if (f->kind == SCH_MAP) {
		s = oa_prim("object", NULL);
		cJSON_AddItemToObject(s, "additionalProperties", oa_kind(o, f->elem, f->type));
	} else if (f->flags & SCH_F_LIST) {
		s = oa_prim("array", NULL);
		cJSON_AddItemToObject(s, "items", oa_kind(o, f->kind, f->type));
	} else {
		s = oa_kind(o, f->kind, f->type);
		/* OpenAPI 3.0 ignores the siblings of a $ref: upstream wraps it */
		if (o->v3 && cJSON_GetObjectItem(s, "$ref")) {
			inner = s;
			s = cJSON_CreateObject();
			cJSON_AddItemToArray(cJSON_AddArrayToObject(s, "allOf"), inner);
		}
	}
	if (f->desc)
		cJSON_AddStringToObject(s, "description", f->desc);
	if ((f->flags & SCH_F_LIST_MAP) && f->merge_key) {
		oa_str_list(s, "x-kubernetes-list-map-keys", f->merge_key);
		cJSON_AddStringToObject(s, "x-kubernetes-list-type", "map");
		cJSON_AddStringToObject(s, "x-kubernetes-patch-merge-key", f->merge_key);
		cJSON_AddStringToObject(s, "x-kubernetes-patch-strategy", "merge");
	} else if (f->flags & SCH_F_LIST_SET) {
		cJSON_AddStringToObject(s, "x-kubernetes-list-type", "set");
		cJSON_AddStringToObject(s, "x-kubernetes-patch-strategy", "merge");
	} else if (f->flags & SCH_F_ATOMIC) {
		cJSON_AddStringToObject(
		    s, (f->flags & SCH_F_LIST) ? "x-kubernetes-list-type" : "x-kubernetes-map-type",
		    "atomic");
	}
	return s;
}

/* [{"group":..,"kind":..,"version":..}] of a kind, or one object. */
static cJSON *oa_gvk(const struct sch_type *t)
{
	cJSON *g = cJSON_CreateObject();

	cJSON_AddStringToObject(g, "group", t->group ? t->group : "");
	cJSON_AddStringToObject(g, "kind", t->kind);
	cJSON_AddStringToObject(g, "version", t->version);
	return g;
}

/* The properties (and required names) of t's fields into props; an
 * inline field's type contributes its own, as Go's JSON has them. */
static void oa_props(const struct oa *o, const struct sch_type *t, cJSON *def, cJSON *props,
		     cJSON **req, int depth)
{
	for (size_t i = 0; i < t->nfields; i++) {
		const struct sch_field *f = &t->fields[i];

		if (f->flags & SCH_F_INLINE) {
			if (f->type && depth < 8)
				oa_props(o, f->type, def, props, req, depth + 1);
			continue;
		}
		cJSON_AddItemToObject(props, f->name, oa_field(o, f));
		if (f->flags & SCH_F_REQUIRED) {
			if (!*req)
				*req = cJSON_AddArrayToObject(def, "required");
			cJSON_AddItemToArray(*req, cJSON_CreateString(f->name));
		}
	}
}

/* The definition of type t. */
static cJSON *oa_def(const struct oa *o, const struct sch_type *t)
{
	cJSON *s = cJSON_CreateObject(), *props, *req = NULL;

	if (t->desc)
		cJSON_AddStringToObject(s, "description", t->desc);
	/* kubectl 1.20 rejects unknown fields of a described type; a type
	 * kept free-form is left typeless there ("anything") */
	if (!o->v3 && (t->flags & SCH_F_PRESERVE))
		goto gvk;
	cJSON_AddStringToObject(s, "type", "object");
	props = cJSON_AddObjectToObject(s, "properties");
	oa_props(o, t, s, props, &req, 0);
	if (t->flags & SCH_F_ATOMIC)
		cJSON_AddStringToObject(s, "x-kubernetes-map-type", "atomic");
	if (t->flags & SCH_F_PRESERVE)
		cJSON_AddBoolToObject(s, "x-kubernetes-preserve-unknown-fields", 1);
gvk:
	if (t->kind)
		cJSON_AddItemToArray(cJSON_AddArrayToObject(s, "x-kubernetes-group-version-kind"),
				     oa_gvk(t));
	return s;
}

/* Two schemas, as anyOf/oneOf alternatives. */
static cJSON *oa_alt(const char *a, const char *b)
{
	cJSON *arr = cJSON_CreateArray();

	cJSON_AddItemToArray(arr, oa_prim(a, NULL));
	cJSON_AddItemToArray(arr, oa_prim(b, NULL));
	return arr;
}

/* The four string-shaped definitions every document may refer to. In v3,
 * as upstream, IntOrString is anyOf integer/string and Quantity oneOf
 * string/number, without a type: kubectl explain then names them. */
static void oa_prim_defs(const struct oa *o, cJSON *defs)
{
	static const struct {
		const char *name, *format, *desc;
	} p[] = {
	    {OA_INTORSTRING, "int-or-string",
	     "An integer or a string, such as a port number or a port name."},
	    {OA_QUANTITY, NULL,
	     "A fixed-point number with a unit suffix, such as 100m, 2, 512Mi or 1G."},
	    {OA_TIME, "date-time", "A timestamp in RFC 3339 form, to the second, in UTC."},
	    {OA_MICROTIME, "date-time", "A timestamp in RFC 3339 form with microseconds."},
	};

	for (size_t i = 0; i < sizeof(p) / sizeof(p[0]); i++) {
		cJSON *s;

		if (cJSON_GetObjectItem(defs, p[i].name))
			continue;
		if (o->v3 && i == 0) {
			s = oa_prim(NULL, p[i].format);
			cJSON_AddItemToObject(s, "anyOf", oa_alt("integer", "string"));
		} else if (o->v3 && i == 1) {
			s = oa_prim(NULL, NULL);
			cJSON_AddItemToObject(s, "oneOf", oa_alt("string", "number"));
		} else {
			s = oa_prim("string", p[i].format);
		}
		cJSON_AddStringToObject(s, "description", p[i].desc);
		cJSON_AddItemToObject(defs, p[i].name, s);
	}
}

/* The query and path parameters the server understands. */
static const struct oa_param {
	const char *name, *in, *type, *desc;
} oa_params[] = {
    {"name", "path", "string", "The name of the object."},
    {"namespace", "path", "string", "The namespace of the objects."},
    {"pretty", "query", "string", "If true, the output is indented."},
    {"dryRun", "query", "string",
     "When present, the request is checked and answered but nothing is stored; the only "
     "value is All."},
    {"fieldManager", "query", "string", "The name of the actor making the change."},
    {"fieldValidation", "query", "string",
     "What to do with unknown or duplicate fields in the body: Ignore, Warn (the default) "
     "or Strict (reject the request)."},
    {"force", "query", "boolean",
     "Apply patches only: take the fields other managers own instead of failing."},
    {"gracePeriodSeconds", "query", "integer", "Seconds before the object is deleted."},
    {"propagationPolicy", "query", "string",
     "Whether and how dependents are deleted: Orphan, Background or Foreground."},
    {"orphanDependents", "query", "boolean", "Deprecated: use propagationPolicy."},
    {"labelSelector", "query", "string", "Only objects whose labels match."},
    {"fieldSelector", "query", "string", "Only objects whose fields match."},
    {"limit", "query", "integer", "At most this many objects; the rest via continue."},
    {"continue", "query", "string", "The token of the next page of a limited list."},
    {"resourceVersion", "query", "string", "The revision to answer at, or to watch from."},
    {"resourceVersionMatch", "query", "string", "How resourceVersion applies to a list."},
    {"timeoutSeconds", "query", "integer", "Ends a list or watch after this long."},
    {"watch", "query", "boolean", "Stream changes (added, modified, deleted) as events."},
    {"allowWatchBookmarks", "query", "boolean", "Watch only: ask for bookmark events."},
};

static const char *const oa_p_write[] = {"dryRun", "fieldManager", "fieldValidation", NULL};
static const char *const oa_p_patch[] = {"dryRun", "fieldManager", "fieldValidation", "force",
					 NULL};
static const char *const oa_p_delete[] = {"dryRun", "gracePeriodSeconds", "propagationPolicy",
					  "orphanDependents", NULL};
static const char *const oa_p_list[] = {"allowWatchBookmarks",
					"continue",
					"fieldSelector",
					"labelSelector",
					"limit",
					"resourceVersion",
					"resourceVersionMatch",
					"timeoutSeconds",
					"watch",
					NULL};
static const char *const oa_p_none[] = {NULL};

static cJSON *oa_param(const struct oa *o, const char *name)
{
	const struct oa_param *p = NULL;
	cJSON *j = cJSON_CreateObject(), *sch = j;

	for (size_t i = 0; i < sizeof(oa_params) / sizeof(oa_params[0]); i++)
		if (!strcmp(oa_params[i].name, name))
			p = &oa_params[i];
	cJSON_AddStringToObject(j, "name", p->name);
	cJSON_AddStringToObject(j, "in", p->in);
	cJSON_AddStringToObject(j, "description", p->desc);
	if (!strcmp(p->in, "path"))
		cJSON_AddBoolToObject(j, "required", 1);
	if (o->v3)
		sch = cJSON_AddObjectToObject(j, "schema");
	cJSON_AddStringToObject(sch, "type", p->type);
	if (!strcmp(p->in, "query"))
		cJSON_AddBoolToObject(sch, "uniqueItems", 1);
	return j;
}

static void oa_add_params(const struct oa *o, cJSON *arr, const char *const *names)
{
	for (; *names; names++)
		cJSON_AddItemToArray(arr, oa_param(o, *names));
}

/* One operation. body: the request body type (NULL: none). */
struct oa_opdef {
	const char *method, *action, *verb;
	const char *const *params;
	bool has_body, patch, list;
	const char *codes;
};

static const char *const oa_patch_types[] = {
    "application/json-patch+json", "application/merge-patch+json",
    "application/strategic-merge-patch+json", "application/apply-patch+yaml", NULL};
static const char *const oa_produces[] = {"application/json", "application/yaml",
					  "application/vnd.kubernetes.protobuf", NULL};
static const char *const oa_any[] = {"*/*", NULL};

static cJSON *oa_strings(const char *const *s)
{
	cJSON *a = cJSON_CreateArray();

	for (; *s; s++)
		cJSON_AddItemToArray(a, cJSON_CreateString(*s));
	return a;
}

/* "Core", "Apps", "Discovery" (first label of the group), "V1". */
static void oa_camel(char *out, size_t len, const char *s, size_t n)
{
	snprintf(out, len, "%.*s", (int)n, s);
	if (*out >= 'a' && *out <= 'z')
		*out = (char)(*out - 'a' + 'A');
}

struct oa_res {
	const struct sch_resource *r;
	char coll[256], item[272], all[256]; /* paths ("" if none) */
	char opname[192];		     /* "AppsV1NamespacedDeployment" */
	char opall[192];		     /* "CoreV1Service" (for all namespaces) */
	char tag[64];			     /* "apps_v1" */
};

static void oa_res_init(struct oa_res *x, const struct sch_resource *r)
{
	const char *g = r->group && *r->group ? r->group : NULL;
	const char *slash = strchr(r->plural, '/');
	char pre[96], gc[32], vc[16], kind[96];
	size_t glen = g ? strcspn(g, ".") : 4;

	memset(x, 0, sizeof(*x));
	x->r = r;
	if (g)
		snprintf(pre, sizeof(pre), "/apis/%s/%s", g, r->version);
	else
		snprintf(pre, sizeof(pre), "/api/%s", r->version);
	oa_camel(gc, sizeof(gc), g ? g : "core", glen);
	oa_camel(vc, sizeof(vc), r->version, strlen(r->version));
	snprintf(x->tag, sizeof(x->tag), "%.*s_%s", (int)glen, g ? g : "core", r->version);
	if (slash) {
		/* a subresource: one item path, named after parent and sub */
		char parent[64], sub[32];

		oa_camel(parent, sizeof(parent), r->plural, (size_t)(slash - r->plural));
		oa_camel(sub, sizeof(sub), slash + 1, strlen(slash + 1));
		snprintf(kind, sizeof(kind), "%s%s", parent, sub);
		snprintf(x->item, sizeof(x->item), "%s%s/%.*s/{name}/%s", pre,
			 r->namespaced ? "/namespaces/{namespace}" : "", (int)(slash - r->plural),
			 r->plural, slash + 1);
	} else {
		snprintf(kind, sizeof(kind), "%s", r->type->kind ? r->type->kind : "Object");
		snprintf(x->coll, sizeof(x->coll), "%s%s/%s", pre,
			 r->namespaced ? "/namespaces/{namespace}" : "", r->plural);
		snprintf(x->item, sizeof(x->item), "%s/{name}", x->coll);
		if (r->namespaced)
			snprintf(x->all, sizeof(x->all), "%s/%s", pre, r->plural);
	}
	snprintf(x->opname, sizeof(x->opname), "%s%s%s%s", gc, vc,
		 r->namespaced ? "Namespaced" : "", kind);
	snprintf(x->opall, sizeof(x->opall), "%s%s%s", gc, vc, kind);
}

static cJSON *oa_op(const struct oa *o, const struct oa_res *x, const struct oa_opdef *d,
		    const char *suffix)
{
	const struct sch_type *resp = d->list && x->r->list ? x->r->list : x->r->type;
	cJSON *op = cJSON_CreateObject(), *params, *resps;
	char id[256];

	snprintf(id, sizeof(id), "%s%s%s", d->verb, x->opname, suffix);
	cJSON_AddItemToObject(op, "tags", oa_strings((const char *const[]){x->tag, NULL}));
	cJSON_AddStringToObject(op, "operationId", id);
	if (!o->v3) {
		cJSON_AddItemToObject(op, "consumes",
				      oa_strings(d->patch ? oa_patch_types : oa_any));
		cJSON_AddItemToObject(op, "produces", oa_strings(oa_produces));
	}
	params = cJSON_AddArrayToObject(op, "parameters");
	if (d->has_body) {
		if (o->v3) {
			cJSON *rb = cJSON_AddObjectToObject(op, "requestBody");
			cJSON *content = cJSON_AddObjectToObject(rb, "content");

			for (const char *const *m = d->patch ? oa_patch_types : oa_any; *m; m++)
				cJSON_AddItemToObject(cJSON_AddObjectToObject(content, *m),
						      "schema", oa_ref(o, x->r->type->name));
			cJSON_AddBoolToObject(rb, "required", 1);
		} else {
			cJSON *b = cJSON_CreateObject();

			cJSON_AddStringToObject(b, "name", "body");
			cJSON_AddStringToObject(b, "in", "body");
			cJSON_AddBoolToObject(b, "required", 1);
			cJSON_AddItemToObject(b, "schema", oa_ref(o, x->r->type->name));
			cJSON_AddItemToArray(params, b);
		}
	}
	oa_add_params(o, params, d->params);
	resps = cJSON_AddObjectToObject(op, "responses");
	for (const char *c = d->codes; *c; c += 4) {
		char code[4] = {c[0], c[1], c[2], 0};
		cJSON *r = cJSON_AddObjectToObject(resps, code);

		cJSON_AddStringToObject(r, "description",
					code[1] == '0' && code[2] == '0' ? "OK"
					: code[2] == '1'		 ? "Created"
									 : "Accepted");
		if (o->v3)
			cJSON_AddItemToObject(
			    cJSON_AddObjectToObject(cJSON_AddObjectToObject(r, "content"),
						    "application/json"),
			    "schema", oa_ref(o, resp->name));
		else
			cJSON_AddItemToObject(r, "schema", oa_ref(o, resp->name));
	}
	cJSON_AddStringToObject(op, "x-kubernetes-action", d->action);
	cJSON_AddItemToObject(op, "x-kubernetes-group-version-kind", oa_gvk(x->r->type));
	return op;
}

static const struct oa_opdef oa_get = {"get", "get", "read", oa_p_none, 0, 0, 0, "200 "};
static const struct oa_opdef oa_list = {"get", "list", "list", oa_p_list, 0, 0, 1, "200 "};
static const struct oa_opdef oa_post = {"post", "post", "create", oa_p_write,
					1,	0,	0,	  "200 201 202 "};
static const struct oa_opdef oa_put = {"put", "put", "replace", oa_p_write, 1, 0, 0, "200 201 "};
static const struct oa_opdef oa_patch = {"patch", "patch", "patch", oa_p_patch,
					 1,	  1,	   0,	    "200 201 "};
static const struct oa_opdef oa_delete = {"delete", "delete", "delete", oa_p_delete,
					  0,	    0,	      0,	"200 202 "};
static const struct oa_opdef oa_delcoll = {
    "delete", "deletecollection", "deleteCollection", oa_p_list, 0, 0, 1, "200 "};

/* The path item at path (created with its path parameters if new). */
static cJSON *oa_path(const struct oa *o, cJSON *paths, const char *path)
{
	cJSON *p = cJSON_GetObjectItem(paths, path), *params;

	if (p)
		return p;
	p = cJSON_AddObjectToObject(paths, path);
	params = cJSON_AddArrayToObject(p, "parameters");
	if (strstr(path, "{name}"))
		cJSON_AddItemToArray(params, oa_param(o, "name"));
	if (strstr(path, "{namespace}"))
		cJSON_AddItemToArray(params, oa_param(o, "namespace"));
	cJSON_AddItemToArray(params, oa_param(o, "pretty"));
	return p;
}

static void oa_resource_paths(const struct oa *o, const struct sch_resource *r, cJSON *paths)
{
	struct oa_res x;
	unsigned v = r->verbs;

	oa_res_init(&x, r);
	if (*x.coll) {
		if ((v & SCH_VERB_LIST) && r->list)
			cJSON_AddItemToObject(oa_path(o, paths, x.coll), "get",
					      oa_op(o, &x, &oa_list, ""));
		if (v & SCH_VERB_CREATE)
			cJSON_AddItemToObject(oa_path(o, paths, x.coll), "post",
					      oa_op(o, &x, &oa_post, ""));
		if ((v & SCH_VERB_DELETECOLLECTION) && r->list)
			cJSON_AddItemToObject(oa_path(o, paths, x.coll), "delete",
					      oa_op(o, &x, &oa_delcoll, ""));
	}
	if (*x.all && (v & SCH_VERB_LIST) && r->list) {
		struct oa_res all = x;

		/* listCoreV1ServiceForAllNamespaces */
		memcpy(all.opname, x.opall, sizeof(all.opname));
		cJSON_AddItemToObject(oa_path(o, paths, x.all), "get",
				      oa_op(o, &all, &oa_list, "ForAllNamespaces"));
	}
	if ((v & SCH_VERB_CREATE) && !*x.coll) /* pods/binding, pods/eviction */
		cJSON_AddItemToObject(oa_path(o, paths, x.item), "post",
				      oa_op(o, &x, &oa_post, ""));
	if (v & SCH_VERB_GET)
		cJSON_AddItemToObject(oa_path(o, paths, x.item), "get", oa_op(o, &x, &oa_get, ""));
	if (v & SCH_VERB_UPDATE)
		cJSON_AddItemToObject(oa_path(o, paths, x.item), "put", oa_op(o, &x, &oa_put, ""));
	if (v & SCH_VERB_PATCH)
		cJSON_AddItemToObject(oa_path(o, paths, x.item), "patch",
				      oa_op(o, &x, &oa_patch, ""));
	if (v & SCH_VERB_DELETE)
		cJSON_AddItemToObject(oa_path(o, paths, x.item), "delete",
				      oa_op(o, &x, &oa_delete, ""));
}

/* The key of a resource's group-version in the v3 index. */
static void oa_gv_key(const struct sch_resource *r, char *out, size_t len)
{
	if (r->group && *r->group)
		snprintf(out, len, "apis/%s/%s", r->group, r->version);
	else
		snprintf(out, len, "api/%s", r->version);
}

/* Definitions of every type of the resources (only those of group-version
 * gv if not NULL), of the registry's kinds (v2: all of them, as upstream's
 * one document; v3: the option kinds a request may carry) and the
 * primitive definitions. */
static int oa_defs(const struct oa *o, const char *gv, const struct sch_resource *res, size_t n,
		   cJSON *defs)
{
	struct oa_set s = {0};
	char key[128];

	for (size_t i = 0; i < n; i++) {
		if (gv && (oa_gv_key(&res[i], key, sizeof(key)), strcmp(key, gv)))
			continue;
		oa_collect(&s, res[i].type);
		oa_collect(&s, res[i].list);
	}
	for (size_t i = 0; i < sch_ntypes; i++)
		if (!gv || (sch_types[i]->kind && (!strcmp(sch_types[i]->kind, "DeleteOptions") ||
						   !strcmp(sch_types[i]->kind, "Status"))))
			oa_collect(&s, sch_types[i]);
	if (s.oom) {
		free(s.t);
		return -ENOMEM;
	}
	qsort(s.t, s.n, sizeof(*s.t), oa_name_cmp);
	for (size_t i = 0; i < s.n; i++)
		cJSON_AddItemToObject(defs, s.t[i]->name, oa_def(o, s.t[i]));
	free(s.t);
	oa_prim_defs(o, defs);
	return 0;
}

static int oa_print(cJSON *doc, struct buf *out)
{
	char *s = cJSON_PrintUnformatted(doc);
	int rc;

	cJSON_Delete(doc);
	if (!s)
		return -ENOMEM;
	rc = buf_puts(out, s);
	free(s);
	return rc;
}

/* {"swagger": "2.0" or "openapi": "3.0.0", "info": {...}, "paths": {}} */
static cJSON *oa_doc(const char *key, const char *value, cJSON **paths)
{
	cJSON *doc = cJSON_CreateObject(), *info;

	cJSON_AddStringToObject(doc, key, value);
	info = cJSON_AddObjectToObject(doc, "info");
	cJSON_AddStringToObject(info, "title", "Kubernetes");
	cJSON_AddStringToObject(info, "version", SCH_OPENAPI_VERSION);
	*paths = cJSON_AddObjectToObject(doc, "paths");
	return doc;
}

static cJSON *oa_v2_doc(const struct sch_resource *res, size_t n, int *rc)
{
	static const struct oa o = {.v3 = false, .refp = "#/definitions/"};
	cJSON *paths, *doc = oa_doc("swagger", "2.0", &paths);

	*rc = 0;
	for (size_t i = 0; i < n; i++) {
		if (!res[i].type) {
			*rc = -EINVAL;
			break;
		}
		oa_resource_paths(&o, &res[i], paths);
	}
	if (!*rc)
		*rc = oa_defs(&o, NULL, res, n, cJSON_AddObjectToObject(doc, "definitions"));
	if (*rc) {
		cJSON_Delete(doc);
		return NULL;
	}
	return doc;
}

int sch_openapi_v2_json(const struct sch_resource *res, size_t n, struct buf *out)
{
	int rc;
	cJSON *doc = oa_v2_doc(res, n, &rc);

	return doc ? oa_print(doc, out) : rc;
}

int sch_openapi_v2(const struct sch_resource *res, size_t n, struct buf *out)
{
	int rc;
	cJSON *doc = oa_v2_doc(res, n, &rc);

	if (!doc)
		return rc;
	rc = sch_openapi_pb_document(doc, out);
	cJSON_Delete(doc);
	return rc;
}

/* FNV-1a, 64 bits, as 16 upper-case hex digits: the index names each
 * document by a hash of its bytes, so clients may cache it. */
static void oa_hash(const char *s, size_t n, char *hex)
{
	uint64_t h = 1469598103934665603ull;

	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ull;
	}
	snprintf(hex, 17, "%016llX", (unsigned long long)h);
}

int sch_openapi_v3_gv(const char *gv, const struct sch_resource *res, size_t n, struct buf *out,
		      char *hash)
{
	static const struct oa o = {.v3 = true, .refp = "#/components/schemas/"};
	cJSON *doc, *paths;
	size_t start = out->len;
	bool any = false;
	char key[128];
	int rc;

	for (size_t i = 0; i < n && !any; i++)
		any = (oa_gv_key(&res[i], key, sizeof(key)), !strcmp(key, gv)) && res[i].type;
	if (!any)
		return -ENOENT;
	doc = oa_doc("openapi", "3.0.0", &paths);
	for (size_t i = 0; i < n; i++) {
		oa_gv_key(&res[i], key, sizeof(key));
		if (res[i].type && !strcmp(key, gv))
			oa_resource_paths(&o, &res[i], paths);
	}
	rc =
	    oa_defs(&o, gv, res, n,
		    cJSON_AddObjectToObject(cJSON_AddObjectToObject(doc, "components"), "schemas"));
	if (rc) {
		cJSON_Delete(doc);
		return rc;
	}
	if ((rc = oa_print(doc, out)))
		return rc;
	if (hash)
		oa_hash(out->p + start, out->len - start, hash);
	return 0;
}

int sch_openapi_v3_index(const struct sch_resource *res, size_t n, struct buf *out)
{
	cJSON *doc = cJSON_CreateObject(), *paths = cJSON_AddObjectToObject(doc, "paths");
	int rc = 0;

	for (size_t i = 0; i < n && !rc; i++) {
		struct buf tmp = {0};
		char key[128], hash[17], url[192];
		cJSON *e;

		oa_gv_key(&res[i], key, sizeof(key));
		if (!res[i].type || cJSON_GetObjectItem(paths, key))
			continue;
		rc = sch_openapi_v3_gv(key, res, n, &tmp, hash);
		buf_free(&tmp);
		if (rc)
			break;
		snprintf(url, sizeof(url), "/openapi/v3/%s?hash=%s", key, hash);
		e = cJSON_AddObjectToObject(paths, key);
		cJSON_AddStringToObject(e, "serverRelativeURL", url);
	}
	if (rc) {
		cJSON_Delete(doc);
		return rc;
	}
	return oa_print(doc, out);
}
