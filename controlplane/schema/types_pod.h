/* types_pod: the schema tables of the core/v1 Pod tree — Pod, PodTemplate,
 * PodSpec and everything it holds (containers, probes, security contexts,
 * volumes and their sources, affinity, tolerations) and PodStatus.
 *
 * The tables are split by concern over types_pod*.c:
 *   types_pod.c               Pod, PodList, PodTemplate(List), PodTemplateSpec,
 *                             PodSpec and its small scheduling/DNS members
 *   types_pod_container.c     Container, EphemeralContainer, ports, env,
 *                             resources, mounts, probes, lifecycle hooks
 *   types_pod_security.c      SecurityContext, PodSecurityContext and parts
 *   types_pod_affinity.c      Affinity, node and pod (anti-)affinity
 *   types_pod_volumes.c       Volume, VolumeSource, the everyday sources,
 *                             projections, downward API
 *   types_pod_volumes_legacy.c the in-tree cloud and network volume sources
 *   types_pod_status.c        PodStatus, conditions, container statuses
 *
 * Conventions beyond schema.h:
 *   - SCH_F_OMITEMPTY is set on non-pointer scalar, list and map fields whose
 *     Go tag says omitempty. It is not set on struct-valued fields (objects,
 *     Time, Quantity): Go's encoding/json never omits a struct value, so the
 *     flag would promise something the upstream output does not do.
 *   - SCH_F_REQUIRED marks what upstream's OpenAPI lists as required: fields
 *     without omitempty that are not documented optional, and the newer
 *     +required fields (which may carry omitempty too, as Go tags them).
 *   - SCH_F_ATOMIC in a type's flags is upstream's +structType=atomic (the
 *     selectors, NodeSelector, NodeSelectorTerm): apply replaces the whole
 *     object wherever the type appears.
 *   - merge_key on a list that is not SCH_F_LIST_MAP (status.hostIPs) is the
 *     strategic-merge key of a list server-side apply treats as atomic.
 *   - PodSpec.volumes and resourceClaims are also retainKeys upstream
 *     (strategic merge drops the other members of a merged item); the flags
 *     have no bit for that.
 *   - A list keyed by two fields upstream (ports: containerPort+protocol;
 *     topologySpreadConstraints: topologyKey+whenUnsatisfiable) carries its
 *     strategic-merge key, the first one, in merge_key: struct sch_field has
 *     room for one key only.
 */
#ifndef SKIFF_SCHEMA_TYPES_POD_H
#define SKIFF_SCHEMA_TYPES_POD_H

#include "schema.h"

/* (on an SCH_OBJECT field) Go `json:",inline"`: in JSON the members of
 * `type` appear directly in the parent object, on the protobuf wire they are
 * one embedded message at `pb`. Used for LocalObjectReference inside the key
 * selectors and ConfigMap sources, VolumeSource inside Volume, ProbeHandler
 * inside Probe, EphemeralContainerCommon inside EphemeralContainer and
 * VolumeStatus inside VolumeMountStatus. Not (yet) in schema.h: the lead
 * reconciles it with the other table helpers. */
#ifndef SCH_F_INLINE
#define SCH_F_INLINE (1u << 9)
#endif

/* Owned by other table helpers (meta/v1 and the other core/v1 files). */
extern const struct sch_type sch_meta_v1_ObjectMeta;
extern const struct sch_type sch_meta_v1_ListMeta;
extern const struct sch_type sch_meta_v1_LabelSelector;
extern const struct sch_type sch_core_v1_LocalObjectReference;
extern const struct sch_type sch_core_v1_ObjectReference;

/* types_pod.c */
extern const struct sch_type sch_core_v1_Pod;
extern const struct sch_type sch_core_v1_PodList;
extern const struct sch_type sch_core_v1_PodTemplate;
extern const struct sch_type sch_core_v1_PodTemplateList;
extern const struct sch_type sch_core_v1_PodTemplateSpec;
extern const struct sch_type sch_core_v1_PodSpec;
extern const struct sch_type sch_core_v1_PodDNSConfig;
extern const struct sch_type sch_core_v1_PodDNSConfigOption;
extern const struct sch_type sch_core_v1_HostAlias;
extern const struct sch_type sch_core_v1_PodReadinessGate;
extern const struct sch_type sch_core_v1_PodOS;
extern const struct sch_type sch_core_v1_PodSchedulingGate;
extern const struct sch_type sch_core_v1_PodResourceClaim;
extern const struct sch_type sch_core_v1_WorkloadReference;
extern const struct sch_type sch_core_v1_Toleration;
extern const struct sch_type sch_core_v1_TopologySpreadConstraint;

/* types_pod_container.c */
extern const struct sch_type sch_core_v1_Container;
extern const struct sch_type sch_core_v1_EphemeralContainer;
extern const struct sch_type sch_core_v1_EphemeralContainerCommon;
extern const struct sch_type sch_core_v1_ContainerPort;
extern const struct sch_type sch_core_v1_EnvVar;
extern const struct sch_type sch_core_v1_EnvVarSource;
extern const struct sch_type sch_core_v1_ConfigMapKeySelector;
extern const struct sch_type sch_core_v1_SecretKeySelector;
extern const struct sch_type sch_core_v1_FileKeySelector;
extern const struct sch_type sch_core_v1_ObjectFieldSelector;
extern const struct sch_type sch_core_v1_ResourceFieldSelector;
extern const struct sch_type sch_core_v1_EnvFromSource;
extern const struct sch_type sch_core_v1_ConfigMapEnvSource;
extern const struct sch_type sch_core_v1_SecretEnvSource;
extern const struct sch_type sch_core_v1_ResourceRequirements;
extern const struct sch_type sch_core_v1_ResourceClaim;
extern const struct sch_type sch_core_v1_ContainerResizePolicy;
extern const struct sch_type sch_core_v1_ContainerRestartRule;
extern const struct sch_type sch_core_v1_ContainerRestartRuleOnExitCodes;
extern const struct sch_type sch_core_v1_VolumeMount;
extern const struct sch_type sch_core_v1_VolumeDevice;
extern const struct sch_type sch_core_v1_Probe;
extern const struct sch_type sch_core_v1_ProbeHandler;
extern const struct sch_type sch_core_v1_ExecAction;
extern const struct sch_type sch_core_v1_HTTPGetAction;
extern const struct sch_type sch_core_v1_HTTPHeader;
extern const struct sch_type sch_core_v1_TCPSocketAction;
extern const struct sch_type sch_core_v1_GRPCAction;
extern const struct sch_type sch_core_v1_Lifecycle;
extern const struct sch_type sch_core_v1_LifecycleHandler;
extern const struct sch_type sch_core_v1_SleepAction;

/* types_pod_security.c */
extern const struct sch_type sch_core_v1_SecurityContext;
extern const struct sch_type sch_core_v1_PodSecurityContext;
extern const struct sch_type sch_core_v1_Capabilities;
extern const struct sch_type sch_core_v1_SELinuxOptions;
extern const struct sch_type sch_core_v1_SeccompProfile;
extern const struct sch_type sch_core_v1_AppArmorProfile;
extern const struct sch_type sch_core_v1_WindowsSecurityContextOptions;
extern const struct sch_type sch_core_v1_Sysctl;
extern const struct sch_type sch_core_v1_Ulimit;

/* types_pod_affinity.c */
extern const struct sch_type sch_core_v1_Affinity;
extern const struct sch_type sch_core_v1_NodeAffinity;
extern const struct sch_type sch_core_v1_NodeSelector;
extern const struct sch_type sch_core_v1_NodeSelectorTerm;
extern const struct sch_type sch_core_v1_NodeSelectorRequirement;
extern const struct sch_type sch_core_v1_PreferredSchedulingTerm;
extern const struct sch_type sch_core_v1_PodAffinity;
extern const struct sch_type sch_core_v1_PodAntiAffinity;
extern const struct sch_type sch_core_v1_PodAffinityTerm;
extern const struct sch_type sch_core_v1_WeightedPodAffinityTerm;

/* types_pod_volumes.c */
extern const struct sch_type sch_core_v1_Volume;
extern const struct sch_type sch_core_v1_VolumeSource;
extern const struct sch_type sch_core_v1_EmptyDirVolumeSource;
extern const struct sch_type sch_core_v1_HostPathVolumeSource;
extern const struct sch_type sch_core_v1_ConfigMapVolumeSource;
extern const struct sch_type sch_core_v1_SecretVolumeSource;
extern const struct sch_type sch_core_v1_KeyToPath;
extern const struct sch_type sch_core_v1_PersistentVolumeClaimVolumeSource;
extern const struct sch_type sch_core_v1_ProjectedVolumeSource;
extern const struct sch_type sch_core_v1_VolumeProjection;
extern const struct sch_type sch_core_v1_SecretProjection;
extern const struct sch_type sch_core_v1_ConfigMapProjection;
extern const struct sch_type sch_core_v1_DownwardAPIProjection;
extern const struct sch_type sch_core_v1_ServiceAccountTokenProjection;
extern const struct sch_type sch_core_v1_ClusterTrustBundleProjection;
extern const struct sch_type sch_core_v1_PodCertificateProjection;
extern const struct sch_type sch_core_v1_DownwardAPIVolumeSource;
extern const struct sch_type sch_core_v1_DownwardAPIVolumeFile;
extern const struct sch_type sch_core_v1_NFSVolumeSource;
extern const struct sch_type sch_core_v1_CSIVolumeSource;
extern const struct sch_type sch_core_v1_EphemeralVolumeSource;
extern const struct sch_type sch_core_v1_ImageVolumeSource;

/* types_pod_volumes_legacy.c */
extern const struct sch_type sch_core_v1_GCEPersistentDiskVolumeSource;
extern const struct sch_type sch_core_v1_AWSElasticBlockStoreVolumeSource;
extern const struct sch_type sch_core_v1_GitRepoVolumeSource;
extern const struct sch_type sch_core_v1_ISCSIVolumeSource;
extern const struct sch_type sch_core_v1_GlusterfsVolumeSource;
extern const struct sch_type sch_core_v1_RBDVolumeSource;
extern const struct sch_type sch_core_v1_FlexVolumeSource;
extern const struct sch_type sch_core_v1_CinderVolumeSource;
extern const struct sch_type sch_core_v1_CephFSVolumeSource;
extern const struct sch_type sch_core_v1_FlockerVolumeSource;
extern const struct sch_type sch_core_v1_FCVolumeSource;
extern const struct sch_type sch_core_v1_AzureFileVolumeSource;
extern const struct sch_type sch_core_v1_VsphereVirtualDiskVolumeSource;
extern const struct sch_type sch_core_v1_QuobyteVolumeSource;
extern const struct sch_type sch_core_v1_AzureDiskVolumeSource;
extern const struct sch_type sch_core_v1_PhotonPersistentDiskVolumeSource;
extern const struct sch_type sch_core_v1_PortworxVolumeSource;
extern const struct sch_type sch_core_v1_ScaleIOVolumeSource;
extern const struct sch_type sch_core_v1_StorageOSVolumeSource;

/* types_pod_status.c */
extern const struct sch_type sch_core_v1_PodStatus;
extern const struct sch_type sch_core_v1_PodCondition;
extern const struct sch_type sch_core_v1_PodIP;
extern const struct sch_type sch_core_v1_HostIP;
extern const struct sch_type sch_core_v1_ContainerStatus;
extern const struct sch_type sch_core_v1_ContainerState;
extern const struct sch_type sch_core_v1_ContainerStateWaiting;
extern const struct sch_type sch_core_v1_ContainerStateRunning;
extern const struct sch_type sch_core_v1_ContainerStateTerminated;
extern const struct sch_type sch_core_v1_VolumeMountStatus;
extern const struct sch_type sch_core_v1_VolumeStatus;
extern const struct sch_type sch_core_v1_ImageVolumeStatus;
extern const struct sch_type sch_core_v1_ContainerUser;
extern const struct sch_type sch_core_v1_LinuxContainerUser;
extern const struct sch_type sch_core_v1_ResourceStatus;
extern const struct sch_type sch_core_v1_ResourceHealth;
extern const struct sch_type sch_core_v1_PodResourceClaimStatus;
extern const struct sch_type sch_core_v1_PodExtendedResourceClaimStatus;
extern const struct sch_type sch_core_v1_ContainerExtendedResourceRequest;

/* Every type defined in types_pod*.c (not the externs above), for
 * registries that walk all definitions (OpenAPI) and for the table test. */
extern const struct sch_type *const sch_pod_types[];
extern const size_t sch_pod_ntypes;

#endif
