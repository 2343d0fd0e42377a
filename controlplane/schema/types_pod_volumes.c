/* Schema tables: Volume, VolumeSource and the sources everyday manifests
 * use (emptyDir, hostPath, configMap, secret, PVC, projected, downward API,
 * NFS, CSI, ephemeral, image). The in-tree cloud and network sources are in
 * types_pod_volumes_legacy.c. */
#include "types_pod_def.h"

static const struct sch_field volume_fields[] = {
    SP_F("name", 1, SCH_STRING, SP_REQ, "The volume's name, a DNS label unique within the pod."),
    SP_O("volumeSource", 2, sch_core_v1_VolumeSource, SCH_F_INLINE,
	 "Where the volume comes from; its members appear directly in the "
	 "volume. An empty source means emptyDir (deprecated)."),
};
SP_TYPE(sch_core_v1_Volume, "Volume", 0, "A named volume of a pod that its containers can mount.",
	volume_fields);

static const struct sch_field volume_source_fields[] = {
    SP_O("hostPath", 1, sch_core_v1_HostPathVolumeSource, 0,
	 "A file or directory of the node; for system agents, rarely for "
	 "applications."),
    SP_O("emptyDir", 2, sch_core_v1_EmptyDirVolumeSource, 0,
	 "A scratch directory that lives as long as the pod."),
    SP_O("gcePersistentDisk", 3, sch_core_v1_GCEPersistentDiskVolumeSource, 0,
	 "A GCE persistent disk. Deprecated: served by its CSI driver."),
    SP_O("awsElasticBlockStore", 4, sch_core_v1_AWSElasticBlockStoreVolumeSource, 0,
	 "An AWS EBS disk. Deprecated: served by its CSI driver."),
    SP_O("gitRepo", 5, sch_core_v1_GitRepoVolumeSource, 0,
	 "A git checkout. Deprecated: clone in an init container into an "
	 "emptyDir instead."),
    SP_O("secret", 6, sch_core_v1_SecretVolumeSource, 0, "The keys of a Secret as files."),
    SP_O("nfs", 7, sch_core_v1_NFSVolumeSource, 0, "An NFS export."),
    SP_O("iscsi", 8, sch_core_v1_ISCSIVolumeSource, 0, "An iSCSI disk."),
    SP_O("glusterfs", 9, sch_core_v1_GlusterfsVolumeSource, 0,
	 "A Glusterfs volume. Deprecated and no longer supported."),
    SP_O("persistentVolumeClaim", 10, sch_core_v1_PersistentVolumeClaimVolumeSource, 0,
	 "The volume bound to a PersistentVolumeClaim of the namespace."),
    SP_O("rbd", 11, sch_core_v1_RBDVolumeSource, 0,
	 "A Ceph RBD image. Deprecated and no longer supported."),
    SP_O("flexVolume", 12, sch_core_v1_FlexVolumeSource, 0,
	 "A volume of an exec-based FlexVolume driver. Deprecated."),
    SP_O("cinder", 13, sch_core_v1_CinderVolumeSource, 0,
	 "An OpenStack Cinder volume. Deprecated: served by its CSI "
	 "driver."),
    SP_O("cephfs", 14, sch_core_v1_CephFSVolumeSource, 0,
	 "A CephFS mount. Deprecated and no longer supported."),
    SP_O("flocker", 15, sch_core_v1_FlockerVolumeSource, 0,
	 "A Flocker dataset. Deprecated and no longer supported."),
    SP_O("downwardAPI", 16, sch_core_v1_DownwardAPIVolumeSource, 0,
	 "Fields of the pod and resources of its containers as files."),
    SP_O("fc", 17, sch_core_v1_FCVolumeSource, 0, "A Fibre Channel disk."),
    SP_O("azureFile", 18, sch_core_v1_AzureFileVolumeSource, 0,
	 "An Azure File share. Deprecated: served by its CSI driver."),
    SP_O("configMap", 19, sch_core_v1_ConfigMapVolumeSource, 0,
	 "The keys of a ConfigMap as files."),
    SP_O("vsphereVolume", 20, sch_core_v1_VsphereVirtualDiskVolumeSource, 0,
	 "A vSphere disk. Deprecated: served by its CSI driver."),
    SP_O("quobyte", 21, sch_core_v1_QuobyteVolumeSource, 0,
	 "A Quobyte volume. Deprecated and no longer supported."),
    SP_O("azureDisk", 22, sch_core_v1_AzureDiskVolumeSource, 0,
	 "An Azure data disk. Deprecated: served by its CSI driver."),
    SP_O("photonPersistentDisk", 23, sch_core_v1_PhotonPersistentDiskVolumeSource, 0,
	 "A Photon Controller disk. Deprecated and no longer supported."),
    SP_O("projected", 26, sch_core_v1_ProjectedVolumeSource, 0,
	 "Secrets, ConfigMaps, downward API, tokens and bundles merged into "
	 "one directory."),
    SP_O("portworxVolume", 24, sch_core_v1_PortworxVolumeSource, 0,
	 "A Portworx volume. Deprecated: served by its CSI driver."),
    SP_O("scaleIO", 25, sch_core_v1_ScaleIOVolumeSource, 0,
	 "A ScaleIO volume. Deprecated and no longer supported."),
    SP_O("storageos", 27, sch_core_v1_StorageOSVolumeSource, 0,
	 "A StorageOS volume. Deprecated and no longer supported."),
    SP_O("csi", 28, sch_core_v1_CSIVolumeSource, 0,
	 "An inline ephemeral volume of a CSI driver that supports it."),
    SP_O("ephemeral", 29, sch_core_v1_EphemeralVolumeSource, 0,
	 "A volume provisioned through a claim created for, and deleted "
	 "with, the pod."),
    SP_O("image", 30, sch_core_v1_ImageVolumeSource, 0,
	 "An OCI image or artifact, mounted read-only."),
};
SP_TYPE(sch_core_v1_VolumeSource, "VolumeSource", 0,
	"The source of a volume; set exactly one member.", volume_source_fields);

static const struct sch_field empty_dir_volume_source_fields[] = {
    SP_F("medium", 1, SCH_STRING, SP_OE,
	 "The storage backing the directory: \"\" for the node's default, "
	 "or Memory (tmpfs)."),
    SP_F("sizeLimit", 2, SCH_QUANTITY, 0,
	 "The most local storage the directory may use, also for Memory; "
	 "unlimited when unset."),
};
SP_TYPE(sch_core_v1_EmptyDirVolumeSource, "EmptyDirVolumeSource", 0,
	"An empty directory that lives as long as the pod.", empty_dir_volume_source_fields);

static const struct sch_field host_path_volume_source_fields[] = {
    SP_F("path", 1, SCH_STRING, SP_REQ, "The path on the node; symlinks are followed."),
    SP_F("type", 2, SCH_STRING, 0,
	 "What must be at the path (Directory, File, Socket...) or be "
	 "created there; \"\" checks nothing."),
};
SP_TYPE(sch_core_v1_HostPathVolumeSource, "HostPathVolumeSource", 0,
	"A path of the node mapped into the pod.", host_path_volume_source_fields);

static const struct sch_field config_map_volume_source_fields[] = {
    SP_LOCAL_REF("ConfigMap"),
    SP_KEY_ITEMS(2),
    SP_DEFAULT_MODE(3, "; default 0644"),
    SP_OPTIONAL(4, "ConfigMap or its keys"),
};
SP_TYPE(sch_core_v1_ConfigMapVolumeSource, "ConfigMapVolumeSource", 0,
	"A ConfigMap presented as files.", config_map_volume_source_fields);

static const struct sch_field secret_volume_source_fields[] = {
    SP_F("secretName", 1, SCH_STRING, SP_OE, "The Secret, in the pod's namespace."),
    SP_KEY_ITEMS(2),
    SP_DEFAULT_MODE(3, "; default 0644"),
    SP_OPTIONAL(4, "Secret or its keys"),
};
SP_TYPE(sch_core_v1_SecretVolumeSource, "SecretVolumeSource", 0, "A Secret presented as files.",
	secret_volume_source_fields);

static const struct sch_field key_to_path_fields[] = {
    SP_F("key", 1, SCH_STRING, SP_REQ, "The key to project."),
    SP_F("path", 2, SCH_STRING, SP_REQ, "The relative file path for the key; no '..' elements."),
    SP_F("mode", 3, SCH_INT32, 0,
	 "Permission bits of this file; the volume's defaultMode when "
	 "unset."),
};
SP_TYPE(sch_core_v1_KeyToPath, "KeyToPath", 0, "Maps one key to a file path in a volume.",
	key_to_path_fields);

static const struct sch_field pvc_volume_source_fields[] = {
    SP_F("claimName", 1, SCH_STRING, SP_REQ, "The PersistentVolumeClaim, in the pod's namespace."),
    SP_F("readOnly", 2, SCH_BOOL, SP_OE, "Force the mounts of this volume read-only."),
};
SP_TYPE(sch_core_v1_PersistentVolumeClaimVolumeSource, "PersistentVolumeClaimVolumeSource", 0,
	"A reference to a claim whose bound volume is mounted.", pvc_volume_source_fields);

static const struct sch_field projected_volume_source_fields[] = {
    SP_OL("sources", 1, sch_core_v1_VolumeProjection, SP_ATOM, NULL,
	  "The projections, each one source."),
    SP_DEFAULT_MODE(2, ""),
};
SP_TYPE(sch_core_v1_ProjectedVolumeSource, "ProjectedVolumeSource", 0,
	"Several sources projected into one directory.", projected_volume_source_fields);

static const struct sch_field volume_projection_fields[] = {
    SP_O("secret", 1, sch_core_v1_SecretProjection, 0, "Keys of a Secret."),
    SP_O("downwardAPI", 2, sch_core_v1_DownwardAPIProjection, 0, "Downward API files."),
    SP_O("configMap", 3, sch_core_v1_ConfigMapProjection, 0, "Keys of a ConfigMap."),
    SP_O("serviceAccountToken", 4, sch_core_v1_ServiceAccountTokenProjection, 0,
	 "A service account token, rotated by the kubelet."),
    SP_O("clusterTrustBundle", 5, sch_core_v1_ClusterTrustBundleProjection, 0,
	 "Certificates of ClusterTrustBundles, kept up to date."),
    SP_O("podCertificate", 6, sch_core_v1_PodCertificateProjection, 0,
	 "A private key and a certificate chain issued for the pod, "
	 "rotated by the kubelet."),
};
SP_TYPE(sch_core_v1_VolumeProjection, "VolumeProjection", 0,
	"One source of a projected volume; set exactly one member.", volume_projection_fields);

static const struct sch_field secret_projection_fields[] = {
    SP_LOCAL_REF("Secret"),
    SP_KEY_ITEMS(2),
    SP_OPTIONAL(4, "Secret or its keys"),
};
SP_TYPE(sch_core_v1_SecretProjection, "SecretProjection", 0,
	"A Secret projected into a projected volume.", secret_projection_fields);

static const struct sch_field config_map_projection_fields[] = {
    SP_LOCAL_REF("ConfigMap"),
    SP_KEY_ITEMS(2),
    SP_OPTIONAL(4, "ConfigMap or its keys"),
};
SP_TYPE(sch_core_v1_ConfigMapProjection, "ConfigMapProjection", 0,
	"A ConfigMap projected into a projected volume.", config_map_projection_fields);

static const struct sch_field downward_api_projection_fields[] = {
    SP_OL("items", 1, sch_core_v1_DownwardAPIVolumeFile, SP_OE | SP_ATOM, NULL,
	  "The files to create."),
};
SP_TYPE(sch_core_v1_DownwardAPIProjection, "DownwardAPIProjection", 0,
	"Downward API files in a projected volume.", downward_api_projection_fields);

static const struct sch_field service_account_token_projection_fields[] = {
    SP_F("audience", 1, SCH_STRING, SP_OE,
	 "The audience the token is for; the API server's identifier by "
	 "default."),
    SP_F("expirationSeconds", 2, SCH_INT64, 0,
	 "Requested token lifetime; default one hour, at least ten "
	 "minutes."),
    SP_F("path", 3, SCH_STRING, SP_REQ, "The file path of the token, relative to the mount point."),
};
SP_TYPE(sch_core_v1_ServiceAccountTokenProjection, "ServiceAccountTokenProjection", 0,
	"A service account token written into a projected volume.",
	service_account_token_projection_fields);

static const struct sch_field cluster_trust_bundle_projection_fields[] = {
    SP_F("name", 1, SCH_STRING, 0, "One ClusterTrustBundle by name; exclusive with signerName."),
    SP_F("signerName", 2, SCH_STRING, 0, "All bundles of this signer, deduplicated."),
    SP_O("labelSelector", 3, sch_meta_v1_LabelSelector, 0,
	 "With signerName: only bundles matching it; unset matches none, "
	 "empty matches all."),
    SP_F("optional", 5, SCH_BOOL, 0, "Do not hold the pod back when no bundle is found."),
    SP_F("path", 4, SCH_STRING, SP_REQ, "The file path, relative to the volume root."),
};
SP_TYPE(sch_core_v1_ClusterTrustBundleProjection, "ClusterTrustBundleProjection", 0,
	"ClusterTrustBundle certificates written into a projected volume.",
	cluster_trust_bundle_projection_fields);

static const struct sch_field pod_certificate_projection_fields[] = {
    SP_F("signerName", 1, SCH_STRING, SP_REQ | SP_OE,
	 "The signer the kubelet's certificate requests go to."),
    SP_F("keyType", 2, SCH_STRING, SP_REQ | SP_OE,
	 "The key pair to generate: RSA3072, RSA4096, ECDSAP256, ECDSAP384, "
	 "ECDSAP521 or ED25519."),
    SP_F("maxExpirationSeconds", 3, SCH_INT32, 0,
	 "The longest certificate lifetime allowed; 24 hours by default."),
    SP_F("credentialBundlePath", 4, SCH_STRING, SP_OE,
	 "Write key and chain as one PEM file here, readable atomically."),
    SP_F("keyPath", 5, SCH_STRING, SP_OE, "Write the private key here."),
    SP_F("certificateChainPath", 6, SCH_STRING, SP_OE, "Write the certificate chain here."),
    SP_M("userAnnotations", 7, SCH_STRING, SP_OE,
	 "Domain-prefixed annotations passed on to the signer."),
};
SP_TYPE(sch_core_v1_PodCertificateProjection, "PodCertificateProjection", 0,
	"A private key and certificate issued for the pod, in a projected "
	"volume.",
	pod_certificate_projection_fields);

static const struct sch_field downward_api_volume_source_fields[] = {
    SP_OL("items", 1, sch_core_v1_DownwardAPIVolumeFile, SP_OE | SP_ATOM, NULL,
	  "The files to create."),
    SP_DEFAULT_MODE(2, "; default 0644"),
};
SP_TYPE(sch_core_v1_DownwardAPIVolumeSource, "DownwardAPIVolumeSource", 0,
	"Information about the pod presented as files.", downward_api_volume_source_fields);

static const struct sch_field downward_api_volume_file_fields[] = {
    SP_F("path", 1, SCH_STRING, SP_REQ, "The relative path of the file; no '..' elements."),
    SP_O("fieldRef", 2, sch_core_v1_ObjectFieldSelector, 0,
	 "A pod field: annotations, labels, name, namespace or uid."),
    SP_O("resourceFieldRef", 3, sch_core_v1_ResourceFieldSelector, 0,
	 "A container's CPU or memory request or limit."),
    SP_F("mode", 4, SCH_INT32, 0,
	 "Permission bits of this file; the volume's defaultMode when "
	 "unset."),
};
SP_TYPE(sch_core_v1_DownwardAPIVolumeFile, "DownwardAPIVolumeFile", 0,
	"One file of a downward API volume.", downward_api_volume_file_fields);

static const struct sch_field nfs_volume_source_fields[] = {
    SP_F("server", 1, SCH_STRING, SP_REQ, "The NFS server's host name or address."),
    SP_F("path", 2, SCH_STRING, SP_REQ, "The exported path."),
    SP_F("readOnly", 3, SCH_BOOL, SP_OE, "Mount the export read-only."),
};
SP_TYPE(sch_core_v1_NFSVolumeSource, "NFSVolumeSource", 0,
	"An NFS mount that lives as long as the pod.", nfs_volume_source_fields);

static const struct sch_field csi_volume_source_fields[] = {
    SP_F("driver", 1, SCH_STRING, SP_REQ, "The CSI driver's name as registered in the cluster."),
    SP_F("readOnly", 2, SCH_BOOL, 0, "Mount read-only; default false."),
    SP_F("fsType", 3, SCH_STRING, 0, "The filesystem type; the driver chooses when unset."),
    SP_M("volumeAttributes", 4, SCH_STRING, SP_OE,
	 "Driver-specific properties passed to the driver."),
    SP_O("nodePublishSecretRef", 5, sch_core_v1_LocalObjectReference, 0,
	 "A Secret passed to the driver's NodePublishVolume calls."),
};
SP_TYPE(sch_core_v1_CSIVolumeSource, "CSIVolumeSource", 0,
	"An inline volume managed by an external CSI driver.", csi_volume_source_fields);

/* Its one member is a PersistentVolumeClaimTemplate (metadata plus a full
 * PersistentVolumeClaimSpec), a tree the PVC tables will own; until they
 * exist it is kept as given rather than described twice. */
const struct sch_type sch_core_v1_EphemeralVolumeSource = {
    .name = "io.k8s.api.core.v1.EphemeralVolumeSource",
    .desc = "A volume provisioned through a PersistentVolumeClaim created "
	    "from volumeClaimTemplate for the pod and deleted with it.",
    .flags = SCH_F_PRESERVE,
};

static const struct sch_field image_volume_source_fields[] = {
    SP_F("reference", 1, SCH_STRING, SP_OE,
	 "The image or artifact reference, as for a container image."),
    SP_F("pullPolicy", 2, SCH_STRING, SP_OE,
	 "Always, Never or IfNotPresent; Always for :latest, otherwise "
	 "IfNotPresent, by default."),
};
SP_TYPE(sch_core_v1_ImageVolumeSource, "ImageVolumeSource", 0,
	"An OCI image or artifact mounted as a read-only volume.", image_volume_source_fields);
