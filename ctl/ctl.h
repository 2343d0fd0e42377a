/* ctl: shared declarations of skiffctl — options, the verb table type,
 * resource lookup, manifests, API calls and output helpers. */
#ifndef SKIFF_CTL_H
#define SKIFF_CTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <cjson/cJSON.h>

#include "kclient.h"

enum ctl_output {
	CTL_OUT_DEFAULT = 0, /* human table / message */
	CTL_OUT_WIDE,
	CTL_OUT_JSON,
	CTL_OUT_YAML,
	CTL_OUT_NAME,
};

struct ctl_opts {
	const char *kubeconfig; /* --kubeconfig, NULL: $KUBECONFIG or ~/.kube/config */
	const char *ns;		/* -n/--namespace, NULL: the context's namespace */
	bool all_ns;		/* -A/--all-namespaces */
	enum ctl_output out;	/* -o */
	const char *selector;	/* -l/--selector */
	const char *file;	/* -f/--filename ("-" is stdin) */
	bool help;		/* --help/-h */
	/* Set up lazily by ctl_client(). */
	struct kconfig kc;
	bool kc_loaded;
	struct kclient *client;
};

struct ctl_cmd {
	const char *name;
	int (*fn)(int argc, char **argv, struct ctl_opts *o);
	const char *help;
};

/* --- args.c: global flags and verb selection --- */

/* Pull the global flags out of argv (anywhere on the line, as kubectl
 * allows); the rest (verb, its arguments and flags) is compacted into
 * argv[0..*argc). "--" ends flag parsing. Returns 0 or -EINVAL after
 * printing an error that names the bad argument. */
int ctl_parse_global(int *argc, char **argv, struct ctl_opts *o);
/* The entry whose name equals verb or of which verb is a unique prefix.
 * NULL and *ambiguous set when several entries match. Table ends with a
 * NULL name. */
const struct ctl_cmd *ctl_cmd_select(const struct ctl_cmd *tbl, const char *verb, bool *ambiguous);
/* Run the selected verb (argv[0] is the verb) or print usage errors. */
int ctl_dispatch(const struct ctl_cmd *tbl, int argc, char **argv, struct ctl_opts *o);
void ctl_usage(const struct ctl_cmd *tbl, FILE *f);
/* Parse "--name=V" or "--name V" at argv[*i]; returns V or NULL. */
const char *ctl_flag_value(int argc, char **argv, int *i, const char *name);
/* Release what ctl_client() set up. */
void ctl_opts_free(struct ctl_opts *o);

/* --- output.c --- */

/* Report an error: "error: <msg>" on stderr, or {"error": "<msg>"} on
 * stdout with -o json. Always returns 1 (the exit status). */
int ctl_err(const struct ctl_opts *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* An error answer from the server, kubectl style:
 * "Error from server (NotFound): services "x" not found" or, for 422,
 * "The Service "x" is invalid: spec.ports[0].port: ...". context (may be
 * NULL) is inserted like kubectl's `error when creating "f.yaml": `.
 * Returns 1. */
int ctl_err_status(const struct ctl_opts *o, long status, const char *body, const char *context);
/* Pretty JSON like kubectl: keys sorted, 4-space indent. malloc'd. */
char *ctl_json_pretty(const cJSON *v);
/* Print an object in the -o json|yaml format; 1 (after an error) if it
 * cannot be printed. */
int ctl_print_object(const struct ctl_opts *o, const cJSON *obj);
/* Print "kind.group/name" for -o name. */
void ctl_print_name(const cJSON *obj);
/* Print rows as kubectl's tabwriter does: columns padded to the widest
 * cell + 3, the last column not padded. cells[r][c]. */
void ctl_print_table(char ***cells, int rows, int cols);
/* kubectl's HumanDuration of (now - RFC 3339 timestamp). */
void ctl_age(const char *rfc3339, char *buf, size_t len);

/* --- resource.c --- */

struct ctl_resource {
	const char *plural;	 /* "services" */
	const char *singular;	 /* "service" */
	const char *short_name;	 /* "svc" or NULL */
	const char *kind;	 /* "Service" */
	const char *group;	 /* "" (core), "apps", "discovery.k8s.io" */
	const char *api_version; /* "v1", "apps/v1", ... */
	bool namespaced;
};

/* By plural, singular or short name (case-insensitive), or by Kind. */
const struct ctl_resource *ctl_resource_find(const char *name);
/* By apiVersion and kind of a manifest. */
const struct ctl_resource *ctl_resource_by_kind(const char *api_version, const char *kind);
/* "service", "deployment.apps", "endpointslice.discovery.k8s.io" */
void ctl_resource_typename(const struct ctl_resource *r, char *buf, size_t len);
/* "services", "deployments.apps" (as in server messages) */
void ctl_resource_qualified(const struct ctl_resource *r, char *buf, size_t len);
/* Collection or object path; ns NULL means all namespaces; name may be
 * NULL; sub ("scale") may be NULL. malloc'd. */
char *ctl_resource_path(const struct ctl_resource *r, const char *ns, const char *name,
			const char *sub);

/* --- client.c --- */

/* The client for this run (loads the kubeconfig on first use). NULL after
 * printing an error. */
struct kclient *ctl_client(struct ctl_opts *o);
/* The namespace to use: -n, else the kubeconfig context's, else default. */
const char *ctl_namespace(struct ctl_opts *o);
/* Send a request with a JSON body (may be NULL). Returns 0 when an HTTP
 * answer came (resp->status set); else prints the transport error and
 * returns 1. */
int ctl_call(struct ctl_opts *o, const char *method, const char *path, const char *ctype,
	     const cJSON *body, const char *accept, struct kresp *resp);

/* --- manifest.c --- */

struct ctl_manifest {
	cJSON *obj; /* one object (List items are expanded) */
	const struct ctl_resource *res;
	const char *name; /* metadata.name inside obj */
	const char *ns;	  /* namespace to use (NULL: cluster-scoped) */
};

/* Read -f FILE ("-" = stdin), parse every document, expand Lists and
 * resolve each object's resource and namespace. On error prints it and
 * returns 1; on success fills *out (free with ctl_manifests_free). */
int ctl_manifests_load(struct ctl_opts *o, const char *file, struct ctl_manifest **out, int *n);
void ctl_manifests_free(struct ctl_manifest *m, int n);

/* --- cmd_create.c, shared by the writing verbs --- */

/* "service/web created" (what = "created"), or the object with -o
 * json|yaml, or "service/web" with -o name. obj may be NULL. */
void ctl_report_write(const struct ctl_opts *o, const struct ctl_resource *r, const cJSON *obj,
		      const char *name, const char *what);
/* metadata.name of obj, else fallback. */
const char *ctl_obj_name(const cJSON *obj, const char *fallback);

/* --- apply_patch.c --- */

/* kubectl's three-way JSON merge patch: deletions from original (last
 * applied) to modified, plus changes from current (live) to modified;
 * lists are replaced whole. Returns a new object ({} when nothing to do). */
cJSON *ctl_three_way_patch(const cJSON *original, const cJSON *modified, const cJSON *current);

/* The last-applied annotation's text for obj: compact JSON with keys
 * sorted and a final '\n', as kubectl writes it. malloc'd. */
char *ctl_last_applied_text(const cJSON *obj);

#define CTL_LAST_APPLIED "kubectl.kubernetes.io/last-applied-configuration"

/* --- verbs (cmd_*.c) --- */
int cmd_get(int argc, char **argv, struct ctl_opts *o);
int cmd_create(int argc, char **argv, struct ctl_opts *o);
int cmd_apply(int argc, char **argv, struct ctl_opts *o);
int cmd_delete(int argc, char **argv, struct ctl_opts *o);
int cmd_describe(int argc, char **argv, struct ctl_opts *o);
int cmd_scale(int argc, char **argv, struct ctl_opts *o);
int cmd_logs(int argc, char **argv, struct ctl_opts *o);
/* Added by the dataplane helper (ctl/cmd_backends.c, ctl/cmd_proxy.c) and
 * the DNS helper (ctl/cmd_lookup.c). */
int cmd_backends(int argc, char **argv, struct ctl_opts *o);
/* backends for a node in iptables mode (cmd_backends_ipt.c): run in its
 * network namespace; f_name NULL: every service. */
int ctl_backends_ipt(struct ctl_opts *o, const char *f_ns, const char *f_name, const char *domain);
int cmd_proxy(int argc, char **argv, struct ctl_opts *o);
int cmd_lookup(int argc, char **argv, struct ctl_opts *o);
/* Join tokens (ctl/cmd_token.c). */
int cmd_token(int argc, char **argv, struct ctl_opts *o);
/* Local clusters of namespaces (ctl/cmd_cluster.c, ctl/cluster_*.c). */
int cmd_cluster(int argc, char **argv, struct ctl_opts *o);
/* --ttl of token create: jointoken_parse_ttl with cobra's error text
 * naming the flag in err. 0 or -EINVAL/-ERANGE. */
int ctl_token_ttl(const char *s, long long *secs, char *err, size_t errlen);

/* POST one object of a manifest and report it (cmd_create.c). */
int ctl_create_obj(struct ctl_opts *o, const char *file, const struct ctl_manifest *m,
		   const cJSON *obj);

#endif
