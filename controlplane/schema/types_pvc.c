/* core/v1 PersistentVolumeClaim: a request for storage, stored on its own
 * and embedded in StatefulSet volumeClaimTemplates. */
#include "types_pvc.h"
#include "types_common.h"

static const struct sch_field volume_resources_fields[] = {
    {
	.name = "limits",
	.pb = 1,
	.kind = SCH_MAP,
	.elem = SCH_QUANTITY,
	.flags = SCH_F_OMITEMPTY,
	.desc = "The most of each resource the volume may use.",
    },
    {
	.name = "requests",
	.pb = 2,
	.kind = SCH_MAP,
	.elem = SCH_QUANTITY,
	.flags = SCH_F_OMITEMPTY,
	.desc = "The least of each resource the volume must provide (storage: its size); "
		"defaults to limits when only those are given.",
    },
};

const struct sch_type sch_core_v1_VolumeResourceRequirements = {
    .name = "io.k8s.api.core.v1.VolumeResourceRequirements",
    .desc = "How much storage (and other resources) a claim asks for.",
    .fields = SCH_FIELDS(volume_resources_fields),
};

/* apiGroup, kind and name: how both typed references begin. */
#define PVC_TYPED_REF_FIELDS                                                                       \
	{                                                                                          \
	    .name = "apiGroup",                                                                    \
	    .pb = 1,                                                                               \
	    .kind = SCH_STRING,                                                                    \
	    .desc = "The API group of the referenced kind; unset for the core group.",             \
	},                                                                                         \
	    {                                                                                      \
		.name = "kind",                                                                    \
		.pb = 2,                                                                           \
		.kind = SCH_STRING,                                                                \
		.flags = SCH_F_REQUIRED,                                                           \
		.desc = "The kind of the referenced object.",                                      \
	    },                                                                                     \
	{                                                                                          \
		.name = "name", .pb = 3, .kind = SCH_STRING, .flags = SCH_F_REQUIRED,              \
		.desc = "The name of the referenced object.",                                      \
	}

static const struct sch_field typed_local_ref_fields[] = {
    PVC_TYPED_REF_FIELDS,
};

const struct sch_type sch_core_v1_TypedLocalObjectReference = {
    .name = "io.k8s.api.core.v1.TypedLocalObjectReference",
    .desc = "Names an object of any kind in the same namespace.",
    .flags = SCH_F_ATOMIC,
    .fields = SCH_FIELDS(typed_local_ref_fields),
};

static const struct sch_field typed_ref_fields[] = {
    PVC_TYPED_REF_FIELDS,
    {
	.name = "namespace",
	.pb = 4,
	.kind = SCH_STRING,
	.desc = "The namespace of the referenced object, when it is not the claim's own (needs "
		"a ReferenceGrant there; alpha, behind CrossNamespaceVolumeDataSource).",
    },
};

const struct sch_type sch_core_v1_TypedObjectReference = {
    .name = "io.k8s.api.core.v1.TypedObjectReference",
    .desc = "Names an object of any kind, possibly in another namespace.",
    .fields = SCH_FIELDS(typed_ref_fields),
};

static const struct sch_field pvc_spec_fields[] = {
    {
	.name = "accessModes",
	.pb = 1,
	.kind = SCH_STRING,
	.flags = SCH_F_LIST | SCH_F_ATOMIC | SCH_F_OMITEMPTY,
	.desc = "How the volume may be mounted: ReadWriteOnce, ReadOnlyMany, ReadWriteMany or "
		"ReadWriteOncePod.",
    },
    {
	.name = "selector",
	.pb = 4,
	.kind = SCH_OBJECT,
	.type = &sch_meta_v1_LabelSelector,
	.desc = "Restricts which existing volumes may bind, by their labels.",
    },
    {
	.name = "resources",
	.pb = 2,
	.kind = SCH_OBJECT,
	.flags = SCH_F_OMITEMPTY,
	.type = &sch_core_v1_VolumeResourceRequirements,
	.desc = "The least storage the volume must have; it may be raised later to expand the "
		"volume.",
    },
    {
	.name = "volumeName",
	.pb = 3,
	.kind = SCH_STRING,
	.flags = SCH_F_OMITEMPTY,
	.desc = "Binds the claim to this PersistentVolume by name.",
    },
    {
	.name = "storageClassName",
	.pb = 5,
	.kind = SCH_STRING,
	.desc = "The StorageClass to provision from; unset picks the default class, an empty "
		"string asks for a volume without a class.",
    },
    {
	.name = "volumeMode",
	.pb = 6,
	.kind = SCH_STRING,
	.desc = "Filesystem (the default) or Block.",
    },
    {
	.name = "dataSource",
	.pb = 7,
	.kind = SCH_OBJECT,
	.type = &sch_core_v1_TypedLocalObjectReference,
	.desc = "A VolumeSnapshot or PersistentVolumeClaim (or a populator's object) to fill "
		"the new volume from.",
    },
    {
	.name = "dataSourceRef",
	.pb = 8,
	.kind = SCH_OBJECT,
	.type = &sch_core_v1_TypedObjectReference,
	.desc = "Like dataSource, but any object a populator understands, possibly in another "
		"namespace; when both are set without a namespace they must be equal.",
    },
    {
	.name = "volumeAttributesClassName",
	.pb = 9,
	.kind = SCH_STRING,
	.desc = "The VolumeAttributesClass whose attributes the driver applies to the volume; "
		"unlike the storage class it may change after creation.",
    },
};

const struct sch_type sch_core_v1_PersistentVolumeClaimSpec = {
    .name = "io.k8s.api.core.v1.PersistentVolumeClaimSpec",
    .desc = "What storage a claim asks for: size, access modes, class and an optional data "
	    "source.",
    .fields = SCH_FIELDS(pvc_spec_fields),
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
    {
	.name = "targetVolumeAttributesClassName",
	.pb = 1,
	.kind = SCH_STRING,
	.flags = SCH_F_OMITEMPTY,
	.desc = "The VolumeAttributesClass the volume is being moved to.",
    },
    {
	.name = "status",
	.pb = 2,
	.kind = SCH_STRING,
	.flags = SCH_F_REQUIRED,
	.desc = "Pending (requirements not met yet), InProgress, or Infeasible (the driver "
		"rejected the class).",
    },
};

const struct sch_type sch_core_v1_ModifyVolumeStatus = {
    .name = "io.k8s.api.core.v1.ModifyVolumeStatus",
    .desc = "Progress of changing a volume to another VolumeAttributesClass.",
    .fields = SCH_FIELDS(modify_volume_status_fields),
};

static const struct sch_field pvc_status_fields[] = {
    {
	.name = "phase",
	.pb = 1,
	.kind = SCH_STRING,
	.flags = SCH_F_OMITEMPTY,
	.desc = "Pending, Bound or Lost.",
    },
    {
	.name = "accessModes",
	.pb = 2,
	.kind = SCH_STRING,
	.flags = SCH_F_LIST | SCH_F_ATOMIC | SCH_F_OMITEMPTY,
	.desc = "The access modes the bound volume actually offers.",
    },
    {
	.name = "capacity",
	.pb = 3,
	.kind = SCH_MAP,
	.elem = SCH_QUANTITY,
	.flags = SCH_F_OMITEMPTY,
	.desc = "The resources the bound volume actually has.",
    },
    SCH_CONDITIONS_FIELD(
	4, sch_core_v1_PersistentVolumeClaimCondition,
	"Current conditions of the claim, one per type (Resizing while the volume grows)."),
    {
	.name = "allocatedResources",
	.pb = 5,
	.kind = SCH_MAP,
	.elem = SCH_QUANTITY,
	.flags = SCH_F_OMITEMPTY,
	.desc = "The resources allocated to the claim, which may exceed capacity while an "
		"expansion is under way.",
    },
    {
	.name = "allocatedResourceStatuses",
	.pb = 7,
	.kind = SCH_MAP,
	.elem = SCH_STRING,
	.flags = SCH_F_OMITEMPTY,
	.desc = "Per resource, where a resize stands (ControllerResizeInProgress, "
		"NodeResizePending, NodeResizeFailed, ...); absent when none is running.",
    },
    {
	.name = "currentVolumeAttributesClassName",
	.pb = 8,
	.kind = SCH_STRING,
	.desc = "The VolumeAttributesClass the volume currently uses.",
    },
    {
	.name = "modifyVolumeStatus",
	.pb = 9,
	.kind = SCH_OBJECT,
	.type = &sch_core_v1_ModifyVolumeStatus,
	.desc = "Progress of a change to another VolumeAttributesClass; absent when none is "
		"attempted.",
    },
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

SCH_LIST_TYPE(sch_core_v1_PersistentVolumeClaimList, "io.k8s.api.core.v1.PersistentVolumeClaimList",
	      sch_core_v1_PersistentVolumeClaim, "", "v1", "PersistentVolumeClaimList",
	      "PersistentVolumeClaims");
