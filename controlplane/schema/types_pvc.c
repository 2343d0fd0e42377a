/* core/v1 PersistentVolumeClaim: a request for storage, stored on its own
 * and embedded in StatefulSet volumeClaimTemplates. */
#include "types_pvc.h"
#include "types_common.h"

static const struct sch_field volume_resources_fields[] = {
    SF_MAP("limits", 1, SCH_QUANTITY, OM, "The most of each resource the volume may use."),
    SF_MAP("requests", 2, SCH_QUANTITY, OM,
	   "The least of each resource the volume must provide (storage: its size); "
	   "defaults to limits when only those are given."),
};

const struct sch_type sch_core_v1_VolumeResourceRequirements = {
    .name = "io.k8s.api.core.v1.VolumeResourceRequirements",
    .desc = "How much storage (and other resources) a claim asks for.",
    .fields = SCH_FIELDS(volume_resources_fields),
};

static const struct sch_field typed_ref_fields[] = {
    SF_STR("apiGroup", 1, 0, "The API group of the referenced kind; unset for the core group."),
    SF_STR("kind", 2, REQ, "The kind of the referenced object."),
    SF_STR("name", 3, REQ, "The name of the referenced object."),
    SF_STR("namespace", 4, 0,
	   "The namespace of the referenced object, when it is not the claim's own (needs "
	   "a ReferenceGrant there; alpha, behind CrossNamespaceVolumeDataSource)."),
};

const struct sch_type sch_core_v1_TypedObjectReference = {
    .name = "io.k8s.api.core.v1.TypedObjectReference",
    .desc = "Names an object of any kind, possibly in another namespace.",
    .fields = SCH_FIELDS(typed_ref_fields),
};

static const struct sch_field pvc_spec_fields[] = {
    SF_STRS("accessModes", 1, ATOM | OM,
	    "How the volume may be mounted: ReadWriteOnce, ReadOnlyMany, ReadWriteMany or "
	    "ReadWriteOncePod."),
    SF_OBJ("selector", 4, sch_meta_v1_LabelSelector, 0,
	   "Restricts which existing volumes may bind, by their labels."),
    SF_OBJ("resources", 2, sch_core_v1_VolumeResourceRequirements, 0,
	   "The least storage the volume must have; it may be raised later to expand the "
	   "volume."),
    SF_STR("volumeName", 3, OM, "Binds the claim to this PersistentVolume by name."),
    SF_STR("storageClassName", 5, 0,
	   "The StorageClass to provision from; unset picks the default class, an empty "
	   "string asks for a volume without a class."),
    SF_STR("volumeMode", 6, 0, "Filesystem (the default) or Block."),
    SF_OBJ("dataSource", 7, sch_core_v1_TypedLocalObjectReference, 0,
	   "A VolumeSnapshot or PersistentVolumeClaim (or a populator's object) to fill "
	   "the new volume from."),
    SF_OBJ("dataSourceRef", 8, sch_core_v1_TypedObjectReference, 0,
	   "Like dataSource, but any object a populator understands, possibly in another "
	   "namespace; when both are set without a namespace they must be equal."),
    SF_STR("volumeAttributesClassName", 9, 0,
	   "The VolumeAttributesClass whose attributes the driver applies to the volume; "
	   "unlike the storage class it may change after creation."),
};

const struct sch_type sch_core_v1_PersistentVolumeClaimSpec = {
    .name = "io.k8s.api.core.v1.PersistentVolumeClaimSpec",
    .desc = "What storage a claim asks for: size, access modes, class and an optional data "
	    "source.",
    .fields = SCH_FIELDS(pvc_spec_fields),
};

static const struct sch_field pvc_template_fields[] = {
    SF_OBJ("metadata", 1, sch_meta_v1_ObjectMeta, 0,
	   "Labels and annotations copied onto the claim made from the template."),
    SF_OBJ("spec", 2, sch_core_v1_PersistentVolumeClaimSpec, REQ,
	   "The spec of the claim, copied unchanged."),
};

const struct sch_type sch_core_v1_PersistentVolumeClaimTemplate = {
    .name = "io.k8s.api.core.v1.PersistentVolumeClaimTemplate",
    .desc = "The claim an ephemeral volume creates for its pod (named <pod>-<volume>) and "
	    "deletes with it.",
    .fields = SCH_FIELDS(pvc_template_fields),
};

static const struct sch_field pvc_condition_fields[] = {
    SCH_CONDITION_TYPE_STATUS("The condition, e.g. Resizing or FileSystemResizePending."),
    SCH_CONDITION_TIME("lastProbeTime", 3, "When the condition was last checked."),
    SCH_CONDITION_TRANSITION(4),
    SCH_CONDITION_REASON_MESSAGE(5, 6),
};

const struct sch_type sch_core_v1_PersistentVolumeClaimCondition = {
    .name = "io.k8s.api.core.v1.PersistentVolumeClaimCondition",
    .desc = "One observation about a claim, such as a resize in progress.",
    .fields = SCH_FIELDS(pvc_condition_fields),
};

static const struct sch_field modify_volume_status_fields[] = {
    SF_STR("targetVolumeAttributesClassName", 1, OM,
	   "The VolumeAttributesClass the volume is being moved to."),
    SF_STR("status", 2, REQ,
	   "Pending (requirements not met yet), InProgress, or Infeasible (the driver "
	   "rejected the class)."),
};

const struct sch_type sch_core_v1_ModifyVolumeStatus = {
    .name = "io.k8s.api.core.v1.ModifyVolumeStatus",
    .desc = "Progress of changing a volume to another VolumeAttributesClass.",
    .fields = SCH_FIELDS(modify_volume_status_fields),
};

static const struct sch_field pvc_status_fields[] = {
    SF_STR("phase", 1, OM, "Pending, Bound or Lost."),
    SF_STRS("accessModes", 2, ATOM | OM, "The access modes the bound volume actually offers."),
    SF_MAP("capacity", 3, SCH_QUANTITY, OM, "The resources the bound volume actually has."),
    SCH_CONDITIONS_FIELD(
	4, sch_core_v1_PersistentVolumeClaimCondition,
	"Current conditions of the claim, one per type (Resizing while the volume grows)."),
    SF_MAP("allocatedResources", 5, SCH_QUANTITY, OM,
	   "The resources allocated to the claim, which may exceed capacity while an "
	   "expansion is under way."),
    SF_MAP("allocatedResourceStatuses", 7, SCH_STRING, OM,
	   "Per resource, where a resize stands (ControllerResizeInProgress, "
	   "NodeResizePending, NodeResizeFailed, ...); absent when none is running."),
    SF_STR("currentVolumeAttributesClassName", 8, 0,
	   "The VolumeAttributesClass the volume currently uses."),
    SF_OBJ("modifyVolumeStatus", 9, sch_core_v1_ModifyVolumeStatus, 0,
	   "Progress of a change to another VolumeAttributesClass; absent when none is "
	   "attempted."),
};

const struct sch_type sch_core_v1_PersistentVolumeClaimStatus = {
    .name = "io.k8s.api.core.v1.PersistentVolumeClaimStatus",
    .desc = "The state of a claim: whether it is bound, and what the volume provides.",
    .fields = SCH_FIELDS(pvc_status_fields),
};

SCH_KIND_TYPE(sch_core_v1_PersistentVolumeClaim, "io.k8s.api.core.v1.PersistentVolumeClaim",
	      "A user's request for storage, bound to a PersistentVolume that satisfies it.", "",
	      "v1", "PersistentVolumeClaim", sch_core_v1_PersistentVolumeClaimSpec,
	      "The storage the claim asks for.", sch_core_v1_PersistentVolumeClaimStatus);

SCH_DEFINE_LIST(sch_core_v1_PersistentVolumeClaimList, sch_core_v1_PersistentVolumeClaim,
		"io.k8s.api.core.v1.PersistentVolumeClaimList", "", "v1", "PersistentVolumeClaim",
		"The PersistentVolumeClaims in this list.");
