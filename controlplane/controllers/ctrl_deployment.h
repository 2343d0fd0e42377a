/* ctrl_deployment.h: what ctrl_deployment.c (informers, hashing, the new
 * ReplicaSet) and ctrl_deployment_rollout.c (the rollout arithmetic,
 * status and conditions) share. Private to the deployment controller. */
#ifndef SKIFF_CTRL_DEPLOYMENT_H
#define SKIFF_CTRL_DEPLOYMENT_H

#include <stdbool.h>
#include <cjson/cJSON.h>
#include "controllers.h"

#define CD_HASH_LABEL	"pod-template-hash"
#define CD_ANN_REVISION "deployment.kubernetes.io/revision"
#define CD_ANN_HISTORY	"deployment.kubernetes.io/revision-history"
#define CD_ANN_DESIRED	"deployment.kubernetes.io/desired-replicas"
#define CD_ANN_MAX	"deployment.kubernetes.io/max-replicas"
#define CD_HASH_LEN	16

struct ctrl_deployment {
	struct api *a;
	struct ctrl_informer *d_inf, *rs_inf;
	struct ctrl_queue *q;
	struct ctrl_later *later;
	struct ctrl_events *ev;
};

/* One owned ReplicaSet: the cached object and its spec.replicas as this
 * sync has set it. */
struct cd_rs {
	const cJSON *obj;
	long long replicas;
};

/* One sync of one Deployment. */
struct cd_state {
	struct ctrl_deployment *c;
	const cJSON *d;
	const char *key;
	struct cd_rs *rs; /* owned ReplicaSets */
	size_t n;
	cJSON *created; /* the new ReplicaSet made by this sync */
	struct cd_rs created_rs;
	struct cd_rs *new_rs; /* NULL: none yet */
	cJSON *conds;	      /* the status conditions being written */
	cJSON *keep;	      /* ReplicaSets as this sync wrote them */
};

/* upstream's ComputeHash of a pod template (and collision count). */
void cd_template_hash(const cJSON *tmpl, long long collisions, bool has_collisions,
		      char out[CD_HASH_LEN]);
/* Equal pod templates, the pod-template-hash label left out. */
bool cd_template_equal(const cJSON *rs_tmpl, const cJSON *d_tmpl);
/* A ReplicaSet's revision annotation (0 if none). */
long long cd_revision(const cJSON *rs);
/* The Deployment's annotations (copy), the revision (non-zero) and the
 * replica annotations onto a ReplicaSet's metadata. */
void cd_rs_annotations(cJSON *md, const cJSON *d, bool copy, long long revision,
		       long long max_surge);
/* Create the new ReplicaSet: the created object, or NULL with *err. */
cJSON *cd_new_replicaset(struct cd_state *s, long long revision, long long replicas,
			 long long max_surge, int *err);
/* The rollout step and status of s (ctrl_deployment_rollout.c). */
int cd_reconcile(struct cd_state *s);
void cd_state_free(struct cd_state *s);

#endif
