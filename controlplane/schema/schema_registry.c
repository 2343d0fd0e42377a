/* schema_registry: every top-level type the server decodes or documents,
 * by the conventional symbol names of the type tables (schema.md): the
 * served kinds with their List types, and the bodies of options and
 * subresources. sch_lookup() and the OpenAPI documents read this list.
 * A kind is listed once its table is in the tree. */
#include "schema.h"

#define SCH_KIND(sym) extern const struct sch_type sym;
#define SCH_KINDS(X)                                                                               \
	X(sch_core_v1_Namespace)                                                                   \
	X(sch_core_v1_NamespaceList)                                                               \
	X(sch_core_v1_Service)                                                                     \
	X(sch_core_v1_ServiceList)                                                                 \
	X(sch_core_v1_Endpoints)                                                                   \
	X(sch_core_v1_EndpointsList)                                                               \
	X(sch_core_v1_Pod)                                                                         \
	X(sch_core_v1_PodList)                                                                     \
	X(sch_core_v1_PodTemplate)                                                                 \
	X(sch_core_v1_PodTemplateList)                                                             \
	X(sch_core_v1_Node)                                                                        \
	X(sch_core_v1_NodeList)                                                                    \
	X(sch_core_v1_Event)                                                                       \
	X(sch_core_v1_EventList)                                                                   \
	X(sch_core_v1_ConfigMap)                                                                   \
	X(sch_core_v1_ConfigMapList)                                                               \
	X(sch_core_v1_Secret)                                                                      \
	X(sch_core_v1_SecretList)                                                                  \
	X(sch_core_v1_ServiceAccount)                                                              \
	X(sch_core_v1_ServiceAccountList)                                                          \
	X(sch_core_v1_ResourceQuota)                                                               \
	X(sch_core_v1_ResourceQuotaList)                                                           \
	X(sch_core_v1_LimitRange)                                                                  \
	X(sch_core_v1_LimitRangeList)                                                              \
	X(sch_core_v1_ReplicationController)                                                       \
	X(sch_core_v1_ReplicationControllerList)                                                   \
	X(sch_core_v1_Binding)                                                                     \
	X(sch_core_v1_PersistentVolumeClaim)                                                       \
	X(sch_core_v1_PersistentVolumeClaimList)                                                   \
	X(sch_core_v1_PersistentVolume)                                                            \
	X(sch_core_v1_PersistentVolumeList)                                                        \
	X(sch_apps_v1_Deployment)                                                                  \
	X(sch_apps_v1_DeploymentList)                                                              \
	X(sch_apps_v1_ReplicaSet)                                                                  \
	X(sch_apps_v1_ReplicaSetList)                                                              \
	X(sch_apps_v1_StatefulSet)                                                                 \
	X(sch_apps_v1_StatefulSetList)                                                             \
	X(sch_apps_v1_DaemonSet)                                                                   \
	X(sch_apps_v1_DaemonSetList)                                                               \
	X(sch_apps_v1_ControllerRevision)                                                          \
	X(sch_apps_v1_ControllerRevisionList)                                                      \
	X(sch_discovery_v1_EndpointSlice)                                                          \
	X(sch_discovery_v1_EndpointSliceList)                                                      \
	X(sch_batch_v1_Job)                                                                        \
	X(sch_batch_v1_JobList)                                                                    \
	X(sch_batch_v1_CronJob)                                                                    \
	X(sch_batch_v1_CronJobList)                                                                \
	X(sch_storage_v1_StorageClass)                                                             \
	X(sch_storage_v1_StorageClassList)                                                         \
	X(sch_coordination_v1_Lease)                                                               \
	X(sch_coordination_v1_LeaseList)                                                           \
	X(sch_autoscaling_v1_HorizontalPodAutoscaler)                                              \
	X(sch_autoscaling_v1_HorizontalPodAutoscalerList)                                          \
	X(sch_autoscaling_v2_HorizontalPodAutoscaler)                                              \
	X(sch_autoscaling_v2_HorizontalPodAutoscalerList)                                          \
	X(sch_events_v1_Event)                                                                     \
	X(sch_events_v1_EventList)                                                                 \
	X(sch_rbac_v1_Role)                                                                        \
	X(sch_rbac_v1_RoleList)                                                                    \
	X(sch_rbac_v1_ClusterRole)                                                                 \
	X(sch_rbac_v1_ClusterRoleList)                                                             \
	X(sch_rbac_v1_RoleBinding)                                                                 \
	X(sch_rbac_v1_RoleBindingList)                                                             \
	X(sch_rbac_v1_ClusterRoleBinding)                                                          \
	X(sch_rbac_v1_ClusterRoleBindingList)                                                      \
	X(sch_authorization_v1_SubjectAccessReview)                                                \
	X(sch_authorization_v1_LocalSubjectAccessReview)                                           \
	X(sch_authorization_v1_SelfSubjectAccessReview)                                            \
	X(sch_authorization_v1_SelfSubjectRulesReview)                                             \
	X(sch_authentication_v1_TokenRequest)                                                      \
	X(sch_authentication_v1_TokenReview)                                                       \
	X(sch_authentication_v1_SelfSubjectReview)                                                 \
	X(sch_authentication_v1beta1_SelfSubjectReview)                                            \
	X(sch_autoscaling_v1_Scale)                                                                \
	X(sch_policy_v1_Eviction)                                                                  \
	X(sch_meta_v1_DeleteOptions)                                                               \
	X(sch_meta_v1_CreateOptions)                                                               \
	X(sch_meta_v1_UpdateOptions)                                                               \
	X(sch_meta_v1_PatchOptions)                                                                \
	X(sch_meta_v1_Status)

SCH_KINDS(SCH_KIND)

#define SCH_KIND_REF(sym) &sym,
const struct sch_type *const sch_types[] = {SCH_KINDS(SCH_KIND_REF)};
const size_t sch_ntypes = sizeof(sch_types) / sizeof(sch_types[0]);
