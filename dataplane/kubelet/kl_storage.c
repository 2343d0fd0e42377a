/* kl_storage: persistentVolumeClaim volumes. The kubelet fetches the claim
 * (with the pod's other references, kl_pods.c) and, once it is Bound, the
 * PersistentVolume it names, and bind-mounts the volume's directory:
 *  - a volume of the local-path provisioner (annotation
 *    pv.kubernetes.io/provisioned-by: rancher.io/local-path, made by
 *    skiff-server's persistentvolume-binder) lives in
 *    <root-dir>/storage/<last component of spec.hostPath.path>, so each
 *    node keeps its volumes under its own --root-dir whatever the path the
 *    server wrote (the default root's);
 *  - any other hostPath or local volume is the path it names.
 * The directory is created when missing, mode 0777 as local-path's are
 * (the pod's user is not known in advance).
 *
 * Reclaim: every KL_STORAGE_SWEEP seconds, each pvc-<uid>_... directory
 * under <root-dir>/storage whose PersistentVolume pvc-<uid> is gone (404)
 * is removed — the binder deletes the volume of a deleted claim whose
 * reclaim policy is Delete. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "json_path.h"
#include "kclient.h"
#include "kl_pod.h"
#include "log.h"

#define KL_STORAGE_SWEEP   60.0
#define KL_LOCAL_PATH_PROV "rancher.io/local-path"

struct kl_storage {
	struct kl_pods *pp;
	ev_timer timer;
	struct kreq *req;
	char **names; /* directories still to look at */
	int n, next;
};

static const cJSON *kst_ref(const struct kl_pod *p, const char *res, const char *name)
{
	char k[400];
	const cJSON *o;

	snprintf(k, sizeof(k), "%s/%s", res, name);
	o = cJSON_GetObjectItemCaseSensitive(p->refs, k);
	return cJSON_IsObject(o) ? o : NULL;
}

/* Forget what was fetched about claim (and its volume), to fetch again. */
static void kst_forget(struct kl_pod *p, const char *claim, const char *vname)
{
	char k[400];

	snprintf(k, sizeof(k), "persistentvolumeclaims/%s", claim);
	cJSON_DeleteItemFromObjectCaseSensitive(p->refs, k);
	if (vname) {
		snprintf(k, sizeof(k), "persistentvolumes/%s", vname);
		cJSON_DeleteItemFromObjectCaseSensitive(p->refs, k);
	}
	p->refs_done = false;
}

int kl_pvc_dir(struct kl_pod *p, const char *claim, char *buf, size_t len, char *err, size_t elen)
{
	const cJSON *pvc = kst_ref(p, "persistentvolumeclaims", claim), *pv;
	const char *vname = json_str(pvc, "spec.volumeName");
	const char *phase = json_str(pvc, "status.phase");
	const cJSON *ann;
	const char *path, *base, *prov;

	if (!pvc || !phase || strcmp(phase, "Bound") || !vname || !*vname) {
		snprintf(err, elen, "persistentvolumeclaim \"%s\" %s", claim,
			 pvc ? "is not bound" : "not found");
		kst_forget(p, claim, vname);
		return -EAGAIN;
	}
	pv = kst_ref(p, "persistentvolumes", vname);
	if (!pv) {
		snprintf(err, elen, "persistentvolume \"%s\" of claim \"%s\" not found", vname,
			 claim);
		kst_forget(p, claim, vname);
		return -EAGAIN;
	}
	path = json_str(pv, "spec.hostPath.path") ?: json_str(pv, "spec.local.path");
	if (!path || !*path) {
		snprintf(err, elen,
			 "persistentvolume \"%s\": only hostPath and local volumes are supported "
			 "by this kubelet",
			 vname);
		return -ENOTSUP;
	}
	ann = cJSON_GetObjectItemCaseSensitive(json_at(pv, "metadata.annotations"),
					       "pv.kubernetes.io/provisioned-by");
	prov = cJSON_IsString(ann) ? ann->valuestring : NULL;
	if (prov && !strcmp(prov, KL_LOCAL_PATH_PROV)) {
		base = strrchr(path, '/');
		base = base ? base + 1 : path;
		if (!*base || !strcmp(base, ".") || !strcmp(base, "..")) {
			snprintf(err, elen, "persistentvolume \"%s\": bad path %s", vname, path);
			return -EINVAL;
		}
		snprintf(buf, len, "%s/storage/%s", p->pp->k->o.root_dir, base);
	} else {
		snprintf(buf, len, "%s", path);
	}
	return 0;
}

int kl_pvc_prepare(struct kl_pod *p, const char *claim, char *err, size_t elen)
{
	char dir[1024];
	int r = kl_pvc_dir(p, claim, dir, sizeof(dir), err, elen);

	if (r)
		return r;
	r = sb_mkdir_p(dir);
	/* local-path's mode: any user of any pod may write (umask aside) */
	if (!r && chmod(dir, 0777))
		r = -errno;
	if (r)
		snprintf(err, elen, "%s: %s", dir, strerror(-r));
	return r;
}

/* ---- reclaim ---- */

static void kst_names_free(struct kl_storage *s)
{
	for (int i = 0; i < s->n; i++)
		free(s->names[i]);
	free(s->names);
	s->names = NULL;
	s->n = s->next = 0;
}

static void kst_next(struct kl_storage *s);

static void kst_done(void *ud, const struct kresp *r)
{
	struct kl_storage *s = ud;
	const char *name = s->names[s->next - 1];
	char dir[1024];

	s->req = NULL;
	if (r->status == 404) {
		snprintf(dir, sizeof(dir), "%s/storage/%s", s->pp->k->o.root_dir, name);
		kl_rmtree(dir);
		pr_info("kubelet: volume directory %s removed (its PersistentVolume is gone)", dir);
	}
	kst_next(s);
}

/* Ask about the next directory; at the end, wait for the next sweep. */
static void kst_next(struct kl_storage *s)
{
	char path[600], pv[300];

	while (s->next < s->n) {
		const char *name = s->names[s->next++];
		size_t n = strcspn(name, "_");

		if (n >= sizeof(pv) || strncmp(name, "pvc-", 4))
			continue;
		memcpy(pv, name, n);
		pv[n] = 0;
		snprintf(path, sizeof(path), "/api/v1/persistentvolumes/%s", pv);
		s->req = kreq_get(s->pp->k->c, s->pp->k->loop, path, kst_done, s);
		if (s->req)
			return;
	}
	kst_names_free(s);
	ev_timer_set(&s->timer, KL_STORAGE_SWEEP, 0);
	ev_timer_start(s->pp->k->loop, &s->timer);
}

static void kst_sweep(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct kl_storage *s = w->data;
	char dir[800];
	struct dirent *e;
	DIR *d;

	snprintf(dir, sizeof(dir), "%s/storage", s->pp->k->o.root_dir);
	d = opendir(dir);
	while (d && (e = readdir(d))) {
		char **g;

		if (e->d_name[0] == '.')
			continue;
		g = realloc(s->names, (size_t)(s->n + 1) * sizeof(*g));
		if (!g)
			break;
		s->names = g;
		s->names[s->n] = strdup(e->d_name);
		if (s->names[s->n])
			s->n++;
	}
	if (d)
		closedir(d);
	kst_next(s);
}

struct kl_storage *kl_storage_start(struct kl_pods *pp)
{
	struct kl_storage *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->pp = pp;
	ev_timer_init(&s->timer, kst_sweep, KL_STORAGE_SWEEP, 0);
	s->timer.data = s;
	ev_timer_start(pp->k->loop, &s->timer);
	return s;
}

void kl_storage_stop(struct kl_storage *s)
{
	if (!s)
		return;
	ev_timer_stop(s->pp->k->loop, &s->timer);
	kreq_cancel(s->req);
	kst_names_free(s);
	free(s);
}
