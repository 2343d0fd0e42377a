/* resource: the table of API resources the server serves, and for each its
 * defaulting, validation and Table (kubectl get) rendering.
 *
 * The API layer (api_*.c) stamps metadata, allocates ClusterIPs/NodePorts,
 * checks resourceVersions and stores; everything type-specific lives behind
 * a struct res_type (res_*.c, one file per resource family).
 */
#ifndef SKIFF_RESOURCE_H
#define SKIFF_RESOURCE_H

#include <stdbool.h>
#include <time.h>
#include <cjson/cJSON.h>
#include "alloc.h"
#include "verrs.h"

struct api;
struct api_target;

struct res_type {
	const char *plural;	 /* URL name: "services" */
	const char *singular;	 /* "service" */
	const char *kind;	 /* "Service" */
	const char *list_kind;	 /* "ServiceList" */
	const char *group;	 /* "" (core), "apps", "discovery.k8s.io" */
	const char *version;	 /* "v1" */
	const char *api_version; /* "v1", "apps/v1", "discovery.k8s.io/v1" */
	bool namespaced;
	const char *short_names[4]; /* NULL-terminated */
	bool all_category;	    /* listed in `kubectl get all` */
	bool has_status;	    /* /status subresource */
	bool has_scale;		    /* /scale subresource (apps) */
	bool has_binding;	    /* /binding subresource (pods: the scheduler's bind) */
	bool has_eviction;	    /* /eviction subresource (pods: policy/v1 Eviction) */
	bool has_token;		    /* /token subresource (serviceaccounts: TokenRequest) */
	bool has_log;		    /* /log subresource (pods: proxied to the kubelet) */
	bool no_deletecollection;   /* no DELETE on the collection (namespaces, as upstream) */
	bool unconditional_update;  /* PUT without resourceVersion allowed */
	bool delete_returns_object; /* DELETE answers the object (Service, Pod) */
	bool has_generation;	    /* metadata.generation bumped on spec change */
	/* /scale reads spec.selector as a plain label map (ReplicationController)
	 * rather than a LabelSelector's matchLabels. */
	bool scale_selector_map;
	/* Extra field selectors beyond metadata.name/namespace; NULL-terminated. */
	const char *const *field_selectors;

	/* Decode a written object from its wire form, before defaulting
	 * (upstream's JSON decoding and conversion): check encoded fields
	 * ([]byte values are base64) and fold write-only fields in (a
	 * Secret's stringData). 0, or -EINVAL with msg set to the decoder's
	 * error, answered 400 "<Kind> in version ... cannot be handled as a
	 * <Kind>: msg". NULL: nothing to decode. */
	int (*decode)(cJSON *obj, char *msg, size_t len);
	/* Fill defaults in place (on create and after every update/patch). */
	void (*defaults)(cJSON *obj);
	/* Mutating admission on create only (kube-apiserver's admission
	 * plugins that add to a new object: DefaultTolerationSeconds), after
	 * defaults and before validation, dry runs included. */
	void (*admit_create)(cJSON *obj);
	/* Validate; old is NULL on create. Immutable-field checks use old. */
	void (*validate)(const cJSON *obj, const cJSON *old, struct verrs *e);
	/* Table: column definitions (array) and one row's cells (array). */
	cJSON *(*table_columns)(void);
	cJSON *(*table_cells)(const cJSON *obj, time_t now);

	/* The type's strategy (kube-apiserver's strategy.go): the generic
	 * pipeline calls these and never names a type. NULL: nothing to do. */
	/* Update, before defaulting: keep what the server set and the client
	 * left out (a Service's clusterIP). */
	void (*prepare_update)(cJSON *obj, const cJSON *old);
	/* After validation: reserve what obj needs that old (NULL on create)
	 * does not hold, filling obj in (a chosen ClusterIP). 0, or -errno with
	 * e filled and nothing kept. */
	int (*allocate)(struct res_alloc *ra, cJSON *obj, const cJSON *old, struct verrs *e);
	/* Give back what obj holds that keep (may be NULL) does not. */
	void (*release)(struct res_alloc *ra, const cJSON *obj, const cJSON *keep);
	/* At start: reserve what a stored object holds (key names it in logs). */
	void (*reserve)(struct res_alloc *ra, const cJSON *obj, const char *key);
	/* Delete: why this object may not be deleted (403 Forbidden), or NULL. */
	const char *(*delete_forbidden)(const cJSON *obj);
	/* Delete: instead of removing obj now, mark it (a Namespace becomes
	 * Terminating and its controller removes it once emptied). Returns true
	 * if obj was changed and is to be stored instead of deleted. now is
	 * the RFC 3339 time. */
	bool (*delete_mark)(cJSON *obj, const char *now);
	/* Delete: graceful deletion, as the type's CheckGracefulDelete: the
	 * seconds obj is given to stop before it is removed (0: removed at
	 * once), from DeleteOptions.gracePeriodSeconds when given (requested,
	 * a negative one already made 1) and the object's own default when
	 * not. The generic pipeline then keeps obj with a deletionTimestamp
	 * that far ahead, until a second delete with grace 0 (the kubelet's,
	 * once the pod stopped). NULL: always removed at once. */
	long long (*delete_grace)(const cJSON *obj, bool given, long long requested);

	/* Views: one stored object served under several group/versions (the
	 * way kube-apiserver converts autoscaling/v1 and /v2, or core and
	 * events.k8s.io Events, through one internal type). A view names the
	 * type it is stored as; its objects live under storage's keys, and
	 * storage's hooks (defaults, validate, Table, allocation, delete) run
	 * on the stored form. The API layer converts what it reads (get, list,
	 * watch events, the answers of writes) with from_storage, and what it
	 * is given (create, update, and patch results, patches applying to the
	 * view form) with to_storage; res_view/res_unview also set kind and
	 * apiVersion. Field selectors are storage's (they match the stored
	 * form). validate, if a view sets it, checks the view
	 * form (old: the view of the stored object) before conversion. NULL
	 * storage: the type is stored as itself. */
	const struct res_type *storage;

	/* A virtual resource (the review APIs: kube-apiserver's create-only
	 * storage): only POST is served and nothing is stored; the request's
	 * object is answered (201) as review fills in its status. 0, or
	 * -EINVAL with e filled (422). */
	int (*review)(struct api *a, const struct api_target *t, cJSON *obj, struct verrs *e);
	void (*to_storage)(cJSON *obj);
	void (*from_storage)(cJSON *obj);
};

/* The type rt's objects are stored as (rt itself unless it is a view). */
const struct res_type *res_stored(const struct res_type *rt);
/* Convert a stored object to rt's view, in place (nothing unless a view). */
void res_view(const struct res_type *rt, cJSON *obj);
/* Convert an object of rt's view to the stored form, in place. */
void res_unview(const struct res_type *rt, cJSON *obj);
/* A stored object's JSON text as rt's view: malloc'd, NULL if it does not
 * parse or memory runs out. */
char *res_view_text(const struct res_type *rt, const char *stored);

/* Service allocation hooks (res_service_alloc.c). */
int res_svc_allocate(struct res_alloc *ra, cJSON *svc, const cJSON *old, struct verrs *e);
void res_svc_release(struct res_alloc *ra, const cJSON *svc, const cJSON *keep);
void res_svc_reserve(struct res_alloc *ra, const cJSON *svc, const char *key);
/* Node pod CIDR hooks (res_node_alloc.c). */
int res_node_allocate(struct res_alloc *ra, cJSON *node, const cJSON *old, struct verrs *e);
void res_node_release(struct res_alloc *ra, const cJSON *node, const cJSON *keep);
void res_node_reserve(struct res_alloc *ra, const cJSON *node, const char *key);
void res_node_prepare_update(cJSON *node, const cJSON *old);

extern const struct res_type *const res_types[];
extern const int res_ntypes;

/* Look up by group ("" for core), version and plural. NULL if unknown. */
const struct res_type *res_lookup(const char *group, const char *version, const char *plural);
/* Look up by apiVersion ("v1", "apps/v1", ...) and kind ("Service"). */
const struct res_type *res_lookup_kind(const char *api_version, const char *kind);

/* Qualified resource name used in messages: "services", "deployments.apps",
 * "endpointslices.discovery.k8s.io". Returns a static string. */
const char *res_qualified(const struct res_type *rt);

/* kubectl's HumanDuration for the Age column. buf >= 16 bytes. */
void res_age(time_t created, time_t now, char *buf, size_t len);
/* Parse RFC 3339 "2021-01-13T13:20:00Z"; returns 0 on failure. */
time_t res_parse_time(const char *s);
/* DefaultTolerationSeconds (kube-apiserver's
 * --default-not-ready-toleration-seconds and
 * --default-unreachable-toleration-seconds, 300 each unless set): the
 * tolerationSeconds of the not-ready and unreachable NoExecute
 * tolerations a new pod is given; a negative value keeps the current. */
void res_pod_set_toleration_seconds(long long not_ready, long long unreachable);

/* Name validation (upstream messages). Return NULL if valid, else the
 * message detail, e.g. "a lowercase RFC 1123 label must consist of ...". */
const char *res_dns1123_label(const char *s);
const char *res_dns1123_subdomain(const char *s);
const char *res_dns1035_label(const char *s);

#endif
