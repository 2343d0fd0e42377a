/* kl_pod: one pod on this node and its containers (kl_pods.c, kl_spec.c,
 * kl_status.c share it). */
#ifndef SKIFF_KL_POD_H
#define SKIFF_KL_POD_H

#include <stdbool.h>
#include <ev.h>
#include <cjson/cJSON.h>
#include "kl_int.h"
#include "kubelet/runtime.h"
#include "kubelet/sandbox.h"
#include "strmap.h"

#define KL_MAX_CTRS 16

enum kl_cstate { KL_WAITING, KL_RUNNING, KL_TERMINATED };

struct kl_pod;

struct kl_ctr {
	struct kl_pod *pod;
	char name[64];
	char id[128];	     /* runtime id: <uid>_<name> */
	struct rt_ctr *rc;   /* NULL when not running */
	bool starting;	     /* rt_run_async in flight: kl_ctr_started follows */
	struct rt_ctr *dead; /* exited, to be removed (reap_timer) */
	ev_timer reap_timer;
	/* The container's init process itself (a pidfd): its death is seen
	 * at once, before the runtime has collected the exit status. */
	ev_io death;
	int pidfd;
	enum kl_cstate st;
	char reason[64], message[512]; /* waiting or terminated */
	int exit_code, signal;
	double started_at, finished_at;
	int restarts;
	bool started_once;
	/* the previous run, for lastState and `logs --previous` */
	bool has_last;
	int last_exit, last_signal;
	char last_reason[64];
	double last_started, last_finished;
	/* restart back-off (10 s doubling to 5 min, as upstream) */
	double backoff;
	ev_timer restart_timer;
	bool ready;
	struct kl_probes *probes; /* this run's probes and hooks (kl_probe.c), NULL when none */
};

struct kl_pod {
	struct kl_pods *pp;
	char key[512]; /* ns/name */
	char uid[64], ns[254], name[254];
	cJSON *obj; /* the latest Pod */
	struct sb_pod sb;
	struct sb_files files;
	bool sb_up;
	struct kl_ctr ctrs[KL_MAX_CTRS];
	int nctrs;
	/* what the containers need from the API before they start */
	cJSON *refs;	/* {"configmaps/x": obj, "secrets/y": obj} fetched */
	int pending;	/* requests outstanding */
	char *sa_token; /* the projected ServiceAccount token */
	bool refs_done;
	char error[512]; /* a pod-level problem (sandbox, references) */
	bool terminating, gone;
	/* deleted gracefully (a deletionTimestamp): once stopped, the kubelet
	 * removes the Pod object itself (DELETE with grace 0) */
	bool api_delete;
	ev_timer grace_timer, retry_timer;
	double start_time;
	/* status writes: one at a time, only changes */
	struct kreq *status_req;
	char *last_status;
	bool status_dirty;
};

struct kl_pods {
	struct kubelet *k;
	struct informer *inf;
	struct informer *nodes; /* peers' podCIDRs -> routes via their InternalIP */
	struct rt *rt;
	struct sb *sb;
	struct strmap pods;	    /* ns/name -> struct kl_pod * */
	struct kl_storage *storage; /* removal of deleted volumes' directories (kl_storage.c) */
	char api_ip[64]; /* the kubernetes Service's ClusterIP (KUBERNETES_SERVICE_HOST) */
	bool synced;
};

/* kl_storage.c: persistentVolumeClaim volumes. The host directory of the
 * pod's claim (its Bound volume's, local-path volumes under
 * <root-dir>/storage): 0, or -EAGAIN with err set when the claim or its
 * volume is not fetched or not bound yet (they are forgotten, to be
 * fetched again), another -errno for a volume of an unsupported kind. */
int kl_pvc_dir(struct kl_pod *p, const char *claim, char *buf, size_t len, char *err, size_t elen);
/* The same, and the directory created (mode 0777) when missing. */
int kl_pvc_prepare(struct kl_pod *p, const char *claim, char *err, size_t elen);
struct kl_storage;
/* Remove a directory tree, never crossing into a mount (kl_pods.c). */
void kl_rmtree(const char *dir);
struct kl_storage *kl_storage_start(struct kl_pods *pp);
void kl_storage_stop(struct kl_storage *s);

/* kl_spec.c: the runtime spec of container i (freed with kl_spec_free). */
struct kl_spec {
	struct rt_spec s;
	char **strs; /* everything allocated for s */
	int nstrs, capstrs;
	struct rt_mount mounts[32];
};
int kl_spec_build(struct kl_pod *p, int i, struct kl_spec *ks, char *err, size_t len);
void kl_spec_free(struct kl_spec *ks);
/* Write the pod's volumes (emptyDir dirs, configMap/secret files, the
 * ServiceAccount token) under <root>/pods/<uid>/volumes. 0 or -errno. */
int kl_volumes_write(struct kl_pod *p, char *err, size_t len);
/* The API objects the pod references (configmaps/<n>, secrets/<n>) into
 * fn(ud, "configmaps", name). */
void kl_spec_refs(const cJSON *pod, void (*fn)(void *ud, const char *res, const char *name),
		  void *ud);

/* kl_status.c: write the pod's status if it changed. */
void kl_status_update(struct kl_pod *p);

/* kl_events.c: an Event about pod p (ctr: its container, or NULL), type
 * "Normal" or "Warning", upstream kubelet's reason and words. */
void kl_event(struct kl_pod *p, const char *ctr, const char *type, const char *reason,
	      const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* kl_probe.c: probes and lifecycle hooks of one run of a container. */
/* A container spec's probes and hooks that cannot run (an unknown or
 * unsupported handler): -EINVAL with err, e.g. "readinessProbe: unsupported
 * handler grpc (...)". */
int kl_probe_check(const cJSON *ctr, char *err, size_t len);
/* The container runs (c->rc): run postStart (if post_start; not for an
 * adopted container), then its probes; sets c->ready (false while a
 * readiness or startup probe has not passed). */
void kl_probes_start(struct kl_ctr *c, bool post_start);
/* Stop the container: no more probes, preStop, SIGTERM, SIGKILL after grace
 * (at once when grace <= 0). */
void kl_ctr_stop(struct kl_ctr *c, double grace);
/* The run ended and its rt_ctr was deleted (which cancels pending execs):
 * free the probe state. Idempotent. */
void kl_probes_end(struct kl_ctr *c);

/* kl_pods.c */
const char *kl_pod_dir(const struct kl_pod *p, char *buf, size_t len);

#endif
