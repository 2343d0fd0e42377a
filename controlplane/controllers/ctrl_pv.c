/* ctrl_pv: kube-controller-manager's persistentvolume-binder with k3s's
 * local-path provisioner built in.
 *
 * Claims: an unbound claim binds to the smallest Available volume of its
 * class that fits (access modes, size, volume mode, selector, and the
 * chosen node when the volume has node affinity); a volume pre-bound to it
 * (claimRef naming it) is taken first. A claim whose StorageClass binds
 * WaitForFirstConsumer waits (Event WaitForFirstConsumer) until a pod
 * using it is scheduled: the pod's node becomes the claim's
 * volume.kubernetes.io/selected-node annotation (what upstream's
 * scheduler writes; here the controller writes it when it sees the bound
 * pod). A claim of a rancher.io/local-path class with no volume to bind
 * gets one provisioned on that node: PersistentVolume pvc-<claim uid>, a
 * hostPath directory
 *   /var/lib/skiff-node/storage/pvc-<uid>_<namespace>_<name>
 * (the default --root-dir's; a kubelet with another --root-dir keeps it
 * under <its root-dir>/storage/ by the same last component, and creates it
 * mode 0777 as local-path does), nodeAffinity required to
 * kubernetes.io/hostname=<node> (so the scheduler puts the claim's later
 * pods there), the claim's size and access modes, and the class's reclaim
 * policy. Binding writes the volume's claimRef and Bound status, then the
 * claim's volumeName and its Bound status with the volume's capacity and
 * access modes.
 *
 * Volumes: a volume whose bound claim is gone (claimRef.uid no longer
 * exists) is Released, and deleted when its policy is Delete (the kubelet
 * of its node removes a local-path directory whose volume is gone). A
 * volume without claimRef is Available. A bound claim whose volume is
 * deleted becomes Lost.
 */
#include <errno.h>
#include <ev.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "apiserver/api.h"
#include "controllers.h"
#include "log.h"
#include "quantity.h"
#include "registry/res_util.h"

#define CPV_RESYNC	   15.0
#define CPV_PROVISIONER	   "rancher.io/local-path"
#define CPV_STORAGE_DIR	   "/var/lib/skiff-node/storage"
#define CPV_ANN_NODE	   "volume.kubernetes.io/selected-node"
#define CPV_ANN_BOUND_BY   "pv.kubernetes.io/bound-by-controller"
#define CPV_ANN_COMPLETED  "pv.kubernetes.io/bind-completed"
#define CPV_ANN_PROV_BY	   "pv.kubernetes.io/provisioned-by"
#define CPV_ANN_PROVISION  "volume.kubernetes.io/storage-provisioner"
#define CPV_ANN_BETA_CLASS "volume.beta.kubernetes.io/storage-class"

struct ctrl_pv {
	struct api *a;
	struct ctrl_informer *claims, *vols, *classes, *pods;
	struct ctrl_queue *cq, *vq;
	struct ctrl_events *rec;
	const struct res_type *pvc_rt, *pv_rt;
};

/* ---- small readers ---- */

static const char *cpv_ann(const cJSON *obj, const char *key)
{
	const cJSON *v =
	    cJSON_GetObjectItemCaseSensitive(json_at(obj, "metadata.annotations"), key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static void cpv_set_ann(cJSON *obj, const char *key, const char *val)
{
	cJSON *md = cJSON_GetObjectItemCaseSensitive(obj, "metadata");
	cJSON *ann = cJSON_GetObjectItemCaseSensitive(md, "annotations");

	if (!cJSON_IsObject(ann)) {
		cJSON_DeleteItemFromObjectCaseSensitive(md, "annotations");
		ann = cJSON_AddObjectToObject(md, "annotations");
	}
	cJSON_DeleteItemFromObjectCaseSensitive(ann, key);
	cJSON_AddStringToObject(ann, key, val);
}

static void cpv_set(cJSON *parent, const char *key, cJSON *item)
{
	cJSON_DeleteItemFromObjectCaseSensitive(parent, key);
	cJSON_AddItemToObject(parent, key, item);
}

static cJSON *cpv_child(cJSON *obj, const char *key)
{
	cJSON *c = cJSON_GetObjectItemCaseSensitive(obj, key);

	if (!cJSON_IsObject(c)) {
		cJSON_DeleteItemFromObjectCaseSensitive(obj, key);
		c = cJSON_AddObjectToObject(obj, key);
	}
	return c;
}

/* GetPersistentVolume(Claim)Class: the beta annotation wins over the field. */
static const char *cpv_class(const cJSON *obj)
{
	const char *beta = cpv_ann(obj, CPV_ANN_BETA_CLASS);
	const char *sc = json_str(obj, "spec.storageClassName");

	return beta ? beta : sc ? sc : "";
}

static double cpv_qty(const cJSON *list, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(list, key);
	double d = 0;

	if (cJSON_IsNumber(v))
		return v->valuedouble;
	if (cJSON_IsString(v) && quantity_parse(v->valuestring, &d))
		return 0;
	return d;
}

static bool cpv_str_in(const cJSON *arr, const char *s)
{
	const cJSON *it, *list = cJSON_IsArray(arr) ? arr : NULL;

	cJSON_ArrayForEach(it, list)
	{
		if (cJSON_IsString(it) && !strcmp(it->valuestring, s))
			return true;
	}
	return false;
}

/* Every access mode the claim asks for is one the volume offers. */
static bool cpv_modes_fit(const cJSON *pv, const cJSON *pvc)
{
	const cJSON *want = json_at(pvc, "spec.accessModes"), *m;

	if (!cJSON_IsArray(want))
		return true;
	cJSON_ArrayForEach(m, want)
	{
		if (cJSON_IsString(m) &&
		    !cpv_str_in(json_at(pv, "spec.accessModes"), m->valuestring))
			return false;
	}
	return true;
}

/* The volume's required node affinity admits node: a term whose
 * kubernetes.io/hostname requirements all hold (requirements on other
 * labels are not judged here: the scheduler does). No affinity: any. */
static bool cpv_node_fits(const cJSON *pv, const char *node)
{
	const cJSON *terms = json_at(pv, "spec.nodeAffinity.required.nodeSelectorTerms"), *t;

	if (!node || !cJSON_GetArraySize(terms))
		return true;
	cJSON_ArrayForEach(t, terms)
	{
		const cJSON *e;
		bool ok = true;

		cJSON_ArrayForEach(e, json_at(t, "matchExpressions"))
		{
			const char *key = json_str(e, "key"), *op = json_str(e, "operator");

			if (!key || strcmp(key, "kubernetes.io/hostname") || !op)
				continue;
			if ((!strcmp(op, "In") && !cpv_str_in(json_at(e, "values"), node)) ||
			    (!strcmp(op, "NotIn") && cpv_str_in(json_at(e, "values"), node)))
				ok = false;
		}
		if (ok)
			return true;
	}
	return false;
}

static bool cpv_claimref_is(const cJSON *pv, const char *ns, const char *name, const char *uid)
{
	const char *rns = json_str(pv, "spec.claimRef.namespace");
	const char *rname = json_str(pv, "spec.claimRef.name");
	const char *ruid = json_str(pv, "spec.claimRef.uid");

	return rns && rname && !strcmp(rns, ns) && !strcmp(rname, name) &&
	       (!ruid || !*ruid || (uid && !strcmp(ruid, uid)));
}

/* ---- writes ---- */

static int cpv_update(struct ctrl_pv *c, const struct res_type *rt, const char *ns, const char *sub,
		      cJSON *obj)
{
	char msg[512];
	int code = 0;
	int64_t rev = api_store_update(c->a, rt, ns, sub, obj, 0, &code, msg, sizeof(msg));

	if (rev < 0) {
		pr_warn("persistentvolume-binder: %s %s%s%s: %s", rt->singular, ns ? ns : "",
			ns ? "/" : "", json_str(obj, "metadata.name") ?: "", msg);
		return rev == -ENOENT ? 0 : (int)rev;
	}
	return 0;
}

/* Bind pv to pvc: the volume's claimRef and Bound, then the claim's
 * volumeName, annotations and Bound with what the volume offers. */
static int cpv_bind(struct ctrl_pv *c, const cJSON *pvc_in, const cJSON *pv_in)
{
	const char *ns = json_str(pvc_in, "metadata.namespace");
	const char *vname = json_str(pv_in, "metadata.name");
	cJSON *pv = cJSON_Duplicate(pv_in, true), *pvc = cJSON_Duplicate(pvc_in, true), *ref;
	int err = -ENOMEM;

	if (!pv || !pvc)
		goto out;
	if (!cpv_claimref_is(pv, ns, json_str(pvc, "metadata.name"),
			     json_str(pvc, "metadata.uid")) ||
	    !json_str(pv, "spec.claimRef.uid")) {
		ref = cJSON_CreateObject();
		cJSON_AddStringToObject(ref, "kind", "PersistentVolumeClaim");
		cJSON_AddStringToObject(ref, "namespace", ns);
		cJSON_AddStringToObject(ref, "name", json_str(pvc, "metadata.name"));
		cJSON_AddStringToObject(ref, "uid", json_str(pvc, "metadata.uid") ?: "");
		cJSON_AddStringToObject(ref, "apiVersion", "v1");
		cJSON_AddStringToObject(ref, "resourceVersion",
					json_str(pvc, "metadata.resourceVersion") ?: "");
		cpv_set(cpv_child(pv, "spec"), "claimRef", ref);
		cpv_set_ann(pv, CPV_ANN_BOUND_BY, "yes");
		if ((err = cpv_update(c, c->pv_rt, NULL, "", pv)))
			goto out;
	}
	if (!json_str(pv, "status.phase") || strcmp(json_str(pv, "status.phase"), "Bound")) {
		cpv_set(cpv_child(pv, "status"), "phase", cJSON_CreateString("Bound"));
		if ((err = cpv_update(c, c->pv_rt, NULL, "status", pv)))
			goto out;
	}
	if (!json_str(pvc, "spec.volumeName") || strcmp(json_str(pvc, "spec.volumeName"), vname) ||
	    !cpv_ann(pvc, CPV_ANN_COMPLETED)) {
		cpv_set(cpv_child(pvc, "spec"), "volumeName", cJSON_CreateString(vname));
		cpv_set_ann(pvc, CPV_ANN_COMPLETED, "yes");
		if (!cpv_ann(pvc, CPV_ANN_BOUND_BY))
			cpv_set_ann(pvc, CPV_ANN_BOUND_BY, "yes");
		if ((err = cpv_update(c, c->pvc_rt, ns, "", pvc)))
			goto out;
	}
	if (!json_str(pvc, "status.phase") || strcmp(json_str(pvc, "status.phase"), "Bound") ||
	    !json_at(pvc, "status.capacity")) {
		cJSON *st = cpv_child(pvc, "status");

		cpv_set(st, "phase", cJSON_CreateString("Bound"));
		cpv_set(st, "accessModes",
			cJSON_Duplicate(json_at(pv, "spec.accessModes")
					    ?: json_at(pvc, "spec.accessModes"),
					true));
		cpv_set(st, "capacity", cJSON_Duplicate(json_at(pv, "spec.capacity"), true));
		if ((err = cpv_update(c, c->pvc_rt, ns, "status", pvc)))
			goto out;
		pr_info("persistentvolume-binder: claim %s/%s bound to %s", ns,
			json_str(pvc, "metadata.name"), vname);
	}
	err = 0;
out:
	cJSON_Delete(pv);
	cJSON_Delete(pvc);
	return err;
}

/* A new local-path volume for pvc on node (k3s's provisioner's shape). */
static int cpv_provision(struct ctrl_pv *c, const cJSON *pvc, const cJSON *sc, const char *node)
{
	const char *ns = json_str(pvc, "metadata.namespace"),
		   *name = json_str(pvc, "metadata.name");
	const char *uid = json_str(pvc, "metadata.uid") ?: "";
	char vname[300], path[800], msg[512];
	cJSON *pv, *md, *spec, *cap, *term, *expr, *vals;
	int code = 0, err;

	snprintf(vname, sizeof(vname), "pvc-%s", uid);
	snprintf(path, sizeof(path), "%s/%s_%s_%s", CPV_STORAGE_DIR, vname, ns, name);
	pv = cJSON_CreateObject();
	if (!pv)
		return -ENOMEM;
	cJSON_AddStringToObject(pv, "kind", "PersistentVolume");
	cJSON_AddStringToObject(pv, "apiVersion", "v1");
	md = cJSON_AddObjectToObject(pv, "metadata");
	cJSON_AddStringToObject(md, "name", vname);
	cJSON_AddStringToObject(cJSON_AddObjectToObject(md, "annotations"), CPV_ANN_PROV_BY,
				CPV_PROVISIONER);
	spec = cJSON_AddObjectToObject(pv, "spec");
	cap = cJSON_AddObjectToObject(spec, "capacity");
	cJSON_AddItemToObject(
	    cap, "storage",
	    cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(
				json_at(pvc, "spec.resources.requests"), "storage"),
			    true));
	cJSON_AddItemToObject(spec, "accessModes",
			      cJSON_Duplicate(json_at(pvc, "spec.accessModes"), true));
	cJSON_AddStringToObject(spec, "persistentVolumeReclaimPolicy",
				json_str(sc, "reclaimPolicy") ?: "Delete");
	cJSON_AddStringToObject(spec, "storageClassName", json_str(sc, "metadata.name"));
	cJSON_AddStringToObject(spec, "volumeMode",
				json_str(pvc, "spec.volumeMode") ?: "Filesystem");
	{
		cJSON *hp = cJSON_AddObjectToObject(spec, "hostPath");

		cJSON_AddStringToObject(hp, "path", path);
		cJSON_AddStringToObject(hp, "type", "DirectoryOrCreate");
	}
	{
		cJSON *ref = cJSON_AddObjectToObject(spec, "claimRef");

		cJSON_AddStringToObject(ref, "kind", "PersistentVolumeClaim");
		cJSON_AddStringToObject(ref, "namespace", ns);
		cJSON_AddStringToObject(ref, "name", name);
		cJSON_AddStringToObject(ref, "uid", uid);
		cJSON_AddStringToObject(ref, "apiVersion", "v1");
	}
	term = cJSON_CreateObject();
	expr = cJSON_CreateObject();
	vals = cJSON_CreateArray();
	cJSON_AddItemToArray(vals, cJSON_CreateString(node));
	cJSON_AddStringToObject(expr, "key", "kubernetes.io/hostname");
	cJSON_AddStringToObject(expr, "operator", "In");
	cJSON_AddItemToObject(expr, "values", vals);
	cJSON_AddItemToArray(cJSON_AddArrayToObject(term, "matchExpressions"), expr);
	cJSON_AddItemToArray(
	    cJSON_AddArrayToObject(
		cJSON_AddObjectToObject(cJSON_AddObjectToObject(spec, "nodeAffinity"), "required"),
		"nodeSelectorTerms"),
	    term);
	err = api_store_create(c->a, c->pv_rt, NULL, pv, &code, msg, sizeof(msg));
	cJSON_Delete(pv);
	if (err == -EEXIST)
		return 0; /* made before its event came back */
	if (err) {
		ctrl_event(c->rec, pvc, "Warning", "ProvisioningFailed",
			   "failed to provision volume with StorageClass \"%s\": %s",
			   json_str(sc, "metadata.name") ?: "", msg);
		return err;
	}
	ctrl_event(c->rec, pvc, "Normal", "ProvisioningSucceeded",
		   "Successfully provisioned volume %s", vname);
	return 0;
}

/* ---- claims ---- */

struct cpv_pick {
	const cJSON *pvc;
	const char *ns, *name, *uid, *cls, *node;
	double want;
	const cJSON *prebound, *best;
	double best_size;
};

static void cpv_pick_cb(void *ud, const char *key, const cJSON *pv)
{
	struct cpv_pick *pk = ud;
	const char *phase = json_str(pv, "status.phase") ?: "";
	const cJSON *sel = json_at(pk->pvc, "spec.selector");
	const char *vm = json_str(pv, "spec.volumeMode") ?: "Filesystem";
	double size = cpv_qty(json_at(pv, "spec.capacity"), "storage");

	if (json_at(pv, "metadata.deletionTimestamp"))
		return;
	if (json_at(pv, "spec.claimRef")) {
		if (cpv_claimref_is(pv, pk->ns, pk->name, pk->uid))
			pk->prebound = pv;
		return;
	}
	if (!strcmp(phase, "Released") || !strcmp(phase, "Failed"))
		return;
	if (strcmp(cpv_class(pv), pk->cls) || !cpv_modes_fit(pv, pk->pvc) || size < pk->want ||
	    strcmp(vm, json_str(pk->pvc, "spec.volumeMode") ?: "Filesystem") ||
	    !cpv_node_fits(pv, pk->node))
		return;
	if (sel && !res_selector_matches(sel, json_at(pv, "metadata.labels")))
		return;
	if (!pk->best || size < pk->best_size) {
		pk->best = pv;
		pk->best_size = size;
	}
}

struct cpv_consumer {
	const char *ns, *claim;
	const char *node;
};

static void cpv_consumer_cb(void *ud, const char *key, const cJSON *pod)
{
	struct cpv_consumer *cc = ud;
	const char *node = json_str(pod, "spec.nodeName");
	const cJSON *v;

	if (cc->node || !node || !*node || json_at(pod, "metadata.deletionTimestamp") ||
	    strcmp(json_str(pod, "metadata.namespace") ?: "", cc->ns))
		return;
	cJSON_ArrayForEach(v, json_at(pod, "spec.volumes"))
	{
		const char *cn = json_str(v, "persistentVolumeClaim.claimName");

		if (cn && !strcmp(cn, cc->claim))
			cc->node = node;
	}
}

static int cpv_set_phase(struct ctrl_pv *c, const struct res_type *rt, const cJSON *obj,
			 const char *phase)
{
	cJSON *o;
	int err;

	if (json_str(obj, "status.phase") && !strcmp(json_str(obj, "status.phase"), phase))
		return 0;
	o = cJSON_Duplicate(obj, true);
	if (!o)
		return -ENOMEM;
	cpv_set(cpv_child(o, "status"), "phase", cJSON_CreateString(phase));
	err = cpv_update(c, rt, json_str(o, "metadata.namespace"), "status", o);
	cJSON_Delete(o);
	return err;
}

static int cpv_sync_claim(void *ud, const char *key)
{
	struct ctrl_pv *c = ud;
	const cJSON *pvc = ctrl_informer_get(c->claims, key), *sc = NULL;
	struct cpv_pick pk = {.pvc = pvc};
	const char *vname, *mode;
	bool wffc;

	if (!pvc || json_at(pvc, "metadata.deletionTimestamp"))
		return 0;
	pk.ns = json_str(pvc, "metadata.namespace") ?: "";
	pk.name = json_str(pvc, "metadata.name") ?: "";
	pk.uid = json_str(pvc, "metadata.uid");
	vname = json_str(pvc, "spec.volumeName");
	if (vname && *vname) {
		const cJSON *pv = ctrl_informer_get(c->vols, vname);
		const char *phase = json_str(pvc, "status.phase") ?: "";

		if (!pv) {
			if (strcmp(phase, "Bound"))
				return 0; /* pre-bound by the user to a volume yet to come */
			ctrl_event(c->rec, pvc, "Warning", "ClaimLost",
				   "Bound claim has lost its PersistentVolume. Data on the volume "
				   "is lost!");
			return cpv_set_phase(c, c->pvc_rt, pvc, "Lost");
		}
		if (json_at(pv, "spec.claimRef") && !cpv_claimref_is(pv, pk.ns, pk.name, pk.uid)) {
			ctrl_event(c->rec, pvc, "Warning", "FailedBinding",
				   "volume \"%s\" already bound to a different claim.", vname);
			return 0;
		}
		return cpv_bind(c, pvc, pv);
	}
	pk.cls = cpv_class(pvc);
	if (*pk.cls)
		sc = ctrl_informer_get(c->classes, pk.cls);
	mode = json_str(sc, "volumeBindingMode") ?: "Immediate";
	wffc = !strcmp(mode, "WaitForFirstConsumer");
	pk.node = cpv_ann(pvc, CPV_ANN_NODE);
	if (wffc && !pk.node) {
		struct cpv_consumer cc = {.ns = pk.ns, .claim = pk.name};
		cJSON *o;
		int err;

		ctrl_informer_foreach(c->pods, cpv_consumer_cb, &cc);
		if (!cc.node) {
			ctrl_event(c->rec, pvc, "Normal", "WaitForFirstConsumer",
				   "waiting for first consumer to be created before binding");
			return 0;
		}
		/* what upstream's scheduler writes once it picked the pod's node */
		o = cJSON_Duplicate(pvc, true);
		if (!o)
			return -ENOMEM;
		cpv_set_ann(o, CPV_ANN_NODE, cc.node);
		if (json_str(sc, "provisioner"))
			cpv_set_ann(o, CPV_ANN_PROVISION, json_str(sc, "provisioner"));
		err = cpv_update(c, c->pvc_rt, pk.ns, "", o);
		cJSON_Delete(o);
		return err; /* its event brings the claim back */
	}
	pk.want = cpv_qty(json_at(pvc, "spec.resources.requests"), "storage");
	ctrl_informer_foreach(c->vols, cpv_pick_cb, &pk);
	if (pk.prebound || pk.best)
		return cpv_bind(c, pvc, pk.prebound ? pk.prebound : pk.best);
	if (sc && json_str(sc, "provisioner") &&
	    !strcmp(json_str(sc, "provisioner"), CPV_PROVISIONER)) {
		if (!pk.node) {
			ctrl_event(c->rec, pvc, "Warning", "ProvisioningFailed",
				   "failed to provision volume with StorageClass \"%s\": "
				   "configuration error, no node was specified",
				   pk.cls);
			return 0;
		}
		return cpv_provision(c, pvc, sc, pk.node);
	}
	if (*pk.cls && !sc) {
		ctrl_event(c->rec, pvc, "Warning", "ProvisioningFailed",
			   "storageclass.storage.k8s.io \"%s\" not found", pk.cls);
		return 0;
	}
	if (sc)
		ctrl_event(c->rec, pvc, "Normal", "ExternalProvisioning",
			   "Waiting for a volume to be created either by the external provisioner "
			   "'%s' or manually by the system administrator. If volume creation is "
			   "delayed, please verify that the provisioner is running and correctly "
			   "registered.",
			   json_str(sc, "provisioner") ?: "");
	else
		ctrl_event(c->rec, pvc, "Normal", "FailedBinding",
			   "no persistent volumes available for this claim and no storage class "
			   "is set");
	return 0;
}

/* ---- volumes ---- */

static int cpv_sync_volume(void *ud, const char *key)
{
	struct ctrl_pv *c = ud;
	const cJSON *pv = ctrl_informer_get(c->vols, key), *pvc;
	const char *rns, *rname, *ruid, *policy;
	char ckey[600];

	if (!pv || json_at(pv, "metadata.deletionTimestamp"))
		return 0;
	if (!json_at(pv, "spec.claimRef"))
		return cpv_set_phase(c, c->pv_rt, pv, "Available");
	rns = json_str(pv, "spec.claimRef.namespace") ?: "";
	rname = json_str(pv, "spec.claimRef.name") ?: "";
	ruid = json_str(pv, "spec.claimRef.uid");
	snprintf(ckey, sizeof(ckey), "%s/%s", rns, rname);
	pvc = ctrl_informer_get(c->claims, ckey);
	if (pvc && (!ruid || !*ruid || !strcmp(json_str(pvc, "metadata.uid") ?: "", ruid))) {
		/* the claim's side (volumeName) is the claim sync's */
		ctrl_queue_add(c->cq, ckey);
		return 0;
	}
	if (!ruid || !*ruid)
		return cpv_set_phase(c, c->pv_rt, pv, "Available"); /* reserved, claim to come */
	policy = json_str(pv, "spec.persistentVolumeReclaimPolicy") ?: "Retain";
	if (!strcmp(policy, "Delete")) {
		int64_t r = api_store_delete(c->a, c->pv_rt, NULL, key, false);

		if (r < 0 && r != -ENOENT) {
			pr_warn("persistentvolume-binder: deleting volume %s: %s", key,
				strerror((int)-r));
			return (int)r;
		}
		pr_info("persistentvolume-binder: volume %s deleted (claim %s gone)", key, ckey);
		return 0;
	}
	return cpv_set_phase(c, c->pv_rt, pv, "Released");
}

/* ---- informers ---- */

static void cpv_claim_upsert(void *ud, const char *key, const cJSON *obj, const cJSON *old)
{
	struct ctrl_pv *c = ud;

	ctrl_queue_add(c->cq, key);
}

static void cpv_claim_remove(void *ud, const char *key, const cJSON *old)
{
	struct ctrl_pv *c = ud;
	const char *vn = json_str(old, "spec.volumeName");

	if (vn && *vn)
		ctrl_queue_add(c->vq, vn);
}

static const struct informer_ops cpv_claim_ops = {.upsert = cpv_claim_upsert,
						  .remove = cpv_claim_remove};

static void cpv_queue_ref(struct ctrl_pv *c, const cJSON *pv)
{
	char ckey[600];

	if (!json_at(pv, "spec.claimRef"))
		return;
	snprintf(ckey, sizeof(ckey), "%s/%s", json_str(pv, "spec.claimRef.namespace") ?: "",
		 json_str(pv, "spec.claimRef.name") ?: "");
	ctrl_queue_add(c->cq, ckey);
}

/* Unbound claims that might now fit this volume. */
static void cpv_queue_unbound(void *ud, const char *key, const cJSON *pvc)
{
	struct ctrl_pv *c = ud;
	const char *vn = json_str(pvc, "spec.volumeName");

	if (!vn || !*vn)
		ctrl_queue_add(c->cq, key);
}

static void cpv_vol_upsert(void *ud, const char *key, const cJSON *obj, const cJSON *old)
{
	struct ctrl_pv *c = ud;

	ctrl_queue_add(c->vq, key);
	cpv_queue_ref(c, obj);
	if (!json_at(obj, "spec.claimRef") && (!old || json_at(old, "spec.claimRef")))
		ctrl_informer_foreach(c->claims, cpv_queue_unbound, c);
}

static void cpv_vol_remove(void *ud, const char *key, const cJSON *old)
{
	cpv_queue_ref(ud, old);
}

static const struct informer_ops cpv_vol_ops = {.upsert = cpv_vol_upsert, .remove = cpv_vol_remove};

/* A scheduled pod's claims may now be waiting for it. */
static void cpv_pod_upsert(void *ud, const char *key, const cJSON *pod, const cJSON *old)
{
	struct ctrl_pv *c = ud;
	const char *node = json_str(pod, "spec.nodeName");
	const cJSON *v;
	char ckey[600];

	if (!node || !*node || (old && json_str(old, "spec.nodeName")))
		return;
	cJSON_ArrayForEach(v, json_at(pod, "spec.volumes"))
	{
		const char *cn = json_str(v, "persistentVolumeClaim.claimName");

		if (!cn)
			continue;
		snprintf(ckey, sizeof(ckey), "%s/%s", json_str(pod, "metadata.namespace") ?: "",
			 cn);
		ctrl_queue_add(c->cq, ckey);
	}
}

static const struct informer_ops cpv_pod_ops = {.upsert = cpv_pod_upsert};
static const struct informer_ops cpv_class_ops = {0};

static bool cpv_claim_wanted(const cJSON *pvc)
{
	const char *phase = json_str(pvc, "status.phase");

	return !phase || strcmp(phase, "Bound");
}

static bool cpv_vol_wanted(const cJSON *pv)
{
	const char *phase = json_str(pv, "status.phase");

	return !phase || strcmp(phase, "Bound") || json_at(pv, "spec.claimRef");
}

static void cpv_after(void *ud)
{
	struct ctrl_pv *c = ud;

	api_commit(c->a);
}

void ctrl_pv_stop(struct ctrl_pv *c)
{
	if (!c)
		return;
	ctrl_informer_free(c->pods);
	ctrl_informer_free(c->classes);
	ctrl_informer_free(c->vols);
	ctrl_informer_free(c->claims);
	ctrl_queue_free(c->cq);
	ctrl_queue_free(c->vq);
	ctrl_events_free(c->rec);
	free(c);
}

int ctrl_pv_start(struct api *a, struct ev_loop *loop, struct ctrl_pv **out)
{
	struct ctrl_pv *c = calloc(1, sizeof(*c));
	int err = -ENOMEM;

	if (!c)
		return -ENOMEM;
	c->a = a;
	c->pvc_rt = res_lookup("", "v1", "persistentvolumeclaims");
	c->pv_rt = res_lookup("", "v1", "persistentvolumes");
	c->cq = ctrl_queue_new(loop, cpv_sync_claim, cpv_after, c);
	c->vq = ctrl_queue_new(loop, cpv_sync_volume, cpv_after, c);
	c->rec = ctrl_events_new(a, "persistentvolume-controller");
	c->classes = ctrl_informer_new(a->store, "/registry/storageclasses/", &cpv_class_ops, c);
	c->pods = ctrl_informer_new(a->store, "/registry/pods/", &cpv_pod_ops, c);
	c->vols = ctrl_informer_new(a->store, "/registry/persistentvolumes/", &cpv_vol_ops, c);
	c->claims =
	    ctrl_informer_new(a->store, "/registry/persistentvolumeclaims/", &cpv_claim_ops, c);
	if (!c->pvc_rt || !c->pv_rt || !c->cq || !c->vq || !c->rec || !c->classes || !c->pods ||
	    !c->vols || !c->claims)
		goto err;
	/* classes, pods and claims before volumes: a volume's first sync
	 * looks its claim up */
	if ((err = ctrl_informer_start(c->classes)) || (err = ctrl_informer_start(c->pods)) ||
	    (err = ctrl_informer_start(c->claims)) || (err = ctrl_informer_start(c->vols)))
		goto err;
	ctrl_queue_resync(c->cq, c->claims, CPV_RESYNC, cpv_claim_wanted);
	ctrl_queue_resync(c->vq, c->vols, CPV_RESYNC, cpv_vol_wanted);
	*out = c;
	return 0;
err:
	ctrl_pv_stop(c);
	return err;
}
