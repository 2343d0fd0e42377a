/* oci_spec: an rt_spec plus its image's config -> an OCI runtime config.json
 * (runtime-spec 1.0) for runc. Pure: no file system access, so it is unit-tested
 * field by field (tests/unit/test_kl_oci.c). The defaults follow `runc spec`
 * (mounts, masked and read-only paths) and Docker (capabilities). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "kubelet/runtime.h"

/* Docker's (and containerd's CRI) default capability set. */
static const char *const default_caps[] = {
    "CAP_CHOWN",
    "CAP_DAC_OVERRIDE",
    "CAP_FSETID",
    "CAP_FOWNER",
    "CAP_MKNOD",
    "CAP_NET_RAW",
    "CAP_SETGID",
    "CAP_SETUID",
    "CAP_SETFCAP",
    "CAP_SETPCAP",
    "CAP_NET_BIND_SERVICE",
    "CAP_SYS_CHROOT",
    "CAP_KILL",
    "CAP_AUDIT_WRITE",
    NULL,
};

/* Every capability of Linux 5.x+, for "ALL". */
static const char *const all_caps[] = {
    "CAP_CHOWN",
    "CAP_DAC_OVERRIDE",
    "CAP_DAC_READ_SEARCH",
    "CAP_FOWNER",
    "CAP_FSETID",
    "CAP_KILL",
    "CAP_SETGID",
    "CAP_SETUID",
    "CAP_SETPCAP",
    "CAP_LINUX_IMMUTABLE",
    "CAP_NET_BIND_SERVICE",
    "CAP_NET_BROADCAST",
    "CAP_NET_ADMIN",
    "CAP_NET_RAW",
    "CAP_IPC_LOCK",
    "CAP_IPC_OWNER",
    "CAP_SYS_MODULE",
    "CAP_SYS_RAWIO",
    "CAP_SYS_CHROOT",
    "CAP_SYS_PTRACE",
    "CAP_SYS_PACCT",
    "CAP_SYS_ADMIN",
    "CAP_SYS_BOOT",
    "CAP_SYS_NICE",
    "CAP_SYS_RESOURCE",
    "CAP_SYS_TIME",
    "CAP_SYS_TTY_CONFIG",
    "CAP_MKNOD",
    "CAP_LEASE",
    "CAP_AUDIT_WRITE",
    "CAP_AUDIT_CONTROL",
    "CAP_SETFCAP",
    "CAP_MAC_OVERRIDE",
    "CAP_MAC_ADMIN",
    "CAP_SYSLOG",
    "CAP_WAKE_ALARM",
    "CAP_BLOCK_SUSPEND",
    "CAP_AUDIT_READ",
    "CAP_PERFMON",
    "CAP_BPF",
    "CAP_CHECKPOINT_RESTORE",
    NULL,
};

#define DEFAULT_PATH "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

static int vlen(char *const *v)
{
	int n = 0;

	while (v && v[n])
		n++;
	return n;
}

static cJSON *strv(char *const *v)
{
	cJSON *a = cJSON_CreateArray();

	for (int i = 0; v && v[i]; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(v[i]));
	return a;
}

static cJSON *strv_c(const char *const *v)
{
	return strv((char *const *)v);
}

/* "net_admin", "NET_ADMIN" or "CAP_NET_ADMIN" -> "CAP_NET_ADMIN". */
static void cap_name(const char *in, char *out, size_t len)
{
	size_t o = 0;

	if (strncasecmp(in, "CAP_", 4) != 0)
		o = (size_t)snprintf(out, len, "CAP_");
	for (; *in && o + 1 < len; in++)
		out[o++] = (char)((*in >= 'a' && *in <= 'z') ? *in - 32 : *in);
	out[o] = 0;
}

static bool caps_has(char *const *v, const char *cap)
{
	char n[64];

	for (int i = 0; v && v[i]; i++) {
		if (strcasecmp(v[i], "ALL") == 0)
			return true;
		cap_name(v[i], n, sizeof(n));
		if (strcmp(n, cap) == 0)
			return true;
	}
	return false;
}

/* default + add - drop, as the CRI does: drop wins over add, "ALL" in either. */
static cJSON *caps_list(const struct rt_spec *s)
{
	cJSON *a = cJSON_CreateArray();

	for (int i = 0; all_caps[i]; i++) {
		const char *c = all_caps[i];
		bool dflt = false;

		for (int j = 0; default_caps[j] && !dflt; j++)
			dflt = strcmp(default_caps[j], c) == 0;
		if (!dflt && !caps_has(s->cap_add, c))
			continue;
		if (caps_has(s->cap_drop, c))
			continue;
		cJSON_AddItemToArray(a, cJSON_CreateString(c));
	}
	return a;
}

static bool env_key_eq(const char *a, const char *b)
{
	size_t la = strcspn(a, "="), lb = strcspn(b, "=");

	return la == lb && memcmp(a, b, la) == 0;
}

/* Image Env first; a spec variable replaces the image's of the same name in its
 * place, else is appended; PATH and HOSTNAME are added when neither sets them. */
static cJSON *env_list(const struct rt_spec *s, const struct rt_image *img)
{
	int n = vlen(img->env) + vlen(s->env) + 2, k = 0;
	const char **v = calloc((size_t)n + 1, sizeof(*v));
	char host[300];
	cJSON *a;

	if (!v)
		return NULL;
	for (int i = 0; img->env && img->env[i]; i++)
		v[k++] = img->env[i];
	for (int i = 0; s->env && s->env[i]; i++) {
		int j;

		for (j = 0; j < k && !env_key_eq(v[j], s->env[i]); j++)
			;
		v[j] = s->env[i];
		if (j == k)
			k++;
	}
	bool has_path = false, has_host = false;

	for (int j = 0; j < k; j++) {
		has_path |= env_key_eq(v[j], "PATH=");
		has_host |= env_key_eq(v[j], "HOSTNAME=");
	}
	if (!has_path)
		v[k++] = DEFAULT_PATH;
	snprintf(host, sizeof(host), "HOSTNAME=%s", s->hostname ? s->hostname : "");
	if (!has_host && s->hostname)
		v[k++] = host;
	a = strv_c(v);
	free(v);
	return a;
}

/* k8s: command replaces Entrypoint (and then the image's Cmd is not used);
 * args replaces Cmd. */
static cJSON *args_list(const struct rt_spec *s, const struct rt_image *img)
{
	char *const *first = s->command ? s->command : img->entrypoint;
	char *const *second = s->args ? s->args : (s->command ? NULL : img->cmd);
	cJSON *a = strv(first);

	for (int i = 0; second && second[i]; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(second[i]));
	return a;
}

static void add_mount(cJSON *mounts, const char *dst, const char *type, const char *src,
		      const char *const *opts)
{
	cJSON *m = cJSON_CreateObject();

	cJSON_AddStringToObject(m, "destination", dst);
	cJSON_AddStringToObject(m, "type", type);
	cJSON_AddStringToObject(m, "source", src);
	cJSON_AddItemToObject(m, "options", strv_c(opts));
	cJSON_AddItemToArray(mounts, m);
}

static cJSON *mounts_list(const struct rt_spec *s, const struct rt_image *img,
			  const char *const *host_dirs, bool ro_root)
{
	static const char *const o_proc[] = {"nosuid", "noexec", "nodev", NULL};
	static const char *const o_dev[] = {"nosuid", "strictatime", "mode=755", "size=65536k",
					    NULL};
	static const char *const o_pts[] = {"nosuid",	 "noexec", "newinstance", "ptmxmode=0666",
					    "mode=0620", "gid=5",  NULL};
	static const char *const o_shm[] = {"nosuid",	 "noexec",	"nodev",
					    "mode=1777", "size=65536k", NULL};
	static const char *const o_mq[] = {"nosuid", "noexec", "nodev", NULL};
	static const char *const o_sys[] = {"nosuid", "noexec", "nodev", "ro", NULL};
	static const char *const o_cg[] = {"nosuid", "noexec", "nodev", "relatime", "ro", NULL};
	static const char *const o_bind_ro[] = {"rbind", "rprivate", "nosuid", "nodev", "ro", NULL};
	static const char *const o_bind[] = {"rbind", "rprivate", NULL};
	static const char *const o_bind_ro_x[] = {"rbind", "rprivate", "ro", NULL};
	static const char *const o_tmpfs[] = {"nosuid", "nodev", "mode=1777", NULL};
	cJSON *a = cJSON_CreateArray();

	add_mount(a, "/proc", "proc", "proc", o_proc);
	add_mount(a, "/dev", "tmpfs", "tmpfs", o_dev);
	add_mount(a, "/dev/pts", "devpts", "devpts", o_pts);
	add_mount(a, "/dev/shm", "tmpfs", "shm", o_shm);
	add_mount(a, "/dev/mqueue", "mqueue", "mqueue", o_mq);
	add_mount(a, "/sys", "sysfs", "sysfs", o_sys);
	/* runc cannot create the cgroup mount's directories in a read-only
	 * rootfs (it fails "mkdir /sys/fs/cgroup/...: read-only file system"). */
	if (!ro_root)
		add_mount(a, "/sys/fs/cgroup", "cgroup", "cgroup", o_cg);
	/* The host image: its directories, read-only; exec allowed (o_bind_ro_x). */
	for (int i = 0; img->host && host_dirs && host_dirs[i]; i++)
		add_mount(a, host_dirs[i], "bind", host_dirs[i], o_bind_ro_x);
	for (int i = 0; i < s->nmounts; i++) {
		const struct rt_mount *m = &s->mounts[i];

		if (m->type && strcmp(m->type, "tmpfs") == 0) {
			static const char *const o_tmpfs_ro[] = {"nosuid", "nodev", "mode=1777",
								 "ro", NULL};

			add_mount(a, m->dst, "tmpfs", "tmpfs", m->ro ? o_tmpfs_ro : o_tmpfs);
		} else {
			add_mount(a, m->dst, "bind", m->src, m->ro ? o_bind_ro : o_bind);
		}
	}
	return a;
}

static void add_ns(cJSON *a, const char *type, const char *path)
{
	cJSON *n = cJSON_CreateObject();

	cJSON_AddStringToObject(n, "type", type);
	if (path)
		cJSON_AddStringToObject(n, "path", path);
	cJSON_AddItemToArray(a, n);
}

static cJSON *resources(const struct rt_spec *s)
{
	cJSON *r = cJSON_CreateObject();

	/* runc's default device allow list is its own; deny-all then the
	 * standard devices, as `runc spec` writes. */
	cJSON *devs = cJSON_AddArrayToObject(r, "devices");
	cJSON *d = cJSON_CreateObject();

	cJSON_AddBoolToObject(d, "allow", false);
	cJSON_AddStringToObject(d, "access", "rwm");
	cJSON_AddItemToArray(devs, d);
	if (s->memory_limit) {
		cJSON *m = cJSON_AddObjectToObject(r, "memory");

		cJSON_AddNumberToObject(m, "limit", (double)s->memory_limit);
	}
	if (s->cpu_quota_us > 0 || s->cpu_shares) {
		cJSON *c = cJSON_AddObjectToObject(r, "cpu");

		if (s->cpu_shares)
			cJSON_AddNumberToObject(c, "shares", (double)s->cpu_shares);
		if (s->cpu_quota_us > 0) {
			cJSON_AddNumberToObject(c, "quota", (double)s->cpu_quota_us);
			cJSON_AddNumberToObject(
			    c, "period",
			    (double)(s->cpu_period_us > 0 ? s->cpu_period_us : 100000));
		}
	}
	if (s->pids_limit > 0) {
		cJSON *p = cJSON_AddObjectToObject(r, "pids");

		cJSON_AddNumberToObject(p, "limit", (double)s->pids_limit);
	}
	return r;
}

static void fail(char *reason, size_t rlen, char *msg, size_t mlen, const char *r, const char *m)
{
	snprintf(reason, rlen, "%s", r);
	snprintf(msg, mlen, "%s", m);
}

struct cJSON *rt_oci_spec(const struct rt_spec *s, const struct rt_image *img,
			  const char *rootfs_path, const char *const *host_dirs, char *reason,
			  size_t rlen, char *msg, size_t mlen)
{
	static const char *const masked[] = {"/proc/acpi",
					     "/proc/asound",
					     "/proc/kcore",
					     "/proc/keys",
					     "/proc/latency_stats",
					     "/proc/timer_list",
					     "/proc/timer_stats",
					     "/proc/sched_debug",
					     "/sys/firmware",
					     "/proc/scsi",
					     NULL};
	static const char *const ro_paths[] = {
	    "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger", NULL};
	bool ro_root = s->readonly_rootfs || img->host;
	char cg[4096];
	cJSON *j, *p, *a, *l, *argv;

	argv = args_list(s, img);
	if (cJSON_GetArraySize(argv) == 0) {
		cJSON_Delete(argv);
		if (img->host)
			fail(reason, rlen, msg, mlen, "CreateContainerConfigError",
			     "image \"host\" has no entrypoint: the container must set command");
		else
			fail(reason, rlen, msg, mlen, "CreateContainerConfigError",
			     "no command specified");
		return NULL;
	}
	if (rt_cgroup_path(s, cg, sizeof(cg))) {
		cJSON_Delete(argv);
		fail(reason, rlen, msg, mlen, "CreateContainerConfigError", "cgroup path too long");
		return NULL;
	}
	j = cJSON_CreateObject();
	cJSON_AddStringToObject(j, "ociVersion", "1.0.2-dev");

	p = cJSON_AddObjectToObject(j, "process");
	cJSON_AddBoolToObject(p, "terminal", false);
	cJSON *u = cJSON_AddObjectToObject(p, "user");
	uint32_t uid = s->has_user ? s->uid : (img->has_user ? img->uid : 0);
	uint32_t gid = s->has_user ? s->gid : (img->has_user ? img->gid : 0);

	cJSON_AddNumberToObject(u, "uid", uid);
	cJSON_AddNumberToObject(u, "gid", gid);
	cJSON_AddItemToObject(p, "args", argv);
	cJSON_AddItemToObject(p, "env", env_list(s, img));
	cJSON_AddStringToObject(
	    p, "cwd",
	    s->working_dir ? s->working_dir
			   : (img->working_dir && *img->working_dir ? img->working_dir : "/"));
	cJSON *caps = cJSON_AddObjectToObject(p, "capabilities");

	/* Ambient and inheritable stay empty (containerd 1.6+), so a non-root
	 * user gets none of these unless its binary has file capabilities. */
	cJSON_AddItemToObject(caps, "bounding", caps_list(s));
	cJSON_AddItemToObject(caps, "effective", caps_list(s));
	cJSON_AddItemToObject(caps, "permitted", caps_list(s));
	/* No rlimits: the container inherits the node's (runc may not raise them
	 * past the hard limit it was given). */
	cJSON_AddBoolToObject(p, "noNewPrivileges", false);

	cJSON *root = cJSON_AddObjectToObject(j, "root");

	cJSON_AddStringToObject(root, "path", rootfs_path);
	cJSON_AddBoolToObject(root, "readonly", ro_root);
	cJSON_AddStringToObject(j, "hostname", s->hostname ? s->hostname : s->id);
	cJSON_AddItemToObject(j, "mounts", mounts_list(s, img, host_dirs, ro_root));

	l = cJSON_AddObjectToObject(j, "linux");
	cJSON_AddStringToObject(l, "cgroupsPath", cg);
	cJSON_AddItemToObject(l, "resources", resources(s));
	a = cJSON_AddArrayToObject(l, "namespaces");
	add_ns(a, "pid", NULL);
	add_ns(a, "ipc", NULL);
	add_ns(a, "uts", NULL);
	add_ns(a, "mount", NULL);
	add_ns(a, "network", s->netns_path);
	cJSON_AddItemToObject(l, "maskedPaths", strv_c(masked));
	cJSON_AddItemToObject(l, "readonlyPaths", strv_c(ro_paths));
	return j;
}
