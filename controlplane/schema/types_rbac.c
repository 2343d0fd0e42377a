/* rbac.authorization.k8s.io/v1: roles (sets of rules) and bindings (who
 * holds a role, and where). Every list here is atomic upstream, and
 * Subject and RoleRef are atomic structs. */
#include "types_rbac.h"
#include "types_common.h"

#define RBAC_DEF(X) "io.k8s.api.rbac.v1." #X

static const struct sch_field sch_rbac_v1_PolicyRule_fields[] = {
    SF_STRS("verbs", 1, ATOM | REQ,
	    "The verbs this rule allows on all of its resources; \"*\" allows every verb."),
    SF_STRS("apiGroups", 2, ATOM | OM,
	    "The API groups of the resources; \"\" is the core group and \"*\" every group."),
    SF_STRS("resources", 3, ATOM | OM,
	    "The resources (\"pods\", \"pods/status\") this rule applies to; \"*\" is all of "
	    "them."),
    SF_STRS("resourceNames", 4, ATOM | OM,
	    "If set, only the objects of these names; empty allows any name."),
    SF_STRS("nonResourceURLs", 5, ATOM | OM,
	    "URL paths outside the resource API (\"/healthz\", \"/metrics\"), a final \"*\" "
	    "matching any suffix; meaningful only in a ClusterRole bound cluster-wide."),
};
SCH_DEFINE_TYPE(sch_rbac_v1_PolicyRule, RBAC_DEF(PolicyRule), 0,
		"One permission: verbs on resources of API groups (optionally by name), or on "
		"non-resource URLs.");

static const struct sch_field sch_rbac_v1_AggregationRule_fields[] = {
    SF_OBJS("clusterRoleSelectors", 1, sch_meta_v1_LabelSelector, ATOM | OM,
	    "Label selectors of ClusterRoles whose rules are copied into this one; a role "
	    "matching any of them contributes."),
};
SCH_DEFINE_TYPE(sch_rbac_v1_AggregationRule, RBAC_DEF(AggregationRule), 0,
		"Which ClusterRoles a controller merges into an aggregated ClusterRole.");

static const struct sch_field sch_rbac_v1_Subject_fields[] = {
    SF_STR("kind", 1, REQ, "What the subject is: User, Group or ServiceAccount."),
    SF_STR("apiGroup", 2, OM,
	   "The subject's API group: \"\" for a ServiceAccount, rbac.authorization.k8s.io for "
	   "a User or Group (the defaults)."),
    SF_STR("name", 3, REQ, "The user, group or ServiceAccount name."),
    SF_STR("namespace", 4, OM,
	   "The ServiceAccount's namespace; must be empty for users and groups."),
};
SCH_DEFINE_TYPE(sch_rbac_v1_Subject, RBAC_DEF(Subject), ATOM,
		"A user, group or ServiceAccount a binding grants its role to.");

static const struct sch_field sch_rbac_v1_RoleRef_fields[] = {
    SF_STR("apiGroup", 1, 0, "The API group of the role, rbac.authorization.k8s.io."),
    SF_STR("kind", 2, REQ, "Role or ClusterRole."),
    SF_STR("name", 3, REQ, "The name of the role."),
};
SCH_DEFINE_TYPE(sch_rbac_v1_RoleRef, RBAC_DEF(RoleRef), ATOM,
		"The role a binding grants; it cannot be changed once the binding exists.");

/* The rules of a Role or ClusterRole (no omitempty upstream). */
#define RBAC_RULES_FIELD(who)                                                                      \
	SF_OBJS("rules", 2, sch_rbac_v1_PolicyRule, ATOM, "The permissions this " who " grants.")

static const struct sch_field sch_rbac_v1_Role_fields[] = {
    SF_TYPEMETA,
    SF_OBJECTMETA,
    RBAC_RULES_FIELD("Role"),
};
SCH_DEFINE_KIND(sch_rbac_v1_Role, RBAC_DEF(Role), "rbac.authorization.k8s.io", "v1", "Role",
		"A namespaced set of permissions, granted by RoleBindings in its namespace.");

static const struct sch_field sch_rbac_v1_ClusterRole_fields[] = {
    SF_TYPEMETA,
    SF_OBJECTMETA,
    RBAC_RULES_FIELD("ClusterRole"),
    SF_OBJ("aggregationRule", 3, sch_rbac_v1_AggregationRule, 0,
	   "If set, the rules are computed by a controller from the selected ClusterRoles and "
	   "direct edits to them are overwritten."),
};
SCH_DEFINE_KIND(sch_rbac_v1_ClusterRole, RBAC_DEF(ClusterRole), "rbac.authorization.k8s.io", "v1",
		"ClusterRole",
		"A cluster-wide set of permissions, granted by ClusterRoleBindings everywhere "
		"or by RoleBindings in one namespace.");

/* A binding's subjects (2) and role (3). */
#define RBAC_BINDING_FIELDS(role_desc)                                                             \
	SF_TYPEMETA, SF_OBJECTMETA,                                                                \
	    SF_OBJS("subjects", 2, sch_rbac_v1_Subject, ATOM | OM, "Who is granted the role."),    \
	    SF_OBJ("roleRef", 3, sch_rbac_v1_RoleRef, REQ, role_desc)

static const struct sch_field sch_rbac_v1_RoleBinding_fields[] = {
    RBAC_BINDING_FIELDS("The Role of this namespace, or a ClusterRole, that is granted; "
			"immutable."),
};
SCH_DEFINE_KIND(sch_rbac_v1_RoleBinding, RBAC_DEF(RoleBinding), "rbac.authorization.k8s.io", "v1",
		"RoleBinding",
		"Grants a Role or ClusterRole to subjects within the binding's namespace only.");

static const struct sch_field sch_rbac_v1_ClusterRoleBinding_fields[] = {
    RBAC_BINDING_FIELDS("The ClusterRole that is granted; immutable."),
};
SCH_DEFINE_KIND(sch_rbac_v1_ClusterRoleBinding, RBAC_DEF(ClusterRoleBinding),
		"rbac.authorization.k8s.io", "v1", "ClusterRoleBinding",
		"Grants a ClusterRole to subjects in every namespace and cluster-wide.");

SCH_DEFINE_LIST(sch_rbac_v1_RoleList, sch_rbac_v1_Role, RBAC_DEF(RoleList),
		"rbac.authorization.k8s.io", "v1", "Role", "The Roles in this list.");
SCH_DEFINE_LIST(sch_rbac_v1_ClusterRoleList, sch_rbac_v1_ClusterRole, RBAC_DEF(ClusterRoleList),
		"rbac.authorization.k8s.io", "v1", "ClusterRole", "The ClusterRoles in this list.");
SCH_DEFINE_LIST(sch_rbac_v1_RoleBindingList, sch_rbac_v1_RoleBinding, RBAC_DEF(RoleBindingList),
		"rbac.authorization.k8s.io", "v1", "RoleBinding", "The RoleBindings in this list.");
SCH_DEFINE_LIST(sch_rbac_v1_ClusterRoleBindingList, sch_rbac_v1_ClusterRoleBinding,
		RBAC_DEF(ClusterRoleBindingList), "rbac.authorization.k8s.io", "v1",
		"ClusterRoleBinding", "The ClusterRoleBindings in this list.");
