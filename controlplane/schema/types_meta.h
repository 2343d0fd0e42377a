/* types_meta: the meta/v1 (k8s.io/apimachinery) schema tables shared by
 * every group: object and list metadata, selectors, conditions, Status
 * and the request option bodies. */
#ifndef SKIFF_SCHEMA_TYPES_META_H
#define SKIFF_SCHEMA_TYPES_META_H

#include "schema.h"

/* types_meta.c */
extern const struct sch_type sch_meta_v1_ObjectMeta;
extern const struct sch_type sch_meta_v1_ListMeta;
extern const struct sch_type sch_meta_v1_OwnerReference;
extern const struct sch_type sch_meta_v1_ManagedFieldsEntry;
extern const struct sch_type sch_meta_v1_LabelSelector;
extern const struct sch_type sch_meta_v1_LabelSelectorRequirement;
extern const struct sch_type sch_meta_v1_Condition;

/* types_meta_status.c: kinds (group "", version "v1"; upstream serves the
 * option kinds under every group version). */
extern const struct sch_type sch_meta_v1_Status;
extern const struct sch_type sch_meta_v1_StatusDetails;
extern const struct sch_type sch_meta_v1_StatusCause;
extern const struct sch_type sch_meta_v1_DeleteOptions;
extern const struct sch_type sch_meta_v1_Preconditions;
extern const struct sch_type sch_meta_v1_CreateOptions;
extern const struct sch_type sch_meta_v1_UpdateOptions;
extern const struct sch_type sch_meta_v1_PatchOptions;

#endif
