/* kl_spec: a pod's container as a runtime spec (runtime.h), and the pod's
 * volumes on disk.
 *
 *  - command/args/workingDir as written (the runtime applies the image's
 *    Entrypoint/Cmd/WorkingDir when they are absent);
 *  - env: value, valueFrom fieldRef (metadata.name/namespace/uid/labels/
 *    annotations, spec.nodeName/serviceAccountName, status.podIP/hostIP),
 *    configMapKeyRef and secretKeyRef (fetched before the start), envFrom,
 *    and KUBERNETES_SERVICE_HOST/PORT for in-cluster clients;
 *  - securityContext runAsUser/runAsGroup/readOnlyRootFilesystem/
 *    capabilities (container over pod);
 *  - resources: limits.memory, limits.cpu as a CFS quota over 100 ms,
 *    requests.cpu as shares (milli * 1024 / 1000);
 *  - mounts: the pod's /etc/hosts, /etc/resolv.conf, /etc/hostname; volumes
 *    emptyDir (a directory, or tmpfs for medium Memory), hostPath,
 *    configMap, secret, persistentVolumeClaim (the bound volume's
 *    directory, kl_storage.c) and the projected ServiceAccount token at
 *    /var/run/secrets/kubernetes.io/serviceaccount (token, ca.crt,
 *    namespace).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <gnutls/gnutls.h>
#include "json_path.h"
#include "kclient.h"
#include "kl_pod.h"
#include "quantity.h"

#define KL_SA_DIR "/var/run/secrets/kubernetes.io/serviceaccount"

static char *ks_keep(struct kl_spec *ks, char *s)
{
	char **grown;

	if (!s)
		return NULL;
	if (ks->nstrs == ks->capstrs) {
		int cap = ks->capstrs ? ks->capstrs * 2 : 32;

		grown = realloc(ks->strs, (size_t)cap * sizeof(*grown));
		if (!grown) {
			free(s);
			return NULL;
		}
		ks->strs = grown;
		ks->capstrs = cap;
	}
	ks->strs[ks->nstrs++] = s;
	return s;
}

static char *ks_printf(struct kl_spec *ks, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static char *ks_printf(struct kl_spec *ks, const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	return n < 0 ? NULL : ks_keep(ks, s);
}

/* A NULL-terminated argv of a JSON string array (NULL if absent). */
static char *const *ks_argv(struct kl_spec *ks, const cJSON *arr)
{
	int n = cJSON_GetArraySize(arr), i = 0;
	char **v;
	const cJSON *it;

	if (!cJSON_IsArray(arr))
		return NULL;
	v = calloc((size_t)n + 1, sizeof(*v));
	if (!v || !ks_keep(ks, (char *)v))
		return NULL;
	cJSON_ArrayForEach(it, arr)
	{
		if (cJSON_IsString(it))
			v[i++] = ks_printf(ks, "%s", it->valuestring);
	}
	return v;
}

void kl_spec_free(struct kl_spec *ks)
{
	for (int i = 0; i < ks->nstrs; i++)
		free(ks->strs[i]);
	free(ks->strs);
	memset(ks, 0, sizeof(*ks));
}

/* ---- references ---- */

void kl_spec_refs(const cJSON *pod, void (*fn)(void *ud, const char *res, const char *name),
		  void *ud)
{
	const cJSON *ctrs = json_at(pod, "spec.containers"), *c, *e, *v;

	cJSON_ArrayForEach(c, ctrs)
	{
		cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(c, "env"))
		{
			const char *cm = json_str(e, "valueFrom.configMapKeyRef.name");
			const char *sec = json_str(e, "valueFrom.secretKeyRef.name");

			if (cm)
				fn(ud, "configmaps", cm);
			if (sec)
				fn(ud, "secrets", sec);
		}
		cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(c, "envFrom"))
		{
			const char *cm = json_str(e, "configMapRef.name");
			const char *sec = json_str(e, "secretRef.name");

			if (cm)
				fn(ud, "configmaps", cm);
			if (sec)
				fn(ud, "secrets", sec);
		}
	}
	cJSON_ArrayForEach(v, json_at(pod, "spec.volumes"))
	{
		const char *cm = json_str(v, "configMap.name");
		const char *sec = json_str(v, "secret.secretName");
		const char *pvc = json_str(v, "persistentVolumeClaim.claimName");

		if (cm)
			fn(ud, "configmaps", cm);
		if (sec)
			fn(ud, "secrets", sec);
		/* its volume follows once the claim is in (kl_pods.c) */
		if (pvc)
			fn(ud, "persistentvolumeclaims", pvc);
	}
}

/* The value of key in a fetched ConfigMap or Secret (decoded); malloc'd,
 * NULL if missing. */
static char *ks_ref_value(const struct kl_pod *p, const char *res, const char *name,
			  const char *key)
{
	char k[400];
	const cJSON *o, *v;
	gnutls_datum_t in, out = {0};
	char *s;

	snprintf(k, sizeof(k), "%s/%s", res, name);
	o = cJSON_GetObjectItemCaseSensitive(p->refs, k);
	if (!strcmp(res, "configmaps")) {
		v = json_at(o, "data");
		v = cJSON_GetObjectItemCaseSensitive(v, key);
		return cJSON_IsString(v) ? strdup(v->valuestring) : NULL;
	}
	v = cJSON_GetObjectItemCaseSensitive(json_at(o, "data"), key);
	if (!cJSON_IsString(v))
		return NULL;
	in.data = (unsigned char *)v->valuestring;
	in.size = (unsigned)strlen(v->valuestring);
	if (gnutls_base64_decode2(&in, &out) < 0)
		return NULL;
	s = malloc(out.size + 1);
	if (s) {
		memcpy(s, out.data, out.size);
		s[out.size] = 0;
	}
	gnutls_free(out.data);
	return s;
}

/* fieldRef.fieldPath of the pod, as the downward API gives it. */
static char *ks_field(const struct kl_pod *p, const char *path)
{
	const struct kubelet *k = p->pp->k;
	char key[300];

	if (!strcmp(path, "status.podIP"))
		return strdup(p->sb.ip);
	if (!strcmp(path, "status.hostIP"))
		return strdup(k->node_ip);
	if (!strcmp(path, "spec.nodeName"))
		return strdup(k->o.node_name);
	if (!strcmp(path, "spec.serviceAccountName"))
		return strdup(json_str(p->obj, "spec.serviceAccountName") ?: "default");
	if (!strcmp(path, "metadata.name") || !strcmp(path, "metadata.namespace") ||
	    !strcmp(path, "metadata.uid"))
		return json_str(p->obj, path) ? strdup(json_str(p->obj, path)) : NULL;
	if (sscanf(path, "metadata.labels['%299[^']']", key) == 1) {
		const cJSON *v =
		    cJSON_GetObjectItemCaseSensitive(json_at(p->obj, "metadata.labels"), key);
		return cJSON_IsString(v) ? strdup(v->valuestring) : NULL;
	}
	if (sscanf(path, "metadata.annotations['%299[^']']", key) == 1) {
		const cJSON *v =
		    cJSON_GetObjectItemCaseSensitive(json_at(p->obj, "metadata.annotations"), key);
		return cJSON_IsString(v) ? strdup(v->valuestring) : NULL;
	}
	return NULL;
}

static int ks_env(struct kl_spec *ks, const struct kl_pod *p, const cJSON *c, char *err, size_t len)
{
	const cJSON *env = cJSON_GetObjectItemCaseSensitive(c, "env");
	const cJSON *from = cJSON_GetObjectItemCaseSensitive(c, "envFrom"), *e;
	int n = cJSON_GetArraySize(env) + 4, i = 0;
	char **v;

	cJSON_ArrayForEach(e, from)
	{
		const char *cm = json_str(e, "configMapRef.name"),
			   *sec = json_str(e, "secretRef.name");
		char k[400];

		snprintf(k, sizeof(k), "%s/%s", cm ? "configmaps" : "secrets",
			 cm    ? cm
			 : sec ? sec
			       : "");
		n += cJSON_GetArraySize(
		    json_at(cJSON_GetObjectItemCaseSensitive(p->refs, k), "data"));
	}
	v = calloc((size_t)n + 1, sizeof(*v));
	if (!v || !ks_keep(ks, (char *)v))
		return -ENOMEM;
	if (p->pp->api_ip[0]) {
		v[i++] = ks_printf(ks, "KUBERNETES_SERVICE_HOST=%s", p->pp->api_ip);
		v[i++] = ks_printf(ks, "KUBERNETES_SERVICE_PORT=443");
		v[i++] = ks_printf(ks, "KUBERNETES_PORT=tcp://%s:443", p->pp->api_ip);
	}
	cJSON_ArrayForEach(e, from)
	{
		const char *cm = json_str(e, "configMapRef.name"),
			   *sec = json_str(e, "secretRef.name");
		const char *prefix = json_str(e, "prefix") ?: "";
		char k[400];
		const cJSON *kv;

		snprintf(k, sizeof(k), "%s/%s", cm ? "configmaps" : "secrets",
			 cm    ? cm
			 : sec ? sec
			       : "");
		cJSON_ArrayForEach(kv,
				   json_at(cJSON_GetObjectItemCaseSensitive(p->refs, k), "data"))
		{
			char *val = ks_ref_value(p, cm ? "configmaps" : "secrets", cm ? cm : sec,
						 kv->string);

			if (val && i < n)
				v[i++] = ks_printf(ks, "%s%s=%s", prefix, kv->string, val);
			free(val);
		}
	}
	cJSON_ArrayForEach(e, env)
	{
		const char *name = json_str(e, "name"), *val = json_str(e, "value");
		const cJSON *vf = cJSON_GetObjectItemCaseSensitive(e, "valueFrom");
		char *got = NULL;

		if (!name || i >= n)
			continue;
		if (vf) {
			const char *fp = json_str(vf, "fieldRef.fieldPath");
			const char *cm = json_str(vf, "configMapKeyRef.name");
			const char *sec = json_str(vf, "secretKeyRef.name");
			bool optional = cJSON_IsTrue(
			    json_at(vf, cm ? "configMapKeyRef.optional" : "secretKeyRef.optional"));

			if (fp)
				got = ks_field(p, fp);
			else if (cm)
				got = ks_ref_value(p, "configmaps", cm,
						   json_str(vf, "configMapKeyRef.key") ?: "");
			else if (sec)
				got = ks_ref_value(p, "secrets", sec,
						   json_str(vf, "secretKeyRef.key") ?: "");
			if (!got && (cm || sec) && !optional) {
				snprintf(
				    err, len, "couldn't find key %s in %s %s/%s",
				    json_str(vf, cm ? "configMapKeyRef.key" : "secretKeyRef.key")
					?: "",
				    cm ? "ConfigMap" : "Secret", p->ns, cm ? cm : sec);
				return -ENOENT;
			}
			if (!got)
				continue;
			v[i++] = ks_printf(ks, "%s=%s", name, got);
			free(got);
			continue;
		}
		v[i++] = ks_printf(ks, "%s=%s", name, val ? val : "");
	}
	ks->s.env = v;
	return 0;
}

/* securityContext field of the container, else of the pod. */
static const cJSON *ks_sc(const struct kl_pod *p, const cJSON *c, const char *key)
{
	const cJSON *v = json_at(cJSON_GetObjectItemCaseSensitive(c, "securityContext"), key);

	return v ? v : json_at(json_at(p->obj, "spec.securityContext"), key);
}

static int ks_resources(struct kl_spec *ks, const cJSON *c, char *err, size_t len)
{
	const cJSON *lim = json_at(c, "resources.limits"), *req = json_at(c, "resources.requests");
	const char *mem = json_str(lim, "memory"), *cpu = json_str(lim, "cpu");
	const char *rcpu = json_str(req, "cpu");
	double d;

	if (mem) {
		if (quantity_parse(mem, &d) || d < 4096) {
			snprintf(err, len,
				 "resources.limits.memory %s: too small for a container "
				 "(at least 4Ki)",
				 mem);
			return -EINVAL;
		}
		ks->s.memory_limit = (uint64_t)d;
	}
	if (cpu && !quantity_parse(cpu, &d) && d > 0) {
		ks->s.cpu_period_us = 100000;
		ks->s.cpu_quota_us = (int64_t)(d * 100000);
		if (ks->s.cpu_quota_us < 1000)
			ks->s.cpu_quota_us = 1000; /* the kernel's minimum quota */
	}
	if (rcpu && !quantity_parse(rcpu, &d) && d > 0)
		ks->s.cpu_shares = (uint64_t)(d * 1024) < 2 ? 2 : (uint64_t)(d * 1024);
	return 0;
}

static int ks_mount(struct kl_spec *ks, const char *src, const char *dst, const char *type, bool ro)
{
	if (ks->s.nmounts == (int)(sizeof(ks->mounts) / sizeof(ks->mounts[0])))
		return -E2BIG;
	ks->mounts[ks->s.nmounts++] = (struct rt_mount){src, dst, type, ro};
	return 0;
}

static const char *ks_vol_dir(struct kl_spec *ks, const struct kl_pod *p, const char *name)
{
	return ks_printf(ks, "%s/pods/%s/volumes/%s", p->pp->k->o.root_dir, p->uid, name);
}

static int ks_mounts(struct kl_spec *ks, const struct kl_pod *p, const cJSON *c, char *err,
		     size_t len)
{
	const cJSON *vm, *vols = json_at(p->obj, "spec.volumes"), *am;
	bool has_sa = false;

	ks_mount(ks, p->files.hosts, "/etc/hosts", "bind", false);
	ks_mount(ks, p->files.resolv, "/etc/resolv.conf", "bind", false);
	ks_mount(ks, p->files.hostname_file, "/etc/hostname", "bind", false);
	cJSON_ArrayForEach(vm, cJSON_GetObjectItemCaseSensitive(c, "volumeMounts"))
	{
		const char *name = json_str(vm, "name"), *path = json_str(vm, "mountPath");
		bool ro = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(vm, "readOnly"));
		const cJSON *v = NULL, *it;

		cJSON_ArrayForEach(it, vols)
		{
			if (name && json_str(it, "name") && !strcmp(json_str(it, "name"), name))
				v = it;
		}
		if (!v || !path) {
			snprintf(err, len, "volumeMounts: volume \"%s\" is not in spec.volumes",
				 name ? name : "");
			return -ENOENT;
		}
		if (!strcmp(path, KL_SA_DIR))
			has_sa = true;
		if (json_at(v, "hostPath")) {
			ks_mount(ks, ks_printf(ks, "%s", json_str(v, "hostPath.path") ?: "/"), path,
				 "bind", ro);
		} else if (json_at(v, "persistentVolumeClaim")) {
			char dir[1024];
			int r = kl_pvc_dir((struct kl_pod *)p,
					   json_str(v, "persistentVolumeClaim.claimName") ?: "",
					   dir, sizeof(dir), err, len);

			if (r)
				return r;
			ks_mount(ks, ks_printf(ks, "%s", dir), path, "bind",
				 ro || cJSON_IsTrue(json_at(v, "persistentVolumeClaim.readOnly")));
		} else if (json_at(v, "emptyDir") && json_str(v, "emptyDir.medium") &&
			   !strcmp(json_str(v, "emptyDir.medium"), "Memory")) {
			ks_mount(ks, NULL, ks_printf(ks, "%s", path), "tmpfs", ro);
		} else if (json_at(v, "emptyDir") || json_at(v, "configMap") ||
			   json_at(v, "secret")) {
			ks_mount(ks, ks_vol_dir(ks, p, name), path, "bind",
				 ro || !json_at(v, "emptyDir"));
		} else {
			snprintf(err, len,
				 "volume \"%s\": only emptyDir, hostPath, configMap, secret "
				 "and persistentVolumeClaim volumes are supported by this "
				 "kubelet",
				 name);
			return -ENOTSUP;
		}
	}
	am = json_at(p->obj, "spec.automountServiceAccountToken");
	if (!has_sa && !cJSON_IsFalse(am) && p->sa_token)
		ks_mount(ks, ks_vol_dir(ks, p, "kube-api-access"), KL_SA_DIR, "bind", true);
	ks->s.mounts = ks->mounts;
	return 0;
}

int kl_spec_build(struct kl_pod *p, int i, struct kl_spec *ks, char *err, size_t len)
{
	const cJSON *c = cJSON_GetArrayItem(json_at(p->obj, "spec.containers"), i);
	const struct kubelet *k = p->pp->k;
	const cJSON *uid, *gid, *caps;
	const char *name = p->ctrs[i].name, *log_dir;
	int r;

	memset(ks, 0, sizeof(*ks));
	if (!c) {
		snprintf(err, len, "container %d is not in the pod spec", i);
		return -ENOENT;
	}
	ks->s.id = p->ctrs[i].id;
	ks->s.dir = ks_printf(ks, "%s/pods/%s/containers/%s", k->o.root_dir, p->uid, name);
	ks->s.image = json_str(c, "image") ?: "";
	ks->s.command = ks_argv(ks, cJSON_GetObjectItemCaseSensitive(c, "command"));
	ks->s.args = ks_argv(ks, cJSON_GetObjectItemCaseSensitive(c, "args"));
	ks->s.working_dir = json_str(c, "workingDir");
	uid = ks_sc(p, c, "runAsUser");
	gid = ks_sc(p, c, "runAsGroup");
	if (cJSON_IsNumber(uid) || cJSON_IsNumber(gid)) {
		ks->s.has_user = true;
		ks->s.uid = cJSON_IsNumber(uid) ? (uint32_t)uid->valuedouble : 0;
		ks->s.gid = cJSON_IsNumber(gid) ? (uint32_t)gid->valuedouble : 0;
	}
	ks->s.readonly_rootfs = cJSON_IsTrue(ks_sc(p, c, "readOnlyRootFilesystem"));
	caps = json_at(cJSON_GetObjectItemCaseSensitive(c, "securityContext"), "capabilities");
	ks->s.cap_add = ks_argv(ks, cJSON_GetObjectItemCaseSensitive(caps, "add"));
	ks->s.cap_drop = ks_argv(ks, cJSON_GetObjectItemCaseSensitive(caps, "drop"));
	ks->s.netns_path = p->sb.netns_path;
	ks->s.hostname = p->files.hostname;
	ks->s.cgroup_parent = ks_printf(ks, "%s/pod%s", k->o.cgroup_parent, p->uid);
	log_dir = ks_printf(ks, "%s/pods/%s/logs/%s", k->o.root_dir, p->uid, name);
	ks->s.log_path = ks_printf(ks, "%s/%d.log", log_dir ?: "",
				   p->ctrs[i].restarts + (p->ctrs[i].started_once ? 1 : 0));
	ks->s.log_max_size = k->o.log_max_size;
	if (!ks->s.dir || !ks->s.cgroup_parent || !log_dir || !ks->s.log_path)
		goto nomem;
	/* the shim only opens the log file: its directory has to exist */
	if ((r = sb_mkdir_p(log_dir))) {
		snprintf(err, len, "mkdir %s: %s", log_dir, strerror(-r));
		kl_spec_free(ks);
		return r;
	}
	if ((r = ks_env(ks, p, c, err, len)) || (r = ks_resources(ks, c, err, len)) ||
	    (r = ks_mounts(ks, p, c, err, len))) {
		kl_spec_free(ks);
		return r;
	}
	return 0;
nomem:
	kl_spec_free(ks);
	snprintf(err, len, "out of memory");
	return -ENOMEM;
}

/* ---- volumes on disk ---- */

static int kv_write(const char *dir, const char *file, const char *data, size_t n, mode_t mode)
{
	char path[1200], tmp[1300];
	int fd, r = 0;

	/* keys are validated names: no '/' except as items' paths say */
	snprintf(path, sizeof(path), "%s/%s", dir, file);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0)
		return -errno;
	if (write(fd, data, n) != (ssize_t)n)
		r = -EIO;
	close(fd);
	if (!r && rename(tmp, path))
		r = -errno;
	return r;
}

/* The keys of a ConfigMap or Secret as files (items choose and rename). */
static int kv_ref_files(struct kl_pod *p, const char *dir, const char *res, const char *name,
			const cJSON *items, bool optional, char *err, size_t len)
{
	char k[400];
	const cJSON *o, *kv, *it;
	int r;

	snprintf(k, sizeof(k), "%s/%s", res, name);
	o = cJSON_GetObjectItemCaseSensitive(p->refs, k);
	if (!o || cJSON_IsNull(o)) {
		if (optional)
			return 0;
		snprintf(err, len, "%s \"%s\" not found",
			 !strcmp(res, "secrets") ? "secret" : "configmap", name);
		return -ENOENT;
	}
	cJSON_ArrayForEach(kv, json_at(o, "data"))
	{
		const char *file = kv->string;
		char *val;

		if (cJSON_GetArraySize(items)) {
			file = NULL;
			cJSON_ArrayForEach(it, items)
			{
				if (json_str(it, "key") && !strcmp(json_str(it, "key"), kv->string))
					file = json_str(it, "path");
			}
			if (!file)
				continue;
		}
		if (strchr(file, '/') || !strcmp(file, "..") || !strcmp(file, "."))
			continue; /* validation refuses these; never write outside dir */
		val = ks_ref_value(p, res, name, kv->string);
		if (!val)
			continue;
		r = kv_write(dir, file, val, strlen(val), !strcmp(res, "secrets") ? 0640 : 0644);
		free(val);
		if (r) {
			snprintf(err, len, "writing %s/%s: %s", dir, file, strerror(-r));
			return r;
		}
	}
	return 0;
}

int kl_volumes_write(struct kl_pod *p, char *err, size_t len)
{
	const cJSON *v;
	char dir[800];
	int r;

	cJSON_ArrayForEach(v, json_at(p->obj, "spec.volumes"))
	{
		const char *name = json_str(v, "name");

		if (!name || json_at(v, "hostPath"))
			continue;
		if (json_at(v, "persistentVolumeClaim")) {
			r = kl_pvc_prepare(p, json_str(v, "persistentVolumeClaim.claimName") ?: "",
					   err, len);
			if (r)
				return r;
			continue;
		}
		snprintf(dir, sizeof(dir), "%s/pods/%s/volumes/%s", p->pp->k->o.root_dir, p->uid,
			 name);
		if ((r = sb_mkdir_p(dir))) {
			snprintf(err, len, "%s: %s", dir, strerror(-r));
			return r;
		}
		if (json_at(v, "configMap"))
			r = kv_ref_files(p, dir, "configmaps", json_str(v, "configMap.name") ?: "",
					 json_at(v, "configMap.items"),
					 cJSON_IsTrue(json_at(v, "configMap.optional")), err, len);
		else if (json_at(v, "secret"))
			r = kv_ref_files(p, dir, "secrets", json_str(v, "secret.secretName") ?: "",
					 json_at(v, "secret.items"),
					 cJSON_IsTrue(json_at(v, "secret.optional")), err, len);
		if (r)
			return r;
	}
	if (p->sa_token) {
		const char *ca = kclient_ca_pem(p->pp->k->c);

		snprintf(dir, sizeof(dir), "%s/pods/%s/volumes/kube-api-access",
			 p->pp->k->o.root_dir, p->uid);
		if ((r = sb_mkdir_p(dir)) ||
		    (r = kv_write(dir, "token", p->sa_token, strlen(p->sa_token), 0644)) ||
		    (r = kv_write(dir, "namespace", p->ns, strlen(p->ns), 0644)) ||
		    (ca && (r = kv_write(dir, "ca.crt", ca, strlen(ca), 0644)))) {
			snprintf(err, len, "the ServiceAccount token volume: %s", strerror(-r));
			return r;
		}
	}
	return 0;
}
