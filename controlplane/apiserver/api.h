/* api: the Kubernetes REST subset served by skiff-server (see
 * ../shared/k8s-api.md and docs/api.md). One struct api per server. */
#ifndef SKIFF_API_H
#define SKIFF_API_H

#include <stdbool.h>
#include <stdint.h>
#include <cjson/cJSON.h>
#include <ev.h>
#include "registry/alloc.h"
#include "http/http.h"
#include "json_path.h"
#include "registry/resource.h"
#include "store/store.h"
#include "auth/auth.h"

struct api_watch;
struct audit;

struct api_config {
	const char *advertise; /* "127.0.0.1:6443", for /api serverAddress */
	const char *cluster_domain;
	const char *cluster_dns; /* kube-dns ClusterIP */
	const char *api_ip;	 /* the kubernetes Service endpoint address */
	int api_port;
	const char *issuer;	  /* ServiceAccount token issuer and audience */
	const char *cluster_cidr; /* --cluster-cidr: a /24 of it per Node (spec.podCIDR) */
	bool anonymous_plain;	  /* plain HTTP without a token is allowed (tests) */
	size_t max_body;
	size_t max_object;	   /* largest object a write may store; 0 = max_body */
	int watch_buffer_max;	   /* bytes one watcher may fall behind before it is closed */
	size_t watch_buffer_total; /* bytes all watchers together may hold */
};

struct api {
	struct ev_loop *loop;
	struct store *store;
	struct api_config cfg;
	struct res_alloc alloc;			/* ClusterIPs and NodePorts (registry/alloc.h) */
	char svc_cidr[64], node_port_range[32]; /* what alloc is rebuilt over */
	struct http_server *http;
	struct api_watch *watches; /* doubly linked list */
	int nwatches;
	uint64_t n_requests, n_errors, n_watch_closed_slow;
	bool trim_wanted; /* big buffers were freed: give the pages back (api.c) */
	ev_timer compact_timer;
	ev_timer bookmark_timer;
	/* Group commit of what the server itself wrote outside a request
	 * (controllers): the server's commit path (server.c). */
	void (*commit)(void *ud);
	void *commit_ud;
	/* who is asking and may they (auth/); the audit log (NULL: none) */
	struct auth *auth;
	struct audit *audit;
	const char *ca_pem;	   /* served at /cacerts (the join flow pins it by hash) */
	const char *kubelet_token; /* shown to kubelets (pods/log, api_logs.c) */
	/* /metrics text producer (server.c) */
	size_t (*metrics)(void *ud, char *buf, size_t len);
	void *metrics_ud;
};

/* A parsed request target. */
struct api_target {
	const struct res_type *rt;
	char ns[254];
	char name[254];
	char sub[16]; /* "", "status", "scale", "binding", "eviction", "token", "log" */
	bool has_ns, has_name;
	/* The user the request acts as (NULL: the server itself, whose
	 * writes skip identity-bound admission). */
	const struct auth_user *who;
};

/* --- authentication, authorization, admission (api_auth.c) --- */

struct api_auth_req {
	struct auth_user user; /* authenticated */
	struct auth_user imp;  /* impersonated (Impersonate-User) */
	bool authenticated, impersonated, allowed;
	struct auth_attrs at;
	char verb[16];	  /* a non-resource request's verb */
	char reason[256]; /* the authorizer's */
};
/* The request's credentials (and Impersonate-* headers) into ar: 0, or
 * -errno after answering 401 (bad credentials), 400 or 403
 * (impersonation). */
int api_authenticate(struct api *a, struct http_req *req, struct api_auth_req *ar);
/* The user the request acts as. */
const struct auth_user *api_auth_user(const struct api_auth_req *ar);
/* Upstream's RequestInfo of a routed request, or of a non-resource path
 * (whose verb is the lower-case method). */
const char *api_method_verb(struct http_req *req, char *buf, size_t len);
const char *api_request_verb(struct http_req *req, const struct api_target *t);
void api_attrs_resource(struct api_auth_req *ar, struct http_req *req, const struct api_target *t);
void api_attrs_path(struct api_auth_req *ar, struct http_req *req, const char *path);
/* true if allowed; else false after answering 403 in upstream's words. */
bool api_authorize(struct api *a, struct http_req *req, struct api_auth_req *ar);
/* Identity-bound admission of a write by t->who: 0, or -EPERM after a 403. */
int api_admit(struct api *a, struct http_req *req, const struct api_target *t, const char *verb,
	      const cJSON *obj, const cJSON *old);
void api_status_forbidden(struct http_req *req, const char *group, const char *resource,
			  const char *name, const char *msg);

/* --- review APIs, TokenRequest, the join flow (api_review.c, api_join.c) --- */

/* POST to a virtual resource (rt->review): obj is the decoded body. */
void api_review(struct api *a, struct http_req *req, const struct api_target *t, cJSON *obj);
/* POST serviceaccounts/<name>/token */
void api_token_request(struct api *a, struct http_req *req, const struct api_target *t);
/* GET pods/<name>/log: proxied to the pod's kubelet (api_logs.c) */
void api_pod_log(struct api *a, struct http_req *req, const struct api_target *t);
/* POST /skiff/v1/join with a bootstrap token (authorized as a path) */
void api_join(struct api *a, struct http_req *req, const struct auth_user *u);

/* Mutating admission that reads the store (api_admission.c), run on every
 * create before the type's defaults: DefaultStorageClass. */
void api_admit_create_defaults(struct api *a, const struct res_type *rt, cJSON *obj);

int api_init(struct api *a, struct ev_loop *loop, struct store *st, const char *svc_cidr,
	     const char *node_port_range, const struct api_config *cfg);
void api_fini(struct api *a);
/* http handler (server.c adds the group commit) */
void api_handle(void *ud, struct http_req *req);
/* Parse an /api or /apis path into a target: 0 or -ENOENT. */
int api_route(const char *path, struct api_target *t);
/* Is path `want`, or `want` with one trailing slash? */
bool api_path_is(const char *path, const char *want);

/* --- helpers shared by the api_*.c files --- */

/* A Kubernetes Status document (details may be NULL; it is consumed). */
cJSON *api_status_new(int code, const char *reason, const char *message, cJSON *details);
/* Reply with a Kubernetes Status. details may be NULL; it is consumed. */
void api_status(struct http_req *req, int code, const char *reason, const char *message,
		cJSON *details);
void api_status_notfound(struct http_req *req, const struct res_type *rt, const char *name);
void api_status_invalid(struct http_req *req, const struct res_type *rt, const char *name,
			const struct verrs *e);
/* 422 Invalid for an object that is not a served type (e.g. the request's
 * CreateOptions, group "meta.k8s.io"). */
void api_status_invalid_kind(struct http_req *req, const char *kind, const char *group,
			     const char *name, const struct verrs *e);
void api_reply_json(struct http_req *req, int code, const cJSON *obj);

/* --- request bodies and write limits (api_body.c) --- */

/* The body as JSON; `what` prefixes the 400 message ("error decoding
 * patch"). Bodies with a \u0000 escape are refused (400). NULL after
 * replying. */
cJSON *api_body_json(struct http_req *req, const char *what);
bool api_json_has_nul(const char *s, size_t n);
/* Is the body protobuf (application/vnd.kubernetes.protobuf)? */
bool api_body_is_protobuf(struct http_req *req);
/* The body of a write as a JSON object: JSON, or a protobuf body decoded by
 * the schema tables into the same object. Unknown and duplicate fields go
 * as the fieldValidation query says: Strict (kubectl 1.32's default) 400
 * with upstream's "strict decoding error: unknown field ..."; Warn (the
 * default) a `Warning: 299 - "..."` header each; Ignore nothing. Repeated
 * JSON keys then keep the last value, as Go's decoder does. api_version
 * and kind name the schema of a JSON body that does not say; options
 * names the options kind of a 422 for a bad fieldValidation value
 * ("CreateOptions"; NULL: the request takes no fieldValidation, and what
 * is found is warned about). `what` prefixes a JSON syntax error's 400.
 * NULL after replying. */
cJSON *api_body_decode(struct api *a, struct http_req *req, const char *what,
		       const char *api_version, const char *kind, const char *options);
/* The same fieldValidation over an object built otherwise (a patch's
 * result): 0, or -EINVAL after replying. */
int api_body_fields(struct http_req *req, cJSON *obj, const char *options);
/* The dryRun query option: 0 (with *dry set), or -EINVAL after a 422 naming
 * options_kind ("CreateOptions", "UpdateOptions", "PatchOptions",
 * "DeleteOptions"). */
int api_dry_run(struct http_req *req, const char *options_kind, bool *dry);
/* Largest serialized object a write may produce (bytes). */
size_t api_max_object(const struct api *a);
/* Serialize within the limit: the text, or NULL with *err -E2BIG/-ENOMEM. */
char *api_serialize(struct api *a, const cJSON *obj, int *err);
/* 0 or -E2BIG: would obj fit? (dry runs check what a write would check) */
int api_check_size(struct api *a, const cJSON *obj);
/* 413 RequestEntityTooLarge with the limit. */
void api_status_too_large(struct http_req *req, struct api *a);
/* The Status for a failed store write: 409 (-ESTALE), 413 (-E2BIG), 500. */
void api_status_store_err(struct api *a, struct http_req *req, const struct res_type *rt,
			  const char *name, int64_t err);

/* Store key for an object: "/registry/services/ns/name". */
void api_key(char *buf, size_t len, const struct res_type *rt, const char *ns, const char *name);
/* Key prefix for a collection: "/registry/services/" or ".../ns/". */
void api_prefix(char *buf, size_t len, const struct res_type *rt, const char *ns);

/* selectors (api_list.c): parse the request's label/field selectors;
 * replies 400 and returns -EINVAL on a bad one. */
struct selector;
int api_selectors(struct http_req *req, const struct res_type *rt, struct selector **ls,
		  struct selector **fs);
bool api_match(const struct selector *ls, const struct selector *fs, const cJSON *obj);
/* 504 "Too large resource version" (upstream's storage error), with a
 * one-second retry hint, for a list or watch from ahead of the store. */
void api_status_rv_too_large(struct http_req *req, int64_t rv, int64_t current);
/* The request's resourceVersion (0 if absent); replies 400 on a bad one. */
int api_parse_rv(struct http_req *req, int64_t *out);

/* paging (api_page.c): a list's limit and continue options */
struct api_page {
	size_t limit; /* 0: everything */
	int64_t rev;  /* the revision every page lists */
	char *start;  /* the first key (malloc'ed), NULL: the prefix's first */
	char *rel;    /* start without the prefix, as the token holds it */
	bool after;   /* start itself excluded (the token's trailing NUL) */
	bool token;   /* a continue token was given */
};
/* Parse limit, continue and their combination with resourceVersion for a
 * list of the key prefix; replies 400 and returns -EINVAL on a bad one. */
int api_page_parse(struct api *a, struct http_req *req, const char *prefix, struct api_page *pg);
void api_page_free(struct api_page *pg);
/* The opaque continue token: start is relative to the list's prefix. */
char *api_continue_encode(const char *rel, bool after, int64_t rv);
/* 410 Expired for a token older than the retained history, with a fresh
 * token (same start, latest revision) in the Status' metadata.continue. */
void api_status_continue_expired(struct http_req *req, const struct api_page *pg);

/* CRUD (api_crud.c) */
/* Stamp the next revision as metadata.resourceVersion, serialize and store
 * (create, or update if expected_rev matches; 0 = unconditional). Returns
 * the revision or -errno: -E2BIG when the object is over api_max_object();
 * a backend failure surfaces at the batch's commit (server.c answers 500). */
int64_t api_put(struct api *a, const char *key, cJSON *obj, int64_t expected_rev, bool create);
/* 409 Conflict: the object has been modified. */
void api_status_conflict(struct http_req *req, const struct res_type *rt, const char *name);
/* The stored object of the target, parsed (NULL if missing: *kvp is NULL). */
cJSON *api_load(struct api *a, const struct api_target *t, const struct store_kv **kvp);
/* The same, or NULL after answering 404 (missing) or 500 (does not parse). */
cJSON *api_load_or_reply(struct api *a, struct http_req *req, const struct api_target *t,
			 const struct store_kv **kvp);
void api_get(struct api *a, struct http_req *req, const struct api_target *t);
void api_list(struct api *a, struct http_req *req, const struct api_target *t);
void api_create(struct api *a, struct http_req *req, const struct api_target *t);
struct api_fields;
/* The create and update tails behind POST, PUT, PATCH and apply: obj is the
 * object to create (consumed) or the proposed new state of old; f says who
 * writes (api_fields_track). They answer the request. */
void api_create_from(struct api *a, struct http_req *req, const struct api_target *t, cJSON *obj,
		     bool dry, const struct api_fields *f);
void api_update_obj(struct api *a, struct http_req *req, const struct api_target *t, cJSON *obj,
		    cJSON *old, int64_t old_rev, bool dry, const struct api_fields *f);
/* obj with kind and apiVersion (the type's) as its first members; obj is
 * consumed. */
cJSON *api_typemeta_first(cJSON *obj, const struct res_type *rt);
void api_update(struct api *a, struct http_req *req, const struct api_target *t);
void api_patch(struct api *a, struct http_req *req, const struct api_target *t);
void api_delete(struct api *a, struct http_req *req, const struct api_target *t);
/* DeleteOptions of a DELETE: the dryRun query option and the body's
 * dryRun; *opts is the parsed body (NULL if none; the caller frees it).
 * Returns 0, or -EINVAL after replying. */
int api_delete_opts_parse(struct api *a, struct http_req *req, cJSON **opts, bool *dry);
/* DELETE on a collection (api_collection.c) */
void api_delete_collection(struct api *a, struct http_req *req, const struct api_target *t);
void api_scale(struct api *a, struct http_req *req, const struct api_target *t);
void api_binding(struct api *a, struct http_req *req, const struct api_target *t);
/* The bind behind POST pods/{name}/binding, for the scheduler too:
 * spec.nodeName set (once) and the PodScheduled condition True, as
 * upstream's BindingREST. Returns the revision (dry: 0) or -errno with msg
 * in upstream's words: -ENOENT, -EEXIST (already assigned), -EIO (corrupt),
 * a store error. Commits with the batch. */
int64_t api_pod_bind(struct api *a, const struct res_type *rt, const char *ns, const char *name,
		     const char *node, bool dry, char *msg, size_t msglen);
/* POST pods/{name}/eviction: policy/v1 Eviction, the pod deleted with the
 * Eviction's deleteOptions; 201 with a Success Status. */
void api_eviction(struct api *a, struct http_req *req, const struct api_target *t);
/* Check DeleteOptions (opts may be NULL) against the stored object: its
 * dryRun (sets *dry) and preconditions (409). 0, or -EINVAL after
 * replying. */
int api_delete_opts_check(struct http_req *req, const struct res_type *rt, const char *name,
			  const struct store_kv *kv, const cJSON *old, const cJSON *opts,
			  bool *dry);

/* Write paths shared with bootstrap/controllers: validated, stamped and
 * stored like an API request. On error, fills *code/msg (if non-NULL). */
/* Delete through the pipeline (hooks, allocations released). With mark, a
 * type's delete_mark may keep the object, changed (0 is returned: a
 * Terminating namespace), and a pod on a node is deleted gracefully (its
 * own grace period; its kubelet removes it once stopped). Without mark it
 * goes at once. Returns the deletion revision, 0, -ENOENT, or another
 * -errno. */
int64_t api_store_delete(struct api *a, const struct res_type *rt, const char *ns, const char *name,
			 bool mark);
/* DeleteOptions.propagationPolicy values and the garbage collector's
 * finalizers (ctrl_gc.c removes them). */
#define API_DELETE_FOREGROUND	 "Foreground"
#define API_DELETE_BACKGROUND	 "Background"
#define API_DELETE_ORPHAN	 "Orphan"
#define API_FINALIZER_FOREGROUND "foregroundDeletion"
#define API_FINALIZER_ORPHAN	 "orphan"
/* The same with a propagation policy: NULL is api_store_delete without
 * mark, "" or Background with it; Foreground and Orphan (on a type
 * without delete_mark) keep the object with a deletionTimestamp and the
 * policy's finalizer (0 is returned), for the garbage collector. */
int64_t api_store_delete_policy(struct api *a, const struct res_type *rt, const char *ns,
				const char *name, const char *policy);
/* DeleteOptions.gracePeriodSeconds: given, and its value. */
struct api_grace {
	bool given;
	long long seconds;
};
/* DeleteOptions.gracePeriodSeconds (opts', else the query's) into *g: 0,
 * or -EINVAL after a 400 for one that is not an integer. */
int api_delete_grace_opt(struct http_req *req, const cJSON *opts, struct api_grace *g);
/* The same with a grace period (NULL: the type's default): for a type
 * with delete_grace (pods) and policy non-NULL, a first deletion with a
 * period keeps the object with a deletionTimestamp that far ahead (0 is
 * returned), a later one may only shorten it, and grace 0 removes it. */
int64_t api_store_delete_grace(struct api *a, const struct res_type *rt, const char *ns,
			       const char *name, const char *policy, const struct api_grace *g);
int api_store_create(struct api *a, const struct res_type *rt, const char *ns, cJSON *obj,
		     int *code, char *msg, size_t msglen);
/* Update (sub "") or update the status (sub "status") of the stored
 * object named by obj's metadata.name, through the update pipeline as the
 * server (no resourceVersion needed: obj is taken as the new state; with
 * expected_rev non-zero, a stored object at another revision is a -ESTALE
 * conflict). obj is changed (stamped), not consumed. Returns the new
 * revision, 0 when nothing changed, or -errno with *code/msg (if msg) set:
 * -ENOENT 404, -ESTALE 409, -EINVAL 422 naming the field, -EPROTO 400. */
int64_t api_store_update(struct api *a, const struct res_type *rt, const char *ns, const char *sub,
			 cJSON *obj, int64_t expected_rev, int *code, char *msg, size_t msglen);

/* field managers and server-side apply (api_apply.c) */
/* Who a write is: the fieldManager query option, else the product of the
 * User-Agent ("kubectl" of "kubectl/v1.32.0 (linux/amd64)"), as upstream. */
struct api_fields {
	const char *manager;
	const char *sub; /* "" or "status" */
	bool apply;	 /* an apply: its entries are in applied already */
	cJSON *applied;	 /* (apply) the managedFields to store, or NULL: none */
	char manager_buf[129];
};
void api_fields_from_req(struct api_fields *f, struct http_req *req, const struct api_target *t);
/* The write pipeline's ownership step, after defaults and validation: obj's
 * metadata.managedFields become old's (NULL on create) with this write's
 * Update entry, or an apply's entries. 0, -E2BIG, -ENOMEM. */
int api_fields_track(const struct res_type *rt, const struct api_fields *f, const cJSON *old,
		     cJSON *obj);
/* Is the request a server-side apply (Content-Type
 * application/apply-patch+yaml)? */
bool api_is_apply(struct http_req *req);
/* The write options fieldManager (required by apply; at most 128
 * printable bytes) and force (apply only), as upstream validates
 * options_kind ("CreateOptions", "UpdateOptions", "PatchOptions"): 0, or
 * -EINVAL after a 422 naming it. */
int api_write_options(struct http_req *req, const char *options_kind, bool apply);
/* PATCH with application/apply-patch+yaml: merge, conflicts, create. */
void api_apply(struct api *a, struct http_req *req, const struct api_target *t);

/* watch (api_watch.c) */
struct api_media; /* below */
void api_watch(struct api *a, struct http_req *req, const struct api_target *t,
	       const struct api_media *m);
void api_watch_on_event(void *ud, const struct store_event *ev);
void api_watch_bookmarks(struct api *a);
/* Unsent bytes queued on all watch streams, and on the fullest one. */
void api_watch_stats(const struct api *a, size_t *total, size_t *max);
/* Wake idle watch streams so closed clients are noticed. */
void api_watch_poke(struct api *a);

/* discovery (api_discovery.c): returns true if it answered */
bool api_discovery(struct api *a, struct http_req *req, const char *path);
/* /openapi/v2, /swagger-2.0.0.pb-v1, /openapi/v3[/<gv>] (api_openapi.c):
 * true if it answered */
bool api_openapi(struct api *a, struct http_req *req, const char *path);

/* What a read answers with (api_accept.c): the objects, a meta.k8s.io
 * Table, or their metadata alone (PartialObjectMetadata[List]). */
enum api_view { API_VIEW_OBJECT, API_VIEW_TABLE, API_VIEW_PARTIAL };
enum api_read { API_READ_GET, API_READ_LIST, API_READ_WATCH };
struct api_media {
	enum api_view view;
	const char *meta_gv; /* TABLE/PARTIAL: "meta.k8s.io/v1" or ".../v1beta1" */
};
/* The first range of the Accept header this read can be answered with,
 * into m (none: the objects). 0, or -1 after a 406 (every range asks for
 * a conversion not done here). */
int api_accept(struct http_req *req, enum api_read read, struct api_media *m);
/* obj's metadata as a PartialObjectMetadata of meta_gv. */
cJSON *api_partial(const cJSON *obj, const char *meta_gv);

/* table (api_table.c) */
cJSON *api_table_new(const struct res_type *rt, bool with_columns);
void api_table_add_row(cJSON *table, const struct res_type *rt, const cJSON *obj, time_t now);

/* Commit what was written outside a request (controllers), as a batch of
 * requests is committed. */
void api_commit(struct api *a);

/* allocation (api.c) */
/* Reserve what every stored object holds (the types' reserve hooks), into
 * freshly initialised allocators: at start and after a failed commit. */
int api_alloc_rebuild(struct api *a);

/* metadata (api_status.c) */
void api_meta_stamp_create(cJSON *obj, const struct res_type *rt, const char *ns);
void api_meta_gen_uid(char out[37]);
void api_meta_now(char out[32]);
bool api_parse_bool(const char *s);

#endif
