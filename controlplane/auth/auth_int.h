/* auth_int: what the auth/ files share (not for other modules). */
#ifndef SKIFF_AUTH_INT_H
#define SKIFF_AUTH_INT_H

#include "auth.h"
#include "strmap.h"

struct jwt_key;
struct ctrl_informer;
struct rbac;

struct auth {
	struct store *st;
	struct auth_config cfg;
	char issuer[256];
	struct strmap tokens; /* static bearer token -> struct auth_user * */
	/* Verified JWTs -> struct authn_cached (authn.c): a signature is
	 * checked once, not on every request of a client. */
	struct strmap jwt_cache;
	struct jwt_key *key;	      /* signs and verifies ServiceAccount and node tokens */
	struct ctrl_informer *sa_inf; /* ServiceAccounts: a deleted one's tokens stop working */
	struct rbac *rbac;
};

/* rbac.c: the index of Roles and bindings. */
int rbac_new(struct store *st, struct rbac **out);
void rbac_free(struct rbac *r);
/* ALLOW (reason set) or DENY. */
enum auth_decision rbac_authorize(const struct rbac *r, const struct auth_user *u,
				  const struct auth_attrs *at, char *reason, size_t len);
/* Every PolicyRule u holds in ns ("" = cluster-wide ones only) appended to
 * out (an array; the rules are copies). */
void rbac_rules_for(const struct rbac *r, const struct auth_user *u, const char *ns, cJSON *out);
/* The rules of the role a binding's roleRef names, seen from namespace ns
 * (a Role lives there; a ClusterRole anywhere). NULL if it does not exist. */
const cJSON *rbac_role_rules(const struct rbac *r, const char *ns, const char *kind,
			     const char *name);

/* node.c: the Node authorizer. ALLOW, DENY (a node asking for what is not
 * its own: reason set), or -1: no opinion (not a node, or a request the
 * authorizer does not judge). */
int node_authorize(const struct auth *au, const struct auth_user *u, const struct auth_attrs *at,
		   char *reason, size_t len);
/* NodeRestriction admission: 0 or -EPERM with msg. */
int node_admit(const struct auth *au, const struct auth_user *u, const struct auth_write *w,
	       char *msg, size_t len);

/* escalation.c: RBAC's escalation check on roles and bindings. */
int rbac_admit(const struct auth *au, const struct auth_user *u, const struct auth_write *w,
	       char *msg, size_t len);

#endif
