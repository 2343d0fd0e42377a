/* types_storage: core/v1 PersistentVolume and storage.k8s.io/v1
 * StorageClass, the cluster-scoped halves of persistent storage (the claim
 * is types_pvc.h). */
#ifndef SKIFF_SCHEMA_TYPES_STORAGE_H
#define SKIFF_SCHEMA_TYPES_STORAGE_H

#include "schema.h"

extern const struct sch_type sch_core_v1_PersistentVolume;
extern const struct sch_type sch_core_v1_PersistentVolumeList;
extern const struct sch_type sch_core_v1_PersistentVolumeSpec;
extern const struct sch_type sch_core_v1_PersistentVolumeSource;
extern const struct sch_type sch_core_v1_PersistentVolumeStatus;
extern const struct sch_type sch_core_v1_LocalVolumeSource;
extern const struct sch_type sch_core_v1_VolumeNodeAffinity;
extern const struct sch_type sch_core_v1_TopologySelectorTerm;
extern const struct sch_type sch_core_v1_TopologySelectorLabelRequirement;
extern const struct sch_type sch_storage_v1_StorageClass;
extern const struct sch_type sch_storage_v1_StorageClassList;

#endif
