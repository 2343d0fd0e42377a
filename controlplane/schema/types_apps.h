/* types_apps: the apps/v1 tables — Deployment and ReplicaSet
 * (types_apps.c), StatefulSet (types_apps_sts.c), DaemonSet and
 * ControllerRevision (types_apps_ds.c). */
#ifndef SKIFF_SCHEMA_TYPES_APPS_H
#define SKIFF_SCHEMA_TYPES_APPS_H

#include "schema.h"

extern const struct sch_type sch_apps_v1_Deployment;
extern const struct sch_type sch_apps_v1_DeploymentList;
extern const struct sch_type sch_apps_v1_DeploymentSpec;
extern const struct sch_type sch_apps_v1_DeploymentStrategy;
extern const struct sch_type sch_apps_v1_RollingUpdateDeployment;
extern const struct sch_type sch_apps_v1_DeploymentStatus;
extern const struct sch_type sch_apps_v1_DeploymentCondition;

extern const struct sch_type sch_apps_v1_ReplicaSet;
extern const struct sch_type sch_apps_v1_ReplicaSetList;
extern const struct sch_type sch_apps_v1_ReplicaSetSpec;
extern const struct sch_type sch_apps_v1_ReplicaSetStatus;
extern const struct sch_type sch_apps_v1_ReplicaSetCondition;

extern const struct sch_type sch_apps_v1_StatefulSet;
extern const struct sch_type sch_apps_v1_StatefulSetList;
extern const struct sch_type sch_apps_v1_StatefulSetSpec;
extern const struct sch_type sch_apps_v1_StatefulSetUpdateStrategy;
extern const struct sch_type sch_apps_v1_RollingUpdateStatefulSetStrategy;
extern const struct sch_type sch_apps_v1_StatefulSetPersistentVolumeClaimRetentionPolicy;
extern const struct sch_type sch_apps_v1_StatefulSetOrdinals;
extern const struct sch_type sch_apps_v1_StatefulSetStatus;
extern const struct sch_type sch_apps_v1_StatefulSetCondition;

extern const struct sch_type sch_apps_v1_DaemonSet;
extern const struct sch_type sch_apps_v1_DaemonSetList;
extern const struct sch_type sch_apps_v1_DaemonSetSpec;
extern const struct sch_type sch_apps_v1_DaemonSetUpdateStrategy;
extern const struct sch_type sch_apps_v1_RollingUpdateDaemonSet;
extern const struct sch_type sch_apps_v1_DaemonSetStatus;
extern const struct sch_type sch_apps_v1_DaemonSetCondition;

extern const struct sch_type sch_apps_v1_ControllerRevision;
extern const struct sch_type sch_apps_v1_ControllerRevisionList;

/* The condition shape ReplicaSet, StatefulSet and DaemonSet share
 * (DeploymentCondition adds lastUpdateTime and renumbers): type 1,
 * status 2, lastTransitionTime 3, reason 4, message 5. */
#define SCH_APPS_NCONDITION_FIELDS 5
extern const struct sch_field sch_apps_v1_condition_fields[SCH_APPS_NCONDITION_FIELDS];

/* Fields the apps kinds repeat word for word (for the apps types_*.c
 * files, which include types_common.h). */
#define SCH_APPS_SELECTOR_FIELD(num, owner)                                                        \
	SF_OBJ("selector", num, sch_meta_v1_LabelSelector, REQ,                                    \
	       "Which pods belong to this " owner "; it must match the labels of the pod "         \
	       "template.")
#define SCH_APPS_MIN_READY_FIELD(num)                                                              \
	SF_I32("minReadySeconds", num, OM,                                                         \
	       "How long a new pod must stay ready, with no container crashing, before it "        \
	       "counts as available. Defaults to 0.")
#define SCH_APPS_OBSERVED_GENERATION_FIELD(num)                                                    \
	SF_I64("observedGeneration", num, OM,                                                      \
	       "The metadata.generation the controller last acted on.")
#define SCH_APPS_COLLISION_COUNT_FIELD(num, what)                                                  \
	SF_I32("collisionCount", num, 0,                                                           \
	       "How many times the name of a new " what " collided; the controller mixes it "      \
	       "into the next name.")

#endif
