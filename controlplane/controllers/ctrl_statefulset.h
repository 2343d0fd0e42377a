/* ctrl_statefulset: the StatefulSet controller's private parts, shared by
 * ctrl_statefulset.c (pods, claims, status) and ctrl_statefulset_rev.c
 * (ControllerRevisions). */
#ifndef SKIFF_CTRL_STATEFULSET_H
#define SKIFF_CTRL_STATEFULSET_H

#include <stdint.h>
#include "controllers.h"

struct ctrl_statefulset {
	struct api *a;
	struct ctrl_informer *sets, *pods, *revs, *claims;
	struct ctrl_queue *q;
	struct ctrl_events *rec;
	const struct res_type *set_rt, *pod_rt, *rev_rt, *pvc_rt;
};

/* Is obj's controller ownerReference the object of uid? */
bool css_owned_by(const cJSON *obj, const char *uid);
/* [the controller ownerReference to set] (blockOwnerDeletion), new. */
cJSON *css_owner_ref(const cJSON *set);
/* The set's revisions, oldest first (*out malloc'd, items cached): count. */
int css_revisions(struct ctrl_statefulset *c, const cJSON *set, const cJSON ***out);
/* The revision of the set's current template: its name into name, made
 * (or renumbered as the newest) when needed; *found the cached revision
 * when it exists. 0 or -errno. */
int css_update_revision(struct ctrl_statefulset *c, const cJSON *set, char *name, size_t len,
			const cJSON **found);
/* The pod template a revision holds (new), NULL when it holds none. */
cJSON *css_rev_template(const cJSON *rev);
/* Delete the oldest revisions beyond spec.revisionHistoryLimit that are
 * neither current, update, nor used by a pod (in_use). */
void css_truncate_history(struct ctrl_statefulset *c, const cJSON *set, const char *current,
			  const char *update, bool (*in_use)(void *ud, const char *rev), void *ud);

#endif
