/* auth: the API server as gatekeeper (kube-apiserver's authentication,
 * authorization and the admission checks tied to identity).
 *
 *  - authentication turns a request's bearer token into a user: the static
 *    token table (the generated admin token, --token-auth-file), bootstrap
 *    (join) tokens kept as kube-system Secrets, and JWTs signed with the
 *    data dir's key (ServiceAccount tokens from TokenRequest, and the node
 *    credentials the join flow issues);
 *  - authorization asks, in upstream's order: the system:masters group,
 *    the Node authorizer (a node reaches only what its pods need), RBAC
 *    (an index of Roles and bindings fed by the store, so a decision is a
 *    few hash lookups whatever the number of bindings);
 *  - admission: NodeRestriction (a node writes only its own Node, Lease and
 *    pods' status) and RBAC's escalation check (no Role granting more than
 *    its author holds, no binding to a role the author could not grant).
 *
 * Nothing here talks HTTP: apiserver/api_auth.c is the glue.
 */
#ifndef SKIFF_AUTH_H
#define SKIFF_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <cjson/cJSON.h>

struct ev_loop;
struct store;
struct api;

#define AUTH_MAX_GROUPS 16
#define AUTH_NAME_MAX	256
#define AUTH_GROUP_MAX	128

/* Well-known names (upstream's k8s.io/apiserver/pkg/authentication/user). */
#define AUTH_GROUP_MASTERS	   "system:masters"
#define AUTH_GROUP_AUTHENTICATED   "system:authenticated"
#define AUTH_GROUP_NODES	   "system:nodes"
#define AUTH_GROUP_BOOTSTRAPPERS   "system:bootstrappers"
#define AUTH_GROUP_SERVICEACCOUNTS "system:serviceaccounts"
#define AUTH_NODE_PREFIX	   "system:node:"
#define AUTH_SA_PREFIX		   "system:serviceaccount:"
#define AUTH_BOOTSTRAP_PREFIX	   "system:bootstrap:"

struct auth_user {
	char name[AUTH_NAME_MAX];
	char uid[128];
	char groups[AUTH_MAX_GROUPS][AUTH_GROUP_MAX];
	int ngroups;
	/* Derived from name and groups when the user is a node
	 * ("system:node:<node>" in system:nodes): the node's name, else "". */
	char node[AUTH_NAME_MAX];
	/* A bootstrap token's id when the user is one, else "". */
	char bootstrap_id[8];
	/* The token's credential id for the audit log ("JTI=...") or "". */
	char credential_id[64];
};

/* Set name (and uid), add groups; system:authenticated is always added
 * last, and node/bootstrap fields are derived. -E2BIG if too many groups
 * or a name too long. */
int auth_user_set(struct auth_user *u, const char *name, const char *uid, const char *const *groups,
		  int ngroups);
int auth_user_add_group(struct auth_user *u, const char *group);
bool auth_user_in(const struct auth_user *u, const char *group);
/* {"username":..., "uid":..., "groups":[...]} (a UserInfo). */
cJSON *auth_user_info(const struct auth_user *u);

/* What a request asks to do (upstream's authorizer.Attributes). */
struct auth_attrs {
	const char *verb; /* get list watch create update patch delete deletecollection,
			   * impersonate, bind, escalate; lower-case HTTP method for a path */
	bool resource_request;
	const char *group, *resource, *subresource, *ns, *name; /* "" when absent */
	const char *path;					/* non-resource URL */
	/* The request's fieldSelector (list/watch), as sent; NULL if none. The
	 * Node authorizer lets a node list only the pods bound to it. */
	const char *field_selector;
};

struct auth_config {
	const char *data_dir;	       /* sa.key lives here */
	const char *const *tokens;     /* static token lines "token,user,uid[,\"g1,g2\"]" */
	const char *issuer;	       /* JWT iss, "https://kubernetes.default.svc.cluster.local" */
	long long node_credential_ttl; /* seconds a join-issued node credential lasts */
};

struct auth;

/* Load (or create) the signing key and the static tokens, and start the
 * RBAC index over the store (it follows committed events). 0 or -errno. */
int auth_new(struct store *st, const struct auth_config *cfg, struct auth **out);
void auth_free(struct auth *au);

/* ---- authentication (authn.c) ---- */

/* A request's Authorization header (NULL: none). 0 with *u filled;
 * -ENOENT no credentials given; -EACCES invalid credentials (why: the
 * reason, for the log and, where it names no secret, for the 401 message;
 * -EKEYEXPIRED an expired token). */
int auth_authenticate(struct auth *au, const char *authorization, long long now,
		      struct auth_user *u, char *why, size_t len);

/* ---- authorization (authz.c) ---- */

enum auth_decision { AUTH_DENY = 0, AUTH_ALLOW = 1 };
/* Decide; reason (may be NULL) gets why, as upstream's annotations say it
 * ("RBAC: allowed by ClusterRoleBinding \"x\" of ClusterRole \"y\" to Group
 * \"z\""). */
enum auth_decision auth_authorize(const struct auth *au, const struct auth_user *u,
				  const struct auth_attrs *at, char *reason, size_t len);
/* Upstream's 403 message for a denied request:
 * `services "x" is forbidden: User "bob" cannot delete resource "services"
 * in API group "" in the namespace "default"`. */
void auth_forbidden_message(const struct auth_user *u, const struct auth_attrs *at,
			    const char *reason, char *buf, size_t len);
/* The rules u holds in namespace ns (SelfSubjectRulesReview's status:
 * resourceRules, nonResourceRules, incomplete). */
cJSON *auth_rules_status(const struct auth *au, const struct auth_user *u, const char *ns);

/* ---- admission tied to identity (node.c, rbac_escalation.c) ---- */

struct auth_write {
	const char *verb; /* create update patch delete */
	const char *group, *resource, *subresource, *ns, *name;
	const cJSON *obj; /* the object to be stored (NULL for delete) */
	const cJSON *old; /* the stored object (NULL for create) */
};
/* 0, or -EPERM with msg set (the request is answered 403 Forbidden with
 * it, the object's qualified resource and name prefixed by the caller). */
int auth_admit(const struct auth *au, const struct auth_user *u, const struct auth_write *w,
	       char *msg, size_t len);

/* ---- tokens (tokens.c) ---- */

/* A TokenRequest for ServiceAccount sa (its stored object): fills
 * status.token and status.expirationTimestamp of req (a TokenRequest
 * object, spec.expirationSeconds defaulted to 3600 and clamped to
 * [AUTH_TOKEN_MIN_SECS, 2^32] by the caller's validation). 0 or -errno. */
#define AUTH_TOKEN_MIN_SECS 600
int auth_token_request(struct auth *au, const cJSON *sa, cJSON *req, long long now);
/* The node credential the join flow hands out: a JWT for
 * system:node:<node> in system:nodes. malloc'd, NULL on error. */
char *auth_node_credential(struct auth *au, const char *node, long long now, long long *expires);

/* Bootstrap (join) tokens (lib/jointoken.h: "<id>.<secret>"). */
/* The kube-system Secret that holds token (kubeadm's layout:
 * bootstrap-token-<id>, type bootstrap.kubernetes.io/token, expiration in
 * RFC 3339 when ttl > 0). */
cJSON *auth_bootstrap_secret(const char *token, long long ttl, long long now,
			     const char *description);

#endif
