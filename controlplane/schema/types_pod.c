/* Schema tables: Pod, PodList, PodTemplate(List), PodTemplateSpec, PodSpec
 * and the small types PodSpec holds for scheduling and DNS. Field numbers
 * and JSON names are those of the upstream core/v1 wire format. */
#include "types_pod_def.h"

static const struct sch_field pod_fields[] = {
    SP_TYPEMETA,
    SP_O("metadata", 1, sch_meta_v1_ObjectMeta, 0,
	 "Standard object metadata: name, namespace, labels, annotations."),
    SP_O("spec", 2, sch_core_v1_PodSpec, 0,
	 "The desired behaviour of the pod: its containers, volumes and "
	 "scheduling constraints."),
    SP_O("status", 3, sch_core_v1_PodStatus, SP_RO,
	 "The most recently observed state of the pod, written by the "
	 "system; it may lag behind reality."),
};
SP_KIND(sch_core_v1_Pod, "Pod",
	"A group of containers that share storage and network and run "
	"together on one node.",
	pod_fields);

static const struct sch_field pod_list_fields[] = {
    SP_TYPEMETA,
    SP_O("metadata", 1, sch_meta_v1_ListMeta, 0,
	 "Standard list metadata: resourceVersion and continue token."),
    SP_OL("items", 2, sch_core_v1_Pod, SP_REQ, NULL, "The pods in the list."),
};
SP_KIND(sch_core_v1_PodList, "PodList", "A list of pods.", pod_list_fields);

static const struct sch_field pod_template_fields[] = {
    SP_TYPEMETA,
    SP_O("metadata", 1, sch_meta_v1_ObjectMeta, 0, "Standard object metadata."),
    SP_O("template", 2, sch_core_v1_PodTemplateSpec, 0,
	 "The pod that copies made from this template will look like."),
};
SP_KIND(sch_core_v1_PodTemplate, "PodTemplate",
	"A stored template from which copies of a pod can be created.", pod_template_fields);

static const struct sch_field pod_template_list_fields[] = {
    SP_TYPEMETA,
    SP_O("metadata", 1, sch_meta_v1_ListMeta, 0, "Standard list metadata."),
    SP_OL("items", 2, sch_core_v1_PodTemplate, SP_REQ, NULL, "The pod templates in the list."),
};
SP_KIND(sch_core_v1_PodTemplateList, "PodTemplateList", "A list of pod templates.",
	pod_template_list_fields);

static const struct sch_field pod_template_spec_fields[] = {
    SP_O("metadata", 1, sch_meta_v1_ObjectMeta, 0,
	 "Metadata (labels, annotations) given to every pod created from "
	 "the template."),
    SP_O("spec", 2, sch_core_v1_PodSpec, 0,
	 "The desired behaviour of pods created from the template."),
};
SP_TYPE(sch_core_v1_PodTemplateSpec, "PodTemplateSpec", 0,
	"What a pod created from a template should contain.", pod_template_spec_fields);

static const struct sch_field pod_spec_fields[] = {
    SP_OL("volumes", 1, sch_core_v1_Volume, SP_OE | SCH_F_LIST_MAP, "name",
	  "Volumes that containers of the pod can mount, each with a name "
	  "unique in the pod."),
    SP_OL("initContainers", 20, sch_core_v1_Container, SP_OE | SCH_F_LIST_MAP, "name",
	  "Containers run one after the other, each to completion, before "
	  "the regular containers start."),
    SP_OL("containers", 2, sch_core_v1_Container, SP_REQ | SCH_F_LIST_MAP, "name",
	  "The containers of the pod; there must be at least one, and the "
	  "list cannot be changed after creation."),
    SP_OL("ephemeralContainers", 34, sch_core_v1_EphemeralContainer, SP_OE | SCH_F_LIST_MAP, "name",
	  "Temporary containers added to a running pod for debugging, "
	  "through the ephemeralcontainers subresource only."),
    SP_F("restartPolicy", 3, SCH_STRING, SP_OE,
	 "When containers are restarted: Always (the default), OnFailure "
	 "or Never."),
    SP_F("terminationGracePeriodSeconds", 4, SCH_INT64, 0,
	 "Seconds between the termination signal and the kill at shutdown; "
	 "0 kills at once, unset means the default of 30."),
    SP_F("activeDeadlineSeconds", 5, SCH_INT64, 0,
	 "Seconds the pod may stay active on a node, counted from its start, "
	 "before the system fails it."),
    SP_F("dnsPolicy", 6, SCH_STRING, SP_OE,
	 "How the pod's resolver is configured: ClusterFirst (default), "
	 "ClusterFirstWithHostNet, Default or None."),
    SP_M("nodeSelector", 7, SCH_STRING, SP_OE | SP_ATOM,
	 "Labels a node must carry for the pod to be scheduled onto it."),
    SP_F("serviceAccountName", 8, SCH_STRING, SP_OE,
	 "The service account whose identity the pod runs with."),
    SP_F("serviceAccount", 9, SCH_STRING, SP_OE, "Deprecated alias of serviceAccountName."),
    SP_F("automountServiceAccountToken", 21, SCH_BOOL, 0,
	 "Whether an API token of the service account is mounted into the "
	 "containers."),
    SP_F("nodeName", 10, SCH_STRING, SP_OE,
	 "The node the pod is bound to; empty while it waits for the "
	 "scheduler."),
    SP_F("hostNetwork", 11, SCH_BOOL, SP_OE, "Run the pod in the node's network namespace."),
    SP_F("hostPID", 12, SCH_BOOL, SP_OE, "Run the pod in the node's process ID namespace."),
    SP_F("hostIPC", 13, SCH_BOOL, SP_OE, "Run the pod in the node's IPC namespace."),
    SP_F("shareProcessNamespace", 27, SCH_BOOL, 0,
	 "Put all containers of the pod in one process namespace, so they "
	 "can see and signal each other's processes."),
    SP_O("securityContext", 14, sch_core_v1_PodSecurityContext, 0,
	 "Pod-wide security settings and defaults for its containers."),
    SP_OL("imagePullSecrets", 15, sch_core_v1_LocalObjectReference, SP_OE | SCH_F_LIST_MAP, "name",
	  "Secrets in the pod's namespace holding registry credentials for "
	  "pulling the images."),
    SP_F("hostname", 16, SCH_STRING, SP_OE,
	 "The pod's hostname; defaults to a system-chosen value."),
    SP_F("subdomain", 17, SCH_STRING, SP_OE,
	 "When set, the pod's FQDN is hostname.subdomain.namespace.svc "
	 "under the cluster domain."),
    SP_O("affinity", 18, sch_core_v1_Affinity, 0,
	 "Node and inter-pod affinity rules for scheduling."),
    SP_F("schedulerName", 19, SCH_STRING, SP_OE,
	 "The scheduler that places this pod; the default scheduler when "
	 "empty."),
    SP_OL("tolerations", 22, sch_core_v1_Toleration, SP_OE | SP_ATOM, NULL,
	  "Taints of nodes this pod tolerates."),
    SP_OL("hostAliases", 23, sch_core_v1_HostAlias, SP_OE | SCH_F_LIST_MAP, "ip",
	  "Extra entries written into the pod's hosts file."),
    SP_F("priorityClassName", 24, SCH_STRING, SP_OE,
	 "The PriorityClass whose value becomes the pod's priority."),
    SP_F("priority", 25, SCH_INT32, 0,
	 "The pod's priority, filled in from priorityClassName by "
	 "admission; higher runs first."),
    SP_O("dnsConfig", 26, sch_core_v1_PodDNSConfig, 0,
	 "Resolver settings merged into those chosen by dnsPolicy."),
    SP_OL("readinessGates", 28, sch_core_v1_PodReadinessGate, SP_OE | SP_ATOM, NULL,
	  "Extra pod conditions that must be True for the pod to count as "
	  "ready."),
    SP_F("runtimeClassName", 29, SCH_STRING, 0,
	 "The RuntimeClass (node.k8s.io) used to run this pod."),
    SP_F("enableServiceLinks", 30, SCH_BOOL, 0,
	 "Whether service addresses are injected as environment variables, "
	 "as Docker links did; defaults to true."),
    SP_F("preemptionPolicy", 31, SCH_STRING, 0,
	 "Whether this pod may preempt lower-priority pods: "
	 "PreemptLowerPriority (default) or Never."),
    SP_M("overhead", 32, SCH_QUANTITY, SP_OE,
	 "Resources consumed by the pod sandbox itself, set from the "
	 "RuntimeClass at admission."),
    SP_OL("topologySpreadConstraints", 33, sch_core_v1_TopologySpreadConstraint,
	  SP_OE | SCH_F_LIST_MAP, "topologyKey",
	  "How pods matching a selector are spread across topology "
	  "domains; all constraints must hold."),
    SP_F("setHostnameAsFQDN", 35, SCH_BOOL, 0,
	 "Set the kernel hostname to the pod's FQDN instead of its short "
	 "name."),
    SP_O("os", 36, sch_core_v1_PodOS, 0,
	 "The operating system of the containers; restricts which fields "
	 "may be set."),
    SP_F("hostUsers", 37, SCH_BOOL, 0,
	 "Run in the node's user namespace (true or unset) or in a new one "
	 "(false)."),
    SP_OL("schedulingGates", 38, sch_core_v1_PodSchedulingGate, SP_OE | SCH_F_LIST_MAP, "name",
	  "While any gate is present the scheduler leaves the pod alone; "
	  "gates can only be removed after creation."),
    SP_OL("resourceClaims", 39, sch_core_v1_PodResourceClaim, SP_OE | SCH_F_LIST_MAP, "name",
	  "Dynamic resource claims that must be allocated before the pod "
	  "starts."),
    SP_O("resources", 40, sch_core_v1_ResourceRequirements, 0,
	 "Pod-level CPU, memory and hugepages requests and limits shared by "
	 "all containers."),
    SP_F("hostnameOverride", 41, SCH_STRING, 0,
	 "An explicit hostname for the pod, taking precedence over hostname "
	 "and subdomain."),
    SP_O("workloadRef", 42, sch_core_v1_WorkloadReference, 0,
	 "The Workload and pod group this pod belongs to, for group "
	 "scheduling."),
};
SP_TYPE(sch_core_v1_PodSpec, "PodSpec", 0, "The description of a pod.", pod_spec_fields);

static const struct sch_field pod_dns_config_fields[] = {
    SP_FL("nameservers", 1, SCH_STRING, SP_OE | SP_ATOM,
	  "Name server addresses appended to those from dnsPolicy."),
    SP_FL("searches", 2, SCH_STRING, SP_OE | SP_ATOM,
	  "Search domains appended to those from dnsPolicy."),
    SP_OL("options", 3, sch_core_v1_PodDNSConfigOption, SP_OE | SP_ATOM, NULL,
	  "Resolver options, overriding same-named base options."),
};
SP_TYPE(sch_core_v1_PodDNSConfig, "PodDNSConfig", 0,
	"Resolver parameters of a pod beyond those generated from dnsPolicy.",
	pod_dns_config_fields);

static const struct sch_field pod_dns_config_option_fields[] = {
    SP_F("name", 1, SCH_STRING, SP_OE, "The resolver option's name."),
    SP_F("value", 2, SCH_STRING, 0, "The resolver option's value."),
};
SP_TYPE(sch_core_v1_PodDNSConfigOption, "PodDNSConfigOption", 0, "One resolver option of a pod.",
	pod_dns_config_option_fields);

static const struct sch_field host_alias_fields[] = {
    SP_F("ip", 1, SCH_STRING, SP_REQ, "The address of the hosts entry."),
    SP_FL("hostnames", 2, SCH_STRING, SP_OE | SP_ATOM, "Host names for that address."),
};
SP_TYPE(sch_core_v1_HostAlias, "HostAlias", 0,
	"An address and its host names, written into the pod's hosts file.", host_alias_fields);

static const struct sch_field pod_readiness_gate_fields[] = {
    SP_F("conditionType", 1, SCH_STRING, SP_REQ, "The type of a pod condition that must be True."),
};
SP_TYPE(sch_core_v1_PodReadinessGate, "PodReadinessGate", 0,
	"A pod condition required for readiness.", pod_readiness_gate_fields);

static const struct sch_field pod_os_fields[] = {
    SP_F("name", 1, SCH_STRING, SP_REQ, "The operating system: linux or windows."),
};
SP_TYPE(sch_core_v1_PodOS, "PodOS", 0, "The operating system the pod's containers need.",
	pod_os_fields);

static const struct sch_field pod_scheduling_gate_fields[] = {
    SP_F("name", 1, SCH_STRING, SP_REQ, "The gate's name, unique among the pod's gates."),
};
SP_TYPE(sch_core_v1_PodSchedulingGate, "PodSchedulingGate", 0,
	"A named gate holding back the scheduling of a pod.", pod_scheduling_gate_fields);

static const struct sch_field pod_resource_claim_fields[] = {
    SP_F("name", 1, SCH_STRING, SP_REQ,
	 "Name of the claim inside the pod, used by containers to refer to "
	 "it."),
    SP_F("resourceClaimName", 3, SCH_STRING, 0,
	 "An existing ResourceClaim in the pod's namespace; exclusive with "
	 "resourceClaimTemplateName."),
    SP_F("resourceClaimTemplateName", 4, SCH_STRING, 0,
	 "A ResourceClaimTemplate from which a claim owned by the pod is "
	 "created."),
};
SP_TYPE(sch_core_v1_PodResourceClaim, "PodResourceClaim", 0,
	"One resource claim of a pod, given a name inside the pod.", pod_resource_claim_fields);

static const struct sch_field workload_reference_fields[] = {
    SP_F("name", 1, SCH_STRING, SP_REQ, "The Workload object, in the pod's namespace."),
    SP_F("podGroup", 2, SCH_STRING, SP_REQ, "The pod group within the Workload."),
    SP_F("podGroupReplicaKey", 3, SCH_STRING, SP_OE, "Tells replicas of the same pod group apart."),
};
SP_TYPE(sch_core_v1_WorkloadReference, "WorkloadReference", 0,
	"The Workload and pod group a pod belongs to.", workload_reference_fields);

static const struct sch_field toleration_fields[] = {
    SP_F("key", 1, SCH_STRING, SP_OE,
	 "The taint key tolerated; empty with operator Exists tolerates "
	 "everything."),
    SP_F("operator", 2, SCH_STRING, SP_OE,
	 "How the key relates to the value: Equal (default), Exists, Lt or "
	 "Gt."),
    SP_F("value", 3, SCH_STRING, SP_OE, "The taint value matched; empty for operator Exists."),
    SP_F("effect", 4, SCH_STRING, SP_OE,
	 "The taint effect matched (NoSchedule, PreferNoSchedule, "
	 "NoExecute); empty matches all."),
    SP_F("tolerationSeconds", 5, SCH_INT64, 0,
	 "For NoExecute: how long the pod stays bound after the taint "
	 "appears; unset means forever."),
};
SP_TYPE(sch_core_v1_Toleration, "Toleration", 0,
	"Lets a pod be scheduled onto (or stay on) nodes with a matching "
	"taint.",
	toleration_fields);

static const struct sch_field topology_spread_constraint_fields[] = {
    SP_F("maxSkew", 1, SCH_INT32, SP_REQ,
	 "The largest allowed difference in matching pods between a domain "
	 "and the least populated one."),
    SP_F("topologyKey", 2, SCH_STRING, SP_REQ,
	 "The node label whose values define the topology domains."),
    SP_F("whenUnsatisfiable", 3, SCH_STRING, SP_REQ,
	 "DoNotSchedule (default) or ScheduleAnyway when the skew cannot "
	 "be met."),
    SP_O("labelSelector", 4, sch_meta_v1_LabelSelector, 0,
	 "Selects the pods counted in each domain."),
    SP_F("minDomains", 5, SCH_INT32, 0,
	 "Minimum number of eligible domains; with fewer, the global "
	 "minimum counts as zero."),
    SP_F("nodeAffinityPolicy", 6, SCH_STRING, 0,
	 "Whether node affinity and nodeSelector limit the domains "
	 "counted: Honor (default) or Ignore."),
    SP_F("nodeTaintsPolicy", 7, SCH_STRING, 0,
	 "Whether node taints limit the domains counted: Honor or Ignore "
	 "(default)."),
    SP_FL("matchLabelKeys", 8, SCH_STRING, SP_OE | SP_ATOM,
	  "Pod label keys whose values in the incoming pod are ANDed with "
	  "labelSelector."),
};
SP_TYPE(sch_core_v1_TopologySpreadConstraint, "TopologySpreadConstraint", 0,
	"How matching pods are spread over a topology.", topology_spread_constraint_fields);

/* Every type defined in the types_pod*.c files, in header order. */
const struct sch_type *const sch_pod_types[] = {
    &sch_core_v1_Pod,
    &sch_core_v1_PodList,
    &sch_core_v1_PodTemplate,
    &sch_core_v1_PodTemplateList,
    &sch_core_v1_PodTemplateSpec,
    &sch_core_v1_PodSpec,
    &sch_core_v1_PodDNSConfig,
    &sch_core_v1_PodDNSConfigOption,
    &sch_core_v1_HostAlias,
    &sch_core_v1_PodReadinessGate,
    &sch_core_v1_PodOS,
    &sch_core_v1_PodSchedulingGate,
    &sch_core_v1_PodResourceClaim,
    &sch_core_v1_WorkloadReference,
    &sch_core_v1_Toleration,
    &sch_core_v1_TopologySpreadConstraint,
    &sch_core_v1_Container,
    &sch_core_v1_EphemeralContainer,
    &sch_core_v1_EphemeralContainerCommon,
    &sch_core_v1_ContainerPort,
    &sch_core_v1_EnvVar,
    &sch_core_v1_EnvVarSource,
    &sch_core_v1_ConfigMapKeySelector,
    &sch_core_v1_SecretKeySelector,
    &sch_core_v1_FileKeySelector,
    &sch_core_v1_ObjectFieldSelector,
    &sch_core_v1_ResourceFieldSelector,
    &sch_core_v1_EnvFromSource,
    &sch_core_v1_ConfigMapEnvSource,
    &sch_core_v1_SecretEnvSource,
    &sch_core_v1_ResourceRequirements,
    &sch_core_v1_ResourceClaim,
    &sch_core_v1_ContainerResizePolicy,
    &sch_core_v1_ContainerRestartRule,
    &sch_core_v1_ContainerRestartRuleOnExitCodes,
    &sch_core_v1_VolumeMount,
    &sch_core_v1_VolumeDevice,
    &sch_core_v1_Probe,
    &sch_core_v1_ProbeHandler,
    &sch_core_v1_ExecAction,
    &sch_core_v1_HTTPGetAction,
    &sch_core_v1_HTTPHeader,
    &sch_core_v1_TCPSocketAction,
    &sch_core_v1_GRPCAction,
    &sch_core_v1_Lifecycle,
    &sch_core_v1_LifecycleHandler,
    &sch_core_v1_SleepAction,
    &sch_core_v1_SecurityContext,
    &sch_core_v1_PodSecurityContext,
    &sch_core_v1_Capabilities,
    &sch_core_v1_SELinuxOptions,
    &sch_core_v1_SeccompProfile,
    &sch_core_v1_AppArmorProfile,
    &sch_core_v1_WindowsSecurityContextOptions,
    &sch_core_v1_Sysctl,
    &sch_core_v1_Ulimit,
    &sch_core_v1_Affinity,
    &sch_core_v1_NodeAffinity,
    &sch_core_v1_NodeSelector,
    &sch_core_v1_NodeSelectorTerm,
    &sch_core_v1_NodeSelectorRequirement,
    &sch_core_v1_PreferredSchedulingTerm,
    &sch_core_v1_PodAffinity,
    &sch_core_v1_PodAntiAffinity,
    &sch_core_v1_PodAffinityTerm,
    &sch_core_v1_WeightedPodAffinityTerm,
    &sch_core_v1_Volume,
    &sch_core_v1_VolumeSource,
    &sch_core_v1_EmptyDirVolumeSource,
    &sch_core_v1_HostPathVolumeSource,
    &sch_core_v1_ConfigMapVolumeSource,
    &sch_core_v1_SecretVolumeSource,
    &sch_core_v1_KeyToPath,
    &sch_core_v1_PersistentVolumeClaimVolumeSource,
    &sch_core_v1_ProjectedVolumeSource,
    &sch_core_v1_VolumeProjection,
    &sch_core_v1_SecretProjection,
    &sch_core_v1_ConfigMapProjection,
    &sch_core_v1_DownwardAPIProjection,
    &sch_core_v1_ServiceAccountTokenProjection,
    &sch_core_v1_ClusterTrustBundleProjection,
    &sch_core_v1_PodCertificateProjection,
    &sch_core_v1_DownwardAPIVolumeSource,
    &sch_core_v1_DownwardAPIVolumeFile,
    &sch_core_v1_NFSVolumeSource,
    &sch_core_v1_CSIVolumeSource,
    &sch_core_v1_EphemeralVolumeSource,
    &sch_core_v1_ImageVolumeSource,
    &sch_core_v1_GCEPersistentDiskVolumeSource,
    &sch_core_v1_AWSElasticBlockStoreVolumeSource,
    &sch_core_v1_GitRepoVolumeSource,
    &sch_core_v1_ISCSIVolumeSource,
    &sch_core_v1_GlusterfsVolumeSource,
    &sch_core_v1_RBDVolumeSource,
    &sch_core_v1_FlexVolumeSource,
    &sch_core_v1_CinderVolumeSource,
    &sch_core_v1_CephFSVolumeSource,
    &sch_core_v1_FlockerVolumeSource,
    &sch_core_v1_FCVolumeSource,
    &sch_core_v1_AzureFileVolumeSource,
    &sch_core_v1_VsphereVirtualDiskVolumeSource,
    &sch_core_v1_QuobyteVolumeSource,
    &sch_core_v1_AzureDiskVolumeSource,
    &sch_core_v1_PhotonPersistentDiskVolumeSource,
    &sch_core_v1_PortworxVolumeSource,
    &sch_core_v1_ScaleIOVolumeSource,
    &sch_core_v1_StorageOSVolumeSource,
    &sch_core_v1_PodStatus,
    &sch_core_v1_PodCondition,
    &sch_core_v1_PodIP,
    &sch_core_v1_HostIP,
    &sch_core_v1_ContainerStatus,
    &sch_core_v1_ContainerState,
    &sch_core_v1_ContainerStateWaiting,
    &sch_core_v1_ContainerStateRunning,
    &sch_core_v1_ContainerStateTerminated,
    &sch_core_v1_VolumeMountStatus,
    &sch_core_v1_VolumeStatus,
    &sch_core_v1_ImageVolumeStatus,
    &sch_core_v1_ContainerUser,
    &sch_core_v1_LinuxContainerUser,
    &sch_core_v1_ResourceStatus,
    &sch_core_v1_ResourceHealth,
    &sch_core_v1_PodResourceClaimStatus,
    &sch_core_v1_PodExtendedResourceClaimStatus,
    &sch_core_v1_ContainerExtendedResourceRequest,
};
const size_t sch_pod_ntypes = sizeof(sch_pod_types) / sizeof(sch_pod_types[0]);
