/* types_core_node: core/v1 tables for Node, its spec and its status. */
#include "types_core.h"
#include "types_meta.h"
#include "types_def.h"

/* --- spec --- */

static const struct sch_field sch_core_v1_Taint_fields[] = {
    SF_STR("key", 1, REQ, "The taint's key."),
    SF_STR("value", 2, OM, "The taint's value."),
    SF_STR("effect", 3, REQ,
	   "What happens to pods that do not tolerate the taint: NoSchedule, "
	   "PreferNoSchedule or NoExecute."),
    SF_TIME("timeAdded", 4, 0, "When a NoExecute taint was added."),
};
CORE_TYPE(Taint, 0, "A mark on a node that repels pods not tolerating it.");

static const struct sch_field sch_core_v1_ConfigMapNodeConfigSource_fields[] = {
    SF_STR("namespace", 1, REQ, "The namespace of the config map."),
    SF_STR("name", 2, REQ, "The name of the config map."),
    SF_STR("uid", 3, OM, "The UID of the config map."),
    SF_STR("resourceVersion", 4, OM, "The resourceVersion of the config map."),
    SF_STR("kubeletConfigKey", 5, REQ,
	   "The key of the config map that holds the kubelet configuration."),
};
CORE_TYPE(ConfigMapNodeConfigSource, 0,
	  "A config map holding a node's kubelet configuration (deprecated dynamic kubelet "
	  "configuration).");

static const struct sch_field sch_core_v1_NodeConfigSource_fields[] = {
    SF_OBJ("configMap", 2, sch_core_v1_ConfigMapNodeConfigSource, 0,
	   "The config map holding the configuration."),
};
CORE_TYPE(NodeConfigSource, 0,
	  "Where a node's kubelet configuration comes from (deprecated, no longer used by the "
	  "kubelet).");

static const struct sch_field sch_core_v1_NodeSpec_fields[] = {
    SF_STR("podCIDR", 1, OM, "The pod IP range assigned to the node."),
    SF_STRS("podCIDRs", 7, OM | SCH_F_LIST_SET,
	    "The pod IP ranges assigned to the node, at most one per IP family; the first "
	    "equals podCIDR."),
    SF_STR("providerID", 3, OM, "The node's ID at its cloud provider (<provider>://<id>)."),
    SF_BOOL("unschedulable", 4, OM, "When true, no new pods are scheduled to the node (cordon)."),
    SF_OBJS("taints", 5, sch_core_v1_Taint, OM | ATOM, "The node's taints."),
    SF_OBJ("configSource", 6, sch_core_v1_NodeConfigSource, 0,
	   "Deprecated: where the kubelet configuration came from."),
    SF_STR("externalID", 2, OM, "Deprecated and unused."),
};
CORE_TYPE(NodeSpec, 0, "What a node should be: its pod ranges, taints and schedulability.");

/* --- status --- */

static const struct sch_field sch_core_v1_NodeAddress_fields[] = {
    SF_STR("type", 1, REQ, "Hostname, InternalIP, ExternalIP, InternalDNS or ExternalDNS."),
    SF_STR("address", 2, REQ, "The address."),
};
CORE_TYPE(NodeAddress, 0, "One address of a node.");

static const struct sch_field sch_core_v1_NodeCondition_fields[] = {
    SF_STR("type", 1, REQ, "The condition's type (Ready, MemoryPressure, DiskPressure, ...)."),
    SF_STR("status", 2, REQ, "True, False or Unknown."),
    SF_TIME("lastHeartbeatTime", 3, OM, "When the condition was last reported."),
    SF_TIME("lastTransitionTime", 4, OM, "When the status last changed."),
    SF_STR("reason", 5, OM, "A CamelCase reason for the last transition."),
    SF_STR("message", 6, OM, "A human-readable explanation of the last transition."),
};
CORE_TYPE(NodeCondition, 0, "One aspect of a node's state.");

static const struct sch_field sch_core_v1_DaemonEndpoint_fields[] = {
    /* Capitalised in JSON upstream. */
    SF_I32("Port", 1, REQ, "The port number of the endpoint."),
};
CORE_TYPE(DaemonEndpoint, 0, "A port on which a node daemon listens.");

static const struct sch_field sch_core_v1_NodeDaemonEndpoints_fields[] = {
    SF_OBJ("kubeletEndpoint", 1, sch_core_v1_DaemonEndpoint, OM,
	   "The port the kubelet listens on."),
};
CORE_TYPE(NodeDaemonEndpoints, 0, "The ports of the daemons running on a node.");

static const struct sch_field sch_core_v1_NodeSystemInfo_fields[] = {
    SF_STR("machineID", 1, REQ, "The machine ID (/etc/machine-id)."),
    SF_STR("systemUUID", 2, REQ, "The hardware system UUID."),
    SF_STR("bootID", 3, REQ, "The ID of the current boot."),
    SF_STR("kernelVersion", 4, REQ, "The kernel release (uname -r)."),
    SF_STR("osImage", 5, REQ, "The operating system image (from /etc/os-release)."),
    SF_STR("containerRuntimeVersion", 6, REQ,
	   "The container runtime and its version, e.g. containerd://1.7.0."),
    SF_STR("kubeletVersion", 7, REQ, "The kubelet's version."),
    SF_STR("kubeProxyVersion", 8, REQ, "Deprecated: the kube-proxy version, unreliable."),
    SF_STR("operatingSystem", 9, REQ, "The operating system, e.g. linux."),
    SF_STR("architecture", 10, REQ, "The CPU architecture, e.g. amd64."),
};
CORE_TYPE(NodeSystemInfo, 0, "Identifiers and versions describing a node's system.");

static const struct sch_field sch_core_v1_ContainerImage_fields[] = {
    SF_STRS("names", 1, ATOM, "The names (tags and digests) the image is known by."),
    SF_I64("sizeBytes", 2, OM, "The size of the image in bytes."),
};
CORE_TYPE(ContainerImage, 0, "An image present on a node.");

static const struct sch_field sch_core_v1_AttachedVolume_fields[] = {
    SF_STR("name", 1, REQ, "The name of the attached volume."),
    SF_STR("devicePath", 2, REQ, "The device path where the volume is available."),
};
CORE_TYPE(AttachedVolume, 0, "A volume attached to a node.");

static const struct sch_field sch_core_v1_NodeConfigStatus_fields[] = {
    SF_OBJ("assigned", 1, sch_core_v1_NodeConfigSource, 0,
	   "The configuration the node was told to use."),
    SF_OBJ("active", 2, sch_core_v1_NodeConfigSource, 0, "The configuration the node is using."),
    SF_OBJ("lastKnownGood", 3, sch_core_v1_NodeConfigSource, 0,
	   "The configuration the node falls back to."),
    SF_STR("error", 4, OM, "Why the assigned configuration could not be used."),
};
CORE_TYPE(NodeConfigStatus, 0, "Deprecated: the state of dynamic kubelet configuration.");

static const struct sch_field sch_core_v1_NodeRuntimeHandlerFeatures_fields[] = {
    SF_BOOL("recursiveReadOnlyMounts", 1, 0, "Whether recursive read-only mounts are supported."),
    SF_BOOL("userNamespaces", 2, 0, "Whether user namespaces are supported."),
};
CORE_TYPE(NodeRuntimeHandlerFeatures, 0, "The features a runtime handler supports.");

static const struct sch_field sch_core_v1_NodeRuntimeHandler_fields[] = {
    SF_STR("name", 1, 0, "The handler's name; empty for the default handler."),
    SF_OBJ("features", 2, sch_core_v1_NodeRuntimeHandlerFeatures, 0, "What the handler supports."),
};
CORE_TYPE(NodeRuntimeHandler, 0, "A container runtime handler available on a node.");

static const struct sch_field sch_core_v1_NodeFeatures_fields[] = {
    SF_BOOL("supplementalGroupsPolicy", 1, 0,
	    "Whether the node honours a pod's supplementalGroupsPolicy."),
};
CORE_TYPE(NodeFeatures, 0, "Optional features a node implements.");

static const struct sch_field sch_core_v1_NodeStatus_fields[] = {
    SF_MAP("capacity", 1, SCH_QUANTITY, OM, "The node's total resources (cpu, memory, pods, ...)."),
    SF_MAP("allocatable", 2, SCH_QUANTITY, OM,
	   "The resources available to pods; defaults to capacity."),
    SF_STR("phase", 3, OM, "Deprecated: Pending, Running or Terminated."),
    SF_OBJMAP("conditions", 4, sch_core_v1_NodeCondition, "type", OM,
	      "The latest observations of the node's state."),
    SF_OBJMAP("addresses", 5, sch_core_v1_NodeAddress, "type", OM,
	      "The node's addresses (hostname, internal and external IPs)."),
    SF_OBJ("daemonEndpoints", 6, sch_core_v1_NodeDaemonEndpoints, OM,
	   "The ports of the daemons on the node."),
    SF_OBJ("nodeInfo", 7, sch_core_v1_NodeSystemInfo, OM,
	   "Identifiers and versions of the node's system."),
    SF_OBJS("images", 8, sch_core_v1_ContainerImage, OM | ATOM, "Images present on the node."),
    SF_STRS("volumesInUse", 9, OM | ATOM, "Volumes the node has in use (mounted)."),
    SF_OBJS("volumesAttached", 10, sch_core_v1_AttachedVolume, OM | ATOM,
	    "Volumes attached to the node."),
    SF_OBJ("config", 11, sch_core_v1_NodeConfigStatus, 0,
	   "Deprecated: the state of dynamic kubelet configuration."),
    SF_OBJS("runtimeHandlers", 12, sch_core_v1_NodeRuntimeHandler, OM | ATOM,
	    "The runtime handlers available on the node."),
    SF_OBJ("features", 13, sch_core_v1_NodeFeatures, 0, "Optional features the node implements."),
};
CORE_TYPE(NodeStatus, 0, "The observed state of a node, reported by its kubelet.");

static const struct sch_field sch_core_v1_Node_fields[] = {
    SF_TYPEMETA,
    SF_OBJECTMETA,
    SF_OBJ("spec", 2, sch_core_v1_NodeSpec, OM, "What the node should be."),
    SF_OBJ("status", 3, sch_core_v1_NodeStatus, OM | RO, "The observed state of the node."),
};
CORE_KIND(Node, "A worker machine that runs pods.");
CORE_LIST(Node, "The nodes.");
