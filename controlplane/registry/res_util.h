/* res_util: helpers shared by the res_*.c resource families: typed JSON
 * access that reports wrong types as 422 causes, Go-style value printing for
 * messages, upstream name/label/port checks, label selectors, and Table
 * column/cell builders. Private to the resource layer. */
#ifndef SKIFF_RES_UTIL_H
#define SKIFF_RES_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>
#include <cjson/cJSON.h>
#include "json_path.h"
#include "resource.h"
#include "verrs.h"

/* A field path buffer, the size of struct verr.field. */
#define RES_PATH 192
/* Format a field path into buf (RES_PATH bytes, truncating); returns buf. */
char *res_pathf(char *buf, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A Go-formatted value buffer for messages. */
#define RES_VAL 200

/* ---- JSON access (JSON null counts as absent, like Go's decoder) ---- */
const cJSON *res_get(const cJSON *o, const char *key);
/* json_at/json_str (json_path.h) look up dotted paths. */
/* Integer at a dotted path; false when absent or not an integral number. */
bool res_int(const cJSON *o, const char *dotted, long long *out);
bool res_is_int(const cJSON *v);
/* v when it is an array, else NULL: for cJSON_ArrayForEach, which would
 * otherwise walk an object's members. */
#define RES_ARR(v) (cJSON_IsArray(v) ? (v) : NULL)

/* JSON types expected by the schema. RES_INTSTR is IntOrString. */
enum res_jt { RES_STR, RES_INT, RES_BOOL, RES_OBJ, RES_ARR, RES_INTSTR, RES_STRMAP };

/* Returns parent[key] if present with type t. Absent/null → NULL, no error.
 * Wrong type → NULL and an Invalid cause at path ("must be an integer"). */
const cJSON *res_typed(const cJSON *parent, const char *key, const char *path, enum res_jt t,
		       struct verrs *e);
/* The same check on an item already in hand (array elements). */
bool res_check_type(const cJSON *v, const char *path, enum res_jt t, struct verrs *e);

/* ---- defaulting helpers (never create through a wrong-typed value) ---- */
/* parent[key] as an object, created if absent/null; NULL if it has another type. */
cJSON *res_obj_child(cJSON *parent, const char *key);
/* Set parent[key] when absent, null or "" (Go's zero string). */
void res_default_str(cJSON *parent, const char *key, const char *val);
/* Set parent[key] when absent or null (pointer fields). */
void res_default_num(cJSON *parent, const char *key, double val);
/* Replace parent[key] with item (takes ownership). */
void res_set(cJSON *parent, const char *key, cJSON *item);

/* ---- Go value formatting for messages ---- */
/* %q of a string. */
void res_goquote(const char *s, char *buf, size_t len);
/* A JSON value as field.Error prints it: strings quoted, numbers bare,
 * anything else as compact JSON (truncated). */
void res_goval(const cJSON *v, char *buf, size_t len);
/* %#v of map[string]string: map[string]string{"a":"1", "b":"2"} (sorted keys). */
void res_gomap(const cJSON *map, char *buf, size_t len);
/* %#v of []string: []string{"a", "b"}. */
void res_gostrs(const cJSON *arr, char *buf, size_t len);

/* ---- names, labels, ports, IPs (upstream messages) ---- */
/* RES_PATH_SEGMENT: path.IsValidPathSegmentName (RBAC object names). */
enum res_name { RES_DNS1123_LABEL, RES_DNS1123_SUBDOMAIN, RES_DNS1035_LABEL, RES_PATH_SEGMENT };
/* One Invalid cause per failing rule (length, format), value quoted. */
void res_check_name(struct verrs *e, const char *field, const char *value, enum res_name kind);
void res_check_qualified_name(struct verrs *e, const char *field, const char *value);
void res_check_label_value(struct verrs *e, const char *field, const char *value);
/* map[string]string with qualified-name keys and label values. */
void res_validate_labels(const cJSON *labels, const char *path, struct verrs *e);
void res_validate_annotations(const cJSON *ann, const char *path, struct verrs *e);
/* ObjectMeta: name required/valid per kind, labels, annotations; on update
 * (old != NULL) name and namespace are immutable. */
void res_validate_meta(const cJSON *obj, const cJSON *old, enum res_name kind, struct verrs *e);

/* "must be between 1 and 65535, inclusive" when out of range. */
void res_check_port_num(struct verrs *e, const char *field, long long port);
/* IANA_SVC_NAME (validation.IsValidPortName); one cause per failing rule. */
void res_check_port_name(struct verrs *e, const char *field, const char *name);
/* Required / Unsupported value ("SCTP", "TCP", "UDP"). */
void res_check_protocol(struct verrs *e, const char *field, const cJSON *proto);
extern const char *const res_protocols[];
/* 4, 6, or 0 when s is not an IP address (net.ParseIP rules). */
int res_ip_family(const char *s);
#define RES_IP_MSG "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"
/* ValidateEndpointIP (Endpoints and EndpointSlice addresses): one Invalid
 * cause per special range the address is in (unspecified, loopback unless
 * allow_loopback, link-local, link-local multicast) and, beyond upstream,
 * the IPv4 limited broadcast. ip must parse (res_ip_family != 0). */
void res_check_endpoint_ip(struct verrs *e, const char *field, const char *ip, bool allow_loopback);

/* ---- duplicates in O(n log n) (lists may hold thousands of items) ---- */
struct res_key {
	const char *s; /* compared first (never NULL) */
	long long n;   /* then this */
	int idx;       /* position in the list */
};
/* Sorts keys[0..n) and sets dup[idx] for every key equal (s, n) to one
 * with a smaller idx: the ones upstream's in-order set check reports. */
void res_mark_dups(struct res_key *keys, int n, bool *dup);

/* ---- metav1.LabelSelector ---- */
void res_validate_label_selector(const cJSON *sel, const char *path, struct verrs *e);
/* true when sel has no matchLabels and no matchExpressions. */
bool res_selector_empty(const cJSON *sel);
/* false when a requirement is malformed (LabelSelectorAsSelector error). */
bool res_selector_ok(const cJSON *sel);
bool res_selector_matches(const cJSON *sel, const cJSON *labels);
/* selector.String(): "app=web,tier in (a,b)", sorted by key; malloc'd. */
char *res_selector_string(const cJSON *sel);

/* ---- Table ---- */
struct res_col {
	const char *name;
	const char *type;   /* "string" or "integer" */
	const char *format; /* "name" for the Name column, else "" */
	int priority;	    /* 0 always shown, 1 with -o wide */
	const char *desc;
};
cJSON *res_columns(const struct res_col *cols, int n);
void res_cell_str(cJSON *cells, const char *s);
void res_cell_int(cJSON *cells, long long v);
/* Age of metadata.creationTimestamp, "<unknown>" when missing. */
void res_cell_age(cJSON *cells, const cJSON *obj, time_t now);
/* Containers and Images cells of a pod spec (names / images joined by ","). */
void res_cell_containers(cJSON *cells, const cJSON *podspec);
/* Join strings: a growing buffer (open_memstream). */
struct res_join {
	char *buf;
	size_t len;
	void *f;
	int n;
};
void res_join_init(struct res_join *j);
void res_join_add(struct res_join *j, const char *sep, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Returns the malloc'd string (never NULL unless out of memory). */
char *res_join_done(struct res_join *j);

/* Common column descriptions (upstream ObjectMeta swagger docs, shortened). */
#define RES_DESC_NAME                                                                              \
	"Name must be unique within a namespace. Is required when creating resources, although "   \
	"some resources may allow a client to request the generation of an appropriate name "      \
	"automatically. Name is primarily intended for creation idempotence and configuration "    \
	"definition. Cannot be updated. More info: "                                               \
	"http://kubernetes.io/docs/user-guide/identifiers#names"
#define RES_DESC_AGE                                                                               \
	"CreationTimestamp is a timestamp representing the server time when this object was "      \
	"created. It is not guaranteed to be set in happens-before order across separate "         \
	"operations. Clients may not set this value. It is represented in RFC3339 form and is in " \
	"UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: "                  \
	"https://git.k8s.io/community/contributors/devel/sig-architecture/"                        \
	"api-conventions.md#metadata"

/* ---- workloads (res_apps.c), shared with batch and core controllers ---- */
/* %#v of a metav1.LabelSelector (the value field.Error prints). */
void res_goselector(const cJSON *sel, char *buf, size_t len);
/* o[key] an integer >= 0 ("must be greater than or equal to 0"). */
void res_nonneg(const cJSON *o, const char *key, const char *path, struct verrs *e);
/* ValidatePodTemplateSpecFor{ReplicaSet,RC}: spec.template against the
 * LabelSelector sel, restartPolicy Always, no activeDeadlineSeconds. */
void res_apps_template(const cJSON *spec, const cJSON *sel, const char *kind, struct verrs *e);
/* Selector cell: selector.String(), "<invalid>" when malformed. */
void res_cell_selector(cJSON *cells, const cJSON *sel);

/* ---- resource.Quantity (res_core_more.c) ---- */
/* The value of a quantity string ("100m" = 0.1); false if malformed. */
bool res_quantity(const char *s, double *out);
/* v a string matching the quantity grammar, else an Invalid cause with
 * upstream's regular-expression message; returns whether it is one. */
bool res_check_quantity(struct verrs *e, const char *field, const cJSON *v);

/* ---- pod spec (res_podspec.c), shared by pods and workload templates ---- */
void res_podspec_defaults(cJSON *spec);
/* DefaultTolerationSeconds admission on a new pod's spec. */
void res_podspec_default_tolerations(cJSON *spec);
void res_podspec_validate(const cJSON *spec, const char *path, struct verrs *e);

#endif
