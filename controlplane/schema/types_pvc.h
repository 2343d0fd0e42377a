/* types_pvc: core/v1 PersistentVolumeClaim and the types only it uses —
 * defined here because StatefulSet volumeClaimTemplates embed claims and
 * PVCs come with the controllers work. PersistentVolumeClaimTemplate is the
 * member of the Pod tables' EphemeralVolumeSource. */
#ifndef SKIFF_SCHEMA_TYPES_PVC_H
#define SKIFF_SCHEMA_TYPES_PVC_H

#include "schema.h"

extern const struct sch_type sch_core_v1_PersistentVolumeClaim;
extern const struct sch_type sch_core_v1_PersistentVolumeClaimList;
extern const struct sch_type sch_core_v1_PersistentVolumeClaimSpec;
extern const struct sch_type sch_core_v1_PersistentVolumeClaimStatus;
extern const struct sch_type sch_core_v1_PersistentVolumeClaimCondition;
extern const struct sch_type sch_core_v1_VolumeResourceRequirements;
extern const struct sch_type sch_core_v1_PersistentVolumeClaimTemplate;
extern const struct sch_type sch_core_v1_TypedObjectReference;
extern const struct sch_type sch_core_v1_ModifyVolumeStatus;

#endif
