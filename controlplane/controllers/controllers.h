/* controllers: reconcilers that run inside skiff-server (client-go's
 * pattern): an informer keeps a cache of one resource from the store and
 * reports changes through the same struct informer_ops as lib/informer.h
 * (so a controller can later run out of process on the HTTP informer); a
 * work queue holds the keys that need a look, deduplicated, and retries a
 * failed key with exponential back-off; the reconcile function reads the
 * cache and writes the difference through the API server's own pipeline
 * (validation, hooks, allocations), which commits like a request.
 */
#ifndef SKIFF_CONTROLLERS_H
#define SKIFF_CONTROLLERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cjson/cJSON.h>
#include "informer.h"

struct ev_loop;
struct store;
struct api;

/* ---- in-process informer over the store (ctrl_informer.c) ---- */

struct ctrl_informer;

/* Cache every object whose store key starts with prefix
 * ("/registry/namespaces/"); keys given to ops are "namespace/name" or
 * "name", as lib/informer.h's. Nothing is read until ctrl_informer_start. */
struct ctrl_informer *ctrl_informer_new(struct store *st, const char *prefix,
					const struct informer_ops *ops, void *ud);
/* List (upsert for each object, then synced) and follow committed events.
 * 0 or -errno. */
int ctrl_informer_start(struct ctrl_informer *inf);
void ctrl_informer_free(struct ctrl_informer *inf);
/* The cached object of key, or NULL. */
const cJSON *ctrl_informer_get(const struct ctrl_informer *inf, const char *key);
void ctrl_informer_foreach(const struct ctrl_informer *inf,
			   void (*fn)(void *ud, const char *key, const cJSON *obj), void *ud);

/* ---- work queue (ctrl_queue.c) ---- */

struct ctrl_queue;

/* sync(ud, key) reconciles one key: 0 when done, a negative errno to be
 * retried after a back-off (5 ms doubling to 5 min per key, as client-go's
 * default rate limiter). after(ud) runs once after each round of syncs
 * (the controllers commit there). */
struct ctrl_queue *ctrl_queue_new(struct ev_loop *loop, int (*sync)(void *ud, const char *key),
				  void (*after)(void *ud), void *ud);
/* Queue key unless it is queued already; it is processed from the loop. */
int ctrl_queue_add(struct ctrl_queue *q, const char *key);
size_t ctrl_queue_len(const struct ctrl_queue *q);
/* Every period seconds, queue each key of inf whose cached object wanted()
 * accepts, so a key whose write was rolled back by a failed commit (no
 * event follows) is looked at again. Stopped by ctrl_queue_free. */
void ctrl_queue_resync(struct ctrl_queue *q, const struct ctrl_informer *inf, double period,
		       bool (*wanted)(const cJSON *obj));
void ctrl_queue_free(struct ctrl_queue *q);

/* ---- which controllers run (ctrl_enabled.c) ---- */

/* Every controller's name, as --controllers spells it (kube-controller-
 * manager's names; the scheduler is "scheduler"). */
#define CTRL_NAMES                                                                                 \
	"namespace", "serviceaccount", "clusterrole-aggregation", "scheduler", "endpointslice",    \
	    "endpoints", "replicaset", "deployment", "statefulset", "garbagecollector",            \
	    "nodelifecycle", "job", "persistentvolume-binder", "service-lb-controller"
/* --controllers: "*", "foo", "-foo", comma-separated. 0, or -EINVAL with
 * err naming the unknown entry. */
int ctrl_set_enabled(const char *spec, char *err, size_t elen);
bool ctrl_enabled(const char *name);

/* ---- leader election (ctrl_leader.c) ---- */

/* Campaign for the Lease kube-system/<name> (client-go's leaderelection,
 * kube-controller-manager's timings): on_lead when this server holds it
 * (possibly before ctrl_leader_start returns: a lone server leads at
 * once), on_lost when it could not renew it in time. */
struct ctrl_leader;
int ctrl_leader_start(struct api *a, struct ev_loop *loop, const char *name,
		      void (*on_lead)(void *ud), void (*on_lost)(void *ud), void *ud,
		      struct ctrl_leader **out);
bool ctrl_leader_leading(const struct ctrl_leader *l);
/* Stop campaigning; a held Lease is released (ReleaseOnCancel), written
 * but not committed: the caller commits (the server at shutdown). */
void ctrl_leader_stop(struct ctrl_leader *l);

/* ---- events (ctrl_event.c) ---- */

/* An event recorder for one component ("default-scheduler",
 * "replicaset-controller"): Events written through the API pipeline, the
 * same one again (same object, type, reason, message) within ten minutes
 * counted on the existing Event rather than repeated. */
struct ctrl_events;
struct ctrl_events *ctrl_events_new(struct api *a, const char *component);
void ctrl_events_free(struct ctrl_events *r);
/* Record an event about obj (its kind, name, namespace, uid, apiVersion
 * become the involvedObject); type "Normal" or "Warning"; reason
 * CamelCase ("FailedScheduling"). Best effort: a failure is only logged.
 * Committed with the controller's other writes (api_commit). */
void ctrl_event(struct ctrl_events *r, const cJSON *obj, const char *type, const char *reason,
		const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* ---- the controllers ---- */

/* Namespace: a Terminating namespace (or one deleted without finalizers)
 * loses everything in it, then the namespace itself is removed. */
struct ctrl_namespace;
int ctrl_namespace_start(struct api *a, struct ev_loop *loop, struct ctrl_namespace **out);
void ctrl_namespace_stop(struct ctrl_namespace *c);

/* ServiceAccount: every namespace not being deleted has a `default`
 * ServiceAccount, created with it and again when deleted. */
struct ctrl_serviceaccount;
int ctrl_serviceaccount_start(struct api *a, struct ev_loop *loop,
			      struct ctrl_serviceaccount **out);
void ctrl_serviceaccount_stop(struct ctrl_serviceaccount *c);

/* ClusterRole aggregation: the rules of a ClusterRole with
 * aggregationRule.clusterRoleSelectors are the union of those of every
 * other ClusterRole its selectors match. The stored aggregated roles are
 * filled before it returns (so the default admin/edit/view serve whole
 * from the first request), then kept so. */
struct ctrl_rbac_aggregate;
int ctrl_rbac_aggregate_start(struct api *a, struct ev_loop *loop,
			      struct ctrl_rbac_aggregate **out);
void ctrl_rbac_aggregate_stop(struct ctrl_rbac_aggregate *c);

/* ServiceLB (ctrl_servicelb.c): every Service of type LoadBalancer without
 * a loadBalancerClass gets an address of range ("FIRST-LAST" or a CIDR,
 * --loadbalancer-ip-range) in status.loadBalancer.ingress: its
 * spec.loadBalancerIP, else the lowest free one; Events IPAllocated and
 * AllocationFailed. */
struct ctrl_servicelb;
int ctrl_servicelb_start(struct api *a, struct ev_loop *loop, const char *range,
			 struct ctrl_servicelb **out);
void ctrl_servicelb_stop(struct ctrl_servicelb *c);
/* "172.30.5.96-172.30.5.127" (inclusive) or "172.30.5.96/27" (all but the
 * network and broadcast addresses; a /31 or /32 whole) into host-order
 * first and last. 0, or -EINVAL / -E2BIG (over 2^24 addresses) with why
 * saying what is wrong. */
int ctrl_servicelb_parse_range(const char *s, uint32_t *first, uint32_t *last, char *why,
			       size_t len);

/* ---- node lifecycle (ctrl_nodelifecycle.c) ---- */

/* Node lifecycle and taint eviction: a node not heard from (Lease
 * renewTime, Ready's lastHeartbeatTime) for grace seconds becomes
 * Ready=Unknown, its pods Ready=False, and it is tainted
 * node.kubernetes.io/unreachable:NoExecute (Ready=False:
 * node.kubernetes.io/not-ready), at most eviction_rate new taints per
 * second; pods that do not tolerate a NoExecute taint of their node are
 * deleted, at once or after their tolerationSeconds. */
struct ctrl_nodelifecycle_config {
	double grace;	      /* --node-monitor-grace-period, seconds (40) */
	double eviction_rate; /* --node-eviction-rate, nodes per second (0.1) */
};
struct ctrl_nodelifecycle;
int ctrl_nodelifecycle_start(struct api *a, struct ev_loop *loop,
			     const struct ctrl_nodelifecycle_config *cfg,
			     struct ctrl_nodelifecycle **out);
void ctrl_nodelifecycle_stop(struct ctrl_nodelifecycle *c);
/* ---- EndpointSlice and Endpoints (ctrl_endpointslice*.c, ctrl_endpoints.c) ---- */

/* EndpointSlice: every Service with a selector (not ExternalName) has
 * slices (labelled kubernetes.io/service-name and managed-by
 * endpointslice-controller.k8s.io, owned by the Service) of the IPv4
 * endpoints of the pods it selects, at most 100 a slice, one set of slices
 * per distinct resolved port list; written only when they differ. Slices
 * not labelled as managed by it are never touched. */
struct ctrl_endpointslice;
int ctrl_endpointslice_start(struct api *a, struct ev_loop *loop, struct ctrl_endpointslice **out);
void ctrl_endpointslice_stop(struct ctrl_endpointslice *c);

/* Endpoints: every Service with a selector has a core/v1 Endpoints of the
 * same name (addresses and notReadyAddresses per port set, labelled
 * skip-mirror); a deleted Service loses its Endpoints (but `kubernetes`,
 * which skiff-server writes itself). */
struct ctrl_endpoints;
int ctrl_endpoints_start(struct api *a, struct ev_loop *loop, struct ctrl_endpoints **out);
void ctrl_endpoints_stop(struct ctrl_endpoints *c);

/* What the two share (ctrl_endpointslice_index.c): Services and Pods by
 * namespace; a change queues "ns/service" keys on q. */
#define EPS_KEY		      254 /* a namespace or name with its NUL */
#define EPS_LABEL_SERVICE     "kubernetes.io/service-name"
#define EPS_LABEL_MANAGED_BY  "endpointslice.kubernetes.io/managed-by"
#define EPS_MANAGER	      "endpointslice-controller.k8s.io"
#define EPS_LABEL_HEADLESS    "service.kubernetes.io/headless"
#define EPS_LABEL_ZONE	      "topology.kubernetes.io/zone"
#define EPS_LABEL_SKIP_MIRROR "endpointslice.kubernetes.io/skip-mirror"
struct eps_index;
struct selector;
struct eps_index *eps_index_new(struct api *a, struct ctrl_queue *q);
int eps_index_start(struct eps_index *x);
void eps_index_free(struct eps_index *x);
const struct ctrl_informer *eps_index_services(const struct eps_index *x);
const struct ctrl_informer *eps_index_pods(const struct eps_index *x);
/* The parsed selector of Service key, NULL if it has none (or is
 * ExternalName, or is not there). */
const struct selector *eps_index_selector(const struct eps_index *x, const char *key);
/* fn for every pod of ns that sel matches. */
void eps_index_foreach_pod(const struct eps_index *x, const char *ns, const struct selector *sel,
			   void (*fn)(void *ud, const cJSON *pod), void *ud);
/* The EndpointSlice controller's pieces (ctrl_endpointslice_build.c) */
const char *eps_label(const cJSON *obj, const char *name);
/* upstream's podToEndpoint; node: the pod's Node object (NULL: unknown) */
cJSON *eps_endpoint(const cJSON *svc, const char *ns, const cJSON *node, const cJSON *pod,
		    const char *ip);
/* The Service's ports as the pod resolves them (EndpointPort list). */
cJSON *eps_pod_ports(const cJSON *svc, const cJSON *pod);
/* A port list's identity, whatever its order (malloc'd; NULL: no memory). */
char *eps_portkey(const cJSON *ports);
/* An endpoint's identity: address, hostname, targetRef namespace/name. */
void eps_endpoint_id(const cJSON *ep, char *buf, size_t len);
/* Has slice an owner reference to this Service (by uid)? */
bool eps_owned(const cJSON *slice, const cJSON *svc);
/* [the Service as controller owner] */
cJSON *eps_owner_refs(const cJSON *svc);
/* Queue the Services that select pod key as it is. */
void eps_index_touch_pod(struct eps_index *x, const char *key);
/* "ns/name": ns copied (EPS_KEY bytes), the name returned; NULL if none. */
const char *eps_split_key(const char *key, char *ns);
bool eps_pod_ready(const cJSON *pod);
const char *eps_pod_ipv4(const cJSON *pod);
bool eps_pod_in_endpoints(const cJSON *pod, bool include_terminating);
const char *eps_pod_hostname(const cJSON *pod, const cJSON *svc);
int eps_pod_port(const cJSON *pod, const cJSON *svc_port);
/* The Service's labels for its endpoints (+ the headless mark). */
cJSON *eps_service_labels(const cJSON *svc);
void eps_set(cJSON *obj, const char *key, cJSON *item);
long long eps_rev(const cJSON *obj);
/* PersistentVolume binder and local-path provisioner (ctrl_pv.c):
 * claims bind to fitting volumes, claims of a rancher.io/local-path class
 * get a hostPath volume on the node of their first scheduled pod
 * (WaitForFirstConsumer), released volumes are deleted or kept by their
 * reclaim policy. */
struct ctrl_pv;
int ctrl_pv_start(struct api *a, struct ev_loop *loop, struct ctrl_pv **out);
void ctrl_pv_stop(struct ctrl_pv *c);

/* StatefulSet (ctrl_statefulset*.c): pods <set>-<i> with stable
 * hostname/subdomain and claims <template>-<set>-<i> made before them,
 * OrderedReady (one at a time, each Running and Ready before the next,
 * removed in reverse) or Parallel; RollingUpdate in reverse ordinal order
 * down to the partition, or OnDelete; ControllerRevisions as history;
 * status for `kubectl rollout status`. */
struct ctrl_statefulset;
int ctrl_statefulset_start(struct api *a, struct ev_loop *loop, struct ctrl_statefulset **out);
void ctrl_statefulset_stop(struct ctrl_statefulset *c);
/* ---- workloads: ReplicaSet, Deployment, garbage collector ---- */

#include <stdint.h>
#include <time.h>
struct res_type;

/* Helpers the workload controllers share (ctrl_replicaset.c). */
/* obj's ownerReference with controller: true, or NULL. */
const cJSON *ctrl_controller_ref(const cJSON *obj);
/* Is obj's controller reference owner (by uid)? */
bool ctrl_controlled_by(const cJSON *obj, const cJSON *owner);
/* {apiVersion, kind, name, uid, controller: true, blockOwnerDeletion:
 * true} naming owner (a cached object with its typemeta). */
cJSON *ctrl_owner_ref_new(const cJSON *owner);
/* A pod of owner's spec.template: generateName "<owner>-", the
 * template's labels and annotations, owner as its controller (consumed by
 * the caller; NULL: no memory). */
cJSON *ctrl_pod_from_template(const cJSON *owner);
/* metadata.resourceVersion as a number (0 if none). */
int64_t ctrl_obj_rev(const cJSON *obj);
/* An integer at a dotted path, or dflt. */
long long ctrl_int(const cJSON *o, const char *path, long long dflt);
/* api_store_update of obj (a changed copy of a cached object: for sub ""
 * its resourceVersion is the expected one), logging a failure with `what`.
 * 0 or -errno (-ENOENT: gone). */
int ctrl_update(struct api *a, const struct res_type *rt, const char *sub, cJSON *obj,
		const char *what);
/* upstream's ClaimObject: 1 if obj (of type rt) is owner's (adopting a
 * matching orphan), 0 if not (releasing one of owner's that no longer
 * matches sel), or -errno from the write. */
int ctrl_claim(struct api *a, const struct res_type *rt, const cJSON *owner, const cJSON *sel,
	       const cJSON *obj);
/* Queue obj's controller if it is of kind (key "ns/name"), or, for an
 * orphan, every object of owners in its namespace whose spec.selector
 * matches it. */
void ctrl_queue_controller_of(struct ctrl_queue *q, const struct ctrl_informer *owners,
			      const char *kind, const cJSON *obj);
/* The cached objects of inf in namespace ns (v malloc'ed, objects owned
 * by the cache). 0 or -ENOMEM. */
struct ctrl_objs {
	const cJSON **v;
	size_t n, cap;
};
int ctrl_objs_in(const struct ctrl_informer *inf, const char *ns, struct ctrl_objs *out);
/* Pod condition Ready is True (*since: its lastTransitionTime). */
bool ctrl_pod_ready(const cJSON *pod, time_t *since);
/* Ready for min_ready seconds at now; if ready but not yet, *wait is
 * lowered to the seconds left (when it is 0 or larger). */
bool ctrl_pod_available(const cJSON *pod, long long min_ready, time_t now, time_t *wait);
/* Not Succeeded, not Failed, not being deleted (upstream's IsPodActive). */
bool ctrl_pod_active(const cJSON *pod);
/* qsort order of pods (const cJSON *) to delete first (upstream's
 * ActivePods: unscheduled, pending, not ready, ready for less time, more
 * restarts, newer). */
int ctrl_pod_delete_order(const void *pa, const void *pb);
/* Keys to queue again after a delay (minReadySeconds, progress
 * deadlines); a key added twice keeps the earlier time. */
struct ctrl_later;
struct ctrl_later *ctrl_later_new(struct ev_loop *loop, struct ctrl_queue *q);
void ctrl_later_add(struct ctrl_later *l, const char *key, double delay);
void ctrl_later_free(struct ctrl_later *l);

/* ReplicaSet: spec.replicas active pods from spec.template, owned through
 * a controller ownerReference (orphans adopted, mismatches released);
 * status replicas/fullyLabeled/ready/available/observedGeneration. */
struct ctrl_replicaset;
int ctrl_replicaset_start(struct api *a, struct ev_loop *loop, struct ctrl_replicaset **out);
void ctrl_replicaset_stop(struct ctrl_replicaset *c);

/* Deployment: a ReplicaSet `<name>-<pod-template-hash>` per template,
 * rolled by RollingUpdate (maxSurge/maxUnavailable) or Recreate, old ones
 * kept up to revisionHistoryLimit; status with Available and Progressing
 * conditions, as upstream's deployment controller. */
struct ctrl_deployment;
int ctrl_deployment_start(struct api *a, struct ev_loop *loop, struct ctrl_deployment **out);
void ctrl_deployment_stop(struct ctrl_deployment *c);

/* Garbage collector: an object whose every owner (ownerReferences, by
 * uid) is gone is deleted; an owner deleted with propagationPolicy
 * Foreground (finalizer foregroundDeletion) goes after its blocking
 * dependents, one deleted with Orphan (finalizer orphan) after its
 * dependents' references to it are removed. */
struct ctrl_gc;
int ctrl_gc_start(struct api *a, struct ev_loop *loop, struct ctrl_gc **out);
void ctrl_gc_stop(struct ctrl_gc *c);

/* Job (ctrl_job.c): batch/v1 Jobs in the NonIndexed completion mode:
 * parallelism pods at a time until completions succeeded, failed pods
 * replaced after a back-off until backoffLimit, activeDeadlineSeconds,
 * suspend, ttlSecondsAfterFinished; status and conditions as upstream's
 * job controller (pods counted once through the job-tracking finalizer). */
struct ctrl_job;
int ctrl_job_start(struct api *a, struct ev_loop *loop, struct ctrl_job **out);
void ctrl_job_stop(struct ctrl_job *c);

#endif
