/* core/v1 PersistentVolume and storage.k8s.io/v1 StorageClass. A volume's
 * source is inline in its spec, as a pod volume's is; the sources listed
 * are those whose type a pod volume shares, plus local (a directory or disk
 * of one node). The in-tree sources with persistent-only variants
 * (iscsi, rbd, cinder, cephfs, glusterfs, flexVolume, azureFile, scaleIO,
 * storageos, csi) are not in the table, so a strict decode refuses them. */
#include "types_storage.h"
#include "types_common.h"

static const struct sch_field sch_core_v1_LocalVolumeSource_fields[] = {
    SF_STR("path", 1, REQ, "The full path of the directory or block device on the node."),
    SF_STR("fsType", 2, 0,
	   "The filesystem of a block device (ext4, xfs); ignored for a directory."),
};
CORE_TYPE(LocalVolumeSource, 0, "A local disk, partition or directory of one node.");

static const struct sch_field sch_core_v1_PersistentVolumeSource_fields[] = {
    SF_OBJ("gcePersistentDisk", 1, sch_core_v1_GCEPersistentDiskVolumeSource, 0,
	   "A GCE persistent disk. Deprecated: served by its CSI driver."),
    SF_OBJ("awsElasticBlockStore", 2, sch_core_v1_AWSElasticBlockStoreVolumeSource, 0,
	   "An AWS EBS disk. Deprecated: served by its CSI driver."),
    SF_OBJ("hostPath", 3, sch_core_v1_HostPathVolumeSource, 0,
	   "A directory of the node; for single-node development and testing."),
    SF_OBJ("nfs", 5, sch_core_v1_NFSVolumeSource, 0, "An NFS export."),
    SF_OBJ("fc", 10, sch_core_v1_FCVolumeSource, 0, "A Fibre Channel disk."),
    SF_OBJ("flocker", 11, sch_core_v1_FlockerVolumeSource, 0,
	   "A Flocker dataset. Deprecated and no longer supported."),
    SF_OBJ("vsphereVolume", 14, sch_core_v1_VsphereVirtualDiskVolumeSource, 0,
	   "A vSphere disk. Deprecated: served by its CSI driver."),
    SF_OBJ("quobyte", 15, sch_core_v1_QuobyteVolumeSource, 0,
	   "A Quobyte volume. Deprecated and no longer supported."),
    SF_OBJ("azureDisk", 16, sch_core_v1_AzureDiskVolumeSource, 0,
	   "An Azure data disk. Deprecated: served by its CSI driver."),
    SF_OBJ("photonPersistentDisk", 17, sch_core_v1_PhotonPersistentDiskVolumeSource, 0,
	   "A Photon Controller disk. Deprecated and no longer supported."),
    SF_OBJ("portworxVolume", 18, sch_core_v1_PortworxVolumeSource, 0,
	   "A Portworx volume. Deprecated: served by its CSI driver."),
    SF_OBJ("local", 20, sch_core_v1_LocalVolumeSource, 0,
	   "A directory or disk of one node; needs nodeAffinity naming that node."),
};
CORE_TYPE(PersistentVolumeSource, 0, "Where a persistent volume's storage is; set exactly one.");

static const struct sch_field sch_core_v1_VolumeNodeAffinity_fields[] = {
    SF_OBJ("required", 1, sch_core_v1_NodeSelector, 0,
	   "The nodes the volume can be reached from; pods using it run there."),
};
CORE_TYPE(VolumeNodeAffinity, 0, "The nodes a volume is accessible from.");

static const struct sch_field sch_core_v1_PersistentVolumeSpec_fields[] = {
    SF_MAP("capacity", 1, SCH_QUANTITY, OM, "The volume's resources; storage is its size."),
    {.name = "persistentVolumeSource",
     .pb = 2,
     .kind = SCH_OBJECT,
     .flags = SCH_F_INLINE,
     .type = &sch_core_v1_PersistentVolumeSource,
     .desc = "Where the storage is; its members appear directly in the spec."},
    SF_STRS("accessModes", 3, ATOM | OM,
	    "How the volume may be mounted: ReadWriteOnce, ReadOnlyMany, ReadWriteMany or "
	    "ReadWriteOncePod."),
    SF_OBJ("claimRef", 4, sch_core_v1_ObjectReference, 0,
	   "The claim bound to the volume (or reserved for it); the claim's volumeName is "
	   "the authoritative half of the binding."),
    SF_STR("persistentVolumeReclaimPolicy", 5, OM,
	   "What happens to the volume when its claim is deleted: Retain (the default for "
	   "volumes made by hand), Delete (the default for provisioned ones) or Recycle."),
    SF_STR("storageClassName", 6, OM,
	   "The StorageClass the volume belongs to; only claims asking for it bind."),
    SF_STRS("mountOptions", 7, ATOM | OM, "Mount options, not validated by the server."),
    SF_STR("volumeMode", 8, 0, "Filesystem (the default) or Block."),
    SF_OBJ("nodeAffinity", 9, sch_core_v1_VolumeNodeAffinity, 0,
	   "The nodes the volume can be used from; the scheduler places its pods there."),
    SF_STR("volumeAttributesClassName", 10, 0, "The VolumeAttributesClass the volume belongs to."),
};
CORE_TYPE(PersistentVolumeSpec, 0, "What a persistent volume is: size, access modes, source.");

static const struct sch_field sch_core_v1_PersistentVolumeStatus_fields[] = {
    SF_STR("phase", 1, OM, "Pending, Available, Bound, Released or Failed."),
    SF_STR("message", 2, OM, "Why the volume is in its phase, for people."),
    SF_STR("reason", 3, OM, "Why the volume is in its phase, CamelCase."),
    SF_TIME("lastPhaseTransitionTime", 4, 0, "When the volume last changed phase."),
};
CORE_TYPE(PersistentVolumeStatus, 0, "The state of a persistent volume.");

SCH_KIND_TYPE(sch_core_v1_PersistentVolume, "io.k8s.api.core.v1.PersistentVolume",
	      "A piece of storage of the cluster, provisioned by an administrator or "
	      "dynamically from a StorageClass, bound to at most one claim.",
	      "", "v1", "PersistentVolume", sch_core_v1_PersistentVolumeSpec,
	      "What the volume is, as its administrator or provisioner made it.",
	      sch_core_v1_PersistentVolumeStatus);

CORE_LIST(PersistentVolume, "The PersistentVolumes in this list.");

static const struct sch_field sch_core_v1_TopologySelectorLabelRequirement_fields[] = {
    SF_STR("key", 1, REQ, "The label key the values are of."),
    SF_STRS("values", 2, ATOM | REQ, "The label values, one of which must match."),
};
CORE_TYPE(TopologySelectorLabelRequirement, 0,
	  "A topology label and the values it may have (an In requirement).");

static const struct sch_field sch_core_v1_TopologySelectorTerm_fields[] = {
    SF_OBJS("matchLabelExpressions", 1, sch_core_v1_TopologySelectorLabelRequirement, ATOM | OM,
	    "Requirements that must all hold."),
};
CORE_TYPE(TopologySelectorTerm, SCH_F_ATOMIC,
	  "A topology domain: the requirements of the term are ANDed.");

static const struct sch_field sch_storage_v1_StorageClass_fields[] = {
    SF_TYPEMETA,
    SF_OBJECTMETA,
    SF_STR("provisioner", 2, REQ, "The volume plugin or driver that makes the class's volumes."),
    SF_MAP("parameters", 3, SCH_STRING, OM, "Provisioner-specific settings."),
    SF_STR("reclaimPolicy", 4, 0,
	   "The reclaim policy of the volumes the class makes: Delete (the default) or "
	   "Retain."),
    SF_STRS("mountOptions", 5, ATOM | OM, "Mount options of the class's volumes."),
    SF_BOOL("allowVolumeExpansion", 6, 0, "Whether claims of the class may grow."),
    SF_STR("volumeBindingMode", 7, 0,
	   "Immediate (bind and provision when the claim is made, the default) or "
	   "WaitForFirstConsumer (wait for a scheduled pod using the claim)."),
    SF_OBJS("allowedTopologies", 8, sch_core_v1_TopologySelectorTerm, ATOM | OM,
	    "Where the class's volumes may be provisioned; empty: anywhere."),
};
SCH_DEFINE_KIND(sch_storage_v1_StorageClass, "io.k8s.api.storage.v1.StorageClass", "storage.k8s.io",
		"v1", "StorageClass",
		"A class of storage: who provisions it, with which parameters and reclaim "
		"policy, and when claims bind.");

SCH_DEFINE_LIST(sch_storage_v1_StorageClassList, sch_storage_v1_StorageClass,
		"io.k8s.api.storage.v1.StorageClassList", "storage.k8s.io", "v1", "StorageClass",
		"The StorageClasses in this list.");
