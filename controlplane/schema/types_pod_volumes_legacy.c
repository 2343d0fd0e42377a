/* Schema tables: the in-tree cloud and network volume sources. Most are
 * deprecated (redirected to CSI drivers or no longer supported) but still
 * part of the API, so manifests using them validate and decode. */
#include "types_pod_def.h"

/* Fields most of these sources share, described once. */
#define LEG_FSTYPE(num)                                                                            \
	SP_F("fsType", num, SCH_STRING, SP_OE,                                                     \
	     "The filesystem type to mount, such as ext4 or xfs; usually ext4 "                    \
	     "when unset.")
#define LEG_READONLY(num)                                                                          \
	SP_F("readOnly", num, SCH_BOOL, SP_OE,                                                     \
	     "Force the mounts of this volume read-only; default false.")
#define LEG_SECRETREF(num, fl)                                                                     \
	SP_O("secretRef", num, sch_core_v1_LocalObjectReference, fl,                               \
	     "A Secret holding the credentials for the storage system.")
#define LEG_PARTITION(num)                                                                         \
	SP_F("partition", num, SCH_INT32, SP_OE,                                                   \
	     "The partition to mount, such as 1 for /dev/sda1; the whole "                         \
	     "disk when unset.")

static const struct sch_field gce_pd_fields[] = {
    SP_F("pdName", 1, SCH_STRING, SP_REQ, "The disk's name in GCE."),
    LEG_FSTYPE(2),
    LEG_PARTITION(3),
    LEG_READONLY(4),
};
SP_TYPE(sch_core_v1_GCEPersistentDiskVolumeSource, "GCEPersistentDiskVolumeSource", 0,
	"A GCE persistent disk in the node's project and zone.", gce_pd_fields);

static const struct sch_field aws_ebs_fields[] = {
    SP_F("volumeID", 1, SCH_STRING, SP_REQ, "The EBS volume's ID."),
    LEG_FSTYPE(2),
    LEG_PARTITION(3),
    LEG_READONLY(4),
};
SP_TYPE(sch_core_v1_AWSElasticBlockStoreVolumeSource, "AWSElasticBlockStoreVolumeSource", 0,
	"An AWS EBS disk in the node's zone, mountable read-write once.", aws_ebs_fields);

static const struct sch_field git_repo_fields[] = {
    SP_F("repository", 1, SCH_STRING, SP_REQ, "The repository URL."),
    SP_F("revision", 2, SCH_STRING, SP_OE, "The commit to check out."),
    SP_F("directory", 3, SCH_STRING, SP_OE,
	 "The target directory; \".\" makes the volume the repository "
	 "itself."),
};
SP_TYPE(sch_core_v1_GitRepoVolumeSource, "GitRepoVolumeSource", 0,
	"A volume filled with a git checkout. Deprecated.", git_repo_fields);

static const struct sch_field iscsi_fields[] = {
    SP_F("targetPortal", 1, SCH_STRING, SP_REQ,
	 "The target portal: an address, with :port when not 860 or "
	 "3260."),
    SP_F("iqn", 2, SCH_STRING, SP_REQ, "The target's qualified name."),
    SP_F("lun", 3, SCH_INT32, SP_REQ, "The target's LUN number."),
    SP_F("iscsiInterface", 4, SCH_STRING, SP_OE,
	 "The iSCSI interface to use; default (tcp) when unset."),
    LEG_FSTYPE(5),
    LEG_READONLY(6),
    SP_FL("portals", 7, SCH_STRING, SP_OE | SP_ATOM,
	  "More target portals, in the same form as targetPortal."),
    SP_F("chapAuthDiscovery", 8, SCH_BOOL, SP_OE, "Use CHAP authentication for discovery."),
    SP_F("chapAuthSession", 11, SCH_BOOL, SP_OE, "Use CHAP authentication for the session."),
    SP_O("secretRef", 10, sch_core_v1_LocalObjectReference, 0,
	 "The CHAP secret for target and initiator."),
    SP_F("initiatorName", 12, SCH_STRING, 0,
	 "A custom initiator name; with iscsiInterface a new interface is "
	 "created."),
};
SP_TYPE(sch_core_v1_ISCSIVolumeSource, "ISCSIVolumeSource", 0,
	"An iSCSI disk, mountable read-write once.", iscsi_fields);

static const struct sch_field glusterfs_fields[] = {
    SP_F("endpoints", 1, SCH_STRING, SP_REQ,
	 "The Endpoints object describing the Glusterfs servers."),
    SP_F("path", 2, SCH_STRING, SP_REQ, "The Glusterfs volume path."),
    LEG_READONLY(3),
};
SP_TYPE(sch_core_v1_GlusterfsVolumeSource, "GlusterfsVolumeSource", 0,
	"A Glusterfs mount. Deprecated.", glusterfs_fields);

static const struct sch_field rbd_fields[] = {
    SP_FL("monitors", 1, SCH_STRING, SP_REQ | SP_ATOM, "The Ceph monitors."),
    SP_F("image", 2, SCH_STRING, SP_REQ, "The RADOS image name."),
    LEG_FSTYPE(3),
    SP_F("pool", 4, SCH_STRING, SP_OE, "The RADOS pool; rbd by default."),
    SP_F("user", 5, SCH_STRING, SP_OE, "The RADOS user; admin by default."),
    SP_F("keyring", 6, SCH_STRING, SP_OE, "The keyring path; /etc/ceph/keyring by default."),
    LEG_SECRETREF(7, 0),
    LEG_READONLY(8),
};
SP_TYPE(sch_core_v1_RBDVolumeSource, "RBDVolumeSource", 0, "A Ceph RADOS block device. Deprecated.",
	rbd_fields);

static const struct sch_field flex_fields[] = {
    SP_F("driver", 1, SCH_STRING, SP_REQ, "The FlexVolume driver's name."),
    LEG_FSTYPE(2),
    LEG_SECRETREF(3, 0),
    LEG_READONLY(4),
    SP_M("options", 5, SCH_STRING, SP_OE, "Extra options passed to the driver."),
};
SP_TYPE(sch_core_v1_FlexVolumeSource, "FlexVolumeSource", 0,
	"A volume attached by an exec-based FlexVolume driver. Deprecated.", flex_fields);

static const struct sch_field cinder_fields[] = {
    SP_F("volumeID", 1, SCH_STRING, SP_REQ, "The Cinder volume's ID."),
    LEG_FSTYPE(2),
    LEG_READONLY(3),
    LEG_SECRETREF(4, 0),
};
SP_TYPE(sch_core_v1_CinderVolumeSource, "CinderVolumeSource", 0,
	"An OpenStack Cinder volume in the node's region.", cinder_fields);

static const struct sch_field cephfs_fields[] = {
    SP_FL("monitors", 1, SCH_STRING, SP_REQ | SP_ATOM, "The Ceph monitors."),
    SP_F("path", 2, SCH_STRING, SP_OE, "The path mounted as the root; / by default."),
    SP_F("user", 3, SCH_STRING, SP_OE, "The RADOS user; admin by default."),
    SP_F("secretFile", 4, SCH_STRING, SP_OE,
	 "The keyring path of the user; /etc/ceph/user.secret by default."),
    LEG_SECRETREF(5, 0),
    LEG_READONLY(6),
};
SP_TYPE(sch_core_v1_CephFSVolumeSource, "CephFSVolumeSource", 0, "A CephFS mount. Deprecated.",
	cephfs_fields);

static const struct sch_field flocker_fields[] = {
    SP_F("datasetName", 1, SCH_STRING, SP_OE,
	 "The dataset's name (deprecated); exclusive with datasetUUID."),
    SP_F("datasetUUID", 2, SCH_STRING, SP_OE, "The dataset's UUID."),
};
SP_TYPE(sch_core_v1_FlockerVolumeSource, "FlockerVolumeSource", 0, "A Flocker dataset. Deprecated.",
	flocker_fields);

static const struct sch_field fc_fields[] = {
    SP_FL("targetWWNs", 1, SCH_STRING, SP_OE | SP_ATOM,
	  "Target world wide names; with lun, exclusive with wwids."),
    SP_F("lun", 2, SCH_INT32, 0, "The target LUN number."),
    LEG_FSTYPE(3),
    LEG_READONLY(4),
    SP_FL("wwids", 5, SCH_STRING, SP_OE | SP_ATOM, "Volume world wide identifiers."),
};
SP_TYPE(sch_core_v1_FCVolumeSource, "FCVolumeSource", 0,
	"A Fibre Channel disk, mountable read-write once.", fc_fields);

static const struct sch_field azure_file_fields[] = {
    SP_F("secretName", 1, SCH_STRING, SP_REQ, "The Secret with the storage account name and key."),
    SP_F("shareName", 2, SCH_STRING, SP_REQ, "The share's name."),
    LEG_READONLY(3),
};
SP_TYPE(sch_core_v1_AzureFileVolumeSource, "AzureFileVolumeSource", 0, "An Azure File share.",
	azure_file_fields);

static const struct sch_field vsphere_fields[] = {
    SP_F("volumePath", 1, SCH_STRING, SP_REQ, "The path of the vmdk that identifies the volume."),
    LEG_FSTYPE(2),
    SP_F("storagePolicyName", 3, SCH_STRING, SP_OE, "The storage policy (SPBM) profile name."),
    SP_F("storagePolicyID", 4, SCH_STRING, SP_OE, "The ID of that storage policy profile."),
};
SP_TYPE(sch_core_v1_VsphereVirtualDiskVolumeSource, "VsphereVirtualDiskVolumeSource", 0,
	"A vSphere virtual disk.", vsphere_fields);

static const struct sch_field quobyte_fields[] = {
    SP_F("registry", 1, SCH_STRING, SP_REQ,
	 "Quobyte registries as comma-separated host:port pairs."),
    SP_F("volume", 2, SCH_STRING, SP_REQ, "The existing Quobyte volume."),
    LEG_READONLY(3),
    SP_F("user", 4, SCH_STRING, SP_OE, "The user volume access maps to."),
    SP_F("group", 5, SCH_STRING, SP_OE, "The group volume access maps to."),
    SP_F("tenant", 6, SCH_STRING, SP_OE,
	 "The tenant owning the volume, set by dynamic provisioning."),
};
SP_TYPE(sch_core_v1_QuobyteVolumeSource, "QuobyteVolumeSource", 0, "A Quobyte mount. Deprecated.",
	quobyte_fields);

static const struct sch_field azure_disk_fields[] = {
    SP_F("diskName", 1, SCH_STRING, SP_REQ, "The data disk's name in blob storage."),
    SP_F("diskURI", 2, SCH_STRING, SP_REQ, "The data disk's URI in blob storage."),
    SP_F("cachingMode", 3, SCH_STRING, 0, "Host caching: None, ReadOnly or ReadWrite."),
    SP_F("fsType", 4, SCH_STRING, 0, "The filesystem type to mount; ext4 when unset."),
    SP_F("readOnly", 5, SCH_BOOL, 0, "Force the mounts of this volume read-only."),
    SP_F("kind", 6, SCH_STRING, 0, "Shared (default), Dedicated or Managed disk."),
};
SP_TYPE(sch_core_v1_AzureDiskVolumeSource, "AzureDiskVolumeSource", 0, "An Azure data disk.",
	azure_disk_fields);

static const struct sch_field photon_pd_fields[] = {
    SP_F("pdID", 1, SCH_STRING, SP_REQ, "The disk's ID."),
    LEG_FSTYPE(2),
};
SP_TYPE(sch_core_v1_PhotonPersistentDiskVolumeSource, "PhotonPersistentDiskVolumeSource", 0,
	"A Photon Controller persistent disk. Deprecated.", photon_pd_fields);

static const struct sch_field portworx_fields[] = {
    SP_F("volumeID", 1, SCH_STRING, SP_REQ, "The Portworx volume's ID."),
    LEG_FSTYPE(2),
    LEG_READONLY(3),
};
SP_TYPE(sch_core_v1_PortworxVolumeSource, "PortworxVolumeSource", 0, "A Portworx volume.",
	portworx_fields);

static const struct sch_field scale_io_fields[] = {
    SP_F("gateway", 1, SCH_STRING, SP_REQ, "The ScaleIO API gateway's address."),
    SP_F("system", 2, SCH_STRING, SP_REQ, "The ScaleIO storage system."),
    LEG_SECRETREF(3, SP_REQ),
    SP_F("sslEnabled", 4, SCH_BOOL, SP_OE, "Use TLS towards the gateway."),
    SP_F("protectionDomain", 5, SCH_STRING, SP_OE, "The protection domain of the storage."),
    SP_F("storagePool", 6, SCH_STRING, SP_OE, "The storage pool of the protection domain."),
    SP_F("storageMode", 7, SCH_STRING, SP_OE, "ThinProvisioned (default) or ThickProvisioned."),
    SP_F("volumeName", 8, SCH_STRING, SP_OE, "An existing volume of the ScaleIO system."),
    LEG_FSTYPE(9),
    LEG_READONLY(10),
};
SP_TYPE(sch_core_v1_ScaleIOVolumeSource, "ScaleIOVolumeSource", 0, "A ScaleIO volume. Deprecated.",
	scale_io_fields);

static const struct sch_field storage_os_fields[] = {
    SP_F("volumeName", 1, SCH_STRING, SP_OE,
	 "The StorageOS volume's name, unique in its namespace."),
    SP_F("volumeNamespace", 2, SCH_STRING, SP_OE,
	 "The StorageOS namespace; the pod's namespace when unset."),
    LEG_FSTYPE(3),
    LEG_READONLY(4),
    LEG_SECRETREF(5, 0),
};
SP_TYPE(sch_core_v1_StorageOSVolumeSource, "StorageOSVolumeSource", 0,
	"A StorageOS volume. Deprecated.", storage_os_fields);
