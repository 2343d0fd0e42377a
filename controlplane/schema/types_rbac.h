/* types_rbac: the rbac.authorization.k8s.io/v1 tables (Role, ClusterRole,
 * RoleBinding, ClusterRoleBinding and their parts). */
#ifndef SKIFF_SCHEMA_TYPES_RBAC_H
#define SKIFF_SCHEMA_TYPES_RBAC_H

#include "schema.h"

extern const struct sch_type sch_rbac_v1_PolicyRule;
extern const struct sch_type sch_rbac_v1_AggregationRule;
extern const struct sch_type sch_rbac_v1_Subject;
extern const struct sch_type sch_rbac_v1_RoleRef;
extern const struct sch_type sch_rbac_v1_Role;
extern const struct sch_type sch_rbac_v1_RoleList;
extern const struct sch_type sch_rbac_v1_ClusterRole;
extern const struct sch_type sch_rbac_v1_ClusterRoleList;
extern const struct sch_type sch_rbac_v1_RoleBinding;
extern const struct sch_type sch_rbac_v1_RoleBindingList;
extern const struct sch_type sch_rbac_v1_ClusterRoleBinding;
extern const struct sch_type sch_rbac_v1_ClusterRoleBindingList;

#endif
