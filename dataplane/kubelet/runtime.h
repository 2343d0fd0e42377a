/* runtime: containers as OCI bundles run by runc, each under a small shim process. */
#ifndef SKIFF_KL_RUNTIME_H
#define SKIFF_KL_RUNTIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ev_loop;
struct cJSON;

struct rt;     /* one per node: root dir, runc path, cgroup layout */
struct rt_ctr; /* one container */
struct rt_mount {
	const char *src, *dst, *type;
	bool ro;
}; /* type "bind" or "tmpfs" (src ignored) */
struct rt_spec {
	const char *id;	   /* unique, [a-z0-9_-], e.g. "<pod-uid>_<container>" */
	const char *dir;   /* bundle dir (created): config.json, rootfs/, state, exit file */
	const char *image; /* name in <root>/images/, or "host" (the host root, read-only) */
	char *const *command, *const *args; /* k8s semantics: command overrides Entrypoint, args
					       overrides Cmd; NULL = image's */
	char *const *env;		    /* "K=V" (image Env first, these override) */
	const char *working_dir;	    /* NULL = image's, else "/" */
	bool has_user;
	uint32_t uid, gid;
	bool readonly_rootfs;
	char *const *cap_add, *const *cap_drop; /* "NET_ADMIN" or "CAP_NET_ADMIN"; "ALL" too */
	const char
	    *netns_path; /* join this network namespace (the pod's sandbox); NULL = a new one */
	const char *hostname;
	const struct rt_mount *mounts;
	int nmounts;
	uint64_t memory_limit;		     /* bytes, 0 none */
	int64_t cpu_quota_us, cpu_period_us; /* quota 0 none */
	uint64_t cpu_shares;		     /* from requests, 0 default */
	int64_t pids_limit;		     /* 0 none */
	const char
	    *cgroup_parent;    /* relative cgroup path for the pod, e.g.
				  "skiff/<cluster>/<node>/pod<uid>"; the	   container's
				  cgroup	   is	   <cgroup_parent>/<id> in every hierarchy */
	const char *log_path;  /* stdout+stderr, kubelet's CRI log format lines: "<RFC3339Nano>
				  stdout F <line>" */
	uint64_t log_max_size; /* rotate to <log_path>.1 past this */
};
struct rt_state {
	enum { RT_CREATED, RT_RUNNING, RT_EXITED, RT_UNKNOWN } status;
	int pid;
	int exit_code;
	int signal;
	bool oom_killed;
	double started_at, finished_at; /* wall clock */
	char reason[64];		/* on failure to start: "ErrImageNeverPull", "ErrImagePull",
					   "CreateContainerError",	        "RunContainerError", "StartError" ... */
	char message[512];
};
struct rt_opts {
	const char *root_dir;
	const char *runc;     /* default "runc" */
	const char *shim_exe; /* the shim binary; default skiff-shim next to this one */
};
int rt_new(struct ev_loop *loop, const struct rt_opts *o, struct rt **out);
void rt_free(struct rt *rt); /* does NOT stop containers */
/* Create and start. Returns 0 with *out, or -errno with st->reason/message filled (image missing:
 * ErrImageNeverPull with a message saying how to import one into <root>/images/<name>). on_exit(ud,
 * ctr) is called on the loop as soon as the container's process exits (pidfd, not polling). */
int rt_run(struct rt *rt, const struct rt_spec *s, void (*on_exit)(void *ud, struct rt_ctr *c),
	   void *ud, struct rt_ctr **out, struct rt_state *st);
/* rt_run without blocking the loop on runc (~50-100 ms a container): returns 0 once the shim is
 * started and calls started(ud, c, st) on the loop when the container runs (c set, as rt_run's
 * *out) or failed to (c NULL, st->reason/message filled). Failures found before the shim (image,
 * config) return -errno at once with st filled, and started is not called. */
int rt_run_async(struct rt *rt, const struct rt_spec *s,
		 void (*started)(void *ud, struct rt_ctr *c, const struct rt_state *st),
		 void (*on_exit)(void *ud, struct rt_ctr *c), void *ud, struct rt_state *st);
/* After a skiff-node restart: re-attach to a container still running (or exited meanwhile) from its
 * dir; its on_exit fires later (or at once if it already exited). -ENOENT if nothing is there. */
int rt_adopt(struct rt *rt, const char *id, const char *dir,
	     void (*on_exit)(void *, struct rt_ctr *), void *ud, struct rt_ctr **out);
void rt_get_state(const struct rt_ctr *c, struct rt_state *st);
const char *rt_ctr_id(const struct rt_ctr *c);
int rt_kill(struct rt_ctr *c, int sig); /* to the container's init */
/* Remove the container (runc delete --force), its cgroup and bundle; frees c. Files in the bundle
 * dir that the runtime did not write (logs, say) are kept, and the dir with them. */
int rt_delete(struct rt_ctr *c);
/* Run argv inside the container (runc exec), calling done(ud, exit_code) on the loop, killing it
 * after timeout_s (exit code -ETIMEDOUT). For exec probes and preStop hooks. Pending execs are
 * cancelled (done not called) by rt_delete. */
int rt_exec(struct rt_ctr *c, char *const *argv, double timeout_s, void (*done)(void *ud, int code),
	    void *ud);
/* Containers runc knows under this node's root (for leftover cleanup at start): ids[i] with its
 * bundle dirs[i]; both NULL-terminated arrays the caller frees with rt_list_free. Returns the count
 * or -errno. */
int rt_list(struct rt *rt, char ***ids, char ***dirs);
void rt_list_free(char **v);
/* Forced removal by id and dir of a container not adopted (runc delete --force, its cgroup as
 * config.json names it, bundle files). */
int rt_remove(struct rt *rt, const char *id, const char *dir);
/* Remove a pod's (empty) cgroup <rel> from every hierarchy, children first. */
int rt_cgroup_remove(struct rt *rt, const char *rel);

/* ---- module-internal (runtime_runc.c, shim.c, oci_spec.c, images.c, cgroups.c) ---- */

/* The shim: `skiff-node shim <bundle-dir> <id> <runc> <runc-root> <log-path> <log-max>
 * <memcg-dir|->`, reporting on fd 3. Returns the process exit status. */
int rt_shim_main(int argc, char **argv); /* skiff-shim's main (shim.c) */

/* An image's config (OCI image config "config" fields); NULL-terminated vectors, NULL when unset.
 */
struct rt_image {
	char rootfs[4096]; /* "" for the host image */
	bool host;
	char **entrypoint, **cmd, **env;
	char *working_dir;
	bool has_user;
	uint32_t uid, gid;
};
/* Resolve a name ("busybox", "busybox:1.36", "host") in <root>/images/, unpacking an OCI image
 * layout there on first use. -ENOENT with msg for a missing image, -EINVAL for a bad name or a
 * broken config.json, -EBADMSG for a layout that cannot be unpacked. */
int rt_image_resolve(const char *root_dir, const char *name, struct rt_image *img, char *msg,
		     size_t msglen);
void rt_image_release(struct rt_image *img);
/* A small JSON file parsed (NULL if missing or not JSON). */
struct cJSON *rt_json_file(const char *path);
/* text into path through path.tmp and a rename, so readers never see half a file. */
int rt_write_file(const char *path, const char *text);
/* Unpack the OCI image layout in dir (index.json, blobs/) into dir/rootfs, its image config
 * into dir/config.json (image_layout.c). Every failure is -EBADMSG with msg saying why; nothing
 * of a failed unpack stays. */
int rt_image_layout_unpack(const char *dir, char *msg, size_t msglen);

enum rt_cg_mode { RT_CG_V1, RT_CG_V2 };
/* The container's cgroup path as in linux.cgroupsPath: "/<cgroup_parent>/<id>" (absolute, so runc
 * puts it at the same place under every hierarchy's root, not below its own cgroup). */
int rt_cgroup_path(const struct rt_spec *s, char *buf, size_t len);
enum rt_cg_mode rt_cgroup_mode(const char *sysfs_root);
/* The memory controller's directory of cgroup path cg (for the OOM counter). */
int rt_cgroup_memdir(const char *sysfs_root, enum rt_cg_mode m, const char *cg, char *buf,
		     size_t len);
/* The oom_kill count of a memory cgroup dir (v1 memory.oom_control, v2 memory.events), -errno. */
long rt_cgroup_oom_kills(const char *memdir);
/* rmdir cg (absolute cgroup path) and its children from every hierarchy under sysfs_root. */
int rt_cgroup_rmdir_all(const char *sysfs_root, const char *cg);

/* Build config.json for spec s with image img. NULL with reason/msg on a spec that cannot run.
 * host_dirs: the host directories bound read-only into a host image's rootfs (those that are not
 * symlinks). */
struct cJSON *rt_oci_spec(const struct rt_spec *s, const struct rt_image *img,
			  const char *rootfs_path, const char *const *host_dirs, char *reason,
			  size_t rlen, char *msg, size_t mlen);

#endif
